// actfn-accuracy: the softmax family's rows against MPFR (measure.h).
#include <cmath>
#include <random>
#include <utility>
#include <vector>

#include "measure.h"

namespace actfn::accuracy {

Rows make_rows(unsigned seed) {
  Rows out;
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  const std::pair<std::size_t, int> shapes[] = {{1, 50}, {2, 200}, {7, 200}, {1000, 40}, {32000, 4}};
  const double scales[] = {1, 10, 100, 1e4};
  for (auto [len, count] : shapes) {
    for (int r = 0; r < count; ++r) {
      const double s = scales[static_cast<std::size_t>(r) % 4];
      std::vector<double> row(len);
      for (auto& v : row) v = s * u(gen);
      if (len > 1 && r % 3 == 1) row[gen() % len] = -INFINITY;  // a masked entry
      if (len > 2 && r % 5 == 2) row[gen() % len] = row[gen() % len];  // a tie
      out.rows.push_back(row);
    }
  }
  return out;
}

// One row's exact outputs: softmax, log_softmax, softmin or logsumexp (one value).
namespace {
std::vector<Mp> mp_row(Fn f, const std::vector<double>& x) {
  const bool neg = f == Fn::softmin;
  std::vector<Mp> z(x.size());
  Mp m(-INFINITY);
  for (std::size_t i = 0; i < x.size(); ++i) {
    z[i] = Mp(neg ? -x[i] : x[i]);
    if (z[i] > m) m = z[i];
  }
  if (f == Fn::logsumexp && isinf(m)) return {m};
  // x - m, with 0 at the maxima (the limits when m = +inf: the maxima share the mass).
  // The sum is 1 + t, t summing all but one maximum: log1p(t) keeps a t below 2^-192.
  Mp t(0);
  bool first = true;
  std::vector<Mp> e(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const bool top = z[i] == m;
    z[i] = top ? Mp(0) : z[i] - m;
    e[i] = top ? Mp(1) : exp(z[i]);
    if (!(top && first)) t += e[i];
    if (top) first = false;
  }
  const Mp s = t + Mp(1);
  if (f == Fn::logsumexp) return {m + log1p(t)};
  std::vector<Mp> y(x.size());
  const Mp ls = log1p(t);
  for (std::size_t i = 0; i < x.size(); ++i) y[i] = f == Fn::log_softmax ? z[i] - ls : e[i] / s;
  return y;
}

template <class S>
std::vector<double> run_row(const Op& op, const std::vector<double>& x) {
  std::vector<S> xs(x.size()), ys(op.kind == Kind::reduce ? 1 : x.size());
  for (std::size_t i = 0; i < x.size(); ++i) xs[i] = S(x[i]);
  forward(op, xs.data(), ys.data(), Axis{1, x.size(), 1}, {}, g_accuracy);
  std::vector<double> y(ys.size());
  for (std::size_t i = 0; i < ys.size(); ++i) y[i] = static_cast<double>(ys[i]);
  return y;
}

}  // namespace

Result measure_rows(const Op& op, Dt dt, const Rows& rows) {
  Result res;
  res.has_backward = false;
  const Fmt& f = fmt(dt);
  for (const auto& row0 : rows.rows) {
    std::vector<double> row(row0.size());
    for (std::size_t i = 0; i < row.size(); ++i) row[i] = round_to(dt, row0[i]);
    std::vector<double> y;
    switch (dt) {
      case Dt::f16: y = run_row<float16>(op, row); break;
      case Dt::bf16: y = run_row<bfloat16>(op, row); break;
      case Dt::f32: y = run_row<float>(op, row); break;
      case Dt::f64: y = run_row<double>(op, row); break;
    }
    const std::vector<Mp> want = mp_row(op.id, row);
    for (std::size_t i = 0; i < y.size(); ++i) res.fwd.add(err_mp(y[i], want[i], 0, f), row[0]);
  }
  return res;
}

}  // namespace actfn::accuracy
