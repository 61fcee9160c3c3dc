// Which Highway targets a binary runs, said aloud and held to what its build intends, so that
// a flag change cannot quietly move the instrumented runs to another code path (with
// -march=haswell alone, Highway 1.0.3's static target was SSSE3: no FMA, none of the native
// f32 kernels). Used by the tests (Build.TargetsAsIntended) and by the fuzzers.
//
//   ACTFN_EXPECT_TARGETS="AVX2 SSE4"  each must be compiled in and run on this CPU
//   ACTFN_EXPECT_BEST=1               the CPU's best target must be compiled in (AVX3 where
//                                     it has AVX-512)
//   ACTFN_FUZZ_TARGET=AVX2            the fuzzers run that target only (it must be compiled
//                                     in; a CPU without it skips the run)
#pragma once

#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "hwy/targets.h"

namespace actfn::test {

// Every x86/Arm target bit Highway 1.0.3 knows, best first, with its name.
inline std::vector<std::int64_t> all_target_bits() {
  std::vector<std::int64_t> bits;
  for (int i = 0; i < 63; ++i)
    if ((HWY_TARGETS >> i) & 1) bits.push_back(std::int64_t{1} << i);
  return bits;
}

// The target of this name among the compiled ones (HWY_TARGETS), or 0.
inline std::int64_t compiled_target(const std::string& name) {
  for (std::int64_t t : all_target_bits())
    if (name == hwy::TargetName(t)) return t;
  return 0;
}

// "compiled: AVX3 AVX2 SSE4 SCALAR; runs here: AVX3 AVX2 SSE4 SCALAR; dispatches to AVX3".
inline std::string describe_targets() {
  std::ostringstream o;
  o << "compiled:";
  for (std::int64_t t : all_target_bits()) o << " " << hwy::TargetName(t);
  o << "; runs here:";
  const auto runs = hwy::SupportedAndGeneratedTargets();
  for (std::int64_t t : runs) o << " " << hwy::TargetName(t);
  o << "; dispatches to " << (runs.empty() ? "nothing" : hwy::TargetName(runs.front()));
  return o.str();
}

// "" when the targets are those the environment expects, else what is wrong.
inline std::string check_targets() {
  std::string err;
  const auto runs = hwy::SupportedAndGeneratedTargets();
  const auto runs_here = [&](std::int64_t t) {
    for (std::int64_t r : runs)
      if (r == t) return true;
    return false;
  };
  if (const char* want = std::getenv("ACTFN_EXPECT_TARGETS")) {
    std::istringstream in(want);
    for (std::string name; in >> name;) {
      const std::int64_t t = compiled_target(name);
      if (t == 0) err += name + " is not compiled in; ";
      else if (!runs_here(t)) err += name + " does not run on this CPU; ";
    }
  }
  if (const char* best = std::getenv("ACTFN_EXPECT_BEST"); best != nullptr && *best == '1') {
    // The best target this CPU supports of all Highway could compile for x86.
    const std::int64_t supported = hwy::SupportedTargets();
    for (std::int64_t t : {std::int64_t{HWY_AVX3_DL}, std::int64_t{HWY_AVX3}, std::int64_t{HWY_AVX2}}) {
      if ((supported & t) == 0) continue;
      if (!runs_here(t) && t != HWY_AVX3_DL) err += std::string(hwy::TargetName(t)) +
                                                   ", this CPU's best, is not compiled in; ";
      if (t != HWY_AVX3_DL) break;
    }
  }
  return err;
}

}  // namespace actfn::test
