"""The rivals of README "Speed" compute the grid they are said to compute.

`benchmarks/bench_kernels.py` times the engine against a numba baseline kernel
and DuckDB, both computing a simpler grid (24-month and lifetime sums of
positive and negative weights, 12-month earnings). Once, every JSS date they
were given was day 0 (a DatetimeIndex of seconds read as nanoseconds), so both
computed an empty grid and the table compared the engine with reading the
input. These tests pin the dates and check the two rivals against each other
and against the engine's grid, row for row.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_kernels as bench  # noqa: E402
from synthetic import synthetic_history  # noqa: E402

from analysis.engine.jss import jss_grid  # noqa: E402
from analysis.engine.ruleset import load_rules  # noqa: E402

COLUMNS = ["pos_24m", "neg_24m", "pos_life", "neg_life", "earnings_12m"]


@pytest.mark.parametrize("unit", ["s", "ms", "ns"])
def test_day_numbers_of_any_resolution(unit):
    """2024-01-07 is day 19729 since 1970-01-01 (54 years with 13 leap days, 6 days
    in): the same whatever the index's resolution."""
    dates = pd.DatetimeIndex(["1970-01-01", "2024-01-07"]).as_unit(unit)
    assert bench.day_numbers_of(dates).tolist() == [0, 19729]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    rules = load_rules("upwork-2025")
    history = synthetic_history(120, seed=3)
    c = history.contracts
    as_of = int(np.datetime64(history.as_of.date(), "D").astype(np.int64))
    first = int(c["start_date"].min().to_datetime64().astype("datetime64[D]").astype(np.int64))
    folder = tmp_path_factory.mktemp("bench")
    csv = bench.write_csv(history, folder / "history")
    return rules, history, csv, first, as_of, folder


def test_the_baseline_has_a_row_per_freelancer_and_jss_date_of_the_engine(small):
    rules, history, _, first, as_of, _ = small
    grid = bench.run_baseline(bench.baseline_inputs(history.contracts, rules, as_of),
                              rules, first, as_of)  # fmt: skip
    engine = jss_grid(history, rules)
    assert grid.shape == (5, len(engine)) and len(engine) > 0
    # the weights add up: every freelancer has ended, weighted contracts by the end
    assert grid[2].sum() > 0 and grid[4].sum() > 0


def test_duckdb_and_the_numba_pipeline_give_the_same_grid(small):
    """Two separate implementations of the simpler grid (SQL from the CSV; the
    numba kernel after a pyarrow read) agree on every row and value, and both
    have the engine's rows; so does ``toprated jss`` on the same CSV."""
    rules, history, csv, first, as_of, folder = small
    bench.numba_pipeline(csv, folder / "b.parquet")
    bench.duckdb_pipeline(csv, folder / "c.parquet", rules, first, as_of)
    b = pd.read_parquet(folder / "b.parquet")
    d = pd.read_parquet(folder / "c.parquet").sort_values(["fid", "t"], ignore_index=True)
    rows = len(jss_grid(history, rules))
    assert len(b) == len(d) == rows
    for col in COLUMNS:
        np.testing.assert_allclose(b[col].to_numpy(), d[col].to_numpy(), rtol=1e-9, atol=1e-9)
    toprated = Path(sys.executable).parent / "toprated"
    out = folder / "a.parquet"
    subprocess.run([str(toprated), "jss", str(csv.parent), "--out", str(out)], check=True,
                   capture_output=True)  # fmt: skip
    assert bench.parquet_rows(out) == rows


def test_a_comparison_with_a_different_grid_is_refused():
    bench.same_rows(10, 10, "x")
    with pytest.raises(RuntimeError, match="DuckDB gave 0 rows where the JSS grid has 10"):
        bench.same_rows(0, 10, "DuckDB")
    with pytest.raises(RuntimeError):
        bench.same_rows(0, 0, "the baseline kernel")
