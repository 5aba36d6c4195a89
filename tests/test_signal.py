"""Mean-field signal propagation (actviz.analysis.signal), its figures and the `signal` command."""

import json
import math
import os
import shlex
import subprocess
import sys

import numpy as np
import pytest
from _readme import assert_same_output
from conftest import readme_table
from typer.testing import CliRunner

import actviz
from actviz.analysis import signal as sig
from actviz.cli import app

# SELU constants (Klambauer et al. 2017, arXiv 1706.02515, eq. 14; the digits torch, JAX, Keras and
# TF use; recomputed from the closed form in tests/golden/make_golden.py)
SELU_LAMBDA = 1.0507009873554804934193349852946
SELU_ALPHA = 1.6732632423543772848170429916717

# tanh at σ_w = 1.5, σ_b = 0.05, computed with mpmath 1.3 at 30 digits (tests/golden/make_golden.py):
#   E[g] = mp.quad(lambda t: g(√q t)·mp.npdf(t), [-inf, -1, 0, 1, inf]);
#   q* = mp.findroot(lambda q: σ_w²·E[tanh²] + σ_b² - q, 1); χ = σ_w²·E[sech⁴] at q*;
#   edge = mp.findroot(lambda w: χ(w, 0.05) - 1, 1.12)
TANH_Q_STAR = 0.798387114308096022208000992839
TANH_CHI = 1.136707784095614918782682395
TANH_EDGE_AT_005 = 1.12253900476957564068062187312

runner = CliRunner()


def relu_pair(q, c):
    """E[relu(u₁) relu(u₂)], variance q, correlation c: the arc-cosine kernel of degree 1
    (Cho & Saul 2009), q/(2π)·(√(1-c²) + (π - arccos c)·c)."""
    return q / (2 * math.pi) * (math.sqrt(1 - c * c) + (math.pi - math.acos(c)) * c)


# -- pinned cases ----------------------------------------------------------------------------


def test_selu_self_normalising_fixed_point():
    r = sig.analyse("selu", sigma_w=1.0, sigma_b=0.0)
    # Klambauer et al. 2017: mean 0 and variance 1 is the fixed point at ω = 0, τ = 1
    assert r.q_star == pytest.approx(1.0, rel=1e-13)
    assert r.activation_mean == pytest.approx(0.0, abs=1e-13)
    assert r.activation_variance == pytest.approx(1.0, rel=1e-13)
    # closed form: χ = λ²(½ + α² e² Φ(-2)), E[e^{2z}; z < 0] = e² Φ(-2)
    phi_m2 = 0.5 * math.erfc(2 / math.sqrt(2))
    chi = SELU_LAMBDA**2 * (0.5 + SELU_ALPHA**2 * math.e**2 * phi_m2)
    assert r.chi == pytest.approx(chi, rel=1e-13)
    assert r.phase == "chaotic"  # χ = 1.0716 (the closed form above): SELU sits just on the chaotic side


@pytest.mark.parametrize("sigma_b", [0.0, 0.3, 1.0])
def test_relu_edge_of_chaos_is_root_two(sigma_b):
    # χ = σ_w² E[1(z > 0)] = σ_w²/2 whatever q*, so χ = 1 at σ_w = √2
    assert sig.edge_of_chaos("relu", sigma_b) == pytest.approx(math.sqrt(2.0), rel=1e-13)


def test_relu_closed_forms():
    sw, sb = 1.2, 0.3
    r = sig.analyse("relu", sw, sb)
    # q* = σ_w² q*/2 + σ_b²  =>  q* = σ_b² / (1 - σ_w²/2)
    assert r.q_star == pytest.approx(sb**2 / (1 - sw**2 / 2), rel=1e-13)
    assert r.chi == pytest.approx(sw**2 / 2, rel=1e-14)
    assert r.phase == "ordered" and r.c_star == 1.0
    assert r.depth_scale == pytest.approx(-1 / math.log(sw**2 / 2), rel=1e-12)
    assert r.depth_scale_q == pytest.approx(-1 / math.log(sw**2 / 2), rel=1e-12)
    assert r.edge_of_chaos_sigma_w == pytest.approx(math.sqrt(2), rel=1e-13)
    # the correlation map against the arc-cosine kernel
    for c in (-0.99, -0.5, 0.0, 0.4, 0.9, 1.0):
        expected = (sw**2 * relu_pair(r.q_star, c) + sb**2) / r.q_star
        assert float(sig.correlation_map("relu", c, sw, sb, r.q_star)) == pytest.approx(expected, rel=1e-12)


def test_relu_beyond_the_edge_grows_without_bound():
    r = sig.analyse("relu", 2.0, 0.0)
    assert math.isinf(r.q_star)
    assert r.chi == pytest.approx(2.0, rel=1e-14)
    assert r.phase == "chaotic"
    d = r.as_dict()
    assert d["q_star"] is None and d["q_bounded"] is False
    assert sig.phase_of(float(sig.chi("relu", 1.0, math.sqrt(2)))) == "critical"
    # with a bias too, and in a batch
    assert np.all(np.isinf(sig.fixed_point("relu", [1.5, 2.0], 0.05)))
    assert float(sig.chi("relu", math.inf, 1.5)) == pytest.approx(1.125, rel=1e-14)  # σ_w²/2 for any q


def test_tanh_against_mpmath():
    r = sig.analyse("tanh", 1.5, 0.05)
    assert r.q_star == pytest.approx(TANH_Q_STAR, rel=1e-13)
    assert r.chi == pytest.approx(TANH_CHI, rel=1e-13)
    assert r.edge_of_chaos_sigma_w == pytest.approx(TANH_EDGE_AT_005, rel=1e-12)
    assert r.phase == "chaotic"
    # chaotic: two inputs decorrelate to c* < 1, where C crosses the diagonal with slope < 1
    assert 0 < r.c_star < 1
    assert float(sig.correlation_map("tanh", r.c_star, 1.5, 0.05, r.q_star)) == pytest.approx(r.c_star, abs=1e-13)
    assert 0 < r.chi_c < 1 and r.depth_scale == pytest.approx(-1 / math.log(r.chi_c))


def test_tanh_without_bias():
    # σ_b = 0: q* = 0 and χ = σ_w² tanh'(0)² below σ_w = 1; above it the odd map fixes c* = 0
    assert float(sig.fixed_point("tanh", 0.8, 0.0)) == 0.0
    assert float(sig.chi_at_fixed_point("tanh", 0.8, 0.0)) == pytest.approx(0.64, rel=1e-14)
    assert sig.phase_of(float(sig.chi_at_fixed_point("tanh", 1.0, 0.0))) == "critical"
    high = sig.analyse("tanh", 2.5, 0.0)
    assert high.q_star > 0 and high.phase == "chaotic" and high.c_star == pytest.approx(0.0, abs=1e-13)
    # χ - 1 = O((σ_w - 1)²) next to the edge, so rounding in χ moves the root by about √eps
    assert high.edge_of_chaos_sigma_w == pytest.approx(1.0, abs=1e-7)


def test_exponential_fixed_point_and_where_it_vanishes():
    from scipy.special import lambertw

    # q = σ_w² e^{2q} + σ_b²: q* = σ_b² - W₀(-2σ_w² e^{2σ_b²})/2 (Lambert W, principal branch),
    # real while σ_w <= e^{-(σ_b² + 1/2)}/√2; beyond it Q(q) > q for every q
    sb = 3.0
    vanish = math.exp(-(sb**2 + 0.5)) / math.sqrt(2)
    for sw in (1e-7, 1e-5, 0.9 * vanish):
        expected = sb**2 - lambertw(-2 * sw**2 * math.exp(2 * sb**2)).real / 2
        assert float(sig.fixed_point("exponential", sw, sb)) == pytest.approx(expected, rel=1e-12)
    assert math.isinf(float(sig.fixed_point("exponential", 1.01 * vanish, sb)))
    # χ jumps past 1 there: the edge reported is the jump
    assert sig.edge_of_chaos("exponential", sb) == pytest.approx(vanish, rel=1e-9)


@pytest.mark.parametrize("spec", ["sigmoid", "gelu", "hard_tanh", "relu6", "softplus", "silu(beta=2)"])
def test_fixed_points_are_fixed(spec):
    for sw, sb in ((0.9, 0.2), (1.3, 0.5)):
        q = float(sig.fixed_point(spec, sw, sb))
        assert float(sig.length_map(spec, q, sw, sb)) == pytest.approx(q, rel=1e-13)
        # C(1) = 1 at q*: the correlation map's trivial fixed point
        assert float(sig.correlation_map(spec, 1.0, sw, sb, q)) == pytest.approx(1.0, rel=1e-12)


def test_fixed_point_over_a_batch_equals_one_at_a_time():
    sw = np.array([[0.5, 1.0], [1.5, 3.0]])
    batch = sig.fixed_point("tanh", sw, 0.1)
    for idx in np.ndindex(sw.shape):
        assert batch[idx] == pytest.approx(float(sig.fixed_point("tanh", sw[idx], 0.1)), rel=1e-14)


def test_correlation_slope_is_the_derivative_of_the_map():
    sw, sb = 1.8, 0.1
    q = float(sig.fixed_point("tanh", sw, sb))
    for c in (-0.3, 0.2, 0.7):
        h = 1e-5
        numeric = (sig.correlation_map("tanh", c + h, sw, sb, q) - sig.correlation_map("tanh", c - h, sw, sb, q)) / (2 * h)
        assert float(sig.correlation_slope("tanh", c, sw, sb, q)) == pytest.approx(float(numeric), rel=1e-7)


def test_length_map_slope_is_the_derivative_of_the_map():
    for spec in ("tanh", "elu", "hard_tanh"):
        q, h = 0.8, 1e-5
        numeric = (sig.length_map(spec, q + h, 1.3, 0.1) - sig.length_map(spec, q - h, 1.3, 0.1)) / (2 * h)
        assert float(sig.length_map_slope(spec, q, 1.3)) == pytest.approx(float(numeric), rel=1e-7)


def test_as_dict_has_the_issue_keys_and_no_infinities():
    d = sig.analyse("relu", 2.0, 0.0).as_dict()
    for key in ("spec", "sigma_w", "sigma_b", "q_star", "chi", "phase", "edge_of_chaos_sigma_w", "depth_scale"):
        assert key in d
    json.dumps(d, allow_nan=False)


# -- Monte-Carlo -----------------------------------------------------------------------------


def test_monte_carlo_agrees_with_mean_field_and_is_seeded():
    mc = sig.monte_carlo("tanh", 1.5, 0.05, width=384, depth=8, samples=32, seed=3)
    assert mc.variance.shape == mc.variance_predicted.shape == (8,)
    # 384 units × 32 inputs: the per-layer averages are within a few percent of the mean field
    np.testing.assert_allclose(mc.variance, mc.variance_predicted, rtol=0.1)
    np.testing.assert_allclose(mc.grad, mc.grad_predicted, rtol=0.2)
    assert mc.variance_predicted[-1] == pytest.approx(TANH_Q_STAR, rel=2e-2)  # close to q* after 8 layers
    small = {"width": 32, "depth": 4, "samples": 4}
    again = sig.monte_carlo("tanh", 1.5, 0.05, seed=3, **small)
    np.testing.assert_array_equal(again.variance, sig.monte_carlo("tanh", 1.5, 0.05, seed=3, **small).variance)
    assert not np.array_equal(again.variance, sig.monte_carlo("tanh", 1.5, 0.05, seed=4, **small).variance)


def test_monte_carlo_runs_in_float32_unless_the_mean_field_leaves_its_range():
    # tanh at σ_w = 1.5: every layer's mean square stays near q* ≈ 0.8, so float32, as
    # trained networks compute; the means are summed in float64 all the same
    mc = sig.monte_carlo("tanh", 1.5, 0.05, width=256, depth=12, samples=16, seed=1)
    assert mc.dtype == "float32"
    assert mc.variance.dtype == mc.grad.dtype == np.float64
    np.testing.assert_allclose(mc.variance, mc.variance_predicted, rtol=0.1)
    # relu at σ_w = 12: q grows by σ_w²/2 = 72 a layer (He et al. 2015), 72^23 ≈ 5e42 by the
    # last layer; in float32 the squares overflow near 3e38, so the network runs in float64
    big = sig.monte_carlo("relu", 12.0, 0.0, width=256, depth=24, samples=16, seed=1)
    assert big.dtype == "float64"
    assert np.all(np.isfinite(big.variance)) and big.variance[-1] > 1e40
    # where the mean field follows q (below Q_MAX), the network's q is its size: a finite
    # relu network's log q wanders, so within a factor of 2
    followed = big.variance_predicted < sig.Q_MAX
    assert followed.sum() >= 6
    np.testing.assert_allclose(np.log2(big.variance / big.variance_predicted)[followed], 0.0, atol=1.0)
    # vanishing: relu at σ_w = 0.1 shrinks q by 200 a layer, to about 1e-55 (0 in float32)
    small = sig.monte_carlo("relu", 0.1, 0.0, width=256, depth=24, samples=16, seed=1)
    assert small.dtype == "float64"
    assert np.all(small.variance > 0) and np.all(np.isfinite(small.grad))
    np.testing.assert_allclose(np.log2(small.variance / small.variance_predicted), 0.0, atol=2.0)


def test_monte_carlo_gradients_follow_chi():
    # ordered: gradients shrink towards the input by about χ per layer
    mc = sig.monte_carlo("tanh", 0.7, 0.1, width=384, depth=8, samples=16, seed=0)
    assert np.all(np.diff(mc.grad_predicted) > 0)
    assert mc.grad[0] < 0.1 * mc.grad[-1]


# -- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize("sw, sb", [(0.0, 0.0), (-1.0, 0.0), (math.nan, 0.0), (math.inf, 0.0), (1.0, -0.1), (1.0, math.nan)])
def test_bad_sigmas_are_usage_errors(sw, sb):
    # the library names its own arguments; the command line's flags are its business
    with pytest.raises(actviz.UsageError, match=r"^sigma_[wb] must be a number in") as info:
        sig.analyse("tanh", sw, sb)
    assert info.value.option in ("sigma_w", "sigma_b")


@pytest.mark.parametrize("depth, width, samples", [(0, 10, 1), (5, 0, 1), (5, 10, 0), (2.5, 10, 1), (5, 10**6, 1), (1000, 4096, 1)])
def test_bad_network_sizes_are_usage_errors(depth, width, samples):
    with pytest.raises(actviz.UsageError):
        sig.check_network(depth, width, samples)


def test_vector_activations_are_refused():
    with pytest.raises(actviz.UsageError, match="elementwise"):
        sig.analyse("softmax")


# -- figures ---------------------------------------------------------------------------------


def test_qmap_and_chi_panels_draw_the_maps_and_mark_the_points():
    from actviz.render.analysis_figures import signal_figure

    act = actviz.get("tanh")
    result = sig.analyse(act, 1.5, 0.05)
    fig = signal_figure([act], 1.5, 0.05, ["qmap", "chi"], results=[result])
    qmap, chi = fig.axes[:2]
    line = qmap.lines[1]
    np.testing.assert_allclose(line.get_ydata(), sig.length_map(act, line.get_xdata(), 1.5, 0.05), rtol=1e-14)
    (marker,) = [ln for ln in qmap.lines if ln.get_gid() == "fixed-point"]
    assert marker.get_xdata()[0] == pytest.approx(TANH_Q_STAR, rel=1e-13)
    (edge,) = [ln for ln in chi.lines if ln.get_gid() == "edge"]
    assert edge.get_xdata()[0] == pytest.approx(TANH_EDGE_AT_005, rel=1e-12)
    assert chi.get_yscale() == "log"


def test_phase_diagram_draws_the_edge_where_chi_is_one():
    from matplotlib.collections import QuadMesh

    from actviz.render.analysis_figures import plot_phase

    sw, sb = np.linspace(0.5, 3.0, 11), np.linspace(0.0, 1.0, 5)
    fig = plot_phase([actviz.get("relu")], 1.0, 0.0, grid=(sw, sb))
    ax = fig.axes[0]
    (mesh,) = [c for c in ax.collections if isinstance(c, QuadMesh)]
    chi = np.asarray(mesh.get_array()).reshape(len(sb), len(sw))
    np.testing.assert_allclose(chi, np.clip(np.log10(np.broadcast_to(sw**2 / 2, chi.shape)), -1, 1), rtol=1e-12)
    # relu's χ = 1 contour is the vertical line σ_w = √2, drawn where log χ, interpolated
    # linearly between the grid columns 1.25 and 1.5, crosses 0
    contour = [c for c in ax.collections if not isinstance(c, QuadMesh)]
    xs = np.concatenate([p.vertices[:, 0] for c in contour for p in c.get_paths()])
    l1, l2 = np.log10(1.25**2 / 2), np.log10(1.5**2 / 2)
    np.testing.assert_allclose(xs, 1.25 + 0.25 * -l1 / (l2 - l1), rtol=1e-12)


def test_monte_carlo_panels_show_network_and_prediction():
    from actviz.render.analysis_figures import plot_montecarlo

    mc = sig.monte_carlo("tanh", 1.5, 0.05, width=64, depth=6, samples=8, seed=1)
    fig = plot_montecarlo([mc], "gradient")
    ax = fig.axes[0]
    (pred,) = [ln for ln in ax.lines if ln.get_gid() == "predicted"]
    (emp,) = [ln for ln in ax.lines if ln.get_gid() == "empirical"]
    np.testing.assert_array_equal(pred.get_ydata(), mc.grad_predicted)
    np.testing.assert_array_equal(emp.get_ydata(), mc.grad)
    # six layers of tanh at the edge's chaotic side: the gradient spans 1.5x, read on a linear axis; forty
    # layers of relu at σ_w = 1 halve it at each layer (2^-39 in all), on a log axis
    assert np.nanmax(mc.grad) < 100 * np.nanmin(mc.grad) and ax.get_yscale() == "linear"
    deep = sig.monte_carlo("relu", 1.0, 0.0, width=64, depth=40, samples=8, seed=1)
    assert plot_montecarlo([deep], "gradient").axes[0].get_yscale() == "log"


# -- the command -----------------------------------------------------------------------------


def test_signal_command_json():
    result = runner.invoke(app, ["signal", "relu", "tanh", "--sigma-w", "1.2", "--sigma-b", "0.3", "--format", "json"])
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert [r["spec"] for r in records] == [actviz.get("relu").spec, "tanh"]
    assert records[0]["q_star"] == pytest.approx(0.3**2 / (1 - 1.2**2 / 2), rel=1e-13)
    assert records[0]["phase"] == "ordered"


def test_signal_command_table_and_files(tmp_path):
    result = runner.invoke(app, ["signal", "relu", "--sigma-w", "1.2", "--sigma-b", "0.3"])
    assert result.exit_code == 0, result.output
    assert "q* (fixed point of the length map)" in result.stdout and "ordered" in result.stdout
    out = tmp_path / "relu.md"
    result = runner.invoke(app, ["signal", "relu", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("| quantity | relu |")
    csv_out = tmp_path / "s.csv"
    assert runner.invoke(app, ["signal", "relu", "-o", str(csv_out)]).exit_code == 0
    lines = csv_out.read_text().splitlines()
    assert lines[0].startswith("activation,spec,sigma_w,sigma_b,q_star")
    assert lines[1].startswith(f'relu,"{actviz.get("relu").spec}",')


def test_signal_command_figure(tmp_path):
    png, data = tmp_path / "s.png", tmp_path / "s.json"
    result = runner.invoke(app, ["signal", "tanh", "--sigma-w", "1.5", "--panel", "qmap", "--panel", "variance",
                                 "--depth", "5", "--width", "32", "--samples", "4", "-o", str(data), "--figure", str(png)])
    assert result.exit_code == 0, result.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads(data.read_text())[0]["spec"] == "tanh"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--depth", "0"], "--depth"),
        (["--depth", "abc"], "depth"),
        (["--width", "-3"], "--width"),
        (["--width", "100000"], "--width"),
        (["--samples", "0"], "--samples"),
        (["--sigma-w", "-1"], "--sigma-w"),
        (["--sigma-w", "nan"], "--sigma-w"),
        (["--sigma-w", "0"], "--sigma-w"),
        (["--sigma-b", "-0.5"], "--sigma-b"),
        (["--panel", "bogus"], "panel"),
        (["--format", "png"], "needs -o"),
        (["-o", "out.xyz"], "suffix"),
        (["--figure", "fig.txt"], "suffix"),
        (["--dpi", "0"], "--dpi"),
    ],
)
def test_signal_command_usage_errors(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["signal", "tanh", *args])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_signal_command_refuses_vector_activations_and_unknown_names():
    result = runner.invoke(app, ["signal", "softmax"])
    assert result.exit_code == 2 and "elementwise" in result.stderr
    result = runner.invoke(app, ["signal", "tanhh"])
    assert result.exit_code == 2 and "tanh" in result.stderr


def test_signal_command_unwritable_output_is_a_runtime_error(tmp_path):
    result = runner.invoke(app, ["signal", "tanh", "-o", str(tmp_path / "missing" / "s.json")])
    assert result.exit_code == 1 and "does not exist" in result.stderr


def test_readme_example_is_the_real_output():
    command = "signal relu tanh selu --sigma-w 1.5 --sigma-b 0.05 --format md"
    result = runner.invoke(app, shlex.split(command))
    assert result.exit_code == 0, result.output
    assert_same_output(readme_table("analysis", command), result.stdout, "README section 'analysis'",
                       "paste the new output")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--seed", "-1"], "--seed must be a whole number from 0"),
        (["--sigma-w", "1e200"], "--sigma-w must be a number in (0, 1e+06]"),
        (["--sigma-b", "1e300"], "--sigma-b must be a number in [0, 1e+06]"),
    ],
)
def test_signal_refuses_out_of_range_values_before_any_work(args, message):
    # σ_w = 1e200 used to overflow the length map (warnings, then q* = ∞ for the bounded tanh)
    result = runner.invoke(app, ["signal", "tanh", *args])
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2


@pytest.mark.parametrize("spec", ["step", "hardshrink", "threshold(threshold=1, value=0)"])
def test_a_jump_is_refused_rather_than_given_chi_zero(spec):
    # beside a jump f' = 0, but the jump puts a delta in f': χ = σ_w² E[f'²] is not finite
    result = runner.invoke(app, ["signal", spec])
    assert result.exit_code == 2 and "needs a continuous activation" in result.stderr


def test_a_continuous_threshold_is_analysed():
    # threshold with value == threshold is relu-like and continuous
    result = runner.invoke(app, ["signal", "threshold(threshold=0, value=0)", "--format", "json"])
    assert result.exit_code == 0


def test_several_edges_go_in_the_legend_and_monte_carlo_uses_labels():
    from actviz.render.analysis_figures import signal_figure

    acts = [actviz.get("relu"), actviz.get("tanh")]
    results = [sig.analyse(a, 1.5, 0.0) for a in acts]
    fig = signal_figure(acts, 1.5, 0.0, ["chi", "variance"], 16, 4, 8, 0, results)
    chi_ax, mc_ax = fig.axes[:2]
    labels = [t.get_text() for t in chi_ax.get_legend().get_texts()]
    # relu's edge of chaos is √2 (He et al. 2015, arXiv 1502.01852); labels at χ = 1 would overprint, so none are drawn
    assert "relu (edge $\\sigma_w$ = 1.41421)" in labels and not chi_ax.texts
    mc_labels = [t.get_text() for t in mc_ax.get_legend().get_texts()]
    assert "relu: mean field" in mc_labels


def test_the_correlation_legend_reads_round_off_of_zero_as_the_table_does():
    from actviz.render.analysis_figures import signal_figure
    from actviz.render.export import signal_cell

    # selu at σ_w = 1, σ_b = 0: E[selu(z)] = 0 up to its rounded constants, so C(0) = σ_w²·E[f]²/q* and the
    # ordered fixed point c* is 0 (computed: 8.5e-33, round-off of a correlation whose scale is 1)
    act = actviz.get("selu")
    r = sig.analyse(act, 1.0, 0.0)
    assert abs(r.c_star) < 1e-15
    assert signal_cell(r.as_dict(), "c_star") == "0"
    fig = signal_figure([act], 1.0, 0.0, ["cmap"], 16, 4, 8, 0, [r])
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "selu ($c^*$ = 0)" in labels, labels


def _drawn_ticks(axis):
    lo, hi = sorted(axis.get_view_interval())
    pad = 1e-9 * (hi - lo)
    return [t.label1 for t in axis.get_major_ticks() + axis.get_minor_ticks() if lo - pad <= t.get_loc() <= hi + pad]


@pytest.mark.parametrize("panel", ["qmap", "cmap", "chi", "phase", "variance", "gradient"])
@pytest.mark.parametrize("specs, depth", [(("selu",), 4), (("relu", "tanh"), 40)], ids=["selu-short", "relu-tanh"])
def test_a_panel_drawn_alone_keeps_its_labels_inside_the_figure(panel, specs, depth):
    # the margins are fixed (no layout pass): `--panel cmap` alone cut its y label ("-1.0" ticks are wider than
    # the default margin held), and selu's gradient, spanning less than a decade, had wide minor tick labels
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from actviz.render.analysis_figures import signal_figure

    acts = [actviz.get(s) for s in specs]
    results = [sig.analyse(a, 1.0, 0.0) for a in acts]
    fig = signal_figure(acts, 1.0, 0.0, [panel], 16, depth, 8, 0, results)
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    page = fig.bbox
    for ax in fig.axes:  # the panel, and the phase diagram's colour bar beside it
        for text in [ax.xaxis.label, ax.yaxis.label, ax.title, *_drawn_ticks(ax.xaxis), *_drawn_ticks(ax.yaxis)]:
            if text.get_text() and text.get_visible():
                box = text.get_window_extent(renderer)
                assert page.x0 <= box.x0 and box.x1 <= page.x1 and page.y0 <= box.y0 and box.y1 <= page.y1, text


def _all_texts(fig):
    for ax in fig.axes:
        yield from (ax.get_title(loc) for loc in ("left", "center", "right"))
        yield ax.get_xlabel()
        yield ax.get_ylabel()
        yield from (t.get_text() for t in ax.texts)
        if ax.get_legend() is not None:
            yield from (t.get_text() for t in ax.get_legend().get_texts())
    yield fig.get_suptitle()


def test_signal_figure_has_no_raw_markup_and_fits_the_page():
    import re

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from actviz.render.analysis_figures import signal_figure

    acts = [actviz.get("relu"), actviz.get("tanh"), actviz.get("selu")]
    results = [sig.analyse(a, 1.5, 0.05) for a in acts]
    fig = signal_figure(acts, 1.5, 0.05, width=16, depth=4, samples=8, results=results)
    for text in _all_texts(fig):
        plain = re.sub(r"\$[^$]*\$", "", text)  # what mathtext does not typeset
        assert "^" not in plain and "_" not in plain, text
    # six panels at most about 10.5 in wide: printed at a page's 7 in the text stays legible
    assert fig.get_figwidth() <= 10.5
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    page = fig.bbox
    for ax in fig.axes:
        box = ax.title.get_window_extent(renderer)
        assert page.x0 <= box.x0 and box.x1 <= page.x1 and box.y1 <= page.y1, ax.get_title()
    # coinciding curves stay distinguishable: each activation has its own line style
    qmap = fig.axes[0]
    styles = [ln.get_linestyle() for ln in qmap.lines if ln.get_label().split(" ")[0] in ("relu", "tanh", "selu")]
    assert len(styles) == 3 and len(set(styles)) == 3


def test_a_signal_figure_is_drawn_once_when_saved(tmp_path, monkeypatch):
    # its panels are placed by hand: no layout engine, whose mere presence makes matplotlib
    # draw the whole figure once more before printing it (a third of the save)
    from matplotlib.figure import Figure

    from actviz.render.analysis_figures import signal_figure
    from actviz.render.io import save_figure

    fig = signal_figure([actviz.get("tanh")], 1.5, 0.05, width=16, depth=4, samples=8)
    assert fig.get_layout_engine() is None
    draws = []
    real = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, renderer: draws.append(1) or real(self, renderer))
    for suffix in ("png", "pdf"):
        draws.clear()
        save_figure(fig, tmp_path / f"s.{suffix}")
        assert len(draws) == 1, suffix
    # the figure's own size: nothing was cropped or added around it
    from PIL import Image

    with Image.open(tmp_path / "s.png") as image:
        assert image.size == (round(fig.get_figwidth() * fig.dpi), round(fig.get_figheight() * fig.dpi))


def test_panel_titles_are_pinned_unless_an_offset_text_may_need_the_room(monkeypatch):
    # matplotlib lays out a y axis's tick labels at each draw to see whether its offset text
    # (×10ⁿ) is in a title's way; where the axis has none the titles are pinned, so a draw of
    # the default figure never asks. Where there is one (σ_w = 1000: q* ≈ 1e6), the title is
    # still placed clear of it.
    from matplotlib.axis import YAxis
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from actviz.render.analysis_figures import signal_figure

    asked = []
    real = YAxis.get_tightbbox
    monkeypatch.setattr(YAxis, "get_tightbbox", lambda self, *a, **k: asked.append(1) or real(self, *a, **k))
    fig = signal_figure([actviz.get("tanh")], 1.5, 0.05, width=16, depth=4, samples=8)
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    assert asked == []
    assert all(ax.title.get_position()[1] == 1.0 for ax in fig.axes if ax.get_title())
    fig = signal_figure([actviz.get("tanh")], 1000.0, 0.05, width=16, depth=4, samples=8)
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    offsets = [ax for ax in fig.axes if ax.yaxis.offsetText.get_text()]
    assert len(offsets) >= 2  # the length map's and the network's variance, both near 1e6
    for ax in offsets:
        offset = ax.yaxis.offsetText.get_window_extent(renderer)
        assert not offset.overlaps(ax.title.get_window_extent(renderer)), ax.get_title()


def test_single_activation_edge_is_named_in_the_legend_not_over_the_curves():
    from actviz.render.analysis_figures import plot_chi

    fig = plot_chi([actviz.get("tanh")], 1.5, 0.05, edges=[TANH_EDGE_AT_005])
    ax = fig.axes[0]
    assert not ax.texts  # no annotation at χ = 1 for the curve to strike through
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(label.startswith("tanh (edge $\\sigma_w$ = 1.12") for label in labels)


def test_analysis_figures_are_built_without_pyplot():
    # a Figure object and nothing global: pyplot would pick a backend and keep every figure alive
    code = (
        "import sys, actviz\n"
        "from actviz.analysis import accuracy, signal\n"
        "from actviz.render.analysis_figures import accuracy_figure, signal_figure\n"
        "act = actviz.get('tanh')\n"
        "signal_figure([act], 1.5, 0.0, ['qmap', 'chi'])\n"
        "accuracy_figure([accuracy.audit(act, 'float32', None, 101)])\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the command forks on Linux only")
def test_the_command_computes_the_figures_numbers_in_a_child_and_draws_those(tmp_path, monkeypatch):
    # the mean field and the random networks hold the GIL for much of their time: the
    # command computes them in one forked child while it loads matplotlib, before any
    # thread starts; the figure draws the child's numbers, bit for bit the library's
    import os

    from actviz.render import analysis_figures

    pids = tmp_path / "pids"
    real_analyse, real_mc = sig.analyse, sig.monte_carlo

    def noted(real):
        def call(*args, **kwargs):
            with open(pids, "a") as fh:
                fh.write(f"{real.__name__} {os.getpid()}\n")
            return real(*args, **kwargs)
        return call

    monkeypatch.setattr(sig, "analyse", noted(real_analyse))
    monkeypatch.setattr(sig, "monte_carlo", noted(real_mc))
    drawn = {}
    real_figure = analysis_figures.signal_figure

    def figure(*args, **kwargs):
        drawn.update(kwargs)
        return real_figure(*args, **kwargs)

    monkeypatch.setattr(analysis_figures, "signal_figure", figure)
    monkeypatch.setattr("threading.active_count", lambda: 1)  # pytest's own threads aside
    args = ["signal", "tanh", "relu", "--depth", "4", "--width", "16", "--samples", "4", "--sigma-w", "1.5"]
    result = runner.invoke(app, [*args, "--figure", str(tmp_path / "s.png"), "-o", str(tmp_path / "s.json")])
    assert result.exit_code == 0, result.output
    calls = [line.split() for line in pids.read_text().splitlines()]
    assert sorted(name for name, _ in calls) == ["analyse", "analyse", "monte_carlo", "monte_carlo"]
    assert {int(pid) for _, pid in calls} != {os.getpid()} and len({pid for _, pid in calls}) == 1
    for mc, spec in zip(drawn["networks"](), ["tanh", "relu"], strict=True):
        np.testing.assert_array_equal(mc.variance, real_mc(spec, 1.5, 0.0, width=16, depth=4, samples=4).variance)
    curves = drawn["curves"]()
    exported = json.loads((tmp_path / "s.json").read_text())
    for r, row in zip(curves.results, exported, strict=True):
        assert {k: row[k] for k in r.as_dict()} == r.as_dict()
    # the command takes the numpy path, fast extra or not (see the next test)
    from actviz.numerics import fast

    with fast.using(False):
        assert curves.results[0] == real_analyse("tanh", 1.5, 0.0)
        np.testing.assert_array_equal(curves.phase[2][1], sig.phase_diagram("relu", curves.phase[0], curves.phase[1]))
    # the same table without the figure, computed here
    pids.unlink()
    again = runner.invoke(app, [*args, "--format", "json"])
    assert json.loads(again.stdout) == json.loads((tmp_path / "s.json").read_text())
    assert {int(pid) for _, pid in (line.split() for line in pids.read_text().splitlines())} == {os.getpid()}
    # without the network's panels, no network
    pids.unlink()
    result = runner.invoke(app, ["signal", "tanh", "--panel", "qmap", "--figure", str(tmp_path / "q.png")])
    assert result.exit_code == 0 and "monte_carlo" not in pids.read_text()


def test_the_command_never_loads_numba(tmp_path):
    # the whole mean field costs less than loading numba (about 0.75 s of CPU): with the fast
    # extra installed, the command still takes the numpy path, table and figure alike
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from actviz.cli import app\n"
        f"out = {str(tmp_path / 's.png')!r}\n"
        "r = CliRunner().invoke(app, ['signal', 'tanh', '--depth', '4', '--width', '16', '--figure', out])\n"
        "assert r.exit_code == 0, r.output\n"
        "r = CliRunner().invoke(app, ['signal', 'tanh', 'relu'])\n"
        "assert r.exit_code == 0, r.output\n"
        "assert 'numba' not in sys.modules, 'numba loaded'\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "ACTVIZ_FAST"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**env, "MPLBACKEND": "Agg"})
    assert done.returncode == 0, done.stderr


def test_the_monte_carlo_network_runs_beside_the_other_panels_and_its_errors_reach_the_caller(monkeypatch):
    # signal_figure runs the network on a thread of its own; what it raises is raised by the
    # figure, and its numbers are the ones monte_carlo gives on the calling thread
    import threading

    from actviz.render.analysis_figures import signal_figure

    threads = []
    real = sig.monte_carlo

    def recording(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(sig, "monte_carlo", recording)
    fig = signal_figure([actviz.get("tanh")], 1.5, 0.05, ["qmap", "variance"], width=32, depth=4, samples=4)
    assert threads == ["actviz-background"]
    shown = [line for line in fig.axes[1].lines if line.get_gid() == "network"] or fig.axes[1].lines
    want = real("tanh", 1.5, 0.05, width=32, depth=4, samples=4).variance
    assert any(np.array_equal(np.asarray(line.get_ydata(), dtype=float), want) for line in shown)

    def failing(*args, **kwargs):
        raise MemoryError("no room for the network")

    monkeypatch.setattr(sig, "monte_carlo", failing)
    with pytest.raises(MemoryError, match="no room for the network"):
        signal_figure([actviz.get("tanh")], 1.5, 0.05, ["variance"], width=32, depth=4, samples=4)
