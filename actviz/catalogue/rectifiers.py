"""Rectifiers: relu and its leaky, bounded, exponential and smooth relatives.

Every branch formula is evaluated on inputs clipped to where that branch is used
(``np.minimum(x, 0)`` before ``expm1``), so ``np.where`` never computes an overflow it
then throws away; the kernels that need more (exact products, overflow-free slopes) are in
numerics.rectifiers.
"""

from __future__ import annotations

import math

import numpy as np

from .. import numerics as nx
from ..core.records import Activation, Checks, Naive, Param, Variant
from ..core.spec import format_value
from ..core.store import register
from ..numerics import fast
from ..numerics.rectifiers import (
    MAX,
    exp_quotient,
    expm1_exp_quotient,
    leaky,
    scaled_offset,
    scaled_square_plus,
    softplus_parts,
    xielu_pair,
    xielu_second,
)
from ..numerics.special import sigmoid_from_exp, softplus_pair
from . import _textbook as tb
from ._common import INF, REAL, Interval, Properties, cases, merge_intervals, param_formulas, same
from ._piecewise import piecewise

# --- ranges that depend on the parameters ---------------------------------------------------


def _hull(*parts: tuple[float, bool, float, bool]) -> Interval:
    """The smallest interval holding every (low, low_closed, high, high_closed) part."""
    low = min(p[0] for p in parts)
    high = max(p[2] for p in parts)
    low_closed = any(p[0] == low and p[1] for p in parts)
    high_closed = any(p[2] == high and p[3] for p in parts)
    return Interval(low, high, low_closed, high_closed)


# --- identity -----------------------------------------------------------------------------


def identity(x):
    return np.array(x, dtype=np.float64, copy=True)


def _mp_identity(x):
    return x, 1


register(
    Activation(
        name="identity",
        aliases=("linear",),
        family="linear",
        forward=identity,
        derivatives=(nx.ones_like, nx.zeros_like),
        mp_reference=_mp_identity,
        formula_tex="f(x) = x",
        formula_text="f(x) = x",
        derivative_tex="f'(x) = 1",
        derivative_text="f'(x) = 1",
        zeros=(),
        output_range=REAL,
        properties=Properties(monotonic=True, bounded_above=False, bounded_below=False,
                              smoothness="C∞", zero_centred=True),
        reference="The identity map (no nonlinearity): the baseline a linear layer computes",
        frameworks={
            "torch": same("torch.nn.Identity", note="a module; torch.nn.functional has no identity"),
            "keras": same("keras.activations.linear", note="also what activations.get(None) returns"),
            "keras2": same("tf.keras.activations.linear"),
            "jax": same("jax.nn.identity"),
        },
        torch_gain=1.0,
    )
)

# --- bent_identity -------------------------------------------------------------------------


def _bent_ratio(x):
    # x/(√(x² + 1) + 1), in (-1, 1); ±1 at ±inf, where it would be inf/inf
    with np.errstate(invalid="ignore"):
        return np.where(np.isinf(x), np.sign(x), x / (np.hypot(x, 1.0) + 1.0))


def bent_identity(x):
    # (√(x² + 1) - 1)/2 + x = x·(1 + ½·x/(√(x² + 1) + 1)): √(x² + 1) - 1 = x²/(√(x² + 1) + 1)
    # does not cancel near 0, and x² is never formed
    with np.errstate(over="ignore"):
        return x * (1.0 + 0.5 * _bent_ratio(x))


def d_bent_identity(x):
    with np.errstate(invalid="ignore"):
        r = np.where(np.isinf(x), np.sign(x), x / np.hypot(x, 1.0))
    return 1.0 + 0.5 * r


def d2_bent_identity(x):
    r = 1.0 / np.hypot(x, 1.0)
    return 0.5 * (r * r * r)


def _bent_pair(x):
    return bent_identity(x), d_bent_identity(x)


def _mp_bent_identity(x):
    import mpmath as mp

    h = mp.sqrt(x * x + 1)
    return x * x / (2 * (h + 1)) + x, 1 + x / (2 * h)


register(
    Activation(
        name="bent_identity",
        aliases=("bent",),
        family="linear",
        forward=bent_identity,
        derivatives=(d_bent_identity, d2_bent_identity),
        evaluate_pair=_bent_pair,
        mp_reference=_mp_bent_identity,
        formula_tex=r"f(x) = \frac{\sqrt{x^2 + 1} - 1}{2} + x",
        formula_text="f(x) = (√(x² + 1) - 1)/2 + x",
        derivative_tex=r"f'(x) = 1 + \frac{x}{2\sqrt{x^2 + 1}}",
        derivative_text="f'(x) = 1 + x/(2√(x² + 1))",
        output_range=REAL,
        zeros=(),
        # f' lies in (1/2, 3/2)
        properties=Properties(monotonic=True, bounded_above=False, bounded_below=False,
                              smoothness="C∞", zero_centred=True),
        reference="The bent identity: a smooth identity with slope 1/2 far left and 3/2 far right, "
        "as listed in the activation-function tables of the literature (e.g. Wikipedia's "
        "\"Activation function\"); no primary paper",
        numerics="f = x·(1 + ½·x/(hypot(x, 1) + 1)), since √(x² + 1) - 1 = x²/(√(x² + 1) + 1): no "
        "cancellation near 0 and no x² to overflow; f' = 1 + ½·x/hypot(x, 1)",
        naive=Naive(
            lambda x: (np.sqrt(x**2 + 1) - 1) / 2 + x,
            lambda x: x / (2 * np.sqrt(x**2 + 1)) + 1,
            "(sqrt(x**2+1)-1)/2+x",
            "x/(2*sqrt(x**2+1))+1",
        ),
        # f ≈ 1.5x - 0.5 far right: beyond the largest float over 1.5 the true value is not a float
        checks=Checks(ulps=(4, 8), finite_within=(-INF, MAX / 1.5)),
    )
)

# --- relu (with Keras's negative slope, max_value and threshold) --------------------------

_RELU_PARAMS = (
    Param("alpha", 0.0, "slope for x <= threshold (Keras's negative_slope)", aliases=("negative_slope",)),
    Param(
        "max_value",
        None,
        "largest output: x above the threshold is clipped to [0, max_value] (none: no clip)",
        kind="optional_float",
        low=0.0,
    ),
    Param("threshold", 0.0, "x at or below it gives alpha·(x - threshold); f jumps there if it is not 0"),
)


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    if alpha == 0 and max_value is None and threshold == 0:
        return np.maximum(x, 0.0)
    above = x if max_value is None else np.clip(x, 0.0, max_value)
    return np.where(x > threshold, above, scaled_offset(np.minimum(x, threshold), alpha, threshold))


def d_relu(x, alpha=0.0, max_value=None, threshold=0.0):
    # PyTorch's conventions: the slope alpha at the threshold (leaky_relu tests x > 0),
    # 0 at the clip points 0 and max_value (relu6, hardtanh)
    above = 1.0 if max_value is None else ((x > 0) & (x < max_value)).astype(np.float64)
    return np.where(x > threshold, above, alpha)


def _relu_pair(x, alpha=0.0, max_value=None, threshold=0.0):
    if alpha == 0 and max_value is None and threshold == 0:
        d = np.empty_like(x)
        np.greater(x, 0.0, out=d)  # 1.0 or 0.0, as d_relu's where
        return np.maximum(x, 0.0), d
    return relu(x, alpha, max_value, threshold), d_relu(x, alpha, max_value, threshold)


def _relu_right_of_threshold(alpha, max_value, threshold):
    """f's value and slope just right of the threshold."""
    if max_value is None:
        return threshold, 1.0
    return min(max(threshold, 0.0), max_value), (1.0 if 0 <= threshold < max_value else 0.0)


def _relu_kinks(alpha, max_value, threshold):
    value, slope = _relu_right_of_threshold(alpha, max_value, threshold)
    kinks = [threshold] if (value != 0 or slope != alpha) else []
    if max_value is not None and max_value > 0:
        if threshold < 0:
            kinks.append(0.0)
        if max_value > threshold:
            kinks.append(max_value)
    return tuple(kinks)


def _relu_zeros(alpha, max_value, threshold):
    # at or below the threshold when the slope there is 0; above it where the clip to
    # [0, max_value] gives 0: x <= 0 beside a negative threshold, every x when max_value is 0
    parts = [(-INF, threshold)] if alpha == 0 else []
    if max_value == 0:
        parts.append((threshold, INF))
    elif max_value is not None and threshold < 0:
        parts.append((threshold, 0.0))
    return merge_intervals(parts)


def _relu_range(alpha, max_value, threshold):
    if alpha > 0:
        left = (-INF, False, 0.0, True)
    elif alpha == 0:
        left = (0.0, True, 0.0, True)
    else:
        left = (0.0, True, INF, False)
    if max_value is None:
        right = (threshold, False, INF, False)
    elif threshold < 0:
        right = (0.0, True, max_value, True)
    elif threshold < max_value:
        right = (threshold, False, max_value, True)
    else:
        right = (max_value, True, max_value, True)
    return _hull(left, right)


def _relu_properties(alpha, max_value, threshold):
    value, _ = _relu_right_of_threshold(alpha, max_value, threshold)
    kinks = _relu_kinks(alpha, max_value, threshold)
    smoothness = "discontinuous" if value != 0 else ("C0" if kinks else "C∞")
    f0 = 0.0 if threshold < 0 else -alpha * threshold
    return Properties(
        monotonic=alpha >= 0 and value >= 0,
        bounded_above=max_value is not None and alpha >= 0,
        bounded_below=alpha <= 0,
        smoothness=smoothness,
        zero_centred=f0 == 0,
    )


def _keras_relu_kinks(alpha, max_value, threshold):
    """f' at the kinks in Keras 2 and Keras 3 on TensorFlow (keras-team/keras
    keras/src/activations/activations.py, keras-team/tf-keras tf_keras/backend.py).

    Keras takes tf.nn.leaky_relu only for (alpha != 0, no max_value, threshold 0), whose
    f'(0) is alpha; otherwise it builds relu(x) [or x·(x > threshold)] minus
    alpha·relu(threshold - x), both with gradient 0 at the threshold; the clip to
    [0, max_value] is tf.clip_by_value, gradient 1 at both bounds, except that
    max_value 6 with threshold 0 takes tf.nn.relu6 (gradient 0 at 6).
    """
    leaky_path = alpha != 0 and max_value is None and threshold == 0
    out = {float(threshold): alpha if leaky_path else 0.0}
    if max_value is not None and max_value > 0:
        if threshold < 0:
            out[0.0] = 1.0
        if max_value > threshold:
            out[float(max_value)] = 0.0 if (max_value == 6 and threshold == 0) else 1.0
    return out


def _mp_relu(x, alpha, max_value, threshold):
    if x > threshold:
        if max_value is None:
            return x, 1
        return min(max(x, 0), max_value), (1 if 0 < x < max_value else 0)
    return alpha * (x - threshold), alpha


def _relu_formulas(alpha, max_value, threshold):
    """relu's formulas with only the cases these parameters leave: max(x, 0) at the defaults,
    the leaky form with a slope, the capped form with max_value, the threshold form."""
    theta = ("0", "0") if threshold == 0 else (r"\theta", "threshold")
    cap = ("0", "0") if max_value == 0 else ("m", "max_value")
    if alpha == 0:
        below = ("0", "0")
    elif threshold == 0:
        below = (r"\alpha x", "alpha·x")
    else:
        below = (r"\alpha\,(x - \theta)", "alpha·(x - threshold)")
    slope = ("0", "0") if alpha == 0 else (r"\alpha", "alpha")

    def at(bound, inclusive):
        return (*bound, inclusive)

    # ascending pieces of f and f' right of the threshold (x > θ); f' follows d_relu:
    # 1 on (0, m) only, 0 at the clip points
    if max_value is None:
        above = [(("x", "x"), ("1", "1"), at(theta, False), None)]
    elif threshold < 0:
        above = [(("0", "0"), ("0", "0"), at(theta, False), at(("0", "0"), True))]
        if max_value > 0:
            above.append((("x", "x"), ("1", "1"), at(("0", "0"), False), at(cap, False)))
        above.append(((*cap,), ("0", "0"), at(cap, True), None))
    elif threshold < max_value:
        above = [(("x", "x"), ("1", "1"), at(theta, False), at(cap, False)),
                 ((*cap,), ("0", "0"), at(cap, True), None)]
    else:
        above = [((*cap,), ("0", "0"), at(theta, False), None)]
    low = at(theta, True)
    f_pieces = [(*below, None, low)] + [(*v, lo, hi) for v, _, lo, hi in above]
    d_pieces = [(*slope, None, low)] + [(*d, lo, hi) for _, d, lo, hi in above]
    f_tex, f_text = piecewise(("f(x)", "f(x)"), f_pieces)
    if alpha == 0 and threshold == 0 and max_value is None:
        f_tex, f_text = r"f(x) = \max(x, 0)", "f(x) = max(x, 0)"
    elif alpha == 0 and threshold == 0 and max_value > 0:
        f_tex, f_text = r"f(x) = \min(\max(x, 0),\ m)", "f(x) = min(max(x, 0), max_value)"
    d_tex, d_text = piecewise(("f'(x)", "f'(x)"), d_pieces)
    return f_tex, f_text, d_tex, d_text


_KERAS_RELU_NOTE = (
    "Keras semantics: alpha·(x - threshold) for x <= threshold, else x clipped to [0, max_value] "
    "when max_value is set; kink values follow Keras 3's default TensorFlow backend "
    "(on JAX, f'(0) = 1 with a slope and f'(max_value) = 0.5)"
)

def _leaky_gain(slope):
    # torch.nn.init.calculate_gain("leaky_relu", slope)
    return math.sqrt(2.0 / (1.0 + slope * slope))


def _relu_gain(alpha, max_value, threshold):
    # Keras's relu(alpha=s) is leaky_relu(s); a cap or a shifted threshold has no torch gain
    if max_value is not None or threshold != 0:
        return None
    return _leaky_gain(float(alpha))


register(
    Activation(
        name="relu",
        family="rectifier",
        forward=relu,
        derivatives=(d_relu, nx.zeros_like),
        evaluate_pair=_relu_pair,
        fast_pair=fast.relu,
        mp_reference=_mp_relu,
        params=_RELU_PARAMS,
        kinks=_relu_kinks,
        **param_formulas(
            (
                "f(x) = "
                + cases(("x", r"x > \theta"), (r"\alpha\,(x - \theta)", r"x \leq \theta"))
                + r"\;\; \mathrm{then\ clipped\ to}\ [0,\,m]",
                "f(x) = max(x, 0); with Keras's parameters: alpha·(x - threshold) if x <= threshold, "
                "else x, clipped to [0, max_value] when max_value is set",
                "f'(x) = "
                + cases((r"1\ (0\ \mathrm{outside}\ (0,\,m))", r"x > \theta"), (r"\alpha", r"x \leq \theta")),
                "f'(x) = 1 if x > 0 else 0; with Keras's parameters: alpha if x <= threshold, "
                "else 1 (0 outside (0, max_value) when max_value is set)",
            ),
            _relu_formulas,
        ),
        zeros=_relu_zeros,
        output_range=_relu_range,
        properties=_relu_properties,
        reference="Nair & Hinton 2010, Rectified Linear Units Improve Restricted Boltzmann Machines; "
        "Glorot, Bordes & Bengio 2011, Deep Sparse Rectifier Neural Networks",
        kink_convention="f'(0) = 0 in every framework; with parameters, f'(threshold) = alpha and "
        "f' = 0 at the clip points 0 and max_value (PyTorch's leaky_relu and relu6 conventions)",
        frameworks={
            "torch": same(
                "torch.nn.functional.relu",
                fixed=("alpha", "max_value", "threshold"),
                note="no parameters (leaky_relu, relu6 and threshold are separate functions)",
            ),
            "keras": same(
                "keras.activations.relu",
                arguments={"alpha": "negative_slope"},
                kink_derivative=_keras_relu_kinks,
                note="the slope is called negative_slope; " + _KERAS_RELU_NOTE,
            ),
            "keras2": same(
                "tf.keras.activations.relu",
                kink_derivative=_keras_relu_kinks,
                note="the function calls the slope alpha (the ReLU layer: negative_slope); same "
                "code as Keras 3 on TensorFlow",
            ),
            "jax": same("jax.nn.relu", fixed=("alpha", "max_value", "threshold"), note="no parameters; "
                        "a custom JVP makes f'(0) = 0"),
            "tf": same("tf.nn.relu", fixed=("alpha", "max_value", "threshold"), note="no parameters"),
        },
        naive=Naive(
            lambda x, **_: np.maximum(x, 0),
            lambda x, **_: np.where(x > 0, 1, 0).astype(x.dtype),
            "max(x,0)",
            "1 if x > 0 else 0",
            applies=lambda alpha, max_value, threshold: (
                alpha == 0 and max_value is None and threshold == 0
            ),
        ),
        torch_gain=_relu_gain,
        # leaky and capped, thresholds left and right of 0 (f jumps at 2), capped with a threshold,
        # a negative slope, all three; a slope steeper than 1 takes f past the largest float far
        # left
        checks=Checks(
            samples=(
                {"alpha": 0.1, "max_value": 6.0}, {"threshold": -1.0}, {"threshold": 2.0},
                {"threshold": -1.0, "max_value": 3.0}, {"alpha": -2.0},
                {"alpha": 0.1, "max_value": 6.0, "threshold": 1.0},
            ),
            finite_within=lambda alpha, max_value, threshold: (
                -float(np.finfo(np.float64).max) / max(1.0, abs(alpha)), INF
            ),
        ),
    )
)

# --- relu6 --------------------------------------------------------------------------------


def relu6(x):
    return np.clip(x, 0.0, 6.0)


def d_relu6(x):
    return ((x > 0) & (x < 6)).astype(np.float64)


def _mp_relu6(x):
    return min(max(x, 0), 6), (1 if 0 < x < 6 else 0)


register(
    Activation(
        name="relu6",
        family="rectifier",
        forward=relu6,
        derivatives=(d_relu6, nx.zeros_like),
        mp_reference=_mp_relu6,
        kinks=(0.0, 6.0),
        formula_tex=r"f(x) = \min(\max(x, 0), 6)",
        formula_text="f(x) = min(max(x, 0), 6)",
        derivative_tex="f'(x) = " + cases(("1", "0 < x < 6"), ("0", r"\mathrm{otherwise}")),
        derivative_text="f'(x) = 1 if 0 < x < 6 else 0",
        zeros=((-INF, 0.0),),
        output_range=Interval(0.0, 6.0),
        properties=Properties(monotonic=True, bounded_above=True, bounded_below=True,
                              smoothness="C0", zero_centred=True),
        reference="Krizhevsky 2010, Convolutional Deep Belief Networks on CIFAR-10",
        kink_convention="f'(0) = f'(6) = 0 in every framework",
        frameworks={
            "torch": same("torch.nn.functional.relu6", note="the module ReLU6 is Hardtanh(0, 6)"),
            "keras": same("keras.activations.relu6"),
            "jax": same("jax.nn.relu6", note="a custom JVP makes f' = 0 at 0 and 6"),
            "tf": same("tf.nn.relu6"),
        },
    )
)

# --- squared_relu (relu2) ------------------------------------------------------------------


def squared_relu(x):
    r = np.maximum(x, 0.0)
    with np.errstate(over="ignore"):  # x² is +inf beyond √(largest float) ≈ 1.34e154, as it should be
        return r * r


def d_squared_relu(x):
    with np.errstate(over="ignore"):  # 2x is +inf beyond half the largest float
        return 2.0 * np.maximum(x, 0.0)


def d2_squared_relu(x):
    return np.where(x > 0, 2.0, 0.0)


def _mp_squared_relu(x):
    r = max(x, 0)
    return r * r, 2 * r


register(
    Activation(
        name="squared_relu",
        aliases=("relu2", "relu_squared"),
        family="rectifier",
        forward=squared_relu,
        derivatives=(d_squared_relu, d2_squared_relu),
        mp_reference=_mp_squared_relu,
        # f and f' are continuous; f'' jumps from 0 to 2 at 0
        kinks=(0.0,),
        formula_tex=r"f(x) = \max(x, 0)^2",
        formula_text="f(x) = max(x, 0)²",
        derivative_tex=r"f'(x) = 2\max(x, 0)",
        derivative_text="f'(x) = 2·max(x, 0)",
        zeros=((-INF, 0.0),),
        output_range=Interval(0.0, INF, True, False),
        properties=Properties(monotonic=True, bounded_above=False, bounded_below=True,
                              smoothness="C1", zero_centred=True),
        reference="So, Mańke, Liu, Dai, Shazeer & Le 2021, Primer: Searching for Efficient "
        "Transformers for Language Modeling, arXiv:2109.08668 (Hugging Face hidden_act \"relu2\", "
        "ReLUSquaredActivation: relu(x)**2; Transformer Engine's \"srelu\" is the same function)",
        numerics="one rounding: max(x, 0) is exact and its square is one correctly rounded product",
        kink_convention="f'(0) = 0 and f''(0) = 0 (autograd of relu(x)**2 gives 2·relu(x)·relu'(x) = 0 "
        "at 0)",
        # up to f = 9: on [-6, 6] x² would reach 36 and flatten the rectifiers beside it
        plot_range=(-3.0, 3.0),
        # x² leaves the float64 range beyond √(largest float)
        checks=Checks(ulps=(1, 1), finite_within=(-INF, 1.3407807929942596e154)),
    )
)

# --- star_relu: s·relu(x)² + b ----------------------------------------------------------------

#: The paper's constants (mpmath, 40 digits): for z ~ N(0, 1), E[relu(z)²] = 1/2 and
#: E[relu(z)⁴] = 3/2, so s = 1/√Var = 2/√5 and b = -E·s = -1/√5 give E[f(z)] = 0, E[f(z)²] = 1
STAR_RELU_SCALE = 0.8944271909999159
STAR_RELU_BIAS = -0.4472135954999579


def star_relu(x, scale, bias):
    return scaled_square_plus(x, scale, bias)


def d_star_relu(x, scale, bias):
    with np.errstate(over="ignore"):  # 2s·x leaves the float range only where the truth does
        return (2.0 * scale) * np.maximum(x, 0.0)


def d2_star_relu(x, scale, bias):
    return np.where(x > 0, 2.0 * scale, 0.0)


def _mp_star_relu(x, scale, bias):
    import mpmath as mp

    s, r = mp.mpf(scale), max(x, 0)
    return s * r * r + mp.mpf(bias), 2 * s * r


register(
    Activation(
        name="star_relu",
        aliases=("starrelu",),
        family="rectifier",
        forward=star_relu,
        derivatives=(d_star_relu, d2_star_relu),
        mp_reference=_mp_star_relu,
        params=(
            Param(
                "scale",
                STAR_RELU_SCALE,
                "s, learned: 2/√5 (the paper's) makes E[f(z)²] = 1 for z ~ N(0, 1); MetaFormer's "
                "and timm's StarReLU start it at scale_value=1.0",
                low=0.0,
                low_inclusive=False,
                high=1e6,
                aliases=("scale_value", "s"),
            ),
            Param(
                "bias",
                STAR_RELU_BIAS,
                "b, learned: -1/√5 (the paper's) makes E[f(z)] = 0; MetaFormer's and timm's "
                "StarReLU start it at bias_value=0.0",
                aliases=("bias_value", "b"),
            ),
        ),
        # f and f' are continuous; f'' jumps from 0 to 2s at 0
        kinks=(0.0,),
        formula_tex=r"f(x) = s\,\max(x, 0)^2 + b",
        formula_text="f(x) = s·max(x, 0)² + b",
        derivative_tex=r"f'(x) = 2s\,\max(x, 0)",
        derivative_text="f'(x) = 2s·max(x, 0)",
        output_range=lambda scale, bias: Interval(bias, INF, True, False),
        zeros=lambda scale, bias: ((-INF, 0.0),) if bias == 0 else (),  # f = b for x <= 0
        properties=lambda scale, bias: Properties(
            monotonic=True, bounded_above=False, bounded_below=True, smoothness="C1",
            zero_centred=bias == 0.0,
        ),
        reference="Yu et al. 2022, MetaFormer Baselines for Vision, arXiv:2210.13452 (StarReLU, "
        "the MLP activation of ConvFormer and CAFormer: relu(x)² standardised for z ~ N(0, 1), "
        "then s and b learned); the reference code (sail-sg/metaformer metaformer_baselines.py) "
        "and timm's timm/models/metaformer.py initialise scale_value=1.0 and bias_value=0.0",
        numerics="s·x² is kept as an exact double-double before b is added, since the two cancel "
        "where f crosses 0 (x = √(-b/s) = 1/√2 at the defaults); beyond 2^480 it is (s·x)·x",
        kink_convention="f'(0) = 0 and f''(0) = 0, as autograd gives for s·relu(x)**2 + b",
        naive=Naive(
            lambda x, scale, bias: scale * np.maximum(x, 0) ** 2 + bias,
            lambda x, scale, bias: 2 * scale * np.maximum(x, 0),
            "s*max(x,0)**2+b",
            "2*s*max(x,0)",
        ),
        # relu² reaches 9 at x = 3, squared_relu's frame: on [-6, 6] it would flatten the rest
        plot_range=(-3.0, 3.0),
        # MetaFormer's initial values (squared relu); a wider, lifted one
        checks=Checks(
            samples=({"scale": 1.0, "bias": 0.0}, {"scale": 2.5, "bias": 1.5}),
            ulps=(4, 8),
            finite_within=lambda scale, bias: (-INF, math.sqrt(MAX) / math.sqrt(scale) * (1 - 2.0**-40)),
        ),
    )
)

# --- leaky_relu, prelu, rrelu: x for x > 0, a slope s below -----------------------------


# Functions of the negative slope, named alpha as the records' parameter is.
def _leaky_range(alpha):
    return REAL if alpha > 0 else Interval(0.0, INF, True, False)


def _leaky_properties(alpha):
    return Properties(monotonic=alpha >= 0, bounded_above=False, bounded_below=alpha <= 0,
                      smoothness="C∞" if alpha == 1 else "C0", zero_centred=True)


def _leaky_zeros(alpha):
    # a slope (or scale) of 0 on the left leaves relu
    return ((-INF, 0.0),) if alpha == 0 else ()


def _leaky_kinks(alpha):
    return () if alpha == 1 else (0.0,)


#: a rounding of TensorFlow's, not part of the definition (as torch's float32(1/6) in
#: hardsigmoid): the preset keeps alpha, so that f' and f agree with each other
_TF_LEAKY_NOTE = (
    "alpha is a float32 attribute, so TensorFlow's slope, f'(0) included, is float32(alpha) even in "
    "float64 (0.20000000298 for 0.2, 1.5e-8 off relatively); the preset keeps alpha"
)


_SLOPE = Param(
    "alpha",
    0.01,
    "slope for x < 0",
    aliases=("negative_slope",),
)


def leaky_relu(x, alpha):
    return leaky(x, alpha)


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
        kinks=_leaky_kinks,
        formula_tex="f(x) = " + cases(("x", "x > 0"), (r"\alpha x", r"x \leq 0")),
        formula_text="f(x) = x if x > 0 else alpha·x",
        derivative_tex="f'(x) = " + cases(("1", "x > 0"), (r"\alpha", r"x \leq 0")),
        derivative_text="f'(x) = 1 if x > 0 else alpha",
        zeros=_leaky_zeros,
        output_range=_leaky_range,
        properties=_leaky_properties,
        reference="Maas, Hannun & Ng 2013, Rectifier Nonlinearities Improve Neural Network Acoustic Models",
        kink_convention="f'(0) = alpha (PyTorch and TF test x > 0); JAX tests x >= 0 and gives 1",
        frameworks={
            "torch": same("torch.nn.functional.leaky_relu", arguments={"alpha": "negative_slope"}),
            "keras": same(
                "keras.activations.leaky_relu",
                defaults={"alpha": 0.2},
                arguments={"alpha": "negative_slope"},
                backend_kinks={"jax": {0.0: 1.0}},
                note="negative_slope defaults to 0.2 (the LeakyReLU layer: 0.3); on the default "
                "TensorFlow backend this is tf.nn.leaky_relu: " + _TF_LEAKY_NOTE + "; f'(0) = 1 on "
                "JAX (torch: alpha, exactly)",
            ),
            "keras2": same(
                "tf.keras.layers.LeakyReLU",
                defaults={"alpha": 0.3},
                note="the layer's alpha defaults to 0.3; tf.nn.leaky_relu: " + _TF_LEAKY_NOTE,
            ),
            "jax": same(
                "jax.nn.leaky_relu",
                arguments={"alpha": "negative_slope"},
                kink_derivative={0.0: 1.0},
                note="tests x >= 0, so f'(0) = 1",
            ),
            "tf": same("tf.nn.leaky_relu", defaults={"alpha": 0.2}, note="alpha defaults to 0.2; " + _TF_LEAKY_NOTE),
        },
        naive=Naive(
            lambda x, alpha: np.where(x > 0, x, alpha * x),
            lambda x, alpha: np.where(x > 0, 1, alpha).astype(x.dtype),
            "x if x > 0 else alpha*x",
            "1 if x > 0 else alpha",
        ),
        torch_gain=lambda alpha: _leaky_gain(float(alpha)),
        # a negative slope: not monotone, unbounded both ways
        checks=Checks(samples=({"alpha": -0.5},)),
    )
)


def prelu(x, alpha):
    return leaky(x, alpha)


def d_prelu(x, alpha):
    # torch's prelu backward passes w for x <= 0, so f'(0) = alpha
    return np.where(x > 0, 1.0, alpha)


_PRELU_KERAS_NOTE = (
    "alpha_initializer='zeros' with one learned slope per element unless shared_axes, so it starts "
    "out as relu; computed as relu(x) - alpha·relu(-x), so f'(0) = 0 on every backend"
)

register(
    Activation(
        name="prelu",
        family="rectifier",
        forward=prelu,
        derivatives=(d_prelu, nx.zeros_like),
        mp_reference=_mp_leaky_relu,
        params=(
            Param(
                "alpha",
                0.25,
                "slope for x < 0: a learned weight, here its value (PyTorch initialises it to 0.25)",
                aliases=("weight", "init"),
            ),
        ),
        kinks=_leaky_kinks,
        formula_tex="f(x) = " + cases(("x", "x > 0"), (r"\alpha x", r"x \leq 0")),
        formula_text="f(x) = x if x > 0 else alpha·x, alpha learned",
        derivative_tex="f'(x) = " + cases(("1", "x > 0"), (r"\alpha", r"x \leq 0")),
        derivative_text="f'(x) = 1 if x > 0 else alpha  (and ∂f/∂alpha = x for x <= 0)",
        zeros=_leaky_zeros,
        output_range=_leaky_range,
        properties=_leaky_properties,
        reference="He, Zhang, Ren & Sun 2015, Delving Deep into Rectifiers, arXiv:1502.01852",
        kink_convention="f'(0) = alpha (PyTorch); the Keras layer gives 0",
        frameworks={
            "torch": same(
                "torch.nn.PReLU",
                arguments={"alpha": "init"},
                note="alpha is a learned weight, one shared value by default (num_parameters=1), "
                "initialised to 0.25; torch.nn.functional.prelu takes it as a required argument",
            ),
            "keras": same(
                "keras.layers.PReLU",
                defaults={"alpha": 0.0},
                arguments={"alpha": "alpha_initializer"},
                kink_derivative={0.0: 0.0},
                note=_PRELU_KERAS_NOTE + "; on the TensorFlow backend initializers.Constant(alpha) "
                "rounds alpha to float32, even for float64 weights",
            ),
            "keras2": same(
                "tf.keras.layers.PReLU",
                defaults={"alpha": 0.0},
                arguments={"alpha": "alpha_initializer"},
                kink_derivative={0.0: 0.0},
                note=_PRELU_KERAS_NOTE,
            ),
        },
    )
)


def _rrelu_slope(lower, upper):
    return lower / 2 + upper / 2  # (lower + upper)/2 without overflow


def rrelu(x, lower, upper):
    return leaky(x, _rrelu_slope(lower, upper))


def d_rrelu(x, lower, upper):
    return np.where(x > 0, 1.0, _rrelu_slope(lower, upper))


def _mp_rrelu(x, lower, upper):
    return _mp_leaky_relu(x, (lower + upper) / 2)


def _rrelu_check(lower, upper):
    if lower > upper:
        return f"lower must not exceed upper (got lower={lower!r}, upper={upper!r})"
    return None


register(
    Activation(
        name="rrelu",
        family="rectifier",
        forward=rrelu,
        derivatives=(d_rrelu, nx.zeros_like),
        mp_reference=_mp_rrelu,
        params=(
            Param("lower", 1 / 8, "lowest negative slope of the training-mode draw"),
            Param("upper", 1 / 3, "highest negative slope of the training-mode draw"),
        ),
        validate=_rrelu_check,
        kinks=lambda lower, upper: _leaky_kinks(_rrelu_slope(lower, upper)),
        formula_tex="f(x) = " + cases(("x", "x > 0"), (r"\frac{l + u}{2}\,x", r"x \leq 0")),
        formula_text="f(x) = x if x > 0 else (lower + upper)/2 · x  (eval mode; 11/48 ≈ 0.229 at the "
        "defaults)",
        derivative_tex="f'(x) = " + cases(("1", "x > 0"), (r"\frac{l + u}{2}", r"x \leq 0")),
        derivative_text="f'(x) = 1 if x > 0 else (lower + upper)/2",
        zeros=lambda lower, upper: _leaky_zeros(_rrelu_slope(lower, upper)),
        output_range=lambda lower, upper: _leaky_range(_rrelu_slope(lower, upper)),
        properties=lambda lower, upper: _leaky_properties(_rrelu_slope(lower, upper)),
        reference="Xu, Wang, Chen & Li 2015, Empirical Evaluation of Rectified Activations in "
        "Convolutional Network, arXiv:1505.00853",
        kink_convention="f'(0) = (lower + upper)/2, as PyTorch's leaky_relu",
        frameworks={
            "torch": same(
                "torch.nn.functional.rrelu",
                note="shown in eval mode (training=False, F.rrelu's default): the mean slope "
                "(lower + upper)/2; in training mode, and in the RReLU module until .eval(), each "
                "element's slope is drawn from U(lower, upper) on every call",
            ),
        },
    )
)

# --- elu, selu, celu: an exponential negative branch ---------------------------------------


def elu(x, alpha):
    # expm1 keeps relative accuracy near 0, where e^x - 1 cancels
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def d_elu(x, alpha):
    # the x <= 0 branch at 0, as PyTorch: f'(0) = alpha
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0)))


def d2_elu(x, alpha):
    return np.where(x > 0, 0.0, alpha * np.exp(np.minimum(x, 0.0)))


def _elu_pair(x, alpha):
    xn = np.minimum(x, 0.0)
    pos = x > 0
    return np.where(pos, x, alpha * np.expm1(xn)), np.where(pos, 1.0, alpha * np.exp(xn))


def _mp_elu(x, alpha):
    import mpmath as mp

    if x > 0:
        return x, 1
    return alpha * mp.expm1(x), alpha * mp.exp(x)


#: TensorFlow's elu (so also Keras's on its default backend)
_TF_ELU_NOTE = (
    "f''(0) = 0, and the gradient comes from the output, exp(x) - 1, which rounds to 0 on "
    "(-5.6e-17, 0): f' = 1 and f'' = 0 there"
)

register(
    Activation(
        name="elu",
        family="rectifier",
        forward=elu,
        derivatives=(d_elu, d2_elu),
        evaluate_pair=_elu_pair,
        fast_pair=fast.elu,
        mp_reference=_mp_elu,
        params=(Param("alpha", 1.0, "the negative saturation value is -alpha", low=0.0),),
        kinks=(0.0,),
        formula_tex="f(x) = " + cases(("x", "x > 0"), (r"\alpha\,(e^{x} - 1)", r"x \leq 0")),
        formula_text="f(x) = x if x > 0 else alpha·(exp(x) - 1)",
        derivative_tex="f'(x) = " + cases(("1", "x > 0"), (r"\alpha\,e^{x}", r"x \leq 0")),
        derivative_text="f'(x) = 1 if x > 0 else alpha·exp(x)",
        zeros=_leaky_zeros,  # alpha = 0 leaves relu
        output_range=lambda alpha: Interval(-alpha if alpha else 0.0, INF, alpha == 0, False),
        properties=lambda alpha: Properties(
            monotonic=True, bounded_above=False, bounded_below=True,
            smoothness="C1" if alpha == 1 else "C0", zero_centred=True,
        ),
        reference="Clevert, Unterthiner & Hochreiter 2015, Fast and Accurate Deep Network Learning by "
        "Exponential Linear Units (ELUs), arXiv:1511.07289",
        numerics="alpha·expm1(x) on the negative branch: exp(x) - 1 cancels near 0",
        kink_convention="f'(0) = alpha (the x <= 0 branch) in PyTorch, JAX and Keras; f'' jumps at 0 "
        "even for alpha = 1",
        frameworks={
            "torch": same("torch.nn.functional.elu", kink_second_derivative={0.0: 0.0},
                          note="autograd's f''(0) is 0"),
            "keras": same("keras.activations.elu", kink_second_derivative={0.0: 0.0},
                          note="on the default TensorFlow backend: " + _TF_ELU_NOTE),
            "keras2": same("tf.keras.activations.elu", kink_second_derivative={0.0: 0.0},
                           note="tf.nn.elu: " + _TF_ELU_NOTE),
            "jax": same("jax.nn.elu"),
            "tf": same(
                "tf.nn.elu",
                fixed=("alpha",),
                kink_second_derivative={0.0: 0.0},
                note="alpha is fixed at 1; the gradient comes from the output, f'(0) = 1; " + _TF_ELU_NOTE,
            ),
        },
        naive=Naive(
            tb.elu, tb.d_elu, "x if x > 0 else alpha*(exp(x)-1)", "1 if x > 0 else f(x)+alpha"
        ),
        checks=Checks(samples=({"alpha": 0.3}, {"alpha": 3.0}), ulps=(4, 8)),
    )
)

# SELU's constants, as in the paper (Klambauer et al. 2017, arXiv 1706.02515) and in PyTorch,
# JAX, Keras and TF.
SELU_LAMBDA = 1.0507009873554804934193349852946
SELU_ALPHA = 1.6732632423543772848170429916717
# λα rounded once from its own digits (λ·α in float64 would round twice).
SELU_LAMBDA_ALPHA = 1.7580993408473768599402175208
_SELU_DIGITS = ("1.0507009873554804934193349852946", "1.6732632423543772848170429916717")


def selu(x):
    xn = np.minimum(x, 0.0)
    with np.errstate(over="ignore"):  # λx leaves the float range only above max/λ, as the truth does
        pos = SELU_LAMBDA * np.maximum(x, 0.0)
    return np.where(x > 0, pos, SELU_LAMBDA_ALPHA * np.expm1(xn))


def d_selu(x):
    # PyTorch and JAX take the x <= 0 branch at 0: λα
    return np.where(x > 0, SELU_LAMBDA, SELU_LAMBDA_ALPHA * np.exp(np.minimum(x, 0.0)))


def d2_selu(x):
    return np.where(x > 0, 0.0, SELU_LAMBDA_ALPHA * np.exp(np.minimum(x, 0.0)))


def _selu_pair(x):
    xn = np.minimum(x, 0.0)
    pos = x > 0
    with np.errstate(over="ignore"):
        up = SELU_LAMBDA * np.maximum(x, 0.0)
    return (
        np.where(pos, up, SELU_LAMBDA_ALPHA * np.expm1(xn)),
        np.where(pos, SELU_LAMBDA, SELU_LAMBDA_ALPHA * np.exp(xn)),
    )


def _mp_selu(x):
    import mpmath as mp

    lam, alpha = (mp.mpf(d) for d in _SELU_DIGITS)
    if x > 0:
        return lam * x, lam
    return lam * alpha * mp.expm1(x), lam * alpha * mp.exp(x)


_SELU_TF_NOTE = (
    "the gradient is computed from the output (< 0 picks λα·e^x), so f'(0) = λ, and so is f' on "
    "(-5.6e-17, 0), where its exp(x) - 1 rounds to 0; f''(0) = 0"
)
#: λα as PyTorch and JAX form it: the float64 λ times the float64 α, one ULP below λα
_SELU_LA_ROUNDED = SELU_LAMBDA * SELU_ALPHA

register(
    Activation(
        name="selu",
        family="rectifier",
        forward=selu,
        derivatives=(d_selu, d2_selu),
        evaluate_pair=_selu_pair,
        mp_reference=_mp_selu,
        kinks=(0.0,),
        formula_tex=r"f(x) = \lambda" + cases(("x", "x > 0"), (r"\alpha\,(e^{x} - 1)", r"x \leq 0")),
        formula_text="f(x) = λ·(x if x > 0 else α·(exp(x) - 1)),  λ = 1.0507009873554804934, "
        "α = 1.6732632423543772848",
        derivative_tex="f'(x) = " + cases((r"\lambda", "x > 0"), (r"\lambda \alpha\,e^{x}", r"x \leq 0")),
        derivative_text="f'(x) = λ if x > 0 else λα·exp(x)",
        zeros=(),
        output_range=Interval(-SELU_LAMBDA_ALPHA, INF, False, False),
        properties=Properties(monotonic=True, bounded_above=False, bounded_below=True,
                              smoothness="C0", zero_centred=True),
        reference="Klambauer, Unterthiner, Mayr & Hochreiter 2017, Self-Normalizing Neural Networks, "
        "arXiv:1706.02515",
        numerics="λα·expm1(x) on the negative branch, with λα = 1.7580993408473768599 rounded once",
        kink_convention="f'(0) = λα = 1.7580993 (PyTorch, JAX); TensorFlow gives λ = 1.0507010",
        frameworks={
            "torch": same(
                "torch.nn.functional.selu",
                kink_second_derivative={0.0: 0.0},
                note="PyTorch multiplies the float64-rounded λ and α, so its λα (and f'(0)) is "
                "1.7580993408473766, one ULP below the correctly rounded λα used here; autograd's "
                "f''(0) is 0",
            ),
            "keras": same(
                "keras.activations.selu",
                kink_derivative={0.0: SELU_LAMBDA},
                kink_second_derivative={0.0: 0.0},
                backend_kinks={"jax": {0.0: _SELU_LA_ROUNDED}, "torch": {0.0: _SELU_LA_ROUNDED}},
                note="f'(0) = λ on the default TensorFlow backend (" + _SELU_TF_NOTE + "); "
                "λα = 1.7580993408473766 (the rounded λ times the rounded α) on JAX and torch",
            ),
            "keras2": same("tf.keras.activations.selu", kink_derivative={0.0: SELU_LAMBDA},
                           kink_second_derivative={0.0: 0.0}, note="tf.nn.selu: " + _SELU_TF_NOTE),
            "jax": same("jax.nn.selu", note="JAX multiplies the float64-rounded λ and α, so its f'(0) "
                        "is 1.7580993408473766, one ULP below the correctly rounded λα used here"),
            "tf": same("tf.nn.selu", kink_derivative={0.0: SELU_LAMBDA}, kink_second_derivative={0.0: 0.0},
                       note=_SELU_TF_NOTE),
        },
        naive=Naive(
            lambda x: SELU_LAMBDA * tb.elu(x, SELU_ALPHA),
            lambda x: SELU_LAMBDA * tb.d_elu(x, SELU_ALPHA),
            "lambda*(x if x > 0 else alpha*(exp(x)-1))",
            "lambda if x > 0 else f(x)+lambda*alpha",
        ),
        torch_gain=0.75,
        checks=Checks(ulps=(4, 8)),
    )
)

# x/alpha as an exact q + c (numerics.rectifiers.quotient_split): e^(x/alpha) keeps every bit


def celu(x, alpha):
    em1, _ = expm1_exp_quotient(x, alpha)
    return np.where(x > 0, x, alpha * em1)


def d_celu(x, alpha):
    return np.where(x > 0, 1.0, exp_quotient(x, alpha))


def d2_celu(x, alpha):
    return np.where(x > 0, 0.0, exp_quotient(x, alpha) / alpha)


def _celu_pair(x, alpha):
    em1, e = expm1_exp_quotient(x, alpha)
    pos = x > 0
    return np.where(pos, x, alpha * em1), np.where(pos, 1.0, e)


def _torch_celu_kink(alpha):
    """PyTorch's celu backward scales by 1.0/alpha.toFloat(): 1/alpha from alpha rounded to
    float32 (tools/autograd/derivatives.yaml), so f'(0) = alpha/float32(alpha), not 1."""
    with np.errstate(over="ignore", under="ignore"):
        alpha32 = float(np.float32(alpha))
    if not (math.isfinite(alpha32) and alpha32 > 0):
        return {}
    return {0.0: (1.0 / alpha32) * alpha}


def _mp_celu(x, alpha):
    import mpmath as mp

    if x > 0:
        return x, 1
    return alpha * mp.expm1(x / alpha), mp.exp(x / alpha)


register(
    Activation(
        name="celu",
        family="rectifier",
        forward=celu,
        derivatives=(d_celu, d2_celu),
        evaluate_pair=_celu_pair,
        fast_pair=fast.celu,
        mp_reference=_mp_celu,
        params=(Param("alpha", 1.0, "the negative saturation value is -alpha", low=0.0, low_inclusive=False),),
        kinks=(0.0,),
        formula_tex=r"f(x) = \max(0, x) + \min(0, \alpha\,(e^{x/\alpha} - 1))",
        formula_text="f(x) = max(0, x) + min(0, alpha·(exp(x/alpha) - 1))",
        derivative_tex="f'(x) = " + cases(("1", "x > 0"), (r"e^{x/\alpha}", r"x \leq 0")),
        derivative_text="f'(x) = 1 if x > 0 else exp(x/alpha)",
        zeros=(),
        output_range=lambda alpha: Interval(-alpha, INF, False, False),
        properties=Properties(monotonic=True, bounded_above=False, bounded_below=True,
                              smoothness="C1", zero_centred=True),
        reference="Barron 2017, Continuously Differentiable Exponential Linear Units, arXiv:1704.07483",
        numerics="alpha·expm1(x/alpha) with x/alpha split exactly into q + c (two_product), so the "
        "rounding of x/alpha does not cost |x/alpha|/2 ULP in the tail",
        kink_convention="C1: f'(0) = 1 (f'' jumps from 1/alpha to 0); Keras on TensorFlow gives 2",
        frameworks={
            "torch": same(
                "torch.nn.functional.celu",
                kink_derivative=_torch_celu_kink,
                kink_second_derivative={0.0: 0.0},
                note="the backward uses 1/alpha with alpha rounded to float32 (even for float64), "
                "so f' is off by up to about |x/alpha|·6e-8 relatively unless alpha is a float32; "
                "f'(0) = alpha/float32(alpha) (0.99999996 at alpha = 0.3, 1 at the default); "
                "autograd's f''(0) is 0",
            ),
            "keras": same(
                "keras.activations.celu",
                kink_derivative={0.0: 2.0},
                backend_kinks={"jax": {0.0: 1.0}, "torch": _torch_celu_kink},
                note="f'(0) = 2 on the default TensorFlow backend, an artifact: tf.maximum and "
                "tf.minimum both pass the full gradient on a tie; 1 on JAX and torch",
            ),
            "jax": same("jax.nn.celu", kink_second_derivative=lambda alpha: {0.0: 0.25 / alpha},
                        note="f'(0) = 1 (½ + ½ from the max/min tie split); autograd's f''(0) is "
                        "1/(4·alpha), half the left-hand f''"),
        },
        naive=Naive(
            lambda x, alpha: np.maximum(0, x) + np.minimum(0, alpha * (np.exp(x / alpha) - 1)),
            lambda x, alpha: np.where(x > 0, 1, np.exp(x / alpha)),
            "max(0,x) + min(0, alpha*(exp(x/alpha)-1))",
            "1 if x > 0 else exp(x/alpha)",
        ),
        # x/α rounds at 0.3 and 2.7: exp(x/α) needs the split quotient
        checks=Checks(samples=({"alpha": 0.3}, {"alpha": 2.7}, {"alpha": 0.4}), ulps=(4, 8)),
    )
)

# --- xielu --------------------------------------------------------------------------------


def _xielu_pair(x, alpha_p, alpha_n, beta, eps):
    return xielu_pair(x, alpha_p, alpha_n, beta, eps)


def xielu(x, alpha_p, alpha_n, beta, eps):
    return xielu_pair(x, alpha_p, alpha_n, beta, eps)[0]


def d_xielu(x, alpha_p, alpha_n, beta, eps):
    return xielu_pair(x, alpha_p, alpha_n, beta, eps)[1]


def _mp_xielu(x, alpha_p, alpha_n, beta, eps):
    import mpmath as mp

    ap, an, b, e = (mp.mpf(v) for v in (alpha_p, alpha_n, beta, eps))
    if x > 0:
        return ap * x * x + b * x, 2 * ap * x + b
    f = an * (mp.expm1(min(x, e)) - x) + b * x
    if x > e:
        return f, b - an
    if x == e:  # autograd's split of the tie in min(x, eps)
        return f, an * (mp.exp(e) / 2 - 1) + b
    return f, an * mp.expm1(x) + b


def _check_xielu(alpha_p, alpha_n, beta, eps):
    if not alpha_n > beta:
        return (f"alpha_n must exceed beta (alpha_n = beta + softplus(raw) in the reference; got "
                f"alpha_n={alpha_n:g}, beta={beta:g})")
    return None


def _xielu_range(alpha_p, alpha_n, beta, eps):
    # the minimum: at x* = ln(1 - β/αn), where f' = αn(e^x - 1) + β vanishes, if x* < ε, and
    # at 0 (the end of the line of slope β - αn, before the jump up to 0+)
    candidates = [alpha_n * math.expm1(eps)]
    x_star = math.log1p(-beta / alpha_n)
    if x_star < eps:
        candidates.append(-beta + (beta - alpha_n) * x_star)
    return Interval(min(candidates), INF, True, False)


register(
    Activation(
        name="xielu",
        family="rectifier",
        forward=xielu,
        derivatives=(d_xielu, xielu_second),
        evaluate_pair=_xielu_pair,
        mp_reference=_mp_xielu,
        params=(
            Param("alpha_p", 0.8, "αp > 0, the curvature for x > 0 (learned: softplus of the stored "
                  "parameter; Hugging Face's alpha_p_init)", low=0.0, low_inclusive=False,
                  aliases=("alpha_p_init",)),
            Param("alpha_n", 0.8, "αn > β, the scale of the negative branch (learned: β + softplus "
                  "of the stored parameter; alpha_n_init)", low=0.0, low_inclusive=False,
                  aliases=("alpha_n_init",)),
            Param("beta", 0.5, "β > 0, the slope at 0 from either side (a fixed buffer in the "
                  "reference)", low=0.0, low_inclusive=False),
            Param("eps", -1e-6, "ε <= 0: e^x is taken at min(x, ε), so (ε, 0] is a line of slope "
                  "β - αn and f jumps by -αn·(e^ε - 1) at 0; 0 gives the paper's C1 form", high=0.0),
        ),
        validate=_check_xielu,
        kinks=lambda alpha_p, alpha_n, beta, eps: (eps, 0.0) if eps < 0 else (0.0,),
        formula_tex="f(x) = " + cases(
            (r"\alpha_p x^2 + \beta x", "x > 0"),
            (r"\alpha_n\,(e^{\min(x,\,\epsilon)} - 1 - x) + \beta x", r"x \leq 0"),
        ),
        formula_text="f(x) = αp·x² + β·x if x > 0 else αn·(exp(min(x, eps)) - 1 - x) + β·x",
        derivative_tex="f'(x) = " + cases(
            (r"2\alpha_p x + \beta", "x > 0"),
            (r"\beta - \alpha_n", r"\epsilon < x \leq 0"),
            (r"\alpha_n\,(e^{x} - 1) + \beta", r"x < \epsilon"),
        ),
        derivative_text="f'(x) = 2αp·x + β if x > 0, β - αn if eps < x <= 0, αn·(exp(x) - 1) + β "
        "if x < eps",
        output_range=_xielu_range,
        zeros=(),
        properties=lambda alpha_p, alpha_n, beta, eps: Properties(
            monotonic=False, bounded_above=False, bounded_below=True,
            # the paper's form (ε = 0) is C1: only f'' jumps at 0, from αn to 2αp (C2 where the
            # two agree, which the smoothness classes here do not tell apart)
            smoothness="discontinuous" if eps < 0 else "C1", zero_centred=eps == 0.0,
        ),
        reference="Huang & Schlag 2025, Deriving Activation Functions Using Integration, "
        "arXiv:2411.13010; the activation of Swiss AI's Apertus LLMs (Hugging Face hidden_act "
        "\"xielu\": XIELUActivation in transformers/activations.py, whose Python path this is "
        "exactly, ε clamp included: with it f'(x) = β - αn = -0.3 on (ε, 0] and f jumps by "
        "-αn·(e^ε - 1) = 8.0e-7 at 0; the module stores its parameters in bfloat16 by default, "
        "where they round to αp = 0.8046875, αn = 0.80078125, ε = -9.98e-7)",
        numerics="x·(αp·x + β) for x > 0; below, αn·(e^m - 1) + (β - αn)·x in double-double "
        "(e^m - 1 from numerics.dd.expm1_double, to 2^-82), since f crosses 0 at x = -2.43 and "
        "f' = αn·(e^x - 1) + β does at x = ln(1 - β/αn) = -0.98: the error is 2^-82 of the terms "
        "there, so the ULPs of f and f' hold up to about 1e-9 from those two zeros",
        kink_convention="f'(0) = β - αn and f''(0) = 0, the branch x <= 0 that torch.where takes; "
        "at x = ε, torch.minimum splits the gradient of the tie, so f'(ε) = αn·(e^ε/2 - 1) + β "
        "and f''(ε) = αn·e^ε/4 (the double backward meets the split twice), as autograd of the "
        "reference gives",
        naive=Naive(
            lambda x, alpha_p, alpha_n, beta, eps: np.where(
                x > 0, alpha_p * x * x + beta * x,
                (np.expm1(np.minimum(x, eps)) - x) * alpha_n + beta * x),
            lambda x, alpha_p, alpha_n, beta, eps: np.where(
                x > 0, 2 * alpha_p * x + beta,
                np.where(x > eps, beta - alpha_n, alpha_n * np.exp(x) - alpha_n + beta)),
            "where(x>0, ap*x*x+b*x, (expm1(min(x,eps))-x)*an+b*x)",
            "where(x>0, 2*ap*x+b, where(x>eps, b-an, an*exp(x)-an+b))",
        ),
        # the minimum (x = -0.98), the zero (x = -2.4) and αp·x² up to 8.7
        plot_range=(-4.0, 3.0),
        # the paper's form (ε = 0), a steeper and a gentler one
        checks=Checks(
            samples=({"eps": 0.0}, {"alpha_p": 2.5, "alpha_n": 1.7, "beta": 0.3, "eps": -0.01}),
            ulps=(4, 8),
            finite_within=lambda alpha_p, alpha_n, beta, eps: (
                -MAX / max(1.0, alpha_n - beta),
                math.sqrt(MAX) / math.sqrt(alpha_p) * (1 - 2.0**-40) - beta / alpha_p,
            ),
        ),
    )
)

# --- isrlu: x for x >= 0, the inverse square root unit below ---------------------------------


def _isrlu_scaled(x, alpha):
    # √α·min(x, 0) overflows only for α > 1 near the largest float, where the limit still holds
    with np.errstate(over="ignore"):
        return np.sqrt(alpha) * np.minimum(x, 0.0)


def isrlu(x, alpha):
    # x/√(1 + αx²) below 0 as tanh(asinh(√α·x))/√α: no αx² to overflow, and -inf gives -1/√α
    u = _isrlu_scaled(x, alpha)
    return np.where(x >= 0, x, np.tanh(np.arcsinh(u)) / np.sqrt(alpha))


def d_isrlu(x, alpha):
    u = _isrlu_scaled(x, alpha)
    return np.where(x >= 0, 1.0, (1.0 / np.hypot(1.0, u)) ** 3)


def d2_isrlu(x, alpha):
    # -3αx(1 + αx²)^(-5/2) below 0, which is 0 at 0 as on the right: f'' is continuous
    u = _isrlu_scaled(x, alpha)
    return np.where(x >= 0, 0.0, -3.0 * np.sqrt(alpha) * np.tanh(np.arcsinh(u)) * (1.0 / np.hypot(1.0, u)) ** 4)


def _mp_isrlu(x, alpha):
    if x >= 0:
        return x, 1
    return x / (1 + alpha * x * x) ** 0.5, (1 + alpha * x * x) ** -1.5


register(
    Activation(
        name="isrlu",
        family="rectifier",
        forward=isrlu,
        derivatives=(d_isrlu, d2_isrlu),
        mp_reference=_mp_isrlu,
        params=(Param("alpha", 1.0, "the negative saturation value is -1/√alpha", low=0.0, low_inclusive=False),),
        # f, f' and f'' are continuous at 0; the third derivative jumps there, from -3·alpha to 0
        kinks=(0.0,),
        formula_tex="f(x) = " + cases(("x", r"x \geq 0"), (r"\frac{x}{\sqrt{1 + \alpha x^2}}", "x < 0")),
        formula_text="f(x) = x if x >= 0 else x/√(1 + alpha·x²)",
        derivative_tex="f'(x) = " + cases(("1", r"x \geq 0"), (r"(1 + \alpha x^2)^{-3/2}", "x < 0")),
        derivative_text="f'(x) = 1 if x >= 0 else (1 + alpha·x²)^(-3/2)",
        output_range=lambda alpha: Interval(-1.0 / math.sqrt(alpha), INF, False, False),
        zeros=(),
        properties=Properties(monotonic=True, bounded_above=False, bounded_below=True,
                              smoothness="C2", zero_centred=True),
        reference="Carlile, Delamarter, Kinney, Marti & Whitney 2017, Improving Deep Learning by "
        "Inverse Square Root Linear Units (ISRLUs), arXiv:1710.09967",
        numerics="below 0, f = tanh(asinh(√α·x))/√α and f' = 1/hypot(1, √α·x)³: αx² is never formed",
        kink_convention="f'(0) = 1 and f''(0) = 0 from both sides; only the third derivative jumps at 0 (from -3·alpha "
        "to 0), so f is C2 there, not C∞",
        naive=Naive(
            lambda x, alpha: np.where(x < 0, x / np.sqrt(1 + alpha * x**2), x),
            lambda x, alpha: np.where(x < 0, (1 + alpha * x**2) ** -1.5, 1.0),
            "x/sqrt(1+alpha*x**2) if x < 0 else x",
            "(1+alpha*x**2)**-1.5 if x < 0 else 1",
        ),
        checks=Checks(samples=({"alpha": 0.25}, {"alpha": 3.0}), ulps=(4, 8)),
    )
)

# --- softplus -----------------------------------------------------------------------------

# TensorFlow's float64 switch points: x above -(ln ε + 2) gives x, x below ln ε + 2 gives e^x,
# with ε = 2^-52 (tensorflow/core/kernels/softplus_op.h); ln ε rounds to -36.04365338911715.
TF_SOFTPLUS_SWITCH = -(math.log(np.finfo(np.float64).eps) + 2.0)


def softplus(x, beta=1.0, threshold=None):
    _, e, switch = softplus_parts(x, beta, threshold)
    # (1/β)·ln(1 + e^{βx}) = max(x, 0) + log1p(e^-|βx|)/β: exact in both tails, and βx/β is x
    f = np.maximum(x, 0.0) + np.log1p(e) / beta
    return f if switch is None else np.where(switch, x, f)


def d_softplus(x, beta=1.0, threshold=None):
    hi, e, switch = softplus_parts(x, beta, threshold)
    d = sigmoid_from_exp(hi, e)
    return d if switch is None else np.where(switch, 1.0, d)


def d2_softplus(x, beta=1.0, threshold=None):
    _, e, switch = softplus_parts(x, beta, threshold)
    d2 = beta * (e / ((1.0 + e) * (1.0 + e)))
    return d2 if switch is None else np.where(switch, 0.0, d2)


def _softplus_pair(x, beta=1.0, threshold=None):
    if beta == 1 and threshold is None:
        return softplus_pair(x)  # the same operations as below for β = 1, in place
    hi, e, switch = softplus_parts(x, beta, threshold)
    f = np.maximum(x, 0.0) + np.log1p(e) / beta
    d = sigmoid_from_exp(hi, e)
    if switch is not None:
        f, d = np.where(switch, x, f), np.where(switch, 1.0, d)
    return f, d


def softplus_tf(x, **_):
    """tf.math.softplus on float64: x above 34.04, e^x below -34.04, log1p(e^x) between."""
    f = nx.softplus(x)
    low = np.exp(np.minimum(x, -TF_SOFTPLUS_SWITCH))
    return np.where(x > TF_SOFTPLUS_SWITCH, x, np.where(x < -TF_SOFTPLUS_SWITCH, low, f))


def d_softplus_tf(x, **_):
    # SoftplusGrad is 1/(e^-x + 1) everywhere: the gradient ignores the switch
    return nx.sigmoid(x)


def d2_softplus_tf(x, **_):
    return nx.sigmoid_prime(x)


def _softplus_tf_kinks(**_):
    return (-TF_SOFTPLUS_SWITCH, TF_SOFTPLUS_SWITCH)


def _mp_softplus(x, beta, threshold):
    import mpmath as mp

    z = mp.mpf(beta) * x
    if threshold is not None and z > threshold:
        return x, 1
    return mp.log1p(mp.exp(z)) / beta, 1 / (1 + mp.exp(-z))


def _softplus_kinks(beta, threshold):
    if threshold is None:
        return ()
    at = threshold / beta
    return (at,) if math.isfinite(at) else ()


def _softplus_range(beta, threshold):
    # a negative threshold lets x itself through from t/β < 0 upward
    low = 0.0 if threshold is None else min(0.0, threshold / beta)
    return Interval(low, INF, False, False)


def _softplus_formulas(beta, threshold):
    """softplus's formulas; with a threshold t, the switch to x where βx > t (t written out)."""
    f_tex, f_text = r"\frac{1}{\beta}\,\ln(1 + e^{\beta x})", "ln(1 + exp(beta·x)) / beta"
    d_tex, d_text = r"\frac{1}{1 + e^{-\beta x}}", "1 / (1 + exp(-beta·x))"
    if threshold is None:
        return (f"f(x) = {f_tex}", f"f(x) = {f_text}",
                rf"f'(x) = \sigma(\beta x) = {d_tex}", f"f'(x) = σ(beta·x) = {d_text}")
    t = format_value(float(threshold))
    return (
        "f(x) = " + cases(("x", rf"\beta x > {t}"), (f_tex, rf"\beta x \leq {t}")),
        f"f(x) = x if beta·x > {t} else {f_text}",
        "f'(x) = " + cases(("1", rf"\beta x > {t}"), (d_tex, rf"\beta x \leq {t}")),
        f"f'(x) = 1 if beta·x > {t} else {d_text}",
    )


def _softplus_check(beta, threshold):
    if beta < 1e-300:
        return f"beta must be at least 1e-300, not {beta!r} (ln 2/beta would overflow)"
    return None


_TF_SOFTPLUS_NOTE = (
    "TensorFlow's kernel switches to x above -(ln ε + 2) = 34.04365 and to e^x below -34.04365 "
    "(ε = 2^-52 in float64; in float32 the switches are at ±13.94, which a float64 evaluation "
    "does not reproduce); its gradient is σ(x) everywhere, ignoring the switch; each switch drops f "
    "a little (by log1p(e^-34.04) = 1.6e-15 at 34.04, by 1.3e-30 at -34.04, too little for float64 "
    "to show), so it is neither continuous nor monotone"
)
_TF_SOFTPLUS = dict(
    functions=(softplus_tf, d_softplus_tf, d2_softplus_tf),
    formulas=(
        "f(x) = "
        + cases(("x", "x > 34.04"), ("e^{x}", "x < -34.04"), (r"\ln(1 + e^{x})", r"\mathrm{otherwise}")),
        "f(x) = x if x > 34.0437, exp(x) if x < -34.0437, else ln(1 + exp(x))  "
        "(34.0437 = -(ln 2^-52 + 2), float64)",
        r"f'(x) = \sigma(x) = \frac{1}{1 + e^{-x}}",
        "f'(x) = σ(x) = 1 / (1 + exp(-x)) everywhere: the gradient ignores the switch",
    ),
    kinks=_softplus_tf_kinks,
    # the switches' drops (in the note) make it discontinuous and not monotone; the range is the exact one's
    properties=Properties(monotonic=False, bounded_above=False, bounded_below=True,
                          smoothness="discontinuous", zero_centred=False),
    fixed=("beta", "threshold"),
)

register(
    Activation(
        name="softplus",
        family="rectifier",
        forward=softplus,
        derivatives=(d_softplus, d2_softplus),
        evaluate_pair=_softplus_pair,
        fast_pair=fast.softplus,
        mp_reference=_mp_softplus,
        params=(
            Param("beta", 1.0, "sharpness: softplus(βx)/β tends to relu as β grows", low=0.0,
                  low_inclusive=False),
            Param(
                "threshold",
                None,
                "return x where beta·x > threshold, as PyTorch (none: exact everywhere)",
                kind="optional_float",
            ),
        ),
        validate=_softplus_check,
        kinks=_softplus_kinks,
        **param_formulas(
            (
                r"f(x) = \frac{1}{\beta}\,\ln(1 + e^{\beta x})",
                "f(x) = ln(1 + exp(beta·x)) / beta  (x where beta·x > threshold, if one is set)",
                r"f'(x) = \sigma(\beta x) = \frac{1}{1 + e^{-\beta x}}",
                "f'(x) = σ(beta·x) = 1 / (1 + exp(-beta·x))  (1 above the threshold)",
            ),
            _softplus_formulas,
        ),
        zeros=(),
        output_range=_softplus_range,
        # the switch to x drops f by log1p(e^-t)/β: neither continuous nor monotone there;
        # with a negative threshold f(0) is on the x branch: 0
        properties=lambda beta, threshold: Properties(
            monotonic=threshold is None, bounded_above=False,
            bounded_below=math.isfinite(_softplus_range(beta, threshold).low),
            smoothness="C∞" if threshold is None else "discontinuous",
            zero_centred=threshold is not None and threshold < 0,
        ),
        reference="Dugas, Bengio, Bélisle, Nadeau & Garcia 2001, Incorporating Second-Order "
        "Functional Knowledge for Better Option Pricing",
        numerics="max(x, 0) + log1p(exp(-|βx|))/β with βx split exactly (two_product) before exp; "
        "f' = σ(βx) through exp(-|βx|): no overflow, exact tails",
        kink_convention="smooth; with a threshold t the function switches to x where βx > t (a jump "
        "of about e^-t/β), and f'(t/β) = σ(t), PyTorch's log branch",
        frameworks={
            "torch": same(
                "torch.nn.functional.softplus",
                defaults={"threshold": 20.0},
                note="returns x where beta·x > 20 (a jump of ln(1 + e^20) - 20 ≈ 2.1e-9/beta there); "
                "gradient 1 above, σ(βx) below",
            ),
            "keras": Variant(
                "keras.activations.softplus",
                note="no parameters; on the default TensorFlow backend this is tf.math.softplus: "
                + _TF_SOFTPLUS_NOTE + " (the JAX and numpy backends use logaddexp, no switch)",
                **_TF_SOFTPLUS,
            ),
            "keras2": Variant(
                "tf.keras.activations.softplus",
                note="no parameters; tf.math.softplus: " + _TF_SOFTPLUS_NOTE,
                **_TF_SOFTPLUS,
            ),
            "jax": same(
                "jax.nn.softplus",
                fixed=("beta", "threshold"),
                note="logaddexp(x, 0): exact, no switch; f' = σ(x) by a custom JVP",
            ),
            "tf": Variant("tf.math.softplus", note=_TF_SOFTPLUS_NOTE, **_TF_SOFTPLUS),
        },
        naive=Naive(
            lambda x, beta, threshold: tb.softplus(beta * x) / beta,
            tb.d_softplus,
            "log(1+exp(beta*x))/beta",
            "exp(beta*x)/(1+exp(beta*x))",
            applies=lambda beta, threshold: threshold is None,
        ),
        # βx rounds: the tail needs the exact product; a moved threshold; TensorFlow's switches
        # drop f by less than float64 shows
        checks=Checks(
            samples=({"beta": 0.7}, {"beta": 3.3}, {"beta": 2.5}, {"beta": 3.0, "threshold": 5.0}),
            ulps=(4, 8),
            unresolved_presets=("tf", "keras", "keras2"),
        ),
    )
)

# --- squareplus ---------------------------------------------------------------------------

_SQUAREPLUS_NOTE = (
    "computes (x + √(x² + b))/2 as written, which cancels for x ≪ 0: 3e-13 off, relatively, at "
    "x = -100 in float64 (the preset is accurate there)"
)


def _squareplus_parts(x, b):
    """|x|, r = √(x² + b) (finite even at ±inf) and s = (|x| + r)/2, which never cancels."""
    ax = np.abs(x)
    r = np.hypot(np.minimum(ax, MAX), math.sqrt(b))
    return ax, r, ax / 2 + r / 2


def squareplus(x, b):
    if b == 0:
        return np.maximum(x, 0.0)
    _, _, s = _squareplus_parts(x, b)
    # for x < 0, (x + r)/2 cancels; it equals (b/4)/s since f(x)·f(-x) = b/4
    return np.where(x >= 0, s, (b / 4) / s)


def d_squareplus(x, b):
    if b == 0:
        return (x > 0).astype(np.float64)
    ax, r, s = _squareplus_parts(x, b)
    # f' = (1 + x/r)/2 = f/r; the second form has no cancellation for x < 0
    return np.where(x >= 0, 0.5 + (np.minimum(ax, MAX) / r) / 2, ((b / 4) / s) / r)


def d2_squareplus(x, b):
    if b == 0:
        return np.zeros_like(x)
    _, r, _ = _squareplus_parts(x, b)
    return (b / 2) / r / r / r


def _squareplus_pair(x, b):
    if b == 0:
        return np.maximum(x, 0.0), (x > 0).astype(np.float64)
    ax, r, s = _squareplus_parts(x, b)
    neg = (b / 4) / s
    pos = x >= 0
    return np.where(pos, s, neg), np.where(pos, 0.5 + (np.minimum(ax, MAX) / r) / 2, neg / r)


def _mp_squareplus(x, b):
    import mpmath as mp

    if b == 0:
        return max(x, 0), (1 if x > 0 else 0)
    with mp.extradps(40):  # x + √(x² + b) cancels for x < 0
        r = mp.sqrt(x * x + b)
        return (x + r) / 2, (1 + x / r) / 2


register(
    Activation(
        name="squareplus",
        family="rectifier",
        forward=squareplus,
        derivatives=(d_squareplus, d2_squareplus),
        evaluate_pair=_squareplus_pair,
        mp_reference=_mp_squareplus,
        params=(Param("b", 4.0, "curvature near 0: f(0) = √b/2; b = 0 is relu", low=0.0),),
        kinks=lambda b: (0.0,) if b == 0 else (),
        formula_tex=r"f(x) = \frac{x + \sqrt{x^2 + b}}{2}",
        formula_text="f(x) = (x + sqrt(x² + b)) / 2",
        derivative_tex=r"f'(x) = \frac{1}{2}\left(1 + \frac{x}{\sqrt{x^2 + b}}\right)",
        derivative_text="f'(x) = (1 + x / sqrt(x² + b)) / 2",
        zeros=lambda b: ((-INF, 0.0),) if b == 0 else (),  # b = 0 is relu
        output_range=lambda b: Interval(0.0, INF, b == 0, False),
        properties=lambda b: Properties(monotonic=True, bounded_above=False, bounded_below=True,
                                        smoothness="C0" if b == 0 else "C∞", zero_centred=b == 0),
        reference="Barron 2021, Squareplus: A Softplus-Like Algebraic Rectifier, arXiv:2112.11687",
        numerics="r = hypot(x, √b) cannot overflow; for x < 0, f = (b/4)/((|x| + r)/2) and "
        "f' = f/r avoid the cancellation in x + r",
        kink_convention="smooth for b > 0; b = 0 is relu, with f'(0) = 0",
        frameworks={
            "keras": same("keras.activations.squareplus", note=_SQUAREPLUS_NOTE),
            "jax": same("jax.nn.squareplus", note=_SQUAREPLUS_NOTE),
        },
        naive=Naive(
            lambda x, b: (x + np.sqrt(x**2 + b)) / 2,
            lambda x, b: (1 + x / np.sqrt(x**2 + b)) / 2,
            "(x+sqrt(x**2+b))/2",
            "(1+x/sqrt(x**2+b))/2",
        ),
        checks=Checks(samples=({"b": 2.7}, {"b": 0.3}), ulps=(4, 8)),
    )
)

# --- sparse_plus --------------------------------------------------------------------------


def sparse_plus(x):
    xc = np.clip(x, -1.0, 1.0)
    return np.where(x >= 1, x, 0.25 * (xc + 1.0) * (xc + 1.0))


def d_sparse_plus(x):
    return np.where(x >= 1, 1.0, 0.5 * (np.clip(x, -1.0, 1.0) + 1.0))


def d2_sparse_plus(x):
    return np.where((x > -1) & (x < 1), 0.5, 0.0)


def _mp_sparse_plus(x):
    if x <= -1:
        return 0, 0
    if x >= 1:
        return x, 1
    return (x + 1) ** 2 / 4, (x + 1) / 2


register(
    Activation(
        name="sparse_plus",
        family="rectifier",
        forward=sparse_plus,
        derivatives=(d_sparse_plus, d2_sparse_plus),
        mp_reference=_mp_sparse_plus,
        kinks=(-1.0, 1.0),
        formula_tex="f(x) = " + cases(("0", r"x \leq -1"), (r"\frac{(x + 1)^2}{4}", "-1 < x < 1"),
                                         ("x", r"x \geq 1")),
        formula_text="f(x) = 0 if x <= -1, (x + 1)²/4 if -1 < x < 1, x if x >= 1",
        derivative_tex="f'(x) = " + cases(("0", r"x \leq -1"), (r"\frac{x + 1}{2}", "-1 < x < 1"),
                                             ("1", r"x \geq 1")),
        derivative_text="f'(x) = 0 if x <= -1, (x + 1)/2 if -1 < x < 1, 1 if x >= 1  (= sparse_sigmoid)",
        zeros=((-INF, -1.0),),
        output_range=Interval(0.0, INF, True, False),
        properties=Properties(monotonic=True, bounded_above=False, bounded_below=True,
                              smoothness="C1", zero_centred=False),
        reference="Blondel, Martins & Niculae 2019, Learning with Fenchel-Young Losses, arXiv:1901.02324",
        kink_convention="C1: f'(-1) = 0 and f'(1) = 1 in every framework (f'' jumps there)",
        frameworks={
            "keras": same("keras.activations.sparse_plus"),
            "jax": same("jax.nn.sparse_plus"),
        },
    )
)

# --- exponential --------------------------------------------------------------------------


def exponential(x):
    with np.errstate(over="ignore"):  # e^x > max float above 709.78: inf is the honest answer
        return np.exp(x)


def _exponential_pair(x):
    e = exponential(x)
    return e, e


def _mp_exponential(x):
    import mpmath as mp

    return mp.exp(x), mp.exp(x)


register(
    Activation(
        name="exponential",
        family="exponential",
        forward=exponential,
        derivatives=(exponential, exponential),
        evaluate_pair=_exponential_pair,
        fast_pair=fast.exponential,
        mp_reference=_mp_exponential,
        formula_tex="f(x) = e^{x}",
        formula_text="f(x) = exp(x)",
        derivative_tex="f'(x) = e^{x}",
        derivative_text="f'(x) = exp(x)",
        zeros=(),
        output_range=Interval(0.0, INF, False, False),
        properties=Properties(monotonic=True, bounded_above=False, bounded_below=True,
                              smoothness="C∞", zero_centred=False),
        reference="The exponential function, used as an output activation for positive quantities "
        "(e.g. Poisson rates); no paper",
        numerics="exp(x) overflows to inf above ln(max float) = 709.78, where the true value does",
        frameworks={
            "keras": same("keras.activations.exponential", note="ops.exp"),
            "keras2": same("tf.keras.activations.exponential", note="tf.exp"),
        },
        naive=Naive(np.exp, np.exp, "exp(x)", "exp(x)"),
        # e^x reaches 400 at 6 and flattens everything else
        plot_range=(-5.0, 3.0),
        # ln of the largest float64 is 709.78
        checks=Checks(ulps=(4, 8), finite_within=(-INF, 709.7)),
    )
)
