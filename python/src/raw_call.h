// One library call on raw, contiguous, row-major buffers: what the tensor libraries' bridges
// (actfn.torch through _actfn.call, actfn.jax through the XLA FFI handlers) have in common.
#pragma once

#include <Python.h>

#include <cfenv>
#include <cstdint>
#include <span>
#include <string>

#include "actfn/actfn.hpp"

namespace actfn_py {

enum class Dtype { f32 = 0, f64 = 1, f16 = 2, bf16 = 3 };

template <class T>
void raw_call_typed(const actfn::Op& op, bool back, actfn::Accuracy acc, bool from_y, std::uintptr_t a,
                    std::uintptr_t b, std::uintptr_t out, actfn::Axis ax, std::span<const double> ps) {
  if (!back) {
    actfn::forward(op, reinterpret_cast<const T*>(a), reinterpret_cast<T*>(out), ax, ps, acc);
  } else {
    actfn::backward(op, from_y ? actfn::Saved::y : actfn::Saved::x, reinterpret_cast<const T*>(a),
                    reinterpret_cast<const T*>(b), reinterpret_cast<T*>(out), ax, ps, acc);
  }
}

// Forward reads x = a and writes y = out; backward reads dy = a and the saved x or y (from_y)
// = b and writes dx = out. Sizes by kind as actfn.hpp's forward/backward on ax. Returns the
// library's message for invalid arguments, else "". Clears the floating-point flags the
// kernels raise on purpose (see _actfn.cc).
inline std::string raw_call(const actfn::Op& op, bool back, actfn::Accuracy acc, Dtype dt, bool from_y,
                            std::uintptr_t a, std::uintptr_t b, std::uintptr_t out, actfn::Axis ax,
                            std::span<const double> ps) {
  std::string error;
  try {
    switch (dt) {
      case Dtype::f32: raw_call_typed<float>(op, back, acc, from_y, a, b, out, ax, ps); break;
      case Dtype::f64: raw_call_typed<double>(op, back, acc, from_y, a, b, out, ax, ps); break;
      case Dtype::f16: raw_call_typed<actfn::float16>(op, back, acc, from_y, a, b, out, ax, ps); break;
      case Dtype::bf16: raw_call_typed<actfn::bfloat16>(op, back, acc, from_y, a, b, out, ax, ps); break;
    }
  } catch (const actfn::Error& e) {
    error = e.what();
  }
  std::feclearexcept(FE_ALL_EXCEPT);
  return error;
}

#ifdef ACTFN_JAX
PyObject* jax_handlers(PyObject*, PyObject*);  // jax_ffi.cc
#endif

}  // namespace actfn_py
