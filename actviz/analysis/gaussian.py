"""The moments of f(z) and f'(z) for a Gaussian z: E[f], Var[f], E[f²], E[f'], E[f'²]; for a
gated unit f(a, b), those of f and of both partials with a and b independent Gaussians.

Each is one adaptive expectation of :func:`actviz.analysis.quadrature.expect`, cut at the
activation's kinks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..core.bound import BoundActivation
from .quadrature import expect


@dataclass(frozen=True)
class GaussianStats:
    """Moments of f(z) and f'(z) for z ~ N(mu, sigma²)."""

    mu: float
    sigma: float
    mean: float
    var: float
    second_moment: float
    mean_df: float
    second_moment_df: float

    def as_dict(self) -> dict[str, float]:
        return dict(self.__dict__)


def gaussian_stats(act: BoundActivation, mu: float = 0.0, sigma: float = 1.0) -> GaussianStats:
    """E[f], Var[f], E[f²], E[f'], E[f'²] for z ~ N(mu, sigma²), each to about 1e-12."""
    kinks = act.kinks
    mean = expect(act, mu, sigma, kinks)
    second = expect(lambda x: act(x) ** 2, mu, sigma, kinks)
    if math.isfinite(mean):
        # the variance from its own integral: E[f²] - E[f]² cancels when the mean is large
        var = expect(lambda x: (act(x) - mean) ** 2, mu, sigma, kinks)
    else:
        # E[f] = ±inf makes E[f²] = inf and the variance unbounded; no mean, no variance
        var = math.inf if math.isinf(mean) else math.nan
    mean_df = expect(act.derivative, mu, sigma, kinks)
    second_df = expect(lambda x: act.derivative(x) ** 2, mu, sigma, kinks)
    return GaussianStats(mu, sigma, mean, var, second, mean_df, second_df)


@dataclass(frozen=True)
class GatedGaussianStats(GaussianStats):
    """Moments of a gated unit f(a, b) = g(a)·v(b) and of its partials, for independent
    a, b ~ N(mu, sigma²): f's mean, variance and second moment, then ∂f/∂a's (mean_df,
    second_moment_df) and ∂f/∂b's (mean_dfdb, second_moment_dfdb)."""

    mean_dfdb: float
    second_moment_dfdb: float


def _factor_moments(fn, d_fn, mu: float, sigma: float, kinks) -> tuple[float, float, float, float, float]:
    """E[h], Var[h], E[h²], E[h'], E[h'²] of one factor h of a Gaussian input."""
    mean = expect(fn, mu, sigma, kinks)
    second = expect(lambda x: fn(x) ** 2, mu, sigma, kinks)
    var = expect(lambda x: (fn(x) - mean) ** 2, mu, sigma, kinks) if math.isfinite(mean) else math.nan
    return mean, var, second, expect(d_fn, mu, sigma, kinks), expect(lambda x: d_fn(x) ** 2, mu, sigma, kinks)


def gated_gaussian_stats(unit, mu: float = 0.0, sigma: float = 1.0) -> GatedGaussianStats:
    """The moments of f(a, b) = g(a)·v(b) and its partials for independent a, b ~ N(mu, sigma²).

    Independence makes each a product of one-dimensional expectations, each taken by
    :func:`~actviz.analysis.quadrature.expect` cut at the factor's kinks: E[f] = E[g]·E[v],
    E[f²] = E[g²]·E[v²], E[∂f/∂a] = E[g']·E[v], E[(∂f/∂a)²] = E[g'²]·E[v²] and likewise for b;
    Var[f] = Var[g]·Var[v] + Var[g]·E[v]² + E[g]²·Var[v], every term positive, so a large mean
    cannot cancel it away. ``unit`` is a :class:`~actviz.core.bound.GatedActivation`.
    """
    g = _factor_moments(lambda x: unit.gate_factor(x), lambda x: unit.gate_factor(x, 1), mu, sigma,
                        unit.gate_kinks)
    v = _factor_moments(lambda x: unit.value_factor(x), lambda x: unit.value_factor(x, 1), mu, sigma,
                        unit.value_kinks)
    g_mean, g_var, g_second, g_mean_d, g_second_d = g
    v_mean, v_var, v_second, v_mean_d, v_second_d = v
    var = g_var * v_var + g_var * v_mean**2 + g_mean**2 * v_var
    return GatedGaussianStats(
        mu, sigma,
        mean=g_mean * v_mean, var=var, second_moment=g_second * v_second,
        mean_df=g_mean_d * v_mean, second_moment_df=g_second_d * v_second,
        mean_dfdb=g_mean * v_mean_d, second_moment_dfdb=g_second * v_second_d,
    )
