"""Help pages and shell completion, as a new user meets them in an 80-column terminal."""

import re

import pytest
import typer
from typer.testing import CliRunner

from actviz.cli import app

runner = CliRunner()
COMMANDS = [[], *([name] for name in typer.main.get_command(app).commands)]

#: What Typer prints when no metavar is set (type names, a flag's "<bool>", usage "{spec}") and
#: click's "(default ...)" for a default given as text.
UNWANTED = ("<bool>", "<str>", "<int>", "<float>", "<path>", "list[", "{spec}", "{specs}", "(default",
            "[default: (")


def help_text(command: list[str], columns: int) -> str:
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": str(columns), "TERM": "dumb"})
    assert result.exit_code == 0, result.output
    return result.output


def words(text: str) -> set[str]:
    return set(re.split(r"[\s│╭╮╰╯─]+", text)) - {""}


def test_every_command_is_covered():
    assert {"list", "info", "table", "stats", "check", "plot", "compare", "signal", "accuracy",
            "gallery"} <= {c[0] for c in COMMANDS if c}


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "actviz")
def test_help_names_values_as_click_users_expect(command):
    text = help_text(command, 80)
    found = [u for u in UNWANTED if u in text]
    assert not found, f"{found} in\n{text}"
    # every word at 80 columns is a word of the unwrapped page: nothing is cut mid-word or
    # truncated with an ellipsis
    broken = words(text) - words(help_text(command, 400))
    assert not broken, f"broken across lines: {sorted(broken)}\n{text}"


def usage(command: list[str]) -> str:
    return help_text(command, 120).split("Usage: ")[1].split("\n")[0].strip()


def test_usage_names_the_arguments_by_their_metavar():
    assert usage(["plot"]) == "actviz plot [OPTIONS] SPEC"
    assert usage(["info"]) == "actviz info [OPTIONS] [SPEC]"  # or --config FILE
    assert usage(["table"]) == "actviz table [OPTIONS] SPEC..."
    assert usage(["check"]) == "actviz check [OPTIONS] [SPEC...]"
    assert usage(["gallery"]) == "actviz gallery [OPTIONS]"


def test_flags_show_no_value_and_options_their_metavar():
    text = help_text(["plot"], 120)
    assert re.search(r"--numeric\s+Add the finite-difference", text)
    assert re.search(r"--points\s+-n\s+N\s+Grid size", text)
    assert re.search(r"--output\s+-o\s+FILE\s", text)
    assert re.search(r"--size\s+W H\s", text) and "[default: 7 wide, 2.15 per panel]" in text
    assert "[default: 100]" in text and "[default: -6 6]" in text  # as --range takes it


# -- -f is --format everywhere --------------------------------------------------------------


@pytest.mark.parametrize("command", [c for c in COMMANDS if c], ids=lambda c: c[0])
def test_short_f_means_format_in_every_command(command):
    for param in typer.main.get_command(app).commands[command[0]].params:
        if "-f" in param.opts:
            assert param.opts == ["--format", "-f"] or param.opts == ["-f", "--format"], param.opts


def test_list_family_has_no_short_form_and_f_is_the_format():
    result = runner.invoke(app, ["list", "-f", "json", "--family", "rectifier"])
    assert result.exit_code == 0, result.output
    assert result.output.lstrip().startswith("[") and '"family": "rectifier"' in result.output
    assert '"family": "sigmoid-like"' not in result.output


# -- shell completion ---------------------------------------------------------------------


@pytest.mark.parametrize("shell, marker", [("bash", "complete -o default -F _actviz_completion actviz"),
                                           ("zsh", "#compdef actviz"), ("fish", "complete --command actviz")])
def test_show_completion_prints_a_script(monkeypatch, shell, marker):
    # Typer's switch for naming the shell instead of detecting it (read when the command is built)
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")
    result = runner.invoke(app, ["--show-completion", shell], prog_name="actviz")
    assert result.exit_code == 0, result.output
    assert marker in result.output and "_ACTVIZ_COMPLETE" in result.output


def test_install_and_show_completion_are_offered():
    text = help_text([], 120)
    assert "--install-completion" in text and "--show-completion" in text


def complete(words: str) -> list[str]:
    env = {"_ACTVIZ_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(len(words.split()) - 1)}
    result = runner.invoke(app, [], env=env, prog_name="actviz")
    assert result.exit_code == 0, result.output
    return result.output.split()


@pytest.mark.parametrize("command", ["plot", "table relu", "compare tanh", "info", "stats", "check",
                                     "accuracy", "signal"])
def test_completing_a_spec_offers_registry_names(command):
    # the catalogue's name first, then its aliases (clipped_gelu's gelu_10, Hugging Face's ACT2FN
    # name) and the engines' (Hugging Face's gelu_new, MLX's gelu_approx)
    offered = complete(f"actviz {command} gel")
    assert offered[0] == "gelu" and {"gelu_10", "gelu_new", "gelu_approx"} <= set(offered)
    assert all(name.startswith("gel") for name in offered)


def test_completion_offers_aliases_and_presets():
    assert "swish" in complete("actviz plot sw")
    assert set(complete("actviz plot leaky_relu@")) >= {"leaky_relu@torch", "leaky_relu@keras", "leaky_relu@jax"}
    assert complete("actviz gallery --only hard_sig") == ["hard_sigmoid"]
    assert complete("actviz list --family rect") == ["rectifier"]
    assert complete("actviz table relu -f j") == ["json"]
