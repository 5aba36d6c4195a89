"""Commands that answer with tables and data files: list, info, table, stats, check.

Each parses its options, calls the library (registry, sampling, analysis) and hands
the result to a renderer (:mod:`actviz.render.tables` for the terminal,
:mod:`actviz.render.export` for files). scipy is imported only by the analyses that
need it, inside them.

No ``from __future__ import annotations`` here: Typer reads the parameters' annotations
every time it builds the command line, and string annotations would be compiled and
evaluated again on every start (about 1 ms per command).
"""

import difflib
from pathlib import Path
from typing import Annotated

import typer

from ..core.options import DEFAULT_POINTS, DEFAULT_RANGE
from ..errors import UsageError
from ..render.io import DATA_FORMATS, check_writable, format_for
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
    SpecsArg,
    SweepOpt,
    apply_sweep,
    check_grid,
    complete_spec,
    parse_param_options,
    resolve_specs,
)

FORMAT_HELP = "Output format: table (terminal), csv, json or md; by default the -o suffix decides."


def _choice(*choices: str):
    """The ``callback`` of a str option that takes one of ``choices``.

    Typer checks a ``Literal[...]`` option with a pydantic validator, and pydantic puts
    "Value error, " before the message ("Invalid value for '--format': Value error, 'xml' is
    not one of ..."); this check names the choices plainly. The metavar lists them as
    names the value (FORMAT) and the help text lists the choices, so a narrow terminal wraps
    them between words.
    """

    def check(value: str | None) -> str | None:
        if value is not None and value not in choices:
            raise typer.BadParameter(f"{value!r} is not one of {', '.join(map(repr, choices))}.")
        return value

    return check


def _format_option(text: str, *choices: str):
    return typer.Option("--format", "-f", help=text, metavar="FORMAT", callback=_choice(*choices),
                        show_default=False, autocompletion=lambda incomplete: [c for c in choices if c.startswith(incomplete)])


DATA_CHOICES = ("table", "csv", "json", "md")


def _destination(output: Path | None, fmt: str | None, stdout_format: str) -> tuple[str | None, str]:
    """Where the result goes (None: the terminal; '-': standard output) and in what format.

    Checked before any work, so a bad suffix or a missing directory fails at once.
    """
    if output is None:
        if fmt is None or fmt == "table":
            return None, "table"
        return "-", fmt
    target = str(output)
    if fmt == "table":
        chosen = "table"
    else:
        chosen = format_for(target, fmt, DATA_FORMATS) or stdout_format
    if target != "-":
        check_writable(target)
    return target, chosen


def _deliver(target: str | None, fmt: str, renderables: list, writers: dict, data) -> None:
    from ..render.export import write
    from ..render.tables import emit, render_text

    if fmt == "table":
        if target is None or target == "-":
            emit(*renderables)
        else:
            write(target, render_text(*renderables))
            typer.echo(f"wrote {target}", err=True)
        return
    write("-" if target is None else target, writers[fmt](data))
    if target not in (None, "-"):
        typer.echo(f"wrote {target}", err=True)


def _families() -> list[str]:
    from ..registry import records

    return list(dict.fromkeys(r.family for r in records()))


def _complete_family(incomplete: str) -> list[str]:
    return [f for f in _families() if f.startswith(incomplete.strip().lower())]


# -- list --------------------------------------------------------------------------------------


@app.command("list", cls=ActvizCommand)
def list_command(
    family: Annotated[
        str | None,
        typer.Option("--family", metavar="NAME", help="Only this family (sigmoid-like, rectifier, ...: the families "
                     "`actviz list` shows).", show_default=False, autocompletion=_complete_family),
    ] = None,
    names: Annotated[
        bool, typer.Option("--names", help="The names model configs and engines use instead (gelu_new@hf, "
                           "gelu@te, …): what each means and whether it computes it its own way.")
    ] = False,
    fmt: Annotated[
        str, _format_option("table (terminal), json or md (the README's catalogue table).", "table", "json", "md")
    ] = "table",
) -> None:
    """Every activation: name, aliases, family, parameters and defaults, framework presets.

    --names lists the engines' names instead: Hugging Face's hidden_act values, Transformer
    Engine's, candle's, ONNX's, MLX's and MindSpore's."""
    from ..registry import records

    if names:
        if family is not None:
            raise UsageError("--names lists every engine name; --family does not apply to it")
        from ..render.export import engine_names_json, engine_names_markdown, engine_names_rows

        if fmt == "table":
            from ..render.tables import emit, engine_names_listing

            emit(engine_names_listing(engine_names_rows()))
            return
        typer.echo((engine_names_json if fmt == "json" else engine_names_markdown)(), nl=False)
        return
    recs = records()
    if family is not None:
        families = _families()
        wanted = family.strip().lower()
        if wanted not in families:
            close = difflib.get_close_matches(wanted, families, n=2, cutoff=0.5)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise UsageError(f"unknown family {family!r}{hint} (families: {', '.join(families)})")
        recs = [r for r in recs if r.family == wanted]
    if fmt == "table":
        from ..render.tables import catalogue_table, emit

        emit(catalogue_table(recs))
        return
    from ..render.export import catalogue_json, catalogue_markdown

    typer.echo((catalogue_json if fmt == "json" else catalogue_markdown)(recs), nl=False)


# -- info --------------------------------------------------------------------------------------


@app.command("info", cls=ActvizCommand)
def info_command(
    spec: Annotated[
        str | None,
        typer.Argument(metavar="SPEC", help="Activation: name, name(k=v, ...), name@framework or an engine's "
                       "name (gelu_new, gelu@te).", show_default=False, autocompletion=complete_spec),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", metavar="FILE", help="Instead of SPEC: a model's config.json (or its directory); "
                     "the activation its hidden_activation, hidden_act, activation_function or "
                     "feed_forward_proj names, at the top or in text_config.", show_default=False),
    ] = None,
    fmt: Annotated[str, _format_option("table (terminal) or json.", "table", "json")] = "table",
) -> None:
    """Formula, derivative, parameters, output range, properties, kinks, framework versions, engine names, paper and key statistics.

    --config FILE reads the activation from a model's config.json (hidden_act = "gelu_new"
    is Hugging Face's NewGELUActivation, as it computes it)."""
    from ..analysis.stats import stats
    from ..registry import get

    if spec is not None and config is not None:
        raise UsageError("give a SPEC or --config FILE, not both")
    found = None
    if config is not None:
        from ..configs import read_config, resolve

        found = read_config(config)
        act = resolve(found)
    elif spec is not None:
        act = get(spec)
    else:
        raise UsageError("name an activation (actviz info gelu) or a model config (actviz info --config config.json)")
    key_stats = stats(act)
    if fmt == "json":
        from ..render.describe import describe, describe_config
        from ..render.export import to_json

        head = {} if found is None else {"config": describe_config(found, act)}
        typer.echo(to_json({**head, **describe(act), "stats": key_stats}, default=str), nl=False)
        return
    from ..render.tables import config_lines, emit, info_renderables

    emit(*([] if found is None else config_lines(found, act)), *info_renderables(act, key_stats))


# -- table -------------------------------------------------------------------------------------


@app.command("table", cls=ActvizCommand)
def table_command(
    specs: SpecsArg,
    range_: RangeOpt = DEFAULT_RANGE,
    points: PointsOpt = DEFAULT_POINTS,
    order: OrderOpt = 1,
    numeric: NumericOpt = False,
    alpha: AlphaOpt = None,
    beta: BetaOpt = None,
    b: BOpt = None,
    param: ParamOpt = None,
    sweep: SweepOpt = None,
    output: OutputOpt = None,
    fmt: Annotated[str | None, _format_option(FORMAT_HELP, *DATA_CHOICES)] = None,
) -> None:
    """Values and derivatives on a grid: a terminal table, or tidy CSV / JSON / Markdown with -o.

    --sweep alpha=0.5,1,2 gives each value its own columns (rows in CSV and JSON)."""
    from ..core.options import MAX_POINTS
    from ..render.export import SAMPLE_WRITERS
    from ..render.tables import gate_curve_note, subset_note, values_table
    from ..sampling import sample

    target, fmt = _destination(output, fmt, stdout_format="csv")
    (lo, hi), points = check_grid(range_, points)
    params = parse_param_options(alpha, beta, param, b)
    acts, _ = apply_sweep(resolve_specs(specs, params), sweep, params)
    if points * len(acts) > MAX_POINTS:  # the same memory bound as one grid
        raise UsageError(f"{len(acts)} activations × {points:,} points is too many values "
                         f"(at most {MAX_POINTS:,}); use fewer points")
    samples = [sample(a, (lo, hi), points, order=order, numeric=numeric) for a in acts]
    renderables: list = []
    if fmt == "table":
        renderables.append(values_table(samples))
        for note in (subset_note(samples), gate_curve_note(samples)):
            if note:
                renderables.append(note)
    _deliver(target, fmt, renderables, SAMPLE_WRITERS, samples)


# -- stats -------------------------------------------------------------------------------------


@app.command("stats", cls=ActvizCommand)
def stats_command(
    specs: SpecsArg,
    range_: RangeOpt = DEFAULT_RANGE,
    points: PointsOpt = DEFAULT_POINTS,
    saturation: SaturationOpt = 0.01,
    mu: Annotated[str, typer.Option("--mu", metavar="VALUES", help="Mean of the Gaussian input z; several "
                                    "(-1,0,1, or -2:2:9 for nine from -2 to 2) give each its own column.")] = "0",
    sigma: Annotated[float, typer.Option("--sigma", metavar="VALUE", help="Standard deviation of the Gaussian input z.")] = 1.0,
    alpha: AlphaOpt = None,
    beta: BetaOpt = None,
    b: BOpt = None,
    param: ParamOpt = None,
    sweep: SweepOpt = None,
    output: OutputOpt = None,
    fmt: Annotated[str | None, _format_option(FORMAT_HELP, *DATA_CHOICES)] = None,
) -> None:
    """Saturation (dead and saturated shares, onset), Gaussian statistics and sparsity, side by side.

    Sparsity is P(f(z) = 0) for z ~ N(μ, σ²), from the intervals where f is 0 (relu's x <= 0):
    --mu -2:2:9 shows how it moves with the input's mean. --sweep alpha=0.5,1,2 gives each
    value its own column."""
    from ..analysis.stats import stats
    from ..core.options import check_gaussian, check_mu_values, check_threshold
    from ..render.export import STATS_WRITERS
    from ..render.tables import stats_table

    target, fmt = _destination(output, fmt, stdout_format="json")
    (lo, hi), points = check_grid(range_, points)
    tau = check_threshold(saturation, "saturation")
    means = check_mu_values(mu)
    _, sigma = check_gaussian(means[0], sigma)
    params = parse_param_options(alpha, beta, param, b)
    acts, _ = apply_sweep(resolve_specs(specs, params), sweep, params)
    results = [stats(a, (lo, hi), points, tau, m, sigma) for a in acts for m in means]
    _deliver(target, fmt, [stats_table(results)] if fmt == "table" else [], STATS_WRITERS, results)


# -- check -------------------------------------------------------------------------------------


@app.command("check", cls=ActvizCommand)
def check_command(
    specs: Annotated[
        list[str] | None,
        typer.Argument(metavar="SPEC...", help="Activations to check; by default every one, and each "
                       "framework preset with its own definition.", show_default=False,
                       autocompletion=complete_spec),
    ] = None,
    range_: RangeOpt = DEFAULT_RANGE,
    points: PointsOpt = DEFAULT_POINTS,
    tolerance: Annotated[
        float, typer.Option("--tolerance", metavar="TOL", help="Fail where |analytic - numeric| > TOL·(1 + |analytic|).")
    ] = 1e-6,
    fmt: Annotated[str, _format_option("table (terminal) or json.", "table", "json")] = "table",
) -> None:
    """Analytic against numeric first and second derivatives, away from kinks; exit 1 on any failure."""
    from ..analysis.check import REL_FLOOR, default_specs, derivative_check
    from ..core.options import check_tolerance
    from ..registry import get

    (lo, hi), points = check_grid(range_, points)
    tolerance = check_tolerance(tolerance)
    acts = [get(s) for s in (specs or default_specs())]
    rows = [derivative_check(a, (lo, hi), points, tolerance) for a in acts]
    if fmt == "json":
        from ..render.export import results_json

        typer.echo(results_json(rows), nl=False)
    else:
        from ..render.tables import check_table, emit

        emit(f"f' and f'' against finite differences on [{lo:g}, {hi:g}], away from kinks; "
             f"tolerance {tolerance:g}·(1 + |f'|); relative errors where |f'| >= {REL_FLOOR:g}",
             check_table(rows))
    failed = [a.label for a, r in zip(acts, rows, strict=True) if not r["ok"]]
    if failed:
        typer.echo(f"actviz: error: {len(failed)} of {len(rows)} exceed the tolerance: {', '.join(failed)}", err=True)
        raise typer.Exit(1)
    if fmt != "json":
        typer.echo(f"{len(rows)} checked: all within the tolerance", err=True)
