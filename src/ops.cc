// The registry (the one list of functions), argument checking, and the public API.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "actfn/actfn.hpp"
#include "dispatch.h"
#include "format.h"

namespace actfn {
namespace {

using detail::python_repr;
constexpr unsigned kX = static_cast<unsigned>(Saved::x);
constexpr unsigned kY = static_cast<unsigned>(Saved::y);

constexpr Param kLeakyReluParams[] = {
    {"alpha", 0.01, 0.0, 1.0, "slope for x <= 0 (PyTorch's negative_slope; the seed uses 0.001)"},
};

// The registry. Adding a function: its kernel (src/kernels/), its entry here, its reference
// and tolerance in tests/reference.h; tests fail until all three exist.
constexpr Op kOps[] = {
    {"identity", "linear", Kind::elementwise, {},
     "the identity (linear activation): passes x through",
     "y = x", "f'(x) = 1", kX, detail::kIdentity},
    {"relu", "", Kind::elementwise, {},
     "rectified linear unit",
     "y = max(0, x)", "f'(x) = x > 0 ? 1 : 0   (f'(0) = 0)", kX, detail::kRelu},
    {"leaky_relu", "", Kind::elementwise, kLeakyReluParams,
     "leaky ReLU: a small slope alpha for x <= 0",
     "y = x > 0 ? x : alpha * x", "f'(x) = x > 0 ? 1 : alpha   (f'(0) = alpha)", kX,
     detail::kLeakyRelu},
    {"sigmoid", "", Kind::elementwise, {},
     "logistic sigmoid: squashes to (0, 1)",
     "y = 1 / (1 + exp(-x))", "f'(x) = y * (1 - y)", kX | kY, detail::kSigmoid},
    {"softmax", "", Kind::axis, {},
     "softmax: a vector to probabilities that sum to 1",
     "y_i = exp(x_i - max(x)) / sum_j exp(x_j - max(x))",
     "dx = y * (dy - sum(dy * y))", kY, detail::kSoftmax},
    {"log_softmax", "", Kind::axis, {},
     "log of softmax, without forming softmax",
     "y_i = x_i - max(x) - log(sum_j exp(x_j - max(x)))",
     "dx = dy - exp(y) * sum(dy)", kY, detail::kLogSoftmax},
};

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1] ? 1 : 0)});
      diag = up;
    }
  }
  return row[b.size()];
}

[[noreturn]] void fail(const Op& op, const std::string& what) {
  throw Error(std::string(op.name) + ": " + what);
}

// Parameters in registry order, defaults filled in, each checked against its range.
struct Params {
  double v[detail::kMaxParams] = {};
};
Params check_params(const Op& op, std::span<const double> given) {
  if (given.size() > op.params.size()) {
    fail(op, "takes " + std::to_string(op.params.size()) + " parameter(s), got " +
                 std::to_string(given.size()));
  }
  Params p;
  for (std::size_t i = 0; i < op.params.size(); ++i) {
    const Param& q = op.params[i];
    const double v = i < given.size() ? given[i] : q.def;
    if (!(v >= q.min && v <= q.max)) {  // also rejects NaN
      fail(op, std::string(q.name) + " = " + python_repr(v) + " is out of range [" +
                   python_repr(q.min) + ", " + python_repr(q.max) + "]");
    }
    p.v[i] = v;
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

// `out` may be `in` (in place) or disjoint from it; anything else is an error.
template <class T>
void check_io(const Op& op, const char* out_name, T* out, const char* in_name, const T* in,
              std::size_t count) {
  if (count == 0) return;
  if (out == nullptr || in == nullptr) {
    fail(op, std::string(out == nullptr ? out_name : in_name) + " is null with " +
                 std::to_string(count) + " elements");
  }
  const auto o = reinterpret_cast<std::uintptr_t>(out), i = reinterpret_cast<std::uintptr_t>(in);
  const std::uintptr_t bytes = count * sizeof(T);
  if (o != i && o < i + bytes && i < o + bytes) {
    fail(op, std::string(out_name) + " partially overlaps " + in_name +
                 " (in place must be exactly the same array)");
  }
}

template <class T>
void forward_impl(const Op& op, const T* x, T* y, Axis a, std::span<const double> params) {
  const Params p = check_params(op, params);
  const std::size_t count = checked_size(op, a);
  check_io(op, "y", y, "x", x, count);
  if (count == 0) return;
  if (op.kind == Kind::elementwise) {
    detail::elementwise_table()[op.kernel].fns<T>().forward(x, y, count, p.v);
  } else {
    detail::axis_table()[op.kernel].fns<T>().forward(x, y, a, p.v);
  }
}

template <class T>
void backward_impl(const Op& op, Saved from, const T* dy, const T* saved, T* dx, Axis a,
                   std::span<const double> params) {
  const char* sname = from == Saved::x ? "x" : "y";
  if (!op.reads(from)) {
    fail(op, std::string("backward does not read ") + sname + "; pass " +
                 (op.reads(Saved::x) ? "x" : "y"));
  }
  const Params p = check_params(op, params);
  const std::size_t count = checked_size(op, a);
  check_io(op, "dx", dx, "dy", dy, count);
  check_io(op, "dx", dx, sname, saved, count);
  if (count == 0) return;
  if (op.kind == Kind::elementwise) {
    const auto& f = detail::elementwise_table()[op.kernel].fns<T>();
    (from == Saved::x ? f.backward_x : f.backward_y)(dy, saved, dx, count, p.v);
  } else {
    detail::axis_table()[op.kernel].fns<T>().backward_y(dy, saved, dx, a, p.v);
  }
}

// The registry entry of a typed API function, found once.
const Op& entry(std::string_view name) { return op(name); }

}  // namespace

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

std::span<const Op> ops() { return kOps; }

const Op* find(std::string_view name) {
  for (const Op& o : kOps)
    if (o.name == name || (!o.alias.empty() && o.alias == name)) return &o;
  return nullptr;
}

std::vector<std::string_view> closest(std::string_view name) {
  std::vector<std::pair<std::size_t, std::string_view>> c;
  const std::size_t limit = std::max<std::size_t>(2, name.size() / 3);
  for (const Op& o : kOps) {
    for (std::string_view n : {o.name, o.alias}) {
      if (n.empty()) continue;
      const std::size_t d = edit_distance(name, n);
      const bool prefix = name.size() >= 3 && n.substr(0, name.size()) == name;
      if (d <= limit || prefix) c.emplace_back(prefix ? 0 : d, n);
    }
  }
  std::stable_sort(c.begin(), c.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string_view> out;
  for (const auto& [d, n] : c) out.push_back(n);
  return out;
}

const Op& op(std::string_view name) {
  if (const Op* o = find(name)) return *o;
  std::string msg = "unknown function '" + std::string(name) + "'";
  const auto near = closest(name);
  if (!near.empty()) {
    msg += "; did you mean ";
    for (std::size_t i = 0; i < near.size() && i < 3; ++i)
      msg += (i ? ", '" : "'") + std::string(near[i]) + "'";
    msg += "?";
  }
  throw Error(msg + " ('actfn list' shows them all)");
}

void forward(const Op& o, const float* x, float* y, Axis a, std::span<const double> p) {
  forward_impl(o, x, y, a, p);
}
void forward(const Op& o, const double* x, double* y, Axis a, std::span<const double> p) {
  forward_impl(o, x, y, a, p);
}
void backward(const Op& o, Saved from, const float* dy, const float* s, float* dx, Axis a,
              std::span<const double> p) {
  backward_impl(o, from, dy, s, dx, a, p);
}
void backward(const Op& o, Saved from, const double* dy, const double* s, double* dx, Axis a,
              std::span<const double> p) {
  backward_impl(o, from, dy, s, dx, a, p);
}

// ---- the typed API: thin wrappers over the registry entry of the same name ----
namespace {
template <Real T>
T scalar(const Op& o, T x, std::span<const double> p = {}) {
  T y;
  forward_impl(o, &x, &y, Axis{1, 1, 1}, p);
  return y;
}
Axis flat(std::size_t n) { return Axis{1, n, 1}; }
}  // namespace

template <Real T> T identity(T x) { static const Op& o = entry("identity"); return scalar(o, x); }
template <Real T> void identity(const T* x, T* y, std::size_t n) {
  static const Op& o = entry("identity");
  forward_impl(o, x, y, flat(n), {});
}
template <Real T> void identity_backward(const T* dy, const T* x, T* dx, std::size_t n) {
  static const Op& o = entry("identity");
  backward_impl(o, Saved::x, dy, x == nullptr ? dy : x, dx, flat(n), {});
}

template <Real T> T relu(T x) { static const Op& o = entry("relu"); return scalar(o, x); }
template <Real T> void relu(const T* x, T* y, std::size_t n) {
  static const Op& o = entry("relu");
  forward_impl(o, x, y, flat(n), {});
}
template <Real T> void relu_backward(const T* dy, const T* x, T* dx, std::size_t n) {
  static const Op& o = entry("relu");
  backward_impl(o, Saved::x, dy, x, dx, flat(n), {});
}

template <Real T> T leaky_relu(T x, T alpha) {
  static const Op& o = entry("leaky_relu");
  const double p[] = {alpha};
  return scalar(o, x, p);
}
template <Real T> void leaky_relu(const T* x, T* y, std::size_t n, T alpha) {
  static const Op& o = entry("leaky_relu");
  const double p[] = {alpha};
  forward_impl(o, x, y, flat(n), p);
}
template <Real T>
void leaky_relu_backward(const T* dy, const T* x, T* dx, std::size_t n, T alpha) {
  static const Op& o = entry("leaky_relu");
  const double p[] = {alpha};
  backward_impl(o, Saved::x, dy, x, dx, flat(n), p);
}

template <Real T> T sigmoid(T x) { static const Op& o = entry("sigmoid"); return scalar(o, x); }
template <Real T> void sigmoid(const T* x, T* y, std::size_t n) {
  static const Op& o = entry("sigmoid");
  forward_impl(o, x, y, flat(n), {});
}
template <Real T> void sigmoid_backward(const T* dy, const T* x, T* dx, std::size_t n) {
  static const Op& o = entry("sigmoid");
  backward_impl(o, Saved::x, dy, x, dx, flat(n), {});
}
template <Real T> void sigmoid_backward_from_y(const T* dy, const T* y, T* dx, std::size_t n) {
  static const Op& o = entry("sigmoid");
  backward_impl(o, Saved::y, dy, y, dx, flat(n), {});
}

namespace {
template <Real T>
void row(const Op& o, std::span<const T> x, std::span<T> y) {
  if (x.size() != y.size()) {
    fail(o, "x has " + std::to_string(x.size()) + " elements but y has " +
                std::to_string(y.size()));
  }
  forward_impl(o, x.data(), y.data(), flat(x.size()), {});
}
}  // namespace

template <Real T> void softmax(const T* x, T* y, Axis a) {
  static const Op& o = entry("softmax");
  forward_impl(o, x, y, a, {});
}
template <Real T> void softmax(std::span<const T> x, std::span<T> y) {
  static const Op& o = entry("softmax");
  row(o, x, y);
}
template <Real T> void softmax_backward(const T* dy, const T* y, T* dx, Axis a) {
  static const Op& o = entry("softmax");
  backward_impl(o, Saved::y, dy, y, dx, a, {});
}
template <Real T> void log_softmax(const T* x, T* y, Axis a) {
  static const Op& o = entry("log_softmax");
  forward_impl(o, x, y, a, {});
}
template <Real T> void log_softmax(std::span<const T> x, std::span<T> y) {
  static const Op& o = entry("log_softmax");
  row(o, x, y);
}
template <Real T> void log_softmax_backward(const T* dy, const T* y, T* dx, Axis a) {
  static const Op& o = entry("log_softmax");
  backward_impl(o, Saved::y, dy, y, dx, a, {});
}

// Explicit instantiations: the typed API exists for float and double.
#define ACTFN_INSTANTIATE(T)                                                         \
  template T identity<T>(T);                                                         \
  template void identity<T>(const T*, T*, std::size_t);                             \
  template void identity_backward<T>(const T*, const T*, T*, std::size_t);          \
  template T relu<T>(T);                                                             \
  template void relu<T>(const T*, T*, std::size_t);                                 \
  template void relu_backward<T>(const T*, const T*, T*, std::size_t);              \
  template T leaky_relu<T>(T, T);                                                    \
  template void leaky_relu<T>(const T*, T*, std::size_t, T);                        \
  template void leaky_relu_backward<T>(const T*, const T*, T*, std::size_t, T);     \
  template T sigmoid<T>(T);                                                          \
  template void sigmoid<T>(const T*, T*, std::size_t);                              \
  template void sigmoid_backward<T>(const T*, const T*, T*, std::size_t);           \
  template void sigmoid_backward_from_y<T>(const T*, const T*, T*, std::size_t);    \
  template void softmax<T>(const T*, T*, Axis);                                     \
  template void softmax<T>(std::span<const T>, std::span<T>);                       \
  template void softmax_backward<T>(const T*, const T*, T*, Axis);                  \
  template void log_softmax<T>(const T*, T*, Axis);                                 \
  template void log_softmax<T>(std::span<const T>, std::span<T>);                   \
  template void log_softmax_backward<T>(const T*, const T*, T*, Axis);
ACTFN_INSTANTIATE(float)
ACTFN_INSTANTIATE(double)
#undef ACTFN_INSTANTIATE

}  // namespace actfn
