"""`actviz signal tanh --figure s.png` against `actviz plot tanh -o p.png`, in the same run.

The signal figure (length and correlation maps, χ against σ_w, the phase diagram and a
Monte-Carlo network, six panels) should cost at most 1.5 times a plain two-panel plot of
the same activation. Both run as fresh processes of this Python, alternating A B A B, so
drift on a shared machine hits both alike; CPU time is reported beside wall time because
it is steadier when other work shares the cores.

    python benchmarks/bench_signal.py [--pairs 10] [--spec tanh]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile

from bench_cli_plot import environment, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10, help="alternating A/B pairs")
    parser.add_argument("--spec", default="tanh", help="activation to draw")
    args = parser.parse_args()
    signal_runs: list[tuple[float, float]] = []
    plot_runs: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        env = environment(tmp)
        signal = [sys.executable, "-m", "actviz", "signal", args.spec, "--sigma-w", "1.5", "--sigma-b", "0.05",
                  "--figure", os.path.join(tmp, "s.png")]
        plot = [sys.executable, "-m", "actviz", "plot", args.spec, "-o", os.path.join(tmp, "p.png")]
        for _ in range(2):  # warm the bytecode, file and font caches
            timed(signal, env), timed(plot, env)
        for _ in range(args.pairs):
            signal_runs.append(timed(signal, env))
            plot_runs.append(timed(plot, env))

    def line(label: str, runs: list[tuple[float, float]]) -> str:
        wall, cpu = [r[0] for r in runs], [r[1] for r in runs]
        return (f"{label:52s} wall median {statistics.median(wall):.3f} s (min {min(wall):.3f}), "
                f"CPU median {statistics.median(cpu):.3f} s")

    def ratio(i: int) -> float:
        return statistics.median(r[i] for r in signal_runs) / statistics.median(r[i] for r in plot_runs)

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"pairs: {args.pairs}, alternating")
    print(line(f"actviz signal {args.spec} --figure s.png", signal_runs))
    print(line(f"actviz plot {args.spec} -o p.png", plot_runs))
    print(f"ratio of medians: wall {ratio(0):.3f}x, CPU {ratio(1):.3f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
