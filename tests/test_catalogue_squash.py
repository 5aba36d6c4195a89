"""The sigmoid-like and shrink families: golden values, kink conventions per preset,
accuracy in ULPs against mpmath, parameter checks, and a few Hypothesis properties."""

import math

import numpy as np
import pytest
from conftest import declared_specs
from hypothesis import given, settings
from hypothesis import strategies as st

import actviz
from actviz.analysis.ulp import mp_values, ulp_error

XS = np.array([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0])

# Golden (value, derivative) pairs at XS: mpmath, 10 significant digits
# (tests/golden/make_golden.py).
GOLDEN_MPMATH = {
    "sigmoid": [
        (0.119202922, 0.1049935854), (0.2689414214, 0.1966119332), (0.3775406688, 0.2350037122),
        (0.6224593312, 0.2350037122), (0.7310585786, 0.1966119332), (0.880797078, 0.1049935854),
    ],
    "tanh": [
        (-0.9640275801, 0.07065082485), (-0.761594156, 0.4199743416), (-0.4621171573, 0.786447733),
        (0.4621171573, 0.786447733), (0.761594156, 0.4199743416), (0.9640275801, 0.07065082485),
    ],
    "softsign": [
        (-0.6666666667, 0.1111111111), (-0.5, 0.25), (-0.3333333333, 0.4444444444),
        (0.3333333333, 0.4444444444), (0.5, 0.25), (0.6666666667, 0.1111111111),
    ],
    "log_sigmoid": [
        (-2.126928011, 0.880797078), (-1.313261688, 0.7310585786), (-0.9740769842, 0.6224593312),
        (-0.4740769842, 0.3775406688), (-0.3132616875, 0.2689414214), (-0.126928011, 0.119202922),
    ],
    "tanhshrink": [
        (-1.03597242, 0.9293491751), (-0.238405844, 0.5800256584), (-0.03788284274, 0.213552267),
        (0.03788284274, 0.213552267), (0.238405844, 0.5800256584), (1.03597242, 0.9293491751),
    ],
    "hard_sigmoid": [
        (0.1666666667, 0.1666666667), (0.3333333333, 0.1666666667), (0.4166666667, 0.1666666667),
        (0.5833333333, 0.1666666667), (0.6666666667, 0.1666666667), (0.8333333333, 0.1666666667),
    ],
    # Keras 2's clip(0.2x + 0.5, 0, 1) (keras-team/tf-keras tf_keras/backend.py)
    "hard_sigmoid@keras2": [(0.1, 0.2), (0.3, 0.2), (0.4, 0.2), (0.6, 0.2), (0.7, 0.2), (0.9, 0.2)],
}

# The piecewise ones: values from their closed forms at the default parameters; at a kink the
# derivative is PyTorch's value (the backward rules in pytorch/pytorch
# aten/src/ATen/native/cpu/Activation.cpp), or for functions PyTorch lacks, the catalogue's
# documented choice.
GOLDEN_CLOSED_FORM = {
    "step": [(0, 0), (0, 0), (0, 0), (1, 0), (1, 0), (1, 0)],
    "hard_tanh": [(-1, 0), (-1, 0), (-0.5, 1), (0.5, 1), (1, 0), (1, 0)],  # kinks at ±1: 0
    "sparse_sigmoid": [(0, 0), (0, 0), (0.25, 0.5), (0.75, 0.5), (1, 0), (1, 0)],  # kinks at ±1: 0
    "softshrink": [(-1.5, 1), (-0.5, 1), (0, 0), (0, 0), (0.5, 1), (1.5, 1)],  # kinks at ±0.5: 0
    "hardshrink": [(-2, 1), (-1, 1), (0, 0), (0, 0), (1, 1), (2, 1)],  # ±0.5: f = 0, f' = 0
    "threshold": [(0, 0), (0, 0), (0, 0), (0.5, 1), (1, 1), (2, 1)],  # θ = 0, value = 0: relu
}


@pytest.mark.parametrize("spec", sorted({**GOLDEN_MPMATH, **GOLDEN_CLOSED_FORM}))
def test_golden_values(spec):
    table = {**GOLDEN_MPMATH, **GOLDEN_CLOSED_FORM}[spec]
    act = actviz.get(spec)
    want_f = np.array([f for f, _ in table], dtype=float)
    want_d = np.array([d for _, d in table], dtype=float)
    # 10 significant digits in the table
    np.testing.assert_allclose(act(XS), want_f, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(act.derivative(XS), want_d, rtol=1e-9, atol=1e-10)
    f, d = act.evaluate(XS)
    np.testing.assert_array_equal(f, act(XS))
    np.testing.assert_array_equal(d, act.derivative(XS))


# Derivative at each kink, per preset, as autograd gives it in torch 2.13, JAX 0.10.2 and Keras
# 3.15.1 on TF, except where noted. The rules: pytorch/pytorch aten/src/ATen/native/cpu/Activation.cpp
# (hardtanh, hardsigmoid, shrink and threshold backward: 0 at the bounds), jax-ml/jax
# jax/_src/nn/functions.py, keras-team/keras keras/src/backend/tensorflow/nn.py.
KINK_VALUES = {
    "hard_tanh": {-1.0: 0.0, 1.0: 0.0},
    "hard_tanh@torch": {-1.0: 0.0, 1.0: 0.0},
    "hard_tanh@jax": {-1.0: 1.0, 1.0: 1.0},  # jnp.where(x > 1, 1, jnp.where(x < -1, -1, x))
    "hard_tanh@keras": {-1.0: 1.0, 1.0: 1.0},  # Keras 3 on TF, its default backend
    "hard_tanh(min_val=-2, max_val=3)": {-2.0: 0.0, 3.0: 0.0},  # torch hardtanh backward: x <= a or x >= b
    "hard_sigmoid": {-3.0: 0.0, 3.0: 0.0},
    "hard_sigmoid@torch": {-3.0: 0.0, 3.0: 0.0},
    "hard_sigmoid@jax": {-3.0: 0.0, 3.0: 0.0},
    "hard_sigmoid@keras": {-3.0: 0.0, 3.0: 0.0},
    # read from tf_keras backend.hard_sigmoid: tf.clip_by_value passes gradient 1 at its
    # bounds (tensorflow/tensorflow tensorflow/python/ops/math_grad.py: ties go to x), and
    # 0.2·(±2.5) + 0.5 lands exactly on them
    "hard_sigmoid@keras2": {-2.5: 0.2, 2.5: 0.2},
    "sparse_sigmoid": {-1.0: 0.0, 1.0: 0.0},
    "sparse_sigmoid@keras": {-1.0: 0.0, 1.0: 0.0},  # Keras 3 on TF
    "sparse_sigmoid@jax": {-1.0: 0.25, 1.0: 0.25},  # ½·clip(x + 1, 0, 2): the clip splits the tie ½ + ½
    "softshrink": {-0.5: 0.0, 0.5: 0.0},
    "softshrink@torch": {-0.5: 0.0, 0.5: 0.0},
    "softshrink@keras": {-0.5: 0.0, 0.5: 0.0},
    "hardshrink": {-0.5: 0.0, 0.5: 0.0},
    "hardshrink@keras": {-0.5: 0.0, 0.5: 0.0},
    "threshold": {0.0: 0.0},
    "threshold@torch": {0.0: 0.0},
    "threshold@keras": {0.0: 0.0},
    # tf_keras ThresholdedReLU: x * cast(x > theta), whose gradient at theta is 0
    "threshold@keras2": {1.0: 0.0},
    # jnp.heaviside selects constants with `where`: gradient 0 (torch.heaviside has none)
    "step": {0.0: 0.0},
    "step@jax": {0.0: 0.0},
    # softsign is C1: f'(0) = 1/(1+0)² (closed form)
    "softsign": {0.0: 1.0},
}


@pytest.mark.parametrize("spec", sorted(KINK_VALUES))
def test_kink_derivative_per_preset(spec):
    act = actviz.get(spec)
    assert act.kink_derivatives() == KINK_VALUES[spec]
    xs = np.array(list(KINK_VALUES[spec]))
    np.testing.assert_array_equal(act.derivative(xs), list(KINK_VALUES[spec].values()))
    # the same values through evaluate(), which may take a shared-intermediates path
    np.testing.assert_array_equal(act.evaluate(xs)[1], list(KINK_VALUES[spec].values()))


def test_keras2_hard_sigmoid_is_a_different_function():
    k2 = actviz.get("hard_sigmoid@keras2")
    assert k2.kinks == (-2.5, 2.5)
    # closed form clip(0.2x + 0.5, 0, 1): 0 and 1 at and beyond ±2.5, slope 0 beyond
    x = np.array([-10.0, -3.0, -2.5, 0.0, 2.5, 3.0, 10.0])
    np.testing.assert_allclose(k2(x), [0, 0, 0, 0.5, 1, 1, 1], rtol=0, atol=1e-15)
    np.testing.assert_array_equal(k2.derivative(x), [0, 0, 0.2, 0.2, 0.2, 0, 0])
    np.testing.assert_array_equal(k2.derivative(x, order=2), np.zeros(7))
    # the canonical x/6 + 1/2 differs inside: at x = 1, 0.7 against 2/3 (closed forms)
    assert float(k2(1.0)) == pytest.approx(0.7, rel=1e-15)
    assert float(actviz.get("hard_sigmoid")(1.0)) == pytest.approx(2 / 3, rel=1e-15)
    # exact near the lower kink, where 0.2x + 0.5 would cancel: (x + 2.5)/5 (closed form)
    x = -2.5 + 2.0**-40
    assert float(k2(x)) == 2.0**-40 / 5


def test_hard_sigmoid_keeps_relative_accuracy_next_to_minus_three():
    # (x + 3)/6 with x + 3 exact (closed form); x/6 + 1/2 would be off by 1e-17 absolute
    x = -3.0 + 2.0**-45
    assert float(actviz.get("hard_sigmoid")(x)) == 2.0**-45 / 6


def test_hard_sigmoid_torch_preset_keeps_the_exact_slope():
    # PyTorch multiplies by float32(1/6) = 0.1666666716337204 (hardsigmoid_backward in
    # pytorch/pytorch aten/src/ATen/native/cpu/Activation.cpp); the preset
    # deliberately gives 1/6, the slope of its own forward
    assert float(actviz.get("hard_sigmoid@torch").derivative(0.5)) == 1 / 6


# --- accuracy against mpmath ---------------------------------------------------------------

_rng = np.random.default_rng(20240611)
SWEEP = np.concatenate(
    [
        np.linspace(-700.0, 700.0, 141),  # tails
        _rng.uniform(-40.0, 40.0, 120),  # where the functions bend
        np.sign(_rng.uniform(-1, 1, 120)) * 10.0 ** _rng.uniform(-300, 0.5, 120),  # near 0
        [-2.0, np.nextafter(-2.0, 0), np.nextafter(2.0, 0), 2.0, 1e-8, -1e-8, 5e-324, -1e-310],
    ]
)


# the records of the two families held to ULPs (checks.ulps), at their defaults and samples
ULP_SPECS = declared_specs(
    lambda rec: rec.family in ("sigmoid-like", "shrink") and rec.checks.ulps is not None, presets=False
)


@pytest.mark.parametrize("name", ULP_SPECS)
def test_ulp_error_against_mpmath(name):
    act = actviz.get(name)
    forward_ulp, derivative_ulp = act.record.checks.ulps
    # reference: the record's mpmath (f, f') at 60 digits (actviz.analysis.ulp.MP_DPS)
    ref_f, ref_d = mp_values(act.record.mp_reference, SWEEP, **act.params)
    err_f = ulp_error(act(SWEEP), ref_f)
    err_d = ulp_error(act.derivative(SWEEP), ref_d)
    assert err_f.max() <= forward_ulp, (name, SWEEP[np.argmax(err_f)], err_f.max())
    assert err_d.max() <= derivative_ulp, (name, SWEEP[np.argmax(err_d)], err_d.max())
    f, d = act.evaluate(SWEEP)
    assert ulp_error(f, ref_f).max() <= forward_ulp and ulp_error(d, ref_d).max() <= derivative_ulp


def test_naive_tanhshrink_would_fail_the_sweep():
    # the audit's point: x - tanh(x) is off by millions of ULP near 0, the catalogue is not
    import mpmath as mp

    x = np.array([1e-5, 3e-3, 0.1])
    ref, _ = mp_values(actviz.lookup("tanhshrink").mp_reference, x)
    assert ulp_error(x - np.tanh(x), ref).max() > 1e3
    assert ulp_error(actviz.get("tanhshrink")(x), ref).max() <= 4
    # and the reference itself matches the Taylor series x³/3 - 2x⁵/15 + 17x⁷/315 at
    # x = 1e-5, whose next term is 7e-32 relative (closed form)
    with mp.workdps(40):
        xm = mp.mpf("1e-5")
        f, _ = actviz.lookup("tanhshrink").mp_reference(xm)
        assert abs(f - (xm**3 / 3 - 2 * xm**5 / 15 + 17 * xm**7 / 315)) < mp.mpf("1e-31") * f


def test_log_sigmoid_tails():
    act = actviz.get("log_sigmoid")
    # closed forms: log_sigmoid(-800) = -800 - log1p(e^-800) rounds to -800, f' = σ(800) to 1;
    # far right, f ≈ -e^-x
    assert float(act(-800.0)) == -800.0 and float(act.derivative(-800.0)) == 1.0
    assert float(act(700.0)) == pytest.approx(-math.exp(-700.0), rel=1e-15)
    assert float(act.derivative(700.0)) == pytest.approx(math.exp(-700.0), rel=1e-15)


def test_softsign_extremes():
    act = actviz.get("softsign")
    x = np.array([-np.inf, -1e308, -1e160, 1e160, 1e308, np.inf])
    # closed forms: ±1 (|x| >= 1e17 rounds to ±1), f' = 1/(1+|x|)² (1e-320 is subnormal)
    np.testing.assert_array_equal(act(x), [-1, -1, -1, 1, 1, 1])
    d = act.derivative(x)
    assert d[0] == 0 and d[-1] == 0 and np.all(d >= 0) and np.all(np.isfinite(d))
    assert float(act.derivative(1e150)) == pytest.approx(1e-300, rel=1e-15)


def test_softsign_is_monotone_float_by_float():
    act = actviz.get("softsign")
    naive_steps_back = 0
    for start in (1e-5, 0.3, 0.9, 2.0**53 - 1000):
        x = start + np.arange(20000) * np.spacing(start)
        x = np.concatenate([-x[::-1], x])
        y = act(x)
        assert np.all(y[1:] >= y[:-1]), start
        naive = x / (1 + np.abs(x))
        naive_steps_back += int(np.sum(naive[1:] < naive[:-1]))
    # the textbook form is not monotone after rounding, which is why the catalogue's differs
    assert naive_steps_back > 0


# --- parameters -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec, message",
    [
        ("softshrink(lambd=-1)", "softshrink: parameter 'lambd' must be in [0, ∞), not -1"),
        ("hardshrink(threshold=-0.5)", "hardshrink: parameter 'lambd' must be in [0, ∞), not -0.5"),
        ("hard_tanh(min_val=1, max_val=1)", "hard_tanh: min_val must be less than max_val (got min_val=1, max_val=1)"),
        ("hard_tanh(min_val=2)", "hard_tanh: min_val must be less than max_val (got min_val=2, max_val=1)"),
        ("softsign(alpha=1)", "softsign has no parameter 'alpha' (its parameters: none)"),
        ("threshold(lambd=1)", "threshold has no parameter 'lambd' (its parameters: threshold, value)"),
        ("hard_tanh@jax(max_val=2)", "hard_tanh@jax: 'max_val' is fixed at 1 in that framework"),
        ("threshold@keras2(value=1)", "threshold@keras2: 'value' is fixed at 0 in that framework"),
        ("softshrink(lambd=1, threshold=2)", "softshrink: parameter 'lambd' given twice (as 'lambd' and 'threshold')"),
    ],
)
def test_bad_parameters_say_what_is_wrong(spec, message):
    with pytest.raises(actviz.ParameterError) as err:
        actviz.get(spec)
    assert str(err.value) == message


def test_missing_presets_list_those_that_exist():
    with pytest.raises(actviz.PresetError, match=r"presets that exist: sparse_sigmoid@keras, sparse_sigmoid@jax"):
        actviz.get("sparse_sigmoid@torch")
    with pytest.raises(actviz.PresetError, match=r"tanhshrink@torch, tanhshrink@keras$"):
        actviz.get("tanhshrink@jax")


def test_framework_parameter_names_are_accepted():
    # Keras calls the shrink width `threshold` and threshold's fill `default_value`,
    # Keras 2 calls the threshold `theta`, torch.heaviside calls f(0) `values`
    assert actviz.get("softshrink(threshold=0.3)") == actviz.get("softshrink(lambd=0.3)")
    assert actviz.get("threshold(theta=1, default_value=-2)") == actviz.get("threshold(threshold=1, value=-2)")
    assert actviz.get("step(values=1)").params == {"value": 1.0}
    assert float(actviz.get("step(values=1)")(0.0)) == 1.0
    assert actviz.get("threshold@keras2").params == {"threshold": 1.0, "value": 0.0}
    assert actviz.get("threshold@keras2(theta=0.5)").params == {"threshold": 0.5, "value": 0.0}


def test_step_value_at_zero():
    assert float(actviz.get("step")(0.0)) == 0.5  # the default, ½
    assert float(actviz.get("step(value=0)")(0.0)) == 0.0
    assert float(actviz.get("heaviside(value=1)")(-0.0)) == 1.0
    np.testing.assert_array_equal(actviz.get("step").derivative(np.array([-1.0, 0.0, 1.0])), [0, 0, 0])


# --- discontinuities and parameter-dependent descriptions ------------------------------------


@pytest.mark.parametrize("lambd", [0.5, 0.3, 2.0])
def test_shrinks_at_their_kinks(lambd):
    up, down = np.nextafter(lambd, np.inf), np.nextafter(-lambd, -np.inf)
    hard = actviz.get("hardshrink", lambd=lambd)
    # closed form: 0 on the closed [-λ, λ] (torch), x just outside: a jump of size λ
    np.testing.assert_array_equal(hard(np.array([-lambd, lambd])), [0.0, 0.0])
    np.testing.assert_array_equal(hard(np.array([down, up])), [down, up])
    assert hard.properties.smoothness == "discontinuous"
    soft = actviz.get("softshrink", lambd=lambd)
    # continuous: 0 at ±λ, x ∓ λ just outside (exact: Sterbenz)
    np.testing.assert_array_equal(soft(np.array([-lambd, lambd])), [0.0, 0.0])
    np.testing.assert_array_equal(soft(np.array([down, up])), [down + lambd, up - lambd])
    assert soft.properties.smoothness == "C0"
    assert hard.kinks == soft.kinks == (-lambd, lambd)


def test_threshold_jump_and_its_description():
    act = actviz.get("threshold(threshold=0.5, value=2)")
    up = np.nextafter(0.5, 1.0)
    np.testing.assert_array_equal(act(np.array([0.5, up])), [2.0, up])
    props = act.properties
    assert not props.monotonic and props.smoothness == "discontinuous" and not props.zero_centred
    assert str(act.output_range) == "(0.5, ∞)"
    relu_like = actviz.get("threshold")
    assert relu_like.properties.monotonic and relu_like.properties.smoothness == "C0"
    assert str(relu_like.output_range) == "[0, ∞)"
    continuous = actviz.get("threshold(threshold=-1, value=-1)")
    assert continuous.properties.smoothness == "C0" and continuous.properties.zero_centred
    assert str(continuous.output_range) == "[-1, ∞)"


def test_lambda_zero_shrinks_are_the_identity():
    for name in ("softshrink", "hardshrink"):
        act = actviz.get(name, lambd=0)
        x = np.array([-3.0, -1e-300, 1e-300, 2.0])
        np.testing.assert_array_equal(act(x), x)
        assert act.kinks == (0.0,) and act.kink_derivatives() == {0.0: 0.0}  # torch's f'(0)
        assert act.properties.smoothness == "C∞"


def test_hard_tanh_bounds_shape_range_and_properties():
    act = actviz.get("hard_tanh(min_val=0.5, max_val=3)")
    assert act.kinks == (0.5, 3.0)
    assert str(act.output_range) == "[0.5, 3]"
    assert not act.properties.zero_centred  # f(0) = 0.5
    np.testing.assert_array_equal(act(np.array([-5.0, 0.0, 2.0, 5.0])), [0.5, 0.5, 2.0, 3.0])
    assert actviz.get("hard_tanh").properties.zero_centred


def test_step_with_value_outside_the_unit_interval():
    act = actviz.get("step(value=2)")
    assert str(act.output_range) == "[0, 2]"
    assert not act.properties.monotonic  # jumps up to 2 at 0, then down to 1


# --- Hypothesis ------------------------------------------------------------------------------

SIGMOID_LIKE = [r.name for r in actviz.records() if r.family == "sigmoid-like"]
# every record of the two families at its defaults, its declared samples and its presets, where
# it claims to be monotone
MONOTONE = [s for s in declared_specs(lambda rec: rec.family in ("sigmoid-like", "shrink"))
            if actviz.get(s).properties.monotonic]
finite = st.floats(allow_nan=False, allow_infinity=False)


@pytest.mark.parametrize("name", SIGMOID_LIKE)
@settings(max_examples=60, deadline=None)
@given(x=st.lists(finite, min_size=1, max_size=20))
def test_sigmoid_like_outputs_stay_in_their_range(name, x):
    act = actviz.get(name)
    rng = act.output_range
    y = act(np.array(x))
    # closed bounds: an open end is reached in float64 by rounding (sigmoid(40) == 1.0)
    assert np.all((y >= rng.low) & (y <= rng.high)), (name, x, y)


@pytest.mark.parametrize("spec", MONOTONE)
@settings(max_examples=60, deadline=None)
@given(x=st.lists(finite, min_size=2, max_size=30))
def test_monotone_ones_are_monotone(spec, x):
    act = actviz.get(spec)
    y = act(np.sort(np.array(x)))
    assert np.all(y[1:] >= y[:-1]), (spec, x, y)


@settings(max_examples=60, deadline=None)
@given(
    bounds=st.tuples(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6)).filter(lambda b: b[0] < b[1]),
    x=st.lists(finite, min_size=1, max_size=20),
)
def test_hard_tanh_stays_within_any_bounds(bounds, x):
    act = actviz.get("hard_tanh", min_val=bounds[0], max_val=bounds[1])
    y = act(np.array(x))
    assert np.all((y >= bounds[0]) & (y <= bounds[1]))


# --- cross-check against PyTorch, when it is installed ---------------------------------------


def test_against_torch_autograd():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    cases = {
        "hard_tanh(min_val=-2, max_val=3)": lambda t: F.hardtanh(t, -2.0, 3.0),
        "hard_sigmoid": F.hardsigmoid,
        "softsign": F.softsign,
        "log_sigmoid": F.logsigmoid,
        "tanhshrink": F.tanhshrink,
        "softshrink(lambd=0.5)": lambda t: F.softshrink(t, 0.5),
        "hardshrink(lambd=0.5)": lambda t: F.hardshrink(t, 0.5),
        "threshold(threshold=0.5, value=2)": lambda t: F.threshold(t, 0.5, 2.0),
    }
    x = np.array([-4.0, -3.0, -2.0, -1.3, -0.5, 0.0, 0.5, 0.7, 1.0, 2.0, 3.0, 3.5])
    for spec, fn in cases.items():
        act = actviz.get(spec)
        t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        y = fn(t)
        (g,) = torch.autograd.grad(y.sum(), t)
        np.testing.assert_allclose(act(x), y.detach().numpy(), rtol=1e-12, atol=1e-15, err_msg=spec)
        # torch's hardsigmoid slope is float32(1/6) (its Activation.cpp): 3e-8 relative
        rtol = 1e-7 if spec == "hard_sigmoid" else 1e-12
        np.testing.assert_allclose(act.derivative(x), g.numpy(), rtol=rtol, atol=0, err_msg=spec)
