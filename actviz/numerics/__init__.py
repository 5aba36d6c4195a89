"""Stable building blocks shared by the catalogue's definitions.

Each helper is accurate to a few ULPs over the whole float64 range and raises no
floating-point warning for finite input. The reason for each form is one line above it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

Array = np.ndarray

# Veltkamp's splitter for float64: 2**27 + 1.
_SPLIT = 134217729.0
# Above this |a| the splitter's product would overflow; inputs there never need the split.
_SPLIT_LIMIT = 2.0**995


def two_product(a: Array, b: Array | float) -> tuple[Array, Array]:
    """a*b as an unevaluated sum hi + lo, exactly (Dekker); lo is 0 where |a| or |b| is huge."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    hi = a * b
    safe_a = np.where(np.abs(a) < _SPLIT_LIMIT, a, 0.0)
    safe_b = np.where(np.abs(b) < _SPLIT_LIMIT, b, 0.0)
    ca = _SPLIT * safe_a
    a_hi = ca - (ca - safe_a)
    a_lo = safe_a - a_hi
    cb = _SPLIT * safe_b
    b_hi = cb - (cb - safe_b)
    b_lo = safe_b - b_hi
    lo = ((a_hi * b_hi - safe_a * safe_b) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    lo = np.where(np.isfinite(hi), lo, 0.0)
    return hi, lo


def exp_sum(hi: Array, lo: Array) -> Array:
    """exp(hi + lo) for |lo| <= ulp(hi): exp(hi) * (1 + lo), keeping the bits rounding hi lost."""
    return np.exp(hi) * (1.0 + lo)


def sigmoid(x: Array) -> Array:
    """1/(1+e^-x) through e^-|x|, which cannot overflow."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0, e) / (1.0 + e)


def sigmoid_prime(x: Array) -> Array:
    """σ(x)σ(-x) = e^-|x|/(1+e^-|x|)²: keeps relative accuracy where s*(1-s) rounds to 0."""
    e = np.exp(-np.abs(x))
    return e / ((1.0 + e) * (1.0 + e))


def sigmoid_second(x: Array) -> Array:
    """σ'(x)(1-2σ(x)) = σ'(x)·tanh(-x/2), with both factors stable."""
    return sigmoid_prime(x) * np.tanh(-0.5 * x)


def softplus(x: Array) -> Array:
    """ln(1+e^x) = max(x,0) + log1p(e^-|x|): exact in both tails, no overflow."""
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def sech2(x: Array) -> Array:
    """1 - tanh² = 4e/(1+e)² with e = e^-2|x|: 1 - tanh(x)**2 is 0 long before the truth is."""
    # |x| is capped first: 2|x| overflows for |x| > 9e307, and e^-2000 is 0 anyway.
    e = np.exp(-2.0 * np.minimum(np.abs(x), 1e3))
    return 4.0 * e / ((1.0 + e) * (1.0 + e))


def cases(*rows: tuple[str, str]) -> str:
    """Mathtext for a piecewise definition, from rows of (value, condition).

    Mathtext has no ``cases`` environment: two rows are stacked with ``genfrac`` under
    a brace; more rows would not align, so they are written on one line.
    """
    if len(rows) == 2:
        (v1, c1), (v2, c2) = rows
        row = r"%s,\ \ \mathrm{if}\ %s"
        return r"\left\{\genfrac{}{}{0}{0}{%s}{%s}\right." % (row % (v1, c1), row % (v2, c2))
    return r",\;\; ".join(r"%s \; (%s)" % row for row in rows)


def zeros_like(x: Array, **_: object) -> Array:
    """A derivative that is 0 everywhere (f'' of piecewise-linear functions)."""
    return np.zeros_like(np.asarray(x, dtype=np.float64))


def ones_like(x: Array, **_: object) -> Array:
    return np.ones_like(np.asarray(x, dtype=np.float64))


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
