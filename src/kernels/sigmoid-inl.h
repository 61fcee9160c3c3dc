// Logistic family: sigmoid and the functions built on it.
//
//   sigmoid(x)          = 1 / (1 + exp(-x))            f' = s (1 - s)
//   logsigmoid(x)       = log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|))    f' = 1 - s
//   hardsigmoid(x)      = relu6(x + 3) / 6             f' = 1/6 on (-3, 3)
//   silu(x)             = x s(x)                       f' = s + x s (1 - s)
//   swish(x; beta)      = x s(beta x)                  f' = s + beta x s (1 - s)
//   quick_gelu(x)       = x s(1.702 x)                 (in gelu-inl.h)
//   hardswish(x)        = x relu6(x + 3) / 6           f' = 0, (2x + 3)/6, 1 (PyTorch's)
//   mish(x)             = x tanh(softplus(x))          f' = t + x (1 - t^2) s
//   sparse_sigmoid(x)   = clip((x + 1) / 2, 0, 1)      f' = 1/2 on (-1, 1)   (JAX)
//   elish(x)            = x >= 0 ? x s : expm1(x) s    (mlpack)
//   ftswish(x; T)       = x >= 0 ? x s + T : T         (mlpack; T = -0.2)
//   bipolar_sigmoid(x)  = (1 - e^-x) / (1 + e^-x) = tanh(x / 2)   (mlpack)
//
// Everything is computed from e = exp(-|x|) in (0, 1]: s = 1 / (1 + e) for x > 0 and
// e / (1 + e) otherwise, s (1 - s) = e / (1 + e)^2. The exponent never overflows, and both
// tails keep full relative precision down to the subnormals (sigmoid(-100.f) = 3.72e-44f,
// sigmoid'(40.0) = 4.25e-18 where y (1 - y) gives 0). Products x * s take their limits at
// +-inf instead of inf * 0 = NaN.

// ---- scalar reference ----
#ifndef ACTFN_KERNELS_SIGMOID_REF_
#define ACTFN_KERNELS_SIGMOID_REF_
#include <cmath>
#include "kernels/ref-common.h"
#include "kernels/spec.h"
namespace actfn::ref {
template <class L>
inline L sig(L x) {
  const L e = exp(-fabs(x));
  return (x > 0 ? 1.0L : e) / (1.0L + e);
}
template <class L>
inline L dsig(L x) {
  const L e = exp(-fabs(x));
  return e / ((1.0L + e) * (1.0L + e));
}
// x * g(x) with the limits at +-inf (0 or +-inf), as the kernels give.
template <class L>
inline L times(L x, Same<L> g, Same<L> at_neg, Same<L> at_pos) {
  return isinf(x) ? (x < 0 ? at_neg : at_pos) : x * g;
}
template <class L>
inline L sigmoid(L x, const double*) { return isnan(x) ? x : sig(x); }
template <class L>
inline L sigmoid_grad(L x, const double*) { return isnan(x) ? x : dsig(x); }
template <class L>
inline L logsigmoid(L x, const double*) {
  return (x < 0 ? x : 0.0L) - log1p(exp(-fabs(x)));
}
template <class L>
inline L logsigmoid_grad(L x, const double*) { return isnan(x) ? x : sig(-x); }
template <class L>
inline L hardsigmoid(L x, const double*) {
  return isnan(x) ? x : x <= -3 ? 0.0L : x >= 3 ? 1.0L : (x + 3) / 6;
}
template <class L>
inline L hardsigmoid_grad(L x, const double*) {
  return isnan(x) ? x : (x > -3 && x < 3 ? 1.0L / 6 : 0.0L);
}
template <class L>
inline L silu(L x, const double*) { return times(x, sig(x), 0, x); }
template <class L>
inline L silu_grad(L x, const double*) {
  return isinf(x) ? (x > 0 ? 1.0L : 0.0L) : sig(x) + x * dsig(x);
}
template <class L>
inline L swish(L x, const double* p) { return times(x, sig(p[0] * x), p[0] > 0 ? 0 : x, x); }
template <class L>
inline L swish_grad(L x, const double* p) {
  if (isinf(x) && p[0] > 0) return x > 0 ? 1.0L : 0.0L;
  return sig(p[0] * x) + p[0] * x * dsig(p[0] * x);
}
template <class L>
inline L hardswish(L x, const double*) {
  return isnan(x) ? x : x <= -3 ? 0.0L : x >= 3 ? x : x * (x + 3) / 6;
}
template <class L>
inline L hardswish_grad(L x, const double*) {
  return isnan(x) ? x : x < -3 ? 0.0L : x <= 3 ? (2 * x + 3) / 6 : 1.0L;
}
template <class L>
inline L mish(L x, const double*) {
  return times(x, tanh(log1p(exp(x))), 0, x);
}
template <class L>
inline L mish_grad(L x, const double*) {
  if (isinf(x)) return x > 0 ? 1.0L : 0.0L;
  const L t = tanh(log1p(exp(x)));
  return t + x * (1 - t * t) * sig(x);
}
template <class L>
inline L sparse_sigmoid(L x, const double*) {
  return isnan(x) ? x : x <= -1 ? 0.0L : x >= 1 ? 1.0L : (x + 1) / 2;
}
template <class L>
inline L sparse_sigmoid_grad(L x, const double*) {
  return isnan(x) ? x : (x > -1 && x < 1 ? 0.5L : 0.0L);
}
template <class L>
inline L elish(L x, const double*) { return x >= 0 ? times(x, sig(x), 0, x) : expm1(x) * sig(x); }
template <class L>
inline L elish_grad(L x, const double*) {
  if (isinf(x)) return x > 0 ? 1.0L : 0.0L;
  return x >= 0 ? sig(x) + x * dsig(x) : exp(x) * sig(x) + expm1(x) * dsig(x);
}
template <class L>
inline L ftswish(L x, const double* p) { return x < 0 ? L(p[0]) : times(x, sig(x), 0, x) + p[0]; }
template <class L>
inline L ftswish_grad(L x, const double*) {
  if (isinf(x)) return x > 0 ? 1.0L : 0.0L;
  return isnan(x) ? x : x < 0 ? 0.0L : sig(x) + x * dsig(x);
}
template <class L>
inline L bipolar_sigmoid(L x, const double*) { return tanh(x / 2); }
template <class L>
inline L bipolar_sigmoid_grad(L x, const double*) { return isnan(x) ? x : 2 * dsig(x); }
// ftswish's t is added to every positive result: the tests measure against |t|.
inline long double floor_param0(long double, const double* p) { return std::fabs(p[0]); }
inline long double sigmoid_dfy(long double y, const double*) { return y * (1 - y); }
}  // namespace actfn::ref

// ---- the registry's entries and the tests' bounds ----
namespace actfn::spec {
inline constexpr Param kSwishParams[] = {{"beta", 1, 0, kMax, "slope inside the sigmoid"}};
inline constexpr Param kFtswishParams[] = {{"t", -0.2, -kMax, kMax, "the value for x < 0 (mlpack's T)"}};
inline constexpr Spec sigmoid{
    .summary = "logistic sigmoid: squashes to (0, 1)",
    .formula = "y = 1 / (1 + exp(-x))",
    .derivative = "f'(x) = y * (1 - y)",
    .saved = kX | kY,
    .bounds = {1, 2, 1, 1},
    .fast = {3, 2},
    .dfy = ref::sigmoid_dfy};
inline constexpr Spec logsigmoid{
    .summary = "log of the sigmoid, stable for large |x|",
    .formula = "y = -softplus(-x) = min(x, 0) - log1p(exp(-|x|))",
    .derivative = "f'(x) = 1 - sigmoid(x)",
    .bounds = {1, 2, 1, 2}};
inline constexpr Spec hardsigmoid{
    .summary = "piecewise-linear sigmoid (PyTorch's: relu6(x + 3) / 6)",
    .formula = "y = min(max(0, x + 3), 6) / 6",
    .derivative = "f'(x) = -3 < x < 3 ? 1/6 : 0",
    .bounds = {1, 1, 1, 1}};
inline constexpr Spec silu{
    .summary = "sigmoid linear unit (swish with beta = 1)",
    .formula = "y = x * sigmoid(x)",
    .derivative = "f'(x) = s * (1 + x * (1 - s)), s = sigmoid(x)",
    .bounds = {1, 3, 1, 3},
    .fast = {4, 3}};
inline constexpr Spec swish{
    .params = kSwishParams,
    .summary = "swish with a slope beta",
    .formula = "y = x * sigmoid(beta * x)",
    .derivative = "f'(x) = s + beta * x * s * (1 - s), s = sigmoid(beta * x)",
    .bounds = {1, 3, 1, 3},
    .fast = {4, 3}};
inline constexpr Spec hardswish{
    .summary = "piecewise swish (MobileNetV3)",
    .formula = "y = x * min(max(0, x + 3), 6) / 6",
    .derivative = "f'(x) = x < -3 ? 0 : x <= 3 ? (2x + 3) / 6 : 1",
    .bounds = {1, 1, 1, 2}};
inline constexpr Spec mish{
    .summary = "mish (Misra 2019)",
    .formula = "y = x * tanh(softplus(x))",
    .derivative = "f'(x) = t + x * (1 - t^2) * sigmoid(x), t = tanh(softplus(x))",
    .bounds = {1, 3, 1, 3}};
inline constexpr Spec sparse_sigmoid{
    .summary = "sparse sigmoid (JAX)",
    .formula = "y = min(max((x + 1) / 2, 0), 1)",
    .derivative = "f'(x) = -1 < x < 1 ? 1/2 : 0",
    .bounds = {0, 0, 0, 0}};
inline constexpr Spec elish{
    .summary = "exponential linear squashing (mlpack)",
    .formula = "y = x >= 0 ? x * sigmoid(x) : (exp(x) - 1) * sigmoid(x)",
    .derivative = "f'(x) = x >= 0 ? s + x s (1 - s) : exp(x) s + (exp(x) - 1) s (1 - s)",
    .bounds = {1, 2, 1, 3}};
inline constexpr Spec ftswish{
    .params = kFtswishParams,
    .summary = "flatten-T swish (mlpack)",
    .formula = "y = x >= 0 ? x * sigmoid(x) + t : t",
    .derivative = "f'(x) = x >= 0 ? s + x * s * (1 - s) : 0",
    .bounds = {1, 4, 1, 3, ref::floor_param0}};
inline constexpr Spec bipolar_sigmoid{
    .summary = "bipolar sigmoid (mlpack): tanh(x / 2)",
    .formula = "y = (1 - exp(-x)) / (1 + exp(-x))",
    .derivative = "f'(x) = (1 - y^2) / 2",
    .bounds = {1, 3, 1, 2}};
}  // namespace actfn::spec
#endif

// ---- vector kernels ----
#if !defined(ACTFN_REFERENCE_ONLY) && \
    (defined(ACTFN_KERNELS_SIGMOID_INL_H_) == defined(HWY_TARGET_TOGGLE))
#ifdef ACTFN_KERNELS_SIGMOID_INL_H_
#undef ACTFN_KERNELS_SIGMOID_INL_H_
#else
#define ACTFN_KERNELS_SIGMOID_INL_H_
#endif

#include "fast-inl.h"
#include "hwy/highway.h"
#include "map-inl.h"
#include "math-inl.h"

HWY_BEFORE_NAMESPACE();
namespace actfn::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// s = sigmoid(x), ds = s (1 - s), and e = exp(-|x|), all accurate in both tails.
// f64 lanes also give s_lo, the low part of s as a double-word (s + s_lo, relative error
// ~2^-58), so that x * s rounds once: fma(x, s, x s_lo). Elsewhere s_lo = 0.
// f32 lanes also give s = (su + su_lo) sc1 sc2 unscaled (su normal, sc1 and sc2 powers of
// two), so that a product x s in the subnormals rounds once: ((x su) sc1) sc2.
template <class V>
struct Logistic {
  V e, s, ds, s_lo;
  V su, su_lo, sc1, sc2;
};
// x may carry a low part (x + lo, |lo| <= ulp(x)/2), as a product b * x from TwoProducts: the
// exponent then loses nothing to the rounding of b * x (|b x| eps relative, 100 ULP at 100).
// f64: e = exp(-|x|) as a double-word (ExpDW), 1 + e and the quotients in double-word
// arithmetic, each result rounded once: sigmoid within 0.52 ULP, s (1 - s) = e / (1 + e)^2
// likewise.
template <class D, class V>
HWY_INLINE Logistic<V> LogisticOf(D d, V x, V lo) {
  const V one = hn::Set(d, 1);
  if constexpr (kDoubleWord<D>) {
    const V z = hn::Neg(hn::Abs(x));
    V el;
    V eh = ExpDW(d, hn::Max(z, Const(d, -746)), el);
    const auto under = hn::Lt(z, Const(d, -745.2));
    eh = hn::IfThenZeroElse(under, eh);
    el = hn::IfThenZeroElse(under, el);
    el = hn::NegMulAdd(eh, MulSign(d, lo, x), el);  // exp(-|x + lo|) = e (1 - sign(x) lo)
    V te;
    const V th = TwoSums(one, eh, te);
    const V tl = hn::Add(te, el);
    const auto pos = hn::Gt(x, hn::Zero(d));
    V sl;
    const V sh = DivDW(d, hn::IfThenElse(pos, one, eh), hn::IfThenZeroElse(pos, el), th, tl, sl);
    // (1 + e)^2 = th^2 + 2 th tl, as a double-word.
    V qe;
    const V qh = TwoProducts(d, th, th, qe);
    V dl;
    const V dh = DivDW(d, eh, el, qh, hn::MulAdd(hn::Add(th, th), tl, qe), dl);
    const auto nan = hn::IsNaN(x);
    const V s = hn::IfThenElse(nan, x, sh), s_lo = hn::IfThenZeroElse(nan, sl);
    return {hn::IfThenElse(nan, x, eh), s, hn::IfThenElse(nan, x, dh), s_lo, s, s_lo, one, one};
  } else if constexpr (kNativeF32<D>) {
    // f32 lanes, all in f32: e = exp(-|x|) = (eh + el) 2^k (ExpScaledF32, 2^-27), 1 + e and
    // q = 1 / (1 + e) as double-words; x > 0: s = q, else s = e q scaled last. Each result
    // is rounded once from a value within ~2^-26 (sigmoid <= 0.6 ULP, s (1 - s) <= 1.1).
    // Below -120 e is clamped (and lo dropped): s, and x s for |x| up to FLT_MAX, round to
    // 0 long before (sigmoid(-103.98) = 2^-150, silu(-108.7) = -2^-150).
    const V z0 = hn::Neg(hn::Abs(x));
    const V z = hn::Max(z0, Const(d, -120));  // NaN: fixed below
    V l, k;
    const V h = ExpScaledF32(d, z, l, k);
    const V eh = hn::Add(h, l);
    V el = hn::Add(hn::Sub(h, eh), l);
    // exp(-|x + lo|) = e (1 - sign(x) lo)
    el = hn::NegMulAdd(eh, MulSign(d, hn::IfThenElseZero(hn::Ge(z0, z), lo), x), el);
    // 2^k = sc1 sc2, both normal (k >= -174); their product is exact down to 2^-126, and
    // below that e < 2^-126 leaves 1 + e = 1 whatever its rounding.
    const V k1 = hn::Max(k, Const(d, -120));
    const V sc1 = Pow2(d, k1), sc2 = Pow2(d, hn::Sub(k, k1));
    const V sc = hn::Mul(sc1, sc2);
    const V es = hn::Mul(eh, sc);
    const V th = hn::Add(one, es);
    const V tl = hn::MulAdd(el, sc, hn::Add(hn::Sub(one, th), es));
    const V qh = hn::Div(one, th);
    const V ql = hn::Mul(qh, hn::NegMulAdd(qh, tl, hn::NegMulAdd(qh, th, one)));
    // e q = nu + nl, unscaled.
    const V t = hn::MulAdd(el, qh, hn::Mul(eh, ql));
    const V nu = hn::MulAdd(eh, qh, t);
    const V nl = hn::Add(hn::MulSub(eh, qh, nu), t);
    const auto pos = hn::Gt(x, hn::Zero(d));
    const V ph = hn::Add(qh, ql);
    const V pl = hn::Sub(ql, hn::Sub(ph, qh));
    const V one_v = hn::Set(d, 1);
    const V su = hn::IfThenElse(pos, ph, nu), su_lo = hn::IfThenElse(pos, pl, nl);
    const V c1 = hn::IfThenElse(pos, one_v, sc1), c2 = hn::IfThenElse(pos, one_v, sc2);
    const V s = hn::Mul(hn::Mul(su, c1), c2);
    // s (1 - s) = e q^2 = (nu + nl)(qh + ql), scaled.
    const V du = hn::MulAdd(nu, qh, hn::MulAdd(nu, ql, hn::Mul(nl, qh)));
    const V ds = hn::Mul(hn::Mul(du, sc1), sc2);
    const V e = hn::Mul(hn::Mul(eh, sc1), sc2);
    const auto nan = hn::IsNaN(x);
    return {hn::IfThenElse(nan, x, e), hn::IfThenElse(nan, x, s), hn::IfThenElse(nan, x, ds),
            hn::IfThenZeroElse(nan, hn::Mul(hn::Mul(su_lo, c1), c2)),
            hn::IfThenElse(nan, x, su), hn::IfThenZeroElse(nan, su_lo), c1, c2};
  } else {
    V e = ExpNaN(d, hn::Neg(hn::Abs(x)));  // NaN stays NaN
    e = hn::NegMulAdd(e, MulSign(d, lo, x), e);
    const V t = hn::Add(one, e);
    const V s = hn::Div(hn::IfThenElse(hn::Gt(x, hn::Zero(d)), one, e), t);
    return {e, s, hn::Div(e, hn::Mul(t, t)), hn::Zero(d), s, hn::Zero(d), one, one};
  }
}
template <class D, class V>
HWY_INLINE Logistic<V> LogisticOf(D d, V x) {
  return LogisticOf(d, x, hn::Zero(d));
}
// sigmoid of (b + b_lo) * x, with the product kept exact (b_lo: the part of a decimal
// constant such as 1.702 that the dtype cannot hold).
template <class D, class V>
HWY_INLINE Logistic<V> LogisticOfProduct(D d, V b, V x, V b_lo) {
  V lo;
  const V z = TwoProducts(d, b, x, lo);
  return LogisticOf(d, z, hn::IfThenElseZero(hn::IsFinite(z), hn::MulAdd(b_lo, x, lo)));
}
template <class D, class V>
HWY_INLINE Logistic<V> LogisticOfProduct(D d, V b, V x) {
  return LogisticOfProduct(d, b, x, hn::Zero(d));
}

// The fast tier's x s(z) for z = b x + lo (b x exactly; silu: b = 1, lo = 0), and s(z) where
// x is null: (z > 0 ? x : x e) / (1 + e), e = exp(-|z|) (exp(-|z + lo|) = e (1 - sign(z) lo)).
// |z| beyond ExpCoreMin (e subnormal or below), NaN and infinities are k's exact lanes.
template <bool kTimesX, bool kLo, class K, class D, class V>
HWY_INLINE V SwishFast(const K& k, D d, V x, V z, V lo) {
  const V a = hn::Or(z, hn::SignBit(d));  // -|z|
  const auto ok = hn::Ge(a, ExpCoreMin(d));
  V e = ExpFast(d, a);  // lanes below ExpCoreMin: garbage, replaced by exact's below
  if constexpr (kLo) e = hn::NegMulAdd(e, MulSign(d, lo, z), e);
  const V one = hn::Set(d, 1);
  const auto pos = hn::Gt(z, hn::Zero(d));
  const V num = kTimesX ? hn::IfThenElse(pos, x, hn::Mul(x, e)) : hn::IfThenElse(pos, one, e);
  return FastOr(k, d, ok, x, hn::Div(num, hn::Add(one, e)));
}

struct Sigmoid : Kernel {
  static constexpr bool kBackwardY = true;
  static constexpr bool kFast = true;
  // f32 native where the target has FMA (LogisticOf's f32 branch: all-f32 double-word steps
  // keep it within 1 ULP); via f64 elsewhere.
  static constexpr bool kF32ViaF64 = !kFma;
  using Kernel::Kernel;
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const { return LogisticOf(d, x).s; }
  template <class D, class V>
  HWY_INLINE V ForwardFast(D d, V x) const {
    return SwishFast<false, false>(*this, d, x, x, hn::Zero(d));
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const { return hn::Mul(dy, LogisticOf(d, x).ds); }
  template <class D, class V>
  HWY_INLINE V BackwardY(D d, V dy, V y) const {
    return hn::Mul(dy, hn::Mul(y, hn::Sub(hn::Set(d, 1), y)));
  }
};

// log1p(exp(z + lo)) = max(z, 0) + lo' + log1p(exp(-|z + lo|)), z + lo = beta x exactly.
// f64 lanes: as a double-word (hi + out_lo), from the double-word exp and log1p.
template <class D, class V>
HWY_INLINE V SoftplusOf(D d, V z, V lo, V& out_lo) {
  const auto pos = hn::Gt(z, hn::Zero(d));
  if constexpr (kDoubleWord<D> || kNativeF32<D>) {
    // f32 lanes (FMA): the same steps with ExpParts' and Log1pF32's f32 double-words.
    V el;
    V e = ExpParts(d, hn::Neg(hn::Abs(z)), el);
    el = hn::NegMulAdd(e, MulSign(d, lo, z), el);
    const V a = hn::IfThenElseZero(hn::IsFinite(z), e), al = hn::IfThenElseZero(hn::IsFinite(z), el);
    V ll, l;
    if constexpr (kDoubleWord<D>) {
      l = Log1pDW(d, a, al, ll);
    } else {
      l = Log1pF32(d, a, al, ll);
    }
    V s0e;
    const V s0 = TwoSums(hn::IfThenElseZero(pos, z), l, s0e);
    V h = FastTwoSums(s0, hn::Add(hn::Add(s0e, ll), hn::IfThenElseZero(pos, lo)), out_lo);
    // z = -inf gives 0 (e = 0), +inf inf, NaN NaN.
    h = hn::IfThenElse(hn::Eq(z, hn::Inf(d)), z, h);
    out_lo = hn::IfThenZeroElse(hn::Or(hn::IsNaN(z), hn::IsInf(z)), out_lo);
    return hn::IfThenElse(hn::IsNaN(z), z, h);
  } else {
    const V m = hn::IfThenElse(pos, hn::Add(z, lo), hn::Zero(d));
    V e = ExpNaN(d, hn::Neg(hn::Abs(z)));
    e = hn::NegMulAdd(e, MulSign(d, lo, z), e);
    out_lo = hn::Zero(d);
    return hn::Add(m, Log1pNaN(d, e));
  }
}
template <class D, class V>
HWY_INLINE V SoftplusOf(D d, V z, V lo) {
  V out_lo;
  return SoftplusOf(d, z, lo, out_lo);
}

struct Logsigmoid : Kernel {
  static constexpr bool kF32ViaF64 = !kFma;  // f32 native with FMA: SoftplusOf's f32 steps
  using Kernel::Kernel;
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    // -softplus(-x), the double-word one rounded once on f64 lanes.
    return hn::Neg(SoftplusOf(d, hn::Neg(x), hn::Zero(d)));
  }
  // f' = 1 - s = sigmoid(-x) = (x > 0 ? e : 1) / (1 + e).
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    return hn::Mul(dy, LogisticOf(d, hn::Neg(x)).s);
  }
};

struct Hardsigmoid : Kernel {
  using Kernel::Kernel;
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    const V three = Const(d, 3);
    V e, lo;
    const V s = TwoSums(x, three, e);  // (x + 3) / 6 rounded once
    const V mid = DivDW(d, s, e, Const(d, 6), hn::Zero(d), lo);
    return hn::IfThenElse(hn::Le(x, hn::Neg(three)), hn::Zero(d),
                          hn::IfThenElse(hn::Ge(x, three), hn::Set(d, 1), mid));
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    const V three = Const(d, 3);
    const auto inside = hn::And(hn::Gt(x, hn::Neg(three)), hn::Lt(x, three));
    return Chain(d, dy, x, hn::IfThenElseZero(inside, Const(d, 1.0 / 6)));
  }
};

// x s(z + lo), rounded once (z + lo a double-word: swish's b x, gelu's 2u).
template <class D, class V>
HWY_INLINE V TimesLogistic(D d, V x, V z, V lo) {
  const auto l = LogisticOf(d, z, lo);
  if constexpr (kNativeF32<D>) {
    // x (su + su_lo) rounded once, then scaled (one more rounding only in the subnormals).
    const V y = hn::Mul(hn::Mul(TimesDW(d, x, l.su, l.su_lo), l.sc1), l.sc2);
    return hn::IfThenElse(hn::Lt(z, Const(d, -120)), hn::Mul(x, hn::Zero(d)), y);  // e clamped
  } else {
    const V y = hn::MulAdd(x, l.s, hn::Mul(x, l.s_lo));  // x (s + s_lo), rounded once
    return TimesTinyExp(d, x, z, lo, y);                 // s(z) = exp(z) there
  }
}

// x * s(b x) and its derivative s + b x s (1 - s), with the limits at +-inf (b >= 0).
template <class D, class V>
HWY_INLINE V SwishOf(D d, V x, V b, V b_lo) {
  V lo;
  const V z = TwoProducts(d, b, x, lo);
  lo = hn::IfThenElseZero(hn::IsFinite(z), hn::MulAdd(b_lo, x, lo));
  V y = TimesLogistic(d, x, z, lo);
  // x s has the sign of x (s > 0): a product that rounds to zero keeps it, whatever the sign
  // of s's low part (silu(-5e-324) was +0.0 on the targets without FMA).
  y = hn::CopySign(y, x);
  const V at_neg = hn::IfThenElse(hn::Gt(b, hn::Zero(d)), hn::Zero(d), x);
  return AtInf(d, x, y, at_neg, x);
}
template <class D, class V>
HWY_INLINE V SwishGrad(D d, V dy, V x, V b, V b_lo) {
  const auto l = LogisticOfProduct(d, b, x, b_lo);
  // Where s (1 - s) underflows to 0 the term's limit is 0, even if b x overflowed.
  const V t = hn::IfThenElseZero(hn::Gt(l.ds, hn::Zero(d)), hn::Mul(hn::Mul(b, x), l.ds));
  const auto pos = hn::Gt(b, hn::Zero(d));
  if constexpr (kNativeF32<D>) {
    // dy (s + s_lo + t) with one rounding for the sum and product (f32: 1 ULP, not 1.8).
    const V dx = hn::MulAdd(dy, l.s, hn::Mul(dy, hn::Add(l.s_lo, t)));
    return AtInf(d, x, dx, hn::IfThenElse(pos, hn::Mul(dy, hn::Zero(d)), dx),
                 hn::IfThenElse(pos, dy, dx));
  }
  V fp = hn::Add(l.s, t);
  fp = AtInf(d, x, fp, hn::IfThenElse(pos, hn::Zero(d), fp), hn::IfThenElse(pos, hn::Set(d, 1), fp));
  return hn::Mul(dy, fp);
}
template <class D, class V>
HWY_INLINE V SwishOf(D d, V x, V b) {
  return SwishOf(d, x, b, hn::Zero(d));
}
template <class D, class V>
HWY_INLINE V SwishGrad(D d, V dy, V x, V b) {
  return SwishGrad(d, dy, x, b, hn::Zero(d));
}

struct Silu : Kernel {
  static constexpr bool kF32ViaF64 = !kFma;  // f32 native with FMA: LogisticOf's f32 branch
  static constexpr bool kFast = true;
  using Kernel::Kernel;
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const { return SwishOf(d, x, hn::Set(d, 1)); }
  template <class D, class V>
  HWY_INLINE V ForwardFast(D d, V x) const {
    return SwishFast<true, false>(*this, d, x, x, hn::Zero(d));
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const { return SwishGrad(d, dy, x, hn::Set(d, 1)); }
};

struct Swish : Kernel {
  static constexpr std::size_t kBeta = spec::swish.param("beta");
  static constexpr bool kF32ViaF64 = !kFma;  // f32 native with FMA: LogisticOf's f32 branch
  static constexpr bool kFast = true;
  using Kernel::Kernel;
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const { return SwishOf(d, x, P(d, kBeta), PLo(d, kBeta)); }
  template <class D, class V>
  HWY_INLINE V ForwardFast(D d, V x) const {
    V lo;
    const V z = TwoProducts(d, P(d, kBeta), x, lo);
    lo = hn::MulAdd(PLo(d, kBeta), x, lo);
    return SwishFast<true, true>(*this, d, x, z, lo);
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    return SwishGrad(d, dy, x, P(d, kBeta), PLo(d, kBeta));
  }
};

// f32 stays in f64 lanes, where it is correctly rounded: x (x + 3) has at most ~50 bits, so
// x (x + 3) / 6 is either an f32 midpoint or 2^-52.6 (relative) away from one, which f64's
// rounding (2^-53) cannot cross. The same steps in f32 double-words (2^-48) measured 0.5001
// ULP (2026-12): 2.5x faster, not correctly rounded.
struct Hardswish : Kernel {
  using Kernel::Kernel;
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    const V three = Const(d, 3);
    V e, pl, lo;  // x (x + 3) / 6 rounded once
    const V s = TwoSums(x, three, e);
    const V p = TwoProducts(d, x, s, pl);
    const V mid = DivDW(d, p, hn::MulAdd(x, e, pl), Const(d, 6), hn::Zero(d), lo);
    return hn::IfThenElse(hn::Le(x, hn::Neg(three)), hn::Zero(d),
                          hn::IfThenElse(hn::Ge(x, three), x, mid));
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    const V three = Const(d, 3);
    const V mid = hn::Div(hn::MulAdd(Const(d, 2), x, three), Const(d, 6));
    const V fp = hn::IfThenElse(hn::Lt(x, hn::Neg(three)), hn::Zero(d),
                                hn::IfThenElse(hn::Gt(x, three), hn::Set(d, 1), mid));
    return hn::Mul(dy, fp);
  }
};

// mish: with e = exp(-|x|), tanh(softplus(x)) = (1 + 2e) / (1 + 2e + 2e^2) for x > 0 and
// e (e + 2) / (e (e + 2) + 2) otherwise; 1 - t is formed directly, without cancellation.
template <class D, class V>
HWY_INLINE void MishParts(D d, V x, V e, V& t, V& one_minus_t) {
  const V one = hn::Set(d, 1), two = Const(d, 2);
  const auto pos = hn::Gt(x, hn::Zero(d));
  const V p_num = hn::MulAdd(two, e, one);                       // 1 + 2e
  const V p_den = hn::MulAdd(hn::Mul(two, e), e, p_num);         // 1 + 2e + 2e^2
  const V n_num = hn::Mul(e, hn::Add(e, two));                   // e (e + 2)
  const V n_den = hn::Add(n_num, two);
  t = hn::Div(hn::IfThenElse(pos, p_num, n_num), hn::IfThenElse(pos, p_den, n_den));
  one_minus_t = hn::Div(hn::IfThenElse(pos, hn::Mul(hn::Mul(two, e), e), two),
                        hn::IfThenElse(pos, p_den, n_den));
}

// f32 lanes (FMA targets), all in f32: mish(x) = x t with e = exp(-|x|) = (eh + el) 2^k
// (ExpScaledF32, ~2^-27), t as a double-word quotient: x > 0: (1 + 2e) / (1 + 2e + 2e^2);
// x <= 0: (eh + el)(e + 2) / (e (e + 2) + 2) 2^k, the scale applied after x t is rounded
// (once more only in the subnormals, as silu: mish(-100) = -3.7e-42). Below -120 e is 0.
template <class D, class V>
HWY_INLINE V MishF32(D d, V x) {
  const V one = hn::Set(d, 1), two = Const(d, 2);
  const V z = hn::Max(hn::Neg(hn::Abs(x)), Const(d, -120));
  V l, k;
  const V h = ExpScaledF32(d, z, l, k);
  const V eh = hn::Add(h, l);
  const V el = hn::Add(hn::Sub(h, eh), l);
  const V k1 = hn::Max(k, Const(d, -120));
  const V sc1 = Pow2(d, k1), sc2 = Pow2(d, hn::Sub(k, k1));
  const V sc = hn::Mul(sc1, sc2);
  const V es = hn::Mul(eh, sc), esl = hn::Mul(el, sc);  // e, scaled (absolute error ~2^-150)
  // x > 0: n = 1 + 2e, den = n + 2e^2.
  V a0, ql;
  const V n1 = TwoSums(one, hn::Add(es, es), a0);
  const V n1l = hn::MulAdd(two, esl, a0);
  const V q = TwoProducts(d, es, es, ql);
  ql = hn::MulAdd(hn::Add(es, es), esl, ql);
  V b0;
  const V d1 = TwoSums(n1, hn::Add(q, q), b0);
  const V d1l = hn::Add(b0, hn::MulAdd(two, ql, n1l));
  // x <= 0: n = (eh + el)(e + 2), unscaled; den = n 2^k + 2.
  V a1, pl;
  const V ah = FastTwoSums(two, es, a1);
  const V al = hn::Add(a1, esl);
  const V p = TwoProducts(d, eh, ah, pl);
  pl = hn::MulAdd(eh, al, hn::MulAdd(el, ah, pl));
  V b1;
  const V d2 = TwoSums(two, hn::Mul(p, sc), b1);  // n 2^k <= 3
  const V d2l = hn::MulAdd(pl, sc, b1);
  const auto pos = hn::Gt(x, hn::Zero(d));
  V tl;
  const V th = DivDW(d, hn::IfThenElse(pos, n1, p), hn::IfThenElse(pos, n1l, pl),
                     hn::IfThenElse(pos, d1, d2), hn::IfThenElse(pos, d1l, d2l), tl);
  const V c1 = hn::IfThenElse(pos, one, sc1), c2 = hn::IfThenElse(pos, one, sc2);
  V y = hn::Mul(hn::Mul(TimesDW(d, x, th, tl), c1), c2);
  y = hn::IfThenElse(hn::Lt(x, Const(d, -120)), hn::Mul(x, hn::Zero(d)), y);
  y = hn::CopySign(y, x);  // a product rounded to 0 keeps x's sign
  return hn::IfThenElse(hn::IsNaN(x), x, y);
}

struct Mish : Kernel {
  // f32 native forward where the target has FMA (MishF32); backward via f64 lanes.
  static constexpr bool kF32ViaF64 = !kFma;
  static constexpr bool kGradF32ViaF64 = true;
  using Kernel::Kernel;
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    if constexpr (kNativeF32<D>) return AtInf(d, x, MishF32(d, x), hn::Zero(d), x);
    V t, omt;
    MishParts(d, x, ExpNaN(d, hn::Neg(hn::Abs(x))), t, omt);
    V y = hn::Mul(x, t);
    if constexpr (kDoubleWord<D>) {
      // t = tanh(softplus(x)) as a double-word rational function of e = exp(-|x|):
      // x > 0: (1 + 2e) / (1 + 2e + 2e^2), else e (e + 2) / (e (e + 2) + 2).
      V el;
      const V e = ExpParts(d, hn::Neg(hn::Abs(x)), el);
      V ql, a0, a1;
      const V q = TwoProducts(d, e, e, ql);
      ql = hn::MulAdd(hn::Add(e, e), el, ql);                         // e^2
      const V p1 = TwoSums(hn::Set(d, 1), hn::Add(e, e), a0);           // 1 + 2e
      const V p1l = hn::MulAdd(Const(d, 2), el, a0);
      const V n1 = TwoSums(q, hn::Add(e, e), a1);                       // e^2 + 2e
      const V n1l = hn::Add(a1, hn::MulAdd(Const(d, 2), el, ql));
      const auto pos = hn::Gt(x, hn::Zero(d));
      const V nh = hn::IfThenElse(pos, p1, n1), nl = hn::IfThenElse(pos, p1l, n1l);
      V b0;
      const V dh = TwoSums(nh, hn::IfThenElse(pos, hn::Add(q, q), Const(d, 2)), b0);
      const V dl = hn::Add(b0, hn::Add(nl, hn::IfThenElseZero(pos, hn::Add(ql, ql))));
      V tl;
      const V th = DivDW(d, nh, nl, dh, dl, tl);
      y = hn::IfThenElse(hn::IsNaN(x), x, hn::MulAdd(x, th, hn::Mul(x, tl)));
    }
    y = TimesTinyExp(d, x, x, hn::Zero(d), y);  // t = e^x there
    return AtInf(d, x, y, hn::Zero(d), x);
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    const auto l = LogisticOf(d, x);
    V t, omt;
    MishParts(d, x, l.e, t, omt);
    const V one_minus_t2 = hn::Mul(omt, hn::Add(hn::Set(d, 1), t));
    const V fp = hn::MulAdd(hn::Mul(x, one_minus_t2), l.s, t);
    return hn::Mul(dy, AtInf(d, x, fp, hn::Zero(d), hn::Set(d, 1)));
  }
};

struct SparseSigmoid : Kernel {
  using Kernel::Kernel;
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    const V one = hn::Set(d, 1);
    const V mid = hn::Mul(hn::Add(x, one), Const(d, 0.5));
    return hn::IfThenElse(hn::Le(x, hn::Neg(one)), hn::Zero(d),
                          hn::IfThenElse(hn::Ge(x, one), one, mid));
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    const V one = hn::Set(d, 1);
    const auto inside = hn::And(hn::Gt(x, hn::Neg(one)), hn::Lt(x, one));
    return Chain(d, dy, x, hn::IfThenElseZero(inside, Const(d, 0.5)));
  }
};

struct Elish : Kernel {
  using Kernel::Kernel;
  template <class D, class V>
  // a = (x < 0 ? expm1(x) : x) and s = sigmoid(x) as double-words (Expm1Parts, LogisticOf's
  // s_lo; both lo = 0 where the lanes have none), their product rounded once (1.92 ULP in
  // float64 from two rounded factors).
  HWY_INLINE V Forward(D d, V x) const {
    const auto l = LogisticOf(d, x);
    const auto neg = hn::Lt(x, hn::Zero(d));
    V al;
    const V em1 = Expm1Parts(d, hn::IfThenElseZero(neg, x), al);
    const V a = hn::IfThenElse(neg, em1, x);
    al = hn::IfThenElseZero(neg, al);
    V pe;
    const V p = TwoProducts(d, a, l.s, pe);
    const V y = hn::IfThenElse(hn::IsFinite(p), hn::Add(p, hn::Add(pe, hn::MulAdd(a, l.s_lo, hn::Mul(al, l.s)))), p);
    return AtInf(d, x, hn::CopySign(y, x), hn::Neg(hn::Zero(d)), x);
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    const auto l = LogisticOf(d, x);
    const auto neg = hn::Lt(x, hn::Zero(d));
    const V pos_fp = hn::MulAdd(x, l.ds, l.s);
    const V em1 = Expm1NaN(d, hn::IfThenElseZero(neg, x));
    const V neg_fp = hn::MulAdd(em1, l.ds, hn::Mul(l.e, l.s));  // e^x = e for x < 0
    const V fp = hn::IfThenElse(neg, neg_fp, pos_fp);
    return hn::Mul(dy, AtInf(d, x, fp, hn::Zero(d), hn::Set(d, 1)));
  }
};

struct Ftswish : Kernel {
  static constexpr std::size_t kT = spec::ftswish.param("t");
  using Kernel::Kernel;
  template <class D, class V>
  // x >= 0: x s + T with x s = x (s + s_lo) as a double-word and its sum with T rounded once
  // (1.50 ULP from the rounded product); SwishOf where that is not finite.
  HWY_INLINE V Forward(D d, V x) const {
    const V t = P(d, kT);
    const auto l = LogisticOf(d, x);
    V pe, se;
    const V p = TwoProducts(d, x, l.s, pe);
    const V sum = TwoSums(p, t, se);
    const V dw = hn::Add(sum, hn::Add(se, hn::MulAdd(x, l.s_lo, pe)));
    const V pos = hn::IfThenElse(hn::IsFinite(dw), dw, hn::Add(SwishOf(d, x, hn::Set(d, 1)), t));
    return hn::IfThenElse(hn::Lt(x, hn::Zero(d)), t, pos);
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    const V g = SwishGrad(d, dy, x, hn::Set(d, 1));
    return hn::IfThenElse(hn::Lt(x, hn::Zero(d)), hn::Mul(dy, hn::Zero(d)), g);
  }
};

struct BipolarSigmoid : Kernel {
  using Kernel::Kernel;
  // tanh(x / 2) (x / 2 is exact but below the normals, where x itself is the answer
  // rounded: tanh(t) = t there).
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    const V y = TanhNaN(d, hn::Mul(x, Const(d, 0.5)));
    const V tiny = Const(d, sizeof(hn::TFromD<D>) == 4 ? 0x1p-120 : 0x1p-1000);
    return hn::IfThenElse(hn::Lt(hn::Abs(x), tiny), hn::Mul(x, Const(d, 0.5)), y);
  }
  // f' = (1 - y^2) / 2 = 2 e / (1 + e)^2.
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    const V ds = LogisticOf(d, x).ds;
    return hn::Mul(dy, hn::Add(ds, ds));
  }
};

}  // namespace actfn::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // vector kernels
