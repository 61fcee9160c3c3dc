// Built against the installed package by tests/install/run.cmake.
#include <actfn/actfn.hpp>
#include <cstdio>

int main() {
  float x[3] = {-1.0f, 0.0f, 2.0f}, y[3];
  actfn::relu(x, y, 3);
  std::printf("%.17g %g %g %g %zu\n", actfn::sigmoid(-1.0), y[0], y[1], y[2], actfn::ops().size());
  return actfn::sigmoid(-1.0) == 0.2689414213699951 && y[2] == 2.0f ? 0 : 1;
}
