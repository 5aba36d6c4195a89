"""Smooth gates: gelu, silu/swish, mish, hard_swish.

Each smooth gate multiplies x by a soft switch (Φ, σ, tanh∘softplus); the stable kernels
(exact exponents in the left tail, f and f' from one pass) are in numerics.gates.
"""

from __future__ import annotations

import numpy as np

from ..core.records import Activation, Checks, Naive, Param
from ..core.store import register
from ..numerics import fast
from ..numerics.gates import (
    x_normal_cdf,
    x_normal_cdf_second,
    x_sigmoid,
    x_sigmoid_cubic,
    x_sigmoid_cubic_second,
    x_sigmoid_second,
    x_tanh_softplus,
    x_tanh_softplus_second,
)
from . import _textbook as tb
from ._common import INF, Interval, Properties, cases, param_formulas, same

# --- gelu ---------------------------------------------------------------------------------


def gelu_pair(x, approximate):
    """(f, f'): x·Φ(x), or x·σ(2√(2/π)(x + 0.044715x³)) = ½x(1 + tanh(√(2/π)(x + 0.044715x³)))."""
    return x_sigmoid_cubic(x) if approximate == "tanh" else x_normal_cdf(x)


def gelu(x, approximate):
    return gelu_pair(x, approximate)[0]


def d_gelu(x, approximate):
    return gelu_pair(x, approximate)[1]


def d2_gelu(x, approximate):
    return x_sigmoid_cubic_second(x) if approximate == "tanh" else x_normal_cdf_second(x)


def _mp_gelu(x, approximate):
    import mpmath as mp

    if approximate == "tanh":
        z = 2 * mp.sqrt(2 / mp.pi) * (x + mp.mpf("0.044715") * x**3)
        dz = 2 * mp.sqrt(2 / mp.pi) * (1 + 3 * mp.mpf("0.044715") * x**2)
        s = 1 / (1 + mp.exp(-z))
        s_neg = 1 / (1 + mp.exp(z))
        return x * s, s + x * s * s_neg * dz
    return x * mp.ncdf(x), mp.ncdf(x) + x * mp.npdf(x)


#: gelu's form (geglu takes the same parameter)
GELU_APPROXIMATE = Param(
    "approximate",
    "none",
    "none: x·Φ(x) exactly; tanh: the tanh approximation",
    kind="choice",
    choices=("none", "tanh"),
    choice_aliases={"false": "none", "true": "tanh", "exact": "none", "erf": "none"},
)

# (f tex, f text, f' tex, f' text) of each form, without the "f(x) = "
_GELU_EXACT = (
    r"x\,\Phi(x) = \frac{x}{2}\left(1 + \mathrm{erf}\,\frac{x}{\sqrt{2}}\right)",
    "x·Φ(x) = ½x(1 + erf(x/√2))",
    r"\Phi(x) + x\,\varphi(x)",
    "Φ(x) + x·φ(x)",
)
_GELU_TANH = (
    r"\frac{x}{2}\left(1 + \tanh\left(\sqrt{2/\pi}\,(x + 0.044715\,x^3)\right)\right)",
    "½x(1 + tanh(√(2/π)(x + 0.044715x³)))",
    r"\frac{1 + t}{2} + \frac{x}{2}(1 - t^2)\sqrt{2/\pi}\,(1 + 0.134145\,x^2)",
    "½(1+t) + ½x(1-t²)·√(2/π)(1 + 0.134145x²)",
)


def _gelu_formulas(approximate):
    """The exact or the tanh form, as ``approximate`` says."""
    if approximate == "tanh":
        f_tex, f_text, d_tex, d_text = _GELU_TANH
        return (f"f(x) = {f_tex}", f"f(x) = {f_text}",
                rf"f'(x) = {d_tex},\;\; t = \tanh\left(\sqrt{{2/\pi}}\,(x + 0.044715\,x^3)\right)",
                f"f'(x) = {d_text}, t = tanh(√(2/π)(x + 0.044715x³))")
    f_tex, f_text, d_tex, d_text = _GELU_EXACT
    return f"f(x) = {f_tex}", f"f(x) = {f_text}", f"f'(x) = {d_tex}", f"f'(x) = {d_text}"


register(
    Activation(
        name="gelu",
        gate=True,
        family="smooth gate",
        forward=gelu,
        derivatives=(d_gelu, d2_gelu),
        evaluate_pair=gelu_pair,
        fast_pair=fast.gelu,
        mp_reference=_mp_gelu,
        params=(GELU_APPROXIMATE,),
        **param_formulas(
            (
                "f(x) = " + cases((_GELU_EXACT[0], r"\mathrm{none}"), (_GELU_TANH[0], r"\mathrm{tanh}")),
                f"f(x) = {_GELU_EXACT[1]}; tanh: {_GELU_TANH[1]}",
                "f'(x) = " + cases((_GELU_EXACT[2], r"\mathrm{none}"), (_GELU_TANH[2], r"\mathrm{tanh}")),
                f"f'(x) = {_GELU_EXACT[3]}; tanh: {_GELU_TANH[3]}, t = tanh(√(2/π)(x + 0.044715x³))",
            ),
            _gelu_formulas,
        ),
        zeros=(),
        output_range=lambda approximate: Interval(
            # the minimum, mpmath (findroot of f', 50 digits): at x = -0.7517915 / -0.7524614
            -0.17004075057125405 if approximate == "tanh" else -0.16997120747990366, INF, True, False
        ),
        properties=Properties(monotonic=False, bounded_above=False, bounded_below=True,
                              smoothness="C∞", zero_centred=True),
        reference="Hendrycks & Gimpel 2016, Gaussian Error Linear Units (GELUs), arXiv:1606.08415",
        numerics="exact form: Φ(x) = ½erfcx(|x|/√2)·exp(-x²/2) with x² split exactly (1 + erf(x/√2) "
        "cancels, and even erfc(-x/√2) loses ~1000 ULP near x = -35); tanh form: ½x(1 + tanh u) = "
        "x·σ(2u) with 2u in double-double, since exp multiplies u's rounding in the left tail",
        frameworks={
            "torch": same("torch.nn.functional.gelu", note="approximate='none' by default"),
            "keras": same(
                "keras.activations.gelu",
                note="approximate=False (exact) by default, but keras.ops.gelu defaults to "
                "approximate=True (tanh)",
            ),
            "keras2": same("tf.keras.activations.gelu", note="approximate=False by default"),
            "jax": same(
                "jax.nn.gelu",
                defaults={"approximate": "tanh"},
                note="approximate=True (tanh) by default",
            ),
            "tf": same("tf.nn.gelu", note="approximate=False by default"),
        },
        naive=Naive(
            tb.gelu,
            tb.d_gelu,
            lambda approximate: (
                "0.5*x*(1+tanh(sqrt(2/pi)*(x+0.044715*x**3)))" if approximate == "tanh"
                else "0.5*x*(1+erf(x/sqrt(2)))"
            ),
            lambda approximate: (
                ("0.5*(1+t) + 0.5*x*(1-t**2)*sqrt(2/pi)*(1+3*0.044715*x**2), "
                 "t = tanh(sqrt(2/pi)*(x+0.044715*x**3))") if approximate == "tanh"
                else "0.5*(1+erf(x/sqrt(2))) + x*exp(-x**2/2)/sqrt(2*pi)"
            ),
        ),
        checks=Checks(samples=({"approximate": "tanh"},), ulps=(4, 8)),
    )
)

# --- silu / swish -------------------------------------------------------------------------


def silu_pair(x, beta):
    return x_sigmoid(x, beta)  # x·σ(βx) and σ(βx)·(1 + βx·σ(-βx))


def silu(x, beta):
    return silu_pair(x, beta)[0]


def d_silu(x, beta):
    return silu_pair(x, beta)[1]


def d2_silu(x, beta):
    return x_sigmoid_second(x, beta)


def _mp_silu(x, beta):
    import mpmath as mp

    b = mp.mpf(beta)
    s = 1 / (1 + mp.exp(-b * x))
    s_neg = 1 / (1 + mp.exp(b * x))
    return x * s, s + b * x * s * s_neg


_FIXED_BETA = ("beta",)

register(
    Activation(
        name="silu",
        gate=True,
        aliases=("swish",),
        family="smooth gate",
        forward=silu,
        derivatives=(d_silu, d2_silu),
        evaluate_pair=silu_pair,
        fast_pair=fast.silu,
        mp_reference=_mp_silu,
        params=(
            Param("beta", 1.0, "slope of the gate σ(βx); 1 is SiLU", low=0.0, low_inclusive=False,
                  high=1e6),
        ),
        formula_tex=r"f(x) = x\,\sigma(\beta x) = \frac{x}{1 + e^{-\beta x}}",
        formula_text="f(x) = x·σ(βx) = x / (1 + exp(-βx))",
        derivative_tex=r"f'(x) = \sigma(\beta x)\,\left(1 + \beta x\,(1 - \sigma(\beta x))\right)",
        derivative_text="f'(x) = σ(βx)·(1 + βx·(1 - σ(βx)))",
        # the minimum, mpmath: -(1 + W(1/e))·... = x*+1 at x* = -1 - W(1/e), scaled by 1/β
        zeros=(),
        output_range=lambda beta: Interval(-0.27846454276107380 / beta, INF, True, False),
        properties=Properties(monotonic=False, bounded_above=False, bounded_below=True,
                              smoothness="C∞", zero_centred=True),
        reference="Elfwing, Uchibe & Doya 2017, arXiv:1702.03118; Ramachandran, Zoph & Le 2017 "
        "(swish), arXiv:1710.05941; Hendrycks & Gimpel 2016, arXiv:1606.08415",
        numerics="σ through exp(-|βx|) (no overflow), βx as an exact product so the left tail "
        "e^βx keeps every bit; f' = σ(βx)(1 + βx·σ(-βx)) has no cancellation away from its zero",
        frameworks={
            "torch": same("torch.nn.functional.silu", fixed=_FIXED_BETA, note="no β (fixed at 1)"),
            "keras": same("keras.activations.silu", fixed=_FIXED_BETA,
                          note="keras.activations.swish is the same function; no β"),
            "keras2": same("tf.keras.activations.swish", fixed=_FIXED_BETA, note="no β"),
            "jax": same("jax.nn.silu", fixed=_FIXED_BETA, note="jax.nn.swish is the same function; no β"),
            "tf": same("tf.nn.silu", note="tf.nn.silu = tf.nn.swish(features, beta=1.0): the only one "
                       "that exposes β"),
        },
        naive=Naive(
            lambda x, beta: x * tb.sigmoid(beta * x),
            lambda x, beta: tb.sigmoid(beta * x) + beta * x * tb.d_sigmoid(beta * x),
            "x*sigmoid(beta*x) = x/(1+exp(-beta*x))",
            "p + beta*x*p*(1-p)",
        ),
        # β = 1.702 is x·σ(1.702x), the GELU approximation of Hendrycks & Gimpel 2016 (arXiv
        # 1606.08415); 0.5 a gentle gate; 2.5 a steep one
        checks=Checks(samples=({"beta": 1.702}, {"beta": 0.5}, {"beta": 2.5}), ulps=(4, 8)),
    )
)

# --- quick_gelu: x·σ(1.702x) ---------------------------------------------------------------

#: the slope of QuickGELU's gate, as every implementation writes it (CLIP, Hugging Face)
QUICK_GELU_BETA = 1.702


def _quick_gelu_pair(x):
    return silu_pair(x, QUICK_GELU_BETA)


def quick_gelu(x):
    return _quick_gelu_pair(x)[0]


def d_quick_gelu(x):
    return _quick_gelu_pair(x)[1]


def d2_quick_gelu(x):
    return d2_silu(x, QUICK_GELU_BETA)


def _mp_quick_gelu(x):
    return _mp_silu(x, QUICK_GELU_BETA)


register(
    Activation(
        name="quick_gelu",
        gate=True,
        aliases=("quickgelu",),
        family="smooth gate",
        forward=quick_gelu,
        derivatives=(d_quick_gelu, d2_quick_gelu),
        evaluate_pair=_quick_gelu_pair,
        fast_pair=lambda: fast.silu(QUICK_GELU_BETA),  # silu(beta=1.702)'s kernel, the same numbers
        mp_reference=_mp_quick_gelu,
        formula_tex=r"f(x) = x\,\sigma(1.702\,x)",
        formula_text="f(x) = x·σ(1.702x)",
        derivative_tex=r"f'(x) = \sigma(1.702x)\,\left(1 + 1.702x\,(1 - \sigma(1.702x))\right)",
        derivative_text="f'(x) = σ(1.702x)·(1 + 1.702x·(1 - σ(1.702x)))",
        # silu's minimum scaled by 1/β
        zeros=(),
        output_range=Interval(-0.27846454276107380 / QUICK_GELU_BETA, INF, True, False),
        properties=Properties(monotonic=False, bounded_above=False, bounded_below=True,
                              smoothness="C∞", zero_centred=True),
        reference="Hendrycks & Gimpel 2016, arXiv:1606.08415 (the sigmoid approximation of GELU); "
        "used by OpenAI's CLIP (Radford et al. 2021, arXiv:2103.00020) and Hugging Face's "
        "hidden_act \"quick_gelu\" (QuickGELUActivation: x * sigmoid(1.702 * x)); silu(beta=1.702)",
        numerics="silu's kernel at β = 1.702: σ through exp(-|βx|), βx as an exact product",
        naive=Naive(
            lambda x: x * tb.sigmoid(QUICK_GELU_BETA * x),
            lambda x: tb.sigmoid(QUICK_GELU_BETA * x) + QUICK_GELU_BETA * x * tb.d_sigmoid(QUICK_GELU_BETA * x),
            "x*sigmoid(1.702*x)",
            "p + 1.702*x*p*(1-p)",
        ),
        checks=Checks(ulps=(4, 8)),
    )
)

# --- mish ---------------------------------------------------------------------------------


def _mish_pair(x):
    return x_tanh_softplus(x)  # x·tanh(softplus(x)) and its derivative


def mish(x):
    return _mish_pair(x)[0]


def d_mish(x):
    return _mish_pair(x)[1]


def d2_mish(x):
    return x_tanh_softplus_second(x)


def _mp_mish(x):
    import mpmath as mp

    sp = mp.log1p(mp.exp(x))
    g = mp.tanh(sp)
    return x * g, g + x * mp.sech(sp) ** 2 / (1 + mp.exp(-x))


register(
    Activation(
        name="mish",
        gate=True,
        family="smooth gate",
        forward=mish,
        derivatives=(d_mish, d2_mish),
        evaluate_pair=_mish_pair,
        fast_pair=fast.mish,
        mp_reference=_mp_mish,
        formula_tex=r"f(x) = x\,\tanh(\mathrm{softplus}(x)) = x\,\tanh(\ln(1 + e^{x}))",
        formula_text="f(x) = x·tanh(softplus(x)) = x·tanh(ln(1 + exp(x)))",
        derivative_tex=r"f'(x) = \tanh(\mathrm{sp}(x)) + x\,\sigma(x)\,(1 - \tanh^2(\mathrm{sp}(x)))",
        derivative_text="f'(x) = tanh(sp(x)) + x·σ(x)·(1 - tanh²(sp(x)))",
        # the minimum, mpmath (findroot of f', 50 digits): at x = -1.1924312
        zeros=(),
        output_range=Interval(-0.30884341301725041, INF, True, False),
        properties=Properties(monotonic=False, bounded_above=False, bounded_below=True,
                              smoothness="C∞", zero_centred=True),
        reference="Misra 2019, Mish: A Self Regularized Non-Monotonic Activation Function, "
        "arXiv:1908.08681",
        numerics="tanh(softplus(x)) written rationally in e^-|x| (e^x for x <= 0: e(e+2)/(e(e+2)+2)), "
        "so nothing overflows and the left tail keeps relative accuracy",
        frameworks={
            "torch": same("torch.nn.functional.mish"),
            "keras": same("keras.activations.mish"),
            "keras2": same("tf.keras.activations.mish"),
            "jax": same("jax.nn.mish"),
        },
        naive=Naive(
            lambda x: x * np.tanh(tb.softplus(x)),
            lambda x: (
                np.tanh(tb.softplus(x))
                + x * (1 - np.tanh(tb.softplus(x)) ** 2) * np.exp(x) / (1 + np.exp(x))
            ),
            "x*tanh(log(1+exp(x)))",
            "tanh(sp) + x*(1-tanh(sp)**2)*exp(x)/(1+exp(x))",
        ),
        checks=Checks(ulps=(4, 8)),
    )
)

# --- hard_swish ---------------------------------------------------------------------------


def hard_swish(x):
    xi = np.clip(x, -3.0, 3.0)  # keeps the unused branch finite for huge x
    return np.where(x >= 3.0, x, xi * (xi + 3.0) / 6.0)


def d_hard_swish(x):
    # PyTorch 2.13: 0 for x <= -3 (f'(-3) = 0), (2x + 3)/6 inside, 1 for x >= 3 (f'(3) = 1)
    xi = np.clip(x, -3.0, 3.0)
    return np.where(x <= -3.0, 0.0, np.where(x >= 3.0, 1.0, (2.0 * xi + 3.0) / 6.0))


def d2_hard_swish(x):
    return np.where(np.abs(x) < 3.0, 1.0 / 3.0, 0.0)


def _hard_swish_pair(x):
    return hard_swish(x), d_hard_swish(x)


def _mp_hard_swish(x):
    import mpmath as mp

    f = x * min(max(x + 3, mp.mpf(0)), mp.mpf(6)) / 6
    if x <= -3:
        return f, mp.mpf(0)
    if x >= 3:
        return f, mp.mpf(1)
    return f, (2 * x + 3) / 6


register(
    Activation(
        name="hard_swish",
        aliases=("hardswish", "hard_silu"),
        family="smooth gate",
        forward=hard_swish,
        derivatives=(d_hard_swish, d2_hard_swish),
        evaluate_pair=_hard_swish_pair,
        mp_reference=_mp_hard_swish,
        kinks=(-3.0, 3.0),
        formula_tex=r"f(x) = x\,\frac{\mathrm{relu6}(x + 3)}{6} = x\,\frac{\min(\max(x + 3, 0), 6)}{6}",
        formula_text="f(x) = x·relu6(x + 3)/6 = x·min(max(x + 3, 0), 6)/6",
        derivative_tex="f'(x) = " + cases(
            ("0", r"x \leq -3"), (r"(2x + 3)/6", r"-3 < x < 3"), ("1", r"x \geq 3")
        ),
        derivative_text="f'(x) = 0 if x <= -3; (2x + 3)/6 if -3 < x < 3; 1 if x >= 3",
        zeros=((-INF, -3.0),),
        output_range=Interval(-0.375, INF, True, False),
        properties=Properties(monotonic=False, bounded_above=False, bounded_below=True,
                              smoothness="C0", zero_centred=True),
        reference="Howard et al. 2019, Searching for MobileNetV3, arXiv:1905.02244",
        numerics="piecewise polynomial; the input is clipped to [-3, 3] inside, so huge x cannot "
        "overflow the unused branch",
        kink_convention="f'(-3) = 0 and f'(3) = 1, as PyTorch 2.13, JAX and Keras return "
        "(torch 2.6 returned -0.5 and 1.5: pytorch/pytorch#147801, fixed by #148049)",
        frameworks={
            "torch": same("torch.nn.functional.hardswish"),
            "keras": same("keras.activations.hard_silu", note="keras.activations.hard_swish is the "
                          "same function"),
            "jax": same("jax.nn.hard_silu", note="jax.nn.hard_swish is the same function"),
        },
    )
)

