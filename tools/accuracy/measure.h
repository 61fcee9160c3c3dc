// actfn-accuracy's measuring kit, shared by its elementwise measurement (accuracy.cc) and its
// rows of the softmax family (rows.cc): the output formats, errors in ULP against long double
// or MPFR references, running statistics and one result row.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "actfn/actfn.hpp"
#include "mp.h"

namespace actfn::accuracy {

using mp::Mp;
using LD = long double;

// ---- the output formats
enum class Dt { f16, bf16, f32, f64 };
struct Fmt {
  const char* name;
  int p, emin, emax;
};
inline constexpr Fmt kFmt[] = {{"f16", 11, -14, 15}, {"bf16", 8, -126, 127}, {"f32", 24, -126, 127},
                        {"f64", 53, -1022, 1023}};
inline const Fmt& fmt(Dt d) { return kFmt[static_cast<int>(d)]; }

inline LD ulp_of(LD a, const Fmt& f) {
  int e = a == 0 || !std::isfinite(a) ? f.emin : std::ilogb(a);
  if (e < f.emin) e = f.emin;
  return std::ldexp(1.0L, e - (f.p - 1));
}
// The smallest magnitude that rounds to inf: max finite + half its ULP.
inline LD overflow_at(const Fmt& f) { return std::ldexp(2.0L - std::ldexp(1.0L, -f.p), f.emax); }

// Error of y against the true value r (r_ld: r in long double, diff: |y - r| computed
// accurately), in ULP of max(|r|, floor).
inline double ulp_error(double y, LD r_ld, LD diff, LD floor, const Fmt& f) {
  if (std::isnan(r_ld)) return std::isnan(y) ? 0 : INFINITY;
  if (std::isnan(y)) return INFINITY;
  if (std::isinf(r_ld)) return y == r_ld ? 0 : INFINITY;
  const LD a = std::fabs(r_ld);
  if (std::isinf(y)) {
    if (std::signbit(y) != std::signbit(r_ld)) return INFINITY;
    if (a >= overflow_at(f)) return 0;  // rounds to inf: correct
    diff = std::ldexp(1.0L, f.emax + 1) - a;  // inf counts as the next power of two
  }
  return static_cast<double>(diff / ulp_of(std::max(a, floor), f));
}
inline double err_ld(double y, LD r, LD floor, const Fmt& f) {
  return ulp_error(y, r, std::fabs(static_cast<LD>(y) - r), floor, f);
}
inline double err_mp(double y, const Mp& r, LD floor, const Fmt& f) {
  if (isnan(r) || isinf(r) || std::isinf(y) || std::isnan(y)) return ulp_error(y, r.ld(), 0, floor, f);
  return ulp_error(y, r.ld(), fabs(Mp(y) - r).ld(), floor, f);
}

inline double round_to(Dt d, LD v) {
  const double x = static_cast<double>(v);
  switch (d) {
    case Dt::f16: return static_cast<double>(float16(x));
    case Dt::bf16: return static_cast<double>(bfloat16(x));
    case Dt::f32: return static_cast<float>(x);
    case Dt::f64: return x;
  }
  return x;
}

// ---- running statistics of one metric
// Of inputs with the same error, the worst is the smallest in magnitude, then the negative:
// the same whichever thread met which first.
struct Stat {
  double max = 0, worst = NAN, sum = 0;
  std::uint64_t n = 0, mp_calls = 0;
  static bool before(double a, double b) {
    return std::isnan(b) || std::fabs(a) < std::fabs(b) || (std::fabs(a) == std::fabs(b) && a < b);
  }
  void add(double e, double x) {
    sum += std::isfinite(e) ? e : 0;
    ++n;
    if (e > max || (e == max && before(x, worst))) max = e, worst = x;
  }
  void merge(const Stat& o) {
    if (o.max > max || (o.max == max && !std::isnan(o.worst) && before(o.worst, worst)))
      max = o.max, worst = o.worst;
    sum += o.sum;
    n += o.n;
    mp_calls += o.mp_calls;
  }
  double mean() const { return n ? sum / static_cast<double>(n) : 0; }
};

struct Result {
  std::string function, params, dtype, inputs;
  Stat fwd, rel, abs;
  bool has_backward = true;
};

// ---- the softmax family's rows (rows.cc), against MPFR
// The tier measured (--accuracy): every forward call of the tool runs in it.
inline Accuracy g_accuracy = Accuracy::exact;

struct Rows {
  std::vector<std::vector<double>> rows;
};
// Rows of several lengths and scales, with masked entries and ties, from a seed.
Rows make_rows(unsigned seed);
// op (softmax, log_softmax, softmin or logsumexp) on every row in dt, against MPFR.
Result measure_rows(const Op& op, Dt dt, const Rows& rows);

}  // namespace actfn::accuracy
