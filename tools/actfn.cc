// actfn: the command line. Every function word, option and help text comes from the registry.
//
//   actfn relu 1.0 -1.0                 1.0 / 0.0, one per line
//   actfn leaky_relu --alpha 0.001 -1   -0.001
//   seq -5 5 | actfn sigmoid            values from standard input
//   actfn grad relu -1 2                the derivatives
//   actfn list | actfn demo | actfn --help | actfn <function> --help
//
// Errors print one line on stderr and exit with status 2, before anything is printed on
// stdout: all values are parsed and computed first.
#include <bit>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <limits>
#include <optional>
#include <tuple>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "actfn/actfn.hpp"
#include "format.h"
#include "plot.h"

namespace {

using actfn::detail::python_repr;

constexpr int kUsageError = 2;
constexpr std::size_t kMaxJacobian = 1000;  // `grad softmax` prints an n x n matrix

// A failure the user caused: one line on stderr, exit status 2.
struct UsageError {
  std::string message;
};

// Where output goes and input comes from: stdout and stdin, or strings (the fuzzer).
std::string* g_capture = nullptr;
std::istream* g_in = &std::cin;

const char kUsage[] =
    "usage: actfn <function> [--param value ...] [--dtype f64|f32|f16|bf16] [values...]\n"
    "       actfn grad <function> [--param value ...] [--dtype f64|f32|f16|bf16] [values...]\n"
    "       actfn list [--markdown] the functions, their parameters and formulas\n"
    "       actfn special [--markdown] every function at NaN, +-inf, +-0, subnormals, extremes\n"
    "       actfn demo [--image F]  the seed article's examples, a table of every function,\n"
    "                               and their curves in activations.png (or F)\n"
    "       actfn plot <function> [--param value ...] [<function> ...] [--grad]\n"
    "                  [--range -6:6] [--ylim lo:hi] [--size 800x500] [--title T] -o FILE\n"
    "                               curves (and dashed derivatives) to FILE.png, .svg or .pdf;\n"
    "                               softmax-family functions take values and draw bars:\n"
    "                               actfn plot softmax 1 2 3 [--temperature T] -o bars.png\n"
    "       actfn table <function> [--param value ...] [--range -5:5] [--step 0.5] [--grad]\n"
    "                  [--csv]      an aligned table of x, y (and y')\n"
    "       actfn <function> --help the formula, derivative and parameters of one function\n"
    "       actfn --version\n"
    "\n"
    "Computes an activation function (or with `grad`, its derivative) of each value and\n"
    "prints one result per line, as Python prints a float. Values come from the arguments,\n"
    "or, when there are none, from standard input (whitespace-separated): seq -5 5 | actfn "
    "sigmoid.\n"
    "Softmax-family functions treat all the values as one row; their `grad` prints the\n"
    "Jacobian, one row per line. logsumexp prints one value (grad: softmax); gated units\n"
    "(glu, swiglu, geglu, reglu) split the values in halves a, b (grad: da then db).\n"
    "\n"
    "  --dtype f64|f32|f16|bf16  float64 (default, the same numbers as Python), float32,\n"
    "                    float16 or bfloat16 (16-bit: computed in f64, rounded once)\n"
    "  --                every argument after it is a value\n"
    "\n"
    "Errors (unknown function, bad number, parameter out of range) print one line on stderr\n"
    "and exit with status 2.\n";

enum class DType { f64, f32, f16, bf16 };

// Parses a whole token as Python's float() would: optional sign, decimal or scientific,
// inf/infinity/nan in any case. Overflow gives +-inf and underflow 0, as in Python.
template <class T>
std::optional<T> parse_number(std::string_view s) {
  if constexpr (std::is_same_v<T, actfn::float16> || std::is_same_v<T, actfn::bfloat16>) {
    const auto d = parse_number<double>(s);  // then rounded once more, as numpy reads them
    if (!d) return std::nullopt;
    return T(*d);
  } else {
  std::string_view t = s;
  if (!t.empty() && t[0] == '+') {
    t.remove_prefix(1);
    if (!t.empty() && (t[0] == '-' || t[0] == '+')) return std::nullopt;
  }
  if (t.empty()) return std::nullopt;
  T v{};
  const auto r = std::from_chars(t.data(), t.data() + t.size(), v);
  if (r.ptr != t.data() + t.size()) return std::nullopt;
  if (r.ec == std::errc::result_out_of_range) {
    const std::string z(t);  // strtod rounds correctly and saturates to inf or 0
    errno = 0;
    if constexpr (sizeof(T) == 4) return std::strtof(z.c_str(), nullptr);
    else return std::strtod(z.c_str(), nullptr);
  }
  if (r.ec != std::errc()) return std::nullopt;
  return v;
  }
}

std::string did_you_mean(const std::vector<std::string_view>& near, std::string_view prefix) {
  if (near.empty()) return "";
  std::string s = "; did you mean ";
  for (std::size_t i = 0; i < near.size() && i < 3; ++i)
    s += (i ? ", '" : "'") + std::string(prefix) + std::string(near[i]) + "'";
  return s + "?";
}

const actfn::Op& lookup(std::string_view name) {
  if (const actfn::Op* o = actfn::find(name)) return *o;
  throw UsageError{"unknown function '" + std::string(name) + "'" +
                   did_you_mean(actfn::closest(name), "") + " ('actfn list' shows them all)"};
}

// A parameter's value as the user writes it: a number, or the name of a choice.
std::string param_value(const actfn::Param& p, double v) {
  if (!p.choices.empty() && v >= 0 && v < static_cast<double>(p.choices.size()))
    return std::string(p.choices[static_cast<std::size_t>(v)]);
  return python_repr(v);
}

std::string param_list(const actfn::Op& op) {
  if (op.params.empty()) return "-";
  std::string s;
  for (const auto& p : op.params)
    s += (s.empty() ? "" : " ") + std::string(p.name) + "=" + param_value(p, p.def);
  return s;
}

std::string param_range(const actfn::Param& p) {
  if (p.choices.empty()) return "range " + actfn::detail::range_text(p);
  std::string s = "one of ";
  for (std::size_t i = 0; i < p.choices.size(); ++i)
    s += (i ? ", " : "") + std::string(p.choices[i]);
  return s;
}

const char* reads_text(const actfn::Op& op) {
  const bool x = op.reads(actfn::Saved::x), y = op.reads(actfn::Saved::y);
  return x && y ? "x or y" : x ? "x" : "y";
}

// docs/special-values.md: every elementwise function at the special inputs, at its defaults,
// in f64 and f32 (a test compares the file with this output).
template <class T>
std::string special_row(const actfn::Op& op, const std::vector<T>& xs) {
  std::vector<T> y(xs.size());
  actfn::forward(op, xs.data(), y.data(), actfn::Axis{1, xs.size(), 1});
  std::string r;
  for (T v : y) r += " " + python_repr(v) + " |";
  return r;
}

// The bits of the kth non-negative value of T (k = 0 is +0, ordered as the values are).
template <class T>
T from_bits(std::uint64_t k) {
  if constexpr (std::is_same_v<T, actfn::float16> || std::is_same_v<T, actfn::bfloat16>) {
    return T::from_bits(static_cast<std::uint16_t>(k));
  } else if constexpr (sizeof(T) == 4) {
    return std::bit_cast<float>(static_cast<std::uint32_t>(k));
  } else {
    return std::bit_cast<double>(k);
  }
}
// Where f settles on one side of 0: the first x (in T, going out from 0) from which f(x)
// has the bits of its limit f(+-inf) at every larger |x|: the saturation point (tanh: 1.0 from
// 18.7) or the overflow point (inf from ...). "all" when f is its limit on all that side,
// "-" when it never reaches the limit at a finite x. Found by bisection above the last of
// 1024 spread points that differs from the limit, then checked on 256 points beyond.
template <class T>
std::string settle_cell(const actfn::Op& op, double side, std::uint64_t top) {
  auto f = [&](T x) {
    T y;
    if (side < 0) x = T(-static_cast<double>(x));
    actfn::forward(op, &x, &y, actfn::Axis{1, 1, 1});
    return y;
  };
  const T lim = f(T(HUGE_VAL));
  const double want = static_cast<double>(lim);  // -0.0 is 0.0 here (silu(-1e300) = -0.0)
  const auto same = [&](std::uint64_t k) {
    const double v = static_cast<double>(f(from_bits<T>(k)));
    return v == want || (std::isnan(v) && std::isnan(want));
  };
  if (!same(top)) return "-";
  std::uint64_t lo = 0;
  for (std::uint64_t j = 1023; j >= 1 && lo == 0; --j) {
    if (!same(top / 1024 * j)) lo = top / 1024 * j;
  }
  if (lo == 0) {
    if (same(1)) return "all";
    lo = 1;
  }
  std::uint64_t hi = top;
  while (hi - lo > 1) {
    const std::uint64_t mid = lo + (hi - lo) / 2;
    (same(mid) ? hi : lo) = mid;
  }
  for (std::uint64_t j = 1; j <= 256; ++j) {
    if (!same(hi + (top - hi) / 256 * j)) return "-";
  }
  T x = from_bits<T>(hi);
  if (side < 0) x = T(-static_cast<double>(x));
  return python_repr(lim) + " from " + python_repr(x);
}

template <class T>
void settle_table(std::ostringstream& o, const char* title, std::uint64_t top) {
  o << "\n## " << title << "\n\n| function | x < 0 | x > 0 |\n|---|---|---|\n";
  for (const auto& op : actfn::ops()) {
    if (op.kind != actfn::Kind::elementwise) continue;
    o << "| `" << op.name << "` | " << settle_cell<T>(op, -1, top) << " | "
      << settle_cell<T>(op, 1, top) << " |\n";
  }
}

std::string special_markdown() {
  using L64 = std::numeric_limits<double>;
  using L32 = std::numeric_limits<float>;
  const std::vector<double> x64 = {L64::quiet_NaN(), -L64::infinity(), -L64::max(), -1.0,
                                   -L64::denorm_min(), -0.0, 0.0, L64::denorm_min(), 1.0,
                                   L64::max(), L64::infinity()};
  const std::vector<float> x32 = {L32::quiet_NaN(), -L32::infinity(), -L32::max(), -1.0f,
                                  -L32::denorm_min(), -0.0f, 0.0f, L32::denorm_min(), 1.0f,
                                  L32::max(), L32::infinity()};
  std::ostringstream o;
  o << "# Special values\n\n"
    << "Every elementwise function at its default parameters, at NaN, the infinities, the largest\n"
    << "finite values, +-1, the smallest subnormals and the signed zeros, in float64 and float32\n"
    << "(printed as Python prints them). Generated by `actfn special --markdown`; a test fails\n"
    << "when this file and the code disagree. The functions along an axis are in\n"
    << "[functions.md](functions.md) (a row of only -inf is NaN, or 0 with `safe`). The values\n"
    << "come from the FMA targets (AVX2, AVX-512); targets without FMA (SSE4, SSSE3) may differ\n"
    << "in the last bits, within the bounds of accuracy.md (mish(1.0): 2 ULP).\n\n";
  for (int pass = 0; pass < 2; ++pass) {
    o << (pass == 0 ? "## float64\n\n" : "\n## float32\n\n") << "| function |";
    for (std::size_t i = 0; i < x64.size(); ++i)
      o << " " << (pass == 0 ? python_repr(x64[i]) : python_repr(x32[i])) << " |";
    o << "\n|---|";
    for (std::size_t i = 0; i < x64.size(); ++i) o << "---|";
    o << "\n";
    for (const auto& op : actfn::ops()) {
      if (op.kind != actfn::Kind::elementwise) continue;
      o << "| `" << op.name << "` |" << (pass == 0 ? special_row(op, x64) : special_row(op, x32)) << "\n";
    }
  }
  o << "\n# Saturation and overflow\n\n"
    << "Where each function settles: the first x, going out from 0 on each side, from which\n"
    << "f(x) is its limit f(+-inf) for every larger |x| (\"1.0 from 18.7\": every x from 18.7 on\n"
    << "gives 1.0; \"inf from ...\": the overflow threshold). \"all\": the limit on all that side;\n"
    << "\"-\": the limit is not reached at any finite x. Found by bisection over the bit patterns\n"
    << "(above the last of 1024 spread points that differs) and checked on 256 points beyond.\n";
  settle_table<double>(o, "float64", 0x7fefffffffffffffull);
  settle_table<float>(o, "float32", 0x7f7fffffull);
  settle_table<actfn::float16>(o, "float16", 0x7bffull);
  settle_table<actfn::bfloat16>(o, "bfloat16", 0x7f7full);
  return o.str();
}

// docs/functions.md: the registry as a markdown table (a test compares the file with it).
std::string list_markdown() {
  std::ostringstream o;
  o << "# Functions\n\n"
    << "Generated from the registry by `actfn list --markdown` (a test fails when this file and\n"
    << "the registry disagree). Each function is a C++ function, a CLI word and, later, a Python\n"
    << "ufunc of the same name; `actfn <name> --help` prints the same facts.\n\n"
    << "| name | kind | parameters (default, valid values) | y | derivative | backward reads |\n"
    << "|---|---|---|---|---|---|\n";
  const auto cell = [](std::string_view v) {
    std::string s;
    for (char c : v) s += c == '|' ? std::string("\\|") : std::string(1, c);
    return s;
  };
  for (const auto& op : actfn::ops()) {
    std::string params;
    for (const auto& p : op.params) {
      params += (params.empty() ? "" : "<br>") + std::string("`") + std::string(p.name) + "` = " +
                param_value(p, p.def) + ", " + param_range(p);
    }
    std::string name = "`" + std::string(op.name) + "`";
    if (!op.alias.empty()) name += " (`" + std::string(op.alias) + "`)";
    o << "| " << name << " | " << (op.kind == actfn::Kind::axis ? "along an axis" : "elementwise")
      << " | " << (params.empty() ? "-" : cell(params)) << " | " << cell(op.formula) << " | "
      << cell(op.derivative) << " | " << reads_text(op) << " |\n";
  }
  return o.str();
}

std::string op_help(const actfn::Op& op) {
  std::ostringstream o;
  o << op.name << ": " << op.summary << "\n";
  if (!op.alias.empty()) o << "  also called: " << op.alias << "\n";
  o << "  " << op.formula << "\n"
    << "  " << op.derivative << "\n"
    << "  backward reads: " << reads_text(op) << "\n";
  std::string opts;
  if (!op.params.empty()) {
    o << "parameters:\n";
    for (const auto& p : op.params) {
      o << "  --" << p.name << " VALUE   " << p.doc << " (default " << param_value(p, p.def)
        << ", " << param_range(p) << ")\n";
      opts += " [--" + std::string(p.name) + " VALUE]";
    }
  }
  o << "usage:\n"
    << "  actfn " << op.name << opts << " [--dtype f64|f32|f16|bf16] [values...]\n"
    << "  actfn grad " << op.name << opts << " [--dtype f64|f32|f16|bf16] [values...]\n"
    << (op.kind == actfn::Kind::axis
            ? "The values form one row; grad prints the Jacobian, one row per line.\n"
            : "")
    << "Values come from the arguments, or from standard input when there are none.\n";
  return o.str();
}

std::string list_table() {
  std::ostringstream o;
  char line[1024];
  std::snprintf(line, sizeof line, "%-18s %-30s %s\n", "name", "parameters", "formula");
  o << line;
  for (const auto& op : actfn::ops()) {
    std::string formula(op.formula);
    if (!op.alias.empty()) formula += "   (alias: " + std::string(op.alias) + ")";
    std::snprintf(line, sizeof line, "%-18s %-30s %s\n", std::string(op.name).c_str(),
                  param_list(op).c_str(), formula.c_str());
    o << line;
  }
  return o.str();
}

std::vector<std::string> read_stdin_tokens() {
  std::vector<std::string> tokens;
  std::string tok;
  while (*g_in >> tok) tokens.push_back(std::move(tok));
  return tokens;
}

// Computes f (or f') of the values and returns the printed text.
template <class T>
std::string compute(const actfn::Op& op, bool grad, const std::vector<std::string>& tokens,
                    const std::vector<double>& params) {
  std::vector<T> x;
  x.reserve(tokens.size());
  for (const auto& t : tokens) {
    const auto v = parse_number<T>(t);
    if (!v) throw UsageError{std::string(op.name) + ": '" + t + "' is not a number"};
    x.push_back(*v);
  }
  const std::size_t n = x.size();
  const actfn::Axis a{1, n, 1};
  const std::size_t ny = op.kind == actfn::Kind::reduce ? 1
                         : op.kind == actfn::Kind::gated ? n / 2
                                                          : n;
  std::vector<T> y(ny);
  actfn::forward(op, x.data(), y.data(), a, params);
  std::string out;
  if (!grad) {
    for (T v : y) out += python_repr(v) + "\n";
    return out;
  }
  const bool from_x = op.reads(actfn::Saved::x);
  const auto from = from_x ? actfn::Saved::x : actfn::Saved::y;
  const T* saved = from_x ? x.data() : y.data();
  std::vector<T> dx(n);
  if (op.kind != actfn::Kind::axis) {
    // elementwise: f'(x); reduce: d y / d x; gated: da then db, for dy = 1.
    const std::vector<T> ones(ny, T(1));
    actfn::backward(op, from, ones.data(), saved, dx.data(), a, params);
    for (T v : dx) out += python_repr(v) + "\n";
    return out;
  }
  if (n > kMaxJacobian) {
    throw UsageError{"grad " + std::string(op.name) + " prints the " + std::to_string(n) +
                     " x " + std::to_string(n) + " Jacobian; give at most " +
                     std::to_string(kMaxJacobian) + " values"};
  }
  // Row i of the Jacobian, d y_i / d x_j, is the backward of dy = e_i.
  std::vector<T> dy(n, T(0));
  for (std::size_t i = 0; i < n; ++i) {
    dy[i] = T(1);
    actfn::backward(op, from, dy.data(), saved, dx.data(), a, params);
    dy[i] = T(0);
    for (std::size_t j = 0; j < n; ++j) out += (j ? " " : "") + python_repr(dx[j]);
    out += "\n";
  }
  return out;
}

std::string fmt6(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.6g", v);
  return b;
}

std::string demo() {
  std::ostringstream o;
  o << "actfn " << actfn::kVersion
    << " demo: the examples of \"4 activation functions in Python you should know\"\n\n";
  const auto row = [&](const std::string& call, const std::string& result) {
    char line[256];
    std::snprintf(line, sizeof line, "  %-32s %s\n", call.c_str(), result.c_str());
    o << line;
  };
  row("relu(1.0)", python_repr(actfn::relu(1.0)));
  row("relu(-1.0)", python_repr(actfn::relu(-1.0)));
  row("leaky_relu(-1.0, alpha=0.001)", python_repr(actfn::leaky_relu(-1.0, 0.001)));
  row("sigmoid(-1.0)", python_repr(actfn::sigmoid(-1.0)));
  const std::vector<double> sx = {1.0, 2.0, 3.0};
  std::vector<double> sy(3);
  actfn::softmax(std::span<const double>(sx), std::span<double>(sy));
  std::string probs = "[";
  double sum = 0;
  for (std::size_t i = 0; i < sy.size(); ++i) {
    probs += (i ? ", " : "") + python_repr(sy[i]);
    sum += sy[i];
  }
  row("softmax([1.0, 2.0, 3.0])", probs + "]");
  row("  their sum, in float64", python_repr(sum));
  o << "\n(The article's leaky ReLU uses alpha = 0.001; actfn's default is PyTorch's 0.01.)\n\n";

  o << "Every function at x = -2, -1, 0, 1, 2 (6 significant digits; softmax-family functions\n"
       "take the five values as one row):\n\n";
  const std::vector<double> xs = {-2, -1, 0, 1, 2};
  char line[256];
  std::snprintf(line, sizeof line, "  %-18s", "function");
  o << line;
  for (double v : xs) {
    std::snprintf(line, sizeof line, " %12s", python_repr(v).c_str());
    o << line;
  }
  o << "\n";
  for (const auto& op : actfn::ops()) {
    if (op.kind == actfn::Kind::gated) continue;  // below
    std::vector<double> ys(xs.size(), std::nan(""));
    actfn::forward(op, xs.data(), ys.data(), actfn::Axis{1, xs.size(), 1});
    std::snprintf(line, sizeof line, "  %-18s", std::string(op.name).c_str());
    o << line;
    const std::size_t shown = op.kind == actfn::Kind::reduce ? 1 : ys.size();
    for (std::size_t i = 0; i < shown; ++i) {
      std::snprintf(line, sizeof line, " %12s", fmt6(ys[i]).c_str());
      o << line;
    }
    o << (op.kind == actfn::Kind::reduce ? "   (one value for the row)\n" : "\n");
  }
  o << "\nGated units split the values in halves a, b: glu([-2, -1, 1, 2]) = [-2, -1] * sigmoid([1, 2]):\n";
  const std::vector<double> gx = {-2, -1, 1, 2};
  for (const auto& op : actfn::ops()) {
    if (op.kind != actfn::Kind::gated) continue;
    std::vector<double> gy(2);
    actfn::forward(op, gx.data(), gy.data(), actfn::Axis{1, gx.size(), 1});
    std::snprintf(line, sizeof line, "  %-18s %12s %12s\n", std::string(op.name).c_str(),
                  fmt6(gy[0]).c_str(), fmt6(gy[1]).c_str());
    o << line;
  }
  return o.str();
}

void write_out(const std::string& s) {
  if (g_capture != nullptr) {
    *g_capture += s;
    return;
  }
  std::fwrite(s.data(), 1, s.size(), stdout);
  std::fflush(stdout);
}

// "a:b" as two numbers with a < b.
std::pair<double, double> parse_range(const std::string& what, const std::string& v) {
  const auto c = v.find(':');
  const auto a = c == std::string::npos ? std::nullopt : parse_number<double>(v.substr(0, c));
  const auto b = c == std::string::npos ? std::nullopt : parse_number<double>(v.substr(c + 1));
  if (!a || !b || !std::isfinite(*a) || !std::isfinite(*b)) {
    throw UsageError{what + " '" + v + "' is not two numbers like -6:6"};
  }
  if (!(*a < *b)) throw UsageError{what + " " + v + " is empty (the first number must be smaller)"};
  return {*a, *b};
}

// A function word and the options after it that are its parameters.
struct Spec {
  const actfn::Op* op;
  std::vector<double> params;
  std::vector<bool> given;
};

std::string label_of(const Spec& s) {
  std::string extra;
  for (std::size_t i = 0; i < s.op->params.size(); ++i)  // every parameter, given or default
    extra += (extra.empty() ? "" : ", ") + std::string(s.op->params[i].name) + "=" +
             param_value(s.op->params[i], s.params[i]);
  return std::string(s.op->name) + (extra.empty() ? "" : " (" + extra + ")");
}

// Sets parameter `key` of the spec from the text value; false when it has no such parameter.
bool set_param(Spec& s, const std::string& key, const std::string& val) {
  for (std::size_t k = 0; k < s.op->params.size(); ++k) {
    const actfn::Param& q = s.op->params[k];
    if (q.name != key) continue;
    if (!q.choices.empty()) {
      std::size_t c = 0;
      while (c < q.choices.size() && q.choices[c] != val) ++c;
      if (c == q.choices.size())
        throw UsageError{std::string(s.op->name) + ": --" + key + " '" + val + "' is not " + param_range(q)};
      s.params[k] = static_cast<double>(c);
    } else {
      const auto v = parse_number<double>(val);
      if (!v) throw UsageError{std::string(s.op->name) + ": --" + key + " value '" + val + "' is not a number"};
      s.params[k] = *v;
    }
    s.given[k] = true;
    return true;
  }
  return false;
}

int plot_command(const std::vector<std::string>& args) {
  std::vector<Spec> specs;
  std::vector<double> values;
  actfn::plot::Options o;
  std::string out;
  double temperature = 1;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool option = a.size() >= 2 && a[0] == '-' && (a[1] == '-' || a == "-o");
    if (!option) {
      if (const auto v = parse_number<double>(a)) {
        values.push_back(*v);
        continue;
      }
      const actfn::Op& op = lookup(a);
      Spec s{&op, {}, {}};
      for (const auto& q : op.params) s.params.push_back(q.def), s.given.push_back(false);
      specs.push_back(s);
      continue;
    }
    std::string key = a == "-o" ? "output" : a.substr(2), val;
    const auto eq = key.find('=');
    const bool inline_val = eq != std::string::npos;
    if (inline_val) val = key.substr(eq + 1), key.resize(eq);
    if (key == "grad") {
      o.grad = true;
      continue;
    }
    if (!inline_val) {
      if (i + 1 == args.size()) throw UsageError{"plot: option " + a + " needs a value"};
      val = args[++i];
    }
    if (!specs.empty() && set_param(specs.back(), key, val)) continue;
    if (key == "output") {
      out = val;
    } else if (key == "range") {
      std::tie(o.x0, o.x1) = parse_range("plot: --range", val);
    } else if (key == "ylim") {
      std::tie(o.y0, o.y1) = parse_range("plot: --ylim", val);
      o.ylim = true;
    } else if (key == "title") {
      o.title = val;
    } else if (key == "temperature") {
      const auto t = parse_number<double>(val);
      if (!t || !(*t > 0) || !std::isfinite(*t)) throw UsageError{"plot: --temperature '" + val + "' is not a positive number"};
      temperature = *t;
    } else if (key == "size") {
      int w = 0, h = 0;
      char rest = 0;
      if (std::sscanf(val.c_str(), "%dx%d%c", &w, &h, &rest) != 2) {
        throw UsageError{"plot: --size '" + val + "' is not WIDTHxHEIGHT like 800x500"};
      }
      o.width = w, o.height = h;
    } else {
      throw UsageError{"plot: unknown option '" + a + "'" +
                       (specs.empty() ? "" : " (not a parameter of " + std::string(specs.back().op->name) + ")")};
    }
  }
  if (specs.empty()) throw UsageError{"plot: no function given (actfn plot sigmoid -o sigmoid.png)"};
  if (out.empty()) throw UsageError{"plot: no output file (-o FILE.png, .svg or .pdf)"};
  if (specs.size() > static_cast<std::size_t>(actfn::plot::kMaxCurves)) {
    throw UsageError{"plot: " + std::to_string(specs.size()) + " curves are too many to tell apart (at most " +
                     std::to_string(actfn::plot::kMaxCurves) + ")"};
  }
  for (const Spec& s : specs) {  // bad parameters fail here, before any file is made
    double dummy = 0, y = 0;
    if (s.op->kind == actfn::Kind::elementwise) {
      actfn::forward(*s.op, &dummy, &y, actfn::Axis{1, 1, 1}, s.params);
    } else if (specs.size() > 1) {
      throw UsageError{"plot: " + std::string(s.op->name) + " draws bars and takes no other function"};
    }
  }
  const bool bars = specs.front().op->kind != actfn::Kind::elementwise;
  if (bars) {
    const actfn::Op& op = *specs.front().op;
    if (specs.size() > 1) throw UsageError{"plot: " + std::string(op.name) + " draws bars and takes no other function"};
    if (op.kind != actfn::Kind::axis) throw UsageError{"plot: " + std::string(op.name) + " cannot be drawn (try actfn " + std::string(op.name) + " with values)"};
    if (values.empty()) throw UsageError{"plot: " + std::string(op.name) + " needs values: actfn plot " + std::string(op.name) + " 1 2 3 -o bars.png"};
    Spec s = specs.front();
    if (temperature != 1) {  // temperature T is scale 1/T
      std::size_t k = 0;
      while (k < op.params.size() && op.params[k].name != "scale") ++k;
      if (k == op.params.size()) {
        throw UsageError{"plot: " + std::string(op.name) + " takes no --temperature"};
      }
      s.params[k] = 1 / temperature;
    }
    std::string label = label_of(s);
    if (temperature != 1) label = std::string(op.name) + " (temperature=" + python_repr(temperature) + ")";
    actfn::forward(op, values.data(), std::vector<double>(values.size()).data(), actfn::Axis{1, values.size(), 1}, s.params);
    const actfn::plot::Curve c{&op, s.params, label};
    actfn::plot::write_figure(out, o.width, o.height, [&](cairo_t* cr) {
      actfn::plot::draw_bars(cr, {0, 0, double(o.width), double(o.height)}, c, values, o.title);
    });
  } else {
    if (!values.empty()) throw UsageError{"plot: '" + python_repr(values.front()) + "': curves take no values (use --range)"};
    std::vector<actfn::plot::Curve> curves;
    for (const Spec& s : specs) curves.push_back({s.op, s.params, label_of(s)});
    actfn::plot::write_figure(out, o.width, o.height, [&](cairo_t* cr) {
      actfn::plot::draw_curves(cr, {0, 0, double(o.width), double(o.height)}, curves, o);
    });
  }
  std::fprintf(stderr, "actfn: wrote %s (%dx%d)\n", out.c_str(), o.width, o.height);
  return 0;
}

int table_command(const std::vector<std::string>& args) {
  if (args.size() < 2) throw UsageError{"table: no function given (actfn table sigmoid)"};
  const actfn::Op& op = lookup(args[1]);
  if (op.kind != actfn::Kind::elementwise) {
    throw UsageError{"table: " + std::string(op.name) + " works on a whole row; give it values: actfn " +
                     std::string(op.name) + " 1 2 3"};
  }
  Spec s{&op, {}, {}};
  for (const auto& q : op.params) s.params.push_back(q.def), s.given.push_back(false);
  double a = -5, b = 5, step = 0.5;
  bool grad = false, csv = false;
  for (std::size_t i = 2; i < args.size(); ++i) {
    const std::string& t = args[i];
    if (t.rfind("--", 0) != 0) throw UsageError{"table: '" + t + "' is not an option (values come from --range and --step)"};
    std::string key = t.substr(2), val;
    const auto eq = key.find('=');
    const bool inline_val = eq != std::string::npos;
    if (inline_val) val = key.substr(eq + 1), key.resize(eq);
    if (key == "grad") { grad = true; continue; }
    if (key == "csv") { csv = true; continue; }
    if (!inline_val) {
      if (i + 1 == args.size()) throw UsageError{"table: option " + t + " needs a value"};
      val = args[++i];
    }
    if (set_param(s, key, val)) continue;
    if (key == "range") {
      std::tie(a, b) = parse_range("table: --range", val);
    } else if (key == "step") {
      const auto v = parse_number<double>(val);
      if (!v || !(*v > 0) || !std::isfinite(*v)) throw UsageError{"table: --step '" + val + "' is not a positive number"};
      step = *v;
    } else {
      throw UsageError{"table: unknown option '" + t + "' (not a parameter of " + std::string(op.name) + ")"};
    }
  }
  const double rows = std::floor((b - a) / step * (1 + 1e-12)) + 1;
  if (rows > 1e6) throw UsageError{"table: " + python_repr(rows) + " rows are too many (at most 1000000)"};
  std::vector<double> x(static_cast<std::size_t>(rows)), y(x.size()), g(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = a + static_cast<double>(i) * step;
  actfn::forward(op, x.data(), y.data(), actfn::Axis{1, x.size(), 1}, s.params);
  if (grad) {
    const std::vector<double> ones(x.size(), 1.0);
    if (op.reads(actfn::Saved::x)) {
      actfn::backward(op, actfn::Saved::x, ones.data(), x.data(), g.data(), actfn::Axis{1, x.size(), 1}, s.params);
    } else {
      actfn::backward(op, actfn::Saved::y, ones.data(), y.data(), g.data(), actfn::Axis{1, x.size(), 1}, s.params);
    }
  }
  std::vector<std::vector<std::string>> cells = {{"x", std::string(op.name) + "(x)"}};
  if (csv) cells[0] = {"x", std::string(op.name)};
  if (grad) cells[0].push_back(csv ? "d_" + std::string(op.name) : std::string(op.name) + "'(x)");
  for (std::size_t i = 0; i < x.size(); ++i) {
    cells.push_back({python_repr(x[i]), python_repr(y[i])});
    if (grad) cells.back().push_back(python_repr(g[i]));
  }
  std::string text;
  if (csv) {
    for (const auto& r : cells) {
      for (std::size_t c = 0; c < r.size(); ++c) text += (c ? "," : "") + r[c];
      text += "\n";
    }
  } else {
    std::vector<std::size_t> width(cells[0].size(), 0);
    for (const auto& r : cells)
      for (std::size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
    for (const auto& r : cells) {
      for (std::size_t c = 0; c < r.size(); ++c)
        text += (c ? "  " : "") + std::string(width[c] - r[c].size(), ' ') + r[c];
      text += "\n";
    }
  }
  write_out(text);
  return 0;
}

int run(const std::vector<std::string>& args) {
  if (args.empty()) throw UsageError{"no function given (try 'actfn --help')"};
  const std::string& first = args[0];
  if (first == "--help" || first == "-h" || first == "help") {
    write_out(kUsage);
    return 0;
  }
  if (first == "--version") {
    write_out("actfn " + std::string(actfn::kVersion) + "\n");
    return 0;
  }
  if (first == "special") {
    if (args.size() > 1 && args[1] != "--markdown") throw UsageError{"special takes only --markdown"};
    write_out(special_markdown());
    return 0;
  }
  if (first == "list" && args.size() == 2 && args[1] == "--markdown") {
    write_out(list_markdown());
    return 0;
  }
  if (first == "plot") return plot_command(args);
  if (first == "table") return table_command(args);
  if (first == "demo") {
    std::string image = "activations.png";
    if (args.size() == 3 && args[1] == "--image") {
      image = args[2];
    } else if (args.size() > 1) {
      throw UsageError{"demo takes no arguments but --image FILE, got '" + args[1] + "'"};
    }
    write_out(demo());
    try {
      actfn::plot::demo_figure(image);
      write_out("\nWrote " + image + ": the seed's functions and their derivatives (dashed).\n");
    } catch (const actfn::plot::PlotError& e) {
      std::fprintf(stderr, "actfn: the demo's picture: %s\n", e.what());
    }
    return 0;
  }
  if (first == "list") {
    if (args.size() > 1) throw UsageError{first + " takes no arguments, got '" + args[1] + "'"};
    write_out(list_table());
    return 0;
  }
  std::size_t i = 0;
  const bool grad = first == "grad";
  if (grad && ++i == args.size()) throw UsageError{"grad: no function given"};
  const actfn::Op& op = lookup(args[i++]);

  DType dtype = DType::f64;
  std::vector<double> params;
  for (const auto& p : op.params) params.push_back(p.def);
  std::vector<std::string> values;
  bool only_values = false;
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (only_values || a.size() < 2 || a[0] != '-' || (a[1] != '-' && a != "-h")) {
      values.push_back(a);  // "-1.0", "-inf": a dash not followed by a dash is a value
      continue;
    }
    if (a == "--") {
      only_values = true;
      continue;
    }
    if (a == "--help" || a == "-h") {
      write_out(op_help(op));
      return 0;
    }
    std::string key = a.substr(2), val;
    const auto eq = key.find('=');
    bool has_val = eq != std::string::npos;
    if (has_val) {
      val = key.substr(eq + 1);
      key.resize(eq);
    }
    const auto take_value = [&]() {
      if (has_val) return;
      if (i + 1 == args.size()) throw UsageError{"option --" + key + " needs a value"};
      val = args[++i];
    };
    if (key == "dtype") {
      take_value();
      if (val == "f64" || val == "float64") dtype = DType::f64;
      else if (val == "f32" || val == "float32") dtype = DType::f32;
      else if (val == "f16" || val == "float16") dtype = DType::f16;
      else if (val == "bf16" || val == "bfloat16") dtype = DType::bf16;
      else throw UsageError{"--dtype '" + val + "' is not one of f64, f32, f16, bf16"};
      continue;
    }
    std::size_t k = 0;
    while (k < op.params.size() && op.params[k].name != key) ++k;
    if (k == op.params.size()) {
      std::vector<std::string_view> names = {"dtype"};
      for (const auto& p : op.params) names.push_back(p.name);
      std::string valid;
      for (auto n : names) valid += (valid.empty() ? "--" : ", --") + std::string(n);
      throw UsageError{std::string(op.name) + ": unknown option '" + a + "' (valid: " + valid +
                       ", --help)"};
    }
    take_value();
    const actfn::Param& q = op.params[k];
    if (!q.choices.empty()) {
      std::size_t c = 0;
      while (c < q.choices.size() && q.choices[c] != val) ++c;
      if (c == q.choices.size()) {
        throw UsageError{std::string(op.name) + ": --" + key + " '" + val + "' is not " +
                         param_range(q)};
      }
      params[k] = static_cast<double>(c);
      continue;
    }
    const auto v = parse_number<double>(val);
    if (!v) {
      throw UsageError{std::string(op.name) + ": --" + key + " value '" + val +
                       "' is not a number"};
    }
    params[k] = *v;
  }
  if (values.empty()) {
    if (g_in == &std::cin && isatty(STDIN_FILENO)) {
      throw UsageError{std::string(op.name) +
                       ": no values (give them as arguments or on standard input)"};
    }
    values = read_stdin_tokens();
  }
  const std::string out =
      dtype == DType::f32    ? compute<float>(op, grad, values, params)
      : dtype == DType::f16  ? compute<actfn::float16>(op, grad, values, params)
      : dtype == DType::bf16 ? compute<actfn::bfloat16>(op, grad, values, params)
                             : compute<double>(op, grad, values, params);
  write_out(out);
  return 0;
}

}  // namespace

#ifndef ACTFN_CLI_NO_MAIN
int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    return run(args);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "actfn: %s\n", e.message.c_str());
    return kUsageError;
  } catch (const actfn::Error& e) {
    std::fprintf(stderr, "actfn: %s\n", e.what());
    return kUsageError;
  } catch (const actfn::plot::PlotError& e) {
    std::fprintf(stderr, "actfn: plot: %s\n", e.what());
    return kUsageError;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "actfn: out of memory\n");
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "actfn: internal error: %s\n", e.what());
    return 1;
  }
}
#endif  // ACTFN_CLI_NO_MAIN
