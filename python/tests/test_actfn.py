"""The Python package: the seed, every function against numpy/scipy formulas, ufunc
behaviour (dtypes, strides, out=, where=, broadcasting), gradients, the softmax family and its
options, errors, Dask on a local cluster (PyTorch: test_torch.py)."""

import math

import numpy as np
import pytest

import actfn

special = pytest.importorskip("scipy.special")


def sig(x):
    return special.expit(x)


SELU_A, SELU_S = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946

# Functions at their defaults as numpy/scipy formulas (float64), checked on a dense grid. Every
# elementwise function is also checked against the mpmath values of tools/spot/values.py (the
# one place a new function's independent test values go).
FORMULAS = {
    "identity": lambda x: x,
    "relu": lambda x: np.maximum(x, 0),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.01 * x),
    "prelu": lambda x: np.where(x > 0, x, 0.25 * x),
    "rrelu": lambda x: np.where(x > 0, x, (1 / 8 + 1 / 3) / 2 * x),
    "relu6": lambda x: np.clip(x, 0, 6),
    "hardtanh": lambda x: np.clip(x, -1, 1),
    "threshold": lambda x: np.where(x > 0, x, 0.0),
    "hardshrink": lambda x: np.where(np.abs(x) > 0.5, x, 0.0),
    "softshrink": lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0.0)),
    "squared_relu": lambda x: np.maximum(x, 0) ** 2,
    "elu": lambda x: np.where(x > 0, x, np.expm1(x)),
    "selu": lambda x: SELU_S * np.where(x > 0, x, SELU_A * np.expm1(x)),
    "celu": lambda x: np.where(x > 0, x, np.expm1(x)),
    "xielu": lambda x: np.where(x > 0, 0.8 * x * x + 0.5 * x,
                                0.8 * (np.expm1(np.minimum(x, -1e-6)) - x) + 0.5 * x),
    "isru": lambda x: x / np.sqrt(1 + x * x),
    "isrlu": lambda x: np.where(x >= 0, x, x / np.sqrt(1 + 0.1 * x * x)),
    "gelu": lambda x: x * special.ndtr(x),
    "quick_gelu": lambda x: x * sig(1.702 * x),
    "sigmoid": sig,
    "logsigmoid": lambda x: special.log_expit(x),
    "hardsigmoid": lambda x: np.clip(x + 3, 0, 6) / 6,
    "silu": lambda x: x * sig(x),
    "swish": lambda x: x * sig(x),
    "hardswish": lambda x: x * np.clip(x + 3, 0, 6) / 6,
    "mish": lambda x: x * np.tanh(np.logaddexp(0, x)),
    "sparse_sigmoid": lambda x: np.clip((x + 1) / 2, 0, 1),
    "elish": lambda x: np.where(x >= 0, x * sig(x), np.expm1(x) * sig(x)),
    "ftswish": lambda x: np.where(x >= 0, x * sig(x) - 0.2, -0.2),
    "bipolar_sigmoid": lambda x: np.tanh(x / 2),
    "tanh": np.tanh,
    "softsign": lambda x: x / (1 + np.abs(x)),
    "tanhshrink": lambda x: x - np.tanh(x),
    "softcap": lambda x: 30 * np.tanh(x / 30),
    "lisht": lambda x: x * np.tanh(x),
    "tanhexp": lambda x: x * np.tanh(np.exp(x)),
    "softplus": lambda x: np.logaddexp(0, x),
    "squareplus": lambda x: (x + np.sqrt(x * x + 4)) / 2,
    "sparse_plus": lambda x: np.where(x <= -1, 0.0, np.where(x >= 1, x, (x + 1) ** 2 / 4)),
    "shifted_softplus": lambda x: np.logaddexp(0, x) - np.log(2),
    "snake": lambda x: x + np.sin(x) ** 2,
    "gcu": lambda x: x * np.cos(x),
    "gaussian": lambda x: np.exp(-x * x),
    "hyper_sinh": lambda x: np.where(x > 0, np.sinh(x) / 3, x ** 3 / 4),
    "inverse_quadratic": lambda x: 1 / (1 + x * x),
    "multi_quadratic": lambda x: np.sqrt(1 + x * x),
    "quadratic": lambda x: x * x,
    "poisson1": lambda x: (x - 1) * np.exp(-x),
    "spline": lambda x: x * x * np.log1p(x),
    "sqnl": lambda x: np.where(x > 2, 1.0, np.where(x >= 0, x - x * x / 4,
                                                     np.where(x >= -2, x + x * x / 4, -1.0))),
}

ELEMENTWISE = [f["name"] for f in actfn.functions() if f["kind"] == "elementwise"]
X = np.linspace(-6, 6, 1201)


def test_seed():
    assert actfn.relu(1.0) == 1.0
    assert actfn.relu(-1.0) == 0.0
    assert actfn.leaky_relu(-1.0, alpha=0.001) == -0.001
    assert actfn.sigmoid(-1.0) == 0.2689414213699951
    p = actfn.softmax(np.array([[1.0, 2.0, 3.0], [0.5, 0.5, -9.0]]))
    assert np.allclose(p.sum(axis=-1), 1.0, rtol=0, atol=2e-16)
    assert ((p >= 0) & (p <= 1)).all()
    assert actfn.linear is actfn.identity


def _spot_values():
    """tests/spot_values.inc: {name, x, f(x)} from mpmath in 50 digits."""
    import pathlib
    import re
    inc = pathlib.Path(__file__).resolve().parents[2] / "tests" / "spot_values.inc"
    rows = {}
    for m in re.finditer(r'\{"(\w+)", ([^,]+), ([^}]+?)L?\},', inc.read_text()):
        y = math.nan if m.group(3) == "NAN" else float(m.group(3))
        rows.setdefault(m.group(1), []).append((float(m.group(2)), y))
    return rows


SPOTS = _spot_values()


def test_every_formula_names_a_function():
    assert set(FORMULAS) <= set(ELEMENTWISE)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_against_mpmath_spot_values(name):
    assert name in SPOTS, f"{name} has no spot values in tools/spot/values.py"
    x = np.array([p[0] for p in SPOTS[name]])
    want = np.array([p[1] for p in SPOTS[name]])
    with np.errstate(all="ignore"):
        got = getattr(actfn, name)(x)
    # As tests/test_spot.cc: 4 eps relative, or absolute below 1e-3.
    tol = 4 * np.finfo(np.float64).eps * np.maximum(np.abs(want), 1e-3)
    ok = np.where(np.isnan(want), np.isnan(got), np.abs(got - want) <= tol)
    assert ok.all(), list(zip(x[~ok], got[~ok], want[~ok]))


@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_against_numpy_formulas(name):
    with np.errstate(all="ignore"):
        want = FORMULAS[name](X)
    got = getattr(actfn, name)(X)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15, equal_nan=True)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_gradients_against_finite_differences(name):
    f, g = getattr(actfn, name), getattr(actfn, name + "_grad")
    x = np.linspace(-4.013, 4.0, 57)
    h = 1e-6
    fd = (f(x + h) - f(x - h)) / (2 * h)
    left, right = (f(x) - f(x - h)) / h, (f(x + h) - f(x)) / h
    smooth = np.abs(left - right) < 1e-4 * np.maximum(1, np.abs(fd))
    ok = smooth & np.isfinite(fd)
    np.testing.assert_allclose(g(x)[ok], fd[ok], rtol=1e-6, atol=1e-6)
    dy = np.linspace(-1, 1, x.size)
    np.testing.assert_allclose(getattr(actfn, name + "_backward")(dy, x), dy * g(x), rtol=1e-15)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_dtypes_strides_and_shapes(dtype):
    x = np.linspace(-3, 3, 24).reshape(4, 6).astype(dtype)
    y = actfn.sigmoid(x)
    assert y.dtype == dtype and y.shape == x.shape
    ref = sig(x.astype(np.float64))
    tol = {np.float16: 1e-3, np.float32: 1e-7, np.float64: 1e-16}[dtype]
    np.testing.assert_allclose(y, ref, rtol=tol, atol=tol)
    # Non-contiguous, negative strides, zero-size and 0-d.
    np.testing.assert_array_equal(actfn.sigmoid(x[:, ::2]), y[:, ::2])
    np.testing.assert_array_equal(actfn.sigmoid(x[::-1, ::-3]), y[::-1, ::-3])
    assert actfn.sigmoid(np.empty((0, 3), dtype)).shape == (0, 3)
    assert actfn.sigmoid(dtype(0)) == dtype(0.5)
    assert np.ndim(actfn.sigmoid(np.array(0.0, dtype))) == 0


def test_float16_is_the_f64_result_rounded_once():
    # Every float16 value: the loop computes in f64 and rounds once, as numpy's own
    # float64 -> float16 conversion does (correctly rounded).
    x = np.arange(65536, dtype=np.uint16).view(np.float16)
    x = x[np.isfinite(x)]
    for name in ("sigmoid", "tanh", "gelu", "silu", "softplus"):
        f = getattr(actfn, name)
        np.testing.assert_array_equal(f(x), f(x.astype(np.float64)).astype(np.float16), err_msg=name)


def test_bfloat16_through_ml_dtypes():
    ml = pytest.importorskip("ml_dtypes")
    x = np.linspace(-3, 3, 13).astype(ml.bfloat16)
    y = actfn.sigmoid(x)
    assert y.dtype == ml.bfloat16
    want = sig(x.astype(np.float64)).astype(ml.bfloat16)  # correctly rounded from f64
    np.testing.assert_array_equal(y.astype(np.float64), want.astype(np.float64))
    s = actfn.softmax(np.array([1, 2, 3], dtype=ml.bfloat16))
    assert s.dtype == ml.bfloat16
    assert abs(float(s.astype(np.float64).sum()) - 1) < 1e-2


def test_ufunc_protocol():
    x = np.linspace(-2, 2, 9)
    assert isinstance(actfn.relu, np.ufunc) and isinstance(actfn.ufuncs.leaky_relu, np.ufunc)
    out = np.empty_like(x)
    assert actfn.tanh(x, out=out) is out
    y = x.copy()
    actfn.relu(y, out=y)  # out aliasing the input
    np.testing.assert_array_equal(y, np.maximum(x, 0))
    w = actfn.relu(x, where=x > 0, out=np.full_like(x, 7.0))
    np.testing.assert_array_equal(w, np.where(x > 0, x, 7.0))
    assert actfn.sigmoid(x.astype(np.float32), dtype=np.float64).dtype == np.float64
    assert actfn.relu(np.arange(-2, 3)).dtype == np.float64  # integers compute in float64
    # Parameters broadcast: PReLU with one weight per channel (N, C, L).
    xs = -np.ones((2, 3, 4))
    w = np.array([0.1, 0.2, 0.3])[:, None]
    np.testing.assert_allclose(actfn.prelu(xs, weight=w), -np.broadcast_to(w, xs.shape))
    assert actfn.leaky_relu(-1.0, 0.5) == -0.5  # positional parameters too
    assert actfn.ufuncs.leaky_relu(-1.0, 0.5) == -0.5
    assert actfn.gelu(1.0, approximate="tanh") == actfn.ufuncs.gelu(1.0, 1.0)


def test_softmax_family():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 5, 7))
    for axis in range(-3, 3):
        p = actfn.softmax(x, axis=axis)
        np.testing.assert_allclose(p, special.softmax(x, axis=axis), rtol=1e-14)
        np.testing.assert_allclose(actfn.log_softmax(x, axis=axis),
                                   special.log_softmax(x, axis=axis), rtol=1e-13, atol=1e-14)
        np.testing.assert_allclose(actfn.softmin(x, axis=axis), special.softmax(-x, axis=axis),
                                   rtol=1e-14)
        np.testing.assert_allclose(actfn.logsumexp(x, axis=axis),
                                   special.logsumexp(x, axis=axis), rtol=1e-14)
        s = actfn.sparsemax(x, axis=axis)
        np.testing.assert_allclose(s.sum(axis=axis), 1, rtol=1e-14)
        e = actfn.entmax15(x, axis=axis)
        np.testing.assert_allclose(e.sum(axis=axis), 1, rtol=1e-14)
    assert actfn.softmax(np.array([1e4, -1e30, 0.0])).tolist() == [1.0, 0.0, 0.0]
    assert actfn.softmax(np.array([np.inf, 0.0])).tolist() == [1.0, 0.0]
    np.testing.assert_array_equal(actfn.sparsemax(np.array([0.1, 1.2, 3])), [0, 0, 1])
    # Backward: softmax's Jacobian-vector product against finite differences.
    x = rng.normal(size=6)
    dy = rng.normal(size=6)
    for name in ("softmax", "log_softmax", "softmin", "sparsemax", "entmax15"):
        f, b = getattr(actfn, name), getattr(actfn, name + "_backward")
        dx = b(dy, f(x))
        fd = [(dy @ (f(x + h * np.eye(6)[j]) - f(x - h * np.eye(6)[j]))) / (2 * h)
              for j in range(6) for h in [1e-6]]
        np.testing.assert_allclose(dx, fd, rtol=1e-6, atol=1e-8, err_msg=name)
    np.testing.assert_allclose(actfn.logsumexp_backward(2.0, x), 2 * special.softmax(x), rtol=1e-15)


def test_softmax_options():
    x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    m = np.array([True, False, True])
    p = actfn.softmax(x, mask=m)
    assert (p[:, 1] == 0).all()
    np.testing.assert_allclose(p.sum(-1), 1)
    np.testing.assert_allclose(actfn.softmax(x, scale=0.5), special.softmax(x * 0.5, axis=-1))
    np.testing.assert_allclose(actfn.softmax(x, additive_mask=np.array([0, -np.inf, 0])), p)
    dead = actfn.softmax(x, mask=np.zeros(3, bool), safe=True)
    assert (dead == 0).all()
    assert (actfn.log_softmax(x, mask=np.zeros(3, bool), safe=True) == 0).all()
    assert np.isnan(actfn.softmax(np.array([-np.inf, -np.inf]))).all()
    dx = actfn.log_softmax_backward(np.ones_like(x), actfn.log_softmax(x, mask=m), mask=m)
    assert (dx[:, 1] == 0).all()


def test_gated_units():
    x = np.array([[1.0, 2.0, 3.0, 4.0]])
    np.testing.assert_allclose(actfn.glu(x), x[:, :2] * sig(x[:, 2:]))
    np.testing.assert_allclose(actfn.swiglu(x), x[:, :2] * sig(x[:, :2]) * x[:, 2:])
    dx = actfn.glu_backward(np.ones((1, 2)), x)
    assert dx.shape == x.shape
    np.testing.assert_allclose(dx[:, :2], sig(x[:, 2:]))
    np.testing.assert_allclose(actfn.glu(x.T, axis=0), actfn.glu(x).T)


def test_gumbel_softmax_is_seeded():
    x = np.zeros((4, 10))
    a = actfn.gumbel_softmax(x, seed=3)
    np.testing.assert_array_equal(a, actfn.gumbel_softmax(x, seed=3))
    assert not np.array_equal(a, actfn.gumbel_softmax(x, seed=4))
    h = actfn.gumbel_softmax(x, seed=3, hard=True)
    np.testing.assert_array_equal(h.sum(-1), 1)
    np.testing.assert_array_equal(h.argmax(-1), a.argmax(-1))


def test_errors():
    with pytest.raises(ValueError, match=r"leaky_relu: alpha = 2.0 is out of range"):
        actfn.leaky_relu(1.0, alpha=2)
    with pytest.raises(ValueError, match=r"hardtanh: min_val = 2.0 must not exceed"):
        actfn.hardtanh(0.0, min_val=2, max_val=1)
    with pytest.raises(ValueError, match=r"gelu: approximate must be one of none, tanh"):
        actfn.gelu(1.0, approximate="fast")
    with pytest.raises(ValueError, match=r"prelu: weight"):
        actfn.prelu(np.ones(2), weight=np.array([1.0, np.nan]))
    with pytest.raises(TypeError, match="relu"):
        actfn.relu(np.array([object()]))
    with pytest.raises(TypeError, match="relu"):
        actfn.relu(np.array([1 + 2j]))
    with pytest.raises(TypeError):
        actfn.relu(np.arange(3), out=np.empty(3, np.int64))
    with pytest.raises(TypeError, match="leaky_relu: takes 1 parameter"):
        actfn.leaky_relu(1.0, 0.1, 0.2)
    with pytest.raises(ValueError, match=r"softmax: axis 3 is out of range"):
        actfn.softmax(np.ones((2, 2)), axis=3)
    with pytest.raises(ValueError, match=r"softmax: mask shape does not broadcast"):
        actfn.softmax(np.ones((2, 3)), mask=np.ones(4, bool))
    with pytest.raises(ValueError, match=r"softmax: scale = inf"):
        actfn.softmax(np.ones(3), scale=np.inf)
    with pytest.raises(ValueError, match=r"glu: the axis has 3 values"):
        actfn.glu(np.ones(3))
    with pytest.raises(ValueError, match=r"logsumexp: works along an axis"):
        actfn.logsumexp(1.0)


def test_softmin_mask_excludes():
    y = actfn.softmin(np.array([1.0, 2.0, 3.0]), mask=np.array([True, True, False]))
    np.testing.assert_allclose(y, actfn.softmin(np.array([1.0, 2.0])).tolist() + [0.0], rtol=1e-15)


def test_registry_and_docs():
    import pathlib
    import re
    names = [f["name"] for f in actfn.functions()]
    # The one list, in its order (include/actfn/functions.inc).
    listed = pathlib.Path(__file__).resolve().parents[2] / "include" / "actfn" / "functions.inc"
    assert names == re.findall(r"^ACTFN_FN\((\w+),", listed.read_text(), re.M)
    assert "gelu" in names
    for n in names:
        assert getattr(actfn, n).__doc__
        assert hasattr(actfn, n + "_backward")
    assert actfn.__version__ == "0.1.0"
    assert "x > 0 ? x : alpha * x" in actfn.leaky_relu.__doc__


def test_stub_lists_every_name():
    import pathlib
    stub = (pathlib.Path(actfn.__file__).parent / "__init__.pyi").read_text()
    for n in actfn.__all__:
        assert f"def {n}(" in stub or f"{n}: " in stub or f"import {n} as {n}" in stub, n
    fast = (pathlib.Path(actfn.__file__).parent / "fast.pyi").read_text()
    for n in actfn.fast.__all__:
        assert f"def {n}(" in fast or f"{n}: " in fast, n


def test_dask_local_cluster():
    distributed = pytest.importorskip("dask.distributed")
    da = pytest.importorskip("dask.array")
    x = np.random.default_rng(1).normal(size=(400, 64))
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        d = da.from_array(x, chunks=(100, 64))
        s = actfn.sigmoid(d)
        assert isinstance(s, da.Array)
        np.testing.assert_array_equal(s.compute(), actfn.sigmoid(x))
        p = actfn.softmax(d, axis=-1)
        np.testing.assert_array_equal(p.compute(), actfn.softmax(x, axis=-1))
        l = actfn.leaky_relu(d, alpha=0.1)
        np.testing.assert_array_equal(l.compute(), actfn.leaky_relu(x, alpha=0.1))
        assert len(client.scheduler_info()["workers"]) == 2


def test_readme_python_example_runs(capsys):
    import pathlib
    readme = pathlib.Path(__file__).resolve().parents[2] / "README.md"
    text = readme.read_text()
    code = text.split("```python\n", 1)[1].split("\n```", 1)[0]
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "1.0 0.0"
    assert out[1] == "-0.001"
    assert out[2] == "0.2689414213699951"
    assert out[3] == "[[0.09   0.2447 0.6652]] True"
    assert out[4] == "float32"
    assert out[5] == "0.25 0.5"
