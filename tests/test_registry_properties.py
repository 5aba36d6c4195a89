"""Properties every registered activation must have: one test each, run over the whole registry.

A new activation is tested here the moment it is registered.
"""

import math
import warnings

import numpy as np
import pytest
from conftest import ALL_NAMES, ALL_SPECS, SCALAR_NAMES, away_from_kinks

import actviz

EXTREMES = np.array(
    [-1e308, -1e300, -1e200, -1e20, -800.0, -745.2, -700.0, -37.5, -1e-300, -5e-324, 0.0, -0.0,
     5e-324, 1e-300, 37.5, 700.0, 709.7, 710.0, 800.0, 1e20, 1e200, 1e300, 1e308]
)
# exponential is the one function whose true value leaves the float range (above ln(max float)).
OVERFLOWS = {"exponential"}


@pytest.mark.parametrize("spec", ALL_SPECS)
def test_spec_round_trips(spec):
    act = actviz.get(spec)
    assert actviz.get(act.spec) == act
    assert actviz.get(act.spec).params == act.params


@pytest.mark.parametrize("name", ALL_NAMES)
def test_aliases_are_the_same_record(name):
    rec = actviz.lookup(name)
    for alias in rec.aliases:
        assert actviz.lookup(alias) is rec
        assert actviz.get(alias).spec == actviz.get(name).spec


@pytest.mark.parametrize("spec", ALL_SPECS)
def test_finite_in_finite_out_without_warnings(spec):
    act = actviz.get(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise", under="ignore"):
            values = act.evaluate(EXTREMES, orders=(0, 1, 2))
            singles = (act(EXTREMES), act.derivative(EXTREMES), act.derivative(EXTREMES, order=2))
    for got, single in zip(values, singles, strict=True):
        np.testing.assert_array_equal(got, single)
    for got in values:
        if act.name in OVERFLOWS:
            assert np.all(np.isfinite(got[EXTREMES < 709.7])), spec
        else:
            assert np.all(np.isfinite(got)), (spec, EXTREMES[~np.isfinite(got)])


@pytest.mark.parametrize("spec", ALL_SPECS)
def test_infinities_give_limits_and_nan_propagates(spec):
    act = actviz.get(spec)
    x = np.array([-np.inf, np.inf, np.nan])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise", under="ignore"):
            f, d, d2 = act.evaluate(x, orders=(0, 1, 2))
    big = np.array([-1e300, 1e300])
    for got, order in ((f, 0), (d, 1), (d2, 2)):
        assert np.isnan(got[2]), (spec, order)
        assert not np.isnan(got[0]) and not np.isnan(got[1]), (spec, order, got)
    # the limit at ±inf agrees with the value far out (same sign, or both infinite)
    near = act(big)
    for lim, far in zip(f[:2], near, strict=True):
        if math.isinf(lim):
            assert abs(far) > 1e250 and np.sign(far) == np.sign(lim), (spec, lim, far)
        else:
            assert lim == pytest.approx(far, rel=1e-12, abs=1e-300), (spec, lim, far)


@pytest.mark.parametrize("spec", ALL_SPECS)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_dtype_and_shape_are_kept(spec, dtype):
    act = actviz.get(spec)
    x = np.linspace(-3, 3, 12, dtype=dtype).reshape(3, 4)
    for got in (act(x), act.derivative(x), act.derivative(x, order=2), *act.evaluate(x, (0, 1, 2))):
        assert got.dtype == dtype and got.shape == (3, 4)
    # the reduced-precision result is the float64 one, rounded once
    np.testing.assert_array_equal(act(x), act(x.astype(np.float64)).astype(dtype))
    scalar = act(dtype(0.5))
    assert np.ndim(scalar) == 0 and scalar.dtype == dtype


@pytest.mark.parametrize("name", ALL_NAMES)
def test_integers_become_float64(name):
    act = actviz.get(name)
    got = act(np.arange(-3, 4))
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, act(np.arange(-3.0, 4.0)))


@pytest.mark.parametrize("spec", ALL_SPECS)
def test_analytic_derivatives_match_numeric(spec):
    act = actviz.get(spec)
    x = away_from_kinks(act, np.linspace(-7.3, 7.3, 587), margin=0.05)
    for order in (1, 2):
        analytic = act.derivative(x, order=order)
        numeric = act.numeric_derivative(x, order=order)
        scale = np.maximum(1.0, np.abs(analytic))
        err = np.abs(analytic - numeric) / scale
        assert err.max() < 1e-7, (spec, order, x[np.argmax(err)], err.max())


@pytest.mark.parametrize("name", SCALAR_NAMES)
def test_every_scalar_activation_has_an_mpmath_reference(name):
    act = actviz.get(name)
    assert act.record.mp_reference is not None
    import mpmath as mp

    x = away_from_kinks(act, np.array([-3.3, -1.1, -0.4, 0.3, 0.9, 2.7]), margin=1e-3)
    with mp.workdps(40):
        for xi in x:
            f, d = act.record.mp_reference(mp.mpf(float(xi)), **act.params)
            assert float(f) == pytest.approx(float(act(xi)), rel=1e-13, abs=1e-300), (name, xi)
            assert float(d) == pytest.approx(float(act.derivative(xi)), rel=1e-12, abs=1e-300), (name, xi)


@pytest.mark.parametrize("name", ALL_NAMES)
def test_record_is_complete(name):
    rec = actviz.lookup(name)
    assert rec.family and rec.reference and rec.formula_text and rec.derivative_text
    assert rec.formula_tex and rec.derivative_tex
    assert set(rec.frameworks) <= set(actviz.FRAMEWORKS)
    act = actviz.get(name)
    assert act.properties is not None
    info = act.info
    assert info["name"] == rec.name and info["spec"] == act.spec
    for p in rec.params:
        assert p.doc, (name, p.name)
        # the default is itself an allowed value
        assert p.coerce(p.default, name) == p.default


@pytest.mark.parametrize("name", ALL_NAMES)
def test_formulas_are_valid_mathtext(name):
    from matplotlib.mathtext import MathTextParser

    rec = actviz.lookup(name)
    parser = MathTextParser("path")
    for tex in (rec.formula_tex, rec.derivative_tex):
        parser.parse(f"${tex}$")


@pytest.mark.parametrize("name", ALL_NAMES)
def test_kink_derivatives_are_finite_and_reported(name):
    act = actviz.get(name)
    for x, d in act.kink_derivatives().items():
        assert math.isfinite(x) and math.isfinite(d), (name, x, d)


@pytest.mark.parametrize("name", ALL_NAMES)
def test_unknown_preset_lists_those_that_exist(name):
    rec = actviz.lookup(name)
    missing = [fw for fw in actviz.FRAMEWORKS if fw not in rec.frameworks]
    for fw in missing:
        with pytest.raises(actviz.PresetError) as err:
            actviz.get(f"{name}@{fw}")
        for have in rec.frameworks:
            assert f"{name}@{have}" in str(err.value)


@pytest.mark.parametrize("spec", ALL_SPECS)
def test_preset_formulas_are_valid_mathtext(spec):
    from matplotlib.mathtext import MathTextParser

    act = actviz.get(spec)
    parser = MathTextParser("path")
    for tex in (act.formula_tex, act.derivative_tex):
        parser.parse(f"${tex}$")
    if act.variant is not None and act.variant.functions is not None:
        # a preset that defines the function differently must say how
        assert act.variant.formulas is not None, spec


@pytest.mark.parametrize(
    "name, x",
    [
        ("exponential", [-700.0, -30.0, 300.0, 700.0]),  # f' = f: the step must not span a unit here
        ("softplus", [-700.0, 50.0, 1e6, 1e300]),
        ("relu", [1e6, 1e100, 1e300]),
        ("tanh", [-3.0, 0.25, 5.0]),
    ],
)
def test_numeric_derivative_is_accurate_far_out(name, x):
    act = actviz.get(name)
    x = np.array(x)
    np.testing.assert_allclose(act.numeric_derivative(x), act.derivative(x), rtol=1e-8)


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_overflow_of_a_narrow_dtype_is_inf_without_a_warning(dtype):
    # exponential(12) = 162754.79 exceeds float16's largest value 65504; exp(100) exceeds float32's
    act = actviz.get("exponential")
    x = np.full(20000, 100.0, dtype=dtype)  # long enough to take the blocked path too
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for got in (act(x), act.derivative(x), *act.evaluate(x), act(dtype(100))):
            assert np.all(np.isposinf(got)) and got.dtype == dtype
