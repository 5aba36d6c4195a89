"""Where an expression's f or its derivatives may jump: the kinks of an expression."""

from __future__ import annotations

import numpy as np

from .budget import KINK_SECONDS, MAX_KINK_DEGREE, Deadline, OutOfTime, sympy_lock
from .reader import bound_catalogue
from .symbolic import World, flatten, lambdify


def find_kinks(w: World, f, subs: dict) -> tuple[float, ...]:
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
        return _search(w, f, subs, Deadline(KINK_SECONDS))


def _search(w: World, f, subs: dict, deadline: Deadline) -> tuple[float, ...]:
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
            chains.append((node, flatten(node)))
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


def _branches(w: World, e, limit: int = 64) -> list:
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
        options = [pick.args[0], -pick.args[0]] if isinstance(pick, sp.Abs) else flatten(pick)
        todo += [item.xreplace({pick: o}) for o in options]
    return done


def _zeros(w: World, e, deadline: Deadline) -> list[float]:
    """Real zeros of ``e`` found through its polynomial branches, each checked on ``e`` itself."""
    candidates = _branch_roots(w, e, deadline)
    if not candidates:
        return []
    xs = np.array(sorted(candidates))
    if not e.has(w.sp.Abs, *w.extrema.values()):
        return [float(v) for v in xs]
    with np.errstate(all="ignore"):
        values = _at(w, e, xs)
    return [float(v) for v in xs[np.abs(values) <= 1e-9 * np.maximum(1.0, np.abs(xs))]]


def _extremum_kinks(w: World, node, args: list, deadline: Deadline) -> list[float]:
    """Ties between two arguments of a max/min chain where those two are the active ones."""
    candidates = set()
    for i in range(len(args)):
        for j in range(i + 1, len(args)):
            candidates |= _branch_roots(w, args[i] - args[j], deadline)
    if not candidates:
        return []
    xs = np.array(sorted(candidates))
    with np.errstate(all="ignore"):
        values = np.array([_at(w, a, xs) for a in args])
    best = values.max(axis=0) if type(node) is w.extrema["max"] else values.min(axis=0)
    tol = 1e-9 * np.maximum(1.0, np.abs(best))
    active = (np.abs(values - best) <= tol).sum(axis=0) >= 2
    return [float(v) for v in xs[active]]


def _branch_roots(w: World, e, deadline: Deadline) -> set[float]:
    """The real roots of those branches of ``e`` that are polynomials (candidates, unchecked)."""
    roots: set[float] = set()
    for branch in _branches(w, e):
        deadline.check()
        roots.update(_real_roots(w.sp, branch, w.x))
    return roots


def _at(w: World, e, xs: np.ndarray) -> np.ndarray:
    """``e`` evaluated in floats at the points ``xs``."""
    return np.broadcast_to(np.asarray(lambdify(w, [w.x], e)(xs), dtype=np.float64), xs.shape)


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
