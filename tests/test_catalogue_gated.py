"""Gated units f(a, b) = g(a)·v(b): glu, reglu, geglu, swiglu and GPT-OSS's clamped swiglu.

The registry-wide tests (tests/test_registry_properties.py, tests/test_catalogue_vector.py,
tests/test_accuracy_ulp.py) already run on each unit's gate curve and on its one-array form;
these tests cover what only gated units have: the two inputs, all five partials, the kinks of
a and b, the layouts of one array against the code that ships them (PyTorch where it is
installed), the Gaussian moments of two independent inputs, and the command line.

Where the expected values come from is said at each test: closed forms, mpmath at 60 digits,
the implementations' code written out in numpy or run in torch.
"""

import json
import math

import numpy as np
import pytest
from scipy.special import ndtr
from test_catalogue_vector import quiet
from typer.testing import CliRunner

import actviz
from actviz.analysis.stats import GATED_GAUSSIAN_KEYS, stats
from actviz.analysis.ulp import ulp_error
from actviz.cli import app
from actviz.core.bound import GatedActivation
from actviz.render import figures

runner = CliRunner()
GATED = ("glu", "reglu", "geglu", "swiglu", "swiglu_oai")
#: each unit at its defaults and at its other forms
SPECS = ("glu", "reglu", "geglu", "geglu(approximate=tanh)", "swiglu", "swiglu(beta=1.702)", "swiglu_oai",
         "swiglu_oai(limit=3)")
TINY = float(np.finfo(np.float64).tiny)
ALPHA, LIMIT = 1.702, 7.0  # GPT-OSS's constants (openai/gpt-oss gpt_oss/torch/model.py, swiglu)


def rng(seed=20260517):
    return np.random.default_rng(seed)


def sigmoid(x):
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def gpt_oss_numpy(x, alpha=ALPHA, limit=LIMIT):
    """GPT-OSS's swiglu as shipped (openai/gpt-oss gpt_oss/torch/model.py), line for line in numpy."""
    x_glu, x_linear = x[..., ::2], x[..., 1::2]
    x_glu = np.minimum(x_glu, limit)  # clamp(min=None, max=limit)
    x_linear = np.clip(x_linear, -limit, limit)
    out_glu = x_glu * sigmoid(alpha * x_glu)
    return out_glu * (x_linear + 1)  # "we add an extra bias of 1 to the linear layer"


# --- the records ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", GATED)
def test_gated_records_are_gated_units_of_the_gated_family(name):
    act = actviz.get(name)
    assert isinstance(act, GatedActivation) and act.is_gated and act.is_vector
    assert act.record.family == "gated" and act.record.gated is not None
    assert act.slice.is_gated and not isinstance(act.slice, GatedActivation)
    info = actviz.describe(act)["gated"]
    assert set(info["partials"]) == {"a", "b", "aa", "ab", "bb"} and all(info["partials"].values())
    assert info["layouts"] and info["used_in"]
    assert "b" in act.params


def test_gate_curve_defaults_are_where_the_value_factor_is_one():
    # v(b) = b for the plain units, b + 1 for GPT-OSS: the curve shown is the gate itself
    for name in ("glu", "reglu", "geglu", "swiglu"):
        assert actviz.get(name).params["b"] == 1.0
    assert actviz.get("swiglu_oai").params["b"] == 0.0
    x = np.linspace(-5, 12, 69)
    np.testing.assert_array_equal(actviz.get("swiglu").slice(x), actviz.get("silu")(x))
    np.testing.assert_array_equal(actviz.get("geglu").slice(x), actviz.get("gelu")(x))
    np.testing.assert_array_equal(actviz.get("glu").slice(x), actviz.get("sigmoid")(x))
    np.testing.assert_array_equal(actviz.get("swiglu_oai").slice(x), actviz.get("quick_gelu")(np.minimum(x, 7.0)))


def test_glu_keeps_its_old_parameter_name_as_an_alias():
    # the value input held fixed was glu's `a` (torch's name for the first half): glu(a=-1.5)
    # still gives -1.5·σ(x) (its old values are pinned in test_catalogue_vector.py)
    act = actviz.get("glu(a=-1.5)")
    assert act.params == {"b": -1.5} and act == actviz.get("glu(b=-1.5)")
    assert actviz.get(act.spec) == act


# --- f on two inputs: the definitions -------------------------------------------------------------


def test_values_are_the_papers_formulas():
    a = rng().normal(0, 3, 400)
    b = rng(1).normal(0, 3, 400)
    # Shazeer 2020 (arXiv:2002.05202) eqs. 5-6 without the projections: σ(a)·b, max(a, 0)·b,
    # GELU(a)·b (GELU exact: a·Φ(a), Hendrycks & Gimpel 2016), Swish_β(a)·b = a·σ(βa)·b
    np.testing.assert_allclose(actviz.get("glu")(a, b), sigmoid(a) * b, rtol=4e-16, atol=0)
    np.testing.assert_array_equal(actviz.get("reglu")(a, b), np.maximum(a, 0.0) * b)
    # scipy's ndtr(a) = ½erfc(-a/√2) carries the rounding of a/√2 times about a² (so ~1e-14
    # relative at |a| = 8) and three roundings; actviz's own tail is held to mpmath below
    got, ref = actviz.get("geglu")(a, b), a * ndtr(a) * b
    assert np.all(np.abs(got - ref) <= 2e-15 * np.maximum(1.0, a * a) * np.abs(ref)), "geglu"
    u = math.sqrt(2 / math.pi) * (a + 0.044715 * a**3)
    # the textbook ½a(1 + tanh u) cancels for a < 0: its error is absolute, about ε·|a·b|
    got, ref = actviz.get("geglu(approximate=tanh)")(a, b), 0.5 * a * (1 + np.tanh(u)) * b
    assert np.all(np.abs(got - ref) <= 1e-13 * np.abs(ref) + 2.3e-16 * np.abs(a * b)), "geglu tanh"
    # 1/(1 + exp(-βa)) rounds exp's argument: a relative error of about |βa|·ε on top of a few ε
    for beta in (1.0, 2.5):
        got, ref = actviz.get("swiglu", beta=beta)(a, b), a * sigmoid(beta * a) * b
        assert np.all(np.abs(got - ref) <= 2.3e-16 * (6 + np.abs(beta * a)) * np.abs(ref)), beta


def test_gpt_oss_values_and_clamps_are_the_code_as_shipped():
    x = np.concatenate([rng().normal(0, 6, 600), [7.0, 7.0, 7.5, -7.0, 8.0, 7.0, -9.0, 6.9]])
    act = actviz.get("swiglu_oai")
    np.testing.assert_allclose(act(x), gpt_oss_numpy(x), rtol=2e-15)
    a, b = x[::2], x[1::2]
    np.testing.assert_allclose(act(a, b), gpt_oss_numpy(x), rtol=2e-15)
    # the clamps: the gate above 7 is the gate at 7; the value beyond ±7 is ±7 (so b + 1 = 8 or -6)
    g7 = 7.0 * sigmoid(ALPHA * 7.0)
    assert act(100.0, 0.0) == act(7.0, 0.0) == pytest.approx(g7, rel=1e-15)
    assert act(1.0, 1e6) == act(1.0, 7.0) == pytest.approx(8 * sigmoid(ALPHA), rel=1e-15)
    assert act(1.0, -1e6) == act(1.0, -7.0) == pytest.approx(-6 * sigmoid(ALPHA), rel=1e-15)
    # the gate below is not clamped: -20·σ(-34.04)
    assert act(-20.0, 0.0) == pytest.approx(-20.0 * sigmoid(-34.04), rel=1e-14)
    # alpha and limit as parameters
    other = actviz.get("swiglu_oai(alpha=1, limit=3)")
    np.testing.assert_allclose(other(x), gpt_oss_numpy(x, 1.0, 3.0), rtol=2e-15)


def _mp_grid():
    """Gate inputs: dense on [-8, 8], log-spaced tails to ±700, tiny magnitudes, both sides of
    GPT-OSS's clamp; value inputs: tiny, ordinary, beyond ±7 and huge."""
    tail = np.geomspace(8.0, 700.0, 30)
    tiny = np.geomspace(1e-300, 1e-2, 6)
    a = np.unique(np.concatenate([np.linspace(-8, 8, 81), tail, -tail, tiny, -tiny,
                                  [np.nextafter(7.0, 0), np.nextafter(7.0, 8)]]))
    b = np.array([-700.0, -7.5, -7.0, -3.3, -1.0, -1e-300, 1e-300, 0.5, 2.0, 7.0, 9.25, 1e10])
    return a, b


def _references(act, a_values, b_values):
    """mpmath at 60 digits: (g, g') at each a and (v, v') at each b, from the record's references."""
    import mpmath as mp

    gated = act.record.gated
    q = {k: v for k, v in act.params.items() if k != "b"}
    with mp.workdps(60):
        gs = {float(x): gated.mp_gate(mp.mpf(float(x)), **q) for x in a_values}
        vs = {float(y): gated.mp_value(mp.mpf(float(y)), **q) for y in b_values}
    return gs, vs


@pytest.mark.parametrize("spec", SPECS)
def test_f_and_the_partials_are_within_4_and_8_ulp_of_mpmath(spec):
    act = actviz.get(spec)
    av, bv = _mp_grid()
    av = av[~np.isin(av, act.gate_kinks)]
    gs, vs = _references(act, av, bv)
    a, b = (m.ravel() for m in np.meshgrid(av, bv))
    f = act(a, b)
    fa, fb = act.gradient(a, b)
    ref_f = [gs[x][0] * vs[y][0] for x, y in zip(a, b, strict=True)]
    ref_a = [gs[x][1] * vs[y][0] for x, y in zip(a, b, strict=True)]
    ref_b = [gs[x][0] * vs[y][1] for x, y in zip(a, b, strict=True)]
    # One exception, a property of any product of rounded factors: where the gate itself is
    # subnormal (swiglu's a·σ(βa) for βa below -708) it carries fewer than 53 bits, and a value
    # factor above 1 scales that error up into a normal result. Those points are left out.
    g = np.abs(np.array([float(gs[x][0]) for x in a]))
    v = np.abs(np.array([float(vs[y][0]) for y in b]))
    exact_gate = ~((g < TINY) & (g > 0) & (v > 1))
    assert exact_gate.mean() > 0.98, spec
    assert ulp_error(f, ref_f)[exact_gate].max() <= 4, spec
    assert ulp_error(fb, ref_b)[exact_gate].max() <= 8, spec
    err_a = ulp_error(fa, ref_a)
    if act.record.gate:
        # g = x·h(x) (gelu, silu): g' = h + x·h' cancels at its root, where ∂f/∂a is held to
        # 8 ULP of its terms' size, as the gates themselves are (tests/test_accuracy_ulp.py)
        terms = np.array([float((abs(gs[x][0] / x) + abs(gs[x][1] - gs[x][0] / x)) / abs(gs[x][1]))
                          if x != 0 and gs[x][1] != 0 else 1.0 for x in a])
        err_a = np.where(terms > 16, err_a / terms, err_a)
    assert err_a[exact_gate].max() <= 8, spec


def test_a_product_beyond_the_float_range_is_inf_and_one_of_zero_by_infinity_is_nan():
    act = actviz.get("swiglu")
    with quiet():
        assert act(1e308, 1e10) == np.inf and act(1e308, -1e10) == -np.inf
        # gate at +inf against a value of 0: ∞·0 has no limit in two variables
        assert np.isnan(act(np.inf, 0.0)) and np.isnan(actviz.get("glu")(-np.inf, np.inf))
        # but a gate of exactly 0 against any finite value is 0
        assert act(-np.inf, 5.0) == 0.0 and actviz.get("reglu")(-np.inf, 1e300) == 0.0
        # the limits: f(∞, b) = ∞·b, f(a, ±∞) = ±∞·g(a)
        assert act(np.inf, 2.0) == np.inf and act(1.0, -np.inf) == -np.inf
        assert actviz.get("swiglu_oai")(np.inf, np.inf) == pytest.approx(8 * 7 * sigmoid(ALPHA * 7), rel=1e-15)


@pytest.mark.parametrize("name", GATED)
def test_nan_in_either_input_is_nan_everywhere_it_reaches_and_nowhere_else(name):
    act = actviz.get(name)
    a = np.array([0.5, np.nan, -1.0, 3.0])
    b = np.array([2.0, 1.0, np.nan, -0.5])
    with quiet():
        for got in (act(a, b), *act.gradient(a, b), *act.hessian(a, b)):
            assert np.isnan(got[1]) and np.isnan(got[2]), name
            assert np.all(np.isfinite(got[[0, 3]])), name


@pytest.mark.parametrize("name", GATED)
def test_finite_inputs_give_finite_results_without_warnings(name):
    act = actviz.get(name)
    extremes = np.array([-1e308, -1e300, -800.0, -745.2, -700.0, -7.0, -1e-300, -5e-324, 0.0, 5e-324,
                         1e-300, 7.0, 700.0, 800.0, 1e300, 1e308])
    # |b| <= 1, so that no product leaves the float range (that is inf: the test above)
    a, b = (m.ravel() for m in np.meshgrid(extremes, [-1.0, -1e-300, 0.0, 0.25, 1.0]))
    with quiet():
        values = [act(a, b), *act.gradient(a, b), *act.hessian(a, b)]
    for got in values:
        assert np.all(np.isfinite(got)), name


@pytest.mark.parametrize("name", GATED)
@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_narrow_dtypes_are_the_float64_result_rounded_once(name, dtype):
    act = actviz.get(name)
    a = rng().normal(0, 3, (4, 5)).astype(dtype)
    b = rng(2).normal(0, 3, (4, 5)).astype(dtype)
    for got, wide in ((act(a, b), act(a.astype(np.float64), b.astype(np.float64))),
                      (act.gradient(a, b)[1], act.gradient(a.astype(np.float64), b.astype(np.float64))[1])):
        assert got.dtype == dtype and got.shape == (4, 5)
        np.testing.assert_array_equal(got, wide.astype(dtype))
    # mixed: the wider float; integers become float64; a scalar pair gives a numpy scalar
    assert act(a, b.astype(np.float64)).dtype == np.float64
    assert act(np.arange(3), np.arange(3)).dtype == np.float64
    out = act(np.float32(0.5), np.float32(2.0))
    assert np.ndim(out) == 0 and out.dtype == np.float32


def test_inputs_broadcast_together():
    act = actviz.get("swiglu")
    a = np.linspace(-2, 2, 5)[:, None]
    b = np.array([-1.0, 0.0, 3.0])
    got = act(a, b)
    assert got.shape == (5, 3)
    np.testing.assert_array_equal(got, actviz.get("silu")(a) * b)
    with pytest.raises(actviz.UsageError, match=r"must broadcast together, not shapes \(4,\) and \(3,\)"):
        act(np.zeros(4), np.zeros(3))


# --- the partials ------------------------------------------------------------------------------------


def _central(fn, a, b, wrt, h=1e-6):
    if wrt == "a":
        return (fn(a + h, b) - fn(a - h, b)) / (2 * h)
    return (fn(a, b + h) - fn(a, b - h)) / (2 * h)


@pytest.mark.parametrize("spec", SPECS)
def test_partials_match_central_differences(spec):
    act = actviz.get(spec)
    a = rng().uniform(-6, 9, 300)
    b = rng(3).uniform(-9, 9, 300)
    # away from the kinks of a and b, beyond the step
    keep = np.ones(a.shape, dtype=bool)
    for k in act.gate_kinks:
        keep &= np.abs(a - k) > 1e-3
    for k in act.value_kinks:
        keep &= np.abs(b - k) > 1e-3
    a, b = a[keep], b[keep]
    fa, fb = act.gradient(a, b)
    faa, fab, fbb = act.hessian(a, b)
    # h = 1e-6: truncation h²·f''' and rounding ε·|f|/h are both below 1e-8 here
    for got, fn, wrt in ((fa, act, "a"), (fb, act, "b"), (faa, lambda x, y: act.gradient(x, y)[0], "a"),
                         (fab, lambda x, y: act.gradient(x, y)[0], "b"), (fbb, lambda x, y: act.gradient(x, y)[1], "b")):
        np.testing.assert_allclose(got, _central(fn, a, b, wrt), rtol=1e-7, atol=1e-7, err_msg=f"{spec} {wrt}")


def test_second_partials_are_the_closed_forms():
    # closed forms (mpmath, 40 digits): gelu'' = φ(a)(2 - a²); silu_β'' = β σ'(βa)(2 - βa tanh(βa/2));
    # σ'' = σ'(1 - 2σ); the mixed partial g'(a)·v'(b), ∂²f/∂b² = g(a)·v''(b) = 0
    import mpmath as mp

    av = np.array([-30.0, -9.5, -3.1, -1.2, -0.4, 0.0, 0.6, 1.9, 4.4, 12.0])
    b = 1.75
    with mp.workdps(40):
        def silu2(x, beta=1):
            s = 1 / (1 + mp.exp(-beta * x))
            return beta * s * (1 - s) * (2 - beta * x * mp.tanh(beta * x / 2))

        forms = {
            "geglu": lambda x: mp.npdf(x) * (2 - x * x),
            "swiglu": silu2,
            "swiglu(beta=1.702)": lambda x: silu2(x, mp.mpf(1.702)),
            "glu": lambda x: (lambda s: s * (1 - s) * (1 - 2 * s))(1 / (1 + mp.exp(-x))),
        }
        for spec, form in forms.items():
            act = actviz.get(spec)
            faa, fab, fbb = act.hessian(av, b)
            ref = np.array([float(form(mp.mpf(float(x))) * b) for x in av])
            # relative to the terms' size near a root of g'' (silu's at 2.3994): 1e-13 absolute
            np.testing.assert_allclose(faa, ref, rtol=1e-13, atol=1e-13, err_msg=spec)
            np.testing.assert_array_equal(fab, act.gate_factor(av, 1))  # v'(b) = 1
            assert np.all(fbb == 0.0), spec


def test_gradient_of_the_gate_curve_is_the_slice_derivative():
    for spec in SPECS:
        act = actviz.get(spec)
        x = np.linspace(-8, 11, 191)
        b = act.params["b"]
        np.testing.assert_array_equal(act.slice(x), act(x, b))
        np.testing.assert_array_equal(act.slice.derivative(x), act.gradient(x, b)[0])
        np.testing.assert_array_equal(act.slice.derivative(x, order=2), act.hessian(x, b)[0])


def test_a_gate_curve_at_a_value_factor_of_zero_is_zero_without_kinks():
    # reglu at b = 0 and GPT-OSS at b = -1 (b + 1 = 0): f ≡ 0, nothing jumps, ∞ included
    for spec in ("reglu(b=0)", "swiglu_oai(b=-1)", "swiglu(b=0)"):
        curve = actviz.get(spec).slice
        x = np.array([-np.inf, -5.0, 0.0, 7.0, 8.0, np.inf])
        np.testing.assert_array_equal(curve(x), 0.0)
        np.testing.assert_array_equal(curve.derivative(x), 0.0)
        assert curve.kinks == () and curve.properties.smoothness == "C∞" and str(curve.output_range) == "[0, 0]"


# --- kinks ---------------------------------------------------------------------------------------------


def test_reglu_kink_takes_relus_derivative_at_zero():
    act = actviz.get("reglu")
    assert act.gate_kinks == (0.0,) and act.value_kinks == () and act.slice.kinks == (0.0,)
    # relu'(0) = 0 (PyTorch's threshold_backward), so ∂f/∂a(0, b) = 0 and ∂²f/∂a∂b(0, b) = 0
    fa, fb = act.gradient(0.0, 3.0)
    assert fa == 0.0 and fb == 0.0
    assert act.hessian(0.0, 3.0)[1] == 0.0
    assert act.gradient(np.nextafter(0.0, 1.0), 3.0)[0] == 3.0


def test_gpt_oss_kinks_keep_the_gradient_at_the_clamps_bounds():
    act = actviz.get("swiglu_oai")
    assert act.gate_kinks == (7.0,) and act.value_kinks == (-7.0, 7.0)
    g7 = actviz.get("quick_gelu")
    # at a = 7 the clamp passes the gradient (torch derivatives.yaml: clamp_max's grad where x <= max)
    fa, _ = act.gradient(7.0, 2.0)
    assert fa == pytest.approx(g7.derivative(7.0) * 3.0, rel=1e-15)
    assert act.gradient(np.nextafter(7.0, 8.0), 2.0)[0] == 0.0
    # at b = ±7 likewise: ∂f/∂b = g(u); beyond, 0
    for b in (-7.0, 7.0):
        assert act.gradient(3.0, b)[1] == pytest.approx(g7(3.0), rel=1e-15)
    assert act.gradient(3.0, np.nextafter(7.0, 8.0))[1] == 0.0 and act.gradient(3.0, -7.5)[1] == 0.0
    info = actviz.describe(act)["gated"]
    assert info["gate_kinks"] == [7.0] and info["value_kinks"] == [-7.0, 7.0]
    assert "derivatives.yaml" in info["kink_convention"]


# --- one array: the layouts ---------------------------------------------------------------------------


def test_layouts_split_one_array_as_each_implementation_does():
    x = np.arange(12.0).reshape(2, 6) - 5.5
    swiglu = actviz.get("swiglu")
    silu = actviz.get("silu")
    d = 3
    # vLLM SiluAndMul: silu(x[..., :d]) * x[..., d:] (contiguous, gate first) is the default
    np.testing.assert_array_equal(swiglu(x), silu(x[:, :d]) * x[:, d:])
    # vLLM MulAndSilu: x[..., :d] * silu(x[..., d:])
    np.testing.assert_array_equal(swiglu(x, gate="second"), x[:, :d] * silu(x[:, d:]))
    # interleaved pairs, gate first (GPT-OSS's layout) and second
    np.testing.assert_array_equal(swiglu(x, split="interleaved"), silu(x[:, ::2]) * x[:, 1::2])
    np.testing.assert_array_equal(swiglu(x, split="interleaved", gate="second"), silu(x[:, 1::2]) * x[:, ::2])
    # each record's own default: torch's glu gates the second half; GPT-OSS is interleaved
    glu = actviz.get("glu")
    np.testing.assert_array_equal(glu(x), x[:, :d] * actviz.get("sigmoid")(x[:, d:]))
    np.testing.assert_array_equal(actviz.get("swiglu_oai")(x), actviz.get("swiglu_oai")(x[:, ::2], x[:, 1::2]))
    a, b = glu.halves(x)
    np.testing.assert_array_equal(a, x[:, d:]) and np.testing.assert_array_equal(b, x[:, :d])
    # along another axis
    np.testing.assert_array_equal(swiglu(x.T, axis=0), swiglu(x).T)


@pytest.mark.parametrize("split", ("contiguous", "interleaved"))
@pytest.mark.parametrize("gate", ("first", "second"))
def test_jacobian_of_each_layout_matches_central_differences(split, gate):
    act = actviz.get("swiglu_oai")
    z = rng().normal(0, 3, (3, 8))
    jac = act.jacobian(z, split=split, gate=gate)
    assert jac.shape == (3, 4, 8)
    h = 1e-6
    for j in range(8):
        step = np.zeros_like(z)
        step[:, j] = h
        column = (act(z + step, split=split, gate=gate) - act(z - step, split=split, gate=gate)) / (2 * h)
        np.testing.assert_allclose(jac[:, :, j], column, rtol=1e-7, atol=1e-8)


def test_bad_layouts_and_mixed_calls_are_usage_errors():
    act = actviz.get("swiglu")
    with pytest.raises(actviz.UsageError, match="split must be one of contiguous, interleaved, not 'halves'"):
        act(np.zeros(4), split="halves")
    with pytest.raises(actviz.UsageError, match="gate must be one of first, second"):
        act(np.zeros(4), gate="last")
    with pytest.raises(actviz.UsageError, match="must be even, not 5"):
        act(np.zeros(5))
    with pytest.raises(actviz.UsageError, match="nothing to split"):
        act(np.zeros(4), np.zeros(4), axis=0)
    with pytest.raises(actviz.UsageError, match=r"\.gradient\(a, b\).*\.slice is the gate curve"):
        act.derivative(np.zeros(3))
    with pytest.raises(actviz.ParameterError, match="order must be 0, 1 or 2"):
        act.gate_factor(1.0, order=3)
    with pytest.raises(actviz.ParameterError, match="swiglu has no parameter 'split'"):
        actviz.get("swiglu(split=interleaved)")


# --- against PyTorch, where it is installed -------------------------------------------------------------


def _torch():
    torch = pytest.importorskip("torch")
    return torch


def _torch_units(torch):
    """Each unit written in torch as its implementations write it (autograd gives the partials)."""
    F = torch.nn.functional

    def oai(a, b, alpha=ALPHA, limit=LIMIT):  # GPT-OSS / Hugging Face GptOssExperts / vLLM SwigluOAIAndMul
        gate = a.clamp(min=None, max=limit)
        up = b.clamp(min=-limit, max=limit)
        return (up + 1) * (gate * torch.sigmoid(gate * alpha))

    return {
        "glu": lambda a, b: b * torch.sigmoid(a),  # F.glu(cat(b, a)) = b·σ(a)
        "reglu": lambda a, b: F.relu(a) * b,
        "geglu": lambda a, b: F.gelu(a) * b,  # vLLM GeluAndMul(approximate="none")
        "geglu(approximate=tanh)": lambda a, b: F.gelu(a, approximate="tanh") * b,  # Gemma, T5 v1.1
        "swiglu": lambda a, b: F.silu(a) * b,  # LlamaMLP: act_fn(gate_proj(x)) * up_proj(x)
        "swiglu_oai": oai,
    }


@pytest.mark.parametrize("spec", ["glu", "reglu", "geglu", "geglu(approximate=tanh)", "swiglu", "swiglu_oai"])
def test_values_and_partials_match_torch_autograd(spec):
    torch = _torch()
    fn = _torch_units(torch)[spec]
    act = actviz.get(spec)
    # ordinary points, the kinks of a and b and the floats beside them
    special = [0.0, 7.0, -7.0, np.nextafter(7.0, 8.0), np.nextafter(7.0, 6.0)]
    av = np.concatenate([rng().normal(0, 4, 60), special])
    bv = np.concatenate([rng(5).normal(0, 4, 60), special])
    a64, b64 = (m.ravel() for m in np.meshgrid(av, bv))
    a = torch.tensor(a64, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(b64, dtype=torch.float64, requires_grad=True)
    f = fn(a, b)
    ga, gb = torch.autograd.grad(f.sum(), (a, b), create_graph=True)
    gaa = torch.autograd.grad(ga.sum(), a, retain_graph=True)[0]
    gab = torch.autograd.grad(ga.sum(), b, retain_graph=True, allow_unused=True)[0]
    # torch's own float64 kernels: within a few ε of each other, absolutely where terms cancel;
    # torch's tanh form is ½a(1 + tanh u), which cancels in the left tail (reference section 5)
    atol = 1e-13 if "tanh" in spec else 1e-14
    mine = [act(a64, b64), *act.gradient(a64, b64)]
    for got, ref in zip(mine, (f, ga, gb), strict=True):
        np.testing.assert_allclose(got, ref.detach().numpy(), rtol=1e-13, atol=atol, err_msg=spec)
    faa, fab, _ = act.hessian(a64, b64)
    np.testing.assert_allclose(faa, gaa.detach().numpy(), rtol=1e-12, atol=1e-13, err_msg=spec)
    if gab is not None:
        np.testing.assert_allclose(fab, gab.detach().numpy(), rtol=1e-12, atol=1e-13, err_msg=spec)


def test_one_array_forms_match_torch():
    torch = _torch()
    F = torch.nn.functional
    x = rng().normal(0, 5, (8, 10))
    t = torch.tensor(x, dtype=torch.float64)
    d = 5
    # torch.nn.functional.glu gates the second half: glu(x) = x1·σ(x2)
    np.testing.assert_allclose(actviz.get("glu")(x), F.glu(t, dim=-1).numpy(), rtol=1e-15)
    np.testing.assert_allclose(actviz.get("glu")(x, axis=0), F.glu(t, dim=0).numpy(), rtol=1e-15)
    # vLLM SiluAndMul and GeluAndMul: F.silu(x[..., :d]) * x[..., d:]
    np.testing.assert_allclose(actviz.get("swiglu")(x), (F.silu(t[..., :d]) * t[..., d:]).numpy(), rtol=1e-15)
    # torch's ½a(1 + tanh u) cancels in the left tail (reference section 5): absolutely within 1e-14·|b|
    np.testing.assert_allclose(actviz.get("geglu(approximate=tanh)")(x),
                               (F.gelu(t[..., :d], approximate="tanh") * t[..., d:]).numpy(), rtol=1e-14, atol=2e-13)
    # GPT-OSS's swiglu, its interleaved layout included
    oai = _torch_units(torch)["swiglu_oai"]
    np.testing.assert_allclose(actviz.get("swiglu_oai")(x), oai(t[..., ::2], t[..., 1::2]).numpy(), rtol=1e-14)


@pytest.mark.parametrize("name, layout", [("glu", {}), ("swiglu", {}), ("swiglu_oai", {}),
                                          ("swiglu", {"split": "interleaved", "gate": "second"})])
def test_jacobian_matches_torch_autograd(name, layout):
    torch = _torch()
    from torch.autograd.functional import jacobian

    act = actviz.get(name)
    x = rng().normal(0, 4, 8)
    x[[0, 3]] = 7.0  # GPT-OSS's clamps exactly at their bounds
    t = torch.tensor(x, dtype=torch.float64)
    F = torch.nn.functional
    split, gate = layout.get("split", act.record.gated.split), layout.get("gate", act.record.gated.gate_half)

    def in_torch(z):
        first, second = (z[:4], z[4:]) if split == "contiguous" else (z[::2], z[1::2])
        a, b = (first, second) if gate == "first" else (second, first)
        if name == "glu":
            return F.glu(z, dim=-1)
        return _torch_units(torch)[name](a, b) if name == "swiglu_oai" else F.silu(a) * b

    np.testing.assert_allclose(act.jacobian(x, **layout), jacobian(in_torch, t).numpy(), rtol=1e-13, atol=1e-15)


# --- Gaussian moments with two independent inputs ---------------------------------------------------------


@pytest.mark.parametrize("mu, sigma", [(0.0, 1.0), (0.0, 2.0), (0.7, 1.3)])
def test_reglu_moments_are_the_closed_forms(mu, sigma):
    # a, b ~ N(μ, σ²) independent, f = relu(a)·b. With t = μ/σ:
    # E[relu(a)] = μΦ(t) + σφ(t), E[relu(a)²] = (μ² + σ²)Φ(t) + μσφ(t), E[1(a>0)] = Φ(t);
    # E[b] = μ, E[b²] = μ² + σ² (closed forms for the truncated normal)
    t = mu / sigma
    phi = math.exp(-t * t / 2) / math.sqrt(2 * math.pi)
    Phi = 0.5 * math.erfc(-t / math.sqrt(2))
    g1, g2 = mu * Phi + sigma * phi, (mu**2 + sigma**2) * Phi + mu * sigma * phi
    b1, b2 = mu, mu**2 + sigma**2
    r = stats("reglu", mu=mu, sigma=sigma, points=201)
    g = r["gaussian"]
    assert tuple(g) == GATED_GAUSSIAN_KEYS
    expected = {
        "mean": g1 * b1, "second_moment": g2 * b2, "var": g2 * b2 - (g1 * b1) ** 2,
        "mean_df": Phi * b1, "second_moment_df": Phi * b2,  # ∂f/∂a = 1(a > 0)·b
        "mean_dfdb": g1, "second_moment_dfdb": g2,  # ∂f/∂b = relu(a)
    }
    for key, value in expected.items():
        assert g[key] == pytest.approx(value, rel=1e-11, abs=1e-14), (key, g[key], value)
    # the gain is for a, b ~ N(0, 1) whatever μ and σ: E[relu(a)²]·E[b²] = 1/2, gain √2
    assert r["gain"] == pytest.approx(math.sqrt(2), rel=1e-12)


@pytest.mark.parametrize("spec", ["swiglu", "geglu", "glu", "swiglu(beta=1.702)"])
def test_moments_factorise_into_one_dimensional_integrals(spec):
    # E[f²] = E[g(a)²]·E[b²] with E[b²] = σ² (independent, centred b), E[f] = 0; the gate's
    # moment by mpmath's quad at 30 digits, against the Gaussian density
    import mpmath as mp

    sigma = 1.5
    act = actviz.get(spec)
    q = {k: v for k, v in act.params.items() if k != "b"}
    with mp.workdps(30):
        def moment(power):
            def integrand(x):
                return act.record.gated.mp_gate(x, **q)[0] ** power * mp.npdf(x, 0, sigma)

            return float(mp.quad(integrand, [-mp.inf, -5, 0, 5, mp.inf]))

        g1, g2 = moment(1), moment(2)
    g = stats(spec, sigma=sigma, points=201)["gaussian"]
    assert g["second_moment"] == pytest.approx(g2 * sigma**2, rel=1e-11)
    assert g["mean"] == pytest.approx(0.0, abs=1e-15)
    assert g["mean_dfdb"] == pytest.approx(g1, rel=1e-11)
    assert g["second_moment_dfdb"] == pytest.approx(g2, rel=1e-11)
    assert g["var"] == pytest.approx(g2 * sigma**2, rel=1e-11)


def _plane_rule(cuts, width: float, nodes: int = 16):
    """Composite Gauss-Legendre nodes and weights along one axis: the intervals between
    ``cuts``, each in panels no wider than ``width``."""
    from scipy.special import roots_legendre

    t, w = roots_legendre(nodes)
    xs, ws = [], []
    for lo, hi in zip(cuts[:-1], cuts[1:], strict=True):
        edges = np.linspace(lo, hi, max(1, math.ceil((hi - lo) / width)) + 1)
        mid, half = (edges[1:] + edges[:-1]) / 2, (edges[1:] - edges[:-1]) / 2
        xs.append((mid[:, None] + half[:, None] * t).ravel())
        ws.append((half[:, None] * w).ravel())
    return np.concatenate(xs), np.concatenate(ws)


def test_factorised_moments_agree_with_a_two_dimensional_integral():
    # an independent check of the factorisation: f(a, b)² φ(a) φ(b) integrated over the plane
    # itself (cut at ±12σ) for the clamped unit, whose factors are not plain. The kinks at
    # a = 7 and b = ±7 split it into smooth rectangles, each a tensor Gauss-Legendre rule in
    # panels of σ/2 (16 nodes each): exponentially convergent there. It agrees with scipy's
    # adaptive dblquad over the same rectangles (epsrel 1e-12) to 1.3e-16, 1.6e-16 and 2.6e-15
    # in the three moments below (checked once, 2026-12-03: 40 s of scalar calls, too slow to
    # repeat in the suite).
    act = actviz.get("swiglu_oai")
    sigma = 5.0  # wide enough for the clamps at ±7 to matter
    lim = 12 * sigma
    a, wa = _plane_rule([-lim, 7.0, lim], sigma / 2)
    b, wb = _plane_rule([-lim, -7.0, 7.0, lim], sigma / 2)
    density = lambda x: np.exp(-0.5 * (x / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi))  # noqa: E731
    A, B = np.meshgrid(a, b, indexing="ij")
    weight = np.outer(wa * density(a), wb * density(b))
    f = act(A, B)
    dfda = act.gradient(A, B)[0]

    def integral(values):
        return float(np.sum(values * weight))

    g = stats(act, sigma=sigma, points=201)["gaussian"]
    assert g["mean"] == pytest.approx(integral(f), rel=1e-9)
    assert g["second_moment"] == pytest.approx(integral(f**2), rel=1e-9)
    assert g["second_moment_df"] == pytest.approx(integral(dfda**2), rel=1e-9)


def test_gpt_oss_value_factor_moments_are_the_clipped_normals():
    # v(b) = clip(b, -L, L) + 1 for b ~ N(0, σ²): with t = L/σ, E[clip] = 0 and
    # E[clip²] = σ²(2Φ(t) - 1 - 2tφ(t)) + 2L²Φ(-t) (closed form); E[v'] = P(|b| <= L) = 2Φ(t) - 1
    sigma, L = 5.0, 7.0
    t = L / sigma
    phi = math.exp(-t * t / 2) / math.sqrt(2 * math.pi)
    Phi, Phi_neg = 0.5 * math.erfc(-t / math.sqrt(2)), 0.5 * math.erfc(t / math.sqrt(2))
    clip2 = sigma**2 * (2 * Phi - 1 - 2 * t * phi) + 2 * L * L * Phi_neg
    from actviz.analysis.gaussian import gated_gaussian_stats

    unit = actviz.get("swiglu_oai")
    g = gated_gaussian_stats(unit, 0.0, sigma)
    from actviz.analysis.quadrature import expect

    gate1 = expect(unit.gate_factor, 0.0, sigma, unit.gate_kinks)
    gate2 = expect(lambda x: unit.gate_factor(x) ** 2, 0.0, sigma, unit.gate_kinks)
    assert g.mean == pytest.approx(gate1 * 1.0, rel=1e-12)  # E[v] = E[clip] + 1 = 1
    assert g.second_moment == pytest.approx(gate2 * (clip2 + 1.0), rel=1e-11)
    assert g.mean_dfdb == pytest.approx(gate1 * (2 * Phi - 1), rel=1e-11)


def test_gate_curve_statistics_are_those_of_the_slice():
    r = stats("swiglu", points=201)
    s = stats("silu", points=201)  # the gate curve of swiglu at b = 1 is silu
    for key in ("dead_share", "saturated_share", "onset", "stationary", "output_min", "output_max", "f0", "df0"):
        assert r[key] == s[key], key
    assert r["torch_gain"] is None
    assert stats(actviz.get("swiglu").slice, points=201)["gaussian"] == r["gaussian"]


# --- figures ------------------------------------------------------------------------------------------------


def _by_gid(ax, gid):
    return [a for a in ax.get_children() if getattr(a, "get_gid", lambda: None)() == gid]


def test_plot_draws_the_gate_curve_and_a_heat_map_of_f():
    fig = figures.plot("swiglu_oai", range=(-3.0, 9.0), points=121)
    ax_f, ax_d, heat = fig.axes[:3]
    (image,) = _by_gid(heat, "heat")
    a = np.linspace(-3.0, 9.0, figures.HEAT_POINTS)
    A, B = np.meshgrid(a, a)
    np.testing.assert_array_equal(image.get_array(), actviz.get("swiglu_oai")(A, B))
    assert image.get_extent() == [-3.0, 9.0, -3.0, 9.0]
    # the gate curve's b (0: the value factor 1), the clamp of a at 7 and of b at 7 (-7 is out of view)
    (line,) = _by_gid(heat, "gate-curve")
    assert tuple(line.get_ydata()) == (0.0, 0.0)
    assert [tuple(k.get_xdata()) for k in _by_gid(heat, "gate-kink")] == [(7.0, 7.0)]
    assert [tuple(k.get_ydata()) for k in _by_gid(heat, "value-kink")] == [(7.0, 7.0)]
    assert _by_gid(heat, "contours") and _by_gid(heat, "zero-contour")
    # the curve panels are the gate curve and ∂f/∂a, the clamp's kink marked
    (curve,) = [line for line in ax_f.get_lines() if line.get_gid() == "f"]
    x = np.linspace(-3.0, 9.0, 121)
    np.testing.assert_array_equal(np.asarray(curve.get_xdata(), float)[:121][np.isfinite(curve.get_ydata()[:121])][:5], x[:5])
    assert "partial" in ax_d.get_ylabel() and fig.axes[1].get_xlabel() == "$a$"
    assert "b = 0" in ax_f.get_title() and fig.get_suptitle().startswith("swiglu_oai:")
    texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert any("gate curve at $b = 0$" in t for t in texts) and any("kinks of $a$" in t for t in texts)


def test_the_slice_plots_as_a_plain_curve_and_compare_says_gate_curves():
    fig = figures.plot(actviz.get("swiglu").slice, points=51)
    assert len(fig.axes) == 2 and not _by_gid(fig.axes[0], "heat")
    fig = figures.compare(["swiglu", "geglu", "reglu"], points=51)
    assert fig.get_suptitle().endswith("gate curves at b = 1") and fig.axes[-1].get_xlabel() == "$a$"
    fig = figures.compare(["swiglu", "swiglu_oai"], points=51)
    assert fig.get_suptitle().endswith("gate curves (value factor 1)")


# --- the command line ---------------------------------------------------------------------------------------


def test_info_shows_partials_layouts_and_kinks():
    result = runner.invoke(app, ["info", "swiglu_oai"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    for text in ("∂f/∂b = g(min(a, limit))·1[|b| ≤ limit]", "∂²f/∂a∂b", "a = 7; b = -7; b = 7",
                 "split=interleaved, gate=first: a = x[..., ::2], b = x[..., 1::2]",
                 "vLLM SwigluOAIAndMul", "Hugging Face GptOssExperts", "arXiv:2508.10925",
                 "E[∂f/∂b] (gated)", "gated (swiglu_oai): z = (a, b)"):
        assert text in out, text
    result = runner.invoke(app, ["info", "glu", "--format", "json"])
    info = json.loads(result.stdout)
    assert info["gated"]["split"] == "contiguous" and info["gated"]["gate"] == "second"
    assert info["gated"]["one_array"] == "a = x[..., n/2:], b = x[..., :n/2]"
    assert info["stats"]["gaussian"]["mean_dfdb"] == pytest.approx(0.5, rel=1e-12)  # E[σ(a)] = 1/2


def test_table_is_the_gate_curve_at_b_and_says_so(tmp_path):
    result = runner.invoke(app, ["table", "swiglu", "--range", "-2", "2", "--points", "5", "--b", "2"])
    assert result.exit_code == 0, result.output
    assert "swiglu(b=2)" in result.stdout and "x is the gate input a, f' is ∂f/∂a" in result.stdout
    out = tmp_path / "v.csv"
    result = runner.invoke(app, ["table", "swiglu", "relu", "--range", "-2", "2", "--points", "5", "-p", "b=2",
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert lines[0] == "activation,x,f,df"  # the columns DESIGN.md gives, for every activation
    assert lines[1] == "swiglu(b=2),-2.0,{!r},{!r}".format(*(float(v) for v in (
        actviz.get("swiglu")(-2.0, 2.0), actviz.get("swiglu").gradient(-2.0, 2.0)[0])))
    result = runner.invoke(app, ["table", "glu", "--points", "3", "-o", "-", "--format", "json"])
    assert json.loads(result.stdout)["gate_curves"]["b"] == {"glu": 1.0}


def test_stats_json_and_csv_carry_the_partials_of_b():
    result = runner.invoke(app, ["stats", "relu", "reglu", "--points", "201", "--format", "json"])
    assert result.exit_code == 0, result.output
    relu, reglu = json.loads(result.stdout)
    assert "mean_dfdb" not in relu["gaussian"] and reglu["gaussian"]["mean_dfdb"] == pytest.approx(
        1 / math.sqrt(2 * math.pi), rel=1e-12)  # E[relu(a)], a ~ N(0, 1)
    result = runner.invoke(app, ["stats", "relu", "reglu", "--points", "201", "--format", "csv"])
    import csv
    import io

    header, first, second = csv.reader(io.StringIO(result.stdout))
    assert "gaussian_second_moment_dfdb" in header and len(first) == len(second) == len(header)
    row = dict(zip(header, first, strict=True))
    assert row["activation"] == "relu" and row["gaussian_mean_dfdb"] == ""  # relu has no value input
    assert float(dict(zip(header, second, strict=True))["gaussian_second_moment_dfdb"]) == pytest.approx(0.5, rel=1e-12)


def test_plot_and_compare_write_figures(tmp_path):
    out = tmp_path / "swiglu.png"
    result = runner.invoke(app, ["plot", "swiglu", "--points", "101", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:4] == b"\x89PNG"
    result = runner.invoke(app, ["plot", "geglu", "--points", "101"])
    assert result.exit_code == 0 and "the saved figure adds a heat map of f(a, b)" in result.stderr
    out = tmp_path / "cmp.svg"
    result = runner.invoke(app, ["compare", "swiglu", "geglu", "reglu", "--points", "101", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "gate curves at b = 1" in out.read_text()


def test_accuracy_audits_the_gate_curve():
    result = runner.invoke(app, ["accuracy", "swiglu", "--points", "201"])
    assert result.exit_code == 0, result.output
    assert "gated units along their gate curves f(x, b), f' being ∂f/∂a" in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["signal", "swiglu"], "swiglu is a gated unit of two inputs, f(a, b)"),
        (["signal", "glu"], "glu is a gated unit of two inputs"),
        (["table", "swiglu", "--b", "nan"], "parameter 'b' must be finite"),
        (["table", "swiglu", "--b", "two"], "Invalid value for '--b'"),
        (["stats", "swiglu", "--b", "1", "-p", "b=2"], "parameter 'b' given twice"),
        (["plot", "swiglu", "-p", "split=interleaved"], "swiglu has no parameter 'split'"),
        (["plot", "swiglu_oai(limit=0)"], "parameter 'limit' must be in (0, ∞)"),
        (["plot", "swiglu", "--size", "4", "5", "-o", "x.png"], "--size"),
        (["info", "swiglu(approximate=tanh)"], "swiglu has no parameter 'approximate'"),
        (["compare", "swiglu"], "compare needs at least two activations"),
    ],
)
def test_bad_input_is_a_one_line_usage_error(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, args)
    assert result.exit_code == 2, (args, result.output)
    assert message in result.stderr, (args, result.stderr)
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("compiled", [False, True], ids=["numpy", "compiled"])
def test_a_gate_is_its_entrys_numbers_on_either_path(compiled):
    # the gate of a unit computes what its elementwise entry computes, on the numpy path and
    # on the compiled one (the fast extra): f = g(a)·b and ∂f/∂a = g'(a)·b to the bit
    from actviz.numerics import fast

    if compiled and not fast.installed():
        pytest.skip("numba (the fast extra) is not installed")
    a = np.concatenate([np.linspace(-40, 40, 801), [-745.0, -1e-300, 0.0, 7.0, 7.5, 700.0]])
    b = np.linspace(-3, 3, a.size)
    with fast.using(compiled):
        for unit, gate in (("swiglu", "silu"), ("geglu", "gelu"), ("glu", "sigmoid")):
            u, g = actviz.get(unit), actviz.get(gate)
            gf, gd = g.evaluate(a)
            np.testing.assert_array_equal(u(a, b), gf * b, err_msg=unit)
            np.testing.assert_array_equal(u.gradient(a, b)[0], gd * b, err_msg=unit)
            np.testing.assert_array_equal(u.gate_factor(a, 1), gd, err_msg=unit)
            np.testing.assert_array_equal(u.slice(a), gf, err_msg=unit)
        oai, quick = actviz.get("swiglu_oai"), actviz.get("quick_gelu")
        qf, qd = quick.evaluate(np.minimum(a, 7.0))
        np.testing.assert_array_equal(oai.slice(a), qf)
        np.testing.assert_array_equal(oai.slice.derivative(a), np.where(a > 7.0, 0.0, qd))
