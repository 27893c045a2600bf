"""Are the badge-effect estimates right? Coverage of the event study on simulated histories.

Issue 6, "Acceptance: the answers must be right": generate at least 20 histories
with different seeds (`analysis.simulate.generate`), each with a true invitation
lift drawn from {1.0, 1.2, 1.5} (the simulator's ``invitation_lift`` knob), run
the event study (`analysis.estimate.effects.event_study`, pooled lift) and the naive
comparison (`analysis.estimate.effects.naive_lift`) on each, and report

- per history: seed, planted and realised true lift (``truth.json``), the
  estimate, its 95% interval and whether it covers the realised truth, and the
  naive estimate;
- the share of intervals covering the truth (target: at least 18 of 20) and the
  mean bias of the naive estimate (expected clearly above the truth);
- one (or more) extra run(s) of the ``no-badge-effect`` scenario, whose interval
  should cover 1.0.

The lifts are drawn with ``numpy.random.default_rng(--draw-seed)``, so a rerun
gives the same table. Histories are written to a temporary folder and removed.
Results go to ``benchmarks/results/effects-coverage-<freelancers>-<time>.csv``
(and ``.json`` with the summary).

    .venv/bin/python benchmarks/bench_effects_coverage.py                   # 20 + 1 runs
    .venv/bin/python benchmarks/bench_effects_coverage.py --seeds 30 --jobs 2
    .venv/bin/python benchmarks/bench_effects_coverage.py --freelancers 2000 --seeds 4
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np
import pandas as pd

RESULTS = Path(__file__).resolve().parent / "results"
LIFTS = (1.0, 1.2, 1.5)


def run_one(task: dict) -> dict:
    """Generate one history, estimate, and score; returns one row of the table."""
    from analysis.estimate.effects import event_study, naive_lift, weekly_panel
    from analysis.io.load import read_history
    from analysis.simulate.generate import generate

    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="effects-coverage-") as tmp:
        overrides = {} if task["lift"] is None else {"invitation_lift": task["lift"]}
        summary = generate(
            tmp,
            freelancers=task["freelancers"],
            start=task["start"],
            end=task["end"],
            seed=task["seed"],
            scenario=task["scenario"],
            overrides=overrides,
            progress=False,
        )
        t1 = time.perf_counter()
        history = read_history(tmp)
    realised = summary["realised"]
    panel = weekly_panel(history, "upwork-2025")
    es = event_study(panel, "invitations", dynamic=False)
    naive = naive_lift(panel, "invitations")
    t2 = time.perf_counter()
    truth = realised["invitation_lift"]
    pooled = es.pooled.iloc[0]
    return {
        "scenario": task["scenario"],
        "seed": task["seed"],
        "planted_lift": task["lift"] if task["lift"] is not None else np.nan,
        "true_lift": truth,
        "estimate": pooled["estimate"],
        "ci_low": pooled["ci_low"],
        "ci_high": pooled["ci_high"],
        "covered": bool(pooled["ci_low"] <= truth <= pooled["ci_high"]),
        "naive": naive.iloc[0]["estimate"],
        "naive_ci_low": naive.iloc[0]["ci_low"],
        "naive_ci_high": naive.iloc[0]["ci_high"],
        "treated": es.sample["treated"],
        "rows": int(len(panel)),
        "simulate_s": round(t1 - t0, 1),
        "estimate_s": round(t2 - t1, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--freelancers", type=int, default=4000, help="per history (default 4000)")
    parser.add_argument("--seeds", type=int, default=20, help="baseline histories (default 20)")
    parser.add_argument("--first-seed", type=int, default=1001, help="seed of the first history")
    parser.add_argument("--null-runs", type=int, default=1, help="no-badge-effect runs (default 1)")
    parser.add_argument("--jobs", type=int, default=2, help="processes in parallel (default 2)")
    parser.add_argument("--start", default="2019-01-01", help="first day (default 2019-01-01)")
    parser.add_argument("--end", default="2024-12-31", help="last day (default 2024-12-31)")
    parser.add_argument("--draw-seed", type=int, default=6, help="seed of the lift draws")
    parser.add_argument("--out", help="CSV file for the table (default benchmarks/results/...)")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(args.draw_seed)
    lifts = rng.choice(LIFTS, size=args.seeds)
    common = {"freelancers": args.freelancers, "start": args.start, "end": args.end}
    tasks = [
        {**common, "scenario": "baseline", "seed": args.first_seed + i, "lift": float(lift)}
        for i, lift in enumerate(lifts)
    ]
    tasks += [
        {**common, "scenario": "no-badge-effect", "seed": args.first_seed + 500 + i, "lift": None}
        for i in range(args.null_runs)
    ]
    print(
        f"{len(tasks)} histories of {args.freelancers:,} freelancers ({args.start} to {args.end}), "
        f"{args.jobs} at a time",
        flush=True,
    )
    t0 = time.perf_counter()
    rows = []
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(run_one, t) for t in tasks]
        for fut in as_completed(futures):
            r = fut.result()
            rows.append(r)
            print(
                f"  {r['scenario']:<16} seed {r['seed']}: true {r['true_lift']:.3f}  "
                f"estimate {r['estimate']:.3f} [{r['ci_low']:.3f}, {r['ci_high']:.3f}] "
                f"{'covered' if r['covered'] else 'NOT covered'}  naive {r['naive']:.2f}  "
                f"({r['simulate_s']}+{r['estimate_s']} s)",
                flush=True,
            )
    table = pd.DataFrame(rows).sort_values(["scenario", "seed"]).reset_index(drop=True)
    base = table[table["scenario"] == "baseline"]
    null = table[table["scenario"] == "no-badge-effect"]
    summary = {
        "histories": len(table),
        "freelancers": args.freelancers,
        "period": [args.start, args.end],
        "baseline_covered": int(base["covered"].sum()),
        "baseline_runs": len(base),
        "coverage_share": float(base["covered"].mean()) if len(base) else None,
        "target": "at least 18 of 20 (90%)",
        "mean_bias_event_study": float((base["estimate"] - base["true_lift"]).mean()),
        "mean_bias_naive": float((base["naive"] - base["true_lift"]).mean()),
        "mean_naive_over_truth": float((base["naive"] / base["true_lift"]).mean()),
        "no_badge_effect_covers_1": [bool(x) for x in null["covered"]],
        "wall_seconds": round(time.perf_counter() - t0, 1),
    }
    shown = table.assign(
        ci=lambda d: d.apply(lambda r: f"[{r.ci_low:.3f}, {r.ci_high:.3f}]", axis=1)
    )[["scenario", "seed", "planted_lift", "true_lift", "estimate", "ci", "covered", "naive"]]
    print()
    print(shown.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    print()
    print(
        f"Event study covers the truth in {summary['baseline_covered']} of "
        f"{summary['baseline_runs']} baseline histories (target: at least 18 of 20); "
        f"mean bias {summary['mean_bias_event_study']:+.3f}."
    )
    print(
        f"Naive estimate: mean bias {summary['mean_bias_naive']:+.2f} "
        f"({summary['mean_naive_over_truth']:.2f} x the truth on average)."
    )
    for r in null.itertuples():
        print(
            f"no-badge-effect (seed {r.seed}): estimate {r.estimate:.3f} "
            f"[{r.ci_low:.3f}, {r.ci_high:.3f}], truth {r.true_lift:.3f}: "
            f"{'covered' if r.covered else 'NOT covered'}; naive {r.naive:.2f}"
        )
    print(f"Wall time {summary['wall_seconds']} s")
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    out = (
        Path(args.out) if args.out else RESULTS / f"effects-coverage-{args.freelancers}-{stamp}.csv"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, index=False)
    out.with_suffix(".json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"Wrote {out} and {out.with_suffix('.json').name}")
    return 0 if summary["baseline_covered"] >= 0.9 * max(len(base), 1) else 1


if __name__ == "__main__":
    raise SystemExit(main())
