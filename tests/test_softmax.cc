// The softmax family along any axis, on every Highway target: against the long double
// reference, rows that sum to 1, shift invariance, huge and infinite entries, NaN, every
// axis of a 3-d tensor, in place, and backward against a reference and finite differences.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "actfn/actfn.hpp"
#include "reference.h"
#include "testing.h"

namespace actfn::test {
namespace {

class Softmax : public OnEveryTarget {};


// Error of one output: ULP where the function is judged relatively, else |got - want| in
// units of eps (a probability near 0 that comes out of a difference, or log_softmax near 0,
// where -log(1 + tiny) needs the log1p form that the accuracy issue brings).
template <class T>
double element_error(const AxisRef& r, T got, long double want) {
  if (!r.relative && std::isfinite(want) && !std::isnan(got)) {
    const long double scale = std::max<long double>(1, std::fabs(want));
    return static_cast<double>(std::fabs(got - want) / (scale * std::numeric_limits<T>::epsilon()));
  }
  return ulp_error(got, want);
}

template <class T>
void check_line(const AxisRef& r, const T* x, const T* y, std::size_t n, std::size_t stride,
                double bound, const std::string& where) {
  std::vector<long double> xl(n), yl(n);
  for (std::size_t k = 0; k < n; ++k) xl[k] = x[k * stride];
  r.f(xl.data(), yl.data(), n);
  for (std::size_t k = 0; k < n; ++k) {
    const double e = element_error(r, y[k * stride], yl[k]);
    ASSERT_LE(e, bound) << r.name << " " << where << " k=" << k << " x=" << x[k * stride]
                        << " y=" << y[k * stride] << " want " << static_cast<T>(yl[k]);
  }
}

// Both tiers, each against the bound the registry reports for it (Op::bound).
constexpr Accuracy kTiers[] = {Accuracy::exact, Accuracy::fast};

template <class T>
void check_rows(Accuracy acc) {
  for (const auto& r : kAxis) {
    const Op& o = op(r.name);
    const double bound = sizeof(T) == 4 ? o.bound(acc).f32 : o.bound(acc).f64;
    std::vector<std::size_t> ns;
    for (std::size_t n = 1; n <= 67; ++n) ns.push_back(n);
    for (std::size_t n : {1000, 32000}) ns.push_back(n);
    for (std::size_t n : ns) {
      for (auto [lo, hi] : {std::pair{-20.0, 20.0}, std::pair{-1e4, 1e4}, std::pair{-3.0, 0.5}}) {
        const auto x = uniform<T>(n, lo, hi, static_cast<unsigned>(n));
        std::vector<T> y(n);
        forward(o, x.data(), y.data(), Axis{1, n, 1}, {}, acc);
        check_line(r, x.data(), y.data(), n, 1, bound,
                   "n=" + std::to_string(n) + (acc == Accuracy::fast ? " fast" : ""));
      }
    }
  }
}

TEST_P(Softmax, RowsMatchReference) {
  for (const Accuracy acc : kTiers) {
    check_rows<float>(acc);
    check_rows<double>(acc);
  }
}

template <class T>
void check_sums(Accuracy acc) {
  for (std::size_t n : {1, 2, 3, 7, 8, 9, 100, 1000, 32000}) {
    const auto x = uniform<T>(n, -10, 10, 3);
    std::vector<T> y(n);
    forward(op(Fn::softmax), x.data(), y.data(), Axis{1, n, 1}, {}, acc);
    long double s = 0;
    for (T v : y) {
      ASSERT_GE(v, T(0));
      ASSERT_LE(v, T(1));
      s += v;
    }
    EXPECT_NEAR(static_cast<double>(s), 1.0, 4 * std::numeric_limits<T>::epsilon()) << n;
  }
}

TEST_P(Softmax, ProbabilitiesSumToOne) {
  for (const Accuracy acc : kTiers) {
    check_sums<float>(acc);
    check_sums<double>(acc);
  }
}

// Adding a constant changes nothing. Integer inputs keep x + c and x - max exact, so the
// outputs are bit-identical.
template <class T>
void check_shift(Accuracy acc) {
  for (const auto& r : kAxis) {
    if (!r.shift_exact) continue;
    const Op& o = op(r.name);
    for (std::size_t n : {5, 17, 64}) {
      std::vector<T> x(n), xs(n), y(n), ys(n);
      for (std::size_t i = 0; i < n; ++i) {
        x[i] = static_cast<T>(static_cast<int>((i * 37) % 23) - 11);
        xs[i] = x[i] + T(1000);
      }
      forward(o, x.data(), y.data(), Axis{1, n, 1}, {}, acc);
      forward(o, xs.data(), ys.data(), Axis{1, n, 1}, {}, acc);
      ASSERT_EQ(0, std::memcmp(y.data(), ys.data(), n * sizeof(T))) << r.name << " n=" << n;
    }
  }
}

TEST_P(Softmax, InvariantToAddingAConstant) {
  for (const Accuracy acc : kTiers) {
    check_shift<float>(acc);
    check_shift<double>(acc);
  }
}

template <class T>
std::vector<T> run(std::string_view name, std::vector<T> x, Accuracy acc) {
  std::vector<T> y(x.size());
  forward(op(name), x.data(), y.data(), Axis{1, x.size(), 1}, {}, acc);
  return y;
}

// The same special values in both tiers.
template <class T>
void check_special(Accuracy acc) {
  const auto run = [acc](std::string_view name, std::vector<T> x) {
    return actfn::test::run<T>(name, std::move(x), acc);
  };
  using L = std::numeric_limits<T>;
  const T inf = L::infinity(), nan = L::quiet_NaN();
  using V = std::vector<T>;
  // Huge entries never overflow.
  EXPECT_EQ(run("softmax", {T(1e4), T(-1e30), T(0)}), (V{1, 0, 0}));
  EXPECT_EQ(run("softmax", {T(1e30), T(1e30)}), (V{0.5, 0.5}));
  EXPECT_EQ(run("log_softmax", {T(1e4), T(-1e30)}), (V{0, T(-1e30) - T(1e4)}));
  // -inf entries get 0 (log: -inf); +inf entries take the limit and share the mass.
  EXPECT_EQ(run("softmax", {-inf, T(0)}), (V{0, 1}));
  EXPECT_EQ(run("log_softmax", {-inf, T(0)}), (V{-inf, 0}));
  EXPECT_EQ(run("softmax", {inf, T(0)}), (V{1, 0}));
  EXPECT_EQ(run("softmax", {inf, T(5), inf, -inf}), (V{0.5, 0, 0.5, 0}));
  EXPECT_EQ(run("log_softmax", {inf, T(0)}), (V{0, -inf}));
  EXPECT_EQ(run("softmax", {T(3)}), (V{1}));
  EXPECT_EQ(run("log_softmax", {T(3)}), (V{0}));
  // All -inf: no limit, NaN (PyTorch's convention). NaN anywhere: the whole row is NaN.
  for (std::string_view f : {"softmax", "log_softmax"}) {
    for (const V& x : {V{-inf, -inf}, V{-inf}, V{T(1), nan, T(2)}, V{nan}, V{inf, nan},
                       V{-inf, nan}, V{nan, T(1), T(2), T(3), T(4), T(5), T(6), T(7), T(8)}}) {
      for (T v : run(f, x)) EXPECT_TRUE(std::isnan(v)) << f << " size " << x.size();
    }
  }
  // A long row with the NaN in the vector body and in the tail.
  for (std::size_t at : {3, 40, 66}) {
    V x(67, T(1));
    x[at] = nan;
    for (T v : run("softmax", x)) ASSERT_TRUE(std::isnan(v)) << at;
  }
}

TEST_P(Softmax, HugeInfiniteAndNaNEntries) {
  for (const Accuracy acc : kTiers) {
    check_special<float>(acc);
    check_special<double>(acc);
  }
}

// A scale whose product with a huge maximum leaves a large low part: that maximum's
// exponential is exp(-17.9), far from 1, and the row still sums to 1 with every value a
// probability (the fuzzer found softmin giving 1 + 1.4e-9 here).
TEST_P(Softmax, ScaledHugeMaximum) {
  const double x[] = {15.843137254901961, 15.843137254901961, 15.843137254901961,
                      -1.6483172859008773e-63, -3.9714718650595984, -1.6688436777179578e+17,
                      2.6637720240474453e-305};
  for (const char* name : {"softmin", "softmax"}) {
    const double scale = std::string(name) == "softmin" ? 2.1409325251856934 : -2.1409325251856934;
    std::vector<double> y(7);
    forward(op(name), x, y.data(), Axis{1, 7, 1}, std::vector<double>{scale, 1.0});
    double sum = 0;
    for (double v : y) {
      EXPECT_TRUE(v >= 0 && v <= 1) << name << " gave " << v;
      sum += v;
    }
    EXPECT_NEAR(sum, 1.0, 1e-15) << name;
    EXPECT_EQ(y[5], 1.0) << name;
  }
}

// Every axis of tensors whose inner sizes hit full vectors and tails.
template <class T>
void check_axes(Accuracy acc) {
  for (const auto& r : kAxis) {
    const Op& o = op(r.name);
    const double bound = sizeof(T) == 4 ? o.bound(acc).f32 : o.bound(acc).f64;
    for (const auto& shape : std::vector<std::vector<std::size_t>>{
             {3, 5, 7}, {2, 9, 17}, {4, 1, 8}, {2, 33, 3}, {5, 16}, {1, 3, 2, 11}}) {
      const std::size_t total =
          std::accumulate(shape.begin(), shape.end(), std::size_t{1}, std::multiplies<>());
      const auto x = uniform<T>(total, -30, 30, static_cast<unsigned>(total));
      for (int axis = -static_cast<int>(shape.size()); axis < static_cast<int>(shape.size());
           ++axis) {
        const Axis a = along(shape, axis);
        std::vector<T> y(total);
        forward(o, x.data(), y.data(), a, {}, acc);
        for (std::size_t ou = 0; ou < a.outer; ++ou) {
          for (std::size_t i = 0; i < a.inner; ++i) {
            const std::size_t off = ou * a.n * a.inner + i;
            check_line(r, x.data() + off, y.data() + off, a.n, a.inner, bound,
                       "axis " + std::to_string(axis) + " of rank " + std::to_string(shape.size()));
          }
        }
        std::vector<T> in_place(x);
        forward(o, in_place.data(), in_place.data(), a, {}, acc);
        ASSERT_EQ(0, std::memcmp(in_place.data(), y.data(), total * sizeof(T)));
      }
    }
  }
}

TEST_P(Softmax, AnyAxisAndInPlace) {
  for (const Accuracy acc : kTiers) {
    check_axes<float>(acc);
    check_axes<double>(acc);
  }
}

// Backward: dx = J^T dy, against the formula in long double on the same y, then against
// finite differences of the forward.
template <class T>
void check_backward() {
  for (const auto& r : kAxis) {
    const Op& o = op(r.name);
    for (std::size_t n : {1, 2, 7, 8, 33, 1000}) {
      for (std::size_t inner : {1, 3, 8}) {
        const Axis a{2, n, inner};
        const auto x = uniform<T>(a.size(), -5, 5, static_cast<unsigned>(n));
        const auto dy = uniform<T>(a.size(), -1, 1, 99);
        std::vector<T> y(a.size()), dx(a.size());
        forward(o, x.data(), y.data(), a);
        backward(o, Saved::y, dy.data(), y.data(), dx.data(), a);
        std::vector<long double> gl(n), yl(n), want(n);
        for (std::size_t ou = 0; ou < a.outer; ++ou) {
          for (std::size_t i = 0; i < inner; ++i) {
            const std::size_t off = ou * n * inner + i;
            long double scale = 0;
            for (std::size_t k = 0; k < n; ++k) {
              gl[k] = dy[off + k * inner];
              yl[k] = y[off + k * inner];
              scale += std::fabs(gl[k]);
            }
            r.back(gl.data(), yl.data(), want.data(), n);
            for (std::size_t k = 0; k < n; ++k) {
              // A dot product of n terms: errors scale with sum |dy| (and |y| <= 1).
              const long double tol = 16 * std::numeric_limits<T>::epsilon() * (1 + scale);
              ASSERT_LE(std::fabs(dx[off + k * inner] - want[k]), tol)
                  << r.name << " n=" << n << " inner=" << inner << " k=" << k;
            }
          }
        }
        // In place over dy.
        std::vector<T> g2(dy);
        backward(o, Saved::y, g2.data(), y.data(), g2.data(), a);
        ASSERT_EQ(0, std::memcmp(g2.data(), dx.data(), a.size() * sizeof(T)));
      }
    }
  }
}

TEST_P(Softmax, BackwardMatchesReference) {
  check_backward<float>();
  check_backward<double>();
}

TEST_P(Softmax, BackwardMatchesFiniteDifferences) {
  for (const auto& r : kAxis) {
    const Op& o = op(r.name);
    const std::size_t n = 7;
    const auto x = uniform<double>(n, -3, 3, 5);
    const auto dy = uniform<double>(n, -1, 1, 6);
    std::vector<double> y(n), dx(n);
    forward(o, x.data(), y.data(), Axis{1, n, 1});
    backward(o, Saved::y, dy.data(), y.data(), dx.data(), Axis{1, n, 1});
    const double h = 1e-6;
    for (std::size_t j = 0; j < n; ++j) {
      std::vector<double> xp(x), xm(x), yp(n), ym(n);
      xp[j] += h;
      xm[j] -= h;
      forward(o, xp.data(), yp.data(), Axis{1, n, 1});
      forward(o, xm.data(), ym.data(), Axis{1, n, 1});
      double fd = 0;
      for (std::size_t k = 0; k < n; ++k) fd += dy[k] * (yp[k] - ym[k]) / (2 * h);
      EXPECT_NEAR(dx[j], fd, 1e-8) << r.name << " j=" << j;
    }
  }
}

ACTFN_ON_EVERY_TARGET(Softmax);

}  // namespace
}  // namespace actfn::test
