// The C interface (include/actfn/actfn.h) over the C++ registry.
#include "actfn/actfn.h"

#include <exception>
#include <span>
#include <string>

#include "actfn/actfn.hpp"

namespace {

thread_local std::string last_error;

const actfn::Op* at(int i) {
  const auto all = actfn::ops();
  return i >= 0 && static_cast<std::size_t>(i) < all.size() ? &all[static_cast<std::size_t>(i)] : nullptr;
}
const actfn::Param* param(int i, int k) {
  const actfn::Op* o = at(i);
  return o != nullptr && k >= 0 && static_cast<std::size_t>(k) < o->params.size()
             ? &o->params[static_cast<std::size_t>(k)]
             : nullptr;
}

template <class F>
int guarded(F f) {
  try {
    f();
    return 0;
  } catch (const std::exception& e) {
    last_error = e.what();
  } catch (...) {
    last_error = "unknown error";
  }
  return -1;
}

actfn::Accuracy tier(const actfn::Op& o, int accuracy) {
  if (accuracy != ACTFN_EXACT && accuracy != ACTFN_FAST) {
    throw actfn::Error(std::string(o.name) + ": unknown accuracy " + std::to_string(accuracy) +
                       " (ACTFN_EXACT = 0, ACTFN_FAST = 1)");
  }
  return static_cast<actfn::Accuracy>(accuracy);
}

// The C strings must outlive the call: the registry's views are into static storage that
// ends each string with a NUL (they are string literals).
const char* c_str(std::string_view v) { return v.data(); }

}  // namespace

extern "C" {

int actfn_count(void) { return static_cast<int>(actfn::ops().size()); }
const char* actfn_name(int i) { return at(i) ? c_str(at(i)->name) : nullptr; }
int actfn_find(const char* name) {
  if (name == nullptr) return -1;
  const actfn::Op* o = actfn::find(name);
  return o == nullptr ? -1 : static_cast<int>(o - actfn::ops().data());
}
int actfn_kind_of(int i) { return at(i) ? static_cast<int>(at(i)->kind) : -1; }
const char* actfn_formula(int i) { return at(i) ? c_str(at(i)->formula) : nullptr; }
const char* actfn_derivative(int i) { return at(i) ? c_str(at(i)->derivative) : nullptr; }
int actfn_reads(int i) { return at(i) ? static_cast<int>(at(i)->saved) : 0; }
int actfn_param_count(int i) { return at(i) ? static_cast<int>(at(i)->params.size()) : -1; }
const char* actfn_param_name(int i, int k) { return param(i, k) ? c_str(param(i, k)->name) : nullptr; }
double actfn_param_default(int i, int k) { return param(i, k) ? param(i, k)->def : 0; }
double actfn_param_min(int i, int k) { return param(i, k) ? param(i, k)->min : 0; }
double actfn_param_max(int i, int k) { return param(i, k) ? param(i, k)->max : 0; }

int actfn_forward_tier(const char* name, int accuracy, int dtype, const void* x, void* y,
                       size_t outer, size_t n, size_t inner, const double* params,
                       size_t nparams) {
  return guarded([&] {
    const actfn::Op& o = actfn::op(name == nullptr ? "" : name);
    const actfn::Accuracy acc = tier(o, accuracy);
    const std::span<const double> p(params, params == nullptr ? 0 : nparams);
    const actfn::Axis a{outer, n, inner};
    if (dtype == ACTFN_F32) {
      actfn::forward(o, static_cast<const float*>(x), static_cast<float*>(y), a, p, acc);
    } else if (dtype == ACTFN_F64) {
      actfn::forward(o, static_cast<const double*>(x), static_cast<double*>(y), a, p, acc);
    } else {
      throw actfn::Error(std::string(o.name) + ": unknown dtype " + std::to_string(dtype));
    }
  });
}

int actfn_backward_tier(const char* name, int accuracy, int from_y, int dtype, const void* dy,
                        const void* saved, void* dx, size_t outer, size_t n, size_t inner,
                        const double* params, size_t nparams) {
  return guarded([&] {
    const actfn::Op& o = actfn::op(name == nullptr ? "" : name);
    const actfn::Accuracy acc = tier(o, accuracy);
    const std::span<const double> p(params, params == nullptr ? 0 : nparams);
    const actfn::Axis a{outer, n, inner};
    const auto from = from_y ? actfn::Saved::y : actfn::Saved::x;
    if (dtype == ACTFN_F32) {
      actfn::backward(o, from, static_cast<const float*>(dy), static_cast<const float*>(saved),
                      static_cast<float*>(dx), a, p, acc);
    } else if (dtype == ACTFN_F64) {
      actfn::backward(o, from, static_cast<const double*>(dy), static_cast<const double*>(saved),
                      static_cast<double*>(dx), a, p, acc);
    } else {
      throw actfn::Error(std::string(o.name) + ": unknown dtype " + std::to_string(dtype));
    }
  });
}

int actfn_forward(const char* name, int dtype, const void* x, void* y, size_t outer,
                  size_t n, size_t inner, const double* params, size_t nparams) {
  return actfn_forward_tier(name, ACTFN_EXACT, dtype, x, y, outer, n, inner, params, nparams);
}

int actfn_backward(const char* name, int from_y, int dtype, const void* dy,
                   const void* saved, void* dx, size_t outer, size_t n, size_t inner,
                   const double* params, size_t nparams) {
  return actfn_backward_tier(name, ACTFN_EXACT, from_y, dtype, dy, saved, dx, outer, n, inner,
                             params, nparams);
}

double actfn_bound(int i, int accuracy, int dtype) {
  if (at(i) == nullptr || (accuracy != ACTFN_EXACT && accuracy != ACTFN_FAST)) return -1;
  const auto& b = at(i)->bound(static_cast<actfn::Accuracy>(accuracy));
  return dtype == ACTFN_F32 ? b.f32 : dtype == ACTFN_F64 ? b.f64 : -1;
}

int actfn_check(const char* name, const double* params, size_t nparams) {
  return guarded([&] {
    actfn::check(actfn::op(name == nullptr ? "" : name),
                 std::span<const double>(params, params == nullptr ? 0 : nparams));
  });
}

const char* actfn_last_error(void) { return last_error.c_str(); }
const char* actfn_version(void) { return actfn::kVersion.data(); }

}  // extern "C"
