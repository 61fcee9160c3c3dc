// Softmax family, along one axis of a contiguous tensor (outer x n x inner).
//
//   softmax(x)_i     = exp(x_i - m) / s,          m = max_j x_j,  s = sum_j exp(x_j - m)
//   log_softmax(x)_i = (x_i - m) - log(s)
//   softmin(x)       = softmax(-x)
//   logsumexp(x)     = m + log(s)                  (a reduction: one value per line)
//   softmax backward:     dx_i = y_i * (dy_i - sum_j dy_j y_j)
//   log_softmax backward: dx_i = dy_i - exp(y_i) * sum_j dy_j   (0 where y_i = -inf)
//   logsumexp backward:   dx_i = dy * softmax(x)_i             (reads x)
//
// Options (registry parameters): `scale` multiplies x first (x scale = p + lo exactly, and
// lo is carried into the exponent), and `safe` turns a row with no finite maximum (all -inf,
// for instance fully masked) into zeros, with zero gradients, instead of NaN.
//
// Subtracting the maximum keeps every exponent <= 0, so nothing overflows and s >= 1.
// Special rows: x_i - m is taken as 0 where x_i == m, which gives the limit when m = +inf
// (softmax([inf, 0]) = [1, 0]; k entries at +inf get 1/k each). A row whose maximum is -inf
// (all -inf) has no limit: it gives NaN, as PyTorch. NaN anywhere makes exp, s and so the
// whole row NaN.
//
// Two layouts, same arithmetic per element:
// - inner == 1 (the last axis): rows are contiguous; three vector passes per row (max,
//   exp and sum, normalize).
// - inner > 1 (any other axis): lanes run across `inner`, each lane walks its own line with
//   stride `inner`, so every load is still a contiguous vector.

// ---- scalar reference (long double) ----
#ifndef ACTFN_KERNELS_SOFTMAX_REF_
#define ACTFN_KERNELS_SOFTMAX_REF_
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <vector>

#include "kernels/spec.h"
namespace actfn::ref {
// One line of n values; log selects log_softmax.
inline void softmax_line(const long double* x, long double* y, std::size_t n, bool log) {
  long double m = -std::numeric_limits<long double>::infinity();
  bool nan = false;
  for (std::size_t i = 0; i < n; ++i) {
    nan |= std::isnan(x[i]);
    if (x[i] > m) m = x[i];
  }
  long double s = 0;
  for (std::size_t i = 0; i < n; ++i) s += std::exp(x[i] == m ? 0.0L : x[i] - m);
  if (nan || (std::isinf(m) && m < 0)) s = std::numeric_limits<long double>::quiet_NaN();
  for (std::size_t i = 0; i < n; ++i) {
    const long double z = x[i] == m ? 0.0L : x[i] - m;
    y[i] = log ? z - std::log(s) : std::exp(z) / s;
  }
}
inline void softmax(const long double* x, long double* y, std::size_t n) {
  softmax_line(x, y, n, false);
}
inline void log_softmax(const long double* x, long double* y, std::size_t n) {
  softmax_line(x, y, n, true);
}
inline void softmin(const long double* x, long double* y, std::size_t n) {
  std::vector<long double> neg(x, x + n);
  for (auto& v : neg) v = -v;
  softmax_line(neg.data(), y, n, false);
}
// One value: y[0] = log(sum exp(x)).
inline void logsumexp(const long double* x, long double* y, std::size_t n) {
  long double m = -std::numeric_limits<long double>::infinity();
  for (std::size_t i = 0; i < n; ++i) m = std::isnan(x[i]) || x[i] > m ? x[i] : m;
  if (std::isnan(m) || std::isinf(m)) {
    y[0] = m;
    return;
  }
  long double s = 0;
  for (std::size_t i = 0; i < n; ++i) s += std::exp(x[i] - m);
  y[0] = m + std::log(s);
}
// Backward of one line from y (softmax, softmin) or from y (log_softmax), as the tests
// check it.
inline void softmax_grad(const long double* dy, const long double* y, long double* dx,
                         std::size_t n) {
  long double c = 0;
  for (std::size_t i = 0; i < n; ++i) c += dy[i] * y[i];
  for (std::size_t i = 0; i < n; ++i) dx[i] = y[i] * (dy[i] - c);
}
inline void softmin_grad(const long double* dy, const long double* y, long double* dx,
                         std::size_t n) {
  softmax_grad(dy, y, dx, n);
  for (std::size_t i = 0; i < n; ++i) dx[i] = -dx[i];
}
inline void log_softmax_grad(const long double* dy, const long double* y, long double* dx,
                             std::size_t n) {
  long double c = 0;
  for (std::size_t i = 0; i < n; ++i) c += dy[i];
  for (std::size_t i = 0; i < n; ++i) dx[i] = dy[i] - std::exp(y[i]) * c;
}
// gumbel_softmax has no line reference: its noise follows the position in the whole call.
// tests/test_softmax.cc tests it on its own.
inline constexpr spec::RowFn gumbel_softmax = nullptr;
inline constexpr spec::RowBackFn gumbel_softmax_grad = nullptr;
}  // namespace actfn::ref

// ---- the registry's entries and the tests' bounds ----
namespace actfn::spec {
constexpr std::string_view kBoolChoices[] = {"false", "true"};
inline constexpr Param kSoftmaxParams[] = {
    {"scale", 1, -kMax, kMax, "multiplies x first (attention's 1/sqrt(d))"},
    {"safe", 0, 0, 1, "true: a row with no finite maximum gives zeros, not NaN", kBoolChoices}};
inline constexpr Param kGumbelParams[] = {
    {"tau", 1, 0, kMax, "temperature", {}, true},
    {"hard", 0, 0, 1, "true: the one-hot of the sample's argmax", kBoolChoices},
    {"seed", 0, 0, 9007199254740992.0, "seeds the noise (the same sample on every machine)"}};
inline constexpr Spec softmax{
    .params = kSoftmaxParams,
    .summary = "softmax: a vector to probabilities that sum to 1",
    .formula = "y_i = exp(x_i - max(x)) / sum_j exp(x_j - max(x))  (of scale * x)",
    .derivative = "dx = scale * y * (dy - sum(dy * y))",
    .saved = kY,
    .softmax_options = true,
    .bounds = {.f32 = 4, .f64 = 4, .relative = true, .shift_exact = true}};
inline constexpr Spec log_softmax{
    .params = kSoftmaxParams,
    .summary = "log of softmax, without forming softmax",
    .formula = "y_i = x_i - max(x) - log(sum_j exp(x_j - max(x)))  (of scale * x)",
    .derivative = "dx = scale * (dy - exp(y) * sum(dy))",
    .saved = kY,
    .softmax_options = true,
    .bounds = {.f32 = 4, .f64 = 4, .relative = false, .shift_exact = true}};
inline constexpr Spec softmin{
    .params = kSoftmaxParams,
    .summary = "softmin: softmax of -x",
    .formula = "y_i = exp(-x_i + min(x)) / sum_j exp(-x_j + min(x))  (of scale * x)",
    .derivative = "dx = -scale * y * (dy - sum(dy * y))",
    .saved = kY,
    .softmax_options = true,
    .negated = true,
    .bounds = {.f32 = 4, .f64 = 4, .relative = true, .shift_exact = true}};
inline constexpr Spec logsumexp{
    .summary = "log of the sum of exponentials (one value per line)",
    .formula = "y = max(x) + log(sum_j exp(x_j - max(x)))",
    .derivative = "dx = dy * softmax(x)"};
inline constexpr Spec gumbel_softmax{
    .params = kGumbelParams,
    .summary = "a differentiable sample from softmax(x)",
    .formula = "y = softmax((x + g) / tau), g = -log(-log(u)) from the seed; hard: one-hot of its argmax",
    .derivative = "dx = softmax backward of the soft sample, / tau (straight-through when hard)",
    .positional = true};
}  // namespace actfn::spec
#endif

// ---- vector kernels ----
#if !defined(ACTFN_REFERENCE_ONLY) && \
    (defined(ACTFN_KERNELS_SOFTMAX_INL_H_) == defined(HWY_TARGET_TOGGLE))
#ifdef ACTFN_KERNELS_SOFTMAX_INL_H_
#undef ACTFN_KERNELS_SOFTMAX_INL_H_
#else
#define ACTFN_KERNELS_SOFTMAX_INL_H_
#endif

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include "actfn/actfn.hpp"
#include "hwy/highway.h"
#include "kernels/softmax-line-inl.h"
#include "math-inl.h"
#include "parallel.h"

HWY_BEFORE_NAMESPACE();
namespace actfn::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Lanes of d are Lanes(d) adjacent lines; element k of them is at p + k * stride. Rows
// (inner == 1) use the same function with full vectors along the row instead: see below.
// kFast (the fast tier): one ExpFast per element, stored and divided by the sum.
// Exact f32 lanes (FMA targets): softmax keeps each exponential's rounding error (times 2^64)
// in a thread's scratch for DivBySumLo, lines of more than kMaxScratch values recompute the
// exponential in the last pass instead (ExpOverSum). The scratch for `count` values, or null.
template <class T, bool kFast>
inline constexpr bool kF32Exact = sizeof(T) == 4 && kFma && !kFast;
template <class T, bool kFast>
T* ExpLowScratch(const SoftmaxOpts& o, std::size_t count) {
  if constexpr (kF32Exact<T, kFast>) {
    if (o.mode == Mode::kSoftmax && count <= kMaxScratch) return Scratch<T>(count);
  }
  return nullptr;
}

template <bool kFast, class D, class T = hn::TFromD<D>>
HWY_INLINE void SoftmaxColumns(D d, const T* x, T* y, std::size_t n, std::size_t stride,
                               const SoftmaxOpts& o) {
  using V = hn::Vec<D>;
  const std::size_t N = hn::Lanes(d);
  constexpr bool kExact32 = kF32Exact<T, kFast>;
  T* e_los = ExpLowScratch<T, kFast>(o, n * N);
  const bool recompute = kExact32 && e_los == nullptr;
  V lo;
  V m = hn::Neg(hn::Inf(d));
  for (std::size_t k = 0; k < n; ++k) m = hn::Max(m, LoadScaled(d, x + k * stride, o.scale, lo));
  RowSum<D> sum(d);
  for (std::size_t k = 0; k < n; ++k) {
    const V v = LoadScaled(d, x + k * stride, o.scale, lo);
    V e_lo, e_lo64;
    const V e = ExpShifted<kFast>(d, v, lo, m, e_lo, e_lo64);
    if (o.mode == Mode::kSoftmax && !recompute) hn::StoreU(e, d, y + k * stride);
    if (e_los != nullptr) hn::StoreU(e_lo64, d, e_los + k * N);
    sum.Add(d, v, m, e, e_lo);
  }
  const V one = hn::Set(d, 1);
  const V t = LineTotal(d, hn::Add(sum.acc.Total(), hn::Sub(sum.count, one)), m, o);
  V ls_lo = hn::Zero(d), ls_f32 = t, lse = t;
  if constexpr (kExact32) {
    if (o.mode != Mode::kSoftmax) LogOfLineF32(d, sum, m, t, ls_f32, ls_lo, lse);
  } else if constexpr (kDoubleWord<decltype(d)> && !kFast) {
    if (o.mode == Mode::kLogSumExp) lse = LogSumExpDW(d, sum, m, lse);
  }
  if (o.mode == Mode::kLogSumExp) {
    hn::StoreU(lse, d, y);
    return;
  }
  V s_lo;
  const V s = SumOfLine(d, sum, t, s_lo);
  const V ls = o.mode != Mode::kLogSoftmax ? s : kExact32 ? ls_f32 : Log1pLanes(d, t);
  for (std::size_t k = 0; k < n; ++k) {
    V out;
    if (o.mode == Mode::kSoftmax && recompute) {
      out = ExpOverSum(d, LoadScaled(d, x + k * stride, o.scale, lo), lo, m, s, s_lo);
      if (o.safe) out = hn::IfThenElse(hn::Eq(s, hn::Inf(d)), hn::Zero(d), out);
    } else if (o.mode == Mode::kSoftmax && e_los != nullptr) {
      out = DivBySumLo(d, hn::LoadU(d, y + k * stride), hn::LoadU(d, e_los + k * N), s, s_lo);
      if (o.safe) out = hn::IfThenElse(hn::Eq(s, hn::Inf(d)), hn::Zero(d), out);
    } else if (o.mode == Mode::kSoftmax) {  // y holds the exponentials (x may be y: in place)
      out = DivBySum(d, hn::LoadU(d, y + k * stride), s, s_lo);
      if (o.safe) out = hn::IfThenElse(hn::Eq(s, hn::Inf(d)), hn::Zero(d), out);
    } else {
      out = Output<kFast>(d, LoadScaled(d, x + k * stride, o.scale, lo), lo, m, s, ls, ls_lo, o);
    }
    hn::StoreU(out, d, y + k * stride);
  }
}

// A contiguous row: reductions over full vectors then a one-lane tail, folded in a fixed
// order (deterministic).
// The lanes of a line: T's, or with kWide (f64 buffers holding f32 data) Widened f64 lanes,
// which leave out the double-word steps that only f64 results need.
template <class T, bool kWide>
using LinesTag = std::conditional_t<kWide, Widened<hn::ScalableTag<T>>, hn::ScalableTag<T>>;
template <class T, bool kWide>
using LaneTag = std::conditional_t<kWide, Widened<hn::CappedTag<T, 1>>, hn::CappedTag<T, 1>>;

// A contiguous row in three passes, each a function of its own so that a long row can run
// them on blocks over the threads (SoftmaxLongRow).
// Pass 1: the maximum of x[0, n) (scaled).
template <class T, bool kWide>
T RowMax(const T* x, std::size_t n, const SoftmaxOpts& o) {
  const LinesTag<T, kWide> d;
  const LaneTag<T, kWide> d1;
  const std::size_t N = hn::Lanes(d);
  hn::Vec<decltype(d)> lo;
  hn::Vec<decltype(d1)> lo1;
  auto mv = hn::Neg(hn::Inf(d));
  std::size_t i = 0;
  for (; i + N <= n; i += N) mv = hn::Max(mv, LoadScaled(d, x + i, o.scale, lo));
  auto m1 = hn::Set(d1, hn::GetLane(hn::MaxOfLanes(d, mv)));
  for (; i < n; ++i) m1 = hn::Max(m1, LoadScaled(d1, x + i, o.scale, lo1));
  return hn::GetLane(m1);
}

// Pass 2: the sum of exp(x - m) over x[0, n), folded into one lane (the lanes' sums and
// their compensations one by one, then the one-lane tail). Softmax keeps the exponentials
// in y for pass 3 (unless it recomputes them there), and e_los (where not null) their
// rounding errors.
template <class T, bool kWide, bool kFast>
RowSum<LaneTag<T, kWide>> RowPartialSum(const T* x, T* y, T* e_los, std::size_t n, T m,
                                        bool store, const SoftmaxOpts& o) {
  const LinesTag<T, kWide> d;
  const LaneTag<T, kWide> d1;
  using V1 = hn::Vec<decltype(d1)>;
  const std::size_t N = hn::Lanes(d);
  hn::Vec<decltype(d)> lo;
  V1 lo1;
  RowSum<decltype(d)> sum(d);
  const auto vm = hn::Set(d, m);
  std::size_t i = 0;
  for (; i + N <= n; i += N) {
    const auto v = LoadScaled(d, x + i, o.scale, lo);
    hn::Vec<decltype(d)> e_lo, e_lo64;
    const auto e = ExpShifted<kFast>(d, v, lo, vm, e_lo, e_lo64);
    if (store) hn::StoreU(e, d, y + i);
    if (e_los != nullptr) hn::StoreU(e_lo64, d, e_los + i);
    sum.Add(d, v, vm, e, e_lo);
  }
  RowSum<LaneTag<T, kWide>> tail(d1);
  {
    HWY_ALIGN T ls[hn::MaxLanes(decltype(d)())];
    HWY_ALIGN T lc[hn::MaxLanes(decltype(d)())];
    hn::Store(sum.acc.s, d, ls);
    hn::Store(sum.acc.c, d, lc);
    for (std::size_t j = 0; j < N; ++j) tail.acc.Add(hn::Set(d1, ls[j]));
    for (std::size_t j = 0; j < N; ++j) tail.acc.Add(hn::Set(d1, lc[j]));
  }
  tail.count = hn::Set(d1, hn::GetLane(hn::SumOfLanes(d, sum.count)));
  const V1 m1 = hn::Set(d1, m);
  for (; i < n; ++i) {
    const auto v = LoadScaled(d1, x + i, o.scale, lo1);
    V1 e_lo, e_lo64;
    const auto e = ExpShifted<kFast>(d1, v, lo1, m1, e_lo, e_lo64);
    if (store) hn::StoreU(e, d1, y + i);
    if (e_los != nullptr) hn::StoreU(e_lo64, d1, e_los + i);
    tail.Add(d1, v, m1, e, e_lo);
  }
  return tail;
}

// What pass 3 needs of a row: its sum s + s_lo (softmax) or log ls + ls_lo (log_softmax).
template <class T>
struct RowTotals {
  T s, s_lo, ls, ls_lo;
};

// From the row's folded sum: the totals, or for logsumexp the row's one value (in *lse).
template <class T, bool kWide, bool kFast>
RowTotals<T> RowTotalsOf(const RowSum<LaneTag<T, kWide>>& tail, T m, const SoftmaxOpts& o,
                         T* lse) {
  const LaneTag<T, kWide> d1;
  using V1 = hn::Vec<decltype(d1)>;
  constexpr bool kExact32 = kF32Exact<T, kFast>;
  const V1 m1 = hn::Set(d1, m), one1 = hn::Set(d1, 1);
  const V1 t1 = LineTotal(d1, hn::Add(tail.acc.Total(), hn::Sub(tail.count, one1)), m1, o);
  V1 ls1_lo = hn::Zero(d1), ls1_f32 = t1, lse1 = t1;
  if constexpr (kExact32) {
    if (o.mode != Mode::kSoftmax) LogOfLineF32(d1, tail, m1, t1, ls1_f32, ls1_lo, lse1);
  } else if constexpr (kDoubleWord<decltype(d1)> && !kFast) {
    if (o.mode == Mode::kLogSumExp) lse1 = LogSumExpDW(d1, tail, m1, lse1);
  }
  if (o.mode == Mode::kLogSumExp) {
    *lse = hn::GetLane(lse1);
    return {};
  }
  V1 s1_lo;
  const V1 s1 = SumOfLine(d1, tail, t1, s1_lo);
  const V1 ls1 = o.mode != Mode::kLogSoftmax ? s1 : kExact32 ? ls1_f32 : Log1pLanes(d1, t1);
  return {hn::GetLane(s1), hn::GetLane(s1_lo), hn::GetLane(ls1), hn::GetLane(ls1_lo)};
}

// Pass 3 over x[0, n): the outputs. y holds the exponentials where pass 2 stored them.
template <class T, bool kWide, bool kFast>
void RowOutput(const T* x, T* y, const T* e_los, std::size_t n, T m, const RowTotals<T>& r,
               bool recompute, const SoftmaxOpts& o) {
  const LinesTag<T, kWide> d;
  const LaneTag<T, kWide> d1;
  const std::size_t N = hn::Lanes(d);
  const auto body = [&](auto dd, std::size_t i) {
    hn::Vec<decltype(dd)> lo;
    const auto vm = hn::Set(dd, m), vs = hn::Set(dd, r.s), vs_lo = hn::Set(dd, r.s_lo);
    if (o.mode == Mode::kSoftmax) {
      const auto out =
          recompute ? ExpOverSum(dd, LoadScaled(dd, x + i, o.scale, lo), lo, vm, vs, vs_lo)
          : e_los   ? DivBySumLo(dd, hn::LoadU(dd, y + i), hn::LoadU(dd, e_los + i), vs, vs_lo)
                    : DivBySum(dd, hn::LoadU(dd, y + i), vs, vs_lo);
      hn::StoreU(o.safe ? hn::IfThenElse(hn::Eq(vs, hn::Inf(dd)), hn::Zero(dd), out) : out, dd,
                 y + i);
    } else {
      hn::StoreU(Output<kFast>(dd, LoadScaled(dd, x + i, o.scale, lo), lo, vm, vs,
                               hn::Set(dd, r.ls), hn::Set(dd, r.ls_lo), o),
                 dd, y + i);
    }
  };
  std::size_t i = 0;
  for (; i + N <= n; i += N) body(d, i);
  for (; i < n; ++i) body(d1, i);
}

template <class T, bool kWide = false, bool kFast = false>
void SoftmaxRow(const T* x, T* y, std::size_t n, const SoftmaxOpts& o) {
  const T m = RowMax<T, kWide>(x, n, o);
  T* e_los = ExpLowScratch<T, kFast>(o, n);
  const bool recompute = kF32Exact<T, kFast> && e_los == nullptr;
  const bool store = o.mode == Mode::kSoftmax && !recompute;
  const auto tail = RowPartialSum<T, kWide, kFast>(x, y, e_los, n, m, store, o);
  T lse;
  const RowTotals<T> r = RowTotalsOf<T, kWide, kFast>(tail, m, o, &lse);
  if (o.mode == Mode::kLogSumExp) {
    *y = lse;
    return;
  }
  RowOutput<T, kWide, kFast>(x, y, e_los, n, m, r, recompute, o);
}

// Rows of at least kLongRow values run their passes on blocks of kRowBlock over the threads:
// the maximum is the same whatever the split, the blocks' sums are folded in block order,
// and the blocks are fixed by n alone, so the bits do not depend on the thread count.
inline constexpr std::size_t kRowBlock = 65536, kLongRow = 4 * kRowBlock;

template <class T, bool kWide = false, bool kFast = false>
void SoftmaxLongRow(const T* x, T* y, std::size_t n, const SoftmaxOpts& o) {
  const LaneTag<T, kWide> d1;
  const std::size_t blocks = (n + kRowBlock - 1) / kRowBlock;
  const auto len = [&](std::size_t b) { return std::min(kRowBlock, n - b * kRowBlock); };
  std::vector<T> part(blocks);  // each block's maximum
  detail::parallel_for(blocks, 1, [&](std::size_t b0, std::size_t b1) {
    for (std::size_t b = b0; b < b1; ++b) part[b] = RowMax<T, kWide>(x + b * kRowBlock, len(b), o);
  });
  auto m1 = hn::Set(d1, part[0]);
  for (std::size_t b = 1; b < blocks; ++b) m1 = hn::Max(m1, hn::Set(d1, part[b]));
  const T m = hn::GetLane(m1);
  // Pass 3 recomputes the exponentials on exact f32 lanes (no scratch across threads).
  constexpr bool kRecompute = kF32Exact<T, kFast>;
  const bool store = o.mode == Mode::kSoftmax && !kRecompute;
  std::vector<T> sums(3 * blocks);
  detail::parallel_for(blocks, 1, [&](std::size_t b0, std::size_t b1) {
    for (std::size_t b = b0; b < b1; ++b) {
      const auto t = RowPartialSum<T, kWide, kFast>(x + b * kRowBlock, y + b * kRowBlock, nullptr,
                                                    len(b), m, store, o);
      sums[3 * b] = hn::GetLane(t.acc.s);
      sums[3 * b + 1] = hn::GetLane(t.acc.c);
      sums[3 * b + 2] = hn::GetLane(t.count);
    }
  });
  RowSum<LaneTag<T, kWide>> tail(d1);
  T count = 0;
  for (std::size_t b = 0; b < blocks; ++b) {
    tail.acc.Add(hn::Set(d1, sums[3 * b]));
    tail.acc.Add(hn::Set(d1, sums[3 * b + 1]));
    count += sums[3 * b + 2];
  }
  tail.count = hn::Set(d1, count);
  T lse;
  const RowTotals<T> r = RowTotalsOf<T, kWide, kFast>(tail, m, o, &lse);
  if (o.mode == Mode::kLogSumExp) {
    *y = lse;
    return;
  }
  detail::parallel_for(blocks, 1, [&](std::size_t b0, std::size_t b1) {
    for (std::size_t b = b0; b < b1; ++b)
      RowOutput<T, kWide, kFast>(x + b * kRowBlock, y + b * kRowBlock, nullptr, len(b), m, r,
                                 kRecompute, o);
  });
}

// Any axis. logsumexp writes one value per line: y[o * inner + i].
template <class T, bool kWide = false, bool kFast = false>
void SoftmaxAxis(const T* x, T* y, Axis a, const SoftmaxOpts& o) {
  const std::size_t line = a.n * a.inner;
  const bool reduce = o.mode == Mode::kLogSumExp;
  for (std::size_t ou = 0; ou < a.outer; ++ou) {
    const T* xo = x + ou * line;
    T* yo = y + (reduce ? ou * a.inner : ou * line);
    if (a.inner == 1) {
      if (a.n >= kLongRow) {
        SoftmaxLongRow<T, kWide, kFast>(xo, yo, a.n, o);
      } else {
        SoftmaxRow<T, kWide, kFast>(xo, yo, a.n, o);
      }
      continue;
    }
    // Groups of N adjacent lines (the columns of a non-last axis) over the threads, about
    // kGrain values a chunk: each group is computed alone, the same bits wherever it runs
    // (inside a pool task, as when call.cc splits the outer blocks, this stays inline).
    const LinesTag<T, kWide> d;
    const LaneTag<T, kWide> d1;
    const std::size_t N = hn::Lanes(d);
    const std::size_t groups = a.inner / N;
    detail::parallel_for(groups, std::max<std::size_t>(1, detail::kGrain / (a.n * N)),
                         [&](std::size_t g0, std::size_t g1) {
                           for (std::size_t g = g0; g < g1; ++g)
                             SoftmaxColumns<kFast>(d, xo + g * N, yo + g * N, a.n, a.inner, o);
                         });
    for (std::size_t i = groups * N; i < a.inner; ++i)
      SoftmaxColumns<kFast>(d1, xo + i, yo + i, a.n, a.inner, o);
  }
}

// Backward, lane-parallel over Lanes(d) lines with stride (rows: RowBackward below).
// softmax: c = sum dy y, dx = scale y (dy - c); log_softmax: c = sum dy,
// dx = scale (dy - exp(y) c), 0 where y = -inf, and 0 for a safe-mode row of zeros.
template <class D, class T = hn::TFromD<D>>
HWY_INLINE void BackwardColumns(D d, const T* dy, const T* y, T* dx, std::size_t n,
                                std::size_t stride, bool log, double scale, bool safe) {
  using V = hn::Vec<D>;
  Accumulator<D> acc(d);
  auto any_nonzero = hn::Zero(d);
  for (std::size_t k = 0; k < n; ++k) {
    const V g = hn::LoadU(d, dy + k * stride), yk = hn::LoadU(d, y + k * stride);
    acc.Add(log ? g : hn::Mul(g, yk));
    any_nonzero = hn::Or(any_nonzero, hn::Abs(yk));
  }
  const V c = acc.Total();
  const V sc = Const(d, scale);
  // A safe log_softmax row of zeros (n > 1) was fully masked: its gradient is 0.
  const auto dead = (safe && log && n > 1) ? hn::Eq(any_nonzero, hn::Zero(d)) : hn::FirstN(d, 0);
  for (std::size_t k = 0; k < n; ++k) {
    const V g = hn::LoadU(d, dy + k * stride), yk = hn::LoadU(d, y + k * stride);
    V out = log ? hn::NegMulAdd(ExpNaN(d, yk), c, g) : hn::Mul(yk, hn::Sub(g, c));
    if (log) out = hn::IfThenElse(hn::Eq(yk, hn::Neg(hn::Inf(d))), hn::Zero(d), out);
    out = hn::IfThenElseZero(hn::Not(dead), out);
    hn::StoreU(scale == 1 ? out : hn::Mul(out, sc), d, dx + k * stride);
  }
}

// The same along one contiguous row, with full vectors.
template <class T>
void RowBackward(const T* dy, const T* y, T* dx, std::size_t n, bool log, double scale,
                 bool safe) {
  const hn::ScalableTag<T> d;
  const hn::CappedTag<T, 1> d1;
  const std::size_t N = hn::Lanes(d);
  Accumulator<decltype(d)> acc(d);
  auto nz = hn::Zero(d);
  std::size_t i = 0;
  for (; i + N <= n; i += N) {
    const auto g = hn::LoadU(d, dy + i), yi = hn::LoadU(d, y + i);
    acc.Add(log ? g : hn::Mul(g, yi));
    nz = hn::Or(nz, hn::Abs(yi));
  }
  Accumulator<decltype(d1)> tail(d1);
  tail.Add(hn::Set(d1, hn::GetLane(hn::SumOfLanes(d, acc.Total()))));
  bool all_zero = hn::AllTrue(d, hn::Eq(nz, hn::Zero(d)));
  for (; i < n; ++i) {
    const auto g = hn::LoadU(d1, dy + i), yi = hn::LoadU(d1, y + i);
    tail.Add(log ? g : hn::Mul(g, yi));
    all_zero = all_zero && hn::GetLane(yi) == 0;
  }
  const T c = hn::GetLane(tail.Total());
  const bool dead = safe && log && n > 1 && all_zero;
  const auto body = [&](auto dd, std::size_t j) {
    const auto g = hn::LoadU(dd, dy + j), yj = hn::LoadU(dd, y + j);
    const auto vc = hn::Set(dd, c);
    auto out = log ? hn::NegMulAdd(ExpNaN(dd, yj), vc, g) : hn::Mul(yj, hn::Sub(g, vc));
    if (log) out = hn::IfThenElse(hn::Eq(yj, hn::Neg(hn::Inf(dd))), hn::Zero(dd), out);
    if (dead) out = hn::Zero(dd);
    hn::StoreU(scale == 1 ? out : hn::Mul(out, Const(dd, scale)), dd, dx + j);
  };
  for (i = 0; i + N <= n; i += N) body(d, i);
  for (; i < n; ++i) body(d1, i);
}

template <class T>
void SoftmaxAxisBackward(const T* dy, const T* y, T* dx, Axis a, bool log, double scale,
                         bool safe) {
  const std::size_t line = a.n * a.inner;
  const hn::ScalableTag<T> d;
  const hn::CappedTag<T, 1> d1;
  const std::size_t N = hn::Lanes(d);
  for (std::size_t ou = 0; ou < a.outer; ++ou) {
    const std::size_t off = ou * line;
    if (a.inner == 1) {
      RowBackward(dy + off, y + off, dx + off, a.n, log, scale, safe);
      continue;
    }
    std::size_t i = 0;
    for (; i + N <= a.inner; i += N)
      BackwardColumns(d, dy + off + i, y + off + i, dx + off + i, a.n, a.inner, log, scale, safe);
    for (; i < a.inner; ++i)
      BackwardColumns(d1, dy + off + i, y + off + i, dx + off + i, a.n, a.inner, log, scale, safe);
  }
}

}  // namespace actfn::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // vector kernels
