"""The float32 audit's judge compiled (numba, the `fast` extra): one pass over a chunk.

For each float32 value it rounds the float64 reference f and f' to float32, reads the ULP
off the rounded value's bits and computes the four series' errors (actviz's f and f', the
textbook's f and f'), in one pass where the numpy judge of :mod:`.accuracy` makes some
twenty.

:func:`summarise_float32` also reduces them as it goes, block by block while the errors are
in cache: each series' sum (in numpy's own pairwise order, so the same bits as ``np.sum``
of the numpy judge's errors), its maximum and where it is first reached. That is the whole
chunk's summary when every error is finite; a chunk with a non-finite one (an overflowing
or NaN textbook result) goes through :func:`judge_float32`, which writes the errors out for
:meth:`~actviz.analysis.accuracy.Part.of`. Either way the result is the numpy judge's to the bit.

Imported only where numba is installed.
"""

from __future__ import annotations

import numba as nb
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from ..numerics.compiled import _bits_to_float


@intrinsic
def _float32_bits(typingctx, v):
    """The int32 bit pattern of a float32."""
    if v != types.float32:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(32))

    return types.int32(types.float32), codegen


@nb.njit(inline="always")
def _inverse_spacing32(r):
    """1/ULP of a float32 value as float64: 2^(127 + 23 - max(e, 1)) for biased exponent e,
    a power of 2 (so multiplying by it is dividing by the ULP, to the bit)."""
    e = (np.int64(_float32_bits(r)) >> 23) & 0xFF
    e = max(e, np.int64(1))
    return _bits_to_float(((1023 + 127 + 23) - e) << 52)


@nb.njit(inline="always")
def _error(got, ref, rounded):
    """The error of float32 ``got`` against float64 ``ref`` in ULPs of ``rounded`` (inf where
    got is wrongly non-finite, 0 where it is the same inf or NaN as ``rounded``)."""
    g = np.float64(got)
    err = abs(g - ref) * _inverse_spacing32(rounded)
    if not np.isfinite(g):
        r = np.float64(rounded)
        err = 0.0 if (g == r or (g != g and r != r)) else np.inf
    return err


@nb.njit(nogil=True, cache=True, error_model="numpy")
def judge_float32(ref_f, ref_d, naive_f, naive_d, ours_f, ours_d, err, bad):
    """One pass over a chunk: ``ours_f``/``ours_d`` = the references rounded to float32, and
    ``err[s]`` the ULP errors of series s (forward, derivative, naive_forward,
    naive_derivative; the last two only where ``naive_f`` is not empty), ``bad[s]`` how
    many of them are not finite."""
    naive = naive_f.size > 0
    b0 = b1 = b2 = b3 = 0
    for i in range(ref_f.size):
        rf = ref_f[i]
        rd = ref_d[i]
        of = np.float32(rf)
        od = np.float32(rd)
        ours_f[i] = of
        ours_d[i] = od
        e = _error(of, rf, of)
        err[0, i] = e
        b0 += not np.isfinite(e)
        e = _error(od, rd, od)
        err[1, i] = e
        b1 += not np.isfinite(e)
        if naive:
            e = _error(naive_f[i], rf, of)
            err[2, i] = e
            b2 += not np.isfinite(e)
            e = _error(naive_d[i], rd, od)
            err[3, i] = e
            b3 += not np.isfinite(e)
    bad[0] = b0
    bad[1] = b1
    bad[2] = b2
    bad[3] = b3


#: numpy's pairwise summation (``pairwise_sum`` in numpy/_core/src/umath/loops_utils.h.src):
#: blocks of at most this many values are summed in 8 lanes, and longer runs split in two
#: at a multiple of 8 below the middle.
_PW_BLOCK = 128


@nb.njit(inline="always")
def _block_sum(b, n):
    """Σ b[:n] for n <= _PW_BLOCK in numpy's order: 8 lanes, a fixed tree, then the rest."""
    if n < 8:
        res = 0.0
        for j in range(n):
            res += b[j]
        return res
    r0, r1, r2, r3, r4, r5, r6, r7 = b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]
    m = n - n % 8
    for k in range(1, m // 8):
        j = 8 * k
        r0 += b[j]
        r1 += b[j + 1]
        r2 += b[j + 2]
        r3 += b[j + 3]
        r4 += b[j + 4]
        r5 += b[j + 5]
        r6 += b[j + 6]
        r7 += b[j + 7]
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    for j in range(m, n):
        res += b[j]
    return res


@nb.njit(inline="always")
def _block_max(b, n):
    """max(b[:n]) for 0 < n <= _PW_BLOCK and no NaN in b, in 8 lanes (one chain of compares
    would wait on each)."""
    if n < 8:
        m = b[0]
        for j in range(1, n):
            m = m if m >= b[j] else b[j]
        return m
    m0, m1, m2, m3, m4, m5, m6, m7 = b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]
    for k in range(1, n // 8):
        j = 8 * k
        m0 = m0 if m0 >= b[j] else b[j]
        m1 = m1 if m1 >= b[j + 1] else b[j + 1]
        m2 = m2 if m2 >= b[j + 2] else b[j + 2]
        m3 = m3 if m3 >= b[j + 3] else b[j + 3]
        m4 = m4 if m4 >= b[j + 4] else b[j + 4]
        m5 = m5 if m5 >= b[j + 5] else b[j + 5]
        m6 = m6 if m6 >= b[j + 6] else b[j + 6]
        m7 = m7 if m7 >= b[j + 7] else b[j + 7]
    m = max(max(max(m0, m1), max(m2, m3)), max(max(m4, m5), max(m6, m7)))
    for j in range(n - n % 8, n):
        m = m if m >= b[j] else b[j]
    return m


@nb.njit(inline="always")
def _track(b, n, lo, stats, s, total):
    """Raise series s's maximum (stats[s, 1]) and its first index (stats[s, 2]) by block b of
    n errors starting at index lo; nothing where the block's sum says one is not finite."""
    if n == 0 or not np.isfinite(total):
        return
    m = _block_max(b, n)
    if m > stats[s, 1]:
        for j in range(n):
            if b[j] == m:
                stats[s, 1] = m
                stats[s, 2] = lo + j
                break


@nb.njit(nogil=True, cache=True, error_model="numpy")
def _block(ref_f, ref_d, naive_f, naive_d, lo, n, buf, stats):
    """The four series' errors at indices [lo, lo + n), n <= _PW_BLOCK, into buf; their
    sums, and the running maxima raised."""
    b0, b1, b2, b3 = buf[0], buf[1], buf[2], buf[3]
    # slices, indexed from 0 by the loop: plain vector loads (an index lo + j could be
    # negative as far as numba knows, and each load would check for wraparound)
    f = ref_f[lo:lo + n]
    d = ref_d[lo:lo + n]
    naive = naive_f.size > 0
    if naive:
        nf = naive_f[lo:lo + n]
        nd = naive_d[lo:lo + n]
        for j in range(n):
            rf = f[j]
            rd = d[j]
            of = np.float32(rf)
            od = np.float32(rd)
            b0[j] = _error(of, rf, of)
            b1[j] = _error(od, rd, od)
            b2[j] = _error(nf[j], rf, of)
            b3[j] = _error(nd[j], rd, od)
    else:
        for j in range(n):
            rf = f[j]
            rd = d[j]
            of = np.float32(rf)
            od = np.float32(rd)
            b0[j] = _error(of, rf, of)
            b1[j] = _error(od, rd, od)
    t0 = _block_sum(b0, n)
    t1 = _block_sum(b1, n)
    _track(b0, n, lo, stats, 0, t0)
    _track(b1, n, lo, stats, 1, t1)
    t2 = t3 = 0.0
    if naive:
        t2 = _block_sum(b2, n)
        t3 = _block_sum(b3, n)
        _track(b2, n, lo, stats, 2, t2)
        _track(b3, n, lo, stats, 3, t3)
    return t0, t1, t2, t3


_F64 = types.float64[::1]
_F32 = types.float32[::1]
_M64 = types.float64[:, ::1]


@nb.njit(types.UniTuple(types.float64, 4)(_F64, _F64, _F32, _F32, types.int64, types.int64, _M64, _M64),
         nogil=True, cache=True, error_model="numpy")
def _pairwise(ref_f, ref_d, naive_f, naive_d, lo, n, buf, stats):
    """The four series' sums over [lo, lo + n), split as numpy's pairwise sum splits them."""
    if n <= _PW_BLOCK:
        return _block(ref_f, ref_d, naive_f, naive_d, lo, n, buf, stats)
    half = n // 2
    half -= half % 8
    a = _pairwise(ref_f, ref_d, naive_f, naive_d, lo, half, buf, stats)
    b = _pairwise(ref_f, ref_d, naive_f, naive_d, lo + half, n - half, buf, stats)
    return a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]


@nb.njit(nogil=True, cache=True, error_model="numpy")
def summarise_float32(ref_f, ref_d, naive_f, naive_d, stats):
    """Each series' (sum, maximum, index of its first maximum) into ``stats[s]`` (s as in
    :func:`judge_float32`; the textbook's only where ``naive_f`` is not empty), without
    writing the errors out. True where every error is finite; where one is not, the sums
    are not finite either and the chunk is :func:`judge_float32`'s."""
    buf = np.empty((4, _PW_BLOCK))
    for s in range(4):
        stats[s, 1] = -1.0
        stats[s, 2] = 0.0
    t = _pairwise(ref_f, ref_d, naive_f, naive_d, 0, ref_f.size, buf, stats)
    ok = True
    for s in range(4 if naive_f.size > 0 else 2):
        stats[s, 0] = t[s]
        ok = ok and np.isfinite(t[s])
    return ok
