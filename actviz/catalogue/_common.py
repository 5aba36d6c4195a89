"""Shorthands shared by the family modules."""

from __future__ import annotations

import math

from ..registry import Interval, Properties, Variant

INF = math.inf
REAL = Interval(-INF, INF, False, False)


def same(name: str, note: str = "", **kw) -> Variant:
    """A framework variant that only differs (if at all) by name."""
    return Variant(name=name, note=note, **kw)


__all__ = ["INF", "REAL", "Interval", "Properties", "Variant", "same"]
