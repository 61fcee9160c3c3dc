// Piecewise-linear family: identity (linear), relu, leaky_relu.
//
//   identity(x)   = x                        identity'(x)   = 1
//   relu(x)       = max(0, x)                relu'(x)       = x > 0 ? 1 : 0   (relu'(0) = 0)
//   leaky_relu(x) = x > 0 ? x : alpha * x    leaky_relu'(x) = x > 0 ? 1 : alpha
//
// Exact in every dtype (0 ULP): a select and at most one multiply. relu(-0) = +0, as
// Python's max(0.0, x) in the seed; relu(NaN) = NaN, which a plain max(0, x) would drop.

// ---- scalar reference (long double, the textbook formula; used by the tests) ----
#ifndef ACTFN_KERNELS_RELU_REF_
#define ACTFN_KERNELS_RELU_REF_
#include <cmath>
namespace actfn::ref {
inline long double identity(long double x, const double*) { return x; }
inline long double identity_grad(long double, const double*) { return 1; }
inline long double relu(long double x, const double*) {
  return std::isnan(x) ? x : (x > 0 ? x : 0.0L);
}
inline long double relu_grad(long double x, const double*) {
  return std::isnan(x) ? x : (x > 0 ? 1.0L : 0.0L);
}
inline long double leaky_relu(long double x, const double* p) { return x > 0 ? x : p[0] * x; }
inline long double leaky_relu_grad(long double x, const double* p) {
  return std::isnan(x) ? x : (x > 0 ? 1.0L : static_cast<long double>(p[0]));
}
}  // namespace actfn::ref
#endif

// ---- vector kernels (per Highway target) ----
#if !defined(ACTFN_REFERENCE_ONLY) && \
    (defined(ACTFN_KERNELS_RELU_INL_H_) == defined(HWY_TARGET_TOGGLE))
#ifdef ACTFN_KERNELS_RELU_INL_H_
#undef ACTFN_KERNELS_RELU_INL_H_
#else
#define ACTFN_KERNELS_RELU_INL_H_
#endif

#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace actfn::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// dy * m where m is 1 where `pass` holds and 0 elsewhere, NaN where x is NaN: the IEEE
// product dy * f'(x), so NaN in dy or x reaches dx.
template <class D, class V, class M>
HWY_INLINE V GateGrad(D d, V dy, V x, M pass, V other) {
  const V fp = hn::IfThenElse(pass, hn::Set(d, 1), other);
  return hn::Mul(dy, hn::IfThenElse(hn::IsNaN(x), x, fp));
}

struct Identity {
  static constexpr const char* kName = "identity";
  static constexpr bool kBackwardY = false;
  explicit Identity(const double*) {}
  template <class D, class V>
  HWY_INLINE V Forward(D, V x) const { return x; }
  // dx = dy: identity' is 1 everywhere, so x is not read.
  template <class D, class V>
  HWY_INLINE V BackwardX(D, V dy, V) const { return dy; }
};

struct Relu {
  static constexpr const char* kName = "relu";
  static constexpr bool kBackwardY = false;
  explicit Relu(const double*) {}
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    // x <= 0 is false for NaN, so NaN passes through; -0 <= 0 gives +0.
    return hn::IfThenElse(hn::Le(x, hn::Zero(d)), hn::Zero(d), x);
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    return GateGrad(d, dy, x, hn::Gt(x, hn::Zero(d)), hn::Zero(d));
  }
};

struct LeakyRelu {
  static constexpr const char* kName = "leaky_relu";
  static constexpr bool kBackwardY = false;
  double alpha;
  explicit LeakyRelu(const double* p) : alpha(p[0]) {}
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    const V a = hn::Set(d, static_cast<hn::TFromD<D>>(alpha));
    return hn::IfThenElse(hn::Gt(x, hn::Zero(d)), x, hn::Mul(a, x));
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    const V a = hn::Set(d, static_cast<hn::TFromD<D>>(alpha));
    return GateGrad(d, dy, x, hn::Gt(x, hn::Zero(d)), a);
  }
};

}  // namespace actfn::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // vector kernels
