"""Figures for the signal-propagation and accuracy analyses.

Each function builds and returns a matplotlib Figure (or draws on the Axes it is given);
the CLI saves it with :func:`actviz.render.io.save_figure`. No pyplot: the figures are
:class:`matplotlib.figure.Figure` objects, so nothing global is created or left behind. matplotlib is imported inside the
functions, so importing this module costs nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..analysis import signal as sig
from ..core.background import in_background
from ..core.bound import BoundActivation
from ..core.options import check_panels
from ..registry import get
from .export import readable

if TYPE_CHECKING:  # the audit's module is only needed for its figure, and then already loaded
    from ..analysis.accuracy import AuditResult

#: The panels `signal` can draw, in the order of the full figure.
SIGNAL_PANELS = ("qmap", "cmap", "chi", "phase", "variance", "gradient")
PANEL_TITLES = {
    "qmap": "length map $q \\to Q(q)$",
    "cmap": "correlation map $c \\to C(c)$",
    "chi": "$\\chi$ against $\\sigma_w$",
    "phase": "phase diagram",
    "variance": "Monte-Carlo: variance per layer",
    "gradient": "Monte-Carlo: gradient per layer",
}
#: Line styles of the activations, beside their colours: curves that coincide (relu under
#: selu for x > 0) stay distinguishable.
_DASHES = ("-", "--", ":", "-.")


def _styles(n: int) -> list[dict]:
    return [{"color": c, "ls": _DASHES[i % len(_DASHES)]} for i, c in enumerate(_colors(n))]


def _sw_sb(sigma_w: float, sigma_b: float) -> str:
    return f"$\\sigma_w$ = {sigma_w:g}, $\\sigma_b$ = {sigma_b:g}"


def _panel_title(ax, text: str) -> None:
    """A signal panel's title above its axes, once its scale and limits are set.

    matplotlib places a title at each draw by laying out the y axis's tick labels to see
    whether an offset or ×10ⁿ text stands where the title goes. Where the y axis has no such
    text (almost always here), the title is pinned at the top of the axes instead, where it
    would have gone: the same figure, without that extra layout of every panel's ticks."""
    formatter = ax.yaxis.get_major_formatter()
    formatter.set_locs(ax.yaxis.get_majorticklocs())
    pinned = {} if formatter.get_offset() else {"y": 1.0}
    ax.set_title(text, fontsize="medium", **pinned)


def _legend(ax) -> None:
    ax.legend(fontsize="small", loc="best", framealpha=0.85)


#: ULP errors of 0 are drawn at this height on the log axis.
ULP_FLOOR = 1e-3


def _colors(n: int) -> list:
    import matplotlib as mpl

    # the rcParams themselves, not pyplot's view of them: building a figure needs no pyplot state
    cycle = mpl.rcParams["axes.prop_cycle"].by_key().get("color", ["C0"])
    return [cycle[i % len(cycle)] for i in range(n)]


def _new_axes(ax):
    if ax is not None:
        return ax.figure, ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5.0, 4.0), layout="constrained")
    return fig, fig.add_subplot()


# -- signal ---------------------------------------------------------------------------------


def qmap_curves(acts: Sequence[BoundActivation], sigma_w: float, sigma_b: float, q_stars=None) -> tuple:
    """What :func:`plot_qmap` draws: (q, [Q(q) of each activation], the cobweb's points)."""
    q_stars = q_stars or [float(sig.fixed_point(a, sigma_w, sigma_b)) for a in acts]
    top = _qmap_top(q_stars)
    q = np.linspace(0.0, top, 241)
    maps = [sig.length_map(act, q, sigma_w, sigma_b) for act in acts]
    # cobweb from q = 1 for the first activation
    first, qs = acts[0], [1.0]
    for _ in range(12):
        qs.append(float(sig.length_map(first, min(qs[-1], top), sigma_w, sigma_b)))
    xs, ys = [qs[0]], [0.0]
    for a, b in zip(qs[:-1], qs[1:], strict=True):
        xs += [a, b]
        ys += [b, b]
    web = [(x, y) for x, y in zip(xs, ys, strict=True) if x <= top and y <= top]
    return q, maps, web


def _qmap_top(q_stars) -> float:
    return max([2.0, *(1.6 * q for q in q_stars if math.isfinite(q))])


def plot_qmap(acts: Sequence[BoundActivation], sigma_w: float, sigma_b: float, ax=None, q_stars=None,
              curves=None):
    """Q(q) against q with the diagonal, each q* marked, and the iteration from q = 1 drawn
    as a cobweb (first activation only); ``curves`` from :func:`qmap_curves` if already computed."""
    fig, ax = _new_axes(ax)
    q_stars = q_stars or [float(sig.fixed_point(a, sigma_w, sigma_b)) for a in acts]
    q, maps, web = curves if curves is not None else qmap_curves(acts, sigma_w, sigma_b, q_stars)
    top = _qmap_top(q_stars)
    ax.plot(q, q, color="0.6", lw=0.8, ls="--", label="$Q(q) = q$")
    for act, q_star, values, style in zip(acts, q_stars, maps, _styles(len(acts)), strict=True):
        color = style["color"]
        # one legend entry an activation, its fixed point in it: the legend stays off the curves
        where = f"$q^*$ = {q_star:.6g}" if math.isfinite(q_star) else "$q$ grows without bound"
        ax.plot(q, values, **style, label=f"{act.label} ({where})")
        if math.isfinite(q_star):
            ax.plot([q_star], [q_star], "o", color=color, ms=6, zorder=5, gid="fixed-point")
    if web:
        ax.plot(*zip(*web, strict=True), color=_colors(1)[0], lw=0.6, alpha=0.6, gid="cobweb")
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_xlabel("$q$ (pre-activation variance, layer $l$)")
    ax.set_ylabel("$Q(q)$ (layer $l + 1$)")
    _panel_title(ax, f"{PANEL_TITLES['qmap']}\n{_sw_sb(sigma_w, sigma_b)}")
    _legend(ax)
    return fig


def cmap_curves(acts: Sequence[BoundActivation], sigma_w: float, sigma_b: float, results) -> tuple:
    """What :func:`plot_cmap` draws: (c, [C(c) of each activation at its q*])."""
    c = sig.correlation_grid(41)
    return c, [sig.correlation_map(act, c, sigma_w, sigma_b, r.q_star) for act, r in zip(acts, results, strict=True)]


def plot_cmap(acts: Sequence[BoundActivation], sigma_w: float, sigma_b: float, ax=None, results=None,
              curves=None):
    """C(c) against c at q*, with the diagonal and each c* marked; ``curves`` from
    :func:`cmap_curves` if already computed."""
    fig, ax = _new_axes(ax)
    results = results or [sig.analyse(a, sigma_w, sigma_b) for a in acts]
    c, maps = curves if curves is not None else cmap_curves(acts, sigma_w, sigma_b, results)
    ax.plot(c, c, color="0.6", lw=0.8, ls="--", label="$C(c) = c$")
    for act, r, values, style in zip(acts, results, maps, _styles(len(acts)), strict=True):
        # read as the table reads it: a correlation within round-off of 0 is 0 (selu's c* is 8.5e-33)
        ax.plot(c, values, **style, label=f"{act.label} ($c^*$ = {readable(r.c_star, 6, scale=1.0)})")
        ax.plot([r.c_star], [r.c_star], "o", color=style["color"], ms=6, zorder=5, gid="fixed-point")
    ax.set_xlim(-1, 1)
    ax.set_ylim(-1, 1.02)
    ax.set_xlabel("$c$ (correlation of two inputs, layer $l$)")
    ax.set_ylabel("$C(c)$ (layer $l + 1$)")
    _panel_title(ax, PANEL_TITLES["cmap"])
    _legend(ax)
    return fig


def chi_curves(acts: Sequence[BoundActivation], sigma_w: float, sigma_b: float, edges) -> tuple:
    """What :func:`plot_chi` draws: (σ_w, [χ at q* of each activation])."""
    top = _chi_top(sigma_w, edges)
    sw = np.linspace(top / 200, top, 200)
    return sw, [sig.chi_at_fixed_point(act, sw, sigma_b) for act in acts]


def _chi_top(sigma_w: float, edges) -> float:
    return max([3.0, 1.5 * sigma_w, *(1.6 * e for e in edges if e)])


def plot_chi(acts: Sequence[BoundActivation], sigma_w: float, sigma_b: float, ax=None, edges=None,
             curves=None):
    """χ at q* against σ_w at this σ_b: 1 is the edge of chaos, marked where it is crossed;
    ``curves`` from :func:`chi_curves` if already computed."""
    fig, ax = _new_axes(ax)
    edges = edges if edges is not None else [sig.edge_of_chaos(a, sigma_b) for a in acts]
    top = _chi_top(sigma_w, edges)
    sw, chis = curves if curves is not None else chi_curves(acts, sigma_w, sigma_b, edges)
    ax.axhline(1.0, color="0.6", lw=0.8, ls="--")
    for act, edge, values, style in zip(acts, edges, chis, _styles(len(acts)), strict=True):
        # the edges go in the legend: a label at χ = 1 is struck through by the curves
        label = act.label if edge is None else f"{act.label} (edge $\\sigma_w$ = {edge:.6g})"
        ax.plot(sw, values, **style, label=label)
        if edge is not None:
            ax.axvline(edge, color=style["color"], lw=1.0, ls=":", gid="edge")
    ax.axvline(sigma_w, color="0.3", lw=0.6, ls="-", alpha=0.5, gid="sigma-w",
               label=f"$\\sigma_w$ = {sigma_w:g}")
    ax.set_yscale("log")
    ax.set_xlim(0, top)
    ax.set_xlabel("$\\sigma_w$")
    ax.set_ylabel("$\\chi = \\sigma_w^2\\,E[f'(\\sqrt{q^*} z)^2]$")
    _panel_title(ax, f"{PANEL_TITLES['chi']}\n$\\sigma_b$ = {sigma_b:g}")
    _legend(ax)
    return fig


def phase_grid(sigma_w: float, sigma_b: float) -> tuple[np.ndarray, np.ndarray]:
    """The (σ_w, σ_b) grid of the phase diagram: at least [0, 4] × [0, 1], reaching past the point asked."""
    sw = np.linspace(0.05, max(4.0, 1.5 * sigma_w), 60)
    sb = np.linspace(0.0, max(1.0, 1.5 * sigma_b), 31)
    return sw, sb


def phase_curves(acts: Sequence[BoundActivation], sigma_w: float, sigma_b: float, grid=None) -> tuple:
    """What :func:`plot_phase` draws: (σ_w, σ_b, [χ over them for each activation])."""
    sw, sb = grid if grid is not None else phase_grid(sigma_w, sigma_b)
    return sw, sb, [sig.phase_diagram(act, sw, sb) for act in acts]


def plot_phase(acts: Sequence[BoundActivation], sigma_w: float, sigma_b: float, ax=None, grid=None,
               curves=None):
    """log10 χ over (σ_w, σ_b) with the edge of chaos (χ = 1) drawn; with several activations,
    only each one's edge; ``curves`` from :func:`phase_curves` if already computed."""
    fig, ax = _new_axes(ax)
    sw, sb, chis = curves if curves is not None else phase_curves(acts, sigma_w, sigma_b, grid)
    colors = _colors(len(acts))
    for act, color, chi in zip(acts, colors, chis, strict=True):
        with np.errstate(divide="ignore"):
            log_chi = np.log10(np.where(np.isfinite(chi), chi, np.nan))
        if len(acts) == 1:
            mesh = ax.pcolormesh(sw, sb, np.clip(log_chi, -1.0, 1.0), cmap="coolwarm", vmin=-1.0, vmax=1.0,
                                 shading="nearest", rasterized=True)
            bar = fig.colorbar(mesh, ax=ax, pad=0.03, fraction=0.05)
            bar.set_label("$\\log_{10} \\chi$")
            # mid-left: small σ_w is ordered for every activation, and the legend is top right
            ax.text(0.04, 0.5, "ordered ($\\chi < 1$)", transform=ax.transAxes, fontsize="small",
                    color="navy")
            ax.text(0.96, 0.06, "chaotic ($\\chi > 1$)", transform=ax.transAxes, fontsize="small",
                    color="darkred", ha="right")
        if np.nanmin(log_chi) < 0 < np.nanmax(log_chi):
            ax.contour(sw, sb, log_chi, levels=[0.0], colors=["black" if len(acts) == 1 else color],
                       linewidths=1.5)
        ax.plot([], [], color="black" if len(acts) == 1 else color,
                label="edge of chaos" if len(acts) == 1 else f"edge of chaos: {act.label}")
    ax.plot([sigma_w], [sigma_b], marker="*", color="gold", mec="black", ms=12, ls="", gid="point",
            label="the $(\\sigma_w, \\sigma_b)$ asked")
    ax.set_xlabel("$\\sigma_w$")
    ax.set_ylabel("$\\sigma_b$")
    _panel_title(ax, PANEL_TITLES["phase"])
    ax.legend(fontsize="small", loc="upper right", framealpha=0.85)
    return fig


def plot_montecarlo(mc_runs: Sequence[sig.MonteCarlo], which: str = "variance", ax=None):
    """A random network's per-layer variance (or squared gradient) beside the mean field."""
    fig, ax = _new_axes(ax)
    for mc, style in zip(mc_runs, _styles(len(mc_runs)), strict=True):
        color = style["color"]
        if which == "variance":
            emp, pred = mc.variance, mc.variance_predicted
        else:
            emp, pred = mc.grad, mc.grad_predicted
        name = get(mc.spec).label  # the short label, as the other panels show
        ax.plot(mc.layers, pred, **style, label=f"{name}: mean field", gid="predicted")
        ax.plot(mc.layers, emp, "o", color=color, ms=3.5, mfc="none", gid="empirical",
                label="_nolegend_" if len(mc_runs) > 1 else f"{name}: network")
    if len(mc_runs) > 1:  # one entry for the network's points of every activation
        ax.plot([], [], "o", color="0.35", ms=3.5, mfc="none", label="network (each in its colour)")
    mc = mc_runs[0]
    if which == "variance":
        ax.set_ylabel("$q^l$ = mean $(h^l)^2$")
    else:
        ax.set_ylabel("mean $(\\partial E/\\partial h^l)^2$ / last layer's")
    # a log axis where the values span two decades or more; within less, its labels would be
    # minor ones (6×10⁻¹, wider than the panel's margin holds) and a linear axis reads better
    values = [m.variance if which == "variance" else m.grad for m in mc_runs]
    if any(np.nanmax(v) > 100 * max(np.nanmin(v), 1e-300) for v in values):
        ax.set_yscale("log")
    ax.set_xlabel("layer $l$")
    _panel_title(ax, f"{PANEL_TITLES[which]}\nwidth {mc.width}, {mc.samples} inputs, seed {mc.seed}")
    _legend(ax)
    return fig


# The signal figure's margins, in inches: fixed, so drawing it needs no layout pass. Each
# holds the panels' own text: tick labels and a label on the left of a panel (mathtext
# included; wider beside negative tick labels, a log axis or a tall label), two-line titles
# above, tick labels and a label below, and the overhang of the last x tick label between
# panels.
_LEFT_ROOM = {"cmap": 0.75, "chi": 0.85, "variance": 0.85, "gradient": 0.85}
_LEFT, _OVERHANG, _RIGHT, _BAR = 0.62, 0.25, 0.14, 0.6
_BOTTOM, _ROW_GAP, _TOP = 0.48, 0.95, 0.7
#: what a second line of the figure's title takes
_TITLE_LINE = 0.3


def _panel_grid(fig, panels: Sequence[str], cols: int, bars: set[int], top: float = _TOP) -> list:
    """Axes for ``panels``, ``cols`` to a row, placed with the fixed margins above (``top``
    inches above them); a column in ``bars`` gets :data:`_BAR` more room on its right for a
    colour bar's labels."""
    from ..render.io import placed_by_hand

    rows = math.ceil(len(panels) / cols)
    width, height = fig.get_size_inches()
    left = [max(_LEFT_ROOM.get(p, _LEFT) for p in panels[c::cols]) for c in range(cols)]
    extra = [_BAR if c in bars else 0.0 for c in range(cols)]
    w = (width - sum(left) - (cols - 1) * _OVERHANG - _RIGHT - sum(extra)) / cols
    h = (height - _BOTTOM - top - (rows - 1) * _ROW_GAP) / rows
    axes = []
    for r in range(rows):
        y = height - top - (r + 1) * h - r * _ROW_GAP
        x = 0.0
        for c in range(min(cols, len(panels) - r * cols)):
            x += left[c]
            axes.append(fig.add_axes((x / width, y / height, w / width, h / height)))
            x += w + extra[c] + _OVERHANG
    placed_by_hand(fig)
    return axes


@dataclass(frozen=True)
class SignalCurves:
    """The mean-field numbers of a signal figure, computed apart from its drawing: the
    activations' :func:`~actviz.analysis.signal.analyse` results and each chosen panel's
    curves (from :func:`qmap_curves`, :func:`cmap_curves`, :func:`chi_curves` and
    :func:`phase_curves`; ``None`` for a panel not drawn). Plain numbers and arrays, so they
    can be computed in another process."""

    results: tuple
    qmap: tuple | None = None
    cmap: tuple | None = None
    chi: tuple | None = None
    phase: tuple | None = None


def signal_curves(acts: Sequence[BoundActivation], sigma_w: float, sigma_b: float,
                  panels: Sequence[str] = SIGNAL_PANELS, results=None) -> SignalCurves:
    """Everything but the Monte-Carlo networks that :func:`signal_figure` draws ``panels`` with."""
    panels = check_panels(panels, SIGNAL_PANELS)
    results = tuple(results) if results is not None else tuple(sig.analyse(a, sigma_w, sigma_b) for a in acts)
    return SignalCurves(
        results=results,
        qmap=qmap_curves(acts, sigma_w, sigma_b, [r.q_star for r in results]) if "qmap" in panels else None,
        cmap=cmap_curves(acts, sigma_w, sigma_b, results) if "cmap" in panels else None,
        chi=chi_curves(acts, sigma_w, sigma_b, [r.edge_of_chaos_sigma_w for r in results]) if "chi" in panels else None,
        phase=phase_curves(acts, sigma_w, sigma_b) if "phase" in panels else None,
    )


def signal_figure(
    acts: Sequence[BoundActivation],
    sigma_w: float,
    sigma_b: float,
    panels: Sequence[str] = SIGNAL_PANELS,
    width: int = 512,
    depth: int = 40,
    samples: int = 64,
    seed: int = 0,
    results: Sequence[sig.SignalResult] | None = None,
    networks: Sequence[sig.MonteCarlo] | Callable[[], Sequence[sig.MonteCarlo]] | None = None,
    curves: SignalCurves | Callable[[], SignalCurves] | None = None,
):
    """The chosen panels of :data:`SIGNAL_PANELS` in one figure, two or three to a row.

    ``results`` are the activations' :func:`~actviz.analysis.signal.analyse` results,
    ``curves`` the mean-field panels' numbers (:func:`signal_curves`, results included) and
    ``networks`` the :func:`~actviz.analysis.signal.monte_carlo` runs; each may also be a
    function that returns it (work already going elsewhere, as the command line starts it).
    What is not given is computed here, the networks on a thread of their own.
    """
    from matplotlib.figure import Figure

    panels = list(dict.fromkeys(check_panels(panels, SIGNAL_PANELS)))
    cols = 1 if len(panels) == 1 else (2 if len(panels) in (2, 4) else 3)
    rows = math.ceil(len(panels) / cols)
    # one panel is narrower than the title: the parameters go on a line of their own
    narrow = cols == 1
    # about 3.4 in a panel: printed at a page's 7 in, the text stays near 7 pt
    fig = Figure(figsize=(3.4 * cols, 3.1 * rows + (_TITLE_LINE if narrow else 0.0)))
    # the phase diagram of one activation has a colour bar, whose labels need room on its right
    bars = {panels.index("phase") % cols} if "phase" in panels and len(acts) == 1 else set()
    axes = _panel_grid(fig, panels, cols, bars, _TOP + (_TITLE_LINE if narrow else 0.0))
    mc_runs = (lambda: networks) if networks is not None and not callable(networks) else networks
    if mc_runs is None and {"variance", "gradient"} & set(panels):
        # the network's products and random draws release the GIL: they run on the other core
        # while the other panels are laid out, and are waited for by the first panel they fill
        mc_runs = in_background(
            lambda: [sig.monte_carlo(a, sigma_w, sigma_b, width, depth, samples, seed) for a in acts])
    if callable(curves):
        curves = curves()
    if curves is None:
        curves = signal_curves(acts, sigma_w, sigma_b, panels, results)
    results = list(curves.results)
    for name, ax in zip(panels, axes, strict=True):
        if name == "qmap":
            plot_qmap(acts, sigma_w, sigma_b, ax, [r.q_star for r in results], curves.qmap)
        elif name == "cmap":
            plot_cmap(acts, sigma_w, sigma_b, ax, results, curves.cmap)
        elif name == "chi":
            plot_chi(acts, sigma_w, sigma_b, ax, [r.edge_of_chaos_sigma_w for r in results], curves.chi)
        elif name == "phase":
            plot_phase(acts, sigma_w, sigma_b, ax, curves=curves.phase)
        else:
            plot_montecarlo(mc_runs(), name, ax)
    labels = ", ".join(a.label for a in acts)
    sep = "\n" if narrow else "  "
    fig.suptitle(f"Signal propagation: {labels}{sep}({_sw_sb(sigma_w, sigma_b)})", fontsize="large",
                 y=1.0 - 0.1 / fig.get_figheight(), va="top")
    return fig


# -- accuracy -------------------------------------------------------------------------------


def _draw_ulps(ax, x: np.ndarray, err: np.ndarray, color, label: str, marker: str, gid: str, who: str) -> None:
    finite = np.isfinite(err)
    shown = np.maximum(err[finite], ULP_FLOOR)
    ax.plot(x[finite], shown, marker, color=color, ms=2.2, ls="", label=label, rasterized=True, gid=gid)
    if (~finite).any():
        ax.plot(x[~finite], np.ones((~finite).sum()), "x", color=color, ms=4, ls="",
                transform=ax.get_xaxis_transform(), label=f"{who} overflow/NaN ({(~finite).sum():,} x)",
                gid=gid + "-nonfinite", rasterized=True)


def _symlog_x(ax, lo: float, hi: float) -> None:
    """A symmetric log x axis (linear within ±1) with at most about five decades labelled a side."""
    ax.set_xscale("symlog", linthresh=1.0)
    top = math.ceil(math.log10(max(abs(lo), abs(hi), 10.0)))
    step = max(1, math.ceil(top / 5))
    ticks, labels = [0.0], ["0"]
    for k in range(step, top + 1, step):
        if hi >= 10.0**k:
            ticks.append(10.0**k)
            labels.append(f"$10^{{{k}}}$")
        if lo <= -(10.0**k):
            ticks.insert(0, -(10.0**k))
            labels.insert(0, f"$-10^{{{k}}}$")
    ax.set_xticks(ticks, labels)


def accuracy_figure(results: Sequence[AuditResult]):
    """ULP error against x, f and f' side by side, actviz beside the textbook formula; one row
    per (activation, dtype). Zero errors sit at 10⁻³; overflow/NaN are crosses along the top.

    The textbook formula is written under each panel's title (it differs per panel), so the one
    legend, below the panels, stays short and covers no data.
    """
    import textwrap

    from matplotlib.figure import Figure

    fig = Figure(figsize=(11.0, 0.6 + 3.9 * len(results)), layout="constrained")
    axes = fig.subplots(len(results), 2, squeeze=False)
    ours_color, naive_color = _colors(2)
    legend: dict[str, object] = {}
    for row, r in zip(axes, results, strict=True):
        for ax, part, tol in zip(row, ("forward", "derivative"), r.tolerance, strict=True):
            naive_key = f"naive_{part}"
            lines = []
            if r.naive is not None:
                xn, en = r.curve.series(naive_key)
                text = r.naive.text if part == "forward" else r.naive.derivative_text
                _draw_ulps(ax, xn, en, naive_color, "textbook formula", "o", "naive", "textbook")
                lines.append(textwrap.fill(f"textbook: {text}", 72, subsequent_indent="    "))
            xo, eo = r.curve.series(part)
            _draw_ulps(ax, xo, eo, ours_color, "actviz", ".", "ours", "actviz")
            ax.axhline(tol, color=ours_color, lw=0.8, ls="--", gid="tolerance",
                       label="actviz's bound")
            ax.set_yscale("log")
            lo, hi = (r.range or (np.min(xo), np.max(xo))) if xo.size else (-1, 1)
            if max(abs(lo), abs(hi)) > 50:
                _symlog_x(ax, lo, hi)
            ax.set_ylim(ULP_FLOOR / 2, None)
            ticks = [t for t in ax.get_yticks() if t > ULP_FLOOR * 5]
            ax.set_yticks([ULP_FLOOR, *ticks], ["0", *(f"$10^{{{round(math.log10(t))}}}$" for t in ticks)])
            ax.set_ylim(ULP_FLOOR / 2, None)
            ax.set_xlabel("x")
            ax.set_ylabel(f"ULP error ({r.dtype})")
            name = "f" if part == "forward" else "f'"
            stats = r.forward if part == "forward" else r.derivative
            binned = " (worst of each chunk shown)" if r.curve.binned else ""
            how = f"all {r.points:,} finite values" if r.exhaustive else f"{r.points:,} points"
            head = f"{get(r.spec).label}: {name} in {r.dtype}, actviz max {stats.max_ulp:.3g} ULP"
            ax.set_title("\n".join([head, *lines, f"{how}{binned}"]), fontsize="small", loc="left")
            for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
                legend.setdefault(label, handle)
    fig.legend(list(legend.values()), list(legend), loc="outside lower center",
               ncols=min(4, len(legend)), fontsize="small", markerscale=3)
    return fig


# -- implementations: counts of errors by x -------------------------------------------------------

#: The error classes' labels on the figure's y axis (see actviz.analysis.counting.EDGES).
_CLASS_TICKS = {0: "≤ ½", 1: "1", 3: "4", 5: "16", 7: "64", 9: "256", 11: "2¹⁰", 15: "2¹⁴", 19: "2¹⁸"}


def _x_ticks(xbins) -> tuple[list[float], list[str]]:
    """Ticks at 0 and at about four powers of ten a side (round decades) over the bins' x."""
    lo, hi = xbins.lo, xbins.hi
    top = math.floor(math.log10(max(abs(lo), abs(hi), 1.0)))
    bottom = math.ceil(math.log10(2.0 ** (xbins.emin - xbins.p + 1))) if xbins.kind == "ordinal" else 0
    step = next(s for s in (1, 2, 5, 10, 20, 50) if (top - bottom) / s <= 4)
    ks = [k for k in range(bottom - bottom % step, top + 1, step) if k >= bottom]
    values = [0.0] if lo <= 0 <= hi else []
    for k in ks:
        values += [v for v in (10.0**k, -(10.0**k)) if lo <= v <= hi]
    # largest magnitudes first, each kept only where it leaves room beside those kept before
    kept: list[float] = []
    for v in sorted(values, key=lambda v: (v != 0, -abs(v))):
        at = float(xbins.position(np.array([v]))[0])
        if all(abs(at - float(xbins.position(np.array([w]))[0])) > 0.06 * xbins.n for w in kept):
            kept.append(v)
    values = sorted(kept)
    labels = []
    for v in values:
        k = round(math.log10(abs(v))) if v else 0
        text = "0" if v == 0 else (f"{10**k:g}" if k in (0, 1, 2) else f"$10^{{{k}}}$")
        labels.append(("−" if v < 0 else "") + text)
    return list(xbins.position(np.array(values))), labels


def implementation_figure(results: Sequence):
    """Where each implementation's errors are: for every audit (a row) and for f and f' (the
    columns), a histogram over x of the points in each error class, from correctly rounded
    (≤ ½ ULP) up to beyond 2^20 ULP and wrong inf/NaN on top; colour is the number of values
    (log scale). x is binned evenly by the values' order for an exhaustive run (every binade
    its share) and in asinh(x) for the grid."""
    from matplotlib.colors import LogNorm
    from matplotlib.figure import Figure

    from ..analysis.counting import N_CLASSES, NONFINITE_CLASS
    from .export import ulp_text

    fig = Figure(figsize=(12.0, 0.8 + 2.9 * len(results)), layout="constrained")
    axes = fig.subplots(len(results), 2, squeeze=False)
    peak = max([int(t.hist.max()) for r in results for t in (r.forward, r.derivative)
                if t is not None and r.error is None] or [1])
    norm = LogNorm(vmin=1, vmax=max(peak, 2))
    image = None
    yticks = {**_CLASS_TICKS, NONFINITE_CLASS: "inf/NaN"}
    for row, r in zip(axes, results, strict=True):
        for ax, part, name in ((row[0], r.forward, "f"), (row[1], r.derivative, "f'")):
            head = f"{r.label} by {r.implementation}: {name} in {r.dtype}"
            if r.error is not None or part is None:
                why = r.error if r.error is not None else "; ".join(r.notes) or "no derivative"
                ax.text(0.5, 0.5, "\n".join(_wrap(why, 70)), ha="center", va="center", fontsize="small",
                        transform=ax.transAxes, gid="missing")
                ax.set_title(head, fontsize="small", loc="left")
                ax.set_xticks([])
                ax.set_yticks([])
                continue
            counts = np.ma.masked_equal(part.hist.T.astype(float), 0.0)
            image = ax.pcolormesh(np.arange(r.xbins.n + 1), np.arange(N_CLASSES + 1) - 0.5, counts,
                                  norm=norm, cmap="viridis", shading="flat", rasterized=True)
            image.set_gid("counts")
            ax.axhline(0.5, color="0.4", lw=0.6, ls="--", gid="correctly-rounded")
            ax.set_ylim(-0.5, N_CLASSES - 0.5)
            ax.set_yticks(list(yticks), list(yticks.values()), fontsize="x-small")
            ticks, labels = _x_ticks(r.xbins)
            ax.set_xticks(ticks, labels, fontsize="x-small")
            ax.set_xlim(0, r.xbins.n)
            ax.set_xlabel("x" + (" (bins by order of value)" if r.xbins.kind == "ordinal" else ""),
                          fontsize="small")
            ax.set_ylabel("ULP error", fontsize="small")
            wrong = part.points - part.correct
            stats = f"max {ulp_text(part.max_ulp)} ULP, mean {part.mean_ulp:.3g}; {wrong:,} of {part.points:,} > ½ ULP"
            if part.ftz_explained:
                stats += f" ({part.ftz_explained:,} FTZ)"
            ax.set_title(f"{head}\n{stats}", fontsize="small", loc="left")
    if image is not None:
        bar = fig.colorbar(image, ax=axes[:, -1].tolist(), shrink=0.9, pad=0.01)
        bar.set_label("values in the bin", fontsize="small")
    return fig


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width) or [""]
