"""Rational activations: the Padé activation unit and KAT's group-rational unit, P(x)/Q(x) with
a denominator that cannot vanish.

Both take their coefficients as parameters (``p`` for P, ascending; ``q`` for Q's q_1..q_n), so
that a trained unit can be looked at as it is: ``rational(p=(0, 1, 0.5), q=(0.2, 0.1))``. The
kernels, and the analysis that reads kinks, monotonicity and the output range off the
coefficients, are in numerics.rational.
"""

from __future__ import annotations

import math

from ..core.records import Activation, Checks, Naive, Param
from ..core.store import register
from ..numerics.rational import analyse, form
from ._common import INF, Interval, Properties, param_formulas

# rational_activations (ml-research/rational_activations, rational/rationals_config.json,
# "Rational_version_A5/4" → "leaky_relu"; the same numbers as PAU's pau/paus_config.json
# "PAU_version_A5/4"): the fit to leaky_relu (slope 0.01) on [-3, 3] that Rational() starts from
PAU_LEAKY_P = (0.029792778657264946, 0.6183735264987601, 2.323309062531321, 3.051936237265109,
               1.4854203263828845, 0.2510244961111299)
PAU_LEAKY_Q = (-1.1419548357285474, 4.393159974992486, 0.8714712309957245, 0.34719662339598834)

# KAT (Adamdad/rational_kat_cu, kat_rational/init.json, "gelu"): what KAT_Group(mode="gelu")
# starts from, the second rational of every KAN layer (the first starts from "identity").
# kat_rational/fit.py fitted them to GELU on [-3, 3] with Q = 1 + |Σ q_k x^k| (version b),
# but its kernels (rational_triton.py, the CUDA kernels and the CPU fallback
# Rational_CUDA_A_1DGroup) compute 1 + Σ|q_k|·|x|^k (version a)
KAT_GELU_P = (-0.00153969, 0.51692871, 0.44075827, 0.0972553, -0.00884418, -0.00378675)
KAT_GELU_Q = (-0.14171056, -0.06481231, -0.0444695, 0.01283776)


def _forward(x, p, q, version):
    return form(p, q, version).evaluate(x)[0]


def _d1(x, p, q, version):
    return form(p, q, version).evaluate(x)[1]


def _d2(x, p, q, version):
    return form(p, q, version).evaluate(x)[2]


def _pair(x, p, q, version):
    f, d, _ = form(p, q, version).evaluate(x)
    return f, d


def _mp_rational(x, p, q, version):
    import mpmath as mp

    P = sum(mp.mpf(c) * x**j for j, c in enumerate(p))
    dP = sum(j * mp.mpf(c) * x ** (j - 1) for j, c in enumerate(p) if j)
    if version == "a":
        Q = 1 + sum(abs(mp.mpf(c)) * abs(x) ** k for k, c in enumerate(q, 1))
        dQ = mp.sign(x) * sum(k * abs(mp.mpf(c)) * abs(x) ** (k - 1) for k, c in enumerate(q, 1))
    else:
        B = sum(mp.mpf(c) * x**k for k, c in enumerate(q, 1))
        Q = 1 + abs(B)
        dQ = mp.sign(B) * sum(k * mp.mpf(c) * x ** (k - 1) for k, c in enumerate(q, 1))
    return P / Q, (dP * Q - P * dQ) / (Q * Q)


def _naive_f(x, p, q, version):
    P = sum(c * x**j for j, c in enumerate(p))
    if version == "a":
        return P / (1 + sum(abs(c * x**k) for k, c in enumerate(q, 1)))
    return P / (1 + abs(sum(c * x**k for k, c in enumerate(q, 1))))


def _naive_d(x, p, q, version):
    import numpy as np

    P = sum(c * x**j for j, c in enumerate(p))
    dP = sum(j * c * x ** (j - 1) for j, c in enumerate(p) if j)
    if version == "a":
        Q = 1 + sum(abs(c * x**k) for k, c in enumerate(q, 1))
        dQ = np.sign(x) * sum(k * abs(c) * np.abs(x) ** (k - 1) for k, c in enumerate(q, 1))
    else:
        B = sum(c * x**k for k, c in enumerate(q, 1))
        Q = 1 + abs(B)
        dQ = np.sign(B) * sum(k * c * x ** (k - 1) for k, c in enumerate(q, 1))
    return (dP * Q - P * dQ) / Q**2


_Q_TEX = {"a": r"1 + \sum_k |q_k|\,|x|^k", "b": r"1 + \left|\sum_k q_k x^k\right|"}
_Q_TEXT = {"a": "1 + Σ_k |q_k|·|x|^k", "b": "1 + |Σ_k q_k·x^k|"}


def _formulas(p, q, version):
    return (
        r"f(x) = \frac{\sum_j p_j x^j}{" + _Q_TEX[version] + "}",
        f"f(x) = P(x)/Q(x), P(x) = Σ_j p_j·x^j, Q(x) = {_Q_TEXT[version]}",
        r"f'(x) = \frac{P'(x)\,Q(x) - P(x)\,Q'(x)}{Q(x)^2}",
        "f'(x) = (P'(x)·Q(x) - P(x)·Q'(x))/Q(x)²",
    )


_GENERAL = (
    r"f(x) = \frac{\sum_j p_j x^j}{Q(x)},\;\; Q = " + _Q_TEX["a"] + r"\ (a),\ " + _Q_TEX["b"] + r"\ (b)",
    f"f(x) = P(x)/Q(x), P(x) = Σ_j p_j·x^j, Q(x) = {_Q_TEXT['a']} (a) or {_Q_TEXT['b']} (b)",
    r"f'(x) = \frac{P'(x)\,Q(x) - P(x)\,Q'(x)}{Q(x)^2}",
    "f'(x) = (P'(x)·Q(x) - P(x)·Q'(x))/Q(x)²",
)


def _properties(p, q, version):
    an = analyse(p, q, version)
    low, high, _, _ = an.range
    return Properties(monotonic=an.monotonic, bounded_above=math.isfinite(high),
                      bounded_below=math.isfinite(low), smoothness=an.smoothness,
                      zero_centred=float(p[0]) == 0.0 if p else True)


def _output_range(p, q, version):
    return Interval(*analyse(p, q, version).range)


def _kinks(p, q, version):
    return tuple(x for x, _ in analyse(p, q, version).kinks)


def _finite_within(p, q, version):
    return analyse(p, q, version).finite_within or (-math.inf, math.inf)


def _params(p_default, q_default, p_doc):
    return (
        Param("p", p_default, p_doc, kind="floats", aliases=("numerator",)),
        Param("q", q_default, "denominator coefficients q_1, …, q_n (Q's constant term is 1)",
              kind="floats", aliases=("denominator",)),
        Param("version", "a", "a: Q = 1 + Σ|q_k|·|x|^k (what rational_activations' default "
              "version A and KAT's kernels compute); b: Q = 1 + |Σ q_k·x^k| (rational_activations' "
              "version B)", kind="choice", choices=("a", "b")),
    )


_NUMERICS = ("P, Q, their derivatives and f = P/Q, f' = (P' - f·Q')/Q in double-double for "
             "|x| <= 1e30, so f and f' are correctly rounded even next to a zero of P or of f' "
             "(where P'Q - PQ' cancels); beyond, P and Q are taken homogeneously (P(x)/|x|^m), so "
             "f overflows only where the true value does")
_KINK_CONVENTION = ("at a kink (x = 0 in version a when some odd q_k is not 0; a sign change of "
                    "Σ q_k x^k in version b) Q' is taken as 0, as PyTorch's autograd of abs gives "
                    "(rational_activations' PyTorch path); KAT's CUDA and Triton backward take "
                    "the right-hand slope there (sign(0) = +1)")
_CHECKS = dict(
    ulps=(4, 8),
    finite_within=_finite_within,
    samples=({"version": "b"}, {"p": (0.0, 1.0, 0.5), "q": (0.0, 0.25)}),
)

register(
    Activation(
        name="rational",
        aliases=("pau", "pade"),
        family="rational",
        forward=_forward,
        derivatives=(_d1, _d2),
        evaluate_pair=_pair,
        mp_reference=_mp_rational,
        params=_params(PAU_LEAKY_P, PAU_LEAKY_Q, "numerator coefficients p_0, p_1, …, p_m (ascending "
                       "powers); the default is the Padé activation unit's leaky_relu start"),
        **param_formulas(_GENERAL, _formulas),
        kinks=_kinks,
        output_range=_output_range,
        zeros=lambda p, **_: ((-INF, INF),) if not any(p) else (),  # P = 0: f is 0 everywhere
        properties=_properties,
        reference="Molina, Schramowski & Kersting 2020, Padé Activation Units: End-to-end Learning "
        "of Flexible Activation Functions in Deep Networks, ICLR 2020, arXiv:1907.06732; the "
        "defaults are rational_activations' Rational() (approx_func=\"leaky_relu\", degrees=(5, 4), "
        "version=\"A\"): its fit to leaky_relu on [-3, 3]",
        numerics=_NUMERICS,
        kink_convention=_KINK_CONVENTION,
        naive=Naive(_naive_f, _naive_d, "(sum(p_j*x**j))/Q(x)", "(P'*Q - P*Q')/Q**2"),
        plot_range=(-5.0, 5.0),
        checks=Checks(**_CHECKS),
    )
)

register(
    Activation(
        name="kat_rational",
        aliases=("kat_group", "grkan"),
        family="rational",
        forward=_forward,
        derivatives=(_d1, _d2),
        evaluate_pair=_pair,
        mp_reference=_mp_rational,
        params=_params(KAT_GELU_P, KAT_GELU_Q, "numerator coefficients p_0, p_1, …, p_m (ascending "
                       "powers); the default is KAT's GELU start"),
        **param_formulas(_GENERAL, _formulas),
        kinks=_kinks,
        output_range=_output_range,
        zeros=lambda p, **_: ((-INF, INF),) if not any(p) else (),  # P = 0: f is 0 everywhere
        properties=_properties,
        reference="Yang & Wang 2024, Kolmogorov-Arnold Transformer, ICLR 2025, arXiv:2409.10594 "
        "(the group-rational unit of its KAN layers; Adamdad/rational_kat_cu). The defaults are "
        "KAT_Group(mode=\"gelu\"): coefficients fitted to GELU on [-3, 3] under version b, where "
        "they are within 3e-3 of it; KAT's kernels compute version a, where the same coefficients "
        "fall 1.46 below GELU at x = 3 (kat_rational(version=b) is the fitted curve)",
        numerics=_NUMERICS,
        kink_convention=_KINK_CONVENTION,
        naive=Naive(_naive_f, _naive_d, "(sum(p_j*x**j))/Q(x)", "(P'*Q - P*Q')/Q**2"),
        plot_range=(-5.0, 5.0),
        checks=Checks(**_CHECKS),
    )
)
