// Sparse maps onto the simplex, exact and sort-based, line by line in long double (plain
// C++: sorting is not a SIMD job). Their dispatch unit is src/simplex.cc.
//
//   sparsemax(x) = max(x - tau, 0),        tau such that sum y = 1   (Martins & Astudillo 2016)
//   entmax15(x)  = max(x / 2 - tau, 0)^2,  tau such that sum y = 1   (Peters et al. 2019)
//   backward from y: sparsemax dx = dy - mean(dy over the support) on it, else 0;
//                    entmax15 with g = sqrt(y): dx = g dy - g sum(g dy) / sum(g)
//
// Special rows as softmax: NaN anywhere gives NaN; a +inf maximum shares the mass among the
// +inf entries; an all -inf row has no limit (NaN).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <vector>

#include "actfn/actfn.hpp"
#include "kernels/spec.h"

// ---- scalar reference (long double, the textbook algorithm; used by the tests) ----
namespace actfn::ref {
// Sparsemax (Martins & Astudillo 2016): the Euclidean projection onto the simplex.
inline void sparsemax(const long double* x, long double* y, std::size_t n) {
  std::vector<long double> z(x, x + n);
  std::sort(z.begin(), z.end(), std::greater<>());
  long double cum = 0, tau = 0;
  for (std::size_t k = 1; k <= n; ++k) {
    cum += z[k - 1];
    if (1 + k * z[k - 1] > cum) tau = (cum - 1) / k;
  }
  for (std::size_t i = 0; i < n; ++i) y[i] = std::max(x[i] - tau, 0.0L);
}
// 1.5-entmax (Peters et al. 2019), exact sort-based: y = [x/2 - tau]_+^2, sum y = 1.
inline void entmax15(const long double* x, long double* y, std::size_t n) {
  long double m = -std::numeric_limits<long double>::infinity();
  for (std::size_t i = 0; i < n; ++i) m = std::max(m, x[i]);
  std::vector<long double> z(n);
  for (std::size_t i = 0; i < n; ++i) z[i] = (x[i] - m) / 2;
  std::vector<long double> srt(z);
  std::sort(srt.begin(), srt.end(), std::greater<>());
  long double cum = 0, cum2 = 0, tau_star = 0;
  for (std::size_t k = 1; k <= n; ++k) {
    cum += srt[k - 1];
    cum2 += srt[k - 1] * srt[k - 1];
    const long double mean = cum / k, ss = k * (cum2 / k - mean * mean);
    const long double delta = std::max((1 - ss) / k, 0.0L);
    const long double tau = mean - std::sqrt(delta);
    if (tau <= srt[k - 1]) tau_star = tau;
  }
  for (std::size_t i = 0; i < n; ++i) {
    const long double t = std::max(z[i] - tau_star, 0.0L);
    y[i] = t * t;
  }
}
inline void sparsemax_grad(const long double* dy, const long double* y, long double* dx,
                           std::size_t n) {
  long double s = 0, k = 0;
  for (std::size_t i = 0; i < n; ++i)
    if (y[i] > 0) s += dy[i], k += 1;
  for (std::size_t i = 0; i < n; ++i) dx[i] = y[i] > 0 ? dy[i] - s / k : 0;
}
inline void entmax15_grad(const long double* dy, const long double* y, long double* dx,
                          std::size_t n) {
  long double num = 0, den = 0;
  for (std::size_t i = 0; i < n; ++i) {
    num += std::sqrt(y[i]) * dy[i];
    den += std::sqrt(y[i]);
  }
  for (std::size_t i = 0; i < n; ++i) dx[i] = std::sqrt(y[i]) * (dy[i] - num / den);
}
}  // namespace actfn::ref

// ---- the registry's entries and the tests' bounds ----
namespace actfn::spec {
inline constexpr Spec sparsemax{
    .summary = "sparsemax: Euclidean projection onto the simplex",
    .formula = "y_i = max(x_i - tau, 0), sum y = 1",
    .derivative = "dx = dy - mean(dy over y > 0) where y > 0, else 0",
    .saved = kY,
    .bounds = {.f32 = 4, .f64 = 8, .relative = false, .shift_exact = false}};
inline constexpr Spec entmax15{
    .summary = "1.5-entmax: sparse and smooth, between softmax and sparsemax",
    .formula = "y_i = max(x_i / 2 - tau, 0)^2, sum y = 1",
    .derivative = "dx = g * dy - g * sum(g * dy) / sum(g), g = sqrt(y)",
    .saved = kY,
    .bounds = {.f32 = 4, .f64 = 8, .relative = false, .shift_exact = false}};
}  // namespace actfn::spec

// ---- the kernels (any T; src/simplex.cc instantiates them) ----
namespace actfn::detail {

// Calls f(line) for every line of `a`, with the line gathered into a vector of long doubles, and
// scatters what f leaves in it back to y (or to nothing when y is null).
template <class T, class F>
void ForEachLine(const T* x, T* y, Axis a, F f) {
  std::vector<long double> line(a.n);
  for (std::size_t o = 0; o < a.outer; ++o) {
    for (std::size_t i = 0; i < a.inner; ++i) {
      const std::size_t base = o * a.n * a.inner + i;
      for (std::size_t k = 0; k < a.n; ++k) line[k] = static_cast<long double>(x[base + k * a.inner]);
      f(line);
      if (y != nullptr) {
        for (std::size_t k = 0; k < a.n; ++k) y[base + k * a.inner] = static_cast<T>(line[k]);
      }
    }
  }
}

// The special rows every simplex map shares with softmax: NaN anywhere gives NaN; a +inf
// maximum shares the mass among the +inf entries; an all -inf row has no limit (NaN).
// Returns true when the row was one of those (and is done).
inline bool SpecialRow(std::vector<long double>& v) {
  long double m = -std::numeric_limits<long double>::infinity();
  bool nan = false;
  for (long double x : v) {
    nan |= std::isnan(x);
    m = std::max(m, x);
  }
  if (v.empty()) return true;
  if (nan || m == -std::numeric_limits<long double>::infinity()) {
    std::fill(v.begin(), v.end(), std::numeric_limits<long double>::quiet_NaN());
    return true;
  }
  if (m == std::numeric_limits<long double>::infinity()) {
    const long double k = static_cast<long double>(std::count(v.begin(), v.end(), m));
    for (long double& x : v) x = x == m ? 1 / k : 0;
    return true;
  }
  return false;
}

// Sparsemax (Martins & Astudillo 2016): y = max(x - tau, 0), tau from the sorted row.
inline void SparsemaxLine(std::vector<long double>& v) {
  if (SpecialRow(v)) return;
  // Shift by the maximum first (sparsemax does not change): with 1e19 in a row, x - tau
  // would otherwise lose the 1 that tau is away from x (found by hypothesis).
  const long double m = *std::max_element(v.begin(), v.end());
  for (long double& x : v) x -= m;
  std::vector<long double> z(v);
  std::sort(z.begin(), z.end(), std::greater<>());
  long double cum = 0, tau = 0;
  for (std::size_t k = 1; k <= z.size(); ++k) {
    cum += z[k - 1];
    if (1 + static_cast<long double>(k) * z[k - 1] > cum) tau = (cum - 1) / static_cast<long double>(k);
  }
  for (long double& x : v) x = std::max(x - tau, 0.0L);
}

// 1.5-entmax (Peters, Niculae & Martins 2019), exact sort-based: y = [x/2 - tau]_+^2.
inline void Entmax15Line(std::vector<long double>& v) {
  if (SpecialRow(v)) return;
  const long double m = *std::max_element(v.begin(), v.end());
  for (long double& x : v) x = (x - m) / 2;
  std::vector<long double> z(v);
  std::sort(z.begin(), z.end(), std::greater<>());
  long double cum = 0, cum2 = 0, tau_star = 0;
  for (std::size_t k = 1; k <= z.size(); ++k) {
    const long double kd = static_cast<long double>(k);
    cum += z[k - 1];
    cum2 += z[k - 1] * z[k - 1];
    const long double mean = cum / kd, ss = kd * (cum2 / kd - mean * mean);
    const long double tau = mean - std::sqrt(std::max((1 - ss) / kd, 0.0L));
    if (tau <= z[k - 1]) tau_star = tau;
  }
  for (long double& x : v) {
    const long double t = std::max(x - tau_star, 0.0L);
    x = t * t;
  }
}

// Backward from y: sparsemax dx = dy - mean(dy over the support) on the support, else 0;
// entmax15 with g = sqrt(y): dx = g dy - g sum(g dy) / sum(g).
template <class T>
void SimplexBackward(const T* dy, const T* y, T* dx, Axis a, bool entmax) {
  std::vector<double> g(a.n), w(a.n);
  for (std::size_t o = 0; o < a.outer; ++o) {
    for (std::size_t i = 0; i < a.inner; ++i) {
      const std::size_t base = o * a.n * a.inner + i;
      double num = 0, den = 0;
      for (std::size_t k = 0; k < a.n; ++k) {
        const double yk = static_cast<double>(y[base + k * a.inner]);
        const double gk = static_cast<double>(dy[base + k * a.inner]);
        w[k] = entmax ? std::sqrt(yk) : (yk > 0 ? 1.0 : (std::isnan(yk) ? yk : 0.0));
        g[k] = gk;
        num += w[k] * gk;
        den += w[k];
      }
      const double q = num / den;
      for (std::size_t k = 0; k < a.n; ++k)
        dx[base + k * a.inner] = static_cast<T>(w[k] * (g[k] - q));
    }
  }
}

}  // namespace actfn::detail
