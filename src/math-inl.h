// Vector math primitives that Highway 1.0.3's contrib/math lacks or gets wrong for us.
// Per-target code: included inside a foreach_target dispatch unit.
#if defined(ACTFN_MATH_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ACTFN_MATH_INL_H_
#undef ACTFN_MATH_INL_H_
#else
#define ACTFN_MATH_INL_H_
#endif

#include "hwy/contrib/math/math-inl.h"
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace actfn::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// exp(x) that keeps NaN. hn::Exp is 1 ULP (its doc) and builds 2^q with two multiplies, so
// results down to the smallest subnormal survive (exp(-100.f) = 3.72e-44f); but it returns 0
// for NaN, because its final `x >= -104` test is false for NaN.
template <class D, class V>
HWY_INLINE V ExpNaN(D d, V x) {
  return hn::IfThenElse(hn::IsNaN(x), x, hn::Exp(d, x));
}

}  // namespace actfn::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // ACTFN_MATH_INL_H_
