"""The README's generated parts stay in step with the code.

- the catalogue table (section ``catalogue``) is what ``actviz list --format md`` prints;
- every ``$ actviz ...`` example in section ``commands-data`` shows that command's real output.

After changing the catalogue or the output of those commands, regenerate both with

    python tests/test_docs.py --update

which rewrites only those two sections.
"""

import re
import shlex
import sys
from pathlib import Path

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


def run_example(args: str) -> str:
    result = CliRunner().invoke(app, shlex.split(args))
    assert result.exit_code == 0, (args, result.stderr)
    return result.stdout


def catalogue_section() -> str:
    return "\n" + catalogue_markdown() + "\n"


def examples_section(body: str) -> str:
    return EXAMPLE.sub(lambda m: f"```console\n$ actviz {m['args']}\n{run_example(m['args'])}```", body)


def test_readme_catalogue_is_the_generated_table():
    assert section(README.read_text(), "catalogue") == catalogue_section(), (
        f"README's catalogue table differs from `actviz list --format md`: {UPDATE}"
    )


def test_list_md_prints_the_generator_output():
    result = CliRunner().invoke(app, ["list", "--format", "md"])
    assert result.exit_code == 0
    assert result.stdout == catalogue_markdown()


def test_readme_examples_show_real_output():
    body = section(README.read_text(), "commands-data")
    examples = list(EXAMPLE.finditer(body))
    assert len(examples) >= 3
    for m in examples:
        assert m["output"] == run_example(m["args"]), f"output of `actviz {m['args']}` changed: {UPDATE}"


def test_readme_describes_every_data_command():
    body = section(README.read_text(), "commands-data")
    for command in ("list", "info", "table", "stats", "check"):
        assert f"actviz {command}" in body, command


def test_readme_reports_cli_startup_figures():
    body = section(README.read_text(), "perf-cli")
    for case in ("`actviz --help`", "`actviz list`"):
        row = next(line for line in body.splitlines() if line.startswith(f"| {case}"))
        assert re.search(r"\| \d+\.\d\dx \|", row), row


def update() -> None:
    text = README.read_text()
    text = replace_section(text, "catalogue", catalogue_section())
    text = replace_section(text, "commands-data", examples_section(section(text, "commands-data")))
    README.write_text(text)


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit(__doc__)
    update()
