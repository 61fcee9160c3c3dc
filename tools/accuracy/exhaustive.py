#!/usr/bin/env python3
"""docs/accuracy-exhaustive.md: the float32 sweeps over all 2^32 inputs, collected.

    python3 tools/accuracy/exhaustive.py collect SWEEPDIR > docs/accuracy-exhaustive.md.new
    python3 tools/accuracy/exhaustive.py fast docs/accuracy-fast.md > docs/accuracy-fast.md.new

collect: the rows already in docs/accuracy-exhaustive.md, replaced or joined by the files of
tools/accuracy/sweep.sh in SWEEPDIR/exact, SWEEPDIR/exact-backward and SWEEPDIR/fast (each actfn-accuracy's --markdown
table under a `<!-- DATE COMMIT SECONDSs -->` line). fast: docs/accuracy-fast.md with its
float32 rows replaced by the fast tier's exhaustive ones (render.py does the same for
docs/accuracy.md with the exact tier's, in `make accuracy`).
"""
import glob
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import render  # noqa: E402

DOC = "docs/accuracy-exhaustive.md"
EXTRA = ["date", "commit", "seconds"]
MARKERS = {"exact": "<!-- detail -->", "fast": "<!-- fast -->"}

HEADER = """# float32 over every input

Each smooth elementwise function's float32 forward on all 2^32 inputs (NaN, infinities and
subnormals included), at its default numbers and each choice, against the references of
[accuracy.md](accuracy.md): the function's scalar template in double first, then in long double,
then in MPFR at 192 bits, each pass handing on the inputs whose error comes within two of its
margins of the largest so far (at most 4,096 per block of 65,536 inputs; the others keep the
pass's figure, within its margin of a few 1e-6 ULP: tools/accuracy/accuracy.cc), so the maxima
are MPFR's. The exact tier's rows replace the sampled ones in docs/accuracy.md's tables
(its `inputs` column then says `all`), the fast tier's those of
[accuracy-fast.md](accuracy-fast.md). Functions without a fast kernel of their own (all but
sigmoid, silu, swish, tanh, elu, softplus, gelu, leaky_relu, prelu, rrelu) run the exact
kernel in both tiers: their exact row is their fast row.

Backward columns (`BACKWARD=1`, the bench set: dx = 1 * f'(x) from x, as accuracy.md
measures it): f' in double first, except in the blocks near a zero of f' away from 0 (a
prescan finds them: sign changes and dips below 2^-6), where the double cancels and long
double comes first; `-` where the sweep measured the forward only (its sampled figures stay
in accuracy.md). The commit is the one the sweep ran at; a row stands until a kernel it runs
changes (rerun that function): the commits differ where a run began after an unrelated
commit (every row so far ran the float32 kernels of commit 690273e: later commits changed
gelu's float64 kernel and the tools only).

```sh
make accuracy-exhaustive FUNCTIONS="sigmoid tanh"   # tools/accuracy/sweep.sh, then this page
# one function: build/actfn-accuracy tanh --dtype f32 --exhaustive --defaults --forward-only
```

Machine: %s, 2 threads (1 to 14 minutes per function and tier; sinusoid 54, snake 42 and gcu 33, their long double sine and cosine reducing large x; the backward 2 to 10 minutes more).
"""


def read_doc(path, tier):
    """The rows of one tier's table, with their date, commit and seconds."""
    if not os.path.exists(path):
        return []
    rows = []
    on = False
    for line in open(path):
        if line.startswith("<!-- "):
            on = line.startswith(MARKERS[tier])
        if not on or not line.startswith("| `"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        row = dict(zip(render.COLUMNS + EXTRA, cells))
        row["function"] = row["function"].strip("`")
        rows.append(row)
    return rows


def read_sweep(path):
    first = open(path).readline().split()
    date, commit, seconds = first[1], first[2], first[3].rstrip("s")
    rows = render.read(path)
    for r in rows:
        r.update(date=date, commit=commit, seconds=seconds)
    return rows


def table(rows, marker):
    o = [marker,
         "| function | parameters | dtype | inputs | forward max ULP | forward mean | worst x "
         "| backward max ULP (rel) | backward max ULP (abs) | worst x | date | commit | seconds |",
         "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        o.append("| `%s` | %s |" % (r["function"],
                                     " | ".join(r.get(c, "-") for c in render.COLUMNS[1:] + EXTRA)))
    return o


def collect(sweep):
    o = [HEADER % render.cpu()]
    for tier, title in (("exact", "The exact tier"), ("fast", "The fast tier")):
        merged = {}
        order = []
        # Forward-only files, then those with the backward (BACKWARD=1), which say more.
        new = [read_sweep(p) for d in (tier, tier + "-backward")
               for p in sorted(glob.glob(os.path.join(sweep, d, "*.md")))]
        for r in read_doc(DOC, tier) + [r for rows in new for r in rows]:
            key = (r["function"], r["parameters"])
            if key not in merged:
                order.append(key)
            merged[key] = r
        o.append("## %s\n" % title)
        o += table([merged[k] for k in order], MARKERS[tier])
        o.append("")
    print("\n".join(o))


def fast(path):
    """docs/accuracy-fast.md with the fast tier's exhaustive rows merged into its table."""
    lines = open(path).read().split("\n")
    cut = lines.index("<!-- detail -->")
    rows = render.merge_rows([render.read(path), read_doc(DOC, "fast")])
    out = lines[:cut] + ["<!-- detail -->",
                         "| function | parameters | dtype | inputs | forward max ULP | forward mean "
                         "| worst x | backward max ULP (rel) | backward max ULP (abs) | worst x |",
                         "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append("| `%s` | %s |" % (r["function"], " | ".join(r[c] for c in render.COLUMNS[1:])))
    print("\n".join(out))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "collect":
        collect(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "fast":
        fast(sys.argv[2])
    else:
        sys.exit(__doc__)
