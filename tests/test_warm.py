"""The set-up step that compiles what the reports import (`analysis.report.warm`)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from analysis.report.warm import NOTEBOOK_STACK, modules

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def test_every_module_a_notebook_imports_is_warmed():
    """Each ``import X`` / ``from X import`` of a report notebook names a module the
    warm step imports (or a package of one), so no kernel compiles it again."""
    warmed = set(modules())
    prefixes = {m.rsplit(".", i)[0] for m in warmed for i in range(m.count(".") + 1)}
    imported = set()
    for nb in NOTEBOOKS.glob("[0-9][0-9]-*.py"):
        for line in nb.read_text("utf-8").splitlines():
            match = re.match(r"(?:from|import)\s+([\w.]+)", line)
            if match and match.group(1) != "__future__":
                imported.add(match.group(1))
    assert imported, "no notebook imports found"
    missing = sorted(m for m in imported if m not in prefixes)
    assert missing == []


def test_the_warm_list_names_installed_modules_only():
    assert all(importlib.util.find_spec(name) is not None for name in NOTEBOOK_STACK)
    own = [m for m in modules() if m.startswith("analysis.")]
    assert "analysis.report.stage" in own and "analysis.engine.kernels" in own
    assert not any(m.endswith("__main__") for m in own)
