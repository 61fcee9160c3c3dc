// actfn: neural-network activation functions, forward and backward, in f64, f32, f16 and bf16.
//
//   #include <actfn/actfn.hpp>
//
//   double s = actfn::sigmoid(-1.0);                    // 0.2689414213699951
//
//   std::vector<float> x = {-2, -1, 0, 1, 2}, y(5), dx(5), dy(5, 1.0f);
//   actfn::relu(x.data(), y.data(), x.size());          // any n, unaligned, y may be x
//   actfn::leaky_relu(x.data(), y.data(), x.size(), 0.001f);
//   actfn::sigmoid_backward(dy.data(), x.data(), dx.data(), x.size());  // dx = dy * f'(x)
//
//   actfn::softmax(std::span(x), std::span(y));          // one row
//   std::size_t shape[] = {2, 3, 4};                      // row-major tensor ...
//   actfn::softmax(t, out, actfn::along(shape, 1));       // ... along any axis
//
//   for (const actfn::Op& op : actfn::ops()) ...          // the registry: every function,
//   actfn::forward(actfn::op("gelu"), x, y, {1, n, 1});   // its parameters, formula, kernels
//
// Errors (bad parameter, size mismatch, partial overlap, bad axis, unknown name) throw
// actfn::Error, whose message names the function and the offending value. Nothing is written
// to the output when a call fails its checks.
//
// Conventions (docs/special-values.md has the full table):
// - NaN in gives NaN out, on every path; +-inf give the mathematical limits; tiny results are
//   not flushed (sigmoid(-100.0f) is the subnormal 3.72e-44f); the FP mode is never changed.
// - backward computes dx = dy * f'(x) in IEEE arithmetic. At a kink the derivative is the
//   one documented per function (relu'(0) = 0).
// - Elementwise arrays may be computed in place (y == x); any other overlap is an error.
#pragma once

#include <bit>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "actfn/float16.hpp"

namespace actfn {

inline constexpr std::string_view kVersion = "0.1.0";

// The types actfn computes in.
template <class T>
concept Real = std::same_as<T, float> || std::same_as<T, double>;

// The element types of arrays: the Real types and the 16-bit storage types.
template <class T>
concept Storage = Real<T> || std::same_as<T, float16> || std::same_as<T, bfloat16>;

// Every invalid argument throws this; what() is one line naming the function.
class Error : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// A contiguous row-major tensor seen along one axis: `outer` blocks of `n` rows of `inner`
// contiguous elements. Element k of line (o, i) is at o*n*inner + k*inner + i. A flat array
// of n elements is {1, n, 1}.
struct Axis {
  std::size_t outer = 1, n = 0, inner = 1;
  std::size_t size() const { return outer * n * inner; }
};

// The Axis of `shape` along `axis` (negative counts from the end, as numpy). Throws Error
// when the shape is empty or the axis is out of range.
Axis along(std::span<const std::size_t> shape, int axis = -1);

// Threads. Calls on at least 2 x 32768 elements (elementwise) or lines holding as many
// (softmax family, split by lines) run on up to num_threads() threads, the caller's among
// them; smaller calls, calls made while another caller's large call holds the threads, and
// calls from inside actfn's own threads stay on the calling thread. Results are the same bits
// whatever the thread count. The default is ACTFN_NUM_THREADS, else the number of hardware
// threads; set_num_threads(n) changes it (0: back to the default), and throws Error outside
// [0, 1024].
void set_num_threads(int n);
int num_threads();

// ------------------------------------------------------------------------------------------
// The registry: the one list of functions. The CLI, the tests, the benchmarks and the docs
// iterate over it.

enum class Kind : unsigned char {
  elementwise,  // y[i] = f(x[i])
  axis,         // y = f(line) along one axis, same shape (softmax family)
  reduce,       // one value per line: y has outer x inner values (logsumexp)
  gated,        // a line of 2m values is split into halves a, b: y = act(a) * b or a * act(b),
                // m values per line (glu family); backward gives da and db in dx
};

// Which saved tensor a backward call reads besides dy.
enum class Saved : unsigned char { x = 1, y = 2 };

// Accuracy tiers: every call takes one (docs/accuracy.md holds both tiers' measured maxima).
// - exact (the default): float32 within 1 ULP of the correctly rounded result for every input,
//   subnormal results included; float64 within the bounds of docs/accuracy.md; float16 and
//   bfloat16 computed in float64 and rounded once.
// - fast: every smooth function within 4 ULP in float32 and float64 for every input, subnormal
//   results included (nothing is flushed to zero), with exact's NaN, infinity, signed-zero and
//   saturation behaviour (docs/special-values.md holds for both); float16 and bfloat16
//   computed in float32 lanes and rounded once (within 1 ULP of the 16-bit type).
//   Piecewise-linear functions are exact in both. Backward is exact's in both tiers.
// Both tiers give the same bits for any thread count and any array length.
enum class Accuracy : unsigned char { exact, fast };
inline constexpr std::size_t kAccuracyCount = 2;

// Every function, by its place in the one list (actfn/functions.inc): actfn::op(Fn::gelu).
enum class Fn : unsigned char {
#define ACTFN_FN(name, kind, family, Kernel) name,
#include "actfn/functions.inc"
};
inline constexpr std::size_t kFunctionCount = 0
#define ACTFN_FN(name, kind, family, Kernel) +1
#include "actfn/functions.inc"
    ;

// The most parameters any function takes.
inline constexpr std::size_t kMaxParams = 4;

struct Param {
  std::string_view name;
  double def, min, max;  // default and the range of valid values (closed, unless min_open)
  std::string_view doc;
  // For a choice ("none" or "tanh"): the names; the value is the index of the name.
  std::span<const std::string_view> choices = {};
  bool min_open = false;  // min itself is invalid (beta > 0)
};

struct Op {
  std::string_view name;
  std::string_view alias;  // another accepted name ("linear" for identity), or ""
  Kind kind;
  std::span<const Param> params;
  std::string_view summary;     // one line
  std::string_view formula;     // y = ...
  std::string_view derivative;  // f'(x) = ..., the value chosen at kinks
  unsigned saved;               // bit mask of Saved: what backward can read
  // Checks that involve several parameters (hardtanh: min_val <= max_val); returns the
  // error message, or "" when they are fine.
  std::string (*check)(const double* params) = nullptr;
  Fn id = Fn::identity;         // its place in the list: ops()[id] is this op
  std::string_view family;      // src/kernels/<family>-inl.h holds its kernel and reference
  // Traits: what is special about a function, so that no code asks for its name.
  Fn gate = Fn::identity;       // gated: the activation applied to one half
  bool gate_on_b = false;       // gated: a * act(b) (glu), not act(a) * b
  bool positional = false;      // results follow the position in the call (gumbel noise):
                                // never split over threads or blocks
  bool softmax_options = false; // SoftmaxOptions (scale, masks, safe) apply
  bool negated = false;         // the softmax of -x (softmin): a masked entry is +inf
  // The forward error bounds the tests enforce on every target, per tier (Accuracy's order),
  // in ULP of the output (of each output for the softmax family; absolute, in units of eps,
  // for log_softmax and the sparse maps); docs/accuracy.md holds the measured maxima.
  struct Bound {
    double f32 = 0, f64 = 0;
  };
  Bound bounds[kAccuracyCount] = {};
  bool bound_absolute = false;  // bounds in units of eps of max(1, |y|), not ULP of y

  constexpr bool reads(Saved s) const { return (saved & static_cast<unsigned>(s)) != 0; }
  constexpr const Bound& bound(Accuracy a) const { return bounds[static_cast<std::size_t>(a)]; }
};

std::span<const Op> ops();
inline const Op& op(Fn f) { return ops()[static_cast<std::size_t>(f)]; }
// The op named `name` (or aliased so), or nullptr.
const Op* find(std::string_view name);
// As find, but throws Error("unknown function 'sigmiod'; did you mean 'sigmoid'?").
const Op& op(std::string_view name);
// Registered names within a small edit distance of `name`, closest first.
std::vector<std::string_view> closest(std::string_view name);

// Checks `params` for op as every call does (count, ranges, choices, the checks across
// parameters) and throws the Error a call would throw; returns normally when they are fine.
void check(const Op& op, std::span<const double> params = {});

// Generic calls. `params` are in the order of op.params; missing trailing ones take their
// defaults; a value outside its range throws Error. Elementwise ops treat x as flat
// (a.size() elements). backward reads `saved` as x or y per `from` (op.reads(from) must hold).
// Sizes by kind: x and dx have a.size() values; y and dy too, but outer x inner for reduce
// and a.size() / 2 for gated (a.n must be even). `accuracy` picks the tier (see Accuracy).
// T is float, double, float16 or bfloat16 (the 16-bit types are computed in f64 when exact,
// in f32 when fast, and rounded once).
void forward(const Op& op, const float* x, float* y, Axis a, std::span<const double> params = {},
             Accuracy accuracy = Accuracy::exact);
void backward(const Op& op, Saved from, const float* dy, const float* saved, float* dx, Axis a,
              std::span<const double> params = {}, Accuracy accuracy = Accuracy::exact);
void forward(const Op& op, const double* x, double* y, Axis a, std::span<const double> params = {},
             Accuracy accuracy = Accuracy::exact);
void backward(const Op& op, Saved from, const double* dy, const double* saved, double* dx, Axis a,
              std::span<const double> params = {}, Accuracy accuracy = Accuracy::exact);
void forward(const Op& op, const float16* x, float16* y, Axis a, std::span<const double> params = {},
             Accuracy accuracy = Accuracy::exact);
void backward(const Op& op, Saved from, const float16* dy, const float16* saved, float16* dx, Axis a,
              std::span<const double> params = {}, Accuracy accuracy = Accuracy::exact);
void forward(const Op& op, const bfloat16* x, bfloat16* y, Axis a, std::span<const double> params = {},
             Accuracy accuracy = Accuracy::exact);
void backward(const Op& op, Saved from, const bfloat16* dy, const bfloat16* saved, bfloat16* dx, Axis a,
              std::span<const double> params = {}, Accuracy accuracy = Accuracy::exact);

// Gated units (op.kind == Kind::gated) on two separate halves a and b of n values each:
// y = act(a) * b (a * act(b) for glu), n values; backward gives da and db (n values each).
template <Storage T>
void gated_forward(const Op& op, const T* a, const T* b, T* y, std::size_t n,
                   std::span<const double> params = {}, Accuracy accuracy = Accuracy::exact);
template <Storage T>
void gated_backward(const Op& op, const T* dy, const T* a, const T* b, T* da, T* db,
                    std::size_t n, std::span<const double> params = {},
                    Accuracy accuracy = Accuracy::exact);

}  // namespace actfn

// The typed API (actfn::sigmoid(x), actfn::softmax(x, y, axis), ...): inline templates over
// the generic calls above; actfn::fast:: has the same forms in the fast tier
// (actfn::fast::sigmoid(x, y, n)).
#include "actfn/typed.hpp"
