"""Activation sparsity P(f(z) = 0) for z ~ N(μ, σ²), against closed forms in the normal CDF
evaluated with mpmath (40 digits): relu's Φ(-μ/σ), hardshrink's P(|z| <= λ), and the rest."""

import csv
import io
import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

import actviz
from actviz.analysis.sparsity import interval_mass, sparsity
from actviz.analysis.stats import stats
from actviz.cli import app

SETTINGS = [(0.0, 1.0), (0.5, 1.0), (-1.3, 0.4), (2.0, 3.0), (-7.0, 1.0), (25.0, 2.0), (0.0, 1e-3)]


def Phi(t):
    import mpmath as mp

    with mp.workdps(40):
        return mp.ncdf(t)


def mass(a, b, mu, sigma):
    """P(a <= z <= b), mpmath: Φ(b') - Φ(a') (or the upper tails, for ends right of μ)."""
    import mpmath as mp

    with mp.workdps(40):
        ta = (mp.mpf(a) - mu) / sigma if math.isfinite(a) else mp.mpf(a)
        tb = (mp.mpf(b) - mu) / sigma if math.isfinite(b) else mp.mpf(b)
        return float(mp.ncdf(-ta) - mp.ncdf(-tb)) if ta > 0 else float(mp.ncdf(tb) - mp.ncdf(ta))


CLOSED_FORMS = [
    # spec, its zero set as (a, b) intervals
    ("relu", [(-math.inf, 0.0)]),                     # Φ(-μ/σ)
    ("relu6", [(-math.inf, 0.0)]),                    # 0 only below 0; 6 above 6
    ("squared_relu", [(-math.inf, 0.0)]),
    ("hardshrink", [(-0.5, 0.5)]),                    # P(|z| <= λ)
    ("hardshrink(lambd=2)", [(-2.0, 2.0)]),
    ("softshrink(lambd=1.5)", [(-1.5, 1.5)]),
    ("hard_sigmoid", [(-math.inf, -3.0)]),            # x/6 + 1/2 clipped: 0 below -3
    ("hard_sigmoid@keras2", [(-math.inf, -2.5)]),     # 0.2x + 0.5 clipped: 0 below -2.5
    ("hard_sigmoid@onnx", [(-math.inf, -2.5)]),
    ("hard_swish", [(-math.inf, -3.0)]),
    ("sparse_plus", [(-math.inf, -1.0)]),
    ("threshold(threshold=0.7, value=0)", [(-math.inf, 0.7)]),
    ("thresholdedrelu@onnx", [(-math.inf, 1.0)]),
    ("leaky_relu(alpha=0)", [(-math.inf, 0.0)]),
    ("relu(threshold=-1, max_value=3)", [(-math.inf, 0.0)]),  # alpha·(x + 1) = 0 below -1, clip(x, 0, 3) above
    ("relu(max_value=0)", [(-math.inf, math.inf)]),          # clip(x, 0, 0): 0 everywhere
    ("hard_tanh(min_val=0, max_val=2)", [(-math.inf, 0.0)]),
    ("sparsemax(classes=3, others=0.4)", [(-math.inf, 0.4 - 1 / 2)]),  # logit 0 leaves the support at o - 1/(c-1)
    # a gated unit relu(a)·b is 0 wherever a <= 0, whatever b is (b = 0 has no probability)
    ("reglu", [(-math.inf, 0.0)]),
    ("reglu(b=-2.5)", [(-math.inf, 0.0)]),
]


@pytest.mark.parametrize(("spec", "zero_set"), CLOSED_FORMS)
@pytest.mark.parametrize(("mu", "sigma"), SETTINGS)
def test_sparsity_is_the_gaussian_mass_of_the_zero_set(spec, zero_set, mu, sigma):
    expected = min(1.0, sum(mass(a, b, mu, sigma) for a, b in zero_set))
    got = sparsity(spec, mu, sigma)
    # each mass from the tail it lies in: relative accuracy even far from μ (relu at μ = 25)
    assert got == pytest.approx(expected, rel=1e-13, abs=1e-300), (spec, mu, sigma)


@pytest.mark.parametrize("spec", ["gelu", "silu", "sigmoid", "tanh", "elu", "selu", "softplus", "mish",
                                  "leaky_relu", "gelu_new", "selu@onnx", "tanhshrink", "softmax",
                                  "hardshrink(lambd=0)", "threshold(value=1)",
                                  "glu", "geglu", "swiglu", "swiglu_oai"])
def test_an_activation_with_no_zero_interval_is_never_sparse(spec):
    # tanh and tanhshrink are 0 at 0 alone, hardshrink(λ = 0) too: no probability
    assert sparsity(spec, 0.3, 2.0) == 0.0


def test_closed_forms_at_a_glance():
    # relu: Φ(-μ/σ); μ = 0 gives ½ exactly; hardshrink(λ) at μ = 0: 2Φ(λ/σ) - 1
    assert sparsity("relu") == 0.5
    assert sparsity("relu", 1.0, 1.0) == pytest.approx(float(Phi(-1)), rel=1e-15)
    assert sparsity("hardshrink", 0.0, 1.0) == pytest.approx(float(2 * Phi(0.5) - 1), rel=1e-15)
    # far out: Φ(-30) = 4.906713927148187e-198 (mpmath), kept to relative accuracy; its complement is 1
    assert sparsity("relu", 30.0) == pytest.approx(float(Phi(-30)), rel=1e-13)
    assert sparsity("relu", -30.0) == 1.0


def test_mu_may_be_an_array():
    mus = np.linspace(-3.0, 3.0, 13)
    got = sparsity("hardshrink", mus, 0.5)
    assert got.shape == (13,)
    np.testing.assert_array_equal(got, [sparsity("hardshrink", float(m), 0.5) for m in mus])
    # symmetric in μ for a symmetric zero set, largest at μ = 0
    np.testing.assert_allclose(got, got[::-1], rtol=1e-14)
    assert np.argmax(got) == 6
    # relu: decreasing in μ
    assert np.all(np.diff(sparsity("relu", mus)) < 0)


def test_interval_mass_takes_each_interval_from_its_own_tail():
    # P(30 <= z <= 31) = Q(30) - Q(31), not Φ(31) - Φ(30) = 1 - 1
    assert interval_mass(30.0, 31.0) == pytest.approx(mass(30, 31, 0, 1), rel=1e-13) and interval_mass(30.0, 31.0) > 0
    assert interval_mass(-31.0, -30.0) == pytest.approx(mass(-31, -30, 0, 1), rel=1e-13)
    assert interval_mass(-math.inf, math.inf) == 1.0


def test_bad_settings_are_refused():
    with pytest.raises(actviz.OptionError, match="sigma must be a finite number > 0"):
        sparsity("relu", 0.0, 0.0)
    with pytest.raises(actviz.OptionError, match="mu must be finite numbers"):
        sparsity("relu", [0.0, math.nan])


def test_an_activation_that_does_not_say_where_it_is_zero_has_no_sparsity():
    # an expression carries no zeros: its sparsity is not known, not 0
    assert actviz.get("max(x, 0)").zeros is None
    assert sparsity("max(x, 0)") is None
    assert stats("max(x, 0)", points=101)["sparsity"] is None


def test_stats_reports_sparsity_in_every_format():
    runner = CliRunner()
    table = runner.invoke(app, ["stats", "relu", "gelu", "--mu", "0.5"])
    assert table.exit_code == 0
    row = next(line for line in table.stdout.splitlines() if line.startswith("sparsity P(f(z) = 0)"))
    assert row.split()[-2:] == [f"{100 * float(Phi(-0.5)):.4g}%", "0%"]
    data = json.loads(runner.invoke(app, ["stats", "relu", "--mu", "0.5", "--format", "json"]).stdout)
    assert data[0]["sparsity"] == pytest.approx(float(Phi(-0.5)), rel=1e-15)
    text = runner.invoke(app, ["stats", "relu", "--mu", "0.5", "-o", "-", "--format", "csv"]).stdout
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert float(row["sparsity"]) == pytest.approx(float(Phi(-0.5)), rel=1e-15)
    md = runner.invoke(app, ["stats", "relu", "--format", "md"]).stdout
    assert "| sparsity P(f(z) = 0) | 50% |" in md
    expr = runner.invoke(app, ["stats", "max(x, 0)", "--points", "101"])
    assert next(line for line in expr.stdout.splitlines() if line.startswith("sparsity")).split()[-1] == "—"


def test_stats_with_several_means_gives_each_its_column():
    runner = CliRunner()
    result = runner.invoke(app, ["stats", "relu", "--mu", "-1:1:3", "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [d["gaussian"]["mu"] for d in data] == [-1.0, 0.0, 1.0]
    assert [d["sparsity"] for d in data] == pytest.approx([float(Phi(1)), 0.5, float(Phi(-1))], rel=1e-15)
    listed = json.loads(runner.invoke(app, ["stats", "relu", "hardshrink", "--mu", "0,2", "--format", "json"]).stdout)
    assert [(d["activation"], d["gaussian"]["mu"]) for d in listed] == [
        ("relu", 0.0), ("relu", 2.0), ("hardshrink", 0.0), ("hardshrink", 2.0)]
    table = runner.invoke(app, ["stats", "relu", "--mu", "-1,1"]).stdout.splitlines()
    assert table[0] == "x in [-6, 6] (1201 points), τ = 0.01"  # the means differ: a row, not the title
    assert table[3].split() == ["z", "~", "N(-1,", "1²)", "N(1,", "1²)"]


@pytest.mark.parametrize(("mu", "message"), [
    ("nan", "--mu must be a finite number, not nan"),
    ("1,,2", "--mu takes a number, numbers separated by commas (-1,0,1) or START:STOP:COUNT (-2:2:9), not '1,,2'"),
    ("a", "--mu takes a number"),
    ("1:2", "--mu takes a number"),
    ("1:2:1", "--mu START:STOP:COUNT needs a whole COUNT of at least 2, not '1:2:1'"),
    ("1:2:x", "--mu START:STOP:COUNT needs a whole COUNT of at least 2"),
    ("0:1:25", "--mu takes at most 24 values, not 25"),
    (",".join(["1"] * 25), "--mu takes at most 24 values, not 25"),
    ("inf,0", "--mu must be a finite number, not inf"),
])
def test_bad_means_are_usage_errors(mu, message):
    result = CliRunner().invoke(app, ["stats", "relu", "--mu", mu])
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.stderr
