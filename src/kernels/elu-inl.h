// Exponential-linear family.
//
//   elu(x; alpha)   = x > 0 ? x : alpha expm1(x)              f' = x > 0 ? 1 : alpha e^x
//   selu(x)         = scale elu(x; alpha_selu), scale = 1.0507009873554804934193349852946,
//                     alpha_selu = 1.6732632423543772848170429916717 (Klambauer et al. 2017)
//   celu(x; alpha)  = x > 0 ? x : alpha expm1(x / alpha)      f' = x > 0 ? 1 : e^(x/alpha)
//   xielu(x; alpha_p, alpha_n, beta, eps), as ggml: x > 0 ? alpha_p x^2 + beta x
//                     : alpha_n (expm1(min(x, eps)) - x) + beta x
//   isru(x; alpha)  = x / sqrt(1 + alpha x^2)                  f' = (1 + alpha x^2)^(-3/2)
//   isrlu(x; alpha) = x >= 0 ? x : isru(x; alpha)             (mlpack; alpha = 0.1)
//
// expm1 is hn::Expm1 (4 ULP), so small negative x keeps its relative precision.

// ---- scalar reference ----
#ifndef ACTFN_KERNELS_ELU_REF_
#define ACTFN_KERNELS_ELU_REF_
#include <cmath>
#include "kernels/ref-common.h"
#include "kernels/spec.h"
namespace actfn::ref {
constexpr long double kSeluScale = 1.0507009873554804934193349852946L;
constexpr long double kSeluAlpha = 1.6732632423543772848170429916717L;
template <class L>
inline L elu(L x, const double* p) { return x > 0 ? x : p[0] * expm1(x); }
template <class L>
inline L elu_grad(L x, const double* p) { return isnan(x) ? x : x > 0 ? 1.0L : p[0] * exp(x); }
template <class L>
inline L selu(L x, const double*) { return kSeluScale * (x > 0 ? x : kSeluAlpha * expm1(x)); }
template <class L>
inline L selu_grad(L x, const double*) {
  return isnan(x) ? x : x > 0 ? kSeluScale : kSeluScale * kSeluAlpha * exp(x);
}
template <class L>
inline L celu(L x, const double* p) { return x > 0 ? x : p[0] * expm1(x / p[0]); }
template <class L>
inline L celu_grad(L x, const double* p) { return isnan(x) ? x : x > 0 ? 1.0L : exp(x / p[0]); }
template <class L>
inline L xielu(L x, const double* p) {
  if (x > 0 && isinf(x)) return p[0] > 0 ? x : p[2] == 0 ? 0.0L : copysign(x, L(p[2]));
  if (x > 0) return p[0] * x * x + p[2] * x;
  if (isinf(x)) return p[1] > p[2] ? -x : p[1] < p[2] ? x : p[1] * expm1(L(p[3]));
  // Below -1 as x (beta - alpha_n) + alpha_n expm1(x): the textbook order cancels even in
  // long double for huge |x| (the fuzzer found -1000 read as 0).
  if (x < -1 && x < p[3]) return x * (L(p[2]) - L(p[1])) + p[1] * expm1(x);
  return p[1] * (expm1(x < p[3] ? x : L(p[3])) - x) + p[2] * x;
}
template <class L>
inline L xielu_grad(L x, const double* p) {
  if (isnan(x)) return x;
  if (x > 0) return p[0] == 0 ? L(p[2]) : 2 * p[0] * x + p[2];
  return p[1] * ((x < p[3] ? exp(x) : 0.0L) - 1) + p[2];
}
template <class L>
inline L isru(L x, const double* p) {
  if (isinf(x)) return p[0] > 0 ? copysign(1 / sqrt(L(p[0])), x) : x;
  return x / sqrt(1 + p[0] * x * x);
}
template <class L>
inline L isru_grad(L x, const double* p) {
  const L r = sqrt(1 + p[0] * x * x);
  return isnan(x) ? x : 1 / (r * r * r);
}
template <class L>
inline L isrlu(L x, const double* p) { return x >= 0 ? x : isru(x, p); }
template <class L>
inline L isrlu_grad(L x, const double* p) { return x >= 0 ? 1.0L : isru_grad(x, p); }
// xielu's terms alpha_n (expm1(x) - x) and beta x cancel where it crosses 0: the tests
// measure its error against their size.
inline long double floor_xielu(long double x, const double* p) {
  return (1 + std::fabs(x)) * (std::fabs(p[0]) + std::fabs(p[1]) + std::fabs(p[2]));
}
}  // namespace actfn::ref

// ---- the registry's entries and the tests' bounds ----
namespace actfn::spec {
inline constexpr Param kEluParams[] = {{"alpha", 1, 0, kMax, "saturation value -alpha for x -> -inf"}};
inline constexpr Param kCeluParams[] = {{"alpha", 1, 0, kMax, "saturation and scale", {}, true}};
inline constexpr Param kXieluParams[] = {
    {"alpha_p", 0.8, 0, kMax, "curvature for x > 0 (after softplus, as ggml stores it)"},
    {"alpha_n", 0.8, 0, kMax, "scale for x <= 0 (after beta + softplus, as ggml stores it)"},
    {"beta", 0.5, -kMax, kMax, "linear term"},
    {"eps", -1e-6, -kMax, 0, "clamp of x inside expm1"}};
inline constexpr Param kIsruParams[] = {{"alpha", 1, 0, kMax, "the output tends to +-1/sqrt(alpha)"}};
inline constexpr Param kIsrluParams[] = {{"alpha", 0.1, 0, kMax, "isru's alpha for x < 0 (mlpack's)"}};
inline constexpr Spec elu{
    .params = kEluParams,
    .summary = "exponential linear unit",
    .formula = "y = x > 0 ? x : alpha * (exp(x) - 1)",
    .derivative = "f'(x) = x > 0 ? 1 : alpha * exp(x)",
    .bounds = {1, 2, 1, 2},
    .fast = {2, 2}};
inline constexpr Spec selu{
    .summary = "scaled ELU (self-normalizing networks)",
    .formula = "y = scale * (x > 0 ? x : alpha * (exp(x) - 1)), scale = 1.0507009873554805, alpha = 1.6732632423543772",
    .derivative = "f'(x) = x > 0 ? scale : scale * alpha * exp(x)",
    .bounds = {1, 3, 1, 3}};
inline constexpr Spec celu{
    .params = kCeluParams,
    .summary = "continuously differentiable ELU",
    .formula = "y = x > 0 ? x : alpha * (exp(x / alpha) - 1)",
    .derivative = "f'(x) = x > 0 ? 1 : exp(x / alpha)",
    .bounds = {1, 3, 1, 2}};
inline constexpr Spec xielu{
    .params = kXieluParams,
    .summary = "xIELU, as ggml computes it (Apertus)",
    .formula = "y = x > 0 ? alpha_p * x^2 + beta * x : alpha_n * (expm1(min(x, eps)) - x) + beta * x",
    .derivative = "f'(x) = x > 0 ? 2 * alpha_p * x + beta : alpha_n * ((x < eps ? exp(x) : 0) - 1) + beta",
    .bounds = {1, 4, 1, 4, ref::floor_xielu}};
inline constexpr Spec isru{
    .params = kIsruParams,
    .summary = "inverse square root unit (mlpack)",
    .formula = "y = x / sqrt(1 + alpha * x^2)",
    .derivative = "f'(x) = (1 + alpha * x^2)^(-3/2)",
    .bounds = {1, 2, 1, 4}};
inline constexpr Spec isrlu{
    .params = kIsrluParams,
    .summary = "inverse square root linear unit (mlpack)",
    .formula = "y = x >= 0 ? x : x / sqrt(1 + alpha * x^2)",
    .derivative = "f'(x) = x >= 0 ? 1 : (1 + alpha * x^2)^(-3/2)",
    .bounds = {1, 2, 1, 4}};
}  // namespace actfn::spec
#endif

// ---- vector kernels ----
#if !defined(ACTFN_REFERENCE_ONLY) && \
    (defined(ACTFN_KERNELS_ELU_INL_H_) == defined(HWY_TARGET_TOGGLE))
#ifdef ACTFN_KERNELS_ELU_INL_H_
#undef ACTFN_KERNELS_ELU_INL_H_
#else
#define ACTFN_KERNELS_ELU_INL_H_
#endif

#include "fast-inl.h"
#include "hwy/highway.h"
#include "map-inl.h"
#include "math-inl.h"

HWY_BEFORE_NAMESPACE();
namespace actfn::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// x > 0 ? s x : a expm1(x / c), and its derivative: elu, selu, celu. The constants s, a and
// c come as double-words (s + s_lo: selu's are not doubles, nor a parameter in f32 lanes);
// x / (c + c_lo) is one too (where c != 1), and expm1 (Expm1Parts): each branch is rounded
// once, in f32 lanes (FMA targets) as in f64.
// kUnitC: c = 1 (elu, selu), no divisions.
template <bool kUnitC = false, class D, class V>
HWY_INLINE V EluOf(D d, V x, V s, V s_lo, V a, V a_lo, V c, V c_lo) {
  const auto pos = hn::Gt(x, hn::Zero(d));
  const V xn = hn::IfThenElseZero(hn::Not(pos), x);
  V uh = xn, ul = hn::Zero(d);
  if constexpr (!kUnitC) {
    uh = hn::Div(xn, c);
    // (x - uh (c + c_lo)) / c, where uh c cannot overflow (without FMA it is rounded first).
    ul = hn::IfThenElseZero(hn::Lt(hn::Abs(uh), Const(d, 1e300)),
                            hn::Div(hn::NegMulAdd(uh, c_lo, hn::NegMulAdd(uh, c, xn)), c));
  }
  V ml;
  const V mh = Expm1Parts(d, uh, ml);
  ml = hn::MulAdd(ul, hn::Add(hn::Set(d, 1), mh), ml);  // expm1(uh + ul)
  V neg = hn::MulAdd(a, mh, hn::MulAdd(a, ml, hn::Mul(a_lo, mh)));
  // Near the subnormals x / c loses bits: there a expm1(x / c) is (a / c) x, rounded once.
  const V tiny = Const(d, sizeof(hn::TFromD<D>) == 4 ? 0x1p-100 : 0x1p-1000);
  neg = hn::IfThenElse(hn::Lt(hn::Abs(xn), tiny), hn::Mul(hn::Div(a, c), xn), neg);
  const V sx = TimesDW(d, x, s, s_lo);
  return hn::IfThenElse(pos, sx, hn::IfThenElse(hn::IsNaN(x), x, neg));
}
template <class D, class V>
HWY_INLINE V EluGrad(D d, V dy, V x, V s, V ak, V k) {
  const auto pos = hn::Gt(x, hn::Zero(d));
  V el;
  const V e = ExpParts(d, hn::Mul(hn::IfThenElseZero(hn::Not(pos), x), k), el);
  // dy a k (e + el) with one rounding: a k e as a double-word, times dy.
  V pl;
  const V ph = TwoProducts(d, ak, e, pl);
  pl = hn::MulAdd(ak, el, pl);
  const V neg_dx = hn::MulAdd(dy, ph, hn::Mul(dy, hn::IfThenElseZero(hn::IsFinite(ph), pl)));
  return hn::IfThenElse(pos, Chain(d, dy, x, s),
                        hn::IfThenElse(hn::IsNaN(x), hn::Mul(dy, x), neg_dx));
}

struct Elu : Kernel {
  static constexpr std::size_t kAlpha = spec::elu.param("alpha");
  // f32 native where the target has FMA (Expm1Parts' and ExpParts' f32 branches; alpha as
  // a double-word of f32s).
  static constexpr bool kF32ViaF64 = !kFma;
  static constexpr bool kFast = true;
  using Kernel::Kernel;
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    return EluOf<true>(d, x, hn::Set(d, 1), hn::Zero(d), P(d, kAlpha), PLo(d, kAlpha), hn::Set(d, 1),
                       hn::Zero(d));
  }
  // The fast tier: x >= 0 (-0 included) gives x, else alpha expm1(x) from ExpCore (x clamped
  // at -40, where expm1 has rounded to -1). An alpha whose products could leave the normal
  // range (outside [1e-30, 1e30], 0 aside) takes exact's kernel.
  template <class D, class V>
  HWY_INLINE V ForwardFast(D d, V x) const {
    const double a = p[kAlpha];
    if (a != 0 && (a < 1e-30 || a > 1e30)) return ExactLanes(*this, d, x);
    V s;
    const V q = ExpCore(d, hn::Min(hn::Max(x, Const(d, -40)), hn::Zero(d)), s);
    const V m = hn::MulAdd(s, q, hn::Sub(s, hn::Set(d, 1)));
    const V y = hn::IfThenElse(hn::Ge(x, hn::Zero(d)), x, hn::Mul(P(d, kAlpha), m));
    return hn::IfThenElse(hn::IsNaN(x), x, y);
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    return EluGrad(d, dy, x, hn::Set(d, 1), P(d, kAlpha), hn::Set(d, 1));
  }
};

struct Selu : Kernel {
  // f32 native forward where the target has FMA (EluOf's f32 steps, the constants as
  // double-words of f32s); backward through f64 lanes.
  static constexpr bool kF32ViaF64 = !kFma;
  static constexpr bool kGradF32ViaF64 = true;
  using Kernel::Kernel;
  // scale and scale * alpha as double-words of the lanes' type (from long double: 64 bits).
  static constexpr long double kScaleL = 1.0507009873554804934193349852946L;
  static constexpr long double kScaleAlphaL = kScaleL * 1.6732632423543772848170429916717L;
  static constexpr double kScale = static_cast<double>(kScaleL);
  static constexpr double kScaleAlpha = static_cast<double>(kScaleAlphaL);
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    return EluOf<true>(d, x, Const(d, kScale), ConstLo(d, kScaleL), Const(d, kScaleAlpha),
                       ConstLo(d, kScaleAlphaL), hn::Set(d, 1), hn::Zero(d));
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    return EluGrad(d, dy, x, Const(d, kScale), Const(d, kScaleAlpha), hn::Set(d, 1));
  }
};

struct Celu : Kernel {
  static constexpr std::size_t kAlpha = spec::celu.param("alpha");
  static constexpr bool kF32ViaF64 = !kFma;  // as selu
  static constexpr bool kGradF32ViaF64 = true;
  using Kernel::Kernel;
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    return EluOf(d, x, hn::Set(d, 1), hn::Zero(d), P(d, kAlpha), PLo(d, kAlpha), P(d, kAlpha),
                 PLo(d, kAlpha));
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    return EluGrad(d, dy, x, hn::Set(d, 1), hn::Set(d, 1), Const(d, 1 / p[kAlpha]));
  }
};

// expm1(m) - m for m <= 0: below |m| = 1/2 the Taylor series m^2 (1/2 + m/6 + ...), where
// the difference cancels; above, the difference itself.
template <class D, class V>
HWY_INLINE V Expm1MinusX(D d, V m) {
  V s = Const(d, 1.0 / 6402373705728000.0);  // 1/18!
  double f = 6402373705728000.0;
  for (int k = 18; k > 2; --k) {
    f /= k;  // 1/(k-1)!
    s = hn::MulAdd(s, m, Const(d, 1 / f));
  }
  const V series = hn::Mul(hn::Mul(m, m), s);
  const V direct = hn::Sub(Expm1NaN(d, m), m);
  return hn::IfThenElse(hn::Lt(hn::Abs(m), Const(d, 0.5)), series, direct);
}

struct Xielu : Kernel {
  static constexpr std::size_t kAlphaP = spec::xielu.param("alpha_p");
  static constexpr std::size_t kAlphaN = spec::xielu.param("alpha_n");
  static constexpr std::size_t kBeta = spec::xielu.param("beta");
  static constexpr std::size_t kEps = spec::xielu.param("eps");
  using Kernel::Kernel;
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    const V ap = P(d, kAlphaP), an = P(d, kAlphaN), beta = P(d, kBeta), eps = P(d, kEps);
    // x > 0: x (alpha_p x + beta) with the sum as a double-word and one rounding (1.26-1.31
    // ULP in float64 from two).
    V ue, se;
    const V u = TwoProducts(d, ap, x, ue);
    const V sh = TwoSums(u, beta, se);
    const V xs = hn::Mul(x, sh);  // where it overflows, x l may too (with either sign)
    const V pos = hn::IfThenElse(
        hn::IsFinite(xs), TimesDW(d, x, sh, hn::IfThenElseZero(hn::IsFinite(u), hn::Add(se, ue))), xs);
    // x < eps: alpha_n (expm1(x) - x) + beta x; below -1 as x (beta - alpha_n) + alpha_n
    // expm1(x), which cannot overflow before the result does.
    const V below = hn::MulAdd(an, Expm1MinusX(d, x), hn::Mul(beta, x));
    const V far = hn::MulAdd(x, Const(d, p[kBeta] - p[kAlphaN]), hn::Mul(an, Expm1NaN(d, hn::Max(x, Const(d, -1e4)))));
    const V above = hn::MulAdd(an, hn::Sub(Expm1NaN(d, eps), x), hn::Mul(beta, x));  // eps <= x <= 0
    const V neg = hn::IfThenElse(hn::Lt(x, eps),
                                 hn::IfThenElse(hn::Lt(x, hn::Set(d, -1)), far, below), above);
    const V y = hn::IfThenElse(hn::Gt(x, hn::Zero(d)), pos, neg);
    // At -inf: (alpha_n - beta) |x| dominates; at +inf alpha_p x^2 (or beta x).
    const V at_neg = hn::IfThenElse(hn::Gt(an, beta), hn::Inf(d),
                                    hn::IfThenElse(hn::Lt(an, beta), hn::Neg(hn::Inf(d)), hn::Mul(an, Expm1NaN(d, eps))));
    const V lin = hn::IfThenElse(hn::Eq(beta, hn::Zero(d)), hn::Zero(d), hn::CopySign(hn::Inf(d), beta));
    const V at_pos = hn::IfThenElse(hn::Gt(ap, hn::Zero(d)), hn::Inf(d), lin);
    return AtInf(d, x, y, at_neg, at_pos);
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    const V ap = P(d, kAlphaP), an = P(d, kAlphaN), beta = P(d, kBeta), eps = P(d, kEps);
    // dy (2 alpha_p x + beta) as (2 alpha_p dy) x + beta dy: 2 alpha_p x may overflow alone.
    const V pos = hn::MulAdd(hn::Mul(hn::Add(ap, ap), dy), x, hn::Mul(beta, dy));
    const auto below = hn::Lt(x, eps);
    const V ex = hn::IfThenElseZero(below, ExpNaN(d, hn::IfThenElseZero(below, x)));
    const V neg = Chain(d, dy, x, hn::MulAdd(an, hn::Sub(ex, hn::Set(d, 1)), beta));
    const V pos_fixed = hn::IfThenElse(hn::Eq(ap, hn::Zero(d)), hn::Mul(beta, dy), pos);
    return hn::IfThenElse(hn::Gt(x, hn::Zero(d)), pos_fixed, neg);
  }
};

// y = x / sqrt(1 + alpha x^2) and g = (1 + alpha x^2)^(-1/2); for huge |x|, through
// q = sqrt(alpha + 1/x^2): y = sign(x) / q, g = (1/|x|) / q, so nothing overflows.
template <class D, class V>
HWY_INLINE void IsruParts(D d, V x, V alpha, V& y, V& g, V& g3) {
  using T = hn::TFromD<D>;
  const V one = hn::Set(d, 1);
  const V big = Const(d, sizeof(T) == 4 ? 1e18 : 1e150);
  const V ax = hn::Abs(x);
  const V inv = hn::Div(one, ax);
  const V q = hn::Sqrt(hn::MulAdd(inv, inv, alpha));
  const V s = hn::Sqrt(hn::MulAdd(hn::Mul(alpha, x), x, one));
  const auto huge = hn::And(hn::Gt(ax, big), hn::Gt(alpha, hn::Zero(d)));
  // x / sqrt(1 + alpha x^2) with the radicand and the root as double-words, rounded once.
  V tl, sl, ql;
  const V th = OnePlusAxx(d, alpha, x, tl);
  const V sh = SqrtDW(d, th, tl, sl);
  V exact = DivDW(d, x, hn::Zero(d), sh, sl, ql);
  exact = hn::IfThenElse(hn::Eq(alpha, hn::Zero(d)), x, exact);  // x^2 may be inf there
  y = hn::IfThenElse(huge, hn::CopySign(hn::Div(one, q), x), exact);
  g = hn::IfThenElse(huge, hn::Div(inv, q), hn::Div(one, s));
  // g^3 = 1 / (t sqrt(t)), t = 1 + alpha x^2: fewer roundings than g * g * g.
  const V t = hn::MulAdd(hn::Mul(alpha, x), x, one);
  g3 = hn::IfThenElse(huge, hn::Mul(hn::Mul(g, g), g), hn::Div(hn::Div(one, t), s));  // t s may overflow
}

struct Isru : Kernel {
  static constexpr std::size_t kAlpha = spec::isru.param("alpha");
  using Kernel::Kernel;
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    V y, g, g3;
    IsruParts(d, x, P(d, kAlpha), y, g, g3);
    // x / sqrt(1 + alpha x^2) -> sign(x) / sqrt(alpha); identity when alpha = 0.
    const V lim = hn::IfThenElse(hn::Gt(P(d, kAlpha), hn::Zero(d)),
                                 hn::Div(hn::Set(d, 1), hn::Sqrt(P(d, kAlpha))), hn::Inf(d));
    return AtInf(d, x, y, hn::Neg(lim), lim);
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    V y, g, g3;
    IsruParts(d, x, P(d, kAlpha), y, g, g3);
    return Chain(d, dy, x, g3);
  }
};

struct Isrlu : Isru {
  static_assert(spec::isrlu.param("alpha") == kAlpha);  // read by Isru's code
  using Isru::Isru;
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    return hn::IfThenElse(hn::Ge(x, hn::Zero(d)), x, Isru::Forward(d, x));
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    return hn::IfThenElse(hn::Ge(x, hn::Zero(d)), dy, Isru::BackwardX(d, dy, x));
  }
};

}  // namespace actfn::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // vector kernels
