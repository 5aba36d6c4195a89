"""Squashing functions: sigmoid, tanh and their hard, soft and sparse relatives."""

from __future__ import annotations

import numpy as np

from .. import _numerics as nx
from ..registry import Activation, register
from ._common import Interval, Properties, same

# --- sigmoid ------------------------------------------------------------------------------


def sigmoid(x):
    return nx.sigmoid(x)


def d_sigmoid(x):
    return nx.sigmoid_prime(x)


def d2_sigmoid(x):
    return nx.sigmoid_second(x)


def _sigmoid_pair(x):
    e = np.exp(-np.abs(x))
    f = np.where(x >= 0, 1.0, e) / (1.0 + e)
    return f, e / ((1.0 + e) * (1.0 + e))


def _mp_sigmoid(x):
    import mpmath as mp

    s = 1 / (1 + mp.exp(-x))
    return s, mp.exp(-x) / (1 + mp.exp(-x)) ** 2


register(
    Activation(
        name="sigmoid",
        aliases=("logistic",),
        family="sigmoid-like",
        forward=sigmoid,
        derivatives=(d_sigmoid, d2_sigmoid),
        evaluate_pair=_sigmoid_pair,
        mp_reference=_mp_sigmoid,
        formula_tex=r"\sigma(x) = \frac{1}{1 + e^{-x}}",
        formula_text="σ(x) = 1 / (1 + exp(-x))",
        derivative_tex=r"\sigma'(x) = \sigma(x)\,(1 - \sigma(x))",
        derivative_text="σ'(x) = σ(x)·(1 - σ(x))",
        output_range=Interval(0.0, 1.0, False, False),
        properties=Properties(True, True, True, "C∞", False),
        reference="Logistic function; e.g. Rumelhart, Hinton & Williams 1986",
        numerics="computed through exp(-|x|), so no input overflows; σ' = e^-|x|/(1+e^-|x|)² "
        "keeps relative accuracy in the tails where σ(1-σ) rounds to 0",
        frameworks={
            "torch": same("torch.nn.functional.sigmoid"),
            "keras": same("keras.activations.sigmoid"),
            "keras2": same("tf.keras.activations.sigmoid"),
            "jax": same("jax.nn.sigmoid"),
            "tf": same("tf.math.sigmoid"),
        },
    )
)

# --- tanh ---------------------------------------------------------------------------------


def tanh(x):
    return np.tanh(x)


def d_tanh(x):
    return nx.sech2(x)


def d2_tanh(x):
    return -2.0 * np.tanh(x) * nx.sech2(x)


def _mp_tanh(x):
    import mpmath as mp

    return mp.tanh(x), mp.sech(x) ** 2


register(
    Activation(
        name="tanh",
        family="sigmoid-like",
        forward=tanh,
        derivatives=(d_tanh, d2_tanh),
        mp_reference=_mp_tanh,
        formula_tex=r"\tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}",
        formula_text="tanh(x) = (exp(x) - exp(-x)) / (exp(x) + exp(-x))",
        derivative_tex=r"\tanh'(x) = 1 - \tanh^2(x)",
        derivative_text="tanh'(x) = 1 - tanh(x)²",
        output_range=Interval(-1.0, 1.0, False, False),
        properties=Properties(True, True, True, "C∞", True),
        reference="LeCun et al. 1998, Efficient BackProp",
        numerics="tanh' = 4e/(1+e)² with e = exp(-2|x|): 1 - tanh² is 0 from |x| ≈ 19 on, "
        "where the true value is still 1e-16 or more",
        frameworks={
            "torch": same("torch.nn.functional.tanh"),
            "keras": same("keras.activations.tanh"),
            "keras2": same("tf.keras.activations.tanh"),
            "jax": same("jax.nn.tanh"),
            "tf": same("tf.math.tanh"),
        },
    )
)
