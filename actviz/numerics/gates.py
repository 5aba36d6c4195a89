"""Smooth gates: x·Φ(x) (gelu), its tanh form, x·σ(βx) (silu) and x·tanh(softplus(x)) (mish).

Each multiplies x by a soft switch (Φ, σ, tanh∘softplus). In the left tail the switch is an
exponential of a large negative number, so every rounding of its exponent is multiplied by
that number: these kernels compute the exponent exactly (error-free products), take the
exponential once and carry its rounding error along. f and f' come from one kernel (a
bound activation hands it a large array a block at a time, so the temporaries stay in
cache); a definition's forward and derivative call the same kernel, so ``evaluate`` and the
single calls agree bit for bit.
"""

from __future__ import annotations

import numpy as np

from .dd import DEEP, split, times_exp_deep, two_product_split
from .special import (
    INV_SQRT2,
    INV_SQRT2_LO,
    INV_SQRT2PI,
    INV_SQRT2PI_LO,
    erfcx_half,
    mills_far,
    sigmoid_prime,
)

_R_S = split(INV_SQRT2)
_C_S = split(INV_SQRT2PI)
_ERFCX_FAR = 4.0 / 0.7071067811865476  # |x| = 4√2: y = 4
_GELU_CLIP = 40.0  # Φ(-40) underflows: beyond ±40 the exact values are x·{0, 1}


def _kernel_pair(kernel, x, *args):
    """Run ``kernel(xs, f, d, *args)`` on x, filling f and f'; return them shaped like x."""
    x = np.asarray(x, dtype=np.float64)
    flat = np.ascontiguousarray(x).reshape(-1)
    f = np.empty_like(flat)
    d = np.empty_like(flat)
    kernel(flat, f, d, *args)
    return f.reshape(x.shape), d.reshape(x.shape)


# --- x·Φ(x) --------------------------------------------------------------------------------


def _x_normal_cdf_kernel(x, f, d):
    # Φ(-|x|) = Q = ½erfcx(|x|/√2)·E with E = exp(-x²/2) from the exactly split x² (x/√2
    # squared would be off by ~x²·ε, a relative error of x²·ε in E); Φ(x) = Q or 1 - Q.
    xc = np.clip(x, -_GELU_CLIP, _GELU_CLIP)
    a = np.abs(xc)
    xh, xl = split(xc)
    hi = xh * xh  # exact: 26 bits squared
    lo = xl * (xh + xc)  # x² - xh² = xl·(x + xh)
    s = hi + lo
    w = -0.5 * s
    wl = -0.5 * (lo - (s - hi))  # the bits s lost
    E0 = np.exp(w)  # E = E0·(1 + wl)
    # y = |x|/√2 as a double-double: its rounding alone would cost erfcx up to an ULP
    ah, al = split(a)
    y, y_lo = two_product_split(a, ah, al, INV_SQRT2, _R_S[0], _R_S[1])
    y_lo += a * INV_SQRT2_LO
    h_hi, h_lo = erfcx_half(np.minimum(y, 4.0), y_lo)
    h = h_hi + h_lo
    neg = x < 0
    # x < 0: f = x·h·E, f' = (h + xφ/E)·E;  x >= 0: f = x - x·h·E, f' = 1 - (h - xφ/E)·E.
    # x·h is formed exactly and E's low part joins the small terms, so f is rounded twice
    hh, hl = split(h_hi)
    xhv, xh_err = two_product_split(xc, xh, xl, h_hi, hh, hl)
    xh_err += xc * h_lo
    # h + x/√(2π) cancels near the minimum of f (x = -0.75): there it is summed from the exact
    # product x·(1/√(2π)) and the unrounded parts of h, so only the tiny ones' rounding is left
    c, c_err = two_product_split(xc, xh, xl, INV_SQRT2PI, _C_S[0], _C_S[1])
    hc = h_hi + c
    hc += (h_lo + c_err) + xc * INV_SQRT2PI_LO
    hc = np.where(neg, hc, h - c)
    # far out, with the Mills ratio a·Φ(-a)/φ(a) = 1 - ρ:  x·h = ±(1 - ρ)/√(2π) and
    # h ∓ |x|/√(2π) = ((1 - ρ)/a - a)/√(2π), so that neither depends on a rounded |x|/√2.
    # The branch is chosen per element: a.max() is NaN if one x is, and would skip it for all.
    far = np.flatnonzero(a > _ERFCX_FAR)
    if far.size:
        af = a[far]
        rho = mills_far(af)
        t = INV_SQRT2PI * rho
        v = INV_SQRT2PI - t
        v_err = ((INV_SQRT2PI - v) - t) + INV_SQRT2PI_LO * (1.0 - rho)  # the bits v lost
        sgn = np.sign(xc[far])
        xhv[far] = sgn * v
        xh_err[far] = sgn * v_err
        one_rho = 1.0 - rho
        g = one_rho / af - af
        hc[far] = g * INV_SQRT2PI + g * INV_SQRT2PI_LO
    xhE = xhv * E0
    xhE += (xh_err + xhv * wl) * E0
    f[...] = np.where(neg, xhE, x - xhE)
    hcE = hc * E0
    hcE += hcE * wl
    d[...] = np.where(neg, hcE, 1.0 - hcE)
    deep = np.flatnonzero((w < DEEP) & neg)  # per element, like far
    if deep.size:
        wd, wld = w[deep], wl[deep]
        f[deep] = times_exp_deep(xhv[deep], xh_err[deep], wd, wld)
        d[deep] = times_exp_deep(hc[deep], 0.0, wd, wld)


def x_normal_cdf(x):
    """(x·Φ(x), Φ(x) + x·φ(x)): gelu and its derivative, with Φ(-|x|) = ½erfcx(|x|/√2)·e^(-x²/2)."""
    return _kernel_pair(_x_normal_cdf_kernel, x)


def x_normal_cdf_second(x):
    """(x·Φ(x))'' = φ(x)·(2 - x²)."""
    xc = np.clip(x, -_GELU_CLIP, _GELU_CLIP)
    return INV_SQRT2PI * np.exp(-0.5 * xc * xc) * (2.0 - xc * xc)


# --- x·σ(2√(2/π)(x + 0.044715x³)): gelu's tanh form -------------------------------------

_K_HI, _K_LO = 1.5957691216057308, -9.96930880911092e-17  # 2√(2/π) as a double-double (mpmath)
_KA_HI, _KA_LO = 0.07135481627260025, -6.175149918155315e-19  # 2√(2/π)·0.044715, likewise
_K3A = 3 * 0.044715 * 1.5957691216057308  # z' = K + 3·KA·x²; plain rounding suffices there
_GELU_TANH_CLIP = 30.0  # z(±30) = ±1974: σ is exactly 0 or 1 beyond


_K_S = split(_K_HI)
_KA_S = split(_KA_HI)


def _x_sigmoid_cubic_kernel(x, f, d):
    # f = x·σ(z), z = 2√(2/π)(x + 0.044715x³) = K·x + KA·x³ in double-double: in the left
    # tail σ(z) ≈ e^z, so z needs an absolute error of an ULP of 1, not of z.
    xc = np.clip(x, -_GELU_TANH_CLIP, _GELU_TANH_CLIP)
    xh, xl = split(xc)
    p = xc * xc
    pe = ((xh * xh - p) + 2.0 * xh * xl) + xl * xl  # x² = p + pe
    ph, pl = split(p)
    c3, c3e = two_product_split(xc, xh, xl, p, ph, pl)  # x·p
    c3e += xc * pe  # x³ = c3 + c3e
    c3h, c3l = split(c3)
    m, me = two_product_split(_KA_HI, _KA_S[0], _KA_S[1], c3, c3h, c3l)
    me += _KA_HI * c3e + _KA_LO * c3
    n, ne = two_product_split(_K_HI, _K_S[0], _K_S[1], xc, xh, xl)
    ne += _K_LO * xc
    z = n + m  # same signs: no cancellation; Knuth's two-sum keeps the rounding error
    bv = z - n
    zl = ((n - (z - bv)) + (m - bv)) + (ne + me)
    neg = z < 0
    mz = -np.abs(z)
    e = np.exp(mz)
    e *= 1.0 + np.where(neg, zl, -zl)
    r = 1.0 / (1.0 + e)  # the larger of σ(z), σ(-z)
    er = e * r  # the smaller one
    s_pos = np.where(neg, er, r)  # σ(z)
    dz = _K_HI + _K3A * p  # z'
    np.multiply(np.maximum(x, -_GELU_TANH_CLIP), s_pos, out=f)
    # f' = σ(z)(1 + x·z'·σ(-z)); for z < 0 that is σ(z)σ(-z)·(1 + e + x·z'), whose bracket
    # cancels near the minimum of f (x = -0.75): summed from x·z' = Kx + 3·KAx³ in parts
    t = xc * dz
    t *= er
    t += 1.0
    tn = 1.0 + n  # exact near the minimum (Sterbenz)
    tn += 3.0 * m
    tn += e + (ne + 3.0 * me)
    tn *= r
    np.multiply(s_pos, np.where(neg, tn, t), out=d)
    deep = np.flatnonzero(z < DEEP)  # per element: mz.min() is NaN if one x is
    if deep.size:
        wd, wld = mz[deep], zl[deep]
        rd = r[deep]
        xd = xc[deep]
        f[deep] = times_exp_deep(xd * rd, 0.0, wd, wld)
        d[deep] = times_exp_deep(rd * (1.0 + xd * dz[deep] * rd), 0.0, wd, wld)


def x_sigmoid_cubic(x):
    """(f, f') of f = x·σ(z) = ½x(1 + tanh(z/2)), z = 2√(2/π)(x + 0.044715x³), z in double-double."""
    return _kernel_pair(_x_sigmoid_cubic_kernel, x)


def x_sigmoid_cubic_second(x):
    """f'' of x·σ(z(x)) = σ'(z)·(2z' + x·(1 - 2σ(z))·z'² + x·z''), 1 - 2σ(z) = -tanh(z/2)."""
    xc = np.clip(x, -_GELU_TANH_CLIP, _GELU_TANH_CLIP)
    z = _K_HI * (xc + 0.044715 * xc**3)
    dz = _K_HI + _K3A * xc * xc
    s1 = sigmoid_prime(z)
    return s1 * (2.0 * dz - xc * np.tanh(0.5 * z) * dz * dz + xc * 6.0 * _KA_HI * xc)


# --- x·σ(βx) -------------------------------------------------------------------------------


def _sigmoid_clip(beta):
    """|x| beyond which σ(βx) is exactly 0 or 1 (and βx stays finite)."""
    return min(1e300, 800.0 / beta)


def _x_sigmoid_kernel(x, f, d, beta):
    # f = x·σ(βx), f' = σ(βx)·(1 + βx·σ(-βx)); βx is formed exactly (the rounding of βx
    # would be multiplied by βx in e^βx), and x is clipped where σ is exactly 0 or 1.
    limit = _sigmoid_clip(beta)
    xc = np.clip(x, -limit, limit)
    if beta == 1.0:
        z = xc
        zl = None
    else:
        xh, xl = split(xc)
        bh, bl = split(beta)
        z, zl = two_product_split(beta, bh, bl, xc, xh, xl)
    neg = z < 0
    mz = -np.abs(z)
    e = np.exp(mz)
    if zl is not None:
        e *= 1.0 + np.where(neg, zl, -zl)
    r = 1.0 / (1.0 + e)
    er = e * r
    s_pos = np.where(neg, er, r)
    np.multiply(np.maximum(x, -limit), s_pos, out=f)
    # f' = σ(z)(1 + z·σ(-z)); for z < 0 that is σ(z)σ(-z)·((1 + z) + e), where 1 + z is exact
    # near the minimum of f (z = -1.28) and only e's rounding is left in the cancellation
    t = z * er
    t += 1.0
    tn = 1.0 + z
    tn += e if zl is None else e + zl
    tn *= r
    np.multiply(s_pos, np.where(neg, tn, t), out=d)
    deep = np.flatnonzero(z < DEEP)  # per element: mz.min() is NaN if one x is
    if deep.size:
        wd, wld = mz[deep], (0.0 if zl is None else zl[deep])
        rd = r[deep]
        f[deep] = times_exp_deep(xc[deep] * rd, 0.0, wd, wld)
        d[deep] = times_exp_deep(rd * (1.0 + z[deep] * rd), 0.0, wd, wld)


def x_sigmoid(x, beta):
    """(x·σ(βx), σ(βx)·(1 + βx·σ(-βx))) with βx an exact product."""
    return _kernel_pair(_x_sigmoid_kernel, x, float(beta))


def x_sigmoid_second(x, beta):
    """(x·σ(βx))'' = β·σ'(βx)·(2 + βx·(1 - 2σ(βx))) = β·σ'(βx)·(2 - βx·tanh(βx/2))."""
    limit = _sigmoid_clip(beta)
    z = beta * np.clip(x, -limit, limit)
    return beta * sigmoid_prime(z) * (2.0 - z * np.tanh(0.5 * z))


# --- x·tanh(softplus(x)) ---------------------------------------------------------------------


def _tanh_softplus_parts(x):
    """x clipped where e^-|x| is 0, x <= 0, e = e^-|x|, e², P = e² + 2e and tanh(softplus(x))'s
    denominator: g = P/(P + 2) for x <= 0, (1 + 2e)/(1 + 2e + 2e²) above."""
    xc = np.clip(x, -800.0, 800.0)
    neg = xc <= 0
    e = np.exp(-np.abs(xc))
    e2 = e * e
    P = e2 + 2.0 * e
    den = np.where(neg, P + 2.0, P + e2 + 1.0)
    return xc, neg, e, e2, P, den


def _x_tanh_softplus_kernel(x, f, d):
    # g = tanh(softplus(x)) as a rational function of e = e^-|x|:
    #   x <= 0 (e = e^x):  g = P/(P + 2),         P = e² + 2e
    #   x > 0 (e = e^-x):  g = (1 + 2e)/(1 + 2e + 2e²)
    # and σ(x)(1 - g²) = 4e(1 + e)/den² (x <= 0), 4e²(1 + e)/den² (x > 0): no overflow, no
    # cancellation, f' = g + x·σ(x)(1 - g²).
    xc, neg, e, e2, P, den = _tanh_softplus_parts(x)
    inv = 1.0 / den
    num = np.where(neg, P, 1.0 + 2.0 * e)
    g = num * inv
    np.multiply(np.maximum(x, -800.0), g, out=f)
    q = 4.0 * (1.0 + e) * e2
    q *= inv * inv
    q *= xc
    q += g
    # x <= 0: f' = e·(e³ + 4e² + 6e + 4(1 + x) + 4xe)/den², which cancels near the minimum of f
    # (x = -1.19); 1 + x is exact there, so only the rounding of the e-terms is left
    b = e + 4.0
    b *= e
    b += 6.0
    b *= e
    b += 4.0 * (1.0 + xc)
    b += 4.0 * xc * e
    b *= e
    b *= inv * inv
    d[...] = np.where(neg, b, q)
    deep = np.flatnonzero(xc < DEEP)  # per element: xc.min() is NaN if one x is
    if deep.size:
        xd = xc[deep]
        ed = e[deep]
        invd = inv[deep]
        # f = x·e(e + 2)/den, f' = e·((e + 2)/den + 4x(1 + e)/den²)
        f[deep] = times_exp_deep(xd * (ed + 2.0) * invd, 0.0, xd, 0.0)
        d[deep] = times_exp_deep((ed + 2.0) * invd + 4.0 * xd * (1.0 + ed) * invd * invd, 0.0, xd, 0.0)


def x_tanh_softplus(x):
    """(x·tanh(softplus(x)), its derivative), tanh(softplus(x)) written rationally in e^-|x|."""
    return _kernel_pair(_x_tanh_softplus_kernel, x)


def x_tanh_softplus_second(x):
    """(x·g)'' = σ(1 - g²)·(2 + x·(σ(-x) - 2gσ(x))), g = tanh(softplus(x)), from g' = σ(1 - g²)."""
    xc, neg, e, e2, P, den = _tanh_softplus_parts(x)
    g = np.where(neg, P, 1.0 + 2.0 * e) / den
    sq = 4.0 * (1.0 + e) * np.where(neg, e, e2) / (den * den)
    s = np.where(neg, e, 1.0) / (1.0 + e)
    s_neg = np.where(neg, 1.0, e) / (1.0 + e)
    return sq * (2.0 + xc * (s_neg - 2.0 * g * s))
