"""`actviz accuracy SPEC --impl NAME --dtype float32 --exhaustive`: time per float32 value.

Each implementation audits the same slice of the float32 line (by default [1, 16],
2^25 + 1 values; --range) in the audit's chunks and threads, and the full run
(4,278,190,080 values) is extrapolated from it: wall time on this machine as it is, and CPU
time. Beside each, the implementation's own call alone (f and f' through its autograd, on
the same chunks) shows how much of the time is the framework's and how much the judging
(actviz's float64 reference, the rounding-boundary check, the counting rules).

    python benchmarks/bench_accuracy_impl.py [--spec gelu] [--impl torch --impl numpy] [--workers 2]

A missing framework is skipped with a line saying so.
"""

from __future__ import annotations

import argparse
import importlib.util
import platform
import resource
import time

from actviz.analysis import accuracy as acc
from actviz.analysis import impl_audit as ia
from actviz.analysis.implementations import PACKAGES, parse_implementation

FULL = acc.count_values("float32")


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", default="gelu")
    parser.add_argument("--impl", action="append", default=None)
    parser.add_argument("--range", nargs=2, type=float, default=(1.0, 16.0))
    parser.add_argument("--workers", type=int, default=acc.default_workers())
    args = parser.parse_args()
    names = args.impl or ["actviz", "numpy", "torch", "jax"]
    rng = tuple(args.range)
    n = acc.count_values("float32", rng)
    print(f"{args.spec}, float32 on [{rng[0]:g}, {rng[1]:g}] ({n:,} values), {args.workers} threads, "
          f"{platform.processor() or platform.machine()}")
    for name in names:
        impl = parse_implementation(name)
        if impl.kind == "framework" and importlib.util.find_spec(PACKAGES[impl.name][0]) is None:
            print(f"{name}: not installed, skipped")
            continue
        prepared = ia.prepare(args.spec, impl, "float32")
        bound = prepared[2]
        pieces = acc.exhaustive_pieces("float32", rng)
        # the implementation alone, on the same chunks and threads
        c0, w0 = cpu(), time.perf_counter()
        acc.run_chunks(lambda p, b=bound: b.evaluate(acc.piece_values("float32", p)), pieces, lambda _: None,
                       args.workers)
        call_wall, call_cpu = time.perf_counter() - w0, cpu() - c0
        c0, w0 = cpu(), time.perf_counter()
        r = ia.audit_implementation(args.spec, impl, "float32", range=rng, exhaustive=True, workers=args.workers,
                                    prepared=prepared)
        wall, used = time.perf_counter() - w0, cpu() - c0
        assert r.points == n and r.error is None, r.error
        per = 1e9 / n
        print(f"{name:>8}: audit {wall * per:6.1f} ns wall, {used * per:6.1f} ns CPU per value "
              f"(the call alone {call_wall * per:5.1f} / {call_cpu * per:5.1f}); every float32 value: "
              f"about {wall * FULL / n / 60:.0f} min wall, {used * FULL / n / 60 / args.workers:.0f} min on "
              f"{args.workers} free cores")


if __name__ == "__main__":
    main()
