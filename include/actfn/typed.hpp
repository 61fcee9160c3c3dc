// actfn's typed API: one set of forms per function of the list (actfn/functions.inc), as
// inline templates over the generic calls of actfn.hpp (which check every argument and throw
// actfn::Error). T is float, double, float16 or bfloat16 (Storage) unless it says Real.
// The forms themselves are in typed-forms.inc, included twice: in namespace actfn (the exact
// tier) and in actfn::fast (the fast tier, same names and signatures).
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
T scalar(const Op& o, T x, std::span<const double> p, Accuracy acc) {
  T y;
  forward(o, &x, &y, Axis{1, 1, 1}, p, acc);
  return y;
}
template <Storage T>
void row(const Op& o, std::span<const T> x, std::span<T> y, Accuracy acc) {
  if (x.size() != y.size()) {
    throw Error(std::string(o.name) + ": x has " + std::to_string(x.size()) +
                " elements but y has " + std::to_string(y.size()));
  }
  forward(o, x.data(), y.data(), flat(x.size()), {}, acc);
}
inline Saved saved_of(const Op& o) { return o.reads(Saved::y) ? Saved::y : Saved::x; }
}  // namespace detail

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
             const SoftmaxOptions<T>& options, Accuracy accuracy = Accuracy::exact);
// Backward of the call above (the same shape, axis and options): dx is 0 where an entry was
// masked, scale multiplies the rest.
template <Real T>
void backward(const Op& op, const T* dy, const T* y, T* dx, std::span<const std::size_t> shape,
              int axis, const SoftmaxOptions<T>& options, Accuracy accuracy = Accuracy::exact);

#define ACTFN_TIER Accuracy::exact
#include "actfn/typed-forms.inc"
#undef ACTFN_TIER

// The fast tier (Accuracy::fast): every form above, the same names and signatures.
namespace fast {
#define ACTFN_TIER Accuracy::fast
#include "actfn/typed-forms.inc"
#undef ACTFN_TIER
}  // namespace fast

}  // namespace actfn
