// actfn's typed API: one set of forms per function of the list (actfn/functions.inc), as
// inline templates over the generic calls of actfn.hpp (which check every argument and throw
// actfn::Error). T is float, double, float16 or bfloat16 (Storage) unless it says Real.
// Included by actfn.hpp; not meant to be included alone.
#pragma once

#include <initializer_list>
#include <span>
#include <string>

namespace actfn {
namespace detail {
inline Axis flat(std::size_t n) { return Axis{1, n, 1}; }
inline std::span<const double> span_of(std::initializer_list<double> p) {
  return {p.begin(), p.size()};
}
template <Storage T>
T scalar(const Op& o, T x, std::span<const double> p) {
  T y;
  forward(o, &x, &y, Axis{1, 1, 1}, p);
  return y;
}
template <Storage T>
void row(const Op& o, std::span<const T> x, std::span<T> y) {
  if (x.size() != y.size()) {
    throw Error(std::string(o.name) + ": x has " + std::to_string(x.size()) +
                " elements but y has " + std::to_string(y.size()));
  }
  forward(o, x.data(), y.data(), flat(x.size()));
}
inline Saved saved_of(const Op& o) { return o.reads(Saved::y) ? Saved::y : Saved::x; }
}  // namespace detail

// ------------------------------------------------------------------------------------------
// Elementwise functions, each with three forms (y may equal x; dx may equal dy or x):
//   T name(T x, params);  void name(const T* x, T* y, n, params);
//   void name_backward(const T* dy, const T* x, T* dx, n, params);     dx = dy * f'(x)
// `params` are the function's parameters in registry order ({} for the defaults), for
// example actfn::softplus(x, y, n, {2.0}) for beta = 2. `actfn list` and docs/functions.md
// give each formula, derivative, parameters and ranges. For example
//   relu: y = max(0, x), relu(-0) = +0, relu(NaN) = NaN;  relu'(x) = x > 0 ? 1 : 0.
//   sigmoid: y = 1 / (1 + exp(-x)).  Backward from x is accurate everywhere (sigmoid'(40) =
//   4.2e-18, not 0); sigmoid_backward_from_y is the cheap y * (1 - y), which loses the tail
//   where y rounds to 1 (tanh_backward_from_y likewise: 1 - y^2).
#define ACTFN_TYPED_elementwise(name)                                                      \
  template <Storage T>                                                                      \
  T name(T x, std::initializer_list<double> params = {}) {                                 \
    return detail::scalar(op(Fn::name), x, detail::span_of(params));                       \
  }                                                                                         \
  template <Storage T>                                                                      \
  void name(const T* x, T* y, std::size_t n, std::initializer_list<double> params = {}) {  \
    forward(op(Fn::name), x, y, detail::flat(n), detail::span_of(params));                 \
  }                                                                                         \
  template <Storage T>                                                                      \
  void name##_backward(const T* dy, const T* x, T* dx, std::size_t n,                     \
                       std::initializer_list<double> params = {}) {                        \
    backward(op(Fn::name), Saved::x, dy, x, dx, detail::flat(n), detail::span_of(params)); \
  }

// Along an axis (y may equal x; softmax family, sparse maps, gumbel_softmax):
//   void name(const T* x, T* y, Axis a);  void name(std::span<const T> x, std::span<T> y);
//   void name_backward(const T* dy, const T* saved, T* dx, Axis a);
// backward reads y (softmax, log_softmax, softmin, sparsemax, entmax15) or x (gumbel_softmax).
// The row maximum is subtracted first, so no row overflows (1e4, -1e30 and +-inf entries are
// fine). A row of only -inf gives NaN (PyTorch's convention); +inf entries take the limit
// (softmax([inf, 0]) = [1, 0], several +inf share the mass equally); a NaN anywhere in a row
// makes the whole row NaN.
#define ACTFN_TYPED_axis(name)                                                             \
  template <Storage T>                                                                      \
  void name(const T* x, T* y, Axis a) {                                                    \
    forward(op(Fn::name), x, y, a);                                                        \
  }                                                                                         \
  template <Storage T>                                                                      \
  void name(std::span<const T> x, std::span<T> y) {                                        \
    detail::row(op(Fn::name), x, y);                                                       \
  }                                                                                         \
  template <Storage T>                                                                      \
  void name##_backward(const T* dy, const T* saved, T* dx, Axis a) {                       \
    const Op& o = op(Fn::name);                                                            \
    backward(o, detail::saved_of(o), dy, saved, dx, a);                                    \
  }

// Reductions, one value per line (y has a.outer * a.inner values): logsumexp = max +
// log(sum exp(x - max)); backward reads x: dx = dy * softmax(x).
#define ACTFN_TYPED_reduce(name)                                                           \
  template <Storage T>                                                                      \
  void name(const T* x, T* y, Axis a) {                                                    \
    forward(op(Fn::name), x, y, a);                                                        \
  }                                                                                         \
  template <Storage T>                                                                      \
  void name##_backward(const T* dy, const T* x, T* dx, Axis a) {                           \
    backward(op(Fn::name), Saved::x, dy, x, dx, a);                                        \
  }

// Gated linear units on two inputs a and b of n values each (geglu takes gelu's
// approximate: 0 exact, 1 tanh); backward gives da and db. The same as one tensor split in
// halves along an axis: actfn::forward(op(Fn::glu), x, y, axis) with a.n = 2m (PyTorch's
// F.glu(x, dim)).
#define ACTFN_TYPED_gated(name)                                                            \
  template <Storage T>                                                                      \
  void name(const T* a, const T* b, T* y, std::size_t n,                                   \
            std::initializer_list<double> params = {}) {                                   \
    gated_forward(op(Fn::name), a, b, y, n, detail::span_of(params));                      \
  }                                                                                         \
  template <Storage T>                                                                      \
  void name##_backward(const T* dy, const T* a, const T* b, T* da, T* db, std::size_t n,  \
                       std::initializer_list<double> params = {}) {                        \
    gated_backward(op(Fn::name), dy, a, b, da, db, n, detail::span_of(params));            \
  }

#define ACTFN_FN(name, kind, family, Kernel) ACTFN_TYPED_##kind(name)
#include "actfn/functions.inc"
#undef ACTFN_TYPED_elementwise
#undef ACTFN_TYPED_axis
#undef ACTFN_TYPED_reduce
#undef ACTFN_TYPED_gated

// leaky_relu with the slope as a number of the array's type: leaky_relu(x, 0.001).
template <Storage T>
T leaky_relu(T x, T alpha) {
  return leaky_relu(x, {static_cast<double>(alpha)});
}
template <Storage T>
void leaky_relu(const T* x, T* y, std::size_t n, T alpha) {
  leaky_relu(x, y, n, {static_cast<double>(alpha)});
}
template <Storage T>
void leaky_relu_backward(const T* dy, const T* x, T* dx, std::size_t n, T alpha) {
  leaky_relu_backward(dy, x, dx, n, {static_cast<double>(alpha)});
}

// Backward from the output, for the functions whose derivative is cheap from it.
template <Storage T>
void sigmoid_backward_from_y(const T* dy, const T* y, T* dx, std::size_t n) {
  backward(op(Fn::sigmoid), Saved::y, dy, y, dx, detail::flat(n));
}
template <Storage T>
void tanh_backward_from_y(const T* dy, const T* y, T* dx, std::size_t n) {
  backward(op(Fn::tanh), Saved::y, dy, y, dx, detail::flat(n));
}

// gumbel_softmax(tau, hard): softmax((x + g) / tau) with Gumbel noise g drawn from `seed`
// (the same on every machine); hard gives the one-hot of the argmax. Backward reads x and the
// same seed, and differentiates the soft sample (straight-through when hard).
template <Storage T>
void gumbel_softmax(const T* x, T* y, Axis a, double tau, bool hard = false,
                    unsigned long long seed = 0) {
  const double p[] = {tau, hard ? 1.0 : 0.0, static_cast<double>(seed)};
  forward(op(Fn::gumbel_softmax), x, y, a, p);
}
template <Storage T>
void gumbel_softmax_backward(const T* dy, const T* x, T* dx, Axis a, double tau,
                             bool hard = false, unsigned long long seed = 0) {
  const double p[] = {tau, hard ? 1.0 : 0.0, static_cast<double>(seed)};
  backward(op(Fn::gumbel_softmax), Saved::x, dy, x, dx, a, p);
}

// PReLU with one weight per channel, as PyTorch's nn.PReLU(num_parameters=C) on (N, C, ...):
// a = {N, C, spatial}, weight has C values. Backward gives dx and dweight (summed over N and
// the spatial positions, accumulated in double).
template <Real T>
void prelu_channels(const T* x, const T* weight, T* y, Axis a);
template <Real T>
void prelu_channels_backward(const T* dy, const T* x, const T* weight, T* dx, T* dweight, Axis a);

// RReLU in training: each x <= 0 gets its own slope, drawn uniformly from [lower, upper] by a
// generator seeded with `seed` (the same seed gives the same slopes on every machine). The
// slopes (1 where x > 0) are written to `noise`, which rrelu_train_backward reads:
// dx = dy * noise.
template <Real T>
void rrelu_train(const T* x, T* y, T* noise, std::size_t n, double lower = 1.0 / 8,
                 double upper = 1.0 / 3, unsigned long long seed = 0);
template <Real T>
void rrelu_train_backward(const T* dy, const T* noise, T* dx, std::size_t n);

// The options users keep asking every peer for, for softmax, log_softmax and softmin over a
// row-major tensor of `shape` along `axis`:
// - scale multiplies x first (attention's 1/sqrt(d));
// - an additive mask (added after scaling) and a boolean mask (false: the entry takes no
//   part: -inf), each broadcast against the input as numpy does (shape right-aligned, size-1
//   dimensions repeat; an empty shape is a scalar);
// - safe: a row with no finite maximum (all -inf, fully masked) gives zeros and zero
//   gradients instead of NaN (pytorch#55056, #41508). log_softmax's masked entries are -inf
//   and its fully masked rows 0 in safe mode.
template <Real T>
struct SoftmaxOptions {
  double scale = 1;
  bool safe = false;
  const T* additive_mask = nullptr;
  std::span<const std::size_t> additive_mask_shape = {};
  const bool* mask = nullptr;
  std::span<const std::size_t> mask_shape = {};
};
// op is any function whose softmax_options trait is set (softmax, log_softmax, softmin).
template <Real T>
void forward(const Op& op, const T* x, T* y, std::span<const std::size_t> shape, int axis,
             const SoftmaxOptions<T>& options);
// Backward of the call above (the same shape, axis and options): dx is 0 where an entry was
// masked, scale multiplies the rest.
template <Real T>
void backward(const Op& op, const T* dy, const T* y, T* dx, std::span<const std::size_t> shape,
              int axis, const SoftmaxOptions<T>& options);

template <Real T>
void softmax(const T* x, T* y, std::span<const std::size_t> shape, int axis,
             const SoftmaxOptions<T>& options) {
  forward(op(Fn::softmax), x, y, shape, axis, options);
}
template <Real T>
void log_softmax(const T* x, T* y, std::span<const std::size_t> shape, int axis,
                 const SoftmaxOptions<T>& options) {
  forward(op(Fn::log_softmax), x, y, shape, axis, options);
}
template <Real T>
void softmax_backward(const T* dy, const T* y, T* dx, std::span<const std::size_t> shape,
                      int axis, const SoftmaxOptions<T>& options) {
  backward(op(Fn::softmax), dy, y, dx, shape, axis, options);
}
template <Real T>
void log_softmax_backward(const T* dy, const T* y, T* dx, std::span<const std::size_t> shape,
                          int axis, const SoftmaxOptions<T>& options) {
  backward(op(Fn::log_softmax), dy, y, dx, shape, axis, options);
}

}  // namespace actfn
