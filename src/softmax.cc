// The Highway dispatch unit for the functions along an axis: the softmax family (vector
// kernels in kernels/softmax-inl.h), and the sort-based sparsemax and 1.5-entmax and
// gumbel_softmax, which work line by line in long double.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <vector>

#include "dispatch.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "softmax.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "kernels/softmax-inl.h"

#ifndef ACTFN_SOFTMAX_LINES_
#define ACTFN_SOFTMAX_LINES_
namespace actfn::detail {

// Calls f(line) for every line of `a`, with the line gathered into a vector of long doubles, and
// scatters what f leaves in it back to y (or to nothing when y is null).
template <class T, class F>
void ForEachLine(const T* x, T* y, Axis a, F f) {
  std::vector<long double> line(a.n);
  for (std::size_t o = 0; o < a.outer; ++o) {
    for (std::size_t i = 0; i < a.inner; ++i) {
      const std::size_t base = o * a.n * a.inner + i;
      for (std::size_t k = 0; k < a.n; ++k) line[k] = static_cast<long double>(x[base + k * a.inner]);
      f(line);
      if (y != nullptr) {
        for (std::size_t k = 0; k < a.n; ++k) y[base + k * a.inner] = static_cast<T>(line[k]);
      }
    }
  }
}

// The special rows every simplex map shares with softmax: NaN anywhere gives NaN; a +inf
// maximum shares the mass among the +inf entries; an all -inf row has no limit (NaN).
// Returns true when the row was one of those (and is done).
inline bool SpecialRow(std::vector<long double>& v) {
  long double m = -std::numeric_limits<long double>::infinity();
  bool nan = false;
  for (long double x : v) {
    nan |= std::isnan(x);
    m = std::max(m, x);
  }
  if (v.empty()) return true;
  if (nan || m == -std::numeric_limits<long double>::infinity()) {
    std::fill(v.begin(), v.end(), std::numeric_limits<long double>::quiet_NaN());
    return true;
  }
  if (m == std::numeric_limits<long double>::infinity()) {
    const long double k = static_cast<long double>(std::count(v.begin(), v.end(), m));
    for (long double& x : v) x = x == m ? 1 / k : 0;
    return true;
  }
  return false;
}

// Sparsemax (Martins & Astudillo 2016): y = max(x - tau, 0), tau from the sorted row.
inline void Sparsemax(std::vector<long double>& v) {
  if (SpecialRow(v)) return;
  // Shift by the maximum first (sparsemax does not change): with 1e19 in a row, x - tau
  // would otherwise lose the 1 that tau is away from x (found by hypothesis).
  const long double m = *std::max_element(v.begin(), v.end());
  for (long double& x : v) x -= m;
  std::vector<long double> z(v);
  std::sort(z.begin(), z.end(), std::greater<>());
  long double cum = 0, tau = 0;
  for (std::size_t k = 1; k <= z.size(); ++k) {
    cum += z[k - 1];
    if (1 + static_cast<long double>(k) * z[k - 1] > cum) tau = (cum - 1) / static_cast<long double>(k);
  }
  for (long double& x : v) x = std::max(x - tau, 0.0L);
}

// 1.5-entmax (Peters, Niculae & Martins 2019), exact sort-based: y = [x/2 - tau]_+^2.
inline void Entmax15(std::vector<long double>& v) {
  if (SpecialRow(v)) return;
  const long double m = *std::max_element(v.begin(), v.end());
  for (long double& x : v) x = (x - m) / 2;
  std::vector<long double> z(v);
  std::sort(z.begin(), z.end(), std::greater<>());
  long double cum = 0, cum2 = 0, tau_star = 0;
  for (std::size_t k = 1; k <= z.size(); ++k) {
    const long double kd = static_cast<long double>(k);
    cum += z[k - 1];
    cum2 += z[k - 1] * z[k - 1];
    const long double mean = cum / kd, ss = kd * (cum2 / kd - mean * mean);
    const long double tau = mean - std::sqrt(std::max((1 - ss) / kd, 0.0L));
    if (tau <= z[k - 1]) tau_star = tau;
  }
  for (long double& x : v) {
    const long double t = std::max(x - tau_star, 0.0L);
    x = t * t;
  }
}

// Backward from y: sparsemax dx = dy - mean(dy over the support) on the support, else 0;
// entmax15 with g = sqrt(y): dx = g dy - g sum(g dy) / sum(g).
template <class T>
void SimplexBackward(const T* dy, const T* y, T* dx, Axis a, bool entmax) {
  std::vector<double> g(a.n), w(a.n);
  for (std::size_t o = 0; o < a.outer; ++o) {
    for (std::size_t i = 0; i < a.inner; ++i) {
      const std::size_t base = o * a.n * a.inner + i;
      double num = 0, den = 0;
      for (std::size_t k = 0; k < a.n; ++k) {
        const double yk = static_cast<double>(y[base + k * a.inner]);
        const double gk = static_cast<double>(dy[base + k * a.inner]);
        w[k] = entmax ? std::sqrt(yk) : (yk > 0 ? 1.0 : (std::isnan(yk) ? yk : 0.0));
        g[k] = gk;
        num += w[k] * gk;
        den += w[k];
      }
      const double q = num / den;
      for (std::size_t k = 0; k < a.n; ++k)
        dx[base + k * a.inner] = static_cast<T>(w[k] * (g[k] - q));
    }
  }
}

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
template <class T, Mode kMode, int kSign, bool kWide = false>
void Forward(const T* x, T* y, Axis a, const double* p) {
  SoftmaxAxis<T, kWide>(x, y, a, SoftmaxOpts{kMode, kSign * p[0], p[1] != 0});
}
template <class T, Mode kMode, int kSign>
void Backward(const T* dy, const T* y, T* dx, Axis a, const double* p) {
  SoftmaxAxisBackward(dy, y, dx, a, kMode == Mode::kLogSoftmax, kSign * p[0], p[1] != 0);
}

// logsumexp: one value per line; backward reads x: dx = dy * softmax(x).
template <class T, bool kWide = false>
void LogSumExp(const T* x, T* y, Axis a, const double*) {
  SoftmaxAxis<T, kWide>(x, y, a, SoftmaxOpts{Mode::kLogSumExp});
}
template <class T>
void LogSumExpBackward(const T* dy, const T* x, T* dx, Axis a, const double*) {
  SoftmaxAxis(x, dx, a, SoftmaxOpts{Mode::kSoftmax});
  for (std::size_t o = 0; o < a.outer; ++o)
    for (std::size_t k = 0; k < a.n; ++k)
      for (std::size_t i = 0; i < a.inner; ++i)
        dx[(o * a.n + k) * a.inner + i] *= dy[o * a.inner + i];
}

template <class T, bool kEntmax>
void Simplex(const T* x, T* y, Axis a, const double*) {
  detail::ForEachLine(x, y, a, kEntmax ? detail::Entmax15 : detail::Sparsemax);
}
template <class T, bool kEntmax>
void SimplexBackward(const T* dy, const T* y, T* dx, Axis a, const double*) {
  detail::SimplexBackward(dy, y, dx, a, kEntmax);
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

template <class T>
constexpr detail::AxisFns<T> Fns(detail::AxisFn<T> f, detail::AxisBackwardFn<T> b) {
  return {f, b};
}
#define ACTFN_AXIS_ENTRY(name, F, B, ...) \
  detail::AxisEntry { name, Fns<float>(F<float>, B<float>), Fns<double>(F<double>, B<double>), __VA_ARGS__ }

template <class T> constexpr auto kSoftmax = &Forward<T, Mode::kSoftmax, 1>;
template <class T> constexpr auto kSoftmaxB = &Backward<T, Mode::kSoftmax, 1>;
template <class T> constexpr auto kLogSoftmax = &Forward<T, Mode::kLogSoftmax, 1>;
template <class T> constexpr auto kLogSoftmaxB = &Backward<T, Mode::kLogSoftmax, 1>;
template <class T> constexpr auto kSoftmin = &Forward<T, Mode::kSoftmax, -1>;
template <class T> constexpr auto kSoftminB = &Backward<T, Mode::kSoftmax, -1>;
template <class T> constexpr auto kSparsemax = &Simplex<T, false>;
template <class T> constexpr auto kSparsemaxB = &SimplexBackward<T, false>;
template <class T> constexpr auto kEntmax = &Simplex<T, true>;
template <class T> constexpr auto kEntmaxB = &SimplexBackward<T, true>;

// Every kernel along an axis; ops.cc finds them by name.
const detail::AxisEntry* AxisTable() {
  static const detail::AxisEntry kTable[] = {
      // softmax, log_softmax, softmin, logsumexp: f32 lanes within 1 ULP where the target has
      // FMA (ExpShifted's, ExpOverSum's, LogOfLineF32's f32 steps); elsewhere f32 lines go
      // through f64.
      ACTFN_AXIS_ENTRY("softmax", kSoftmax, kSoftmaxB, &Forward<double, Mode::kSoftmax, 1, true>,
                       kFma),
      ACTFN_AXIS_ENTRY("log_softmax", kLogSoftmax, kLogSoftmaxB,
                       &Forward<double, Mode::kLogSoftmax, 1, true>, kFma),
      ACTFN_AXIS_ENTRY("softmin", kSoftmin, kSoftminB, &Forward<double, Mode::kSoftmax, -1, true>,
                       kFma),
      ACTFN_AXIS_ENTRY("logsumexp", &LogSumExp, &LogSumExpBackward, &LogSumExp<double, true>, kFma),
      ACTFN_AXIS_ENTRY("sparsemax", kSparsemax, kSparsemaxB, nullptr, false),
      ACTFN_AXIS_ENTRY("entmax15", kEntmax, kEntmaxB, nullptr, false),
      ACTFN_AXIS_ENTRY("gumbel_softmax", &Gumbel, &GumbelBackward, nullptr, false),
      {nullptr, {}, {}, nullptr, false},
  };
  return kTable;
}
#undef ACTFN_AXIS_ENTRY

}  // namespace actfn::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace actfn {
HWY_EXPORT(AxisTable);
namespace detail {
const AxisEntry* axis_table() { return HWY_DYNAMIC_DISPATCH(AxisTable)(); }
}  // namespace detail
}  // namespace actfn
#endif
