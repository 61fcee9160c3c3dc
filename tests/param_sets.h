// The parameter sets the tests and the accuracy tool run each function at: its defaults, then
// each parameter in turn set to each of the candidate values that actfn::check accepts (sets
// a function rejects, hardtanh with min_val > max_val, are left out).
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include "actfn/actfn.hpp"

namespace actfn::test {

// Every choice of a choice parameter; for a number, the first `per_number` of `numbers(q)`
// that are valid, far from huge, and not the default.
template <class Numbers>
std::vector<std::vector<double>> param_sets(const Op& op, Numbers numbers,
                                            std::size_t per_number =
                                                std::numeric_limits<std::size_t>::max()) {
  std::vector<double> def;
  for (const auto& q : op.params) def.push_back(q.def);
  std::vector<std::vector<double>> sets = {def};
  for (std::size_t i = 0; i < op.params.size(); ++i) {
    const Param& q = op.params[i];
    std::vector<double> values;
    if (!q.choices.empty()) {
      for (std::size_t c = 0; c < q.choices.size(); ++c) values.push_back(static_cast<double>(c));
    } else {
      values = numbers(q);
    }
    std::size_t taken = 0;
    for (double v : values) {
      if (v == q.def || std::fabs(v) > 1e3) continue;
      auto set = def;
      set[i] = v;
      try {
        check(op, set);
      } catch (const Error&) {
        continue;
      }
      sets.push_back(set);
      if (q.choices.empty() && ++taken == per_number) break;
    }
  }
  return sets;
}

}  // namespace actfn::test
