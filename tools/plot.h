// Plots of the registry's functions with Cairo: curves with their derivatives, softmax-family
// bars, and the demo's grid of the seed's functions. Used by `actfn plot`, `actfn demo` and
// the tests (which read the pixel transform back from Frame).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "actfn/actfn.hpp"

typedef struct _cairo cairo_t;

namespace actfn::plot {

// A failure the user caused (bad extension, unwritable path ...): one line, exit status 2.
class PlotError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Curve {
  const Op* op;
  std::vector<double> params;  // in registry order (defaults filled in)
  std::string label;           // "leaky_relu (alpha=0.1)"
};

struct Options {
  double x0 = -6, x1 = 6;          // --range
  bool ylim = false;               // --ylim given
  double y0 = 0, y1 = 0;
  bool grad = false;               // derivatives, dashed, in the curve's colour
  std::string title;               // "" draws the function names
  int width = 800, height = 500;
  int samples = 801;               // points per curve
};

struct Rect {
  double x, y, w, h;
};

// Data coordinates to device pixels, for one panel.
struct Frame {
  double x0, x1, y0, y1;    // data range shown
  Rect plot;                // the plotting area, in pixels
  double px(double x) const { return plot.x + (x - x0) / (x1 - x0) * plot.w; }
  double py(double y) const { return plot.y + (y1 - y) / (y1 - y0) * plot.h; }
};

// The colour-blind-safe palette (Okabe & Ito 2008), in drawing order; at most this many
// curves in one plot.
inline constexpr int kMaxCurves = 7;

// Curves (and derivatives) of elementwise functions in `area`.
Frame draw_curves(cairo_t* cr, Rect area, const std::vector<Curve>& curves, const Options& o);
// A softmax-family function as bars: the logits and the outputs side by side.
void draw_bars(cairo_t* cr, Rect area, const Curve& c, const std::vector<double>& logits,
               const std::string& title);

// Writes a width x height figure drawn by `draw` to `path` (.png, .svg or .pdf), through a
// temporary file renamed at the end: a failure leaves no file behind.
template <class F>
void write_figure(const std::string& path, int width, int height, F draw);
void write_figure_impl(const std::string& path, int width, int height,
                       void (*draw)(cairo_t*, void*), void* ctx);

template <class F>
void write_figure(const std::string& path, int width, int height, F draw) {
  write_figure_impl(path, width, height, [](cairo_t* cr, void* f) { (*static_cast<F*>(f))(cr); },
                    &draw);
}

// docs/gallery.md's picture of op (docs/img/gallery/<name>.svg); false for the functions
// drawn by none (reductions: one value per line).
bool gallery_image(const Op& op, const std::string& path);

// The demo's figure: the seed's functions and their derivatives in a 2 x 3 grid, 1200 x 760.
void demo_figure(const std::string& path);

}  // namespace actfn::plot
