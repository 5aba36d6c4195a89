"""The store of registered records: every source (the catalogue, plugins) adds to it here.

It knows nothing of where records come from; :mod:`actviz.registry` loads the sources and
resolves specs against it.
"""

from __future__ import annotations

import difflib

from ..errors import UnknownActivationError
from .records import Activation, EngineName

_REGISTRY: dict[str, Activation] = {}
_ALIASES: dict[str, str] = {}
#: what each engine calls an activation: (engine, name as specs spell it) -> its EngineName
_ENGINE_NAMES: dict[tuple[str, str], EngineName] = {}
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



def register_engine_name(entry: EngineName) -> EngineName:
    """Add what an engine means by one of its names; its record must be registered already."""
    key = (entry.engine, entry.key)
    if key in _ENGINE_NAMES:
        raise ValueError(f"{entry.spec_head} is already registered")
    if find(entry.target) is None:
        raise ValueError(f"{entry.spec_head}: no activation {entry.target!r} to mean")
    _ENGINE_NAMES[key] = entry
    return entry


def engine_name(engine: str, key: str) -> EngineName | None:
    """What ``engine`` means by ``key`` (normalised as specs are), or None."""
    return _ENGINE_NAMES.get((engine, key))


def engine_names() -> list[EngineName]:
    """Every engine name, in registration order."""
    return list(_ENGINE_NAMES.values())


def find(key: str) -> Activation | None:
    """The record for a canonical name or alias (already normalised), or None."""
    return _REGISTRY.get(_ALIASES.get(key, key))


def stored() -> list[Activation]:
    """Every registered record, in registration order."""
    return list(_REGISTRY.values())


def stored_names() -> list[str]:
    """Canonical names and aliases, in registration order."""
    return [*_REGISTRY, *_ALIASES]


def lookup(name: str) -> Activation:
    """The stored record for a canonical name or alias; :class:`UnknownActivationError`, with
    the closest names, otherwise."""
    key = name.strip().lower().replace("-", "_")
    record = find(key)
    if record is not None:
        return record
    raise UnknownActivationError(name, difflib.get_close_matches(key, stored_names(), n=3, cutoff=0.6))
