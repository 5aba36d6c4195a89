"""Snake, SnakeBeta, sine (SIREN), the Gaussian bump, laplace (MEGA), ISRU, ISRLU, the bent
identity and the rational units (PAU, KAT): closed forms, mpmath at the hard points (zeros of
f and f', tails, huge arguments), Gaussian moments in closed form or by mpmath quadrature,
the shipped implementations' own formulas in torch where it is installed, and what the
rational units' coefficients imply."""

import math

import numpy as np
import pytest
from typer.testing import CliRunner

import actviz
from actviz.analysis.gaussian import gaussian_stats
from actviz.analysis.ulp import ulp_error
from actviz.cli import app
from actviz.numerics.rational import analyse

MP_DPS = 60


def mp_ulps(got, exact, xs, bits=None):
    """ULP errors of ``got`` against ``exact(mpf x)`` evaluated by mpmath at 60 digits (or at
    ``bits`` bits, for arguments whose reduction needs more)."""
    import mpmath as mp

    with mp.workdps(MP_DPS) if bits is None else mp.workprec(bits):
        ref = [exact(mp.mpf(float(x))) for x in xs]
    return ulp_error(np.asarray(got, dtype=np.float64), ref)


def nearest_floats(values):
    """The float64 nearest each mpmath value, and its two neighbours."""
    out = []
    for v in values:
        f = float(v)
        out += [np.nextafter(f, -np.inf), f, np.nextafter(f, np.inf)]
    return np.array(out)


# --- snake and snake_beta -------------------------------------------------------------------


def test_snake_is_x_plus_sin_squared_over_alpha_to_the_last_ulp_at_the_zeros_of_its_slope():
    import mpmath as mp

    # f' = 1 + sin 2x vanishes at x = -π/4 + kπ; the floats there (mpmath, 60 digits), out to
    # |x| = 700, where f' is as small as 1e-30 and 1 + sin(2x) keeps no digit
    with mp.workdps(MP_DPS):
        zeros = [-mp.pi / 4 + k * mp.pi for k in (-222, -7, -1, 0, 1, 3, 222)]
    x = nearest_floats(zeros)
    act = actviz.get("snake")
    f, d = act.evaluate(x)
    assert np.max(mp_ulps(f, lambda t: t + mp.sin(t) ** 2, x)) <= 2
    err = mp_ulps(d, lambda t: 1 + mp.sin(2 * t), x)
    assert np.max(err) <= 4, err
    naive = mp_ulps(1 + np.sin(2 * x), lambda t: 1 + mp.sin(2 * t), x)
    assert np.max(naive) > 1e6  # what the stable form is for
    # f'' = 2α cos 2αx, through its zeros too (x = π/4 + kπ/2)
    with mp.workdps(MP_DPS):
        zeros2 = [mp.pi / 4 + k * mp.pi / 2 for k in (-300, -1, 0, 5)]
    x2 = nearest_floats(zeros2)
    assert np.max(mp_ulps(act.derivative(x2, order=2), lambda t: 2 * mp.cos(2 * t), x2)) <= 4


def test_snake_at_other_alphas_and_huge_arguments_matches_mpmath():
    import mpmath as mp

    x = np.array([-1e300, -1e20, -700.0, -3.3, -0.7, 1e-200, 0.4, 9.1, 700.0, 1e17, 1.7e308])
    for alpha, eps in ((0.5, 0.0), (3.0, 0.0), (1.0, 1e-9), (2.5, 1e-9)):
        act = actviz.get("snake", alpha=alpha, eps=eps)
        f, d = act.evaluate(x)

        def exact(t, alpha=alpha, eps=eps):
            a, b = mp.mpf(alpha), mp.mpf(alpha) + mp.mpf(eps)  # α + ε exactly, at this precision
            return t + mp.sin(a * t) ** 2 / b, 1 + a / b * mp.sin(2 * a * t)

        # beyond 2^990 the kernel has mpmath reduce the argument; the reference takes 1,400 bits
        assert np.max(mp_ulps(f, lambda t: exact(t)[0], x, bits=1400)) <= 2
        assert np.max(mp_ulps(d, lambda t: exact(t)[1], x, bits=1400)) <= 4


def test_snake_beta_at_the_defaults_keeps_the_1e_9_minimum_of_its_slope():
    import mpmath as mp

    # α = β = 1, ε = 1e-9 (BigVGAN): f' = 1 + sin(2x)/(1 + 1e-9) has its minimum 1e-9/(1 + 1e-9)
    # at x = -π/4 + kπ, where 1 + c·sin(2x) would keep 7 digits at best
    act = actviz.get("snake_beta")
    assert act.params == {"alpha": 1.0, "beta": 1.0, "eps": 1e-9}
    with mp.workdps(MP_DPS):
        zeros = [-mp.pi / 4 + k * mp.pi for k in (-100, 0, 2)]
    x = nearest_floats(zeros)
    err = mp_ulps(act.derivative(x), lambda t: 1 + mp.sin(2 * t) / (1 + mp.mpf(1e-9)), x)
    assert np.max(err) <= 4, err
    assert act.properties.monotonic
    # α above β + ε: f' dips below 0, and the claim says so
    assert not actviz.get("snake_beta(alpha=2)").properties.monotonic
    assert actviz.get("snake_beta(alpha=2)").derivative(-math.pi / 4 / 2) < 0


def test_the_bigvgan_forms_agree():
    torch = pytest.importorskip("torch")
    # NVIDIA/BigVGAN activations.py, Snake and SnakeBeta with alpha_logscale (BigVGAN v2):
    # x + 1/(exp(b) + 1e-9) * sin(x * exp(a))^2, here in float64 with autograd
    x = np.concatenate([np.linspace(-20.0, 20.0, 2001), [-700.0, 700.0]])
    for log_a, log_b in ((0.0, 0.0), (0.3, -0.2), (-0.5, 0.7)):
        t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        alpha, beta = torch.exp(torch.tensor(log_a, dtype=torch.float64)), torch.exp(torch.tensor(log_b, dtype=torch.float64))
        y = t + (1.0 / (beta + 0.000000001)) * torch.pow(torch.sin(t * alpha), 2)
        (grad,) = torch.autograd.grad(y.sum(), t)
        act = actviz.get("snake_beta", alpha=float(alpha), beta=float(beta))
        # torch rounds x·α before the sine (|x|·2^-53 absolute, 1.6e-13 at x = 700)
        np.testing.assert_allclose(act(x), y.detach().numpy(), rtol=1e-15, atol=4e-13)
        np.testing.assert_allclose(act.derivative(x), grad.numpy(), rtol=0, atol=1e-12)
        if log_a == log_b:  # Snake: magnitude 1/(α + 1e-9)
            np.testing.assert_array_equal(actviz.get("snake", alpha=float(alpha), eps=1e-9)(x), act(x))


def test_snake_gaussian_moments_are_the_closed_forms():
    # z ~ N(0, 1), E[cos(kz)] = e^(-k²/2): E[sin² z] = (1 - e^-2)/2; E[z·sin² z] = 0 (odd);
    # E[sin⁴ z] = (3 - 4e^-2 + e^-8)/8; E[sin 2z] = 0; E[sin² 2z] = (1 - e^-8)/2
    g = gaussian_stats(actviz.get("snake"))
    e2, e8 = math.exp(-2.0), math.exp(-8.0)
    assert g.mean == pytest.approx((1 - e2) / 2, rel=1e-12)
    assert g.second_moment == pytest.approx(1 + (3 - 4 * e2 + e8) / 8, rel=1e-12)
    assert g.mean_df == pytest.approx(1.0, rel=1e-12)
    assert g.second_moment_df == pytest.approx(1 + (1 - e8) / 2, rel=1e-12)


def test_snake_has_no_limit_of_its_slope_at_infinity():
    act = actviz.get("snake")
    f, d, d2 = act.evaluate(np.array([-np.inf, np.inf]), orders=(0, 1, 2))
    np.testing.assert_array_equal(f, [-np.inf, np.inf])
    assert np.isnan(d).all() and np.isnan(d2).all()


# --- sine ---------------------------------------------------------------------------------


def test_sine_keeps_its_relative_accuracy_at_its_zeros_out_to_700():
    import mpmath as mp

    # sin(30x) = 0 at x = kπ/30: the floats there, k up to 6684 (x = 699.9)
    with mp.workdps(MP_DPS):
        zeros = [k * mp.pi / 30 for k in (-6684, -1000, -1, 1, 7, 6684)]
    x = nearest_floats(zeros)
    act = actviz.get("sine")
    assert act.params == {"w0": 30.0}  # SIREN's omega_0
    f, d = act.evaluate(x)
    assert np.max(mp_ulps(f, lambda t: mp.sin(30 * t), x)) <= 2
    assert np.max(mp_ulps(d, lambda t: 30 * mp.cos(30 * t), x)) <= 4
    # np.sin(30*x) rounds 30x first: no correct digit left there
    assert np.max(mp_ulps(np.sin(30 * x), lambda t: mp.sin(30 * t), x)) > 1e9
    # cos(30x) = 0 at x = (k + 1/2)π/30, where f' must keep its digits
    with mp.workdps(MP_DPS):
        zeros = [(k + mp.mpf(1) / 2) * mp.pi / 30 for k in (-5000, 0, 3)]
    x = nearest_floats(zeros)
    assert np.max(mp_ulps(act.derivative(x), lambda t: 30 * mp.cos(30 * t), x)) <= 4


def test_sine_of_huge_arguments_is_reduced_exactly():
    import mpmath as mp

    # 30·1e308 is beyond the float range; mpmath at 1,400 bits is the reference
    x = np.array([-1.7976931348623157e308, -1e308, 3e307, 1e300, 2.0**1000])
    assert np.max(mp_ulps(actviz.get("sine")(x), lambda t: mp.sin(30 * t), x, bits=1400)) <= 1


def test_sine_gaussian_moments_are_the_closed_forms():
    # E[sin(ωz)] = 0, E[sin²(ωz)] = (1 - e^(-2ω²))/2, E[ω cos(ωz)] = ω e^(-ω²/2),
    # E[ω² cos²(ωz)] = ω²(1 + e^(-2ω²))/2; at ω = 30 the exponentials are below 1e-190
    for w0 in (30.0, 1.0):
        g = gaussian_stats(actviz.get("sine", w0=w0))
        assert g.mean == pytest.approx(0.0, abs=1e-12)
        assert g.second_moment == pytest.approx((1 - math.exp(-2 * w0 * w0)) / 2, rel=1e-10)
        assert g.mean_df == pytest.approx(w0 * math.exp(-w0 * w0 / 2), rel=1e-10, abs=1e-12)
        assert g.second_moment_df == pytest.approx(w0 * w0 * (1 + math.exp(-2 * w0 * w0)) / 2, rel=1e-10)


def test_sine_is_siren_sine_layer_activation():
    torch = pytest.importorskip("torch")
    # SIREN's SineLayer: torch.sin(omega_0 * z), omega_0 = 30 (float64 here)
    x = np.linspace(-1.0, 1.0, 2001)
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = torch.sin(30 * t)
    (grad,) = torch.autograd.grad(y.sum(), t)
    act = actviz.get("siren")
    # torch rounds 30x: an absolute error up to 30·2^-53 in the argument
    np.testing.assert_allclose(act(x), y.detach().numpy(), rtol=0, atol=5e-15)
    np.testing.assert_allclose(act.derivative(x), grad.numpy(), rtol=0, atol=1.5e-13)


def test_sine_is_nan_at_infinity_and_has_no_limit_to_claim():
    f, d, d2 = actviz.get("sine").evaluate(np.array([-np.inf, np.inf]), orders=(0, 1, 2))
    assert np.isnan(f).all() and np.isnan(d).all() and np.isnan(d2).all()
    assert actviz.get("sine").record.checks.oscillates == (0, 1, 2)


# --- gaussian ------------------------------------------------------------------------------


def test_gaussian_bump_is_exact_in_its_tails_and_subnormals():
    import mpmath as mp

    # e^(-x²/2) down to the subnormals (x = 38.6 gives 2e-324); x² is not a float here
    x = np.array([-38.55, -38.3, -37.7, -20.013, -8.113, -1.0, 0.0, 1e-160, 0.3, 1.0, 8.113, 30.07, 38.55])
    act = actviz.get("gaussian")
    f, d = act.evaluate(x)
    assert np.max(mp_ulps(f, lambda t: mp.exp(-t * t / 2), x)) <= 1
    assert np.max(mp_ulps(d, lambda t: -t * mp.exp(-t * t / 2), x)) <= 2
    naive = mp_ulps(np.exp(-(x**2) / 2), lambda t: mp.exp(-t * t / 2), x)
    assert np.max(naive) > 100
    # f'' = (x² - 1)e^(-x²/2) keeps its digits through its zero at x = ±1
    x1 = np.array([np.nextafter(1.0, 0), 1.0, np.nextafter(1.0, 2), -np.nextafter(1.0, 2)])
    err = mp_ulps(act.derivative(x1, order=2), lambda t: (t * t - 1) * mp.exp(-t * t / 2), x1)
    assert np.max(err) <= 4
    assert act(1.0) == math.exp(-0.5) and act(0.0) == 1.0


@pytest.mark.parametrize("a", [1.0, 0.1, 3.0])
def test_gaussian_moments_are_the_closed_forms(a):
    # E[e^(-cz²)] = (1 + 2c)^(-1/2); E[z² e^(-cz²)] = (1 + 2c)^(-3/2): with c = 1/(2a²) for f
    # and 1/a² for f² and f'² = (z²/a⁴)e^(-z²/a²)
    g = gaussian_stats(actviz.get("gaussian", a=a))
    assert g.mean == pytest.approx(a / math.sqrt(a * a + 1), rel=1e-11)
    assert g.second_moment == pytest.approx(a / math.sqrt(a * a + 2), rel=1e-11)
    assert g.mean_df == pytest.approx(0.0, abs=1e-13)
    assert g.second_moment_df == pytest.approx(a**-4 * (1 + 2 / a**2) ** -1.5, rel=1e-11)


# --- laplace -------------------------------------------------------------------------------


def test_laplace_is_hugging_faces_laplace_activation():
    torch = pytest.importorskip("torch")
    act = actviz.get("laplace")
    # transformers/activations.py LaplaceActivation.forward(input, mu=0.707107, sigma=0.282095)
    assert act.params == {"mu": 0.707107, "sigma": 0.282095}
    x = np.linspace(-0.5, 3.0, 1401)
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = 0.5 * (1.0 + torch.erf((t - 0.707107).div(0.282095 * math.sqrt(2.0))))
    (grad,) = torch.autograd.grad(y.sum(), t)
    np.testing.assert_allclose(act(x), y.detach().numpy(), rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(act.derivative(x), grad.numpy(), rtol=1e-13, atol=1e-16)
    assert act(0.707107) == 0.5


def test_laplace_keeps_its_left_tail_where_one_plus_erf_is_zero():
    import mpmath as mp

    x = np.array([-10.0, -9.9, -5.3, -2.0, -1.66, -1.0, 0.0, 0.707107, 1.4, 2.3, 5.0])
    act = actviz.get("laplace")
    mu, sigma = mp.mpf(0.707107), mp.mpf(0.282095)
    f, d = act.evaluate(x)
    assert np.max(mp_ulps(f, lambda t: mp.ncdf((t - mu) / sigma), x)) <= 2
    assert np.max(mp_ulps(d, lambda t: mp.npdf((t - mu) / sigma) / sigma, x)) <= 2
    from scipy.special import erf

    # 0.5·(1 + erf(...)) is 0 from x = -1.66 down (mpmath: 1.3e-16 there, 3.2e-322 at -9.9)
    assert 0.5 * (1 + erf((-1.66 - 0.707107) / (0.282095 * math.sqrt(2)))) == 0.0
    assert f[1] > 0


def test_laplace_gaussian_moments():
    import mpmath as mp

    # E[Φ((z - μ)/σ)] = Φ(-μ/√(1 + σ²)); E[φ((z - μ)/σ)/σ] = φ(μ/√(1 + σ²))/√(1 + σ²)
    # (the density of z - σw at μ, w ~ N(0, 1)); E[f²] by mpmath quadrature
    mu, sigma = 0.707107, 0.282095
    s = math.sqrt(1 + sigma * sigma)
    g = gaussian_stats(actviz.get("laplace"))
    with mp.workdps(30):
        m = mp.ncdf(-mu / s)
        d = mp.npdf(mu / s) / s
        sq = mp.quad(lambda z: mp.ncdf((z - mu) / sigma) ** 2 * mp.npdf(z), [-mp.inf, mu, mp.inf])
    assert g.mean == pytest.approx(float(m), rel=1e-11)
    assert g.mean_df == pytest.approx(float(d), rel=1e-11)
    assert g.second_moment == pytest.approx(float(sq), rel=1e-11)


# --- isru and isrlu ------------------------------------------------------------------------


def test_isru_gaussian_moments_by_mpmath_quadrature():
    import mpmath as mp

    g = gaussian_stats(actviz.get("isru"))
    with mp.workdps(30):
        sq = mp.quad(lambda z: z * z / (1 + z * z) * mp.npdf(z), [-mp.inf, 0, mp.inf])
        d = mp.quad(lambda z: (1 + z * z) ** -1.5 * mp.npdf(z), [-mp.inf, 0, mp.inf])
    assert g.mean == pytest.approx(0.0, abs=1e-14)  # odd
    assert g.second_moment == pytest.approx(float(sq), rel=1e-11)
    assert g.mean_df == pytest.approx(float(d), rel=1e-11)


def test_isrlu_is_x_on_the_right_and_isru_on_the_left():
    import mpmath as mp

    act = actviz.get("isrlu")
    right = np.array([0.0, 5e-324, 1e-300, 0.5, 3.0, 700.0, 1e300])
    np.testing.assert_array_equal(act(right), right)
    np.testing.assert_array_equal(act.derivative(right), np.ones_like(right))
    left = -np.geomspace(1e-300, 1e300, 61)
    for alpha in (1.0, 0.25, 3.0):
        act = actviz.get("isrlu", alpha=alpha)
        f, d = act.evaluate(left)
        assert np.max(mp_ulps(f, lambda t, a=alpha: t / mp.sqrt(1 + a * t * t), left)) <= 2
        assert np.max(mp_ulps(d, lambda t, a=alpha: (1 + a * t * t) ** -1.5, left)) <= 8
        # the saturation value -1/√α
        assert act(-np.inf) == -1 / math.sqrt(alpha)
    # it is isru itself on the left
    np.testing.assert_allclose(actviz.get("isrlu")(left), actviz.get("isru")(left), rtol=4e-16)


def test_isrlu_is_c2_at_0_only_its_third_derivative_jumps():
    act = actviz.get("isrlu(alpha=2)")
    assert act.kinks == (0.0,) and act.properties.smoothness == "C2"
    h = 1e-6
    d = act.derivative(np.array([-h, 0.0, h]))
    d2 = act.derivative(np.array([-h, 0.0, h]), order=2)
    # f' = 1 - (3α/2)x² + …, f'' = -3αx + … on the left (series of (1 + αx²)^(-3/2))
    assert d[1] == 1.0 and d[2] == 1.0 and d[0] == pytest.approx(1 - 3.0 * h * h, rel=1e-15)
    assert d2[1] == 0.0 and d2[2] == 0.0 and d2[0] == pytest.approx(6.0 * h, rel=1e-9)
    # the third derivative: -3α from the left, 0 from the right
    assert (d2[1] - d2[0]) / h == pytest.approx(-6.0, rel=1e-9)


def test_isrlu_gaussian_moments():
    import mpmath as mp

    # the right half of z ~ N(0, 1) gives E[z; z > 0] = 1/√(2π) and E[z²; z > 0] = 1/2
    g = gaussian_stats(actviz.get("isrlu"))
    with mp.workdps(30):
        left = mp.quad(lambda z: z / mp.sqrt(1 + z * z) * mp.npdf(z), [-mp.inf, 0])
        left2 = mp.quad(lambda z: z * z / (1 + z * z) * mp.npdf(z), [-mp.inf, 0])
    assert g.mean == pytest.approx(1 / math.sqrt(2 * math.pi) + float(left), rel=1e-11)
    assert g.second_moment == pytest.approx(0.5 + float(left2), rel=1e-11)


# --- bent identity -------------------------------------------------------------------------


def test_bent_identity_has_no_cancellation_near_0_and_no_overflow_far_out():
    import mpmath as mp

    x = np.concatenate([-np.geomspace(1e300, 1e-300, 50), [0.0], np.geomspace(1e-300, 1e300, 50)])
    act = actviz.get("bent_identity")
    f, d = act.evaluate(x)

    def exact(t):
        return (mp.sqrt(t * t + 1) - 1) / 2 + t

    assert np.max(mp_ulps(f, exact, x)) <= 2
    assert np.max(mp_ulps(d, lambda t: 1 + t / (2 * mp.sqrt(t * t + 1)), x)) <= 2
    with np.errstate(over="ignore"):
        naive = (np.sqrt(x**2 + 1) - 1) / 2 + x
    assert not np.isfinite(naive).all()  # x**2 overflows beyond 1.3e154
    # closed forms: f(1) = (√2 - 1)/2 + 1; f(-1e300) = -5e299 - 1/2 (to the last digit)
    assert act(1.0) == pytest.approx((math.sqrt(2) - 1) / 2 + 1, rel=1e-16)
    assert act(-1e300) == pytest.approx(-5e299, rel=1e-16)
    # f' runs from 1/2 to 3/2; beyond the largest float over 1.5, f overflows as the truth does
    assert act.derivative(-np.inf) == 0.5 and act.derivative(np.inf) == 1.5
    assert np.isfinite(act(1.19e308)) and act(1.2e308) == np.inf


def test_bent_identity_gaussian_moments():
    import mpmath as mp

    g = gaussian_stats(actviz.get("bent"))
    with mp.workdps(30):
        m = mp.quad(lambda z: (mp.sqrt(z * z + 1) - 1) / 2 * mp.npdf(z), [-mp.inf, 0, mp.inf])
        sq = mp.quad(lambda z: ((mp.sqrt(z * z + 1) - 1) / 2 + z) ** 2 * mp.npdf(z), [-mp.inf, 0, mp.inf])
    assert g.mean == pytest.approx(float(m), rel=1e-11)  # E[z] = 0
    assert g.second_moment == pytest.approx(float(sq), rel=1e-11)
    assert g.mean_df == pytest.approx(1.0, rel=1e-12)  # x/(2√(x²+1)) is odd


# --- rational (PAU) and kat_rational (KAT) -----------------------------------------------------

# rational_activations' rationals_config.json, "Rational_version_A5/4" → "leaky_relu"
PAU_P = (0.029792778657264946, 0.6183735264987601, 2.323309062531321, 3.051936237265109,
         1.4854203263828845, 0.2510244961111299)
PAU_Q = (-1.1419548357285474, 4.393159974992486, 0.8714712309957245, 0.34719662339598834)
# rational_kat_cu's kat_rational/init.json → "gelu"
KAT_P = (-0.00153969, 0.51692871, 0.44075827, 0.0972553, -0.00884418, -0.00378675)
KAT_Q = (-0.14171056, -0.06481231, -0.0444695, 0.01283776)


def test_rational_defaults_are_the_shipped_starting_points():
    pau, kat = actviz.get("pau"), actviz.get("kat_group")
    assert pau.name == "rational" and kat.name == "kat_rational"
    assert pau.params == {"p": PAU_P, "q": PAU_Q, "version": "a"}
    assert kat.params == {"p": KAT_P, "q": KAT_Q, "version": "a"}
    # the spec lists the tuples and reads back to the same floats
    assert actviz.get(pau.spec) == pau and actviz.get(pau.spec).params == pau.params


def _torch_rational(torch, x, p, q, version):
    """rational_activations' Rational_PYTORCH_A_F / _B_F (rational/torch/rational_pytorch_functions.py),
    in float64: A sums |q_k x^k| (with the constant 1), B takes 1 + |Σ q_k x^k|."""
    xps = torch.stack([x**j for j in range(len(p))], dim=1)  # torch.vander, without its in-place backward
    numerator = xps.mul(torch.tensor(p, dtype=torch.float64)).sum(1)
    if version == "a":
        dw = torch.cat([torch.tensor([1.0], dtype=torch.float64), torch.tensor(q, dtype=torch.float64),
                        torch.zeros(len(p) - len(q) - 1, dtype=torch.float64)])
        return numerator.div(xps.mul(dw).abs().sum(1))
    denominator = xps[:, 1:len(q) + 1].mul(torch.tensor(q, dtype=torch.float64)).sum(1).abs()
    return numerator.div(1 + denominator)


@pytest.mark.parametrize("version", ["a", "b"])
@pytest.mark.parametrize("coefficients", [(PAU_P, PAU_Q), (KAT_P, KAT_Q)])
def test_rational_is_rational_activations_pytorch_form(coefficients, version):
    torch = pytest.importorskip("torch")
    p, q = coefficients
    x = np.concatenate([np.linspace(-6.0, 6.0, 1201), [-1e-8, 1e-8]])
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = _torch_rational(torch, t, p, q, version)
    (grad,) = torch.autograd.grad(y.sum(), t)
    act = actviz.get("rational", p=p, q=q, version=version)
    np.testing.assert_allclose(act(x), y.detach().numpy(), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(act.derivative(x), grad.numpy(), rtol=1e-12, atol=1e-13)
    # at the kink x = 0 both take abs'(0) = 0, so f'(0) = p_1
    assert act.derivative(0.0) == p[1] == grad.numpy()[600]


def _gelu(x):
    return 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))


def test_the_starting_points_fit_what_they_were_fitted_to_in_the_form_they_were_fitted_in():
    x = np.linspace(-3.0, 3.0, 601)
    # PAU: version A, fitted to leaky_relu(0.01) on [-3, 3]: within 0.03 (at x = 0, f = p_0)
    pau = actviz.get("rational")
    leaky = np.where(x > 0, x, 0.01 * x)
    assert np.max(np.abs(pau(x) - leaky)) == pytest.approx(PAU_P[0], rel=1e-12)
    # KAT: kat_rational/fit.py fits 1 + |Σ q_k x^k| (version b) to GELU on [-3, 3] ...
    fitted = actviz.get("kat_rational(version=b)")
    assert np.max(np.abs(fitted(x) - _gelu(x))) < 3e-3
    # ... but KAT's kernels compute 1 + Σ|q_k|·|x|^k, which starts 1.46 below GELU at x = 3
    run = actviz.get("kat_rational")
    assert _gelu(np.array([3.0]))[0] - run(3.0) == pytest.approx(1.4648, abs=1e-3)


def test_rational_is_correctly_rounded_next_to_the_zeros_of_p_and_of_its_slope():
    # the stationary points and zeros the coefficients give (numpy roots, polished), and a
    # dense grid: f and f' are summed in double-double, so both keep their last digit
    for p, q in ((PAU_P, PAU_Q), (KAT_P, KAT_Q)):
        for version in ("a", "b"):
            act = actviz.get("rational", p=p, q=q, version=version)
            x = np.concatenate([np.linspace(-8.0, 8.0, 801), np.geomspace(8, 1e6, 30), -np.geomspace(8, 1e6, 30)])
            grid = np.linspace(-6.0, 6.0, 120001)
            f, d = act.evaluate(grid)
            turns = np.flatnonzero(np.sign(d[:-1]) * np.sign(d[1:]) < 0)
            crossings = np.flatnonzero(np.sign(f[:-1]) * np.sign(f[1:]) < 0)
            x = np.concatenate([x, grid[turns], grid[turns + 1], grid[crossings], grid[crossings + 1]])
            x = x[np.abs(x) > 1e-12]  # the kink

            def exact(t, p=p, q=q, version=version, reference=act.record.mp_reference):
                return reference(t, p, q, version)

            ef = mp_ulps(act(x), lambda t: exact(t)[0], x)
            ed = mp_ulps(act.derivative(x), lambda t: exact(t)[1], x)
            assert np.max(ef) <= 1 and np.max(ed) <= 1, (p, version, np.max(ef), np.max(ed))
            assert turns.size and crossings.size


def test_rational_kinks_and_claims_follow_the_coefficients():
    # version b: |Σ q_k x^k| turns at its sign changes, x = 0 and the cubic's real root
    b = actviz.get("rational(version=b)")
    assert b.kinks[0] == 0.0 and len(b.kinks) == 2
    r = b.kinks[1]
    assert abs(np.polynomial.Polynomial((0.0, *PAU_Q))(r)) < 1e-15
    assert b.properties.smoothness == "C0"
    # f = (x + x²/2)/(1 + x²/4): no kink; f' = 0 at 1 + x - x²/4 = 0, x = 2 ± 2√2, where
    # f = 1 ± √2 (closed form), the range's two ends, attained
    act = actviz.get("rational(p=(0, 1, 0.5), q=(0, 0.25))")
    assert act.kinks == () and act.properties.smoothness == "C∞" and act.properties.zero_centred
    rng = act.output_range
    assert rng.low == pytest.approx(1 - math.sqrt(2), rel=1e-14) and rng.high == pytest.approx(1 + math.sqrt(2), rel=1e-14)
    assert rng.low_closed and rng.high_closed and not act.properties.monotonic
    # Q = 1 + |x|³: the two sides differ from x³ on, so f'' is continuous and f''' jumps
    c2 = actviz.get("rational(p=(1, 1), q=(0, 0, 1))")
    assert c2.kinks == (0.0,) and c2.properties.smoothness == "C2"
    assert analyse((1.0, 1.0), (0.0, 0.0, 1.0), "a").kinks == ((0.0, 3),)
    # a monotone one: (x + x³)/(1 + x²) = x
    assert actviz.get("rational(p=(0, 1, 0, 1), q=(0, 1))").properties.monotonic


def test_rational_overflows_only_where_the_truth_does():
    # shifted coefficients: f ~ (p5/|q4|)·x far out, |p5/q4| = 3.25/0.85 > 1, so f(±1e308) is
    # beyond the float range; within finite_within it is finite
    act = actviz.get("rational(p=(0.5, 1.6, 3.8, 5.1, 4.0, 3.25), q=(-0.6, 5.4, 2.4, 0.85))")
    lo, hi = act.record.checks.finite_within(**act.params)
    assert np.isfinite(act(np.array([lo * 0.999, hi * 0.999]))).all()
    with np.errstate(over="raise"):
        assert act(1e308) == np.inf and act(-1e308) == -np.inf
    # the limits of f' at ±inf are the slope p5/|q4|
    assert act.derivative(np.inf) == pytest.approx(3.25 / 0.85, rel=1e-15)


def test_rational_tuples_on_the_command_line():
    runner = CliRunner()
    result = runner.invoke(app, ["table", "rational(p=(0, 1), q=(0.5,))", "--range", "-1", "1", "--points", "3",
                                 "-o", "-", "--format", "csv"])
    assert result.exit_code == 0, result.output
    import csv

    rows = list(csv.reader(result.stdout.strip().splitlines()))
    assert rows[0][:4] == ["activation", "x", "f", "df"]
    assert rows[1][0] == "rational(p=(0, 1), q=(0.5,))"
    # f = x/(1 + 0.5|x|): f(-1) = -2/3, f(0) = 0, f(1) = 2/3; f'(±1) = 1/(1.5)² = 4/9
    assert rows[1][1:4] == ["-1.0", repr(-2 / 3), repr(4 / 9)]
    for bad in ("rational(p=())", "rational(version=c)", "rational(q=(1, x))"):
        result = runner.invoke(app, ["table", bad, "--points", "3"])
        assert result.exit_code == 2 and "Traceback" not in result.output, (bad, result.output)
        assert len(result.stderr.strip().splitlines()) <= 2, result.stderr


def test_sin_and_cos_of_a_huge_product_are_right_and_quiet():
    # sin(w·x) and cos(w·x) where w·x is far beyond 2^23, so the product's low part is not
    # small (Hypothesis found snake(alpha=3, eps=0) at x = 1.23e170 overflowing through it):
    # within 2 ULP of mpmath at 400 digits, and no warning
    import warnings

    import mpmath as mp

    from actviz.numerics.periodic import sin_cos_product

    rng = np.random.default_rng(11)
    x = 10.0 ** rng.uniform(7, 297, 200) * rng.choice([-1.0, 1.0], 200)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s, c = sin_cos_product(x, 6.0)
    with mp.workdps(400):
        want_s = np.array([float(mp.sin(mp.mpf(float(v)) * 6)) for v in x])
        want_c = np.array([float(mp.cos(mp.mpf(float(v)) * 6)) for v in x])
    # 2 ULP of the larger of the value and 2^-53 (a value next to a zero has absolute rounding)
    for got, want in ((s, want_s), (c, want_c)):
        assert np.all(np.abs(got - want) <= 2 * np.spacing(np.maximum(np.abs(want), 2.0**-53)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f, d = actviz.get("snake(alpha=3, eps=0)").evaluate(np.array([1.23e170, -4.5e200]))
    assert np.all(np.isfinite(f)) and np.all(np.abs(d) <= 1.0 + 2.0 * 3.0 + 1e-12)
