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
from .core.records import FRAMEWORK_ALIASES, FRAMEWORKS, Activation, EngineName
from .core.spec import parse_spec
from .errors import PresetError, SpecError, UnknownActivationError

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
    framework's definition, defaults and derivative values at kinks; ``name@engine`` what
    that engine means by the name (``gelu_new@hf``, ``gelu@te``), and a name the catalogue
    lacks is looked up among the engines' (``gelu_new``, as a Hugging Face config writes it).
    """
    if isinstance(spec, BoundActivation):
        return spec.with_params(**params) if params else spec
    if isinstance(spec, Activation):
        return bind(spec, params, None)
    try:
        parsed = parse_spec(spec)
        record, engine = _resolve(parsed.name, parsed.framework)
    except SpecError as exc:
        # not a catalogue spec: perhaps an expression in x (actviz.expr decides, or raises exc)
        from .expr import expression_or_raise  # the reader and compiler, for expressions only

        return expression_or_raise(spec, exc, params)
    given = dict(parsed.params)
    for key, value in params.items():
        given[key] = value
    if engine is not None:
        return bind(record, given, engine=engine)
    return bind(record, given, parsed.framework)


def named(spec: str) -> BoundActivation:
    """The activation a spec names, as :func:`get` finds it, but never an expression in x: for
    names read from a file (a model config), where ``x`` is no activation."""
    parsed = parse_spec(spec)
    record, engine = _resolve(parsed.name, parsed.framework)
    return bind(record, dict(parsed.params), None if engine else parsed.framework, engine)


# -- the names engines and model configs use ----------------------------------------------------


def engine_key(text: str) -> str | None:
    """The engine a name after '@' means (``hf`` for ``transformers`` too), or None."""
    from .catalogue.engines import ENGINE_ALIASES, ENGINES

    key = text.strip().lower().replace("-", "_")
    key = ENGINE_ALIASES.get(key, key)
    return key if key in ENGINES else None


def engine_title(engine: str) -> str:
    from .catalogue.engines import ENGINES

    return ENGINES[engine]


def engine_names(name: str | None = None) -> list[EngineName]:
    """Every engine's names for activations, or those meaning the record ``name`` (a canonical
    name or alias), in the table's order."""
    _ensure_loaded()
    rows = store.engine_names()
    if name is None:
        return rows
    target = lookup(name).name
    return [r for r in rows if r.target == target]


def _engine_row(engine: str, name: str, record: Activation | None) -> EngineName:
    """What ``engine`` calls ``name``: its own name, else its one name for the record ``name``
    names (``hard_sigmoid@onnx`` is ONNX's HardSigmoid)."""
    row = store.engine_name(engine, name)
    if row is not None:
        return row
    title = engine_title(engine)
    if record is not None:
        rows = [r for r in store.engine_names() if r.engine == engine and r.target == record.name]
        if len(rows) == 1:
            return rows[0]
        if rows:
            raise PresetError(f"{title} has several names for {record.name}: "
                              + ", ".join(r.spec_head for r in rows))
    own = [r.spec_head for r in store.engine_names() if r.engine == engine]
    what = record.name if record is not None else repr(name)
    raise PresetError(f"{title} has no {what} in actviz's table of its names; those it has: {', '.join(own)}")


def _resolve(name: str, framework: str | None) -> tuple[Activation, EngineName | None]:
    """The record a spec's name and '@' part mean, and the engine name where it is one."""
    _ensure_loaded()
    record = store.find(name)
    if framework is not None:
        engine = engine_key(framework)
        if engine is not None:
            row = _engine_row(engine, name, record)
            return store.find(row.target), row
        fw = FRAMEWORK_ALIASES.get(framework.lower(), framework.lower())
        if fw not in FRAMEWORKS:
            from .catalogue.engines import ENGINES

            raise PresetError(f"unknown framework or engine {framework!r}; frameworks: {', '.join(FRAMEWORKS)}; "
                              f"engines: {', '.join(ENGINES)}")
    if record is not None:
        return record, None
    rows = [r for r in store.engine_names() if r.key == name]
    if rows and framework is not None:
        # an engine's name with a framework's '@' (gelu_new@torch): the engine's spec is meant
        raise UnknownActivationError(f"{name}@{framework}", [r.spec_head for r in rows])
    if rows:
        return store.find(_bare(name, rows).target), _bare(name, rows)
    known = list(dict.fromkeys([*store.stored_names(), *(r.key for r in store.engine_names())]))
    raise UnknownActivationError(name, difflib.get_close_matches(name, known, n=3, cutoff=0.6))


def _bare(name: str, rows: list[EngineName]) -> EngineName:
    """The engine name a spec without '@' means: Hugging Face's (the names configs are written
    in), else the only engine's that has it."""
    from .catalogue.engines import CONFIG_ENGINE

    for row in rows:
        if row.engine == CONFIG_ENGINE:
            return row
    if len(rows) == 1:
        return rows[0]
    raise SpecError(f"{name!r} is a name in several engines with different meanings: "
                    f"{', '.join(r.spec_head for r in rows)}; say which")



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

