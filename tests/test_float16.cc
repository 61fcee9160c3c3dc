// float16 and bfloat16: the conversions (round once, to nearest even, no double rounding),
// and every path of the API on 16-bit arrays (computed in f64, rounded once on store).
// Their accuracy over all 65,536 inputs is tests/CMakeLists.txt's accuracy.* check.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "actfn/actfn.hpp"

namespace actfn {
namespace {

TEST(Float16, EveryValueRoundTrips) {
  for (std::uint32_t b = 0; b < 65536; ++b) {
    const auto h = float16::from_bits(static_cast<std::uint16_t>(b));
    const auto g = bfloat16::from_bits(static_cast<std::uint16_t>(b));
    const double dh = static_cast<double>(h), dg = static_cast<double>(g);
    if (std::isnan(dh)) {
      EXPECT_TRUE(std::isnan(static_cast<double>(float16(dh)))) << b;
    } else {
      EXPECT_EQ(float16(dh).bits, b) << b;
      EXPECT_EQ(float16(static_cast<float>(dh)).bits, b) << b;
    }
    if (std::isnan(dg)) {
      EXPECT_TRUE(std::isnan(static_cast<double>(bfloat16(dg)))) << b;
    } else {
      EXPECT_EQ(bfloat16(dg).bits, b) << b;
      EXPECT_EQ(static_cast<float>(g), static_cast<float>(dg));
    }
  }
  EXPECT_EQ(static_cast<double>(float16::from_bits(0x3c00)), 1.0);
  EXPECT_EQ(static_cast<double>(float16::from_bits(0x7bff)), 65504.0);
  EXPECT_EQ(static_cast<double>(float16::from_bits(0x0001)), std::ldexp(1.0, -24));
  EXPECT_EQ(static_cast<double>(bfloat16::from_bits(0x3f80)), 1.0);
}

#if defined(__FLT16_MAX__)
// The compiler's _Float16 conversion from double rounds once, correctly: the same bits.
TEST(Float16, MatchesTheCompilersConversion) {
  std::mt19937_64 gen(3);
  std::uniform_int_distribution<int> ex(-30, 17);
  std::uniform_real_distribution<double> u(1, 2);
  for (int i = 0; i < 1000000; ++i) {
    double d = std::ldexp(u(gen), ex(gen)) * (i & 1 ? -1 : 1);
    if (i % 3 == 0) {  // exact midpoints and their neighbours
      const auto lo = static_cast<std::uint16_t>(gen() % 0x7bff);
      const double mid = (static_cast<double>(float16::from_bits(lo)) +
                          static_cast<double>(float16::from_bits(static_cast<std::uint16_t>(lo + 1)))) / 2;
      d = i % 9 == 0 ? std::nextafter(mid, 1e9) : i % 9 == 3 ? std::nextafter(mid, -1e9) : mid;
    }
    const _Float16 want = static_cast<_Float16>(d);
    std::uint16_t wb;
    std::memcpy(&wb, &want, 2);
    ASSERT_EQ(float16(d).bits, wb) << d;
  }
}
#endif

// bfloat16 has no compiler type here: check the definition. The result is one of the two
// neighbours of d, the nearer, and on a tie the one with an even last bit.
TEST(Float16, BfloatRoundsToNearestEven) {
  std::mt19937_64 gen(4);
  for (int i = 0; i < 1000000; ++i) {
    const std::uint16_t lo = static_cast<std::uint16_t>(gen() & 0x7f7e);
    const double a = static_cast<double>(bfloat16::from_bits(lo));
    const double b = static_cast<double>(bfloat16::from_bits(static_cast<std::uint16_t>(lo + 1)));
    const double mid = (a + b) / 2;
    const double d = i % 3 == 0 ? mid : i % 3 == 1 ? std::nextafter(mid, 0.0) : std::nextafter(mid, 1e300);
    const auto r = bfloat16(d).bits;
    if (d == mid) {
      ASSERT_EQ(r, (lo & 1) ? lo + 1 : lo) << d;
    } else {
      ASSERT_EQ(r, d < mid ? lo : lo + 1) << d;
    }
  }
  EXPECT_EQ(bfloat16(1e39).bits, 0x7f80);  // beyond max + half an ULP: inf
  EXPECT_EQ(float16(65520.0).bits, 0x7c00);
  EXPECT_EQ(float16(65519.99).bits, 0x7bff);
  EXPECT_EQ(float16(std::ldexp(1.0, -25)).bits, 0);  // a tie with 0: even
  EXPECT_EQ(float16(std::nextafter(std::ldexp(1.0, -25), 1.0)).bits, 1);
  EXPECT_EQ(float16(-0.0).bits, 0x8000);
}

// Every elementwise function on all 65,536 float16 inputs gives its f64 result rounded once.
TEST(Float16, ArraysAreTheF64ResultRoundedOnce) {
  std::vector<float16> x(65536), y(65536), dx(65536), ones(65536, float16(1.0));
  std::vector<double> xd(65536), yd(65536), gd(65536), one(65536, 1.0);
  for (std::uint32_t b = 0; b < 65536; ++b) {
    x[b] = float16::from_bits(static_cast<std::uint16_t>(b));
    xd[b] = static_cast<double>(x[b]);
  }
  for (const Op& o : ops()) {
    if (o.kind != Kind::elementwise) continue;
    const Axis a{1, x.size(), 1};
    forward(o, x.data(), y.data(), a);
    forward(o, xd.data(), yd.data(), a);
    backward(o, Saved::x, ones.data(), x.data(), dx.data(), a);
    backward(o, Saved::x, one.data(), xd.data(), gd.data(), a);
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (std::isnan(yd[i])) {
        ASSERT_TRUE(std::isnan(static_cast<double>(y[i]))) << o.name << " " << xd[i];
      } else {
        ASSERT_EQ(y[i].bits, float16(yd[i]).bits) << o.name << " " << xd[i];
      }
      if (!std::isnan(gd[i])) {
        ASSERT_EQ(dx[i].bits, float16(gd[i]).bits) << o.name << " " << xd[i];
      }
    }
  }
}

TEST(Float16, TypedApiAndAxisFunctions) {
  const float16 v = sigmoid(float16(-1.0));
  EXPECT_EQ(v.bits, float16(0.2689414213699951).bits);
  EXPECT_EQ(static_cast<float>(relu(bfloat16(-2.0))), 0.0f);
  EXPECT_EQ(static_cast<double>(leaky_relu(float16(-1.0), float16(0.5))), -0.5);
  // In place.
  std::vector<bfloat16> x = {bfloat16(1.0), bfloat16(2.0), bfloat16(3.0)};
  softmax(x.data(), x.data(), Axis{1, 3, 1});
  EXPECT_EQ(x[2].bits, bfloat16(0.6652409557748219).bits);
  // log_softmax of a dominant logit: -exp(-100), not 0.
  std::vector<float16> z = {float16(0.0), float16(-10.0)}, lz(2);
  log_softmax(z.data(), lz.data(), Axis{1, 2, 1});
  EXPECT_EQ(lz[0].bits, float16(-4.5398899216870535e-05).bits);
  // logsumexp of empty lines is -inf.
  float16 r[2];
  logsumexp(z.data(), r, Axis{2, 0, 1});
  EXPECT_EQ(r[0].bits, 0xfc00);
  // Gated on two inputs, and the backward.
  std::vector<float16> a = {float16(1.0), float16(-2.0)}, b = {float16(0.5), float16(3.0)}, g(2);
  glu(a.data(), b.data(), g.data(), 2);
  EXPECT_EQ(g[0].bits, float16(1.0 / (1.0 + std::exp(-0.5))).bits);
  std::vector<float16> dy = {float16(1.0), float16(1.0)}, da(2), db(2);
  glu_backward(dy.data(), a.data(), b.data(), da.data(), db.data(), 2);
  EXPECT_EQ(da[1].bits, float16(1.0 / (1.0 + std::exp(-3.0))).bits);
  // The checks see the 16-bit arrays: partial overlap is an error.
  std::vector<float16> w(4, float16(1.0));
  EXPECT_THROW(sigmoid(w.data(), w.data() + 1, 3), Error);
}

}  // namespace
}  // namespace actfn
