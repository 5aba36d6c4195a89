"""The five-point finite-difference stencil: its step, its formula and how far it reaches.

f'(x) ≈ (f(x - 2h) - 8 f(x - h) + 8 f(x + h) - f(x + 2h)) / 12h, with truncation error
O(h⁴). The step is eps**(1/5), which balances that truncation against rounding (about 1e-11
relative), scaled by max(1, √|x|, 1e-5·|x|): large enough that x ± h stays resolvable and
rounding in f(x ± h) ≈ x is small, yet not so large that an exponential at x = 700 is
differenced over a whole unit.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Array = np.ndarray

_EPS_FIFTH = np.finfo(np.float64).eps ** 0.2


def step(x: Array) -> Array:
    """The stencil's step h at each x."""
    ax = np.abs(np.asarray(x, dtype=np.float64))
    return _EPS_FIFTH * np.maximum(np.maximum(1.0, np.sqrt(ax)), 1e-5 * ax)


def reach(x: Array) -> Array:
    """How far the stencil at x looks: x ± 2h, and a hair more for the rounding of x ± 2h."""
    return 2 * step(x) * (1 + 1e-6)


def five_point(fn: Callable[[Array], Array], x: Array) -> Array:
    """The five-point derivative of ``fn`` at float64 ``x``; NaN where x is not finite."""
    x = np.asarray(x, dtype=np.float64)
    h = step(x)
    with np.errstate(invalid="ignore", over="ignore"):
        xp1, xm1 = x + h, x - h
        xp2, xm2 = x + 2 * h, x - 2 * h
        h1 = (xp1 - xm1) / 2  # the step actually taken, after rounding
        vals = [np.asarray(fn(v), dtype=np.float64) for v in (xm2, xm1, xp1, xp2)]
        out = (vals[0] - 8 * vals[1] + 8 * vals[2] - vals[3]) / (12 * h1)
    return np.where(np.isfinite(x), out, np.nan)
