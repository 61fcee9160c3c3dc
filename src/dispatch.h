// Internal: the kernel tables that the Highway dispatch units (elementwise.cc, softmax.cc)
// export, one table per compiled target. ops.cc looks kernels up here by the index its
// registry entries carry.
#pragma once

#include <cstddef>

#include "actfn/actfn.hpp"

namespace actfn::detail {

// Kernel indices. The order is the order of the kernel lists in elementwise.cc and
// softmax.cc; every table entry carries its name and a test checks it against the registry.
enum ElementwiseKernel : int { kIdentity, kRelu, kLeakyRelu, kSigmoid, kNumElementwise };
enum AxisKernel : int { kSoftmax, kLogSoftmax, kNumAxis };

// The most parameters any op takes; ops.cc fills the rest with defaults.
inline constexpr int kMaxParams = 4;

template <class T>
using ForwardFn = void (*)(const T* x, T* y, std::size_t n, const double* params);
template <class T>
using BackwardFn = void (*)(const T* dy, const T* saved, T* dx, std::size_t n,
                            const double* params);

template <class T>
struct ElementwiseFns {
  ForwardFn<T> forward;
  BackwardFn<T> backward_x;  // dx from (dy, x)
  BackwardFn<T> backward_y;  // dx from (dy, y), or nullptr
};
struct ElementwiseEntry {
  const char* name;
  ElementwiseFns<float> f32;
  ElementwiseFns<double> f64;
  template <class T>
  const ElementwiseFns<T>& fns() const {
    if constexpr (sizeof(T) == 4) return f32; else return f64;
  }
};

template <class T>
using AxisFn = void (*)(const T* x, T* y, Axis a, const double* params);
template <class T>
using AxisBackwardFn = void (*)(const T* dy, const T* y, T* dx, Axis a, const double* params);

template <class T>
struct AxisFns {
  AxisFn<T> forward;
  AxisBackwardFn<T> backward_y;
};
struct AxisEntry {
  const char* name;
  AxisFns<float> f32;
  AxisFns<double> f64;
  template <class T>
  const AxisFns<T>& fns() const {
    if constexpr (sizeof(T) == 4) return f32; else return f64;
  }
};

// The tables of the best target the CPU supports (or the one a test forced with
// hwy::SetSupportedTargetsForTest). Looked up on every call, so a forced target takes effect.
const ElementwiseEntry* elementwise_table();
const AxisEntry* axis_table();

}  // namespace actfn::detail
