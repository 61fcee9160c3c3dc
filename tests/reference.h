// The tests' side of the registry: for each function, its long double reference (from its
// kernel file) and the error bounds the tests enforce. One line per function; the registry
// test fails when a registered function has no line here, or a line names no function.
//
// The bounds are measured maxima over tests/testing.h's samples (special values, a dense grid
// on [-40, 40], 20000 random values in [-20, 20] and 20000 random bit patterns, at the default
// and other parameters, on every target), rounded up to whole ULP:
// `ACTFN_REPORT=1 build/tests/actfn_tests --gtest_filter='*MatchesRef*'` prints them. f32 is
// computed in f64 and rounded once (src/map-inl.h), so its transcendental functions are
// correctly rounded on all the samples; their bound says 1, as the rounding of an f64 result
// that is itself a few f64 ULP off can land on the other side once in a while.
#pragma once

#include <cmath>
#include <cstddef>
#include <string_view>

#define ACTFN_REFERENCE_ONLY
#include "kernels/elu-inl.h"
#include "kernels/gelu-inl.h"
#include "kernels/other-inl.h"
#include "kernels/relu-inl.h"
#include "kernels/sigmoid-inl.h"
#include "kernels/softmax-inl.h"
#include "kernels/softplus-inl.h"
#include "kernels/tanh-inl.h"
#undef ACTFN_REFERENCE_ONLY

namespace actfn::test {

using RefFn = long double (*)(long double x, const double* params);

// Functions with zeros away from x = 0 (x cos x at pi/2) cannot be relatively accurate there
// without exact range reduction; their error is measured in ULP of max(|y|, floor(x)).
inline long double floor_abs_x(long double x, const double*) { return std::fabs(x); }
// xielu's terms alpha_n (expm1(x) - x) and beta x cancel where it crosses 0: their size.
inline long double floor_xielu(long double x, const double* p) {
  return (1 + std::fabs(x)) * (std::fabs(p[0]) + std::fabs(p[1]) + std::fabs(p[2]));
}
inline long double floor_snake(long double x, const double* p) { return std::fabs(x) + 1 / p[0]; }
inline long double floor_param0(long double, const double* p) { return std::fabs(p[0]); }

// Bounds in ULP of the output type against the reference rounded to that type: forward f32,
// forward f64, backward (dx = dy * f'(x)) f32, backward f64. Backward errors are measured in
// ULP of max(|dx|, |dy|): where f' crosses 0 (silu'(-1.28)) its terms cancel, and dy * O(1)
// is the natural scale.
struct ElementwiseRef {
  std::string_view name;
  RefFn f, df;
  double ulp32, ulp64, grad_ulp32, grad_ulp64;
  RefFn floor = nullptr;
  RefFn dfy = nullptr;  // f' as a function of y, for functions whose backward can read y
};

inline long double sigmoid_dfy(long double y, const double*) { return y * (1 - y); }
inline long double tanh_dfy(long double y, const double*) { return 1 - y * y; }

inline constexpr ElementwiseRef kElementwise[] = {
    {"identity", ref::identity, ref::identity_grad, 0, 0, 0, 0},
    {"relu", ref::relu, ref::relu_grad, 0, 0, 0, 0},
    {"leaky_relu", ref::leaky_relu, ref::leaky_relu_grad, 1, 1, 1, 1},
    {"prelu", ref::prelu, ref::prelu_grad, 1, 1, 1, 0},
    {"rrelu", ref::rrelu, ref::rrelu_grad, 1, 1, 1, 1},
    {"relu6", ref::relu6, ref::relu6_grad, 0, 0, 0, 0},
    {"hardtanh", ref::hardtanh, ref::hardtanh_grad, 0, 0, 0, 0},
    {"threshold", ref::threshold, ref::threshold_grad, 0, 0, 0, 0},
    {"hardshrink", ref::hardshrink, ref::hardshrink_grad, 0, 0, 0, 0},
    {"softshrink", ref::softshrink, ref::softshrink_grad, 0, 0, 0, 0},
    {"squared_relu", ref::squared_relu, ref::squared_relu_grad, 0, 1, 0, 1},
    {"elu", ref::elu, ref::elu_grad, 1, 2, 1, 2},
    {"selu", ref::selu, ref::selu_grad, 1, 3, 1, 3},
    {"celu", ref::celu, ref::celu_grad, 1, 3, 1, 2},
    {"xielu", ref::xielu, ref::xielu_grad, 1, 4, 1, 4, floor_xielu},
    {"isru", ref::isru, ref::isru_grad, 1, 2, 1, 4},
    {"isrlu", ref::isrlu, ref::isrlu_grad, 1, 2, 1, 4},
    {"gelu", ref::gelu, ref::gelu_grad, 1, 8, 1, 3},
    {"quick_gelu", ref::quick_gelu, ref::quick_gelu_grad, 1, 3, 1, 3},
    {"sigmoid", ref::sigmoid, ref::sigmoid_grad, 1, 2, 1, 1, nullptr, sigmoid_dfy},
    {"logsigmoid", ref::logsigmoid, ref::logsigmoid_grad, 1, 2, 1, 2},
    {"hardsigmoid", ref::hardsigmoid, ref::hardsigmoid_grad, 1, 1, 1, 1},
    {"silu", ref::silu, ref::silu_grad, 1, 3, 1, 3},
    {"swish", ref::swish, ref::swish_grad, 1, 3, 1, 3},
    {"hardswish", ref::hardswish, ref::hardswish_grad, 1, 1, 1, 2},
    {"mish", ref::mish, ref::mish_grad, 1, 3, 1, 3},
    {"sparse_sigmoid", ref::sparse_sigmoid, ref::sparse_sigmoid_grad, 0, 0, 0, 0},
    {"elish", ref::elish, ref::elish_grad, 1, 2, 1, 3},
    {"ftswish", ref::ftswish, ref::ftswish_grad, 1, 4, 1, 3, floor_param0},
    {"bipolar_sigmoid", ref::bipolar_sigmoid, ref::bipolar_sigmoid_grad, 1, 3, 1, 2},
    {"tanh", ref::tanh, ref::tanh_grad, 1, 3, 1, 3, nullptr, tanh_dfy},
    {"softsign", ref::softsign, ref::softsign_grad, 1, 1, 1, 3},
    {"tanhshrink", ref::tanhshrink, ref::tanhshrink_grad, 1, 4, 1, 3},
    {"softcap", ref::softcap, ref::softcap_grad, 1, 4, 1, 3},
    {"lisht", ref::lisht, ref::lisht_grad, 1, 3, 1, 3},
    {"tanhexp", ref::tanhexp, ref::tanhexp_grad, 1, 3, 1, 2},
    {"softplus", ref::softplus, ref::softplus_grad, 1, 3, 1, 2},
    {"squareplus", ref::squareplus, ref::squareplus_grad, 1, 2, 1, 2},
    {"sparse_plus", ref::sparse_plus, ref::sparse_plus_grad, 1, 2, 1, 1},
    {"shifted_softplus", ref::shifted_softplus, ref::shifted_softplus_grad, 1, 3, 1, 2},
    {"snake", ref::snake, ref::snake_grad, 1, 2, 1, 9, floor_snake},
    {"gcu", ref::gcu, ref::gcu_grad, 1, 3, 1, 5, floor_abs_x},
    {"gaussian", ref::gaussian, ref::gaussian_grad, 1, 1, 1, 2},
    {"hyper_sinh", ref::hyper_sinh, ref::hyper_sinh_grad, 1, 4, 1, 4},
    {"inverse_quadratic", ref::inverse_quadratic, ref::inverse_quadratic_grad, 1, 4, 1, 2},
    {"multi_quadratic", ref::multi_quadratic, ref::multi_quadratic_grad, 1, 2, 1, 3},
    {"quadratic", ref::quadratic, ref::quadratic_grad, 1, 1, 1, 1},
    {"poisson1", ref::poisson1, ref::poisson1_grad, 1, 2, 1, 2},
    {"spline", ref::spline, ref::spline_grad, 1, 2, 1, 3},
    {"sqnl", ref::sqnl, ref::sqnl_grad, 1, 1, 1, 1},
};

using RowRefFn = void (*)(const long double* x, long double* y, std::size_t n);
using RowBackFn = void (*)(const long double* dy, const long double* y, long double* dx,
                           std::size_t n);

inline void softmax_back(const long double* dy, const long double* y, long double* dx,
                         std::size_t n) {
  long double c = 0;
  for (std::size_t i = 0; i < n; ++i) c += dy[i] * y[i];
  for (std::size_t i = 0; i < n; ++i) dx[i] = y[i] * (dy[i] - c);
}
inline void softmin_back(const long double* dy, const long double* y, long double* dx,
                         std::size_t n) {
  softmax_back(dy, y, dx, n);
  for (std::size_t i = 0; i < n; ++i) dx[i] = -dx[i];
}
inline void log_softmax_back(const long double* dy, const long double* y, long double* dx,
                             std::size_t n) {
  long double c = 0;
  for (std::size_t i = 0; i < n; ++i) c += dy[i];
  for (std::size_t i = 0; i < n; ++i) dx[i] = dy[i] - std::exp(y[i]) * c;
}
inline void sparsemax_back(const long double* dy, const long double* y, long double* dx,
                           std::size_t n) {
  long double s = 0, k = 0;
  for (std::size_t i = 0; i < n; ++i)
    if (y[i] > 0) s += dy[i], k += 1;
  for (std::size_t i = 0; i < n; ++i) dx[i] = y[i] > 0 ? dy[i] - s / k : 0;
}
inline void entmax15_back(const long double* dy, const long double* y, long double* dx,
                          std::size_t n) {
  long double num = 0, den = 0;
  for (std::size_t i = 0; i < n; ++i) {
    num += std::sqrt(y[i]) * dy[i];
    den += std::sqrt(y[i]);
  }
  for (std::size_t i = 0; i < n; ++i) dx[i] = std::sqrt(y[i]) * (dy[i] - num / den);
}

// Functions along an axis, same shape in and out. Bounds: ULP of each output where `relative`,
// else absolute, in units of eps (the sparse maps and log_softmax: outputs near 0 come from a
// difference and carry an absolute error).
struct AxisRef {
  std::string_view name;
  RowRefFn f;
  RowBackFn back;
  double ulp32, ulp64;
  bool relative;
  bool shift_exact;  // integer inputs shifted by a constant give the same bits
};

inline constexpr AxisRef kAxis[] = {
    {"softmax", ref::softmax, softmax_back, 4, 4, true, true},
    {"log_softmax", ref::log_softmax, log_softmax_back, 4, 4, false, true},
    {"softmin", ref::softmin, softmin_back, 4, 4, true, true},
    {"sparsemax", ref::sparsemax, sparsemax_back, 4, 8, false, false},
    {"entmax15", ref::entmax15, entmax15_back, 4, 8, false, false},
};

// Reductions (one value per line), and functions tested on their own (test_softmax.cc).
inline constexpr std::string_view kReduce[] = {"logsumexp"};
inline constexpr std::string_view kGated[] = {"glu", "swiglu", "geglu", "reglu"};
inline constexpr std::string_view kOwnTests[] = {"gumbel_softmax"};

}  // namespace actfn::test
