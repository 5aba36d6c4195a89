"""Rectifier kernels: slopes that overflow only where the truth does, exponential branches
with x/alpha split exactly, and softplus with a sharpness β and PyTorch's threshold.
"""

from __future__ import annotations

import math

import numpy as np

from .dd import exp_sum, two_product

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
