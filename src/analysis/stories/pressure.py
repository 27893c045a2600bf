"""Maintenance pressure: how close Top Rated freelancers live to losing the badge.

Building blocks of report ``04-maintenance-pressure``:

- `window_sums` / `negatives_to_drop_below` / `headroom_grid`: the *headroom* (the
  fewest extra negative outcomes that take the JSS below the threshold) for every
  freelancer and JSS evaluation date at once. `analysis.engine.jss.headroom` answers the
  same question for one freelancer and one date; here the window sums come from
  the engine's own building blocks (`analysis.engine.jss._chunk_sums`, so the sums are
  the ones the JSS is computed from) and the search over k runs as one array
  operation per k over every cell still above the threshold.
- `weekly_headroom`: the headroom in force on each badge Sunday (the JSS of the
  latest evaluation date on or before it, as the badge uses).
- `weekly_activity`, `first_events`, `event_time_means`: activity (hours worked,
  billed hours, invitations, hires, earnings) lined up on the weeks around the
  first gain or loss of the badge.
- `jss_histogram`, `after_loss`: bunching just above the threshold and what
  happens to freelancers after they lose the badge.

Nothing loops over freelancers or dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.engine import jss as engine
from analysis.engine.ruleset import Rules
from analysis.engine.status import TOP_RATED_STATUSES
from analysis.io.history import History

_DAY_S = 86_400


# ---------------------------------------------------------------------------
# headroom on the whole grid
# ---------------------------------------------------------------------------


def window_sums(history: History, rules: Rules, as_of: Any = None) -> pd.DataFrame:
    """Per freelancer and JSS evaluation date: each window's P - N, T, contracts, clients.

    The rows and their order are those of `analysis.engine.jss.jss_grid` (same arguments).
    Columns: ``freelancer_id``, ``eval_date`` and, for each window ``w`` of the rules,
    ``net_w`` (P - N) and ``total_w`` (T), in weights (exact: multiples of the
    engine's weight unit), ``contracts_w`` and ``clients_w`` (counted contracts, open
    ones included, and their distinct clients). `jss_grid` only exposes the scores;
    the headroom needs the sums, since an extra outcome moves a score by an amount
    that depends on T.
    """
    prep = engine._prepare(history, rules, None, None, as_of, None)
    parts = []
    for f0, f1 in engine._chunks(prep, engine.DEFAULT_CHUNK_SIZE):
        cols = engine._chunk_inputs(prep, f0, f1, rules)
        cells, sums = engine._chunk_sums(cols, prep.days, prep.j_first[f0:f1], rules)
        keep = cells.keep
        ids = np.asarray(prep.ids.to_pylist(), dtype=object)[f0:f1]
        data: dict[str, Any] = {
            "freelancer_id": np.repeat(ids, cells.n_cells),
            "eval_date": (prep.days[cells.j[keep]] * _DAY_S).astype("datetime64[s]"),
        }
        for name, s in sums.items():
            data[f"net_{name}"] = s.net[keep] / s.unit
            data[f"total_{name}"] = s.total[keep] / s.unit
            data[f"contracts_{name}"] = s.contracts[keep].astype(np.int64)
            data[f"clients_{name}"] = s.clients[keep].astype(np.int64)
        parts.append(pd.DataFrame(data))
    if not parts:
        cols = ["freelancer_id", "eval_date"]
        for name in rules.windows.days:
            cols += [f"net_{name}", f"total_{name}", f"contracts_{name}", f"clients_{name}"]
        return pd.DataFrame({c: [] for c in cols}).astype({"eval_date": "datetime64[s]"})
    out = pd.concat(parts, ignore_index=True)
    out["freelancer_id"] = out["freelancer_id"].astype("str")
    return out


def _jss_after(sums: dict[str, np.ndarray], rows: np.ndarray, k: float, rules: Rules) -> np.ndarray:
    """The JSS of cells `rows` after k extra negatives of weight 1 from k new clients."""
    scores = {
        name: engine.window_score(
            sums[f"net_{name}"][rows] - k,
            sums[f"total_{name}"][rows] + k,
            sums[f"contracts_{name}"][rows] + k,
            sums[f"clients_{name}"][rows] + k,
            rules,
        )
        for name in rules.windows.days
    }
    return engine.combine_scores(scores, rules)[1]


def negatives_to_drop_below(
    sums: pd.DataFrame, rules: Rules, limit: int = engine.HEADROOM_LIMIT
) -> np.ndarray:
    """Headroom of every row of `window_sums`: fewest extra negatives to drop below the JSS minimum.

    The same reading as `analysis.engine.jss.headroom`: each hypothetical negative has
    weight 1, comes from a new client and ends on the evaluation date, so it is in
    every window (and can make an undefined window defined, which is why the JSS
    is recomputed for each k rather than solved by a formula: JSS(k) is not
    monotone). Returns float64: 0 when the JSS is already below the minimum, NaN
    when there is no JSS; otherwise the first k >= 1 with JSS(k) < minimum. Every
    k up to `limit` is tried, each as one array operation over the cells not yet
    resolved (all scores are 0 once k exceeds every window's P - N, so the search
    always ends for a JSS above 0).
    """
    arrays = {
        c: sums[c].to_numpy(dtype=np.float64)
        for c in sums.columns
        if c.split("_")[0] in ("net", "total", "contracts", "clients")
    }
    target = rules.badges.jss_min
    n = len(sums)
    all_rows = np.arange(n)
    jss0 = _jss_after(arrays, all_rows, 0.0, rules) if n else np.zeros(0)
    out = np.where(np.isnan(jss0), np.nan, np.where(jss0 < target, 0.0, np.nan))
    todo = np.flatnonzero(jss0 >= target)
    k = 0
    while len(todo) and k < limit:
        k += 1
        below = _jss_after(arrays, todo, float(k), rules) < target
        out[todo[below]] = k
        todo = todo[~below]
    return out


def headroom_grid(history: History, rules: Rules, as_of: Any = None) -> pd.DataFrame:
    """The JSS grid with the headroom of every freelancer and evaluation date.

    Columns: those of `analysis.engine.jss.jss_grid` plus ``negatives_to_drop_below``
    (float64; see `negatives_to_drop_below`). One pass of the engine for the
    scores and one for the window sums.
    """
    grid = engine.jss_grid(history, rules, as_of=as_of)
    sums = window_sums(history, rules, as_of=as_of)
    return grid.assign(negatives_to_drop_below=negatives_to_drop_below(sums, rules))


def latest_eval_date(days: pd.Series, rules: Rules) -> pd.Series:
    """The latest JSS evaluation date on or before each date (the one a badge Sunday uses)."""
    anchor = pd.Timestamp(rules.calendar.jss_anchor)
    step = rules.calendar.jss_every_days
    offset = (days - anchor).dt.days
    return anchor + pd.to_timedelta((offset // step) * step, unit="D")


def weekly_headroom(status: pd.DataFrame, grid: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Each badge Sunday of `status` with the headroom of the JSS date it uses.

    Adds ``eval_date``, the grid's ``score_*`` columns and ``negatives_to_drop_below``
    of that date (NaN when it has no JSS) and ``is_top_rated`` (status Top Rated or
    Top Rated Plus) to `status`.
    """
    keyed = status.assign(
        eval_date=latest_eval_date(status["week"], rules).astype("datetime64[s]"),
        is_top_rated=status["status"].isin(TOP_RATED_STATUSES).to_numpy(),
    )
    scores = [c for c in grid.columns if c.startswith("score_")]
    right = grid[["freelancer_id", "eval_date", *scores, "negatives_to_drop_below"]]
    return keyed.merge(right, on=["freelancer_id", "eval_date"], how="left")


def headroom_shares(weekly: pd.DataFrame, max_k: int = 5) -> pd.DataFrame:
    """Share of Top Rated weeks at each headroom 1, 2, ..., ``max_k`` and more.

    Input: `weekly_headroom` rows. Returns ``headroom`` (text label, ``"{max_k}+"``
    for the rest), ``weeks`` and ``share`` (of Top Rated weeks with a headroom).
    """
    top = weekly[weekly["is_top_rated"]]["negatives_to_drop_below"].dropna()
    capped = np.minimum(top.to_numpy(), max_k).astype(int)
    labels = [str(k) if k < max_k else f"{max_k}+" for k in range(0, max_k + 1)]
    counts = np.bincount(capped, minlength=max_k + 1)
    out = pd.DataFrame({"headroom": labels, "weeks": counts})
    out = out[(out["headroom"] != "0") | (out["weeks"] > 0)].reset_index(drop=True)
    total = counts.sum()
    return out.assign(share=out["weeks"] / total if total else np.nan)


# ---------------------------------------------------------------------------
# activity around gaining and losing the badge
# ---------------------------------------------------------------------------


def weekly_activity(history: History) -> pd.DataFrame:
    """Activity per freelancer and week, keyed by the badge Sunday that drives it.

    The activity week starting Monday m is driven by the status on Sunday m - 1,
    so ``week = week_start - 1 day``. Adds from payments (when given):
    ``earnings_usd`` paid in the week (Monday..Sunday) and ``billed_hours``: hourly
    contracts' payments converted to hours at the contract's average rate
    (``hours / earnings_usd``); fixed-price work has no billed hours. Without an
    activity table the result is empty.
    """
    if history.activity is None:
        return pd.DataFrame(columns=["freelancer_id", "week"])
    act = history.activity.assign(week=history.activity["week_start"] - pd.Timedelta(days=1))
    if history.payments is None:
        return act.assign(earnings_usd=np.nan, billed_hours=np.nan)
    c = history.contracts
    per_usd = np.where(
        (c["contract_type"].astype(str) == "hourly") & (c["earnings_usd"] > 0),
        c["hours"] / c["earnings_usd"].where(c["earnings_usd"] > 0),
        0.0,
    )
    rate = pd.DataFrame({"contract_id": c["contract_id"], "hours_per_usd": per_usd})
    pay = history.payments.merge(rate, on="contract_id", how="left")
    monday = pay["paid_date"] - pd.to_timedelta(pay["paid_date"].dt.dayofweek, unit="D")
    pay = pay.assign(
        week=(monday - pd.Timedelta(days=1)).astype("datetime64[s]"),
        billed_hours=pay["amount_usd"] * pay["hours_per_usd"].fillna(0.0),
    )
    paid = pay.groupby(["freelancer_id", "week"], as_index=False, observed=True).agg(
        earnings_usd=("amount_usd", "sum"), billed_hours=("billed_hours", "sum")
    )
    out = act.merge(paid, on=["freelancer_id", "week"], how="left")
    return out.fillna({"earnings_usd": 0.0, "billed_hours": 0.0})


def first_events(events: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Each freelancer's first gain (``kind="gain"``) or first loss (``"loss"``) of Top Rated.

    Input: `analysis.engine.status.status_events`. A gain is a change into Top Rated or
    Plus from a lower status; a loss is a change from Top Rated or Plus to a
    status below Top Rated. Returns ``freelancer_id``, ``event_week``.
    """
    was_top = events["from_status"].isin(TOP_RATED_STATUSES)
    is_top = events["to_status"].isin(TOP_RATED_STATUSES)
    mask = (~was_top & is_top) if kind == "gain" else (was_top & ~is_top)
    picked = events[mask.to_numpy()].sort_values(["freelancer_id", "week"])
    first = picked.drop_duplicates("freelancer_id")
    return pd.DataFrame(
        {"freelancer_id": first["freelancer_id"].to_numpy(), "event_week": first["week"].to_numpy()}
    )


def event_time_means(
    panel: pd.DataFrame, events: pd.DataFrame, columns: list[str], weeks: int = 26
) -> pd.DataFrame:
    """Mean of `columns` by weeks relative to each freelancer's event (tidy).

    `panel` has ``freelancer_id``, ``week`` and the columns; `events` one row per
    freelancer (``freelancer_id``, ``event_week``, e.g. `first_events`). Event time
    0 is the first week with the new status. Returns ``event_time`` (-weeks ..
    weeks), ``variable``, ``mean``, ``sem`` and ``n`` (freelancer-weeks).
    Freelancers without a row in a week (not active) are not in that week's mean.
    """
    joined = panel.merge(events, on="freelancer_id", how="inner")
    rel = (joined["week"] - joined["event_week"]).dt.days // 7
    joined = joined.assign(event_time=rel)[rel.abs() <= weeks]
    long = joined.melt(id_vars=["event_time"], value_vars=columns, var_name="variable")
    long["value"] = pd.to_numeric(long["value"], errors="coerce").astype("float64")
    grouped = long.groupby(["event_time", "variable"], as_index=False)["value"]
    out = grouped.agg(mean="mean", sd="std", n="count")
    out["sem"] = out["sd"] / np.sqrt(out["n"])
    return out.drop(columns="sd")


def before_after(means: pd.DataFrame, weeks: int = 13) -> pd.DataFrame:
    """Mean of each variable in the `weeks` weeks before the event vs the `weeks` from it on.

    Input: `event_time_means`. Returns ``variable``, ``before``, ``after``,
    ``change`` (after - before), weighting each event week by its freelancer-weeks.
    """
    m = means[means["event_time"].between(-weeks, weeks - 1)]
    m = m.assign(side=np.where(m["event_time"] < 0, "before", "after"), wsum=m["mean"] * m["n"])
    agg = m.groupby(["variable", "side"], as_index=False)[["wsum", "n"]].sum()
    agg["mean"] = agg["wsum"] / agg["n"]
    wide = agg.pivot(index="variable", columns="side", values="mean").reset_index()
    wide.columns.name = None
    for side in ("before", "after"):
        if side not in wide:
            wide[side] = np.nan
    return wide.assign(change=wide["after"] - wide["before"])[
        ["variable", "before", "after", "change"]
    ]


# ---------------------------------------------------------------------------
# bunching and life after a loss
# ---------------------------------------------------------------------------


def jss_histogram(values: pd.Series, lo: int = 80, hi: int = 100) -> pd.DataFrame:
    """Count of each integer JSS from `lo` to `hi` (``jss``, ``count``, ``share``)."""
    v = pd.to_numeric(values, errors="coerce").dropna().astype(int)
    v = v[(v >= lo) & (v <= hi)]
    counts = np.bincount(v.to_numpy() - lo, minlength=hi - lo + 1)
    total = counts.sum()
    return pd.DataFrame(
        {"jss": np.arange(lo, hi + 1), "count": counts, "share": counts / total if total else 0.0}
    )


def bunching_ratio(hist: pd.DataFrame, threshold: int, width: int = 2) -> float:
    """Mean count at JSS ``threshold .. threshold + width - 1`` over the mean count of the
    `width` values on each side of that band: 1 = no bunching above the threshold.
    """
    c = hist.set_index("jss")["count"]
    band = c.reindex(range(threshold, threshold + width))
    sides = c.reindex(
        [*range(threshold - width, threshold), *range(threshold + width, threshold + 2 * width)]
    )
    return float(band.mean() / sides.mean()) if sides.mean() > 0 else float("nan")


def after_loss(
    status: pd.DataFrame, activity: pd.DataFrame, losses: pd.DataFrame, horizon: int = 26
) -> dict[str, float]:
    """What happens within `horizon` weeks of a first loss of Top Rated.

    Returns ``losses`` (freelancers with a first loss at least `horizon` weeks before
    the end of the data), ``regained_share`` (back to Top Rated or Plus within
    `horizon` weeks), ``churned_share`` (no activity row from `horizon` weeks after
    the loss on, among those with activity before it; NaN without activity) and
    ``jss_below_share`` (the loss came with a JSS below the threshold).
    """
    end = status["week"].max()
    ev = losses[losses["event_week"] <= end - pd.Timedelta(weeks=horizon)]
    s = status.merge(ev, on="freelancer_id")
    rel = (s["week"] - s["event_week"]).dt.days // 7
    after = s[(rel > 0) & (rel <= horizon)]
    regained = after[after["status"].isin(TOP_RATED_STATUSES)]["freelancer_id"].unique()
    at = s[rel == 0]
    jss_ok = at["jss_ok"].astype("boolean").fillna(False)
    out = {
        "losses": float(len(ev)),
        "regained_share": len(regained) / len(ev) if len(ev) else float("nan"),
        "jss_below_share": float((~jss_ok).mean()) if len(at) else float("nan"),
        "churned_share": float("nan"),
    }
    if len(activity) and len(ev):
        a = activity.merge(ev, on="freelancer_id")
        arel = (a["week"] - a["event_week"]).dt.days // 7
        had = a.loc[arel < 0, "freelancer_id"].unique()
        late = a.loc[arel >= horizon, "freelancer_id"].unique()
        out["churned_share"] = 1 - len(np.intersect1d(had, late)) / len(had) if len(had) else np.nan
    return out


def weekly_contract_starts(history: History, rules: Rules) -> pd.DataFrame:
    """New contracts per freelancer and driving badge Sunday, and how many turned out risky.

    A contract started on day d belongs to the week (Monday..Sunday) containing d,
    driven by the Sunday before that Monday (as activity). ``risky_contracts``
    counts those whose client flagged them or whose outcome is negative (disputed,
    low rating or low private score): the jobs a careful Top Rated freelancer
    would decline. Returns ``freelancer_id``, ``week``, ``new_contracts``,
    ``risky_contracts``.
    """
    c = history.contracts
    outcome = engine.contract_outcomes(c, rules)["outcome"]
    monday = c["start_date"] - pd.to_timedelta(c["start_date"].dt.dayofweek, unit="D")
    frame = pd.DataFrame(
        {
            "freelancer_id": c["freelancer_id"],
            "week": (monday - pd.Timedelta(days=1)).astype("datetime64[s]"),
            "new_contracts": 1,
            "risky_contracts": (c["client_flagged"] | (outcome == "negative")).astype(int),
        }
    )
    return frame.groupby(["freelancer_id", "week"], as_index=False, observed=True).sum()


def headroom_by_quarter(weekly: pd.DataFrame) -> pd.DataFrame:
    """Share of Top Rated weeks with headroom 1, 2 and 3+ in each calendar quarter (tidy).

    Input: `weekly_headroom`. Returns ``quarter`` (its first day), ``band``
    (``"1"``, ``"2"``, ``"3+"``), ``share`` and ``weeks`` (Top Rated weeks in the quarter).
    """
    top = weekly[weekly["is_top_rated"] & weekly["negatives_to_drop_below"].notna()]
    k = top["negatives_to_drop_below"].to_numpy()
    band = np.where(k <= 1, "1", np.where(k == 2, "2", "3+"))
    quarter = top["week"].dt.to_period("Q").dt.start_time
    counts = pd.crosstab(quarter, band)
    shares = counts.div(counts.sum(axis=1), axis=0)
    long = shares.reset_index(names="quarter").melt(
        id_vars="quarter", var_name="band", value_name="share"
    )
    weeks = counts.sum(axis=1).rename("weeks").rename_axis("quarter").reset_index()
    return long.merge(weeks, on="quarter")


def jss_bands(jss: pd.Series, threshold: float) -> pd.Series:
    """JSS bands for comparisons within similar scores: below the threshold, then up to
    95, 96-99 and 100 (``<90``, ``90-95``, ``96-99``, ``100`` under a threshold of 90);
    ``"no JSS"`` where there is none."""
    t = float(threshold)
    edges = [-1.0, t - 1, *[e for e in (95.0, 99.0) if e > t - 1], 100.0]
    labels = [f"<{t:g}"] + [
        f"{a + 1:g}-{b:g}" if b > a + 1 else f"{b:g}" for a, b in zip(edges[1:-2], edges[2:-1], strict=True)
    ] + ["100"]  # fmt: skip
    band = pd.cut(pd.to_numeric(jss, errors="coerce").astype("float64"), edges, labels=labels)
    return band.astype("str").where(band.notna(), "no JSS")


def risky_share_by_status(starts: pd.DataFrame, weekly: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Share of new contracts that turn out risky, Top Rated weeks against the rest.

    Among freelancers who were ever Top Rated (so the comparison is within the same
    people), by JSS band of the driving Sunday (`jss_bands` around the rules' JSS
    minimum: ``<90``, ``90-95``, ``96-99``, ``100``; within a band the score is similar, so a difference is the badge, not
    the record) and ``all``. Input: `weekly_contract_starts` and `weekly_headroom`.
    Returns ``jss_band``, ``is_top_rated``, ``new_contracts``, ``risky_contracts``,
    ``risky_share``.
    """
    ever = weekly.groupby("freelancer_id", observed=True)["is_top_rated"].any()
    keyed = starts.merge(
        weekly[["freelancer_id", "week", "is_top_rated", "jss"]],
        on=["freelancer_id", "week"],
        how="inner",
    )
    keyed = keyed[keyed["freelancer_id"].map(ever).fillna(False).astype(bool)]
    keyed = keyed.assign(jss_band=jss_bands(keyed["jss"], rules.badges.jss_min))
    cols = ["new_contracts", "risky_contracts"]
    both = pd.concat([keyed, keyed.assign(jss_band="all")])
    out = both.groupby(["jss_band", "is_top_rated"], as_index=False, observed=True)[cols].sum()
    return out.assign(risky_share=out["risky_contracts"] / out["new_contracts"])


# ---------------------------------------------------------------------------
# report 04 in words and tables
# ---------------------------------------------------------------------------

#: Weekly measures lined up around a gain, with their chart labels (when present).
AROUND_GAIN = {
    "hours_worked": "Hours worked",
    "billed_hours": "Billed hours",
    "unbilled_hours": "Unbilled hours",
    "invitations": "Invitations",
    "hires": "Hires",
    "new_contracts": "New contracts",
    "risky_contracts": "Risky contracts",
    "earnings_usd": "Earnings (USD)",
}
AROUND_LOSS = {"invitations": "Invitations", "hours_worked": "Hours worked",
               "earnings_usd": "Earnings (USD)"}  # fmt: skip
#: Fewest first gains (losses) for the event-time charts.
MIN_EVENTS = 5
#: Report 04's tables for readers (column -> (label, kind), `analysis.report.format`).
SHARE_COLUMNS = {
    "headroom": ("Bad outcomes until the JSS drops below the threshold", "text"),
    "weeks": ("Top Rated weeks", "count"),
    "share": ("Share", "percent"),
}
RISKY_COLUMNS = {
    "jss_band": ("JSS band", "text"),
    "Top Rated weeks": ("Risky share, Top Rated weeks", "percent"),
    "other weeks": ("Risky share, other weeks", "percent"),
}
SELECTIVITY_COLUMNS = {
    "measure": ("Per week", "text"),
    "before": ("13 weeks before", "number"),
    "after": ("First 13 weeks with the badge", "number"),
    "change": ("Change", "number"),
}


@dataclass(frozen=True)
class Upkeep:
    """Activity around the first gain of the badge (report 04): the weekly ``panel``
    (activity, payments and contract starts by driving Sunday), the ``gains``, the
    event-time ``means`` and the ``change`` 13 weeks before against the first 13
    with the badge (indexed by variable)."""

    panel: pd.DataFrame
    gains: pd.DataFrame
    means: pd.DataFrame
    change: pd.DataFrame

    @property
    def unbilled_hours(self) -> float:
        """Extra unbilled hours a week after the gain (NaN without hours worked)."""
        return float(self.change["change"].get("unbilled_hours", np.nan))

    def labels(self) -> dict[str, str]:
        return {k: v for k, v in AROUND_GAIN.items() if k in set(self.means["variable"])}


def upkeep(history: History, events: pd.DataFrame, rules: Rules) -> Upkeep | None:
    """`Upkeep` of a history, or None without activity or with fewer than
    `MIN_EVENTS` first gains. Measures the activity file lacks are left out."""
    activity = weekly_activity(history)
    gains = first_events(events, "gain")
    if len(activity) == 0 or len(gains) < MIN_EVENTS:
        return None
    starts = weekly_contract_starts(history, rules)
    panel = activity.merge(starts, on=["freelancer_id", "week"], how="left").fillna(
        {"new_contracts": 0, "risky_contracts": 0}
    )
    if "hours_worked" in panel and "billed_hours" in panel:
        panel = panel.assign(unbilled_hours=panel["hours_worked"] - panel["billed_hours"])
    cols = [c for c in AROUND_GAIN if c in panel]
    means = event_time_means(panel, gains, cols, weeks=26)
    return Upkeep(panel, gains, means, before_after(means, weeks=13).set_index("variable"))


def selectivity_table(up: Upkeep) -> pd.DataFrame:
    """Before/after means of the measures present, with hires per invitation and the
    risky share of new contracts: ``measure, before, after, change``."""
    ch = up.change[["before", "after"]]
    rows = {k: ch.loc[k] for k in AROUND_GAIN if k in ch.index and k not in ("earnings_usd",)}
    if {"hires", "invitations"} <= set(ch.index):
        rows["hires per invitation"] = ch.loc["hires"] / ch.loc["invitations"]
    if {"risky_contracts", "new_contracts"} <= set(ch.index):
        rows["risky share of new contracts"] = ch.loc["risky_contracts"] / ch.loc["new_contracts"]
    out = pd.DataFrame(rows).T.rename_axis("measure").reset_index()
    out["measure"] = out["measure"].map(lambda m: AROUND_GAIN.get(m, m))
    return out.assign(change=out["after"] - out["before"])


def headroom_title(shares: pd.DataFrame, threshold: float) -> tuple[float, str | None]:
    """(share of Top Rated weeks one bad outcome away, chart title); NaN and None
    when there is no Top Rated week with a JSS."""
    if shares["weeks"].sum() == 0:
        return float("nan"), None
    one = float(shares.loc[shares["headroom"] == "1", "share"].sum())
    return one, f"{one:.0%} of Top Rated weeks are one bad outcome from JSS < {threshold:g}"


def quarter_title(by_quarter: pd.DataFrame) -> str:
    recent = by_quarter[by_quarter["quarter"] == by_quarter["quarter"].max()]
    last = float(recent.loc[recent["band"] == "1", "share"].sum())
    return (
        f"The margin stays thin: {last:.0%} of Top Rated weeks one outcome away in the last quarter"
    )


def risky_comparison(risky: pd.DataFrame, min_contracts: int = 100) -> pd.Series | None:
    """Risky share of new contracts in weeks without (False) and with (True) the badge,
    pooled over JSS bands; None with too few contracts to compare."""
    pooled = risky[risky["jss_band"] == "all"].set_index("is_top_rated")["risky_share"]
    if {True, False} <= set(pooled.index) and risky["new_contracts"].sum() >= min_contracts:
        return pooled
    return None


def risky_table(risky: pd.DataFrame) -> pd.DataFrame:
    """Risky share by JSS band, Top Rated weeks against other weeks, for readers."""
    wide = risky.pivot(index="jss_band", columns="is_top_rated", values="risky_share")
    return wide.rename(columns={True: "Top Rated weeks", False: "other weeks"}).reset_index()


def after_loss_line(fate: dict[str, float], threshold: float, horizon: int = 26) -> str:
    return (
        f"{fate['losses']:.0f} first losses with {horizon} weeks of follow-up: "
        f"{fate['regained_share']:.0%} regained the badge within {horizon} weeks, "
        f"{fate['churned_share']:.0%} left the marketplace, "
        f"{fate['jss_below_share']:.0%} lost it with a JSS below {threshold:g}."
    )


def pressure_finding(one_away: float, up: Upkeep | None, pooled: pd.Series | None,
                     ratio: float, fate: dict[str, float] | None, threshold: float) -> str:  # fmt: skip
    """Report 04's finding, from what this history could show."""
    parts = []
    if np.isfinite(one_away):
        parts.append(
            f"{one_away:.0%} of Top Rated weeks are one bad outcome from a JSS below {threshold:g}"
        )
    if up is not None and np.isfinite(up.unbilled_hours):
        parts.append(
            f"gaining the badge comes with {up.unbilled_hours:.1f} more unbilled hours a week"
        )
    if pooled is not None and pooled[False] > 0:
        parts.append(
            f"risky contracts fall from {pooled[False]:.1%} to {pooled[True]:.1%} of new ones"
        )
    if np.isfinite(ratio):
        parts.append(
            f"scores {'bunch' if ratio > 1.2 else 'do not bunch'} just above {threshold:g} "
            f"(ratio {ratio:.2f})"
        )
    if fate is not None:
        parts.append(f"after a loss {fate['regained_share']:.0%} regain it within 26 weeks")
    if not parts:
        return "This history has no Top Rated weeks: there is no badge to maintain."
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + "."
