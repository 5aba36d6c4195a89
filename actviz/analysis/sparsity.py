"""Activation sparsity: the probability P(f(z) = 0) that an activation's output is exactly 0
for a Gaussian input z ~ N(μ, σ²).

It is the Gaussian mass of the intervals on which f is identically 0 (the record's
``zeros``: relu's (-∞, 0], hardshrink's [-λ, λ], none for gelu), a sum of normal CDF
differences in closed form, not a sample count. Isolated zeros (tanh's at 0) have no mass.
Exact zeros of the function are meant, not of its float64 rounding: gelu's left tail
underflows to 0 below x ≈ -38.6, and Hugging Face's gelu_new, whose 1 + tanh(u) cancels, is 0
below x ≈ -7.19, yet neither function is 0 there.

Each interval's mass is taken from the tail it lies in (Φ(b') - Φ(a') on the left of μ,
Q(a') - Q(b') on the right, with Q(t) = Φ(-t)), so a small probability far from μ keeps
its relative accuracy instead of being the difference of two numbers near 1.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.bound import BoundActivation
from ..core.options import check_gaussian
from ..errors import OptionError
from ..registry import get


def interval_mass(a: float, b: float, mu: Any = 0.0, sigma: float = 1.0) -> np.ndarray | float:
    """P(a <= z <= b) for z ~ N(mu, sigma²); ``mu`` may be an array. The ends may be ±inf."""
    from scipy.special import ndtr

    mu_arr = np.asarray(mu, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        ta = (a - mu_arr) / sigma
        tb = (b - mu_arr) / sigma
    right = ndtr(-ta) - ndtr(-tb)  # both ends right of μ: a difference of upper tails
    left = ndtr(tb) - ndtr(ta)  # both left of μ: lower tails
    across = 1.0 - ndtr(ta) - ndtr(-tb)  # μ inside: 1 less the two tails outside
    mass = np.where(ta >= 0, right, np.where(tb <= 0, left, across))
    mass = np.clip(mass, 0.0, 1.0) + 0.0
    return float(mass) if mass.ndim == 0 else mass


def sparsity(act: BoundActivation | str, mu: Any = 0.0, sigma: float = 1.0) -> np.ndarray | float | None:
    """P(f(z) = 0) for z ~ N(mu, sigma²): the Gaussian mass of the intervals where f is
    identically 0 (:attr:`~actviz.core.bound.BoundActivation.zeros`).

    ``mu`` may be an array (sparsity against the input's mean, in one call). None where the
    activation does not say where it is 0 (a plugin or an expression without ``zeros``).
    """
    act = get(act).elementwise
    mu_arr = np.asarray(mu, dtype=np.float64)
    if not np.all(np.isfinite(mu_arr)):
        raise OptionError("mu", "{mu} must be finite numbers")
    _, sigma = check_gaussian(0.0, sigma)
    zeros = act.zeros
    if zeros is None:
        return None
    total = np.zeros(mu_arr.shape)
    for a, b in zeros:
        total = total + interval_mass(a, b, mu_arr, sigma)
    total = np.minimum(total, 1.0)
    return float(total) if total.ndim == 0 else total
