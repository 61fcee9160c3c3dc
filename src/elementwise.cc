// The one Highway dispatch unit for elementwise ops: every kernel struct from
// src/kernels/*-inl.h is compiled for every target and exported as one table per target.
#include <cstddef>
#include <iterator>

#include "dispatch.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "elementwise.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "kernels/relu-inl.h"
#include "kernels/sigmoid-inl.h"
#include "map-inl.h"

HWY_BEFORE_NAMESPACE();
namespace actfn::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <class K, class T>
void Forward(const T* x, T* y, std::size_t n, const double* p) {
  MapForward(K(p), x, y, n);
}

template <class K>
struct FromX {
  K k;
  template <class D, class V>
  HWY_INLINE V operator()(D d, V dy, V x) const { return k.BackwardX(d, dy, x); }
};
template <class K>
struct FromY {
  K k;
  template <class D, class V>
  HWY_INLINE V operator()(D d, V dy, V y) const { return k.BackwardY(d, dy, y); }
};

template <class K, class T>
void BackwardX(const T* dy, const T* x, T* dx, std::size_t n, const double* p) {
  MapBackward(FromX<K>{K(p)}, dy, x, dx, n);
}
template <class K, class T>
void BackwardY(const T* dy, const T* y, T* dx, std::size_t n, const double* p) {
  MapBackward(FromY<K>{K(p)}, dy, y, dx, n);
}

template <class K, class T>
constexpr detail::ElementwiseFns<T> Fns() {
  if constexpr (K::kBackwardY) {
    return {&Forward<K, T>, &BackwardX<K, T>, &BackwardY<K, T>};
  } else {
    return {&Forward<K, T>, &BackwardX<K, T>, nullptr};
  }
}
template <class K>
constexpr detail::ElementwiseEntry Entry() {
  return {K::kName, Fns<K, float>(), Fns<K, double>()};
}

// In the order of detail::ElementwiseKernel.
const detail::ElementwiseEntry* ElementwiseTable() {
  static constexpr detail::ElementwiseEntry kTable[] = {
      Entry<Identity>(),
      Entry<Relu>(),
      Entry<LeakyRelu>(),
      Entry<Sigmoid>(),
  };
  static_assert(std::size(kTable) == detail::kNumElementwise);
  return kTable;
}

}  // namespace actfn::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace actfn {
HWY_EXPORT(ElementwiseTable);
namespace detail {
const ElementwiseEntry* elementwise_table() { return HWY_DYNAMIC_DISPATCH(ElementwiseTable)(); }
}  // namespace detail
}  // namespace actfn
#endif
