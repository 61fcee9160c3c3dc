// Softplus family.
//
//   softplus(x; beta, threshold) = beta x > threshold ? x : log1p(exp(beta x)) / beta
//                                  f' = beta x > threshold ? 1 : s(beta x)   (PyTorch's)
//   squareplus(x; b)   = (x + sqrt(x^2 + b)) / 2          f' = (1 + x / sqrt(x^2 + b)) / 2
//   sparse_plus(x)     = x <= -1 ? 0 : x >= 1 ? x : (x + 1)^2 / 4    f' = 0, (x + 1)/2, 1 (JAX)
//   shifted_softplus(x) = log(0.5 e^x + 0.5) = softplus(x) - log 2   f' = s(x)   (mlpack)
//
// log1p(exp(z)) is max(z, 0) + log1p(exp(-|z|)): the exponent never overflows, whatever beta
// (pytorch#171249), and exp(z) for very negative z stays a subnormal, not 0. squareplus uses
// b / (sqrt(x^2 + b) - x) for x < 0 (no cancellation) and scales x^2 before it overflows.
// shifted_softplus is log1p(expm1(x) / 2), exact at 0, where softplus(x) - log 2 cancels.

// ---- scalar reference ----
#ifndef ACTFN_KERNELS_SOFTPLUS_REF_
#define ACTFN_KERNELS_SOFTPLUS_REF_
#include <cmath>
#include "kernels/ref-common.h"
#include "kernels/spec.h"
#include "kernels/sigmoid-inl.h"
namespace actfn::ref {
template <class L>
inline L softplus_of(L z) { return (z > 0 ? z : 0.0L) + log1p(exp(-fabs(z))); }
// threshold = -inf: every x is above it, as the kernel has it (beta x may overflow to -inf;
// x = -inf gives the limits -inf and 1; found by the fuzz campaign).
template <class L>
inline bool linear_part(const L& z, const double* p) { return p[1] == -HUGE_VAL || z > p[1]; }
template <class L>
inline L softplus(L x, const double* p) {
  const L z = p[0] * x;
  return !isnan(x) && linear_part(z, p) ? x : softplus_of(z) / p[0];
}
template <class L>
inline L softplus_grad(L x, const double* p) {
  const L z = p[0] * x;
  return isnan(x) ? x : linear_part(z, p) ? 1.0L : sig(z);
}
template <class L>
inline L squareplus(L x, const double* p) {
  if (isinf(x)) return x > 0 ? x : 0.0L;
  const L r = sqrt(x * x + p[0]);
  return x >= 0 ? (x + r) / 2 : p[0] / (2 * (r - x));
}
template <class L>
inline L squareplus_grad(L x, const double* p) {
  if (isinf(x)) return x > 0 ? 1.0L : 0.0L;
  const L r = sqrt(x * x + p[0]);
  // b = 0 (relu): 0 / 0 at x = 0, as the kernel's IEEE division gives; said without dividing.
  if (r == 0) return L(std::nan(""));
  if (x >= 0) return (1 + x / r) / 2;
  return p[0] / (2 * r * (r - x));
}
template <class L>
inline L sparse_plus(L x, const double*) {
  return isnan(x) ? x : x <= -1 ? 0.0L : x >= 1 ? x : (x + 1) * (x + 1) / 4;
}
template <class L>
inline L sparse_plus_grad(L x, const double*) {
  return isnan(x) ? x : x <= -1 ? 0.0L : x >= 1 ? 1.0L : (x + 1) / 2;
}
template <class L>
inline L shifted_softplus(L x, const double*) {
  return x > 15 ? x - log(2.0L) + log1p(exp(-x)) : log1p(expm1(x) / 2);
}
template <class L>
inline L shifted_softplus_grad(L x, const double*) { return isnan(x) ? x : sig(x); }
}  // namespace actfn::ref

// ---- the registry's entries and the tests' bounds ----
namespace actfn::spec {
inline constexpr Param kSoftplusParams[] = {
    {"beta", 1, 0, kMax, "sharpness", {}, true},
    {"threshold", 20, -kInf, kInf, "above beta x > threshold the result is x"}};
inline constexpr Param kSquareplusParams[] = {{"b", 4, 0, kMax, "curvature at 0"}};
inline constexpr Spec softplus{
    .params = kSoftplusParams,
    .summary = "smooth ReLU, never overflows",
    .formula = "y = beta * x > threshold ? x : log(1 + exp(beta * x)) / beta",
    .derivative = "f'(x) = beta * x > threshold ? 1 : sigmoid(beta * x)",
    .bounds = {1, 3, 1, 2},
    .fast = {3, 3}};
inline constexpr Spec squareplus{
    .params = kSquareplusParams,
    .summary = "algebraic softplus (Barron 2021)",
    .formula = "y = (x + sqrt(x^2 + b)) / 2",
    .derivative = "f'(x) = (1 + x / sqrt(x^2 + b)) / 2",
    .bounds = {1, 2, 1, 2}};
inline constexpr Spec sparse_plus{
    .summary = "sparse plus (JAX)",
    .formula = "y = x <= -1 ? 0 : x >= 1 ? x : (x + 1)^2 / 4",
    .derivative = "f'(x) = x <= -1 ? 0 : x >= 1 ? 1 : (x + 1) / 2",
    .bounds = {1, 2, 1, 1}};
inline constexpr Spec shifted_softplus{
    .summary = "softplus shifted through 0 (mlpack, SchNet)",
    .formula = "y = log(0.5 * exp(x) + 0.5)",
    .derivative = "f'(x) = sigmoid(x)",
    .bounds = {1, 3, 1, 2}};
}  // namespace actfn::spec
#endif

// ---- vector kernels ----
#if !defined(ACTFN_REFERENCE_ONLY) && \
    (defined(ACTFN_KERNELS_SOFTPLUS_INL_H_) == defined(HWY_TARGET_TOGGLE))
#ifdef ACTFN_KERNELS_SOFTPLUS_INL_H_
#undef ACTFN_KERNELS_SOFTPLUS_INL_H_
#else
#define ACTFN_KERNELS_SOFTPLUS_INL_H_
#endif

#include <limits>

#include "fast-inl.h"
#include "hwy/highway.h"
#include "kernels/sigmoid-inl.h"
#include "map-inl.h"
#include "math-inl.h"

HWY_BEFORE_NAMESPACE();
namespace actfn::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

struct Softplus : Kernel {
  static constexpr std::size_t kBeta = spec::softplus.param("beta");
  static constexpr std::size_t kThreshold = spec::softplus.param("threshold");
  // f32 native where the target has FMA (SoftplusOf's f32 steps; beta as a double-word).
  static constexpr bool kF32ViaF64 = !kFma;
  static constexpr bool kFast = true;
  using Kernel::Kernel;
  // The fast tier, for beta = 1 (other betas take exact's kernel): max(x, 0) +
  // log1p(exp(-|x|)) from ExpFast and Log1pFast; |x| beyond ExpCoreMin and NaN are exact's
  // lanes (there softplus is x, or exp(x) in the subnormals).
  template <class D, class V>
  HWY_INLINE V ForwardFast(D d, V x) const {
    if (p[kBeta] != 1 || p[kThreshold] == -std::numeric_limits<double>::infinity()) {
      return ExactLanes(*this, d, x);
    }
    const V a = hn::Neg(hn::Abs(x));
    const auto ok = hn::Ge(a, ExpCoreMin(d));
    const V l = Log1pFast(d, ExpFast(d, hn::Max(a, ExpCoreMin(d))));
    const V y = hn::Add(hn::Max(x, hn::Zero(d)), l);
    return FastOr(*this, d, ok, x, hn::IfThenElse(hn::Gt(x, P(d, kThreshold)), x, y));
  }
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    // threshold = -inf: every x is above it, even where beta x overflows to -inf
    // (found by the fuzzer).
    if (p[kThreshold] == -std::numeric_limits<double>::infinity()) return x;
    V sl, ql;
    if (p[kBeta] == 1) {  // the default: no product, no quotient
      const V sh = SoftplusOf(d, x, hn::Zero(d), sl);
      return hn::IfThenElse(hn::Gt(x, P(d, kThreshold)), x, sh);
    }
    V lo;
    const V z = TwoProducts(d, P(d, kBeta), x, lo);
    lo = hn::IfThenElseZero(hn::IsFinite(z), hn::MulAdd(PLo(d, kBeta), x, lo));
    const V sh = SoftplusOf(d, z, lo, sl);
    V y = DivDW(d, sh, sl, P(d, kBeta), PLo(d, kBeta), ql);
    if constexpr (kNativeF32<D>) {
      // f32 lanes: exp(z) / beta where exp(z) is subnormal but the quotient need not be
      // (beta < 1): those rare lanes in double (the f64 lanes keep such an exp's bits).
      const double b = p[kBeta];
      y = FixLanes(d, hn::Lt(z, Const(d, -80)), x, y, [b](float v) {
        return static_cast<float>(std::log1p(std::exp(b * v)) / b);
      });
    }
    return hn::IfThenElse(hn::Gt(z, P(d, kThreshold)), x, y);
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    if (p[kThreshold] == -std::numeric_limits<double>::infinity()) return Chain(d, dy, x, hn::Set(d, 1));
    const V z = hn::Mul(P(d, kBeta), x);
    const V fp = hn::IfThenElse(hn::Gt(z, P(d, kThreshold)), hn::Set(d, 1),
                                LogisticOfProduct(d, P(d, kBeta), x, PLo(d, kBeta)).s);
    return hn::Mul(dy, fp);
  }
};

// r = sqrt(x^2 + b), with x^2 scaled away where it would overflow.
template <class D, class V>
HWY_INLINE V Hypot1(D d, V x, V b) {
  using T = hn::TFromD<D>;
  const V big = Const(d, sizeof(T) == 4 ? 1e18 : 1e150);
  const V ax = hn::Abs(x);
  const V inv = hn::Div(hn::Set(d, 1), ax);
  const V scaled = hn::Mul(ax, hn::Sqrt(hn::MulAdd(hn::Mul(b, inv), inv, hn::Set(d, 1))));
  const V r = hn::IfThenElse(hn::Gt(ax, big), scaled, hn::Sqrt(hn::MulAdd(x, x, b)));
  return hn::IfThenElse(hn::Eq(b, hn::Zero(d)), ax, r);  // x^2 may underflow
}

struct Squareplus : Kernel {
  static constexpr std::size_t kB = spec::squareplus.param("b");
  using Kernel::Kernel;
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    const V b = P(d, kB), r = Hypot1(d, x, b);
    const V half = Const(d, 0.5);
    // r = sqrt(x^2 + b) as a double-word where x^2 is finite: (x + r) / 2 and
    // (b / 4) / (r/2 - x/2) (no cancellation: x < 0 there) rounded once.
    const auto fine = hn::And(hn::Gt(b, hn::Zero(d)),  // b = 0: r = |x| exactly
                              hn::Lt(hn::Abs(x), Const(d, sizeof(hn::TFromD<D>) == 4 ? 1e18 : 1e150)));
    V pl, e, tl, rl;
    const V p = TwoProducts(d, x, x, pl);
    const V t = TwoSums(p, b, e);
    const V rh = SqrtDW(d, t, hn::Add(e, pl), rl);
    const V r2 = hn::IfThenElse(fine, rh, r);
    rl = hn::IfThenElseZero(fine, rl);
    V s0e, s1e;
    const V s0 = TwoSums(hn::Mul(x, half), hn::Mul(r2, half), s0e);
    const V pos = hn::Add(s0, hn::MulAdd(rl, half, s0e));
    const V s1 = TwoSums(hn::Mul(r2, half), hn::Mul(x, Const(d, -0.5)), s1e);
    V ql;
    const V neg = hn::IfThenElseZero(
        hn::Gt(b, hn::Zero(d)),  // b = 0 is relu
        DivDW(d, hn::Mul(b, Const(d, 0.25)), hn::Zero(d), s1, hn::MulAdd(rl, half, s1e), ql));
    (void)tl;
    return AtInf(d, x, hn::IfThenElse(hn::Lt(x, hn::Zero(d)), neg, pos), hn::Zero(d), x);
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    const V b = P(d, kB), r = Hypot1(d, x, b);
    const V pos = hn::Mul(hn::Add(hn::Set(d, 1), hn::Div(x, r)), Const(d, 0.5));
    // b / (2 r (r - x)), as (b / 2r) / (r - x); b = 0 is relu, whose slope is 0 for x < 0.
    const V half = Const(d, 0.5);
    const V neg = hn::IfThenElseZero(
        hn::Gt(b, hn::Zero(d)),
        hn::Div(hn::Div(hn::Mul(b, Const(d, 0.25)), r), hn::Sub(hn::Mul(r, half), hn::Mul(x, half))));
    const V fp = hn::IfThenElse(hn::Lt(x, hn::Zero(d)), neg, pos);
    return Chain(d, dy, x, AtInf(d, x, fp, hn::Zero(d), hn::Set(d, 1)));
  }
};

struct SparsePlus : Kernel {
  using Kernel::Kernel;
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    const V one = hn::Set(d, 1);
    V e, ql;  // (x + 1)^2 / 4, the square of the exact sum, rounded once
    const V t = TwoSums(x, one, e);
    const V q = TwoProducts(d, t, t, ql);
    const V mid = hn::Mul(hn::Add(q, hn::MulAdd(hn::Add(t, t), e, ql)), Const(d, 0.25));
    return hn::IfThenElse(hn::Le(x, hn::Neg(one)), hn::Zero(d), hn::IfThenElse(hn::Ge(x, one), x, mid));
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    const V one = hn::Set(d, 1);
    const V mid = hn::Mul(hn::Add(x, one), Const(d, 0.5));
    const V fp = hn::IfThenElse(hn::Le(x, hn::Neg(one)), hn::Zero(d),
                                hn::IfThenElse(hn::Ge(x, one), one, mid));
    return hn::Mul(dy, fp);
  }
};

struct ShiftedSoftplus : Kernel {
  using Kernel::Kernel;
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    const V fifteen = Const(d, 15);
    const V xs = hn::Min(x, fifteen);  // NaN goes to the large branch below
    const V half = Const(d, 0.5);
    // log1p(expm1(x) / 2) with both as double-words; above 15, (x - ln 2) + log1p(e^-x).
    V ml, sl;
    const V mh = Expm1Parts(d, xs, ml);
    const V small = Log1pParts(d, hn::Mul(mh, half), hn::Mul(ml, half), sl);
    V el, ll, e0;
    const V e = ExpParts(d, hn::Neg(hn::Max(x, fifteen)), el);
    const V l = Log1pParts(d, e, el, ll);
    const V s0 = TwoSums(x, Const(d, -6.93147180559945286227e-01), e0);  // ln 2 = hi + lo
    V large = hn::Add(s0, hn::Add(hn::Add(e0, Const(d, -2.319046813846299558e-17)),
                                  hn::Add(l, ll)));
    large = hn::IfThenElse(hn::IsFinite(x), large, x);  // inf (TwoSums's error term is NaN)
    return hn::IfThenElse(hn::Le(x, fifteen), small, large);
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const { return hn::Mul(dy, LogisticOf(d, x).s); }
};

}  // namespace actfn::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // vector kernels
