// actfn.jax's XLA FFI handlers: every function's forward and backward as two custom-call
// targets (actfn_forward, actfn_backward) that run the C++ kernels on XLA's CPU buffers
// directly (no Python callback). Attributes: op (the registry index), fast (the tier), dim
// (the axis; negative counts from the end, so vmap's leading batch dimensions do not move it),
// params (every parameter, bound and checked in Python, padded to a fixed length) and nparams
// (how many are real), and for backward from_y. Compiled
// when jaxlib's FFI headers are found at build time (python/CMakeLists.txt).
#include <Python.h>

#include <cstdint>
#include <string>

#include "raw_call.h"
#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;

namespace actfn_py {
namespace {

bool dtype_of(ffi::DataType t, Dtype* d) {
  switch (t) {
    case ffi::DataType::F32: *d = Dtype::f32; return true;
    case ffi::DataType::F64: *d = Dtype::f64; return true;
    case ffi::DataType::F16: *d = Dtype::f16; return true;
    case ffi::DataType::BF16: *d = Dtype::bf16; return true;
    default: return false;
  }
}

// The Axis of a buffer of `dims` along `dim` (elementwise: one flat line).
bool geometry(const actfn::Op& op, ffi::AnyBuffer::Dimensions dims, std::int64_t dim, actfn::Axis* ax) {
  std::size_t total = 1;
  for (std::int64_t v : dims) total *= static_cast<std::size_t>(v);
  if (op.kind == actfn::Kind::elementwise) {
    *ax = actfn::Axis{1, total, 1};
    return true;
  }
  const auto rank = static_cast<std::int64_t>(dims.size());
  if (dim < 0) dim += rank;
  if (dim < 0 || dim >= rank) return false;
  std::size_t outer = 1, inner = 1;
  for (std::int64_t i = 0; i < dim; ++i) outer *= static_cast<std::size_t>(dims[static_cast<std::size_t>(i)]);
  for (std::int64_t i = dim + 1; i < rank; ++i) inner *= static_cast<std::size_t>(dims[static_cast<std::size_t>(i)]);
  *ax = actfn::Axis{outer, static_cast<std::size_t>(dims[static_cast<std::size_t>(dim)]), inner};
  return true;
}

ffi::Error run(bool back, ffi::AnyBuffer a, const ffi::AnyBuffer* b, ffi::AnyBuffer out, std::int64_t op_index,
               std::int64_t fast, std::int64_t dim, ffi::Span<const double> params, std::int64_t nparams,
               std::int64_t from_y) {
  const auto& all = actfn::ops();
  if (op_index < 0 || static_cast<std::size_t>(op_index) >= all.size()) {
    return ffi::Error::InvalidArgument("actfn: no function " + std::to_string(op_index));
  }
  const actfn::Op& op = all[static_cast<std::size_t>(op_index)];
  const ffi::AnyBuffer& shaped = back ? *b : a;  // x (forward) or the saved x or y
  Dtype dt;
  if (!dtype_of(shaped.element_type(), &dt) || a.element_type() != out.element_type() ||
      (back && b->element_type() != a.element_type())) {
    return ffi::Error::InvalidArgument(std::string(op.name) + ": takes float16, bfloat16, float32 or float64 arrays of one dtype");
  }
  actfn::Axis ax;
  if (!geometry(op, shaped.dimensions(), dim, &ax)) {
    return ffi::Error::InvalidArgument(std::string(op.name) + ": dim out of range");
  }
  if (ax.size() == 0) return ffi::Error::Success();
  if (nparams < 0 || static_cast<std::size_t>(nparams) > params.size()) {
    return ffi::Error::InvalidArgument(std::string(op.name) + ": nparams out of range");
  }
  const std::span<const double> ps(params.begin(), static_cast<std::size_t>(nparams));
  const std::string error = raw_call(op, back, fast != 0 ? actfn::Accuracy::fast : actfn::Accuracy::exact, dt,
                                     from_y != 0, reinterpret_cast<std::uintptr_t>(a.untyped_data()),
                                     back ? reinterpret_cast<std::uintptr_t>(b->untyped_data()) : 0,
                                     reinterpret_cast<std::uintptr_t>(out.untyped_data()), ax, ps);
  if (!error.empty()) return ffi::Error::InvalidArgument(error);
  return ffi::Error::Success();
}

ffi::Error forward_impl(ffi::AnyBuffer x, ffi::Result<ffi::AnyBuffer> y, std::int64_t op, std::int64_t fast,
                        std::int64_t dim, ffi::Span<const double> params, std::int64_t nparams) {
  return run(false, x, nullptr, *y, op, fast, dim, params, nparams, 0);
}

ffi::Error backward_impl(ffi::AnyBuffer dy, ffi::AnyBuffer saved, ffi::Result<ffi::AnyBuffer> dx, std::int64_t op,
                         std::int64_t fast, std::int64_t dim, ffi::Span<const double> params,
                         std::int64_t nparams, std::int64_t from_y) {
  return run(true, dy, &saved, *dx, op, fast, dim, params, nparams, from_y);
}

XLA_FFI_DEFINE_HANDLER(kForward, forward_impl,
                       ffi::Ffi::Bind()
                           .Arg<ffi::AnyBuffer>()
                           .Ret<ffi::AnyBuffer>()
                           .Attr<std::int64_t>("op")
                           .Attr<std::int64_t>("fast")
                           .Attr<std::int64_t>("dim")
                           .Attr<ffi::Span<const double>>("params")
                           .Attr<std::int64_t>("nparams"));

XLA_FFI_DEFINE_HANDLER(kBackward, backward_impl,
                       ffi::Ffi::Bind()
                           .Arg<ffi::AnyBuffer>()
                           .Arg<ffi::AnyBuffer>()
                           .Ret<ffi::AnyBuffer>()
                           .Attr<std::int64_t>("op")
                           .Attr<std::int64_t>("fast")
                           .Attr<std::int64_t>("dim")
                           .Attr<ffi::Span<const double>>("params")
                           .Attr<std::int64_t>("nparams")
                           .Attr<std::int64_t>("from_y"));

}  // namespace

PyObject* jax_handlers(PyObject*, PyObject*) {
  PyObject* f = PyCapsule_New(reinterpret_cast<void*>(kForward), nullptr, nullptr);
  PyObject* b = PyCapsule_New(reinterpret_cast<void*>(kBackward), nullptr, nullptr);
  if (f == nullptr || b == nullptr) {
    Py_XDECREF(f);
    Py_XDECREF(b);
    return nullptr;
  }
  return Py_BuildValue("{s:N,s:N}", "forward", f, "backward", b);
}

}  // namespace actfn_py
