#!/usr/bin/env python3
"""Writes docs/accuracy.md from actfn-accuracy --markdown output.

    build/actfn-accuracy --stride 64 --samples 10000000 --markdown > /tmp/acc.md
    build/actfn-accuracy sigmoid tanh --dtype f32 --exhaustive --markdown > /tmp/exh.md
    python3 tools/accuracy/render.py /tmp/acc.md [/tmp/exh.md ...] > docs/accuracy.md

Rows of later files replace the rows of earlier ones with the same function, parameters and
dtype (an exhaustive f32 run replaces the sampled one; a forward-only one keeps the earlier
backward columns, and its inputs say so: `all (backward 1/64)`). The detailed table at the end
is what `actfn-accuracy --check docs/accuracy.md` (ctest's accuracy.* tests) reads. Of
docs/accuracy-exhaustive.md only the exact tier's table is read (the fast tier's follows
`<!-- fast -->`; tools/accuracy/exhaustive.py merges it into docs/accuracy-fast.md).
"""
import datetime
import os
import platform
import subprocess
import sys

COLUMNS = ["function", "parameters", "dtype", "inputs", "fwd", "fwd_mean", "fwd_x", "rel", "abs",
           "bwd_x"]
# Selections (exact, 0 ULP) and piecewise functions with arithmetic (correctly rounded).
PIECEWISE = {"identity", "relu", "relu6", "hardtanh", "threshold", "hardshrink"}
PIECEWISE_ARITH = {"leaky_relu", "prelu", "rrelu", "softshrink", "squared_relu", "sparse_sigmoid",
                   "sparse_plus", "hardsigmoid", "hardswish", "sqnl", "quadratic"}
# Why a target is missed, by function (shown under the targets).
NOTES = {
    "elish": "expm1(x) sigmoid(x) for x < 0: two rounded factors",
    "ftswish": "x sigmoid(x) + T: the sum of a rounded product and T",
    "tanhexp": "tanh(e^x) takes the rounded e^x",
    "poisson1": "(x - 1) e^-x: (x - 1) and the product rounded",
    "gaussian": "exp(-x^2) with x^2 exact but the double-word exp not fed its low part",
    "xielu": "alpha_n (expm1(x) - x) + beta x: three rounded terms",
    "leaky_relu": "f32 outputs in the subnormal range: the native kernel forms alpha x at "
                  "2^64 scale and rounds twice, to float32 and in the scaling back (also rrelu)",
}
AXIS = {"softmax", "log_softmax", "softmin", "logsumexp"}
# The functions with a fast kernel of their own (the Makefile's FAST_KERNELS), and the bench
# set, whose backward the float32 proof covers too (make accuracy-exhaustive BACKWARD=1).
FAST_KERNELS = ["sigmoid", "tanh", "silu", "swish", "gelu", "softplus", "elu", "leaky_relu",
                "prelu", "rrelu"]
BENCH = ["sigmoid", "tanh", "silu", "gelu", "softplus", "elu"]


def read(path, marker="<!-- detail -->"):
    rows = []
    detail = False
    for line in open(path):
        if line.startswith("<!-- "):
            detail = line.startswith(marker)
        if not detail or not line.startswith("| `"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        row = dict(zip(COLUMNS, cells))
        row["function"] = row["function"].strip("`")
        rows.append(row)
    return rows


def num(v):
    return float("inf") if v == "inf" else float("nan") if v == "-" else float(v)


def cpu():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def machine_of(path):
    """The Machine: paragraph of a rendered page, through its "Command:"; None elsewhere."""
    text = open(path).read()
    i = text.find("\nMachine: ")
    j = text.find("Command:\n", i)
    return text[i + 1:j + len("Command:")] if i >= 0 and j >= 0 else None


def merge(old, new):
    """new replaces old; a forward-only new row keeps old's backward columns."""
    if old is None or new["rel"] != "-" or old["rel"] == "-":
        return new
    out = dict(new)
    for c in ("rel", "abs", "bwd_x"):
        out[c] = old[c]
    out["inputs"] = "%s (backward %s)" % (new["inputs"], old["inputs"].split(" (backward ")[-1]
                                          .rstrip(")"))
    return out


def merge_rows(lists):
    merged = {}
    order = []
    for rows in lists:
        for r in rows:
            key = (r["function"], r["parameters"], r["dtype"])
            if key not in merged:
                order.append(key)
            merged[key] = merge(merged.get(key), r)
    return [merged[k] for k in order]


def main(paths):
    rows = merge_rows(read(p) for p in paths)
    functions = []
    for r in rows:
        if r["function"] not in functions:
            functions.append(r["function"])
    default = {}  # the first parameter set of each function is its defaults
    for r in rows:
        default.setdefault((r["function"], r["dtype"]), r)

    def cell(fn, dt, key):
        r = default.get((fn, dt))
        return "-" if r is None else r[key]

    # Targets, over every parameter set.
    def worst(pred, key, dts):
        out = []
        for r in rows:
            if r["dtype"] in dts and pred(r["function"]) and r[key] != "-":
                out.append((num(r[key]), r))
        return max(out, key=lambda t: t[0]) if out else (0, None)

    def fails(pred, key, dts, bound):
        return [r for r in rows if r["dtype"] in dts and pred(r["function"]) and r[key] != "-"
                and num(r[key]) > bound]

    smooth = lambda f: f not in PIECEWISE and f not in AXIS
    elementwise = lambda f: f not in AXIS
    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                         text=True).stdout.strip()
    o = []
    o.append("# Accuracy\n")
    o.append(
        "Every function's error in ULP of its output type, forward and backward, against a\n"
        "correctly rounded reference, measured by `actfn-accuracy` (tools/accuracy/accuracy.cc)\n"
        "and written here by tools/accuracy/render.py. Regenerate it whenever a kernel changes\n"
        "(`make accuracy`): ctest's `accuracy.*` tests rerun a subset of the same inputs and fail\n"
        "when any maximum exceeds the one recorded below. These are the exact tier's figures (the\n"
        "default, `actfn::Accuracy::exact`); the fast tier's, measured the same way, are in\n"
        "[accuracy-fast.md](accuracy-fast.md) (`make accuracy-fast`). float32 over all 2^32 inputs\n"
        "against the same references: [accuracy-exhaustive.md](accuracy-exhaustive.md) (`make\n"
        "accuracy-exhaustive`; its rows replace the sampled ones below, `inputs` `all`); the exact\n"
        "tier's native float32 kernels over all 2^32 inputs against its float64 kernel, a second\n"
        "opinion: [accuracy-exact-exhaustive.md](accuracy-exact-exhaustive.md).\n")
    o.append("## How it is measured\n")
    o.append(
        "- **Inputs.** float16 and bfloat16: all 65,536. float32: all 2^32 where the `inputs`\n"
        "  column says `all` ([accuracy-exhaustive.md](accuracy-exhaustive.md), `make\n"
        "  accuracy-exhaustive`; `all (backward 1/64)`: the backward sampled), else 1/S of\n"
        "  the bit patterns (`1/64`: the patterns mix(j), j < 2^26, for a fixed bijection mix\n"
        "  of 32 bits: every binade, NaN and inf included),\n"
        "  plus 4,096 inputs around each hard point (0, and the saturation or overflow threshold\n"
        "  on each side, found by bisection). float64: 10^7 random inputs (half random bit\n"
        "  patterns, half with exponents in [-30, 10]) plus the hard points. Parameterized\n"
        "  functions at their defaults (first row) and with each parameter at one other value.\n"
        "  The softmax family: 494 rows of length 1, 2, 7, 1000 and 32000 with values up to\n"
        "  +-1, 10, 100 and 1e4, some -inf entries and ties.\n"
        "- **Reference.** Each function's scalar reference (the templates in\n"
        "  src/kernels/*-inl.h) in long double (for float32's forward, and the exhaustive\n"
        "  sweep's backward away from the zeros of f', in double first), and in\n"
        "  MPFR at 192 bits for every input whose error comes within a margin of the largest\n"
        "  error so far (each margin is 4x that reference's own error on an audit sample, at\n"
        "  least 1e-6 ULP, 0.01 for float64): every maximum and worst input below is MPFR's.\n"
        "  The softmax family is computed in MPFR throughout (log1p of the non-maximal sum, so\n"
        "  that log_softmax of a dominant logit is exact).\n"
        "- **Error.** |y - f(x)| in ULP of f(x) in the output type (subnormal ULPs below the\n"
        "  normals; an overflow to inf is exact where f(x) rounds to inf). gcu, snake, xielu and\n"
        "  ftswish, which cross zero away from 0, measure in ULP of max(|f(x)|, a scale of x)\n"
        "  (tests/reference.h). Backward is dx = 1 * f'(x): **rel** in ULP of |f'(x)|, **abs** in\n"
        "  ULP of max(|f'(x)|, |dy|) = max(|f'(x)|, 1): where f' crosses zero or saturates\n"
        "  (silu' at -1.28, gelu' at -0.75) its terms cancel and rel is large by nature; abs is\n"
        "  then the figure that says the backward is right. Maxima are rounded up to 0.001.\n")
    o.append(
        "How float32 is computed (src/map-inl.h, src/math-inl.h): on FMA targets sigmoid, silu,\n"
        "swish, quick_gelu, gelu, tanh, elu, selu, celu, softplus, logsigmoid, mish and the\n"
        "softmax family run native float32 kernels whose steps are float32 double-words (an exp\n"
        "good to 2^-29, log1p, quotients corrected once): within 1 ULP, 0.6-0.9 at worst, for\n"
        "speed (16 lanes per AVX-512 vector); leaky_relu, prelu and rrelu's alpha x is correctly\n"
        "rounded in float32 lanes (alpha as three floats, the products near a midpoint redone from\n"
        "the float64 alpha one at a time). Every other function, and\n"
        "every function on targets without FMA, computes float32 in float64 lanes with plain\n"
        "float64 steps and rounds once: 0.5 ULP but for a double rounding at rare inputs.\n"
        "float16 and bfloat16 go through the float64 kernels and round once, correctly: a\n"
        "float64 result within 32 float64 ULP of a 16-bit midpoint is first settled against the\n"
        "long double reference (src/settle.cc).\n")
    o.append(
        "The figures are the best SIMD target's (AVX-512 here). `actfn-accuracy --target avx2\n"
        "--check docs/accuracy.md` passes too (the same arithmetic); the targets without FMA\n"
        "(SSE4, SSSE3) round a few products differently and can exceed these maxima (lisht f64\n"
        "1.0, inverse_quadratic 1.6 on the f64 sample): the unit tests (tests/reference.h) hold\n"
        "them to their own bounds.\n")
    # A partial rerun merged into the previous file says so (ACTFN_ACCURACY_MACHINE: the line);
    # a page rendered again from itself (exhaustive rows merged) keeps its line.
    o.append(os.environ.get("ACTFN_ACCURACY_MACHINE") or machine_of(paths[0]) or
             "Machine: %s, %d threads; commit %s; %s. Command:\n" % (
                 cpu(), 2, git or "-", datetime.date.today().isoformat()))
    o.append("```sh\nmake accuracy   # build/actfn-accuracy --stride 64 --samples 10000000 "
             "--markdown, then render.py\n```\n")

    if not any(r["dtype"] == "f64" and r["function"] == "softmax" for r in rows):
        # A partial run (the exhaustive float32 file): only the detailed table.
        o = ["<!-- detail -->",
             "| function | parameters | dtype | inputs | forward max ULP | forward mean | worst x "
             "| backward max ULP (rel) | backward max ULP (abs) | worst x |",
             "|---|---|---|---|---|---|---|---|---|---|"]
        for r in rows:
            o.append("| `%s` | %s |" % (r["function"], " | ".join(r[c] for c in COLUMNS[1:])))
        print("\n".join(o))
        return
    o.append("## Targets\n")
    f16 = worst(elementwise, "fwd", {"f16", "bf16"})
    f16b = worst(elementwise, "abs", {"f16", "bf16"})
    f32 = worst(smooth, "fwd", {"f32"})
    pw = worst(lambda f: f in PIECEWISE, "fwd", {"f16", "bf16", "f32", "f64"})
    pwa = worst(lambda f: f in PIECEWISE_ARITH, "fwd", {"f32", "f64"})
    f16_fails = fails(elementwise, "fwd", {"f16", "bf16"}, 0.5)
    f64 = fails(elementwise, "fwd", {"f64"}, 1.0)
    bwd = fails(elementwise, "abs", {"f32", "f64"}, 2.0)

    def state(ok):
        return "**met**" if ok else "**not met**"

    o.append("| target | measured | |\n|---|---|---|")
    o.append("| f16, bf16 forward correctly rounded (<= 0.5 ULP, all inputs) | max %s ULP; above "
             "0.5: %s | %s |"
             % (f16[1]["fwd"] if f16[1] else "-",
                ", ".join(sorted({"%s %s" % (r["function"], r["dtype"]) for r in f16_fails}))
                or "none", state(f16[0] <= 0.5)))
    o.append("| f16, bf16 backward correctly rounded | max %s ULP (abs) | %s |"
             % (f16b[1]["abs"] if f16b[1] else "-", state(f16b[0] <= 0.5)))
    o.append("| f32 forward faithful (<= 1 ULP), smooth functions | max %s ULP (%s) | %s |"
             % (f32[1]["fwd"], f32[1]["function"], state(f32[0] <= 1)))
    proven = [fn for fn in functions if smooth(fn) and cell(fn, "f32", "inputs").startswith("all")]
    unproven = [fn for fn in functions if smooth(fn) and fn not in proven]
    o.append("| f32 forward over all 2^32 inputs, smooth functions at their defaults "
             "([accuracy-exhaustive.md](accuracy-exhaustive.md)) | %d of %d%s | %s |"
             % (len(proven), len(proven) + len(unproven),
                "; sampled only: " + ", ".join(unproven) if unproven else "", state(not unproven)))
    # The rest of the proof: the fast tier's own kernels (within 4 ULP) and the bench set's
    # backward (within 2 ULP of max(|dx|, |dy|)), every choice at the defaults, all 2^32 inputs.
    fast = [r for p in paths for r in read(p, "<!-- fast -->")]
    fast_done = [fn for fn in FAST_KERNELS if any(r["function"] == fn for r in fast)]
    fast_max = max(((num(r["fwd"]), r) for r in fast), key=lambda t: t[0], default=(0, None))
    bwd_rows = [r for r in rows if r["function"] in BENCH and r["dtype"] == "f32"
                and r["inputs"] == "all"]
    bwd_done = [fn for fn in BENCH if any(r["function"] == fn for r in bwd_rows)]
    bwd_max = max(((num(r["abs"]), r) for r in bwd_rows), key=lambda t: t[0], default=(0, None))
    left = [fn for fn in FAST_KERNELS if fn not in fast_done]
    left_b = [fn for fn in BENCH if fn not in bwd_done]
    o.append("| f32 over all 2^32 inputs: the fast tier's own kernels <= 4 ULP, the bench set's "
             "backward <= 2 ULP (abs) | fast %d of %d%s%s; backward %d of %d%s%s | %s |"
             % (len(fast_done), len(FAST_KERNELS),
                ", max %s ULP (%s)" % (fast_max[1]["fwd"], fast_max[1]["function"])
                if fast_max[1] else "", " (to go: %s)" % ", ".join(left) if left else "",
                len(bwd_done), len(BENCH),
                ", max %s ULP (%s)" % (bwd_max[1]["abs"], bwd_max[1]["function"])
                if bwd_max[1] else "", " (to go: %s)" % ", ".join(left_b) if left_b else "",
                state(not left and not left_b and fast_max[0] <= 4 and bwd_max[0] <= 2)))
    o.append("| piecewise-linear selections exact (%s) | max %s ULP | %s |"
             % (", ".join(sorted(PIECEWISE)), pw[1]["fwd"], state(pw[0] == 0)))
    o.append("| piecewise functions with arithmetic correctly rounded, f32 and f64 (%s) | max %s "
             "ULP (%s) | %s |" % (", ".join(sorted(PIECEWISE_ARITH)), pwa[1]["fwd"],
                                  pwa[1]["function"], state(pwa[0] <= 0.5)))
    o.append("| f64 forward <= 1 ULP on the samples | %d of %d cases above: %s | %s |"
             % (len(f64), sum(1 for r in rows if r["dtype"] == "f64" and elementwise(r["function"])),
                ", ".join(sorted({"%s %s" % (r["function"], r["fwd"]) for r in f64})) or "none",
                state(not f64)))
    o.append("| backward <= 2 ULP of max(abs(dx), abs(dy)) (f32, f64) | %s | %s |"
             % (", ".join(sorted({"%s %s %s" % (r["function"], r["dtype"], r["abs"])
                                  for r in bwd})) or "all within", state(not bwd)))
    sm = {r["function"]: r for r in rows if r["function"] in AXIS and r["dtype"] == "f64"}
    o.append("| softmax every element <= 2 ULP (f64; f32/f16/bf16 below) | %s | %s |"
             % (sm["softmax"]["fwd"], state(num(sm["softmax"]["fwd"]) <= 2)))
    o.append("| log_softmax accurate where a logit dominates | %s ULP (relative, every element) | %s |"
             % (sm["log_softmax"]["fwd"], state(num(sm["log_softmax"]["fwd"]) <= 2)))
    o.append("| logsumexp <= 1 ULP | %s ULP (f64) | %s |"
             % (sm["logsumexp"]["fwd"], state(num(sm["logsumexp"]["fwd"]) <= 1)))
    o.append("")
    pwa_fails = fails(lambda f: f in PIECEWISE_ARITH, "fwd", {"f32", "f64"}, 0.5)
    missed = sorted({r["function"] for r in f64 + bwd + f16_fails + pwa_fails}
                    | ({"logsumexp"} if num(sm["logsumexp"]["fwd"]) > 1 else set()))
    if missed or unproven or left or left_b:
        o.append("Why the misses miss (each is a known next step, none a wrong result):\n")
        for fn in missed:
            if fn in NOTES:
                o.append("- `%s`: %s." % (fn, NOTES[fn]))
        if unproven:
            o.append("- float32 over all inputs: a sweep takes 1-14 minutes per function and tier "
                     "on two cores (sinusoid 54, snake 42, gcu 33: long double's sine and cosine reducing large x); `make "
                     "accuracy-exhaustive` goes on where the last one stopped (%d to go)."
                     % len(unproven))
        if left or left_b:
            o.append("- the fast tier and the backward over all inputs: `make accuracy-exhaustive` "
                     "runs the fast tier after the exact one, `BACKWARD=1` the backward (2-10 "
                     "minutes per function); %d and %d functions to go."
                     % (len(left), len(left_b)))
        o.append("")

    o.append("## Summary: forward max ULP at the default parameters\n")
    o.append("| function | f16 | bf16 | f32 | f32 inputs | f64 | backward f32 (abs) "
             "| backward f64 (abs / rel) |")
    o.append("|---|---|---|---|---|---|---|---|")
    for fn in functions:
        o.append("| `%s` | %s | %s | %s | %s | %s | %s | %s / %s |" % (
            fn, cell(fn, "f16", "fwd"), cell(fn, "bf16", "fwd"), cell(fn, "f32", "fwd"),
            cell(fn, "f32", "inputs"), cell(fn, "f64", "fwd"), cell(fn, "f32", "abs"),
            cell(fn, "f64", "abs"), cell(fn, "f64", "rel")))
    o.append("")
    o.append("## Every case\n")
    o.append("<!-- detail -->")
    o.append("| function | parameters | dtype | inputs | forward max ULP | forward mean | worst x "
             "| backward max ULP (rel) | backward max ULP (abs) | worst x |")
    o.append("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        o.append("| `%s` | %s |" % (r["function"], " | ".join(r[c] for c in COLUMNS[1:])))
    print("\n".join(o))


if __name__ == "__main__":
    main(sys.argv[1:])
