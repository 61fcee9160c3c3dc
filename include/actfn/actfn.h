/* actfn's C interface: every registered function by name, for C, Rust, Go, Julia ... .
 *
 *   double x[3] = {-1, 0, 2}, y[3];
 *   if (actfn_forward("relu", ACTFN_F64, x, y, 1, 3, 1, NULL, 0) != 0)
 *     fprintf(stderr, "%s\n", actfn_last_error());
 *
 * Shapes are (outer, n, inner): a flat array of n values is (1, n, 1); softmax-family functions
 * work along the middle axis. params are in registry order (actfn_param_name), fewer take the
 * defaults. Every call returns 0, or -1 with a message for actfn_last_error() (per thread),
 * and then writes nothing. */
#ifndef ACTFN_ACTFN_H_
#define ACTFN_ACTFN_H_

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { ACTFN_F32 = 0, ACTFN_F64 = 1 } actfn_dtype;
/* The accuracy tiers of actfn.hpp's actfn::Accuracy: exact (f32 within 1 ULP), fast (within
 * 4 ULP, nothing flushed, the same special values). */
typedef enum { ACTFN_EXACT = 0, ACTFN_FAST = 1 } actfn_accuracy;
typedef enum { ACTFN_ELEMENTWISE = 0, ACTFN_AXIS = 1, ACTFN_REDUCE = 2, ACTFN_GATED = 3 } actfn_kind;

/* The registry. */
int actfn_count(void);                       /* number of functions */
const char* actfn_name(int i);               /* NULL outside [0, count) */
int actfn_find(const char* name);            /* index of a name or alias, or -1 */
int actfn_kind_of(int i);                    /* an actfn_kind, or -1 */
const char* actfn_formula(int i);
const char* actfn_derivative(int i);
int actfn_reads(int i);                      /* bit 1: backward reads x, bit 2: reads y */
int actfn_param_count(int i);
const char* actfn_param_name(int i, int k);
double actfn_param_default(int i, int k);
double actfn_param_min(int i, int k);
double actfn_param_max(int i, int k);
/* The forward error bound the tests enforce, in ULP, for an actfn_accuracy and an actfn_dtype
 * (docs/accuracy.md); -1 for an unknown function, tier or dtype. */
double actfn_bound(int i, int accuracy, int dtype);

/* dtype is an actfn_dtype (an int, so that any value a caller passes is defined behaviour).
 * y = f(x); backward: dx = dy * f'(.) reading `saved` as x (from_y = 0) or y (from_y = 1).
 * Sizes by kind as in actfn.hpp: reduce writes outer * inner values, gated outer * n/2 * inner. */
int actfn_forward(const char* name, int dtype, const void* x, void* y, size_t outer,
                  size_t n, size_t inner, const double* params, size_t nparams);
int actfn_backward(const char* name, int from_y, int dtype, const void* dy,
                   const void* saved, void* dx, size_t outer, size_t n, size_t inner,
                   const double* params, size_t nparams);

/* The same in a tier (an actfn_accuracy; the calls above are ACTFN_EXACT). */
int actfn_forward_tier(const char* name, int accuracy, int dtype, const void* x, void* y,
                       size_t outer, size_t n, size_t inner, const double* params,
                       size_t nparams);
int actfn_backward_tier(const char* name, int accuracy, int from_y, int dtype, const void* dy,
                        const void* saved, void* dx, size_t outer, size_t n, size_t inner,
                        const double* params, size_t nparams);

/* 0 when params are valid for the function, else -1 with the message a call would give. */
int actfn_check(const char* name, const double* params, size_t nparams);

const char* actfn_last_error(void);
const char* actfn_version(void);

#ifdef __cplusplus
}
#endif

#endif /* ACTFN_ACTFN_H_ */
