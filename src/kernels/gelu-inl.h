// GELU family.
//
//   gelu(x; approximate="none") = x Phi(x),  Phi the standard normal CDF
//       f' = Phi(x) + x phi(x),  phi(x) = exp(-x^2/2) / sqrt(2 pi)
//   gelu(x; approximate="tanh") = x s(2u) = x (1 + tanh(u)) / 2,  u = sqrt(2/pi) (x + 0.044715 x^3)
//       f' = s + 2 x s (1 - s) u'
//   quick_gelu(x) = x s(1.702 x)  (OpenAI CLIP)
//
// The exact form is computed, not approximated: for a = |x|,
// Phi(-a) = exp(-a^2/2) M(a) where M is the scaled Mills ratio, a smooth function fitted by
// tools/fit/chebyshev.py as two Chebyshev series (34 terms in all for f64, 16 for f32,
// relative error below 1e-17 and 2e-9), and a^2/2 is formed exactly (TwoProducts), so the
// negative tail keeps its relative precision (gelu(-10) = -7.6e-23, not 0 or noise). The tanh
// form is evaluated as x s(2u): 1 + tanh(u) cancels for negative x, s(2u) does not.

// ---- scalar reference ----
#ifndef ACTFN_KERNELS_GELU_REF_
#define ACTFN_KERNELS_GELU_REF_
#include <cmath>
#include "kernels/ref-common.h"
#include "kernels/spec.h"
#include "kernels/sigmoid-inl.h"
namespace actfn::ref {
template <class L>
inline L ncdf(L x) { return erfc(-x / sqrt(L(2))) / 2; }
template <class L>
inline L npdf(L x) { return exp(-x * x / 2) / sqrt(2 * L(3.14159265358979323846264338327950288L)); }
constexpr long double kSqrt2OverPi = 0.797884560802865355879892119868763737L;
template <class L>
inline L gelu(L x, const double* p) {
  if (p[0] == 0) return times(x, ncdf(x), 0, x);
  const L u = kSqrt2OverPi * (x + 0.044715L * x * x * x);
  return times(x, sig(2 * u), 0, x);
}
template <class L>
inline L gelu_grad(L x, const double* p) {
  if (isinf(x)) return x > 0 ? 1.0L : 0.0L;
  if (p[0] == 0) return ncdf(x) + x * npdf(x);
  const L u = kSqrt2OverPi * (x + 0.044715L * x * x * x);
  const L du = kSqrt2OverPi * (1 + 3 * 0.044715L * x * x);
  return sig(2 * u) + 2 * x * dsig(2 * u) * du;
}
template <class L>
inline L quick_gelu(L x, const double*) { return times(x, sig(1.702L * x), 0, x); }
template <class L>
inline L quick_gelu_grad(L x, const double*) {
  if (isinf(x)) return x > 0 ? 1.0L : 0.0L;
  return sig(1.702L * x) + 1.702L * x * dsig(1.702L * x);
}
}  // namespace actfn::ref

// ---- the registry's entries and the tests' bounds ----
namespace actfn::spec {
constexpr std::string_view kGeluChoices[] = {"none", "tanh"};
inline constexpr Param kGeluParams[] = {
    {"approximate", 0, 0, 1, "none: exact x Phi(x); tanh: the tanh approximation", kGeluChoices}};
inline constexpr Spec gelu{
    .params = kGeluParams,
    .summary = "Gaussian error linear unit, exact by default",
    .formula = "y = x * Phi(x)  (tanh: x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3))) / 2)",
    .derivative = "f'(x) = Phi(x) + x * phi(x)",
    .bounds = {1, 8, 1, 3},
    .fast = {4, 8}};
inline constexpr Spec quick_gelu{
    .summary = "the sigmoid approximation of GELU (CLIP)",
    .formula = "y = x * sigmoid(1.702 * x)",
    .derivative = "f'(x) = s + 1.702 * x * s * (1 - s), s = sigmoid(1.702 * x)",
    .bounds = {1, 3, 1, 3}};
}  // namespace actfn::spec
#endif

// ---- vector kernels ----
#if !defined(ACTFN_REFERENCE_ONLY) && \
    (defined(ACTFN_KERNELS_GELU_INL_H_) == defined(HWY_TARGET_TOGGLE))
#ifdef ACTFN_KERNELS_GELU_INL_H_
#undef ACTFN_KERNELS_GELU_INL_H_
#else
#define ACTFN_KERNELS_GELU_INL_H_
#endif

#include "fast-inl.h"
#include "hwy/highway.h"
#include "kernels/sigmoid-inl.h"
#include "map-inl.h"
#include "math-inl.h"

HWY_BEFORE_NAMESPACE();
namespace actfn::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

namespace gelu {
// The scaled Mills ratio M(a) = exp(a^2/2) Phi(-a), as sums c_k T_k(s):
// near, a in [0, 8]:   M(a),   z = (a - 4) / (a + 4), s = 1.5 (z + 1) - 1;
// far,  a in [8, 40]:  a M(a), u = 1 / a,             s = (u - 0.075) / 0.05.
// Both variables keep the rounding of s from being amplified (one z on [0, 40] cost 20 ULP).
// 22 terms, max relative error 1.08e-19 (tools/fit/chebyshev.py)
constexpr double kMillsNear64[] = {
    2.2024492658069956e-1,
    -2.1601524250243628e-1,
    5.3233274059607036e-2,
    -9.3657977189051443e-3,
    1.0866986808842853e-3,
    -5.8388734525691283e-5,
    -3.6379778996914529e-6,
    7.0984174903844882e-7,
    1.1898625650509403e-8,
    -7.8751388654979862e-9,
    -1.4006272984803658e-10,
    9.6634940207945346e-11,
    4.4793638643204007e-12,
    -1.1761311938341388e-12,
    -1.2364280707541995e-13,
    1.0575233097646912e-14,
    2.6764334288110892e-15,
    3.293375280371963e-17,
    -4.2302022541373386e-17,
    -4.4689707332644179e-18,
    3.0995292329615773e-19,
    1.1424849811018571e-19};

// c_0..c_3 - double(c_k) (tools/fit/chebyshev.py)
constexpr double kMillsNear64Lo[] = {
    8.3280325019881536e-18,
    -8.8521600196321478e-19,
    -2.4014465178952235e-18,
    -2.2044910644153614e-19};

// 10 terms, max relative error 1.36e-9 (tools/fit/chebyshev.py)
constexpr float kMillsNear32[] = {
    2.20244927e-1,
    -2.16015243e-1,
    5.32332741e-2,
    -9.36579772e-3,
    1.08669868e-3,
    -5.83887345e-5,
    -3.6379779e-6,
    7.09841749e-7,
    1.18986257e-8,
    -7.87513887e-9};

// 15 terms, max relative error 3.19e-19 (tools/fit/chebyshev.py)
constexpr double kMillsFar64[] = {
    3.9628538154230959e-1,
    -2.8661007893434792e-3,
    -4.4909167115603875e-4,
    9.6176792858376511e-6,
    5.9942403385672104e-7,
    -3.5946727045497676e-8,
    -6.7693381396601229e-10,
    1.40958385907134e-10,
    -2.5619121080192702e-12,
    -5.0112712982899669e-13,
    3.4491326870793807e-14,
    9.4934218483985217e-16,
    -2.4482147424086885e-16,
    7.8285046023745905e-18,
    1.1350594073773417e-18};

// c_0 - double(c_k) (tools/fit/chebyshev.py)
constexpr double kMillsFar64Lo[] = {
    1.0353324228616773e-17};

// 6 terms, max relative error 2.06e-9 (tools/fit/chebyshev.py)
constexpr float kMillsFar32[] = {
    3.96285382e-1,
    -2.86610079e-3,
    -4.49091671e-4,
    9.61767929e-6,
    5.99424034e-7,
    -3.5946727e-8};
}  // namespace gelu

// Phi(-a) and phi(a) for a = |x| >= 0.
// Also returns M(a) and the exponent -a^2/2 = zh + zl, for TimesTinyExp where tail is
// subnormal.
template <class D, class V>
HWY_INLINE void NormalTail(D d, V a, V& tail, V& pdf, V& m, V& zh, V& zl) {
  const V one = hn::Set(d, 1), four = Const(d, 4);
  const V an = hn::Min(a, Const(d, 8));
  const V z = hn::Div(hn::Sub(an, four), hn::Add(an, four));
  const V sn = hn::MulAdd(hn::Add(z, one), Const(d, 1.5), hn::Neg(one));
  const V af = hn::Min(hn::Max(a, Const(d, 8)), Const(d, 40));  // Phi(-40) = 4e-350: 0 anyway
  const V u = hn::Div(one, af);
  const V sf = hn::Mul(hn::Sub(u, Const(d, 0.075)), Const(d, 20));
  V near, far;
  if constexpr (sizeof(hn::TFromD<D>) == 4) {
    near = Clenshaw(d, sn, gelu::kMillsNear32);
    far = Clenshaw(d, sf, gelu::kMillsFar32);
  } else if constexpr (!kDoubleWord<D>) {
    // f64 lanes holding f32 data: the f64 fits cut where their terms fall below 1e-11
    // (the f32 fits' coefficients, rounded to f32, cost 2 ULP).
    near = Clenshaw<13>(d, sn, gelu::kMillsNear64);
    far = Clenshaw<9>(d, sf, gelu::kMillsFar64);
  } else {
    near = Clenshaw(d, sn, gelu::kMillsNear64);
    far = Clenshaw(d, sf, gelu::kMillsFar64);
  }
  m = hn::IfThenElse(hn::Le(a, Const(d, 8)), near, hn::Mul(far, u));
  const V g = ExpNegSquare(d, a, 0.5);  // exp(-a^2/2), exponent exact
  V lo;
  zh = hn::Mul(TwoProducts(d, a, a, lo), Const(d, -0.5));
  zl = hn::Mul(lo, Const(d, -0.5));
  tail = hn::Mul(g, m);
  pdf = hn::Mul(g, Const(d, 0.398942280401432677939946059934381868));
}

// float64 data: M(a) = hi + lo to ~2^-60 relative (the fits: 1.1e-19 and 3.2e-19). Near
// a = 8, dM/ds amplifies s's rounding (the plain NormalTail's M was 7 ULP off there), so the
// near piece takes s as a double-word (z = (a - 4) / (a + 4) by DivDW, s = 1.5 z + 0.5 with
// its roundings kept) and runs Clenshaw's recurrence in double down to b_4, its last four
// steps in double-words with c_0..c_3 as double-words. The far piece, a M(a) = c_0 + terms
// below 3e-3, needs only c_0's low part and 1/a as a double-word.
template <class D, class V>
HWY_INLINE V MillsNearDW(D d, V a, V& lo) {
  const V zero = hn::Zero(d), four = Const(d, 4);
  const V an = hn::Min(a, Const(d, 8));
  V nl, dl, zl, pl, e, sl;
  const V nh = TwoSums(an, hn::Neg(four), nl);
  const V dh = TwoSums(an, four, dl);
  const V zh = DivDW(d, nh, nl, dh, dl, zl);
  const V ph = TwoProducts(d, zh, Const(d, 1.5), pl);
  const V s0 = TwoSums(ph, Const(d, 0.5), e);
  const V sh = FastTwoSums(s0, hn::MulAdd(zl, Const(d, 1.5), hn::Add(e, pl)), sl);  // s
  constexpr auto& c = gelu::kMillsNear64;
  constexpr auto& cl = gelu::kMillsNear64Lo;
  const V s2h = hn::Add(sh, sh), s2l = hn::Add(sl, sl);
  V b1, b2, b1l = zero, b2l = zero;
  ClenshawDown<4, std::size(c)>(d, s2h, c, b1, b2);
  for (std::size_t k = 4; k-- > 0;) {  // b_k = c_k + 2 s b_(k+1) - b_(k+2); M = c_0 + s b_1 - b_2
    V tl, ul, vl;
    const V th = k == 0 ? MulDW(d, sh, sl, b1, b1l, tl) : MulDW(d, s2h, s2l, b1, b1l, tl);
    const V uh = AddDW(th, tl, Const(d, c[k]), Const(d, cl[k]), ul);
    const V vh = AddDW(uh, ul, hn::Neg(b2), hn::Neg(b2l), vl);
    b2 = b1, b2l = b1l, b1 = vh, b1l = vl;
  }
  lo = b1l;
  return b1;
}
template <class D, class V>
HWY_INLINE V MillsFarDW(D d, V a, V& lo) {
  const V zero = hn::Zero(d);
  constexpr auto& c = gelu::kMillsFar64;
  const V af = hn::Min(hn::Max(a, Const(d, 8)), Const(d, 40));
  V ul;
  const V uh = DivDW(d, hn::Set(d, 1), zero, af, zero, ul);  // 1 / a
  const V s = hn::Mul(hn::Sub(uh, Const(d, 0.075)), Const(d, 20));
  V b1, b2;
  ClenshawDown<1, std::size(c)>(d, hn::Add(s, s), c, b1, b2);
  V e, fl;
  const V f0 = TwoSums(Const(d, c[0]), hn::MulSub(s, b1, b2), e);  // c_0 + the rest
  const V fh = FastTwoSums(f0, hn::Add(e, Const(d, gelu::kMillsFar64Lo[0])), fl);
  return MulDW(d, fh, fl, uh, ul, lo);
}
// Each piece only where a vector has lanes in it.
template <class D, class V>
HWY_INLINE V MillsDW(D d, V a, V& lo) {
  const auto near = hn::Le(a, Const(d, 8));
  V h = hn::Zero(d);
  lo = h;
  if (!hn::AllFalse(d, near)) h = MillsNearDW(d, a, lo);
  if (!hn::AllTrue(d, near)) {
    V fl;
    const V fh = MillsFarDW(d, a, fl);
    h = hn::IfThenElse(near, h, fh);
    lo = hn::IfThenElse(near, lo, fl);
  }
  return h;
}

// float64 data: x Phi(x) within 1 ULP. Phi(-a) = exp(-a^2/2) M(a) as a double-word (ExpDW fed
// a^2/2's low part, MillsDW), then x Phi(-a) (x < 0) or x (1 - Phi(-a)) rounded once.
// Beyond a^2/2 = 700 (subnormal results) TimesTinyExp scales the product instead.
template <class D, class V>
HWY_INLINE V GeluErfDW(D d, V x) {
  const V zero = hn::Zero(d), a = hn::Abs(x);
  V ml, ql, gl, tl, cl;
  const V mh = MillsDW(d, a, ml);
  const V qh = TwoProducts(d, a, a, ql);
  const V zh = hn::Mul(qh, Const(d, -0.5)), zl = hn::Mul(ql, Const(d, -0.5));  // exact
  const auto inside = hn::Ge(zh, Const(d, -745.2));  // false for NaN
  V gh = ExpDW(d, hn::IfThenElseZero(inside, zh), hn::IfThenElseZero(inside, zl), gl);
  gh = hn::IfThenElseZero(inside, gh);
  gl = hn::IfThenElseZero(inside, gl);
  const V th = MulDW(d, gh, gl, mh, ml, tl);                           // Phi(-a)
  const V ch = AddDW(hn::Set(d, 1), zero, hn::Neg(th), hn::Neg(tl), cl);  // Phi(a) >= 1/2
  const auto neg = hn::Lt(x, zero);
  const V y = TimesDW(d, x, hn::IfThenElse(neg, th, ch), hn::IfThenElse(neg, tl, cl));
  V xml;
  const V xmh = TwoProducts(d, x, mh, xml);  // x M(a) (|x| > 37 where it counts: no underflow)
  V out = hn::IfThenElse(neg, TimesTinyExp(d, xmh, hn::MulAdd(x, ml, xml), zh, zl, y), y);
  // |x| < 2^-1021: x Phi(x) = x/2 + x^2 phi(0) + ... lies just above x/2, which is a tie
  // between two subnormals when x's last bit is set: then (x + ulp(x)) / 2, exact (x's sign:
  // gelu(-5e-324) = -0).
  const auto tiny = hn::Lt(a, Const(d, 0x1p-1021));
  if (HWY_UNLIKELY(!hn::AllFalse(d, tiny))) {
    const hn::RebindToUnsigned<D> du;
    const V odd = hn::BitCast(d, hn::And(hn::BitCast(du, x), hn::Set(du, 1)));  // ulp(x) or 0
    out = hn::IfThenElse(tiny, hn::CopySign(hn::Mul(hn::Add(x, odd), Const(d, 0.5)), x), out);
  }
  return out;
}

// The fast tier's x Phi(x) on f32 lanes. With a = |x|, z = a / sqrt(2) and t = 1 / (1 + z / 2)
// = c / (c + a), c = 2 sqrt(2): Phi(-a) = t / 2 exp(-z^2 + g(t)), g(t) = log(erfc(z) / t) + z^2
// fitted in s = 2t - 1 (Chebyshev least squares of degree 11 on t in (0, 1], tools: mpmath;
// 1e-8 absolute, coefficients below 0.68 so Horner's roundings stay small). z^2 = a^2 / 2
// exactly (TwoProducts) and -z^2 + g as a TwoSums: the exponent is never rounded at |z|^2
// eps (50 ULP at x = -10). A t off by its roundings is the t of a z off as much, which
// moves log(erfc(z)) + z^2 by at most 1.13 |dz|. Then x Phi(x) = x Phi(-a) (x < 0) or
// x - x Phi(-a). Lanes whose exponent is below ExpCoreMin (x < -13.2: subnormal results),
// NaN and infinities are exact's.
template <class K, class D, class V>
HWY_INLINE V GeluErfFast(const K& k, D d, V x) {
  const V a = hn::Min(hn::Abs(x), Const(d, 20));  // Phi(-20) = 3e-89: x - x Phi(-a) = x
  // t = t0 + tc: t0 rounded, tc its error to first order (den = c + a as dh + dl, FMA
  // residual): g sees s = 2t - 1 from both, the factor x t both (xl below). A t rounded alone
  // would move the result by ~2.2 times its rounding (d log(t e^g) / d log t at x = -2).
  const V c = Const(d, 2.8284271247461903);
  V dl;
  const V dh = TwoSums(c, a, dl);
  const V t = hn::Div(c, dh);
  const V tc = hn::Mul(hn::NegMulAdd(t, dl, hn::NegMulAdd(t, dh, c)),
                       hn::Mul(t, Const(d, 1 / 2.8284271247461903)));
  const V s = hn::MulAdd(tc, hn::Set(d, 2), hn::MulSub(t, hn::Set(d, 2), hn::Set(d, 1)));
  // g(t) = c0 + s (c1 + s R(s)): c0 and c1 as double-words, R in plain arithmetic.
  constexpr double kR[] = {0.04734388761298406,   -0.046893640559981575, -0.009880019323987809,
                           0.00880882536947247,   0.00179406624963867,   -0.0022887652387297897,
                           -0.00022791096588682398, 0.0005737663720899738, 8.000738120803958e-06,
                           -8.728381023248806e-05};
  constexpr double kC0 = -0.6717940916807763, kC1 = 0.672643154774544;
  using T = hn::TFromD<D>;
  V q = Const(d, kR[9]);
  for (int i = 8; i >= 0; --i) q = hn::MulAdd(q, s, Const(d, kR[i]));
  const V u = hn::MulAdd(s, q, Const(d, kC1));
  const V lo01 = hn::MulAdd(s, Const(d, kC1 - static_cast<double>(static_cast<T>(kC1))),
                            Const(d, kC0 - static_cast<double>(static_cast<T>(kC0))));
  const V g = hn::MulAdd(s, u, Const(d, kC0));
  V al;
  const V ah = TwoProducts(d, a, a, al);
  V ee;
  const V e = TwoSums(g, hn::Mul(ah, Const(d, -0.5)), ee);  // g - z^2 = e + ee - al / 2
  const V low = hn::Add(hn::NegMulAdd(al, Const(d, 0.5), ee), lo01);
  // Results stay normal above e = -85 (x > -13.1). x Phi(-a) = (x t / 2) 2^k (1 + p) (1 + low)
  // with x t = xh + xl (TwoProducts) and exp(e) = 2^k (1 + p) unrounded (ExpCore): one
  // rounding at the end, (xh 2^k / 2) (1 + p') with p' = p + (low + xl / xh)(1 + p).
  const V lim = Const(d, -85);
  const auto ok = hn::And(hn::Or(hn::Ge(e, lim), hn::Gt(x, hn::Zero(d))), hn::IsFinite(x));
  V sc;
  const V p = ExpCore(d, hn::Max(e, lim), sc);
  V xl;
  const V xh = TwoProducts(d, x, t, xl);
  xl = hn::MulAdd(x, tc, xl);  // x (t0 + tc) = xh + xl
  // xl / xh: a correction of 2^-24 at most, the reciprocal's estimate serves (below 2^-100,
  // where xh may be subnormal and the estimate infinite, x t is exact or negligible).
  const V rel = hn::IfThenElseZero(hn::Gt(hn::Abs(xh), Const(d, 0x1p-100)),
                                   hn::Mul(xl, hn::ApproximateReciprocal(xh)));
  const V w = hn::Add(low, rel);
  const V pp = hn::Add(p, hn::MulAdd(w, p, w));
  const V ms = hn::Mul(xh, hn::Mul(sc, Const(d, 0.5)));  // exact: a power of two
  const V q_neg = hn::MulAdd(ms, pp, ms);                 // x Phi(-a)
  // gelu has the sign of x (gelu(-0) = -0 whatever the sign of p').
  const V y = hn::CopySign(hn::IfThenElse(hn::Gt(x, hn::Zero(d)), hn::Sub(x, q_neg), q_neg), x);
  return FastOr(k, d, ok, x, y);
}

// The exact tier's x Phi(x) on f32 lanes (FMA targets), all in f32: GeluErfFast's form with
// every step a double-word. a = min(|x|, 14.5) (x < -14.5 gives -0, x > 14.5 x), t = c / (c +
// a) = t + tc, s = 2t - 1 = sh + sl (both roundings kept), g(s) = log(erfc(z) / t) + z^2 a
// degree-16 polynomial fitted on s in [-0.674, 1] (Chebyshev interpolation, f32 coefficients,
// c0 and c1 double-words: 2e-10 absolute; tools/fit/gelu_f32.py), its last two Horner steps
// and the exponent g - a^2 / 2 as double-words, exp as ExpScaledF32's (h + l) 2^k (2^-27).
// Then x Phi(-a) = (x t / 2) exp(g - a^2 / 2) as a double-word Q: x < 0 gives Q rounded once
// (then scaled: rounded once more only in the subnormals), x > 0 gives x - Q rounded once.
// Below |x| = 2^-80, x / 2 (the rest, 0.4 x^2, is below 2^-160: it only breaks subnormal ties).
namespace gelu {
constexpr double kG0Hi = -0.671794056892395, kG0Lo = -2.7164054117179148e-08;
constexpr double kG1Hi = 0.67264324426651, kG1Lo = -2.0314187665348982e-08;
constexpr float kG[] = {0.04734330624341965,    -0.04689560830593109,   -0.009872687980532646,
                        0.008824899792671204,   0.001758935977704823,   -0.0023454464972019196,
                        -0.00014642038149759173, 0.0006718960939906538, -9.228117414750159e-05,
                        -0.00016973364108707756, 6.606519309571013e-05, 2.632092946441844e-05,
                        -2.068949834210798e-05, 1.054661311172822e-06, 1.248626176675316e-06};
}  // namespace gelu

template <class D, class V>
HWY_INLINE V GeluErfF32(D d, V x) {
  const V one = hn::Set(d, 1), half = Const(d, 0.5);
  const V a = hn::Min(hn::Abs(x), Const(d, 14.5));
  // c = 2 sqrt(2) as a double-word: the fit's t is c / (c + a) for the exact c (an f32 c
  // would be the t of an a off by 1.7e-8 relative: 0.2 ULP).
  const V c = Const(d, 2.8284270763397217), c_lo = Const(d, 4.840646841791588e-08);
  V dl;
  const V dh = TwoSums(c, a, dl);
  dl = hn::Add(dl, c_lo);
  const V t = hn::Div(c, dh);
  const V tc = hn::Mul(hn::NegMulAdd(t, dl, hn::Add(hn::NegMulAdd(t, dh, c), c_lo)),
                       hn::Mul(t, Const(d, 1 / 2.8284271247461903)));
  V se;
  const V sh = TwoSums(hn::Add(t, t), hn::Neg(one), se);
  const V sl = hn::MulAdd(tc, Const(d, 2), se);
  V q = hn::Set(d, gelu::kG[14]);
  for (int i = 13; i >= 0; --i) q = hn::MulAdd(q, sh, hn::Set(d, gelu::kG[i]));
  const V sq = hn::Mul(sh, q);
  V ul;
  const V uh = TwoSums(Const(d, gelu::kG1Hi), sq, ul);
  ul = hn::Add(ul, Const(d, gelu::kG1Lo));
  // g = c0 + s u, s = sh + sl: g'(s) ~ u + s q carries sl.
  V pl;
  const V ph = TwoProducts(d, sh, uh, pl);
  pl = hn::MulAdd(sh, ul, hn::MulAdd(sl, hn::Add(uh, sq), pl));
  V ge;
  const V gh = TwoSums(Const(d, gelu::kG0Hi), ph, ge);
  const V gl = hn::Add(hn::Add(ge, pl), Const(d, gelu::kG0Lo));
  // E = g - a^2 / 2 = eh + el.
  V al;
  const V ah = TwoProducts(d, a, a, al);
  V ee;
  const V eh = TwoSums(gh, hn::Mul(ah, hn::Neg(half)), ee);
  const V el = hn::Add(ee, hn::NegMulAdd(al, half, gl));
  V l0, k;
  const V h0 = ExpScaledF32(d, eh, l0, k);  // eh >= -107: 2^k normal in two steps below
  const V h = hn::Add(h0, l0);              // normalized (l0 may be 0.1 h0)
  const V ml = hn::MulAdd(h, el, hn::Add(hn::Sub(h0, h), l0));  // exp(E) = (h + ml) 2^k
  V xl;
  const V xh = TwoProducts(d, x, t, xl);
  xl = hn::MulAdd(x, tc, xl);  // x t = xh + xl
  V qe;
  const V qh = TwoProducts(d, xh, h, qe);
  const V ql = hn::Add(qe, hn::MulAdd(xh, ml, hn::Mul(xl, h)));  // x t exp(E) 2^-k
  const V km = hn::Sub(k, one);  // the 1/2
  const V k1 = hn::Max(km, Const(d, -120));
  const V sc1 = Pow2(d, k1), sc2 = Pow2(d, hn::Sub(km, k1));
  const V neg = hn::Mul(hn::Mul(hn::Add(qh, ql), sc1), sc2);
  // x > 0: Q = x Phi(-a) <= x / 2 is normal where x is (k >= -107 there too... and exact
  // scaling: k1 = km), x - Q rounded once.
  const V sc = hn::Mul(sc1, sc2);
  V ye;
  const V yh = TwoSums(x, hn::Neg(hn::Mul(qh, sc)), ye);
  const V pos = hn::Add(yh, hn::NegMulAdd(ql, sc, ye));
  V y = hn::IfThenElse(hn::Gt(x, hn::Zero(d)), pos, neg);
  // |x| < 2^-80: x / 2 + 0.4 x^2, the second term only breaking the tie where x / 2 is a
  // subnormal midpoint (|x| < 2^-125, an odd multiple of 2^-149): up for x > 0 (gelu(1e-45)
  // = 1e-45), toward 0 for x < 0. In units of 2^-149, |y| = (|x| + [x > 0]) >> 1 there.
  const hn::RebindToUnsigned<D> du;
  const auto up = hn::IfThenElseZero(hn::RebindMask(du, hn::Gt(x, hn::Zero(d))), hn::Set(du, 1));
  const V sub = hn::BitCast(d, hn::ShiftRight<1>(hn::Add(hn::BitCast(du, hn::Abs(x)), up)));
  const V tiny = hn::IfThenElse(hn::Lt(hn::Abs(x), Const(d, 0x1p-125)), sub, hn::Mul(hn::Abs(x), half));
  y = hn::IfThenElse(hn::Lt(hn::Abs(x), Const(d, 0x1p-80)), tiny, y);  // sign: CopySign below
  y = hn::IfThenElse(hn::Gt(x, Const(d, 14.5)), x, y);
  y = hn::IfThenElse(hn::Lt(x, Const(d, -14.5)), hn::Neg(hn::Zero(d)), y);
  y = hn::CopySign(y, x);
  return hn::IfThenElse(hn::IsNaN(x), x, y);
}

struct Gelu : Kernel {
  static constexpr std::size_t kApproximate = spec::gelu.param("approximate");
  static constexpr bool kFast = true;
  // f32 lanes where the target has FMA: the erf form as GeluErfF32, the tanh form through U2
  // and LogisticOf in f32 double-words; backward in f64 lanes.
  static constexpr bool kF32ViaF64 = !kFma;
  static constexpr bool kGradF32ViaF64 = true;
  using Kernel::Kernel;
  bool exact() const { return p[kApproximate] == 0; }
  // The fast tier: f32 lanes as GeluErfFast (erf form) or as swish's fast path on U2's
  // double-word 2u (tanh form); f64 lanes exact's kernel.
  template <class D, class V>
  HWY_INLINE V ForwardFast(D d, V x) const {
    if constexpr (sizeof(hn::TFromD<D>) == 8) {
      return Forward(d, x);
    } else {
      if (exact()) return GeluErfFast(*this, d, x);
      V lo;
      const V u2 = U2(d, x, lo);
      return SwishFast<true, true>(*this, d, x, u2, lo);
    }
  }
  // 2u = x (c0 + c1 x^2), c0 = 2 sqrt(2/pi), c1 = 0.044715 c0, as hi + lo (tools: mpmath).
  // s(2u) is exp(2u) in the negative tail, so every rounding of 2u would cost |2u| eps
  // relative (1000 ULP at x = -20): 2u is formed in double-word arithmetic.
  static constexpr double kC0Hi = 1.5957691216057308, kC0Lo = -9.96930880911092e-17;
  static constexpr double kC1Hi = 0.07135481627260025, kC1Lo = -6.175149918155315e-19;
  // On f32 lanes the constants' low parts are what f32 cannot hold of them.
  template <class D, class V>
  HWY_INLINE V U2(D d, V x, V& lo) const {
    using T = hn::TFromD<D>;
    constexpr double kC0L = kC0Hi - static_cast<double>(static_cast<T>(kC0Hi)) + kC0Lo;
    constexpr double kC1L = kC1Hi - static_cast<double>(static_cast<T>(kC1Hi)) + kC1Lo;
    V ql, ml;
    const V qh = TwoProducts(d, x, x, ql);
    const V mh = TwoProducts(d, Const(d, kC1Hi), qh, ml);
    const V sh = hn::Add(mh, Const(d, kC0Hi));  // TwoSums(mh, c0)
    const V bp = hn::Sub(sh, mh);
    const V sl = hn::Add(hn::Sub(mh, hn::Sub(sh, bp)), hn::Sub(Const(d, kC0Hi), bp));
    const V pl = hn::Add(hn::Add(sl, ml), hn::MulAdd(Const(d, kC1Hi), ql,
                                                     hn::MulAdd(Const(d, kC1L), qh, Const(d, kC0L))));
    V ul;
    const V uh = TwoProducts(d, x, sh, ul);
    lo = hn::IfThenElseZero(hn::IsFinite(uh), hn::MulAdd(x, pl, ul));
    return uh;
  }
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    if constexpr (kNativeF32<D>) {
      if (exact()) return AtInf(d, x, GeluErfF32(d, x), hn::Neg(hn::Zero(d)), x);
      V lo;
      const V u2 = U2(d, x, lo);
      const V y = hn::CopySign(TimesLogistic(d, x, u2, lo), x);  // gelu(-1e-45) = -0
      return AtInf(d, x, y, hn::Neg(hn::Zero(d)), x);
    }
    if constexpr (kDoubleWord<D>) {
      if (exact()) return AtInf(d, x, GeluErfDW(d, x), hn::Neg(hn::Zero(d)), x);
    }
    V y;
    if (exact()) {
      V tail, pdf, m, zh, zl;
      NormalTail(d, hn::Abs(x), tail, pdf, m, zh, zl);
      const V cdf = hn::IfThenElse(hn::Ge(x, hn::Zero(d)), hn::Sub(hn::Set(d, 1), tail), tail);
      y = hn::Mul(x, cdf);
      y = hn::IfThenElse(hn::Lt(x, hn::Zero(d)), TimesTinyExp(d, hn::Mul(x, m), zh, zl, y), y);
    } else {
      // x (s + s_lo) rounded once (1.49 ULP in float64 from the rounded s).
      V lo;
      const V u2 = U2(d, x, lo);
      y = hn::CopySign(TimesLogistic(d, x, u2, lo), x);
    }
    return AtInf(d, x, y, hn::Neg(hn::Zero(d)), x);
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    V fp;
    if (exact()) {
      V tail, pdf, m, zh, zl;
      NormalTail(d, hn::Abs(x), tail, pdf, m, zh, zl);
      const V cdf = hn::IfThenElse(hn::Ge(x, hn::Zero(d)), hn::Sub(hn::Set(d, 1), tail), tail);
      fp = hn::MulAdd(x, pdf, cdf);
    } else {
      V lo;
      const auto l = LogisticOf(d, U2(d, x, lo), lo);
      const V du2 = hn::MulAdd(hn::Mul(x, x),
                               Const(d, 2 * 0.797884560802865355879892119868763737 * 3 * 0.044715),
                               Const(d, 2 * 0.797884560802865355879892119868763737));
      // Beyond |x| = 1e4, s (1 - s) is 0 and u' huge: the product's limit is 0.
      const V term = hn::IfThenElseZero(hn::Lt(hn::Abs(x), Const(d, 1e4)), hn::Mul(hn::Mul(x, l.ds), du2));
      fp = hn::Add(l.s, term);
    }
    fp = AtInf(d, x, fp, hn::Zero(d), hn::Set(d, 1));
    return Chain(d, dy, x, fp);
  }
};

struct QuickGelu : Kernel {
  // f32 native forward where the target has FMA (swish's f32 steps); backward via f64 lanes
  // (swish's f32 backward is within 1 ULP of max(|dx|, |dy|) but not of a tiny dx).
  static constexpr bool kF32ViaF64 = !kFma;
  static constexpr bool kGradF32ViaF64 = true;
  using Kernel::Kernel;
  // 1.702 = Const + ConstLo in the lanes' type: the product with x is kept exact, as in swish.
  static constexpr long double kB = 1.702L;
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    return SwishOf(d, x, Const(d, 1.702), ConstLo(d, kB));
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    return SwishGrad(d, dy, x, Const(d, 1.702), ConstLo(d, kB));
  }
};

}  // namespace actfn::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // vector kernels
