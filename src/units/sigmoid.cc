// The Highway dispatch unit of the sigmoid family (src/kernels/sigmoid-inl.h): its kernels for every
// compiled target, found through detail::<name>_kernels() (src/dispatch.h).
#include "units/families.h"
#undef ACTFN_IN_sigmoid
#define ACTFN_IN_sigmoid(...) __VA_ARGS__

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "units/sigmoid.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "kernels/sigmoid-inl.h"
#include "units/elementwise-inl.h"
