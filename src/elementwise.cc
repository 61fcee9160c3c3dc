// The one Highway dispatch unit for elementwise ops: every kernel struct from
// src/kernels/*-inl.h is compiled for every target and exported as one table per target.
#include <cstddef>
#include <iterator>

#include "dispatch.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "elementwise.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "kernels/elu-inl.h"
#include "kernels/gelu-inl.h"
#include "kernels/other-inl.h"
#include "kernels/relu-inl.h"
#include "kernels/sigmoid-inl.h"
#include "kernels/softplus-inl.h"
#include "kernels/tanh-inl.h"
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
  static constexpr bool kF32ViaF64 = K::kF32ViaF64;
  K k;
  template <class D, class V>
  HWY_INLINE V operator()(D d, V dy, V x) const { return k.BackwardX(d, dy, x); }
};
template <class K>
struct FromY {
  static constexpr bool kF32ViaF64 = K::kF32ViaF64;
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

// Every elementwise kernel, by family; ops.cc finds them by name.
const detail::ElementwiseEntry* ElementwiseTable() {
  static constexpr detail::ElementwiseEntry kTable[] = {
      // relu-inl.h
      Entry<Identity>(), Entry<Relu>(), Entry<LeakyRelu>(), Entry<Prelu>(), Entry<Rrelu>(),
      Entry<Relu6>(), Entry<Hardtanh>(), Entry<Threshold>(), Entry<Hardshrink>(),
      Entry<Softshrink>(), Entry<SquaredRelu>(),
      // elu-inl.h
      Entry<Elu>(), Entry<Selu>(), Entry<Celu>(), Entry<Xielu>(), Entry<Isru>(), Entry<Isrlu>(),
      // gelu-inl.h
      Entry<Gelu>(), Entry<QuickGelu>(),
      // sigmoid-inl.h
      Entry<Sigmoid>(), Entry<Logsigmoid>(), Entry<Hardsigmoid>(), Entry<Silu>(), Entry<Swish>(),
      Entry<Hardswish>(), Entry<Mish>(), Entry<SparseSigmoid>(), Entry<Elish>(), Entry<Ftswish>(),
      Entry<BipolarSigmoid>(),
      // tanh-inl.h
      Entry<Tanh>(), Entry<Softsign>(), Entry<Tanhshrink>(), Entry<Softcap>(), Entry<Lisht>(),
      Entry<Tanhexp>(),
      // softplus-inl.h
      Entry<Softplus>(), Entry<Squareplus>(), Entry<SparsePlus>(), Entry<ShiftedSoftplus>(),
      // other-inl.h
      Entry<Snake>(), Entry<Gcu>(), Entry<Gaussian>(), Entry<HyperSinh>(),
      Entry<InverseQuadratic>(), Entry<MultiQuadratic>(), Entry<Quadratic>(), Entry<Poisson1>(),
      Entry<Spline>(), Entry<Sqnl>(),
      {nullptr, {}, {}},
  };
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
