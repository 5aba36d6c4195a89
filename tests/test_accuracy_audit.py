"""The floating-point audit (actviz.analysis.accuracy), the textbook formulas beside it,
its figure and the `accuracy` command."""

import json
import math
import re
import shlex
import sys
from pathlib import Path

import numpy as np
import pytest
from _readme import assert_same_output
from conftest import ALL_NAMES, readme_table
from typer.testing import CliRunner

import actviz
from actviz.analysis import accuracy as acc
from actviz.analysis.naive import naive_for
from actviz.analysis.ulp import ulp_error
from actviz.cli import app

runner = CliRunner()
F16_FINITE = 63488  # 2^16 patterns less 2·(2^10 - 1) NaNs and 2 infinities
# float16 values x with exp(x) = inf: e^x >= 65520 (where rounding reaches inf), x >= ln 65520
# = 11.09011... (mpmath: tests/golden/make_golden.py), whose first float16 is 11.09375 = 0x498C;
# up to 65504 = 0x7BFF
F16_EXP_OVERFLOWS = 0x7BFF - 0x498C + 1


def f16_all():
    x = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16).view(np.float16)
    return x[np.isfinite(x)]


# -- counting and enumerating the values of a dtype ------------------------------------------


def test_counts_of_finite_values():
    assert acc.count_values("float16") == F16_FINITE
    assert acc.count_values("float32") == 2 * (0x7F7FFFFF + 1)  # 4,278,190,080
    assert acc.count_values("float16", (1.0, 2.0)) == 1025  # 2^10 steps of 2^-10, both ends


@pytest.mark.parametrize(
    "lo, hi",
    [(-1.0, 1.0), (0.0, 0.0), (-0.0, 3.5), (-2.5, -1e-7), (1e-7, 6e-5), (-70000.0, 1e9), (-math.inf, math.inf),
     (0.1, 0.1001), (-65504.0, -65504.0)],
)
def test_enumerated_values_are_exactly_those_in_the_range(lo, hi):
    dt = np.dtype(np.float16)
    got = np.concatenate([acc._values(dt, a, b) for a, b in acc._chunks(acc._ordinal_bounds(lo, hi, dt))] or [np.empty(0, dt)])
    x = f16_all()
    want = x[(x.astype(np.float64) >= lo) & (x.astype(np.float64) <= hi)]
    assert sorted(got.view(np.uint16).tolist()) == sorted(want.view(np.uint16).tolist())


def test_audit_grid_covers_core_tails_tiny_values_and_kinks():
    x = acc.audit_grid(-1000.0, 1000.0, 1201, kinks=(0.0, 6.0))
    assert x[0] == -1000.0 and x[-1] == 1000.0 and np.all(np.diff(x) > 0)
    assert 5e-324 in x and -5e-324 in x and 6.0 in x and 0.0 in x
    assert np.sum(np.abs(x) < 1) > 100 and np.sum(np.abs(x) > 700) > 20
    assert acc.audit_grid(0.5, 2.0, 11).min() == 0.5  # nothing outside the range


# -- the ULP arithmetic ----------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_narrow_ulps_agree_with_the_mpmath_definition(dtype):
    import mpmath as mp

    rng = np.random.default_rng(7)
    ref = np.concatenate([rng.standard_normal(300) * 10.0 ** rng.integers(-9, 4, 300), [0.0, 1e-30, -1e-30]])
    rounded = ref.astype(dtype)
    got = np.nextafter(rounded, np.asarray(np.inf, dtype=dtype))  # one step up
    lay = acc._Layout.of(np.dtype(dtype))
    ours = acc._ulp_narrow(got, ref, rounded, acc._spacing(rounded, lay))
    theirs = ulp_error(got, [mp.mpf(float(r)) for r in ref], dtype=dtype)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_narrow_ulps_of_infinities():
    lay = acc._Layout.of(np.dtype(np.float16))
    ref = np.array([70000.0, 70000.0, 1.0, 1.0])
    rounded = np.array([np.inf, np.inf, 1.0, 1.0], dtype=np.float16)  # 70000 rounds to inf
    got = np.array([np.inf, 65504.0, np.inf, np.nan], dtype=np.float16)
    err = acc._ulp_narrow(got, ref, rounded, acc._spacing(rounded, lay))
    assert err[0] == 0.0 and np.isinf(err[2]) and np.isinf(err[3])
    # a finite result where the truth overflows keeps a finite error, the same whether or not
    # the chunk holds a non-finite point
    alone = acc._ulp_narrow(got[1:2], ref[1:2], rounded[1:2], acc._spacing(rounded[1:2], lay))
    assert np.isfinite(err[1]) and err[1] == alone[0] > 0


# -- pinned float16 results ------------------------------------------------------------------


def test_sigmoid_float16_exhaustive():
    import mpmath as mp

    r = acc.audit("sigmoid", "float16", exhaustive=True)
    assert r.points == F16_FINITE and r.exhaustive and r.reference == "actviz float64 result"
    assert r.passed and r.forward.nonfinite == r.derivative.nonfinite == 0
    # the worst: σ(2^-10) = 0.5 + 2^-12 - 2^-30/48 + ..., a hair under half an ULP (2^-11) above 0.5
    assert r.forward.at == 2.0**-10 and r.forward.got == 0.5
    assert r.forward.max_ulp == pytest.approx(float((1 / (1 + mp.exp(-mp.mpf(2) ** -10)) - 0.5) / mp.mpf(2) ** -11), rel=1e-9)
    # textbook: exp(11.09375) overflows float16, 1/(1 + inf) = 0 against σ(-11.09375) = 1.52e-5,
    # 255 subnormal spacings (2^-24); p·(1-p) loses the most at x = 7.625, where 1 - p rounds to 0
    assert r.naive_forward.at == -11.09375 and r.naive_forward.got == 0.0
    assert r.naive_forward.max_ulp == pytest.approx(float(1 / (1 + mp.exp(mp.mpf("11.09375")))) / 2.0**-24, rel=1e-9)
    assert r.naive_derivative.at == 7.625 and r.naive_derivative.got == 0.0
    assert r.naive_forward.nonfinite == r.naive_derivative.nonfinite == 0


def test_tanh_float16_exhaustive_counts_the_textbook_nans():
    r = acc.audit("tanh", "float16", exhaustive=True)
    assert r.passed
    # (e^x - e^-x)/(e^x + e^-x) is inf/inf = NaN wherever e^|x| overflows: both tails
    assert r.naive_forward.nan == r.naive_forward.nonfinite == 2 * F16_EXP_OVERFLOWS
    assert r.naive_forward.overflow == 0
    # 1 - tanh² is finite but 0 from |x| = 5.2 on: every digit gone
    assert r.naive_derivative.nonfinite == 0 and r.naive_derivative.got == 0.0
    assert r.naive_derivative.max_ulp > 2000


def test_softplus_float16_exhaustive_counts_overflows():
    r = acc.audit("softplus", "float16", exhaustive=True)
    # log(1 + e^x) is inf where e^x is; e^x/(1 + e^x) is inf/inf there
    assert r.naive_forward.overflow == r.naive_forward.nonfinite == F16_EXP_OVERFLOWS
    assert r.naive_derivative.nan == F16_EXP_OVERFLOWS
    assert r.passed


@pytest.mark.parametrize("name", ALL_NAMES)
def test_every_activation_passes_its_float16_exhaustive_audit(name):
    r = acc.audit(name, "float16", exhaustive=True)
    assert r.points == F16_FINITE
    assert r.passed, (name, r.forward.as_dict(), r.derivative.as_dict())


# -- float64 against mpmath ------------------------------------------------------------------

# Found by this audit: f' of these smooth gates is accurate to a few ULPs of its terms, so
# next to the zero of f', where the terms cancel, its relative error grows without bound
# (at the zero itself, 1e12-1e16 ULPs). Everywhere else they pass. The zeros as the nearest
# float64 (mpmath, 40 digits: tests/golden/make_golden.py; silu's is -1 - W(1/e)).
ZERO_OF_DERIVATIVE = {"silu": -1.2784645427610737, "mish": -1.1924312145154952, "gelu": -0.7517915246935645}


@pytest.mark.parametrize("name", ALL_NAMES)
def test_every_activation_passes_its_float64_audit_away_from_zeros_of_its_derivative(name):
    r = acc.audit(name, "float64", points=241)
    assert r.reference == "mpmath, 60 digits"
    assert r.forward.max_ulp <= 4 and r.forward.nonfinite == 0, (name, r.forward.as_dict())
    if name in ZERO_OF_DERIVATIVE and not r.passed:
        assert abs(r.derivative.at - ZERO_OF_DERIVATIVE[name]) < 0.05, (name, r.derivative.as_dict())
    else:
        assert r.passed, (name, r.derivative.as_dict())


def test_strict_applies_the_gate_contract_the_readme_states(numpy_path):
    # f' of a gate is held to its terms' size where they cancel by more than CANCELLATION
    result = runner.invoke(app, ["accuracy", "silu", "mish", "gelu(approximate=tanh)", "--strict",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert all(r["passed"] for r in records)
    for r in records:  # in plain ULPs the zero of f' is still where the error is
        raw = r["derivative_raw"]
        assert raw["max_ulp"] > r["derivative"]["max_ulp"] and raw["cancellation"] == acc.CANCELLATION
    # the README's plain-ULP figures are today's: within 1 ULP of the range it gives (numpy's
    # AVX2 and AVX-512 code differ in the last bit of each term, which the zero amplifies)
    readme = " ".join((Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8").split())
    for r, name in zip(records, ("silu's", "mish's", "gelu's"), strict=True):
        shown = re.search(rf"{name} (?:f' is )?([0-9.]+)(?: to ([0-9.]+))? ULP(?: off)? at x = (-?[0-9.]+)", readme)
        assert shown, name
        low, high = float(shown[1]), float(shown[2] or shown[1])
        assert low - 1.0 <= r["derivative_raw"]["max_ulp"] <= high + 1.0, (name, r["derivative_raw"])
        assert abs(float(shown[3]) - r["derivative_raw"]["at"]) < 1e-4, name
    # a non-gate gets no such allowance: its derivative is the plain one
    (relu,) = json.loads(runner.invoke(app, ["accuracy", "tanh", "--format", "json"]).stdout)
    assert relu["derivative_raw"] is None


def test_the_derivative_zero_is_where_the_float64_audit_fails():
    import mpmath as mp

    silu, x0 = actviz.get("silu"), ZERO_OF_DERIVATIVE["silu"]
    with mp.workdps(40):
        true = silu.record.mp_reference(mp.mpf(x0), **silu.params)[1]
    assert abs(float(true)) < 1e-14  # x0 is the zero of silu', rounded to float64
    assert ulp_error(np.array([silu.derivative(x0)]), [true])[0] > 8
    r = acc.audit(silu, "float64", range=(-1.3, -1.25), points=101)
    # in plain ULPs it fails there; held to its terms' size, as the contract says, it passes
    assert r.derivative_raw.max_ulp > 8 and r.derivative.max_ulp <= 8
    assert r.passed and r.forward.max_ulp <= 4


def test_float64_textbook_formulas_overflow_past_709():
    r = acc.audit("tanh", "float64")  # default range ±1000
    grid = acc.audit_grid(-1000.0, 1000.0, acc.DEFAULT_POINTS, ())
    assert r.points == len(grid)
    # e^|x| overflows float64 for |x| > ln(max float) = 709.78: inf/inf
    assert r.naive_forward.nan == np.sum(np.abs(grid) > 709.782712893384)
    assert r.passed


def test_exponential_overflow_is_correct_rounding_not_an_error():
    r = acc.audit("exponential", "float64", range=(700.0, 720.0), points=41)
    assert r.passed and r.forward.nonfinite == 0


def test_presets_with_their_own_definition_have_no_mpmath_reference():
    with pytest.raises(actviz.UsageError, match="float32 or float16"):
        acc.audit("hard_sigmoid@keras2", "float64")
    assert acc.audit("hard_sigmoid@keras2", "float16", exhaustive=True).passed


def test_kink_values_follow_the_preset():
    # leaky_relu@jax takes f'(0) = 1, the record's mpmath reference the canonical alpha
    r = acc.audit("leaky_relu@jax", "float64", range=(-1.0, 1.0), points=11)
    assert r.passed


# -- float32, in ranges ----------------------------------------------------------------------


def test_float32_range_threads_give_the_same_result_and_report_progress():
    seen = []
    one = acc.audit("sigmoid", "float32", range=(1.0, 1.07), exhaustive=True, workers=1)
    two = acc.audit("sigmoid", "float32", range=(1.0, 1.07), exhaustive=True, workers=2,
                    progress=lambda done, total: seen.append((done, total)))
    a, b = one.as_dict(), two.as_dict()
    a.pop("seconds"), b.pop("seconds")
    assert a == b
    # 1 and every float32 up to 1.07: 0.07·2^23 = 587202.56 steps of 2^-23 past 1
    assert one.points == acc.count_values("float32", (1.0, 1.07)) == 587203
    assert len(seen) == 3 == -(-one.points // acc.CHUNK) and seen[-1][0] == seen[-1][1] and [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert one.passed and one.forward.max_ulp <= 0.5


def test_float32_textbook_softplus_overflows_where_exp_does():
    import mpmath as mp

    r = acc.audit("softplus", "float32", range=(88.0, 90.0), exhaustive=True)
    # e^x rounds to inf in float32 from x = ln(2^128 - 2^103) = 88.7228390818707 on
    threshold = float(mp.log(mp.mpf(2) ** 128 - mp.mpf(2) ** 103))
    first = np.float32(threshold)
    if float(first) < threshold:
        first = np.nextafter(first, np.float32(np.inf))
    expected = int(np.float32(90.0).view(np.uint32)) - int(first.view(np.uint32)) + 1
    assert r.naive_forward.overflow == expected
    assert r.naive_derivative.nan == expected
    assert r.passed


def test_float32_reference_is_the_correctly_rounded_value():
    import mpmath as mp

    # spot check of the reference itself: the float64 result rounds to the same float32 as mpmath
    act = actviz.get("gelu")
    x = np.linspace(-9, 9, 301).astype(np.float32)
    with mp.workdps(40):
        truth = np.array([float(act.record.mp_reference(mp.mpf(float(v)), **act.params)[0]) for v in x])
    np.testing.assert_array_equal(act(x.astype(np.float64)).astype(np.float32), truth.astype(np.float32))


# -- bfloat16 --------------------------------------------------------------------------------


def test_bfloat16_without_ml_dtypes_is_a_clear_runtime_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "ml_dtypes", None)  # import ml_dtypes now raises ImportError
    with pytest.raises(acc.MissingDependencyError, match="pip install ml_dtypes"):
        acc.numpy_dtype("bfloat16")
    result = runner.invoke(app, ["accuracy", "sigmoid", "--dtype", "bfloat16"])
    assert result.exit_code == 1 and "ml_dtypes" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_bfloat16_exhaustive():
    pytest.importorskip("ml_dtypes")
    r = acc.audit("sigmoid", "bfloat16", exhaustive=True)
    assert r.points == (1 << 16) - 2 * (1 << 7)  # 65280: less 2·(2^7 - 1) NaNs and 2 infinities
    assert r.passed and r.naive_forward.max_ulp > 1
    assert acc.audit("mish", "bfloat16", exhaustive=True).passed


def test_bfloat16_results_are_rounded_once():
    ml_dtypes = pytest.importorskip("ml_dtypes")
    bf16 = np.dtype(ml_dtypes.bfloat16)
    # 1 + 2^-8 + 2^-40 is just above the midpoint of 1 and 1 + 2^-7 (bfloat16 keeps 7 bits):
    # rounded once it goes up; through float32 (where it becomes the midpoint) it goes to even, 1
    x = np.array([1 + 2.0**-8 + 2.0**-40, -(1 + 2.0**-8 + 2.0**-40), 1 + 2.0**-8, 1e-45, 3.4e38])
    np.testing.assert_array_equal(acc.round_once(x, bf16).astype(np.float64), [1 + 2.0**-7, -(1 + 2.0**-7), 1.0, 0.0, np.inf])
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(acc.round_once(x, np.dtype(np.float16)), x.astype(np.float16))


# -- the textbook formulas -------------------------------------------------------------------


@pytest.mark.parametrize("name", [r.name for r in actviz.records() if r.naive is not None])
def test_textbook_formulas_are_right_where_they_do_not_break(name):
    act = actviz.get(name).elementwise
    entry = naive_for(act)
    assert entry is not None
    x = np.linspace(-3, 3, 61)
    for k in act.kinks:
        x = x[np.abs(x - k) > 1e-3]
    from actviz.analysis.naive import evaluate_naive

    f, d = evaluate_naive(entry, act, x)
    np.testing.assert_allclose(f, act(x), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(d, act.derivative(x), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", [r.name for r in actviz.records() if r.naive is not None and r.naive.both])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_a_textbook_pair_computed_at_once_is_the_two_formulas_to_the_bit(name, dtype):
    # ``both`` only saves the derivative formula's second f: every value, the tails where
    # exp overflows, ±inf and NaN included, is that of the forward and derivative formulas
    act = actviz.get(name).elementwise
    entry = naive_for(act)
    x = np.concatenate([np.linspace(-800, 800, 4001), np.geomspace(1e-30, 1e4, 500),
                        -np.geomspace(1e-30, 1e4, 500), [0.0, -0.0, np.inf, -np.inf, np.nan]])
    with np.errstate(all="ignore"):
        x = x.astype(dtype)
        f, d = entry.both(x, **act.params)
        want_f, want_d = entry.forward(x, **act.params), entry.derivative(x, **act.params)
    for got, want in ((f, want_f), (d, want_d)):
        assert got.dtype == want.dtype == dtype
        np.testing.assert_array_equal(got.view(f"u{got.itemsize}"), want.view(f"u{want.itemsize}"))


def test_textbook_formulas_keep_the_dtype_and_stand_aside_for_other_definitions():
    from actviz.analysis.naive import evaluate_naive

    act = actviz.get("sigmoid")
    f, d = evaluate_naive(naive_for(act), act, np.linspace(-1, 1, 5, dtype=np.float16))
    assert f.dtype == d.dtype == np.float16
    assert naive_for(actviz.get("hard_sigmoid@keras2")) is None
    assert naive_for(actviz.get("softplus@torch")) is None  # the threshold switch is not log(1+e^x)
    assert naive_for(actviz.get("relu(alpha=0.1)")) is None


def test_audit_json_has_the_issue_keys():
    d = acc.audit("softplus", "float16", exhaustive=True).as_dict()
    for key in ("spec", "dtype", "points", "forward", "derivative", "naive"):
        assert key in d
    for part in (d["forward"], d["derivative"], d["naive"]["forward"], d["naive"]["derivative"]):
        assert {"max_ulp", "mean_ulp", "at"} <= set(part)
    assert d["naive"]["nonfinite"] == 2 * F16_EXP_OVERFLOWS
    json.dumps(d, allow_nan=False)


# -- the figure ------------------------------------------------------------------------------


def test_figure_plots_ulps_against_x_with_textbook_failures_marked():
    from actviz.render.analysis_figures import ULP_FLOOR, accuracy_figure

    r = acc.audit("tanh", "float16", exhaustive=True)
    fig = accuracy_figure([r])
    ax_f, ax_d = fig.axes
    (ours,) = [ln for ln in ax_f.lines if ln.get_gid() == "ours"]
    x, err = r.curve.series("forward")
    np.testing.assert_array_equal(ours.get_xdata(), x)
    np.testing.assert_array_equal(ours.get_ydata(), np.maximum(err, ULP_FLOOR))
    (bad,) = [ln for ln in ax_f.lines if ln.get_gid() == "naive-nonfinite"]
    assert len(bad.get_xdata()) == 2 * F16_EXP_OVERFLOWS
    assert ax_f.get_yscale() == "log" and ax_d.get_yscale() == "log"
    (tol,) = [ln for ln in ax_d.lines if ln.get_gid() == "tolerance"]
    assert tol.get_ydata()[0] == 0.5


def test_figure_legend_is_short_shared_and_below_the_panels():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from actviz.render.analysis_figures import accuracy_figure

    exact = acc.audit("gelu", "float16", exhaustive=True)
    approx = acc.audit("gelu(approximate=tanh)", "float16", exhaustive=True)
    fig = accuracy_figure([exact, approx])
    assert all(ax.get_legend() is None for ax in fig.axes)
    (legend,) = fig.legends
    labels = [t.get_text() for t in legend.get_texts()]
    assert "textbook formula" in labels and "actviz" in labels
    assert max(map(len, labels)) < 40  # formulas go in the panel titles, not the legend
    # each row quotes its own form's textbook formula
    assert "erf" in fig.axes[0].get_title("left") and "tanh" not in fig.axes[0].get_title("left")
    assert "tanh" in fig.axes[2].get_title("left") and "erf" not in fig.axes[2].get_title("left")
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    box = legend.get_window_extent(renderer)
    assert all(box.y1 <= ax.get_window_extent(renderer).y0 for ax in fig.axes)
    assert 0 <= box.x0 and box.x1 <= fig.bbox.x1


# -- the command -----------------------------------------------------------------------------


def test_accuracy_command_json_per_spec_and_dtype():
    result = runner.invoke(app, ["accuracy", "sigmoid", "relu", "-d", "float16", "-d", "float32",
                                 "--range", "-20", "20", "--points", "101", "--format", "json"])
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert [(r["spec"], r["dtype"]) for r in records] == [
        ("sigmoid", "float16"), ("sigmoid", "float32"),
        (actviz.get("relu").spec, "float16"), (actviz.get("relu").spec, "float32"),
    ]
    assert all(r["passed"] for r in records)
    # the short label first (relu at its defaults is "relu"), the full spec and parameters beside it
    assert [r["activation"] for r in records] == ["sigmoid", "sigmoid", "relu", "relu"]
    assert records[2]["params"] == {"alpha": 0.0, "max_value": None, "threshold": 0.0}


def test_accuracy_figure_titles_use_the_label():
    from actviz.render.analysis_figures import accuracy_figure

    fig = accuracy_figure([acc.audit("relu", "float32", points=11)])
    assert [ax.get_title(loc="left").split(":")[0] for ax in fig.axes[:2]] == ["relu", "relu"]


def test_accuracy_command_table_figure_and_files(tmp_path):
    result = runner.invoke(app, ["accuracy", "sigmoid", "-d", "float16", "--exhaustive"])
    assert result.exit_code == 0, result.output
    assert "63,488 (all)" in result.stdout and "yes (≤ 0.5 / 0.5)" in result.stdout
    png, md = tmp_path / "a.png", tmp_path / "a.md"
    result = runner.invoke(app, ["accuracy", "tanh", "-d", "float16", "--exhaustive", "-o", str(md), "--figure", str(png)])
    assert result.exit_code == 0, result.output
    assert md.read_text().startswith("| activation | dtype |")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = tmp_path / "a.svg"
    assert runner.invoke(app, ["accuracy", "tanh", "-d", "float16", "--points", "51", "-o", str(svg)]).exit_code == 0
    assert svg.read_text().lstrip().startswith("<?xml")


def test_accuracy_command_strict_fails_on_a_textbook_expression():
    # an expression is taken as written: log(1 + exp(x)) overflows past 709.78
    result = runner.invoke(app, ["accuracy", "log(1+exp(x))", "--points", "101", "--strict"])
    assert result.exit_code == 1
    assert "outside tolerance" in result.stderr
    assert runner.invoke(app, ["accuracy", "log(1+exp(x))", "--points", "101"]).exit_code == 0


@pytest.mark.parametrize(
    "args, message",
    [
        (["-d", "float8"], "dtype"),
        (["--range", "5", "1"], "range"),
        (["--range", "nan", "1"], "range"),
        (["--points", "1"], "points"),
        (["--points", "x"], "points"),
        (["--exhaustive"], "float16, bfloat16 or float32"),
        (["--exhaustive", "-d", "float64", "--range", "1", "2"], "at most"),
        (["--workers", "0"], "--workers"),
        (["-d", "float16", "--range", "0.1", "0.10002"], "no finite float16 value"),
        (["-d", "float16", "--range", "0.1", "0.10002", "--exhaustive"], "no finite float16 value"),
        (["--format", "svg"], "needs -o"),
        (["-o", "a.txt"], "suffix"),
        (["--figure", "a.csv"], "suffix"),
    ],
)
def test_accuracy_command_usage_errors(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["accuracy", "sigmoid", *args])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_accuracy_command_unknown_activation_and_missing_directory(tmp_path):
    result = runner.invoke(app, ["accuracy", "sigmoidd"])
    assert result.exit_code == 2 and "sigmoid" in result.stderr
    result = runner.invoke(app, ["accuracy", "sigmoid", "-o", str(tmp_path / "no" / "a.json")])
    assert result.exit_code == 1 and "does not exist" in result.stderr


#: The accuracy table's columns of measured errors, in ULPs.
ULP_COLUMNS = ("f max ULP", "f mean", "f' max ULP", "f' mean", "textbook f", "textbook f'")


def test_readme_example_is_the_real_output(numpy_path):
    command = "accuracy sigmoid tanh softplus --dtype float64 --dtype float16 --format md"
    result = runner.invoke(app, shlex.split(command))
    assert result.exit_code == 0, result.output
    # the ULP figures are measurements that move with the CPU's libm and SIMD paths: within 1 ULP
    assert_same_output(readme_table("analysis", command), result.stdout, "README section 'analysis'",
                       "paste the new output", ulp_columns=ULP_COLUMNS)


# --- the allocator: the command line's process only ---------------------------------------------


def test_the_library_leaves_the_allocator_alone():
    # a program that imports actviz and audits keeps glibc's defaults: nothing in the library
    # reaches for mallopt (the command line does, in its own process)
    package = Path(acc.__file__).resolve().parent.parent
    offenders = [p.relative_to(package) for p in package.rglob("*.py")
                 if "mallopt" in p.read_text() and p.parent.name != "cli"]
    assert offenders == []


def test_an_exhaustive_audit_on_the_command_line_keeps_freed_memory(monkeypatch):
    from actviz.cli import _memory, analysis_commands

    calls = []
    monkeypatch.setattr(analysis_commands, "keep_freed_memory", lambda: calls.append(1) or True)
    # float32 on [1, 1.02]: 167,773 values, more than a curve's worth, so the chunked path
    result = runner.invoke(app, ["accuracy", "sigmoid", "--dtype", "float32", "--exhaustive",
                                 "--range", "1", "1.02", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert calls == [1]
    result = runner.invoke(app, ["accuracy", "sigmoid", "--dtype", "float16", "--points", "101"])
    assert result.exit_code == 0, result.output
    assert calls == [1]  # a sampled audit leaves the allocator as it is
    assert _memory.keep_freed_memory() is (sys.platform == "linux" and _glibc())


def _glibc() -> bool:
    import platform

    return platform.libc_ver()[0] == "glibc"


def _same_audit(a, b):
    """Two audits' every statistic and curve point, compared exactly."""
    for key in ("forward", "derivative", "naive_forward", "naive_derivative"):
        sa, sb = getattr(a, key), getattr(b, key)
        assert (sa is None) == (sb is None), key
        if sa is not None:
            assert sa.as_dict() == sb.as_dict() and sa.first_nonfinite == sb.first_nonfinite, key
        xa, ea = a.curve.series(key)
        xb, eb = b.curve.series(key)
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ea, eb)
    assert a.points == b.points and a.curve.binned == b.curve.binned


@pytest.mark.parametrize("name", ALL_NAMES)
def test_float32_results_are_the_float64_results_rounded_once(name):
    # what the compiled judge takes for granted instead of calling act(x) again: in a chunk
    # of an exhaustive audit (large enough for a compiled kernel, where there is one), act's
    # float32 f and f' are its float64 ones rounded once, bit for bit
    # (the last chunk of a range may be too small for a kernel: both sizes)
    act = actviz.get(name).elementwise
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.normal(0, 4, 70000), rng.uniform(-200, 200, 4000),
                        [0.0, -0.0, 1e-40, -1e-40, 3e38, -3e38]]).astype(np.float32)
    for values in (x, x[::97]):
        with np.errstate(all="ignore"):
            f32, d32 = act.evaluate(values, (0, 1))
            f64, d64 = act.evaluate(values.astype(np.float64), (0, 1))
            for got, ref in ((f32, f64), (d32, d64)):
                want = acc.round_once(ref, np.dtype(np.float32))
                assert got.dtype == np.float32
                np.testing.assert_array_equal(got.view(np.uint32), want.view(np.uint32))


@pytest.mark.skipif(not __import__("actviz.numerics.fast", fromlist=["x"]).installed(), reason="numba is not installed")
@pytest.mark.parametrize("spec, lo, hi", [
    ("sigmoid", 1.0, 1.1),          # everything finite
    ("softplus", 85.0, 95.0),       # the textbook overflows to inf past 88.7
    ("tanh", -100.0, -80.0),        # the textbook's inf/inf is NaN
    ("gelu", -20.0, -9.0),          # tiny results, and the subnormals of float32
])
def test_the_compiled_float32_judge_is_the_numpy_judge_to_the_bit(spec, lo, hi, monkeypatch):
    # the same float64 reference (the compiled kernels) judged both ways: every statistic,
    # sums included, and every curve point are the same
    compiled = acc.audit(spec, "float32", range=(lo, hi), exhaustive=True, workers=2)
    assert compiled.curve.binned
    monkeypatch.setattr(acc, "_compiled_judge", lambda: False)
    reference = acc.audit(spec, "float32", range=(lo, hi), exhaustive=True, workers=2)
    _same_audit(compiled, reference)


# -- the terminal table fits the terminal ------------------------------------------------------


def _in_a_terminal(monkeypatch, width: int, *args: str) -> str:
    """What `actviz accuracy ARGS` prints in a terminal ``width`` columns wide (without styles)."""
    from actviz.render import tables

    monkeypatch.setattr(tables, "plain_output", lambda file=None: False)
    monkeypatch.setenv("COLUMNS", str(width))  # rich's width where it cannot ask a terminal
    monkeypatch.delenv("NO_COLOR", raising=False)
    result = runner.invoke(app, ["accuracy", *args])
    assert result.exit_code == 0, result.output
    assert "\x1b[" not in result.stdout
    return result.stdout


@pytest.mark.parametrize("impl", [False, True], ids=["actviz", "impl"])
def test_the_accuracy_table_fits_the_terminal_and_cuts_no_cell(monkeypatch, impl):
    # at 80 columns the one-row-per-audit table (over 200 columns) had cells cut to "float…", "-32.6…"
    from rich.cells import cell_len

    from actviz.render.export import accuracy_grid, implementation_grid

    args = ["silu", "gelu", *(["--impl", "numpy"] if impl else [])]
    plain = runner.invoke(app, ["accuracy", *args]).stdout  # a pipe: one row per audit, as wide as it takes
    assert max(cell_len(line) for line in plain.splitlines()) > 200
    header, ids = (implementation_grid([])[0], (0, 1, 3)) if impl else (accuracy_grid([], [])[0], (0, 1))
    quantities = [name for j, name in enumerate(header) if j not in ids]
    # cells that must reach the terminal whole: the worst points, and the longest of the rest
    wanted = set(re.findall(r"-?[\d.e+]+ at x = -?[\d.e+-]+", plain)) | {"1,217"}
    wanted |= {"x*sigmoid(beta*x) = x/(1+exp(-beta*x))"} if impl else {"yes (≤ 4 / 8)"}
    assert len(wanted) > 4
    layouts = {}
    for width in (60, 80, 100, 400):
        text = _in_a_terminal(monkeypatch, width, *args)
        assert "…" not in text, (width, text)
        assert max(cell_len(line.rstrip()) for line in text.splitlines()) <= width, (width, text)
        flat = " ".join(text.split())
        for cell in wanted:
            assert cell in flat, (width, cell, text)
        lines = [line.strip() for line in text.splitlines()]
        if any(line.startswith("activation") for line in lines):
            layouts[width] = "a row per audit"
        elif any(re.fullmatch(r"silu\s+gelu", line) for line in lines):
            layouts[width] = "an audit per column"
        else:
            assert any(re.match(r"silu\s+(numpy \S+\s+)?float64$", line) for line in lines), text
            layouts[width] = "a block per audit"
        if layouts[width] != "a row per audit":  # each quantity is a row label, whole
            assert all(any(line.startswith(q) for line in lines) for q in quantities), (width, text)
    assert layouts[60] == layouts[80] == "a block per audit"
    if not impl:  # two audits side by side take 85 columns; a row per audit 220
        assert layouts[100] == "an audit per column" and layouts[400] == "a row per audit"
