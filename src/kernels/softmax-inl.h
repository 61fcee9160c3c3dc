// Softmax family, along one axis of a contiguous tensor (outer x n x inner).
//
//   softmax(x)_i     = exp(x_i - m) / s,          m = max_j x_j,  s = sum_j exp(x_j - m)
//   log_softmax(x)_i = (x_i - m) - log(s)
//   softmax backward:     dx_i = y_i * (dy_i - sum_j dy_j y_j)
//   log_softmax backward: dx_i = dy_i - exp(y_i) * sum_j dy_j
//
// Subtracting the maximum keeps every exponent <= 0, so nothing overflows and s >= 1.
// Special rows: x_i - m is taken as 0 where x_i == m, which gives the limit when m = +inf
// (softmax([inf, 0]) = [1, 0]; k entries at +inf get 1/k each). A row whose maximum is -inf
// (all -inf) has no limit: it gives NaN, as PyTorch. NaN anywhere makes exp, s and so the
// whole row NaN.
//
// Two layouts, same arithmetic per element:
// - inner == 1 (the last axis): rows are contiguous; three vector passes per row (max,
//   exp and sum, normalize).
// - inner > 1 (any other axis): lanes run across `inner`, each lane walks its own line with
//   stride `inner`, so every load is still a contiguous vector.

// ---- scalar reference (long double) ----
#ifndef ACTFN_KERNELS_SOFTMAX_REF_
#define ACTFN_KERNELS_SOFTMAX_REF_
#include <cmath>
#include <cstddef>
#include <limits>
namespace actfn::ref {
// One line of n values; log selects log_softmax.
inline void softmax_line(const long double* x, long double* y, std::size_t n, bool log) {
  long double m = -std::numeric_limits<long double>::infinity();
  bool nan = false;
  for (std::size_t i = 0; i < n; ++i) {
    nan |= std::isnan(x[i]);
    if (x[i] > m) m = x[i];
  }
  long double s = 0;
  for (std::size_t i = 0; i < n; ++i) s += std::exp(x[i] == m ? 0.0L : x[i] - m);
  if (nan || (std::isinf(m) && m < 0)) s = std::numeric_limits<long double>::quiet_NaN();
  for (std::size_t i = 0; i < n; ++i) {
    const long double z = x[i] == m ? 0.0L : x[i] - m;
    y[i] = log ? z - std::log(s) : std::exp(z) / s;
  }
}
inline void softmax(const long double* x, long double* y, std::size_t n) {
  softmax_line(x, y, n, false);
}
inline void log_softmax(const long double* x, long double* y, std::size_t n) {
  softmax_line(x, y, n, true);
}
}  // namespace actfn::ref
#endif

// ---- vector kernels ----
#if !defined(ACTFN_REFERENCE_ONLY) && \
    (defined(ACTFN_KERNELS_SOFTMAX_INL_H_) == defined(HWY_TARGET_TOGGLE))
#ifdef ACTFN_KERNELS_SOFTMAX_INL_H_
#undef ACTFN_KERNELS_SOFTMAX_INL_H_
#else
#define ACTFN_KERNELS_SOFTMAX_INL_H_
#endif

#include <cmath>
#include <cstddef>
#include <limits>

#include "actfn/actfn.hpp"
#include "hwy/highway.h"
#include "math-inl.h"

HWY_BEFORE_NAMESPACE();
namespace actfn::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// x - m as an unevaluated sum z + err (Knuth's TwoSum: exact), with z = 0 where x == m (the
// +inf limit; exact anyway for finite m). Rounding z alone would cost |z| * eps relative in
// exp(z): 30 ULP at z = -30 in f32.
template <class D, class V>
HWY_INLINE V Shifted(D d, V x, V m, V& err) {
  const V z = hn::Sub(x, m);
  const V b = hn::Sub(z, x);
  const V e = hn::Add(hn::Sub(x, hn::Sub(z, b)), hn::Sub(hn::Neg(m), b));
  err = hn::IfThenElse(hn::IsNaN(e), hn::Zero(d), e);  // z = +-inf, or x or m NaN
  return hn::IfThenElse(hn::Eq(x, m), hn::Zero(d), z);
}

// exp(x - m) = exp(z) * exp(err) ~ exp(z) + exp(z) * err, |err| <= ulp(z) / 2.
template <class D, class V>
HWY_INLINE V ExpShifted(D d, V x, V m) {
  V err;
  const V e = ExpNaN(d, Shifted(d, x, m, err));
  return hn::MulAdd(e, err, e);
}

// (x - m) - ls, with the rounding error of x - m added back.
template <class D, class V>
HWY_INLINE V LogShifted(D d, V x, V m, V ls) {
  V err;
  const V z = Shifted(d, x, m, err);
  return hn::Add(hn::Sub(z, ls), err);
}

// A compensated vector sum (TwoSum per add, branch-free): the error of a row sum stays a few
// ULP whatever n, where a plain running sum of 32000 floats drifts by ~10 ULP.
template <class D>
struct Accumulator {
  using V = hn::Vec<D>;
  V s, c;
  explicit Accumulator(D d) : s(hn::Zero(d)), c(hn::Zero(d)) {}
  HWY_INLINE void Add(V v) {
    const V t = hn::Add(s, v);
    const V bp = hn::Sub(t, s);
    c = hn::Add(c, hn::Add(hn::Sub(s, hn::Sub(t, bp)), hn::Sub(v, bp)));
    s = t;
  }
  // Per-lane total.
  HWY_INLINE V Total() const { return hn::Add(s, c); }
};

// A row whose maximum is -inf has no limit: its sum becomes NaN, and so does every output.
template <class D, class V>
HWY_INLINE V PoisonEmpty(D d, V s, V m) {
  using T = hn::TFromD<D>;
  const V ninf = hn::Set(d, -std::numeric_limits<T>::infinity());
  return hn::IfThenElse(hn::Eq(m, ninf), hn::Set(d, std::numeric_limits<T>::quiet_NaN()), s);
}

// log per lane with the C library: once per line, so its cost does not matter, and the
// row and column layouts share it bit for bit.
template <class D, class V>
HWY_INLINE V LogLanes(D d, V v) {
  using T = hn::TFromD<D>;
  HWY_ALIGN T buf[hn::MaxLanes(D())];
  hn::Store(v, d, buf);
  for (std::size_t i = 0; i < hn::Lanes(d); ++i) buf[i] = std::log(buf[i]);
  return hn::Load(d, buf);
}

// ---------------------------------------------------------------- inner == 1: rows
// Reductions over a contiguous row: full vectors, then a one-lane tail, folded in a fixed
// order (deterministic).
template <class T, class P, class F>
HWY_INLINE T RowReduceSum(const T* a, P b, std::size_t n, const F& f) {
  const hn::ScalableTag<T> d;
  const hn::CappedTag<T, 1> d1;
  const std::size_t N = hn::Lanes(d);
  Accumulator<decltype(d)> acc0(d), acc1(d);
  std::size_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    acc0.Add(f(d, a + i, b + i));
    acc1.Add(f(d, a + i + N, b + i + N));
  }
  for (; i + N <= n; i += N) acc0.Add(f(d, a + i, b + i));
  acc0.Add(acc1.Total());
  Accumulator<decltype(d1)> tail(d1);
  tail.Add(hn::Set(d1, hn::GetLane(hn::SumOfLanes(d, acc0.Total()))));
  for (; i < n; ++i) tail.Add(f(d1, a + i, b + i));
  return hn::GetLane(tail.Total());
}

template <class T>
HWY_INLINE T RowMax(const T* x, std::size_t n) {
  const hn::ScalableTag<T> d;
  const hn::CappedTag<T, 1> d1;
  const std::size_t N = hn::Lanes(d);
  auto m = hn::Set(d, -std::numeric_limits<T>::infinity());
  std::size_t i = 0;
  for (; i + N <= n; i += N) m = hn::Max(m, hn::LoadU(d, x + i));
  auto mt = hn::Set(d1, hn::GetLane(hn::MaxOfLanes(d, m)));
  for (; i < n; ++i) mt = hn::Max(mt, hn::LoadU(d1, x + i));
  return hn::GetLane(mt);
}

template <class T>
void SoftmaxRow(const T* x, T* y, std::size_t n, bool log) {
  if (n == 0) return;
  const T m = RowMax(x, n);
  // Pass 2: s = sum exp(x - m); softmax keeps the exponentials in y for pass 3.
  T s = RowReduceSum(x, y, n, [m, log](auto d, const T* xi, T* yi) {
    const auto e = ExpShifted(d, hn::LoadU(d, xi), hn::Set(d, m));
    if (!log) hn::StoreU(e, d, yi);
    return e;
  });
  const hn::CappedTag<T, 1> d1;
  s = hn::GetLane(PoisonEmpty(d1, hn::Set(d1, s), hn::Set(d1, m)));
  // Pass 3.
  const T ls = log ? std::log(s) : T(0);
  const auto body = [&](auto d, std::size_t i) {
    if (log) {
      hn::StoreU(LogShifted(d, hn::LoadU(d, x + i), hn::Set(d, m), hn::Set(d, ls)), d, y + i);
    } else {
      hn::StoreU(hn::Div(hn::LoadU(d, y + i), hn::Set(d, s)), d, y + i);
    }
  };
  const hn::ScalableTag<T> d;
  const std::size_t N = hn::Lanes(d);
  std::size_t i = 0;
  for (; i + N <= n; i += N) body(d, i);
  for (; i < n; ++i) body(d1, i);
}

template <class T>
void SoftmaxRowBackward(const T* dy, const T* y, T* dx, std::size_t n, bool log) {
  if (n == 0) return;
  // softmax: c = sum dy*y, dx = y * (dy - c);  log_softmax: c = sum dy, dx = dy - exp(y) * c.
  const T c = RowReduceSum(dy, y, n, [log](auto d, const T* g, const T* yi) {
    return log ? hn::LoadU(d, g) : hn::Mul(hn::LoadU(d, g), hn::LoadU(d, yi));
  });
  const auto body = [&](auto d, std::size_t i) {
    const auto g = hn::LoadU(d, dy + i), yi = hn::LoadU(d, y + i);
    const auto vc = hn::Set(d, c);
    hn::StoreU(log ? hn::NegMulAdd(ExpNaN(d, yi), vc, g) : hn::Mul(yi, hn::Sub(g, vc)), d,
               dx + i);
  };
  const hn::ScalableTag<T> d;
  const hn::CappedTag<T, 1> d1;
  const std::size_t N = hn::Lanes(d);
  std::size_t i = 0;
  for (; i + N <= n; i += N) body(d, i);
  for (; i < n; ++i) body(d1, i);
}

// ---------------------------------------------------------------- inner > 1: columns
// Lanes of d are Lanes(d) adjacent lines; element k of them is at p + k * stride.
template <class D, class T = hn::TFromD<D>>
HWY_INLINE void SoftmaxColumns(D d, const T* x, T* y, std::size_t n, std::size_t stride,
                               bool log) {
  auto m = hn::Set(d, -std::numeric_limits<T>::infinity());
  for (std::size_t k = 0; k < n; ++k) m = hn::Max(m, hn::LoadU(d, x + k * stride));
  Accumulator<D> acc(d);
  for (std::size_t k = 0; k < n; ++k) {
    const auto e = ExpShifted(d, hn::LoadU(d, x + k * stride), m);
    if (!log) hn::StoreU(e, d, y + k * stride);
    acc.Add(e);
  }
  const auto s = PoisonEmpty(d, acc.Total(), m);
  if (log) {
    const auto ls = LogLanes(d, s);
    for (std::size_t k = 0; k < n; ++k)
      hn::StoreU(LogShifted(d, hn::LoadU(d, x + k * stride), m, ls), d, y + k * stride);
  } else {
    for (std::size_t k = 0; k < n; ++k)
      hn::StoreU(hn::Div(hn::LoadU(d, y + k * stride), s), d, y + k * stride);
  }
}

template <class D, class T = hn::TFromD<D>>
HWY_INLINE void SoftmaxColumnsBackward(D d, const T* dy, const T* y, T* dx, std::size_t n,
                                       std::size_t stride, bool log) {
  Accumulator<D> acc(d);
  for (std::size_t k = 0; k < n; ++k) {
    const auto g = hn::LoadU(d, dy + k * stride);
    acc.Add(log ? g : hn::Mul(g, hn::LoadU(d, y + k * stride)));
  }
  const auto c = acc.Total();
  for (std::size_t k = 0; k < n; ++k) {
    const auto g = hn::LoadU(d, dy + k * stride), yi = hn::LoadU(d, y + k * stride);
    hn::StoreU(log ? hn::NegMulAdd(ExpNaN(d, yi), c, g) : hn::Mul(yi, hn::Sub(g, c)), d,
               dx + k * stride);
  }
}

// ---------------------------------------------------------------- any axis
template <class T>
void SoftmaxAxis(const T* x, T* y, Axis a, bool log) {
  const std::size_t line = a.n * a.inner;
  for (std::size_t o = 0; o < a.outer; ++o) {
    const T* xo = x + o * line;
    T* yo = y + o * line;
    if (a.inner == 1) {
      SoftmaxRow(xo, yo, a.n, log);
      continue;
    }
    const hn::ScalableTag<T> d;
    const hn::CappedTag<T, 1> d1;
    const std::size_t N = hn::Lanes(d);
    std::size_t i = 0;
    for (; i + N <= a.inner; i += N) SoftmaxColumns(d, xo + i, yo + i, a.n, a.inner, log);
    for (; i < a.inner; ++i) SoftmaxColumns(d1, xo + i, yo + i, a.n, a.inner, log);
  }
}

template <class T>
void SoftmaxAxisBackward(const T* dy, const T* y, T* dx, Axis a, bool log) {
  const std::size_t line = a.n * a.inner;
  for (std::size_t o = 0; o < a.outer; ++o) {
    const std::size_t off = o * line;
    if (a.inner == 1) {
      SoftmaxRowBackward(dy + off, y + off, dx + off, a.n, log);
      continue;
    }
    const hn::ScalableTag<T> d;
    const hn::CappedTag<T, 1> d1;
    const std::size_t N = hn::Lanes(d);
    std::size_t i = 0;
    for (; i + N <= a.inner; i += N)
      SoftmaxColumnsBackward(d, dy + off + i, y + off + i, dx + off + i, a.n, a.inner, log);
    for (; i < a.inner; ++i)
      SoftmaxColumnsBackward(d1, dy + off + i, y + off + i, dx + off + i, a.n, a.inner, log);
  }
}

}  // namespace actfn::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // vector kernels
