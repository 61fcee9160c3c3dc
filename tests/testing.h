// Test helpers: ULP distance, input samples, and running a test on every Highway target.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "hwy/targets.h"
#include "ulp.h"

namespace actfn::test {

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

// n values uniform in [lo, hi), deterministic for a seed.
template <class T>
std::vector<T> uniform(std::size_t n, double lo, double hi, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(u(rng));
  return v;
}

// The message of the actfn::Error that f throws, or "(no error)".
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
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
