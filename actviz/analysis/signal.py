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

Every expectation is :func:`actviz.analysis.quadrature.expect_many`, a composite
Gauss-Legendre rule vectorised over a batch of variances. A single root is found by Brent's
method; a batch of them (a phase diagram's q*) by bisecting all at once, one evaluation
of the whole batch per halving.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..core.bound import BoundActivation
from ..core.options import check_network, check_seed, check_sigmas
from ..errors import UsageError
from ..numerics import bracketed_roots
from ..registry import get
from .quadrature import Fn, expect_many, rule

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


def length_map(act: BoundActivation | str, q, sigma_w, sigma_b) -> np.ndarray:
    """Q(q) = σ_w² E[f(√q z)²] + σ_b² (arrays broadcast)."""
    act = check_elementwise(get(act))
    q, sigma_w, sigma_b = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (q, sigma_w, sigma_b)))
    second = expect_many(lambda x: np.square(act(x)), 0.0, _sd(q), act.kinks)
    return sigma_w**2 * second + sigma_b**2


def length_map_slope(act: BoundActivation | str, q, sigma_w) -> np.ndarray:
    """Q'(q) = σ_w² E[z f(√q z) f'(√q z)] / √q (Gaussian integration by parts, no f'' needed)."""
    act = check_elementwise(get(act))
    q, sigma_w = np.broadcast_arrays(np.asarray(q, dtype=np.float64), np.asarray(sigma_w, dtype=np.float64))
    sd = _sd(q)

    def g(x):
        f, d = act.evaluate(x, (0, 1))
        return x * f * d

    # E[z f f'] / √q = E[x f f'] / q with x = √q z
    return sigma_w**2 * expect_many(g, 0.0, sd, act.kinks) / sd**2


def chi(act: BoundActivation | str, q, sigma_w) -> np.ndarray:
    """χ = σ_w² E[f'(√q z)²], the slope of the correlation map at c = 1."""
    act = check_elementwise(get(act))
    q, sigma_w = np.broadcast_arrays(np.asarray(q, dtype=np.float64), np.asarray(sigma_w, dtype=np.float64))
    return sigma_w**2 * expect_many(lambda x: np.square(act.derivative(x)), 0.0, _sd(q), act.kinks)


def _valley_floor(g: Callable[[float], float], a: float, b: float) -> float | None:
    """Where g <= 0 at the bottom of a valley of g in (a, b), or None if g stays above 0.

    Golden-section search to 1e-9·b (g is unimodal between a falling and a rising end), which
    stops early at the first point where g <= 0: that is all the caller needs.
    """
    ratio = (math.sqrt(5.0) - 1.0) / 2.0
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    gc, gd = g(c), g(d)
    while b - a > 1e-9 * b:
        if min(gc, gd) <= 0:
            return c if gc <= gd else d
        if gc < gd:
            b, d, gd = d, c, gc
            c = b - ratio * (b - a)
            gc = g(c)
        else:
            a, c, gc = c, d, gd
            d = a + ratio * (b - a)
            gd = g(d)
    return None


def fixed_point(act: BoundActivation | str, sigma_w, sigma_b, q0: float = 1.0) -> np.ndarray:
    """q*, the fixed point of the length map reached from q0 (arrays broadcast).

    Q is increasing in q for the catalogue's activations, so the iterates from q0 move
    monotonically to the nearest fixed point in the direction of Q(q0) - q0; that point
    is bracketed by steps of 4 (looking into any valley of Q(q) - q on the way up) and
    found by Brent's method or, for a batch, bisection. ``inf`` where the variance grows
    without bound (beyond :data:`Q_MAX`), 0 where it shrinks to 0 (below :data:`Q_MIN`).
    """
    act = check_elementwise(get(act))
    sw, sb = np.broadcast_arrays(np.asarray(sigma_w, dtype=np.float64), np.asarray(sigma_b, dtype=np.float64))
    shape = sw.shape
    sw, sb = sw.ravel().copy(), sb.ravel().copy()
    n = sw.size

    def excess(q, rows):
        return length_map(act, q, sw[rows], sb[rows]) - q

    def slope(q, rows):
        return length_map_slope(act, q, sw[rows]) - 1.0

    out = np.full(n, np.nan)
    rows = np.arange(n)
    start = np.full(n, float(q0))
    g0 = excess(start, rows)
    out[g0 == 0] = q0
    lo, hi = np.full(n, np.nan), np.full(n, np.nan)
    # upward: grow by 4 until Q(q) <= q. Where g = Q - q falls at a and rises at 4a (a valley:
    # Q convex, as for exponentially growing activations) two fixed points may hide between,
    # so the valley's floor is found and checked before stepping on.
    up = np.flatnonzero(g0 > 0)
    a = start[up].copy()
    falling = slope(a, up) < 0
    while up.size:
        b = 4.0 * a
        gb, rising = excess(b, up), slope(b, up) > 0
        found = gb <= 0
        for i in np.flatnonzero(~found & falling & rising):
            floor = _valley_floor(lambda q, r=up[i]: float(excess(np.array([q]), np.array([r]))[0]), a[i], b[i])
            if floor is not None:
                found[i], b[i] = True, floor
        lo[up[found]], hi[up[found]] = a[found], b[found]
        a, falling, up = b[~found], ~rising[~found], up[~found]
        gone = a > Q_MAX
        out[up[gone]] = math.inf
        a, falling, up = a[~gone], falling[~gone], up[~gone]
    # downward: shrink until Q(q) > q
    down = np.flatnonzero(g0 < 0)
    a, b = start[down] / 4.0, start[down].copy()
    while down.size:
        ga = excess(a, down)
        found = ga > 0
        lo[down[found]], hi[down[found]] = a[found], b[found]
        a, b, down = a[~found] / 4.0, a[~found], down[~found]
        gone = a < Q_MIN
        out[down[gone]] = 0.0
        a, b, down = a[~gone], b[~gone], down[~gone]
    todo = np.flatnonzero(np.isfinite(lo))
    if todo.size:
        out[todo] = bracketed_roots(excess, lo[todo], hi[todo], todo)
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


def _pair_expect(g: Fn, q: float, c: np.ndarray, kinks: tuple[float, ...]) -> np.ndarray:
    """E[g(u₁) g(u₂)], (u₁, u₂) Gaussian with variance q and correlation c, for each c.

    With w, z₁, z₂ independent: u_i = √q(±√|c| w + √(1-|c|) z_i), so the double integral is
    E_w[h(w) h(±w)] with h(w) = E_z[g(√(q|c|) w + √(q(1-|c|)) z)], two nested 1-D rules.
    """
    c = np.clip(np.asarray(c, dtype=np.float64).ravel(), -1.0, 1.0)
    out = np.empty(c.size)
    for i, ci in enumerate(c):
        a = math.sqrt(q * abs(ci))
        b = math.sqrt(q * max(0.0, 1.0 - abs(ci)))
        if a == 0.0:  # independent: E[g]²
            out[i] = expect_many(g, 0.0, b, kinks) ** 2
            continue
        # h is f smoothed over a width b: near a kink it bends within a few b of it
        near = [k + b * s for k in kinks for s in (-16, -8, -4, -2, -1, 1, 2, 4, 8, 16)]
        t, w = rule(np.zeros(1), np.array([a]), kinks, near)
        t, w = t[0], w[0]
        used = w > 0
        t, w = t[used], w[used]
        h = expect_many(g, a * t, b, kinks)
        h_other = h if ci > 0 else expect_many(g, -a * t, b, kinks)
        out[i] = float(np.sum(h * h_other * w))
    return out


def correlation_map(act: BoundActivation | str, c, sigma_w: float, sigma_b: float, q: float | None = None) -> np.ndarray:
    """C(c) = (σ_w² E[f(u₁) f(u₂)] + σ_b²) / Q(q), (u₁, u₂) with variance q and correlation c.

    ``q`` defaults to q*, where Q(q*) = q*; dividing by Q(q) rather than q keeps C(1) = 1
    at any q, so the map also makes sense where q* is infinite (evaluated at Q_MAX then).
    q* = 0 is read as q -> 0+.
    """
    act = check_elementwise(get(act))
    c_arr = np.asarray(c, dtype=np.float64)
    if q is None:
        q = float(fixed_point(act, sigma_w, sigma_b))
    q = max(float(_q_eval(q)), _Q_FLOOR)
    pair = _pair_expect(act, q, c_arr, act.kinks)
    return ((sigma_w**2 * pair + sigma_b**2) / float(length_map(act, q, sigma_w, sigma_b))).reshape(c_arr.shape)


def correlation_slope(act: BoundActivation | str, c, sigma_w: float, sigma_b: float, q: float) -> np.ndarray:
    """C'(c) = σ_w² q E[f'(u₁) f'(u₂)] / Q(q) (Price's theorem): χ_c at c = c*, and χ at c = 1
    where q = q*."""
    act = check_elementwise(get(act))
    c_arr = np.asarray(c, dtype=np.float64)
    q = max(float(_q_eval(q)), _Q_FLOOR)
    pair = _pair_expect(act.derivative, q, c_arr, act.kinks)
    return (sigma_w**2 * q * pair / float(length_map(act, q, sigma_w, sigma_b))).reshape(c_arr.shape)


def correlation_fixed_point(act: BoundActivation | str, sigma_w: float, sigma_b: float, q: float, slope_at_1: float) -> float:
    """The attracting fixed point c* of the correlation map, given its slope C'(1) (χ at a finite q*).

    c = 1 attracts unless C'(1) > 1. Then C(c) < c just below 1, and c* is the largest c
    below 1 where C crosses the diagonal: bracketed on a grid, then found by regula falsi.
    """
    act = get(act)
    if not slope_at_1 > 1.0 + CRITICAL_TOL:
        return 1.0

    def excess(c):
        return correlation_map(act, c, sigma_w, sigma_b, q) - c

    grid = np.append(np.linspace(-1.0, 1.0, 21)[:-1], 1.0 - 1e-6)
    values = excess(grid)
    if values[-1] >= 0:  # c* within 1e-6 of 1: taken as 1
        return 1.0
    above = np.flatnonzero(values >= 0)
    if above.size == 0:  # C(-1) >= -1 always; only rounding can land here
        return -1.0
    k = above[-1]
    if values[k] == 0:
        return float(grid[k])
    return float(bracketed_roots(lambda c, _rows: excess(c), grid[k], grid[k + 1])[0])


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
    chi_1 = float(chi(act, q, sigma_w))
    slope = float(length_map_slope(act, q, sigma_w))
    # C'(1) = χ·q/Q(q): χ itself at a finite q*
    q_eff = max(q, _Q_FLOOR)
    slope_1 = chi_1 if bounded else chi_1 * q_eff / float(length_map(act, q_eff, sigma_w, sigma_b))
    c_star = correlation_fixed_point(act, sigma_w, sigma_b, q_star, slope_1)
    chi_c = slope_1 if c_star == 1.0 else float(correlation_slope(act, c_star, sigma_w, sigma_b, q_star))
    if bounded:
        sd = math.sqrt(q)  # q* = 0 gives f(0) and variance 0
        mean = float(expect_many(act, 0.0, sd, act.kinks))
        var = float(expect_many(lambda x: np.square(act(x) - mean), 0.0, sd, act.kinks))
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
    """

    spec: str
    sigma_w: float
    sigma_b: float
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
    """
    act = check_elementwise(get(act))
    sigma_w, sigma_b = check_sigmas(sigma_w, sigma_b)
    depth, width, samples = check_network(depth, width, samples)
    seed = check_seed(seed)
    seeds = np.random.SeedSequence(seed).spawn(depth + 2)
    scale = sigma_w / math.sqrt(width)

    keep = depth * width * width * 8 <= _KEEP_WEIGHTS
    kept: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def layer(l: int) -> tuple[np.ndarray, np.ndarray]:
        if l in kept:
            return kept.pop(l)
        rng = np.random.default_rng(seeds[l])
        w = rng.standard_normal((width, width))
        w *= scale
        out = w, rng.standard_normal(width) * sigma_b
        if keep:
            kept[l] = out
        return out

    x = np.random.default_rng(seeds[depth]).standard_normal((samples, width)) * math.sqrt(q_in)
    pre = []
    with np.errstate(over="ignore", invalid="ignore"):
        h = x
        for l in range(depth):
            w, b = layer(l)
            h = (h if l == 0 else act(h)) @ w.T + b
            pre.append(h)
        g = np.random.default_rng(seeds[depth + 1]).standard_normal((samples, width))
        grad = np.empty(depth)
        grad[-1] = np.mean(np.square(g))
        for l in range(depth - 1, 0, -1):
            w, _ = layer(l)
            g = (g @ w) * act.derivative(pre[l - 1])
            grad[l - 1] = np.mean(np.square(g))
        variance = np.array([np.mean(np.square(h)) for h in pre])
        grad = grad / grad[-1]
    q_pred = np.empty(depth)
    q_pred[0] = sigma_w**2 * q_in + sigma_b**2
    for l in range(1, depth):
        q_pred[l] = float(length_map(act, min(q_pred[l - 1], Q_MAX), sigma_w, sigma_b))
    chis = chi(act, np.minimum(q_pred, Q_MAX), sigma_w)
    # E[(∂E/∂h^{l-1})²] = χ(q^{l-1}) E[(∂E/∂h^l)²]
    grad_pred = np.ones(depth)
    for l in range(depth - 2, -1, -1):
        grad_pred[l] = grad_pred[l + 1] * chis[l]
    return MonteCarlo(
        spec=act.spec,
        sigma_w=sigma_w,
        sigma_b=sigma_b,
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
