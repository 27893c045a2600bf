"""Where things are: every path the library, the CLI and the notebooks use, in one place.

The project keeps raw inputs read-only (`data/raw/`, `data/real/`), computes derived
tables once into `data/processed/` (ignored by git, rebuilt when inputs change) and
writes built reports to `reports/`. Nothing else in the package spells a path.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""The repository root (the folder holding `pyproject.toml`)."""

DATA = ROOT / "data"
RAW = DATA / "raw"
SAMPLE = RAW / "sample"
"""The bundled simulated marketplace: the main job's default input."""
DEMO = RAW / "my-history"
"""The demo own-history (the bundled export with made-up feedback)."""
EXPORT_SAMPLE = RAW / "upwork-earnings-export-sample.csv"
"""A real-format Upwork earnings export (MIT, see `data/raw/README.md`)."""
PROCESSED = DATA / "processed"
"""Computed stages, one folder per input key (see `analysis.report.stage`)."""
NOTEBOOKS = ROOT / "notebooks"
REPORTS = ROOT / "reports"
REAL = DATA / "real"
"""Real public data with licences (`data/real/README.md`): Upwork talent-search profiles."""
