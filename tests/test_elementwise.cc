// Elementwise functions, on every Highway target: against the long double reference over
// special values, a dense grid and random bit patterns; every n from 0 to 67 and some large
// ones at unaligned offsets, in place; special values; backward against the analytic
// derivative and against finite differences.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "actfn/actfn.hpp"
#include "param_sets.h"
#include "reference.h"
#include "testing.h"

namespace actfn::test {
namespace {

// Parameter sets to try: the defaults, then each parameter alone at other valid values
// (its bounds when small, its midpoint, a few others); every choice of a choice parameter.
// Sets that the function rejects (hardtanh with min_val > max_val) are left out.
std::vector<std::vector<double>> param_sets(const Op& op) {
  return test::param_sets(op, [](const Param& q) {
    return std::vector<double>{q.min, q.max, 0.5 * (q.min + q.max), 3 * q.def + 0.5, -2.0, 0.001, 7.0};
  });
}

std::string describe(const std::vector<double>& p) {
  std::string s = "params {";
  for (double v : p) s += " " + std::to_string(v);
  return s + " }";
}

std::string describe(const std::vector<double>& p);
class Elementwise : public OnEveryTarget {};

// ACTFN_REPORT=1 prints every measured maximum (to set the bounds in tests/reference.h).
void report(const char* what, std::string_view name, std::size_t size,
            const std::vector<double>& p, double worst, double at) {
  static const bool on = std::getenv("ACTFN_REPORT") != nullptr;
  if (on) {
    std::printf("REPORT %s %s %s f%zu %s: %.3g ULP at x = %.9g\n",
                hwy::TargetName(hwy::SupportedTargets()), what, std::string(name).c_str(),
                size * 8, describe(p).c_str(), worst, at);
  }
}

const char* tier_name(Accuracy acc) { return acc == Accuracy::fast ? "fast" : "exact"; }

// Against the bound the registry reports for the tier (Op::bound), which the tests enforce.
template <class T>
void check_forward(const Op& op, const ElementwiseRef& r, Accuracy acc) {
  const double bound = sizeof(T) == 4 ? op.bound(acc).f32 : op.bound(acc).f64;
  const std::vector<T> x = samples<T>();
  for (const auto& p : param_sets(op)) {
    SCOPED_TRACE(describe(p) + " " + tier_name(acc));
    std::vector<T> y(x.size());
    forward(op, x.data(), y.data(), Axis{1, x.size(), 1}, p, acc);
    double worst = 0;
    std::size_t at = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      const long double want = r.f(x[i], p.data());
      const double e = r.floor ? ulp_error_floor(y[i], want, r.floor(x[i], p.data()))
                               : ulp_error(y[i], want);
      if (e > worst) worst = e, at = i;
    }
    report(acc == Accuracy::fast ? "fast" : "forward", op.name, sizeof(T), p, worst, x[at]);
    EXPECT_LE(worst, bound) << op.name << "(" << x[at] << ") = " << y[at] << ", want "
                            << static_cast<T>(r.f(x[at], p.data()));
  }
}

template <class T>
void check_backward(const Op& op, const ElementwiseRef& r) {
  const double bound = sizeof(T) == 4 ? r.grad_ulp32 : r.grad_ulp64;
  const std::vector<T> x = samples<T>(5000);
  std::vector<T> dy(x.size());
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(-2, 2);
  for (auto& g : dy) g = static_cast<T>(u(rng));
  dy[0] = T(1);
  for (const auto& p : param_sets(op)) {
    SCOPED_TRACE(describe(p));
    std::vector<T> dx(x.size());
    backward(op, Saved::x, dy.data(), x.data(), dx.data(), Axis{1, x.size(), 1}, p);
    double worst = 0;
    std::size_t at = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      const long double want = static_cast<long double>(dy[i]) * r.df(x[i], p.data());
      const double e = ulp_error_floor(dx[i], want, std::fabs(static_cast<long double>(dy[i])));
      if (e > worst) worst = e, at = i;
    }
    report("backward", op.name, sizeof(T), p, worst, x[at]);
    EXPECT_LE(worst, bound) << op.name << "' at x = " << x[at] << ", dy = " << dy[at]
                            << ": dx = " << dx[at];
    if (!op.reads(Saved::y)) continue;
    // From y: f' written in y (y (1 - y) for sigmoid), evaluated in long double on the rounded
    // y the caller saved.
    ASSERT_NE(r.dfy, nullptr) << op.name << " reads y: tests/reference.h needs its dfy";
    std::vector<T> y(x.size()), dxy(x.size());
    forward(op, x.data(), y.data(), Axis{1, x.size(), 1}, p);
    backward(op, Saved::y, dy.data(), y.data(), dxy.data(), Axis{1, x.size(), 1}, p);
    for (std::size_t i = 0; i < x.size(); ++i) {
      const long double want = dy[i] * r.dfy(y[i], p.data());
      ASSERT_LE(ulp_error_floor(dxy[i], want, std::fabs(static_cast<long double>(dy[i]))), 2)
          << "from y = " << y[i];
    }
  }
}

TEST_P(Elementwise, MatchesReference) {
  for (const auto& r : kElementwise) {
    const Op& o = op(r.name);
    SCOPED_TRACE(std::string(o.name));
    check_forward<float>(o, r, Accuracy::exact);
    check_forward<double>(o, r, Accuracy::exact);
  }
}

// The fast tier: within its bound (at most 4 ULP; exact's where it runs exact's kernel).
TEST_P(Elementwise, FastMatchesReference) {
  for (const auto& r : kElementwise) {
    const Op& o = op(r.name);
    SCOPED_TRACE(std::string(o.name));
    EXPECT_LE(o.bound(Accuracy::fast).f32, 4);
    check_forward<float>(o, r, Accuracy::fast);
    check_forward<double>(o, r, Accuracy::fast);
  }
}

// The fast tier keeps exact's special values: NaN, infinities, signed zeros, saturation and
// the subnormal tails (within 4 ULP, never flushed to zero).
template <class T>
void check_fast_special(const Op& o) {
  using L = std::numeric_limits<T>;
  const std::vector<T> xs = {L::quiet_NaN(), L::infinity(), -L::infinity(), T(0), -T(0),
                             L::denorm_min(), -L::denorm_min(), L::min(), -L::min(),
                             L::max(), -L::max(), T(1e-30), T(-1e-30), T(-80), T(-86.9),
                             T(-87.5), T(-100), T(-103), T(-700), T(-740), T(80), T(88.5),
                             T(100), T(1e10), T(-1e10)};
  std::vector<T> ye(xs.size()), yf(xs.size());
  forward(o, xs.data(), ye.data(), Axis{1, xs.size(), 1}, {}, Accuracy::exact);
  forward(o, xs.data(), yf.data(), Axis{1, xs.size(), 1}, {}, Accuracy::fast);
  for (std::size_t i = 0; i < xs.size(); ++i) {
    SCOPED_TRACE("x = " + std::to_string(xs[i]) + " f" + std::to_string(8 * sizeof(T)));
    const T e = ye[i], f = yf[i];
    if (std::isnan(e)) {
      EXPECT_TRUE(std::isnan(f)) << f;
      continue;
    }
    EXPECT_EQ(std::isinf(e), std::isinf(f)) << e << " " << f;
    EXPECT_EQ(e == 0, f == 0) << e << " " << f;
    EXPECT_EQ(std::signbit(e), std::signbit(f)) << e << " " << f;
    if (std::isfinite(e)) {
      EXPECT_LE(ulp_error(f, static_cast<long double>(e)), 4) << e << " " << f;
    }
  }
}

// softplus with threshold = -inf is x everywhere, -inf included, with derivative 1 (the
// fuzz campaign found the reference giving 0 at x = -inf).
TEST_P(Elementwise, SoftplusBelowMinusInfThreshold) {
  const float x = -INFINITY, dy = 0.75f;
  float y, dx;
  const double p[] = {68.747213200838928, -INFINITY};
  forward(op(Fn::softplus), &x, &y, Axis{1, 1, 1}, p);
  backward(op(Fn::softplus), Saved::x, &dy, &x, &dx, Axis{1, 1, 1}, p);
  EXPECT_EQ(y, -INFINITY);
  EXPECT_EQ(dx, 0.75f);
  EXPECT_EQ(static_cast<double>(ref::softplus<long double>(x, p)), -INFINITY);
  EXPECT_EQ(static_cast<double>(ref::softplus_grad<long double>(x, p)), 1.0);
}

TEST_P(Elementwise, FastKeepsSpecialValues) {
  for (const Op& o : ops()) {
    if (o.kind != Kind::elementwise) continue;
    SCOPED_TRACE(std::string(o.name));
    check_fast_special<float>(o);
    check_fast_special<double>(o);
  }
}

TEST_P(Elementwise, BackwardMatchesReference) {
  for (const auto& r : kElementwise) {
    const Op& o = op(r.name);
    SCOPED_TRACE(std::string(o.name));
    check_backward<float>(o, r);
    check_backward<double>(o, r);
  }
}

// The same bits, or both NaN: which NaN comes out of an operation on NaN depends on the
// order the compiler gives the operands of a commutative instruction, so NaN payloads and
// signs are not part of the contract.
template <class T>
bool same(T a, T b) {
  return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof(T)) == 0;
}

// Every n from 0 to 67 and a few large ones, at unaligned offsets, separate and in place:
// each output has the bits of the one-element call, and nothing outside [0, n) is touched.
template <class T>
void check_lengths(const Op& o, Accuracy acc) {
  const std::vector<T> pool = samples<T>(200);
  std::vector<std::size_t> ns;
  for (std::size_t n = 0; n <= 67; ++n) ns.push_back(n);
  for (std::size_t n : {255, 256, 257, 1000, 4099}) ns.push_back(n);
  const T guard = T(-12345.5);
  for (std::size_t n : ns) {
    for (std::size_t off : {0, 1, 3}) {
      std::vector<T> xb(n + off + 2, guard), yb(n + off + 2, guard);
      for (std::size_t i = 0; i < n; ++i) xb[off + i] = pool[(i * 7919 + n) % pool.size()];
      T* x = xb.data() + off;
      T* y = yb.data() + off;
      forward(o, x, y, Axis{1, n, 1}, {}, acc);
      for (std::size_t i = 0; i < n; ++i) {
        T one;
        forward(o, x + i, &one, Axis{1, 1, 1}, {}, acc);
        ASSERT_TRUE(same(one, y[i]))
            << o.name << " n=" << n << " off=" << off << " i=" << i << " x=" << x[i];
      }
      for (std::size_t i = 0; i < off; ++i) ASSERT_EQ(yb[i], guard);
      ASSERT_EQ(yb[off + n], guard) << "wrote past the end, n=" << n;
      // In place.
      std::vector<T> inplace(xb);
      forward(o, inplace.data() + off, inplace.data() + off, Axis{1, n, 1}, {}, acc);
      for (std::size_t i = 0; i < n; ++i) ASSERT_TRUE(same(inplace[off + i], y[i])) << "in place, n=" << n;
      ASSERT_EQ(inplace[off + n], guard);
      // Backward in place over dy.
      std::vector<T> dyb(xb.size(), T(0.75)), dxb(xb.size(), guard);
      backward(o, Saved::x, dyb.data() + off, x, dxb.data() + off, Axis{1, n, 1});
      backward(o, Saved::x, dyb.data() + off, x, dyb.data() + off, Axis{1, n, 1});
      for (std::size_t i = 0; i < n; ++i) ASSERT_TRUE(same(dyb[off + i], dxb[off + i]));
      ASSERT_EQ(dxb[off + n], guard);
    }
  }
}

TEST_P(Elementwise, EveryLengthOffsetAndInPlace) {
  for (const Op& o : ops()) {
    if (o.kind != Kind::elementwise) continue;
    SCOPED_TRACE(std::string(o.name));
    for (const Accuracy acc : {Accuracy::exact, Accuracy::fast}) {
      check_lengths<float>(o, acc);
      check_lengths<double>(o, acc);
    }
  }
}

template <class T>
void check_special() {
  using L = std::numeric_limits<T>;
  const T nan = L::quiet_NaN(), inf = L::infinity();
  for (const Op& o : ops()) {
    if (o.kind != Kind::elementwise) continue;
    SCOPED_TRACE(std::string(o.name));
    T y, dx;
    forward(o, &nan, &y, Axis{1, 1, 1});
    EXPECT_TRUE(std::isnan(y)) << "NaN in must give NaN out";
    if (o.name != "identity") {  // identity' is 1 everywhere: dx = dy, x is not read
      const T one = 1;
      backward(o, Saved::x, &one, &nan, &dx, Axis{1, 1, 1});
      EXPECT_TRUE(std::isnan(dx)) << "backward at NaN";
    }
  }
  EXPECT_EQ(relu(inf), inf);
  EXPECT_EQ(relu(-inf), T(0));
  EXPECT_FALSE(std::signbit(relu(-T(0)))) << "relu(-0) is +0, as max(0.0, -0.0) in Python";
  EXPECT_EQ(relu(L::denorm_min()), L::denorm_min());
  EXPECT_EQ(relu(T(-1e30)), T(0));
  EXPECT_EQ(leaky_relu(-inf), -inf);
  EXPECT_EQ(leaky_relu(T(-1e30), T(0.5)), T(-5e29));
  EXPECT_EQ(leaky_relu(-L::denorm_min(), T(1)), -L::denorm_min());
  EXPECT_EQ(sigmoid(inf), T(1));
  EXPECT_EQ(sigmoid(-inf), T(0));
  EXPECT_EQ(sigmoid(T(0)), T(0.5));
  EXPECT_EQ(sigmoid(-T(0)), T(0.5));
  EXPECT_EQ(sigmoid(T(1e30)), T(1));
  EXPECT_EQ(sigmoid(T(-1e30)), T(0));
  EXPECT_EQ(sigmoid(L::denorm_min()), T(0.5));
  // Tiny results are not flushed: sigmoid(-100) is 3.72e-44 (a float subnormal).
  EXPECT_GT(sigmoid(T(-100)), T(0));
  EXPECT_NEAR(static_cast<double>(sigmoid(T(-100))), 3.720075976020836e-44, 2e-45);
  // The derivative keeps the positive tail (y * (1 - y) would give 0).
  T dy = 1, x = 40, g;
  sigmoid_backward(&dy, &x, &g, 1);
  EXPECT_GT(g, T(0));
  x = inf;
  sigmoid_backward(&dy, &x, &g, 1);
  EXPECT_EQ(g, T(0));
  // relu'(0) = 0 and leaky_relu'(0) = alpha: the documented kink values.
  x = 0;
  relu_backward(&dy, &x, &g, 1);
  EXPECT_EQ(g, T(0));
  leaky_relu_backward(&dy, &x, &g, 1, T(0.25));
  EXPECT_EQ(g, T(0.25));
}

TEST_P(Elementwise, SpecialValues) {
  check_special<float>();
  check_special<double>();
}

// The backward of each function agrees with a central difference of its forward (f64).
// Points where differences with h and 2h disagree straddle a kink and are left out (the
// derivative at kinks is checked against the reference above).
TEST_P(Elementwise, BackwardMatchesFiniteDifferences) {
  for (const auto& r : kElementwise) {
    const Op& o = op(r.name);
    SCOPED_TRACE(std::string(o.name));
    for (const auto& p : param_sets(o)) {
      SCOPED_TRACE(describe(p));
      int checked = 0;
      for (double x = -8.0312; x <= 8; x += 0.37) {
        const double h = 1e-6;
        double xs[5] = {x - 2 * h, x - h, x, x + h, x + 2 * h}, ys[5], one = 1, g;
        forward(o, xs, ys, Axis{1, 5, 1}, p);
        backward(o, Saved::x, &one, &x, &g, Axis{1, 1, 1}, p);
        const double fd = (ys[3] - ys[1]) / (2 * h), fd2 = (ys[4] - ys[0]) / (4 * h);
        const double left = (ys[2] - ys[1]) / h, right = (ys[3] - ys[2]) / h;
        const double scale = std::max({1.0, std::fabs(fd), std::fabs(ys[2]) / 1e3});
        if (!std::isfinite(fd) || std::fabs(fd - fd2) > 1e-6 * scale ||
            std::fabs(left - right) > 1e-4 * scale) {
          continue;  // a kink within 2h
        }
        ++checked;
        // Truncation O(h^2), plus the rounding of y amplified by 1/h.
        EXPECT_NEAR(g, fd, 1e-7 * scale + 8e-16 * std::fabs(ys[2]) / h) << "x = " << x;
      }
      EXPECT_GT(checked, 20);
    }
  }
}

ACTFN_ON_EVERY_TARGET(Elementwise);

}  // namespace
}  // namespace actfn::test
