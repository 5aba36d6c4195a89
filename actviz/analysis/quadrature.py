"""Expectations under a Gaussian: one quadrature engine, for one (μ, σ) or for many at once.

E[g(z)] for z ~ N(μ, σ²) is ∫ g(μ + σt) φ(t) dt, taken over t ∈ [-40, 40] (beyond it
φ < 1e-347, so even g = 1.8e308 adds nothing). The line is cut into panels and every panel
gets a Gauss–Legendre rule (:func:`panels`, :func:`legendre`); the two entry points differ
in where the cuts go and in what checks the sum.

:func:`expect_many` takes a batch of (μ, σ) pairs in one vectorised call of g (the signal
propagation maps evaluate many variances q at once). Its cuts are fixed (:func:`rule`): the
activation's kinks, powers of two of |x| (the activation's own scale) and whole standard
deviations (the density's scale), so each panel holds an analytic piece and 12 nodes reach
about 1e-15 relative. ``sigma = 0`` gives g(μ); nothing is done about overflow or poles.

:func:`expect` takes one (μ, σ) and adapts. The integrand is first scanned, vectorised, on a
grid that is the union of

- a uniform grid over t ∈ [-40, 40],
- the t images of x = 0 and x = ±10^k for k from -6 to 3 (three per decade), so that a feature
  of width about 1 in x near the origin (sigmoid's slope, a smooth step) is seen at any σ and μ —
  at σ = 1e6 it is 1e-6 wide in t, far between the uniform points,
- the t images of the activation's kinks.

The window is the stretch of grid where |g·φ| is above 1e-18 of its largest grid value. The line
is cut at every kink and at every grid point inside the window; the stretches outside the window
are one piece each. Every piece gets a 16- and a 32-point Gauss–Legendre rule (all pieces in one
vectorised call of g); where the two disagree by more than 1e-15 of the peak (or 1e-13 of the
piece), scipy's adaptive ``quad`` takes that piece. At σ = 1 the moments agree with plain
quadrature to about 1e-15; at σ = 1e6, E[σ'(z)] ≈ 1/(σ√(2π)) is right.

Where g is not finite:

- where g overflows towards an end of the scan (e^z at large σ), the overflow point is located
  and, beyond it, log|g| is continued as a straight line with its slope there: the tail is a
  closed form, exact for the exponential growth by which activations overflow float64. So
  E[e^z] at σ = 26 (e^338, though e^z overflows 1.3σ past the peak of e^z·φ) is right, and a
  moment beyond 1.8e308 (E[e^(2z)] at σ = 20) is ±inf;
- other points where even g = 1.8e308 (the largest double) times φ would be below 1e-18 of
  the peak are dropped;
- at an isolated pole on the grid (1/z at 0) the order p of |g| ~ |t - c|^-p is read; p ≥ 0.99
  means the integral does not exist (quad's extrapolation would return the finite part: -1 for
  E[1/z²]) and the result is NaN; a weaker pole (log|z|, |z|^-1/2) is integrated;
- an integral that quad cannot bring below a 1e-11 error, or a g that is NaN where the Gaussian
  has weight (log z for z < 0), gives NaN. (A pole off the grid is left to quad's judgement.)

No floating-point or integration warning escapes: numpy runs under ``errstate(all="ignore")``
and ``quad`` reports through ``full_output`` instead of warning.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np

from ..errors import UsageError
from ..numerics import predicate_edge

Fn = Callable[[np.ndarray], np.ndarray]

_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_LOG_INV_SQRT_2PI = math.log(_INV_SQRT_2PI)
_LOG_MAX = math.log(np.finfo(np.float64).max)  # 709.78…
#: t = (x - μ)/σ is integrated over [-T_MAX, T_MAX]: φ(40) = e^-800
T_MAX = 40.0
#: the uniform part of :func:`expect`'s scan: steps of _T_STEP over the whole t line
_T_STEP = 0.5
#: the x scales whose t images join the scan: ±10^k, k = -6, -6 + 1/3, …, 3
_X_SCALES = np.logspace(-6.0, 3.0, 28)
#: grid values of |g·φ| below this share of the largest one are outside the window
_NEGLIGIBLE = 1e-18
#: a piece that quad did not finish cleanly still counts when its error estimate is below
#: this share of the integral's scale (roundoff at the 1e-13 level, say); otherwise NaN
_ACCEPT = 1e-11


# -- the shared rule ------------------------------------------------------------------------

_LEGENDRE: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def legendre(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The n-point Gauss–Legendre nodes and weights on [-1, 1] (computed once per n)."""
    if n not in _LEGENDRE:
        _LEGENDRE[n] = np.polynomial.legendre.leggauss(n)
    return _LEGENDRE[n]


def panels(edges: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The nodes of the n-point rule on each panel between consecutive ``edges`` (last axis),
    shape (..., panels, n), and each panel's half-width, shape (..., panels): the integral over
    a panel is half · Σ weights · values."""
    nodes, _ = legendre(n)
    a, b = edges[..., :-1], edges[..., 1:]
    half = 0.5 * (b - a)
    return 0.5 * (b + a)[..., None] + half[..., None] * nodes, half


# -- many (μ, σ) at once, fixed cuts -------------------------------------------------------

#: nodes per panel of :func:`rule`
_RULE_NODES = 12
# Panel ends in standard deviations: 2 wide in the core, 4 wide out to 40, far enough for
# activations that grow exponentially.
_T_CUTS = np.concatenate([-np.arange(40.0, 12.0, -4.0), np.arange(-12.0, 12.5, 2.0), np.arange(16.0, 40.5, 4.0)])


def rule(mu: np.ndarray, sigma: np.ndarray, kinks=(), extra=(), t_max=T_MAX) -> tuple[np.ndarray, np.ndarray]:
    """Nodes t (rows, n) and weights (rows, n) with E[g(mu + sigma z)] ≈ Σ w g(mu + sigma t), one
    row per (mu, sigma) pair (1-D arrays); ``kinks`` and ``extra`` are further panel ends, in x.

    The rule covers t ∈ [-t_max, t_max] (a number, or one per row): :data:`T_MAX` unless the
    caller knows that the integrand adds nothing further out. Cuts that fall outside it for
    every row are left out rather than kept as empty panels.
    """
    t_max = np.broadcast_to(np.asarray(t_max, dtype=np.float64), mu.shape)
    widest = float(np.max(t_max)) if mu.size else T_MAX
    reach = float(np.max(np.abs(mu) + t_max * sigma)) if mu.size else 1.0
    top = max(-3, math.ceil(math.log2(reach))) if reach > 0 else -3
    powers = 2.0 ** np.arange(-3, top + 1)
    x_cuts = np.concatenate([-powers, [0.0], powers, np.asarray(kinks, dtype=np.float64), np.asarray(extra, dtype=np.float64)])
    with np.errstate(divide="ignore", invalid="ignore"):
        t_x = (x_cuts[None, :] - mu[:, None]) / sigma[:, None]
    lim = t_max[:, None]
    t_x = np.clip(np.nan_to_num(t_x, nan=0.0, posinf=T_MAX, neginf=-T_MAX), -lim, lim)
    t_x = t_x[:, np.any(np.abs(t_x) < lim, axis=0)]
    inner = _T_CUTS[np.abs(_T_CUTS) < widest]
    ends = np.concatenate([-lim, np.clip(np.broadcast_to(inner, (len(mu), len(inner))), -lim, lim), lim], axis=1)
    cuts = np.sort(np.concatenate([ends, t_x], axis=1), axis=1)
    t, half = panels(cuts, _RULE_NODES)
    t = t.reshape(len(mu), -1)
    w = (half[..., None] * legendre(_RULE_NODES)[1]).reshape(len(mu), -1) * (_INV_SQRT_2PI * np.exp(-0.5 * t * t))
    return t, w


def weighted_sum(values: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Σ w·values along the last axis: a :func:`rule`'s estimate, for values taken at its nodes."""
    # where the density underflows to 0 an overflowing integrand must not make inf * 0 = NaN
    with np.errstate(invalid="ignore", over="ignore"):
        return np.sum(np.where(w > 0, values * w, 0.0), axis=-1)


def expect_many(g: Fn, mu, sigma, kinks: tuple[float, ...] = (), t_max=T_MAX) -> np.ndarray:
    """E[g(mu + sigma z)], z ~ N(0, 1), for each (mu, sigma) pair (arrays broadcast), with one
    call of ``g`` for the whole batch.

    ``g`` maps a float64 array to one of the same shape; ``kinks`` are x where g or its
    derivative jumps; ``t_max`` is the rule's reach (see :func:`rule`). ``sigma = 0`` gives g(mu).
    """
    mu, sigma = np.broadcast_arrays(np.asarray(mu, dtype=np.float64), np.asarray(sigma, dtype=np.float64))
    shape = mu.shape
    if mu.size == 0:
        return np.empty(shape)
    mu, sigma = mu.ravel(), sigma.ravel()
    t_max = np.broadcast_to(np.asarray(t_max, dtype=np.float64), shape).ravel()
    t, w = rule(mu, sigma, kinks, t_max=t_max)
    with np.errstate(over="ignore", invalid="ignore"):
        x = mu[:, None] + sigma[:, None] * t
        values = np.asarray(g(x), dtype=np.float64)
    return weighted_sum(values, w).reshape(shape)


# -- one (μ, σ), adaptive --------------------------------------------------------------------


def _scan_grid(mu: float, sigma: float, kinks: Iterable[float]) -> tuple[np.ndarray, np.ndarray]:
    """The sorted scan grid in t, and the t images of the kinks inside (-T_MAX, T_MAX)."""
    uniform = np.linspace(-T_MAX, T_MAX, int(round(2 * T_MAX / _T_STEP)) + 1)
    xs = np.concatenate([-_X_SCALES[::-1], [0.0], _X_SCALES])
    kink_x = np.array([float(k) for k in kinks], dtype=np.float64)
    with np.errstate(all="ignore"):
        images = (xs - mu) / sigma
        kink_t = (kink_x - mu) / sigma
    kink_t = kink_t[np.isfinite(kink_t) & (np.abs(kink_t) < T_MAX)]
    images = images[np.isfinite(images) & (np.abs(images) < T_MAX)]
    grid = np.unique(np.concatenate([uniform, images, kink_t]))
    return grid, np.unique(kink_t)


def _log_phi(t: np.ndarray | float):
    return _LOG_INV_SQRT_2PI - 0.5 * np.square(t)


def _weighted(gx: np.ndarray | float, t: np.ndarray | float):
    """g·φ(t) without the underflow of φ alone: a finite g times e^(-t²/4), then e^(-t²/4)/√(2π)."""
    half = np.exp(-0.25 * np.square(t))
    return gx * half * (half * _INV_SQRT_2PI)


def _overflow_tail(
    g: Callable[[np.ndarray], np.ndarray], mu: float, sigma: float, inner: float, outer: float
) -> tuple[float, float, float]:
    """The tail beyond the point where g overflows, between grid points ``inner`` (finite)
    and ``outer`` (±inf) on one side of the window. Returns (edge, sign, log|tail integral|);
    log is NaN when the growth of g at the edge cannot be read."""

    def value(t: float) -> float:
        return float(g(np.asarray(mu + sigma * t, dtype=np.float64)))

    edge, _ = predicate_edge(lambda t: math.isfinite(value(t)), inner, outer)
    step = 0.5 * (edge - inner)
    g_edge, g_back = value(edge), value(edge - step)
    sign = math.copysign(1.0, value(outer))
    if not (g_edge * sign > 0 and g_back * sign > 0 and step != 0.0):
        return edge, sign, math.nan
    # log|g(μ + σt)| ≈ a + b·d beyond the edge, d the distance from it (outwards); then
    # ∫ e^(a + b·d) φ(t) dt over the tail is e^(a - b·s + b²/2) Φ(b - s), s = |edge| signed outwards
    a = math.log(abs(g_edge))
    b = (a - math.log(abs(g_back))) / abs(step)
    s = edge if outer > inner else -edge
    if not (math.isfinite(b) and b > 0):
        return edge, sign, math.nan
    from scipy.special import log_ndtr

    return edge, sign, a - b * s + 0.5 * b * b + float(log_ndtr(b - s))


def expect(
    g: Callable[[np.ndarray], np.ndarray],
    mu: float = 0.0,
    sigma: float = 1.0,
    kinks: Iterable[float] = (),
) -> float:
    """E[g(z)] for z ~ N(mu, sigma²); ``g`` takes and returns float64 arrays.

    ±inf when the moment is beyond the float64 range, NaN when it does not exist (the
    integral does not converge, or g is NaN where the Gaussian has weight). Never warns.
    """
    mu, sigma = float(mu), float(sigma)
    if not (math.isfinite(mu) and math.isfinite(sigma)) or sigma <= 0:
        raise UsageError(f"Gaussian needs a finite mean and a positive finite sigma, not N({mu:g}, {sigma:g}²)")
    with np.errstate(all="ignore"):
        return _expect(g, mu, sigma, kinks)


def _expect(g: Callable[[np.ndarray], np.ndarray], mu: float, sigma: float, kinks: Iterable[float]) -> float:
    t, kink_t = _scan_grid(mu, sigma, kinks)
    gx = np.broadcast_to(np.asarray(g(mu + sigma * t), dtype=np.float64), t.shape)
    h = _weighted(gx, t)
    finite = np.isfinite(h)
    peak = float(np.max(np.abs(h[finite]), initial=0.0))
    floor = _NEGLIGIBLE * peak
    log_floor = math.log(floor) if floor > 0 else -math.inf
    # where g is not finite, g·φ is at least 1.8e308·φ(t): with weight when that is above the floor
    bad = ~finite
    weighty = bad & (_LOG_MAX + _log_phi(t) >= log_floor)
    if np.any(weighty & np.isnan(gx)):
        return math.nan
    n = len(t)
    if np.all(bad):
        return _all_overflow(gx, t)

    def weighted(s: np.ndarray) -> np.ndarray:
        gs = np.broadcast_to(np.asarray(g(mu + sigma * s), dtype=np.float64), s.shape)
        out = np.array(_weighted(gs, s), dtype=np.float64)
        # an overflow (or NaN) where even 1.8e308·φ is below the floor adds nothing
        out[~np.isfinite(out) & (_LOG_MAX + _log_phi(s) < log_floor)] = 0.0
        return out

    lo, hi = -T_MAX, T_MAX
    tails: list[tuple[float, float]] = []  # (sign, log|integral|)
    # a run of overflows reaching an end of the scan is a tail, continued past its edge
    for side in (1, -1):
        run = 0
        while bad[n - 1 - run if side == 1 else run]:
            run += 1
        if run == 0:
            continue
        first_bad, last_good = (n - run, n - run - 1) if side == 1 else (run - 1, run)
        if np.isnan(gx[first_bad]):
            continue  # NaN without weight (weighty NaN returned above): dropped
        edge, sign, log_tail = _overflow_tail(g, mu, sigma, float(t[last_good]), float(t[first_bad]))
        if math.isnan(log_tail):
            if weighty[first_bad]:
                return math.nan  # an overflow with weight whose growth cannot be read
            continue
        tails.append((sign, log_tail))
        if side == 1:
            hi = edge
        else:
            lo = edge

    inside = (t > lo) & (t < hi)
    poles = t[inside & weighty]
    if any(_diverges(weighted, float(c)) for c in poles):
        return math.nan
    significant = np.flatnonzero(inside & finite & (np.abs(h) > floor))
    cuts = {lo, hi}
    cuts.update(float(k) for k in kink_t if lo < k < hi)
    cuts.update(float(c) for c in t[inside & bad])  # never evaluated: quad and Gauss use inner points
    if len(significant):
        i0, i1 = max(int(significant[0]) - 1, 0), min(int(significant[-1]) + 1, n - 1)
        cuts.update(float(x) for x in t[i0 : i1 + 1] if lo < x < hi)
    edges = np.array(sorted(cuts))

    total = _integrate(weighted, edges, max(peak, 1e-300))
    for sign, log_tail in tails:
        if log_tail > _LOG_MAX:
            total += sign * math.inf  # inf - inf: NaN, as it should be
        else:
            total += sign * math.exp(log_tail)
    return total


def _diverges(weighted: Callable[[np.ndarray], np.ndarray], c: float) -> bool:
    """Whether g·φ has a non-integrable pole at c: |g| grows like |t - c|^-p with p near 1 or more.

    (quad's extrapolation would otherwise return the finite part of a divergent integral:
    -1 for E[1/z²].)"""
    d = np.array([1e-9, 1e-11]) * max(1.0, abs(c))
    for direction in (1.0, -1.0):
        v = np.abs(weighted(c + direction * d))
        if not (np.all(np.isfinite(v)) and np.all(v > 0)):
            return True
        order = math.log(v[1] / v[0]) / math.log(d[0] / d[1])
        if order > 0.99:
            return True
    return False


def _integrate(weighted: Callable[[np.ndarray], np.ndarray], edges: np.ndarray, scale: float) -> float:
    """∫ over [edges[0], edges[-1]], piece by piece: 16- and 32-point Gauss–Legendre on every
    piece at once (one vectorised call of g), and scipy's adaptive ``quad`` on each piece
    where the two rules disagree by more than the tolerance."""
    from scipy.integrate import quad

    a, b = edges[:-1], edges[1:]
    estimates = []
    for n in (16, 32):
        t, half = panels(edges, n)
        values = weighted(t.ravel()).reshape(t.shape)
        estimates.append(half * (values @ legendre(n)[1]))
    coarse, fine = estimates
    epsabs = 1e-15 * scale
    good = np.isfinite(fine) & np.isfinite(coarse) & (np.abs(fine - coarse) <= np.maximum(epsabs, 1e-13 * np.abs(fine)))
    total = float(np.sum(fine[good]))

    def scalar(s: float) -> float:
        return float(weighted(np.array([s]))[0])

    for i in np.flatnonzero(~good):
        out = quad(scalar, float(a[i]), float(b[i]), epsabs=epsabs, epsrel=1e-13, limit=200, full_output=1)
        value, error = out[0], out[1]
        if math.isnan(value):
            return math.nan
        if math.isfinite(value) and len(out) > 3 and not error <= _ACCEPT * max(scale, abs(value)):
            return math.nan  # quad gave up with a large error: the integral does not converge
        total += value  # a piece beyond 1.8e308 makes the total ±inf (or NaN: inf - inf)
    return total


def _all_overflow(gx: np.ndarray, t: np.ndarray) -> float:
    """Every scan point overflows (x² with σ = 1e200): ±inf when they agree, else NaN."""
    signs = np.sign(gx[np.abs(t) < 10.0])
    if np.all(np.isinf(gx)) and (np.all(signs > 0) or np.all(signs < 0)):
        return float(signs[0]) * math.inf
    return math.nan
