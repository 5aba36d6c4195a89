"""The catalogue's records, the registry that holds them, and the bound activation.

An activation is a plain numpy function plus one frozen :class:`Activation` record.
:func:`get` turns a spec (``"leaky_relu(alpha=0.1)"``, ``"gelu@jax"``) into a
:class:`BoundActivation`: the record with every parameter fixed, which is what the
rest of actviz (sampling, analysis, figures, tables) works with.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from .errors import ParameterError, PresetError, SpecError, UnknownActivationError
from .spec import format_value, parse_spec

#: Framework presets, in the order tables show them.
FRAMEWORKS = ("torch", "keras", "keras2", "jax", "tf")
FRAMEWORK_TITLES = {
    "torch": "PyTorch",
    "keras": "Keras 3",
    "keras2": "Keras 2 / tf.keras",
    "jax": "JAX",
    "tf": "TensorFlow (tf.nn)",
}

#: Other spellings accepted after '@'.
FRAMEWORK_ALIASES = {"pytorch": "torch", "keras3": "keras", "tensorflow": "tf", "tf_keras": "keras2"}

Array = np.ndarray
#: A field that is either a value or a function of the parameters returning it.
ParamsFn = Callable[..., Any]


@dataclass(frozen=True)
class Param:
    """One parameter of an activation."""

    # name used in specs, on the command line and as keyword argument
    name: str
    # canonical default (PyTorch's where the frameworks disagree)
    default: Any
    # one-line meaning, for `info` and `list`
    doc: str
    # "float", "int", "bool", "choice", "floats" (a tuple of floats) or "optional_float"
    kind: str = "float"
    # allowed interval for numbers; None means unbounded on that side
    low: float | None = None
    high: float | None = None
    # whether the interval's ends are allowed themselves
    low_inclusive: bool = True
    high_inclusive: bool = True
    # allowed values for kind == "choice" (first spelling is canonical)
    choices: tuple[str, ...] = ()
    # other spellings for the value, e.g. {"false": "none", "true": "tanh"}
    choice_aliases: Mapping[str, str] = field(default_factory=dict)
    # other names the frameworks use for this parameter (negative_slope for alpha)
    aliases: tuple[str, ...] = ()

    def describe_range(self) -> str:
        if self.kind == "choice":
            return " | ".join(self.choices)
        if self.kind == "bool":
            return "true | false"
        if self.low is None and self.high is None:
            return "any real" if self.kind != "optional_float" else "any real, or none"
        lo = "-∞" if self.low is None else format_value(float(self.low))
        hi = "∞" if self.high is None else format_value(float(self.high))
        left = "[" if self.low is not None and self.low_inclusive else "("
        right = "]" if self.high is not None and self.high_inclusive else ")"
        text = f"{left}{lo}, {hi}{right}"
        return text + (", or none" if self.kind == "optional_float" else "")

    def coerce(self, value: Any, owner: str) -> Any:
        """Check ``value`` and return it in canonical form, or raise :class:`ParameterError`."""
        where = f"{owner}: parameter {self.name!r}"
        if self.kind == "choice":
            text = str(value).strip().lower() if not isinstance(value, bool) else str(value).lower()
            text = self.choice_aliases.get(text, text)
            if text not in self.choices:
                raise ParameterError(f"{where} must be one of {', '.join(self.choices)}, not {value!r}")
            return text
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("true", "1", "1.0", "yes"):
                return True
            if text in ("false", "0", "0.0", "no"):
                return False
            raise ParameterError(f"{where} must be true or false, not {value!r}")
        if self.kind == "optional_float" and (value is None or str(value).lower() == "none"):
            return None
        if self.kind == "floats":
            if isinstance(value, str):  # from the command line: "(0, 1)", "[0, 1]" or "0,1"
                text = value.strip()
                if text[:1] in "([" and text[-1:] in ")]":
                    text = text[1:-1]
                value = tuple(t for t in text.split(",") if t.strip())
            items = value if isinstance(value, (tuple, list)) else (value,)
            if not items:
                raise ParameterError(f"{where} needs at least one number")
            return tuple(self._number(v, where) for v in items)
        number = self._number(value, where)
        if self.kind == "int":
            if number != int(number):
                raise ParameterError(f"{where} must be a whole number, not {value!r}")
            number = int(number)
        return number

    def _number(self, value: Any, where: str) -> float:
        if isinstance(value, bool):
            raise ParameterError(f"{where} must be a number, not {value!r}")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ParameterError(f"{where} must be a number, not {value!r}") from None
        if not math.isfinite(number):
            raise ParameterError(f"{where} must be finite, not {value!r}")
        too_low = self.low is not None and (
            number < self.low or (number == self.low and not self.low_inclusive)
        )
        too_high = self.high is not None and (
            number > self.high or (number == self.high and not self.high_inclusive)
        )
        if too_low or too_high:
            raise ParameterError(f"{where} must be in {self.describe_range()}, not {format_value(number)}")
        return number


@dataclass(frozen=True)
class Interval:
    """An output range such as ``[0, ∞)``."""

    low: float
    high: float
    low_closed: bool = True
    high_closed: bool = True

    def __str__(self) -> str:
        def num(v: float) -> str:
            if v == math.inf:
                return "∞"
            if v == -math.inf:
                return "-∞"
            return f"{v:.10g}"

        left = "[" if self.low_closed and math.isfinite(self.low) else "("
        right = "]" if self.high_closed and math.isfinite(self.high) else ")"
        return f"{left}{num(self.low)}, {num(self.high)}{right}"


@dataclass(frozen=True)
class Properties:
    """Shape properties shown by `info` and `list`."""

    # non-decreasing over the whole real line
    monotonic: bool
    # output bounded above / below
    bounded_above: bool
    bounded_below: bool
    # "C∞", "C1", "C0" or "discontinuous"
    smoothness: str
    # f(0) == 0 (shown as such: E[f(z)], in `stats`, says whether outputs centre on 0)
    zero_centred: bool


@dataclass(frozen=True)
class Variant:
    """One framework's version of an activation: its name and where it differs."""

    # the framework's own name, e.g. "torch.nn.functional.leaky_relu"
    name: str
    # parameter defaults that differ from the canonical ones
    defaults: Mapping[str, Any] = field(default_factory=dict)
    # derivative values at kinks that differ from PyTorch's: {x: f'(x)}, or a function of params
    kink_derivative: Mapping[float, float] | ParamsFn | None = None
    # f'' at kinks where the framework's autograd takes another value than the formula's: {x: f''(x)}
    kink_second_derivative: Mapping[float, float] | ParamsFn | None = None
    # the framework's keyword for each parameter it names differently: {"alpha": "negative_slope"}
    arguments: Mapping[str, str] = field(default_factory=dict)
    # Keras 3 presets follow the default TensorFlow backend; f' at kinks on the other backends
    # where it differs from that: {"jax": {x: f'(x)}} (or a function of params), "torch" likewise
    backend_kinks: Mapping[str, Mapping[float, float] | ParamsFn] = field(default_factory=dict)
    # a different definition altogether (hard_sigmoid in Keras 2): (f, f', f'') functions
    functions: tuple[Callable[..., Array], ...] | None = None
    # kinks where they differ from the record's, e.g. those of a different definition (a
    # function of params)
    kinks: ParamsFn | None = None
    # shape properties where they differ (a switch of branches the canonical form lacks):
    # Properties or a function of params
    properties: Properties | ParamsFn | None = None
    # output range where it differs: Interval or a function of params
    output_range: Interval | ParamsFn | None = None
    # its formulas, when functions is given: (formula_tex, formula_text, derivative_tex, derivative_text)
    formulas: tuple[str, str, str, str] | None = None
    # parameters the framework does not expose (fixed at their default)
    fixed: tuple[str, ...] = ()
    # one line on how it differs, shown by `info`
    note: str = ""


@dataclass(frozen=True)
class Activation:
    """Everything actviz knows about one activation function."""

    # canonical name
    name: str
    # "sigmoid-like", "rectifier", "smooth gate", "shrink", "vector", "linear"
    family: str
    # f(x, **params), numpy in, numpy out, float64
    forward: Callable[..., Array]
    # (f', f'') analytic derivatives, same signature as forward
    derivatives: tuple[Callable[..., Array], Callable[..., Array]]
    # formula for figures (matplotlib mathtext, without $) and for the terminal
    formula_tex: str
    formula_text: str
    # first derivative formula, likewise
    derivative_tex: str
    derivative_text: str
    # parameters, in signature order
    params: tuple[Param, ...] = ()
    # other names for the same record (swish for silu)
    aliases: tuple[str, ...] = ()
    # x positions where a derivative jumps (or f itself does): a function of params or a tuple
    kinks: ParamsFn | tuple[float, ...] = ()
    # the output range: Interval or a function of params returning one
    output_range: Interval | ParamsFn = field(default_factory=lambda: Interval(-math.inf, math.inf))
    # shape properties: Properties or a function of params returning one
    properties: Properties | ParamsFn | None = None
    # reference paper, e.g. "Hendrycks & Gimpel 2016, arXiv:1606.08415"
    reference: str = ""
    # the framework versions, keyed by FRAMEWORKS entries; absent means the framework lacks it
    frameworks: Mapping[str, Variant] = field(default_factory=dict)
    # f and f' together from shared intermediates: evaluate_pair(x, **params) -> (f, f')
    evaluate_pair: Callable[..., tuple[Array, Array]] | None = None
    # mpmath reference: mp_reference(x: mpf, **params) -> (f, f') as mpf, at the working precision
    mp_reference: Callable[..., tuple[Any, Any]] | None = None
    # cross-parameter check: returns an error message or None
    validate: Callable[..., str | None] | None = None
    # for vector activations: (apply(z, axis, **params), jacobian(z, axis, **params))
    vector: tuple[Callable[..., Array], Callable[..., Array]] | None = None
    # one line on the stable formula, shown by `info`
    numerics: str = ""
    # one line on the derivative's value at kinks, shown by `info`
    kink_convention: str = ""
    # f = x·g(x) (gelu, silu, mish): f' = g + x·g' cancels next to its zero, where the
    # accuracy audit holds f' to its terms' size instead (CANCELLATION in analysis.accuracy)
    gate: bool = False

    @property
    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def param(self, name: str) -> Param | None:
        for p in self.params:
            if p.name == name or name in p.aliases:
                return p
        return None


_REGISTRY: dict[str, Activation] = {}
_ALIASES: dict[str, str] = {}
_loaded = False


def register(activation: Activation, *, replace: bool = False) -> Activation:
    """Add ``activation`` (and its aliases) to the catalogue; return it (usable as a decorator result)."""
    names = (activation.name, *activation.aliases)
    if not replace:
        for n in names:
            if n in _REGISTRY or n in _ALIASES:
                raise ValueError(f"activation name {n!r} is already registered")
    _REGISTRY[activation.name] = activation
    for alias in activation.aliases:
        _ALIASES[alias] = activation.name
    return activation


def _ensure_loaded() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        from . import catalogue  # noqa: F401  (registers every family)
        from .plugins import load_entry_points

        load_entry_points()  # entry-point group actviz.activations; a broken one is reported, not raised


def records() -> list[Activation]:
    """Every registered record, in catalogue order."""
    _ensure_loaded()
    return list(_REGISTRY.values())


def names() -> list[str]:
    """Canonical names of every registered activation."""
    _ensure_loaded()
    return list(_REGISTRY)


def all_names() -> list[str]:
    """Canonical names and aliases."""
    _ensure_loaded()
    return [*_REGISTRY, *_ALIASES]


def lookup(name: str) -> Activation:
    """The record for a canonical name or alias; :class:`UnknownActivationError` otherwise."""
    _ensure_loaded()
    key = name.strip().lower().replace("-", "_")
    key = _ALIASES.get(key, key)
    if key in _REGISTRY:
        return _REGISTRY[key]
    raise UnknownActivationError(name, difflib.get_close_matches(key, all_names(), n=3, cutoff=0.6))


def _resolve(value: Any, params: Mapping[str, Any]) -> Any:
    return value(**params) if callable(value) else value


def get(spec: str | BoundActivation | Activation, **params: Any) -> BoundActivation:
    """The activation a spec names, with its parameters fixed.

    ``get("leaky_relu(alpha=0.1)")`` and ``get("leaky_relu", alpha=0.1)`` are the same;
    keyword parameters override those in the spec. ``name@framework`` takes that
    framework's definition, defaults and derivative values at kinks.
    """
    if isinstance(spec, BoundActivation):
        if not params:
            return spec
        return bind(spec.record, {**spec.params, **params}, spec.framework)
    if isinstance(spec, Activation):
        return bind(spec, params, None)
    try:
        parsed = parse_spec(spec)
        record = lookup(parsed.name)
    except SpecError as exc:
        # not a catalogue spec: perhaps an expression in x (actviz.expr decides, or raises exc)
        from .expr import expression_or_raise

        return expression_or_raise(spec, exc, params)
    given = dict(parsed.params)
    for key, value in params.items():
        given[key] = value
    return bind(record, given, parsed.framework)


def bind(record: Activation, given: Mapping[str, Any], framework: str | None = None) -> BoundActivation:
    """Check ``given`` against ``record``'s parameters and return the bound activation."""
    variant = None
    if framework is not None:
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
            raise ParameterError(
                f"{record.name}@{framework}: {p.name!r} is fixed at "
                f"{format_value(values[p.name])} in that framework"
            )
        values[p.name] = value
    if record.validate is not None:
        message = record.validate(**values)
        if message:
            raise ParameterError(f"{record.name}: {message}")
    return BoundActivation(record, values, framework)


def parameters_text(act: BoundActivation) -> str:
    """The parameters an activation takes, with their other names: 'alpha (also negative_slope)'."""
    return ", ".join(p.name + (f" (also {', '.join(p.aliases)})" if p.aliases else "") for p in act.record.params)


def no_such_parameter(name: str, acts: list[BoundActivation]) -> str:
    """The message for a parameter none of ``acts`` takes: which parameters they do take, and
    the closest to ``name`` if one is close (the command line, figures and sweeps say the same)."""
    acts = list({a.name: a for a in acts}.values())
    known = [key for a in acts for p in a.record.params for key in (p.name, *p.aliases)]
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    if len(acts) == 1:
        listed = parameters_text(acts[0])
        return f"{acts[0].name} has no parameter {name!r}{hint}; " + (f"it takes: {listed}" if listed else "it takes none")
    each = "; ".join(f"{a.name} takes: {parameters_text(a)}" if a.record.params else f"{a.name} takes none" for a in acts)
    return f"none of {', '.join(a.name for a in acts)} has a parameter {name!r}{hint}; {each}"


def preset_groups(name: str) -> list[tuple[BoundActivation, tuple[str, ...]]]:
    """The distinct definitions among an activation's framework presets, each with the
    frameworks that share it, in FRAMEWORKS order.

    Two presets are the same definition when they have the same parameters and no formula
    of their own; derivative values at single kink points do not count here.
    """
    rec = lookup(name)
    groups: dict[tuple, list] = {}
    for fw in FRAMEWORKS:
        variant = rec.frameworks.get(fw)
        if variant is None:
            continue
        act = get(f"{rec.name}@{fw}")
        key = (tuple(sorted(act.params.items(), key=lambda kv: kv[0])), id(variant.functions) if variant.functions else None)
        groups.setdefault(key, [act, []])[1].append(fw)
    return [(act, tuple(fws)) for act, fws in groups.values()]


def _float_dtype(x: Array) -> np.dtype:
    if x.dtype in (np.float16, np.float32, np.float64):
        return x.dtype
    if x.dtype.kind in "biuf":
        return np.dtype(np.float64)
    raise SpecError(f"activations take real numbers, not {x.dtype} arrays")


#: Points per block in BoundActivation.evaluate: a kernel's temporaries for one block (a
#: dozen arrays of 128 kB) stay in the L2/L3 caches.
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
    """An activation with every parameter fixed: call it, differentiate it, describe it.

    Input of any float dtype keeps that dtype (float16 and float32 are computed in
    float64 and rounded once); integers become float64. Scalars give numpy scalars.
    """

    def __init__(self, record: Activation, params: Mapping[str, Any], framework: str | None = None):
        self.record = record
        self.params = dict(params)
        self.framework = framework
        self.variant = record.frameworks.get(framework) if framework else None
        fns = self.variant.functions if self.variant and self.variant.functions else None
        self._forward = fns[0] if fns else record.forward
        self._derivs = (fns[1], fns[2]) if fns else record.derivatives
        self._pair = None if fns else record.evaluate_pair
        self._kink_override = (
            _resolve(self.variant.kink_derivative, self.params) if self.variant else None
        )
        self._kink2_override = (
            _resolve(self.variant.kink_second_derivative, self.params) if self.variant else None
        )

    # -- identity ---------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.record.name

    @cached_property
    def spec(self) -> str:
        """The full spec with every parameter, e.g. ``leaky_relu(alpha=0.1)``; ``get`` reads it back."""
        head = self.name + (f"@{self.framework}" if self.framework else "")
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
        head = self.name + (f"@{self.framework}" if self.framework else "")
        if not changed:
            return head
        return head + "(" + ", ".join(f"{k}={format_value(v)}" for k, v in changed.items()) + ")"

    def __repr__(self) -> str:
        return f"actviz.get({self.spec!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BoundActivation) and other.spec == self.spec

    def __hash__(self) -> int:
        return hash(self.spec)

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
        return self.record.vector is not None

    # -- evaluation -------------------------------------------------------------------------
    def _run(self, fn: Callable[..., Array], x: Any) -> Array:
        arr = np.asarray(x)
        dtype = _float_dtype(arr)
        x64 = arr.astype(np.float64, copy=False)
        out = np.asarray(fn(x64, **self.params), dtype=np.float64)
        if out.shape != x64.shape:
            out = np.broadcast_to(out, x64.shape).copy()
        out = _narrow(out, dtype)
        return out[()] if out.ndim == 0 else out

    def __call__(self, x: Any) -> Array:
        """f(x)."""
        return self._run(self._forward, x)

    def derivative(self, x: Any, order: int = 1) -> Array:
        """Analytic f'(x) (``order=1``) or f''(x) (``order=2``); at kinks, the framework's value."""
        if order not in (1, 2):
            raise ParameterError(f"derivative order must be 1 or 2, not {order!r}")
        fn = self._derivs[order - 1]
        return self._run(lambda x64, **p: self._fix(fn(x64, **p), x64, order), x)

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
        if arr.size > _EVAL_BLOCK and self.record.vector is None:
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
        """evaluate() of a large array, _EVAL_BLOCK points at a time into the result arrays.

        A kernel's temporaries for one block stay in cache instead of each making a pass over
        the whole input; every function is elementwise, so the values are those of one call.
        """
        dtype = _float_dtype(arr)
        flat = arr.reshape(-1)
        has_nan = arr.dtype.kind == "f" and _has_nan(flat)  # one scan for every block
        outs = {o: np.empty(flat.size, dtype=dtype) for o in orders}
        pair = self._pair is not None and 0 in orders and 1 in orders
        # storing into a float16/float32 result rounds; past its largest value that is inf, silently
        with np.errstate(over="ignore" if dtype != np.float64 else "warn"):
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

        Order 1 differentiates f with the five-point stencil, order 2 differentiates the
        analytic f' with it. The step is eps**(1/5) (which balances the stencil's h**4
        truncation against rounding, about 1e-11 relative) scaled by max(1, √|x|, 1e-5·|x|):
        large enough that x ± h stays resolvable and rounding in f(x ± h) ≈ x is small, yet
        not so large that an exponential at x = 700 is differenced over a whole unit.
        """
        if order not in (1, 2):
            raise ParameterError(f"derivative order must be 1 or 2, not {order!r}")
        arr = np.asarray(x)
        dtype = _float_dtype(arr)
        x64 = arr.astype(np.float64)
        fn = self._forward if order == 1 else self._derivs[0]
        ax = np.abs(x64)
        h = np.finfo(np.float64).eps ** 0.2 * np.maximum(np.maximum(1.0, np.sqrt(ax)), 1e-5 * ax)
        with np.errstate(invalid="ignore", over="ignore"):
            xp1, xm1 = x64 + h, x64 - h
            xp2, xm2 = x64 + 2 * h, x64 - 2 * h
            h1 = (xp1 - xm1) / 2  # the step actually taken, after rounding
            vals = [np.asarray(fn(v, **self.params), dtype=np.float64) for v in (xm2, xm1, xp1, xp2)]
            out = (vals[0] - 8 * vals[1] + 8 * vals[2] - vals[3]) / (12 * h1)
        out = np.where(np.isfinite(x64), out, np.nan)
        out = _narrow(out, dtype)
        return out[()] if out.ndim == 0 else out

    # -- vector activations -------------------------------------------------------------------
    def apply(self, z: Any, axis: int = -1) -> Array:
        """The vector activation on an array along ``axis`` (softmax, sparsemax, glu, ...)."""
        if self.record.vector is None:
            return self(z)
        arr = np.asarray(z)
        dtype = _float_dtype(arr)
        out = np.asarray(self.record.vector[0](arr.astype(np.float64), axis=axis, **self.params))
        return _narrow(out, dtype)

    def jacobian(self, z: Any, axis: int = -1) -> Array:
        """Full Jacobian ∂y_i/∂z_j of the vector activation, shape (..., n_out, n_in) on the last axis."""
        if self.record.vector is None:
            arr = np.asarray(z, dtype=np.float64)
            d = self.derivative(arr)
            return np.einsum("...i,ij->...ij", d, np.eye(arr.shape[-1])) if arr.ndim else d
        arr = np.asarray(z)
        dtype = _float_dtype(arr)
        out = np.asarray(self.record.vector[1](arr.astype(np.float64), axis=axis, **self.params))
        return _narrow(out, dtype)

    # -- description --------------------------------------------------------------------------
    def kink_derivatives(self) -> dict[float, float]:
        """The derivative value taken at each kink (this preset's convention)."""
        if not self.kinks:
            return {}
        xs = np.array(self.kinks)
        return {float(k): float(v) for k, v in zip(xs, self.derivative(xs), strict=True)}

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

    @cached_property
    def info(self) -> dict[str, Any]:
        """What `info`, tables and figures show, as plain data."""
        r = self.record
        props = self.properties
        own = self.variant is not None and self.variant.functions is not None
        return {
            "name": r.name,
            "spec": self.spec,
            "label": self.label,
            "family": r.family,
            "aliases": list(r.aliases),
            "framework": self.framework,
            "params": {
                p.name: {
                    "value": self.params[p.name],
                    "default": p.default,
                    "range": p.describe_range(),
                    "doc": p.doc,
                    "aliases": list(p.aliases),
                }
                for p in r.params
            },
            "formula": {"tex": self.formula_tex, "text": self.formula_text},
            "derivative": {"tex": self.derivative_tex, "text": self.derivative_text},
            "output_range": str(self.output_range),
            "properties": None if props is None else props.__dict__.copy(),
            "kinks": [{"x": k, "derivative": d} for k, d in self.kink_derivatives().items()],
            # a preset with a definition of its own: the record's notes describe another function
            "kink_convention": self.variant.note if own else r.kink_convention,
            "numerics": "" if own else r.numerics,
            "reference": r.reference,
            "vector": self.is_vector,
            "frameworks": {
                fw: {
                    "name": v.name,
                    "defaults": dict(v.defaults),
                    "note": v.note,
                }
                for fw, v in r.frameworks.items()
            },
        }
