"""Parameter sweeps: one activation at several values of one of its parameters.

``sweep(["elu"], "alpha", [0.5, 1, 2])`` binds elu three times; figures draw the results
with a sequential colour scale (:func:`actviz.render.figures.compare` with ``sweep=``), tables
and stats give each its own column. The command line writes a sweep as
``--sweep alpha=0.5,1,2`` or as ``--sweep alpha=0.5:2:4`` (four values evenly from 0.5 to
2).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from .core.bound import BoundActivation
from .core.spec import format_value
from .errors import ParameterError, UsageError
from .registry import get, no_such_parameter

#: More values than this are no longer tellable apart on a colour scale.
MAX_VALUES = 24


def parse_sweep(text: str) -> tuple[str, list[str]]:
    """``"alpha=0.5,1,2"`` -> ("alpha", ["0.5", "1", "2"]); ``"alpha=0:2:5"`` -> five values
    from 0 to 2. The values stay text: each activation's parameter checks and converts them."""
    name, sep, rest = text.partition("=")
    name, rest = name.strip(), rest.strip()
    if not sep or not name or not rest:
        raise UsageError(f"a sweep is NAME=V1,V2,... or NAME=START:STOP:COUNT, not {text!r}")
    if ":" in rest:
        parts = [p.strip() for p in rest.split(":")]
        if len(parts) != 3:
            raise UsageError(f"a sweep range is START:STOP:COUNT, not {rest!r}")
        try:
            start, stop = float(parts[0]), float(parts[1])
            count = int(parts[2])
        except ValueError:
            raise UsageError(f"a sweep range is START:STOP:COUNT with a whole COUNT, not {rest!r}") from None
        if not 2 <= count <= MAX_VALUES:
            raise UsageError(f"a sweep takes 2 to {MAX_VALUES} values, not {count}")
        step = (stop - start) / (count - 1)
        values = [format_value(start + i * step) for i in range(count - 1)] + [format_value(stop)]
    else:
        values = [v.strip() for v in rest.split(",")]
        if any(not v for v in values):
            raise UsageError(f"a sweep's values are separated by single commas, not {rest!r}")
    if not 2 <= len(values) <= MAX_VALUES:
        raise UsageError(f"a sweep takes 2 to {MAX_VALUES} values, not {len(values)}")
    return name, values


def sweep(acts: Iterable[str | BoundActivation], name: str, values: Sequence[Any]) -> list[BoundActivation]:
    """Each activation at each value of parameter ``name``, the values varying fastest; an
    activation without the parameter appears once, as it is. At least one must have it."""
    bound = [get(a) for a in acts]
    if not any(a.record.param(name) for a in bound):
        raise ParameterError(no_such_parameter(name, bound))
    out: list[BoundActivation] = []
    for act in bound:
        if act.record.param(name) is None:
            out.append(act)
            continue
        for value in values:
            out.append(get(act, **{name: value}))
    return out


def swept_value(act: BoundActivation, name: str) -> str:
    """The swept parameter's value as text, for a legend entry (``"alpha = 0.5"``)."""
    param = act.record.param(name)
    return f"{param.name} = {format_value(act.params[param.name])}"
