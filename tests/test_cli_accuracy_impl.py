"""`actviz accuracy --impl`: implementations side by side in one table, JSON, CSV and Markdown,
--all, and every bad input as one line with its exit code (2 usage, 1 runtime)."""

import importlib.util
import json
import sys

import pytest
from typer.testing import CliRunner

import actviz
from actviz.cli import app

runner = CliRunner()


def installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def test_several_implementations_side_by_side(tmp_path):
    out = tmp_path / "a.json"
    result = runner.invoke(app, ["accuracy", "sigmoid", "--impl", "actviz", "--impl", "numpy",
                                 "--impl", "impl_fixtures:sigmoid_exact,d_sigmoid_exact", "-d", "float16",
                                 "--exhaustive", "-o", str(out)])
    assert result.exit_code == 0, result.output
    records = json.loads(out.read_text())
    assert [r["implementation"]["name"] for r in records] == [
        "actviz", "numpy", "impl_fixtures:sigmoid_exact,d_sigmoid_exact"]
    assert records[1]["forward"]["exceeds"]["0.5"] > 0 and records[0]["forward"]["exceeds"]["0.5"] == 0
    assert set(records[0]["forward"]) >= {"max_ulp", "mean_ulp", "at", "exceeds", "ftz_explained", "signed_zero"}
    json.dumps(records, allow_nan=False)
    md = runner.invoke(app, ["accuracy", "sigmoid", "--impl", "numpy", "-d", "float16", "--points", "51",
                             "--format", "md"])
    assert md.exit_code == 0 and md.stdout.startswith("| activation | implementation | call |")
    assert "1/(1+exp(-x))" in md.stdout
    csv = runner.invoke(app, ["accuracy", "sigmoid", "--impl", "numpy", "-d", "float16", "--points", "51",
                              "--format", "csv"])
    header = csv.stdout.splitlines()[0].split(",")
    assert "forward_exceeds_0.5" in header and "implementation_call" in header


def test_all_with_an_implementation_takes_what_it_has():
    result = runner.invoke(app, ["accuracy", "--all", "--impl", "numpy", "-d", "float16", "--points", "21",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    names = [actviz.get(r["spec"]).name for r in json.loads(result.stdout)]
    # every record with a textbook formula, in catalogue order
    assert names == [rec.name for rec in actviz.records() if rec.naive is not None]
    assert "sigmoid" in names and "relu6" not in names


def test_b_sets_a_gated_units_value_input_for_every_implementation():
    result = runner.invoke(app, ["accuracy", "glu", "--b", "-1.5", "--impl", "numpy", "--impl", "actviz",
                                 "-d", "float16", "--points", "51", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert [r["spec"] for r in json.loads(result.stdout)] == ["glu(b=-1.5)"] * 2


def test_a_failed_call_is_reported_in_one_line_with_exit_1():
    result = runner.invoke(app, ["accuracy", "sigmoid", "--impl", "impl_fixtures:broken", "--impl", "numpy",
                                 "-d", "float16", "--points", "51"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "actviz: 1 audit could not run: sigmoid by impl_fixtures:broken (float16): "
        "impl_fixtures:broken: broken(x) failed: ValueError: no such kernel"]
    assert "no such kernel" in result.stdout  # and in the table, beside the other implementation


@pytest.mark.parametrize(
    "args, message",
    [
        (["sigmoid", "--impl", "pytorchh"], "unknown implementation 'pytorchh'"),
        (["sparse_plus", "--impl", "torch"], "PyTorch has no sparse_plus"),
        (["sigmoid", "--impl", "no_such_module_here:f"], "no module named 'no_such_module_here'"),
        (["sigmoid", "--impl", "impl_fixtures:nothing"], "impl_fixtures has no 'nothing'"),
        (["sigmoid", "--impl", "impl_fixtures:sigmoid_exact,nothing"], "impl_fixtures has no 'nothing'"),
        (["sigmoid", "--impl", "missing_file.py:f"], "no such file 'missing_file.py'"),
        (["sigmoid", "--impl", "mod:2f"], "Python names"),
        (["sigmoid", "--impl", "numpy", "--strict"], "--strict"),
        (["sigmoid", "--ftz"], "--ftz reads"),
        (["sigmoid", "--all"], "not both"),
        ([], "or give --all"),
        (["x*sigmoid(x)", "--impl", "numpy"], "an expression"),
        (["relu6", "--impl", "numpy"], "no textbook formula"),
        (["hard_sigmoid@keras2", "--impl", "actviz"], "no mpmath reference for a float64 audit"),
        (["--all", "--impl", "numpy", "--alpha", "0.1"], "--all audits each activation"),
        (["--all", "--impl", "numpy", "--b", "2"], "--all audits each activation"),
        (["sigmoid", "--impl", "numpy", "-d", "float16", "--scheduler", "tcp://127.0.0.1:8786"],
         "--scheduler runs the chunks of an exhaustive"),
    ],
)
def test_accuracy_impl_usage_errors(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(importlib.util, "find_spec", _with_torch(importlib.util.find_spec))
    result = runner.invoke(app, ["accuracy", *args])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def _with_torch(find_spec):
    """find_spec, as if torch were installed (a usage error is found before the framework is
    needed, installed or not)."""
    def fake(name, *args):
        return object() if name == "torch" else find_spec(name, *args)

    return fake


def test_a_figure_of_too_many_rows_is_refused(tmp_path):
    # every record with a textbook formula (20) in two dtypes
    result = runner.invoke(app, ["accuracy", "--all", "--impl", "numpy", "-d", "float16", "-d", "float32",
                                 "--figure", str(tmp_path / "a.png")])
    assert result.exit_code == 2 and "at most 24 audits" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_module_that_fails_to_import_is_a_runtime_error(tmp_path, monkeypatch):
    (tmp_path / "bad_impl_module.py").write_text("raise RuntimeError('cannot start')\n")
    monkeypatch.chdir(tmp_path)  # a module is imported with the current directory first, as python -m
    result = runner.invoke(app, ["accuracy", "sigmoid", "--impl", "bad_impl_module:f"])
    assert result.exit_code == 1
    assert result.stderr.strip() == ("actviz: error: --impl bad_impl_module:f: importing bad_impl_module failed: "
                                     "RuntimeError: cannot start")
    sys.modules.pop("bad_impl_module", None)


def test_a_missing_framework_is_one_line_naming_the_package(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "jax" else real(name, *a))
    result = runner.invoke(app, ["accuracy", "gelu", "--impl", "jax"])
    assert result.exit_code == 1
    assert result.stderr.strip() == ("actviz: error: --impl jax needs the jax package, which is not installed "
                                     "(pip install jax)")


@pytest.mark.skipif(installed("torch"), reason="torch is installed")
def test_without_torch_installed():
    result = runner.invoke(app, ["accuracy", "gelu", "--impl", "torch"])
    assert result.exit_code == 1 and "needs the torch package" in result.stderr


def test_heavy_frameworks_are_imported_only_when_asked():
    import subprocess

    code = ("import sys\nfrom typer.testing import CliRunner\nfrom actviz.cli import app\n"
            "r = CliRunner().invoke(app, ['accuracy', 'sigmoid', '--impl', 'numpy', '-d', 'float16', '-n', '11'])\n"
            "assert r.exit_code == 0, r.output\n"
            "print(sorted(m for m in ('torch', 'jax', 'tensorflow', 'keras') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_figure_beside_the_table_and_a_long_run_with_its_progress(tmp_path):
    png = tmp_path / "a.png"
    result = runner.invoke(app, ["accuracy", "sigmoid", "--impl", "numpy", "--impl", "actviz", "-d", "float32",
                                 "--exhaustive", "--range", "1", "1.02", "--workers", "1", "--figure", str(png)])
    assert result.exit_code == 0, result.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # 167,773 values: more than a curve's worth, so a progress bar on standard error
    assert "auditing sigmoid by numpy on all 167,773 float32 values in the range, 1 thread" in result.stderr
    assert "167,773 (all)" in result.stdout


def test_all_without_an_implementation_is_actvizs_own_audit():
    result = runner.invoke(app, ["accuracy", "--all", "-d", "float16", "--points", "21", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert [r["activation"] for r in json.loads(result.stdout)] == actviz.names()


def test_all_leaves_out_what_it_cannot_audit_and_says_so(monkeypatch):
    import dataclasses

    from actviz.core import store

    # a record without an mpmath reference cannot be audited in float64: --all skips it
    actviz.names()
    saved = dict(store._REGISTRY), dict(store._ALIASES)
    try:
        actviz.register(dataclasses.replace(actviz.lookup("relu"), name="relu_no_mp", aliases=(), mp_reference=None,
                                            frameworks={}))
        result = runner.invoke(app, ["accuracy", "--all", "--impl", "actviz", "--points", "11", "--format", "json"])
    finally:
        store._REGISTRY.clear()
        store._REGISTRY.update(saved[0])
        store._ALIASES.clear()
        store._ALIASES.update(saved[1])
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == "actviz: skipped relu_no_mp in float64: no mpmath reference for a float64 audit"
    assert "relu_no_mp" not in [r["activation"] for r in json.loads(result.stdout)]
