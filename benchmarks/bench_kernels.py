"""The engine at the limit (issue 15): every figure of README "Speed" in one run.

A script, not a test. On a synthetic history (``benchmarks/synthetic.py``, about
40 contracts per freelancer, 2020-2025, 100,000 freelancers by default) it
measures, in this one process and its subprocesses:

1. **JSS grid, compute only**: `analysis.engine.jss.jss_grid` from the in-memory
   `History` (every window, Trending, counts, distinct clients, open contracts),
   against a *baseline* carried here: a numba single-pass kernel of a simpler
   grid (per freelancer and JSS date: the 24-month and lifetime sums of
   positive and negative outcome weights, and 12-month earnings spread over
   each contract's days), on integer inputs prepared untimed. Goal: <= 3x.
2. **`toprated jss` end to end**, CSV in, Parquet out, as a subprocess, against
   (a) the numba pipeline: a subprocess that reads the same CSV with pyarrow,
   prepares the inputs, runs the baseline kernel and writes Parquet (goal:
   <= 1.5x); (b) DuckDB computing the same simpler grid straight from the CSV
   into Parquet (goal: <= 0.35x).
3. **Status grid, compute only**: `analysis.engine.status.status_grid` (JSS
   included). Goal: < 4 s for 100k.
4. **`toprated --help`**: wall time of the subprocess. Goal: < 0.3 s.
5. **load + validate**: `analysis.io.load.read_history` on the CSV against a bare
   ``pandas.read_csv(engine="pyarrow")``. Goal: <= 1.3x.
6. With ``--large N`` (e.g. 1000000): the JSS job and the status job as a user
   runs them, each in its own process: ``toprated jss|status DATASET --out
   FILE.parquet`` on the synthetic history written as a Parquet dataset first
   (untimed), so each job reads and checks the history part by part, computes
   and writes. Wall time (reading included) and peak RSS of each process.
   Goal: both jobs < 90 s together, peak < 4 GiB.

The grid kernels run on `analysis.engine.kernels.threads` threads (one per
core unless ``$TOPRATED_THREADS`` says otherwise; the run records how many);
the JSS and status grids are timed once more on one thread, so the baseline
(one thread) can be compared like with like.

Timings are medians of ``--repeats`` runs (load + validate: at least
``LOAD_PAIRS``). Each comparison is timed side by side, the two (or three)
rivals in turn within each repeat, and its ratio is the median of the repeats'
ratios: the host's speed drifts from one minute to the next, and a pair taken
seconds apart shares the drift. The load average before and after is
recorded, since the machine's cores are shared. The results go to
``benchmarks/engine-results.json`` (tracked; the README speed table is printed
from it by ``--readme``):

    .venv/bin/python benchmarks/bench_kernels.py                    # 100k, 3 repeats
    .venv/bin/python benchmarks/bench_kernels.py --large 1000000    # adds the 1M jobs
    .venv/bin/python benchmarks/bench_kernels.py --add-large 1000000  # only those, added
    .venv/bin/python benchmarks/bench_kernels.py --readme           # the README table
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from numba import njit

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "engine-results.json"
VENV_BIN = Path(sys.executable).parent
#: Pairs of load + validate and bare read timed (cheap, and the noisiest ratio).
LOAD_PAIRS = 7
DAY_S = 86_400

GOALS = {
    "jss_vs_baseline": 3.0,
    "cli_vs_numba_pipeline": 1.5,
    "cli_vs_duckdb": 0.35,
    "status_100k_seconds": 4.0,
    "large_jobs_seconds": 90.0,
    "large_peak_gib": 4.0,
    "help_seconds": 0.3,
    "load_vs_pyarrow": 1.3,
}


# --------------------------------------------------------------------------- baseline


def day_numbers_of(dates) -> np.ndarray:
    """Days since 1970-01-01 of a DatetimeIndex, whatever its resolution.

    Why not ``.asi8 // (86_400 * 10**9)``: that assumes nanoseconds, and
    `analysis.engine.jss.jss_dates` gives seconds (pandas 3), which turned every
    date into day 0: the baseline kernel and DuckDB then computed an empty grid,
    and the table compared the engine with reading the input."""
    return np.asarray(dates.values.astype("datetime64[D]").astype(np.int64))


@njit(cache=True, error_model="numpy")
def simple_grid(bounds, start, end, stop, pos_w, neg_w, earnings, t0, step, m, d24, d12):
    """The baseline: per freelancer and date from its first start on, five sums.

    ``pos_24m, neg_24m`` (weights of contracts ended in ``(t - d24, t]``),
    ``pos_life, neg_life`` (ended on or before t) and ``earnings_12m`` (each
    contract's earnings spread evenly over ``start..stop``, the part in
    ``(t - d12, t]``). One pass over each freelancer's contracts with difference
    arrays for the weights and a direct loop over the dates a contract's money
    reaches. Returns the number of rows and the five columns.
    """
    n_f = len(bounds) - 1
    rows = 0
    first = np.empty(n_f, np.int64)
    for f in range(n_f):
        s0 = start[bounds[f]]
        for r in range(bounds[f], bounds[f + 1]):
            s0 = min(s0, start[r])
        j = max(0, -((t0 - s0) // step))
        first[f] = j
        rows += max(0, m - j)
    out = np.empty((5, rows))
    d = np.zeros((4, m + 1))
    money = np.zeros(m + 1)
    row = 0
    for f in range(n_f):
        jf = first[f]
        for r in range(bounds[f], bounds[f + 1]):
            if end[r] >= 0:
                lo = min(max(0, -((t0 - end[r]) // step)), m)
                hi = min(max(lo, -((t0 - end[r] - d24) // step)), m)
                d[0, lo] += pos_w[r]
                d[0, hi] -= pos_w[r]
                d[1, lo] += neg_w[r]
                d[1, hi] -= neg_w[r]
                d[2, lo] += pos_w[r]
                d[3, lo] += neg_w[r]
            span = float(stop[r] - start[r] + 1)
            g0 = min(max(jf, -((t0 - start[r]) // step)), m)
            g1 = min(max(g0, -((t0 - stop[r] - d12) // step)), m)
            for g in range(g0, g1):
                t = t0 + g * step
                days = min(t, stop[r]) - max(t - d12, start[r] - 1)
                if days > 0:
                    money[g] += earnings[r] * days / span
        run = np.zeros(4)
        for g in range(jf, m):
            for k in range(4):
                run[k] += d[k, g]
                out[k, row] = run[k]
            out[4, row] = money[g]
            row += 1
        for g in range(jf, m + 1):
            money[g] = 0.0
            for k in range(4):
                d[k, g] = 0.0
    return out


def baseline_inputs(contracts, rules, as_of_day: int) -> dict:
    """The baseline's integer/float inputs (sorted by freelancer), prepared untimed."""
    import pandas as pd

    from analysis.engine.jss import contract_outcomes

    out = contract_outcomes(contracts, rules)
    codes, _ = pd.factorize(contracts["freelancer_id"], sort=True)
    order = np.argsort(codes, kind="stable")
    start = contracts["start_date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    end_raw = contracts["end_date"].to_numpy().astype("datetime64[D]")
    ended = ~np.isnat(end_raw)
    end = np.where(ended, end_raw.astype(np.int64), -1)
    weight = np.nan_to_num(out["weight"].to_numpy())
    outcome = out["outcome"].to_numpy()
    cols = {
        "start": start,
        "end": end,
        "stop": np.where(ended, end, np.maximum(as_of_day, start)),
        "pos_w": np.where(outcome == "positive", weight, 0.0),
        "neg_w": np.where(outcome == "negative", weight, 0.0),
        "earnings": contracts["earnings_usd"].to_numpy(np.float64),
    }
    cols = {k: np.ascontiguousarray(v[order]) for k, v in cols.items()}
    cols["bounds"] = np.searchsorted(codes[order], np.arange(codes.max() + 2)).astype(np.int64)
    return cols


def run_baseline(inputs: dict, rules, first_day: int, last_day: int) -> np.ndarray:
    from analysis.engine.jss import jss_dates

    dates = day_numbers_of(
        jss_dates(np.datetime64(first_day, "D"), np.datetime64(last_day, "D"), rules)
    )
    step = rules.calendar.jss_every_days
    return simple_grid(
        inputs["bounds"],
        inputs["start"],
        inputs["end"],
        inputs["stop"],
        inputs["pos_w"],
        inputs["neg_w"],
        inputs["earnings"],
        int(dates[0]),
        step,
        len(dates),
        rules.windows.days[rules.windows.required],
        rules.badges.earnings_window_days,
    )


def numba_pipeline(csv: Path, out: Path) -> None:
    """The baseline end to end: pyarrow CSV read, inputs, kernel, Parquet write."""
    import pyarrow as pa
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    from analysis.engine.ruleset import load_rules

    rules = load_rules("upwork-2025")
    contracts = pcsv.read_csv(csv).to_pandas(date_as_object=False)
    for col in ("start_date", "end_date"):
        contracts[col] = contracts[col].astype("datetime64[s]")
    as_of_day = int(
        max(contracts["start_date"].max(), contracts["end_date"].max())
        .to_datetime64()
        .astype("datetime64[D]")
        .astype(np.int64)
    )
    inputs = baseline_inputs(contracts, rules, as_of_day)
    first_day = int(inputs["start"].min())
    grid = run_baseline(inputs, rules, first_day, as_of_day)
    names = ["pos_24m", "neg_24m", "pos_life", "neg_life", "earnings_12m"]
    pq.write_table(pa.table({n: grid[i] for i, n in enumerate(names)}), out)


DUCKDB_SQL = """
COPY (
WITH c AS (
  SELECT freelancer_id AS fid, start_date::DATE - DATE '1970-01-01' AS start_day,
    end_date::DATE - DATE '1970-01-01' AS end_day,
    COALESCE(end_date::DATE, DATE '{as_of}') - DATE '1970-01-01' AS stop_day,
    earnings_usd,
    CASE WHEN client_flagged THEN 'x'
         WHEN disputed OR public_rating < {neg_pub} OR private_score <= {neg_priv} THEN 'n'
         WHEN public_rating IS NULL AND private_score IS NULL THEN 'x'
         WHEN earnings_usd = 0 THEN 'x'
         WHEN (public_rating IS NULL OR public_rating >= {pos_pub})
              AND (private_score IS NULL OR private_score >= {pos_priv}) THEN 'p'
         ELSE 'u' END AS outcome,
    LEAST({cap}, CASE WHEN earnings_usd <= {t0} THEN {w0}
                      WHEN earnings_usd <= {t1} THEN {w1} ELSE {w2} END
                 + floor((end_date::DATE - start_date::DATE) / {step_len})) AS w
  FROM read_csv('{csv}')
), d AS (SELECT unnest(range({d0}, {d1} + 1, {every})) AS t)
SELECT c.fid, d.t,
  SUM(CASE WHEN c.end_day <= d.t AND c.end_day > d.t - {d24} AND c.outcome = 'p' THEN c.w ELSE 0 END) AS pos_24m,
  SUM(CASE WHEN c.end_day <= d.t AND c.end_day > d.t - {d24} AND c.outcome = 'n' THEN c.w ELSE 0 END) AS neg_24m,
  SUM(CASE WHEN c.end_day <= d.t AND c.outcome = 'p' THEN c.w ELSE 0 END) AS pos_life,
  SUM(CASE WHEN c.end_day <= d.t AND c.outcome = 'n' THEN c.w ELSE 0 END) AS neg_life,
  SUM(c.earnings_usd * GREATEST(0, LEAST(d.t, c.stop_day) - GREATEST(d.t - {d12}, c.start_day - 1))
      / (c.stop_day - c.start_day + 1)) AS earnings_12m
FROM c JOIN d ON c.start_day <= d.t
GROUP BY c.fid, d.t
) TO '{out}' (FORMAT parquet)
"""  # noqa: E501


def duckdb_pipeline(csv: Path, out: Path, rules, first_day: int, as_of_day: int) -> int:
    import duckdb

    from analysis.engine.jss import jss_dates

    dates = day_numbers_of(
        jss_dates(np.datetime64(first_day, "D"), np.datetime64(as_of_day, "D"), rules)
    )
    o, w = rules.outcome, rules.weight
    sql = DUCKDB_SQL.format(
        csv=csv,
        out=out,
        as_of=np.datetime64(as_of_day, "D"),
        neg_pub=o.negative_public_below,
        neg_priv=o.negative_private_at_most,
        pos_pub=o.positive_public_at_least,
        pos_priv=o.positive_private_at_least,
        cap=w.cap,
        t0=w.tier_upper_usd[0],
        t1=w.tier_upper_usd[1],
        w0=w.tier_weights[0],
        w1=w.tier_weights[1],
        w2=w.tier_weights[2],
        step_len=w.length_step_days,
        d0=int(dates[0]),
        d1=int(dates[-1]),
        every=rules.calendar.jss_every_days,
        d24=rules.windows.days[rules.windows.required],
        d12=rules.badges.earnings_window_days,
    )
    con = duckdb.connect()
    con.execute(sql)
    threads = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
    con.close()
    return int(threads)


# --------------------------------------------------------------------------- measuring


def parquet_rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.read_metadata(path).num_rows


def same_rows(rows: int, expected: int, what: str) -> None:
    """Refuse a comparison whose rival computed a different grid: every grid of
    the table has one row per freelancer and JSS date from its first contract on
    (the engine's `jss_grid` rows). An empty baseline once made the table compare
    the engine with reading the input (`day_numbers_of`)."""
    if rows != expected or rows == 0:
        raise RuntimeError(f"{what} gave {rows:,} rows where the JSS grid has {expected:,}")


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def timed(fn, repeats: int) -> tuple[float, list[float]]:
    """Median wall seconds of `repeats` calls and all the timings."""
    times = []
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
        del result
    return statistics.median(times), [round(t, 3) for t in times]


def side_by_side(fn, baseline, repeats: int) -> tuple[float, list[float], list[float]]:
    """`fn` and `baseline` timed in turn, `repeats` pairs: the median of the pairs'
    ratios and both lists of wall seconds. The host's speed drifts by 15-30% from
    one minute to the next; timing each in a block of its own put that drift into
    the ratio (load + validate read 1.01-1.44x in runs of the same code), a pair
    taken seconds apart shares it."""
    mine, theirs = [], []
    for _ in range(repeats):
        theirs.append(timed(baseline, 1)[0])
        mine.append(timed(fn, 1)[0])
    ratio = statistics.median(a / b for a, b in zip(mine, theirs, strict=True))
    return ratio, [round(t, 3) for t in mine], [round(t, 3) for t in theirs]


def run_subprocess(args: list[str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{proc.stderr[-2000:]}")
    return seconds


def write_csv(history, folder: Path) -> Path:
    """The history's contracts as the contract's CSV (dates as YYYY-MM-DD)."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    c = history.contracts

    def column(col: str) -> pa.Array:
        if col.endswith("_date"):
            days = c[col].to_numpy().astype("datetime64[D]")
            return pa.array(days, pa.date32(), mask=np.isnat(days))
        if col in ("category", "contract_type"):
            return pa.array(c[col].astype(str).to_numpy())
        return pa.array(c[col], from_pandas=True)

    table = pa.table({col: column(col) for col in c.columns})
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "contracts.csv"
    pcsv.write_csv(table, path, write_options=pcsv.WriteOptions(quoting_style="none"))
    return path


def run_main(args) -> dict:
    sys.path.insert(0, str(HERE))
    import pandas as pd
    from synthetic import synthetic_history

    from analysis.engine.jss import jss_grid
    from analysis.engine.ruleset import load_rules
    from analysis.engine.status import status_grid
    from analysis.io.load import read_history

    rules = load_rules("upwork-2025")
    res: dict = {"load_average_before": load_average()}
    t0 = time.perf_counter()
    history = synthetic_history(args.freelancers, seed=args.seed)
    res["generate_seconds"] = round(time.perf_counter() - t0, 1)
    c = history.contracts
    as_of_day = int(np.datetime64(history.as_of.date(), "D").astype(np.int64))
    first_day = int(c["start_date"].min().to_datetime64().astype("datetime64[D]").astype(np.int64))
    res.update(freelancers=args.freelancers, contracts=len(c))
    print(f"{args.freelancers:,} freelancers, {len(c):,} contracts", flush=True)

    # warm the compiled kernels (cached on disk; the first run ever compiles)
    small = synthetic_history(50, seed=1)
    jss_grid(small, rules)
    status_grid(small, rules)

    # 1. JSS grid vs the baseline kernel, compute only
    inputs = baseline_inputs(c, rules, as_of_day)
    run_baseline(inputs, rules, first_day, as_of_day)  # compile / load
    # once more on the big history: a type seen only there would compile inside a timing
    jss_grid(history, rules)
    status_grid(history, rules)
    res["jss_vs_baseline"], grid, base = side_by_side(
        lambda: jss_grid(history, rules),
        lambda: run_baseline(inputs, rules, first_day, as_of_day),
        args.repeats,
    )
    res["jss_grid_seconds"], res["jss_grid_times"] = statistics.median(grid), grid
    res["baseline_seconds"], res["baseline_times"] = statistics.median(base), base
    res["baseline_rows"] = run_baseline(inputs, rules, first_day, as_of_day).shape[1]
    inputs = None  # free it before the grids
    res["jss_grid_rows"] = len(jss_grid(history, rules, chunk_size=10**9).index)
    same_rows(res["baseline_rows"], res["jss_grid_rows"], "the baseline kernel")
    # the grid kernels run on kernels.threads() threads; the same on one thread
    from analysis.engine.kernels import THREADS_ENV, threads

    res["threads"] = threads()
    saved = os.environ.get(THREADS_ENV)
    os.environ[THREADS_ENV] = "1"
    res["jss_grid_1thread_seconds"], res["jss_grid_1thread_times"] = timed(
        lambda: jss_grid(history, rules), args.repeats
    )
    res["status_1thread_seconds"], _ = timed(lambda: status_grid(history, rules), 1)
    if saved is None:
        del os.environ[THREADS_ENV]
    else:
        os.environ[THREADS_ENV] = saved
    res["jss_grid_numpy_seconds"], res["jss_grid_numpy_times"] = timed(
        lambda: jss_grid(history, rules, backend="numpy"), 1
    )
    print(f"jss grid {res['jss_grid_times']} baseline {res['baseline_times']}", flush=True)

    # 3. status grid, compute only
    res["status_seconds"], res["status_times"] = timed(
        lambda: status_grid(history, rules), args.repeats
    )
    print(f"status grid {res['status_times']}", flush=True)

    with tempfile.TemporaryDirectory(prefix="bench_kernels-") as tmp:
        tmp = Path(tmp)
        csv = write_csv(history, tmp / "history")
        history = c = None  # free the history before the end-to-end runs
        gc.collect()

        # 5. load + validate vs bare pyarrow read
        res["load_vs_pyarrow"], load, bare = side_by_side(
            lambda: read_history(csv.parent),
            lambda: pd.read_csv(csv, engine="pyarrow"),
            max(args.repeats, LOAD_PAIRS),
        )
        res["load_seconds"], res["load_times"] = statistics.median(load), load
        res["pyarrow_read_seconds"], res["pyarrow_read_times"] = statistics.median(bare), bare
        print(f"load {res['load_seconds']:.2f} vs {res['pyarrow_read_seconds']:.2f}", flush=True)

        # 2. end to end: toprated jss vs the numba pipeline vs DuckDB
        toprated = str(VENV_BIN / "toprated")
        cli, pipe, duck = [], [], []
        for _ in range(args.repeats):
            cli.append(
                run_subprocess([toprated, "jss", str(csv.parent), "--out", str(tmp / "a.parquet")])
            )
            pipe.append(run_subprocess(
                [sys.executable, __file__, "--pipeline", str(csv), str(tmp / "b.parquet")]
            ))  # fmt: skip
            t0 = time.perf_counter()
            res["duckdb_threads"] = duckdb_pipeline(
                csv, tmp / "c.parquet", rules, first_day, as_of_day
            )
            duck.append(time.perf_counter() - t0)
        for name, what in (("a", "toprated jss"), ("b", "the numba pipeline"), ("c", "DuckDB")):
            rows = parquet_rows(tmp / f"{name}.parquet")
            res[f"{name}_rows"] = rows
            same_rows(rows, res["jss_grid_rows"], what)
        res["cli_jss_seconds"], res["cli_jss_times"] = statistics.median(cli), cli
        res["numba_pipeline_seconds"], res["numba_pipeline_times"] = statistics.median(pipe), pipe
        res["duckdb_seconds"], res["duckdb_times"] = statistics.median(duck), duck
        res["cli_vs_numba_pipeline"] = statistics.median(
            a / b for a, b in zip(cli, pipe, strict=True)
        )
        res["cli_vs_duckdb"] = statistics.median(a / b for a, b in zip(cli, duck, strict=True))
        print(f"toprated jss {cli} numba pipeline {pipe} duckdb {duck}", flush=True)

    # 4. toprated --help
    helps = [run_subprocess([str(VENV_BIN / "toprated"), "--help"]) for _ in range(5)]
    res["help_seconds"], res["help_times"] = statistics.median(helps), helps

    # 6. the large jobs, in their own process
    if args.large:
        res["large"] = run_large(args.large, args.seed)
    res["load_average_after"] = load_average()
    return res


def run_large(n: int, seed: int) -> dict:
    """The two jobs on `n` freelancers as a user runs them (`run_jobs`)."""
    return run_jobs(n, seed)


def write_large_dataset(n: int, seed: int, out: Path) -> None:
    """The synthetic history of `n` freelancers as a Parquet dataset (own process)."""
    sys.path.insert(0, str(HERE))
    from synthetic import synthetic_history

    from analysis.io.dataset import write_dataset

    write_dataset(synthetic_history(n, seed=seed), out)


def run_child(args: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (GiB) of a subprocess,
    from the kernel's accounting. On a shared machine the CPU seconds move less
    with the load than the wall time."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{err[-2000:]}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 2**20


def run_jobs(n: int, seed: int) -> dict:
    """`toprated jss` and `toprated status` on a Parquet dataset of `n` freelancers.

    The history is generated and written as a dataset (`toprated convert`'s
    layout) by a subprocess first, untimed. Then each job runs as a user runs it,
    in its own process: ``toprated jss DATASET --out jss.parquet`` and
    ``toprated status DATASET --out status.parquet`` (read and check the history
    part by part, compute, write). Each job's wall time (reading included) and
    peak RSS come from the kernel (``wait4``); the peak is the larger of the two.
    """
    toprated = str(VENV_BIN / "toprated")
    with tempfile.TemporaryDirectory(prefix="bench_jobs-") as tmp:
        data = Path(tmp) / "history"
        t0 = time.perf_counter()
        run_subprocess(
            [sys.executable, __file__, "--seed", str(seed), "--dataset", str(n), str(data)]
        )
        generate_s = time.perf_counter() - t0
        from analysis.io.dataset import dataset_info

        info = dataset_info(data)
        load_before = load_average()
        jss_s, jss_cpu, jss_peak = run_child([toprated, "jss", str(data), "--out",
                                     str(Path(tmp) / "jss.parquet")])  # fmt: skip
        status_s, status_cpu, status_peak = run_child([toprated, "status", str(data), "--out",
                                           str(Path(tmp) / "status.parquet")])  # fmt: skip
        import pyarrow.parquet as pq

        rows = {k: pq.ParquetFile(Path(tmp) / f"{k}.parquet").metadata.num_rows
                for k in ("jss", "status")}  # fmt: skip
    return {
        "freelancers": n,
        "contracts": info.rows,
        "parts": len(info.parts),
        "how": "toprated jss|status DATASET --out FILE.parquet, each in its own process",
        "generate_seconds": round(generate_s, 1),
        "jss_job_seconds": jss_s,
        "status_job_seconds": status_s,
        "jobs_seconds": jss_s + status_s,
        "jss_job_cpu_seconds": jss_cpu,
        "status_job_cpu_seconds": status_cpu,
        "jss_rows": rows["jss"],
        "status_rows": rows["status"],
        "jss_peak_gib": jss_peak,
        "status_peak_gib": status_peak,
        "peak_gib": max(jss_peak, status_peak),
        "load_average_before": load_before,
        "load_average": load_average(),
    }


# --------------------------------------------------------------------------- the README table


def readme_table(res: dict) -> str:
    """The README "Speed" table for the engine, from the recorded results."""

    def ok(value: float, goal: float) -> str:
        return "met" if value <= goal else "**not met**"

    def one(key: str) -> str:
        """The one-thread figure, when the run recorded one (kernels on threads)."""
        if f"{key}_1thread_seconds" not in res or res.get("threads", 1) <= 1:
            return ""
        return f"; 1 thread {res[f'{key}_1thread_seconds']:.2f} s"

    n = f"{res['freelancers'] // 1000}k"
    rows = [
        (f"JSS grid, {n} freelancers, compute only, vs the baseline kernel",
         f"{res['jss_grid_seconds']:.2f} s vs {res['baseline_seconds']:.2f} s "
         f"(numpy reference {res['jss_grid_numpy_seconds']:.1f} s{one('jss_grid')}"
         + (f", {res['jss_grid_1thread_seconds'] / res['baseline_seconds']:.2f}x"
            if one("jss_grid") else "") + ")",
         f"{res['jss_vs_baseline']:.2f}x", f"<= {GOALS['jss_vs_baseline']}x",
         ok(res["jss_vs_baseline"], GOALS["jss_vs_baseline"])),
        (f"`toprated jss`, {n}, CSV to Parquet, vs the numba pipeline",
         f"{res['cli_jss_seconds']:.1f} s vs {res['numba_pipeline_seconds']:.1f} s",
         f"{res['cli_vs_numba_pipeline']:.2f}x", f"<= {GOALS['cli_vs_numba_pipeline']}x",
         ok(res["cli_vs_numba_pipeline"], GOALS["cli_vs_numba_pipeline"])),
        (f"`toprated jss`, {n}, vs DuckDB's simpler grid (CSV to Parquet)",
         f"{res['cli_jss_seconds']:.1f} s vs {res['duckdb_seconds']:.1f} s",
         f"{res['cli_vs_duckdb']:.2f}x", f"<= {GOALS['cli_vs_duckdb']}x",
         ok(res["cli_vs_duckdb"], GOALS["cli_vs_duckdb"])),
        (f"status grid, {n}, compute only (JSS included)",
         f"{res['status_seconds']:.2f} s" + (f" ({one('status')[2:]})" if one("status") else ""),
         "", f"< {GOALS['status_100k_seconds']:.0f} s",
         ok(res["status_seconds"], GOALS["status_100k_seconds"])),
        ("`toprated --help`", f"{res['help_seconds']:.2f} s", "",
         f"< {GOALS['help_seconds']} s", ok(res["help_seconds"], GOALS["help_seconds"])),
        (f"load + validate ({res['contracts'] / 1e6:.1f}M rows) vs bare pyarrow read",
         f"{res['load_seconds']:.2f} s vs {res['pyarrow_read_seconds']:.2f} s",
         f"{res['load_vs_pyarrow']:.2f}x", f"<= {GOALS['load_vs_pyarrow']}x",
         ok(res["load_vs_pyarrow"], GOALS["load_vs_pyarrow"])),
    ]  # fmt: skip
    if "large" in res:
        big = res["large"]
        m = f"{big['freelancers'] / 1e6:g}M"
        dataset = "parts" in big  # the jobs as a user runs them, on a Parquet dataset
        rows.append((
            f"`toprated jss` + `toprated status`, {m} freelancers, Parquet dataset to Parquet"
            if dataset else f"JSS + status jobs, {m} freelancers, streamed to Parquet",
            f"{big['jss_job_seconds']:.0f} s + {big['status_job_seconds']:.0f} s"
            + (" (reading included)" if dataset else "")
            + (f" (CPU {big['jss_job_cpu_seconds']:.0f} s + {big['status_job_cpu_seconds']:.0f} s)"
               if "jss_job_cpu_seconds" in big else "")
            + f", peak {big['peak_gib']:.2f} GiB"
            + (f" (load average {big['load_average_before'][0]} before, "
               f"{big['load_average'][0]} after)" if dataset else ""),
            "", f"< {GOALS['large_jobs_seconds']:.0f} s, < {GOALS['large_peak_gib']:.0f} GiB",
            ok(big["jobs_seconds"], GOALS["large_jobs_seconds"])
            if big["peak_gib"] < GOALS["large_peak_gib"] else "**not met**",
        ))  # fmt: skip
    threads = res.get("threads", 1)
    lines = [
        "| what | figure | ratio | goal | |",
        "|---|---|---:|---|---|",
        *("| " + " | ".join(r) + " |" for r in rows),
        "",
        f"Measured {res['when']} by `{res['command']}` (load average "
        f"{res['load_average_before'][0]} before, {res['load_average_after'][0]} after, "
        f"{res['cpus']} cores shared with other jobs"
        + (f"; grid kernels on {threads} threads, the baseline on one" if threads > 1 else "")
        + ")"
        + (f"; the 1M jobs at {res['large_when']}" if "large_when" in res else "")
        + ".",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--freelancers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--large", type=int, default=0, help="also run the jobs at this size")
    parser.add_argument(
        "--add-large",
        type=int,
        default=0,
        help="run only the jobs at this size, add to the results",
    )
    parser.add_argument("--readme", action="store_true", help="print the README table and exit")
    parser.add_argument("--pipeline", nargs=2, metavar=("CSV", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--jobs", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--dataset", nargs=2, metavar=("N", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.readme:
        print(readme_table(json.loads(RESULTS.read_text())))
        return 0
    if args.pipeline:
        numba_pipeline(Path(args.pipeline[0]), Path(args.pipeline[1]))
        return 0
    if args.dataset:
        write_large_dataset(int(args.dataset[0]), args.seed, Path(args.dataset[1]))
        return 0
    if args.jobs:
        print(json.dumps(run_jobs(args.jobs, args.seed)))
        return 0
    if args.add_large:
        res = json.loads(RESULTS.read_text())
        res["large"] = run_large(args.add_large, args.seed)
        added = f"; python benchmarks/bench_kernels.py --add-large {args.add_large}"
        res["command"] = res["command"].split("; ")[0] + added  # the latest large run only
        res["large_when"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        RESULTS.write_text(json.dumps(res, indent=2, default=float) + "\n")
        print(readme_table(res))
        return 0
    res = run_main(args)
    res.update(
        command="python benchmarks/bench_kernels.py"
        + (f" --large {args.large}" if args.large else ""),
        when=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        python=platform.python_version(),
        cpus=os.cpu_count(),
        numpy=np.__version__,
        numba=__import__("numba").__version__,
        goals=GOALS,
    )
    RESULTS.write_text(json.dumps(res, indent=2, default=float) + "\n")
    print(json.dumps(res, indent=2, default=float))
    print()
    print(readme_table(res))
    print(f"\nwritten: {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
