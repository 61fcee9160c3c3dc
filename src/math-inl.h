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
#include <type_traits>

#include "double_word-inl.h"
#include "hwy/contrib/math/math-inl.h"
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace actfn::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Whether this target fuses multiply-add (exact products for the double-word steps of the
// native f32 kernels; without it they take f32 via f64 lanes instead).
inline constexpr bool kFma = HWY_NATIVE_FMA != 0;
// f32 lanes that take the all-f32 double-word steps (exact products need FMA).
template <class D>
inline constexpr bool kNativeF32 = sizeof(hn::TFromD<D>) == 4 && kFma;

// f64 lanes that hold f32 data (the f32-via-f64 loops of map-inl.h): a descriptor of its own
// type, so that the kernels leave out their double-word code there. Plain f64 arithmetic is
// ~2^-50 relative, so f32 results rounded from it are within 0.5 + 2^-25 ULP (docs/accuracy.md
// measures them); the double-word code is for f64 results.
template <class D>
struct Widened : D {};
template <class D>
struct IsWidened : std::false_type {};
template <class D>
struct IsWidened<Widened<D>> : std::true_type {};
// Whether lanes take the double-word algorithms: f64 lanes holding f64 data.
template <class D>
inline constexpr bool kDoubleWord = sizeof(hn::TFromD<D>) == 8 && !IsWidened<D>::value;

// Largest x with exp(x) finite: 88.72 (f32), 709.78 (f64).
template <class D>
HWY_INLINE hn::Vec<D> MaxLog(D d) {
  return Const(d, sizeof(hn::TFromD<D>) == 4 ? 88.72283935546875 : 709.782712893384);
}

// v with its sign flipped where s is negative: v * sign(s), exactly.
template <class D, class V>
HWY_INLINE V MulSign(D d, V v, V s) {
  return hn::Xor(v, hn::And(hn::SignBit(d), s));
}

// 2^j for integral j in [-1022, 1023], built in the exponent field (no integer lanes needed:
// j + 1023 + 2^52 holds j + 1023 in its low mantissa bits).
// f32: j in [-126, 127], j + 127 + 2^23 likewise.
template <class D, class V>
HWY_INLINE V Pow2(D d, V j) {
  const hn::RebindToUnsigned<D> du;
  if constexpr (sizeof(hn::TFromD<D>) == 4) {
    const V t = hn::Add(j, Const(d, 0x1p23 + 127));
    return hn::BitCast(d, hn::ShiftLeft<23>(hn::BitCast(du, t)));
  } else {
    const V t = hn::Add(j, Const(d, 0x1p52 + 1023));
    return hn::BitCast(d, hn::ShiftLeft<52>(hn::BitCast(du, t)));
  }
}
// v 2^k for integral k in [-2044, 2046], in two exact steps (one rounding if subnormal).
template <class D, class V>
HWY_INLINE V ScaleByPow2(D d, V v, V k) {
  const V k1 = hn::Floor(hn::Mul(k, Const(d, 0.5)));
  return hn::Mul(hn::Mul(v, Pow2(d, k1)), Pow2(d, hn::Sub(k, k1)));
}

// f64 lanes: x = k ln 2 + r, |r| <= ln(2) / 2, and expm1(r) = mh + ml with a relative error
// below 2^-58 (Cody-Waite reduction with a 32-bit ln 2 head, so k ln2_hi and x - k ln2_hi
// are exact; the Taylor series to r^15, r^2 / 2 formed exactly). For |x| <= 746.
template <class D, class V>
HWY_INLINE V Expm1Reduced(D d, V x, V xl, V& k, V& ml) {
  constexpr double kLn2Hi = 6.93147180369123816490e-01;  // 0x3fe62e42fee00000
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  k = hn::Round(hn::Mul(x, Const(d, 1.4426950408889634)));
  const V r1 = hn::NegMulAdd(k, Const(d, kLn2Hi), x);
  V rl;
  V rh = TwoSums(r1, hn::Neg(hn::Mul(k, Const(d, kLn2Lo))), rl);
  rh = FastTwoSums(rh, hn::Add(rl, xl), rl);  // x's own low part joins r's
  V p2l;
  const V p2h = TwoProducts(d, rh, rh, p2l);
  V poly = Const(d, 1.0 / 1307674368000.0);  // 1/15!
  constexpr double kInvFact[] = {1.0 / 87178291200.0, 1.0 / 6227020800.0, 1.0 / 479001600.0,
                                 1.0 / 39916800.0,    1.0 / 3628800.0,    1.0 / 362880.0,
                                 1.0 / 40320.0,       1.0 / 5040.0,       1.0 / 720.0,
                                 1.0 / 120.0,         1.0 / 24.0,         1.0 / 6.0};
  for (double c : kInvFact) poly = hn::MulAdd(poly, rh, Const(d, c));
  const V half = Const(d, 0.5);
  const V tail = hn::MulAdd(hn::Mul(rh, p2h), poly, hn::Mul(p2l, half));  // r^3 P(r) + lo(r^2)/2
  V e1;
  const V s1 = TwoSums(rh, hn::Mul(p2h, half), e1);
  const V l = hn::Add(hn::Add(e1, tail), hn::MulAdd(rl, rh, rl));  // + rl (1 + r)
  return FastTwoSums(s1, l, ml);
}

// f64 lanes: exp(x) = hi + lo, relative error below 2^-58, for x in [-745.2, 709.78]
// (subnormal results lose lo and round once).
// x may carry a low part xl (|xl| <= ulp(x)): exp(x + xl).
template <class D, class V>
HWY_INLINE V ExpDW(D d, V x, V xl, V& lo) {
  V k, ml;
  const V mh = Expm1Reduced(d, x, xl, k, ml);
  V e;
  const V h = TwoSums(hn::Set(d, 1), mh, e);
  V l;
  const V hh = FastTwoSums(h, hn::Add(e, ml), l);
  // Subnormal results: hi is rounded once already, and a scaled lo would be one more
  // rounding (up to a whole subnormal ULP) rather than a correction.
  lo = hn::IfThenZeroElse(hn::Lt(k, Const(d, -1021)), ScaleByPow2(d, l, k));
  return ScaleByPow2(d, hh, k);
}
template <class D, class V>
HWY_INLINE V ExpDW(D d, V x, V& lo) {
  return ExpDW(d, x, hn::Zero(d), lo);
}

// f32 lanes: exp(z) = (hi + lo) 2^k for z in [-104, 88.7], k integral, hi in [0.7, 1.42],
// relative error ~2^-29: all f32 arithmetic, for the native f32 kernels that must stay within
// 1 ULP after further roundings. z log2(e) = th + tl as a double-word,
// k = round(th), f = th - k (exact), then e^g for g = (f + tl) ln 2 = ph + pl (a double-word),
// e^ph = 1 + ph + ph^2 Q(ph) with Q Taylor's to ph^8 (2^-30.7 at |ph| = ln(2) / 2) and
// 1 + ph split exactly; e^pl = 1 + pl. lo is not normalized (|lo| < 0.1).
template <class D, class V>
HWY_INLINE V ExpScaledF32(D d, V z, V& lo, V& k) {
  const V l2e_hi = Const(d, 1.4426950216293335), l2e_lo = Const(d, 1.9259629911266175e-08);
  const V ln2_hi = Const(d, 0.6931471824645996), ln2_lo = Const(d, -1.904654299957768e-09);
  const V th = hn::Mul(z, l2e_hi);
  const V tl = hn::MulAdd(z, l2e_lo, hn::MulSub(z, l2e_hi, th));
  k = hn::Round(th);
  const V f = hn::Sub(th, k);
  const V ph = hn::Mul(f, ln2_hi);
  const V pl = hn::MulAdd(tl, ln2_hi, hn::MulAdd(f, ln2_lo, hn::MulSub(f, ln2_hi, ph)));
  const V one = hn::Set(d, 1);
  const V hi = hn::Add(one, ph);
  const V lo1 = hn::Add(hn::Sub(one, hi), ph);
  V q = Const(d, 1.0 / 40320);
  q = hn::MulAdd(q, ph, Const(d, 1.0 / 5040));
  q = hn::MulAdd(q, ph, Const(d, 1.0 / 720));
  q = hn::MulAdd(q, ph, Const(d, 1.0 / 120));
  q = hn::MulAdd(q, ph, Const(d, 1.0 / 24));
  q = hn::MulAdd(q, ph, Const(d, 1.0 / 6));
  q = hn::MulAdd(q, ph, Const(d, 0.5));
  const V lp = hn::MulAdd(hn::Mul(ph, ph), q, lo1);  // e^ph = hi + lp
  lo = hn::MulAdd(pl, hn::Add(hi, lp), lp);          // times 1 + pl
  return hi;
}

// f64 lanes: expm1(x) = hi + lo for |x| <= 40 (beyond, expm1 is exp or -1 once rounded):
// 2^k (1 + m) - 1 = (2^k - 1) + 2^k m, summed exactly.
template <class D, class V>
HWY_INLINE V Expm1DW(D d, V x, V& lo) {
  V k, ml;
  const V mh = Expm1Reduced(d, x, hn::Zero(d), k, ml);
  const V p = Pow2(d, k);
  V e0, e1;
  const V s0 = TwoSums(p, hn::Set(d, -1), e0);  // 2^k - 1 is not a double below k = -53
  const V s1 = TwoSums(s0, hn::Mul(mh, p), e1);
  return FastTwoSums(s1, hn::Add(hn::MulAdd(ml, p, e0), e1), lo);
}

// The argument Highway 1.0.3's math functions (Exp, Expm1, Tanh, Sinh, Sin, Cos) can take on
// every target: they convert x log2(e) or x / pi to int32 on the way, which on the scalar
// target is a C++ conversion, undefined for NaN and huge values (UBSan's float-cast-overflow
// found it). NaN becomes 0 and x is clamped to [-1e5, 1e5], where each function has long
// reached its limit (exp 0 or inf, tanh +-1) or its lanes are recomputed (sin, cos beyond
// 39000: FixLanes); callers put NaN back. The SIMD targets convert with instructions whose
// result is defined for any input, so there x passes unchanged (the guard cost gelu 7% on AVX2).
template <class D, class V>
HWY_INLINE V SafeArg(D d, V x) {
#if HWY_TARGET == HWY_SCALAR || HWY_TARGET == HWY_EMU128
  return hn::Min(hn::Max(hn::IfThenElseZero(hn::Not(hn::IsNaN(x)), x), Const(d, -1e5)),
                 Const(d, 1e5));
#else
  (void)d;
  return x;
#endif
}

// exp(x) that keeps NaN and overflows to inf. f64: ExpDW rounded once (0.52 ULP at most).
// f32 (the native softmax lanes): hn::Exp, 1 ULP (its doc), which builds 2^q with two
// multiplies, so results down to the smallest subnormal survive (exp(-100.f) = 3.72e-44f);
// but it returns 0 for NaN (its `x >= -104` test is false) and wraps the exponent above its
// valid range.
template <class D, class V>
HWY_INLINE V ExpNaN(D d, V x) {
  V r;
  if constexpr (kDoubleWord<D>) {
    V lo;
    const V xc = hn::Max(hn::Min(x, Const(d, 710)), Const(d, -746));  // NaN: fixed below
    r = hn::IfThenElseZero(hn::Ge(x, Const(d, -745.2)), ExpDW(d, xc, lo));
  } else if constexpr (sizeof(hn::TFromD<D>) == 8) {
    // hn::Exp holds to 706 (f64): above, exp(x/2)^2 (2 ULP; such f64 lanes hold f32 data).
    const auto big = hn::Gt(x, Const(d, 700));
    r = hn::Exp(d, SafeArg(d, hn::IfThenElse(big, hn::Mul(x, Const(d, 0.5)), x)));
    r = hn::IfThenElse(big, hn::Mul(r, r), r);
  } else {
    r = hn::Exp(d, SafeArg(d, x));
  }
  r = hn::IfThenElse(hn::Gt(x, MaxLog(d)), hn::Inf(d), r);
  return hn::IfThenElse(hn::IsNaN(x), x, r);
}

// expm1 with NaN and overflow. f64: Expm1DW rounded once (0.52 ULP) on [-40, 40], exp
// beyond (and -1 below); f32: hn::Expm1 (4 ULP).
template <class D, class V>
HWY_INLINE V Expm1NaN(D d, V x) {
  V r;
  if constexpr (kDoubleWord<D>) {
    V lo;
    const V xc = hn::Max(hn::Min(x, Const(d, 40)), Const(d, -40));
    r = Expm1DW(d, xc, lo);
    r = hn::IfThenElse(hn::Gt(x, Const(d, 40)), ExpNaN(d, x), r);
    r = hn::IfThenElse(hn::Lt(x, Const(d, -40)), Const(d, -1), r);
  } else {
    // hn::Expm1 holds to 706 (f64), 88 (f32): above, exp.
    const V big = Const(d, sizeof(hn::TFromD<D>) == 8 ? 700 : 88);
    r = hn::IfThenElse(hn::Gt(x, big), ExpNaN(d, x), hn::Expm1(d, SafeArg(d, hn::Min(x, big))));
  }
  return hn::IfThenElse(hn::IsNaN(x), x, r);
}

// exp, expm1 and tanh as hi + lo: on f64 lanes the double-words above where they hold
// (elsewhere the rounded value and lo = 0), on f32 lanes the rounded value and lo = 0. NaN
// stays NaN (lo = 0).
template <class D, class V>
HWY_INLINE V ExpParts(D d, V x, V& lo) {
  if constexpr (kDoubleWord<D>) {
    const auto inside = hn::And(hn::Ge(x, Const(d, -745.2)), hn::Le(x, MaxLog(d)));
    const V h = ExpDW(d, hn::IfThenElseZero(inside, x), lo);
    lo = hn::IfThenElseZero(inside, lo);
    return hn::IfThenElse(inside, h, ExpNaN(d, x));
  } else if constexpr (kNativeF32<D>) {
    // f32 lanes (the native f32 kernels, FMA targets): ExpScaledF32's (h + l) 2^k,
    // normalized and scaled in two steps (k1 normal, one rounding if subnormal).
    V l, k;
    const V h = ExpScaledF32(d, hn::Min(hn::Max(x, Const(d, -120)), MaxLog(d)), l, k);
    const V eh = hn::Add(h, l);
    const V el = hn::Add(hn::Sub(h, eh), l);
    const V k1 = hn::Min(hn::Max(k, Const(d, -120)), Const(d, 120));
    const V sc1 = Pow2(d, k1), sc2 = Pow2(d, hn::Sub(k, k1));
    const auto inside = hn::And(hn::Ge(x, Const(d, -120)), hn::Le(x, MaxLog(d)));
    lo = hn::IfThenElseZero(inside, hn::Mul(hn::Mul(el, sc1), sc2));
    // Outside: 0 below, inf above, NaN.
    const V out = hn::IfThenElse(hn::Gt(x, MaxLog(d)), hn::Inf(d), hn::Zero(d));
    return hn::IfThenElse(inside, hn::Mul(hn::Mul(eh, sc1), sc2), hn::IfThenElse(hn::IsNaN(x), x, out));
  } else {
    lo = hn::Zero(d);
    return ExpNaN(d, x);
  }
}
template <class D, class V>
HWY_INLINE V Expm1Parts(D d, V x, V& lo) {
  if constexpr (kDoubleWord<D>) {
    const auto inside = hn::Le(hn::Abs(x), Const(d, 40));  // false for NaN
    const V h = Expm1DW(d, hn::IfThenElseZero(inside, x), lo);
    lo = hn::IfThenElseZero(inside, lo);
    return hn::IfThenElse(inside, h, Expm1NaN(d, x));
  } else if constexpr (kNativeF32<D>) {
    // f32 lanes (the native f32 kernels, FMA targets): 2^k (h + l) - 1 from ExpScaledF32 on
    // [-30, 88.7], 2^k h exact (in two steps: k <= 128) and its sum with -1 split exactly
    // (TwoSums): relative error ~2^-28, also for tiny x (h - 1 and l hold x's bits). Below
    // -30 -1, above inf.
    const V xc = hn::Min(hn::Max(x, Const(d, -30)), MaxLog(d));
    V l, k;
    const V h = ExpScaledF32(d, xc, l, k);
    const V k1 = hn::Min(k, Const(d, 120));
    const V sc1 = Pow2(d, k1), sc2 = Pow2(d, hn::Sub(k, k1));
    V ue;
    const V u = TwoSums(hn::Mul(hn::Mul(h, sc1), sc2), hn::Set(d, -1), ue);
    V e2;
    const V hi = TwoSums(u, hn::MulAdd(hn::Mul(l, sc1), sc2, ue), e2);
    const auto inside = hn::And(hn::Ge(x, Const(d, -30)), hn::Le(x, MaxLog(d)));
    lo = hn::IfThenElseZero(inside, e2);
    const V out = hn::IfThenElse(hn::Gt(x, MaxLog(d)), hn::Inf(d), hn::Set(d, -1));
    return hn::IfThenElse(inside, hi, hn::IfThenElse(hn::IsNaN(x), x, out));
  } else {
    lo = hn::Zero(d);
    return Expm1NaN(d, x);
  }
}

// f64 lanes: log(1 + a + al) = hi + lo for a in (-1, 2^1000), al a low part (|al| <=
// ulp(a)): 1 + a as a double-word u = m 2^k, m in [sqrt(1/2), sqrt(2)), and
// log m = 2 atanh(f), f = (m - 1) / (m + 1) as a double-word (m - 1 is exact: at k = 0 it is a
// itself), the series 2 f^3 (1/3 + f^2/5 + ...) in double, k ln 2 as a double-word. Relative
// error ~2^-59; for log1p of the tiny, the relative error of a.
template <class D, class V>
HWY_INLINE V Log1pDW(D d, V a, V al, V& lo) {
  constexpr double kLn2Hi = 6.93147180369123816490e-01;  // 0x3fe62e42fee00000
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  const hn::RebindToUnsigned<D> du;
  const hn::RebindToSigned<D> di;
  const V one = hn::Set(d, 1);
  V e;
  const V uh = TwoSums(one, a, e);
  V ul;
  const V u = FastTwoSums(uh, hn::Add(e, al), ul);
  // k: the exponent of u, one more where the mantissa is above sqrt(2).
  const auto bits = hn::BitCast(du, u);
  V k = hn::Sub(hn::ConvertTo(d, hn::BitCast(di, hn::ShiftRight<52>(bits))), Const(d, 1023));
  const V mant = hn::BitCast(d, hn::Or(hn::And(bits, hn::Set(du, 0x000fffffffffffffull)),
                                       hn::Set(du, 0x3ff0000000000000ull)));
  k = hn::IfThenElse(hn::Gt(mant, Const(d, 1.4142135623730951)), hn::Add(k, one), k);
  const V inv = Pow2(d, hn::Neg(k));
  const V m = hn::Mul(u, inv), ml = hn::Mul(ul, inv);
  // m - 1: exact (Sterbenz) plus ml; at k = 0 it is a + al itself, taken as given.
  V ne;
  V nh = FastTwoSums(hn::Sub(m, one), ml, ne);
  const auto k0 = hn::Eq(k, hn::Zero(d));
  nh = hn::IfThenElse(k0, a, nh);
  ne = hn::IfThenElse(k0, al, ne);
  V de;
  const V dh = TwoSums(m, one, de);
  V fl;
  const V fh = DivDW(d, nh, ne, dh, hn::Add(de, ml), fl);
  const V f2 = hn::Mul(fh, fh);
  V poly = Const(d, 1.0 / 25);
  for (int n = 23; n >= 3; n -= 2) poly = hn::MulAdd(poly, f2, Const(d, 1.0 / n));
  const V tail = hn::Mul(hn::Mul(hn::Add(fh, fh), f2), poly);
  V s1e;
  const V s1 = TwoSums(hn::Mul(k, Const(d, kLn2Hi)), hn::Add(fh, fh), s1e);
  const V rest = hn::Add(hn::Add(s1e, hn::MulAdd(k, Const(d, kLn2Lo), hn::Add(fl, fl))), tail);
  const V h = FastTwoSums(s1, rest, lo);
  // log1p(a) = a to the last bit for tiny a (where a / 2 would round in the subnormals).
  const auto tiny = hn::Lt(hn::Abs(a), Const(d, 0x1p-900));
  lo = hn::IfThenElse(tiny, al, lo);
  return hn::IfThenElse(tiny, a, h);
}

// f32 lanes (the native f32 kernels, FMA targets): log(1 + a + al) = hi + lo for a in
// [0, 1] (al: a low part), relative error ~2^-28. 1 + a = uh + ul exactly, = m 2^k with
// k = 0 or 1 and m in [sqrt(1/2), sqrt(2)); log m = 2 atanh(f), f = (m - 1) / (m + 1) as a
// double-word (m - 1 exact), the odd series to f^13 (f^2 <= 0.03: 2^-36); k ln 2 as a
// double-word. For tiny a, log1p(a) = a to the last bit (f = a / 2 exactly).
template <class D, class V>
HWY_INLINE V Log1pF32(D d, V a, V al, V& lo) {
  const V one = hn::Set(d, 1);
  V ue;
  const V uh = FastTwoSums(one, a, ue);
  const auto big = hn::Gt(uh, Const(d, 1.4142135381698608));
  const V k = hn::IfThenElseZero(big, one);
  const V sc = hn::IfThenElse(big, Const(d, 0.5), one);
  // m = mh + ml + mll: exact scalings; al apart (ue + al would round it away when ue = a).
  const V mh = hn::Mul(uh, sc), ml = hn::Mul(ue, sc), mll = hn::Mul(al, sc);
  V ne;
  const V nh = TwoSums(hn::Sub(mh, one), ml, ne);  // m - 1
  ne = hn::Add(ne, mll);
  V de;
  const V dh = TwoSums(mh, one, de);  // m + 1
  const V dl = hn::Add(de, hn::Add(ml, mll));
  const V fh = hn::Div(nh, dh);
  const V r = hn::NegMulAdd(fh, dl, hn::Add(hn::NegMulAdd(fh, dh, nh), ne));
  const V fl = hn::Div(r, dh);  // (an estimate would differ between vector widths)
  const V f2 = hn::Mul(fh, fh);
  V p = Const(d, 1.0 / 13);
  for (int n = 11; n >= 3; n -= 2) p = hn::MulAdd(p, f2, Const(d, 1.0 / n));
  const V tail = hn::Mul(hn::Mul(hn::Add(fh, fh), f2), p);
  V s1e;
  const V s1 = TwoSums(hn::Mul(k, Const(d, 0.6931471824645996)), hn::Add(fh, fh), s1e);
  const V rest =
      hn::Add(hn::Add(s1e, hn::MulAdd(k, Const(d, -1.904654299957768e-09), hn::Add(fl, fl))), tail);
  V h = FastTwoSums(s1, rest, lo);
  // log1p(a) = a to the last bit below 2^-30 (where a / 2 would round in the subnormals).
  const auto tiny = hn::Lt(a, Const(d, 0x1p-30));
  lo = hn::IfThenElse(tiny, al, lo);
  return hn::IfThenElse(tiny, a, h);
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

// log1p(a + al) as hi + lo: Log1pDW on f64 lanes for a in (-1, 2^1000), elsewhere (and on
// f32 lanes) Log1pNaN(a) with lo = 0.
template <class D, class V>
HWY_INLINE V Log1pParts(D d, V a, V al, V& lo) {
  if constexpr (kDoubleWord<D>) {
    const auto inside = hn::And(hn::Gt(a, Const(d, -1)), hn::Lt(a, Const(d, 0x1p1000)));
    const V h = Log1pDW(d, hn::IfThenElseZero(inside, a), hn::IfThenElseZero(inside, al), lo);
    lo = hn::IfThenElseZero(inside, lo);
    return hn::IfThenElse(inside, h, Log1pNaN(d, a));
  } else {
    lo = hn::Zero(d);
    return Log1pNaN(d, a);
  }
}

// tanh as hi + lo. f64 lanes: tanh|x| = -m / (2 + m), m = expm1(-2|x|) as a double-word, the
// quotient in double-word arithmetic (0.52 ULP once rounded); 1 from |x| = 20 on. f32 lanes:
// hn::Tanh (4 ULP), lo = 0. NaN stays NaN.
template <class D, class V>
HWY_INLINE V TanhParts(D d, V x, V& lo) {
  if constexpr (kDoubleWord<D>) {
    const V a = hn::Min(hn::Abs(x), Const(d, 20));  // NaN: fixed below
    V ml;
    const V mh = Expm1DW(d, hn::Mul(a, Const(d, -2)), ml);
    V de;
    const V dh = TwoSums(Const(d, 2), mh, de);
    V tl;
    V th = DivDW(d, hn::Neg(mh), hn::Neg(ml), dh, hn::Add(de, ml), tl);
    const auto sat = hn::Ge(a, Const(d, 20));
    th = hn::IfThenElse(sat, hn::Set(d, 1), th);
    tl = hn::IfThenZeroElse(hn::Or(sat, hn::IsNaN(x)), tl);
    lo = MulSign(d, tl, x);
    return hn::IfThenElse(hn::IsNaN(x), x, MulSign(d, th, x));
  } else if constexpr (kNativeF32<D>) {
    // f32 lanes (the native f32 kernels, FMA targets), lo = 0. |x| < 1/2: x + x^3 P(x^2), a
    // least-squares fit of (tanh x - x) / x^3 on [0, 1/2] (0.63 ULP); beyond:
    // (1 - e) / (1 + e) for e = exp(-2|x|) (ExpScaledF32), numerator and denominator as
    // double-words, the quotient corrected once (0.5 ULP + 2^-24); |x| >= 10 gives 1.
    lo = hn::Zero(d);
    const V one = hn::Set(d, 1);
    const V a = hn::Min(hn::Abs(x), Const(d, 10));
    const V x2 = hn::Mul(a, a);
    V p = Const(d, 0.0025714419316500425);
    p = hn::MulAdd(p, x2, Const(d, -0.008545173332095146));
    p = hn::MulAdd(p, x2, Const(d, 0.021819135174155235));
    p = hn::MulAdd(p, x2, Const(d, -0.05396418645977974));
    p = hn::MulAdd(p, x2, Const(d, 0.13333317637443542));
    p = hn::MulAdd(p, x2, Const(d, -0.3333333432674408));
    const V small = hn::MulAdd(hn::Mul(x2, a), p, a);
    V l, k;
    const V h = ExpScaledF32(d, hn::Mul(a, Const(d, -2)), l, k);
    const V sc = Pow2(d, k);  // k >= -29
    const V eh = hn::Add(h, l);
    const V es = hn::Mul(eh, sc), els = hn::Mul(hn::Add(hn::Sub(h, eh), l), sc);
    const V nh = hn::Sub(one, es);
    const V nl = hn::Sub(hn::Sub(hn::Sub(one, nh), es), els);
    const V dh = hn::Add(one, es);
    const V dl = hn::Add(hn::Add(hn::Sub(one, dh), es), els);
    const V q = hn::Div(nh, dh);
    const V r = hn::NegMulAdd(q, dl, hn::Add(hn::NegMulAdd(q, dh, nh), nl));
    const V large = hn::Add(q, hn::Div(r, dh));  // (an estimate would differ by width)
    const V y = MulSign(d, hn::IfThenElse(hn::Lt(a, Const(d, 0.5)), small, large), x);
    return hn::IfThenElse(hn::IsNaN(x), x, y);
  } else {
    lo = hn::Zero(d);
    return hn::IfThenElse(hn::IsNaN(x), x, hn::Tanh(d, SafeArg(d, x)));
  }
}
template <class D, class V>
HWY_INLINE V TanhNaN(D d, V x) {
  V lo;
  return TanhParts(d, x, lo);
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
  return FixLanes(d, bad, x, hn::Sin(d, SafeArg(d, x)), [](auto v) { return std::sin(v); });
}
template <class D, class V>
HWY_INLINE V CosNaN(D d, V x) {
  const auto bad = hn::Not(hn::Le(hn::Abs(x), Const(d, 39000)));
  return FixLanes(d, bad, x, hn::Cos(d, SafeArg(d, x)), [](auto v) { return std::cos(v); });
}



// exp(-x^2 * h) for h = 1 or 1/2, with x^2 formed exactly: rounding x^2 first would cost
// x^2 * eps relative (100 ULP at x = 10).
// f64 data: the double-word exp fed x^2's low part, hi + lo rounded once (1.10 ULP when the
// rounded exp was corrected by (1 - lo h) instead).
template <class D, class V>
HWY_INLINE V ExpNegSquare(D d, V x, double h) {
  V lo;
  const V hi = TwoProducts(d, x, x, lo);
  const V z = hn::Mul(hi, Const(d, -h));  // exact: h is 1 or 1/2
  if constexpr (kDoubleWord<D>) {
    const auto inside = hn::Ge(z, Const(d, -745.2));  // false for NaN
    V el;
    const V eh = ExpDW(d, hn::IfThenElseZero(inside, z),
                       hn::IfThenElseZero(inside, hn::Mul(lo, Const(d, -h))), el);
    return hn::IfThenElse(inside, hn::Add(eh, el), ExpNaN(d, z));
  } else {
    const V e = ExpNaN(d, z);
    return hn::NegMulAdd(e, hn::Mul(lo, Const(d, h)), e);  // e * (1 - lo * h)
  }
}

// a * exp(z + zlo) where exp(z) would be subnormal (z < -700; f64 only, f32 results never
// get there): exp(z + c) 2^-64 with c = 64 ln 2 = kHi + kLo, kHi a multiple of 2^-43 so that
// z + kHi is exact for |z| < 1024. The product with a is then rounded once, at the end,
// instead of multiplying a by an already rounded subnormal (320 ULP at x = -745 for silu).
// Elsewhere returns `otherwise`. a may carry a low part alo: (a + alo) exp(z + zlo).
template <class D, class V>
HWY_INLINE V TimesTinyExp(D d, V a, V alo, V z, V zlo, V otherwise) {
  if constexpr (sizeof(hn::TFromD<D>) == 4) {
    return otherwise;
  } else {
    const auto tiny = hn::Lt(z, Const(d, -700));
    if (HWY_LIKELY(hn::AllFalse(d, tiny))) return otherwise;
    constexpr double kHi = 0x1.62e42fefa39f0p+5;     // 64 ln 2, rounded to 2^-43
    constexpr double kLo = -5.62123739673937e-15;    // 64 ln 2 - kHi
    const V zc = hn::Max(hn::IfThenElse(tiny, z, hn::Zero(d)), Const(d, -780));
    V el;
    const V eh = ExpDW(d, hn::Add(zc, Const(d, kHi)), el);  // a double-word, normal
    el = hn::MulAdd(eh, hn::Add(zlo, Const(d, kLo)), el);
    // a e rounded once in the normal range; the scaling's rounding then decides alone.
    V r = hn::Mul(hn::MulAdd(a, eh, hn::MulAdd(alo, eh, hn::Mul(a, el))), Const(d, 0x1p-64));
    r = hn::IfThenElse(hn::Lt(z, Const(d, -780)), hn::Mul(a, hn::Zero(d)), r);
    return hn::IfThenElse(tiny, r, otherwise);
  }
}
template <class D, class V>
HWY_INLINE V TimesTinyExp(D d, V a, V z, V zlo, V otherwise) {
  return TimesTinyExp(d, a, hn::Zero(d), z, zlo, otherwise);
}

// sum_k c[k] x^k by Horner's rule (c[0] the constant term).
template <class D, class V, std::size_t N>
HWY_INLINE V Horner(D d, V x, const double (&c)[N]) {
  V p = Const(d, c[N - 1]);
  for (std::size_t k = N - 1; k-- > 0;) p = hn::MulAdd(p, x, Const(d, c[k]));
  return p;
}

// Clenshaw's recurrence b_k = c_k + 2 z b_(k+1) - b_(k+2) (z2 = 2 z) for k from kTerms - 1
// down to kFrom >= 1: b1 = b_kFrom, b2 = b_(kFrom+1), for a caller that finishes the last
// steps itself (in double-words: gelu's MillsNearDW).
template <std::size_t kFrom, std::size_t kTerms, class D, class V, class C, std::size_t N>
HWY_INLINE void ClenshawDown(D d, V z2, const C (&c)[N], V& b1, V& b2) {
  static_assert(kFrom >= 1 && kTerms <= N);
  b1 = hn::Zero(d), b2 = hn::Zero(d);
  for (std::size_t k = kTerms - 1; k >= kFrom; --k) {
    const V b0 = hn::Sub(hn::MulAdd(z2, b1, Const(d, c[k])), b2);
    b2 = b1;
    b1 = b0;
  }
}

// sum_k c[k] T_k(z) by Clenshaw's recurrence: stable for any number of terms. M < N: the
// first M terms only (a shorter expansion where less precision is needed).
template <std::size_t M = 0, class D, class V, class C, std::size_t N>
HWY_INLINE V Clenshaw(D d, V z, const C (&c)[N]) {
  V b1, b2;
  ClenshawDown<1, M == 0 ? N : M>(d, hn::Add(z, z), c, b1, b2);
  return hn::Sub(hn::MulAdd(z, b1, Const(d, c[0])), b2);
}

// x (h + l) rounded once (f32 or f64 lanes; l the low part of a double-word). Below |x| =
// 2^-80 x l would underflow (f32: the low part lost, up to 0.5 ULP more): there the product
// is formed on x 2^48 and scaled back, exactly but for subnormal results (rounded once more).
template <class D, class V>
HWY_INLINE V TimesDW(D d, V x, V h, V l) {
  const auto tiny = hn::Lt(hn::Abs(x), Const(d, 0x1p-80));
  const V xs = hn::IfThenElse(tiny, hn::Mul(x, Const(d, 0x1p48)), x);
  const V p = hn::MulAdd(xs, h, hn::IfThenElseZero(hn::IsFinite(x), hn::Mul(xs, l)));
  return hn::IfThenElse(tiny, hn::Mul(p, Const(d, 0x1p-48)), p);
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
