"""The smooth gates (gelu, silu/swish, mish, hard_swish): golden values, presets and parameter
spellings, kink conventions, accuracy in ULPs against mpmath (tails, the subnormal edge, the
neighbourhood of f's minimum), the erfcx table, and a few Hypothesis properties."""

import math
import warnings

import numpy as np
import pytest
from conftest import declared_specs
from hypothesis import given, settings
from hypothesis import strategies as st

import actviz
from actviz.analysis.ulp import mp_values, ulp_error
from actviz.core import bound
from actviz.numerics import special

XS = np.array([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0])

# (value, derivative) at XS: mpmath, 10 significant digits (tests/golden/make_golden.py).
GOLDEN_MPMATH = {
    "gelu": [
        (-0.0455002639, -0.08523180108), (-0.1586552539, -0.08331547059),
        (-0.1542687694, 0.1325048753), (0.3457312306, 0.8674951247),
        (0.8413447461, 1.083315471), (1.954499736, 1.085231801),
    ],
    "gelu(approximate=tanh)": [
        (-0.04540230591, -0.08609925662), (-0.1588080094, -0.08296408385),
        (-0.1542859902, 0.1326300965), (0.3457140098, 0.8673699035),
        (0.8411919906, 1.082964084), (1.954597694, 1.086099257),
    ],
    "silu": [
        (-0.238405844, -0.09078424878), (-0.2689414214, 0.07232948813),
        (-0.1887703344, 0.2600388127), (0.3112296656, 0.7399611873),
        (0.7310585786, 0.9276705119), (1.761594156, 1.090784249),
    ],
    "mish": [
        (-0.2525014827, -0.1083550924), (-0.3034014614, 0.05921675588),
        (-0.2207437747, 0.2895106779), (0.3752452113, 0.8864243754),
        (0.8650983883, 1.04903622), (1.94395896, 1.069317934),
    ],
    "hard_swish": [
        (-0.3333333333, -0.1666666667), (-0.3333333333, 0.1666666667),
        (-0.2083333333, 0.3333333333), (0.2916666667, 0.6666666667),
        (0.6666666667, 0.8333333333), (1.666666667, 1.166666667),
    ],
}


@pytest.mark.parametrize("spec", sorted(GOLDEN_MPMATH))
def test_golden_values_from_reference(spec):
    act = actviz.get(spec)
    want = np.array(GOLDEN_MPMATH[spec])
    f, d = act.evaluate(XS)
    np.testing.assert_allclose(f, want[:, 0], rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(d, want[:, 1], rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize(
    "spec, x, f_want, d_want",
    [
        # closed forms: gelu(0) = 0, gelu'(0) = Φ(0) = 1/2, both forms
        ("gelu", 0.0, 0.0, 0.5),
        ("gelu(approximate=tanh)", 0.0, 0.0, 0.5),
        # closed forms: silu'(0) = σ(0) = 1/2 for every β; mish'(0) = tanh(ln 2) = (4 - 1)/(4 + 1)
        ("silu(beta=1.702)", 0.0, 0.0, 0.5),
        ("mish", 0.0, 0.0, 0.6),
        # swish with β: x·σ(βx) at x = 2, β = 0.5 is 2σ(1) (σ(1): mpmath, tests/golden/make_golden.py)
        ("swish(beta=0.5)", 2.0, 2 * 0.7310585786300049, None),
    ],
)
def test_special_points(spec, x, f_want, d_want):
    act = actviz.get(spec)
    assert float(act(x)) == pytest.approx(f_want, rel=1e-15, abs=1e-300)
    if d_want is not None:
        assert float(act.derivative(x)) == pytest.approx(d_want, rel=1e-15)


# --- presets and parameter spellings --------------------------------------------------------


@pytest.mark.parametrize(
    "spec, approximate",
    [
        ("gelu", "none"),
        ("gelu@torch", "none"),
        ("gelu@keras", "none"),  # keras.activations.gelu is exact (keras/src/activations/activations.py)
        ("gelu@keras2", "none"),
        ("gelu@tf", "none"),
        ("gelu@jax", "tanh"),  # jax.nn.gelu(approximate=True) (jax-ml/jax jax/_src/nn/functions.py)
        ("gelu(approximate=true)", "tanh"),
        ("gelu(approximate=false)", "none"),
        ("gelu(approximate=exact)", "none"),
        ("gelu(approximate=erf)", "none"),
        ("gelu(approximate=TANH)", "tanh"),
        ("gelu@jax(approximate=none)", "none"),
    ],
)
def test_gelu_default_per_framework_and_spellings(spec, approximate):
    act = actviz.get(spec)
    assert act.params == {"approximate": approximate}
    assert float(act(-1.0)) == float(actviz.get(f"gelu(approximate={approximate})")(-1.0))


def test_keras_gelu_note_mentions_ops_default():
    note = actviz.lookup("gelu").frameworks["keras"].note
    assert "keras.ops.gelu" in note and "True" in note


def test_gelu_rejects_unknown_form():
    with pytest.raises(actviz.ParameterError, match="none, tanh"):
        actviz.get("gelu(approximate=sigmoid)")


def test_swish_is_silu_and_beta_is_only_in_tf():
    assert actviz.lookup("swish") is actviz.lookup("silu")
    assert actviz.get("swish(beta=2)").spec == "silu(beta=2)"
    assert float(actviz.get("silu@tf(beta=2)")(1.0)) == float(actviz.get("silu(beta=2)")(1.0))
    for fw in ("torch", "keras", "keras2", "jax"):
        with pytest.raises(actviz.ParameterError):
            actviz.get(f"silu@{fw}(beta=2)")
    # the names each framework uses (tf.keras spells it swish: keras-team/tf-keras tf_keras/activations.py)
    names = {fw: v.name for fw, v in actviz.lookup("silu").frameworks.items()}
    assert names == {
        "torch": "torch.nn.functional.silu",
        "keras": "keras.activations.silu",
        "keras2": "tf.keras.activations.swish",
        "jax": "jax.nn.silu",
        "tf": "tf.nn.silu",
    }


@pytest.mark.parametrize("beta", ["0", "-1", "inf", "nan"])
def test_swish_beta_must_be_positive_and_finite(beta):
    with pytest.raises(actviz.ParameterError):
        actviz.get(f"silu(beta={beta})")


def test_beta_scales_the_input():
    # x·σ(βx) = (1/β)·silu(βx): the same function on a stretched axis (closed form)
    x = np.linspace(-30, 30, 301)
    b = 1.702
    got = actviz.get(f"silu(beta={b})")(x)
    want = actviz.get("silu")(b * x) / b  # carries the rounding of b·x: about |bx|·ε relative
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-300)


def test_hard_swish_names_and_presets():
    rec = actviz.lookup("hardswish")
    assert rec is actviz.lookup("hard_silu") is actviz.lookup("hard_swish")
    assert set(rec.frameworks) == {"torch", "keras", "jax"}  # not in tf.nn or tf_keras/activations.py
    with pytest.raises(actviz.PresetError, match="hard_swish@torch"):
        actviz.get("hard_swish@tf")


def test_mish_has_no_tf_preset():
    assert set(actviz.lookup("mish").frameworks) == {"torch", "keras", "keras2", "jax"}


# --- kinks ----------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", declared_specs(lambda rec: rec.name == "hard_swish"))
def test_hard_swish_kinks(spec):
    act = actviz.get(spec)
    assert act.kinks == (-3.0, 3.0)
    # torch 2.13 (hardswish_backward, pytorch/pytorch aten/src/ATen/native/cpu/Activation.cpp), JAX
    # (x·relu6(x + 3)/6 with relu6'(0) = relu6'(6) = 0, jax-ml/jax jax/_src/nn/functions.py) and
    # Keras: f'(-3) = 0 and f'(3) = 1
    assert act.kink_derivatives() == {-3.0: 0.0, 3.0: 1.0}
    assert float(act(-3.0)) == 0.0 and float(act(3.0)) == 3.0
    # one-sided limits of f' there: 0 / -1/2 and 3/2 / 1 (closed form: f' = (2x + 3)/6 inside)
    eps = 1e-9
    assert float(act.derivative(-3 + eps)) == pytest.approx(-0.5, abs=1e-9)
    assert float(act.derivative(3 - eps)) == pytest.approx(1.5, abs=1e-9)
    assert "torch 2.6" in act.record.kink_convention and "-0.5" in act.record.kink_convention


def test_hard_swish_minimum():
    # minimum -3/8 at x = -3/2, where f' = (2x + 3)/6 vanishes (closed form)
    act = actviz.get("hard_swish")
    assert float(act(-1.5)) == -0.375
    assert float(act.derivative(-1.5)) == 0.0
    assert act.output_range.low == -0.375


# --- accuracy -------------------------------------------------------------------------------

# the gates at their defaults and their declared samples; those held to ULPs
GATES = declared_specs(lambda rec: rec.family == "smooth gate", presets=False)
ACCURATE = [s for s in GATES if actviz.get(s).record.checks.ulps is not None]


def _unit_gate(act):
    """Whether f = x·g with 0 <= g <= 1 rising from 0 to 1 (f -> 0 on the left, f ~ x on the
    right), which the limit and property tests below assume. Not so: clipped_gelu (capped at
    its max), lisht (g = tanh x, so f is even), smish and logish (g rises to α·tanh(ln 2) and
    α·ln 2), golu with α != 1 (g rises to α); their own tests (test_catalogue_batch_a.py) and
    the registry-wide ones cover their limits."""
    name = act.record.name
    if name in ("clipped_gelu", "lisht", "smish", "logish"):
        return False
    return act.params.get("alpha", 1.0) == 1.0 if name == "golu" else True


UNIT_GATES = [s for s in GATES if _unit_gate(actviz.get(s))]


def _errors(act, x):
    f, d = act.evaluate(x)
    rf, rd = mp_values(act.record.mp_reference, x, **act.params)
    return ulp_error(f, rf), ulp_error(d, rd), rf, rd


def _cancellation(x, rf, rd):
    """How much f' = g + x·g' (g = f/x, the gate) cancels: (|g| + |x·g'|)/|f'|, from mpmath."""
    out = np.ones(len(x))
    for i, (xi, f, d) in enumerate(zip(x, rf, rd, strict=True)):
        if xi != 0 and d != 0:
            g = f / xi
            out[i] = float((abs(g) + abs(d - g)) / abs(d))
    return out


@pytest.mark.parametrize("spec", ACCURATE)
def test_left_tail_to_the_subnormal_edge(spec):
    # where the gate is e^(something large): every rounding of the exponent would show here;
    # the range runs down to where f underflows, through the subnormals
    act = actviz.get(spec)
    beta = act.params.get("beta", 1.0)
    edge = {"gelu": 39.0, "gelu(approximate=tanh)": 21.8}.get(spec, 750.0 / beta)
    x = -np.geomspace(2.0, edge, 120)
    ef, ed, _, _ = _errors(act, x)
    forward_ulp, derivative_ulp = act.record.checks.ulps
    assert ef.max() <= forward_ulp, (spec, x[np.argmax(ef)], ef.max())
    assert ed.max() <= derivative_ulp, (spec, x[np.argmax(ed)], ed.max())


@pytest.mark.parametrize("spec", ACCURATE)
def test_derivative_near_the_minimum_of_f(spec):
    # f' = g + x·g' vanishes at f's minimum x*; there its terms cancel, and the error is
    # bounded by the terms' size: 8 ULP relative where they cancel by less than 16x (a
    # neighbourhood of x* computed from mpmath, not chosen), 8·cancellation ULP inside it
    import mpmath as mp

    act = actviz.get(spec)
    beta = act.params.get("beta", 1.0)
    # golu's minimum is at γx = -W(1/β) (-0.567 at the defaults); lisht's at 0
    guess = {"gelu": -0.75, "gelu(approximate=tanh)": -0.75, "mish": -1.19, "golu": -0.567,
             "golu(alpha=0.7, gamma=2.5)": -0.567 / 2.5, "golu(beta=2.5)": -0.3,
             "lisht": 0.0}.get(spec, -1.28 / beta)
    with mp.workdps(30):
        root = float(mp.findroot(lambda t: act.record.mp_reference(t, **act.params)[1], guess))
        # f at the root of f' is the output range's lower end
        f_min = act.record.mp_reference(mp.mpf(root), **act.params)[0]
        assert float(f_min) == pytest.approx(act.output_range.low, rel=1e-14)
    x = np.concatenate([
        np.linspace(root - 1.5 / beta, root + 1.5 / beta, 121),
        root + np.geomspace(1e-13, 1e-2, 30),
        root - np.geomspace(1e-13, 1e-2, 30),
    ])
    _, ed, rf, rd = _errors(act, x)
    cond = _cancellation(x, rf, rd)
    outside = cond <= 16
    assert ed[outside].max() <= 8, (spec, x[outside][np.argmax(ed[outside])])
    assert np.all(ed <= 8 * np.maximum(cond, 1)), (spec, x[np.argmax(ed / cond)])
    # the excluded neighbourhood is small: within 0.2/β of the root
    assert np.all(np.abs(x[~outside] - root) < 0.2 / beta)


@pytest.mark.parametrize(
    "spec, x",
    [
        # left-tail traps: ½x(1 + erf(x/√2)) cancels to 0, and ½x·erfc(-x/√2) is ~1000 ULP off
        # near -35 (erfc magnifies the rounding of x/√2 by about x²)
        ("gelu", -35.0), ("gelu", -37.5), ("gelu", -5.0), ("gelu", -8.0),
        # f' subnormal: (h + x/√(2π))·e^(-x²/2) must be rounded once, not twice
        ("gelu", -38.3),
        ("gelu(approximate=tanh)", -5.0), ("gelu(approximate=tanh)", -21.0),
        ("silu", -100.0), ("silu", -700.0), ("silu(beta=1.702)", -430.0),
        ("mish", -700.0), ("mish", -745.0),
    ],
)
def test_known_traps(spec, x):
    act = actviz.get(spec)
    ef, ed, _, _ = _errors(act, np.array([x]))
    assert ef[0] <= 4 and ed[0] <= 8, (spec, x, ef[0], ed[0])


def test_erfcx_nodes_match_mpmath():
    # the double-double node table in numerics/special.py: hi + lo = erfc(k/16)·exp((k/16)²) to 1e-32
    import mpmath as mp

    with mp.workdps(40):
        for k, (hi, lo) in enumerate(zip(special._ERFCX_HI, special._ERFCX_LO, strict=True)):
            y = mp.mpf(k) / 16
            want = mp.erfc(y) * mp.exp(y * y)
            assert hi == float(want)
            assert abs(mp.mpf(hi) + mp.mpf(lo) - want) < mp.mpf(10) ** -32 * want


def test_erfcx_matches_mpmath_between_nodes():
    import mpmath as mp

    y = np.linspace(0.0, 4.0, 257) + 1 / 64  # half-way between nodes, where Taylor is worst
    y = y[y <= 4.0]
    hi, lo = special.erfcx_half(y)
    with mp.workdps(40):
        want = [mp.erfc(mp.mpf(v)) * mp.exp(mp.mpf(v) ** 2) / 2 for v in y]
    assert ulp_error(hi + lo, want).max() <= 1


# --- second derivatives -------------------------------------------------------------------


@pytest.mark.parametrize("spec", ACCURATE)
def test_second_derivative_against_mpmath(spec):
    import mpmath as mp

    act = actviz.get(spec)
    x = np.array([-30.0, -6.0, -2.5, -1.0, -0.3, 0.0, 0.4, 1.7, 5.0, 12.0])
    # at a kink f'' is autograd's one-sided value (hard_mish''(0) = 1), which a central
    # difference does not see: each entry's own tests check those
    x = x[[all(v != k for k in act.kinks) for v in x]]
    got = act.derivative(x, order=2)
    # f' = 1 - 1e-58 at x = 12 (gelu's tanh form) and tanhexp's f' = 1 + 3e-126 at x = 5 with
    # f'' = -1.1e-123 there: the difference quotient needs the digits
    with mp.workdps(200):
        want = [mp.diff(lambda t: act.record.mp_reference(t, **act.params)[1], mp.mpf(v)) for v in x]
    for g, w, v in zip(got, want, x, strict=True):
        assert float(g) == pytest.approx(float(w), rel=1e-12, abs=1e-300), (spec, v)


# --- shapes, blocks, extremes ---------------------------------------------------------------


@pytest.mark.parametrize("spec", GATES)
def test_blocks_and_layouts_do_not_change_values(spec):
    # longer than one block, non-contiguous, 2-D: the same numbers as point by point
    act = actviz.get(spec)
    x = np.linspace(-50, 50, 3 * bound._EVAL_BLOCK + 17)
    f, d = act.evaluate(x)
    picks = np.arange(0, x.size, 997)
    for i in picks:
        assert act(x[i]) == f[i] and act.derivative(x[i]) == d[i]
    strided = x[::3]
    np.testing.assert_array_equal(act(strided), f[::3])
    grid = x[: 2 * 1000].reshape(40, 50).T  # Fortran-ordered view
    np.testing.assert_array_equal(act(grid), f[:2000].reshape(40, 50).T)


@pytest.mark.parametrize("spec", UNIT_GATES)
def test_limits_and_extremes(spec):
    act = actviz.get(spec)
    x = np.array([-np.inf, -1e308, -1e200, 1e200, 1e308, np.inf, -0.0, np.nan])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise", under="ignore"):
            f, d = act.evaluate(x)
    np.testing.assert_array_equal(f[:6], [0.0, 0.0, 0.0, 1e200, 1e308, np.inf])
    np.testing.assert_array_equal(d[:6], [0.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    assert f[6] == 0.0 and np.isnan(f[7]) and np.isnan(d[7])


# --- properties -----------------------------------------------------------------------------

finite = st.floats(-1e308, 1e308, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(x=finite, spec=st.sampled_from(UNIT_GATES))
def test_gates_stay_above_their_minimum_and_below_identity(x, spec):
    act = actviz.get(spec)
    y = float(act(x))
    assert y >= act.output_range.low * (1 + 1e-15)
    # 0 < gate < 1: x·gate lies between 0 and x
    assert min(0.0, x) <= y <= max(0.0, x)


@settings(max_examples=200, deadline=None)
@given(x=st.floats(0.0, 1e300), spec=st.sampled_from(UNIT_GATES))
def test_gates_increase_on_the_right(x, spec):
    act = actviz.get(spec)
    assert float(act.derivative(x)) > 0
    nxt = np.nextafter(x, math.inf) * (1 + 1e-9)
    assert float(act(nxt)) >= float(act(x))


# -- formulas that fit the parameters --------------------------------------------------------


@pytest.mark.parametrize("spec, form", [("gelu", "exact"), ("gelu(approximate=tanh)", "tanh"),
                                        ("gelu@jax", "tanh"), ("gelu@torch", "exact")])
def test_gelu_formula_is_the_form_approximate_selects(spec, form):
    from matplotlib.mathtext import MathTextParser

    act = actviz.get(spec)
    tex = act.formula_tex + act.derivative_tex
    text = act.formula_text + act.derivative_text
    if form == "exact":
        assert "erf" in tex and r"\Phi" in tex and "tanh" not in tex and "tanh" not in text
    else:
        assert r"\tanh" in tex and "0.044715" in text and "erf" not in tex + text and "Φ" not in text
    assert r"\mathrm{none}" not in tex  # no case label for a case ruled out
    parser = MathTextParser("path")
    for t in (act.formula_tex, act.derivative_tex):
        parser.parse(f"${t}$")
    # the record keeps both forms
    assert "tanh" in actviz.lookup("gelu").formula_text and "erf" in actviz.lookup("gelu").formula_text
