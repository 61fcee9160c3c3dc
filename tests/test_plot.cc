// Plots: valid PNG/SVG/PDF files of the asked size, curves through the pixels they must pass,
// one SVG path per curve, the README's picture matching what the code draws, tables, and the
// error cases (status 2, one line, no file left behind).
#include <cairo.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "actfn/actfn.hpp"
#include "plot.h"

namespace {

using actfn::plot::Curve;
using actfn::plot::Frame;
using actfn::plot::Options;

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "actfn_plot_" + std::to_string(getpid()) + "_" + name;
}
std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}
bool exists(const std::string& path) { return std::ifstream(path).good(); }

Curve curve(const char* name) {
  const actfn::Op& o = actfn::op(name);
  std::vector<double> p;
  for (const auto& q : o.params) p.push_back(q.def);
  return Curve{&o, p, name};
}

// The pixel nearest (px, py), or in its 5x5 neighbourhood, closest to the colour.
double nearest_colour(cairo_surface_t* s, double px, double py, double r, double g, double b) {
  const int stride = cairo_image_surface_get_stride(s);
  const unsigned char* data = cairo_image_surface_get_data(s);
  double best = 1e9;
  for (int dy = -2; dy <= 2; ++dy) {
    for (int dx = -2; dx <= 2; ++dx) {
      const int x = static_cast<int>(std::lround(px)) + dx, y = static_cast<int>(std::lround(py)) + dy;
      const unsigned char* p = data + y * stride + 4 * x;  // ARGB32, little endian: B G R A
      const double d = std::fabs(p[2] / 255.0 - r) + std::fabs(p[1] / 255.0 - g) + std::fabs(p[0] / 255.0 - b);
      best = std::min(best, d);
    }
  }
  return best;
}

TEST(Plot, CurvesPassThroughTheirPixels) {
  cairo_surface_t* s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 800, 500);
  cairo_t* cr = cairo_create(s);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  Options o;
  const Frame f = actfn::plot::draw_curves(cr, {0, 0, 800, 500}, {curve("sigmoid"), curve("relu")}, o);
  cairo_destroy(cr);
  cairo_surface_flush(s);
  // Curve 0 (sigmoid) is blue (0, 0.447, 0.698), curve 1 (relu) vermillion (0.835, 0.369, 0).
  EXPECT_LT(nearest_colour(s, f.px(0), f.py(0.5), 0, 0.447, 0.698), 0.15) << "sigmoid(0) = 0.5";
  EXPECT_LT(nearest_colour(s, f.px(3), f.py(1 / (1 + std::exp(-3.0))), 0, 0.447, 0.698), 0.15);
  EXPECT_LT(nearest_colour(s, f.px(0), f.py(0), 0.835, 0.369, 0), 0.15) << "relu through the origin";
  EXPECT_LT(nearest_colour(s, f.px(2), f.py(2), 0.835, 0.369, 0), 0.15) << "relu(2) = 2";
  // And not where the curve is not: relu at (2, 0.5) is background or grid.
  EXPECT_GT(nearest_colour(s, f.px(2), f.py(0.5), 0.835, 0.369, 0), 0.5);
  cairo_surface_destroy(s);
}

TEST(Plot, FilesOfEveryFormatAndSize) {
  const std::string png = temp_path("a.png"), svg = temp_path("a.svg"), pdf = temp_path("a.pdf");
  const std::vector<Curve> curves = {curve("sigmoid"), curve("relu"), curve("tanh")};
  Options o;
  o.width = 640, o.height = 400;
  for (const auto& path : {png, svg, pdf}) {
    actfn::plot::write_figure(path, 640, 400, [&](cairo_t* cr) {
      actfn::plot::draw_curves(cr, {0, 0, 640, 400}, curves, o);
    });
  }
  cairo_surface_t* s = cairo_image_surface_create_from_png(png.c_str());
  ASSERT_EQ(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
  EXPECT_EQ(cairo_image_surface_get_width(s), 640);
  EXPECT_EQ(cairo_image_surface_get_height(s), 400);
  cairo_surface_destroy(s);
  const std::string sv = slurp(svg);
  EXPECT_NE(sv.find("<svg"), std::string::npos);
  EXPECT_NE(sv.find("width=\"640pt\" height=\"400pt\""), std::string::npos);
  // One path per curve: each curve's colour strokes exactly one path.
  for (const char* colour : {"stroke:rgb(0%,44.7%,69.8%)", "stroke:rgb(83.5%,36.9%,0%)",
                             "stroke:rgb(0%,62%,45.1%)"}) {
    std::size_t count = 0;
    for (std::size_t at = sv.find(colour); at != std::string::npos; at = sv.find(colour, at + 1)) ++count;
    EXPECT_EQ(count, 1u) << colour;
  }
  const std::string pd = slurp(pdf);
  EXPECT_EQ(pd.rfind("%PDF-", 0), 0u);
  EXPECT_NE(pd.find("/MediaBox [ 0 0 640 400 ]"), std::string::npos);
  for (const auto& path : {png, svg, pdf}) std::remove(path.c_str());
}

#ifdef ACTFN_DOCS
// The README's picture is what the code draws now: same size, and within a small tolerance
// (font rasterization may differ by a pixel) the same pixels.
TEST(Plot, CommittedDemoImageMatchesTheCode) {
  const std::string fresh = temp_path("demo.png");
  actfn::plot::demo_figure(fresh);
  cairo_surface_t* a = cairo_image_surface_create_from_png((std::string(ACTFN_DOCS) + "/img/activations.png").c_str());
  cairo_surface_t* b = cairo_image_surface_create_from_png(fresh.c_str());
  ASSERT_EQ(cairo_surface_status(a), CAIRO_STATUS_SUCCESS) << "docs/img/activations.png is missing: make docs";
  ASSERT_EQ(cairo_surface_status(b), CAIRO_STATUS_SUCCESS);
  const int w = cairo_image_surface_get_width(a), h = cairo_image_surface_get_height(a);
  ASSERT_EQ(w, cairo_image_surface_get_width(b));
  ASSERT_EQ(h, cairo_image_surface_get_height(b));
  const unsigned char* pa = cairo_image_surface_get_data(a);
  const unsigned char* pb = cairo_image_surface_get_data(b);
  const int sa = cairo_image_surface_get_stride(a), sb = cairo_image_surface_get_stride(b);
  long differ = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c)
        if (std::abs(pa[y * sa + 4 * x + c] - pb[y * sb + 4 * x + c]) > 48) {
          ++differ;
          break;
        }
  EXPECT_LT(static_cast<double>(differ) / (w * h), 0.005)
      << differ << " pixels differ: regenerate with `make docs`";
  cairo_surface_destroy(a);
  cairo_surface_destroy(b);
  std::remove(fresh.c_str());
}
#endif

struct Result {
  int status;
  std::string out, err;
};
Result cli(const std::string& args) {
  const std::string out = temp_path("out"), err = temp_path("err");
  const int rc = std::system((std::string("'") + ACTFN_CLI + "' " + args + " > '" + out + "' 2> '" + err + "'").c_str());
  Result r{WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, slurp(out), slurp(err)};
  std::remove(out.c_str());
  std::remove(err.c_str());
  return r;
}

TEST(Plot, CommandLineAndErrors) {
  const std::string png = temp_path("cli.png");
  Result r = cli("plot leaky_relu --alpha 0.1 elu --grad --range -3:3 --ylim -2:3 --size 600x300 -o '" + png + "'");
  EXPECT_EQ(r.status, 0) << r.err;
  cairo_surface_t* s = cairo_image_surface_create_from_png(png.c_str());
  EXPECT_EQ(cairo_image_surface_get_width(s), 600);
  EXPECT_EQ(cairo_image_surface_get_height(s), 300);
  cairo_surface_destroy(s);
  std::remove(png.c_str());
  r = cli("plot softmax 1 2 3 --temperature 0.5 -o '" + png + "'");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(exists(png));
  std::remove(png.c_str());
  const auto fails = [&](const std::string& args, const std::string& message, const std::string& file) {
    const Result e = cli(args);
    EXPECT_EQ(e.status, 2) << args;
    EXPECT_EQ(e.out, "");
    EXPECT_EQ(e.err, "actfn: " + message + "\n") << args;
    EXPECT_FALSE(exists(file)) << "no file left behind: " << args;
  };
  fails("plot sigmiod -o '" + png + "'",
        "unknown function 'sigmiod'; did you mean 'sigmoid'? ('actfn list' shows them all)", png);
  fails("plot sigmoid -o /nonexistent/dir/x.png", "plot: cannot write '/nonexistent/dir/x.png': No such file or directory",
        "/nonexistent/dir/x.png");
  const std::string bmp = temp_path("x.bmp");
  fails("plot sigmoid -o '" + bmp + "'", "plot: cannot tell the format of '" + bmp + "': use .png, .svg or .pdf", bmp);
  fails("plot sigmoid --range 3:3 -o '" + png + "'", "plot: --range 3:3 is empty (the first number must be smaller)", png);
  fails("plot relu tanh sigmoid elu gelu silu mish softplus -o '" + png + "'",
        "plot: 8 curves are too many to tell apart (at most 7)", png);
  fails("plot leaky_relu --alpha 2 -o '" + png + "'", "leaky_relu: alpha = 2.0 is out of range [0.0, 1.0]", png);
  fails("plot sigmoid", "plot: no output file (-o FILE.png, .svg or .pdf)", png);
  fails("plot softmax -o '" + png + "'", "plot: softmax needs values: actfn plot softmax 1 2 3 -o bars.png", png);
}

TEST(Table, AlignedAndCsv) {
  Result r = cli("table relu --range -1:1 --step 1 --grad");
  EXPECT_EQ(r.out,
            "   x  relu(x)  relu'(x)\n"
            "-1.0      0.0       0.0\n"
            " 0.0      0.0       0.0\n"
            " 1.0      1.0       1.0\n");
  r = cli("table leaky_relu --alpha 0.001 --range -1:0 --step 1 --csv");
  EXPECT_EQ(r.out, "x,leaky_relu\n-1.0,-0.001\n0.0,0.0\n");
  r = cli("table sigmoid --range 0:1 --step 0.25");
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 6);
  r = cli("table softmax");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "actfn: table: softmax works on a whole row; give it values: actfn softmax 1 2 3\n");
  r = cli("table relu --step 0");
  EXPECT_EQ(r.err, "actfn: table: --step '0' is not a positive number\n");
}

}  // namespace
