"""The compiled path: f and f' of the common activations in one pass, where numba is installed.

``pip install 'actviz[fast]'`` adds numba; a record's ``fast_pair`` (one of the factories
below) then gives :class:`~actviz.core.bound.BoundActivation` a kernel for its parameters,
and calls, derivatives and ``evaluate`` all take f and f' from it, so they agree bit for
bit with each other. Without numba, or with ``ACTVIZ_FAST=0`` in the environment, the
numpy kernels run: they are the reference, and both paths are held to the same ULP bounds
against mpmath. The kernels live in :mod:`.compiled`, imported (and numba with it) at the
first evaluation that uses one; numba caches the machine code on disk after the first run.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
from collections.abc import Callable, Iterator

#: Set to 0 (or off, no, false) to run the numpy reference path although numba is installed.
ENV = "ACTVIZ_FAST"

Kernel = Callable[..., None]

_override: bool | None = None
_installed: bool | None = None


def installed() -> bool:
    """Whether numba can be imported (looked up once, without importing it)."""
    global _installed
    if _installed is None:
        _installed = importlib.util.find_spec("numba") is not None
    return _installed


def enabled() -> bool:
    """Whether evaluations take the compiled kernels: numba is installed and neither
    ``ACTVIZ_FAST=0`` nor :func:`using` says otherwise."""
    if _override is not None:
        return _override and installed()
    if os.environ.get(ENV, "").strip().lower() in ("0", "off", "no", "false"):
        return False
    return installed()


#: Arrays smaller than this take the numpy path unless :func:`using` forces the compiled one:
#: loading numba costs about 0.75 s of CPU in a fresh process, a plot's 1,201 points or a
#: table's few save microseconds, so a figure, a table or a statistic never loads it.
MIN_SIZE = 1 << 16


def wanted(size: int) -> bool:
    """Whether an evaluation of ``size`` elements takes the compiled kernels: :func:`enabled`,
    and either large (:data:`MIN_SIZE`) or inside ``using(True)``."""
    if not enabled():
        return False
    return _override is True or size >= MIN_SIZE


@contextlib.contextmanager
def using(flag: bool) -> Iterator[None]:
    """Within the block, take the compiled path (where installed) for arrays of any size, or
    the numpy one."""
    global _override
    before = _override
    _override = bool(flag)
    try:
        yield
    finally:
        _override = before


def _kernels():
    from . import compiled

    return compiled


# -- factories: fast_pair(**params) -> k(x, f, d), or None for parameters they do not cover --


def sigmoid(**_: object) -> Kernel:
    k = _kernels().sigmoid
    return lambda x, f, d: k(x, f, d, 1.0)


def softmax(classes: int = 2, others: float = 0.0, **_: object) -> Kernel | None:
    # the slice σ(x - o - ln(c - 1)) is σ(x) itself for two classes and o = 0
    return sigmoid() if classes == 2 and others == 0 else None


def softmin(classes: int = 2, others: float = 0.0, **_: object) -> Kernel | None:
    # the slice σ(o - x - ln(c - 1)) is σ(-x) for two classes and o = 0, and its f' is -σ'(x)
    if classes != 2 or others != 0:
        return None
    k = _kernels().sigmoid
    return lambda x, f, d: k(x, f, d, -1.0)


def tanh(**_: object) -> Kernel:
    return _kernels().tanh


def exponential(**_: object) -> Kernel:
    return _kernels().exponential


def softplus(beta: float = 1.0, threshold: float | None = None, **_: object) -> Kernel | None:
    if beta != 1:
        return None
    k = _kernels().softplus
    limit = float("inf") if threshold is None else float(threshold)
    return lambda x, f, d: k(x, f, d, limit)


def relu(alpha: float = 0.0, max_value: float | None = None, threshold: float = 0.0, **_: object) -> Kernel | None:
    return _kernels().relu if alpha == 0 and max_value is None and threshold == 0 else None


def elu(alpha: float, **_: object) -> Kernel:
    k = _kernels().elu
    alpha = float(alpha)
    return lambda x, f, d: k(x, f, d, alpha)


def celu(alpha: float, **_: object) -> Kernel | None:
    # celu(x; α) = α·expm1(x/α): at α = 1 it is elu's, and the same numbers as elu's
    return elu(1.0) if alpha == 1 else None


def silu(beta: float, **_: object) -> Kernel:
    k = _kernels().silu
    beta = float(beta)
    limit = min(1e300, 800.0 / beta)  # numerics.gates._sigmoid_clip
    return lambda x, f, d: k(x, f, d, beta, limit)


def mish(**_: object) -> Kernel:
    return _kernels().mish


def gelu(approximate: str = "none", **_: object) -> Kernel | None:
    return _kernels().gelu if approximate == "none" else None


def clipped_gelu(min: float, max: float, **_: object) -> Kernel:
    """gelu's kernel, then the clip: the same numbers as gelu inside [min, max] (gelu_10 is
    gelu there, bit for bit), f' = 0 where the clip holds f at a bound it has passed."""
    import numpy as np

    k = _kernels().gelu
    lo, hi = float(min), float(max)

    def run(x, f, d):
        k(x, f, d)
        # as catalogue.gates._clipped_inside: torch.clip passes the gradient at a bound
        inside = ((f >= lo) if lo != 0 else (x >= 0)) & (f <= hi)
        np.clip(f, lo, hi, out=f)
        d[~inside & ~np.isnan(x)] = 0.0

    return run
