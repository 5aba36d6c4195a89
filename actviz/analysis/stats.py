"""The key statistics of an activation, as one plain dict per activation.

Saturation over an interval (dead and saturated shares, onset), the shape of f and f'
there (output range, f(0), f'(0), the steepest slope and where), the moments of f(z)
and f'(z) for a Gaussian z, the activation sparsity P(f(z) = 0) for that z, the
variance-preserving gain 1/√E[f(z)²] (z ~ N(0, 1)) and, beside it, the gain PyTorch's
``torch.nn.init.calculate_gain`` uses.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.bound import BoundActivation, bind
from ..core.options import check_gaussian, check_threshold
from ..core.records import resolve
from ..core.sampling import DEFAULT_POINTS, DEFAULT_RANGE, grid
from ..registry import get
from .saturation import DEFAULT_THRESHOLD
from .saturation import saturation as saturation_of

#: The keys of :func:`stats`'s result, in order (the JSON schema of `actviz stats`).
STATS_KEYS = (
    "spec", "range", "points", "saturation_threshold", "dead_share", "saturated_share", "onset",
    "stationary", "output_min", "output_max", "f0", "df0", "max_abs_df", "argmax_abs_df", "gaussian", "sparsity",
    "gain", "torch_gain",
)
GAUSSIAN_KEYS = ("mu", "sigma", "mean", "var", "second_moment", "mean_df", "second_moment_df")
#: A gated unit's ``gaussian``, for independent a, b ~ N(mu, sigma²): f's moments, ∂f/∂a's
#: (mean_df, second_moment_df) and ∂f/∂b's.
GATED_GAUSSIAN_KEYS = (*GAUSSIAN_KEYS, "mean_dfdb", "second_moment_dfdb")


_EPS = float(np.finfo(np.float64).eps)


def torch_gain(act: BoundActivation | str) -> float | None:
    """``torch.nn.init.calculate_gain`` for this activation and its parameters, or None."""
    act = get(act)
    return resolve(act.record.torch_gain, act.params)


def _refine(fn: Callable[[float], float], x: np.ndarray, y: np.ndarray, i: int) -> tuple[float, float]:
    """Polish the grid minimum y[i] of fn when it is a strict interior one: (x, fn(x))."""
    best = (float(x[i]), float(y[i]))
    if not 0 < i < len(x) - 1 or not (y[i - 1] > y[i] < y[i + 1]):
        return best
    from scipy.optimize import minimize_scalar

    res = minimize_scalar(fn, bounds=(float(x[i - 1]), float(x[i + 1])), method="bounded",
                          options={"xatol": 1e-12})
    # a gain of a few ulps on a flat top is rounding noise, not a better extremum
    if res.success and math.isfinite(res.fun) and res.fun < best[1] - 8 * _EPS * abs(best[1]):
        return float(res.x), float(res.fun)
    return best


def _nearest_zero(x: np.ndarray, hits: np.ndarray) -> int:
    """Of the indices where ``hits`` is true, the one whose x is nearest 0 (ties: the left one)."""
    idx = np.flatnonzero(hits)
    return int(idx[np.argmin(np.abs(x[idx]))])


def shape_stats(act: BoundActivation, x: np.ndarray) -> dict[str, float]:
    """Output min and max on the grid ``x`` (polished between grid points), f(0), f'(0),
    max |f'| and where (the x nearest 0 where it is reached)."""
    f, df = act.evaluate(x, orders=(0, 1))
    f = np.asarray(f, dtype=np.float64)
    absd = np.abs(np.asarray(df, dtype=np.float64))

    def value(t: float) -> float:
        return float(act(np.float64(t)))

    if np.all(np.isnan(f)):
        fmin = neg_fmax = math.nan
    else:  # a pole (an expression such as log|x|) leaves NaN or ±inf on the grid
        _, fmin = _refine(value, x, f, int(np.nanargmin(f)))
        _, neg_fmax = _refine(lambda t: -value(t), x, -f, int(np.nanargmax(f)))
    if np.all(np.isnan(absd)):
        where, neg_peak = math.nan, math.nan
    else:
        peak = float(np.nanmax(absd))
        i = _nearest_zero(x, absd == peak)
        if math.isinf(peak):
            where, neg_peak = float(x[i]), -peak
        else:
            where, neg_peak = _refine(lambda t: -float(abs(act.derivative(np.float64(t)))), x, -absd, i)
    f0, df0 = act.evaluate(np.float64(0.0), orders=(0, 1))
    out = {
        "output_min": fmin,
        "output_max": -neg_fmax,
        "f0": f0,
        "df0": df0,
        "max_abs_df": -neg_peak,
        "argmax_abs_df": where,
    }
    return {k: float(v) + 0.0 for k, v in out.items()}  # + 0.0 turns -0.0 into 0.0


def stats(
    act: BoundActivation | str,
    range: tuple[float, float] = DEFAULT_RANGE,
    points: int = DEFAULT_POINTS,
    saturation: float = DEFAULT_THRESHOLD,
    mu: float = 0.0,
    sigma: float = 1.0,
) -> dict[str, Any]:
    """Every key statistic of ``act`` (a spec or bound activation) as a JSON-ready dict.

    Keys are :data:`STATS_KEYS`; ``gaussian`` holds :data:`GAUSSIAN_KEYS`. ``onset`` is
    [left, right]: where the saturated tail on that side begins, None where there is none;
    ``stationary`` lists the interior zeros of f' outside dead regions as {"x", "f"}.
    ``sparsity`` is P(f(z) = 0) for z ~ N(mu, sigma²) (:func:`actviz.analysis.sparsity.sparsity`;
    None where the activation does not say where it is 0). ``gain`` is 1/√E[f(z)²] for
    z ~ N(0, 1), whatever ``mu`` and ``sigma`` are.

    A gated unit f(a, b) has its saturation and shape taken along its gate curve (f' being
    ∂f/∂a there), and its moments and gain for independent a, b ~ N(mu, sigma²) (N(0, 1)
    for the gain): ``gaussian`` then holds :data:`GATED_GAUSSIAN_KEYS`.
    """
    from .gaussian import gated_gaussian_stats, gaussian_stats
    from .quadrature import expect
    from .sparsity import sparsity

    bound = get(act)
    act = bound.elementwise
    mu, sigma = check_gaussian(mu, sigma)
    saturation = check_threshold(saturation, "saturation")
    sat = saturation_of(act, range, points, saturation)
    shape = shape_stats(act, grid(*sat.range, sat.points))
    if act.is_gated:
        # the two-input function, from its gate curve too (an engine's name for it included)
        unit = bind(act.record, act.params, None if act.engine else act.framework, act.engine)
        moments = gated_gaussian_stats(unit, mu, sigma)
        keys = GATED_GAUSSIAN_KEYS
        standard = moments if mu == 0.0 and sigma == 1.0 else gated_gaussian_stats(unit)
        second = standard.second_moment
    else:
        moments = gaussian_stats(act, mu, sigma)
        keys = GAUSSIAN_KEYS
        if mu == 0.0 and sigma == 1.0:
            second = moments.second_moment
        else:
            second = expect(lambda z: act(z) ** 2, 0.0, 1.0, act.kinks)
    gain = 1.0 / math.sqrt(second) if second > 0 and math.isfinite(second) else None
    return {
        "spec": act.spec,
        "range": [sat.range[0], sat.range[1]],
        "points": sat.points,
        "saturation_threshold": sat.threshold,
        "dead_share": sat.dead_share,
        "saturated_share": sat.saturated_share,
        "onset": [sat.onset[0], sat.onset[1]],
        "stationary": [{"x": t, "f": v} for t, v in sat.stationary],
        **shape,
        "gaussian": {k: float(getattr(moments, k)) for k in keys},
        "sparsity": sparsity(act, mu, sigma),
        "gain": gain,
        "torch_gain": torch_gain(act),
    }
