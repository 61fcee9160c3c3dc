// The command line, run as a user runs it: the seed's examples, standard input, grad, list,
// help, demo, and every error case (status 2, one line on stderr, nothing on stdout).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "actfn/actfn.hpp"

#ifndef ACTFN_CLI
#error "ACTFN_CLI must name the actfn executable"
#endif

namespace {

struct Result {
  int status;
  std::string out, err;
};

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Runs actfn with `args`; standard input is `input`, or /dev/null when it is null.
Result actfn_cli(const std::vector<std::string>& args, const char* input = nullptr) {
  // Unique names: ctest runs tests in parallel processes.
  static int calls = 0;
  const std::string base = ::testing::TempDir() + "actfn_cli_" + std::to_string(getpid()) +
                           "_" + std::to_string(calls++);
  const std::string in = base + ".in", out = base + ".out", err = base + ".err";
  std::string cmd = quote(ACTFN_CLI);
  for (const auto& a : args) cmd += " " + quote(a);
  if (input) {
    std::ofstream(in, std::ios::binary) << input;
    cmd += " < " + quote(in);
  } else {
    cmd += " < /dev/null";
  }
  cmd += " > " + quote(out) + " 2> " + quote(err);
  const int rc = std::system(cmd.c_str());
  Result r{WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, slurp(out), slurp(err)};
  for (const auto& f : {in, out, err}) std::remove(f.c_str());
  return r;
}

void expect_usage_error(const Result& r, const std::string& message) {
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "") << "no partial output on error";
  EXPECT_EQ(r.err, "actfn: " + message + "\n");
}

TEST(Cli, SeedExamples) {
  EXPECT_EQ(actfn_cli({"relu", "1.0", "-1.0"}).out, "1.0\n0.0\n");
  EXPECT_EQ(actfn_cli({"leaky_relu", "--alpha", "0.001", "-1.0"}).out, "-0.001\n");
  // 16-bit types print as numpy prints them: the shortest decimal that reads back.
  EXPECT_EQ(actfn_cli({"sigmoid", "--dtype", "f16", "-1.0", "70000"}).out, "0.269\n1.0\n");
  EXPECT_EQ(actfn_cli({"sigmoid", "--dtype", "bf16", "-1.0"}).out, "0.27\n");
  EXPECT_EQ(actfn_cli({"identity", "--dtype", "f16", "70000", "1e-8", "-0"}).out, "inf\n0.0\n-0.0\n");
  EXPECT_EQ(actfn_cli({"softmax", "--dtype", "f16", "1", "2", "3"}).out, "0.09\n0.2448\n0.665\n");
  EXPECT_EQ(actfn_cli({"leaky_relu", "--alpha=0.001", "-1.0"}).out, "-0.001\n");
  EXPECT_EQ(actfn_cli({"sigmoid", "-1.0"}).out, "0.2689414213699951\n");
  const Result s = actfn_cli({"softmax", "1", "2", "3"});
  EXPECT_EQ(s.status, 0);
  std::istringstream in(s.out);
  double v, sum = 0;
  int count = 0;
  while (in >> v) sum += v, ++count;
  EXPECT_EQ(count, 3);
  EXPECT_NEAR(sum, 1.0, 1e-15);
  EXPECT_EQ(actfn_cli({"linear", "-2.5", "0"}).out, "-2.5\n0.0\n");
}

TEST(Cli, Grad) {
  EXPECT_EQ(actfn_cli({"grad", "relu", "-1", "2"}).out, "0.0\n1.0\n");
  EXPECT_EQ(actfn_cli({"grad", "leaky_relu", "-1", "2"}).out, "0.01\n1.0\n");
  EXPECT_EQ(actfn_cli({"grad", "sigmoid", "0"}).out, "0.25\n");
  // The Jacobian of softmax: symmetric, rows sum to 0.
  const Result j = actfn_cli({"grad", "softmax", "1", "2"});
  EXPECT_EQ(j.status, 0);
  std::istringstream in(j.out);
  double a, b, c, d;
  in >> a >> b >> c >> d;
  EXPECT_NEAR(a + b, 0, 1e-16);
  EXPECT_NEAR(c + d, 0, 1e-16);
  EXPECT_EQ(b, c);
  expect_usage_error(actfn_cli({"grad"}), "grad: no function given");
}

// --fast: the fast tier, within its bound of exact's result; the same special values; the
// bounds of both tiers in --help and list.
TEST(Cli, FastTier) {
  const Result f = actfn_cli({"sigmoid", "--fast", "--dtype", "f32", "-1.0", "-100", "nan", "-0.0"});
  ASSERT_EQ(f.status, 0) << f.err;
  std::istringstream lines(f.out);
  float v[4];
  std::string tok;
  for (float& x : v) {
    lines >> tok;
    x = std::strtof(tok.c_str(), nullptr);  // (std::stof rejects subnormals)
  }
  EXPECT_NEAR(v[0], 0.26894143f, 4 * 0.26894143f * 0x1p-24f);
  EXPECT_GT(v[1], 0.0f);  // 3.7e-44: not flushed
  EXPECT_TRUE(std::isnan(v[2]));
  EXPECT_EQ(v[3], 0.5f);
  EXPECT_EQ(actfn_cli({"softmax", "--fast", "1", "1"}).out, "0.5\n0.5\n");
  EXPECT_NE(actfn_cli({"silu", "--help"}).out.find("forward bound, exact / fast (--fast): f32 1 / 4"),
            std::string::npos);
  EXPECT_NE(actfn_cli({"list"}).out.find("f32 ULP"), std::string::npos);
  expect_usage_error(actfn_cli({"sigmoid", "--fast=1", "0"}), "--fast takes no value, got '--fast=1'");
}

TEST(Cli, EveryKind) {
  EXPECT_EQ(actfn_cli({"logsumexp", "0", "0"}).out, "0.6931471805599453\n");
  EXPECT_EQ(actfn_cli({"grad", "logsumexp", "0", "0"}).out, "0.5\n0.5\n");
  EXPECT_EQ(actfn_cli({"grad", "reglu", "-1", "2", "3", "4"}).out, "0.0\n4.0\n0.0\n2.0\n");
  EXPECT_EQ(actfn_cli({"softmax", "--safe", "true", "-inf", "-inf"}).out, "0.0\n0.0\n");
  EXPECT_EQ(actfn_cli({"softmax", "-inf", "-inf"}).out, "nan\nnan\n");
  EXPECT_EQ(actfn_cli({"softmin", "--scale", "1", "0", "0"}).out, "0.5\n0.5\n");
  const Result g1 = actfn_cli({"gumbel_softmax", "--seed", "5", "--hard", "true", "1", "2", "3"});
  EXPECT_EQ(g1.status, 0);
  EXPECT_EQ(g1.out, actfn_cli({"gumbel_softmax", "--seed", "5", "--hard", "true", "1", "2", "3"}).out);
  // Every registered function runs from the command line.
  for (const actfn::Op& o : actfn::ops()) {
    const Result r = actfn_cli({std::string(o.name), "-1", "0.5", "1", "2"});
    EXPECT_EQ(r.status, 0) << o.name << ": " << r.err;
    const Result g = actfn_cli({"grad", std::string(o.name), "-1", "0.5", "1", "2"});
    EXPECT_EQ(g.status, 0) << "grad " << o.name << ": " << g.err;
  }
}

TEST(Cli, PrintsAsPython) {
  EXPECT_EQ(actfn_cli({"identity", "1e-5", "1e16", "inf", "-inf", "nan", "-0.0", "+3", "1e400",
                       "1e-400", "0.1"})
                .out,
            "1e-05\n1e+16\ninf\n-inf\nnan\n-0.0\n3.0\ninf\n0.0\n0.1\n");
  EXPECT_EQ(actfn_cli({"sigmoid", "--dtype", "f32", "-1"}).out, "0.26894143\n");
  EXPECT_EQ(actfn_cli({"sigmoid", "--dtype", "f32", "-100"}).out, "3.8e-44\n");
  EXPECT_EQ(actfn_cli({"identity", "--dtype", "f32", "0.1"}).out, "0.1\n");
  EXPECT_EQ(actfn_cli({"relu", "--", "-1", "2"}).out, "0.0\n2.0\n");
}

TEST(Cli, StandardInput) {
  EXPECT_EQ(actfn_cli({"relu"}, "-1 2\n3\t-4\n").out, "0.0\n2.0\n3.0\n0.0\n");
  // Large input: 200001 values, one result each.
  std::string big;
  for (int i = -100000; i <= 100000; ++i) big += std::to_string(i) + "\n";
  const Result r = actfn_cli({"sigmoid"}, big.c_str());
  EXPECT_EQ(r.status, 0);
  std::size_t lines = 0;
  for (char c : r.out) lines += c == '\n';
  EXPECT_EQ(lines, 200001u);
  EXPECT_EQ(r.out.substr(r.out.rfind('\n', r.out.size() - 2) + 1), "1.0\n");
  // A bad token anywhere: no partial output.
  expect_usage_error(actfn_cli({"relu"}, "1 2 x3 4"), "relu: 'x3' is not a number");
}

TEST(Cli, Errors) {
  expect_usage_error(actfn_cli({"sigmiod", "1"}),
                     "unknown function 'sigmiod'; did you mean 'sigmoid'? ('actfn list' "
                     "shows them all)");
  expect_usage_error(actfn_cli({"relu", "1", "abc"}), "relu: 'abc' is not a number");
  expect_usage_error(actfn_cli({"relu", "1.0.0"}), "relu: '1.0.0' is not a number");
  expect_usage_error(actfn_cli({"relu", "--", "--5"}), "relu: '--5' is not a number");
  expect_usage_error(actfn_cli({"leaky_relu", "--alpha", "2", "1"}),
                     "leaky_relu: alpha = 2.0 is out of range [0.0, 1.0]");
  expect_usage_error(actfn_cli({"leaky_relu", "--alpha", "x", "1"}),
                     "leaky_relu: --alpha value 'x' is not a number");
  expect_usage_error(actfn_cli({"leaky_relu", "--alpha"}), "option --alpha needs a value");
  expect_usage_error(actfn_cli({"relu", "--alpha", "1", "1"}),
                     "relu: unknown option '--alpha' (valid: --dtype, --fast, --help)");
  expect_usage_error(actfn_cli({"relu", "--dtype", "f8", "1"}),
                     "--dtype 'f8' is not one of f64, f32, f16, bf16");
  expect_usage_error(actfn_cli({}), "no function given (try 'actfn --help')");
  expect_usage_error(actfn_cli({"list", "x"}), "list takes no arguments, got 'x'");
  expect_usage_error(actfn_cli({"glu", "1", "2", "3"}),
                     "glu: the axis has 3 values; it must split into two halves");
  expect_usage_error(actfn_cli({"gelu", "--approximate", "fast", "1"}),
                     "gelu: --approximate 'fast' is not one of none, tanh");
  expect_usage_error(actfn_cli({"softmax", "--safe", "maybe", "1"}),
                     "softmax: --safe 'maybe' is not one of false, true");
  expect_usage_error(actfn_cli({"hardtanh", "--min_val", "2", "--max_val", "1", "0"}),
                     "hardtanh: min_val = 2.0 must not exceed max_val = 1.0");
  expect_usage_error(actfn_cli({"softplus", "--beta", "0", "1"}),
                     "softplus: beta = 0.0 is out of range (0.0, inf)");
}

TEST(Cli, ListHelpAndVersion) {
  const Result l = actfn_cli({"list"});
  EXPECT_EQ(l.status, 0);
  for (const actfn::Op& o : actfn::ops()) {
    EXPECT_NE(l.out.find(std::string(o.name)), std::string::npos) << o.name;
    EXPECT_NE(l.out.find(std::string(o.formula)), std::string::npos) << o.name;
  }
  EXPECT_NE(l.out.find("alpha=0.01"), std::string::npos);
  const Result h = actfn_cli({"--help"});
  EXPECT_EQ(h.status, 0);
  EXPECT_NE(h.out.find("usage: actfn <function>"), std::string::npos);
  for (const actfn::Op& o : actfn::ops()) {
    const Result fh = actfn_cli({std::string(o.name), "--help"});
    EXPECT_EQ(fh.status, 0);
    EXPECT_NE(fh.out.find(std::string(o.formula)), std::string::npos) << o.name;
    EXPECT_NE(fh.out.find(std::string(o.derivative)), std::string::npos) << o.name;
    for (const auto& p : o.params) EXPECT_NE(fh.out.find("--" + std::string(p.name)), std::string::npos);
  }
  EXPECT_EQ(actfn_cli({"--version"}).out, "actfn " + std::string(actfn::kVersion) + "\n");
}

TEST(Cli, Demo) {
  const Result d = actfn_cli({"demo"});
  EXPECT_EQ(d.status, 0);
  for (const char* line : {"relu(1.0)                        1.0\n",
                           "relu(-1.0)                       0.0\n",
                           "leaky_relu(-1.0, alpha=0.001)    -0.001\n",
                           "sigmoid(-1.0)                    0.2689414213699951\n",
                           "softmax([1.0, 2.0, 3.0])         [0.09003057317038046, "}) {
    EXPECT_NE(d.out.find(line), std::string::npos) << line << "\n" << d.out;
  }
  for (const actfn::Op& o : actfn::ops())
    EXPECT_NE(d.out.find("\n  " + std::string(o.name) + " "), std::string::npos) << o.name;
}

}  // namespace

// ---- docs/functions.md is the registry, as `actfn list --markdown` prints it.
#ifdef ACTFN_DOCS
TEST(Docs, FunctionsTableMatchesTheRegistry) {
  const std::string want = actfn_cli({"list", "--markdown"}).out;
  EXPECT_EQ(slurp(std::string(ACTFN_DOCS) + "/functions.md"), want)
      << "docs/functions.md is stale: run `make docs` (build/actfn list --markdown > docs/functions.md)";
}
TEST(Docs, GalleryShowsEveryFunction) {
  const std::string want = actfn_cli({"gallery", "--markdown"}).out;
  EXPECT_EQ(slurp(std::string(ACTFN_DOCS) + "/gallery.md"), want)
      << "docs/gallery.md is stale: run `make docs` (build/actfn gallery --markdown > docs/gallery.md)";
  // The pictures: the same set of files as the command writes now, one per function drawn.
  const auto fresh = std::filesystem::temp_directory_path() / ("actfn-gallery-" + std::to_string(::getpid()));
  std::filesystem::create_directories(fresh);
  const auto r = actfn_cli({"gallery", "--images", fresh.string()});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto names = [](const std::filesystem::path& dir) {
    std::set<std::string> s;
    for (const auto& e : std::filesystem::directory_iterator(dir)) s.insert(e.path().filename().string());
    return s;
  };
  const std::set<std::string> made = names(fresh), kept = names(std::string(ACTFN_DOCS) + "/img/gallery");
  EXPECT_EQ(made, kept) << "docs/img/gallery is stale: run `make docs`";
  for (const auto& op : actfn::ops()) {
    const std::string file = std::string(op.name) + ".svg";
    EXPECT_EQ(made.count(file), op.kind == actfn::Kind::reduce ? 0u : 1u) << file;
    if (made.count(file)) {
      EXPECT_NE(want.find("img/gallery/" + file), std::string::npos) << file;
    }
  }
  std::filesystem::remove_all(fresh);
}
TEST(Docs, SpecialValuesTableMatchesTheCode) {
  const std::string want = actfn_cli({"special", "--markdown"}).out;
  EXPECT_EQ(slurp(std::string(ACTFN_DOCS) + "/special-values.md"), want)
      << "docs/special-values.md is stale: run `make docs`";
}
#endif

// ---- the README stays true: every `$ command` in its console blocks prints what it shows.
#ifdef ACTFN_README
namespace {

TEST(Readme, ConsoleExamplesPrintWhatTheyShow) {
  std::ifstream f(ACTFN_README);
  ASSERT_TRUE(f) << ACTFN_README;
  std::string line, cmd, want;
  bool in_block = false;
  int checked = 0;
  const std::string cli = ACTFN_CLI;
  const std::string bin_dir = cli.substr(0, cli.rfind('/'));
  const auto check = [&] {
    if (cmd.empty()) return;
    const std::string base = ::testing::TempDir() + "actfn_readme_" + std::to_string(getpid());
    const std::string sh = "PATH=" + quote(bin_dir) + ":\"$PATH\"; " + cmd;
    const int rc = std::system(("sh -c " + quote(sh) + " > " + quote(base) + " 2>&1").c_str());
    (void)rc;
    EXPECT_EQ(slurp(base), want) << "$ " << cmd;
    std::remove(base.c_str());
    ++checked;
    cmd.clear();
    want.clear();
  };
  while (std::getline(f, line)) {
    if (!in_block) {
      in_block = line == "```console";
      continue;
    }
    if (line == "```") {
      check();
      in_block = false;
    } else if (line.rfind("$ ", 0) == 0) {
      check();
      cmd = line.substr(2);
    } else {
      want += line + "\n";
    }
  }
  EXPECT_GE(checked, 10) << "the README's console examples were not found";
}

}  // namespace
#endif
