"""How fast is evaluate(x, orders=(0, 1))? Against the textbook numpy formulas and PyTorch.

For every smooth activation (and relu, elu), on 4·10^6 float64 points drawn from N(0, 4²):
  actviz  act.evaluate(x, orders=(0, 1)): f and f' from shared intermediates, stable forms,
          on the compiled path where numba is installed (the fast extra)
  numpy   the same on the numpy reference path (ACTVIZ_FAST=0), when numba is installed
  naive   the seeds' textbook numpy formulas: 1/(1+exp(-x)) and s*(1-s), 1 - tanh², ...
  torch   PyTorch forward + backward (autograd) on one thread, when torch is importable

Timings are the median of several repeats, interleaved (each repeat runs every contender
once), so that a busy machine slows them alike. The table gives ratios; the summary line
the geometric mean of torch/actviz over sigmoid, tanh, gelu, silu, softplus, elu, mish,
relu (the target is >= 1: actviz at least as fast).

    python benchmarks/bench_evaluate.py [--n 4000000] [--repeats 5] [--markdown]
"""

from __future__ import annotations

import argparse
import math
import platform
import statistics
import sys
import time
from datetime import date

import numpy as np

import actviz

GEOMEAN_NAMES = ("sigmoid", "tanh", "gelu", "silu", "softplus", "elu", "mish", "relu")


# --- the textbook formulas (f, f') --------------------------------------------------------


def _erf(x):
    from scipy.special import erf

    return erf(x)


def _naive_sigmoid(x):
    s = 1 / (1 + np.exp(-x))
    return s, s * (1 - s)


def _naive_tanh(x):
    t = np.tanh(x)
    return t, 1 - t**2


def _naive_gelu(x):
    cdf = 0.5 * (1 + _erf(x / math.sqrt(2)))
    return x * cdf, cdf + x * np.exp(-(x**2) / 2) / math.sqrt(2 * math.pi)


def _naive_gelu_tanh(x):
    k = math.sqrt(2 / math.pi)
    t = np.tanh(k * (x + 0.044715 * x**3))
    return 0.5 * x * (1 + t), 0.5 * (1 + t) + 0.5 * x * (1 - t**2) * k * (1 + 3 * 0.044715 * x**2)


def _naive_silu(x):
    s = 1 / (1 + np.exp(-x))
    return x * s, s * (1 + x * (1 - s))


def _naive_softplus(x):
    return np.log(1 + np.exp(x)), 1 / (1 + np.exp(-x))


def _naive_log_sigmoid(x):
    return np.log(1 / (1 + np.exp(-x))), 1 - 1 / (1 + np.exp(-x))


def _naive_elu(x, alpha=1.0):
    f = np.where(x > 0, x, alpha * (np.exp(x) - 1))
    return f, np.where(x > 0, 1.0, f + alpha)


def _naive_selu(x):
    lam, alpha = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717
    f, d = _naive_elu(x, alpha)
    return lam * f, lam * d


def _naive_celu(x, alpha=1.0):
    f = np.maximum(0, x) + np.minimum(0, alpha * (np.exp(x / alpha) - 1))
    return f, np.where(x > 0, 1.0, np.exp(x / alpha))


def _naive_mish(x):
    sp = np.log(1 + np.exp(x))
    t = np.tanh(sp)
    s = 1 / (1 + np.exp(-x))
    return x * t, t + x * s * (1 - t**2)


def _naive_relu(x):
    return np.maximum(x, 0), (x > 0).astype(x.dtype)


def _naive_softsign(x):
    return x / (1 + np.abs(x)), 1 / (1 + np.abs(x)) ** 2


def _naive_squareplus(x, b=4.0):
    r = np.sqrt(x**2 + b)
    return 0.5 * (x + r), 0.5 * (1 + x / r)


def _naive_tanhshrink(x):
    t = np.tanh(x)
    return x - t, t**2


def _naive_exponential(x):
    e = np.exp(x)
    return e, e


NAIVE = {
    "sigmoid": _naive_sigmoid,
    "tanh": _naive_tanh,
    "gelu": _naive_gelu,
    "gelu(approximate=tanh)": _naive_gelu_tanh,
    "silu": _naive_silu,
    "softplus": _naive_softplus,
    "log_sigmoid": _naive_log_sigmoid,
    "elu": _naive_elu,
    "selu": _naive_selu,
    "celu": _naive_celu,
    "mish": _naive_mish,
    "relu": _naive_relu,
    "softsign": _naive_softsign,
    "squareplus": _naive_squareplus,
    "tanhshrink": _naive_tanhshrink,
    "exponential": _naive_exponential,
}


# --- PyTorch --------------------------------------------------------------------------------


def torch_functions():
    """name -> callable on a tensor, or None without torch."""
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return None
    torch.set_num_threads(1)
    return {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "gelu": F.gelu,
        "gelu(approximate=tanh)": lambda t: F.gelu(t, approximate="tanh"),
        "silu": F.silu,
        "softplus": F.softplus,
        "log_sigmoid": F.logsigmoid,
        "elu": F.elu,
        "selu": F.selu,
        "celu": F.celu,
        "mish": F.mish,
        "relu": F.relu,
        "softsign": F.softsign,
        "tanhshrink": F.tanhshrink,
        "hard_swish": F.hardswish,
        "exponential": torch.exp,
    }


def torch_runner(fn, x_np):
    import torch

    x0 = torch.from_numpy(x_np)
    ones = torch.ones_like(x0)

    def run():
        x = x0.detach().requires_grad_()
        y = fn(x)
        (grad,) = torch.autograd.grad(y, x, ones)
        return y, grad

    return run


# --- the run --------------------------------------------------------------------------------


def smooth_specs() -> list[str]:
    """Every scalar activation that is C1 or smoother, plus the geometric-mean set."""
    specs = []
    for rec in actviz.records():
        if rec.vector is not None:
            continue
        props = actviz.get(rec.name).properties
        if rec.name in GEOMEAN_NAMES or (props is not None and props.smoothness in ("C∞", "C1")):
            specs.append(rec.name)
            if rec.name == "gelu":
                specs.append("gelu(approximate=tanh)")
    missing = [n for n in GEOMEAN_NAMES if n not in specs]
    if missing:
        print(f"note: not registered yet, left out: {', '.join(missing)}", file=sys.stderr)
    return specs


def clock(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=4 * 10**6, help="points per call")
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats (median)")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args(argv)

    from actviz.numerics import fast

    x = np.random.default_rng(0).normal(0.0, 4.0, args.n)
    compiled = fast.enabled()
    specs = smooth_specs()
    torch_fns = torch_functions()
    contenders: dict[str, dict[str, object]] = {}
    for spec in specs:
        act = actviz.get(spec)
        row = {"actviz": lambda act=act: act.evaluate(x, orders=(0, 1))}
        if compiled:
            def numpy_path(act=act):
                with fast.using(False):
                    return act.evaluate(x, orders=(0, 1))
            row["numpy"] = numpy_path
        if spec in NAIVE:
            def naive(fn=NAIVE[spec]):
                with np.errstate(all="ignore"):
                    return fn(x)
            row["naive"] = naive
        if torch_fns is not None and spec in torch_fns:
            row["torch"] = torch_runner(torch_fns[spec], x)
        contenders[spec] = row
    for row in contenders.values():  # warm up: imports, first-call allocations
        for fn in row.values():
            fn()
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.repeats):
        for spec, row in contenders.items():
            for who, fn in row.items():
                times.setdefault((spec, who), []).append(clock(fn))
    med = {k: statistics.median(v) for k, v in times.items()}

    print(f"evaluate(x, orders=(0, 1)) on {args.n:,} float64 points, median of {args.repeats}; "
          f"actviz on the {'compiled (numba ' + __import__('numba').__version__ + ')' if compiled else 'numpy'} path")
    print(f"machine: {platform.processor() or platform.machine()}, {platform.system()}, "
          f"python {platform.python_version()}, numpy {np.__version__}"
          + (f", torch {__import__('torch').__version__} (1 thread)" if torch_fns else ", torch: not installed")
          + f", {date.today().isoformat()}")
    head = ("activation", "actviz ms", *(("numpy path ms",) if compiled else ()), "naive ms", "torch ms",
            "naive/actviz", "torch/actviz", *(("torch/numpy path",) if compiled else ()))
    lines = []
    for spec in contenders:
        ours = med[(spec, "actviz")]
        numpy_t = med.get((spec, "numpy"))
        naive = med.get((spec, "naive"))
        torch_t = med.get((spec, "torch"))
        lines.append((
            spec, f"{ours * 1e3:.1f}",
            *((f"{numpy_t * 1e3:.1f}",) if compiled else ()),
            "-" if naive is None else f"{naive * 1e3:.1f}",
            "-" if torch_t is None else f"{torch_t * 1e3:.1f}",
            "-" if naive is None else f"{naive / ours:.2f}",
            "-" if torch_t is None else f"{torch_t / ours:.2f}",
            *(("-" if torch_t is None else f"{torch_t / numpy_t:.2f}",) if compiled else ()),
        ))
    if args.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for line in lines:
            print("| " + " | ".join(line) + " |")
    else:
        widths = [max(len(h), *(len(r[i]) for r in lines)) for i, h in enumerate(head)]
        print("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)))
        for line in lines:
            print("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)))

    def geomean(who, ours="actviz"):
        names = [n for n in GEOMEAN_NAMES if (n, who) in med and (n, ours) in med]
        if not names:
            return None, names
        return math.exp(statistics.fmean(math.log(med[(n, who)] / med[(n, ours)]) for n in names)), names

    pairs = [("naive", "actviz"), ("torch", "actviz")] + ([("torch", "numpy")] if compiled else [])
    for who, ours in pairs:
        g, names = geomean(who, ours)
        label = "actviz" if ours == "actviz" else "actviz's numpy path"
        if g is None:
            print(f"{who}: skipped (not available)")
        else:
            print(f"geometric mean of {who}/{label} time over {', '.join(names)}: {g:.2f} "
                  f"({label + (' faster' if g >= 1 else ' slower')})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
