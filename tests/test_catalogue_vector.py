"""The vector activations: act(z) and act.jacobian(z) along an axis, and the one-dimensional
slice act.slice.

The registry-wide properties (tests/test_registry_properties.py) already run on the slice;
these tests cover what only vector records have, and tie the slice to the vector form.
"""

import math
import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import actviz
from actviz.analysis.ulp import mp_values, ulp_error
from actviz.render.describe import describe

SIMPLEX = ("softmax", "softmin", "sparsemax")
SOFTMAX_FAMILY = ("softmax", "log_softmax", "softmin")
VECTOR = tuple(r.name for r in actviz.records() if r.vector is not None)
_BIG = float(np.finfo(np.float64).max)
SLICE_PARAMS = [{}, {"classes": 10}, {"classes": 3, "others": 1.7}, {"classes": 1000, "others": -3.3}]


def rng(seed=20240611):
    """A fresh generator per test, so that a test's data does not depend on which ran before."""
    return np.random.default_rng(seed)


class quiet:
    """Fail on any floating-point warning (underflow to 0 is the true result, so allowed)."""

    def __enter__(self):
        self._w = warnings.catch_warnings()
        self._w.__enter__()
        warnings.simplefilter("error")
        self._e = np.errstate(all="raise", under="ignore")
        self._e.__enter__()

    def __exit__(self, *exc):
        self._e.__exit__(*exc)
        self._w.__exit__(*exc)


def mp_softmax_row(row):
    import mpmath as mp

    es = [mp.exp(mp.mpf(float(v))) for v in row]
    total = mp.fsum(es)
    return [e / total for e in es]


def simplex_projection(z):
    """Sparsemax by bisection on τ in Σ max(z - τ, 0) = 1: independent of the sort-based algorithm."""
    zs = [Fraction(float(v)) for v in z]
    lo, hi = min(zs) - 1, max(zs)
    for _ in range(200):
        mid = (lo + hi) / 2
        if sum(max(v - mid, 0) for v in zs) > 1:
            lo = mid
        else:
            hi = mid
    # the support is now known; τ follows exactly from it
    support = [v for v in zs if v > hi]
    tau = (sum(support) - 1) / len(support)
    return np.array([float(max(v - tau, 0)) for v in zs])


def finite_difference_jacobian(act, z, h=1e-6):
    """Central differences of act(z) along the last axis: column j is (f(z + h e_j) - f(z - h e_j)) / 2h."""
    z = np.asarray(z, dtype=np.float64)
    cols = []
    for j in range(z.shape[-1]):
        step = np.zeros_like(z)
        step[..., j] = h
        cols.append((act(z + step) - act(z - step)) / (2 * h))
    return np.stack(cols, axis=-1)


# --- calling a vector activation, and its slice ----------------------------------------------------


@pytest.mark.parametrize("name", ("softmax", "softmin"))
def test_calling_a_softmax_is_the_function_along_the_axis(name):
    act = actviz.get(name)
    p = act([1, 2, 3])
    np.testing.assert_allclose(p.sum(), 1.0, rtol=0, atol=2.3e-16)
    sign = -1.0 if name == "softmin" else 1.0
    e = np.exp(sign * np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(p, e / e.sum(), rtol=4e-16)
    z = rng().normal(0, 3, (5, 4))
    np.testing.assert_allclose(act(z, axis=0).sum(axis=0), 1.0, rtol=0, atol=4 * 2.3e-16)
    np.testing.assert_allclose(act(z).sum(axis=-1), 1.0, rtol=0, atol=4 * 2.3e-16)
    # the slice is not the function: with two classes it is σ(±x) at each entry, not a distribution
    np.testing.assert_array_equal(act.slice([1, 2, 3]), actviz.get("sigmoid")(sign * np.array([1.0, 2.0, 3.0])))


def test_calling_glu_and_maxout_is_the_frameworks_formula():
    z = np.array([[0.5, -1.0, 2.0, 3.0, -0.25, 1.5], [-2.0, 0.0, 4.0, -1.0, 0.75, -3.0]])
    # torch.nn.functional.glu(z, dim=-1): first half a, second half the gate b, a·σ(b)
    a, b = z[:, :3], z[:, 3:]
    np.testing.assert_allclose(actviz.get("glu")(z), a / (1 + np.exp(-b)), rtol=4e-16)
    # Paddle maxout(groups=3) / TF1 maxout(num_units=2): the max of each consecutive group of 3
    three = actviz.get("maxout(slopes=(0, 0, 0), intercepts=(0, 0, 0))")
    np.testing.assert_array_equal(three(z), z.reshape(2, 2, 3).max(axis=-1))
    np.testing.assert_array_equal(three(z), [[2.0, 3.0], [4.0, 0.75]])


# get(spec)(x) and .derivative(x) as the slice answered them when a call was the slice
# (mpmath agrees within 4 and 8 ULP: test_slice_ulp_error_against_mpmath)
OLD_SLICE_X = [-2.5, 0.0, 0.75, 3.0]
OLD_SLICE = {
    "softmax(classes=3, others=0.5)": (
        [0.024288897679263205, 0.23269653761889864, 0.39099131515943186, 0.8589810786775898],
        [0.023698947128789484, 0.17854885899907516, 0.23811710662932967, 0.12113258515147401],
    ),
    "log_softmax(classes=4, others=-1)": (
        [-2.67035298679863, -0.7436683806286791, -0.41957958218437996, -0.0534904497059335],
        [0.930772215498069, 0.5246331135813284, 0.34267688792117107, 0.0520850061724844],
    ),
    "softmin(classes=5, others=0.25)": (
        [0.7963613010932664, 0.24300137024939306, 0.13166756166786706, 0.015730560036989777],
        [-0.16216997921430626, -0.18395170430631042, -0.11433121487230548, -0.01548310951791244],
    ),
    "sparsemax(classes=3, others=0.5)": ([0.0, 0.0, 0.5, 1.0], [0.0, 0.0, 0.6666666666666666, 0.0]),
    "glu(a=-1.5)": (
        [-0.11378727003186534, -0.75, -1.0187680487630895, -1.42886119023365],
        [-0.10515557481766227, -0.375, -0.326842490642721, -0.06776498959636822],
    ),
    "maxout(slopes=(-1, 0.5), intercepts=(0, 2))": ([2.5, 2.0, 2.375, 3.5], [-1.0, 0.5, 0.5, 0.5]),
}


@pytest.mark.parametrize("spec", OLD_SLICE)
def test_the_slice_gives_the_values_a_call_gave_before(spec):
    # the values are the numpy path's (the reference); the compiled one (the fast extra) is
    # held to the same ULPs against mpmath elsewhere, and may differ from these in the last bit
    from actviz.numerics import fast

    act = actviz.get(spec)
    f, d = OLD_SLICE[spec]
    with fast.using(False):
        np.testing.assert_array_equal(act.slice(OLD_SLICE_X), f)
        np.testing.assert_array_equal(act.slice.derivative(OLD_SLICE_X), d)
        np.testing.assert_array_equal(act.slice.evaluate(OLD_SLICE_X), (f, d))


@pytest.mark.parametrize("name", VECTOR)
def test_the_slice_is_an_elementwise_view_of_the_same_spec(name):
    act = actviz.get(name)
    view = act.slice
    assert act.elementwise is view and view.elementwise is view
    assert (view.name, view.spec, view.label, view.params) == (act.name, act.spec, act.label, act.params)
    assert view.kinks == act.kinks and actviz.describe(view) == actviz.describe(act) and view.is_vector
    assert view != act and repr(view) == repr(act) + ".slice"
    # parameters changed on the view keep it a view
    key = act.record.params[0].name
    changed = actviz.get(view, **{key: act.params[key]})
    assert changed == view and changed is not view
    # the vector activation has no elementwise derivative: the message points to both faces
    for method in (act.derivative, act.numeric_derivative, act.evaluate):
        with pytest.raises(actviz.UsageError, match=r"\.jacobian\(z\).*\.slice"):
            method(np.zeros(4))


def test_a_scalar_activation_is_its_own_elementwise_view():
    act = actviz.get("tanh")
    assert act.elementwise is act and not hasattr(act, "slice")
    np.testing.assert_array_equal(act.jacobian(np.array([0.0, 1.0])), np.diag(act.derivative(np.array([0.0, 1.0]))))


# --- act(z): values -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SOFTMAX_FAMILY)
def test_softmax_family_apply_matches_mpmath_on_random_arrays(name):
    import mpmath as mp

    z = rng().uniform(-30, 30, (4, 6))
    got = actviz.get(name)(z)
    with mp.workdps(40):
        for row, out in zip(z, got, strict=True):
            sign = -1 if name == "softmin" else 1
            ref = mp_softmax_row(sign * row)
            if name == "log_softmax":
                ref = [mp.log(r) for r in ref]
            for g, r in zip(out, ref, strict=True):
                # z - max is rounded once: relative error <= |z - max|·2^-53 <= 60·1.1e-16
                assert abs(float((mp.mpf(float(g)) - r) / r)) < 1e-14, (name, row)


@pytest.mark.parametrize("name", SIMPLEX)
def test_outputs_sum_to_one(name):
    z = rng().normal(0, 5, (50, 17))
    p = actviz.get(name)(z)
    assert np.all(p >= 0) and np.all(p <= 1)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=0, atol=17 * 2.3e-16)


def test_log_softmax_is_log_of_softmax():
    z = rng().normal(0, 4, (20, 9))
    # log(s) turns s's relative error into an absolute one, hence atol where log(s) is near 0
    np.testing.assert_allclose(
        actviz.get("log_softmax")(z), np.log(actviz.get("softmax")(z)), rtol=1e-14, atol=1e-15
    )


@pytest.mark.parametrize("name", ("softmax", "log_softmax", "softmin", "sparsemax"))
@pytest.mark.parametrize("shift", [123.456, -1e3, 7e5])
def test_invariant_to_adding_a_constant(name, shift):
    act = actviz.get(name)
    z = rng().normal(0, 3, (8, 11))
    # z + shift is rounded: absolute error ulp(shift)/2 per logit, which moves the outputs by that much
    tol = 4 * np.spacing(abs(shift) + 10)
    np.testing.assert_allclose(act(z + shift), act(z), rtol=tol * 10, atol=tol * 10)


def test_softmax_is_sigmoid_for_two_logits():
    x = np.linspace(-40, 40, 161)
    z = np.stack([x, np.zeros_like(x)], axis=-1)
    np.testing.assert_allclose(actviz.get("softmax")(z)[:, 0], actviz.get("sigmoid")(x), rtol=4e-16)


@pytest.mark.parametrize("name", VECTOR)
def test_apply_on_any_axis_and_batch(name):
    act = actviz.get(name)
    z = rng().normal(0, 2, (3, 4, 6))
    last = act(z, axis=-1)
    for axis in (0, 1):
        moved = np.moveaxis(z, -1, axis)
        np.testing.assert_array_equal(act(moved, axis=axis), np.moveaxis(last, -1, axis))
    # each row alone gives the same as the batch
    np.testing.assert_array_equal(act(z[1, 2]), last[1, 2])


@pytest.mark.parametrize("name", VECTOR)
@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_apply_and_jacobian_keep_the_dtype(name, dtype):
    act = actviz.get(name)
    z = rng().normal(0, 2, (5, 4)).astype(dtype)
    got = act(z)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, act(z.astype(np.float64)).astype(dtype))
    assert act.jacobian(z).dtype == dtype
    assert act(np.arange(4)).dtype == np.float64


@pytest.mark.parametrize("name", VECTOR)
def test_bad_axis_and_scalar_input_are_usage_errors(name):
    act = actviz.get(name)
    with pytest.raises(actviz.UsageError, match="out of range"):
        act(np.zeros((2, 4)), axis=2)
    with pytest.raises(actviz.UsageError, match="integer"):
        act(np.zeros((2, 4)), axis=1.5)
    with pytest.raises(actviz.UsageError, match="at least one dimension"):
        act.jacobian(1.0)


# --- large logits and infinities -------------------------------------------------------------------


@pytest.mark.parametrize("name", VECTOR)
def test_extreme_finite_logits_give_finite_results_without_warnings(name):
    act = actviz.get(name)
    z = np.array([[1e308, -1e308, 0.0, 5e-324], [-1e308, -1e308, -1e300, -1e308], [1e308, 1e308, 1e300, 1.0]])
    with quiet():
        out, jac = act(z), act.jacobian(z)
    assert np.all(np.isfinite(jac)), name
    if name == "log_softmax":
        # the one true value beyond the float range: -1e308 - 1e308 = -2e308
        assert out[0, 1] == -np.inf
        out = np.where(np.isneginf(out), 0.0, out)
    if act.is_gated:
        # a product of two inputs: where the true value is beyond the float range (a gate of
        # 1e308 times a value of 1e300 in the last row), ±inf is that value correctly rounded
        a, b = act.halves(z)
        with np.errstate(over="ignore"):  # the test's own product, not the library's
            beyond = np.abs(act.gate_factor(a)) * np.abs(act.value_factor(b)) > _BIG
        assert np.all(np.isinf(out[beyond])), name
        out = np.where(beyond, 0.0, out)
    assert np.all(np.isfinite(out)), name


def test_extreme_logits_values():
    # closed forms: the 1e308 entries dominate by e^(1e308)
    sm = actviz.get("softmax")(np.array([1e308, -1e308, 0.0]))
    np.testing.assert_array_equal(sm, [1.0, 0.0, 0.0])
    tie = actviz.get("softmax")(np.array([1e308, 1e308, -1e308]))
    np.testing.assert_array_equal(tie, [0.5, 0.5, 0.0])
    ls = actviz.get("log_softmax")(np.array([1e308, 1e308, 0.0]))
    np.testing.assert_allclose(ls[:2], -math.log(2), rtol=1e-16)
    assert ls[2] == -1e308
    sp = actviz.get("sparsemax")(np.array([1e308, 1e308, -1e308]))
    np.testing.assert_array_equal(sp, [0.5, 0.5, 0.0])


def test_positive_infinite_logits_share_the_mass():
    # the limit as the +inf logits grow together (PyTorch and JAX give NaN: inf - max = inf - inf)
    z = np.array([np.inf, 0.0, np.inf, -np.inf])
    with quiet():
        np.testing.assert_array_equal(actviz.get("softmax")(z), [0.5, 0.0, 0.5, 0.0])
        np.testing.assert_array_equal(actviz.get("sparsemax")(z), [0.5, 0.0, 0.5, 0.0])
        ls = actviz.get("log_softmax")(z)
        np.testing.assert_array_equal(ls, [-math.log(2), -np.inf, -math.log(2), -np.inf])
        np.testing.assert_array_equal(actviz.get("softmin")(-z), [0.5, 0.0, 0.5, 0.0])
        jac = actviz.get("softmax").jacobian(z)
    # diag(s) - s sᵀ at the limit s = (1/2, 0, 1/2, 0)
    s = np.array([0.5, 0.0, 0.5, 0.0])
    np.testing.assert_array_equal(jac, np.diag(s) - np.outer(s, s))


def test_all_negative_infinite_logits_are_uniform():
    z = np.full((2, 4), -np.inf)
    with quiet():
        np.testing.assert_array_equal(actviz.get("softmax")(z), 0.25)
        np.testing.assert_array_equal(actviz.get("sparsemax")(z), 0.25)
        np.testing.assert_allclose(actviz.get("log_softmax")(z), -math.log(4), rtol=1e-16)
    # a few -inf entries among finite ones get exactly 0
    np.testing.assert_array_equal(actviz.get("softmax")([-np.inf, 0.0]), [0.0, 1.0])


@pytest.mark.parametrize("name", ("softmax", "log_softmax", "softmin", "sparsemax"))
def test_nan_makes_the_whole_vector_nan(name):
    act = actviz.get(name)
    z = np.array([[0.0, np.nan, 1.0], [0.0, 2.0, 1.0]])
    with quiet():
        out, jac = act(z), act.jacobian(z)
    assert np.all(np.isnan(out[0])) and np.all(np.isfinite(out[1]))
    assert np.all(np.isnan(jac[0])) and np.all(np.isfinite(jac[1]))


# --- Jacobians -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", VECTOR)
def test_jacobian_matches_central_differences(name):
    act = actviz.get(name)
    z = rng().normal(0, 1.5, (3, 6))
    if name == "sparsemax":
        z = np.array([[1.0, 0.8, 0.1, -1.0, 0.5, 0.65], [0.3, -0.2, 0.25, 0.0, 2.0, -3.0], [0.0, 0.15, 0.2, 0.3, 0.4, 0.55]])
    jac = act.jacobian(z)
    n_out = act(z).shape[-1]
    assert jac.shape == (3, n_out, 6)
    # h = 1e-6: truncation h²·f''' and rounding eps/h are both below 1e-9
    np.testing.assert_allclose(jac, finite_difference_jacobian(act, z), rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("name", VECTOR)
def test_jacobian_on_another_axis(name):
    act = actviz.get(name)
    z = rng().normal(0, 1.5, (4, 3))  # the vector runs down axis 0
    np.testing.assert_array_equal(act.jacobian(z, axis=0), act.jacobian(z.T, axis=-1))


def test_softmax_jacobian_closed_form():
    z = rng().normal(0, 2, 7)
    s = actviz.get("softmax")(z)
    # ∂s_i/∂z_j = s_i (δ_ij - s_j) (closed form)
    np.testing.assert_allclose(actviz.get("softmax").jacobian(z), np.diag(s) - np.outer(s, s), rtol=1e-14, atol=1e-17)
    # log_softmax: δ_ij - s_j; softmin: -s_i (δ_ij - s_j) with s = softmin(z)
    np.testing.assert_allclose(actviz.get("log_softmax").jacobian(z), np.eye(7) - s[None, :], rtol=1e-14, atol=1e-17)
    m = actviz.get("softmin")(z)
    np.testing.assert_allclose(actviz.get("softmin").jacobian(z), -(np.diag(m) - np.outer(m, m)), rtol=1e-14, atol=1e-17)


def test_glu_jacobian_closed_form_and_shape():
    z = rng().normal(0, 2, (2, 8))
    a, b = z[:, :4], z[:, 4:]
    sig = 1 / (1 + np.exp(-b))
    jac = actviz.get("glu").jacobian(z)
    assert jac.shape == (2, 4, 8)
    for r in range(2):
        # f = a σ(b) (Dauphin et al. 2017, arXiv 1612.08083): ∂f/∂a = σ(b), ∂f/∂b = a σ(b)(1 - σ(b))
        np.testing.assert_allclose(jac[r][:, :4], np.diag(sig[r]), rtol=1e-15)
        np.testing.assert_allclose(jac[r][:, 4:], np.diag(a[r] * sig[r] * (1 - sig[r])), rtol=1e-13)


# --- the slice: closed forms against the vector form ----------------------------------------------


def slice_vector(x, classes, others):
    z = np.full((len(x), classes), float(others))
    z[:, 0] = x
    return z


@pytest.mark.parametrize("name", ("softmax", "log_softmax", "softmin", "sparsemax"))
@pytest.mark.parametrize("params", SLICE_PARAMS[:3])
def test_slice_is_component_zero_and_its_derivative_the_jacobian_diagonal(name, params):
    act = actviz.get(name, **params)
    x = np.concatenate([np.linspace(-700, 700, 29), np.linspace(-6, 6, 61)])
    if name == "sparsemax":
        x = np.concatenate([np.linspace(-6, 6, 61), act.kinks])  # the kinks too: both sides say 0
    z = slice_vector(x, act.params["classes"], act.params["others"])
    # sparsemax's p = z - τ carries an absolute error of about ulp(1) near the support's edge,
    # where the slice's closed form is exact (checked with fractions at x = 1.2, others = 1.7)
    atol = 2.0**-52 if name == "sparsemax" else 0.0
    np.testing.assert_allclose(act(z)[:, 0], act.slice(x), rtol=4e-15, atol=atol)
    diag = act.jacobian(z)[:, 0, 0]
    # relative, tails included: where s_0 rounds to 1, both keep 1 - s_0 through the other logits
    np.testing.assert_allclose(diag, act.slice.derivative(x), rtol=1e-14, atol=0)


def test_softmax_slice_with_two_classes_is_sigmoid_to_the_bit():
    x = np.linspace(-745, 745, 1491)
    soft, sig = actviz.get("softmax").slice, actviz.get("sigmoid")
    np.testing.assert_array_equal(soft(x), sig(x))
    np.testing.assert_array_equal(soft.derivative(x), sig.derivative(x))


@pytest.mark.parametrize("name", SOFTMAX_FAMILY)
@pytest.mark.parametrize("params", SLICE_PARAMS)
def test_slice_ulp_error_against_mpmath(name, params):
    act = actviz.get(name, **params).slice
    # mpmath at 60 digits over [-700, 700], tails included, plus the central region
    x = np.concatenate([np.linspace(-700, 700, 71), rng().uniform(-40, 40, 50)])
    f_ref, d_ref = mp_values(act.record.mp_reference, x, **act.params)
    assert ulp_error(act(x), f_ref).max() <= 4, (name, params)
    assert ulp_error(act.derivative(x), d_ref).max() <= 8, (name, params)


@pytest.mark.parametrize(
    "spec",
    ["sparsemax", "sparsemax(classes=4, others=0.5)", "glu", "glu(a=-2.5)", "maxout", "maxout(slopes=(-1, 0.3, 2), intercepts=(0, 1, -2))"],
)
def test_piecewise_slices_match_mpmath_away_from_kinks(spec):
    from conftest import away_from_kinks

    act = actviz.get(spec).slice
    x = away_from_kinks(act, np.linspace(-5.3, 5.3, 107), margin=1e-6)
    # mpmath at 60 digits
    f_ref, d_ref = mp_values(act.record.mp_reference, x, **act.params)
    assert ulp_error(act(x), f_ref).max() <= 4, spec
    assert ulp_error(act.derivative(x), d_ref).max() <= 8, spec


def test_log_softmax_slice_far_tails():
    act = actviz.get("log_softmax").slice
    # closed form -softplus(-x): -x - log1p(e^x) → -1e308 at -1e308; -e^-x → -e^-700 at 700
    assert act(-1e308) == -1e308
    assert act(700.0) == pytest.approx(-math.exp(-700.0), rel=1e-15)
    assert act.derivative(-1e308) == 1.0 and act.derivative(1e308) == 0.0


def test_slice_parameters_are_checked():
    with pytest.raises(actviz.ParameterError, match="classes"):
        actviz.get("softmax(classes=1)")
    with pytest.raises(actviz.ParameterError, match="whole number"):
        actviz.get("softmax(classes=2.5)")
    with pytest.raises(actviz.ParameterError, match="no parameter"):
        actviz.get("glu(classes=3)")


# --- sparsemax ---------------------------------------------------------------------------------------


def test_sparsemax_where_keras_is_wrong():
    # the projection onto the simplex (Martins & Astudillo 2016, arXiv 1602.02068) is [0.6, 0.4, 0, 0]
    # (support {0, 1}, τ = (1.8 - 1)/2 = 0.4); Keras <= 3.15.1 gives [0.1, 0, 0, 0]
    # (keras-team/keras issue #23425)
    p = actviz.get("sparsemax")(np.array([1.0, 0.8, 0.1, -1.0]))
    np.testing.assert_allclose(p, [0.6, 0.4, 0.0, 0.0], rtol=2e-16, atol=0)
    assert p[2] == 0.0 and p[3] == 0.0
    assert "23425" in describe(actviz.get("sparsemax@keras"))["frameworks"]["keras"]["note"]


def test_sparsemax_matches_an_independent_projection_and_gives_exact_zeros():
    act = actviz.get("sparsemax")
    z = rng().normal(0, 1, (20, 8))
    p = act(z)
    for row, got in zip(z, p, strict=True):
        ref = simplex_projection(row)
        np.testing.assert_allclose(got, ref, rtol=1e-14, atol=1e-15)
        assert np.array_equal(got == 0, ref == 0), row
    assert np.any(p == 0) and np.all(p >= 0)


def test_sparsemax_jacobian_is_the_support_formula():
    z = np.array([1.0, 0.8, 0.1, -1.0])
    jac = actviz.get("sparsemax").jacobian(z)
    s = np.array([1.0, 1.0, 0.0, 0.0])
    # diag(S) - S Sᵀ/|S| (Martins & Astudillo 2016, arXiv 1602.02068)
    np.testing.assert_array_equal(jac, np.diag(s) - np.outer(s, s) / 2)


def test_sparsemax_slice_kinks_and_two_class_form():
    act = actviz.get("sparsemax").slice
    # with two logits the slice is clip((x + 1)/2, 0, 1), sparse_sigmoid's formula (closed form)
    x = np.linspace(-3, 3, 61)
    np.testing.assert_array_equal(act(x), np.clip((x + 1) / 2, 0, 1))
    assert act.kinks == (-1.0, 1.0)
    assert act.kink_derivatives() == {-1.0: 0.0, 1.0: 0.0}
    wide = actviz.get("sparsemax(classes=5, others=2)").slice
    # kinks at others - 1/(classes - 1) and others + 1; slope (classes - 1)/classes between
    assert wide.kinks == (1.75, 3.0)
    assert wide.derivative(2.5) == 0.8
    assert wide(1.75) == 0.0 and wide(3.0) == 1.0


# --- glu ------------------------------------------------------------------------------------------------


def test_glu_apply_formula_and_odd_size_error():
    act = actviz.get("glu")
    z = rng().normal(0, 3, (5, 10))
    a, b = z[:, :5], z[:, 5:]
    np.testing.assert_allclose(act(z), a / (1 + np.exp(-b)), rtol=4e-16)
    assert act(z[:4], axis=0).shape == (2, 10)
    with pytest.raises(actviz.UsageError, match="must be even, not 5"):
        act(np.zeros((2, 5)))
    with pytest.raises(actviz.UsageError, match="must be even, not 3"):
        act.jacobian(np.zeros(3))


def test_glu_slice_is_the_gate_entry_of_the_jacobian():
    act = actviz.get("glu(a=-1.5)")
    x = np.linspace(-30, 30, 61)
    z = np.stack([np.full_like(x, -1.5), x], axis=-1)  # a_0 = -1.5, gate b_0 = x
    np.testing.assert_allclose(act(z)[:, 0], act.slice(x), rtol=4e-16)
    np.testing.assert_allclose(act.jacobian(z)[:, 0, 1], act.slice.derivative(x), rtol=4e-16)
    assert str(act.output_range) == "(-1.5, 0)"
    assert act.properties.monotonic is False


def test_glu_infinities():
    act = actviz.get("glu")
    with quiet():
        got = act(np.array([np.inf, 2.0, -3.0, np.inf, 1.0, -np.inf]))
    # a = (inf, 2, -3), b = (inf, 1, -inf): a·σ(b) with σ(±inf) = 1, 0
    np.testing.assert_array_equal(got, [np.inf, 2.0 / (1.0 + math.exp(-1.0)), -0.0])
    # ∞·σ(-∞) = ∞·0 has no limit: NaN
    with quiet():
        assert np.isnan(act(np.array([np.inf, -np.inf]))[0])


# --- maxout ---------------------------------------------------------------------------------------------


def test_maxout_defaults_equal_relu():
    act = actviz.get("maxout").slice
    relu = actviz.get("leaky_relu(alpha=0)")
    x = np.concatenate([np.linspace(-7, 7, 141), [-1e308, -5e-324, 0.0, 5e-324, 1e308]])
    np.testing.assert_array_equal(act(x), np.maximum(x, 0.0))
    np.testing.assert_array_equal(act(x), relu(x))
    np.testing.assert_array_equal(act.derivative(x), relu.derivative(x))
    # relu'(0) = 0 as in PyTorch (threshold_backward: pytorch/pytorch tools/autograd/derivatives.yaml)
    assert act.kinks == (0.0,) and act.kink_derivatives() == {0.0: 0.0}
    assert str(act.output_range) == "[0, ∞)"


@pytest.mark.parametrize(
    "slopes, intercepts",
    [((0.0, 1.0), (0.0, 0.0)), ((-1.0, 1.0), (0.0, 0.0)), ((0.1, 1.0, -0.5), (0.0, -0.3, 0.7)), ((2.0, -1.0, 0.0, 0.5), (1.0, 0.0, -0.25, 3.0))],
)
def test_maxout_slice_derivative_is_the_chain_rule_through_the_jacobian(slopes, intercepts):
    act = actviz.get("maxout", slopes=slopes, intercepts=intercepts)
    w, b = np.array(slopes), np.array(intercepts)
    x = np.array([-5.5, -2.25, -0.6, -0.1, 0.35, 1.4, 3.3, 6.0])
    z = x[:, None] * w + b  # the unit's k pre-activations
    np.testing.assert_array_equal(act(z)[:, 0], act.slice(x))
    # f'(x) = Σ_j w_j ∂y/∂z_j; with slopes (0, 1) that is the swept logit's Jacobian entry
    np.testing.assert_array_equal(act.jacobian(z)[:, 0, :] @ w, act.slice.derivative(x))
    if slopes == (0.0, 1.0):
        np.testing.assert_array_equal(act.jacobian(z)[:, 0, 1], act.slice.derivative(x))


def test_maxout_kinks_are_where_the_max_switches_piece():
    # |x|: the flat piece -1 is never on top, so one kink at 0
    absolute = actviz.get("maxout(slopes=(1, -1, 0), intercepts=(0, 0, -1))")
    assert absolute.kinks == (0.0,)
    assert str(absolute.output_range) == "[0, ∞)"
    # three pieces: -x (until x = -1), 1 (until x = 1), x: kinks at ±1
    clipped = actviz.get("maxout(slopes=(-1, 0, 1), intercepts=(0, 1, 0))")
    assert clipped.kinks == (-1.0, 1.0)
    assert clipped.properties.monotonic is False and clipped.properties.bounded_below
    # the crossing of the lines as given (0.1 and -0.2 are binary fractions) is rounded once
    third = actviz.get("maxout(slopes=(0.1, -0.2), intercepts=(0, 1))")
    assert third.kinks == (float(1 / (Fraction(0.1) + Fraction(0.2))),)
    # no crossing at all: one piece dominates
    assert actviz.get("maxout(slopes=(1, 1), intercepts=(0, 1))").kinks == ()


def test_maxout_tie_rule_takes_the_first_maximal_piece():
    # three lines through the origin; 0.5x only touches the envelope there, and has the lowest index
    act = actviz.get("maxout(slopes=(0.5, 0, 1), intercepts=(0, 0, 0))")
    assert act.kinks == (0.0,)
    assert act.slice.derivative(0.0) == 0.5
    assert act.slice.derivative(-1e-300) == 0.0 and act.slice.derivative(1e-300) == 1.0
    # the Jacobian at a tied group uses the same rule
    np.testing.assert_array_equal(act.jacobian(np.array([0.0, 0.0, 0.0])), [[1.0, 0.0, 0.0]])


def test_maxout_apply_groups_consecutive_entries():
    act = actviz.get("maxout(slopes=(0, 0, 0), intercepts=(0, 0, 0))")  # k = 3
    z = np.array([[1.0, 5.0, 2.0, -1.0, -3.0, -2.0]])
    np.testing.assert_array_equal(act(z), [[5.0, -1.0]])
    np.testing.assert_array_equal(act.jacobian(z), [[[0, 1, 0, 0, 0, 0], [0, 0, 0, 1, 0, 0]]])
    with pytest.raises(actviz.UsageError, match="multiple of 3, not 4"):
        act(np.zeros(4))


def test_maxout_parameter_errors():
    with pytest.raises(actviz.ParameterError, match="same length"):
        actviz.get("maxout(slopes=(0, 1, 2))")
    with pytest.raises(actviz.ParameterError, match="must be a number"):
        actviz.get("maxout(slopes=(0, x), intercepts=(0, 0))")


def test_maxout_infinities_and_overflow():
    act = actviz.get("maxout(slopes=(0, 2), intercepts=(1, 0))")
    with quiet():
        # the true value 2e308 is beyond the float range: inf, silently; 0·(-inf) counts as 0
        got = act.slice(np.array([-np.inf, 1e308, np.inf, np.nan]))
    assert got[0] == 1.0 and got[1] == np.inf and got[2] == np.inf and np.isnan(got[3])


# --- records ------------------------------------------------------------------------------------------


def test_presets_exist_only_where_the_framework_ships_the_function():
    assert set(actviz.lookup("softmin").frameworks) == {"torch"}
    assert set(actviz.lookup("sparsemax").frameworks) == {"keras"}
    assert set(actviz.lookup("glu").frameworks) == {"torch", "keras", "jax"}
    assert actviz.lookup("maxout").frameworks == {}
    with pytest.raises(actviz.PresetError, match="softmin@torch"):
        actviz.get("softmin@jax")
    assert "dim=None" in describe(actviz.get("softmax@torch"))["frameworks"]["torch"]["note"]


@pytest.mark.parametrize("name", VECTOR)
def test_vector_records_say_they_are_vector(name):
    act = actviz.get(name)
    assert act.is_vector and describe(act)["vector"]
    # glu and the other gated units act on one array split in two, and form their own family
    assert act.record.family == ("gated" if act.is_gated else "vector")


def test_maxout_spec_round_trips_with_tuples():
    act = actviz.get("maxout(slopes=(-1, 0.5), intercepts=(0, 2))")
    assert act.spec == "maxout(slopes=(-1, 0.5), intercepts=(0, 2))"
    assert actviz.get(act.spec) == act


# --- properties -------------------------------------------------------------------------------------------

finite_rows = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=6),
    elements=st.floats(-1e308, 1e308, allow_nan=False),
)


@settings(max_examples=60, deadline=None)
@given(finite_rows)
def test_softmax_is_a_distribution_for_any_finite_input(z):
    with quiet():
        p = actviz.get("softmax")(z)
    assert np.all((p >= 0) & (p <= 1))
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=0, atol=1e-15 * z.shape[-1])


@settings(max_examples=60, deadline=None)
@given(finite_rows)
def test_sparsemax_is_a_distribution_for_any_finite_input(z):
    with quiet():
        p = actviz.get("sparsemax")(z)
    assert np.all((p >= 0) & (p <= 1))
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=0, atol=1e-15 * z.shape[-1])


def test_maxout_pieces_given_as_text_like_the_command_line_passes_them():
    act = actviz.get("maxout", slopes="(-1, 0.5)", intercepts="0, 2")
    assert act == actviz.get("maxout(slopes=(-1, 0.5), intercepts=(0, 2))")
    assert actviz.get("maxout", slopes="[0, 2]", intercepts="[0, 0]").params["slopes"] == (0.0, 2.0)
    with pytest.raises(actviz.ParameterError, match="must be a number"):
        actviz.get("maxout", slopes="(0, one)", intercepts="(0, 0)")
