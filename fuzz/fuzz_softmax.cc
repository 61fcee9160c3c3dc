// libFuzzer target: the functions along an axis. Random shapes (rank 1 to 3), axes, values
// (random bit patterns too), scale, safe mode, masks broadcast from the last dimension or
// the full shape. Checks: no crash; probabilities in [0, 1]; a row with a NaN is all NaN;
// a row with a finite maximum sums to 1; masked entries are 0; errors throw actfn::Error.
#include <fuzzer/FuzzedDataProvider.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <numeric>
#include <vector>

#include "actfn/actfn.hpp"
#include "fuzz_init.h"

using namespace actfn;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider fd(data, size);
  // Every function along an axis or reducing one, from the registry, but the positional ones
  // (gumbel_softmax: its noise is tested in test_softmax.cc).
  static const std::vector<const Op*> fns = [] {
    std::vector<const Op*> v;
    for (const Op& o : ops())
      if ((o.kind == Kind::axis || o.kind == Kind::reduce) && !o.positional) v.push_back(&o);
    return v;
  }();
  const Op& o = *fns[fd.ConsumeIntegralInRange<std::size_t>(0, fns.size() - 1)];
  const std::string name(o.name);
  const std::size_t rank = fd.ConsumeIntegralInRange<std::size_t>(1, 3);
  std::vector<std::size_t> shape(rank);
  for (auto& s : shape) s = fd.ConsumeIntegralInRange<std::size_t>(0, 9);
  const std::size_t total = std::accumulate(shape.begin(), shape.end(), std::size_t{1}, std::multiplies<>());
  const int axis = fd.ConsumeIntegralInRange<int>(-static_cast<int>(rank) - 1, static_cast<int>(rank));
  std::vector<double> x(total);
  for (auto& v : x) {
    const uint64_t bits = fd.ConsumeIntegral<uint64_t>();
    double r;
    std::memcpy(&r, &bits, 8);
    v = fd.ConsumeBool() ? r : fd.ConsumeFloatingPointInRange<double>(-40, 40);
  }
  const double scale = fd.ConsumeBool() ? 1.0 : fd.ConsumeFloatingPointInRange<double>(-10, 10);
  const bool safe = fd.ConsumeBool();
  const Accuracy acc = fd.ConsumeBool() ? Accuracy::fast : Accuracy::exact;
  Axis a;
  try {
    a = along(shape, axis);
  } catch (const Error&) {
    return 0;  // a bad axis is an error, not a crash
  }
  const bool reduce = o.kind == Kind::reduce;
  std::vector<double> y(reduce ? a.outer * a.inner : total, -77.0);
  const bool masked = o.softmax_options && fd.ConsumeBool();
  std::unique_ptr<bool[]> mask;
  const bool full_mask = fd.ConsumeBool();
  const std::size_t mask_size = full_mask ? total : shape.back();
  try {
    if (masked) {
      mask.reset(new bool[std::max<std::size_t>(mask_size, 1)]);
      for (std::size_t i = 0; i < mask_size; ++i) mask[i] = fd.ConsumeBool();
      SoftmaxOptions<double> opt;
      opt.scale = scale;
      opt.safe = safe;
      opt.mask = mask.get();
      const std::size_t last[] = {shape.back()};
      opt.mask_shape = full_mask ? std::span<const std::size_t>(shape) : std::span<const std::size_t>(last);
      forward(o, x.data(), y.data(), shape, axis, opt, acc);
    } else {
      std::vector<double> p;
      if (o.softmax_options) p = {scale, safe ? 1.0 : 0.0};
      forward(o, x.data(), y.data(), a, p, acc);
    }
  } catch (const Error&) {
    return 0;
  }
  if (reduce || o.id == Fn::log_softmax) return 0;  // log-probabilities
  // Probabilities: in [0, 1] or NaN; rows of a finite maximum sum to 1.
  for (std::size_t ou = 0; ou < a.outer; ++ou) {
    for (std::size_t i = 0; i < a.inner; ++i) {
      double s = 0;
      bool any_nan = false;
      for (std::size_t k = 0; k < a.n; ++k) {
        const double v = y[(ou * a.n + k) * a.inner + i];
        if (std::isnan(v)) {
          any_nan = true;
          continue;
        }
        if (!(v >= 0 && v <= 1)) {
          std::fprintf(stderr, "%s gave %g, not a probability\n", name.c_str(), v);
          std::abort();
        }
        s += v;
      }
      if (any_nan) {
        for (std::size_t k = 0; k < a.n; ++k) {
          if (!std::isnan(y[(ou * a.n + k) * a.inner + i])) {
            std::fprintf(stderr, "%s: a row with NaN is not all NaN\n", name.c_str());
            std::abort();
          }
        }
      } else if (a.n > 0 && s != 0 && std::fabs(s - 1) > 1e-9) {
        std::fprintf(stderr, "%s: a row sums to %.17g\n", name.c_str(), s);
        std::abort();
      }
    }
  }
  return 0;
}
