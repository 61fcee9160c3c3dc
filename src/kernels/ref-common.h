// The scalar references' common ground. Each kernel file defines its function's reference
// next to its kernel, as a template over the number type L: long double for the tests and the
// accuracy tool's fast pass, tools/accuracy's MPFR type (256 bits) for the cases that decide a
// maximum. Calls are unqualified, so std:: serves long double and argument-dependent lookup
// finds the MPFR overloads.
#pragma once

#include <cmath>
#include <type_traits>

namespace actfn::ref {
using std::copysign;
using std::cos;
using std::cosh;
using std::erfc;
using std::exp;
using std::expm1;
using std::fabs;
using std::isinf;
using std::isnan;
using std::log;
using std::log1p;
using std::sin;
using std::sinh;
using std::sqrt;
using std::tanh;
// A parameter that takes the type of another instead of deducing its own (0, 1.0L, ...).
template <class L>
using Same = std::type_identity_t<L>;
}  // namespace actfn::ref
