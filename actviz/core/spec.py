"""Parse an activation spec: ``name``, ``name(k=v, ...)``, ``name@framework``, ``name@fw(k=v)``.

The grammar is tiny and parsed by hand, so a spec is never evaluated as code::

    spec  := NAME ['@' NAME] ['(' [arg (',' arg)*] ')'] ['@' NAME]
    arg   := NAME '=' value
    value := NUMBER | NAME | STRING | '(' [value (',' value)*] ')' | '[' ... ']'

Names are case-insensitive and ``-`` is read as ``_`` (``leaky-relu``). Values stay
plain Python (float, str or tuple); the registry checks them against the parameters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import SpecError

MAX_SPEC_LENGTH = 1000

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<number>[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)(?![A-Za-z0-9_]))
  | (?P<name>[A-Za-z_][A-Za-z0-9_\-]*)
  | (?P<string>'[^'\\]*'|"[^"\\]*")
  | (?P<punct>[()\[\],=@])
    """,
    re.VERBOSE | re.IGNORECASE,
)


@dataclass(frozen=True)
class ParsedSpec:
    """What a spec string says, before it is checked against the registry."""

    # canonical-looking name as typed (lower case, '-' read as '_')
    name: str
    # framework preset after '@', or None
    framework: str | None = None
    # parameters in the order given; values are float, str or tuple
    params: dict[str, object] = field(default_factory=dict)


def _tokens(text: str) -> list[tuple[str, str, int]]:
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise SpecError(f"bad spec {text!r}: unexpected {text[pos]!r} at position {pos + 1}")
        kind = m.lastgroup
        if kind != "ws":
            out.append((kind, m.group(), pos))
        pos = m.end()
    return out


def _norm(name: str) -> str:
    return name.strip().lower().replace("-", "_")


def looks_like_spec(text: str) -> bool:
    """True when ``text`` fits the spec grammar (else it may be an expression)."""
    try:
        parse_spec(text)
    except SpecError:
        return False
    return True


def parse_spec(text: str) -> ParsedSpec:
    """Parse ``text`` into a :class:`ParsedSpec`; raise :class:`SpecError` saying what is wrong."""
    if not isinstance(text, str):
        raise SpecError(f"a spec must be a string, not {type(text).__name__}")
    if not text.strip():
        raise SpecError("empty activation spec")
    if len(text) > MAX_SPEC_LENGTH:
        raise SpecError(f"spec too long ({len(text)} characters; at most {MAX_SPEC_LENGTH})")
    toks = _tokens(text)
    i = 0

    def peek(k: int = 0) -> tuple[str, str, int] | None:
        return toks[i + k] if i + k < len(toks) else None

    def fail(msg: str) -> SpecError:
        return SpecError(f"bad spec {text!r}: {msg}")

    def expect_name(what: str) -> str:
        nonlocal i
        t = peek()
        if t is None or t[0] != "name":
            got = "end of spec" if t is None else repr(t[1])
            raise fail(f"expected {what}, got {got}")
        i += 1
        return _norm(t[1])

    def value() -> object:
        nonlocal i
        t = peek()
        if t is None:
            raise fail("expected a value, got end of spec")
        kind, tok, _ = t
        if kind == "number":
            i += 1
            return float(tok)
        if kind == "name":
            i += 1
            return tok
        if kind == "string":
            i += 1
            return tok[1:-1]
        if tok in "([":
            close = ")" if tok == "(" else "]"
            i += 1
            items: list[object] = []
            while True:
                t = peek()
                if t is None:
                    raise fail(f"missing {close!r}")
                if t[1] == close:
                    i += 1
                    return tuple(items)
                if items:
                    if t[1] != ",":
                        raise fail(f"expected ',' or {close!r}, got {t[1]!r}")
                    i += 1
                    if peek() is not None and peek()[1] == close:
                        i += 1
                        return tuple(items)
                items.append(value())
        raise fail(f"expected a value, got {tok!r}")

    name = expect_name("an activation name")
    framework = None
    params: dict[str, object] = {}
    if peek() is not None and peek()[1] == "@":
        i += 1
        framework = expect_name("a framework name after '@'")
    if peek() is not None and peek()[1] == "(":
        i += 1
        while True:
            t = peek()
            if t is None:
                raise fail("missing ')'")
            if t[1] == ")":
                i += 1
                break
            if params:
                if t[1] != ",":
                    raise fail(f"expected ',' or ')', got {t[1]!r}")
                i += 1
                if peek() is not None and peek()[1] == ")":
                    i += 1
                    break
            key = expect_name("a parameter name")
            t = peek()
            if t is None or t[1] != "=":
                raise fail(f"expected '=' after parameter {key!r}")
            i += 1
            if key in params:
                raise fail(f"parameter {key!r} given twice")
            params[key] = value()
    if peek() is not None and peek()[1] == "@" and framework is None:
        i += 1
        framework = expect_name("a framework name after '@'")
    if peek() is not None:
        raise fail(f"unexpected {peek()[1]!r} at position {peek()[2] + 1}")
    return ParsedSpec(name=name, framework=framework, params=params)


def shortest(value: float) -> str:
    """A float as the shortest text that reads back to the same float64: 0.1, 2.0, 1e-300, inf."""
    return repr(float(value))


def format_value(value: object) -> str:
    """Write a parameter value so that :func:`parse_spec` reads it back unchanged; a whole
    float without its ``.0`` (1e15 → 1000000000000000, 0.5 → 0.5)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    if isinstance(value, float):
        text = shortest(value)
        return text[:-2] if text.endswith(".0") else text
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(format_value(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return str(value)
