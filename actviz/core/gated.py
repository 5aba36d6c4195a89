"""Gated units f(a, b) = g(a)·v(b): two inputs, and the one array they are split from.

The gate input a goes through the nonlinearity g; the value input b through v, the identity
(glu, reglu, geglu, swiglu) or clip(b, -limit, limit) + 1 (GPT-OSS). Called on one array, the
array is split in two along an axis:

- ``split="contiguous"``: x[..., :n/2] and x[..., n/2:] (torch.nn.functional.glu, vLLM's
  SiluAndMul); ``"interleaved"``: x[..., ::2] and x[..., 1::2] (GPT-OSS);
- ``gate="first"`` or ``"second"``: which of the two is the gate input a. torch's glu gates
  the second half, glu(x) = x1·σ(x2); vLLM's SiluAndMul the first, silu(x1)·x2.

:func:`gated_unit` builds the record. Its scalar face (forward, derivatives, mpmath
reference, kinks) is the gate curve f(x, b) at the parameter ``b``: what plots, tables and
the statistics along a line show, ∂f/∂a being its derivative. Its vector face splits one
array by the record's layout. The bound activation (:class:`actviz.core.bound.GatedActivation`)
evaluates f and its partials on two arrays through :func:`evaluate`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..errors import UsageError
from ..numerics import fast
from ..numerics.softmax import along_last
from .records import Activation, Gated, Param
from .records import resolve as _resolve

Array = np.ndarray

SPLITS = ("contiguous", "interleaved")
GATE_HALVES = ("first", "second")
#: The parameter of every gated record: the value input held fixed along the gate curve.
VALUE = "b"
#: (order of g, order of v) of f and each partial, by name.
PARTIALS = {"f": (0, 0), "a": (1, 0), "b": (0, 1), "aa": (2, 0), "ab": (1, 1), "bb": (0, 2)}


def factor_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters the two factors take: all but the value held along the gate curve."""
    return {k: v for k, v in params.items() if k != VALUE}


def value_at(gated: Gated, params: Mapping[str, Any]) -> float:
    """v(b) at the parameter b: the factor the gate curve is scaled by."""
    q = factor_params(params)
    return float(gated.value[0](np.float64(params[VALUE]), **q))


def gate_kinks(gated: Gated, params: Mapping[str, Any]) -> tuple[float, ...]:
    return tuple(sorted(float(k) for k in _resolve(gated.gate_kinks, factor_params(params))))


def value_kinks(gated: Gated, params: Mapping[str, Any]) -> tuple[float, ...]:
    return tuple(sorted(float(k) for k in _resolve(gated.value_kinks, factor_params(params))))


# -- one array, split in two ----------------------------------------------------------------------


def check_layout(gated: Gated, split: str | None, gate: str | None) -> tuple[str, str]:
    """``split`` and ``gate`` checked, each defaulting to the record's layout."""
    split = gated.split if split is None else split
    gate = gated.gate_half if gate is None else gate
    if split not in SPLITS:
        raise UsageError(f"split must be one of {', '.join(SPLITS)}, not {split!r}")
    if gate not in GATE_HALVES:
        raise UsageError(f"gate must be one of {', '.join(GATE_HALVES)} (which half is the gate input a), "
                         f"not {gate!r}")
    return split, gate


def layout_text(split: str, gate: str) -> str:
    """Where a and b come from, as indexing: 'a = x[..., :n/2], b = x[..., n/2:]'."""
    if split == "separate":
        return "a and b from two projections of the layer's input"
    halves = ("x[..., :n/2]", "x[..., n/2:]") if split == "contiguous" else ("x[..., ::2]", "x[..., 1::2]")
    a, b = halves if gate == "first" else halves[::-1]
    return f"a = {a}, b = {b}"


def columns(half: int, split: str, gate: str) -> tuple[Array, Array]:
    """The positions along the split axis of a_i and b_i, for halves of ``half`` entries."""
    i = np.arange(half)
    first, second = (i, half + i) if split == "contiguous" else (2 * i, 2 * i + 1)
    return (first, second) if gate == "first" else (second, first)


def halves(z: Any, axis: int, split: str, gate: str, name: str) -> tuple[Array, Array, int]:
    """(a, b, axis): the gate and value inputs taken from ``z`` along ``axis`` (moved last),
    as float64, and the axis as a non-negative index."""
    zt, ax = along_last(z, axis, name)
    n = zt.shape[-1]
    if n % 2:
        raise UsageError(f"{name} splits its axis into two halves, so the axis size must be even, not {n}")
    ia, ib = columns(n // 2, split, gate)
    return zt[..., ia], zt[..., ib], ax


# -- the gate -----------------------------------------------------------------------------------


def _gate_kernel(gated: Gated, q: Mapping[str, Any], size: int):
    """The compiled (g, g') kernel at the factors' parameters ``q`` for ``size`` elements, or
    None (not installed, turned off, a small array, or no kernel for these parameters): the
    rule of the gate's own entry (numerics.fast.wanted)."""
    if gated.gate_fast is None or not fast.wanted(size):
        return None
    return gated.gate_fast(**q)


def gate_values(gated: Gated, q: Mapping[str, Any], a: Array, orders) -> dict[int, Array]:
    """g and its derivatives of ``orders`` (0, 1, 2) at the float64 array ``a``: g and g' from
    one pass where they are both wanted, or wanted alone and a compiled kernel exists, so that
    f, ∂f/∂a and the gate curve agree with each other, and with the gate's own entry, bit for
    bit on either path."""
    orders = set(orders)
    gs: dict[int, Array] = {}
    kernel = _gate_kernel(gated, q, np.size(a)) if orders & {0, 1} else None
    if kernel is not None:
        flat = np.ascontiguousarray(a, dtype=np.float64).reshape(-1)
        g, dg = np.empty(flat.size), np.empty(flat.size)
        kernel(flat, g, dg)
        gs[0], gs[1] = g.reshape(np.shape(a)), dg.reshape(np.shape(a))
    elif gated.gate_pair is not None and {0, 1} <= orders:
        gs[0], gs[1] = (np.asarray(v, dtype=np.float64) for v in gated.gate_pair(a, **q))
    for order in orders - set(gs):
        gs[order] = np.asarray(gated.gate[order](a, **q), dtype=np.float64)
    return {k: gs[k] for k in orders}


# -- f and its partials on two inputs ---------------------------------------------------------------


def evaluate(gated: Gated, params: Mapping[str, Any], a: Array, b: Array, keys: tuple[str, ...]) -> list[Array]:
    """f and the partials named in ``keys`` (see :data:`PARTIALS`) at float64 arrays ``a`` and ``b``
    of one shape, each factor computed once.

    A NaN in either input gives NaN; ∞·0 (a gate at ±∞ against a value factor of 0, and the
    like) has no limit in two variables and is NaN too; a product beyond the float range is ±inf.
    """
    q = factor_params(params)
    need_g = {PARTIALS[k][0] for k in keys}
    need_v = {PARTIALS[k][1] for k in keys}
    gs = gate_values(gated, q, a, need_g)
    vs = {order: np.asarray(gated.value[order](b, **q), dtype=np.float64) for order in need_v}
    bad = np.isnan(a) | np.isnan(b)
    out = []
    with np.errstate(invalid="ignore", over="ignore"):
        for k in keys:
            i, j = PARTIALS[k]
            value = gs[i] * vs[j]
            out.append(np.where(bad, np.nan, value) if bad.any() else value)
    return out


# -- the record -------------------------------------------------------------------------------------


def _curve(gated: Gated, order: int) -> Callable[..., Array]:
    """The gate curve's f (order 0), f' or f'': g's, scaled by v(b) at the parameter b."""

    def curve(x, **params):
        v0 = value_at(gated, params)
        x = np.asarray(x, dtype=np.float64)
        if v0 == 0.0:  # the gate curve at a value factor of 0 is 0 everywhere, ±inf included
            return np.where(np.isnan(x), np.nan, 0.0)
        with np.errstate(over="ignore"):
            return gate_values(gated, factor_params(params), x, (order,))[order] * v0

    return curve


def _curve_pair(gated: Gated) -> Callable[..., tuple[Array, Array]]:
    def pair(x, **params):
        v0 = value_at(gated, params)
        if v0 == 0.0:
            zero = np.where(np.isnan(x), np.nan, 0.0)
            return zero, zero.copy()
        gs = gate_values(gated, factor_params(params), np.asarray(x, dtype=np.float64), (0, 1))
        g, dg = gs[0], gs[1]
        with np.errstate(over="ignore"):
            return np.asarray(g, dtype=np.float64) * v0, np.asarray(dg, dtype=np.float64) * v0

    return pair


def _mp_curve(gated: Gated) -> Callable[..., tuple[Any, Any]]:
    def reference(x, **params):
        import mpmath as mp

        q = factor_params(params)
        v0, _ = gated.mp_value(mp.mpf(params[VALUE]), **q)
        g, dg = gated.mp_gate(x, **q)
        return g * v0, dg * v0

    return reference


def _apply(gated: Gated, name: str) -> Callable[..., Array]:
    def apply(z, axis=-1, **params):
        a, b, ax = halves(z, axis, gated.split, gated.gate_half, name)
        (f,) = evaluate(gated, params, a, b, ("f",))
        return np.moveaxis(f, -1, ax)

    return apply


def jacobian(gated: Gated, params: Mapping[str, Any], z: Any, axis: int, split: str, gate: str, name: str) -> Array:
    """∂y_i/∂z_j along ``axis``, shape (..., n/2, n): ∂f/∂a_i at a_i's position, ∂f/∂b_i at b_i's."""
    a, b, _ = halves(z, axis, split, gate, name)
    half = a.shape[-1]
    fa, fb = evaluate(gated, params, a, b, ("a", "b"))
    ia, ib = columns(half, split, gate)
    jac = np.zeros((*a.shape, 2 * half))
    rows = np.arange(half)
    jac[..., rows, ia] = fa
    jac[..., rows, ib] = fb
    return jac


def _jacobian(gated: Gated, name: str) -> Callable[..., Array]:
    def jac(z, axis=-1, **params):
        return jacobian(gated, params, z, axis, gated.split, gated.gate_half, name)

    return jac


def gated_unit(
    *,
    name: str,
    gated: Gated,
    value_doc: str,
    params: tuple[Param, ...] = (),
    value_default: float = 1.0,
    value_aliases: tuple[str, ...] = (),
    family: str = "gated",
    **fields: Any,
) -> Activation:
    """The record of a gated unit: ``gated`` for the two inputs, the gate curve as its scalar
    face and the split of one array as its vector face.

    ``params`` are the factors' parameters; the parameter ``b`` (the value input held fixed
    along the gate curve, ``value_doc`` its meaning) is added after them. ``fields`` are the
    remaining :class:`~actviz.core.records.Activation` fields (formulas, output range and
    properties of the gate curve, as functions of every parameter, ``b`` included).

    ``zeros`` (none unless given) are where the gate g(a) is 0: f(a, b) is 0 there whatever b
    is, while the value factor's zeros (b = 0) have no probability for a Gaussian b, so the
    gate's alone give P(f(a, b) = 0) for independent a and b, what ``stats`` reports.
    """
    fields.setdefault("zeros", ())
    value = Param(VALUE, value_default, value_doc, aliases=value_aliases)
    return Activation(
        name=name,
        family=family,
        forward=_curve(gated, 0),
        derivatives=(_curve(gated, 1), _curve(gated, 2)),
        evaluate_pair=_curve_pair(gated) if gated.gate_pair is not None or gated.gate_fast is not None else None,
        mp_reference=_mp_curve(gated),
        params=(*params, value),
        kinks=lambda **p: gate_kinks(gated, p) if value_at(gated, p) != 0.0 else (),
        vector=(_apply(gated, name), _jacobian(gated, name)),
        gated=gated,
        **fields,
    )
