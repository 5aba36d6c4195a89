"""Activations as engines write them: the float64 arithmetic of each engine's own formula,
operation by operation and constant by constant, for the presets of ``catalogue.engines``.

These are deliberately not the stable forms of the catalogue. ``0.5*x*(1 + tanh(u))`` cancels
in the left tail (1 + tanh(u) is exactly 0 once tanh(u) rounds to -1, below x ≈ -7.19) and
``1 + erf(x/√2)`` likewise (below x ≈ -8.37); rounded constants (0.7978845608 for √(2/π)) and the order of the
operations change the last bits. Reproducing them is the point: it is what runs when a model
names the activation, and comparing the spellings shows how far apart "the same" function is.

Each kernel is written in the order its source writes it (the sources are cited beside it),
evaluated in float64 with the source's constants (a float32 literal as its float32 value). Only
where the written form gives NaN or a warning for finite input, or NaN at ±inf where the function
has a limit, is it guarded: the finite results are the source's own. The derivatives are the
source's backward where it writes one (ATen, Transformer Engine), else the chain rule of its
formula; second derivatives are the derivatives of those.
"""

from __future__ import annotations

import math

import numpy as np

Array = np.ndarray

#: √(2/π) as Python's math.sqrt(2 / math.pi) rounds it; ATen's M_SQRT2 * M_2_SQRTPI * 0.5 and
#: candle's SQRT_TWO_OVER_PI_F64 are the same float64 (0.7978845608028654)
SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
#: Hugging Face's FastGELUActivation and Megatron's fast_gelu write √(2/π) rounded to 10 digits
SQRT_2_OVER_PI_10 = 0.7978845608
#: the cubic coefficient of the tanh approximation (Hendrycks & Gimpel 2016)
KAPPA = 0.044715
#: ATen's M_SQRT1_2 and M_2_SQRTPI * M_SQRT1_2 * 0.5 (the normal density's 1/√(2π)), as doubles
M_SQRT1_2 = 0.7071067811865476
ATEN_PDF_SCALE = 1.1283791670955126 * 0.7071067811865476 * 0.5
#: Transformer Engine's float32 literals (transformer_engine/common/util/math.h), as float32
TE_C1 = float(np.float32(0.79788456))
TE_C2 = float(np.float32(0.03567741))
TE_KAPPA = float(np.float32(0.044715))
TE_C3 = float(np.float32(0.1070322243))
#: ONNX Selu's attribute defaults: the float32 roundings of the SELU paper's α and λ, as the
#: operator's documentation states them (onnx/docs/Operators.md, Selu)
ONNX_SELU_ALPHA = 1.67326319217681884765625
ONNX_SELU_GAMMA = 1.05070102214813232421875
#: MLX's selu: elu(x, 1.67326) * 1.0507 (mlx/nn/layers/activations.py)
MLX_SELU_ALPHA = 1.67326
MLX_SELU_SCALE = 1.0507


def _quiet():
    # x*x*x overflows to ±inf for |x| > 5.6e102, which the written forms go on to use (tanh(±inf)
    # is ±1): the overflow is part of their arithmetic, not a failure
    return np.errstate(over="ignore", invalid="ignore")


# --- GELU, tanh form ---------------------------------------------------------------------------
#
# f = 0.5·x·(1 + tanh(u)) with u one of
#   cubic:    c·(x + κ·(x·x·x))     Hugging Face NewGELUActivation, AccurateGELUActivation and
#                                   GELUTanh(use_gelu_tanh_python=True) (torch.pow(x, 3.0) is
#                                   computed as x·x·x), ATen's GeluKernelImpl (approximate='tanh')
#   factored: x·c·(1 + κ·x·x)       Hugging Face FastGELUActivation (c = 0.7978845608), candle's
#                                   Tensor::gelu (c = √(2/π))
#   pow:      c·(x + κ·x**3)        MLX gelu_approx: x**3 is pow(x, 3), one rounding
# The derivative is ATen's GeluBackwardKernelImpl: 0.5·(1 + t) + (0.5·x)·(1 - t·t)·u', with
# u' = c·(1 + 3κ·x²) (the same for every form: they differ only by rounding).


def _tanh_gelu_u(x: Array, form: str, c: float) -> Array:
    if form == "cubic":
        return c * (x + KAPPA * (x * x * x))
    if form == "factored":
        return x * c * (1.0 + KAPPA * x * x)
    return c * (x + KAPPA * np.power(x, 3.0))


def tanh_gelu(x: Array, form: str, c: float) -> Array:
    with _quiet():
        t = np.tanh(_tanh_gelu_u(x, form, c))
        f = 0.5 * x * (1.0 + t)
    # 0.5·(-inf)·0 is NaN; the limit there is 0 (approached from below)
    return np.where(x == -np.inf, -0.0, f)


def d_tanh_gelu(x: Array, form: str, c: float) -> Array:
    with _quiet():
        t = np.tanh(_tanh_gelu_u(x, form, c))
        left = 0.5 * x
        tanh_derivative = 1.0 - t * t
        inner_derivative = c * (1.0 + 3.0 * KAPPA * (x * x))
        # where 1 - t² is 0 the product is 0 (inf·0 would be NaN beyond |x| ≈ 1.3e154)
        right = np.where(tanh_derivative == 0.0, 0.0, left * tanh_derivative * inner_derivative)
        return 0.5 * (1.0 + t) + right


def d2_tanh_gelu(x: Array, form: str, c: float) -> Array:
    # (1 - t²)·(u' + 0.5·x·(u'' - 2t·u'²)), u'' = 6cκ·x
    with _quiet():
        t = np.tanh(_tanh_gelu_u(x, form, c))
        s = 1.0 - t * t
        u1 = c * (1.0 + 3.0 * KAPPA * (x * x))
        u2 = 6.0 * c * KAPPA * x
        inner = u1 + 0.5 * x * (u2 - 2.0 * t * u1 * u1)
        return np.where(s == 0.0, 0.0, s * inner)


# Transformer Engine (transformer_engine/common/util/math.h), gelu and dgelu, whose backward
# uses another inner argument than its forward: c1·x·(1 + κx²) against x·(c1 + c2x²), with
# c1·κ = 0.0356774079 and c2 = 0.0356774107 (7.7e-8 apart)


def te_gelu(x: Array) -> Array:
    with _quiet():
        f = x * (0.5 + 0.5 * np.tanh(x * (TE_C1 + TE_C2 * x * x)))
    return np.where(x == -np.inf, -0.0, f)


def d_te_gelu(x: Array) -> Array:
    with _quiet():
        t = np.tanh(TE_C1 * x * (1.0 + TE_KAPPA * x * x))
        s = 1.0 - t * t
        w = TE_C1 + TE_C3 * x * x
        right = np.where(s == 0.0, 0.0, 0.5 * x * (s * w))
        return right + 0.5 * (1.0 + t)


def d2_te_gelu(x: Array) -> Array:
    # the derivative of dgelu as written: (1 - t²)·(0.5·(w + q') + x·(c3·x - t·q'·w)), with
    # q = c1·x·(1 + κx²), q' = c1·(1 + 3κx²), w = c1 + c3·x²
    with _quiet():
        t = np.tanh(TE_C1 * x * (1.0 + TE_KAPPA * x * x))
        s = 1.0 - t * t
        q1 = TE_C1 * (1.0 + 3.0 * TE_KAPPA * x * x)
        w = TE_C1 + TE_C3 * x * x
        inner = 0.5 * (w + q1) + x * (TE_C3 * x - t * q1 * w)
        return np.where(s == 0.0, 0.0, s * inner)


# --- GELU, erf form ----------------------------------------------------------------------------
#
#   aten:   x·0.5·(1 + erf(x·M_SQRT1_2))     ATen GeluKernelImpl (approximate='none'): torch's gelu
#   python: x·0.5·(1 + erf(x/√2))            Hugging Face GELUActivation(use_gelu_python=True)
#   mlx:    x·(1 + erf(x/√2))/2              MLX gelu
#   candle: (erf(x/√2) + 1)·0.5·x            candle's Tensor::gelu_erf
# The derivative is ATen's backward, cdf + x·pdf with cdf = 0.5·(1 + erf(x·M_SQRT1_2)) and
# pdf = (M_2_SQRTPI·M_SQRT1_2·0.5)·exp(x·x·(-0.5)).


def _erf(x: Array) -> Array:
    from scipy.special import erf

    return erf(x)


def erf_gelu(x: Array, form: str) -> Array:
    with _quiet():
        if form == "aten":
            f = x * 0.5 * (1.0 + _erf(x * M_SQRT1_2))
        elif form == "python":
            f = x * 0.5 * (1.0 + _erf(x / math.sqrt(2.0)))
        elif form == "mlx":
            f = x * (1.0 + _erf(x / math.sqrt(2.0))) / 2.0
        else:
            f = (_erf(x / math.sqrt(2.0)) + 1.0) * 0.5 * x
    return np.where(x == -np.inf, -0.0, f)


def d_erf_gelu(x: Array, form: str) -> Array:
    with _quiet():
        cdf = 0.5 * (1.0 + _erf(x * M_SQRT1_2))
        pdf = ATEN_PDF_SCALE * np.exp(x * x * -0.5)
        # x·pdf is 0 where pdf underflows (inf·0 at ±inf)
        return cdf + np.where(pdf == 0.0, 0.0, x * pdf)


def d2_erf_gelu(x: Array, form: str) -> Array:
    # pdf·(2 - x²)
    with _quiet():
        pdf = ATEN_PDF_SCALE * np.exp(x * x * -0.5)
        return np.where(pdf == 0.0, 0.0, pdf * (2.0 - x * x))


# --- SELU with rounded constants ---------------------------------------------------------------
#
# ONNX Selu's function body: Where(X < 0, Gamma·(Alpha·Exp(X) - Alpha), Gamma·X), so f'(0) = γ
# (the x >= 0 branch). MLX: elu(x, 1.67326)·1.0507 with elu = where(x > 0, x, α·(exp(x) - 1)),
# so f'(0) = α·1.0507 (the x <= 0 branch). Both write exp(x) - 1, not expm1: near 0 the left
# branch keeps its absolute accuracy only.


def onnx_selu(x: Array) -> Array:
    e = np.exp(np.minimum(x, 0.0))  # the unused branch must not overflow for large x
    with np.errstate(over="ignore"):  # γx leaves the float range only above max/γ, as the truth does
        pos = ONNX_SELU_GAMMA * x
    return np.where(x < 0, ONNX_SELU_GAMMA * (ONNX_SELU_ALPHA * e - ONNX_SELU_ALPHA), pos)


def d_onnx_selu(x: Array) -> Array:
    e = np.exp(np.minimum(x, 0.0))
    return np.where(x < 0, ONNX_SELU_GAMMA * (ONNX_SELU_ALPHA * e), ONNX_SELU_GAMMA)


def d2_onnx_selu(x: Array) -> Array:
    e = np.exp(np.minimum(x, 0.0))
    return np.where(x < 0, ONNX_SELU_GAMMA * (ONNX_SELU_ALPHA * e), 0.0)


def mlx_selu(x: Array) -> Array:
    e = np.exp(np.minimum(x, 0.0))
    with np.errstate(over="ignore"):  # scale·x leaves the float range only above max/scale
        return np.where(x > 0, x, MLX_SELU_ALPHA * (e - 1.0)) * MLX_SELU_SCALE


def d_mlx_selu(x: Array) -> Array:
    e = np.exp(np.minimum(x, 0.0))
    return np.where(x > 0, 1.0, MLX_SELU_ALPHA * e) * MLX_SELU_SCALE


def d2_mlx_selu(x: Array) -> Array:
    e = np.exp(np.minimum(x, 0.0))
    return np.where(x > 0, 0.0, MLX_SELU_ALPHA * e) * MLX_SELU_SCALE
