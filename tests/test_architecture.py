"""The house's rules that import-linter cannot state (its layers and acyclic-siblings
contracts are in pyproject.toml): a name that starts with ``_`` never leaves its
module, and every module sits in a stage package."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "analysis"
STAGES = {"io", "engine", "simulate", "estimate", "stories", "report"}
TOP_MODULES = {"__init__.py", "cli.py", "config.py"}


def private_imports(path: Path) -> list[str]:
    """``file:line name`` for every ``from analysis... import _name`` in `path`."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        f"{path.name}:{node.lineno} {alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("analysis")
        for alias in node.names
        if alias.name.startswith("_") and not alias.name.startswith("__")
    ]


def test_no_private_name_is_imported_across_modules():
    files = sorted(PACKAGE.rglob("*.py")) + sorted((ROOT / "notebooks").glob("*.py"))
    assert [hit for f in files for hit in private_imports(f)] == []


def test_the_check_finds_a_private_import(tmp_path: Path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from analysis.io.load import _Found, read_history\n")
    assert private_imports(bad) == ["bad.py:2 _Found"]


def test_every_module_lives_in_a_stage_package():
    loose = [p.name for p in PACKAGE.glob("*.py") if p.name not in TOP_MODULES]
    loose += [
        p.name
        for p in PACKAGE.iterdir()
        if p.is_dir() and p.name not in STAGES and not p.name.startswith("__")
    ]
    assert sorted(loose) == []
