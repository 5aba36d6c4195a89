"""One activation described as plain data: what `actviz info` shows and ``info --format json`` writes."""

from __future__ import annotations

from typing import Any

from ..core.bound import BoundActivation


def describe(act: BoundActivation) -> dict[str, Any]:
    """Name, spec, family, parameters (value, default, range, meaning), formulas, output range,
    properties, kinks with the derivative taken there, the intervals where f is 0, notes, paper
    and framework versions."""
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
        # [a, b] with ±inf as null (JSON has no infinity): relu's [[null, 0.0]]
        "zeros": None if act.zeros is None else [[a, b] for a, b in act.zeros],
        # a preset with a definition of its own: the record's notes describe another function
        "kink_convention": act.variant.note if own else r.kink_convention,
        "numerics": "" if own else r.numerics,
        "reference": r.reference,
        "vector": act.is_vector,
        "frameworks": {
            fw: {
                "name": v.name,
                "defaults": dict(v.defaults),
                "note": v.note,
            }
            for fw, v in r.frameworks.items()
        },
    }
