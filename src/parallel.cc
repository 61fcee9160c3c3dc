// The thread pool behind large calls (src/parallel.h).
#include "parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "actfn/actfn.hpp"

namespace actfn {
namespace detail {
namespace {

thread_local bool t_in_pool_task = false;  // set while a thread runs a chunk

int default_threads() {
  if (const char* e = std::getenv("ACTFN_NUM_THREADS")) {
    char* end = nullptr;
    const long v = std::strtol(e, &end, 10);
    if (end != e && *end == '\0' && v >= 1 && v <= 1024) return static_cast<int>(v);
  }
  const unsigned h = std::thread::hardware_concurrency();
  return h == 0 ? 1 : static_cast<int>(std::min(h, 256u));
}

// Workers wait for a job; a job is a function over [0, chunks) whose chunks the workers and
// the caller take from the job's atomic counter (a worker that wakes late finds it spent). One
// job at a time: a second caller that finds the pool busy runs its work on its own thread (no
// waiting, no oversubscription).
struct Job {
  const std::function<void(std::size_t)>* task;
  std::size_t chunks;
  std::atomic<std::size_t> next{0};
  std::size_t done = 0;  // guarded by the pool's mutex
};

class Pool {
 public:
  explicit Pool(int threads) {
    for (int i = 1; i < threads; ++i) workers_.emplace_back([this] { Work(); });
  }
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
  }
  int size() const { return static_cast<int>(workers_.size()) + 1; }

  // Runs task(c) for c in [0, chunks); false if the pool was busy (nothing ran).
  bool Run(std::size_t chunks, const std::function<void(std::size_t)>& task) {
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    if (!busy.owns_lock()) return false;
    auto job = std::make_shared<Job>();
    job->task = &task;
    job->chunks = chunks;
    {
      std::lock_guard<std::mutex> lock(mu_);
      job_ = job;
      ++generation_;
    }
    cv_.notify_all();
    Drain(*job);
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [&] { return job->done == job->chunks; });
    job_.reset();
    return true;
  }

 private:
  // Takes chunks until none is left.
  void Drain(Job& job) {
    std::size_t finished = 0;
    t_in_pool_task = true;
    for (std::size_t c; (c = job.next.fetch_add(1)) < job.chunks; ++finished) (*job.task)(c);
    t_in_pool_task = false;
    if (finished > 0) {
      std::lock_guard<std::mutex> lock(mu_);
      job.done += finished;
      if (job.done == job.chunks) done_cv_.notify_all();
    }
  }
  void Work() {
    std::uint64_t seen = 0;
    for (;;) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stop_ || (generation_ != seen && job_ != nullptr); });
        if (stop_) return;
        seen = generation_;
        job = job_;
      }
      Drain(*job);
    }
  }

  std::vector<std::thread> workers_;
  std::mutex busy_;  // held by the caller whose job runs
  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  std::shared_ptr<Job> job_;
  std::uint64_t generation_ = 0;
  bool stop_ = false;
};

std::mutex g_pool_mu;
int g_threads = 0;  // 0: not decided yet
std::shared_ptr<Pool> g_pool;

std::shared_ptr<Pool> pool() {
  std::lock_guard<std::mutex> lock(g_pool_mu);
  if (g_threads == 0) g_threads = default_threads();
  if (g_threads > 1 && (!g_pool || g_pool->size() != g_threads)) {
    g_pool = std::make_shared<Pool>(g_threads);
  }
  return g_threads > 1 ? g_pool : nullptr;
}

}  // namespace

void parallel_for(std::size_t n, std::size_t grain, const std::function<void(std::size_t, std::size_t)>& f) {
  if (n == 0) return;
  if (n < 2 * grain || t_in_pool_task) {
    f(0, n);
    return;
  }
  const std::shared_ptr<Pool> p = pool();
  if (!p) {
    f(0, n);
    return;
  }
  // Chunks of at least `grain`, a few per thread so that uneven ones balance out.
  const std::size_t chunks = std::min<std::size_t>(n / grain, static_cast<std::size_t>(p->size()) * 4);
  const std::size_t step = (n + chunks - 1) / chunks;
  const std::function<void(std::size_t)> task = [&](std::size_t c) {
    const std::size_t b = c * step, e = std::min(n, b + step);
    if (b < e) f(b, e);
  };
  if (!p->Run(chunks, task)) f(0, n);
}

}  // namespace detail

void set_num_threads(int n) {
  if (n < 0 || n > 1024) {
    throw Error("set_num_threads: " + std::to_string(n) + " is not a thread count (0 for the default, 1 to 1024)");
  }
  std::shared_ptr<detail::Pool> old;
  {
    std::lock_guard<std::mutex> lock(detail::g_pool_mu);
    detail::g_threads = n == 0 ? detail::default_threads() : n;
    old = std::move(detail::g_pool);  // a running job keeps its own reference
  }
}

int num_threads() {
  std::lock_guard<std::mutex> lock(detail::g_pool_mu);
  if (detail::g_threads == 0) detail::g_threads = detail::default_threads();
  return detail::g_threads;
}

}  // namespace actfn
