"""Binding a record's parameters, and the bound activation: call it, differentiate it,
describe it."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from functools import cached_property
from typing import Any

import numpy as np

from ..errors import ParameterError, PresetError, SpecError, UsageError
from ..numerics import fast, stencil
from . import gated as gating
from .records import (
    FRAMEWORK_ALIASES,
    FRAMEWORK_TITLES,
    FRAMEWORKS,
    Activation,
    Checks,
    EngineName,
    Interval,
    Properties,
)
from .records import resolve as _resolve
from .spec import format_value

Array = np.ndarray


def bind(record: Activation, given: Mapping[str, Any], framework: str | None = None,
         engine: EngineName | None = None) -> BoundActivation:
    """Check ``given`` against ``record``'s parameters and return the bound activation: the
    record itself, its ``framework`` preset, or what ``engine`` means by one of its names."""
    variant = None
    if engine is not None:
        variant, framework = engine.variant, engine.engine
    elif framework is not None:
        framework = FRAMEWORK_ALIASES.get(framework.lower(), framework.lower())
        if framework not in FRAMEWORKS:
            raise PresetError(f"unknown framework {framework!r}; known: {', '.join(FRAMEWORKS)}")
        variant = record.frameworks.get(framework)
        if variant is None:
            have = [fw for fw in FRAMEWORKS if fw in record.frameworks]
            listed = ", ".join(f"{record.name}@{fw}" for fw in have) or "none"
            raise PresetError(
                f"{FRAMEWORK_TITLES[framework]} has no {record.name}; presets that exist: {listed}"
            )
    values = record.defaults
    if variant is not None:
        values.update(variant.defaults)
    seen: dict[str, str] = {}
    for key, raw in given.items():
        key_norm = key.strip().lower().replace("-", "_")
        p = record.param(key_norm)
        if p is None:
            known = ", ".join(q.name for q in record.params) or "none"
            raise ParameterError(f"{record.name} has no parameter {key!r} (its parameters: {known})")
        if p.name in seen:
            raise ParameterError(f"{record.name}: parameter {p.name!r} given twice (as {seen[p.name]!r} and {key!r})")
        seen[p.name] = key
        value = p.coerce(raw, record.name)
        # a fixed parameter may be restated at its fixed value (specs list every parameter)
        if variant is not None and p.name in variant.fixed and value != values[p.name]:
            head = engine.spec_head if engine is not None else f"{record.name}@{framework}"
            raise ParameterError(
                f"{head}: {p.name!r} is fixed at {format_value(values[p.name])} in that "
                f"{'engine' if engine is not None else 'framework'}"
            )
        values[p.name] = value
    if record.validate is not None:
        message = record.validate(**values)
        if message:
            raise ParameterError(f"{record.name}: {message}")
    if record.gated is not None:
        return GatedActivation(record, values, framework, engine)
    kind = BoundActivation if record.vector is None else VectorActivation
    return kind(record, values, framework, engine)



def _float_dtype(x: Array) -> np.dtype:
    if x.dtype in (np.float16, np.float32, np.float64):
        return x.dtype
    if x.dtype.kind in "biuf":
        return np.dtype(np.float64)
    raise SpecError(f"activations take real numbers, not {x.dtype} arrays")


#: Points per block when a BoundActivation evaluates a large array: a kernel's temporaries
#: for one block (a dozen arrays of 128 kB) stay in the L2/L3 caches.
_EVAL_BLOCK = 1 << 14


def _narrow(out: Array, dtype: np.dtype) -> Array:
    """A float64 result in the caller's dtype, rounded once; past its largest value that is
    the correctly rounded inf, so numpy's cast-overflow warning is not raised."""
    if dtype == np.float64:
        return out
    with np.errstate(over="ignore"):
        return out.astype(dtype)


def _has_nan(x64: Array) -> bool:
    # np.min propagates NaN: one reduction instead of a boolean array
    return bool(x64.size) and bool(np.isnan(np.min(x64)))


class BoundActivation:
    """An elementwise activation with every parameter fixed: call it, differentiate it,
    describe it.

    Input of any float dtype keeps that dtype (float16 and float32 are computed in
    float64 and rounded once); integers become float64. Scalars give numpy scalars.

    A vector activation's one-dimensional slice (:attr:`VectorActivation.slice`) is one too:
    what plots, tables and statistics evaluate.
    """

    def __init__(self, record: Activation, params: Mapping[str, Any], framework: str | None = None,
                 engine: EngineName | None = None):
        self.record = record
        self.params = dict(params)
        self.framework = framework
        # an engine's name for the record (gelu_new@hf): its preset, and its name in the spec
        self.engine = engine
        if engine is not None:
            self.variant = engine.variant
        else:
            self.variant = record.frameworks.get(framework) if framework else None
        fns = self.variant.functions if self.variant and self.variant.functions else None
        self._forward = fns[0] if fns else record.forward
        self._derivs = (fns[1], fns[2]) if fns else record.derivatives
        self._pair = None if fns else record.evaluate_pair
        self._fast_factory = None if fns else record.fast_pair
        self._fast_kernel: Any = None  # resolved at the first evaluation that can use it
        self._kink_override = (
            _resolve(self.variant.kink_derivative, self.params) if self.variant else None
        )
        self._kink2_override = (
            _resolve(self.variant.kink_second_derivative, self.params) if self.variant else None
        )

    def __getstate__(self) -> dict:
        # a compiled kernel is resolved again where the activation is unpickled (a Dask worker)
        return {**self.__dict__, "_fast_kernel": None}

    # -- identity ---------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.record.name

    @property
    def _head(self) -> str:
        if self.engine is not None:
            return self.engine.spec_head
        return self.name + (f"@{self.framework}" if self.framework else "")

    @cached_property
    def spec(self) -> str:
        """The full spec with every parameter, e.g. ``leaky_relu(alpha=0.1)``; ``get`` reads it back."""
        head = self._head
        if not self.params:
            return head
        args = ", ".join(f"{k}={format_value(v)}" for k, v in self.params.items())
        return f"{head}({args})"

    @cached_property
    def label(self) -> str:
        """A short label: the spec without parameters left at their defaults."""
        base = dict(self.record.defaults)
        if self.variant:
            base.update(self.variant.defaults)
        changed = {k: v for k, v in self.params.items() if base.get(k) != v}
        head = self._head
        if not changed:
            return head
        return head + "(" + ", ".join(f"{k}={format_value(v)}" for k, v in changed.items()) + ")"

    def __repr__(self) -> str:
        # the only elementwise view of a vector record is its slice
        return f"actviz.get({self.spec!r})" + (".slice" if self.record.vector is not None else "")

    def __eq__(self, other: object) -> bool:
        # a vector activation and its slice share a spec but are different functions
        return type(other) is type(self) and other.spec == self.spec  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self.spec)

    @property
    def elementwise(self) -> BoundActivation:
        """What sampling, tables, figures and statistics evaluate: the activation itself, or a
        vector activation's one-dimensional slice."""
        return self

    def with_params(self, **params: Any) -> BoundActivation:
        """The same activation (or slice) with some parameters changed."""
        framework = None if self.engine is not None else self.framework
        return bind(self.record, {**self.params, **params}, framework, self.engine).elementwise

    def _claim(self, field: str) -> Any:
        """A descriptive field for these parameters: this preset's own where it states one,
        else the record's."""
        own = getattr(self.variant, field) if self.variant is not None else None
        return _resolve(getattr(self.record, field) if own is None else own, self.params)

    @cached_property
    def kinks(self) -> tuple[float, ...]:
        """x positions where a derivative (or the function) jumps, ascending."""
        return tuple(sorted(float(k) for k in self._claim("kinks")))

    @cached_property
    def output_range(self) -> Interval:
        return self._claim("output_range")

    @cached_property
    def properties(self) -> Properties | None:
        return self._claim("properties")

    @property
    def checks(self) -> Checks:
        """What the tests hold this activation to: an engine name's own checks, else the record's."""
        return self.engine.checks if self.engine is not None else self.record.checks

    @cached_property
    def zeros(self) -> tuple[tuple[float, float], ...] | None:
        """The intervals (a, b), ascending, on which f is identically 0: what activation
        sparsity adds up. None where the record does not say (a plugin, an expression)."""
        value = self._claim("zeros")
        if value is None:
            return None
        return tuple(sorted((float(a), float(b)) for a, b in value))

    def _formula(self, index: int, field: str) -> str:
        if self.variant is not None and self.variant.formulas is not None:
            return self.variant.formulas[index]
        # a record's formula may be a function of the parameters, as output_range may
        return _resolve(getattr(self.record, field), self.params)

    @property
    def formula_tex(self) -> str:
        """f as mathtext for these parameters (this preset's own formula where it defines the
        function differently)."""
        return self._formula(0, "formula_tex")

    @property
    def formula_text(self) -> str:
        return self._formula(1, "formula_text")

    @property
    def derivative_tex(self) -> str:
        return self._formula(2, "derivative_tex")

    @property
    def derivative_text(self) -> str:
        return self._formula(3, "derivative_text")

    @property
    def is_vector(self) -> bool:
        """Whether the record acts on whole vectors (this may be its slice)."""
        return self.record.vector is not None

    @property
    def is_gated(self) -> bool:
        """Whether the record is a gated unit f(a, b) of two inputs (this may be its gate curve)."""
        return self.record.gated is not None

    # -- evaluation -------------------------------------------------------------------------
    def _fast(self, size: int):
        """The compiled f-and-f' kernel for these parameters and an array of ``size`` elements,
        or None (no kernel, numba not installed or switched off, a small array, or a preset that
        moves f' at a kink)."""
        if self._fast_factory is None or self._kink_override or not fast.wanted(size):
            return None
        if self._fast_kernel is None:
            self._fast_kernel = self._fast_factory(**self.params) or False
        return self._fast_kernel or None

    def _fast_pair(self, kernel, arr: Array) -> tuple[Array, Array]:
        """(f, f') of arr from the compiled kernel, in arr's float dtype: float32 is computed
        in float64 inside the kernel and rounded once on store, float16 and integers go
        through float64 here."""
        dtype = _float_dtype(arr)
        work = np.float32 if dtype == np.float32 else np.float64
        flat = np.ascontiguousarray(arr, dtype=work).reshape(-1)
        f = np.empty(flat.size, dtype=work)
        d = np.empty(flat.size, dtype=work)
        kernel(flat, f, d)
        out = []
        for v in (f, d):
            v = _narrow(v, dtype).reshape(arr.shape)
            out.append(v[()] if v.ndim == 0 else v)
        return out[0], out[1]

    def _run(self, order: int, x: Any) -> Array:
        """f (order 0), f' or f'' at x."""
        arr = np.asarray(x)
        if order < 2:
            kernel = self._fast(arr.size)
            if kernel is not None:
                return self._fast_pair(kernel, arr)[order]
        if arr.size > _EVAL_BLOCK:
            return self._evaluate_blocks(arr, (order,))[0]
        dtype = _float_dtype(arr)
        x64 = arr.astype(np.float64, copy=False)
        if order == 0:
            out = np.asarray(self._forward(x64, **self.params), dtype=np.float64)
            if out.shape != x64.shape:
                out = np.broadcast_to(out, x64.shape).copy()
        else:
            out = self._fix(self._derivs[order - 1](x64, **self.params), x64, order)
        out = _narrow(out, dtype)
        return out[()] if out.ndim == 0 else out

    def __call__(self, x: Any) -> Array:
        """f(x)."""
        return self._run(0, x)

    def derivative(self, x: Any, order: int = 1) -> Array:
        """Analytic f'(x) (``order=1``) or f''(x) (``order=2``); at kinks, the framework's value."""
        if order not in (1, 2):
            raise ParameterError(f"derivative order must be 1 or 2, not {order!r}")
        return self._run(order, x)

    def _fix(self, d: Array, x64: Array, order: int, has_nan: bool | None = None) -> Array:
        d = np.array(d, dtype=np.float64, copy=True) if np.ndim(d) == 0 else np.asarray(d, dtype=np.float64)
        if d.shape != x64.shape:
            d = np.broadcast_to(d, x64.shape).copy()
        override = self._kink_override if order == 1 else self._kink2_override
        if override:
            for where, value in override.items():
                d = np.where(x64 == where, value, d)
        if has_nan is None:
            has_nan = _has_nan(x64)
        if has_nan:  # NaN propagates through branch formulas too
            d = np.where(np.isnan(x64), np.nan, d)
        return d

    def evaluate(self, x: Any, orders: tuple[int, ...] = (0, 1)) -> tuple[Array, ...]:
        """f and its derivatives for each order in ``orders`` (0, 1, 2), sharing intermediates."""
        bad = [o for o in orders if o not in (0, 1, 2)]
        if bad:
            raise ParameterError(f"orders must be among 0, 1, 2, not {bad[0]!r}")
        arr = np.asarray(x)
        kernel = self._fast(arr.size) if (0 in orders or 1 in orders) else None
        if kernel is not None:
            f, d = self._fast_pair(kernel, arr)
            return tuple(f if o == 0 else d if o == 1 else self.derivative(arr, order=2) for o in orders)
        if arr.size > _EVAL_BLOCK:
            return self._evaluate_blocks(arr, orders)
        results: dict[int, Array] = {}
        if self._pair is not None and 0 in orders and 1 in orders:
            dtype = _float_dtype(arr)
            x64 = arr.astype(np.float64, copy=False)
            f, d = self._pair(x64, **self.params)
            f = np.asarray(f, dtype=np.float64)
            has_nan = _has_nan(x64)  # one scan for both results
            if has_nan:
                f = np.where(np.isnan(x64), np.nan, f)
            d = self._fix(d, x64, 1, has_nan)
            for o, v in ((0, f), (1, d)):
                v = _narrow(v, dtype)
                results[o] = v[()] if v.ndim == 0 else v
        for o in orders:
            if o not in results:
                results[o] = self(x) if o == 0 else self.derivative(x, order=o)
        return tuple(results[o] for o in orders)

    def _evaluate_blocks(self, arr: Array, orders: tuple[int, ...]) -> tuple[Array, ...]:
        """f and its derivatives of a large array, _EVAL_BLOCK points at a time into the
        result arrays: the one block loop, for calls, derivatives and evaluate().

        A kernel's temporaries for one block stay in cache instead of each making a pass over
        the whole input (so kernels themselves need not block); every function is
        elementwise, so the values are those of one call.
        """
        dtype = _float_dtype(arr)
        flat = arr.reshape(-1)
        has_nan = arr.dtype.kind == "f" and _has_nan(flat)  # one scan for every block
        outs = {o: np.empty(flat.size, dtype=dtype) for o in orders}
        pair = self._pair is not None and 0 in orders and 1 in orders
        # storing into a float16/float32 result rounds; past its largest value that is inf, silently
        with np.errstate(over="ignore") if dtype != np.float64 else contextlib.nullcontext():
            self._fill_blocks(flat, outs, orders, pair, has_nan)
        return tuple(outs[o].reshape(arr.shape) for o in orders)

    def _fill_blocks(self, flat: Array, outs: dict[int, Array], orders: tuple[int, ...], pair: bool, has_nan: bool) -> None:
        for start in range(0, flat.size, _EVAL_BLOCK):
            stop = start + _EVAL_BLOCK
            x64 = flat[start:stop].astype(np.float64, copy=False)
            done = set()
            if pair:
                f, d = self._pair(x64, **self.params)
                f = np.asarray(f, dtype=np.float64)
                if has_nan:
                    f = np.where(np.isnan(x64), np.nan, f)
                outs[0][start:stop] = f
                outs[1][start:stop] = self._fix(d, x64, 1, has_nan)
                done = {0, 1}
            for o in orders:
                if o in done:
                    continue
                if o == 0:
                    outs[0][start:stop] = np.asarray(self._forward(x64, **self.params), dtype=np.float64)
                else:
                    outs[o][start:stop] = self._fix(self._derivs[o - 1](x64, **self.params), x64, o, has_nan)
                done.add(o)

    def numeric_derivative(self, x: Any, order: int = 1) -> Array:
        """Finite-difference derivative, for checking the analytic one.

        Order 1 differentiates f with the five-point stencil of :mod:`actviz.numerics.stencil`,
        order 2 differentiates the analytic f' with it.
        """
        if order not in (1, 2):
            raise ParameterError(f"derivative order must be 1 or 2, not {order!r}")
        arr = np.asarray(x)
        dtype = _float_dtype(arr)
        fn = self._forward if order == 1 else self._derivs[0]
        out = stencil.five_point(lambda v: fn(v, **self.params), arr.astype(np.float64))
        out = _narrow(out, dtype)
        return out[()] if out.ndim == 0 else out

    def jacobian(self, z: Any) -> Array:
        """The Jacobian of the elementwise map on the last axis: diag(f'(z)), shape (..., n, n)."""
        arr = np.asarray(z, dtype=np.float64)
        d = self.derivative(arr)
        return np.einsum("...i,ij->...ij", d, np.eye(arr.shape[-1])) if arr.ndim else d

    # -- description --------------------------------------------------------------------------
    def kink_derivatives(self) -> dict[float, float]:
        """The derivative value taken at each kink (this preset's convention)."""
        if not self.kinks:
            return {}
        xs = np.array(self.kinks)
        return {float(k): float(v) for k, v in zip(xs, self.elementwise.derivative(xs), strict=True)}

    def backend_kink_derivatives(self) -> dict[str, dict[float, float]]:
        """For a Keras 3 preset: {backend: {x: f'(x)}} at the kinks where another backend
        than TensorFlow (which the preset follows) takes a different value."""
        if self.variant is None:
            return {}
        out = {}
        for backend, values in self.variant.backend_kinks.items():
            values = _resolve(values, self.params)
            if values:
                out[backend] = {float(k): float(v) for k, v in sorted(values.items())}
        return out


class VectorActivation(BoundActivation):
    """A vector activation (softmax, sparsemax, glu, maxout, ...) with every parameter fixed.

    ``act(z, axis=-1)`` is the function on whole arrays along ``axis``, batches included,
    and ``act.jacobian(z, axis=-1)`` its full Jacobian, shape ``(..., n_out, n_in)``: the
    other axes of ``z`` in order, then output and input index. ``act([1, 2, 3])`` for
    softmax sums to 1.

    ``act.slice`` is the one-dimensional view that plots, tables and statistics show (logit 0
    sweeping x while the others stay fixed, for the softmax family): an elementwise
    :class:`BoundActivation` with the same name, spec and parameters. The elementwise
    methods (``derivative``, ``evaluate``, ``numeric_derivative``) belong to it, not here.
    The descriptive fields (kinks, output range, properties, formulas) describe the slice.
    """

    @cached_property
    def slice(self) -> BoundActivation:
        """The one-dimensional slice: component 0 as x sweeps, an elementwise activation."""
        return BoundActivation(self.record, self.params, self.framework, self.engine)

    @property
    def elementwise(self) -> BoundActivation:
        return self.slice

    def __repr__(self) -> str:
        return f"actviz.get({self.spec!r})"

    def __call__(self, z: Any, axis: int = -1) -> Array:
        """The activation on an array along ``axis``."""
        return self._vector(0, z, axis)

    def jacobian(self, z: Any, axis: int = -1) -> Array:  # type: ignore[override]
        """The full Jacobian ∂y_i/∂z_j along ``axis``, shape (..., n_out, n_in)."""
        return self._vector(1, z, axis)

    def _vector(self, which: int, z: Any, axis: int) -> Array:
        arr = np.asarray(z)
        dtype = _float_dtype(arr)
        out = np.asarray(self.record.vector[which](arr.astype(np.float64), axis=axis, **self.params))
        return _narrow(out, dtype)

    def _elementwise_only(self, what: str) -> UsageError:
        return UsageError(
            f"{self.name} acts on a whole vector, so it has no elementwise {what}: its derivative "
            f"is .jacobian(z), and .slice is the one-dimensional view that plots and tables show"
        )

    def derivative(self, x: Any, order: int = 1) -> Array:
        raise self._elementwise_only("derivative")

    def evaluate(self, x: Any, orders: tuple[int, ...] = (0, 1)) -> tuple[Array, ...]:
        raise self._elementwise_only("evaluate")

    def numeric_derivative(self, x: Any, order: int = 1) -> Array:
        raise self._elementwise_only("numeric derivative")


class GatedActivation(VectorActivation):
    """A gated unit f(a, b) = g(a)·v(b) (glu, reglu, geglu, swiglu, swiglu_oai) with every
    parameter fixed: the gate input a goes through the nonlinearity g, the value input b
    through v.

    ``act(a, b)`` is f on two arrays broadcast together, ``act.gradient(a, b)`` the pair
    (∂f/∂a, ∂f/∂b) and ``act.hessian(a, b)`` the triple (∂²f/∂a², ∂²f/∂a∂b, ∂²f/∂b²); the
    result has the wider float dtype of the two inputs (integers become float64).

    ``act(x)`` on one array splits it into halves along ``axis`` (keyword-only): by the
    record's layout, or by ``split=`` ("contiguous": x[..., :n/2] and x[..., n/2:];
    "interleaved": x[..., ::2] and x[..., 1::2]) and ``gate=`` ("first" or "second": which
    half is the gate input a). ``act.halves(x)`` returns (a, b), ``act.jacobian(x)`` the
    Jacobian of shape (..., n/2, n).

    ``act.slice`` is the gate curve f(x, b) at the parameter ``b``: the elementwise view that
    plots, tables and statistics show, with ∂f/∂a as its derivative.
    """

    def _inputs(self, a: Any, b: Any) -> tuple[Array, Array, np.dtype, tuple[int, ...]]:
        a, b = np.asarray(a), np.asarray(b)
        dtype = np.promote_types(_float_dtype(a), _float_dtype(b))
        try:
            a64, b64 = np.broadcast_arrays(a.astype(np.float64, copy=False), b.astype(np.float64, copy=False))
        except ValueError:
            raise UsageError(f"{self.name}: the inputs a and b must broadcast together, not shapes "
                             f"{a.shape} and {b.shape}") from None
        return np.ascontiguousarray(a64), np.ascontiguousarray(b64), dtype, a64.shape

    def _two(self, a: Any, b: Any, keys: tuple[str, ...]) -> list[Array]:
        a64, b64, dtype, shape = self._inputs(a, b)
        values = gating.evaluate(self.record.gated, self.params, a64.reshape(-1), b64.reshape(-1), keys)
        out = []
        for v in values:
            v = _narrow(v.reshape(shape), dtype)
            out.append(v[()] if v.ndim == 0 else v)
        return out

    def _layout(self, split: str | None, gate: str | None) -> tuple[str, str]:
        return gating.check_layout(self.record.gated, split, gate)

    def __call__(self, a: Any, b: Any = None, *, axis: int | None = None, split: str | None = None,
                 gate: str | None = None) -> Array:  # type: ignore[override]
        """f(a, b) on two inputs; on one array x, f of its two halves along ``axis``."""
        if b is not None:
            if axis is not None or split is not None or gate is not None:
                raise UsageError(f"{self.name}: axis, split and gate say how one array is cut in two; "
                                 "with the inputs a and b given there is nothing to split")
            return self._two(a, b, ("f",))[0]
        split, gate = self._layout(split, gate)
        arr = np.asarray(a)
        dtype = _float_dtype(arr)
        ga, gb, ax = gating.halves(arr, -1 if axis is None else axis, split, gate, self.name)
        (f,) = gating.evaluate(self.record.gated, self.params, ga, gb, ("f",))
        return _narrow(np.moveaxis(f, -1, ax), dtype)

    def halves(self, x: Any, axis: int = -1, *, split: str | None = None, gate: str | None = None) -> tuple[Array, Array]:
        """(a, b): the gate and value inputs one array holds, along ``axis`` (kept in place)."""
        split, gate = self._layout(split, gate)
        arr = np.asarray(x)
        dtype = _float_dtype(arr)
        a, b, ax = gating.halves(arr, axis, split, gate, self.name)
        return _narrow(np.moveaxis(a, -1, ax), dtype), _narrow(np.moveaxis(b, -1, ax), dtype)

    def jacobian(self, z: Any, axis: int = -1, *, split: str | None = None, gate: str | None = None) -> Array:  # type: ignore[override]
        """∂y_i/∂z_j of one array split in two along ``axis``, shape (..., n/2, n)."""
        split, gate = self._layout(split, gate)
        arr = np.asarray(z)
        jac = gating.jacobian(self.record.gated, self.params, arr, axis, split, gate, self.name)
        return _narrow(jac, _float_dtype(arr))

    def gradient(self, a: Any, b: Any) -> tuple[Array, Array]:
        """(∂f/∂a, ∂f/∂b) at (a, b); at a kink, PyTorch autograd's value (``info`` says which)."""
        fa, fb = self._two(a, b, ("a", "b"))
        return fa, fb

    def hessian(self, a: Any, b: Any) -> tuple[Array, Array, Array]:
        """(∂²f/∂a², ∂²f/∂a∂b, ∂²f/∂b²) at (a, b)."""
        faa, fab, fbb = self._two(a, b, ("aa", "ab", "bb"))
        return faa, fab, fbb

    def gate_factor(self, a: Any, order: int = 0) -> Array:
        """The gate g(a), or its derivative of ``order`` 1 or 2."""
        return self._factor(0, a, order)

    def value_factor(self, b: Any, order: int = 0) -> Array:
        """The value factor v(b) (b itself, or GPT-OSS's clip(b) + 1), or its derivative."""
        return self._factor(1, b, order)

    def _factor(self, which: int, x: Any, order: int) -> Array:
        if order not in (0, 1, 2):
            raise ParameterError(f"order must be 0, 1 or 2, not {order!r}")
        arr = np.asarray(x)
        dtype = _float_dtype(arr)
        gated, q, x64 = self.record.gated, gating.factor_params(self.params), arr.astype(np.float64)
        if which == 0:  # the gate as f and the partials compute it (its compiled kernel, where it has one)
            out = gating.gate_values(gated, q, x64, (order,))[order]
        else:
            out = np.asarray(gated.value[order](x64, **q), dtype=np.float64)
        if out.shape != arr.shape:
            out = np.broadcast_to(out, arr.shape).copy()
        out = _narrow(np.where(np.isnan(arr), np.nan, out), dtype)
        return out[()] if out.ndim == 0 else out

    @property
    def gate_kinks(self) -> tuple[float, ...]:
        """a where ∂f/∂a jumps (relu's 0, GPT-OSS's clamp of the gate at the limit)."""
        return gating.gate_kinks(self.record.gated, self.params)

    @property
    def value_kinks(self) -> tuple[float, ...]:
        """b where ∂f/∂b jumps (GPT-OSS's clip of the value at ±limit)."""
        return gating.value_kinks(self.record.gated, self.params)

    def _elementwise_only(self, what: str) -> UsageError:
        return UsageError(
            f"{self.name} is a gated unit of two inputs, f(a, b), so it has no elementwise {what}: its "
            f"partials are .gradient(a, b) and .hessian(a, b) (.jacobian(z) of one array split in two), "
            f"and .slice is the gate curve f(x, b={format_value(self.params['b'])}) that plots and tables show"
        )
