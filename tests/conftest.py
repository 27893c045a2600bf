"""Fixtures every test module shares (builders of small frames live in `histories.py`).

- every test closes the matplotlib figures it opened (plot tests draw many);
- ``processed``: an empty stage folder of its own (`analysis.report.stage`), also
  seen by notebook kernels started from the test (through the environment);
- ``rules`` / ``seed_rules``: the bundled rule sets, read once;
- one worker per expensive shared fixture: under ``pytest -n 2 --dist loadgroup``
  (``make test``) the tests that use one of `SHARED_FIXTURES` are put in one
  ``xdist_group``, so the fixture (a report build, a simulation, a server) is set
  up once instead of once on each worker.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from analysis.engine.ruleset import load_rules
from analysis.report.stage import PROCESSED_ENV

#: Module- or session-wide fixtures that build something slow, by test module; the
#: tests using them share an xdist group (named here; `test_report` and
#: `test_browser` share one build of the ``sample`` reports through a module cache).
SHARED_FIXTURES: dict[str, tuple[set[str], str]] = {
    "test_report.py": ({"sample"}, "report-sample"),
    "test_browser.py": ({"sample"}, "report-sample"),
    "test_notebooks.py": ({"built"}, "notebooks-build"),
    "test_simulate.py": ({"small", "sample", "tiny"}, "simulate-worlds"),
    "test_scale.py": ({"data", "client"}, "scale-data"),
    "test_lab.py": ({"lab"}, "lab-server"),
    "test_effects.py": ({"panel_lift_13"}, "effects-panel"),
    "test_importer.py": ({"sample"}, "importer-sample"),
}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Group the tests of each slow shared fixture (see `SHARED_FIXTURES`); a test
    that already names its group (e.g. one report shape) keeps it."""
    for item in items:
        shared = SHARED_FIXTURES.get(item.path.name)
        if shared is None or item.get_closest_marker("xdist_group"):
            continue
        fixtures, group = shared
        if fixtures & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every matplotlib figure a test opened (without importing matplotlib)."""
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


@pytest.fixture
def processed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder for computed stages, used instead of ``data/processed``."""
    folder = tmp_path / "processed"
    monkeypatch.setenv(PROCESSED_ENV, str(folder))
    return folder


@pytest.fixture(scope="session")
def rules():
    return load_rules("upwork-2025")


@pytest.fixture(scope="session")
def seed_rules():
    return load_rules("seed-article")
