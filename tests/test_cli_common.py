"""Conventions every command shares: parameters from options, formats, where files go."""

import os

import pytest
from typer.testing import CliRunner

from actviz.cli import app

runner = CliRunner()


def one_line_error(result, code):
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert 1 <= len(lines) <= 2 and lines[0].startswith("actviz: error:"), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.mark.parametrize(
    "args, message",
    [
        (["relu(alpha=0.5)", "--alpha", "0.2"], "alpha is 0.5 in the spec but 0.2 as an option"),
        (["leaky_relu(negative_slope=0.3)", "--alpha", "0.1"], "alpha is 0.3 in the spec but 0.1"),
        (["leaky_relu", "-p", "alpha=1", "-p", "alpha=2"], "given twice (-p alpha=1 and -p alpha=2)"),
        (["leaky_relu", "--alpha", "1", "-p", "alpha=2"], "given twice (--alpha 1 and -p alpha=2)"),
        (["leaky_relu", "--alpha", "1", "-p", "negative_slope=2"], "given twice (as 'alpha' and 'negative_slope')"),
    ],
)
def test_a_parameter_given_two_ways_is_an_error(args, message):
    result = runner.invoke(app, ["table", *args, "--points", "3", "-o", "-"])
    assert message in one_line_error(result, 2)


def test_the_same_value_inline_and_as_an_option_is_fine():
    result = runner.invoke(app, ["table", "leaky_relu(alpha=0.5)", "--alpha", "0.5", "--points", "3", "-o", "-"])
    assert result.exit_code == 0
    assert "leaky_relu(alpha=0.5),-6.0,-3.0,0.5" in result.stdout


def test_an_option_reaches_only_the_activations_that_take_it():
    result = runner.invoke(app, ["table", "leaky_relu", "tanh", "--alpha", "0.5", "--points", "3", "-o", "-"])
    assert result.exit_code == 0
    assert "leaky_relu(alpha=0.5),-6.0,-3.0,0.5" in result.stdout and "\ntanh," in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        # leaky_relu's parameter alpha is also called negative_slope (PyTorch's name)
        (["plot", "leaky_relu", "-p", "slope=0.1"],
         "leaky_relu has no parameter 'slope' (did you mean 'negative_slope'?); it takes: alpha (also negative_slope)"),
        (["table", "relu", "-p", "treshold=1"],
         "relu has no parameter 'treshold' (did you mean 'threshold'?); it takes: alpha (also negative_slope), "
         "max_value, threshold"),
        (["table", "gelu", "-p", "zeta=1"], "gelu has no parameter 'zeta'; it takes: approximate"),
        (["stats", "elu", "selu", "tanh", "-p", "alfa=1"],
         "none of elu, selu, tanh has a parameter 'alfa' (did you mean 'alpha'?); elu takes: alpha; "
         "selu takes none; tanh takes none"),
        (["compare", "sigmoid", "tanh", "--beta", "2"],
         "none of sigmoid, tanh has a parameter 'beta'; sigmoid takes none; tanh takes none"),
    ],
)
def test_a_parameter_no_activation_takes_names_those_they_do(args, message):
    assert one_line_error(runner.invoke(app, [*args, "--points", "3"]), 2) == f"actviz: error: {message}"


@pytest.mark.parametrize("command", [["plot", "relu"], ["table", "relu"]])
def test_format_that_contradicts_the_suffix_is_refused(tmp_path, command):
    target = tmp_path / ("x.png" if command[0] == "plot" else "x.csv")
    fmt = "svg" if command[0] == "plot" else "json"
    result = runner.invoke(app, [*command, "--format", fmt, "-o", str(target)])
    assert "does not match the suffix" in one_line_error(result, 2)
    assert not target.exists()


def test_format_names_the_type_of_a_file_without_a_known_suffix(tmp_path):
    target = tmp_path / "values.data"
    result = runner.invoke(app, ["table", "relu", "--format", "csv", "--points", "3", "-o", str(target)])
    assert result.exit_code == 0
    assert target.read_text().startswith("activation,x,f,df\n")


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs /proc")
@pytest.mark.parametrize("command, name", [(["plot", "relu"], "x.png"), (["table", "relu"], "x.csv")])
def test_a_directory_that_takes_no_files_names_the_target(command, name):
    result = runner.invoke(app, [*command, "-o", f"/proc/{name}"])
    line = one_line_error(result, 1)
    assert f"cannot write '/proc/{name}'" in line and ".tmp" not in line


@pytest.mark.parametrize("args", [["plot", "relu", "--order", "3"], ["table", "relu", "--order", "5"]])
def test_choice_errors_read_plainly(args):
    line = one_line_error(runner.invoke(app, args), 2)
    assert "Value error" not in line and "--order" in line
