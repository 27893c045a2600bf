"""README "Speed" shows the engine figures exactly as recorded by the benchmark.

`benchmarks/bench_kernels.py` writes `benchmarks/engine-results.json`; its
``--readme`` flag prints the table that README carries. A figure typed into
README by hand, or a stale table after a new run, fails here.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_kernels import GOALS, RESULTS, readme_table  # noqa: E402


def test_readme_carries_the_generated_table() -> None:
    results = json.loads(RESULTS.read_text())
    table = readme_table(results)
    readme = (ROOT / "README.md").read_text()
    assert table in readme


def test_the_table_marks_a_missed_goal() -> None:
    results = json.loads(RESULTS.read_text())
    slow = {**results, "help_seconds": GOALS["help_seconds"] * 10}
    line = next(x for x in readme_table(slow).splitlines() if "`toprated --help`" in x)
    assert "**not met**" in line
    fast = {**results, "help_seconds": GOALS["help_seconds"] / 10}
    line = next(x for x in readme_table(fast).splitlines() if "`toprated --help`" in x)
    assert line.endswith("| met |")
