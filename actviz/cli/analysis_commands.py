"""Commands for the deep analyses: ``signal`` (mean-field signal propagation) and
``accuracy`` (the floating-point audit).

Each checks every option before any work, calls :mod:`actviz.analysis.signal` or
:mod:`actviz.analysis.accuracy`, and renders the result: a terminal table, JSON / CSV /
Markdown, or a figure from :mod:`actviz.render.analysis_figures` (``-o`` with a figure
suffix, or ``--figure FILE`` beside a data output).

No ``from __future__ import annotations``: Typer reads the annotations on every start.
"""

import sys
from pathlib import Path
from typing import Annotated, Literal

import typer

from ..errors import UsageError
from ..render.io import DATA_FORMATS, FIGURE_FORMATS, check_writable, format_for
from ._help import ActvizCommand
from .app import app
from .common import (
    AlphaOpt,
    BetaOpt,
    OutputOpt,
    ParamOpt,
    PointsOpt,
    SpecsArg,
    parse_param_options,
    resolve_specs,
)

AnyFormat = Literal["table", "json", "md", "csv", "png", "svg", "pdf"]
FormatOpt = Annotated[
    AnyFormat | None,
    typer.Option("--format", "-f", metavar="FORMAT", help="table (terminal), json, md, csv, or a figure: png, svg, pdf; "
                 "by default the -o suffix decides.", show_default=False),
]
FigureOpt = Annotated[
    Path | None,
    typer.Option("--figure", metavar="FILE", help="Also write the figure here (.png, .svg or .pdf), beside the table or data.",
                 show_default=False),
]
DpiOpt = Annotated[
    float | None,
    typer.Option("--dpi", metavar="DPI", help="Resolution of a PNG, in dots per inch.", show_default="100"),
]


def _plan(output: Path | None, fmt: str | None, figure: Path | None, dpi: float | None):
    """(data target, data format, figure target, figure format), checked before any work.

    The data target is None for the terminal and '-' for standard output; the data format
    is None when ``-o`` takes the figure.
    """
    from ..core.options import check_dpi

    check_dpi(dpi)
    fig_target = fig_format = None
    if figure is not None:
        fig_target = str(figure)
        fig_format = format_for(fig_target, None, FIGURE_FORMATS)
        check_writable(fig_target)
    if output is None:
        if fmt in FIGURE_FORMATS:
            raise UsageError(f"--format {fmt} needs -o FILE (a figure cannot go to the terminal)")
        return (None, "table", fig_target, fig_format) if fmt in (None, "table") else ("-", fmt, fig_target, fig_format)
    target = str(output)
    if fmt is None and target != "-":
        suffix = Path(target).suffix.lower().lstrip(".")
        fmt = suffix if suffix in FIGURE_FORMATS else None
    if fmt in FIGURE_FORMATS:
        if fig_target is not None:
            raise UsageError("-o names a figure already; --figure is for a figure beside a data file")
        if target == "-":
            raise UsageError("a figure cannot go to standard output; give -o a file name")
        check_writable(target)
        return None, None, target, format_for(target, fmt, FIGURE_FORMATS)
    data_fmt = "table" if fmt == "table" else (format_for(target, fmt, DATA_FORMATS) or "json")
    if target != "-":
        check_writable(target)
    return target, data_fmt, fig_target, fig_format


def _emit(target: str | None, fmt: str, table, text_for) -> None:
    from ..render.export import write
    from ..render.tables import emit, render_text

    if fmt == "table":
        if target is None or target == "-":
            emit(table)
        else:
            write(target, render_text(table))
        return
    text = text_for(fmt)
    if target is None or target == "-":
        typer.echo(text, nl=False)
    else:
        write(target, text)


def _json(records: list[dict]) -> str:
    import json

    from ..render.export import _json_safe, labelled

    return json.dumps(_json_safe([labelled(r) for r in records]), indent=2, ensure_ascii=False,
                      allow_nan=False) + "\n"


def _flat(record: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flat(value, name + "_"))
        elif isinstance(value, (list, tuple)):
            out[name] = " ".join(repr(v) for v in value)
        else:
            out[name] = "" if value is None else (repr(value) if isinstance(value, float) else value)
    return out


def _csv(records: list[dict]) -> str:
    import csv
    import io

    from ..render.export import labelled

    rows = [_flat(labelled(r, params=False)) for r in records]
    columns = list(dict.fromkeys(k for row in rows for k in row))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def _markdown(header: list[str], rows: list[list[str]]) -> str:
    from ..render.export import _markdown_table

    return _markdown_table(header, rows, ["l"] + ["r"] * (len(header) - 1))


def _table(title: str, header: list[str], rows: list[list[str]]):
    from rich import box
    from rich.table import Table

    table = Table(title=title, box=box.SIMPLE_HEAD, header_style="bold", title_style="bold",
                  title_justify="left", pad_edge=False)
    table.add_column(header[0], style="cyan", no_wrap=True)
    for name in header[1:]:
        table.add_column(name, justify="right")
    for row in rows:
        table.add_row(*row)
    return table


def _save(fig, target: str, fmt: str, dpi: float | None) -> None:
    from ..render.io import save_figure

    save_figure(fig, target, fmt, dpi)
    typer.echo(f"wrote {target}", err=True)


# -- signal ------------------------------------------------------------------------------------

SIGNAL_ROWS = (
    ("q_star", "q* (fixed point of the length map)"),
    ("chi", "χ = σ_w² E[f'(√q* z)²]"),
    ("phase", "phase"),
    ("edge_of_chaos_sigma_w", "edge of chaos σ_w (χ = 1) at this σ_b"),
    ("c_star", "c* (fixed point of the correlation map)"),
    ("chi_c", "χ_c = C'(c*)"),
    ("depth_scale_q", "depth scale ξ_q = -1/ln Q'(q*)"),
    ("depth_scale_c", "depth scale ξ_c = -1/ln χ_c"),
    ("activation_mean", "E[f(h)], h ~ N(0, q*)"),
    ("activation_variance", "Var[f(h)], h ~ N(0, q*)"),
)


def _signal_scale(record: dict, key: str) -> float | None:
    """The scale against which a cell's round-off reads 0 (see ``readable``): E[f(h)] against
    √E[f(h)²], Var[f(h)] (the square of a spread) against ROUND_OFF·E[f(h)²], c* (a correlation,
    found to 1e-15) against 1; the other rows are no residue of a zero and have none."""
    import math

    from ..render.export import ROUND_OFF

    if key == "c_star":
        return 1.0
    mean, var = record["activation_mean"], record["activation_variance"]
    if key not in ("activation_mean", "activation_variance") or mean is None or var is None:
        return None
    second = var + mean * mean
    return math.sqrt(second) if key == "activation_mean" else ROUND_OFF * second


def _signal_cell(record: dict, key: str) -> str:
    from ..render.export import readable

    value = record[key]
    if value is None:
        if key == "q_star":
            return "∞ (grows without bound)"
        if key.startswith("depth_scale") or key == "chi_c":
            return "∞" if key.startswith("depth") else "—"
        return "—" if key != "edge_of_chaos_sigma_w" else "none found"
    return value if isinstance(value, str) else readable(value, 10, scale=_signal_scale(record, key))


def _signal_grid(records: list[dict], labels: list[str]) -> tuple[list[str], list[list[str]]]:
    header = ["quantity", *labels]
    rows = [[label, *(_signal_cell(r, key) for r in records)] for key, label in SIGNAL_ROWS]
    return header, rows


PanelOpt = Annotated[
    list[str] | None,
    typer.Option("--panel", metavar="NAME", help="Figure panels to draw (repeatable): qmap, cmap, chi, phase, variance, "
                 "gradient; default all.", show_default=False),
]


@app.command("signal", cls=ActvizCommand)
def signal_command(
    specs: SpecsArg,
    sigma_w: Annotated[float, typer.Option("--sigma-w", metavar="VALUE", help="Weight scale: W_ij ~ N(0, σ_w²/N).")] = 1.0,
    sigma_b: Annotated[float, typer.Option("--sigma-b", metavar="VALUE", help="Bias scale: b_i ~ N(0, σ_b²).")] = 0.0,
    depth: Annotated[int, typer.Option("--depth", metavar="N", help="Layers of the Monte-Carlo network (figure).")] = 40,
    width: Annotated[int, typer.Option("--width", metavar="N", help="Units per layer of the Monte-Carlo network (figure).")] = 512,
    samples: Annotated[int, typer.Option("--samples", metavar="N", help="Inputs sent through the Monte-Carlo network.")] = 64,
    seed: Annotated[int, typer.Option("--seed", metavar="N", help="Seed of the Monte-Carlo network's weights and inputs.")] = 0,
    panel: PanelOpt = None,
    alpha: AlphaOpt = None,
    beta: BetaOpt = None,
    param: ParamOpt = None,
    output: OutputOpt = None,
    figure: FigureOpt = None,
    fmt: FormatOpt = None,
    dpi: DpiOpt = None,
) -> None:
    """Signal propagation through a deep random network: q*, χ, phase, depth scales, edge of chaos.

    Mean field (Poole et al. 2016, Schoenholz et al. 2017): the fixed points of the length and correlation maps, χ and the phase, the depth scales ξ_q and ξ_c, and the σ_w where χ = 1. The figure adds χ against σ_w, a phase diagram over (σ_w, σ_b) and a Monte-Carlo check on a random numpy network of --width units and --depth layers.
    """
    from ..analysis import signal as sig
    from ..core import options
    from ..render.analysis_figures import SIGNAL_PANELS

    options.check_sigmas(sigma_w, sigma_b)
    options.check_network(depth, width, samples)
    options.check_seed(seed)
    panels = options.check_panels(panel, SIGNAL_PANELS)
    target, data_fmt, fig_target, fig_fmt = _plan(output, fmt, figure, dpi)
    acts = resolve_specs(specs, parse_param_options(alpha, beta, param))
    for act in acts:
        sig._check_elementwise(act)
    results = [sig.analyse(a, sigma_w, sigma_b) for a in acts]
    records = [r.as_dict() for r in results]
    if data_fmt is not None:
        header, rows = _signal_grid(records, [a.label for a in acts])

        def text_for(fmt: str) -> str:
            if fmt == "json":
                return _json(records)
            if fmt == "csv":
                return _csv(records)
            return _markdown(header, rows)

        title = f"Signal propagation at σ_w = {sigma_w:g}, σ_b = {sigma_b:g}"
        _emit(target, data_fmt, _table(title, header, rows), text_for)
    if fig_target is not None:
        from ..render.analysis_figures import signal_figure

        fig = signal_figure(acts, sigma_w, sigma_b, panels, width, depth, samples, seed, results)
        _save(fig, fig_target, fig_fmt, dpi)


# -- accuracy ----------------------------------------------------------------------------------


def _at(stats: dict) -> str:
    from ..render.export import readable

    if stats["at"] is None:
        return "—"
    return f"{readable(stats['max_ulp'], 4)} at x = {readable(stats['at'], 8)}"


def _accuracy_grid(records: list[dict], labels: list[str]) -> tuple[list[str], list[list[str]]]:
    from ..render.export import readable

    header = ["activation", "dtype", "points", "f max ULP", "f mean", "f' max ULP", "f' mean",
              "textbook f", "textbook f'", "textbook overflow / NaN", "within tolerance"]
    rows = []
    for r, label in zip(records, labels, strict=True):
        naive = r["naive"]
        if naive is None:
            tf = tfd = nf = "no textbook formula"
        else:
            tf, tfd = _at(naive["forward"]), _at(naive["derivative"])
            over = naive["forward"]["overflow"] + naive["derivative"]["overflow"]
            nans = naive["forward"]["nan"] + naive["derivative"]["nan"]
            nf = f"{over:,} / {nans:,}"
        tol = r["tolerance"]
        verdict = ("yes" if r["passed"] else "NO") + f" (≤ {tol['forward']:g} / {tol['derivative']:g})"
        rows.append([
            label, r["dtype"], f"{r['points']:,}" + (" (all)" if r["exhaustive"] else ""),
            _at(r["forward"]), readable(r["forward"]["mean_ulp"], 3),
            _at(r["derivative"]), readable(r["derivative"]["mean_ulp"], 3),
            tf, tfd, nf, verdict,
        ])
    return header, rows


class _Bar:
    """A rich progress bar with a time estimate on standard error, for long exhaustive runs."""

    def __init__(self, label: str, total: int):
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>5.1f}%"),
            TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(),
            console=Console(file=sys.stderr), transient=False,
        )
        self.task = self.progress.add_task(label, total=total)

    def __enter__(self):
        self.progress.start()
        return self

    def __exit__(self, exc_type, *exc):
        if exc_type is None:
            self.progress.stop()
        else:  # interrupted or failed: the bar is erased, so the error's line is all that is left
            self.progress.live.transient = True
            self.progress.live.stop()  # Progress.stop would add a blank line off a terminal

    def __call__(self, done: int, total: int) -> None:
        self.progress.update(self.task, completed=done, total=total)


@app.command("accuracy", cls=ActvizCommand)
def accuracy_command(
    specs: SpecsArg,
    dtype: Annotated[
        list[str] | None,
        typer.Option("--dtype", "-d", metavar="DTYPE", help="float64 (against mpmath), float32, float16 or bfloat16 "
                     "(against the float64 result; bfloat16 needs ml_dtypes); repeatable.",
                     show_default="float64"),
    ] = None,
    exhaustive: Annotated[
        bool, typer.Option("--exhaustive", help="Every finite value of the dtype (in --range if given): "
                           "float16/bfloat16 at once, float32 on every core.")
    ] = False,
    range_: Annotated[
        tuple[float, float] | None,
        typer.Option("--range", "-r", metavar="MIN MAX", help="The x interval; --exhaustive takes the whole "
                     "dtype unless --range is given.", show_default="-1000 1000"),
    ] = None,
    points: PointsOpt = 1201,
    workers: Annotated[
        int | None, typer.Option("--workers", metavar="N", help="Threads for an exhaustive run.", show_default="every core")
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 if an activation is outside its tolerance.")
    ] = False,
    alpha: AlphaOpt = None,
    beta: BetaOpt = None,
    param: ParamOpt = None,
    output: OutputOpt = None,
    figure: FigureOpt = None,
    fmt: FormatOpt = None,
    dpi: DpiOpt = None,
) -> int:
    """Floating-point audit: ULP errors of f and f', the worst x, and the textbook formula beside them.

    float64 is measured against mpmath (60 digits); float32, float16 and bfloat16 against the float64 result. The textbook formula (1/(1+exp(-x)), p*(1-p), 1-tanh², ...) is computed in the dtype itself, with its overflow and NaN counts. --exhaustive takes every finite value.
    """
    from ..analysis import accuracy as acc
    from ..core import options

    dtypes = list(dict.fromkeys(options.check_dtype(d) for d in (dtype or ["float64"])))
    for d in dtypes:
        acc.numpy_dtype(d)  # bfloat16 without ml_dtypes fails here, before any work
    range_ = options.check_audit_range(range_)
    if not exhaustive:
        options.check_points(points)
    if workers is not None:
        options.check_workers(workers)
    if exhaustive:
        for d in dtypes:
            acc.check_exhaustive(d, range_)
    target, data_fmt, fig_target, fig_fmt = _plan(output, fmt, figure, dpi)
    acts = resolve_specs(specs, parse_param_options(alpha, beta, param))
    results, labels = [], []
    for act in acts:
        for d in dtypes:
            labels.append(act.label)
            total = acc.count_values(d, range_) if exhaustive else 0
            if exhaustive and total > acc.CURVE_POINTS:
                threads = workers or acc.default_workers()
                typer.echo(f"auditing {act.label} on all {total:,} {d} values"
                           f"{' in the range' if range_ else ''}, {threads} thread{'s' * (threads > 1)}", err=True)
                with _Bar(f"{act.label} {d}", total) as bar:
                    results.append(acc.audit(act, d, range_, points, True, workers, bar))
            else:
                results.append(acc.audit(act, d, range_, points, exhaustive, workers))
    records = [r.as_dict() for r in results]
    if data_fmt is not None:
        header, rows = _accuracy_grid(records, labels)

        def text_for(fmt: str) -> str:
            if fmt == "json":
                return _json(records)
            if fmt == "csv":
                return _csv(records)
            return _markdown(header, rows)

        _emit(target, data_fmt, _table("Accuracy in ULPs (units in the last place)", header, rows), text_for)
    if fig_target is not None:
        from ..render.analysis_figures import accuracy_figure

        _save(accuracy_figure(results), fig_target, fig_fmt, dpi)
    if strict and not all(r.passed for r in results):
        failed = ", ".join(f"{label} ({r.dtype})" for r, label in zip(results, labels, strict=True) if not r.passed)
        typer.echo(f"actviz: outside tolerance: {failed}", err=True)
        return 1
    return 0
