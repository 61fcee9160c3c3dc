// The one elementwise loop: every n from 0 up, any alignment, in place (y == x), tails.
// Kernels never see a pointer: they map vectors to vectors. The tail (n mod the vector
// length) goes through a zero-padded full vector: the body's very code, so the same bits,
// and one vector's cost for a short array (one-lane vectors cost a vector each per element:
// a call of sigmoid on 10 floats took 100 ns, now 54).
#if defined(ACTFN_MAP_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ACTFN_MAP_INL_H_
#undef ACTFN_MAP_INL_H_
#else
#define ACTFN_MAP_INL_H_
#endif

#include <algorithm>
#include <cstddef>

#include "dispatch.h"
#include "hwy/highway.h"
#include "math-inl.h"

HWY_BEFORE_NAMESPACE();
namespace actfn::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// What every elementwise kernel struct derives from: its parameters, in registry order, which
// a kernel reads by name: `static constexpr std::size_t kAlpha = spec::elu.param("alpha");`
// then P(d, kAlpha) (a name the spec lacks does not compile). A kernel adds Forward(d, x),
// BackwardX(d, dy, x), and, with kBackwardY = true, BackwardY(d, dy, y).
struct Kernel {
  static constexpr bool kBackwardY = false;
  // Whether the kernel has a fast tier's forward, ForwardFast(d, x) (src/fast-inl.h): within
  // 4 ULP on its own lanes (f32 in f32 lanes on every target), exact's special values.
  static constexpr bool kFast = false;
  // f32 arrays are computed in f64 lanes and rounded once (exact promotion; the lanes' type
  // is Widened, so the kernels take plain f64 steps, ~2^-50 relative, not their double-word
  // ones): f32 results within 0.5 + 2^-20 ULP without f32-specific argument reductions.
  // Opting out: the piecewise-linear kernels (exact anyway) and the native f32 kernels
  // (sigmoid, silu, swish: all-f32 double-word steps where the target has FMA).
  static constexpr bool kF32ViaF64 = true;
  // Whether f32 backward still goes through f64 lanes where the forward is native (a kernel
  // whose forward alone has all-f32 double-word steps).
  static constexpr bool kGradF32ViaF64 = false;
  double p[kMaxParams];
  explicit Kernel(const double* q) {
    for (std::size_t i = 0; i < kMaxParams; ++i) p[i] = q[i];
  }
  template <class D>
  HWY_INLINE hn::Vec<D> P(D d, std::size_t i) const { return Const(d, p[i]); }
  // The part of p[i] the lanes cannot hold (0 on f64 lanes): b x = (P + PLo) x exactly.
  template <class D>
  HWY_INLINE hn::Vec<D> PLo(D d, std::size_t i) const {
    return Const(d, p[i] - static_cast<double>(static_cast<hn::TFromD<D>>(p[i])));
  }
};

// f64 lanes to f32, rounded as IEEE does (inf beyond FLT_MAX). Highway's scalar and emulated
// targets saturate instead (even inf becomes FLT_MAX), so there each lane is converted alone.
template <class DF, class VD>
HWY_INLINE hn::Vec<DF> Demote(DF df, VD v) {
#if HWY_TARGET == HWY_SCALAR || HWY_TARGET == HWY_EMU128
  const hn::Rebind<double, DF> dd;
  HWY_ALIGN double in[hn::MaxLanes(decltype(dd)())];
  HWY_ALIGN float out[hn::MaxLanes(DF())];
  hn::Store(v, dd, in);
  for (std::size_t i = 0; i < hn::Lanes(dd); ++i) out[i] = static_cast<float>(in[i]);
  return hn::Load(df, out);
#else
  return hn::DemoteTo(df, v);
#endif
}

// y[i] = k.Forward(x[i]). Four vectors per step: each is loaded before any is stored, so
// y == x is safe (partial overlap is rejected before we get here).
template <class K, class T>
HWY_INLINE void MapForward(const K& k, const T* x, T* y, std::size_t n) {
  if constexpr (sizeof(T) == 4 && K::kF32ViaF64) {
    // f32 via f64: a vector of doubles and the floats it holds.
    const Widened<hn::ScalableTag<double>> dd;
    const hn::Rebind<float, decltype(dd)> df;
    const std::size_t N = hn::Lanes(dd);
    std::size_t i = 0;
    for (; i + 2 * N <= n; i += 2 * N) {
      const auto v0 = hn::PromoteTo(dd, hn::LoadU(df, x + i));
      const auto v1 = hn::PromoteTo(dd, hn::LoadU(df, x + i + N));
      hn::StoreU(Demote(df, k.Forward(dd, v0)), df, y + i);
      hn::StoreU(Demote(df, k.Forward(dd, v1)), df, y + i + N);
    }
    for (; i + N <= n; i += N) {
      hn::StoreU(Demote(df, k.Forward(dd, hn::PromoteTo(dd, hn::LoadU(df, x + i)))), df, y + i);
    }
    if (i < n) {  // the tail: one full vector through a zero-padded buffer, as the body
      HWY_ALIGN float buf[hn::MaxLanes(decltype(dd)())] = {};
      std::copy(x + i, x + n, buf);
      hn::Store(Demote(df, k.Forward(dd, hn::PromoteTo(dd, hn::Load(df, buf)))), df, buf);
      std::copy(buf, buf + (n - i), y + i);
    }
  } else {
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
    if (i < n) {  // the tail: one full vector through a zero-padded buffer, as the body
      HWY_ALIGN T buf[hn::MaxLanes(decltype(d)())] = {};
      std::copy(x + i, x + n, buf);
      hn::Store(k.Forward(d, hn::Load(d, buf)), d, buf);
      std::copy(buf, buf + (n - i), y + i);
    }
  }
}

// dx[i] = b(dy[i], s[i]) where s is x or y and b calls a backward member of a kernel
// (b::kF32ViaF64 says whether f32 goes through f64, as in MapForward).
template <class B, class T>
HWY_INLINE void MapBackward(const B& b, const T* dy, const T* s, T* dx, std::size_t n) {
  if constexpr (sizeof(T) == 4 && B::kF32ViaF64) {
    const Widened<hn::ScalableTag<double>> dd;
    const hn::Rebind<float, decltype(dd)> df;
    const std::size_t N = hn::Lanes(dd);
    std::size_t i = 0;
    for (; i + N <= n; i += N) {
      const auto g = hn::PromoteTo(dd, hn::LoadU(df, dy + i));
      const auto v = hn::PromoteTo(dd, hn::LoadU(df, s + i));
      hn::StoreU(Demote(df, b(dd, g, v)), df, dx + i);
    }
    if (i < n) {  // the tail through zero-padded buffers, as in MapForward
      HWY_ALIGN float bg[hn::MaxLanes(decltype(dd)())] = {};
      HWY_ALIGN float bv[hn::MaxLanes(decltype(dd)())] = {};
      std::copy(dy + i, dy + n, bg);
      std::copy(s + i, s + n, bv);
      const auto g = hn::PromoteTo(dd, hn::Load(df, bg));
      const auto v = hn::PromoteTo(dd, hn::Load(df, bv));
      hn::Store(Demote(df, b(dd, g, v)), df, bg);
      std::copy(bg, bg + (n - i), dx + i);
    }
  } else {
    const hn::ScalableTag<T> d;
    const std::size_t N = hn::Lanes(d);
    std::size_t i = 0;
    for (; i + 2 * N <= n; i += 2 * N) {
      const auto g0 = hn::LoadU(d, dy + i), s0 = hn::LoadU(d, s + i);
      const auto g1 = hn::LoadU(d, dy + i + N), s1 = hn::LoadU(d, s + i + N);
      hn::StoreU(b(d, g0, s0), d, dx + i);
      hn::StoreU(b(d, g1, s1), d, dx + i + N);
    }
    for (; i + N <= n; i += N) {
      hn::StoreU(b(d, hn::LoadU(d, dy + i), hn::LoadU(d, s + i)), d, dx + i);
    }
    if (i < n) {  // the tail through zero-padded buffers, as in MapForward
      HWY_ALIGN T bg[hn::MaxLanes(decltype(d)())] = {};
      HWY_ALIGN T bv[hn::MaxLanes(decltype(d)())] = {};
      std::copy(dy + i, dy + n, bg);
      std::copy(s + i, s + n, bv);
      hn::Store(b(d, hn::Load(d, bg), hn::Load(d, bv)), d, bg);
      std::copy(bg, bg + (n - i), dx + i);
    }
  }
}

}  // namespace actfn::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // ACTFN_MAP_INL_H_
