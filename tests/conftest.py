"""Fixtures every test module shares (builders of small frames live in `histories.py`).

- every test closes the matplotlib figures it opened (plot tests draw many);
- ``processed``: an empty stage folder of its own (`analysis.report.stage`), also
  seen by notebook kernels started from the test (through the environment);
- ``rules`` / ``seed_rules``: the bundled rule sets, read once.

``make test`` runs ``pytest -n 2 --dist loadscope``: each test module (or class)
runs on one worker, so a module-scoped fixture that builds reports or simulates
a world is set up once, not once per worker. (``--dist loadgroup`` with
``xdist_group`` marks would be finer, but with pytest 9.2 and pytest-xdist 3.8 it
silently does not group: pytest-dev/pytest-xdist#1386.)
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from analysis.engine.ruleset import load_rules
from analysis.report.stage import PROCESSED_ENV


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
