"""Where the method works and where it fails: coverage of the effect estimates (issue 12, item 5).

For each *world* (a set of simulator knobs that breaks one assumption of the
estimators) x seed x true invitation lift {1.0, 1.25, 1.5}, generate a small history
(`analysis.simulate.generate`, which also runs the counterfactual twin and writes
the realised truth), estimate the effects with the estimators ``toprated effects``
uses (`estimate`, the one place that calls `analysis.estimate.effects`), and score
three of them against the counterfactual truth in ``truth.json`` ``realised``:

- ``invitation_lift`` against ``realised.invitation_lift``;
- ``hires_lift`` against ``realised.hires_lift`` (total effect on accepted hires per week);
- ``net_value_usd_per_holder_year`` against ``realised.net_value_usd_per_holder_year``.

An effect the estimators do not (yet) give is recorded as not estimated (NaN),
never as a miss. The worlds (`WORLDS`):

=================  ==========================================================
today              the baseline scenario
heterogeneous      ``lift_heterogeneity_sd = 0.3``
ramp               ``effect_ramp_weeks = 8``
threshold          ``confounding = threshold``
saturating         ``confounding = saturating``
rules-shown        ``world_rules = upwork-strict``; ``status_shown`` kept
rules-hidden       ``world_rules = upwork-strict``; ``status_shown`` dropped
drift              ``quality_drift_sd = 0.05``
=================  ==========================================================

The analyst always reads the history with ``upwork-2025``. Per world and effect
the summary gives the runs, how many were estimated, the share of 95% intervals
covering the truth, the mean bias (estimate - truth) and the mean truth; also per
world x lift. Per-run rows go to ``benchmarks/results/coverage-<time>.csv``; the
summary to ``benchmarks/recorded/coverage.json`` (tracked; ``--out`` to write it
elsewhere, e.g. for a smoke run).

Size: 500 freelancers over 2022-2023 (about 600 Top Rated weeks per history) take
5.4 CPU seconds per history (generate with its twin, load, estimate; measured with
`run_one` on the shared machine), so the 240 histories of the default run take
about 240 x 5.4 / 2 = 11 minutes with ``--jobs 2`` on two idle cores. The summary
records the CPU seconds and that estimate (``idle_wall_seconds_estimate``).

    .venv/bin/python benchmarks/bench_effects_coverage.py --jobs 2          # 8 x 10 x 3 runs
    .venv/bin/python benchmarks/bench_effects_coverage.py --seeds 1 --worlds today drift \\
        --out /tmp/coverage-smoke.json                                      # smoke run

Seeds are ``--first-seed + i``, the same in every world and lift (so the worlds
differ only in the knob). Histories are written to temporary folders and removed.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import math
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
RECORDED = HERE / "recorded" / "coverage.json"
LIFTS = (1.0, 1.25, 1.5)
#: world name -> (knob overrides, keep the status_shown column)
WORLDS: dict[str, tuple[dict[str, object], bool]] = {
    "today": ({}, True),
    "heterogeneous": ({"lift_heterogeneity_sd": 0.3}, True),
    "ramp": ({"effect_ramp_weeks": 8.0}, True),
    "threshold": ({"confounding": "threshold"}, True),
    "saturating": ({"confounding": "saturating"}, True),
    "rules-shown": ({"world_rules": "upwork-strict"}, True),
    "rules-hidden": ({"world_rules": "upwork-strict"}, False),
    "drift": ({"quality_drift_sd": 0.05}, True),
}
#: effect row of the estimates -> key of truth.json "realised"
SCORED = {
    "invitation_lift": "invitation_lift",
    "hires_lift": "hires_lift",
    "net_value_usd_per_holder_year": "net_value_usd_per_holder_year",
}
ANALYST_RULES = "upwork-2025"


def estimate(history) -> pd.DataFrame:
    """The effects as ``toprated effects`` estimates them (one row per effect, with
    ``effect, estimate, ci_low, ci_high``). The only call into the estimators."""
    from analysis.estimate.effects import estimate_effects

    return estimate_effects(history, ANALYST_RULES)


def run_one(task: dict) -> list[dict]:
    """Generate one history, estimate, score; one row per scored effect."""
    from analysis.io.load import read_history
    from analysis.simulate.generate import generate

    overrides, keep_shown = WORLDS[task["world"]]
    t0, c0 = time.perf_counter(), time.process_time()
    with tempfile.TemporaryDirectory(prefix="coverage-") as tmp:
        summary = generate(
            tmp,
            freelancers=task["freelancers"],
            start=task["start"],
            end=task["end"],
            seed=task["seed"],
            overrides={**overrides, "invitation_lift": task["lift"]},
            progress=False,
        )
        history = read_history(tmp)
    t1 = time.perf_counter()
    if not keep_shown and history.activity is not None:
        activity = history.activity.drop(columns=["status_shown"], errors="ignore")
        history = dataclasses.replace(history, activity=activity)
    error = ""
    try:
        effects = estimate(history).set_index("effect")
    except Exception as exc:  # a world the estimators cannot handle is a result too
        effects, error = pd.DataFrame(), f"{type(exc).__name__}: {exc}"
    t2, c2 = time.perf_counter(), time.process_time()
    realised = summary["realised"]
    rows = []
    for effect, key in SCORED.items():
        truth = realised.get(key)
        row = effects.loc[effect] if effect in effects.index else None
        est, lo, hi = (
            (float(row["estimate"]), float(row["ci_low"]), float(row["ci_high"]))
            if row is not None
            else (math.nan, math.nan, math.nan)
        )
        estimated = all(math.isfinite(x) for x in (est, lo, hi)) and truth is not None
        rows.append(
            {
                "world": task["world"],
                "seed": task["seed"],
                "planted_lift": task["lift"],
                "effect": effect,
                "truth": math.nan if truth is None else float(truth),
                "estimate": est,
                "ci_low": lo,
                "ci_high": hi,
                "estimated": estimated,
                "covered": bool(estimated and lo <= truth <= hi),
                "bias": est - truth if estimated else math.nan,
                "error": error,
                "top_rated_weeks": realised.get("top_rated_weeks"),
                "simulate_s": round(t1 - t0, 1),
                "estimate_s": round(t2 - t1, 1),
                # CPU seconds of the whole run: what the wall time would be on an idle core
                "cpu_s": round(c2 - c0, 1),
            }
        )
    return rows


def summarise(table: pd.DataFrame) -> dict:
    """Per world and effect (and per world x lift x effect): runs, estimated,
    coverage, mean bias, mean truth, mean estimate."""

    def stats(d: pd.DataFrame) -> dict:
        e = d[d["estimated"]]
        width = (e["ci_high"] - e["ci_low"]).median() if len(e) else None
        return {
            "runs": len(d),
            "estimated": len(e),
            "coverage": float(e["covered"].mean()) if len(e) else None,
            "mean_bias": float(e["bias"].mean()) if len(e) else None,
            "mean_truth": float(d["truth"].mean()) if d["truth"].notna().any() else None,
            "mean_estimate": float(e["estimate"].mean()) if len(e) else None,
            # how wide the intervals that cover are: coverage alone rewards width
            "median_width": float(width) if width is not None else None,
        }

    out: dict = {}
    for (world, effect), d in table.groupby(["world", "effect"], sort=False):
        entry = out.setdefault(world, {}).setdefault(effect, stats(d))
        entry["by_lift"] = {
            f"{lift:g}": stats(g) for lift, g in d.groupby("planted_lift", sort=True)
        }
    return out


def readme_table(summary: dict) -> str:
    """The README's coverage table from a recorded summary: one row per world, one
    column per effect with its coverage (of the estimated runs) and mean bias."""
    results = summary["results"]
    effects = list(dict.fromkeys(e for w in results.values() for e in w))
    lines = [
        "| world | " + " | ".join(f"{e}: coverage, mean bias" for e in effects) + " |",
        "|---|" + "---:|" * len(effects),
    ]
    for world, by_effect in results.items():
        cells = []
        for effect in effects:
            s = by_effect.get(effect)
            if not s or s["coverage"] is None:
                cells.append("not estimated")
                continue
            bias = s["mean_bias"]
            shown = f"{bias:+.3g}" if abs(bias) < 100 else f"{bias:+,.0f}"
            cells.append(f"{s['coverage']:.0%} of {s['estimated']}, {shown}")
        lines.append(f"| {world} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(
        f"Measured {summary['date']} by `python {summary['command'].strip()}`: "
        f"{summary['histories']} histories of {summary['freelancers']:,} freelancers "
        f"({summary['period'][0]} to {summary['period'][1]}), {summary['seeds']} seeds x "
        f"lifts {', '.join(f'{x:g}' for x in summary['lifts'])} per world."
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--readme", action="store_true", help="print the README table of the recorded summary"
    )
    parser.add_argument("--freelancers", type=int, default=500, help="per history (default 500)")
    parser.add_argument("--seeds", type=int, default=10, help="seeds per world and lift (10)")
    parser.add_argument("--first-seed", type=int, default=2001, help="seed of the first history")
    parser.add_argument("--jobs", type=int, default=2, help="processes in parallel (default 2)")
    parser.add_argument("--start", default="2022-01-01", help="first day (default 2022-01-01)")
    parser.add_argument("--end", default="2023-12-31", help="last day (default 2023-12-31)")
    parser.add_argument("--worlds", nargs="+", choices=list(WORLDS), default=list(WORLDS))
    parser.add_argument("--lifts", nargs="+", type=float, default=list(LIFTS))
    parser.add_argument("--out", help=f"summary JSON (default {RECORDED.relative_to(HERE.parent)})")
    parser.add_argument(
        "--resummarise",
        metavar="CSV",
        help="recompute the recorded summary's results from a per-run CSV of an earlier run "
        "(benchmarks/results/coverage-*.csv), keeping its other fields; runs nothing",
    )
    args = parser.parse_args(argv)
    if args.readme:
        print(readme_table(json.loads(RECORDED.read_text("utf-8"))))
        return 0
    if args.resummarise:
        out = Path(args.out) if args.out else RECORDED
        summary = json.loads(out.read_text("utf-8"))
        table = pd.read_csv(args.resummarise).sort_values(
            ["world", "planted_lift", "seed", "effect"]
        )
        summary["results"] = summarise(table)
        out.write_text(json.dumps(summary, indent=2, allow_nan=False, default=str) + "\n")
        print(f"Rewrote the results of {out} from {args.resummarise}")
        return 0

    common = {"freelancers": args.freelancers, "start": args.start, "end": args.end}
    tasks = [
        {**common, "world": world, "lift": float(lift), "seed": args.first_seed + i}
        for world in args.worlds
        for lift in args.lifts
        for i in range(args.seeds)
    ]
    print(
        f"{len(tasks)} histories of {args.freelancers:,} freelancers ({args.start} to "
        f"{args.end}), {args.jobs} at a time",
        flush=True,
    )
    t0 = time.perf_counter()
    rows: list[dict] = []
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(run_one, t) for t in tasks]
        for fut in as_completed(futures):
            got = fut.result()
            rows += got
            first = got[0]
            cells = "  ".join(
                f"{r['effect']}: {r['estimate']:.3g} [{r['ci_low']:.3g}, {r['ci_high']:.3g}] "
                f"vs {r['truth']:.3g}{'' if r['covered'] else ' MISS' if r['estimated'] else ' -'}"
                for r in got
            )
            print(
                f"  {first['world']:<13} lift {first['planted_lift']:<4g} seed {first['seed']}: "
                f"{cells} ({first['simulate_s']}+{first['estimate_s']} s)",
                flush=True,
            )
    wall = round(time.perf_counter() - t0, 1)
    table = pd.DataFrame(rows).sort_values(["world", "planted_lift", "seed", "effect"])
    cpu = float(table.drop_duplicates(["world", "planted_lift", "seed"])["cpu_s"].sum())
    summary = {
        "what": "coverage of 95% intervals and mean bias against the counterfactual truth "
        "(truth.json realised), per world and effect (issue 12 item 5)",
        "command": "benchmarks/bench_effects_coverage.py "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "freelancers": args.freelancers,
        "period": [args.start, args.end],
        "seeds": args.seeds,
        "first_seed": args.first_seed,
        "lifts": args.lifts,
        "analyst_rules": ANALYST_RULES,
        "worlds": {w: {"knobs": WORLDS[w][0], "status_shown": WORLDS[w][1]} for w in args.worlds},
        "histories": len(tasks),
        "jobs": args.jobs,
        "wall_seconds": wall,
        "cpu_seconds": round(cpu, 1),
        "idle_wall_seconds_estimate": round(cpu / max(args.jobs, 1), 1),
        "date": dt.date.today().isoformat(),
        "results": summarise(table),
    }
    print()
    for world, effects in summary["results"].items():
        for effect, s in effects.items():
            cov = "-" if s["coverage"] is None else f"{s['coverage']:.0%}"
            bias = "-" if s["mean_bias"] is None else f"{s['mean_bias']:+.3g}"
            print(
                f"{world:<13} {effect:<30} coverage {cov:>5} of {s['estimated']:>3} "
                f"estimated ({s['runs']} runs)  mean bias {bias}"
            )
    print(
        f"Wall time {wall} s; CPU {cpu:.0f} s, so about {cpu / max(args.jobs, 1):.0f} s "
        f"on {args.jobs} idle cores"
    )
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    csv = RESULTS / f"coverage-{args.freelancers}-{stamp}.csv"
    csv.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(csv, index=False)
    out = Path(args.out) if args.out else RECORDED
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2, allow_nan=False, default=str) + "\n")
    print(f"Wrote {csv} and {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
