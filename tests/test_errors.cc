// Every error the library and the command line raise, triggered, and found word for word in
// docs/errors.md (so the page cannot drift from the code).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "actfn/actfn.h"
#include "actfn/actfn.hpp"

namespace {

using namespace actfn;

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ErrorsDoc, EveryLibraryErrorIsDocumented) {
  const std::string doc = slurp(std::string(ACTFN_DOCS) + "/errors.md");
  ASSERT_FALSE(doc.empty());
  double x[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, y[10];
  float xf[4] = {1, 2, 3, 4}, yf[4], nf[4];
  const std::size_t shape[] = {2, 3, 4};
  const std::size_t bad_shape[] = {5};
  bool keep[5] = {true, true, true, true, true};
  const auto p = [](std::initializer_list<double> v) { return std::vector<double>(v); };
  const std::vector<std::function<void()>> triggers = {
      [] { op("sigmiod"); },
      [&] { forward(op("leaky_relu"), x, y, Axis{1, 1, 1}, p({2.0})); },
      [&] { forward(op("softplus"), x, y, Axis{1, 1, 1}, p({0.0})); },
      [&] { forward(op("gelu"), x, y, Axis{1, 1, 1}, p({2.0})); },
      [&] { forward(op("leaky_relu"), x, y, Axis{1, 1, 1}, p({0.1, 0.2})); },
      [&] { forward(op("hardtanh"), x, y, Axis{1, 1, 1}, p({2.0, 1.0})); },
      [&] { relu<double>(nullptr, y, 3); },
      [&] { relu(x, x + 1, 3); },
      [&] { forward(op("glu"), x, x + 1, Axis{1, 4, 1}); },
      [&] { forward(op("softmax"), x, y, Axis{std::numeric_limits<std::size_t>::max() / 2, 4, 1}); },
      [&] { softmax(std::span<const double>(x, 10), std::span<double>(y, 2)); },
      [&] { backward(op("relu"), Saved::y, x, x, y, Axis{1, 1, 1}); },
      [&] { along(shape, 3); },
      [&] { along({}, 0); },
      [&] { forward(op("glu"), x, y, Axis{1, 5, 1}); },
      [&] {
        SoftmaxOptions<double> o;
        o.mask = keep;
        o.mask_shape = bad_shape;
        double t[24] = {}, u[24];
        softmax(t, u, shape, -1, o);
      },
      [&] {
        SoftmaxOptions<double> o;
        o.scale = std::numeric_limits<double>::infinity();
        double t[24] = {}, u[24];
        softmax(t, u, shape, -1, o);
      },
      [&] { rrelu_train(xf, yf, xf, 4); },
      [&] { prelu_channels<float>(xf, nullptr, nf, Axis{1, 2, 2}); },
      [] { set_num_threads(-1); },
      [&] { gated_forward(op(Fn::relu), x, x + 2, y, 2); },
      [&] {
        double t[24] = {}, u[24];
        forward(op(Fn::sparsemax), t, u, shape, -1, SoftmaxOptions<double>{});
      },
      [&] { check(op(Fn::leaky_relu), p({2.0})); },
  };
  for (const auto& t : triggers) {
    const std::string m = message_of(t);
    EXPECT_NE(m, "(no error)");
    EXPECT_NE(doc.find(m), std::string::npos) << "docs/errors.md lacks: " << m;
  }
  // The C interface reports the same messages through actfn_last_error.
  EXPECT_EQ(actfn_forward("relu", 7, x, y, 1, 1, 1, nullptr, 0), -1);
  EXPECT_NE(doc.find(actfn_last_error()), std::string::npos) << actfn_last_error();
}

std::string cli_error(const std::string& args) {
  const std::string err = ::testing::TempDir() + "actfn_err_" + std::to_string(getpid());
  const int rc = std::system((std::string("'") + ACTFN_CLI + "' " + args + " < /dev/null > /dev/null 2> '" + err + "'").c_str());
  EXPECT_EQ(WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, 2) << args;
  std::string e = slurp(err);
  std::remove(err.c_str());
  if (!e.empty() && e.back() == '\n') e.pop_back();
  return e;
}

TEST(ErrorsDoc, EveryCommandLineErrorIsDocumented) {
  const std::string doc = slurp(std::string(ACTFN_DOCS) + "/errors.md");
  const char* cases[] = {
      "",
      "grad",
      "nope 1",
      "relu abc",
      "relu --alpha 1 1",
      "leaky_relu --alpha",
      "leaky_relu --alpha x 1",
      "gelu --approximate fast 1",
      "relu --dtype f8 1",
      "list x",
      "demo x",
      "special x",
      "glu 1 2 3",
      "table softmax",
      "table relu --step 0",
      "table relu --range 2:1",
      "table relu x",
      "plot sigmoid",
      "plot",
      "plot sigmoid --range 3:3 -o /tmp/x.png",
      "plot sigmoid -o /tmp/x.bmp",
      "plot sigmoid -o /nonexistent/dir/x.png",
      "plot sigmoid --size 10x10 -o /tmp/x.png",
      "plot sigmoid --size big -o /tmp/x.png",
      "plot relu tanh sigmoid elu gelu silu mish softplus -o /tmp/x.png",
      "plot softmax -o /tmp/x.png",
      "plot softmax relu 1 2 -o /tmp/x.png",
      "plot relu 1 2 -o /tmp/x.png",
      "plot sigmoid --bogus 1 -o /tmp/x.png",
      "plot sigmoid --temperature 0 -o /tmp/x.png",
  };
  for (const char* c : cases) {
    const std::string m = cli_error(c);
    EXPECT_EQ(m.rfind("actfn: ", 0), 0u) << c << ": " << m;
    EXPECT_NE(doc.find(m.substr(7)), std::string::npos) << "docs/errors.md lacks: " << m;
  }
}

}  // namespace
