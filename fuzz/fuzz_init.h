// Every fuzzer's start: it says which Highway targets it runs, fails when they are not what
// the build intends (tests/targets.h: ACTFN_EXPECT_TARGETS, ACTFN_EXPECT_BEST), and with
// ACTFN_FUZZ_TARGET=AVX2 (make fuzz runs each target in FUZZ_TARGETS) forces that target,
// so that the FMA kernels users run are the ones fuzzed. A CPU without the target skips the
// run (exit 0, said on stderr).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

#include "hwy/targets.h"
#include "targets.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  using namespace actfn::test;
  std::fprintf(stderr, "actfn fuzzer: %s\n", describe_targets().c_str());
  if (const std::string err = check_targets(); !err.empty()) {
    std::fprintf(stderr, "actfn fuzzer: %s\n", err.c_str());
    std::abort();
  }
  if (const char* want = std::getenv("ACTFN_FUZZ_TARGET"); want != nullptr && *want != 0) {
    const std::int64_t t = compiled_target(want);
    if (t == 0) {
      std::fprintf(stderr, "actfn fuzzer: ACTFN_FUZZ_TARGET=%s is not compiled in\n", want);
      std::abort();
    }
    if ((hwy::SupportedTargets() & t) == 0) {
      std::fprintf(stderr, "actfn fuzzer: skipped, this CPU lacks %s\n", want);
      std::exit(0);
    }
    hwy::SetSupportedTargetsForTest(t);
    std::fprintf(stderr, "actfn fuzzer: fuzzing the %s target\n", hwy::TargetName(t));
  }
  return 0;
}
