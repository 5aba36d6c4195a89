"""Double-double arithmetic: error-free sums and products, sums and products of double-doubles,
e^v and e^v - 1 as double-doubles, and exponentials that keep the bits an exponent's rounding
lost.

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


def two_sum(a, b):
    """a + b = s + e exactly (Knuth's TwoSum), for finite a, b whose sum does not overflow."""
    s = a + b
    bb = s - a
    e = (a - (s - bb)) + (b - bb)
    return s, e


def fast_two_sum(a, b):
    """a + b = s + e exactly where |a| >= |b| or a = 0 (Dekker): renormalises a double-double."""
    s = a + b
    return s, b - (s - a)


def dd_add(ah, al, bh, bl):
    """(ah + al) + (bh + bl) as a double-double."""
    s, e = two_sum(ah, bh)
    e += al + bl
    return fast_two_sum(s, e)


def dd_scale(hi, lo, c):
    """(hi + lo)·c for a float c, as a double-double (|hi|, |c| < 1e300)."""
    p, e = two_product_split(hi, *split(hi), c, *split(c))
    e += lo * c
    return fast_two_sum(p, e)


def dd_mul(ah, al, bh, bl):
    """(ah + al)·(bh + bl) as a double-double, for |ah|, |bh| < 1e300 (Veltkamp's split)."""
    p, e = two_product_split(ah, *split(ah), bh, *split(bh))
    e += ah * bl + al * bh
    return fast_two_sum(p, e)


# --- e^v to about 2^-82, as a double-double ---------------------------------------------------

_INV_LN2 = 1.4426950408889634
# ln 2 in three parts (mpmath, 50 digits): _LN2_A and _LN2_B carry 32 significant bits each, so
# that k·_LN2_A and k·_LN2_B are exact for |k| < 2^21 (Cody & Waite); _LN2_C is the rest
_LN2_A = 0.6931471803691238
_LN2_B = 1.9082149288430703e-10
_LN2_C = 4.275175589747649e-20
# 1/n! for n = 4..9: the Taylor series of e^s - 1 - s - s²/2 - s³/6 for |s| <= ln(2)/512
_EXP_TAIL = (1 / 24, 1 / 120, 1 / 720, 1 / 5040, 1 / 40320, 1 / 362880)
_SQUARINGS = 8  # e^r = (e^(r/256))^256


def exp_parts(v):
    """e^v = 2^k·(1 + m_hi + m_lo) for finite |v| <= 750: (k as int64, m_hi, m_lo) with
    |m| < 0.42 and 1 + m_hi + m_lo within about 2^-82 of e^(v - k ln 2), relatively.

    v - k ln 2 is formed exactly (Cody & Waite), e^s - 1 for s = (v - k ln 2)/256 by its Taylor
    series with s², s³/6 as double-doubles (the rest is below 2^-40 of it), and the result
    squared eight times as m -> 2m + m² in double-double, which keeps m's relative accuracy
    where e^r - 1 is small. NaN propagates (with k = 0).
    """
    v = np.asarray(v, dtype=np.float64)
    k = np.rint(v * _INV_LN2)
    t = v - k * _LN2_A  # exact: v and k·_LN2_A agree in sign and to within a factor 2
    r, r_lo = two_sum(t, -(k * _LN2_B))
    r_lo -= k * _LN2_C
    s = r * (1.0 / (1 << _SQUARINGS))
    s_lo = r_lo * (1.0 / (1 << _SQUARINGS))
    sh, sl = split(s)
    q, q_lo = two_product_split(s, sh, sl, s, sh, sl)  # s² exactly
    c, c_lo = two_product_split(s, sh, sl, q, *split(q))  # s³
    c_lo += s * q_lo
    c6 = c / 6.0  # s³/6, with the division's remainder c - 6·c6 formed exactly
    p, pe = two_product_split(c6, *split(c6), 6.0, 6.0, 0.0)
    c6_lo = (((c - p) - pe) + c_lo) / 6.0
    tail = s * _EXP_TAIL[-1]
    for coef in _EXP_TAIL[-2::-1]:
        tail += coef
        tail *= s
    tail *= c  # s⁴/24 + ... + s⁹/9!
    m, m_lo = two_sum(s, 0.5 * q)
    m2, m2_lo = two_sum(m, c6)
    m2_lo += m_lo + 0.5 * q_lo + c6_lo + tail + s_lo * (1.0 + s + 0.5 * q)  # e^s·s_lo
    m, m_lo = fast_two_sum(m2, m2_lo)
    for _ in range(_SQUARINGS):
        mh, ml = split(m)
        sq, sq_lo = two_product_split(m, mh, ml, m, mh, ml)
        sq_lo += 2.0 * m * m_lo
        m, e = two_sum(2.0 * m, sq)
        e += 2.0 * m_lo + sq_lo
        m, m_lo = fast_two_sum(m, e)
    return np.where(np.isnan(k), 0.0, k).astype(np.int64), m, m_lo


def exp_double(v):
    """e^v as hi + lo to about 2^-82 relative, for v in [-651, 709.78]. Below -651, lo is
    subnormal and holds e^v's low bits only to the subnormal grid (an absolute 2^-1075 more);
    below -708, hi is itself subnormal, to that grid's accuracy, and lo is 0. The kernels call
    it for v >= -600 (numerics.dd.DEEP) and take deeper exponentials through times_exp_deep."""
    k, m, m_lo = exp_parts(v)
    h, lo = two_sum(1.0, m)
    lo += m_lo
    h, lo = fast_two_sum(h, lo)
    return np.ldexp(h, k), np.ldexp(lo, k)


def expm1_double(v):
    """e^v - 1 as hi + lo to about 2^-82 relative, for v in [-750, 709.78]: near 0 it is the
    m of :func:`exp_parts` itself, so nothing cancels."""
    k, m, m_lo = exp_parts(v)
    h, lo = two_sum(1.0, m)
    lo += m_lo
    h, lo = np.ldexp(h, k), np.ldexp(lo, k)
    d, d_lo = two_sum(h, -1.0)
    d_lo += lo
    d, d_lo = fast_two_sum(d, d_lo)
    near = k == 0
    return np.where(near, m, d), np.where(near, m_lo, d_lo)
