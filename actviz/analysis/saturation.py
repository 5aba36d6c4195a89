"""Where an activation's gradient vanishes: dead and saturated regions, the saturation onset,
and the stationary points.

Over an interval [lo, hi] and for a threshold τ:

- dead: where f' is exactly 0 in float64 (so sigmoid's tails beyond |x| ≈ 745, where σ'
  underflows, count as dead: no gradient flows);
- saturated: the tails' vanishing gradient. On each side, the onset is the x beyond which
  0 < |f'| < τ holds (f' = 0 counts as dead, not saturated) out to that end of the interval;
  the saturated region is what lies beyond the onsets and is not dead. A dip of |f'| below τ
  inside the interval (gelu, silu and mish near the root of f') is not saturation;
- stationary points: the interior zeros (and sign changes) of f' outside the dead regions,
  with f there: gelu's minimum at x ≈ -0.7518, x² at 0.

The grid only brackets the boundaries. Each boundary is then located to adjacent floats
(regula falsi on |f'| − τ from the analytic derivative, every cell at once; bisection for the edge of an
exactly-zero region), so the shares are lengths, not point counts: relu's dead share
on [-6, 6] is 0.5 exactly, not 601/1201. A boundary within rounding of a kink is put on
the kink. Features narrower than one grid step can be missed; more points find them.
Figures shade exactly these regions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..core.bound import BoundActivation
from ..core.options import check_threshold
from ..core.sampling import DEFAULT_POINTS, DEFAULT_RANGE, grid
from ..numerics import bracketed_roots, predicate_edge
from ..registry import get

DEFAULT_THRESHOLD = 0.01

Intervals = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Saturation:
    """Dead and saturated regions of an interval, the onsets, and the stationary points."""

    # the threshold τ: |f'| below it (and above 0) out to an end of the interval is saturated
    threshold: float
    # the interval and the grid that bracketed the boundaries
    range: tuple[float, float]
    points: int
    # fractions of the interval's length that are dead and saturated
    dead_share: float
    saturated_share: float
    # (left, right): where the saturated tail on that side begins, None where there is none
    onset: tuple[float | None, float | None]
    # the regions themselves, ascending (x intervals, for shading)
    dead: Intervals = ()
    saturated: Intervals = ()
    # (x, f(x)) where f' vanishes or changes sign outside the dead regions, ascending
    stationary: tuple[tuple[float, float], ...] = ()


def _tolerance(x: float) -> float:
    return 4e-16 * max(1.0, abs(x))


def _snap(x: float, kinks: tuple[float, ...]) -> float:
    for k in kinks:
        if abs(x - k) <= 1e-9 * max(1.0, abs(k)):
            return k
    return x


def _runs(mask: np.ndarray, x: np.ndarray, locate: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Intervals:
    """The intervals that ``mask`` samples on ``x``, each edge between grid points located in
    its cell (``locate`` takes the cells' ends, all at once); a run that reaches an end of
    the grid ends there."""
    out = []
    changes = np.flatnonzero(mask[:-1] != mask[1:])
    edges = locate(x[changes], x[changes + 1]) if changes.size else []
    start = float(x[0]) if mask[0] else None
    for i, edge in zip(changes, edges, strict=True):
        edge = float(edge)
        if mask[i]:
            out.append((start, edge))
            start = None
        else:
            start = edge
    if start is not None:
        out.append((start, float(x[-1])))
    return tuple((a, b) for a, b in out if b > a)


def _subtract(regions: Intervals, holes: Intervals) -> Intervals:
    """``regions`` less ``holes`` (both ascending and disjoint)."""
    out = []
    for a, b in regions:
        for ha, hb in holes:
            if hb <= a or ha >= b:
                continue
            if ha > a:
                out.append((a, ha))
            a = max(a, hb)
        if b > a:
            out.append((a, b))
    return tuple(out)


def _share(part: float, length: float, slack: float) -> float:
    """part / length, exactly 0 or 1 when part is within ``slack`` of 0 or of length."""
    if part <= slack:
        return 0.0
    if part >= length - slack:
        return 1.0
    return float(part / length)


def saturation(
    act: BoundActivation | str,
    range: tuple[float, float] = DEFAULT_RANGE,
    points: int = DEFAULT_POINTS,
    threshold: float = DEFAULT_THRESHOLD,
) -> Saturation:
    """Dead and saturated regions, onsets and stationary points of ``act`` over ``range``."""
    act = get(act).elementwise
    tau = check_threshold(threshold)
    x = grid(*range, points)
    lo, hi = float(x[0]), float(x[-1])
    kinks = act.kinks
    df = np.asarray(act.derivative(x), dtype=np.float64)
    absd = np.abs(df)

    def slope(t: float) -> float:
        return float(act.derivative(np.float64(t)))

    def roots(fn: Callable[[np.ndarray], np.ndarray], a: np.ndarray, b: np.ndarray) -> list[float]:
        # all cells at once; a jump across 0 (a kink where f' steps across) is closed in on
        # like a root, and snapped onto the kink
        found = bracketed_roots(lambda t, _rows: fn(t), a, b)
        return [_snap(float(r), kinks) for r in found]

    def locate_dead(a: np.ndarray, b: np.ndarray) -> list[float]:
        return [_snap(0.5 * sum(predicate_edge(lambda t: slope(t) == 0.0, float(p), float(q))), kinks)
                for p, q in zip(a, b, strict=True)]

    def locate_crossing(a: np.ndarray, b: np.ndarray) -> list[float]:
        return roots(lambda t: np.abs(np.asarray(act.derivative(t), dtype=np.float64)) - tau, a, b)

    with np.errstate(invalid="ignore"):
        dead_mask = absd == 0
        below = absd < tau  # empty when tau == 0; NaN is neither dead nor below
    # a run as narrow as its located edges' rounding is an isolated zero of f' (x² at 0, or
    # hard_swish at -1.5 on the grid): a stationary point, not a dead region
    dead = tuple((a, b) for a, b in _runs(dead_mask, x, locate_dead)
                 if b - a > 8 * _tolerance(max(abs(a), abs(b))))
    below_runs = _runs(below, x, locate_crossing)
    # the tails: a run of |f'| < τ that reaches an end of the interval
    tails = tuple(r for r in below_runs if r[0] == lo or r[1] == hi)
    left = next((b for a, b in tails if a == lo and b < hi), None)
    right = next((a for a, b in tails if b == hi and a > lo), None)
    saturated = _subtract(tails, dead)

    length = hi - lo
    # each located boundary is good to about _tolerance(x): lengths within that many of 0 or
    # of the whole interval are rounding (abs(sin(x)): three zeros of f', no dead length)
    slack = 4.0 * (2 * len(dead) + 2 * len(below_runs) + 2) * _tolerance(max(abs(lo), abs(hi)))
    dead_share = _share(sum(b - a for a, b in dead), length, slack)
    saturated_share = _share(sum(b - a for a, b in saturated), length, slack)
    if dead_share == 0.0:
        dead = ()
    if saturated_share == 0.0:
        saturated = ()

    return Saturation(
        threshold=tau,
        range=(lo, hi),
        points=len(x),
        dead_share=dead_share,
        saturated_share=saturated_share,
        onset=(left, right),
        dead=dead,
        saturated=saturated,
        stationary=_stationary(act, x, df, dead, lambda a, b: roots(act.derivative, a, b)),
    )


def _stationary(act: BoundActivation, x: np.ndarray, df: np.ndarray, dead: Intervals,
                locate: Callable[[np.ndarray, np.ndarray], list[float]]) -> tuple[tuple[float, float], ...]:
    """(x, f(x)) at each zero or sign change of f' on the grid that is not in a dead region."""
    found = []
    zero = df == 0
    # a grid point where f' = 0 with f' nonzero on both sides
    for i in np.flatnonzero(zero[1:-1]) + 1:
        if not zero[i - 1] and not zero[i + 1]:
            found.append(float(x[i]))
    with np.errstate(invalid="ignore"):
        change = np.flatnonzero(np.sign(df[:-1]) * np.sign(df[1:]) < 0)
    if change.size:
        found.extend(locate(x[change], x[change + 1]))
    out = []
    for t in sorted(found):
        if any(a <= t <= b for a, b in dead):
            continue
        out.append((t + 0.0, float(act(np.float64(t))) + 0.0))
    return tuple(out)
