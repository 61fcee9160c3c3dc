// actfn-fast-exhaustive: the fast tier's float32 forward over all 2^32 inputs, against the
// exact tier's float64 result on the same inputs (itself within a few float64 ULP, 2^-49
// relative, of the truth: docs/accuracy.md), so each error in float32 ULP is known to
// within ~3e-8 ULP. A second opinion by other means than actfn-accuracy's MPFR run, cheap
// enough (minutes per function) to cover every input.
//
//   actfn-fast-exhaustive [FUNCTION...] [--exact] [--threads T] [--markdown]
//
// --exact sweeps the exact tier's float32 instead (its bound, Op::bound(exact)): the native
// float32 kernels against their own float64 ones, every input.
//
// Prints, per function (default: sigmoid tanh silu gelu softplus elu, default parameters):
// the largest error in float32 ULP of the reference (subnormal ULP below 2^-126), the worst
// input, and whether NaN, infinities and signed zeros matched the exact tier's bit for bit
// in kind. Exit status 1 when an error exceeds the function's fast bound (Op::bound).
#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "actfn/actfn.hpp"

namespace {

double ulp32(double r) {
  const double a = std::fabs(r);
  if (a < 0x1p-126) return 0x1p-149;
  int e = 0;
  std::frexp(a, &e);  // a in [2^(e-1), 2^e)
  return std::ldexp(1.0, e - 24);
}

struct Worst {
  double ulp = 0;
  float x = 0;
  std::uint64_t special_mismatch = 0;
};

Worst sweep(const actfn::Op& op, actfn::Accuracy tier, int threads) {
  std::atomic<std::uint64_t> next{0};
  constexpr std::uint64_t kBlock = 1 << 16, kAll = std::uint64_t{1} << 32;
  std::mutex mu;
  Worst all;
  auto worker = [&] {
    std::vector<float> x(kBlock), y(kBlock);
    std::vector<double> xd(kBlock), yd(kBlock);
    Worst w;
    for (;;) {
      const std::uint64_t b0 = next.fetch_add(kBlock);
      if (b0 >= kAll) break;
      for (std::uint64_t i = 0; i < kBlock; ++i) {
        x[i] = std::bit_cast<float>(static_cast<std::uint32_t>(b0 + i));
        xd[i] = x[i];
      }
      actfn::forward(op, x.data(), y.data(), actfn::Axis{1, kBlock, 1}, {}, tier);
      actfn::forward(op, xd.data(), yd.data(), actfn::Axis{1, kBlock, 1}, {}, actfn::Accuracy::exact);
      for (std::uint64_t i = 0; i < kBlock; ++i) {
        const double r = yd[i], f = y[i];
        // NaN, infinities and signs: those of exact's result (rounded to f32 for overflow).
        if (std::isnan(r) || std::isinf(static_cast<float>(r))) {
          const bool same = std::isnan(r) ? std::isnan(f) : f == static_cast<float>(r);
          if (!same) ++w.special_mismatch;
          continue;
        }
        if (std::signbit(f) != std::signbit(r)) ++w.special_mismatch;
        const double e = std::fabs(f - r) / ulp32(r);
        if (e > w.ulp) w.ulp = e, w.x = x[i];
      }
    }
    std::lock_guard<std::mutex> lock(mu);
    if (w.ulp > all.ulp) all.ulp = w.ulp, all.x = w.x;
    all.special_mismatch += w.special_mismatch;
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  return all;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> names;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  bool markdown = false;
  actfn::Accuracy tier = actfn::Accuracy::fast;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) {
      threads = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--markdown") {
      markdown = true;
    } else if (a == "--exact") {
      tier = actfn::Accuracy::exact;
    } else if (a.rfind("--", 0) == 0) {
      std::fprintf(stderr, "usage: actfn-fast-exhaustive [FUNCTION...] [--exact] [--threads T] [--markdown]\n");
      return 2;
    } else {
      names.push_back(a);
    }
  }
  if (names.empty()) names = {"sigmoid", "tanh", "silu", "gelu", "softplus", "elu"};
  actfn::set_num_threads(1);  // the sweep's own threads
  const char* tn = tier == actfn::Accuracy::fast ? "fast" : "exact";
  if (markdown) {
    std::printf("| function | inputs | %s max ULP (f32) | worst x | %s bound | NaN/inf/zero mismatches |\n", tn, tn);
    std::printf("|---|---|---|---|---|---|\n");
  }
  int failures = 0;
  for (const auto& name : names) {
    const actfn::Op& op = actfn::op(name);
    const Worst w = sweep(op, tier, threads);
    const double bound = op.bound(tier).f32;
    const bool ok = w.ulp <= bound && w.special_mismatch == 0;
    failures += ok ? 0 : 1;
    if (markdown) {
      std::printf("| `%s` | all 2^32 | %.3f | %.9g | %g | %llu |\n", name.c_str(), w.ulp,
                  static_cast<double>(w.x), bound, static_cast<unsigned long long>(w.special_mismatch));
    } else {
      std::printf("%-10s max %.3f ULP at x = %.9g (bound %g), %llu special mismatches%s\n",
                  name.c_str(), w.ulp, static_cast<double>(w.x), bound,
                  static_cast<unsigned long long>(w.special_mismatch), ok ? "" : "  FAIL");
    }
    std::fflush(stdout);
  }
  return failures == 0 ? 0 : 1;
}
