"""The Python side of bench/compare: actfn's ufuncs next to numpy, scipy and torch, each that
imports. Prints tab-separated lines like actfn-compare's:  function  impl  n  ns_per_elt  -
(n = 10: the per-call cost in ns, not per element). Run once per interpreter: the project's
virtual environment has actfn, numpy and scipy; Debian's python3-torch runs under
/usr/bin/python3.

    python bench/compare_python.py --threads T
"""
import argparse
import sys
import timeit


def best(stmt, number):
    """Seconds per call: the best of 5 repeats of `number` calls."""
    return min(timeit.repeat(stmt, number=number, repeat=5)) / number


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1,
                    help="torch's threads (actfn's: ACTFN_NUM_THREADS, set by bench/compare)")
    args = ap.parse_args()
    import numpy as np

    rng = np.random.default_rng(1)
    big = rng.uniform(-5, 5, 1 << 20).astype(np.float32)
    small = big[:10].copy()
    out = np.empty_like(big)

    # The sigmoid's accuracy: every binade of [-128, 128] (as actfn-compare's inputs), in ULP
    # of float32 against the float64 result (within 1e-16 relative of the true one).
    acc_x = (rng.choice([-1.0, 1.0], 1 << 18) * np.exp2(rng.uniform(-24, 7, 1 << 18))).astype(np.float32)
    ref = 1 / (1 + np.exp(-acc_x.astype(np.float64)))
    ref32 = ref.astype(np.float32)

    def ulp_of(y):
        y = np.asarray(y, dtype=np.float32)
        bad = ~np.isfinite(y)
        u = np.spacing(np.abs(ref32)).astype(np.float64)
        err = np.abs(y.astype(np.float64) - ref) / u
        return float("inf") if bad.any() else float(err.max())

    ulps = {}

    def emit(function, impl, n, seconds):
        per = seconds * 1e9 / (n if n > 10 else 1)
        u = ulps.get((function, impl))
        print(f"{function}\t{impl}\t{n}\t{per:.4f}\t{'-' if u is None else f'{u:.3g}'}", flush=True)

    try:
        import actfn

        ulps[("py:sigmoid", "actfn")] = ulp_of(actfn.sigmoid(acc_x))
        emit("py:sigmoid", "actfn", big.size, best(lambda: actfn.sigmoid(big, out=out), 20))
        emit("py:sigmoid", "actfn", 10, best(lambda: actfn.sigmoid(small), 20000))
        emit("py:softmax/1024", "actfn", big.size,
             best(lambda: actfn.softmax(big.reshape(-1, 1024), axis=-1), 10))
        fast = actfn.fast
        ulps[("py:sigmoid", "actfn-fast")] = ulp_of(fast.sigmoid(acc_x))
        emit("py:sigmoid", "actfn-fast", big.size, best(lambda: fast.sigmoid(big, out=out), 20))
        emit("py:sigmoid", "actfn-fast", 10, best(lambda: fast.sigmoid(small), 20000))
        emit("py:softmax/1024", "actfn-fast", big.size,
             best(lambda: fast.softmax(big.reshape(-1, 1024), axis=-1), 10))
    except ImportError:
        print("# actfn: not importable here", flush=True)

    with np.errstate(over="ignore"):
        ulps[("py:sigmoid", "numpy")] = ulp_of(1 / (1 + np.exp(-acc_x)))
    emit("py:sigmoid", "numpy", big.size, best(lambda: 1 / (1 + np.exp(-big)), 20))
    emit("py:exp", "numpy", big.size, best(lambda: np.exp(big, out=out), 20))
    emit("py:exp", "numpy", 10, best(lambda: np.exp(small), 20000))

    try:
        import scipy.special

        ulps[("py:sigmoid", "scipy")] = ulp_of(scipy.special.expit(acc_x))
        emit("py:sigmoid", "scipy", big.size, best(lambda: scipy.special.expit(big, out=out), 20))
        emit("py:sigmoid", "scipy", 10, best(lambda: scipy.special.expit(small), 20000))
    except ImportError:
        print("# scipy: not installed", flush=True)

    try:
        import torch

        torch.set_num_threads(args.threads)
        t = torch.from_numpy(big)
        ts = torch.from_numpy(small)
        to = torch.empty_like(t)
        ulps[("py:sigmoid", "torch")] = ulp_of(torch.sigmoid(torch.from_numpy(acc_x)).numpy())
        emit("py:sigmoid", "torch", big.size, best(lambda: torch.sigmoid(t, out=to), 20))
        emit("py:sigmoid", "torch", 10, best(lambda: torch.sigmoid(ts), 20000))
        t2 = t.reshape(-1, 1024)
        emit("py:softmax/1024", "torch", big.size, best(lambda: torch.softmax(t2, dim=-1), 10))
    except ImportError:
        print(f"# torch: not importable by {sys.executable}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
