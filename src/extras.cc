// The functions' variants beside the registry's calls: PReLU with a weight per channel and
// RReLU in training (a slope drawn per element).
#include <array>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "actfn/actfn.hpp"
#include "check.h"
#include "dispatch.h"

namespace actfn {

using detail::check_io;
using detail::check_params;
using detail::checked_size;
using detail::fail;

// PReLU per channel: each (outer, channel) block of `inner` values is the shared-weight
// kernel with that channel's weight.
template <Real T>
void prelu_channels(const T* x, const T* weight, T* y, Axis a) {
  const Op& o = op(Fn::prelu);
  const std::size_t count = checked_size(o, a);
  check_io(o, "y", y, "x", x, count);
  if (count == 0) return;
  if (weight == nullptr) fail(o, "weight is null with " + std::to_string(a.n) + " channels");
  for (std::size_t c = 0; c < a.n; ++c) check_params(o, std::span<const double>(std::array<double, 1>{double(weight[c])}));
  for (std::size_t b = 0; b < a.outer; ++b) {
    for (std::size_t c = 0; c < a.n; ++c) {
      const double w[kMaxParams] = {static_cast<double>(weight[c])};  // kernels read all
      const std::size_t off = (b * a.n + c) * a.inner;
      detail::elementwise_kernels(o).fns<T>().forward(x + off, y + off, a.inner, w);
    }
  }
}

template <Real T>
void prelu_channels_backward(const T* dy, const T* x, const T* weight, T* dx, T* dweight, Axis a) {
  const Op& o = op(Fn::prelu);
  const std::size_t count = checked_size(o, a);
  check_io(o, "dx", dx, "dy", dy, count);
  check_io(o, "dx", dx, "x", x, count);
  if (count == 0) {
    for (std::size_t c = 0; c < a.n && dweight != nullptr; ++c) dweight[c] = 0;
    return;
  }
  if (weight == nullptr || dweight == nullptr) {
    fail(o, std::string(weight == nullptr ? "weight" : "dweight") + " is null with " +
                std::to_string(a.n) + " channels");
  }
  std::vector<double> sums(a.n, 0.0);  // dweight[c] = sum of dy * x over x <= 0
  for (std::size_t b = 0; b < a.outer; ++b) {
    for (std::size_t c = 0; c < a.n; ++c) {
      const std::size_t off = (b * a.n + c) * a.inner;
      for (std::size_t i = 0; i < a.inner; ++i) {
        const T xv = x[off + i];
        if (!(xv > 0)) sums[c] += static_cast<double>(dy[off + i]) * static_cast<double>(xv);
      }
    }
  }
  for (std::size_t b = 0; b < a.outer; ++b) {
    for (std::size_t c = 0; c < a.n; ++c) {
      const double w[kMaxParams] = {static_cast<double>(weight[c])};  // kernels read all
      const std::size_t off = (b * a.n + c) * a.inner;
      detail::elementwise_kernels(o).fns<T>().backward_x(dy + off, x + off, dx + off,
                                                                   a.inner, w);
    }
  }
  for (std::size_t c = 0; c < a.n; ++c) dweight[c] = static_cast<T>(sums[c]);
}

// A generator whose output is fixed by the C++ standard (std::mt19937_64), mapped to [0, 1)
// by hand: std::uniform_real_distribution differs between standard libraries.
template <Real T>
void rrelu_train(const T* x, T* y, T* noise, std::size_t n, double lower, double upper,
                 unsigned long long seed) {
  const Op& o = op(Fn::rrelu);
  const double p[] = {lower, upper};
  check_params(o, p);
  check_io(o, "y", y, "x", x, n);
  check_io(o, "noise", noise, "x", x, n);
  if (n > 0 && (noise == x || noise == y)) fail(o, "noise must be its own array");
  std::mt19937_64 rng(seed);
  for (std::size_t i = 0; i < n; ++i) {
    const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;
    const T slope = x[i] > 0 ? T(1) : static_cast<T>(lower + (upper - lower) * u);
    noise[i] = slope;
    y[i] = x[i] * slope;
  }
}

template <Real T>
void rrelu_train_backward(const T* dy, const T* noise, T* dx, std::size_t n) {
  const Op& o = op(Fn::rrelu);
  check_io(o, "dx", dx, "dy", dy, n);
  check_io(o, "dx", dx, "noise", noise, n);
  for (std::size_t i = 0; i < n; ++i) dx[i] = dy[i] * noise[i];
}

#define ACTFN_EXTRAS_INSTANCES(T)                                                        \
  template void prelu_channels<T>(const T*, const T*, T*, Axis);                          \
  template void prelu_channels_backward<T>(const T*, const T*, const T*, T*, T*, Axis);   \
  template void rrelu_train<T>(const T*, T*, T*, std::size_t, double, double,             \
                               unsigned long long);                                       \
  template void rrelu_train_backward<T>(const T*, const T*, T*, std::size_t);
ACTFN_EXTRAS_INSTANCES(float)
ACTFN_EXTRAS_INSTANCES(double)
#undef ACTFN_EXTRAS_INSTANCES

}  // namespace actfn
