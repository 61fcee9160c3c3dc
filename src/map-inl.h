// The one elementwise loop: every n from 0 up, any alignment, in place (y == x), tails.
// Kernels never see a pointer: they map vectors to vectors, for any descriptor D, so the
// tail runs the very same code on one-lane vectors and gives the same bits as the body.
#if defined(ACTFN_MAP_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ACTFN_MAP_INL_H_
#undef ACTFN_MAP_INL_H_
#else
#define ACTFN_MAP_INL_H_
#endif

#include <cstddef>

#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace actfn::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// y[i] = k.Forward(x[i]). Four vectors per step: each is loaded before any is stored, so
// y == x is safe (partial overlap is rejected before we get here).
template <class K, class T>
HWY_INLINE void MapForward(const K& k, const T* x, T* y,
                           std::size_t n) {
  const hn::ScalableTag<T> d;
  const std::size_t N = hn::Lanes(d);
  std::size_t i = 0;
  for (; i + 4 * N <= n; i += 4 * N) {
    const auto v0 = hn::LoadU(d, x + i);
    const auto v1 = hn::LoadU(d, x + i + N);
    const auto v2 = hn::LoadU(d, x + i + 2 * N);
    const auto v3 = hn::LoadU(d, x + i + 3 * N);
    hn::StoreU(k.Forward(d, v0), d, y + i);
    hn::StoreU(k.Forward(d, v1), d, y + i + N);
    hn::StoreU(k.Forward(d, v2), d, y + i + 2 * N);
    hn::StoreU(k.Forward(d, v3), d, y + i + 3 * N);
  }
  for (; i + N <= n; i += N) hn::StoreU(k.Forward(d, hn::LoadU(d, x + i)), d, y + i);
  const hn::CappedTag<T, 1> d1;
  for (; i < n; ++i) hn::StoreU(k.Forward(d1, hn::LoadU(d1, x + i)), d1, y + i);
}

// dx[i] = B(dy[i], s[i]) where s is x or y and B is a backward member of K.
template <class B, class T>
HWY_INLINE void MapBackward(const B& b, const T* dy, const T* s, T* dx, std::size_t n) {
  const hn::ScalableTag<T> d;
  const std::size_t N = hn::Lanes(d);
  std::size_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    const auto g0 = hn::LoadU(d, dy + i), s0 = hn::LoadU(d, s + i);
    const auto g1 = hn::LoadU(d, dy + i + N), s1 = hn::LoadU(d, s + i + N);
    hn::StoreU(b(d, g0, s0), d, dx + i);
    hn::StoreU(b(d, g1, s1), d, dx + i + N);
  }
  for (; i + N <= n; i += N) hn::StoreU(b(d, hn::LoadU(d, dy + i), hn::LoadU(d, s + i)), d, dx + i);
  const hn::CappedTag<T, 1> d1;
  for (; i < n; ++i)
    hn::StoreU(b(d1, hn::LoadU(d1, dy + i), hn::LoadU(d1, s + i)), d1, dx + i);
}

}  // namespace actfn::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // ACTFN_MAP_INL_H_
