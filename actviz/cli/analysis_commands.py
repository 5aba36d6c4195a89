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
from ._memory import keep_freed_memory
from ._threads import one_blas_thread
from .app import app
from .common import (
    AlphaOpt,
    BetaOpt,
    BOpt,
    OutputOpt,
    ParamOpt,
    PointsOpt,
    SpecsArg,
    complete_spec,
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


def _emit(target: str | None, fmt: str, title: str, header: list[str], rows: list[list[str]], records: list[dict],
          ids: tuple[int, ...] | None = None) -> None:
    """The results as ``fmt``: a table (``header`` and ``rows``, under ``title``) or a data file.
    With ``ids`` (the columns that name a row's record) the rows are records, and the terminal
    table fits itself to the terminal's width (see :func:`actviz.render.tables.record_table`)."""
    from ..render.export import results_text, write
    from ..render.tables import emit, grid_table, record_table, render_text

    if fmt == "table":
        table = grid_table(title, header, rows) if ids is None else record_table(title, header, rows, ids)
        if target is None or target == "-":
            emit(table)
        else:
            write(target, render_text(table))
        return
    text = results_text(fmt, records, header, rows)
    if target is None or target == "-":
        typer.echo(text, nl=False)
    else:
        write(target, text)


def _save(fig, target: str, fmt: str, dpi: float | None) -> None:
    from ..render.io import save_figure

    save_figure(fig, target, fmt, dpi)
    typer.echo(f"wrote {target}", err=True)


# -- signal ------------------------------------------------------------------------------------

PanelOpt = Annotated[
    list[str] | None,
    typer.Option("--panel", metavar="NAME", help="Figure panels to draw (repeatable): qmap, cmap, chi, phase, variance, "
                 "gradient; default all.", show_default=False),
]


#: The Monte-Carlo networks (--samples × --width²) whose products run on one BLAS thread:
#: up to 64 inputs at width 1024, a few ms a product (see cli._threads).
_SMALL_PRODUCT = 64 * 1024 * 1024


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
    b: BOpt = None,
    param: ParamOpt = None,
    output: OutputOpt = None,
    figure: FigureOpt = None,
    fmt: FormatOpt = None,
    dpi: DpiOpt = None,
) -> None:
    """Signal propagation through a deep random network: q*, χ, phase, depth scales, edge of chaos.

    Mean field (Poole et al. 2016, Schoenholz et al. 2017): the fixed points of the length and correlation maps, χ and the phase, the depth scales ξ_q and ξ_c, and the σ_w where χ = 1. The figure adds χ against σ_w, a phase diagram over (σ_w, σ_b) and a Monte-Carlo check on a random numpy network of --width units and --depth layers.
    """
    if samples * width * width <= _SMALL_PRODUCT:
        one_blas_thread()  # before numpy loads
    from ..analysis import signal as sig
    from ..core import options
    from ..render.analysis_figures import SIGNAL_PANELS

    options.check_sigmas(sigma_w, sigma_b)
    options.check_network(depth, width, samples)
    options.check_seed(seed)
    panels = options.check_panels(panel, SIGNAL_PANELS)
    target, data_fmt, fig_target, fig_fmt = _plan(output, fmt, figure, dpi)
    acts = resolve_specs(specs, parse_param_options(alpha, beta, param, b))
    for act in acts:
        sig.check_elementwise(act)
    from ..numerics import fast

    # the numpy path, with the fast extra too: all of the mean field costs less than loading
    # numba (about 0.75 s), which the compiled kernels would do for the phase diagram's arrays
    with fast.using(False):
        fig = None
        if fig_target is None:
            results = [sig.analyse(a, sigma_w, sigma_b) for a in acts]
        else:
            from ..core.background import in_child
            from ..render.analysis_figures import signal_curves, signal_figure

            computes = [lambda: signal_curves(acts, sigma_w, sigma_b, panels)]
            if {"variance", "gradient"} & set(panels):
                computes.append(lambda: [sig.monte_carlo(a, sigma_w, sigma_b, width, depth, samples, seed) for a in acts])
            # the figure's mean-field numbers, then its random networks, are computed by a child
            # process while this one loads matplotlib and draws the panels: on the other core,
            # where a thread would wait for the GIL (the child is forked before any thread starts);
            # one child, so that the two processes have a core each
            curves, *networks = in_child(computes, "signal")
            fig = signal_figure(acts, sigma_w, sigma_b, panels, width, depth, samples, seed,
                                networks=networks[0] if networks else None, curves=curves)
            results = list(curves().results)
    records = [r.as_dict() for r in results]
    if data_fmt is not None:
        from ..render.export import signal_grid

        header, rows = signal_grid(records, [a.label for a in acts])
        _emit(target, data_fmt, f"Signal propagation at σ_w = {sigma_w:g}, σ_b = {sigma_b:g}", header, rows, records)
    if fig is not None:
        _save(fig, fig_target, fig_fmt, dpi)


# -- accuracy ----------------------------------------------------------------------------------


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


ImplOpt = Annotated[
    list[str] | None,
    typer.Option("--impl", metavar="NAME", help="Audit another implementation instead, its f' by its own autograd: "
                 "actviz, numpy (the textbook formula), torch, jax, tensorflow (tf), keras, keras2, or "
                 "MODULE:FUNCTION[,DERIVATIVE] / FILE.py:FUNCTION[,DERIVATIVE]; repeatable, side by side.",
                 show_default=False),
]
#: Most rows (audits) a figure takes: each is 2.9 inches tall.
MAX_FIGURE_ROWS = 24


@app.command("accuracy", cls=ActvizCommand)
def accuracy_command(
    specs: Annotated[
        list[str] | None,
        typer.Argument(metavar="SPEC...", help="Activations: a name (relu), with parameters (leaky_relu(alpha=0.1)) "
                       "or a framework preset (gelu@jax); or none, with --all.", show_default=False,
                       autocompletion=complete_spec),
    ] = None,
    dtype: Annotated[
        list[str] | None,
        typer.Option("--dtype", "-d", metavar="DTYPE", help="float64 (against mpmath), float32, float16 or bfloat16 "
                     "(against the float64 result; bfloat16 needs ml_dtypes); repeatable.",
                     show_default="float64"),
    ] = None,
    impl: ImplOpt = None,
    all_: Annotated[
        bool, typer.Option("--all", help="Every catalogue activation (with --impl: every one the implementation "
                           "has, at its defaults).")
    ] = False,
    ftz: Annotated[
        bool, typer.Option("--ftz", help="With --impl: read the results as flush-to-zero (subnormal results and "
                           "inputs taken as zeros).")
    ] = False,
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
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", metavar="ADDRESS", help="Run an exhaustive audit's chunks on the "
                                 "Dask cluster at this address (tcp://host:8786); needs the dask extra. Same "
                                 "result as the local run (not with --impl).", show_default=False)
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 if an activation is outside its tolerance (not with --impl).")
    ] = False,
    alpha: AlphaOpt = None,
    beta: BetaOpt = None,
    b: BOpt = None,
    param: ParamOpt = None,
    output: OutputOpt = None,
    figure: FigureOpt = None,
    fmt: FormatOpt = None,
    dpi: DpiOpt = None,
) -> int:
    """Floating-point audit: ULP errors of f and f', the worst x, and the textbook formula beside them.

    float64 is measured against mpmath (60 digits); float32, float16 and bfloat16 against the float64 result. The textbook formula (1/(1+exp(-x)), p*(1-p), 1-tanh², ...) is computed in the dtype itself, with its overflow and NaN counts. --exhaustive takes every finite value. --impl audits other implementations (PyTorch, JAX, TensorFlow, Keras, your own) the same way, called in the dtype as their users call them, by JAX's counting rules: how many values exceed 1/2, 1 and 4 ULP, wrong inf/NaN, FTZ-explained results and signed zeros.
    """
    from ..analysis import accuracy as acc
    from ..core import options

    if all_ and specs:
        raise UsageError("give activations or --all, not both")
    if not all_ and not specs:
        raise UsageError("name at least one activation (see 'actviz list'), or give --all")
    dtypes = list(dict.fromkeys(options.check_dtype(d) for d in (dtype or ["float64"])))
    for d in dtypes:
        acc.numpy_dtype(d)  # bfloat16 without ml_dtypes fails here, before any work
    if impl:
        if strict:
            raise UsageError("--strict holds actviz to its tolerance; other implementations (--impl) have none")
        if scheduler is not None:
            for d in dtypes:
                acc.check_scheduler(scheduler, d, exhaustive)
        return _accuracy_of_implementations(specs, dtypes, impl, all_, ftz, exhaustive, range_, points, workers,
                                            alpha, beta, b, param, output, figure, fmt, dpi, scheduler)
    if ftz:
        raise UsageError("--ftz reads another implementation's results as flush-to-zero: give --impl")
    range_ = options.check_audit_range(range_)
    if not exhaustive:
        options.check_points(points)
    if workers is not None:
        options.check_workers(workers)
    if exhaustive:
        for d in dtypes:
            acc.check_exhaustive(d, range_)
    if scheduler is not None:
        for d in dtypes:
            acc.check_scheduler(scheduler, d, exhaustive)
    target, data_fmt, fig_target, fig_fmt = _plan(output, fmt, figure, dpi)
    if all_:
        from ..registry import names

        specs = names()
    acts = resolve_specs(specs, parse_param_options(alpha, beta, param, b))
    results, labels = [], []
    for act in acts:
        for d in dtypes:
            labels.append(act.label)
            total = acc.count_values(d, range_) if exhaustive else 0
            if exhaustive and total > acc.CURVE_POINTS:
                keep_freed_memory()
                threads = workers or acc.default_workers()
                where = (f"on the Dask cluster at {scheduler}" if scheduler is not None
                         else f"{threads} thread{'s' * (threads > 1)}")
                typer.echo(f"auditing {act.label} on all {total:,} {d} values"
                           f"{' in the range' if range_ else ''}, {where}", err=True)
                with _Bar(f"{act.label} {d}", total) as bar:
                    results.append(acc.audit(act, d, range_, points, True, workers, bar, scheduler))
            else:
                results.append(acc.audit(act, d, range_, points, exhaustive, workers, scheduler=scheduler))
    records = [r.as_dict() for r in results]
    if data_fmt is not None:
        from ..render.export import accuracy_grid

        header, rows = accuracy_grid(records, labels)
        title = "Accuracy in ULPs (units in the last place)"
        if any(a.is_gated for a in acts):  # the audit runs on a gated unit's gate curve
            title += "; gated units along their gate curves f(x, b), f' being ∂f/∂a"
        _emit(target, data_fmt, title, header, rows, records, ids=(0, 1))  # activation, dtype
    if fig_target is not None:
        from ..render.analysis_figures import accuracy_figure

        _save(accuracy_figure(results), fig_target, fig_fmt, dpi)
    if strict and not all(r.passed for r in results):
        failed = ", ".join(f"{label} ({r.dtype})" for r, label in zip(results, labels, strict=True) if not r.passed)
        typer.echo(f"actviz: outside tolerance: {failed}", err=True)
        return 1
    return 0


def _accuracy_of_implementations(specs, dtypes, impl_names, all_, ftz, exhaustive, range_, points, workers,
                                 alpha, beta, b, param, output, figure, fmt, dpi, scheduler=None) -> int:
    """`accuracy --impl ...`: every check and every implementation loaded before any work, then
    one audit per activation, dtype and implementation, side by side in one table."""
    from ..analysis import accuracy as acc
    from ..analysis import impl_audit as ia
    from ..analysis.implementations import parse_implementation
    from ..core import options

    impls = [parse_implementation(t) for t in dict.fromkeys(impl_names)]
    impls = list({i.name: i for i in impls}.values())
    for i in impls:
        i.check_installed()  # a missing framework: exit 1, naming the package
    range_ = options.check_audit_range(range_)
    if not exhaustive:
        options.check_points(points)
    if workers is not None:
        options.check_workers(workers)
    if exhaustive:
        for d in dtypes:
            acc.check_exhaustive(d, range_)
    target, data_fmt, fig_target, fig_fmt = _plan(output, fmt, figure, dpi)
    params = parse_param_options(alpha, beta, param, b)
    jobs = []  # (spec or bound activation, named parameters, implementation)
    if all_:
        if params:
            raise UsageError("--all audits each activation at the implementation's defaults; "
                             "-p, --alpha, --beta and --b are for the activations you name")
        from ..registry import records

        per_impl = {i.name: set(ia.all_specs(i)) for i in impls}
        for rec in records():
            for i in impls:
                spec = f"{rec.name}@{i.framework}" if i.framework else rec.name
                if spec in per_impl[i.name]:
                    jobs.append((spec, [], i))
    else:
        acts = resolve_specs(specs, params)
        for spec, act in zip(specs, acts, strict=True):
            named = ia.named_parameters(spec) + [k for k in params if act.record.param(k)]
            jobs += [(act, named, i) for i in impls]
    if fig_target is not None and len(jobs) * len(dtypes) > MAX_FIGURE_ROWS:
        raise UsageError(f"a figure takes at most {MAX_FIGURE_ROWS} audits (a row each), not "
                         f"{len(jobs) * len(dtypes)}: name fewer activations, dtypes or implementations")
    runs: list = []
    skipped: dict[str, list[str]] = {}
    for spec, named, i in jobs:
        for d in dtypes:
            try:
                runs.append((spec, d, ia.prepare(spec, i, d, named=named)))
            except UsageError as exc:
                if not all_:
                    raise
                # --all takes what can be audited, and says what it left out and why
                reason = str(exc).split(";")[0].split(" has ", 1)[-1]
                skipped.setdefault(reason, []).append(f"{spec} in {d}")
    for reason, which in skipped.items():
        typer.echo(f"actviz: skipped {', '.join(which)}: {reason}", err=True)
    results = []
    for spec, d, prepared in runs:
        i, ref, _ = prepared
        total = acc.count_values(d, range_) if exhaustive else 0
        common = dict(range=range_, points=points, exhaustive=exhaustive, workers=workers, ftz=ftz,
                      prepared=prepared, scheduler=scheduler if exhaustive else None)
        if exhaustive and total > acc.CURVE_POINTS:
            keep_freed_memory()
            threads = workers or acc.default_workers()
            where = (f"on the Dask cluster at {scheduler}" if scheduler is not None
                     else f"{threads} thread{'s' * (threads > 1)}")
            typer.echo(f"auditing {ref.label} by {i.name} on all {total:,} {d} values"
                       f"{' in the range' if range_ else ''}, {where}", err=True)
            with _Bar(f"{ref.label} {i.name} {d}", total) as bar:
                results.append(ia.audit_implementation(spec, i, d, progress=bar, **common))
        else:
            results.append(ia.audit_implementation(spec, i, d, **common))
    records = [r.as_dict() for r in results]
    if data_fmt is not None:
        from ..render.export import implementation_grid

        header, rows = implementation_grid(records)
        title = "Accuracy of implementations in ULPs (JAX's counting rules" + (", read as flush-to-zero)" if ftz else ")")
        _emit(target, data_fmt, title, header, rows, records, ids=(0, 1, 3))  # activation, implementation, dtype
    if fig_target is not None:
        from ..render.analysis_figures import implementation_figure

        _save(implementation_figure(results), fig_target, fig_fmt, dpi)
    failed = [r for r in results if r.error is not None]
    if failed:
        shown = "; ".join(f"{r.label} by {r.implementation} ({r.dtype}): {r.error}" for r in failed[:3])
        more = f" and {len(failed) - 3} more" if len(failed) > 3 else ""
        typer.echo(f"actviz: {len(failed)} audit{'s' * (len(failed) > 1)} could not run: {shown}{more}", err=True)
        return 1
    return 0
