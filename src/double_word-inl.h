// Double-word arithmetic: a value as an unevaluated sum hi + lo, |lo| <= ulp(hi) / 2, and the
// error-free transformations it is built from. Names as Highway's upstream ops (TwoSums,
// FastTwoSums, TwoProducts) so that moving past Highway 1.0.3, which lacks them, is mostly a
// deletion. Every routine works on any float lanes (f32 or f64) on every target; products are
// exact with FMA and by Dekker's split without it. Per-target code: included inside a
// foreach_target dispatch unit (through math-inl.h).
//
// Routine       computes                          error                          domain
// TwoProducts   a * b = hi + lo                   exact                          no overflow
//                                                                                (lo = 0 at inf)
// TwoSums       a + b = s + e                     exact (Knuth)                  finite
// FastTwoSums   a + b = s + e                     exact (Dekker)                 |a| >= |b|
// DivDW         (ah + al) / (bh + bl) = hi + lo   one Newton correction of the   finite, bh != 0
//                                                 quotient (~2^-100 on f64)
// SqrtDW        sqrt(h + l) = hi + lo             one Newton correction          h >= 0
// OnePlusAxx    1 + a x^2 = hi + lo               products exact, low parts      a >= 0, a x^2
//                                                 summed once                    finite
// AddDW         (ah + al) + (bh + bl) = hi + lo   ~2^-104 relative where the     finite
//                                                 sum does not cancel
// MulDW         (ah + al) (bh + bl) = hi + lo     ~2^-102 relative (al bl        no overflow
//                                                 dropped)
#if defined(ACTFN_DOUBLE_WORD_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ACTFN_DOUBLE_WORD_INL_H_
#undef ACTFN_DOUBLE_WORD_INL_H_
#else
#define ACTFN_DOUBLE_WORD_INL_H_
#endif

#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace actfn::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// v in the lanes' type (rounded once when the lanes are f32).
template <class D>
HWY_INLINE hn::Vec<D> Const(D d, double v) {
  return hn::Set(d, static_cast<hn::TFromD<D>>(v));
}
// What Const(d, v) leaves out of a constant given to 64 bits, in the lanes' type:
// Const(d, v) + ConstLo(d, v) is v to ~2^-48 (f32 lanes) or 2^-64 (f64 lanes).
template <class D>
HWY_INLINE hn::Vec<D> ConstLo(D d, long double v) {
  using T = hn::TFromD<D>;
  return hn::Set(d, static_cast<T>(v - static_cast<T>(static_cast<double>(v))));
}

// a * b = hi + lo exactly (where no overflow): FMA where the target has it, else Dekker's
// split.
template <class D, class V>
HWY_INLINE V TwoProducts(D d, V a, V b, V& lo) {
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

// a + b = s + e exactly (Knuth).
template <class V>
HWY_INLINE V TwoSums(V a, V b, V& e) {
  const V s = hn::Add(a, b);
  const V bp = hn::Sub(s, a);
  e = hn::Add(hn::Sub(a, hn::Sub(s, bp)), hn::Sub(b, bp));
  return s;
}
// The same when |a| >= |b| (Dekker).
template <class V>
HWY_INLINE V FastTwoSums(V a, V b, V& e) {
  const V s = hn::Add(a, b);
  e = hn::Sub(b, hn::Sub(s, a));
  return s;
}

// (ah + al) / (bh + bl) = hi + lo, relative error ~2^-100 (one Newton correction of the
// quotient; finite operands, bh != 0).
template <class D, class V>
HWY_INLINE V DivDW(D d, V ah, V al, V bh, V bl, V& lo) {
  const V q0 = hn::Div(ah, bh);
  V pl;
  const V ph = TwoProducts(d, q0, bh, pl);
  const V r = hn::NegMulAdd(q0, bl, hn::Add(hn::Sub(hn::Sub(ah, ph), pl), al));
  return FastTwoSums(q0, hn::Div(r, bh), lo);
}

// sqrt(h + l) = hi + lo (one Newton correction; h >= 0).
template <class D, class V>
HWY_INLINE V SqrtDW(D d, V h, V l, V& lo) {
  const V s = hn::Sqrt(h);
  V e;
  const V s2 = TwoProducts(d, s, s, e);
  const V r = hn::Add(hn::Sub(hn::Sub(h, s2), e), l);
  const V c = hn::IfThenElseZero(hn::Gt(s, hn::Zero(d)), hn::Div(r, hn::Add(s, s)));
  return FastTwoSums(s, hn::IfThenElseZero(hn::IsFinite(c), c), lo);
}
// 1 + a x^2 = hi + lo (a >= 0; finite where a x^2 is).
template <class D, class V>
HWY_INLINE V OnePlusAxx(D d, V a, V x, V& lo) {
  V pl, ql, e;
  const V p = TwoProducts(d, x, x, pl);
  const V q = TwoProducts(d, a, p, ql);
  const V t = TwoSums(hn::Set(d, 1), q, e);
  return FastTwoSums(t, hn::Add(e, hn::MulAdd(a, pl, ql)), lo);
}

// (ah + al) + (bh + bl) = hi + lo (the high parts summed exactly, the low parts once).
template <class V>
HWY_INLINE V AddDW(V ah, V al, V bh, V bl, V& lo) {
  V e;
  const V s = TwoSums(ah, bh, e);
  return FastTwoSums(s, hn::Add(e, hn::Add(al, bl)), lo);
}
// (ah + al) (bh + bl) = hi + lo (ah bh exact, the cross terms rounded, al bl dropped).
template <class D, class V>
HWY_INLINE V MulDW(D d, V ah, V al, V bh, V bl, V& lo) {
  V e;
  const V p = TwoProducts(d, ah, bh, e);
  return FastTwoSums(p, hn::MulAdd(ah, bl, hn::MulAdd(al, bh, e)), lo);
}

}  // namespace actfn::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // ACTFN_DOUBLE_WORD_INL_H_
