"""How long does `toprated report` take on the bundled sample, cold and warm?

Cold: an empty stage folder (`analysis.report.stage`), so the first notebook to
open the stage computes the grids, the panel and every model fit, and the others
wait for it. Warm: the same stage folder again, so every notebook reads the
stored tables. Each run is the real command (`toprated report`, a fresh process,
all notebooks, into a temporary output folder); the stage folder is moved with
``TOPRATED_PROCESSED`` so ``data/processed`` is left alone. Goal (issue 10):
warm <= 30 s on the project's 2-core machine.

Prints and records the median and every run's seconds to
``benchmarks/recorded/report.json`` (tracked, so the README's figures have their
source), plus the machine's load average at the start and end (the cores are
shared, so the figures are upper bounds).

With ``--profile``, one more warm build runs in this process and the record gets
each notebook's seconds (run: kernel start or reset plus every cell; html: the
export) and its slowest cells, from the build's timing log
(`analysis.report.build.TIMING_KEY`): where a build's time goes.

    .venv/bin/python benchmarks/bench_report.py                  # 3 cold, 3 warm
    .venv/bin/python benchmarks/bench_report.py --cold 1 --warm 3
    .venv/bin/python benchmarks/bench_report.py --cold 0 --warm 1 --profile
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from analysis.report.build import default_jobs

ROOT = Path(__file__).resolve().parents[1]
RECORDED = Path(__file__).resolve().parent / "recorded" / "report.json"
TOPRATED = Path(sys.executable).with_name("toprated")
GOAL_WARM_S = 30.0


def run_report(stage_dir: Path, out: Path) -> float:
    """One `toprated report` on the bundled sample; its wall-clock seconds."""
    env = os.environ | {"TOPRATED_PROCESSED": str(stage_dir)}
    t0 = time.perf_counter()
    subprocess.run(
        [str(TOPRATED), "report", "--out", str(out)],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - t0


def profile_build(stage_dir: Path, out: Path) -> list[dict]:
    """One warm build in this process; each notebook's timing record, in build order."""
    import logging

    from analysis import config
    from analysis.report.build import TIMING_KEY, build_reports

    records: list[dict] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if hasattr(record, TIMING_KEY):
                records.append(getattr(record, TIMING_KEY))

    logger = logging.getLogger("analysis.report.build")
    handler, level = Collect(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    os.environ["TOPRATED_PROCESSED"] = str(stage_dir)
    try:
        build_reports(config.SAMPLE, out, ROOT / "notebooks", progress=False)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    rows = []
    for r in sorted(records, key=lambda r: r["notebook"]):
        slow = sorted(r["cells"], key=lambda c: -c["seconds"])[:3]
        rows.append(
            {
                "notebook": r["notebook"],
                "run_s": round(r["run_s"], 1),
                "html_s": round(r["html_s"], 2),
                "cells_s": round(sum(c["seconds"] for c in r["cells"]), 1),
                "slowest_cells": [[c["seconds"], c["first_line"][:60]] for c in slow],
            }
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", type=int, default=3, help="cold runs (default 3)")
    parser.add_argument("--warm", type=int, default=3, help="warm runs (default 3)")
    parser.add_argument(
        "--profile", action="store_true", help="also time each notebook in one more warm build"
    )
    args = parser.parse_args()

    load_start = os.getloadavg()
    cold, warm = [], []
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        base = Path(tmp)
        stage_dir = base / "processed"
        for i in range(args.cold):
            shutil.rmtree(stage_dir, ignore_errors=True)
            cold.append(run_report(stage_dir, base / f"cold-{i}"))
            print(f"cold run {i + 1}: {cold[-1]:.1f} s", flush=True)
        if not args.cold:
            run_report(stage_dir, base / "prime")
        for i in range(args.warm):
            warm.append(run_report(stage_dir, base / f"warm-{i}"))
            print(f"warm run {i + 1}: {warm[-1]:.1f} s", flush=True)
        profile = profile_build(stage_dir, base / "profile") if args.profile else None

    result = {
        "command": "toprated report (bundled sample, all notebooks)",
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            # set, every process compiles what it imports anew (no .pyc is written):
            # seconds of each kernel's start in a venv installed without bytecode
            "PYTHONDONTWRITEBYTECODE": bool(os.environ.get("PYTHONDONTWRITEBYTECODE")),
        },
        "load_average_start": [round(x, 2) for x in load_start],
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
        "cold_s": [round(x, 1) for x in cold],
        "warm_s": [round(x, 1) for x in warm],
        "cold_median_s": round(statistics.median(cold), 1) if cold else None,
        "warm_median_s": round(statistics.median(warm), 1) if warm else None,
        "goal_warm_s": GOAL_WARM_S,
        "kernels": default_jobs(),
    }
    result["warm_goal_met"] = bool(warm) and result["warm_median_s"] <= GOAL_WARM_S
    if profile is not None:
        result["profile"] = profile
    RECORDED.parent.mkdir(parents=True, exist_ok=True)
    RECORDED.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
