"""The textbook formula of an activation, evaluated for the accuracy audit.

Each record may carry one (its ``naive``: the forward formula, the derivative formula and
where the formula applies); it is computed in the input's own dtype, exactly as a reader
would type it, so that the audit shows where it overflows, returns NaN or loses its digits.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..core.bound import BoundActivation
from ..core.records import Naive

Array = np.ndarray


def naive_for(act: BoundActivation) -> Naive | None:
    """The textbook formula for ``act``, or None where there is none (or a preset redefines it)."""
    entry = act.record.naive
    if entry is None or (act.variant is not None and act.variant.functions):
        return None
    if not entry.applies(**act.params):
        return None
    texts = {k: v(**act.params) if callable(v) else v
             for k, v in (("text", entry.text), ("derivative_text", entry.derivative_text))}
    return replace(entry, **texts)


def textbook_pair(entry: Naive, x: Array, params: dict) -> tuple[Array, Array]:
    """The textbook (f, f') at x as the formulas return them (f once where ``entry.both``
    shares it), with every floating-point warning silenced (overflow and NaN are what the
    audits count)."""
    with np.errstate(all="ignore"):
        if entry.both is not None:
            return entry.both(x, **params)
        return entry.forward(x, **params), entry.derivative(x, **params)


def evaluate_naive(entry: Naive, act: BoundActivation, x: Array) -> tuple[Array, Array]:
    """The textbook (f, f') at x, in x's dtype."""
    f, d = (np.asarray(v) for v in textbook_pair(entry, x, act.params))
    return f.astype(x.dtype, copy=False), d.astype(x.dtype, copy=False)


__all__ = ["Naive", "evaluate_naive", "naive_for", "textbook_pair"]
