"""Errors in units in the last place (ULPs) against a high-precision reference."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence

import numpy as np

#: mpmath working precision for references: 60 decimal digits (float64 carries about 16).
MP_DPS = 60
#: Held while mpmath works at MP_DPS: its precision is one setting for the whole process, so
#: a thread leaving workdps would drop another's computation to 15 digits (chunks on threads).
MP_LOCK = threading.RLock()


def ulp_error(got: np.ndarray, ref: Sequence, dtype=np.float64) -> np.ndarray:
    """|got - ref| / ulp(ref) for each element, with ref given as mpmath numbers.

    The ULP is the spacing of ``dtype`` at the reference value rounded to ``dtype``
    (at 0, the smallest subnormal), so subnormal results are judged by the subnormal
    spacing. Infinite or NaN references count 0 where ``got`` matches them exactly.
    """
    import mpmath as mp

    got = np.asarray(got, dtype=np.float64).ravel()
    out = np.empty(len(got))
    tiny = float(np.finfo(dtype).smallest_subnormal)
    for i, (g, r) in enumerate(zip(got, ref, strict=True)):
        if not mp.isfinite(r):
            same = (math.isnan(g) and mp.isnan(r)) or (math.isinf(g) and float(r) == g)
            out[i] = 0.0 if same else math.inf
            continue
        with np.errstate(over="ignore"):
            rounded = abs(float(dtype(float(r))))
        if not math.isfinite(g):
            # inf is the correct rounding of a true value beyond the dtype's largest one
            beyond = math.isinf(rounded) and (g > 0) == (r > 0)
            out[i] = 0.0 if math.isinf(g) and beyond else math.inf
            continue
        rounded = min(rounded, float(np.finfo(dtype).max))  # a finite result near the top
        spacing = float(np.spacing(dtype(rounded))) if rounded > 0 else tiny
        spacing = max(spacing, tiny)
        out[i] = float(abs(mp.mpf(g) - r) / spacing)
    return out


def mp_values(fn: Callable, xs: np.ndarray, dps: int = MP_DPS, **params) -> tuple[list, list]:
    """The reference (f, f') at each float64 x, at ``dps`` digits."""
    import mpmath as mp

    with MP_LOCK, mp.workdps(dps):
        pairs = [fn(mp.mpf(float(x)), **params) for x in np.asarray(xs, dtype=np.float64).ravel()]
        return [mp.mpf(p[0]) for p in pairs], [mp.mpf(p[1]) for p in pairs]
