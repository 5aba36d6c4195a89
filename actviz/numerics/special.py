"""Special functions, each accurate to a few ULPs over the whole float64 range and raising
no floating-point warning for finite input: the logistic sigmoid and its derivatives,
softplus, sech² (also of a double-double argument), x - tanh(x), and erfcx = e^(y²)·erfc(y),
which the normal CDF is taken through.
"""

from __future__ import annotations

import numpy as np

from .dd import two_product

Array = np.ndarray


def sigmoid(x: Array) -> Array:
    """1/(1+e^-x) through e^-|x|, which cannot overflow."""
    return sigmoid_from_exp(x, np.exp(-np.abs(x)))


def sigmoid_from_exp(x: Array, e: Array) -> Array:
    """σ(x) from e = e^-|x| already at hand: 1/(1+e) for x >= 0, e/(1+e) below."""
    return np.where(x >= 0, 1.0, e) / (1.0 + e)


def sigmoid_prime(x: Array) -> Array:
    """σ(x)σ(-x) = e^-|x|/(1+e^-|x|)²: keeps relative accuracy where s*(1-s) rounds to 0."""
    e = np.exp(-np.abs(x))
    return e / ((1.0 + e) * (1.0 + e))


def sigmoid_second(x: Array) -> Array:
    """σ'(x)(1-2σ(x)) = σ'(x)·tanh(-x/2), with both factors stable."""
    return sigmoid_prime(x) * np.tanh(-0.5 * x)


def exp_neg_abs_flat(x: Array) -> tuple[Array, Array, tuple[int, ...]]:
    """(x flattened, e^-|x| as a new array of that shape, x's shape), for kernels that work in
    place: ufuncs turn 0-d arrays into scalars, which take no out=."""
    shape = np.shape(x)
    x = np.reshape(x, -1)
    e = np.abs(x)
    np.negative(e, out=e)
    np.exp(e, out=e)
    return x, e, shape


def sigmoid_pair(x: Array) -> tuple[Array, Array]:
    """sigmoid(x) and sigmoid_prime(x) from one e = e^-|x|, in place (same operations, same bits)."""
    x, e, shape = exp_neg_abs_flat(x)
    den = e + 1.0
    f = np.where(x >= 0, 1.0, e)
    f /= den
    den *= den
    np.divide(e, den, out=den)
    return f.reshape(shape), den.reshape(shape)


def softplus(x: Array) -> Array:
    """ln(1+e^x) = max(x,0) + log1p(e^-|x|): exact in both tails, no overflow."""
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def softplus_pair(x: Array) -> tuple[Array, Array]:
    """softplus(x) and σ(x) from one e = e^-|x|, in place (same operations, same bits)."""
    x, e, shape = exp_neg_abs_flat(x)
    f = np.maximum(x, 0.0)
    f += np.log1p(e)
    d = np.where(x >= 0, 1.0, e)
    e += 1.0
    d /= e
    return f.reshape(shape), d.reshape(shape)


def sech2(x: Array) -> Array:
    """1 - tanh² = 4e/(1+e)² with e = e^-2|x|: 1 - tanh(x)**2 is 0 long before the truth is."""
    # |x| is capped first: 2|x| overflows for |x| > 9e307, and e^-2000 is 0 anyway.
    e = np.exp(-2.0 * np.minimum(np.abs(x), 1e3))
    return 4.0 * e / ((1.0 + e) * (1.0 + e))


def tanh_sech2(z: Array, z_lo: Array | float = 0.0) -> tuple[Array, Array]:
    """(tanh, sech²) of z + z_lo for a double-double argument (|z_lo| <= ulp(z)): sech² is
    4e/(1+e)² with e = e^(-2|z|)·(1 - 2|z|'s lost bits), since in the tails e^(-2|z|) multiplies
    the rounding of z by 2|z|; tanh takes the first-order correction sech²·z_lo."""
    a = np.minimum(np.abs(z), 1e3)  # e^-2000 is 0; 2|z| would overflow for |z| > 9e307
    e = np.exp(-2.0 * a)
    e *= 1.0 - 2.0 * np.where(z < 0, -z_lo, z_lo)
    s2 = 4.0 * e / ((1.0 + e) * (1.0 + e))
    t = np.tanh(z)
    t += s2 * z_lo
    return t, s2


# Below this |z|, tanh z rounds to z itself (z³/3 is under z·2^-55)
TANH_LINEAR = 2.0**-27


def softcap_pair(x: Array, cap: float) -> tuple[Array, Array]:
    """(c·tanh(x/c), sech²(x/c)) with x/c as an exact quotient q + q_lo: in the tails sech²
    would multiply the rounding of x/c by 2|x/c|. Where tanh(x/c) rounds to x/c, f is x itself
    (c·fl(x/c) is not, and loses every bit for subnormal x)."""
    limit = min(float(np.finfo(np.float64).max), cap * 1e300)
    xc = np.clip(x, -limit, limit)
    q = xc / cap
    qc = np.clip(q, -1e3, 1e3)
    p, pe = two_product(qc, cap)
    q_lo = np.where(np.abs(q) < 1e3, ((xc - p) - pe) / cap, 0.0)
    t, s2 = tanh_sech2(q, q_lo)
    return np.where(np.abs(q) < TANH_LINEAR, x, cap * t), s2


def softcap_second(x: Array, cap: float) -> Array:
    """(c·tanh(x/c))'' = -(2/c)·tanh(x/c)·sech²(x/c)."""
    limit = min(float(np.finfo(np.float64).max), cap * 1e300)
    q = np.clip(x, -limit, limit) / cap
    return (-2.0 / cap) * np.tanh(q) * sech2(q)


def dyt_pair(x: Array, alpha: float, gamma: float, beta: float) -> tuple[Array, Array]:
    """(γ·tanh(αx) + β, αγ·sech²(αx)) with αx as an exact product; where tanh(αx) rounds to
    αx, f is (αγ)·x + β (γ·fl(αx) loses the bits of a subnormal αx)."""
    limit = min(float(np.finfo(np.float64).max), 1e3 / alpha)  # tanh is ±1 and sech² 0 beyond
    xc = np.clip(x, -limit, limit)
    z, z_lo = two_product(xc, alpha)
    t, s2 = tanh_sech2(z, z_lo)
    ag = alpha * gamma
    f = np.where(np.abs(z) < TANH_LINEAR, ag * x + beta, gamma * t + beta)
    return f, ag * s2


def dyt_second(x: Array, alpha: float, gamma: float, beta: float) -> Array:
    """(γ·tanh(αx) + β)'' = -2α²γ·tanh(αx)·sech²(αx)."""
    limit = min(float(np.finfo(np.float64).max), 1e3 / alpha)
    z = alpha * np.clip(x, -limit, limit)
    return (-2.0 * alpha * alpha * gamma) * np.tanh(z) * sech2(z)


# Below this |x|, x - tanh(x) loses more than an ULP to cancellation; above it the
# difference is at least 1.03 and the direct form is within an ULP.
TANHSHRINK_CANCELS_BELOW = 2.0
# Depth of Lambert's continued fraction: 12 levels leave a truncation error below
# 1e-17 relative for |x| <= 2.5 (measured against mpmath at 60 digits).
_CF_DEPTH = 12


def _x_minus_tanh_small(x):
    """x - tanh(x) as x·q/(1+q), from Lambert's tanh(x) = x/(1+q), q = x²/(3 + x²/(5 + …)).

    Every term is positive, so nothing cancels: a few ULP down to the subnormals.
    """
    u = x * x
    q = u / (2 * _CF_DEPTH + 1)
    for k in range(_CF_DEPTH - 1, 0, -1):
        q = u / ((2 * k + 1) + q)
    return x * q / (1.0 + q)


def x_minus_tanh(x, t):
    """x - tanh(x), given t = tanh(x): directly where that does not cancel, else Lambert's form."""
    x = np.asarray(x, dtype=np.float64)
    f = np.array(x - t, dtype=np.float64)
    small = np.abs(x) < TANHSHRINK_CANCELS_BELOW
    if np.any(small):
        f[small] = _x_minus_tanh_small(x[small])
    return f


# --- erfcx and the normal distribution's constants ---------------------------------------

INV_SQRT2 = 0.7071067811865476  # 1/√2, rounded
INV_SQRT2_LO = -4.833646656726457e-17  # 1/√2 - INV_SQRT2 (mpmath)
INV_SQRT2PI = 0.3989422804014327  # 1/√(2π), rounded
INV_SQRT2PI_LO = -2.49232720227773e-17  # 1/√(2π) - INV_SQRT2PI (mpmath)

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


def _poly(y, coeffs):
    """Horner's rule, highest coefficient first."""
    acc = coeffs[0] * y
    acc += coeffs[1]
    for c in coeffs[2:]:
        acc *= y
        acc += c
    return acc


def erfcx_half(y, y_lo=0.0):
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


def mills_far(a):
    """ρ(a) = 1 - a·Φ(-a)/φ(a) for a > 4√2 (Cody's erfcx above y = 4: ρ = √π·P/(y²·Q), 1/y² = 2/a²)."""
    z = 2.0 / (a * a)
    return _SQRTPI * z * _poly(z, _CODY_P) / _poly(z, _CODY_Q)
