"""Rectifiers: relu and its leaky, bounded, exponential and smooth relatives."""

from __future__ import annotations

import numpy as np

from .. import _numerics as nx
from ..registry import Activation, Param, register
from ._common import INF, REAL, Interval, Properties, same

# --- leaky_relu ---------------------------------------------------------------------------

_SLOPE = Param(
    "alpha",
    0.01,
    "slope for x < 0",
    aliases=("negative_slope",),
)


def leaky_relu(x, alpha):
    return np.where(x > 0, x, alpha * x)


def d_leaky_relu(x, alpha):
    # PyTorch tests x > 0, so f'(0) = alpha
    return np.where(x > 0, 1.0, alpha)


def _mp_leaky_relu(x, alpha):
    return (x if x > 0 else alpha * x), (1 if x > 0 else alpha)


register(
    Activation(
        name="leaky_relu",
        aliases=("lrelu",),
        family="rectifier",
        forward=leaky_relu,
        derivatives=(d_leaky_relu, nx.zeros_like),
        mp_reference=_mp_leaky_relu,
        params=(_SLOPE,),
        kinks=(0.0,),
        formula_tex="f(x) = " + nx.cases(("x", "x > 0"), (r"\alpha x", r"x \leq 0")),
        formula_text="f(x) = x if x > 0 else alpha·x",
        derivative_tex="f'(x) = " + nx.cases(("1", "x > 0"), (r"\alpha", r"x \leq 0")),
        derivative_text="f'(x) = 1 if x > 0 else alpha",
        output_range=lambda alpha: REAL if alpha > 0 else (
            Interval(0.0, INF, True, False) if alpha == 0 else Interval(-INF, INF, False, False)
        ),
        properties=lambda alpha: Properties(alpha >= 0, False, alpha == 0, "C0", True),
        reference="Maas, Hannun & Ng 2013, Rectifier Nonlinearities Improve Neural Network Acoustic Models",
        kink_convention="f'(0) = alpha (PyTorch and TF test x > 0); JAX tests x >= 0 and gives 1",
        frameworks={
            "torch": same("torch.nn.functional.leaky_relu"),
            "keras": same(
                "keras.activations.leaky_relu",
                defaults={"alpha": 0.2},
                note="negative_slope defaults to 0.2 (the LeakyReLU layer: 0.3); f'(0) = alpha on the "
                "default TensorFlow backend, 1 on JAX",
            ),
            "keras2": same(
                "tf.keras.layers.LeakyReLU",
                defaults={"alpha": 0.3},
                note="the layer's alpha defaults to 0.3",
            ),
            "jax": same(
                "jax.nn.leaky_relu",
                kink_derivative={0.0: 1.0},
                note="tests x >= 0, so f'(0) = 1",
            ),
            "tf": same("tf.nn.leaky_relu", defaults={"alpha": 0.2}, note="alpha defaults to 0.2"),
        },
    )
)
