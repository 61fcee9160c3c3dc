// One switch per family: ACTFN_IN_<family>(...) expands to nothing, except in that family's
// dispatch unit (src/units/<family>.cc), which redefines it to its arguments. The units
// iterate the one list (actfn/functions.inc) through it and so compile their own functions
// only. A new family adds a line here and a unit.
#pragma once

#define ACTFN_IN_relu(...)
#define ACTFN_IN_elu(...)
#define ACTFN_IN_gelu(...)
#define ACTFN_IN_sigmoid(...)
#define ACTFN_IN_tanh(...)
#define ACTFN_IN_softplus(...)
#define ACTFN_IN_other(...)
#define ACTFN_IN_softmax(...)
#define ACTFN_IN_simplex(...)
#define ACTFN_IN_gated(...)

// After the last target (HWY_ONCE), in namespace actfn: detail::<name>_kernels(), the
// function's <name>_entry() (an Entry) on the best target the CPU supports.
#define ACTFN_KERNELS_ACCESSOR(name, Entry)                  \
  HWY_EXPORT(name##_entry);                                  \
  const detail::Entry& detail::name##_kernels() {            \
    return HWY_DYNAMIC_DISPATCH(name##_entry)();             \
  }
