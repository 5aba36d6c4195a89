"""Comparing the output a README shows with a command's real output.

The README's examples are real output, but made on one machine, and the last digits of a
float move from CPU to CPU: numpy's SIMD paths (AVX2, AVX-512, NEON) and the libm round
differently (selu's E[f(z)] is -5.55e-17 on one machine and -2.43e-17 on another, and
softplus's worst error 1.08 ULP on one and 1.209 on the other). :func:`differences` holds
the README to what it can show on any machine:

- the text must match exactly apart from the numbers in it: a changed word, a missing
  column, row or line fails;
- an integer (no point, no exponent: a count, a setting) must match exactly;
- any other number must match within one unit in the last digit that the more precise of
  the two shows (0.308 and 0.309 match; 0.308 and 0.310 do not), or within round-off: a
  difference of at most ROUND_OFF (1e-15) of the quantity's scale. That is the number's own
  size (1.0000000000000002 matches 0.9999999999999999), or for a JSON key named in
  ``json_scales`` what that function of the object holding it gives: with the scale of a
  Gaussian mean, √E[g²], a residue of zero matches 0 or another residue (selu's mean
  -5.55e-17 and -2.43e-17 beside E[f(z)²] = 1), while a mean of 1e-20 beside E[g²] = 1e-40
  is a value like any other. A number with fewer than MIN_DIGITS significant digits is short
  because %g dropped its trailing zeros ("0.5" is 0.500000 from a 6-digit column), so its
  last digit is not a digit that round-off can move: it matches only exactly or by round-off;
- in the columns of a Markdown table named in ``ulp_columns``, which hold measured
  floating-point errors, the figure matches within ULP_TOLERANCE (or the last digit shown,
  if coarser); the "at x = ..." after it, where the worst error is, is compared only when
  the figure itself is printed the same, since another CPU may find its worst point at
  another x (softplus: 1.08 at x = 0.322 on one, 1.209 at x = 0.335 on the other).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal

from actviz.render.export import ROUND_OFF

#: One ULP. A result that another CPU's exp, log1p or tanh rounds the other way lies one float
#: away, which moves a measured error by at most one ULP at that point and so moves the worst
#: and the mean error by at most one ULP; more than that is a change in the code. It is a
#: fraction of the promise the figures stand for (4 ULP for f, 8 for f' in float64; the
#: largest float64 figure the README shows is 3.5 ULP), and the verdict column ("yes (≤ 4 / 8)")
#: is text and compared exactly, so a README figure within 1 ULP cannot hide a broken promise.
ULP_TOLERANCE = Decimal(1)


def _root(key: str) -> Callable[[dict], float | None]:
    return lambda obj: math.sqrt(obj[key]) if isinstance(obj.get(key), float) and obj[key] >= 0 else None


#: The scale of a Gaussian mean E[g] in `actviz stats --format json` is √E[g²], the root of the
#: second moment beside it: no |E[g]| exceeds it, and the quadrature's round-off is a share of it.
MEAN_SCALES = {"mean": _root("second_moment"), "mean_df": _root("second_moment_df")}

#: Fewer significant digits than this: a %g value whose trailing zeros were dropped.
MIN_DIGITS = 3

NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w.])")
MASK = "\x00"


@dataclass
class _Number:
    text: str
    line: int
    start: int
    column: str | None = None  # the Markdown column's header
    cell: tuple[int, int] | None = None  # (line, column) in a Markdown table
    first_in_cell: bool = True
    in_string: bool = False  # inside a JSON string: text, not a number
    key: str | None = None  # its key in a JSON object
    holder: tuple[int, int] | None = None  # where that object is in the text

    @property
    def value(self) -> Decimal:  # exact: 0.309 - 0.308 is one unit of 0.001, not a hair more
        return Decimal(self.text.replace(",", ""))

    @property
    def integer(self) -> bool:
        return not any(c in self.text for c in ".eE")

    @property
    def digits(self) -> int:
        mantissa = re.split("[eE]", self.text)[0].lstrip("+-").replace(",", "").replace(".", "")
        return len(mantissa.lstrip("0"))

    @property
    def unit(self) -> Decimal:
        """One unit in the last digit shown."""
        mantissa, _, exponent = self.text.replace(",", "").lower().partition("e")
        decimals = len(mantissa.partition(".")[2])
        return Decimal(1).scaleb(int(exponent or 0) - decimals)


def _numbers(text: str, json_like: bool) -> list[_Number]:
    out = []
    lines = text.split("\n")
    offset = 0
    header: list[str] = []
    for n, line in enumerate(lines):
        table_row = line.startswith("|")
        if table_row and n + 1 < len(lines) and re.match(r"\|\s*:?-{3}", lines[n + 1]):
            header = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        previous_cell = None
        for m in NUMBER.finditer(line):
            number = _Number(m.group(), n, offset + m.start())
            if table_row:
                col = len(re.findall(r"(?<!\\)\|", line[: m.start()])) - 1
                number.cell = (n, col)
                number.column = header[col] if 0 <= col < len(header) else None
                number.first_in_cell = number.cell != previous_cell
                previous_cell = number.cell
            out.append(number)
        offset += len(line) + 1
    if json_like:
        _json_places(text, out)
    return out


def _json_places(text: str, numbers: list[_Number]) -> None:
    """Mark each number inside a JSON string, and the key and object of each other one."""
    inside: dict[int, tuple[bool, int | None]] = {}  # offset -> (in a string, innermost bracket)
    spans: dict[int, int] = {}  # bracket -> its closing bracket
    stack: list[int] = []
    in_string = escaped = False
    for i, c in enumerate(text):
        if in_string:
            inside[i] = (True, None)
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                in_string = False
            continue
        inside[i] = (False, stack[-1] if stack else None)
        if c == '"':
            in_string = True
        elif c in "[{":
            stack.append(i)
        elif c in "]}" and stack:
            spans[stack.pop()] = i
    for number in numbers:
        number.in_string, bracket = inside[number.start]
        key = re.search(r'"((?:[^"\\]|\\.)*)"\s*:\s*$', text[:number.start])
        if not number.in_string and bracket is not None and text[bracket] == "{" and key:
            number.key, number.holder = key.group(1), (bracket, spans[bracket])


def _json_like(text: str) -> bool:
    import json

    if not text.lstrip().startswith(("{", "[")):
        return False
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _mask(text: str) -> list[str]:
    return NUMBER.sub(MASK, text).split("\n")


def differences(shown: str, real: str, ulp_columns: Collection[str] = (),
                json_scales: Mapping[str, Callable[[dict], float]] | None = None) -> list[str]:
    """What differs between ``shown`` (the README's text) and ``real`` (the output) beyond
    the tolerances of this module's doc; an empty list when they match."""
    shown_lines, real_lines = shown.split("\n"), real.split("\n")
    masked_shown, masked_real = _mask(shown), _mask(real)
    for n in range(max(len(masked_shown), len(masked_real))):
        a = masked_shown[n] if n < len(masked_shown) else None
        b = masked_real[n] if n < len(masked_real) else None
        if a != b:
            return [f"line {n + 1} differs in its text:\n  shown: {_line(shown_lines, n)}\n"
                    f"  real:  {_line(real_lines, n)}"]
    json_like = _json_like(shown) and _json_like(real)
    left, right = _numbers(shown, json_like), _numbers(real, json_like)
    assert len(left) == len(right)  # the masked texts are the same
    figures = {a.cell: a.text == b.text for a, b in zip(left, right, strict=True)
               if a.column in ulp_columns and a.first_in_cell}
    out = []
    for a, b in zip(left, right, strict=True):
        if a.text == b.text:
            continue
        if a.in_string or b.in_string:
            tol = None
        elif a.column in ulp_columns and not a.first_in_cell:
            if not figures[a.cell]:
                continue  # where the worst error is: free when the error itself moved
            tol = _tolerance(a, b)
        elif a.column in ulp_columns:
            tol = max(ULP_TOLERANCE, _tolerance(a, b) or Decimal(0))
        else:
            tol = _tolerance(a, b, max(_scale(a, shown, json_scales), _scale(b, real, json_scales)))
        if tol is None or not abs(a.value - b.value) <= tol:
            limit = "exactly" if not tol else f"within {tol:.3g}"
            column = f" ({a.column})" if a.column else ""
            out.append(f"line {a.line + 1}{column}: shown {a.text}, real {b.text}; they must match {limit}\n"
                       f"  shown: {shown_lines[a.line]}\n  real:  {real_lines[b.line]}")
    return out


def _line(lines: list[str], n: int) -> str:
    return repr(lines[n]) if n < len(lines) else "(no such line)"


def _scale(number: _Number, text: str, json_scales: Mapping[str, Callable[[dict], float]] | None) -> Decimal:
    """The scale ``json_scales`` gives a number from the object holding it (0 if none)."""
    import json

    if not json_scales or number.key not in json_scales or number.holder is None:
        return Decimal(0)
    start, end = number.holder
    scale = json_scales[number.key](json.loads(text[start:end + 1]))
    return Decimal(abs(scale)) if scale is not None and math.isfinite(scale) else Decimal(0)


def _tolerance(a: _Number, b: _Number, context: Decimal = Decimal(0)) -> Decimal | None:
    """How far two numbers may differ, or None for exactly (two integers)."""
    if a.integer and b.integer:
        return None
    finer = min((n for n in (a, b) if not n.integer), key=lambda n: n.unit)
    digit = finer.unit if finer.digits >= MIN_DIGITS else Decimal(0)
    round_off = Decimal(ROUND_OFF) * max(abs(a.value), abs(b.value), context)
    return max(digit, round_off)


def assert_same_output(shown: str, real: str, what: str, fix: str, ulp_columns: Collection[str] = (),
                       json_scales: Mapping[str, Callable[[dict], float]] | None = None) -> None:
    """Fail with every difference between what the README shows and the real output."""
    found = differences(shown, real, ulp_columns, json_scales)
    assert not found, f"{what} is stale ({fix}):\n" + "\n".join(found)
