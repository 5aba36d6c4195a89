"""Expectations under a Gaussian, by quadrature that splits at the activation's kinks.

E[g(z)] for z ~ N(μ, σ²) is ∫ g(μ + σt) φ(t) dt. scipy's adaptive quadrature converges
slowly across a kink or a jump, so the line is cut at every kink (and at ±10 standard
deviations, beyond which φ is below 1e-22) and each piece is integrated on its own,
to an absolute tolerance far below the 1e-10 the statistics promise.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from ..errors import UsageError
from ..registry import BoundActivation

_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _breakpoints(mu: float, sigma: float, kinks: Iterable[float]) -> list[float]:
    cuts = {-10.0, 0.0, 10.0}
    for k in kinks:
        t = (float(k) - mu) / sigma
        if math.isfinite(t):
            cuts.add(t)
    return sorted(cuts)


def expect(
    g: Callable[[np.ndarray], np.ndarray],
    mu: float = 0.0,
    sigma: float = 1.0,
    kinks: Iterable[float] = (),
) -> float:
    """E[g(z)] for z ~ N(mu, sigma²); ``g`` takes and returns float64 arrays."""
    from scipy.integrate import quad

    mu, sigma = float(mu), float(sigma)
    if not (math.isfinite(mu) and math.isfinite(sigma)) or sigma <= 0:
        raise UsageError(f"Gaussian needs a finite mean and a positive finite sigma, not N({mu:g}, {sigma:g}²)")

    def integrand(t: float) -> float:
        density = _INV_SQRT_2PI * math.exp(-0.5 * t * t)
        if density == 0.0:
            return 0.0
        value = float(g(np.asarray(mu + sigma * t, dtype=np.float64)))
        return value * density

    cuts = _breakpoints(mu, sigma, kinks)
    pieces = [(-math.inf, cuts[0]), *zip(cuts[:-1], cuts[1:], strict=True), (cuts[-1], math.inf)]
    total = 0.0
    for a, b in pieces:
        value, _ = quad(integrand, a, b, epsabs=1e-14, epsrel=1e-13, limit=200)
        total += value
    return total


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
    # the variance from its own integral: E[f²] - E[f]² cancels when the mean is large
    var = expect(lambda x: (act(x) - mean) ** 2, mu, sigma, kinks)
    mean_df = expect(act.derivative, mu, sigma, kinks)
    second_df = expect(lambda x: act.derivative(x) ** 2, mu, sigma, kinks)
    return GaussianStats(mu, sigma, mean, var, second, mean_df, second_df)
