// The peers of bench/compare.cc: the article's plain loop, Eigen, oneDNN and XNNPACK, each
// compiled in only where CMake found it (ACTFN_HAVE_EIGEN, ACTFN_HAVE_DNNL, ACTFN_HAVE_XNNPACK).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace peers {

// out = f(x) (forward) or f'(from y = x) * dy (the backward cases); n elements, rows of the
// function's row length for the softmax family.
using Impl = std::function<void(const float* x, const float* dy, float* out, std::size_t n)>;

void init(int threads);
std::string available();
// Every peer's implementation of `function` ("sigmoid", "softmax/1024", "sigmoid_backward", ...).
std::vector<std::pair<std::string, Impl>> implementations(const std::string& function);
// y[i] = x[i] + 0 (not a memcpy: -0 + 0 is +0), vectorized by the compiler: the copy loop.
void copy_loop(const float* x, float* y, std::size_t n);
// Whether the implementation uses more than one thread when init was given several.
bool threaded(const std::string& impl);

}  // namespace peers
