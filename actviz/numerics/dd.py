"""Double-double arithmetic: error-free products, and exponentials that keep the bits an
exponent's rounding lost.

In a left tail the result is an exponential of a large negative number, so every rounding
of its exponent is multiplied by that number; these helpers compute the exponent exactly
(as an unevaluated sum hi + lo), take the exponential once and carry the rest along.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray

# Veltkamp's splitter for float64 (2**27 + 1): c = S·a; hi = c - (c - a) keeps 26 bits.
_SPLIT = 134217729.0
# Above this |a| the splitter's product would overflow; inputs there never need the split.
_SPLIT_LIMIT = 2.0**995


def split(a):
    """Veltkamp: a = hi + lo with hi holding 26 bits (|a| < 1e300); arrays or Python floats."""
    c = _SPLIT * a
    hi = c - (c - a)
    return hi, a - hi


def two_product_split(a, a_hi, a_lo, b, b_hi, b_lo):
    """a·b = p + e exactly (Dekker), from factors already split by :func:`split`."""
    p = a * b
    e = ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    return p, e


def two_product(a: Array, b: Array | float) -> tuple[Array, Array]:
    """a*b as an unevaluated sum hi + lo, exactly (Dekker); lo is 0 where |a| or |b| is huge."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    hi = a * b
    safe_a = np.where(np.abs(a) < _SPLIT_LIMIT, a, 0.0)
    safe_b = np.where(np.abs(b) < _SPLIT_LIMIT, b, 0.0)
    _, lo = two_product_split(safe_a, *split(safe_a), safe_b, *split(safe_b))
    lo = np.where(np.isfinite(hi), lo, 0.0)
    return hi, lo


def exp_sum(hi: Array, lo: Array) -> Array:
    """exp(hi + lo) for |lo| <= ulp(hi): exp(hi) * (1 + lo), keeping the bits rounding hi lost."""
    return np.exp(hi) * (1.0 + lo)


# exp(w) below e^-600 is taken through exp(w + 512 ln 2)·2^-512, so that a product
# with it is rounded to the subnormal grid once instead of twice.
DEEP = -600.0
_LN2_HI = 0.693145751953125  # 16 significant bits: 512·_LN2_HI is exact (Cody & Waite)
_LN2_LO = 1.42860682030941723212e-6  # ln 2 - _LN2_HI
_SHIFT_HI = 512 * _LN2_HI
_SHIFT_LO = 512 * _LN2_LO
_UNSHIFT = 2.0**-512


def times_exp_deep(a, a_err, w, wl):
    """(a + a_err)·exp(w + wl) for w < -600, rounded once even where the result is subnormal.

    It is computed as (a + a_err)·exp(w + 512 ln 2)·2^-512: w + 512·_LN2_HI is exact (both
    are multiples of 2^-43 and the sum stays below 1024 in size), the rest of the shift is
    added with its rounding error kept, and only the last product meets the subnormal grid.
    """
    t = w + _SHIFT_HI
    s = t + _SHIFT_LO
    corr = (_SHIFT_LO - (s - t)) + wl
    e = np.exp(s)
    out = a * e
    out += (a_err + a * corr) * e
    out *= _UNSHIFT
    return out


def two_difference(x, o) -> tuple[np.ndarray, np.ndarray]:
    """x - o as hi + lo exactly (Knuth's TwoSum of x and -o), so e^(x-o) keeps the bits the subtraction drops."""
    with np.errstate(over="ignore", invalid="ignore"):
        hi = x - o
        bb = hi - x
        lo = (x - (hi - bb)) + (-o - bb)
    return hi, np.where(np.isfinite(hi), lo, 0.0)
