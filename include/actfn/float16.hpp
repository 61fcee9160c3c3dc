// actfn's 16-bit storage types: IEEE binary16 (float16) and bfloat16 (the top half of a
// float). Arrays of them are loaded, computed wider and rounded once (to nearest, ties to
// even) on store. Converting from float or double rounds once (no double rounding); to float
// or double is exact. Usable on their own (the Python module converts through them).
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>

namespace actfn {

namespace detail {
// v rounded to the binary format of p significand bits and exponents [emin, 1 - emin], as
// its 16-bit pattern (sign, 16 - p exponent bits, p - 1 fraction bits).
inline std::uint16_t round_to_16(double v, int p, int emin) {
  const std::uint64_t b = std::bit_cast<std::uint64_t>(v);
  const std::uint64_t frac = b & ((std::uint64_t{1} << 52) - 1);
  const auto sign = static_cast<std::uint16_t>((b >> 48) & 0x8000u);
  const auto inf = static_cast<std::uint16_t>(0x7fffu & ~((1u << (p - 1)) - 1));
  const int eb = static_cast<int>((b >> 52) & 0x7ff);
  if (eb == 0x7ff) {  // inf, or a NaN kept quiet with its sign and top payload bits
    if (frac == 0) return sign | inf;
    return sign | inf | static_cast<std::uint16_t>(1u << (p - 2)) |
           static_cast<std::uint16_t>(frac >> (52 - (p - 1)));
  }
  if (eb == 0) return sign;  // f64 subnormals lie far below half the smallest 16-bit value
  const int e = eb - 1023;
  if (e > 1 - emin) return sign | inf;
  const std::uint64_t m = frac | (std::uint64_t{1} << 52);
  const int q = (e > emin ? e : emin) - (p - 1);  // the exponent of the result's last bit
  const int shift = q - (e - 52);                  // bits dropped: at least 53 - p
  if (shift >= 54) return sign;                    // below half the smallest subnormal
  std::uint64_t r = m >> shift;
  const std::uint64_t rem = m & ((std::uint64_t{1} << shift) - 1);
  const std::uint64_t half = std::uint64_t{1} << (shift - 1);
  if (rem > half || (rem == half && (r & 1))) ++r;
  // Exponent field times 2^(p-1) plus r: a carry out of r moves into the exponent, and
  // subnormals (field 0) come out right too.
  const std::uint64_t bits = (static_cast<std::uint64_t>(q + p - 1 - emin) << (p - 1)) + r;
  return sign | static_cast<std::uint16_t>(bits >= inf ? inf : bits);
}
inline double widen_16(std::uint16_t h, int p, int emin) {
  const int ef = (h & 0x7fff) >> (p - 1);
  const int mf = h & ((1 << (p - 1)) - 1);
  const double s = (h & 0x8000) ? -1.0 : 1.0;
  if (ef == (0x7fff >> (p - 1))) {
    if (mf == 0) return s * HUGE_VAL;
    const auto nan = 0x7ff8000000000000ull | (static_cast<std::uint64_t>(mf) << (53 - p));
    return std::copysign(std::bit_cast<double>(nan), s);
  }
  if (ef == 0) return s * std::ldexp(static_cast<double>(mf), emin - (p - 1));
  return s * std::ldexp(static_cast<double>(mf + (1 << (p - 1))), ef - 1 + emin - (p - 1));
}
}  // namespace detail

struct float16 {
  std::uint16_t bits = 0;
  float16() = default;
  explicit float16(double v) : bits(detail::round_to_16(v, 11, -14)) {}
  explicit float16(float v) : float16(static_cast<double>(v)) {}
  explicit float16(int v) : float16(static_cast<double>(v)) {}
  explicit operator double() const { return detail::widen_16(bits, 11, -14); }
  explicit operator float() const { return static_cast<float>(static_cast<double>(*this)); }
  static float16 from_bits(std::uint16_t b) {
    float16 h;
    h.bits = b;
    return h;
  }
};
struct bfloat16 {
  std::uint16_t bits = 0;
  bfloat16() = default;
  explicit bfloat16(double v) : bits(detail::round_to_16(v, 8, -126)) {}
  explicit bfloat16(float v) : bfloat16(static_cast<double>(v)) {}
  explicit bfloat16(int v) : bfloat16(static_cast<double>(v)) {}
  explicit operator float() const {
    return std::bit_cast<float>(static_cast<std::uint32_t>(bits) << 16);
  }
  explicit operator double() const { return static_cast<float>(*this); }
  static bfloat16 from_bits(std::uint16_t b) {
    bfloat16 h;
    h.bits = b;
    return h;
  }
};

}  // namespace actfn
