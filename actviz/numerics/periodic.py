"""Periodic kernels: sin and cos of an exact product w·x, and Snake's x + sin²(αx)/b.

numpy's sin and cos reduce their argument exactly, but w·x is rounded before they see it, and
near a zero of the result that rounding (up to 700·2^-53 at x = 700) is all there is: sin(w·x)
there would keep no correct digit. Here w·x is formed as an unevaluated sum hi + lo (Dekker)
and the low part is carried to first order, sin(hi + lo) = sin(hi) + cos(hi)·lo. Where lo is
too large for that (|w·x| beyond about 2^23) or w·x is beyond 2^990 (the product cannot be
split, or overflows), mpmath reduces the exact product at the bits its size needs (up to
1,200), for those elements only.

Snake's f' = 1 + c·sin(2αx) vanishes (c = 1) where sin(2αx) = -1; written 1 + s as
cos²/(1 - s) where s < 0, it keeps its relative accuracy there (cos has full relative accuracy
near its zeros, and 1 - s is near 2). Likewise sin² = (1 - cos 2u)/2 = sin²(2u)/(2(1 + cos 2u)),
whichever does not cancel.
"""

from __future__ import annotations

import numpy as np

from .dd import two_product

# Above this |w·x| the product's low part is not formed (dd.two_product's split limit is
# 2^995) or w·x overflows: mpmath reduces it.
_EXACT_LIMIT = 2.0**990
# Bits for mpmath's reduction of |w·x| up to 2^1024·|w|: the argument's 1,024 integer bits,
# 53 for the result and ample guard bits.
_MP_BITS = 1200


def _mp_sin_cos(x: np.ndarray, w: float) -> tuple[np.ndarray, np.ndarray]:
    import mpmath as mp

    s = np.empty(x.shape)
    c = np.empty(x.shape)
    for i, xi in enumerate(x):
        # the product's integer bits, 53 for the result and guard bits: exact reduction
        bits = min(_MP_BITS, max(0, int(np.frexp(float(xi) * w)[1]) if np.isfinite(float(xi) * w) else 1100) + 192)
        with mp.workprec(max(bits, 256)):
            u = mp.mpf(float(xi)) * mp.mpf(w)  # exact at this precision
            s[i], c[i] = float(mp.sin(u)), float(mp.cos(u))
    return s, c


#: |lo| up to which sin(hi + lo) ≈ sin(hi) + cos(hi)·lo is exact to rounding (lo²/2 < 2^-61)
_FIRST_ORDER = 2.0**-30


def sin_cos_product(x, w: float) -> tuple[np.ndarray, np.ndarray]:
    """(sin(w·x), cos(w·x)) for the exact product of float x and w, each within about an ULP,
    relative accuracy kept near their zeros. ±inf and NaN give NaN without a warning."""
    x = np.asarray(x, dtype=np.float64)
    finite = np.isfinite(x)
    with np.errstate(over="ignore", invalid="ignore"):
        hi, lo = two_product(np.where(finite, x, 0.0), w)
        # the first-order correction needs lo ≪ 1: beyond |w·x| ≈ 2^23, lo (up to half an ULP
        # of hi) is not, and there mpmath reduces hi + lo exactly
        big = finite & ~((np.abs(hi) < _EXACT_LIMIT) & (np.abs(lo) <= _FIRST_ORDER))
        hi = np.where(big, 0.0, hi)
        lo = np.where(big, 0.0, lo)
        sh, ch = np.sin(hi), np.cos(hi)
        s = sh + ch * lo
        c = ch - sh * lo
    s = np.where(finite, s, np.nan)
    c = np.where(finite, c, np.nan)
    if big.any():
        idx = np.flatnonzero(big.reshape(-1))
        ms, mc = _mp_sin_cos(x.reshape(-1)[idx], w)
        s = s.reshape(-1).copy()
        c = c.reshape(-1).copy()
        s[idx], c[idx] = ms, mc
        s, c = s.reshape(x.shape), c.reshape(x.shape)
    return s, c


def one_plus_sin(s, c):
    """1 + s for s = sin v, c = cos v: directly where s >= 0, else as c²/(1 - s), which keeps
    the relative accuracy next to the zeros at s = -1."""
    with np.errstate(invalid="ignore", divide="ignore"):  # the branch not taken may divide by 0
        return np.where(s >= 0, 1.0 + s, c * c / (1.0 - s))


def sin_squared_half(s2, c2):
    """sin²(v/2) from s2 = sin v, c2 = cos v: (1 - c2)/2 where c2 <= 0, else
    s2²/(2(1 + c2)), whichever does not cancel."""
    with np.errstate(invalid="ignore", divide="ignore"):  # the branch not taken may divide by 0
        return np.where(c2 <= 0, 0.5 * (1.0 - c2), (s2 * s2) / (2.0 * (1.0 + c2)))


def two_sum(a: float, b: float) -> tuple[float, float]:
    """a + b = hi + lo exactly (Knuth), for Python floats."""
    hi = a + b
    bb = hi - a
    return hi, (a - (hi - bb)) + (b - bb)


def snake_terms(x, alpha: float, beta: float, eps: float):
    """The pieces of Snake with magnitude 1/(beta + eps): f = x + sin²(αx)/b, f' = 1 + c·sin(2αx),
    f'' = 2αc·cos(2αx), with b = beta + eps and c = α/b, exactly as reals.

    Returns (f, f', f''); ±inf give f = ±inf and NaN for f' and f'' (they oscillate).
    """
    x = np.asarray(x, dtype=np.float64)
    s2, c2 = sin_cos_product(x, 2.0 * alpha)  # sin and cos of v = 2αx (2α is exact)
    b_hi, b_lo = two_sum(float(beta), float(eps))
    # sin²(αx)/b, with b's low part carried
    sq = sin_squared_half(s2, c2)
    with np.errstate(over="ignore", invalid="ignore"):
        term = sq / b_hi
        term -= term * (b_lo / b_hi)
        f = np.where(np.isfinite(x), x + term, x)
    c = alpha / b_hi
    c -= c * (b_lo / b_hi)
    # 1 - c = (b - α)/b: β - α is exact when they are close (Sterbenz), so 1 - c keeps its digits
    one_minus_c = ((float(beta) - float(alpha)) + float(eps)) / b_hi
    opv = one_plus_sin(s2, c2)
    if one_minus_c == 0.0:
        d = opv
    else:
        d = one_minus_c + c * opv
    d2 = 2.0 * alpha * c * c2
    return f, d, d2
