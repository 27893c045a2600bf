"""Status gained and lost: the building blocks of story 02.

From the weekly badge status (`analysis.engine.status.status_grid`) and its changes
(`analysis.engine.status.status_events`), tidy frames for the plots module; nothing
loops over freelancers or weeks.

- `churn_dates`: when a freelancer left the platform (last seen, then silence).
- `badge_changes`, `monthly_changes`: Top Rated gained and lost, per month.
- `status_spells`, `time_in_status`, `time_to_regain`: spells with the badge and
  the gaps between them, as Kaplan-Meier input (duration, event) with censoring.
- `km_curve`: Kaplan-Meier curves with pointwise 95% bands (statsmodels).
- `transition_matrix`: week-to-week status moves, row-normalised.
- `loss_reasons`: which criterion failed when the badge was lost.
- `compare_rule_sets`, `monthly_top_rated_share`, `disagreement_reasons`: the
  ``upwork-2025`` and ``seed-article`` rule sets side by side.

"The badge" is Top Rated or Top Rated Plus throughout (`TOP_RATED_STATUSES`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.engine.ruleset import Rules
from analysis.engine.status import STATUS_DTYPE, STATUSES, TOP_RATED_STATUSES
from analysis.io.history import History

WEEK = pd.Timedelta(days=7)
#: Days without any sign of life after which a freelancer counts as gone.
DEFAULT_CHURN_GAP_DAYS = 90
LOST_TOP_RATED = "lost Top Rated"
PLUS_TO_TOP_RATED = "Plus down to Top Rated"


def reason_labels(rules: Rules) -> dict[str, str]:
    """The reason names of `analysis.engine.status.REASONS` (and of the seed article's
    criteria), in words, with the thresholds of `rules`."""
    b = rules.badges
    labels = {
        "jss": f"JSS below {b.jss_min:g}",
        "profile": "profile incomplete",
        "standing": "account hold or ToS violation",
        "negative_outcome": "a negative outcome (Rising Talent)",
    }
    if b.earnings_min_usd is not None:
        labels["earnings"] = f"12-month earnings below ${b.earnings_min_usd:,.0f}"
    if b.tenure_min_days is not None:
        labels["tenure"] = f"first contract under {b.tenure_min_days} days ago"
    if b.active_lookback_days is not None:
        labels["active"] = f"no activity in {b.active_lookback_days} days"
    if b.good_weeks_required is not None:
        labels["good_weeks"] = (
            f"fewer than {b.good_weeks_required} good weeks of {b.good_weeks_window}"
        )
    if b.top_rated_plus is not None:
        plus = b.top_rated_plus
        labels["earnings_plus"] = f"earnings not above ${plus.earnings_above_usd:,.0f} (Plus)"
        labels["large_contract"] = "no large contract (Plus)"
    if b.seed_article is not None:
        seed = b.seed_article
        labels["jobs"] = f"fewer than {seed.min_completed_jobs} completed jobs"
        labels["feedback"] = (
            f"feedback: mean < {seed.mean_public_rating_min:g}, a rating < "
            f"{seed.min_public_rating:g}, or none"
        )
        labels["jobs_or_feedback"] = f"{labels['jobs']}, or feedback"
    return labels


# ---------------------------------------------------------------------------
# churn
# ---------------------------------------------------------------------------


def last_seen(history: History, as_of: object = None) -> pd.Series:
    """Each freelancer's last sign of life: the latest contract start or end (an open
    contract: `as_of`), payment, or activity week (its Sunday).

    Indexed by ``freelancer_id`` (every freelancer with a contract), values
    ``datetime64[s]``; only dates up to `as_of` (default ``history.as_of``) count
    (NaT for a freelancer with nothing before it).
    """
    as_of = pd.Timestamp(history.as_of if as_of is None else as_of)
    c = history.contracts
    dates = [
        pd.DataFrame({"freelancer_id": c["freelancer_id"], "date": c["start_date"]}),
        pd.DataFrame({"freelancer_id": c["freelancer_id"], "date": c["end_date"].fillna(as_of)}),
    ]
    if history.payments is not None:
        p = history.payments
        dates.append(pd.DataFrame({"freelancer_id": p["freelancer_id"], "date": p["paid_date"]}))
    if history.activity is not None:
        a = history.activity
        dates.append(
            pd.DataFrame(
                {
                    "freelancer_id": a["freelancer_id"],
                    "date": a["week_start"] + pd.Timedelta(days=6),
                }
            )
        )
    seen = pd.concat(dates, ignore_index=True)
    seen = seen[seen["freelancer_id"].isin(c["freelancer_id"]) & (seen["date"] <= as_of)]
    out = seen.groupby("freelancer_id")["date"].max().reindex(history.freelancer_ids)
    return out.astype("datetime64[s]").rename("last_seen")


def churn_dates(
    history: History, as_of: object = None, gap_days: int = DEFAULT_CHURN_GAP_DAYS
) -> pd.Series:
    """When each freelancer left: their `last_seen` date when nothing follows it for
    `gap_days` up to `as_of`, else NaT (still there at the end of the data).

    Why: the data has no "account closed" event. A badge that ends after the
    freelancer stopped working ends because they left (the activity rule), not
    because the badge was hard to keep, so such spells are censored at churn.
    """
    as_of = pd.Timestamp(history.as_of if as_of is None else as_of)
    seen = last_seen(history, as_of)
    gone = seen + pd.Timedelta(days=gap_days) <= as_of
    return seen.where(gone).rename("churn_date")


# ---------------------------------------------------------------------------
# gains and losses
# ---------------------------------------------------------------------------


CHANGES = ("gained", "lost", "lost after leaving")


def badge_changes(events: pd.DataFrame, churn: pd.Series | None = None) -> pd.DataFrame:
    """The `status_events` rows that gain or lose the badge (Top Rated or Plus).

    Returns ``freelancer_id``, ``week``, ``change``, ``from_status``,
    ``to_status``, ``reasons``. ``change`` is ``"gained"``, ``"lost"``, or, with
    `churn` (`churn_dates`), ``"lost after leaving"`` for a loss after the
    freelancer's churn date (the badge lapsed because they stopped working).
    Moves between Top Rated and Plus, and Rising Talent coming and going, are not
    badge changes.
    """
    before = events["from_status"].isin(TOP_RATED_STATUSES).to_numpy()
    after = events["to_status"].isin(TOP_RATED_STATUSES).to_numpy()
    rows = events[before != after]
    gained = rows["to_status"].isin(TOP_RATED_STATUSES).to_numpy()
    left = np.zeros(len(rows), dtype=bool)
    if churn is not None:
        churned = rows["freelancer_id"].map(churn).astype("datetime64[s]")
        left = (churned < rows["week"]).to_numpy()
    change = np.where(gained, "gained", np.where(left, "lost after leaving", "lost"))
    return rows.assign(change=pd.Categorical(change, categories=list(CHANGES)))[
        ["freelancer_id", "week", "change", "from_status", "to_status", "reasons"]
    ].reset_index(drop=True)


def monthly_changes(events: pd.DataFrame, churn: pd.Series | None = None) -> pd.DataFrame:
    """Badge gains and losses per calendar month (from `status_events`), tidy.

    Returns ``month`` (first day, ``datetime64[s]``), ``change`` (see
    `badge_changes`; ``"lost after leaving"`` only with `churn`) and
    ``freelancers`` (how many changed that way that month), with a zero row for
    every month between the first and last change with none.
    """
    kinds = list(CHANGES) if churn is not None else list(CHANGES[:2])
    changes = badge_changes(events, churn)
    if changes.empty:
        return pd.DataFrame(
            {
                "month": pd.Series([], dtype="datetime64[s]"),
                "change": pd.Categorical([], categories=kinds),
                "freelancers": pd.Series([], dtype="int64"),
            }
        )
    month = changes["week"].dt.to_period("M").rename("month")
    counts = changes.groupby([month, changes["change"].astype(str)]).size()
    months = pd.period_range(month.min(), month.max(), freq="M")
    full = pd.MultiIndex.from_product([months, kinds], names=["month", "change"])
    out = counts.reindex(full, fill_value=0).rename("freelancers").reset_index()
    out["month"] = out["month"].dt.to_timestamp().astype("datetime64[s]")
    out["change"] = pd.Categorical(out["change"], categories=kinds)
    out["freelancers"] = out["freelancers"].astype("int64")
    return out


# ---------------------------------------------------------------------------
# spells and Kaplan-Meier input
# ---------------------------------------------------------------------------


def status_spells(
    status: pd.DataFrame, levels: tuple[str, ...] = TOP_RATED_STATUSES
) -> pd.DataFrame:
    """Runs of consecutive Sundays a freelancer holds one of `levels`.

    From a `status_grid` frame (one row per freelancer and Sunday, no gaps).
    Returns ``freelancer_id``, ``spell`` (1, 2, ... per freelancer), ``first_week``,
    ``last_week`` (last Sunday in the run), ``weeks`` (Sundays in the run) and
    ``exit_week``: the first Sunday without the status (NaT when the run lasts to
    the freelancer's last row, i.e. the end of the data).
    """
    s = status.sort_values(["freelancer_id", "week"], kind="stable")
    fid = s["freelancer_id"].to_numpy()
    week = s["week"].to_numpy()
    held = s["status"].isin(levels).to_numpy()
    new_fid = np.r_[True, fid[1:] != fid[:-1]] if len(s) else np.zeros(0, bool)
    prev_held = np.r_[False, held[:-1]] if len(s) else np.zeros(0, bool)
    starts = held & (new_fid | ~prev_held)
    run = np.cumsum(starts)
    columns = ["freelancer_id", "spell", "first_week", "last_week", "weeks", "exit_week"]
    if not held.any():
        return pd.DataFrame(
            {
                "freelancer_id": pd.Series([], dtype="str"),
                "spell": pd.Series([], dtype="int64"),
                "first_week": pd.Series([], dtype="datetime64[s]"),
                "last_week": pd.Series([], dtype="datetime64[s]"),
                "weeks": pd.Series([], dtype="int64"),
                "exit_week": pd.Series([], dtype="datetime64[s]"),
            }
        )[columns]
    rows = pd.DataFrame({"freelancer_id": fid[held], "run": run[held], "week": week[held]})
    spells = rows.groupby("run").agg(
        freelancer_id=("freelancer_id", "first"),
        first_week=("week", "min"),
        last_week=("week", "max"),
        weeks=("week", "size"),
    )
    # the run ends inside the data when the freelancer has a row the next Sunday
    last_row = s.groupby("freelancer_id")["week"].max()
    inside = spells["last_week"].to_numpy() < spells["freelancer_id"].map(last_row).to_numpy()
    spells["exit_week"] = (spells["last_week"] + WEEK).where(inside)
    spells["spell"] = spells.groupby("freelancer_id").cumcount() + 1
    out = spells.reset_index(drop=True)[columns]
    out["freelancer_id"] = out["freelancer_id"].astype("str")
    out["weeks"] = out["weeks"].astype("int64")
    for col in ("first_week", "last_week", "exit_week"):
        out[col] = out[col].astype("datetime64[s]")
    return out


def _churn_of(spells: pd.DataFrame, churn: pd.Series | None) -> pd.Series:
    if churn is None:
        return pd.Series(pd.NaT, index=spells.index, dtype="datetime64[s]")
    return spells["freelancer_id"].map(churn).astype("datetime64[s]")


def time_in_status(spells: pd.DataFrame, churn: pd.Series | None = None) -> pd.DataFrame:
    """Kaplan-Meier input for "how long does the badge last": one row per spell.

    Adds to `status_spells` ``duration_weeks`` (float), ``event`` (1 = the badge
    was lost, 0 = censored), ``censored_by`` (``"lost"``, ``"end of data"``,
    ``"churn"``) and ``group`` (``"first spell"`` / ``"after a regain"``).

    A spell that runs to the end of the data is censored after its last Sunday
    (``weeks``). A spell of a freelancer who churned (`churn_dates`) before the
    exit is censored at the churn date: losing the badge after leaving says
    nothing about keeping it.
    """
    churned = _churn_of(spells, churn)
    exit_week = spells["exit_week"]
    lost = exit_week.notna() & ~(churned < exit_week)
    at_churn = churned.notna() & ~lost & (churned < exit_week.fillna(spells["last_week"] + WEEK))
    weeks_to_churn = ((churned - spells["first_week"]).dt.days / 7).clip(lower=0)
    duration = np.where(at_churn, weeks_to_churn, spells["weeks"].astype(float))
    reason = np.where(lost, "lost", np.where(at_churn, "churn", "end of data"))
    group = np.where(spells["spell"] == 1, "first spell", "after a regain")
    return spells.assign(
        duration_weeks=duration.astype(float),
        event=lost.to_numpy().astype("int64"),
        censored_by=pd.Categorical(reason, categories=["lost", "end of data", "churn"]),
        group=pd.Categorical(group, categories=["first spell", "after a regain"]),
    )


def time_to_regain(
    spells: pd.DataFrame,
    status: pd.DataFrame,
    churn: pd.Series | None = None,
    events: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Kaplan-Meier input for "how long until the badge comes back": one row per loss.

    Only losses that `time_in_status` counts as events (not after churn). Returns
    ``freelancer_id``, ``lost_week`` (first Sunday without the badge),
    ``regained_week`` (first Sunday of the next spell, NaT when none),
    ``duration_weeks``, ``event`` (1 = regained, 0 = censored at the end of the
    data or at churn) and ``group``: ``"lost on JSS"`` when the JSS criterion
    failed on the loss Sunday (from `events` ``reasons``; without `events`, every
    loss is ``"all losses"``), else ``"lost on another criterion"``.
    """
    spans = time_in_status(spells, churn)
    losses = spans[spans["event"] == 1]
    following = spells[["freelancer_id", "spell", "first_week"]].assign(
        spell=lambda d: d["spell"] - 1
    )
    out = losses[["freelancer_id", "spell", "exit_week"]].merge(
        following.rename(columns={"first_week": "regained_week"}),
        on=["freelancer_id", "spell"],
        how="left",
    )
    last_row = status.groupby("freelancer_id")["week"].max()
    end = out["freelancer_id"].map(last_row).astype("datetime64[s]") + WEEK
    churned = _churn_of(out, churn)
    stop = end.where(~(churned < end), churned)
    regained = out["regained_week"].notna()
    until = out["regained_week"].where(regained, stop)
    duration = ((until - out["exit_week"]).dt.days / 7).clip(lower=0)
    if events is not None:
        lost_rows = badge_changes(events)
        lost_rows = lost_rows[lost_rows["change"] == "lost"][["freelancer_id", "week", "reasons"]]
        tagged = out.merge(
            lost_rows.rename(columns={"week": "exit_week"}),
            on=["freelancer_id", "exit_week"],
            how="left",
        )
        on_jss = tagged["reasons"].fillna("").str.split(";").apply(lambda r: "jss" in r)
        group = np.where(on_jss.to_numpy(dtype=bool), "lost on JSS", "lost on another criterion")
        categories = ["lost on JSS", "lost on another criterion"]
    else:
        group = np.full(len(out), "all losses")
        categories = ["all losses"]
    return pd.DataFrame(
        {
            "freelancer_id": out["freelancer_id"].astype("str"),
            "lost_week": out["exit_week"].astype("datetime64[s]"),
            "regained_week": out["regained_week"].astype("datetime64[s]"),
            "duration_weeks": duration.astype(float),
            "event": regained.astype("int64"),
            "group": pd.Categorical(group, categories=categories),
        }
    )


def km_curve(
    data: pd.DataFrame,
    duration: str = "duration_weeks",
    event: str = "event",
    by: str | None = "group",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Kaplan-Meier survival curves with pointwise confidence bands, tidy.

    Fits statsmodels' `SurvfuncRight` per group of `by` (groups with no rows are
    skipped). Returns ``group``, ``weeks`` (0, then each event time), ``survival``,
    ``ci_lower``, ``ci_upper`` (pointwise ``1 - alpha`` band on the log-log scale
    from the Greenwood standard error, which stays inside [0, 1]), ``at_risk``,
    ``n`` (rows in the group) and ``observed_weeks`` (the group's longest duration,
    event or censored: the curve says nothing beyond it). A group with no event is
    a flat line at 1.
    """
    from scipy.stats import norm
    from statsmodels.duration.survfunc import SurvfuncRight

    z = norm.ppf(1 - alpha / 2)
    groups = (
        [(g, d) for g, d in data.groupby(by, observed=True)] if by is not None else [("all", data)]
    )
    parts = []
    for name, d in groups:  # a handful of groups
        if d.empty:
            continue
        time = d[duration].to_numpy(dtype=float)
        status = d[event].to_numpy(dtype=float)
        weeks, surv, lo, hi, risk = [0.0], [1.0], [1.0], [1.0], [len(d)]
        if status.sum() > 0:
            sf = SurvfuncRight(time, status)
            s, se = sf.surv_prob, sf.surv_prob_se
            with np.errstate(divide="ignore", invalid="ignore"):
                log_s = np.log(s)
                theta = np.log(-log_s)
                se_theta = se / np.abs(s * log_s)
                lower = np.exp(-np.exp(theta + z * se_theta))
                upper = np.exp(-np.exp(theta - z * se_theta))
            lower = np.where(s >= 1, 1.0, np.where(s <= 0, 0.0, lower))
            upper = np.where(s >= 1, 1.0, np.where(s <= 0, 0.0, upper))
            weeks += list(sf.surv_times)
            surv += list(s)
            lo += list(np.nan_to_num(lower, nan=0.0))
            hi += list(np.nan_to_num(upper, nan=1.0))
            risk += list(sf.n_risk)
        parts.append(
            pd.DataFrame(
                {
                    "group": name,
                    "weeks": weeks,
                    "survival": surv,
                    "ci_lower": lo,
                    "ci_upper": hi,
                    "at_risk": np.asarray(risk, dtype="int64"),
                    "n": len(d),
                    "observed_weeks": float(time.max()),
                }
            )
        )
    if not parts:
        return pd.DataFrame(
            columns=[
                "group",
                "weeks",
                "survival",
                "ci_lower",
                "ci_upper",
                "at_risk",
                "n",
                "observed_weeks",
            ]
        )
    out = pd.concat(parts, ignore_index=True)
    if by is not None and isinstance(data[by].dtype, pd.CategoricalDtype):
        present = [c for c in data[by].cat.categories if c in set(out["group"])]
        out["group"] = pd.Categorical(out["group"], categories=present)
    return out


def km_median(data: pd.DataFrame, duration: str = "duration_weeks", event: str = "event"):
    """Kaplan-Meier median duration and its 95% interval (NaN where not reached).

    Returns ``(median, lower, upper)`` in the unit of `duration`; all NaN when
    there is no event.
    """
    from statsmodels.duration.survfunc import SurvfuncRight

    if data.empty or data[event].sum() == 0:
        return (np.nan, np.nan, np.nan)
    sf = SurvfuncRight(data[duration].to_numpy(float), data[event].to_numpy(float))
    with np.errstate(divide="ignore", invalid="ignore"):  # log(-log 1) at the curve's top
        lower, upper = sf.quantile_ci(0.5)
    return (float(sf.quantile(0.5)), float(lower), float(upper))


def median_text(median: float, lower: float = np.nan, upper: float = np.nan) -> str:
    """A `km_median` result in words: ``"78 weeks (95% CI 60-100)"``,
    ``"56 weeks (95% CI 24 or more)"``, ``"78 weeks"`` or ``"not reached"``."""
    if not np.isfinite(median):
        return "not reached"
    text = f"{median:.0f} weeks"
    if np.isfinite(lower) and np.isfinite(upper):
        return f"{text} (95% CI {lower:.0f}-{upper:.0f})"
    if np.isfinite(lower):
        return f"{text} (95% CI {lower:.0f} or more)"
    return text


def survival_at(curve: pd.DataFrame, weeks: float) -> pd.Series:
    """Each group's survival probability at `weeks` (the step function's value);
    NaN for a group observed for less than `weeks`."""
    upto = curve[curve["weeks"] <= weeks]
    value = upto.groupby("group", observed=True)["survival"].last()
    seen = curve.groupby("group", observed=True)["observed_weeks"].max()
    return value.where(seen.reindex(value.index) >= weeks)


# ---------------------------------------------------------------------------
# transitions and reasons
# ---------------------------------------------------------------------------


def transition_matrix(status: pd.DataFrame) -> pd.DataFrame:
    """Week-to-week status moves, row-normalised, tidy.

    Pairs each freelancer's Sunday with the next Sunday (7 days later) and counts
    the moves. Returns every (``from_status``, ``to_status``) pair of the four
    statuses with ``moves`` (int) and ``share`` (of the moves out of
    ``from_status``; NaN for a status never held).
    """
    s = status.sort_values(["freelancer_id", "week"], kind="stable")
    same = s["freelancer_id"].eq(s["freelancer_id"].shift(-1)).to_numpy()
    nxt = (s["week"].shift(-1) - s["week"]).eq(WEEK).to_numpy()
    pairs = same & nxt
    codes = s["status"].astype(STATUS_DTYPE).cat.codes.to_numpy()
    names = np.asarray(STATUSES, dtype=object)
    frm = names[codes[pairs]]
    to = names[np.r_[codes[1:], 0][pairs]] if len(codes) else names[codes]
    counts = (
        pd.DataFrame({"from_status": frm, "to_status": to})
        .value_counts()
        .reindex(
            pd.MultiIndex.from_product([STATUSES, STATUSES], names=["from_status", "to_status"]),
            fill_value=0,
        )
        .rename("moves")
        .reset_index()
    )
    totals = counts.groupby("from_status")["moves"].transform("sum")
    counts["share"] = counts["moves"] / totals.where(totals > 0)
    for col in ("from_status", "to_status"):
        counts[col] = pd.Categorical(counts[col], categories=list(STATUSES), ordered=True)
    return counts


def loss_reasons(events: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Which criteria failed when the badge was lost, tidy (from `status_events`).

    Two kinds of downgrade: ``"lost Top Rated"`` (from Top Rated or Plus to below
    Top Rated) and ``"Plus down to Top Rated"``. Returns ``kind``, ``reason`` (in
    words, `reason_labels` of `rules`), ``losses`` (downgrades that list it) and ``share`` of
    the downgrades of that kind; one downgrade can list several reasons, so the
    shares of a kind can add up to more than 1.
    """
    frm = events["from_status"].astype(STATUS_DTYPE)
    to = events["to_status"].astype(STATUS_DTYPE)
    lost = frm.isin(TOP_RATED_STATUSES) & ~to.isin(TOP_RATED_STATUSES)
    plus_down = (frm == "top_rated_plus") & (to == "top_rated")
    rows = events[(lost | plus_down).to_numpy()]
    if rows.empty:
        return pd.DataFrame(
            {
                "kind": pd.Categorical([], categories=[LOST_TOP_RATED, PLUS_TO_TOP_RATED]),
                "reason": pd.Series([], dtype="str"),
                "losses": pd.Series([], dtype="int64"),
                "share": pd.Series([], dtype="float64"),
            }
        )
    kind = np.where(lost[lost | plus_down].to_numpy(), LOST_TOP_RATED, PLUS_TO_TOP_RATED)
    rows = rows.assign(kind=kind)
    totals = rows.groupby("kind").size()
    exploded = rows.assign(reason=rows["reasons"].str.split(";")).explode("reason")
    exploded = exploded[exploded["reason"].fillna("") != ""]
    out = exploded.groupby(["kind", "reason"]).size().rename("losses").reset_index()
    out["share"] = out["losses"] / out["kind"].map(totals)
    labels = reason_labels(rules)
    out["reason"] = out["reason"].map(lambda r: labels.get(r, r))
    out["kind"] = pd.Categorical(out["kind"], categories=[LOST_TOP_RATED, PLUS_TO_TOP_RATED])
    return out.sort_values(["kind", "losses"], ascending=[True, False]).reset_index(drop=True)


# ---------------------------------------------------------------------------
# two rule sets side by side
# ---------------------------------------------------------------------------


def completed_jobs(history: History, weeks: pd.DataFrame) -> pd.Series:
    """Completed jobs (``end_date <= week`` and ``earnings_usd > 0``) on each row of
    `weeks` (``freelancer_id, week``), aligned to its index: the seed article's
    "10 completed jobs" count, by one sorted merge."""
    c = history.contracts
    done = c[c["end_date"].notna() & (c["earnings_usd"] > 0)]
    ends = pd.DataFrame(
        {"freelancer_id": done["freelancer_id"].astype("str"), "date": done["end_date"], "add": 1}
    )
    asks = pd.DataFrame(
        {
            "freelancer_id": weeks["freelancer_id"].astype("str").to_numpy(),
            "date": weeks["week"].to_numpy(),
            "add": 0,
            "row": np.arange(len(weeks)),
        }
    )
    # an end on the Sunday itself counts: ends sort before the question that day
    both = pd.concat([ends.assign(row=-1, order=0), asks.assign(order=1)], ignore_index=True)
    both = both.sort_values(["freelancer_id", "date", "order"], kind="stable")
    both["jobs"] = both.groupby("freelancer_id")["add"].cumsum()
    answers = both[both["row"] >= 0].sort_values("row")["jobs"].to_numpy()
    return pd.Series(answers.astype("int64"), index=weeks.index, name="completed_jobs")


def compare_rule_sets(
    upwork: pd.DataFrame,
    seed: pd.DataFrame,
    history: History,
    upwork_rules: Rules,
    seed_rules: Rules,
    churn: pd.Series | None = None,
) -> pd.DataFrame:
    """Both rule sets' status on every freelancer-Sunday, and why they disagree.

    `upwork` and `seed` are `status_grid` frames of the same history and weeks
    under an ``upwork`` and a ``seed-article`` model. Returns ``freelancer_id``,
    ``week``, ``active`` (the freelancer has not churned by that Sunday),
    ``top_upwork`` and ``top_seed`` (badge under each), ``completed_jobs`` and
    ``why``: for a row badged under exactly one rule set, the criteria of the
    other that fail, in words (`reason_labels`), joined by ``"; "`` (upwork: the
    good-week count, earnings, tenure, profile, activity, JSS, standing; seed:
    completed jobs, JSS, standing, else the feedback criterion, which is the only
    one left), empty otherwise.
    """
    keys = ["freelancer_id", "week"]
    merged = upwork.merge(seed, on=keys, suffixes=("", "_seed"), how="inner")
    top_u = merged["status"].isin(TOP_RATED_STATUSES).to_numpy()
    top_s = merged["status_seed"].isin(TOP_RATED_STATUSES).to_numpy()
    jobs = completed_jobs(history, merged)
    churned = merged["freelancer_id"].map(churn) if churn is not None else None
    active = (
        np.ones(len(merged), bool)
        if churned is None
        else ~(churned.astype("datetime64[s]") < merged["week"]).to_numpy()
    )

    def fails(col: str) -> np.ndarray:
        return ~merged[col].fillna(True).to_numpy(dtype=bool)

    why = np.full(len(merged), "", dtype=object)

    def add(mask: np.ndarray, label: str) -> None:
        nonlocal why
        why = np.where(mask, np.where(why == "", label, why + "; " + label), why)

    only_seed = top_s & ~top_u
    up = reason_labels(upwork_rules)
    required = upwork_rules.badges.good_weeks_required or 0
    gw = merged["good_weeks_16"].astype("Int64").fillna(required).to_numpy(dtype="int64")
    add(only_seed & (gw < required), up.get("good_weeks", "good weeks"))
    for name in ("earnings", "tenure", "profile", "active", "jss", "standing"):
        add(only_seed & fails(f"{name}_ok"), up.get(name, name))
    only_up = top_u & ~top_s
    sd = reason_labels(seed_rules)
    few = jobs.to_numpy() < seed_rules.badges.seed_article.min_completed_jobs
    seed_jss = fails("jss_ok_seed")
    seed_standing = fails("standing_ok_seed")
    add(only_up & few, sd["jobs"])
    add(only_up & seed_jss, sd["jss"])
    add(only_up & seed_standing, sd["standing"])
    add(only_up & ~few & ~seed_jss & ~seed_standing, sd["feedback"])
    return pd.DataFrame(
        {
            "freelancer_id": merged["freelancer_id"].astype("str"),
            "week": merged["week"],
            "active": active,
            "top_upwork": top_u,
            "top_seed": top_s,
            "completed_jobs": jobs.to_numpy(),
            "why": pd.array(why.astype(str), dtype="str"),
        }
    )


def monthly_top_rated_share(
    compared: pd.DataFrame, names: tuple[str, str] = ("upwork-2025", "seed-article")
) -> pd.DataFrame:
    """Share of active freelancers with the badge per month under each rule set, tidy.

    The share is over active freelancer-Sundays of the month (the mean of the
    weekly shares, weighted by freelancers). Returns ``month``, ``rules`` (the
    two `names`), ``share`` and ``active`` (freelancer-Sundays in the month).
    """
    rows = compared[compared["active"]]
    month = rows["week"].dt.to_period("M").dt.to_timestamp().astype("datetime64[s]")
    grouped = rows.groupby(month.rename("month"))
    wide = pd.DataFrame(
        {
            names[0]: grouped["top_upwork"].mean(),
            names[1]: grouped["top_seed"].mean(),
            "active": grouped.size(),
        }
    ).reset_index()
    long = wide.melt(
        id_vars=["month", "active"], value_vars=list(names), var_name="rules", value_name="share"
    )
    long["rules"] = pd.Categorical(long["rules"], categories=list(names))
    return long[["month", "rules", "share", "active"]]


def rule_set_crosstab(
    compared: pd.DataFrame, names: tuple[str, str] = ("upwork-2025", "seed-article")
) -> pd.DataFrame:
    """Active freelancer-Sundays by badge under each rule set: counts and shares.

    A 2 x 2 table (rows: the first rule set, columns: the second; ``Top Rated`` /
    ``no badge``) with the count and, in parentheses, the share of all active
    freelancer-Sundays, as text for display.
    """
    rows = compared[compared["active"]]
    label = {True: "Top Rated", False: "no badge"}
    table = pd.crosstab(
        rows["top_upwork"].map(label).rename(names[0]),
        rows["top_seed"].map(label).rename(names[1]),
    ).reindex(index=["Top Rated", "no badge"], columns=["Top Rated", "no badge"], fill_value=0)
    total = max(int(table.to_numpy().sum()), 1)
    return table.map(lambda n: f"{n:,} ({n / total:.1%})")


def disagreement_reasons(
    compared: pd.DataFrame, names: tuple[str, str] = ("upwork-2025", "seed-article")
) -> pd.DataFrame:
    """Why the rule sets disagree, tidy: one row per (side, reason).

    ``side`` is ``"only <name>"`` for rows badged under that rule set alone;
    ``reason`` a failing criterion of the other (from ``why``); ``weeks`` the
    active freelancer-Sundays that list it and ``share`` of that side's rows
    (several reasons can be listed, so shares can add up to more than 1).
    """
    rows = compared[compared["active"] & (compared["top_upwork"] != compared["top_seed"])]
    if rows.empty:
        return pd.DataFrame(
            {
                "side": pd.Series([], dtype="str"),
                "reason": pd.Series([], dtype="str"),
                "weeks": pd.Series([], dtype="int64"),
                "share": pd.Series([], dtype="float64"),
            }
        )
    side = np.where(rows["top_upwork"], f"only {names[0]}", f"only {names[1]}")
    rows = rows.assign(side=side)
    totals = rows.groupby("side").size()
    exploded = rows.assign(reason=rows["why"].str.split("; ")).explode("reason")
    out = exploded.groupby(["side", "reason"]).size().rename("weeks").reset_index()
    out["share"] = out["weeks"] / out["side"].map(totals)
    return out.sort_values(["side", "weeks"], ascending=[True, False]).reset_index(drop=True)


# ---------------------------------------------------------------------------
# shared by reports 02 and 07: the stage's spells and the two rule sets side by side
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Badges:
    """The badge's life on one history (reports 02 and 07): who left and when
    (``churn``), the badge spells, the losses followed until the badge came back
    (``regain``, see `time_to_regain`), and both bundled rule sets side by side
    (``compared``, see `compare_rule_sets`; ``names`` = (Upwork's, the seed
    article's), ``upwork_rules``, ``seed_rules``)."""

    churn: pd.Series
    spells: pd.DataFrame
    regain: pd.DataFrame
    compared: pd.DataFrame
    names: tuple[str, str]
    upwork_rules: Rules
    seed_rules: Rules


def badges(stage: Any, churn_gap_days: int = DEFAULT_CHURN_GAP_DAYS) -> Badges:
    """`Badges` from a computed stage (`analysis.report.stage.Stage`): its status
    under its rules and under the other bundled rule set, put in the order
    (Upwork's model, the seed article's) whichever the report was run with."""
    end = stage.settings.get("as_of") or stage.history.as_of
    churn = churn_dates(stage.history, as_of=end, gap_days=churn_gap_days)
    spells = status_spells(stage.status)
    regain = time_to_regain(spells, stage.status, churn, stage.events)
    if stage.rules.badges.model == "upwork":
        up, up_rules, seed, seed_rules = (stage.status, stage.rules, stage.other_status,
                                          stage.other_rules)  # fmt: skip
    else:
        up, up_rules, seed, seed_rules = (stage.other_status, stage.other_rules, stage.status,
                                          stage.rules)  # fmt: skip
    compared = compare_rule_sets(up, seed, stage.history, up_rules, seed_rules, churn)
    return Badges(churn, spells, regain, compared, (up_rules.name, seed_rules.name), up_rules,
                  seed_rules)  # fmt: skip


# ---------------------------------------------------------------------------
# report 02 in words: titles and sentences computed from the frames above
# ---------------------------------------------------------------------------


def changes_title(monthly: pd.DataFrame) -> str | None:
    """Title of the monthly gains/losses chart (None when nothing changed)."""
    totals = monthly.groupby("change", observed=False)["freelancers"].sum()
    if totals.sum() == 0:
        return None
    losses = totals.get("lost", 0) + totals.get("lost after leaving", 0)
    return (
        f"{totals.get('gained', 0):,} gains, {losses:,} losses; "
        f"{totals.get('lost after leaving', 0) / max(losses, 1):.0%} of losses come after "
        "the freelancer left"
    )


def spells_title(in_status: pd.DataFrame) -> str:
    """Title of the time-in-status curve: the median spell, or that it outlasts the data."""
    median = km_median(in_status)
    if np.isfinite(median[0]):
        return f"Half of badge spells end within {median_text(*median)}"
    return f"Over half of badge spells outlast the {in_status['duration_weeks'].max():.0f} weeks observed"


def spells_lines(in_status: pd.DataFrame, curve: pd.DataFrame) -> str:
    """How the spells ended, and the share still holding the badge after a year."""
    why = in_status["censored_by"].value_counts()
    text = (
        f"{len(in_status):,} spells: {why.get('lost', 0):,} ended in a loss, "
        f"{why.get('end of data', 0):,} were still running at the end of the data and "
        f"{why.get('churn', 0):,} were cut short by the freelancer leaving."
    )
    year = survival_at(curve, 52).dropna()
    if len(year):
        text += "\nStill holding the badge after 52 weeks: " + ", ".join(
            f"{g} {v:.0%}" for g, v in year.items()
        ) + "."  # fmt: skip
    return text


def regain_title(regain: pd.DataFrame) -> str:
    """Title of the time-to-regain curve, with each group's median on a second line."""
    median = km_median(regain)[0]
    title = (
        f"Half of lost badges come back within {median:.0f} weeks"
        if np.isfinite(median)
        else f"Fewer than half of lost badges come back within "
        f"{regain['duration_weeks'].max():.0f} weeks"
    )
    groups = {g: km_median(rows)[0] for g, rows in regain.groupby("group", observed=True)}
    if len(groups) > 1:
        title += "\n" + "; ".join(
            f"{g}: {f'{m:.0f} weeks' if np.isfinite(m) else 'not reached'}"
            for g, m in groups.items()
        )
    return title


def regain_lines(regain: pd.DataFrame) -> str:
    """Per group: losses, how many were regained, the median wait."""
    return "\n".join(
        f"{group}: {len(rows):,} losses, {rows['event'].sum():,} regained, median "
        f"{median_text(*km_median(rows))}."
        for group, rows in regain.groupby("group", observed=True)
    )


def sticky_title(matrix: pd.DataFrame) -> str | None:
    """Title of the transition heatmap: the share of badge weeks kept the next week
    (None when no freelancer has two consecutive Sundays)."""
    if matrix["moves"].sum() == 0:
        return None
    held = matrix[matrix["from_status"].isin(TOP_RATED_STATUSES)]
    kept = held[held["to_status"].isin(TOP_RATED_STATUSES)]["moves"].sum()
    if held["moves"].sum() == 0:
        return "No freelancer held the badge: every move is below Top Rated"
    return f"The badge is sticky: {kept / held['moves'].sum():.1%} of badge weeks keep it next week"


def loss_title(reasons: pd.DataFrame) -> str:
    """Title of the loss-reason bars: the commonest reason of an outright loss."""
    full = reasons[reasons["kind"] == LOST_TOP_RATED]
    if full.empty:
        return "No badge was lost outright; only Plus was"
    return f"{full.iloc[0]['reason']} is behind {full.iloc[0]['share']:.0%} of badge losses"


def active_losses_line(events: pd.DataFrame, churn: pd.Series, rules: Rules) -> str:
    """The reasons of the losses of freelancers who were still working, in words."""
    from analysis.stories.mechanics import criteria_counts

    active = badge_changes(events, churn)
    active = active[active["change"] == "lost"]
    labels = reason_labels(rules)
    counts = criteria_counts(active["reasons"])
    if not len(counts):
        return "No freelancer who was still working lost the badge."
    return (
        f"{len(active):,} losses by freelancers who were still working: "
        + ", ".join(f"{labels.get(k, k)} {v / len(active):.0%}" for k, v in counts.items())
        + "."
    )


def rule_share_title(share: pd.DataFrame, names: tuple[str, str]) -> str:
    """Title of the monthly badge-share lines: both rule sets' share in the last month."""
    last = share[share["month"] == share["month"].max()].set_index("rules")["share"]
    return (
        f"In {share['month'].max():%b %Y}: {names[0]} badges {last[names[0]]:.0%} of "
        f"active freelancers, {names[1]} {last[names[1]]:.0%}"
    )


def disagreement_title(why: pd.DataFrame) -> str:
    """Title of the disagreement bars: each side's main reason."""
    first = why.groupby("side").head(1)
    return "\n".join(
        f"{r.side.capitalize()}: mostly {r.reason} ({r.share:.0%})" for r in first.itertuples()
    )


def disagreement_lines(compared: pd.DataFrame, why: pd.DataFrame, names: tuple[str, str]) -> str:
    """How often the rule sets disagree, and on which criteria, in words."""
    sides = compared[compared["active"] & (compared["top_upwork"] != compared["top_seed"])]
    lines = [
        f"The rule sets disagree on {len(sides):,} active freelancer-Sundays: "
        f"{sides['top_upwork'].sum():,} badged only under {names[0]}, "
        f"{(~sides['top_upwork']).sum():,} only under {names[1]}."
    ]
    for side, rows in why.groupby("side", sort=False):
        lines.append(
            f"Badged {side}; the other rule set fails on: "
            + "; ".join(
                f"{r} ({v:.0%})" for r, v in zip(rows["reason"], rows["share"], strict=True)
            )
            + "."
        )
    return "\n".join(lines)


def gained_lost_finding(life: Badges, monthly: pd.DataFrame, in_status: pd.DataFrame,
                        reasons: pd.DataFrame) -> str:  # fmt: skip
    """Report 02's finding: gains and losses, spell length, regain, the commonest
    reason, the two rule sets; or that nobody held the badge."""
    parts = []
    totals = monthly.groupby("change", observed=False)["freelancers"].sum()
    if totals.sum() > 0:
        losses = totals.get("lost", 0) + totals.get("lost after leaving", 0)
        parts.append(f"{totals.get('gained', 0):,} badge gains and {losses:,} losses")
    if not in_status.empty:
        m = km_median(in_status)[0]
        parts.append(
            f"half of badge spells end within {m:.0f} weeks"
            if np.isfinite(m)
            else "more than half of badge spells outlast the data"
        )
    if not life.regain.empty:
        m = km_median(life.regain)[0]
        parts.append(
            f"half of lost badges return within {m:.0f} weeks"
            if np.isfinite(m)
            else "fewer than half of lost badges return"
        )
    full = reasons[reasons["kind"] == LOST_TOP_RATED]
    if len(full):
        top = full.iloc[0]
        parts.append(f"the commonest reason for a loss is {top['reason']} ({top['share']:.0%})")
    both = life.compared[life.compared["active"]]
    if len(both):
        parts.append(
            f"the seed article's rules badge {both['top_seed'].mean():.0%} of active "
            f"freelancer-weeks against {both['top_upwork'].mean():.0%} under {life.names[0]}"
        )
    if not parts:
        return "No freelancer held the badge in this history."
    text = "; ".join(parts) + "."
    return text[0].upper() + text[1:]


def shown_agreement(panel: pd.DataFrame | None) -> pd.DataFrame:
    """How often the engine's reconstruction of the shown badge agrees with the
    badge the marketplace showed (activity.csv ``status_shown``), per shown status.

    One row per observed status (``status_shown``) plus ``all``: ``weeks`` with an
    observed badge, ``agree`` (the engine's status for the week, the Sunday before
    it, is the same), ``share`` (agree / weeks). Empty when no week has an observed
    badge. A low share says the rules as read (the engine's rule set) are not the
    rules the marketplace awards by: a way to test a reading of the rules.
    """
    cols = ["status_shown", "weeks", "agree", "share"]
    if panel is None or "status_observed" not in panel or not panel["status_observed"].any():
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in
                             zip(cols, ["str", "int64", "int64", "float64"], strict=True)})  # fmt: skip
    obs = panel.loc[panel["status_observed"].to_numpy(dtype=bool)]
    shown = obs["status_shown"].astype("str")
    same = (shown == obs["status_engine"].astype("str")).to_numpy()
    per = pd.DataFrame({"status_shown": shown.to_numpy(), "agree": same})
    out = per.groupby("status_shown", sort=True)["agree"].agg(weeks="size", agree="sum")
    out.loc["all"] = [len(per), int(same.sum())]
    out = out.reset_index().astype({"weeks": "int64", "agree": "int64"})
    return out.assign(share=out["agree"] / out["weeks"])[cols]


def agreement_line(table: pd.DataFrame) -> str:
    """One sentence on `shown_agreement`."""
    if len(table) == 0:
        return (
            "This history does not record the badge the marketplace showed (activity.csv "
            "status_shown), so the engine's reconstruction cannot be checked against it."
        )
    total = table.set_index("status_shown").loc["all"]
    return (
        f"The engine's reconstruction matches the shown badge in {total['share']:.1%} of "
        f"{int(total['weeks']):,} freelancer-weeks with an observed badge."
    )
