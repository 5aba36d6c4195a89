"""Compiled (numba) kernels: f and f' of the common activations in one pass over memory.

Imported only through :mod:`actviz.numerics.fast`, and only where numba is installed. Each
kernel ``k(x, f, d)`` reads a contiguous one-dimensional float64 or float32 ``x`` and writes
f and f' into ``f`` and ``d`` (of x's dtype: a float32 result is the float64 value rounded
once). The numpy kernels beside this module are the reference; these compute the same
stable forms with the same exact products, and are held to the same ULP bounds against
mpmath by the same tests.

libm's exp, log1p and tanh would be scalar calls that stop LLVM from vectorising a loop, so
the exponential and the logarithm are written here in plain arithmetic (Cody–Waite
reduction and a Taylor polynomial), which LLVM turns into AVX-512 or AVX2 code:

- ``exp`` keeps the reduced argument's rounding error and adds 1 + r as a double-double:
  within 0.55 ULP (measured against mpmath), the result rounded once even among the
  subnormals (the scaling by 2^k is the last operation, split in two so that 2^k itself
  never leaves the float range);
- ``log1p(u)`` for 0 <= u <= 1 is 2·atanh(u/(2 + u)), the quotient carried as a
  double-double: within 0.6 ULP.
"""

from __future__ import annotations

import numba as nb
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from .gates import _ERFCX_FAR, _GELU_CLIP
from .special import (
    _CODY_P,
    _CODY_Q,
    _ERFCX_COEFFS,
    _ERFCX_HI_ARR,
    _ERFCX_LO_ARR,
    _SQRTPI,
    INV_SQRT2,
    INV_SQRT2_LO,
    INV_SQRT2PI,
    INV_SQRT2PI_LO,
)

_JIT = dict(nogil=True, cache=True, error_model="numpy", boundscheck=False)
_INLINE = dict(inline="always", error_model="numpy")


@intrinsic
def _bits_to_float(typingctx, bits):
    """The float64 whose bit pattern is the int64 ``bits`` (a register move, vectorisable)."""
    if bits != types.int64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


# --- exp ----------------------------------------------------------------------------------

_LOG2E = 1.4426950408889634
# ln 2 in two parts (fdlibm): _LN2_HI has 32 significant bits, so k·_LN2_HI is exact for |k| < 2^20
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_ROUND = 6755399441055744.0
_SPLITTER = 134217729.0  # Veltkamp's splitter, 2^27 + 1  # 1.5·2^52: adding it rounds to an integer
# Taylor coefficients 1/n! for n = 13 down to 3; with |r| <= ln2/2 the omitted terms are
# below 4e-18 relative
_C = tuple(1.0 / float(np.prod(np.arange(1, n + 1, dtype=np.float64))) for n in range(13, 2, -1))
_C13, _C12, _C11, _C10, _C9, _C8, _C7, _C6, _C5, _C4, _C3 = _C
_EXP_MIN = -1400.0  # far below e^-746, which rounds to 0; 2^k stays two normal halves
_EXP_MAX = 710.0  # e^710 overflows


@nb.njit(**_INLINE)
def _scale(v, k):
    """v·2^k for integer-valued float k in [-2040, 2040], rounded once: two exact powers of 2."""
    ki = np.int64(k)
    k1 = ki >> 1
    k2 = ki - k1
    return v * _bits_to_float((k1 + 1023) << 52) * _bits_to_float((k2 + 1023) << 52)


@nb.njit(**_INLINE)
def _reduce(w):
    """w = k·ln 2 + r + r_lo (Cody and Waite) and q = e^r - 1 - r, the polynomial in r:
    (k, r, r_lo, q), the shared start of every exponential below."""
    t = w * _LOG2E + _ROUND
    k = t - _ROUND
    a = w - k * _LN2_HI  # exact
    b = k * _LN2_LO
    r = a - b
    r_lo = (a - r) - b  # the bits r lost
    q = _C13
    q = q * r + _C12
    q = q * r + _C11
    q = q * r + _C10
    q = q * r + _C9
    q = q * r + _C8
    q = q * r + _C7
    q = q * r + _C6
    q = q * r + _C5
    q = q * r + _C4
    q = q * r + _C3
    q = q * r + 0.5
    q = q * (r * r)
    return k, r, r_lo, q


@nb.njit(**_INLINE)
def _exp_parts(w, wl):
    """exp(w + wl) = m·2^k for finite w in [_EXP_MIN, _EXP_MAX] and |wl| <= ulp(w): (m, k),
    m within 0.55 ULP, in [0.7, 1.42]."""
    k, r, r_lo, q = _reduce(w)
    r_lo = r_lo + wl  # and the caller's low part
    s = 1.0 + r
    s_lo = (1.0 - s) + r  # exact: |r| < 1
    m = s + (s_lo + (q + r_lo * (s + q)))
    return m, k


@nb.njit(**_INLINE)
def _exp(w):
    """e^w for any float64 w (NaN in, NaN out)."""
    wc = min(max(w, _EXP_MIN), _EXP_MAX)
    m, k = _exp_parts(wc, 0.0)
    out = _scale(m, k)
    return w if w != w else out


@nb.njit(**_INLINE)
def _times_exp(a, a_err, w, wl):
    """(a + a_err)·exp(w + wl) for w in [_EXP_MIN, 0], with one rounding at the end (so a
    subnormal result is rounded once): 2^k multiplies last."""
    m, k = _exp_parts(w, wl)
    return _scale(a * m + a_err * m, k)


@nb.njit(**_INLINE)
def _split(a):
    """Veltkamp: a = hi + lo, hi holding 26 bits (numerics.dd.split)."""
    c = _SPLITTER * a
    h = c - (c - a)
    return h, a - h


def _host_has_fma() -> bool:
    """Whether numba compiles for this machine's own CPU and that CPU has a fused multiply-add."""
    from numba import config

    if config.CPU_NAME or config.CPU_FEATURES:  # a portable build: llvm.fma may become a libm call
        return False
    import llvmlite.binding as ll

    return bool(ll.get_host_cpu_features().get("fma"))


_FMA = _host_has_fma()


@intrinsic
def _fma(typingctx, a, b, c):
    """a·b + c rounded once (LLVM's llvm.fma: one instruction where the CPU has it)."""
    if not (a == b == c == types.float64):
        return None

    def codegen(context, builder, signature, args):
        return builder.fma(*args)

    return types.float64(types.float64, types.float64, types.float64), codegen


@nb.njit(**_INLINE)
def _two_product(a, b):
    """a·b = p + e exactly: the fused multiply-add's error term where the CPU has one, else
    Dekker's split products. Both are the exact error wherever it is representable (no
    overflow, no product below the subnormals), which is where the kernels use them."""
    p = a * b
    if _FMA:
        return p, _fma(a, b, -p)
    ah, al = _split(a)
    bh, bl = _split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


@nb.njit(**_INLINE)
def _divide(n, n_lo, den, den_lo):
    """(n + n_lo)/(den + den_lo) within about half an ULP: the quotient and one correction
    from its exact remainder."""
    q = n / den
    p, pe = _two_product(q, den)
    return q + (((n - p) - pe) + n_lo - q * den_lo) / den


@nb.njit(**_INLINE)
def _recip_1p(e):
    """1/(1 + e) for 0 <= e <= 1, with 1 + e carried exactly."""
    den = 1.0 + e
    return _divide(1.0, 0.0, den, (1.0 - den) + e)


# --- log1p ----------------------------------------------------------------------------------

# 2·atanh(s) = 2s + 2s³·Σ s^(2n)/(2n + 3) for 0 <= s <= 1/3: 17 terms leave 2e-18 relative
_L = tuple(1.0 / (2 * n + 3) for n in range(16, -1, -1))
(_L0, _L1, _L2, _L3, _L4, _L5, _L6, _L7, _L8, _L9, _L10, _L11, _L12, _L13, _L14, _L15, _L16) = _L


@nb.njit(**_INLINE)
def _log1p_unit(u):
    """log1p(u) for 0 <= u <= 1, as 2·atanh(s), s = u/(2 + u) carried as s + s_lo."""
    den = 2.0 + u
    den_lo = (2.0 - den) + u  # exact: 2 >= u
    s = u / den
    # s_lo = (u - s·den - s·den_lo)/den, with s·den exact (Dekker)
    p, pe = _two_product(s, den)
    s_lo = (((u - p) - pe) - s * den_lo) / den
    z = s * s
    acc = _L0
    acc = acc * z + _L1
    acc = acc * z + _L2
    acc = acc * z + _L3
    acc = acc * z + _L4
    acc = acc * z + _L5
    acc = acc * z + _L6
    acc = acc * z + _L7
    acc = acc * z + _L8
    acc = acc * z + _L9
    acc = acc * z + _L10
    acc = acc * z + _L11
    acc = acc * z + _L12
    acc = acc * z + _L13
    acc = acc * z + _L14
    acc = acc * z + _L15
    acc = acc * z + _L16
    # acc = Σ z^n/(2n + 3); 2·atanh(s) = 2s + 2s·z·acc
    tail = s * z * acc
    return 2.0 * s + 2.0 * (s_lo + tail)


# --- sigmoid, tanh, softplus, exponential ---------------------------------------------------


#: Past this |x|, e^-|x| < 2^-1076 rounds to 0: σ is exactly 0 or 1 and σ' exactly 0.
_SIGMOID_FLAT = 746.0
#: Points a block: a block that lies wholly past _SIGMOID_FLAT skips the exponential.
_BLOCK = 16


@nb.njit(**_INLINE)
def _sigmoid_pair(xi):
    """(σ(xi), σ'(xi)) for float64 xi."""
    e = _exp(-abs(xi))
    den = 1.0 + e
    den_lo = (1.0 - den) + e
    r = _divide(1.0, 0.0, den, den_lo)
    return r if xi >= 0 else _divide(e, 0.0, den, den_lo), e * (r * r)


@nb.njit(**_JIT)
def sigmoid(x, f, d, sign):
    """σ(sx) and s·σ'(sx) for s = ``sign`` (±1: σ(-x) is softmin's two-class slice), with
    σ'= e/(1 + e)², e = e^-|x| (numerics.special.sigmoid_pair). 1/(1 + e) and e/(1 + e) are
    each rounded about once, so that σ stays monotone where the rounding of e ties.

    A block of _BLOCK points all past _SIGMOID_FLAT (half of all float32 values are, in an
    exhaustive audit) is written directly: the same numbers, e being 0 there."""
    n = x.size
    full = n - n % _BLOCK
    for start in range(0, full, _BLOCK):
        flat = True
        for j in range(_BLOCK):
            flat = flat & (abs(x[start + j]) > _SIGMOID_FLAT)
        if flat:
            for j in range(_BLOCK):
                f[start + j] = 1.0 if sign * x[start + j] > 0 else 0.0
                d[start + j] = sign * 0.0
        else:
            for j in range(_BLOCK):
                v, dv = _sigmoid_pair(sign * np.float64(x[start + j]))
                f[start + j] = v
                d[start + j] = sign * dv
    for i in range(full, n):
        v, dv = _sigmoid_pair(sign * np.float64(x[i]))
        f[i] = v
        d[i] = sign * dv


@nb.njit(**_INLINE)
def _expm1_exp_neg(w):
    """(e^w - 1, e^w) for w <= 0 (w >= -2000) from one reduction: e^w - 1 = (2^k - 1) + 2^k·(m - 1)."""
    k, r, r_lo, q = _reduce(max(w, _EXP_MIN))
    pm = r + (q + r_lo * (1.0 + r + q))  # m - 1, which nothing cancels in
    p2 = _scale(1.0, k)
    # 2^k - 1 is exact for -53 <= k <= 0; below it is -1 to within 2^-54 and rounds there
    em1 = (p2 - 1.0) + p2 * pm
    return em1, _scale(1.0 + pm, k)


@nb.njit(**_JIT)
def tanh(x, f, d):
    """tanh(|x|) = -u/(2 + u) = (1 - e)/(1 + e), e = e^-2|x|, u = e - 1, and sech² = 4e/(1 + e)²."""
    for i in range(x.size):
        xi = np.float64(x[i])
        a = min(abs(xi), 1e3)
        em1, e = _expm1_exp_neg(-2.0 * a)
        if a < 0.55:
            # -u/(2 + u), u = e^-2|x| - 1: no cancellation near 0
            den = 2.0 + em1
            t = _divide(-em1, 0.0, den, (2.0 - den) + em1)
        else:
            # (1 - e)/(1 + e), e <= 1/3: e's rounding error weighs less than in u
            num = 1.0 - e
            den = 1.0 + e
            t = _divide(num, (1.0 - num) - e, den, (1.0 - den) + e)
        sech2 = 4.0 * e / ((1.0 + e) * (1.0 + e))
        if xi != xi:
            t = xi
            sech2 = xi
        f[i] = t if xi >= 0 else -t
        d[i] = sech2


@nb.njit(**_JIT)
def softplus(x, f, d, threshold):
    """max(x, 0) + log1p(e^-|x|) and σ(x) (numerics.special.softplus_pair); x and 1 above
    PyTorch's ``threshold`` (inf for none)."""
    for i in range(x.size):
        xi = np.float64(x[i])
        e = _exp(-abs(xi))
        lp = _log1p_unit(e)
        r = _recip_1p(e)
        f[i] = xi + lp if xi > 0 else lp
        d[i] = r if xi >= 0 else e * r
        if xi > threshold:
            f[i] = xi
            d[i] = 1.0
        if xi != xi:
            f[i] = xi


@nb.njit(**_JIT)
def exponential(x, f, d):
    """e^x, twice."""
    for i in range(x.size):
        v = _exp(np.float64(x[i]))
        f[i] = v
        d[i] = v


# --- rectifiers ---------------------------------------------------------------------------


@nb.njit(**_JIT)
def relu(x, f, d):
    """max(x, 0) and 1 for x > 0, else 0 (PyTorch's relu'(0) = 0); NaN propagates."""
    for i in range(x.size):
        xi = x[i]
        pos = xi > 0
        f[i] = xi if pos or xi != xi else 0.0
        d[i] = 1.0 if pos else (xi if xi != xi else 0.0)


@nb.njit(**_JIT)
def elu(x, f, d, alpha):
    """x and 1 for x > 0, α(e^x - 1) and αe^x below: rectifiers' elu for α where the quotient
    is not needed (this is the record's own form: x is not divided by α)."""
    for i in range(x.size):
        xi = np.float64(x[i])
        em1, e = _expm1_exp_neg(min(xi, 0.0))
        if xi > 0:
            f[i] = xi
            d[i] = 1.0
        elif xi != xi:
            f[i] = xi
            d[i] = xi
        else:
            f[i] = alpha * em1
            d[i] = alpha * e


# --- gates ----------------------------------------------------------------------------------

@nb.njit(**_JIT)
def silu(x, f, d, beta, limit):
    """x·σ(βx) and σ(βx)·(1 + βx·σ(-βx)), βx an exact product: gates._x_sigmoid_kernel.

    ``limit`` is the |x| beyond which σ(βx) is exactly 0 or 1 (gates._sigmoid_clip).
    """
    one = beta == 1.0
    c = _SPLITTER * beta
    bh = c - (c - beta)
    bl = beta - bh
    for i in range(x.size):
        xi = np.float64(x[i])
        xc = min(max(xi, -limit), limit)
        if one:
            z = xc
            zl = 0.0
        else:
            c = _SPLITTER * xc
            xh = c - (c - xc)
            xl = xc - xh
            z = beta * xc
            zl = ((bh * xh - z) + bh * xl + bl * xh) + bl * xl
        neg = z < 0
        mz = -abs(z)
        wl = zl if neg else -zl
        m, k = _exp_parts(max(mz, _EXP_MIN), wl)
        e = _scale(m, k)
        r = 1.0 / (1.0 + e)
        if neg:
            # x·σ(z) = x·r·e and σ(z)σ(-z)·((1 + z) + e), each times e^z rounded once
            f[i] = _scale((xc * r) * m, k)
            tn = (1.0 + z) + (e + zl)
            d[i] = _scale((r * r * tn) * m, k)
        else:
            f[i] = xi * r
            d[i] = r * (1.0 + z * (e * r))
        if xi != xi:
            f[i] = xi
            d[i] = xi


@nb.njit(**_JIT)
def mish(x, f, d):
    """x·tanh(softplus(x)) and its derivative, rational in e = e^-|x|: gates._x_tanh_softplus_kernel."""
    for i in range(x.size):
        xi = np.float64(x[i])
        xc = min(max(xi, -800.0), 800.0)
        neg = xc <= 0
        m, k = _exp_parts(max(-abs(xc), _EXP_MIN), 0.0)
        e = _scale(m, k)
        e2 = e * e
        P = e2 + 2.0 * e
        den = P + 2.0 if neg else P + e2 + 1.0
        inv = 1.0 / den
        if neg:
            # f = x·e·(e + 2)/den, f' = e·(e³ + 4e² + 6e + 4(1 + x) + 4xe)/den², each times
            # e = m·2^k rounded once
            f[i] = _scale(xc * (e + 2.0) * inv * m, k)
            b = e + 4.0
            b *= e
            b += 6.0
            b *= e
            b += 4.0 * (1.0 + xc)
            b += 4.0 * xc * e
            d[i] = _scale(b * inv * inv * m, k)
        else:
            g = (1.0 + 2.0 * e) * inv
            f[i] = xi * g
            d[i] = g + xc * (4.0 * (1.0 + e) * e2 * (inv * inv))
        if xi != xi:
            f[i] = xi
            d[i] = xi


_R_HI = INV_SQRT2
_C_HI = INV_SQRT2PI
_NCOEF = len(_ERFCX_COEFFS)
_ERFCX_TABLE = np.array(_ERFCX_COEFFS)  # (degree, node): coefficient n of node k
_CODY_PA = np.array(_CODY_P)
_CODY_QA = np.array(_CODY_Q)


@nb.njit(**_JIT)
def gelu(x, f, d):
    """x·Φ(x) and Φ(x) + x·φ(x): gates._x_normal_cdf_kernel, a point at a time.

    Φ(-|x|) = ½erfcx(|x|/√2)·e^(-x²/2), x² split exactly, erfcx from the Taylor table about
    k/16 (Cody's rational form beyond |x| = 4√2), x·h and h ∓ x/√(2π) in parts.
    """
    table = _ERFCX_TABLE
    hi_arr = _ERFCX_HI_ARR
    lo_arr = _ERFCX_LO_ARR
    cp = _CODY_PA
    cq = _CODY_QA
    for i in range(x.size):
        xi = np.float64(x[i])
        xc = min(max(xi, -_GELU_CLIP), _GELU_CLIP)
        a = abs(xc)
        xh, xl = _split(xc)
        hi = xh * xh
        lo = xl * (xh + xc)
        s = hi + lo
        w = -0.5 * s
        wl = -0.5 * (lo - (s - hi))
        y, y_lo = _two_product(a, _R_HI)
        y_lo += a * INV_SQRT2_LO
        yc = min(y, 4.0)
        kk = np.floor(min(yc * 16.0, 64.0) + 0.5)  # rint up to ties, which do not matter here
        delta = (yc - kk / 16.0) + y_lo
        idx = np.int64(kk)
        p = table[_NCOEF - 1, idx]
        for n in range(_NCOEF - 2, -1, -1):
            p = p * delta + table[n, idx]
        p = p * delta + lo_arr[idx]
        h_lo = 0.5 * p
        h_hi = 0.5 * hi_arr[idx]
        h = h_hi + h_lo
        neg = xi < 0
        xhv, xh_err = _two_product(xc, h_hi)
        xh_err += xc * h_lo
        cc, c_err = _two_product(xc, INV_SQRT2PI)
        if neg:
            hc = (h_hi + cc) + ((h_lo + c_err) + xc * INV_SQRT2PI_LO)
        else:
            hc = h - cc
        if a > _ERFCX_FAR:
            zz = 2.0 / (a * a)
            num = cp[0] * zz
            num += cp[1]
            for j in range(2, cp.size):
                num = num * zz + cp[j]
            den = cq[0] * zz
            den += cq[1]
            for j in range(2, cq.size):
                den = den * zz + cq[j]
            rho = _SQRTPI * zz * num / den
            t = INV_SQRT2PI * rho
            v = INV_SQRT2PI - t
            v_err = ((INV_SQRT2PI - v) - t) + INV_SQRT2PI_LO * (1.0 - rho)
            sgn = 1.0 if xc > 0 else -1.0
            xhv = sgn * v
            xh_err = sgn * v_err
            g = (1.0 - rho) / a - a
            hc = g * INV_SQRT2PI + g * INV_SQRT2PI_LO
        m, k = _exp_parts(w, wl)
        if neg:
            f[i] = _scale(xhv * m + xh_err * m, k)
            d[i] = _scale(hc * m, k)
        else:
            E = _scale(m, k)
            f[i] = xi - (xhv * E + xh_err * E)
            d[i] = 1.0 - hc * E
        if xi != xi:
            f[i] = xi
            d[i] = xi


__all__ = ["elu", "exponential", "gelu", "mish", "relu", "sigmoid", "silu", "softplus", "tanh"]
