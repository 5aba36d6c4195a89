"""Step 1 of an expression: the whitelist reader, which walks Python's ``ast`` of the text and
never evaluates it.

It accepts numbers, ``x``, ``pi``, ``e``, parameter names, ``+ - * / **``, parentheses, and calls
of :data:`FUNCTIONS` or of catalogue activations (a catalogue parameter given positionally);
anything else is refused with its column and snippet. Sizes are bounded (:data:`MAX_LENGTH`,
:data:`MAX_DEPTH`, :data:`MAX_NODES`) and every constant part is evaluated in floats as it is
read, so that no huge number (a power tower) reaches sympy.
"""

from __future__ import annotations

import ast
import difflib
import math
import os
import threading
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ..core.bound import BoundActivation, bind
from ..core.records import Activation
from ..core.spec import shortest
from ..core.store import lookup
from ..core.store import stored_names as all_names
from ..errors import ParameterError, SpecError, UnknownActivationError

#: Longest expression accepted, in characters.
MAX_LENGTH = 1000
#: Deepest nesting of operations and calls.
MAX_DEPTH = 40
#: Most operations, numbers and names in one expression.
MAX_NODES = 400
#: Largest |constant exponent| on a power whose base depends on x (|x|**1024 overflows past 2).
MAX_EXPONENT = 1024
#: Constant parts must lie within 2**±1100 (float64 spans about 2**-1074 .. 2**1024).
MAX_LOG2 = 1100.0

#: Functions an expression may call besides the catalogue: name -> (min args, max args or None).
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "exp": (1, 1),
    "log": (1, 1),
    "log1p": (1, 1),
    "expm1": (1, 1),
    "sqrt": (1, 1),
    "abs": (1, 1),
    "sin": (1, 1),
    "cos": (1, 1),
    "tanh": (1, 1),
    "erf": (1, 1),
    "erfc": (1, 1),
    "min": (2, None),
    "max": (2, None),
}
CONSTANTS = {"pi": math.pi, "e": math.e}
#: Names that can be neither parameters nor functions.
_RESERVED = {"x", "pi", "e", "inf", "infinity", "nan", "none"}

_FLOAT_FUNCTIONS: dict[str, Callable[..., float]] = {
    "exp": math.exp,
    "log": math.log,
    "log1p": math.log1p,
    "expm1": math.expm1,
    "sqrt": math.sqrt,
    "abs": abs,
    "sin": math.sin,
    "cos": math.cos,
    "tanh": math.tanh,
    "erf": math.erf,
    "erfc": math.erfc,
    "min": min,
    "max": max,
}

_BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow"}
_SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**"}
_OTHER_OPS = {
    ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
    ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&", ast.Not: "not", ast.Invert: "~",
}
_REFUSED: dict[type, str] = {
    ast.Attribute: "attribute access is not allowed",
    ast.Subscript: "subscripts are not allowed",
    ast.Lambda: "lambda is not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.JoinedStr: "strings are not allowed",
    ast.FormattedValue: "strings are not allowed",
    ast.Compare: "comparisons are not allowed",
    ast.BoolOp: "'and' and 'or' are not allowed",
    ast.IfExp: "conditional expressions are not allowed",
    ast.NamedExpr: "assignments are not allowed",
    ast.Tuple: "tuples are not allowed",
    ast.List: "lists are not allowed",
    ast.Set: "sets are not allowed",
    ast.Dict: "dicts are not allowed",
    ast.Starred: "starred arguments are not allowed",
    ast.Await: "await is not allowed",
    ast.Yield: "yield is not allowed",
    ast.YieldFrom: "yield is not allowed",
    ast.Slice: "slices are not allowed",
}


_PARSE_LOCK = threading.Lock()


def _new_parse_lock() -> None:
    global _PARSE_LOCK
    _PARSE_LOCK = threading.Lock()  # a child forked mid-parse must not inherit a held lock


os.register_at_fork(after_in_child=_new_parse_lock)


@dataclass(frozen=True, eq=False)
class Node:
    """One node of a checked expression."""

    # "num", "x", "const", "param", "neg", "add", "sub", "mul", "div", "pow", "call"
    kind: str
    # operands, or a call's arguments
    args: tuple[Node, ...] = ()
    # constant, parameter or (canonical) function name
    name: str = ""
    # the literal of a "num" node
    number: int | float = 0
    # the float value of a part without x or parameters, None otherwise
    value: float | None = None
    # the catalogue record a call names (None for FUNCTIONS)
    record: Activation | None = None


@dataclass(frozen=True)
class Parsed:
    """A checked expression: its tree, its normal form and its parameters."""

    tree: Node
    # the expression written in one normal form (spacing, case, canonical function names)
    text: str
    # free names other than x, pi and e, in order of first appearance
    params: tuple[str, ...]
    # values bound by the spec form ``(expr)(a=1, b=2)``; None leaves a parameter unset
    bindings: dict[str, float | None] = field(default_factory=dict)
    # whether x occurs at all
    uses_x: bool = True


def _as_float(v: int | float) -> float:
    try:
        return float(v)
    except OverflowError:
        return math.inf


def quoted(text: str) -> str:
    """``text`` quoted for a message, cut short past 60 characters."""
    return repr(text) if len(text) <= 60 else repr(text[:57] + "...")


class _Reader:
    def __init__(self, text: str):
        self.text = text
        self.count = 0
        self.params: list[str] = []
        self.uses_x = False

    def fail(self, reason: str, node: ast.AST | None = None, col: int | None = None) -> SpecError:
        where = ""
        if node is not None and hasattr(node, "col_offset"):
            col = node.col_offset
            snippet = ast.get_source_segment(self.text, node) or self.text[col : col + 20]
            if len(snippet) > 40:
                snippet = snippet[:37] + "..."
            where = f" (column {col + 1}: {snippet!r})"
        elif col is not None:
            where = f" (column {col + 1}: {self.text[col : col + 20]!r})"
        return SpecError(f"bad expression {quoted(self.text)}: {reason}{where}")

    # ---- the top level
    def read_text(self) -> Parsed:
        # line breaks and tabs read as spaces (columns stay the same)
        text = self.text = self.text.translate({9: " ", 10: " ", 13: " "})
        if len(text) > MAX_LENGTH:
            raise SpecError(f"expression too long ({len(text)} characters; at most {MAX_LENGTH})")
        for i, ch in enumerate(text):
            if not (" " <= ch <= "~"):
                kind = "control character" if ch < " " or ch == "\x7f" else "non-ASCII character"
                raise self.fail(f"{kind} {ch!r} is not allowed", col=i)
        if not text.strip():
            raise SpecError("empty expression")
        try:
            # one parse at a time: CPython 3.11's AST constructor keeps its recursion depth in
            # shared state, so parses on two threads can fail with "AST constructor recursion
            # depth mismatch" (python/cpython#106905); the warning filters are global too
            with _PARSE_LOCK, warnings.catch_warnings():  # "invalid decimal literal": refused below
                warnings.simplefilter("ignore")
                tree = ast.parse(text.strip(), mode="eval")
        except SyntaxError as exc:
            offset = (exc.offset or 1) - 1 + (len(text) - len(text.lstrip()))
            raise self.fail(exc.msg, col=max(0, min(offset, len(text) - 1))) from None
        except (RecursionError, MemoryError, ValueError):
            raise self.fail(f"too deeply nested (at most {MAX_DEPTH} levels)") from None
        self.text = text.strip()
        body = tree.body
        bindings: dict[str, float | None] = {}
        if isinstance(body, ast.Call) and not isinstance(body.func, ast.Name) and not body.args:
            bindings = self.read_bindings(body)
            body = body.func
        root = self.read(body, 1)
        params = tuple(self.params)
        for name in bindings:
            if name not in params:
                known = ", ".join(params) or "none"
                raise SpecError(
                    f"bad expression {quoted(self.text)}: it has no parameter {name!r} (its parameters: {known})"
                )
        return Parsed(root, unparse(root), params, bindings, self.uses_x)

    def read_bindings(self, call: ast.Call) -> dict[str, float | None]:
        out: dict[str, float | None] = {}
        for kw in call.keywords:
            if kw.arg is None:
                raise self.fail("'**' is not allowed", kw.value)
            name = kw.arg.lower()
            if name in out:
                raise self.fail(f"parameter {name!r} given twice", kw)
            value = kw.value
            sign = 1.0
            if isinstance(value, ast.UnaryOp) and isinstance(value.op, (ast.USub, ast.UAdd)):
                sign = -1.0 if isinstance(value.op, ast.USub) else 1.0
                value = value.operand
            if isinstance(value, ast.Name) and value.id.lower() == "none" and sign == 1.0:
                out[name] = None
            elif (
                isinstance(value, ast.Constant)
                and isinstance(value.value, (int, float))
                and not isinstance(value.value, bool)
                and math.isfinite(_as_float(value.value))
            ):
                out[name] = sign * float(value.value)
            else:
                raise self.fail(f"parameter {name!r} must be given a number", kw.value)
        return out

    # ---- one node
    def read(self, node: ast.AST, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise self.fail(f"too deeply nested (at most {MAX_DEPTH} levels)", node)
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(f"too long (at most {MAX_NODES} numbers, names and operations)", node)
        if isinstance(node, ast.Constant):
            return self.read_number(node)
        if isinstance(node, ast.Name):
            return self.read_name(node)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.UAdd):
                return self.read(node.operand, depth + 1)
            if isinstance(node.op, ast.USub):
                a = self.read(node.operand, depth + 1)
                return self.make("neg", (a,), node)
            raise self.fail(f"operator {_OTHER_OPS.get(type(node.op), '?')!r} is not allowed", node)
        if isinstance(node, ast.BinOp):
            kind = _BINOPS.get(type(node.op))
            if kind is None:
                symbol = _OTHER_OPS.get(type(node.op), type(node.op).__name__)
                hint = "; write powers as **" if symbol == "^" else "; use + - * / **"
                raise self.fail(f"operator {symbol!r} is not allowed{hint}", node)
            # a chain a + b - c + ... (or a*b/c*...) is flat, not nested: its left side keeps the depth
            same = isinstance(node.left, ast.BinOp) and _PREC.get(_BINOPS.get(type(node.left.op), "")) == _PREC[kind]
            a = self.read(node.left, depth if same and kind != "pow" else depth + 1)
            b = self.read(node.right, depth + 1)
            return self.make(kind, (a, b), node)
        if isinstance(node, ast.Call):
            return self.read_call(node, depth)
        reason = _REFUSED.get(type(node), f"{type(node).__name__} is not allowed")
        raise self.fail(reason, node)

    def read_number(self, node: ast.Constant) -> Node:
        v = node.value
        if isinstance(v, (str, bytes)):
            raise self.fail("strings are not allowed", node)
        if isinstance(v, bool) or v is None or v is Ellipsis:
            raise self.fail(f"{v!r} is not allowed; only numbers", node)
        if isinstance(v, complex):
            raise self.fail("complex numbers are not allowed", node)
        value = _as_float(v)
        if not math.isfinite(value):
            raise self.fail("number too large for float64", node)
        return Node("num", number=v, value=value)

    def read_name(self, node: ast.Name) -> Node:
        name = node.id.lower()
        if name == "x":
            self.uses_x = True
            return Node("x")
        if name in CONSTANTS:
            return Node("const", name=name, value=CONSTANTS[name])
        if name.startswith("_"):
            raise self.fail("names starting with '_' are not allowed", node)
        if name in _RESERVED:
            raise self.fail(f"{name!r} is not a finite number", node)
        if name in FUNCTIONS:
            raise self.fail(f"{name!r} is a function: write {name}(...)", node)
        if name in set(all_names()):
            raise self.fail(f"{name!r} is an activation: write {name}(x)", node)
        if name not in self.params:
            self.params.append(name)
        return Node("param", name=name)

    def read_call(self, node: ast.Call, depth: int) -> Node:
        if not isinstance(node.func, ast.Name):
            reason = _REFUSED.get(type(node.func), "only named functions can be called")
            raise self.fail(reason, node.func)
        if node.keywords:
            raise self.fail("keyword arguments are not allowed", node.keywords[0])
        for a in node.args:
            if isinstance(a, ast.Starred):
                raise self.fail("starred arguments are not allowed", a)
        fname = node.func.id.lower()
        record = None
        if fname not in FUNCTIONS or (fname == "tanh" and catalogue_has("tanh")):
            try:
                record = lookup(fname)
            except UnknownActivationError:
                known = [*FUNCTIONS, *all_names()]
                close = difflib.get_close_matches(fname, known, n=3, cutoff=0.6)
                hint = f"; did you mean {', '.join(close)}?" if close else ""
                raise self.fail(f"unknown function {fname!r}{hint}", node.func) from None
        args = tuple(self.read(a, depth + 1) for a in node.args)
        if record is None:
            lo, hi = FUNCTIONS[fname]
            if len(args) < lo or (hi is not None and len(args) > hi):
                want = f"{lo}" if lo == hi else f"at least {lo}"
                raise self.fail(f"{fname}() takes {want} argument{'s' if lo > 1 else ''}, not {len(args)}", node)
            return self.make("call", args, node, name=fname)
        return self.read_catalogue_call(record, args, node)

    def read_catalogue_call(self, record: Activation, args: tuple[Node, ...], node: ast.Call) -> Node:
        name = record.name
        if not args:
            raise self.fail(f"{name}() needs its input, e.g. {name}(x)", node)
        extra = args[1:]
        if len(extra) > len(record.params):
            have = ", ".join(p.name for p in record.params) or "none"
            raise self.fail(f"{name}() takes its input and at most {len(record.params)} parameters ({have})", node)
        for p, a, src in zip(record.params, extra, node.args[1:], strict=False):
            if p.kind not in ("float", "int"):
                raise self.fail(f"{name}'s parameter {p.name!r} is not a number; expressions use its default", src)
            if _has_x(a):
                raise self.fail(f"{name}'s parameter {p.name!r} must not depend on x", src)
            if a.value is not None:
                try:
                    p.coerce(a.value, name)
                except ParameterError as exc:
                    raise self.fail(str(exc), src) from None
        return self.make("call", args, node, name=name, record=record)

    # ---- folding constants in floats, so that no huge number reaches sympy
    def make(self, kind: str, args: tuple[Node, ...], src: ast.AST, name: str = "", record: Activation | None = None) -> Node:
        values = [a.value for a in args]
        constant = all(v is not None for v in values)
        if kind == "pow":
            self.check_power(args, src)
        value = None
        if constant:
            value = self.fold(kind, values, name, record, args, src)
        return Node(kind, args, name=name, value=value, record=record)

    def check_power(self, args: tuple[Node, ...], src: ast.AST) -> None:
        base, exponent = args
        if exponent.value is None:
            return
        p = exponent.value
        if base.value is None:
            if abs(p) > MAX_EXPONENT:
                raise self.fail(f"exponent too large (at most {MAX_EXPONENT} in magnitude)", src)
            return
        b = base.value
        if b == 0:
            if p < 0:
                raise self.fail("division by zero", src)
            return
        if b < 0 and p != int(p):
            raise self.fail("not a real number (negative base, fractional exponent)", src)
        size = p * math.log2(abs(b))
        if abs(size) > MAX_LOG2:
            raise self.fail("constant too large or too small for float64 (about 2**%.3g)" % size, src)

    def fold(self, kind: str, values: list, name: str, record: Activation | None, args, src: ast.AST) -> float:
        try:
            if kind == "neg":
                out = -values[0]
            elif kind == "add":
                out = values[0] + values[1]
            elif kind == "sub":
                out = values[0] - values[1]
            elif kind == "mul":
                out = values[0] * values[1]
            elif kind == "div":
                out = values[0] / values[1]
            elif kind == "pow":
                out = values[0] ** values[1]
            elif record is not None:
                act = bound_catalogue(record, len(values) - 1, tuple(values[1:]))
                out = float(act(values[0]))
            else:
                out = float(_FLOAT_FUNCTIONS[name](*values))
        except ZeroDivisionError:
            raise self.fail("division by zero", src) from None
        except OverflowError:
            raise self.fail("constant too large for float64", src) from None
        except ValueError:
            raise self.fail("not a real number", src) from None
        if isinstance(out, complex) or not math.isfinite(out):
            raise self.fail("constant part is not a finite real number", src)
        if out != 0 and abs(math.log2(abs(out))) > MAX_LOG2:
            raise self.fail("constant too large or too small for float64", src)
        return out


def catalogue_has(name: str) -> bool:
    """Whether ``name`` names a registered activation."""
    _load_catalogue()
    try:
        lookup(name)
    except UnknownActivationError:
        return False
    return True


def _has_x(node: Node) -> bool:
    return node.kind == "x" or any(_has_x(a) for a in node.args)


def parse(text: str) -> Parsed:
    """Check ``text`` against the whitelist; :class:`SpecError` names the offending part."""
    if not isinstance(text, str):
        raise SpecError(f"an expression must be a string, not {type(text).__name__}")
    _load_catalogue()
    return _Reader(text).read_text()


def _load_catalogue() -> None:
    # expressions call the catalogue's activations by name; it is registered on first use, so
    # that importing actviz (and `actviz --help`) does not build every record
    from .. import catalogue  # noqa: F401


# -- the normal form ---------------------------------------------------------------------------

_PREC = {"add": 1, "sub": 1, "mul": 2, "div": 2, "neg": 3, "pow": 4}


def _number_text(v: int | float) -> str:
    return str(v) if isinstance(v, int) else shortest(v)


def unparse(node: Node) -> str:
    """The normal form of a checked tree; :func:`parse` reads it back to the same tree."""
    return _unparse(node)[0]


def _unparse(node: Node) -> tuple[str, int]:
    k = node.kind
    if k == "num":
        return _number_text(node.number), 5
    if k == "x":
        return "x", 5
    if k in ("const", "param"):
        return node.name, 5
    if k == "call":
        return f"{node.name}({', '.join(_unparse(a)[0] for a in node.args)})", 5
    if k == "neg":
        s, p = _unparse(node.args[0])
        return "-" + (f"({s})" if p < 3 else s), 3
    prec = _PREC[k]
    (ls, lp), (rs, rp) = _unparse(node.args[0]), _unparse(node.args[1])
    if k == "pow":
        left = f"({ls})" if lp <= prec else ls
        right = f"({rs})" if rp < 3 else rs
        return f"{left}**{right}", prec
    left = f"({ls})" if lp < prec else ls
    right = f"({rs})" if rp <= prec else rs
    op = f" {_SYMBOLS[k]} " if prec == 1 else _SYMBOLS[k]
    return f"{left}{op}{right}", prec


# -- the catalogue functions an expression calls ------------------------------------------------

_BOUND_CACHE: dict[tuple, BoundActivation] = {}


def bound_catalogue(record: Activation, nparams: int, values: tuple) -> BoundActivation:
    """The catalogue activation with its first ``nparams`` parameters set to ``values``."""
    key = (record.name, id(record), tuple(float(v) for v in values))
    act = _BOUND_CACHE.get(key)
    if act is None:
        given = {p.name: float(v) for p, v in zip(record.params[:nparams], values, strict=True)}
        act = bind(record, given).elementwise  # a vector activation enters as its slice
        if len(_BOUND_CACHE) > 256:
            _BOUND_CACHE.clear()
        _BOUND_CACHE[key] = act
    return act


# -- an expression must use x ---------------------------------------------------------------------


def require_x(parsed: Parsed) -> None:
    """Refuse an expression in which x does not occur (a constant function).

    A catalogue name called with numbers only (``leaky_relu(0.1)``, ``sigmoid(2)``) is most
    likely a parameter given by position, so the message shows the spec with the parameter
    named and the expression in x that was perhaps meant.
    """
    if parsed.uses_x:
        return
    text = parsed.text
    tree = parsed.tree
    if tree.kind == "call" and tree.record is not None and all(_is_literal(a) for a in tree.args):
        raise SpecError(f"{text} is not a function of x: {_positional_hint(tree)}")
    raise SpecError(
        f"bad expression {quoted(text)}: it does not depend on x (a constant is not an activation); "
        "write an expression in x, e.g. 0.5*x + 1"
    )


def _is_literal(node: Node) -> bool:
    """A number as written, perhaps with a minus sign (what a spec accepts as a value)."""
    return node.kind == "num" or (node.kind == "neg" and node.args[0].kind == "num")


def _positional_hint(call: Node) -> str:
    """How to write a catalogue call whose arguments are all numbers."""
    record = call.record
    assert record is not None
    name = record.name
    numbers = [_unparse(a)[0] for a in call.args]
    numeric = []  # the parameters an expression can give by position: the leading numeric ones
    for p in record.params:
        if p.kind not in ("float", "int"):
            break
        numeric.append(p)
    if not numeric:
        scaled = f", or an expression in x such as {name}({numbers[0]}*x)" if call.args[0].value != 1 else ""
        if not record.params:
            return f"{name} takes no parameters; write {name}(x){scaled}"
        named = ", ".join(f"{p.name}=VALUE" for p in record.params)
        return f"its parameters go by name, {name}({named}); write {name}(x){scaled}"
    if len(numbers) <= len(numeric):
        # the numbers were meant as parameters, in order
        named = ", ".join(f"{p.name}={v}" for p, v in zip(numeric, numbers, strict=False))
        return (
            f"parameters go by name, {name}({named}); "
            f"or write an expression in x such as {name}(x, {', '.join(numbers)})"
        )
    # one number more than the parameters: the first stands where x belongs
    rest = numbers[1:]
    named = ", ".join(f"{p.name}={v}" for p, v in zip(numeric, rest, strict=False))
    return (
        f"its input is the number {numbers[0]}; write {name}(x, {', '.join(rest)}) "
        f"or, as a spec, {name}({named})"
    )


# -- what a checked tree holds ---------------------------------------------------------------------


def calls(node: Node, names: tuple[str, ...]) -> bool:
    """Whether the tree calls one of the functions ``names``."""
    return (node.kind == "call" and node.name in names) or any(calls(a, names) for a in node.args)


def records_in(node: Node) -> Iterator[Activation]:
    """The catalogue records the tree calls, each time it calls one."""
    if node.record is not None:
        yield node.record
    for a in node.args:
        yield from records_in(a)
