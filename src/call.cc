// The generic calls: argument checks (check.h), then the dtype policy, then the kernels of
// the op's kind over the threads. The dtype policy lives here alone:
// - float and double arrays run their own kernels, except f32 lines along an axis whose
//   kernel does not keep the f32 bound itself (AxisEntry::f32_native): those are widened to
//   f64 in blocks of lines and rounded once;
// - float16 and bfloat16 arrays are widened, computed and rounded once (the wide/narrow
//   adaptors below): to f64 in the exact tier, to f32 in the fast tier (whose f32 results,
//   within 4 ULP, round to the 16-bit type within 1 ULP of it); elementwise in chunks over the
//   threads, other kinds whole;
// - the fast tier (Accuracy::fast) runs a kernel's fast forward where it has one (exact's
//   otherwise), f32 lines on their own lanes; backward is exact's in both tiers.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "actfn/actfn.hpp"
#include "check.h"
#include "dispatch.h"
#include "parallel.h"

namespace actfn {

void detail::f64_to_f32_odd(const double* in, float* out, std::size_t n) {
  detail::convert_kernels().f64_to_f32_odd(in, out, n);
}

namespace {

using detail::check_apart;
using detail::check_io;
using detail::checked_size;
using detail::out_size;
using detail::Params;

template <class T>
constexpr bool kNarrow = std::is_same_v<T, float16> || std::is_same_v<T, bfloat16>;
template <class T>
T neg_inf() {
  if constexpr (kNarrow<T>) return T(-HUGE_VAL); else return -std::numeric_limits<T>::infinity();
}

constexpr std::size_t kNarrowChunk = 512;

// The widening adaptor: a copy of n values of a narrower type in W (f64, or f32 for the
// fast tier's 16-bit arrays), and back, rounded once. 16-bit values go through the SIMD
// conversions (src/units/convert.cc) in chunks: to f32 exactly, and back from f64 through
// an f32 rounded to odd (detail::f64_to_f32_odd): correctly rounded, 5-10x faster than
// converting one value at a time.
template <class H>
void to_f32(const H* v, float* out, std::size_t n) {
  const auto& c = detail::convert_kernels();
  (std::is_same_v<H, float16> ? c.f16_to_f32 : c.bf16_to_f32)(reinterpret_cast<const std::uint16_t*>(v), out, n);
}
template <class W, class H>
void widen(const H* v, W* out, std::size_t n) {
  if constexpr (kNarrow<H> && std::is_same_v<W, float>) {
    to_f32(v, out, n);
  } else if constexpr (kNarrow<H>) {
    float t[kNarrowChunk];
    for (std::size_t i = 0; i < n; i += kNarrowChunk) {
      const std::size_t m = std::min(kNarrowChunk, n - i);
      to_f32(v + i, t, m);
      for (std::size_t j = 0; j < m; ++j) out[i + j] = t[j];
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<W>(v[i]);
  }
}
template <class W = double, class H>
std::vector<W> wide(const H* v, std::size_t n) {
  std::vector<W> out(n);
  widen(v, out.data(), n);
  return out;
}
template <class W, class H>
void narrow(const W* v, H* out, std::size_t n) {
  if constexpr (std::is_same_v<W, float> && kNarrow<H>) {
    const auto& c = detail::convert_kernels();
    (std::is_same_v<H, float16> ? c.f32_to_f16 : c.f32_to_bf16)(v, reinterpret_cast<std::uint16_t*>(out), n);
  } else if constexpr (kNarrow<H>) {
    float t[kNarrowChunk];
    for (std::size_t i = 0; i < n; i += kNarrowChunk) {
      const std::size_t m = std::min(kNarrowChunk, n - i);
      detail::f64_to_f32_odd(v + i, t, m);
      narrow(t, out + i, m);
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<H>(v[i]);
  }
}

// Lines per chunk for the threads: at least kGrain elements' worth; a positional op's
// results follow the position in the call, so it is never split.
std::size_t lines_grain(const Op& op, Axis a) {
  if (op.positional) return a.outer;
  const std::size_t per_line = std::max<std::size_t>(1, a.n * a.inner);
  return std::max<std::size_t>(1, detail::kGrain / per_line);
}

// Gated units on contiguous halves a, b of n values (chunked through small buffers): the
// gate's elementwise kernels on one half, times the other.
template <class T>
void gated_forward_real(const Op& op, const T* a, const T* b, T* y, std::size_t n,
                        const double* p, Accuracy acc) {
  const auto fwd = detail::elementwise_kernels(actfn::op(op.gate)).forward<T>(acc);
  constexpr std::size_t kChunk = 2048;
  T t[kChunk];
  const T* g = op.gate_on_b ? b : a;  // the gate's input
  const T* h = op.gate_on_b ? a : b;  // the other half
  for (std::size_t i = 0; i < n; i += kChunk) {
    const std::size_t m = std::min(kChunk, n - i);
    fwd(g + i, t, m, p);
    for (std::size_t j = 0; j < m; ++j) y[i + j] = t[j] * h[i + j];
  }
}

// da, db: for the gate's input g, dg = f'(g) (dy h); for the other half h, dh = dy f(g).
template <class T>
void gated_backward_real(const Op& op, const T* dy, const T* a, const T* b, T* da, T* db,
                         std::size_t n, const double* p) {
  const auto& act = detail::elementwise_kernels(actfn::op(op.gate)).fns<T>();
  constexpr std::size_t kChunk = 2048;
  T t[kChunk], u[kChunk];
  const T* g = op.gate_on_b ? b : a;
  const T* h = op.gate_on_b ? a : b;
  T* dg = op.gate_on_b ? db : da;
  T* dh = op.gate_on_b ? da : db;
  for (std::size_t i = 0; i < n; i += kChunk) {
    const std::size_t m = std::min(kChunk, n - i);
    for (std::size_t j = 0; j < m; ++j) u[j] = dy[i + j] * h[i + j];
    act.forward(g + i, t, m, p);
    act.backward_x(u, g + i, dg + i, m, p);  // reads g before it may be overwritten
    for (std::size_t j = 0; j < m; ++j) dh[i + j] = dy[i + j] * t[j];
  }
}

// f32 lines along an axis through f64 (plain f64 steps: AxisEntry::f32_via_f64), in blocks
// of about kGrain elements' lines over the threads; a positional op whole.
void axis_f32_via_f64(const Op& op, const detail::AxisEntry& entry, const float* x, float* y,
                      Axis a, const Params& p);

template <class T>
void forward_real(const Op& op, const T* x, T* y, Axis a, const Params& p, Accuracy acc) {
  const std::size_t count = a.size();
  switch (op.kind) {
    case Kind::elementwise: {
      const auto fwd = detail::elementwise_kernels(op).forward<T>(acc);
      detail::parallel_for(count, detail::kGrain, [&](std::size_t b, std::size_t e) {
        fwd(x + b, y + b, e - b, p.v);
      });
      return;
    }
    case Kind::axis:
    case Kind::reduce: {
      if (out_size(op, a) == 0) return;
      const detail::AxisEntry& entry = detail::axis_kernels(op);
      const bool fast = acc == Accuracy::fast && entry.fast<T>() != nullptr;
      if constexpr (std::is_same_v<T, float>) {
        if (!fast && !entry.f32_native) return axis_f32_via_f64(op, entry, x, y, a, p);
      }
      // Blocks of lines (outer) over the threads; y has n x inner values per block, or inner
      // for a reduction.
      const auto fwd = fast ? entry.fast<T>() : entry.fns<T>().forward;
      const std::size_t block = a.n * a.inner, yblock = op.kind == Kind::axis ? block : a.inner;
      detail::parallel_for(a.outer, lines_grain(op, a), [&](std::size_t b, std::size_t e) {
        fwd(x + b * block, y + b * yblock, Axis{e - b, a.n, a.inner}, p.v);
      });
      return;
    }
    case Kind::gated: {
      const std::size_t half = a.n / 2 * a.inner;
      for (std::size_t o = 0; o < a.outer; ++o)
        gated_forward_real(op, x + 2 * o * half, x + (2 * o + 1) * half, y + o * half, half, p.v,
                           acc);
      return;
    }
  }
}

void axis_f32_via_f64(const Op& op, const detail::AxisEntry& entry, const float* x, float* y,
                      Axis a, const Params& p) {
  if (op.positional) {  // its results follow the position in the whole call
    const std::vector<double> xd = wide(x, a.size());
    std::vector<double> yd(out_size(op, a));
    forward_real<double>(op, xd.data(), yd.data(), a, p, Accuracy::exact);
    narrow(yd.data(), y, yd.size());
    return;
  }
  const auto fwd = entry.f32_via_f64 ? entry.f32_via_f64 : entry.fns<double>().forward;
  const std::size_t block = a.n * a.inner, yblock = op.kind == Kind::axis ? block : a.inner;
  const std::size_t per = std::max<std::size_t>(1, detail::kGrain / std::max<std::size_t>(1, block));
  detail::parallel_for(a.outer, lines_grain(op, a), [&](std::size_t b, std::size_t e) {
    const std::size_t m0 = std::min(per, e - b);
    std::vector<double> xd(m0 * block), yd(m0 * yblock);
    for (std::size_t o = b; o < e; o += per) {
      const std::size_t m = std::min(per, e - o);
      for (std::size_t i = 0; i < m * block; ++i) xd[i] = x[o * block + i];
      fwd(xd.data(), yd.data(), Axis{m, a.n, a.inner}, p.v);
      narrow(yd.data(), y + o * yblock, m * yblock);
    }
  });
}

template <class T>
void backward_real(const Op& op, Saved from, const T* dy, const T* saved, T* dx, Axis a,
                   const Params& p) {
  const std::size_t count = a.size();
  switch (op.kind) {
    case Kind::elementwise: {
      const auto& f = detail::elementwise_kernels(op).fns<T>();
      const auto bwd = from == Saved::x ? f.backward_x : f.backward_y;
      detail::parallel_for(count, detail::kGrain, [&](std::size_t b, std::size_t e) {
        bwd(dy + b, saved + b, dx + b, e - b, p.v);
      });
      return;
    }
    case Kind::axis:
    case Kind::reduce: {
      const auto bwd = detail::axis_kernels(op).fns<T>().backward;
      const std::size_t block = a.n * a.inner, yblock = op.kind == Kind::axis ? block : a.inner;
      const std::size_t sblock = from == Saved::x ? block : yblock;
      detail::parallel_for(a.outer, lines_grain(op, a), [&](std::size_t b, std::size_t e) {
        bwd(dy + b * yblock, saved + b * sblock, dx + b * block, Axis{e - b, a.n, a.inner}, p.v);
      });
      return;
    }
    case Kind::gated: {
      const std::size_t half = a.n / 2 * a.inner;
      for (std::size_t o = 0; o < a.outer; ++o) {
        gated_backward_real(op, dy + o * half, saved + 2 * o * half, saved + (2 * o + 1) * half,
                            dx + 2 * o * half, dx + (2 * o + 1) * half, half, p.v);
      }
      return;
    }
  }
}

// 16-bit arrays through W (f64 exact, f32 fast): elementwise in chunks over the threads,
// other kinds whole. Exact's f64 results are settled before they are rounded
// (detail::settle_forward: correctly rounded where f(x) is near a 16-bit midpoint).
template <class W>
constexpr bool kSettled = std::is_same_v<W, double>;
template <class W, class H>
void forward_narrow_in(const Op& op, const H* x, H* y, Axis a, const Params& p, Accuracy acc) {
  const std::size_t count = a.size();
  if (op.kind == Kind::elementwise) {
    const auto fwd = detail::elementwise_kernels(op).forward<W>(acc);
    detail::parallel_for(count, detail::kGrain, [&](std::size_t b, std::size_t e) {
      W t[kNarrowChunk], u[kNarrowChunk];
      for (std::size_t i = b; i < e; i += kNarrowChunk) {
        const std::size_t m = std::min(kNarrowChunk, e - i);
        widen(x + i, t, m);
        fwd(t, u, m, p.v);
        if constexpr (kSettled<W>) detail::settle_forward<H>(op, t, u, m, p.v);
        narrow(u, y + i, m);
      }
    });
    return;
  }
  const std::vector<W> xd = wide<W>(x, count);
  std::vector<W> yd(out_size(op, a));
  forward_real<W>(op, xd.data(), yd.data(), a, p, acc);
  if constexpr (kSettled<W>) {
    if (op.kind == Kind::gated) {
      const std::size_t half = a.n / 2 * a.inner;
      for (std::size_t o = 0; o < a.outer; ++o)
        detail::settle_gated<H>(op, xd.data() + 2 * o * half, xd.data() + (2 * o + 1) * half,
                                yd.data() + o * half, half, p.v);
    } else {
      detail::settle_lines<H>(op, xd.data(), yd.data(), a, p.v);
    }
  }
  narrow(yd.data(), y, yd.size());
}
template <class H>
void forward_narrow(const Op& op, const H* x, H* y, Axis a, const Params& p, Accuracy acc) {
  if (acc == Accuracy::fast) {
    forward_narrow_in<float>(op, x, y, a, p, acc);
  } else {
    forward_narrow_in<double>(op, x, y, a, p, acc);
  }
}

template <class H>
void backward_narrow(const Op& op, Saved from, const H* dy, const H* saved, H* dx, Axis a,
                     const Params& p) {
  const std::size_t count = a.size();
  if (op.kind == Kind::elementwise) {
    const auto& f = detail::elementwise_kernels(op).fns<double>();
    const auto bwd = from == Saved::x ? f.backward_x : f.backward_y;
    detail::parallel_for(count, detail::kGrain, [&](std::size_t b, std::size_t e) {
      double g[kNarrowChunk], t[kNarrowChunk], u[kNarrowChunk];
      for (std::size_t i = b; i < e; i += kNarrowChunk) {
        const std::size_t m = std::min(kNarrowChunk, e - i);
        widen(dy + i, g, m);
        widen(saved + i, t, m);
        bwd(g, t, u, m, p.v);
        detail::settle_backward<H>(op, from, g, t, u, m, p.v);
        narrow(u, dx + i, m);
      }
    });
    return;
  }
  const std::size_t ny = out_size(op, a);
  const std::vector<double> gd = wide(dy, op.kind == Kind::axis ? count : ny);
  const std::vector<double> sd = wide(saved, from == Saved::x || op.kind == Kind::axis ? count : ny);
  std::vector<double> dxd(count);
  backward_real<double>(op, from, gd.data(), sd.data(), dxd.data(), a, p);
  narrow(dxd.data(), dx, count);
}

template <class T>
void forward_impl(const Op& op, const T* x, T* y, Axis a, std::span<const double> params,
                  Accuracy acc) {
  const Params p = detail::check_params(op, params);
  const std::size_t count = checked_size(op, a);
  if (op.kind == Kind::gated) detail::check_gated(op, a);
  if (op.kind == Kind::elementwise || op.kind == Kind::axis) {
    check_io(op, "y", y, "x", x, count);
  } else {
    check_apart(op, "y", y, out_size(op, a), "x", x, count);
  }
  if (count == 0) {
    // Empty lines reduce to the empty sum's log, -inf (outer x inner of them, maybe none).
    if (op.kind == Kind::reduce) std::fill(y, y + out_size(op, a), neg_inf<T>());
    return;
  }
  if constexpr (kNarrow<T>) {
    forward_narrow(op, x, y, a, p, acc);
  } else {
    forward_real(op, x, y, a, p, acc);
  }
}

template <class T>
void backward_impl(const Op& op, Saved from, const T* dy, const T* saved, T* dx, Axis a,
                   std::span<const double> params) {
  const char* sname = from == Saved::x ? "x" : "y";
  if (!op.reads(from)) {
    detail::fail(op, std::string("backward does not read ") + sname + "; pass " +
                         (op.reads(Saved::x) ? "x" : "y"));
  }
  const Params p = detail::check_params(op, params);
  const std::size_t count = checked_size(op, a);
  if (op.kind == Kind::gated) detail::check_gated(op, a);
  if (op.kind == Kind::elementwise || op.kind == Kind::axis) {
    check_io(op, "dx", dx, "dy", dy, count);
    check_io(op, "dx", dx, sname, saved, count);
  } else {
    check_apart(op, "dx", dx, count, "dy", dy, out_size(op, a));
    check_apart(op, "dx", dx, count, sname, saved, from == Saved::x ? count : out_size(op, a));
  }
  if (count == 0) return;
  if constexpr (kNarrow<T>) {
    backward_narrow(op, from, dy, saved, dx, a, p);
  } else {
    backward_real(op, from, dy, saved, dx, a, p);
  }
}

}  // namespace

// Backward is exact's in both tiers (Accuracy).
#define ACTFN_GENERIC_CALLS(T)                                                            \
  void forward(const Op& o, const T* x, T* y, Axis a, std::span<const double> p,          \
               Accuracy acc) {                                                            \
    forward_impl(o, x, y, a, p, acc);                                                     \
  }                                                                                       \
  void backward(const Op& o, Saved from, const T* dy, const T* s, T* dx, Axis a,          \
                std::span<const double> p, Accuracy) {                                    \
    backward_impl(o, from, dy, s, dx, a, p);                                              \
  }
ACTFN_GENERIC_CALLS(float)
ACTFN_GENERIC_CALLS(double)
ACTFN_GENERIC_CALLS(float16)
ACTFN_GENERIC_CALLS(bfloat16)
#undef ACTFN_GENERIC_CALLS

// The gated units on two separate halves; 16-bit halves go through f64 copies.
template <Storage T>
void gated_forward(const Op& o, const T* a, const T* b, T* y, std::size_t n,
                   std::span<const double> params, Accuracy acc) {
  if (o.kind != Kind::gated) detail::fail(o, "is not a gated unit");
  const Params p = detail::check_params(o, params);
  check_apart(o, "y", y, n, "a", a, n);
  check_apart(o, "y", y, n, "b", b, n);
  if (n == 0) return;
  if constexpr (kNarrow<T>) {
    if (acc == Accuracy::fast) {
      const std::vector<float> af = wide<float>(a, n), bf = wide<float>(b, n);
      std::vector<float> yf(n);
      gated_forward_real(o, af.data(), bf.data(), yf.data(), n, p.v, acc);
      narrow(yf.data(), y, n);
      return;
    }
    const std::vector<double> ad = wide(a, n), bd = wide(b, n);
    std::vector<double> yd(n);
    gated_forward_real(o, ad.data(), bd.data(), yd.data(), n, p.v, acc);
    detail::settle_gated<T>(o, ad.data(), bd.data(), yd.data(), n, p.v);
    narrow(yd.data(), y, n);
  } else {
    gated_forward_real(o, a, b, y, n, p.v, acc);
  }
}
template <Storage T>
void gated_backward(const Op& o, const T* dy, const T* a, const T* b, T* da, T* db,
                    std::size_t n, std::span<const double> params, Accuracy) {
  if (o.kind != Kind::gated) detail::fail(o, "is not a gated unit");
  const Params p = detail::check_params(o, params);
  check_io(o, "da", da, "a", a, n);
  check_io(o, "db", db, "b", b, n);
  check_apart(o, "da", da, n, "db", db, n);
  check_apart(o, "da", da, n, "dy", dy, n + 1);
  check_apart(o, "db", db, n, "dy", dy, n + 1);
  if (n == 0) return;
  if constexpr (kNarrow<T>) {
    const std::vector<double> gd = wide(dy, n), ad = wide(a, n), bd = wide(b, n);
    std::vector<double> dad(n), dbd(n);
    gated_backward_real(o, gd.data(), ad.data(), bd.data(), dad.data(), dbd.data(), n, p.v);
    narrow(dad.data(), da, n);
    narrow(dbd.data(), db, n);
  } else {
    gated_backward_real(o, dy, a, b, da, db, n, p.v);
  }
}
#define ACTFN_GATED_INSTANCES(T)                                                          \
  template void gated_forward<T>(const Op&, const T*, const T*, T*, std::size_t,          \
                                 std::span<const double>, Accuracy);                      \
  template void gated_backward<T>(const Op&, const T*, const T*, const T*, T*, T*,        \
                                  std::size_t, std::span<const double>, Accuracy);
ACTFN_GATED_INSTANCES(float)
ACTFN_GATED_INSTANCES(double)
ACTFN_GATED_INSTANCES(float16)
ACTFN_GATED_INSTANCES(bfloat16)
#undef ACTFN_GATED_INSTANCES

}  // namespace actfn
