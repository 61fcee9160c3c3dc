// The arithmetic of one line of the softmax family (src/kernels/softmax-inl.h holds the
// formulas, references, layouts and passes): x scaled and shifted by the maximum exactly, the
// exponentials with their rounding errors, the compensated row sum 1 + t, log1p(t), and one
// output element from them. Per lane, so rows (full vectors along the row) and columns (lanes
// across lines) share it bit for bit. Per-target code, included by softmax-inl.h.
#if defined(ACTFN_KERNELS_SOFTMAX_LINE_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ACTFN_KERNELS_SOFTMAX_LINE_INL_H_
#undef ACTFN_KERNELS_SOFTMAX_LINE_INL_H_
#else
#define ACTFN_KERNELS_SOFTMAX_LINE_INL_H_
#endif

#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include "hwy/highway.h"
#include "fast-inl.h"
#include "math-inl.h"

HWY_BEFORE_NAMESPACE();
namespace actfn::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

enum class Mode { kSoftmax, kLogSoftmax, kLogSumExp };
struct SoftmaxOpts {
  Mode mode;
  double scale = 1;
  bool safe = false;
};

// x scale = p + lo exactly (TwoProducts); scale 1 costs nothing.
template <class D, class T, class V = hn::Vec<D>>
HWY_INLINE V LoadScaled(D d, const T* p, double scale, V& lo) {
  const V v = hn::LoadU(d, p);
  if (scale == 1) {
    lo = hn::Zero(d);
    return v;
  }
  return TwoProducts(d, v, Const(d, scale), lo);
}

// x - m as an unevaluated sum z + err (Knuth's TwoSums: exact; err also takes the low part
// of x scale), with z = 0 where x == m (the +inf limit; exact anyway for finite m). Rounding
// z alone would cost |z| eps relative in exp(z): 30 ULP at z = -30 in f32.
template <class D, class V>
HWY_INLINE V Shifted(D d, V x, V lo, V m, V& err) {
  const V z = hn::Sub(x, m);
  const V b = hn::Sub(z, x);
  const V e = hn::Add(hn::Add(hn::Sub(x, hn::Sub(z, b)), hn::Sub(hn::Neg(m), b)), lo);
  err = hn::IfThenElse(hn::IsFinite(e), e, hn::Zero(d));  // z = +-inf, or x or m NaN
  V zz = hn::IfThenElse(hn::Eq(x, m), hn::Zero(d), z);
  // exp(z + err) ~ exp(z) (1 + err) needs a small err; the low part of a huge x scale can be
  // large (1e284 next to 1e300): then it joins z (found by the fuzzer: a negative "probability").
  const auto large = hn::Gt(hn::Abs(err), Const(d, 1.0 / 1024));
  zz = hn::IfThenElse(large, hn::Add(zz, err), zz);
  err = hn::IfThenElseZero(hn::Not(large), err);
  return zz;
}

// exp(x - m) = exp(z + err): f64 lanes take err into the double-word exp (rounded once,
// 0.52 ULP); f32 lanes exp(z) + exp(z) err.
// e_lo: the rounding error of the result (f64 lanes: the double-word exp's low part; f32
// lanes: normal results), which the row sum adds to its compensation (the sum of n rounded
// exponentials is off by up to ~2 ULP, and logsumexp near 0 magnifies t's error); the fast
// tier 0.
// kFast (the fast tier): ExpFast(z) (1 + err) in the array's own lanes, e_lo = 0; lanes
// below ExpCoreMin (subnormal exponentials, -inf, NaN) take ExpNaN, in vectors that hold one.
// e_lo64: on exact f32 lanes e_lo 2^64, kept from underflowing where e is tiny (its low
// part then still counts in DivBySumLo), else 0.
template <bool kFast = false, class D, class V>
HWY_INLINE V ExpShifted(D d, V x, V lo, V m, V& e_lo, V& e_lo64) {
  e_lo = hn::Zero(d);
  e_lo64 = hn::Zero(d);
  V err;
  const V z = Shifted(d, x, lo, m, err);
  if constexpr (kFast) {
    const auto ok = hn::Ge(z, ExpCoreMin(d));
    V e = ExpFast(d, hn::Max(z, ExpCoreMin(d)));
    if (HWY_UNLIKELY(!hn::AllTrue(d, ok))) e = hn::IfThenElse(ok, e, ExpNaN(d, z));
    return hn::MulAdd(e, err, e);
  } else if constexpr (kDoubleWord<D>) {
    V el;
    const auto inside = hn::And(hn::Ge(z, Const(d, -745.2)), hn::Le(z, MaxLog(d)));
    const V e = ExpDW(d, hn::IfThenElseZero(inside, z), hn::IfThenElseZero(inside, err), el);
    e_lo = hn::IfThenElseZero(inside, el);
    return hn::IfThenElse(inside, e, ExpNaN(d, z));
  } else if constexpr (kNativeF32<D>) {
    // f32 lanes: ExpScaledF32's (hi + lo) 2^k times 1 + err, rounded once (0.5 ULP + 2^-26;
    // z < -120 rounds to 0 anyway, and is clamped there).
    V lo, k;
    const V hi = ExpScaledF32(d, hn::Max(z, Const(d, -120)), lo, k);
    const V k1 = hn::Max(k, Const(d, -120));
    const V ml = hn::MulAdd(hn::Add(hi, lo), err, lo);
    const V mh = hn::Add(hi, ml);
    const V sc1 = Pow2(d, k1), sc2 = Pow2(d, hn::Sub(k, k1));
    V e = hn::Mul(hn::Mul(mh, sc1), sc2);
    const auto keep = hn::And(hn::Ge(z, Const(d, -120)), hn::Not(hn::IsNaN(z)));
    const V u = hn::Add(hn::Sub(hi, mh), ml);
    e_lo = hn::IfThenElseZero(keep, hn::Mul(hn::Mul(u, sc1), sc2));
    e_lo64 = hn::IfThenElseZero(keep, hn::Mul(hn::Mul(u, hn::Mul(sc1, Const(d, 0x1p64))), sc2));
    e = hn::IfThenZeroElse(hn::Lt(z, Const(d, -120)), e);
    e = hn::IfThenElse(hn::Gt(z, MaxLog(d)), hn::Inf(d), e);
    return hn::IfThenElse(hn::IsNaN(z), z, e);
  } else {
    const V e = ExpNaN(d, z);
    return hn::MulAdd(e, err, e);
  }
}

template <bool kFast = false, class D, class V>
HWY_INLINE V ExpShifted(D d, V x, V lo, V m, V& e_lo) {
  V e_lo64;
  return ExpShifted<kFast>(d, x, lo, m, e_lo, e_lo64);
}
template <bool kFast = false, class D, class V>
HWY_INLINE V ExpShifted(D d, V x, V lo, V m) {
  V e_lo;
  return ExpShifted<kFast>(d, x, lo, m, e_lo);
}

// A compensated vector sum (TwoSums per add, branch-free): the error of a row sum stays a few
// ULP whatever n, where a plain running sum of 32000 floats drifts by ~10 ULP.
template <class D>
struct Accumulator {
  using V = hn::Vec<D>;
  V s, c;
  explicit Accumulator(D d) : s(hn::Zero(d)), c(hn::Zero(d)) {}
  HWY_INLINE void Add(V v) {
    const V t = hn::Add(s, v);
    const V bp = hn::Sub(t, s);
    c = hn::Add(c, hn::Add(hn::Sub(s, hn::Sub(t, bp)), hn::Sub(v, bp)));
    s = t;
  }
  HWY_INLINE V Total() const { return hn::Add(s, c); }  // per lane
};

// log1p per lane with the C library: once per line, so its cost does not matter, and the
// row and column layouts share it bit for bit. The safe marker inf gives inf.
template <class D, class V>
HWY_INLINE V Log1pLanes(D d, V v) {
  using T = hn::TFromD<D>;
  HWY_ALIGN T buf[hn::MaxLanes(D())];
  hn::Store(v, d, buf);
  for (std::size_t i = 0; i < hn::Lanes(d); ++i) buf[i] = std::log1p(buf[i]);
  return hn::Load(d, buf);
}

// f32 lanes: the line's log1p(t), t = (count - 1) + acc.s + acc.c with the compensation
// kept, in double per lane, as a float double-word ls + ls_lo; and logsumexp m + log1p(t)
// rounded once. Where LineTotal's t is not finite (NaN, the empty-line markers) LineTotal's
// values stand: Log1pLanes(t) with ls_lo = 0, and the total itself.
template <class D, class S, class V>
HWY_INLINE void LogOfLineF32(D d, const S& sum, V m, V t, V& ls, V& ls_lo, V& lse) {
  using T = hn::TFromD<D>;
  constexpr std::size_t kN = hn::MaxLanes(D());
  HWY_ALIGN T cnt[kN], as[kN], ac[kN], mm[kN], h[kN], l[kN], r[kN];
  hn::Store(sum.count, d, cnt);
  hn::Store(sum.acc.s, d, as);
  hn::Store(sum.acc.c, d, ac);
  hn::Store(m, d, mm);
  for (std::size_t i = 0; i < hn::Lanes(d); ++i) {
    const double lp = std::log1p((static_cast<double>(cnt[i]) - 1 + as[i]) + ac[i]);
    h[i] = static_cast<T>(lp);
    l[i] = static_cast<T>(lp - h[i]);
    r[i] = static_cast<T>(mm[i] + lp);
  }
  const auto finite = hn::IsFinite(t);
  ls = hn::IfThenElse(finite, hn::Load(d, h), Log1pLanes(d, t));
  ls_lo = hn::IfThenElseZero(finite, hn::Load(d, l));
  lse = hn::IfThenElse(hn::Or(hn::IsInf(m), hn::IsNaN(m)), m, hn::Load(d, r));
}

// f64 lanes: logsumexp's m + log1p(t) with t = (count - 1) + acc.s + acc.c as a double-word,
// log1p's double-word (Log1pDW) and the sum with m rounded once (1.54 ULP from two roundings
// where m and log1p(t) partly cancel). Where t or m is not finite, lse (LineTotal's) stands.
template <class D, class S, class V>
HWY_INLINE V LogSumExpDW(D d, const S& sum, V m, V lse) {
  V e, tl;
  const V th0 = TwoSums(hn::Sub(sum.count, hn::Set(d, 1)), sum.acc.s, e);
  const V th = FastTwoSums(th0, hn::Add(e, sum.acc.c), tl);
  const auto ok = hn::And(hn::IsFinite(th), hn::IsFinite(m));
  V ll, se;
  const V lh = Log1pDW(d, hn::IfThenElseZero(ok, th), hn::IfThenElseZero(ok, tl), ll);
  const V sh = TwoSums(m, lh, se);
  return hn::IfThenElse(ok, hn::Add(sh, hn::Add(se, ll)), lse);
}

// The sum of exp(x - m) is 1 + t, where t sums the other elements (and e - 1 of the maxima,
// exactly: e = 1 but for the low part of a scaled x). Kept apart, t gives log(1 + t) as
// log1p(t): log_softmax of a dominant logit is -1e-30, not 0 (pytorch#113708), and logsumexp
// keeps the digits of t. Per lane; a line's count of maxima minus one is added at the end.
template <class D>
struct RowSum {
  using V = hn::Vec<D>;
  Accumulator<D> acc;
  V count;
  explicit RowSum(D d) : acc(d), count(hn::Zero(d)) {}
  // e + e_lo: the exponential and its rounding error (ExpShifted).
  // A maximum whose scaled value's low part joined its exponent (Shifted: a large scale of a
  // huge x) can have e far below 1; counted as 1 + (e - 1) the sum would cancel (found by the
  // fuzzer: softmin gave 1 + 1.4e-9 where e = 1.7e-8), so it joins the others instead.
  HWY_INLINE void Add(D d, V v, V m, V e, V e_lo) {
    const auto top = hn::And(hn::Eq(v, m), hn::Ge(e, Const(d, 0.5)));
    acc.Add(hn::IfThenElse(top, hn::Sub(e, hn::Set(d, 1)), e));
    acc.c = hn::Add(acc.c, e_lo);
    count = hn::Add(count, hn::IfThenElseZero(top, hn::Set(d, 1)));
  }
};

// The sum 1 + t = count + acc as a double-word (f64 lanes: the softmax quotient then
// rounds once), or the marker 1 + t where LineTotal made t NaN or inf.
template <class D, class S, class V>
HWY_INLINE V SumOfLine(D d, const S& sum, V t, V& lo) {
  V e;
  const V h = TwoSums(sum.count, sum.acc.s, e);
  const auto finite = hn::IsFinite(t);
  lo = hn::IfThenElseZero(finite, hn::Add(e, sum.acc.c));
  return hn::IfThenElse(finite, h, hn::Add(hn::Set(d, 1), t));
}
// e / (s + s_lo), rounded once on f64 lanes; elsewhere e / fl(s + s_lo).
template <class D, class V>
HWY_INLINE V DivBySum(D d, V e, V s, V s_lo) {
  if constexpr (kDoubleWord<D>) {
    V lo;
    return hn::IfThenElse(hn::IsFinite(s), DivDW(d, e, hn::Zero(d), s, s_lo, lo), hn::Div(e, s));
  } else {  // (exact native f32 lanes: DivBySumLo, or ExpOverSum for long lines)
    // s + s_lo rounded once: s alone leaves out the sum's compensation (up to ~2 ULP).
    return hn::Div(e, hn::Add(s, s_lo));
  }
}

// f32 lanes: (e + e_lo) / (s + s_lo) rounded once: the exponential and its rounding error
// (e_lo64 = e_lo 2^64, ExpShifted), both kept from the sum's pass, the quotient formed at
// 2^64 times its size so that no part of it underflows (0.5 ULP + 2^-24 for normal e; where
// e is subnormal its own rounding is not in e_lo, and the result, no larger, is within 1
// subnormal ULP). s = inf (the safe marker) gives 0, NaN NaN.
template <class D, class V>
HWY_INLINE V DivBySumLo(D d, V e, V e_lo64, V s, V s_lo) {
  const V one = hn::Set(d, 1);
  const V ih = hn::Div(one, s);  // the same for a whole line: hoisted by the compiler
  const V il = hn::Mul(ih, hn::NegMulAdd(ih, s_lo, hn::NegMulAdd(ih, s, one)));
  const V e64 = hn::Mul(e, Const(d, 0x1p64));
  const V out = hn::MulAdd(e64, ih, hn::MulAdd(e64, il, hn::Mul(e_lo64, ih)));
  return hn::IfThenZeroElse(hn::Eq(s, hn::Inf(d)), hn::Mul(out, Const(d, 0x1p-64)));
}

// A thread's scratch of at least n values (the exponentials' rounding errors of one softmax
// line, or of Lanes(d) lines), kept between calls.
template <class T>
inline T* Scratch(std::size_t n) {
  thread_local std::vector<T> buf;
  if (buf.size() < n) buf.resize(n);
  return buf.data();
}
// Lines up to this many values keep e_lo in Scratch (256 KiB of f32); longer ones recompute
// exp(x - m) in the last pass (ExpOverSum), as an out-of-cache scratch would cost more.
inline constexpr std::size_t kMaxScratch = 65536;

// f32 lanes: exp(x - m) / (s + s_lo) from the exponential's unrounded mantissa times the
// double-word reciprocal, rounded once (0.5 ULP + 2^-24; dividing an exponential already
// rounded to f32 gives up to 1.5). s = inf (the safe marker) gives 0, NaN NaN.
template <class D, class V>
HWY_INLINE V ExpOverSum(D d, V x, V lo, V m, V s, V s_lo) {
  V err;
  const V z = Shifted(d, x, lo, m, err);
  V ml, k;
  const V hi = ExpScaledF32(d, hn::Max(z, Const(d, -120)), ml, k);
  ml = hn::MulAdd(hn::Add(hi, ml), err, ml);  // (hi + ml)(1 + err): ml is not small
  const V one = hn::Set(d, 1);
  const V ih = hn::Div(one, s);  // the same for a whole line: hoisted by the compiler
  const V il = hn::Mul(ih, hn::NegMulAdd(ih, s_lo, hn::NegMulAdd(ih, s, one)));
  const V v = hn::MulAdd(hi, ih, hn::MulAdd(hi, il, hn::Mul(ml, ih)));
  const V k1 = hn::Max(k, Const(d, -120));
  V out = hn::Mul(hn::Mul(v, Pow2(d, k1)), Pow2(d, hn::Sub(k, k1)));
  out = hn::IfThenZeroElse(hn::Lt(z, Const(d, -120)), out);
  out = hn::IfThenZeroElse(hn::Eq(s, hn::Inf(d)), out);
  return hn::IfThenElse(hn::IsNaN(z), z, out);
}

// What a line with maximum m and t (above) gives, per lane, as one value per line:
// - kLogSumExp: m + log1p(t), +-inf when m is (all -inf: log 0 = -inf), NaN with NaN;
// - otherwise t, or NaN where m = -inf (no limit), or, in safe mode, a marker inf that
//   turns the outputs into 0. Softmax divides by 1 + t, log_softmax subtracts log1p(t).
template <class D, class V>
HWY_INLINE V LineTotal(D d, V t, V m, const SoftmaxOpts& o) {
  const auto empty = hn::Eq(m, hn::Neg(hn::Inf(d)));
  if (o.mode == Mode::kLogSumExp) {
    const V r = hn::Add(m, Log1pLanes(d, t));
    return hn::IfThenElse(hn::Or(hn::IsInf(m), hn::IsNaN(m)), m, r);
  }
  return hn::IfThenElse(empty, o.safe ? hn::Inf(d) : hn::NaN(d), t);
}

// The output of one element from x (scaled), the line maximum m and total s.
// ls_lo: the low part of ls (f32 lanes; else 0): z - ls then rounds once.
template <bool kFast = false, class D, class V>
HWY_INLINE V Output(D d, V x, V lo, V m, V s, V ls, V ls_lo, const SoftmaxOpts& o) {
  V out;
  if (o.mode == Mode::kSoftmax) {
    out = hn::Div(ExpShifted<kFast>(d, x, lo, m), s);
  } else {
    V err;
    const V z = Shifted(d, x, lo, m, err);
    if constexpr (kNativeF32<D> && !kFast) {
      V e;
      const V h = TwoSums(z, hn::Neg(ls), e);
      out = hn::Add(h, hn::Add(e, hn::Sub(err, ls_lo)));
      out = hn::IfThenElse(hn::IsFinite(h), out, h);
    } else {
      out = hn::Add(hn::Sub(z, ls), err);
    }
  }
  // Safe mode: the inf marker means "no finite maximum": 0.
  return o.safe ? hn::IfThenElse(hn::Eq(s, hn::Inf(d)), hn::Zero(d), out) : out;
}

}  // namespace actfn::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // ACTFN_KERNELS_SOFTMAX_LINE_INL_H_
