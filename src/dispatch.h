// Internal: the kernel tables that the Highway dispatch units (elementwise.cc, softmax.cc)
// export, one table per compiled target. ops.cc finds each registry entry's kernel by name
// (once); a test checks that every entry has exactly one kernel and every kernel an entry.
#pragma once

#include <cstddef>

#include "actfn/actfn.hpp"

namespace actfn::detail {

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
using AxisBackwardFn = void (*)(const T* dy, const T* saved, T* dx, Axis a,
                                const double* params);

// backward reads y (softmax family) or x (logsumexp, gumbel_softmax), as the registry says.
template <class T>
struct AxisFns {
  AxisFn<T> forward;
  AxisBackwardFn<T> backward;
};
struct AxisEntry {
  const char* name;
  AxisFns<float> f32;
  AxisFns<double> f64;
  // Forward on f64 lines that hold f32 data (plain f64 steps, no double-words: the f32 result
  // rounded from it is within 0.5 + 2^-20 ULP); null where the f64 forward serves.
  AxisFn<double> f32_via_f64 = nullptr;
  // Whether the f32 kernel itself keeps the f32 bound (then f32 lines are not widened).
  bool f32_native = false;
  template <class T>
  const AxisFns<T>& fns() const {
    if constexpr (sizeof(T) == 4) return f32; else return f64;
  }
};

// The tables of the best target the CPU supports (or the one a test forced with
// hwy::SetSupportedTargetsForTest), ended by an entry whose name is null. Looked up on every
// call, so a forced target takes effect.
const ElementwiseEntry* elementwise_table();
const AxisEntry* axis_table();

// The index of op's kernel in the table of its kind (found by name, once), or -1.
int kernel_index(const Op& op);

}  // namespace actfn::detail
