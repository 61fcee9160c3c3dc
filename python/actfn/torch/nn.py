"""actfn's functions as ``torch.nn`` modules, named and parameterized as ``torch.nn``'s.

    >>> import torch, actfn.torch.nn as ann
    >>> model = torch.nn.Sequential(torch.nn.Linear(4, 8), ann.GELU(approximate="tanh"),
    ...                             torch.nn.Linear(8, 3), ann.Softmax(dim=-1))

Where ``torch.nn`` has the function the class has its name and its arguments in its order
(``LeakyReLU(negative_slope=0.01, inplace=False)``, ``Softplus(beta=1.0, threshold=20.0)``,
``Softmax(dim=None)``, ``GLU(dim=-1)``, ...); actfn's own functions are named after them
(``QuickGELU``, ``Snake(alpha=1.0)``, ``LogSumExp(dim=-1)``, ...) with actfn's parameters.
Every class also takes actfn's remaining parameters as keywords (``Softmax(dim=-1, safe=True)``)
and ``accuracy="exact"`` or ``"fast"``. ``MODULES`` maps each class name to its function.

Differences from ``torch.nn``: ``dim=None`` means the last dimension (torch's implicit
choice is deprecated); ``inplace=True`` writes the result into the input only when no
gradient is recorded (otherwise the result is a new tensor, with the same values);
``RReLU`` uses the slope (lower + upper) / 2 in training too (torch samples one per element
while training); ``PReLU``'s weight is a learnable ``Parameter`` as in torch, per channel
(dimension 1) when ``num_parameters > 1``.
"""

import inspect as _inspect

import torch as _torch

from actfn import _REGISTRY
import actfn.torch as _aft

_REQUIRED = _inspect.Parameter.empty

# class name, function, torch.nn's arguments in order: (name, default, actfn parameter or
# "dim" or "inplace")
_TORCH = [
    ("ReLU", "relu", [("inplace", False, "inplace")]),
    ("LeakyReLU", "leaky_relu", [("negative_slope", 0.01, "alpha"), ("inplace", False, "inplace")]),
    ("Sigmoid", "sigmoid", []),
    ("Softmax", "softmax", [("dim", None, "dim")]),
    ("LogSoftmax", "log_softmax", [("dim", None, "dim")]),
    ("Softmin", "softmin", [("dim", None, "dim")]),
    ("RReLU", "rrelu", [("lower", 1 / 8, "lower"), ("upper", 1 / 3, "upper"), ("inplace", False, "inplace")]),
    ("ReLU6", "relu6", [("inplace", False, "inplace")]),
    ("Hardtanh", "hardtanh", [("min_val", -1.0, "min_val"), ("max_val", 1.0, "max_val"), ("inplace", False, "inplace")]),
    ("Threshold", "threshold", [("threshold", _REQUIRED, "threshold"), ("value", _REQUIRED, "value"), ("inplace", False, "inplace")]),
    ("Hardshrink", "hardshrink", [("lambd", 0.5, "lambd")]),
    ("Softshrink", "softshrink", [("lambd", 0.5, "lambd")]),
    ("ELU", "elu", [("alpha", 1.0, "alpha"), ("inplace", False, "inplace")]),
    ("SELU", "selu", [("inplace", False, "inplace")]),
    ("CELU", "celu", [("alpha", 1.0, "alpha"), ("inplace", False, "inplace")]),
    ("GELU", "gelu", [("approximate", "none", "approximate")]),
    ("LogSigmoid", "logsigmoid", []),
    ("Hardsigmoid", "hardsigmoid", [("inplace", False, "inplace")]),
    ("SiLU", "silu", [("inplace", False, "inplace")]),
    ("Hardswish", "hardswish", [("inplace", False, "inplace")]),
    ("Mish", "mish", [("inplace", False, "inplace")]),
    ("Tanh", "tanh", []),
    ("Softsign", "softsign", []),
    ("Tanhshrink", "tanhshrink", []),
    ("Softplus", "softplus", [("beta", 1.0, "beta"), ("threshold", 20.0, "threshold")]),
    ("GLU", "glu", [("dim", -1, "dim")]),
]
# actfn's own functions (and identity): their class names.
_OWN = {
    "identity": "Identity", "squared_relu": "SquaredReLU", "xielu": "XIELU", "isru": "ISRU",
    "isrlu": "ISRLU", "quick_gelu": "QuickGELU", "swish": "Swish",
    "sparse_sigmoid": "SparseSigmoid", "elish": "ELiSH", "ftswish": "FTSwish",
    "bipolar_sigmoid": "BipolarSigmoid", "softcap": "SoftCap", "lisht": "LiSHT",
    "tanhexp": "TanhExp", "squareplus": "Squareplus", "sparse_plus": "SparsePlus",
    "shifted_softplus": "ShiftedSoftplus", "logsumexp": "LogSumExp", "sparsemax": "Sparsemax",
    "entmax15": "Entmax15", "gumbel_softmax": "GumbelSoftmax", "swiglu": "SwiGLU",
    "geglu": "GeGLU", "reglu": "ReGLU", "snake": "Snake", "gcu": "GCU", "sinusoid": "Sinusoid",
    "gaussian": "Gaussian", "hyper_sinh": "HyperSinh", "inverse_quadratic": "InverseQuadratic",
    "multi_quadratic": "MultiQuadratic", "quadratic": "Quadratic", "poisson1": "Poisson1",
    "spline": "Spline", "sqnl": "SQNL",
}

MODULES = {}  # class name -> function name


class _Activation(_torch.nn.Module):
    _fn, _kind = "", "elementwise"
    _args = []  # (name, default, target)
    _extra = []  # actfn parameters torch's class does not have: keyword-only

    def __init__(self, *args, **kwargs):
        super().__init__()
        bound = self.__signature__.bind(*args, **kwargs)
        bound.apply_defaults()
        self._values = dict(bound.arguments)
        for k, v in self._values.items():
            setattr(self, k, v)
        # Checked now (the library's message), as torch checks its modules' arguments.
        params, _, _ = self._split()
        _aft._params(self._fn, (), tuple(params.items()))

    def _split(self):
        params, dim, inplace = {}, None, False
        for name, _, target in self._args:
            v = self._values[name]
            if target == "dim":
                dim = v
            elif target == "inplace":
                inplace = bool(v)
            else:
                params[target] = v
        for name in self._extra:
            params[name] = self._values[name]
        return params, dim, inplace

    def _call(self, x):
        params, dim, inplace = self._split()
        f = getattr(_aft, self._fn)
        kw = {} if self._kind == "elementwise" else {"dim": -1 if dim is None else dim}
        y = f(x, accuracy=self._values["accuracy"], **kw, **params)
        if inplace and not (_torch.is_grad_enabled() and x.requires_grad) and y.shape == x.shape:
            return x.copy_(y)
        return y

    def forward(self, x):
        return self._call(x)

    def extra_repr(self):
        sig = self.__signature__.parameters
        return ", ".join(f"{k}={v!r}" for k, v in self._values.items()
                         if sig[k].kind != sig[k].KEYWORD_ONLY or v != sig[k].default)


def _define(cls_name, fn, args):
    info = next(i for i in _REGISTRY if i["name"] == fn)
    mapped = {t for _, _, t in args}
    extra = [p for p in info["params"] if p["name"] not in mapped]
    if info["kind"] != "elementwise" and "dim" not in mapped:
        args = args + [("dim", -1, "dim")]
    P = _inspect.Parameter
    sig = [P(n, P.POSITIONAL_OR_KEYWORD, default=d) for n, d, _ in args]
    for p in extra:
        d = p["choices"][int(p["default"])] if p["choices"] else p["default"]
        sig.append(P(p["name"], P.KEYWORD_ONLY, default=d))
    sig.append(P("accuracy", P.KEYWORD_ONLY, default="exact"))
    doc = (f"{cls_name}: actfn.torch.{fn} as a module. {info['summary']}\n\n"
           f"    {info['formula']}\n")
    cls = type(cls_name, (_Activation,), {
        "_fn": fn, "_args": args, "_extra": [p["name"] for p in extra], "_kind": info["kind"],
        "__signature__": _inspect.Signature(sig), "__doc__": doc, "__module__": __name__})
    MODULES[cls_name] = fn
    return cls


for _c, _f, _a in _TORCH:
    globals()[_c] = _define(_c, _f, _a)
for _f, _c in _OWN.items():
    info = next(i for i in _REGISTRY if i["name"] == _f)
    globals()[_c] = _define(_c, _f, [(p["name"], p["choices"][int(p["default"])] if p["choices"] else p["default"], p["name"])
                                     for p in info["params"]])
del _c, _f, _a, info


class PReLU(_torch.nn.Module):
    """PReLU(num_parameters=1, init=0.25): x for x > 0, weight x otherwise, with weight a
    learnable Parameter (one per channel, dimension 1, when num_parameters > 1), as
    torch.nn.PReLU. A weight that needs no gradient and is one value runs actfn's prelu
    kernel; otherwise relu(x) - weight relu(-x) with actfn's relu (the same values, one
    rounding of weight x), differentiable in the weight."""

    def __init__(self, num_parameters=1, init=0.25, *, accuracy="exact"):
        super().__init__()
        self.num_parameters, self.accuracy = num_parameters, accuracy
        self.weight = _torch.nn.Parameter(_torch.full((num_parameters,), float(init)))

    def forward(self, x):
        w = self.weight
        if w.numel() == 1 and not (_torch.is_grad_enabled() and w.requires_grad):
            return _aft.prelu(x, weight=float(w), accuracy=self.accuracy)
        if w.numel() > 1:
            if x.dim() < 2 or x.shape[1] != w.numel():
                raise ValueError(f"PReLU: {w.numel()} weights need dimension 1 of that size, "
                                 f"not shape {tuple(x.shape)}")
            w = w.reshape((-1,) + (1,) * (x.dim() - 2))
        w = w.to(x.dtype)
        return _aft.relu(x, accuracy=self.accuracy) - w * _aft.relu(-x, accuracy=self.accuracy)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


MODULES["PReLU"] = "prelu"
__all__ = sorted(MODULES) + ["MODULES"]
