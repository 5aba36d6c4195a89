"""`actviz plot` and `actviz compare`: files, terminal output, and every way to get them wrong."""

import os
import shlex
import sys

import matplotlib.figure
import pytest
from typer.testing import CliRunner

from actviz.cli import app

runner = CliRunner()
PNG = b"\x89PNG\r\n\x1a\n"
#: Small, coarse figures: these tests check what is written, not how it looks.
FAST = ("--points", "101", "--dpi", "20")


def run(*args, **kw):
    return runner.invoke(app, [str(a) for a in args], **kw)


def leftovers(directory):
    return sorted(p.name for p in directory.iterdir())


# -- writing figures ----------------------------------------------------------------------------


def test_headline_example_writes_a_png(tmp_path):
    out = tmp_path / "relu.png"
    result = run("plot", "leaky_relu", "--alpha", "0.1", "-o", out)
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(PNG)
    assert f"wrote {out}" in result.stderr
    assert leftovers(tmp_path) == ["relu.png"]  # no temporary file left beside it


@pytest.mark.parametrize(("name", "fmt", "magic"), [
    ("f.svg", None, b"<?xml"),
    ("f.pdf", None, b"%PDF"),
    ("f.figure", "svg", b"<?xml"),  # --format wins over the suffix
    ("F.PNG", None, PNG),
])
def test_format_follows_suffix_unless_told(tmp_path, name, fmt, magic):
    out = tmp_path / name
    result = run("plot", "sigmoid", "-o", out, *FAST, *(["--format", fmt] if fmt else []))
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(magic)


@pytest.mark.parametrize("command", [("plot", "gelu"), ("compare", "sigmoid", "softsign")])
def test_pdf_embeds_truetype_fonts_not_type3(tmp_path, command):
    # Type 3 fonts fail IEEE/ACM PDF checks; the title's mathtext and the tick labels both count
    out = tmp_path / "f.pdf"
    result = run(*command, "-o", out, *FAST)
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert b"/FontType 3" not in data and b"/Subtype /Type3" not in data
    assert b"/Subtype /TrueType" in data or b"/Subtype /CIDFontType2" in data


def test_a_pdf_is_saved_with_no_word_from_the_font_subsetter(tmp_path):
    # relu's title sets its brace from matplotlib's cmsy10.ttf, whose header dates fontTools warns about
    # ("'created' timestamp seems very low") when it subsets the TrueType font; a real process, since under
    # pytest the warning goes to pytest's log capture rather than to stderr
    import subprocess

    out = tmp_path / "relu.pdf"
    env = {**os.environ, "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, "-m", "actviz", "plot", "relu", "-o", str(out)], capture_output=True,
                          text=True, env=env, timeout=120)
    assert (done.returncode, done.stderr) == (0, f"wrote {out}\n")
    assert b"cmsy10" in out.read_bytes() or b"Cmsy10" in out.read_bytes()  # the font in question was embedded


def test_svg_to_stdout():
    result = run("plot", "tanh", "-o", "-", "--format", "svg", *FAST)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("<?xml") and "</svg>" in result.stdout
    assert "wrote" not in result.stderr


def test_png_to_stdout_when_not_a_terminal():
    result = run("plot", "tanh", "-o", "-", *FAST)
    assert result.exit_code == 0
    assert result.stdout_bytes.startswith(PNG)


def test_replaces_an_existing_file(tmp_path):
    out = tmp_path / "f.png"
    out.write_bytes(b"old")
    assert run("plot", "sigmoid", "-o", out, *FAST).exit_code == 0
    assert out.read_bytes().startswith(PNG)


def test_every_option_reaches_the_figure(tmp_path, monkeypatch):
    seen = {}
    import actviz.render.figures

    real = actviz.render.figures.plot

    def spy(act, **kw):
        seen.update(kw, act=act.spec)
        return real(act, **kw)

    monkeypatch.setattr(actviz.render.figures, "plot", spy)
    out = tmp_path / "f.png"
    result = run(
        "plot", "leaky_relu", "-p", "alpha=0.25", "--range", "-5", "5", "--points", "201",
        "--order", "2", "--numeric", "--logy", "--saturation", "0.05", "-o", out, "--dpi", "20",
        "--size", "4", "5", "--style", "bmh", "--dark",
    )
    assert result.exit_code == 0, result.output
    assert seen == {
        "act": "leaky_relu(alpha=0.25)", "range": (-5.0, 5.0), "points": 201, "order": 2,
        "numeric": True, "logy": True, "saturation": 0.05, "size": (4.0, 5.0), "dpi": 20.0,
        "style": "bmh", "dark": True,
    }
    assert out.read_bytes().startswith(PNG)


def test_compare_writes_with_diff(tmp_path, monkeypatch):
    seen = {}
    import actviz.render.figures

    real = actviz.render.figures.compare

    def spy(acts, **kw):
        seen["specs"] = [a.spec for a in acts]
        seen.update(kw)
        return real(acts, **kw)

    monkeypatch.setattr(actviz.render.figures, "compare", spy)
    out = tmp_path / "cmp.svg"
    result = run("compare", "gelu", "gelu(approximate=tanh)", "--diff", "-o", out, *FAST)
    assert result.exit_code == 0, result.output
    assert seen["specs"] == ["gelu(approximate=none)", "gelu(approximate=tanh)"] and seen["diff"] is True
    assert "</svg>" in out.read_text()


def test_compare_alpha_goes_to_those_that_take_it(tmp_path):
    result = run("compare", "sigmoid", "leaky_relu", "--alpha", "0.3", "-o", tmp_path / "c.png", *FAST)
    assert result.exit_code == 0, result.output


# -- the terminal ---------------------------------------------------------------------------------


def test_terminal_plot_and_how_to_save_it(tmp_path):
    result = run("plot", "leaky_relu", "--alpha", "0.1", "--range", "-3", "3")
    assert result.exit_code == 0, result.output
    assert "leaky_relu(alpha=0.1): f(x)" in result.stdout
    assert any(0x2800 <= ord(c) <= 0x28FF for c in result.stdout)
    assert "\x1b[" not in result.stdout  # not a terminal: no colour codes
    hint = result.stderr.strip().splitlines()[-1]
    assert hint.startswith("save it")
    command = shlex.split(hint.split(": ", 1)[1])
    assert command[:3] == ["actviz", "plot", "leaky_relu(alpha=0.1)"]
    assert command[-2:] == ["-o", "leaky_relu.png"] and "--range" in command
    # the hint works as printed
    command[-1] = str(tmp_path / command[-1])
    again = run(*command[1:], *FAST)
    assert again.exit_code == 0, again.output
    assert (tmp_path / "leaky_relu.png").read_bytes().startswith(PNG)


def hint_words(command, specs, range_=(-6.0, 6.0), saturation=0.01):
    """The save hint for a terminal plot with these settings, split as a shell would."""
    from actviz.cli.plot_commands import _Request, _save_hint
    from actviz.core.sampling import DEFAULT_POINTS

    req = _Request(range_, DEFAULT_POINTS, 1, False, False, saturation, None, None, None, None, None, False, False)
    hint = _save_hint(command, specs, req, [])
    assert hint.startswith("save it (png, svg or pdf): ")
    return shlex.split(hint.split(": ", 1)[1])


def test_save_hint_file_name_is_a_plain_stem():
    # an expression's text is no file name ('1/x.png' is a path into a directory '1')
    assert hint_words("plot", ["1/x"])[-2:] == ["-o", "expression.png"]
    assert hint_words("plot", ["(a*x)(a=2)"])[-1] == "expression.png"
    assert hint_words("plot", ["x"])[-1] == "expression.png"
    # catalogue specs give their names, parameters and framework dropped
    assert hint_words("plot", ["gelu@torch(approximate=tanh)"])[-1] == "gelu.png"
    words = hint_words("compare", ["relu", "x*sigmoid(1.702*x)", "leaky_relu(alpha=0.2)"])
    assert words[2:5] == ["relu", "x*sigmoid(1.702*x)", "leaky_relu(alpha=0.2)"]
    assert words[-1] == "relu_expression_leaky_relu.png"
    for specs in (["1/x"], ["../x"], ["x*sigmoid(x)", "sigmoid"]):
        stem = hint_words("compare", specs)[-1].removesuffix(".png")
        assert stem and all(c.isalnum() or c in "_-" for c in stem), stem


def test_save_hint_numbers_are_exact():
    # repr-quality text reads back to the very float given; '%g' wrote 1e+15 1e+15 and 0.123457
    for lo, hi in [(1e15, 1.0000000001e15), (0.1234567, 1.0), (-3.0, 2.5), (1e-300, 1e300), (-0.1, 0.30000000000000004)]:
        words = hint_words("plot", ["sigmoid"], range_=(lo, hi))
        i = words.index("--range")
        assert (float(words[i + 1]), float(words[i + 2])) == (lo, hi), words
    words = hint_words("plot", ["sigmoid"], range_=(1e15, 1.0000000001e15))
    assert words[words.index("--range") + 1 :][:2] == ["1000000000000000", "1000000000100000"]
    words = hint_words("plot", ["sigmoid"], range_=(0.1234567, 1.0))
    assert words[words.index("--range") + 1 :][:2] == ["0.1234567", "1"]
    words = hint_words("plot", ["sigmoid"], saturation=0.0123456789)
    assert words[words.index("--saturation") + 1] == "0.0123456789"


def test_save_hint_of_an_expression_works_as_printed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("plot", "1/x", "--range", "0.1234567", "1")
    assert result.exit_code == 0, result.output
    command = shlex.split(result.stderr.strip().splitlines()[-1].split(": ", 1)[1])
    assert command[-2:] == ["-o", "expression.png"] and command[3:6] == ["--range", "0.1234567", "1"]
    again = run(*command[1:], *FAST)
    assert again.exit_code == 0, again.output
    assert leftovers(tmp_path) == ["expression.png"]
    assert (tmp_path / "expression.png").read_bytes().startswith(PNG)


def test_terminal_plot_options():
    result = run("plot", "sigmoid", "--logy", "--order", "2", "--numeric", "--points", "301")
    assert result.exit_code == 0, result.output
    assert "|f'(x)|, log scale" in result.stdout and "f''(x)" in result.stdout
    assert "--logy" in result.stderr and "--order 2" in result.stderr


def test_compare_in_the_terminal_has_the_statistics_table():
    result = run("compare", "sigmoid", "tanh", "--diff", "--points", "301")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "sigmoid vs tanh: f(x)" in out and "f - sigmoid" in out
    table = out[out.index("statistic"):]
    assert "saturated share" in table and "sigmoid" in table and "tanh" in table
    assert "-4.58486" in table  # sigmoid's onset at τ = 0.01 (closed form: sigmoid_onset in test_stats.py)
    assert "--diff" in result.stderr


def test_no_color_env_and_non_tty_are_plain():
    result = run("compare", "sigmoid", "tanh", "--points", "101", env={"NO_COLOR": "1"})
    assert result.exit_code == 0
    assert "\x1b[" not in result.stdout


# -- --show -----------------------------------------------------------------------------------------


def test_show_without_a_display_fails_fast(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    result = run("plot", "sigmoid", "--show")
    assert result.exit_code == 1
    assert "display" in result.stderr and "Traceback" not in result.output


def test_show_with_a_non_interactive_backend_fails_fast(monkeypatch, tmp_path):
    monkeypatch.setenv("DISPLAY", ":99")
    import matplotlib.pyplot as plt

    monkeypatch.setattr(plt, "get_backend", lambda: "agg")
    out = tmp_path / "f.png"
    result = run("plot", "sigmoid", "--show", "-o", out, *FAST)
    assert result.exit_code == 1
    assert "interactive" in result.stderr and "Traceback" not in result.output
    assert out.read_bytes().startswith(PNG)  # -o is written before the window is tried


def test_show_opens_the_figure(monkeypatch):
    monkeypatch.setenv("DISPLAY", ":99")
    import matplotlib.pyplot as plt

    shown = []
    monkeypatch.setattr(plt, "get_backend", lambda: "tkagg")
    monkeypatch.setattr(plt, "figure", lambda fig: shown.append(fig))
    monkeypatch.setattr(plt, "show", lambda: shown.append("show"))
    result = run("plot", "sigmoid", "--show")
    assert result.exit_code == 0, result.output
    assert isinstance(shown[0], matplotlib.figure.Figure) and shown[1] == "show"
    assert shown[0].get_suptitle() == "sigmoid"


# -- help ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["plot", "compare"])
def test_help(command):
    result = run(command, "--help")
    assert result.exit_code == 0
    for option in ("--range", "--points", "--order", "--numeric", "--logy", "--saturation", "--output",
                   "--format", "--dpi", "--size", "--style", "--dark", "--show", "--alpha", "--param"):
        assert option in result.stdout, option
    assert ("--diff" in result.stdout) == (command == "compare")


# -- errors: exit code first, one or two lines, no traceback, no file -------------------------------

BAD = [
    (["plot", "nosuch"], 2, "unknown activation"),
    (["plot", "sigmod"], 2, "did you mean sigmoid"),
    (["plot", "leaky_relu(alpha=0.1"], 2, "bad spec"),
    (["plot", ""], 2, "empty"),
    (["plot", "x" * 2000], 2, "too long"),
    (["plot", "sigmoid(alpha=1)"], 2, "no parameter 'alpha'"),
    (["plot", "sigmoid", "--alpha", "0.1"], 2, "sigmoid has no parameter 'alpha'; it takes none"),
    (["plot", "leaky_relu", "-p", "alpha"], 2, "NAME=VALUE"),
    (["plot", "leaky_relu", "-p", "alpha=abc"], 2, "must be a number"),
    (["plot", "gelu", "-p", "approximate=cubic"], 2, "must be one of"),
    (["plot", "sigmoid", "--range", "5", "-5"], 2, "range"),
    (["plot", "sigmoid", "--range", "1", "1"], 2, "range"),
    (["plot", "sigmoid", "--range", "nan", "1"], 2, "finite"),
    (["plot", "sigmoid", "--range", "-inf", "1"], 2, "finite"),
    (["plot", "sigmoid", "--points", "1"], 2, "at least 2"),
    (["plot", "sigmoid", "--points", "10000000000"], 2, "at most"),
    (["plot", "sigmoid", "--points", "2000000"], 2, "--points must be at most 1,000,000 in a figure"),
    (["plot", "sigmoid", "--saturation", "-0.5"], 2, "saturation"),
    (["plot", "sigmoid", "--order", "3"], 2, "--order"),
    (["plot", "sigmoid", "--dpi", "0"], 2, "dpi"),
    (["plot", "sigmoid", "--dpi", "abc"], 2, "--dpi"),
    (["plot", "sigmoid", "--size", "-1", "3"], 2, "size"),
    (["plot", "sigmoid", "--size", "1000", "1000"], 2, "pixels"),
    (["plot", "sigmoid", "--size", "3"], 2, "--size"),
    (["plot", "sigmoid", "--style", "nosuchstyle"], 2, "unknown style 'nosuchstyle'; try"),
    (["plot", "gelu", "--size", "3", "2", "--order", "2", "--numeric"], 2, "too small for 3 panels"),
    (["compare", "gelu", "elu", "--diff", "--size", "7", "4"], 2, "too small for 3 panels"),
    (["plot", "sigmoid", "--format", "svg"], 2, "give -o"),
    (["compare", "sigmoid"], 2, "at least two"),
    (["compare", "sigmoid", "nosuch"], 2, "unknown activation"),
    (["compare", "sigmoid", "tanh", "--beta", "2"], 2, "none of sigmoid, tanh has a parameter 'beta'"),
]


def _check_failure(result, code, message):
    assert result.exit_code == code, (result.exit_code, result.output)
    lines = result.stderr.strip().splitlines()
    assert 1 <= len(lines) <= 2, result.stderr
    assert lines[0].startswith("actviz: error: ")
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.output and "Traceback" not in result.stderr


@pytest.mark.parametrize(("args", "code", "message"), BAD, ids=[" ".join(a)[:40] for a, _, _ in BAD])
def test_bad_input(tmp_path, args, code, message):
    out = tmp_path / "out.png"
    out.write_bytes(b"precious")
    result = run(*args, "-o", out) if "--format" not in args else run(*args)
    _check_failure(result, code, message)
    assert out.read_bytes() == b"precious"  # never clobbered
    assert leftovers(tmp_path) == ["out.png"]


@pytest.mark.parametrize(("content", "message"), [
    ("lines.linewidth: banana\n", "Bad value in file"),
    ("lines.linewdth: 2\n", "Bad key lines.linewdth"),
])
def test_a_broken_style_file(tmp_path, content, message):
    style = tmp_path / "broken.mplstyle"
    style.write_text(content)
    out = tmp_path / "out.png"
    out.write_bytes(b"precious")
    result = run("plot", "relu", "--style", style, "-o", out)
    _check_failure(result, 2, message)
    assert len(result.stderr.strip().splitlines()) == 1
    assert out.read_bytes() == b"precious"


def test_a_layout_that_collapses_fails_and_leaves_the_file(tmp_path):
    # 40-point text in the smallest figure allowed: constrained_layout gives up
    style = tmp_path / "huge.mplstyle"
    style.write_text("font.size: 40\naxes.labelsize: 40\nxtick.labelsize: 40\nytick.labelsize: 40\n")
    out = tmp_path / "out.png"
    out.write_bytes(b"precious")
    result = run("plot", "gelu", "--style", style, "--size", "3.5", "3.35", "-o", out, *FAST)
    _check_failure(result, 2, "too small for what it holds")
    assert out.read_bytes() == b"precious"
    assert leftovers(tmp_path) == ["huge.mplstyle", "out.png"]


def test_matplotlib_says_nothing_while_saving(tmp_path):
    # a missing font family: matplotlib logs "findfont: ... not found" when it draws the text
    style = tmp_path / "font.mplstyle"
    style.write_text("font.family: NoSuchFamilyForTheSaveTest\n")
    out = tmp_path / "out.png"
    result = run("plot", "gelu", "--style", style, "-o", out, *FAST)
    assert result.exit_code == 0, result.output
    assert result.stderr == f"wrote {out}\n"
    assert out.read_bytes().startswith(PNG)


@pytest.mark.parametrize(("name", "fmt", "message"), [
    ("out.gif", None, "unknown output suffix '.gif'"),
    ("out", None, "cannot tell the format"),
    ("out.png", "jpeg", "unknown format 'jpeg'"),
])
def test_bad_output_format(tmp_path, name, fmt, message):
    result = run("plot", "sigmoid", "-o", tmp_path / name, *(["--format", fmt] if fmt else []))
    _check_failure(result, 2, message)
    assert leftovers(tmp_path) == []


def test_missing_output_directory(tmp_path):
    result = run("plot", "sigmoid", "-o", tmp_path / "nope" / "f.png")
    _check_failure(result, 1, "does not exist")
    assert leftovers(tmp_path) == []


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes anywhere")
def test_unwritable_output_directory(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        result = run("compare", "sigmoid", "tanh", "-o", locked / "f.png")
        _check_failure(result, 1, "not writable")
        assert leftovers(locked) == []
    finally:
        locked.chmod(0o700)


def test_a_failed_save_leaves_the_old_file(tmp_path, monkeypatch):
    out = tmp_path / "f.png"
    out.write_bytes(b"precious")

    def broken_savefig(self, fh, **kw):
        fh.write(b"half a png")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", broken_savefig)
    result = run("plot", "sigmoid", "-o", out)
    _check_failure(result, 1, "No space left on device")
    assert out.read_bytes() == b"precious"
    assert leftovers(tmp_path) == ["f.png"]


def test_binary_to_a_terminal_is_refused(monkeypatch):
    from actviz.cli import plot_commands

    monkeypatch.setattr(plot_commands, "_is_terminal", lambda stream: True)
    _check_failure(run("plot", "sigmoid", "-o", "-"), 2, "redirect")
    assert run("plot", "sigmoid", "-o", "-", "--format", "svg", *FAST).exit_code == 0


def test_debug_shows_the_traceback():
    from actviz import UnknownActivationError

    result = run("--debug", "plot", "nosuch")
    assert result.exit_code != 0
    assert isinstance(result.exception, UnknownActivationError)  # raised, not turned into a line


# -- the README section ------------------------------------------------------------------------------


def test_readme_plot_section_matches_the_commands():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    text = (root / "README.md").read_text(encoding="utf-8")
    body = re.search(r"<!-- section:commands-plot -->\n(.*?)<!-- /section:commands-plot -->", text, re.S)
    assert body, "README has no commands-plot section"
    body = body.group(1)
    for image in re.findall(r"\]\((docs/images/[^)]+)\)", body):
        assert (root / image).read_bytes().startswith(PNG), image
    helps = run("plot", "--help").stdout + run("compare", "--help").stdout
    for option in re.findall(r"^\| `(-[-\w]+)", body, re.M):
        assert option in helps, option
