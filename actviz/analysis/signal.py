"""Mean-field signal propagation through a deep random network.

A fully connected network with weights W_ij ~ N(0, σ_w²/N) and biases b_i ~ N(0, σ_b²)
has, as its width N grows, Gaussian pre-activations at every layer (Poole et al. 2016,
arXiv:1606.05340; Schoenholz et al. 2017, arXiv:1611.01232). Their variance follows the
*length map*

    q_{l+1} = Q(q_l) = σ_w² E[f(√q_l z)²] + σ_b²,      z ~ N(0, 1),

whose attracting fixed point is q*. Two inputs whose pre-activations have correlation c
follow the *correlation map*

    c_{l+1} = C(c_l) = (σ_w² E[f(u₁) f(u₂)] + σ_b²) / q*,

(u₁, u₂) Gaussian with variance q* and correlation c. c = 1 is always a fixed point; its
slope there, χ = σ_w² E[f'(√q* z)²], is also the factor by which squared gradients grow
per layer: χ < 1 is the ordered phase (nearby inputs converge, gradients vanish), χ > 1
the chaotic one (they decorrelate to c* < 1, gradients explode), χ = 1 the edge of chaos.
Deviations from the fixed points decay as e^(-l/ξ): ξ_q = -1/ln Q'(q*) and
ξ_c = -1/ln χ_c, χ_c = σ_w² E[f'(u₁) f'(u₂)] at c* (equal to χ where c* = 1).

Every expectation is the composite Gauss-Legendre rule of
:func:`actviz.analysis.quadrature.rule`, vectorised over a batch of variances, with f and f'
evaluated once for all the moments a step needs. Every mean here is 0, so a moment depends on
q alone: the length map's fixed points are bracketed on one table of E[f(√q z)²] per
activation (a whole phase diagram walks the same table) and found by Newton's method with the
exact slope, usually in one evaluation. The correlation map evaluates all its c at once, and
c* is found by Newton's method with Price's slope.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..core.bound import BoundActivation
from ..core.options import check_network, check_seed, check_sigmas
from ..errors import UsageError
from ..numerics import bracketed_roots, newton_roots
from ..registry import get
from .quadrature import T_MAX, expect_many, rule, weighted_sum

#: |χ - 1| below this counts as critical.
CRITICAL_TOL = 1e-6
#: q above this counts as unbounded growth of the pre-activation variance.
Q_MAX = 1e15
#: q below this is the fixed point q* = 0 (expectations there are taken as q -> 0+).
Q_MIN = 1e-30
_Q_FLOOR = 1e-200


def check_elementwise(act: BoundActivation) -> BoundActivation:
    """``act`` if signal propagation can take it (elementwise and continuous), else a
    :class:`UsageError` saying why."""
    if act.is_gated:
        raise UsageError(
            f"signal propagation needs an elementwise activation; {act.name} is a gated unit of two "
            "inputs, f(a, b), which the mean-field maps of one pre-activation do not describe"
        )
    if act.is_vector:
        raise UsageError(
            f"signal propagation needs an elementwise activation; {act.name} acts on a whole vector"
        )
    if act.properties is not None and act.properties.smoothness == "discontinuous":
        # f' is 0 beside a jump but the jump is a delta in f': χ and C'(1) would come out as 0
        raise UsageError(
            f"signal propagation needs a continuous activation; {act.label} jumps "
            f"(at x = {', '.join(f'{k:g}' for k in act.kinks)}), so χ is not finite"
        )
    return act


def _sd(q) -> np.ndarray:
    """√q, with q = 0 read as q -> 0+ (the limit the maps take there) and q = inf as Q_MAX."""
    q = np.asarray(q, dtype=np.float64)
    return np.sqrt(np.maximum(np.where(np.isinf(q), Q_MAX, q), _Q_FLOOR))


# -- Gaussian moments -------------------------------------------------------------------------

#: How far, in standard deviations, the rules reach for an activation that grows at most like
#: a polynomial: φ(12) ≈ 2e-32, so what lies beyond adds nothing at float64 precision.
_T_POLY = 12.0


@functools.lru_cache(maxsize=128)
def _polynomial(act: BoundActivation) -> bool:
    """Whether |f| and |f'| stay within (1 + their value at 0)·(1 + |x|)³ at x = ±2^k, k = 0..31:
    past the largest x any map evaluates (40·√Q_MAX ≈ 1.3e9). e^x does not."""
    x = 2.0 ** np.arange(32.0)
    x = np.concatenate([-x[::-1], [0.0], x])
    with np.errstate(all="ignore"):
        f, d = act.evaluate(x, (0, 1))
        bound = (1.0 + np.abs(x)) ** 3
        return bool(np.all(np.abs(f) <= (1.0 + abs(f[32])) * bound) and np.all(np.abs(d) <= (1.0 + abs(d[32])) * bound))


def _reach(act: BoundActivation, sd: np.ndarray) -> np.ndarray:
    """The t_max of the rules for N(0, sd²): the full :data:`~.quadrature.T_MAX` for an activation
    that grows faster than a polynomial (its moments live far out), else :data:`_T_POLY`
    standard deviations beyond the kink nearest 0 (softshrink is 0 up to its kinks, so all
    its weight may lie past them)."""
    if not _polynomial(act):
        return np.full(np.shape(sd), T_MAX)
    nearest = min((abs(k) for k in act.kinks), default=0.0)
    if nearest == 0.0:
        return np.full(np.shape(sd), _T_POLY)
    with np.errstate(divide="ignore", over="ignore"):
        return np.minimum(T_MAX, _T_POLY + nearest / np.asarray(sd, dtype=np.float64))


def _gauss(act: BoundActivation, q, orders: tuple[int, ...]):
    """One rule for each variance in q (flattened) and f and its derivatives of ``orders`` at its
    nodes: (x, weights, values), the values in the order of ``orders``."""
    sd = _sd(q).ravel()
    t, w = rule(np.zeros(sd.size), sd, act.kinks, t_max=_reach(act, sd))
    x = sd[:, None] * t
    with np.errstate(over="ignore", invalid="ignore"):
        values = act.evaluate(x, orders)
    return x, w, values


def _moments(act: BoundActivation, q, names: tuple[str, ...]) -> tuple[np.ndarray, ...]:
    """Moments of f(√q z), z ~ N(0, 1), for each q (the shape of q), from one rule and one
    evaluation of f and f': "f" E[f], "f2" E[f²], "d2" E[f'²], "xfd" E[x f f'] (x = √q z)."""
    shape = np.shape(q)
    orders = tuple(o for o, used in ((0, {"f", "f2", "xfd"}), (1, {"d2", "xfd"})) if used & set(names))
    x, w, values = _gauss(act, q, orders)
    f = values[orders.index(0)] if 0 in orders else None
    d = values[orders.index(1)] if 1 in orders else None
    with np.errstate(over="ignore", invalid="ignore"):
        parts = {"f": lambda: f, "f2": lambda: f * f, "d2": lambda: d * d, "xfd": lambda: x * f * d}
        return tuple(weighted_sum(parts[n](), w).reshape(shape) for n in names)


def length_map(act: BoundActivation | str, q, sigma_w, sigma_b) -> np.ndarray:
    """Q(q) = σ_w² E[f(√q z)²] + σ_b² (arrays broadcast)."""
    act = check_elementwise(get(act))
    q, sigma_w, sigma_b = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (q, sigma_w, sigma_b)))
    (second,) = _moments(act, q, ("f2",))
    return sigma_w**2 * second + sigma_b**2


def length_map_slope(act: BoundActivation | str, q, sigma_w) -> np.ndarray:
    """Q'(q) = σ_w² E[z f(√q z) f'(√q z)] / √q (Gaussian integration by parts, no f'' needed)."""
    act = check_elementwise(get(act))
    q, sigma_w = np.broadcast_arrays(np.asarray(q, dtype=np.float64), np.asarray(sigma_w, dtype=np.float64))
    # E[z f f'] / √q = E[x f f'] / q with x = √q z
    (xfd,) = _moments(act, q, ("xfd",))
    return sigma_w**2 * xfd / _sd(q) ** 2


def chi(act: BoundActivation | str, q, sigma_w) -> np.ndarray:
    """χ = σ_w² E[f'(√q z)²], the slope of the correlation map at c = 1."""
    act = check_elementwise(get(act))
    q, sigma_w = np.broadcast_arrays(np.asarray(q, dtype=np.float64), np.asarray(sigma_w, dtype=np.float64))
    (d2,) = _moments(act, q, ("d2",))
    return sigma_w**2 * d2


# -- the fixed point of the length map ------------------------------------------------------

#: Lattice points per factor 4 of q in :func:`_lattice` within a factor 4^8 of q0 (where the
#: fixed points of any reasonable σ_w, σ_b lie), and beyond it.
_LATTICE_STEPS, _LATTICE_NEAR, _LATTICE_FAR = 24, 8, 4


@dataclass(frozen=True)
class _Lattice:
    """V(q) = E[f(√q z)²] and V'(q) on a lattice of q0·4^e, from its lowest point at or above
    Q_MIN to its first above Q_MAX; ``start`` indexes q0."""

    q: np.ndarray
    v: np.ndarray
    dv: np.ndarray
    start: int


@functools.lru_cache(maxsize=32)
def _lattice(act: BoundActivation, q0: float) -> _Lattice:
    # e = k/m: steps of 1/m within ±_LATTICE_NEAR, of 1/_LATTICE_FAR beyond (whole 4s included)
    m, near, far = _LATTICE_STEPS, _LATTICE_STEPS * _LATTICE_NEAR, _LATTICE_STEPS // _LATTICE_FAR
    lo = min(0, math.floor(m * math.log(Q_MIN / q0, 4.0) / far) * far)
    hi = max(0, math.ceil(m * math.log(Q_MAX / q0, 4.0) / far + 1) * far)
    k = np.concatenate([np.arange(lo, -near, far), np.arange(-near, near), np.arange(near, hi + 1, far)])
    q = q0 * 4.0 ** (k / m)
    # from the lowest point at or above Q_MIN to the first above Q_MAX
    first, last = np.flatnonzero((q >= Q_MIN) | (k >= 0))[0], np.flatnonzero((q > Q_MAX) & (k >= 0))[0]
    q, k = q[first:last + 1], k[first:last + 1]
    v, dv = np.empty(q.size), np.empty(q.size)
    # a few decades at a time: each batch's rule reaches only as far as its own largest q
    for part in np.array_split(np.arange(q.size), max(1, q.size // 96)):
        f2, xfd = _moments(act, q[part], ("f2", "xfd"))
        v[part], dv[part] = f2, xfd / q[part]
    return _Lattice(q, v, dv, int(np.flatnonzero(k == 0)[0]))


def _valley_floors(g: Callable[[np.ndarray, np.ndarray], np.ndarray], rows: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Where g <= 0 at the bottom of a valley of g in (a, b), one per row (NaN where g stays
    above 0): golden-section searches side by side, to 1e-9·b (g is unimodal between a
    falling and a rising end), each stopping at its first point where g <= 0."""
    ratio = (math.sqrt(5.0) - 1.0) / 2.0
    a, b = a.astype(np.float64), b.astype(np.float64)
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    gc, gd = g(c, rows), g(d, rows)
    out = np.full(a.size, np.nan)
    open_ = np.ones(a.size, dtype=bool)
    while True:
        hit = open_ & (np.minimum(gc, gd) <= 0)
        out[hit] = np.where(gc <= gd, c, d)[hit]
        open_ &= ~hit & (b - a > 1e-9 * b)
        idx = np.flatnonzero(open_)
        if not idx.size:
            return out
        ai, bi, ci, di, gci, gdi = a[idx], b[idx], c[idx], d[idx], gc[idx], gd[idx]
        # the floor is left of d ([a, d], whose d is the old c) or right of c ([c, b], whose c is the old d)
        left = gci < gdi
        ai, bi = np.where(left, ai, ci), np.where(left, di, bi)
        probe = np.where(left, bi - ratio * (bi - ai), ai + ratio * (bi - ai))
        gp = g(probe, rows[idx])
        c[idx], gc[idx] = np.where(left, probe, di), np.where(left, gp, gdi)
        d[idx], gd[idx] = np.where(left, ci, probe), np.where(left, gci, gp)
        a[idx], b[idx] = ai, bi


def _hermite_root(a, b, ga, gb, da, db) -> np.ndarray:
    """A root in [a, b] of the cubic through (a, ga), (b, gb) with slopes da, db (ga, gb of
    opposite signs): a few Newton steps from the secant's root, kept in the interval."""
    h = b - a
    s = np.clip(ga / (ga - gb), 0.0, 1.0)
    with np.errstate(all="ignore"):
        for _ in range(4):
            s2, s3 = s * s, s * s * s
            p = (2 * s3 - 3 * s2 + 1) * ga + (s3 - 2 * s2 + s) * h * da + (3 * s2 - 2 * s3) * gb + (s3 - s2) * h * db
            dp = (6 * s2 - 6 * s) * ga + (3 * s2 - 4 * s + 1) * h * da + (6 * s - 6 * s2) * gb + (3 * s2 - 2 * s) * h * db
            step = np.where(np.isfinite(p / dp), p / dp, 0.0)
            s = np.clip(s - step, 0.0, 1.0)
    return a + s * h


#: Lattice cells looked at per pass of :func:`fixed_point`'s walk.
_WALK_BLOCK = 48


def fixed_point(act: BoundActivation | str, sigma_w, sigma_b, q0: float = 1.0) -> np.ndarray:
    """q*, the fixed point of the length map reached from q0 (arrays broadcast).

    Q is increasing in q for the catalogue's activations, so the iterates from q0 move
    monotonically to the nearest fixed point in the direction of Q(q0) - q0. That point is
    bracketed by walking the activation's table of E[f(√q z)²] (:func:`_lattice`, shared by
    every σ_w and σ_b) cell by cell, looking into any valley of Q(q) - q on the way up, and
    then found by Newton's method from the table's cubic interpolant, with one or two
    evaluations of the map a root. ``inf`` where the variance grows without bound (beyond
    :data:`Q_MAX`), 0 where it shrinks to 0 (below :data:`Q_MIN`).
    """
    act = check_elementwise(get(act))
    sw, sb = np.broadcast_arrays(np.asarray(sigma_w, dtype=np.float64), np.asarray(sigma_b, dtype=np.float64))
    shape = sw.shape
    s2, b2 = np.square(sw.ravel()), np.square(sb.ravel())
    n = s2.size
    lat = _lattice(act, float(q0))
    last = lat.q.size - 1

    def table(rows, cols):
        g = s2[rows, None] * lat.v[cols] + b2[rows, None] - lat.q[cols]
        return g, s2[rows, None] * lat.dv[cols] - 1.0

    def excess(q, rows):
        (f2,) = _moments(act, q, ("f2",))
        return s2[rows] * f2 + b2[rows] - q

    out = np.full(n, np.nan)
    cell = np.full(n, -1)  # the bracket is lattice cell [cell, cell + 1] ...
    top = np.full(n, np.nan)  # ... or [cell, top] where a valley's floor closed it
    g0 = table(np.arange(n), np.array([lat.start]))[0][:, 0]
    out[g0 == 0] = lat.q[lat.start]
    # upward: the first cell whose top end has Q(q) <= q. Where Q - q falls at a cell's
    # bottom and rises at its top (a valley: Q convex, as for exponentially growing
    # activations) two fixed points may hide inside, so the valley's floor is checked first.
    up = np.flatnonzero(g0 > 0)
    pos = np.full(up.size, lat.start)
    while up.size:
        cols = np.minimum(pos[:, None] + np.arange(_WALK_BLOCK + 1), last)
        g, slope = table(up, cols)
        crossing = g[:, 1:] <= 0
        valley = ~crossing & (slope[:, :-1] < 0) & (slope[:, 1:] > 0)
        event = crossing | valley
        first = np.argmax(event, axis=1)
        any_event = event[np.arange(up.size), first]
        at = pos + first
        crossed = any_event & crossing[np.arange(up.size), first]
        cell[up[crossed]] = at[crossed]
        in_valley = np.flatnonzero(any_event & ~crossed)
        if in_valley.size:
            rows = up[in_valley]
            floor = _valley_floors(excess, rows, lat.q[at[in_valley]], lat.q[at[in_valley] + 1])
            closed = np.isfinite(floor)
            cell[rows[closed]], top[rows[closed]] = at[in_valley][closed], floor[closed]
            crossed[in_valley[closed]] = True
        # on from the next cell: past a valley that stayed above 0, or past the whole block
        pos = np.where(any_event, at + 1, pos + _WALK_BLOCK)
        gone = ~crossed & (pos >= last)
        out[up[gone]] = math.inf
        keep = ~crossed & ~gone
        up, pos = up[keep], pos[keep]
    # downward: the first cell whose bottom end has Q(q) > q
    down = np.flatnonzero(g0 < 0)
    pos = np.full(down.size, lat.start)
    while down.size:
        cols = np.maximum(pos[:, None] - np.arange(1, _WALK_BLOCK + 1), 0)
        g, _ = table(down, cols)
        found = g > 0
        first = np.argmax(found, axis=1)
        hit = found[np.arange(down.size), first]
        cell[down[hit]] = (pos - 1 - first)[hit]
        pos = pos - _WALK_BLOCK
        gone = ~hit & (pos <= 0)
        out[down[gone]] = 0.0
        keep = ~hit & ~gone
        down, pos = down[keep], pos[keep]

    rows = np.flatnonzero(cell >= 0)
    if rows.size:
        k = cell[rows]
        lo = lat.q[k]
        valley = np.isfinite(top[rows])
        hi = np.where(valley, top[rows], lat.q[np.minimum(k + 1, last)])
        g, slope = table(rows, np.stack([k, np.minimum(k + 1, last)], axis=1))
        g_hi = np.where(valley, np.nan, g[:, 1])
        guess = np.where(valley, 0.5 * (lo + hi), _hermite_root(lo, hi, g[:, 0], g_hi, slope[:, 0], slope[:, 1]))
        curvature = np.where(valley, np.nan, np.abs(slope[:, 1] - slope[:, 0]) / (2.0 * (hi - lo)))

        def value_and_slope(q, r):
            f2, xfd = _moments(act, q, ("f2", "xfd"))
            return s2[r] * f2 + b2[r] - q, s2[r] * xfd / q - 1.0

        exact = g_hi == 0
        out[rows[exact]] = hi[exact]
        solve = ~exact
        out[rows[solve]] = newton_roots(value_and_slope, lo[solve], hi[solve], guess[solve], rows[solve],
                                        sign_lo=1.0, curvature=curvature[solve])
    return out.reshape(shape)


def _q_eval(q_star) -> np.ndarray:
    """Where to evaluate the maps: q* itself, or Q_MAX (the q -> ∞ limit) where q* is infinite."""
    q = np.asarray(q_star, dtype=np.float64)
    return np.where(np.isinf(q), Q_MAX, q)


def chi_at_fixed_point(act: BoundActivation | str, sigma_w, sigma_b, q0: float = 1.0) -> np.ndarray:
    """χ at q*(σ_w, σ_b); where q* is infinite, its q -> ∞ limit."""
    act = get(act)
    q = fixed_point(act, sigma_w, sigma_b, q0)
    return chi(act, _q_eval(q), np.broadcast_to(np.asarray(sigma_w, dtype=np.float64), q.shape))


# -- correlations ---------------------------------------------------------------------------

#: Points (outer nodes × inner nodes) per batch of :func:`_pair_expect`'s inner integrals.
_PAIR_BATCH = 1 << 20


def _pair_expect(act: BoundActivation, q: float, c, orders: tuple[int, ...] = (0,)) -> tuple[np.ndarray, ...]:
    """E[g(u₁) g(u₂)] for g = f (order 0) and g = f' (order 1), (u₁, u₂) Gaussian with variance
    q and correlation c, for each c: one array per order.

    With w, z₁, z₂ independent: u_i = √q(±√|c| w + √(1-|c|) z_i), so the double integral is
    E_w[h(w) h(±w)] with h(w) = E_z[g(√(q|c|) w + √(q(1-|c|)) z)], two nested 1-D rules. The
    outer rule is symmetric (its cuts are mirrored), so h(-w) is h at the mirror node and c
    and -c share their integrals; every inner integral of every c goes through one
    evaluation of f and f'.
    """
    c = np.clip(np.asarray(c, dtype=np.float64).ravel(), -1.0, 1.0)
    kinks = act.kinks
    mirrored = tuple(sorted({*kinks, *(-k for k in kinks)}))
    t_max = float(_reach(act, np.array(math.sqrt(q))))
    out = [np.empty(c.size) for _ in orders]
    sizes, which = np.unique(np.abs(c), return_inverse=True)
    blocks = {}  # |c| -> (start of its h, outer weights, mirror, whether h(-w) follows)
    nodes, b_rows, start = [], [], 0
    for j, size in enumerate(sizes):
        a = math.sqrt(q * size)
        b = math.sqrt(q * max(0.0, 1.0 - size))
        if a == 0.0:  # independent: E[g]²
            x, w, values = _gauss(act, q, orders)
            for o, v in enumerate(values):
                out[o][which == j] = float(weighted_sum(v, w)[0]) ** 2
            continue
        # h is f smoothed over a width b: near a kink it bends within a few b of it
        near = [s * (k + b * m) for k in kinks for m in (-16, -8, -4, -2, -1, 1, 2, 4, 8, 16) for s in (1, -1)]
        t, w = rule(np.zeros(1), np.array([a]), mirrored, near, t_max=t_max)
        used = w[0] > 0
        t, w = t[0][used], w[0][used]
        mirror = bool(np.array_equal(t, -t[::-1]))
        apart = not mirror and bool(np.any(c[which == j] < 0))  # h(-w) evaluated outright
        x = a * (np.concatenate([t, -t]) if apart else t)
        blocks[j] = (start, w, mirror)
        nodes.append(x)
        b_rows.append(np.full(x.size, b))
        start += x.size
    if not nodes:
        return tuple(out)
    mu, b_all = np.concatenate(nodes), np.concatenate(b_rows)
    h = [np.empty(mu.size) for _ in orders]
    width = max(1, _PAIR_BATCH // 600)
    for first in range(0, mu.size, width):
        part = slice(first, first + width)
        m, s = mu[part], b_all[part]
        smooth = s > 0
        with np.errstate(over="ignore", invalid="ignore"):
            if np.any(~smooth):  # |c| = 1: h is g itself
                for o, v in enumerate(act.evaluate(m[~smooth], orders)):
                    h[o][part][~smooth] = v
            if np.any(smooth):
                ms, ss = m[smooth], s[smooth]
                t, w = rule(ms, ss, kinks, t_max=t_max)
                values = act.evaluate(ms[:, None] + ss[:, None] * t, orders)
                for o, v in enumerate(values):
                    h[o][part][smooth] = weighted_sum(v, w)
    for i, j in enumerate(which):
        if j not in blocks:
            continue
        first, w, mirror = blocks[j]
        n = w.size
        for o in range(len(orders)):
            hi = h[o][first:first + n]
            other = hi if c[i] > 0 else (hi[::-1] if mirror else h[o][first + n:first + 2 * n])
            out[o][i] = float(np.sum(hi * other * w))
    return tuple(out)


def correlation_grid(n: int) -> np.ndarray:
    """n evenly spaced c from -1 to 1, exactly symmetric about 0 (np.linspace is not, by an ulp
    here and there), so that :func:`correlation_map` does each ±c pair's integrals once."""
    c = np.linspace(-1.0, 1.0, n)
    return 0.5 * (c - c[::-1])


def _map_and_slope(act: BoundActivation, c, sigma_w: float, sigma_b: float, q: float, orders=(0, 1)):
    """C(c) and C'(c) (those of ``orders``: 0 the map, 1 its slope) at variance q, from one
    set of nested rules."""
    c_arr = np.asarray(c, dtype=np.float64)
    q = max(float(_q_eval(q)), _Q_FLOOR)
    pairs = _pair_expect(act, q, c_arr, orders)
    scale = float(length_map(act, q, sigma_w, sigma_b))
    out = []
    for o, pair in zip(orders, pairs, strict=True):
        value = (sigma_w**2 * pair + sigma_b**2) / scale if o == 0 else sigma_w**2 * q * pair / scale
        out.append(value.reshape(c_arr.shape))
    return out


def correlation_map(act: BoundActivation | str, c, sigma_w: float, sigma_b: float, q: float | None = None) -> np.ndarray:
    """C(c) = (σ_w² E[f(u₁) f(u₂)] + σ_b²) / Q(q), (u₁, u₂) with variance q and correlation c.

    ``q`` defaults to q*, where Q(q*) = q*; dividing by Q(q) rather than q keeps C(1) = 1
    at any q, so the map also makes sense where q* is infinite (evaluated at Q_MAX then).
    q* = 0 is read as q -> 0+.
    """
    act = check_elementwise(get(act))
    if q is None:
        q = float(fixed_point(act, sigma_w, sigma_b))
    return _map_and_slope(act, c, sigma_w, sigma_b, q, (0,))[0]


def correlation_slope(act: BoundActivation | str, c, sigma_w: float, sigma_b: float, q: float) -> np.ndarray:
    """C'(c) = σ_w² q E[f'(u₁) f'(u₂)] / Q(q) (Price's theorem): χ_c at c = c*, and χ at c = 1
    where q = q*."""
    act = check_elementwise(get(act))
    return _map_and_slope(act, c, sigma_w, sigma_b, q, (1,))[0]


def correlation_fixed_point(act: BoundActivation | str, sigma_w: float, sigma_b: float, q: float, slope_at_1: float) -> float:
    """The attracting fixed point c* of the correlation map, given its slope C'(1) (χ at a finite q*).

    c = 1 attracts unless C'(1) > 1. Then C(c) < c just below 1, and c* is the largest c
    below 1 where C crosses the diagonal: bracketed on a grid, then found by Newton's method
    with Price's slope (both from one set of rules a step).
    """
    act = get(act)
    if not slope_at_1 > 1.0 + CRITICAL_TOL:
        return 1.0
    grid = np.append(correlation_grid(21)[:-1], 1.0 - 1e-6)
    values = correlation_map(act, grid, sigma_w, sigma_b, q) - grid
    if values[-1] >= 0:  # c* within 1e-6 of 1: taken as 1
        return 1.0
    above = np.flatnonzero(values >= 0)
    if above.size == 0:  # C(-1) >= -1 always; only rounding can land here
        return -1.0
    k = above[-1]
    if values[k] == 0:
        return float(grid[k])

    def value_and_slope(c, _rows):
        value, slope = _map_and_slope(act, c, sigma_w, sigma_b, q)
        return value - c, slope - 1.0

    lo, hi = grid[k], grid[k + 1]
    guess = lo + (hi - lo) * values[k] / (values[k] - values[k + 1])
    return float(newton_roots(value_and_slope, lo, hi, guess, sign_lo=1.0)[0])


# -- edge of chaos --------------------------------------------------------------------------

#: σ_w searched for the edge of chaos: (0, this].
SIGMA_W_SEARCH = 64.0


def edge_of_chaos(act: BoundActivation | str, sigma_b: float = 0.0, q0: float = 1.0) -> float | None:
    """The smallest σ_w > 0 with χ(σ_w, σ_b) = 1 (within :data:`SIGMA_W_SEARCH`), or None.

    Where χ jumps past 1 instead (an exponentially growing activation, whose fixed point
    q* vanishes at a saddle-node and leaves the variance unbounded), the σ_w of the jump.
    """
    act = check_elementwise(get(act))
    grid = np.geomspace(1e-2, SIGMA_W_SEARCH, 73)
    c = chi_at_fixed_point(act, grid, sigma_b, q0) - 1.0
    over = np.flatnonzero(c >= 0)
    if over.size == 0:
        return None
    k = over[0]
    if c[k] == 0:
        return float(grid[k])

    def excess(sw, rows):
        return chi_at_fixed_point(act, sw, sigma_b, q0) - 1.0

    lo = grid[k - 1] if k else 1e-12  # χ = σ_w²·E[...] vanishes with σ_w
    if k == 0 and excess(np.array([lo]), None)[0] >= 0:
        return None
    root = bracketed_roots(excess, np.array([lo]), np.array([grid[k]]), np.array([0]))
    return float(root[0])


def phase_diagram(act: BoundActivation | str, sigma_w, sigma_b, q0: float = 1.0) -> np.ndarray:
    """χ on the grid sigma_b (rows) × sigma_w (columns)."""
    sw = np.asarray(sigma_w, dtype=np.float64)
    sb = np.asarray(sigma_b, dtype=np.float64)
    SW, SB = np.meshgrid(sw, sb)
    return chi_at_fixed_point(act, SW, SB, q0)


def phase_of(chi_value: float) -> str:
    """'ordered' (χ < 1), 'chaotic' (χ > 1) or 'critical' (|χ - 1| <= CRITICAL_TOL)."""
    if abs(chi_value - 1.0) <= CRITICAL_TOL:
        return "critical"
    return "ordered" if chi_value < 1.0 else "chaotic"


def _depth(slope: float) -> float:
    """-1/ln(slope): the e-folding depth of a deviation shrinking by ``slope`` per layer."""
    if math.isnan(slope):
        return math.nan
    if not slope > 0:
        return 0.0
    if slope >= 1.0 or abs(slope - 1.0) <= CRITICAL_TOL:
        return math.inf
    return -1.0 / math.log(slope)


@dataclass(frozen=True)
class SignalResult:
    """The mean-field picture of one activation at one (σ_w, σ_b)."""

    spec: str
    sigma_w: float
    sigma_b: float
    # fixed point of the length map; inf where the variance grows without bound
    q_star: float
    # χ = σ_w² E[f'(√q* z)²] (its q -> ∞ limit where q* is infinite)
    chi: float
    phase: str
    # fixed point of the correlation map and its slope there
    c_star: float
    chi_c: float
    # e-folding depths of q and c: -1/ln Q'(q*), -1/ln χ_c (inf at criticality)
    depth_scale_q: float
    depth_scale_c: float
    # mean and variance of the post-activation f(h), h ~ N(0, q*)
    activation_mean: float
    activation_variance: float
    # the smallest σ_w with χ = 1 at this σ_b, or None
    edge_of_chaos_sigma_w: float | None
    q_slope: float = field(default=math.nan)

    @property
    def depth_scale(self) -> float:
        """The depth over which two inputs stay distinguishable: ξ_c (Schoenholz et al.)."""
        return self.depth_scale_c

    def as_dict(self) -> dict:
        def num(v):
            return None if v is None or not math.isfinite(v) else float(v)

        return {
            "spec": self.spec,
            "sigma_w": self.sigma_w,
            "sigma_b": self.sigma_b,
            "q_star": num(self.q_star),
            "q_bounded": math.isfinite(self.q_star),
            "chi": num(self.chi),
            "phase": self.phase,
            "edge_of_chaos_sigma_w": num(self.edge_of_chaos_sigma_w),
            "depth_scale": num(self.depth_scale),
            "depth_scale_q": num(self.depth_scale_q),
            "depth_scale_c": num(self.depth_scale_c),
            "c_star": num(self.c_star),
            "chi_c": num(self.chi_c),
            "q_map_slope": num(self.q_slope),
            "activation_mean": num(self.activation_mean),
            "activation_variance": num(self.activation_variance),
        }


def analyse(act: BoundActivation | str, sigma_w: float = 1.0, sigma_b: float = 0.0, q0: float = 1.0) -> SignalResult:
    """Everything :class:`SignalResult` holds, for one activation at (σ_w, σ_b)."""
    act = check_elementwise(get(act))
    sigma_w, sigma_b = check_sigmas(sigma_w, sigma_b)
    q_star = float(fixed_point(act, sigma_w, sigma_b, q0))
    bounded = math.isfinite(q_star)
    q = float(_q_eval(q_star))
    q_eff = max(q, _Q_FLOOR)
    d2, xfd, f2 = (float(m) for m in _moments(act, q, ("d2", "xfd", "f2")))
    chi_1 = sigma_w**2 * d2
    slope = sigma_w**2 * xfd / q_eff
    # C'(1) = χ·q/Q(q): χ itself at a finite q*
    slope_1 = chi_1 if bounded else chi_1 * q_eff / (sigma_w**2 * f2 + sigma_b**2)
    c_star = correlation_fixed_point(act, sigma_w, sigma_b, q_star, slope_1)
    chi_c = slope_1 if c_star == 1.0 else float(correlation_slope(act, c_star, sigma_w, sigma_b, q_star))
    if bounded:
        sd = math.sqrt(q)  # q* = 0 gives f(0) and variance 0
        reach = _reach(act, np.array(sd))
        mean = float(expect_many(act, 0.0, sd, act.kinks, reach))
        var = float(expect_many(lambda x: np.square(act(x) - mean), 0.0, sd, act.kinks, reach))
    else:
        mean = var = math.inf
    return SignalResult(
        spec=act.spec,
        sigma_w=sigma_w,
        sigma_b=sigma_b,
        q_star=q_star,
        chi=chi_1,
        phase=phase_of(chi_1),
        c_star=c_star,
        chi_c=chi_c,
        depth_scale_q=_depth(slope) if bounded else math.inf,
        depth_scale_c=_depth(chi_c),
        activation_mean=mean,
        activation_variance=var,
        edge_of_chaos_sigma_w=edge_of_chaos(act, sigma_b, q0),
        q_slope=slope,
    )


# -- Monte-Carlo check ----------------------------------------------------------------------


@dataclass(frozen=True)
class MonteCarlo:
    """A random network's per-layer statistics beside the mean-field prediction.

    Layer l = 1..depth: ``variance`` is the mean of (h^l)² over units and inputs,
    ``grad`` the mean of (∂E/∂h^l)² for E = v·h^depth with v ~ N(0, 1), relative to the
    last layer. Predictions: q^l from iterating Q, and Π χ(q^k) for k = l..depth-1.
    ``dtype`` is what the network computed in ("float32", or "float64" where the mean field
    leaves float32's safe range; see :func:`monte_carlo`).
    """

    spec: str
    sigma_w: float
    sigma_b: float
    dtype: str
    width: int
    depth: int
    samples: int
    seed: int
    layers: np.ndarray
    variance: np.ndarray
    variance_predicted: np.ndarray
    grad: np.ndarray
    grad_predicted: np.ndarray


#: Monte-Carlo weights are kept for the backward pass up to this many bytes (drawing them
#: again costs as much as the rest of the run).
_KEEP_WEIGHTS = 1 << 28
#: The network runs in float32 where the mean field keeps every layer's mean square (of h
#: and of the gradient) within this factor of 1 (Q_MAX, beyond which the length map is not
#: followed): values stay within about 3e±7, with room to spare for the tails, far from
#: float32's overflow (3e38) and subnormals (1e-38). Beyond, float64.
_FLOAT32_SPAN = Q_MAX


def _network_dtype(q_pred: np.ndarray, grad_pred: np.ndarray, q_in: float) -> type:
    scales = np.concatenate([[q_in], q_pred, grad_pred])
    safe = np.all(np.isfinite(scales)) and np.all(scales <= _FLOAT32_SPAN) and np.all(scales >= 1 / _FLOAT32_SPAN)
    return np.float32 if safe else np.float64


def monte_carlo(
    act: BoundActivation | str,
    sigma_w: float,
    sigma_b: float,
    width: int = 512,
    depth: int = 40,
    samples: int = 64,
    seed: int = 0,
    q_in: float = 1.0,
) -> MonteCarlo:
    """A random numpy MLP beside the mean-field prediction (see :class:`MonteCarlo`).

    ``samples`` inputs x ~ N(0, q_in I) go through h¹ = W¹x + b¹, h^l = W^l f(h^{l-1}) + b^l;
    a random output gradient comes back through the same weights. Each layer's weights
    come from their own seeded generator: they are kept for the backward pass while they
    take at most :data:`_KEEP_WEIGHTS` bytes, and drawn again (identically) beyond that.

    The network computes in float32, as trained networks do, wherever the mean field keeps
    every layer's mean square of h and of the gradient within 1e±15 (see
    :data:`_FLOAT32_SPAN`); an exploding or vanishing network runs in float64 instead. The
    per-layer means are always summed in float64. ``MonteCarlo.dtype`` says which it was.
    """
    act = check_elementwise(get(act))
    sigma_w, sigma_b = check_sigmas(sigma_w, sigma_b)
    depth, width, samples = check_network(depth, width, samples)
    seed = check_seed(seed)
    q_pred = np.empty(depth)
    q_pred[0] = sigma_w**2 * q_in + sigma_b**2
    for l in range(1, depth):
        q_pred[l] = float(length_map(act, min(q_pred[l - 1], Q_MAX), sigma_w, sigma_b))
    chis = chi(act, np.minimum(q_pred, Q_MAX), sigma_w)
    # E[(∂E/∂h^{l-1})²] = χ(q^{l-1}) E[(∂E/∂h^l)²]
    grad_pred = np.ones(depth)
    for l in range(depth - 2, -1, -1):
        grad_pred[l] = grad_pred[l + 1] * chis[l]
    dtype = _network_dtype(q_pred, grad_pred, q_in)

    seeds = np.random.SeedSequence(seed).spawn(depth + 2)
    scale = sigma_w / math.sqrt(width)
    keep = depth * width * width * np.dtype(dtype).itemsize <= _KEEP_WEIGHTS
    kept: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    # kept weights share one block: one large allocation, which the kernel backs with huge
    # pages, faults in far fewer pages than a fresh array a layer
    block = np.empty((depth, width, width), dtype) if keep else None

    def layer(l: int) -> tuple[np.ndarray, np.ndarray]:
        if l in kept:
            return kept.pop(l)
        rng = np.random.default_rng(seeds[l])
        # standard normal: the products with it are scaled instead, a pass over width² saved
        w = rng.standard_normal(out=block[l], dtype=dtype) if keep else rng.standard_normal((width, width), dtype)
        out = w, rng.standard_normal(width, dtype) * dtype(sigma_b)
        if keep:
            kept[l] = out
        return out

    def mean_square(a: np.ndarray) -> float:
        return float(np.mean(np.square(a), dtype=np.float64))

    rng_in = np.random.default_rng(seeds[depth])
    x = rng_in.standard_normal((samples, width), dtype) * dtype(math.sqrt(q_in))
    variance = np.empty(depth)
    slopes = []  # f'(h^l), for the backward pass
    with np.errstate(over="ignore", invalid="ignore"):
        post = x
        for l in range(depth):
            w, b = layer(l)
            h = (post @ w.T) * dtype(scale) + b
            variance[l] = mean_square(h)
            if l < depth - 1:
                post, slope = act.evaluate(h, (0, 1))
                slopes.append(slope)
        g = np.random.default_rng(seeds[depth + 1]).standard_normal((samples, width), dtype)
        grad = np.empty(depth)
        grad[-1] = mean_square(g)
        for l in range(depth - 1, 0, -1):
            w, _ = layer(l)
            g = (g @ w) * dtype(scale) * slopes[l - 1]
            grad[l - 1] = mean_square(g)
        grad = grad / grad[-1]
    return MonteCarlo(
        spec=act.spec,
        sigma_w=sigma_w,
        sigma_b=sigma_b,
        dtype=np.dtype(dtype).name,
        width=width,
        depth=depth,
        samples=samples,
        seed=seed,
        layers=np.arange(1, depth + 1),
        variance=variance,
        variance_predicted=q_pred,
        grad=grad,
        grad_predicted=grad_pred,
    )
