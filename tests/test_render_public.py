"""Renderers and commands use one another's public names only: a private helper can change
without breaking a module that is not its own."""

import ast
from pathlib import Path

import actviz

PACKAGE = Path(actviz.__file__).parent


def _target(own: str, node: ast.ImportFrom) -> str:
    """The dotted module an ``import from`` in module ``own`` names, relative imports resolved."""
    if not node.level:
        return node.module or ""
    parts = own.split(".")[: -node.level]
    return ".".join(parts + ([node.module] if node.module else []))


def _module(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def reach_ins(path: Path, own: str) -> list[str]:
    """Private names module ``own`` (in ``path``) takes from another module of actviz.render,
    and private attributes it reads on such a module or on rich's objects (``column._cells``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found, modules = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            target = _target(own, node)
            for alias in node.names:
                whole = f"{target}.{alias.name}"
                if whole.startswith("actviz.render.") and target.startswith("actviz.render") and target != own:
                    modules.add(alias.asname or alias.name)
                if target.startswith("actviz.render") and target != own and _private(alias.name):
                    found.append(f"{path.name}:{node.lineno} imports {target}.{alias.name}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            if isinstance(node.value, ast.Name) and node.value.id in modules:
                found.append(f"{path.name}:{node.lineno} reads {node.value.id}.{node.attr}")
            elif node.attr == "_cells":
                found.append(f"{path.name}:{node.lineno} reads rich's {node.attr}")
    return found


def test_the_check_sees_a_reach_in(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("from ..render.export import _hidden, json_safe\nfrom ..render import figures\n"
                     "figures._secret\nfigures.plot\ncolumn._cells\n", encoding="utf-8")
    assert len(reach_ins(probe, "actviz.cli.probe")) == 3


def test_renderers_and_commands_use_public_names_only():
    files = sorted([*(PACKAGE / "render").glob("*.py"), *(PACKAGE / "cli").glob("*.py")])
    assert len(files) > 10
    assert [r for f in files for r in reach_ins(f, _module(f))] == []
