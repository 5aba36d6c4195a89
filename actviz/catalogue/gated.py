"""Gated units of two inputs, f(a, b) = g(a)·v(b): glu, reglu, geglu, swiglu and GPT-OSS's
clamped swiglu.

The gate input a goes through the nonlinearity g (σ, relu, gelu, silu); the value input b
multiplies it, as b itself or, in GPT-OSS, as clip(b, -limit, limit) + 1. Shazeer 2020
(GLU Variants Improve Transformer, arXiv:2002.05202) names the family; each record says
which model uses it and how each implementation cuts one array into a and b
(actviz.core.gated: contiguous or interleaved halves, the gate first or second).

The gates are the catalogue's own kernels (numerics.gates and numerics.special through
catalogue.gates), so f and every partial keep their accuracy: each is one gate factor times
one value factor, rounded once more.

The scalar face of each record is the gate curve f(x, b) at the parameter ``b``, chosen by
default where the value factor is 1 (b = 1; b = 0 for GPT-OSS's b + 1), so that the curve
plots and tables show is the gate itself.
"""

from __future__ import annotations

import math

import numpy as np

from .. import numerics as nx
from ..core.gated import gated_unit
from ..core.records import Checks, Gated, Layout, Naive, Param
from ..core.store import register
from ..numerics import fast
from ..numerics.gates import x_sigmoid, x_sigmoid_second
from ..numerics.special import sigmoid_pair
from . import _textbook as tb
from ._common import INF, Interval, Properties, cases, param_formulas, same
from .gates import GELU_APPROXIMATE, _mp_gelu, _mp_silu, d2_gelu, d2_silu, gelu_pair, silu_pair

_MAX = float(np.finfo(np.float64).max)
#: silu's minimum for β = 1 (mpmath: x* + 1 at x* = -1 - W(1/e)); x·σ(βx) has it scaled by 1/β
_SILU_MIN = -0.27846454276107380


# --- the value factor and the gate curve's claims ------------------------------------------------


def _identity(b, **_):
    return np.array(b, dtype=np.float64, copy=True)


def _one(b, **_):
    return np.ones_like(np.asarray(b, dtype=np.float64))


def _mp_identity(b, **_):
    import mpmath as mp

    return b, mp.mpf(1)


#: v(b) = b: the plain units' value factor
IDENTITY = (_identity, _one, nx.zeros_like)


def scaled(interval: Interval, v: float) -> Interval:
    """The range of v·g for g ranging over ``interval``."""
    if v == 0:
        return Interval(0.0, 0.0)
    lo, hi = v * interval.low + 0.0, v * interval.high + 0.0  # + 0.0: no -0 in a range
    if v > 0:
        return Interval(lo, hi, interval.low_closed, interval.high_closed)
    return Interval(hi, lo, interval.high_closed, interval.low_closed)


def scaled_properties(gate: Properties, v: float, g0: float) -> Properties:
    """The shape of the gate curve v·g(x), from the gate's: flipped for v < 0, constant for v = 0.

    ``g0`` is g(0): the curve passes through 0 where v·g(0) does."""
    if v == 0:
        return Properties(monotonic=True, bounded_above=True, bounded_below=True, smoothness="C∞",
                          zero_centred=True)
    above, below = (gate.bounded_above, gate.bounded_below) if v > 0 else (gate.bounded_below, gate.bounded_above)
    return Properties(monotonic=gate.monotonic and v > 0, bounded_above=above, bounded_below=below,
                      smoothness=gate.smoothness, zero_centred=v * g0 == 0)


def overflows_beyond(v: float) -> tuple[float, float]:
    """The x interval inside which v·x (the gate curve of a unit whose gate grows like x) stays
    below the largest float."""
    return (-INF, _MAX / abs(v)) if abs(v) > 1 else (-INF, INF)


VALUE_DOC = "value input b held fixed along the shown gate curve f(x, b); at 1 the curve is the gate itself"


# --- glu: σ(a)·b ------------------------------------------------------------------------------------


def _mp_sigmoid_gate(a, **_):
    import mpmath as mp

    e = mp.exp(-a)
    return 1 / (1 + e), e / (1 + e) ** 2


_SIGMOID = Properties(monotonic=True, bounded_above=True, bounded_below=True, smoothness="C∞", zero_centred=False)

register(
    gated_unit(
        name="glu",
        gated=Gated(
            gate=(nx.sigmoid, nx.sigmoid_prime, nx.sigmoid_second),
            value=IDENTITY,
            mp_gate=_mp_sigmoid_gate,
            mp_value=_mp_identity,
            gate_pair=sigmoid_pair,
            gate_fast=fast.sigmoid,
            split="contiguous",
            gate_half="second",
            partials_text=(
                "∂f/∂a = σ(a)·(1 - σ(a))·b",
                "∂f/∂b = σ(a)",
                "∂²f/∂a² = σ(a)·(1 - σ(a))·(1 - 2σ(a))·b",
                "∂²f/∂a∂b = σ(a)·(1 - σ(a))",
                "∂²f/∂b² = 0",
            ),
            layouts=(
                Layout("torch.nn.functional.glu, jax.nn.glu, keras.activations.glu", "contiguous", "second",
                       "x1 * sigmoid(x2) with x1, x2 the halves of x along dim / axis"),
                Layout("Dauphin et al. 2017 (gated convolutions)", "separate", "", "(X*W + b) ⊗ σ(X*V + c)"),
                Layout("Shazeer 2020", "separate", "", "σ(xW + b) ⊗ (xV + c)"),
            ),
            used_in="gated convolutional language models (Dauphin et al. 2017); the first of the "
            "GLU variants of Shazeer 2020",
        ),
        value_doc="value input b held fixed along the shown gate curve f(x, b) = b·σ(x) "
        "(torch's a: the first half, which the gate multiplies)",
        value_aliases=("a",),
        formula_tex=r"f(a, b) = \sigma(a)\,b;\;\; \mathrm{glu}(x) = x_1 \odot \sigma(x_2)",
        formula_text="f(a, b) = σ(a)·b; glu(x) = x1 ⊗ σ(x2), x split into halves along the axis, the "
        "second (x2) being the gate input a",
        derivative_tex=r"\frac{\partial f}{\partial a} = \sigma(a)\,(1 - \sigma(a))\,b",
        derivative_text="∂f/∂a = σ(a)·(1 - σ(a))·b; ∂f/∂b = σ(a)",
        output_range=lambda b: scaled(Interval(0.0, 1.0, False, False), b),
        properties=lambda b: scaled_properties(_SIGMOID, b, 0.5),
        reference="Dauphin, Fan, Auli & Grangier 2017, Language Modeling with Gated Convolutional "
        "Networks, arXiv:1612.08083",
        numerics="σ through exp(-|a|) and σ' = e^-|a|/(1+e^-|a|)², as sigmoid; an odd axis size is an "
        "error; ∞·0 (b = ±inf against σ(-inf) = 0) has no limit in two variables and gives NaN",
        frameworks={
            "torch": same("torch.nn.functional.glu", note="dim=-1; the first half is the value b, the "
                          "second the gate input a: glu(x) = x1·σ(x2)"),
            "keras": same("keras.activations.glu", note="axis=-1; x1·σ(x2), as torch"),
            "jax": same("jax.nn.glu", note="axis=-1; x1·σ(x2), as torch"),
        },
        naive=Naive(
            lambda x, b: b * tb.sigmoid(x),
            lambda x, b: b * tb.d_sigmoid(x),
            "b/(1+exp(-x))",
            "b*p*(1-p)",
        ),
        plot_range=(-3.0, 3.0),
        # σ and σ' keep their ULPs; the factor b adds one rounding (test_catalogue_gated.py)
        checks=Checks(samples=({"b": -1.5},), ulps=(4, 8)),
    )
)

# --- reglu: max(a, 0)·b -----------------------------------------------------------------------------


def _relu(a, **_):
    return np.maximum(a, 0.0)


def _d_relu(a, **_):
    # relu'(0) = 0, as PyTorch's threshold_backward; NaN stays NaN
    return np.where(a > 0, 1.0, np.where(np.isnan(a), np.nan, 0.0))


def _mp_relu(a, **_):
    import mpmath as mp

    return (a, mp.mpf(1)) if a > 0 else (mp.mpf(0), mp.mpf(0))


_RELU = Properties(monotonic=True, bounded_above=False, bounded_below=True, smoothness="C0", zero_centred=True)

register(
    gated_unit(
        name="reglu",
        zeros=((-math.inf, 0.0),),  # relu(a) = 0 for every a <= 0
        gated=Gated(
            gate=(_relu, _d_relu, nx.zeros_like),
            value=IDENTITY,
            mp_gate=_mp_relu,
            mp_value=_mp_identity,
            gate_kinks=(0.0,),
            split="contiguous",
            gate_half="first",
            partials_text=(
                "∂f/∂a = 1[a > 0]·b",
                "∂f/∂b = max(a, 0)",
                "∂²f/∂a² = 0",
                "∂²f/∂a∂b = 1[a > 0]",
                "∂²f/∂b² = 0",
            ),
            kink_convention="at a = 0, ∂f/∂a = 0 and ∂²f/∂a∂b = 0: relu'(0) = 0, as PyTorch autograd",
            layouts=(
                Layout("Shazeer 2020 (ReGLU)", "separate", "", "max(0, xW + b) ⊗ (xV + c)"),
                Layout("the fused halves of vLLM's *AndMul kernels", "contiguous", "first",
                       "relu(x[..., :d]) * x[..., d:]"),
            ),
            used_in="Shazeer 2020's T5 feed-forward layers (the best of the variants on some of its "
            "benchmarks)",
        ),
        value_doc=VALUE_DOC,
        formula_tex=r"f(a, b) = \max(a, 0)\,b",
        formula_text="f(a, b) = max(a, 0)·b",
        derivative_tex=r"\frac{\partial f}{\partial a} = "
        + cases(("b", "a > 0"), ("0", r"a \leq 0")),
        derivative_text="∂f/∂a = b if a > 0, else 0; ∂f/∂b = max(a, 0)",
        output_range=lambda b: scaled(Interval(0.0, INF, True, False), b),
        properties=lambda b: scaled_properties(_RELU, b, 0.0),
        reference="Shazeer 2020, GLU Variants Improve Transformer, arXiv:2002.05202",
        kink_convention="f'(0) = 0 along the gate curve: relu'(0) = 0, as PyTorch",
        numerics="exact: max(a, 0) and a product, rounded once",
        plot_range=(-3.0, 3.0),
        checks=Checks(samples=({"b": -1.5}, {"b": 0.0}), finite_within=lambda b: overflows_beyond(b)),
    )
)

# --- geglu: gelu(a)·b -------------------------------------------------------------------------------


def _gelu_gate(a, approximate):
    return gelu_pair(a, approximate)[0]


def _d_gelu_gate(a, approximate):
    return gelu_pair(a, approximate)[1]


#: gelu's minimum, mpmath (findroot of f', 50 digits): at x = -0.7517915 (exact), -0.7524614 (tanh)
_GELU_MIN = {"none": -0.16997120747990366, "tanh": -0.17004075057125405}
_GELU = Properties(monotonic=False, bounded_above=False, bounded_below=True, smoothness="C∞", zero_centred=True)


def _geglu_formulas(approximate):
    if approximate == "tanh":
        return (
            r"f(a, b) = \frac{a}{2}\left(1 + \tanh\left(\sqrt{2/\pi}\,(a + 0.044715\,a^3)\right)\right) b",
            "f(a, b) = ½a(1 + tanh(√(2/π)(a + 0.044715a³)))·b",
            r"\frac{\partial f}{\partial a} = \mathrm{gelu}_{\tanh}'(a)\,b",
            "∂f/∂a = gelu_tanh'(a)·b = (½(1+t) + ½a(1-t²)·√(2/π)(1 + 0.134145a²))·b, "
            "t = tanh(√(2/π)(a + 0.044715a³)); ∂f/∂b = gelu_tanh(a)",
        )
    return (
        r"f(a, b) = a\,\Phi(a)\,b",
        "f(a, b) = a·Φ(a)·b",
        r"\frac{\partial f}{\partial a} = (\Phi(a) + a\,\varphi(a))\,b",
        "∂f/∂a = (Φ(a) + a·φ(a))·b; ∂f/∂b = a·Φ(a)",
    )


register(
    gated_unit(
        name="geglu",
        gated=Gated(
            gate=(_gelu_gate, _d_gelu_gate, d2_gelu),
            value=IDENTITY,
            mp_gate=_mp_gelu,
            mp_value=_mp_identity,
            gate_pair=gelu_pair,
            gate_fast=fast.gelu,
            split="contiguous",
            gate_half="first",
            partials_text=(
                "∂f/∂a = gelu'(a)·b (exact: Φ(a) + a·φ(a))",
                "∂f/∂b = gelu(a)",
                "∂²f/∂a² = gelu''(a)·b (exact: φ(a)·(2 - a²))",
                "∂²f/∂a∂b = gelu'(a)",
                "∂²f/∂b² = 0",
            ),
            layouts=(
                Layout("Shazeer 2020 (GEGLU)", "separate", "", "GELU(xW + b) ⊗ (xV + c)"),
                Layout("Hugging Face T5DenseGatedActDense (T5 v1.1, mT5: feed_forward_proj='gated-gelu', "
                       "which picks gelu_new, the tanh form)", "separate", "", "act(wi_0(x)) * wi_1(x)"),
                Layout("Hugging Face GemmaMLP (hidden_act='gelu_pytorch_tanh', the tanh form)", "separate", "",
                       "down_proj(act_fn(gate_proj(x)) * up_proj(x))"),
                Layout("vLLM GeluAndMul(approximate='none' | 'tanh')", "contiguous", "first",
                       "F.gelu(x[..., :d], approximate=approximate) * x[..., d:]"),
            ),
            used_in="T5 v1.1 and mT5 ('gated-gelu', tanh form), Gemma (tanh form)",
        ),
        params=(GELU_APPROXIMATE,),
        value_doc=VALUE_DOC,
        **param_formulas(
            (
                "f(a, b) = " + cases((r"a\,\Phi(a)\,b", r"\mathrm{none}"),
                                     (r"\frac{a}{2}(1 + \tanh u)\,b", r"\mathrm{tanh}")),
                "f(a, b) = gelu(a)·b: a·Φ(a)·b; tanh: ½a(1 + tanh(√(2/π)(a + 0.044715a³)))·b",
                r"\frac{\partial f}{\partial a} = \mathrm{gelu}'(a)\,b",
                "∂f/∂a = gelu'(a)·b (exact: Φ(a) + a·φ(a)); ∂f/∂b = gelu(a)",
            ),
            lambda approximate, b: _geglu_formulas(approximate),
        ),
        output_range=lambda approximate, b: scaled(Interval(_GELU_MIN[approximate], INF, True, False), b),
        properties=lambda approximate, b: scaled_properties(_GELU, b, 0.0),
        reference="Shazeer 2020, GLU Variants Improve Transformer, arXiv:2002.05202; GELU: Hendrycks & "
        "Gimpel 2016, arXiv:1606.08415",
        numerics="gelu's kernels (Φ(-|a|) = ½erfcx(|a|/√2)·e^(-a²/2) with a² split exactly; the tanh form "
        "with its exponent in double-double), times b",
        gate=True,
        naive=Naive(
            lambda x, approximate, b: b * tb.gelu(x, approximate),
            lambda x, approximate, b: b * tb.d_gelu(x, approximate),
            lambda approximate, b: "b*" + ("0.5*x*(1+tanh(sqrt(2/pi)*(x+0.044715*x**3)))"
                                           if approximate == "tanh" else "0.5*x*(1+erf(x/sqrt(2)))"),
            lambda approximate, b: "b*gelu'(x), textbook",
        ),
        plot_range=(-3.0, 3.0),
        checks=Checks(samples=({"approximate": "tanh"}, {"b": -1.5}), ulps=(4, 8),
                      finite_within=lambda approximate, b: overflows_beyond(b)),
    )
)

# --- swiglu: a·σ(βa)·b ------------------------------------------------------------------------------


def _silu_gate(a, beta):
    return silu_pair(a, beta)[0]


def _d_silu_gate(a, beta):
    return silu_pair(a, beta)[1]


_SILU = Properties(monotonic=False, bounded_above=False, bounded_below=True, smoothness="C∞", zero_centred=True)

register(
    gated_unit(
        name="swiglu",
        gated=Gated(
            gate=(_silu_gate, _d_silu_gate, d2_silu),
            value=IDENTITY,
            mp_gate=_mp_silu,
            mp_value=_mp_identity,
            gate_pair=silu_pair,
            gate_fast=fast.silu,
            split="contiguous",
            gate_half="first",
            partials_text=(
                "∂f/∂a = σ(βa)·(1 + βa·(1 - σ(βa)))·b",
                "∂f/∂b = a·σ(βa)",
                "∂²f/∂a² = β·σ'(βa)·(2 - βa·tanh(βa/2))·b",
                "∂²f/∂a∂b = σ(βa)·(1 + βa·(1 - σ(βa)))",
                "∂²f/∂b² = 0",
            ),
            layouts=(
                Layout("Shazeer 2020 (SwiGLU)", "separate", "", "Swish_β(xW + b) ⊗ (xV + c)"),
                Layout("Hugging Face LlamaMLP (Llama, Mistral, Qwen, …: hidden_act='silu')", "separate", "",
                       "down_proj(act_fn(gate_proj(x)) * up_proj(x))"),
                Layout("vLLM SiluAndMul (the fused gate_up_proj)", "contiguous", "first",
                       "F.silu(x[..., :d]) * x[..., d:]"),
                Layout("vLLM MulAndSilu", "contiguous", "second", "x[..., :d] * F.silu(x[..., d:])"),
            ),
            used_in="PaLM (Chowdhery et al. 2022, arXiv:2204.02311), LLaMA (Touvron et al. 2023, "
            "arXiv:2302.13971) and most decoder LLMs after them",
        ),
        params=(Param("beta", 1.0, "slope of the gate σ(βa); 1 is SiLU", low=0.0, low_inclusive=False, high=1e6),),
        value_doc=VALUE_DOC,
        formula_tex=r"f(a, b) = a\,\sigma(\beta a)\,b = \frac{a\,b}{1 + e^{-\beta a}}",
        formula_text="f(a, b) = silu_β(a)·b = a·σ(βa)·b",
        derivative_tex=r"\frac{\partial f}{\partial a} = \sigma(\beta a)\,(1 + \beta a\,(1 - \sigma(\beta a)))\,b",
        derivative_text="∂f/∂a = σ(βa)·(1 + βa·(1 - σ(βa)))·b; ∂f/∂b = a·σ(βa)",
        output_range=lambda beta, b: scaled(Interval(_SILU_MIN / beta, INF, True, False), b),
        properties=lambda beta, b: scaled_properties(_SILU, b, 0.0),
        reference="Shazeer 2020, GLU Variants Improve Transformer, arXiv:2002.05202; Swish: Ramachandran, "
        "Zoph & Le 2017, arXiv:1710.05941",
        numerics="silu's kernel (σ through exp(-|βa|), βa as an exact product), times b",
        gate=True,
        naive=Naive(
            lambda x, beta, b: b * x * tb.sigmoid(beta * x),
            lambda x, beta, b: b * (tb.sigmoid(beta * x) + beta * x * tb.d_sigmoid(beta * x)),
            "b*x/(1+exp(-beta*x))",
            "b*(p + beta*x*p*(1-p))",
        ),
        plot_range=(-3.0, 3.0),
        checks=Checks(samples=({"beta": 1.702}, {"b": -1.5}), ulps=(4, 8),
                      finite_within=lambda beta, b: overflows_beyond(b)),
    )
)

# --- swiglu_oai: GPT-OSS's clamped swiglu ------------------------------------------------------------
#
# As shipped (openai/gpt-oss gpt_oss/torch/model.py, swiglu; Hugging Face GptOssExperts; vLLM
# SwigluOAIAndMul): x_glu, x_linear = x[..., ::2], x[..., 1::2]; x_glu = x_glu.clamp(min=None,
# max=limit); x_linear = x_linear.clamp(min=-limit, max=limit); out = x_glu·σ(alpha·x_glu)·(x_linear + 1),
# alpha = 1.702, limit = 7. torch's clamp passes the gradient at its bounds (derivatives.yaml), so
# ∂f/∂a at a = limit is the gate's slope there, and ∂f/∂b at b = ±limit is the gate's value.

OAI_ALPHA, OAI_LIMIT = 1.702, 7.0


def _oai_gate(a, alpha, limit):
    return x_sigmoid(np.minimum(a, limit), alpha)[0]


def _oai_d_gate(a, alpha, limit):
    return np.where(a > limit, 0.0, x_sigmoid(np.minimum(a, limit), alpha)[1])


def _oai_gate_pair(a, alpha, limit):
    g, d = x_sigmoid(np.minimum(a, limit), alpha)
    return g, np.where(a > limit, 0.0, d)


def _oai_gate_fast(alpha, limit, **_):
    """The compiled gate: quick_gelu's kernel (silu at β = alpha) on min(a, limit), with g' = 0
    above the limit, as _oai_gate_pair computes it."""
    kernel = fast.silu(alpha)

    def gate(x, f, d):
        kernel(np.minimum(x, limit), f, d)
        d[x > limit] = 0.0

    return gate


def _oai_d2_gate(a, alpha, limit):
    return np.where(a > limit, 0.0, x_sigmoid_second(np.minimum(a, limit), alpha))


def _oai_value(b, alpha, limit):
    return np.clip(b, -limit, limit) + 1.0


def _oai_d_value(b, alpha, limit):
    return np.where(np.abs(b) > limit, 0.0, np.where(np.isnan(b), np.nan, 1.0))


def _mp_oai_gate(a, alpha, limit):
    import mpmath as mp

    if a > limit:
        g, _ = _mp_silu(mp.mpf(limit), alpha)
        return g, mp.mpf(0)
    return _mp_silu(a, alpha)


def _mp_oai_value(b, alpha, limit):
    import mpmath as mp

    lim = mp.mpf(limit)
    return min(max(b, -lim), lim) + 1, (mp.mpf(1) if abs(b) <= lim else mp.mpf(0))


def _oai_v(b, limit) -> float:
    return min(max(float(b), -limit), limit) + 1.0


def _oai_range(alpha, limit, b):
    top = float(x_sigmoid(np.float64(limit), alpha)[0])  # g(limit), the value for every a >= limit
    return scaled(Interval(_SILU_MIN / alpha, top), _oai_v(b, limit))


_OAI_GATE = Properties(monotonic=False, bounded_above=True, bounded_below=True, smoothness="C0", zero_centred=True)

register(
    gated_unit(
        name="swiglu_oai",
        gated=Gated(
            gate=(_oai_gate, _oai_d_gate, _oai_d2_gate),
            value=(_oai_value, _oai_d_value, nx.zeros_like),
            mp_gate=_mp_oai_gate,
            mp_value=_mp_oai_value,
            gate_pair=_oai_gate_pair,
            gate_fast=_oai_gate_fast,
            gate_kinks=lambda alpha, limit: (limit,),
            value_kinks=lambda alpha, limit: (-limit, limit),
            split="interleaved",
            gate_half="first",
            partials_text=(
                "∂f/∂a = g'(a)·1[a ≤ limit]·(c + 1), g(u) = u·σ(alpha·u), c = clip(b, -limit, limit)",
                "∂f/∂b = g(min(a, limit))·1[|b| ≤ limit]",
                "∂²f/∂a² = g''(a)·1[a ≤ limit]·(c + 1), g''(a) = alpha·σ'(alpha·a)·(2 - alpha·a·tanh(alpha·a/2))",
                "∂²f/∂a∂b = g'(a)·1[a ≤ limit]·1[|b| ≤ limit]",
                "∂²f/∂b² = 0",
            ),
            kink_convention="at a = limit ∂f/∂a is g'(limit)·(c + 1), and at b = ±limit ∂f/∂b is "
            "g(min(a, limit)): torch's clamp passes the gradient at its bounds "
            "(tools/autograd/derivatives.yaml); beyond them both are 0",
            layouts=(
                Layout("GPT-OSS reference (openai/gpt-oss gpt_oss/torch/model.py, swiglu)", "interleaved",
                       "first", "x_glu, x_linear = x[..., ::2], x[..., 1::2]; x_glu.clamp(max=limit) * "
                       "sigmoid(alpha * x_glu) * (x_linear.clamp(-limit, limit) + 1)"),
                Layout("Hugging Face GptOssExperts", "interleaved", "first",
                       "gate, up = gate_up[..., ::2], gate_up[..., 1::2]; (up + 1) * glu, glu = gate * "
                       "sigmoid(gate * alpha), both clamped as above"),
                Layout("vLLM SwigluOAIAndMul ('swigluoai_and_mul')", "interleaved", "first",
                       "gate, up = x[..., ::2], x[..., 1::2]; (up + 1) * gate * sigmoid(gate * alpha)"),
            ),
            used_in="the expert MLPs of gpt-oss-20b and gpt-oss-120b (alpha = 1.702, limit = 7)",
        ),
        params=(
            Param("alpha", OAI_ALPHA, "slope of the gate σ(alpha·a); 1.702 makes a·σ(1.702a) close to gelu",
                  low=0.0, low_inclusive=False, high=1e6),
            Param("limit", OAI_LIMIT, "the gate input is clamped above at limit, the value input to ±limit",
                  low=0.0, low_inclusive=False),
        ),
        value_doc="value input b held fixed along the shown gate curve f(x, b); at 0 the value factor "
        "b + 1 is 1 and the curve is the clamped gate itself",
        value_default=0.0,
        formula_tex=r"f(a, b) = u\,\sigma(\alpha u)\,(c + 1),\;\; u = \min(a, L),\; c = \mathrm{clip}(b, -L, L)",
        formula_text="f(a, b) = u·σ(alpha·u)·(c + 1), u = min(a, limit), c = clip(b, -limit, limit)",
        derivative_tex=r"\frac{\partial f}{\partial a} = "
        + cases((r"\sigma(\alpha a)\,(1 + \alpha a\,(1 - \sigma(\alpha a)))\,(c + 1)", r"a \leq L"),
                ("0", "a > L")),
        derivative_text="∂f/∂a = σ(alpha·a)·(1 + alpha·a·(1 - σ(alpha·a)))·(c + 1) for a <= limit, else 0; "
        "∂f/∂b = u·σ(alpha·u) for |b| <= limit, else 0",
        output_range=_oai_range,
        properties=lambda alpha, limit, b: scaled_properties(_OAI_GATE, _oai_v(b, limit), 0.0),
        reference="OpenAI 2025, gpt-oss-120b & gpt-oss-20b Model Card, arXiv:2508.10925; the code: "
        "openai/gpt-oss gpt_oss/torch/model.py (swiglu)",
        kink_convention="f'(limit) = g'(limit)·(c + 1), the slope from the left: torch's clamp passes the "
        "gradient at its bound; 0 beyond",
        numerics="silu's kernel at β = alpha on min(a, limit) (σ through exp(-|αu|), αu an exact product); "
        "clip(b) + 1 is rounded once",
        gate=True,
        naive=Naive(
            lambda x, alpha, limit, b: (
                np.minimum(x, limit) * tb.sigmoid(alpha * np.minimum(x, limit)) * (np.clip(b, -limit, limit) + 1)
            ),
            lambda x, alpha, limit, b: np.where(
                x > limit, 0,
                (tb.sigmoid(alpha * x) + alpha * x * tb.d_sigmoid(alpha * x)) * (np.clip(b, -limit, limit) + 1),
            ),
            "u*sigmoid(alpha*u)*(clip(b)+1), u = min(x, limit), as GPT-OSS writes it",
            "(p + alpha*x*p*(1-p))*(clip(b)+1) for x <= limit",
        ),
        plot_range=lambda alpha, limit, b: (-3.0, math.ceil(limit) + 2.0),
        checks=Checks(samples=({"b": 2.5}, {"limit": 3.0, "b": -5.0}), ulps=(4, 8)),
    )
)
