"""actfn: neural-network activation functions as numpy ufuncs, forward and backward.

    >>> import actfn
    >>> actfn.relu(1.0), actfn.relu(-1.0)
    (1.0, 0.0)
    >>> actfn.leaky_relu(-1.0, alpha=0.001)
    -0.001
    >>> actfn.sigmoid(-1.0)
    0.2689414213699951

Every elementwise function is a real ``numpy.ufunc`` (broadcasting, any strides, ``out=``,
``where=``, ``dtype=``; float16, float32 and float64 loops over the same SIMD kernels as the
C++ library). Functions with parameters take them as keywords with their defaults
(``actfn.leaky_relu(x, alpha=0.001)``); the ufunc itself, with the parameters as extra
inputs, is ``actfn.ufuncs.leaky_relu``. Derivatives: ``actfn.sigmoid_grad(x)`` is f'(x),
``actfn.sigmoid_backward(dy, x)`` is dy * f'(x).

Along an axis, generalized ufuncs: ``softmax``, ``log_softmax``, ``softmin``, ``sparsemax``,
``entmax15``, ``gumbel_softmax`` ((n)->(n)), ``logsumexp`` ((n)->()), with ``axis=`` and, for
the softmax family, ``scale``, ``mask``, ``additive_mask`` and ``safe``; gated units
(``glu``, ``swiglu``, ``geglu``, ``reglu``) split ``axis`` in halves. Each has ``_backward``.

Two accuracy tiers, the same names and signatures: ``actfn.sigmoid`` (exact: float32 within
1 ULP of the correctly rounded result) and ``actfn.fast.sigmoid`` (fast: within 4 ULP, the
same special values, nothing flushed to zero; float16 computed in float32). Each function's
bounds per tier are in ``actfn.functions()[i]["bounds"]``.

``actfn.functions()`` lists the registry; ``actfn.torch`` wraps everything for PyTorch autograd.
"""

import inspect as _inspect
import math as _math
import sys as _sys
import types as _types

import numpy as _np

from . import _actfn

__version__ = _actfn.__version__
__all__ = ["functions", "ufuncs", "fast"]

# The raw ufuncs, parameters as extra inputs: actfn.ufuncs.leaky_relu(x, 0.001).
ufuncs = _types.SimpleNamespace()

_REGISTRY = _actfn.functions()


def functions():
    """The registry: a list of dicts (name, kind, params, formula, derivative, ...)."""
    return [dict(f) for f in _REGISTRY]


def _is_lazy(v):
    """Arrays we must not pull into memory to check (dask and the like)."""
    return hasattr(v, "dask") or type(v).__module__.startswith("dask")


def _param_value(fname, p, value):
    """A parameter as the ufunc takes it: a number, or a choice's index."""
    if p["choices"]:
        if isinstance(value, (bool, _np.bool_)) and len(p["choices"]) == 2:
            return float(bool(value))
        if isinstance(value, str):
            if value not in p["choices"]:
                raise ValueError(f"{fname}: {p['name']} must be one of {', '.join(p['choices'])}, "
                                 f"not {value!r}")
            return float(p["choices"].index(value))
    if isinstance(value, (str, bytes, complex)) or (hasattr(value, "dtype") and
                                                   _np.dtype(value.dtype).kind in "OcUSV"):
        raise TypeError(f"{fname}: {p['name']} must be a real number, not {type(value).__name__}")
    return value


_CHECKED = set()  # (name, values) already found valid: a call's overhead stays small


def _bind(fname, params, args, kwargs):
    """Positional then keyword parameters, in registry order, defaults filled in; scalars are
    checked by the library (its message), arrays against the ranges."""
    if len(args) > len(params):
        raise TypeError(f"{fname}: takes {len(params)} parameter(s), got {len(args)}")
    values = []
    for i, p in enumerate(params):
        if i < len(args):
            if p["name"] in kwargs:
                raise TypeError(f"{fname}: {p['name']} given twice")
            v = args[i]
        else:
            v = kwargs.pop(p["name"], p["default"])
        values.append(_param_value(fname, p, v))
    if all(type(v) in (float, int) for v in values):
        key = (fname, *values)
        if key not in _CHECKED:
            _actfn.check(fname, *[float(v) for v in values])
            if len(_CHECKED) < 4096:
                _CHECKED.add(key)
        return values
    scalars = [v for v in values if _np.ndim(v) == 0 and not _is_lazy(v)]
    if len(scalars) == len(values):
        _actfn.check(fname, *[float(v) for v in values])
    else:
        for p, v in zip(params, values):
            if _is_lazy(v) or _np.ndim(v) == 0:
                continue
            a = _np.asarray(v, dtype=float)
            ok = (a >= p["min"]) & (a <= p["max"])
            if p["min_open"]:
                ok &= a > p["min"]
            if not _np.all(ok):
                bad = float(a[~ok].flat[0])
                raise ValueError(f"{fname}: {p['name']} = {bad!r} is out of range")
    return values


def _bind_scalars(fname, params, args, kwargs, number):
    """The parameters of a tensor library's call (actfn.torch, actfn.jax) as a tuple of floats:
    each value through number(key, v) (the library's one-value tensor to a number, or its
    error), then _bind; a keyword left over is an error."""
    names = [p["name"] for p in params]
    args = tuple(number(names[i] if i < len(names) else "argument", v) for i, v in enumerate(args))
    kwargs = {k: number(k, v) for k, v in kwargs.items()}
    values = _bind(fname, params, args, kwargs)
    if kwargs:
        raise TypeError(f"{fname}: unexpected keyword argument {next(iter(kwargs))!r}")
    return tuple(float(v) for v in values)


def _export(ns, make):
    """make(name) for every function of the registry into the namespace ns (a module's
    dict), aliases too; returns the names (the tensor libraries' modules)."""
    names = []
    for info in _REGISTRY:
        ns[info["name"]] = make(info["name"])
        names.append(info["name"])
        if info["alias"]:
            ns[info["alias"]] = ns[info["name"]]
            names.append(info["alias"])
    return names


def _signature(params, first):
    ps = [_inspect.Parameter(n, _inspect.Parameter.POSITIONAL_ONLY) for n in first]
    for p in params:
        d = p["choices"][int(p["default"])] if p["choices"] else p["default"]
        ps.append(_inspect.Parameter(p["name"], _inspect.Parameter.POSITIONAL_OR_KEYWORD, default=d))
    ps.append(_inspect.Parameter("kwargs", _inspect.Parameter.VAR_KEYWORD))
    return _inspect.Signature(ps)


def _doc(info, extra=""):
    lines = [f"{info['name']}{extra}: {info['summary']}", "",
             f"    {info['formula']}", f"    {info['derivative']}",
             f"    backward reads: {info['backward_reads']}"]
    if info["params"]:
        lines += ["", "Parameters:"]
        for p in info["params"]:
            d = p["choices"][int(p["default"])] if p["choices"] else p["default"]
            lines.append(f"    {p['name']} = {d!r}: {p['doc']}")
    return "\n".join(lines)


def _elementwise(info, suffix, first, raw, uf_ns):
    name = info["name"] + suffix
    uf = getattr(raw, name)
    setattr(uf_ns, name, uf)
    params = info["params"]
    if not params:
        return uf  # a real numpy ufunc, nothing to wrap

    def f(*args, **kwargs):
        if len(args) < len(first):
            raise TypeError(f"{name}: needs {', '.join(first)}")
        values = _bind(info["name"], params, args[len(first):], kwargs)
        return uf(*args[:len(first)], *values, **kwargs)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = _doc(info, suffix) + f"\n\nThe ufunc: actfn.ufuncs.{name}."
    f.__signature__ = _signature(params, first)
    f.ufunc = uf
    return f


def _axis_index(fname, x, axis):
    nd = _np.ndim(x)
    if not isinstance(axis, (int, _np.integer)) or isinstance(axis, bool):
        raise TypeError(f"{fname}: axis must be an integer, not {type(axis).__name__}")
    if nd == 0:
        raise ValueError(f"{fname}: works along an axis; a 0-d input has none")
    if not -nd <= axis < nd:
        raise ValueError(f"{fname}: axis {axis} is out of range for an array of {nd} dimension(s)")
    return int(axis)


def _masked(fname, x, scale, mask, additive_mask, negated=False):
    """x scale + additive_mask, -inf where mask is False (+inf for the softmax of -x: the
    value the function ignores), with numpy broadcasting."""
    try:
        shape = _np.broadcast_shapes(*[_np.shape(v) for v in (x, mask, additive_mask) if v is not None])
    except ValueError:
        raise ValueError(f"{fname}: mask shape does not broadcast against the input shape "
                         f"{_np.shape(x)}") from None
    if shape != _np.shape(x):
        raise ValueError(f"{fname}: the masks would change the input shape {_np.shape(x)} to {shape}")
    z = x * scale if scale != 1 else x
    if additive_mask is not None:
        z = z + additive_mask
    if mask is not None:
        z = _np.where(mask, z, _np.inf if negated else -_np.inf)
    return z


def _make_softmax(info, raw, uf_ns):
    name, negated = info["name"], info["negated"]
    uf, ub = getattr(raw, name), getattr(raw, name + "_backward")
    setattr(uf_ns, name, uf)
    setattr(uf_ns, name + "_backward", ub)

    def f(x, axis=-1, *, scale=1.0, safe=False, mask=None, additive_mask=None, out=None):
        axis = _axis_index(name, x, axis)
        _actfn.check(name, float(scale), float(bool(safe)))
        if mask is not None or additive_mask is not None:
            x = _masked(name, x, scale, mask, additive_mask, negated)
            scale = 1.0
        kw = {} if out is None else {"out": out}
        return uf(x, float(scale), float(bool(safe)), axis=axis, **kw)

    def b(dy, y, axis=-1, *, scale=1.0, safe=False, mask=None, additive_mask=None, out=None):
        axis = _axis_index(name + "_backward", y, axis)
        kw = {} if out is None else {"out": out}
        dx = ub(dy, y, float(scale), float(bool(safe)), axes=[(axis,), (axis,), (), (), (axis,)], **kw)
        if mask is not None:
            dx = _np.where(mask, dx, 0)
        return dx

    return f, b


def _make_axis(info, raw, uf_ns):
    """The other functions along an axis (reductions, the sparse maps, gumbel_softmax): their
    parameters as keywords, bound and checked as the elementwise ones are."""
    name, params, reduce = info["name"], info["params"], info["kind"] == "reduce"
    uf, ub = getattr(raw, name), getattr(raw, name + "_backward")
    setattr(uf_ns, name, uf)
    setattr(uf_ns, name + "_backward", ub)

    def f(x, axis=-1, *, out=None, **kwargs):
        axis = _axis_index(name, x, axis)
        values = _bind(name, params, (), kwargs)
        if kwargs:
            raise TypeError(f"{name}: unexpected keyword argument {next(iter(kwargs))!r}")
        kw = {} if out is None else {"out": out}
        return uf(x, *values, axis=axis, **kw)

    def b(dy, saved, axis=-1, *, out=None, **kwargs):
        axis = _axis_index(name + "_backward", saved, axis)
        values = _bind(name, params, (), kwargs)
        if kwargs:
            raise TypeError(f"{name}_backward: unexpected keyword argument {next(iter(kwargs))!r}")
        kw = {} if out is None else {"out": out}
        axes = [() if reduce else (axis,), (axis,)] + [()] * len(params) + [(axis,)]
        return ub(dy, saved, *values, axes=axes, **kw)

    return f, b


def _make_gated(info, raw, uf_ns):
    name = info["name"]
    uf, ub = getattr(raw, name), getattr(raw, name + "_backward")
    setattr(uf_ns, name, uf)
    setattr(uf_ns, name + "_backward", ub)
    params = info["params"]

    def halves(x, axis):
        axis = _axis_index(name, x, axis)
        n = _np.shape(x)[axis]
        if n % 2:
            raise ValueError(f"{name}: the axis has {n} values; it must split into two halves")
        index = [slice(None)] * _np.ndim(x)
        index[axis] = slice(0, n // 2)
        a = x[tuple(index)]
        index[axis] = slice(n // 2, n)
        return a, x[tuple(index)], axis

    def f(x, axis=-1, **kwargs):
        a, b_, _ = halves(x, axis)
        values = _bind(name, params, (), kwargs)
        return uf(a, b_, *values, **kwargs)

    def b(dy, x, axis=-1, **kwargs):
        a, b_, axis = halves(x, axis)
        values = _bind(name, params, (), kwargs)
        da, db = ub(dy, a, b_, *values, **kwargs)
        return _np.concatenate([da, db], axis=axis)

    return f, b


def _build(ns, raw, uf_ns, tier):
    """Every function of the registry into the namespace ns (a module's dict), from the raw
    ufuncs of one tier (raw: _actfn or _actfn.fast); returns the names."""
    names = []
    for info in _REGISTRY:
        n = info["name"]
        if info["kind"] == "elementwise":
            ns[n] = _elementwise(info, "", ["x"], raw, uf_ns)
            ns[n + "_grad"] = _elementwise(info, "_grad", ["x"], raw, uf_ns)
            ns[n + "_backward"] = _elementwise(info, "_backward", ["dy", "x"], raw, uf_ns)
            if info["alias"]:
                ns[info["alias"]] = ns[n]
        elif info["softmax_options"]:
            ns[n], ns[n + "_backward"] = _make_softmax(info, raw, uf_ns)
        elif info["kind"] == "gated":
            ns[n], ns[n + "_backward"] = _make_gated(info, raw, uf_ns)
        else:
            ns[n], ns[n + "_backward"] = _make_axis(info, raw, uf_ns)
        for s in ("", "_grad", "_backward"):
            f = ns.get(n + s)
            if f is not None and not isinstance(f, _np.ufunc):
                f.__name__ = f.__qualname__ = n + s
                if not f.__doc__:
                    f.__doc__ = _doc(info, s)
                if tier == "fast":
                    f.__module__ = "actfn.fast"
            if f is not None:
                names.append(n + s)
        if info["alias"]:
            names.append(info["alias"])
    return names


__all__ += _build(globals(), _actfn, ufuncs, "exact")

# The fast tier: a module of the same functions (import actfn.fast, or actfn.fast.sigmoid).
fast = _types.ModuleType("actfn.fast", """actfn's fast tier: every function of actfn, the same
names and signatures, within 4 ULP (float32 and float64) instead of exact's 1, with the same
special values (NaN, infinities, signed zeros, saturation) and nothing flushed to zero;
float16 and bfloat16 computed in float32 and rounded once. Backward is exact's.

    >>> import actfn
    >>> actfn.fast.sigmoid(-1.0)
    0.2689414213699951
""")
fast.ufuncs = _types.SimpleNamespace()
fast.functions = functions
fast.__all__ = ["functions", "ufuncs"] + _build(fast.__dict__, _actfn.fast, fast.ufuncs, "fast")
_sys.modules["actfn.fast"] = fast

# bfloat16 loops when ml_dtypes provides the dtype (load, compute in f64, round once).
try:
    import ml_dtypes as _ml_dtypes
except ImportError:
    _ml_dtypes = None
if _ml_dtypes is not None:
    _actfn.register_bfloat16(_np.dtype(_ml_dtypes.bfloat16))
