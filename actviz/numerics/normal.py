"""The normal density and distribution at t = (x - μ)/σ, with t formed exactly.

exp(-t²/2) multiplies every rounding of its exponent by t²/2: at t = 38 (where it is still a
normal number) a rounded t would cost about 1,400 ULP. Here x - μ is an exact difference
(TwoSum), the quotient by σ keeps its remainder (Dekker's product), t² is split exactly, and
the exponential is taken once with the exponent's low part carried along (dd.exp_sum), below
e^-600 through dd.times_exp_deep so that a subnormal result is rounded once.

The distribution Φ(t) is taken through Φ(-|t|) = ½·erfcx(|t|/√2)·e^(-t²/2) (special.erfcx_half,
half an ULP) and, beyond |t| = 4√2, Cody's Mills ratio (special.mills_far); Φ(t) = 1 - Φ(-t)
for t > 0, where nothing cancels.
"""

from __future__ import annotations

import numpy as np

from .dd import DEEP, split, times_exp_deep, two_difference, two_product, two_product_split
from .special import INV_SQRT2, INV_SQRT2_LO, INV_SQRT2PI, INV_SQRT2PI_LO, erfcx_half, mills_far

# Beyond |t| = 50 e^(-t²/2) is 0 in float64 (e^-1250) and Φ is 0 or 1: t is clipped there first,
# so no infinity enters the error-free transformations.
_T_CLIP = 50.0
_R_S = split(INV_SQRT2)
_ERFCX_FAR = 4.0 / INV_SQRT2  # |t| = 4√2: y = |t|/√2 = 4


def standardised(x, mu: float, sigma: float):
    """t = (x - μ)/σ as hi + lo with |lo| <= ulp(hi), |hi| clipped at 50 (NaN stays NaN)."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(over="ignore"):
        reach = _T_CLIP * sigma
    xc = np.clip(x, mu - reach, mu + reach)
    d, dl = two_difference(xc, mu) if mu != 0 else (xc, 0.0)
    if sigma == 1:
        hi, lo = d, dl
    else:
        hi = d / sigma
        p, pl = two_product(hi, sigma)
        lo = ((d - p) - pl + dl) / sigma  # d - p is exact: p is within an ULP of d
    hi = np.clip(hi, -_T_CLIP, _T_CLIP)
    lo = np.where(np.abs(hi) < _T_CLIP, lo, 0.0)
    return hi, lo


def half_square(t, tl):
    """-(t + tl)²/2 as w + wl (|wl| <= ulp(w)), for |t| <= 50."""
    th, tt = split(t)
    hi = th * th  # exact: 26 bits squared
    lo = tt * (th + t)  # t² - th² = tt·(t + th)
    lo = lo + 2.0 * t * tl
    s = hi + lo
    w = -0.5 * s
    wl = -0.5 * (lo - (s - hi))
    return w, wl


def times_density(a, a_err, w, wl):
    """(a + a_err)·e^(w + wl) for arrays, rounded once below e^-600 as well."""
    e = np.exp(w)
    out = a * e
    out += (a_err + a * wl) * e
    deep = np.flatnonzero(np.reshape(w < DEEP, -1))
    if deep.size:
        shape = out.shape
        out = out.reshape(-1)
        af = np.broadcast_to(a, shape).reshape(-1)[deep]
        ef = np.broadcast_to(a_err, shape).reshape(-1)[deep]
        out[deep] = times_exp_deep(af, ef, np.reshape(w, -1)[deep], np.reshape(wl, -1)[deep])
        out = out.reshape(shape)
    return out


def gaussian_bump(x, a: float):
    """e^(-x²/(2a²)) and its first two derivatives, -(x/a²)·f and ((x/a)² - 1)/a²·f."""
    t, tl = standardised(x, 0.0, a)
    w, wl = half_square(t, tl)
    f = times_density(1.0, 0.0, w, wl)
    # (t² - 1) = (|t| - 1)(|t| + 1): |t| - 1 is exact near 1, and |t|'s low part joins it
    at = np.abs(t)
    atl = np.copysign(1.0, t) * tl
    d1 = times_density(-t / a, -tl / a, w, wl)
    d2 = times_density(((at - 1.0) + atl) * (at + 1.0) / (a * a), 0.0, w, wl)
    return f, d1, d2


def normal_cdf_terms(x, mu: float, sigma: float):
    """Φ((x - μ)/σ), its derivative φ(t)/σ and second derivative -t·φ(t)/σ²."""
    t, tl = standardised(x, mu, sigma)
    w, wl = half_square(t, tl)
    a = np.abs(t)
    al = np.copysign(1.0, t) * tl
    # y = |t|/√2 as a double-double: its rounding alone would cost erfcx up to an ULP
    ah, am = split(a)
    y, y_lo = two_product_split(a, ah, am, INV_SQRT2, _R_S[0], _R_S[1])
    y_lo = y_lo + a * INV_SQRT2_LO + al * INV_SQRT2
    h_hi, h_lo = erfcx_half(np.minimum(y, 4.0), y_lo)
    far = a > _ERFCX_FAR
    if far.any():
        # Φ(-a) = φ(a)·(1 - ρ)/a with Cody's ρ (the Mills ratio's complement)
        with np.errstate(divide="ignore", invalid="ignore"):
            af = np.where(far, a, _ERFCX_FAR + 1.0)
            rho = mills_far(af)
            g = INV_SQRT2PI * (1.0 - rho) / af
            g_err = INV_SQRT2PI_LO * (1.0 - rho) / af - g * (al / af)
        h_hi = np.where(far, g, h_hi)
        h_lo = np.where(far, g_err, h_lo)
    q = times_density(h_hi, h_lo, w, wl)  # Φ(-|t|)
    f = np.where(t < 0, q, 1.0 - q)
    dens = times_density(INV_SQRT2PI, INV_SQRT2PI_LO, w, wl)  # φ(t)
    d1 = dens / sigma
    d2 = -(t + tl) * dens / (sigma * sigma)
    return f, d1, d2
