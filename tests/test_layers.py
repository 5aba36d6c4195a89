"""The package's layers import one way: each module imports only from its own layer or the
layers below it, whether at the top of the file or inside a function.

Lowest first; a module belongs to the first layer whose prefix names it.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "actviz"

LAYERS = (
    ("actviz.errors", "actviz.version"),
    ("actviz.numerics",),
    ("actviz.core",),
    ("actviz.catalogue",),
    ("actviz.expr",),
    ("actviz.plugins",),
    ("actviz.registry", "actviz.sampling", "actviz.sweep", "actviz.configs"),
    ("actviz.analysis",),
    ("actviz.render",),
    ("actviz.cli",),
    ("actviz", "actviz.__main__"),
)


def layer_of(module: str) -> int:
    best = None
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > best[1]:
                    best = (index, len(prefix))
    assert best is not None, f"{module} is in no layer"
    return best[0]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path, source: str | None = None) -> list[tuple[int, str]]:
    """(line, absolute module) of every actviz import in the file (or in ``source`` read as
    that file), nested ones included."""
    name = module_name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text() if source is None else source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "actviz"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "actviz":
                continue
            for alias in node.names:  # `from . import figures` imports a submodule
                sub = f"{target}.{alias.name}"
                as_path = PACKAGE.parent.joinpath(*sub.split("."))
                is_module = as_path.with_suffix(".py").exists() or (as_path / "__init__.py").exists()
                found.append((node.lineno, sub if is_module else target))
    return found


FILES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_is_in_a_layer():
    for path in FILES:
        layer_of(module_name(path))


@pytest.mark.parametrize("path", FILES, ids=lambda p: module_name(p))
def test_imports_run_one_way(path):
    here = module_name(path)
    upward = [
        f"line {line}: {here} (layer {layer_of(here)}) imports {target} (layer {layer_of(target)})"
        for line, target in imported(path)
        if layer_of(target) > layer_of(here)
    ]
    assert not upward, "\n".join(upward)


def test_the_check_sees_a_lazy_upward_import():
    # the cycles used to hide behind imports inside functions: the walk must see those
    source = "def f():\n    from ..registry import get\n    return get\n"
    targets = [t for _, t in imported(PACKAGE / "core" / "bound.py", source)]
    assert targets == ["actviz.registry"]
    assert layer_of("actviz.registry") > layer_of("actviz.core.bound")


# -- inside the expression package ------------------------------------------------------------------

# actviz.expr is one layer to the rest of the package; inside it the modules import one way too,
# lowest first (the package itself, the entry points, last)
EXPR_ORDER = (
    "actviz.expr.reader",
    "actviz.expr.budget",
    "actviz.expr.symbolic",
    "actviz.expr.kinks",
    "actviz.expr.compile",
    "actviz.expr",
)
EXPR_FILES = sorted((PACKAGE / "expr").glob("*.py"))


def expr_upward(path: Path, source: str | None = None) -> list[str]:
    here = module_name(path)
    rank = EXPR_ORDER.index(here)
    return [
        f"line {line}: {here} imports {target}, which comes after it"
        for line, target in imported(path, source)
        if target in EXPR_ORDER and EXPR_ORDER.index(target) >= rank and target != here
    ]


def test_every_expr_module_has_a_place_in_the_order():
    assert sorted(module_name(p) for p in EXPR_FILES) == sorted(EXPR_ORDER)


@pytest.mark.parametrize("path", EXPR_FILES, ids=lambda p: module_name(p))
def test_expr_modules_import_one_way(path):
    upward = expr_upward(path)
    assert not upward, "\n".join(upward)


def test_the_expr_check_sees_a_lazy_import_of_a_later_module():
    source = "def f():\n    from .compile import build_record\n    from . import kinks\n"
    found = expr_upward(PACKAGE / "expr" / "symbolic.py", source)
    assert [m.split(" imports ")[1].split(",")[0] for m in found] == ["actviz.expr.compile", "actviz.expr.kinks"]


def test_expressions_import_sympy_only_when_one_is_compiled():
    code = (
        "import sys, actviz, actviz.cli, actviz.expr, actviz.plugins\n"
        "heavy = [m for m in ('sympy', 'mpmath', 'scipy') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "actviz.expr.parse('x*sigmoid(1.702*x)')\n"
        "assert 'sympy' not in sys.modules\n"
        "actviz.get('x*sigmoid(1.702*x)')\n"
        "assert 'sympy' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_command_line_starts_without_the_catalogue_or_expressions():
    # `actviz --help` imports neither numpy nor the records nor the expression machinery
    # (the public names load on first use); the first lookup registers the catalogue, and a
    # plugin registered before any lookup still sees it
    code = (
        "import sys, actviz, actviz.cli\n"
        "loaded = [m for m in sys.modules if m.startswith(('actviz.catalogue', 'actviz.expr',\n"
        "          'actviz.core.records', 'numpy'))]\n"
        "assert not loaded, loaded\n"
        "import numpy as np\n"
        "try:\n"
        "    actviz.register(lambda x: x, name='relu', derivative=lambda x: np.ones_like(x))\n"
        "except actviz.PluginError as exc:\n"
        "    assert 'already registered' in str(exc), exc\n"
        "else:\n"
        "    raise AssertionError('a plugin took the name relu')\n"
        "assert 'actviz.catalogue' in sys.modules and len(actviz.names()) > 30\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
