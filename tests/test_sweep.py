"""Parameter sweeps (actviz.sweep): parsing, binding, the figure and the commands."""

import numpy as np
import pytest

import actviz
from actviz import figures
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
    with pytest.raises(actviz.ParameterError, match="no activation named takes parameter 'slope'"):
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
