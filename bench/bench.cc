// Benchmarks for every registered function, forward and backward, f32, f64, f16 and bf16,
// at n = 4096 (in cache), 2^20 and 2^24 (memory), next to a plain copy of the same bytes: the
// bandwidth limit no elementwise function can beat. <fn>/... is the exact tier's forward,
// <fn>.fast/... the fast tier's (Accuracy::fast), <fn>_backward/... the backward.
//
//   make bench                                   all of them
//   build/bench/actfn_bench --benchmark_filter='sigmoid|relu/|copy'
//   build/bench/actfn_bench --target AVX2 --benchmark_filter='^leaky_relu(.fast)?/(f32|f16)/4096'
//
// Counters: time_per_elt (seconds per element, with an SI prefix: 250p = 0.25 ns) and bytes_per_second (bytes read + written).
// Softmax-family functions run on rows of 1024 along the last axis.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "actfn/actfn.hpp"
#include "hwy/targets.h"

namespace {

constexpr std::size_t kSizes[] = {4096, std::size_t{1} << 20, std::size_t{1} << 24};
constexpr std::size_t kRow = 1024;

template <class T>
std::vector<T> inputs(std::size_t n) {
  std::mt19937 rng(1);
  std::uniform_real_distribution<double> u(-5, 5);
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(u(rng));
  return v;
}

void counters(benchmark::State& state, std::size_t n, std::size_t bytes_per_elt) {
  const auto elts = static_cast<double>(n) * static_cast<double>(state.iterations());
  // An inverted rate: seconds per element, printed with an SI prefix (31.2p = 0.0312 ns).
  state.counters["time_per_elt"] =
      benchmark::Counter(elts, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.SetBytesProcessed(static_cast<int64_t>(elts * static_cast<double>(bytes_per_elt)));
}

actfn::Axis shape_of(const actfn::Op& op, std::size_t n) {
  return op.kind == actfn::Kind::axis ? actfn::Axis{n / kRow, kRow, 1} : actfn::Axis{1, n, 1};
}

template <class T>
void forward(benchmark::State& state, const actfn::Op* op, std::size_t n, actfn::Accuracy acc) {
  const auto x = inputs<T>(n);
  std::vector<T> y(n);
  const actfn::Axis a = shape_of(*op, n);
  for (auto _ : state) {
    actfn::forward(*op, x.data(), y.data(), a, {}, acc);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  counters(state, n, 2 * sizeof(T));
}

template <class T>
void backward(benchmark::State& state, const actfn::Op* op, std::size_t n) {
  const auto x = inputs<T>(n), dy = inputs<T>(n);
  std::vector<T> saved(n), dx(n);
  const actfn::Axis a = shape_of(*op, n);
  const actfn::Saved from = op->reads(actfn::Saved::x) ? actfn::Saved::x : actfn::Saved::y;
  if (from == actfn::Saved::x) saved = x;
  else actfn::forward(*op, x.data(), saved.data(), a);
  for (auto _ : state) {
    actfn::backward(*op, from, dy.data(), saved.data(), dx.data(), a);
    benchmark::DoNotOptimize(dx.data());
    benchmark::ClobberMemory();
  }
  counters(state, n, 3 * sizeof(T));
}

// The limit: memcpy of the same bytes a forward call reads and writes.
template <class T>
void copy(benchmark::State& state, std::size_t n) {
  const auto x = inputs<T>(n);
  std::vector<T> y(n);
  for (auto _ : state) {
    std::memcpy(y.data(), x.data(), n * sizeof(T));
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  counters(state, n, 2 * sizeof(T));
}

template <class T>
void register_type(const char* type) {
  for (std::size_t n : kSizes) {
    const std::string suffix = std::string("/") + type + "/" + std::to_string(n);
    benchmark::RegisterBenchmark(("copy" + suffix).c_str(), copy<T>, n);
    for (const actfn::Op& op : actfn::ops()) {
      benchmark::RegisterBenchmark((std::string(op.name) + suffix).c_str(), forward<T>, &op, n,
                                   actfn::Accuracy::exact);
      benchmark::RegisterBenchmark((std::string(op.name) + ".fast" + suffix).c_str(), forward<T>,
                                   &op, n, actfn::Accuracy::fast);
      benchmark::RegisterBenchmark((std::string(op.name) + "_backward" + suffix).c_str(),
                                   backward<T>, &op, n);
    }
  }
}

}  // namespace

// --target T (before the benchmark flags) restricts actfn's run-time dispatch to one
// Highway target (AVX2: what most users' CPUs run), as actfn-compare's.
int main(int argc, char** argv) {
  if (argc > 2 && std::strcmp(argv[1], "--target") == 0) {
    std::int64_t found = 0;
    for (std::int64_t t : hwy::SupportedAndGeneratedTargets())
      if (std::strcmp(argv[2], hwy::TargetName(t)) == 0) found = t;
    if (found == 0) {
      std::fprintf(stderr, "actfn_bench: target %s is not compiled in or not supported\n", argv[2]);
      return 2;
    }
    hwy::SetSupportedTargetsForTest(found);
    argv[2] = argv[0];
    argc -= 2;
    argv += 2;
  }
  register_type<float>("f32");
  register_type<double>("f64");
  register_type<actfn::float16>("f16");
  register_type<actfn::bfloat16>("bf16");
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
