// Internal: threads for large calls. Work below 2 x grain elements (or lines' elements) stays
// on the caller's thread, as does any call made from inside a pool task or while another
// caller's job holds the pool (callers that are already parallel are not oversubscribed).
// Splitting never changes results: every kernel computes each element (or line) alone, the
// same bits whichever chunk it falls in (tests/test_threads.cc).
#pragma once

#include <cstddef>
#include <functional>

namespace actfn::detail {

// The grain: 32768 elements, about 0.01 ms of the cheapest kernel; below two grains a call
// runs on one thread.
inline constexpr std::size_t kGrain = 32768;

// f(begin, end) over [0, n), in chunks of at least `grain` on up to num_threads() threads
// (the caller's among them), or f(0, n) on the caller's thread.
void parallel_for(std::size_t n, std::size_t grain,
                  const std::function<void(std::size_t, std::size_t)>& f);

}  // namespace actfn::detail
