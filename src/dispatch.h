// Internal: where each function's kernels are. Every family's Highway dispatch unit
// (src/units/<family>.cc) defines, for each of its functions in the list, the accessor
// detail::<name>_kernels(), which returns the kernels of the best target the CPU supports (or
// the one a test forced with hwy::SetSupportedTargetsForTest: looked up on every call).
// elementwise_kernels(op) and axis_kernels(op) find them by op's place in the list; a missing
// one is a link error, not a run-time surprise.
#pragma once

#include <cstddef>
#include <cstdint>

#include "actfn/actfn.hpp"

namespace actfn::detail {

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
  ElementwiseFns<float> f32;
  ElementwiseFns<double> f64;
  // The fast tier's forward, where the kernel has one (ForwardFast); null: exact's serves,
  // which keeps the fast tier's contract too.
  ForwardFn<float> f32_fast = nullptr;
  ForwardFn<double> f64_fast = nullptr;
  template <class T>
  const ElementwiseFns<T>& fns() const {
    if constexpr (sizeof(T) == 4) return f32; else return f64;
  }
  template <class T>
  ForwardFn<T> forward(Accuracy a) const {
    ForwardFn<T> fast;
    if constexpr (sizeof(T) == 4) fast = f32_fast; else fast = f64_fast;
    return a == Accuracy::fast && fast != nullptr ? fast : fns<T>().forward;
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
  AxisFns<float> f32;
  AxisFns<double> f64;
  // Forward on f64 lines that hold f32 data (plain f64 steps, no double-words: the f32 result
  // rounded from it is within 0.5 + 2^-20 ULP); null where the f64 forward serves.
  AxisFn<double> f32_via_f64 = nullptr;
  // Whether the f32 kernel itself keeps the f32 bound (then f32 lines are not widened).
  bool f32_native = false;
  // The fast tier's forward (on its own lanes, never widened); null: exact's serves.
  AxisFn<float> f32_fast = nullptr;
  AxisFn<double> f64_fast = nullptr;
  template <class T>
  const AxisFns<T>& fns() const {
    if constexpr (sizeof(T) == 4) return f32; else return f64;
  }
  template <class T>
  AxisFn<T> fast() const {
    if constexpr (sizeof(T) == 4) return f32_fast; else return f64_fast;
  }
};

#define ACTFN_KERNELS_elementwise(name) const ElementwiseEntry& name##_kernels();
#define ACTFN_KERNELS_axis(name) const AxisEntry& name##_kernels();
#define ACTFN_KERNELS_reduce(name) const AxisEntry& name##_kernels();
#define ACTFN_KERNELS_gated(name)
#define ACTFN_FN(name, kind, family, Kernel) ACTFN_KERNELS_##kind(name)
#include "actfn/functions.inc"
#undef ACTFN_KERNELS_elementwise
#undef ACTFN_KERNELS_axis
#undef ACTFN_KERNELS_reduce
#undef ACTFN_KERNELS_gated

// 16-bit arrays to and from f32 (src/units/convert.cc): exact widening, narrowing rounded
// to nearest even once (NaN quiet, overflow to inf, subnormals kept). n values, any n.
struct ConvertKernels {
  void (*f16_to_f32)(const std::uint16_t* in, float* out, std::size_t n);
  void (*f32_to_f16)(const float* in, std::uint16_t* out, std::size_t n);
  void (*bf16_to_f32)(const std::uint16_t* in, float* out, std::size_t n);
  void (*f32_to_bf16)(const float* in, std::uint16_t* out, std::size_t n);
  void (*f64_to_f32_odd)(const double* in, float* out, std::size_t n);  // as below
  // Whether any of n float64 values may lie within a few float64 ULP of a float16 (bfloat16)
  // midpoint: src/settle.cc's filter, which never misses one.
  bool (*f64_maybe_near_f16)(const double* in, std::size_t n);
  bool (*f64_maybe_near_bf16)(const double* in, std::size_t n);
};
const ConvertKernels& convert_kernels();
// f64 to f32 rounded to odd (inexact results keep a sticky last bit): then rounding that f32
// to nearest even in a 16-bit type (f32's 24 bits hold the 16-bit type's 11 or 8 and two
// more) is the f64's correct rounding, without a double rounding. NaN stays NaN.
void f64_to_f32_odd(const double* in, float* out, std::size_t n);

// The exact tier's 16-bit results (H: float16 or bfloat16), settled in their float64 form
// before they are rounded (src/settle.cc): a result within a few float64 ULP of a 16-bit
// midpoint is moved to the side of it that the long double reference says f(x) is on, so
// that the rounding is correct. Elementwise forward (x, y), backward (dy, the saved x or y,
// dx), a gated unit's halves, lines along an axis (x, y in the Axis layout).
template <class H>
void settle_forward(const Op& op, const double* x, double* y, std::size_t n, const double* p);
template <class H>
void settle_backward(const Op& op, Saved from, const double* dy, const double* saved, double* dx,
                     std::size_t n, const double* p);
template <class H>
void settle_gated(const Op& op, const double* a, const double* b, double* y, std::size_t n,
                  const double* p);
template <class H>
void settle_lines(const Op& op, const double* x, double* y, Axis a, const double* p);

// The kernels of op (Kind::elementwise), or of op (Kind::axis or Kind::reduce).
const ElementwiseEntry& elementwise_kernels(const Op& op);
const AxisEntry& axis_kernels(const Op& op);

}  // namespace actfn::detail
