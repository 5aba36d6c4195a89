"""The float32 audit's judge compiled (numba, the `fast` extra): one pass over a chunk.

For each float32 value it rounds the float64 reference f and f' to float32, reads the ULP
off the rounded value's bits and computes the four series' errors (actviz's f and f', the
textbook's f and f'), in one vectorised pass where the numpy judge of :mod:`.accuracy`
makes some twenty; it also counts the non-finite errors, so that the reductions after it
(:meth:`~actviz.analysis.accuracy.Part.of`, numpy's sum and argmax) skip the check when
there are none. The errors are the numpy judge's to the bit, and so is the audit's result.

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
def _spacing32(r):
    """ULP of a float32 value as float64: 2^(max(e, 1) - 127 - 23) for biased exponent e."""
    e = (np.int64(_float32_bits(r)) >> 23) & 0xFF
    e = max(e, np.int64(1))
    return _bits_to_float((e + (1023 - 127 - 23)) << 52)


@nb.njit(inline="always")
def _error(got, ref, rounded):
    """The error of float32 ``got`` against float64 ``ref`` in ULPs of ``rounded`` (inf where
    got is wrongly non-finite, 0 where it is the same inf or NaN as ``rounded``)."""
    g = np.float64(got)
    err = abs(g - ref) / _spacing32(rounded)
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
