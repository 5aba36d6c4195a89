"""Activations that model configs name: squared ReLU (Primer; Hugging Face "relu2") and
QuickGELU (CLIP; Hugging Face "quick_gelu"). Closed forms, Gaussian moments, ULPs against
mpmath, and the real implementation where torch is installed."""

import math

import numpy as np
import pytest

import actviz
from actviz.analysis.stats import stats
from actviz.analysis.ulp import mp_values, ulp_error

# the tails, the kink at 0, the edge where x² leaves the float64 range, subnormals, ±inf, NaN
XS = np.array([-np.inf, -700.0, -1.0, -5e-324, -0.0, 0.0, 5e-324, 1e-160, 0.5, 3.0, 700.0,
               1.3407807929942596e154, 1.4e154, np.inf, np.nan])


def test_squared_relu_is_max_x_0_squared_exactly():
    act = actviz.get("relu2")
    assert act.name == "squared_relu" and actviz.get("relu_squared").name == "squared_relu"
    r = np.maximum(XS, 0.0)
    with np.errstate(over="ignore"):
        expected_f, expected_df = r * r, 2.0 * r
    np.testing.assert_array_equal(act(XS), expected_f)
    np.testing.assert_array_equal(act.derivative(XS), expected_df)
    # f'' jumps from 0 to 2 at the kink, and is 0 there (autograd of relu(x)**2)
    np.testing.assert_array_equal(act.derivative(np.array([-1.0, 0.0, 1e-300, 2.0]), order=2),
                                  [0.0, 0.0, 2.0, 2.0])
    assert act.kinks == (0.0,)
    # just past √(largest float) x² is inf, as the true value is beyond the float64 range
    assert act(np.array([1.4e154]))[0] == np.inf


def test_squared_relu_gaussian_moments_are_the_half_normal_ones():
    # z ~ N(0, 1): E[relu(z)²] = 1/2, E[relu(z)⁴] = 3/2 (half the normal moments 1 and 3), so
    # the variance-preserving gain is 1/√(3/2) = 0.8164965809…; E[f'] = 2·E[relu(z)] = 2/√(2π)
    r = stats("squared_relu")
    g = r["gaussian"]
    assert g["mean"] == pytest.approx(0.5, rel=1e-13)
    assert g["second_moment"] == pytest.approx(1.5, rel=1e-13)
    assert r["gain"] == pytest.approx(math.sqrt(2.0 / 3.0), rel=1e-13)
    assert g["mean_df"] == pytest.approx(2.0 / math.sqrt(2.0 * math.pi), rel=1e-13)
    # saturated only on the left, from x = τ/2 where f' = 2x falls below τ
    tau = r["saturation_threshold"]
    assert r["onset"][0] == pytest.approx(tau / 2.0, rel=1e-9) and r["onset"][1] is None


def test_quick_gelu_is_silu_at_beta_1_702_bit_for_bit():
    x = np.concatenate([XS[np.isfinite(XS) & (np.abs(XS) < 1e300)], np.linspace(-40.0, 40.0, 4001)])
    quick, silu = actviz.get("quick_gelu"), actviz.get("silu(beta=1.702)")
    for order in (0, 1, 2):
        np.testing.assert_array_equal(quick.derivative(x, order) if order else quick(x),
                                      silu.derivative(x, order) if order else silu(x))
    assert actviz.get("quickgelu").name == "quick_gelu"


@pytest.mark.parametrize("name", ["squared_relu", "quick_gelu"])
def test_within_the_records_ulps_of_mpmath_in_the_tails_and_near_0(name):
    act = actviz.get(name)
    x = np.concatenate([-np.geomspace(700.0, 1e-300, 60), [0.0], np.geomspace(1e-300, 700.0, 60)])
    f_ref, df_ref = mp_values(act.record.mp_reference, x)
    bound_f, bound_df = act.record.checks.ulps
    assert np.max(ulp_error(act(x), f_ref)) <= bound_f
    assert np.max(ulp_error(act.derivative(x), df_ref)) <= bound_df


def test_the_real_implementations_agree():
    torch = pytest.importorskip("torch")
    x = np.linspace(-20.0, 20.0, 2001)
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    # Hugging Face's ReLUSquaredActivation and QuickGELUActivation (transformers/activations.py)
    # squared ReLU is exact in both; torch rounds 1.702·x before the exponential, a relative
    # error of about |1.702x|·2^-53 in e^(1.702x) (4e-15 at x = -20), which actviz forms exactly
    for name, fn, rtol in (("squared_relu", lambda v: torch.square(torch.relu(v)), 0.0),
                           ("quick_gelu", lambda v: v * torch.sigmoid(1.702 * v), 1e-14)):
        y = fn(t)
        (grad,) = torch.autograd.grad(y.sum(), t)
        act = actviz.get(name)
        np.testing.assert_allclose(act(x), y.detach().numpy(), rtol=rtol, atol=0)
        np.testing.assert_allclose(act.derivative(x), grad.numpy(), rtol=rtol, atol=1e-300)
