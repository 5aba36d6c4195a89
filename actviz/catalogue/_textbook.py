"""The textbook formulas, as the seed articles and most tutorials write them.

They are here only to be audited beside the catalogue's stable forms (each record's
``naive``): computed in the input's own dtype with plain numpy, exactly as a reader would
type them, so that `actviz accuracy` can show where they overflow (``exp(-x)`` for x < -709
in float64, -88.7 in float32, -11.1 in float16), return NaN (``inf/inf``), or lose every
digit (``p*(1-p)`` and ``1 - tanh²`` in the tails, ``exp(x) - 1`` near 0).
"""

from __future__ import annotations

import math

import numpy as np

from ..core.records import Naive

Array = np.ndarray


def erf(x: Array) -> Array:
    # scipy computes erf in float32 at best; the result goes back to x's dtype, as it would
    # in a hand-written half-precision version
    from scipy.special import erf

    return np.asarray(erf(x)).astype(x.dtype)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def d_sigmoid(x):
    p = sigmoid(x)
    return p * (1 - p)


def sigmoid_both(x):
    p = sigmoid(x)
    return p, p * (1 - p)


def tanh(x):
    return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))


def softplus(x):
    return np.log(1 + np.exp(x))


def d_softplus(x, beta=1.0, **_):
    return np.exp(beta * x) / (1 + np.exp(beta * x))


def elu(x, alpha):
    return np.where(x > 0, x, alpha * (np.exp(x) - 1))


def d_elu(x, alpha):
    # the ELU paper's form: f'(x) = f(x) + α for x <= 0
    return np.where(x > 0, 1, elu(x, alpha) + alpha)


def gelu(x, approximate="none"):
    if approximate == "tanh":
        return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    return 0.5 * x * (1 + erf(x / math.sqrt(2)))


def d_gelu(x, approximate="none"):
    if approximate == "tanh":
        t = np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))
        return 0.5 * (1 + t) + 0.5 * x * (1 - t**2) * math.sqrt(2 / math.pi) * (1 + 3 * 0.044715 * x**2)
    return 0.5 * (1 + erf(x / math.sqrt(2))) + x * np.exp(-(x**2) / 2) / math.sqrt(2 * math.pi)


def softmax0(x, classes, others):
    return np.exp(x) / (np.exp(x) + (classes - 1) * np.exp(np.asarray(others, dtype=x.dtype)))


def softmin0(x, classes, others):
    return np.exp(-x) / (np.exp(-x) + (classes - 1) * np.exp(-np.asarray(others, dtype=x.dtype)))


__all__ = ["Naive", "d_elu", "d_gelu", "d_sigmoid", "d_softplus", "elu", "erf", "gelu", "sigmoid", "sigmoid_both",
           "softmax0", "softmin0", "softplus", "tanh"]
