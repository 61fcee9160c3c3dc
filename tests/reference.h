// The tests' side of the registry: for each function, its long double reference (from its
// kernel file) and the error bounds the tests enforce. One line per function; the registry
// test fails when a registered function has no line here, or a line names no function.
#pragma once

#include <cstddef>
#include <string_view>

#define ACTFN_REFERENCE_ONLY
#include "kernels/relu-inl.h"
#include "kernels/sigmoid-inl.h"
#include "kernels/softmax-inl.h"
#undef ACTFN_REFERENCE_ONLY

namespace actfn::test {

using RefFn = long double (*)(long double x, const double* params);

// Bounds in ULP of the output type against the reference rounded to that type:
// forward f32, forward f64, backward (dx = dy * f'(x)) f32, backward f64.
struct ElementwiseRef {
  std::string_view name;
  RefFn f, df;
  double ulp32, ulp64, grad_ulp32, grad_ulp64;
  bool smooth;  // differentiable everywhere: finite differences apply at every x
};

inline constexpr ElementwiseRef kElementwise[] = {
    {"identity", ref::identity, ref::identity_grad, 0, 0, 0, 0, true},
    {"relu", ref::relu, ref::relu_grad, 0, 0, 0, 0, false},
    // alpha is rounded to the output type first (as PyTorch does): 1 ULP, not 0.
    {"leaky_relu", ref::leaky_relu, ref::leaky_relu_grad, 1, 1, 1, 1, false},
    // hn::Exp (1 ULP), then one add and one divide. Measured over all 2^32 f32 inputs (AVX3
    // target, 2026-11-26): forward 2 ULP (at x = -1.0988), backward from x 4 ULP (x = 1.7847).
    {"sigmoid", ref::sigmoid, ref::sigmoid_grad, 3, 3, 5, 5, true},
};

using RowRefFn = void (*)(const long double* x, long double* y, std::size_t n);
struct AxisRef {
  std::string_view name;
  RowRefFn f;
  double ulp32, ulp64;  // every element of y
};

inline constexpr AxisRef kAxis[] = {
    {"softmax", ref::softmax, 4, 4},
    {"log_softmax", ref::log_softmax, 4, 4},
};

}  // namespace actfn::test
