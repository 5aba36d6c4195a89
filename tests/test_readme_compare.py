"""The comparison the README checks use (tests/_readme.py): it lets last-digit and round-off
differences through and catches a real change."""

import json

import pytest
from _readme import MEAN_SCALES, assert_same_output, differences

# the AVX2 and AVX-512 outputs of `actviz stats selu --format json` differ in these lines only
SELU_AVX2 = {"mean": -5.551115123125783e-17, "var": 1.0, "second_moment": 0.9999999999999999}
SELU_AVX512 = {"mean": -2.42861286636753e-17, "var": 0.9999999999999999, "second_moment": 0.9999999999999999}

ACCURACY_HEADER = ("| activation | dtype | points | f max ULP | f mean | within tolerance |\n"
                   "| --- | ---: | ---: | ---: | ---: | ---: |\n")
ULP_COLUMNS = {"f max ULP", "f mean"}


def accuracy(row: str) -> str:
    return ACCURACY_HEADER + row + "\n"


def stats_json(gaussian: dict, **top) -> str:
    record = {"spec": "selu", "points": 1201, "dead_share": 0.0, "gain": 1.0000000000000002, **top,
              "gaussian": {"mu": 0.0, "sigma": 1.0, "mean_df": 0.9852311161857964, **gaussian}}
    return json.dumps([record], indent=2) + "\n"


def test_the_same_text_matches():
    text = accuracy("| softplus | float64 | 1,217 | 1.209 at x = 0.33536023 | 0.222 | yes (≤ 4 / 8) |")
    assert differences(text, text, ULP_COLUMNS) == []


@pytest.mark.parametrize(("shown", "real"), [
    ("0.308", "0.309"),            # the last digit moved by one
    ("2.7478408", "2.7478407"),
    ("0.31", "0.309999"),          # %g dropped the zeros of 0.310000
    ("6.584e+14", "6.585e+14"),
    ("23.59%", "23.6%"),           # 23.60% with its zero dropped
    ("1.0000000000000002", "0.9999999999999999"),  # full precision: two ULPs apart
])
def test_a_last_digit_difference_matches(shown, real):
    assert differences(f"E[f'(z)] = {shown} here\n", f"E[f'(z)] = {real} here\n") == []


@pytest.mark.parametrize(("shown", "real"), [
    ("0.308", "0.310"),            # two units in the last digit
    ("2.7478408", "2.7478418"),
    ("0.5", "0.6"),                # 0.500000 and 0.600000 with their zeros dropped
    ("0.25", "0.26"),
    ("1e+20", "2e+20"),
    ("0", "1e-07"),                # a genuinely small value is not zero on its own scale
    ("1201", "1202"),              # counts and settings are exact
    ("1,217", "1217"),
    ("4", "5"),
])
def test_a_real_change_in_a_number_is_caught(shown, real):
    assert differences(f"E[f'(z)] = {shown} here\n", f"E[f'(z)] = {real} here\n")


def test_round_off_of_zero_matches_zero_on_the_quantitys_scale():
    assert differences(stats_json(SELU_AVX2), stats_json(SELU_AVX512), json_scales=MEAN_SCALES) == []
    assert differences(stats_json(SELU_AVX2), stats_json({**SELU_AVX512, "mean": 0.0}), json_scales=MEAN_SCALES) == []
    # without the scale a mean is measured against itself: -5.55e-17 and -2.43e-17 differ
    assert len(differences(stats_json(SELU_AVX2), stats_json(SELU_AVX512))) == 1
    # beyond round-off the mean has changed
    assert differences(stats_json(SELU_AVX2), stats_json({**SELU_AVX512, "mean": 1e-12}), json_scales=MEAN_SCALES)
    # a genuinely small mean is a value on its own scale (1e-20·x: E[f'] = 1e-20, E[f'²] = 1e-40),
    # even beside σ = 1 in the same object
    tiny = {"mean": 1e-20, "second_moment": 1e-40, "mean_df": 1e-20, "second_moment_df": 1e-40}
    assert differences(stats_json(tiny), stats_json({**tiny, "mean_df": 2e-20}), json_scales=MEAN_SCALES)
    assert differences(stats_json(tiny), stats_json({**tiny, "mean": 1.1e-20}), json_scales=MEAN_SCALES)
    # a count in the same object is exact
    assert differences(stats_json(SELU_AVX2), stats_json(SELU_AVX2, points=1202), json_scales=MEAN_SCALES)


def test_round_off_of_zero_in_text_is_measured_against_the_number_itself():
    # outside JSON there is no object to take a scale from: 0 and 5e-17 are different numbers
    assert differences("E[f(z)] 0.0\n", "E[f(z)] -5.551115123125783e-17\n")


def test_a_number_inside_a_json_string_is_text():
    shown = json.dumps({"spec": "leaky_relu(alpha=0.1)", "x": 0.1})
    real = json.dumps({"spec": "leaky_relu(alpha=0.100000001)", "x": 0.100000001})
    assert differences(shown, real) != []
    assert len(differences(shown, real)) == 1  # the x itself is within its last digit


def test_ulp_figures_match_within_one_ulp_and_where_they_are_need_not():
    # softplus's worst f error on AVX2 and on AVX-512: another figure at another x
    avx2 = accuracy("| softplus | float64 | 1,217 | 1.209 at x = 0.33536023 | 0.222 | yes (≤ 4 / 8) |")
    avx512 = accuracy("| softplus | float64 | 1,217 | 1.08 at x = 0.32202522 | 0.224 | yes (≤ 4 / 8) |")
    assert differences(avx2, avx512, ULP_COLUMNS) == []
    # the same numbers outside the ULP columns are held to their last digit
    assert len(differences(avx2, avx512)) == 3
    # a figure of 10^14 ULP (a textbook formula that lost every digit) is held to its digits
    textbook = accuracy("| sigmoid | float64 | 1,217 | 6.584e+14 at x = -710.31918 | 0.309 | yes (≤ 4 / 8) |")
    assert differences(textbook, textbook.replace("6.584e+14", "6.585e+14"), ULP_COLUMNS) == []
    assert differences(textbook, textbook.replace("6.584e+14", "6.59e+14"), ULP_COLUMNS)
    # the same figure at a point one unit of its last digit away
    assert differences(textbook, textbook.replace("-710.31918", "-710.31917"), ULP_COLUMNS) == []


@pytest.mark.parametrize("real", [
    "| softplus | float64 | 1,217 | 2.3 at x = 0.33536023 | 0.222 | yes (≤ 4 / 8) |",   # 1.09 ULP worse
    "| softplus | float64 | 1,217 | 1.209 at x = 0.33536023 | 1.3 | yes (≤ 4 / 8) |",   # mean 1.08 ULP worse
    "| softplus | float64 | 1,217 | 1.209 at x = -3.5 | 0.222 | yes (≤ 4 / 8) |",       # same figure, elsewhere
    "| softplus | float64 | 1,217 | 1.209 at x = 0.33536023 | 0.222 | NO (≤ 4 / 8) |",   # the verdict
    "| softplus | float64 | 1,217 | 1.209 at x = 0.33536023 | 0.222 | yes (≤ 5 / 8) |",   # the promise
    "| softplus | float64 | 1,201 | 1.209 at x = 0.33536023 | 0.222 | yes (≤ 4 / 8) |",   # the points
    "| softplus | float32 | 1,217 | 1.209 at x = 0.33536023 | 0.222 | yes (≤ 4 / 8) |",   # a word
    "| softplus | float64 | 1,217 | 1.209 at x = 0.33536023 | 0.222 |",                    # a column
])
def test_a_real_change_in_an_accuracy_row_is_caught(real):
    shown = accuracy("| softplus | float64 | 1,217 | 1.209 at x = 0.33536023 | 0.222 | yes (≤ 4 / 8) |")
    assert differences(shown, accuracy(real), ULP_COLUMNS)


def test_a_missing_or_extra_row_is_caught():
    row = "| tanh | float16 | 1,201 | 0.4988 at x = -2.1171875 | 0.0809 | yes (≤ 0.5 / 0.5) |"
    two = accuracy(row + "\n" + row.replace("tanh", "sigmoid"))
    assert differences(two, accuracy(row), ULP_COLUMNS)
    assert differences(accuracy(row), two, ULP_COLUMNS)


def test_changed_text_is_caught_and_reported_by_line():
    found = differences("statistic   selu\nE[f(z)]   0\n", "statistic   selu\nE[f(h)]   0\n")
    assert len(found) == 1 and found[0].startswith("line 2 differs in its text")
    assert differences("a 1\n", "a 1\n\n")  # a trailing blank line


def test_the_failure_names_what_is_stale_and_how_to_fix_it():
    with pytest.raises(AssertionError, match=r"(?s)README x is stale \(run y\).*shown 0\.5, real 0\.6"):
        assert_same_output("f(0) 0.5\n", "f(0) 0.6\n", "README x", "run y")
    assert_same_output("f(0) 0.308\n", "f(0) 0.309\n", "README x", "run y")
