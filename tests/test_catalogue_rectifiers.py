"""The rectifier family: golden values, Keras's relu semantics, kink conventions per preset,
SELU's constants, accuracy in ULPs against mpmath, parameter checks, Hypothesis properties."""

import math

import mpmath as mp
import numpy as np
import pytest
from conftest import declared_specs
from hypothesis import given, settings
from hypothesis import strategies as st

import actviz
from actviz.analysis.ulp import mp_values, ulp_error
from actviz.catalogue import rectifiers
from actviz.render.describe import describe

XS = np.array([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0])

# Golden (value, derivative) pairs at XS: mpmath, 10 significant digits
# (tests/golden/make_golden.py), at the default parameters: celu α=1, softplus β=1, squareplus b=4.
_ELU_ROW = [
    (-0.8646647168, 0.1353352832), (-0.6321205588, 0.3678794412), (-0.3934693403, 0.6065306597),
    (0.5, 1), (1, 1), (2, 1),
]
GOLDEN_MPMATH = {
    "elu": _ELU_ROW,
    "celu": _ELU_ROW,
    "selu": [
        (-1.520166469, 0.2379328723), (-1.111330738, 0.646768603), (-0.6917581878, 1.066341153),
        (0.5253504937, 1.050700987), (1.050700987, 1.050700987), (2.101401975, 1.050700987),
    ],
    "softplus": [
        (0.126928011, 0.119202922), (0.3132616875, 0.2689414214), (0.4740769842, 0.3775406688),
        (0.9740769842, 0.6224593312), (1.313261688, 0.7310585786), (2.126928011, 0.880797078),
    ],
    "squareplus": [
        (0.4142135624, 0.1464466094), (0.6180339887, 0.2763932023), (0.7807764064, 0.3787321875),
        (1.280776406, 0.6212678125), (1.618033989, 0.7236067977), (2.414213562, 0.8535533906),
    ],
    "sparse_plus": [(0, 0), (0, 0), (0.0625, 0.25), (0.5625, 0.75), (1, 1), (2, 1)],
}

# The piecewise-linear ones and exp: values from their closed forms at the default parameters
# (leaky_relu's slope 0.01 and prelu's 0.25: torch.nn.functional.leaky_relu, torch.nn.PReLU).
GOLDEN_CLOSED_FORM = {
    "identity": [(x, 1) for x in XS],
    "relu": [(0, 0), (0, 0), (0, 0), (0.5, 1), (1, 1), (2, 1)],
    "relu6": [(0, 0), (0, 0), (0, 0), (0.5, 1), (1, 1), (2, 1)],
    "leaky_relu": [(-0.02, 0.01), (-0.01, 0.01), (-0.005, 0.01), (0.5, 1), (1, 1), (2, 1)],
    "prelu": [(-0.5, 0.25), (-0.25, 0.25), (-0.125, 0.25), (0.5, 1), (1, 1), (2, 1)],
    # eval-mode slope (1/8 + 1/3)/2 = 11/48
    "rrelu": [(-22 / 48, 11 / 48), (-11 / 48, 11 / 48), (-5.5 / 48, 11 / 48), (0.5, 1), (1, 1), (2, 1)],
    "exponential": [(math.exp(x), math.exp(x)) for x in XS],
}


@pytest.mark.parametrize("name", sorted({**GOLDEN_MPMATH, **GOLDEN_CLOSED_FORM}))
def test_golden_values(name):
    rows = {**GOLDEN_MPMATH, **GOLDEN_CLOSED_FORM}[name]
    act = actviz.get(name)
    want_f = np.array([r[0] for r in rows], dtype=float)
    want_d = np.array([r[1] for r in rows], dtype=float)
    # 10 significant digits in the table: agreement to 1e-9 relative (plus half a unit
    # of the last printed digit for the 9-digit entries)
    np.testing.assert_allclose(act(XS), want_f, rtol=1e-9, atol=6e-10)
    np.testing.assert_allclose(act.derivative(XS), want_d, rtol=1e-9, atol=6e-10)
    f, d = act.evaluate(XS)
    np.testing.assert_array_equal(f, act(XS))
    np.testing.assert_array_equal(d, act.derivative(XS))


# --- Keras's relu(x, negative_slope, max_value, threshold): keras/src/activations/activations.py

KERAS_X = np.array([-10.0, -5.0, 0.0, 5.0, 10.0])


@pytest.mark.parametrize(
    "params, expected",
    [
        # the Keras 3 docstring's own examples (keras/src/activations/activations.py)
        ({}, [0, 0, 0, 5, 10]),
        ({"negative_slope": 0.5}, [-5, -2.5, 0, 5, 10]),
        ({"max_value": 5}, [0, 0, 0, 5, 5]),
        ({"threshold": 5}, [0, 0, 0, 0, 10]),
    ],
)
def test_keras_relu_docstring_examples(params, expected):
    np.testing.assert_array_equal(actviz.get("relu@keras", **params)(KERAS_X), expected)


def test_keras_relu_below_threshold_is_slope_times_distance():
    # for x <= θ, f(x) = s·(x − θ); the comparison is strict so f(θ) = 0
    act = actviz.get("relu(alpha=0.1, threshold=2)")
    assert act(2.0) == 0.0
    assert act(-3.0) == pytest.approx(0.1 * (-3.0 - 2.0), rel=1e-15)
    assert act(2.5) == 2.5


def test_keras_relu_positive_threshold_jumps():
    # with θ > 0 the function jumps from 0 to θ at x = θ
    act = actviz.get("relu(threshold=1)")
    assert act(1.0) == 0.0
    assert act(np.nextafter(1.0, 2.0)) == np.nextafter(1.0, 2.0)
    assert act.kinks == (1.0,)
    assert act.properties.smoothness == "discontinuous"


def test_keras_relu_negative_threshold_passes_through_without_max_value():
    # θ = −1 without max_value: f(−0.5) = −0.5; with max_value, (θ, 0) is clipped to 0
    assert actviz.get("relu(threshold=-1)")(-0.5) == -0.5
    assert actviz.get("relu(threshold=-1, max_value=3)")(-0.5) == 0.0
    assert actviz.get("relu(threshold=-1, max_value=3)")(7.0) == 3.0
    # passing x through on (θ, 0) makes it decrease at θ (from 0 to θ)
    assert actviz.get("relu(threshold=-1)").properties.monotonic is False
    assert actviz.get("relu(threshold=-1, max_value=3)").properties.monotonic is True


def test_relu_parameters_give_leaky_relu_and_relu6():
    x = np.linspace(-9, 9, 181)
    np.testing.assert_array_equal(actviz.get("relu(alpha=0.1)")(x), actviz.get("leaky_relu(alpha=0.1)")(x))
    np.testing.assert_array_equal(
        actviz.get("relu(alpha=0.1)").derivative(x), actviz.get("leaky_relu(alpha=0.1)").derivative(x)
    )
    np.testing.assert_array_equal(actviz.get("relu(max_value=6)")(x), actviz.get("relu6")(x))
    np.testing.assert_array_equal(
        actviz.get("relu(max_value=6)").derivative(x), actviz.get("relu6").derivative(x)
    )
    assert actviz.get("relu(max_value=6)").kinks == (0.0, 6.0)


def test_relu_kinks_move_with_parameters():
    assert actviz.get("relu").kinks == (0.0,)
    assert actviz.get("relu(threshold=2.5)").kinks == (2.5,)
    assert actviz.get("relu(max_value=3)").kinks == (0.0, 3.0)
    assert actviz.get("relu(threshold=-1, max_value=3, alpha=0.2)").kinks == (-1.0, 0.0, 3.0)
    # θ = −1 with a clip and no slope: 0 on both sides of θ, so no kink there
    assert actviz.get("relu(threshold=-1, max_value=3)").kinks == (0.0, 3.0)
    # θ at or above max_value: constant max_value right of θ, no kink at max_value
    assert actviz.get("relu(threshold=8, max_value=6)").kinks == (8.0,)
    # slope 1 and no threshold or clip is the identity
    assert actviz.get("relu(alpha=1)").kinks == ()
    assert actviz.get("relu(alpha=1)").properties.smoothness == "C∞"


def test_relu_output_range_and_properties_follow_parameters():
    assert str(actviz.get("relu").output_range) == "[0, ∞)"
    assert str(actviz.get("relu(max_value=6)").output_range) == "[0, 6]"
    assert str(actviz.get("relu(alpha=0.1, max_value=6)").output_range) == "(-∞, 6]"
    assert str(actviz.get("relu(threshold=2)").output_range) == "[0, ∞)"
    assert str(actviz.get("relu(threshold=-1)").output_range) == "(-1, ∞)"
    assert str(actviz.get("relu(alpha=-0.5)").output_range) == "[0, ∞)"
    p = actviz.get("relu(alpha=0.1, max_value=6)").properties
    assert (p.monotonic, p.bounded_above, p.bounded_below) == (True, True, False)
    # f(0) = α·(0 − θ) for θ >= 0
    assert actviz.get("relu(alpha=0.1, threshold=2)").properties.zero_centred is False
    assert actviz.get("relu(alpha=0.1, threshold=2)")(0.0) == pytest.approx(-0.2, rel=1e-15)


def test_relu_slope_parameter_spellings():
    # Keras 3 says negative_slope, Keras 2's function alpha: both name the same parameter
    assert actviz.get("relu(negative_slope=0.1)") == actviz.get("relu(alpha=0.1)")
    assert actviz.get("relu@keras2(alpha=0.1)").params["alpha"] == 0.1
    assert actviz.get("relu@keras(negative_slope=0.1)")(-1.0) == pytest.approx(-0.1, rel=1e-15)


@pytest.mark.parametrize("fw", ["torch", "jax", "tf"])
def test_relu_has_no_parameters_in_torch_jax_tf(fw):
    assert actviz.get(f"relu@{fw}").spec == actviz.get(f"relu@{fw}(alpha=0)").spec
    with pytest.raises(actviz.ParameterError, match="fixed at 0 in that framework"):
        actviz.get(f"relu@{fw}(alpha=0.1)")
    with pytest.raises(actviz.ParameterError, match="'max_value' is fixed at none"):
        actviz.get(f"relu@{fw}(max_value=6)")


def test_relu_far_threshold_does_not_overflow_in_between():
    # x − θ leaves the float range at x = −1e308, θ = 1e308, but α·(x − θ) = −1e307 does not
    act = actviz.get("relu(alpha=0.05, threshold=1e308)")
    assert act(-1e308) == pytest.approx(-1e307, rel=1e-15)  # 0.05·(−2e308), closed form


# --- derivative values at kinks, per preset: what each framework's autograd gives ------------

LAM = rectifiers.SELU_LAMBDA
LAM_ALPHA = rectifiers.SELU_LAMBDA_ALPHA

KINK_VALUES = [
    # (spec, x, f'(x)) as autograd gives them in torch 2.13, JAX 0.10.2, TF 2.21 and Keras 3.15.1 on
    # TF. The rules: pytorch/pytorch tools/autograd/derivatives.yaml and
    # aten/src/ATen/native/cpu/Activation.cpp (the x <= 0 branch at 0), jax-ml/jax
    # jax/_src/nn/functions.py (custom JVPs for relu and relu6, jnp.where tests), tensorflow/tensorflow
    # tensorflow/python/ops/nn_grad.py, keras-team/keras keras/src/backend/tensorflow/nn.py.
    # test_against_pytorch_when_installed checks the torch rows against torch itself.
    ("relu", 0.0, 0.0),
    ("relu@torch", 0.0, 0.0),
    ("relu@jax", 0.0, 0.0),
    ("relu@tf", 0.0, 0.0),
    ("relu@keras", 0.0, 0.0),
    ("relu@keras2", 0.0, 0.0),
    ("relu6", 0.0, 0.0),
    ("relu6", 6.0, 0.0),
    ("relu6@jax", 6.0, 0.0),
    ("relu6@tf", 6.0, 0.0),
    ("relu6@keras", 6.0, 0.0),
    ("leaky_relu", 0.0, 0.01),
    ("leaky_relu@torch", 0.0, 0.01),
    ("leaky_relu@jax", 0.0, 1.0),  # jnp.where(x >= 0, x, s·x)
    ("leaky_relu@tf", 0.0, 0.2),
    ("leaky_relu@keras", 0.0, 0.2),
    ("leaky_relu@keras2", 0.0, 0.3),
    ("prelu", 0.0, 0.25),
    ("prelu@torch", 0.0, 0.25),
    ("prelu@keras", 0.0, 0.0),
    # the Keras layer is relu(x) − α·relu(−x): relu'(0) = 0 whatever α is
    ("prelu@keras(alpha=0.25)", 0.0, 0.0),
    ("rrelu", 0.0, 11 / 48),
    ("elu", 0.0, 1.0),
    ("elu(alpha=0.5)", 0.0, 0.5),
    ("elu@jax(alpha=0.5)", 0.0, 0.5),
    ("elu@keras(alpha=0.5)", 0.0, 0.5),
    ("elu@keras2(alpha=0.5)", 0.0, 0.5),
    ("elu@tf", 0.0, 1.0),
    ("selu", 0.0, LAM_ALPHA),
    ("selu@torch", 0.0, LAM_ALPHA),
    ("selu@jax", 0.0, LAM_ALPHA),
    ("selu@tf", 0.0, LAM),  # TF's SeluGrad tests the output < 0
    ("selu@keras", 0.0, LAM),
    ("selu@keras2", 0.0, LAM),
    ("celu", 0.0, 1.0),
    ("celu(alpha=0.3)", 0.0, 1.0),
    ("celu@torch", 0.0, 1.0),
    # torch 2.13.0 float64 autograd, measured: 0.9999999602635717 = 0.3/float32(0.3), because
    # the backward takes 1.0/alpha.toFloat() (tools/autograd/derivatives.yaml)
    ("celu@torch(alpha=0.3)", 0.0, 0.9999999602635717),
    ("celu@jax", 0.0, 1.0),  # max(x, 0) + α·expm1(min(x, 0)/α): max and min split the tie ½ + ½
    ("celu@keras", 0.0, 2.0),  # the same form on TF: tf.maximum and tf.minimum each pass 1 on a tie
    ("celu@keras(alpha=0.3)", 0.0, 2.0),
    ("sparse_plus@jax", -1.0, 0.0),
    ("sparse_plus@jax", 1.0, 1.0),
    ("sparse_plus@keras", -1.0, 0.0),
    ("sparse_plus@keras", 1.0, 1.0),
    # Keras relu with parameters, on its default TensorFlow backend: tf.clip_by_value passes 1 at
    # its bounds (tensorflow/tensorflow tensorflow/python/ops/math_grad.py, ties go to x)
    ("relu@keras(max_value=5)", 5.0, 1.0),
    ("relu@keras(max_value=6)", 6.0, 0.0),  # max_value 6 takes the tf.nn.relu6 path
    ("relu@keras(threshold=2)", 2.0, 0.0),
    ("relu@keras(negative_slope=0.1)", 0.0, 0.1),
    ("relu@keras2(alpha=0.1)", 0.0, 0.1),
]


@pytest.mark.parametrize("spec, x, want", KINK_VALUES)
def test_kink_derivative_values(spec, x, want):
    act = actviz.get(spec)
    assert act.derivative(x) == want
    assert act.evaluate(np.array([x]))[1][0] == want
    if x in act.kinks:
        assert act.kink_derivatives()[x] == want


def test_canonical_relu_with_parameters_follows_pytorch_conventions():
    # PyTorch's leaky_relu: f'(0) = slope; relu6/hardtanh: 0 at the clip points
    assert actviz.get("relu(alpha=0.1)").derivative(0.0) == 0.1
    assert actviz.get("relu(max_value=5)").kink_derivatives() == {0.0: 0.0, 5.0: 0.0}
    # Keras on TF: the leaky path is taken only without max_value and threshold; otherwise
    # relu'(0) = 0 and clip_by_value passes 1 at its bounds (including the lower bound 0)
    assert actviz.get("relu@keras(alpha=0.1, max_value=5)").kink_derivatives() == {0.0: 0.0, 5.0: 1.0}
    assert actviz.get("relu@keras(alpha=0.1, threshold=-1, max_value=3)").kink_derivatives() == {
        -1.0: 0.0,
        0.0: 1.0,
        3.0: 1.0,
    }


def test_kink_conventions_away_from_kinks_are_untouched():
    # a preset's kink value replaces f' only at the kink itself
    x = np.array([-1e-300, 1e-300])
    np.testing.assert_array_equal(actviz.get("selu@tf").derivative(x), actviz.get("selu").derivative(x))
    np.testing.assert_array_equal(actviz.get("celu@keras").derivative(x), [1.0, 1.0])


# Each spec against the PyTorch call it names (float64, autograd for f').
TORCH_CALLS = {
    "relu": lambda F, x: F.relu(x),
    "relu6": lambda F, x: F.relu6(x),
    "leaky_relu": lambda F, x: F.leaky_relu(x),
    "prelu": lambda F, x: F.prelu(x, x.new_tensor([0.25])),
    "rrelu": lambda F, x: F.rrelu(x),
    "elu(alpha=0.5)": lambda F, x: F.elu(x, 0.5),
    "selu": lambda F, x: F.selu(x),
    "celu@torch": lambda F, x: F.celu(x),
    "softplus@torch": lambda F, x: F.softplus(x),
    "softplus@torch(beta=2)": lambda F, x: F.softplus(x, beta=2.0),
}


@pytest.mark.parametrize("spec", sorted(TORCH_CALLS))
def test_against_pytorch_when_installed(spec):
    torch = pytest.importorskip("torch")
    x = np.array([-700.0, -40.0, -3.0, -1.0, -0.5, -1e-300, 0.0, 1e-300, 0.5, 1.0, 3.0, 6.0, 10.0,
                  20.0, np.nextafter(20.0, 21.0), 40.0, 700.0])
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = TORCH_CALLS[spec](torch.nn.functional, xt)
    y.sum().backward()
    act = actviz.get(spec)
    # PyTorch's float64 kernels are within a few ULP here; kink values match exactly
    np.testing.assert_allclose(act(x), y.detach().numpy(), rtol=1e-15, atol=0)
    np.testing.assert_allclose(act.derivative(x), xt.grad.numpy(), rtol=1e-15, atol=0)
    if 0.0 in act.kinks:
        got, want = act.derivative(0.0), float(xt.grad.numpy()[x == 0.0][0])
        if spec == "selu":  # PyTorch multiplies the rounded λ and α (selu@torch's note)
            assert want == LAM * rectifiers.SELU_ALPHA and got == np.nextafter(want, 2.0)
        else:
            assert got == want


# --- SELU ---------------------------------------------------------------------------------------


def test_selu_constants_are_the_reference_digits():
    # λ and α of Klambauer et al. 2017 (arXiv 1706.02515, eq. 14) as torch, JAX, Keras and TF write
    # them, and λα (mpmath, 40 digits: tests/golden/make_golden.py)
    assert rectifiers.SELU_LAMBDA == float(mp.mpf("1.0507009873554804934193349852946"))
    assert rectifiers.SELU_ALPHA == float(mp.mpf("1.6732632423543772848170429916717"))
    assert rectifiers.SELU_LAMBDA_ALPHA == float(mp.mpf("1.7580993408473768599402175208"))
    with mp.workdps(40):
        product = mp.mpf("1.0507009873554804934193349852946") * mp.mpf("1.6732632423543772848170429916717")
        assert abs(product - mp.mpf("1.7580993408473768599402175208")) < mp.mpf("1e-28")


def test_selu_constants_give_the_self_normalising_fixed_point():
    # Klambauer et al. 2017: for z ~ N(0, 1), E[selu(z)] = 0 and E[selu(z)²] = 1; the 31-digit
    # constants satisfy both to about 1e-30 (mpmath quadrature, 40 digits)
    with mp.workdps(40):
        lam = mp.mpf("1.0507009873554804934193349852946")
        alpha = mp.mpf("1.6732632423543772848170429916717")
        pdf = mp.npdf

        def neg(z):
            return lam * alpha * mp.expm1(z)

        mean = mp.quad(lambda z: neg(z) * pdf(z), [-mp.inf, 0]) + mp.quad(lambda z: lam * z * pdf(z), [0, mp.inf])
        second = mp.quad(lambda z: neg(z) ** 2 * pdf(z), [-mp.inf, 0]) + mp.quad(
            lambda z: (lam * z) ** 2 * pdf(z), [0, mp.inf]
        )
        assert abs(mean) < mp.mpf("1e-25")
        assert abs(second - 1) < mp.mpf("1e-25")


def test_selu_lower_bound():
    act = actviz.get("selu")
    # the limit at −∞ is λ·α·(e^−∞ − 1) = −λα = −1.7580993…
    assert act(-np.inf) == -LAM_ALPHA
    assert act(-1e308) == -LAM_ALPHA
    assert act.output_range.low == -LAM_ALPHA and not act.output_range.low_closed
    assert act(-30.0) > -LAM_ALPHA  # e^-30 = 9e-14 is still visible next to λα
    assert act(1e308) == pytest.approx(LAM * 1e308, rel=1e-15)


# --- accuracy against mpmath ---------------------------------------------------------------------


def _sweep_points():
    rng = np.random.default_rng(20240611)
    tails = np.linspace(-700.0, 700.0, 141)
    near0 = np.logspace(-300, 0, 30)
    middle = rng.uniform(-40.0, 40.0, 60)
    return np.unique(np.concatenate([tails, near0, -near0, middle, [-36.7, -34.5, 18.3, 20.5, 0.0]]))


SWEEP = _sweep_points()

# The records of this module's families: the rectifiers, the identity and the exponential.
FAMILIES = ("rectifier", "linear", "exponential")

# The accuracy contract (checks.ulps; actviz.analysis.accuracy.TOLERANCE): forward within 4 ULP,
# f' within 8 ULP of mpmath (60 digits) over [-700, 700], for the defaults and each declared sample.
ULP_SPECS = declared_specs(
    lambda rec: rec.family in FAMILIES and rec.checks.ulps is not None, presets=False
)


@pytest.mark.parametrize("spec", ULP_SPECS)
def test_ulp_accuracy_against_mpmath(spec):
    act = actviz.get(spec)
    forward_ulp, derivative_ulp = act.record.checks.ulps
    ref_f, ref_d = mp_values(act.record.mp_reference, SWEEP, **act.params)
    err_f = ulp_error(act(SWEEP), ref_f)
    err_d = ulp_error(act.derivative(SWEEP), ref_d)
    assert err_f.max() <= forward_ulp, (SWEEP[err_f.argmax()], err_f.max())
    assert err_d.max() <= derivative_ulp, (SWEEP[err_d.argmax()], err_d.max())
    f, d = act.evaluate(SWEEP)
    assert ulp_error(f, ref_f).max() <= forward_ulp
    assert ulp_error(d, ref_d).max() <= derivative_ulp


def test_the_sweep_would_catch_the_naive_forms():
    # the traps the stable forms avoid, at one tail point: exp(x/α) with x/α rounded, and
    # softplus through the rounded βx, are tens to hundreds of ULP off (mpmath, 60 digits)
    x = np.array([-200.0])
    with mp.workdps(60):
        exp_ref = [mp.exp(mp.mpf(-200.0) / mp.mpf(0.3))]
        sp_ref = [mp.log1p(mp.exp(mp.mpf(0.7) * mp.mpf(-200.0))) / mp.mpf(0.7)]
    assert ulp_error(np.exp(x / 0.3), exp_ref).max() > 100
    assert ulp_error(actviz.get("celu(alpha=0.3)").derivative(x), exp_ref).max() <= 8
    assert ulp_error(np.log1p(np.exp(0.7 * x)) / 0.7, sp_ref).max() > 20
    assert ulp_error(actviz.get("softplus(beta=0.7)")(x), sp_ref).max() <= 4


def test_second_derivatives_against_closed_forms():
    x = np.array([-30.0, -2.0, -0.25, 0.25, 3.0, 40.0])
    e = np.exp(-0.7 * np.abs(x))  # β·σ'(βx) = β·e^-|βx|/(1 + e^-|βx|)²
    np.testing.assert_allclose(actviz.get("softplus(beta=0.7)").derivative(x, 2), 0.7 * e / (1 + e) ** 2, rtol=1e-13)
    np.testing.assert_allclose(
        actviz.get("squareplus(b=2)").derivative(x, 2), 2 / (2 * (x * x + 2) ** 1.5), rtol=1e-13
    )
    neg = x < 0
    np.testing.assert_allclose(
        actviz.get("celu(alpha=0.5)").derivative(x, 2), np.where(neg, np.exp(x / 0.5) / 0.5, 0), rtol=1e-13
    )
    np.testing.assert_allclose(
        actviz.get("selu").derivative(x, 2), np.where(neg, LAM_ALPHA * np.exp(x), 0), rtol=1e-14
    )


# --- softplus's switches --------------------------------------------------------------------------


def test_softplus_is_exact_by_default_and_torch_switches_at_its_threshold():
    exact, torch_like = actviz.get("softplus"), actviz.get("softplus@torch")
    assert torch_like.params["threshold"] == 20.0
    above = np.nextafter(20.0, 21.0)
    assert torch_like(above) == above  # βx > 20: x
    assert torch_like.derivative(above) == 1.0
    # at βx = 20 itself PyTorch keeps the log branch (the test is strict)
    assert torch_like(20.0) == exact(20.0)
    assert torch_like.derivative(20.0) == exact.derivative(20.0)
    # the jump PyTorch leaves: ln(1 + e^20) − 20 = log1p(e^-20) ≈ 2.0611536e-9 (closed form)
    assert exact(above) - above == pytest.approx(math.log1p(math.exp(-20.0)), rel=1e-6)
    assert torch_like.kinks == (20.0,)
    assert torch_like.properties.monotonic is False  # the switch drops f by 2e-9


def test_softplus_threshold_scales_with_beta():
    act = actviz.get("softplus(beta=2, threshold=20)")
    assert act.kinks == (10.0,)
    assert act(10.5) == 10.5
    assert act(10.0) == pytest.approx(math.log1p(math.exp(20.0)) / 2, rel=1e-15)


def test_softplus_tf_reproduces_the_kernel_switch_points():
    # tensorflow/core/kernels/softplus_op.h: threshold = log(ε) + 2 with ε = 2^-52 for float64;
    # x > −threshold gives x, x < threshold gives e^x
    with mp.workdps(50):
        switch = float(-(mp.log(mp.mpf(2) ** -52) + 2))
    assert rectifiers.TF_SOFTPLUS_SWITCH == switch == 34.04365338911715
    tf_sp, exact = actviz.get("softplus@tf"), actviz.get("softplus")
    assert tf_sp.kinks == (-switch, switch)
    assert tf_sp(np.nextafter(switch, 40.0)) == np.nextafter(switch, 40.0)
    below = np.nextafter(-switch, -40.0)
    assert tf_sp(below) == math.exp(below)
    assert tf_sp(below) != exact(below)  # e^x is a few ULP above ln(1 + e^x) there
    assert tf_sp(-30.0) == exact(-30.0)
    # the gradient op is 1/(e^-x + 1) everywhere, ignoring the switch
    assert tf_sp.derivative(35.0) == exact.derivative(35.0) < 1.0
    assert actviz.get("softplus@keras")(below) == tf_sp(below)
    assert actviz.get("softplus@jax")(below) == exact(below)


# --- other closed-form facts -----------------------------------------------------------------------


def test_squareplus_identities():
    x = np.array([-1e300, -1e10, -3.0, -0.1, 0.0, 0.1, 3.0, 1e10, 1e300])
    for b in (0.5, 4.0, 9.0):
        act = actviz.get("squareplus", b=b)
        assert act(0.0) == pytest.approx(math.sqrt(b) / 2, rel=1e-15)
        # (x + r)(−x + r) = b: f(x)·f(−x) = b/4 (closed form)
        np.testing.assert_allclose(act(x) * act(-x), b / 4, rtol=4e-16 * 4)
    # b = 0 is relu, with relu's f'(0) = 0
    np.testing.assert_array_equal(actviz.get("squareplus(b=0)")(x), np.maximum(x, 0))
    assert actviz.get("squareplus(b=0)").derivative(0.0) == 0.0
    assert actviz.get("squareplus(b=0)").kinks == (0.0,)
    # far left it is b/(4|x|): 1/1e300 at b = 4, no overflow in x² or x + r
    assert actviz.get("squareplus")(-1e300) == pytest.approx(1e-300, rel=1e-15)


def test_sparse_plus_derivative_is_sparse_sigmoid():
    # closed forms: sparse_plus' = (x + 1)/2 on (−1, 1), 0 left, 1 right, which is sparse_sigmoid
    x = np.linspace(-3, 3, 121)
    np.testing.assert_array_equal(actviz.get("sparse_plus").derivative(x), actviz.get("sparse_sigmoid")(x))


def test_celu_scaling_and_elu_agreement():
    x = np.linspace(-20, 5, 251)
    # celu(x; α) = α·celu(x/α; 1) (definition), and celu(α=1) = elu(α=1)
    np.testing.assert_allclose(
        actviz.get("celu(alpha=0.5)")(x), 0.5 * actviz.get("celu")(x / 0.5), rtol=1e-15, atol=1e-300
    )
    np.testing.assert_array_equal(actviz.get("celu")(x), actviz.get("elu")(x))
    assert str(actviz.get("celu(alpha=0.5)").output_range) == "(-0.5, ∞)"
    assert actviz.get("elu(alpha=2)").properties.smoothness == "C0"
    assert actviz.get("elu").properties.smoothness == "C1"


def test_exponential_overflows_only_where_the_truth_does():
    act = actviz.get("exponential")
    assert math.isfinite(act(709.78))
    assert act(709.79) == math.inf  # e^709.79 > max float (1.797e308 = e^709.7827)
    assert act(-745.2) == 0.0 or act(-745.2) == 5e-324


def test_identity_returns_a_copy():
    x = np.array([1.0, -2.0])
    y = actviz.get("linear")(x)
    y[0] = 9.0
    assert x[0] == 1.0


def test_rrelu_uses_the_eval_mode_mean_slope():
    assert actviz.get("rrelu").derivative(-1.0) == 11 / 48
    assert actviz.get("rrelu(lower=0.1, upper=0.3)")(-2.0) == pytest.approx(-0.4, rel=1e-15)
    assert actviz.get("rrelu(lower=0.2, upper=0.2)")(-1.0) == -0.2


def test_presets_keep_their_documented_defaults():
    assert actviz.get("prelu").params["alpha"] == 0.25
    # Keras 2 and 3 start PReLU at alpha = 0 (alpha_initializer zeros: keras-team/keras
    # keras/src/layers/activations/prelu.py, keras-team/tf-keras tf_keras/layers/activation/prelu.py)
    assert actviz.get("prelu@keras").params["alpha"] == 0.0
    assert actviz.get("prelu@keras2").params["alpha"] == 0.0
    assert actviz.get("prelu(weight=0.1)") == actviz.get("prelu(alpha=0.1)")
    with pytest.raises(actviz.ParameterError, match="'alpha' is fixed at 1"):
        actviz.get("elu@tf(alpha=2)")
    with pytest.raises(actviz.PresetError, match="rrelu@torch"):
        actviz.get("rrelu@jax")
    with pytest.raises(actviz.PresetError, match="celu@torch, celu@keras, celu@jax"):
        actviz.get("celu@tf")


# --- parameter errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec, message",
    [
        ("softplus(beta=0)", "softplus: parameter 'beta' must be in (0, ∞), not 0"),
        ("softplus(beta=-1)", "softplus: parameter 'beta' must be in (0, ∞), not -1"),
        ("softplus(beta=1e-310)", "softplus: beta must be at least 1e-300, not 1e-310 (ln 2/beta would overflow)"),
        ("rrelu(lower=0.5, upper=0.25)", "rrelu: lower must not exceed upper (got lower=0.5, upper=0.25)"),
        ("squareplus(b=-1)", "squareplus: parameter 'b' must be in [0, ∞), not -1"),
        ("celu(alpha=0)", "celu: parameter 'alpha' must be in (0, ∞), not 0"),
        ("elu(alpha=-1)", "elu: parameter 'alpha' must be in [0, ∞), not -1"),
        ("relu(max_value=-1)", "relu: parameter 'max_value' must be in [0, ∞), or none, not -1"),
        ("relu(max_value=abc)", "relu: parameter 'max_value' must be a number, not 'abc'"),
        ("relu(slope=1)", "relu has no parameter 'slope' (its parameters: alpha, max_value, threshold)"),
        ("selu(alpha=1)", "selu has no parameter 'alpha' (its parameters: none)"),
    ],
)
def test_parameter_errors(spec, message):
    with pytest.raises(actviz.ParameterError) as err:
        actviz.get(spec)
    assert str(err.value) == message


def test_optional_parameters_read_back():
    act = actviz.get("softplus(threshold=none)")
    assert act.params["threshold"] is None
    assert actviz.get(actviz.get("relu(max_value=6, alpha=0.1)").spec) == actviz.get("relu(alpha=0.1, max_value=6)")


# --- Hypothesis properties -------------------------------------------------------------------------

# every record of these families at its defaults, its declared samples and its presets
PROPERTY_SPECS = declared_specs(lambda rec: rec.family in FAMILIES)
FLOATS = st.floats(-1e300, 1e300, allow_nan=False)


def _inside(values, interval):
    return np.all((values >= interval.low) & (values <= interval.high))


@pytest.mark.parametrize("spec", PROPERTY_SPECS)
@settings(max_examples=40, deadline=None)
@given(xs=st.lists(FLOATS, min_size=2, max_size=40))
def test_outputs_stay_in_the_output_range(spec, xs):
    act = actviz.get(spec)
    assert _inside(act(np.array(xs)), act.output_range), act.output_range


@pytest.mark.parametrize("spec", [s for s in PROPERTY_SPECS if actviz.get(s).properties.monotonic])
@settings(max_examples=40, deadline=None)
@given(xs=st.lists(FLOATS, min_size=2, max_size=40))
def test_monotone_entries_are_monotone_on_sorted_input(spec, xs):
    act = actviz.get(spec)
    x = np.sort(np.array(xs))
    f = act(x)
    # non-decreasing to within the 4-ULP accuracy contract: a function that is not correctly
    # rounded steps back an ULP here and there where it rises by less than an ULP per input
    # step (softplus near 0.35, where log1p(e^-x) is as large as x), or where two formulas meet
    # (squareplus at 0)
    slack = 4 * np.spacing(np.abs(f[:-1]))  # NaN at inf, where the exact test decides
    assert np.all((f[1:] >= f[:-1]) | (f[1:] >= f[:-1] - slack))
    assert np.all(act.derivative(x) >= 0)


@settings(max_examples=80, deadline=None)
@given(
    alpha=st.floats(-2, 2),
    max_value=st.none() | st.floats(0, 10),
    threshold=st.floats(-5, 5),
    xs=st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=30),
)
def test_relu_properties_hold_for_any_keras_parameters(alpha, max_value, threshold, xs):
    act = actviz.get("relu", alpha=alpha, max_value=max_value, threshold=threshold)
    x = np.sort(np.concatenate([xs, act.kinks, [threshold - 1e-9, threshold + 1e-9, 0.0]]))
    f = act(x)
    assert _inside(f, act.output_range)
    if act.properties.monotonic:
        assert np.all(np.diff(f) >= 0)
    assert (act(0.0) == 0) == act.properties.zero_centred
    if act.properties.bounded_above:
        assert math.isfinite(act(1e300)) and math.isfinite(act.output_range.high)
    if act.properties.bounded_below:
        assert math.isfinite(act(-1e300)) and math.isfinite(act.output_range.low)


# -- formulas that fit the parameters --------------------------------------------------------

# settings that reach every branch of relu's formula: defaults, leaky, capped, threshold, and
# the thresholds left of 0, inside (0, max_value) and beyond max_value; max_value 0
RELU_SETTINGS = [
    {},
    {"alpha": 0.1},
    {"max_value": 6.0},
    {"threshold": 1.0},
    {"alpha": 0.1, "threshold": 1.0},
    {"alpha": 0.1, "max_value": 6.0},
    {"alpha": -0.5, "max_value": 6.0, "threshold": 2.0},
    {"alpha": 0.2, "max_value": 6.0, "threshold": -1.0},
    {"max_value": 6.0, "threshold": -1.0},
    {"max_value": 6.0, "threshold": 7.0},
    {"alpha": 0.3, "max_value": 6.0, "threshold": 6.0},
    {"max_value": 0.0},
    {"alpha": 0.1, "max_value": 0.0, "threshold": -1.0},
]


def _evaluate_text(formula: str, x: float, params: dict) -> float:
    """A text formula ("f(x) = a if c else b", "f(x) = a if c, b if d") evaluated as Python:
    a check that the words shown are the function computed, not only that they parse."""
    rhs = formula.split(" = ", 1)[1].replace("·", "*").replace("σ", "sigma")
    if " if " in rhs and " else " not in rhs:  # pieces: "v1 if c1, v2 if c2, ..."
        pieces = [p.split(" if ") for p in rhs.split(", ")]
        rhs = " else ".join(f"({v}) if ({c})" for v, c in pieces) + " else nan"
    names = {"x": x, "max": max, "min": min, "ln": math.log, "exp": math.exp, "nan": math.nan,
             "sigma": lambda z: 1 / (1 + math.exp(-z)), **params}
    return float(eval(rhs, {"__builtins__": {}}, names))  # noqa: S307 (our own formula text)


@pytest.mark.parametrize("params", RELU_SETTINGS, ids=str)
def test_relu_formula_text_is_the_function_for_these_parameters(params):
    act = actviz.get("relu", **params)
    # the kinks, both sides of them, and points between
    xs = sorted({*act.kinks, *(k + d for k in act.kinks for d in (-0.25, 0.25)), -3.0, -0.5, 0.0, 0.5, 3.0, 9.0})
    for x in xs:
        assert _evaluate_text(act.formula_text, x, act.params) == pytest.approx(float(act(x))), (x, act.formula_text)
        assert _evaluate_text(act.derivative_text, x, act.params) == pytest.approx(
            float(act.derivative(x))), (x, act.derivative_text)


@pytest.mark.parametrize(
    "params, formula, derivative",
    [
        ({}, "f(x) = max(x, 0)", "f'(x) = 1 if x > 0 else 0"),
        ({"alpha": 0.1}, "f(x) = x if x > 0 else alpha·x", "f'(x) = 1 if x > 0 else alpha"),
        ({"max_value": 6.0}, "f(x) = min(max(x, 0), max_value)", "f'(x) = 1 if 0 < x < max_value else 0"),
        ({"threshold": 1.0}, "f(x) = x if x > threshold else 0", "f'(x) = 1 if x > threshold else 0"),
    ],
)
def test_relu_formulas_show_only_the_cases_the_parameters_leave(params, formula, derivative):
    act = actviz.get("relu", **params)
    assert (act.formula_text, act.derivative_text) == (formula, derivative)
    assert describe(act)["formula"]["text"] == formula
    if not params:
        assert act.formula_tex == r"f(x) = \max(x, 0)"
    if "max_value" not in params:
        assert "clipped" not in act.formula_tex and "max_value" not in act.formula_text
    if params.get("threshold", 0) == 0:
        assert r"\theta" not in act.formula_tex + act.derivative_tex


def test_relu_record_keeps_its_general_formula():
    # the record (catalogue, gallery) shows every case; only the bound activation narrows it
    rec = actviz.lookup("relu")
    assert isinstance(rec.formula_text, str) and "max_value" in rec.formula_text
    assert "clipped" in rec.formula_tex


@pytest.mark.parametrize(
    "spec, switch",
    [("softplus", None), ("softplus@torch", "20"), ("softplus(beta=2, threshold=-3.5)", "-3.5"),
     ("softplus@jax", None)],
)
def test_softplus_formula_shows_the_threshold_switch_when_set(spec, switch):
    act = actviz.get(spec)
    if switch is None:
        assert "threshold" not in act.formula_text and "if" not in act.formula_text
    else:
        assert f"beta·x > {switch}" in act.formula_text and rf"\beta x > {switch}" in act.formula_tex
        assert f"beta·x > {switch}" in act.derivative_text
    for x in (-30.0, -2.0, -1.75, 0.0, 1.5, 9.999, 10.0, 10.001, 25.0):
        assert _evaluate_text(act.formula_text, x, act.params) == pytest.approx(float(act(x)), rel=1e-12)
        # the derivative text after "σ(beta·x) = " is the same function
        d_text = act.derivative_text.replace("σ(beta·x) = ", "")
        assert _evaluate_text(d_text, x, act.params) == pytest.approx(float(act.derivative(x)), rel=1e-12)


def test_softplus_tf_preset_formula_still_wins():
    # a preset that defines the function differently keeps its own formula
    act = actviz.get("softplus@tf")
    assert act.formula_text == act.variant.formulas[1]


@pytest.mark.parametrize(
    "spec",
    [actviz.get("relu", **p).spec for p in RELU_SETTINGS]
    + ["softplus@torch", "softplus(beta=0.5, threshold=1e300)", "softplus(threshold=-20)", "relu@keras"],
)
def test_resolved_formulas_are_valid_mathtext(spec):
    from matplotlib.mathtext import MathTextParser

    act = actviz.get(spec)
    parser = MathTextParser("path")
    for tex in (act.formula_tex, act.derivative_tex):
        parser.parse(f"${tex}$")
