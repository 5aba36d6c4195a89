"""Shrinks: tanhshrink, softshrink, hardshrink, and threshold (which replaces what it cuts)."""

from __future__ import annotations

import numpy as np

from .. import numerics as nx
from ..core.records import Activation, Checks, Naive, Param
from ..core.store import register
from ..numerics.special import x_minus_tanh
from ._common import INF, REAL, Interval, Properties, cases, same

#: Keras's shrinks test x against the threshold with `where`, so NaN falls through to 0
_KERAS_NAN_NOTE = "NaN gives 0 on the TensorFlow and JAX backends (a `where` on x > threshold)"

# --- tanhshrink ---------------------------------------------------------------------------

# x - tanh(x) cancels for |x| < 2: there numerics.special.x_minus_tanh uses Lambert's form


def tanhshrink(x):
    return x_minus_tanh(x, np.tanh(x))


def d_tanhshrink(x):
    t = np.tanh(x)
    return t * t


def d2_tanhshrink(x):
    return 2.0 * np.tanh(x) * nx.sech2(x)


def _tanhshrink_pair(x):
    t = np.tanh(x)
    return x_minus_tanh(x, t), t * t


def _mp_tanhshrink(x):
    import mpmath as mp

    if x == 0:
        return mp.mpf(0), mp.mpf(0)
    # x - tanh(x) ≈ x³/3 cancels about 2·log10(1/|x|) digits: carry that many more
    extra = int(2 * max(0, -mp.log10(abs(x)))) + 10
    with mp.extradps(extra):
        f = x - mp.tanh(x)
    return +f, mp.tanh(x) ** 2


register(
    Activation(
        name="tanhshrink",
        aliases=("tanh_shrink",),
        family="shrink",
        forward=tanhshrink,
        derivatives=(d_tanhshrink, d2_tanhshrink),
        evaluate_pair=_tanhshrink_pair,
        mp_reference=_mp_tanhshrink,
        formula_tex=r"f(x) = x - \tanh(x)",
        formula_text="f(x) = x - tanh(x)",
        derivative_tex=r"f'(x) = \tanh^2(x)",
        derivative_text="f'(x) = tanh(x)²",
        zeros=(),
        output_range=REAL,
        properties=Properties(monotonic=True, bounded_above=False, bounded_below=False,
                              smoothness="C∞", zero_centred=True),
        reference="No paper: TanhShrink from Lua Torch's nn package, kept by PyTorch",
        numerics="x - tanh(x) cancels for |x| < 2 (it is x³/3 near 0): there it is x·q/(1+q) "
        "with Lambert's continued fraction tanh x = x/(1+q), whose terms are all positive",
        frameworks={
            "torch": same(
                "torch.nn.functional.tanhshrink",
                note="computes x - tanh(x) directly, so it loses relative accuracy near 0",
            ),
            "keras": same("keras.activations.tanh_shrink", note="spelled tanh_shrink"),
        },
        naive=Naive(lambda x: x - np.tanh(x), lambda x: np.tanh(x) ** 2, "x-tanh(x)", "tanh(x)**2"),
        checks=Checks(ulps=(4, 8)),
    )
)

# --- softshrink and hardshrink ------------------------------------------------------------

_LAMBD = Param(
    "lambd",
    0.5,
    "half-width λ of the dead zone [-λ, λ] (Keras calls it threshold)",
    low=0.0,
    aliases=("threshold", "lambda"),
)


def _shrink_zeros(lambd):
    # the dead zone; at λ = 0 only the point 0 is left
    return ((-lambd, lambd),) if lambd > 0 else ()


def _shrink_kinks(lambd):
    return (0.0,) if lambd == 0 else (-lambd, lambd)


def softshrink(x, lambd):
    # x - clip(x, -λ, λ) is 0 on [-λ, λ] and x ∓ λ outside, and lets NaN through
    return x - np.clip(x, -lambd, lambd)


def d_shrink(x, lambd):
    # PyTorch and Keras test |x| > λ, so f'(±λ) = 0
    return np.where(np.abs(x) > lambd, 1.0, 0.0)


def _mp_softshrink(x, lambd):
    if x > lambd:
        return x - lambd, 1
    if x < -lambd:
        return x + lambd, 1
    return 0 * x, 0


register(
    Activation(
        name="softshrink",
        aliases=("soft_shrink",),
        family="shrink",
        forward=softshrink,
        derivatives=(d_shrink, nx.zeros_like),
        mp_reference=_mp_softshrink,
        params=(_LAMBD,),
        kinks=_shrink_kinks,
        formula_tex="f(x) = "
        + cases(
            (r"x - \lambda", r"x > \lambda"),
            ("0", r"|x| \leq \lambda"),
            (r"x + \lambda", r"x < -\lambda"),
        ),
        formula_text="f(x) = x - λ if x > λ, x + λ if x < -λ, else 0",
        derivative_tex="f'(x) = " + cases(("1", r"|x| > \lambda"), ("0", r"|x| \leq \lambda")),
        derivative_text="f'(x) = 1 if |x| > λ else 0",
        zeros=_shrink_zeros,
        output_range=REAL,
        properties=lambda lambd: Properties(
            monotonic=True, bounded_above=False, bounded_below=False,
            smoothness="C0" if lambd > 0 else "C∞", zero_centred=True,
        ),
        reference="Donoho 1995, De-noising by soft-thresholding, IEEE Trans. Inf. Theory 41(3)",
        kink_convention="f'(±λ) = 0: PyTorch and Keras 3 give the slope 1 only for |x| > λ",
        frameworks={
            "torch": same("torch.nn.functional.softshrink", note="λ must be >= 0"),
            "keras": same("keras.activations.soft_shrink", arguments={"lambd": "threshold"},
                          note="λ is called threshold; " + _KERAS_NAN_NOTE),
        },
    )
)


def hardshrink(x, lambd):
    # the test is |x| <= λ (not |x| > λ) so that NaN falls through to x
    return np.where(np.abs(x) <= lambd, 0.0, x)


def _mp_hardshrink(x, lambd):
    return (x, 1) if abs(x) > lambd else (0 * x, 0)


register(
    Activation(
        name="hardshrink",
        aliases=("hard_shrink",),
        family="shrink",
        forward=hardshrink,
        derivatives=(d_shrink, nx.zeros_like),
        mp_reference=_mp_hardshrink,
        params=(_LAMBD,),
        kinks=_shrink_kinks,
        formula_tex="f(x) = " + cases(("x", r"|x| > \lambda"), ("0", r"|x| \leq \lambda")),
        formula_text="f(x) = x if |x| > λ else 0",
        derivative_tex="f'(x) = " + cases(("1", r"|x| > \lambda"), ("0", r"|x| \leq \lambda")),
        derivative_text="f'(x) = 1 if |x| > λ else 0",
        # the hull of (-∞, -λ) ∪ {0} ∪ (λ, ∞)
        zeros=_shrink_zeros,
        output_range=REAL,
        properties=lambda lambd: Properties(
            monotonic=True, bounded_above=False, bounded_below=False,
            smoothness="discontinuous" if lambd > 0 else "C∞", zero_centred=True,
        ),
        reference="Donoho & Johnstone 1994, Ideal spatial adaptation by wavelet shrinkage, Biometrika 81(3)",
        kink_convention="f(±λ) = 0 and f'(±λ) = 0: PyTorch zeroes the closed [-λ, λ]; f jumps by λ there",
        frameworks={
            "torch": same("torch.nn.functional.hardshrink"),
            "keras": same("keras.activations.hard_shrink", arguments={"lambd": "threshold"},
                          note="λ is called threshold; " + _KERAS_NAN_NOTE),
        },
    )
)

# --- threshold ----------------------------------------------------------------------------


def threshold(x, threshold, value):
    # x <= θ rather than x > θ, so that NaN falls through to x
    return np.where(x <= threshold, value, x)


def d_threshold(x, threshold, value):
    # PyTorch and Keras test x > θ, so f'(θ) = 0
    return np.where(x > threshold, 1.0, 0.0)


def _mp_threshold(x, threshold, value):
    return (x, 1) if x > threshold else (value + 0 * x, 0)


def _threshold_range(threshold, value):
    # the hull of {value} ∪ (θ, ∞)
    if value <= threshold:
        return Interval(value, INF, True, False)
    return Interval(threshold, INF, False, False)


def _threshold_properties(threshold, value):
    f0 = 0.0 if 0.0 > threshold else value
    smooth = "C0" if value == threshold else "discontinuous"
    return Properties(monotonic=value <= threshold, bounded_above=False, bounded_below=True,
                      smoothness=smooth, zero_centred=f0 == 0.0)


register(
    Activation(
        name="threshold",
        family="shrink",
        forward=threshold,
        derivatives=(d_threshold, nx.zeros_like),
        mp_reference=_mp_threshold,
        params=(
            Param(
                "threshold",
                0.0,
                "θ: inputs x <= θ are replaced by value (PyTorch and Keras have no default; "
                "0 with value 0 makes this relu)",
                aliases=("theta",),
            ),
            Param(
                "value",
                0.0,
                "what replaces x <= θ (no framework default; 0 as relu, and Keras 2's fixed value)",
                aliases=("default_value",),
            ),
        ),
        kinks=lambda threshold, value: (threshold,),
        formula_tex="f(x) = " + cases(("x", r"x > \theta"), ("v", r"x \leq \theta")),
        formula_text="f(x) = x if x > threshold else value",
        derivative_tex="f'(x) = " + cases(("1", r"x > \theta"), ("0", r"x \leq \theta")),
        derivative_text="f'(x) = 1 if x > threshold else 0",
        zeros=lambda threshold, value: ((-INF, threshold),) if value == 0 else (),
        output_range=_threshold_range,
        properties=_threshold_properties,
        reference="Konda, Memisevic & Krueger 2015, Zero-bias autoencoders and the benefits of "
        "co-adapting features, arXiv:1402.3337 (thresholded ReLU)",
        kink_convention="f(θ) = value and f'(θ) = 0: PyTorch and Keras test x > θ; f jumps from "
        "value to θ there unless value = θ",
        frameworks={
            "torch": same(
                "torch.nn.functional.threshold", note="threshold and value are required arguments"
            ),
            "keras": same(
                "keras.activations.threshold",
                arguments={"value": "default_value"},
                note="value is called default_value; both arguments are required; " + _KERAS_NAN_NOTE,
            ),
            "keras2": same(
                "tf.keras.layers.ThresholdedReLU",
                defaults={"threshold": 1.0},
                arguments={"threshold": "theta"},
                fixed=("value",),
                note="the ThresholdedReLU layer: theta = 1.0 (the layer rejects theta < 0), value "
                "fixed at 0; removed in Keras 3",
            ),
        },
    )
)
