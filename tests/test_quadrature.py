"""The Gaussian-expectation engine (actviz.analysis.quadrature) against closed forms and mpmath,
through both entry points: ``expect`` (one (μ, σ), adaptive) and ``expect_many`` (a batch, fixed
panels). Each expected value names where it comes from."""

import math

import mpmath as mp
import numpy as np
import pytest

import actviz
from actviz.analysis.quadrature import expect, expect_many, legendre, panels


def relu(x):
    return np.maximum(x, 0.0)


def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def mp_expect(f, mu, sigma, cuts=()):
    """E[f(z)], z ~ N(μ, σ²), by mpmath quadrature in t = (z - μ)/σ at 30 digits."""
    with mp.workdps(30):
        m, s = mp.mpf(mu), mp.mpf(sigma)
        points = sorted({mp.mpf(0), *((mp.mpf(c) - m) / s for c in cuts)})
        return float(mp.quad(lambda t: f(m + s * t) * mp.npdf(t), [-mp.inf, *points, mp.inf]))


# (name, g, kinks, mu, sigma, the expected value, where it comes from)
CASES = [
    # the second moment of N(μ, σ²) is μ² + σ² (the variance's definition)
    ("z^2", np.square, (), 0.0, 1.0, 1.0),
    ("z^2", np.square, (), 0.5, 3.0, 0.25 + 9.0),
    ("z^2", np.square, (), -2.0, 0.1, 4.0 + 0.01),
    # E[relu(z)] at μ = 0 is half the half-normal mean σ√(2/π): σ/√(2π)
    ("relu", relu, (0.0,), 0.0, 1.0, 1.0 / math.sqrt(2.0 * math.pi)),
    ("relu", relu, (0.0,), 0.0, 40.0, 40.0 / math.sqrt(2.0 * math.pi)),
    # off-centre: the rectified Gaussian's mean μΦ(μ/σ) + σφ(μ/σ), evaluated in mpmath (30 digits)
    ("relu", relu, (0.0,), 0.7, 1.3, float(mp.mpf(0.7) * mp.ncdf(mp.mpf(0.7) / mp.mpf(1.3))
                                           + mp.mpf(1.3) * mp.npdf(mp.mpf(0.7) / mp.mpf(1.3)))),
    # E[|z|] at μ = 0 is the half-normal mean σ√(2/π)
    ("abs", np.abs, (0.0,), 0.0, 2.5, 2.5 * math.sqrt(2.0 / math.pi)),
    # E[e^z] is the normal moment generating function at 1: e^(μ + σ²/2)
    ("exp", np.exp, (), 0.0, 1.0, math.exp(0.5)),
    ("exp", np.exp, (), 0.3, 2.0, math.exp(0.3 + 2.0)),
    ("exp", np.exp, (), 0.0, 5.0, math.exp(12.5)),
    # E[sigmoid(z)] at μ = 0 is 1/2: sigmoid(-z) = 1 - sigmoid(z) and the density is even
    ("sigmoid", sigmoid, (), 0.0, 1.0, 0.5),
    ("sigmoid", sigmoid, (), 0.0, 7.0, 0.5),
    ("sigmoid", sigmoid, (), 0.0, 1e3, 0.5),
    # E[tanh(z)²]: mpmath quadrature at 30 digits
    ("tanh^2", lambda x: np.tanh(x) ** 2, (), 0.0, 0.5, mp_expect(lambda z: mp.tanh(z) ** 2, 0.0, 0.5)),
    ("tanh^2", lambda x: np.tanh(x) ** 2, (), 0.0, 2.0, mp_expect(lambda z: mp.tanh(z) ** 2, 0.0, 2.0)),
    ("tanh^2", lambda x: np.tanh(x) ** 2, (), 1.5, 0.8, mp_expect(lambda z: mp.tanh(z) ** 2, 1.5, 0.8)),
]
IDS = [f"{c[0]}-N({c[3]:g},{c[4]:g}^2)" for c in CASES]


@pytest.mark.parametrize(("name", "g", "kinks", "mu", "sigma", "want"), CASES, ids=IDS)
def test_adaptive_expectation_is_the_closed_form(name, g, kinks, mu, sigma, want):
    assert expect(g, mu, sigma, kinks) == pytest.approx(want, rel=1e-13)


@pytest.mark.parametrize(("name", "g", "kinks", "mu", "sigma", "want"), CASES, ids=IDS)
def test_batch_expectation_is_the_closed_form(name, g, kinks, mu, sigma, want):
    assert float(expect_many(g, mu, sigma, kinks)) == pytest.approx(want, rel=1e-13)


def test_a_batch_broadcasts_and_each_row_is_its_closed_form():
    # every z² case at once: the rows of one call are the closed forms μ² + σ²
    rows = [c for c in CASES if c[0] == "z^2"]
    mu, sigma = np.array([c[3] for c in rows]), np.array([c[4] for c in rows])
    got = expect_many(np.square, mu.reshape(1, -1), sigma)
    assert got.shape == (1, len(rows))
    np.testing.assert_allclose(got[0], mu**2 + sigma**2, rtol=1e-13)


@pytest.mark.parametrize("n", [12, 16, 32])
def test_each_panel_integrates_polynomials_of_degree_2n_minus_1_exactly(n):
    # Gauss–Legendre with n nodes is exact for degree 2n - 1: ∫ x^(2n-2) over [0, 1] + [1, 3]
    # is 3^(2n-1) / (2n-1)
    t, half = panels(np.array([0.0, 1.0, 3.0]), n)
    assert t.shape == (2, n) and half.tolist() == [0.5, 1.0]
    total = float(np.sum(half * (t ** (2 * n - 2) @ legendre(n)[1])))
    assert total == pytest.approx(3.0 ** (2 * n - 1) / (2 * n - 1), rel=1e-13)


# -- the batch rule beside the adaptive one and mpmath ------------------------------------


@pytest.mark.parametrize("spec", ["relu", "hard_tanh", "relu6", "elu", "step", "selu", "hard_swish"])
@pytest.mark.parametrize("mu, sigma", [(0.0, 1.0), (0.3, 2.5), (-1.0, 0.2), (0.0, 30.0)])
def test_rule_matches_adaptive_quadrature_across_kinks(spec, mu, sigma):
    act = actviz.get(spec)
    for g in (lambda x: act(x) ** 2, lambda x: act.derivative(x) ** 2):
        ours = float(expect_many(g, mu, sigma, act.kinks))
        assert ours == pytest.approx(expect(g, mu, sigma, act.kinks), rel=1e-13, abs=1e-15)


@pytest.mark.parametrize("q", [1e-6, 0.3, 4.0, 1e4])
def test_rule_matches_mpmath_for_smooth_activations(q):
    tanh, gelu = actviz.get("tanh"), actviz.get("gelu")
    s = math.sqrt(q)
    with mp.workdps(25):
        ref_tanh = mp.quad(lambda t: mp.tanh(s * t) ** 2 * mp.npdf(t), [-mp.inf, -1 / s, 0, 1 / s, mp.inf])
        ref_gelu = mp.quad(lambda t: (s * t * mp.ncdf(s * t)) ** 2 * mp.npdf(t), [-mp.inf, 0, mp.inf])
    assert float(expect_many(lambda x: tanh(x) ** 2, 0.0, s)) == pytest.approx(float(ref_tanh), rel=1e-13)
    assert float(expect_many(lambda x: gelu(x) ** 2, 0.0, s)) == pytest.approx(float(ref_gelu), rel=1e-13)


def test_rule_batches_and_degenerates_to_a_point():
    act = actviz.get("tanh")
    mus, sigmas = np.array([0.0, 0.5, -2.0]), np.array([1.0, 0.1, 3.0])
    batch = expect_many(act, mus, sigmas)
    singles = [float(expect_many(act, m, s)) for m, s in zip(mus, sigmas, strict=True)]
    np.testing.assert_allclose(batch, singles, rtol=1e-14, atol=1e-15)
    # sigma = 0: the expectation of a point mass
    assert float(expect_many(act, 0.7, 0.0)) == pytest.approx(math.tanh(0.7), rel=1e-15)
