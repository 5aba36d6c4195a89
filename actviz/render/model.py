"""What a plot shows, as plain data: the model the figures and the terminal plots both draw.

:func:`plot_data` samples the activations once and lays the result out in panels of
:class:`Curve`: f; f' (and the numeric f', NaN wherever its stencil reaches a kink); f''
with ``order=2``; f_i - f_0 with ``diff``. A curve knows the function its values sample,
so :meth:`Curve.broken` can break it where that function jumps at a kink instead of
joining the two sides with a vertical stroke. Each panel has its y label as plain text
and as mathtext. How it is drawn (colours, markers, a log axis) is each renderer's business;
what it shows is decided here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..core.bound import BoundActivation
from ..core.sampling import Sample
from ..errors import ParameterError
from ..numerics import stencil
from ..registry import get, no_such_parameter
from ..sampling import sample

Function = Callable[[np.ndarray], np.ndarray]


def bind_all(acts: Iterable[str | BoundActivation], params: dict[str, Any]) -> list[BoundActivation]:
    """Bind every activation; each parameter goes to those that take it, and must fit at least one."""
    bound = [get(a).elementwise for a in acts]
    for name in params:
        if not any(a.record.param(name) for a in bound):
            raise ParameterError(no_such_parameter(name, bound))
    out = []
    for act in bound:
        mine = {k: v for k, v in params.items() if act.record.param(k)}
        out.append(get(act, **mine) if mine else act)
    return out


def kinks_in(act: BoundActivation, lo: float, hi: float) -> list[float]:
    return [k for k in act.kinks if lo <= k <= hi]


def title(act: BoundActivation) -> str:
    """The title of one activation's plot: its label, the spec without the parameters left at
    their defaults, as files name it."""
    return act.label


def limits(fn: Function, k: float) -> tuple[float, float, float]:
    """(left limit, value, right limit) of ``fn`` at ``k``, the limits taken 1e-9 relative away."""
    delta = 1e-9 * max(1.0, abs(k))
    left, value, right = np.asarray(fn(np.array([k - delta, k, k + delta])), dtype=np.float64)
    return float(left), float(value), float(right)


def jumps(left: float, right: float, scale: float) -> bool:
    """Whether two one-sided limits differ, relative to the curve's ``scale``."""
    return abs(right - left) > 1e-6 * max(scale, 1e-300)


def cut_points(
    x: np.ndarray,
    y: np.ndarray,
    kinks: Sequence[float],
    fn: Function,
    isolate: bool = False,
) -> list[int]:
    """Indices i where the curve through (x, y) must not join point i-1 to point i: ``fn`` jumps there.

    Where the kink is a grid point, its value stays with the side it belongs to (relu'(0) = 0
    stays on the left); a value equal to neither limit is left on its own (it gets a marker).
    ``isolate`` leaves a kink's grid point on its own whatever its value (for the numeric
    derivative, whose stencil straddles the jump there).
    """
    if not kinks:
        return []
    finite = y[np.isfinite(y)]
    scale = float(np.max(np.abs(finite))) if finite.size else 1.0
    tol = 1e-6 * max(scale, 1e-300)
    cuts: list[int] = []
    for k in kinks:
        left, value, right = limits(fn, k)
        if not jumps(left, right, scale):
            continue
        i = int(np.searchsorted(x, k))
        if i < len(x) and x[i] == k:
            if isolate or abs(value - left) > tol:
                cuts.append(i)
            if isolate or abs(value - right) > tol:
                cuts.append(i + 1)
        else:
            cuts.append(i)
    return sorted({c for c in cuts if 0 < c < len(x)})


def broken(
    x: np.ndarray,
    y: np.ndarray,
    kinks: Sequence[float],
    fn: Function,
    isolate: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """``x`` and ``y`` with a NaN inserted at each of :func:`cut_points`, so no vertical stroke is drawn."""
    cuts = cut_points(x, y, kinks, fn, isolate)
    if not cuts:
        return x, y
    xs = np.insert(x.astype(np.float64), cuts, x[cuts])
    ys = np.insert(y.astype(np.float64), cuts, np.nan)
    return xs, ys


def numeric_drawn(s: Sample) -> np.ndarray:
    """The numeric f' of a sample, NaN wherever its stencil reaches a kink or jump.

    There the difference quotient straddles the break and measures nothing (a jump of
    size d reads as d/(12h), some 1e3·d): the curve is broken instead.
    """
    x = np.asarray(s.x, dtype=np.float64)
    y = np.array(s.df_numeric, dtype=np.float64)
    reach = stencil.reach(x)
    for k in s.activation.kinks:
        y[np.abs(x - k) <= reach] = np.nan
    return y


def decade_stride(low: int, high: int, most: int = 6) -> int:
    """The step between labelled powers of ten in [10**low, 10**high]: 1, 2, 5, 10, 20, 50, ...
    decades, the smallest that labels at most ``most`` of them (each a multiple of the step)."""
    step = 1
    while True:
        for m in (1, 2, 5):
            s = m * step
            if math.floor(high / s) - math.ceil(low / s) + 1 <= most:
                return s
        step *= 10


# -- the model -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Curve:
    """One curve of a panel: ``y`` over ``x`` for activation number ``index``.

    ``fn`` is the function ``y`` samples, whose one-sided limits at ``kinks`` say where the
    curve breaks; a ``numeric`` curve (the finite-difference f') is broken on both sides of
    every kink it jumps at.
    """

    index: int
    x: np.ndarray
    y: np.ndarray
    fn: Function
    kinks: list[float]
    numeric: bool = False

    def cuts(self) -> list[int]:
        """Where the curve must not join point i-1 to point i (see :func:`cut_points`)."""
        return cut_points(self.x, self.y, self.kinks, self.fn, isolate=self.numeric)

    def broken(self) -> tuple[np.ndarray, np.ndarray]:
        """x and y with NaN separators at :meth:`cuts`, ready for a line plot."""
        return broken(self.x, self.y, self.kinks, self.fn, isolate=self.numeric)

    def magnitude(self) -> Curve:
        """|y| over x, broken where |fn| jumps: the curve a log axis shows."""
        fn = self.fn
        return replace(self, y=np.abs(self.y), fn=lambda v: np.abs(fn(v)))


@dataclass(frozen=True)
class Panel:
    """One panel: ``key`` is f, df, d2f or diff; ``label`` its y label as plain text and ``tex``
    as mathtext; ``numeric`` the numeric f' curves (on the df panel only), drawn after the
    analytic ones."""

    key: str
    label: str
    tex: str
    curves: list[Curve]
    numeric: list[Curve] = field(default_factory=list)


@dataclass(frozen=True)
class PlotData:
    """Everything a plot of one or several activations shows, before any styling."""

    activations: list[BoundActivation]
    samples: list[Sample]
    panels: list[Panel]
    lo: float
    hi: float

    @property
    def title(self) -> str:
        """One activation's :func:`title`, or the labels joined by "vs"."""
        if len(self.activations) == 1:
            return title(self.activations[0])
        return " vs ".join(a.label for a in self.activations)

    @property
    def kinks(self) -> list[float]:
        """Every kink in view, once each, in order: where the dotted verticals go."""
        return sorted({k for a in self.activations for k in kinks_in(a, self.lo, self.hi)})

    @property
    def gated(self) -> bool:
        """Whether every curve is a gated unit's gate curve f(x, b) (b fixed, x the gate input a)."""
        return all(a.is_gated for a in self.activations)

    @property
    def x_label(self) -> str:
        return "a" if self.gated else "x"

    def panel(self, key: str) -> Panel | None:
        return next((p for p in self.panels if p.key == key), None)

    def kinks_of(self, i: int) -> list[float]:
        return kinks_in(self.activations[i], self.lo, self.hi)


#: Each panel's y label, as plain text and as mathtext.
LABELS = {
    "f": ("f(x)", "$f(x)$"),
    "df": ("f'(x)", "$f'(x)$"),
    "logdf": ("|f'(x)|, log scale", "$|f'(x)|$ (log scale)"),
    "d2f": ("f''(x)", "$f''(x)$"),
}
GATED_LABELS = {
    "f": ("f(a, b)", "$f(a, b)$"),
    "df": ("∂f/∂a", r"$\partial f / \partial a$"),
    "logdf": ("|∂f/∂a|, log scale", r"$|\partial f / \partial a|$ (log scale)"),
    "d2f": ("∂²f/∂a²", r"$\partial^2 f / \partial a^2$"),
}


def _shortened(label: str, width: int = 16) -> str:
    """A long label cut to its name, for an axis label."""
    return label if len(label) <= width else label.split("(")[0]


def _second(act: BoundActivation) -> Function:
    return lambda v: act.derivative(v, order=2)


def plot_data(
    bound: Sequence[BoundActivation],
    range: tuple[float, float],
    points: int,
    order: int = 1,
    numeric: bool = False,
    logy: bool = False,
    diff: bool = False,
) -> PlotData:
    """Sample ``bound`` on ``points`` points of ``range`` (already checked) and lay out the panels.

    ``logy`` only names the f' panel |f'(x)| (its curves keep their sign; a renderer takes
    :meth:`Curve.magnitude`); ``diff`` adds f_i - f_0 against the first activation, broken
    where either one has a kink.
    """
    bound = list(bound)
    samples = [sample(a, range, points, order=order, numeric=numeric) for a in bound]
    lo, hi = float(samples[0].x[0]), float(samples[0].x[-1])
    kinks = [kinks_in(a, lo, hi) for a in bound]
    rows = list(enumerate(zip(bound, samples, strict=True)))
    # gated units are shown along their gate curves: f(a, b) with b fixed, its slope ∂f/∂a
    names = GATED_LABELS if all(a.is_gated for a in bound) else LABELS
    panels = [
        Panel("f", *names["f"], [Curve(i, s.x, s.f, a, kinks[i]) for i, (a, s) in rows]),
        Panel("df", *(names["logdf"] if logy else names["df"]),
              [Curve(i, s.x, s.df, a.derivative, kinks[i]) for i, (a, s) in rows],
              [Curve(i, s.x, numeric_drawn(s), a.derivative, kinks[i], numeric=True) for i, (a, s) in rows]
              if numeric else []),
    ]
    if order == 2:
        panels.append(Panel("d2f", *names["d2f"], [Curve(i, s.x, s.d2f, _second(a), kinks[i]) for i, (a, s) in rows]))
    if diff:
        first, f0 = bound[0], samples[0].f
        panels.append(Panel("diff", f"f - {first.label}", f"f − {_shortened(first.label)}", [
            Curve(i, s.x, s.f - f0, lambda v, a=a: a(v) - first(v), sorted(set(kinks[i] + kinks[0])))
            for i, (a, s) in rows if i > 0
        ]))
    return PlotData(activations=bound, samples=samples, panels=panels, lo=lo, hi=hi)
