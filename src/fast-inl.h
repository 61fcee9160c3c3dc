// The fast tier's math (Accuracy::fast): plain arithmetic in the array's own lanes, no
// double-words, no f64 detour for f32. Each kernel's ForwardFast takes its common lanes here
// and hands the rare ones (subnormal or overflowing intermediates, NaN, infinities) to its
// exact Forward, lane by lane (FastOr), so the fast tier keeps exact's special values and
// never flushes a subnormal result. Per-target code, included by the family files.
#if defined(ACTFN_FAST_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ACTFN_FAST_INL_H_
#undef ACTFN_FAST_INL_H_
#else
#define ACTFN_FAST_INL_H_
#endif

#include <cstddef>

#include "hwy/highway.h"
#include "map-inl.h"
#include "math-inl.h"

HWY_BEFORE_NAMESPACE();
namespace actfn::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Where exp's 2^k stays normal: the common lanes' range of ExpCore's argument.
template <class D>
HWY_INLINE hn::Vec<D> ExpCoreMin(D d) {
  return Const(d, sizeof(hn::TFromD<D>) == 4 ? -87.0 : -707.0);
}
template <class D>
HWY_INLINE hn::Vec<D> ExpCoreMax(D d) {
  return Const(d, sizeof(hn::TFromD<D>) == 4 ? 88.0 : 709.0);
}

// exp(y) = s (1 + p) and expm1(y) = s p + (s - 1), with s = 2^k and p = expm1(r), for y in
// [ExpCoreMin, ExpCoreMax] (s normal; outside, the caller's rare lanes). y = k ln 2 + r with
// |r| <= ln(2) / 2 (Cody-Waite: k ln2_hi is exact for the k that occur, also without FMA),
// expm1(r) = r + r^2 P(r): f32 P of degree 4 fitted to expm1's relative error (least squares
// on Chebyshev nodes, f32 coefficients: 1.4e-8, 0.24 ULP), f64 Taylor's to r^13 (2^-56). exp as s + s p adds the 1 last (ARM's expf): ~0.6 ULP; the final rounding is the
// caller's.
template <class D, class V>
HWY_INLINE V ExpCore(D d, V y, V& s) {
  // k = round(y log2 e) by the shifter: t's low mantissa bits hold k + bias, and shifted up
  // they are the exponent field of s = 2^k (no rounding instruction, no integer add).
  constexpr bool k32 = sizeof(hn::TFromD<D>) == 4;
  const V shifter = Const(d, k32 ? 0x1.8p23 + 127 : 0x1.8p52 + 1023);
  const V t = hn::MulAdd(y, Const(d, 1.4426950408889634), shifter);
  const V k = hn::Sub(t, shifter);
  const hn::RebindToUnsigned<D> du;
  s = hn::BitCast(d, hn::ShiftLeft<k32 ? 23 : 52>(hn::BitCast(du, t)));
  V r;
  if constexpr (sizeof(hn::TFromD<D>) == 4) {
    r = hn::NegMulAdd(k, Const(d, 0.693359375), y);  // 9-bit head: k ln2_hi exact
    r = hn::NegMulAdd(k, Const(d, -2.12194440e-4), r);
  } else {
    r = hn::NegMulAdd(k, Const(d, 0x1.62e42fee00000p-1), y);  // 32-bit head
    r = hn::NegMulAdd(k, Const(d, 0x1.a39ef35793c76p-33), r);
  }
  V q;
  if constexpr (sizeof(hn::TFromD<D>) == 4) {
    q = Const(d, 0.0013858142774552107);
    q = hn::MulAdd(q, r, Const(d, 0.008366692811250687));
    q = hn::MulAdd(q, r, Const(d, 0.041667599231004715));
    q = hn::MulAdd(q, r, Const(d, 0.16666541993618011));
    q = hn::MulAdd(q, r, Const(d, 0.4999999701976776));
  } else {
    // Estrin-like halves keep the chain short: r^2 P(r) with P to r^11.
    const V r2 = hn::Mul(r, r);
    V hi = Const(d, 1.0 / 6227020800);  // 1/13!
    hi = hn::MulAdd(hi, r, Const(d, 1.0 / 479001600));
    hi = hn::MulAdd(hi, r, Const(d, 1.0 / 39916800));
    hi = hn::MulAdd(hi, r, Const(d, 1.0 / 3628800));
    hi = hn::MulAdd(hi, r, Const(d, 1.0 / 362880));
    hi = hn::MulAdd(hi, r, Const(d, 1.0 / 40320));
    V lo = Const(d, 1.0 / 5040);
    lo = hn::MulAdd(lo, r, Const(d, 1.0 / 720));
    lo = hn::MulAdd(lo, r, Const(d, 1.0 / 120));
    lo = hn::MulAdd(lo, r, Const(d, 1.0 / 24));
    lo = hn::MulAdd(lo, r, Const(d, 1.0 / 6));
    lo = hn::MulAdd(lo, r, Const(d, 0.5));
    const V r6 = hn::Mul(hn::Mul(r2, r2), r2);
    q = hn::MulAdd(hi, r6, lo);
  }
  return hn::MulAdd(hn::Mul(r, r), q, r);
}

// exp(y) for y in [ExpCoreMin, ExpCoreMax], one rounding of s (1 + p).
template <class D, class V>
HWY_INLINE V ExpFast(D d, V y) {
  V s;
  const V p = ExpCore(d, y, s);
  return hn::MulAdd(s, p, s);
}

// log1p(a) for a in [0, 1]: u = 1 + a rounded, c = a - (u - 1) its error (exact), u = m 2^k
// with m in [sqrt(1/2), sqrt(2)], f = m - 1 (exact) plus c 2^-k (so the rounding of 1 + a is
// undone to within half an ulp of f: 2^-25 relative, where a division by u would cost one
// more quotient), log(m + c 2^-k) = 2 atanh(f / (2 + f)), the odd series to s^9 (f32: 2^-29)
// or s^19 (f64: 2^-56), and log1p(a) = k ln 2 + that.
template <class D, class V>
HWY_INLINE V Log1pFast(D d, V a) {
  constexpr bool k32 = sizeof(hn::TFromD<D>) == 4;
  const V one = hn::Set(d, 1);
  const V u = hn::Add(one, a);
  const V c = hn::Sub(a, hn::Sub(u, one));
  const auto big = hn::Gt(u, Const(d, 1.4142135623730951));
  const V m = hn::IfThenElse(big, hn::Mul(u, Const(d, 0.5)), u);
  const V f = hn::Add(hn::Sub(m, one), hn::IfThenElse(big, hn::Mul(c, Const(d, 0.5)), c));
  const V s = hn::Div(f, hn::Add(f, Const(d, 2)));
  const V s2 = hn::Mul(s, s);
  V q;
  if constexpr (k32) {
    q = Const(d, 2.0 / 9);
    q = hn::MulAdd(q, s2, Const(d, 2.0 / 7));
    q = hn::MulAdd(q, s2, Const(d, 2.0 / 5));
    q = hn::MulAdd(q, s2, Const(d, 2.0 / 3));
  } else {
    q = Const(d, 2.0 / 19);
    for (int j = 17; j >= 3; j -= 2) q = hn::MulAdd(q, s2, Const(d, 2.0 / j));
  }
  // 2s + s s2 q, then k ln 2 (as hi + lo) and c / u.
  const V lm = hn::MulAdd(hn::Mul(s, s2), q, hn::Add(s, s));
  const V ln2_hi = Const(d, k32 ? 0x1.62e43p-1 : 0x1.62e42feep-1);
  const V ln2_lo = Const(d, k32 ? -1.9046542999577418e-09 : 1.9082149292705877e-10);
  return hn::Add(hn::IfThenElseZero(big, ln2_hi), hn::Add(lm, hn::IfThenElseZero(big, ln2_lo)));
}

// r where `ok` holds; elsewhere the exact kernel k's Forward (its rare lanes: a branch taken
// only by vectors that hold one, and lane by lane, so each result depends on its x alone).
// The exact lanes go through MapForward, which widens f32 to f64 where k does (non-FMA).
template <class K, class D, class V>
HWY_NOINLINE V ExactLanes(const K& k, D d, V x) {
  using T = hn::TFromD<D>;
  HWY_ALIGN T buf[hn::MaxLanes(D())];
  hn::Store(x, d, buf);
  MapForward(k, buf, buf, hn::Lanes(d));
  return hn::Load(d, buf);
}
template <class K, class D, class V, class M>
HWY_INLINE V FastOr(const K& k, D d, M ok, V x, V r) {
  if (HWY_LIKELY(hn::AllTrue(d, ok))) return r;
  return hn::IfThenElse(ok, r, ExactLanes(k, d, x));
}

}  // namespace actfn::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // ACTFN_FAST_INL_H_
