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
#include "dispatch.h"
#include "testing.h"

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

// Every elementwise function on all 65,536 float16 inputs, forward and backward: the f64
// result rounded once, except where it lies within a few f64 ULP of a 16-bit midpoint:
// there the exact tier settles which side f(x) is on (src/settle.cc), and the result is one
// of the midpoint's two neighbours.
template <class H>
void expect_rounded_once_or_settled(H y, double yd, const char* name, double x) {
  if (std::isnan(yd)) {
    ASSERT_TRUE(std::isnan(static_cast<double>(y))) << name << " " << x;
    return;
  }
  if (y.bits == H(yd).bits) return;
  const double u = 32 * std::ldexp(1.0, std::ilogb(yd) - 52);
  const H lo(yd - u), hi(yd + u);
  ASSERT_NE(lo.bits, hi.bits) << name << " " << x << ": not near a midpoint";
  ASSERT_TRUE(y.bits == lo.bits || y.bits == hi.bits) << name << " " << x;
}

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
      expect_rounded_once_or_settled(y[i], yd[i], o.name.data(), xd[i]);
      if (!std::isnan(gd[i])) expect_rounded_once_or_settled(dx[i], gd[i], o.name.data(), xd[i]);
    }
  }
}

// v (exact in long double) correctly rounded to H: to double rounded to odd (53 bits hold
// the 16-bit type's and two more), then to nearest even.
template <class H>
H round_exact(long double v) {
  double d = static_cast<double>(v);
  if (static_cast<long double>(d) != v) {
    std::uint64_t b;
    std::memcpy(&b, &d, sizeof b);
    if (std::fabs(static_cast<long double>(d)) > std::fabs(v)) --b;
    b |= 1;
    std::memcpy(&d, &b, sizeof d);
  }
  return H(d);
}

// leaky_relu's alpha x and dy alpha are 64-bit products of a 16-bit value and a float64
// alpha, exact in long double: some lie within 2^-53 of a 16-bit midpoint, where the float64
// product alone rounds to the wrong side (or onto the midpoint). Every input, both types,
// forward and backward: the correctly rounded product, and at least one input where the
// float64 alone would have missed it (so that this test sees the settling at work).
template <class H>
void expect_products_correctly_rounded() {
  std::vector<H> x(65536), y(65536), dx(65536), minus(65536, H(-1.0));
  for (std::uint32_t b = 0; b < 65536; ++b) x[b] = H::from_bits(static_cast<std::uint16_t>(b));
  for (const double alpha : {0.01, 0.53, 0.3}) {
    const double p[] = {alpha};
    std::size_t settled = 0;
    forward(op("leaky_relu"), x.data(), y.data(), Axis{1, x.size(), 1}, p);
    backward(op("leaky_relu"), Saved::x, x.data(), minus.data(), dx.data(), Axis{1, x.size(), 1}, p);
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double v = static_cast<double>(x[i]);
      if (std::isnan(v) || !(v < 0)) continue;
      const long double exact = static_cast<long double>(alpha) * v;
      ASSERT_EQ(y[i].bits, round_exact<H>(exact).bits) << alpha << " " << v;
      ASSERT_EQ(dx[i].bits, round_exact<H>(exact).bits) << alpha << " dy " << v;
      settled += H(alpha * v).bits != y[i].bits;
    }
    EXPECT_GT(settled, 0u) << alpha;
  }
}
TEST(Float16, ProductsNearMidpointsAreCorrectlyRounded) {
  expect_products_correctly_rounded<float16>();
  expect_products_correctly_rounded<bfloat16>();
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

// The SIMD conversions (src/units/convert.cc), on every target: widening every
// 16-bit value exactly, and narrowing as the scalar types round (to nearest even, once) for
// every bfloat16 and float16 neighbourhood: each value, the midpoints to its neighbours and
// one float32 ULP either side of them, NaN, infinities and the overflow threshold.
class Convert : public test::OnEveryTarget {};

// f64 -> f32 rounded to odd -> 16-bit rounded to nearest even is the f64's correct rounding
// (the exact tier's arrays go back to 16 bits that way), on every target: against the scalar types'
// conversion from double, on random doubles and on doubles just off every kind of midpoint.
TEST_P(Convert, RoundToOddThenNearestIsCorrectRounding) {
  const auto& c = detail::convert_kernels();
  std::mt19937_64 rng(3);
  std::vector<double> v;
  for (int i = 0; i < 200000; ++i) {
    std::uint64_t b = rng();
    b = (b & ~(std::uint64_t{0x7ff} << 52)) | ((std::uint64_t{1023 - 40 + rng() % 60}) << 52);
    double d;
    std::memcpy(&d, &b, sizeof d);
    v.push_back(d);
  }
  // Midpoints of float16 and bfloat16 neighbours, and a few f64 ulps either side of them.
  for (int i = 0; i < 20000; ++i) {
    const std::uint16_t h = static_cast<std::uint16_t>(rng() & 0x7bff);
    for (const double mid : {(static_cast<double>(float16::from_bits(h)) +
                              static_cast<double>(float16::from_bits(static_cast<std::uint16_t>(h + 1)))) / 2,
                             (static_cast<double>(bfloat16::from_bits(h)) +
                              static_cast<double>(bfloat16::from_bits(static_cast<std::uint16_t>(h + 1)))) / 2}) {
      for (int k = -2; k <= 2; ++k) {
        double d = mid;
        for (int s = 0; s < std::abs(k); ++s) d = std::nextafter(d, k < 0 ? -INFINITY : INFINITY);
        v.push_back(d);
        v.push_back(-d);
      }
    }
  }
  v.insert(v.end(), {0.0, -0.0, 1e-300, -1e-300, 1e300, -1e300, INFINITY, -INFINITY, 65520.0,
                     65519.99, 3.4e38, 3.3961e38});
  std::vector<float> odd(v.size());
  c.f64_to_f32_odd(v.data(), odd.data(), v.size());
  std::vector<std::uint16_t> h(v.size()), b(v.size());
  c.f32_to_f16(odd.data(), h.data(), v.size());
  c.f32_to_bf16(odd.data(), b.data(), v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    ASSERT_EQ(h[i], float16(v[i]).bits) << v[i];
    ASSERT_EQ(b[i], bfloat16(v[i]).bits) << v[i];
  }
}
TEST_P(Convert, MatchesTheScalarTypes) {
  const auto& c = detail::convert_kernels();
  std::vector<std::uint16_t> bits(65536);
  for (std::uint32_t b = 0; b < 65536; ++b) bits[b] = static_cast<std::uint16_t>(b);
  std::vector<float> wide(65536);
  for (const bool bf : {false, true}) {
    SCOPED_TRACE(bf ? "bfloat16" : "float16");
    (bf ? c.bf16_to_f32 : c.f16_to_f32)(bits.data(), wide.data(), 65536);
    std::vector<float> xs;
    for (std::uint32_t b = 0; b < 65536; ++b) {
      const float want = bf ? static_cast<float>(bfloat16::from_bits(bits[b]))
                            : static_cast<float>(float16::from_bits(bits[b]));
      if (std::isnan(want)) {
        ASSERT_TRUE(std::isnan(wide[b])) << b;
        continue;
      }
      ASSERT_EQ(std::memcmp(&want, &wide[b], 4), 0) << b << ": " << wide[b] << " want " << want;
      if (b == 65535) continue;
      const float next = bf ? static_cast<float>(bfloat16::from_bits(bits[b + 1]))
                            : static_cast<float>(float16::from_bits(bits[b + 1]));
      xs.push_back(want);
      if (std::isfinite(next)) {
        const float mid = static_cast<float>((static_cast<double>(want) + next) / 2);
        xs.insert(xs.end(), {mid, std::nextafter(mid, -INFINITY), std::nextafter(mid, INFINITY)});
      }
    }
    xs.insert(xs.end(), {INFINITY, -INFINITY, NAN, 65520.0f, 65519.99f, 3.4e38f, -3.4e38f, 1e-30f});
    std::vector<std::uint16_t> out(xs.size());
    (bf ? c.f32_to_bf16 : c.f32_to_f16)(xs.data(), out.data(), xs.size());
    for (std::size_t i = 0; i < xs.size(); ++i) {
      const std::uint16_t want = bf ? bfloat16(xs[i]).bits : float16(xs[i]).bits;
      if (std::isnan(xs[i])) {
        const float back = bf ? static_cast<float>(bfloat16::from_bits(out[i]))
                              : static_cast<float>(float16::from_bits(out[i]));
        ASSERT_TRUE(std::isnan(back)) << "NaN stays NaN";
        continue;
      }
      ASSERT_EQ(out[i], want) << "x = " << xs[i];
    }
    // Every length (the tails).
    for (std::size_t n = 0; n < 40; ++n) {
      std::vector<std::uint16_t> o(n + 1, 0xabcd);
      (bf ? c.f32_to_bf16 : c.f32_to_f16)(xs.data() + 1000, o.data(), n);
      for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(o[i], out[1000 + i]);
      ASSERT_EQ(o[n], 0xabcd) << "wrote past the end";
    }
  }
}
// The exact tier's filter for results near a 16-bit midpoint (src/settle.cc) never misses
// one: every float16 and bfloat16 midpoint (random ones, the subnormal range, the overflow
// threshold, the least subnormal's half) and the float64 values up to 32 ULP either side of
// it pass, one at a time and inside a vector; random results rarely do.
TEST_P(Convert, MidpointFilterNeverMisses) {
  const auto& c = detail::convert_kernels();
  std::mt19937_64 rng(5);
  for (const bool bf : {false, true}) {
    SCOPED_TRACE(bf ? "bfloat16" : "float16");
    const auto filter = bf ? c.f64_maybe_near_bf16 : c.f64_maybe_near_f16;
    const auto value = [&](std::uint16_t h) {
      return bf ? static_cast<double>(bfloat16::from_bits(h)) : static_cast<double>(float16::from_bits(h));
    };
    std::vector<double> mids = {value(1) / 2, bf ? 3.3961e38 : 65520.0};
    for (std::uint16_t h = 0; h < 40; ++h) mids.push_back((value(h) + value(h + 1)) / 2);  // subnormal
    const std::uint16_t top = bf ? 0x7f7f : 0x7bff;  // the largest finite
    for (int i = 0; i < 3000; ++i) {
      const auto h = static_cast<std::uint16_t>(rng() % top);
      mids.push_back((value(h) + value(static_cast<std::uint16_t>(h + 1))) / 2);
    }
    mids[1] = (value(top) + 2 * value(top) - value(static_cast<std::uint16_t>(top - 1))) / 2;
    std::vector<double> block(8, 0.3);
    for (const double mid : mids) {
      for (int k = -32; k <= 32; ++k) {
        double d = mid;
        for (int j = 0; j < std::abs(k); ++j) d = std::nextafter(d, k < 0 ? 0.0 : INFINITY);
        for (const double v : {d, -d}) {
          ASSERT_TRUE(filter(&v, 1)) << v << " near " << mid;
          block[5] = v;
          ASSERT_TRUE(filter(block.data(), block.size())) << v;
        }
      }
    }
    std::size_t passed = 0;
    std::vector<double> r(1);
    for (int i = 0; i < 100000; ++i) {
      r[0] = std::ldexp(static_cast<double>(rng() >> 11), -53 - static_cast<int>(rng() % 20));
      passed += filter(r.data(), 1);
    }
    EXPECT_LT(passed, 100u);  // about 2^-13 (float16), 2^-16 (bfloat16) of them
  }
}
ACTFN_ON_EVERY_TARGET(Convert);

// The fast tier's 16-bit arrays: computed in f32 (fast kernels) and rounded once, within 1 ULP
// of the 16-bit type (its exact tier: the correctly rounded value, nearly), every value.
TEST(Float16, FastTierWithinOneUlp) {
  std::vector<float16> x(65536), ye(65536), yf(65536);
  for (std::uint32_t b = 0; b < 65536; ++b) x[b] = float16::from_bits(static_cast<std::uint16_t>(b));
  for (const char* name : {"sigmoid", "tanh", "silu", "gelu", "elu", "softplus"}) {
    forward(op(name), x.data(), ye.data(), Axis{1, 65536, 1}, {}, Accuracy::exact);
    forward(op(name), x.data(), yf.data(), Axis{1, 65536, 1}, {}, Accuracy::fast);
    for (std::uint32_t b = 0; b < 65536; ++b) {
      const double e = static_cast<double>(ye[b]), f = static_cast<double>(yf[b]);
      if (std::isnan(e)) {
        ASSERT_TRUE(std::isnan(f)) << name;
        continue;
      }
      const int d = std::abs(static_cast<int>(ye[b].bits & 0x7fff) - static_cast<int>(yf[b].bits & 0x7fff));
      ASSERT_TRUE(d <= 1 && (e == 0 || f == 0 || std::signbit(e) == std::signbit(f)))
          << name << "(" << static_cast<double>(x[b]) << "): fast " << f << ", exact " << e;
    }
  }
}

}  // namespace
}  // namespace actfn
