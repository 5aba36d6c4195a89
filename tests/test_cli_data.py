"""The data commands (list, info, table, stats, check) through typer's CliRunner:
exit code first, then what was printed or written."""

import csv
import io
import json
import math
import os
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import actviz
from actviz.analysis.stats import GAUSSIAN_KEYS, STATS_KEYS
from actviz.cli import app
from actviz.render.describe import describe
from actviz.render.export import catalogue_markdown
from actviz.sampling import sample

runner = CliRunner()


def run(*args, **kw):
    return runner.invoke(app, [str(a) for a in args], **kw)


def assert_one_line_error(result, code):
    """Exit code first; then one or two plain lines on stderr, no traceback, nothing on stdout."""
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert 1 <= len(lines) <= 2, result.stderr
    assert lines[0].startswith("actviz: error: ")
    assert "Traceback" not in result.output
    assert result.stdout == ""
    return result.stderr


# -- help -----------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["list", "info", "table", "stats", "check"])
def test_every_command_has_help(command):
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Usage" in result.stdout
    assert "--help" in result.stdout


def test_root_help_lists_the_data_commands():
    result = run("--help")
    assert result.exit_code == 0
    for command in ("list", "info", "table", "stats", "check"):
        assert command in result.stdout


# -- list -----------------------------------------------------------------------------------


def test_list_shows_every_activation_with_aliases_and_parameters():
    result = run("list")
    assert result.exit_code == 0
    names = [line.split()[0] for line in result.stdout.splitlines()[2:-1] if line.strip()]
    assert names == actviz.names()
    leaky = next(line for line in result.stdout.splitlines() if line.startswith("leaky_relu "))
    assert "alpha=0.01" in leaky and "lrelu" in leaky and "keras (alpha=0.2)" in leaky


def test_list_output_is_plain_text_off_a_terminal():
    result = run("list")
    assert "\x1b[" not in result.stdout
    assert "│" not in result.stdout and "─" not in result.stdout  # no box drawing either


def test_list_json_holds_every_record():
    result = run("list", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [d["name"] for d in data] == actviz.names()
    leaky = next(d for d in data if d["name"] == "leaky_relu")
    assert leaky["parameters"][0]["name"] == "alpha" and leaky["parameters"][0]["default"] == 0.01
    assert leaky["frameworks"]["keras"]["defaults"] == {"alpha": 0.2}


def test_list_markdown_is_the_catalogue_table():
    result = run("list", "--format", "md")
    assert result.exit_code == 0
    assert result.stdout == catalogue_markdown()
    assert result.stdout.count("\n") == len(actviz.names()) + 2


def test_list_family_filters():
    result = run("list", "--family", "rectifier", "--format", "json")
    assert result.exit_code == 0
    got = [d["name"] for d in json.loads(result.stdout)]
    assert got == [r.name for r in actviz.records() if r.family == "rectifier"]
    assert "relu" in got and "sigmoid" not in got


def test_list_unknown_family_names_the_families():
    err = assert_one_line_error(run("list", "--family", "rectifire"), 2)
    assert "did you mean rectifier" in err and "sigmoid-like" in err


def test_list_unknown_format_is_a_usage_error():
    assert_one_line_error(run("list", "--format", "xml"), 2)


@pytest.mark.parametrize(
    "args, choices",
    [
        (["list", "--format", "xml"], "'table', 'json', 'md'"),
        (["info", "relu", "--format", "xml"], "'table', 'json'"),
        (["table", "relu", "--format", "xml"], "'table', 'csv', 'json', 'md'"),
        (["stats", "relu", "--format", "xml"], "'table', 'csv', 'json', 'md'"),
        (["check", "relu", "--format", "xml"], "'table', 'json'"),
    ],
)
def test_choice_errors_are_plain(args, choices):
    # Typer's Literal options went through pydantic, whose message read "Value error, 'xml' is ..."
    err = assert_one_line_error(run(*args), 2)
    assert f"Invalid value for '--format' / '-f': 'xml' is not one of {choices}." in err
    assert "Value error" not in err


@pytest.mark.parametrize(
    "command, choices",
    [("list", "table json md"), ("info", "table json"), ("table", "table csv json md"),
     ("stats", "table csv json md"), ("check", "table json")],
)
def test_format_help_lists_the_choices(command, choices):
    # in the help text, where a narrow terminal wraps them between words
    result = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    line = next(line for line in result.stdout.splitlines() if "--format" in line)
    assert "FORMAT" in line and all(re.search(rf"\b{c}\b", line.split("FORMAT", 1)[1]) for c in choices.split())


# -- info -----------------------------------------------------------------------------------


def test_info_shows_formula_kinks_frameworks_and_statistics():
    result = run("info", "leaky_relu")
    assert result.exit_code == 0
    out = result.stdout
    rec = actviz.lookup("leaky_relu")
    assert rec.formula_text in out and rec.derivative_text in out
    # PyTorch's leaky_relu backward takes the slope at x <= 0 (aten/src/ATen/native/cpu/Activation.cpp)
    assert "x = 0: f' taken as 0.01" in out
    assert "jax.nn.leaky_relu" in out and "tests x >= 0, so f'(0) = 1" in out
    assert "slope for x < 0" in out and "negative_slope" in out
    assert rec.reference in out
    assert "gain 1/√E[f(z)²]" in out and "torch calculate_gain" in out


def test_info_formula_fits_the_parameters():
    # relu at its defaults is max(x, 0), not the general form with Keras's parameters
    out = run("info", "relu").stdout
    assert "f(x) = max(x, 0)" in out and "f'(x) = 1 if x > 0 else 0" in out
    assert "with Keras's parameters" not in out
    out = run("info", "relu(alpha=0.1)").stdout
    assert "f(x) = x if x > 0 else alpha·x" in out
    data = json.loads(run("info", "gelu@jax", "--format", "json").stdout)
    assert "erf" not in data["formula"]["tex"] and "tanh" in data["formula"]["text"]


def test_info_computes_each_presets_kink_derivative():
    result = run("info", "selu")
    assert result.exit_code == 0
    rows = {line.split()[0]: line for line in result.stdout.splitlines() if line.startswith("selu@")}
    # selu'(0) = λα = 1.7580993 in torch and JAX (their x <= 0 branch), λ = 1.0507010 in TF (its
    # SeluGrad tests the output < 0: tensorflow/tensorflow tensorflow/python/ops/nn_grad.py)
    assert "1.7580993 at 0" in rows["selu@torch"] and "1.7580993 at 0" in rows["selu@jax"]
    assert "1.050701 at 0" in rows["selu@tf"]


def terminal_info(spec: str, columns: int, monkeypatch) -> str:
    """What `actviz info` draws in a terminal this wide (rich reads COLUMNS)."""
    from actviz.analysis.stats import stats
    from actviz.render import tables

    monkeypatch.setenv("COLUMNS", str(columns))
    buf = io.StringIO()
    act = actviz.get(spec)
    tables.emit(*tables.info_renderables(act, stats(act, points=101)), file=buf, plain=False)
    return buf.getvalue()


@pytest.mark.parametrize("columns", [80, 120])
@pytest.mark.parametrize("name", ["gelu", "leaky_relu", "hard_sigmoid"])
def test_info_in_a_terminal_shows_every_framework_name_whole(name, columns, monkeypatch):
    out = terminal_info(name, columns, monkeypatch)
    lines = out.splitlines()
    assert all(len(line.rstrip()) <= columns for line in lines)
    assert "…" not in out
    for variant in actviz.lookup(name).frameworks.values():
        assert any(variant.name in line.split() for line in lines), (variant.name, out)
        # the note keeps every word, wrapped between words in the width left
        note = variant.note or "same as the canonical form"
        assert " ".join(note.split()) in " ".join(w for line in lines for w in line.strip("│ ").split()), note


def test_info_keeps_the_frameworks_table_where_the_notes_have_room(monkeypatch):
    wide = terminal_info("leaky_relu", 120, monkeypatch)
    assert "how it differs" in wide and re.search(r"leaky_relu@torch +torch\.nn\.functional\.leaky_relu +0\.01 at 0", wide)
    narrow = terminal_info("leaky_relu", 80, monkeypatch)
    assert re.search(r"leaky_relu@torch +torch\.nn\.functional\.leaky_relu +f' = 0\.01 at 0\n +same as the canonical form",
                     narrow)


def test_info_of_an_activation_no_framework_ships():
    result = run("info", "maxout")
    assert result.exit_code == 0
    assert "none: not in PyTorch, Keras 3" in result.stdout


def test_info_with_parameters_and_preset():
    result = run("info", "leaky_relu@keras")
    assert result.exit_code == 0
    assert "leaky_relu@keras(alpha=0.2)" in result.stdout


def test_info_json():
    result = run("info", "sigmoid", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["name"] == "sigmoid" and data["kinks"] == []
    assert tuple(data["stats"]) == STATS_KEYS
    assert data["stats"]["onset"][1] == pytest.approx(4.584863339122355, rel=1e-13)  # closed form, test_stats


def test_info_unknown_activation_suggests_close_names():
    err = assert_one_line_error(run("info", "sigmod"), 2)
    assert "unknown activation 'sigmod'" in err and "sigmoid" in err


# -- table ----------------------------------------------------------------------------------


def test_table_in_the_terminal_shows_a_subset_and_says_so():
    result = run("table", "sigmoid")
    assert result.exit_code == 0
    assert "showing 25 of 1201 rows (one in 50)" in result.stdout
    body = [line.split() for line in result.stdout.splitlines() if line.strip()[:1] in "-0123456789" and "--" not in line]
    xs = [float(r[0]) for r in body]
    assert xs[0] == -6.0 and xs[-1] == 6.0 and 0.0 in xs and len(xs) == 25


def test_table_small_grid_shows_every_row_with_values_from_the_library():
    result = run("table", "tanh", "--points", "5", "--range", "-2", "2")
    assert result.exit_code == 0
    assert "showing" not in result.stdout
    rows = [line.split() for line in result.stdout.splitlines()[3:] if line.strip()]
    assert [float(r[0]) for r in rows] == [-2.0, -1.0, 0.0, 1.0, 2.0]
    act = actviz.get("tanh")
    for r in rows:
        x = float(r[0])
        assert float(r[1]) == pytest.approx(float(act(x)), rel=1e-7)
        assert float(r[2]) == pytest.approx(float(act.derivative(x)), rel=1e-7)


def test_table_negative_range_is_accepted():
    result = run("table", "relu", "--range", "-5", "-1", "--points", "5", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["range"] == [-5.0, -1.0]
    assert [r["x"] for r in data["records"]] == [-5.0, -4.0, -3.0, -2.0, -1.0]


def read_csv(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_table_csv_file_round_trips_exactly(tmp_path):
    out = tmp_path / "values.csv"
    result = run("table", "sigmoid", "gelu", "leaky_relu(alpha=0.1)", "--order", "2", "--numeric",
                 "--range", "-700", "700", "--points", "1401", "-o", out)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    rows = read_csv(out.read_text())
    assert list(rows[0]) == ["activation", "x", "f", "df", "d2f", "df_numeric"]
    assert len(rows) == 3 * 1401
    assert list(dict.fromkeys(r["activation"] for r in rows)) == ["sigmoid", "gelu", "leaky_relu(alpha=0.1)"]
    for spec in ("sigmoid", "gelu", "leaky_relu(alpha=0.1)"):
        mine = [r for r in rows if r["activation"] == spec]
        s = sample(spec, (-700.0, 700.0), 1401, order=2, numeric=True)
        for col in ("x", "f", "df", "d2f", "df_numeric"):
            got = np.array([float(r[col]) for r in mine])
            # bit for bit, tails like sigmoid'(-700) ≈ 1e-304 and signed zeros included
            assert got.tobytes() == getattr(s, col).tobytes(), (spec, col)


@pytest.mark.parametrize(
    "args, name",
    [
        (["table", "relu", "--points", "3"], "f.csv"),
        (["table", "relu", "--points", "3", "--format", "table"], "f.txt"),
        (["stats", "relu", "--points", "101"], "s.csv"),
        (["stats", "relu", "--points", "101"], "s.json"),
    ],
)
def test_writing_a_file_says_so_on_stderr(tmp_path, args, name):
    out = tmp_path / name
    result = run(*args, "-o", out)
    assert result.exit_code == 0, result.stderr
    assert out.exists()
    assert result.stderr == f"wrote {out}\n" and result.stdout == ""


@pytest.mark.parametrize("command", ["table", "stats"])
def test_writing_to_stdout_says_nothing_on_stderr(command):
    result = run(command, "relu", "--points", "101", "-o", "-")
    assert result.exit_code == 0 and result.stdout
    assert result.stderr == ""


def _terminal_text(renderable, width: int) -> str:
    """What rich draws in a terminal ``width`` columns wide, without styles."""
    from rich.console import Console

    buf = io.StringIO()
    Console(file=buf, width=width, force_terminal=True, color_system=None, markup=False,
            highlight=False).print(renderable)
    return buf.getvalue()


@pytest.mark.parametrize(
    "spec, title",
    [("relu", "relu"), ("relu(alpha=0.1, threshold=0.5, max_value=6)", "relu(alpha=0.1, max_value=6, threshold=0.5)"),
     ("gelu@jax", "gelu@jax")],
)
def test_terminal_table_title_is_the_label_on_one_line(spec, title):
    from actviz.render.tables import values_table

    # the UAT case: a 100-column terminal broke "relu(alpha=0,\nmax_value=non\ne,\nthreshold=0)"
    text = _terminal_text(values_table([sample(spec, points=3)]), 100)
    assert text.splitlines()[0].strip() == title


def test_terminal_table_headers_wrap_only_between_words():
    from actviz.render.tables import values_table

    long = "relu(alpha=0.1, threshold=0.5, max_value=6)"
    samples = [sample(long, points=3), sample("leaky_relu(alpha=0.1)", points=3)]
    for width in (100, 72):
        text = _terminal_text(values_table(samples), width)
        for word in ("relu(alpha=0.1,", "max_value=6,", "threshold=0.5)", "leaky_relu(alpha=0.1)"):
            assert word in text, (width, word, text)


def test_table_json_round_trips_with_metadata(tmp_path):
    out = tmp_path / "values.json"
    result = run("table", "softplus", "tanh", "--points", "101", "-o", out)
    assert result.exit_code == 0, result.stderr
    data = json.loads(out.read_text())
    assert data["range"] == [-6.0, 6.0] and data["points"] == 101
    assert data["versions"]["actviz"] == actviz.__version__
    assert data["columns"] == ["activation", "x", "f", "df"]
    s = sample("softplus", points=101)
    assert [a["activation"] for a in data["activations"]] == ["softplus", "tanh"]
    assert data["activations"][0] == {"activation": "softplus", "spec": s.spec, "params": s.activation.params}
    mine = [r for r in data["records"] if r["activation"] == "softplus"]
    assert np.array([r["f"] for r in mine]).tobytes() == s.f.tobytes()
    assert np.array([r["df"] for r in mine]).tobytes() == s.df.tobytes()


def test_table_markdown_file(tmp_path):
    out = tmp_path / "values.md"
    result = run("table", "relu", "--points", "3", "-o", out)
    assert result.exit_code == 0
    lines = out.read_text().splitlines()
    assert lines[0] == "| activation | x | f | df |"
    assert len(lines) == 2 + 3
    assert lines[-1].split("|")[2:5] == [" 6 ", " 6 ", " 1 "]


def test_table_dash_is_stdout_and_csv_by_default():
    result = run("table", "relu", "--points", "3", "-o", "-")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "activation,x,f,df"
    assert len(result.stdout.splitlines()) == 4


def test_table_format_overrides_the_suffix(tmp_path):
    out = tmp_path / "values.txt"
    result = run("table", "relu", "--points", "3", "-o", out, "--format", "json")
    assert result.exit_code == 0
    assert json.loads(out.read_text())["points"] == 3


def test_table_format_table_to_a_file_is_the_plain_table(tmp_path):
    out = tmp_path / "values.txt"
    result = run("table", "relu", "--points", "3", "-o", out, "--format", "table")
    assert result.exit_code == 0
    assert out.read_text() == run("table", "relu", "--points", "3").stdout


def test_table_parameter_options_apply_to_activations_that_have_them():
    result = run("table", "leaky_relu", "elu", "sigmoid", "--alpha", "0.5", "--points", "3", "-o", "-")
    assert result.exit_code == 0
    specs = {r["activation"] for r in read_csv(result.stdout)}
    assert specs == {"leaky_relu(alpha=0.5)", "elu(alpha=0.5)", "sigmoid"}
    result = run("table", "softplus", "-p", "beta=2", "--points", "3", "-o", "-")
    assert read_csv(result.stdout)[0]["activation"].startswith("softplus(beta=2")


def test_table_order_and_numeric_columns_in_the_terminal():
    result = run("table", "sigmoid", "--points", "3", "--order", "2", "--numeric")
    assert result.exit_code == 0
    header = result.stdout.splitlines()[1]
    assert header.split() == ["x", "f", "f'", "f''", "f'", "numeric"]


def test_table_several_activations_side_by_side():
    result = run("table", "sigmoid", "tanh", "--points", "3")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].split() == ["sigmoid", "sigmoid", "tanh", "tanh"]


# -- stats ----------------------------------------------------------------------------------


def test_stats_json_keys_and_values(tmp_path):
    out = tmp_path / "stats.json"
    result = run("stats", "sigmoid", "relu", "-o", out)
    assert result.exit_code == 0, result.stderr
    data = json.loads(out.read_text())
    assert [tuple(d) for d in data] == [("activation", STATS_KEYS[0], "params", *STATS_KEYS[1:])] * 2
    assert tuple(data[0]["gaussian"]) == GAUSSIAN_KEYS
    assert data[0]["spec"] == "sigmoid" and data[1]["spec"] == actviz.get("relu").spec
    assert data[1]["activation"] == "relu" and data[1]["params"] == {"alpha": 0.0, "max_value": None, "threshold": 0.0}
    assert data[0]["onset"][1] == pytest.approx(4.584863339122355, rel=1e-13)  # closed form, test_stats
    assert data[1]["onset"] == [0.0, None]
    assert data[1]["gain"] == pytest.approx(math.sqrt(2), rel=1e-12)  # closed form: 1/√(1/2)


def test_stats_terminal_table_side_by_side():
    result = run("stats", "sigmoid", "tanh", "relu")
    assert result.exit_code == 0
    out = result.stdout
    assert out.splitlines()[0] == "x in [-6, 6] (1201 points), τ = 0.01, z ~ N(0, 1²)"
    assert out.splitlines()[1].split() == ["statistic", "sigmoid", "tanh", "relu"]
    onset = next(line for line in out.splitlines() if line.startswith("onset"))
    assert "-4.58486 / 4.58486" in onset  # the sigmoid onset, closed form in test_stats
    gain = next(line for line in out.splitlines() if line.startswith("torch calculate_gain"))
    assert gain.split()[-3:] == ["1", "1.66667", "1.41421"]  # 1, 5/3, √2: pytorch/pytorch torch/nn/init.py


def test_stats_options_reach_the_analysis():
    result = run("stats", "sigmoid", "--saturation", "0.1", "--range", "-3", "3", "--points", "61",
                 "--mu", "1", "--sigma", "2", "--format", "json")
    assert result.exit_code == 0
    (r,) = json.loads(result.stdout)
    assert r["range"] == [-3.0, 3.0] and r["points"] == 61 and r["saturation_threshold"] == 0.1
    # σ' = 0.1 at x = ln((1 + r)²/(4τ)), r = √(1 - 4τ): the closed form of test_stats
    root = math.sqrt(1 - 0.4)
    assert r["onset"][1] == pytest.approx(math.log((1 + root) ** 2 / 0.4), rel=1e-13)
    assert r["gaussian"]["mu"] == 1.0 and r["gaussian"]["sigma"] == 2.0


def test_stats_parameter_options_and_short_flags():
    result = run("stats", "elu", "leaky_relu", "--alpha", "0.5", "-r", "-2", "2", "-n", "41", "--format", "json")
    assert result.exit_code == 0, result.stderr
    specs = [r["spec"] for r in json.loads(result.stdout)]
    assert specs == ["elu(alpha=0.5)", "leaky_relu(alpha=0.5)"]
    assert json.loads(result.stdout)[0]["points"] == 41
    result = run("stats", "softplus", "-p", "beta=2", "--format", "json")
    (r,) = json.loads(result.stdout)
    assert r["spec"].startswith("softplus(beta=2")
    assert r["df0"] == 0.5  # softplus'(0) = σ(0) for every β (closed form)


def test_stats_csv_and_markdown(tmp_path):
    result = run("stats", "relu", "sigmoid", "-o", tmp_path / "s.csv")
    assert result.exit_code == 0
    rows = read_csv((tmp_path / "s.csv").read_text())
    assert rows[0]["spec"] == actviz.get("relu").spec
    assert float(rows[0]["dead_share"]) == 0.5 and rows[0]["onset_right"] == ""
    assert float(rows[1]["gaussian_mean"]) == pytest.approx(0.5, abs=1e-12)  # sigmoid is odd about (0, ½)
    result = run("stats", "relu", "sigmoid", "-o", tmp_path / "s.md")
    assert result.exit_code == 0
    text = (tmp_path / "s.md").read_text()
    assert "| statistic | relu | sigmoid |" in text


def test_stats_dash_is_json_on_stdout():
    result = run("stats", "tanh", "-o", "-")
    assert result.exit_code == 0
    assert json.loads(result.stdout)[0]["spec"] == "tanh"


def test_stats_negative_saturation_is_a_usage_error():
    err = assert_one_line_error(run("stats", "sigmoid", "--saturation", "-0.1"), 2)
    assert "--saturation" in err


@pytest.mark.parametrize("args", [["--sigma", "0"], ["--sigma", "-1"], ["--mu", "nan"], ["--sigma", "inf"]])
def test_stats_bad_gaussian_is_a_usage_error(args):
    assert_one_line_error(run("stats", "sigmoid", *args), 2)


# -- check ----------------------------------------------------------------------------------


def test_check_everything_passes():
    result = run("check", "--points", "301")
    assert result.exit_code == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    verdicts = [line.split()[-1] for line in lines[3:] if line.strip()]
    assert verdicts and set(verdicts) == {"ok"}
    for name in actviz.names():
        assert any(line.startswith(name) for line in lines[3:]), name
    assert any(line.startswith("hard_sigmoid@keras2") for line in lines)  # its own formula


def test_check_named_activations_json():
    result = run("check", "sigmoid", "relu", "--format", "json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert [r["spec"] for r in rows] == ["sigmoid", actviz.get("relu").spec]
    assert all(r["ok"] and r["df_abs"] < 1e-10 for r in rows)


def test_check_exits_1_when_a_tolerance_is_exceeded():
    # no finite-difference f' is within 1e-16·(1 + |f'|) of sigmoid' everywhere
    result = run("check", "sigmoid", "tanh", "--tolerance", "1e-16")
    assert result.exit_code == 1
    assert "FAIL" in result.stdout
    assert result.stderr.strip() == "actviz: error: 2 of 2 exceed the tolerance: sigmoid, tanh"


def test_check_range_and_points():
    result = run("check", "tanh", "-r", "-20", "20", "-n", "11", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)[0]["points"] == 11


def test_check_bad_tolerance_is_a_usage_error():
    assert_one_line_error(run("check", "sigmoid", "--tolerance", "0"), 2)


# -- bad input: a one-line error, never a traceback ----------------------------------------


@pytest.mark.parametrize(
    "args, code, needle",
    [
        (["table", "sigmod"], 2, "did you mean sigmoid"),
        (["stats", "relu(alpha=0.1"], 2, "bad spec"),
        (["table", "leaky_relu(alpha=)"], 2, "expected a value"),
        (["table", "relu@"], 2, "expected a framework name"),
        (["table", "relu(gamma=1)"], 2, "no parameter 'gamma'"),
        (["table", "sigmoid", "--beta", "2"], 2, "sigmoid has no parameter 'beta'; it takes none"),
        (["stats", "sigmoid", "-p", "gamma=1"], 2, "sigmoid has no parameter 'gamma'; it takes none"),
        (["table", "softplus(beta=0)"], 2, "must be in (0, ∞), not 0"),
        (["stats", "softplus", "--beta", "0"], 2, "must be in (0, ∞)"),
        (["table", ""], 2, "empty activation spec"),
        (["info", "   "], 2, "empty activation spec"),
        (["table", "x" * 5000], 2, "too long (5000 characters"),
        (["table", "sigmoid", "--range", "5", "-5"], 2, "range minimum must be below its maximum"),
        (["table", "sigmoid", "--range", "1", "1"], 2, "range minimum must be below its maximum"),
        (["stats", "sigmoid", "--range", "nan", "1"], 2, "range must be finite"),
        (["table", "sigmoid", "--range", "-inf", "1"], 2, "range must be finite"),
        (["table", "sigmoid", "--points", "1"], 2, "points must be at least 2"),
        (["stats", "sigmoid", "--points", "0"], 2, "points must be at least 2"),
        (["table", "sigmoid", "--points", "10000000000"], 2, "points must be at most"),
        (["table", "sigmoid", "tanh", "relu", "--points", "20000000"], 2, "too many values"),
        (["table", "sigmoid", "--points", "2.5"], 2, "--points"),
        (["stats", "sigmoid", "--saturation", "-1"], 2, "--saturation"),
        (["table", "sigmoid", "-o", "values.xlsx"], 2, "unknown output suffix '.xlsx'"),
        (["stats", "sigmoid", "-o", "stats"], 2, "cannot tell the format"),
        (["table", "sigmoid", "--format", "xml"], 2, "--format"),
        (["stats", "sigmoid", "--format", "png"], 2, "--format"),
        (["table", "sigmoid", "-o", "no/such/dir/values.csv"], 1, "does not exist"),
        (["table", "sigmoid", "-p", "alpha"], 2, "-p takes NAME=VALUE"),
        (["stats", "relu", "-p", "=1"], 2, "-p takes NAME=VALUE"),
        (["table", "relu@pytorch3"], 2, "unknown framework"),
        (["table", "sparse_plus@torch"], 2, "presets that exist"),
        (["table"], 2, "Missing argument"),
        (["table", "sigmoid", "--order", "3"], 2, "--order"),
        (["stats", "sigmoid", "--bogus"], 2, "No such option"),
    ],
)
def test_bad_input_is_one_line_and_an_exit_code(args, code, needle, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    err = assert_one_line_error(run(*args), code)
    assert needle in err
    assert os.listdir(tmp_path) == []  # nothing written, not even a temporary file


def test_a_spec_is_never_evaluated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for spec in ("__import__('os').system('touch pwned')", "relu(alpha=__import__('os'))", "relu;touch pwned"):
        result = run("table", spec)
        assert result.exit_code == 2
        assert "Traceback" not in result.output
    assert not (tmp_path / "pwned").exists()


def test_unwritable_directory_is_a_runtime_error(tmp_path):
    if os.geteuid() == 0:
        target = Path("/proc/actviz-values.csv")  # even root cannot create files there
    else:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        target = locked / "values.csv"
    err = assert_one_line_error(run("table", "sigmoid", "-o", target), 1)
    assert str(target) in err or "values.csv" in err
    assert not target.exists()


def test_a_path_under_a_file_is_a_runtime_error(tmp_path):
    (tmp_path / "file").write_text("x")
    assert_one_line_error(run("stats", "sigmoid", "-o", tmp_path / "file" / "s.json"), 1)


def test_a_failed_run_leaves_an_existing_file_untouched(tmp_path):
    out = tmp_path / "values.csv"
    out.write_text("precious\n")
    assert_one_line_error(run("table", "sigmoid", "--range", "5", "-5", "-o", out), 2)
    assert_one_line_error(run("table", "nosuch", "-o", out), 2)
    assert out.read_text() == "precious\n"


def test_a_failed_write_leaves_an_existing_file_untouched(tmp_path, monkeypatch):
    out = tmp_path / "values.csv"
    out.write_text("precious\n")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    err = assert_one_line_error(run("table", "sigmoid", "-o", out), 1)
    assert "No space left on device" in err
    assert out.read_text() == "precious\n"
    assert os.listdir(tmp_path) == ["values.csv"]  # the temporary file is gone too


def test_debug_shows_the_exception():
    result = run("--debug", "table", "sigmod")
    assert result.exit_code != 0
    assert isinstance(result.exception, actviz.UnknownActivationError)


# -- terminal rendering -------------------------------------------------------------------


def test_rich_styles_in_a_terminal_and_plain_text_with_no_color(monkeypatch):
    from actviz.render.tables import emit, plain_output, stats_table

    class Tty(io.StringIO):
        def isatty(self):
            return True

    results = [json.loads(run("stats", "sigmoid", "--format", "json").stdout)[0]]
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    tty = Tty()
    assert not plain_output(tty)
    emit(stats_table(results), file=tty)
    assert "\x1b[" in tty.getvalue() and "─" in tty.getvalue()  # styles and box rules
    monkeypatch.setenv("NO_COLOR", "1")
    assert plain_output(Tty())
    plain = Tty()
    emit(stats_table(results), file=plain)
    assert "\x1b[" not in plain.getvalue() and "─" not in plain.getvalue()
    assert "4.58486" in plain.getvalue()  # the sigmoid onset, closed form in test_stats


def test_plain_tables_match_what_rich_would_draw():
    # render_text lays plain tables out itself (rich's layout engine costs tens of ms at start-up);
    # the text must be exactly what rich draws with the plain box
    from actviz.render import tables

    def by_rich(table):
        buf = io.StringIO()
        tables.make_console(buf, plain=True).print(tables._plain(table))
        return "".join(line.rstrip() + "\n" for line in buf.getvalue().splitlines())

    act = actviz.get("leaky_relu")
    stat = json.loads(run("stats", "leaky_relu", "--format", "json", "--points", "101").stdout)[0]
    samples = [sample("sigmoid", points=7, order=2, numeric=True), sample("tanh", points=7, order=2, numeric=True)]
    built = [
        lambda: tables.stats_table([stat]),
        lambda: tables.stats_table([stat, stat]),
        lambda: tables.values_table(samples),
        lambda: tables.values_table(samples[:1]),
        lambda: tables.catalogue_table(),
        lambda: tables.check_table([{"spec": "x", "points": 3, "df_abs": 0.0, "df_rel": 0.0, "d2f_abs": 1e-9,
                                     "d2f_rel": 1e-3, "worst_x": -1.5, "ok": False}]),
        *(lambda i=i: tables.info_renderables(act, stat)[i] for i in range(3)),
    ]
    for make in built:
        table = make()
        assert tables._plain_table(table) == by_rich(make())


def test_info_says_f0_is_zero_rather_than_calling_relu_zero_centred():
    # relu's outputs are not centred on 0 (E[relu(z)] = 1/√(2π)); the property shown is f(0) = 0
    result = runner.invoke(app, ["info", "relu"])
    assert result.exit_code == 0
    assert "f(0) = 0: yes" in result.stdout and "zero-centred" not in result.stdout


def test_check_covers_every_preset_that_defines_the_function_differently():
    from actviz.analysis.check import default_specs

    specs = default_specs()
    # other defaults (gelu@jax: tanh form; softplus@torch: threshold 20) or another formula
    # (hard_sigmoid@keras2) each get a row; presets identical to the canonical one do not
    assert "gelu@jax(approximate=tanh)" in specs and "softplus@torch(beta=1, threshold=20)" in specs
    assert "hard_sigmoid@keras2" in specs
    assert not any(s.startswith("sigmoid@") for s in specs)
    assert len(specs) == len(set(specs))
    # an engine name with its own arithmetic too, once per arithmetic: gelu_new, gelu_accurate,
    # gelu_python_tanh and gelu_pytorch_tanh share one
    assert "gelu_fast@hf(approximate=tanh)" in specs and "selu@onnx" in specs and "gelu@te(approximate=tanh)" in specs
    tanh = {"gelu_new@hf(approximate=tanh)", "gelu_accurate@hf(approximate=tanh)",
            "gelu_python_tanh@hf(approximate=tanh)", "gelu_pytorch_tanh@hf(approximate=tanh)"}
    assert len(tanh & set(specs)) == 1
    assert not any(s.startswith("relu2@") for s in specs)


def test_info_of_a_preset_with_its_own_definition_describes_that_definition():
    import actviz

    info = describe(actviz.get("hard_sigmoid@keras2"))
    assert "0.2" in info["formula"]["text"] and "2.5" in info["kink_convention"]
    assert "±3" not in info["kink_convention"] and info["numerics"] == ""


def test_check_ends_with_a_summary_line():
    result = runner.invoke(app, ["check", "sigmoid", "tanh"])
    assert result.exit_code == 0
    assert result.stderr.strip().splitlines()[-1] == "2 checked: all within the tolerance"
