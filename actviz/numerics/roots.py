"""Roots of many bracketed functions at once, and where a predicate changes its value."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np


def bracketed_roots(g: Callable[[np.ndarray, np.ndarray], np.ndarray], lo, hi, rows=None) -> np.ndarray:
    """Roots of ``g(x, rows)`` in each bracket [lo, hi] where g changes sign, to adjacent floats.

    The brackets are solved together, one evaluation of ``g`` on the rows still open per
    step (``rows`` names them, for a ``g`` that depends on the row; by default 0..n-1), by
    the Illinois variant of regula falsi: superlinear, so a dozen steps where bisection takes
    fifty, with a halving step for a row whose bracket did not at least halve in its last
    step. A jump across 0 (a kink) is closed in on like a root.
    """
    lo, hi = np.array(lo, dtype=np.float64, ndmin=1), np.array(hi, dtype=np.float64, ndmin=1)
    rows = np.arange(lo.size) if rows is None else np.asarray(rows)
    g_lo, g_hi = np.asarray(g(lo, rows), dtype=np.float64), np.asarray(g(hi, rows), dtype=np.float64)
    done = (g_lo == 0) | (g_hi == 0)
    hi[g_lo == 0] = lo[g_lo == 0]
    lo[g_hi == 0] = hi[g_hi == 0]
    halve = np.zeros(lo.size, dtype=bool)
    side = np.zeros(lo.size, dtype=np.int8)  # which end the last step kept: -1 lo, +1 hi
    for _ in range(1100):
        mid = 0.5 * (lo + hi)
        active = ~done & (mid > np.minimum(lo, hi)) & (mid < np.maximum(lo, hi))
        if not active.any():
            break
        idx = np.flatnonzero(active)
        a, b, ga, gb = lo[idx], hi[idx], g_lo[idx], g_hi[idx]
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            m = (a * gb - b * ga) / (gb - ga)
        inside = np.isfinite(m) & (m > np.minimum(a, b)) & (m < np.maximum(a, b))
        m = np.where(inside & ~halve[idx], m, mid[idx])
        gm = np.asarray(g(m, rows[idx]), dtype=np.float64)
        width = np.abs(b - a)
        # the end that has g's sign at lo moves to m; the other is kept
        move_lo = np.sign(gm) == np.sign(ga)
        kept = np.where(move_lo, 1, -1).astype(np.int8)
        # Illinois: an end kept twice running has its g halved, so the next point leaves it
        again = kept == side[idx]
        gb = np.where(move_lo & again, 0.5 * gb, gb)
        ga = np.where(~move_lo & again, 0.5 * ga, ga)
        a = np.where(move_lo, m, a)
        ga = np.where(move_lo, gm, ga)
        b = np.where(move_lo, b, m)
        gb = np.where(move_lo, gb, gm)
        exact = gm == 0
        a[exact] = b[exact] = m[exact]
        lo[idx], hi[idx], g_lo[idx], g_hi[idx], side[idx] = a, b, ga, gb, kept
        halve[idx] = np.abs(b - a) > 0.5 * width
        done[idx] = exact
    return 0.5 * (lo + hi)


def predicate_edge(inside: Callable[[float], bool], a: float, b: float) -> tuple[float, float]:
    """Where ``inside`` stops holding its value at ``a`` on the way to ``b``: (p, q), adjacent
    floats (or as close as halving gets), with p on a's side and q on b's.

    A bracket whose ends share a sign and differ by more than a factor 2 is split at the
    geometric mean, so a boundary near 1e300 is reached in tens of steps, not a thousand.
    """
    left = inside(a)
    for _ in range(400):
        if a != 0.0 and b != 0.0 and (a > 0) == (b > 0) and max(abs(a), abs(b)) > 2 * min(abs(a), abs(b)):
            mid = math.copysign(math.sqrt(abs(a)) * math.sqrt(abs(b)), a)
        else:
            mid = 0.5 * (a + b)
        if mid in (a, b):
            break
        if inside(mid) == left:
            a = mid
        else:
            b = mid
    return a, b


#: Newton's steps stop once the error they leave is estimated below this share of the root.
_NEWTON_RTOL = 2.0 * np.finfo(np.float64).eps


def newton_roots(
    g: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
    lo,
    hi,
    x0,
    rows=None,
    sign_lo=None,
    curvature=None,
) -> np.ndarray:
    """Roots of many functions at once by Newton's method, each kept inside its bracket [lo, hi].

    ``g(x, rows)`` returns the values and slopes at x for the rows named (by default 0..n-1);
    ``sign_lo`` is the sign of g at lo (looked up when not given) and x0 the starting points.
    Each evaluation narrows the bracket; a step that would leave it, or that shrinks less
    than half as fast as the one before, bisects instead, so every root is found. A row stops
    once its last step's error, about K·step² with K = |g''|/(2|g'|), is below 2 ulp of the
    root: K comes from the slopes of the last two iterates, or at the first step from
    ``curvature`` (an estimate of |g''|/2) where one is given. One evaluation a row usually
    suffices from a start good to 1e-8.
    """
    lo, hi = np.array(lo, dtype=np.float64, ndmin=1), np.array(hi, dtype=np.float64, ndmin=1)
    x = np.array(x0, dtype=np.float64, ndmin=1)
    rows = np.arange(lo.size) if rows is None else np.asarray(rows)
    if sign_lo is None:
        sign_lo = np.sign(np.asarray(g(lo, rows)[0], dtype=np.float64))
    sign_lo = np.array(np.broadcast_to(sign_lo, lo.shape), dtype=np.float64)
    half_k = np.full(lo.size, np.nan) if curvature is None else np.array(np.broadcast_to(curvature, lo.shape), dtype=np.float64)
    last_x, last_slope = np.full(lo.size, np.nan), np.full(lo.size, np.nan)
    last_step = np.abs(hi - lo)
    open_ = np.ones(lo.size, dtype=bool)
    for _ in range(200):
        idx = np.flatnonzero(open_)
        if not idx.size:
            break
        xi = x[idx]
        value, slope = (np.asarray(v, dtype=np.float64) for v in g(xi, rows[idx]))
        a, b = lo[idx], hi[idx]
        same = np.sign(value) == sign_lo[idx]
        a, b = np.where(same, xi, a), np.where(same, b, xi)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            step = value / slope
            new = xi - step
            # K from the change of slope since the last iterate, else from the caller's estimate
            k = np.abs(slope - last_slope[idx]) / (2.0 * np.abs(xi - last_x[idx]) * np.abs(slope))
            k = np.where(np.isfinite(k), k, half_k[idx] / np.abs(slope))
            small = k * step * step <= _NEWTON_RTOL * np.abs(new)
        inside = np.isfinite(new) & (new > np.minimum(a, b)) & (new < np.maximum(a, b))
        newton = inside & (np.abs(step) <= 0.5 * last_step[idx])
        new = np.where(newton, new, 0.5 * (a + b))
        done = (value == 0) | (newton & small) | (np.abs(b - a) <= 4.0 * np.finfo(np.float64).eps * np.abs(new))
        new = np.where(value == 0, xi, new)
        x[idx], lo[idx], hi[idx] = new, a, b
        last_step[idx] = np.abs(new - xi)
        last_x[idx], last_slope[idx] = xi, slope
        open_[idx] = ~done
    return x
