/* The C interface from C: registry walk, forward, backward, and an error. */
#include <actfn/actfn.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static int failures = 0;
#define CHECK(cond)                                                   \
  do {                                                                \
    if (!(cond)) {                                                    \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                     \
    }                                                                 \
  } while (0)

int main(void) {
  CHECK(actfn_count() >= 61);
  const int relu = actfn_find("relu");
  CHECK(relu >= 0 && strcmp(actfn_name(relu), "relu") == 0);
  CHECK(actfn_find("linear") == actfn_find("identity"));
  CHECK(actfn_find("nope") == -1);
  const int leaky = actfn_find("leaky_relu");
  CHECK(actfn_param_count(leaky) == 1 && strcmp(actfn_param_name(leaky, 0), "alpha") == 0);
  CHECK(actfn_param_default(leaky, 0) == 0.01);
  CHECK(actfn_kind_of(actfn_find("softmax")) == ACTFN_AXIS);

  double x[3] = {-1, 0, 2}, y[3], dy[3] = {1, 1, 1}, dx[3];
  CHECK(actfn_forward("relu", ACTFN_F64, x, y, 1, 3, 1, NULL, 0) == 0);
  CHECK(y[0] == 0 && y[1] == 0 && y[2] == 2);
  const double alpha = 0.001;
  CHECK(actfn_forward("leaky_relu", ACTFN_F64, x, y, 1, 1, 1, &alpha, 1) == 0);
  CHECK(y[0] == -0.001);
  CHECK(actfn_forward("sigmoid", ACTFN_F64, x, y, 1, 1, 1, NULL, 0) == 0);
  CHECK(y[0] == 0.2689414213699951);
  CHECK(actfn_backward("relu", 0, ACTFN_F64, dy, x, dx, 1, 3, 1, NULL, 0) == 0);
  CHECK(dx[0] == 0 && dx[2] == 1);
  float xf[3] = {1, 2, 3}, yf[3];
  CHECK(actfn_forward("softmax", ACTFN_F32, xf, yf, 1, 3, 1, NULL, 0) == 0);
  CHECK(fabsf(yf[0] + yf[1] + yf[2] - 1) < 1e-6f);

  const double bad = 2;
  y[0] = 7;
  CHECK(actfn_forward("leaky_relu", ACTFN_F64, x, y, 1, 1, 1, &bad, 1) == -1);
  CHECK(strcmp(actfn_last_error(), "leaky_relu: alpha = 2.0 is out of range [0.0, 1.0]") == 0);
  CHECK(y[0] == 7);
  CHECK(actfn_check("leaky_relu", &bad, 1) == -1);
  CHECK(strcmp(actfn_last_error(), "leaky_relu: alpha = 2.0 is out of range [0.0, 1.0]") == 0);
  CHECK(actfn_check("leaky_relu", &alpha, 1) == 0);
  CHECK(actfn_check("leaky_relu", NULL, 0) == 0);
  CHECK(actfn_forward("sigmiod", ACTFN_F64, x, y, 1, 1, 1, NULL, 0) == -1);
  CHECK(strstr(actfn_last_error(), "did you mean 'sigmoid'") != NULL);
  /* The tiers: fast sigmoid within its bound, nothing flushed; an unknown tier is an error. */
  const int sig = actfn_find("sigmoid");
  CHECK(actfn_bound(sig, ACTFN_EXACT, ACTFN_F32) == 1);
  CHECK(actfn_bound(sig, ACTFN_FAST, ACTFN_F32) >= 1 && actfn_bound(sig, ACTFN_FAST, ACTFN_F32) <= 4);
  CHECK(actfn_bound(sig, 7, ACTFN_F32) == -1 && actfn_bound(-1, ACTFN_EXACT, ACTFN_F32) == -1);
  float xs[2] = {-1.0f, -100.0f}, ye[2], yq[2];
  CHECK(actfn_forward_tier("sigmoid", ACTFN_EXACT, ACTFN_F32, xs, ye, 1, 2, 1, NULL, 0) == 0);
  CHECK(actfn_forward_tier("sigmoid", ACTFN_FAST, ACTFN_F32, xs, yq, 1, 2, 1, NULL, 0) == 0);
  CHECK(fabsf(yq[0] - ye[0]) <= 4 * 0x1p-24f * ye[0] && yq[1] > 0);
  CHECK(actfn_backward_tier("sigmoid", ACTFN_FAST, 0, ACTFN_F64, dy, x, dx, 1, 1, 1, NULL, 0) == 0);
  CHECK(actfn_forward_tier("relu", 7, ACTFN_F64, x, y, 1, 1, 1, NULL, 0) == -1);
  CHECK(strcmp(actfn_last_error(), "relu: unknown accuracy 7 (ACTFN_EXACT = 0, ACTFN_FAST = 1)") == 0);
  if (failures == 0) printf("C API: all checks passed (actfn %s)\n", actfn_version());
  return failures != 0;
}
