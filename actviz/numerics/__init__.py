"""Numerical kernels under the catalogue's definitions, by subject.

- dd: double-double arithmetic (error-free sums, products and differences, e^v and e^v - 1 as
  double-doubles, exponentials keeping an exponent's lost bits)
- special: sigmoid, softplus, sech², x - tanh x, erfcx (the normal CDF's tail), c·tanh(x/c)
  and γ·tanh(αx) + β
- gates: x·Φ(x), x·σ(βx), x·tanh(softplus(x)) and their derivatives
- compound_gates: x·tanh x, x·tanh(e^x), x·e^(-βe^(-γx)), x·tanh(ln(1 + σ(βx))),
  x·ln(1 + σ(βx)), x·erf(ln(1 + e^x)) and their derivatives
- rectifiers: overflow-free slopes, exponential branches, softplus with β and a threshold,
  s·relu(x)² + b and xIELU
- softmax: shifted exponentials along an axis and their complements, the slice σ(x - o - ln m)
- roots: roots of many bracketed functions at once, and the edge of a predicate
- stencil: the five-point finite-difference derivative: its step, formula and reach
- fast: whether the compiled path is on, and the factories records name as ``fast_pair``
- compiled: the numba kernels (f and f' in one pass, exp and log1p in plain arithmetic)

Each helper is accurate to a few ULPs over the whole float64 range and raises no
floating-point warning for finite input. The names most definitions use are here too.
"""

from __future__ import annotations

import numpy as np

from .dd import exp_sum, two_product
from .roots import bracketed_roots, newton_roots, predicate_edge
from .special import sech2, sigmoid, sigmoid_prime, sigmoid_second, softplus

Array = np.ndarray


def zeros_like(x: Array, **_: object) -> Array:
    """A derivative that is 0 everywhere (f'' of piecewise-linear functions)."""
    return np.zeros_like(np.asarray(x, dtype=np.float64))


def ones_like(x: Array, **_: object) -> Array:
    return np.ones_like(np.asarray(x, dtype=np.float64))


__all__ = [
    "bracketed_roots", "exp_sum", "newton_roots", "ones_like", "predicate_edge", "sech2", "sigmoid",
    "sigmoid_prime", "sigmoid_second", "softplus", "two_product", "zeros_like",
]
