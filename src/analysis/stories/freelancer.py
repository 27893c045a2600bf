"""One freelancer's own record: JSS windows, badge weeks, headroom over time, and
whether the badge is worth it for them.

The building blocks of report ``08-my-history``: the same engine as every other
report (`analysis.engine.jss`, `analysis.engine.status`, `analysis.engine.whatif`), restricted to one
freelancer and reshaped into tidy frames for the plots module. The "is it worth it
for me?" section is `toprated worth` (`analysis.estimate.worth`): `own_worth` gives
its answer and the grid of net value over invitation lift and weekly upkeep hours
(`analysis.estimate.worth.net_over_lift_and_upkeep`), `worth_verdict` says it in
plain words.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis import config
from analysis.engine.jss import grid_columns as jss_grid_columns
from analysis.engine.jss import jss_grid
from analysis.engine.ruleset import Rules
from analysis.engine.status import TOP_RATED_STATUSES, status_grid
from analysis.engine.whatif import whatif
from analysis.estimate.worth import net_over_lift_and_upkeep, worth
from analysis.io.errors import InputError
from analysis.io.history import History

#: Invitation lifts (rows) and weekly upkeep hours (columns) of report 08's worth
#: chart: no effect to a doubling of new work, and no upkeep to a working day a week.
WORTH_LIFTS = np.round(np.arange(1.0, 2.01, 0.1), 2)
WORTH_UPKEEP_HOURS = np.array([0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0])


def own_history_path(history_path: str | Path | None, my_history_path: str | Path | None) -> Path:
    """Which history report 08 reads: the one asked for, else the demo own history.

    ``toprated report`` passes every notebook the marketplace history; a
    freelancer's own history is a different thing. So report 08 uses
    ``my_history_path`` when given, the report's history when the user named one
    (``toprated report my-history``), and the demo own history when the report
    runs on the bundled marketplace sample.
    """
    if my_history_path:
        return Path(my_history_path)
    if history_path is None or Path(history_path).resolve() == config.SAMPLE.resolve():
        return config.DEMO
    return Path(history_path)


def pick_freelancer(history: History, freelancer_id: str | None = None) -> str:
    """The given freelancer, else the one with the most contracts (ties: smallest id)."""
    if freelancer_id is not None:
        return freelancer_id
    counts = history.contracts.groupby("freelancer_id", observed=True).size()
    return str(counts.sort_index().idxmax())


def window_scores_long(grid: pd.DataFrame) -> pd.DataFrame:
    """JSS grid rows as tidy (eval_date, score, value) rows, JSS included."""
    scores = [c for c in grid.columns if c.startswith("score_")]
    long = grid.melt(
        id_vars=["eval_date"], value_vars=[*scores, "jss"], var_name="score", value_name="value"
    )
    long["score"] = long["score"].str.removeprefix("score_").replace({"jss": "JSS (displayed)"})
    long["value"] = pd.to_numeric(long["value"], errors="coerce").astype("float64")
    return long.dropna(subset=["value"]).reset_index(drop=True)


def freelancer_timeline(
    history: History, freelancer_id: str, rules: Rules, as_of: Any = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The JSS grid and the weekly status grid of one freelancer, to the as-of date."""
    mine = history.select([freelancer_id])
    as_of = as_of if as_of is not None else history.as_of
    return jss_grid(mine, rules, as_of=as_of), status_grid(mine, rules, as_of=as_of)


def headroom_table(
    history: History, freelancer_id: str, rules: Rules, dates: list[Any]
) -> pd.DataFrame:
    """`whatif` at each date: JSS, headroom, good weeks, status, earnings gap.

    One call per date for one freelancer (a handful of dates): this is a report
    table, not a hot path.
    """
    rows = []
    for at in dates:
        r = whatif(history, freelancer_id, rules, at=at)
        rows.append(
            {
                "date": r["jss_date"],
                "jss": r["jss"],
                "negatives_to_drop_below": r["negatives_to_drop_below"],
                "positives_to_reach": r["positives_to_reach"],
                "status": r.get("status"),
                "good_weeks": r.get("good_weeks"),
                "earnings_12m_usd": r.get("earnings_12m_usd"),
                "earnings_short_usd": r.get("earnings_short_usd"),
            }
        )
    columns = ["date", "jss", "negatives_to_drop_below", "positives_to_reach", "status",
               "good_weeks", "earnings_12m_usd", "earnings_short_usd"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns).astype(
        {
            "jss": "Int64",
            "negatives_to_drop_below": "Int64",
            "positives_to_reach": "Int64",
            "good_weeks": "Int64",
        }
    )


def own_timeline(stage: Any, freelancer_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One freelancer's rows of the stage's JSS grid and weekly status grid (the engine
    is independent per freelancer, so these are their own grids), by date."""
    if freelancer_id not in set(stage.history.contracts["freelancer_id"]):
        raise ValueError(f"freelancer {freelancer_id!r} is not in {stage.source}")
    grid = stage.grid[stage.grid["freelancer_id"] == freelancer_id]
    status = stage.status[stage.status["freelancer_id"] == freelancer_id]
    return grid.reset_index(drop=True), status.reset_index(drop=True)


def badge_weeks(status: pd.DataFrame) -> int:
    """Weeks with Top Rated or Top Rated Plus."""
    return int(status["status"].isin(TOP_RATED_STATUSES).sum())


def grid_columns(rules: Rules) -> dict[str, tuple[str, str]]:
    """The JSS grid's columns for readers (`analysis.report.format.readable`)."""
    cols = {"eval_date": ("JSS date", "date"), "jss": ("JSS shown (%)", "count")}
    for c in jss_grid_columns(rules):
        if c.startswith("score_"):
            cols[c] = (f"{c.removeprefix('score_')} score (%)", "number")
        elif c.startswith(("counted_", "clients_")):
            what, window = c.split("_", 1)
            cols[c] = (
                f"{'Counted contracts' if what == 'counted' else 'Clients'}, {window}",
                "count",
            )
    return cols


#: The headroom table's columns for readers.
HEADROOM_COLUMNS = {
    "date": ("JSS date", "date"),
    "jss": ("JSS (%)", "count"),
    "negatives_to_drop_below": ("Bad outcomes until below the threshold", "count"),
    "positives_to_reach": ("Good outcomes to reach it", "count"),
    "status": ("Badge status", "text"),
    "good_weeks": ("Good weeks of the last 16", "count"),
    "earnings_12m_usd": ("Earnings, 12 months (USD)", "money"),
    "earnings_short_usd": ("Short of the minimum (USD)", "money"),
}


def freelancer_finding(freelancer_id: str, table: pd.DataFrame, threshold: float) -> str:
    """Report 08's finding from the latest row of `headroom_table`."""
    if table.empty:
        return (
            f"Freelancer {freelancer_id} has no JSS evaluation date yet: the history ends "
            "before their first contract could be scored."
        )
    now = table.iloc[-1]
    status = str(now["status"]).replace("_", " ")
    if pd.isna(now["jss"]):
        return (
            f"Freelancer {freelancer_id} has no JSS yet on {now['date']}; "
            f"{now['positives_to_reach']} positive outcome(s) would give one of at least "
            f"{threshold:g}."
        )
    if now["jss"] >= threshold:
        return (
            f"Freelancer {freelancer_id}: JSS {now['jss']} on {now['date']}, status {status}; "
            f"{now['negatives_to_drop_below']} more bad outcome(s) would take it below "
            f"{threshold:g}."
        )
    return (
        f"Freelancer {freelancer_id}: JSS {now['jss']} on {now['date']}, below {threshold:g}; "
        f"{now['positives_to_reach']} positive outcome(s) would lift it back."
    )


def own_worth(
    history: History,
    freelancer_id: str,
    rules: Rules,
    seed: int = 0,
    lifts: Any = WORTH_LIFTS,
    upkeep_hours: Any = WORTH_UPKEEP_HOURS,
) -> tuple[dict[str, Any] | None, pd.DataFrame, str | None]:
    """`toprated worth`'s answer for one freelancer (stated effect ranges of
    ``worth.toml``, seeded draws), the grid ``lift, upkeep_hours, net_usd`` of the
    net value of a year with the badge over invitation lift and weekly upkeep (rate
    premium at its central value) from the same inputs, and why there is no answer
    (None when there is one).

    Why both: the answer is one point with an interval; the grid shows where the
    freelancer stands whatever the true lift and their own upkeep turn out to be.
    A record the formula cannot use (no hourly rate listed and no hourly hours
    billed) gives ``(None, empty grid, reason)``: report 08 says why, and builds.
    """
    try:
        result = worth(history, freelancer_id, rules, seed=seed)
    except InputError as e:
        why = "; ".join(p.expected or str(p) for p in e.problems) or str(e)
        empty = pd.DataFrame({"lift": [], "upkeep_hours": [], "net_usd": []}, dtype=float)
        return None, empty, why
    effects = pd.DataFrame(result["effects"])
    grid = net_over_lift_and_upkeep(
        result["inputs"], effects, lifts, upkeep_hours, result["weeks_per_year"]
    )
    return result, grid, None


def _usd(x: float) -> str:
    return f"-${-x:,.0f}" if x < 0 else f"${x:,.0f}"


def worth_verdict(result: dict[str, Any] | None, why: str | None = None) -> str:
    """The "is it worth it for me?" answer in plain words: the verdict at the central
    effects, the 90% interval, what would change it (the break-even lift and the
    upkeep hours at which it stops paying) and where the effects come from (stated
    assumptions or estimates: the world the verdict holds in); without an answer,
    why not."""
    if result is None:
        return f"Not computed: {why or 'the record cannot answer it'}."
    eff = {e["effect"]: e for e in result["effects"]}
    lift, up = eff["invitation_lift"]["estimate"], eff["maintenance_hours"]["estimate"]
    net, lo, hi = result["net_usd_median"], result["net_usd_low"], result["net_usd_high"]
    be_lift, be_hours = result["break_even_lift"], result["break_even_upkeep_hours"]
    p = result["p_worth_it"]
    if lo > 0:
        verdict = "Worth it"
    elif hi < 0:
        verdict = "Not worth it"
    else:
        verdict = "Probably worth it" if p >= 0.5 else "Probably not worth it"
    head = (
        f"{verdict} for freelancer {result['inputs']['freelancer_id']}: a year with the "
        f"badge nets {_usd(net)} (90% interval {_usd(lo)} to {_usd(hi)}; it pays in "
        f"{p:.0%} of the draws) at a {lift:.2f}x lift and {up:.1f} upkeep hours a week."
    )
    if not np.isfinite(be_lift):
        lift_text = "No lift makes it pay: the record shows no new work for a badge to lift."
    else:
        lift_text = f"It breaks even at a {be_lift:.2f}x lift in new work."
    hours_text = (
        f"At a {lift:.2f}x lift it stops paying above {be_hours:.1f} upkeep hours a week."
        if be_hours > 0
        else f"At a {lift:.2f}x lift it does not pay even with no upkeep."
    )
    sources = {str(e.get("source", "")) for e in result["effects"]}
    if sources and all(x.startswith("assumption") for x in sources):
        world = (
            "The badge's effects here are stated assumptions (the ranges of worth.toml, "
            "with their sources), not estimates."
        )
    else:
        world = "The badge's effects: " + "; ".join(sorted(sources)) + "."
    return f"{head} {lift_text} {hours_text} {world}"


def worth_title(result: dict[str, Any]) -> str:
    """The worth chart's title: where the freelancer's break-even lies."""
    eff = {e["effect"]: e["estimate"] for e in result["effects"]}
    be_lift, be_hours = result["break_even_lift"], result["break_even_upkeep_hours"]
    at_hours = f"at {eff['maintenance_hours']:.1f} upkeep hours a week"
    if not np.isfinite(be_lift):
        return "No lift pays: no new work in the last 12 months"
    if be_hours > 0:
        return (
            f"Pays above a {be_lift:.2f}x lift {at_hours}, or below {be_hours:.1f} "
            f"hours a week at a {eff['invitation_lift']:.2f}x lift"
        )
    return f"Pays only above a {be_lift:.2f}x lift {at_hours}"
