"""The CSV / JSON / Markdown writers: exact round trips, the documented columns, atomic writes."""

import csv
import io
import json
import math
import os

import numpy as np
import pytest
from conftest import ALL_SPECS
from hypothesis import given, settings
from hypothesis import strategies as st

import actviz
from actviz.analysis.stats import stats
from actviz.render import export
from actviz.sampling import sample


@pytest.fixture(scope="module")
def samples():
    return [sample("sigmoid", (-40.0, 40.0), 161, order=2, numeric=True),
            sample("leaky_relu(alpha=0.1)", (-40.0, 40.0), 161, order=2, numeric=True)]


def test_csv_columns_and_rows(samples):
    rows = list(csv.reader(io.StringIO(export.samples_csv(samples))))
    assert rows[0] == ["activation", "x", "f", "df", "d2f", "df_numeric"]
    assert len(rows) == 1 + 2 * 161
    assert {r[0] for r in rows[1:]} == {"sigmoid", "leaky_relu(alpha=0.1)"}


def test_csv_without_extras_has_four_columns():
    text = export.samples_csv([sample("tanh", points=3)])
    assert text.splitlines()[0] == "activation,x,f,df"


def test_csv_reads_back_bit_for_bit(samples):
    back = export.read_samples_csv(export.samples_csv(samples))
    for s in samples:
        mine = [r for r in back if r["activation"] == s.activation.label]
        for col in ("x", "f", "df", "d2f", "df_numeric"):
            assert np.array([r[col] for r in mine]).tobytes() == getattr(s, col).tobytes(), col


def test_label_with_commas_is_quoted():
    s = sample("hard_tanh(min_val=-2, max_val=2)", points=3)
    assert "," in s.activation.label
    back = export.read_samples_csv(export.samples_csv([s]))
    assert back[0]["activation"] == "hard_tanh(min_val=-2, max_val=2)"


def test_files_name_an_activation_by_its_label():
    # relu at its defaults is "relu", not "relu(alpha=0, max_value=none, threshold=0)"
    rows = list(csv.reader(io.StringIO(export.samples_csv([sample(s, points=3) for s in ("relu", "selu",
                                                                                       "relu(alpha=0.1)")]))))
    assert [r[0] for r in rows[1::3]] == ["relu", "selu", "relu(alpha=0.1)"]


@pytest.mark.parametrize("spec", ALL_SPECS)
def test_the_label_in_a_file_reads_back_to_the_same_activation(spec):
    act = actviz.get(spec)
    back = export.read_samples_csv(export.samples_csv([sample(act, points=3)]))
    assert actviz.get(back[0]["activation"]) == act
    assert actviz.get(back[0]["activation"]).params == act.params
    assert actviz.get(act.label).framework == act.framework


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_exact_text_reads_back_to_the_same_float(value):
    assert float(export.exact(value)) == value
    assert math.copysign(1.0, float(export.exact(value))) == math.copysign(1.0, value)


def test_exact_and_readable_special_values():
    assert export.exact(None) == ""
    assert export.exact(np.float64(0.1)) == "0.1"
    assert export.exact(-0.0) == "-0.0"
    assert export.exact(5e-324) == "5e-324"
    assert export.readable(None) == "—"
    assert export.readable(-0.0) == "0"
    assert export.readable(math.inf) == "∞" and export.readable(-math.inf) == "-∞"
    assert export.readable(math.nan) == "nan"
    assert export.readable(1 / 3) == "0.3333333333"
    assert export.readable(7) == "7"


def test_json_records_and_metadata(samples):
    data = json.loads(export.samples_json(samples))
    assert data["range"] == [-40.0, 40.0] and data["points"] == 161
    assert data["activations"] == [
        {"activation": "sigmoid", "spec": "sigmoid", "params": {}},
        {"activation": "leaky_relu(alpha=0.1)", "spec": "leaky_relu(alpha=0.1)", "params": {"alpha": 0.1}},
    ]
    assert data["versions"] == {"actviz": actviz.__version__, "numpy": np.__version__}
    assert data["columns"] == ["activation", "x", "f", "df", "d2f", "df_numeric"]
    assert len(data["records"]) == 2 * 161
    for s in samples:
        mine = [r for r in data["records"] if r["activation"] == s.activation.label]
        for col in ("x", "f", "df", "d2f", "df_numeric"):
            assert np.array([r[col] for r in mine]).tobytes() == getattr(s, col).tobytes(), col


def test_json_has_no_nan_or_infinity():
    # exponential overflows above x ≈ 709.78 = ln(max float64): the true value is beyond float64
    s = sample("exponential", (700.0, 720.0), 3)
    text = export.samples_json([s])
    assert "Infinity" not in text and "NaN" not in text
    records = json.loads(text)["records"]
    assert records[-1]["f"] is None and records[0]["f"] == float(np.exp(700.0))


def test_markdown_table_shape():
    text = export.samples_markdown([sample("relu", points=5)])
    lines = text.splitlines()
    assert lines[0] == "| activation | x | f | df |"
    assert lines[1] == "| --- | ---: | ---: | ---: |"
    assert len(lines) == 2 + 5
    assert all(line.startswith("| relu") for line in lines[2:])


def test_markdown_escapes_pipes():
    assert "\\|" in export.markdown_table(["a"], [["x|y"]])


@pytest.fixture(scope="module")
def two_stats():
    return [stats("sigmoid", points=301), stats("relu", points=301)]


def test_stats_json_round_trips(two_stats):
    back = json.loads(export.results_json(two_stats))
    assert [{k: v for k, v in r.items() if k not in ("activation", "params")} for r in back] == two_stats
    # the label first, then the full spec and every parameter
    assert [list(r)[:3] for r in back] == [["activation", "spec", "params"]] * 2
    assert [actviz.get(r["activation"]) for r in back] == [actviz.get(r["spec"]) for r in two_stats]
    assert all(r["params"] == actviz.get(r["spec"]).params for r in back)


def test_stats_csv_flattens_nested_keys(two_stats):
    rows = list(csv.DictReader(io.StringIO(export.stats_csv(two_stats))))
    assert list(rows[0])[:10] == ["activation", "spec", "range_min", "range_max", "points", "saturation_threshold",
                                 "dead_share", "saturated_share", "onset_left", "onset_right"]
    assert "gaussian_second_moment_df" in rows[0] and rows[0]["points"] == "301"
    assert float(rows[0]["onset_right"]) == two_stats[0]["onset"][1]  # exact
    assert rows[1]["onset_right"] == ""  # None
    assert rows[0]["stationary_x"] == "" and rows[0]["stationary_f"] == ""
    gelu = stats("gelu", points=301)
    (row,) = csv.DictReader(io.StringIO(export.stats_csv([gelu])))
    assert float(row["stationary_x"]) == gelu["stationary"][0]["x"]  # exact
    assert float(row["stationary_f"]) == gelu["stationary"][0]["f"]
    assert float(rows[1]["gain"]) == two_stats[1]["gain"]


def test_stats_markdown_puts_shared_settings_in_the_title(two_stats):
    text = export.stats_markdown(two_stats)
    assert text.startswith("x in [-6, 6] (301 points), τ = 0.01, z ~ N(0, 1²)\n")
    assert "| statistic | sigmoid | relu |" in text


def test_stats_table_gets_rows_for_settings_that_differ():
    rows = [stats("tanh", points=101), stats("tanh", points=101, saturation=0.1)]
    title, header, body = export.stats_grid(rows)
    assert "τ" not in title
    assert body[0] == ["τ =", "0.01", "0.1"]


def test_catalogue_markdown_has_a_row_per_activation():
    text = export.catalogue_markdown()
    lines = text.splitlines()
    assert lines[0] == "| name | aliases | family | parameters | frameworks |"
    assert [line.split("|")[1].strip().strip("`") for line in lines[2:]] == actviz.names()
    leaky = next(line for line in lines if line.startswith("| `leaky_relu`"))
    assert "keras2 `LeakyReLU` (alpha=0.3)" in leaky


def test_writes_are_atomic(tmp_path, monkeypatch):
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    s = [sample("tanh", points=3)]
    export.write_samples(target, s, "csv")
    assert target.read_text() == export.samples_csv(s)

    def broken_replace(src, dst):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(actviz.OutputError, match="Input/output error"):
        export.write_stats(target, [stats("tanh", points=11)], "json")
    assert target.read_text() == export.samples_csv(s)
    assert os.listdir(tmp_path) == ["out.csv"]


def test_dash_writes_to_stdout(capsys):
    export.write_samples("-", [sample("relu", points=3)], "csv")
    assert capsys.readouterr().out.splitlines()[0] == "activation,x,f,df"
