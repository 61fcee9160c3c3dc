// The seed's examples, the registry's consistency, number formatting and every error the
// library raises (with nothing written to the output when a call fails its checks).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "actfn/actfn.hpp"
#include "dispatch.h"
#include "format.h"
#include "reference.h"
#include "testing.h"

namespace actfn::test {
namespace {

// ---- the seed article's examples
TEST(Seed, Examples) {
  EXPECT_EQ(relu(1.0), 1.0);
  EXPECT_EQ(relu(-1.0), 0.0);
  EXPECT_EQ(leaky_relu(-1.0, 0.001), -0.001);
  EXPECT_EQ(sigmoid(-1.0), 0.2689414213699951);
  EXPECT_EQ(detail::python_repr(sigmoid(-1.0)), "0.2689414213699951");
  EXPECT_EQ(detail::python_repr(leaky_relu(-1.0, 0.001)), "-0.001");
  EXPECT_EQ(identity(2.5), 2.5);
  EXPECT_EQ(identity(-2.5f), -2.5f);
  const std::vector<double> x = {1, 2, 3};
  std::vector<double> y(3);
  softmax(std::span<const double>(x), std::span<double>(y));
  double s = 0;
  for (double v : y) {
    EXPECT_GE(v, 0.0);
    EXPECT_LE(v, 1.0);
    s += v;
  }
  EXPECT_NEAR(s, 1.0, 2e-16);
  EXPECT_LT(y[0], y[1]);
  EXPECT_LT(y[1], y[2]);
  EXPECT_NEAR(y[2], 0.6652409557748219, 2e-16);  // numpy's value
}

TEST(Seed, DefaultLeakySlopeIsPyTorchs) {
  EXPECT_EQ(leaky_relu(-1.0), -0.01);
  EXPECT_EQ(op("leaky_relu").params[0].def, 0.01);
}

// ---- the registry
TEST(Registry, EveryFunctionHasAReferenceAndEveryReferenceAFunction) {
  // References and specs come from the list at compile time; here: each kind's table holds
  // every function of that kind, once, in the list's order.
  std::set<std::string_view> names;
  std::size_t elementwise = 0, axis = 0, reduce = 0, gated = 0;
  for (const Op& o : ops()) {
    EXPECT_EQ(&op(o.id), &o) << o.name;
    EXPECT_TRUE(names.insert(o.name).second) << "duplicate " << o.name;
    if (!o.alias.empty()) {
      EXPECT_TRUE(names.insert(o.alias).second) << "duplicate " << o.alias;
    }
    switch (o.kind) {
      case Kind::elementwise:
        ASSERT_LT(elementwise, std::size(kElementwise));
        EXPECT_EQ(kElementwise[elementwise++].name, o.name);
        break;
      case Kind::axis: {
        bool found = false;
        for (const auto& r : kAxis) found |= r.name == o.name;
        for (auto n : kOwnTests) found |= n == o.name;
        EXPECT_TRUE(found) << o.name;
        ++axis;
        break;
      }
      case Kind::reduce: EXPECT_EQ(kReduce[reduce++], o.name); break;
      case Kind::gated:
        EXPECT_EQ(kGated[gated++], o.name);
        EXPECT_EQ(op(o.gate).kind, Kind::elementwise) << o.name;
        break;
    }
    EXPECT_FALSE(o.summary.empty());
    EXPECT_FALSE(o.formula.empty());
    EXPECT_FALSE(o.derivative.empty());
    EXPECT_FALSE(o.family.empty());
    EXPECT_NE(o.saved, 0u) << o.name << ": backward reads x or y";
    EXPECT_LE(o.params.size(), kMaxParams);
    for (const auto& p : o.params) {
      EXPECT_LE(p.min, p.def) << o.name << " " << p.name;
      EXPECT_LE(p.def, p.max) << o.name << " " << p.name;
      EXPECT_FALSE(p.doc.empty());
    }
  }
  EXPECT_EQ(ops().size(), kFunctionCount);
  EXPECT_EQ(elementwise, std::size(kElementwise));
  EXPECT_EQ(axis, std::size(kAxis) + std::size(kOwnTests));
  EXPECT_EQ(reduce, std::size(kReduce));
  EXPECT_EQ(gated, std::size(kGated));
}

TEST(Registry, KernelsOnEveryTarget) {
  for (int64_t t : targets()) {
    ForceTarget force(t);
    SCOPED_TRACE(hwy::TargetName(t));
    for (const Op& o : ops()) {
      if (o.kind == Kind::gated) continue;  // composed from their gate's kernels
      if (o.kind == Kind::elementwise) {
        const auto& e = detail::elementwise_kernels(o);
        EXPECT_NE(e.f32.forward, nullptr) << o.name;
        EXPECT_NE(e.f64.backward_x, nullptr) << o.name;
        EXPECT_EQ(e.f32.backward_y != nullptr, o.reads(Saved::y)) << o.name;
        EXPECT_EQ(e.f64.backward_y != nullptr, o.reads(Saved::y)) << o.name;
      } else {
        const auto& e = detail::axis_kernels(o);
        EXPECT_NE(e.f32.forward, nullptr) << o.name;
        EXPECT_NE(e.f64.backward, nullptr) << o.name;
      }
    }
  }
}

// actfn::check says what a call would say, without a call.
TEST(Registry, CheckThrowsWhatACallWould) {
  const double bad[] = {2.0};
  const Op& o = op(Fn::leaky_relu);
  std::string from_check, from_call;
  try {
    check(o, bad);
  } catch (const Error& e) {
    from_check = e.what();
  }
  double x = 1, y;
  try {
    forward(o, &x, &y, Axis{1, 1, 1}, bad);
  } catch (const Error& e) {
    from_call = e.what();
  }
  EXPECT_EQ(from_check, "leaky_relu: alpha = 2.0 is out of range [0.0, 1.0]");
  EXPECT_EQ(from_check, from_call);
  EXPECT_NO_THROW(check(o, {}));
  const double order[] = {1.0, -1.0};
  EXPECT_THROW(check(op(Fn::hardtanh), order), Error);
  EXPECT_THROW(check(op(Fn::gelu), std::vector<double>{0, 1, 2}), Error);
}

TEST(Registry, AliasesAndSuggestions) {
  EXPECT_EQ(find("linear"), find("identity"));
  EXPECT_EQ(find("nope"), nullptr);
  const auto near = closest("sigmiod");
  ASSERT_FALSE(near.empty());
  EXPECT_EQ(near[0], "sigmoid");
  EXPECT_EQ(closest("leaky")[0], "leaky_relu");
  try {
    op("softmx");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'softmax'"), std::string::npos)
        << e.what();
  }
}

// ---- Python's float repr
TEST(Format, AsPythonPrintsAFloat) {
  using detail::python_repr;
  EXPECT_EQ(python_repr(1.0), "1.0");
  EXPECT_EQ(python_repr(0.0), "0.0");
  EXPECT_EQ(python_repr(-0.0), "-0.0");
  EXPECT_EQ(python_repr(-0.001), "-0.001");
  EXPECT_EQ(python_repr(1e-05), "1e-05");
  EXPECT_EQ(python_repr(0.0001), "0.0001");
  EXPECT_EQ(python_repr(1e16), "1e+16");
  EXPECT_EQ(python_repr(1234567890123456.0), "1234567890123456.0");
  EXPECT_EQ(python_repr(123.456), "123.456");
  EXPECT_EQ(python_repr(1.5e-323), "1.5e-323");
  EXPECT_EQ(python_repr(1.7976931348623157e308), "1.7976931348623157e+308");
  EXPECT_EQ(python_repr(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(python_repr(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(python_repr(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(python_repr(std::numeric_limits<double>::quiet_NaN()), "nan");
  EXPECT_EQ(python_repr(0.26894143f), "0.26894143");
  EXPECT_EQ(python_repr(3.8e-44f), "3.8e-44");
}

// ---- errors

TEST(Errors, ParametersOutOfRange) {
  std::vector<float> x(4, -1.f), y(4, 7.f);
  const double bad[] = {2.0};
  EXPECT_EQ(error_of([&] { forward(op("leaky_relu"), x.data(), y.data(), Axis{1, 4, 1}, bad); }),
            "leaky_relu: alpha = 2.0 is out of range [0.0, 1.0]");
  const double nan[] = {std::numeric_limits<double>::quiet_NaN()};
  EXPECT_EQ(error_of([&] { forward(op("leaky_relu"), x.data(), y.data(), Axis{1, 4, 1}, nan); }),
            "leaky_relu: alpha = nan is out of range [0.0, 1.0]");
  const double two[] = {0.1, 0.2};
  EXPECT_EQ(error_of([&] { forward(op("leaky_relu"), x.data(), y.data(), Axis{1, 4, 1}, two); }),
            "leaky_relu: takes 1 parameter(s), got 2");
  EXPECT_EQ(error_of([&] { leaky_relu(x.data(), y.data(), 4, -0.5f); }),
            "leaky_relu: alpha = -0.5 is out of range [0.0, 1.0]");
  for (float v : y) EXPECT_EQ(v, 7.f) << "nothing is written when a call fails";
}

TEST(Errors, OverlapNullAndSizes) {
  std::vector<double> buf(10, 1.0);
  EXPECT_EQ(error_of([&] { relu(buf.data(), buf.data() + 1, 5); }),
            "relu: y partially overlaps x (in place must be exactly the same array)");
  EXPECT_EQ(error_of([&] { relu(buf.data(), buf.data(), 10); }), "(no error)");
  EXPECT_EQ(error_of([&] { relu(buf.data(), buf.data() + 5, 5); }), "(no error)");
  EXPECT_EQ(error_of([&] { relu<double>(nullptr, buf.data(), 3); }),
            "relu: x is null with 3 elements");
  EXPECT_EQ(error_of([&] { relu<double>(nullptr, nullptr, 0); }), "(no error)");
  EXPECT_EQ(error_of([&] { softmax(buf.data(), buf.data() + 2, Axis{2, 2, 2}); }),
            "softmax: y partially overlaps x (in place must be exactly the same array)");
  EXPECT_EQ(error_of([&] {
              sigmoid_backward(buf.data(), buf.data() + 1, buf.data() + 2, 3);
            }),
            "sigmoid: dx partially overlaps dy (in place must be exactly the same array)");
  std::vector<double> y(2);
  EXPECT_EQ(error_of([&] { softmax(std::span<const double>(buf), std::span<double>(y)); }),
            "softmax: x has 10 elements but y has 2");
  const std::size_t huge = std::numeric_limits<std::size_t>::max() / 2;
  EXPECT_EQ(error_of([&] { softmax(buf.data(), y.data(), Axis{huge, 4, 1}); }),
            "softmax: shape " + std::to_string(huge) + " x 4 x 1 is too large");
}

TEST(Errors, BackwardReadsWhatItDocuments) {
  std::vector<float> a(3, 1.f), b(3), c(3);
  EXPECT_EQ(error_of([&] { backward(op("relu"), Saved::y, a.data(), b.data(), c.data(), Axis{1, 3, 1}); }),
            "relu: backward does not read y; pass x");
  EXPECT_EQ(error_of([&] { backward(op("softmax"), Saved::x, a.data(), b.data(), c.data(), Axis{1, 3, 1}); }),
            "softmax: backward does not read x; pass y");
}

TEST(Errors, Axes) {
  const std::size_t shape[] = {2, 3, 4};
  EXPECT_EQ(error_of([&] { along(shape, 3); }),
            "along: axis 3 is out of range for a tensor of rank 3 (valid: -3 to 2)");
  EXPECT_EQ(error_of([&] { along(shape, -4); }),
            "along: axis -4 is out of range for a tensor of rank 3 (valid: -3 to 2)");
  EXPECT_EQ(error_of([&] { along({}, 0); }), "along: a tensor of rank 0 has no axis");
  const Axis a = along(shape, 1);
  EXPECT_EQ(a.outer, 2u);
  EXPECT_EQ(a.n, 3u);
  EXPECT_EQ(a.inner, 4u);
  const Axis last = along(shape, -1);
  EXPECT_EQ(last.outer, 6u);
  EXPECT_EQ(last.n, 4u);
  EXPECT_EQ(last.inner, 1u);
}

TEST(Errors, UnknownFunction) {
  EXPECT_EQ(error_of([] { op("sigmiod"); }),
            "unknown function 'sigmiod'; did you mean 'sigmoid'? ('actfn list' shows them all)");
  EXPECT_EQ(error_of([] { op("zzzzzzzzzz"); }),
            "unknown function 'zzzzzzzzzz' ('actfn list' shows them all)");
}

}  // namespace
}  // namespace actfn::test

namespace actfn::test {
namespace {

TEST(Errors, CrossParameterChecksAndOpenRanges) {
  double x = 1, y = 7;
  const double bad_tanh[] = {2.0, 1.0};
  EXPECT_EQ(error_of([&] { forward(op("hardtanh"), &x, &y, Axis{1, 1, 1}, bad_tanh); }),
            "hardtanh: min_val = 2.0 must not exceed max_val = 1.0");
  const double bad_rrelu[] = {0.5, 0.25};
  EXPECT_EQ(error_of([&] { forward(op("rrelu"), &x, &y, Axis{1, 1, 1}, bad_rrelu); }),
            "rrelu: lower = 0.5 must not exceed upper = 0.25");
  const double zero[] = {0.0};
  EXPECT_EQ(error_of([&] { forward(op("celu"), &x, &y, Axis{1, 1, 1}, zero); }),
            "celu: alpha = 0.0 is out of range (0.0, inf)");
  EXPECT_EQ(error_of([&] { forward(op("softplus"), &x, &y, Axis{1, 1, 1}, zero); }),
            "softplus: beta = 0.0 is out of range (0.0, inf)");
  const double neg[] = {-0.5};
  EXPECT_EQ(error_of([&] { forward(op("hardshrink"), &x, &y, Axis{1, 1, 1}, neg); }),
            "hardshrink: lambd = -0.5 is out of range [0.0, inf)");
  const double two[] = {2.0};
  EXPECT_EQ(error_of([&] { forward(op("gelu"), &x, &y, Axis{1, 1, 1}, two); }),
            "gelu: approximate = 2.0 is not the index of one of none, tanh");
  EXPECT_EQ(y, 7) << "nothing written";
  // The typed API takes the same parameters, in registry order.
  EXPECT_EQ(error_of([&] { softplus(&x, &y, 1, {-1.0}); }),
            "softplus: beta = -1.0 is out of range (0.0, inf)");
  EXPECT_EQ(softplus(1.0), std::log1p(std::exp(1.0)));
  EXPECT_EQ(gelu(0.0), 0.0);
  EXPECT_EQ(gelu(1.0, {1.0}), 0.8411919906082767);  // tanh approximation, correctly rounded
}

TEST(Prelu, PerChannelWeightsAndGradients) {
  // (N, C, L) = (2, 3, 4): channel c has weight w[c].
  const std::size_t N = 2, C = 3, L = 4;
  std::vector<double> x(N * C * L), y(x.size()), dy(x.size()), dx(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    x[i] = (static_cast<double>(i % 7) - 3.0) * 0.5;
    dy[i] = 0.1 * static_cast<double>(i % 5) - 0.2;
  }
  const double w[] = {0.25, -0.5, 2.0};
  double dw[C];
  prelu_channels(x.data(), w, y.data(), Axis{N, C, L});
  prelu_channels_backward(dy.data(), x.data(), w, dx.data(), dw, Axis{N, C, L});
  double want_dw[C] = {0, 0, 0};
  for (std::size_t n = 0; n < N; ++n) {
    for (std::size_t c = 0; c < C; ++c) {
      for (std::size_t l = 0; l < L; ++l) {
        const std::size_t i = (n * C + c) * L + l;
        EXPECT_EQ(y[i], x[i] > 0 ? x[i] : w[c] * x[i]);
        EXPECT_EQ(dx[i], dy[i] * (x[i] > 0 ? 1.0 : w[c]));
        if (!(x[i] > 0)) want_dw[c] += dy[i] * x[i];
      }
    }
  }
  for (std::size_t c = 0; c < C; ++c) EXPECT_NEAR(dw[c], want_dw[c], 1e-15);
  // One shared weight is the registry's prelu.
  EXPECT_EQ(prelu(-2.0), -0.5);
  EXPECT_EQ(prelu(-2.0, {0.1}), -2.0 * 0.1);
}

TEST(Rrelu, TrainingDrawsSeededSlopesThatBackwardReuses) {
  const std::size_t n = 1000;
  std::vector<float> x(n), y(n), noise(n), y2(n), noise2(n), dy(n, 1.0f), dx(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<float>(i % 9) - 4.0f;
  rrelu_train(x.data(), y.data(), noise.data(), n, 0.1, 0.3, 42);
  rrelu_train(x.data(), y2.data(), noise2.data(), n, 0.1, 0.3, 42);
  EXPECT_EQ(noise, noise2) << "the same seed gives the same slopes";
  rrelu_train(x.data(), y2.data(), noise2.data(), n, 0.1, 0.3, 43);
  EXPECT_NE(noise, noise2) << "another seed, other slopes";
  double sum = 0;
  std::size_t negatives = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (x[i] > 0) {
      EXPECT_EQ(noise[i], 1.0f);
      EXPECT_EQ(y[i], x[i]);
    } else {
      EXPECT_GE(noise[i], 0.1f);
      EXPECT_LE(noise[i], 0.3f);
      EXPECT_EQ(y[i], x[i] * noise[i]);
      sum += noise[i];
      ++negatives;
    }
  }
  EXPECT_NEAR(sum / static_cast<double>(negatives), 0.2, 0.02) << "uniform on [lower, upper]";
  rrelu_train_backward(dy.data(), noise.data(), dx.data(), n);
  EXPECT_EQ(dx, noise);
  EXPECT_EQ(error_of([&] { rrelu_train(x.data(), y.data(), noise.data(), n, 0.5, 0.2); }),
            "rrelu: lower = 0.5 must not exceed upper = 0.2");
  // Inference uses the mean slope.
  EXPECT_EQ(rrelu(-1.0), -(1.0 / 8 + 1.0 / 3) / 2);
}

}  // namespace
}  // namespace actfn::test
