"""Plugins: actviz.register (record, function, decorator, expression), the entry-point group
actviz.activations (a dist-info on sys.path, in process and in a fresh interpreter), and
--plugin FILE.py; a broken plugin is one line on stderr and the rest of the catalogue works."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from typer.testing import CliRunner

import actviz
from actviz import plugins
from actviz.cli import app
from actviz.core import store

runner = CliRunner()


@pytest.fixture(autouse=True)
def clean_registry():
    """Every test leaves the catalogue as it found it (other tests iterate over it)."""
    actviz.names()
    saved = dict(store._REGISTRY), dict(store._ALIASES), list(plugins._problems)
    yield
    store._REGISTRY.clear()
    store._REGISTRY.update(saved[0])
    store._ALIASES.clear()
    store._ALIASES.update(saved[1])
    plugins._problems[:] = saved[2]


def cube_record(name="cube"):
    return actviz.Activation(
        name=name,
        family="user",
        forward=lambda x: x**3,
        derivatives=(lambda x: 3 * x**2, lambda x: 6 * x),
        formula_tex="x^3",
        formula_text="x**3",
        derivative_tex="3x^2",
        derivative_text="3*x**2",
        reference="test",
    )


# -- actviz.register ------------------------------------------------------------------------------


def test_register_a_record():
    rec = actviz.register(cube_record())
    assert rec.name == "cube" and "cube" in actviz.names()
    act = actviz.get("cube")
    assert act(2.0) == 8.0 and act.derivative(2.0) == 12.0 and act.derivative(2.0, 2) == 12.0


def test_register_as_a_decorator_with_metadata():
    @actviz.register(
        derivative=lambda x, k: k * np.cosh(k * x),
        second_derivative=lambda x, k: k * k * np.sinh(k * x),
        params={"k": 2.0},
        aliases=("sinhk",),
        formula_text="f(x) = sinh(k·x)",
        kinks=(),
        reference="a test",
    )
    def scaled_sinh(x, k):
        return np.sinh(k * x)

    assert scaled_sinh(np.float64(0.5), 2.0) == np.sinh(1.0)  # the function stays usable
    act = actviz.get("sinhk(k=0.5)")
    assert act.name == "scaled_sinh" and act.params == {"k": 0.5}
    assert act.record.formula_text == "f(x) = sinh(k·x)"
    assert act.derivative(0.0) == 0.5  # k·cosh(0), closed form
    x = np.linspace(-2, 2, 41)
    np.testing.assert_allclose(act.derivative(x), act.numeric_derivative(x), rtol=1e-9)


def test_register_a_function_without_second_derivative_uses_differences():
    actviz.register(lambda x: x**3, name="cube_fd", derivative=lambda x: 3 * x**2)
    act = actviz.get("cube_fd")
    x = np.linspace(-3, 3, 13)
    # f'' = 6x, closed form; the five-point difference of f' = 3x² is exact up to rounding
    np.testing.assert_allclose(act.derivative(x, 2), 6 * x, rtol=1e-9, atol=1e-9)
    assert "differences" in act.record.numerics


def test_register_an_expression_under_a_name():
    rec = actviz.register("a*x*sigmoid(b*x)", name="scaled_swish", params={"a": 1, "b": 1.702})
    assert rec.family == "expression"
    act = actviz.get("scaled_swish")
    np.testing.assert_array_equal(act(np.linspace(-5, 5, 11)), actviz.get("x*sigmoid(1.702*x)")(np.linspace(-5, 5, 11)))
    assert actviz.get("scaled_swish(b=1)").spec == "scaled_swish(a=1, b=1)"
    # a registered name is also a function in later expressions
    assert float(actviz.get("2*scaled_swish(x)")(1.0)) == pytest.approx(2 * float(act(1.0)), rel=1e-15)


@pytest.mark.parametrize(
    ("thing", "message"),
    [
        ("not a record", "needs name="),
        (42, "register takes an Activation"),
        (cube_record("Cube"), "must be lower case"),
        (cube_record("sigmoid"), "already registered"),
        (cube_record("cube-2"), "must be lower case"),
    ],
)
def test_register_refuses_bad_records(thing, message):
    with pytest.raises(actviz.PluginError, match=message):
        actviz.register(thing)
    assert actviz.get("sigmoid")(0.0) == 0.5


def test_register_refuses_a_record_that_cannot_run():
    def broken(x):
        raise RuntimeError("boom")

    with pytest.raises(actviz.PluginError, match="evaluating it failed: RuntimeError: boom"):
        actviz.register(broken, name="broken", derivative=broken)
    assert "broken" not in actviz.names()
    with pytest.raises(actviz.PluginError, match="give derivative="):
        actviz.register(np.sin, name="sine")
    with pytest.raises(actviz.PluginError, match="shape"):
        actviz.register(lambda x: np.zeros(3), name="wrong_shape", derivative=lambda x: x)


def test_replace_overrides_a_plugin_entry_also_inside_expressions():
    actviz.register(cube_record())
    assert actviz.get("2*cube(x)")(2.0) == 16.0
    square = {"forward": lambda x: x * x, "derivatives": (lambda x: 2 * x, lambda x: 2 + 0 * x)}
    actviz.register(actviz.Activation(**{**cube_record().__dict__, **square}), replace=True)
    assert actviz.get("cube")(3.0) == 9.0
    assert actviz.get("2*cube(x)")(2.0) == 8.0  # not the cached expression over the old record


# -- entry points ---------------------------------------------------------------------------------

PACKAGE = {
    "demo_acts/__init__.py": """
        import numpy as np
        import actviz

        def _bent(x):
            return (np.sqrt(x * x + 1) - 1) / 2 + x

        def make_bent():
            return actviz.Activation(
                name="bent_demo", family="user", forward=_bent,
                derivatives=(lambda x: x / (2 * np.sqrt(x * x + 1)) + 1,
                             lambda x: 1 / (2 * (x * x + 1) ** 1.5)),
                formula_tex="(\\\\sqrt{x^2+1}-1)/2+x", formula_text="(sqrt(x²+1)-1)/2 + x",
                derivative_tex="x/(2\\\\sqrt{x^2+1})+1", derivative_text="x/(2·sqrt(x²+1)) + 1",
                reference="demo")

        def make_pair():
            base = make_bent()
            return [actviz.Activation(**{**base.__dict__, "name": "bent_a"}),
                    actviz.Activation(**{**base.__dict__, "name": "bent_b"})]

        RECORD = actviz.Activation(**{**make_bent().__dict__, "name": "bent_record"})
        CLASH = actviz.Activation(**{**make_bent().__dict__, "name": "sigmoid"})

        def not_a_record():
            return "nope"
    """,
    "demo_acts/on_import.py": """
        import numpy as np
        import actviz

        @actviz.register(derivative=lambda x: np.ones_like(x), second_derivative=lambda x: np.zeros_like(x))
        def shifted(x):
            return x + 1
    """,
    "demo_acts-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: demo-acts\nVersion: 1.0\n",
    "demo_acts-1.0.dist-info/entry_points.txt": """
        [actviz.activations]
        bent = demo_acts:make_bent
        pair = demo_acts:make_pair
        record = demo_acts:RECORD
        module = demo_acts.on_import
        missing = demo_acts.nowhere:thing
        clash = demo_acts:CLASH
        bad = demo_acts:not_a_record
    """,
}


@pytest.fixture
def demo_package(tmp_path):
    for rel, text in PACKAGE.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    return tmp_path


def test_entry_points_register_and_broken_ones_are_reported(demo_package, monkeypatch, capsys):
    monkeypatch.syspath_prepend(str(demo_package))
    added = plugins.load_entry_points()
    assert set(added) == {"bent_demo", "bent_a", "bent_b", "bent_record", "shifted"}
    assert set(added) <= set(actviz.names())
    assert actviz.get("bent_demo")(0.0) == 0.0
    assert actviz.get("shifted").derivative(3.0) == 1.0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3, err  # missing, clash and bad: one line each, naming the entry point
    assert all(line.startswith("actviz: warning: plugin ") for line in err)
    by_name = {line.split("'")[1]: line for line in err}
    assert "ModuleNotFoundError" in by_name["missing"]
    assert "'sigmoid' is already registered" in by_name["clash"]
    assert "expected an actviz.Activation record, got str" in by_name["bad"]
    # the catalogue's own sigmoid is untouched
    assert actviz.lookup("sigmoid").family == "sigmoid-like"
    assert len(plugins.problems()) >= 3


def test_entry_point_scan_agrees_with_importlib_metadata(demo_package, monkeypatch):
    from importlib.metadata import entry_points

    monkeypatch.syspath_prepend(str(demo_package))
    ours = sorted(plugins._entry_points())
    theirs = sorted((ep.name, ep.value) for ep in entry_points(group=plugins.GROUP))
    assert ours == theirs and len(ours) == 7


def test_entry_points_in_a_fresh_interpreter(demo_package):
    """Installed the way pip leaves a package (a dist-info on the path): `actviz list` shows it."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(demo_package), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run(
        [sys.executable, "-m", "actviz", "list"], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    names = [line.split()[0] for line in result.stdout.splitlines() if line.strip()]
    for name in ("bent_demo", "bent_a", "bent_b", "bent_record", "shifted", "sigmoid", "relu"):
        assert name in names, name
    warnings = [line for line in result.stderr.splitlines() if line.startswith("actviz: warning: plugin")]
    assert len(warnings) == 3, result.stderr


# -- --plugin FILE.py -------------------------------------------------------------------------------

GOOD = """
import numpy as np
import actviz

@actviz.register(derivative=lambda x: 2 * x, second_derivative=lambda x: 2 + 0 * x, formula_text="x²")
def square(x):
    return x * x

actviz.register("x*tanh(softplus(x))", name="mish_expr")
"""

BROKEN = """
import numpy as np
import actviz
import not_a_module_anywhere
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_plugin_file_for_one_command(tmp_path):
    good = write(tmp_path, "good.py", GOOD)
    result = runner.invoke(app, ["--plugin", str(good), "table", "square", "mish_expr", "--points", "3", "-o", "-"])
    assert result.exit_code == 0, result.output
    rows = result.stdout.strip().splitlines()
    assert rows[1] == "square,-6.0,36.0,-12.0"  # closed form
    assert rows[4].startswith("mish_expr,-6.0,")
    assert result.stderr == ""


def test_broken_plugin_file_is_one_line_and_the_command_runs(tmp_path):
    good, broken = write(tmp_path, "good.py", GOOD), write(tmp_path, "broken.py", BROKEN)
    result = runner.invoke(app, ["--plugin", str(broken), "--plugin", str(good), "list"])
    assert result.exit_code == 0, result.output
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "actviz: warning: plugin 'broken.py' not loaded: ModuleNotFoundError: No module named 'not_a_module_anywhere'"
    ]
    names = [line.split()[0] for line in result.stdout.splitlines() if line.strip()]
    assert "square" in names and "mish_expr" in names and "sigmoid" in names


def test_plugin_file_that_clashes_or_registers_nothing(tmp_path):
    clash = write(tmp_path, "clash.py", "import actviz\nactviz.register(lambda x: x, name='relu', derivative=lambda x: 1 + 0 * x)\n")
    empty = write(tmp_path, "empty.py", "X = 1\n")
    result = runner.invoke(app, ["--plugin", str(clash), "--plugin", str(empty), "info", "relu"])
    assert result.exit_code == 0, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2
    assert lines[0] == "actviz: warning: plugin 'clash.py' not loaded: activation name 'relu' is already registered"
    assert lines[1] == (
        "actviz: warning: plugin 'empty.py' not loaded: it registered no activation (call actviz.register in it)"
    )
    assert "rectifier" in result.stdout  # the catalogue's relu


def test_missing_plugin_file_is_a_usage_error(tmp_path):
    result = runner.invoke(app, ["--plugin", str(tmp_path / "nowhere.py"), "list"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [f"actviz: error: --plugin {str(tmp_path / 'nowhere.py')!r}: no such file"]
    result = runner.invoke(app, ["--plugin", str(tmp_path), "list"])
    assert result.exit_code == 2


def test_load_plugin_from_python(tmp_path):
    good = write(tmp_path, "good.py", GOOD)
    assert actviz.load_plugin(good) == ["square", "mish_expr"]
    assert actviz.get("square")(3.0) == 9.0
