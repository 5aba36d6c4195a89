"""The textbook formulas, as the seed articles and most tutorials write them.

They are here only to be audited beside the catalogue's stable forms: each is computed
in the input's own dtype with plain numpy, exactly as a reader would type it, so that
`actviz accuracy` can show where it overflows (``exp(-x)`` for x < -709 in float64,
-88.7 in float32, -11.1 in float16), returns NaN (``inf/inf``), or loses every digit
(``p*(1-p)`` and ``1 - tanh²`` in the tails, ``exp(x) - 1`` near 0).

Each entry is keyed by the catalogue's canonical name and gives the forward formula, the
derivative formula and where the formula applies (a parameter setting it describes).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from ..core.bound import BoundActivation

Array = np.ndarray


@dataclass(frozen=True)
class Naive:
    """A textbook formula and its textbook derivative."""

    # f(x, **params), computed in x's dtype
    forward: Callable[..., Array]
    # f'(x, **params), likewise
    derivative: Callable[..., Array]
    # the formulas as text, for tables and legends, or functions of the parameters giving them
    text: str | Callable[..., str]
    derivative_text: str | Callable[..., str]
    # whether the formula describes the activation at these parameters
    applies: Callable[..., bool] = lambda **_: True


def _erf(x: Array) -> Array:
    # scipy computes erf in float32 at best; the result goes back to x's dtype, as it would
    # in a hand-written half-precision version
    from scipy.special import erf

    return np.asarray(erf(x)).astype(x.dtype)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _tanh(x):
    return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))


def _softplus(x):
    return np.log(1 + np.exp(x))


def _d_sigmoid(x):
    p = _sigmoid(x)
    return p * (1 - p)


def _d_softplus(x, beta=1.0, **_):
    return np.exp(beta * x) / (1 + np.exp(beta * x))


def _elu(x, alpha):
    return np.where(x > 0, x, alpha * (np.exp(x) - 1))


def _d_elu(x, alpha):
    # the ELU paper's form: f'(x) = f(x) + α for x <= 0
    return np.where(x > 0, 1, _elu(x, alpha) + alpha)


_SELU_L = 1.0507009873554804934193349852946
_SELU_A = 1.6732632423543772848170429916717


def _gelu(x, approximate="none"):
    if approximate == "tanh":
        return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    return 0.5 * x * (1 + _erf(x / math.sqrt(2)))


def _d_gelu(x, approximate="none"):
    if approximate == "tanh":
        t = np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))
        return 0.5 * (1 + t) + 0.5 * x * (1 - t**2) * math.sqrt(2 / math.pi) * (1 + 3 * 0.044715 * x**2)
    return 0.5 * (1 + _erf(x / math.sqrt(2))) + x * np.exp(-(x**2) / 2) / math.sqrt(2 * math.pi)


def _softmax0(x, classes, others):
    return np.exp(x) / (np.exp(x) + (classes - 1) * np.exp(np.asarray(others, dtype=x.dtype)))


def _softmin0(x, classes, others):
    return np.exp(-x) / (np.exp(-x) + (classes - 1) * np.exp(-np.asarray(others, dtype=x.dtype)))


NAIVE: dict[str, Naive] = {
    "sigmoid": Naive(
        lambda x: _sigmoid(x),
        lambda x: _d_sigmoid(x),
        "1/(1+exp(-x))",
        "p*(1-p)",
    ),
    "tanh": Naive(
        lambda x: _tanh(x),
        lambda x: 1 - np.tanh(x) ** 2,
        "(exp(x)-exp(-x))/(exp(x)+exp(-x))",
        "1-tanh(x)**2",
    ),
    "softplus": Naive(
        lambda x, beta, threshold: _softplus(beta * x) / beta,
        _d_softplus,
        "log(1+exp(beta*x))/beta",
        "exp(beta*x)/(1+exp(beta*x))",
        applies=lambda beta, threshold: threshold is None,
    ),
    "silu": Naive(
        lambda x, beta: x * _sigmoid(beta * x),
        lambda x, beta: _sigmoid(beta * x) + beta * x * _d_sigmoid(beta * x),
        "x*sigmoid(beta*x) = x/(1+exp(-beta*x))",
        "p + beta*x*p*(1-p)",
    ),
    "mish": Naive(
        lambda x: x * np.tanh(_softplus(x)),
        lambda x: np.tanh(_softplus(x)) + x * (1 - np.tanh(_softplus(x)) ** 2) * np.exp(x) / (1 + np.exp(x)),
        "x*tanh(log(1+exp(x)))",
        "tanh(sp) + x*(1-tanh(sp)**2)*exp(x)/(1+exp(x))",
    ),
    "gelu": Naive(
        _gelu,
        _d_gelu,
        lambda approximate: (
            "0.5*x*(1+tanh(sqrt(2/pi)*(x+0.044715*x**3)))" if approximate == "tanh"
            else "0.5*x*(1+erf(x/sqrt(2)))"
        ),
        lambda approximate: (
            ("0.5*(1+t) + 0.5*x*(1-t**2)*sqrt(2/pi)*(1+3*0.044715*x**2), "
             "t = tanh(sqrt(2/pi)*(x+0.044715*x**3))") if approximate == "tanh"
            else "0.5*(1+erf(x/sqrt(2))) + x*exp(-x**2/2)/sqrt(2*pi)"
        ),
    ),
    "elu": Naive(_elu, _d_elu, "x if x > 0 else alpha*(exp(x)-1)", "1 if x > 0 else f(x)+alpha"),
    "selu": Naive(
        lambda x: _SELU_L * _elu(x, _SELU_A),
        lambda x: _SELU_L * _d_elu(x, _SELU_A),
        "lambda*(x if x > 0 else alpha*(exp(x)-1))",
        "lambda if x > 0 else f(x)+lambda*alpha",
    ),
    "celu": Naive(
        lambda x, alpha: np.maximum(0, x) + np.minimum(0, alpha * (np.exp(x / alpha) - 1)),
        lambda x, alpha: np.where(x > 0, 1, np.exp(x / alpha)),
        "max(0,x) + min(0, alpha*(exp(x/alpha)-1))",
        "1 if x > 0 else exp(x/alpha)",
    ),
    "log_sigmoid": Naive(
        lambda x: np.log(_sigmoid(x)),
        lambda x: 1 - _sigmoid(x),
        "log(1/(1+exp(-x)))",
        "1-sigmoid(x)",
    ),
    "tanhshrink": Naive(
        lambda x: x - np.tanh(x),
        lambda x: np.tanh(x) ** 2,
        "x-tanh(x)",
        "tanh(x)**2",
    ),
    "softsign": Naive(
        lambda x: x / (1 + np.abs(x)),
        lambda x: 1 / (1 + np.abs(x)) ** 2,
        "x/(1+abs(x))",
        "1/(1+abs(x))**2",
    ),
    "squareplus": Naive(
        lambda x, b: (x + np.sqrt(x**2 + b)) / 2,
        lambda x, b: (1 + x / np.sqrt(x**2 + b)) / 2,
        "(x+sqrt(x**2+b))/2",
        "(1+x/sqrt(x**2+b))/2",
    ),
    "relu": Naive(
        lambda x, **_: np.maximum(x, 0),
        lambda x, **_: np.where(x > 0, 1, 0).astype(x.dtype),
        "max(x,0)",
        "1 if x > 0 else 0",
        applies=lambda alpha, max_value, threshold: alpha == 0 and max_value is None and threshold == 0,
    ),
    "leaky_relu": Naive(
        lambda x, alpha: np.where(x > 0, x, alpha * x),
        lambda x, alpha: np.where(x > 0, 1, alpha).astype(x.dtype),
        "x if x > 0 else alpha*x",
        "1 if x > 0 else alpha",
    ),
    "exponential": Naive(lambda x: np.exp(x), lambda x: np.exp(x), "exp(x)", "exp(x)"),
    "softmax": Naive(
        _softmax0,
        lambda x, classes, others: _softmax0(x, classes, others) * (1 - _softmax0(x, classes, others)),
        "exp(x)/(exp(x)+(k-1)*exp(others))",
        "p*(1-p)",
    ),
    "softmin": Naive(
        _softmin0,
        lambda x, classes, others: -_softmin0(x, classes, others) * (1 - _softmin0(x, classes, others)),
        "exp(-x)/(exp(-x)+(k-1)*exp(-others))",
        "-p*(1-p)",
    ),
    "log_softmax": Naive(
        lambda x, classes, others: np.log(_softmax0(x, classes, others)),
        lambda x, classes, others: 1 - _softmax0(x, classes, others),
        "log(exp(x)/(exp(x)+(k-1)*exp(others)))",
        "1-p",
    ),
}


def naive_for(act: BoundActivation) -> Naive | None:
    """The textbook formula for ``act``, or None where there is none (or a preset redefines it)."""
    entry = NAIVE.get(act.name)
    if entry is None or (act.variant is not None and act.variant.functions):
        return None
    if not entry.applies(**act.params):
        return None
    texts = {k: v(**act.params) if callable(v) else v
             for k, v in (("text", entry.text), ("derivative_text", entry.derivative_text))}
    return replace(entry, **texts)


def evaluate_naive(entry: Naive, act: BoundActivation, x: Array) -> tuple[Array, Array]:
    """The textbook (f, f') at x, in x's dtype, with every floating-point warning silenced
    (overflow and NaN are what the audit counts)."""
    with np.errstate(all="ignore"):
        f = np.asarray(entry.forward(x, **act.params))
        d = np.asarray(entry.derivative(x, **act.params))
    return f.astype(x.dtype, copy=False), d.astype(x.dtype, copy=False)
