// actfn's numpy module: every registered function as a real numpy ufunc (elementwise) or
// generalized ufunc (along an axis), with float16, float32 and float64 loops over the C++
// library. The Python layer (python/actfn/__init__.py) adds keyword parameters with their
// defaults, argument checks and the softmax options.
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_2_0_API_VERSION
#include <numpy/arrayobject.h>
#include <numpy/ufuncobject.h>

#include <algorithm>
#include <cfenv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <deque>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "actfn/actfn.hpp"
#include "raw_call.h"

namespace {

using actfn::Op;
// 16-bit storage: actfn's own types (actfn/float16.hpp). numpy's float16 is IEEE binary16 bits
// as actfn::float16 holds them; bfloat16 (ml_dtypes.bfloat16 when installed) is the top half
// of a float. Both are rounded once to nearest even from the f64 result.
using half = actfn::float16;
using bf16 = actfn::bfloat16;

enum What { kForward, kGrad, kBackward };

// What a loop needs to know about its ufunc.
struct UData {
  const Op* op;
  What what;
  bool dy_scalar = false;   // logsumexp's backward: dy has one value per line
  bool out_scalar = false;  // logsumexp: one value per line
  int gated = 0;            // gated units as two-input ufuncs (a, b) -> y
  actfn::Accuracy acc = actfn::Accuracy::exact;  // the tier: actfn (exact), actfn.fast
};

// 16-bit storage computes in f64 (exact tier) or f32 (fast tier) and rounds once, as the C++
// API's float16 and bfloat16 arrays; f32 and f64 compute in their own type. Each loop below
// takes its compute type C; the ufuncs' loops (the Loop structs) pick it from the tier.
template <class T>
constexpr bool kNarrow = std::is_same_v<T, half> || std::is_same_v<T, bf16>;

template <class T>
T load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}
template <class T>
void store(char* p, T v) {
  std::memcpy(p, &v, sizeof(T));
}

constexpr npy_intp kChunk = 512;

// y = f(x), f'(x) or dy f'(x), elementwise, in chunks through contiguous buffers of the
// compute type (f64 for f16 and bf16). Parameters (doubles) are per element; chunks whose parameters
// are all the same (the usual broadcast scalar) go through the SIMD kernels in one call.
template <class T, class C>
void elementwise_loop(char** args, const npy_intp* dims, const npy_intp* steps, void* data) {
  const UData& u = *static_cast<const UData*>(data);
  const Op& op = *u.op;
  const int k = static_cast<int>(op.params.size());
  const int first_param = u.what == kBackward ? 2 : 1;
  const int out = first_param + k;
  const npy_intp n = dims[0];
  // The fast path: contiguous f32/f64, parameters the same for all: straight to the kernels.
  if constexpr (std::is_same_v<T, C>) {
    bool contiguous = steps[out] == static_cast<npy_intp>(sizeof(T));
    for (int q = 0; q < first_param; ++q) contiguous &= steps[q] == static_cast<npy_intp>(sizeof(T));
    bool constant = true;
    for (int q = 0; q < k; ++q) constant &= steps[first_param + q] == 0;
    if (contiguous && constant && n > 0 && (u.what != kGrad)) {
      double p0[actfn::kMaxParams];
      for (int q = 0; q < k; ++q) p0[q] = load<double>(args[first_param + q]);
      const std::span<const double> ps(p0, static_cast<std::size_t>(k));
      const actfn::Axis a{1, static_cast<std::size_t>(n), 1};
      T* y = reinterpret_cast<T*>(args[out]);
      try {
        if (u.what == kForward) {
          actfn::forward(op, reinterpret_cast<const T*>(args[0]), y, a, ps, u.acc);
          return;
        }
        if (op.reads(actfn::Saved::x)) {
          actfn::backward(op, actfn::Saved::x, reinterpret_cast<const T*>(args[0]),
                          reinterpret_cast<const T*>(args[1]), y, a, ps, u.acc);
          return;
        }
      } catch (const actfn::Error&) {  // partial overlap or bad parameters: the general path
      }
    }
  }
  C x[kChunk], dy[kChunk], y[kChunk];
  double p[actfn::kMaxParams];
  for (npy_intp i0 = 0; i0 < n; i0 += kChunk) {
    const npy_intp m = std::min(kChunk, n - i0);
    const int xi = u.what == kBackward ? 1 : 0;
    for (npy_intp j = 0; j < m; ++j) {
      x[j] = static_cast<C>(load<T>(args[xi] + (i0 + j) * steps[xi]));
      if (u.what == kBackward) dy[j] = static_cast<C>(load<T>(args[0] + (i0 + j) * steps[0]));
      else if (u.what == kGrad) dy[j] = C(1);
    }
    bool same = true;
    for (int q = 0; q < k && same; ++q) same = steps[first_param + q] == 0 || m == 1;
    const auto run = [&](npy_intp j0, npy_intp len) {
      for (int q = 0; q < k; ++q) p[q] = load<double>(args[first_param + q] + (i0 + j0) * steps[first_param + q]);
      const actfn::Axis a{1, static_cast<std::size_t>(len), 1};
      const std::span<const double> ps(p, static_cast<std::size_t>(k));
      try {
        if (u.what == kForward) {
          actfn::forward(op, x + j0, y + j0, a, ps, u.acc);
        } else if (op.reads(actfn::Saved::x)) {
          actfn::backward(op, actfn::Saved::x, dy + j0, x + j0, y + j0, a, ps, u.acc);
        } else {
          C fy[kChunk];
          actfn::forward(op, x + j0, fy, a, ps, u.acc);
          actfn::backward(op, actfn::Saved::y, dy + j0, fy, y + j0, a, ps, u.acc);
        }
      } catch (const actfn::Error&) {  // invalid parameters reach here only from the raw ufunc
        for (npy_intp j = 0; j < len; ++j) y[j0 + j] = std::numeric_limits<C>::quiet_NaN();
      }
    };
    if (same) {
      run(0, m);
    } else {
      for (npy_intp j = 0; j < m; ++j) run(j, 1);
    }
    for (npy_intp j = 0; j < m; ++j) store<T>(args[out] + (i0 + j) * steps[out], static_cast<T>(y[j]));
  }
}

// Gated units as binary ufuncs: y = act(a) * b (a * sigmoid(b) for glu); backward as
// (dy, a, b) -> (da, db).
template <class T, class C>
void gated_loop(char** args, const npy_intp* dims, const npy_intp* steps, void* data) {
  const UData& u = *static_cast<const UData*>(data);
  const Op& op = *u.op;
  const int k = static_cast<int>(op.params.size());
  const bool back = u.what == kBackward;
  const int a_i = back ? 1 : 0, first_param = back ? 3 : 2, out = first_param + k;
  const npy_intp n = dims[0];
  C ab[2 * kChunk], g[kChunk], r[2 * kChunk];
  double p[actfn::kMaxParams];
  for (npy_intp i = 0; i < n; ++i) {  // parameters may vary per element: one pair at a time
    for (int q = 0; q < k; ++q) p[q] = load<double>(args[first_param + q] + i * steps[first_param + q]);
    ab[0] = static_cast<C>(load<T>(args[a_i] + i * steps[a_i]));
    ab[1] = static_cast<C>(load<T>(args[a_i + 1] + i * steps[a_i + 1]));
    const std::span<const double> ps(p, static_cast<std::size_t>(k));
    try {
      if (!back) {
        actfn::forward(op, ab, r, actfn::Axis{1, 2, 1}, ps, u.acc);
        store<T>(args[out] + i * steps[out], static_cast<T>(r[0]));
      } else {
        g[0] = static_cast<C>(load<T>(args[0] + i * steps[0]));
        actfn::backward(op, actfn::Saved::x, g, ab, r, actfn::Axis{1, 2, 1}, ps, u.acc);
        store<T>(args[out] + i * steps[out], static_cast<T>(r[0]));
        store<T>(args[out + 1] + i * steps[out + 1], static_cast<T>(r[1]));
      }
    } catch (const actfn::Error&) {
      store<T>(args[out] + i * steps[out], static_cast<T>(std::numeric_limits<C>::quiet_NaN()));
      if (back) store<T>(args[out + 1] + i * steps[out + 1], static_cast<T>(std::numeric_limits<C>::quiet_NaN()));
    }
  }
}

// Along an axis: gufunc loops over (n) rows. Forward: (x(n), params()...) -> y(n) or y().
// Backward: (dy(n) or dy(), saved(n), params()...) -> dx(n).
template <class T, class C>
void axis_loop(char** args, const npy_intp* dims, const npy_intp* steps, void* data) {
  const UData& u = *static_cast<const UData*>(data);
  const Op& op = *u.op;
  const int k = static_cast<int>(op.params.size());
  const bool back = u.what == kBackward;
  const int n_in = back ? 2 : 1;
  const int out = n_in + k, nargs = out + 1;
  const npy_intp outer = dims[0], n = dims[1];
  // Core strides follow the outer ones, one per (n) argument, in argument order.
  std::vector<npy_intp> core(static_cast<std::size_t>(nargs), 0);
  int c = nargs;
  if (back) {
    if (!u.dy_scalar) core[0] = steps[c++];
    core[1] = steps[c++];
    core[static_cast<std::size_t>(out)] = steps[c++];
  } else {
    core[0] = steps[c++];
    if (!u.out_scalar) core[static_cast<std::size_t>(out)] = steps[c++];
  }
  double p[actfn::kMaxParams];
  if constexpr (std::is_same_v<C, T>) {
    // Contiguous rows (the common case) and the same parameters for all: one call on the
    // arrays themselves, Axis{outer, n, 1}: no copies, and the library's threads.
    bool same_params = true;
    for (int q = 0; q < k; ++q) same_params = same_params && (outer <= 1 || steps[n_in + q] == 0);
    const npy_intp row = n * static_cast<npy_intp>(sizeof(T));
    const npy_intp out_step = u.out_scalar ? static_cast<npy_intp>(sizeof(T)) : row;
    if (!back && same_params && n > 0 && core[0] == sizeof(T) && steps[0] == row &&
        (u.out_scalar || core[static_cast<std::size_t>(out)] == sizeof(T)) &&
        (outer <= 1 || steps[out] == out_step)) {
      for (int q = 0; q < k; ++q) p[q] = load<double>(args[n_in + q]);
      const std::span<const double> ps(p, static_cast<std::size_t>(k));
      T* y = reinterpret_cast<T*>(args[out]);
      const std::size_t count = static_cast<std::size_t>(outer) * (u.out_scalar ? 1 : static_cast<std::size_t>(n));
      try {
        actfn::forward(op, reinterpret_cast<const T*>(args[0]), y,
                       actfn::Axis{static_cast<std::size_t>(outer), static_cast<std::size_t>(n), 1}, ps,
                       u.acc);
      } catch (const actfn::Error&) {
        std::fill(y, y + count, std::numeric_limits<T>::quiet_NaN());
      }
      return;
    }
  }
  std::vector<C> a(static_cast<std::size_t>(n)), b(static_cast<std::size_t>(n)), r(static_cast<std::size_t>(n) + 1);
  for (npy_intp i = 0; i < outer; ++i) {
    for (int q = 0; q < k; ++q) p[q] = load<double>(args[n_in + q] + i * steps[n_in + q]);
    const std::span<const double> ps(p, static_cast<std::size_t>(k));
    const actfn::Axis ax{1, static_cast<std::size_t>(n), 1};
    try {
      if (!back) {
        for (npy_intp j = 0; j < n; ++j) a[j] = static_cast<C>(load<T>(args[0] + i * steps[0] + j * core[0]));
        actfn::forward(op, a.data(), r.data(), ax, ps, u.acc);
      } else {
        const npy_intp dn = u.dy_scalar ? 1 : n;
        for (npy_intp j = 0; j < dn; ++j) a[j] = static_cast<C>(load<T>(args[0] + i * steps[0] + j * core[0]));
        for (npy_intp j = 0; j < n; ++j) b[j] = static_cast<C>(load<T>(args[1] + i * steps[1] + j * core[1]));
        const auto from = op.reads(actfn::Saved::y) ? actfn::Saved::y : actfn::Saved::x;
        actfn::backward(op, from, a.data(), b.data(), r.data(), ax, ps, u.acc);
      }
    } catch (const actfn::Error&) {
      std::fill(r.begin(), r.end(), std::numeric_limits<C>::quiet_NaN());
    }
    const npy_intp rn = (!back && u.out_scalar) ? 1 : n;
    for (npy_intp j = 0; j < rn; ++j)
      store<T>(args[out] + i * steps[out] + j * core[static_cast<std::size_t>(out)], static_cast<T>(r[j]));
  }
}

// Storage for everything a ufunc holds pointers to: alive as long as the module.
// A ufunc and what registering one more storage type (bfloat16) needs.
struct Entry {
  PyObject* ufunc;
  std::vector<char> kinds;  // 'a' array, 'p' double parameter
  PyUFuncGenericFunction bf16_loop;
  UData* data;
};

struct Registry {
  std::vector<Entry> entries;
  std::vector<std::unique_ptr<UData>> data;
  std::vector<std::unique_ptr<PyUFuncGenericFunction[]>> funcs;
  std::vector<std::unique_ptr<void*[]>> datas;
  std::vector<std::unique_ptr<char[]>> types;
  std::deque<std::string> strings;  // stable addresses: ufuncs keep the char pointers
};
Registry* registry = nullptr;

template <template <class> class Loop>
PyObject* make_ufunc(const UData& ud, int nin, int nout, const std::vector<char>& extra_in,
                     const std::string& name, const std::string& doc, const char* signature) {
  auto d = std::make_unique<UData>(ud);
  auto funcs = std::make_unique<PyUFuncGenericFunction[]>(3);
  auto datas = std::make_unique<void*[]>(3);
  auto types = std::make_unique<char[]>(3 * static_cast<std::size_t>(nin + nout));
  const char dtypes[3] = {NPY_HALF, NPY_FLOAT, NPY_DOUBLE};
  funcs[0] = Loop<half>::fn;
  funcs[1] = Loop<float>::fn;
  funcs[2] = Loop<double>::fn;
  // Argument kinds: 'a' an array of the loop's dtype, 'p' a double parameter.
  for (int t = 0; t < 3; ++t) {
    datas[t] = d.get();
    for (int i = 0; i < nin + nout; ++i)
      types[static_cast<std::size_t>(t * (nin + nout) + i)] = extra_in[static_cast<std::size_t>(i)] == 'p' ? NPY_DOUBLE : dtypes[t];
  }
  registry->strings.push_back(name);
  registry->strings.push_back(doc);
  const char* cname = registry->strings[registry->strings.size() - 2].c_str();
  const char* cdoc = registry->strings.back().c_str();
  PyObject* f = signature == nullptr
                    ? PyUFunc_FromFuncAndData(funcs.get(), datas.get(), types.get(), 3, nin, nout,
                                              PyUFunc_None, cname, cdoc, 0)
                    : PyUFunc_FromFuncAndDataAndSignature(funcs.get(), datas.get(), types.get(), 3,
                                                          nin, nout, PyUFunc_None, cname, cdoc, 0,
                                                          signature);
  if (f != nullptr) registry->entries.push_back({f, extra_in, Loop<bf16>::fn, d.get()});
  registry->data.push_back(std::move(d));
  registry->funcs.push_back(std::move(funcs));
  registry->datas.push_back(std::move(datas));
  registry->types.push_back(std::move(types));
  return f;
}

// numpy warns about the floating-point flags a loop leaves set. The kernels raise them on
// purpose inside (inf - inf in a masked exponent, 0 * inf in a limit that is then selected
// away), so the flags say nothing about the results: each loop clears what it raised. NaN
// results follow the documented special-value rules instead (as scipy.special does).
// The compute type: T itself for f32 and f64; for the 16-bit types f64 (exact) or f32 (fast).
#define ACTFN_LOOP(Name, loop)                                                                 \
  template <class T>                                                                           \
  struct Name {                                                                                \
    static void fn(char** a, const npy_intp* d, const npy_intp* s, void* u) {                  \
      if constexpr (kNarrow<T>) {                                                              \
        if (static_cast<const UData*>(u)->acc == actfn::Accuracy::fast) {                      \
          loop<T, float>(a, d, s, u);                                                          \
        } else {                                                                               \
          loop<T, double>(a, d, s, u);                                                         \
        }                                                                                      \
      } else {                                                                                 \
        loop<T, T>(a, d, s, u);                                                                \
      }                                                                                        \
      std::feclearexcept(FE_ALL_EXCEPT);                                                       \
    }                                                                                          \
  };
ACTFN_LOOP(ElementwiseLoop, elementwise_loop)
ACTFN_LOOP(AxisLoop, axis_loop)
ACTFN_LOOP(GatedLoop, gated_loop)
#undef ACTFN_LOOP

std::string doc_of(const Op& op, const char* what) {
  std::string d = std::string(op.name) + what + ": " + std::string(op.summary) + "\n\n    " +
                  std::string(op.formula) + "\n    " + std::string(op.derivative) + "\n";
  if (!op.params.empty()) {
    d += "\nParameters (extra inputs, in this order):\n";
    for (const auto& p : op.params) d += "    " + std::string(p.name) + ": " + std::string(p.doc) + "\n";
  }
  return d;
}

int add(PyObject* m, const std::string& name, PyObject* f) {
  if (f == nullptr) return -1;
  return PyModule_AddObject(m, name.c_str(), f);
}

// Every function's ufuncs in one tier: name, name_grad, name_backward (elementwise and gated);
// name and name_backward as gufuncs along an axis.
int add_ufuncs(PyObject* m, actfn::Accuracy acc) {
  for (const Op& op : actfn::ops()) {
    const int k = static_cast<int>(op.params.size());
    const std::string name(op.name);
    std::vector<char> kinds;
    if (op.kind == actfn::Kind::elementwise) {
      kinds.assign(1, 'a');
      kinds.insert(kinds.end(), static_cast<std::size_t>(k), 'p');
      kinds.push_back('a');
      UData fu{&op, kForward}, gu{&op, kGrad}, bu{&op, kBackward};
      fu.acc = gu.acc = bu.acc = acc;
      if (add(m, name, make_ufunc<ElementwiseLoop>(fu, 1 + k, 1, kinds, name, doc_of(op, ""), nullptr))) return -1;
      if (add(m, name + "_grad", make_ufunc<ElementwiseLoop>(gu, 1 + k, 1, kinds, name + "_grad", doc_of(op, "_grad (f'(x))"), nullptr))) return -1;
      kinds.insert(kinds.begin(), 'a');
      if (add(m, name + "_backward", make_ufunc<ElementwiseLoop>(bu, 2 + k, 1, kinds, name + "_backward", doc_of(op, "_backward (dy, x -> dy f'(x))"), nullptr))) return -1;
    } else if (op.kind == actfn::Kind::gated) {
      kinds = {'a', 'a'};
      kinds.insert(kinds.end(), static_cast<std::size_t>(k), 'p');
      kinds.push_back('a');
      UData fu{&op, kForward};
      fu.gated = 1;
      fu.acc = acc;
      if (add(m, name, make_ufunc<GatedLoop>(fu, 2 + k, 1, kinds, name, doc_of(op, " (a, b)"), nullptr))) return -1;
      kinds.insert(kinds.begin(), 'a');
      kinds.push_back('a');
      UData bu{&op, kBackward};
      bu.gated = 1;
      bu.acc = acc;
      if (add(m, name + "_backward", make_ufunc<GatedLoop>(bu, 3 + k, 2, kinds, name + "_backward", doc_of(op, "_backward (dy, a, b -> da, db)"), nullptr))) return -1;
    } else {
      const bool reduce = op.kind == actfn::Kind::reduce;
      std::string sig = "(n)", bsig = reduce ? "(),(n)" : "(n),(n)";
      for (int q = 0; q < k; ++q) sig += ",()", bsig += ",()";
      sig += reduce ? "->()" : "->(n)";
      bsig += "->(n)";
      kinds.assign(1, 'a');
      kinds.insert(kinds.end(), static_cast<std::size_t>(k), 'p');
      kinds.push_back('a');
      UData fu{&op, kForward};
      fu.out_scalar = reduce;
      fu.acc = acc;
      registry->strings.push_back(sig);
      const char* csig = registry->strings.back().c_str();
      if (add(m, name, make_ufunc<AxisLoop>(fu, 1 + k, 1, kinds, name, doc_of(op, " (along an axis)"), csig))) return -1;
      kinds.insert(kinds.begin(), 'a');
      UData bu{&op, kBackward};
      bu.dy_scalar = reduce;
      bu.acc = acc;
      registry->strings.push_back(bsig);
      const char* cbsig = registry->strings.back().c_str();
      if (add(m, name + "_backward", make_ufunc<AxisLoop>(bu, 2 + k, 1, kinds, name + "_backward", doc_of(op, "_backward"), cbsig))) return -1;
    }
  }
  return 0;
}

// The registry as Python data: a list of dicts.
PyObject* functions(PyObject*, PyObject*) {
  PyObject* list = PyList_New(0);
  const char* kinds[] = {"elementwise", "axis", "reduce", "gated"};
  for (const Op& op : actfn::ops()) {
    PyObject* params = PyList_New(0);
    for (const auto& p : op.params) {
      PyObject* choices = PyTuple_New(static_cast<Py_ssize_t>(p.choices.size()));
      for (std::size_t i = 0; i < p.choices.size(); ++i)
        PyTuple_SET_ITEM(choices, static_cast<Py_ssize_t>(i), PyUnicode_FromStringAndSize(p.choices[i].data(), static_cast<Py_ssize_t>(p.choices[i].size())));
      PyObject* d = Py_BuildValue("{s:s#,s:d,s:d,s:d,s:O,s:s#,s:N}", "name", p.name.data(), static_cast<Py_ssize_t>(p.name.size()),
                                  "default", p.def, "min", p.min, "max", p.max, "min_open", p.min_open ? Py_True : Py_False,
                                  "doc", p.doc.data(), static_cast<Py_ssize_t>(p.doc.size()), "choices", choices);
      PyList_Append(params, d);
      Py_DECREF(d);
    }
    const char* reads = op.reads(actfn::Saved::x) && op.reads(actfn::Saved::y) ? "x or y" : op.reads(actfn::Saved::x) ? "x" : "y";
    const actfn::Op& gate = actfn::op(op.gate);
    const auto& ex = op.bound(actfn::Accuracy::exact);
    const auto& fa = op.bound(actfn::Accuracy::fast);
    // The forward bounds the tests enforce, per tier and dtype (ULP, or units of eps where
    // bound_absolute).
    PyObject* bounds = Py_BuildValue("{s:{s:d,s:d},s:{s:d,s:d},s:O}", "exact", "float32", ex.f32,
                                     "float64", ex.f64, "fast", "float32", fa.f32, "float64",
                                     fa.f64, "absolute", op.bound_absolute ? Py_True : Py_False);
    PyObject* d = Py_BuildValue("{s:s#,s:s#,s:s,s:N,s:s#,s:s#,s:s#,s:s,s:s#,s:O,s:O,s:O,s:s#,s:N}",
                                "name", op.name.data(), static_cast<Py_ssize_t>(op.name.size()),
                                "alias", op.alias.data(), static_cast<Py_ssize_t>(op.alias.size()),
                                "kind", kinds[static_cast<int>(op.kind)], "params", params,
                                "summary", op.summary.data(), static_cast<Py_ssize_t>(op.summary.size()),
                                "formula", op.formula.data(), static_cast<Py_ssize_t>(op.formula.size()),
                                "derivative", op.derivative.data(), static_cast<Py_ssize_t>(op.derivative.size()),
                                "backward_reads", reads,
                                "family", op.family.data(), static_cast<Py_ssize_t>(op.family.size()),
                                "softmax_options", op.softmax_options ? Py_True : Py_False,
                                "positional", op.positional ? Py_True : Py_False,
                                "negated", op.negated ? Py_True : Py_False,
                                "gate", op.kind == actfn::Kind::gated ? gate.name.data() : "",
                                static_cast<Py_ssize_t>(op.kind == actfn::Kind::gated ? gate.name.size() : 0),
                                "bounds", bounds);
    PyList_Append(list, d);
    Py_DECREF(d);
  }
  return list;
}

// check(name, *params): raises ValueError with the library's message when the parameters
// (scalars) are invalid.
PyObject* check(PyObject*, PyObject* args) {
  const Py_ssize_t n = PyTuple_Size(args);
  if (n < 1) return PyErr_Format(PyExc_TypeError, "check(name, *params)");
  const char* name = PyUnicode_AsUTF8(PyTuple_GET_ITEM(args, 0));
  if (name == nullptr) return nullptr;
  std::vector<double> p;
  for (Py_ssize_t i = 1; i < n; ++i) {
    const double v = PyFloat_AsDouble(PyTuple_GET_ITEM(args, i));
    if (v == -1 && PyErr_Occurred()) return nullptr;
    p.push_back(v);
  }
  try {
    actfn::check(actfn::op(name), p);
  } catch (const actfn::Error& e) {
    PyErr_SetString(PyExc_ValueError, e.what());
    return nullptr;
  }
  Py_RETURN_NONE;
}

// register_bfloat16(dtype): adds loops for this storage type (ml_dtypes.bfloat16) to every
// ufunc: load, compute in f64, round once on store (as the C++ API's bfloat16 arrays).
PyObject* register_bfloat16(PyObject*, PyObject* arg) {
  PyArray_Descr* descr = nullptr;
  if (!PyArray_DescrConverter(arg, &descr)) return nullptr;
  const int type = descr->type_num;
  Py_DECREF(descr);
  for (const Entry& e : registry->entries) {
    std::vector<int> types;
    for (char k : e.kinds) types.push_back(k == 'p' ? NPY_DOUBLE : type);
    if (PyUFunc_RegisterLoopForType(reinterpret_cast<PyUFuncObject*>(e.ufunc), type, e.bf16_loop,
                                    types.data(), e.data) < 0) {
      return nullptr;
    }
  }
  Py_RETURN_NONE;
}

// call(op, backward, fast, dtype, from_y, a, b, out, outer, n, inner, params): one library call
// on raw, contiguous, row-major buffers (addresses as integers), for the tensor libraries
// (actfn.torch, actfn.jax) that own their memory and dtypes: forward reads x = a and writes
// y = out; backward reads dy = a and the saved x or y (from_y) = b and writes dx = out.
// dtype: 0 float32, 1 float64, 2 float16, 3 bfloat16. Sizes by kind as actfn.hpp's
// forward/backward on Axis{outer, n, inner}. params are already bound (every one, in
// registry order). The GIL is released for the call; invalid arguments raise ValueError.
PyObject* call(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 12) return PyErr_Format(PyExc_TypeError, "call: takes 12 arguments, got %zd", nargs);
  long iv[5];
  for (int i = 0; i < 5; ++i) {
    iv[i] = PyLong_AsLong(args[i]);
    if (iv[i] == -1 && PyErr_Occurred()) return nullptr;
  }
  std::size_t sv[6];
  for (int i = 0; i < 6; ++i) {
    sv[i] = PyLong_AsSize_t(args[5 + i]);
    if (sv[i] == static_cast<std::size_t>(-1) && PyErr_Occurred()) return nullptr;
  }
  const auto& all = actfn::ops();
  if (iv[0] < 0 || static_cast<std::size_t>(iv[0]) >= all.size() || iv[3] < 0 || iv[3] > 3) {
    return PyErr_Format(PyExc_ValueError, "call: no function %ld or dtype %ld", iv[0], iv[3]);
  }
  PyObject* pt = args[11];
  if (!PyTuple_Check(pt) || PyTuple_GET_SIZE(pt) > static_cast<Py_ssize_t>(actfn::kMaxParams)) {
    return PyErr_Format(PyExc_TypeError, "call: params must be a tuple of at most %d floats",
                        static_cast<int>(actfn::kMaxParams));
  }
  double p[actfn::kMaxParams];
  const Py_ssize_t k = PyTuple_GET_SIZE(pt);
  for (Py_ssize_t q = 0; q < k; ++q) {
    p[q] = PyFloat_AsDouble(PyTuple_GET_ITEM(pt, q));
    if (p[q] == -1 && PyErr_Occurred()) return nullptr;
  }
  const Op& op = all[static_cast<std::size_t>(iv[0])];
  const bool back = iv[1] != 0, from_y = iv[4] != 0;
  const auto acc = iv[2] != 0 ? actfn::Accuracy::fast : actfn::Accuracy::exact;
  const actfn::Axis ax{sv[3], sv[4], sv[5]};
  const std::span<const double> ps(p, static_cast<std::size_t>(k));
  std::string error;
  Py_BEGIN_ALLOW_THREADS
  error = actfn_py::raw_call(op, back, acc, static_cast<actfn_py::Dtype>(iv[3]), from_y, sv[0], sv[1], sv[2], ax, ps);
  Py_END_ALLOW_THREADS
  if (!error.empty()) {
    PyErr_SetString(PyExc_ValueError, error.c_str());
    return nullptr;
  }
  Py_RETURN_NONE;
}

PyMethodDef methods[] = {
    {"register_bfloat16", register_bfloat16, METH_O, "Adds bfloat16 loops (ml_dtypes) to every ufunc."},
    {"functions", functions, METH_NOARGS, "The registry: one dict per function."},
    {"check", check, METH_VARARGS, "check(name, *params): ValueError when they are invalid."},
#ifdef ACTFN_JAX
    {"jax_handlers", actfn_py::jax_handlers, METH_NOARGS,
     "The XLA FFI handlers of actfn.jax: {'forward': capsule, 'backward': capsule}."},
#endif
    {"call", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(call)), METH_FASTCALL,
     "call(op, backward, fast, dtype, from_y, a, b, out, outer, n, inner, params): one call on raw buffers."},
    {nullptr, nullptr, 0, nullptr}};

PyModuleDef module = {PyModuleDef_HEAD_INIT, "_actfn", "actfn's ufuncs (see the actfn package).", -1, methods};

}  // namespace

PyMODINIT_FUNC PyInit__actfn(void) {
  import_array();
  import_umath();
  PyObject* m = PyModule_Create(&module);
  if (m == nullptr) return nullptr;
  registry = new Registry();  // lives as long as the process: the ufuncs point into it
  // The fast tier's ufuncs, the same names, in the module attribute `fast`.
  PyObject* fast = PyModule_New("actfn._actfn.fast");
  if (fast == nullptr || add_ufuncs(m, actfn::Accuracy::exact) != 0 ||
      add_ufuncs(fast, actfn::Accuracy::fast) != 0 || PyModule_AddObject(m, "fast", fast) != 0) {
    Py_XDECREF(fast);
    Py_DECREF(m);
    return nullptr;
  }
  PyModule_AddStringConstant(m, "__version__", std::string(actfn::kVersion).c_str());
  return m;
}
