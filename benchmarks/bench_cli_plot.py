"""`actviz plot relu --alpha 0.1 -o relu.png` against the same figure hand-written.

The floor is a minimal Typer + numpy + matplotlib script that saves the same two-panel
f / f' PNG: the same size, layout and artists (title with the spec and the mathtext
formula, axis labels, the kink's dotted line and markers, the curve broken at the jump,
a legend under the panels), written the plainest way. The difference is what actviz's
own structure costs (Typer app and command modules, the registry and catalogue, spec
parsing and validation, sampling, the figure builder, the atomic write); the target is
a ratio of medians within 1.15. Both run as fresh processes of this Python, alternating
A B A B, so drift on a shared machine hits both alike; CPU time is reported beside wall
time because it is steadier when other work shares the cores.

    python benchmarks/bench_cli_plot.py [--pairs 20] [--spec relu]
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

app = typer.Typer(add_completion=False)


@app.command()
def plot(
    output: Annotated[str, typer.Option("-o", help="PNG to write.")],
    alpha: Annotated[float, typer.Option("--alpha", help="Slope for x < 0.")] = 0.0,
) -> None:
    """Save f and f' of a leaky rectifier in two panels."""
    from matplotlib.figure import Figure

    x = np.linspace(-6.0, 6.0, 1201)
    x[600] = 0.0
    f = np.where(x > 0, x, alpha * x)
    df = np.where(x > 0, 1.0, alpha)
    df_broken = np.insert(df, 601, np.nan)
    x_broken = np.insert(x, 601, x[601])

    fig = Figure(figsize=(7.0, 5.85), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True)
    top.plot(x, f)
    bottom.plot(x_broken, df_broken)
    for ax in (top, bottom):
        ax.axvline(0.0, ls=":", color="k", alpha=0.55)
        ax.grid(alpha=0.25)
    top.plot([0.0], [0.0], "o")
    bottom.plot([0.0], [alpha], "o")
    (limit,) = bottom.plot([0.0], [1.0], "o", mfc="white")
    top.set_ylabel("$f(x)$")
    bottom.set_ylabel("$f'(x)$")
    bottom.set_xlabel("$x$")
    top.set_title(r"$f(x) = \left\{\genfrac{}{}{0}{0}{x \;\; x > 0}{\alpha x \;\; x \leq 0}\right.$")
    fig.suptitle(f"relu(alpha={alpha:g})")
    fig.legend([limit], ["kink: value taken, other limit"], loc="outside lower center")
    fig.savefig(output, bbox_inches="tight")


if __name__ == "__main__":
    app()
'''


def environment(tmp: str) -> dict[str, str]:
    """Agg, and compiled bytecode kept (in a private cache) as an installed package has it:
    with PYTHONDONTWRITEBYTECODE an editable checkout would recompile itself on every run."""
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPYCACHEPREFIX": os.path.join(tmp, "pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one run."""
    cpu, start = _cpu(), time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start, _cpu() - cpu


def alternate(a: list[str], b: list[str], env: dict[str, str], pairs: int) -> tuple[list, list]:
    """(wall, CPU) of ``pairs`` runs of each command, alternating A B A B after two warm-ups
    (bytecode, file and font caches)."""
    runs_a: list[tuple[float, float]] = []
    runs_b: list[tuple[float, float]] = []
    for _ in range(2):
        timed(a, env), timed(b, env)
    for _ in range(pairs):
        runs_a.append(timed(a, env))
        runs_b.append(timed(b, env))
    return runs_a, runs_b


def report(label_a: str, runs_a: list, label_b: str, runs_b: list, target: str) -> None:
    """The machine, each command's medians and the ratio of A to B."""

    def line(label: str, runs: list[tuple[float, float]]) -> str:
        wall, cpu = [r[0] for r in runs], [r[1] for r in runs]
        return (f"{label:52s} wall median {statistics.median(wall):.3f} s (min {min(wall):.3f}), "
                f"CPU median {statistics.median(cpu):.3f} s")

    def ratio(i: int) -> float:
        return statistics.median(r[i] for r in runs_a) / statistics.median(r[i] for r in runs_b)

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"pairs: {len(runs_a)}, alternating")
    print(line(label_a, runs_a))
    print(line(label_b, runs_b))
    print(f"ratio of medians: wall {ratio(0):.3f}x, CPU {ratio(1):.3f}x (target {target})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=20, help="alternating A/B pairs")
    parser.add_argument("--spec", default="relu", help="activation actviz plots (relu takes --alpha)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "floor.py")
        with open(script, "w") as fh:
            fh.write(FLOOR)
        a, b = os.path.join(tmp, "a.png"), os.path.join(tmp, "b.png")
        actviz = [sys.executable, "-m", "actviz", "plot", args.spec, "--alpha", "0.1", "-o", a]
        hand = [sys.executable, script, "-o", b, "--alpha", "0.1"]
        ours, floor = alternate(actviz, hand, environment(tmp), args.pairs)
    report(f"actviz plot {args.spec} --alpha 0.1 -o relu.png", ours,
           "hand-written typer + numpy + matplotlib", floor, "<= 1.15x")


if __name__ == "__main__":
    main()
