// Tanh family.
//
//   tanh(x)              f' = 1 - y^2 = sech^2(x) = 4e / (1 + e)^2,  e = exp(-2|x|)
//   softsign(x)    = x / (1 + |x|)             f' = 1 / (1 + |x|)^2
//   tanhshrink(x)  = x - tanh(x)               f' = tanh(x)^2
//   softcap(x; cap) = cap tanh(x / cap)        f' = sech^2(x / cap)   (logit soft-capping)
//   lisht(x)       = x tanh(x)                 f' = tanh(x) + x sech^2(x)      (mlpack)
//   tanhexp(x)     = x tanh(exp(x))            f' = tanh(e^x) + x e^x sech^2(e^x)   (mlpack)
//
// tanh is hn::Tanh (4 ULP). Its derivative from x uses sech^2 = 4e / (1 + e)^2, accurate in
// the tails where 1 - y^2 cancels to 0; from y it is the cheap 1 - y^2. tanhshrink is
// x^3 T(x^2) where x - tanh x cancels (f64: below |x| = 1/2, T's Taylor series in
// double-words; f32 lanes: below 1, T fitted by tools/fit/chebyshev.py).

// ---- scalar reference ----
#ifndef ACTFN_KERNELS_TANH_REF_
#define ACTFN_KERNELS_TANH_REF_
#include <cmath>
#include "kernels/ref-common.h"
#include "kernels/spec.h"
#include "kernels/sigmoid-inl.h"
namespace actfn::ref {
template <class L>
inline L sech2(L x) {
  const L e = exp(-2 * fabs(x));
  return 4 * e / ((1 + e) * (1 + e));
}
template <class L>
inline L tanh(L x, const double*) { return tanh(x); }
template <class L>
inline L tanh_grad(L x, const double*) { return isnan(x) ? x : sech2(x); }
template <class L>
inline L softsign(L x, const double*) {
  return isinf(x) ? copysign(1.0L, x) : x / (1 + fabs(x));
}
template <class L>
inline L softsign_grad(L x, const double*) { return 1 / ((1 + fabs(x)) * (1 + fabs(x))); }
// x - tanh x cancels even in long double for small x: below |x| = 1/2, the Taylor series
// x^3 sum c_k x^(2k) (coefficients from the Bernoulli numbers, 25 digits, by mpmath).
template <class L>
inline L tanhshrink(L x, const double*) {
  static constexpr long double c[] = {
      0.3333333333333333333333333L, -0.1333333333333333333333333L, 0.05396825396825396825396825L,
      -0.02186948853615520282186949L, 0.008863235529902196568863236L,
      -0.003592128036572481016925461L, 0.001455834387051318268249485L,
      -0.000590027440945585981378076L, 0.0002391291142435524814857315L,
      -0.00009691537956929450325595875L, 0.00003927832388331683405337081L,
      -0.00001591890506932896474074428L, 0.000006451689215655430763190842L,
      -0.000002614771151290754554263594L, 0.000001059726832010465435091355L,
      -0.0000004294911078273805854820351L, 0.0000001740661896357164777986229L,
      -7.054636946400968325214519e-8L, 2.859136662305253908331095e-8L,
      -1.158764443279885220019793e-8L, 4.696295398230901628819043e-9L,
      -1.903336833931275921319707e-9L};
  if (isinf(x)) return x;
  if (fabs(x) >= 0.5L) return x - tanh(x);
  const L u = x * x;
  L s = 0;
  for (int k = 21; k >= 0; --k) s = s * u + c[k];
  return x * u * s;
}
template <class L>
inline L tanhshrink_grad(L x, const double*) { return tanh(x) * tanh(x); }
template <class L>
inline L softcap(L x, const double* p) { return p[0] * tanh(x / p[0]); }
template <class L>
inline L softcap_grad(L x, const double* p) { return isnan(x) ? x : sech2(x / p[0]); }
template <class L>
inline L lisht(L x, const double*) { return isinf(x) ? fabs(x) : x * tanh(x); }
template <class L>
inline L lisht_grad(L x, const double*) {
  if (isinf(x)) return x > 0 ? 1.0L : -1.0L;
  return tanh(x) + x * sech2(x);
}
template <class L>
inline L tanhexp(L x, const double*) { return times(x, tanh(exp(x)), 0, x); }
template <class L>
inline L tanhexp_grad(L x, const double*) {
  if (isinf(x)) return x > 0 ? 1.0L : 0.0L;
  const L u = exp(x);
  return tanh(u) + (x < 20 ? x * u * sech2(u) : 0.0L);
}
inline long double tanh_dfy(long double y, const double*) { return 1 - y * y; }
}  // namespace actfn::ref

// ---- the registry's entries and the tests' bounds ----
namespace actfn::spec {
inline constexpr Param kSoftcapParams[] = {
    {"cap", 30, 0, kMax, "the output stays in (-cap, cap) (Gemma 2: 30 for logits)", {}, true}};
inline constexpr Spec tanh{
    .summary = "hyperbolic tangent",
    .formula = "y = tanh(x)",
    .derivative = "f'(x) = 1 - y^2",
    .saved = kX | kY,
    .bounds = {1, 3, 1, 3},
    .fast = {3, 2},
    .dfy = ref::tanh_dfy};
inline constexpr Spec softsign{
    .summary = "softsign (also mlpack's elliot)",
    .formula = "y = x / (1 + |x|)",
    .derivative = "f'(x) = 1 / (1 + |x|)^2",
    .bounds = {1, 1, 1, 3}};
inline constexpr Spec tanhshrink{
    .summary = "x minus its tanh",
    .formula = "y = x - tanh(x)",
    .derivative = "f'(x) = tanh(x)^2",
    .bounds = {1, 4, 1, 3}};
inline constexpr Spec softcap{
    .params = kSoftcapParams,
    .summary = "logit soft-capping (Gemma 2, Grok)",
    .formula = "y = cap * tanh(x / cap)",
    .derivative = "f'(x) = 1 - tanh(x / cap)^2",
    .bounds = {1, 4, 1, 3}};
inline constexpr Spec lisht{
    .summary = "linearly scaled tanh (mlpack)",
    .formula = "y = x * tanh(x)",
    .derivative = "f'(x) = tanh(x) + x * (1 - tanh(x)^2)",
    .bounds = {1, 3, 1, 3}};
inline constexpr Spec tanhexp{
    .summary = "tanh exponential (mlpack)",
    .formula = "y = x * tanh(exp(x))",
    .derivative = "f'(x) = tanh(e^x) + x * e^x * (1 - tanh(e^x)^2)",
    .bounds = {1, 3, 1, 2}};
}  // namespace actfn::spec
#endif

// ---- vector kernels ----
#if !defined(ACTFN_REFERENCE_ONLY) && \
    (defined(ACTFN_KERNELS_TANH_INL_H_) == defined(HWY_TARGET_TOGGLE))
#ifdef ACTFN_KERNELS_TANH_INL_H_
#undef ACTFN_KERNELS_TANH_INL_H_
#else
#define ACTFN_KERNELS_TANH_INL_H_
#endif

#include "fast-inl.h"
#include "hwy/highway.h"
#include "map-inl.h"
#include "math-inl.h"

HWY_BEFORE_NAMESPACE();
namespace actfn::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

namespace tanhshrink {
// T(u) = (x - tanh x) / x^3 for u = x^2 in [0, 1], as sum c_k T_k(2u - 1) (f32 lanes).
constexpr float kTanhshrink32[] = {
    2.81848886e-1,
    -4.71226387e-2,
    3.99175901e-3,
    -3.38649928e-4,
    2.8735499e-5,
    -2.43835463e-6,
    2.06907548e-7,
    -1.75572289e-8,
    1.48982629e-9};
// (x - tanh x) / x^3 = 1/3 + u q(u), u = x^2: q's Taylor coefficients (the reference's c[1..18]).
constexpr double kTaylor64[] = {
    -0.1333333333333333333, 5.396825396825396825e-2, -2.186948853615520282e-2,
    8.863235529902196569e-3, -3.592128036572481017e-3, 1.455834387051318268e-3,
    -5.900274409455859814e-4, 2.391291142435524815e-4, -9.691537956929450326e-5,
    3.927832388331683405e-5, -1.591890506932896474e-5, 6.451689215655430763e-6,
    -2.614771151290754554e-6, 1.059726832010465435e-6, -4.294911078273805855e-7,
    1.740661896357164778e-7, -7.054636946400968325e-8, 2.859136662305253908e-8};
}  // namespace tanhshrink

// sech^2(x) = 4e / (1 + e)^2 with e = exp(-2|x|); on f64 lanes in double-word arithmetic.
template <class D, class V>
HWY_INLINE V Sech2(D d, V x) {
  V el;
  const V e = ExpParts(d, hn::Mul(Const(d, -2), hn::Abs(x)), el);
  V te;
  const V th = TwoSums(hn::Set(d, 1), e, te);
  const V tl = hn::Add(te, el);
  V qe;
  const V qh = TwoProducts(d, th, th, qe);
  V lo;
  const V r = DivDW(d, hn::Mul(Const(d, 4), e), hn::Mul(Const(d, 4), el), qh,
                    hn::MulAdd(hn::Add(th, th), tl, qe), lo);
  return hn::IfThenElse(hn::IsNaN(x), x, r);
}

// The fast tier's tanh: tanh|x| = -m / (2 + m), m = expm1(-2|x|) = s p + (s - 1) from
// ExpCore (exact near 0, where k = 0), the sign of x copied on (tanh(-0) = -0). -2|x| is
// clamped at -20 (f32) or -45 (f64), where tanh has rounded to 1.
template <class D, class V>
HWY_INLINE V TanhFast(D d, V x) {
  const V y = hn::Max(hn::Mul(hn::Abs(x), Const(d, -2)),
                      Const(d, sizeof(hn::TFromD<D>) == 4 ? -20 : -45));
  V s;
  const V p = ExpCore(d, y, s);
  const V m = hn::MulAdd(s, p, hn::Sub(s, hn::Set(d, 1)));
  const V t = hn::Div(hn::Neg(m), hn::Add(m, Const(d, 2)));
  return hn::IfThenElse(hn::IsNaN(x), x, hn::CopySign(t, x));
}

struct Tanh : Kernel {
  static constexpr bool kBackwardY = true;
  static constexpr bool kFast = true;
  // f32 native where the target has FMA (TanhParts' and ExpParts' f32 branches).
  static constexpr bool kF32ViaF64 = !kFma;
  using Kernel::Kernel;
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const { return TanhNaN(d, x); }
  template <class D, class V>
  HWY_INLINE V ForwardFast(D d, V x) const { return TanhFast(d, x); }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const { return hn::Mul(dy, Sech2(d, x)); }
  template <class D, class V>
  HWY_INLINE V BackwardY(D d, V dy, V y) const {
    return hn::Mul(dy, hn::NegMulAdd(y, y, hn::Set(d, 1)));
  }
};

struct Softsign : Kernel {
  using Kernel::Kernel;
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    V e, lo;  // x / (1 + |x|) with the exact denominator, rounded once
    const V t = TwoSums(hn::Set(d, 1), hn::Abs(x), e);
    const V y = DivDW(d, x, hn::Zero(d), t, hn::IfThenElseZero(hn::IsFinite(t), e), lo);
    return AtInf(d, x, y, hn::Set(d, -1), hn::Set(d, 1));
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    const V t = hn::Add(hn::Set(d, 1), hn::Abs(x));
    return hn::Div(hn::Div(dy, t), t);  // t * t overflows where the result is subnormal
  }
};

struct Tanhshrink : Kernel {
  using Kernel::Kernel;
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    if constexpr (sizeof(hn::TFromD<D>) == 4) {
      // f32 lanes: x^3 T(x^2) below |x| = 1, T a Chebyshev series (Clenshaw).
      V x2l;
      const V x2h = TwoProducts(d, x, x, x2l);
      V x3l;
      const V x3h = TwoProducts(d, x, x2h, x3l);
      x3l = hn::MulAdd(x, x2l, x3l);
      const V t = Clenshaw(d, hn::MulSub(Const(d, 2), x2h, hn::Set(d, 1)), tanhshrink::kTanhshrink32);
      const V small = hn::MulAdd(x3h, t, hn::Mul(x3l, t));
      return hn::IfThenElse(hn::Lt(hn::Abs(x), hn::Set(d, 1)), small, Large(d, x));
    } else {
      // f64: below |x| = 1/2, x^3 (1/3 + u q(u)) with u = x^2, q its Taylor series (18 terms:
      // each at most a tenth of the one before, u / (pi^2 / 4) <= 0.1), 1/3 + u q as a
      // double-word (u q is at most a tenth of it, so q's own rounding moves the sum by 0.1
      // ULP), times x^3 as a double-word, rounded once. Below |x| = 2^-300 (results near and
      // under 2^-1022, where x^3's low part would be lost) the same on x 2^256, scaled back by
      // 2^-768 in one fused step. From 1/2 on, x - tanh x with tanh a double-word (it loses at
      // most 12x that double-word's error).
      const auto tiny = hn::Lt(hn::Abs(x), Const(d, 0x1p-300));
      const V xs = hn::IfThenElse(tiny, hn::Mul(x, Const(d, 0x1p256)), x);
      V x2l;
      const V x2h = TwoProducts(d, xs, xs, x2l);
      V x3l;
      const V x3h = TwoProducts(d, xs, x2h, x3l);
      x3l = hn::MulAdd(xs, x2l, x3l);
      const V q = Horner(d, x2h, tanhshrink::kTaylor64);
      V pl;
      const V ph = TwoProducts(d, x2h, q, pl);
      pl = hn::MulAdd(x2l, q, pl);
      V e;
      const V th = TwoSums(Const(d, 0.33333333333333331483), ph, e);  // 1/3 = hi + lo
      const V tl = hn::Add(hn::Add(e, pl), Const(d, 1.8503717077085942e-17));
      V al;
      const V ah = TwoProducts(d, x3h, th, al);
      const V b = hn::MulAdd(x3h, tl, hn::MulAdd(x3l, th, al));
      const V down = Const(d, 0x1p-768);
      const V small = hn::IfThenElse(tiny, hn::MulAdd(ah, down, hn::Mul(b, down)), hn::Add(ah, b));
      return hn::IfThenElse(hn::Lt(hn::Abs(x), hn::Set(d, 0.5)), small, Large(d, x));
    }
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    const V t = TanhNaN(d, x);
    return hn::Mul(dy, hn::Mul(t, t));
  }

 private:
  // x - tanh x with tanh as a double-word (TanhParts); x itself at +-inf and NaN.
  template <class D, class V>
  static HWY_INLINE V Large(D d, V x) {
    V tl, e;
    const V th = TanhParts(d, x, tl);
    const V dh = TwoSums(x, hn::Neg(th), e);
    return hn::IfThenElse(hn::IsFinite(x), hn::Add(dh, hn::Sub(e, tl)), x);
  }
};

struct Softcap : Kernel {
  static constexpr std::size_t kCap = spec::softcap.param("cap");
  using Kernel::Kernel;
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    // Where tanh(t) = t to the last bit (|t| < 2^-30), cap tanh(x / cap) is x: returning x
    // keeps subnormal x exact, which the division and multiplication would round.
    // u = x / cap as a double-word; tanh(uh + ul) = tanh(uh) + ul (1 - tanh^2); cap times
    // that rounded once.
    const V cap = P(d, kCap);
    const V uh = hn::Div(x, cap);
    const V ul = hn::IfThenElseZero(hn::Lt(hn::Abs(uh), Const(d, 1e300)),  // no overflow
                                    hn::Div(hn::NegMulAdd(uh, cap, x), cap));
    V tl;
    const V th = TanhParts(d, uh, tl);
    tl = hn::MulAdd(ul, hn::NegMulAdd(th, th, hn::Set(d, 1)), tl);
    const V y = hn::MulAdd(cap, th, hn::Mul(cap, tl));
    return hn::IfThenElse(hn::Lt(hn::Abs(x), Const(d, p[kCap] * 0x1p-30)), x, y);
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    return Chain(d, dy, x, Sech2(d, hn::Div(x, P(d, kCap))));
  }
};

struct Lisht : Kernel {
  using Kernel::Kernel;
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    V tl;
    const V th = TanhParts(d, x, tl);
    return AtInf(d, x, hn::MulAdd(x, th, hn::Mul(x, tl)), hn::Inf(d), hn::Inf(d));
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    const V fp = hn::MulAdd(x, Sech2(d, x), TanhNaN(d, x));
    return hn::Mul(dy, AtInf(d, x, fp, hn::Set(d, -1), hn::Set(d, 1)));
  }
};

struct Tanhexp : Kernel {
  using Kernel::Kernel;
  // u = e^x and tanh(u) as double-words (ExpParts, TanhParts; tanh(u + ul) = tanh(u) +
  // ul (1 - tanh(u)^2)), x times them rounded once (2.30 ULP in float64 from the rounded e^x).
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    V ul, tl;
    const V u = ExpParts(d, x, ul);
    const V t = TanhParts(d, u, tl);
    tl = hn::MulAdd(ul, hn::NegMulAdd(t, t, hn::Set(d, 1)), tl);
    const V y = TimesTinyExp(d, x, x, hn::Zero(d), TimesDW(d, x, t, tl));
    return AtInf(d, x, y, hn::Zero(d), x);
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    const V u = ExpNaN(d, x);
    // sech^2(e^x) is 0 in every dtype beyond x = 20; the product x e^x 0 must not be NaN.
    const V term = hn::IfThenElseZero(hn::Lt(x, Const(d, 20)), hn::Mul(hn::Mul(x, u), Sech2(d, u)));
    const V fp = hn::Add(TanhNaN(d, u), term);
    return Chain(d, dy, x, AtInf(d, x, fp, hn::Zero(d), hn::Set(d, 1)));
  }
};

}  // namespace actfn::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // vector kernels
