"""`actviz gallery`: every activation as a figure, the family and framework sheets, an index."""

from pathlib import Path
from typing import Annotated

import typer

from ._help import ActvizCommand
from .app import app
from .common import complete_spec


@app.command(cls=ActvizCommand)
def gallery(
    output: Annotated[
        Path, typer.Option("--output", "-o", metavar="DIR", help="Directory to write into (created if missing).")
    ] = Path("gallery"),
    fmt: Annotated[str, typer.Option("--format", "-f", metavar="FORMAT", help="Figure format: png or svg.")] = "png",
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", metavar="N", help="Worker processes.", show_default="every core"),
    ] = None,
    only: Annotated[
        list[str] | None,
        typer.Option("--only", metavar="SPEC", help="Render only this activation's figure (repeatable); the index is left alone.",
                     show_default=False, autocompletion=complete_spec),
    ] = None,
    dark: Annotated[bool, typer.Option("--dark", help="Dark background.")] = False,
) -> None:
    """Render a figure per activation, family and framework-difference sheets, and an index page.

    A failure on one figure is reported by name at the end (exit 1) while the others render.
    """
    import sys

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ..render.gallery import build, plan

    fmt = fmt.lower().lstrip(".")
    total = len(plan(only))
    console = Console(stderr=True)
    if not console.is_terminal:  # no bar at all: rich before 15 prints a newline even when disabled
        result = build(output, fmt=fmt, jobs=jobs, only=only, dark=dark)
    else:
        with Progress(
            TextColumn("[bold]gallery[/]"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("", total=total)

            def tick(job, error) -> None:
                bar.update(task, advance=1, description=job.stem)

            result = build(output, fmt=fmt, jobs=jobs, only=only, dark=dark, progress=tick)
    ok = len(result.written)
    typer.echo(f"wrote {ok} file{'s' if ok != 1 else ''} to {result.directory}/")
    if result.failures:
        for stem, error in sorted(result.failures.items()):
            typer.echo(f"actviz: error: {stem}: {error}", err=True)
        names = ", ".join(sorted(result.failures))
        typer.echo(f"actviz: error: {len(result.failures)} figure(s) failed: {names}", err=True)
        sys.stdout.flush()
        raise typer.Exit(1)
