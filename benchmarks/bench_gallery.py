"""The whole gallery against a sequential hand-written numpy + matplotlib loop.

The floor renders the same number of two-panel (f, f') PNG figures, one after another,
with the plainest code: `plt.subplots`, two `plot` calls, `savefig`. The gallery draws
richer figures (kinks, shading, formulas, sheets) but uses every core; the target is a
ratio of at most 0.8. Both run as fresh processes, alternating A B A B, and the ratio
is of the medians.

    python benchmarks/bench_gallery.py [--pairs 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

FLOOR = r"""
import sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

out, count = sys.argv[1], int(sys.argv[2])
x = np.linspace(-6, 6, 1201)
for i in range(count):
    y = np.tanh(x + i * 1e-3)
    dy = 1 - y ** 2
    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(6.4, 5.6))
    top.plot(x, y)
    top.set_ylabel("f(x)")
    top.set_title(f"figure {i}")
    bottom.plot(x, dy)
    bottom.set_ylabel("f'(x)")
    bottom.set_xlabel("x")
    fig.savefig(f"{out}/fig{i}.png", dpi=100)
    plt.close(fig)
"""


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=3, help="alternating A/B pairs")
    args = parser.parse_args()

    from actviz.render.gallery import plan

    count = len(plan())
    ours, floor = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.pairs):
            a, b = os.path.join(tmp, f"a{i}"), os.path.join(tmp, f"b{i}")
            os.mkdir(b)
            ours.append(timed([sys.executable, "-m", "actviz", "gallery", "-o", a]))
            floor.append(timed([sys.executable, "-c", FLOOR, b, str(count)]))
    ratio = statistics.median(ours) / statistics.median(floor)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"figures: {count}")
    print(f"actviz gallery (all cores):     median {statistics.median(ours):6.2f} s  {['%.2f' % t for t in ours]}")
    print(f"hand-written sequential loop:  median {statistics.median(floor):6.2f} s  {['%.2f' % t for t in floor]}")
    print(f"ratio: {ratio:.2f}x (target <= 0.80x)")


if __name__ == "__main__":
    main()
