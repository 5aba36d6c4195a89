"""One activation described as plain data: what `actviz info` shows and ``info --format json`` writes."""

from __future__ import annotations

from typing import Any

from ..core.bound import BoundActivation


def describe(act: BoundActivation) -> dict[str, Any]:
    """Name, spec, family, parameters (value, default, range, meaning), formulas, output range,
    properties, kinks with the derivative taken there, notes, paper and framework versions."""
    r = act.record
    props = act.properties
    own = act.variant is not None and act.variant.functions is not None
    return {
        "name": r.name,
        "spec": act.spec,
        "label": act.label,
        "family": r.family,
        "aliases": list(r.aliases),
        "framework": act.framework,
        "params": {
            p.name: {
                "value": act.params[p.name],
                "default": p.default,
                "range": p.describe_range(),
                "doc": p.doc,
                "aliases": list(p.aliases),
            }
            for p in r.params
        },
        "formula": {"tex": act.formula_tex, "text": act.formula_text},
        "derivative": {"tex": act.derivative_tex, "text": act.derivative_text},
        "output_range": str(act.output_range),
        "properties": None if props is None else props.__dict__.copy(),
        "kinks": [{"x": k, "derivative": d} for k, d in act.kink_derivatives().items()],
        # a preset with a definition of its own: the record's notes describe another function
        "kink_convention": act.variant.note if own else r.kink_convention,
        "numerics": "" if own else r.numerics,
        "reference": r.reference,
        "vector": act.is_vector,
        "gated": _gated(act),
        "frameworks": {
            fw: {
                "name": v.name,
                "defaults": dict(v.defaults),
                "note": v.note,
            }
            for fw, v in r.frameworks.items()
        },
    }


def _gated(act: BoundActivation) -> dict[str, Any] | None:
    """A gated unit's two-input face: inputs, partials, kinks of a and b, how one array is
    split, the gate curve shown, and how each implementation feeds it."""
    from ..core.gated import gate_kinks, layout_text, value_at, value_kinks

    gated = act.record.gated
    if gated is None:
        return None
    return {
        "inputs": "a is the gate input, through the nonlinearity; b is the value input",
        "partials": dict(zip(("a", "b", "aa", "ab", "bb"), gated.partials_text, strict=True)),
        "gate_kinks": list(gate_kinks(gated, act.params)),
        "value_kinks": list(value_kinks(gated, act.params)),
        "kink_convention": gated.kink_convention,
        "split": gated.split,
        "gate": gated.gate_half,
        "one_array": layout_text(gated.split, gated.gate_half),
        "gate_curve": {"b": act.params["b"], "value_factor": value_at(gated, act.params)},
        "layouts": [
            {"name": lay.name, "split": lay.split, "gate": lay.gate, "code": lay.code,
             "halves": layout_text(lay.split, lay.gate)}
            for lay in gated.layouts
        ],
        "used_in": gated.used_in,
    }
