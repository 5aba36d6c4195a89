"""Rectifier kernels: slopes that overflow only where the truth does, exponential branches
with x/alpha split exactly, and softplus with a sharpness β and PyTorch's threshold.
"""

from __future__ import annotations

import math

import numpy as np

from .dd import (
    dd_add,
    dd_mul,
    dd_scale,
    exp_sum,
    expm1_double,
    split,
    two_product,
    two_product_split,
    two_sum,
)

MAX = float(np.finfo(np.float64).max)


def scaled(x, slope):
    """slope·x, which overflows only where the true value leaves the float range (|slope| > 1)."""
    if slope == 0:
        return np.where(np.isnan(x), x, 0.0)  # 0·inf would be NaN
    with np.errstate(over="ignore"):
        return slope * x


def scaled_offset(x, slope, at):
    """slope·(x - at), overflowing only where the true value does."""
    if at == 0:
        return scaled(x, slope)
    if slope == 0:
        return scaled(x, 0.0)
    with np.errstate(over="ignore"):
        diff = x - at
        out = slope * diff
        spurious = np.isinf(diff) & np.isfinite(x)
        if spurious.any():  # x - at left the float range, slope·(x - at) may not
            out = np.where(spurious, slope * (x / 2 - at / 2) * 2, out)
    return out


def leaky(x, slope):
    """x for x > 0, slope·x below (the branch evaluated on min(x, 0) only)."""
    return np.where(x > 0, x, scaled(np.minimum(x, 0.0), slope))


# e^(x/alpha) for x/alpha below this is 0 in float64.
EXP_FLOOR = -800.0


def quotient_split(x, alpha):
    """min(x, 0)/alpha as q + c with |c| <= ulp(q): the rounding of x/alpha, kept.

    exp(q) alone would be off by |x/alpha|·2^-53 relatively: 350 ULP at x/alpha = -700.
    """
    xn = np.minimum(x, 0.0)
    if alpha == 1:
        return xn, 0.0
    if alpha < 1:
        xn = np.maximum(xn, EXP_FLOOR * alpha)  # keeps x/alpha finite
    q = np.maximum(xn / alpha, EXP_FLOOR)
    # x = -inf (alpha >= 1) has q at the floor, where c is not used; q·alpha could overflow there
    hi, lo = two_product(np.where(np.isfinite(xn), q, 0.0), alpha)
    c = np.where(q > EXP_FLOOR, ((xn - hi) - lo) / alpha, 0.0)
    return q, c


def expm1_exp_quotient(x, alpha):
    """(e^(u) - 1, e^u) for u = min(x, 0)/alpha, from q + c = u (quotient_split)."""
    q, c = quotient_split(x, alpha)
    e = np.exp(q)
    em1 = np.expm1(q) + e * c if alpha != 1 else np.expm1(q)
    return em1, e * (1.0 + c) if alpha != 1 else e


def exp_quotient(x, alpha):
    """e^(min(x, 0)/alpha), keeping the rounding of the quotient."""
    return exp_sum(*quotient_split(x, alpha))


# |βx| beyond which e^-|βx| is 0 in float64; inputs are clipped there before the product.
SP_CLIP = 800.0


def softplus_parts(x, beta, threshold):
    """fl(βx) (of x clipped where e^-|βx| is 0), e = exp(-|βx|) keeping the product's rounding
    error, and PyTorch's threshold mask fl(βx) > threshold (None without a threshold)."""
    xc = np.clip(x, -SP_CLIP / beta, SP_CLIP / beta) if beta > 1 else x
    if beta == 1:
        hi, lo = xc, 0.0
    else:
        hi, lo = two_product(xc, beta)
    e = exp_sum(-np.abs(hi), -np.sign(hi) * lo)
    switch = None
    if threshold is not None:
        # βx overflows to ±inf only beyond max/β
        lim = MAX / beta * (1 - 2.0**-50) if beta > 1 else math.inf
        switch = (beta * np.clip(x, -lim, lim) if beta != 1 else x) > threshold
    return hi, e, switch


# --- s·relu(x)² + b ----------------------------------------------------------------------------

# Below this x, s·x² + b is summed in double-double; above, b is far below the last bit of
# s·x² and (s·x)·x overflows only where the truth does (x² alone would sooner)
_SQUARE_EXACT = 2.0**480


def scaled_square_plus(x, scale, bias):
    """s·max(x, 0)² + b (s in (0, 1e6]), rounded once: s·x² and b cancel where x is near
    √(-b/s), so the product is kept exactly before b is added."""
    r = np.maximum(x, 0.0)  # NaN propagates
    limit = _SQUARE_EXACT / math.sqrt(max(1.0, scale))
    rc = np.minimum(r, limit)
    rh, rl = split(rc)
    p, pe = two_product_split(rc, rh, rl, rc, rh, rl)  # x² exactly
    q, qe = two_product_split(scale, *split(scale), p, *split(p))
    qe += scale * pe
    s, e = two_sum(q, bias)
    out = s + (e + qe)
    with np.errstate(over="ignore"):  # beyond √(max/s) the true value is beyond the float range
        big = (scale * r) * r
    return np.where(r > limit, big, out)


# --- xIELU -------------------------------------------------------------------------------------

# Beyond -_XIELU_FAR (inside the double-double products' range) the negative branch is
# (β - αn)·x - αn to the last bit
_XIELU_FAR = 1e299


def _xielu_slope(alpha_n, beta):
    """β - αn as a double-double."""
    return two_sum(float(beta), -float(alpha_n))


def xielu_pair(x, alpha_p, alpha_n, beta, eps):
    """xIELU and its derivative as the reference implementation defines them (Hugging Face's
    XIELUActivation, transformers/activations.py):

        x > 0:        αp·x² + β·x
        x <= 0:       αn·(e^min(x, eps) - 1 - x) + β·x

    computed as x·(αp·x + β) (no cancellation, β > 0) and as αn·(e^m - 1) + (β - αn)·x in
    double-double, since the negative branch crosses 0 (near x = -2.4 at the defaults) and its
    derivative αn·(e^x - 1) + β does at x = ln(1 - β/αn). At x = eps, where min(x, eps) ties,
    f' is autograd's: torch.minimum splits the gradient, so f'(eps) = αn·(e^eps/2 - 1) + β (and
    f''(eps) = αn·e^eps/4, the double backward passing through the split twice).
    """
    x = np.asarray(x, dtype=np.float64)
    d, d_lo = _xielu_slope(alpha_n, beta)
    with np.errstate(over="ignore"):  # the true values leave the float range there too
        f_pos = x * (alpha_p * x + beta)
        d_pos = (2.0 * alpha_p) * x + beta
        f_far = d * x - alpha_n
    # x <= eps
    xn = np.clip(x, -_XIELU_FAR, eps)
    m, m_lo = expm1_double(np.maximum(xn, -750.0))
    a, a_lo = dd_scale(m, m_lo, alpha_n)  # αn·(e^x - 1)
    b, b_lo = dd_mul(d, d_lo, xn, 0.0)  # (β - αn)·x
    s, s_lo = dd_add(a, a_lo, b, b_lo)
    f_neg = np.where(x < -_XIELU_FAR, f_far, s + s_lo)
    t, t_lo = two_sum(a, float(beta))
    d_neg = t + (t_lo + a_lo)
    # eps < x <= 0: min(x, eps) = eps, a straight line of slope β - αn
    c, c_lo = dd_scale(*expm1_double(np.float64(eps)), alpha_n)
    xm = np.clip(x, eps, 0.0)
    b, b_lo = dd_mul(d, d_lo, xm, 0.0)
    s, s_lo = dd_add(c, c_lo, b, b_lo)
    f_mid = s + s_lo
    tie = alpha_n * (0.5 * math.exp(eps) - 1.0) + beta
    f = np.where(x > 0, f_pos, np.where(x > eps, f_mid, f_neg))
    df = np.where(x > 0, d_pos, np.where(x > eps, d + d_lo, np.where(x == eps, tie, d_neg)))
    return f, df


def xielu_second(x, alpha_p, alpha_n, beta, eps):
    """xIELU's f'': 2αp for x > 0, 0 on (eps, 0], αn·e^x below; αn·e^eps/4 at the tie x = eps
    (autograd's: the first backward halves e^m at the tie, and differentiating it halves again)."""
    x = np.asarray(x, dtype=np.float64)
    below = alpha_n * np.exp(np.minimum(x, eps))
    out = np.where(x > 0, 2.0 * alpha_p, np.where(x > eps, 0.0, below))
    return np.where(x == eps, 0.25 * alpha_n * math.exp(eps), out)
