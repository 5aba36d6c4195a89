"""Option checks: each kind of option is checked once (actviz.core.options); the library says
what is wrong in its own names, and the command line says the same with its flags."""

import math

import pytest
from typer.testing import CliRunner

import actviz
from actviz.analysis import accuracy, signal, stats
from actviz.cli import app
from actviz.core import options
from actviz.render import figures, io

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


# -- the library: OptionError, named as the library names the option -----------------------------

BAD = [
    # (call, the option it names, the start of the message)
    (lambda: options.check_range(1, -1), "range", "range minimum must be below its maximum, not [1, -1]"),
    (lambda: options.check_range(math.nan, 1), "range", "range must be finite"),
    (lambda: options.check_range(-1e308, 1e308), "range", "range is too wide"),
    (lambda: options.check_range(math.nan, 1, finite=False), "range", "range must be numbers"),
    (lambda: options.check_audit_range((2, 1)), "range", "range minimum must be below its maximum"),
    (lambda: options.check_points(1), "points", "points must be at least 2, not 1"),
    (lambda: options.check_points(2.5), "points", "points must be a whole number, not 2.5"),
    (lambda: options.check_points(options.MAX_POINTS + 1), "points", "points must be at most 50,000,000"),
    (lambda: options.check_figure_points(2_000_000), "points", "points must be at most 1,000,000 in a figure"),
    (lambda: options.check_order(3), "order", "order must be 1 or 2, not 3"),
    (lambda: options.check_threshold(-0.1), "threshold", "threshold must be a finite number >= 0, not -0.1"),
    (lambda: options.check_threshold(math.inf, "saturation"), "saturation", "saturation must be a finite number"),
    (lambda: options.check_gaussian(math.nan, 1), "mu", "mu must be a finite number, not nan"),
    (lambda: options.check_gaussian(0, 0), "sigma", "sigma must be a finite number > 0, not 0"),
    (lambda: options.check_sigmas(-1, 0), "sigma_w", "sigma_w must be a number in (0, 1e+06], not -1"),
    (lambda: options.check_sigmas(1, 1e300), "sigma_b", "sigma_b must be a number in [0, 1e+06], not 1e+300"),
    (lambda: options.check_network(0, 10, 1), "depth", "depth must be a whole number from 1 to 1,000, not 0"),
    (lambda: options.check_network(5, 2.5, 1), "width", "width must be a whole number from 1 to 4,096"),
    (lambda: options.check_network(1000, 4096, 64), "samples", "samples 64 × width 4096 × depth 1000 is more than"),
    (lambda: options.check_network(1000, 1024, 1), "width", "width 1024² × depth 1000 is more than the 1e+09"),
    (lambda: options.check_seed(-1), "seed", "seed must be a whole number from 0 to 4294967295, not -1"),
    (lambda: options.check_dtype("float8"), "dtype", "dtype must be one of float64, float32, float16, bfloat16"),
    (lambda: options.check_workers(0), "workers", "workers must be at least 1, not 0"),
    (lambda: options.check_workers(0, "jobs"), "jobs", "jobs must be at least 1, not 0"),
    (lambda: options.check_tolerance(0), "tolerance", "tolerance must be a finite number > 0, not 0"),
    (lambda: options.check_dpi(0), "dpi", "dpi must be a number in (0, 1200], not 0"),
    (lambda: options.check_size((0, 3), None, (3.5, 3), 2), "size", "size must be two positive numbers"),
    (lambda: options.check_size((3,), None, (3.5, 3), 2), "size", "size takes two numbers"),
    (lambda: options.check_size((700, 3), None, (3.5, 3), 2), "size", "size 700 x 3 inches at 100 dpi is 70,000 pixels"),
    (lambda: options.check_size((3, 3), None, (3.5, 4), 2), "size", "size 3 x 3 inches is too small for 2 panels"),
    (lambda: options.check_panels(["qmap", "nope"], ("qmap", "chi")), "panel", "panel must be one of qmap, chi, not 'nope'"),
    (lambda: accuracy.check_exhaustive("float64", None), "exhaustive", "exhaustive takes float16, bfloat16 or float32"),
    (lambda: figures.check_style("no-such-style"), "style", "unknown style 'no-such-style'"),
    (lambda: io.format_for("x.png", "svg", io.FIGURE_FORMATS), "format", "format svg does not match the suffix of 'x.png'"),
    (lambda: io.format_for("x", None, io.FIGURE_FORMATS), "format", "cannot tell the format of 'x'"),
    (lambda: actviz.load_plugin("nowhere.py"), "plugin", "plugin 'nowhere.py': no such file"),
    (lambda: actviz.load_plugin("plugin.txt"), "plugin", "plugin takes a Python file (FILE.py), not 'plugin.txt'"),
    # and through the functions that take them
    (lambda: signal.analyse("tanh", 0.0, 0.0), "sigma_w", "sigma_w must be"),
    (lambda: signal.monte_carlo("tanh", 1.0, 0.0, 8, 2, 2, seed=-1), "seed", "seed must be"),
    (lambda: stats.stats("tanh", sigma=-1), "sigma", "sigma must be"),
    (lambda: stats.stats("tanh", saturation=-1), "saturation", "saturation must be"),
    (lambda: actviz.sample("tanh", points=1), "points", "points must be"),
    (lambda: actviz.sample("tanh", order=3), "order", "order must be"),
    (lambda: figures.plot("tanh", dpi=-1), "dpi", "dpi must be"),
    (lambda: accuracy.audit("tanh", "float8"), "dtype", "dtype must be"),
    (lambda: accuracy.audit("tanh", workers=0), "workers", "workers must be"),
    (lambda: accuracy.audit("tanh", exhaustive=True), "exhaustive", "exhaustive takes"),
]


@pytest.mark.parametrize(("call", "option", "message"), BAD, ids=[m[:40] for _, _, m in BAD])
def test_a_bad_option_is_an_option_error_in_the_library_s_words(call, option, message):
    with pytest.raises(actviz.OptionError) as info:
        call()
    assert isinstance(info.value, actviz.UsageError) and info.value.exit_code == 2
    assert info.value.option == option
    assert str(info.value).startswith(message), str(info.value)
    assert "--" not in str(info.value) and "{" not in str(info.value)


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: options.check_range(-1, 2), (-1.0, 2.0)),
        (lambda: options.check_range(-math.inf, 0, finite=False), (-math.inf, 0.0)),
        (lambda: options.check_points(5.0), 5),
        (lambda: options.check_dtype(" F32 "), "float32"),
        (lambda: options.check_dtype("bf16"), "bfloat16"),
        (lambda: options.check_panels(None, ("a", "b")), ["a", "b"]),
        (lambda: options.check_panels([" B "], ("a", "b")), ["b"]),
        (lambda: options.check_dpi(None), None),
        (lambda: options.check_seed(2**32 - 1), 2**32 - 1),
    ],
)
def test_a_good_option_comes_back_in_canonical_form(call, expected):
    assert call() == expected


def test_the_message_can_name_the_options_otherwise():
    error = actviz.OptionError("samples", "{samples} 4 × {width} 5 is too many", ("width",))
    assert str(error) == "samples 4 × width 5 is too many"
    assert error.naming(str.upper) == "SAMPLES 4 × WIDTH 5 is too many"


# -- the command line: the same message, with the flag -------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["signal", "tanh", "--sigma-w", "-1"], "--sigma-w must be a number in (0, 1e+06], not -1"),
        (["signal", "tanh", "--sigma-b", "-1"], "--sigma-b must be a number in [0, 1e+06], not -1"),
        (["signal", "tanh", "--depth", "1000", "--width", "4096"], "--samples 64 × --width 4096 × --depth 1000 is more"),
        (["signal", "tanh", "--panel", "nope"], "--panel must be one of qmap, cmap"),
        (["stats", "tanh", "--mu", "nan"], "--mu must be a finite number, not nan"),
        (["stats", "tanh", "--sigma", "0"], "--sigma must be a finite number > 0, not 0"),
        (["stats", "tanh", "--saturation", "-1"], "--saturation must be a finite number >= 0, not -1"),
        (["table", "tanh", "--points", "1"], "--points must be at least 2, not 1"),
        (["table", "tanh", "--range", "1", "-1"], "--range minimum must be below its maximum"),
        (["check", "tanh", "--tolerance", "0"], "--tolerance must be a finite number > 0, not 0"),
        (["plot", "tanh", "--dpi", "0", "-o", "x.png"], "--dpi must be a number in (0, 1200], not 0"),
        (["plot", "tanh", "--size", "0", "3", "-o", "x.png"], "--size must be two positive numbers"),
        (["accuracy", "tanh", "-d", "float8"], "--dtype must be one of float64"),
        (["accuracy", "tanh", "--workers", "0"], "--workers must be at least 1, not 0"),
        (["accuracy", "tanh", "--exhaustive"], "--exhaustive takes float16, bfloat16 or float32"),
        (["accuracy", "tanh", "--exhaustive", "-d", "float64", "--range", "1", "2"], "or a float64 --range holding"),
        (["gallery", "--jobs", "0"], "--jobs must be at least 1, not 0"),
        (["plot", "tanh", "-o", "x.png", "--format", "svg"], "--format svg does not match the suffix of 'x.png'"),
        (["stats", "tanh", "-o", "x"], "(.csv, .json, .md) or name one with --format"),
        (["--plugin", "nowhere.py", "list"], "--plugin 'nowhere.py': no such file"),
    ],
)
def test_the_command_line_names_the_flag(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("actviz: error: ")
    assert message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert not list(tmp_path.iterdir())  # refused before any work


def test_no_arguments_prints_the_help_and_exits_2():
    result = run()
    assert result.exit_code == 2
    assert "Usage:" in result.stdout and "plot" in result.stdout
