"""The records an activation is declared with: its parameters, output range, shape
properties, framework presets, and the record itself.

An activation is a plain numpy function plus one frozen :class:`Activation` record; the
catalogue, expressions and plugins all declare theirs with these types.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import ParameterError
from .spec import format_value

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
#: Intervals (a, b) of x, ascending and disjoint; an end may be ±inf.
Intervals = tuple[tuple[float, float], ...]


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
    # "C∞", "C2", "C1", "C0" or "discontinuous": the highest class it is in; C2 means f'' is
    # continuous too and only a higher derivative jumps at a kink (isrlu's third, at 0)
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
    # where f is identically 0, where that differs from the record's (see Activation.zeros)
    zeros: Intervals | ParamsFn | None = None
    # its formulas, when functions is given: (formula_tex, formula_text, derivative_tex, derivative_text)
    formulas: tuple[str, str, str, str] | None = None
    # its mpmath reference, when functions is given (as Activation.mp_reference): what a float64
    # accuracy audit measures it against; None: it has none
    mp_reference: Callable[..., tuple[Any, Any]] | None = None
    # parameters the framework does not expose (fixed at their default)
    fixed: tuple[str, ...] = ()
    # one line on how it differs, shown by `info`
    note: str = ""


@dataclass(frozen=True)
class EngineName:
    """What one engine (a model library, a runtime, a format) means by one of its names for an
    activation: which record, at which parameters, and, where its own arithmetic differs from the
    record's by more than rounding to a few ULP, that arithmetic as a preset of the record."""

    # the engine's key in specs, e.g. "hf" (name@hf)
    engine: str
    # the name as the engine spells it ("gelu_new", "HardSigmoid"); specs match it without
    # regard to case, '-' read as '_'
    name: str
    # the catalogue record it means
    target: str
    # the preset: the parameters it sets (defaults), those it does not let change (fixed), its
    # own functions and formulas where it computes differently, where it is defined (name) and
    # one line on how it differs (note)
    variant: Variant
    # what the tests hold it to, where its arithmetic is not the record's (Checks)
    checks: Checks = field(default_factory=lambda: Checks())

    @property
    def key(self) -> str:
        """The name as specs spell it: lower case, '-' read as '_'."""
        return self.name.strip().lower().replace("-", "_")

    @property
    def spec_head(self) -> str:
        return f"{self.key}@{self.engine}"


@dataclass(frozen=True)
class Naive:
    """A textbook formula and its textbook derivative: what the accuracy audit compares the
    stable form against, computed in the input's own dtype exactly as a reader would type it."""

    # f(x, **params), computed in x's dtype
    forward: Callable[..., Array]
    # f'(x, **params), likewise
    derivative: Callable[..., Array]
    # the formulas as text, for tables and legends, or functions of the parameters giving them
    text: str | Callable[..., str]
    derivative_text: str | Callable[..., str]
    # whether the formula describes the activation at these parameters
    applies: Callable[..., bool] = lambda **_: True
    # (f, f') at once, where the derivative formula restates f (p*(1-p) with p the forward
    # formula): the same operations, so the same numbers, with f computed once
    both: Callable[..., tuple[Array, Array]] | None = None


@dataclass(frozen=True)
class Checks:
    """What the registry-wide tests hold a record to besides what every record must do."""

    # parameter settings tested besides the defaults and the presets, each as the parameters
    # it moves: {"beta": 1.702}
    samples: tuple[Mapping[str, Any], ...] = ()
    # (f, f') bounds in ULPs of mpmath, float64, over [-700, 700], at the defaults and every
    # sample; None when the record is not held to ULPs
    ulps: tuple[float, float] | None = None
    # the x interval (lo, hi), or a function of the parameters giving it, outside which the
    # true f leaves the float64 range (e^x above 709.78): finite in, finite out holds inside it
    # only; None is everywhere
    finite_within: tuple[float, float] | ParamsFn | None = None
    # presets whose switches are real but below what float64 resolves (a drop of under an ULP):
    # the claim tests hold them to showing no jump at all
    unresolved_presets: tuple[str, ...] = ()
    # orders (0 for f, 1 for f', 2 for f'') that have no limit at ±inf because they keep
    # oscillating (sin(ωx)): they are NaN there, as numpy's sin(±inf) is
    oscillates: tuple[int, ...] = ()
    # the x scale on which f changes, a number or a function of the parameters (1/ω0 for
    # sin(ω0·x)): the numeric-derivative check samples x in these units, so that the
    # finite-difference step (about 7e-4·max(1, √|x|)) stays small beside it
    x_scale: float | ParamsFn = 1.0
    # for an engine's arithmetic that cancels (0.5·x·(1 + tanh u) in the left tail): the size of
    # the terms it subtracts at x, a function cancels(x, order) for f (order 0) and f' (1); the
    # claim tests allow a few ULPs of that, not of f, for rounding. None: f is held to its own ULPs
    cancels: Callable[[Array, int], Array] | None = None


@dataclass(frozen=True)
class Layout:
    """How one implementation feeds a gated unit: from one array split in two, or from two
    projections."""

    # who writes it this way, e.g. "vLLM SiluAndMul"
    name: str
    # "contiguous" (x[..., :n/2], x[..., n/2:]), "interleaved" (x[..., ::2], x[..., 1::2]) or
    # "separate" (two projections, nothing split)
    split: str
    # which half is the gate input a: "first" or "second" ("" for separate projections)
    gate: str
    # the expression as shipped, one line
    code: str


@dataclass(frozen=True)
class Gated:
    """A gated unit f(a, b) = g(a)·v(b) of two inputs: the gate input a goes through the
    nonlinearity g, the value input b through v (the identity, or GPT-OSS's clip(b) + 1).

    Each function takes its input as a float64 array and the record's parameters other than
    ``b`` (which is the value held fixed along the gate curve that plots and tables show).
    """

    # (g, g', g''): the gate, g(a, **params)
    gate: tuple[Callable[..., Array], Callable[..., Array], Callable[..., Array]]
    # (v, v', v''): the value factor, v(b, **params)
    value: tuple[Callable[..., Array], Callable[..., Array], Callable[..., Array]]
    # mpmath references: (g, g') at an mpf a, and (v, v') at an mpf b
    mp_gate: Callable[..., tuple[Any, Any]]
    mp_value: Callable[..., tuple[Any, Any]]
    # (g, g') together from shared intermediates, or None
    gate_pair: Callable[..., tuple[Array, Array]] | None = None
    # the compiled kernel of (g, g') (a numerics.fast factory, called with the factors'
    # parameters), or None: the gate then computes what its elementwise entry's compiled path
    # does, so swiglu's gate curve stays silu's numbers to the bit on either path
    gate_fast: Callable[..., Callable[..., None] | None] | None = None
    # a where g' jumps, and b where v' jumps: tuples or functions of the parameters (without b)
    gate_kinks: ParamsFn | tuple[float, ...] = ()
    value_kinks: ParamsFn | tuple[float, ...] = ()
    # how one array is split when a call gets a single one, and which half is the gate input
    split: str = "contiguous"
    gate_half: str = "first"
    # the partial derivatives as plain text: ∂f/∂a, ∂f/∂b, ∂²f/∂a², ∂²f/∂a∂b, ∂²f/∂b²
    partials_text: tuple[str, str, str, str, str] = ("", "", "", "", "")
    # one line on the partials' values at the kinks of a and b
    kink_convention: str = ""
    # the implementations and how each feeds the unit (shown by `info`)
    layouts: tuple[Layout, ...] = ()
    # where the unit is used, one line
    used_in: str = ""


@dataclass(frozen=True)
class Activation:
    """Everything actviz knows about one activation function."""

    # canonical name
    name: str
    # "sigmoid-like", "rectifier", "linear", "exponential", "smooth gate", "shrink", "vector",
    # "gated", "periodic", "bump", "rational"
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
    # the intervals (a, b) on which f is identically 0, what activation sparsity P(f(z) = 0)
    # adds up (isolated zeros such as tanh's at 0 have no probability and are not listed):
    # a tuple or a function of params; () for none, None where the record does not say
    zeros: Intervals | ParamsFn | None = None
    # shape properties: Properties or a function of params returning one
    properties: Properties | ParamsFn | None = None
    # reference paper, e.g. "Hendrycks & Gimpel 2016, arXiv:1606.08415"
    reference: str = ""
    # the framework versions, keyed by FRAMEWORKS entries; absent means the framework lacks it
    frameworks: Mapping[str, Variant] = field(default_factory=dict)
    # f and f' together from shared intermediates: evaluate_pair(x, **params) -> (f, f')
    evaluate_pair: Callable[..., tuple[Array, Array]] | None = None
    # the compiled kernel for f and f' (actviz.numerics.fast): fast_pair(**params) gives
    # k(x, f, d), or None for parameters it does not cover; used where numba is installed
    fast_pair: Callable[..., Callable[..., None] | None] | None = None
    # mpmath reference: mp_reference(x: mpf, **params) -> (f, f') as mpf, at the working precision
    mp_reference: Callable[..., tuple[Any, Any]] | None = None
    # cross-parameter check: returns an error message or None
    validate: Callable[..., str | None] | None = None
    # for vector activations: (f(z, axis, **params), jacobian(z, axis, **params)), what a call and
    # .jacobian of the bound activation run; forward and derivatives are then its slice
    vector: tuple[Callable[..., Array], Callable[..., Array]] | None = None
    # for gated units f(a, b) = g(a)·v(b) (also vector: one array is split into a and b): the
    # two factors, what a two-input call and the partials run; forward and derivatives are the
    # gate curve f(x, b) at the parameter b (actviz.core.gated.gated_unit builds such a record)
    gated: Gated | None = None
    # one line on the stable formula, shown by `info`
    numerics: str = ""
    # one line on the derivative's value at kinks, shown by `info`
    kink_convention: str = ""
    # f = x·g(x) (gelu, silu, mish): f' = g + x·g' cancels next to its zero, where the
    # accuracy audit holds f' to its terms' size instead (CANCELLATION in analysis.accuracy)
    gate: bool = False
    # the textbook formula the accuracy audit shows beside this one, or None
    naive: Naive | None = None
    # the gain torch.nn.init.calculate_gain gives (a number or a function of the parameters
    # returning one, or None there); None: torch raises "Unsupported nonlinearity"
    torch_gain: float | ParamsFn | None = None
    # the x interval the gallery frames it in: a pair or a function of the parameters; None
    # is [-6, 6] widened to show every kink with room around it
    plot_range: tuple[float, float] | ParamsFn | None = None
    # what the tests hold it to: parameter samples, ULP bounds, exemptions
    checks: Checks = field(default_factory=Checks)

    @property
    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def param(self, name: str) -> Param | None:
        for p in self.params:
            if p.name == name or name in p.aliases:
                return p
        return None



def resolve(value: Any, params: Mapping[str, Any]) -> Any:
    """A field that may be a function of the parameters, for these parameters."""
    return value(**params) if callable(value) else value
