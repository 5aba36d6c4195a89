"""Squashing functions: sigmoid, tanh and their hard, soft and sparse relatives."""

from __future__ import annotations

import numpy as np

from .. import numerics as nx
from ..core.records import Activation, Checks, Naive, Param, Variant
from ..core.store import register
from ..numerics import fast
from ..numerics.normal import normal_cdf_terms
from ..numerics.special import (
    dyt_pair,
    dyt_second,
    sigmoid_from_exp,
    sigmoid_pair,
    softcap_pair,
    softcap_second,
)
from . import _textbook as tb
from ._common import INF, Interval, Properties, cases, same

# --- step ---------------------------------------------------------------------------------


def step(x, value):
    # np.heaviside propagates NaN, which a chain of np.where would turn into `value`
    return np.heaviside(x, value)


def d_step(x, value):
    return nx.zeros_like(x)


def _mp_step(x, value):
    return (1 if x > 0 else 0 if x < 0 else value), 0


register(
    Activation(
        name="step",
        aliases=("heaviside",),
        family="sigmoid-like",
        forward=step,
        derivatives=(d_step, nx.zeros_like),
        mp_reference=_mp_step,
        params=(
            Param(
                "value",
                0.5,
                "f(0), the value at the jump; ½ (the half-maximum convention: the limit of σ(kx) "
                "as k → ∞, keeping H(x) + H(-x) = 1), since every framework requires it",
                aliases=("values",),
            ),
        ),
        kinks=(0.0,),
        formula_tex="H(x) = " + cases(("0", "x < 0"), ("v", "x = 0"), ("1", "x > 0")),
        formula_text="H(x) = 0 if x < 0, value if x = 0, 1 if x > 0",
        derivative_tex=r"H'(x) = 0",
        derivative_text="H'(x) = 0 (at the jump too, by convention)",
        zeros=((-INF, 0.0),),
        output_range=lambda value: Interval(min(0.0, value), max(1.0, value)),
        properties=lambda value: Properties(
            monotonic=0.0 <= value <= 1.0, bounded_above=True, bounded_below=True,
            smoothness="discontinuous", zero_centred=value == 0.0,
        ),
        reference="McCulloch & Pitts 1943, A Logical Calculus of the Ideas Immanent in Nervous Activity",
        kink_convention="f'(0) = 0, like f' everywhere else: the jump has no derivative; JAX, Keras "
        "and TF select constants with `where`, so their gradient is 0, and torch.heaviside has no backward",
        frameworks={
            "torch": same(
                "torch.heaviside",
                arguments={"value": "values"},
                note="a tensor op, not in torch.nn.functional; `values` (f(0)) is required; "
                "it has no backward (autograd raises); heaviside(nan) is 0",
            ),
            "keras": same("keras.ops.heaviside", arguments={"value": "x2"},
                          note="an op, not in keras.activations; x2 = f(0) is required; NaN gives x2 on "
                          "the default TensorFlow backend; the torch backend computes in float32"),
            "jax": same("jax.numpy.heaviside", arguments={"value": "x2"}, note="x2 = f(0) is required; gradient 0 everywhere"),
            "tf": same(
                "tf.experimental.numpy.heaviside",
                arguments={"value": "x2"},
                note="NumPy-compatible API only; x2 = f(0) is required; gradient 0 everywhere; NaN gives x2",
            ),
        },
    )
)

# --- sigmoid ------------------------------------------------------------------------------


def sigmoid(x):
    return nx.sigmoid(x)


def d_sigmoid(x):
    return nx.sigmoid_prime(x)


def d2_sigmoid(x):
    return nx.sigmoid_second(x)


def _sigmoid_pair(x):
    return sigmoid_pair(x)  # σ and σ' from one e^-|x|, in place


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
        fast_pair=fast.sigmoid,
        mp_reference=_mp_sigmoid,
        formula_tex=r"\sigma(x) = \frac{1}{1 + e^{-x}}",
        formula_text="σ(x) = 1 / (1 + exp(-x))",
        derivative_tex=r"\sigma'(x) = \sigma(x)\,(1 - \sigma(x))",
        derivative_text="σ'(x) = σ(x)·(1 - σ(x))",
        zeros=(),
        output_range=Interval(0.0, 1.0, False, False),
        properties=Properties(monotonic=True, bounded_above=True, bounded_below=True,
                              smoothness="C∞", zero_centred=False),
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
        naive=Naive(tb.sigmoid, tb.d_sigmoid, "1/(1+exp(-x))", "p*(1-p)", both=tb.sigmoid_both),
        torch_gain=1.0,
        checks=Checks(ulps=(4, 8)),
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
        fast_pair=fast.tanh,
        mp_reference=_mp_tanh,
        formula_tex=r"\tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}",
        formula_text="tanh(x) = (exp(x) - exp(-x)) / (exp(x) + exp(-x))",
        derivative_tex=r"\tanh'(x) = 1 - \tanh^2(x)",
        derivative_text="tanh'(x) = 1 - tanh(x)²",
        zeros=(),
        output_range=Interval(-1.0, 1.0, False, False),
        properties=Properties(monotonic=True, bounded_above=True, bounded_below=True,
                              smoothness="C∞", zero_centred=True),
        reference="LeCun et al. 1998, Efficient BackProp",
        numerics="tanh' = 4e/(1+e)² with e = exp(-2|x|): 1 - tanh² is 0 from |x| ≈ 19 on, "
        "where the true value is still 1e-16 or more",
        frameworks={
            "torch": same("torch.nn.functional.tanh"),
            "keras": same("keras.activations.tanh", note="on the jax backend Keras 3.15.1 computes "
                          "it in float32 even for float64 input (ops.tanh casts to "
                          "result_type(dtype, float), which is float32)"),
            "keras2": same("tf.keras.activations.tanh"),
            "jax": same("jax.nn.tanh"),
            "tf": same("tf.math.tanh"),
        },
        naive=Naive(
            tb.tanh,
            lambda x: 1 - np.tanh(x) ** 2,
            "(exp(x)-exp(-x))/(exp(x)+exp(-x))",
            "1-tanh(x)**2",
        ),
        torch_gain=5.0 / 3.0,
        checks=Checks(ulps=(4, 8)),
    )
)

# --- softcap: c·tanh(x/c) -----------------------------------------------------------------


def _softcap_pair(x, cap):
    return softcap_pair(x, cap)


def softcap(x, cap):
    return softcap_pair(x, cap)[0]


def d_softcap(x, cap):
    return softcap_pair(x, cap)[1]


def _mp_softcap(x, cap):
    import mpmath as mp

    c = mp.mpf(cap)
    return c * mp.tanh(x / c), mp.sech(x / c) ** 2


register(
    Activation(
        name="softcap",
        aliases=("soft_cap", "logit_softcap"),
        family="soft cap",
        forward=softcap,
        derivatives=(d_softcap, softcap_second),
        evaluate_pair=_softcap_pair,
        mp_reference=_mp_softcap,
        params=(
            Param("cap", 30.0, "c: outputs stay within ±c and f(x) ≈ x for |x| ≪ c; Gemma 2 caps its "
                  "final logits at 30 and its attention logits at 50, Grok-1 its attention logits "
                  "at 30", low=0.0, low_inclusive=False),
        ),
        formula_tex=r"f(x) = c\,\tanh(x / c)",
        formula_text="f(x) = c·tanh(x/c)",
        derivative_tex=r"f'(x) = 1 - \tanh^2(x / c)",
        derivative_text="f'(x) = 1 - tanh(x/c)²",
        output_range=lambda cap: Interval(-cap, cap, False, False),
        zeros=(),
        properties=Properties(monotonic=True, bounded_above=True, bounded_below=True,
                              smoothness="C∞", zero_centred=True),
        reference="Logit soft-capping: Gemma Team 2024, Gemma 2: Improving Open Language Models at a "
        "Practical Size, arXiv:2408.00118 (Hugging Face Gemma2Config: final_logit_softcapping=30.0, "
        "attn_logit_softcapping=50.0, applied as tanh(logits/cap)·cap in modeling_gemma2.py); "
        "xAI's Grok-1 (grok-1 model.py: max_attn_val·tanh(attn_logits/max_attn_val), 30.0); "
        "Bello et al. 2016, Neural Combinatorial Optimization with Reinforcement Learning, "
        "arXiv:1611.09940, clipped logits the same way",
        numerics="x/c as an exact quotient q + q_lo (sech² in the tails multiplies its rounding by "
        "2|x/c|); f = x itself where tanh(x/c) rounds to x/c (c·fl(x/c) is wrong for subnormal x)",
        naive=Naive(
            lambda x, cap: cap * np.tanh(x / cap),
            lambda x, cap: 1 - np.tanh(x / cap) ** 2,
            "c*tanh(x/c)",
            "1-tanh(x/c)**2",
        ),
        # out to ±3c, where tanh is within 0.5% of ±1
        plot_range=lambda cap: (-3.0 * cap, 3.0 * cap),
        # Gemma 2's attention cap; a cap below 1 (x/c then overflows for huge x unless clipped)
        checks=Checks(samples=({"cap": 50.0}, {"cap": 0.7}), ulps=(4, 8)),
    )
)

# --- dyt: γ·tanh(αx) + β ------------------------------------------------------------------


def _dyt_pair(x, alpha, gamma, beta):
    return dyt_pair(x, alpha, gamma, beta)


def dyt(x, alpha, gamma, beta):
    return dyt_pair(x, alpha, gamma, beta)[0]


def d_dyt(x, alpha, gamma, beta):
    return dyt_pair(x, alpha, gamma, beta)[1]


def _mp_dyt(x, alpha, gamma, beta):
    import mpmath as mp

    a, g = mp.mpf(alpha), mp.mpf(gamma)
    return g * mp.tanh(a * x) + mp.mpf(beta), a * g * mp.sech(a * x) ** 2


register(
    Activation(
        name="dyt",
        aliases=("dynamic_tanh",),
        family="sigmoid-like",
        forward=dyt,
        derivatives=(d_dyt, dyt_second),
        evaluate_pair=_dyt_pair,
        mp_reference=_mp_dyt,
        params=(
            Param("alpha", 0.5, "α > 0, the learned input scale (one scalar; alpha_init_value=0.5)",
                  low=0.0, low_inclusive=False, aliases=("alpha_init_value",)),
            Param("gamma", 1.0, "γ > 0, the output scale (DyT's per-channel weight, initialised to "
                  "1; one value here)", low=0.0, low_inclusive=False, aliases=("weight",)),
            Param("beta", 0.0, "β, the output shift (DyT's per-channel bias, initialised to 0; one "
                  "value here)", aliases=("bias",)),
        ),
        formula_tex=r"f(x) = \gamma\,\tanh(\alpha x) + \beta",
        formula_text="f(x) = γ·tanh(αx) + β",
        derivative_tex=r"f'(x) = \alpha\gamma\,(1 - \tanh^2(\alpha x))",
        derivative_text="f'(x) = αγ·(1 - tanh(αx)²)",
        output_range=lambda alpha, gamma, beta: Interval(beta - gamma, beta + gamma, False, False),
        zeros=(),  # γ > 0: f = β only at isolated points
        properties=lambda alpha, gamma, beta: Properties(
            monotonic=True, bounded_above=True, bounded_below=True, smoothness="C∞",
            zero_centred=beta == 0.0,
        ),
        reference="Zhu, Chen, He, LeCun & Liu 2025, Transformers without Normalization, "
        "arXiv:2503.10622 (Dynamic Tanh, a drop-in for LayerNorm and RMSNorm; the reference "
        "DynamicTanh in facebookresearch/DynamicTanh dynamic_tanh.py: tanh(alpha·x)·weight + bias, "
        "alpha_init_value=0.5, weight ones, bias zeros)",
        numerics="αx as an exact product, so sech² keeps every bit in the tails; where tanh(αx) "
        "rounds to αx, f = (αγ)·x + β; with β ≠ 0 the sum γ·tanh(αx) + β is rounded as is, so "
        "next to its zero (tanh(αx) = -β/γ) its error is relative to β, not to f",
        naive=Naive(
            lambda x, alpha, gamma, beta: gamma * np.tanh(alpha * x) + beta,
            lambda x, alpha, gamma, beta: alpha * gamma * (1 - np.tanh(alpha * x) ** 2),
            "gamma*tanh(alpha*x)+beta",
            "alpha*gamma*(1-tanh(alpha*x)**2)",
        ),
        # a steeper, narrower one (β ≠ 0 is held to its own test: the sum cancels at its zero)
        checks=Checks(samples=({"alpha": 1.7, "gamma": 0.3},), ulps=(4, 8)),
    )
)

# --- hard_sigmoid -------------------------------------------------------------------------


def hard_sigmoid(x):
    # (x + 3)/6 rather than x/6 + 1/2: near x = -3 the sum is exact and the result keeps
    # its relative accuracy, where x/6 + 1/2 would cancel
    return np.minimum(np.maximum(x + 3.0, 0.0), 6.0) / 6.0


def d_hard_sigmoid(x):
    # the slope only on the open (-3, 3): f'(±3) = 0, as PyTorch, JAX and Keras 3
    return np.where((x > -3.0) & (x < 3.0), 1.0 / 6.0, 0.0)


def _mp_hard_sigmoid(x):
    inside = -3 < x < 3
    return min(max(x / 6 + 0.5, 0), 1), (1 / 6 if inside else 0)


def hard_sigmoid_keras2(x):
    # 0.2x + 0.5 written as (x + 2.5)/5, exact near x = -2.5 for the same reason
    return np.minimum(np.maximum(x + 2.5, 0.0), 5.0) / 5.0


def d_hard_sigmoid_keras2(x):
    # tf.clip_by_value passes the gradient at its bounds, so f'(±2.5) = 0.2 (closed interval)
    return np.where((x >= -2.5) & (x <= 2.5), 0.2, 0.0)


register(
    Activation(
        name="hard_sigmoid",
        aliases=("hardsigmoid",),
        family="sigmoid-like",
        forward=hard_sigmoid,
        derivatives=(d_hard_sigmoid, nx.zeros_like),
        mp_reference=_mp_hard_sigmoid,
        kinks=(-3.0, 3.0),
        formula_tex=r"f(x) = \max\left(0, \min\left(1, \frac{x}{6} + \frac{1}{2}\right)\right)",
        formula_text="f(x) = clip(x/6 + 1/2, 0, 1) = relu6(x + 3)/6",
        derivative_tex="f'(x) = " + cases((r"\frac{1}{6}", "|x| < 3"), ("0", r"|x| \geq 3")),
        derivative_text="f'(x) = 1/6 if |x| < 3 else 0",
        zeros=((-INF, -3.0),),
        output_range=Interval(0.0, 1.0),
        properties=Properties(monotonic=True, bounded_above=True, bounded_below=True,
                              smoothness="C0", zero_centred=False),
        reference="Howard et al. 2019, Searching for MobileNetV3, arXiv:1905.02244 (the x/6 + 1/2 form); "
        "Courbariaux, Bengio & David 2015, BinaryConnect, arXiv:1511.00363",
        numerics="computed as clip(x + 3, 0, 6)/6, which keeps relative accuracy next to x = -3",
        kink_convention="f'(±3) = 0: the slope 1/6 holds on the open (-3, 3) only (PyTorch since "
        "PR #51454, JAX and Keras 3 alike)",
        frameworks={
            "torch": same(
                "torch.nn.functional.hardsigmoid",
                note="its backward multiplies by float32(1/6) = 0.16666667163 even for float64 "
                "tensors (5e-9 off); the preset keeps the exact 1/6: that constant is a rounding "
                "slip, not part of the definition, and copying it would put f' 2e8 ULP off f; "
                "it has no double backward (autograd cannot give f'')",
            ),
            "keras": same("keras.activations.hard_sigmoid"),
            "keras2": Variant(
                name="tf.keras.activations.hard_sigmoid",
                functions=(hard_sigmoid_keras2, d_hard_sigmoid_keras2, nx.zeros_like),
                kinks=lambda: (-2.5, 2.5),
                zeros=((-INF, -2.5),),
                formulas=(
                    r"f(x) = \mathrm{clip}(0.2x + 0.5,\ 0,\ 1)",
                    "f(x) = clip(0.2·x + 0.5, 0, 1)",
                    "f'(x) = " + cases(("0.2", r"|x| \leq 2.5"), ("0", r"|x| > 2.5")),
                    "f'(x) = 0.2 if |x| <= 2.5 else 0",
                ),
                note="a different function: clip(0.2x + 0.5, 0, 1), kinks at ±2.5, slope 0.2; "
                "f'(±2.5) = 0.2 because tf.clip_by_value passes the gradient at its bounds",
            ),
            "jax": same("jax.nn.hard_sigmoid"),
        },
    )
)

# --- hard_tanh ----------------------------------------------------------------------------


def hard_tanh(x, min_val, max_val):
    return np.clip(x, min_val, max_val)


def d_hard_tanh(x, min_val, max_val):
    # PyTorch's hardtanh backward zeroes the gradient at the bounds themselves
    return np.where((x > min_val) & (x < max_val), 1.0, 0.0)


def _hard_tanh_zeros(min_val, max_val):
    # clip(x, min_val, max_val) is 0 on a whole side only when that bound is 0
    if min_val == 0.0:
        return ((-INF, 0.0),)
    if max_val == 0.0:
        return ((0.0, INF),)
    return ()


def _mp_hard_tanh(x, min_val, max_val):
    return min(max(x, min_val), max_val), (1 if min_val < x < max_val else 0)


def _check_hard_tanh(min_val, max_val):
    if not min_val < max_val:
        return f"min_val must be less than max_val (got min_val={min_val:g}, max_val={max_val:g})"
    return None


_FIXED_BOUNDS = {-1.0: 1.0, 1.0: 1.0}

register(
    Activation(
        name="hard_tanh",
        aliases=("hardtanh",),
        family="sigmoid-like",
        forward=hard_tanh,
        derivatives=(d_hard_tanh, nx.zeros_like),
        mp_reference=_mp_hard_tanh,
        validate=_check_hard_tanh,
        params=(
            Param("min_val", -1.0, "lower bound: the output for x <= min_val"),
            Param("max_val", 1.0, "upper bound: the output for x >= max_val (must exceed min_val)"),
        ),
        kinks=lambda min_val, max_val: (min_val, max_val),
        formula_tex=r"f(x) = \min(\max(x,\ \mathrm{min\_val}),\ \mathrm{max\_val})",
        formula_text="f(x) = min(max(x, min_val), max_val)",
        derivative_tex="f'(x) = "
        + cases(("1", r"\mathrm{min\_val} < x < \mathrm{max\_val}"), ("0", r"\mathrm{otherwise}")),
        derivative_text="f'(x) = 1 if min_val < x < max_val else 0",
        zeros=_hard_tanh_zeros,
        output_range=lambda min_val, max_val: Interval(min_val, max_val),
        properties=lambda min_val, max_val: Properties(
            monotonic=True, bounded_above=True, bounded_below=True, smoothness="C0",
            zero_centred=min_val <= 0.0 <= max_val,
        ),
        reference="Collobert 2004, Large Scale Machine Learning (PhD thesis, Université Paris VI)",
        kink_convention="f'(min_val) = f'(max_val) = 0 as PyTorch's hardtanh; JAX and Keras 3 "
        "(TensorFlow and JAX backends) give 1 there",
        frameworks={
            "torch": same("torch.nn.functional.hardtanh"),
            "keras": same(
                "keras.activations.hard_tanh",
                kink_derivative=_FIXED_BOUNDS,
                fixed=("min_val", "max_val"),
                backend_kinks={"torch": {-1.0: 0.0, 1.0: 0.0}},
                note="bounds fixed at ±1; f'(±1) = 1 on the default TensorFlow backend (and JAX), "
                "0 on the torch backend",
            ),
            "jax": same(
                "jax.nn.hard_tanh",
                kink_derivative=_FIXED_BOUNDS,
                fixed=("min_val", "max_val"),
                note="bounds fixed at ±1; it keeps x unless |x| > 1 (a `where`), so f'(±1) = 1",
            ),
        },
    )
)

_TF_SOFTSIGN_NOTE = "TensorFlow registers no gradient for SoftsignGrad"
_JAX_SOFTSIGN_NOTE = "f''(0) = -2, not 0: jnp.abs'(0) = 1, and f'' jumps from 2 to -2 there"

# --- softsign -----------------------------------------------------------------------------


# Below this |x|, x/(1+|x|) rounds to x itself.
_SOFTSIGN_TINY = 2.0**-54


def softsign(x):
    # 1/(1 + 1/|x|) chains three monotone roundings, so the result is monotone in x, which
    # x/(1+|x|) is not (it steps back by an ULP now and then); ±inf give ±1 without inf/inf
    a = np.abs(x)
    tiny = a < _SOFTSIGN_TINY
    r = 1.0 / np.where(tiny, 1.0, a)
    return np.where(tiny, x, np.copysign(1.0 / (1.0 + r), x))


def d_softsign(x):
    # r² with r = 1/(1+|x|): (1+|x|)² itself overflows for |x| > 1e154
    r = 1.0 / (1.0 + np.abs(x))
    return r * r


def d2_softsign(x):
    # f'' jumps from 2 to -2 at 0; np.sign(0) = 0 gives f''(0) = 0, as torch's double backward
    r = 1.0 / (1.0 + np.abs(x))
    return -2.0 * np.sign(x) * (r * r * r)


def _softsign_pair(x):
    r = 1.0 / (1.0 + np.abs(x))
    return softsign(x), r * r


def _mp_softsign(x):
    return x / (1 + abs(x)), 1 / (1 + abs(x)) ** 2


register(
    Activation(
        name="softsign",
        aliases=("soft_sign",),
        family="sigmoid-like",
        forward=softsign,
        derivatives=(d_softsign, d2_softsign),
        evaluate_pair=_softsign_pair,
        mp_reference=_mp_softsign,
        kinks=(0.0,),
        formula_tex=r"f(x) = \frac{x}{1 + |x|}",
        formula_text="f(x) = x / (1 + |x|)",
        derivative_tex=r"f'(x) = \frac{1}{(1 + |x|)^2}",
        derivative_text="f'(x) = 1 / (1 + |x|)²",
        zeros=(),
        output_range=Interval(-1.0, 1.0, False, False),
        properties=Properties(monotonic=True, bounded_above=True, bounded_below=True,
                              smoothness="C1", zero_centred=True),
        reference="Turian, Bergstra & Bengio 2009, Quadratic Features and Deep Architectures for "
        "Chunking; Glorot & Bengio 2010",
        numerics="f = sign(x)/(1 + 1/|x|), monotone after rounding (x/(1+|x|) is not quite); "
        "f' = r² with r = 1/(1+|x|), since (1+|x|)² overflows for |x| > 1e154",
        kink_convention="f is C1: f'(0) = 1 and only f'' jumps at 0 (from 2 to -2), where f''(0) = 0 "
        "as in torch's double backward",
        frameworks={
            "torch": same("torch.nn.functional.softsign"),
            "keras": same("keras.activations.softsign", note="on the default TensorFlow backend "
                          "autograd has no f'' (" + _TF_SOFTSIGN_NOTE + "); on JAX " + _JAX_SOFTSIGN_NOTE),
            "keras2": same("tf.keras.activations.softsign", note="autograd has no f'' (" + _TF_SOFTSIGN_NOTE + ")"),
            "jax": same("jax.nn.soft_sign", note="spelled soft_sign; " + _JAX_SOFTSIGN_NOTE),
            "tf": same("tf.nn.softsign", note="autograd has no f'' (" + _TF_SOFTSIGN_NOTE + ")"),
        },
        naive=Naive(
            lambda x: x / (1 + np.abs(x)),
            lambda x: 1 / (1 + np.abs(x)) ** 2,
            "x/(1+abs(x))",
            "1/(1+abs(x))**2",
        ),
        checks=Checks(ulps=(4, 8)),
    )
)

# --- log_sigmoid --------------------------------------------------------------------------


def log_sigmoid(x):
    return np.minimum(x, 0.0) - np.log1p(np.exp(-np.abs(x)))


def d_log_sigmoid(x):
    return nx.sigmoid(-x)


def d2_log_sigmoid(x):
    return -nx.sigmoid_prime(x)


def _log_sigmoid_pair(x):
    # one exp(-|x|) for both; the same operations as log_sigmoid and nx.sigmoid(-x)
    e = np.exp(-np.abs(x))
    return np.minimum(x, 0.0) - np.log1p(e), sigmoid_from_exp(-x, e)


def _mp_log_sigmoid(x):
    import mpmath as mp

    # log1p keeps the tiny right tail that log(1 + e^-x) would round away
    return -mp.log1p(mp.exp(-x)), 1 / (1 + mp.exp(x))


register(
    Activation(
        name="log_sigmoid",
        aliases=("logsigmoid",),
        family="sigmoid-like",
        forward=log_sigmoid,
        derivatives=(d_log_sigmoid, d2_log_sigmoid),
        evaluate_pair=_log_sigmoid_pair,
        mp_reference=_mp_log_sigmoid,
        formula_tex=r"f(x) = \log \sigma(x) = -\log(1 + e^{-x})",
        formula_text="f(x) = log σ(x) = -log(1 + exp(-x))",
        derivative_tex=r"f'(x) = \sigma(-x) = 1 - \sigma(x)",
        derivative_text="f'(x) = σ(-x) = 1 - σ(x)",
        zeros=(),
        output_range=Interval(-INF, 0.0, False, False),
        properties=Properties(monotonic=True, bounded_above=True, bounded_below=False,
                              smoothness="C∞", zero_centred=False),
        reference="Log of the logistic function: the log-likelihood of logistic regression",
        numerics="min(x, 0) - log1p(exp(-|x|)): exact in both tails, no overflow; f' = σ(-x) "
        "from the same exp(-|x|)",
        frameworks={
            "torch": same("torch.nn.functional.logsigmoid"),
            "keras": same("keras.activations.log_sigmoid"),
            "jax": same("jax.nn.log_sigmoid"),
            "tf": same("tf.math.log_sigmoid"),
        },
        naive=Naive(
            lambda x: np.log(tb.sigmoid(x)),
            lambda x: 1 - tb.sigmoid(x),
            "log(1/(1+exp(-x)))",
            "1-sigmoid(x)",
        ),
        checks=Checks(ulps=(4, 8)),
    )
)

# --- sparse_sigmoid -----------------------------------------------------------------------


def sparse_sigmoid(x):
    return np.minimum(np.maximum(x + 1.0, 0.0), 2.0) / 2.0


def d_sparse_sigmoid(x):
    return np.where((x > -1.0) & (x < 1.0), 0.5, 0.0)


def _mp_sparse_sigmoid(x):
    return min(max((x + 1) / 2, 0), 1), (0.5 if -1 < x < 1 else 0)


register(
    Activation(
        name="sparse_sigmoid",
        family="sigmoid-like",
        forward=sparse_sigmoid,
        derivatives=(d_sparse_sigmoid, nx.zeros_like),
        mp_reference=_mp_sparse_sigmoid,
        kinks=(-1.0, 1.0),
        formula_tex="f(x) = "
        + cases(("0", r"x \leq -1"), (r"\frac{x + 1}{2}", "-1 < x < 1"), ("1", r"x \geq 1")),
        formula_text="f(x) = 0 if x <= -1, (x + 1)/2 if -1 < x < 1, 1 if x >= 1",
        derivative_tex="f'(x) = " + cases((r"\frac{1}{2}", "|x| < 1"), ("0", r"|x| \geq 1")),
        derivative_text="f'(x) = 1/2 if |x| < 1 else 0",
        zeros=((-INF, -1.0),),
        output_range=Interval(0.0, 1.0),
        properties=Properties(monotonic=True, bounded_above=True, bounded_below=True,
                              smoothness="C0", zero_centred=False),
        reference="Blondel, Martins & Niculae 2019, Learning with Fenchel-Young Losses, arXiv:1901.02324",
        kink_convention="f'(±1) = 0: PyTorch lacks sparse_sigmoid, and 0 is what Keras 3 gives on "
        "the TensorFlow and torch backends; JAX's clip splits the tie and gives 0.25",
        frameworks={
            "keras": same(
                "keras.activations.sparse_sigmoid",
                backend_kinks={"jax": {-1.0: 0.25, 1.0: 0.25}},
                note="f'(±1) = 0 on the default TensorFlow backend (and torch), 0.25 on JAX",
            ),
            "jax": same(
                "jax.nn.sparse_sigmoid",
                kink_derivative={-1.0: 0.25, 1.0: 0.25},
                note="its clip splits the gradient at the bounds: f'(±1) = 0.25",
            ),
        },
    )
)

# --- laplace ------------------------------------------------------------------------------


def laplace(x, mu, sigma):
    return normal_cdf_terms(x, mu, sigma)[0]


def d_laplace(x, mu, sigma):
    return normal_cdf_terms(x, mu, sigma)[1]


def d2_laplace(x, mu, sigma):
    return normal_cdf_terms(x, mu, sigma)[2]


def _laplace_pair(x, mu, sigma):
    f, d, _ = normal_cdf_terms(x, mu, sigma)
    return f, d


def _mp_laplace(x, mu, sigma):
    import mpmath as mp

    t = (x - mp.mpf(mu)) / mp.mpf(sigma)
    return mp.ncdf(t), mp.npdf(t) / mp.mpf(sigma)


register(
    Activation(
        name="laplace",
        family="sigmoid-like",
        forward=laplace,
        derivatives=(d_laplace, d2_laplace),
        evaluate_pair=_laplace_pair,
        mp_reference=_mp_laplace,
        params=(
            Param("mu", 0.707107, "centre, where f = 1/2 (√½ rounded to 6 digits, as MEGA's code "
                  "writes it)"),
            Param("sigma", 0.282095, "width (1/√(4π) rounded to 6 digits)", low=0.0, low_inclusive=False),
        ),
        formula_tex=r"f(x) = \frac{1}{2}\left(1 + \mathrm{erf}\,\frac{x - \mu}{\sigma\sqrt{2}}\right) = \Phi\left(\frac{x - \mu}{\sigma}\right)",
        formula_text="f(x) = ½(1 + erf((x - mu)/(sigma·√2))) = Φ((x - mu)/sigma)",
        derivative_tex=r"f'(x) = \frac{1}{\sigma}\,\varphi\left(\frac{x - \mu}{\sigma}\right)",
        derivative_text="f'(x) = φ((x - mu)/sigma)/sigma",
        output_range=Interval(0.0, 1.0, False, False),
        zeros=(),
        properties=Properties(monotonic=True, bounded_above=True, bounded_below=True,
                              smoothness="C∞", zero_centred=False),
        reference="Ma, Zhou, Kong, He, Gui, Neubig, May & Zettlemoyer 2022, Mega: Moving Average "
        "Equipped Gated Attention, arXiv:2209.10655 (the attention activation that approximates "
        "relu² near 0 with a bounded range); Hugging Face transformers' LaplaceActivation "
        "(hidden_act \"laplace\"): 0.5·(1 + erf((x - mu)/(sigma·√2))), mu = 0.707107, "
        "sigma = 0.282095. Despite the name it is the normal distribution function",
        numerics="Φ(t) with t = (x - mu)/sigma formed exactly (TwoSum, Dekker): Φ(-|t|) = "
        "½erfcx(|t|/√2)·exp(-t²/2) with t² split exactly, and 1 - Φ(-t) on the right; "
        "HF's 1 + erf(t/√2) cancels on the left: 7e7 ULP off at x = -1, and 0 below x = -1.66",
        naive=Naive(
            lambda x, mu, sigma: 0.5 * (1 + tb.erf((x - mu) / (sigma * np.sqrt(2.0)))),
            lambda x, mu, sigma: np.exp(-(((x - mu) / sigma) ** 2) / 2) / (sigma * np.sqrt(2 * np.pi)),
            "0.5*(1+erf((x-mu)/(sigma*sqrt(2))))",
            "exp(-((x-mu)/sigma)**2/2)/(sigma*sqrt(2*pi))",
        ),
        plot_range=lambda mu, sigma: (mu - 6.0 * sigma, mu + 6.0 * sigma),
        checks=Checks(samples=({"mu": 0.0, "sigma": 1.0}, {"mu": -2.0, "sigma": 3.0}), ulps=(4, 8)),
    )
)

# --- isru ---------------------------------------------------------------------------------


def _isru_scaled(x, alpha):
    # √α·x overflows to ±inf for α > 1 near the largest float, where the limits below still hold
    with np.errstate(over="ignore"):
        return np.sqrt(alpha) * x


def isru(x, alpha):
    # x/√(1 + αx²) as tanh(asinh(√α·x))/√α: no αx² to overflow, and ±inf give ±1/√α
    return np.tanh(np.arcsinh(_isru_scaled(x, alpha))) / np.sqrt(alpha)


def d_isru(x, alpha):
    return (1.0 / np.hypot(1.0, _isru_scaled(x, alpha))) ** 3


def d2_isru(x, alpha):
    u = _isru_scaled(x, alpha)
    return -3.0 * np.sqrt(alpha) * np.tanh(np.arcsinh(u)) * (1.0 / np.hypot(1.0, u)) ** 4


def _mp_isru(x, alpha):
    return x / (1 + alpha * x * x) ** 0.5, (1 + alpha * x * x) ** -1.5


register(
    Activation(
        name="isru",
        family="sigmoid-like",
        forward=isru,
        derivatives=(d_isru, d2_isru),
        mp_reference=_mp_isru,
        params=(Param("alpha", 1.0, "f stays within ±1/√alpha", low=0.0, low_inclusive=False),),
        formula_tex=r"f(x) = \frac{x}{\sqrt{1 + \alpha x^2}}",
        formula_text="f(x) = x / √(1 + alpha·x²)",
        derivative_tex=r"f'(x) = (1 + \alpha x^2)^{-3/2}",
        derivative_text="f'(x) = (1 + alpha·x²)^(-3/2)",
        output_range=lambda alpha: Interval(-1 / np.sqrt(alpha), 1 / np.sqrt(alpha), False, False),
        # the intervals where f is identically 0 (activation sparsity adds them up): none
        zeros=(),
        properties=Properties(monotonic=True, bounded_above=True, bounded_below=True,
                              smoothness="C∞", zero_centred=True),
        reference="Carlile, Delamarter, Kinney, Marti & Whitney 2017, Improving Deep Learning by "
        "Inverse Square Root Linear Units (ISRLUs), arXiv:1710.09967",
        numerics="f = tanh(asinh(√α·x))/√α and f' = 1/hypot(1, √α·x)³: αx² is never formed",
        # the textbook form, for `actviz accuracy` to show beside the stable one
        naive=Naive(
            lambda x, alpha: x / np.sqrt(1 + alpha * x**2),
            lambda x, alpha: (1 + alpha * x**2) ** -1.5,
            "x/sqrt(1+alpha*x**2)",
            "(1+alpha*x**2)**-1.5",
        ),
        # the gallery's frame: the bends and both plateaus
        plot_range=(-5.0, 5.0),
        # also tested at α = 1/4 and 3, and held to 4 ULP (f) and 8 ULP (f') of mpmath
        checks=Checks(samples=({"alpha": 0.25}, {"alpha": 3.0}), ulps=(4, 8)),
    )
)
