// The Highway dispatch unit of the softplus family (src/kernels/softplus-inl.h): its kernels for every
// compiled target, found through detail::<name>_kernels() (src/dispatch.h).
#include "units/families.h"
#undef ACTFN_IN_softplus
#define ACTFN_IN_softplus(...) __VA_ARGS__

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "units/softplus.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "kernels/softplus-inl.h"
#include "units/elementwise-inl.h"
