// Periodic, radial and polynomial activations (mlpack's extra functions, snake, and SIREN's
// sine).
//
//   snake(x; alpha)        = x + sin^2(alpha x) / alpha      f' = 1 + sin(2 alpha x)
//   gcu(x)                 = x cos(x)                         f' = cos(x) - x sin(x)
//   sinusoid(x; w0)        = sin(w0 x)                        f' = w0 cos(w0 x)
//   gaussian(x)            = exp(-x^2)                        f' = -2x exp(-x^2)
//   hyper_sinh(x)          = x > 0 ? sinh(x) / 3 : x^3 / 4    f' = x > 0 ? cosh(x) / 3 : 3x^2/4
//   inverse_quadratic(x)   = 1 / (1 + x^2)                    f' = -2x / (1 + x^2)^2
//   multi_quadratic(x)     = sqrt(1 + x^2)                    f' = x / sqrt(1 + x^2)
//   quadratic(x)           = x^2                              f' = 2x
//   poisson1(x)            = (x - 1) exp(-x)                  f' = (2 - x) exp(-x)
//   spline(x)              = x^2 log1p(x)   (x > -1)          f' = 2x log1p(x) + x^2 / (1 + x)
//   sqnl(x)                = x > 2 ? 1 : x >= 0 ? x - x^2/4 : x >= -2 ? x + x^2/4 : -1
//                                                             f' = |x| < 2 ? 1 - |x|/2 : 0
//
// sin and cos are hn::Sin/Cos (3 ULP) on |t| <= 39000 and the C library beyond. gaussian
// forms x^2 exactly before the exponent. Large |x| in the radial functions goes through
// 1/x, so nothing overflows before the result does.

// ---- scalar reference ----
#ifndef ACTFN_KERNELS_OTHER_REF_
#define ACTFN_KERNELS_OTHER_REF_
#include <cmath>
#include "kernels/ref-common.h"
#include "kernels/spec.h"
namespace actfn::ref {
// sin(a x) and cos(a x) with a x exact: MPFR's 192 bits hold the product; long double's 64 do
// not (a and x have 53 bits each), so there a x = h + l (fmal: l exact) and sin(h + l) =
// sin h cos l + cos h sin l. Without it the reference is off by |a x| 2^-64, hundreds of
// float64 ULP at a x = 5e5.
template <class L>
inline L sin_ax(double a, L x) { return sin(a * x); }
template <class L>
inline L cos_ax(double a, L x) { return cos(a * x); }
template <>
inline long double sin_ax(double a, long double x) {
  const long double h = a * x, l = std::fmal(a, x, -h);
  if (!std::isfinite(h) || l == 0) return std::sin(h);
  return std::sin(h) * std::cos(l) + std::cos(h) * std::sin(l);
}
template <>
inline long double cos_ax(double a, long double x) {
  const long double h = a * x, l = std::fmal(a, x, -h);
  if (!std::isfinite(h) || l == 0) return std::cos(h);
  return std::cos(h) * std::cos(l) - std::sin(h) * std::sin(l);
}
template <class L>
inline L snake(L x, const double* p) {
  const L s = sin_ax(p[0], x);
  return isinf(x) ? x : x + s * s / p[0];
}
template <class L>
inline L snake_grad(L x, const double* p) { return 1 + sin_ax(2 * p[0], x); }
template <class L>
inline L gcu(L x, const double*) { return x * cos(x); }
template <class L>
inline L gcu_grad(L x, const double*) { return cos(x) - x * sin(x); }
template <class L>
inline L sinusoid(L x, const double* p) { return sin_ax(p[0], x); }
template <class L>
inline L sinusoid_grad(L x, const double* p) { return p[0] * cos_ax(p[0], x); }
template <class L>
inline L gaussian(L x, const double*) { return exp(-x * x); }
template <class L>
inline L gaussian_grad(L x, const double*) { return isinf(x) ? 0.0L : -2 * x * exp(-x * x); }
template <class L>
inline L hyper_sinh(L x, const double*) { return x > 0 ? sinh(x) / 3 : x * x * x / 4; }
template <class L>
inline L hyper_sinh_grad(L x, const double*) { return x > 0 ? cosh(x) / 3 : 0.75L * x * x; }
template <class L>
inline L inverse_quadratic(L x, const double*) { return 1 / (1 + x * x); }
template <class L>
inline L inverse_quadratic_grad(L x, const double*) {
  if (isinf(x)) return x > 0 ? -0.0L : 0.0L;
  const L t = 1 + x * x;
  return -2 * x / (t * t);
}
template <class L>
inline L multi_quadratic(L x, const double*) { return sqrt(1 + x * x); }
template <class L>
inline L multi_quadratic_grad(L x, const double*) {
  return isinf(x) ? copysign(1.0L, x) : x / sqrt(1 + x * x);
}
template <class L>
inline L quadratic(L x, const double*) { return x * x; }
template <class L>
inline L quadratic_grad(L x, const double*) { return 2 * x; }
template <class L>
inline L poisson1(L x, const double*) { return x == INFINITY ? 0.0L : (x - 1) * exp(-x); }
template <class L>
inline L poisson1_grad(L x, const double*) { return x == INFINITY ? -0.0L : (2 - x) * exp(-x); }
template <class L>
inline L spline(L x, const double*) { return x * x * log1p(x); }
template <class L>
inline L spline_grad(L x, const double*) {
  if (x == -1) return INFINITY;
  return 2 * x * log1p(x) + x * x / (1 + x);
}
template <class L>
inline L sqnl(L x, const double*) {
  if (isnan(x)) return x;
  const L a = fabs(x);
  return copysign(a >= 2 ? 1.0L : a - a * a / 4, x);
}
template <class L>
inline L sqnl_grad(L x, const double*) {
  const L a = fabs(x);
  return isnan(x) ? x : a >= 2 ? 0.0L : 1 - a / 2;
}
// x cos x has zeros away from x = 0 (pi/2) that cannot be relatively accurate without exact
// range reduction: the tests measure gcu against max(|y|, |x|), snake against |x| + 1/alpha.
inline long double floor_abs_x(long double x, const double*) { return std::fabs(x); }
inline long double floor_snake(long double x, const double* p) { return std::fabs(x) + 1 / p[0]; }
// sin(w0 x) near its zeros k pi: against max(|y|, |w0 x|), as gcu.
inline long double floor_w0x(long double x, const double* p) { return std::fabs(p[0] * x); }
}  // namespace actfn::ref

// ---- the registry's entries and the tests' bounds ----
namespace actfn::spec {
inline constexpr Param kSnakeParams[] = {{"alpha", 1, 0, kMax, "frequency", {}, true}};
inline constexpr Spec snake{
    .params = kSnakeParams,
    .summary = "snake (Ziyin et al. 2020), periodic",
    .formula = "y = x + sin(alpha * x)^2 / alpha",
    .derivative = "f'(x) = 1 + sin(2 * alpha * x)",
    .bounds = {1, 2, 1, 9, ref::floor_snake}};
inline constexpr Spec gcu{
    .summary = "growing cosine unit (mlpack)",
    .formula = "y = x * cos(x)",
    .derivative = "f'(x) = cos(x) - x * sin(x)",
    .bounds = {1, 3, 1, 5, ref::floor_abs_x}};
inline constexpr Param kSinusoidParams[] = {
    {"w0", 1, 0, kMax, "frequency (SIREN's omega_0: 30 in the first layer)", {}, true}};
inline constexpr Spec sinusoid{
    .params = kSinusoidParams,
    .summary = "sine activation (SIREN, Sitzmann et al. 2020)",
    .formula = "y = sin(w0 * x)",
    .derivative = "f'(x) = w0 * cos(w0 * x)",
    .bounds = {1, 2, 1, 3, ref::floor_w0x}};
inline constexpr Spec gaussian{
    .summary = "Gaussian bump (mlpack)",
    .formula = "y = exp(-x^2)",
    .derivative = "f'(x) = -2 * x * exp(-x^2)",
    .bounds = {1, 1, 1, 2}};
inline constexpr Spec hyper_sinh{
    .summary = "hyper-sinh (mlpack)",
    .formula = "y = x > 0 ? sinh(x) / 3 : x^3 / 4",
    .derivative = "f'(x) = x > 0 ? cosh(x) / 3 : 3 * x^2 / 4",
    .bounds = {1, 4, 1, 4}};
inline constexpr Spec inverse_quadratic{
    .summary = "inverse quadratic radial function (mlpack)",
    .formula = "y = 1 / (1 + x^2)",
    .derivative = "f'(x) = -2 * x / (1 + x^2)^2",
    .bounds = {1, 4, 1, 2}};
inline constexpr Spec multi_quadratic{
    .summary = "multiquadratic radial function (mlpack)",
    .formula = "y = sqrt(1 + x^2)",
    .derivative = "f'(x) = x / sqrt(1 + x^2)",
    .bounds = {1, 2, 1, 3}};
inline constexpr Spec quadratic{
    .summary = "square (mlpack)",
    .formula = "y = x^2",
    .derivative = "f'(x) = 2 * x",
    .bounds = {1, 1, 1, 1}};
inline constexpr Spec poisson1{
    .summary = "Poisson one (mlpack)",
    .formula = "y = (x - 1) * exp(-x)",
    .derivative = "f'(x) = (2 - x) * exp(-x)",
    .bounds = {1, 2, 1, 2}};
inline constexpr Spec spline{
    .summary = "spline (mlpack); NaN below x = -1",
    .formula = "y = x^2 * log(1 + x)",
    .derivative = "f'(x) = 2 * x * log(1 + x) + x^2 / (1 + x)",
    .bounds = {1, 2, 1, 3}};
inline constexpr Spec sqnl{
    .summary = "square nonlinearity (mlpack)",
    .formula = "y = x > 2 ? 1 : x >= 0 ? x - x^2/4 : x >= -2 ? x + x^2/4 : -1",
    .derivative = "f'(x) = |x| < 2 ? 1 - |x|/2 : 0",
    .bounds = {1, 1, 1, 1}};
}  // namespace actfn::spec
#endif

// ---- vector kernels ----
#if !defined(ACTFN_REFERENCE_ONLY) && \
    (defined(ACTFN_KERNELS_OTHER_INL_H_) == defined(HWY_TARGET_TOGGLE))
#ifdef ACTFN_KERNELS_OTHER_INL_H_
#undef ACTFN_KERNELS_OTHER_INL_H_
#else
#define ACTFN_KERNELS_OTHER_INL_H_
#endif

#include "hwy/highway.h"
#include "map-inl.h"
#include "math-inl.h"

HWY_BEFORE_NAMESPACE();
namespace actfn::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// sin(a x) and cos(a x), with the product a x = t + lo kept exact (TwoProducts; a rounding of t
// would cost |t| eps absolute): sin(t + lo) = sin t + lo cos t. hn::Sin/Cos (3 ULP) serve
// |t| <= 39000; beyond, the C library in long double (ref::sin_ax: a x exact).
template <class D, class V>
HWY_INLINE void SinCosOf(D d, V x, double a, V& s, V& c) {
  V lo;
  const V t = TwoProducts(d, Const(d, a), x, lo);
  const auto bad = hn::Not(hn::Le(hn::Abs(t), Const(d, 39000)));
  const V s0 = hn::Sin(d, SafeArg(d, t)), c0 = hn::Cos(d, SafeArg(d, t));  // bad lanes fixed below
  s = FixLanes(d, bad, x, hn::MulAdd(lo, c0, s0), [a](auto v) {
    return static_cast<decltype(v)>(ref::sin_ax(a, static_cast<long double>(v)));
  });
  c = FixLanes(d, bad, x, hn::NegMulAdd(lo, s0, c0), [a](auto v) {
    return static_cast<decltype(v)>(ref::cos_ax(a, static_cast<long double>(v)));
  });
}

// f64: sin(a x) and cos(a x) as double-words (s + s_lo, c + c_lo, ~2^-60 relative), for the
// kernels that round a product or sum of them once. t = a x exactly (t + t_lo); for |t| <=
// 1.5e6, k = round(t 2/pi) and r = t - k pi/2 with pi/2 in four parts (below), then
// Taylor series on |r| <= pi/4 (+ a rounding): sin r = r + r^3 (-1/6 + r^2 S(r^2)) and
// cos r = (1 - r^2 / 2) + r^4 C(r^2), with r^2 and -1/6 as double-words, and the quadrant.
// Beyond 1.5e6 (and for NaN and inf) the C library's long double sin and cos, split in two.
template <class D, class V>
HWY_INLINE void SinCosDW(D d, V x, double a, V& s, V& s_lo, V& c, V& c_lo) {
  V tl;
  const V t = TwoProducts(d, Const(d, a), x, tl);
  const auto far = hn::Not(hn::Le(hn::Abs(t), Const(d, 1.5e6)));
  const V tn = hn::IfThenZeroElse(far, t), tln = hn::IfThenZeroElse(far, tl);
  const V k = hn::Round(hn::Mul(tn, Const(d, 0.6366197723675814)));
  // pi/2 = P1 + P2 + P3 + P4, the first three of 33 bits: k Pi is exact for |k| < 2^20 on
  // every target (no FMA needed), and t - k P1 too (the two are within a factor 2).
  const V r0 = hn::Sub(tn, hn::Mul(k, Const(d, 0x1.921fb544p+0)));
  V e;
  const V rh0 = TwoSums(r0, hn::Neg(hn::Mul(k, Const(d, 0x1.0b4611a6p-34))), e);
  const V rl0 = hn::Sub(hn::Add(e, tln), hn::MulAdd(k, Const(d, 0x1.b839a252049c1p-104),
                                                    hn::Mul(k, Const(d, 0x1.3198a2ep-69))));
  V rl;
  const V rh = FastTwoSums(rh0, rl0, rl);
  // r^2 = u + u_lo
  V ul;
  const V u = TwoProducts(d, rh, rh, ul);
  ul = hn::MulAdd(hn::Add(rh, rh), rl, ul);
  // sin r = r - r u sp with sp = 1/6 - u/120 + u^2/5040 - ... (to r^19)
  static constexpr double kSin[] = {1.0 / 6.0, -1.0 / 120.0, 1.0 / 5040.0, -1.0 / 362880.0,
                                    1.0 / 39916800.0, -1.0 / 6227020800.0, 1.0 / 1307674368000.0,
                                    -1.0 / 355687428096000.0, 1.0 / 121645100408832000.0};
  const V sp = Horner(d, u, kSin);
  // r u sp as a double-word
  V ql;
  const V qh = TwoProducts(d, u, sp, ql);  // u sp, ~ r^2 / 6
  ql = hn::MulAdd(ul, sp, ql);
  V ml;
  const V mh = TwoProducts(d, rh, qh, ml);  // r u sp
  ml = hn::MulAdd(rh, ql, hn::MulAdd(rl, qh, ml));
  // sin r = rh + rl - (mh + ml)
  V se, sl;
  const V s1h = TwoSums(rh, hn::Neg(mh), se);
  const V sh = FastTwoSums(s1h, hn::Add(se, hn::Sub(rl, ml)), sl);
  // cos r = 1 - u/2 + u^2 cp with cp = 1/24 - u/720 + ... (to r^20)
  static constexpr double kCos[] = {1.0 / 24.0, -1.0 / 720.0, 1.0 / 40320.0, -1.0 / 3628800.0,
                                    1.0 / 479001600.0, -1.0 / 87178291200.0, 1.0 / 20922789888000.0,
                                    -1.0 / 6402373705728000.0, 1.0 / 2432902008176640000.0};
  const V cp = Horner(d, u, kCos);
  const V half = Const(d, 0.5);
  V ce, cl;
  const V c1h = TwoSums(hn::Set(d, 1), hn::Mul(u, hn::Neg(half)), ce);  // u/2 exact
  // normalized: the callers square and multiply these pairs (u^2 C is not below c's ulp)
  const V ch = FastTwoSums(c1h, hn::Add(hn::NegMulAdd(ul, half, ce), hn::Mul(hn::Mul(u, u), cp)), cl);
  // The quadrant q = k mod 4: sin t = (sin r, cos r, -sin r, -cos r)[q], cos t = (cos r,
  // -sin r, -cos r, sin r)[q].
  const V q = hn::Sub(k, hn::Mul(hn::Floor(hn::Mul(k, Const(d, 0.25))), Const(d, 4)));
  const auto odd = hn::Or(hn::Eq(q, hn::Set(d, 1)), hn::Eq(q, Const(d, 3)));
  const auto neg_s = hn::Ge(q, Const(d, 2));
  const auto neg_c = hn::Or(hn::Eq(q, hn::Set(d, 1)), hn::Eq(q, Const(d, 2)));
  const V zero = hn::Zero(d);
  const auto sgn = [&](auto m, V v) { return hn::IfThenElse(m, hn::Sub(zero, v), v); };
  V s0 = sgn(neg_s, hn::IfThenElse(odd, ch, sh)), s1 = sgn(neg_s, hn::IfThenElse(odd, cl, sl));
  V c0 = sgn(neg_c, hn::IfThenElse(odd, sh, ch)), c1 = sgn(neg_c, hn::IfThenElse(odd, sl, cl));
  // sin(-0) = -0 (sh is r itself there)
  s0 = hn::IfThenElse(hn::Eq(t, zero), t, s0);
  s1 = hn::IfThenZeroElse(hn::Eq(t, zero), s1);
  if (HWY_UNLIKELY(!hn::AllFalse(d, far))) {
    s = FixLanes(d, far, x, s0, [a](auto v) {
      return static_cast<decltype(v)>(ref::sin_ax(a, static_cast<long double>(v)));
    });
    s_lo = FixLanes(d, far, x, s1, [a](auto v) {
      const long double w = ref::sin_ax(a, static_cast<long double>(v));
      return std::isfinite(w) ? static_cast<decltype(v)>(w - static_cast<decltype(v)>(w)) : decltype(v)(0);
    });
    c = FixLanes(d, far, x, c0, [a](auto v) {
      return static_cast<decltype(v)>(ref::cos_ax(a, static_cast<long double>(v)));
    });
    c_lo = FixLanes(d, far, x, c1, [a](auto v) {
      const long double w = ref::cos_ax(a, static_cast<long double>(v));
      return std::isfinite(w) ? static_cast<decltype(v)>(w - static_cast<decltype(v)>(w)) : decltype(v)(0);
    });
  } else {
    s = s0, s_lo = s1, c = c0, c_lo = c1;
  }
}

struct Snake : Kernel {
  static constexpr std::size_t kAlpha = spec::snake.param("alpha");
  using Kernel::Kernel;
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    if constexpr (kDoubleWord<D>) {  // x + sin^2 / alpha, from double-words, rounded once
      V s, sl, c, cl;
      SinCosDW(d, x, p[kAlpha], s, sl, c, cl);
      V s2l;
      const V s2 = TwoProducts(d, s, s, s2l);
      s2l = hn::MulAdd(hn::Add(s, s), sl, s2l);
      V ql;
      const V q = DivDW(d, s2, s2l, P(d, kAlpha), hn::Zero(d), ql);
      V e;
      const V h = TwoSums(x, q, e);
      const V y = hn::Add(h, hn::Add(e, ql));
      return hn::IfThenElse(hn::IsFinite(x), y, x);  // +-inf: x dominates the bounded sin^2
    }
    V s, c;
    SinCosOf(d, x, p[kAlpha], s, c);
    const V y = hn::MulAdd(hn::Mul(s, s), Const(d, 1 / p[kAlpha]), x);
    return AtInf(d, x, y, x, x);  // x dominates the bounded sin^2
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    if constexpr (kDoubleWord<D>) {  // 1 + 2 sin cos, as a double-word, times dy rounded once
      V s, sl, c, cl;
      SinCosDW(d, x, p[kAlpha], s, sl, c, cl);
      V pl;
      const V ph = TwoProducts(d, s, c, pl);
      pl = hn::MulAdd(s, cl, hn::MulAdd(sl, c, pl));
      V e;
      const V gh = TwoSums(hn::Set(d, 1), hn::Add(ph, ph), e);
      const V gl = hn::Add(e, hn::Add(pl, pl));
      return hn::MulAdd(dy, gh, hn::Mul(dy, gl));
    }
    V s, c;
    SinCosOf(d, x, p[kAlpha], s, c);
    return hn::Mul(dy, hn::MulAdd(hn::Add(s, s), c, hn::Set(d, 1)));
  }
};

struct Gcu : Kernel {
  using Kernel::Kernel;
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    if constexpr (kDoubleWord<D>) {  // x (c + c_lo) rounded once
      V s, sl, c, cl;
      SinCosDW(d, x, 1.0, s, sl, c, cl);
      const V y = hn::MulAdd(x, c, hn::Mul(x, cl));
      return hn::IfThenElse(hn::IsFinite(y), y, hn::Mul(x, c));
    }
    V s, c;
    SinCosOf(d, x, 1.0, s, c);
    return hn::Mul(x, c);
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    if constexpr (kDoubleWord<D>) {  // cos x - x sin x as a double-word, times dy rounded once
      V s, sl, c, cl;
      SinCosDW(d, x, 1.0, s, sl, c, cl);
      V pl;
      const V ph = TwoProducts(d, x, s, pl);
      pl = hn::MulAdd(x, sl, pl);
      V e;
      const V gh = TwoSums(c, hn::Neg(ph), e);
      const V gl = hn::Add(e, hn::Sub(cl, pl));
      const V dx = hn::MulAdd(dy, gh, hn::Mul(dy, gl));
      return hn::IfThenElse(hn::IsFinite(dx), dx, hn::Mul(dy, hn::NegMulAdd(x, s, c)));
    }
    V s, c;
    SinCosOf(d, x, 1.0, s, c);
    return hn::Mul(dy, hn::NegMulAdd(x, s, c));
  }
};

struct Sinusoid : Kernel {
  static constexpr std::size_t kW0 = spec::sinusoid.param("w0");
  using Kernel::Kernel;
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    V s, c;
    if constexpr (kDoubleWord<D>) {  // s + s_lo rounded once
      V sl, cl;
      SinCosDW(d, x, p[kW0], s, sl, c, cl);
      return hn::Add(s, sl);
    }
    SinCosOf(d, x, p[kW0], s, c);
    return s;
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    V s, c;
    if constexpr (kDoubleWord<D>) {  // w0 (c + c_lo) as a double-word, times dy rounded once
      V sl, cl, gl;
      SinCosDW(d, x, p[kW0], s, sl, c, cl);
      const V gh = TwoProducts(d, P(d, kW0), c, gl);
      gl = hn::MulAdd(P(d, kW0), cl, gl);
      const V dx = hn::MulAdd(dy, gh, hn::Mul(dy, gl));
      return hn::IfThenElse(hn::IsFinite(dx), dx, hn::Mul(dy, gh));
    }
    SinCosOf(d, x, p[kW0], s, c);
    return hn::Mul(dy, hn::Mul(c, P(d, kW0)));
  }
};

struct Gaussian : Kernel {
  using Kernel::Kernel;
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const { return ExpNegSquare(d, x, 1.0); }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    const V fp = hn::Mul(hn::Mul(x, ExpNegSquare(d, x, 1.0)), Const(d, -2));  // no inf * 0
    return hn::Mul(dy, AtInf(d, x, fp, hn::Zero(d), hn::Zero(d)));
  }
};

// sinh(x) / 3 (x > 0) and cosh(x) / 3: hn::Sinh below 20; above, e^(x/2) (e^(x/2) / 6), which
// overflows only where the result does.
template <class D, class V>
HWY_INLINE V ExpOver6(D d, V x) {
  const V h = ExpNaN(d, hn::Mul(x, Const(d, 0.5)));
  return hn::Mul(h, hn::Div(h, Const(d, 6)));
}

// e^x / 6 as a double-word for x > 20 (e^-x no longer counts against it): e^(x - ln 6), with
// ln 6 = kLn6Hi + kLn6Lo and kLn6Hi a multiple of 2^-40 (x - kLn6Hi is exact below 1024);
// +inf, lo = 0, where it overflows.
template <class D, class V>
HWY_INLINE V ExpOver6DW(D d, V x, V& lo) {
  constexpr double kLn6Hi = 0x1.cab0bfa2a2p+0, kLn6Lo = 4.87589008101026e-16;
  V zl;
  const V z = FastTwoSums(hn::Sub(x, Const(d, kLn6Hi)), Const(d, -kLn6Lo), zl);
  const auto fits = hn::Le(z, MaxLog(d));
  V bl;
  const V bh = ExpDW(d, hn::IfThenElseZero(fits, z), hn::IfThenElseZero(fits, zl), bl);
  lo = hn::IfThenElseZero(fits, bl);
  return hn::IfThenElse(fits, bh, hn::Inf(d));
}

// hyper_sinh's derivative as a double-word (f64): x > 0: cosh(x) / 3 = (e^x + e^-x) / 6 with
// both exponentials as double-words (beyond 700, where e^x nears overflow, e^x / 6 through
// ExpOver6DW: e^-x is 10^-304 of it there); x <= 0: 3 (x/2)^2 from (x/2)^2 exact.
template <class D, class V>
HWY_INLINE V HyperSinhGradDW(D d, V x, V& lo) {
  const V one = hn::Set(d, 1);
  const V xm = hn::Min(hn::Max(x, hn::Zero(d)), Const(d, 700));
  V el, rl, sl, ml;
  const V eh = ExpDW(d, xm, el);
  const V rh = DivDW(d, one, hn::Zero(d), eh, el, rl);
  const V sh = TwoSums(eh, rh, sl);
  const V mh = DivDW(d, sh, hn::Add(sl, hn::Add(el, rl)), Const(d, 6), hn::Zero(d), ml);
  const auto big = hn::Gt(x, Const(d, 700));
  V bl;
  const V bh = ExpOver6DW(d, hn::IfThenElseZero(big, x), bl);
  V pl, ql;
  const V h = hn::Mul(x, Const(d, 0.5));  // (x/2)^2 exact, and finite where 3 x^2 / 4 is
  const V ph = TwoProducts(d, h, h, pl);
  const V qh = TwoProducts(d, ph, Const(d, 3), ql);
  const V neg_lo = hn::IfThenElseZero(hn::IsFinite(qh), hn::MulAdd(pl, Const(d, 3), ql));
  const auto pos = hn::Gt(x, hn::Zero(d));
  lo = hn::IfThenElse(pos, hn::IfThenElse(big, bl, ml), neg_lo);
  return hn::IfThenElse(pos, hn::IfThenElse(big, bh, mh), qh);
}

// f64 data: sinh(x) / 3 rounded once from a double-word (4.77 ULP through Highway's Sinh):
// below 1/2 x + x^3 P(x^2) (Taylor to x^19, no cancellation) over 3; to 20 (E - 1/E) / 6 with
// E = e^x, 1/E and the difference as double-words; beyond, e^(x - ln 6) with ln 6 as a
// double-word (e^-x is below 2^-57 of the result; finite up to sinh(x) / 3's own overflow).
// x < 0: x^3 / 4 from x^2 exact (TwoProducts) times x / 4, rounded once.
template <class D, class V>
HWY_INLINE V HyperSinhDW(D d, V x) {
  const V one = hn::Set(d, 1);
  // x + x^3 (1/3! + x^2/5! + ... + x^16/19!)
  const V x2 = hn::Mul(x, x);
  V poly = Const(d, 1.0 / 121645100408832000.0);  // 1/19!
  double f = 121645100408832000.0;
  for (int k = 19; k > 3; k -= 2) {
    f /= k * (k - 1);  // 1/(k-2)!
    poly = hn::MulAdd(poly, x2, Const(d, 1 / f));
  }
  V ql;
  const V qs = DivDW(d, x, hn::Mul(hn::Mul(x2, x), poly), Const(d, 3), hn::Zero(d), ql);
  // 1/2 < x <= 20
  const V xm = hn::Min(hn::Max(x, Const(d, 0.5)), Const(d, 20));
  V el, rl, dl, ml;
  const V eh = ExpDW(d, xm, el);
  const V rh = DivDW(d, one, hn::Zero(d), eh, el, rl);
  const V dh = TwoSums(eh, hn::Neg(rh), dl);
  const V qh = DivDW(d, dh, hn::Add(dl, hn::Sub(el, rl)), Const(d, 6), hn::Zero(d), ml);
  // x > 20
  const auto big = hn::Gt(x, Const(d, 20));
  V bl;
  const V huge = hn::Add(ExpOver6DW(d, hn::IfThenElseZero(big, x), bl), bl);
  const V pos = hn::IfThenElse(big, huge,
                               hn::IfThenElse(hn::Le(x, Const(d, 0.5)), hn::Add(qs, ql), hn::Add(qh, ml)));
  // x <= 0: x^3 / 4
  V pe, te;
  const V p = TwoProducts(d, x, x, pe);
  const V x4 = hn::Mul(x, Const(d, 0.25));  // first: x^3 may overflow where x^3 / 4 does not
  const V t = TwoProducts(d, p, x4, te);
  const V neg = hn::CopySign(  // x^3 / 4 has x's sign, zeros included
      hn::IfThenElse(hn::IsFinite(t), hn::Add(t, hn::MulAdd(pe, x4, te)), t), x);
  return hn::IfThenElse(hn::Gt(x, hn::Zero(d)), pos, hn::IfThenElse(hn::IsNaN(x), x, neg));
}

struct HyperSinh : Kernel {
  using Kernel::Kernel;
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    if constexpr (kDoubleWord<D>) return HyperSinhDW(d, x);
    const V twenty = Const(d, 20);
    const V small = hn::Div(hn::Sinh(d, SafeArg(d, hn::Min(x, twenty))), Const(d, 3));
    const V pos = hn::IfThenElse(hn::Gt(x, twenty), ExpOver6(d, x), small);
    const V neg = hn::Mul(hn::Mul(x, x), hn::Mul(x, Const(d, 0.25)));
    return hn::IfThenElse(hn::Gt(x, hn::Zero(d)), pos, neg);
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    if constexpr (kDoubleWord<D>) {  // dy (g + g_lo) rounded once
      V gl;
      const V gh = HyperSinhGradDW(d, x, gl);
      const V dx = hn::MulAdd(dy, gh, hn::IfThenElseZero(hn::IsFinite(hn::Mul(dy, gh)), hn::Mul(dy, gl)));
      return hn::IfThenElse(hn::IsNaN(x), hn::Mul(dy, x), dx);
    }
    const V twenty = Const(d, 20);
    const V xc = hn::Min(x, twenty);
    const V e = ExpOver6(d, xc);  // cosh/3 = e^x/6 + e^-x/6
    const V small = hn::Add(e, hn::Div(ExpNaN(d, hn::Neg(xc)), Const(d, 6)));
    const V pos = hn::IfThenElse(hn::Gt(x, twenty), ExpOver6(d, x), small);
    const V neg = hn::Mul(hn::Mul(x, Const(d, 0.75)), x);  // x * x overflows first near 1.4e154
    return Chain(d, dy, x, hn::IfThenElse(hn::Gt(x, hn::Zero(d)), pos, neg));
  }
};

struct InverseQuadratic : Kernel {
  using Kernel::Kernel;
  // 1 / (1 + x^2) = r^2 / (1 + r^2) with r = 1 / x for |x| > 1.
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    const V one = hn::Set(d, 1);
    // 1 / (1 + x^2) with the exact denominator where x^2 is finite; beyond, (1/x)^2 with
    // 1/x as a double-word.
    V tl, lo;
    const V th = OnePlusAxx(d, one, x, tl);
    const V small = DivDW(d, one, hn::Zero(d), th, tl, lo);
    const V rh = hn::Div(one, x);
    const V rl = hn::Div(hn::NegMulAdd(rh, x, one), x);
    V ql;
    const V q = TwoProducts(d, rh, rh, ql);
    const V big = hn::Add(q, hn::MulAdd(hn::Add(rh, rh), rl, ql));
    const V lim = Const(d, sizeof(hn::TFromD<D>) == 4 ? 1e18 : 1e150);
    return hn::IfThenElse(hn::Gt(hn::Abs(x), lim), hn::IfThenElseZero(hn::IsFinite(x), big), small);
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    const V one = hn::Set(d, 1), r = hn::Div(one, x), r2 = hn::Mul(r, r);
    const V tb = hn::Add(one, r2), ts = hn::MulAdd(x, x, one);
    const V big = hn::Div(hn::Mul(Const(d, -2), hn::Mul(r2, r)), hn::Mul(tb, tb));
    const V small = hn::Div(hn::Mul(Const(d, -2), x), hn::Mul(ts, ts));
    return Chain(d, dy, x, hn::IfThenElse(hn::Gt(hn::Abs(x), one), big, small));
  }
};

struct MultiQuadratic : Kernel {
  using Kernel::Kernel;
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    const V one = hn::Set(d, 1);
    // sqrt of 1 + x^2 as a double-word, rounded once; |x| itself where 1/x^2 no longer counts.
    V tl, lo;
    const V th = OnePlusAxx(d, one, x, tl);
    const V small = SqrtDW(d, th, tl, lo);
    const V lim = Const(d, sizeof(hn::TFromD<D>) == 4 ? 1e18 : 1e150);
    return hn::IfThenElse(hn::Gt(hn::Abs(x), lim), hn::Abs(x), small);
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    const V one = hn::Set(d, 1), r = hn::Div(one, x);
    const V big = hn::CopySign(hn::Div(one, hn::Sqrt(hn::MulAdd(r, r, one))), x);
    const V small = hn::Div(x, hn::Sqrt(hn::MulAdd(x, x, one)));
    return Chain(d, dy, x, hn::IfThenElse(hn::Gt(hn::Abs(x), one), big, small));
  }
};

struct Quadratic : Kernel {
  using Kernel::Kernel;
  template <class D, class V>
  HWY_INLINE V Forward(D, V x) const { return hn::Mul(x, x); }
  template <class D, class V>
  HWY_INLINE V BackwardX(D, V dy, V x) const { return hn::Mul(hn::Add(dy, dy), x); }
};

struct Poisson1 : Kernel {
  using Kernel::Kernel;
  // (x - 1) and e^-x as double-words (TwoSums, ExpParts), their product rounded once (1.93
  // ULP from two rounded factors).
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    V al, el, pe;
    const V a = TwoSums(x, hn::Set(d, -1), al);
    const V eh = ExpParts(d, hn::Neg(x), el);
    const V p = TwoProducts(d, a, eh, pe);
    const V prod = hn::Add(p, hn::Add(pe, hn::MulAdd(a, el, hn::Mul(al, eh))));
    const V y = TimesTinyExp(d, a, hn::Neg(x), hn::Zero(d), hn::IfThenElse(hn::IsFinite(p), prod, p));
    return AtInf(d, x, y, hn::Neg(hn::Inf(d)), hn::Zero(d));
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    const V fp = hn::Mul(hn::Sub(Const(d, 2), x), ExpNaN(d, hn::Neg(x)));
    return hn::Mul(dy, AtInf(d, x, fp, hn::Inf(d), hn::Neg(hn::Zero(d))));
  }
};

struct Spline : Kernel {
  using Kernel::Kernel;
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    // x^2 and log1p(x) as double-words, their product rounded once (x^2 finite).
    V pl, ll;
    const V p = TwoProducts(d, x, x, pl);
    const V l = Log1pParts(d, x, hn::Zero(d), ll);
    const V y = hn::MulAdd(p, l, hn::MulAdd(p, ll, hn::Mul(pl, l)));
    const auto plain = hn::Or(hn::Not(hn::IsFinite(p)), hn::Not(hn::IsFinite(l)));
    return hn::IfThenElse(plain, hn::Mul(p, l), y);
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    const V one = hn::Set(d, 1);
    const V fp = hn::MulAdd(hn::Add(x, x), Log1pNaN(d, x),
                            hn::Mul(x, hn::Div(x, hn::Add(one, x))));
    const V plain = hn::Mul(dy, hn::IfThenElse(hn::Eq(x, hn::Neg(one)), hn::Inf(d), fp));
    if constexpr (kDoubleWord<D>) {
      // f64: x (2 log1p(x)) + x (x / (1 + x)), both terms double-words (positive: no
      // cancellation), dy times their sum rounded once; the plain form where a part is not
      // finite (x <= -1, x near overflow, NaN).
      V ll;
      const V l = Log1pParts(d, x, hn::Zero(d), ll);
      V al;
      const V ah = TwoProducts(d, x, hn::Add(l, l), al);
      al = hn::MulAdd(x, hn::Add(ll, ll), al);
      V te;
      const V th = TwoSums(one, x, te);
      V ql;
      const V qh = DivDW(d, x, hn::Zero(d), th, te, ql);
      V bl;
      const V bh = TwoProducts(d, x, qh, bl);
      bl = hn::MulAdd(x, ql, bl);
      V se;
      const V sh = TwoSums(ah, bh, se);
      const V lo = hn::Add(se, hn::Add(al, bl));
      const V dx = hn::MulAdd(dy, sh, hn::Mul(dy, lo));
      const auto ok = hn::And(hn::And(hn::IsFinite(lo), hn::IsFinite(dx)), hn::Gt(x, hn::Neg(one)));
      return hn::IfThenElse(ok, dx, plain);
    }
    return plain;
  }
};

struct Sqnl : Kernel {
  using Kernel::Kernel;
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    const V a = hn::Abs(x), two = Const(d, 2), one = hn::Set(d, 1);
    V pl, e, lo;  // a - a^2 / 4 with a^2 exact, rounded once
    const V p = TwoProducts(d, a, a, pl);
    const V s = TwoSums(a, hn::Mul(p, Const(d, -0.25)), e);
    const V mid = FastTwoSums(s, hn::MulAdd(pl, Const(d, -0.25), e), lo);
    return hn::CopySign(hn::IfThenElse(hn::Ge(a, two), one, mid), x);
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    const V a = hn::Abs(x), two = Const(d, 2), one = hn::Set(d, 1);
    const V mid = hn::NegMulAdd(a, Const(d, 0.5), one);
    return Chain(d, dy, x, hn::IfThenElse(hn::Ge(a, two), hn::Zero(d), mid));
  }
};

}  // namespace actfn::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // vector kernels
