// Many threads calling the same and different functions at once, on shared read-only
// inputs: every result has the bits of the single-threaded one. Built alone under
// ThreadSanitizer by `make sanitize` (actfn_thread_tests); part of the normal suite too.
#include <cstdio>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "actfn/actfn.hpp"
#include "targets.h"

namespace {

// The Highway targets this binary runs (both test binaries hold this file), printed, and held
// to ACTFN_EXPECT_TARGETS and ACTFN_EXPECT_BEST where the build sets them (make sanitize:
// AVX2 and SSE4, and the CPU's best).
TEST(Build, TargetsAsIntended) {
  std::printf("actfn tests: %s\n", actfn::test::describe_targets().c_str());
  EXPECT_EQ(actfn::test::check_targets(), "") << actfn::test::describe_targets();
}

TEST(Threads, ConcurrentCallsGiveTheSingleThreadedBits) {
  const std::size_t n = 3000;
  std::vector<double> x(n);
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(-8, 8);
  for (auto& v : x) v = u(rng);
  std::vector<float> xf(x.begin(), x.end());
  // The reference, computed before any thread starts.
  std::vector<const actfn::Op*> ops;
  for (const actfn::Op& o : actfn::ops())
    if (o.kind != actfn::Kind::gated) ops.push_back(&o);
  const auto shape_of = [&](const actfn::Op& o) {
    return o.kind == actfn::Kind::elementwise ? actfn::Axis{1, n, 1} : actfn::Axis{30, n / 30, 1};
  };
  std::vector<std::vector<double>> want(ops.size());
  std::vector<std::vector<float>> wantf(ops.size());
  for (std::size_t i = 0; i < ops.size(); ++i) {
    want[i].assign(n, 0);
    wantf[i].assign(n, 0);
    actfn::forward(*ops[i], x.data(), want[i].data(), shape_of(*ops[i]));
    actfn::forward(*ops[i], xf.data(), wantf[i].data(), shape_of(*ops[i]));
  }
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::vector<double> y(n);
      std::vector<float> yf(n);
      for (int round = 0; round < 3; ++round) {
        // Thread t starts at a different function: the same and different ones at once.
        for (std::size_t j = 0; j < ops.size(); ++j) {
          const std::size_t i = (j + static_cast<std::size_t>(t) * 7) % ops.size();
          std::fill(y.begin(), y.end(), 0.0);
          std::fill(yf.begin(), yf.end(), 0.0f);
          actfn::forward(*ops[i], x.data(), y.data(), shape_of(*ops[i]));
          actfn::forward(*ops[i], xf.data(), yf.data(), shape_of(*ops[i]));
          for (std::size_t k = 0; k < n; ++k) {
            const bool same = (std::isnan(y[k]) && std::isnan(want[i][k])) || y[k] == want[i][k];
            const bool samef = (std::isnan(yf[k]) && std::isnan(wantf[i][k])) || yf[k] == wantf[i][k];
            if (!same || !samef) {
              ++mismatches;
              break;
            }
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace

namespace {

// The thread count: default, set, reset, errors.
TEST(Threads, SetNumThreads) {
  const int def = actfn::num_threads();
  EXPECT_GE(def, 1);
  actfn::set_num_threads(3);
  EXPECT_EQ(actfn::num_threads(), 3);
  actfn::set_num_threads(0);
  EXPECT_EQ(actfn::num_threads(), def);
  EXPECT_THROW(actfn::set_num_threads(-1), actfn::Error);
  EXPECT_THROW(actfn::set_num_threads(5000), actfn::Error);
}

// Large calls (split over the pool) give the bits of one thread, for every function, f32 and
// f64, forward and backward, whatever the thread count; concurrent large callers too (all but
// one run on their own threads).
TEST(Threads, ResultsDoNotDependOnTheThreadCount) {
  const std::size_t n = 1 << 17, rows = 256;  // above two grains (2 x 32768 elements)
  std::vector<double> x(n), dy(n);
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> u(-12, 12);
  for (auto& v : x) v = u(rng);
  for (auto& v : dy) v = u(rng) / 12;
  const auto run = [&](const actfn::Op& o, auto tag, std::vector<decltype(tag)>& y,
                       std::vector<decltype(tag)>& dx) {
    using T = decltype(tag);
    const std::vector<T> xt(x.begin(), x.end()), gt(dy.begin(), dy.end());
    const bool rowwise = o.kind != actfn::Kind::elementwise;
    const actfn::Axis a = rowwise ? actfn::Axis{rows, n / rows, 1} : actfn::Axis{1, n, 1};
    y.assign(n, T(0));
    dx.assign(n, T(0));
    actfn::forward(o, xt.data(), y.data(), a);
    const auto from = o.reads(actfn::Saved::x) ? actfn::Saved::x : actfn::Saved::y;
    const std::vector<T> saved = from == actfn::Saved::x ? xt : y;
    actfn::backward(o, from, gt.data(), saved.data(), dx.data(), a);
  };
  const auto same = [](const auto& a, const auto& b) {
    return a.size() == b.size() &&
           std::memcmp(a.data(), b.data(), a.size() * sizeof(a[0])) == 0;
  };
  for (const actfn::Op& o : actfn::ops()) {
    if (o.kind == actfn::Kind::gated || o.kind == actfn::Kind::reduce) continue;
    std::vector<double> y1, d1, y2, d2;
    std::vector<float> f1, g1, f2, g2;
    actfn::set_num_threads(1);
    run(o, 0.0, y1, d1);
    run(o, 0.0f, f1, g1);
    for (int t : {2, 3, 4}) {
      actfn::set_num_threads(t);
      run(o, 0.0, y2, d2);
      run(o, 0.0f, f2, g2);
      EXPECT_TRUE(same(y1, y2) && same(d1, d2)) << o.name << " f64, " << t << " threads";
      EXPECT_TRUE(same(f1, f2) && same(g1, g2)) << o.name << " f32, " << t << " threads";
    }
  }
  // Four callers at once on a pool of 2.
  actfn::set_num_threads(2);
  const actfn::Op& sig = actfn::op("sigmoid");
  std::vector<double> want(n);
  actfn::forward(sig, x.data(), want.data(), actfn::Axis{1, n, 1});
  std::vector<std::vector<double>> got(4, std::vector<double>(n));
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&, t] {
      for (int r = 0; r < 5; ++r) actfn::forward(sig, x.data(), got[t].data(), actfn::Axis{1, n, 1});
    });
  }
  for (auto& c : callers) c.join();
  for (const auto& g : got) EXPECT_TRUE(same(g, want));
  actfn::set_num_threads(0);
}

// A row of at least 4 x 65536 values runs its passes on blocks over the threads
// (SoftmaxLongRow): the same bits for any thread count, in both tiers, and each element
// within 2 ULP of a long double reference.
TEST(Threads, LongRowsSplitOverTheThreads) {
  const std::size_t n = 4 * 65536 + 4099;
  std::vector<double> x(n);
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(-20, 20);
  for (auto& v : x) v = u(rng);
  const auto same = [](const auto& a, const auto& b) {
    return std::memcmp(a.data(), b.data(), a.size() * sizeof(a[0])) == 0;
  };
  const auto check = [&](auto tag, const actfn::Op& o, actfn::Accuracy acc) {
    using T = decltype(tag);
    const std::vector<T> xt(x.begin(), x.end());
    const std::size_t out = o.kind == actfn::Kind::reduce ? 1 : n;
    std::vector<T> y1(out), y2(out);
    actfn::set_num_threads(1);
    actfn::forward(o, xt.data(), y1.data(), actfn::Axis{1, n, 1}, {}, acc);
    for (int t : {2, 3}) {
      actfn::set_num_threads(t);
      actfn::forward(o, xt.data(), y2.data(), actfn::Axis{1, n, 1}, {}, acc);
      EXPECT_TRUE(same(y1, y2)) << o.name << " " << sizeof(T) * 8 << "-bit, " << t << " threads";
    }
    if (o.name != "softmax") return;
    long double m = -INFINITY, s = 0;
    for (T v : xt) m = std::max<long double>(m, v);
    for (T v : xt) s += std::exp(static_cast<long double>(v) - m);
    const double bound = acc == actfn::Accuracy::exact ? 2 : 4;
    for (std::size_t i = 0; i < n; i += 7) {
      const long double r = std::exp(static_cast<long double>(xt[i]) - m) / s;
      const T rt = static_cast<T>(r);
      const long double ulp = std::nextafter(rt, std::numeric_limits<T>::infinity()) - rt;
      ASSERT_LE(std::fabs(static_cast<long double>(y1[i]) - r) / ulp, bound) << i;
    }
  };
  for (const char* name : {"softmax", "log_softmax", "softmin", "logsumexp"}) {
    for (actfn::Accuracy acc : {actfn::Accuracy::exact, actfn::Accuracy::fast}) {
      check(0.0, actfn::op(name), acc);
      check(0.0f, actfn::op(name), acc);
    }
  }
  actfn::set_num_threads(0);
}

// A non-last axis of one block (outer = 1: nothing for call.cc to split) runs its groups of
// columns over the threads: the same bits for any thread count, and as the lines' own rows.
TEST(Threads, ColumnsSplitOverTheThreads) {
  const std::size_t n = 64, inner = 4099;  // softmax along axis 0 of a (64, 4099) array
  std::vector<float> x(n * inner), xt(n * inner);
  std::mt19937_64 rng(6);
  std::uniform_real_distribution<float> u(-20, 20);
  for (auto& v : x) v = u(rng);
  for (std::size_t k = 0; k < n; ++k)
    for (std::size_t i = 0; i < inner; ++i) xt[i * n + k] = x[k * inner + i];
  const auto same = [](const auto& a, const auto& b) {
    return std::memcmp(a.data(), b.data(), a.size() * sizeof(a[0])) == 0;
  };
  for (const char* name : {"softmax", "log_softmax", "logsumexp"}) {
    const actfn::Op& o = actfn::op(name);
    const std::size_t out = o.kind == actfn::Kind::reduce ? inner : n * inner;
    for (actfn::Accuracy acc : {actfn::Accuracy::exact, actfn::Accuracy::fast}) {
      std::vector<float> y1(out), y2(out), rows(o.kind == actfn::Kind::reduce ? inner : n * inner);
      actfn::set_num_threads(1);
      actfn::forward(o, x.data(), y1.data(), actfn::Axis{1, n, inner}, {}, acc);
      // The same lines as rows (axis -1 of the transpose) give the same values.
      actfn::forward(o, xt.data(), rows.data(), actfn::Axis{inner, n, 1}, {}, acc);
      for (std::size_t i = 0; i < inner; ++i) {
        for (std::size_t k = 0; k < (o.kind == actfn::Kind::reduce ? 1 : n); ++k) {
          const float c = o.kind == actfn::Kind::reduce ? y1[i] : y1[k * inner + i];
          const float r = o.kind == actfn::Kind::reduce ? rows[i] : rows[i * n + k];
          ASSERT_NEAR(c, r, 4 * std::fabs(r) * std::numeric_limits<float>::epsilon() + 1e-37)
              << name << " line " << i;
        }
      }
      for (int t : {2, 3}) {
        actfn::set_num_threads(t);
        actfn::forward(o, x.data(), y2.data(), actfn::Axis{1, n, inner}, {}, acc);
        EXPECT_TRUE(same(y1, y2)) << name << ", " << t << " threads";
      }
    }
  }
  actfn::set_num_threads(0);
}

// Determinism: the same input gives the same bits whatever the chunking of the call (the
// vector body and the one-lane tail run the same arithmetic, and lines are independent):
// what lets the pool split calls anywhere.
TEST(Determinism, ChunkingDoesNotChangeBits) {
  const std::size_t rows = 37, n = 53;
  std::vector<double> x(rows * n);
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<double> u(-30, 30);
  for (auto& v : x) v = u(rng);
  for (const actfn::Op& o : actfn::ops()) {
    if (o.kind == actfn::Kind::gated || o.kind == actfn::Kind::reduce) continue;
    if (o.name == "gumbel_softmax") continue;  // its noise follows the position in the call
    const bool rowwise = o.kind == actfn::Kind::axis;
    std::vector<double> whole(x.size()), pieces(x.size());
    actfn::forward(o, x.data(), whole.data(), rowwise ? actfn::Axis{rows, n, 1} : actfn::Axis{1, x.size(), 1});
    // Random chunks: whole rows for functions along an axis, any split for elementwise ones.
    std::size_t at = 0;
    while (at < (rowwise ? rows : x.size())) {
      const std::size_t left = (rowwise ? rows : x.size()) - at;
      const std::size_t len = std::min<std::size_t>(left, 1 + rng() % 17);
      if (rowwise) {
        actfn::forward(o, x.data() + at * n, pieces.data() + at * n, actfn::Axis{len, n, 1});
      } else {
        actfn::forward(o, x.data() + at, pieces.data() + at, actfn::Axis{1, len, 1});
      }
      at += len;
    }
    for (std::size_t i = 0; i < x.size(); ++i) {
      ASSERT_TRUE((std::isnan(whole[i]) && std::isnan(pieces[i])) ||
                  std::memcmp(&whole[i], &pieces[i], sizeof(double)) == 0)
          << o.name << " at " << i;
    }
  }
}

}  // namespace
