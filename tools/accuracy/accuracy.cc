// actfn-accuracy: measures every function's error in ULP of its output type against a
// correctly rounded reference, forward and backward, and prints the table of docs/accuracy.md.
//
//   actfn-accuracy [FUNCTION...] [--dtype f16,bf16,f32,f64] [--exhaustive] [--stride S]
//                  [--samples N] [--threads T] [--markdown] [--check FILE] [--quiet]
//                  [--accuracy exact|fast] [--forward-only] [--defaults]
//
// --forward-only skips the backward columns; --defaults measures each function at its
// default numbers only, each choice (else also each number alone at another value).
//
// --accuracy fast measures the fast tier's forward (docs/accuracy-fast.md; backward is
// exact's in both tiers).
//
// Inputs: f16 and bf16 all 65,536; f32 all 2^32 with --exhaustive (--bits LO:HI: the bit
// patterns [LO, HI) only, in order: a slice of the sweep), else 2^32 / S of them
// (S = 256 by default: the bit patterns mix(j), j < 2^32 / S, for a fixed bijection mix, so a
// smaller S tests a superset); f64 N random inputs (default 10^6; half random bit patterns,
// which spread over every binade, half with exponents in [-30, 10]). f32 and f64 add 4096
// inputs around each hard point: the saturation or overflow threshold on each side and 0.
//
// Reference: each function's template in src/kernels/*-inl.h, first in long double, then in
// MPFR (192 bits) for every input whose long-double error comes within a margin of the
// largest error seen so far (the margin is 4x the long double reference's own error on an
// audit sample, at least 1e-6 ULP; 0.01 for f64), so the maxima and worst inputs are MPFR's.
// Each pass runs over a block of 65,536 inputs at a time and hands on those within two of its
// margins of the block's largest error (or the maximum so far), at most 4,096 of them, the
// largest; the others keep the pass's figure (a run of inputs with one constant result, as
// softplus near 0, would otherwise send every input to MPFR).
// For the float32 forward a pass in double comes first, handing on the same way (its margin
// from an audit of up to 30,000 inputs; skipped where that margin exceeds 0.01 ULP, as where
// the formula cancels near 0): 2^32 inputs in minutes instead of half an hour. The backward
// of --exhaustive has a double pass too, except near the zeros of f' away from 0, where its
// relative error is conditioned without bound (snake's 1 + sin 2x: a double there agreed
// with a wrong kernel, 7 ULP for 99): a prescan finds them (near_zeros_of_df) and those
// blocks, and any block whose f' changes sign, take long double as before.
// --no-double-pass leaves it out (the same maxima, slower: a check of the pass).
// Backward is dx = 1 * f'(x): "rel" is the error in ULP of |f'(x)|, "abs" in ULP of
// max(|f'(x)|, 1) (where f' cancels, near a kink or in saturation, dy is the natural scale).
// Functions with zeros away from 0 (gcu, snake, xielu, ftswish) measure forward errors in ULP
// of max(|y|, floor(x)), as tests/reference.h says.
//
// The softmax family (softmax, log_softmax, softmin, logsumexp) runs on rows of length 1, 2,
// 7, 1000 and 32000 with values spread up to +-1e4 and some -inf, against MPFR, error per
// element in ULP of that element.
//
// --check FILE reads the detailed table of docs/accuracy.md and fails (status 1) when a
// measured maximum exceeds the one recorded there: the recorded run tests a superset of the
// inputs, so a kernel change that loses accuracy fails the build.
#include <algorithm>
#include <bit>
#include <atomic>
#include <cctype>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "actfn/actfn.hpp"
#include "format.h"
#include "hwy/targets.h"
#include "measure.h"
#include "mp.h"
#include "param_sets.h"
#include "reference.h"

namespace {

using namespace actfn;  // NOLINT
using namespace actfn::accuracy;  // NOLINT
using mp::Mp;

// ---- inputs
std::uint32_t mix32(std::uint32_t x) {  // a bijection on 32 bits
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}
std::uint64_t splitmix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

struct Inputs {
  Dt dt;
  std::uint64_t count = 0;  // generated inputs, then the hard-point windows
  bool exhaustive = false;
  std::uint64_t base = 0;   // exhaustive: the first bit pattern (--bits)
  std::uint64_t stride = 256;
  std::vector<double> extra;
  std::uint64_t size() const { return count + extra.size(); }
  double at(std::uint64_t k) const {
    if (k >= count) return extra[k - count];
    switch (dt) {
      case Dt::f16: return static_cast<double>(float16::from_bits(static_cast<std::uint16_t>(k)));
      case Dt::bf16: return static_cast<double>(bfloat16::from_bits(static_cast<std::uint16_t>(k)));
      case Dt::f32: {
        const auto b = exhaustive ? static_cast<std::uint32_t>(base + k) : mix32(static_cast<std::uint32_t>(k));
        float v;
        std::memcpy(&v, &b, 4);
        return v;
      }
      case Dt::f64: {
        std::uint64_t b = splitmix(k);
        if (k & 1) {  // exponent in [-30, 10]
          const std::uint64_t e = 1023 - 30 + (b >> 11) % 41;
          b = (b & 0x800fffffffffffffull) | (e << 52);
        }
        double v;
        std::memcpy(&v, &b, 8);
        return v;
      }
    }
    return 0;
  }
};

// The kth positive finite value of a format, k in [0, positive_count).
double nth_positive(Dt d, std::uint64_t k) {
  switch (d) {
    case Dt::f16: return static_cast<double>(float16::from_bits(static_cast<std::uint16_t>(k)));
    case Dt::bf16: return static_cast<double>(bfloat16::from_bits(static_cast<std::uint16_t>(k)));
    case Dt::f32: {
      const auto b = static_cast<std::uint32_t>(k);
      float v;
      std::memcpy(&v, &b, 4);
      return v;
    }
    case Dt::f64: {
      double v;
      std::memcpy(&v, &k, 8);
      return v;
    }
  }
  return 0;
}
std::uint64_t positive_count(Dt d) {
  switch (d) {
    case Dt::f16: return 0x7c00;
    case Dt::bf16: return 0x7f80;
    case Dt::f32: return 0x7f800000ull;
    case Dt::f64: return 0x7ff0000000000000ull;
  }
  return 0;
}

// Windows of w inputs on each side of 0 and of the points where f reaches, rounded to the
// format, its value at the largest finite input (saturation, or overflow to inf), both signs.
std::vector<double> hard_points(Dt d, test::RefFn f, const double* p, int w) {
  std::vector<double> out;
  const std::uint64_t top = positive_count(d);
  for (int i = 0; i < w; ++i) {
    out.push_back(nth_positive(d, static_cast<std::uint64_t>(i)));
    out.push_back(-nth_positive(d, static_cast<std::uint64_t>(i)));
  }
  for (double s : {1.0, -1.0}) {
    const double limit = round_to(d, f(s * nth_positive(d, top - 1), p));
    auto same = [&](std::uint64_t k) {
      const double v = round_to(d, f(s * nth_positive(d, k), p));
      return v == limit || (std::isnan(v) && std::isnan(limit));
    };
    std::uint64_t lo = 1, hi = top - 1;  // same(hi); find the first k with same(k)
    if (same(lo)) continue;
    while (hi - lo > 1) {
      const std::uint64_t mid = lo + (hi - lo) / 2;
      (same(mid) ? hi : lo) = mid;
    }
    for (std::uint64_t k = hi > static_cast<std::uint64_t>(w) ? hi - w : 0;
         k < std::min(top, hi + w); ++k) {
      out.push_back(s * nth_positive(d, k));
    }
  }
  return out;
}

// ---- the elementwise measurement
using MpFn = Mp (*)(Mp, const double*);
struct MpRef {
  std::string_view name;
  MpFn f, df;
};
#define ACTFN_MP_elementwise(name) MpRef{#name, ref::name, ref::name##_grad},
#define ACTFN_MP_axis(name)
#define ACTFN_MP_reduce(name)
#define ACTFN_MP_gated(name)
const MpRef kMpRefs[] = {
#define ACTFN_FN(name, kind, family, Kernel) ACTFN_MP_##kind(name)
#include "actfn/functions.inc"
};
#undef ACTFN_MP_elementwise
#undef ACTFN_MP_axis
#undef ACTFN_MP_reduce
#undef ACTFN_MP_gated

// The same forward references in double (their long double constants and literals promote some
// steps): the first pass of --exhaustive and the 16-bit runs, ~10x cheaper than long double
// (glibc's expl saves and restores the floating-point environment on every call). Good to
// ~2^-50 where the formula does not cancel; the audit measures how good, per run.
using DFn = double (*)(double, const double*);
struct DRef {
  std::string_view name;
  DFn f, df;
};
#define ACTFN_D_elementwise(name) DRef{#name, ref::name<double>, ref::name##_grad<double>},
#define ACTFN_D_axis(name)
#define ACTFN_D_reduce(name)
#define ACTFN_D_gated(name)
const DRef kDRefs[] = {
#define ACTFN_FN(name, kind, family, Kernel) ACTFN_D_##kind(name)
#include "actfn/functions.inc"
};
#undef ACTFN_D_elementwise
#undef ACTFN_D_axis
#undef ACTFN_D_reduce
#undef ACTFN_D_gated

template <class S>
void run_kernel(const Op& op, const std::vector<double>& p, bool with_backward,
                const std::vector<double>& x, std::vector<double>& y, std::vector<double>& g) {
  const std::size_t n = x.size();
  thread_local std::vector<S> xs, ys, gs, dy;  // reused from block to block
  xs.resize(n), ys.resize(n), gs.resize(n), dy.assign(n, S(1.0));
  for (std::size_t i = 0; i < n; ++i) xs[i] = S(x[i]);
  forward(op, xs.data(), ys.data(), Axis{1, n, 1}, p, g_accuracy);
  if (with_backward) backward(op, Saved::x, dy.data(), xs.data(), gs.data(), Axis{1, n, 1}, p);
  for (std::size_t i = 0; i < n; ++i) {
    y[i] = static_cast<double>(ys[i]);
    g[i] = static_cast<double>(gs[i]);
  }
}

bool g_double_pass = true;
// Errors below this are not handed on while the maximum is below it too: every input of a
// run that starts where the kernel is exact (0 ULP) would otherwise go to MPFR (the float32
// sweep in bit order spends its first billion inputs near 0). Maxima below 0.001 ULP are the
// first pass's, within its margin.
constexpr double kFloor = 0.001;

struct Margins {
  double fwd, bwd;     // the long double reference's
  double fwd_d, bwd_d; // the double reference's (bwd_d: rel and abs together)
};

// A value's error in ULP of the format against the double reference's r (and floor), in
// double arithmetic; NaN when either is not finite (the long double pass decides those).
double err_d(double y, double r, double floor, const Fmt& f) {
  if (!std::isfinite(r) || !std::isfinite(y)) return NAN;
  // ULP of max(|r|, floor) from its exponent field (a subnormal double takes emin's).
  const auto bits = std::bit_cast<std::uint64_t>(std::max(std::fabs(r), floor));
  const int e = std::max(f.emin, static_cast<int>(bits >> 52) - 1023);
  const auto ulp = std::bit_cast<double>(static_cast<std::uint64_t>(e - (f.p - 1) + 1023) << 52);
  return std::fabs(y - r) / ulp;
}

// The references' own errors on a sample of the inputs (every binade: the inputs are bit
// patterns), in ULP of the format; each margin is 4x the largest.
Margins audit(const test::ElementwiseRef& r, const DRef& d, const MpRef& m, const double* p,
              const Inputs& in, bool dstage) {
  const Fmt& f = fmt(in.dt);
  double ef = 0, eb = 0, efd = 0, ebd = 0;
  // 3,000 inputs; with the double pass one per 2,048 up to 30,000 (every binade either way).
  const std::uint64_t n = dstage ? std::clamp<std::uint64_t>(in.size() / 2048, 3000, 30000) : 3000;
  const std::uint64_t step = std::max<std::uint64_t>(1, in.size() / n);
  for (std::uint64_t k = 0; k < in.size(); k += step) {
    const double x = in.at(k);
    const LD fl = r.floor ? r.floor(x, p) : 0;
    const LD a = r.f(x, p), b = r.df(x, p);
    const Mp am = m.f(Mp(x), p), bm = m.df(Mp(x), p);
    if (isnan(am) || isinf(am) || isnan(bm) || isinf(bm)) continue;
    const LD uf = ulp_of(std::max(std::fabs(am.ld()), fl), f), ub = ulp_of(std::fabs(bm.ld()), f);
    auto gap = [](LD v, const Mp& t, LD u) {
      return std::isfinite(v) ? static_cast<double>(fabs(Mp(v) - t).ld() / u) : INFINITY;
    };
    ef = std::max(ef, std::isfinite(a) ? gap(a, am, uf) : 0.0);
    eb = std::max(eb, std::isfinite(b) ? gap(b, bm, ub) : 0.0);
    // A double that overflows where the truth does not: no first pass (margin inf).
    if (dstage) {
      const double dd = d.df(x, p);
      efd = std::max(efd, gap(d.f(x, p), am, uf));
      ebd = std::max({ebd, gap(dd, bm, ub), gap(dd, bm, ulp_of(std::max(fabs(bm).ld(), 1.0L), f))});
    }
  }
  const double base = in.dt == Dt::f64 ? 0.01 : 1e-6;
  return {std::max(base, 4 * ef), std::max(base, 4 * eb), std::max(base, 4 * efd),
          std::max(base, 4 * ebd)};
}

// Which inputs of a block go on to the next pass: those whose error e (or e2, with its own
// threshold) is not below the threshold, at most kHandOn of them, the largest excess first.
// The others keep the first pass's figure, within its margin of the truth (a few 1e-6 ULP).
constexpr std::size_t kHandOn = 4096;
std::vector<char> pick(const std::vector<double>& e, double t, const std::vector<double>* e2,
                       double t2) {
  std::vector<char> go(e.size(), 0);
  std::vector<std::pair<double, std::size_t>> c;  // (excess, index); not finite: inf
  for (std::size_t i = 0; i < e.size(); ++i) {
    double x = std::isnan(e[i]) ? INFINITY : e[i] - t;
    if (e2 != nullptr) x = std::max(x, std::isnan((*e2)[i]) ? INFINITY : (*e2)[i] - t2);
    if (x >= 0) c.emplace_back(x, i);
  }
  if (c.size() > kHandOn) {
    std::nth_element(c.begin(), c.begin() + kHandOn, c.end(), std::greater<>());
    c.resize(kHandOn);
  }
  for (const auto& [x, i] : c) go[i] = 1;
  return go;
}

// The blocks of a float32 sweep in bit order whose backward the double pass leaves to long
// double: those near a zero of f' away from 0, where the double's f' cancels (snake's
// 1 + sin 2x, which touches 0 without changing sign; a double there once agreed with a wrong
// kernel: 7 ULP for 99). A prescan of every 16th input finds the runs where |f'| < 2^-6 (beyond
// them the double's relative error is below 2^-30 S / 2^-6 float32 ULP for terms of size S
// that cancel: 2^-24 for S = 1, below the audit's least margin) and marks those that hold a
// sign change or dip between larger values, and one block more each side; a run that reaches
// x = 0 or infinity without a sign change is a tail (sigmoid's f' = e^-|x| there, no
// cancellation: the audit, every binade, vouches for it). A sign change between larger values
// (a jump) marks its blocks too. Each block then checks all its own inputs (measure): a sign
// change, or |f'| on both sides of 2^-6, sends it to long double whole.
constexpr double kSmallDf = 0x1p-6;
std::vector<char> near_zeros_of_df(const DRef& d, const double* p, const Inputs& in,
                                   std::uint64_t block) {
  constexpr std::uint64_t kStep = 16;
  const std::uint64_t nb = (in.count + block - 1) / block;
  std::vector<char> zone(nb, 0);
  auto mark = [&](std::uint64_t k0, std::uint64_t k1) {  // inputs [k0, k1], one block more
    for (std::uint64_t b = k0 / block; b <= k1 / block; ++b) {
      zone[b] = 1;
      if (b > 0) zone[b - 1] = 1;
      if (b + 1 < nb) zone[b + 1] = 1;
    }
  };
  int sign = 0;                 // of the last nonzero f'
  std::uint64_t sign_k = 0;     // its input
  // A slice (--bits) that starts inside a half-line counts its first run as bounded.
  bool open = false, bounded = in.base % (1ull << 31) != 0, crosses = false;  // the run
  std::uint64_t run = 0, run_end = 0;
  for (std::uint64_t k = 0; k < in.count; k += kStep) {
    if ((in.base + k) % (1ull << 31) < kStep) {  // x = +0 or -0: a new half-line
      if (open && crosses) mark(run, run_end);
      sign = 0, open = bounded = false;
    }
    const double v = d.df(in.at(k), p);
    if (std::isnan(v)) continue;
    const int s = v > 0 ? 1 : v < 0 ? -1 : 0;
    const bool small = std::fabs(v) < kSmallDf;
    if (small && !open) open = true, crosses = false, run = k;
    if (small) run_end = k;
    if (s != 0 && sign != 0 && s != sign) {
      if (small) crosses = true;
      else mark(sign_k, k);  // a jump, or a run that ends with the sign change
    }
    if (!small) {
      if (open && (bounded || crosses)) mark(run, k);
      open = false, bounded = true;
    }
    if (s != 0) sign = s, sign_k = k;
  }
  if (open && (crosses || (bounded && (in.base + in.count) % (1ull << 31) != 0))) mark(run, run_end);
  return zone;
}

Result measure(const Op& op, const std::vector<double>& params, Dt dt, const Inputs& in,
               int threads, bool with_backward) {
  const test::ElementwiseRef* r = nullptr;
  for (const auto& e : test::kElementwise) if (e.name == op.name) r = &e;
  const MpRef* m = nullptr;
  for (const auto& e : kMpRefs) if (e.name == op.name) m = &e;
  const DRef* d = nullptr;
  for (const auto& e : kDRefs) if (e.name == op.name) d = &e;
  if (r == nullptr || m == nullptr || d == nullptr) {
    std::fprintf(stderr, "actfn-accuracy: no reference for %s\n", std::string(op.name).c_str());
    std::exit(2);
  }
  const double* p = params.data();
  const Fmt& f = fmt(dt);
  const bool bwd = with_backward && op.reads(Saved::x);
  // The double pass serves float32 (a margin of a few 1e-6 ULP: double is 2^29 times finer);
  // the 16-bit formats' 65,536 inputs are cheap without it.
  const bool dstage = g_double_pass && dt == Dt::f32;
  const Margins mg = audit(*r, *d, *m, p, in, dstage);
  // Not for functions that cross zero away from 0 (those with a floor: gcu, snake, xielu,
  // ftswish): their terms cancel there, in a region narrow enough for the audit to miss
  // (xielu's double reference hid a 0.501 behind 0.500).
  const bool dfwd = dstage && r->floor == nullptr && std::isfinite(mg.fwd_d) && mg.fwd_d < 0.01;
  // The backward's double pass: the exhaustive sweep only (its inputs in bit order, x monotonic
  // within a block), and not near the zeros of f' (near_zeros_of_df).
  const bool dbwd = dstage && bwd && in.exhaustive && std::isfinite(mg.bwd_d) && mg.bwd_d < 0.01;

  Result res;
  res.has_backward = bwd;
  std::mutex mu;
  std::atomic<std::uint64_t> next{0};
  constexpr std::uint64_t kBlock = 1 << 16;
  const std::vector<char> zone = dbwd ? near_zeros_of_df(*d, p, in, kBlock) : std::vector<char>();
  std::atomic<std::uint64_t> ld_blocks{0};
  auto worker = [&] {
    Stat sf, sr, sa;
    std::vector<double> x, y, g, ef, er, ea, dd;
    std::vector<LD> fl;
    for (;;) {
      const std::uint64_t b0 = next.fetch_add(kBlock);
      if (b0 >= in.size()) break;
      const std::uint64_t n = std::min(kBlock, in.size() - b0);
      x.resize(n), y.resize(n), g.resize(n);
      for (std::uint64_t i = 0; i < n; ++i) x[i] = in.at(b0 + i);
      switch (dt) {
        case Dt::f16: run_kernel<float16>(op, params, bwd, x, y, g); break;
        case Dt::bf16: run_kernel<bfloat16>(op, params, bwd, x, y, g); break;
        case Dt::f32: run_kernel<float>(op, params, bwd, x, y, g); break;
        case Dt::f64: run_kernel<double>(op, params, bwd, x, y, g); break;
      }
      // The cheapest pass first, over the whole block (double for the float32 forward, else
      // long double); then every input within two of its margins of the block's largest
      // error (or of the maximum so far) goes on to the next. Deciding per input against the
      // running maximum would hand on every input of a run whose errors rise one input after
      // the next (the float32 sweep in bit order near a constant result: a billion of them).
      fl.resize(n), ef.resize(n), er.resize(n), ea.resize(n);
      bool dblock = dbwd && b0 < in.count && !zone[b0 / kBlock];
      if (dblock) {
        dd.resize(n);
        int last = 0;
        bool small = false, large = false;
        for (std::uint64_t i = 0; i < n && dblock; ++i) {
          dd[i] = d->df(x[i], p);
          const int s = dd[i] > 0 ? 1 : dd[i] < 0 ? -1 : 0;
          if (s != 0 && last != 0 && s != last) dblock = false;
          if (s != 0) last = s;
          if (std::fabs(dd[i]) < kSmallDf) small = true;
          else if (std::fabs(dd[i]) >= kSmallDf) large = true;  // not NaN
        }
        dblock = dblock && !(small && large);
      }
      if (bwd && !dblock) ++ld_blocks;
      auto bwd_ld = [&](std::uint64_t i) {  // the backward's errors against long double
        const LD dl = r->df(x[i], p);
        er[i] = err_ld(g[i], dl, 0, f), ea[i] = err_ld(g[i], dl, 1, f);
      };
      const double mb = dblock ? mg.bwd_d : mg.bwd;
      double top_f = 0, top_r = 0, top_a = 0;
      for (std::uint64_t i = 0; i < n; ++i) {
        const double xi = x[i];
        fl[i] = r->floor ? r->floor(xi, p) : 0;
        ef[i] = dfwd ? err_d(y[i], d->f(xi, p), static_cast<double>(fl[i]), f)
                     : err_ld(y[i], r->f(xi, p), fl[i], f);
        top_f = std::max(top_f, ef[i]);  // NaN (not finite: the next pass decides) ignored
        if (!bwd) continue;
        if (dblock) {  // not finite: as the long double pass decides (the audit checked them)
          const bool fin = std::isfinite(dd[i]) && std::isfinite(g[i]);
          er[i] = fin ? err_d(g[i], dd[i], 0, f) : err_ld(g[i], dd[i], 0, f);
          ea[i] = fin ? err_d(g[i], dd[i], 1, f) : err_ld(g[i], dd[i], 1, f);
        } else {
          bwd_ld(i);
        }
        top_r = std::max(top_r, er[i]), top_a = std::max(top_a, ea[i]);
      }
      const double first = dfwd ? mg.fwd_d : mg.fwd;
      const double tf = std::max({sf.max, top_f, kFloor}) - 2 * first;
      const double tr = std::max({sr.max, top_r, kFloor}) - 2 * mb;
      const double ta = std::max({sa.max, top_a, kFloor}) - 2 * mb;
      // At most kHandOn per block, the largest (not finite first): a run of inputs with one
      // constant result has errors within a margin of each other, and every one would go on.
      const std::vector<char> go_f = pick(ef, tf, nullptr, 0), go_b =
          bwd ? pick(er, tr, &ea, ta) : std::vector<char>();
      for (std::uint64_t i = 0; i < n; ++i) {
        const double xi = x[i];
        double e = ef[i];
        if (go_f[i]) {
          if (dfwd) e = err_ld(y[i], r->f(xi, p), fl[i], f);
          if (e >= std::max(sf.max, kFloor) - mg.fwd) {
            e = err_mp(y[i], m->f(Mp(xi), p), fl[i], f);
            ++sf.mp_calls;
          }
        }
        sf.add(e, xi);
        if (!bwd) continue;
        if (go_b[i] && dblock) bwd_ld(i);  // long double next, as the forward's double pass does
        if (go_b[i] && (!dblock || er[i] >= std::max(sr.max, kFloor) - mg.bwd ||
                        ea[i] >= std::max(sa.max, kFloor) - mg.bwd)) {
          const Mp dm = m->df(Mp(xi), p);
          er[i] = err_mp(g[i], dm, 0, f);
          ea[i] = err_mp(g[i], dm, 1, f);
          ++sr.mp_calls;
        }
        sr.add(er[i], xi);
        sa.add(ea[i], xi);
      }
    }
    std::lock_guard<std::mutex> lock(mu);
    res.fwd.merge(sf);
    res.rel.merge(sr);
    res.abs.merge(sa);
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  if (dbwd) {
    std::fprintf(stderr, "actfn-accuracy: %s backward: %" PRIu64 " of %" PRIu64
                 " blocks in long double (near zeros of f')\n", std::string(op.name).c_str(),
                 ld_blocks.load(), (in.size() + kBlock - 1) / kBlock);
  }
  return res;
}

// ---- parameter sets: the defaults, then each parameter alone at one other valid value
// Each parameter at one other valid value (every choice of a choice).
std::vector<std::vector<double>> param_sets(const Op& op) {
  return test::param_sets(
      op, [](const Param& q) { return std::vector<double>{3 * q.def + 0.5, 2.0, 0.5, -2.0}; }, 1);
}

std::string params_text(const Op& op, const std::vector<double>& p) {
  std::string s;
  for (std::size_t i = 0; i < op.params.size(); ++i) {
    const Param& q = op.params[i];
    s += (s.empty() ? "" : " ") + std::string(q.name) + "=";
    s += q.choices.empty() ? detail::python_repr(p[i])
                           : std::string(q.choices[static_cast<std::size_t>(p[i])]);
  }
  return s.empty() ? "-" : s;
}

// Maxima round up to 0.001 ULP, so that the printed figure is a bound (0.5000001 is 0.501).
std::string num(double v, bool up = true) {
  if (std::isinf(v)) return "inf";
  if (std::isnan(v)) return "-";
  char b[32];
  std::snprintf(b, sizeof b, "%.3f", up ? std::ceil(v * 1000) / 1000 : v);
  return b;
}
std::string xval(double v) { return std::isnan(v) ? "-" : detail::python_repr(v); }

// ---- --check: the detailed table's maxima, keyed by function|params|dtype
std::map<std::string, std::vector<double>> read_doc(const std::string& path) {
  std::map<std::string, std::vector<double>> out;
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "actfn-accuracy: cannot read %s\n", path.c_str());
    std::exit(2);
  }
  std::string line;
  bool in_detail = false;
  while (std::getline(in, line)) {
    if (line.rfind("<!-- detail -->", 0) == 0) in_detail = true;
    if (!in_detail || line.rfind("| `", 0) != 0) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line.substr(1));
    std::string c;
    while (std::getline(ss, c, '|')) {
      c.erase(0, c.find_first_not_of(' '));
      c.erase(c.find_last_not_of(' ') + 1);
      cells.push_back(c);
    }
    if (cells.size() < 9) continue;
    auto val = [](const std::string& t) { return t == "-" ? NAN : t == "inf" ? INFINITY : std::stod(t); };
    const std::string fn = cells[0].substr(1, cells[0].size() - 2);
    out[fn + "|" + cells[1] + "|" + cells[2]] = {val(cells[4]), val(cells[7]), val(cells[8])};
  }
  return out;
}

[[noreturn]] void usage_error(const std::string& msg) {
  std::fprintf(stderr, "actfn-accuracy: %s\n", msg.c_str());
  std::exit(2);
}

}  // namespace

std::string hex_range(std::uint64_t lo, std::uint64_t hi) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "0x%08" PRIx64 ":0x%08" PRIx64, lo, hi);
  return buf;
}

int main(int argc, char** argv) {
  std::vector<std::string> names;
  std::vector<Dt> dts = {Dt::f16, Dt::bf16, Dt::f32, Dt::f64};
  bool exhaustive = false, markdown = false, quiet = false, backward_too = true, defaults = false;
  std::uint64_t stride = 256, samples = 1000000, bits_lo = 0, bits_hi = 1ull << 32;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::string check;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--exhaustive") exhaustive = true;
    else if (a == "--markdown") markdown = true;
    else if (a == "--quiet") quiet = true;
    else if (a == "--forward-only") backward_too = false;
    else if (a == "--defaults") defaults = true;
    else if (a == "--no-double-pass") g_double_pass = false;
    else if (a == "--stride") stride = std::stoull(value());
    else if (a == "--bits") {  // LO:HI, float32 bit patterns [LO, HI): a slice of --exhaustive
      const std::string v = value();
      const auto colon = v.find(':');
      try {
        if (colon == std::string::npos) throw std::invalid_argument(v);
        bits_lo = std::stoull(v.substr(0, colon), nullptr, 0);
        bits_hi = std::stoull(v.substr(colon + 1), nullptr, 0);
      } catch (const std::exception&) {
        usage_error("--bits '" + v + "' is not LO:HI (float32 bit patterns, 0x3f800000:0x3f900000)");
      }
      if (bits_lo >= bits_hi || bits_hi > (1ull << 32)) usage_error("--bits needs LO < HI <= 0x100000000");
      exhaustive = true;
    }
    else if (a == "--samples") samples = std::stoull(value());
    else if (a == "--threads") threads = std::stoi(value());
    else if (a == "--check") check = value();
    else if (a == "--accuracy") {
      const std::string t = value();
      if (t == "fast") g_accuracy = Accuracy::fast;
      else if (t == "exact") g_accuracy = Accuracy::exact;
      else usage_error("--accuracy '" + t + "' is not exact or fast");
    }
    else if (a == "--target") {
      // Measure another SIMD target of this CPU (avx3, avx2, sse4, ssse3, scalar).
      const std::string t = value();
      std::int64_t found = 0;
      for (const std::int64_t bit : hwy::SupportedAndGeneratedTargets()) {
        std::string nm = hwy::TargetName(bit);
        for (auto& c : nm) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (nm == t) found = bit;
      }
      if (found == 0) usage_error("target '" + t + "' is not one this CPU and build have");
      hwy::SetSupportedTargetsForTest(found);
    }
    else if (a == "--dtype") {
      dts.clear();
      std::stringstream ss(value());
      std::string t;
      while (std::getline(ss, t, ',')) {
        if (t == "f16") dts.push_back(Dt::f16);
        else if (t == "bf16") dts.push_back(Dt::bf16);
        else if (t == "f32") dts.push_back(Dt::f32);
        else if (t == "f64") dts.push_back(Dt::f64);
        else usage_error("unknown dtype '" + t + "' (f16, bf16, f32, f64)");
      }
    } else if (a == "--help" || a == "-h") {
      std::puts("usage: actfn-accuracy [FUNCTION...] [--dtype f16,bf16,f32,f64] [--exhaustive]\n"
                "                      [--stride S] [--samples N] [--threads T] [--markdown]\n"
                "                      [--check docs/accuracy.md] [--target avx2] [--quiet]\n"
                "                      [--accuracy exact|fast] [--forward-only] [--defaults]\n"
                "                      [--no-double-pass] [--bits LO:HI]");
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      usage_error("unknown option " + a);
    } else {
      names.push_back(a);
    }
  }
  if (stride == 0 || (stride & (stride - 1)) != 0) usage_error("--stride must be a power of two");
  std::vector<const Op*> todo;
  for (const auto& name : names) {
    try {
      todo.push_back(&op(name));
    } catch (const Error& e) {
      usage_error(e.what());
    }
  }
  if (todo.empty()) {
    for (const Op& o : ops()) {
      // The softmax family's lines (mp_row) besides every elementwise function.
      const bool rows = o.softmax_options || o.kind == Kind::reduce;
      if (o.kind == Kind::elementwise || rows) todo.push_back(&o);
    }
  }
  const auto doc = check.empty() ? std::map<std::string, std::vector<double>>{} : read_doc(check);

  const Rows rows = make_rows(1);
  std::vector<Result> results;
  int failures = 0;
  if (!quiet && !markdown) {
    std::printf("%-18s %-26s %-5s %-12s %9s %7s %-24s %10s %10s %-24s\n", "function", "params",
                "dtype", "inputs", "fwd max", "mean", "worst x", "bwd rel", "bwd abs", "worst x");
  }
  for (const Op* o : todo) {
    const bool is_row = o->kind != Kind::elementwise;
    auto sets = is_row ? std::vector<std::vector<double>>{{}} : param_sets(*o);
    if (defaults) {  // default numbers; every choice (gelu's two forms)
      std::erase_if(sets, [&](const std::vector<double>& set) {
        for (std::size_t i = 0; i < set.size(); ++i)
          if (o->params[i].choices.empty() && set[i] != o->params[i].def) return true;
        return false;
      });
    }
    for (const auto& p : sets) {
      for (Dt dt : dts) {
        Result res;
        if (is_row) {
          res = measure_rows(*o, dt, rows);
          res.inputs = std::to_string(rows.rows.size()) + " rows";
        } else {
          Inputs in;
          in.dt = dt;
          switch (dt) {
            case Dt::f16:
            case Dt::bf16: in.count = 65536; res.inputs = "all"; break;
            case Dt::f32:
              in.exhaustive = exhaustive;
              in.base = exhaustive ? bits_lo : 0;
              in.count = exhaustive ? bits_hi - bits_lo : (1ull << 32) / stride;
              res.inputs = !exhaustive ? "1/" + std::to_string(stride)
                           : in.count == (1ull << 32) ? "all" : "bits " + hex_range(bits_lo, bits_hi);
              break;
            case Dt::f64: in.count = samples; res.inputs = std::to_string(samples); break;
          }
          const test::ElementwiseRef* r = nullptr;
          for (const auto& e : test::kElementwise) if (e.name == o->name) r = &e;
          if (r != nullptr && (dt == Dt::f32 || dt == Dt::f64)) in.extra = hard_points(dt, r->f, p.data(), 2048);
          res = [&] { Result t = measure(*o, p, dt, in, threads, backward_too); t.inputs = res.inputs; return t; }();
        }
        res.function = std::string(o->name);
        res.params = is_row ? "-" : params_text(*o, p);
        res.dtype = fmt(dt).name;
        if (!quiet && !markdown) {
          std::printf("%-18s %-26s %-5s %-12s %9s %7s %-24s %10s %10s %-24s\n", res.function.c_str(),
                      res.params.c_str(), res.dtype.c_str(), res.inputs.c_str(),
                      num(res.fwd.max).c_str(), num(res.fwd.mean(), false).c_str(),
                      xval(res.fwd.worst).c_str(), res.has_backward ? num(res.rel.max).c_str() : "-",
                      res.has_backward ? num(res.abs.max).c_str() : "-",
                      res.has_backward ? xval(res.abs.worst).c_str() : "-");
          std::fflush(stdout);
        }
        if (!check.empty()) {
          const auto it = doc.find(res.function + "|" + res.params + "|" + res.dtype);
          if (it == doc.end()) {
            std::printf("CHECK %s %s %s: not in %s\n", res.function.c_str(), res.params.c_str(),
                        res.dtype.c_str(), check.c_str());
            ++failures;
          } else {
            const double got[] = {res.fwd.max, res.rel.max, res.abs.max};
            const char* what[] = {"forward", "backward (rel)", "backward (abs)"};
            for (int k = 0; k < 3; ++k) {
              if (k > 0 && !res.has_backward) continue;
              // The doc rounds maxima up to 0.001.
              if (!(got[k] <= it->second[static_cast<std::size_t>(k)])) {
                std::printf("CHECK %s %s %s: %s max %.4f ULP exceeds the recorded %.3f\n",
                            res.function.c_str(), res.params.c_str(), res.dtype.c_str(), what[k],
                            got[k], it->second[static_cast<std::size_t>(k)]);
                ++failures;
              }
            }
          }
        }
        results.push_back(res);
      }
    }
  }
  if (markdown) {
    std::printf("<!-- detail -->\n");
    std::printf("| function | parameters | dtype | inputs | forward max ULP | forward mean | worst x "
                "| backward max ULP (rel) | backward max ULP (abs) | worst x |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
    for (const auto& r : results) {
      std::printf("| `%s` | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", r.function.c_str(),
                  r.params.c_str(), r.dtype.c_str(), r.inputs.c_str(), num(r.fwd.max).c_str(),
                  num(r.fwd.mean(), false).c_str(), xval(r.fwd.worst).c_str(),
                  r.has_backward ? num(r.rel.max).c_str() : "-",
                  r.has_backward ? num(r.abs.max).c_str() : "-",
                  r.has_backward ? xval(r.abs.worst).c_str() : "-");
    }
  }
  if (!check.empty()) {
    std::printf("%s: %d case(s) checked, %d failure(s)\n", check.c_str(),
                static_cast<int>(results.size()), failures);
  }
  return failures == 0 ? 0 : 1;
}
