"""The names model configs and engines use for activations, and what each means: one table.

Each row is one engine's name (``hidden_act = "gelu_new"`` in a Hugging Face config, Transformer
Engine's ``activation="srelu"``, ONNX's ``HardSigmoid``) and the catalogue record it means, at
which parameters. A spec names a row as ``name@engine`` (``gelu_new@hf``, ``gelu@te``,
``hard_sigmoid@onnx``: the record's own name finds the engine's one name for it), and a name
the catalogue lacks needs no ``@``: ``gelu_new`` is Hugging Face's, as a config writes it.

Where an engine computes the function with its own formula, the row carries that formula's
float64 arithmetic (numerics.engines), so that ``compare`` and ``info`` show how far the spellings
of "the same" function are apart: the five tanh GELUs of Hugging Face, Transformer Engine's
float32 constants, ONNX's float32 SELU constants. Where it calls a framework function whose
float64 result the catalogue's definition matches to a few ULP (relu, silu, mish), the row is
that definition, as the framework's preset where it names one (``like``).

Sources, read in the stored copies of the repositories:

- Hugging Face transformers, ``src/transformers/activations.py`` (ACT2CLS, the hidden_act
  names); torch's kernels for the names that call torch: pytorch/pytorch
  ``aten/src/ATen/native/cpu/Activation.cpp`` (GeluKernelImpl, GeluBackwardKernelImpl)
- NVIDIA/TransformerEngine ``transformer_engine/common/util/math.h`` and
  ``transformer_engine/common/activation/gelu.cu``
- huggingface/candle ``candle-core/src/op.rs`` (Tensor::gelu, gelu_erf) and
  ``candle-nn/src/activation.rs`` (the config names candle reads)
- ONNX's operator documentation (onnx/docs/Operators.md: HardSigmoid, Selu, Gelu, ThresholdedRelu, …)
- ml-explore/mlx ``python/mlx/nn/layers/activations.py``
- MindSpore's API documentation (mindspore.nn.GELU, mindspore.ops.fast_gelu)

Adding a name is one line below once its record exists (``_hf("relu2", "squared_relu", …)``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..core.records import Checks, EngineName, Interval, Variant
from ..core.store import find, register_engine_name
from ..numerics import engines as ne
from ._common import INF, cases

#: The engines, as specs name them, with their titles.
ENGINES = {
    "hf": "Hugging Face transformers",
    "te": "Transformer Engine",
    "candle": "candle",
    "onnx": "ONNX",
    "mlx": "MLX",
    "mindspore": "MindSpore",
    "vllm": "vLLM",
}
#: Other spellings accepted after '@'.
ENGINE_ALIASES = {"transformers": "hf", "huggingface": "hf", "transformer_engine": "te", "ms": "mindspore"}
#: The engine whose names a bare spec may use even where another engine has the same name:
#: model configs are written in Hugging Face's names.
CONFIG_ENGINE = "hf"


@dataclasses.dataclass(frozen=True)
class Written:
    """An engine's own formula: its float64 functions (f, f', f'') and how to show them."""

    functions: tuple[Callable[..., np.ndarray], ...]
    # (formula_tex, formula_text, derivative_tex, derivative_text)
    formulas: tuple[str, str, str, str]
    # where it differs from the record's at these parameters
    output_range: Interval | None = None
    kinks: Callable[..., tuple[float, ...]] | None = None
    kink_derivative: Mapping[float, float] | None = None
    # what the tests hold it to: where it stays finite, and the terms it cancels
    checks: Checks = Checks()
    # the formula in mpmath, with the engine's constants: (f, f') at x, what a float64 accuracy
    # audit measures the written arithmetic against
    mp_reference: Callable[..., tuple[Any, Any]] | None = None


def _row(engine: str, name: str, target: str, source: str, *, params: Mapping[str, Any] | None = None,
         fixed: tuple[str, ...] = (), like: str | None = None, written: Written | None = None,
         note: str = "") -> EngineName:
    """One name: ``engine`` calls ``target`` (at ``params``, with ``fixed`` ones not to be changed)
    ``name``; ``source`` is the API it is (shown by info), ``like`` the framework preset whose
    conventions it shares, ``written`` its own arithmetic."""
    record = find(target)
    base = record.frameworks.get(like) if like else None
    fields: dict[str, Any] = {"name": source, "note": note}
    if base is not None:
        fields |= {"kink_derivative": base.kink_derivative,
                   "kink_second_derivative": base.kink_second_derivative,
                   "functions": base.functions, "formulas": base.formulas, "kinks": base.kinks,
                   "properties": base.properties, "output_range": base.output_range, "zeros": base.zeros}
        fixed = tuple(dict.fromkeys((*base.fixed, *fixed)))
        params = {**base.defaults, **(params or {})}
    if written is not None:
        fields |= {"functions": written.functions, "formulas": written.formulas,
                   "mp_reference": written.mp_reference}
        if written.output_range is not None:
            fields["output_range"] = written.output_range
        if written.kinks is not None:
            fields["kinks"] = written.kinks
        if written.kink_derivative is not None:
            fields["kink_derivative"] = written.kink_derivative
    variant = Variant(defaults=dict(params or {}), fixed=tuple(fixed), **fields)
    checks = written.checks if written is not None else record.checks
    return register_engine_name(EngineName(engine=engine, name=name, target=target, variant=variant,
                                           checks=checks))


# --- the written GELUs -------------------------------------------------------------------------


def _mp_tanh_gelu(c):
    """The tanh GELU with the constant c (an mpmath number or its decimal text), as mpmath (f, f'):
    ½x(1 + tanh u) = x·σ(2u), u = c(x + 0.044715x³), without 1 + tanh u losing digits."""

    def reference(x, approximate="tanh"):
        import mpmath as mp

        cc, kappa = mp.mpf(c) if isinstance(c, str) else c(), mp.mpf("0.044715")
        u = cc * (x + kappa * x**3)
        s, s_neg = 1 / (1 + mp.exp(-2 * u)), 1 / (1 + mp.exp(2 * u))
        return x * s, s + x * s * s_neg * 2 * cc * (1 + 3 * kappa * x * x)

    return reference


def _sqrt_2_over_pi():
    import mpmath as mp

    return mp.sqrt(2 / mp.pi)


def _tanh_written(form: str, c: float, tex_u: str, text_u: str, lowest: float | None = None,
                  exact_c: Any = _sqrt_2_over_pi) -> Written:
    def f(x, approximate="tanh"):
        return ne.tanh_gelu(x, form, c)

    def d(x, approximate="tanh"):
        return ne.d_tanh_gelu(x, form, c)

    def d2(x, approximate="tanh"):
        return ne.d2_tanh_gelu(x, form, c)

    formulas = (
        rf"f(x) = 0.5\,x\,(1 + \tanh(u)),\;\; u = {tex_u}",
        f"f(x) = 0.5·x·(1 + tanh(u)), u = {text_u}, in float64 as written",
        r"f'(x) = \frac{1 + t}{2} + \frac{x}{2}(1 - t^2)\,u',\;\; t = \tanh(u)",
        "f'(x) = 0.5·(1 + t) + 0.5·x·(1 - t·t)·u', t = tanh(u)",
    )
    rng = None if lowest is None else Interval(lowest, INF, True, False)
    return Written((f, d, d2), formulas, output_range=rng, checks=Checks(cancels=_half_x),
                   mp_reference=_mp_tanh_gelu(exact_c))


def _mp_erf_gelu(x, approximate="none"):
    import mpmath as mp

    return x * mp.ncdf(x), mp.ncdf(x) + x * mp.npdf(x)


def _half_x(x, order=0):
    # 0.5·x·(1 + tanh u) and x·0.5·(1 + erf z) subtract terms of the size of 0.5·x; their f'
    # (0.5·(1 + t) + 0.5·x·(1 - t²)·u') terms of the size of 1 and of 0.5·x·u'
    x = np.abs(np.asarray(x, dtype=np.float64))
    if order == 0:
        return 0.5 * x
    with np.errstate(over="ignore"):
        return np.maximum(1.0, 0.5 * x * ne.SQRT_2_OVER_PI * (1.0 + 3.0 * ne.KAPPA * x * x))


def _erf_written(form: str, tex: str, text: str, finite_within=None) -> Written:
    def f(x, approximate="none"):
        return ne.erf_gelu(x, form)

    def d(x, approximate="none"):
        return ne.d_erf_gelu(x, form)

    def d2(x, approximate="none"):
        return ne.d2_erf_gelu(x, form)

    formulas = (f"f(x) = {tex}", f"f(x) = {text}, in float64 as written",
                r"f'(x) = \frac{1}{2}(1 + \mathrm{erf}(x/\sqrt{2})) + x\,\varphi(x)",
                "f'(x) = 0.5·(1 + erf(x·√½)) + x·φ(x), as ATen's backward")
    return Written((f, d, d2), formulas, checks=Checks(cancels=_half_x, finite_within=finite_within),
                   mp_reference=_mp_erf_gelu)


#: the minima of the forms whose constants move them, mpmath (findroot of f', 50 digits):
#: at x = -0.7524614220734 with c = 0.7978845608, and at x = -0.7524614012786 with Transformer
#: Engine's float32 constants; every other tanh form has the tanh GELU's -0.17004075057125405
GELU_FAST_MIN = -0.17004075057183596
TE_GELU_MIN = -0.17004074579765904

_CUBIC = (r"\sqrt{2/\pi}\,(x + 0.044715\,x\,x\,x)", "√(2/π)·(x + 0.044715·(x·x·x))")
ATEN_TANH = _tanh_written("cubic", ne.SQRT_2_OVER_PI, *_CUBIC)
ATEN_ERF = _erf_written("aten", r"x \cdot 0.5\,(1 + \mathrm{erf}(x\,\sqrt{1/2}))", "x·0.5·(1 + erf(x·M_SQRT1_2))")
HF_FAST = _tanh_written("factored", ne.SQRT_2_OVER_PI_10, r"x \cdot 0.7978845608\,(1 + 0.044715\,x\,x)",
                        "x·0.7978845608·(1 + 0.044715·x·x)", lowest=GELU_FAST_MIN, exact_c="0.7978845608")
HF_PYTHON = _erf_written("python", r"x \cdot 0.5\,(1 + \mathrm{erf}(x/\sqrt{2}))", "x·0.5·(1 + erf(x/√2))")
CANDLE_TANH = _tanh_written("factored", ne.SQRT_2_OVER_PI, r"\sqrt{2/\pi}\,x\,(1 + 0.044715\,x\,x)",
                            "√(2/π)·x·(1 + 0.044715·x·x)")
CANDLE_ERF = _erf_written("candle", r"(\mathrm{erf}(x/\sqrt{2}) + 1) \cdot 0.5\,x", "(erf(x/√2) + 1)·0.5·x")
MLX_TANH = _tanh_written("pow", ne.SQRT_2_OVER_PI, r"\sqrt{2/\pi}\,(x + 0.044715\,x^3)",
                         "√(2/π)·(x + 0.044715·x**3), x**3 as pow(x, 3)")
# x·(1 + erf) overflows before the halving once x >= 2^1023, as it does in MLX
MLX_ERF = _erf_written("mlx", r"x\,(1 + \mathrm{erf}(x/\sqrt{2}))/2", "x·(1 + erf(x/√2))/2",
                       finite_within=(-INF, 2.0**1023))
def _mp_te_gelu(x):
    """Transformer Engine's gelu and dgelu with its float32 constants, as mpmath (f, f')."""
    import mpmath as mp

    c1, c2, kappa, c3 = (mp.mpf(v) for v in (ne.TE_C1, ne.TE_C2, ne.TE_KAPPA, ne.TE_C3))
    f = x / (1 + mp.exp(-2 * x * (c1 + c2 * x * x)))  # x·(½ + ½·tanh v) = x·σ(2v)
    t = mp.tanh(c1 * x * (1 + kappa * x * x))
    return f, x / 2 * (1 - t * t) * (c1 + c3 * x * x) + (1 + t) / 2


TE_GELU = Written(
    (lambda x, approximate="tanh": ne.te_gelu(x), lambda x, approximate="tanh": ne.d_te_gelu(x),
     lambda x, approximate="tanh": ne.d2_te_gelu(x)),
    (r"f(x) = x\,(0.5 + 0.5\,\tanh(x\,(0.79788456 + 0.03567741\,x\,x)))",
     "f(x) = x·(0.5 + 0.5·tanh(x·(0.79788456 + 0.03567741·x·x))), float32 constants, in float64",
     r"f'(x) = \frac{x}{2}(1 - t^2)(0.79788456 + 0.1070322243\,x^2) + \frac{1 + t}{2},\;\; "
     r"t = \tanh(0.79788456\,x\,(1 + 0.044715\,x^2))",
     "f'(x) = 0.5·x·(1 - t·t)·(0.79788456 + 0.1070322243·x·x) + 0.5·(1 + t), "
     "t = tanh(0.79788456·x·(1 + 0.044715·x·x)) (dgelu as written)"),
    output_range=Interval(TE_GELU_MIN, INF, True, False),
    checks=Checks(cancels=_half_x),
    mp_reference=lambda x, approximate="tanh": _mp_te_gelu(x),
)


def _mp_selu(alpha: float, scale: float):
    def reference(x):
        import mpmath as mp

        a, lam = mp.mpf(alpha), mp.mpf(scale)
        if x > 0:
            return lam * x, lam
        return lam * a * mp.expm1(x), lam * a * mp.exp(x)

    return reference


def _selu_written(f, d, d2, alpha: float, scale: float, at_zero: float, tex: str, text: str) -> Written:
    return Written(
        (lambda x: f(x), lambda x: d(x), lambda x: d2(x)),
        (f"f(x) = {tex}", f"f(x) = {text}",
         "f'(x) = " + cases((r"\lambda", "x > 0"), (r"\lambda \alpha\,e^{x}", "x < 0")),
         "f'(x) = λ if x > 0, λα·exp(x) if x < 0"),
        # the lower limit λ·(0 - α): the product of two float32 values is exact in float64
        output_range=Interval(-(scale * alpha), INF, False, False),
        kink_derivative={0.0: at_zero},
        # α·exp(x) - α (and exp(x) - 1) subtract terms of the size of λα next to 0
        checks=Checks(cancels=lambda x, order=0: np.full(np.shape(x), scale * alpha)),
        mp_reference=_mp_selu(alpha, scale),
    )


ONNX_SELU = _selu_written(
    ne.onnx_selu, ne.d_onnx_selu, ne.d2_onnx_selu, ne.ONNX_SELU_ALPHA, ne.ONNX_SELU_GAMMA, ne.ONNX_SELU_GAMMA,
    "where(x < 0,\\ \\gamma\\,(\\alpha\\,e^{x} - \\alpha),\\ \\gamma\\,x)",
    "where(x < 0, γ·(α·exp(x) - α), γ·x), α = 1.67326319217681884765625, γ = 1.05070102214813232421875 "
    "(float32), in float64 as written")
MLX_SELU = _selu_written(
    ne.mlx_selu, ne.d_mlx_selu, ne.d2_mlx_selu, ne.MLX_SELU_ALPHA, ne.MLX_SELU_SCALE,
    ne.MLX_SELU_ALPHA * ne.MLX_SELU_SCALE,
    "where(x > 0,\\ x,\\ 1.67326\\,(e^{x} - 1)) \\cdot 1.0507",
    "where(x > 0, x, 1.67326·(exp(x) - 1))·1.0507, in float64 as written")

_ATEN = "as ATen's float64 CPU kernel writes it"
_CANCELS = "1 + tanh(u) cancels in the left tail, where the catalogue's form keeps its relative accuracy"
_CANCELS_ERF = "1 + erf cancels in the left tail, where the catalogue's gelu keeps its relative accuracy"

# --- Hugging Face: ACT2CLS, the names hidden_act / hidden_activation / activation_function take --


def _hf(name, target, api, **kw):
    return _row("hf", name, target, f"transformers.activations: {api}", **kw)


_EXACT, _TANH = {"approximate": "none"}, {"approximate": "tanh"}
_hf("gelu", "gelu", "GELUActivation (torch.nn.functional.gelu)", params=_EXACT, fixed=("approximate",),
    written=ATEN_ERF, note=f"torch's gelu {_ATEN}: x·0.5·(1 + erf(x·M_SQRT1_2)); {_CANCELS_ERF}")
_hf("gelu_fast", "gelu", "FastGELUActivation", params=_TANH, fixed=("approximate",), written=HF_FAST,
    note="the tanh form with √(2/π) rounded to 0.7978845608 and u grouped as x·c·(1 + 0.044715·x·x); "
    + _CANCELS)
_hf("gelu_new", "gelu", "NewGELUActivation", params=_TANH, fixed=("approximate",), written=ATEN_TANH,
    note="0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·torch.pow(x, 3.0)))): torch computes pow(x, 3) as x·x·x, "
    f"so this is ATen's tanh kernel's arithmetic exactly; {_CANCELS}")
_hf("gelu_python", "gelu", "GELUActivation(use_gelu_python=True)", params=_EXACT, fixed=("approximate",),
    written=HF_PYTHON, note=f"x·0.5·(1 + erf(x/√2)) in Python, as written; {_CANCELS_ERF}")
_hf("gelu_pytorch_tanh", "gelu", "GELUTanh (torch.nn.functional.gelu(approximate='tanh'))", params=_TANH,
    fixed=("approximate",), written=ATEN_TANH,
    note=f"torch's tanh gelu {_ATEN}: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x·x·x))), the same float64 "
    f"operations as gelu_new (torch's results for the two differ in the last bits only); {_CANCELS}")
_hf("gelu_python_tanh", "gelu", "GELUTanh(use_gelu_tanh_python=True)", params=_TANH, fixed=("approximate",),
    written=ATEN_TANH, note=f"gelu_new's formula, as x·0.5·(…): the same float64 result; {_CANCELS}")
_hf("gelu_accurate", "gelu", "AccurateGELUActivation", params=_TANH, fixed=("approximate",), written=ATEN_TANH,
    note="gelu_new's formula with √(2/π) computed once and torch.pow(x, 3) (an int exponent): the same "
    f"float64 result; {_CANCELS}")
_hf("hardswish", "hard_swish", "torch.nn.Hardswish", like="torch")
_hf("leaky_relu", "leaky_relu", "torch.nn.LeakyReLU (negative_slope 0.01)", like="torch")
_hf("linear", "identity", "LinearActivation")
_hf("mish", "mish", "MishActivation (torch.nn.functional.mish)", like="torch")
_hf("quick_gelu", "quick_gelu", "QuickGELUActivation: x·σ(1.702x)")
_hf("relu", "relu", "torch.nn.ReLU", like="torch")
_hf("relu2", "squared_relu", "ReLUSquaredActivation: relu(x)²")
_hf("relu6", "relu6", "torch.nn.ReLU6", like="torch")
_hf("sigmoid", "sigmoid", "torch.nn.Sigmoid", like="torch")
_hf("silu", "silu", "SiLUActivation (torch.nn.functional.silu)", like="torch")
_hf("swish", "silu", "torch.nn.SiLU", like="torch")
_hf("tanh", "tanh", "torch.nn.Tanh", like="torch")
_hf("prelu", "prelu", "torch.nn.PReLU (one slope, 0.25 at the start)", like="torch")
_hf("gelu_10", "clipped_gelu", "ClippedGELUActivation(-10, 10): clip(gelu(x), -10, 10)",
    params={"min": -10.0, "max": 10.0}, fixed=("min", "max"))
_hf("xielu", "xielu", "XIELUActivation (its Python path; the xielu package's CUDA kernel where installed)",
    note="alpha_p, alpha_n are learned (softplus-parameterised, initialised at 0.8), beta = 0.5 and "
    "eps = -1e-6 fixed; the module keeps them in bfloat16 by default, so a fresh one computes with "
    "αp = 0.8046875, αn = 0.80078125, ε ≈ -9.98e-7: give those as parameters to see it")
_hf("laplace", "laplace", "LaplaceActivation (MEGA): 0.5·(1 + erf((x - μ)/(σ√2))), μ = 0.707107, σ = 0.282095")

# --- Transformer Engine: te.pytorch.LayerNormMLP(activation=...) ---------------------------------


def _te(name, target, api, **kw):
    return _row("te", name, target, f"transformer_engine: activation='{name}' ({api})", **kw)


_te("gelu", "gelu", "nvte_gelu", params=_TANH, fixed=("approximate",), written=TE_GELU,
    note="the tanh form with float32 constants, and a backward (dgelu) whose tanh argument is "
    "0.79788456·x·(1 + 0.044715·x²) rather than the forward's; computed in float32 (here: its "
    "arithmetic in float64)")
_te("qgelu", "quick_gelu", "nvte_qgelu: x·σ(1.702x)")
_te("relu", "relu", "nvte_relu")
_te("srelu", "squared_relu", "nvte_srelu: x·x for x > 0, else 0")
_te("silu", "silu", "nvte_silu")
# the gated ones split the input in halves and gate the first (the te.ops docstrings warn that
# this is the opposite of torch's glu), as the catalogue's geglu, reglu and swiglu do
_te("geglu", "geglu", "nvte_geglu: gelu(a)·b, a the first half", params=_TANH, fixed=("approximate",),
    note="TE's gelu of the first half times the second: the tanh form, which TE computes with float32 "
    "constants (gelu@te); the gate here is the catalogue's tanh form")
_te("reglu", "reglu", "nvte_reglu: relu(a)·b, a the first half")
_te("swiglu", "swiglu", "nvte_swiglu: silu(a)·b, a the first half")

# --- candle: the Tensor ops (candle-nn reads a config's names into these) ----------------------


def _candle(name, target, api, **kw):
    return _row("candle", name, target, f"candle_core::Tensor::{api}", **kw)


_candle("gelu", "gelu", "gelu", params=_TANH, fixed=("approximate",), written=CANDLE_TANH,
        note="the tanh form, 0.5·x·(1 + tanh(√(2/π)·x·(1 + 0.044715·x·x))); candle_nn::Activation reads "
        "a config's \"gelu\" as gelu_erf and \"gelu_new\" or \"gelu_pytorch_tanh\" as this; " + _CANCELS)
_candle("gelu_erf", "gelu", "gelu_erf", params=_EXACT, fixed=("approximate",), written=CANDLE_ERF,
        note=f"(erf(x/√2) + 1)·0.5·x in float64, as written; {_CANCELS_ERF}")
_candle("silu", "silu", "silu")
_candle("relu", "relu", "relu")

# --- ONNX operators ----------------------------------------------------------------------------


def _onnx(name, target, **kw):
    return _row("onnx", name, target, f"ai.onnx {name}", **kw)


_onnx("Gelu", "gelu", note="attribute approximate: 'none' (the default) or 'tanh' (opset 20)")
_onnx("HardSigmoid", "hard_sigmoid", like="keras2",
      note="max(0, min(1, alpha·x + beta)) with alpha = 0.2, beta = 0.5: Keras 2's hard sigmoid, not "
      "torch's x/6 + 1/2; alpha is a float32 attribute, so a float64 graph multiplies by float32(0.2) "
      "= 0.20000000298 (the preset keeps 0.2); ONNX defines no gradient, f'(±2.5) is Keras 2's")
_onnx("Selu", "selu", written=ONNX_SELU,
      note="the float32 roundings of α and λ as the operator's defaults (λα = 1.7580993463 against "
      "1.7580993408), α·exp(x) - α rather than expm1, and f'(0) = γ from Where(x < 0, …)")
_onnx("LeakyRelu", "leaky_relu", note="alpha = 0.01 by default")
_onnx("ThresholdedRelu", "threshold", params={"threshold": 1.0, "value": 0.0}, fixed=("value",),
      note="x for x > alpha, else 0; alpha = 1.0 by default")
_onnx("HardSwish", "hard_swish", note="x·max(0, min(1, x/6 + 1/2))")
_onnx("Elu", "elu", note="alpha = 1.0 by default")
_onnx("Celu", "celu", note="alpha = 1.0 by default")

# --- MLX: mlx.nn ---------------------------------------------------------------------------------


def _mlx(name, target, **kw):
    return _row("mlx", name, target, f"mlx.nn.{name}", **kw)


_mlx("gelu", "gelu", params=_EXACT, fixed=("approximate",), written=MLX_ERF,
     note=f"x·(1 + erf(x/√2))/2 as written; {_CANCELS_ERF}")
_mlx("gelu_approx", "gelu", params=_TANH, fixed=("approximate",), written=MLX_TANH,
     note="the tanh form, with x**3 (pow) where torch has x·x·x; earlier MLX releases computed "
     "x·σ(1.60033·x·(1 + 0.0433603·x²)) under this name; " + _CANCELS)
_mlx("gelu_fast_approx", "quick_gelu", note="x·σ(1.702x) (the GELU class docstring of some releases says 1.773)")
_mlx("selu", "selu", written=MLX_SELU,
     note="elu(x, 1.67326)·1.0507: α and λ rounded to 6 and 5 digits, and exp(x) - 1 rather than expm1")
_mlx("silu", "silu")

# --- vLLM: the fused activations of vllm.model_executor.layers.activation -------------------


def _vllm(name, target, api, **kw):
    return _row("vllm", name, target, f"vllm.model_executor.layers.activation.{api}", **kw)


_vllm("silu_and_mul", "swiglu", "SiluAndMul: silu(x[..., :d])·x[..., d:]")
_vllm("gelu_and_mul", "geglu", "GeluAndMul(approximate='none'): gelu(x[..., :d])·x[..., d:]",
      params=_EXACT, fixed=("approximate",))
_vllm("gelu_tanh_and_mul", "geglu", "GeluAndMul(approximate='tanh')", params=_TANH, fixed=("approximate",))
_vllm("swigluoai_and_mul", "swiglu_oai", "SwigluOAIAndMul: GPT-OSS's clamped SWiGLU on interleaved halves",
      note="x[..., ::2] is the gate, x[..., 1::2] the value, alpha = 1.702, limit = 7")
_vllm("quick_gelu", "quick_gelu", "QuickGELU: x·σ(1.702x)")
_vllm("relu2", "squared_relu", "ReLUSquaredActivation: relu(x)²")

# --- MindSpore -----------------------------------------------------------------------------------

_row("mindspore", "gelu", "gelu", "mindspore.nn.GELU", params=_TANH,
     note="approximate=True (tanh) by default, while mindspore.ops.gelu and mint.nn.functional.gelu "
     "default to 'none'; its documentation says the CPU backend computes the tanh form even for "
     "approximate=False")
_row("mindspore", "fast_gelu", "quick_gelu", "mindspore.ops.fast_gelu",
     note="x/(1 + exp(-1.702|x|))·exp(0.851(x - |x|)) = x·σ(1.702x)")
