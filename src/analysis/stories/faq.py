"""The seed article's FAQ checked against a history: the building blocks of story 07.

The seed article ("Is Top Rated freelancer status on Upwork really worth it" [S32])
states the badge's criteria (JSS 90+, at least 10 completed jobs, consistently
high feedback, good standing; the ``seed-article`` rule set) and answers a few
questions: does the badge bring visibility, client trust, more invitations; what
happens when it is lost; can it be won back. This module turns the weekly status
grids (`analysis.engine.status`) and the freelancer-week panel (`analysis.estimate.effects.weekly_panel`)
into the numbers behind each answer, and `verdict` turns a number with its 95%
interval into "supports" / "contradicts" / "cannot decide" by one written rule.

Speed. `badge_lift` fits only the pooled Poisson model of
`analysis.estimate.effects.event_study` (the same model and clean-comparison sample, with
the JSS bins absorbed as a fixed effect, which gives the same coefficient), not
the event-time dummies, and can cap the never-treated comparison group; the full
event study takes minutes on the bundled sample, this a few seconds. Everything
else is grouped pandas, no loop per freelancer.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.engine.status import TOP_RATED_STATUSES
from analysis.estimate.effects import (
    WINDOW,
    Z95,
    badge_lift,
)

SUPPORTS = "supports"
CONTRADICTS = "contradicts"
UNDECIDED = "cannot decide"
#: Event-time ranges (inclusive) compared by default: 12 weeks before, 16 from the event.
BEFORE = (-12, -1)
AFTER = (0, 15)
#: JSS bin edges of the model controls (as in `analysis.estimate.effects.JSS_BIN_EDGES`).


# ---------------------------------------------------------------------------
# verdicts and shares
# ---------------------------------------------------------------------------


def verdict(estimate: float, ci_low: float, ci_high: float, claim: str = "above",
            null: float = 1.0) -> str:  # fmt: skip
    """The data's answer to a claim, from an estimate and its 95% interval.

    `claim` says on which side of `null` the claim puts the quantity (``"above"``:
    e.g. "the badge raises invitations", a lift above 1; ``"below"``). Rule:
    ``"supports"`` when the whole interval lies on the claimed side of `null`,
    ``"contradicts"`` when it lies wholly on the other side, ``"cannot decide"``
    when it contains `null` or any of the three numbers is missing. An interval
    that touches `null` exactly cannot decide. Why intervals, not the point
    estimate: a lift of 1.05 with an interval of [0.9, 1.2] is no evidence either way.
    """
    if claim not in ("above", "below"):
        raise ValueError("claim must be 'above' or 'below'")
    values = (estimate, ci_low, ci_high)
    if any(v is None or not math.isfinite(float(v)) for v in values):
        return UNDECIDED
    above, below = ci_low > null, ci_high < null
    if claim == "below":
        above, below = below, above
    return SUPPORTS if above else CONTRADICTS if below else UNDECIDED


def share_ci(k: int, n: int) -> tuple[float, float, float]:
    """Share ``k / n`` with its 95% Wilson score interval; all NaN when ``n == 0``.

    Wilson rather than the normal approximation so that shares near 0 or 1 (the
    "does it *guarantee* ..." questions) keep an interval inside [0, 1].
    """
    if n <= 0:
        return (math.nan, math.nan, math.nan)
    p = k / n
    z2 = Z95**2
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return (p, max(0.0, centre - half), min(1.0, centre + half))


# ---------------------------------------------------------------------------
# 1. the criteria
# ---------------------------------------------------------------------------


def qualification_crosstab(status_a: pd.DataFrame, status_b: pd.DataFrame,
                           names: tuple[str, str] = ("a", "b")) -> pd.DataFrame:  # fmt: skip
    """Freelancer-Sundays by badge under two rule sets, tidy.

    `status_a` and `status_b` are `status_grid` frames (``freelancer_id, week,
    status``); only the rows present in both count. Returns one row per
    combination, in the order (badge, badge), (badge, none), (none, badge),
    (none, none): ``top_<name0>``, ``top_<name1>`` (bool), ``weeks`` (count) and
    ``share`` of all compared rows (0 when there are none). "Badge" is Top Rated
    or Top Rated Plus. Why: the seed article's four criteria and Upwork's seven
    pick different freelancers; the off-diagonal cells say how many.
    """
    keys = ["freelancer_id", "week"]
    both = status_a[[*keys, "status"]].merge(
        status_b[[*keys, "status"]], on=keys, suffixes=("_a", "_b"), how="inner"
    )
    a = both["status_a"].isin(TOP_RATED_STATUSES).to_numpy()
    b = both["status_b"].isin(TOP_RATED_STATUSES).to_numpy()
    cells = [(True, True), (True, False), (False, True), (False, False)]
    counts = [int(((a == x) & (b == y)).sum()) for x, y in cells]
    total = sum(counts)
    return pd.DataFrame(
        {
            f"top_{names[0]}": [x for x, _ in cells],
            f"top_{names[1]}": [y for _, y in cells],
            "weeks": pd.Series(counts, dtype="int64"),
            "share": [c / total if total else 0.0 for c in counts],
        }
    )


def few_jobs_share(compared: pd.DataFrame, min_jobs: int = 10) -> pd.Series:
    """How many badge holders under Upwork's rules have fewer than `min_jobs` jobs.

    `compared` comes from `analysis.stories.transitions.compare_rule_sets` (``active``,
    ``top_upwork``, ``completed_jobs``, ``freelancer_id``). Over the active
    freelancer-Sundays with the Upwork badge: ``weeks``, ``few_jobs_weeks`` (fewer
    than `min_jobs` completed jobs that Sunday), ``share`` with its Wilson interval
    (``ci_low``, ``ci_high``), and ``freelancers`` / ``few_jobs_freelancers``
    (freelancers with at least one such week). Why: the seed article's "at least 10
    completed jobs" is not among Upwork's criteria [S20-S23]; if the rule mattered,
    a share near zero would show it is implied by the others anyway.
    """
    rows = compared[compared["active"] & compared["top_upwork"]]
    few = rows["completed_jobs"].to_numpy() < min_jobs
    share, lo, hi = share_ci(int(few.sum()), len(rows))
    return pd.Series(
        {
            "weeks": len(rows),
            "few_jobs_weeks": int(few.sum()),
            "share": share,
            "ci_low": lo,
            "ci_high": hi,
            "freelancers": int(rows["freelancer_id"].nunique()),
            "few_jobs_freelancers": int(rows.loc[few, "freelancer_id"].nunique()),
        }
    )


# ---------------------------------------------------------------------------
# 2-5. the panel: per-freelancer changes, lifts, hire rates
# ---------------------------------------------------------------------------


def has_activity(history) -> bool:
    """True when the history has ``activity.csv`` with weekly invitations (the
    panel, and every section about invitations, views or hires, needs it)."""
    act = history.activity
    return act is not None and len(act) > 0 and "invitations" in act


def per_freelancer_change(panel: pd.DataFrame, outcome: str = "invitations",
                          before: tuple[int, int] = BEFORE, after: tuple[int, int] = AFTER,
                          event: str = "gain") -> pd.DataFrame:  # fmt: skip
    """Each freelancer's mean `outcome` per week before and after their first gain
    (or first loss, ``event="loss"``) of the badge.

    `before` and `after` are inclusive event-time ranges (0 = first week the new
    status is shown; see `analysis.estimate.effects.weekly_panel`). Only freelancers with
    the event and at least one finite week in each range count. Returns
    ``freelancer_id``, ``weeks_before``, ``weeks_after``, ``mean_before``,
    ``mean_after``, ``change`` (after minus before) and ``rose`` (after > before),
    sorted by freelancer. Why: the average lift hides the spread; "does the badge
    guarantee more invitations" is a question about each freelancer, not the mean.
    The change is raw (no comparison group), so it also holds the season and each
    freelancer's own trend.
    """
    col = "event_time" if event == "gain" else "event_time_loss"
    if event not in ("gain", "loss"):
        raise ValueError("event must be 'gain' or 'loss'")
    et = panel[col].to_numpy(dtype=np.float64, na_value=np.nan)
    y = panel[outcome].to_numpy(dtype=np.float64)
    side = np.where((et >= before[0]) & (et <= before[1]), 0,
                    np.where((et >= after[0]) & (et <= after[1]), 1, -1))  # fmt: skip
    keep = (side >= 0) & np.isfinite(y)
    data = pd.DataFrame(
        {"freelancer_id": panel["freelancer_id"].to_numpy()[keep], "side": side[keep], "y": y[keep]}
    )
    agg = data.groupby(["freelancer_id", "side"])["y"].agg(["size", "mean"]).unstack("side")
    columns = ["freelancer_id", "weeks_before", "weeks_after", "mean_before", "mean_after",
               "change", "rose"]  # fmt: skip
    if agg.empty or agg.columns.get_level_values("side").nunique() < 2:
        return pd.DataFrame(
            {
                c: pd.Series(dtype=t)
                for c, t in zip(
                    columns,
                    ["str", "int64", "int64", "float64", "float64", "float64", "bool"],
                    strict=True,
                )
            }  # fmt: skip
        )
    agg = agg.dropna()
    out = pd.DataFrame(
        {
            "freelancer_id": agg.index.astype("str"),
            "weeks_before": agg[("size", 0)].to_numpy(dtype="int64"),
            "weeks_after": agg[("size", 1)].to_numpy(dtype="int64"),
            "mean_before": agg[("mean", 0)].to_numpy(),
            "mean_after": agg[("mean", 1)].to_numpy(),
        }
    )
    out["change"] = out["mean_after"] - out["mean_before"]
    out["rose"] = out["change"] > 0
    return out.sort_values("freelancer_id").reset_index(drop=True)


def event_time_means(panel: pd.DataFrame, outcomes: tuple[str, ...] = ("invitations",),
                     event: str = "gain", window: tuple[int, int] = WINDOW) -> pd.DataFrame:  # fmt: skip
    """Mean of each outcome per week around the first gain (or loss) of the badge,
    over the freelancers with that event, tidy for `analysis.report.plots.event_time_panels`.

    Returns ``event_time`` (in `window`, inclusive), ``variable``, ``mean``, ``sem``
    (standard error of the mean; 0 with one value) and ``n`` (freelancer-weeks).
    Raw means, no comparison group: they show the shape, the model gives the size.
    """
    col = "event_time" if event == "gain" else "event_time_loss"
    et = panel[col].to_numpy(dtype=np.float64, na_value=np.nan)
    keep = (et >= window[0]) & (et <= window[1])
    long = (
        pd.DataFrame(
            {"event_time": et[keep].astype("int64")}
            | {o: panel[o].to_numpy(dtype=np.float64)[keep] for o in outcomes}
        )  # fmt: skip
        .melt(id_vars="event_time", var_name="variable", value_name="value")
        .dropna(subset=["value"])
    )
    out = (
        long.groupby(["variable", "event_time"])["value"]
        .agg(mean="mean", sem="sem", n="size")
        .reset_index()
    )
    out["sem"] = out["sem"].fillna(0.0)
    return out[["event_time", "variable", "mean", "sem", "n"]]


def mean_before(means: pd.DataFrame, variable: str, weeks: tuple[int, int] = BEFORE) -> float:
    """Mean of `variable` over the event times in `weeks` of `event_time_means` (NaN
    when none): e.g. the JSS in the 12 weeks before the badge appears."""
    rows = means[(means["variable"] == variable) & means["event_time"].between(*weeks)]
    return float(rows["mean"].mean()) if len(rows) else float("nan")


def hire_rates(panel: pd.DataFrame) -> pd.DataFrame:
    """Hires per application (invitations + proposals) with and without the badge,
    over the freelancers who held it at some point.

    One row per ``badge`` (``"Top Rated"``, ``"no badge"``): ``weeks``, ``hires``,
    ``applications`` and ``hire_rate`` (hires / applications, NaN with none).
    Restricted to ever-badged freelancers so the comparison is mostly the same
    people with and without the badge. Descriptive: it has no comparison group
    and no controls (see `analysis.estimate.effects.hire_rate_lift` for the model).
    """
    ever = panel["cohort_week"].notna().to_numpy()
    sub = panel.loc[ever]
    hires = sub["hires"].to_numpy(dtype=np.float64)
    apps = sub["invitations"].to_numpy(dtype=np.float64) + sub["proposals"].to_numpy(
        dtype=np.float64
    )
    ok = np.isfinite(hires) & np.isfinite(apps)
    badge = np.where(sub["top_rated"].to_numpy(dtype=bool), "Top Rated", "no badge")[ok]
    data = pd.DataFrame({"badge": badge, "hires": hires[ok], "applications": apps[ok]})
    out = (
        data.groupby("badge")
        .agg(weeks=("hires", "size"), hires=("hires", "sum"), applications=("applications", "sum"))
        .reindex(["Top Rated", "no badge"], fill_value=0)
        .reset_index()
    )
    out["weeks"] = out["weeks"].astype("int64")
    rate = out["hires"] / out["applications"].where(out["applications"] > 0)
    return out.assign(hire_rate=rate.astype("float64"))


__all__ = [
    "AFTER",
    "BEFORE",
    "CONTRADICTS",
    "SUPPORTS",
    "UNDECIDED",
    "badge_lift",
    "event_time_means",
    "few_jobs_share",
    "has_activity",
    "hire_rates",
    "per_freelancer_change",
    "qualification_crosstab",
    "share_ci",
    "verdict",
]


# ---------------------------------------------------------------------------
# the checks of report 07: each returns the verdict row and what the page shows
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One claim checked: the section, the claim, the verdict and the number behind it."""

    section: str
    claim: str
    verdict: str
    number: str

    def __str__(self) -> str:
        return f"Verdict: the data {self.verdict} the claim. {self.number}"


def lift_check(section: str, claim: str, row: Mapping[str, Any], what: str,
               planted: float | None = None) -> Check:  # fmt: skip
    """The "fit, verdict, record" step of a lift: the claim "the badge raises it" is
    supported when the whole 95% interval of `row` (an effects row of the stage)
    lies above 1. A row that could not be estimated cannot decide, and says why."""
    est, lo, hi = row["estimate"], row["ci_low"], row["ci_high"]
    if not np.isfinite(float(est)):
        note = str(row.get("note") or "").removeprefix("not estimated: ") or "no estimate"
        return Check(section, claim, UNDECIDED, f"{what}: not estimated ({note}).")
    n = row.get("n_freelancers")
    text = f"{what} {est:.2f}x with the badge (95% CI {lo:.2f}-{hi:.2f}" + (
        f", {int(n):,} freelancers)" if n is not None and not pd.isna(n) else ")"
    )
    if planted:
        covered = lo <= planted <= hi
        text += f"; planted truth {planted:.2f}x, " + (
            "inside the interval." if covered else "outside the interval: the model misses it "
            "on this history, so this verdict reflects the method, not the planted effect."
        )  # fmt: skip
    else:
        text += "."
    return Check(section, claim, verdict(est, lo, hi, "above", 1.0), text)


def undecided(section: str, claim: str, why: str) -> Check:
    """A claim this history cannot check, with the reason."""
    return Check(section, claim, UNDECIDED, why)


def criteria_check(compared: pd.DataFrame, min_jobs: int, names: tuple[str, str],
                   agree: float) -> Check:  # fmt: skip
    """Section 1: "Top Rated needs at least `min_jobs` completed jobs" is supported
    when under 5% of Upwork-rules badge weeks had fewer (Wilson interval wholly
    below 5%), contradicted when wholly above."""
    claim = f"Top Rated needs at least {min_jobs} completed jobs"
    jobs = few_jobs_share(compared, min_jobs)
    if jobs["weeks"] == 0:
        return undecided("1. criteria", claim, f"No badge week under {names[0]} in this history.")
    return Check(
        "1. criteria",
        claim,
        verdict(jobs["share"], jobs["ci_low"], jobs["ci_high"], claim="below", null=0.05),
        f"{jobs['share']:.1%} (95% CI {jobs['ci_low']:.1%}-{jobs['ci_high']:.1%}) of "
        f"{int(jobs['weeks']):,} {names[0]} badge weeks had fewer than {min_jobs} completed "
        f"jobs ({int(jobs['few_jobs_freelancers']):,} of {int(jobs['freelancers']):,} badge "
        f"holders); the two rule sets agree on {agree:.0%} of freelancer-Sundays.",
    )


def guarantee_check(changes: pd.DataFrame) -> Check:
    """Section 4: "the badge guarantees more invitations" is supported when at least
    95% of the freelancers who gained it got more (interval wholly above 95%)."""
    claim = "the badge guarantees more invitations"
    if changes.empty:
        return undecided("4. more invitations", claim, "No freelancer gained the badge.")
    n_rose = int(changes["rose"].sum())
    share, lo, hi = share_ci(n_rose, len(changes))
    return Check(
        "4. more invitations",
        claim,
        verdict(share, lo, hi, "above", 0.95),
        f"{len(changes) - n_rose:,} of {len(changes):,} freelancers ({1 - share:.0%}, 95% CI "
        f"{1 - hi:.0%}-{1 - lo:.0%}) had no more invitations in their first 16 weeks with the "
        f"badge than in the 12 weeks before.",
    )


def regain_check(regain: pd.DataFrame, median_text: str) -> Check:
    """Section 6: "a lost badge can be regained" is supported when the share of
    losses regained within the data has an interval wholly above 0."""
    claim = "a lost badge can be regained"
    if regain.empty:
        return undecided("6. regain", claim, "No loss in the data.")
    n_back = int(regain["event"].sum())
    share, lo, hi = share_ci(n_back, len(regain))
    return Check(
        "6. regain",
        claim,
        verdict(share, lo, hi, "above", 0.0),
        f"{n_back:,} of {len(regain):,} losses ({share:.0%}, 95% CI {lo:.0%}-{hi:.0%}) were "
        f"regained within the data; Kaplan-Meier median wait {median_text}.",
    )


#: How report 07's tables read (column -> (label, kind) for `analysis.report.format.readable`).
def crosstab_columns(names: tuple[str, str]) -> dict[str, tuple[str, str]]:
    """Columns of `qualification_crosstab` (run with these `names`) for readers."""
    return {
        f"top_{names[0]}": (f"Badge under {names[0]}", "bool"),
        f"top_{names[1]}": (f"Badge under {names[1]}", "bool"),
        "weeks": ("Freelancer-Sundays", "count"),
        "share": ("Share", "percent"),
    }


HIRE_RATE_COLUMNS = {
    "badge": ("Weeks", "text"),
    "weeks": ("Freelancer-weeks", "count"),
    "hires": ("Hires", "count"),
    "applications": ("Invitations + proposals", "count"),
    "hire_rate": ("Hires per application", "percent"),
}
CHECK_COLUMNS = {
    "section": ("Section", "text"),
    "claim": ("Claim", "text"),
    "verdict": ("The data", "text"),
    "number": ("Why", "text"),
}


def loss_lines(panel: pd.DataFrame) -> str:
    """What followed a first loss, in words: invitations per week before and after,
    and median 12-week earnings before and 12 weeks after ("" when nobody lost it)."""
    after = per_freelancer_change(panel, "invitations", event="loss")
    earned = per_freelancer_change(panel, "earnings_12w_usd", (0, 0), (12, 12), "loss")
    lines = []
    if len(after):
        lines.append(
            f"{len(after):,} freelancers with a first loss: invitations per week "
            f"{after['mean_before'].mean():.2f} before, {after['mean_after'].mean():.2f} "
            f"after; {(~after['rose']).mean():.0%} got fewer or the same."
        )
    if len(earned):
        lines.append(
            f"{len(earned):,} freelancers seen 12 weeks on: median 12-week earnings "
            f"${earned['mean_before'].median():,.0f} before the loss, "
            f"${earned['mean_after'].median():,.0f} after; {(~earned['rose']).mean():.0%} "
            "earned less or the same."
        )
    return "\n".join(lines) or "No freelancer lost the badge after gaining it in this history."


def checks_table(checks: list[Check]) -> pd.DataFrame:
    """The verdicts as a table: section, claim, verdict, number."""
    cols = ["section", "claim", "verdict", "number"]
    return pd.DataFrame([[getattr(c, k) for k in cols] for c in checks], columns=cols)


def faq_finding(checks: list[Check], where: str) -> str:
    """Report 07's finding: the verdict counts and each claim's verdict."""
    counts = pd.Series([c.verdict for c in checks]).value_counts()
    return (
        f"Seed article's claims {where}: {counts.get(SUPPORTS, 0)} supported, "
        f"{counts.get(CONTRADICTS, 0)} contradicted, {counts.get(UNDECIDED, 0)} undecided; "
        + "; ".join(f"{c.claim}: {c.verdict}" for c in checks)
        + "."
    )
