"""Parameter sweeps (actviz.sweep): parsing, binding, the figure and the commands."""

import numpy as np
import pytest

import actviz
from actviz.render import figures
from actviz.sweep import MAX_VALUES, parse_sweep, sweep


@pytest.mark.parametrize(("text", "name", "values"), [
    ("alpha=0.5,1,2", "alpha", ["0.5", "1", "2"]),
    (" alpha = 0.5 , 1 ", "alpha", ["0.5", "1"]),
    ("alpha=0.5:2:4", "alpha", ["0.5", "1", "1.5", "2"]),  # 0.5 + k·0.5, the end exact
    ("approximate=none,tanh", "approximate", ["none", "tanh"]),
])
def test_parse(text, name, values):
    assert parse_sweep(text) == (name, values)


@pytest.mark.parametrize(("text", "message"), [
    ("alpha", "NAME=V1,V2"),
    ("=1,2", "NAME=V1,V2"),
    ("alpha=", "NAME=V1,V2"),
    ("alpha=1,,2", "single commas"),
    ("alpha=1", "2 to"),
    ("alpha=0:1", "START:STOP:COUNT"),
    ("alpha=0:1:x", "whole COUNT"),
    ("alpha=0:1:1", "2 to"),
    (f"alpha=0:1:{MAX_VALUES + 1}", "2 to"),
    ("alpha=" + ",".join(["1"] * (MAX_VALUES + 1)), "2 to"),
])
def test_parse_errors(text, message):
    with pytest.raises(actviz.UsageError, match=message):
        parse_sweep(text)


def test_sweep_binds_each_value_and_leaves_others_alone():
    acts = sweep(["elu", "tanh", "celu"], "alpha", ["0.5", "2"])
    assert [a.label for a in acts] == ["elu(alpha=0.5)", "elu(alpha=2)", "tanh", "celu(alpha=0.5)", "celu(alpha=2)"]
    # elu(x) = α(eˣ - 1) for x <= 0: the values really are bound
    np.testing.assert_allclose(acts[1](np.array([-1.0])), 2 * np.expm1(-1.0), rtol=1e-15)


def test_sweep_errors_are_usage_errors():
    with pytest.raises(actviz.ParameterError, match="none of elu, tanh has a parameter 'slope'"):
        sweep(["elu", "tanh"], "slope", ["1", "2"])
    with pytest.raises(actviz.ParameterError, match="alpha"):
        sweep(["celu"], "alpha", ["0", "1"])  # celu's alpha must be > 0


def test_figure_colours_along_a_scale_and_names_each_value():
    from matplotlib.colors import to_rgb

    acts = sweep(["elu"], "alpha", ["0.5", "1", "2"])
    fig = figures.compare(acts, sweep="alpha", points=101)
    f_lines = [ln for ln in fig.axes[0].lines if ln.get_gid() == "f"]
    assert len(f_lines) == 3
    texts = [t.get_text() for leg in fig.legends for t in leg.get_texts()]
    assert ["alpha = 0.5", "alpha = 1", "alpha = 2"] == [t for t in texts if t.startswith("alpha")]
    assert fig.get_suptitle() == "elu: alpha = 0.5 … 2"
    # a sequential scale: lightness grows with the value (viridis runs dark to light)
    lightness = [sum(to_rgb(ln.get_color())) for ln in f_lines]
    assert lightness == sorted(lightness) and len(set(lightness)) == 3
    for ln, act in zip(f_lines, acts, strict=True):
        x = np.asarray(ln.get_xdata(), dtype=float)
        y = np.asarray(ln.get_ydata(), dtype=float)
        ok = np.isfinite(y)
        np.testing.assert_array_equal(y[ok], act(x[ok]))


def test_the_same_value_has_the_same_colour_across_activations():
    acts = sweep(["elu", "celu"], "alpha", ["0.5", "1"])
    fig = figures.compare(acts, sweep="alpha", points=101)
    colours = [ln.get_color() for ln in fig.axes[0].lines if ln.get_gid() == "f"]
    assert colours[0] == colours[2] and colours[1] == colours[3] and colours[0] != colours[1]


# -- the commands ------------------------------------------------------------------------------

from typer.testing import CliRunner  # noqa: E402

from actviz.cli import app  # noqa: E402

runner = CliRunner()


@pytest.mark.parametrize("command", ["plot", "compare"])
def test_sweep_figure_command(tmp_path, command):
    out = tmp_path / "s.png"
    specs = ["elu"] if command == "plot" else ["elu", "celu"]
    result = runner.invoke(app, [command, *specs, "--sweep", "alpha=0.5:2:4", "--points", "101", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\x89PNG")


def test_sweep_in_the_terminal_says_how_to_save_it():
    result = runner.invoke(app, ["plot", "elu", "--sweep", "alpha=0.5,2", "--points", "101"])
    assert result.exit_code == 0, result.output
    assert "actviz plot elu --points 101 --sweep alpha=0.5,2 -o elu.png" in result.stderr


def test_sweep_table_and_stats_give_each_value_its_own_column():
    import csv
    import io
    import json

    result = runner.invoke(app, ["table", "elu", "--sweep", "alpha=0.5,2", "--range", "-1", "1", "--points", "3",
                                 "-o", "-", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["activation"] for r in rows] == ["elu(alpha=0.5)"] * 3 + ["elu(alpha=2)"] * 3
    # elu(-1) = α(e^-1 - 1)
    assert float(rows[3]["f"]) == pytest.approx(2 * np.expm1(-1.0), rel=1e-15)
    result = runner.invoke(app, ["stats", "elu", "--sweep", "alpha=0.5,2", "--format", "json"])
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert [r["spec"] for r in records] == ["elu(alpha=0.5)", "elu(alpha=2)"]


@pytest.mark.parametrize(("args", "message"), [
    (["plot", "elu", "--sweep", "slope=1,2"], "no parameter 'slope'"),
    (["plot", "elu", "--alpha", "1", "--sweep", "alpha=1,2"], "both set and swept"),
    (["plot", "elu", "--sweep", "alpha=1"], "2 to"),
    (["plot", "elu", "--sweep", "alpha"], "NAME=V1,V2"),
    (["plot", "celu", "--sweep", "alpha=0,1"], "alpha"),
    (["compare", "elu", "celu", "--sweep", "alpha=1,2", "--diff"], "--diff and --sweep"),
    (["table", "elu", "--sweep", "alpha=1:2:x"], "whole COUNT"),
    (["stats", "tanh", "--sweep", "alpha=1,2"], "no parameter 'alpha'"),
])
def test_sweep_bad_input_is_a_one_line_usage_error(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, [*args, "-o", "out.png" if args[0] in ("plot", "compare") else "out.csv"])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []  # nothing written
