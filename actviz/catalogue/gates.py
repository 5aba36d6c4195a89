"""Smooth gates: gelu (and clipped), silu/swish, mish, GoLU, TanhExp, LiSHT, Smish, Logish,
Serf, and the piecewise hard_mish and hard_swish.

Each smooth gate multiplies x by a soft switch (Φ, σ, tanh∘softplus, e^(-e^(-x)), ...); the
stable kernels (exact exponents in the left tail, f and f' from one pass) are in
numerics.gates and numerics.compound_gates.
"""

from __future__ import annotations

import math

import numpy as np

from ..core.records import Activation, Checks, Naive, Param
from ..core.store import register
from ..numerics import fast
from ..numerics.compound_gates import (
    x_erf_softplus,
    x_erf_softplus_second,
    x_gompertz,
    x_gompertz_second,
    x_logish,
    x_logish_second,
    x_smish,
    x_smish_second,
    x_tanh,
    x_tanh_exp,
    x_tanh_exp_second,
    x_tanh_second,
)
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

# --- clipped_gelu (gelu_10): clip(gelu(x), min, max) --------------------------------------

#: gelu's minimum and where it is (mpmath, findroot of f', 50 digits)
GELU_MIN = -0.16997120747990366
GELU_ARGMIN = -0.7517915246935645


def _clipped_inside(x, f, min, max):
    # torch.clip passes the gradient where the value is at a bound (min <= f <= max); for
    # min = 0 that is x >= 0, which the rounded f (gelu(-5e-324) = -0.0) would blur
    return ((f >= min) if min != 0 else (x >= 0)) & (f <= max)


def _clipped_gelu_pair(x, min, max):
    f, d = x_normal_cdf(x)
    return np.clip(f, min, max), np.where(_clipped_inside(x, f, min, max), d, 0.0)


def clipped_gelu(x, min, max):
    return _clipped_gelu_pair(x, min, max)[0]


def d_clipped_gelu(x, min, max):
    return _clipped_gelu_pair(x, min, max)[1]


def d2_clipped_gelu(x, min, max):
    f = x_normal_cdf(x)[0]
    return np.where(_clipped_inside(x, f, min, max), x_normal_cdf_second(x), 0.0)


def _clipped_gelu_kinks(min, max):
    """Where gelu crosses max (once, right of 0) and min (twice, either side of gelu's
    minimum, where min lies between that minimum and 0; at 0 for min = 0)."""
    from ..numerics import bracketed_roots

    values, lo, hi = [max], [0.0], [max + 1.0]
    if GELU_MIN < min < 0:
        values += [min, min]
        lo += [-40.0, GELU_ARGMIN]
        hi += [GELU_ARGMIN, 0.0]
    v = np.array(values)
    roots = bracketed_roots(lambda x, rows: x_normal_cdf(x)[0] - v[rows], lo, hi)
    return tuple(sorted(float(r) for r in roots)) + ((0.0,) if min == 0 else ())


def _mp_clipped_gelu(x, min, max):
    import mpmath as mp

    g = x * mp.ncdf(x)
    f = mp.mpf(min) if g < min else mp.mpf(max) if g > max else g
    return f, (mp.ncdf(x) + x * mp.npdf(x) if min <= g <= max else mp.mpf(0))


register(
    Activation(
        name="clipped_gelu",
        gate=True,
        aliases=("gelu_10",),
        family="smooth gate",
        fast_pair=fast.clipped_gelu,
        forward=clipped_gelu,
        derivatives=(d_clipped_gelu, d2_clipped_gelu),
        evaluate_pair=_clipped_gelu_pair,
        mp_reference=_mp_clipped_gelu,
        params=(
            Param("min", -10.0, "lower bound of the output, <= 0 (gelu never falls below -0.17, so "
                  "the default is never reached)", high=0.0, aliases=("min_val",)),
            Param("max", 10.0, "upper bound of the output, > 0: f = max from where gelu(x) = max "
                  "on", low=0.0, low_inclusive=False, aliases=("max_val",)),
        ),
        kinks=_clipped_gelu_kinks,
        formula_tex=r"f(x) = \min(\max(x\,\Phi(x),\ \mathrm{min}),\ \mathrm{max})",
        formula_text="f(x) = clip(x·Φ(x), min, max)",
        derivative_tex="f'(x) = " + cases(
            (r"\Phi(x) + x\,\varphi(x)", r"\mathrm{min} \leq x\,\Phi(x) \leq \mathrm{max}"),
            ("0", r"\mathrm{otherwise}"),
        ),
        derivative_text="f'(x) = Φ(x) + x·φ(x) where min <= x·Φ(x) <= max, else 0",
        output_range=lambda min, max: Interval(float(np.maximum(min, GELU_MIN)), max),
        zeros=lambda min, max: ((-INF, 0.0),) if min == 0 else (),  # gelu < 0 for x < 0
        properties=lambda min, max: Properties(
            monotonic=min == 0.0, bounded_above=True, bounded_below=True, smoothness="C0",
            zero_centred=True,
        ),
        reference="Hugging Face's ClippedGELUActivation (transformers/activations.py; hidden_act "
        "\"gelu_10\" is ClippedGELUActivation(-10, 10): torch.clip(gelu(x), min, max) with the "
        "exact, erf gelu), for quantisation: Wu, Judd, Zhang, Isaev & Micikevicius 2020, Integer "
        "Quantization for Deep Learning Inference, arXiv:2004.09602; gelu: Hendrycks & Gimpel "
        "2016, arXiv:1606.08415",
        numerics="gelu's kernel (numerics.gates.x_normal_cdf), then clipped; the kinks are where "
        "the computed gelu crosses the bounds, to adjacent floats",
        kink_convention="f' = gelu'(x) where gelu(x) equals a bound, as torch.clip passes the "
        "gradient there; at the defaults the one kink is x = 10.0 (gelu(10) = 10 - 7.6e-23), where "
        "f'(10) = gelu'(10) = 1",
        naive=Naive(
            lambda x, min, max: np.clip(tb.gelu(x), min, max),
            lambda x, min, max: np.where((tb.gelu(x) >= min) & (tb.gelu(x) <= max), tb.d_gelu(x), 0),
            "clip(0.5*x*(1+erf(x/sqrt(2))), min, max)",
            "gelu'(x) where min <= gelu(x) <= max, else 0",
        ),
        # a clip that cuts gelu's dip twice, and one below 1
        checks=Checks(samples=({"min": -0.1, "max": 3.0}, {"max": 0.5}), ulps=(4, 8)),
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

# --- golu: α·x·e^(-β·e^(-γx)) -----------------------------------------------------------------


def _golu_pair(x, alpha, beta, gamma):
    return x_gompertz(x, alpha, beta, gamma)


def golu(x, alpha, beta, gamma):
    return x_gompertz(x, alpha, beta, gamma)[0]


def d_golu(x, alpha, beta, gamma):
    return x_gompertz(x, alpha, beta, gamma)[1]


def _mp_golu(x, alpha, beta, gamma):
    import mpmath as mp

    a, b, c = mp.mpf(alpha), mp.mpf(beta), mp.mpf(gamma)
    u = mp.exp(-c * x)
    g = mp.exp(-b * u)
    return a * x * g, a * g * (1 + b * c * x * u)


def _lambert_w(y):
    """W(y) for y > 0, the principal branch: Halley's method from a start within 40%."""
    w = math.log1p(y) if y < math.e else math.log(y) - math.log(math.log(y))
    for _ in range(60):
        ew = math.exp(w)
        r = w * ew - y
        step = r / (ew * (w + 1) - (w + 2) * r / (2 * w + 2))
        w -= step
        if abs(step) <= 1e-16 * abs(w):
            break
    return w


def _golu_range(alpha, beta, gamma):
    # f' = 0 where βγx·e^(-γx) = -1: γx = -W(1/β), and there f = -(α/γ)·W·e^(-1/W)
    w = _lambert_w(1.0 / beta)
    return Interval(-(alpha / gamma) * w * math.exp(-1.0 / w), INF, True, False)


register(
    Activation(
        name="golu",
        gate=True,
        aliases=("gompertz_linear_unit",),
        family="smooth gate",
        forward=golu,
        derivatives=(d_golu, x_gompertz_second),
        evaluate_pair=_golu_pair,
        mp_reference=_mp_golu,
        params=(
            Param("alpha", 1.0, "α > 0, the height of the Gompertz gate", low=0.0, low_inclusive=False),
            Param("beta", 1.0, "β > 0, the gate's shift: e^(-β) at x = 0", low=0.0, low_inclusive=False),
            Param("gamma", 1.0, "γ > 0, the gate's steepness", low=0.0, low_inclusive=False),
        ),
        formula_tex=r"f(x) = \alpha x\,e^{-\beta e^{-\gamma x}}",
        formula_text="f(x) = α·x·exp(-β·exp(-γx))",
        derivative_tex=r"f'(x) = \alpha\,e^{-\beta e^{-\gamma x}}\left(1 + \beta\gamma x\,e^{-\gamma x}\right)",
        derivative_text="f'(x) = α·exp(-β·exp(-γx))·(1 + βγ·x·exp(-γx))",
        output_range=_golu_range,
        zeros=(),  # the gate underflows to 0 left of -6.6, but is not 0
        properties=Properties(monotonic=False, bounded_above=False, bounded_below=True,
                              smoothness="C∞", zero_centred=True),
        reference="Das, Safari, Adriaensen & Hutter 2025, Gompertz Linear Units: Leveraging "
        "Asymmetry for Enhanced Learning Dynamics, arXiv:2502.03654 (GoLU = x·Gompertz(x), "
        "Gompertz(x) = e^(-e^(-x)), the standard Gumbel CDF); the authors' GoLUCUDA module takes "
        "alpha, beta and gamma, each 1.0 by default",
        numerics="e^(-γx) as a double-double (numerics.dd.exp_double): the gate e^(-β·e^(-γx)) "
        "multiplies its rounding by up to 800; 1 + βγx·e^(-γx), which vanishes at f's minimum, "
        "in double-double; below e^-600 f and f' are rounded once from the exponent, so the left "
        "tail underflows to -0 (from x = -6.6 at the defaults) without a spurious overflow",
        naive=Naive(
            lambda x, alpha, beta, gamma: alpha * x * np.exp(-beta * np.exp(-gamma * x)),
            lambda x, alpha, beta, gamma: alpha * np.exp(-beta * np.exp(-gamma * x))
            * (1 + beta * gamma * x * np.exp(-gamma * x)),
            "alpha*x*exp(-beta*exp(-gamma*x))",
            "alpha*exp(-beta*exp(-gamma*x))*(1+beta*gamma*x*exp(-gamma*x))",
        ),
        # a later, and a steeper and lower gate
        checks=Checks(samples=({"beta": 2.5}, {"alpha": 0.7, "gamma": 2.5}), ulps=(4, 8)),
    )
)

# --- tanhexp (TeLU): x·tanh(e^x) ------------------------------------------------------------------


def tanhexp(x):
    return x_tanh_exp(x)[0]


def d_tanhexp(x):
    return x_tanh_exp(x)[1]


def _mp_tanhexp(x):
    import mpmath as mp

    u = mp.exp(x)
    return x * mp.tanh(u), mp.tanh(u) + x * u * mp.sech(u) ** 2


register(
    Activation(
        name="tanhexp",
        gate=True,
        aliases=("tanh_exp", "telu"),
        family="smooth gate",
        forward=tanhexp,
        derivatives=(d_tanhexp, x_tanh_exp_second),
        evaluate_pair=x_tanh_exp,
        mp_reference=_mp_tanhexp,
        formula_tex=r"f(x) = x\,\tanh(e^{x})",
        formula_text="f(x) = x·tanh(exp(x))",
        derivative_tex=r"f'(x) = \tanh(e^{x}) + x\,e^{x}\,(1 - \tanh^2(e^{x}))",
        derivative_text="f'(x) = tanh(exp(x)) + x·exp(x)·(1 - tanh(exp(x))²)",
        # the minimum, mpmath (findroot of f', 50 digits): at x = -1.0788601
        output_range=Interval(-0.35328577784821125, INF, True, False),
        zeros=(),
        properties=Properties(monotonic=False, bounded_above=False, bounded_below=True,
                              smoothness="C∞", zero_centred=True),
        reference="Liu & Di 2020, TanhExp: A Smooth Activation Function with High Convergence "
        "Speed for Lightweight Neural Networks, arXiv:2003.09855; the same function is TeLU "
        "(Fernandez & Mali 2024, TeLU Activation Function for Fast and Stable Deep Learning, "
        "arXiv:2412.20269), hence the alias",
        numerics="e^x as a double-double: sech²(e^x) in f' and f'' is e^(-2e^x) far out, which "
        "multiplies the rounding of e^x by 2e^x (up to 745); for x <= 0, f' = e^x·((1 + x) - "
        "(u - tanh u)/u - x·tanh² u) with u - tanh u from Lambert's fraction, so only the exact "
        "1 + x cancels at f's minimum",
        naive=Naive(
            lambda x: x * np.tanh(np.exp(x)),
            lambda x: np.tanh(np.exp(x)) + x * np.exp(x) * (1 - np.tanh(np.exp(x)) ** 2),
            "x*tanh(exp(x))",
            "tanh(exp(x))+x*exp(x)*(1-tanh(exp(x))**2)",
        ),
        checks=Checks(ulps=(4, 8)),
    )
)

# --- lisht: x·tanh(x) ------------------------------------------------------------------------------


def lisht(x):
    return x_tanh(x)[0]


def d_lisht(x):
    return x_tanh(x)[1]


def _mp_lisht(x):
    import mpmath as mp

    return x * mp.tanh(x), mp.tanh(x) + x * mp.sech(x) ** 2


register(
    Activation(
        name="lisht",
        gate=True,
        family="smooth gate",
        forward=lisht,
        derivatives=(d_lisht, x_tanh_second),
        evaluate_pair=x_tanh,
        mp_reference=_mp_lisht,
        formula_tex=r"f(x) = x\,\tanh(x)",
        formula_text="f(x) = x·tanh(x)",
        derivative_tex=r"f'(x) = \tanh(x) + x\,(1 - \tanh^2(x))",
        derivative_text="f'(x) = tanh(x) + x·(1 - tanh(x)²)",
        output_range=Interval(0.0, INF, True, False),
        zeros=(),
        properties=Properties(monotonic=False, bounded_above=False, bounded_below=True,
                              smoothness="C∞", zero_centred=True),
        reference="Roy, Manna, Dubey & Chaudhuri 2019, LiSHT: Non-Parametric Linearly Scaled "
        "Hyperbolic Tangent Activation Function for Neural Networks, arXiv:1901.05894",
        numerics="both terms of f' have the sign of x: nothing cancels; sech² through e^(-2|x|)",
        naive=Naive(
            lambda x: x * np.tanh(x),
            lambda x: np.tanh(x) + x * (1 - np.tanh(x) ** 2),
            "x*tanh(x)",
            "tanh(x)+x*(1-tanh(x)**2)",
        ),
        checks=Checks(ulps=(4, 8)),
    )
)

# --- smish and logish: x·G(σ(βx)) ----------------------------------------------------------------

#: the minima of z·tanh(ln(1 + σ(z))) and z·ln(1 + σ(z)), mpmath (findroot of f', 50 digits): at
#: z = -1.3945193 and z = -1.3724541; with α and β they scale by α/β
SMISH_MIN = -0.24999366366012948
LOGISH_MIN = -0.25276881678944035

_GATE_SCALE = Param("alpha", 1.0, "α > 0, scales the output (the papers' variant αx·G(σ(βx)))",
                    low=0.0, low_inclusive=False)
_GATE_SLOPE = Param("beta", 1.0, "β > 0, the slope of the sigmoid inside", low=0.0,
                    low_inclusive=False, high=1e6)


def _smish_pair(x, alpha, beta):
    return x_smish(x, alpha, beta)


def smish(x, alpha, beta):
    return x_smish(x, alpha, beta)[0]


def d_smish(x, alpha, beta):
    return x_smish(x, alpha, beta)[1]


def _mp_smish(x, alpha, beta):
    import mpmath as mp

    a, b = mp.mpf(alpha), mp.mpf(beta)
    s = 1 / (1 + mp.exp(-b * x))
    g = mp.tanh(mp.log1p(s))
    return a * x * g, a * (g + b * x * (1 - g * g) * s * (1 - s) / (1 + s))


register(
    Activation(
        name="smish",
        gate=True,
        family="smooth gate",
        forward=smish,
        derivatives=(d_smish, x_smish_second),
        evaluate_pair=_smish_pair,
        mp_reference=_mp_smish,
        params=(_GATE_SCALE, _GATE_SLOPE),
        formula_tex=r"f(x) = \alpha x\,\tanh(\ln(1 + \sigma(\beta x)))",
        formula_text="f(x) = α·x·tanh(ln(1 + σ(βx)))",
        derivative_tex=r"f'(x) = \alpha\left(g + \beta x\,\frac{(1 - g^2)\,\sigma(1 - \sigma)}"
        r"{1 + \sigma}\right),\;\; g = \tanh(\ln(1 + \sigma)),\ \sigma = \sigma(\beta x)",
        derivative_text="f'(x) = α·(g + βx·(1 - g²)·σ(1 - σ)/(1 + σ)), g = tanh(ln(1 + σ)), σ = σ(βx)",
        output_range=lambda alpha, beta: Interval(SMISH_MIN * alpha / beta, INF, True, False),
        zeros=(),
        properties=Properties(monotonic=False, bounded_above=False, bounded_below=True,
                              smoothness="C∞", zero_centred=True),
        reference="Wang, Ren & Wang 2022, Smish: A Novel Activation Function for Deep Learning "
        "Methods, Electronics 11(4):540, doi:10.3390/electronics11040540 (the parameterised "
        "αx·tanh(ln(1 + σ(βx))) was best at α = β = 1, the form implementations ship); the "
        "activation of TEED, the Tiny and Efficient Edge Detector (Soria et al. 2023, "
        "arXiv:2308.06468; xavysp/TEED ted.py, utils/AF/Fsmish.py), which ControlNet "
        "preprocessors ship as a soft-edge detector",
        numerics="tanh(ln(1 + σ)) written rationally in e = e^-|βx| (e(3e + 2)/(5e² + 6e + 2) for "
        "x <= 0), βx exact and e a double-double; f' for x <= 0 as e·B/Q² with B, which vanishes "
        "at f's minimum, in double-double",
        naive=Naive(
            lambda x, alpha, beta: alpha * x * np.tanh(np.log(1 + tb.sigmoid(beta * x))),
            lambda x, alpha, beta: alpha * (
                np.tanh(np.log(1 + tb.sigmoid(beta * x)))
                + beta * x * (1 - np.tanh(np.log(1 + tb.sigmoid(beta * x))) ** 2)
                * tb.d_sigmoid(beta * x) / (1 + tb.sigmoid(beta * x))
            ),
            "alpha*x*tanh(log(1+sigmoid(beta*x)))",
            "alpha*(g + beta*x*(1-g**2)*s*(1-s)/(1+s))",
        ),
        checks=Checks(samples=({"beta": 2.5}, {"alpha": 0.7, "beta": 0.5}), ulps=(4, 8)),
    )
)


def _logish_pair(x, alpha, beta):
    return x_logish(x, alpha, beta)


def logish(x, alpha, beta):
    return x_logish(x, alpha, beta)[0]


def d_logish(x, alpha, beta):
    return x_logish(x, alpha, beta)[1]


def _mp_logish(x, alpha, beta):
    import mpmath as mp

    a, b = mp.mpf(alpha), mp.mpf(beta)
    s = 1 / (1 + mp.exp(-b * x))
    return a * x * mp.log1p(s), a * (mp.log1p(s) + b * x * s * (1 - s) / (1 + s))


register(
    Activation(
        name="logish",
        gate=True,
        family="smooth gate",
        forward=logish,
        derivatives=(d_logish, x_logish_second),
        evaluate_pair=_logish_pair,
        mp_reference=_mp_logish,
        params=(_GATE_SCALE, _GATE_SLOPE),
        formula_tex=r"f(x) = \alpha x\,\ln(1 + \sigma(\beta x))",
        formula_text="f(x) = α·x·ln(1 + σ(βx))",
        derivative_tex=r"f'(x) = \alpha\left(\ln(1 + \sigma) + \beta x\,\frac{\sigma(1 - \sigma)}"
        r"{1 + \sigma}\right),\;\; \sigma = \sigma(\beta x)",
        derivative_text="f'(x) = α·(ln(1 + σ) + βx·σ(1 - σ)/(1 + σ)), σ = σ(βx)",
        output_range=lambda alpha, beta: Interval(LOGISH_MIN * alpha / beta, INF, True, False),
        zeros=(),
        properties=Properties(monotonic=False, bounded_above=False, bounded_below=True,
                              smoothness="C∞", zero_centred=True),
        reference="Zhu, Zeng, Liu & Zhang 2021, Logish: A new nonlinear nonmonotonic activation "
        "function for convolutional neural network, Neurocomputing 458:490-499, "
        "doi:10.1016/j.neucom.2021.06.067 (its variant αx·ln(1 + σ(βx)) did best at α = 1, β = 10)",
        numerics="σ through e^-|βx| with βx exact and e a double-double; for x <= 0, f' = "
        "e/D·((1 + z) + M) with ln(1 + σ)/σ - 1 from the atanh series, so only the exact 1 + z "
        "cancels at f's minimum",
        naive=Naive(
            lambda x, alpha, beta: alpha * x * np.log(1 + tb.sigmoid(beta * x)),
            lambda x, alpha, beta: alpha * (
                np.log(1 + tb.sigmoid(beta * x))
                + beta * x * tb.d_sigmoid(beta * x) / (1 + tb.sigmoid(beta * x))
            ),
            "alpha*x*log(1+sigmoid(beta*x))",
            "alpha*(log(1+s) + beta*x*s*(1-s)/(1+s))",
        ),
        # the paper's best variant, and a gentle, scaled one
        checks=Checks(samples=({"beta": 10.0}, {"alpha": 0.7, "beta": 0.5}), ulps=(4, 8)),
    )
)

# --- serf: x·erf(ln(1 + e^x)) --------------------------------------------------------------------


def serf(x):
    return x_erf_softplus(x)[0]


def d_serf(x):
    return x_erf_softplus(x)[1]


def _mp_serf(x):
    import mpmath as mp

    y = mp.log1p(mp.exp(x))
    g = mp.erf(y)
    return x * g, g + x * 2 / mp.sqrt(mp.pi) * mp.exp(-y * y) / (1 + mp.exp(-x))


register(
    Activation(
        name="serf",
        gate=True,
        family="smooth gate",
        forward=serf,
        derivatives=(d_serf, x_erf_softplus_second),
        evaluate_pair=x_erf_softplus,
        mp_reference=_mp_serf,
        formula_tex=r"f(x) = x\,\mathrm{erf}(\ln(1 + e^{x}))",
        formula_text="f(x) = x·erf(ln(1 + exp(x)))",
        derivative_tex=r"f'(x) = \mathrm{erf}(y) + x\,\frac{2}{\sqrt{\pi}}\,e^{-y^2}\,\sigma(x),"
        r"\;\; y = \ln(1 + e^{x})",
        derivative_text="f'(x) = erf(y) + x·(2/√π)·exp(-y²)·σ(x), y = ln(1 + exp(x))",
        # the minimum, mpmath (findroot of f', 50 digits): at x = -1.1930600
        output_range=Interval(-0.3484374587596064, INF, True, False),
        zeros=(),
        properties=Properties(monotonic=False, bounded_above=False, bounded_below=True,
                              smoothness="C∞", zero_centred=True),
        reference="Nag & Bhattacharyya 2021, SERF: Towards better training of deep neural "
        "networks using log-Softplus ERror activation Function, arXiv:2108.09598",
        numerics="for x <= 0, erf(y)/(2y/√π) and ln(1 + e)/e from their series (no scipy call, no "
        "cancellation), and f' = (2/√π)·e·((1 + x) + small terms) so only the exact 1 + x "
        "cancels at f's minimum; for x > 0 scipy's erf, e^(-y²) with y² split exactly",
        naive=Naive(
            lambda x: x * tb.erf(tb.softplus(x)),
            lambda x: tb.erf(tb.softplus(x))
            + x * 2 / math.sqrt(math.pi) * np.exp(-tb.softplus(x) ** 2) * tb.sigmoid(x),
            "x*erf(log(1+exp(x)))",
            "erf(y)+x*2/sqrt(pi)*exp(-y**2)*sigmoid(x), y = log(1+exp(x))",
        ),
        checks=Checks(ulps=(4, 8)),
    )
)

# --- hard_mish: x/2·min(2, max(0, x + 2)) --------------------------------------------------------


def hard_mish(x):
    xc = np.clip(x, -2.0, 0.0)  # keeps the unused branch finite for huge x
    return np.where(x >= 0.0, x, 0.5 * xc * (xc + 2.0))


def d_hard_mish(x):
    # autograd of 0.5·x·(x + 2).clamp(0, 2): clamp passes the gradient at both bounds, so
    # f'(-2) = -1 and f'(0) = 1
    return np.where(x >= 0.0, 1.0, np.where(x >= -2.0, np.clip(x, -2.0, 0.0) + 1.0, 0.0))


def d2_hard_mish(x):
    return np.where((x >= -2.0) & (x <= 0.0), 1.0, 0.0)


def _hard_mish_pair(x):
    return hard_mish(x), d_hard_mish(x)


def _mp_hard_mish(x):
    import mpmath as mp

    f = x * min(mp.mpf(2), max(mp.mpf(0), x + 2)) / 2
    return f, (mp.mpf(1) if x >= 0 else x + 1 if x >= -2 else mp.mpf(0))


register(
    Activation(
        name="hard_mish",
        aliases=("hardmish",),
        family="smooth gate",
        forward=hard_mish,
        derivatives=(d_hard_mish, d2_hard_mish),
        evaluate_pair=_hard_mish_pair,
        mp_reference=_mp_hard_mish,
        # f' jumps from 0 to -1 at -2; at 0 only f'' does (from 1 to 0)
        kinks=(-2.0, 0.0),
        formula_tex=r"f(x) = \frac{x}{2}\,\min(2, \max(0, x + 2))",
        formula_text="f(x) = x/2·min(2, max(0, x + 2))",
        derivative_tex="f'(x) = " + cases(
            ("0", "x < -2"), ("x + 1", r"-2 \leq x < 0"), ("1", r"x \geq 0")
        ),
        derivative_text="f'(x) = 0 if x < -2, x + 1 if -2 <= x < 0, 1 if x >= 0",
        output_range=Interval(-0.5, INF, True, False),
        zeros=((-INF, -2.0),),
        properties=Properties(monotonic=False, bounded_above=False, bounded_below=True,
                              smoothness="C0", zero_centred=True),
        reference="Misra 2020, H-Mish (github.com/digantamisra98/H-Mish), a piecewise-quadratic "
        "Mish; timm's hard_mish and HardMish (timm/layers/activations.py: "
        "0.5·x·(x + 2).clamp(min=0, max=2))",
        numerics="piecewise polynomial; x + 2 and x + 1 are exact where they are small (Sterbenz), "
        "and the input is clipped to [-2, 0] inside so huge x cannot overflow the unused branch",
        kink_convention="f'(-2) = -1, f'(0) = 1 and f''(-2) = f''(0) = 1, as autograd of timm's "
        "0.5·x·(x + 2).clamp(0, 2) gives (clamp passes the gradient at its bounds)",
        naive=Naive(
            lambda x: 0.5 * x * np.clip(x + 2, 0, 2),
            lambda x: 0.5 * np.clip(x + 2, 0, 2) + 0.5 * x * ((x >= -2) & (x <= 0)),
            "0.5*x*clip(x+2,0,2)",
            "0.5*clip(x+2,0,2)+0.5*x*(-2<=x<=0)",
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

