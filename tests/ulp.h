// ULP distances for the tests and the fuzzers (no test framework here).
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

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
  const T big = std::numeric_limits<T>::max();
  const T mt = static_cast<T>(std::min<long double>(m, big));
  long double spacing = static_cast<long double>(std::nextafter(mt, std::numeric_limits<T>::infinity())) - mt;
  if (mt == big) spacing = static_cast<long double>(big) - std::nextafter(big, T(0));  // the top binade's
  if (!(spacing > 0)) spacing = std::numeric_limits<T>::denorm_min();
  // The exact answer is the rounded reference: a correctly rounded result is 0 ULP.
  const long double rounded = static_cast<T>(want);
  if (static_cast<long double>(got) == rounded) return 0;
  return static_cast<double>(std::fabs(static_cast<long double>(got) - want) / spacing);
}

}  // namespace actfn::test
