"""Activations from outside the catalogue: ``actviz.register``, entry points and plugin files.

Three ways in, all ending in the same checked registration:

- ``actviz.register`` from Python: an :class:`~actviz.core.records.Activation` record; a numpy
  function with its derivative and metadata as keywords (also as a decorator); or an
  expression string with a name (``register("x*tanh(softplus(x))", name="mish_expr")``).
- Packages declare the entry-point group ``actviz.activations``; each entry point is an
  Activation record, a callable returning one or a list of them, or a module that registers on
  import. They are loaded right after the catalogue.
- ``actviz --plugin FILE.py COMMAND``: a Python file that calls ``actviz.register``, for one command.

A broken plugin (import error, bad record, name clash) is reported as one line on stderr,
naming it; the rest of the catalogue still works. :func:`problems` lists what went wrong.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
import types
import warnings
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .core import store
from .core.bound import bind
from .core.records import Activation, Interval, Param, Properties
from .errors import OptionError, UsageError
from .numerics import stencil

#: The entry-point group packages use to ship activations.
GROUP = "actviz.activations"

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_problems: list[str] = []


class PluginError(UsageError):
    """A plugin's record is malformed, or its name is already taken."""


def problems() -> list[str]:
    """One line for every plugin that failed to load in this process, in order."""
    return list(_problems)


def _report(origin: str, exc: BaseException) -> None:
    reason = str(exc) if isinstance(exc, PluginError) else f"{type(exc).__name__}: {exc}"
    line = f"{origin} not loaded: {' '.join(reason.split())}"
    _problems.append(line)
    print(f"actviz: warning: {line}", file=sys.stderr)


# -- checking and registering records ------------------------------------------------------------


def check_record(record: Any) -> Activation:
    """``record`` if it is a usable Activation; :class:`PluginError` saying what is wrong otherwise."""
    if not isinstance(record, Activation):
        raise PluginError(f"expected an actviz.Activation record, got {type(record).__name__}")
    for name in (record.name, *record.aliases):
        if not isinstance(name, str) or not _NAME.match(name):
            raise PluginError(
                f"activation name {name!r} must be lower case letters, digits and '_', starting with a letter"
            )
    if not callable(record.forward):
        raise PluginError(f"{record.name}: forward is not callable")
    derivs = record.derivatives
    if not (isinstance(derivs, tuple) and len(derivs) == 2 and all(callable(d) for d in derivs)):
        raise PluginError(f"{record.name}: derivatives must be a tuple (f', f'') of two functions")
    for label in ("formula_tex", "formula_text", "derivative_tex", "derivative_text", "family"):
        if not isinstance(getattr(record, label), str):
            raise PluginError(f"{record.name}: {label} must be a string")
    if not all(isinstance(p, Param) for p in record.params):
        raise PluginError(f"{record.name}: params must be actviz.Param records")
    # One small evaluation, so that a record that cannot run is refused here and not mid-plot.
    x = np.array([-1.5, 0.0, 0.5, 2.0])
    try:
        act = bind(record, {})
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            for label, fn in (("forward", act), ("f'", act.derivative), ("f''", lambda v: act.derivative(v, 2))):
                out = np.asarray(fn(x))
                if out.shape != x.shape:
                    raise PluginError(f"{record.name}: {label} gave shape {out.shape} for input shape {x.shape}")
    except PluginError:
        raise
    except Exception as exc:
        raise PluginError(f"{record.name}: evaluating it failed: {type(exc).__name__}: {exc}") from None
    return record


def _add(record: Activation, replace: bool = False) -> Activation:
    # the catalogue first, so that a plugin that clashes with it is refused; registered here
    # and not on import, so that importing actviz (and `actviz --help`) builds no record
    from . import catalogue  # noqa: F401

    check_record(record)
    try:
        return store.register(record, replace=replace)
    except ValueError as exc:
        raise PluginError(str(exc)) from None


def _second_by_differences(d1: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
    """f'' as the five-point difference of the analytic f', for plugins that give no f''."""

    def d2(x, **params):
        with np.errstate(all="ignore"):
            return stencil.five_point(lambda v: d1(v, **params), x)

    return d2


def _params(spec: Mapping[str, Any] | Iterable[Param] | None) -> tuple[Param, ...]:
    if spec is None:
        return ()
    if isinstance(spec, Mapping):
        out = []
        for name, default in spec.items():
            if isinstance(default, Param):
                out.append(default)
            elif isinstance(default, bool):
                out.append(Param(name, default, "plugin parameter", kind="bool"))
            elif isinstance(default, (int, float)):
                kind = "int" if isinstance(default, int) else "float"
                out.append(Param(name, default, "plugin parameter", kind=kind))
            else:
                raise PluginError(f"parameter {name!r}: give a number, a bool or an actviz.Param, not {default!r}")
        return tuple(out)
    params = tuple(spec)
    if not all(isinstance(p, Param) for p in params):
        raise PluginError("params must be a mapping of defaults or a sequence of actviz.Param")
    return params


def _tex_name(name: str) -> str:
    return r"\mathrm{%s}" % name.replace("_", r"\_")


def register(
    obj: Any = None,
    /,
    *,
    name: str | None = None,
    derivative: Callable[..., np.ndarray] | None = None,
    second_derivative: Callable[..., np.ndarray] | None = None,
    params: Mapping[str, Any] | Iterable[Param] | None = None,
    aliases: Iterable[str] = (),
    family: str = "user",
    formula_tex: str | None = None,
    formula_text: str | None = None,
    derivative_tex: str | None = None,
    derivative_text: str | None = None,
    kinks: Any = (),
    output_range: Any = None,
    properties: Properties | Callable[..., Properties] | None = None,
    reference: str = "",
    mp_reference: Callable[..., tuple[Any, Any]] | None = None,
    numerics: str = "",
    kink_convention: str = "",
    replace: bool = False,
) -> Any:
    """Add an activation to the catalogue, checked; usable as a function or a decorator.

    - ``register(record)``: an :class:`Activation` record; returns it.
    - ``register(fn, derivative=df, ...)`` or ``@register(derivative=df, ...)`` over
      ``fn(x, **params)``: builds the record from the keywords (``name`` defaults to the
      function's name; ``params`` maps names to defaults; without ``second_derivative``, f'' is
      the five-point difference of ``derivative``); returns ``fn`` unchanged.
    - ``register("x*tanh(softplus(x))", name="mish_expr")``: an expression under a name, with
      ``params`` giving defaults for its free names; returns the record.

    Raises :class:`PluginError` for a malformed record or a name that is already taken
    (``replace=True`` overrides an earlier plugin's entry).
    """
    if obj is None:

        def decorator(fn: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
            return register(
                fn, name=name, derivative=derivative, second_derivative=second_derivative,
                params=params, aliases=aliases, family=family, formula_tex=formula_tex,
                formula_text=formula_text, derivative_tex=derivative_tex,
                derivative_text=derivative_text, kinks=kinks, output_range=output_range,
                properties=properties, reference=reference, mp_reference=mp_reference,
                numerics=numerics, kink_convention=kink_convention, replace=replace,
            )

        return decorator
    if isinstance(obj, Activation):
        return _add(obj, replace)
    if isinstance(obj, str):
        return _add(_expression_record(obj, name, params, aliases, family, reference), replace)
    if not callable(obj) or isinstance(obj, type):
        raise PluginError(f"register takes an Activation, a function or an expression, not {type(obj).__name__}")
    fname = name or getattr(obj, "__name__", "")
    if derivative is None:
        raise PluginError(f"{fname}: give derivative= (the analytic f'(x, **params))")
    shown = fname or "f"
    record = Activation(
        name=fname,
        family=family,
        forward=obj,
        derivatives=(derivative, second_derivative or _second_by_differences(derivative)),
        formula_tex=formula_tex or f"{_tex_name(shown)}(x)",
        formula_text=formula_text or f"{shown}(x)",
        derivative_tex=derivative_tex or f"{_tex_name(shown)}'(x)",
        derivative_text=derivative_text or f"{shown}'(x)",
        params=_params(params),
        aliases=tuple(aliases),
        kinks=kinks,
        output_range=output_range if output_range is not None else Interval(-np.inf, np.inf, False, False),
        properties=properties,
        reference=reference or "plugin",
        mp_reference=mp_reference,
        numerics=numerics or ("" if second_derivative else "f'' by five-point differences of f'"),
        kink_convention=kink_convention,
    )
    _add(record, replace)
    return obj


def _expression_record(text: str, name: str | None, params: Any, aliases: Iterable[str], family: str, reference: str) -> Activation:
    import dataclasses

    from .expr import compile_record, parse

    if not name:
        raise PluginError(f"registering the expression {text!r} needs name=")
    parsed = parse(text)
    base = compile_record(parsed)
    defaults = dict(params or {})
    unknown = set(defaults) - set(parsed.params)
    if unknown:
        raise PluginError(f"{name}: the expression has no parameter {sorted(unknown)[0]!r}")
    missing = [n for n in parsed.params if n not in defaults]
    if missing:
        raise PluginError(f"{name}: give a default for {', '.join(missing)} in params=")
    new_params = tuple(Param(p.name, float(defaults[p.name]), f"parameter of {text}") for p in base.params)
    return dataclasses.replace(
        base,
        name=name,
        aliases=tuple(aliases),
        family=family if family != "user" else "expression",
        params=new_params,
        reference=reference or f"expression {parsed.text}",
    )


# -- loading -------------------------------------------------------------------------------------


def _register_object(obj: Any) -> None:
    if isinstance(obj, types.ModuleType):
        return  # a module registers on import
    if isinstance(obj, Activation):
        _add(obj)
        return
    if callable(obj) and not isinstance(obj, type):
        made = obj()
        items = list(made) if isinstance(made, (list, tuple)) else [made]
        for item in items:
            check_record(item)
        for item in items:
            _add(item)
        return
    raise PluginError(
        f"an entry point must be an Activation, a callable returning one or a list, or a module; "
        f"got {type(obj).__name__}"
    )


def _entry_points() -> list[tuple[str, str]]:
    """(name, value) of every entry point in :data:`GROUP`, first distribution of a name winning.

    Reads the ``entry_points.txt`` of each ``*.dist-info`` / ``*.egg-info`` directory on
    ``sys.path`` directly: importing ``importlib.metadata`` alone costs about 80 ms of start-up,
    paid by every command. A zip file on ``sys.path`` falls back to ``importlib.metadata``.
    """
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    for entry in sys.path:
        path = entry or "."
        if os.path.isfile(path):
            from importlib.metadata import entry_points

            return [(ep.name, ep.value) for ep in entry_points(group=GROUP)]
        try:
            listing = sorted(os.scandir(path), key=lambda d: d.name)
        except OSError:
            continue
        for d in listing:
            if not d.name.endswith((".dist-info", ".egg-info")):
                continue
            stem = d.name.rsplit(".", 1)[0]  # without .dist-info / .egg-info
            dist = re.sub(r"[-_.]+", "_", stem.split("-", 1)[0]).lower()
            if dist in seen:
                continue
            seen.add(dist)
            try:
                with open(os.path.join(d.path, "entry_points.txt"), encoding="utf-8") as fh:
                    text = fh.read()
            except OSError:
                continue
            if GROUP in text:
                found += _parse_entry_points(text)
    return found


def _parse_entry_points(text: str) -> list[tuple[str, str]]:
    out, section = [], None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
        elif section == GROUP and "=" in line:
            name, _, value = line.partition("=")
            out.append((name.strip(), value.strip()))
    return out


def _load_value(value: str) -> Any:
    """``module.sub:attr.attr [extras]`` -> the object, as entry points are loaded."""
    spec = re.sub(r"\[.*\]\s*$", "", value).strip()
    module_name, _, attrs = spec.partition(":")
    obj = importlib.import_module(module_name.strip())
    for attr in filter(None, attrs.strip().split(".")):
        obj = getattr(obj, attr)
    return obj


def load_entry_points() -> list[str]:
    """Load every entry point of :data:`GROUP`; return the names they added."""
    from . import catalogue  # noqa: F401  (its names are not the plugin's)

    before = set(store.stored_names())
    try:
        found = _entry_points()
    except Exception as exc:  # a malformed installed distribution must not stop actviz
        _report("plugins (listing entry points)", exc)
        return []
    for name, value in found:
        try:
            _register_object(_load_value(value))
        except Exception as exc:
            _report(f"plugin {name!r} ({value})", exc)
    return [r.name for r in store.stored() if r.name not in before]


def load_file(path: str | Path) -> list[str]:
    """Run a plugin file (it calls ``actviz.register``); return the names it added.

    A missing file is a usage error; a file that fails, or registers a bad record, is reported
    on stderr and the names registered before the failure stay.
    """
    p = Path(path)
    if p.suffix != ".py":
        raise OptionError("plugin", f"{{plugin}} takes a Python file (FILE.py), not {str(path)!r}")
    if not p.is_file():
        raise OptionError("plugin", f"{{plugin}} {str(path)!r}: no such file")
    from . import catalogue  # noqa: F401  (its names are not the plugin's)

    before = set(store.stored_names())
    module_name = "actviz_plugin_" + re.sub(r"\W", "_", p.stem)
    origin = f"plugin {p.name!r}"
    failed = False
    try:
        spec = importlib.util.spec_from_file_location(module_name, p)
        if spec is None or spec.loader is None:
            raise PluginError(f"cannot load {str(p)!r} as Python")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module  # dataclasses and pickling look the module up here
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as exc:
        sys.modules.pop(module_name, None)
        _report(origin, exc)
        failed = True
    added = [r.name for r in store.stored() if r.name not in before]
    if not added and not failed:
        _report(origin, PluginError("it registered no activation (call actviz.register in it)"))
    return added


__all__ = [
    "GROUP",
    "PluginError",
    "check_record",
    "load_entry_points",
    "load_file",
    "problems",
    "register",
]
