"""Step 2 of an expression: its :class:`~actviz.core.records.Activation` record.

f is built in sympy from the checked tree, differentiated twice (the chain rule, then exact
tidying) and compiled to numpy, each step checked against the budget; the record also carries
the mpmath reference, the kinks (found when asked for, per parameter values) and the formulas
as LaTeX and text.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ..core.records import Activation, Interval, Param
from ..core.spec import shortest
from ..errors import ParameterError, SpecError
from .budget import (
    MAX_DIFF_TREE,
    MAX_TREE,
    SIMPLIFY_OPS,
    SIMPLIFY_POWER,
    Deadline,
    OutOfTime,
    TooCostly,
    require_size,
    tree_size,
)
from .kinks import find_kinks
from .reader import Parsed, calls, quoted
from .symbolic import World, lambdify, mp_lambdify, world


class UnknownRange(Interval):
    """The output range of an expression: not derived, so only the trivial bound (-∞, ∞)."""

    def __str__(self) -> str:
        return "not derived for expressions"


def build_record(parsed: Parsed, seconds: float) -> Activation:
    """The record of a checked expression, built within ``seconds`` of the thread's CPU time;
    one too costly for that is a :class:`SpecError`."""
    # imports are not counted against the budget: they happen once per process
    world()
    if calls(parsed.tree, ("erf", "erfc")):
        import scipy.special  # noqa: F401
    deadline = Deadline(seconds)
    try:
        return _compile(parsed, deadline)
    except (OutOfTime, TooCostly) as exc:
        why = f"gave up after {deadline.seconds:g} s" if isinstance(exc, OutOfTime) else str(exc)
        raise SpecError(
            f"bad expression {quoted(parsed.text)}: too costly to differentiate and compile "
            f"({why}); write it more simply"
        ) from None
    except RecursionError:
        raise SpecError(f"bad expression {quoted(parsed.text)}: too deeply nested") from None


def _compile(parsed: Parsed, deadline: Deadline) -> Activation:
    """The record of ``parsed``; between its steps the deadline is checked, and no tree goes to
    the next step above the size limits that bound that step's cost."""
    w = world()
    sp = w.sp
    names = parsed.params
    symbols = {n: sp.Symbol(n, real=True) for n in names}
    f = w.build(parsed.tree, symbols)
    if f.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise SpecError(f"bad expression {quoted(parsed.text)}: undefined (it divides by zero)")
    if f.has(sp.I):
        raise SpecError(f"bad expression {quoted(parsed.text)}: not real")
    require_size(f, MAX_TREE, "f has more than {} terms and factors")
    deadline.check()
    d1 = _derivative(w, f, "f'", deadline)
    require_size(d1, MAX_DIFF_TREE, "f' has more than {} terms and factors to differentiate again")
    deadline.check()
    d2 = _derivative(w, d1, "f''", deadline)
    deadline.check()

    args = [w.x, *(symbols[n] for n in names)]
    fns = []
    for e in (f, d1, d2):
        fns.append(lambdify(w, args, e))
        deadline.check()
    label = parsed.text
    head = f"({label})" if names else label

    def values(params: dict) -> list[float]:
        missing = [n for n in names if params.get(n) is None]
        if missing:
            listed = ", ".join(missing)
            raise ParameterError(
                f"expression {quoted(label)} needs a value for {listed}: give it with "
                f"-p {missing[0]}=VALUE (or actviz.get(expression, {missing[0]}=VALUE))"
            )
        return [float(params[n]) for n in names]

    def numeric(fn: Callable, is_forward: bool) -> Callable:
        def run(x, **params):
            vals = values(params)
            with np.errstate(all="ignore"):
                out = np.asarray(fn(x, *vals), dtype=np.float64)
                if is_forward and np.ndim(x) and np.size(x) and np.isnan(np.min(x)):
                    out = np.where(np.isnan(x), np.nan, np.broadcast_to(out, np.shape(x)))
                elif is_forward and np.ndim(x) == 0 and np.isnan(x):
                    out = np.float64(np.nan)
                if not is_forward:
                    out = np.where(undefined(x, vals), np.nan, np.broadcast_to(out, np.shape(x)))
            return out

        return run

    def undefined(x, vals) -> np.ndarray:
        """Where f is not defined at a finite x, so neither are f' and f'': f is NaN (log of a
        negative number), or infinite with no infinity beside it (a pole, 1/x at 0, or the edge
        of a domain, log at 0, NaN on one side); an infinity that continues on a side is an
        overflow (exp(800), or exp just past its threshold), whose derivative is the infinity
        it rounds to."""
        x = np.asarray(x, dtype=np.float64)
        f = np.broadcast_to(np.asarray(fns[0](x, *vals), dtype=np.float64), x.shape)
        bad = np.isnan(f) & ~np.isnan(x)
        inf = np.isinf(f) & np.isfinite(x)
        if inf.any():  # a per-element decision: only those points are looked at again
            xi = x[inf]
            step = np.maximum(np.abs(xi) * 1e-9, 1e-300)
            left = np.asarray(fns[0](xi - step, *vals), dtype=np.float64)
            right = np.asarray(fns[0](xi + step, *vals), dtype=np.float64)
            pole = np.zeros(x.shape, dtype=bool)
            pole[inf] = ~np.isinf(np.broadcast_to(left, xi.shape)) & ~np.isinf(np.broadcast_to(right, xi.shape))
            bad |= pole
        return bad

    kink_cache: dict[tuple, tuple[float, ...]] = {}

    def kinks(**params) -> tuple[float, ...]:
        vals = tuple(values(params))
        if vals not in kink_cache:
            kink_cache[vals] = find_kinks(w, f, dict(zip((symbols[n] for n in names), vals, strict=True)))
        return kink_cache[vals]

    mp_reference = _mp_reference(w, args, f, d1, values)
    deadline.check()
    # for display only, and bounded by size rather than time, so that it does not vary with load
    shown = _simplified(w, d1)
    return Activation(
        name=head,
        family="expression",
        forward=numeric(fns[0], True),
        derivatives=(numeric(fns[1], False), numeric(fns[2], False)),
        formula_tex="f(x) = " + _tex(w, f),
        formula_text="f(x) = " + label,
        derivative_tex="f'(x) = " + _tex(w, shown),
        derivative_text="f'(x) = " + _text(w, shown),
        params=tuple(
            Param(n, None, "parameter of the expression (required)", kind="optional_float") for n in names
        ),
        kinks=kinks,
        output_range=UnknownRange(-math.inf, math.inf, False, False),
        properties=None,
        reference="user expression",
        mp_reference=mp_reference,
        numerics="evaluated as written; catalogue functions in it use their stable forms and "
        "derivatives; f' and f'' by sympy (chain rule, then exact tidying)",
        kink_convention="abs'(0) = 0; where two arguments of max or min tie, the derivative is "
        "split evenly (PyTorch autograd's convention); catalogue functions keep their own",
    )


def _derivative(w: World, e, name: str, deadline: Deadline):
    """d/dx of ``e``, tidied; refused before the tidying if its tree is past :data:`MAX_TREE`."""
    d = w.sp.diff(e, w.x)
    require_size(d, MAX_TREE, name + " has more than {} terms and factors")
    deadline.check()
    return w.tidy(d)


def _simplified(w: World, d):
    """sympy's simplification of ``d`` for display, if shorter; only for a small ``d`` with small
    powers (:data:`SIMPLIFY_OPS`, :data:`SIMPLIFY_POWER`), since simplify cannot be stopped."""
    sp = w.sp
    if tree_size(d) > 4 * SIMPLIFY_OPS or sp.count_ops(d) > SIMPLIFY_OPS:  # the size first: cheaper
        return d
    for p in d.atoms(sp.Pow):
        q = p.exp
        if q.is_Number and (abs(q) > SIMPLIFY_POWER or (q.is_Rational and q.q > SIMPLIFY_POWER)):
            return d
    # its trigonometric rewrites are the slowest part: sin(sin(x**4) - 1)*x takes minutes
    trig = d.atoms(sp.sin, sp.cos)
    if len(trig) > 4 or any(not (t.args[0] / w.x).is_number for t in trig):
        return d
    s = w.tidy(sp.simplify(d))
    if s.has(sp.Piecewise) or sp.count_ops(s) >= sp.count_ops(d):
        return d
    return s


def _mp_reference(w: World, args: list, f, d1, values: Callable) -> Callable | None:
    compiled = mp_lambdify(w, args, (f, d1))
    if compiled is None:
        return None
    fn, dfn = compiled

    def reference(x, **params):
        import mpmath as mp

        vals = [mp.mpf(v) for v in values(params)]
        return mp.mpf(fn(x, *vals)), mp.mpf(dfn(x, *vals))

    return reference


def _tex(w: World, e) -> str:
    """LaTeX of a sympy expression for matplotlib's mathtext, products visible.

    mathtext ignores spaces, so sympy's ``x \\mathrm{sigmoid}\\left(1.702 x\\right)`` would read
    "xsigmoid(1.702x)". A product with a factor other than a number, a one-letter (or Greek)
    symbol, a power of one or a bracketed sum (that is: a function, a longer parameter name) is
    written with ``\\cdot``; ``1.702 x`` and ``a x^{2}`` stay as they are.
    """
    from sympy.printing.latex import LatexPrinter

    sp = w.sp

    def plain(factor) -> bool:
        if factor.is_Number or factor.is_Add:  # a sum in a product is bracketed
            return True
        if factor.is_Symbol:
            return len(factor.name) == 1 or sp.latex(factor).startswith("\\")  # x, a, \alpha
        if factor.is_Pow and not isinstance(factor, sp.exp):
            return plain(factor.base) and factor.exp.is_Number
        return False

    class Printer(LatexPrinter):
        def _print_Mul(self, expr):
            factors = [a for a in expr.args if not (a.is_Number and abs(a) == 1)]
            dotted = len(factors) >= 2 and not all(plain(a) for a in factors)
            # set either way: a product inside a dotted one's factors must not inherit the dot
            saved = self._settings["mul_symbol_latex"]
            self._settings["mul_symbol_latex"] = r" \cdot " if dotted else " "
            try:
                return super()._print_Mul(expr)
            finally:
                self._settings["mul_symbol_latex"] = saved

    return Printer().doprint(e)


def _text(w: World, e) -> str:
    """Plain text of a sympy expression, in the expression language where it can be."""
    from sympy.printing.str import StrPrinter

    class Printer(StrPrinter):
        def _print_Float(self, f):
            return shortest(f)

        def _print_Abs(self, a):
            return f"abs({self._print(a.args[0])})"


    return Printer().doprint(e)


