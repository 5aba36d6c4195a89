"""Options shared by the commands, and turning them into library calls."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from ..errors import ParameterError, UsageError
from ..registry import BoundActivation, get
from ..sampling import DEFAULT_POINTS, DEFAULT_RANGE, check_points, check_range

SpecsArg = Annotated[
    list[str],
    typer.Argument(
        help="Activations: a name (relu), with parameters (leaky_relu(alpha=0.1)) or a framework "
        "preset (gelu@jax). Quote specs with parentheses in the shell.",
        show_default=False,
    ),
]
SpecArg = Annotated[
    str,
    typer.Argument(help="Activation: name, name(k=v, ...) or name@framework.", show_default=False),
]
RangeOpt = Annotated[
    tuple[float, float],
    typer.Option("--range", "-r", metavar="MIN MAX", help="The x interval (negative numbers are fine: --range -5 5)."),
]
PointsOpt = Annotated[
    int, typer.Option("--points", "-n", help="Grid size; odd so that x = 0 is on the grid.")
]
AlphaOpt = Annotated[
    float | None,
    typer.Option("--alpha", help="Set alpha (negative slope, elu/celu scale) on every activation that has it.", show_default=False),
]
BetaOpt = Annotated[
    float | None,
    typer.Option("--beta", help="Set beta (swish, softplus) on every activation that has it.", show_default=False),
]
ParamOpt = Annotated[
    list[str] | None,
    typer.Option("--param", "-p", metavar="NAME=VALUE", help="Set a parameter on every activation that has it; repeatable.", show_default=False),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write here; the suffix picks the format; '-' is stdout.", show_default=False),
]
SaturationOpt = Annotated[
    float, typer.Option("--saturation", help="Gradient magnitude under which a point counts as saturated.")
]
OrderOpt = Annotated[
    Literal[1, 2], typer.Option("--order", help="Highest derivative to include: 2 adds f''.")
]
NumericOpt = Annotated[
    bool, typer.Option("--numeric", help="Add the finite-difference f' beside the analytic one.")
]

DEFAULTS = {"range": DEFAULT_RANGE, "points": DEFAULT_POINTS, "saturation": 0.01}


def parse_param_options(alpha: float | None = None, beta: float | None = None, pairs: list[str] | None = None) -> dict[str, object]:
    """``--alpha``, ``--beta`` and ``-p NAME=VALUE`` as one dict (a later one wins)."""
    params: dict[str, object] = {}
    if alpha is not None:
        params["alpha"] = alpha
    if beta is not None:
        params["beta"] = beta
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            raise UsageError(f"-p takes NAME=VALUE, not {pair!r}")
        params[name.lower().replace("-", "_")] = value
    return params


def resolve_specs(specs: list[str], params: dict[str, object] | None = None) -> list[BoundActivation]:
    """Bind each spec; each option parameter goes to every activation that has it.

    A parameter that none of the named activations takes is a usage error.
    """
    if not specs:
        raise UsageError("name at least one activation (see 'actviz list')")
    acts = [get(s) for s in specs]
    params = params or {}
    for name in params:
        if not any(a.record.param(name) for a in acts):
            listed = ", ".join(a.name for a in acts)
            raise ParameterError(f"no activation named takes parameter {name!r} ({listed})")
    out = []
    for act in acts:
        mine = {k: v for k, v in params.items() if act.record.param(k)}
        out.append(get(act, **mine) if mine else act)
    return out


def check_grid(range_: tuple[float, float], points: int) -> tuple[tuple[float, float], int]:
    return check_range(*range_), check_points(points)


def check_saturation(tau: float) -> float:
    import math

    if not math.isfinite(tau) or tau < 0:
        raise UsageError(f"--saturation must be a finite number >= 0, not {tau:g}")
    return tau
