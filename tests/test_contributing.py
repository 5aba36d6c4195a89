"""CONTRIBUTING.md's example declaration works as it says: run in the family file it names, it
registers a record that binds, evaluates and passes the registry-wide checks with nothing else
edited."""

import re
from pathlib import Path

import numpy as np
import pytest
import test_accuracy_audit as audit
import test_accuracy_ulp as ulp
import test_registry_properties as props
from conftest import declared

import actviz
from actviz.catalogue import sigmoid_like
from actviz.core import store
from actviz.render.gallery import suggested_range

GUIDE = Path(__file__).resolve().parent.parent / "CONTRIBUTING.md"
FAMILY_FILE = "actviz/catalogue/sigmoid_like.py"


def example() -> tuple[str, str]:
    """The example's code block and the name it registers."""
    text = GUIDE.read_text(encoding="utf-8")
    section = text.split("## Adding an activation", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)
    return code, re.search(r'name="(\w+)"', code).group(1)


@pytest.fixture
def registered():
    """The example run as part of its family file, in a copy of the store put back afterwards."""
    actviz.names()
    saved = dict(store._REGISTRY), dict(store._ALIASES)
    code, name = example()
    assert FAMILY_FILE in GUIDE.read_text(encoding="utf-8")
    try:
        # as if written in the family file: its imports and helpers in scope
        exec(compile(code, str(GUIDE), "exec"), dict(vars(sigmoid_like)))  # noqa: S102
        yield actviz.lookup(name)
    finally:
        store._REGISTRY.clear()
        store._REGISTRY.update(saved[0])
        store._ALIASES.clear()
        store._ALIASES.update(saved[1])


def test_the_example_is_a_new_name():
    _, name = example()
    assert name not in actviz.names()


def test_the_example_binds_and_evaluates(registered):
    act = actviz.get(registered.name)
    assert act.record is registered and act.params == {"alpha": 1.0}
    # x/√(1 + x²) in closed form
    x = np.array([-3.0, -0.5, 0.0, 0.5, 3.0])
    np.testing.assert_allclose(act(x), x / np.sqrt(1 + x * x), rtol=1e-15)
    np.testing.assert_allclose(act.derivative(x), (1 + x * x) ** -1.5, rtol=1e-15)
    assert str(actviz.get(f"{registered.name}(alpha=4)").output_range) == "(-0.5, 0.5)"
    assert suggested_range(act) == registered.plot_range
    assert registered.name in [r.name for r in actviz.records()]


def test_the_example_passes_the_registry_wide_checks(registered):
    name = registered.name
    acts = declared(registered)
    assert len(acts) == 1 + len(registered.checks.samples) and registered.checks.samples
    for act in acts:
        spec = act.label
        props.test_spec_round_trips(spec)
        props.test_finite_in_finite_out_without_warnings(spec)
        props.test_infinities_give_limits_and_nan_propagates(spec)
        for dtype in (np.float16, np.float32, np.float64):
            props.test_dtype_and_shape_are_kept(spec, dtype)
        props.test_analytic_derivatives_match_numeric(spec)
        props.test_preset_formulas_are_valid_mathtext(spec)
        ulp.test_ulp_sweep(spec, "numpy")  # the example has no compiled kernel
    for check in (
        props.test_aliases_are_the_same_record,
        props.test_integers_become_float64,
        props.test_every_scalar_activation_has_an_mpmath_reference,
        props.test_record_is_complete,
        props.test_formulas_are_valid_mathtext,
        props.test_kink_derivatives_are_finite_and_reported,
        props.test_unknown_preset_lists_those_that_exist,
        audit.test_textbook_formulas_are_right_where_they_do_not_break,
    ):
        check(name)


def test_the_example_holds_to_its_claims(registered):
    cases = [s for s in props.claim_cases() if actviz.get(s).record is registered]
    assert len(cases) >= 3  # the defaults and alpha moved across its range
    for spec in cases:
        for check in (
            props.test_monotonic_claim_holds,
            props.test_bounded_claims_hold,
            props.test_output_range_claim_holds,
            props.test_zero_centred_claim_holds,
            props.test_smoothness_claim_matches_the_kinks,
            props.test_no_jump_away_from_the_kinks,
        ):
            check(spec)
