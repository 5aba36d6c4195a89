"""The README's generated parts stay in step with the code.

- the catalogue table (section ``catalogue``) is what ``actviz list --format md`` prints;
- every ``$ actviz ...`` example in sections ``commands-data`` and ``gated`` shows that command's real output,
  the same text with the same numbers to within their last digit or round-off (tests/_readme.py:
  the last bits of a float differ from CPU to CPU).

After changing the catalogue or the output of those commands, regenerate both with

    python tests/test_docs.py --update

which rewrites only those two sections, and of the examples only those that no longer match, so
running it on another machine does not churn the README.
"""

import re
import shlex
import sys
from pathlib import Path

import pytest
from _readme import MEAN_SCALES, assert_same_output, differences
from typer.testing import CliRunner

from actviz.cli import app
from actviz.render.export import catalogue_markdown

README = Path(__file__).resolve().parent.parent / "README.md"
UPDATE = "run `python tests/test_docs.py --update`"
EXAMPLE = re.compile(r"```console\n\$ actviz (?P<args>[^\n]*)\n(?P<output>.*?)```", re.DOTALL)


def section(text: str, name: str) -> str:
    match = re.search(rf"<!-- section:{name} -->\n(.*?)<!-- /section:{name} -->", text, re.DOTALL)
    assert match, f"README has no section {name!r}"
    return match.group(1)


def replace_section(text: str, name: str, body: str) -> str:
    pattern = rf"(<!-- section:{name} -->\n).*?(<!-- /section:{name} -->)"
    return re.sub(pattern, lambda m: m.group(1) + body + m.group(2), text, count=1, flags=re.DOTALL)


def writes_file(args: str) -> bool:
    """Whether an example writes a file (``-o FILE``; ``-o -`` is standard output)."""
    words = shlex.split(args)
    return any(w in ("-o", "--output") and i + 1 < len(words) and words[i + 1] != "-" for i, w in enumerate(words))


def run_example(args: str) -> str:
    result = CliRunner().invoke(app, shlex.split(args))
    assert result.exit_code == 0, (args, result.stderr)
    return result.stdout


def catalogue_section() -> str:
    return "\n" + catalogue_markdown() + "\n"


def examples_section(body: str) -> str:
    def refresh(m: re.Match) -> str:
        if writes_file(m["args"]):  # its output is the line saying so
            return m.group()
        real = run_example(m["args"])
        if not differences(m["output"], real, json_scales=MEAN_SCALES):
            return m.group()  # still the real output, to within round-off: leave it as it is
        return f"```console\n$ actviz {m['args']}\n{real}```"

    return EXAMPLE.sub(refresh, body)


def test_readme_catalogue_is_the_generated_table():
    assert section(README.read_text(), "catalogue") == catalogue_section(), (
        f"README's catalogue table differs from `actviz list --format md`: {UPDATE}"
    )


def test_list_md_prints_the_generator_output():
    result = CliRunner().invoke(app, ["list", "--format", "md"])
    assert result.exit_code == 0
    assert result.stdout == catalogue_markdown()


#: The README sections whose ``$ actviz ...`` examples show real output, each with the fewest it holds.
EXAMPLE_SECTIONS = {"commands-data": 3, "gated": 2}


@pytest.mark.parametrize("name", EXAMPLE_SECTIONS)
def test_readme_examples_show_real_output(name):
    body = section(README.read_text(), name)
    examples = [m for m in EXAMPLE.finditer(body) if not writes_file(m["args"])]
    assert len(examples) >= EXAMPLE_SECTIONS[name]
    for m in examples:
        assert_same_output(m["output"], run_example(m["args"]), f"README's output of `actviz {m['args']}`",
                           UPDATE, json_scales=MEAN_SCALES)


def test_update_rewrites_only_the_examples_that_no_longer_match():
    command = 'table "leaky_relu(alpha=0.1)" --range -1 1 --points 3 -o -'
    real = run_example(command)
    block = "```console\n$ actviz " + command + "\n{}```\n"
    # a last-bit difference (another CPU's output) is kept as it is
    other_cpu = real.replace(",-0.1,", ",-0.10000000000000002,")
    assert other_cpu != real
    assert examples_section(block.format(other_cpu)) == block.format(other_cpu)
    # a stale number or line is replaced by the real output
    for stale in (real.replace(",-0.1,", ",-0.2,"), real + "leaky_relu(alpha=0.1),2.0,2.0,1.0\n"):
        assert examples_section(block.format(stale)) == block.format(real)


def test_readme_describes_every_data_command():
    body = section(README.read_text(), "commands-data")
    for command in ("list", "info", "table", "stats", "check"):
        assert f"actviz {command}" in body, command


def test_readme_reports_cli_startup_figures():
    body = section(README.read_text(), "perf-cli")
    for case in ("`actviz --help`", "`actviz list`"):
        row = next(line for line in body.splitlines() if line.startswith(f"| {case}"))
        assert re.search(r"\| \d+\.\d\dx \|", row), row


PYTHON = re.compile(r"```python\n(.*?)```", re.DOTALL)


def test_readme_python_examples_run(tmp_path, monkeypatch):
    """Every ```python block of the README runs, in order, in one namespace (a later block may
    use an earlier block's names, as a reader would); `record` in the last block stands for
    any Activation record, here a renamed copy of relu's."""
    import dataclasses

    import matplotlib

    import actviz
    from actviz.core import store

    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)  # the examples save figures
    actviz.names()
    saved = dict(store._REGISTRY), dict(store._ALIASES)
    namespace = {"record": dataclasses.replace(actviz.lookup("relu"), name="relu_copy", aliases=())}
    blocks = PYTHON.findall(README.read_text())
    assert len(blocks) >= 4
    try:
        for number, block in enumerate(blocks, 1):
            try:
                exec(compile(block, f"README.md python block {number}", "exec"), namespace)
            except Exception as exc:
                raise AssertionError(f"README python block {number} fails: {exc!r}") from exc
        assert {"scaled_sinh", "mish_expr", "relu_copy"} <= set(actviz.names())
    finally:
        store._REGISTRY.clear()
        store._REGISTRY.update(saved[0])
        store._ALIASES.clear()
        store._ALIASES.update(saved[1])


def update() -> None:
    text = README.read_text()
    text = replace_section(text, "catalogue", catalogue_section())
    for name in EXAMPLE_SECTIONS:
        text = replace_section(text, name, examples_section(section(text, name)))
    README.write_text(text)


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit(__doc__)
    update()
