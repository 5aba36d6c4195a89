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
import sys
import tempfile

from bench_cli_plot import alternate, environment, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10, help="alternating A/B pairs")
    parser.add_argument("--spec", default="tanh", help="activation to draw")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        signal = [sys.executable, "-m", "actviz", "signal", args.spec, "--sigma-w", "1.5", "--sigma-b", "0.05",
                  "--figure", os.path.join(tmp, "s.png")]
        plot = [sys.executable, "-m", "actviz", "plot", args.spec, "-o", os.path.join(tmp, "p.png")]
        signal_runs, plot_runs = alternate(signal, plot, environment(tmp), args.pairs)
    report(f"actviz signal {args.spec} --figure s.png", signal_runs, f"actviz plot {args.spec} -o p.png",
           plot_runs, "<= 1.5x")


if __name__ == "__main__":
    main()
