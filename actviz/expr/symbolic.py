"""The sympy side of expressions: sympy itself, the symbol x, the sympy functions that stand for
catalogue activations (their derivatives the catalogue's own), max, min and erfc kept as
written, and the compilation of sympy expressions to numpy and to mpmath.

sympy is imported on first use (:func:`world`), not with this module.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ..core.records import Activation
from ..core.spec import shortest
from .budget import MAX_TOGETHER_TREE, tree_size
from .reader import Node, bound_catalogue


class World:
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
                return shortest(e)

            def _print_Integer(self, e):
                v = int(e)
                return str(v) if abs(v) < 2**53 else shortest(v)

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

        cls = opaque_function(
            sp, code_name, 1 + nparams, fdiff, text=label, tex=tex_name,
            code={"_numpycode": code_name, "_mpmathcode": code_name, "_pythoncode": code_name},
        )
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

    return opaque_function(
        sp, f"_actviz_{kind}", 2, fdiff, text=kind, tex="\\" + kind, shown=flatten,
        code={"_numpycode": numpy_name, "_mpmathcode": kind}, real=_all_real,
    )


def _erfc(sp) -> type:
    """erfc as an opaque sympy function: sympy rewrites erfc(-u) as 2 - erfc(u), which throws
    away the left tail (x·erfc(-x/√2)/2, gelu's stable form, would be 0 below x = -8)."""

    def fdiff(self, argindex=1):
        if argindex != 1:
            raise sp.function.ArgumentIndexError(self, argindex)
        u = self.args[0]
        return -2 * sp.exp(-(u**2)) / sp.sqrt(sp.pi)

    return opaque_function(
        sp, "_actviz_erfc", 1, fdiff, text="erfc", tex=r"\operatorname{erfc}",
        code={"_numpycode": "erfc", "_mpmathcode": "erfc"},
    )


def opaque_function(
    sp, name: str, nargs: int, fdiff: Callable, *, text: str, tex: str, code: dict[str, str],
    shown: Callable | None = None, real: Callable | None = None,
) -> type:
    """A sympy function that sympy keeps as written, differentiated by ``fdiff``: printed as
    ``text(...)`` and ``tex\\left(...\\right)`` with the arguments ``shown(f)`` (its own by
    default), and as a call of ``code[method]`` by the code printer whose print method that is (a
    dotted name is a module's function); real where ``real(args)`` says (where its first argument
    is, by default)."""
    shown = shown or (lambda f: f.args)
    real = real or (lambda args: args[0].is_extended_real)

    def as_text(self, printer):
        return f"{text}({', '.join(printer._print(a) for a in shown(self))})"

    def as_tex(self, printer, exp=None, **_):
        body = r"%s\left(%s\right)" % (tex, ", ".join(printer._print(a) for a in shown(self)))
        return body if exp is None else r"%s^{%s}" % (body, exp)

    def call_of(callee: str) -> Callable:
        def as_code(self, printer):
            head = printer._module_format(callee) if "." in callee else callee
            return f"{head}({', '.join(printer._print(a) for a in self.args)})"

        return as_code

    def is_real(self):
        return real(self.args)

    namespace = {
        "nargs": nargs,
        "fdiff": fdiff,
        "_sympystr": as_text,
        "_latex": as_tex,
        **{method: call_of(callee) for method, callee in code.items()},
        "_eval_is_extended_real": is_real,
    }
    return type(sp.Function)(name, (sp.Function,), namespace)


def _all_real(args) -> bool | None:
    return True if all(a.is_extended_real for a in args) else None


def flatten(node) -> list:
    """The arguments of a nest of one function, max(max(a, b), c) -> [a, b, c]."""
    out = []
    for a in node.args:
        out += flatten(a) if type(a) is type(node) else [a]
    return out


def _heaviside(u):
    """Heaviside for the mpmath reference: 0, 1/2 at 0, 1; NaN stays NaN."""
    import mpmath as mp

    if mp.isnan(u):
        return u
    return mp.mpf(0) if u < 0 else (mp.mpf(1) if u > 0 else mp.mpf(0.5))


@functools.cache
def world() -> World:
    return World()


def lambdify(w: World, args: list, e) -> Callable:
    """``e`` as a numpy function of ``args``, catalogue functions in it by their own kernels."""
    sp = w.sp
    namespace: dict[str, Any] = {}
    if e.has(sp.erf, w.builtins["erfc"]):
        from scipy import special

        namespace.update(erf=special.erf, erfc=special.erfc)
    for node in sp.preorder_traversal(e):
        if type(node) in w.owner:
            namespace[type(node).__name__] = w.numeric(type(node))
    return sp.lambdify(args, e, modules=[namespace, "numpy"], printer=_printer(w.printer, namespace), dummify=True)


def mp_lambdify(w: World, args: list, exprs) -> list[Callable] | None:
    """Each of ``exprs`` as an mpmath function of ``args``, catalogue functions in them by their
    mpmath references; None if one of those has no reference."""
    sp = w.sp
    namespace: dict[str, Any] = {}
    for e in exprs:
        for node in sp.preorder_traversal(e):
            if type(node) in w.owner:
                impl = w.reference(type(node))
                if impl is None:
                    return None
                namespace[type(node).__name__] = impl
    namespace["_heaviside"] = _heaviside
    return [
        sp.lambdify(args, e, modules=[namespace, "mpmath"], printer=_printer(w.mp_printer, namespace), dummify=True)
        for e in exprs
    ]


def _printer(cls: type, namespace: dict[str, Any]):
    """A code printer that calls the functions of ``namespace`` by their names."""
    return cls(
        {"fully_qualified_modules": False, "inline": True, "allow_unknown_functions": True,
         "user_functions": {k: k for k in namespace}}
    )
