"""How fast is `toprated generate`, and how much memory does it take?

Runs `analysis.simulate.simulate` (and `write_history`, to a temporary folder)
in a fresh subprocess per size, so each peak RSS is that run's own, and prints
and records wall-clock seconds and peak RSS. Targets (issue 4): the bundled
sample size (5,000 freelancers, 2019-2025) under 30 s; 100,000 freelancers over
6 years under 15 minutes and 8 GiB. Results go to
``benchmarks/results/simulate-<label>.json``.

    .venv/bin/python benchmarks/bench_simulate.py              # the sample size
    .venv/bin/python benchmarks/bench_simulate.py --large      # + 100,000 x 6 years
    .venv/bin/python benchmarks/bench_simulate.py --freelancers 20000 --start 2020-01-01
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
SAMPLE = {"freelancers": 5000, "start": "2019-01-01", "end": "2025-12-31", "limit_s": 30}
LARGE = {"freelancers": 100_000, "start": "2020-01-01", "end": "2025-12-31", "limit_s": 900}
LIMIT_RSS_GIB = 8.0


def _child(args: argparse.Namespace) -> None:
    """Run one simulation in this process and print its figures as JSON."""
    from analysis.simulate.generate import SimConfig, simulate, write_history

    config = SimConfig(
        freelancers=args.freelancers,
        start=args.start,
        end=args.end,
        seed=args.seed,
        scenario=args.scenario,
        status_scope=args.scope,
    )
    t0 = time.perf_counter()
    frames, truth = simulate(config, progress=args.progress)
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        write_history(frames, truth, tmp, gzip=args.gzip)
        size = sum(p.stat().st_size for p in Path(tmp).iterdir())
    t2 = time.perf_counter()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "freelancers": args.freelancers,
                "start": args.start,
                "end": args.end,
                "weeks": truth["weeks"],
                "seed": args.seed,
                "scenario": args.scenario,
                "status_scope": truth["status_scope"],
                "simulate_s": round(t1 - t0, 2),
                "write_s": round(t2 - t1, 2),
                "total_s": round(t2 - t0, 2),
                "peak_rss_gib": round(peak_kib / 2**20, 3),
                "written_mib": round(size / 2**20, 1),
                "gzip": args.gzip,
                "rows": truth["rows"],
                "engine_calls": truth["realised"]["engine_calls"],
            }
        )
    )


def _run(size: dict, args: argparse.Namespace) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--child",
        "--freelancers", str(size["freelancers"]),
        "--start", size["start"],
        "--end", size["end"],
        "--seed", str(args.seed),
        "--scenario", args.scenario,
        "--scope", args.scope,
    ]  # fmt: skip
    if args.gzip:
        cmd.append("--gzip")
    if args.progress:
        cmd.append("--progress")
    wall = time.perf_counter()
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    result["wall_s"] = round(time.perf_counter() - wall, 2)
    result["limit_s"] = size["limit_s"]
    result["within_limits"] = (
        result["total_s"] <= size["limit_s"] and result["peak_rss_gib"] <= LIMIT_RSS_GIB
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--freelancers", type=int, help="one custom size instead of the sample")
    parser.add_argument("--start", default=SAMPLE["start"])
    parser.add_argument("--end", default=SAMPLE["end"])
    parser.add_argument("--seed", type=int, default=20250101)
    parser.add_argument("--scenario", default="baseline")
    parser.add_argument("--scope", default="auto", choices=["auto", "all", "top-rated"])
    parser.add_argument("--large", action="store_true", help="also run 100,000 x 6 years")
    parser.add_argument("--gzip", action="store_true", help="write .csv.gz (slower)")
    parser.add_argument("--progress", action="store_true", help="show the weekly progress bar")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args)
        return 0

    if args.freelancers:
        sizes = [
            {
                "freelancers": args.freelancers,
                "start": args.start,
                "end": args.end,
                "limit_s": LARGE["limit_s"],
            }
        ]
        label = f"{args.freelancers}"
    else:
        sizes = [SAMPLE, LARGE] if args.large else [SAMPLE]
        label = "large" if args.large else "sample"
    results = []
    for size in sizes:
        result = _run(size, args)
        results.append(result)
        print(
            f"{result['freelancers']:>7,} freelancers x {result['weeks']} weeks: "
            f"simulate {result['simulate_s']:.1f} s + write {result['write_s']:.1f} s, "
            f"peak {result['peak_rss_gib']:.2f} GiB, scope {result['status_scope']} "
            f"(limit {result['limit_s']} s, {LIMIT_RSS_GIB:g} GiB): "
            + ("ok" if result["within_limits"] else "OVER")
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    record = {
        "benchmark": "bench_simulate",
        "date": dt.date.today().isoformat(),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "results": results,
    }
    path = RESULTS / f"simulate-{label}.json"
    path.write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {path}")
    return 0 if all(r["within_limits"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
