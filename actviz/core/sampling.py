"""The grid an activation is sampled on, and the sample: the data every table, figure and
statistic starts from."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import UsageError
from .bound import BoundActivation

DEFAULT_RANGE = (-6.0, 6.0)
DEFAULT_POINTS = 1201
#: More points than this would not fit comfortably in memory (8 arrays of float64).
MAX_POINTS = 50_000_000


@dataclass(frozen=True)
class Sample:
    """An activation sampled on ``x``: f, f' and, where asked, f'' and the numeric f'."""

    activation: BoundActivation
    x: np.ndarray
    f: np.ndarray
    df: np.ndarray
    d2f: np.ndarray | None = None
    df_numeric: np.ndarray | None = None

    @property
    def spec(self) -> str:
        return self.activation.spec


def check_range(lo: float, hi: float) -> tuple[float, float]:
    """Validate an x interval; :class:`UsageError` for NaN, infinite, reversed or empty ones."""
    lo, hi = float(lo), float(hi)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise UsageError(f"range must be finite, not [{lo:g}, {hi:g}]")
    if lo >= hi:
        raise UsageError(f"range minimum must be below its maximum, not [{lo:g}, {hi:g}]")
    if not math.isfinite(hi - lo):  # the grid's step would overflow
        raise UsageError(f"range too wide: its length overflows float64 ([{lo:g}, {hi:g}])")
    return lo, hi


def check_points(points: int) -> int:
    if isinstance(points, bool) or int(points) != points:
        raise UsageError(f"points must be a whole number, not {points!r}")
    points = int(points)
    if points < 2:
        raise UsageError(f"points must be at least 2, not {points}")
    if points > MAX_POINTS:
        raise UsageError(f"points must be at most {MAX_POINTS:,}, not {points:,}")
    return points


def grid(lo: float, hi: float, points: int) -> np.ndarray:
    """``points`` evenly spaced x in [lo, hi]; x = 0 lands exactly on 0 when it is a grid point."""
    lo, hi = check_range(lo, hi)
    x = np.linspace(lo, hi, check_points(points))
    # linspace can give 1e-16 instead of 0: snap values within rounding of 0 so kinks at 0 are hit.
    step = (hi - lo) / (len(x) - 1)
    x[np.abs(x) < step * 1e-9] = 0.0
    return x
