"""Expressions in x compiled to activation records with sympy (step 2 of :mod:`actviz.expr`)."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.records import Activation, Interval, Param
from ..errors import ParameterError, SpecError
from .budget import (
    KINK_SECONDS,
    MAX_DIFF_TREE,
    MAX_KINK_DEGREE,
    MAX_TOGETHER_TREE,
    MAX_TREE,
    SIMPLIFY_OPS,
    SIMPLIFY_POWER,
    Deadline,
    OutOfTime,
    TooCostly,
    require_size,
    sympy_lock,
    tree_size,
)
from .reader import Node, Parsed, bound_catalogue, calls, quoted

# -- step 2: sympy -----------------------------------------------------------------------------


class _World:
    """sympy, the symbol x, and the sympy classes that stand for catalogue functions."""

    def __init__(self) -> None:
        import sympy as sp
        from sympy.codegen.cfunctions import expm1, log1p
        from sympy.printing.numpy import NumPyPrinter
        from sympy.printing.pycode import MpmathPrinter

        self.sp = sp
        self.x = sp.Symbol("x", real=True)
        self.builtins = {
            "exp": sp.exp, "log": sp.log, "log1p": log1p, "expm1": expm1, "sqrt": sp.sqrt,
            "abs": sp.Abs, "sin": sp.sin, "cos": sp.cos, "tanh": sp.tanh, "erf": sp.erf,
            "erfc": _erfc(sp),
        }
        self.extrema = {"max": _binary_extremum(sp, "max"), "min": _binary_extremum(sp, "min")}
        self.classes: dict[tuple, type] = {}
        self.owner: dict[type, tuple[Activation, int, int]] = {}

        class Printer(NumPyPrinter):
            """numpy code: floats written exactly, Heaviside that propagates NaN, erf from scipy."""

            def _print_Float(self, e):
                return repr(float(e))

            def _print_Integer(self, e):
                v = int(e)
                return str(v) if abs(v) < 2**53 else repr(float(v))

            def _print_Heaviside(self, e):
                return f"{self._module_format('numpy.heaviside')}({self._print(e.args[0])}, 0.5)"

            def _print_erf(self, e):
                return f"erf({self._print(e.args[0])})"

        self.printer = Printer

        class MpPrinter(MpmathPrinter):
            """mpmath code: Heaviside as a plain function (sympy's Piecewise form is slow to print)."""

            def _print_Heaviside(self, e):
                return f"_heaviside({self._print(e.args[0])})"

        self.mp_printer = MpPrinter

    def function(self, record: Activation, nparams: int, order: int) -> type:
        """The sympy class for ``record`` (order 0) or its derivative (order 1, 2)."""
        key = (record.name, id(record), nparams, order)
        cls = self.classes.get(key)
        if cls is not None:
            return cls
        sp = self.sp
        world = self
        label = record.name + "'" * order
        tex_name = r"\mathrm{%s}%s" % (record.name.replace("_", r"\_"), "'" * order)
        code_name = f"_actviz_{record.name}_{order}_{nparams}"

        def fdiff(self, argindex=1):
            if argindex != 1 or order >= 2:
                raise sp.function.ArgumentIndexError(self, argindex)
            return world.function(record, nparams, order + 1)(*self.args)

        def text(self, printer):
            return f"{label}({', '.join(printer._print(a) for a in self.args)})"

        def tex(self, printer, exp=None, **_):
            body = r"%s\left(%s\right)" % (tex_name, ", ".join(printer._print(a) for a in self.args))
            return body if exp is None else r"%s^{%s}" % (body, exp)

        def code(self, printer):
            return f"{code_name}({', '.join(printer._print(a) for a in self.args)})"

        def is_real(self):
            return self.args[0].is_extended_real

        namespace = {
            "nargs": 1 + nparams,
            "fdiff": fdiff,
            "_sympystr": text,
            "_latex": tex,
            "_numpycode": code,
            "_mpmathcode": code,
            "_pythoncode": code,
            "_eval_is_extended_real": is_real,
        }
        cls = type(sp.Function)(code_name, (sp.Function,), namespace)
        self.classes[key] = cls
        self.owner[cls] = (record, nparams, order)
        return cls

    def numeric(self, cls: type) -> Callable:
        record, nparams, order = self.owner[cls]

        def run(z, *values):
            act = bound_catalogue(record, nparams, values)
            return act(z) if order == 0 else act.derivative(z, order=order)

        return run

    def reference(self, cls: type) -> Callable | None:
        record, nparams, order = self.owner[cls]
        if record.mp_reference is None or order > 1:
            return None

        def run(z, *values):
            act = bound_catalogue(record, nparams, tuple(float(v) for v in values))
            return record.mp_reference(z, **act.params)[order]

        return run

    # ---- building
    def build(self, node: Node, symbols: dict[str, Any]):
        sp = self.sp
        k = node.kind
        if k == "num":
            v = node.number
            return sp.Integer(v) if isinstance(v, int) else sp.Float(v)
        if k == "x":
            return self.x
        if k == "const":
            return sp.pi if node.name == "pi" else sp.E
        if k == "param":
            return symbols[node.name]
        args = [self.build(a, symbols) for a in node.args]
        if k == "neg":
            return -args[0]
        if k == "add":
            return args[0] + args[1]
        if k == "sub":
            return args[0] - args[1]
        if k == "mul":
            return args[0] * args[1]
        if k == "div":
            return args[0] / args[1]
        if k == "pow":
            return args[0] ** args[1]
        if node.record is not None:
            return self.function(node.record, len(args) - 1, 0)(*args)
        if node.name in self.extrema:  # max(a, b, c) = max(max(a, b), c), as nested torch.maximum
            out = args[0]
            for a in args[1:]:
                out = self.extrema[node.name](out, a)
            return out
        return self.builtins[node.name](*args)

    def tidy(self, e):
        """Exact rewrites that help numerics: δ terms dropped (they vanish off the kinks),
        u·sign(u) → |u|, and one fraction when that is shorter (softsign' = 1/(1+|x|)²)."""
        sp = self.sp
        e = e.replace(sp.DiracDelta, lambda *a: sp.S.Zero)

        def fold_sign(m):
            factors = list(m.args)
            for f in list(factors):
                if isinstance(f, sp.sign) and f.args[0] in factors and f in factors:
                    factors.remove(f)
                    factors.remove(f.args[0])
                    factors.append(sp.Abs(f.args[0]))
            return sp.Mul(*factors)

        e = e.replace(lambda m: m.is_Mul and m.has(sp.sign), fold_sign)
        if tree_size(e) > MAX_TOGETHER_TREE:
            return e
        together = sp.together(e)
        if sp.count_ops(together) < sp.count_ops(e):
            e = together
        return e


def _binary_extremum(sp, kind: str) -> type:
    """max(a, b) or min(a, b) as an opaque sympy function (sympy's Max compares its arguments
    pairwise, slowly). d/da = H(a - b) for max, H(b - a) for min, with H(0) = 1/2: a tie
    splits the derivative evenly, as torch.maximum and torch.minimum do."""
    sign = 1 if kind == "max" else -1
    numpy_name = "numpy.maximum" if kind == "max" else "numpy.minimum"

    def fdiff(self, argindex=1):
        a, b = self.args
        if argindex == 1:
            return sp.Heaviside(sign * (a - b))
        if argindex == 2:
            return sp.Heaviside(sign * (b - a))
        raise sp.function.ArgumentIndexError(self, argindex)

    def flat(self):
        out = []
        for a in self.args:
            out += flat(a) if type(a) is type(self) else [a]
        return out

    def text(self, printer):
        return f"{kind}({', '.join(printer._print(a) for a in flat(self))})"

    def tex(self, printer, exp=None, **_):
        body = r"\%s\left(%s\right)" % (kind, ", ".join(printer._print(a) for a in flat(self)))
        return body if exp is None else r"%s^{%s}" % (body, exp)

    def numpy_code(self, printer):
        return f"{printer._module_format(numpy_name)}({printer._print(self.args[0])}, {printer._print(self.args[1])})"

    def mp_code(self, printer):
        return f"{kind}({printer._print(self.args[0])}, {printer._print(self.args[1])})"

    def is_real(self):
        return fuzzy_and_real(self.args)

    def fuzzy_and_real(args):
        reals = [a.is_extended_real for a in args]
        return True if all(reals) else None

    namespace = {
        "nargs": 2,
        "fdiff": fdiff,
        "_sympystr": text,
        "_latex": tex,
        "_numpycode": numpy_code,
        "_mpmathcode": mp_code,
        "_eval_is_extended_real": is_real,
    }
    return type(sp.Function)(f"_actviz_{kind}", (sp.Function,), namespace)


def _erfc(sp) -> type:
    """erfc as an opaque sympy function: sympy rewrites erfc(-u) as 2 - erfc(u), which throws
    away the left tail (x·erfc(-x/√2)/2, gelu's stable form, would be 0 below x = -8)."""

    def fdiff(self, argindex=1):
        if argindex != 1:
            raise sp.function.ArgumentIndexError(self, argindex)
        u = self.args[0]
        return -2 * sp.exp(-(u**2)) / sp.sqrt(sp.pi)

    def text(self, printer):
        return f"erfc({printer._print(self.args[0])})"

    def tex(self, printer, exp=None, **_):
        body = r"\operatorname{erfc}\left(%s\right)" % printer._print(self.args[0])
        return body if exp is None else r"%s^{%s}" % (body, exp)

    def code(self, printer):
        return f"erfc({printer._print(self.args[0])})"

    def is_real(self):
        return self.args[0].is_extended_real

    namespace = {
        "nargs": 1,
        "fdiff": fdiff,
        "_sympystr": text,
        "_latex": tex,
        "_numpycode": code,
        "_mpmathcode": code,
        "_eval_is_extended_real": is_real,
    }
    return type(sp.Function)("_actviz_erfc", (sp.Function,), namespace)


def _heaviside(u):
    """Heaviside for the mpmath reference: 0, 1/2 at 0, 1; NaN stays NaN."""
    import mpmath as mp

    if mp.isnan(u):
        return u
    return mp.mpf(0) if u < 0 else (mp.mpf(1) if u > 0 else mp.mpf(0.5))


@functools.cache
def _world() -> _World:
    return _World()


# -- the record ----------------------------------------------------------------------------------


class UnknownRange(Interval):
    """The output range of an expression: not derived, so only the trivial bound (-∞, ∞)."""

    def __str__(self) -> str:
        return "not derived for expressions"


def build_record(parsed: Parsed, seconds: float) -> Activation:
    """The record of a checked expression, built within ``seconds`` of the thread's CPU time;
    one too costly for that is a :class:`SpecError`."""
    # imports are not counted against the budget: they happen once per process
    _world()
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
    w = _world()
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
    d1 = sp.diff(f, w.x)
    require_size(d1, MAX_TREE, "f' has more than {} terms and factors")
    deadline.check()
    d1 = w.tidy(d1)
    require_size(d1, MAX_DIFF_TREE, "f' has more than {} terms and factors to differentiate again")
    deadline.check()
    d2 = sp.diff(d1, w.x)
    require_size(d2, MAX_TREE, "f'' has more than {} terms and factors")
    deadline.check()
    d2 = w.tidy(d2)
    deadline.check()

    args = [w.x, *(symbols[n] for n in names)]
    fns = []
    for e in (f, d1, d2):
        fns.append(_lambdify(w, args, e))
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
        negative number), or infinite while finite on both sides (a pole, 1/x at 0); an
        infinity that continues on both sides is an overflow (exp(800)), whose derivative
        is the infinity it rounds to."""
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
            pole[inf] = np.isfinite(np.broadcast_to(left, xi.shape)) & np.isfinite(np.broadcast_to(right, xi.shape))
            bad |= pole
        return bad

    kink_cache: dict[tuple, tuple[float, ...]] = {}

    def kinks(**params) -> tuple[float, ...]:
        vals = tuple(values(params))
        if vals not in kink_cache:
            kink_cache[vals] = _kinks(w, f, dict(zip((symbols[n] for n in names), vals, strict=True)))
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


def _simplified(w: _World, d):
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


def _lambdify(w: _World, args: list, e) -> Callable:
    sp = w.sp
    namespace: dict[str, Any] = {}
    if e.has(sp.erf, w.builtins["erfc"]):
        from scipy import special

        namespace.update(erf=special.erf, erfc=special.erfc)
    for node in sp.preorder_traversal(e):
        if type(node) in w.owner:
            namespace[type(node).__name__] = w.numeric(type(node))
    printer = w.printer(
        {"fully_qualified_modules": False, "inline": True, "allow_unknown_functions": True,
         "user_functions": {k: k for k in namespace}}
    )
    return sp.lambdify(args, e, modules=[namespace, "numpy"], printer=printer, dummify=True)


def _mp_reference(w: _World, args: list, f, d1, values: Callable) -> Callable | None:
    sp = w.sp
    namespace: dict[str, Any] = {}
    for e in (f, d1):
        for node in sp.preorder_traversal(e):
            if type(node) in w.owner:
                impl = w.reference(type(node))
                if impl is None:
                    return None
                namespace[type(node).__name__] = impl
    namespace["_heaviside"] = _heaviside
    settings = {"fully_qualified_modules": False, "inline": True, "allow_unknown_functions": True,
                "user_functions": {k: k for k in namespace}}
    fn = sp.lambdify(args, f, modules=[namespace, "mpmath"], printer=w.mp_printer(settings), dummify=True)
    dfn = sp.lambdify(args, d1, modules=[namespace, "mpmath"], printer=w.mp_printer(settings), dummify=True)

    def reference(x, **params):
        import mpmath as mp

        vals = [mp.mpf(v) for v in values(params)]
        return mp.mpf(fn(x, *vals)), mp.mpf(dfn(x, *vals))

    return reference


def _tex(w: _World, e) -> str:
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


def _text(w: _World, e) -> str:
    """Plain text of a sympy expression, in the expression language where it can be."""
    from sympy.printing.str import StrPrinter

    class Printer(StrPrinter):
        def _print_Float(self, f):
            return repr(float(f))

        def _print_Abs(self, a):
            return f"abs({self._print(a.args[0])})"


    return Printer().doprint(e)


def _kinks(w: _World, f, subs: dict) -> tuple[float, ...]:
    """Where f or a derivative may jump, found exactly where it can be:

    - abs(u): the zeros of u;
    - max/min(a, b, ...): the points where two arguments tie and are the largest (smallest);
    - a catalogue function at u: the points where u equals one of its kinks;

    when u (or the difference of two arguments) is a polynomial in x of degree at most 4 once
    parameters are set. Other arguments (abs(sin(x)), max(x, exp(x) - 2)) are not searched,
    nor polynomials that would expand past degree :data:`MAX_KINK_DEGREE`; the search stops at
    :data:`KINK_SECONDS` with what it found by then.
    """
    with sympy_lock():
        return _find_kinks(w, f, subs, Deadline(KINK_SECONDS))


def _find_kinks(w: _World, f, subs: dict, deadline: Deadline) -> tuple[float, ...]:
    sp = w.sp
    targets = []
    chains = []
    extrema = tuple(w.extrema.values())
    inner = set()
    for node in sp.preorder_traversal(f):
        if isinstance(node, extrema):
            inner.update(a for a in node.args if type(a) is type(node))
    for node in sp.preorder_traversal(f):
        if isinstance(node, sp.Abs):
            targets.append((node.args[0], 0.0))
        elif isinstance(node, extrema) and node not in inner:
            chains.append((node, _flatten(node)))
        elif type(node) in w.owner:
            record, nparams, order = w.owner[type(node)]
            if order == 0:
                p = [float(v.subs(subs)) for v in node.args[1:]]
                for k in bound_catalogue(record, nparams, tuple(p)).kinks:
                    targets.append((node.args[0], k))
    found: set[float] = set()
    try:
        for u, c in targets:
            found.update(_zeros(w, (u - c).subs(subs), deadline))
        for node, args in chains:
            found.update(_extremum_kinks(w, node, [a.subs(subs) for a in args], deadline))
    except OutOfTime:
        pass
    return tuple(sorted(found))


def _branches(w: _World, e, limit: int = 64) -> list:
    """``e`` with each max/min replaced by one of its arguments and each |v| by ±v, every way."""
    sp = w.sp
    extrema = tuple(w.extrema.values())
    todo, done = [e], []
    while todo and len(done) + len(todo) <= limit:
        item = todo.pop()
        pick = next((n for n in sp.preorder_traversal(item) if isinstance(n, (sp.Abs, *extrema))), None)
        if pick is None:
            done.append(item)
            continue
        options = [pick.args[0], -pick.args[0]] if isinstance(pick, sp.Abs) else _flatten(pick)
        todo += [item.xreplace({pick: o}) for o in options]
    return done


def _zeros(w: _World, e, deadline: Deadline) -> list[float]:
    """Real zeros of ``e`` found through its polynomial branches, each checked on ``e`` itself."""
    candidates = set()
    for branch in _branches(w, e):
        deadline.check()
        candidates.update(_real_roots(w.sp, branch, w.x))
    if not candidates:
        return []
    xs = np.array(sorted(candidates))
    if not e.has(w.sp.Abs, *w.extrema.values()):
        return [float(v) for v in xs]
    with np.errstate(all="ignore"):
        values = np.broadcast_to(np.asarray(_lambdify(w, [w.x], e)(xs), dtype=np.float64), xs.shape)
    return [float(v) for v in xs[np.abs(values) <= 1e-9 * np.maximum(1.0, np.abs(xs))]]


def _flatten(node) -> list:
    out = []
    for a in node.args:
        out += _flatten(a) if type(a) is type(node) else [a]
    return out


def _extremum_kinks(w: _World, node, args: list, deadline: Deadline) -> list[float]:
    """Ties between two arguments of a max/min chain where those two are the active ones."""
    sp = w.sp
    candidates = set()
    for i in range(len(args)):
        for j in range(i + 1, len(args)):
            for branch in _branches(w, args[i] - args[j]):
                deadline.check()
                candidates.update(_real_roots(sp, branch, w.x))
    if not candidates:
        return []
    xs = np.array(sorted(candidates))
    with np.errstate(all="ignore"):
        values = np.array(
            [np.broadcast_to(np.asarray(_lambdify(w, [w.x], a)(xs), dtype=np.float64), xs.shape) for a in args]
        )
    best = values.max(axis=0) if type(node) is w.extrema["max"] else values.min(axis=0)
    tol = 1e-9 * np.maximum(1.0, np.abs(best))
    active = (np.abs(values - best) <= tol).sum(axis=0) >= 2
    return [float(v) for v in xs[active]]


def _real_roots(sp, e, x) -> list[float]:
    if e.free_symbols != {x}:
        return []
    bound = _degree_bound(e, x)
    if bound is None or bound > MAX_KINK_DEGREE:  # not a polynomial, or too costly to expand
        return []
    try:
        poly = sp.Poly(e, x)
    except sp.PolynomialError:
        return []
    degree = poly.degree()
    if degree < 1 or degree > 4:
        return []
    coeffs = poly.all_coeffs()
    if not all(c.is_number and c.is_real for c in coeffs):
        return []
    if all(c.is_Rational or c.is_Float for c in coeffs):
        # the float coefficients are exact binary fractions: isolate the roots exactly, round once
        exact = sp.Poly([sp.Rational(c) for c in coeffs], x)
        return [float(r.evalf(30)) for r in exact.real_roots()]
    return [float(sp.re(r)) for r in poly.nroots(n=30) if abs(sp.im(r)) <= 1e-25 * max(1, abs(sp.re(r)))]


def _degree_bound(e, x) -> int | None:
    """An upper bound of the degree in x of ``e`` read off its tree without expanding it, or
    None where ``e`` is not visibly a polynomial in x."""
    degrees: dict[int, int | None] = {}
    todo = [(e, False)]
    while todo:
        node, ready = todo.pop()
        if id(node) in degrees:
            continue
        if not ready and node.args and (node.is_Add or node.is_Mul or node.is_Pow):
            todo.append((node, True))
            todo.extend((a, False) for a in node.args)
            continue
        if node == x:
            d = 1
        elif ready and (node.is_Add or node.is_Mul):
            parts = [degrees[id(a)] for a in node.args]
            d = None if None in parts else (max(parts) if node.is_Add else sum(parts))
        elif ready:  # a power
            base, p = degrees[id(node.args[0])], node.args[1]
            if degrees[id(p)] == 0 and base == 0:
                d = 0
            else:
                d = base * int(p) if base is not None and p.is_Integer and p >= 0 else None
        else:
            d = None if node.has(x) else 0
        degrees[id(node)] = d
    return degrees[id(e)]


