"""Where an activation's gradient vanishes: dead and saturated shares, and the saturation onset.

Over an interval [lo, hi] and for a threshold τ:

- dead share: the fraction of the interval's length where f' is exactly 0 in float64 (so
  sigmoid's tails beyond |x| ≈ 745, where σ' underflows, count as dead: no gradient flows);
- saturated share: the fraction where 0 < |f'| < τ;
- onset: on each side of 0, the x nearest 0 where |f'| crosses τ.

The grid only brackets the boundaries. Each boundary is then located to about 1e-14
(``brentq`` on |f'| − τ from the analytic derivative; bisection for the edge of an
exactly-zero region), so the shares are lengths, not point counts: relu's dead share
on [-6, 6] is 0.5 exactly, not 601/1201. A boundary within rounding of a kink is put on
the kink. Features narrower than one grid step can be missed; more points find them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..errors import UsageError
from ..registry import BoundActivation, get
from ..sampling import DEFAULT_POINTS, DEFAULT_RANGE, grid

DEFAULT_THRESHOLD = 0.01


@dataclass(frozen=True)
class Saturation:
    """Dead and saturated shares of an interval, and the saturation onset on each side of 0."""

    # the threshold τ: |f'| below it (and above 0) counts as saturated
    threshold: float
    # the interval and the grid that bracketed the boundaries
    range: tuple[float, float]
    points: int
    # fractions of the interval's length where f' == 0, and where 0 < |f'| < τ
    dead_share: float
    saturated_share: float
    # (left, right): the crossing of |f'| = τ nearest 0 on each side, None where there is none
    onset: tuple[float | None, float | None]
    # every crossing of |f'| = τ in the interval, ascending
    crossings: tuple[float, ...] = ()


def check_threshold(tau: float) -> float:
    tau = float(tau)
    if not math.isfinite(tau) or tau < 0:
        raise UsageError(f"saturation threshold must be a finite number >= 0, not {tau:g}")
    return tau


def _tolerance(x: float) -> float:
    return 4e-16 * max(1.0, abs(x))


def _snap(x: float, kinks: tuple[float, ...]) -> float:
    for k in kinks:
        if abs(x - k) <= 1e-9 * max(1.0, abs(k)):
            return k
    return x


def _bisect(inside: Callable[[float], bool], a: float, b: float) -> float:
    """The boundary in [a, b] between ``inside(a)`` and ``not inside(a)``, by bisection."""
    left = inside(a)
    for _ in range(200):
        if b - a <= _tolerance(a) + _tolerance(b):
            break
        mid = 0.5 * (a + b)
        if inside(mid) == left:
            a = mid
        else:
            b = mid
    return 0.5 * (a + b)


def _boundaries(mask: np.ndarray, x: np.ndarray, locate: Callable[[float, float], float]) -> list[tuple[float, bool]]:
    """Each change of ``mask`` between neighbouring grid points, located in its cell.

    Returns (position, whether the set lies to the left of it).
    """
    out = []
    for i in np.flatnonzero(mask[:-1] != mask[1:]):
        out.append((locate(float(x[i]), float(x[i + 1])), bool(mask[i])))
    return out


def _share(part: float, length: float, slack: float) -> float:
    """part / length, exactly 0 or 1 when part is within ``slack`` of 0 or of length."""
    if part <= slack:
        return 0.0
    if part >= length - slack:
        return 1.0
    return float(part / length)


def _measure(mask: np.ndarray, x: np.ndarray, bounds: list[tuple[float, bool]]) -> float:
    """Length of the set that ``mask`` samples on ``x``, with its edges at ``bounds``."""
    total = float(np.sum(np.diff(x)[mask[:-1] & mask[1:]]))
    cells = np.flatnonzero(mask[:-1] != mask[1:])
    for i, (b, left_inside) in zip(cells, bounds, strict=True):
        total += (b - x[i]) if left_inside else (x[i + 1] - b)
    return float(total)


def saturation(
    act: BoundActivation | str,
    range: tuple[float, float] = DEFAULT_RANGE,
    points: int = DEFAULT_POINTS,
    threshold: float = DEFAULT_THRESHOLD,
) -> Saturation:
    """Dead share, saturated share and onset of ``act`` over ``range`` for threshold τ."""
    from scipy.optimize import brentq

    act = get(act)
    tau = check_threshold(threshold)
    x = grid(*range, points)
    lo, hi = float(x[0]), float(x[-1])
    kinks = act.kinks
    absd = np.abs(np.asarray(act.derivative(x), dtype=np.float64))

    def slope(t: float) -> float:
        return float(abs(act.derivative(np.float64(t))))

    def gap(t: float) -> float:
        return slope(t) - tau

    dead = absd == 0
    below = absd < tau  # empty when tau == 0

    def locate_dead(a: float, b: float) -> float:
        return _snap(_bisect(lambda t: slope(t) == 0.0, a, b), kinks)

    def locate_crossing(a: float, b: float) -> float:
        ga, gb = gap(a), gap(b)
        if ga == 0.0:
            return a
        if gb == 0.0:
            return b
        # brentq closes in on a jump too (a kink where f' steps across τ); snap it there
        root = brentq(gap, a, b, xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=500)
        return _snap(float(root), kinks)

    dead_bounds = _boundaries(dead, x, locate_dead)
    below_bounds = _boundaries(below, x, locate_crossing)
    length = hi - lo
    dead_len = _measure(dead, x, dead_bounds)
    below_len = _measure(below, x, below_bounds) if tau > 0 else dead_len
    # each located boundary is good to about _tolerance(x): lengths within that many of 0 or
    # of the whole interval are rounding (abs(sin(x)): three zeros of f', no dead length)
    slack = 4.0 * (len(dead_bounds) + len(below_bounds) + 2) * _tolerance(max(abs(lo), abs(hi)))
    dead_share = _share(dead_len, length, slack)
    saturated_share = _share(below_len - dead_len, length, slack) if tau > 0 else 0.0

    left: float | None = None
    right: float | None = None
    for b, below_on_left in below_bounds:
        on_left = b < 0 or (b == 0 and below_on_left)
        if on_left:
            left = b if left is None else max(left, b)
        else:
            right = b if right is None else min(right, b)
    return Saturation(
        threshold=tau,
        range=(lo, hi),
        points=len(x),
        dead_share=dead_share,
        saturated_share=saturated_share,
        onset=(left, right),
        crossings=tuple(sorted(b for b, _ in below_bounds)),
    )
