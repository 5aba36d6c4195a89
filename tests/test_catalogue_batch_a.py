"""Element-wise activations of batch A: StarReLU, xIELU, softcap, DyT, clipped GELU (gelu_10),
GoLU, TanhExp (TeLU), LiSHT, Hard-Mish, Smish, Logish and Serf.

Expected values come from mpmath, with each function written out here from its paper (not
through the records' own mp_reference), from closed forms, and from the real implementations
as their sources write them (torch, float64) where torch is installed. The double-double
exponentials the kernels stand on are checked against mpmath first.
"""

import math
import warnings

import mpmath as mp
import numpy as np
import pytest
from typer.testing import CliRunner

import actviz
from actviz.analysis.stats import stats
from actviz.analysis.ulp import ulp_error
from actviz.numerics.dd import exp_double, expm1_double

MP_DPS = 60
SUBNORMAL = 5e-324

# --- independent mpmath definitions: (f, f') at an mpf x, from the papers' formulas ---------------


def mp_star_relu(x, s=0.8944271909999159, b=-0.4472135954999579):
    r = max(x, 0)
    return mp.mpf(s) * r**2 + mp.mpf(b), 2 * mp.mpf(s) * r


def mp_xielu(x, ap=0.8, an=0.8, b=0.5, eps=-1e-6):
    ap, an, b, eps = (mp.mpf(v) for v in (ap, an, b, eps))
    if x > 0:
        return ap * x**2 + b * x, 2 * ap * x + b
    # e^m - 1 as expm1: for tiny x, e^x - 1 - x would cancel even at 60 digits
    f = an * (mp.expm1(min(x, eps)) - x) + b * x
    return f, (b - an if x > eps else an * mp.expm1(x) + b)


def mp_softcap(x, c=30.0):
    c = mp.mpf(c)
    return c * mp.tanh(x / c), 1 / mp.cosh(x / c) ** 2


def mp_dyt(x, a=0.5, g=1.0, b=0.0):
    a, g, b = (mp.mpf(v) for v in (a, g, b))
    return g * mp.tanh(a * x) + b, a * g / mp.cosh(a * x) ** 2


def mp_gelu(x):
    phi = (1 + mp.erf(x / mp.sqrt(2))) / 2
    return x * phi, phi + x * mp.exp(-x * x / 2) / mp.sqrt(2 * mp.pi)


def mp_clipped_gelu(x, lo=-10.0, hi=10.0):
    g, d = mp_gelu(x)
    return min(max(g, lo), hi), (d if lo <= g <= hi else mp.mpf(0))


def mp_golu(x, a=1.0, b=1.0, c=1.0):
    a, b, c = (mp.mpf(v) for v in (a, b, c))
    gate = mp.exp(-b * mp.exp(-c * x))
    return a * x * gate, a * gate + a * x * gate * b * c * mp.exp(-c * x)


def mp_tanhexp(x):
    u = mp.exp(x)
    return x * mp.tanh(u), mp.tanh(u) + x * u / mp.cosh(u) ** 2


def mp_lisht(x):
    return x * mp.tanh(x), mp.tanh(x) + x / mp.cosh(x) ** 2


def mp_hard_mish(x):
    f = x / 2 * min(2, max(0, x + 2))
    return f, (0 if x < -2 else x + 1 if x < 0 else 1)


def _sigma(z):
    return 1 / (1 + mp.exp(-z))


def mp_smish(x, a=1.0, b=1.0):
    a, b = mp.mpf(a), mp.mpf(b)
    s = _sigma(b * x)
    # ln(1 + s) as log1p: at 60 digits 1 + s rounds to 1 for s below 1e-60 (x < -138), and
    # the reference would be 0 where the true value is x·e^x
    g = mp.tanh(mp.log1p(s))
    # d/ds tanh(ln(1 + s)) = sech²(ln(1 + s))/(1 + s), and ds/dx = β·s(1 - s)
    return a * x * g, a * g + a * x * (1 - g**2) / (1 + s) * b * s * (1 - s)


def mp_logish(x, a=1.0, b=1.0):
    a, b = mp.mpf(a), mp.mpf(b)
    s = _sigma(b * x)
    g = mp.log1p(s)  # as in mp_smish: log(1 + s) is 0 at 60 digits once s < 1e-60
    return a * x * g, a * g + a * x * b * s * (1 - s) / (1 + s)


def mp_serf(x):
    y = mp.log1p(mp.exp(x))  # as in mp_smish: log(1 + e^x) is 0 at 60 digits once x < -138
    return x * mp.erf(y), mp.erf(y) + x * 2 / mp.sqrt(mp.pi) * mp.exp(-y * y) * _sigma(x)


def references(fn, x, **params):
    with mp.workdps(MP_DPS):
        pairs = [fn(mp.mpf(float(v)), **params) for v in x]
    return [p[0] for p in pairs], [mp.mpf(p[1]) for p in pairs]


def cancellation(x, rf, rd):
    """(|g| + |x·g'|)/|f'| for a gate f = x·g (1 where nothing cancels)."""
    out = np.ones(len(x))
    for i, (xi, f, d) in enumerate(zip(x, rf, rd, strict=True)):
        if xi != 0 and d != 0:
            g = f / mp.mpf(float(xi))
            out[i] = float((abs(g) + abs(d - g)) / abs(d))
    return out


# the tails out to ±700, magnitudes down to the subnormals, and a fine core
POINTS = np.unique(np.concatenate([
    -np.geomspace(700.0, 1e-300, 70), [0.0], np.geomspace(1e-300, 700.0, 70),
    np.linspace(-8.0, 8.0, 321), [-SUBNORMAL, SUBNORMAL],
]))

# (spec, independent reference, its parameters, whether f = x·g so that f' is held to its
# terms where they cancel next to f's minimum)
CASES = [
    ("star_relu", mp_star_relu, {}, False),
    ("star_relu(scale=2.5, bias=1.5)", mp_star_relu, {"s": 2.5, "b": 1.5}, False),
    ("xielu", mp_xielu, {}, False),
    ("xielu(eps=0)", mp_xielu, {"eps": 0.0}, False),
    ("softcap", mp_softcap, {}, False),
    ("softcap(cap=0.7)", mp_softcap, {"c": 0.7}, False),
    ("dyt", mp_dyt, {}, False),
    ("dyt(alpha=1.7, gamma=0.3)", mp_dyt, {"a": 1.7, "g": 0.3}, False),
    ("gelu_10", mp_clipped_gelu, {}, True),
    ("clipped_gelu(min=-0.1, max=3)", mp_clipped_gelu, {"lo": -0.1, "hi": 3.0}, True),
    ("golu", mp_golu, {}, True),
    ("golu(alpha=1.3, beta=2.5, gamma=0.7)", mp_golu, {"a": 1.3, "b": 2.5, "c": 0.7}, True),
    ("tanhexp", mp_tanhexp, {}, True),
    ("lisht", mp_lisht, {}, True),
    ("hard_mish", mp_hard_mish, {}, False),
    ("smish", mp_smish, {}, True),
    ("smish(alpha=0.7, beta=2.5)", mp_smish, {"a": 0.7, "b": 2.5}, True),
    ("logish", mp_logish, {}, True),
    ("logish(beta=10)", mp_logish, {"b": 10.0}, True),
    ("serf", mp_serf, {}, True),
]


@pytest.mark.parametrize("spec, fn, params, gate", CASES, ids=[c[0] for c in CASES])
def test_within_4_and_8_ulps_of_the_papers_formulas_in_mpmath(spec, fn, params, gate):
    act = actviz.get(spec)
    x = POINTS[np.all([np.abs(POINTS - k) > 0 for k in act.kinks], axis=0)] if act.kinks else POINTS
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise", under="ignore"):
            f, d = act.evaluate(x)
    rf, rd = references(fn, x, **params)
    ef, ed = ulp_error(f, rf), ulp_error(d, rd)
    assert ef.max() <= 4, (spec, float(ef.max()), float(x[np.argmax(ef)]))
    # a gate's f' next to its zero is held to 8 ULP of its terms' size (16x cancellation and up)
    allowed = 8 * np.maximum(1.0, cancellation(x, rf, rd) / 16) if gate else 8
    assert np.all(ed <= allowed), (spec, float(x[np.argmax(ed / allowed)]), float(np.max(ed / allowed)))


@pytest.mark.parametrize("spec, fn, params, gate", CASES, ids=[c[0] for c in CASES])
def test_gaussian_moments_against_mpmath_quadrature(spec, fn, params, gate):
    # E[f(z)] and E[f(z)²] for z ~ N(0, 1) by mpmath's quadrature of the reference, split at the
    # kinks (and the jumps), against actviz's own quadrature. The range is [-40, 40]: beyond,
    # φ(z) < e^-800 and f(z)² φ(z) is below 1e-340, while the infinite interval sends tanh-sinh
    # nodes out to |z| ~ 1e30, where GoLU's e^(-e^(-z)) and TanhExp's tanh(e^z) take mpmath
    # minutes per node; it is cut at ±4 and ±8 too, so that the nodes find φ's bulk
    act = actviz.get(spec)
    assert all(-40 < k < 40 for k in act.kinks)
    cuts = sorted({-40.0, -8.0, -4.0, 0.0, 4.0, 8.0, 40.0, *act.kinks})
    with mp.workdps(30):
        def moment(p):
            return mp.quad(lambda t: fn(t, **params)[0] ** p * mp.npdf(t), cuts)

        mean, second = moment(1), moment(2)
    g = stats(spec)["gaussian"]
    assert g["mean"] == pytest.approx(float(mean), rel=1e-10, abs=1e-13)
    assert g["second_moment"] == pytest.approx(float(second), rel=1e-10, abs=1e-13)


# --- the double-double exponentials -----------------------------------------------------------


def test_double_double_exponentials_are_within_2_to_the_minus_82():
    rng = np.random.default_rng(12)
    x = np.concatenate([rng.uniform(-700.0, 709.7, 400), rng.uniform(-0.4, 0.4, 200),
                        np.geomspace(1e-300, 1.0, 60), -np.geomspace(1e-300, 1.0, 60), [0.0, 709.78]])
    hi, lo = exp_double(x)
    m_hi, m_lo = expm1_double(x)
    assert np.array_equal(hi, hi + lo)  # a normalised pair: lo is below half an ULP of hi
    with mp.workdps(MP_DPS):
        for v, h, lo_, a, b in zip(x, hi, lo, m_hi, m_lo, strict=True):
            t = mp.mpf(float(v))
            # below e^-651 the low part is subnormal: a float pair holds e^v only to within
            # half the subnormal spacing (2^-1075) there, whatever the algorithm
            assert abs(mp.mpf(h) + mp.mpf(lo_) - mp.exp(t)) <= 2.0**-82 * mp.exp(t) + mp.mpf(2) ** -1075, v
            if v != 0:
                assert abs(mp.mpf(a) + mp.mpf(b) - mp.expm1(t)) <= 2.0**-82 * abs(mp.expm1(t)), v
    assert expm1_double(np.array([0.0, -800.0]))[0].tolist() == [0.0, -1.0]


# --- StarReLU ----------------------------------------------------------------------------------


def test_star_relu_standardises_relu_squared_under_a_standard_normal():
    with mp.workdps(40):
        assert float(2 / mp.sqrt(5)) == actviz.get("star_relu").params["scale"]
        assert float(-1 / mp.sqrt(5)) == actviz.get("star_relu").params["bias"]
    r = stats("star_relu")
    g = r["gaussian"]
    # z ~ N(0, 1): E[relu²] = 1/2, E[relu⁴] = 3/2; s = 2/√5 and b = -1/√5 give E[f] = s/2 + b = 0
    # and E[f²] = (3/2)s² + sb + b² = 6/5 - 2/5 + 1/5 = 1 (to the rounding of s and b)
    assert abs(g["mean"]) < 1e-15
    assert g["second_moment"] == pytest.approx(1.0, rel=1e-14)
    assert r["gain"] == pytest.approx(1.0, rel=1e-14)
    # E[f'] = 2s·E[relu(z)] = 2s/√(2π)
    assert g["mean_df"] == pytest.approx(2 * 0.8944271909999159 / math.sqrt(2 * math.pi), rel=1e-13)


def test_star_relu_at_metaformers_initial_values_is_squared_relu():
    # MetaFormer's and timm's StarReLU start at scale_value=1.0, bias_value=0.0 (then learn them)
    star = actviz.get("star_relu(scale_value=1, bias_value=0)")
    assert star.params == {"scale": 1.0, "bias": 0.0}
    x = np.concatenate([POINTS, [1e154, 1.4e154, np.inf, -np.inf]])
    with np.errstate(over="ignore"):
        for order in (0, 1, 2):
            got = star(x) if order == 0 else star.derivative(x, order)
            want = actviz.get("squared_relu")(x) if order == 0 else actviz.get("squared_relu").derivative(x, order)
            np.testing.assert_array_equal(got, want)
    assert actviz.get("starrelu").name == "star_relu"


def test_star_relu_crosses_zero_to_the_last_bit():
    # f = 0 at x = √(-b/s) = 1/√2 (the paper's constants): s·x² and b cancel there, and the
    # floats next to it still come out within an ULP of mpmath's value
    act = actviz.get("star_relu")
    c = 0.7071067811865476
    x = np.array([c, *[c + k * np.spacing(c) for k in range(-5, 6)], 0.7, 0.71])
    rf, _ = references(mp_star_relu, x)
    assert ulp_error(act(x), rf).max() <= 1


# --- xIELU -------------------------------------------------------------------------------------


def test_xielu_reproduces_the_eps_clamp_jump_and_slope():
    act = actviz.get("xielu")
    ap, an, beta, eps = 0.8, 0.8, 0.5, -1e-6
    assert act.params == {"alpha_p": ap, "alpha_n": an, "beta": beta, "eps": eps}
    assert act.kinks == (eps, 0.0) and act.properties.smoothness == "discontinuous"
    with mp.workdps(MP_DPS):
        f0 = mp.mpf(an) * mp.expm1(mp.mpf(eps))  # f(0) = αn·(e^ε - 1): the x <= 0 branch
    # f(0) = -7.999996000001333e-07, while f(0+) = 0: a jump of 8.0e-7 at 0
    assert float(act(0.0)) == float(f0) == pytest.approx(-7.999996e-7, rel=1e-15)
    right = act(np.array([SUBNORMAL, 1e-300, 1e-20]))
    np.testing.assert_array_equal(right, [0.0, 5e-301, 5e-21])  # β·x (+ αp·x², below the ULP)
    # on (ε, 0] the slope is β - αn = -0.3 (in float64, 0.5 - 0.8 = -0.30000000000000004)
    inside = np.linspace(eps, 0.0, 101)[1:]
    assert np.all(act.derivative(inside) == 0.5 - 0.8)
    assert np.all(act.derivative(inside, order=2) == 0.0)
    secant = (act(0.0) - act(eps / 2)) / (0.0 - eps / 2)
    assert secant == pytest.approx(-0.3, rel=1e-9)
    # left of ε it is αn·(e^x - 1) + β, nearly β there: f' jumps from about 0.5 to -0.3 at ε
    assert float(act.derivative(np.nextafter(eps, -np.inf))) == pytest.approx(an * math.expm1(eps) + beta, rel=1e-15)
    # at ε itself, autograd's split of the tie in min(x, ε): f' = αn·(e^ε/2 - 1) + β, and
    # f'' = αn·e^ε/4, since differentiating the halved backward halves it again (torch 2.13,
    # float64: 0.1999998 at the defaults; test_xielu_against_hugging_faces_implementation)
    assert float(act.derivative(eps)) == pytest.approx(an * (math.exp(eps) / 2 - 1) + beta, rel=1e-15)
    assert float(act.derivative(eps, order=2)) == pytest.approx(an * math.exp(eps) / 4, rel=1e-15)
    # and the record says so
    assert "-0.3" in act.record.reference and "8.0e-7" in act.record.reference


def test_xielu_without_the_clamp_is_the_papers_c1_function():
    act = actviz.get("xielu(eps=0)")
    assert act.kinks == (0.0,) and act.properties.smoothness == "C1"
    assert act(0.0) == 0.0 and act.properties.zero_centred
    left, right = -1e-9, 1e-9
    # f' = αn·(e^x - 1) + β on the left, 2αp·x + β on the right: both 0.5 + O(x), 0.5 at 0
    assert float(act.derivative(left)) == pytest.approx(0.5 + 0.8 * math.expm1(left), rel=1e-15)
    assert float(act.derivative(right)) == pytest.approx(0.5 + 1.6 * right, rel=1e-15)
    assert abs(float(act.derivative(left)) - 0.5) < 1e-9 and abs(float(act.derivative(right)) - 0.5) < 2e-9
    # f'' jumps from αn = 0.8 to 2αp = 1.6
    assert float(act.derivative(left, order=2)) == pytest.approx(0.8, rel=1e-8)
    assert float(act.derivative(right, order=2)) == 1.6


def test_xielu_is_held_to_its_terms_next_to_its_zeros():
    # f crosses 0 at x0 = -2.4324842769 and f' at x* = ln(1 - β/αn) = -0.9808292530; the
    # double-double sums keep 2^-82 of the terms there (the record's numerics says so): plain
    # ULPs from 1e-8 away, 4 (8) ULPs of the terms' size at every float closer in
    act = actviz.get("xielu")
    with mp.workdps(MP_DPS):
        an, b = mp.mpf(0.8), mp.mpf(0.5)
        x0 = float(mp.findroot(lambda v: an * (mp.expm1(v) - v) + b * v, -2.4))
        xs = float(mp.findroot(lambda v: an * mp.expm1(v) + b, -1.0))
    for root in (x0, xs):
        near = np.array([root + k * np.spacing(root) for k in range(-8, 9)])
        far = root + np.array([-1e-6, -1e-8, 1e-8, 1e-6])
        for x, plain in ((near, False), (far, True)):
            f, d = act.evaluate(x)
            rf, rd = references(mp_xielu, x)
            ef, ed = ulp_error(f, rf), ulp_error(d, rd)
            if plain:
                assert ef.max() <= 4 and ed.max() <= 8, (root, ef.max(), ed.max())
            else:
                with mp.workdps(MP_DPS):
                    terms = np.array([float(an * abs(mp.expm1(mp.mpf(v))) + abs((b - an) * mp.mpf(v)))
                                      for v in x])
                    slope_terms = np.array([float(an * abs(mp.expm1(mp.mpf(v))) + b) for v in x])
                assert np.all(np.abs(f - np.array([float(v) for v in rf])) <= 4 * np.spacing(terms))
                assert np.all(np.abs(d - np.array([float(v) for v in rd])) <= 8 * np.spacing(slope_terms))


def test_xielu_parameters_and_their_checks():
    act = actviz.get("xielu(alpha_p_init=1.2, alpha_n_init=0.9)")
    assert act.params["alpha_p"] == 1.2 and act.params["alpha_n"] == 0.9
    with pytest.raises(actviz.ParameterError, match="alpha_n must exceed beta"):
        actviz.get("xielu(alpha_n=0.5)")
    with pytest.raises(actviz.ParameterError):
        actviz.get("xielu(eps=1e-6)")
    from actviz.cli import app

    result = CliRunner().invoke(app, ["info", "xielu(alpha_n=0.4)"])
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert "alpha_n must exceed beta" in message and "Traceback" not in message
    assert len(message.splitlines()) <= 2


def test_xielu_range_minimum():
    # x* = ln(1 - β/αn) = ln(3/8), where f' = 0: f(x*) = -β + (β - αn)·x* (mpmath, closed form)
    with mp.workdps(40):
        x_star = mp.log(mp.mpf(3) / 8)
        low = -mp.mpf(0.5) + (mp.mpf(0.5) - mp.mpf(0.8)) * x_star
    assert actviz.get("xielu").output_range.low == pytest.approx(float(low), rel=1e-15)
    # with ε = -0.4 (right of x* = -0.98) the line of slope β - αn from ε down to 0 ends lower
    # still: f(0) = αn·(e^-0.4 - 1) = -0.2637 < f(x*) = -0.2058
    assert actviz.get("xielu(eps=-0.4)").output_range.low == pytest.approx(0.8 * math.expm1(-0.4), rel=1e-15)


# --- softcap and DyT --------------------------------------------------------------------------


def test_softcap_passes_small_inputs_through_and_caps_large_ones():
    act = actviz.get("softcap")
    assert act.params == {"cap": 30.0} and actviz.get("logit_softcap").name == "softcap"
    tiny = np.array([SUBNORMAL, -SUBNORMAL, 1e-310, 1e-200, -1e-9])
    np.testing.assert_array_equal(act(tiny), tiny)  # c·tanh(x/c) = x to the last bit there
    np.testing.assert_array_equal(act(np.array([-np.inf, -1e308, 1e308, np.inf])), [-30, -30, 30, 30])
    assert act.derivative(0.0) == 1.0
    # the tails of f' = sech²(x/c), 4e^(-2|x|/c) far out: 1.6e-20 at x = ±700
    x = np.array([-700.0, -350.0, 350.0, 700.0])
    _, rd = references(mp_softcap, x)
    assert ulp_error(act.derivative(x), rd).max() <= 8
    assert actviz.get("softcap(cap=50)")(1e6) == 50.0


def test_dyt_with_a_shift_is_accurate_to_its_terms():
    # with β ≠ 0, γ·tanh(αx) + β is rounded as a sum (the record's numerics says so): within a
    # few ULPs of |γ·tanh(αx)| + |β| everywhere, including next to its zero
    act = actviz.get("dyt(alpha=0.8, gamma=1.3, beta=0.4)")
    with mp.workdps(MP_DPS):
        x0 = float(mp.atanh(mp.mpf(-0.4) / mp.mpf(1.3)) / mp.mpf(0.8))
    x = np.concatenate([np.linspace(-8, 8, 161), [x0 + k * np.spacing(x0) for k in range(-4, 5)]])
    rf, rd = references(mp_dyt, x, a=0.8, g=1.3, b=0.4)
    terms = 1.3 * np.abs(np.tanh(0.8 * x)) + 0.4
    assert np.all(np.abs(act(x) - np.array([float(v) for v in rf])) <= 4 * np.spacing(terms))
    assert ulp_error(act.derivative(x), rd).max() <= 8


# --- clipped GELU -------------------------------------------------------------------------------


def test_gelu_10_is_gelu_clipped_at_plus_minus_10():
    act = actviz.get("gelu_10")
    assert act.name == "clipped_gelu" and act.params == {"min": -10.0, "max": 10.0}
    # gelu(x) = 10 at x = 10 + 7.6e-23 (mpmath): the float kink is 10.0 itself
    with mp.workdps(MP_DPS):
        root = mp.findroot(lambda v: v * mp.ncdf(v) - 10, 10)
    assert root - 10 == pytest.approx(7.62e-23, rel=1e-2) and act.kinks == (10.0,)
    x = np.linspace(-9.0, 9.9, 400)
    np.testing.assert_array_equal(act(x), actviz.get("gelu")(x))
    np.testing.assert_array_equal(act.derivative(x), actviz.get("gelu").derivative(x))
    above = np.array([np.nextafter(10.0, np.inf), 11.0, 700.0, 1e308, np.inf])
    np.testing.assert_array_equal(act(above), 10.0)
    np.testing.assert_array_equal(act.derivative(above), 0.0)
    # at 10.0, gelu rounds to 10 = max, where torch.clip passes the gradient: f'(10) = gelu'(10)
    assert act(10.0) == 10.0 and act.derivative(10.0) == actviz.get("gelu").derivative(10.0)
    # -10 is never reached: gelu's minimum is -0.16997 (mpmath, at x = -0.75179)
    assert act.output_range.low == pytest.approx(-0.16997120747990366, rel=1e-15)


def test_clipped_gelu_kinks_where_gelu_meets_the_bounds():
    # min = -0.1 cuts gelu's dip twice, max = 3 once: the roots of x·Φ(x) = v, mpmath
    act = actviz.get("clipped_gelu(min=-0.1, max=3)")
    with mp.workdps(MP_DPS):
        roots = [mp.findroot(lambda v, c=c: v * mp.ncdf(v) - c, s) for c, s in ((-0.1, -1.5), (-0.1, -0.25), (3, 3))]
    assert len(act.kinks) == 3
    for k, r in zip(act.kinks, roots, strict=True):
        assert abs(k - float(r)) <= 2 * np.spacing(abs(float(r))), (k, r)
    assert act.properties.smoothness == "C0" and not act.properties.monotonic
    zero = actviz.get("clipped_gelu(min=0)")
    assert zero.kinks == (0.0, 10.0) and zero.properties.monotonic
    np.testing.assert_array_equal(zero(np.array([-5.0, -SUBNORMAL, 0.0])), 0.0)
    np.testing.assert_array_equal(zero.derivative(np.array([-5.0, -SUBNORMAL])), 0.0)
    assert zero.derivative(0.0) == 0.5  # the clip passes the gradient at its bound


# --- GoLU --------------------------------------------------------------------------------------


def test_golu_underflows_to_minus_zero_in_the_left_tail():
    act = actviz.get("golu")
    # e^(-e^(-x)) is below the smallest subnormal from x = -6.62 on, where e^(-x) = 750 and x
    # itself is far from overflowing; f and f' are then -0 (and 0), with no warning
    x = np.array([-6.7, -7.0, -50.0, -709.0, -710.0, -1e300, -1e308, -np.inf])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise", under="ignore"):
            f, d = act.evaluate(x)
    np.testing.assert_array_equal(f, 0.0)
    assert np.all(np.signbit(f))
    np.testing.assert_array_equal(d, 0.0)
    # just before: subnormal and tiny normal values, to the subnormal grid's last bit
    x = np.array([-6.3, -6.4, -6.5, -6.55, -6.6, -6.61])
    f, d = act.evaluate(x)
    rf, rd = references(mp_golu, x)
    assert ulp_error(f, rf).max() <= 2 and ulp_error(d, rd).max() <= 4
    assert f[-1] != 0 and abs(f[-1]) < 2.2250738585072014e-308


def test_golu_minimum_is_the_lambert_w_closed_form():
    # f' = 0 where γx = -W(1/β); there f = -(α/γ)·W·e^(-1/W) (mpmath's lambertw)
    for spec, (a, b, c) in (("golu", (1, 1, 1)), ("golu(alpha=1.3, beta=2.5, gamma=0.7)", (1.3, 2.5, 0.7))):
        with mp.workdps(40):
            w = mp.lambertw(1 / mp.mpf(b))
            low = -(mp.mpf(a) / mp.mpf(c)) * w * mp.exp(-1 / w)
            x_min = -w / mp.mpf(c)
        act = actviz.get(spec)
        assert act.output_range.low == pytest.approx(float(low), rel=1e-14)
        assert float(act(float(x_min))) == pytest.approx(float(low), rel=1e-14)
        assert abs(float(act.derivative(float(x_min)))) < 1e-15


# --- TanhExp, LiSHT ------------------------------------------------------------------------------


def test_telu_is_tanhexp():
    assert actviz.lookup("telu") is actviz.lookup("tanhexp")
    x = np.linspace(-5, 5, 101)
    np.testing.assert_array_equal(actviz.get("telu")(x), actviz.get("tanhexp")(x))


def test_tanhexp_keeps_sech_of_e_x_where_it_is_tiny():
    # f'' = u·sech²(u)·(2 + x - 2x·u·tanh u), u = e^x: at x = 3..5.9 sech²(e^x) = 4e^(-2e^x) is
    # 1e-17 .. 1e-307, and its exponent 2e^x (up to 730) multiplies any rounding of e^x; the
    # double-double e^x keeps f'' to a few ULPs there. The left tails of f' and f'' likewise.
    act = actviz.get("tanhexp")
    x = np.array([2.0, 3.0, 4.0, 5.0, 5.5, 5.9, -700.0, -740.0])
    with mp.workdps(MP_DPS):
        want = []
        for v in map(mp.mpf, x):
            u = mp.exp(v)
            want.append(u / mp.cosh(u) ** 2 * (2 + v - 2 * v * u * mp.tanh(u)))
    assert ulp_error(act.derivative(x, order=2), want).max() <= 16
    _, rd = references(mp_tanhexp, x[6:])
    assert ulp_error(act.derivative(x[6:]), rd).max() <= 8


def test_lisht_is_even():
    act = actviz.get("lisht")
    x = np.concatenate([POINTS, [1e308, np.inf]])
    np.testing.assert_array_equal(act(-x), act(x))
    np.testing.assert_array_equal(act.derivative(-x), -act.derivative(x))
    assert act.output_range.low == 0.0 and act(0.0) == 0.0


# --- Hard-Mish -----------------------------------------------------------------------------------


def test_hard_mish_is_exact_and_takes_autograds_kink_values():
    act = actviz.get("hard_mish")
    x = np.array([-np.inf, -3.0, -2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 3.0, np.inf])
    # x/2·min(2, max(0, x + 2)), in closed form: 0 below -2, x(x + 2)/2, then x
    np.testing.assert_array_equal(act(x), [0, 0, 0, -0.375, -0.5, -0.375, 0, 0.5, 3, np.inf])
    # f'(-2) = -1, f'(0) = 1, f''(-2) = f''(0) = 1: autograd of 0.5·x·(x + 2).clamp(0, 2)
    np.testing.assert_array_equal(act.derivative(x), [0, 0, -1, -0.5, 0, 0.5, 1, 1, 1, 1])
    np.testing.assert_array_equal(act.derivative(x, order=2), [0, 0, 1, 1, 1, 1, 1, 0, 0, 0])
    assert act.kinks == (-2.0, 0.0) and act.output_range.low == -0.5


# --- Smish and Logish: their α and β ----------------------------------------------------------------


@pytest.mark.parametrize("name, m", [("smish", -0.24999366366012948), ("logish", -0.25276881678944035)])
def test_gate_parameters_scale_the_standard_form(name, m):
    # α·x·G(σ(βx)) = (α/β)·z·G(σ(z)) with z = βx, so the minimum scales by α/β (mpmath minima)
    base, scaled = actviz.get(name), actviz.get(f"{name}(alpha=0.7, beta=2.5)")
    z = np.linspace(-6, 6, 121)
    np.testing.assert_allclose(scaled(z / 2.5), 0.7 / 2.5 * base(z), rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(scaled.derivative(z / 2.5), 0.7 * base.derivative(z), rtol=1e-13, atol=1e-15)
    assert base.output_range.low == m and scaled.output_range.low == pytest.approx(m * 0.7 / 2.5, rel=1e-15)


# --- the real implementations ----------------------------------------------------------------------


def _torch_grad(fn, x):
    """f, f' and f'' by torch autograd in float64."""
    torch = pytest.importorskip("torch")
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = fn(t)
    (g,) = torch.autograd.grad(y.sum(), t, create_graph=True)
    (g2,) = torch.autograd.grad(g.sum(), t, allow_unused=True)
    g2 = np.zeros_like(x) if g2 is None else g2.detach().numpy()
    return y.detach().numpy(), g.detach().numpy(), g2


def _hf_xielu(alpha_p_init=0.8, alpha_n_init=0.8, beta=0.5, eps=-1e-6):
    """Hugging Face's XIELUActivation._xielu_python (transformers/activations.py), with its
    parameters built as its __init__ builds them, in float64."""
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    dt = torch.float64
    raw_p = torch.log(torch.exp(torch.tensor(alpha_p_init, dtype=dt)) - 1).unsqueeze(0)
    raw_n = torch.log(torch.exp(torch.tensor(alpha_n_init - beta, dtype=dt)) - 1).unsqueeze(0)
    b, e = torch.tensor(beta, dtype=dt), torch.tensor(eps, dtype=dt)

    def fn(x):
        alpha_p = F.softplus(raw_p)
        alpha_n = b + F.softplus(raw_n)
        return torch.where(x > 0, alpha_p * x * x + b * x, (torch.expm1(torch.min(x, e)) - x) * alpha_n + b * x)

    return fn


def test_xielu_against_hugging_faces_implementation():
    act = actviz.get("xielu")
    x = np.concatenate([np.linspace(-20, 20, 2001), [-1e-6, -5e-7, 0.0, 1e-300, -1e-300, -700.0, 700.0]])
    f, d, d2 = _torch_grad(_hf_xielu(), x)
    # torch rounds each step, and f crosses 0 at -2.43: compare to the size of the terms
    terms = 0.8 * (np.abs(np.expm1(np.minimum(x, -1e-6))) + np.abs(x)) + 0.5 * np.abs(x) + 0.8 * x * x
    np.testing.assert_array_less(np.abs(act(x) - f), 8 * np.spacing(terms) + 1e-300)
    np.testing.assert_array_less(np.abs(act.derivative(x) - d), 8 * np.spacing(1.6 * np.abs(x) + 1.3))
    # autograd's f'' on x <= eps is αn·(expm1(m) + 1) (expm1's backward is grad·(result + 1)),
    # which cancels for x << 0 (it is 0 at x = -700): torch agrees to αn·ulp(1), and the left
    # branch is αn·e^x to a few ULPs (mpmath)
    d2_act = act.derivative(x, order=2)
    np.testing.assert_array_less(np.abs(d2_act - d2), 4 * 0.8 * np.spacing(1.0) + 1e-14 * np.abs(d2))
    left = x < -1e-6
    with mp.workdps(MP_DPS):
        want = [mp.mpf(0.8) * mp.exp(mp.mpf(float(v))) for v in x[left]]
    assert ulp_error(d2_act[left], want).max() <= 4
    np.testing.assert_allclose(d2_act[~left], d2[~left], rtol=1e-14, atol=0)
    # the tie at x = eps and the jump at 0: f is correctly rounded there (mpmath), torch's
    # (expm1(m) - x)·αn + β·x, rounded at each step, within 2 ULPs of it (it is 1 ULP off at
    # both points in torch 2.13); f' and f'' as autograd gives them
    at = np.array([-1e-6, 0.0])
    f, d, d2 = _torch_grad(_hf_xielu(), at)
    rf, _ = references(mp_xielu, at)
    np.testing.assert_array_equal(act(at), [float(v) for v in rf])
    np.testing.assert_array_less(np.abs(act(at) - f), 2.5 * np.spacing(np.abs(f)))
    np.testing.assert_allclose(act.derivative(at), d, rtol=1e-15)
    np.testing.assert_allclose(act.derivative(at, order=2), d2, rtol=1e-15)
    # another parameter setting, through the same construction
    act = actviz.get("xielu(alpha_p=2.5, alpha_n=1.7, beta=0.3, eps=-0.01)")
    x = np.linspace(-5, 5, 501)
    f, d, _ = _torch_grad(_hf_xielu(2.5, 1.7, 0.3, -0.01), x)
    np.testing.assert_allclose(act(x), f, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(act.derivative(x), d, rtol=1e-13, atol=1e-15)


def _torch_cases():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    return {
        # MetaFormer's StarReLU.forward: self.scale * self.relu(x)**2 + self.bias
        "star_relu": lambda t: 0.8944271909999159 * F.relu(t) ** 2 + -0.4472135954999579,
        # Gemma 2 (modeling_gemma2.py): logits / cap, tanh, * cap
        "softcap": lambda t: torch.tanh(t / 30.0) * 30.0,
        # DynamicTanh.forward: tanh(alpha * x) * weight + bias
        "dyt(alpha=0.7, gamma=1.3, beta=0.2)": lambda t: torch.tanh(0.7 * t) * 1.3 + 0.2,
        # ClippedGELUActivation(-10, 10): torch.clip(gelu(x), min, max), gelu the exact one
        "gelu_10": lambda t: torch.clip(F.gelu(t), -10.0, 10.0),
        # GoLU: x * Gompertz(x), Gompertz(x) = alpha * exp(-beta * exp(-gamma * x))
        "golu": lambda t: t * torch.exp(-torch.exp(-t)),
        "golu(alpha=1.3, beta=2.5, gamma=0.7)": lambda t: t * 1.3 * torch.exp(-2.5 * torch.exp(-0.7 * t)),
        "tanhexp": lambda t: t * torch.tanh(torch.exp(t)),
        "lisht": lambda t: t * torch.tanh(t),
        # timm's hard_mish: 0.5 * x * (x + 2).clamp(min=0, max=2)
        "hard_mish": lambda t: 0.5 * t * (t + 2).clamp(min=0, max=2),
        # Smish as TEED's smish: input * tanh(log(1 + sigmoid(input)))
        "smish": lambda t: t * torch.tanh(torch.log(1 + torch.sigmoid(t))),
        "smish(alpha=0.7, beta=2.5)": lambda t: 0.7 * t * torch.tanh(torch.log(1 + torch.sigmoid(2.5 * t))),
        "logish": lambda t: t * torch.log(1 + torch.sigmoid(t)),
        "logish(beta=10)": lambda t: t * torch.log(1 + torch.sigmoid(10 * t)),
        "serf": lambda t: t * torch.erf(torch.log(1 + torch.exp(t))),
    }


@pytest.mark.parametrize("spec", ["star_relu", "softcap", "dyt(alpha=0.7, gamma=1.3, beta=0.2)", "gelu_10",
                                  "golu", "golu(alpha=1.3, beta=2.5, gamma=0.7)", "tanhexp", "lisht",
                                  "hard_mish", "smish", "smish(alpha=0.7, beta=2.5)", "logish",
                                  "logish(beta=10)", "serf"])
def test_against_the_implementations_as_their_sources_write_them(spec):
    fn = _torch_cases()[spec]
    act = actviz.get(spec)
    # [-4, 12]: where the sources' direct formulas are themselves accurate (their left tails
    # lose digits: log(1 + σ), exp of a rounded exponent), and across gelu_10's kink at 10
    x = np.linspace(-4.0, 12.0, 1601)
    f, d, d2 = _torch_grad(fn, x)
    # torch rounds every step and the gates' terms cancel next to f's minimum: 1e-13 of the
    # terms' size (|f| + |x|·max|g'| is a bound on it here)
    scale = np.abs(f) + np.abs(x) + 1.0
    np.testing.assert_array_less(np.abs(act(x) - f), 1e-13 * scale)
    np.testing.assert_array_less(np.abs(act.derivative(x) - d), 1e-13 * scale)
    np.testing.assert_array_less(np.abs(act.derivative(x, order=2) - d2), 1e-11 * scale)


@pytest.mark.parametrize("spec", ["golu", "tanhexp", "smish", "logish", "serf"])
def test_deep_tails_for_scalars_and_2d_arrays(spec):
    # the kernels patch the far tails (f' and f'' too) by flat index: a scalar or a 2-D x there
    # gets the same values as a 1-D array
    act = actviz.get(spec)
    x = np.array([-700.0, -7.0, -1.0, 0.5, 5.9, 700.0])
    def run(v, order):
        return act.derivative(v, order) if order else act(v)

    want = [run(x, order) for order in (0, 1, 2)]
    for order in (0, 1, 2):
        assert [float(run(v, order)) for v in x] == want[order].tolist(), (spec, order)
        np.testing.assert_array_equal(run(x.reshape(2, 3).T, order), want[order].reshape(2, 3).T)
