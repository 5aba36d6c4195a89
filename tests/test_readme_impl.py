"""The README's tables of other implementations (section 'implementations') are real output.

They were made with the versions and on the CPU the README names. With those versions
installed (the conformance extra) the command is run again: its rows, calls and points must
be the README's; on the README's CPU model with its vector instructions every figure must be
too (counts exactly, ULP figures within the tolerance of tests/_readme.py), while other
vector paths round some results the other way (torch's AVX2 gelu in bfloat16 has f' within
7.5 ULP where its AVX-512 one is 255 off), so there only the rows are compared. The model
name alone does not tell: "AMD EPYC" is what both kinds of machine here report. Without the
frameworks (or with other versions) the tests skip.
"""

import importlib.metadata
import importlib.util
import shlex

import pytest
from _readme import assert_same_output
from conftest import readme_table
from test_accuracy_frameworks import run

#: What the README's tables were measured with.
VERSIONS = {"torch": "2.13.0+cpu", "jax": "0.10.2"}
CPU = ("AMD EPYC", "AVX-512")
ULP_COLUMNS = ("f max ULP", "f mean", "f' max ULP", "f' mean")
ROW_COLUMNS = ("activation", "implementation", "call", "dtype", "points")


def cpu_model() -> tuple[str, str] | None:
    """(model name, widest vector instructions: AVX-512 or AVX2 or other) from /proc/cpuinfo."""
    model = flags = None
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name") and model is None:
                    model = line.split(":", 1)[1].strip()
                elif line.startswith("flags") and flags is None:
                    flags = set(line.split(":", 1)[1].split())
    except OSError:
        return None
    if model is None or flags is None:
        return None
    return model, "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "other"


def need(*modules: str) -> None:
    for m in modules:
        if importlib.util.find_spec(m) is None:
            pytest.skip(f"needs {m} (the conformance extra)")
        version = importlib.metadata.version(m)
        if version != VERSIONS[m]:
            pytest.skip(f"the README's table is from {m} {VERSIONS[m]}, not {version}")


def columns(table: str, keep) -> list[list[str]]:
    lines = [line.strip().strip("|").split(" | ") for line in table.splitlines() if line.startswith("|")]
    header = [h.strip() for h in lines[0]]
    picked = [header.index(k) for k in keep]
    return [[row[i].strip() for i in picked] for row in lines[:1] + lines[2:]]


@pytest.mark.parametrize(
    "command, modules",
    [
        ("accuracy gelu --impl torch --impl jax --impl actviz --dtype bfloat16 --exhaustive --format md",
         ("torch", "jax")),
        ("accuracy --impl torch --all --dtype bfloat16 --exhaustive --format md", ("torch",)),
    ],
)
def test_readme_tables_of_implementations(command, modules):
    need(*modules)
    if importlib.util.find_spec("ml_dtypes") is None:  # both tables are bfloat16
        pytest.skip("needs ml_dtypes for bfloat16 (the conformance extra)")
    result = run("cli", *shlex.split(command))
    assert result["exit_code"] == 0, result["output"]
    real = result["stdout"]
    shown = readme_table("implementations", command)
    assert columns(shown, ROW_COLUMNS) == columns(real, ROW_COLUMNS), "README rows are stale"
    if cpu_model() != CPU:
        pytest.skip(f"the figures are from an {CPU[0]} with {CPU[1]}; this CPU ({cpu_model()}) rounds some "
                    "the other way")
    assert_same_output(shown, real, "README section 'implementations'", "paste the new output",
                       ulp_columns=ULP_COLUMNS)
