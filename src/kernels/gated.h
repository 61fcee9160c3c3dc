// Gated linear units: a line of 2m values is split into halves a and b, and one half goes
// through an elementwise activation (the spec's gate) before the product:
//
//   glu(a, b)    = a * sigmoid(b)      da = dy sigmoid(b), db = dy a sigmoid'(b)
//   swiglu(a, b) = silu(a) * b         da = dy b silu'(a), db = dy silu(a)
//   geglu(a, b)  = gelu(a) * b         (gelu's approximate parameter)
//   reglu(a, b)  = relu(a) * b
//
// No kernel of their own: src/call.cc composes the gate's kernels (Spec::gate, gate_on_b),
// and the tests compare with that composition of the references.
#pragma once

#include "kernels/spec.h"
// geglu takes gelu's parameters: gelu's spec, without its vector kernels.
#ifdef ACTFN_REFERENCE_ONLY
#include "kernels/gelu-inl.h"
#else
#define ACTFN_REFERENCE_ONLY
#include "kernels/gelu-inl.h"
#undef ACTFN_REFERENCE_ONLY
#endif

namespace actfn::spec {
inline constexpr Spec glu{
    .summary = "gated linear unit (PyTorch's F.glu)",
    .formula = "y = a * sigmoid(b)",
    .derivative = "da = dy * sigmoid(b), db = dy * a * sigmoid'(b)",
    .gate = Fn::sigmoid,
    .gate_on_b = true};
inline constexpr Spec swiglu{
    .summary = "SwiGLU (Shazeer 2020; LLaMA's feed-forward)",
    .formula = "y = silu(a) * b",
    .derivative = "da = dy * b * silu'(a), db = dy * silu(a)",
    .gate = Fn::silu};
inline constexpr Spec geglu{
    .params = gelu.params,
    .summary = "GeGLU (Shazeer 2020)",
    .formula = "y = gelu(a) * b",
    .derivative = "da = dy * b * gelu'(a), db = dy * gelu(a)",
    .gate = Fn::gelu};
inline constexpr Spec reglu{
    .summary = "ReGLU (Shazeer 2020)",
    .formula = "y = relu(a) * b",
    .derivative = "da = dy * b * relu'(a), db = dy * relu(a)",
    .gate = Fn::relu};
}  // namespace actfn::spec
