"""Gaussian expectations (actviz.analysis.quadrature.expect) at large σ, far means, kinks in the
tail, overflowing and divergent moments; every expected number is from mpmath or a closed form.
Warnings are errors in this suite, so each test also checks that none escapes."""

import json
import math

import mpmath as mp
import numpy as np
import pytest
from typer.testing import CliRunner

import actviz
from actviz.analysis.gaussian import gaussian_stats
from actviz.analysis.quadrature import expect
from actviz.cli import app


def mp_sigmoid_prime_mean(sigma):
    """E[σ'(z)], z ~ N(0, σ²), by mpmath quadrature in x, 30 digits, cut where σ' and φ bend."""
    with mp.workdps(30):
        s = mp.mpf(sigma)

        def f(x):
            return 1 / (4 * mp.cosh(x / 2) ** 2) * mp.npdf(x, 0, s)

        return float(mp.quad(f, [-mp.inf, -50, -10, -1, 0, 1, 10, 50, mp.inf]))


@pytest.mark.parametrize("sigma", [1.0, 1e3, 1e6])
def test_mean_slope_of_sigmoid_at_any_width(sigma):
    # at σ = 1e6, σ' is 1e-6 wide in t = z/σ: the old fixed cuts never saw it and gave 0
    want = mp_sigmoid_prime_mean(sigma)
    got = gaussian_stats(actviz.get("sigmoid"), 0.0, sigma).mean_df
    assert got == pytest.approx(want, rel=1e-10)
    if sigma == 1e6:
        # σ' has area 1 and is narrow beside the N(0, σ²) density: E[σ'(z)] ≈ φ_σ(0) = 1/(σ√(2π))
        assert want == pytest.approx(1 / (sigma * math.sqrt(2 * math.pi)), rel=1e-9)


@pytest.mark.parametrize(("mu", "sigma"), [(0, 1), (0, 5), (0.5, 10), (0, 20), (-3, 22), (-250, 26), (0, 26)])
def test_mean_of_the_exponential_is_lognormal(mu, sigma):
    # closed form: E[e^z] = e^(μ + σ²/2). At σ = 26, μ = 0 e^z overflows at 1.3 σ past the peak
    # of e^z φ: the tail beyond is the continued exponential
    want = math.exp(mu + sigma * sigma / 2)
    got = expect(actviz.get("exponential"), mu, sigma)
    assert got == pytest.approx(want, rel=1e-10)


def test_moments_beyond_float64_are_inf_and_the_rest_are_right():
    g = gaussian_stats(actviz.get("exponential"), 0.0, 20.0)
    assert g.mean == pytest.approx(math.exp(200), rel=1e-10)  # closed form e^(σ²/2)
    assert g.mean_df == pytest.approx(math.exp(200), rel=1e-10)
    # E[e^(2z)] = e^(2σ²) = e^800 overflows float64, and so does the variance
    assert g.second_moment == math.inf and g.second_moment_df == math.inf and g.var == math.inf
    g = gaussian_stats(actviz.get("x**2"), 0.0, 1e200)  # E[z²] = σ² = 1e400
    assert g.mean == math.inf and g.second_moment == math.inf and g.var == math.inf
    assert abs(g.mean_df) <= 1e-12 * 1e200  # E[2z] = 0, up to rounding against σ


@pytest.mark.parametrize(("mu", "sigma"), [(1e8, 2.0), (-30.0, 1.0), (-1e4, 1e3), (7.0, 0.01)])
def test_relu_with_the_mean_far_from_its_kink(mu, sigma):
    # closed forms: E[relu(z)] = μΦ(μ/σ) + σφ(μ/σ), E[relu'(z)] = Φ(μ/σ) (mpmath, 30 digits);
    # at μ = -30 the whole integral lies beyond a kink 30 standard deviations out
    with mp.workdps(30):
        m, s = mp.mpf(mu), mp.mpf(sigma)
        mean = float(m * mp.ncdf(m / s) + s * mp.npdf(m / s))
        mean_df = float(mp.ncdf(m / s))
    g = gaussian_stats(actviz.get("relu"), mu, sigma)
    assert g.mean == pytest.approx(mean, rel=1e-10)
    assert g.mean_df == pytest.approx(mean_df, rel=1e-10)


def test_a_kink_far_in_the_tail_is_cut_at():
    # hard_tanh clipped at 1e-3 and 9: f' = 1 on (-1, 9), so E[f'(z)] for z ~ N(9, 0.5²) is
    # Φ(0) - Φ(-20): the kink at 9 is the mean, the one at -1 is 20σ out (mpmath, 30 digits)
    act = actviz.get("hard_tanh(min_val=-1, max_val=9)")
    with mp.workdps(30):
        want = float(mp.ncdf(0) - mp.ncdf(-20))
        want_f = float(mp.quad(lambda t: min(max(9 + t / 2, -1), 9) * mp.npdf(t), [-mp.inf, -20, 0, mp.inf]))
    g = gaussian_stats(act, 9.0, 0.5)
    assert g.mean_df == pytest.approx(want, rel=1e-12)
    assert g.mean == pytest.approx(want_f, rel=1e-12)
    # Keras's relu with threshold 0.05 (f' = 1 beyond it) under N(0, 0.002²): the only kink is 25σ
    # out and all of E[f'(z)] = Φ(-25) lies beyond it (mpmath, 30 digits)
    act = actviz.get("relu(threshold=0.05)")
    with mp.workdps(30):
        want = float(mp.ncdf(-25))
    assert expect(act.derivative, 0.0, 2e-3, act.kinks) == pytest.approx(want, rel=1e-10)


def test_divergent_moments_are_nan_and_integrable_poles_are_integrated():
    # E[1/z] and E[1/z²] do not exist; quad's extrapolation alone would give the finite part
    # (-1 for E[1/z²]). E[log|z|] = -(γ + ln 2)/2 and E[|z|^-1/2] = 2^(-1/4) Γ(1/4)/√π (closed forms)
    g = gaussian_stats(actviz.get("1/x"), 0.0, 1.0)
    assert all(math.isnan(v) for v in (g.mean, g.var, g.second_moment, g.mean_df, g.second_moment_df))
    log_abs = actviz.get("log(abs(x))")
    assert expect(log_abs, 0.0, 1.0, log_abs.kinks) == pytest.approx(-(np.euler_gamma + math.log(2)) / 2, rel=1e-10)
    root = actviz.get("abs(x)**-0.5")
    want = 2 ** -0.25 * math.gamma(0.25) / math.sqrt(math.pi)
    assert expect(root, 0.0, 1.0, root.kinks) == pytest.approx(want, rel=1e-9)
    assert math.isnan(expect(lambda x: np.log(x), 0.0, 1.0))  # log z is NaN for z < 0


def test_a_constant_and_a_zero_function():
    assert expect(lambda x: np.full_like(x, 3.5), 12.0, 1e5) == pytest.approx(3.5, rel=1e-13)
    assert expect(lambda x: np.zeros_like(x), 0.0, 1.0) == 0.0


@pytest.mark.parametrize(
    "args",
    [
        ["sigmoid", "--sigma", "1e6"],
        ["exponential", "--sigma", "20"],
        ["exponential", "--sigma", "30"],
        ["x**2", "--sigma", "1e200"],
        ["1/x"],
    ],
)
def test_stats_command_leaks_no_warning(args):
    result = CliRunner().invoke(app, ["stats", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    g = json.loads(result.stdout)[0]["gaussian"]
    if args[0] == "sigmoid":
        assert g["mean_df"] == pytest.approx(1 / (1e6 * math.sqrt(2 * math.pi)), rel=1e-9)  # as above
    if args[:3] == ["exponential", "--sigma", "20"]:
        assert g["mean"] == pytest.approx(math.exp(200), rel=1e-10)  # closed form e^(σ²/2)
