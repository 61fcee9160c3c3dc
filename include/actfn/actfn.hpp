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

namespace actfn {

inline constexpr std::string_view kVersion = "0.1.0";

// The types actfn computes in.
template <class T>
concept Real = std::same_as<T, float> || std::same_as<T, double>;

// 16-bit storage types: IEEE binary16 (float16) and bfloat16 (the top half of a float).
// Arrays of them are loaded, computed in f64 and rounded once (to nearest, ties to even) on
// store. Converting from float or double rounds once (no double rounding); to float or
// double is exact.
namespace detail {
// v rounded to the binary format of p significand bits and exponents [emin, 1 - emin], as
// its 16-bit pattern (sign, 16 - p exponent bits, p - 1 fraction bits).
inline std::uint16_t round_to_16(double v, int p, int emin) {
  const std::uint64_t b = std::bit_cast<std::uint64_t>(v);
  const std::uint64_t frac = b & ((std::uint64_t{1} << 52) - 1);
  const auto sign = static_cast<std::uint16_t>((b >> 48) & 0x8000u);
  const auto inf = static_cast<std::uint16_t>(0x7fffu & ~((1u << (p - 1)) - 1));
  const int eb = static_cast<int>((b >> 52) & 0x7ff);
  if (eb == 0x7ff) {  // inf, or a NaN kept quiet with its sign and top payload bits
    if (frac == 0) return sign | inf;
    return sign | inf | static_cast<std::uint16_t>(1u << (p - 2)) |
           static_cast<std::uint16_t>(frac >> (52 - (p - 1)));
  }
  if (eb == 0) return sign;  // f64 subnormals lie far below half the smallest 16-bit value
  const int e = eb - 1023;
  if (e > 1 - emin) return sign | inf;
  const std::uint64_t m = frac | (std::uint64_t{1} << 52);
  const int q = (e > emin ? e : emin) - (p - 1);  // the exponent of the result's last bit
  const int shift = q - (e - 52);                  // bits dropped: at least 53 - p
  if (shift >= 54) return sign;                    // below half the smallest subnormal
  std::uint64_t r = m >> shift;
  const std::uint64_t rem = m & ((std::uint64_t{1} << shift) - 1);
  const std::uint64_t half = std::uint64_t{1} << (shift - 1);
  if (rem > half || (rem == half && (r & 1))) ++r;
  // Exponent field times 2^(p-1) plus r: a carry out of r moves into the exponent, and
  // subnormals (field 0) come out right too.
  const std::uint64_t bits = (static_cast<std::uint64_t>(q + p - 1 - emin) << (p - 1)) + r;
  return sign | static_cast<std::uint16_t>(bits >= inf ? inf : bits);
}
inline double widen_16(std::uint16_t h, int p, int emin) {
  const int ef = (h & 0x7fff) >> (p - 1);
  const int mf = h & ((1 << (p - 1)) - 1);
  const double s = (h & 0x8000) ? -1.0 : 1.0;
  if (ef == (0x7fff >> (p - 1))) {
    if (mf == 0) return s * HUGE_VAL;
    const auto nan = 0x7ff8000000000000ull | (static_cast<std::uint64_t>(mf) << (53 - p));
    return std::copysign(std::bit_cast<double>(nan), s);
  }
  if (ef == 0) return s * std::ldexp(static_cast<double>(mf), emin - (p - 1));
  return s * std::ldexp(static_cast<double>(mf + (1 << (p - 1))), ef - 1 + emin - (p - 1));
}
}  // namespace detail

struct float16 {
  std::uint16_t bits = 0;
  float16() = default;
  explicit float16(double v) : bits(detail::round_to_16(v, 11, -14)) {}
  explicit float16(float v) : float16(static_cast<double>(v)) {}
  explicit float16(int v) : float16(static_cast<double>(v)) {}
  explicit operator double() const { return detail::widen_16(bits, 11, -14); }
  explicit operator float() const { return static_cast<float>(static_cast<double>(*this)); }
  static float16 from_bits(std::uint16_t b) {
    float16 h;
    h.bits = b;
    return h;
  }
};
struct bfloat16 {
  std::uint16_t bits = 0;
  bfloat16() = default;
  explicit bfloat16(double v) : bits(detail::round_to_16(v, 8, -126)) {}
  explicit bfloat16(float v) : bfloat16(static_cast<double>(v)) {}
  explicit bfloat16(int v) : bfloat16(static_cast<double>(v)) {}
  explicit operator float() const {
    return std::bit_cast<float>(static_cast<std::uint32_t>(bits) << 16);
  }
  explicit operator double() const { return static_cast<float>(*this); }
  static bfloat16 from_bits(std::uint16_t b) {
    bfloat16 h;
    h.bits = b;
    return h;
  }
};

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

  bool reads(Saved s) const { return (saved & static_cast<unsigned>(s)) != 0; }
};

std::span<const Op> ops();
// The op named `name` (or aliased so), or nullptr.
const Op* find(std::string_view name);
// As find, but throws Error("unknown function 'sigmiod'; did you mean 'sigmoid'?").
const Op& op(std::string_view name);
// Registered names within a small edit distance of `name`, closest first.
std::vector<std::string_view> closest(std::string_view name);

// Generic calls. `params` are in the order of op.params; missing trailing ones take their
// defaults; a value outside its range throws Error. Elementwise ops treat x as flat
// (a.size() elements). backward reads `saved` as x or y per `from` (op.reads(from) must hold).
// Sizes by kind: x and dx have a.size() values; y and dy too, but outer x inner for reduce
// and a.size() / 2 for gated (a.n must be even).
void forward(const Op& op, const float* x, float* y, Axis a, std::span<const double> params = {});
void forward(const Op& op, const double* x, double* y, Axis a,
             std::span<const double> params = {});
void backward(const Op& op, Saved from, const float* dy, const float* saved, float* dx, Axis a,
              std::span<const double> params = {});
void backward(const Op& op, Saved from, const double* dy, const double* saved, double* dx,
              Axis a, std::span<const double> params = {});
// The same for 16-bit arrays (computed in f64, rounded once).
void forward(const Op& op, const float16* x, float16* y, Axis a,
             std::span<const double> params = {});
void forward(const Op& op, const bfloat16* x, bfloat16* y, Axis a,
             std::span<const double> params = {});
void backward(const Op& op, Saved from, const float16* dy, const float16* saved, float16* dx,
              Axis a, std::span<const double> params = {});
void backward(const Op& op, Saved from, const bfloat16* dy, const bfloat16* saved,
              bfloat16* dx, Axis a, std::span<const double> params = {});

// ------------------------------------------------------------------------------------------
// Elementwise functions. Each has a scalar form, an array form (y may equal x) and a backward
// form (dx may equal dy or x). All are defined for float, double,
// float16 and bfloat16.

// identity (alias linear): y = x.  dx = dy (x is not read).
template <Storage T> T identity(T x);
template <Storage T> void identity(const T* x, T* y, std::size_t n);
template <Storage T> void identity_backward(const T* dy, const T* x, T* dx, std::size_t n);

// relu: y = max(0, x), with relu(-0) = +0 and relu(NaN) = NaN.  relu'(x) = x > 0 ? 1 : 0.
template <Storage T> T relu(T x);
template <Storage T> void relu(const T* x, T* y, std::size_t n);
template <Storage T> void relu_backward(const T* dy, const T* x, T* dx, std::size_t n);

// leaky_relu: y = x > 0 ? x : alpha * x, alpha in [0, 1], default 0.01 (PyTorch's).
// leaky_relu'(x) = x > 0 ? 1 : alpha.
template <Storage T> T leaky_relu(T x, T alpha = T(0.01));
template <Storage T> void leaky_relu(const T* x, T* y, std::size_t n, T alpha = T(0.01));
template <Storage T>
void leaky_relu_backward(const T* dy, const T* x, T* dx, std::size_t n, T alpha = T(0.01));

// sigmoid: y = 1 / (1 + exp(-x)).  sigmoid'(x) = y * (1 - y).
// Backward from x is accurate everywhere (sigmoid'(40) = 4.2e-18, not 0); from y it is the
// cheap y * (1 - y), which loses the tail where y rounds to 1.
template <Storage T> T sigmoid(T x);
template <Storage T> void sigmoid(const T* x, T* y, std::size_t n);
template <Storage T> void sigmoid_backward(const T* dy, const T* x, T* dx, std::size_t n);
template <Storage T> void sigmoid_backward_from_y(const T* dy, const T* y, T* dx, std::size_t n);

// The rest of the elementwise family, each with the same three forms:
//   T name(T x, params);  void name(const T* x, T* y, n, params);
//   void name_backward(const T* dy, const T* x, T* dx, n, params);
// `params` are the function's parameters in registry order ({} for the defaults), for
// example actfn::softplus(x, y, n, {2.0}) for beta = 2. `actfn list` and docs/functions.md
// give each formula, derivative, parameters and ranges; tanh also has
// tanh_backward_from_y (1 - y^2).
#define ACTFN_ELEMENTWISE_FUNCTIONS(X)                                                     \
  X(prelu) X(rrelu) X(relu6) X(hardtanh) X(threshold) X(hardshrink) X(softshrink)          \
  X(squared_relu) X(elu) X(selu) X(celu) X(xielu) X(isru) X(isrlu) X(gelu) X(quick_gelu)   \
  X(logsigmoid) X(hardsigmoid) X(silu) X(swish) X(hardswish) X(mish) X(sparse_sigmoid)     \
  X(elish) X(ftswish) X(bipolar_sigmoid) X(tanh) X(softsign) X(tanhshrink) X(softcap)      \
  X(lisht) X(tanhexp) X(softplus) X(squareplus) X(sparse_plus) X(shifted_softplus)         \
  X(snake) X(gcu) X(gaussian) X(hyper_sinh) X(inverse_quadratic) X(multi_quadratic)       \
  X(quadratic) X(poisson1) X(spline) X(sqnl)

#define ACTFN_DECLARE_ELEMENTWISE(name)                                                    \
  template <Storage T>                                                                        \
  T name(T x, std::initializer_list<double> params = {});                                  \
  template <Storage T>                                                                        \
  void name(const T* x, T* y, std::size_t n, std::initializer_list<double> params = {});   \
  template <Storage T>                                                                        \
  void name##_backward(const T* dy, const T* x, T* dx, std::size_t n,                     \
                       std::initializer_list<double> params = {});
ACTFN_ELEMENTWISE_FUNCTIONS(ACTFN_DECLARE_ELEMENTWISE)
#undef ACTFN_DECLARE_ELEMENTWISE
template <Storage T> void tanh_backward_from_y(const T* dy, const T* y, T* dx, std::size_t n);

// PReLU with one weight per channel, as PyTorch's nn.PReLU(num_parameters=C) on (N, C, ...):
// a = {N, C, spatial}, weight has C values. Backward gives dx and dweight (summed over N and
// the spatial positions, accumulated in double).
template <Real T>
void prelu_channels(const T* x, const T* weight, T* y, Axis a);
template <Real T>
void prelu_channels_backward(const T* dy, const T* x, const T* weight, T* dx, T* dweight, Axis a);

// RReLU in training: each x <= 0 gets its own slope, drawn uniformly from [lower, upper] by a
// generator seeded with `seed` (the same seed gives the same slopes on every machine). The
// slopes (1 where x > 0) are written to `noise`, which rrelu_train_backward reads:
// dx = dy * noise.
template <Real T>
void rrelu_train(const T* x, T* y, T* noise, std::size_t n, double lower = 1.0 / 8,
                 double upper = 1.0 / 3, unsigned long long seed = 0);
template <Real T>
void rrelu_train_backward(const T* dy, const T* noise, T* dx, std::size_t n);

// ------------------------------------------------------------------------------------------
// Along an axis. The row maximum is subtracted first, so no row overflows (1e4, -1e30 and
// +-inf entries are fine). A row of only -inf gives NaN (PyTorch's convention); +inf entries
// take the limit (softmax([inf, 0]) = [1, 0], several +inf share the mass equally); a NaN
// anywhere in a row makes the whole row NaN. y may equal x.

// softmax: y_i = exp(x_i - max) / sum_j exp(x_j - max).  dx = y * (dy - sum(dy * y)).
template <Storage T> void softmax(const T* x, T* y, Axis a);
template <Storage T> void softmax(std::span<const T> x, std::span<T> y);
template <Storage T> void softmax_backward(const T* dy, const T* y, T* dx, Axis a);

// log_softmax: y_i = x_i - max - log(sum_j exp(x_j - max)).  dx = dy - exp(y) * sum(dy).
template <Storage T> void log_softmax(const T* x, T* y, Axis a);
template <Storage T> void log_softmax(std::span<const T> x, std::span<T> y);
template <Storage T> void log_softmax_backward(const T* dy, const T* y, T* dx, Axis a);

// The options users keep asking every peer for, for softmax, log_softmax and softmin over a
// row-major tensor of `shape` along `axis`:
// - scale multiplies x first (attention's 1/sqrt(d));
// - an additive mask (added after scaling) and a boolean mask (false: the entry takes no
//   part: -inf), each broadcast against the input as numpy does (shape right-aligned, size-1
//   dimensions repeat; an empty shape is a scalar);
// - safe: a row with no finite maximum (all -inf, fully masked) gives zeros and zero
//   gradients instead of NaN (pytorch#55056, #41508). log_softmax's masked entries are -inf
//   and its fully masked rows 0 in safe mode.
template <Real T>
struct SoftmaxOptions {
  double scale = 1;
  bool safe = false;
  const T* additive_mask = nullptr;
  std::span<const std::size_t> additive_mask_shape = {};
  const bool* mask = nullptr;
  std::span<const std::size_t> mask_shape = {};
};
template <Real T>
void softmax(const T* x, T* y, std::span<const std::size_t> shape, int axis,
             const SoftmaxOptions<T>& options);
template <Real T>
void log_softmax(const T* x, T* y, std::span<const std::size_t> shape, int axis,
                 const SoftmaxOptions<T>& options);
// Backward of the calls above (the same shape, axis and options): dx is 0 where an entry was
// masked, scale multiplies the rest.
template <Real T>
void softmax_backward(const T* dy, const T* y, T* dx, std::span<const std::size_t> shape,
                      int axis, const SoftmaxOptions<T>& options);
template <Real T>
void log_softmax_backward(const T* dy, const T* y, T* dx, std::span<const std::size_t> shape,
                          int axis, const SoftmaxOptions<T>& options);

// softmin = softmax(-x); logsumexp = max + log(sum exp(x - max)), one value per line (y has
// a.outer * a.inner values), backward reads x: dx = dy * softmax(x).
template <Storage T> void softmin(const T* x, T* y, Axis a);
template <Storage T> void softmin_backward(const T* dy, const T* y, T* dx, Axis a);
template <Storage T> void logsumexp(const T* x, T* y, Axis a);
template <Storage T> void logsumexp_backward(const T* dy, const T* x, T* dx, Axis a);

// Sparse maps onto the simplex, exact (sort-based), backward from y:
// sparsemax (Martins & Astudillo 2016) and 1.5-entmax (Peters et al. 2019).
template <Storage T> void sparsemax(const T* x, T* y, Axis a);
template <Storage T> void sparsemax_backward(const T* dy, const T* y, T* dx, Axis a);
template <Storage T> void entmax15(const T* x, T* y, Axis a);
template <Storage T> void entmax15_backward(const T* dy, const T* y, T* dx, Axis a);

// gumbel_softmax(tau, hard): softmax((x + g) / tau) with Gumbel noise g drawn from `seed`
// (the same on every machine); hard gives the one-hot of the argmax. Backward reads x and the
// same seed, and differentiates the soft sample (straight-through when hard).
template <Storage T>
void gumbel_softmax(const T* x, T* y, Axis a, double tau = 1, bool hard = false,
                    unsigned long long seed = 0);
template <Storage T>
void gumbel_softmax_backward(const T* dy, const T* x, T* dx, Axis a, double tau = 1,
                             bool hard = false, unsigned long long seed = 0);

// Gated linear units, on two inputs a and b of n values each:
//   glu = a * sigmoid(b), swiglu = silu(a) * b, geglu = gelu(a) * b, reglu = relu(a) * b
// (geglu takes gelu's approximate: 0 exact, 1 tanh). Backward gives da and db. The same as
// one tensor split in halves along an axis: actfn::forward(op("glu"), x, y, axis) with
// a.n = 2m (PyTorch's F.glu(x, dim)).
#define ACTFN_GATED_FUNCTIONS(X) X(glu) X(swiglu) X(geglu) X(reglu)
#define ACTFN_DECLARE_GATED(name)                                                          \
  template <Storage T>                                                                        \
  void name(const T* a, const T* b, T* y, std::size_t n,                                   \
            std::initializer_list<double> params = {});                                    \
  template <Storage T>                                                                        \
  void name##_backward(const T* dy, const T* a, const T* b, T* da, T* db, std::size_t n,  \
                       std::initializer_list<double> params = {});
ACTFN_GATED_FUNCTIONS(ACTFN_DECLARE_GATED)
#undef ACTFN_DECLARE_GATED

}  // namespace actfn
