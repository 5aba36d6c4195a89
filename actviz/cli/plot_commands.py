"""Commands that draw: ``plot`` (one activation) and ``compare`` (several, overlaid).

With ``-o FILE`` the figure from :mod:`actviz.render.figures` is saved atomically (format from
the suffix or ``--format``); without it the plot is drawn in the terminal by
:mod:`actviz.render.termplot`, followed by the command that would save it. ``--show`` opens a
matplotlib window where there is a display. Every option is checked before any work,
so a bad one never leaves a file behind or replaces an existing one.
"""

import os
import shlex
import shutil
import sys
from dataclasses import dataclass
from typing import Annotated, Any

import typer

from ..core.options import DEFAULT_POINTS, DEFAULT_RANGE
from ..core.spec import format_value
from ..errors import ActvizError, UsageError
from ..render.io import FIGURE_FORMATS, check_writable, format_for
from ._help import ActvizCommand
from .app import app
from .common import (
    AlphaOpt,
    BetaOpt,
    BOpt,
    NumericOpt,
    OrderOpt,
    OutputOpt,
    ParamOpt,
    PointsOpt,
    RangeOpt,
    SaturationOpt,
    SpecArg,
    SpecsArg,
    SweepOpt,
    apply_sweep,
    check_grid,
    parse_param_options,
    resolve_specs,
)

FIGURE = "Figure"
LogyOpt = Annotated[
    bool, typer.Option("--logy", help="Show |f'| on a log axis: vanishing gradients become straight lines.")
]
ShowOpt = Annotated[
    bool, typer.Option("--show", help="Open the figure in a window (needs a display).", rich_help_panel=FIGURE)
]
FormatOpt = Annotated[
    str | None,
    typer.Option("--format", "-f", metavar="FORMAT", help="Figure format: png, svg or pdf; by default the -o suffix decides.",
                 show_default=False, rich_help_panel=FIGURE),
]
DpiOpt = Annotated[
    float | None,
    typer.Option("--dpi", metavar="DPI", help="Resolution of a PNG, in dots per inch.", show_default="100",
                 rich_help_panel=FIGURE),
]
SizeOpt = Annotated[
    tuple[float, float] | None,
    typer.Option("--size", metavar="W H", help="Figure size in inches.", show_default="7 wide, 2.15 per panel",
                 rich_help_panel=FIGURE),
]
StyleOpt = Annotated[
    str | None,
    typer.Option("--style", metavar="STYLE", help="A matplotlib style name (ggplot, bmh, seaborn-v0_8-whitegrid, ...) "
                 "or a .mplstyle file.", show_default=False, rich_help_panel=FIGURE),
]
DarkOpt = Annotated[
    bool, typer.Option("--dark", help="Light curves on a dark background.", rich_help_panel=FIGURE)
]
DiffOpt = Annotated[
    bool, typer.Option("--diff", help="Add a panel of differences from the first activation (f_i - f_0).")
]


@dataclass(frozen=True)
class _Request:
    """Everything plot and compare were asked, checked."""

    range: tuple[float, float]
    points: int
    order: int
    numeric: bool
    logy: bool
    saturation: float
    output: str | None
    format: str | None
    dpi: float | None
    size: tuple[float, float] | None
    style: str | None
    dark: bool
    show: bool

    def figure_options(self) -> dict[str, Any]:
        return {
            "range": self.range, "points": self.points, "order": self.order, "numeric": self.numeric,
            "logy": self.logy, "saturation": self.saturation, "size": self.size, "dpi": self.dpi,
            "style": self.style, "dark": self.dark,
        }


def _check(range_, points, order, numeric, logy, saturation, output, fmt, dpi, size, style, dark, show,
           curves: int = 1, diff: bool = False, heat_map: bool = False) -> _Request:
    from ..core import options
    from ..render import figures

    range_, points = check_grid(range_, points)
    points = options.check_figure_points(points)
    saturation = options.check_threshold(saturation, "saturation")
    dpi = options.check_dpi(dpi)
    panels = 2 + (order == 2) + bool(diff)
    if curves == 1:
        rows = figures.legend_rows(4, figures.PLOT_COLUMNS)
    else:
        rows = figures.legend_rows(figures.compare_legend_entries(curves), figures.COMPARE_COLUMNS)
    size = figures.check_size(size, dpi, panels, rows, heat_map=heat_map)
    style = figures.check_style(style)
    target = None if output is None else str(output)
    chosen = None
    if target is None:
        if fmt is not None:
            raise UsageError("--format says how to write -o FILE; give -o too (or drop --format)")
    else:
        chosen = format_for(target, fmt, FIGURE_FORMATS) or "png"
        if target == "-":
            if chosen != "svg" and _is_terminal(sys.stdout):
                raise UsageError(f"not writing a binary {chosen.upper()} to the terminal; redirect it or use -o FILE")
        else:
            check_writable(target)
    if show:
        _check_display()
    return _Request(range_, points, order, numeric, logy, saturation, target, chosen, dpi, size, style, dark, show)


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _check_display() -> None:
    """Fail at once, not hang, where no window can open."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise ActvizError("--show needs a display and none is set (DISPLAY, WAYLAND_DISPLAY); save with -o FILE instead")


def _show(fig) -> None:
    import matplotlib.pyplot as plt
    from matplotlib.backends import BackendFilter, backend_registry

    backend = plt.get_backend().lower()
    if backend in backend_registry.list_builtin(BackendFilter.NON_INTERACTIVE):
        raise ActvizError(f"--show needs an interactive matplotlib backend, not {backend!r} "
                          "(see MPLBACKEND); save with -o FILE instead")
    try:
        plt.figure(fig)
        plt.show()
    except Exception as exc:  # a display that is set but unusable
        raise ActvizError(f"could not open a window: {exc}; save with -o FILE instead") from exc


def _deliver(fig, req: _Request) -> None:
    """Save and/or show the figure. matplotlib's own warnings and log lines are not printed;
    a layout that collapsed (the figure too small for what it holds) fails and leaves no file."""
    from ..render.figures import quiet_matplotlib
    from ..render.io import save_figure

    if req.output is not None:
        try:
            with quiet_matplotlib(fail_on=".*axes sizes collapsed"):
                save_figure(fig, req.output, req.format, req.dpi)
        except UserWarning:
            raise UsageError("the figure is too small for what it holds (matplotlib's layout collapsed); "
                             "give a larger --size") from None
        if req.output != "-":
            typer.echo(f"wrote {req.output}", err=True)
    if req.show:
        with quiet_matplotlib():
            _show(fig)


def _terminal_size(panels: int) -> tuple[int, int]:
    cols, lines = shutil.get_terminal_size((100, 40))
    width = max(40, min(cols, 140))
    panel_height = max(8, min(16, (lines - 8) // panels))
    return width, panel_height


def _save_hint(command: str, specs: list[str], req: _Request, extra: list[str]) -> str:
    """The command line that saves what was just drawn.

    Numbers are written exactly (the shortest text that reads back to the same float), and the
    file name is a plain stem in the working directory: the activation names, or "expression"
    for an expression (``1/x`` must not become a path into a directory ``1``).
    """
    words = ["actviz", command, *specs]
    if req.range != DEFAULT_RANGE:
        words += ["--range", format_value(float(req.range[0])), format_value(float(req.range[1]))]
    if req.points != DEFAULT_POINTS:
        words += ["--points", str(req.points)]
    if req.order == 2:
        words += ["--order", "2"]
    words += [flag for flag, on in (("--numeric", req.numeric), ("--logy", req.logy)) if on]
    if req.saturation != 0.01:
        words += ["--saturation", format_value(float(req.saturation))]
    words += extra
    stem = "_".join(_file_stem(s) for s in specs[:3]) or "figure"
    words += ["-o", f"{stem}.png"]
    return "save it (png, svg or pdf): " + " ".join(shlex.quote(w) for w in words)


def _file_stem(spec: str) -> str:
    """The catalogue name a spec names, or an engine's name and the engine (gelu_new-hf), in
    letters, digits, _ and - only; else "expression"."""
    import re

    from ..errors import UsageError
    from ..registry import named

    try:
        act = named(spec)
    except UsageError:
        return "expression"
    name = f"{act.engine.key}-{act.engine.engine}" if act.engine is not None else act.record.name
    return re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_") or "expression"


def _terminal_plot(acts, req: _Request, diff: bool = False) -> None:
    from ..render.tables import plain_output
    from ..render.termplot import render

    panels = 2 + (req.order == 2) + diff
    width, panel_height = _terminal_size(panels)
    text = render(acts, range=req.range, points=req.points, order=req.order, numeric=req.numeric,
                  logy=req.logy, diff=diff, saturation=req.saturation, width=width,
                  panel_height=panel_height, color=not plain_output())
    typer.echo(text, nl=False)


@app.command(cls=ActvizCommand)
def plot(
    spec: SpecArg,
    alpha: AlphaOpt = None,
    beta: BetaOpt = None,
    b: BOpt = None,
    param: ParamOpt = None,
    sweep: SweepOpt = None,
    range_: RangeOpt = DEFAULT_RANGE,
    points: PointsOpt = DEFAULT_POINTS,
    order: OrderOpt = 1,
    numeric: NumericOpt = False,
    logy: LogyOpt = False,
    saturation: SaturationOpt = 0.01,
    output: OutputOpt = None,
    fmt: FormatOpt = None,
    dpi: DpiOpt = None,
    size: SizeOpt = None,
    style: StyleOpt = None,
    dark: DarkOpt = False,
    show: ShowOpt = False,
) -> None:
    """Draw f and f' (and f'' with --order 2): kinks marked, dead and saturated regions shaded.

    Without -o the plot is drawn in the terminal. Example: actviz plot relu --alpha 0.1 -o relu.png;
    actviz plot elu --sweep alpha=0.5,1,2 draws one curve per value.
    """
    params = parse_param_options(alpha, beta, param, b)
    (act,) = resolve_specs([spec], params)
    swept, name = apply_sweep([act], sweep, params)
    req = _check(range_, points, order, numeric, logy, saturation, output, fmt, dpi, size, style, dark, show,
                 curves=len(swept), heat_map=act.is_gated and name is None)
    if name is not None:
        _sweep_figure("plot", [act.label], swept, name, sweep, req)
        return
    if req.output is None and not req.show:
        _terminal_plot([act], req)
        if act.is_gated:
            typer.echo(f"{act.label}: the gate curve f(a, b = {format_value(act.params['b'])}) and ∂f/∂a; "
                       "the saved figure adds a heat map of f(a, b)", err=True)
        typer.echo(_save_hint("plot", [act.label], req, _figure_flags(req)), err=True)
        return
    from ..render.figures import plot as plot_figure

    _deliver(plot_figure(act, **req.figure_options()), req)


@app.command(cls=ActvizCommand)
def compare(
    specs: SpecsArg,
    alpha: AlphaOpt = None,
    beta: BetaOpt = None,
    b: BOpt = None,
    param: ParamOpt = None,
    sweep: SweepOpt = None,
    range_: RangeOpt = DEFAULT_RANGE,
    points: PointsOpt = DEFAULT_POINTS,
    order: OrderOpt = 1,
    numeric: NumericOpt = False,
    logy: LogyOpt = False,
    diff: DiffOpt = False,
    saturation: SaturationOpt = 0.01,
    output: OutputOpt = None,
    fmt: FormatOpt = None,
    dpi: DpiOpt = None,
    size: SizeOpt = None,
    style: StyleOpt = None,
    dark: DarkOpt = False,
    show: ShowOpt = False,
) -> None:
    """Overlay several activations: f and f' on shared axes, --diff for differences from the first.

    Without -o the plot is drawn in the terminal with the key statistics below it, and how far
    each activation is from the first: max |Δf| and |Δf'|, and the same in ULPs.
    Example: actviz compare gelu 'gelu(approximate=tanh)' --diff -o gelu.svg
    """
    if len(specs) < 2:
        raise UsageError("compare needs at least two activations (use 'actviz plot' for one)")
    params = parse_param_options(alpha, beta, param, b)
    acts, name = apply_sweep(resolve_specs(specs, params), sweep, params)
    if name is not None and diff:
        raise UsageError("--diff and --sweep do not go together: a sweep's curves are compared by colour")
    req = _check(range_, points, order, numeric, logy, saturation, output, fmt, dpi, size, style, dark, show,
                 curves=len(acts), diff=diff)
    if name is not None:
        _sweep_figure("compare", list(specs), acts, name, sweep, req)
        return
    if req.output is None and not req.show:
        from ..analysis.difference import difference
        from ..analysis.stats import stats
        from ..render.tables import differences_table, emit, stats_table

        _terminal_plot(acts, req, diff)
        results = [stats(a, range=req.range, points=req.points, saturation=req.saturation) for a in acts]
        typer.echo()
        emit(stats_table(results))
        typer.echo()
        emit(differences_table([difference(a, acts[0], req.range, req.points) for a in acts[1:]]))
        extra = (["--diff"] if diff else []) + _figure_flags(req)
        typer.echo(_save_hint("compare", [a.label for a in acts], req, extra), err=True)
        return
    from ..render.figures import compare as compare_figure

    _deliver(compare_figure(acts, diff=diff, **req.figure_options()), req)


def _sweep_figure(command: str, shown: list[str], acts, name: str, text: str, req: _Request) -> None:
    """plot or compare with --sweep: the swept curves on a colour scale, or in the terminal."""
    if req.output is None and not req.show:
        _terminal_plot(acts, req)
        typer.echo(_save_hint(command, shown, req, ["--sweep", text, *_figure_flags(req)]), err=True)
        return
    from ..render.figures import compare as compare_figure

    _deliver(compare_figure(acts, sweep=name, **req.figure_options()), req)


def _figure_flags(req: _Request) -> list[str]:
    """Figure options already given, repeated in the save hint."""
    words: list[str] = []
    if req.style:
        words += ["--style", req.style]
    if req.dark:
        words.append("--dark")
    if req.dpi is not None:
        words += ["--dpi", f"{req.dpi:g}"]
    if req.size is not None:
        words += ["--size", f"{req.size[0]:g}", f"{req.size[1]:g}"]
    return words
