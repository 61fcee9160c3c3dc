"""actfn.jax against a real jax (CPU): values and gradients against jax.nn, jit, grad, vmap,
every dtype in its own type, one XLA custom call per function (no Python callback), errors."""

import pathlib

import numpy as np
import pytest

from conftest import require

jax = require("jax")
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402

import actfn  # noqa: E402
import actfn.jax as afj  # noqa: E402

ELEMENTWISE = [f["name"] for f in actfn.functions() if f["kind"] == "elementwise"]

# actfn name -> (jax's function, actfn keywords that give jax's definition)
PEERS = {
    "relu": (jax.nn.relu, {}), "relu6": (jax.nn.relu6, {}), "sigmoid": (jax.nn.sigmoid, {}),
    "softplus": (jax.nn.softplus, {"threshold": float("inf")}), "softsign": (jax.nn.soft_sign, {}),
    "silu": (jax.nn.silu, {}), "logsigmoid": (jax.nn.log_sigmoid, {}),
    "leaky_relu": (jax.nn.leaky_relu, {}), "hardsigmoid": (jax.nn.hard_sigmoid, {}),
    "hardswish": (jax.nn.hard_swish, {}), "hardtanh": (jax.nn.hard_tanh, {}),
    "elu": (jax.nn.elu, {}), "celu": (jax.nn.celu, {}), "selu": (jax.nn.selu, {}),
    "gelu": (lambda v: jax.nn.gelu(v, approximate=False), {}), "tanh": (jnp.tanh, {}),
    "mish": (jax.nn.mish, {}), "squareplus": (jax.nn.squareplus, {}),
    "sparse_plus": (jax.nn.sparse_plus, {}), "sparse_sigmoid": (jax.nn.sparse_sigmoid, {}),
}
PEERS = {k: v for k, v in PEERS.items() if v[0] is not None}


@pytest.mark.parametrize("name", sorted(PEERS))
def test_values_and_gradients_match_jax_nn(name):
    peer, kw = PEERS[name]
    x = jnp.linspace(-4.013, 4, 41)
    f = lambda v: getattr(afj, name)(v, **kw)  # noqa: E731
    np.testing.assert_allclose(jax.jit(f)(x), peer(x), rtol=1e-12, atol=1e-14)
    g1 = jax.jit(jax.grad(lambda v: f(v).sum()))(x)
    g2 = jax.grad(lambda v: peer(v).sum())(x)
    # at the kinks jax takes other one-sided derivatives (relu6'(6), hard_tanh'(+-1) ...)
    np.testing.assert_allclose(g1, g2, rtol=1e-12, atol=1e-14)


def test_along_an_axis_matches_jax_nn():
    x = jax.random.normal(jax.random.PRNGKey(0), (4, 6), jnp.float64)
    for name, peer in (("softmax", jax.nn.softmax), ("log_softmax", jax.nn.log_softmax)):
        for axis in (0, 1, -1):
            np.testing.assert_allclose(getattr(afj, name)(x, axis=axis), peer(x, axis=axis), rtol=1e-13)
            g1 = jax.grad(lambda v: (getattr(afj, name)(v, axis=axis) * jnp.arange(6.0)).sum())(x)
            g2 = jax.grad(lambda v: (peer(v, axis=axis) * jnp.arange(6.0)).sum())(x)
            np.testing.assert_allclose(g1, g2, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(afj.logsumexp(x, axis=0), jax.nn.logsumexp(x, axis=0), rtol=1e-14)
    np.testing.assert_allclose(jax.grad(lambda v: afj.logsumexp(v, axis=1).sum())(x),
                               jax.grad(lambda v: jax.nn.logsumexp(v, axis=1).sum())(x), rtol=1e-13)
    np.testing.assert_allclose(afj.glu(x, axis=1), jax.nn.glu(x, axis=1), rtol=1e-14)
    np.testing.assert_allclose(jax.grad(lambda v: afj.glu(v, axis=0).sum())(x),
                               jax.grad(lambda v: jax.nn.glu(v, axis=0).sum())(x), rtol=1e-13)


def test_softmax_options_match_numpy():
    x = np.random.default_rng(1).normal(size=(3, 5))
    mask = np.random.default_rng(2).random((3, 5)) > 0.3
    mask[:, 0] = True
    got = afj.softmax(jnp.asarray(x), axis=-1, scale=0.5, mask=mask)
    np.testing.assert_allclose(got, actfn.softmax(x, axis=-1, scale=0.5, mask=mask), rtol=1e-15)
    g = jax.grad(lambda v: afj.softmax(v, mask=mask)[:, 0].sum())(jnp.asarray(x))
    assert (np.asarray(g)[~mask] == 0).all()
    np.testing.assert_array_equal(afj.softmax(jnp.full((2, 3), -jnp.inf), safe=True), np.zeros((2, 3)))


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_every_elementwise_function_in_jit_grad_and_vmap(name):
    x = jnp.asarray([[-2.7, -1.3, -0.71], [0.23, 0.61, 1.9]])
    f = getattr(afj, name)
    y = jax.jit(f)(x)
    np.testing.assert_array_equal(y, getattr(actfn, name)(np.asarray(x)))
    np.testing.assert_array_equal(jax.vmap(f)(x), y)
    g = jax.jit(jax.grad(lambda v: f(v).sum()))(x)
    np.testing.assert_array_equal(g, getattr(actfn, name + "_grad")(np.asarray(x)))
    np.testing.assert_array_equal(jax.vmap(jax.grad(lambda v: f(v).sum()))(x), g)


def test_vmap_along_an_axis_keeps_the_axis():
    x = jax.random.normal(jax.random.PRNGKey(3), (5, 4, 6), jnp.float64)
    for name in ("softmax", "log_softmax", "logsumexp", "sparsemax", "entmax15", "glu"):
        f = getattr(afj, name)
        for axis in (0, 1, -1):
            np.testing.assert_array_equal(jax.vmap(lambda v: f(v, axis=axis))(x),
                                          getattr(actfn, name)(np.asarray(x), axis=axis + 1 if axis >= 0 else axis))
        g = jax.vmap(jax.grad(lambda v: (f(v, axis=0) ** 2).sum()))(x)
        g2 = jax.grad(lambda v: (f(v, axis=1) ** 2).sum())(x)
        np.testing.assert_allclose(g, g2, rtol=1e-14, atol=1e-300)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
@pytest.mark.parametrize("name", ["sigmoid", "gelu", "leaky_relu", "softmax", "logsumexp", "swiglu"])
def test_every_dtype_in_its_own_type(name, dtype):
    ml_dtypes = pytest.importorskip("ml_dtypes")
    np_dtype = ml_dtypes.bfloat16 if dtype == "bfloat16" else np.dtype(dtype)
    xn = np.linspace(-5, 5, 48).reshape(4, 12).astype(np_dtype)
    kw = {} if name in ELEMENTWISE else {"axis": -1}
    y = jax.jit(lambda v: getattr(afj, name)(v, **kw))(jnp.asarray(xn))
    assert y.dtype == jnp.dtype(dtype)
    want = np.asarray(getattr(actfn, name)(xn, **kw))
    np.testing.assert_array_equal(np.asarray(y).view(np.uint8), want.view(np.uint8))
    g = jax.grad(lambda v: getattr(afj, name)(v, **kw).astype(jnp.float32).sum())(jnp.asarray(xn))
    assert g.dtype == jnp.dtype(dtype)


def test_one_custom_call_per_function_and_no_python_callback():
    x = jnp.linspace(-1, 1, 8)
    f = jax.jit(lambda v: afj.softmax(afj.gelu(v) * 2))
    hlo = f.lower(x).as_text()
    assert hlo.count("actfn_forward") == 2
    assert "callback" not in hlo
    grad_hlo = jax.jit(jax.grad(lambda v: afj.gelu(v).sum())).lower(x).as_text()
    assert "actfn_backward" in grad_hlo and "callback" not in grad_hlo


def test_fast_tier_and_parameters():
    x = jnp.linspace(-3, 3, 101, dtype=jnp.float32)
    np.testing.assert_allclose(afj.silu(x, accuracy="fast"), jax.nn.silu(x), rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(afj.leaky_relu(x, 0.2), afj.leaky_relu(x, alpha=0.2))
    np.testing.assert_array_equal(afj.leaky_relu(x, 0.2), actfn.leaky_relu(np.asarray(x), 0.2))
    np.testing.assert_array_equal(afj.gelu(x, approximate="tanh"), actfn.gelu(np.asarray(x), approximate="tanh"))
    # a jit-static parameter
    f = jax.jit(lambda v, a: afj.elu(v, alpha=a), static_argnums=1)
    np.testing.assert_array_equal(f(x, 0.5), actfn.elu(np.asarray(x), alpha=0.5))


DOC = (pathlib.Path(__file__).resolve().parents[2] / "docs" / "errors.md").read_text()
TRIGGERS = [
    (TypeError, "not int32", lambda: afj.gelu(jnp.arange(3, dtype=jnp.int32))),
    (TypeError, "expects an array", lambda: afj.gelu([1.0, 2.0])),
    (ValueError, "accuracy must be", lambda: afj.gelu(jnp.ones(2), accuracy="quick")),
    (ValueError, "alpha", lambda: afj.leaky_relu(jnp.ones(2), alpha=2.0)),
    (TypeError, "unexpected keyword", lambda: afj.leaky_relu(jnp.ones(2), slope=2.0)),
    (TypeError, "traced value", lambda: jax.jit(lambda v, a: afj.elu(v, alpha=a))(jnp.ones(2), 0.5)),
    (ValueError, "two halves", lambda: afj.glu(jnp.ones(3))),
    (ValueError, "axis 3 is out of range", lambda: afj.softmax(jnp.ones((2, 3)), axis=3)),
    (TypeError, "takes no axis", lambda: afj.gelu(jnp.ones((2, 3)), axis=0)),
]


@pytest.mark.parametrize("kind,match,trigger", TRIGGERS)
def test_errors_say_what_went_wrong_and_are_documented(kind, match, trigger):
    with pytest.raises(kind, match=match) as e:
        trigger()
    assert str(e.value) in DOC, f"docs/errors.md lacks: {e.value}"
