// The exact tier's 16-bit results, settled. float16 and bfloat16 arrays are computed in
// float64 and rounded once; that float64 is itself rounded (and a kernel's is within a few
// float64 ULP of f(x)), so where f(x) lies within that error of a 16-bit midpoint, the
// float64 can sit on the wrong side of it, or on it, and the 16-bit result is off by one
// (0.5 + 2^-40 ULP: leaky_relu's alpha x is a 64-bit product, so some alpha x of 16-bit x lie
// within 2^-53 of a midpoint). Those results are rare (a float64 within kNear ULP of a
// midpoint: about 2^-37 of random results) and are settled here: the function's scalar
// reference in long double (src/kernels: 64 bits, exact for such products) says on which
// side of the midpoint f(x) is, and the float64 is moved to that side (or onto the midpoint,
// which then rounds to even), so that the rounding that follows is f(x)'s correct rounding.
// The reference is trusted only where it agrees with the kernel to within 2 kNear ULP.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "actfn/actfn.hpp"
#include "dispatch.h"
#define ACTFN_REFERENCE_ONLY
#include "kernels/elu-inl.h"
#include "kernels/gelu-inl.h"
#include "kernels/other-inl.h"
#include "kernels/relu-inl.h"
#include "kernels/sigmoid-inl.h"
#include "kernels/simplex.h"
#include "kernels/softmax-inl.h"
#include "kernels/softplus-inl.h"
#include "kernels/tanh-inl.h"
#undef ACTFN_REFERENCE_ONLY

namespace actfn::detail {
namespace {

// Each function's references: f, f' of x, f' of y (or null), a line's f (axis kinds).
struct Refs {
  spec::RefFn f = nullptr, df = nullptr, dfy = nullptr;
  spec::RowFn row = nullptr;
};
#define ACTFN_REFS_elementwise(name) Refs{ref::name, ref::name##_grad, spec::name.dfy, nullptr},
#define ACTFN_REFS_axis(name) Refs{nullptr, nullptr, nullptr, ref::name},
#define ACTFN_REFS_reduce(name) Refs{nullptr, nullptr, nullptr, ref::name},
#define ACTFN_REFS_gated(name) Refs{},
constexpr Refs kRefs[] = {
#define ACTFN_FN(name, kind, family, Kernel) ACTFN_REFS_##kind(name)
#include "actfn/functions.inc"
};
#undef ACTFN_REFS_elementwise
#undef ACTFN_REFS_axis
#undef ACTFN_REFS_reduce
#undef ACTFN_REFS_gated
static_assert(std::size(kRefs) == kFunctionCount);

const Refs& refs(Fn f) { return kRefs[static_cast<std::size_t>(f)]; }

// How far (float64 ULP of the result) a result may lie from a midpoint to be settled: above
// the largest float64 kernel error (gelu's 9.8, docs/accuracy.md).
constexpr std::uint64_t kNear = 32;

template <class H>
struct Grid;  // the 16-bit type's explicit mantissa bits and least normal exponent
template <>
struct Grid<float16> { static constexpr int kMant = 10, kEmin = -14; };
template <>
struct Grid<bfloat16> { static constexpr int kMant = 7, kEmin = -126; };

// The 16-bit midpoint nearest |y| where |y| is within kNear float64 ULP of one, else 0.
// In units of |y|'s float64 ULP, the bits below the 16-bit type's last place (more of them
// in its subnormal range, one more than the mantissa just below 2^(e+1)) are compared with
// half of that place.
template <class H>
double midpoint_near(double y) {
  std::uint64_t b;
  std::memcpy(&b, &y, sizeof b);
  const int biased = static_cast<int>((b >> 52) & 0x7ff);
  if (biased == 0 || biased == 0x7ff) return 0;  // zero, float64 subnormal, inf, NaN
  const int e = biased - 1023;
  const int s = 52 - Grid<H>::kMant + std::max(0, Grid<H>::kEmin - e);
  if (s > 54) return 0;  // below half the least 16-bit subnormal, and not just under it
  const std::uint64_t m = (b & ((std::uint64_t{1} << 52) - 1)) | (std::uint64_t{1} << 52);
  const std::uint64_t mask = (std::uint64_t{1} << s) - 1, half = std::uint64_t{1} << (s - 1);
  const std::uint64_t low = m & mask;
  if ((low > half ? low - half : half - low) > kNear) return 0;
  return std::ldexp(static_cast<double>((m & ~mask) | half), e - 52);
}

// y, near the midpoint mid, moved to the side of it that the reference r is on.
void settle(double& y, double mid, long double r) {
  const double a = std::fabs(y);
  const long double ra = y < 0 ? -r : r;
  const double ulp = std::ldexp(1.0, std::ilogb(a) - 52);
  if (!(std::fabs(ra - static_cast<long double>(a)) <= 2.0L * kNear * ulp)) return;
  const double v = ra > mid ? std::nextafter(mid, HUGE_VAL) : ra < mid ? std::nextafter(mid, 0.0) : mid;
  y = std::copysign(v, y);
}

// A cheap filter for midpoint_near, which it never misses: y's float32 rounding, moved up
// by 2^emin where the 16-bit type is subnormal (so that its grid is a normal binade's), has
// the bits of a 16-bit midpoint (a y within kNear float64 ULP of one rounds to it). Branch
// free; about 2^-13 (float16) or 2^-16 (bfloat16) of random results pass it and go on to
// the exact test.
template <class H>
inline bool maybe_near(double y) {
  constexpr float kMin = 0x1p-14f * (std::is_same_v<H, float16> ? 1.0f : 0x1p-112f);
  constexpr std::uint32_t kLow = (std::uint32_t{1} << (23 - Grid<H>::kMant)) - 1;
  const double a = std::fabs(y);  // clamped: a float conversion out of range is undefined
  float r = static_cast<float>(a > 0x1.fffffep127 ? 0x1.fffffep127 : a);
  r = r < kMin ? r + kMin : r;
  std::uint32_t b;
  std::memcpy(&b, &r, sizeof b);
  return (b & kLow) == (kLow + 1) / 2;
}

// Whether any of y[0, n) may be near a midpoint: maybe_near over whole vectors
// (src/units/convert.cc, the same test).
template <class H>
bool any_maybe_near(const double* y, std::size_t n) {
  const auto& c = convert_kernels();
  return (std::is_same_v<H, float16> ? c.f64_maybe_near_f16 : c.f64_maybe_near_bf16)(y, n);
}

// midpoint_near behind its filter.
template <class H>
double near(double y) {
  return maybe_near<H>(y) ? midpoint_near<H>(y) : 0.0;
}

template <class H>
bool any_near(const double* y, std::size_t n) {
  if (!any_maybe_near<H>(y, n)) return false;
  for (std::size_t i = 0; i < n; ++i)
    if (near<H>(y[i]) != 0) return true;
  return false;
}

}  // namespace

template <class H>
void settle_forward(const Op& op, const double* x, double* y, std::size_t n, const double* p) {
  if (!any_maybe_near<H>(y, n)) return;
  const spec::RefFn f = refs(op.id).f;
  for (std::size_t i = 0; i < n; ++i)
    if (const double mid = near<H>(y[i])) settle(y[i], mid, f(x[i], p));
}

template <class H>
void settle_backward(const Op& op, Saved from, const double* dy, const double* saved, double* dx,
                     std::size_t n, const double* p) {
  const Refs& r = refs(op.id);
  const spec::RefFn df = from == Saved::x ? r.df : r.dfy;
  if (df == nullptr || !any_maybe_near<H>(dx, n)) return;
  for (std::size_t i = 0; i < n; ++i)
    if (const double mid = near<H>(dx[i]))
      settle(dx[i], mid, static_cast<long double>(dy[i]) * df(saved[i], p));
}

template <class H>
void settle_gated(const Op& op, const double* a, const double* b, double* y, std::size_t n,
                  const double* p) {
  if (!any_maybe_near<H>(y, n)) return;
  const spec::RefFn f = refs(op.gate).f;
  const double* g = op.gate_on_b ? b : a;
  const double* h = op.gate_on_b ? a : b;
  for (std::size_t i = 0; i < n; ++i)
    if (const double mid = near<H>(y[i])) settle(y[i], mid, f(g[i], p) * static_cast<long double>(h[i]));
}

template <class H>
void settle_lines(const Op& op, const double* x, double* y, Axis a, const double* p) {
  const spec::RowFn row = refs(op.id).row;
  if (row == nullptr || op.positional) return;
  const bool reduce = op.kind == Kind::reduce;
  std::vector<long double> xl(a.n), yl(reduce ? 1 : a.n);
  std::vector<double> yline(yl.size());
  for (std::size_t o = 0; o < a.outer; ++o) {
    for (std::size_t i = 0; i < a.inner; ++i) {
      const double* xs = x + o * a.n * a.inner + i;
      double* ys = y + (reduce ? o * a.inner : o * a.n * a.inner) + i;
      for (std::size_t j = 0; j < yline.size(); ++j) yline[j] = ys[j * a.inner];
      if (!any_near<H>(yline.data(), yline.size())) continue;
      const long double scale = op.softmax_options ? p[0] : 1.0L;
      for (std::size_t j = 0; j < a.n; ++j) xl[j] = scale * xs[j * a.inner];
      row(xl.data(), yl.data(), a.n);
      for (std::size_t j = 0; j < yline.size(); ++j)
        if (const double mid = near<H>(ys[j * a.inner])) settle(ys[j * a.inner], mid, yl[j]);
    }
  }
}

#define ACTFN_SETTLE(H)                                                                        \
  template void settle_forward<H>(const Op&, const double*, double*, std::size_t,             \
                                  const double*);                                             \
  template void settle_backward<H>(const Op&, Saved, const double*, const double*, double*,   \
                                   std::size_t, const double*);                               \
  template void settle_gated<H>(const Op&, const double*, const double*, double*, std::size_t, \
                                const double*);                                               \
  template void settle_lines<H>(const Op&, const double*, double*, Axis, const double*);
ACTFN_SETTLE(float16)
ACTFN_SETTLE(bfloat16)
#undef ACTFN_SETTLE

}  // namespace actfn::detail
