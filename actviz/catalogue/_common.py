"""Shorthands shared by the family modules."""

from __future__ import annotations

import math
from collections.abc import Callable

from ..core.records import Interval, Properties, Variant

INF = math.inf
REAL = Interval(-INF, INF, False, False)


def merge_intervals(parts) -> tuple[tuple[float, float], ...]:
    """Intervals (a, b) as an ascending tuple, overlapping or touching ones joined."""
    out: list[list[float]] = []
    for a, b in sorted((float(a), float(b)) for a, b in parts):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return tuple((a, b) for a, b in out)


def same(name: str, note: str = "", **kw) -> Variant:
    """A framework variant that only differs (if at all) by name."""
    return Variant(name=name, note=note, **kw)


class ParamFormula(str):
    """A formula field that is a function of the parameters.

    As a string it is the general form: what the record itself shows (the catalogue, the
    gallery, the record-level mathtext check). Called with the parameters (as
    ``BoundActivation`` resolves a record's formulas) it gives the form those parameters
    leave, so a figure never shows a case its function cannot take.
    """

    _fn: Callable[..., str]

    def __new__(cls, general: str, fn: Callable[..., str]) -> ParamFormula:
        self = super().__new__(cls, general)
        self._fn = fn
        return self

    def __call__(self, **params) -> str:
        return self._fn(**params)

    def __reduce__(self):
        # str's own pickling would call __new__ with the string alone (a Dask worker unpickles records)
        return (ParamFormula, (str(self), self._fn))


_FORMULA_FIELDS = ("formula_tex", "formula_text", "derivative_tex", "derivative_text")


def param_formulas(general: tuple[str, str, str, str], fn: Callable[..., tuple[str, str, str, str]]) -> dict:
    """The four formula fields of a record (keyword arguments): each is its general form,
    resolved to ``fn(**params)[i]`` for bound parameters."""

    def field(i: int) -> ParamFormula:
        return ParamFormula(general[i], lambda **params: fn(**params)[i])

    return {name: field(i) for i, name in enumerate(_FORMULA_FIELDS)}


__all__ = ["ParamFormula", "param_formulas", "INF", "REAL", "Interval", "Properties", "Variant", "merge_intervals",
           "same"]


def cases(*rows: tuple[str, str]) -> str:
    """Mathtext for a piecewise definition, from rows of (value, condition).

    Mathtext has no ``cases`` environment: two rows are stacked with ``genfrac`` under
    a brace; more rows would not align, so they are written on one line.
    """
    if len(rows) == 2:
        (v1, c1), (v2, c2) = rows
        row = r"%s,\ \ \mathrm{if}\ %s"
        return r"\left\{\genfrac{}{}{0}{0}{%s}{%s}\right." % (row % (v1, c1), row % (v2, c2))
    return r",\;\; ".join(r"%s \; (%s)" % row for row in rows)
