#!/usr/bin/env python3
"""Fits the Chebyshev expansions that actfn's kernels evaluate with Clenshaw's recurrence
(src/math-inl.h), in 50-digit arithmetic (mpmath), and prints them as C++ arrays.

    pip install mpmath && python3 tools/fit/chebyshev.py

Each expansion approximates a smooth function g on [-1, 1] (after a change of variable);
terms are kept until the next ones fall below the dtype's target relative error. The output
is pasted into src/kernels/*-inl.h next to a comment naming this script.

- mills: M(a) = exp(a^2/2) * Phi(-a) for a >= 0 (Phi the standard normal CDF). GELU's
  tail: Phi(-a) = exp(-a^2/2) * M(a), where the exponent a^2/2 is formed exactly. Two
  pieces, each in a variable whose rounding the fit does not amplify: on [0, 8],
  z = (a - 4) / (a + 4) in [-1, 1/3]; on [8, 40], a M(a) in u = 1 / a. float64's leading
  coefficients also as double-words (the *Lo arrays): its kernel sums them in double-word
  arithmetic.
- tanhshrink: T(u) = (x - tanh x) / x^3 with u = x^2 in [0, 1], variable z = 2u - 1.
"""
import mpmath as mp

mp.mp.dps = 50


def cheb_coeffs(g, n):
    """Chebyshev interpolation coefficients c_0..c_{n-1} of g on [-1, 1] (n nodes)."""
    nodes = [mp.cos(mp.pi * (j + mp.mpf(1) / 2) / n) for j in range(n)]
    vals = [g(z) for z in nodes]
    c = []
    for k in range(n):
        s = mp.fsum(vals[j] * mp.cos(mp.pi * k * (j + mp.mpf(1) / 2) / n) for j in range(n))
        c.append(2 * s / n)
    c[0] /= 2
    return c


def clenshaw(c, z):
    b1 = b2 = mp.mpf(0)
    for ck in reversed(c[1:]):
        b1, b2 = ck + 2 * z * b1 - b2, b1
    return c[0] + z * b1 - b2


def truncate(g, c, rel, probe=2000):
    """Fewest leading terms whose relative error stays below rel on a fine probe grid."""
    for m in range(4, len(c) + 1):
        worst = mp.mpf(0)
        for i in range(probe + 1):
            z = -1 + 2 * mp.mpf(i) / probe
            want = g(z)
            worst = max(worst, abs(clenshaw(c[:m], z) - want) / abs(want))
        if worst < rel:
            return c[:m], worst
    raise SystemExit("not enough terms")


def emit_lo(name, c, k):
    """What double leaves out of the first k coefficients: c[j] = double(c[j]) + lo[j]."""
    lo = [c[j] - mp.mpf(float(c[j])) for j in range(k)]
    body = ",\n    ".join(mp.nstr(x, 17, min_fixed=1, max_fixed=0) for x in lo)
    which = "c_0" if k == 1 else f"c_0..c_{k - 1}"
    print(f"// {which} - double(c_k) (tools/fit/chebyshev.py)")
    print(f"constexpr double {name}[] = {{\n    {body}}};\n")


def emit(name, c, ctype, worst):
    digits = 17 if ctype == "double" else 9
    body = ",\n    ".join(mp.nstr(x, digits, min_fixed=1, max_fixed=0) for x in c)
    print(f"// {len(c)} terms, max relative error {mp.nstr(worst, 3)} (tools/fit/chebyshev.py)")
    print(f"constexpr {ctype} {name}[] = {{\n    {body}}};\n")


def mills_near():
    """g(s) = M(a), a in [0, 8]: z = (a - 4) / (a + 4) in [-1, 1/3], s = 1.5 (z + 1) - 1."""
    def g(s):
        z = (s + 1) / mp.mpf("1.5") - 1
        a = 4 * (1 + z) / (1 - z)
        return mp.exp(a * a / 2) * mp.ncdf(-a)
    return g


def mills_far():
    """g(s) = a M(a), a in [8, 40]: u = 1 / a in [1/40, 1/8], s = (u - 0.075) / 0.05."""
    def g(s):
        u = s * mp.mpf("0.05") + mp.mpf("0.075")
        a = 1 / u
        return a * mp.exp(a * a / 2) * mp.ncdf(-a)
    return g


def tanhshrink(z):
    u = (z + 1) / 2
    if u == 0:
        return mp.mpf(1) / 3
    x = mp.sqrt(u)
    return (x - mp.tanh(x)) / x**3


if __name__ == "__main__":
    for name, g in (("Near", mills_near()), ("Far", mills_far())):
        c = cheb_coeffs(g, 60)
        c64, w64 = truncate(g, c, mp.mpf("2e-18"))
        c32, w32 = truncate(g, c, mp.mpf("3e-9"))
        emit(f"kMills{name}64", c64, "double", w64)
        emit_lo(f"kMills{name}64Lo", c64, 4 if name == "Near" else 1)
        emit(f"kMills{name}32", c32, "float", w32)
    c = cheb_coeffs(tanhshrink, 60)
    c32, w32 = truncate(tanhshrink, c, mp.mpf("3e-9"))  # float64 uses the Taylor series
    emit("kTanhshrink32", c32, "float", w32)
