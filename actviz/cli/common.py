"""Options shared by the commands, and turning them into library calls."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from ..core.options import DEFAULT_POINTS, DEFAULT_RANGE, check_points, check_range
from ..core.spec import parse_spec
from ..errors import ParameterError, UsageError

if TYPE_CHECKING:
    from ..core.bound import BoundActivation


def complete_spec(incomplete: str) -> list[str]:
    """Shell completion of a spec: the registry's names and aliases and the engines' names
    (gelu_new), and once '@' is typed, the framework presets (gelu@jax) and engine names
    (gelu_new@hf)."""
    from ..registry import all_names, engine_names, records

    text = incomplete.strip().lower()
    if "@" in text:
        candidates = [f"{r.name}@{fw}" for r in records() for fw in r.frameworks]
        candidates += [row.spec_head for row in engine_names()]
    else:
        candidates = list(dict.fromkeys([*all_names(), *(row.key for row in engine_names())]))
    return [c for c in candidates if c.startswith(text)]


SpecsArg = Annotated[
    list[str],
    typer.Argument(
        metavar="SPEC...",
        help="Activations: a name (relu), with parameters (leaky_relu(alpha=0.1)) or a framework "
        "preset (gelu@jax). Quote specs with parentheses in the shell.",
        show_default=False,
        autocompletion=complete_spec,
    ),
]
SpecArg = Annotated[
    str,
    typer.Argument(metavar="SPEC", help="Activation: name, name(k=v, ...) or name@framework.", show_default=False,
                   autocompletion=complete_spec),
]
RangeOpt = Annotated[
    tuple[float, float],
    typer.Option("--range", "-r", metavar="MIN MAX", help="The x interval (negative numbers are fine: --range -5 5).",
                 show_default="{:g} {:g}".format(*DEFAULT_RANGE)),
]
PointsOpt = Annotated[
    int, typer.Option("--points", "-n", metavar="N", help="Grid size; odd so that x = 0 is on the grid.")
]
AlphaOpt = Annotated[
    float | None,
    typer.Option("--alpha", metavar="VALUE", help="Set alpha (negative slope, elu/celu scale) on every activation that has it.", show_default=False),
]
BetaOpt = Annotated[
    float | None,
    typer.Option("--beta", metavar="VALUE", help="Set beta (swish, softplus) on every activation that has it.", show_default=False),
]
BOpt = Annotated[
    float | None,
    typer.Option("--b", metavar="VALUE", help="Set b on every activation that has it: the value input a gated unit's "
                 "gate curve holds fixed (swiglu, glu, ...), squareplus's b.", show_default=False),
]
ParamOpt = Annotated[
    list[str] | None,
    typer.Option("--param", "-p", metavar="NAME=VALUE", help="Set a parameter on every activation that has it; repeatable.", show_default=False),
]
SweepOpt = Annotated[
    str | None,
    typer.Option("--sweep", metavar="NAME=V1,V2,...",
                 help="One curve or column per value of a parameter: alpha=0.5,1,2, or alpha=0.5:2:4 "
                      "for four values from 0.5 to 2.", show_default=False),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", metavar="FILE", help="Write here; the suffix picks the format; '-' is stdout.", show_default=False),
]
SaturationOpt = Annotated[
    float, typer.Option("--saturation", metavar="TAU", help="Gradient magnitude under which a point counts as saturated.")
]
OrderOpt = Annotated[
    Literal[1, 2], typer.Option("--order", metavar="N", help="Highest derivative to include, 1 or 2 (2 adds f'').")
]
NumericOpt = Annotated[
    bool, typer.Option("--numeric", help="Add the finite-difference f' beside the analytic one.")
]

DEFAULTS = {"range": DEFAULT_RANGE, "points": DEFAULT_POINTS, "saturation": 0.01}


def parse_param_options(alpha: float | None = None, beta: float | None = None, pairs: list[str] | None = None,
                        b: float | None = None) -> dict[str, object]:
    """``--alpha``, ``--beta``, ``--b`` and ``-p NAME=VALUE`` as one dict; a parameter set twice is an error."""
    params: dict[str, object] = {}
    given: dict[str, str] = {}

    def put(name: str, value: object, how: str) -> None:
        if name in params:
            raise UsageError(f"parameter {name!r} given twice ({given[name]} and {how})")
        params[name], given[name] = value, how

    if alpha is not None:
        put("alpha", alpha, f"--alpha {alpha:g}")
    if beta is not None:
        put("beta", beta, f"--beta {beta:g}")
    if b is not None:
        put("b", b, f"--b {b:g}")
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            raise UsageError(f"-p takes NAME=VALUE, not {pair!r}")
        put(name.lower().replace("-", "_"), value, f"-p {pair}")
    return params


def _inline_params(spec: str, act: BoundActivation) -> dict[str, object]:
    """The parameters a catalogue spec sets inline, by canonical name (none for expressions)."""
    try:
        parsed = parse_spec(spec)
    except UsageError:
        return {}
    out = {}
    for key, value in parsed.params.items():
        p = act.record.param(key)
        if p is not None:
            out[p.name] = value
    return out


def resolve_specs(specs: list[str], params: dict[str, object] | None = None) -> list[BoundActivation]:
    """Bind each spec; each option parameter goes to every activation that has it.

    A parameter that none of the named activations takes is a usage error, and so is an
    option that contradicts a value given inline (``'relu(alpha=0.5)' --alpha 0.2``).
    """
    if not specs:
        raise UsageError("name at least one activation (see 'actviz list')")
    from ..registry import get, no_such_parameter  # the records: not needed for --help

    acts = [get(s) for s in specs]
    params = params or {}
    for name in params:
        if not any(a.record.param(name) for a in acts):
            raise ParameterError(no_such_parameter(name, acts))
    out = []
    for spec, act in zip(specs, acts, strict=True):
        mine = {k: v for k, v in params.items() if act.record.param(k)}
        if not mine:
            out.append(act)
            continue
        canonical: dict[str, str] = {}
        for key in mine:
            name = act.record.param(key).name
            if name in canonical:
                raise UsageError(f"{act.name}: parameter {name!r} given twice (as {canonical[name]!r} and {key!r})")
            canonical[name] = key
        bound = get(act, **mine)
        for name, value in _inline_params(spec, act).items():
            if name in canonical and bound.params[name] != act.params[name]:
                raise UsageError(
                    f"{act.name}: {name} is {value} in the spec but {mine[canonical[name]]} as an option; give it once"
                )
        out.append(bound)
    return out


def apply_sweep(acts: list[BoundActivation], text: str | None, params: dict[str, object]) -> tuple[list[BoundActivation], str | None]:
    """``--sweep NAME=...``: each activation that has the parameter once per value, and the
    parameter's name (None without a sweep). A parameter both set and swept is an error."""
    if text is None:
        return acts, None
    from ..registry import no_such_parameter
    from ..sweep import parse_sweep, sweep

    name, values = parse_sweep(text)
    name = name.lower().replace("-", "_")
    if not any(a.record.param(name) for a in acts):
        raise ParameterError(no_such_parameter(name, acts))
    canonical = {a.record.param(name).name for a in acts if a.record.param(name)}
    for key in params:
        if any(a.record.param(key) and a.record.param(key).name in canonical for a in acts):
            raise UsageError(f"parameter {name!r} is both set and swept (--sweep {text}); give it once")
    return sweep(acts, name, values), name


def check_grid(range_: tuple[float, float], points: int) -> tuple[tuple[float, float], int]:
    return check_range(*range_), check_points(points)
