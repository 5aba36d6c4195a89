"""Start-up cost of the command line: `actviz --help` and `actviz list` against a floor.

The floor is the same job hand-written on the same stack: a minimal Typer app with two
commands that imports numpy and rich and prints a 36-row table. The difference is what
actviz's own structure costs (the registry, the catalogue, the command modules); the
target is a ratio of medians within 1.10. Both run as fresh processes of this Python,
alternating A B A B, so drift on a shared machine hits both alike, with byte-code caching
on for both (see main).

    python benchmarks/bench_cli_startup.py [--pairs 30]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time

FLOOR = r'''
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(no_args_is_help=True, add_completion=False)


@app.command("list")
def list_command(
    family: Annotated[str | None, typer.Option("--family", help="Only this family.")] = None,
) -> None:
    """Print a 36-row table."""
    table = Table()
    for column in ("name", "aliases", "family", "parameters", "frameworks"):
        table.add_column(column)
    for i in range(36):
        table.add_row(f"act{i}", f"alias{i}", "family", f"alpha={np.float64(i) / 10!r}", "torch, keras, jax")
    Console().print(table)


@app.command("info")
def info_command(name: str) -> None:
    """Another command, so that --help lists a group like actviz's."""
    print(name)


if __name__ == "__main__":
    app()
'''

# What the `actviz` console script runs.
ACTVIZ = "from actviz.cli import main; main()"


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall, cpu) seconds of one run; cpu is the child's user + system time, which other
    people's load on a shared machine disturbs far less than the wall clock."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def compare(a: list[str], b: list[str], pairs: int, env: dict[str, str]) -> dict[str, tuple[float, float]]:
    """Medians of ``a`` and ``b`` (wall and cpu) over alternating runs, after two warm-ups of each."""
    for _ in range(2):
        timed(a, env), timed(b, env)
    ta, tb = [], []
    for _ in range(pairs):
        ta.append(timed(a, env))
        tb.append(timed(b, env))
    return {
        kind: (statistics.median(t[i] for t in ta), statistics.median(t[i] for t in tb))
        for i, kind in enumerate(("wall", "cpu"))
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=30, help="alternating A/B pairs per case")
    args = parser.parse_args()

    env_note = f"Python {platform.python_version()}, {os.cpu_count()} cores, {args.pairs} pairs"
    with tempfile.TemporaryDirectory() as tmp:
        floor = os.path.join(tmp, "floor_cli.py")
        with open(floor, "w") as fh:
            fh.write(FLOOR)
        py = sys.executable
        # Byte-code caching on, as for an installed package (pip writes .pyc files at install),
        # kept in a scratch directory: an editable checkout with PYTHONDONTWRITEBYTECODE would
        # otherwise recompile every actviz module on every run, which no user pays.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = os.path.join(tmp, "pycache")
        cases = [
            ("actviz --help", [py, "-c", ACTVIZ, "--help"], [py, floor, "--help"]),
            ("actviz list", [py, "-c", ACTVIZ, "list"], [py, floor, "list"]),
        ]
        print(f"CLI start-up against a hand-written typer + rich + numpy script ({env_note})")
        print()
        print("| command | clock | actviz (median) | floor (median) | ratio | target |")
        print("| --- | --- | ---: | ---: | ---: | ---: |")
        for label, mine, theirs in cases:
            for kind, (a, b) in compare(mine, theirs, args.pairs, env).items():
                print(f"| `{label}` | {kind} | {a * 1e3:.0f} ms | {b * 1e3:.0f} ms | {a / b:.2f}x | ≤ 1.10x |",
                      flush=True)


if __name__ == "__main__":
    main()
