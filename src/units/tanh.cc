// The Highway dispatch unit of the tanh family (src/kernels/tanh-inl.h): its kernels for every
// compiled target, found through detail::<name>_kernels() (src/dispatch.h).
#include "units/families.h"
#undef ACTFN_IN_tanh
#define ACTFN_IN_tanh(...) __VA_ARGS__

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "units/tanh.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "kernels/tanh-inl.h"
#include "units/elementwise-inl.h"
