// libFuzzer target: the array API. A random elementwise function, dtype, length (0 to 3000),
// alignment offset, in place or not, either accuracy tier, parameters at the edges of their
// ranges and beyond, and random bit patterns as values. A call with invalid parameters must
// throw actfn::Error and leave the output untouched; a valid one must match the long double reference within 4x the
// documented bound + 4 ULP (the fuzzer hunts wrong branches and overflows, not last bits),
// with NaN exactly where the reference is NaN.
#include <fuzzer/FuzzedDataProvider.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "actfn/actfn.hpp"
#include "reference.h"
#include "ulp.h"
#include "fuzz_init.h"

namespace {

using namespace actfn;

template <class T>
void check(FuzzedDataProvider& fd, const test::ElementwiseRef& r, const Op& o) {
  std::vector<double> p;
  for (const auto& q : o.params) {
    switch (fd.ConsumeIntegralInRange<int>(0, 5)) {
      case 0: p.push_back(q.def); break;
      case 1: p.push_back(std::max(q.min, -1e3)); break;
      case 2: p.push_back(std::min(q.max, 1e3)); break;
      case 3: p.push_back(std::nextafter(q.min, -INFINITY)); break;  // just out of range
      case 4: p.push_back(fd.ConsumeFloatingPointInRange<double>(-100, 100)); break;
      default: p.push_back(std::nan("")); break;
    }
  }
  const std::size_t n = fd.ConsumeIntegralInRange<std::size_t>(0, 3000);
  const std::size_t off = fd.ConsumeIntegralInRange<std::size_t>(0, 7);
  const bool in_place = fd.ConsumeBool();
  const bool grad = fd.ConsumeBool();
  const Accuracy acc = fd.ConsumeBool() ? Accuracy::fast : Accuracy::exact;
  std::vector<T> xb(n + off), yb(n + off, T(-77));
  for (std::size_t i = 0; i < n; ++i) {
    using U = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
    const U bits = fd.ConsumeIntegral<U>();
    T v;
    std::memcpy(&v, &bits, sizeof(T));
    xb[off + i] = fd.ConsumeBool() ? v : static_cast<T>(fd.ConsumeFloatingPointInRange<double>(-50, 50));
  }
  const std::vector<T> x(xb);
  T* y = in_place ? xb.data() + off : yb.data() + off;
  const std::vector<T> before(in_place ? xb : yb);
  const std::vector<T> dy(n + off, T(0.75));
  try {
    if (grad) {
      backward(o, Saved::x, dy.data() + off, x.data() + off, y, Axis{1, n, 1}, p, acc);
    } else {
      forward(o, x.data() + off, y, Axis{1, n, 1}, p, acc);
    }
  } catch (const Error&) {
    if (!before.empty() &&
        std::memcmp((in_place ? xb : yb).data(), before.data(), before.size() * sizeof(T)) != 0) {
      std::fprintf(stderr, "%s wrote to its output while failing\n", r.name.data());
      std::abort();
    }
    return;
  }
  const Op::Bound& fb = o.bound(acc);  // forward, in the tier
  const double bound = 4 * ((sizeof(T) == 4) ? (grad ? r.grad_ulp32 : fb.f32) : (grad ? r.grad_ulp64 : fb.f64)) + 4;
  for (std::size_t i = 0; i < n; ++i) {
    const long double xi = x[off + i];
    const long double want = grad ? 0.75L * r.df(xi, p.data()) : r.f(xi, p.data());
    const T got = y[i];
    if (std::isnan(want) != std::isnan(got)) {
      std::fprintf(stderr, "%s%s(%.17g): got %.17g, want %.17Lg\n", r.name.data(), grad ? "'" : "",
                   static_cast<double>(xi), static_cast<double>(got), want);
      std::abort();
    }
    // Backward: terms of f' scale with the parameters (xielu's alpha_n (e^x - 1) + beta
    // cancels): errors are judged against |dy| (1 + sum |p|).
    long double psum = 0;
    for (double v : p) psum += std::fabs(static_cast<long double>(v));
    const long double floor = grad ? 0.75L * (1 + psum) : (r.floor ? r.floor(xi, p.data()) : 0.0L);
    const double e = test::ulp_error_floor(got, want, floor);
    if (e > bound) {
      std::fprintf(stderr, "%s%s(%.17g) params", r.name.data(), grad ? "'" : "", static_cast<double>(xi));
      for (double v : p) std::fprintf(stderr, " %.17g", v);
      std::fprintf(stderr, " (%s): got %.17g, want %.17Lg (%g ULP > %g)\n", sizeof(T) == 4 ? "f32" : "f64",
                   static_cast<double>(got), want, e, bound);
      std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider fd(data, size);
  const auto& r = test::kElementwise[fd.ConsumeIntegralInRange<std::size_t>(0, std::size(test::kElementwise) - 1)];
  const Op& o = op(r.name);
  if (fd.ConsumeBool()) {
    check<float>(fd, r, o);
  } else {
    check<double>(fd, r, o);
  }
  return 0;
}
