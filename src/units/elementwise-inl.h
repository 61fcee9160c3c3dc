// The body of every elementwise family's dispatch unit (src/units/<family>.cc), included once
// per Highway target after the family's kernel file: the kernels of each function of the
// family (ACTFN_IN_<family>, see families.h), and once, after the last target, the accessors
// detail::<name>_kernels() declared in dispatch.h. No include guard, on purpose.
#include <cstddef>

#include "dispatch.h"
#include "hwy/highway.h"
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
  static constexpr bool kF32ViaF64 = K::kF32ViaF64 || K::kGradF32ViaF64;
  K k;
  template <class D, class V>
  HWY_INLINE V operator()(D d, V dy, V x) const { return k.BackwardX(d, dy, x); }
};
template <class K>
struct FromY {
  static constexpr bool kF32ViaF64 = K::kF32ViaF64 || K::kGradF32ViaF64;
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

// The fast tier's forward: K::ForwardFast where the kernel has one (K::kFast), on the
// array's own lanes (f32 in f32 lanes on every target); null otherwise (exact's serves).
template <class K>
struct FastTier : K {
  static constexpr bool kF32ViaF64 = false;
  using K::K;
  template <class D, class V>
  HWY_INLINE V Forward(D d, V x) const { return K::ForwardFast(d, x); }
};
template <class K, class T>
constexpr detail::ForwardFn<T> FastForward() {
  if constexpr (K::kFast) {
    return &Forward<FastTier<K>, T>;
  } else {
    return nullptr;
  }
}

template <class K, class T>
constexpr detail::ElementwiseFns<T> Fns() {
  if constexpr (K::kBackwardY) {
    return {&Forward<K, T>, &BackwardX<K, T>, &BackwardY<K, T>};
  } else {
    return {&Forward<K, T>, &BackwardX<K, T>, nullptr};
  }
}

// <name>_entry(): the function's kernels on this target.
#define ACTFN_FN(name, kind, family, Kernel)                              \
  ACTFN_IN_##family(const detail::ElementwiseEntry& name##_entry() {      \
    static constexpr detail::ElementwiseEntry kEntry = {                  \
        Fns<Kernel, float>(), Fns<Kernel, double>(),                      \
        FastForward<Kernel, float>(), FastForward<Kernel, double>()};     \
    return kEntry;                                                        \
  })
#include "actfn/functions.inc"

}  // namespace actfn::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace actfn {
#define ACTFN_FN(name, kind, family, Kernel) \
  ACTFN_IN_##family(ACTFN_KERNELS_ACCESSOR(name, ElementwiseEntry))
#include "actfn/functions.inc"
}  // namespace actfn
#endif
