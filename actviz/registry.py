"""Every source of records in one place, and the resolver that turns a spec into a bound
activation.

:func:`get` turns a spec (``"leaky_relu(alpha=0.1)"``, ``"gelu@jax"``, ``"x*sigmoid(x)"``)
into a :class:`~actviz.core.bound.BoundActivation`: a catalogue record, a plugin's, or an
expression in x, with every parameter fixed.
"""

from __future__ import annotations

import difflib
import functools
from typing import Any

from . import plugins
from .core import store
from .core.bound import BoundActivation, bind
from .core.records import FRAMEWORKS, Activation
from .core.spec import parse_spec
from .errors import SpecError

_loaded = False


def _ensure_loaded() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        from . import catalogue  # noqa: F401  (registers every family; not on import: --help needs none)

        plugins.load_entry_points()  # entry-point group actviz.activations; a broken one is reported, not raised


@functools.wraps(plugins.register)
def register(*args: Any, **kwargs: Any) -> Any:
    _ensure_loaded()  # installed plugins first, so that a clash with one is caught here
    return plugins.register(*args, **kwargs)


@functools.wraps(plugins.load_file)
def load_plugin(path: Any) -> list[str]:
    _ensure_loaded()
    return plugins.load_file(path)


def records() -> list[Activation]:
    """Every registered record, in catalogue order."""
    _ensure_loaded()
    return store.stored()


def names() -> list[str]:
    """Canonical names of every registered activation."""
    _ensure_loaded()
    return [r.name for r in store.stored()]


def all_names() -> list[str]:
    """Canonical names and aliases."""
    _ensure_loaded()
    return store.stored_names()


def lookup(name: str) -> Activation:
    """The record for a canonical name or alias; :class:`UnknownActivationError` otherwise."""
    _ensure_loaded()
    return store.lookup(name)


def get(spec: str | BoundActivation | Activation, **params: Any) -> BoundActivation:
    """The activation a spec names, with its parameters fixed.

    ``get("leaky_relu(alpha=0.1)")`` and ``get("leaky_relu", alpha=0.1)`` are the same;
    keyword parameters override those in the spec. ``name@framework`` takes that
    framework's definition, defaults and derivative values at kinks.
    """
    if isinstance(spec, BoundActivation):
        return spec.with_params(**params) if params else spec
    if isinstance(spec, Activation):
        return bind(spec, params, None)
    try:
        parsed = parse_spec(spec)
        record = lookup(parsed.name)
    except SpecError as exc:
        # not a catalogue spec: perhaps an expression in x (actviz.expr decides, or raises exc)
        from .expr import expression_or_raise  # the reader and compiler, for expressions only

        return expression_or_raise(spec, exc, params)
    given = dict(parsed.params)
    for key, value in params.items():
        given[key] = value
    return bind(record, given, parsed.framework)



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

