"""Tables in a terminal narrower than they are: nothing is cut and no number is broken.

rich's own answer to a table wider than the terminal is to narrow its columns and cut what no
longer fits ("2.31e-…", "torch.nn.functi…", "max_value=no…"). Each table here instead wraps
its labels between words, turns its records into columns, lists them one by one, or splits
into a table per activation (see actviz.render.tables). Plain output (a pipe, a file) stays
the one wide table, never wrapped, which the other tests read.
"""

import re

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from actviz.cli import app
from actviz.render import tables

runner = CliRunner()

NUMBER = re.compile(r"-?(\d[\d,]*\.?\d*(e[+-]\d+)?|∞)%?")


def _plain(args) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.stdout


def _terminal(monkeypatch, width: int, args) -> str:
    """What the command prints in a terminal ``width`` columns wide, without styles."""
    monkeypatch.setattr(tables, "plain_output", lambda file=None: False)
    monkeypatch.setenv("COLUMNS", str(width))  # the width rich takes where it cannot ask a terminal
    monkeypatch.delenv("NO_COLOR", raising=False)
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.stdout


COMMANDS = [
    ["check", "relu", "gelu"],
    ["stats", "gelu", "silu"],
    ["stats", "gelu", "silu", "mish", "elu"],
    ["signal", "relu", "tanh", "selu"],
    ["table", "sigmoid", "tanh", "--order", "2"],
    ["accuracy", "relu", "gelu", "silu"],
    ["info", "gelu"],
    ["info", "swiglu"],
    ["list"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_narrow_terminal_cuts_nothing_and_breaks_no_number(monkeypatch, args):
    plain = _plain(args)
    numbers = {t for t in plain.split() if NUMBER.fullmatch(t)}
    for width in (60, 80, 100):
        text = _terminal(monkeypatch, width, args)
        assert "\x1b[" not in text
        assert max(cell_len(line.rstrip()) for line in text.splitlines()) <= width, (width, text)
        assert text.count("…") <= plain.count("…"), (width, text)  # only the ellipses the text itself has
        if args[0] not in ("info", "list"):  # there a long parameter list may fold, as text does
            shown = set(text.split())
            missing = sorted(n for n in numbers if n not in shown)
            assert not missing, (width, missing, text)


def test_a_grid_wraps_its_labels_before_it_lists_its_activations(monkeypatch):
    args = ["signal", "relu", "tanh", "selu"]
    wide, narrow = _terminal(monkeypatch, 100, args), _terminal(monkeypatch, 70, args)
    listed = _terminal(monkeypatch, 50, args)
    assert re.search(r"edge of chaos σ_w \(χ = 1\) at this σ_b\s+1\.414213562", wide)  # one line each
    assert re.search(r"edge of chaos σ_w \(χ = 1\)\s+1\.414213562", narrow)  # the label wraps
    assert "quantity" in narrow and "quantity" not in listed
    assert [line.strip() for line in listed.splitlines() if line.strip() in ("relu", "tanh", "selu")] == [
        "relu", "tanh", "selu"]


def test_a_values_table_too_wide_becomes_one_per_activation(monkeypatch):
    args = ["table", "sigmoid", "tanh", "--order", "2"]
    wide, narrow = _terminal(monkeypatch, 200, args), _terminal(monkeypatch, 80, args)
    assert re.search(r"sigmoid\s+sigmoid\s+sigmoid\s+tanh", wide)
    heads = [line.strip() for line in narrow.splitlines() if line.strip() in ("sigmoid", "tanh")]
    assert heads == ["sigmoid", "tanh"]
