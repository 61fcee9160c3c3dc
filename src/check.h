// Internal: the argument checks every call makes before it touches an array. Each failure
// throws actfn::Error("<function>: <what>"); nothing is written when a check fails.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "actfn/actfn.hpp"

namespace actfn::detail {

[[noreturn]] void fail(const Op& op, const std::string& what);

// Parameters in registry order, defaults filled in, each checked against its range and the
// op's checks across parameters.
struct Params {
  double v[kMaxParams] = {};
};
Params check_params(const Op& op, std::span<const double> given);

// a.size(), or an error when the shape's byte count would overflow.
std::size_t checked_size(const Op& op, Axis a);

// Values of y (and dy) for an input of shape a: outer x inner for a reduction, half for a
// gated unit.
std::size_t out_size(const Op& op, Axis a);

// A gated unit's axis splits into two halves.
void check_gated(const Op& op, Axis a);

// `out` may be `in` (in place) or disjoint from it; anything else is an error.
void check_io_bytes(const Op& op, const char* out_name, const void* out, const char* in_name,
                    const void* in, std::size_t count, std::size_t size);
template <class T>
void check_io(const Op& op, const char* out_name, T* out, const char* in_name, const T* in,
              std::size_t count) {
  check_io_bytes(op, out_name, out, in_name, in, count, sizeof(T));
}

// out and in share no byte (they may be the same array only when of one size).
void check_apart_bytes(const Op& op, const char* out_name, const void* out, std::size_t out_n,
                       const char* in_name, const void* in, std::size_t in_n, std::size_t size);
template <class T>
void check_apart(const Op& op, const char* out_name, T* out, std::size_t out_n,
                 const char* in_name, const T* in, std::size_t in_n) {
  check_apart_bytes(op, out_name, out, out_n, in_name, in, in_n, sizeof(T));
}

}  // namespace actfn::detail
