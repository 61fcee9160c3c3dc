"""actfn for PyTorch: every function as a torch.autograd.Function on CPU tensors.

    >>> import torch, actfn.torch as aft
    >>> t = torch.linspace(-3, 3, 7, dtype=torch.float64, requires_grad=True)
    >>> aft.gelu(t).sum().backward()

Tensors cross to numpy without a copy (CPU, any strides; non-contiguous ones are made
contiguous), the forward and backward run actfn's kernels, and nothing is built against
PyTorch. Parameters are keywords, as in ``actfn``; ``axis`` for the functions along an axis;
``accuracy="fast"`` runs the fast tier (``actfn.fast``: within 4 ULP, same special values).
"""

import numpy as _np
import torch as _torch

import actfn as _actfn


def _to_numpy(t):
    if t.device.type != "cpu":
        raise TypeError(f"actfn.torch works on CPU tensors, not {t.device.type}")
    return t.detach().contiguous().numpy()


def _to_torch(a, like):
    a = _np.asarray(a)
    if not a.flags.c_contiguous or not a.flags.writeable:
        a = a.copy()
    return _torch.from_numpy(a).to(like.dtype)


class _Function(_torch.autograd.Function):
    """y = actfn.<name>(x, **kw); dx = actfn.<name>_backward(dy, saved, **kw)."""

    @staticmethod
    def forward(ctx, x, name, kw, saves_y, tier):
        y = _to_torch(getattr(tier, name)(_to_numpy(x), **kw), x)
        ctx.name, ctx.kw, ctx.saves_y = name, kw, saves_y
        ctx.save_for_backward(y if saves_y else x)
        return y

    @staticmethod
    def backward(ctx, dy):
        (saved,) = ctx.saved_tensors
        dx = getattr(_actfn, ctx.name + "_backward")(_to_numpy(dy), _to_numpy(saved), **ctx.kw)
        return _to_torch(dx, saved), None, None, None, None


def _make(info):
    name, kind = info["name"], info["kind"]
    # Along an axis, backward reads y (softmax family) or x; elementwise always from x.
    saves_y = kind == "axis" and info["backward_reads"] == "y"

    def f(x, accuracy="exact", **kw):
        if not isinstance(x, _torch.Tensor):
            raise TypeError(f"{name}: expects a torch.Tensor, not {type(x).__name__}")
        if accuracy not in ("exact", "fast"):
            raise ValueError(f"{name}: accuracy must be 'exact' or 'fast', not {accuracy!r}")
        return _Function.apply(x, name, kw, saves_y, _actfn.fast if accuracy == "fast" else _actfn)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = getattr(_actfn, name).__doc__
    return f


for _info in _actfn.functions():
    globals()[_info["name"]] = _make(_info)
    if _info["alias"]:
        globals()[_info["alias"]] = globals()[_info["name"]]
del _info
