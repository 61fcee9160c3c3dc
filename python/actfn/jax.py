"""actfn for JAX: every function inside ``jax.jit``, ``jax.grad`` and ``jax.vmap`` on CPU.

    >>> import jax, jax.numpy as jnp, actfn.jax as afj
    >>> jax.jit(afj.gelu)(jnp.linspace(-3, 3, 7))
    >>> jax.grad(lambda v: afj.softmax(v, axis=-1)[0])(jnp.ones(3))
    >>> jax.vmap(afj.logsumexp)(jnp.ones((4, 5)))

Each call is one XLA custom call (the FFI targets ``actfn_forward`` and ``actfn_backward``)
that runs actfn's C++ kernels on XLA's buffers: no Python callback, no copy. float16,
bfloat16, float32 and float64 arrays each in their own type (float64 needs
``jax_enable_x64``). Gradients are actfn's backward through ``jax.custom_vjp`` (first order:
a second derivative raises). Parameters are as in ``actfn`` (positional or keyword, checked by
the library) and must be Python numbers, not traced values. Functions along an axis take
``axis=`` (as ``jax.nn``), the softmax family also ``scale``, ``safe``, ``mask`` and
``additive_mask``; ``accuracy="fast"`` runs the fast tier.
"""

import functools as _functools
import math as _math

import jax as _jax
import jax.numpy as _jnp
import numpy as _np

import actfn as _actfn
from actfn import _actfn as _raw

if not hasattr(_raw, "jax_handlers"):
    raise ImportError("actfn was built without jaxlib's FFI headers: install jax and jaxlib, "
                      "then rebuild actfn (pip install --no-build-isolation .)")

for _stage, _capsule in _raw.jax_handlers().items():
    _jax.ffi.register_ffi_target(f"actfn_{_stage}", _capsule, platform="cpu")
del _stage, _capsule

__all__ = ["functions"]

_INFO = {f["name"]: (i, f) for i, f in enumerate(_actfn._REGISTRY)}
_DTYPES = {_np.dtype(_jnp.float16), _np.dtype(_jnp.bfloat16), _np.dtype(_jnp.float32),
           _np.dtype(_jnp.float64)}


def functions():
    """The registry (as ``actfn.functions()``)."""
    return _actfn.functions()


def _reads_y(info):
    return info["kind"] == "axis" and info["backward_reads"] == "y"


def _out_shape(kind, shape, dim):
    if kind == "reduce":
        return shape[:dim] + shape[dim + 1:]
    if kind == "gated":
        return shape[:dim] + (shape[dim] // 2,) + shape[dim + 1:]
    return shape


def _attrs(idx, params, dim, rank, fast):
    # dim counted from the end: vmap adds leading batch dimensions and must not move it
    # params padded to a fixed length (an attribute array is never empty), nparams of them used
    return dict(op=_np.int64(idx), fast=_np.int64(fast), dim=_np.int64(dim - rank),
                params=_np.asarray(params + (0.0,) * (4 - len(params)), _np.float64),
                nparams=_np.int64(len(params)))


def _forward_call(name, x, params, dim, fast):
    idx, info = _INFO[name]
    shape = _out_shape(info["kind"], x.shape, dim)
    call = _jax.ffi.ffi_call("actfn_forward", _jax.ShapeDtypeStruct(shape, x.dtype),
                             vmap_method="broadcast_all")
    return call(x, **_attrs(idx, params, dim, x.ndim, fast))


def _backward_call(name, dy, saved, params, dim, fast):
    idx, info = _INFO[name]
    call = _jax.ffi.ffi_call("actfn_backward", _jax.ShapeDtypeStruct(saved.shape, saved.dtype),
                             vmap_method="broadcast_all")
    return call(dy.astype(saved.dtype), saved, from_y=_np.int64(_reads_y(info)),
                **_attrs(idx, params, dim, saved.ndim, fast))


@_functools.lru_cache(maxsize=None)
def _differentiable(name):
    @_functools.partial(_jax.custom_vjp, nondiff_argnums=(1, 2, 3))
    def f(x, params, dim, fast):
        return _forward_call(name, x, params, dim, fast)

    def fwd(x, params, dim, fast):
        y = _forward_call(name, x, params, dim, fast)
        return y, (y if _reads_y(_INFO[name][1]) else x)

    def bwd(params, dim, fast, saved, dy):
        return (_backward_call(name, dy, saved, params, dim, fast),)

    f.defvjp(fwd, bwd)
    return f


def _static(name, key, v):
    if isinstance(v, (_jax.Array, _np.ndarray)) or hasattr(v, "aval"):
        if _np.ndim(v) != 0:
            raise TypeError(f"{name}: {key} must be a number, not an array of shape {_np.shape(v)}")
        try:
            return float(v)
        except _jax.errors.ConcretizationTypeError:
            raise TypeError(f"{name}: {key} must be a Python number, not a traced value "
                            "(mark it static in jax.jit)") from None
    return v


def _params(name, info, args, kw):
    return _actfn._bind_scalars(name, info["params"], args, kw, lambda key, v: _static(name, key, v))


def _make(name):
    _, info = _INFO[name]
    along, softmax = info["kind"] != "elementwise", info["softmax_options"]

    def f(x, *args, axis=None, accuracy="exact", **kw):
        if not isinstance(x, _jax.Array) and not hasattr(x, "aval"):
            if isinstance(x, (list, tuple, str)) or not hasattr(x, "dtype") and not isinstance(x, (int, float)):
                raise TypeError(f"{name}: expects an array, not {type(x).__name__}")
            x = _jnp.asarray(x)
        if _np.dtype(x.dtype) not in _DTYPES:
            raise TypeError(f"{name}: takes float16, bfloat16, float32 or float64 arrays, not {x.dtype}")
        if accuracy not in ("exact", "fast"):
            raise ValueError(f"{name}: accuracy must be 'exact' or 'fast', not {accuracy!r}")
        if along:
            d = -1 if axis is None else axis
            if not isinstance(d, int) or isinstance(d, bool):
                raise TypeError(f"{name}: axis must be an integer, not {type(d).__name__}")
            if x.ndim == 0:
                raise ValueError(f"{name}: works along an axis; a 0-d input has none")
            if not -x.ndim <= d < x.ndim:
                raise ValueError(f"{name}: axis {d} is out of range for an array of {x.ndim} dimension(s)")
            d %= x.ndim
            if info["kind"] == "gated" and x.shape[d] % 2:
                raise ValueError(f"{name}: the axis has {x.shape[d]} values; it must split into two halves")
        elif axis is not None:
            raise TypeError(f"{name}: is elementwise and takes no axis")
        else:
            d = 0
        if softmax:
            mask, additive = kw.pop("mask", None), kw.pop("additive_mask", None)
            if mask is not None or additive is not None:
                scale = _static(name, "scale", kw.get("scale", args[0] if args else 1.0))
                z = x * _jnp.asarray(scale, x.dtype) if scale != 1 else x
                if additive is not None:
                    z = z + _jnp.asarray(additive, x.dtype)
                if mask is not None:
                    fill = _math.inf if info["negated"] else -_math.inf
                    z = _jnp.where(_jnp.asarray(mask, bool), z, _jnp.asarray(fill, x.dtype))
                if z.shape != x.shape:
                    raise ValueError(f"{name}: the masks would change the input shape {x.shape} to {z.shape}")
                x = z
                if args:
                    args = (1.0,) + tuple(args[1:])
                else:
                    kw["scale"] = 1.0
        params = _params(name, info, args, kw)
        return _differentiable(name)(x, params, d, accuracy == "fast")

    f.__name__ = f.__qualname__ = name
    f.__doc__ = getattr(_actfn, name).__doc__
    return f


__all__ += _actfn._export(globals(), _make)
