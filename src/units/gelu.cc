// The Highway dispatch unit of the gelu family (src/kernels/gelu-inl.h): its kernels for every
// compiled target, found through detail::<name>_kernels() (src/dispatch.h).
#include "units/families.h"
#undef ACTFN_IN_gelu
#define ACTFN_IN_gelu(...) __VA_ARGS__

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "units/gelu.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "kernels/gelu-inl.h"
#include "units/elementwise-inl.h"
