"""`actviz accuracy sigmoid --dtype float32 --exhaustive`: time per float32 value, against a floor.

The floor is the one computation no audit can skip: the float64 sigmoid and its derivative
(`act.evaluate`) over the same values, in the same chunks, on the same threads. The audit
adds the bit-pattern enumeration, the rounding, the textbook formula in float32 and four ULP
sweeps with their sums and maxima (and, on the numpy path, the check of the public API on a
sample); the ratio says what those cost. A sample of the exhaustive run's own chunks, every
``--every``-th of its 16,320 (by default 1 in 32: 510 chunks, 1.3e8 values spread evenly over
the whole float32 line, tiny, moderate and saturated x alike), runs alternately as audit
and floor, and the full run's time (4,278,190,080 values) is extrapolated from it: wall
time on this machine as it is, and CPU time over the cores, which is what two free cores
would take. (A slice of one interval would not do: half of all float32 values lie past
|x| = 746, where sigmoid's kernel skips the exponential, and a quarter below 2^-64.)
CPU time is reported because it is steadier than wall time when other work shares the
machine.

    python benchmarks/bench_accuracy_float32.py [--pairs 2] [--workers 2] [--every 32] [--full]

With the fast extra (numba) installed the audit and the floor both take the compiled kernels,
and the audit the compiled judge; ``ACTVIZ_FAST=0`` measures the numpy path.

``--full`` audits every float32 value once instead (minutes), and prints the measured time.
Both sides' times depend on whether glibc keeps freed memory. The benchmark measures what
`actviz accuracy --exhaustive` does, which asks glibc to keep it in its own process
(:func:`actviz.cli._memory.keep_freed_memory`); ``--default-allocator`` measures a program
that imports the library and leaves glibc's defaults, where page faults weigh most on the
floor.
"""

from __future__ import annotations

import argparse
import platform
import resource
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import actviz
from actviz.analysis import accuracy as acc

FULL = acc.count_values("float32")


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def floor(act, pieces, workers: int) -> int:
    dt = np.dtype(np.float32)

    def job(piece):
        x = acc._values(dt, *piece)
        act.evaluate(x.astype(np.float64), (0, 1))
        return x.size

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return sum(pool.map(job, pieces))


def audit(act, pieces, workers: int) -> int:
    """The exhaustive audit's own work on these chunks: its job, its runner, its fold."""
    job = acc.ChunkJob(act, "float32", binned=True)
    stats = acc.UlpStats()
    done = 0

    def fold(result):
        nonlocal done
        size, parts = result
        done += size
        for _key, part in parts:
            stats.merge(part)

    acc.run_chunks(job, pieces, fold, workers)
    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--workers", type=int, default=acc.default_workers())
    parser.add_argument("--every", type=int, default=32, help="audit every N-th chunk of the full run")
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--default-allocator", action="store_true")
    args = parser.parse_args()
    if not args.default_allocator:
        from actviz.cli._memory import keep_freed_memory

        keep_freed_memory()
    act = actviz.get("sigmoid")
    from actviz.numerics import fast

    path = f"compiled (numba {__import__('numba').__version__})" if fast.enabled() else "numpy"
    print(f"python {platform.python_version()}, numpy {np.__version__}, {args.workers} threads, "
          f"{path} kernels and judge")
    if args.full:
        w, c = time.perf_counter(), cpu()
        r = acc.audit(act, "float32", exhaustive=True, workers=args.workers)
        wall, used = time.perf_counter() - w, cpu() - c
        print(f"every float32 value ({r.points:,}): {wall:.1f} s wall, {used:.1f} s CPU "
              f"({used / args.workers:.1f} s over {args.workers} free cores); passed: {r.passed}")
        return
    pieces = acc.exhaustive_pieces("float32")[:: args.every]
    audit(act, pieces[:4], args.workers)  # load the compiled code and the allocator's pools first
    floor(act, pieces[:4], args.workers)
    audit_wall, audit_cpu, floor_wall, floor_cpu = [], [], [], []
    for _ in range(args.pairs):
        w, c = time.perf_counter(), cpu()
        n = audit(act, pieces, args.workers)
        audit_wall.append(time.perf_counter() - w)
        audit_cpu.append(cpu() - c)
        w, c = time.perf_counter(), cpu()
        assert floor(act, pieces, args.workers) == n
        floor_wall.append(time.perf_counter() - w)
        floor_cpu.append(cpu() - c)
    scale = FULL / n
    aw, ac = statistics.median(audit_wall), statistics.median(audit_cpu)
    fw, fc = statistics.median(floor_wall), statistics.median(floor_cpu)
    print(f"1 chunk in {args.every} of the full run: {len(pieces)} chunks, {n:,} values, median of {args.pairs}")
    print(f"  audit: {aw / n * 1e9:6.1f} ns wall, {ac / n * 1e9:6.1f} ns CPU per value")
    print(f"  floor: {fw / n * 1e9:6.1f} ns wall, {fc / n * 1e9:6.1f} ns CPU per value")
    print(f"  ratio audit/floor: {aw / fw:.2f} wall, {ac / fc:.2f} CPU")
    print(f"  every float32 value, extrapolated: {aw * scale:.0f} s wall on this machine now, "
          f"{ac * scale / args.workers:.0f} s on {args.workers} free cores")


if __name__ == "__main__":
    main()
