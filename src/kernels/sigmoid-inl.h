// Logistic family: sigmoid.
//
//   sigmoid(x)  = 1 / (1 + exp(-x))
//   sigmoid'(x) = sigmoid(x) * (1 - sigmoid(x)) = e / (1 + e)^2,  e = exp(-|x|)
//
// Computed on -|x| so the exponent never overflows: with e = exp(-|x|) in (0, 1],
// sigmoid(x) = 1 / (1 + e) for x > 0 and e / (1 + e) otherwise. The negative tail keeps full
// relative precision down to the subnormals (sigmoid(-100.f) = 3.72e-44f, not 0), and the
// derivative from x keeps the positive tail too (sigmoid'(40.0) = 4.25e-18, where the
// y * (1 - y) form gives 0 because y rounds to 1).

// ---- scalar reference ----
#ifndef ACTFN_KERNELS_SIGMOID_REF_
#define ACTFN_KERNELS_SIGMOID_REF_
#include <cmath>
namespace actfn::ref {
inline long double sigmoid(long double x, const double*) {
  if (std::isnan(x)) return x;
  const long double e = std::exp(-std::fabs(x));
  return (x > 0 ? 1.0L : e) / (1.0L + e);
}
inline long double sigmoid_grad(long double x, const double*) {
  if (std::isnan(x)) return x;
  const long double e = std::exp(-std::fabs(x));
  return e / ((1.0L + e) * (1.0L + e));
}
}  // namespace actfn::ref
#endif

// ---- vector kernels ----
#if !defined(ACTFN_REFERENCE_ONLY) && \
    (defined(ACTFN_KERNELS_SIGMOID_INL_H_) == defined(HWY_TARGET_TOGGLE))
#ifdef ACTFN_KERNELS_SIGMOID_INL_H_
#undef ACTFN_KERNELS_SIGMOID_INL_H_
#else
#define ACTFN_KERNELS_SIGMOID_INL_H_
#endif

#include "hwy/highway.h"
#include "math-inl.h"

HWY_BEFORE_NAMESPACE();
namespace actfn::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

struct Sigmoid {
  static constexpr const char* kName = "sigmoid";
  static constexpr bool kBackwardY = true;
  explicit Sigmoid(const double*) {}
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const {
    const V one = hn::Set(d, 1);
    const V e = ExpNaN(d, hn::Neg(hn::Abs(x)));  // NaN stays NaN
    const V num = hn::IfThenElse(hn::Gt(x, hn::Zero(d)), one, e);
    return hn::Div(num, hn::Add(one, e));
  }
  template <class D, class V>
  HWY_INLINE V BackwardX(D d, V dy, V x) const {
    const V e = ExpNaN(d, hn::Neg(hn::Abs(x)));
    const V t = hn::Add(hn::Set(d, 1), e);
    return hn::Mul(dy, hn::Div(e, hn::Mul(t, t)));
  }
  template <class D, class V>
  HWY_INLINE V BackwardY(D d, V dy, V y) const {
    return hn::Mul(dy, hn::Mul(y, hn::Sub(hn::Set(d, 1), y)));
  }
};

}  // namespace actfn::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // vector kernels
