"""CONTRIBUTING.md's example declaration is the real one, and works as it says: it is, word
for word, the last entry of the family file it names, and run there (in a copy of the store,
in place of the registered record) it registers the same record, which binds, evaluates and
passes the registry-wide checks with nothing else edited."""

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

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "CONTRIBUTING.md"
FAMILY_FILE = "actviz/catalogue/sigmoid_like.py"


def example() -> tuple[str, str]:
    """The example's code block and the name it registers."""
    text = GUIDE.read_text(encoding="utf-8")
    section = text.split("## Adding an activation", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)
    return code, re.search(r'name="(\w+)"', code).group(1)


def test_the_example_is_the_family_files_last_entry_word_for_word():
    code, name = example()
    assert FAMILY_FILE in GUIDE.read_text(encoding="utf-8")
    source = (ROOT / FAMILY_FILE).read_text(encoding="utf-8")
    assert source.endswith("\n\n" + code), f"the guide's block is not the end of {FAMILY_FILE}"
    registered = actviz.lookup(name)
    assert registered.name == name and registered.forward.__module__ == sigmoid_like.__name__


@pytest.fixture
def real():
    """The record the catalogue registered under the example's name."""
    actviz.names()
    return actviz.lookup(example()[1])


@pytest.fixture
def registered(real):
    """The example run as part of its family file, in a copy of the store put back afterwards,
    with the registered record of that name taken out first (else registering it again fails)."""
    saved = dict(store._REGISTRY), dict(store._ALIASES)
    code, name = example()
    try:
        del store._REGISTRY[name]
        for alias in real.aliases:
            del store._ALIASES[alias]
        # as if written in the family file: its imports and helpers in scope
        exec(compile(code, str(GUIDE), "exec"), dict(vars(sigmoid_like)))  # noqa: S102
        fresh = actviz.lookup(name)
        assert fresh is not real
        yield fresh
    finally:
        store._REGISTRY.clear()
        store._REGISTRY.update(saved[0])
        store._ALIASES.clear()
        store._ALIASES.update(saved[1])


def test_the_example_gives_the_registered_record(real, registered):
    for field in ("name", "aliases", "family", "params", "formula_tex", "formula_text", "derivative_tex",
                  "derivative_text", "reference", "numerics", "plot_range", "checks"):
        assert getattr(registered, field) == getattr(real, field), field
    x = np.concatenate([-np.geomspace(1e300, 1e-300, 40), [0.0], np.geomspace(1e-300, 1e300, 40)])
    for alpha in (0.25, 1.0, 3.0):
        pairs = ((registered.forward, real.forward), *zip(registered.derivatives, real.derivatives, strict=True))
        for mine, theirs in pairs:
            np.testing.assert_array_equal(mine(x, alpha), theirs(x, alpha))


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
            props.test_zeros_claim_holds,
        ):
            check(spec)
