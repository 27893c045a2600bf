"""Converting a grid frame to Arrow: `analysis.io.output.to_arrow` against pyarrow's own.

A script, not a test. It builds a frame shaped like the JSS grid (text ids, a
date column, five float scores with missing values, nullable integer counts)
of ``--rows`` rows, with a fixed seed, and times, side by side in each repeat,
`to_arrow` and pyarrow's own conversion, ``pa.array(column, from_pandas=True)``
per column, timestamps then cast to ``date32`` (what `to_arrow` did for every
column of such a frame before its float columns got their own path). The two tables are checked equal
before anything is timed. It prints the medians, the median of the repeats'
ratios, and the same for one float column alone:

    .venv/bin/python benchmarks/bench_output.py                 # 15.7M rows, 5 repeats
    .venv/bin/python benchmarks/bench_output.py --rows 1000000
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np
import pandas as pd
import pyarrow as pa
from bench_kernels import side_by_side  # the same side-by-side timing as the engine table

from analysis.io.output import to_arrow


def grid_frame(rows: int, seed: int) -> pd.DataFrame:
    """A JSS-grid-like frame: ids repeated over 157 dates, scores missing where a
    freelancer has no score yet (about a third), counts missing likewise."""
    rng = np.random.default_rng(seed)
    dates = 157
    ids = pd.array([f"f{i:07d}" for i in range(rows // dates + 1)], dtype="str")
    day = np.datetime64("2020-01-05", "s") + np.arange(dates) * np.timedelta64(7 * 86_400, "s")
    missing = rng.random(rows) < 0.3
    frame = {
        "freelancer_id": ids.take(np.arange(rows) // dates),
        "eval_date": np.tile(day, rows // dates + 1)[:rows],
        "jss": pd.arrays.IntegerArray(rng.integers(0, 101, rows), missing.copy()),
    }
    for name in ("score_24m", "score_12m", "score_6m", "score_3m", "score_trending"):
        values = np.round(rng.random(rows) * 100, 2)
        values[missing] = np.nan
        frame[name] = values
    for name in ("counted_24m", "clients_24m"):
        frame[name] = pd.arrays.IntegerArray(rng.integers(0, 60, rows), missing.copy())
    return pd.DataFrame(frame)


def by_pyarrow(frame: pd.DataFrame) -> pa.Table:
    """The conversion `to_arrow` replaced, column by column."""
    cols = {}
    for name in frame.columns:
        arr = pa.array(frame[name], from_pandas=True)
        cols[name] = arr.cast(pa.date32()) if pa.types.is_timestamp(arr.type) else arr
    return pa.table(cols)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=15_700_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    frame = grid_frame(args.rows, args.seed)
    if not to_arrow(frame).equals(by_pyarrow(frame)):
        raise SystemExit("to_arrow and pyarrow's conversion differ")
    one = frame[["score_24m"]]
    for what, fn, base in (
        ("grid frame", lambda: to_arrow(frame), lambda: by_pyarrow(frame)),
        ("one float column", lambda: to_arrow(one), lambda: by_pyarrow(one)),
    ):
        ratio, mine, theirs = side_by_side(fn, base, args.repeats)
        print(
            f"{what}, {args.rows:,} rows: to_arrow {statistics.median(mine):.3f} s, "
            f"pyarrow {statistics.median(theirs):.3f} s, "
            f"ratio {ratio:.2f} (median of {args.repeats} pairs)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
