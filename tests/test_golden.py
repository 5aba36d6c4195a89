"""The golden numbers hard-coded in the tests agree with mpmath (tests/golden/make_golden.py)."""

import importlib.util
import sys
from pathlib import Path

import mpmath as mp
import pytest

_path = Path(__file__).parent / "golden" / "make_golden.py"
_spec = importlib.util.spec_from_file_location("make_golden", _path)
make_golden = importlib.util.module_from_spec(_spec)
sys.modules["make_golden"] = make_golden  # dataclasses look the module up
_spec.loader.exec_module(make_golden)


def test_every_golden_number_matches_mpmath():
    # the slow mean-field roots at 20 digits here; `python tests/golden/make_golden.py` runs all
    assert make_golden.check(fast=True) == []


def test_the_check_catches_a_wrong_digit(tmp_path, monkeypatch):
    # one digit changed in a table (sigmoid'(±2)) and in a single number (a gain): all reported
    for name in make_golden.TABLES:
        (tmp_path / name).write_text((make_golden.TESTS / name).read_text(encoding="utf-8"), encoding="utf-8")
    squash = tmp_path / "test_catalogue_squash.py"
    squash.write_text(squash.read_text(encoding="utf-8").replace("0.1049935854", "0.1049935855"), encoding="utf-8")
    (tmp_path / "test_stats.py").write_text("GAIN = 1.4141428569978356\n", encoding="utf-8")
    gain = next(n for n in make_golden.NUMBERS if n.text == "1.4141428569978354")
    monkeypatch.setattr(make_golden, "TESTS", tmp_path)
    monkeypatch.setattr(make_golden, "NUMBERS", [make_golden.Number(
        "test_stats.py", "1.4141428569978356", gain.value, gain.what, exact_float=True)])
    bad = make_golden.check()
    assert len(bad) == 3, bad
    assert any("sigmoid f'(-2)" in b for b in bad) and any("sigmoid f'(2)" in b for b in bad)
    assert any("1.4141428569978356" in b for b in bad)


@pytest.mark.parametrize(
    "text, value, exact, ok",
    [
        ("0.1049935854", "0.10499358540350651735", False, True),
        ("0.1049935855", "0.10499358540350651735", False, False),
        ("4.58486", "4.584863339", False, True),
        ("4.58487", "4.584863339", False, False),
        ("1.4141428569978354", "1.41414285699783534988", True, True),
        ("1.4141428569978356", "1.41414285699783534988", True, False),
    ],
)
def test_matching_is_correct_rounding(text, value, exact, ok):
    with mp.workdps(30):
        assert make_golden.matches(text, mp.mpf(value), exact) is ok
