// The Highway dispatch unit of the softmax family (src/kernels/softmax-inl.h): softmax,
// log_softmax, softmin, logsumexp and gumbel_softmax for every compiled target, found through
// detail::<name>_kernels() (src/dispatch.h).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <vector>

#include "dispatch.h"
#include "units/families.h"
#undef ACTFN_IN_softmax
#define ACTFN_IN_softmax(...) __VA_ARGS__

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "units/softmax.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "kernels/softmax-inl.h"

#ifndef ACTFN_SOFTMAX_LINES_
#define ACTFN_SOFTMAX_LINES_
namespace actfn::detail {

// Gumbel noise -log(-log(u)), u uniform in (0, 1) from a generator whose output the C++
// standard fixes (std::mt19937_64), mapped to (0, 1) by hand: the same seed gives the same
// noise on every machine.
inline void GumbelNoise(std::vector<double>& g, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (double& v : g) {
    const double u = (static_cast<double>(rng() >> 11) + 0.5) * 0x1.0p-53;
    v = -std::log(-std::log(u));
  }
}

}  // namespace actfn::detail
#endif  // ACTFN_SOFTMAX_LINES_

HWY_BEFORE_NAMESPACE();
namespace actfn::HWY_NAMESPACE {

// softmax, log_softmax, softmin: params {scale, safe}; softmin is softmax of -scale x.
template <class T, Mode kMode, int kSign, bool kWide = false, bool kFast = false>
void Forward(const T* x, T* y, Axis a, const double* p) {
  SoftmaxAxis<T, kWide, kFast>(x, y, a, SoftmaxOpts{kMode, kSign * p[0], p[1] != 0});
}
template <class T, Mode kMode, int kSign>
void ForwardFast(const T* x, T* y, Axis a, const double* p) {
  Forward<T, kMode, kSign, false, true>(x, y, a, p);
}
template <class T, Mode kMode, int kSign>
void Backward(const T* dy, const T* y, T* dx, Axis a, const double* p) {
  SoftmaxAxisBackward(dy, y, dx, a, kMode == Mode::kLogSoftmax, kSign * p[0], p[1] != 0);
}

// logsumexp: one value per line; backward reads x: dx = dy * softmax(x).
template <class T, bool kWide = false, bool kFast = false>
void LogSumExp(const T* x, T* y, Axis a, const double*) {
  SoftmaxAxis<T, kWide, kFast>(x, y, a, SoftmaxOpts{Mode::kLogSumExp});
}
template <class T>
void LogSumExpBackward(const T* dy, const T* x, T* dx, Axis a, const double*) {
  SoftmaxAxis(x, dx, a, SoftmaxOpts{Mode::kSoftmax});
  for (std::size_t o = 0; o < a.outer; ++o)
    for (std::size_t k = 0; k < a.n; ++k)
      for (std::size_t i = 0; i < a.inner; ++i)
        dx[(o * a.n + k) * a.inner + i] *= dy[o * a.inner + i];
}

// gumbel_softmax: params {tau, hard, seed}. y = softmax((x + g) / tau); hard: the one-hot of
// its argmax (first of ties). Backward reads x: it draws the same noise from the seed and
// differentiates the soft y (the straight-through estimator when hard).
template <class T>
void GumbelSoft(const T* x, std::vector<T>& soft, Axis a, const double* p) {
  std::vector<double> g(a.size());
  detail::GumbelNoise(g, static_cast<std::uint64_t>(p[2]));
  std::vector<T> z(a.size());
  for (std::size_t i = 0; i < z.size(); ++i) z[i] = static_cast<T>(static_cast<double>(x[i]) + g[i]);
  soft.resize(a.size());
  SoftmaxAxis(z.data(), soft.data(), a, SoftmaxOpts{Mode::kSoftmax, 1 / p[0], false});
}
template <class T>
void Gumbel(const T* x, T* y, Axis a, const double* p) {
  std::vector<T> soft;
  GumbelSoft(x, soft, a, p);
  if (p[1] == 0) {
    std::copy(soft.begin(), soft.end(), y);
    return;
  }
  for (std::size_t o = 0; o < a.outer; ++o) {
    for (std::size_t i = 0; i < a.inner; ++i) {
      const std::size_t base = o * a.n * a.inner + i;
      std::size_t best = 0;
      for (std::size_t k = 1; k < a.n; ++k)
        if (soft[base + k * a.inner] > soft[base + best * a.inner]) best = k;
      for (std::size_t k = 0; k < a.n; ++k) y[base + k * a.inner] = k == best ? T(1) : T(0);
    }
  }
}
template <class T>
void GumbelBackward(const T* dy, const T* x, T* dx, Axis a, const double* p) {
  std::vector<T> soft;
  GumbelSoft(x, soft, a, p);
  SoftmaxAxisBackward(dy, soft.data(), dx, a, false, 1 / p[0], false);
}

// Each function's kernels: f32 and f64 forward and backward, the forward for f32 data on f64
// lines, and whether the f32 kernel keeps the f32 bound itself. softmax, log_softmax, softmin
// and logsumexp: f32 lanes within 1 ULP where the target has FMA (ExpShifted's, ExpOverSum's,
// LogOfLineF32's f32 steps); elsewhere f32 lines go through f64.
// The fast tier's forward (null: exact's) is the same code with ExpFast, one exponential per
// element, no compensation of their roundings (kFast).
template <template <class> class F, template <class> class B>
constexpr detail::AxisEntry MakeEntry(detail::AxisFn<double> f32_via_f64, bool f32_native,
                                      detail::AxisFn<float> f32_fast = nullptr,
                                      detail::AxisFn<double> f64_fast = nullptr) {
  return {{F<float>::kFn, B<float>::kFn}, {F<double>::kFn, B<double>::kFn}, f32_via_f64,
          f32_native, f32_fast, f64_fast};
}
#define ACTFN_AXIS_FN(Name, ...) \
  template <class T>             \
  struct Name {                  \
    static constexpr auto kFn = __VA_ARGS__; \
  };
ACTFN_AXIS_FN(SoftmaxF, &Forward<T, Mode::kSoftmax, 1>)
ACTFN_AXIS_FN(SoftmaxB, &Backward<T, Mode::kSoftmax, 1>)
ACTFN_AXIS_FN(LogSoftmaxF, &Forward<T, Mode::kLogSoftmax, 1>)
ACTFN_AXIS_FN(LogSoftmaxB, &Backward<T, Mode::kLogSoftmax, 1>)
ACTFN_AXIS_FN(SoftminF, &Forward<T, Mode::kSoftmax, -1>)
ACTFN_AXIS_FN(SoftminB, &Backward<T, Mode::kSoftmax, -1>)
ACTFN_AXIS_FN(LogsumexpF, &LogSumExp<T>)
ACTFN_AXIS_FN(LogsumexpB, &LogSumExpBackward<T>)
ACTFN_AXIS_FN(GumbelF, &Gumbel<T>)
ACTFN_AXIS_FN(GumbelB, &GumbelBackward<T>)
#undef ACTFN_AXIS_FN

struct Softmax {
  static constexpr detail::AxisEntry kEntry =
      MakeEntry<SoftmaxF, SoftmaxB>(&Forward<double, Mode::kSoftmax, 1, true>, kFma,
                                    &ForwardFast<float, Mode::kSoftmax, 1>,
                                    &ForwardFast<double, Mode::kSoftmax, 1>);
};
struct LogSoftmax {
  static constexpr detail::AxisEntry kEntry =
      MakeEntry<LogSoftmaxF, LogSoftmaxB>(&Forward<double, Mode::kLogSoftmax, 1, true>, kFma,
                                          &ForwardFast<float, Mode::kLogSoftmax, 1>,
                                          &ForwardFast<double, Mode::kLogSoftmax, 1>);
};
struct Softmin {
  static constexpr detail::AxisEntry kEntry =
      MakeEntry<SoftminF, SoftminB>(&Forward<double, Mode::kSoftmax, -1, true>, kFma,
                                    &ForwardFast<float, Mode::kSoftmax, -1>,
                                    &ForwardFast<double, Mode::kSoftmax, -1>);
};
struct Logsumexp {
  static constexpr detail::AxisEntry kEntry =
      MakeEntry<LogsumexpF, LogsumexpB>(&LogSumExp<double, true>, kFma);
};
// Its noise follows the position in the whole call (Op::positional): f32 goes through f64
// whole, never in blocks.
struct GumbelSoftmax {
  static constexpr detail::AxisEntry kEntry = MakeEntry<GumbelF, GumbelB>(nullptr, false);
};

// <name>_entry(): the function's kernels on this target.
#define ACTFN_FN(name, kind, family, Kernel) \
  ACTFN_IN_##family(const detail::AxisEntry& name##_entry() { return Kernel::kEntry; })
#include "actfn/functions.inc"

}  // namespace actfn::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace actfn {
#define ACTFN_FN(name, kind, family, Kernel) \
  ACTFN_IN_##family(ACTFN_KERNELS_ACCESSOR(name, AxisEntry))
#include "actfn/functions.inc"
}  // namespace actfn
#endif
