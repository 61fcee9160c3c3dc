// Numbers as Python prints a float: the shortest string that reads back to the same value,
// always with a ".0" or an exponent: 1.0, 0.2689414213699951, 1e-05, 1e+16, inf, -inf, nan.
// Shared by the library's error messages and the command line.
#pragma once

#include <charconv>
#include <concepts>
#include <cstdio>
#include <cmath>
#include <cstdlib>
#include <string>

#include "actfn/actfn.hpp"

namespace actfn::detail {

// Python's repr rule: positional when the decimal exponent is in [-4, 16), else scientific.
template <class T>
std::string python_repr(T v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  char buf[64];
  // Shortest round-trip digits in scientific form: "-2.689414213699951e-01".
  const auto r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  const std::string s(buf, r.ptr);
  const bool neg = s[0] == '-';
  const std::size_t epos = s.find('e');
  std::string digits;
  for (std::size_t i = neg ? 1 : 0; i < epos; ++i)
    if (s[i] != '.') digits += s[i];
  const int exp = std::atoi(s.c_str() + epos + 1);
  std::string out = neg ? "-" : "";
  if (exp >= -4 && exp < 16) {
    if (exp >= 0) {
      const std::size_t int_len = static_cast<std::size_t>(exp) + 1;
      if (digits.size() <= int_len) {
        out += digits;
        out.append(int_len - digits.size(), '0');
        out += ".0";
      } else {
        out.append(digits, 0, int_len);
        out += '.';
        out.append(digits, int_len);
      }
    } else {
      out += "0.";
      out.append(static_cast<std::size_t>(-exp - 1), '0');
      out += digits;
    }
  } else {
    out += digits[0];
    if (digits.size() > 1) {
      out += '.';
      out.append(digits, 1);
    }
    const int a = exp < 0 ? -exp : exp;
    out += exp < 0 ? "e-" : "e+";
    if (a < 10) out += '0';
    out += std::to_string(a);
  }
  return out;
}

// A 16-bit value as numpy prints it: the shortest decimal that reads back to the same value.
template <class H>
  requires(std::same_as<H, float16> || std::same_as<H, bfloat16>)
std::string python_repr(H v) {
  const double d = static_cast<double>(v);
  if (!std::isfinite(d)) return python_repr(d);
  char buf[40];
  for (int p = 1; p < 17; ++p) {
    std::snprintf(buf, sizeof buf, "%.*e", p - 1, d);
    const double back = std::strtod(buf, nullptr);
    if (H(back).bits == v.bits) return python_repr(back);
  }
  return python_repr(d);
}

}  // namespace actfn::detail

namespace actfn {
struct Param;
namespace detail {
// "[0.0, 1.0]", or "(0.0, 1.7976931348623157e+308]" for a parameter whose minimum is open.
std::string range_text(const Param& q);
}  // namespace detail
}  // namespace actfn
