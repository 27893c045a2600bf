"""The set-up step that compiles what the reports use (`analysis.report.warm`)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

from analysis.report import warm

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def _module_file(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    return None if spec is None or spec.origin is None else Path(spec.origin).resolve()


def test_every_module_a_notebook_imports_is_compiled_by_the_warm_step():
    """Each ``import X`` / ``from X import`` of a report notebook is a module of
    ``analysis`` or an installed module the manifest lists, so no kernel compiles it."""
    site = warm.site_packages()
    listed = set(warm.read_manifest())
    imported = set()
    for nb in NOTEBOOKS.glob("[0-9][0-9]-*.py"):
        for line in nb.read_text("utf-8").splitlines():
            match = re.match(r"(?:from|import)\s+([\w.]+)", line)
            if match and match.group(1) != "__future__":
                imported.add(match.group(1))
    assert imported, "no notebook imports found"
    missing = []
    for name in sorted(imported):
        origin = _module_file(name)
        assert origin is not None, name
        if origin.is_relative_to(warm.PACKAGE):
            continue
        if origin.is_relative_to(site) and origin.relative_to(site).as_posix() not in listed:
            missing.append(name)
    assert missing == []


def test_the_manifest_lists_installed_modules_only():
    """A stale manifest (after a change of ``uv.lock``) fails here: re-record it
    with ``python -m analysis.report.warm --record``."""
    entries = warm.read_manifest()
    assert len(entries) > 1000  # the notebook stack: pandas, matplotlib, statsmodels, ...
    assert entries == sorted(set(entries))
    site = warm.site_packages()
    gone = [e for e in entries if not (site / e).is_file()]
    assert gone == []
    for module in ("pandas/core/frame.py", "matplotlib/pyplot.py", "ipykernel/kernelapp.py"):
        assert module in entries


def test_files_to_compile_are_the_listed_ones_that_exist_then_the_package(tmp_path):
    site, package = tmp_path / "site", tmp_path / "pkg"
    (site / "a").mkdir(parents=True)
    (package / "sub").mkdir(parents=True)
    for f in (site / "a" / "x.py", package / "m.py", package / "sub" / "n.py"):
        f.write_text("X = 1\n")
    manifest = tmp_path / "manifest.txt"
    manifest.write_text("# a comment\na/x.py\na/gone.py\n\n")
    files = warm.files_to_compile(manifest, site, package)
    assert files == [site / "a" / "x.py", package / "m.py", package / "sub" / "n.py"]


def test_compile_files_writes_bytecode_and_names_the_failures(tmp_path):
    good = [tmp_path / f"m{i}.py" for i in range(5)]
    for i, f in enumerate(good):
        f.write_text(f"X = {i}\n" * (i + 1))
    bad = tmp_path / "bad.py"
    bad.write_text("def (:\n")
    failed = warm.compile_files([*good, bad], jobs=2)
    assert failed == [str(bad)]
    for f in good:
        assert Path(importlib.util.cache_from_source(str(f))).is_file()
    assert not Path(importlib.util.cache_from_source(str(bad))).exists()


def test_sources_in_prefix_maps_bytecode_back_to_modules(tmp_path):
    """``PYTHONPYCACHEPREFIX`` mirrors each source folder: ``/site/pkg/m.py`` is
    compiled to ``prefix/site/pkg/m.<tag>.pyc``; files outside site-packages are
    left out."""
    site = Path("/opt/env/lib/site-packages")
    tag = sys.implementation.cache_tag
    for rel in ("opt/env/lib/site-packages/pkg", "opt/env/lib/site-packages", "usr/lib/py"):
        (tmp_path / rel).mkdir(parents=True, exist_ok=True)
    (tmp_path / "opt/env/lib/site-packages/pkg" / f"m.{tag}.pyc").write_bytes(b"")
    (tmp_path / "opt/env/lib/site-packages/pkg" / f"__init__.{tag}.pyc").write_bytes(b"")
    (tmp_path / "opt/env/lib/site-packages" / f"six.{tag}.pyc").write_bytes(b"")
    (tmp_path / "usr/lib/py" / f"os.{tag}.pyc").write_bytes(b"")
    found = warm.sources_in_prefix(tmp_path, site)
    assert found == ["pkg/__init__.py", "pkg/m.py", "six.py"]
