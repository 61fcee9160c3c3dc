// The registry (the one list of functions), argument checking, and the public API.
#include <algorithm>
#include <array>
#include <random>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "actfn/actfn.hpp"
#include "dispatch.h"
#include "parallel.h"
#include "format.h"

namespace actfn {
namespace {

using detail::python_repr;
constexpr unsigned kX = static_cast<unsigned>(Saved::x);
constexpr unsigned kY = static_cast<unsigned>(Saved::y);

constexpr double kMax = std::numeric_limits<double>::max();
constexpr double kInf = std::numeric_limits<double>::infinity();

std::string order_check(const double* p, const char* a, const char* b) {
  if (p[0] <= p[1]) return "";
  return std::string(a) + " = " + python_repr(p[0]) + " must not exceed " + b + " = " +
         python_repr(p[1]);
}
std::string hardtanh_check(const double* p) { return order_check(p, "min_val", "max_val"); }
std::string rrelu_check(const double* p) { return order_check(p, "lower", "upper"); }

constexpr std::string_view kGeluChoices[] = {"none", "tanh"};

constexpr Param kLeakyReluParams[] = {
    {"alpha", 0.01, 0.0, 1.0, "slope for x <= 0 (PyTorch's negative_slope; the seed uses 0.001)"}};
constexpr Param kPreluParams[] = {{"weight", 0.25, -kMax, kMax, "slope for x <= 0 (PyTorch's init)"}};
constexpr Param kRreluParams[] = {
    {"lower", 1.0 / 8, 0.0, 1.0, "smallest slope"}, {"upper", 1.0 / 3, 0.0, 1.0, "largest slope"}};
constexpr Param kHardtanhParams[] = {{"min_val", -1, -kMax, kMax, "lower clamp"},
                                     {"max_val", 1, -kMax, kMax, "upper clamp"}};
constexpr Param kThresholdParams[] = {{"threshold", 0, -kMax, kMax, "x above it passes"},
                                      {"value", 0, -kMax, kMax, "what replaces x <= threshold"}};
constexpr Param kLambdParams[] = {{"lambd", 0.5, 0, kMax, "half-width of the zeroed band"}};
constexpr Param kEluParams[] = {{"alpha", 1, 0, kMax, "saturation value -alpha for x -> -inf"}};
constexpr Param kCeluParams[] = {{"alpha", 1, 0, kMax, "saturation and scale", {}, true}};
constexpr Param kXieluParams[] = {
    {"alpha_p", 0.8, 0, kMax, "curvature for x > 0 (after softplus, as ggml stores it)"},
    {"alpha_n", 0.8, 0, kMax, "scale for x <= 0 (after beta + softplus, as ggml stores it)"},
    {"beta", 0.5, -kMax, kMax, "linear term"},
    {"eps", -1e-6, -kMax, 0, "clamp of x inside expm1"}};
constexpr Param kIsruParams[] = {{"alpha", 1, 0, kMax, "the output tends to +-1/sqrt(alpha)"}};
constexpr Param kIsrluParams[] = {{"alpha", 0.1, 0, kMax, "isru's alpha for x < 0 (mlpack's)"}};
constexpr Param kGeluParams[] = {
    {"approximate", 0, 0, 1, "none: exact x Phi(x); tanh: the tanh approximation", kGeluChoices}};
constexpr Param kSwishParams[] = {{"beta", 1, 0, kMax, "slope inside the sigmoid"}};
constexpr Param kFtswishParams[] = {{"t", -0.2, -kMax, kMax, "the value for x < 0 (mlpack's T)"}};
constexpr Param kSoftcapParams[] = {
    {"cap", 30, 0, kMax, "the output stays in (-cap, cap) (Gemma 2: 30 for logits)", {}, true}};
constexpr Param kSoftplusParams[] = {
    {"beta", 1, 0, kMax, "sharpness", {}, true},
    {"threshold", 20, -kInf, kInf, "above beta x > threshold the result is x"}};
constexpr Param kSquareplusParams[] = {{"b", 4, 0, kMax, "curvature at 0"}};
constexpr std::string_view kBoolChoices[] = {"false", "true"};
constexpr Param kSoftmaxParams[] = {
    {"scale", 1, -kMax, kMax, "multiplies x first (attention's 1/sqrt(d))"},
    {"safe", 0, 0, 1, "true: a row with no finite maximum gives zeros, not NaN", kBoolChoices}};
constexpr Param kGumbelParams[] = {
    {"tau", 1, 0, kMax, "temperature", {}, true},
    {"hard", 0, 0, 1, "true: the one-hot of the sample's argmax", kBoolChoices},
    {"seed", 0, 0, 9007199254740992.0, "seeds the noise (the same sample on every machine)"}};
constexpr Param kSnakeParams[] = {{"alpha", 1, 0, kMax, "frequency", {}, true}};

// The registry. Adding a function: its kernel (src/kernels/), its entry here, its reference
// and tolerance in tests/reference.h; tests fail until all three exist.
constexpr Op kOps[] = {
    // ---- the seed's functions
    {"identity", "linear", Kind::elementwise, {}, "the identity (linear activation): passes x through",
     "y = x", "f'(x) = 1", kX},
    {"relu", "", Kind::elementwise, {}, "rectified linear unit",
     "y = max(0, x)", "f'(x) = x > 0 ? 1 : 0   (f'(0) = 0)", kX},
    {"leaky_relu", "", Kind::elementwise, kLeakyReluParams, "leaky ReLU: a small slope alpha for x <= 0",
     "y = x > 0 ? x : alpha * x", "f'(x) = x > 0 ? 1 : alpha   (f'(0) = alpha)", kX},
    {"sigmoid", "", Kind::elementwise, {}, "logistic sigmoid: squashes to (0, 1)",
     "y = 1 / (1 + exp(-x))", "f'(x) = y * (1 - y)", kX | kY},
    {"softmax", "", Kind::axis, kSoftmaxParams, "softmax: a vector to probabilities that sum to 1",
     "y_i = exp(x_i - max(x)) / sum_j exp(x_j - max(x))  (of scale * x)",
     "dx = scale * y * (dy - sum(dy * y))", kY},
    {"log_softmax", "", Kind::axis, kSoftmaxParams, "log of softmax, without forming softmax",
     "y_i = x_i - max(x) - log(sum_j exp(x_j - max(x)))  (of scale * x)",
     "dx = scale * (dy - exp(y) * sum(dy))", kY},
    // ---- the ReLU family
    {"prelu", "", Kind::elementwise, kPreluParams,
     "parametric ReLU, one shared weight (per channel: prelu_channels in C++)",
     "y = x > 0 ? x : weight * x", "f'(x) = x > 0 ? 1 : weight", kX},
    {"rrelu", "", Kind::elementwise, kRreluParams,
     "randomized leaky ReLU in inference: the mean slope (training: rrelu_train in C++)",
     "y = x > 0 ? x : (lower + upper) / 2 * x", "f'(x) = x > 0 ? 1 : (lower + upper) / 2", kX,
     rrelu_check},
    {"relu6", "", Kind::elementwise, {}, "ReLU capped at 6 (MobileNet)",
     "y = min(max(0, x), 6)", "f'(x) = 0 < x < 6 ? 1 : 0", kX},
    {"hardtanh", "", Kind::elementwise, kHardtanhParams, "clamp to [min_val, max_val]",
     "y = min(max(x, min_val), max_val)", "f'(x) = min_val < x < max_val ? 1 : 0", kX,
     hardtanh_check},
    {"threshold", "", Kind::elementwise, kThresholdParams, "replace x <= threshold by value",
     "y = x > threshold ? x : value", "f'(x) = x > threshold ? 1 : 0", kX},
    {"hardshrink", "", Kind::elementwise, kLambdParams, "zero the band |x| <= lambd",
     "y = |x| > lambd ? x : 0", "f'(x) = |x| > lambd ? 1 : 0", kX},
    {"softshrink", "", Kind::elementwise, kLambdParams, "shrink toward 0 by lambd",
     "y = x > lambd ? x - lambd : x < -lambd ? x + lambd : 0", "f'(x) = |x| > lambd ? 1 : 0", kX},
    {"squared_relu", "", Kind::elementwise, {}, "squared ReLU (Primer)",
     "y = max(0, x)^2", "f'(x) = 2 * max(0, x)", kX},
    // ---- exponential
    {"elu", "", Kind::elementwise, kEluParams, "exponential linear unit",
     "y = x > 0 ? x : alpha * (exp(x) - 1)", "f'(x) = x > 0 ? 1 : alpha * exp(x)", kX},
    {"selu", "", Kind::elementwise, {}, "scaled ELU (self-normalizing networks)",
     "y = scale * (x > 0 ? x : alpha * (exp(x) - 1)), scale = 1.0507009873554805, alpha = 1.6732632423543772",
     "f'(x) = x > 0 ? scale : scale * alpha * exp(x)", kX},
    {"celu", "", Kind::elementwise, kCeluParams, "continuously differentiable ELU",
     "y = x > 0 ? x : alpha * (exp(x / alpha) - 1)", "f'(x) = x > 0 ? 1 : exp(x / alpha)", kX},
    {"xielu", "", Kind::elementwise, kXieluParams, "xIELU, as ggml computes it (Apertus)",
     "y = x > 0 ? alpha_p * x^2 + beta * x : alpha_n * (expm1(min(x, eps)) - x) + beta * x",
     "f'(x) = x > 0 ? 2 * alpha_p * x + beta : alpha_n * ((x < eps ? exp(x) : 0) - 1) + beta", kX},
    {"isru", "", Kind::elementwise, kIsruParams, "inverse square root unit (mlpack)",
     "y = x / sqrt(1 + alpha * x^2)", "f'(x) = (1 + alpha * x^2)^(-3/2)", kX},
    {"isrlu", "", Kind::elementwise, kIsrluParams, "inverse square root linear unit (mlpack)",
     "y = x >= 0 ? x : x / sqrt(1 + alpha * x^2)", "f'(x) = x >= 0 ? 1 : (1 + alpha * x^2)^(-3/2)", kX},
    // ---- GELU
    {"gelu", "", Kind::elementwise, kGeluParams, "Gaussian error linear unit, exact by default",
     "y = x * Phi(x)  (tanh: x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3))) / 2)",
     "f'(x) = Phi(x) + x * phi(x)", kX},
    {"quick_gelu", "", Kind::elementwise, {}, "the sigmoid approximation of GELU (CLIP)",
     "y = x * sigmoid(1.702 * x)", "f'(x) = s + 1.702 * x * s * (1 - s), s = sigmoid(1.702 * x)", kX},
    // ---- logistic
    {"logsigmoid", "", Kind::elementwise, {}, "log of the sigmoid, stable for large |x|",
     "y = -softplus(-x) = min(x, 0) - log1p(exp(-|x|))", "f'(x) = 1 - sigmoid(x)", kX},
    {"hardsigmoid", "", Kind::elementwise, {}, "piecewise-linear sigmoid (PyTorch's: relu6(x + 3) / 6)",
     "y = min(max(0, x + 3), 6) / 6", "f'(x) = -3 < x < 3 ? 1/6 : 0", kX},
    {"silu", "", Kind::elementwise, {}, "sigmoid linear unit (swish with beta = 1)",
     "y = x * sigmoid(x)", "f'(x) = s * (1 + x * (1 - s)), s = sigmoid(x)", kX},
    {"swish", "", Kind::elementwise, kSwishParams, "swish with a slope beta",
     "y = x * sigmoid(beta * x)", "f'(x) = s + beta * x * s * (1 - s), s = sigmoid(beta * x)", kX},
    {"hardswish", "", Kind::elementwise, {}, "piecewise swish (MobileNetV3)",
     "y = x * min(max(0, x + 3), 6) / 6", "f'(x) = x < -3 ? 0 : x <= 3 ? (2x + 3) / 6 : 1", kX},
    {"mish", "", Kind::elementwise, {}, "mish (Misra 2019)",
     "y = x * tanh(softplus(x))", "f'(x) = t + x * (1 - t^2) * sigmoid(x), t = tanh(softplus(x))", kX},
    {"sparse_sigmoid", "", Kind::elementwise, {}, "sparse sigmoid (JAX)",
     "y = min(max((x + 1) / 2, 0), 1)", "f'(x) = -1 < x < 1 ? 1/2 : 0", kX},
    {"elish", "", Kind::elementwise, {}, "exponential linear squashing (mlpack)",
     "y = x >= 0 ? x * sigmoid(x) : (exp(x) - 1) * sigmoid(x)",
     "f'(x) = x >= 0 ? s + x s (1 - s) : exp(x) s + (exp(x) - 1) s (1 - s)", kX},
    {"ftswish", "", Kind::elementwise, kFtswishParams, "flatten-T swish (mlpack)",
     "y = x >= 0 ? x * sigmoid(x) + t : t", "f'(x) = x >= 0 ? s + x * s * (1 - s) : 0", kX},
    {"bipolar_sigmoid", "", Kind::elementwise, {}, "bipolar sigmoid (mlpack): tanh(x / 2)",
     "y = (1 - exp(-x)) / (1 + exp(-x))", "f'(x) = (1 - y^2) / 2", kX},
    // ---- tanh
    {"tanh", "", Kind::elementwise, {}, "hyperbolic tangent",
     "y = tanh(x)", "f'(x) = 1 - y^2", kX | kY},
    {"softsign", "", Kind::elementwise, {}, "softsign (also mlpack's elliot)",
     "y = x / (1 + |x|)", "f'(x) = 1 / (1 + |x|)^2", kX},
    {"tanhshrink", "", Kind::elementwise, {}, "x minus its tanh",
     "y = x - tanh(x)", "f'(x) = tanh(x)^2", kX},
    {"softcap", "", Kind::elementwise, kSoftcapParams, "logit soft-capping (Gemma 2, Grok)",
     "y = cap * tanh(x / cap)", "f'(x) = 1 - tanh(x / cap)^2", kX},
    {"lisht", "", Kind::elementwise, {}, "linearly scaled tanh (mlpack)",
     "y = x * tanh(x)", "f'(x) = tanh(x) + x * (1 - tanh(x)^2)", kX},
    {"tanhexp", "", Kind::elementwise, {}, "tanh exponential (mlpack)",
     "y = x * tanh(exp(x))", "f'(x) = tanh(e^x) + x * e^x * (1 - tanh(e^x)^2)", kX},
    // ---- softplus
    {"softplus", "", Kind::elementwise, kSoftplusParams, "smooth ReLU, never overflows",
     "y = beta * x > threshold ? x : log(1 + exp(beta * x)) / beta",
     "f'(x) = beta * x > threshold ? 1 : sigmoid(beta * x)", kX},
    {"squareplus", "", Kind::elementwise, kSquareplusParams, "algebraic softplus (Barron 2021)",
     "y = (x + sqrt(x^2 + b)) / 2", "f'(x) = (1 + x / sqrt(x^2 + b)) / 2", kX},
    {"sparse_plus", "", Kind::elementwise, {}, "sparse plus (JAX)",
     "y = x <= -1 ? 0 : x >= 1 ? x : (x + 1)^2 / 4", "f'(x) = x <= -1 ? 0 : x >= 1 ? 1 : (x + 1) / 2", kX},
    {"shifted_softplus", "", Kind::elementwise, {}, "softplus shifted through 0 (mlpack, SchNet)",
     "y = log(0.5 * exp(x) + 0.5)", "f'(x) = sigmoid(x)", kX},
    // ---- along an axis
    {"softmin", "", Kind::axis, kSoftmaxParams, "softmin: softmax of -x",
     "y_i = exp(-x_i + min(x)) / sum_j exp(-x_j + min(x))  (of scale * x)",
     "dx = -scale * y * (dy - sum(dy * y))", kY},
    {"logsumexp", "", Kind::reduce, {}, "log of the sum of exponentials (one value per line)",
     "y = max(x) + log(sum_j exp(x_j - max(x)))", "dx = dy * softmax(x)", kX},
    {"sparsemax", "", Kind::axis, {}, "sparsemax: Euclidean projection onto the simplex",
     "y_i = max(x_i - tau, 0), sum y = 1", "dx = dy - mean(dy over y > 0) where y > 0, else 0", kY},
    {"entmax15", "", Kind::axis, {}, "1.5-entmax: sparse and smooth, between softmax and sparsemax",
     "y_i = max(x_i / 2 - tau, 0)^2, sum y = 1",
     "dx = g * dy - g * sum(g * dy) / sum(g), g = sqrt(y)", kY},
    {"gumbel_softmax", "", Kind::axis, kGumbelParams, "a differentiable sample from softmax(x)",
     "y = softmax((x + g) / tau), g = -log(-log(u)) from the seed; hard: one-hot of its argmax",
     "dx = softmax backward of the soft sample, / tau (straight-through when hard)", kX},
    // ---- gated (a line of 2m values split into halves a, b)
    {"glu", "", Kind::gated, {}, "gated linear unit (PyTorch's F.glu)",
     "y = a * sigmoid(b)", "da = dy * sigmoid(b), db = dy * a * sigmoid'(b)", kX},
    {"swiglu", "", Kind::gated, {}, "SwiGLU (Shazeer 2020; LLaMA's feed-forward)",
     "y = silu(a) * b", "da = dy * b * silu'(a), db = dy * silu(a)", kX},
    {"geglu", "", Kind::gated, kGeluParams, "GeGLU (Shazeer 2020)",
     "y = gelu(a) * b", "da = dy * b * gelu'(a), db = dy * gelu(a)", kX},
    {"reglu", "", Kind::gated, {}, "ReGLU (Shazeer 2020)",
     "y = relu(a) * b", "da = dy * b * relu'(a), db = dy * relu(a)", kX},
    // ---- periodic, radial, polynomial
    {"snake", "", Kind::elementwise, kSnakeParams, "snake (Ziyin et al. 2020), periodic",
     "y = x + sin(alpha * x)^2 / alpha", "f'(x) = 1 + sin(2 * alpha * x)", kX},
    {"gcu", "", Kind::elementwise, {}, "growing cosine unit (mlpack)",
     "y = x * cos(x)", "f'(x) = cos(x) - x * sin(x)", kX},
    {"gaussian", "", Kind::elementwise, {}, "Gaussian bump (mlpack)",
     "y = exp(-x^2)", "f'(x) = -2 * x * exp(-x^2)", kX},
    {"hyper_sinh", "", Kind::elementwise, {}, "hyper-sinh (mlpack)",
     "y = x > 0 ? sinh(x) / 3 : x^3 / 4", "f'(x) = x > 0 ? cosh(x) / 3 : 3 * x^2 / 4", kX},
    {"inverse_quadratic", "", Kind::elementwise, {}, "inverse quadratic radial function (mlpack)",
     "y = 1 / (1 + x^2)", "f'(x) = -2 * x / (1 + x^2)^2", kX},
    {"multi_quadratic", "", Kind::elementwise, {}, "multiquadratic radial function (mlpack)",
     "y = sqrt(1 + x^2)", "f'(x) = x / sqrt(1 + x^2)", kX},
    {"quadratic", "", Kind::elementwise, {}, "square (mlpack)", "y = x^2", "f'(x) = 2 * x", kX},
    {"poisson1", "", Kind::elementwise, {}, "Poisson one (mlpack)",
     "y = (x - 1) * exp(-x)", "f'(x) = (2 - x) * exp(-x)", kX},
    {"spline", "", Kind::elementwise, {}, "spline (mlpack); NaN below x = -1",
     "y = x^2 * log(1 + x)", "f'(x) = 2 * x * log(1 + x) + x^2 / (1 + x)", kX},
    {"sqnl", "", Kind::elementwise, {}, "square nonlinearity (mlpack)",
     "y = x > 2 ? 1 : x >= 0 ? x - x^2/4 : x >= -2 ? x + x^2/4 : -1", "f'(x) = |x| < 2 ? 1 - |x|/2 : 0", kX},
};

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1] ? 1 : 0)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

// Finite bounds at +-DBL_MAX print as open infinities: "(0.0, inf)" is any positive number.
std::string detail::range_text(const Param& q) {
  const bool lo_inf = q.min <= -kMax, hi_inf = q.max >= kMax;
  return std::string(q.min_open || lo_inf ? "(" : "[") + (lo_inf ? "-inf" : python_repr(q.min)) +
         ", " + (hi_inf ? "inf" : python_repr(q.max)) + (hi_inf ? ")" : "]");
}

int detail::kernel_index(const Op& op) {
  static const std::vector<int> index = [] {
    std::vector<int> v;
    for (const Op& o : kOps) {
      int k = -1;
      if (o.kind == Kind::gated) {
        k = 0;  // composed from elementwise kernels (gate_activation)
      } else if (o.kind == Kind::elementwise) {
        const auto* t = elementwise_table();
        for (int i = 0; t[i].name != nullptr; ++i)
          if (o.name == t[i].name) k = i;
      } else {
        const auto* t = axis_table();
        for (int i = 0; t[i].name != nullptr; ++i)
          if (o.name == t[i].name) k = i;
      }
      v.push_back(k);
    }
    return v;
  }();
  const std::ptrdiff_t i = &op - kOps;
  return i >= 0 && i < static_cast<std::ptrdiff_t>(index.size()) ? index[i] : -1;
}

namespace {
using detail::range_text;


[[noreturn]] void fail(const Op& op, const std::string& what) {
  throw Error(std::string(op.name) + ": " + what);
}

int kernel_of(const Op& op) {
  const int k = detail::kernel_index(op);
  if (k < 0) fail(op, "has no kernel (a registry entry without a kernel)");
  return k;
}

// Parameters in registry order, defaults filled in, each checked against its range.
struct Params {
  double v[detail::kMaxParams] = {};
};
Params check_params(const Op& op, std::span<const double> given) {
  if (given.size() > op.params.size()) {
    fail(op, "takes " + std::to_string(op.params.size()) + " parameter(s), got " +
                 std::to_string(given.size()));
  }
  Params p;
  for (std::size_t i = 0; i < op.params.size(); ++i) {
    const Param& q = op.params[i];
    const double v = i < given.size() ? given[i] : q.def;
    if (!q.choices.empty()) {
      if (!(v >= 0 && v < static_cast<double>(q.choices.size()) && v == std::floor(v))) {
        std::string names;
        for (auto c : q.choices) names += (names.empty() ? "" : ", ") + std::string(c);
        fail(op, std::string(q.name) + " = " + python_repr(v) + " is not the index of one of " +
                     names);
      }
    } else if (!(v >= q.min && v <= q.max) || (q.min_open && v == q.min)) {  // also NaN
      if (q.min <= -kMax && q.max >= kMax) {  // any finite number would do
        fail(op, std::string(q.name) + " = " + python_repr(v) + " is not finite");
      }
      fail(op, std::string(q.name) + " = " + python_repr(v) + " is out of range " +
                   range_text(q));
    }
    p.v[i] = v;
  }
  if (op.check != nullptr) {
    const std::string e = op.check(p.v);
    if (!e.empty()) fail(op, e);
  }
  return p;
}

std::size_t checked_size(const Op& op, Axis a) {
  const std::size_t m = std::numeric_limits<std::size_t>::max();
  if (a.n != 0 && a.inner != 0 &&
      (a.inner > m / a.n || a.outer > m / (a.n * a.inner) || a.outer * a.n * a.inner > m / 8)) {
    fail(op, "shape " + std::to_string(a.outer) + " x " + std::to_string(a.n) + " x " +
                 std::to_string(a.inner) + " is too large");
  }
  return a.size();
}

// `out` may be `in` (in place) or disjoint from it; anything else is an error.
template <class T>
void check_io(const Op& op, const char* out_name, T* out, const char* in_name, const T* in,
              std::size_t count) {
  if (count == 0) return;
  if (out == nullptr || in == nullptr) {
    fail(op, std::string(out == nullptr ? out_name : in_name) + " is null with " +
                 std::to_string(count) + " elements");
  }
  const auto o = reinterpret_cast<std::uintptr_t>(out), i = reinterpret_cast<std::uintptr_t>(in);
  const std::uintptr_t bytes = count * sizeof(T);
  if (o != i && o < i + bytes && i < o + bytes) {
    fail(op, std::string(out_name) + " partially overlaps " + in_name +
                 " (in place must be exactly the same array)");
  }
}

// Values of y (and dy) for an input of shape a.
std::size_t out_size(const Op& op, Axis a) {
  if (op.kind == Kind::reduce) return a.outer * a.inner;
  if (op.kind == Kind::gated) return a.size() / 2;
  return a.size();
}

// out and in share no byte (they may be the same array only when same_ok and of one size).
template <class T>
void check_apart(const Op& op, const char* out_name, T* out, std::size_t out_n,
                 const char* in_name, const T* in, std::size_t in_n) {
  if (out_n == 0 || in_n == 0) return;
  if (out == nullptr || in == nullptr) {
    fail(op, std::string(out == nullptr ? out_name : in_name) + " is null with " +
                 std::to_string(out == nullptr ? out_n : in_n) + " elements");
  }
  const auto o = reinterpret_cast<std::uintptr_t>(out), i = reinterpret_cast<std::uintptr_t>(in);
  if (o == i && out_n == in_n) return;
  if (o < i + in_n * sizeof(T) && i < o + out_n * sizeof(T)) {
    fail(op, std::string(out_name) + " overlaps " + in_name);
  }
}

void check_gated(const Op& op, Axis a) {
  if (a.n % 2 != 0) {
    fail(op, "the axis has " + std::to_string(a.n) + " values; it must split into two halves");
  }
}

// The elementwise kernel that a gated unit applies: to b for glu, to a for the others.
const Op& gate_activation(const Op& op) {
  if (op.name == "glu") return *find("sigmoid");
  if (op.name == "swiglu") return *find("silu");
  if (op.name == "geglu") return *find("gelu");
  return *find("relu");
}

// Lines per chunk for the threads: at least kGrain elements' worth. gumbel_softmax's noise
// follows the position in the call, so it is never split.
std::size_t lines_grain(const Op& op, Axis a) {
  if (op.name == "gumbel_softmax") return a.outer;
  const std::size_t per_line = std::max<std::size_t>(1, a.n * a.inner);
  return std::max<std::size_t>(1, detail::kGrain / per_line);
}

// 16-bit arrays: every path widens them to f64, runs the f64 kernels and rounds once.
template <class T>
constexpr bool kNarrow = std::is_same_v<T, float16> || std::is_same_v<T, bfloat16>;
template <class T>
T neg_inf() {
  if constexpr (kNarrow<T>) return T(-HUGE_VAL); else return -std::numeric_limits<T>::infinity();
}
template <class H>
std::vector<double> widened(const H* v, std::size_t n) {
  std::vector<double> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<double>(v[i]);
  return out;
}
template <class H>
void narrow(const double* v, H* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = H(v[i]);
}
constexpr std::size_t kNarrowChunk = 512;

// Gated units on contiguous halves a, b of n values (chunked through small buffers).
template <class T>
void gated_forward(const Op& op, const T* a, const T* b, T* y, std::size_t n, const double* p) {
  const auto& act = detail::elementwise_table()[kernel_of(gate_activation(op))].fns<T>();
  const bool glu = op.name == "glu";
  constexpr std::size_t kChunk = 2048;
  T t[kChunk];
  for (std::size_t i = 0; i < n; i += kChunk) {
    const std::size_t m = std::min(kChunk, n - i);
    act.forward(glu ? b + i : a + i, t, m, p);
    const T* other = glu ? a + i : b + i;
    for (std::size_t j = 0; j < m; ++j) y[i + j] = t[j] * other[j];
  }
}

template <class T>
void gated_backward(const Op& op, const T* dy, const T* a, const T* b, T* da, T* db,
                    std::size_t n, const double* p) {
  const auto& act = detail::elementwise_table()[kernel_of(gate_activation(op))].fns<T>();
  const bool glu = op.name == "glu";
  constexpr std::size_t kChunk = 2048;
  T t[kChunk], u[kChunk];
  // glu: da = dy s(b), db = s'(b) (dy a); others: db = dy f(a), da = f'(a) (dy b).
  const T* g = glu ? b : a;  // the activation's input
  const T* h = glu ? a : b;  // the other half
  T* dg = glu ? db : da;
  T* dh = glu ? da : db;
  for (std::size_t i = 0; i < n; i += kChunk) {
    const std::size_t m = std::min(kChunk, n - i);
    for (std::size_t j = 0; j < m; ++j) u[j] = dy[i + j] * h[i + j];
    act.forward(g + i, t, m, p);
    act.backward_x(u, g + i, dg + i, m, p);  // reads g before it may be overwritten
    for (std::size_t j = 0; j < m; ++j) dh[i + j] = dy[i + j] * t[j];
  }
}

template <class T>
void forward_impl(const Op& op, const T* x, T* y, Axis a, std::span<const double> params) {
  const Params p = check_params(op, params);
  const std::size_t count = checked_size(op, a);
  if (op.kind == Kind::gated) check_gated(op, a);
  if (op.kind == Kind::elementwise || op.kind == Kind::axis) {
    check_io(op, "y", y, "x", x, count);
  } else {
    check_apart(op, "y", y, out_size(op, a), "x", x, count);
  }
  if (count == 0) {
    // Empty lines reduce to the empty sum's log, -inf (outer x inner of them, maybe none).
    if (op.kind == Kind::reduce) std::fill(y, y + out_size(op, a), neg_inf<T>());
    return;
  }
  if constexpr (std::is_same_v<T, float>) {
    // f32 lines are computed in f64 (plain f64 steps: f32_via_f64) and rounded once, but for
    // kernels whose f32 lanes are accurate themselves (f32_native: softmax and softmin with
    // FMA): log_softmax and logsumexp keep their digits where a logit dominates or the result
    // cancels.
    if ((op.kind == Kind::axis || op.kind == Kind::reduce) &&
        !detail::axis_table()[kernel_of(op)].f32_native) {
      if (op.name == "gumbel_softmax") {  // its noise follows the position in the whole call
        const std::vector<double> xd = widened(x, count);
        std::vector<double> yd(out_size(op, a));
        forward_impl<double>(op, xd.data(), yd.data(), a,
                             std::span<const double>(p.v, op.params.size()));
        for (std::size_t i = 0; i < yd.size(); ++i) y[i] = static_cast<float>(yd[i]);
        return;
      }
      // Blocks of about kGrain elements' lines through two f64 buffers, over the threads.
      const detail::AxisEntry& entry = detail::axis_table()[kernel_of(op)];
      const auto fwd = entry.f32_via_f64 ? entry.f32_via_f64 : entry.fns<double>().forward;
      const std::size_t block = a.n * a.inner, yblock = op.kind == Kind::axis ? block : a.inner;
      const std::size_t per = std::max<std::size_t>(1, detail::kGrain / std::max<std::size_t>(1, block));
      detail::parallel_for(a.outer, lines_grain(op, a), [&](std::size_t b, std::size_t e) {
        const std::size_t m0 = std::min(per, e - b);
        std::vector<double> xd(m0 * block), yd(m0 * yblock);
        for (std::size_t o = b; o < e; o += per) {
          const std::size_t m = std::min(per, e - o);
          for (std::size_t i = 0; i < m * block; ++i) xd[i] = x[o * block + i];
          fwd(xd.data(), yd.data(), Axis{m, a.n, a.inner}, p.v);
          for (std::size_t i = 0; i < m * yblock; ++i) y[o * yblock + i] = static_cast<float>(yd[i]);
        }
      });
      return;
    }
  }
  if constexpr (kNarrow<T>) {
    if (op.kind == Kind::elementwise) {
      const auto fwd = detail::elementwise_table()[kernel_of(op)].fns<double>().forward;
      detail::parallel_for(count, detail::kGrain, [&](std::size_t b, std::size_t e) {
        double t[kNarrowChunk];
        for (std::size_t i = b; i < e; i += kNarrowChunk) {
          const std::size_t m = std::min(kNarrowChunk, e - i);
          for (std::size_t j = 0; j < m; ++j) t[j] = static_cast<double>(x[i + j]);
          fwd(t, t, m, p.v);
          narrow(t, y + i, m);
        }
      });
    } else {
      const std::vector<double> xd = widened(x, count);
      std::vector<double> yd(out_size(op, a));
      forward_impl<double>(op, xd.data(), yd.data(), a, std::span<const double>(p.v, op.params.size()));
      narrow(yd.data(), y, yd.size());
    }
    return;
  } else {
  switch (op.kind) {
    case Kind::elementwise: {
      const auto fwd = detail::elementwise_table()[kernel_of(op)].fns<T>().forward;
      detail::parallel_for(count, detail::kGrain, [&](std::size_t b, std::size_t e) {
        fwd(x + b, y + b, e - b, p.v);
      });
      return;
    }
    case Kind::axis:
    case Kind::reduce: {
      if (out_size(op, a) == 0) return;
      // Blocks of lines (outer) over the threads; y has n x inner values per block, or inner
      // for a reduction.
      const auto fwd = detail::axis_table()[kernel_of(op)].fns<T>().forward;
      const std::size_t block = a.n * a.inner, yblock = op.kind == Kind::axis ? block : a.inner;
      detail::parallel_for(a.outer, lines_grain(op, a), [&](std::size_t b, std::size_t e) {
        fwd(x + b * block, y + b * yblock, Axis{e - b, a.n, a.inner}, p.v);
      });
      return;
    }
    case Kind::gated: {
      const std::size_t half = a.n / 2 * a.inner;
      for (std::size_t o = 0; o < a.outer; ++o)
        gated_forward(op, x + 2 * o * half, x + (2 * o + 1) * half, y + o * half, half, p.v);
      return;
    }
  }
  }
}

template <class T>
void backward_impl(const Op& op, Saved from, const T* dy, const T* saved, T* dx, Axis a,
                   std::span<const double> params) {
  const char* sname = from == Saved::x ? "x" : "y";
  if (!op.reads(from)) {
    fail(op, std::string("backward does not read ") + sname + "; pass " +
                 (op.reads(Saved::x) ? "x" : "y"));
  }
  const Params p = check_params(op, params);
  const std::size_t count = checked_size(op, a);
  if (op.kind == Kind::gated) check_gated(op, a);
  if (op.kind == Kind::elementwise || op.kind == Kind::axis) {
    check_io(op, "dx", dx, "dy", dy, count);
    check_io(op, "dx", dx, sname, saved, count);
  } else {
    check_apart(op, "dx", dx, count, "dy", dy, out_size(op, a));
    check_apart(op, "dx", dx, count, sname, saved, from == Saved::x ? count : out_size(op, a));
  }
  if (count == 0) return;
  if constexpr (kNarrow<T>) {
    if (op.kind == Kind::elementwise) {
      const auto& f = detail::elementwise_table()[kernel_of(op)].fns<double>();
      const auto bwd = from == Saved::x ? f.backward_x : f.backward_y;
      detail::parallel_for(count, detail::kGrain, [&](std::size_t b, std::size_t e) {
        double g[kNarrowChunk], t[kNarrowChunk];
        for (std::size_t i = b; i < e; i += kNarrowChunk) {
          const std::size_t m = std::min(kNarrowChunk, e - i);
          for (std::size_t j = 0; j < m; ++j) {
            g[j] = static_cast<double>(dy[i + j]);
            t[j] = static_cast<double>(saved[i + j]);
          }
          bwd(g, t, t, m, p.v);
          narrow(t, dx + i, m);
        }
      });
    } else {
      const std::size_t ny = out_size(op, a);
      const std::vector<double> gd = widened(dy, op.kind == Kind::axis ? count : ny);
      const std::vector<double> sd =
          widened(saved, from == Saved::x || op.kind == Kind::axis ? count : ny);
      std::vector<double> dxd(count);
      backward_impl<double>(op, from, gd.data(), sd.data(), dxd.data(), a,
                            std::span<const double>(p.v, op.params.size()));
      narrow(dxd.data(), dx, count);
    }
    return;
  } else {
  switch (op.kind) {
    case Kind::elementwise: {
      const auto& f = detail::elementwise_table()[kernel_of(op)].fns<T>();
      const auto bwd = from == Saved::x ? f.backward_x : f.backward_y;
      detail::parallel_for(count, detail::kGrain, [&](std::size_t b, std::size_t e) {
        bwd(dy + b, saved + b, dx + b, e - b, p.v);
      });
      return;
    }
    case Kind::axis:
    case Kind::reduce: {
      const auto bwd = detail::axis_table()[kernel_of(op)].fns<T>().backward;
      const std::size_t block = a.n * a.inner, yblock = op.kind == Kind::axis ? block : a.inner;
      const std::size_t sblock = from == Saved::x ? block : yblock;
      detail::parallel_for(a.outer, lines_grain(op, a), [&](std::size_t b, std::size_t e) {
        bwd(dy + b * yblock, saved + b * sblock, dx + b * block, Axis{e - b, a.n, a.inner}, p.v);
      });
      return;
    }
    case Kind::gated: {
      const std::size_t half = a.n / 2 * a.inner;
      for (std::size_t o = 0; o < a.outer; ++o) {
        gated_backward(op, dy + o * half, saved + 2 * o * half, saved + (2 * o + 1) * half,
                       dx + 2 * o * half, dx + (2 * o + 1) * half, half, p.v);
      }
      return;
    }
  }
  }
}

// The gated units' typed API on two inputs; 16-bit halves go through f64 copies.
template <class T>
void gated_forward_any(const Op& op, const T* a, const T* b, T* y, std::size_t n,
                       const double* p) {
  if constexpr (kNarrow<T>) {
    const std::vector<double> ad = widened(a, n), bd = widened(b, n);
    std::vector<double> yd(n);
    gated_forward(op, ad.data(), bd.data(), yd.data(), n, p);
    narrow(yd.data(), y, n);
  } else {
    gated_forward(op, a, b, y, n, p);
  }
}
template <class T>
void gated_backward_any(const Op& op, const T* dy, const T* a, const T* b, T* da, T* db,
                        std::size_t n, const double* p) {
  if constexpr (kNarrow<T>) {
    const std::vector<double> gd = widened(dy, n), ad = widened(a, n), bd = widened(b, n);
    std::vector<double> dad(n), dbd(n);
    gated_backward(op, gd.data(), ad.data(), bd.data(), dad.data(), dbd.data(), n, p);
    narrow(dad.data(), da, n);
    narrow(dbd.data(), db, n);
  } else {
    gated_backward(op, dy, a, b, da, db, n, p);
  }
}

// The registry entry of a typed API function, found once.
const Op& entry(std::string_view name) { return op(name); }

}  // namespace

Axis along(std::span<const std::size_t> shape, int axis) {
  const int rank = static_cast<int>(shape.size());
  if (rank == 0) throw Error("along: a tensor of rank 0 has no axis");
  if (axis < -rank || axis >= rank) {
    throw Error("along: axis " + std::to_string(axis) + " is out of range for a tensor of rank " +
                std::to_string(rank) + " (valid: " + std::to_string(-rank) + " to " +
                std::to_string(rank - 1) + ")");
  }
  const std::size_t k = static_cast<std::size_t>(axis < 0 ? axis + rank : axis);
  Axis a{1, shape[k], 1};
  for (std::size_t i = 0; i < k; ++i) a.outer *= shape[i];
  for (std::size_t i = k + 1; i < shape.size(); ++i) a.inner *= shape[i];
  return a;
}

std::span<const Op> ops() { return kOps; }

const Op* find(std::string_view name) {
  for (const Op& o : kOps)
    if (o.name == name || (!o.alias.empty() && o.alias == name)) return &o;
  return nullptr;
}

std::vector<std::string_view> closest(std::string_view name) {
  std::vector<std::pair<std::size_t, std::string_view>> c;
  const std::size_t limit = std::max<std::size_t>(2, name.size() / 3);
  for (const Op& o : kOps) {
    for (std::string_view n : {o.name, o.alias}) {
      if (n.empty()) continue;
      const std::size_t d = edit_distance(name, n);
      const bool prefix = name.size() >= 3 && n.substr(0, name.size()) == name;
      if (d <= limit || prefix) c.emplace_back(prefix ? 0 : d, n);
    }
  }
  std::stable_sort(c.begin(), c.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string_view> out;
  for (const auto& [d, n] : c) out.push_back(n);
  return out;
}

const Op& op(std::string_view name) {
  if (const Op* o = find(name)) return *o;
  std::string msg = "unknown function '" + std::string(name) + "'";
  const auto near = closest(name);
  if (!near.empty()) {
    msg += "; did you mean ";
    for (std::size_t i = 0; i < near.size() && i < 3; ++i)
      msg += (i ? ", '" : "'") + std::string(near[i]) + "'";
    msg += "?";
  }
  throw Error(msg + " ('actfn list' shows them all)");
}

void forward(const Op& o, const float* x, float* y, Axis a, std::span<const double> p) {
  forward_impl(o, x, y, a, p);
}
void forward(const Op& o, const double* x, double* y, Axis a, std::span<const double> p) {
  forward_impl(o, x, y, a, p);
}
void backward(const Op& o, Saved from, const float* dy, const float* s, float* dx, Axis a,
              std::span<const double> p) {
  backward_impl(o, from, dy, s, dx, a, p);
}
void backward(const Op& o, Saved from, const double* dy, const double* s, double* dx, Axis a,
              std::span<const double> p) {
  backward_impl(o, from, dy, s, dx, a, p);
}

void forward(const Op& o, const float16* x, float16* y, Axis a, std::span<const double> p) {
  forward_impl(o, x, y, a, p);
}
void forward(const Op& o, const bfloat16* x, bfloat16* y, Axis a, std::span<const double> p) {
  forward_impl(o, x, y, a, p);
}
void backward(const Op& o, Saved from, const float16* dy, const float16* s, float16* dx, Axis a,
              std::span<const double> p) {
  backward_impl(o, from, dy, s, dx, a, p);
}
void backward(const Op& o, Saved from, const bfloat16* dy, const bfloat16* s, bfloat16* dx,
              Axis a, std::span<const double> p) {
  backward_impl(o, from, dy, s, dx, a, p);
}

// ---- the typed API: thin wrappers over the registry entry of the same name ----
namespace {
template <Storage T>
T scalar(const Op& o, T x, std::span<const double> p = {}) {
  T y;
  forward_impl(o, &x, &y, Axis{1, 1, 1}, p);
  return y;
}
Axis flat(std::size_t n) { return Axis{1, n, 1}; }
}  // namespace

template <Storage T> T identity(T x) { static const Op& o = entry("identity"); return scalar(o, x); }
template <Storage T> void identity(const T* x, T* y, std::size_t n) {
  static const Op& o = entry("identity");
  forward_impl(o, x, y, flat(n), {});
}
template <Storage T> void identity_backward(const T* dy, const T* x, T* dx, std::size_t n) {
  static const Op& o = entry("identity");
  backward_impl(o, Saved::x, dy, x == nullptr ? dy : x, dx, flat(n), {});
}

template <Storage T> T relu(T x) { static const Op& o = entry("relu"); return scalar(o, x); }
template <Storage T> void relu(const T* x, T* y, std::size_t n) {
  static const Op& o = entry("relu");
  forward_impl(o, x, y, flat(n), {});
}
template <Storage T> void relu_backward(const T* dy, const T* x, T* dx, std::size_t n) {
  static const Op& o = entry("relu");
  backward_impl(o, Saved::x, dy, x, dx, flat(n), {});
}

template <Storage T> T leaky_relu(T x, T alpha) {
  static const Op& o = entry("leaky_relu");
  const double p[] = {static_cast<double>(alpha)};
  return scalar(o, x, p);
}
template <Storage T> void leaky_relu(const T* x, T* y, std::size_t n, T alpha) {
  static const Op& o = entry("leaky_relu");
  const double p[] = {static_cast<double>(alpha)};
  forward_impl(o, x, y, flat(n), p);
}
template <Storage T>
void leaky_relu_backward(const T* dy, const T* x, T* dx, std::size_t n, T alpha) {
  static const Op& o = entry("leaky_relu");
  const double p[] = {static_cast<double>(alpha)};
  backward_impl(o, Saved::x, dy, x, dx, flat(n), p);
}

template <Storage T> T sigmoid(T x) { static const Op& o = entry("sigmoid"); return scalar(o, x); }
template <Storage T> void sigmoid(const T* x, T* y, std::size_t n) {
  static const Op& o = entry("sigmoid");
  forward_impl(o, x, y, flat(n), {});
}
template <Storage T> void sigmoid_backward(const T* dy, const T* x, T* dx, std::size_t n) {
  static const Op& o = entry("sigmoid");
  backward_impl(o, Saved::x, dy, x, dx, flat(n), {});
}
template <Storage T> void sigmoid_backward_from_y(const T* dy, const T* y, T* dx, std::size_t n) {
  static const Op& o = entry("sigmoid");
  backward_impl(o, Saved::y, dy, y, dx, flat(n), {});
}

namespace {
template <Storage T>
void row(const Op& o, std::span<const T> x, std::span<T> y) {
  if (x.size() != y.size()) {
    fail(o, "x has " + std::to_string(x.size()) + " elements but y has " +
                std::to_string(y.size()));
  }
  forward_impl(o, x.data(), y.data(), flat(x.size()), {});
}
}  // namespace

template <Storage T> void softmax(const T* x, T* y, Axis a) {
  static const Op& o = entry("softmax");
  forward_impl(o, x, y, a, {});
}
template <Storage T> void softmax(std::span<const T> x, std::span<T> y) {
  static const Op& o = entry("softmax");
  row(o, x, y);
}
template <Storage T> void softmax_backward(const T* dy, const T* y, T* dx, Axis a) {
  static const Op& o = entry("softmax");
  backward_impl(o, Saved::y, dy, y, dx, a, {});
}
template <Storage T> void log_softmax(const T* x, T* y, Axis a) {
  static const Op& o = entry("log_softmax");
  forward_impl(o, x, y, a, {});
}
template <Storage T> void log_softmax(std::span<const T> x, std::span<T> y) {
  static const Op& o = entry("log_softmax");
  row(o, x, y);
}
template <Storage T> void log_softmax_backward(const T* dy, const T* y, T* dx, Axis a) {
  static const Op& o = entry("log_softmax");
  backward_impl(o, Saved::y, dy, y, dx, a, {});
}

// The rest of the elementwise family (ACTFN_ELEMENTWISE_FUNCTIONS in the header).
#define ACTFN_ELEMENTWISE_INSTANCES(name, T)                                               \
  template T name<T>(T, std::initializer_list<double>);                                    \
  template void name<T>(const T*, T*, std::size_t, std::initializer_list<double>);          \
  template void name##_backward<T>(const T*, const T*, T*, std::size_t,                    \
                                   std::initializer_list<double>);
#define ACTFN_DEFINE_ELEMENTWISE(name)                                                     \
  template <Storage T>                                                                        \
  T name(T x, std::initializer_list<double> params) {                                      \
    static const Op& o = entry(#name);                                                     \
    return scalar(o, x, std::span<const double>(params.begin(), params.size()));           \
  }                                                                                        \
  template <Storage T>                                                                        \
  void name(const T* x, T* y, std::size_t n, std::initializer_list<double> params) {       \
    static const Op& o = entry(#name);                                                     \
    forward_impl(o, x, y, flat(n), std::span<const double>(params.begin(), params.size())); \
  }                                                                                        \
  template <Storage T>                                                                        \
  void name##_backward(const T* dy, const T* x, T* dx, std::size_t n,                     \
                       std::initializer_list<double> params) {                             \
    static const Op& o = entry(#name);                                                     \
    backward_impl(o, Saved::x, dy, x, dx, flat(n),                                         \
                  std::span<const double>(params.begin(), params.size()));                 \
  }                                                                                        \
  ACTFN_ELEMENTWISE_INSTANCES(name, float) ACTFN_ELEMENTWISE_INSTANCES(name, double)       \
  ACTFN_ELEMENTWISE_INSTANCES(name, float16) ACTFN_ELEMENTWISE_INSTANCES(name, bfloat16)
ACTFN_ELEMENTWISE_FUNCTIONS(ACTFN_DEFINE_ELEMENTWISE)
#undef ACTFN_DEFINE_ELEMENTWISE
#undef ACTFN_ELEMENTWISE_INSTANCES

template <Storage T> void tanh_backward_from_y(const T* dy, const T* y, T* dx, std::size_t n) {
  static const Op& o = entry("tanh");
  backward_impl(o, Saved::y, dy, y, dx, flat(n), {});
}

// PReLU per channel: each (outer, channel) block of `inner` values is the shared-weight
// kernel with that channel's weight.
template <Real T>
void prelu_channels(const T* x, const T* weight, T* y, Axis a) {
  static const Op& o = entry("prelu");
  const std::size_t count = checked_size(o, a);
  check_io(o, "y", y, "x", x, count);
  if (count == 0) return;
  if (weight == nullptr) fail(o, "weight is null with " + std::to_string(a.n) + " channels");
  for (std::size_t c = 0; c < a.n; ++c) check_params(o, std::span<const double>(std::array<double, 1>{double(weight[c])}));
  for (std::size_t b = 0; b < a.outer; ++b) {
    for (std::size_t c = 0; c < a.n; ++c) {
      const double w[detail::kMaxParams] = {static_cast<double>(weight[c])};  // kernels read all
      const std::size_t off = (b * a.n + c) * a.inner;
      detail::elementwise_table()[kernel_of(o)].fns<T>().forward(x + off, y + off, a.inner, w);
    }
  }
}

template <Real T>
void prelu_channels_backward(const T* dy, const T* x, const T* weight, T* dx, T* dweight, Axis a) {
  static const Op& o = entry("prelu");
  const std::size_t count = checked_size(o, a);
  check_io(o, "dx", dx, "dy", dy, count);
  check_io(o, "dx", dx, "x", x, count);
  if (count == 0) {
    for (std::size_t c = 0; c < a.n && dweight != nullptr; ++c) dweight[c] = 0;
    return;
  }
  if (weight == nullptr || dweight == nullptr) {
    fail(o, std::string(weight == nullptr ? "weight" : "dweight") + " is null with " +
                std::to_string(a.n) + " channels");
  }
  std::vector<double> sums(a.n, 0.0);  // dweight[c] = sum of dy * x over x <= 0
  for (std::size_t b = 0; b < a.outer; ++b) {
    for (std::size_t c = 0; c < a.n; ++c) {
      const std::size_t off = (b * a.n + c) * a.inner;
      for (std::size_t i = 0; i < a.inner; ++i) {
        const T xv = x[off + i];
        if (!(xv > 0)) sums[c] += static_cast<double>(dy[off + i]) * static_cast<double>(xv);
      }
    }
  }
  for (std::size_t b = 0; b < a.outer; ++b) {
    for (std::size_t c = 0; c < a.n; ++c) {
      const double w[detail::kMaxParams] = {static_cast<double>(weight[c])};  // kernels read all
      const std::size_t off = (b * a.n + c) * a.inner;
      detail::elementwise_table()[kernel_of(o)].fns<T>().backward_x(dy + off, x + off, dx + off,
                                                                   a.inner, w);
    }
  }
  for (std::size_t c = 0; c < a.n; ++c) dweight[c] = static_cast<T>(sums[c]);
}

// A generator whose output is fixed by the C++ standard (std::mt19937_64), mapped to [0, 1)
// by hand: std::uniform_real_distribution differs between standard libraries.
template <Real T>
void rrelu_train(const T* x, T* y, T* noise, std::size_t n, double lower, double upper,
                 unsigned long long seed) {
  static const Op& o = entry("rrelu");
  const double p[] = {lower, upper};
  check_params(o, p);
  check_io(o, "y", y, "x", x, n);
  check_io(o, "noise", noise, "x", x, n);
  if (n > 0 && (noise == x || noise == y)) fail(o, "noise must be its own array");
  std::mt19937_64 rng(seed);
  for (std::size_t i = 0; i < n; ++i) {
    const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;
    const T slope = x[i] > 0 ? T(1) : static_cast<T>(lower + (upper - lower) * u);
    noise[i] = slope;
    y[i] = x[i] * slope;
  }
}

template <Real T>
void rrelu_train_backward(const T* dy, const T* noise, T* dx, std::size_t n) {
  static const Op& o = entry("rrelu");
  check_io(o, "dx", dx, "dy", dy, n);
  check_io(o, "dx", dx, "noise", noise, n);
  for (std::size_t i = 0; i < n; ++i) dx[i] = dy[i] * noise[i];
}

template <Storage T> void softmin(const T* x, T* y, Axis a) {
  static const Op& o = entry("softmin");
  forward_impl(o, x, y, a, {});
}
template <Storage T> void softmin_backward(const T* dy, const T* y, T* dx, Axis a) {
  static const Op& o = entry("softmin");
  backward_impl(o, Saved::y, dy, y, dx, a, {});
}
template <Storage T> void logsumexp(const T* x, T* y, Axis a) {
  static const Op& o = entry("logsumexp");
  forward_impl(o, x, y, a, {});
}
template <Storage T> void logsumexp_backward(const T* dy, const T* x, T* dx, Axis a) {
  static const Op& o = entry("logsumexp");
  backward_impl(o, Saved::x, dy, x, dx, a, {});
}
template <Storage T> void sparsemax(const T* x, T* y, Axis a) {
  static const Op& o = entry("sparsemax");
  forward_impl(o, x, y, a, {});
}
template <Storage T> void sparsemax_backward(const T* dy, const T* y, T* dx, Axis a) {
  static const Op& o = entry("sparsemax");
  backward_impl(o, Saved::y, dy, y, dx, a, {});
}
template <Storage T> void entmax15(const T* x, T* y, Axis a) {
  static const Op& o = entry("entmax15");
  forward_impl(o, x, y, a, {});
}
template <Storage T> void entmax15_backward(const T* dy, const T* y, T* dx, Axis a) {
  static const Op& o = entry("entmax15");
  backward_impl(o, Saved::y, dy, y, dx, a, {});
}
template <Storage T>
void gumbel_softmax(const T* x, T* y, Axis a, double tau, bool hard, unsigned long long seed) {
  static const Op& o = entry("gumbel_softmax");
  const double p[] = {tau, hard ? 1.0 : 0.0, static_cast<double>(seed)};
  forward_impl(o, x, y, a, p);
}
template <Storage T>
void gumbel_softmax_backward(const T* dy, const T* x, T* dx, Axis a, double tau, bool hard,
                             unsigned long long seed) {
  static const Op& o = entry("gumbel_softmax");
  const double p[] = {tau, hard ? 1.0 : 0.0, static_cast<double>(seed)};
  backward_impl(o, Saved::x, dy, x, dx, a, p);
}

#define ACTFN_GATED_INSTANCES(name, T)                                                     \
  template void name<T>(const T*, const T*, T*, std::size_t, std::initializer_list<double>); \
  template void name##_backward<T>(const T*, const T*, const T*, T*, T*, std::size_t,      \
                                   std::initializer_list<double>);
#define ACTFN_DEFINE_GATED(name)                                                           \
  template <Storage T>                                                                        \
  void name(const T* a, const T* b, T* y, std::size_t n, std::initializer_list<double> params) { \
    static const Op& o = entry(#name);                                                     \
    const Params p = check_params(o, std::span<const double>(params.begin(), params.size())); \
    check_apart(o, "y", y, n, "a", a, n);                                                  \
    check_apart(o, "y", y, n, "b", b, n);                                                  \
    if (n > 0) gated_forward_any(o, a, b, y, n, p.v);                                                \
  }                                                                                        \
  template <Storage T>                                                                        \
  void name##_backward(const T* dy, const T* a, const T* b, T* da, T* db, std::size_t n,  \
                       std::initializer_list<double> params) {                             \
    static const Op& o = entry(#name);                                                     \
    const Params p = check_params(o, std::span<const double>(params.begin(), params.size())); \
    check_io(o, "da", da, "a", a, n);                                                      \
    check_io(o, "db", db, "b", b, n);                                                      \
    check_apart(o, "da", da, n, "db", db, n);                                              \
    check_apart(o, "da", da, n, "dy", dy, n + 1);                                          \
    check_apart(o, "db", db, n, "dy", dy, n + 1);                                          \
    if (n > 0) gated_backward_any(o, dy, a, b, da, db, n, p.v);                                      \
  }                                                                                        \
  ACTFN_GATED_INSTANCES(name, float) ACTFN_GATED_INSTANCES(name, double)                 \
  ACTFN_GATED_INSTANCES(name, float16) ACTFN_GATED_INSTANCES(name, bfloat16)
ACTFN_GATED_FUNCTIONS(ACTFN_DEFINE_GATED)
#undef ACTFN_DEFINE_GATED
#undef ACTFN_GATED_INSTANCES

// ---- softmax with options: the masks and the scale are applied to a copy of x (broadcast as
// numpy does), which the plain kernel then takes with {scale 1, safe}.
namespace {

// For each element of `shape`, the offset of the element of `mshape` broadcast onto it.
std::vector<std::size_t> broadcast_offsets(const Op& op, std::span<const std::size_t> shape,
                                           std::span<const std::size_t> mshape, const char* what) {
  const auto text = [](std::span<const std::size_t> s) {
    std::string t = "(";
    for (std::size_t i = 0; i < s.size(); ++i) t += (i ? ", " : "") + std::to_string(s[i]);
    return t + (s.size() == 1 ? ",)" : ")");
  };
  if (mshape.size() > shape.size()) {
    fail(op, std::string(what) + " shape " + text(mshape) + " has more dimensions than " +
                 text(shape));
  }
  const std::size_t r = shape.size(), lead = r - mshape.size();
  std::vector<std::size_t> stride(r, 0);
  std::size_t st = 1;
  for (std::size_t i = r; i-- > lead;) {
    const std::size_t m = mshape[i - lead];
    if (m != shape[i] && m != 1) {
      fail(op, std::string(what) + " shape " + text(mshape) + " does not broadcast against " +
                   text(shape));
    }
    stride[i] = m == 1 ? 0 : st;
    st *= m;
  }
  std::size_t total = 1;
  for (std::size_t v : shape) total *= v;
  std::vector<std::size_t> off(total);
  std::vector<std::size_t> idx(r, 0);
  std::size_t cur = 0;
  for (std::size_t k = 0; k < total; ++k) {
    off[k] = cur;
    for (std::size_t i = r; i-- > 0;) {  // odometer
      if (++idx[i] < shape[i]) {
        cur += stride[i];
        break;
      }
      cur -= stride[i] * (shape[i] - 1);
      idx[i] = 0;
    }
  }
  return off;
}

template <Real T>
struct Masked {
  std::vector<T> x;            // scale x + additive, -inf where masked
  std::vector<bool> dropped;   // masked entries (their gradient is 0)
};

template <Real T>
Masked<T> apply_options(const Op& op, const T* x, std::span<const std::size_t> shape,
                        const SoftmaxOptions<T>& opt) {
  const Axis a = along(shape, -1);
  const std::size_t count = checked_size(op, a);
  if (count > 0 && x == nullptr) fail(op, "x is null with " + std::to_string(count) + " elements");
  if (!(std::isfinite(opt.scale))) fail(op, "scale = " + python_repr(opt.scale) + " is not finite");
  Masked<T> m;
  m.x.resize(count);
  m.dropped.assign(count, false);
  std::vector<std::size_t> aoff, moff;
  if (opt.additive_mask != nullptr) aoff = broadcast_offsets(op, shape, opt.additive_mask_shape, "additive mask");
  if (opt.mask != nullptr) moff = broadcast_offsets(op, shape, opt.mask_shape, "mask");
  for (std::size_t i = 0; i < count; ++i) {
    T v = opt.scale == 1 ? x[i] : static_cast<T>(x[i] * opt.scale);
    if (opt.additive_mask != nullptr) v += opt.additive_mask[aoff[i]];
    if (opt.mask != nullptr && !opt.mask[moff[i]]) {
      v = -std::numeric_limits<T>::infinity();
      m.dropped[i] = true;
    }
    m.x[i] = v;
  }
  return m;
}

template <Real T>
void softmax_with(const char* name, const T* x, T* y, std::span<const std::size_t> shape, int axis,
                  const SoftmaxOptions<T>& opt) {
  const Op& o = entry(name);
  const Axis a = along(shape, axis);
  check_io(o, "y", y, "x", x, checked_size(o, a));
  const Masked<T> m = apply_options(o, x, shape, opt);
  const double p[] = {1, opt.safe ? 1.0 : 0.0};
  forward_impl(o, m.x.data(), y, a, p);
}

template <Real T>
void softmax_backward_with(const char* name, const T* dy, const T* y, T* dx,
                           std::span<const std::size_t> shape, int axis,
                           const SoftmaxOptions<T>& opt) {
  const Op& o = entry(name);
  const Axis a = along(shape, axis);
  const double p[] = {opt.scale, opt.safe ? 1.0 : 0.0};
  backward_impl(o, Saved::y, dy, y, dx, a, p);
  if (opt.mask == nullptr) return;
  const auto moff = broadcast_offsets(o, shape, opt.mask_shape, "mask");
  for (std::size_t i = 0; i < moff.size(); ++i)
    if (!opt.mask[moff[i]]) dx[i] = 0;
}

}  // namespace

template <Real T>
void softmax(const T* x, T* y, std::span<const std::size_t> shape, int axis,
             const SoftmaxOptions<T>& options) {
  softmax_with("softmax", x, y, shape, axis, options);
}
template <Real T>
void log_softmax(const T* x, T* y, std::span<const std::size_t> shape, int axis,
                 const SoftmaxOptions<T>& options) {
  softmax_with("log_softmax", x, y, shape, axis, options);
}
template <Real T>
void softmax_backward(const T* dy, const T* y, T* dx, std::span<const std::size_t> shape,
                      int axis, const SoftmaxOptions<T>& options) {
  softmax_backward_with("softmax", dy, y, dx, shape, axis, options);
}
template <Real T>
void log_softmax_backward(const T* dy, const T* y, T* dx, std::span<const std::size_t> shape,
                          int axis, const SoftmaxOptions<T>& options) {
  softmax_backward_with("log_softmax", dy, y, dx, shape, axis, options);
}

// Explicit instantiations: the typed API exists for float and double, most of it for float16
// and bfloat16 too.
#define ACTFN_INSTANTIATE_STORAGE(T)                                                 \
  template T identity<T>(T);                                                         \
  template void identity<T>(const T*, T*, std::size_t);                             \
  template void identity_backward<T>(const T*, const T*, T*, std::size_t);          \
  template T relu<T>(T);                                                             \
  template void relu<T>(const T*, T*, std::size_t);                                 \
  template void relu_backward<T>(const T*, const T*, T*, std::size_t);              \
  template T leaky_relu<T>(T, T);                                                    \
  template void leaky_relu<T>(const T*, T*, std::size_t, T);                        \
  template void leaky_relu_backward<T>(const T*, const T*, T*, std::size_t, T);     \
  template T sigmoid<T>(T);                                                          \
  template void sigmoid<T>(const T*, T*, std::size_t);                              \
  template void sigmoid_backward<T>(const T*, const T*, T*, std::size_t);           \
  template void sigmoid_backward_from_y<T>(const T*, const T*, T*, std::size_t);    \
  template void softmax<T>(const T*, T*, Axis);                                     \
  template void softmax<T>(std::span<const T>, std::span<T>);                       \
  template void softmax_backward<T>(const T*, const T*, T*, Axis);                  \
  template void log_softmax<T>(const T*, T*, Axis);                                 \
  template void log_softmax<T>(std::span<const T>, std::span<T>);                   \
  template void log_softmax_backward<T>(const T*, const T*, T*, Axis);                \
  template void tanh_backward_from_y<T>(const T*, const T*, T*, std::size_t);       \
  template void softmin<T>(const T*, T*, Axis);                                     \
  template void softmin_backward<T>(const T*, const T*, T*, Axis);                  \
  template void logsumexp<T>(const T*, T*, Axis);                                   \
  template void logsumexp_backward<T>(const T*, const T*, T*, Axis);                \
  template void sparsemax<T>(const T*, T*, Axis);                                   \
  template void sparsemax_backward<T>(const T*, const T*, T*, Axis);                \
  template void entmax15<T>(const T*, T*, Axis);                                    \
  template void entmax15_backward<T>(const T*, const T*, T*, Axis);                 \
  template void gumbel_softmax<T>(const T*, T*, Axis, double, bool, unsigned long long); \
  template void gumbel_softmax_backward<T>(const T*, const T*, T*, Axis, double, bool, \
                                           unsigned long long);
#define ACTFN_INSTANTIATE_REAL(T)                                                    \
  template void prelu_channels<T>(const T*, const T*, T*, Axis);                    \
  template void prelu_channels_backward<T>(const T*, const T*, const T*, T*, T*, Axis); \
  template void rrelu_train<T>(const T*, T*, T*, std::size_t, double, double,       \
                               unsigned long long);                                 \
  template void rrelu_train_backward<T>(const T*, const T*, T*, std::size_t);        \
  template void softmax<T>(const T*, T*, std::span<const std::size_t>, int,        \
                           const SoftmaxOptions<T>&);                               \
  template void log_softmax<T>(const T*, T*, std::span<const std::size_t>, int,    \
                               const SoftmaxOptions<T>&);                           \
  template void softmax_backward<T>(const T*, const T*, T*, std::span<const std::size_t>, \
                                    int, const SoftmaxOptions<T>&);                 \
  template void log_softmax_backward<T>(const T*, const T*, T*,                     \
                                        std::span<const std::size_t>, int,          \
                                        const SoftmaxOptions<T>&);
ACTFN_INSTANTIATE_STORAGE(float)
ACTFN_INSTANTIATE_STORAGE(double)
ACTFN_INSTANTIATE_STORAGE(float16)
ACTFN_INSTANTIATE_STORAGE(bfloat16)
ACTFN_INSTANTIATE_REAL(float)
ACTFN_INSTANTIATE_REAL(double)
#undef ACTFN_INSTANTIATE_STORAGE
#undef ACTFN_INSTANTIATE_REAL

}  // namespace actfn
