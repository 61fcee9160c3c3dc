"""actfn.torch and actfn.torch.nn against a real torch: values and gradients against torch's
own functions, gradcheck and gradgradcheck, every dtype without a float64 detour, strides,
dim=, the custom operators under torch.compile, the modules, errors and call overhead."""

import inspect
import pathlib
import timeit

import numpy as np
import pytest

from conftest import require

torch = require("torch")
import actfn  # noqa: E402
import actfn.torch as aft  # noqa: E402
import actfn.torch.nn as ann  # noqa: E402

F = torch.nn.functional
NAMES = [f["name"] for f in actfn.functions()]
ELEMENTWISE = [f["name"] for f in actfn.functions() if f["kind"] == "elementwise"]


@pytest.fixture(params=["custom_op", "autograd.Function"])
def path(request, monkeypatch):
    """Both implementations: torch.library custom ops (torch >= 2.4) and the Function."""
    if request.param == "custom_op" and not aft._HAS_CUSTOM_OP:
        pytest.skip(f"torch {torch.__version__} has no torch.library.custom_op")
    monkeypatch.setattr(aft, "_EAGER_CUSTOM_OP", request.param == "custom_op")
    return request.param


# actfn name -> torch's function (torch.nn.functional or torch)
PEERS = {n: getattr(F, n, None) or getattr(torch, n) for n in [
    "relu", "leaky_relu", "elu", "selu", "celu", "gelu", "silu", "mish", "softplus", "hardtanh",
    "relu6", "hardsigmoid", "hardswish", "logsigmoid", "softsign", "tanhshrink", "hardshrink",
    "softshrink", "sigmoid", "tanh"]}


@pytest.mark.parametrize("name", sorted(PEERS))
def test_values_and_gradients_match_torch(name, path):
    t = torch.linspace(-4.013, 4, 41, dtype=torch.float64, requires_grad=True)
    mine, theirs = getattr(aft, name)(t), PEERS[name](t)
    torch.testing.assert_close(mine, theirs, rtol=1e-12, atol=1e-14)
    (g1,) = torch.autograd.grad(mine.sum(), t)
    (g2,) = torch.autograd.grad(theirs.sum(), t)
    # torch's float64 hardsigmoid backward multiplies by 1/6 rounded to float32
    # (0.1666666716337204): actfn's is 1/6 in float64.
    rtol = 6e-8 if name == "hardsigmoid" else 1e-12
    torch.testing.assert_close(g1, g2, rtol=rtol, atol=1e-14)
    if name == "hardsigmoid":
        assert g1[20].item() == 1 / 6


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_gradcheck_every_elementwise_function(name, path):
    # away from the kinks, where the finite differences straddle two pieces
    x = torch.tensor([-2.7, -1.3, -0.71, 0.23, 0.61, 1.9, 2.6], dtype=torch.float64)
    x = x[torch.isfinite(getattr(aft, name)(x))].requires_grad_()  # the domain (spline: x >= 0)
    assert x.numel() >= 5
    assert torch.autograd.gradcheck(getattr(aft, name), (x,))


@pytest.mark.parametrize("name", sorted(aft.LINEAR))
def test_gradgradcheck_where_the_backward_is_differentiable(name, path):
    x = torch.tensor([-2.7, -1.3, -0.71, 0.23, 0.61, 1.9, 2.6], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradgradcheck(getattr(aft, name), (x,))


def test_second_derivative_of_a_smooth_function_raises(path):
    x = torch.linspace(-2, 2, 5, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(aft.gelu(x).sum(), x, create_graph=True)
    with pytest.raises(RuntimeError):
        torch.autograd.grad(g.sum(), x)


def test_along_a_dimension(path):
    s = torch.randn(4, 6, dtype=torch.float64, requires_grad=True)
    for name, peer in (("softmax", torch.softmax), ("log_softmax", torch.log_softmax),
                       ("softmin", F.softmin)):
        for d in (0, 1, -1):
            torch.testing.assert_close(getattr(aft, name)(s, dim=d), peer(s, d), rtol=1e-13, atol=0)
            assert torch.autograd.gradcheck(lambda v: getattr(aft, name)(v, dim=d), (s,))
    torch.testing.assert_close(aft.glu(s, dim=1), F.glu(s, 1), rtol=1e-14, atol=0)
    torch.testing.assert_close(aft.logsumexp(s, dim=0), torch.logsumexp(s, 0), rtol=1e-14, atol=0)
    for f in (lambda v: aft.glu(v, dim=0), lambda v: aft.logsumexp(v, dim=1),
              lambda v: aft.sparsemax(v, dim=0), lambda v: aft.entmax15(v)):
        assert torch.autograd.gradcheck(f, (s,))
    # axis= is dim='s alias
    torch.testing.assert_close(aft.softmax(s, axis=0), aft.softmax(s, dim=0), rtol=0, atol=0)


def test_softmax_masks_match_numpy():
    x = torch.randn(3, 5, dtype=torch.float64)
    mask = torch.rand(3, 5) > 0.3
    mask[:, 0] = True
    add = torch.randn(3, 5, dtype=torch.float64)
    got = aft.softmax(x, dim=-1, scale=0.5, mask=mask, additive_mask=add)
    want = actfn.softmax(x.numpy(), axis=-1, scale=0.5, mask=mask.numpy(), additive_mask=add.numpy())
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-15, atol=0)
    xr = x.clone().requires_grad_()
    aft.softmax(xr, dim=-1, mask=mask).sum().backward()
    assert (xr.grad[~mask] == 0).all()


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64])
@pytest.mark.parametrize("name", ["sigmoid", "gelu", "leaky_relu", "softmax", "logsumexp", "swiglu"])
def test_every_dtype_in_its_own_type(name, dtype, path):
    """The same bits as actfn's numpy ufuncs (f16 through numpy, bf16 through ml_dtypes):
    the tensor's own storage type, computed as the library computes it."""
    ml_dtypes = pytest.importorskip("ml_dtypes")
    x = torch.linspace(-5, 5, 48, dtype=torch.float64).reshape(4, 12).to(dtype)
    np_dtype = {torch.float16: np.float16, torch.bfloat16: ml_dtypes.bfloat16,
                torch.float32: np.float32, torch.float64: np.float64}[dtype]
    bits = {2: np.uint16, 4: np.uint32, 8: np.uint64}[x.element_size()]
    xn = x.view({2: torch.int16, 4: torch.int32, 8: torch.int64}[x.element_size()]).numpy().view(bits).view(np_dtype)
    kw = {} if name in ELEMENTWISE else {"axis": -1}
    want = np.asarray(getattr(actfn, name)(xn, **kw))
    xr = x.clone().requires_grad_()
    y = getattr(aft, name)(xr, **({} if name in ELEMENTWISE else {"dim": -1}))
    assert y.dtype == dtype
    got = y.detach().view({2: torch.int16, 4: torch.int32, 8: torch.int64}[y.element_size()]).numpy().view(bits)
    np.testing.assert_array_equal(got, want.view(bits))
    y.sum().backward()
    assert xr.grad.dtype == dtype and torch.isfinite(xr.grad.float()).all()


def test_non_contiguous_inputs(path):
    base = torch.randn(6, 8, dtype=torch.float64)
    for x in (base.t(), base[:, ::2], base[::2].t(), base.expand(2, 6, 8)):
        assert not x.is_contiguous()
        torch.testing.assert_close(aft.silu(x), aft.silu(x.contiguous()), rtol=0, atol=0)
        torch.testing.assert_close(aft.softmax(x, dim=0), aft.softmax(x.contiguous(), dim=0), rtol=0, atol=0)
        xr = x.detach().clone().requires_grad_()
        g = torch.randn(xr.shape[::-1], dtype=torch.float64).permute(*reversed(range(xr.dim())))  # a strided dy
        (d1,) = torch.autograd.grad(aft.mish(xr), xr, g)
        (d2,) = torch.autograd.grad(F.mish(xr), xr, g)
        torch.testing.assert_close(d1, d2, rtol=1e-13, atol=1e-15)


def test_fast_tier_and_parameters():
    x = torch.linspace(-3, 3, 101)
    torch.testing.assert_close(aft.silu(x, accuracy="fast"), F.silu(x), rtol=1e-6, atol=1e-7)
    # actfn rounds 0.2 x once (alpha in float64); torch multiplies by 0.2 rounded to float32
    exact = (x.double() * 0.2).float().where(x < 0, x)
    torch.testing.assert_close(aft.leaky_relu(x, 0.2), exact, rtol=0, atol=0)
    torch.testing.assert_close(aft.leaky_relu(x, alpha=0.2), exact, rtol=0, atol=0)
    torch.testing.assert_close(aft.leaky_relu(x, 0.2), F.leaky_relu(x, 0.2), rtol=1.2e-7, atol=0)
    torch.testing.assert_close(aft.gelu(x, approximate="tanh"), F.gelu(x, approximate="tanh"), rtol=2e-7, atol=1e-7)
    torch.testing.assert_close(aft.softplus(x, beta=2.0, threshold=5.0), F.softplus(x, 2.0, 5.0), rtol=2e-7, atol=1e-7)


DOC = (pathlib.Path(__file__).resolve().parents[2] / "docs" / "errors.md").read_text()
TRIGGERS = [
    (TypeError, "expects a torch.Tensor", lambda: aft.gelu([1.0])),
    (TypeError, "not torch.int64", lambda: aft.gelu(torch.arange(3))),
    (ValueError, "accuracy must be", lambda: aft.gelu(torch.ones(2), accuracy="quick")),
    (ValueError, "alpha", lambda: aft.leaky_relu(torch.ones(2), alpha=2.0)),
    (TypeError, "unexpected keyword", lambda: aft.leaky_relu(torch.ones(2), slope=2.0)),
    (TypeError, "not a tensor of 2", lambda: aft.leaky_relu(torch.ones(2), alpha=torch.ones(2))),
    (ValueError, "two halves", lambda: aft.glu(torch.ones(3))),
    (TypeError, "dim or axis", lambda: aft.softmax(torch.ones(2, 3), dim=0, axis=0)),
    (ValueError, "dim 2 is out of range", lambda: aft.softmax(torch.ones(2, 3), dim=2)),
    (TypeError, "elementwise", lambda: aft.gelu(torch.ones(2, 3), dim=0)),
    (ValueError, "3 weights", lambda: ann.PReLU(3)(torch.ones(2, 4))),
]


@pytest.mark.parametrize("kind,match,trigger", TRIGGERS)
def test_errors_say_what_went_wrong_and_are_documented(kind, match, trigger):
    with pytest.raises(kind, match=match) as e:
        trigger()
    assert str(e.value) in DOC, f"docs/errors.md lacks: {e.value}"


def test_empty_and_zero_dimensional():
    assert aft.relu(torch.empty(0)).shape == (0,)
    assert aft.sigmoid(torch.tensor(0.0)).item() == 0.5
    assert aft.softmax(torch.empty(0, 3), dim=-1).shape == (0, 3)


# ---- custom operators and torch.compile
def _needs_custom_op():
    if not aft._HAS_CUSTOM_OP:
        pytest.skip(f"torch {torch.__version__} has no torch.library.custom_op (2.4+)")


@pytest.mark.parametrize("name", ["gelu", "leaky_relu", "softmax", "logsumexp", "glu"])
def test_custom_ops_pass_opcheck(name):
    _needs_custom_op()
    x = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    fwd, _ = aft._OPS[name]
    params = [0.2] if name == "leaky_relu" else ([1.0, 0.0] if name == "softmax" else [])
    torch.library.opcheck(fwd, (x, params, 1, False))


def test_torch_compile_keeps_one_op_per_call():
    _needs_custom_op()
    graphs = []

    def backend(gm, inputs):
        graphs.append(gm)
        return gm.forward

    torch._dynamo.reset()
    f = torch.compile(lambda v: aft.softmax(aft.gelu(v) * 2, dim=-1), fullgraph=True, backend=backend)
    x = torch.randn(4, 5, dtype=torch.float64, requires_grad=True)
    y = f(x)
    torch.testing.assert_close(y, torch.softmax(F.gelu(x) * 2, -1), rtol=1e-13, atol=0)
    (g,) = torch.autograd.grad(y[:, 0].sum(), x)
    (g2,) = torch.autograd.grad(torch.softmax(F.gelu(x) * 2, -1)[:, 0].sum(), x)
    torch.testing.assert_close(g, g2, rtol=1e-12, atol=1e-15)
    targets = [str(n.target) for gm in graphs for n in gm.graph.nodes if n.op == "call_function"]
    assert "actfn.gelu.default" in targets and "actfn.softmax.default" in targets, targets


# ---- modules
def test_every_function_has_a_module():
    assert set(ann.MODULES.values()) == set(NAMES)
    for cls_name in ann.MODULES:
        assert issubclass(getattr(ann, cls_name), torch.nn.Module)


# class name -> (constructor arguments, the input's shape)
MODULE_CASES = {
    "ReLU": ((), (5, 7)), "LeakyReLU": ((0.2,), (5, 7)), "Sigmoid": ((), (5, 7)),
    "Softmax": ((1,), (5, 7)), "LogSoftmax": ((0,), (5, 7)), "Softmin": ((-1,), (5, 7)),
    "ReLU6": ((), (5, 7)), "Hardtanh": ((-2.0, 3.0), (5, 7)), "Threshold": ((0.5, -1.0), (5, 7)),
    "Hardshrink": ((0.3,), (5, 7)), "Softshrink": ((0.3,), (5, 7)), "ELU": ((0.7,), (5, 7)),
    "SELU": ((), (5, 7)), "CELU": ((1.5,), (5, 7)), "GELU": (("tanh",), (5, 7)),
    "LogSigmoid": ((), (5, 7)), "Hardsigmoid": ((), (5, 7)), "SiLU": ((), (5, 7)),
    "Hardswish": ((), (5, 7)), "Mish": ((), (5, 7)), "Tanh": ((), (5, 7)),
    "Softsign": ((), (5, 7)), "Tanhshrink": ((), (5, 7)), "Softplus": ((2.0, 3.0), (5, 7)),
    "GLU": ((0,), (6, 7)), "PReLU": ((3, 0.1), (5, 3, 4)), "Identity": ((), (5, 7)),
}


@pytest.mark.parametrize("cls_name", sorted(MODULE_CASES))
def test_modules_match_torch_nn(cls_name):
    args, shape = MODULE_CASES[cls_name]
    ours, theirs = getattr(ann, cls_name)(*args), getattr(torch.nn, cls_name)(*args)
    x = torch.randn(shape, dtype=torch.float64) * 3
    with torch.no_grad():
        ours.double(), theirs.double()
    x1, x2 = x.clone().requires_grad_(), x.clone().requires_grad_()
    y1, y2 = ours(x1), theirs(x2)
    tol = {"rtol": 1e-12, "atol": 1e-14}
    torch.testing.assert_close(y1, y2, **tol)
    g = torch.randn(y1.shape, dtype=torch.float64)
    y1.backward(g), y2.backward(g)
    # torch's float64 Hardsigmoid backward takes 1/6 rounded to float32 (see above)
    torch.testing.assert_close(x1.grad, x2.grad, **(dict(rtol=6e-8, atol=1e-14) if cls_name == "Hardsigmoid" else tol))
    for p1, p2 in zip(ours.parameters(), theirs.parameters()):  # PReLU's weight
        torch.testing.assert_close(p1.grad, p2.grad, **tol)
    # torch's signature: the same argument names in the same order
    t_params = [p for p in inspect.signature(getattr(torch.nn, cls_name)).parameters
                if p not in ("args", "kwargs", "device", "dtype", "min_value", "max_value")]  # deprecated
    o_params = list(inspect.signature(getattr(ann, cls_name)).parameters)
    assert o_params[:len(t_params)] == t_params


def test_modules_of_actfn_own_functions_and_options():
    m = ann.Snake(alpha=2.0)
    x = torch.linspace(-3, 3, 9, dtype=torch.float64)
    torch.testing.assert_close(m(x), aft.snake(x, alpha=2.0), rtol=0, atol=0)
    assert "alpha=2.0" in repr(m)
    torch.testing.assert_close(ann.LogSumExp(dim=0)(x.reshape(3, 3)), torch.logsumexp(x.reshape(3, 3), 0))
    torch.testing.assert_close(ann.Softmax(dim=-1, safe=True)(torch.full((2, 3), -float("inf"))),
                               torch.zeros(2, 3))
    torch.testing.assert_close(ann.SiLU(accuracy="fast")(x), F.silu(x), rtol=1e-14, atol=1e-15)
    with pytest.raises(TypeError):
        ann.Threshold()  # torch requires threshold and value too
    with pytest.raises(ValueError, match="alpha"):
        ann.LeakyReLU(negative_slope=2.0)  # checked at construction
    y = torch.tensor([-1.0, 2.0])
    assert ann.ReLU(inplace=True)(y) is y and y.tolist() == [0.0, 2.0]


def test_a_model_trains():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 16), ann.GELU(), torch.nn.Linear(16, 3),
                                ann.LogSoftmax(dim=-1))
    x = torch.randn(64, 4)
    labels = x[:, :3].argmax(dim=1)
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(60):
        opt.zero_grad()
        loss = F.nll_loss(model(x), labels)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.3 * losses[0], losses


def test_call_overhead_within_3x_of_torch_sigmoid():
    x = torch.randn(10)
    ours, theirs = float("inf"), float("inf")
    for _ in range(7):  # interleaved, best of each: the machine's noise hits both
        theirs = min(theirs, timeit.timeit(lambda: torch.sigmoid(x), number=3000))
        ours = min(ours, timeit.timeit(lambda: aft.sigmoid(x), number=3000))
    assert ours < 3 * theirs, f"actfn.torch.sigmoid {ours / 3000 * 1e6:.2f} us, torch.sigmoid {theirs / 3000 * 1e6:.2f} us"
