// The tests' side of the one list: for each function, its long double reference and the
// bounds its tests enforce, both from its family file (ref::<name>, spec::<name>.bounds),
// gathered here in the list's order (actfn/functions.inc). A function without a reference or
// a spec does not compile.
//
// The bounds are measured maxima over tests/testing.h's samples (special values, a dense grid
// on [-40, 40], 20000 random values in [-20, 20] and 20000 random bit patterns, at the default
// and other parameters, on every target), rounded up to whole ULP:
// `ACTFN_REPORT=1 build/tests/actfn_tests --gtest_filter='*MatchesRef*'` prints them.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <string_view>

#define ACTFN_REFERENCE_ONLY
#include "kernels/elu-inl.h"
#include "kernels/gated.h"
#include "kernels/gelu-inl.h"
#include "kernels/other-inl.h"
#include "kernels/relu-inl.h"
#include "kernels/sigmoid-inl.h"
#include "kernels/simplex.h"
#include "kernels/softmax-inl.h"
#include "kernels/softplus-inl.h"
#include "kernels/tanh-inl.h"
#undef ACTFN_REFERENCE_ONLY

namespace actfn::test {

using RefFn = spec::RefFn;
using RowRefFn = spec::RowFn;
using RowBackFn = spec::RowBackFn;

// Backward bounds (dx = dy * f'(x)) in ULP of max(|dx|, |dy|), f32 and f64. The forward
// bounds, per tier, are the registry's (Op::bound), which the tests enforce.
struct ElementwiseRef {
  std::string_view name;
  RefFn f, df;
  double grad_ulp32, grad_ulp64;
  RefFn floor = nullptr;
  RefFn dfy = nullptr;  // f' as a function of y, for functions whose backward can read y
};

// Functions along an axis, same shape in and out. Errors (against Op::bound): ULP of each
// output where `relative`, else absolute, in units of eps (the sparse maps and log_softmax: outputs near 0 come from a
// difference and carry an absolute error). A positional function (gumbel_softmax: its noise
// follows the position in the call) has no line reference (f is null): it is tested on its
// own.
struct AxisRef {
  std::string_view name;
  RowRefFn f;
  RowBackFn back;
  bool relative;
  bool shift_exact;  // integer inputs shifted by a constant give the same bits
  bool own = false;  // tested on its own (test_softmax.cc)
};

namespace gen {
#define ACTFN_REF_elementwise(name)                                                      \
  ElementwiseRef{#name, ref::name, ref::name##_grad, spec::name.bounds.grad32,            \
                 spec::name.bounds.grad64, spec::name.bounds.floor, spec::name.dfy},
#define ACTFN_NONE(name)
inline constexpr ElementwiseRef kElementwise[] = {
#define ACTFN_FN(name, kind, family, Kernel) ACTFN_REF_##kind(name)
#define ACTFN_REF_axis ACTFN_NONE
#define ACTFN_REF_reduce ACTFN_NONE
#define ACTFN_REF_gated ACTFN_NONE
#include "actfn/functions.inc"
};
#undef ACTFN_REF_elementwise
#undef ACTFN_REF_axis
#define ACTFN_REF_elementwise ACTFN_NONE
#define ACTFN_REF_axis(name)                                                               \
  AxisRef{#name, ref::name, ref::name##_grad, spec::name.bounds.relative,                  \
          spec::name.bounds.shift_exact, spec::name.positional},
inline constexpr AxisRef kAllAxis[] = {
#define ACTFN_FN(name, kind, family, Kernel) ACTFN_REF_##kind(name)
#include "actfn/functions.inc"
};
#undef ACTFN_REF_axis
#undef ACTFN_REF_reduce
#undef ACTFN_REF_gated
#define ACTFN_NAME(name) std::string_view(#name),
#define ACTFN_REF_axis ACTFN_NONE
#define ACTFN_REF_reduce ACTFN_NAME
#define ACTFN_REF_gated ACTFN_NONE
inline constexpr std::string_view kReduce[] = {
#define ACTFN_FN(name, kind, family, Kernel) ACTFN_REF_##kind(name)
#include "actfn/functions.inc"
};
#undef ACTFN_REF_reduce
#undef ACTFN_REF_gated
#define ACTFN_REF_reduce ACTFN_NONE
#define ACTFN_REF_gated ACTFN_NAME
inline constexpr std::string_view kGated[] = {
#define ACTFN_FN(name, kind, family, Kernel) ACTFN_REF_##kind(name)
#include "actfn/functions.inc"
};
#undef ACTFN_REF_elementwise
#undef ACTFN_REF_axis
#undef ACTFN_REF_reduce
#undef ACTFN_REF_gated
#undef ACTFN_NAME
#undef ACTFN_NONE

constexpr std::size_t count_own(bool own) {
  std::size_t k = 0;
  for (const AxisRef& r : kAllAxis) k += r.own == own;
  return k;
}
template <bool kOwn>
constexpr auto pick() {
  std::array<AxisRef, count_own(kOwn)> out{};
  std::size_t k = 0;
  for (const AxisRef& r : kAllAxis)
    if (r.own == kOwn) out[k++] = r;
  return out;
}
}  // namespace gen

using gen::kElementwise;
using gen::kGated;
using gen::kReduce;
// Along an axis with a line reference, and the ones tested on their own.
inline constexpr auto kAxis = gen::pick<false>();
inline constexpr auto kOwnTests = [] {
  constexpr auto own = gen::pick<true>();
  std::array<std::string_view, own.size()> names{};
  for (std::size_t i = 0; i < own.size(); ++i) names[i] = own[i].name;
  return names;
}();

}  // namespace actfn::test
