// The Highway dispatch unit of the relu family (src/kernels/relu-inl.h): its kernels for every
// compiled target, found through detail::<name>_kernels() (src/dispatch.h).
#include "units/families.h"
#undef ACTFN_IN_relu
#define ACTFN_IN_relu(...) __VA_ARGS__

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "units/relu.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "kernels/relu-inl.h"
#include "units/elementwise-inl.h"
