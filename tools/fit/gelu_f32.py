#!/usr/bin/env python3
"""Fits g(s) for the exact tier's float32 GELU (GeluErfF32 in src/kernels/gelu-inl.h), in
50-digit arithmetic (mpmath), and prints the coefficients as the kernel holds them.

    pip install mpmath && python3 tools/fit/gelu_f32.py [degree]

With a = |x|, z = a / sqrt(2), c = 2 sqrt(2) and t = c / (c + a) = 1 / (1 + z / 2):
erfc(z) = t exp(-z^2 + g), g(t) = log(erfc(z) / t) + z^2, a smooth function of s = 2t - 1
(Numerical Recipes' erfcc form, refitted). The kernel needs a in [0, 14.5] (beyond, gelu is
-0 or x in float32), so s in [2 c / (c + 14.5) - 1, 1] = [-0.674, 1]. The polynomial in s
interpolates g at Chebyshev nodes of that interval (degree 16 by default); c0 and c1 are
kept as double-words of float32s, the rest rounded to float32. The printed error is the
largest over 3001 points of the polynomial with those rounded coefficients, evaluated
exactly (the kernel's Horner roundings come on top: a few 1e-9).
"""
import struct
import sys

import mpmath as mp

mp.mp.dps = 50
C = 2 * mp.sqrt(2)
A_MAX = mp.mpf("14.5")
S0 = 2 * (C / (C + A_MAX)) - 1


def g_of_s(s):
    t = (s + 1) / 2
    z = C * (1 - t) / t / mp.sqrt(2)
    return mp.log(mp.erfc(z) / t) + z * z


def f32(v):
    return mp.mpf(struct.unpack("f", struct.pack("f", float(v)))[0])


def fit(degree):
    n = degree + 1
    nodes = [mp.cos(mp.pi * (j + mp.mpf(1) / 2) / n) for j in range(n)]
    sv = [(w + 1) / 2 * (1 - S0) + S0 for w in nodes]
    m = mp.matrix([[s ** k for k in range(n)] for s in sv])
    c = mp.lu_solve(m, mp.matrix([g_of_s(s) for s in sv]))
    return [c[k] for k in range(n)]


def main():
    degree = int(sys.argv[1]) if len(sys.argv) > 1 else 16
    c = fit(degree)
    held = []
    for k, v in enumerate(c):
        held.append(f32(v) + f32(v - f32(v)) if k < 2 else f32(v))
    worst = 0
    for j in range(3001):
        s = S0 + (1 - S0) * j / 3000
        p = mp.mpf(0)
        for v in reversed(held):
            p = p * s + v
        worst = max(worst, abs(p - g_of_s(s)))
    print("// degree %d on s in [%s, 1], max abs error %.3e (tools/fit/gelu_f32.py)"
          % (degree, mp.nstr(S0, 6), float(worst)))
    for k in range(2):
        h = f32(c[k])
        print("constexpr double kG%dHi = %r, kG%dLo = %r;" % (k, float(h), k, float(f32(c[k] - h))))
    print("constexpr float kG[] = {%s};" % ", ".join(repr(float(f32(v))) for v in c[2:]))


if __name__ == "__main__":
    main()
