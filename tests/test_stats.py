"""Saturation and Gaussian statistics against closed forms and mpmath."""

import math

import numpy as np
import pytest
from conftest import ALL_NAMES

import actviz
from actviz.analysis.check import derivative_check
from actviz.analysis.saturation import saturation
from actviz.analysis.stats import GAUSSIAN_KEYS, STATS_KEYS, stats, torch_gain


def sigmoid_onset(tau):
    """Solve σ'(x) = σ(1 - σ) = τ for x > 0 in closed form: σ = (1 + r)/2 with r = √(1 - 4τ), so
    x = logit(σ) = ln((1 + r)/(1 - r)) = ln((1 + r)²/(4τ)) (the last form does not cancel)."""
    r = math.sqrt(1.0 - 4.0 * tau)
    return math.log((1.0 + r) ** 2 / (4.0 * tau))


@pytest.fixture(scope="module")
def sigmoid_stats():
    return stats("sigmoid")


@pytest.fixture(scope="module")
def relu_stats():
    return stats("relu")


def test_keys_are_exactly_the_documented_ones(sigmoid_stats):
    assert tuple(sigmoid_stats) == STATS_KEYS
    assert tuple(sigmoid_stats["gaussian"]) == GAUSSIAN_KEYS
    assert sigmoid_stats["range"] == [-6.0, 6.0] and sigmoid_stats["points"] == 1201
    assert sigmoid_stats["saturation_threshold"] == 0.01


def test_sigmoid_onset_is_the_closed_form_root(sigmoid_stats):
    x_star = sigmoid_onset(0.01)
    assert f"{x_star:.5f}" == "4.58486"  # as the stats table prints it
    left, right = sigmoid_stats["onset"]
    assert right == pytest.approx(x_star, rel=1e-14)
    assert left == pytest.approx(-x_star, rel=1e-14)


@pytest.mark.parametrize("tau", [0.2, 0.05, 1e-3, 1e-6])
def test_sigmoid_onset_for_other_thresholds(tau):
    sat = saturation("sigmoid", range=(-20.0, 20.0), points=401, threshold=tau)
    assert sat.onset[1] == pytest.approx(sigmoid_onset(tau), rel=1e-13)
    assert sat.onset[0] == pytest.approx(-sigmoid_onset(tau), rel=1e-13)


def test_sigmoid_shares_on_minus_six_six(sigmoid_stats):
    # saturated where |x| > x*: two pieces of length 6 - x* out of 12 (closed form above)
    assert sigmoid_stats["dead_share"] == 0.0
    assert sigmoid_stats["saturated_share"] == pytest.approx(2 * (6 - sigmoid_onset(0.01)) / 12, rel=1e-13)


def test_relu_shares_onset_and_gaussian_moments(relu_stats):
    r = relu_stats
    # dead exactly on [-6, 0]: half the interval's length, not 601 of 1201 grid points
    assert r["dead_share"] == 0.5
    assert r["saturated_share"] == 0.0
    # |f'| steps across τ at the kink 0, with the dead side on the left
    assert r["onset"] == [0.0, None]
    g = r["gaussian"]
    # closed forms for z ~ N(0, 1): E[max(z,0)] = 1/√(2π), E[max(z,0)²] = 1/2,
    # Var = 1/2 - 1/(2π), E[1(z>0)] = E[1(z>0)²] = 1/2
    assert g["mean"] == pytest.approx(1 / math.sqrt(2 * math.pi), abs=1e-12)
    assert g["var"] == pytest.approx(0.5 - 1 / (2 * math.pi), abs=1e-12)
    assert g["second_moment"] == pytest.approx(0.5, abs=1e-12)
    assert g["mean_df"] == pytest.approx(0.5, abs=1e-12)
    assert g["second_moment_df"] == pytest.approx(0.5, abs=1e-12)
    # gain 1/√E[f²] = √2, which is also PyTorch's calculate_gain('relu') (torch/nn/init.py)
    assert r["gain"] == pytest.approx(math.sqrt(2), rel=1e-12)
    assert r["torch_gain"] == math.sqrt(2)
    assert r["f0"] == 0.0 and r["df0"] == 0.0  # relu'(0) = 0, PyTorch's convention
    assert r["output_min"] == 0.0 and r["output_max"] == 6.0


def test_relu_steepest_slope_is_reported_nearest_zero(relu_stats):
    # |f'| = 1 on all of (0, 6]: the grid point nearest 0 is 0.01
    assert relu_stats["max_abs_df"] == 1.0
    assert relu_stats["argmax_abs_df"] == pytest.approx(0.01, abs=1e-12)


def test_selu_is_self_normalising():
    # Klambauer et al. 2017 (arXiv 1706.02515): λ and α are chosen so that z ~ N(0, 1) gives
    # E[selu(z)] = 0 and Var[selu(z)] = 1.
    g = stats("selu")["gaussian"]
    assert abs(g["mean"]) < 1e-9
    assert abs(g["var"] - 1.0) < 1e-9
    assert abs(g["second_moment"] - 1.0) < 1e-9


def test_tanh_gaussian_moments_match_mpmath():
    import mpmath as mp

    g = stats("tanh")["gaussian"]
    with mp.workdps(30):
        phi = lambda t: mp.exp(-t * t / 2) / mp.sqrt(2 * mp.pi)  # noqa: E731
        mean_df = mp.quad(lambda t: mp.sech(t) ** 2 * phi(t), [-mp.inf, 0, mp.inf])
        second = mp.quad(lambda t: mp.tanh(t) ** 2 * phi(t), [-mp.inf, 0, mp.inf])
        second_df = mp.quad(lambda t: mp.sech(t) ** 4 * phi(t), [-mp.inf, 0, mp.inf])
    assert g["mean"] == pytest.approx(0.0, abs=1e-12)  # odd function
    assert g["mean_df"] == pytest.approx(float(mean_df), abs=1e-10)
    assert g["second_moment"] == pytest.approx(float(second), abs=1e-10)
    assert g["var"] == pytest.approx(float(second), abs=1e-10)
    assert g["second_moment_df"] == pytest.approx(float(second_df), abs=1e-10)


def _mp_gain(f2, cut=0):
    """1/√E[f(z)²] for z ~ N(0, 1), mpmath quadrature (30 digits) split at the kink ``cut``."""
    import mpmath as mp

    with mp.workdps(30):
        second = mp.quad(lambda z: f2(z) * mp.npdf(z), [-mp.inf, cut, mp.inf])
        return float(1 / mp.sqrt(second))


@pytest.mark.parametrize(("spec", "f2", "shown"), [
    # E[f(z)²] from the definitions: gelu z·Φ(z), silu z·σ(z), squared relu max(z, 0)²
    ("gelu", lambda z: (z * __import__("mpmath").ncdf(z)) ** 2, "1.53353"),
    ("silu", lambda z: (z / (1 + __import__("mpmath").exp(-z))) ** 2, "1.67653"),
    ("squared_relu", lambda z: max(z, 0) ** 4, "0.816497"),
])
def test_the_gain_is_the_quadrature_of_the_definition(spec, f2, shown):
    expected = _mp_gain(f2)
    r = stats(spec, points=101)
    assert r["gain"] == pytest.approx(expected, rel=1e-12)
    # what the table prints (6 digits) is that number rounded
    assert f"{expected:.6g}" == shown
    from typer.testing import CliRunner

    from actviz.cli import app

    table = CliRunner().invoke(app, ["stats", spec, "--points", "101"]).stdout
    assert next(line for line in table.splitlines() if line.startswith("gain")).split()[-1] == shown


def test_gain_is_for_the_standard_normal_whatever_mu_and_sigma():
    r = stats("relu", mu=0.0, sigma=2.0)
    # E[max(σz, 0)] = σ/√(2π) for the requested Gaussian; the gain stays √2
    assert r["gaussian"]["sigma"] == 2.0
    assert r["gaussian"]["mean"] == pytest.approx(2 / math.sqrt(2 * math.pi), abs=1e-12)
    assert r["gain"] == pytest.approx(math.sqrt(2), rel=1e-12)


@pytest.mark.parametrize(
    "spec, expected",
    [
        # calculate_gain in pytorch/pytorch torch/nn/init.py
        ("sigmoid", 1.0),
        ("tanh", 5 / 3),
        ("relu", math.sqrt(2)),
        # √(2/(1 + s²)) as float64 (mpmath: tests/golden/make_golden.py)
        ("leaky_relu", 1.4141428569978354),  # s = 0.01
        ("leaky_relu@keras", 1.3867504905630728),  # s = 0.2
        ("leaky_relu(alpha=0)", math.sqrt(2)),
        ("selu", 0.75),  # 3/4, chosen empirically (torch/nn/init.py)
        ("gelu", None),
        ("softsign", None),
        ("hard_sigmoid", None),
    ],
)
def test_torch_gain_table(spec, expected):
    got = torch_gain(spec)
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected, rel=1e-15)


def test_shares_are_lengths_even_when_the_grid_misses_the_kinks():
    # hard_sigmoid: f' = 1/6 on (-3, 3), 0 outside (closed form). 1000 points put no grid
    # point on ±3, yet the dead share is 6/12 to rounding.
    sat = saturation("hard_sigmoid", points=1000)
    assert sat.dead_share == pytest.approx(0.5, abs=1e-13)
    assert sat.saturated_share == 0.0
    assert sat.onset == (-3.0, 3.0)


def test_onset_on_an_interval_away_from_zero():
    x_star = sigmoid_onset(0.01)
    sat = saturation("sigmoid", range=(1.0, 6.0), points=11)
    assert sat.onset[0] is None
    assert sat.onset[1] == pytest.approx(x_star, rel=1e-13)
    assert sat.saturated_share == pytest.approx((6 - x_star) / 5, rel=1e-13)


def test_zero_threshold_counts_no_saturation():
    sat = saturation("sigmoid", threshold=0.0)
    assert sat.saturated_share == 0.0 and sat.onset == (None, None)


def test_negative_or_nan_threshold_is_a_usage_error():
    for tau in (-0.1, math.nan, math.inf):
        with pytest.raises(actviz.UsageError, match="threshold"):
            saturation("sigmoid", threshold=tau)


@pytest.mark.parametrize("mu, sigma", [(0.0, 0.0), (0.0, -1.0), (math.nan, 1.0), (0.0, math.inf)])
def test_bad_gaussian_is_a_usage_error(mu, sigma):
    with pytest.raises(actviz.UsageError):
        stats("sigmoid", mu=mu, sigma=sigma)


def test_extremes_are_polished_between_grid_points():
    r = stats("gelu")
    # exact gelu has its minimum -0.1699712 at x = -0.7517915 (where f' = 0) and its largest
    # slope 1.1289041 at x = √2 (where f'' = φ(x)(2 - x²) = 0); mpmath: tests/golden/make_golden.py.
    # The 0.01 grid alone would be off in the 5th digit
    assert r["output_min"] == pytest.approx(-0.1699712, abs=5e-8)
    assert r["max_abs_df"] == pytest.approx(1.1289041, abs=5e-8)
    assert r["argmax_abs_df"] == pytest.approx(math.sqrt(2), abs=1e-6)


def test_flat_top_is_not_moved_by_rounding():
    r = stats("tanh")
    assert r["max_abs_df"] == 1.0 and r["argmax_abs_df"] == 0.0


def test_derivative_check_catches_a_wrong_derivative():
    import dataclasses

    rec = actviz.lookup("sigmoid")
    wrong = dataclasses.replace(rec, derivatives=(lambda x: 1.01 * rec.derivatives[0](x), rec.derivatives[1]))
    assert not derivative_check(actviz.get(wrong))["ok"]
    assert derivative_check(actviz.get(rec))["ok"]


def test_derivative_check_skips_kinks():
    # leaky_relu'(0) = alpha, which no central difference reproduces; it is left out
    row = derivative_check("leaky_relu", points=1201)
    assert row["ok"] and row["points"] < 1201
    assert row["df_abs"] < 1e-10


@pytest.mark.parametrize("name", ALL_NAMES)
def test_statistics_are_consistent_for_every_activation(name):
    r = stats(name, points=201)
    assert 0.0 <= r["dead_share"] <= 1.0 and 0.0 <= r["saturated_share"] <= 1.0
    assert r["dead_share"] + r["saturated_share"] <= 1.0 + 1e-12
    left, right = r["onset"]
    lo, hi = r["range"]
    # an onset lies in the interval, and |f'| stays below the threshold from it out to the end
    # (squared_relu's left onset is x = τ/2 > 0: f' = 2x)
    df = actviz.get(name).elementwise.derivative
    tau = r["saturation_threshold"]
    if left is not None:
        assert lo <= left <= hi
        assert np.all(np.abs(df(np.linspace(lo, left, 101)[:-1])) < tau)
    if right is not None:
        assert lo <= right <= hi and (left is None or left < right)
        assert np.all(np.abs(df(np.linspace(right, hi, 101)[1:])) < tau)
    assert r["output_min"] <= r["f0"] <= r["output_max"]
    assert r["max_abs_df"] >= abs(r["df0"])
    g = r["gaussian"]
    assert all(math.isfinite(v) for v in g.values())
    assert g["var"] >= 0.0 and g["second_moment_df"] >= g["mean_df"] ** 2 - 1e-12
    # Var = E[f²] - E[f]², each to about 1e-12
    assert g["var"] == pytest.approx(g["second_moment"] - g["mean"] ** 2, abs=1e-9)
    if r["gain"] is not None:
        assert r["gain"] == pytest.approx(1 / math.sqrt(g["second_moment"]), rel=1e-12)


@pytest.mark.parametrize("spec", ["abs(sin(x))", "x**2"])
def test_a_dead_set_of_isolated_points_has_share_exactly_zero(spec):
    # f' vanishes only at points (x = 0, ±π): those are stationary points, not dead length;
    # |f'| dips below τ around them inside the interval, which is not saturation either
    r = saturation(spec)
    assert r.dead_share == 0.0 and r.dead == ()
    assert r.saturated_share == 0.0 and r.onset == (None, None)
    assert (0.0, 0.0) in r.stationary


def _mp_root(fn, guess):
    import mpmath

    with mpmath.workdps(30):
        return float(mpmath.findroot(fn, guess))


def _gelu_df(t):
    import mpmath

    return mpmath.ncdf(t) + t * mpmath.npdf(t)  # gelu' = Φ + xφ


def test_gelu_saturates_in_its_left_tail_not_at_its_minimum():
    # |gelu'| = τ = 0.01 in the left tail: gelu' = Φ(x) + xφ(x) = -0.01 (mpmath, 30 digits)
    onset = _mp_root(lambda t: _gelu_df(t) + 0.01, -3.0)
    r = saturation("gelu")
    assert f"{onset:.4f}" == "-3.0674"
    assert r.onset[0] == pytest.approx(onset, rel=1e-13) and r.onset[1] is None
    assert r.saturated == ((-6.0, r.onset[0]),)  # nothing near the minimum at -0.75
    assert r.saturated_share == pytest.approx((onset + 6.0) / 12.0, rel=1e-12)


def _silu_df(t):
    import mpmath

    s = 1 / (1 + mpmath.exp(-t))
    return s * (1 + t * (1 - s))


def _mish_df(t):
    import mpmath

    sp = mpmath.log1p(mpmath.exp(t))
    return mpmath.tanh(sp) + t * mpmath.sech(sp) ** 2 / (1 + mpmath.exp(-t))


@pytest.mark.parametrize(
    ("spec", "df", "guess", "expected_x"),
    [
        # the roots of f' by mpmath.findroot at 30 digits; silu's is also -1 - W(1/e)
        # (Lambert W), and all three minima are those of the activations' papers:
        # GELU arXiv:1606.08415, SiLU arXiv:1702.03118, Mish arXiv:1908.08681
        ("gelu", _gelu_df, -0.75, "-0.7517915"),
        ("silu", _silu_df, -1.28, "-1.2784645"),
        ("mish", _mish_df, -1.19, "-1.1924312"),
    ],
)
def test_the_root_of_f_prime_is_a_stationary_point_not_saturation(spec, df, guess, expected_x):
    import mpmath

    root = _mp_root(df, guess)
    assert f"{root:.7f}" == expected_x
    if spec == "silu":
        assert root == pytest.approx(float(-1 - mpmath.lambertw(1 / mpmath.e)), rel=1e-15)
    r = saturation(spec)
    ((x, f),) = r.stationary
    assert x == pytest.approx(root, rel=1e-12)
    assert f == float(actviz.get(spec)(x))
    if spec != "gelu":  # silu' and mish' stay above τ in magnitude out to ±6
        assert r.saturated_share == 0.0 and r.onset == (None, None)


def test_stats_reports_stationary_points():
    r = stats("gelu")
    ((point),) = r["stationary"]
    assert set(point) == {"x", "f"} and point["x"] == pytest.approx(-0.7517915246935645, rel=1e-12)
    assert stats("sigmoid")["stationary"] == []


def test_isolated_zero_on_the_grid_beside_a_dead_region():
    # hard_swish: f' = 0 for x < -3 (dead) and f' = (2x + 3)/6 on (-3, 3), zero at x = -1.5,
    # a grid point: a stationary point with f = -1.5·1.5/6 = -0.375, not part of the dead share
    r = saturation("hard_swish")
    assert r.dead == ((-6.0, -3.0),) and r.dead_share == 0.25
    assert r.stationary == ((-1.5, -0.375),)


def test_shares_within_rounding_of_the_whole_interval_are_exactly_one():
    # f = 0·x: f' is 0 everywhere, so the dead share is exactly 1 (and none is saturated)
    r = saturation("x*0", range=(-7.3, 11.1), points=97)
    assert r.dead_share == 1.0 and r.saturated_share == 0.0
    # sigmoid on [50, 60]: 0 < σ' < 1e-21 throughout, saturated share exactly 1
    r = saturation("sigmoid", range=(50.0, 60.0), points=11)
    assert r.dead_share == 0.0 and r.saturated_share == 1.0


@pytest.mark.parametrize("expr", ["log(abs(x))", "1/x", "sqrt(x)"])
def test_a_pole_or_nan_on_the_grid_gives_stats_not_a_crash(expr):
    from actviz.analysis.stats import stats as run_stats

    got = run_stats(expr)
    # each of these has a pole or a branch point at 0, so max |f'| is infinite there
    assert math.isinf(got["max_abs_df"]) or got["max_abs_df"] > 10
    assert got["argmax_abs_df"] == pytest.approx(0.0, abs=0.02)


def _union(spans):
    out = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


@pytest.mark.parametrize(
    ("spec", "options"),
    [
        ("sigmoid", {}),
        ("tanh", {"saturation": 0.1}),
        ("relu", {}),
        ("gelu", {}),
        ("elu", {"range": (-9.0, 4.0)}),
        ("hard_tanh", {}),
        ("softplus", {"range": (-12.0, 3.0), "points": 301}),
    ],
)
def test_a_figure_shades_the_regions_stats_reports(spec, options):
    import matplotlib.pyplot as plt

    from actviz.render import figures

    fig = figures.plot(spec, **options)
    r = stats(spec, **options)
    panel = fig.axes[1]
    shaded = {gid: [(p.get_x(), p.get_x() + p.get_width()) for p in panel.patches if p.get_gid() == gid]
              for gid in ("dead", "saturated")}
    plt.close(fig)
    lo, hi = r["range"]
    for gid in ("dead", "saturated"):
        length = sum(b - a for a, b in shaded[gid])
        assert length / (hi - lo) == pytest.approx(r[f"{gid}_share"], rel=1e-12, abs=1e-15), (spec, gid)
    # an onset is where the vanishing gradient (dead or saturated) out to that end begins
    runs = _union(shaded["dead"] + shaded["saturated"])
    left = next((b for a, b in runs if a == lo and b < hi), None)
    right = next((a for a, b in runs if b == hi and a > lo), None)
    for got, want in zip((left, right), r["onset"], strict=True):
        assert (got is None) == (want is None) and (want is None or got == pytest.approx(want, rel=1e-12)), spec


@pytest.mark.parametrize("spec", ["elu", "exponential", "log_sigmoid"])
def test_the_edge_of_an_underflowed_derivative_is_located_to_adjacent_floats(spec):
    # e^x underflows to 0 below x ≈ -745.1332: f' is exactly 0 on one side of the located edge
    # and not on the other, one float away (within a few ULPs is not enough: f' = 5e-324 there)
    act = actviz.get(spec)
    sat = saturation(act, (-1000.0, 1000.0))
    ((a, b),) = sat.dead
    edge, dead_side = (b, -math.inf) if a == -1000.0 else (a, math.inf)

    def zero(x):
        return float(act.derivative(x)) == 0.0

    if zero(edge):
        assert not zero(math.nextafter(edge, -dead_side)), (spec, edge)
    else:
        assert zero(math.nextafter(edge, dead_side)), (spec, edge)
