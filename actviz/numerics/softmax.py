"""The softmax family's kernels: shifted exponentials along an axis with their complements
to relative accuracy, and the one-dimensional slice s_0(x) = σ(x - o - ln m) without overflow."""

from __future__ import annotations

import operator

import numpy as np

from ..errors import UsageError
from .dd import exp_sum, two_difference


def along_last(z, axis, name: str) -> tuple[np.ndarray, int]:
    """``z`` as float64 with ``axis`` moved last, and the axis as a non-negative index."""
    z = np.asarray(z, dtype=np.float64)
    if z.ndim == 0:
        raise UsageError(f"{name} works along an axis: give an array with at least one dimension")
    if isinstance(axis, bool):
        raise UsageError(f"axis must be an integer, not {axis!r}")
    try:
        ax = operator.index(axis)
    except TypeError:
        raise UsageError(f"axis must be an integer, not {axis!r}") from None
    if not -z.ndim <= ax < z.ndim:
        raise UsageError(f"axis {ax} is out of range for a {z.ndim}-d array")
    ax %= z.ndim
    return np.moveaxis(z, ax, -1), ax


def diagonal_put(jac: np.ndarray, diag: np.ndarray) -> np.ndarray:
    n = diag.shape[-1]
    idx = np.arange(n)
    jac[..., idx, idx] = diag
    return jac


# --- along an axis ----------------------------------------------------------------------------


def softmax_parts(zt):
    """Shifted exponentials along the last axis and what the family needs from them.

    Returns (shifted, lo, e, lead, rest, total): z - max = shifted + lo exactly (with the
    limits for infinite entries), e = exp(shifted + lo), ``lead`` marks one maximal entry
    (whose e is exactly 1), ``rest`` sums e over every other entry, total = 1 + rest. 1 - s
    for the leading entry is rest/total, which keeps relative accuracy where 1 - s rounds to 0.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        m = np.max(zt, axis=-1, keepdims=True)
    hi, lo = two_difference(zt, m)
    finite = np.isfinite(m)
    shifted = np.where(
        np.isposinf(m),
        np.where(np.isposinf(zt), 0.0, -np.inf),
        np.where(np.isneginf(m), 0.0, hi),
    )
    lo = np.where(finite, lo, 0.0)
    e = exp_sum(shifted, lo)
    first = np.argmax(shifted, axis=-1)[..., None]
    lead = np.zeros(zt.shape, dtype=bool)
    np.put_along_axis(lead, first, True, axis=-1)
    rest = np.sum(np.where(lead, 0.0, e), axis=-1, keepdims=True)
    return shifted, lo, e, lead, rest, 1.0 + rest


def softmax_with_complement(zt):
    """(s, 1 - s) along the last axis, each with relative accuracy."""
    _, _, e, lead, rest, total = softmax_parts(zt)
    s = e / total
    # total - e >= total/2 for every entry but the leading one, so that difference is safe
    complement = np.where(lead, rest, total - e) / total
    return s, complement


# --- the slice -------------------------------------------------------------------------------
#
# With m = classes - 1 other logits at o, s_0(x) = e^x / (e^x + m e^o) = σ(x - o - ln m).
# Written through e = e^(-|x - o|) it is e/(e + m) for x <= o and 1/(1 + m e) above: nothing
# overflows, ln m is never rounded into the argument, and x - o is split exactly.


def slice_parts(x, classes, others):
    """(below, e, m): below = (x <= o), e = e^(-|x - o|) to a few ULPs, m = classes - 1."""
    hi, lo = two_difference(x, others)
    below = hi <= 0
    e = exp_sum(np.where(below, hi, -hi), np.where(below, lo, -lo))
    return below, e, float(classes - 1)


def s0(below, e, m):
    return np.where(below, e / (e + m), 1.0 / (1.0 + m * e))


def s0_complement(below, e, m):
    """1 - s_0 = m e^o / (e^x + m e^o), without the cancellation."""
    return np.where(below, m / (e + m), m * e / (1.0 + m * e))


def s0_prime(below, e, m):
    """s_0 (1 - s_0), each factor with relative accuracy."""
    return np.where(below, e * m / ((e + m) * (e + m)), m * e / ((1.0 + m * e) * (1.0 + m * e)))


def s0_one_minus_twice(below, e, m):
    """1 - 2 s_0."""
    return np.where(below, (m - e) / (e + m), (m * e - 1.0) / (1.0 + m * e))
