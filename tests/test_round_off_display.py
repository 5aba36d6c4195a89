"""Tables show round-off of zero as 0, measured against the scale of each quantity, and keep
genuinely small values; JSON keeps the floats as computed."""

import json
import math

import pytest
from typer.testing import CliRunner

from actviz.analysis.stats import stats
from actviz.cli import app
from actviz.render.export import ROUND_OFF, readable, signal_cell, stats_grid, stats_markdown
from actviz.render.tables import render_text, stats_table

runner = CliRunner()

#: selu's E[f(z)] from numpy's AVX2 paths (-2.43e-17 from its AVX-512 ones); the true value is
#: 0 to about 1e-10, the precision of selu's published λ and α (Klambauer et al. 2017,
#: arXiv:1706.02515), and E[f(z)²] = 1
SELU_MEAN_AVX2 = -5.551115123125783e-17


def row(results, label):
    _, _, rows = stats_grid(results)
    return next(r[1:] for r in rows if r[0] == label)


def test_readable_zeroes_only_within_round_off_of_the_scale():
    assert readable(SELU_MEAN_AVX2, 6, scale=1.0) == "0"
    assert readable(-0.9e-15, 6, scale=1.0) == "0"
    assert readable(2e-15, 6, scale=1.0) == "2e-15"  # beyond round-off: a value
    assert readable(1e-20, 6, scale=1e-20) == "1e-20"  # small, on its own scale
    assert readable(1e-36, 6, scale=1e-20) == "0"
    assert readable(SELU_MEAN_AVX2, 6) == "-5.55112e-17"  # no scale, no judgement
    for scale in (math.inf, math.nan):  # a divergent second moment says nothing of the mean
        assert readable(1e-3, 6, scale=scale) == "0.001"
    assert readable(math.nan, 6, scale=1.0) == "nan" and readable(None, 6, scale=1.0) == "—"


@pytest.mark.parametrize("mean", [SELU_MEAN_AVX2, -2.42861286636753e-17])
def test_a_table_of_selus_stats_shows_0_for_the_mean(mean):
    r = stats("selu")
    r["gaussian"]["mean"] = mean  # what either CPU computes
    assert row([r], "E[f(z)]") == ["0"]
    assert "| E[f(z)] | 0 |" in stats_markdown([r])
    text = render_text(stats_table([r]))
    assert next(line for line in text.splitlines() if line.startswith("E[f(z)]")).split()[-1] == "0"


def test_the_stats_command_shows_0_and_its_json_keeps_the_float():
    raw = stats("selu")["gaussian"]["mean"]
    result = runner.invoke(app, ["stats", "selu"])
    assert result.exit_code == 0
    assert next(line for line in result.stdout.splitlines() if line.startswith("E[f(z)]")).split()[-1] == "0"
    result = runner.invoke(app, ["stats", "selu", "--format", "json"])
    assert json.loads(result.stdout)[0]["gaussian"]["mean"] == raw


def test_genuinely_small_moments_are_not_zeroed():
    # f = 1e-20·x: E[f] = 0, Var[f] = E[f²] = 1e-40, E[f'] = 1e-20, E[f'²] = 1e-40 (closed
    # forms for z ~ N(0, 1)); E[f] comes out as about -9e-38, round-off next to √E[f²] = 1e-20
    r = stats("1e-20*x")
    assert abs(r["gaussian"]["mean"]) < 1e-15 * 1e-20
    assert row([r], "E[f(z)]") == ["0"]
    assert row([r], "Var[f(z)]") == ["1e-40"]
    assert row([r], "E[f(z)²]") == ["1e-40"]
    assert row([r], "E[f'(z)]") == ["1e-20"]
    assert row([r], "E[f'(z)²]") == ["1e-40"]


def test_each_row_has_its_own_scale():
    r = stats("tanh")
    g = r["gaussian"]
    # a mean beyond round-off of √E[f²] is shown, wherever the other rows are
    g["mean"] = 10 * ROUND_OFF * math.sqrt(g["second_moment"])
    assert row([r], "E[f(z)]") == [readable(g["mean"], 6)]
    # a variance is round-off when its root, the spread, is: √Var ≤ ROUND_OFF·√E[f²]
    g["var"] = (0.5 * ROUND_OFF) ** 2 * g["second_moment"]
    assert row([r], "Var[f(z)]") == ["0"]
    g["var"] = (2 * ROUND_OFF) ** 2 * g["second_moment"]
    assert row([r], "Var[f(z)]") == [readable(g["var"], 6)]
    # E[f'] against √E[f'²], not against the f rows
    g["mean_df"], g["second_moment_df"] = 1e-20, 1e-40
    assert row([r], "E[f'(z)]") == ["1e-20"]
    g["mean_df"] = 1e-37
    assert row([r], "E[f'(z)]") == ["0"]
    # values of f at a point are shown as computed
    r["f0"] = 1e-30
    assert row([r], "f(0)") == ["1e-30"]


def test_signal_tables_apply_the_same_rule():
    record = {"activation_mean": SELU_MEAN_AVX2, "activation_variance": 1.0, "c_star": 3e-17}
    assert signal_cell(record, "activation_mean") == "0"
    assert signal_cell(record, "c_star") == "0"  # a correlation, found to 1e-15
    # E[f(h)] = 1e-20 beside E[f(h)²] = 1e-40 + 1e-40: a value
    record = {"activation_mean": 1e-20, "activation_variance": 1e-40, "c_star": 1e-10}
    assert signal_cell(record, "activation_mean") == "1e-20"
    assert signal_cell(record, "activation_variance") == "1e-40"
    assert signal_cell(record, "c_star") == "1e-10"
    record = {"activation_mean": 0.5, "activation_variance": 1e-33, "c_star": 1.0}
    assert signal_cell(record, "activation_variance") == "0"  # a spread of 3e-17 beside 0.5
    result = runner.invoke(app, ["signal", "tanh", "--sigma-w", "1.5", "--sigma-b", "0.05", "--format", "md"])
    assert "| E[f(h)], h ~ N(0, q*) | 0 |" in result.stdout
