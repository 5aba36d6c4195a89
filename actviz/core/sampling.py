"""The grid an activation is sampled on, and the sample: the data every table, figure and
statistic starts from."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .bound import BoundActivation
from .options import DEFAULT_POINTS, DEFAULT_RANGE, check_points, check_range  # noqa: F401 (the defaults are sampling's too)


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


def grid(lo: float, hi: float, points: int) -> np.ndarray:
    """``points`` evenly spaced x in [lo, hi]; x = 0 lands exactly on 0 when it is a grid point."""
    lo, hi = check_range(lo, hi)
    x = np.linspace(lo, hi, check_points(points))
    # linspace can give 1e-16 instead of 0: snap values within rounding of 0 so kinks at 0 are hit.
    step = (hi - lo) / (len(x) - 1)
    x[np.abs(x) < step * 1e-9] = 0.0
    return x
