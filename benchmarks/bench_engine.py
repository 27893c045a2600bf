"""Benchmark the JSS engine: `jss_grid` against a DuckDB range-join query, and streaming.

A script, not a test. Two modes:

- default: build a synthetic history (``benchmarks/synthetic.py``; 100,000
  freelancers ~ 4 million contracts over 2020-2025), then time, in this one run,
  the median of ``--repeats`` runs of (a) the full JSS grid with
  `analysis.engine.jss.jss_grid` (every window, trending, JSS, distinct clients, open
  contracts) and (b) a DuckDB SQL query computing a *simpler* grid on the same
  data and dates: per (freelancer, evaluation date) the 24-month and lifetime
  sums of positive and negative outcome weights, and 12-month earnings (spread
  evenly over each contract's days). DuckDB gets the outcome and weight columns
  precomputed (untimed), integer freelancer ids and day numbers, and joins the
  contracts to a dates table with a range condition and GROUP BY. Target:
  jss_grid at most half DuckDB's time.
- ``--stream OUT.parquet``: stream the grid to Parquet chunk by chunk with
  `analysis.engine.jss.iter_jss_grid`, reporting rows, time and peak RSS (target with
  ``--freelancers 1000000``: under 8 GiB).

Prints a table and writes JSON to ``benchmarks/results/``.

    .venv/bin/python benchmarks/bench_engine.py                      # 100k, 3 repeats
    .venv/bin/python benchmarks/bench_engine.py --freelancers 1000000 --stream /tmp/jss.parquet
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import synthetic_history  # noqa: E402

from analysis.engine.jss import (  # noqa: E402
    DEFAULT_CHUNK_SIZE,
    contract_outcomes,
    iter_jss_grid,
    jss_dates,
    jss_grid,
)
from analysis.engine.ruleset import load_rules  # noqa: E402
from analysis.engine.status import status_grid  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"

DUCKDB_QUERY = """
SELECT c.fid, d.t,
  SUM(CASE WHEN c.end_day <= d.t AND c.end_day > d.t - 730 THEN c.pos_w ELSE 0 END) AS pos_24m,
  SUM(CASE WHEN c.end_day <= d.t AND c.end_day > d.t - 730 THEN c.neg_w ELSE 0 END) AS neg_24m,
  SUM(CASE WHEN c.end_day <= d.t THEN c.pos_w ELSE 0 END) AS pos_life,
  SUM(CASE WHEN c.end_day <= d.t THEN c.neg_w ELSE 0 END) AS neg_life,
  SUM(c.earnings_usd
      * GREATEST(0, LEAST(d.t, c.stop_day) - GREATEST(d.t - 365, c.start_day - 1))
      / c.span_days) AS earnings_12m
FROM contracts AS c
JOIN dates AS d ON c.start_day <= d.t
GROUP BY c.fid, d.t
"""


def peak_rss_gib() -> float:
    """Peak resident set size of this process so far (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def current_rss_gib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 2**20
    return float("nan")


def timed(fn, repeats: int) -> tuple[float, list[float], object]:
    """Median wall seconds of `repeats` calls, all timings, and the last result."""
    times, result = [], None
    for _ in range(repeats):
        result = None
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times, result


def duckdb_inputs(history, rules) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The precomputed contracts table DuckDB is given (untimed) and the dates table."""
    c = history.contracts
    out = contract_outcomes(c, rules)
    day = 86_400
    start = c["start_date"].to_numpy().astype(np.int64) // day
    end_raw = c["end_date"].to_numpy()
    ended = ~np.isnat(end_raw)
    end = np.where(ended, end_raw.astype(np.int64) // day, 0)
    as_of = int(history.as_of.value // 10**9 // day)
    stop = np.where(ended, end, as_of)
    weight = out["weight"].to_numpy()
    outcome = out["outcome"].to_numpy()
    table = pd.DataFrame(
        {
            "fid": pd.factorize(c["freelancer_id"], sort=True)[0].astype(np.int32),
            "start_day": start.astype(np.int32),
            "end_day": pd.array(np.where(ended, end, 0).astype(np.int32)).astype("Int32"),
            "stop_day": stop.astype(np.int32),
            "span_days": (stop - start + 1).astype(np.float64),
            "pos_w": np.where(outcome == "positive", weight, 0.0),
            "neg_w": np.where(outcome == "negative", weight, 0.0),
            "earnings_usd": c["earnings_usd"].to_numpy(),
        }
    )
    table.loc[~ended, "end_day"] = pd.NA
    dates = jss_dates(c["start_date"].min(), history.as_of, rules)
    days = pd.DataFrame({"t": (dates.asi8 // day).astype(np.int32)})
    return table, days


def run_compare(args, rules) -> dict:
    import duckdb

    t0 = time.perf_counter()
    history = synthetic_history(args.freelancers, seed=args.seed)
    gen_s = time.perf_counter() - t0
    n_contracts = len(history.contracts)
    dates = jss_dates(history.contracts["start_date"].min(), history.as_of, rules)
    print(
        f"synthetic: {args.freelancers:,} freelancers, {n_contracts:,} contracts, "
        f"{len(dates)} JSS dates ({gen_s:.1f} s to generate)",
        flush=True,
    )

    grid_med, grid_times, grid = timed(
        lambda: jss_grid(history, rules, chunk_size=args.chunk_size), args.repeats
    )
    grid_rows = len(grid)
    del grid
    gc.collect()
    print(f"jss_grid: {grid_times}", flush=True)

    table, days = duckdb_inputs(history, rules)
    con = duckdb.connect()
    if args.threads:
        con.execute(f"SET threads TO {int(args.threads)}")
    threads = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
    con.register("contracts", table)
    con.register("dates", days)
    duck_med, duck_times, res = timed(lambda: con.sql(DUCKDB_QUERY).to_arrow_table(), args.repeats)
    duck_rows = res.num_rows
    del res
    print(f"duckdb:   {duck_times}", flush=True)
    con.close()
    table = days = None  # free the inputs before the status grid
    gc.collect()

    # the weekly status grid (JSS included) on the same history: target under a minute
    status_med, status_times, status = timed(
        lambda: status_grid(history, rules), max(1, min(args.repeats, 2))
    )
    status_rows = len(status)
    del status
    print(f"status_grid: {status_times}", flush=True)

    return {
        "mode": "compare",
        "freelancers": args.freelancers,
        "contracts": n_contracts,
        "jss_dates": len(dates),
        "repeats": args.repeats,
        "chunk_size": args.chunk_size,
        "jss_grid_seconds_median": grid_med,
        "jss_grid_seconds": grid_times,
        "jss_grid_rows": grid_rows,
        "duckdb_seconds_median": duck_med,
        "duckdb_seconds": duck_times,
        "duckdb_rows": duck_rows,
        "duckdb_threads": threads,
        "ratio_jss_grid_to_duckdb": grid_med / duck_med,
        "target_met": grid_med <= duck_med / 2,
        "status_grid_seconds_median": status_med,
        "status_grid_seconds": status_times,
        "status_grid_rows": status_rows,
        "status_target_met": status_med < 60,
        "peak_rss_gib": peak_rss_gib(),
    }


def run_stream(args, rules) -> dict:
    import pyarrow as pa
    import pyarrow.parquet as pq

    t0 = time.perf_counter()
    history = synthetic_history(args.freelancers, seed=args.seed)
    gen_s = time.perf_counter() - t0
    gc.collect()
    rss_input = current_rss_gib()
    peak_after_input = peak_rss_gib()
    print(
        f"synthetic: {args.freelancers:,} freelancers, {len(history.contracts):,} contracts "
        f"({gen_s:.1f} s; RSS {rss_input:.2f} GiB, peak so far {peak_after_input:.2f} GiB)",
        flush=True,
    )
    out = Path(args.stream)
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = chunks = 0
    writer = None
    t0 = time.perf_counter()
    for frame in iter_jss_grid(history, rules, chunk_size=args.chunk_size):
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if writer is None:
            writer = pq.ParquetWriter(out, table.schema)
        writer.write_table(table)
        rows += len(frame)
        chunks += 1
        if chunks % 10 == 0:
            print(
                f"  {chunks} chunks, {rows:,} rows, {time.perf_counter() - t0:.0f} s, "
                f"peak RSS {peak_rss_gib():.2f} GiB",
                flush=True,
            )
    if writer is not None:
        writer.close()
    stream_s = time.perf_counter() - t0
    return {
        "mode": "stream",
        "freelancers": args.freelancers,
        "contracts": len(history.contracts),
        "chunk_size": args.chunk_size,
        "rows": rows,
        "chunks": chunks,
        "generate_seconds": gen_s,
        "stream_seconds": stream_s,
        "rss_after_input_gib": rss_input,
        "peak_rss_after_input_gib": peak_after_input,
        "peak_rss_gib": peak_rss_gib(),
        "parquet_bytes": out.stat().st_size if out.exists() else 0,
        "output": str(out),
        "target_met": peak_rss_gib() < 8,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--freelancers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE)
    parser.add_argument("--threads", type=int, default=0, help="DuckDB threads (0 = its default)")
    parser.add_argument("--rules", default="upwork-2025")
    parser.add_argument("--stream", metavar="OUT", help="stream the grid to this Parquet file")
    args = parser.parse_args(argv)
    rules = load_rules(args.rules)

    result = run_stream(args, rules) if args.stream else run_compare(args, rules)
    result.update(
        {
            "command": " ".join([Path(sys.executable).name, *sys.argv]),
            "when": dt.datetime.now().isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "numpy": np.__version__,
            "pandas": pd.__version__,
        }
    )
    print()
    width = max(len(k) for k in result)
    for key, value in result.items():
        if isinstance(value, float):
            value = f"{value:.3f}"
        elif isinstance(value, list):
            value = ", ".join(f"{v:.3f}" for v in value)
        print(f"{key:<{width}}  {value}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    path = RESULTS / f"bench_engine-{result['mode']}-{args.freelancers}-{stamp}.json"
    path.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"\nwritten: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
