"""Figures: an activation and its derivatives, or several activations side by side.

:func:`plot` and :func:`compare` build and return a :class:`matplotlib.figure.Figure`
(object-oriented API, no pyplot state); saving is the caller's business
(``fig.savefig`` or :func:`actviz.io.save_figure`). matplotlib is imported inside the
functions that draw, so importing this module costs nothing.

What a figure shows: f and f' in panels that share x (f'' below with ``order=2``);
kinks as dotted verticals with a filled marker at the value the library takes there
and an open one at a one-sided limit that differs; a curve that jumps is broken there
rather than joined by a vertical stroke; on the f' panel, dead regions (f' = 0) and
saturated ones (0 < |f'| < τ) shaded, with legend entries saying so.
"""

from __future__ import annotations

import builtins
import difflib
import math
import os
import textwrap
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core import options
from ..core.bound import BoundActivation, GatedActivation
from ..core.options import check_dpi, check_figure_points, check_order, check_threshold
from ..core.sampling import DEFAULT_POINTS, DEFAULT_RANGE, Sample
from ..core.spec import format_value
from ..errors import OptionError, UsageError
from ..registry import get
from .model import Curve, bind_all, decade_stride, jumps, limits, plot_data

DEFAULT_SATURATION = 0.01
#: Figure width and the height of one panel, in inches.
WIDTH = 7.0
PANEL_HEIGHT = 2.15
#: Room for the title, the x label and the legend, in inches.
FRAME_HEIGHT = 1.55
#: The smallest figure that still reads: this wide, and this tall per panel beyond the frame.
MIN_WIDTH = 3.5
MIN_PANEL_HEIGHT = 0.9
#: One more row of legend entries, in inches (the frame holds two).
LEGEND_ROW = 0.22
#: What a gated unit's heat map adds to the smallest width.
MIN_HEAT_WIDTH = 2.5

# Shading colours: visible behind a line on white and on near-black alike.
_DEAD = "#8c8c8c"
_SATURATED = "#f2a81d"

# House look when no --style is given: light grid, no top/right spines, a softer dark.
_HOUSE = {
    "axes.grid": True,
    "grid.alpha": 0.25,
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "figure.titlesize": 13,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "lines.linewidth": 1.8,
}
_HOUSE_DARK = {
    "figure.facecolor": "#15181d",
    "axes.facecolor": "#15181d",
    "savefig.facecolor": "#15181d",
    "grid.alpha": 0.2,
}


# -- option checks: the style here (it needs matplotlib), the others in core/options.py --------


def available_styles() -> list[str]:
    """matplotlib style names that ``style=`` accepts."""
    import matplotlib.style

    return sorted({"default", *matplotlib.style.available})


@contextmanager
def quiet_matplotlib(fail_on: str | None = None):
    """Collect what matplotlib would print (warnings, and its logger's warnings) instead of printing it.

    Yields the list the messages go into, one string each; a warning whose message matches
    the regular expression ``fail_on`` is raised instead.
    """
    import logging
    import warnings

    messages: list[str] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    logger = logging.getLogger("matplotlib")
    handler, propagate = _Collect(logging.WARNING), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if fail_on is not None:
                warnings.filterwarnings("error", message=fail_on)
            yield messages
        messages.extend(str(w.message) for w in caught)
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def _first_line(message: str) -> str:
    return next((line.strip() for line in message.splitlines() if line.strip()), message.strip())


def _check_style_file(path: str) -> None:
    """Apply a ``.mplstyle`` file once, quietly: a bad value or key in it is a :class:`UsageError`."""
    from pathlib import Path

    import matplotlib.style

    try:
        with quiet_matplotlib() as messages, matplotlib.style.context(Path(path)):
            pass
    except (OSError, ValueError) as exc:  # unreadable, or not UTF-8
        raise OptionError("style", f"cannot use style file {path!r}: {_first_line(str(exc))}") from None
    if messages:
        message = _first_line(messages[0]).replace(repr(Path(path)), repr(path))
        raise OptionError("style", f"style file rejected by matplotlib: {message}")


def check_style(style: str | None) -> str | None:
    """A matplotlib style name (or path to a ``.mplstyle`` file); :class:`UsageError` otherwise.

    A style file is applied once to see that matplotlib takes every line of it.
    """
    if style is None:
        return None
    name = str(style).strip()
    known = available_styles()
    if name in known:
        return name
    if name.endswith(".mplstyle") and os.path.isfile(name):
        _check_style_file(name)
        return name
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
    few = close or [s for s in ("default", "ggplot", "bmh", "classic", "seaborn-v0_8-whitegrid") if s in known]
    raise OptionError(
        "style",
        f"unknown style {name!r}; try {', '.join(few)} "
        f"({len(known)} in all: matplotlib.style.available, or a .mplstyle file)"
    )


def legend_rows(entries: int, columns: int) -> int:
    return -(-max(entries, 1) // columns)


def minimum_size(panels: int = 2, rows: int = 1, heat_map: bool = False) -> tuple[float, float]:
    """The smallest (width, height) in inches that holds ``panels`` panels and ``rows`` legend
    rows (and, with ``heat_map``, a gated unit's heat map beside them)."""
    width = MIN_WIDTH + (MIN_HEAT_WIDTH if heat_map else 0.0)
    return width, FRAME_HEIGHT + MIN_PANEL_HEIGHT * panels + LEGEND_ROW * max(0, rows - 2)


def check_size(
    size: Sequence[float] | None, dpi: float | None = None, panels: int = 2, rows: int = 1,
    heat_map: bool = False,
) -> tuple[float, float] | None:
    """Figure size (width, height) in inches, at least :func:`minimum_size` for ``panels``
    panels and ``rows`` legend rows (see :func:`actviz.core.options.check_size`)."""
    return options.check_size(size, dpi, minimum_size(panels, rows, heat_map), panels)


# -- shading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Regions:
    """Where f' is exactly 0 (dead) and the saturated tails (0 < |f'| < τ out to an end of
    the interval), as x intervals: those of :func:`actviz.analysis.saturation.saturation`,
    so a figure shades exactly what `stats` reports."""

    dead: list[tuple[float, float]]
    saturated: list[tuple[float, float]]


def regions(s: Sample, saturation: float = DEFAULT_SATURATION) -> Regions:
    """The dead and saturated intervals of a sample, for shading."""
    from ..analysis.saturation import saturation as saturation_of

    sat = saturation_of(s.activation, (float(s.x[0]), float(s.x[-1])), len(s.x), saturation)
    return Regions(dead=list(sat.dead), saturated=list(sat.saturated))


# -- style ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Theme:
    colors: list[str]
    fg: str
    bg: str
    dark: bool


@contextmanager
def _styled(style: str | None, dark: bool):
    """rcParams for building one figure, restored afterwards (nothing leaks into the caller's)."""
    from pathlib import Path

    import matplotlib as mpl
    import matplotlib.style

    layers: list[Any] = []
    if style is not None:  # a file as a Path: a name with a dot would be looked up as a package first
        layers.append(Path(style) if style.endswith(".mplstyle") else style)
    else:
        layers.append(_HOUSE)
    if dark:
        layers.append("dark_background")
        if style is None:
            layers.append(_HOUSE_DARK)
    with matplotlib.style.context(layers):
        rc = mpl.rcParams
        colors = list(rc["axes.prop_cycle"].by_key().get("color", ["C0", "C1", "C2"]))
        yield _Theme(colors=colors, fg=rc["text.color"], bg=rc["axes.facecolor"], dark=dark)


_LINESTYLES = ("-", (0, (5, 2)), (0, (1, 1.6)), (0, (6, 1.6, 1, 1.6)), (3.5, (5, 2)), (0, (2.5, 2.5)))
#: Two curves that coincide on this share of the grid (in f or in f') must not share a
#: line style: the later one, drawn on top, would hide the earlier.
OVERLAP_SHARE = 0.2


def _palette(theme: _Theme, n: int) -> list[str]:
    """``n`` colours, all different while the style's cycle and then tab20, tab20b, tab20c last."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    colors = [to_hex(c) for c in theme.colors]
    if n <= len(colors):
        return colors[:n]
    tab20 = colormaps["tab20"].colors
    extra = [*tab20[0::2], *tab20[1::2], *colormaps["tab20b"].colors, *colormaps["tab20c"].colors]
    for c in map(to_hex, extra):
        if c not in colors:
            colors.append(c)
    return [colors[i % len(colors)] for i in range(n)]


def _overlap(a: Sample, b: Sample) -> float:
    """The share of the grid where two curves coincide in f or in f' (relu and leaky_relu:
    x > 0 in both)."""
    def share(u, v) -> float:
        u, v = np.asarray(u, dtype=np.float64), np.asarray(v, dtype=np.float64)
        with np.errstate(invalid="ignore"):
            return float(np.mean(np.isclose(u, v, rtol=1e-9, atol=1e-12)))

    return max(share(a.f, b.f), share(a.df, b.df))


def line_styles(samples: Sequence[Sample]) -> list[int]:
    """An index into the line styles for each curve: the first style that no earlier curve it
    coincides with (on :data:`OVERLAP_SHARE` of the grid) has, so a curve drawn on top
    leaves the one below it visible between its dashes; curves that overlap nothing are
    solid, except past the ten of the colour cycle, which start one style further."""
    out: list[int] = []
    for i, s in enumerate(samples):
        taken = {out[j] for j in builtins.range(i) if _overlap(samples[j], s) >= OVERLAP_SHARE}
        first = i // 10
        choice = next((k for k in builtins.range(first, first + len(_LINESTYLES)) if k % len(_LINESTYLES) not in taken),
                      first + len(taken))
        out.append(choice % len(_LINESTYLES))
    return out


def _same_curve(a: Sample, b: Sample) -> bool:
    """The same f on the grid (f' may still differ at a kink: relu against relu6 on [-6, 6])."""
    return bool(np.allclose(a.f, b.f, rtol=1e-9, atol=1e-12, equal_nan=True))


def _decade_ticks(ax) -> None:
    """Label powers of ten at round multiples (10^0, 10^-50, 10^-100) on a log y axis of many
    decades; with fewer than two whole decades in view matplotlib's own ticks stay."""
    from matplotlib.ticker import Formatter, Locator, LogFormatterSciNotation, LogLocator

    def decades(vmin: float, vmax: float) -> tuple[int, int, int] | None:
        vmin, vmax = sorted((vmin, vmax))
        if not (vmin > 0 and math.isfinite(vmax)):
            return None
        low, high = math.ceil(math.log10(vmin) - 1e-9), math.floor(math.log10(vmax) + 1e-9)
        if high - low < 1:
            return None
        return low, high, decade_stride(low, high)

    class Decades(Locator):
        def __init__(self, minor: bool) -> None:
            self.minor = minor
            self.fallback = LogLocator(subs="auto") if minor else LogLocator()

        def __call__(self):
            return self.tick_values(*self.axis.get_view_interval())

        def tick_values(self, vmin, vmax):
            d = decades(vmin, vmax)
            if d is None or (self.minor and d[2] == 1):
                self.fallback.set_axis(self.axis)
                return self.fallback.tick_values(vmin, vmax)
            low, high, stride = d
            if self.minor:
                step = {2: 1, 5: 1, 10: 2, 20: 5, 50: 10, 200: 50, 500: 100}.get(stride, stride // 5)
                exps = [e for e in range(low, high + 1) if e % step == 0 and e % stride != 0]
            else:
                exps = [e for e in range(low, high + 1) if e % stride == 0]
            return np.array([10.0**e for e in exps])

    class MinorLabels(Formatter):
        """matplotlib's minor labels where it would show them; none between labelled decades."""

        def __init__(self) -> None:
            self.inner = LogFormatterSciNotation(labelOnlyBase=True)

        def set_axis(self, axis):
            super().set_axis(axis)
            self.inner.set_axis(axis)

        def set_locs(self, locs):
            super().set_locs(locs)
            self.inner.set_locs(locs)

        def __call__(self, x, pos=None):
            if decades(*self.axis.get_view_interval()) is not None:
                return ""
            return self.inner(x, pos)

    ax.yaxis.set_major_locator(Decades(minor=False))
    ax.yaxis.set_minor_locator(Decades(minor=True))
    ax.yaxis.set_minor_formatter(MinorLabels())


def _fix_derivative_limits(ax, logy: bool) -> None:
    """Fix the f' panel's y limits to what is drawn so far (the analytic curves, marks and τ),
    so a numeric curve drawn afterwards cannot stretch them. On a log axis the margins are
    at most 0.3 of a decade, whatever the number of decades spanned."""
    if not logy:
        ax.set_ylim(ax.get_ylim())
        return
    lo, hi = float(ax.dataLim.minposy), float(ax.dataLim.y1)
    if math.isfinite(lo) and math.isfinite(hi) and 0 < lo <= hi:
        span = math.log10(hi) - math.log10(lo)
        margin = 10.0 ** (0.5 if span == 0 else min(max(0.05 * span, 0.05), 0.3))
        tiny = float(np.finfo(np.float64).smallest_subnormal)
        top = hi * margin
        if span > 6:  # reach the labelled power of ten just above, if it is close on this scale
            stride = decade_stride(math.ceil(math.log10(lo)), math.floor(math.log10(hi)))
            above = math.ceil(math.log10(hi) / stride) * stride
            if above - math.log10(hi) <= 0.05 * span:
                top = max(top, 10.0 ** (above + min(0.3, 0.01 * span)))
        ax.set_ylim(max(lo / margin, tiny), top)
    _decade_ticks(ax)


def _freeze(fig) -> None:
    """Make each axis's first tick now, under the figure's style: later ticks copy it at draw time."""
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            axis.get_major_ticks(1)
            axis.get_minor_ticks(1)


def _mathtext_ok(tex: str) -> bool:
    from matplotlib.mathtext import MathTextParser

    try:
        MathTextParser("path").parse(f"${tex}$")
    except ValueError:
        return False
    return True


def _shipped(record) -> bool:
    """The catalogue's own records, whose formulas the test suite parses as mathtext."""
    return getattr(record.forward, "__module__", "").startswith("actviz.catalogue.")


def display_tex(tex: str) -> str:
    """A formula as a title sets it: fractions in display size (mathtext sets an inline
    ``\frac`` at script size, about 5 px high at 100 dpi)."""
    return tex.replace(r"\frac", r"\dfrac")


def _formula(act: BoundActivation) -> str:
    """The formula for the title: mathtext if it parses, plain text otherwise.

    A formula from elsewhere (a plugin, an expression) is parsed first: a mathtext error
    would otherwise surface only when the figure is saved.
    """
    # act.formula_tex: a preset's own formula where it defines the function differently
    tex = display_tex(act.formula_tex) if act.formula_tex else ""
    if tex and (_shipped(act.record) or _mathtext_ok(tex)):
        return f"${tex}$"
    return act.formula_text


# -- drawing -------------------------------------------------------------------------------------


def _figure(panels: int, size: tuple[float, float] | None, dpi: float | None, rows: int = 1):
    from matplotlib.figure import Figure

    figsize = size or (WIDTH, FRAME_HEIGHT + PANEL_HEIGHT * panels + LEGEND_ROW * max(0, rows - 2))
    fig = Figure(figsize=figsize, dpi=dpi, layout="constrained")
    axes = fig.subplots(panels, 1, sharex=True, squeeze=False)[:, 0]
    for ax in axes[:-1]:
        ax.tick_params(labelbottom=False)
    axes[-1].set_xlabel("$x$")
    return fig, list(axes)


def _curve(ax, curve: Curve, logy: bool = False, **kw):
    """Draw a curve of the plot data, broken at its jumps; its magnitude on a log axis."""
    xs, ys = (curve.magnitude() if logy else curve).broken()
    (line,) = ax.plot(xs, ys, **kw)
    return line


def _kink_marks(ax, kinks, fn, color, theme, gid, absolute=False, ms=5.5):
    """A filled marker at the value taken at each kink, an open one at each limit that differs."""
    if not kinks:
        return None
    finite = [abs(v) for v in fn(np.array(kinks)) if np.isfinite(v)]
    scale = max(finite + [1.0])
    xs, ys, ox, oy = [], [], [], []
    for k in kinks:
        left, value, right = limits(fn, k)
        if absolute:
            left, value, right = abs(left), abs(value), abs(right)
        xs.append(k)
        ys.append(value)
        if jumps(left, right, scale):
            for lim in (left, right):
                if abs(lim - value) > 1e-6 * scale:
                    ox.append(k)
                    oy.append(lim)
    if absolute:  # zeros have no place on a log axis
        keep = [i for i, v in enumerate(ys) if v > 0]
        xs, ys = [xs[i] for i in keep], [ys[i] for i in keep]
        keep = [i for i, v in enumerate(oy) if v > 0]
        ox, oy = [ox[i] for i in keep], [oy[i] for i in keep]
    (filled,) = ax.plot(xs, ys, ls="none", marker="o", ms=ms, color=color, mec=theme.bg, mew=0.8,
                        zorder=4, gid=f"kink-{gid}")
    if ox:
        ax.plot(ox, oy, ls="none", marker="o", ms=ms, mfc=theme.bg, mec=color, mew=1.3, zorder=4,
                gid=f"kink-limit-{gid}")
    return filled


def _kink_lines(axes, positions, theme):
    line = None
    for k in sorted(set(positions)):
        for ax in axes:
            line = ax.axvline(k, ls=":", lw=1.1, color=theme.fg, alpha=0.55, zorder=1, gid="kink")
    return line


def _shade(ax, reg: Regions, saturation: float, theme: _Theme, prime: str = "f'") -> list:
    """Dead and saturated spans behind the curves; returns legend handles. ``prime`` names the
    derivative in the legend (mathtext)."""
    handles = []
    alpha_dead = 0.35 if theme.dark else 0.22
    alpha_sat = 0.25 if theme.dark else 0.22
    for spans, color, alpha, gid, label in (
        (reg.dead, _DEAD, alpha_dead, "dead", f"dead: ${prime}= 0$"),
        (reg.saturated, _SATURATED, alpha_sat, "saturated", f"saturated: $0 < |{prime}| < {saturation:g}$"),
    ):
        for i, (a, b) in enumerate(spans):
            patch = ax.axvspan(a, b, color=color, alpha=alpha, lw=0, zorder=0, gid=gid,
                               label=label if i == 0 else "_nolegend_")
            if i == 0:
                handles.append(patch)
    return handles


def _derivative_axes(ax, label: str, logy: bool, saturation: float, theme: _Theme):
    """Label the f' panel; with ``logy`` put it on a log axis and draw τ there."""
    ax.set_ylabel(label)
    if not logy:
        return None
    ax.set_yscale("log", nonpositive="mask")
    if saturation > 0:
        return ax.axhline(saturation, ls="--", lw=1.0, color=_SATURATED, zorder=2, gid="tau",
                          label=f"$\\tau = {saturation:g}$")
    return None


def _fig_legend(fig, handles, labels, columns):
    if handles:
        fig.legend(handles, labels, loc="outside lower center", ncols=max(1, min(columns, len(handles))))


def plot(
    act: str | BoundActivation,
    *,
    range: tuple[float, float] = DEFAULT_RANGE,
    points: int = DEFAULT_POINTS,
    order: int = 1,
    numeric: bool = False,
    logy: bool = False,
    saturation: float = DEFAULT_SATURATION,
    size: tuple[float, float] | None = None,
    dpi: float | None = None,
    style: str | None = None,
    dark: bool = False,
    **params: Any,
):
    """f and f' of one activation in two panels sharing x (f'' in a third with ``order=2``).

    >>> fig = plot("leaky_relu", alpha=0.1)          # doctest: +SKIP
    >>> fig.savefig("leaky_relu.png")                # doctest: +SKIP

    Kinks are marked, dead (f' = 0) and saturated (0 < |f'| < ``saturation``) regions shaded
    on the f' panel, the spec and formula in the title; ``numeric=True`` dashes the
    finite-difference f' over the analytic one (broken where its stencil reaches a kink;
    the axis keeps the analytic curve's limits); ``logy=True`` shows |f'| on a log axis.

    A gated unit f(a, b) (swiglu, glu, …) is drawn along its gate curve f(a, b) at the
    parameter b, with ∂f/∂a below, and beside them a heat map of f(a, b) with contours over
    the square ``range`` × ``range``: the gate curve's b as a dashed line, the kinks of a and
    b as dotted ones. Its slice (``get("swiglu").slice``) is drawn as a plain curve.
    """
    bound = get(act, **params)
    unit = bound if isinstance(bound, GatedActivation) else None
    act = bound.elementwise
    saturation = check_threshold(saturation, "saturation")
    dpi = check_dpi(dpi)
    panels = 3 if check_order(order) == 2 else 2
    size = check_size(size, dpi, panels, rows=legend_rows(4, PLOT_COLUMNS), heat_map=unit is not None)
    style = check_style(style)
    data = plot_data([act], range, check_figure_points(points), check_order(order), numeric, logy)
    s = data.samples[0]
    f, df = data.panel("f"), data.panel("df")
    kinks = f.curves[0].kinks
    reg = regions(s, saturation)
    prime = r"\partial f/\partial a" if data.gated else "f'"

    with _styled(style, dark) as theme:
        if unit is None:
            fig, axes = _figure(panels, size, dpi)
        else:
            fig, axes, heat_ax = _heat_figure(panels, size, dpi)
        axes[-1].set_xlabel(f"${data.x_label}$")
        color = theme.colors[0]
        ax_f, ax_d = axes[0], axes[1]
        _curve(ax_f, f.curves[0], color=color, gid="f", label="f")
        ax_f.set_ylabel(f.tex)
        tau_line = _derivative_axes(ax_d, df.tex, logy, saturation, theme)
        _curve(ax_d, df.curves[0], logy, color=color, gid="df", label="f′")
        handles, labels = [], []
        if order == 2:
            d2 = data.panel("d2f")
            _curve(axes[2], d2.curves[0], color=color, gid="d2f", label="f″")
            axes[2].set_ylabel(d2.tex)
        marker = None
        for ax, panel in zip(axes, data.panels, strict=True):
            m = _kink_marks(ax, kinks, panel.curves[0].fn, color, theme, panel.key,
                            absolute=logy and panel.key == "df")
            marker = marker or m
        _fix_derivative_limits(ax_d, logy)
        for curve in df.numeric:
            num = _curve(ax_d, curve, logy, color=theme.fg, lw=1.1, ls=(0, (3, 2.5)), gid="df_numeric",
                         label="numeric f′", zorder=3)
            handles.append(num)
            labels.append(f"numeric ${prime}$ (5-point stencil)")
        kline = _kink_lines(axes, kinks, theme)
        if kinks:
            handles.append((kline, marker))
            labels.append("kink: value taken (●), other limit (○)")
        for patch in _shade(ax_d, reg, saturation, theme, prime):
            handles.append(patch)
            labels.append(patch.get_label())
        if tau_line is not None:
            handles.append(tau_line)
            labels.append(tau_line.get_label())
        ax_f.set_xlim(data.lo, data.hi)
        if unit is None:
            fig.suptitle(data.title)
            # aligned by its bottom: a fraction's depth would otherwise sit on the axes (and kink lines)
            ax_f.set_title(_formula(act), fontsize=11, pad=8, va="bottom")
        else:
            fig.suptitle(f"{data.title}:  {_formula(act)}")
            ax_f.set_title(f"gate curve: $b = {format_value(unit.params['b'])}$ held fixed", fontsize=10,
                           pad=6, va="bottom")
            handles += _heat_map(fig, heat_ax, unit, data.lo, data.hi, theme)
            labels += [h.get_label() for h in handles[len(labels):]]
        _fig_legend(fig, handles, labels, columns=PLOT_COLUMNS if unit is None else 3)
        _freeze(fig)
    return fig


#: The heat map's grid: points per side.
HEAT_POINTS = 241
#: Room the heat map and its colour bar take beside the curves, in inches.
HEAT_WIDTH = 4.6


def _heat_figure(panels: int, size: tuple[float, float] | None, dpi: float | None):
    """A figure with the curve panels in a column on the left (sharing x) and one axes for the
    heat map on the right, spanning them."""
    from matplotlib.figure import Figure

    figsize = size or (WIDTH + HEAT_WIDTH, FRAME_HEIGHT + PANEL_HEIGHT * panels)
    fig = Figure(figsize=figsize, dpi=dpi, layout="constrained")
    grid = fig.add_gridspec(panels, 2, width_ratios=(figsize[0] - HEAT_WIDTH * figsize[0] / (WIDTH + HEAT_WIDTH),
                                                     HEAT_WIDTH * figsize[0] / (WIDTH + HEAT_WIDTH)))
    first = fig.add_subplot(grid[0, 0])
    axes = [first] + [fig.add_subplot(grid[i, 0], sharex=first) for i in builtins.range(1, panels)]
    for ax in axes[:-1]:
        ax.tick_params(labelbottom=False)
    heat = fig.add_subplot(grid[:, 1])
    return fig, axes, heat


def _heat_map(fig, ax, unit: GatedActivation, lo: float, hi: float, theme: _Theme) -> list:
    """f(a, b) over the square [lo, hi]² as colour with labelled contours, zero in bold; the
    gate curve's b dashed, the kinks of a and b dotted. Returns the legend handles it adds."""
    from matplotlib.colors import CenteredNorm

    a = np.linspace(lo, hi, HEAT_POINTS)
    A, B = np.meshgrid(a, a)
    F = np.asarray(unit(A, B), dtype=np.float64)
    finite = F[np.isfinite(F)]
    span = float(np.max(np.abs(finite))) if finite.size else 1.0
    norm = CenteredNorm(vcenter=0.0, halfrange=span if span > 0 else 1.0)
    # diverging about 0, light in the middle on a light figure and dark on a dark one, so the
    # contours drawn in the foreground colour stay visible where f is near 0
    cmap = "berlin" if theme.dark else "RdBu_r"
    image = ax.imshow(F, origin="lower", extent=(lo, hi, lo, hi), aspect="auto", cmap=cmap, norm=norm,
                      interpolation="bilinear", gid="heat")
    ax.set_box_aspect(1)
    bar = fig.colorbar(image, cax=ax.inset_axes([1.04, 0.0, 0.045, 1.0]))  # as tall as the square
    bar.set_label("$f(a, b)$")
    if finite.size and np.ptp(finite) > 0:
        levels = _contour_levels(finite)
        lines = ax.contour(A, B, F, levels=levels, colors=theme.fg, linewidths=0.6, alpha=0.7)
        lines.set_gid("contours")
        ax.clabel(lines, fontsize=7, fmt=lambda v: f"{v:g}", inline=True)
        if finite.min() < 0 < finite.max():
            zero = ax.contour(A, B, F, levels=[0.0], colors=theme.fg, linewidths=1.4)
            zero.set_gid("zero-contour")
    handles = []
    b0 = float(unit.params["b"])
    if lo <= b0 <= hi:
        handles.append(ax.axhline(b0, color=theme.colors[0], lw=1.6, ls=(0, (5, 2)), gid="gate-curve",
                                  label=f"gate curve at $b = {format_value(b0)}$ (left)"))
    kink, seen = None, []
    for k in unit.gate_kinks:
        if lo <= k <= hi:
            kink = ax.axvline(k, ls=":", lw=1.1, color=theme.fg, alpha=0.8, gid="gate-kink")
            seen.append("$a$ (vertical)")
    for k in unit.value_kinks:
        if lo <= k <= hi:
            kink = ax.axhline(k, ls=":", lw=1.1, color=theme.fg, alpha=0.8, gid="value-kink")
            seen.append("$b$ (horizontal)")
    if kink is not None:
        kink.set_label("kinks of " + " and ".join(dict.fromkeys(seen)))
        handles.append(kink)
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_xlabel("$a$ (gate input)")
    ax.set_ylabel("$b$ (value input)")
    ax.set_title("$f(a, b)$", fontsize=10, pad=6)
    ax.grid(False)
    return handles


def _contour_levels(values: np.ndarray, most: int = 5) -> np.ndarray:
    """Contour levels at ±1, 2, 5 times powers of ten, the ``most`` largest of each sign within
    the values: a product's small values near the axes get contours as well as its large ones
    (the zero contour is drawn apart, in bold)."""
    lo, hi = float(values.min()), float(values.max())
    top = max(abs(lo), abs(hi))
    levels = []
    e = math.floor(math.log10(top))
    while len(levels) < 3 * most and e > -300:
        levels += [m * 10.0**e for m in (5, 2, 1) if m * 10.0**e <= top]
        e -= 1
    positive = [v for v in levels if v < hi][:most]
    negative = [-v for v in levels if -v > lo][:most]
    return np.array(sorted(negative + positive))


#: Legend columns of plot() and compare().
PLOT_COLUMNS, COMPARE_COLUMNS = 2, 3


def compare_legend_entries(curves: int) -> int:
    """Legend entries of a comparison of ``curves`` activations, at most: one each, kink, numeric, τ."""
    return curves + 3


def compare(
    acts: Sequence[str | BoundActivation],
    *,
    diff: bool = False,
    range: tuple[float, float] = DEFAULT_RANGE,
    points: int = DEFAULT_POINTS,
    order: int = 1,
    numeric: bool = False,
    logy: bool = False,
    saturation: float = DEFAULT_SATURATION,
    size: tuple[float, float] | None = None,
    dpi: float | None = None,
    style: str | None = None,
    dark: bool = False,
    sweep: str | None = None,
    **params: Any,
):
    """Several activations overlaid: f and f' panels (f'' with ``order=2``), one legend entry each.

    ``diff=True`` adds a panel of f_i - f_0, the differences from the first activation
    (how far is gelu's tanh form from the exact one?). Keyword parameters go to every
    activation that takes them. ``saturation`` draws τ on the log axis with ``logy``.
    Every curve has its own colour (the style's cycle, then tab20); a curve that coincides
    with an earlier one over part of the grid gets a line style that one does not have
    (:func:`line_styles`), so the earlier stays visible between the dashes; the 11th and
    later start dashed; a curve the same as an earlier one on the whole grid also says so in
    the legend ("= softmax here").

    ``sweep="alpha"`` says the activations are one parameter's values (:func:`actviz.sweep.sweep`):
    they are coloured along a sequential scale in the order given, and the legend names each
    value.
    """
    if isinstance(acts, (str, BoundActivation)):
        acts = [acts]
    bound = bind_all(acts, params)
    if len(bound) < 2:
        raise UsageError("compare needs at least two activations")
    saturation = check_threshold(saturation, "saturation")
    dpi = check_dpi(dpi)
    panels = 2 + (check_order(order) == 2) + bool(diff)
    rows = legend_rows(compare_legend_entries(len(bound)), COMPARE_COLUMNS)
    size = check_size(size, dpi, panels, rows)
    style = check_style(style)
    data = plot_data(bound, range, check_figure_points(points), check_order(order), numeric, logy, diff)
    samples = data.samples
    # a curve identical to an earlier one gets another line style and a note in the legend
    same_as: list[int | None] = [
        next((j for j in builtins.range(i) if _same_curve(samples[j], s)), None) for i, s in enumerate(samples)
    ]
    f_panel, df_panel, d2_panel, diff_panel = (data.panel(k) for k in ("f", "df", "d2f", "diff"))

    with _styled(style, dark) as theme:
        fig, axes = _figure(panels, size, dpi, rows)
        axes[-1].set_xlabel(f"${data.x_label}$")
        colors = _sweep_colors(bound, sweep, theme) if sweep else _palette(theme, len(bound))
        styles = [_LINESTYLES[k] for k in line_styles(samples)]
        ax_f, ax_d = axes[0], axes[1]
        ax_f.set_ylabel(f_panel.tex)
        tau_line = _derivative_axes(ax_d, df_panel.tex, logy, saturation, theme)
        ax_2 = axes[2] if d2_panel is not None else None
        ax_diff = axes[-1] if diff_panel is not None else None
        handles, labels = [], []
        marker = None
        for i, act in enumerate(bound):
            color, ls = colors[i], styles[i]
            kinks = f_panel.curves[i].kinks
            # earlier curves a little wider, so one that coincides with a later one still shows
            lw = 1.8 + 0.8 * (len(bound) - 1 - i) / max(len(bound) - 1, 1)
            line = _curve(ax_f, f_panel.curves[i], color=color, lw=lw, ls=ls, gid="f", label=act.label)
            _curve(ax_d, df_panel.curves[i], logy, color=color, lw=lw, ls=ls, gid="df", label=act.label)
            # earlier curves' kink dots larger too: dots at one point stack as rings, not hide
            ms = 4.5 + 3.5 * (len(bound) - 1 - i) / max(len(bound) - 1, 1)
            m = _kink_marks(ax_f, kinks, act, color, theme, "f", ms=ms)
            _kink_marks(ax_d, kinks, act.derivative, color, theme, "df", absolute=logy, ms=ms)
            marker = marker or m
            if ax_2 is not None:
                d2 = d2_panel.curves[i]
                _curve(ax_2, d2, color=color, lw=lw, ls=ls, gid="d2f", label=act.label)
                _kink_marks(ax_2, kinks, d2.fn, color, theme, "d2f", ms=ms)
            handles.append(line)
            j = same_as[i]
            label = _sweep_label(act, bound, sweep) if sweep else act.label
            labels.append(label if j is None else f"{label} (= {bound[j].label} here)")
        _fix_derivative_limits(ax_d, logy)
        num = None
        for curve in df_panel.numeric:
            num = _curve(ax_d, curve, logy, color=theme.fg, lw=1.0, ls=(0, (3, 2.5)), gid="df_numeric",
                         label=f"numeric f′ {bound[curve.index].label}", zorder=3)
        if ax_diff is not None:
            first = bound[0]
            for curve in diff_panel.curves:
                i = curve.index
                _curve(ax_diff, curve, color=colors[i], ls=styles[i], gid="diff",
                       label=f"{bound[i].label} − {first.label}")
            ax_diff.axhline(0.0, color=theme.fg, lw=0.8, alpha=0.5, zorder=1)
            ax_diff.set_ylabel(diff_panel.tex)
        if ax_2 is not None:
            ax_2.set_ylabel(d2_panel.tex)
        kline = _kink_lines(axes, data.kinks, theme)
        if data.kinks:
            handles.append((kline, marker))
            labels.append("kink")
        if num is not None:
            handles.append(num)
            labels.append("numeric $f'$ (dashed)")
        if tau_line is not None:
            handles.append(tau_line)
            labels.append(tau_line.get_label())
        ax_f.set_xlim(data.lo, data.hi)
        title = _sweep_title(bound, sweep) if sweep else "  vs  ".join(a.label for a in bound)
        title += gate_curves_note(bound)
        fig.suptitle("\n".join(textwrap.wrap(title, 70)))
        _fig_legend(fig, handles, labels, columns=COMPARE_COLUMNS)
        _freeze(fig)
    return fig


def gate_curves_note(bound: Sequence[BoundActivation]) -> str:
    """What a comparison of gated units shows, for its title: their gate curves, at the b they
    share, or where they share the value factor (the labels name a b that is not the default)."""
    from ..core.gated import value_at

    if not bound or not all(a.is_gated for a in bound):
        return ""
    values = {a.params["b"] for a in bound}
    if len(values) == 1:
        return f": gate curves at b = {format_value(values.pop())}"
    factors = {value_at(a.record.gated, a.params) for a in bound}
    if len(factors) == 1:  # swiglu at b = 1 beside swiglu_oai at b = 0: both the gate itself
        return f": gate curves (value factor {format_value(factors.pop())})"
    return ": gate curves"  # at the b each label (or a sweep's legend) names


def _sweep_colors(bound: Sequence[BoundActivation], sweep: str, theme: _Theme) -> list[str]:
    """A colour per curve along viridis, dark to light, by the swept value's place among the
    values (the same value, the same colour, whichever activation); the theme's foreground
    for an activation without the parameter. Viridis's last tenth is too pale on white."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    values = list(dict.fromkeys(a.params[a.record.param(sweep).name] for a in bound if _swept(a, sweep)))
    scale = [to_hex(c) for c in colormaps["viridis"](np.linspace(0.0, 0.88, len(values)))]
    return [scale[values.index(a.params[a.record.param(sweep).name])] if _swept(a, sweep) else theme.fg
            for a in bound]


def _swept(act: BoundActivation, sweep: str) -> bool:
    return act.record.param(sweep) is not None


def _sweep_label(act: BoundActivation, bound: Sequence[BoundActivation], sweep: str) -> str:
    """``alpha = 0.5`` when a single activation is swept, else its label."""
    from ..sweep import swept_value

    names = {a.name for a in bound}
    return swept_value(act, sweep) if len(names) == 1 and _swept(act, sweep) else act.label


def _sweep_title(bound: Sequence[BoundActivation], sweep: str) -> str:
    from ..sweep import swept_value

    swept = [a for a in bound if _swept(a, sweep)]
    names = list(dict.fromkeys(a.name for a in bound))
    first, last = swept_value(swept[0], sweep), swept_value(swept[-1], sweep).split(" = ")[1]
    return f"{', '.join(names)}: {first} … {last}"
