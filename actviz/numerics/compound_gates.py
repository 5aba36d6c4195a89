"""Gates built from compositions: x·tanh(x) (LiSHT), x·tanh(e^x) (TanhExp, TeLU),
x·e^(-βe^(-γx)) (GoLU), x·tanh(ln(1 + σ(βx))) (Smish), x·ln(1 + σ(βx)) (Logish) and
x·erf(ln(1 + e^x)) (Serf).

Each returns (f, f') from one pass. Two things need care beyond overflow:

- an exponential of an exponential (GoLU's gate, TanhExp's sech²(e^x)) multiplies the
  rounding of the inner e^x by e^x itself, up to 745: the inner one is a double-double
  (numerics.dd.exp_double);
- f' = g + x·g' vanishes where f has its minimum, and next to that zero the two terms cancel.
  Each kernel writes f' there as a bracket whose cancelling part is exact (1 + x, Sterbenz)
  or summed in double-double, and whose other terms are small and computed without
  cancellation of their own, so f' keeps a few ULPs up to a small neighbourhood of its zero.

Below e^-600 the gate underflows: f and f' are then a·e^w rounded once (dd.times_exp_deep).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from .dd import (
    DEEP,
    dd_add,
    dd_mul,
    dd_scale,
    exp_double,
    split,
    times_exp_deep,
    two_product,
    two_product_split,
    two_sum,
)
from .special import sech2, tanh_sech2, x_minus_tanh

Array = np.ndarray


def _flat(kernel):
    """Run ``kernel`` on x as a 1-D float64 array and give its results x's shape: the kernels
    patch their tails by flat index (np.flatnonzero), which a 0-d or 2-D x would not take."""

    @functools.wraps(kernel)
    def run(x, *params):
        x = np.asarray(x, dtype=np.float64)
        out = kernel(x.ravel(), *params)
        if isinstance(out, tuple):
            return tuple(np.reshape(o, x.shape) for o in out)
        return np.reshape(out, x.shape)

    return run

# 2/√π as a double-double (mpmath, 40 digits)
_TWO_OVER_SQRTPI = 1.1283791670955126
_TWO_OVER_SQRTPI_LO = 1.533545961316588e-17


def _scaled(x, alpha):
    """α·x as hi + lo (lo = 0 for α = 1), so that a gate's α costs no rounding of its own."""
    if alpha == 1.0:
        return x, np.zeros_like(x)
    with np.errstate(over="ignore"):  # α·x is beyond the float range only where f is
        return two_product(x, alpha)


# --- x·tanh(x) ---------------------------------------------------------------------------------


def x_tanh(x):
    """(x·tanh x, tanh x + x·sech² x): both terms of f' have the sign of x, nothing cancels."""
    x = np.asarray(x, dtype=np.float64)
    t = np.tanh(x)
    xc = np.clip(x, -1e3, 1e3)  # sech² is 0 beyond, and ∞·0 would be NaN
    return x * t, t + xc * sech2(xc)


def x_tanh_second(x):
    """(x·tanh x)'' = 2·sech² x·(1 - x·tanh x)."""
    xc = np.clip(np.asarray(x, dtype=np.float64), -1e3, 1e3)
    return 2.0 * sech2(xc) * (1.0 - xc * np.tanh(xc))


# --- x·tanh(e^x) -------------------------------------------------------------------------------

# e^7 = 1097: beyond, tanh(e^x) is 1 and sech²(e^x) is e^-2194 = 0
_TANH_EXP_HIGH = 7.0


def _tanh_exp_parts(x):
    """x clipped to [DEEP, 7], u = e^x as a double-double, tanh u and sech² u."""
    xc = np.clip(x, DEEP, _TANH_EXP_HIGH)
    u, u_lo = exp_double(xc)
    t, s2 = tanh_sech2(u, u_lo)
    return xc, u, u_lo, t, s2


@_flat
def x_tanh_exp(x):
    """(x·tanh(e^x), tanh(e^x) + x·e^x·sech²(e^x)).

    For x <= 0, f' = u·((1 + x) - (u - tanh u)/u - x·tanh² u) with u = e^x: 1 + x is exact
    where f' vanishes (x = -1.08), u - tanh u comes from Lambert's fraction
    (special.x_minus_tanh), so the bracket cancels only in that exact 1 + x.
    """
    x = np.asarray(x, dtype=np.float64)
    xc, u, u_lo, t, s2 = _tanh_exp_parts(x)
    f = np.maximum(x, DEEP) * t
    d_pos = t + xc * u * s2
    # u - tanh(u) for u = hi + lo: (hi - tanh hi) + lo·tanh² hi
    w = x_minus_tanh(u, np.tanh(u)) + u_lo * t * t
    one, one_lo = two_sum(1.0, xc)
    bracket = one + (one_lo - w / u - xc * (t * t))
    d_neg = (u + u_lo) * bracket
    d = np.where(x > 0, d_pos, d_neg)
    # below e^-600: tanh(u)/u = 1 and sech² u = 1, so f = x·e^x and f' = (1 + x)·e^x
    deep = np.flatnonzero(x < DEEP)
    if deep.size:
        xd = x[deep]
        hi, lo = two_sum(1.0, np.maximum(xd, -1e300))
        f[deep] = times_exp_deep(np.maximum(xd, -1e300), 0.0, np.maximum(xd, -2e3), 0.0)
        d[deep] = times_exp_deep(hi, lo, np.maximum(xd, -2e3), 0.0)
    return f, d


@_flat
def x_tanh_exp_second(x):
    """(x·tanh(e^x))'' = u·sech² u·(2 + x - 2x·u·tanh u), u = e^x (a double-double, as in f')."""
    x = np.asarray(x, dtype=np.float64)
    xc, u, u_lo, t, s2 = _tanh_exp_parts(x)
    out = (u + u_lo) * s2 * (2.0 + xc - 2.0 * xc * u * t)
    # below e^-600: u·(2 + x), with u = e^x rounded once
    deep = np.flatnonzero(x < DEEP)
    if deep.size:
        xd = np.maximum(x[deep], -2e3)
        out[deep] = times_exp_deep(2.0 + xd, 0.0, xd, 0.0)
    # right of x = 5.7, sech² u = 4e^(-2u) is below e^-600 (subnormal from 2u = 708 on) and is
    # multiplied by u·(2 + x - 2xu), up to 1e7: take the product and the exponential in one
    # rounding, as in the left tail (tanh u is 1 there)
    far = np.flatnonzero(-2.0 * u < DEEP)
    if far.size:
        xf, uf, uf_lo = xc[far], u[far], u_lo[far]
        a = 4.0 * (uf + uf_lo) * (2.0 + xf - 2.0 * xf * uf)
        out[far] = times_exp_deep(a, 0.0, -2.0 * uf, -2.0 * uf_lo)
    return out


# --- x·α·e^(-β·e^(-γx)) --------------------------------------------------------------------------


def _gompertz_clip(beta, gamma):
    """(lo, hi): left of -lo the gate's exponent β·e^(γ|x|) exceeds 800 (the gate is 0); right
    of hi, β·e^(-γx) is below 2^-64 (the gate rounds to 1 and its slope term to 0)."""
    big = float(np.finfo(np.float64).max)
    lo = max(0.0, math.log(800.0 / beta)) / gamma
    hi = (64.0 * math.log(2.0) + math.log(beta)) / gamma
    return min(lo, big), min(hi, big)


def _gompertz_parts(x, beta, gamma):
    """z = γx (x clipped where the gate is exactly 0 or 1) and w = -β·e^(-z), the gate's
    exponent, each as a double-double."""
    lo, hi = _gompertz_clip(beta, gamma)
    xc = np.clip(x, -lo, hi)
    if gamma == 1.0:
        z, z_lo = xc, np.zeros_like(xc)
    else:
        z, z_lo = two_product(xc, gamma)
    u, u_lo = exp_double(-z)
    u_lo -= u * z_lo  # e^(-z - z_lo) = e^(-z)·(1 - z_lo)
    if beta == 1.0:
        w, w_lo = -u, -u_lo
    else:
        p, pe = two_product(u, beta)
        w, w_lo = -p, -(pe + u_lo * beta)
    return z, z_lo, w, w_lo


@_flat
def x_gompertz(x, alpha, beta, gamma):
    """(α·x·e^w, α·e^w·(1 - z·w)) with z = γx, w = -β·e^(-z).

    w is exact to about 2^-82 (e^(-z) as a double-double), since e^w multiplies its error
    by |w| (up to 800); 1 - z·w, which vanishes where f has its minimum (z·w = 1), is summed
    in double-double.
    """
    x = np.asarray(x, dtype=np.float64)
    z, z_lo, w, w_lo = _gompertz_parts(x, beta, gamma)
    g = np.exp(w)
    g += g * w_lo
    # left of the clip the gate is exactly 0: f is x·0 there, and ∞·0 would be NaN
    ax, ax_lo = _scaled(np.maximum(x, -_gompertz_clip(beta, gamma)[0]), alpha)
    f = ax * g + ax_lo * g
    p, pe = two_product_split(z, *split(z), w, *split(w))
    pe += z * w_lo + z_lo * w
    one, one_lo = two_sum(1.0, -p)
    k = one + (one_lo - pe)
    d = (alpha * g) * k
    deep = np.flatnonzero(w < DEEP)
    if deep.size:
        f[deep] = times_exp_deep(ax[deep], ax_lo[deep], w[deep], w_lo[deep])
        d[deep] = times_exp_deep(alpha * k[deep], 0.0, w[deep], w_lo[deep])
    return f, d


def x_gompertz_second(x, alpha, beta, gamma):
    """(α·x·e^w)'' = -αγ·w·e^w·(2 - z - z·w), z = γx, w = -β·e^(-z)."""
    z, _, w, _ = _gompertz_parts(np.asarray(x, dtype=np.float64), beta, gamma)
    return (-alpha * gamma) * w * np.exp(w) * (2.0 - z - z * w)


# --- gates of σ(βx): Smish and Logish -----------------------------------------------------------


def xc_limit(beta):
    """|x| beyond which σ(βx) is exactly 0 or 1 and the gate of σ(βx) is too."""
    return min(1e300, 800.0 / beta)


def _sigmoid_parts(x, beta):
    """z = βx as a double-double (x clipped where σ(βx) is exactly 0 or 1), and e = e^-|z|,
    also as a double-double (in the left tail e multiplies the rounding of z by |z|)."""
    limit = xc_limit(beta)
    xc = np.clip(x, -limit, limit)
    if beta == 1.0:
        z, z_lo = xc, np.zeros_like(xc)
    else:
        z, z_lo = two_product(xc, beta)
    neg = z <= 0
    e, e_lo = exp_double(np.maximum(-np.abs(z), DEEP))
    e_lo -= e * np.where(neg, -z_lo, z_lo)  # e^-|z + z_lo|
    return xc, z, z_lo, neg, e, e_lo


@_flat
def x_smish(x, alpha, beta):
    """(α·x·g, α·(g + z·g')) for g = tanh(ln(1 + σ(z))), z = βx, written rationally in e = e^-|z|:

        z <= 0:  g = e(3e + 2)/Q,  Q = 5e² + 6e + 2,   f'/α = e·B/Q²,
                 B = 4(1 + z) + e·(6(3 + 2z) + e·(4(7 + 2z) + 15e))
        z > 0:   g = (3 + 2e)/R,   R = 2e² + 6e + 5,   f'/α = g + 4z·e(2 + e)(1 + e)/R²

    B vanishes where f has its minimum (z = -1.39): it is summed in double-double.
    """
    x = np.asarray(x, dtype=np.float64)
    xc, z, z_lo, neg, e, e_lo = _sigmoid_parts(x, beta)
    # z <= 0
    # g = e·(3e + 2)/Q with numerator and Q in double-double: f is then rounded about twice
    num, num_lo = dd_add(*dd_scale(e, e_lo, 3.0), 2.0, 0.0)
    q, q_lo = dd_add(*dd_scale(e, e_lo, 5.0), 6.0, 0.0)
    q, q_lo = dd_mul(q, q_lo, e, e_lo)
    q, q_lo = dd_add(q, q_lo, 2.0, 0.0)
    ratio = num / q
    p, pe = two_product_split(ratio, *split(ratio), q, *split(q))
    ratio_lo = (((num - p) - pe) + num_lo - ratio * q_lo) / q
    g_neg = e * ratio + (e * ratio_lo + e_lo * ratio)
    c0, c0_lo = two_sum(1.0, z)
    c0_lo += z_lo
    c1, c1_lo = two_sum(3.0, 2.0 * z)
    c1_lo += 2.0 * z_lo
    c2, c2_lo = two_sum(7.0, 2.0 * z)
    c2_lo += 2.0 * z_lo
    acc, acc_lo = dd_scale(e, e_lo, 15.0)
    acc, acc_lo = dd_add(acc, acc_lo, 4.0 * c2, 4.0 * c2_lo)
    acc, acc_lo = dd_mul(acc, acc_lo, e, e_lo)
    acc, acc_lo = dd_add(acc, acc_lo, *dd_scale(c1, c1_lo, 6.0))
    acc, acc_lo = dd_mul(acc, acc_lo, e, e_lo)
    acc, acc_lo = dd_add(acc, acc_lo, 4.0 * c0, 4.0 * c0_lo)
    d_neg = (e + e_lo) * (acc + acc_lo) / (q * q)
    # z > 0
    r = (2.0 * e + 6.0) * e + 5.0
    g_pos = (3.0 + 2.0 * e) / r
    d_pos = g_pos + 4.0 * z * e * (2.0 + e) * (1.0 + e) / (r * r)
    ax, ax_lo = _scaled(np.maximum(x, -xc_limit(beta)), alpha)
    g = np.where(neg, g_neg, g_pos)
    f = ax * g + ax_lo * g
    d = alpha * np.where(neg, d_neg, d_pos)
    # below e^-600: g = e and f' = α·(1 + z)·e
    deep = np.flatnonzero(z < DEEP)
    if deep.size:
        zd, zd_lo = z[deep], z_lo[deep]
        f[deep] = times_exp_deep(ax[deep], ax_lo[deep], zd, zd_lo)
        d[deep] = times_exp_deep(alpha * c0[deep], alpha * c0_lo[deep], zd, zd_lo)
    return f, d


def _smish_s_terms(s, sn):
    """g'(z) and g''(z) for g = tanh(ln(1 + s)), s = σ(z), sn = σ(-z): with P = s(s + 2),
    g' = 4(1 + s)/(P + 2)²·s' and g'' = -4(3s² + 6s + 2)/(P + 2)³·s'² + 4(1 + s)/(P + 2)²·s'',
    s' = s·sn, s'' = s'·(sn - s)."""
    p2 = s * (s + 2.0) + 2.0
    s1 = s * sn
    h = 4.0 * (1.0 + s) / (p2 * p2)
    dh = -4.0 * ((3.0 * s + 6.0) * s + 2.0) / (p2 * p2 * p2)
    return h * s1, dh * s1 * s1 + h * s1 * (sn - s)


def _sigmoids(x, beta):
    """z = βx (clipped), σ(z) and σ(-z) from one e^-|z|."""
    limit = min(1e300, 800.0 / beta)
    z = beta * np.clip(np.asarray(x, dtype=np.float64), -limit, limit)
    e = np.exp(-np.abs(z))
    r = 1.0 / (1.0 + e)
    pos = z >= 0
    return z, np.where(pos, r, e * r), np.where(pos, e * r, r)


def x_smish_second(x, alpha, beta):
    """(α·x·g(βx))'' = αβ·(2g'(z) + z·g''(z))."""
    z, s, sn = _sigmoids(x, beta)
    g1, g2 = _smish_s_terms(s, sn)
    return (alpha * beta) * (2.0 * g1 + z * g2)


# log1p(s)/s - 1 = -w + 2w²/(2 + s)·Σ w^(2k)/(2k + 3), w = s/(2 + s) (from ln(1 + s) = 2 atanh w):
# for 0 <= s <= 1 (w² <= 1/9) eighteen terms leave less than 1e-18
_ATANH_SERIES = tuple(1.0 / (2 * k + 3) for k in range(18))


def log1p_ratio_m1(s):
    """ln(1 + s)/s - 1 for 0 <= s <= 1, to a few ULPs of itself (no cancellation: the two
    terms differ by at least a factor 19)."""
    w = s / (2.0 + s)
    t = w * w
    acc = np.full_like(t, _ATANH_SERIES[-1])
    for c in _ATANH_SERIES[-2::-1]:
        acc *= t
        acc += c
    return 2.0 * t / (2.0 + s) * acc - w


@_flat
def x_logish(x, alpha, beta):
    """(α·x·ln(1 + σ(z)), α·(g + z·σ(z)σ(-z)/(1 + σ(z)))), z = βx.

    For z <= 0, with e = e^z, s = σ(z) and L = ln(1 + s)/s, f'/α = e/D·((1 + z) + M), where
    D = (1 + e)(1 + 2e) and M = (L - 1) + 2e·L: 1 + z is exact where f' vanishes (z = -1.37),
    and L - 1 comes from the atanh series (log1p_ratio_m1), so the bracket cancels only there.
    """
    x = np.asarray(x, dtype=np.float64)
    xc, z, z_lo, neg, e, e_lo = _sigmoid_parts(x, beta)
    r = 1.0 / (1.0 + e)
    er = (e + e_lo) * r
    s = np.where(neg, er, r)  # σ(z)
    g = np.log1p(s)
    # z <= 0
    lm1 = log1p_ratio_m1(er)
    m = lm1 + 2.0 * e * (1.0 + lm1)
    one, one_lo = two_sum(1.0, z)
    d_neg = (e + e_lo) * r / (1.0 + 2.0 * e) * (one + (one_lo + z_lo + m))
    # z > 0: g + z·e/((1 + e)(2 + e))
    d_pos = g + z * e * r / (2.0 + e)
    ax, ax_lo = _scaled(np.maximum(x, -xc_limit(beta)), alpha)
    f = ax * g + ax_lo * g
    d = alpha * np.where(neg, d_neg, d_pos)
    deep = np.flatnonzero(z < DEEP)
    if deep.size:
        zd, zd_lo = z[deep], z_lo[deep]
        f[deep] = times_exp_deep(ax[deep], ax_lo[deep], zd, zd_lo)
        d[deep] = times_exp_deep(alpha * one[deep], alpha * (one_lo[deep] + zd_lo), zd, zd_lo)
    return f, d


def x_logish_second(x, alpha, beta):
    """(α·x·ln(1 + σ(βx)))'' = αβ·(2g' + z·g''), g' = s'/(1 + s), g'' = s'(1 - 2s - s²)/(1 + s)²."""
    z, s, sn = _sigmoids(x, beta)
    s1 = s * sn
    g1 = s1 / (1.0 + s)
    g2 = s1 * (1.0 - 2.0 * s - s * s) / ((1.0 + s) * (1.0 + s))
    return (alpha * beta) * (2.0 * g1 + z * g2)


# --- x·erf(ln(1 + e^x)) --------------------------------------------------------------------------

# erf(y)/(2y/√π) - 1 = Σ_{n>=1} (-1)^n y^(2n)/(n!(2n + 1)): for y <= ln 2 (x <= 0) sixteen
# terms leave less than 1e-19
_ERF_SERIES = tuple((-1) ** n / (math.factorial(n) * (2 * n + 1)) for n in range(1, 17))


def _erf_ratio_m1(y):
    """erf(y)/(2y/√π) - 1 for 0 <= y <= ln 2, from its Maclaurin series."""
    t = y * y
    acc = np.full_like(t, _ERF_SERIES[-1])
    for c in _ERF_SERIES[-2::-1]:
        acc *= t
        acc += c
    return acc * t


@_flat
def x_erf_softplus(x):
    """(x·erf(y), erf(y) + x·(2/√π)·e^(-y²)·σ(x)) with y = ln(1 + e^x).

    For x <= 0, with e = e^x, Λ = y/e, R = erf(y)/(2y/√π) and E = e^(-y²)/(1 + e),
    f' = (2/√π)·e·((1 + x) + (R - 1)·Λ + (Λ - 1) + x·(E - 1)): 1 + x is exact where f'
    vanishes (x = -1.19), Λ - 1 and R - 1 come from their series and E - 1 is
    (expm1(-y²) - e)/(1 + e), a sum of like signs, so only 1 + x cancels.
    """
    from scipy.special import erf

    x = np.asarray(x, dtype=np.float64)
    xc = np.clip(x, DEEP, 1e300)
    neg = xc <= 0
    e = np.exp(-np.abs(xc))
    # x <= 0: y = ln(1 + e) = e·Λ
    lam_m1 = log1p_ratio_m1(np.where(neg, e, 0.0))
    y_neg = np.log1p(e)
    r_m1 = _erf_ratio_m1(np.where(neg, y_neg, 0.0))
    erf_neg = (_TWO_OVER_SQRTPI * y_neg) * (1.0 + r_m1)
    yh, yl = split(y_neg)
    y2, y2_lo = two_product_split(y_neg, yh, yl, y_neg, yh, yl)
    e_m1 = (np.expm1(-y2) - y2_lo - e) / (1.0 + e)  # e^(-y²) - 1 - e over 1 + e
    one, one_lo = two_sum(1.0, xc)
    bracket = one + (one_lo + (r_m1 * (1.0 + lam_m1) + lam_m1) + xc * e_m1)
    d_neg = (_TWO_OVER_SQRTPI * e) * bracket
    # x > 0: y = x + ln(1 + e^-x)
    y_pos = xc + np.log1p(e)
    erf_pos = erf(y_pos)
    yh, yl = split(np.minimum(y_pos, 1e3))
    y2, y2_lo = two_product_split(np.minimum(y_pos, 1e3), yh, yl, np.minimum(y_pos, 1e3), yh, yl)
    gauss = np.exp(-y2) * (1.0 - y2_lo)
    d_pos = erf_pos + (_TWO_OVER_SQRTPI * xc) * gauss / (1.0 + e)
    g = np.where(neg, erf_neg, erf_pos)
    f = np.maximum(x, DEEP) * g
    d = np.where(neg, d_neg, d_pos)
    # below e^-600: erf(y) = (2/√π)·e^x, f = (2/√π)·x·e^x, f' = (2/√π)·(1 + x)·e^x
    deep = np.flatnonzero(x < DEEP)
    if deep.size:
        xd = np.maximum(x[deep], -1e300)
        wd = np.maximum(xd, -2e3)
        hi, lo = two_sum(1.0, xd)
        f[deep] = times_exp_deep(_TWO_OVER_SQRTPI * xd, _TWO_OVER_SQRTPI_LO * xd, wd, 0.0)
        d[deep] = times_exp_deep(_TWO_OVER_SQRTPI * hi, _TWO_OVER_SQRTPI * lo + _TWO_OVER_SQRTPI_LO * hi, wd, 0.0)
    return f, d


def x_erf_softplus_second(x):
    """(x·erf(y))'' = (2/√π)·e^(-y²)·σ·(2 + x·(σ(-x) - 2y·σ)), y = ln(1 + e^x), σ = σ(x)."""
    x = np.asarray(x, dtype=np.float64)
    xc = np.clip(x, -800.0, 800.0)
    e = np.exp(-np.abs(xc))
    y = np.maximum(xc, 0.0) + np.log1p(e)
    r = 1.0 / (1.0 + e)
    pos = xc >= 0
    s, sn = np.where(pos, r, e * r), np.where(pos, e * r, r)
    yc = np.minimum(y, 1e3)
    return _TWO_OVER_SQRTPI * np.exp(-yc * yc) * s * (2.0 + xc * (sn - 2.0 * yc * s))


__all__ = [
    "log1p_ratio_m1", "x_erf_softplus", "x_erf_softplus_second", "x_gompertz",
    "x_gompertz_second", "x_logish", "x_logish_second", "x_smish", "x_smish_second", "x_tanh",
    "x_tanh_exp", "x_tanh_exp_second", "x_tanh_second",
]
