"""actfn.fast: the fast tier, the same functions and signatures as actfn, within each
function's fast bound of the exact tier, with the same special values."""
import math

import numpy as np
import pytest

import actfn
import actfn.fast

INFO = {f["name"]: f for f in actfn.functions()}
ELEMENTWISE = sorted(n for n, f in INFO.items() if f["kind"] == "elementwise")


def _ulp_distance(a, b):
    """|a - b| in ULP of b's type at b (subnormal ULP below the normal range)."""
    a, b = np.asarray(a), np.asarray(b)
    with np.errstate(over="ignore"):
        spacing = np.spacing(np.abs(b).astype(b.dtype))
    return np.abs(a.astype(np.float64) - b.astype(np.float64)) / spacing.astype(np.float64)


def test_same_functions_and_signatures():
    exact = {n for n in actfn.__all__ if n not in ("fast", "functions", "ufuncs")}
    assert exact == {n for n in actfn.fast.__all__ if n not in ("functions", "ufuncs")}
    assert actfn.fast is __import__("actfn.fast").fast
    for n in ("leaky_relu", "softmax", "logsumexp", "glu", "gelu_backward"):
        f, g = getattr(actfn, n), getattr(actfn.fast, n)
        assert f is not g
        if not isinstance(f, np.ufunc):
            import inspect
            assert inspect.signature(f) == inspect.signature(g)
    assert isinstance(actfn.fast.sigmoid, np.ufunc)


def test_bounds_in_the_registry():
    for f in actfn.functions():
        b = f["bounds"]
        assert b["fast"]["float32"] <= 4, f["name"]
        assert (b["exact"]["float32"] == 0) == (b["fast"]["float32"] == 0), f["name"]
    assert INFO["sigmoid"]["bounds"]["exact"]["float32"] == 1


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_within_the_fast_bound_of_exact(name, dtype):
    """Against the exact tier (itself within its own bound of the truth): the fast tier's bound
    plus exact's, in ULP of the dtype."""
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.uniform(-30, 30, 4000), rng.uniform(-120, 5, 1000),
                        [-0.0, 0.0, 1e-30, -1e-30, 5e-40]]).astype(dtype)
    key = "float32" if dtype == np.float32 else "float64"
    bound = INFO[name]["bounds"]["fast"][key] + INFO[name]["bounds"]["exact"][key]
    with np.errstate(all="ignore"):
        want = getattr(actfn, name)(x)
        got = getattr(actfn.fast, name)(x)
    assert got.dtype == dtype
    fin = np.isfinite(want)
    assert (np.isnan(got) == np.isnan(want)).all()
    assert (got[~fin & ~np.isnan(want)] == want[~fin & ~np.isnan(want)]).all()
    err = _ulp_distance(got[fin], want[fin])
    # Functions measured against a floor (zeros away from 0: sinusoid, snake, ...) are
    # compared with an absolute error at that scale.
    scale = np.maximum(np.abs(want[fin]), 1e-3 if dtype == np.float64 else 1e-2)
    rel = np.abs(got[fin].astype(np.float64) - want[fin]) / (scale * np.finfo(dtype).eps)
    ok = (err <= bound + 1e-9) | (rel <= 2 * bound + 2)
    assert ok.all(), list(zip(x[fin][~ok][:5], got[fin][~ok][:5], want[fin][~ok][:5]))


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_same_special_values(name):
    x = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 5e-324, -5e-324, 1e308, -1e308, -800.0])
    with np.errstate(all="ignore"):
        want = getattr(actfn, name)(x)
        got = getattr(actfn.fast, name)(x)
    assert (np.isnan(got) == np.isnan(want)).all()
    assert (np.isinf(got) == np.isinf(want)).all()
    assert ((got == 0) == (want == 0)).all(), (got, want)
    nn = ~np.isnan(want)
    assert (np.signbit(got[nn]) == np.signbit(want[nn])).all(), (got, want)


def test_nothing_flushed():
    x = np.array([-100.0, -103.0], dtype=np.float32)
    assert (actfn.fast.sigmoid(x) > 0).all()
    assert (actfn.fast.silu(x) < 0).all()
    assert (actfn.fast.softplus(x) > 0).all()
    assert actfn.fast.sigmoid(np.float32(-100)) == pytest.approx(3.7200760e-44, rel=1e-6)


def test_float16_within_one_ulp():
    """16-bit through f32 lanes in the fast tier: within 1 ULP of the correctly rounded value
    (the exact tier's)."""
    x = np.arange(-2 ** 15, 2 ** 15, dtype=np.int64).astype(np.uint16).view(np.float16)
    x = x[np.isfinite(x)]
    for name in ("sigmoid", "tanh", "silu", "elu", "softplus", "gelu"):
        with np.errstate(all="ignore"):
            want = getattr(actfn, name)(x)
            got = getattr(actfn.fast, name)(x)
        assert got.dtype == np.float16
        fin = np.isfinite(want)
        assert (np.isnan(got) == np.isnan(want)).all(), name
        assert (_ulp_distance(got[fin], want[fin]) <= 1).all(), name


def test_softmax_family():
    rng = np.random.default_rng(5)
    x = rng.uniform(-20, 20, (7, 1000)).astype(np.float32)
    p = actfn.fast.softmax(x, axis=-1)
    assert p.dtype == np.float32
    assert np.allclose(p.sum(axis=-1), 1, rtol=0, atol=4e-6)
    assert (_ulp_distance(p, actfn.softmax(x)) <= 8).all()
    np.testing.assert_allclose(actfn.fast.log_softmax(x, axis=0), actfn.log_softmax(x, axis=0),
                               rtol=0, atol=8 * 20 * np.finfo(np.float32).eps)
    m = np.ones((7, 1000), dtype=bool)
    m[:, 3] = False
    assert (actfn.fast.softmax(x, mask=m)[:, 3] == 0).all()
    assert actfn.fast.softmax(np.array([np.inf, 0.0])).tolist() == [1.0, 0.0]
    assert np.isnan(actfn.fast.softmax(np.array([-np.inf, -np.inf]))).all()
    assert (actfn.fast.softmax(np.array([-np.inf, -np.inf]), safe=True) == 0).all()


def test_doc_example():
    assert math.isclose(actfn.fast.sigmoid(-1.0), 0.2689414213699951, rel_tol=4e-16)
