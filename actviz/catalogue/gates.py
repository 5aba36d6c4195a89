"""Smooth gates: gelu, silu/swish, mish, hard_swish.

Each smooth gate multiplies x by a soft switch (Φ, σ, tanh∘softplus). In the left tail
the switch is an exponential of a large negative number, so every rounding of its
exponent is multiplied by that number: the stable forms below compute the exponent
exactly (error-free products), take the exponential once and carry its rounding
error along. f and f' come from one blockwise kernel (a few thousand points at a
time, so the temporaries stay in cache); the registry's forward and derivative call
the same kernel, so ``evaluate`` and the single calls agree bit for bit.
"""

from __future__ import annotations

import numpy as np

from .. import numerics as nx
from ..core.records import Activation, Checks, Naive, Param
from ..core.store import register
from . import _textbook as tb
from ._common import INF, Interval, Properties, param_formulas, same

# Points per block: a block's temporaries (a dozen arrays) stay in the L2 cache.
_BLOCK = 1 << 14

# Veltkamp's splitter for float64 (2**27 + 1): c = S·a; hi = c - (c - a) keeps 26 bits.
_S = 134217729.0

# exp(w) below e^-600 is taken through exp(w + 512 ln 2)·2^-512, so that a product
# with it is rounded to the subnormal grid once instead of twice.
_DEEP = -600.0
_LN2_HI = 0.693145751953125  # 16 significant bits: 512·_LN2_HI is exact (Cody & Waite)
_LN2_LO = 1.42860682030941723212e-6  # ln 2 - _LN2_HI
_SHIFT_HI = 512 * _LN2_HI
_SHIFT_LO = 512 * _LN2_LO
_UNSHIFT = 2.0**-512

_INV_SQRT2 = 0.7071067811865476  # 1/√2, rounded
_INV_SQRT2_LO = -4.833646656726457e-17  # 1/√2 - _INV_SQRT2 (mpmath)
_INV_SQRT2PI = 0.3989422804014327  # 1/√(2π), rounded
_INV_SQRT2PI_LO = -2.49232720227773e-17  # 1/√(2π) - _INV_SQRT2PI (mpmath)


def _blockwise(kernel, x, *args):
    """Run ``kernel(xs, f, d, *args)`` over blocks of x; return (f, f') shaped like x."""
    x = np.asarray(x, dtype=np.float64)
    flat = np.ascontiguousarray(x).reshape(-1)
    f = np.empty_like(flat)
    d = np.empty_like(flat)
    for start in range(0, flat.size, _BLOCK):
        stop = start + _BLOCK
        kernel(flat[start:stop], f[start:stop], d[start:stop], *args)
    return f.reshape(x.shape), d.reshape(x.shape)


def _split(a):
    """Veltkamp: a = hi + lo with hi holding 26 bits (|a| < 1e300)."""
    c = _S * a
    hi = c - (c - a)
    return hi, a - hi


def _two_product(a, a_hi, a_lo, b, b_hi, b_lo):
    """a·b = p + e exactly (Dekker), from pre-split factors."""
    p = a * b
    e = ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    return p, e


def _split_const(v: float) -> tuple[float, float]:
    c = _S * v
    hi = c - (c - v)
    return hi, v - hi


_C_S = _split_const(_INV_SQRT2PI)
_R_S = _split_const(_INV_SQRT2)


def _times_exp_deep(a, a_err, w, wl):
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


# --- gelu ---------------------------------------------------------------------------------

# erfcx(y) = e^(y²)·erfc(y) on [0, 4]: a degree-10 Taylor polynomial about the nearest node
# k/16. The node values are double-doubles (mpmath, 40 digits: hi = float(F), lo = float(F - hi),
# F = erfc(k/16)·exp((k/16)²)); the higher coefficients follow from erfcx' = 2y·erfcx - 2/√π:
# a_1 = 2y0·a_0 - 2/√π, a_(n+1) = (2y0·a_n + 2a_(n-1))/(n + 1). With |y - y0| <= 1/32 the
# omitted terms are below 2^-57 relative, so erfcx keeps half an ULP (scipy.special.erfcx errs
# by up to 6 ULP and erfc by up to 10 on this interval).
_ERFCX_HI = (
    1.0, 0.9332062486492742, 0.8732218450821508, 0.819181308058672, 0.7703465477309968,
    0.7260859551237695, 0.6858572331012929, 0.6491932500538647, 0.6156903441929259,
    0.5849986214749657, 0.5568138808733625, 0.5308708724175545, 0.5069376502931449,
    0.4848108285616202, 0.464311583202669, 0.4452822731368817, 0.427583576155807,
    0.4110920544448305, 0.3956980795529959, 0.3813040589667179, 0.3678229164523611,
    0.3551767864976341, 0.3432958898621254, 0.33211756272837234, 0.3215854164543175,
    0.31164860864813004, 0.30226120936348594, 0.2933816487652772, 0.2849722347374364,
    0.27699873067305275, 0.2694299851646704, 0.2622376065503814, 0.25539567631050575,
    0.24888049618416236, 0.24267036461265454, 0.23674537874014628, 0.23108725873039188,
    0.22567919160681937, 0.22050569220490668, 0.21555247915117748, 0.2108063640611436,
    0.2062551523865009, 0.201887554546017, 0.19769310614997299, 0.1936620962790687,
    0.18978550290899462, 0.1860549346844711, 0.18246257834403473, 0.17900115118138996,
    0.17566385800258433, 0.1724443521021736, 0.16933669983724775, 0.16633534842682188,
    0.1634350966466223, 0.1606310681265444, 0.1579186869907276, 0.1552936556088943,
    0.1527519342528475, 0.15028972247426936, 0.14790344203959, 0.14558972127503855,
    0.14334538069033212, 0.1411674197630518, 0.13905300477781452, 0.13699945762506138,
)

_ERFCX_LO = (
    0.0, -3.9631407972607396e-17, -2.8597780263826275e-17, -2.459163903921813e-17,
    -1.1815041295276343e-17, -5.511781191081433e-17, -8.072719496056782e-18,
    -5.9944053447945064e-18, -2.312175868623341e-17, 4.7784984540850874e-17,
    2.8215672146600085e-17, -1.0030604062065153e-17, -5.335681035462232e-17,
    -5.141840709722258e-18, -1.851963727754574e-17, -2.706948412783759e-19, 5.235737283314228e-18,
    -5.998875823024191e-18, -5.777675056089129e-18, 2.4385614780439575e-17, 1.387401093925035e-19,
    2.175643187426919e-17, -1.1924063146768541e-17, -3.8107541501797946e-18,
    1.7007985607722196e-17, 9.803725035280286e-18, -2.1300243845955138e-17,
    1.2539183337610923e-17, 8.539813023973122e-18, -5.297226982239571e-19, 2.4834579724134718e-17,
    1.9732077324349804e-17, -4.276022290165946e-18, 2.586404163293881e-18, 8.859480007862904e-18,
    6.033493354190935e-18, -5.74762364596782e-18, 1.226053071586004e-17, -1.3461229599930757e-17,
    9.862318426802076e-18, -5.6277259093102524e-18, -1.3203291610029131e-17,
    3.2903559088569845e-18, -1.2257366840996107e-17, -1.2015846532739174e-17,
    -8.701310755605817e-19, 7.76667829835616e-18, -1.3752026400767285e-17,
    -5.4272175920200274e-18, 7.661583175305738e-18, 9.753823401573308e-18, 1.2479681676450121e-17,
    -6.133416339501975e-19, 4.318675563398527e-18, 2.4080744685198277e-18, -4.557341020264224e-18,
    -1.355844542216092e-18, -1.6228857677412594e-18, -1.3715686864572673e-19,
    -2.3466840457189596e-18, -1.3715647344444334e-17, -1.3497708015486875e-17,
    -1.2534194691366023e-17, 8.327521565006826e-18, 7.196568139158719e-18,
)

_TWO_OVER_SQRTPI = (1.1283791670955126, 1.533545961316588e-17)  # 2/√π, double-double (mpmath)


def _erfcx_taylor():
    y0 = np.arange(len(_ERFCX_HI)) / 16.0
    hi, lo = np.array(_ERFCX_HI), np.array(_ERFCX_LO)
    coeffs = [hi, (2.0 * y0 * hi - _TWO_OVER_SQRTPI[0]) + (2.0 * y0 * lo - _TWO_OVER_SQRTPI[1])]
    for n in range(1, 10):
        coeffs.append((2.0 * y0 * coeffs[n] + 2.0 * coeffs[n - 1]) / (n + 1))
    return lo, tuple(coeffs[1:])


_ERFCX_HI_ARR = np.array(_ERFCX_HI)
_ERFCX_LO_ARR, _ERFCX_COEFFS = _erfcx_taylor()

# Above y = 4, W. J. Cody's rational approximation (Math. Comp. 23, 1969; netlib specfun CALERF):
# erfcx(y) = (1/√π - P(1/y²)/(y²·Q(1/y²)))/y, within 1.3 ULP there.
_CODY_P = (1.63153871373020978e-2, 3.05326634961232344e-1, 3.60344899949804439e-1,
           1.25781726111229246e-1, 1.60837851487422766e-2, 6.58749161529837803e-4)
_CODY_Q = (1.0, 2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
           6.05183413124413191e-2, 2.33520497626869185e-3)
_SQRTPI = 1.772453850905516  # √π, rounded
_ERFCX_FAR = 4.0 / 0.7071067811865476  # |x| = 4√2: y = 4
_GELU_CLIP = 40.0  # Φ(-40) underflows: beyond ±40 the exact values are x·{0, 1}


def _poly(y, coeffs):
    """Horner's rule, highest coefficient first."""
    acc = coeffs[0] * y
    acc += coeffs[1]
    for c in coeffs[2:]:
        acc *= y
        acc += c
    return acc


def _erfcx_half(y, y_lo=0.0):
    """½·erfcx(y + y_lo) for 0 <= y <= 4, as an unevaluated sum hi + lo (|lo| < 0.02·hi)."""
    k = np.rint(np.fmin(y * 16.0, 64.0))  # fmin: a NaN picks node 64 and stays in delta
    delta = y - k / 16.0  # exact
    delta += y_lo
    idx = k.astype(np.intp)
    coeffs = _ERFCX_COEFFS
    p = np.take(coeffs[-1], idx)
    for a in coeffs[-2::-1]:
        p *= delta
        p += np.take(a, idx)
    p *= delta
    p += np.take(_ERFCX_LO_ARR, idx)
    p *= 0.5
    h = np.take(_ERFCX_HI_ARR, idx)
    h *= 0.5
    return h, p


def _mills_far(a):
    """ρ(a) = 1 - a·Φ(-a)/φ(a) for a > 4√2 (Cody's erfcx above y = 4: ρ = √π·P/(y²·Q), 1/y² = 2/a²)."""
    z = 2.0 / (a * a)
    return _SQRTPI * z * _poly(z, _CODY_P) / _poly(z, _CODY_Q)


def _gelu_exact_kernel(x, f, d):
    # Φ(-|x|) = Q = ½erfcx(|x|/√2)·E with E = exp(-x²/2) from the exactly split x² (x/√2
    # squared would be off by ~x²·ε, a relative error of x²·ε in E); Φ(x) = Q or 1 - Q.
    xc = np.clip(x, -_GELU_CLIP, _GELU_CLIP)
    a = np.abs(xc)
    xh, xl = _split(xc)
    hi = xh * xh  # exact: 26 bits squared
    lo = xl * (xh + xc)  # x² - xh² = xl·(x + xh)
    s = hi + lo
    w = -0.5 * s
    wl = -0.5 * (lo - (s - hi))  # the bits s lost
    E0 = np.exp(w)  # E = E0·(1 + wl)
    # y = |x|/√2 as a double-double: its rounding alone would cost erfcx up to an ULP
    ah, al = _split(a)
    y, y_lo = _two_product(a, ah, al, _INV_SQRT2, _R_S[0], _R_S[1])
    y_lo += a * _INV_SQRT2_LO
    h_hi, h_lo = _erfcx_half(np.minimum(y, 4.0), y_lo)
    h = h_hi + h_lo
    neg = x < 0
    # x < 0: f = x·h·E, f' = (h + xφ/E)·E;  x >= 0: f = x - x·h·E, f' = 1 - (h - xφ/E)·E.
    # x·h is formed exactly and E's low part joins the small terms, so f is rounded twice
    hh, hl = _split(h_hi)
    xhv, xh_err = _two_product(xc, xh, xl, h_hi, hh, hl)
    xh_err += xc * h_lo
    # h + x/√(2π) cancels near the minimum of f (x = -0.75): there it is summed from the exact
    # product x·(1/√(2π)) and the unrounded parts of h, so only the tiny ones' rounding is left
    c, c_err = _two_product(xc, xh, xl, _INV_SQRT2PI, _C_S[0], _C_S[1])
    hc = h_hi + c
    hc += (h_lo + c_err) + xc * _INV_SQRT2PI_LO
    hc = np.where(neg, hc, h - c)
    # far out, with the Mills ratio a·Φ(-a)/φ(a) = 1 - ρ:  x·h = ±(1 - ρ)/√(2π) and
    # h ∓ |x|/√(2π) = ((1 - ρ)/a - a)/√(2π), so that neither depends on a rounded |x|/√2.
    # The branch is chosen per element: a.max() is NaN if one x is, and would skip it for all.
    far = np.flatnonzero(a > _ERFCX_FAR)
    if far.size:
        af = a[far]
        rho = _mills_far(af)
        t = _INV_SQRT2PI * rho
        v = _INV_SQRT2PI - t
        v_err = ((_INV_SQRT2PI - v) - t) + _INV_SQRT2PI_LO * (1.0 - rho)  # the bits v lost
        sgn = np.sign(xc[far])
        xhv[far] = sgn * v
        xh_err[far] = sgn * v_err
        one_rho = 1.0 - rho
        g = one_rho / af - af
        hc[far] = g * _INV_SQRT2PI + g * _INV_SQRT2PI_LO
    xhE = xhv * E0
    xhE += (xh_err + xhv * wl) * E0
    f[...] = np.where(neg, xhE, x - xhE)
    hcE = hc * E0
    hcE += hcE * wl
    d[...] = np.where(neg, hcE, 1.0 - hcE)
    deep = np.flatnonzero((w < _DEEP) & neg)  # per element, like far
    if deep.size:
        wd, wld = w[deep], wl[deep]
        f[deep] = _times_exp_deep(xhv[deep], xh_err[deep], wd, wld)
        d[deep] = _times_exp_deep(hc[deep], 0.0, wd, wld)


_K_HI, _K_LO = 1.5957691216057308, -9.96930880911092e-17  # 2√(2/π) as a double-double (mpmath)
_KA_HI, _KA_LO = 0.07135481627260025, -6.175149918155315e-19  # 2√(2/π)·0.044715, likewise
_K3A = 3 * 0.044715 * 1.5957691216057308  # z' = K + 3·KA·x²; plain rounding suffices there
_GELU_TANH_CLIP = 30.0  # z(±30) = ±1974: σ is exactly 0 or 1 beyond


_K_S = _split_const(_K_HI)
_KA_S = _split_const(_KA_HI)


def _gelu_tanh_kernel(x, f, d):
    # f = x·σ(z), z = 2√(2/π)(x + 0.044715x³) = K·x + KA·x³ in double-double: in the left
    # tail σ(z) ≈ e^z, so z needs an absolute error of an ULP of 1, not of z.
    xc = np.clip(x, -_GELU_TANH_CLIP, _GELU_TANH_CLIP)
    xh, xl = _split(xc)
    p = xc * xc
    pe = ((xh * xh - p) + 2.0 * xh * xl) + xl * xl  # x² = p + pe
    ph, pl = _split(p)
    c3, c3e = _two_product(xc, xh, xl, p, ph, pl)  # x·p
    c3e += xc * pe  # x³ = c3 + c3e
    c3h, c3l = _split(c3)
    m, me = _two_product(_KA_HI, _KA_S[0], _KA_S[1], c3, c3h, c3l)
    me += _KA_HI * c3e + _KA_LO * c3
    n, ne = _two_product(_K_HI, _K_S[0], _K_S[1], xc, xh, xl)
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
    deep = np.flatnonzero(z < _DEEP)  # per element: mz.min() is NaN if one x is
    if deep.size:
        wd, wld = mz[deep], zl[deep]
        rd = r[deep]
        xd = xc[deep]
        f[deep] = _times_exp_deep(xd * rd, 0.0, wd, wld)
        d[deep] = _times_exp_deep(rd * (1.0 + xd * dz[deep] * rd), 0.0, wd, wld)


def _gelu_pair(x, approximate):
    return _blockwise(_gelu_tanh_kernel if approximate == "tanh" else _gelu_exact_kernel, x)


def gelu(x, approximate):
    return _gelu_pair(x, approximate)[0]


def d_gelu(x, approximate):
    return _gelu_pair(x, approximate)[1]


def d2_gelu(x, approximate):
    if approximate == "tanh":
        xc = np.clip(x, -_GELU_TANH_CLIP, _GELU_TANH_CLIP)
        z = _K_HI * (xc + 0.044715 * xc**3)
        dz = _K_HI + _K3A * xc * xc
        s1 = nx.sigmoid_prime(z)
        # f'' = σ'(z)·(2z' + x·(1 - 2σ(z))·z'² + x·z''), 1 - 2σ(z) = -tanh(z/2)
        return s1 * (2.0 * dz - xc * np.tanh(0.5 * z) * dz * dz + xc * 6.0 * _KA_HI * xc)
    xc = np.clip(x, -_GELU_CLIP, _GELU_CLIP)
    return _INV_SQRT2PI * np.exp(-0.5 * xc * xc) * (2.0 - xc * xc)


def _mp_gelu(x, approximate):
    import mpmath as mp

    if approximate == "tanh":
        z = 2 * mp.sqrt(2 / mp.pi) * (x + mp.mpf("0.044715") * x**3)
        dz = 2 * mp.sqrt(2 / mp.pi) * (1 + 3 * mp.mpf("0.044715") * x**2)
        s = 1 / (1 + mp.exp(-z))
        s_neg = 1 / (1 + mp.exp(z))
        return x * s, s + x * s * s_neg * dz
    return x * mp.ncdf(x), mp.ncdf(x) + x * mp.npdf(x)


# (f tex, f text, f' tex, f' text) of each form, without the "f(x) = "
_GELU_EXACT = (
    r"x\,\Phi(x) = \frac{x}{2}\left(1 + \mathrm{erf}\,\frac{x}{\sqrt{2}}\right)",
    "x·Φ(x) = ½x(1 + erf(x/√2))",
    r"\Phi(x) + x\,\varphi(x)",
    "Φ(x) + x·φ(x)",
)
_GELU_TANH = (
    r"\frac{x}{2}\left(1 + \tanh\left(\sqrt{2/\pi}\,(x + 0.044715\,x^3)\right)\right)",
    "½x(1 + tanh(√(2/π)(x + 0.044715x³)))",
    r"\frac{1 + t}{2} + \frac{x}{2}(1 - t^2)\sqrt{2/\pi}\,(1 + 0.134145\,x^2)",
    "½(1+t) + ½x(1-t²)·√(2/π)(1 + 0.134145x²)",
)


def _gelu_formulas(approximate):
    """The exact or the tanh form, as ``approximate`` says."""
    if approximate == "tanh":
        f_tex, f_text, d_tex, d_text = _GELU_TANH
        return (f"f(x) = {f_tex}", f"f(x) = {f_text}",
                rf"f'(x) = {d_tex},\;\; t = \tanh\left(\sqrt{{2/\pi}}\,(x + 0.044715\,x^3)\right)",
                f"f'(x) = {d_text}, t = tanh(√(2/π)(x + 0.044715x³))")
    f_tex, f_text, d_tex, d_text = _GELU_EXACT
    return f"f(x) = {f_tex}", f"f(x) = {f_text}", f"f'(x) = {d_tex}", f"f'(x) = {d_text}"


register(
    Activation(
        name="gelu",
        gate=True,
        family="smooth gate",
        forward=gelu,
        derivatives=(d_gelu, d2_gelu),
        evaluate_pair=_gelu_pair,
        mp_reference=_mp_gelu,
        params=(
            Param(
                "approximate",
                "none",
                "none: x·Φ(x) exactly; tanh: the tanh approximation",
                kind="choice",
                choices=("none", "tanh"),
                choice_aliases={"false": "none", "true": "tanh", "exact": "none", "erf": "none"},
            ),
        ),
        **param_formulas(
            (
                "f(x) = " + nx.cases((_GELU_EXACT[0], r"\mathrm{none}"), (_GELU_TANH[0], r"\mathrm{tanh}")),
                f"f(x) = {_GELU_EXACT[1]}; tanh: {_GELU_TANH[1]}",
                "f'(x) = " + nx.cases((_GELU_EXACT[2], r"\mathrm{none}"), (_GELU_TANH[2], r"\mathrm{tanh}")),
                f"f'(x) = {_GELU_EXACT[3]}; tanh: {_GELU_TANH[3]}, t = tanh(√(2/π)(x + 0.044715x³))",
            ),
            _gelu_formulas,
        ),
        output_range=lambda approximate: Interval(
            # the minimum, mpmath (findroot of f', 50 digits): at x = -0.7517915 / -0.7524614
            -0.17004075057125405 if approximate == "tanh" else -0.16997120747990366, INF, True, False
        ),
        properties=Properties(monotonic=False, bounded_above=False, bounded_below=True,
                              smoothness="C∞", zero_centred=True),
        reference="Hendrycks & Gimpel 2016, Gaussian Error Linear Units (GELUs), arXiv:1606.08415",
        numerics="exact form: Φ(x) = ½erfcx(|x|/√2)·exp(-x²/2) with x² split exactly (1 + erf(x/√2) "
        "cancels, and even erfc(-x/√2) loses ~1000 ULP near x = -35); tanh form: ½x(1 + tanh u) = "
        "x·σ(2u) with 2u in double-double, since exp multiplies u's rounding in the left tail",
        frameworks={
            "torch": same("torch.nn.functional.gelu", note="approximate='none' by default"),
            "keras": same(
                "keras.activations.gelu",
                note="approximate=False (exact) by default, but keras.ops.gelu defaults to "
                "approximate=True (tanh)",
            ),
            "keras2": same("tf.keras.activations.gelu", note="approximate=False by default"),
            "jax": same(
                "jax.nn.gelu",
                defaults={"approximate": "tanh"},
                note="approximate=True (tanh) by default",
            ),
            "tf": same("tf.nn.gelu", note="approximate=False by default"),
        },
        naive=Naive(
            tb.gelu,
            tb.d_gelu,
            lambda approximate: (
                "0.5*x*(1+tanh(sqrt(2/pi)*(x+0.044715*x**3)))" if approximate == "tanh"
                else "0.5*x*(1+erf(x/sqrt(2)))"
            ),
            lambda approximate: (
                ("0.5*(1+t) + 0.5*x*(1-t**2)*sqrt(2/pi)*(1+3*0.044715*x**2), "
                 "t = tanh(sqrt(2/pi)*(x+0.044715*x**3))") if approximate == "tanh"
                else "0.5*(1+erf(x/sqrt(2))) + x*exp(-x**2/2)/sqrt(2*pi)"
            ),
        ),
        checks=Checks(samples=({"approximate": "tanh"},), ulps=(4, 8)),
    )
)

# --- silu / swish -------------------------------------------------------------------------


def _silu_kernel(x, f, d, beta):
    # f = x·σ(βx), f' = σ(βx)·(1 + βx·σ(-βx)); βx is formed exactly (the rounding of βx
    # would be multiplied by βx in e^βx), and x is clipped where σ is exactly 0 or 1.
    limit = min(1e300, 800.0 / beta)
    xc = np.clip(x, -limit, limit)
    if beta == 1.0:
        z = xc
        zl = None
    else:
        xh, xl = _split(xc)
        bh, bl = _split_const(beta)
        z, zl = _two_product(beta, bh, bl, xc, xh, xl)
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
    deep = np.flatnonzero(z < _DEEP)  # per element: mz.min() is NaN if one x is
    if deep.size:
        wd, wld = mz[deep], (0.0 if zl is None else zl[deep])
        rd = r[deep]
        f[deep] = _times_exp_deep(xc[deep] * rd, 0.0, wd, wld)
        d[deep] = _times_exp_deep(rd * (1.0 + z[deep] * rd), 0.0, wd, wld)


def _silu_pair(x, beta):
    return _blockwise(_silu_kernel, x, float(beta))


def silu(x, beta):
    return _silu_pair(x, beta)[0]


def d_silu(x, beta):
    return _silu_pair(x, beta)[1]


def d2_silu(x, beta):
    # f'' = β·σ'(βx)·(2 + βx·(1 - 2σ(βx))) = β·σ'(βx)·(2 - βx·tanh(βx/2))
    limit = min(1e300, 800.0 / beta)
    z = beta * np.clip(x, -limit, limit)
    return beta * nx.sigmoid_prime(z) * (2.0 - z * np.tanh(0.5 * z))


def _mp_silu(x, beta):
    import mpmath as mp

    b = mp.mpf(beta)
    s = 1 / (1 + mp.exp(-b * x))
    s_neg = 1 / (1 + mp.exp(b * x))
    return x * s, s + b * x * s * s_neg


_FIXED_BETA = ("beta",)

register(
    Activation(
        name="silu",
        gate=True,
        aliases=("swish",),
        family="smooth gate",
        forward=silu,
        derivatives=(d_silu, d2_silu),
        evaluate_pair=_silu_pair,
        mp_reference=_mp_silu,
        params=(
            Param("beta", 1.0, "slope of the gate σ(βx); 1 is SiLU", low=0.0, low_inclusive=False,
                  high=1e6),
        ),
        formula_tex=r"f(x) = x\,\sigma(\beta x) = \frac{x}{1 + e^{-\beta x}}",
        formula_text="f(x) = x·σ(βx) = x / (1 + exp(-βx))",
        derivative_tex=r"f'(x) = \sigma(\beta x)\,\left(1 + \beta x\,(1 - \sigma(\beta x))\right)",
        derivative_text="f'(x) = σ(βx)·(1 + βx·(1 - σ(βx)))",
        # the minimum, mpmath: -(1 + W(1/e))·... = x*+1 at x* = -1 - W(1/e), scaled by 1/β
        output_range=lambda beta: Interval(-0.27846454276107380 / beta, INF, True, False),
        properties=Properties(monotonic=False, bounded_above=False, bounded_below=True,
                              smoothness="C∞", zero_centred=True),
        reference="Elfwing, Uchibe & Doya 2017, arXiv:1702.03118; Ramachandran, Zoph & Le 2017 "
        "(swish), arXiv:1710.05941; Hendrycks & Gimpel 2016, arXiv:1606.08415",
        numerics="σ through exp(-|βx|) (no overflow), βx as an exact product so the left tail "
        "e^βx keeps every bit; f' = σ(βx)(1 + βx·σ(-βx)) has no cancellation away from its zero",
        frameworks={
            "torch": same("torch.nn.functional.silu", fixed=_FIXED_BETA, note="no β (fixed at 1)"),
            "keras": same("keras.activations.silu", fixed=_FIXED_BETA,
                          note="keras.activations.swish is the same function; no β"),
            "keras2": same("tf.keras.activations.swish", fixed=_FIXED_BETA, note="no β"),
            "jax": same("jax.nn.silu", fixed=_FIXED_BETA, note="jax.nn.swish is the same function; no β"),
            "tf": same("tf.nn.silu", note="tf.nn.silu = tf.nn.swish(features, beta=1.0): the only one "
                       "that exposes β"),
        },
        naive=Naive(
            lambda x, beta: x * tb.sigmoid(beta * x),
            lambda x, beta: tb.sigmoid(beta * x) + beta * x * tb.d_sigmoid(beta * x),
            "x*sigmoid(beta*x) = x/(1+exp(-beta*x))",
            "p + beta*x*p*(1-p)",
        ),
        # β = 1.702 is x·σ(1.702x), the GELU approximation of Hendrycks & Gimpel 2016 (arXiv
        # 1606.08415); 0.5 a gentle gate; 2.5 a steep one
        checks=Checks(samples=({"beta": 1.702}, {"beta": 0.5}, {"beta": 2.5}), ulps=(4, 8)),
    )
)

# --- mish ---------------------------------------------------------------------------------


def _mish_kernel(x, f, d):
    # g = tanh(softplus(x)) as a rational function of e = e^-|x|:
    #   x <= 0 (e = e^x):  g = P/(P + 2),         P = e² + 2e
    #   x > 0 (e = e^-x):  g = (1 + 2e)/(1 + 2e + 2e²)
    # and σ(x)(1 - g²) = 4e(1 + e)/den² (x <= 0), 4e²(1 + e)/den² (x > 0): no overflow, no
    # cancellation, f' = g + x·σ(x)(1 - g²).
    xc = np.clip(x, -800.0, 800.0)
    neg = xc <= 0
    e = np.exp(-np.abs(xc))
    e2 = e * e
    P = e2 + 2.0 * e
    den = np.where(neg, P + 2.0, P + e2 + 1.0)
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
    deep = np.flatnonzero(xc < _DEEP)  # per element: xc.min() is NaN if one x is
    if deep.size:
        xd = xc[deep]
        ed = e[deep]
        invd = inv[deep]
        # f = x·e(e + 2)/den, f' = e·((e + 2)/den + 4x(1 + e)/den²)
        f[deep] = _times_exp_deep(xd * (ed + 2.0) * invd, 0.0, xd, 0.0)
        d[deep] = _times_exp_deep((ed + 2.0) * invd + 4.0 * xd * (1.0 + ed) * invd * invd, 0.0, xd, 0.0)


def _mish_pair(x):
    return _blockwise(_mish_kernel, x)


def mish(x):
    return _mish_pair(x)[0]


def d_mish(x):
    return _mish_pair(x)[1]


def d2_mish(x):
    # f'' = σ(1 - g²)·(2 + x·(σ(-x) - 2gσ(x))), from g' = σ(1 - g²)
    xc = np.clip(x, -800.0, 800.0)
    neg = xc <= 0
    e = np.exp(-np.abs(xc))
    e2 = e * e
    P = e2 + 2.0 * e
    den = np.where(neg, P + 2.0, P + e2 + 1.0)
    g = np.where(neg, P, 1.0 + 2.0 * e) / den
    sq = 4.0 * (1.0 + e) * np.where(neg, e, e2) / (den * den)
    s = np.where(neg, e, 1.0) / (1.0 + e)
    s_neg = np.where(neg, 1.0, e) / (1.0 + e)
    return sq * (2.0 + xc * (s_neg - 2.0 * g * s))


def _mp_mish(x):
    import mpmath as mp

    sp = mp.log1p(mp.exp(x))
    g = mp.tanh(sp)
    return x * g, g + x * mp.sech(sp) ** 2 / (1 + mp.exp(-x))


register(
    Activation(
        name="mish",
        gate=True,
        family="smooth gate",
        forward=mish,
        derivatives=(d_mish, d2_mish),
        evaluate_pair=_mish_pair,
        mp_reference=_mp_mish,
        formula_tex=r"f(x) = x\,\tanh(\mathrm{softplus}(x)) = x\,\tanh(\ln(1 + e^{x}))",
        formula_text="f(x) = x·tanh(softplus(x)) = x·tanh(ln(1 + exp(x)))",
        derivative_tex=r"f'(x) = \tanh(\mathrm{sp}(x)) + x\,\sigma(x)\,(1 - \tanh^2(\mathrm{sp}(x)))",
        derivative_text="f'(x) = tanh(sp(x)) + x·σ(x)·(1 - tanh²(sp(x)))",
        # the minimum, mpmath (findroot of f', 50 digits): at x = -1.1924312
        output_range=Interval(-0.30884341301725041, INF, True, False),
        properties=Properties(monotonic=False, bounded_above=False, bounded_below=True,
                              smoothness="C∞", zero_centred=True),
        reference="Misra 2019, Mish: A Self Regularized Non-Monotonic Activation Function, "
        "arXiv:1908.08681",
        numerics="tanh(softplus(x)) written rationally in e^-|x| (e^x for x <= 0: e(e+2)/(e(e+2)+2)), "
        "so nothing overflows and the left tail keeps relative accuracy",
        frameworks={
            "torch": same("torch.nn.functional.mish"),
            "keras": same("keras.activations.mish"),
            "keras2": same("tf.keras.activations.mish"),
            "jax": same("jax.nn.mish"),
        },
        naive=Naive(
            lambda x: x * np.tanh(tb.softplus(x)),
            lambda x: (
                np.tanh(tb.softplus(x))
                + x * (1 - np.tanh(tb.softplus(x)) ** 2) * np.exp(x) / (1 + np.exp(x))
            ),
            "x*tanh(log(1+exp(x)))",
            "tanh(sp) + x*(1-tanh(sp)**2)*exp(x)/(1+exp(x))",
        ),
        checks=Checks(ulps=(4, 8)),
    )
)

# --- hard_swish ---------------------------------------------------------------------------


def hard_swish(x):
    xi = np.clip(x, -3.0, 3.0)  # keeps the unused branch finite for huge x
    return np.where(x >= 3.0, x, xi * (xi + 3.0) / 6.0)


def d_hard_swish(x):
    # PyTorch 2.13: 0 for x <= -3 (f'(-3) = 0), (2x + 3)/6 inside, 1 for x >= 3 (f'(3) = 1)
    xi = np.clip(x, -3.0, 3.0)
    return np.where(x <= -3.0, 0.0, np.where(x >= 3.0, 1.0, (2.0 * xi + 3.0) / 6.0))


def d2_hard_swish(x):
    return np.where(np.abs(x) < 3.0, 1.0 / 3.0, 0.0)


def _hard_swish_pair(x):
    return hard_swish(x), d_hard_swish(x)


def _mp_hard_swish(x):
    import mpmath as mp

    f = x * min(max(x + 3, mp.mpf(0)), mp.mpf(6)) / 6
    if x <= -3:
        return f, mp.mpf(0)
    if x >= 3:
        return f, mp.mpf(1)
    return f, (2 * x + 3) / 6


register(
    Activation(
        name="hard_swish",
        aliases=("hardswish", "hard_silu"),
        family="smooth gate",
        forward=hard_swish,
        derivatives=(d_hard_swish, d2_hard_swish),
        evaluate_pair=_hard_swish_pair,
        mp_reference=_mp_hard_swish,
        kinks=(-3.0, 3.0),
        formula_tex=r"f(x) = x\,\frac{\mathrm{relu6}(x + 3)}{6} = x\,\frac{\min(\max(x + 3, 0), 6)}{6}",
        formula_text="f(x) = x·relu6(x + 3)/6 = x·min(max(x + 3, 0), 6)/6",
        derivative_tex="f'(x) = " + nx.cases(
            ("0", r"x \leq -3"), (r"(2x + 3)/6", r"-3 < x < 3"), ("1", r"x \geq 3")
        ),
        derivative_text="f'(x) = 0 if x <= -3; (2x + 3)/6 if -3 < x < 3; 1 if x >= 3",
        output_range=Interval(-0.375, INF, True, False),
        properties=Properties(monotonic=False, bounded_above=False, bounded_below=True,
                              smoothness="C0", zero_centred=True),
        reference="Howard et al. 2019, Searching for MobileNetV3, arXiv:1905.02244",
        numerics="piecewise polynomial; the input is clipped to [-3, 3] inside, so huge x cannot "
        "overflow the unused branch",
        kink_convention="f'(-3) = 0 and f'(3) = 1, as PyTorch 2.13, JAX and Keras return "
        "(torch 2.6 returned -0.5 and 1.5: pytorch/pytorch#147801, fixed by #148049)",
        frameworks={
            "torch": same("torch.nn.functional.hardswish"),
            "keras": same("keras.activations.hard_silu", note="keras.activations.hard_swish is the "
                          "same function"),
            "jax": same("jax.nn.hard_silu", note="jax.nn.hard_swish is the same function"),
        },
    )
)

