// What every command of the command line shares: its errors, numbers as Python reads them,
// a function word with its parameters (Spec), and the one reader of `--key value` and
// `--key=value` options.
#pragma once

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actfn/actfn.hpp"
#include "format.h"

namespace actfn::cli {

using actfn::detail::python_repr;

// A failure the user caused: one line on stderr, exit status 2.
struct UsageError {
  std::string message;
};

// Parses a whole token as Python's float() would: optional sign, decimal or scientific,
// inf/infinity/nan in any case. Overflow gives +-inf and underflow 0, as in Python; the
// 16-bit types read the double and round it once more, as numpy reads them.
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

inline std::string did_you_mean(const std::vector<std::string_view>& near, std::string_view prefix) {
  if (near.empty()) return "";
  std::string s = "; did you mean ";
  for (std::size_t i = 0; i < near.size() && i < 3; ++i)
    s += (i ? ", '" : "'") + std::string(prefix) + std::string(near[i]) + "'";
  return s + "?";
}

inline const actfn::Op& lookup(std::string_view name) {
  if (const actfn::Op* o = actfn::find(name)) return *o;
  throw UsageError{"unknown function '" + std::string(name) + "'" +
                   did_you_mean(actfn::closest(name), "") + " ('actfn list' shows them all)"};
}

// A parameter's value as the user writes it: a number, or the name of a choice.
inline std::string param_value(const actfn::Param& p, double v) {
  if (!p.choices.empty() && v >= 0 && v < static_cast<double>(p.choices.size()))
    return std::string(p.choices[static_cast<std::size_t>(v)]);
  return python_repr(v);
}

inline std::string param_list(const actfn::Op& op) {
  if (op.params.empty()) return "-";
  std::string s;
  for (const auto& p : op.params)
    s += (s.empty() ? "" : " ") + std::string(p.name) + "=" + param_value(p, p.def);
  return s;
}

inline std::string param_range(const actfn::Param& p) {
  if (p.choices.empty()) return "range " + actfn::detail::range_text(p);
  std::string s = "one of ";
  for (std::size_t i = 0; i < p.choices.size(); ++i)
    s += (i ? ", " : "") + std::string(p.choices[i]);
  return s;
}

// The forward bounds the tests enforce, per tier and dtype (Op::bound): "1 / 2" is exact's
// then fast's, in ULP (absolute, in units of eps, for log_softmax and the sparse maps).
inline std::string bound_pair(const actfn::Op& op, bool f32) {
  const auto v = [&](actfn::Accuracy a) {
    return python_repr(f32 ? op.bound(a).f32 : op.bound(a).f64);
  };
  std::string s = v(actfn::Accuracy::exact) + " / " + v(actfn::Accuracy::fast);
  for (const std::string_view suffix : {".0 ", ".0"}) {  // 1.0 / 2.0 reads 1 / 2
    for (std::size_t p; (p = s.find(suffix)) != std::string::npos;) s.erase(p, 2);
  }
  return s;
}
inline std::string bounds_text(const actfn::Op& op) {
  return "f32 " + bound_pair(op, true) + ", f64 " + bound_pair(op, false);
}

inline const char* reads_text(const actfn::Op& op) {
  const bool x = op.reads(actfn::Saved::x), y = op.reads(actfn::Saved::y);
  return x && y ? "x or y" : x ? "x" : "y";
}

// A function word and the options after it that are its parameters.
struct Spec {
  const actfn::Op* op;
  std::vector<double> params;
  std::vector<bool> given;
};

inline std::string label_of(const Spec& s) {
  std::string extra;
  for (std::size_t i = 0; i < s.op->params.size(); ++i)  // every parameter, given or default
    extra += (extra.empty() ? "" : ", ") + std::string(s.op->params[i].name) + "=" +
             param_value(s.op->params[i], s.params[i]);
  return std::string(s.op->name) + (extra.empty() ? "" : " (" + extra + ")");
}

// Sets parameter `key` of the spec from the text value; false when it has no such parameter.
inline bool set_param(Spec& s, const std::string& key, const std::string& val) {
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

inline Spec spec_of(const actfn::Op& op) {
  Spec s{&op, {}, {}};
  for (const auto& q : op.params) s.params.push_back(q.def), s.given.push_back(false);
  return s;
}
inline bool has_param(const actfn::Op& op, std::string_view key) {
  for (const auto& q : op.params)
    if (q.name == key) return true;
  return false;
}

// One option as every command reads them: `--key value`, `--key=value`, or a flag.
struct Option {
  std::string raw;  // as typed: "--alpha", "--alpha=0.1", "-o"
  std::string key;  // "alpha" ("-o" reads as `alias`)
  std::string value;
  bool has_value = false;  // given inline (--key=value), or taken by value()
  // The value: the inline one, or the next argument (args[++i]); `command` prefixes the
  // error when there is none ("plot: ", or "" for a function's own options).
  const std::string& take(const std::vector<std::string>& args, std::size_t& i,
                          const std::string& command) {
    if (!has_value) {
      if (i + 1 == args.size()) throw UsageError{command + "option " + raw + " needs a value"};
      value = args[++i];
      has_value = true;
    }
    return value;
  }
};
inline Option parse_option(const std::string& a, const char* short_o = nullptr) {
  Option o;
  o.raw = a;
  o.key = a == "-o" && short_o != nullptr ? short_o : a.substr(2);
  const auto eq = o.key.find('=');
  if (eq != std::string::npos) {
    o.value = o.key.substr(eq + 1);
    o.key.resize(eq);
    o.has_value = true;
  }
  return o;
}

}  // namespace actfn::cli
