// What a family file says about each of its functions besides the kernel: the registry's
// text and parameters, the traits that make a function special, and the bounds its tests
// enforce. One `inline constexpr Spec <name>` per function in namespace actfn::spec, next to
// ref::<name> (the scalar reference) and the kernel; src/registry.cc builds the registry from
// them in the order of include/actfn/functions.inc, tests/reference.h the test tables.
#pragma once

#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <string_view>

#include "actfn/actfn.hpp"

namespace actfn::spec {

// Parameter ranges: [-kMax, kMax] is any finite number (printed as (-inf, inf)).
inline constexpr double kMax = std::numeric_limits<double>::max();
inline constexpr double kInf = std::numeric_limits<double>::infinity();

// What backward can read besides dy (a mask of actfn::Saved).
inline constexpr unsigned kX = static_cast<unsigned>(Saved::x);
inline constexpr unsigned kY = static_cast<unsigned>(Saved::y);

// A reference as the tests call it: f(x, params) in long double.
using RefFn = long double (*)(long double x, const double* params);
// Along an axis: one line of n values (y has 1 value for a reduction), and its backward.
using RowFn = void (*)(const long double* x, long double* y, std::size_t n);
using RowBackFn = void (*)(const long double* dy, const long double* y, long double* dx,
                           std::size_t n);

// The error bounds the tests enforce, in ULP of the output type against the reference
// rounded to that type (tests/testing.h's samples on every target; `ACTFN_REPORT=1
// build/tests/actfn_tests --gtest_filter='*MatchesRef*'` prints the measured maxima).
// Elementwise backward (dx = dy f'(x)) is measured in ULP of max(|dx|, |dy|): where f'
// crosses 0 its terms cancel, and dy * O(1) is the natural scale. Along an axis: ULP of each
// output where `relative`, else absolute in units of eps.
struct Bounds {
  double f32 = 0, f64 = 0, grad32 = 0, grad64 = 0;
  // Functions whose error is measured against a floor: ULP of max(|y|, floor(x)) (zeros
  // away from x = 0 cannot be relatively accurate without exact range reduction).
  RefFn floor = nullptr;
  bool relative = true;      // axis: relative (softmax) or absolute (log_softmax, sparse maps)
  bool shift_exact = false;  // axis: integer rows shifted by a constant give the same bits
};

// The fast tier's forward bounds (Accuracy::fast, same units as Bounds'), where the function
// has a fast kernel; negative: exact's kernel serves both tiers, and so do its bounds.
struct FastBounds {
  double f32 = -1, f64 = -1;
};

struct Spec {
  std::string_view alias = {};  // another accepted name ("linear"), or ""
  std::span<const Param> params = {};
  std::string_view summary, formula, derivative;  // one line each (Op's fields)
  unsigned saved = kX;                            // what backward can read
  std::string (*check)(const double* params) = nullptr;  // checks across parameters
  // Traits (Op's fields of the same names).
  Fn gate = Fn::identity;          // gated: the activation applied to one half
  bool gate_on_b = false;          // gated: act(b) * a (glu) rather than act(a) * b
  bool positional = false;         // results follow the position in the call (gumbel noise)
  bool softmax_options = false;    // SoftmaxOptions (scale, masks, safe) apply
  bool negated = false;            // softmax of -x (softmin): a masked entry is +inf
  // For the tests.
  Bounds bounds = {};
  FastBounds fast = {};
  RefFn dfy = nullptr;  // f' as a function of y, where backward can read y

  // The place of the parameter `name` in params: how a kernel names what it reads
  // (spec::elu.param("alpha")). A name the spec lacks is not a constant: a compile error.
  consteval std::size_t param(std::string_view name) const {
    for (std::size_t i = 0; i < params.size(); ++i)
      if (params[i].name == name) return i;
    throw "no parameter of that name";
  }
};

}  // namespace actfn::spec
