// The argument checks (src/check.h) and the public actfn::check.
#include "check.h"

#include <cmath>
#include <limits>

#include "format.h"

namespace actfn {
namespace detail {
namespace {
constexpr double kMax = std::numeric_limits<double>::max();
}  // namespace

// Finite bounds at +-DBL_MAX print as open infinities: "(0.0, inf)" is any positive number.
std::string range_text(const Param& q) {
  const bool lo_inf = q.min <= -kMax, hi_inf = q.max >= kMax;
  return std::string(q.min_open || lo_inf ? "(" : "[") + (lo_inf ? "-inf" : python_repr(q.min)) +
         ", " + (hi_inf ? "inf" : python_repr(q.max)) + (hi_inf ? ")" : "]");
}

void fail(const Op& op, const std::string& what) {
  throw Error(std::string(op.name) + ": " + what);
}

Params check_params(const Op& op, std::span<const double> given) {
  if (given.size() > op.params.size()) {
    fail(op, "takes " + std::to_string(op.params.size()) + " parameter(s), got " +
                 std::to_string(given.size()));
  }
  Params p;
  for (std::size_t i = 0; i < op.params.size(); ++i) {
    const Param& q = op.params[i];
    const double v = i < given.size() ? given[i] : q.def;
    if (!q.choices.empty()) {
      if (!(v >= 0 && v < static_cast<double>(q.choices.size()) && v == std::floor(v))) {
        std::string names;
        for (auto c : q.choices) names += (names.empty() ? "" : ", ") + std::string(c);
        fail(op, std::string(q.name) + " = " + python_repr(v) + " is not the index of one of " +
                     names);
      }
    } else if (!(v >= q.min && v <= q.max) || (q.min_open && v == q.min)) {  // also NaN
      if (q.min <= -kMax && q.max >= kMax) {  // any finite number would do
        fail(op, std::string(q.name) + " = " + python_repr(v) + " is not finite");
      }
      fail(op, std::string(q.name) + " = " + python_repr(v) + " is out of range " +
                   range_text(q));
    }
    p.v[i] = v;
  }
  if (op.check != nullptr) {
    const std::string e = op.check(p.v);
    if (!e.empty()) fail(op, e);
  }
  return p;
}

std::size_t checked_size(const Op& op, Axis a) {
  const std::size_t m = std::numeric_limits<std::size_t>::max();
  if (a.n != 0 && a.inner != 0 &&
      (a.inner > m / a.n || a.outer > m / (a.n * a.inner) || a.outer * a.n * a.inner > m / 8)) {
    fail(op, "shape " + std::to_string(a.outer) + " x " + std::to_string(a.n) + " x " +
                 std::to_string(a.inner) + " is too large");
  }
  return a.size();
}

std::size_t out_size(const Op& op, Axis a) {
  if (op.kind == Kind::reduce) return a.outer * a.inner;
  if (op.kind == Kind::gated) return a.size() / 2;
  return a.size();
}

void check_gated(const Op& op, Axis a) {
  if (a.n % 2 != 0) {
    fail(op, "the axis has " + std::to_string(a.n) + " values; it must split into two halves");
  }
}

void check_io_bytes(const Op& op, const char* out_name, const void* out, const char* in_name,
                    const void* in, std::size_t count, std::size_t size) {
  if (count == 0) return;
  if (out == nullptr || in == nullptr) {
    fail(op, std::string(out == nullptr ? out_name : in_name) + " is null with " +
                 std::to_string(count) + " elements");
  }
  const auto o = reinterpret_cast<std::uintptr_t>(out), i = reinterpret_cast<std::uintptr_t>(in);
  const std::uintptr_t bytes = count * size;
  if (o != i && o < i + bytes && i < o + bytes) {
    fail(op, std::string(out_name) + " partially overlaps " + in_name +
                 " (in place must be exactly the same array)");
  }
}

void check_apart_bytes(const Op& op, const char* out_name, const void* out, std::size_t out_n,
                       const char* in_name, const void* in, std::size_t in_n, std::size_t size) {
  if (out_n == 0 || in_n == 0) return;
  if (out == nullptr || in == nullptr) {
    fail(op, std::string(out == nullptr ? out_name : in_name) + " is null with " +
                 std::to_string(out == nullptr ? out_n : in_n) + " elements");
  }
  const auto o = reinterpret_cast<std::uintptr_t>(out), i = reinterpret_cast<std::uintptr_t>(in);
  if (o == i && out_n == in_n) return;
  if (o < i + in_n * size && i < o + out_n * size) fail(op, std::string(out_name) + " overlaps " + in_name);
}

}  // namespace detail

void check(const Op& op, std::span<const double> params) { detail::check_params(op, params); }

Axis along(std::span<const std::size_t> shape, int axis) {
  const int rank = static_cast<int>(shape.size());
  if (rank == 0) throw Error("along: a tensor of rank 0 has no axis");
  if (axis < -rank || axis >= rank) {
    throw Error("along: axis " + std::to_string(axis) + " is out of range for a tensor of rank " +
                std::to_string(rank) + " (valid: " + std::to_string(-rank) + " to " +
                std::to_string(rank - 1) + ")");
  }
  const std::size_t k = static_cast<std::size_t>(axis < 0 ? axis + rank : axis);
  Axis a{1, shape[k], 1};
  for (std::size_t i = 0; i < k; ++i) a.outer *= shape[i];
  for (std::size_t i = k + 1; i < shape.size(); ++i) a.inner *= shape[i];
  return a;
}

}  // namespace actfn
