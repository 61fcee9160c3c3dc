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
#include "cli.h"
#include "docs.h"
#include "format.h"
#include "plot.h"

namespace {

using namespace actfn::cli;

constexpr int kUsageError = 2;
// The largest outputs: `grad softmax` prints an n x n matrix, `table` a row per step. The
// fuzzer lowers both (fuzz/fuzz_cli.cc): the limits' checks stay fuzzed, and no input spends
// seconds printing a million lines.
std::size_t g_max_jacobian = 1000;
std::size_t g_max_table_rows = 1000000;

// Where output goes and input comes from: stdout and stdin, or strings (the fuzzer).
std::string* g_capture = nullptr;
std::istream* g_in = &std::cin;

const char kUsage[] =
    "usage: actfn <function> [--param value ...] [--dtype f64|f32|f16|bf16] [--fast] [values...]\n"
    "       actfn grad <function> [--param value ...] [--dtype f64|f32|f16|bf16] [--fast]\n"
    "                  [values...]\n"
    "       actfn list [--markdown] the functions, their parameters and formulas\n"
    "       actfn special [--markdown] every function at NaN, +-inf, +-0, subnormals, extremes\n"
    "       actfn demo [--image F]  the seed article's examples, a table of every function,\n"
    "                               and their curves in activations.png (or F)\n"
    "       actfn plot <function> [--param value ...] [<function> ...] [--grad]\n"
    "                  [--range -6:6] [--ylim lo:hi] [--size 800x500] [--title T] -o FILE\n"
    "                               curves (and dashed derivatives) to FILE.png, .svg or .pdf;\n"
    "                               softmax-family functions take values and draw bars:\n"
    "                               actfn plot softmax 1 2 3 [--temperature T] -o bars.png\n"
    "       actfn gallery --markdown | --images DIR   docs/gallery.md, or its pictures (SVG)\n"
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
    "  --fast            the fast tier: within 4 ULP instead of 1 (f32), the same special\n"
    "                    values, nothing flushed; 16-bit computed in f32 (`actfn list`: bounds)\n"
    "  --                every argument after it is a value\n"
    "\n"
    "Errors (unknown function, bad number, parameter out of range) print one line on stderr\n"
    "and exit with status 2.\n";

enum class DType { f64, f32, f16, bf16 };

std::vector<std::string> read_stdin_tokens() {
  std::vector<std::string> tokens;
  std::string tok;
  while (*g_in >> tok) tokens.push_back(std::move(tok));
  return tokens;
}

// Computes f (or f') of the values and returns the printed text.
template <class T>
std::string compute(const actfn::Op& op, bool grad, const std::vector<std::string>& tokens,
                    const std::vector<double>& params, actfn::Accuracy acc) {
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
  actfn::forward(op, x.data(), y.data(), a, params, acc);
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
    actfn::backward(op, from, ones.data(), saved, dx.data(), a, params, acc);
    for (T v : dx) out += python_repr(v) + "\n";
    return out;
  }
  if (n > g_max_jacobian) {
    throw UsageError{"grad " + std::string(op.name) + " prints the " + std::to_string(n) +
                     " x " + std::to_string(n) + " Jacobian; give at most " +
                     std::to_string(g_max_jacobian) + " values"};
  }
  // Row i of the Jacobian, d y_i / d x_j, is the backward of dy = e_i.
  std::vector<T> dy(n, T(0));
  for (std::size_t i = 0; i < n; ++i) {
    dy[i] = T(1);
    actfn::backward(op, from, dy.data(), saved, dx.data(), a, params, acc);
    dy[i] = T(0);
    for (std::size_t j = 0; j < n; ++j) out += (j ? " " : "") + python_repr(dx[j]);
    out += "\n";
  }
  return out;
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
      specs.push_back(spec_of(lookup(a)));
      continue;
    }
    Option opt = parse_option(a, "output");
    const std::string& key = opt.key;
    if (key == "grad") {
      o.grad = true;
      continue;
    }
    const std::string& val = opt.take(args, i, "plot: ");
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
    if (s.op->kind == actfn::Kind::elementwise) {
      actfn::check(*s.op, s.params);
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
  Spec s = spec_of(op);
  double a = -5, b = 5, step = 0.5;
  bool grad = false, csv = false;
  for (std::size_t i = 2; i < args.size(); ++i) {
    const std::string& t = args[i];
    if (t.rfind("--", 0) != 0) throw UsageError{"table: '" + t + "' is not an option (values come from --range and --step)"};
    Option opt = parse_option(t);
    const std::string& key = opt.key;
    if (key == "grad") { grad = true; continue; }
    if (key == "csv") { csv = true; continue; }
    const std::string& val = opt.take(args, i, "table: ");
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
  if (rows > static_cast<double>(g_max_table_rows)) {
    throw UsageError{"table: " + python_repr(rows) + " rows are too many (at most " +
                     std::to_string(g_max_table_rows) + ")"};
  }
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
  if (first == "gallery") {
    if (args.size() == 2 && args[1] == "--markdown") {
      write_out(gallery_markdown());
      return 0;
    }
    if (args.size() != 3 || args[1] != "--images") {
      throw UsageError{"gallery takes --markdown, or --images DIR"};
    }
    int n = 0;
    for (const auto& op : actfn::ops()) {
      n += actfn::plot::gallery_image(op, args[2] + "/" + std::string(op.name) + ".svg") ? 1 : 0;
    }
    write_out("actfn: wrote " + std::to_string(n) + " pictures to " + args[2] + "\n");
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
  actfn::Accuracy acc = actfn::Accuracy::exact;
  Spec s = spec_of(op);
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
    Option opt = parse_option(a);
    const std::string& key = opt.key;
    if (key == "fast" && !has_param(op, key)) {
      if (opt.has_value) throw UsageError{"--fast takes no value, got '" + a + "'"};
      acc = actfn::Accuracy::fast;
      continue;
    }
    if (key == "dtype") {
      const std::string& val = opt.take(args, i, "");
      if (val == "f64" || val == "float64") dtype = DType::f64;
      else if (val == "f32" || val == "float32") dtype = DType::f32;
      else if (val == "f16" || val == "float16") dtype = DType::f16;
      else if (val == "bf16" || val == "bfloat16") dtype = DType::bf16;
      else throw UsageError{"--dtype '" + val + "' is not one of f64, f32, f16, bf16"};
      continue;
    }
    if (!has_param(op, key)) {
      std::string valid = "--dtype, --fast";
      for (const auto& p : op.params) valid += ", --" + std::string(p.name);
      throw UsageError{std::string(op.name) + ": unknown option '" + a + "' (valid: " + valid +
                       ", --help)"};
    }
    set_param(s, key, opt.take(args, i, ""));
  }
  if (values.empty()) {
    if (g_in == &std::cin && isatty(STDIN_FILENO)) {
      throw UsageError{std::string(op.name) +
                       ": no values (give them as arguments or on standard input)"};
    }
    values = read_stdin_tokens();
  }
  const std::vector<double>& params = s.params;
  const std::string out =
      dtype == DType::f32    ? compute<float>(op, grad, values, params, acc)
      : dtype == DType::f16  ? compute<actfn::float16>(op, grad, values, params, acc)
      : dtype == DType::bf16 ? compute<actfn::bfloat16>(op, grad, values, params, acc)
                             : compute<double>(op, grad, values, params, acc);
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
