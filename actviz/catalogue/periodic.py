"""Periodic activations and bumps: Snake and SnakeBeta (audio), sine (SIREN) and the Gaussian
bump (coordinate networks).

The kernels are in numerics.periodic (sin and cos of the exact product ωx, so that a zero of
f or f' keeps its relative accuracy) and numerics.normal (e^(-x²/(2a²)) with the exponent
formed exactly). Snake is x plus something bounded, so it goes to ±∞ with x, but its
derivatives, and sin(ωx) with all of its own, keep oscillating: they have no limit at ±∞ and
are NaN there (Checks.oscillates).
"""

from __future__ import annotations

import math

import numpy as np

from ..core.records import Activation, Checks, Naive, Param
from ..core.store import register
from ..numerics.normal import gaussian_bump
from ..numerics.periodic import sin_cos_product, snake_terms
from ._common import REAL, Interval, Properties

_BIGVGAN = (
    "BigVGAN (Lee, Ping, Ginsburg, Catanzaro & Yoon 2022, BigVGAN: A Universal Neural Vocoder "
    "with Large-Scale Training, arXiv:2206.04658; NVIDIA/BigVGAN activations.py)"
)

# --- snake --------------------------------------------------------------------------------


def snake(x, alpha, eps):
    return snake_terms(x, alpha, alpha, eps)[0]


def d_snake(x, alpha, eps):
    return snake_terms(x, alpha, alpha, eps)[1]


def d2_snake(x, alpha, eps):
    return snake_terms(x, alpha, alpha, eps)[2]


def _snake_pair(x, alpha, eps):
    f, d, _ = snake_terms(x, alpha, alpha, eps)
    return f, d


def _mp_snake_beta(x, alpha, beta, eps):
    import mpmath as mp

    a, b = mp.mpf(alpha), mp.mpf(beta) + mp.mpf(eps)
    return x + mp.sin(a * x) ** 2 / b, 1 + (a / b) * mp.sin(2 * a * x)


def _mp_snake(x, alpha, eps):
    return _mp_snake_beta(x, alpha, alpha, eps)


def _snake_range(alpha, **_):
    # two periods of sin²(αx), whose period is π/α
    return (-math.pi / alpha, math.pi / alpha)


register(
    Activation(
        name="snake",
        family="periodic",
        forward=snake,
        derivatives=(d_snake, d2_snake),
        evaluate_pair=_snake_pair,
        mp_reference=_mp_snake,
        params=(
            Param("alpha", 1.0, "frequency of the periodic part (its period is π/alpha) and the "
                  "inverse of its magnitude", low=0.0, low_inclusive=False),
            Param("eps", 0.0, "added to alpha in the magnitude, 1/(alpha + eps): 0 in the paper, "
                  "1e-9 in BigVGAN's Snake (no_div_by_zero)", low=0.0),
        ),
        formula_tex=r"f(x) = x + \frac{\sin^2(\alpha x)}{\alpha + \epsilon}",
        formula_text="f(x) = x + sin²(alpha·x)/(alpha + eps)",
        derivative_tex=r"f'(x) = 1 + \frac{\alpha}{\alpha + \epsilon}\sin(2\alpha x)",
        derivative_text="f'(x) = 1 + alpha/(alpha + eps)·sin(2·alpha·x)",
        output_range=REAL,
        zeros=(),
        # f' = 1 + c·sin(2αx) with c = α/(α + ε) <= 1: never negative
        properties=Properties(monotonic=True, bounded_above=False, bounded_below=False,
                              smoothness="C∞", zero_centred=True),
        reference="Ziyin, Hartwig & Ueda 2020, Neural Networks Fail to Learn Periodic Functions and "
        "How to Fix It, arXiv:2006.08195 (x + sin²(αx)/α); used in " + _BIGVGAN + ", whose Snake "
        "computes x + sin²(αx)/(α + 1e-9) with α = exp(log α) when alpha_logscale (BigVGAN v2's "
        "snake_logscale: true, log α initialised to 0)",
        numerics="sin and cos of 2αx as an exact product (hi + lo), so that f' = 1 + sin 2αx, "
        "taken as cos²/(1 - sin) where sin < 0, keeps its relative accuracy at its zeros; "
        "sin²(αx) = (1 - cos 2αx)/2 or sin²(2αx)/(2(1 + cos 2αx)), whichever does not cancel. "
        "f is x plus a bounded term, so its relative error is small at any x; beyond |2αx| = 2^990 "
        "mpmath reduces the argument",
        naive=Naive(
            lambda x, alpha, eps: x + np.sin(alpha * x) ** 2 / (alpha + eps),
            lambda x, alpha, eps: 1 + alpha / (alpha + eps) * np.sin(2 * alpha * x),
            "x+sin(alpha*x)**2/(alpha+eps)",
            "1+alpha/(alpha+eps)*sin(2*alpha*x)",
        ),
        plot_range=_snake_range,
        checks=Checks(samples=({"alpha": 0.5}, {"alpha": 3.0}, {"eps": 1e-9}), ulps=(4, 8), oscillates=(1, 2)),
    )
)

# --- snake_beta ---------------------------------------------------------------------------


def snake_beta(x, alpha, beta, eps):
    return snake_terms(x, alpha, beta, eps)[0]


def d_snake_beta(x, alpha, beta, eps):
    return snake_terms(x, alpha, beta, eps)[1]


def d2_snake_beta(x, alpha, beta, eps):
    return snake_terms(x, alpha, beta, eps)[2]


def _snake_beta_pair(x, alpha, beta, eps):
    f, d, _ = snake_terms(x, alpha, beta, eps)
    return f, d


register(
    Activation(
        name="snake_beta",
        aliases=("snakebeta",),
        family="periodic",
        forward=snake_beta,
        derivatives=(d_snake_beta, d2_snake_beta),
        evaluate_pair=_snake_beta_pair,
        mp_reference=_mp_snake_beta,
        params=(
            Param("alpha", 1.0, "frequency of the periodic part (its period is π/alpha); "
                  "BigVGAN stores log alpha (0) when alpha_logscale", low=0.0, low_inclusive=False),
            Param("beta", 1.0, "inverse magnitude of the periodic part; BigVGAN stores log beta (0) "
                  "when alpha_logscale", low=0.0, low_inclusive=False),
            Param("eps", 1e-9, "added to beta in the magnitude, 1/(beta + eps): BigVGAN's "
                  "no_div_by_zero", low=0.0),
        ),
        formula_tex=r"f(x) = x + \frac{\sin^2(\alpha x)}{\beta + \epsilon}",
        formula_text="f(x) = x + sin²(alpha·x)/(beta + eps)",
        derivative_tex=r"f'(x) = 1 + \frac{\alpha}{\beta + \epsilon}\sin(2\alpha x)",
        derivative_text="f'(x) = 1 + alpha/(beta + eps)·sin(2·alpha·x)",
        output_range=REAL,
        zeros=(),
        # f' = 1 + c·sin(2αx) dips below 0 exactly when c = α/(β + ε) exceeds 1
        properties=lambda alpha, beta, eps: Properties(
            monotonic=alpha <= beta + eps, bounded_above=False, bounded_below=False,
            smoothness="C∞", zero_centred=True,
        ),
        reference="BigVGAN's SnakeBeta, Snake with a separate magnitude: " + _BIGVGAN + "; "
        "BigVGAN v2 (2024) uses it with alpha_logscale, computing x + sin²(αx)/(β + 1e-9), "
        "α = exp(log α), β = exp(log β), both logs initialised to 0; also in Stable Audio's "
        "Oobleck autoencoder and the Qwen3-Omni/TTS vocoders",
        numerics="as snake: sin and cos of the exact product 2αx; f' = (1 - c) + c·(1 + sin 2αx) "
        "with 1 - c = ((β - α) + ε)/(β + ε), so at the defaults (c = 1/(1 + 1e-9)) its minimum "
        "1e-9 keeps its digits. For α > β + ε f' has simple zeros, located only as well as c is "
        "rounded",
        naive=Naive(
            lambda x, alpha, beta, eps: x + np.sin(alpha * x) ** 2 / (beta + eps),
            lambda x, alpha, beta, eps: 1 + alpha / (beta + eps) * np.sin(2 * alpha * x),
            "x+sin(alpha*x)**2/(beta+eps)",
            "1+alpha/(beta+eps)*sin(2*alpha*x)",
        ),
        plot_range=_snake_range,
        # held to ULPs where f' has no simple zero (α <= β + ε)
        checks=Checks(samples=({"beta": 2.0}, {"alpha": 0.5, "beta": 0.7}, {"eps": 0.0}), ulps=(4, 8),
                      oscillates=(1, 2)),
    )
)

# --- sine (SIREN) -------------------------------------------------------------------------


def sine(x, w0):
    return sin_cos_product(x, w0)[0]


def d_sine(x, w0):
    return w0 * sin_cos_product(x, w0)[1]


def d2_sine(x, w0):
    return -(w0 * w0) * sin_cos_product(x, w0)[0]


def _sine_pair(x, w0):
    s, c = sin_cos_product(x, w0)
    return s, w0 * c


def _mp_sine(x, w0):
    import mpmath as mp

    w = mp.mpf(w0)
    return mp.sin(w * x), w * mp.cos(w * x)


register(
    Activation(
        name="sine",
        aliases=("sin", "siren"),
        family="periodic",
        forward=sine,
        derivatives=(d_sine, d2_sine),
        evaluate_pair=_sine_pair,
        mp_reference=_mp_sine,
        params=(
            Param("w0", 30.0, "frequency ω0 (SIREN's omega_0, 30 in its first and hidden layers)",
                  low=0.0, low_inclusive=False, aliases=("omega_0", "omega")),
        ),
        formula_tex=r"f(x) = \sin(\omega_0 x)",
        formula_text="f(x) = sin(w0·x)",
        derivative_tex=r"f'(x) = \omega_0 \cos(\omega_0 x)",
        derivative_text="f'(x) = w0·cos(w0·x)",
        output_range=Interval(-1.0, 1.0),
        zeros=(),
        properties=Properties(monotonic=False, bounded_above=True, bounded_below=True,
                              smoothness="C∞", zero_centred=True),
        reference="Sitzmann, Martel, Bergman, Lindell & Wetzstein 2020, Implicit Neural "
        "Representations with Periodic Activation Functions (SIREN), arXiv:2006.09661: "
        "SineLayer computes sin(omega_0·(Wx + b)) with omega_0 = 30",
        numerics="sin and cos of the exact product ω0·x (hi + lo, the low part carried to first "
        "order), so that f keeps its relative accuracy at its zeros (sin(w0*x) rounds ω0·x first: "
        "at x = 700 that is 2e-12 absolute); beyond |ω0·x| = 2^990 mpmath reduces the argument",
        naive=Naive(
            lambda x, w0: np.sin(w0 * x),
            lambda x, w0: w0 * np.cos(w0 * x),
            "sin(w0*x)",
            "w0*cos(w0*x)",
        ),
        # three periods: 2π/ω0 each
        plot_range=lambda w0: (-3.0 * math.pi / w0, 3.0 * math.pi / w0),
        checks=Checks(samples=({"w0": 1.0}, {"w0": 0.3}), ulps=(4, 8), oscillates=(0, 1, 2),
                      x_scale=lambda w0: min(1.0, 1.0 / w0)),
    )
)

# --- gaussian -----------------------------------------------------------------------------


def gaussian(x, a):
    return gaussian_bump(x, a)[0]


def d_gaussian(x, a):
    return gaussian_bump(x, a)[1]


def d2_gaussian(x, a):
    return gaussian_bump(x, a)[2]


def _gaussian_pair(x, a):
    f, d, _ = gaussian_bump(x, a)
    return f, d


def _mp_gaussian(x, a):
    import mpmath as mp

    a = mp.mpf(a)
    f = mp.exp(-(x * x) / (2 * a * a))
    return f, -x / (a * a) * f


register(
    Activation(
        name="gaussian",
        aliases=("gauss",),
        family="bump",
        forward=gaussian,
        derivatives=(d_gaussian, d2_gaussian),
        evaluate_pair=_gaussian_pair,
        mp_reference=_mp_gaussian,
        params=(
            Param("a", 1.0, "width: the bump's standard deviation (exp(-x²) is a = 1/√2; coordinate "
                  "networks use about 0.1)", low=0.0, low_inclusive=False, aliases=("sigma",)),
        ),
        formula_tex=r"f(x) = e^{-x^2/(2a^2)}",
        formula_text="f(x) = exp(-x²/(2a²))",
        derivative_tex=r"f'(x) = -\frac{x}{a^2}\,e^{-x^2/(2a^2)}",
        derivative_text="f'(x) = -(x/a²)·exp(-x²/(2a²))",
        output_range=Interval(0.0, 1.0, False, True),
        zeros=(),
        properties=Properties(monotonic=False, bounded_above=True, bounded_below=True,
                              smoothness="C∞", zero_centred=False),
        reference="Ramasinghe & Lucey 2022, Beyond Periodicity: Towards a Unifying Framework for "
        "Activations in Coordinate-MLPs, ECCV 2022, arXiv:2111.15135 (exp(-x²/(2a²)); a = 1 is "
        "the default of the GaussianActivation in kwea123/Coordinate-MLPs, whose MINER uses 0.1)",
        numerics="x/a carries its remainder and x²/(2a²) is split exactly, so the exponential "
        "keeps its accuracy in the tails (exp(-x**2/2) multiplies the rounding of x**2 by x²/2: "
        "up to 30 ULP off by x = 10, 470 near x = 38); below e^-600 the result is rounded once onto "
        "the subnormals",
        naive=Naive(
            lambda x, a: np.exp(-(x**2) / (2 * a**2)),
            lambda x, a: -x / a**2 * np.exp(-(x**2) / (2 * a**2)),
            "exp(-x**2/(2*a**2))",
            "-x/a**2*exp(-x**2/(2*a**2))",
        ),
        plot_range=lambda a: (-4.0 * a, 4.0 * a),
        checks=Checks(samples=({"a": 0.1}, {"a": 0.7071067811865476}, {"a": 3.0}), ulps=(4, 8)),
    )
)
