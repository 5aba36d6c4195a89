"""CSV, JSON and Markdown for sampled grids, statistics, analysis results and the catalogue.

CSV and JSON are for machines: every float is written with ``repr``, the shortest text
that reads back to the same float64, so a file round-trips without loss. Markdown is for
documents: ten significant digits. Every file is written through
:func:`actviz.render.io.atomic_write` (a temporary file beside the target, then a rename), so a
failed run never leaves a partial file or destroys the one that was there.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from ..core.spec import shortest
from .io import atomic_write

# csv and json are imported where used: `actviz list` and `--help` never need them.

#: The columns of a sampled grid, in order; d2f and df_numeric only where asked for.
SAMPLE_COLUMNS = ("activation", "x", "f", "df", "d2f", "df_numeric")


# -- numbers ---------------------------------------------------------------------------------


def exact(value: Any) -> str:
    """A float as the shortest text that reads back to the same float64 ('' for None)."""
    return "" if value is None else shortest(value)


#: Round-off of zero, as a share of the quantity's scale. A Gaussian mean E[g] from the
#: quadrature carries a few 1e-17 of √E[g²] (no |E[g]| exceeds it, and each term is rounded
#: to about 1e-16 of its size): over the catalogue, for σ from 1e-3 to 100, at most 5.6e-17
#: (selu's E[f(z)] = -5.55e-17 with E[f(z)²] = 1). The rule is relative, so genuinely small
#: values stay: a mean of 1e-20 with √E[g²] = 1e-20 is shown as 1e-20.
ROUND_OFF = 1e-15


def readable(value: Any, digits: int = 10, scale: float | None = None) -> str:
    """A number for people: ``digits`` significant digits; '—' for None.

    ``scale`` is the size of the quantity the value measures (the root mean square of g for a
    mean E[g], 1 for a correlation): a value within :data:`ROUND_OFF` of it is round-off of
    zero and reads 0. Without a scale (or with an infinite or NaN one) a value is shown as it is.
    """
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    value = float(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if scale is not None and math.isfinite(scale) and abs(value) <= ROUND_OFF * abs(scale):
        value = 0.0
    return f"{value + 0.0:.{digits}g}"


def json_safe(value: Any) -> Any:
    """JSON has no inf or NaN: they become null."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def to_json(value: Any, *, default: Any = None) -> str:
    """``value`` as indented JSON text ending in a newline: inf and NaN as null, text unescaped,
    ``default`` for values JSON has no type for (``str`` to write them as text)."""
    import json

    return json.dumps(json_safe(value), indent=2, ensure_ascii=False, allow_nan=False, default=default) + "\n"


def _markdown_lines(header: Sequence[str], rows: Iterable[Sequence[str]], align: Sequence[str] = ()) -> Iterator[str]:
    def cell(text: str) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    align = list(align) or ["l"] * len(header)
    rule = {"l": "---", "r": "---:", "c": ":---:"}
    yield "| " + " | ".join(cell(h) for h in header) + " |\n"
    yield "| " + " | ".join(rule[a] for a in align) + " |\n"
    for row in rows:
        yield "| " + " | ".join(cell(c) for c in row) + " |\n"


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[str]], align: Sequence[str] = ()) -> str:
    """A Markdown table; ``align`` gives each column's l, r or c (all l by default)."""
    return "".join(_markdown_lines(header, rows, align))


def grid_markdown(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A grid of text cells as Markdown: labels on the left, values right-aligned."""
    return markdown_table(header, rows, ["l"] + ["r"] * (len(header) - 1))


def write(path: str | os.PathLike, text: str | Iterable[str]) -> None:
    """``text`` (a string, or pieces of one) to ``path`` atomically ('-' is standard output)."""
    chunks = [text] if isinstance(text, str) else text
    atomic_write(path, lambda fh: fh.writelines(chunks))


# -- sampled grids -------------------------------------------------------------------------
# The writers yield the file in pieces, so a large grid is never one string in memory.

#: Rows formatted at a time.
_BLOCK = 4096


def identity(act) -> dict[str, Any]:
    """How files name an activation: ``activation``, the short label (the spec without the
    parameters left at their defaults, which ``actviz.get`` reads back to the same activation),
    then the full ``spec`` and every parameter."""
    return {"activation": act.label, "spec": act.spec, "params": dict(act.params)}


def labelled(record: dict[str, Any], params: bool = True) -> dict[str, Any]:
    """A result record (with the full ``spec``) led by :func:`identity`; without ``params``
    for CSV, where the spec carries them in one column."""
    from ..registry import get

    try:
        head = identity(get(record["spec"]))
    except Exception:  # a spec from elsewhere (an expression, a plugin gone): named as it is
        head = {"activation": record["spec"], "spec": record["spec"], "params": {}}
    if not params:
        del head["params"]
    return {**head, **{k: v for k, v in record.items() if k not in head}}


def sample_columns(samples: Sequence) -> list[str]:
    """The columns the samples carry: activation, x, f, df, then d2f and df_numeric if present."""
    cols = ["activation", "x", "f", "df"]
    if samples and samples[0].d2f is not None:
        cols.append("d2f")
    if samples and samples[0].df_numeric is not None:
        cols.append("df_numeric")
    return cols


def sample_records(samples: Sequence) -> Iterator[dict[str, Any]]:
    """One dict per (activation, x), floats as Python floats, in the order of the columns."""
    cols = sample_columns(samples)[1:]
    for s in samples:
        for start in range(0, len(s.x), _BLOCK):
            arrays = [getattr(s, c)[start:start + _BLOCK].tolist() for c in cols]
            for values in zip(*arrays, strict=True):
                yield {"activation": s.activation.label, **dict(zip(cols, values, strict=True))}


def _blocks(records: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    block: list[dict[str, Any]] = []
    for rec in records:
        block.append(rec)
        if len(block) == _BLOCK:
            yield block
            block = []
    if block:
        yield block


def iter_samples_csv(samples: Sequence) -> Iterator[str]:
    """Tidy CSV in pieces: a header row, then one row per activation and x, floats exact."""
    import csv

    cols = sample_columns(samples)
    yield ",".join(cols) + "\n"
    for s in samples:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="").writerow([s.activation.label])  # quoted: a label may hold commas
        head = buf.getvalue() + ","
        arrays = [getattr(s, c) for c in cols[1:]]
        for start in range(0, len(s.x), _BLOCK):
            block = zip(*(a[start:start + _BLOCK].tolist() for a in arrays), strict=True)
            # repr: the shortest text that reads back to the same float64
            yield "".join(head + ",".join(map(repr, values)) + "\n" for values in block)


def samples_csv(samples: Sequence) -> str:
    return "".join(iter_samples_csv(samples))


def _metadata(samples: Sequence) -> dict[str, Any]:
    import numpy as np

    from ..version import __version__

    x = samples[0].x if samples else np.array([])
    head = {
        "range": [float(x[0]), float(x[-1])] if len(x) else None,
        "points": int(len(x)),
        "activations": [identity(s.activation) for s in samples],
        "versions": {"actviz": __version__, "numpy": np.__version__},
    }
    gated = {s.activation.label: s.activation.params["b"] for s in samples if s.activation.is_gated}
    if gated:  # what the columns of a gated unit's rows are: its gate curve at that b
        head["gate_curves"] = {"b": gated, "x": "the gate input a", "df": "∂f/∂a", "d2f": "∂²f/∂a²"}
    return head


def iter_samples_json(samples: Sequence) -> Iterator[str]:
    """The same records as the CSV plus the metadata (range, points, versions); one record a line."""
    import json

    head = _metadata(samples)
    head["columns"] = sample_columns(samples)
    yield json.dumps(head, indent=2, ensure_ascii=False)[:-2] + ',\n  "records": ['  # reopen the object
    sep = "\n    "
    for block in _blocks(sample_records(samples)):
        yield sep + ",\n    ".join(json.dumps(json_safe(r), ensure_ascii=False, allow_nan=False) for r in block)
        sep = ",\n    "
    yield "\n  ]\n}\n"


def samples_json(samples: Sequence) -> str:
    return "".join(iter_samples_json(samples))


def iter_samples_markdown(samples: Sequence) -> Iterator[str]:
    cols = sample_columns(samples)
    rows = ([r["activation"], *(readable(r[c]) for c in cols[1:])] for r in sample_records(samples))
    return _markdown_lines(cols, rows, ["l"] + ["r"] * (len(cols) - 1))


def samples_markdown(samples: Sequence) -> str:
    return "".join(iter_samples_markdown(samples))


#: Format -> function yielding the file's text in pieces.
SAMPLE_WRITERS = {"csv": iter_samples_csv, "json": iter_samples_json, "md": iter_samples_markdown}


def write_samples(path: str | os.PathLike, samples: Sequence, fmt: str) -> None:
    """Write ``samples`` (actviz.sampling.Sample) as ``fmt`` (csv, json, md) to ``path`` atomically."""
    write(path, SAMPLE_WRITERS[fmt](samples))


def read_samples_csv(text: str) -> list[dict[str, Any]]:
    """Read a tidy CSV back: activation as text, every other column as float."""
    import csv

    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    return [{h: (v if h == "activation" else float(v)) for h, v in zip(header, row, strict=True)} for row in body]


# -- statistics ----------------------------------------------------------------------------

def _onset(r: dict) -> str:
    left, right = r["onset"]
    if left is None and right is None:
        return "none"
    return f"{readable(left, 6)} / {readable(right, 6)}"


def _stationary(r: dict, most: int = 3) -> str:
    points = [f"{readable(p['x'], 6)} ({readable(p['f'], 6)})" for p in r["stationary"]]
    if not points:
        return "none"
    more = f" (+{len(points) - most} more)" if len(points) > most else ""
    return ", ".join(points[:most]) + more


def _mean(r: dict, key: str, second: str) -> str:
    # a mean E[g] against √E[g²]: selu's E[f(z)] = -5.55e-17 reads 0, 1e-20·x's E[f'(z)] = 1e-20 stays
    g = r["gaussian"]
    return readable(g[key], 6, scale=_root(g[second]))


def _var(r: dict) -> str:
    # a variance is the square of a spread: round-off when the spread is, √Var ≤ ROUND_OFF·√E[f²]
    g = r["gaussian"]
    second = g["second_moment"]
    return readable(g["var"], 6, scale=None if second is None else ROUND_OFF * second)


def _root(v: float | None) -> float | None:
    return None if v is None or not v >= 0 else math.sqrt(v)


def _share(v: float) -> str:
    return f"{100 * v:.4g}%"


#: (label, how to get the cell from one stats dict) for the tables of `stats` and `compare`.
#: The scale against which a row's round-off reads 0 (see :func:`readable`): a mean E[g] is
#: measured against √E[g²]; a variance, the square of a spread, against ROUND_OFF·E[f²];
#: E[g²] integrates a square with nothing to cancel and values of f or f' at a point carry
#: no residue of a zero, so those rows have no scale and show what was computed.
STATS_ROWS = (
    ("dead share (f' = 0)", lambda r: _share(r["dead_share"])),
    ("saturated share (0 < |f'| < τ)", lambda r: _share(r["saturated_share"])),
    ("onset left / right (|f'| = τ)", _onset),
    ("stationary points x (f)", _stationary),
    ("output min", lambda r: readable(r["output_min"], 6)),
    ("output max", lambda r: readable(r["output_max"], 6)),
    ("f(0)", lambda r: readable(r["f0"], 6)),
    ("f'(0)", lambda r: readable(r["df0"], 6)),
    ("max |f'|", lambda r: readable(r["max_abs_df"], 6)),
    ("x of max |f'|", lambda r: readable(r["argmax_abs_df"], 6)),
    ("E[f(z)]", lambda r: _mean(r, "mean", "second_moment")),
    ("Var[f(z)]", _var),
    ("E[f(z)²]", lambda r: readable(r["gaussian"]["second_moment"], 6)),
    ("E[f'(z)]", lambda r: _mean(r, "mean_df", "second_moment_df")),
    ("E[f'(z)²]", lambda r: readable(r["gaussian"]["second_moment_df"], 6)),
    ("sparsity P(f(z) = 0)", lambda r: "—" if r["sparsity"] is None else _share(r["sparsity"])),
    ("gain 1/√E[f(z)²], z ~ N(0, 1)", lambda r: readable(r["gain"], 6)),
    ("torch calculate_gain", lambda r: readable(r["torch_gain"], 6)),
)


def _gated_mean(r: dict, key: str, second: str) -> str:
    return _mean(r, key, second) if key in r["gaussian"] else "—"


#: The rows a gated unit f(a, b) adds, after E[f'(z)²]: its moments are for z = (a, b), a and b
#: independent, f' being ∂f/∂a; the value input b has its own partial. "—" for the others.
GATED_STATS_ROWS = (
    ("E[∂f/∂b] (gated)", lambda r: _gated_mean(r, "mean_dfdb", "second_moment_dfdb")),
    ("E[(∂f/∂b)²] (gated)", lambda r: readable(r["gaussian"].get("second_moment_dfdb"), 6)),
)


def _is_gated(r: dict) -> bool:
    return "mean_dfdb" in r["gaussian"]


def stats_rows(results: Sequence[dict]) -> tuple:
    """The rows of a stats table: :data:`STATS_ROWS`, with :data:`GATED_STATS_ROWS` after
    E[f'(z)²] when a gated unit is among the results."""
    if not any(_is_gated(r) for r in results):
        return STATS_ROWS
    at = next(i for i, (label, _) in enumerate(STATS_ROWS) if label == "E[f'(z)²]") + 1
    return STATS_ROWS[:at] + GATED_STATS_ROWS + STATS_ROWS[at:]


def stats_setting(r: dict) -> dict[str, str]:
    """The settings a stats dict was computed with, as text."""
    g = r["gaussian"]
    return {
        "x in": f"[{readable(r['range'][0], 6)}, {readable(r['range'][1], 6)}] ({r['points']} points)",
        "τ =": readable(r["saturation_threshold"], 6),
        "z ~": f"N({readable(g['mu'], 6)}, {readable(g['sigma'], 6)}²)",
    }


def gated_note(results: Sequence[dict]) -> str:
    """What the statistics of the gated units among ``results`` are, or ''."""
    names = [short_label(r["spec"]) for r in results if _is_gated(r)]
    if not names:
        return ""
    return (f"gated ({', '.join(names)}): z = (a, b), a and b independent, f' = ∂f/∂a; saturation and "
            "shape along the gate curve")


def stats_grid(results: Sequence[dict]) -> tuple[str, list[str], list[list[str]]]:
    """(title, header, rows): statistics down, activations across, as text cells.

    Settings shared by every result go in the title; settings that differ get rows.
    """
    settings = [stats_setting(r) for r in results]
    shared = {k: v for k, v in settings[0].items() if all(s[k] == v for s in settings)} if results else {}
    title = ", ".join(f"{k} {v}" for k, v in shared.items())
    rows = [[k, *(s[k] for s in settings)] for k in (settings[0] if results else {}) if k not in shared]
    rows += [[label, *(get(r) for r in results)] for label, get in stats_rows(results)]
    return title, ["statistic", *(short_label(r["spec"]) for r in results)], rows


def short_label(spec: str) -> str:
    """The short label of a spec (parameters at their defaults left out), for table headers."""
    from ..registry import get

    try:
        return get(spec).label
    except Exception:  # a spec from elsewhere (an expression, a plugin gone): show it as it is
        return spec


def results_json(results: Sequence[dict]) -> str:
    """Result records (stats, check, signal, accuracy), each led by its activation's identity."""
    return to_json([labelled(r) for r in results])



def _flatten(r: dict) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in r.items():
        if key == "range":
            out["range_min"], out["range_max"] = value
        elif key == "onset":
            out["onset_left"], out["onset_right"] = value
        elif key == "stationary":  # ';'-separated, so one row stays one activation
            out["stationary_x"] = ";".join(exact(p["x"]) for p in value)
            out["stationary_f"] = ";".join(exact(p["f"]) for p in value)
        elif key == "gaussian":
            out.update({f"gaussian_{k}": v for k, v in value.items()})
        else:
            out[key] = value
    return out


def stats_csv(results: Sequence[dict]) -> str:
    """One row per activation; nested keys flattened (range_min, onset_left, gaussian_mean, …)."""
    import csv

    flat = [_flatten(labelled(r, params=False)) for r in results]
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    # every key in first-seen order: a gated unit's ∂f/∂b moments are empty in the other rows
    widest = max(flat, key=len) if flat else {}
    cols = list(dict.fromkeys([*widest, *(k for row in flat for k in row)]))
    out.writerow(cols)
    for row in flat:
        values = [row.get(k) for k in cols]
        out.writerow([v if isinstance(v, (str, int)) and not isinstance(v, bool) else exact(v) for v in values])
    return buf.getvalue()


def stats_markdown(results: Sequence[dict]) -> str:
    title, header, rows = stats_grid(results)
    note = gated_note(results)
    return (f"{title}\n\n" if title else "") + grid_markdown(header, rows) + (f"\n{note}\n" if note else "")


STATS_WRITERS = {"csv": stats_csv, "json": results_json, "md": stats_markdown}


def write_stats(path: str | os.PathLike, results: Sequence[dict], fmt: str) -> None:
    """Write :func:`actviz.analysis.stats.stats` results as ``fmt`` (csv, json, md) atomically."""
    write(path, STATS_WRITERS[fmt](results))


# -- signal propagation and the accuracy audit -------------------------------------------------


def _flat(record: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flat(value, name + "_"))
        elif isinstance(value, (list, tuple)):
            out[name] = " ".join(repr(v) for v in value)
        else:
            out[name] = "" if value is None else (shortest(value) if isinstance(value, float) else value)
    return out


def results_csv(results: Sequence[dict]) -> str:
    """One row per result record, nested keys joined by '_' (forward_max_ulp), lists
    space-separated, floats exact; the columns are every key any record has."""
    import csv

    rows = [_flat(labelled(r, params=False)) for r in results]
    columns = list(dict.fromkeys(k for row in rows for k in row))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def results_text(fmt: str, results: Sequence[dict], header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Result records as ``fmt``: json and csv from the records themselves, md from their grid
    of text cells (``header`` and ``rows``, what the terminal table shows)."""
    if fmt == "json":
        return results_json(results)
    if fmt == "csv":
        return results_csv(results)
    return grid_markdown(header, rows)


#: (key, label) of the rows of a signal-propagation table.
SIGNAL_ROWS = (
    ("q_star", "q* (fixed point of the length map)"),
    ("chi", "χ = σ_w² E[f'(√q* z)²]"),
    ("phase", "phase"),
    ("edge_of_chaos_sigma_w", "edge of chaos σ_w (χ = 1) at this σ_b"),
    ("c_star", "c* (fixed point of the correlation map)"),
    ("chi_c", "χ_c = C'(c*)"),
    ("depth_scale_q", "depth scale ξ_q = -1/ln Q'(q*)"),
    ("depth_scale_c", "depth scale ξ_c = -1/ln χ_c"),
    ("activation_mean", "E[f(h)], h ~ N(0, q*)"),
    ("activation_variance", "Var[f(h)], h ~ N(0, q*)"),
)


def _signal_scale(record: dict, key: str) -> float | None:
    """The scale against which a cell's round-off reads 0 (see :func:`readable`): E[f(h)] against
    √E[f(h)²], Var[f(h)] (the square of a spread) against ROUND_OFF·E[f(h)²], c* (a correlation,
    found to 1e-15) against 1; the other rows are no residue of a zero and have none."""
    if key == "c_star":
        return 1.0
    mean, var = record["activation_mean"], record["activation_variance"]
    if key not in ("activation_mean", "activation_variance") or mean is None or var is None:
        return None
    second = var + mean * mean
    return math.sqrt(second) if key == "activation_mean" else ROUND_OFF * second


def signal_cell(record: dict, key: str) -> str:
    """One cell of a signal-propagation table: the value of ``key``, or what its absence means."""
    value = record[key]
    if value is None:
        if key == "q_star":
            return "∞ (grows without bound)"
        if key.startswith("depth_scale") or key == "chi_c":
            return "∞" if key.startswith("depth") else "—"
        return "—" if key != "edge_of_chaos_sigma_w" else "none found"
    return value if isinstance(value, str) else readable(value, 10, scale=_signal_scale(record, key))


def signal_grid(results: Sequence[dict], labels: Sequence[str]) -> tuple[list[str], list[list[str]]]:
    """(header, rows): the quantities of :data:`SIGNAL_ROWS` down, activations across, as text."""
    header = ["quantity", *labels]
    rows = [[label, *(signal_cell(r, key) for r in results)] for key, label in SIGNAL_ROWS]
    return header, rows


def _at(stats: dict) -> str:
    if stats["at"] is None:
        return "—"
    return f"{readable(stats['max_ulp'], 4)} at x = {readable(stats['at'], 8)}"


def accuracy_grid(results: Sequence[dict], labels: Sequence[str]) -> tuple[list[str], list[list[str]]]:
    """(header, rows): one row of text cells per audit (activation and dtype)."""
    header = ["activation", "dtype", "points", "f max ULP", "f mean", "f' max ULP", "f' mean",
              "textbook f", "textbook f'", "textbook overflow / NaN", "within tolerance"]
    rows = []
    for r, label in zip(results, labels, strict=True):
        naive = r["naive"]
        if naive is None:
            tf = tfd = nf = "no textbook formula"
        else:
            tf, tfd = _at(naive["forward"]), _at(naive["derivative"])
            over = naive["forward"]["overflow"] + naive["derivative"]["overflow"]
            nans = naive["forward"]["nan"] + naive["derivative"]["nan"]
            nf = f"{over:,} / {nans:,}"
        tol = r["tolerance"]
        verdict = ("yes" if r["passed"] else "NO") + f" (≤ {tol['forward']:g} / {tol['derivative']:g})"
        rows.append([
            label, r["dtype"], f"{r['points']:,}" + (" (all)" if r["exhaustive"] else ""),
            _at(r["forward"]), readable(r["forward"]["mean_ulp"], 3),
            _at(r["derivative"]), readable(r["derivative"]["mean_ulp"], 3),
            tf, tfd, nf, verdict,
        ])
    return header, rows


def ulp_text(value: float, digits: int = 4) -> str:
    """An error in ULPs to ``digits`` digits, except where that would hide its side of ½ (an
    error a hair above ½ is not correctly rounded): then every digit."""
    text = readable(value, digits)
    if value > 0.5 and float(text) <= 0.5:
        return repr(float(value))
    return text


def _ulp_at(stats: dict | None) -> str:
    if stats is None or stats["at"] is None:
        return "—"
    return f"{ulp_text(stats['max_ulp'])} at x = {readable(stats['at'], 8)}"


def _pair(r: dict, key: str, shown=lambda v: f"{v:,}") -> str:
    """A count of f and of f' ("f; f'"), or the f count alone where f' was not audited."""
    f, d = r["forward"], r["derivative"]
    return shown(f[key]) + ("" if d is None else f"; {shown(d[key])}")


def _exceeds(part: dict | None) -> str:
    if part is None:
        return "—"
    e = part["exceeds"]
    return f"{e['0.5']:,} / {e['1']:,} / {e['4']:,}"


def _specials_cell(specials: dict) -> str:
    """How many of f(±inf, NaN) (and of f') agree with the reference, and which do not."""
    parts = []
    for key, name in (("f", "f"), ("df", "f'")):
        rows = [(x, v.get(key)) for x, v in specials.items()]
        rows = [(x, v) for x, v in rows if v is not None]
        if not rows:
            continue
        bad = [f"{name}({x}) = {readable(v['got'], 4)}" for x, v in rows if not v["agree"]]
        parts.append(f"{name} {len(rows) - len(bad)}/{len(rows)}" + (f" ({', '.join(bad)})" if bad else ""))
    return "; ".join(parts) or "—"


def implementation_grid(results: Sequence[dict]) -> tuple[list[str], list[list[str]]]:
    """(header, rows): one row of text cells per implementation audit (activation, dtype,
    implementation), from :meth:`ImplAuditResult.as_dict` records."""
    header = ["activation", "implementation", "call", "dtype", "points", "f max ULP", "f mean",
              "f > ½ / 1 / 4 ULP", "f' max ULP", "f' mean", "f' > ½ / 1 / 4 ULP",
              "wrong inf/NaN f; f'", "FTZ-explained f; f'", "±0 differs f; f'", "±inf, NaN in", "notes"]
    rows = []
    for r in results:
        impl = r["implementation"]
        who = impl["name"] + (f" {impl['version']}" if impl["version"] and impl["name"] != "actviz" else "")
        notes = list(r["notes"]) + (["read as flush-to-zero"] if r["ftz"] else [])
        points = f"{r['points']:,}" + (" (all)" if r["exhaustive"] else "")
        if r["error"] is not None:
            rows.append([short_label(r["spec"]), who, impl["call"], r["dtype"], points,
                         *(["—"] * 10), "; ".join([f"failed: {r['error']}", *notes])])
            continue
        f, d = r["forward"], r["derivative"]
        rows.append([
            short_label(r["spec"]), who, impl["call"], r["dtype"], points,
            _ulp_at(f), readable(f["mean_ulp"], 3), _exceeds(f),
            _ulp_at(d), readable(d["mean_ulp"], 3) if d else "—", _exceeds(d),
            _pair(r, "nonfinite"), _pair(r, "ftz_explained"), _pair(r, "signed_zero"),
            _specials_cell(r["specials"]), "; ".join(notes) or "—",
        ])
    return header, rows


# -- the catalogue ---------------------------------------------------------------------------


def _framework_cell(record) -> str:
    parts = []
    for fw, variant in record.frameworks.items():
        short = variant.name.rsplit(".", 1)[-1]
        text = fw
        if short != record.name:
            text += f" `{short}`"
        if variant.defaults:
            from ..core.spec import format_value

            text += " (" + ", ".join(f"{k}={format_value(v)}" for k, v in variant.defaults.items()) + ")"
        parts.append(text)
    return ", ".join(parts) or "—"


def catalogue_rows(records: Sequence | None = None) -> list[dict[str, str]]:
    """One row of text cells per activation: name, aliases, family, parameters, frameworks."""
    from ..core.spec import format_value
    from ..registry import records as all_records

    rows = []
    for rec in all_records() if records is None else records:
        rows.append({
            "name": rec.name,
            "aliases": ", ".join(rec.aliases),
            "family": rec.family,
            "parameters": ", ".join(f"{p.name}={format_value(p.default)}" for p in rec.params),
            "frameworks": _framework_cell(rec),
        })
    return rows


def catalogue_markdown(records: Sequence | None = None) -> str:
    """The catalogue as a Markdown table: what `actviz list --format md` prints and the README holds."""
    rows = catalogue_rows(records)
    header = ["name", "aliases", "family", "parameters", "frameworks"]
    return markdown_table(header, ([f"`{r['name']}`", *(r[h] or "—" for h in header[1:])] for r in rows))


def catalogue_json(records: Sequence | None = None) -> str:
    """The catalogue as JSON: every field `list` shows, with parameters and presets in full."""
    from ..registry import records as all_records

    out = []
    for rec in all_records() if records is None else records:
        out.append({
            "name": rec.name,
            "aliases": list(rec.aliases),
            "family": rec.family,
            "parameters": [
                {"name": p.name, "default": p.default, "range": p.describe_range(), "doc": p.doc,
                 "aliases": list(p.aliases)}
                for p in rec.params
            ],
            "frameworks": {fw: {"name": v.name, "defaults": dict(v.defaults), "note": v.note}
                           for fw, v in rec.frameworks.items()},
            "reference": rec.reference,
        })
    return to_json(out)


# -- the engines' names ----------------------------------------------------------------------


def engine_names_rows() -> list[dict[str, str]]:
    """One row of text cells per engine name: spec, engine, its name, what it means, whether it
    computes it its own way, where it is defined."""
    from ..registry import engine_names, engine_title, get

    rows = []
    for row in engine_names():
        act = get(row.spec_head)
        entry = get(row.target, **act.params)
        rows.append({
            "spec": row.spec_head,
            "engine": engine_title(row.engine),
            "name": row.name,
            "means": entry.label,
            "arithmetic": "its own" if row.variant.functions is not None else "the catalogue's",
            "source": row.variant.name,
        })
    return rows


def engine_names_markdown() -> str:
    """The engines' names as a Markdown table (`actviz list --names --format md`)."""
    rows = engine_names_rows()
    header = ["spec", "engine", "name", "means", "arithmetic", "source"]
    return markdown_table(header, ([f"`{r['spec']}`", *(r[h] for h in header[1:])] for r in rows))


def engine_names_json() -> str:
    """The engines' names as JSON, each with its note and parameters."""
    from ..registry import engine_names, get

    out = []
    for row, cells in zip(engine_names(), engine_names_rows(), strict=True):
        out.append({**cells, "engine": row.engine, "engine_title": cells["engine"],
                    "params": get(row.spec_head).params, "fixed": list(row.variant.fixed),
                    "note": row.variant.note})
    return to_json(out)
