// The Highway dispatch unit for the softmax family (ops along an axis).
#include <cstddef>
#include <iterator>

#include "dispatch.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "softmax.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "kernels/softmax-inl.h"

HWY_BEFORE_NAMESPACE();
namespace actfn::HWY_NAMESPACE {

template <class T, bool kLog>
void Forward(const T* x, T* y, Axis a, const double*) {
  SoftmaxAxis(x, y, a, kLog);
}
template <class T, bool kLog>
void Backward(const T* dy, const T* y, T* dx, Axis a, const double*) {
  SoftmaxAxisBackward(dy, y, dx, a, kLog);
}
template <bool kLog>
constexpr detail::AxisEntry Entry(const char* name) {
  return {name, {&Forward<float, kLog>, &Backward<float, kLog>},
          {&Forward<double, kLog>, &Backward<double, kLog>}};
}

const detail::AxisEntry* AxisTable() {
  static constexpr detail::AxisEntry kTable[] = {
      Entry<false>("softmax"),
      Entry<true>("log_softmax"),
      {nullptr, {}, {}},
  };
  return kTable;
}

}  // namespace actfn::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace actfn {
HWY_EXPORT(AxisTable);
namespace detail {
const AxisEntry* axis_table() { return HWY_DYNAMIC_DISPATCH(AxisTable)(); }
}  // namespace detail
}  // namespace actfn
#endif
