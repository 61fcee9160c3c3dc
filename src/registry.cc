// The registry: one Op per line of the one list (actfn/functions.inc), in its order, built
// at compile time from each function's spec in its family file; lookups by name; and the
// kernel accessors by place in the list.
#include <algorithm>
#include <string>
#include <vector>

#include "actfn/actfn.hpp"
#include "dispatch.h"
#define ACTFN_REFERENCE_ONLY
#include "kernels/elu-inl.h"
#include "kernels/gated.h"
#include "kernels/gelu-inl.h"
#include "kernels/other-inl.h"
#include "kernels/relu-inl.h"
#include "kernels/sigmoid-inl.h"
#include "kernels/simplex.h"
#include "kernels/softmax-inl.h"
#include "kernels/softplus-inl.h"
#include "kernels/tanh-inl.h"
#undef ACTFN_REFERENCE_ONLY

namespace actfn {
namespace {

constexpr Op make_op(std::string_view name, Kind kind, std::string_view family, Fn id,
                     const spec::Spec& s) {
  const Op::Bound exact{s.bounds.f32, s.bounds.f64};
  const Op::Bound fast{s.fast.f32 < 0 ? exact.f32 : s.fast.f32,
                       s.fast.f64 < 0 ? exact.f64 : s.fast.f64};
  return Op{name,    s.alias,       kind,      s.params,    s.summary,   s.formula,
            s.derivative, s.saved,  s.check,   id,          family,      s.gate,
            s.gate_on_b,  s.positional, s.softmax_options, s.negated, {exact, fast},
            !s.bounds.relative};
}

constexpr Op kOps[] = {
#define ACTFN_FN(name, kind, family, Kernel) \
  make_op(#name, Kind::kind, #family, Fn::name, spec::name),
#include "actfn/functions.inc"
};
static_assert(std::size(kOps) == kFunctionCount);

// Checks the compiler can do on the whole list.
constexpr bool well_formed() {
  for (std::size_t i = 0; i < std::size(kOps); ++i) {
    const Op& o = kOps[i];
    if (static_cast<std::size_t>(o.id) != i || o.saved == 0 || o.params.size() > kMaxParams)
      return false;
    if (o.summary.empty() || o.formula.empty() || o.derivative.empty()) return false;
    if ((o.kind == Kind::gated) != (o.gate != Fn::identity)) return false;
    if (o.kind == Kind::gated && kOps[static_cast<std::size_t>(o.gate)].kind != Kind::elementwise)
      return false;
    // The fast tier's contract: within 4 ULP (piecewise-linear functions exact in both).
    const Op::Bound& fast = o.bound(Accuracy::fast);
    if (o.kind != Kind::gated && (fast.f32 > 4 || (fast.f32 == 0) != (o.bound(Accuracy::exact).f32 == 0)))
      return false;
  }
  return true;
}
static_assert(well_formed(),
              "a spec without text, a saved input, a gate, within kMaxParams or the fast tier's 4 ULP");

// The kernel accessors in the list's order (null for the kinds that have none).
using ElementwiseGetter = const detail::ElementwiseEntry& (*)();
using AxisGetter = const detail::AxisEntry& (*)();
#define ACTFN_GET_elementwise(name) &detail::name##_kernels
#define ACTFN_GET_axis(name) nullptr
#define ACTFN_GET_reduce(name) nullptr
#define ACTFN_GET_gated(name) nullptr
constexpr ElementwiseGetter kElementwise[] = {
#define ACTFN_FN(name, kind, family, Kernel) ACTFN_GET_##kind(name),
#include "actfn/functions.inc"
};
#undef ACTFN_GET_elementwise
#undef ACTFN_GET_axis
#undef ACTFN_GET_reduce
#define ACTFN_GET_elementwise(name) nullptr
#define ACTFN_GET_axis(name) &detail::name##_kernels
#define ACTFN_GET_reduce(name) &detail::name##_kernels
constexpr AxisGetter kAxis[] = {
#define ACTFN_FN(name, kind, family, Kernel) ACTFN_GET_##kind(name),
#include "actfn/functions.inc"
};
#undef ACTFN_GET_elementwise
#undef ACTFN_GET_axis
#undef ACTFN_GET_reduce
#undef ACTFN_GET_gated

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1] ? 1 : 0)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

const detail::ElementwiseEntry& detail::elementwise_kernels(const Op& op) {
  return kElementwise[static_cast<std::size_t>(op.id)]();
}
const detail::AxisEntry& detail::axis_kernels(const Op& op) {
  return kAxis[static_cast<std::size_t>(op.id)]();
}

std::span<const Op> ops() { return kOps; }

const Op* find(std::string_view name) {
  for (const Op& o : kOps)
    if (o.name == name || (!o.alias.empty() && o.alias == name)) return &o;
  return nullptr;
}

std::vector<std::string_view> closest(std::string_view name) {
  std::vector<std::pair<std::size_t, std::string_view>> c;
  const std::size_t limit = std::max<std::size_t>(2, name.size() / 3);
  for (const Op& o : kOps) {
    for (std::string_view n : {o.name, o.alias}) {
      if (n.empty()) continue;
      const bool prefix = name.size() >= 3 && n.substr(0, name.size()) == name;
      // The distance is at least the difference in length: a long name (the fuzzer's 800
      // bytes) is not compared with every function, at 800 x 20 steps each.
      const std::size_t gap = name.size() > n.size() ? name.size() - n.size() : n.size() - name.size();
      if (!prefix && gap > limit) continue;
      const std::size_t d = prefix ? 0 : edit_distance(name, n);
      if (d <= limit) c.emplace_back(d, n);
    }
  }
  std::stable_sort(c.begin(), c.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string_view> out;
  for (const auto& [d, n] : c) out.push_back(n);
  return out;
}

const Op& op(std::string_view name) {
  if (const Op* o = find(name)) return *o;
  std::string msg = "unknown function '" + std::string(name) + "'";
  const auto near = closest(name);
  if (!near.empty()) {
    msg += "; did you mean ";
    for (std::size_t i = 0; i < near.size() && i < 3; ++i)
      msg += (i ? ", '" : "'") + std::string(near[i]) + "'";
    msg += "?";
  }
  throw Error(msg + " ('actfn list' shows them all)");
}

}  // namespace actfn
