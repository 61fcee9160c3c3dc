// Vector math primitives that Highway 1.0.3's contrib/math lacks or gets wrong for us:
// NaN and infinity kept everywhere, Sin/Cos beyond Highway's range, exact products, and
// Chebyshev series (Clenshaw) for the fitted expansions of tools/fit/chebyshev.py.
// Per-target code: included inside a foreach_target dispatch unit.
#if defined(ACTFN_MATH_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ACTFN_MATH_INL_H_
#undef ACTFN_MATH_INL_H_
#else
#define ACTFN_MATH_INL_H_
#endif

#include <cmath>
#include <cstddef>
#include <limits>

#include "hwy/contrib/math/math-inl.h"
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace actfn::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <class D>
HWY_INLINE hn::Vec<D> Const(D d, double v) {
  return hn::Set(d, static_cast<hn::TFromD<D>>(v));
}

// Largest x with exp(x) finite: 88.72 (f32), 709.78 (f64).
template <class D>
HWY_INLINE hn::Vec<D> MaxLog(D d) {
  return Const(d, sizeof(hn::TFromD<D>) == 4 ? 88.72283935546875 : 709.782712893384);
}

// exp(x) that keeps NaN and overflows to inf. hn::Exp is 1 ULP (its doc) and builds 2^q with
// two multiplies, so results down to the smallest subnormal survive (exp(-100.f) =
// 3.72e-44f); but it returns 0 for NaN (its `x >= -104` test is false) and wraps the
// exponent above its valid range.
template <class D, class V>
HWY_INLINE V ExpNaN(D d, V x) {
  const V r = hn::IfThenElse(hn::Gt(x, MaxLog(d)), hn::Inf(d), hn::Exp(d, x));
  return hn::IfThenElse(hn::IsNaN(x), x, r);
}

// expm1 (hn::Expm1, 4 ULP) with NaN and overflow.
template <class D, class V>
HWY_INLINE V Expm1NaN(D d, V x) {
  const V r = hn::IfThenElse(hn::Gt(x, MaxLog(d)), hn::Inf(d), hn::Expm1(d, x));
  return hn::IfThenElse(hn::IsNaN(x), x, r);
}

// log1p for every x: hn::Log1p's log(1 + x) * x / ((1 + x) - 1) also holds on (-1, 0);
// x = -1 gives -inf, x < -1 NaN, inf inf, NaN NaN.
template <class D, class V>
HWY_INLINE V Log1pNaN(D d, V x) {
  const V one = hn::Set(d, 1);
  V r = hn::Log1p(d, hn::IfThenElse(hn::Gt(x, hn::Set(d, -1)), x, hn::Zero(d)));
  r = hn::IfThenElse(hn::Eq(x, hn::Set(d, -1)), hn::Neg(hn::Inf(d)), r);
  r = hn::IfThenElse(hn::Lt(x, hn::Neg(one)), hn::NaN(d), r);
  r = hn::IfThenElse(hn::Eq(x, hn::Inf(d)), x, r);
  return hn::IfThenElse(hn::IsNaN(x), x, r);
}

// tanh (hn::Tanh, 4 ULP) with NaN.
template <class D, class V>
HWY_INLINE V TanhNaN(D d, V x) {
  return hn::IfThenElse(hn::IsNaN(x), x, hn::Tanh(d, x));
}

// Lanes of `r` where `bad` holds are recomputed with the C library's f (rare inputs outside
// a fast path's range, so the fast path never returns a wrong value).
template <class D, class V, class M, class F>
HWY_INLINE V FixLanes(D d, M bad, V x, V r, F f) {
  if (HWY_LIKELY(hn::AllFalse(d, bad))) return r;
  using T = hn::TFromD<D>;
  HWY_ALIGN T xs[hn::MaxLanes(D())];
  HWY_ALIGN T rs[hn::MaxLanes(D())];
  hn::Store(x, d, xs);
  hn::Store(hn::IfThenElseZero(bad, hn::Set(d, 1)), d, rs);
  HWY_ALIGN T out[hn::MaxLanes(D())];
  hn::Store(r, d, out);
  for (std::size_t i = 0; i < hn::Lanes(d); ++i)
    if (rs[i] != 0) out[i] = f(xs[i]);
  return hn::Load(d, out);
}

// sin and cos: hn::Sin/Cos are 3 ULP on [-39000, 39000]; beyond (and for inf, NaN) the C
// library takes over for those lanes.
template <class D, class V>
HWY_INLINE V SinNaN(D d, V x) {
  const auto bad = hn::Not(hn::Le(hn::Abs(x), Const(d, 39000)));
  return FixLanes(d, bad, x, hn::Sin(d, x), [](auto v) { return std::sin(v); });
}
template <class D, class V>
HWY_INLINE V CosNaN(D d, V x) {
  const auto bad = hn::Not(hn::Le(hn::Abs(x), Const(d, 39000)));
  return FixLanes(d, bad, x, hn::Cos(d, x), [](auto v) { return std::cos(v); });
}

// a * b = hi + lo exactly (where no overflow): FMA where the target has it, else Dekker's
// split.
template <class D, class V>
HWY_INLINE V TwoProd(D d, V a, V b, V& lo) {
  const V hi = hn::Mul(a, b);
#if HWY_TARGET == HWY_SSE4 || HWY_TARGET == HWY_SSSE3 || HWY_TARGET == HWY_SCALAR || \
    HWY_TARGET == HWY_EMU128
  const V c = Const(d, sizeof(hn::TFromD<D>) == 4 ? 4097.0 : 134217729.0);
  const auto split = [&](V v, V& h, V& l) {
    const V t = hn::Mul(c, v);
    h = hn::Sub(t, hn::Sub(t, v));
    l = hn::Sub(v, h);
  };
  V ah, al, bh, bl;
  split(a, ah, al);
  split(b, bh, bl);
  lo = hn::Add(hn::Add(hn::Add(hn::Sub(hn::Mul(ah, bh), hi), hn::Mul(ah, bl)), hn::Mul(al, bh)),
               hn::Mul(al, bl));
#else
  (void)d;
  lo = hn::MulSub(a, b, hi);
#endif
  lo = hn::IfThenElse(hn::IsFinite(lo), lo, hn::Zero(d));  // a or b infinite, or overflow
  return hi;
}

// v with its sign flipped where s is negative: v * sign(s), exactly.
template <class D, class V>
HWY_INLINE V MulSign(D d, V v, V s) {
  return hn::Xor(v, hn::And(hn::SignBit(d), s));
}

// exp(-x^2 * h) for h = 1 or 1/2, with x^2 formed exactly: rounding x^2 first would cost
// x^2 * eps relative (100 ULP at x = 10).
template <class D, class V>
HWY_INLINE V ExpNegSquare(D d, V x, double h) {
  V lo;
  const V hi = TwoProd(d, x, x, lo);
  const V e = ExpNaN(d, hn::Mul(hi, Const(d, -h)));
  return hn::NegMulAdd(e, hn::Mul(lo, Const(d, h)), e);  // e * (1 - lo * h)
}

// a * exp(z + zlo) where exp(z) would be subnormal (z < -700; f64 only, f32 results never
// get there): exp(z + c) 2^-64 with c = 64 ln 2 = kHi + kLo, kHi a multiple of 2^-43 so that
// z + kHi is exact for |z| < 1024. The product with a is then rounded once, at the end,
// instead of multiplying a by an already rounded subnormal (320 ULP at x = -745 for silu).
// Elsewhere returns `otherwise`.
template <class D, class V>
HWY_INLINE V TimesTinyExp(D d, V a, V z, V zlo, V otherwise) {
  if constexpr (sizeof(hn::TFromD<D>) == 4) {
    return otherwise;
  } else {
    const auto tiny = hn::Lt(z, Const(d, -700));
    if (HWY_LIKELY(hn::AllFalse(d, tiny))) return otherwise;
    constexpr double kHi = 0x1.62e42fefa39f0p+5;     // 64 ln 2, rounded to 2^-43
    constexpr double kLo = -5.62123739673937e-15;    // 64 ln 2 - kHi
    const V zc = hn::IfThenElse(tiny, z, hn::Zero(d));
    V e = ExpNaN(d, hn::Add(zc, Const(d, kHi)));
    e = hn::MulAdd(e, hn::Add(zlo, Const(d, kLo)), e);
    const V r = hn::Mul(hn::Mul(a, e), Const(d, 0x1p-64));
    return hn::IfThenElse(tiny, r, otherwise);
  }
}

// sum_k c[k] T_k(z) by Clenshaw's recurrence: stable for any number of terms.
template <class D, class V, class C, std::size_t N>
HWY_INLINE V Clenshaw(D d, V z, const C (&c)[N]) {
  const V z2 = hn::Add(z, z);
  V b1 = hn::Zero(d), b2 = hn::Zero(d);
  for (std::size_t k = N - 1; k >= 1; --k) {
    const V b0 = hn::Sub(hn::MulAdd(z2, b1, Const(d, c[k])), b2);
    b2 = b1;
    b1 = b0;
  }
  return hn::Sub(hn::MulAdd(z, b1, Const(d, c[0])), b2);
}

// dy * fp where fp is the derivative, made NaN where x is NaN: the IEEE product dy * f'(x),
// so NaN in dy or x reaches dx.
template <class D, class V>
HWY_INLINE V Chain(D, V dy, V x, V fp) {
  return hn::Mul(dy, hn::IfThenElse(hn::IsNaN(x), x, fp));
}

// y with its values at x = -inf and x = +inf replaced by the limits (for products such as
// x * sigmoid(x), which IEEE evaluates to -inf * 0 = NaN).
template <class D, class V>
HWY_INLINE V AtInf(D d, V x, V y, V at_neg_inf, V at_pos_inf) {
  y = hn::IfThenElse(hn::Eq(x, hn::Neg(hn::Inf(d))), at_neg_inf, y);
  return hn::IfThenElse(hn::Eq(x, hn::Inf(d)), at_pos_inf, y);
}

}  // namespace actfn::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // ACTFN_MATH_INL_H_
