// The softmax family's options (SoftmaxOptions: scale, additive and boolean masks broadcast as
// numpy does, safe rows): the masks and the scale are applied to a copy of x, which the plain
// kernel then takes with {scale 1, safe}.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "actfn/actfn.hpp"
#include "check.h"
#include "format.h"

namespace actfn {
namespace {

using detail::checked_size;
using detail::check_io;
using detail::fail;
using detail::python_repr;


// For each element of `shape`, the offset of the element of `mshape` broadcast onto it.
std::vector<std::size_t> broadcast_offsets(const Op& op, std::span<const std::size_t> shape,
                                           std::span<const std::size_t> mshape, const char* what) {
  const auto text = [](std::span<const std::size_t> s) {
    std::string t = "(";
    for (std::size_t i = 0; i < s.size(); ++i) t += (i ? ", " : "") + std::to_string(s[i]);
    return t + (s.size() == 1 ? ",)" : ")");
  };
  if (mshape.size() > shape.size()) {
    fail(op, std::string(what) + " shape " + text(mshape) + " has more dimensions than " +
                 text(shape));
  }
  const std::size_t r = shape.size(), lead = r - mshape.size();
  std::vector<std::size_t> stride(r, 0);
  std::size_t st = 1;
  for (std::size_t i = r; i-- > lead;) {
    const std::size_t m = mshape[i - lead];
    if (m != shape[i] && m != 1) {
      fail(op, std::string(what) + " shape " + text(mshape) + " does not broadcast against " +
                   text(shape));
    }
    stride[i] = m == 1 ? 0 : st;
    st *= m;
  }
  std::size_t total = 1;
  for (std::size_t v : shape) total *= v;
  std::vector<std::size_t> off(total);
  std::vector<std::size_t> idx(r, 0);
  std::size_t cur = 0;
  for (std::size_t k = 0; k < total; ++k) {
    off[k] = cur;
    for (std::size_t i = r; i-- > 0;) {  // odometer
      if (++idx[i] < shape[i]) {
        cur += stride[i];
        break;
      }
      cur -= stride[i] * (shape[i] - 1);
      idx[i] = 0;
    }
  }
  return off;
}

template <Real T>
struct Masked {
  std::vector<T> x;            // scale x + additive, -inf where masked
  std::vector<bool> dropped;   // masked entries (their gradient is 0)
};

template <Real T>
Masked<T> apply_options(const Op& op, const T* x, std::span<const std::size_t> shape,
                        const SoftmaxOptions<T>& opt) {
  const Axis a = along(shape, -1);
  const std::size_t count = checked_size(op, a);
  if (count > 0 && x == nullptr) fail(op, "x is null with " + std::to_string(count) + " elements");
  if (!(std::isfinite(opt.scale))) fail(op, "scale = " + python_repr(opt.scale) + " is not finite");
  Masked<T> m;
  m.x.resize(count);
  m.dropped.assign(count, false);
  std::vector<std::size_t> aoff, moff;
  if (opt.additive_mask != nullptr) aoff = broadcast_offsets(op, shape, opt.additive_mask_shape, "additive mask");
  if (opt.mask != nullptr) moff = broadcast_offsets(op, shape, opt.mask_shape, "mask");
  for (std::size_t i = 0; i < count; ++i) {
    T v = opt.scale == 1 ? x[i] : static_cast<T>(x[i] * opt.scale);
    if (opt.additive_mask != nullptr) v += opt.additive_mask[aoff[i]];
    if (opt.mask != nullptr && !opt.mask[moff[i]]) {
      // The value the function ignores: -inf, or +inf for the softmax of -x.
      v = op.negated ? std::numeric_limits<T>::infinity() : -std::numeric_limits<T>::infinity();
      m.dropped[i] = true;
    }
    m.x[i] = v;
  }
  return m;
}

void check_options(const Op& o) {
  if (!o.softmax_options) fail(o, "takes no softmax options (scale, masks, safe)");
}

}  // namespace

template <Real T>
void forward(const Op& o, const T* x, T* y, std::span<const std::size_t> shape, int axis,
             const SoftmaxOptions<T>& opt, Accuracy acc) {
  check_options(o);
  const Axis a = along(shape, axis);
  check_io(o, "y", y, "x", x, checked_size(o, a));
  const Masked<T> m = apply_options(o, x, shape, opt);
  const double p[] = {1, opt.safe ? 1.0 : 0.0};
  forward(o, m.x.data(), y, a, p, acc);
}

template <Real T>
void backward(const Op& o, const T* dy, const T* y, T* dx, std::span<const std::size_t> shape,
              int axis, const SoftmaxOptions<T>& opt, Accuracy acc) {
  check_options(o);
  const Axis a = along(shape, axis);
  const double p[] = {opt.scale, opt.safe ? 1.0 : 0.0};
  backward(o, Saved::y, dy, y, dx, a, p, acc);
  if (opt.mask == nullptr) return;
  const auto moff = broadcast_offsets(o, shape, opt.mask_shape, "mask");
  for (std::size_t i = 0; i < moff.size(); ++i)
    if (!opt.mask[moff[i]]) dx[i] = 0;
}

#define ACTFN_OPTIONS_INSTANCES(T)                                                        \
  template void forward<T>(const Op&, const T*, T*, std::span<const std::size_t>, int,      \
                           const SoftmaxOptions<T>&, Accuracy);                             \
  template void backward<T>(const Op&, const T*, const T*, T*, std::span<const std::size_t>, \
                            int, const SoftmaxOptions<T>&, Accuracy);
ACTFN_OPTIONS_INSTANCES(float)
ACTFN_OPTIONS_INSTANCES(double)
#undef ACTFN_OPTIONS_INSTANCES

}  // namespace actfn
