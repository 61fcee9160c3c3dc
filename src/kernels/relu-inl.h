// Piecewise-linear family: the ReLU relatives.
//
//   identity(x)           = x                              f' = 1
//   relu(x)               = max(0, x)                      f' = x > 0            (relu'(0) = 0)
//   leaky_relu(x; alpha)  = x > 0 ? x : alpha x            f' = x > 0 ? 1 : alpha
//   prelu(x; weight)      = x > 0 ? x : weight x           (one shared weight; per channel:
//                                                          actfn::prelu_channels)
//   rrelu(x; lower, upper) = leaky_relu with alpha = (lower + upper) / 2 (inference;
//                           training draws one slope per element: actfn::rrelu_train)
//   relu6(x)              = min(max(0, x), 6)              f' = 0 < x < 6
//   hardtanh(x; min, max) = min(max(x, min), max)          f' = min < x < max
//   threshold(x; t, v)    = x > t ? x : v                  f' = x > t
//   hardshrink(x; l)      = |x| > l ? x : 0                f' = |x| > l
//   softshrink(x; l)      = |x| > l ? x - sign(x) l : 0    f' = |x| > l
//   squared_relu(x)       = relu(x)^2                      f' = 2 relu(x)
//
// Derivatives at the kinks are PyTorch's (the open intervals above). All exact (0 ULP)
// except where a product or difference rounds once (<= 0.5 ULP) and where a parameter
// rounds to the dtype first (alpha = 0.01 is not a float: 1 ULP). relu(-0) = +0, as Python's
// max(0.0, x) in the seed; NaN passes through every select (a plain max(0, x) would drop it).

// ---- scalar reference (long double, the textbook formula; used by the tests) ----
#ifndef ACTFN_KERNELS_RELU_REF_
#define ACTFN_KERNELS_RELU_REF_
#include <cmath>
#include "kernels/ref-common.h"
#include "format.h"
#include "kernels/spec.h"
namespace actfn::ref {
template <class L>
inline L nan_or(L x, Same<L> v) { return isnan(x) ? x : v; }
template <class L>
inline L identity(L x, const double*) { return x; }
template <class L>
inline L identity_grad(L, const double*) { return 1; }
template <class L>
inline L relu(L x, const double*) { return nan_or(x, x > 0 ? x : 0.0L); }
template <class L>
inline L relu_grad(L x, const double*) { return nan_or(x, x > 0 ? 1.0L : 0.0L); }
template <class L>
inline L leaky_relu(L x, const double* p) { return x > 0 ? x : p[0] * x; }
template <class L>
inline L leaky_relu_grad(L x, const double* p) { return nan_or(x, x > 0 ? 1.0L : p[0]); }
template <class L>
inline L prelu(L x, const double* p) { return leaky_relu(x, p); }
template <class L>
inline L prelu_grad(L x, const double* p) { return leaky_relu_grad(x, p); }
template <class L>
inline L rrelu(L x, const double* p) { return x > 0 ? x : (L(p[0]) + L(p[1])) / 2 * x; }
template <class L>
inline L rrelu_grad(L x, const double* p) { return nan_or(x, x > 0 ? 1.0L : (L(p[0]) + L(p[1])) / 2); }
template <class L>
inline L hardtanh(L x, const double* p) { return nan_or(x, x <= p[0] ? L(p[0]) : x >= p[1] ? L(p[1]) : x); }
template <class L>
inline L hardtanh_grad(L x, const double* p) { return nan_or(x, x > p[0] && x < p[1] ? 1.0L : 0.0L); }
template <class L>
inline L relu6(L x, const double*) { const double p[] = {0, 6}; return hardtanh(x, p); }
template <class L>
inline L relu6_grad(L x, const double*) { const double p[] = {0, 6}; return hardtanh_grad(x, p); }
template <class L>
inline L threshold(L x, const double* p) { return nan_or(x, x > p[0] ? x : L(p[1])); }
template <class L>
inline L threshold_grad(L x, const double* p) { return nan_or(x, x > p[0] ? 1.0L : 0.0L); }
template <class L>
inline L hardshrink(L x, const double* p) { return nan_or(x, fabs(x) > p[0] ? x : 0.0L); }
template <class L>
inline L hardshrink_grad(L x, const double* p) { return nan_or(x, fabs(x) > p[0] ? 1.0L : 0.0L); }
template <class L>
inline L softshrink(L x, const double* p) {
  return nan_or(x, x > p[0] ? x - p[0] : x < -p[0] ? x + p[0] : 0.0L);
}
template <class L>
inline L softshrink_grad(L x, const double* p) { return hardshrink_grad(x, p); }
template <class L>
inline L squared_relu(L x, const double*) { return nan_or(x, x > 0 ? x * x : 0.0L); }
template <class L>
inline L squared_relu_grad(L x, const double*) { return nan_or(x, x > 0 ? 2 * x : 0.0L); }
}  // namespace actfn::ref

// ---- the registry's entries and the tests' bounds ----
namespace actfn::spec {
inline std::string order_check(const double* p, const char* a, const char* b) {
  if (p[0] <= p[1]) return "";
  return std::string(a) + " = " + detail::python_repr(p[0]) + " must not exceed " + b + " = " +
         detail::python_repr(p[1]);
}
inline std::string hardtanh_check(const double* p) { return order_check(p, "min_val", "max_val"); }
inline std::string rrelu_check(const double* p) { return order_check(p, "lower", "upper"); }
inline constexpr Param kLeakyReluParams[] = {
    {"alpha", 0.01, 0.0, 1.0, "slope for x <= 0 (PyTorch's negative_slope; the seed uses 0.001)"}};
inline constexpr Param kPreluParams[] = {{"weight", 0.25, -kMax, kMax, "slope for x <= 0 (PyTorch's init)"}};
inline constexpr Param kRreluParams[] = {
    {"lower", 1.0 / 8, 0.0, 1.0, "smallest slope"}, {"upper", 1.0 / 3, 0.0, 1.0, "largest slope"}};
inline constexpr Param kHardtanhParams[] = {{"min_val", -1, -kMax, kMax, "lower clamp"},
                                     {"max_val", 1, -kMax, kMax, "upper clamp"}};
inline constexpr Param kThresholdParams[] = {{"threshold", 0, -kMax, kMax, "x above it passes"},
                                      {"value", 0, -kMax, kMax, "what replaces x <= threshold"}};
inline constexpr Param kLambdParams[] = {{"lambd", 0.5, 0, kMax, "half-width of the zeroed band"}};
inline constexpr Spec identity{
    .alias = "linear",
    .summary = "the identity (linear activation): passes x through",
    .formula = "y = x",
    .derivative = "f'(x) = 1",
    .bounds = {0, 0, 0, 0}};
inline constexpr Spec relu{
    .summary = "rectified linear unit",
    .formula = "y = max(0, x)",
    .derivative = "f'(x) = x > 0 ? 1 : 0   (f'(0) = 0)",
    .bounds = {0, 0, 0, 0}};
inline constexpr Spec leaky_relu{
    .params = kLeakyReluParams,
    .summary = "leaky ReLU: a small slope alpha for x <= 0",
    .formula = "y = x > 0 ? x : alpha * x",
    .derivative = "f'(x) = x > 0 ? 1 : alpha   (f'(0) = alpha)",
    .bounds = {1, 1, 1, 1}};
inline constexpr Spec prelu{
    .params = kPreluParams,
    .summary = "parametric ReLU, one shared weight (per channel: prelu_channels in C++)",
    .formula = "y = x > 0 ? x : weight * x",
    .derivative = "f'(x) = x > 0 ? 1 : weight",
    .bounds = {1, 1, 1, 0}};
inline constexpr Spec rrelu{
    .params = kRreluParams,
    .summary = "randomized leaky ReLU in inference: the mean slope (training: rrelu_train in C++)",
    .formula = "y = x > 0 ? x : (lower + upper) / 2 * x",
    .derivative = "f'(x) = x > 0 ? 1 : (lower + upper) / 2",
    .check = rrelu_check,
    .bounds = {1, 1, 1, 1}};
inline constexpr Spec relu6{
    .summary = "ReLU capped at 6 (MobileNet)",
    .formula = "y = min(max(0, x), 6)",
    .derivative = "f'(x) = 0 < x < 6 ? 1 : 0",
    .bounds = {0, 0, 0, 0}};
inline constexpr Spec hardtanh{
    .params = kHardtanhParams,
    .summary = "clamp to [min_val, max_val]",
    .formula = "y = min(max(x, min_val), max_val)",
    .derivative = "f'(x) = min_val < x < max_val ? 1 : 0",
    .check = hardtanh_check,
    .bounds = {0, 0, 0, 0}};
inline constexpr Spec threshold{
    .params = kThresholdParams,
    .summary = "replace x <= threshold by value",
    .formula = "y = x > threshold ? x : value",
    .derivative = "f'(x) = x > threshold ? 1 : 0",
    .bounds = {0, 0, 0, 0}};
inline constexpr Spec hardshrink{
    .params = kLambdParams,
    .summary = "zero the band |x| <= lambd",
    .formula = "y = |x| > lambd ? x : 0",
    .derivative = "f'(x) = |x| > lambd ? 1 : 0",
    .bounds = {0, 0, 0, 0}};
inline constexpr Spec softshrink{
    .params = kLambdParams,
    .summary = "shrink toward 0 by lambd",
    .formula = "y = x > lambd ? x - lambd : x < -lambd ? x + lambd : 0",
    .derivative = "f'(x) = |x| > lambd ? 1 : 0",
    .bounds = {0, 0, 0, 0}};
inline constexpr Spec squared_relu{
    .summary = "squared ReLU (Primer)",
    .formula = "y = max(0, x)^2",
    .derivative = "f'(x) = 2 * max(0, x)",
    .bounds = {0, 1, 0, 1}};
}  // namespace actfn::spec
#endif

// ---- vector kernels (per Highway target) ----
#if !defined(ACTFN_REFERENCE_ONLY) && \
    (defined(ACTFN_KERNELS_RELU_INL_H_) == defined(HWY_TARGET_TOGGLE))
#ifdef ACTFN_KERNELS_RELU_INL_H_
#undef ACTFN_KERNELS_RELU_INL_H_
#else
#define ACTFN_KERNELS_RELU_INL_H_
#endif

#include <cstdint>
#include <cstring>

#include "hwy/highway.h"
#include "map-inl.h"
#include "math-inl.h"

HWY_BEFORE_NAMESPACE();
namespace actfn::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// 1 where `pass` holds, else `other`.
template <class D, class M, class V>
HWY_INLINE V Step(D d, M pass, V other) {
  return hn::IfThenElse(pass, hn::Set(d, 1), other);
}

// x alpha rounded once to float: the float64 product and its exact error (an FMA; NaN where
// the product is inf or NaN, then unused) give the product rounded to odd, whose rounding to float is then the correct one (53 bits hold
// float's 24 and two more), subnormal results included.
inline float ProductRoundedOnce(float x, double alpha) {
  const double p = static_cast<double>(x) * alpha;
  const double e = std::fma(static_cast<double>(x), alpha, -p);
  std::uint64_t b;
  std::memcpy(&b, &p, sizeof b);
  const double odd = e != 0 && (b & 1) == 0 ? std::nextafter(p, e > 0 ? HUGE_VAL : -HUGE_VAL) : p;
  // At and beyond FLT_MAX + half its ULP the rounding is inf (a float conversion out of range
  // is undefined).
  if (std::fabs(odd) >= 0x1.ffffffp127) return static_cast<float>(std::copysign(HUGE_VAL, odd));
  return static_cast<float>(odd);
}

// x > 0 ? x : alpha x, and its derivative: leaky_relu, prelu, rrelu. a + a_lo: the slope as
// a double-word of the lanes' type (a_lo = 0 on f64 lanes, where a x rounds once).
//
// The fast tier's (SlopeFaithful): a x + a_lo x rounded once, within 0.5 + 2^-24 ULP (alpha
// rounded to f32 first would round twice: 1.4 ULP); 0.74 in f32's subnormals (a double
// rounding at 2^64 scale and back).
//
// The exact tier's (Slope), float32 lanes (FMA targets): alpha x correctly rounded. y = a x
// + a_lo x, rounded once, is within 2^-24 ULP of alpha x before its rounding (a_lo x's own
// rounding and alpha - a - a_lo: 2^-48 relative each), so it is the correct rounding unless
// alpha x lies that close to a midpoint: lanes whose residual |a x - y + a_lo x| (the FMA
// keeps a x - y exact) is within 2^-14 of half y's ULP (about 2^-14 of the products), results
// below 2^-100 (where a_lo x loses bits) or from 2^126 on, infinities and NaN, and every lane
// of an alpha beyond 2^+-100, are rounded from alpha itself, one lane at a time
// (ProductRoundedOnce). An alpha that float32 holds needs none of it: a x rounds once.
template <class D, class V>
HWY_INLINE V SlopeFaithful(D d, V x, V a, V a_lo) {
  V ax = hn::MulAdd(a, x, hn::IfThenElseZero(hn::IsFinite(x), hn::Mul(a_lo, x)));
  if constexpr (kNativeF32<D>) {
    // Products in the subnormals: x scaled up by 2^64 first, so that a_lo x keeps its bits
    // and the sum rounds at full precision before the scaling back (0.98 ULP otherwise).
    const auto tiny = hn::Lt(hn::Abs(x), Const(d, 0x1p-90));
    if (HWY_UNLIKELY(!hn::AllFalse(d, tiny))) {
      const V xs = hn::Mul(x, Const(d, 0x1p64));
      const V axs = hn::Mul(hn::MulAdd(a, xs, hn::Mul(a_lo, xs)), Const(d, 0x1p-64));
      ax = hn::IfThenElse(tiny, axs, ax);
    }
  }
  ax = hn::IfThenElse(hn::Eq(ax, hn::Zero(d)), hn::Mul(a, x), ax);  // a x's signed zero
  return hn::IfThenElse(hn::Gt(x, hn::Zero(d)), x, ax);
}
// Slope's rare lanes, one at a time (out of line: the loop keeps its registers).
template <class D, class V, class M>
HWY_NOINLINE V SlopeRare(D d, V x, V ax, M rare, double alpha) {
  HWY_ALIGN float lanes[hn::MaxLanes(D())];
  hn::Store(x, d, lanes);
  for (std::size_t i = 0; i < hn::Lanes(d); ++i) lanes[i] = ProductRoundedOnce(lanes[i], alpha);
  return hn::IfThenElse(rare, hn::Load(d, lanes), ax);
}
template <class D, class V>
HWY_INLINE V Slope(D d, V x, V a, V a_lo, double alpha) {
  if constexpr (!kNativeF32<D>) {
    return SlopeFaithful(d, x, a, a_lo);
  } else {
    const double m = std::fabs(alpha);
    const bool in_range = m == 0 || (m >= 0x1p-100 && m <= 0x1p100);
    if (in_range && static_cast<double>(static_cast<float>(alpha)) == alpha)
      return hn::IfThenElse(hn::Gt(x, hn::Zero(d)), x, hn::Mul(a, x));
    const V lo = hn::Mul(a_lo, x);
    V ax = hn::MulAdd(a, x, lo);
    const hn::RebindToSigned<D> di;
    const auto bits = hn::BitCast(di, hn::Abs(ax));
    const V half = hn::Mul(hn::BitCast(d, hn::And(bits, hn::Set(di, 0x7f800000))), Const(d, 0x1p-24));
    const V res = hn::Abs(hn::Add(hn::MulSub(a, x, ax), lo));
    const auto zero = hn::Eq(x, hn::Zero(d));
    auto rare = hn::Gt(res, hn::Mul(half, Const(d, 1 - 0x1p-14)));
    rare = hn::Or(rare, hn::RebindMask(d, hn::Lt(bits, hn::Set(di, 0x0d800000))));   // < 2^-100
    rare = hn::Or(rare, hn::RebindMask(d, hn::Gt(bits, hn::Set(di, 0x7e7fffff))));  // >= 2^126
    rare = in_range ? hn::AndNot(zero, rare) : hn::FirstN(d, hn::Lanes(d));
    ax = hn::IfThenElse(zero, hn::Mul(a, x), ax);  // a x's signed zero
    if (HWY_UNLIKELY(!hn::AllFalse(d, rare))) ax = SlopeRare(d, x, ax, rare, alpha);
    return hn::IfThenElse(hn::Gt(x, hn::Zero(d)), x, ax);
  }
}

template <class D, class V>
HWY_INLINE V SlopeGrad(D d, V dy, V x, V a, V a_lo) {
  const V neg = hn::MulAdd(dy, a, hn::IfThenElseZero(hn::IsFinite(dy), hn::Mul(dy, a_lo)));
  return hn::IfThenElse(hn::Gt(x, hn::Zero(d)), dy,
                        hn::IfThenElse(hn::IsNaN(x), hn::Mul(dy, x), neg));
}

// min(max(x, lo), hi) with NaN passing through (hn::Min/Max would drop it), and its
// derivative 1 on the open interval (lo, hi).
template <class D, class V>
HWY_INLINE V Clamp(D, V x, V lo, V hi) {
  return hn::IfThenElse(hn::Ge(x, hi), hi, hn::IfThenElse(hn::Le(x, lo), lo, x));
}
template <class D, class V>
HWY_INLINE V ClampGrad(D d, V dy, V x, V lo, V hi) {
  return Chain(d, dy, x, Step(d, hn::And(hn::Gt(x, lo), hn::Lt(x, hi)), hn::Zero(d)));
}

struct Identity : Kernel {
  static constexpr bool kF32ViaF64 = false;
  using Kernel::Kernel;
  template <class D, class V>
  HWY_INLINE V Forward(D, V x) const { return x; }
  // dx = dy: identity' is 1 everywhere, so x is not read.
  template <class D, class V>
  HWY_INLINE V BackwardX(D, V dy, V) const { return dy; }
};

struct Relu : Kernel {
  static constexpr bool kF32ViaF64 = false;
  using Kernel::Kernel;
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    // x <= 0 is false for NaN, so NaN passes through; -0 <= 0 gives +0.
    return hn::IfThenElse(hn::Le(x, hn::Zero(d)), hn::Zero(d), x);
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    return Chain(d, dy, x, Step(d, hn::Gt(x, hn::Zero(d)), hn::Zero(d)));
  }
};

struct LeakyRelu : Kernel {
  static constexpr std::size_t kAlpha = spec::leaky_relu.param("alpha");
  // alpha x correctly rounded in f32 lanes (FMA; without it, f32 goes through f64).
  static constexpr bool kF32ViaF64 = !kFma;
  using Kernel::Kernel;
  static constexpr bool kFast = true;  // SlopeFaithful: 0.5 + 2^-24 ULP, not correctly rounded
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const { return Slope(d, x, P(d, kAlpha), PLo(d, kAlpha), p[kAlpha]); }
  template <class D, class V>
  HWY_INLINE V ForwardFast(D d, V x) const { return SlopeFaithful(d, x, P(d, kAlpha), PLo(d, kAlpha)); }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    return SlopeGrad(d, dy, x, P(d, kAlpha), PLo(d, kAlpha));
  }
};

// leaky_relu's kernel, its alpha read as prelu's weight.
struct Prelu : LeakyRelu {
  static_assert(spec::prelu.param("weight") == kAlpha);
  using LeakyRelu::LeakyRelu;
};

struct Rrelu : Kernel {
  static constexpr std::size_t kLower = spec::rrelu.param("lower");
  static constexpr std::size_t kUpper = spec::rrelu.param("upper");
  static constexpr bool kF32ViaF64 = !kFma;  // as leaky_relu
  using Kernel::Kernel;
  // The mean slope (lower + upper) / 2 in f64, and its part the lanes cannot hold.
  template <class D>
  HWY_INLINE hn::Vec<D> Alpha(D d) const { return Const(d, (p[kLower] + p[kUpper]) / 2); }
  template <class D>
  HWY_INLINE hn::Vec<D> AlphaLo(D d) const {
    const double a = (p[kLower] + p[kUpper]) / 2;
    return Const(d, a - static_cast<double>(static_cast<hn::TFromD<D>>(a)));
  }
  static constexpr bool kFast = true;  // as leaky_relu
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    return Slope(d, x, Alpha(d), AlphaLo(d), (p[kLower] + p[kUpper]) / 2);
  }
  template <class D, class V>
  HWY_INLINE V ForwardFast(D d, V x) const { return SlopeFaithful(d, x, Alpha(d), AlphaLo(d)); }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    return SlopeGrad(d, dy, x, Alpha(d), AlphaLo(d));
  }
};

struct Hardtanh : Kernel {
  static constexpr std::size_t kMinVal = spec::hardtanh.param("min_val");
  static constexpr std::size_t kMaxVal = spec::hardtanh.param("max_val");
  static constexpr bool kF32ViaF64 = false;
  using Kernel::Kernel;
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const { return Clamp(d, x, P(d, kMinVal), P(d, kMaxVal)); }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const { return ClampGrad(d, dy, x, P(d, kMinVal), P(d, kMaxVal)); }
};

struct Relu6 : Kernel {
  static constexpr bool kF32ViaF64 = false;
  using Kernel::Kernel;
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const { return Clamp(d, x, hn::Zero(d), Const(d, 6)); }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    return ClampGrad(d, dy, x, hn::Zero(d), Const(d, 6));
  }
};

struct Threshold : Kernel {
  static constexpr std::size_t kThreshold = spec::threshold.param("threshold");
  static constexpr std::size_t kValue = spec::threshold.param("value");
  static constexpr bool kF32ViaF64 = false;
  using Kernel::Kernel;
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const { return hn::IfThenElse(hn::Le(x, P(d, kThreshold)), P(d, kValue), x); }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    return Chain(d, dy, x, Step(d, hn::Gt(x, P(d, kThreshold)), hn::Zero(d)));
  }
};

struct Hardshrink : Kernel {
  static constexpr std::size_t kLambd = spec::hardshrink.param("lambd");
  static constexpr bool kF32ViaF64 = false;
  using Kernel::Kernel;
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    return hn::IfThenElse(hn::Le(hn::Abs(x), P(d, kLambd)), hn::Zero(d), x);
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    return Chain(d, dy, x, Step(d, hn::Gt(hn::Abs(x), P(d, kLambd)), hn::Zero(d)));
  }
};

struct Softshrink : Hardshrink {
  static constexpr std::size_t kLambd = spec::softshrink.param("lambd");
  static_assert(kLambd == Hardshrink::kLambd);  // its backward is hardshrink's
  // x - lambd cancels near lambd: in f64 with the exact f64 lambd, then rounded once.
  static constexpr bool kF32ViaF64 = true;
  using Hardshrink::Hardshrink;
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    const V shrunk = hn::Sub(x, hn::CopySign(P(d, kLambd), x));
    return hn::IfThenElse(hn::Le(hn::Abs(x), P(d, kLambd)), hn::Zero(d), shrunk);
  }
};

struct SquaredRelu : Kernel {
  static constexpr bool kF32ViaF64 = false;
  using Kernel::Kernel;
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    const V r = Relu(p).Forward(d, x);
    return hn::Mul(r, r);
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    const V r = Relu(p).Forward(d, x);
    return hn::Mul(hn::Add(dy, dy), r);  // 2 dy exact: no overflow of 2r
  }
};

}  // namespace actfn::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // vector kernels
