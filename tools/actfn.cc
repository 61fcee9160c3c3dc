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
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "actfn/actfn.hpp"
#include "format.h"

namespace {

using actfn::detail::python_repr;

constexpr int kUsageError = 2;
constexpr std::size_t kMaxJacobian = 1000;  // `grad softmax` prints an n x n matrix

// A failure the user caused: one line on stderr, exit status 2.
struct UsageError {
  std::string message;
};

const char kUsage[] =
    "usage: actfn <function> [--param value ...] [--dtype f64|f32] [values...]\n"
    "       actfn grad <function> [--param value ...] [--dtype f64|f32] [values...]\n"
    "       actfn list [--markdown] the functions, their parameters and formulas\n"
    "       actfn demo              the seed article's examples and a table of every function\n"
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
    "  --dtype f64|f32   compute in float64 (default, the same numbers as Python) or float32\n"
    "  --                every argument after it is a value\n"
    "\n"
    "Errors (unknown function, bad number, parameter out of range) print one line on stderr\n"
    "and exit with status 2.\n";

enum class DType { f64, f32 };

// Parses a whole token as Python's float() would: optional sign, decimal or scientific,
// inf/infinity/nan in any case. Overflow gives +-inf and underflow 0, as in Python.
template <class T>
std::optional<T> parse_number(std::string_view s) {
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
    << "  actfn " << op.name << opts << " [--dtype f64|f32] [values...]\n"
    << "  actfn grad " << op.name << opts << " [--dtype f64|f32] [values...]\n"
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
  while (std::cin >> tok) tokens.push_back(std::move(tok));
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
  std::fwrite(s.data(), 1, s.size(), stdout);
  std::fflush(stdout);
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
  if (first == "list" && args.size() == 2 && args[1] == "--markdown") {
    write_out(list_markdown());
    return 0;
  }
  if (first == "list" || first == "demo") {
    if (args.size() > 1) throw UsageError{first + " takes no arguments, got '" + args[1] + "'"};
    write_out(first == "list" ? list_table() : demo());
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
      else throw UsageError{"--dtype '" + val + "' is not one of f64, f32"};
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
    if (isatty(STDIN_FILENO)) {
      throw UsageError{std::string(op.name) +
                       ": no values (give them as arguments or on standard input)"};
    }
    values = read_stdin_tokens();
  }
  const std::string out = dtype == DType::f32 ? compute<float>(op, grad, values, params)
                                              : compute<double>(op, grad, values, params);
  write_out(out);
  return 0;
}

}  // namespace

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
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "actfn: out of memory\n");
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "actfn: internal error: %s\n", e.what());
    return 1;
  }
}
