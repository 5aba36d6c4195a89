"""Terminal plots: f and f' (and f'', differences) as unicode braille, for one or several activations.

:func:`render` returns the plot as a string; the command line prints it when no ``-o``
is given. It draws the same plot data as the figures (:mod:`actviz.render.model`): the curves
break where they jump at a kink, kinks are dotted verticals, and with ``logy`` the f' panel shows |f'| on
a log axis. plotext keeps one module-level figure, so it is cleared before and after.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core.bound import BoundActivation
from ..core.options import check_figure_points, check_order, check_threshold
from ..core.sampling import DEFAULT_POINTS, DEFAULT_RANGE
from ..errors import UsageError
from .figures import DEFAULT_SATURATION
from .model import Curve, bind_all, decade_stride, plot_data

#: Size used when the terminal's is unknown, and the smallest that still reads.
DEFAULT_WIDTH, DEFAULT_PANEL_HEIGHT = 100, 13
MIN_WIDTH, MIN_PANEL_HEIGHT = 40, 6


def render(
    acts: str | BoundActivation | Sequence[str | BoundActivation],
    *,
    range: tuple[float, float] = DEFAULT_RANGE,
    points: int = DEFAULT_POINTS,
    order: int = 1,
    numeric: bool = False,
    logy: bool = False,
    diff: bool = False,
    saturation: float = DEFAULT_SATURATION,
    width: int | None = None,
    panel_height: int | None = None,
    color: bool = False,
    **params: Any,
) -> str:
    """The plot as text: a panel for f, one for f' (|f'| on a log axis with ``logy``),
    one for f'' with ``order=2`` and one for f_i - f_0 with ``diff``; ``width`` columns,
    ``panel_height`` rows per panel; ANSI colours only with ``color=True``.

    >>> print(render("leaky_relu", alpha=0.1, width=60))   # doctest: +SKIP
    """
    import plotext as pt

    if isinstance(acts, (str, BoundActivation)):
        acts = [acts]
    bound = bind_all(acts, params)
    if not bound:
        raise UsageError("name at least one activation")
    if diff and len(bound) < 2:
        raise UsageError("a difference panel needs at least two activations")
    saturation = check_threshold(saturation, "saturation")
    width = max(MIN_WIDTH, int(width or DEFAULT_WIDTH))
    panel_height = max(MIN_PANEL_HEIGHT, int(panel_height or DEFAULT_PANEL_HEIGHT))
    data = plot_data(bound, range, check_figure_points(points), check_order(order), numeric, logy, diff)
    several = len(bound) > 1

    fig = pt.figure
    fig.clear()
    try:
        pt.terminal.limit(False, False)
        fig.plot_size(width, panel_height * len(data.panels))
        fig.subplots(len(data.panels), 1)
        for row, panel in enumerate(data.panels, start=1):
            ax = fig.subplot(row, 1)
            ax.theme("default" if color else "colorless")
            ax.title(f"{data.title}: {panel.label}" if row == 1 else panel.label)
            log = logy and row == 2
            ys = []
            for curve in (*panel.curves, *panel.numeric):
                if color or not several:
                    marker = "braille"
                else:
                    marker = "·" if curve.numeric else _GLYPHS[curve.index % len(_GLYPHS)]
                colour = _NUMERIC if curve.numeric else _PALETTE[curve.index % len(_PALETTE)]
                ys.append(_draw(pt, ax, curve, log, marker, colour))
            for k in data.kinks:
                ax.line(k, orientation="vertical", style="dotted")
            ax.ruler("x").lim(data.lo, data.hi)
            values = np.concatenate([y for y in ys if y.size]) if any(y.size for y in ys) else np.zeros(1)
            if log:  # drawn as log10|f'| on a linear axis: plotext's log rulers drop custom ticks
                exps = _log_ticks(values)
                if exps:
                    ax.ruler("y").ticks(exps, [_tick_label(10.0**e) for e in exps])
            else:
                positions = _nice_ticks(values)
                if positions:
                    ax.ruler("y").ticks(positions, [_tick_label(v) for v in positions])
        plot = fig.build().string(colorless=not color).rstrip("\n") + "\n"
    finally:
        fig.clear()
        pt.terminal.limit()  # back to plotext's defaults for any other user in this process
    return _key(bound, numeric, color) + plot


#: Terminal colour numbers for the activations (plotext's own sequence), and for numeric curves.
_PALETTE = (12, 10, 9, 14, 13, 11)
_NUMERIC = 8
#: Without colour, several activations are told apart by the character they are drawn with.
_GLYPHS = ("braille", "•", "+", "x", "o", "*")


def _key(bound: list[BoundActivation], numeric: bool, color: bool) -> str:
    """One line naming each curve (plotext's own legend box would cover them)."""
    if len(bound) == 1 and not numeric:
        return ""
    items = []
    for i, act in enumerate(bound):
        if color:
            items.append(f"\x1b[38;5;{_PALETTE[i % len(_PALETTE)]}m━━\x1b[0m {act.label}")
        else:
            glyph = _GLYPHS[i % len(_GLYPHS)] if len(bound) > 1 else "braille"
            items.append(f"{'⠶⠶' if glyph == 'braille' else glyph * 2} {act.label}")
    if numeric:
        items.append((f"\x1b[38;5;{_NUMERIC}m━━\x1b[0m" if color else "··") + " numeric f'")
    return "  " + "   ".join(items) + "\n"


def _nice_ticks(values: np.ndarray, count: int = 5) -> list[float]:
    """Round tick positions (steps of 1, 2, 2.5 or 5 times a power of ten) across the data."""
    values = values[np.isfinite(values)]
    if not values.size:
        return []
    lo, hi = float(values.min()), float(values.max())
    if hi - lo <= 1e-12 * max(1.0, abs(hi)):
        return [lo]
    raw = (hi - lo) / count
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    ticks = []
    v = first
    while v <= hi + 1e-9 * step:
        ticks.append(0.0 if abs(v) < 1e-9 * step else round(v, 12))
        v += step
    return ticks


def _log_ticks(exponents: np.ndarray) -> list[int]:
    """Whole powers of ten across log10 data, at most six, at round multiples (0, -50, -100)."""
    exponents = exponents[np.isfinite(exponents)]
    if not exponents.size:
        return []
    low = math.ceil(float(exponents.min()) - 1e-9)
    high = math.floor(float(exponents.max()) + 1e-9)
    if high < low:
        return []
    every = decade_stride(low, high)
    return [e for e in builtins.range(low, high + 1) if e % every == 0]


def _tick_label(v: float) -> str:
    if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e5):
        mantissa, exp = f"{v:.0e}".split("e")
        return f"{mantissa}e{int(exp)}"
    return f"{v:.6g}"


def _draw(pt, ax, curve: Curve, log: bool, marker: str, colour: int) -> np.ndarray:
    """Draw one curve, broken at jumps (and at zeros on a log axis); return the y drawn
    (log10|y| with ``log``)."""
    x, y = curve.x, np.asarray(curve.y, dtype=np.float64)
    cuts = curve.cuts()
    keep = np.isfinite(y)
    if log:
        y = np.abs(y)
        keep &= y > 0
        y = np.log10(np.where(keep, y, 1.0))
    idx = np.flatnonzero(keep)
    if not idx.size:
        return y[idx]
    breaks = {int(g) for g in np.flatnonzero(np.diff(idx) > 1) + 1}
    breaks |= {int(np.searchsorted(idx, c)) for c in cuts}
    sig = ax.signal(x[idx].tolist(), y[idx].tolist(), marker=pt.marker(marker, pt.pixel(foreground=colour)))
    sig.lines(True)
    for b in breaks:
        if 0 < b < idx.size:
            sig.line(b, False)
    ax.draw(sig)
    return y[idx]
