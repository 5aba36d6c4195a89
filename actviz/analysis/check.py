"""Analytic derivatives against finite differences, away from kinks (what `actviz check` runs)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.bound import BoundActivation
from ..core.options import check_tolerance
from ..core.sampling import DEFAULT_POINTS, DEFAULT_RANGE, grid
from ..registry import get

#: Default tolerance: |analytic - numeric| <= tol * (1 + |analytic|). The five-point
#: stencil itself is good to about 1e-10 here, so 1e-6 leaves room yet catches a wrong formula.
DEFAULT_TOLERANCE = 1e-6
#: Relative errors are taken where |f'| (or |f''|) is at least this.
REL_FLOOR = 1e-6


def kink_margin(kink: float) -> float:
    """How far from a kink a point must be: beyond the stencil's reach, 2h = 1.5e-3·max(1, √|x|,
    1e-5·|x|) (:func:`actviz.numerics.stencil.reach`)."""
    return 1e-2 * max(1.0, abs(kink))


def default_specs() -> list[str]:
    """Every activation at its defaults, plus each framework preset that defines it
    differently (its own formula or other defaults), once per distinct definition, and each
    engine name that computes it its own way (gelu_fast@hf), once per distinct arithmetic."""
    from ..registry import engine_names, get, preset_groups, records

    out = []
    for rec in records():
        out.append(rec.name)
        canonical = get(rec.name)
        seen = set()
        for act, _ in preset_groups(rec.name):
            if act.params != canonical.params or (act.variant and act.variant.functions):
                out.append(act.spec)
                seen.add((id(act.variant.functions), tuple(sorted(act.params.items()))))
        for row in engine_names(rec.name):
            functions = row.variant.functions
            act = get(row.spec_head)
            key = (id(functions), tuple(sorted(act.params.items())))
            if functions is not None and key not in seen:
                seen.add(key)
                out.append(act.spec)
    return out


def derivative_check(
    act: BoundActivation | str,
    range: tuple[float, float] = DEFAULT_RANGE,
    points: int = DEFAULT_POINTS,
    tolerance: float = DEFAULT_TOLERANCE,
) -> dict[str, Any]:
    """Compare f' and f'' with :meth:`BoundActivation.numeric_derivative` on a grid.

    Points within :func:`kink_margin` of a kink are left out, and so are points where
    the finite difference itself overflows. Returns the largest
    absolute and relative errors of each order (relative where the analytic value is at
    least :data:`REL_FLOOR`), the x of the worst point (relative to
    the tolerance) and ``ok``: every point within ``tolerance·(1 + |f'|)``.
    """
    tolerance = check_tolerance(tolerance)
    act = get(act).elementwise
    x = grid(*range, points)
    keep = np.ones(x.shape, dtype=bool)
    for k in act.kinks:
        keep &= np.abs(x - k) > kink_margin(k)
    x = x[keep]
    pairs = {order: (np.asarray(act.derivative(x, order=order), dtype=np.float64),
                     np.asarray(act.numeric_derivative(x, order=order), dtype=np.float64))
             for order in (1, 2)}
    # where the stencil's own values overflow (exponential near 710) there is nothing to compare with
    usable = np.isfinite(pairs[1][1]) & np.isfinite(pairs[2][1])
    x = x[usable]
    out: dict[str, Any] = {"spec": act.spec, "points": int(len(x)), "tolerance": float(tolerance)}
    worst, worst_x = -1.0, None
    for order, key in ((1, "df"), (2, "d2f")):
        analytic, numeric = (v[usable] for v in pairs[order])
        with np.errstate(invalid="ignore", over="ignore"):
            diff = np.abs(analytic - numeric)
            # relative error only where the value is not (nearly) 0, which would make it meaningless
            big = np.abs(analytic) >= REL_FLOOR
            rel = np.where(big, diff / np.where(big, np.abs(analytic), 1.0), 0.0)
            ratio = diff / (tolerance * (1.0 + np.abs(analytic)))
        diff = np.where(np.isnan(diff), np.inf, diff)
        ratio = np.where(np.isnan(ratio), np.inf, ratio)
        out[f"{key}_abs"] = float(diff.max()) if len(x) else 0.0
        out[f"{key}_rel"] = float(np.nan_to_num(rel, nan=np.inf).max()) if len(x) else 0.0
        if len(x) and ratio.max() > worst:
            worst, worst_x = float(ratio.max()), float(x[np.argmax(ratio)])
    out["worst_x"] = worst_x
    out["ok"] = bool(worst <= 1.0)
    return out
