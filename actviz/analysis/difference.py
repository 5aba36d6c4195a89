"""How far apart two activations are on a grid: the largest |Δf| and |Δf'|, and the largest
difference in units in the last place of the reference, with where each is reached.

What ``compare`` prints under its plot and ``info`` shows for an engine's name against the
catalogue's entry ("the same" gelu as Hugging Face's gelu_new spells it). Both are evaluated in
float64 on the same grid; the ULP of a value is the float64 spacing at the reference's value (the
smallest subnormal at 0), so 1 means neighbouring floats and a result that cancels to 0 where the
reference is 1e-20 counts as many ULPs as there are between them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.bound import BoundActivation
from ..core.sampling import DEFAULT_POINTS, DEFAULT_RANGE, grid
from ..registry import get

_TINY = float(np.finfo(np.float64).smallest_subnormal)


def ulps_apart(got: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """|got - ref| in ULPs of ref (float64 spacing at |ref|); 0 where both are the same value
    (±inf included, and 0 against -0), inf where only one is infinite or NaN."""
    got = np.asarray(got, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        spacing = np.maximum(np.spacing(np.abs(ref)), _TINY)
        out = np.abs(got - ref) / spacing
    same = (got == ref) | (np.isnan(got) & np.isnan(ref))
    out = np.where(same, 0.0, out)
    return np.where(np.isfinite(out), out, np.inf)


def _worst(values: np.ndarray, x: np.ndarray) -> tuple[float, float | None]:
    """The largest value (NaN-free) and the x nearest 0 where it is reached (None where it is 0:
    no difference anywhere)."""
    if values.size == 0:
        return 0.0, None
    peak = float(np.max(values))
    if peak == 0:
        return 0.0, None
    hits = np.flatnonzero(values == peak)
    where = hits[np.argmin(np.abs(x[hits]))]
    return peak, float(x[where]) + 0.0


def difference(act: BoundActivation | str, reference: BoundActivation | str,
               range: tuple[float, float] = DEFAULT_RANGE, points: int = DEFAULT_POINTS) -> dict[str, Any]:
    """How far ``act`` is from ``reference`` on ``points`` evenly spaced x over ``range``.

    Keys: ``spec``, ``reference``, ``range``, ``points``; ``max_abs_f`` and ``max_abs_df`` (the
    largest |Δf|, |Δf'|) with ``x_abs_f``, ``x_abs_df``; ``max_ulp_f`` and ``max_ulp_df`` (the same
    in ULPs of the reference) with ``x_ulp_f``, ``x_ulp_df``. Each x is the one nearest 0 among
    those where the largest value is reached.
    """
    act, reference = get(act).elementwise, get(reference).elementwise
    x = grid(*range, points)
    out: dict[str, Any] = {"spec": act.spec, "reference": reference.spec,
                           "range": [float(x[0]), float(x[-1])], "points": int(x.size)}
    for order, key in ((0, "f"), (1, "df")):
        a = np.asarray(act(x) if order == 0 else act.derivative(x), dtype=np.float64)
        b = np.asarray(reference(x) if order == 0 else reference.derivative(x), dtype=np.float64)
        with np.errstate(invalid="ignore"):
            gap = np.abs(a - b)
        gap = np.where((a == b) | (np.isnan(a) & np.isnan(b)), 0.0, gap)
        gap = np.where(np.isnan(gap), np.inf, gap)
        out[f"max_abs_{key}"], out[f"x_abs_{key}"] = _worst(gap, x)
        out[f"max_ulp_{key}"], out[f"x_ulp_{key}"] = _worst(ulps_apart(a, b), x)
    return out
