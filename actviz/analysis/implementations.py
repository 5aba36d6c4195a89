"""Other implementations of an activation, called as their users call them, for the audit.

An implementation is named as on the command line's ``--impl``:

- ``actviz``: this library's public API (``act(x)`` and ``act.derivative(x)`` in the dtype;
  bfloat16, which the API does not take, as the float64 result rounded once);
- ``numpy``: the textbook formula of the record (its ``naive`` entry, ``1/(1+exp(-x))`` with
  ``p*(1-p)``, ...), computed in the dtype as typed;
- ``torch``, ``jax``, ``tensorflow`` (``tf``), ``keras`` (Keras 3 on its configured backend)
  and ``keras2`` (``tf_keras``): the framework's own function for the catalogue record, with
  the derivative through the framework's own autograd (``torch.autograd.grad``, ``jax.vjp``
  under ``jax.jit``, ``tf.GradientTape``) with a cotangent of ones;
- ``MODULE:FUNCTION`` or ``FILE.py:FUNCTION``, optionally ``…:FUNCTION,DERIVATIVE``: the
  user's own numpy function (and derivative), given the spec's parameters that its signature
  names.

Inputs are arrays of the audited dtype, handed over without conversion (bfloat16 through
ml_dtypes' numpy type, the frameworks' own bfloat16); actviz upcasts nothing. A result in
another dtype is noted and rounded once to the audited one (a float64 result from a float16
input is what storing it would give).

The framework's call comes from the record's preset for that framework (the same mapping the
conformance tests check against the frameworks): parameter names as the framework spells
them (``alpha`` → ``negative_slope``), ``gelu``'s approximate as the framework's string or
boolean. Parameters the spec sets (inline, by an option, or through a preset it names) are
passed; the others take the framework's defaults, so ``gelu --impl jax`` is ``jax.nn.gelu(x)``,
the tanh form, judged against ``gelu@jax``.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import inspect
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core.bound import BoundActivation, bind
from ..core.records import FRAMEWORK_TITLES
from ..errors import ActvizError, UsageError

#: The built-in implementations, in the order tables show them.
BUILTIN = ("actviz", "numpy", "torch", "jax", "tensorflow", "keras", "keras2")
ALIASES = {"pytorch": "torch", "tf": "tensorflow", "keras3": "keras", "tf_keras": "keras2",
           "tf.keras": "keras2", "textbook": "numpy"}
#: implementation -> the catalogue's preset key
FRAMEWORK_OF = {"torch": "torch", "jax": "jax", "tensorflow": "tf", "keras": "keras", "keras2": "keras2"}
#: implementation -> (importable package, what pip installs)
PACKAGES = {"torch": ("torch", "torch"), "jax": ("jax", "jax"), "tensorflow": ("tensorflow", "tensorflow"),
            "keras": ("keras", "keras"), "keras2": ("tf_keras", "tf_keras")}
#: Largest slice of a vector activation audited: the batch holds this many logits per x.
MAX_CLASSES = 64


class ImplementationError(ActvizError):
    """An implementation could not be loaded or called (exit 1): its module raised on
    import, or the call failed."""


class CallFailed(ImplementationError):
    """The implementation raised when called; ``part`` is "f" or "f'"."""

    def __init__(self, part: str, message: str):
        self.part = part
        super().__init__(message)


@dataclass(frozen=True)
class Implementation:
    """One ``--impl``: a built-in name or the user's ``MODULE:FUNCTION[,DERIVATIVE]``."""

    # "actviz", "numpy", "torch", ..., or the text given for a user's function
    name: str
    # "actviz", "numpy", "framework" or "user"
    kind: str
    # for a user's function: where it lives, its name and its derivative's
    where: str = ""
    function: str = ""
    derivative: str = ""

    @property
    def framework(self) -> str | None:
        """The catalogue's preset key for a framework implementation, else None."""
        return FRAMEWORK_OF.get(self.name) if self.kind == "framework" else None

    @property
    def title(self) -> str:
        if self.kind == "framework":
            return FRAMEWORK_TITLES[self.framework]
        return {"actviz": "actviz", "numpy": "textbook formula (numpy)"}.get(self.kind, self.name)

    def check_installed(self) -> None:
        """Raise :class:`MissingDependencyError` where the framework is not installed."""
        if self.kind != "framework":
            return
        from .accuracy import MissingDependencyError

        module, pip = PACKAGES[self.name]
        if importlib.util.find_spec(module) is None:
            raise MissingDependencyError(
                f"--impl {self.name} needs the {module} package, which is not installed (pip install {pip})"
            )

    def has(self, act: BoundActivation) -> bool:
        """Whether this implementation has the activation at all."""
        if self.kind == "framework":
            return self.framework in act.record.frameworks
        if self.kind == "numpy":
            return act.record.naive is not None
        return True

    def reference(self, act: BoundActivation, named: Iterable[str] = ()) -> BoundActivation:
        """The activation this implementation is judged against, for the spec ``act`` whose
        parameters ``named`` were set by the user (or by a preset the spec names).

        A framework's is its preset with those parameters; the others judge ``act`` itself.
        Raises :class:`UsageError` where the implementation lacks the function or cannot take
        the parameters.
        """
        if act.record.family == "expression":
            raise UsageError(f"--impl audits a catalogue activation; {act.spec} is an expression, "
                             "which has no float64 reference to judge another implementation by")
        if self.kind == "numpy":
            from .naive import naive_for

            if naive_for(act) is None:
                why = ("no textbook formula" if act.record.naive is None
                       else "no textbook formula for this definition or these parameters")
                raise UsageError(f"--impl numpy: {act.label} has {why}")
            return act
        if self.kind != "framework":
            return act
        fw = self.framework
        rec = act.record
        if fw not in rec.frameworks:
            have = [n for n, f in FRAMEWORK_OF.items() if f in rec.frameworks and n in BUILTIN]
            raise UsageError(f"{FRAMEWORK_TITLES[fw]} has no {rec.name}; implementations that have it: "
                             + (", ".join(["actviz", *have])))
        if act.framework not in (None, fw) and act.variant is not None and act.variant.functions:
            raise UsageError(f"{act.label} is {FRAMEWORK_TITLES[act.framework]}'s own definition; "
                             f"--impl {self.name} computes {FRAMEWORK_TITLES[fw]}'s "
                             f"(audit {rec.name}@{fw} or {rec.name})")
        given = {k: act.params[k] for k in _named(act, named)}
        return bind(rec, given, fw).elementwise

    def bind(self, ref: BoundActivation, dtype: np.dtype) -> Bound:
        """The implementation ready to call on arrays of ``dtype``, for the reference ``ref``."""
        if self.kind == "actviz":
            return _ActvizBound(self, ref, dtype)
        if self.kind == "numpy":
            return _NumpyBound(self, ref, dtype)
        if self.kind == "user":
            return _UserBound(self, ref, dtype)
        return _framework_bound(self, ref, dtype)

    def load(self) -> tuple[Callable, Callable | None]:
        """A user's (function, derivative or None); :class:`UsageError` where they do not exist."""
        if self.kind != "user":
            raise TypeError("only a user's implementation is loaded")
        module = _load_module(self.where, self.name)
        out = []
        for attr in (self.function, self.derivative):
            if not attr:
                out.append(None)
                continue
            obj = module
            for part in attr.split("."):
                if not hasattr(obj, part):
                    raise UsageError(f"--impl {self.name}: {self.where} has no {attr!r}")
                obj = getattr(obj, part)
            if not callable(obj):
                raise UsageError(f"--impl {self.name}: {attr} in {self.where} is not callable")
            out.append(obj)
        return out[0], out[1]

    def version(self) -> str | None:
        """The version that ran (the framework's, numpy's for the textbook, actviz's)."""
        if self.kind == "actviz":
            from ..version import __version__

            return __version__
        if self.kind == "numpy":
            return np.__version__
        if self.kind == "framework":
            module = sys.modules.get(PACKAGES[self.name][0])
            return getattr(module, "__version__", None) if module else None
        return None


def _named(act: BoundActivation, named: Iterable[str]) -> list[str]:
    """The parameters passed on to a framework: those named, and those whose value differs
    from the canonical default (set by the spec or by a preset it names)."""
    wanted = {act.record.param(n).name for n in named if act.record.param(n) is not None}
    canonical = act.record.defaults
    wanted |= {k for k, v in act.params.items() if canonical.get(k) != v}
    return [p.name for p in act.record.params if p.name in wanted]


_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def parse_implementation(text: str) -> Implementation:
    """An ``--impl`` value as an :class:`Implementation`; :class:`UsageError` if it is none."""
    raw = str(text).strip()
    key = raw.lower()
    key = ALIASES.get(key, key)
    if key in BUILTIN:
        kind = key if key in ("actviz", "numpy") else "framework"
        return Implementation(key, kind)
    where, sep, funcs = raw.rpartition(":")
    if sep and where and funcs:
        function, _, derivative = (f.strip() for f in funcs.partition(","))
        if not _IDENT.match(function) or (derivative and not _IDENT.match(derivative)):
            raise UsageError(f"--impl {raw!r}: after ':' give FUNCTION or FUNCTION,DERIVATIVE (Python names)")
        if not where.endswith(".py") and not _IDENT.match(where):
            raise UsageError(f"--impl {raw!r}: before ':' give a module (package.module) or a FILE.py")
        return Implementation(raw, "user", where, function, derivative)
    close = difflib.get_close_matches(key, [*BUILTIN, *ALIASES], n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise UsageError(f"unknown implementation {raw!r}{hint} (known: {', '.join(BUILTIN)}, tf, "
                     "or MODULE:FUNCTION[,DERIVATIVE], FILE.py:FUNCTION[,DERIVATIVE])")


def _load_module(where: str, shown: str):
    if where.endswith(".py"):
        path = os.path.abspath(where)
        if not os.path.isfile(path):
            raise UsageError(f"--impl {shown}: no such file {where!r}")
        name = "actviz_impl_" + re.sub(r"\W", "_", os.path.splitext(os.path.basename(path))[0])
        if name in sys.modules and getattr(sys.modules[name], "__file__", None) == path:
            return sys.modules[name]
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise UsageError(f"--impl {shown}: cannot load {where!r} as Python")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            sys.modules.pop(name, None)
            raise ImplementationError(f"--impl {shown}: running {where} failed: {_one_line(exc)}") from None
        return module
    # as `python -m` would: the current directory first
    added = os.getcwd() not in sys.path
    if added:
        sys.path.insert(0, os.getcwd())
    try:
        return importlib.import_module(where)
    except ModuleNotFoundError as exc:
        if exc.name and (where == exc.name or where.startswith(exc.name + ".")):
            raise UsageError(f"--impl {shown}: no module named {exc.name!r}") from None
        raise ImplementationError(f"--impl {shown}: importing {where} failed: {_one_line(exc)}") from None
    except Exception as exc:
        raise ImplementationError(f"--impl {shown}: importing {where} failed: {_one_line(exc)}") from None
    finally:
        if added:
            sys.path.remove(os.getcwd())


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# -- bound implementations ---------------------------------------------------------------------


@dataclass
class Bound:
    """An implementation ready to run on arrays of one dtype for one reference."""

    impl: Implementation
    ref: BoundActivation
    dtype: np.dtype
    # how the function and the derivative are computed, for tables ("torch.nn.functional.gelu(x)")
    call: str = ""
    derivative_call: str = ""
    # derivative values at kinks where this implementation's convention differs from the
    # reference preset's (a Keras 3 backend other than TensorFlow): {x: f'(x)}
    kinks: dict[float, float] = field(default_factory=dict)
    # what a reader should know about the results (a dtype other than the input's, ...)
    notes: list[str] = field(default_factory=list)

    def evaluate(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """(f, f') at x, in the audited dtype; f' None where the implementation has none.
        Raises :class:`CallFailed` where the implementation does. Each kind defines its own."""
        raise TypeError(f"{type(self).__name__} does not evaluate")

    def _own_dtype(self, out: Any, part: str) -> np.ndarray:
        """A result as an array of the audited dtype (noting, and rounding once, another)."""
        from .accuracy import round_once

        arr = np.asarray(out)
        if arr.dtype != self.dtype:
            shown = _dtype_name(arr.dtype)
            note = f"{part} returns {shown} for {_dtype_name(self.dtype)} input"
            if note not in self.notes:
                self.notes.append(note)
            if arr.dtype.kind not in "fViub":  # bfloat16 is kind "V"
                raise CallFailed(part, f"{part} returned {shown}, not numbers")
            with np.errstate(all="ignore"):
                arr = round_once(arr.astype(np.float64), self.dtype)
        return arr


def _dtype_name(dt: np.dtype) -> str:
    return "bfloat16" if np.dtype(dt).kind == "V" or np.dtype(dt).name == "bfloat16" else np.dtype(dt).name


class _ActvizBound(Bound):
    def __init__(self, impl, ref, dtype):
        super().__init__(impl, ref, dtype)
        public = np.dtype(dtype).kind == "f"
        self.call = f"actviz.get({ref.spec!r})(x)" if public else "actviz in float64, rounded once to bfloat16"
        self.derivative_call = ".derivative(x)" if public else "the same for f'"

    def evaluate(self, x):
        from .accuracy import round_once

        with np.errstate(all="ignore"):
            if x.dtype.kind == "f":
                f, d = self.ref.evaluate(x, (0, 1))
                return np.asarray(f), np.asarray(d)
            f, d = self.ref.evaluate(x.astype(np.float64), (0, 1))
            return round_once(np.asarray(f), x.dtype), round_once(np.asarray(d), x.dtype)


class _NumpyBound(Bound):
    def __init__(self, impl, ref, dtype):
        super().__init__(impl, ref, dtype)
        from .naive import naive_for

        self.entry = naive_for(ref)
        self.call = self.entry.text
        self.derivative_call = self.entry.derivative_text

    def evaluate(self, x):
        from .naive import textbook_pair

        f, d = textbook_pair(self.entry, x, self.ref.params)
        f = np.broadcast_to(np.asarray(f), x.shape)
        d = np.broadcast_to(np.asarray(d), x.shape)
        return self._own_dtype(f, "f"), self._own_dtype(d, "f'")


def _accepted(fn: Callable, params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters ``fn``'s signature takes by name (all of them with **kwargs)."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return {}
    kinds = {p.kind for p in sig.parameters.values()}
    if inspect.Parameter.VAR_KEYWORD in kinds:
        return dict(params)
    names = {n for n, p in sig.parameters.items()
             if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)}
    return {k: v for k, v in params.items() if k in names}


class _UserBound(Bound):
    def __init__(self, impl, ref, dtype):
        super().__init__(impl, ref, dtype)
        self.f, self.df = impl.load()
        self.kw_f = _accepted(self.f, ref.params)
        self.kw_d = _accepted(self.df, ref.params) if self.df else {}
        args = "".join(f", {k}={v!r}" for k, v in self.kw_f.items())
        self.call = f"{impl.function}(x{args})"
        self.derivative_call = f"{impl.derivative}(x)" if self.df else ""
        if self.df is None:
            self.notes.append("no derivative given")

    def evaluate(self, x):
        with np.errstate(all="ignore"):
            try:
                f = self.f(x.copy(), **self.kw_f)
            except Exception as exc:
                raise CallFailed("f", f"{self.impl.name}: {self.call} failed: {_one_line(exc)}") from None
            f = self._own_dtype(np.broadcast_to(np.asarray(f), x.shape), "f")
            if self.df is None:
                return f, None
            try:
                d = self.df(x.copy(), **self.kw_d)
            except Exception as exc:
                raise CallFailed("f'", f"{self.impl.name}: {self.derivative_call} failed: {_one_line(exc)}") from None
            return f, self._own_dtype(np.broadcast_to(np.asarray(d), x.shape), "f'")


# -- the frameworks ----------------------------------------------------------------------------


def framework_call(act: BoundActivation) -> tuple[str, str, dict]:
    """(library, the framework's dotted name, its keyword arguments) for a preset ``act``.

    The name is the preset's Variant.name; each parameter goes by the variant's ``arguments``
    name (or its own), except parameters the framework does not expose (``fixed``) and a
    vector activation's parameters, which only describe the slice actviz shows. A choice
    parameter with boolean spellings (gelu's approximate: "none"/"tanh") is passed as the
    boolean outside torch, which takes the string. The library is "native", "keras" (Keras 3)
    or "tf_keras" (Keras 2).
    """
    variant = act.variant
    lib = {"keras": "keras", "keras2": "tf_keras"}.get(act.framework, "native")
    kwargs: dict = {}
    if not act.is_vector:
        for p in act.record.params:
            if p.name in variant.fixed:
                continue
            value = act.params[p.name]
            if p.kind == "choice" and act.framework != "torch":
                spelled = {v: k for k, v in p.choice_aliases.items() if k in ("true", "false")}
                if value in spelled:
                    value = spelled[value] == "true"
            kwargs[variant.arguments.get(p.name, p.name)] = value
    elif act.framework == "torch":
        kwargs["dim"] = -1
    return lib, variant.name, kwargs


def resolve_name(dotted: str, lib: str):
    """The object a framework's dotted name names; for lib tf_keras, "tf.keras.X" is tf_keras.X."""
    parts = dotted.split(".")
    if lib == "tf_keras" and parts[:2] == ["tf", "keras"]:
        parts = ["tf_keras", *parts[2:]]
    if parts[0] == "tf":
        parts[0] = "tensorflow"
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(dotted)


def _backend_name(impl: Implementation) -> str:
    if impl.name in ("torch", "jax", "tensorflow"):
        return impl.name
    if impl.name == "keras2":
        return "tensorflow"
    import keras

    return keras.config.backend()


class _FrameworkBound(Bound):
    def __init__(self, impl, ref, dtype, backend):
        super().__init__(impl, ref, dtype)
        self.backend = backend
        lib, name, kwargs = framework_call(ref)
        self.lib, self.name, self.kwargs = lib, name, kwargs
        try:
            obj = resolve_name(name, lib)
        except (ImportError, AttributeError) as exc:
            raise ImplementationError(f"--impl {impl.name}: {name} is not in the installed "
                                      f"{PACKAGES[impl.name][0]}: {_one_line(exc)}") from None
        self.fn = self._callable(obj, kwargs)
        shown = ", ".join(f"{k}=Constant({v!r})" if k.endswith("_initializer") else f"{k}={v!r}"
                          for k, v in kwargs.items() if k not in ("values", "x2"))
        if "values" in kwargs or "x2" in kwargs:
            key = "values" if "values" in kwargs else "x2"
            shown = f"full_like(x, {kwargs[key]!r})" + (", " + shown if shown else "")
        if isinstance(obj, type):
            self.call = f"{name}({shown})(x)"
        elif ref.is_vector:
            self.call = f"{name}(z{', ' + shown if shown else ''})[..., 0]"
        else:
            self.call = f"{name}(x{', ' + shown if shown else ''})"
        self.derivative_call = backend.autograd
        if impl.name == "keras":
            self.call += f" on the {backend.name} backend"
            self.kinks = dict(ref.backend_kink_derivatives().get(backend.name, {}))
        self.traced = self.fn
        if ref.is_vector:
            consts, vector = _slice_columns(ref, dtype), self.fn

            def traced(t):
                cols = [t if c is None else backend.full_like(t, c) for c in consts]
                return backend.first_column(vector(backend.stack_columns(cols)))

            self.traced = traced

    def _callable(self, obj, kwargs):
        kwargs = dict(kwargs)
        be = self.backend
        if isinstance(obj, type):  # a layer or module, built once in the audited dtype
            for key, value in list(kwargs.items()):
                if key.endswith("_initializer"):
                    kwargs[key] = _keras_constant(self.lib, value)
            if self.backend.name == "torch" and self.lib == "native":
                layer = obj(**kwargs).to(be.dtype_of(self.dtype))
            else:
                layer = obj(**kwargs, dtype=_dtype_name(self.dtype))
            return layer
        tensor_args = {k: v for k, v in kwargs.items() if k in ("values", "x2")}
        other = {k: v for k, v in kwargs.items() if k not in tensor_args}
        if tensor_args:
            ((key, value),) = tensor_args.items()
            return lambda t: obj(t, be.full_like(t, value), **other)
        return lambda t: obj(t, **other)

    def evaluate(self, x):
        be = self.backend
        fn = self.traced
        try:
            t = be.tensor(x)
        except Exception as exc:
            raise CallFailed("f", f"{self.impl.name}: cannot make a {_dtype_name(self.dtype)} tensor: "
                             f"{_one_line(exc)}") from None
        f, d, d_error = be.value_and_grad(fn, t)
        if f is None:
            raise CallFailed("f", f"{self.impl.name}: {self.call} failed: {d_error}")
        f = self._own_dtype(be.numpy(f), "f")
        if d is None:
            note = f"no derivative: {d_error}"
            if note not in self.notes:
                self.notes.append(note)
            return f, None
        return f, self._own_dtype(be.numpy(d), "f'")


def _slice_columns(ref: BoundActivation, dtype: np.dtype) -> list:
    """The columns of a vector activation's slice: None where x goes, else the fixed value
    (each exact in the audited dtype, so that the framework sees the reference's slice)."""
    from ..core.gated import VALUE
    from .accuracy import round_once

    params = ref.params
    gated = ref.record.gated
    if gated is not None and gated.split in ("contiguous", "interleaved"):
        # two columns, one value per half (both splits agree on two): x is the gate input a,
        # the value input b stays at its parameter
        cols = [None, params[VALUE]] if gated.gate_half == "first" else [params[VALUE], None]
    elif "classes" in params and "others" in params:
        classes = int(params["classes"])
        if classes > MAX_CLASSES:
            raise UsageError(f"--impl audits {ref.name}'s slice as a batch of rows of `classes` logits: "
                             f"at most {MAX_CLASSES}, not {classes}")
        cols = [None] + [params["others"]] * (classes - 1)
    else:
        raise UsageError(f"--impl cannot build {ref.name}'s one-dimensional slice for a framework")
    for c in cols:
        if c is not None:
            exact = float(round_once(np.array([float(c)]), np.dtype(dtype)).astype(np.float64)[0])
            if exact != float(c):
                raise UsageError(f"{ref.label}: its slice holds {c!r}, which is not a {_dtype_name(dtype)} "
                                 "value; give one that is, so that the framework sees the same slice")
    return cols


def _keras_constant(lib: str, value):
    if lib == "tf_keras":
        import tf_keras

        return tf_keras.initializers.Constant(value)
    import keras

    return keras.initializers.Constant(value)


def _framework_bound(impl: Implementation, ref: BoundActivation, dtype: np.dtype) -> Bound:
    impl.check_installed()
    name = _backend_name(impl)
    backend = {"torch": _Torch, "jax": _Jax, "tensorflow": _TensorFlow}.get(name)
    if backend is None:
        raise UsageError(f"--impl keras: Keras runs on the {name!r} backend here, which has no autograd "
                         "(set KERAS_BACKEND to tensorflow, jax or torch)")
    be = backend(dtype)
    return _FrameworkBound(impl, ref, dtype, be)


class _Backend:
    """Tensors and autograd of one framework, in one dtype."""

    name = ""
    autograd = ""

    def __init__(self, dtype: np.dtype):
        self.np_dtype = np.dtype(dtype)

    # each framework defines tensor, numpy, full_like, stack_columns, first_column and
    # value_and_grad(fn, t) -> (f, f' or None, why not) as its tensors (f None where the call failed)


class _Torch(_Backend):
    name = "torch"
    autograd = "torch.autograd.grad(y, x, ones_like(y))"

    def __init__(self, dtype):
        super().__init__(dtype)
        import torch

        self.torch = torch

    def dtype_of(self, dtype):
        return {"float64": self.torch.float64, "float32": self.torch.float32, "float16": self.torch.float16,
                "bfloat16": self.torch.bfloat16}[_dtype_name(dtype)]

    def tensor(self, x):
        torch = self.torch
        if x.dtype.kind == "V" or _dtype_name(x.dtype) == "bfloat16":  # ml_dtypes' bfloat16: the same bits
            return torch.from_numpy(np.ascontiguousarray(x).view(np.int16).copy()).view(torch.bfloat16)
        return torch.from_numpy(np.ascontiguousarray(x).copy())

    def numpy(self, t):
        t = t.detach()
        if t.dtype == self.torch.bfloat16:
            import ml_dtypes

            return t.contiguous().view(self.torch.int16).numpy().view(ml_dtypes.bfloat16)
        return t.numpy()

    def full_like(self, t, v):
        return self.torch.full_like(t, v)

    def stack_columns(self, cols):
        return self.torch.stack(cols, dim=-1)

    def first_column(self, y):
        return y[..., 0]

    def value_and_grad(self, fn, t):
        torch = self.torch
        t = t.requires_grad_(True)
        try:
            y = fn(t)
        except Exception as exc:
            return None, None, _one_line(exc)
        try:
            (g,) = torch.autograd.grad(y, t, torch.ones_like(y), allow_unused=True)
        except Exception as exc:
            return y, None, _one_line(exc)
        if g is None:
            g = torch.zeros_like(t)
        return y, g, ""


class _Jax(_Backend):
    name = "jax"
    autograd = "jax.jit(jax.vjp) with ones"

    def __init__(self, dtype):
        super().__init__(dtype)
        import jax

        if _dtype_name(dtype) == "float64" and not jax.config.jax_enable_x64:
            # without it jax has no float64 arrays at all (it makes them float32)
            jax.config.update("jax_enable_x64", True)
        self.jax = jax
        self.jnp = jax.numpy
        self._run = None  # (both, forward) jitted, for the one function this backend serves

    def tensor(self, x):
        return self.jnp.asarray(x)

    def numpy(self, t):
        return np.asarray(t)

    def full_like(self, t, v):
        return self.jnp.full_like(t, v)

    def stack_columns(self, cols):
        return self.jnp.stack(cols, axis=-1)

    def first_column(self, y):
        return y[..., 0]

    def value_and_grad(self, fn, t):
        jax, jnp = self.jax, self.jnp
        if self._run is None:
            def both(v):
                y, pull = jax.vjp(fn, v)
                return y, pull(jnp.ones_like(y))[0]

            self._run = (jax.jit(both), jax.jit(fn))
        try:
            y, g = self._run[0](t)
            return y, g, ""
        except Exception as exc:
            why = _one_line(exc)
        try:
            return self._run[1](t), None, why
        except Exception as exc:
            return None, None, _one_line(exc)


class _TensorFlow(_Backend):
    name = "tensorflow"
    autograd = "tf.GradientTape().gradient(y, x)"

    def __init__(self, dtype):
        super().__init__(dtype)
        import tensorflow as tf

        self.tf = tf

    def tensor(self, x):
        return self.tf.constant(x)

    def numpy(self, t):
        return np.asarray(t.numpy() if hasattr(t, "numpy") else t)

    def full_like(self, t, v):
        return self.tf.fill(self.tf.shape(t), self.tf.constant(v, dtype=t.dtype))

    def stack_columns(self, cols):
        return self.tf.stack(cols, axis=-1)

    def first_column(self, y):
        return y[..., 0]

    def value_and_grad(self, fn, t):
        tf = self.tf
        try:
            with tf.GradientTape() as tape:
                tape.watch(t)
                y = fn(t)
        except Exception as exc:
            return None, None, _one_line(exc)
        try:
            g = tape.gradient(y, t, unconnected_gradients=tf.UnconnectedGradients.ZERO)
        except Exception as exc:
            return y, None, _one_line(exc)
        return y, g, ""


__all__ = [
    "ALIASES",
    "BUILTIN",
    "Bound",
    "CallFailed",
    "Implementation",
    "ImplementationError",
    "framework_call",
    "parse_implementation",
    "resolve_name",
]
