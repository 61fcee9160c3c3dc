"""actfn for PyTorch: every function on CPU tensors, with autograd, ``torch.compile`` and
``torch.nn`` modules (``actfn.torch.nn``).

    >>> import torch, actfn.torch as aft
    >>> t = torch.linspace(-3, 3, 7, dtype=torch.float64, requires_grad=True)
    >>> aft.gelu(t).sum().backward()
    >>> aft.softmax(torch.randn(2, 5), dim=-1).sum(dim=-1)
    tensor([1.0000, 1.0000])

The kernels read and write the tensors' memory directly (float16, bfloat16, float32 and
float64, each in its own type: no float64 detour, no numpy); non-contiguous inputs are made
contiguous first. Parameters are as in ``actfn`` (positional or keyword, defaults filled in,
checked by the library); functions along an axis take ``dim=`` (``axis=`` is an alias), the
softmax family also ``scale``, ``safe``, ``mask`` and ``additive_mask``; ``accuracy="fast"``
runs the fast tier.

Where torch has ``torch.library.custom_op`` (2.4 and later) every function is an operator
``torch.ops.actfn.<name>`` with its backward ``torch.ops.actfn.<name>_backward``, an autograd
formula and a fake (meta) implementation, so ``torch.compile`` keeps each call as one node;
eager calls that record a gradient use a ``torch.autograd.Function`` (faster to dispatch; the
only path on older torch), and a call that needs no gradient goes straight to the kernel. The backward of the piecewise-linear functions (``LINEAR``) is itself
differentiable (double backward, ``gradgradcheck``); the others' second derivative is not
provided and raises.
"""

import math as _math

import torch as _torch

import actfn as _actfn
from actfn import _actfn as _raw

__all__ = ["functions", "LINEAR"]

_DTYPES = {_torch.float32: 0, _torch.float64: 1, _torch.float16: 2, _torch.bfloat16: 3}
_INFO = {f["name"]: (i, f) for i, f in enumerate(_actfn._REGISTRY)}
_HAS_CUSTOM_OP = hasattr(_torch.library, "custom_op")
# Eager calls that record a gradient go through the autograd.Function (14 us on 10 values
# against the custom op's 48: its Python dispatch); torch.compile traces the custom op.
# The tests set this to run the custom op eagerly too.
_EAGER_CUSTOM_OP = False

# f'' = 0 wherever f' exists: dx = dy f'(x) is linear in dy and constant in x, so the
# backward has a derivative (double backward).
LINEAR = frozenset({"identity", "relu", "leaky_relu", "prelu", "rrelu", "relu6", "hardtanh",
                    "threshold", "hardshrink", "softshrink", "hardsigmoid", "sparse_sigmoid"})


def functions():
    """The registry (as ``actfn.functions()``)."""
    return _actfn.functions()


_compiling = getattr(getattr(_torch, "compiler", None), "is_compiling", lambda: False)


def _check_tensor(name, x):
    if not isinstance(x, _torch.Tensor):
        raise TypeError(f"{name}: expects a torch.Tensor, not {type(x).__name__}")
    if not x.is_cpu:
        raise TypeError(f"actfn.torch works on CPU tensors, not {x.device.type}")
    if x.dtype not in _DTYPES:
        raise TypeError(f"{name}: takes float16, bfloat16, float32 or float64 tensors, not {x.dtype}")


def _dim(name, x, dim, axis):
    if dim is not None and axis is not None:
        raise TypeError(f"{name}: give dim or axis (its alias), not both")
    d = -1 if dim is None and axis is None else (dim if dim is not None else axis)
    if not isinstance(d, int) or isinstance(d, bool):
        raise TypeError(f"{name}: dim must be an integer, not {type(d).__name__}")
    nd = x.dim()
    if nd == 0:
        raise ValueError(f"{name}: works along a dimension; a 0-d tensor has none")
    if not -nd <= d < nd:
        raise ValueError(f"{name}: dim {d} is out of range for a tensor of {nd} dimension(s)")
    return d % nd


def _geometry(kind, shape, dim):
    """(outer, n, inner) of actfn's Axis and the output's shape."""
    if kind == "elementwise":
        return 1, _math.prod(shape), 1, shape
    outer, n, inner = _math.prod(shape[:dim]), shape[dim], _math.prod(shape[dim + 1:])
    if kind == "reduce":
        return outer, n, inner, shape[:dim] + shape[dim + 1:]
    if kind == "gated":
        return outer, n, inner, shape[:dim] + (n // 2,) + shape[dim + 1:]
    return outer, n, inner, shape


def _forward(name, x, params, dim, fast):
    idx, info = _INFO[name]
    x = x.contiguous()
    if info["kind"] == "elementwise":  # the common case, kept short: empty_like is the fastest
        y = _torch.empty_like(x)
        if x.numel():
            _raw.call(idx, 0, fast, _DTYPES[x.dtype], 0, x.data_ptr(), 0, y.data_ptr(), 1,
                      x.numel(), 1, params)
        return y
    outer, n, inner, shape = _geometry(info["kind"], tuple(x.shape), dim)
    y = _torch.empty_like(x) if info["kind"] == "axis" else _torch.empty(shape, dtype=x.dtype)
    if x.numel():
        _raw.call(idx, 0, fast, _DTYPES[x.dtype], 0, x.data_ptr(), 0, y.data_ptr(), outer, n,
                  inner, params)
    elif y.numel():  # logsumexp along an empty dimension
        y.fill_(-_math.inf)
    return y


def _reads_y(info):
    return info["kind"] == "axis" and info["backward_reads"] == "y"


def _backward(name, dy, saved, params, dim, fast):
    idx, info = _INFO[name]
    saved = saved.contiguous()
    dy = dy.to(saved.dtype).contiguous()
    outer, n, inner, _ = _geometry(info["kind"], tuple(saved.shape), dim)
    dx = _torch.empty(saved.shape, dtype=saved.dtype)
    if saved.numel():
        _raw.call(idx, 1, fast, _DTYPES[saved.dtype], int(_reads_y(info)), dy.data_ptr(),
                  saved.data_ptr(), dx.data_ptr(), outer, n, inner, params)
    return dx


# ---- torch.library custom operators (torch >= 2.4), every one registered at import
_OPS = {}


def _op(name):
    op = _OPS.get(name)
    if op is not None:
        return op
    _, info = _INFO[name]
    lib = _torch.library
    fwd = lib.custom_op(f"actfn::{name}", mutates_args=(),
                        schema="(Tensor x, float[] params, int dim, bool fast) -> Tensor")(
        lambda x, params, dim, fast: _forward(name, x, tuple(params), dim, fast))
    bwd = lib.custom_op(f"actfn::{name}_backward", mutates_args=(),
                        schema="(Tensor dy, Tensor saved, float[] params, int dim, bool fast) -> Tensor")(
        lambda dy, saved, params, dim, fast: _backward(name, dy, saved, tuple(params), dim, fast))

    @fwd.register_fake
    def _(x, params, dim, fast):
        return x.new_empty(_geometry(info["kind"], tuple(x.shape), dim)[3])

    @bwd.register_fake
    def _(dy, saved, params, dim, fast):
        return saved.new_empty(saved.shape)

    def setup(ctx, inputs, output):
        x, params, dim, fast = inputs
        ctx.save_for_backward(output if _reads_y(info) else x)
        ctx.params, ctx.dim, ctx.fast = params, dim, fast

    def backward(ctx, dy):
        (saved,) = ctx.saved_tensors
        return bwd(dy, saved, ctx.params, ctx.dim, ctx.fast), None, None, None

    fwd.register_autograd(backward, setup_context=setup)

    if name in LINEAR:  # d(dy f'(x)) = ddx f'(x) in dy, 0 in x
        def setup2(ctx, inputs, output):
            _, saved, params, dim, fast = inputs
            ctx.save_for_backward(saved)
            ctx.params, ctx.dim, ctx.fast = params, dim, fast

        def backward2(ctx, g):
            (saved,) = ctx.saved_tensors
            return bwd(g, saved, ctx.params, ctx.dim, ctx.fast), None, None, None, None

        bwd.register_autograd(backward2, setup_context=setup2)
    _OPS[name] = (fwd, bwd)
    return _OPS[name]


# ---- torch.autograd.Function (torch without custom_op)
class _Function(_torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, name, params, dim, fast):
        y = _forward(name, x, params, dim, fast)
        ctx.name, ctx.params, ctx.dim, ctx.fast = name, params, dim, fast
        ctx.save_for_backward(y if _reads_y(_INFO[name][1]) else x)
        return y

    @staticmethod
    def backward(ctx, dy):
        (saved,) = ctx.saved_tensors
        if ctx.name in LINEAR:
            return _LinearBackward.apply(dy, saved, ctx.name, ctx.params, ctx.dim, ctx.fast), None, None, None, None
        with _torch.no_grad():
            dx = _backward(ctx.name, dy, saved, ctx.params, ctx.dim, ctx.fast)
        return dx, None, None, None, None


class _LinearBackward(_torch.autograd.Function):
    @staticmethod
    def forward(ctx, dy, saved, name, params, dim, fast):
        ctx.name, ctx.params, ctx.dim, ctx.fast = name, params, dim, fast
        ctx.save_for_backward(saved)
        return _backward(name, dy, saved, params, dim, fast)

    @staticmethod
    def backward(ctx, g):
        (saved,) = ctx.saved_tensors
        return (_LinearBackward.apply(g, saved, ctx.name, ctx.params, ctx.dim, ctx.fast), None,
                None, None, None, None)


_PARAMS = {}  # (name, args, keywords) -> bound parameters: a call's overhead stays small


def _params(name, args, kw_items):
    """The bound parameters (a tuple of floats) of name(x, *args, **dict(kw_items)). Pure: under
    torch.compile it runs once at trace time and its result is a constant of the graph."""
    try:
        key = (name, args, kw_items)
        hit = _PARAMS.get(key)
    except TypeError:  # an unhashable value (a tensor parameter): bind it each time
        key, hit = None, None
    if hit is not None:
        return hit
    out = _bind_params(name, _INFO[name][1], args, dict(kw_items))
    if key is not None and len(_PARAMS) < 4096:
        _PARAMS[key] = out
    return out


_params_traced = getattr(getattr(_torch, "compiler", None), "assume_constant_result", None)
_params_traced = _params_traced(_params) if _params_traced else _params


def _bind_params(name, info, args, kw):
    def number(key, v):  # a one-value tensor is its value; a parameter is one number
        if not isinstance(v, _torch.Tensor):
            return v
        if v.numel() != 1:
            raise TypeError(f"{name}: {key} must be a number, not a tensor of {v.numel()} values")
        return v.item()

    return _actfn._bind_scalars(name, info["params"], args, kw, number)


def _make(name):
    _, info = _INFO[name]
    kind = info["kind"]
    along, softmax = kind != "elementwise", info["softmax_options"]

    def f(x, *args, dim=None, axis=None, accuracy="exact", **kw):
        _check_tensor(name, x)
        if accuracy not in ("exact", "fast"):
            raise ValueError(f"{name}: accuracy must be 'exact' or 'fast', not {accuracy!r}")
        if along:
            d = _dim(name, x, dim, axis)
        elif dim is not None or axis is not None:
            raise TypeError(f"{name}: is elementwise and takes no dim")
        else:
            d = -1
        if softmax:
            mask, additive = kw.pop("mask", None), kw.pop("additive_mask", None)
            if mask is not None or additive is not None:
                scale = kw.get("scale", args[0] if args else 1.0)
                z = x * scale if scale != 1 else x
                if additive is not None:
                    z = z + additive
                if mask is not None:
                    fill = _math.inf if info["negated"] else -_math.inf
                    z = _torch.where(_torch.as_tensor(mask, dtype=_torch.bool), z, _torch.full((), fill, dtype=z.dtype))
                if z.shape != x.shape:
                    raise ValueError(f"{name}: the masks would change the input shape {tuple(x.shape)} to {tuple(z.shape)}")
                x = z
                if args:
                    args = (1.0,) + tuple(args[1:])
                else:
                    kw["scale"] = 1.0
        if not (args or kw or info["params"]):
            params = ()
        elif _compiling():
            params = _params_traced(name, tuple(args), tuple(kw.items()))
        else:
            params = _params(name, tuple(args), tuple(kw.items()))
        fast = accuracy == "fast"
        if not _compiling() and not (x.requires_grad and _torch.is_grad_enabled()):
            return _forward(name, x, params, d, fast)
        if _HAS_CUSTOM_OP and (_EAGER_CUSTOM_OP or _compiling()):
            return _op(name)[0](x, list(params), d, fast)
        return _Function.apply(x, name, params, d, fast)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = getattr(_actfn, name).__doc__
    return f


__all__ += _actfn._export(globals(), _make)

# Every custom operator now (0.3 s): torch.compile cannot register one while it traces.
if _HAS_CUSTOM_OP:
    for _name in _INFO:
        _op(_name)
    del _name

from . import nn  # noqa: E402,F401  (actfn.torch.nn: the modules)
