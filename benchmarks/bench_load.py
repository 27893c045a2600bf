"""How much slower is `analysis.io.load.read_history` than a bare pandas/Arrow CSV read?

Generates a valid contracts.csv (all 13 contract columns, seeded numpy, vectorised),
then times, alternating in one run, ``pandas.read_csv(path, engine="pyarrow")``
and ``analysis.io.load.read_history(path)``; prints the medians, their ratio (target:
<= 2.0) and peak RSS, and writes the figures to ``benchmarks/results/load.json``.

    .venv/bin/python benchmarks/bench_load.py                 # 4,000,000 rows
    .venv/bin/python benchmarks/bench_load.py --rows 200000 --repeats 5
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
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from analysis.io.load import read_history

RESULTS = Path(__file__).resolve().parent / "results" / "load.json"
TARGET_RATIO = 2.0
CATEGORIES = np.array(
    [
        "web-mobile-software-dev",
        "design",
        "writing",
        "sales-marketing",
        "admin-support",
        "data-science-analytics",
        "it-networking",
        "engineering-architecture",
        "translation",
        "accounting-consulting",
        "customer-service",
        "legal",
    ]
)


# --------------------------------------------------------------------------- data


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """``prefix`` + zero-padded numbers, as an Arrow string array (vectorised)."""
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers, pa.int64()), pa.string()), width, "0")
    return pc.binary_join_element_wise(pa.scalar(prefix), digits, "")


def contracts_table(rows: int, seed: int, freelancers: int = 100_000) -> pa.Table:
    """A valid contracts table of ``rows`` rows with realistic value ranges."""
    rng = np.random.default_rng(seed)
    # freelancers: a skewed number of contracts each (a few very busy ones), rows
    # grouped by freelancer and ordered by start date as in an export
    weight = rng.lognormal(0.0, 1.0, freelancers)
    who = rng.choice(freelancers, size=rows, p=weight / weight.sum())
    first = np.datetime64("2012-01-01", "D")
    span = (np.datetime64("2025-12-31", "D") - first).astype(np.int64)
    start_day = rng.integers(0, span, rows)
    order = np.lexsort((start_day, who))
    who, start_day = who[order], start_day[order]
    start = first + start_day.astype("timedelta64[D]")

    # length: lognormal days (median ~3 weeks), open for ~10% of contracts
    length = np.minimum(np.rint(rng.lognormal(3.0, 1.2, rows)), 1500).astype(np.int64)
    is_open = rng.random(rows) < 0.10
    end = start + length.astype("timedelta64[D]")

    # clients: ~40% of contracts with one of a freelancer's few repeat clients
    repeat = rng.random(rows) < 0.4
    client = np.where(
        repeat, who * 8 + rng.integers(0, 8, rows), 1_000_000 + rng.integers(0, 1_500_000, rows)
    )

    hourly = rng.random(rows) < 0.55
    rate = np.round(rng.lognormal(np.log(35.0), 0.5, rows), 2)
    hours = np.round(rng.lognormal(np.log(40.0), 1.3, rows), 2)
    fixed_price = np.round(rng.lognormal(np.log(400.0), 1.2, rows), 2)
    earnings = np.where(hourly, np.round(rate * hours, 2), fixed_price)
    earnings[rng.random(rows) < 0.01] = 0.0  # a few contracts never paid

    # feedback only on closed contracts, not always given; ratings cluster at 5.0
    rated = ~is_open & (rng.random(rows) < 0.85)
    perfect = rng.random(rows) < 0.7
    rating = np.where(perfect, 5.0, np.round(rng.uniform(1.0, 5.0, rows) * 20) / 20)
    scored = ~is_open & (rng.random(rows) < 0.75)
    score = np.clip(np.rint(rng.normal(8.5, 2.0, rows)), 0, 10).astype(np.int8)

    return pa.table(
        {
            "freelancer_id": _ids("f", who, 6),
            "contract_id": _ids("c", rng.permutation(rows) + 10_000_000, 8),
            "client_id": _ids("k", client, 7),
            "start_date": pa.array(start, pa.date32()),
            "end_date": pa.array(end, pa.date32(), mask=is_open),
            "earnings_usd": pa.array(earnings),
            "public_rating": pa.array(rating, mask=~rated),
            "private_score": pa.array(score, mask=~scored),
            "disputed": pa.array(rng.random(rows) < 0.01),
            "client_flagged": pa.array(rng.random(rows) < 0.005),
            "category": pa.array(CATEGORIES[rng.integers(0, len(CATEGORIES), rows)]),
            "contract_type": pa.array(np.where(hourly, "hourly", "fixed")),
            "hours": pa.array(hours, mask=~hourly),
        }
    )


def write_contracts(path: Path, rows: int, seed: int) -> None:
    table = contracts_table(rows, seed)
    pcsv.write_csv(table, path, write_options=pcsv.WriteOptions(quoting_style="none"))


# --------------------------------------------------------------------------- measuring


def _reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM) of this process; False if not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _peak_mb() -> float:
    """Peak RSS since the last reset (VmHWM), or of the whole process, in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _time(fn: Callable[[], object], check: Callable[[object], None]) -> tuple[float, float]:
    """Wall seconds of one call and its peak RSS in MB (the result is checked, then freed)."""
    gc.collect()
    _reset_peak()
    t0 = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - t0
    peak = _peak_mb()
    check(out)
    del out
    gc.collect()
    return seconds, peak


def run(path: Path, rows: int, repeats: int) -> dict:
    def pandas_read() -> pd.DataFrame:
        return pd.read_csv(path, engine="pyarrow")

    def loader_read():
        return read_history(path)

    def check_pandas(df) -> None:
        assert len(df) == rows and df.shape[1] == 13, df.shape

    def check_loader(h) -> None:
        assert len(h.contracts) == rows, len(h.contracts)

    methods = {
        "pandas.read_csv(engine='pyarrow')": (pandas_read, check_pandas),
        "analysis.io.load.read_history": (loader_read, check_loader),
    }
    times: dict[str, list[float]] = {m: [] for m in methods}
    peaks: dict[str, list[float]] = {m: [] for m in methods}
    baseline = _rss_mb()
    per_call = _reset_peak()
    for r in range(repeats):
        for name, (fn, check) in methods.items():  # alternating: a, b, a, b, ...
            seconds, peak = _time(fn, check)
            times[name].append(seconds)
            peaks[name].append(peak)
            print(f"  repeat {r + 1}/{repeats}  {name:<36} {seconds:7.2f} s", flush=True)
    medians = {m: statistics.median(t) for m, t in times.items()}
    a, b = medians.values()
    return {
        "times_s": times,
        "median_s": medians,
        "ratio": b / a,
        "peak_rss_mb": {m: max(p) for m, p in peaks.items()},
        "baseline_rss_mb": baseline,
        "peak_rss_per_call": per_call,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=4_000_000, help="contracts (default 4,000,000)")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs of each reader (default 3)")
    ap.add_argument("--seed", type=int, default=20250101, help="numpy seed")
    ap.add_argument(
        "--path",
        type=Path,
        help="folder to write contracts.csv into and keep (default: a temporary folder)",
    )
    ap.add_argument("--out", type=Path, default=RESULTS, help=f"JSON results (default {RESULTS})")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench_load_") as tmp:
        folder = args.path or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "contracts.csv"
        t0 = time.perf_counter()
        write_contracts(path, args.rows, args.seed)
        gen_s = time.perf_counter() - t0
        size_mb = path.stat().st_size / 1e6
        gc.collect()
        gen_peak = _peak_mb()  # before any reset: the peak so far (imports + generation)
        print(f"wrote {path} ({args.rows:,} rows, {size_mb:,.0f} MB) in {gen_s:.1f} s")
        load_before = os.getloadavg()
        result = run(path, args.rows, args.repeats)
        load_after = os.getloadavg()

    # (resetting VmHWM also resets ru_maxrss, so the process peak is the largest of these)
    process_peak = max(gen_peak, *result["peak_rss_mb"].values())
    print()
    print(f"{'reader':<36} {'median s':>9} {'peak RSS MB':>12}")
    for name, med in result["median_s"].items():
        print(f"{name:<36} {med:9.2f} {result['peak_rss_mb'][name]:12,.0f}")
    verdict = "ok" if result["ratio"] <= TARGET_RATIO else "OVER TARGET"
    print(
        f"{'ratio (read_history / pandas)':<36} {result['ratio']:9.2f}   target <= {TARGET_RATIO} {verdict}"
    )
    print(f"process peak RSS (incl. generation): {process_peak:,.0f} MB")
    print(
        f"load average before/after: {load_before[0]:.2f} / {load_after[0]:.2f} "
        f"on {os.cpu_count()} CPUs"
    )

    record = {
        "benchmark": "load",
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "rows": args.rows,
        "columns": 13,
        "seed": args.seed,
        "repeats": args.repeats,
        "file_mb": round(size_mb, 1),
        "generate_s": round(gen_s, 2),
        "times_s": {m: [round(t, 3) for t in ts] for m, ts in result["times_s"].items()},
        "median_s": {m: round(t, 3) for m, t in result["median_s"].items()},
        "ratio": round(result["ratio"], 3),
        "target_ratio": TARGET_RATIO,
        "meets_target": result["ratio"] <= TARGET_RATIO,
        "peak_rss_mb": {m: round(p) for m, p in result["peak_rss_mb"].items()},
        "baseline_rss_mb": round(result["baseline_rss_mb"]),
        # True: each peak is that call's own (VmHWM reset before it); False: process peak
        "peak_rss_per_call": result["peak_rss_per_call"],
        "generate_peak_rss_mb": round(gen_peak),
        "process_peak_rss_mb": round(process_peak),
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in load_after],
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "pandas": pd.__version__,
            "pyarrow": pa.__version__,
            "numpy": np.__version__,
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
