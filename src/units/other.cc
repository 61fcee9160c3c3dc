// The Highway dispatch unit of the other family (src/kernels/other-inl.h): its kernels for every
// compiled target, found through detail::<name>_kernels() (src/dispatch.h).
#include "units/families.h"
#undef ACTFN_IN_other
#define ACTFN_IN_other(...) __VA_ARGS__

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "units/other.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "kernels/other-inl.h"
#include "units/elementwise-inl.h"
