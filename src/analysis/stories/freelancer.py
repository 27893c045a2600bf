"""One freelancer's own record: JSS windows, badge weeks, headroom over time.

The building blocks of report ``08-my-history``: the same engine as every other
report (`analysis.engine.jss`, `analysis.engine.status`, `analysis.engine.whatif`), restricted to one
freelancer and reshaped into tidy frames for the plots module.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from analysis import config
from analysis.engine.jss import grid_columns as jss_grid_columns
from analysis.engine.jss import jss_grid
from analysis.engine.ruleset import Rules
from analysis.engine.status import TOP_RATED_STATUSES, status_grid
from analysis.engine.whatif import whatif
from analysis.io.history import History


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
