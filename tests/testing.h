// Test helpers: ULP distance, input samples, and running a test on every Highway target.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "hwy/targets.h"

namespace actfn::test {

// Distance in units in the last place of T; NaN matches only NaN; -0 and +0 are 0 apart.
template <class T>
double ulp_distance(T a, T b) {
  if (std::isnan(a) || std::isnan(b)) {
    return std::isnan(a) && std::isnan(b) ? 0 : std::numeric_limits<double>::infinity();
  }
  using U = std::conditional_t<sizeof(T) == 4, std::int32_t, std::int64_t>;
  const auto ord = [](T v) {
    const U i = std::bit_cast<U>(v);
    return i < 0 ? static_cast<long double>(std::numeric_limits<U>::min()) - i
                 : static_cast<long double>(i);
  };
  return static_cast<double>(std::fabs(ord(a) - ord(b)));
}

// ULP distance of a computed value from a long double reference rounded to T.
template <class T>
double ulp_error(T got, long double want) {
  return ulp_distance(got, static_cast<T>(want));
}

// ULP distance measured against a scale: |got - want| in units of the spacing of T at
// max(|want|, floor). With floor 0 it is ulp_error, but for zeros and infinities.
template <class T>
double ulp_error_floor(T got, long double want, long double floor) {
  if (std::isnan(got) || std::isnan(want) || std::isinf(got) || std::isinf(want) ||
      !std::isfinite(floor)) {
    return ulp_error(got, want);
  }
  const long double m = std::max(std::fabs(want), std::fabs(floor));
  const T mt = static_cast<T>(std::min<long double>(m, std::numeric_limits<T>::max()));
  long double spacing = static_cast<long double>(std::nextafter(mt, std::numeric_limits<T>::infinity())) - mt;
  if (!(spacing > 0) || !std::isfinite(spacing)) spacing = std::numeric_limits<T>::denorm_min();
  // The exact answer is the rounded reference: a correctly rounded result is 0 ULP.
  const long double rounded = static_cast<T>(want);
  if (static_cast<long double>(got) == rounded) return 0;
  return static_cast<double>(std::fabs(static_cast<long double>(got) - want) / spacing);
}

// The special values every function must handle as documented.
template <class T>
std::vector<T> special_values() {
  using L = std::numeric_limits<T>;
  std::vector<T> v = {T(0), -T(0), L::infinity(), -L::infinity(), L::quiet_NaN(),
                      L::denorm_min(), -L::denorm_min(), L::min(), -L::min(), L::max(),
                      -L::max(), T(1), T(-1), T(1e30), T(-1e30), T(0.5), T(-0.5)};
  for (T s : {T(1), T(-1)})
    for (T x : {T(15), T(17), T(20), T(36), T(40), T(80), T(87.3), T(88.8), T(100),
                T(103.9), T(104), T(708), T(709.8), T(745), T(746)})
      v.push_back(s * x);
  return v;
}

// Special values, a dense grid over [-40, 40], random values in [-20, 20] and random bit
// patterns (every binade, NaN and inf included). Deterministic.
template <class T>
std::vector<T> samples(std::size_t random_count = 20000) {
  std::vector<T> v = special_values<T>();
  for (int i = -40 * 64; i <= 40 * 64; ++i) v.push_back(static_cast<T>(i) / T(64));
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> u(-20, 20);
  using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  for (std::size_t i = 0; i < random_count; ++i) {
    v.push_back(static_cast<T>(u(rng)));
    v.push_back(std::bit_cast<T>(static_cast<U>(rng())));
  }
  return v;
}

// Every target Highway compiled and this CPU runs (AVX2, SSE4, SSSE3, SCALAR ... ).
inline std::vector<int64_t> targets() { return hwy::SupportedAndGeneratedTargets(); }

// Forces the library's dispatch to `target` for the lifetime of the guard.
class ForceTarget {
 public:
  explicit ForceTarget(int64_t target) { hwy::SetSupportedTargetsForTest(target); }
  ~ForceTarget() { hwy::SetSupportedTargetsForTest(0); }
  ForceTarget(const ForceTarget&) = delete;
  ForceTarget& operator=(const ForceTarget&) = delete;
};

// gtest parameter: a Highway target, named after it.
class OnEveryTarget : public ::testing::TestWithParam<int64_t> {
 protected:
  void SetUp() override { hwy::SetSupportedTargetsForTest(GetParam()); }
  void TearDown() override { hwy::SetSupportedTargetsForTest(0); }
};
inline std::string target_name(const ::testing::TestParamInfo<int64_t>& info) {
  return hwy::TargetName(info.param);
}
#define ACTFN_ON_EVERY_TARGET(suite)                                                 \
  INSTANTIATE_TEST_SUITE_P(Targets, suite,                                           \
                           ::testing::ValuesIn(::actfn::test::targets()),            \
                           ::actfn::test::target_name)

}  // namespace actfn::test
