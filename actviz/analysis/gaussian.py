"""The moments of f(z) and f'(z) for a Gaussian z: E[f], Var[f], E[f²], E[f'], E[f'²].

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
