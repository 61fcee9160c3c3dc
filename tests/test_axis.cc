// The rest of the functions along an axis: logsumexp (a reduction), the gated units, the
// softmax options (scale, masks, safe mode), sparse maps' special rows, gumbel_softmax.
#include <gtest/gtest.h>

#include <cmath>
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

class Axes : public OnEveryTarget {};


// ---- logsumexp
template <class T>
void check_logsumexp() {
  for (const auto& shape : std::vector<std::vector<std::size_t>>{{1, 7}, {3, 1000, 1}, {2, 9, 17}, {4, 33, 3}}) {
    const std::size_t total = std::accumulate(shape.begin(), shape.end(), std::size_t{1}, std::multiplies<>());
    const auto x = uniform<T>(total, -30, 30, static_cast<unsigned>(total));
    for (int axis = 0; axis < static_cast<int>(shape.size()); ++axis) {
      const Axis a = along(shape, axis);
      std::vector<T> y(a.outer * a.inner), dx(total);
      logsumexp(x.data(), y.data(), a);
      std::vector<long double> line(a.n);
      for (std::size_t ou = 0; ou < a.outer; ++ou) {
        for (std::size_t i = 0; i < a.inner; ++i) {
          for (std::size_t k = 0; k < a.n; ++k) line[k] = x[(ou * a.n + k) * a.inner + i];
          long double want;
          ref::logsumexp(line.data(), &want, a.n);
          // m + log(s) cancels where m < 0 < log(s): judged in ULP of max(|y|, max|x|).
          long double mx = 0;
          for (long double v : line) mx = std::max(mx, std::fabs(v));
          ASSERT_LE(ulp_error_floor(y[ou * a.inner + i], want, mx), 2) << "axis " << axis;
        }
      }
      // Backward: dx = dy * softmax(x), within the two roundings.
      const auto dy = uniform<T>(a.outer * a.inner, -1, 1, 5);
      logsumexp_backward(dy.data(), x.data(), dx.data(), a);
      std::vector<T> s(total);
      softmax(x.data(), s.data(), a);
      for (std::size_t ou = 0; ou < a.outer; ++ou)
        for (std::size_t k = 0; k < a.n; ++k)
          for (std::size_t i = 0; i < a.inner; ++i) {
            const std::size_t j = (ou * a.n + k) * a.inner + i;
            // softmax rounds its f64 result once; the backward computes softmax natively.
            const T want = s[j] * dy[ou * a.inner + i];
            ASSERT_LE(std::fabs(dx[j] - want),
                      4 * std::numeric_limits<T>::epsilon() * std::fabs(want) +
                          std::numeric_limits<T>::denorm_min());
          }
    }
  }
  using L = std::numeric_limits<T>;
  const T inf = L::infinity();
  const auto one = [&](std::vector<T> v) {
    T y;
    logsumexp(v.data(), &y, Axis{1, v.size(), 1});
    return y;
  };
  EXPECT_EQ(one({-inf, -inf}), -inf) << "log(0)";
  EXPECT_EQ(one({T(1), inf}), inf);
  EXPECT_TRUE(std::isnan(one({T(1), L::quiet_NaN()})));
  EXPECT_EQ(one({T(1e30), T(1e30)}), T(1e30) + T(std::log(2.0)));
  EXPECT_EQ(one({T(3)}), T(3));
  T y = 7;
  logsumexp(static_cast<const T*>(nullptr), &y, Axis{1, 0, 1});
  EXPECT_EQ(y, -inf) << "the empty sum";
}

TEST_P(Axes, LogSumExp) {
  check_logsumexp<float>();
  check_logsumexp<double>();
}

// ---- gated units
long double act_ref(std::string_view name, long double v, const double* p) {
  if (name == "glu") return ref::sigmoid(v, p);
  if (name == "swiglu") return ref::silu(v, p);
  if (name == "geglu") return ref::gelu(v, p);
  return ref::relu(v, p);
}
long double act_grad_ref(std::string_view name, long double v, const double* p) {
  if (name == "glu") return ref::sigmoid_grad(v, p);
  if (name == "swiglu") return ref::silu_grad(v, p);
  if (name == "geglu") return ref::gelu_grad(v, p);
  return ref::relu_grad(v, p);
}

template <class T>
void check_gated() {
  for (std::string_view name : kGated) {
    const Op& o = op(name);
    for (double approx : {0.0, 1.0}) {
      if (approx == 1 && name != "geglu") continue;
      const std::vector<double> p = name == "geglu" ? std::vector<double>{approx} : std::vector<double>{};
      // Split form along axis 1 of (3, 2m, 5): a = first m, b = last m.
      const std::size_t m = 6, inner = 5, outer = 3;
      const Axis a{outer, 2 * m, inner};
      const auto x = uniform<T>(a.size(), -4, 4, 11);
      const auto dy = uniform<T>(a.size() / 2, -1, 1, 12);
      std::vector<T> y(a.size() / 2), dx(a.size());
      forward(o, x.data(), y.data(), a, p);
      backward(o, Saved::x, dy.data(), x.data(), dx.data(), a, p);
      const double bound = 4 * std::numeric_limits<T>::epsilon();
      for (std::size_t ou = 0; ou < outer; ++ou) {
        for (std::size_t k = 0; k < m; ++k) {
          for (std::size_t i = 0; i < inner; ++i) {
            const std::size_t ia = (ou * 2 * m + k) * inner + i, ib = (ou * 2 * m + m + k) * inner + i;
            const std::size_t iy = (ou * m + k) * inner + i;
            const long double av = x[ia], bv = x[ib], g = dy[iy];
            const bool glu = name == "glu";
            const long double want = glu ? av * act_ref(name, bv, p.data()) : act_ref(name, av, p.data()) * bv;
            const long double da = glu ? g * act_ref(name, bv, p.data()) : g * bv * act_grad_ref(name, av, p.data());
            const long double db = glu ? g * av * act_grad_ref(name, bv, p.data()) : g * act_ref(name, av, p.data());
            ASSERT_NEAR(y[iy], want, bound * (1 + std::fabs(want))) << name;
            ASSERT_NEAR(dx[ia], da, bound * (1 + std::fabs(da))) << name << " da";
            ASSERT_NEAR(dx[ib], db, bound * (1 + std::fabs(db))) << name << " db";
          }
        }
      }
    }
    // Two-input form = split form.
    const std::size_t n = 37;
    const auto x = uniform<T>(2 * n, -3, 3, 21);
    std::vector<T> y1(n), y2(n), da(n), db(n), dx(2 * n), g(n, T(1));
    forward(o, x.data(), y1.data(), Axis{1, 2 * n, 1});
    if (name == "glu") glu(x.data(), x.data() + n, y2.data(), n);
    if (name == "swiglu") swiglu(x.data(), x.data() + n, y2.data(), n);
    if (name == "geglu") geglu(x.data(), x.data() + n, y2.data(), n);
    if (name == "reglu") reglu(x.data(), x.data() + n, y2.data(), n);
    EXPECT_EQ(y1, y2) << name;
    backward(o, Saved::x, g.data(), x.data(), dx.data(), Axis{1, 2 * n, 1});
    if (name == "glu") glu_backward(g.data(), x.data(), x.data() + n, da.data(), db.data(), n);
    if (name == "swiglu") swiglu_backward(g.data(), x.data(), x.data() + n, da.data(), db.data(), n);
    if (name == "geglu") geglu_backward(g.data(), x.data(), x.data() + n, da.data(), db.data(), n);
    if (name == "reglu") reglu_backward(g.data(), x.data(), x.data() + n, da.data(), db.data(), n);
    EXPECT_TRUE(std::equal(da.begin(), da.end(), dx.begin())) << name;
    EXPECT_TRUE(std::equal(db.begin(), db.end(), dx.begin() + n)) << name;
    EXPECT_EQ(error_of([&] { forward(o, x.data(), y1.data(), Axis{1, 5, 1}); }),
              std::string(name) + ": the axis has 5 values; it must split into two halves");
  }
}

TEST_P(Axes, GatedUnits) {
  check_gated<float>();
  check_gated<double>();
}

TEST(Gated, FiniteDifferences) {
  for (std::string_view name : kGated) {
    const Op& o = op(name);
    const std::size_t n = 8;
    const auto x = uniform<double>(n, -2, 2, 3);
    const auto dy = uniform<double>(n / 2, -1, 1, 4);
    std::vector<double> dx(n);
    backward(o, Saved::x, dy.data(), x.data(), dx.data(), Axis{1, n, 1});
    for (std::size_t j = 0; j < n; ++j) {
      std::vector<double> xp(x), xm(x), yp(n / 2), ym(n / 2);
      xp[j] += 1e-6;
      xm[j] -= 1e-6;
      forward(o, xp.data(), yp.data(), Axis{1, n, 1});
      forward(o, xm.data(), ym.data(), Axis{1, n, 1});
      double fd = 0;
      for (std::size_t k = 0; k < n / 2; ++k) fd += dy[k] * (yp[k] - ym[k]) / 2e-6;
      EXPECT_NEAR(dx[j], fd, 1e-7) << name << " j=" << j;
    }
  }
}

// ---- softmax options
template <class T>
void check_options() {
  using L = std::numeric_limits<T>;
  const std::size_t shape[] = {2, 3, 4};
  const auto x = uniform<T>(24, -3, 3, 8);
  std::vector<T> y(24), want(24), scaled(24);
  // scale = softmax of the scaled input.
  SoftmaxOptions<T> opt;
  opt.scale = 0.5;
  softmax(x.data(), y.data(), shape, 1, opt);
  for (std::size_t i = 0; i < 24; ++i) scaled[i] = static_cast<T>(x[i] * 0.5);
  softmax(scaled.data(), want.data(), along(shape, 1));
  for (std::size_t i = 0; i < 24; ++i) EXPECT_NEAR(y[i], want[i], 4 * L::epsilon());
  // The registry's scale parameter is the same map (x scale exactly, then softmax).
  const double p[] = {0.5, 0};
  forward(op("softmax"), x.data(), want.data(), along(shape, 1), p);
  for (std::size_t i = 0; i < 24; ++i) EXPECT_NEAR(y[i], want[i], 4 * L::epsilon());
  // A boolean mask (4,) broadcast over (2, 3, 4): masked entries get 0 / -inf, the rest
  // renormalize.
  const bool keep[] = {true, false, true, true};
  const std::size_t mshape[] = {4};
  SoftmaxOptions<T> m;
  m.mask = keep;
  m.mask_shape = mshape;
  softmax(x.data(), y.data(), shape, -1, m);
  for (std::size_t r = 0; r < 6; ++r) {
    EXPECT_EQ(y[r * 4 + 1], T(0));
    EXPECT_NEAR(y[r * 4] + y[r * 4 + 2] + y[r * 4 + 3], 1, 4 * L::epsilon());
  }
  log_softmax(x.data(), y.data(), shape, -1, m);
  for (std::size_t r = 0; r < 6; ++r) EXPECT_EQ(y[r * 4 + 1], -L::infinity());
  // softmin too: a masked entry takes no part (it once took all the mass: the mask's -inf
  // became +inf under softmin's negation).
  forward(op(Fn::softmin), x.data(), y.data(), shape, -1, m);
  for (std::size_t r = 0; r < 6; ++r) {
    EXPECT_EQ(y[r * 4 + 1], T(0)) << "softmin, masked";
    EXPECT_NEAR(y[r * 4] + y[r * 4 + 2] + y[r * 4 + 3], 1, 4 * L::epsilon());
    EXPECT_GT(y[r * 4], T(0));
  }
  std::vector<T> dy(24, T(1)), dx(24);
  log_softmax_backward(dy.data(), y.data(), dx.data(), shape, -1, m);
  for (std::size_t r = 0; r < 6; ++r) EXPECT_EQ(dx[r * 4 + 1], T(0)) << "masked: no gradient";
  // A fully masked row: NaN by default, zeros (and zero gradients) in safe mode.
  const bool none[] = {false};
  const std::size_t one[] = {1};
  SoftmaxOptions<T> all;
  all.mask = none;
  all.mask_shape = one;
  softmax(x.data(), y.data(), shape, -1, all);
  for (T v : y) EXPECT_TRUE(std::isnan(v));
  all.safe = true;
  for (bool log : {false, true}) {
    if (log) {
      log_softmax(x.data(), y.data(), shape, -1, all);
      log_softmax_backward(dy.data(), y.data(), dx.data(), shape, -1, all);
    } else {
      softmax(x.data(), y.data(), shape, -1, all);
      softmax_backward(dy.data(), y.data(), dx.data(), shape, -1, all);
    }
    for (std::size_t i = 0; i < 24; ++i) {
      EXPECT_EQ(y[i], T(0)) << "safe, log " << log;
      EXPECT_EQ(dx[i], T(0)) << "safe, log " << log;
    }
  }
  // Safe mode through the registry: a row of -inf gives zeros.
  const T ninf[] = {-L::infinity(), -L::infinity(), T(1), T(2)};
  T out[4];
  const double safe[] = {1, 1};
  forward(op("softmax"), ninf, out, Axis{2, 2, 1}, safe);
  EXPECT_EQ(out[0], T(0));
  EXPECT_EQ(out[1], T(0));
  EXPECT_NEAR(out[2] + out[3], 1, 2 * L::epsilon());
  // An additive mask (3, 1) broadcast over (2, 3, 4).
  const T add[] = {0, -L::infinity(), 0};
  const std::size_t ashape[] = {3, 1};
  SoftmaxOptions<T> am;
  am.additive_mask = add;
  am.additive_mask_shape = ashape;
  softmax(x.data(), y.data(), shape, -1, am);
  for (std::size_t b = 0; b < 2; ++b)
    for (std::size_t k = 0; k < 4; ++k) EXPECT_TRUE(std::isnan(y[(b * 3 + 1) * 4 + k]));
  // Shapes that do not broadcast.
  const std::size_t bad[] = {5};
  SoftmaxOptions<T> wrong;
  wrong.mask = keep;
  wrong.mask_shape = bad;
  EXPECT_EQ(error_of([&] { softmax(x.data(), y.data(), shape, -1, wrong); }),
            "softmax: mask shape (5,) does not broadcast against (2, 3, 4)");
}

TEST_P(Axes, SoftmaxOptions) {
  check_options<float>();
  check_options<double>();
}

// ---- the sparse maps' special rows
TEST_P(Axes, SparseMapsSpecialRows) {
  const double inf = std::numeric_limits<double>::infinity(), nan = std::nan("");
  for (std::string_view f : {"sparsemax", "entmax15"}) {
    const auto run = [&](std::vector<double> x) {
      std::vector<double> y(x.size());
      forward(op(f), x.data(), y.data(), Axis{1, x.size(), 1});
      return y;
    };
    EXPECT_EQ(run({inf, 0, inf}), (std::vector<double>{0.5, 0, 0.5})) << f;
    EXPECT_EQ(run({-inf, 0}), (std::vector<double>{0, 1})) << f;
    EXPECT_EQ(run({1e4, -1e30}), (std::vector<double>{1, 0})) << f;
    EXPECT_EQ(run({3}), (std::vector<double>{1})) << f;
    for (double v : run({1, nan, 2})) EXPECT_TRUE(std::isnan(v)) << f;
    for (double v : run({-inf, -inf})) EXPECT_TRUE(std::isnan(v)) << f;
    // Exact zeros: sparse.
    const auto y = run({0.1, 1.2, 3});
    EXPECT_EQ(y[0], 0) << f;
  }
  // The seed-like example from the issue: sparsemax([0.1, 1.2, 3]) = [0, 0, 1].
  std::vector<double> x = {0.1, 1.2, 3}, y(3);
  sparsemax(x.data(), y.data(), Axis{1, 3, 1});
  EXPECT_EQ(y, (std::vector<double>{0, 0, 1}));
  x = {0.5, 1.0, 1.2};
  sparsemax(x.data(), y.data(), Axis{1, 3, 1});
  EXPECT_NEAR(y[0], 0.0, 1e-16);
  EXPECT_NEAR(y[1], 0.4, 1e-15);
  EXPECT_NEAR(y[2], 0.6, 1e-15);
}

// ---- gumbel_softmax
TEST_P(Axes, GumbelSoftmax) {
  const std::size_t rows = 50, n = 10;
  const Axis a{rows, n, 1};
  const auto x = uniform<double>(a.size(), -2, 2, 17);
  std::vector<double> y(a.size()), y2(a.size()), hard(a.size());
  gumbel_softmax(x.data(), y.data(), a, 0.5, false, 7);
  gumbel_softmax(x.data(), y2.data(), a, 0.5, false, 7);
  EXPECT_EQ(y, y2) << "the same seed, the same sample";
  gumbel_softmax(x.data(), y2.data(), a, 0.5, false, 8);
  EXPECT_NE(y, y2) << "another seed, another sample";
  gumbel_softmax(x.data(), hard.data(), a, 0.5, true, 7);
  for (std::size_t r = 0; r < rows; ++r) {
    double s = 0;
    std::size_t best = 0;
    for (std::size_t k = 0; k < n; ++k) {
      s += y[r * n + k];
      if (y[r * n + k] > y[r * n + best]) best = k;
    }
    EXPECT_NEAR(s, 1, 1e-15);
    for (std::size_t k = 0; k < n; ++k) EXPECT_EQ(hard[r * n + k], k == best ? 1.0 : 0.0);
  }
  // Backward: the soft sample's softmax backward, divided by tau.
  const auto dy = uniform<double>(a.size(), -1, 1, 3);
  std::vector<double> dx(a.size()), want(a.size());
  gumbel_softmax_backward(dy.data(), x.data(), dx.data(), a, 0.5, true, 7);
  softmax_backward(dy.data(), y.data(), want.data(), a);
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(dx[i], want[i] / 0.5, 1e-15);
  // Over many draws the samples follow softmax(x): the mean of hard samples approaches it.
  const std::vector<double> logits = {0.0, 1.0, 2.0};
  std::vector<double> counts(3, 0), sample(3);
  const int draws = 4000;
  for (int s = 0; s < draws; ++s) {
    gumbel_softmax(logits.data(), sample.data(), Axis{1, 3, 1}, 1.0, true, static_cast<unsigned long long>(s));
    for (int k = 0; k < 3; ++k) counts[k] += sample[k];
  }
  std::vector<double> p(3);
  softmax(std::span<const double>(logits), std::span<double>(p));
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(counts[k] / draws, p[k], 0.03) << k;
}

ACTFN_ON_EVERY_TARGET(Axes);

}  // namespace
}  // namespace actfn::test
