"""README's coverage table is the coverage benchmark's recorded summary, as printed.

`benchmarks/bench_effects_coverage.py` writes `benchmarks/recorded/coverage.json`;
its ``--readme`` flag prints the table README carries (issue 12 item 5). A figure
typed in by hand, or a stale table after a new run, fails here.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_effects_coverage import RECORDED, readme_table  # noqa: E402


def test_readme_carries_the_generated_coverage_table() -> None:
    table = readme_table(json.loads(RECORDED.read_text("utf-8")))
    assert table in (ROOT / "README.md").read_text("utf-8")


def test_the_table_shows_coverage_of_the_estimated_runs_and_bias() -> None:
    summary = {
        "date": "2026-01-01",
        "command": "benchmarks/bench_effects_coverage.py --seeds 2",
        "histories": 4,
        "freelancers": 500,
        "period": ["2022-01-01", "2023-12-31"],
        "seeds": 2,
        "lifts": [1.0, 1.25],
        "results": {
            "today": {
                "invitation_lift": {"coverage": 0.75, "estimated": 4, "mean_bias": 0.0123},
                "net_value_usd_per_holder_year": {
                    "coverage": 0.5, "estimated": 2, "mean_bias": -1234.5
                },
            },
            "drift": {
                "invitation_lift": {"coverage": None, "estimated": 0, "mean_bias": None},
            },
        },
    }  # fmt: skip
    lines = readme_table(summary).splitlines()
    assert lines[0] == (
        "| world | invitation_lift: coverage, mean bias | "
        "net_value_usd_per_holder_year: coverage, mean bias |"
    )
    assert lines[2] == "| today | 75% of 4, +0.0123 | 50% of 2, -1,234 |"
    assert lines[3] == "| drift | not estimated | not estimated |"
    assert "4 histories of 500 freelancers" in lines[-1]


def test_the_summary_gives_coverage_bias_and_median_width_of_the_estimated_runs() -> None:
    """Hand-worked: three estimated runs with intervals [1.0, 1.2], [0.9, 1.3] and
    [0.5, 1.5] around a truth of 1.25 (covered: no, yes, yes -> 2/3); widths 0.2,
    0.4, 1.0 -> median 0.4; biases -0.15, -0.15, +0.75 -> mean +0.15. A fourth run
    was not estimated and counts in ``runs`` only."""
    import pandas as pd
    from bench_effects_coverage import summarise

    table = pd.DataFrame(
        {
            "world": ["today"] * 4,
            "effect": ["invitation_lift"] * 4,
            "planted_lift": [1.25] * 4,
            "truth": [1.25] * 4,
            "estimate": [1.1, 1.1, 2.0, float("nan")],
            "ci_low": [1.0, 0.9, 0.5, float("nan")],
            "ci_high": [1.2, 1.3, 1.5, float("nan")],
            "estimated": [True, True, True, False],
            "covered": [False, True, True, False],
            "bias": [-0.15, -0.15, 0.75, float("nan")],
        }
    )
    s = summarise(table)["today"]["invitation_lift"]
    assert (s["runs"], s["estimated"]) == (4, 3)
    assert s["coverage"] == pytest.approx(2 / 3)
    assert s["median_width"] == pytest.approx(0.4)
    assert s["mean_bias"] == pytest.approx(0.15)
