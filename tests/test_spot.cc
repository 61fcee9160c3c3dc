// Every elementwise function at its defaults against independent values: the textbook
// definitions evaluated by mpmath in 50 digits (tools/spot/values.py), not actfn's long
// double references. Within 4 ULP of f64 (or 4 eps absolute where |y| < 1e-3, as near a
// cancellation), and every registered elementwise function has its values.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <string_view>

#include "actfn/actfn.hpp"

namespace {

struct Spot {
  std::string_view name;
  double x;
  long double y;
};

constexpr Spot kSpots[] = {
#include "spot_values.inc"
};

TEST(Spot, EveryFunctionAgreesWithMpmath) {
  std::set<std::string_view> seen;
  for (const Spot& s : kSpots) {
    seen.insert(s.name);
    const actfn::Op& o = actfn::op(s.name);
    double y;
    actfn::forward(o, &s.x, &y, actfn::Axis{1, 1, 1});
    if (std::isnan(s.y)) {
      EXPECT_TRUE(std::isnan(y)) << s.name << "(" << s.x << ")";
      continue;
    }
    const long double eps = std::numeric_limits<double>::epsilon();
    const long double tol = 4 * eps * std::max<long double>(std::fabs(s.y), 1e-3L);
    EXPECT_LE(std::fabs(y - s.y), tol) << s.name << "(" << s.x << ") = " << y << ", mpmath "
                                       << static_cast<double>(s.y);
    float yf;
    const float xf = static_cast<float>(s.x);
    actfn::forward(o, &xf, &yf, actfn::Axis{1, 1, 1});
    if (static_cast<double>(xf) == s.x) {  // the f32 input is the same point
      const long double epsf = std::numeric_limits<float>::epsilon();
      EXPECT_LE(std::fabs(yf - s.y), 2 * epsf * std::max<long double>(std::fabs(s.y), 1e-3L))
          << s.name << "(" << s.x << ") in f32 = " << yf;
    }
  }
  for (const actfn::Op& o : actfn::ops()) {
    if (o.kind == actfn::Kind::elementwise) {
      EXPECT_TRUE(seen.count(o.name)) << o.name << " has no spot values in tools/spot/values.py";
    }
  }
}

}  // namespace
