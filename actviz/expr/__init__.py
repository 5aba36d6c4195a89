"""Activations written as a formula in ``x``: ``x*sigmoid(1.702*x)``, ``x*tanh(softplus(x))``.

An expression is read in two steps and is never evaluated as code:

1. :func:`parse` (:mod:`.reader`) walks Python's ``ast`` of the text and accepts a whitelist
   only: numbers, ``x``, ``pi``, ``e``, parameter names, ``+ - * / **``, parentheses, and calls
   of ``reader.FUNCTIONS`` or of catalogue activations (``sigmoid(1.702*x)``,
   ``leaky_relu(x, 0.2)`` with a catalogue parameter given positionally). Anything else is
   refused with its column and snippet. Sizes are bounded (``MAX_LENGTH``, ``MAX_DEPTH``,
   ``MAX_NODES``) and every constant part is evaluated in floats first, so a power tower such
   as ``2**2**2**2**2**2`` is refused before sympy could start on it.
2. :func:`compile_record` (:mod:`.compile`) builds the sympy expression, differentiates it
   twice and compiles f, f', f'' to numpy. Catalogue functions are sympy ``Function`` classes
   (:mod:`.symbolic`) whose derivative is the catalogue's own analytic derivative, so the
   numerics stay the catalogue's stable ones; the rest is evaluated as written. The mpmath
   reference (f, f') comes from the same expression, and the kinks from its abs, max, min and
   catalogue calls (:mod:`.kinks`). The work is bounded on any thread and without signals, so
   that nothing is ever raised inside other code (:mod:`.budget`): a budget of the working
   thread's CPU time (:data:`BUILD_SECONDS`) is checked between the steps, and each step gets
   only trees small enough to bound its cost (``MAX_TREE``, ``MAX_DIFF_TREE``); sympy's
   simplify, which cannot be stopped and whose time does not follow the size, only sees small
   derivatives (``SIMPLIFY_OPS``). An expression past these bounds is refused as too costly, a
   :class:`SpecError` like any other bad expression.

The modules import one way, in this order: reader, budget, symbolic, kinks, compile, and this
one, which holds the entry points and the cache of compiled records. sympy is imported only
when an expression is first compiled.

The result is an :class:`~actviz.core.records.Activation` record built on the fly (family
``"expression"``), bound like any other: ``actviz.get("x*sigmoid(1.702*x)")``. Free names
other than ``x``, ``pi`` and ``e`` are parameters; ``(a*x*sigmoid(b*x))(a=1, b=1.702)`` is the
spec of an expression with its parameters bound (what ``act.spec`` returns). An expression
must use x: ``leaky_relu(0.1)`` or ``2`` is refused (:func:`require_x`), not read as a constant.
"""

from __future__ import annotations

from typing import Any

from ..core.bound import BoundActivation, bind
from ..core.records import Activation
from ..errors import SpecError, UnknownActivationError
from .budget import sympy_lock
from .compile import build_record
from .reader import Parsed, catalogue_has, parse, records_in, require_x

#: Seconds of CPU time allowed for building, differentiating and compiling one expression.
BUILD_SECONDS = 5.0

_RECORDS: dict[tuple, Activation] = {}
_MAX_RECORDS = 128


def compile_record(parsed: Parsed) -> Activation:
    """The :class:`Activation` record for a checked expression (cached by its normal form and
    the catalogue records it calls, so that a record replaced by a plugin is not served stale)."""
    key = (parsed.text, *sorted({id(r) for r in records_in(parsed.tree)}))
    with sympy_lock():
        record = _RECORDS.get(key)
        if record is None:
            record = build_record(parsed, BUILD_SECONDS)
            if len(_RECORDS) >= _MAX_RECORDS:
                _RECORDS.pop(next(iter(_RECORDS)))
            _RECORDS[key] = record
    return record


def expression(text: str, **params: Any) -> BoundActivation:
    """The expression ``text`` as a bound activation; keyword arguments set its parameters.

    An expression without x is refused: a constant is not an activation, and ``leaky_relu(0.1)``
    read as one would silently be the number 0.1 (:func:`require_x` says how to write it).
    """
    parsed = parse(text)
    require_x(parsed)
    record = compile_record(parsed)
    return bind(record, {**parsed.bindings, **params})


def expression_or_raise(text: Any, spec_error: SpecError, params: dict[str, Any]) -> BoundActivation:
    """What :func:`actviz.get` does with a spec that names no catalogue entry.

    A text that fits the spec grammar (``relu6x``, ``foo(alpha=1)``) is read as an expression
    only if that succeeds and uses x; otherwise the spec's own error stands (with its "did you
    mean"). A text outside the grammar is an expression; if it is not one either, the error is
    the expression's, or the spec's for what looks like a malformed catalogue spec.
    """
    if not isinstance(text, str) or not text.strip():
        raise spec_error
    if isinstance(spec_error, UnknownActivationError):
        try:
            parsed = parse(text)
        except SpecError:
            raise spec_error from None
        if not parsed.uses_x:
            raise spec_error
        return bind(compile_record(parsed), {**parsed.bindings, **params})
    try:
        parsed = parse(text)
    except SpecError as exc:
        head = text.strip().split("(", 1)[0].split("@", 1)[0].strip()
        if ("=" in text or "@" in text) and head and catalogue_has(head):
            raise SpecError(f"{spec_error}; as an expression: {_reason(exc)}") from None
        raise
    require_x(parsed)
    return bind(compile_record(parsed), {**parsed.bindings, **params})


def _reason(exc: SpecError) -> str:
    message = str(exc)
    return message.split(": ", 1)[1] if message.startswith("bad expression") and ": " in message else message
