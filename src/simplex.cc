// The dispatch unit of the simplex family (src/kernels/simplex.h): sparsemax and 1.5-entmax,
// plain C++ line by line (no SIMD target to choose), found through detail::<name>_kernels().
#include "dispatch.h"
#include "kernels/simplex.h"
#include "units/families.h"
#undef ACTFN_IN_simplex
#define ACTFN_IN_simplex(...) __VA_ARGS__

namespace actfn::detail {
namespace {

template <bool kEntmax>
struct SimplexKernel {
  template <class T>
  static void Forward(const T* x, T* y, Axis a, const double*) {
    ForEachLine(x, y, a, kEntmax ? Entmax15Line : SparsemaxLine);
  }
  template <class T>
  static void Backward(const T* dy, const T* y, T* dx, Axis a, const double*) {
    SimplexBackward(dy, y, dx, a, kEntmax);
  }
  static constexpr AxisEntry kEntry = {{&Forward<float>, &Backward<float>},
                                       {&Forward<double>, &Backward<double>}};
};
using Sparsemax = SimplexKernel<false>;
using Entmax15 = SimplexKernel<true>;

}  // namespace

#define ACTFN_FN(name, kind, family, Kernel) \
  ACTFN_IN_##family(const AxisEntry& name##_kernels() { return Kernel::kEntry; })
#include "actfn/functions.inc"

}  // namespace actfn::detail
