// actfn-compare: actfn and every peer library installed at build time, measured in one run on
// the same inputs, sizes and thread count. bench/compare (the driver) runs it once per thread
// count, adds the Python peers and writes docs/performance.md.
//
//   actfn-compare [--threads T] [--quick] [--filter NAME] [--target AVX2]
//
// actfn runs as two implementations, its tiers: "actfn" (Accuracy::exact) and "actfn-fast"
// (Accuracy::fast). --target restricts actfn's run-time dispatch to one Highway target (AVX2:
// what most users' CPUs run; the C++ peers are compiled for the build's ACTFN_PEERS_MARCH).
//
// Prints one tab-separated line per measurement:
//   function  impl  n  ns_per_elt  max_ulp
// ns_per_elt: the best of 5 batches of calls (each batch >= 20 ms, or one call); max_ulp: the
// largest error over 2^18 inputs spread over every binade of [-128, 128] (softmax: rows of
// logits in [-60, 60]), in float32 ULP of the reference (actfn's float64 result rounded to
// float32, itself within 1 float64 ULP); "inf" when some result is NaN or infinite where the
// reference is finite, or 0 where it is not. Peers: the article's plain C++ loop (std::exp),
// Eigen's array expressions, oneDNN's eltwise/softmax primitives, XNNPACK's operators; each is
// compiled in only if CMake found it (compare-peers.cc).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "actfn/actfn.hpp"
#include "compare-peers.h"
#include "hwy/targets.h"

namespace {

using Clock = std::chrono::steady_clock;

// Best of 5 batches, ns per element.
double time_per_elt(const std::function<void()>& call, std::size_t n) {
  call();  // warm: pages touched, code and tables loaded
  const auto t0 = Clock::now();
  call();
  const double once = std::chrono::duration<double>(Clock::now() - t0).count();
  const long reps = std::max(1L, static_cast<long>(0.02 / std::max(once, 1e-9)));
  double best = 1e300;
  for (int b = 0; b < 5; ++b) {
    const auto s = Clock::now();
    for (long r = 0; r < reps; ++r) call();
    const double t = std::chrono::duration<double>(Clock::now() - s).count() / reps;
    best = std::min(best, t);
  }
  return best * 1e9 / static_cast<double>(n);
}

// |y - r| in ULP of r (float32), r finite; subnormal ULP below 2^-126.
double ulp_error(float y, double r) {
  const double ar = std::fabs(r);
  if (!std::isfinite(y)) return std::isfinite(r) ? INFINITY : (y == r ? 0 : INFINITY);
  if (!std::isfinite(r)) return INFINITY;
  int e = 0;
  std::frexp(ar, &e);  // ar in [2^(e-1), 2^e)
  const double ulp = std::ldexp(1.0, std::max(e - 24, -149));
  return std::fabs(static_cast<double>(y) - r) / ulp;
}

enum class Dtype { f32, f16, bf16 };

struct Case {
  std::string function;  // as printed
  std::string op;        // actfn's name
  std::size_t row;       // softmax family: row length; 0 for elementwise
  bool backward;         // dx = dy f'(saved): from y (sigmoid's) or, with from_x, from x
  bool from_x = false;
  Dtype dtype = Dtype::f32;  // 16-bit arrays: actfn alone, no ULP column
  // A fraction (10%) of the inputs drawn from [sub_lo, sub_hi], where the results are
  // subnormal: what not flushing them costs. 0 = none.
  double sub_lo = 0, sub_hi = 0;
  std::string peer = {};  // the peers' name of the case, when it differs from `function`
};

// Uniform in [-5, 5]; with a subnormal range, every tenth input from it instead.
std::vector<float> bench_inputs(std::size_t n, unsigned seed, const Case* c = nullptr) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-5, 5);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  if (c != nullptr && c->sub_lo < c->sub_hi) {
    std::uniform_real_distribution<float> s(static_cast<float>(c->sub_lo), static_cast<float>(c->sub_hi));
    for (std::size_t i = 0; i < n; i += 10) v[i] = s(rng);
  }
  return v;
}

// Every binade of [-128, 128] and 0 (elementwise); logits in [-60, 60] (rows).
std::vector<float> accuracy_inputs(const Case& c, std::size_t n) {
  std::mt19937 rng(7);
  std::vector<float> v(n);
  if (c.row) {
    std::uniform_real_distribution<float> u(-60, 60);
    for (auto& x : v) x = u(rng);
  } else {
    std::uniform_real_distribution<double> e(-24, 7);
    for (auto& x : v) x = static_cast<float>((rng() & 1 ? 1 : -1) * std::exp2(e(rng)));
    v[0] = 0;
    if (c.sub_lo < c.sub_hi) {  // and the subnormal results, as the timed inputs have them
      std::uniform_real_distribution<double> s(c.sub_lo, c.sub_hi);
      for (std::size_t i = 1; i < n; i += 10) v[i] = static_cast<float>(s(rng));
    }
  }
  return v;
}

actfn::Axis axis_of(const Case& c, std::size_t n) {
  return c.row ? actfn::Axis{n / c.row, c.row, 1} : actfn::Axis{1, n, 1};
}

// actfn itself, as a peer: the generic API over the registry, in one tier.
peers::Impl actfn_impl(const Case& c, actfn::Accuracy acc) {
  const actfn::Op& op = actfn::op(c.op);
  if (c.backward) {
    const auto from = c.from_x ? actfn::Saved::x : actfn::Saved::y;
    return [&op, c, acc, from](const float* x, const float* dy, float* out, std::size_t n) {
      actfn::backward(op, from, dy, x, out, axis_of(c, n), {}, acc);
    };
  }
  return [&op, c, acc](const float* x, const float*, float* out, std::size_t n) {
    actfn::forward(op, x, out, axis_of(c, n), {}, acc);
  };
}

// The reference: actfn in float64, rounded to float32 by the comparison.
std::vector<double> reference(const Case& c, const std::vector<float>& x,
                              const std::vector<float>& dy) {
  const std::size_t n = x.size();
  std::vector<double> xd(x.begin(), x.end()), dyd(dy.begin(), dy.end()), out(n);
  const actfn::Op& op = actfn::op(c.op);
  if (c.backward) {
    actfn::backward(op, c.from_x ? actfn::Saved::x : actfn::Saved::y, dyd.data(), xd.data(),
                    out.data(), axis_of(c, n));
  } else {
    actfn::forward(op, xd.data(), out.data(), axis_of(c, n));
  }
  return out;
}

// The copy: memcpy, or the copy loop, split over `threads` threads.
void copy_threads(const float* x, float* y, std::size_t n, int threads, bool loop) {
  auto copy = [loop](const float* a, float* b, std::size_t m) {
    if (loop) {
      peers::copy_loop(a, b, m);
    } else {
      std::memcpy(b, a, m * sizeof(float));
    }
  };
  if (threads <= 1) {
    copy(x, y, n);
    return;
  }
  std::vector<std::thread> pool;
  const std::size_t chunk = (n + threads - 1) / threads;
  for (int t = 0; t < threads; ++t) {
    const std::size_t b = std::min(n, t * chunk), e = std::min(n, b + chunk);
    pool.emplace_back([=] { copy(x + b, y + b, e - b); });
  }
  for (auto& th : pool) th.join();
}

// A 16-bit case: actfn in each tier on arrays of H (the inputs rounded to H once).
template <class H>
void time_narrow(const Case& c, std::size_t n) {
  const auto x32 = bench_inputs(n, 1, &c);
  std::vector<H> x(n), y(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = H(x32[i]);
  const actfn::Op& op = actfn::op(c.op);
  for (const auto acc : {actfn::Accuracy::exact, actfn::Accuracy::fast}) {
    const double t = time_per_elt([&] { actfn::forward(op, x.data(), y.data(), axis_of(c, n), {}, acc); }, n);
    std::printf("%s\t%s\t%zu\t%.4f\t-\n", c.function.c_str(),
                acc == actfn::Accuracy::fast ? "actfn-fast" : "actfn", n, t);
    std::fflush(stdout);
  }
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1;
  bool quick = false;
  std::string filter;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--threads" && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else if (a == "--quick") {
      quick = true;
    } else if (a == "--filter" && i + 1 < argc) {
      filter = argv[++i];
    } else if (a == "--target" && i + 1 < argc) {
      const std::string_view want = argv[++i];
      std::int64_t found = 0;
      for (std::int64_t t : hwy::SupportedAndGeneratedTargets())
        if (want == hwy::TargetName(t)) found = t;
      if (found == 0) {
        std::fprintf(stderr, "actfn-compare: target %s is not compiled in or not supported\n",
                     argv[i]);
        return 2;
      }
      hwy::SetSupportedTargetsForTest(found);
    } else {
      std::fprintf(stderr,
                   "usage: actfn-compare [--threads T] [--quick] [--filter NAME] [--target T]\n");
      return 2;
    }
  }
  actfn::set_num_threads(threads);
  peers::init(threads);
  std::printf("# peers compiled in: %s\n", peers::available().c_str());
  std::printf("# actfn target: %s\n", hwy::TargetName(hwy::SupportedTargets() & -hwy::SupportedTargets()));

  const std::vector<Case> cases = {
      {"relu", "relu", 0, false},           {"leaky_relu", "leaky_relu", 0, false},
      {"sigmoid", "sigmoid", 0, false},     {"tanh", "tanh", 0, false},
      {"gelu", "gelu", 0, false},           {"silu", "silu", 0, false},
      {"softplus", "softplus", 0, false},   {"elu", "elu", 0, false},
      {"sigmoid_backward", "sigmoid", 0, true},
      {"softmax/1024", "softmax", 1024, false},
      {"softmax/32000", "softmax", 32000, false},
      {"log_softmax/1024", "log_softmax", 1024, false},
      // Backward from x (actfn's own: the peers' are from y or fused into training ops).
      {"silu_backward", "silu", 0, true, true},
      {"gelu_backward", "gelu", 0, true, true},
      // 10% of the results subnormal: what keeping them costs (the peers flush them).
      {"sigmoid/subnormal", "sigmoid", 0, false, false, Dtype::f32, -103, -88, "sigmoid"},
      {"silu/subnormal", "silu", 0, false, false, Dtype::f32, -102, -89, "silu"},
      {"gelu/subnormal", "gelu", 0, false, false, Dtype::f32, -14.0, -13.2, "gelu"},
      // 16-bit arrays (actfn alone).
      {"sigmoid/f16", "sigmoid", 0, false, false, Dtype::f16},
      {"sigmoid/bf16", "sigmoid", 0, false, false, Dtype::bf16},
      {"gelu/f16", "gelu", 0, false, false, Dtype::f16},
      {"gelu/bf16", "gelu", 0, false, false, Dtype::bf16},
      {"softmax/1024/f16", "softmax", 1024, false, false, Dtype::f16},
      {"softmax/1024/bf16", "softmax", 1024, false, false, Dtype::bf16},
  };
  const std::size_t big = quick ? std::size_t{1} << 20 : std::size_t{1} << 24;
  for (const Case& c : cases) {
    if (!filter.empty() && c.function.find(filter) == std::string::npos) continue;
    // Sizes: in cache, 2^20, and far beyond the caches (softmax rows of 32000: one row, and
    // 512 rows).
    std::vector<std::size_t> sizes;
    if (c.row == 32000) {
      sizes = {32000, std::size_t{quick ? 32u : 512u} * 32000};
    } else {
      sizes = {4096, std::size_t{1} << 20, big};
    }
    if (c.dtype != Dtype::f32) {
      for (std::size_t n : sizes) {
        if (c.dtype == Dtype::f16) time_narrow<actfn::float16>(c, n);
        else time_narrow<actfn::bfloat16>(c, n);
      }
      continue;
    }
    std::vector<std::pair<std::string, peers::Impl>> impls = {
        {"actfn", actfn_impl(c, actfn::Accuracy::exact)},
        {"actfn-fast", actfn_impl(c, actfn::Accuracy::fast)}};
    for (auto& p : peers::implementations(c.peer.empty() ? c.function : c.peer)) {
      impls.push_back(std::move(p));
    }

    // Accuracy first (2^18 inputs, or 256 rows).
    const std::size_t na = c.row ? c.row * (c.row == 32000 ? 8 : 256) : std::size_t{1} << 18;
    const auto xa = accuracy_inputs(c, na);
    std::vector<float> dya(na, 1.0f), ya(na);
    std::vector<float> xs = xa;  // backward from y: saved y = f(x)
    if (c.backward && !c.from_x) actfn::forward(actfn::op(c.op), xa.data(), xs.data(), axis_of(c, na));
    const auto ref = reference(c, xs, dya);
    std::vector<double> max_ulp(impls.size(), 0);
    for (std::size_t k = 0; k < impls.size(); ++k) {
      impls[k].second(xs.data(), dya.data(), ya.data(), na);
      for (std::size_t i = 0; i < na; ++i) {
        max_ulp[k] = std::max(max_ulp[k], ulp_error(ya[i], ref[i]));
      }
    }

    for (std::size_t n : sizes) {
      auto x = bench_inputs(n, 1, &c);
      const auto dy = bench_inputs(n, 2);
      if (c.backward && !c.from_x) actfn::forward(actfn::op(c.op), x.data(), x.data(), axis_of(c, n));
      std::vector<float> y(n);
      if (!c.backward && c.row == 0 && c.function == "relu") {
        // Threads only where they pay (as actfn's pool: 2 x 32768 elements and more).
        const int ct = n >= (std::size_t{1} << 16) ? threads : 1;
        // The limit: the faster of memcpy and the copy loop.
        const double t = std::min(
            time_per_elt([&] { copy_threads(x.data(), y.data(), n, ct, false); }, n),
            time_per_elt([&] { copy_threads(x.data(), y.data(), n, ct, true); }, n));
        std::printf("copy\tmemcpy\t%zu\t%.4f\t0\n", n, t);
      }
      for (std::size_t k = 0; k < impls.size(); ++k) {
        if (threads > 1 && !peers::threaded(impls[k].first)) continue;
        const auto& f = impls[k].second;
        const double t = time_per_elt([&] { f(x.data(), dy.data(), y.data(), n); }, n);
        std::printf("%s\t%s\t%zu\t%.4f\t%.3g\n", c.function.c_str(), impls[k].first.c_str(), n, t,
                    max_ulp[k]);
        std::fflush(stdout);
      }
    }
  }
  return 0;
}
