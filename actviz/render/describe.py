"""One activation described as plain data: what `actviz info` shows and ``info --format json`` writes."""

from __future__ import annotations

from typing import Any

from ..core.bound import BoundActivation


def _catalogue_entry(act: BoundActivation) -> BoundActivation:
    """The catalogue's own entry at act's parameters: what a preset is "the same" function as."""
    from ..registry import get

    return get(act.record.name, **act.params)


def engine_name_rows(act: BoundActivation) -> list[dict[str, Any]]:
    """What each engine calls act's record, what it means, and, where that is not the catalogue's
    entry at the same parameters (its own arithmetic, another definition), how far apart the two
    are over the entry's plot range: max |Δf| and max ULP, computed."""
    from ..analysis.difference import difference
    from ..registry import engine_names, engine_title, get
    from .gallery import suggested_range

    rows = []
    # by the record's name, not looked up: the record need not be registered (a plugin's draft)
    for row in (r for r in engine_names() if r.target == act.record.name):
        preset = get(row.spec_head)
        entry = _catalogue_entry(preset)
        differs = row.variant.functions is not None
        gap = None
        if differs:
            d = difference(preset, entry, suggested_range(entry))
            gap = {k: d[k] for k in ("range", "max_abs_f", "x_abs_f", "max_ulp_f", "x_ulp_f")}
        rows.append({
            "spec": row.spec_head,
            "engine": row.engine,
            "engine_title": engine_title(row.engine),
            "name": row.name,
            "means": entry.label,
            "source": row.variant.name,
            "note": row.variant.note,
            "own_definition": differs,
            "difference": gap,
        })
    return rows


def describe(act: BoundActivation) -> dict[str, Any]:
    """Name, spec, family, parameters (value, default, range, meaning), formulas, output range,
    properties, kinks with the derivative taken there, the intervals where f is 0, notes, paper,
    framework versions and every engine's name for it."""
    r = act.record
    props = act.properties
    own = act.variant is not None and act.variant.functions is not None
    engine = None
    if act.engine is not None:
        from ..registry import engine_title

        engine = {"engine": act.engine.engine, "title": engine_title(act.engine.engine),
                  "name": act.engine.name, "means": _catalogue_entry(act).label,
                  "source": act.variant.name, "note": act.variant.note}
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
        "gated": _gated(act),
        "frameworks": {
            fw: {
                "name": v.name,
                "defaults": dict(v.defaults),
                "note": v.note,
            }
            for fw, v in r.frameworks.items()
        },
        # an engine's name (gelu_new@hf): which engine, what it means, where it is defined
        "engine": engine,
        "engine_names": engine_name_rows(act),
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


def describe_config(found, act: BoundActivation) -> dict[str, Any]:
    """Where a model config names its activation and what that resolved to (``info --config``)."""
    return {"source": found.source, "key": found.key, "value": found.value, "name": found.name,
            "gated": found.gated, "spec": act.spec,
            "others": [{"key": k, "value": v} for k, v in found.others]}
