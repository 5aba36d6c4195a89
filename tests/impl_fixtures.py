"""Implementations "of the user's own" for tests/test_accuracy_impl.py (``--impl impl_fixtures:...``).

Each one's errors are known by construction: exact (actviz's own value, rounded once), a
formula that overflows, flushed subnormals, and ones that misbehave.
"""

import numpy as np

import actviz


def _rounded(values, like):
    from actviz.analysis.accuracy import round_once

    return round_once(np.asarray(values, dtype=np.float64), like.dtype)


def sigmoid_exact(x):
    """actviz's float64 sigmoid rounded once: correctly rounded wherever that is."""
    return _rounded(actviz.get("sigmoid")(x.astype(np.float64)), x)


def d_sigmoid_exact(x):
    return _rounded(actviz.get("sigmoid").derivative(x.astype(np.float64)), x)


def sigmoid_textbook(x):
    """1/(1+exp(-x)) in x's dtype: exp(-x) overflows for x < -11.09 in float16, so 0."""
    return 1 / (1 + np.exp(-x))


def gelu_flushed(x):
    """actviz's gelu rounded once, then with every subnormal result flushed to a zero of its sign."""
    y = _rounded(actviz.get("gelu")(x.astype(np.float64)), x)
    tiny = np.finfo(x.dtype).tiny
    return np.where(np.abs(y) < tiny, np.copysign(np.zeros_like(y), y), y)


def relu_exact(x):
    return np.maximum(x, 0).astype(x.dtype)


def d_relu_daz(x):
    """relu' with subnormal inputs read as 0 (denormals-are-zero): 0 there, not 1."""
    tiny = np.finfo(x.dtype).tiny
    flushed = np.where(np.abs(x) < tiny, np.zeros_like(x), x)
    return (flushed > 0).astype(x.dtype)


def leaky(x, alpha):
    """leaky_relu in float64, rounded once: takes the spec's alpha by name."""
    x64 = x.astype(np.float64)
    return _rounded(np.where(x64 > 0, x64, alpha * x64), x)


def sigmoid_float64(x):
    """Returns float64 whatever comes in."""
    return actviz.get("sigmoid")(x.astype(np.float64))


def broken(x):
    raise ValueError("no such kernel")
