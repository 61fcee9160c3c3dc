#include "plot.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <cairo.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "format.h"

namespace actfn::plot {
namespace {

struct Rgb {
  double r, g, b;
};
// Okabe-Ito: blue, vermillion, bluish green, reddish purple, orange, sky blue, black.
constexpr Rgb kPalette[kMaxCurves] = {
    {0.000, 0.447, 0.698}, {0.835, 0.369, 0.000}, {0.000, 0.620, 0.451}, {0.800, 0.475, 0.655},
    {0.902, 0.624, 0.000}, {0.337, 0.706, 0.914}, {0.000, 0.000, 0.000}};


std::string short_number(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", v);
  return b;
}

// A "nice" step (1, 2 or 5 times a power of ten) giving about `target` ticks over span.
double nice_step(double span, int target) {
  const double raw = span / target;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * p) return m * p;
  return 10 * p;
}

void text(cairo_t* cr, double x, double y, const std::string& s, double size, double ax,
          double ay, bool bold = false) {
  cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
  cairo_text_extents_t e;
  cairo_text_extents(cr, s.c_str(), &e);
  cairo_move_to(cr, x - e.x_bearing - ax * e.width, y - e.y_bearing - ay * e.height);
  cairo_show_text(cr, s.c_str());
}

// Samples y = f(x) (or f'(x)) of an elementwise curve over [x0, x1].
std::vector<double> sample(const Curve& c, const std::vector<double>& xs, bool derivative) {
  std::vector<double> y(xs.size());
  const Axis a{1, xs.size(), 1};
  if (!derivative) {
    forward(*c.op, xs.data(), y.data(), a, c.params);
    return y;
  }
  const std::vector<double> ones(xs.size(), 1.0);
  if (c.op->reads(Saved::x)) {
    backward(*c.op, Saved::x, ones.data(), xs.data(), y.data(), a, c.params);
  } else {
    std::vector<double> fy(xs.size());
    forward(*c.op, xs.data(), fy.data(), a, c.params);
    backward(*c.op, Saved::y, ones.data(), fy.data(), y.data(), a, c.params);
  }
  return y;
}

void axes_and_grid(cairo_t* cr, const Frame& f) {
  const Rect& p = f.plot;
  // Light grid at the ticks, then the axes through the origin (or at the edge).
  const double sx = nice_step(f.x1 - f.x0, 8), sy = nice_step(f.y1 - f.y0, 6);
  cairo_set_line_width(cr, 1);
  cairo_set_source_rgb(cr, 0.90, 0.90, 0.90);
  for (double x = std::ceil(f.x0 / sx) * sx; x <= f.x1 + 1e-9 * sx; x += sx) {
    cairo_move_to(cr, std::round(f.px(x)) + 0.5, p.y);
    cairo_line_to(cr, std::round(f.px(x)) + 0.5, p.y + p.h);
  }
  for (double y = std::ceil(f.y0 / sy) * sy; y <= f.y1 + 1e-9 * sy; y += sy) {
    cairo_move_to(cr, p.x, std::round(f.py(y)) + 0.5);
    cairo_line_to(cr, p.x + p.w, std::round(f.py(y)) + 0.5);
  }
  cairo_stroke(cr);
  const double ax = std::clamp(0.0, f.y0, f.y1), ay = std::clamp(0.0, f.x0, f.x1);
  const double yaxis_px = std::round(f.px(ay)) + 0.5, xaxis_px = std::round(f.py(ax)) + 0.5;
  cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
  cairo_set_line_width(cr, 1.2);
  cairo_move_to(cr, p.x, xaxis_px);
  cairo_line_to(cr, p.x + p.w, xaxis_px);
  cairo_move_to(cr, yaxis_px, p.y);
  cairo_line_to(cr, yaxis_px, p.y + p.h);
  cairo_stroke(cr);
  // Ticks and their labels (0 once, below-left of the origin).
  cairo_set_line_width(cr, 1);
  for (double x = std::ceil(f.x0 / sx) * sx; x <= f.x1 + 1e-9 * sx; x += sx) {
    const double v = std::fabs(x) < 1e-9 * sx ? 0 : x;
    cairo_move_to(cr, std::round(f.px(v)) + 0.5, xaxis_px - 4);
    cairo_line_to(cr, std::round(f.px(v)) + 0.5, xaxis_px + 4);
    cairo_stroke(cr);
    if (v != 0 || ay != 0) text(cr, f.px(v), xaxis_px + 6, short_number(v), 11, 0.5, 0);
  }
  for (double y = std::ceil(f.y0 / sy) * sy; y <= f.y1 + 1e-9 * sy; y += sy) {
    const double v = std::fabs(y) < 1e-9 * sy ? 0 : y;
    cairo_move_to(cr, yaxis_px - 4, std::round(f.py(v)) + 0.5);
    cairo_line_to(cr, yaxis_px + 4, std::round(f.py(v)) + 0.5);
    cairo_stroke(cr);
    text(cr, yaxis_px - 7, f.py(v), short_number(v), 11, 1, 0.5);
  }
}

// The legend: a filled swatch (solid: the function; two short blocks: its derivative) and
// the label, in a box at the top left of the plot.
void legend(cairo_t* cr, const Frame& f, const std::vector<Curve>& curves, bool grad) {
  std::vector<std::pair<std::string, int>> rows;  // label, colour index (negative: derivative)
  for (std::size_t i = 0; i < curves.size(); ++i) {
    rows.emplace_back(curves[i].label, static_cast<int>(i));
    if (grad) rows.emplace_back("d/dx " + curves[i].label, -1 - static_cast<int>(i));
  }
  cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, 12);
  double wmax = 0;
  for (const auto& r : rows) {
    cairo_text_extents_t e;
    cairo_text_extents(cr, r.first.c_str(), &e);
    wmax = std::max(wmax, e.x_advance);
  }
  const double x = f.plot.x + 10, y = f.plot.y + 10, lh = 18;
  const double bw = wmax + 46, bh = lh * static_cast<double>(rows.size()) + 8;
  cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
  cairo_rectangle(cr, x, y, bw, bh);
  cairo_fill_preserve(cr);
  cairo_set_source_rgb(cr, 0.75, 0.75, 0.75);
  cairo_set_line_width(cr, 1);
  cairo_stroke(cr);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const int c = rows[i].second;
    const Rgb& rgb = kPalette[c >= 0 ? c : -1 - c];
    const double ry = y + 4 + lh * static_cast<double>(i) + lh / 2;
    cairo_set_source_rgb(cr, rgb.r, rgb.g, rgb.b);
    if (c >= 0) {
      cairo_rectangle(cr, x + 8, ry - 1.5, 26, 3);
    } else {
      cairo_rectangle(cr, x + 8, ry - 1, 10, 2);
      cairo_rectangle(cr, x + 24, ry - 1, 10, 2);
    }
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    text(cr, x + 40, ry, rows[i].first, 12, 0, 0.5);
  }
}

}  // namespace

Frame draw_curves(cairo_t* cr, Rect area, const std::vector<Curve>& curves, const Options& o) {
  const int count = std::max(2, o.samples);
  std::vector<double> xs(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) xs[i] = o.x0 + (o.x1 - o.x0) * i / (count - 1);
  std::vector<std::vector<double>> ys, gs;
  double lo = INFINITY, hi = -INFINITY;
  for (const Curve& c : curves) {
    ys.push_back(sample(c, xs, false));
    if (o.grad) gs.push_back(sample(c, xs, true));
  }
  for (const auto* set : {&ys, &gs})
    for (const auto& v : *set)
      for (double y : v)
        if (std::isfinite(y)) lo = std::min(lo, y), hi = std::max(hi, y);
  if (!std::isfinite(lo)) lo = -1, hi = 1;
  if (o.ylim) lo = o.y0, hi = o.y1;
  if (hi - lo < 1e-12) lo -= 1, hi += 1;
  if (!o.ylim) {  // a margin, and the x axis in view when it is close
    const double pad = 0.06 * (hi - lo);
    lo -= pad, hi += pad;
  }
  // Title on top; the plot fills the rest with room for tick labels.
  std::string title = o.title;
  if (title.empty()) {
    for (const Curve& c : curves) title += (title.empty() ? "" : ", ") + std::string(c.op->name);
    if (o.grad) title += " and derivatives";
  }
  cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
  text(cr, area.x + area.w / 2, area.y + 8, title, 15, 0.5, 0, true);
  const Frame f{o.x0, o.x1, lo, hi, Rect{area.x + 48, area.y + 34, area.w - 64, area.h - 58}};
  axes_and_grid(cr, f);
  // The curves, clipped to the plot; NaN breaks a curve into pieces of one path.
  cairo_save(cr);
  cairo_rectangle(cr, f.plot.x, f.plot.y, f.plot.w, f.plot.h);
  cairo_clip(cr);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  for (int pass = 0; pass < (o.grad ? 2 : 1); ++pass) {
    for (std::size_t c = 0; c < curves.size(); ++c) {
      const auto& v = pass == 0 ? ys[c] : gs[c];
      const Rgb& rgb = kPalette[c];
      cairo_set_source_rgb(cr, rgb.r, rgb.g, rgb.b);
      cairo_set_line_width(cr, pass == 0 ? 2.2 : 1.8);
      const double dash[] = {7, 4};
      cairo_set_dash(cr, dash, pass == 0 ? 0 : 2, 0);
      bool pen = false;
      for (int i = 0; i < count; ++i) {
        if (!std::isfinite(v[i])) {
          pen = false;
          continue;
        }
        // Far outside the view, stay just beyond its edge (the clip hides it).
        const double y = std::clamp(v[i], lo - 10 * (hi - lo), hi + 10 * (hi - lo));
        if (pen) {
          cairo_line_to(cr, f.px(xs[i]), f.py(y));
        } else {
          cairo_move_to(cr, f.px(xs[i]), f.py(y));
        }
        pen = true;
      }
      cairo_stroke(cr);
    }
  }
  cairo_set_dash(cr, nullptr, 0, 0);
  cairo_restore(cr);
  legend(cr, f, curves, o.grad);
  return f;
}

void draw_bars(cairo_t* cr, Rect area, const Curve& c, const std::vector<double>& logits,
               const std::string& title) {
  std::vector<double> y(logits.size());
  forward(*c.op, logits.data(), y.data(), Axis{1, logits.size(), 1}, c.params);
  cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
  text(cr, area.x + area.w / 2, area.y + 8, title.empty() ? c.label : title, 15, 0.5, 0, true);
  // Two panels: the logits (their own scale, through 0) and the outputs.
  const double top = area.y + 56, h = area.h - 100, gap = 40;
  const double pw = (area.w - 3 * gap) / 2;
  for (int panel = 0; panel < 2; ++panel) {
    const auto& v = panel == 0 ? logits : y;
    double lo = 0, hi = 0;
    for (double t : v)
      if (std::isfinite(t)) lo = std::min(lo, t), hi = std::max(hi, t);
    // Probabilities (no output below 0) on [0, 1]; log-probabilities on their own scale.
    if (panel == 1 && lo >= 0) lo = 0, hi = std::max(hi, 1.0);
    if (hi - lo < 1e-12) hi = lo + 1;
    const Frame f{0, 1, lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo),
                  Rect{area.x + gap + panel * (pw + gap), top, pw, h}};
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    text(cr, f.plot.x + pw / 2, top - 22, panel == 0 ? "input x" : "output " + std::string(c.op->name),
         12, 0.5, 0);
    const double zero = f.py(0), bw = pw / static_cast<double>(v.size());
    cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
    cairo_set_line_width(cr, 1);
    cairo_move_to(cr, f.plot.x, std::round(zero) + 0.5);
    cairo_line_to(cr, f.plot.x + pw, std::round(zero) + 0.5);
    cairo_stroke(cr);
    for (std::size_t i = 0; i < v.size(); ++i) {
      const Rgb& rgb = kPalette[panel == 0 ? 6 : 0];
      const double t = std::isfinite(v[i]) ? v[i] : (v[i] > 0 ? hi : lo);
      cairo_set_source_rgb(cr, rgb.r, rgb.g, rgb.b);
      const double x = f.plot.x + bw * static_cast<double>(i) + bw * 0.15;
      cairo_rectangle(cr, x, std::min(zero, f.py(t)), bw * 0.7, std::fabs(f.py(t) - zero));
      cairo_fill(cr);
      cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
      char b[32];
      std::snprintf(b, sizeof b, "%.3g", v[i]);
      const bool up = t >= 0;
      text(cr, x + bw * 0.35, up ? f.py(t) - 4 : f.py(t) + 4, b, 11, 0.5, up ? 1 : 0);
    }
  }
}

void write_figure_impl(const std::string& path, int width, int height,
                       void (*draw)(cairo_t*, void*), void* ctx) {
  const auto dot = path.rfind('.');
  std::string ext = dot == std::string::npos ? "" : path.substr(dot + 1);
  for (char& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (ext != "png" && ext != "svg" && ext != "pdf") {
    throw PlotError("cannot tell the format of '" + path + "': use .png, .svg or .pdf");
  }
  if (width < 100 || height < 100 || width > 10000 || height > 10000) {
    throw PlotError("size " + std::to_string(width) + "x" + std::to_string(height) +
                    " is out of range (100 to 10000 pixels a side)");
  }
  // Write beside the target, then rename: no partial file on failure.
  const std::string tmp = path + ".tmp-" + std::to_string(getpid());
  FILE* probe = std::fopen(tmp.c_str(), "wb");
  if (probe == nullptr) {
    throw PlotError("cannot write '" + path + "': " + std::strerror(errno));
  }
  std::fclose(probe);
  cairo_surface_t* s = nullptr;
  if (ext == "png") s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
  if (ext == "svg") s = cairo_svg_surface_create(tmp.c_str(), width, height);
  if (ext == "pdf") s = cairo_pdf_surface_create(tmp.c_str(), width, height);
  cairo_t* cr = cairo_create(s);
  cairo_set_antialias(cr, CAIRO_ANTIALIAS_BEST);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  try {
    draw(cr, ctx);
  } catch (...) {
    cairo_destroy(cr);
    cairo_surface_destroy(s);
    std::remove(tmp.c_str());
    throw;
  }
  cairo_destroy(cr);
  cairo_surface_flush(s);
  cairo_status_t st = CAIRO_STATUS_SUCCESS;
  if (ext == "png") st = cairo_surface_write_to_png(s, tmp.c_str());
  cairo_surface_finish(s);
  if (st == CAIRO_STATUS_SUCCESS) st = cairo_surface_status(s);
  cairo_surface_destroy(s);
  if (st != CAIRO_STATUS_SUCCESS || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw PlotError("cannot write '" + path + "': " +
                    (st != CAIRO_STATUS_SUCCESS ? cairo_status_to_string(st) : std::strerror(errno)));
  }
}

namespace {
// The curve of f with the first parameters given (the rest default), labelled with its name
// and the given ones: "leaky_relu (alpha=0.1)".
Curve curve(Fn f, std::vector<double> params = {}) {
  const Op& o = op(f);
  std::vector<double> p;
  std::string given;
  for (std::size_t i = 0; i < o.params.size(); ++i) {
    p.push_back(i < params.size() ? params[i] : o.params[i].def);
    if (i < params.size())
      given += (given.empty() ? "" : ", ") + std::string(o.params[i].name) + "=" +
               detail::python_repr(params[i]);
  }
  return Curve{&o, p, std::string(o.name) + (given.empty() ? "" : " (" + given + ")")};
}
}  // namespace

void demo_figure(const std::string& path) {
  const int w = 1200, h = 760;
  write_figure(path, w, h, [&](cairo_t* cr) {
    const double pw = w / 3.0, ph = h / 2.0;
    const auto panel = [&](int i) { return Rect{(i % 3) * pw, (i / 3) * ph, pw, ph}; };
    Options o;
    o.grad = true;
    o.x0 = -4, o.x1 = 4;
    // The seed's five functions, one panel each, titled as the article names them.
    const Curve identity = curve(Fn::identity), relu = curve(Fn::relu),
                leaky = curve(Fn::leaky_relu, {0.1}), sigmoid = curve(Fn::sigmoid);
    o.title = "linear (identity)";
    draw_curves(cr, panel(0), {identity}, o);
    o.title = "ReLU";
    draw_curves(cr, panel(1), {relu}, o);
    o.title = "leaky ReLU";
    draw_curves(cr, panel(2), {leaky}, o);
    o.title = sigmoid.label;
    draw_curves(cr, panel(3), {sigmoid}, o);
    const Curve softmax = curve(Fn::softmax);
    draw_bars(cr, panel(4), softmax, {1, 2, 3}, softmax.label + "([1, 2, 3])");
    Options all;
    all.x0 = -4, all.x1 = 4;
    all.title = "all four";
    draw_curves(cr, panel(5), {identity, relu, leaky, sigmoid}, all);
  });
}

// docs/gallery.md's picture of one function (gallery_picture says which kind), as a small
// SVG: elementwise functions with their derivative over [-6, 6]; the softmax family as bars
// of five logits; gated units as their gate's curve (b = 1).
bool gallery_image(const Op& op, const std::string& path) {
  Options o;
  o.grad = true;
  o.width = 400, o.height = 240;
  o.samples = 241;  // 0.05 apart: smooth at this size, small files
  std::vector<double> params;
  for (const auto& p : op.params) params.push_back(p.def);
  switch (op.kind) {
    case Kind::elementwise:
    case Kind::gated: {
      const Op& f = op.kind == Kind::gated ? actfn::op(op.gate) : op;
      std::vector<double> fp;
      for (std::size_t i = 0; i < f.params.size(); ++i) fp.push_back(i < params.size() ? params[i] : f.params[i].def);
      // glu is a sigmoid(b); the others act(a) b
      o.title = op.kind != Kind::gated ? std::string(op.name)
                : op.name == "glu"      ? std::string(op.name) + ": a act(b) at a = 1"
                                        : std::string(op.name) + ": act(a) b at b = 1";
      const std::vector<Curve> c{{&f, fp, std::string(f.name)}};
      write_figure(path, o.width, o.height, [&](cairo_t* cr) {
        draw_curves(cr, {0, 0, double(o.width), double(o.height)}, c, o);
      });
      return true;
    }
    case Kind::axis: {
      const Curve c{&op, params, std::string(op.name)};
      const std::vector<double> logits{-1, 1, 3};
      write_figure(path, o.width, o.height, [&](cairo_t* cr) {
        draw_bars(cr, {0, 0, double(o.width), double(o.height)}, c, logits, std::string(op.name) + " of -1 1 3");
      });
      return true;
    }
    case Kind::reduce: return false;
  }
  return false;
}

}  // namespace actfn::plot
