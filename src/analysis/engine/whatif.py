"""What-if for one freelancer: how far from losing (or regaining) Top Rated.

Answers the forum questions "how many bad jobs until I drop below 90?", "when can
the badge come back?" and "how much more do I need to earn?" from the rules
engine itself (`analysis.engine.jss.headroom`, `analysis.engine.status.status_grid`), so the
answers follow whichever rules file is in force.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis.engine.jss import headroom
from analysis.engine.ruleset import Rules
from analysis.engine.status import TOP_RATED_STATUSES, badge_dates, status_grid
from analysis.io.errors import InputError, Problem
from analysis.io.history import History, to_day


def _iso(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()


def earliest_return(good_weeks: list[bool], required: int, window: int) -> int:
    """Weeks from now until `required` of the last `window` Sundays are good,
    if every Sunday from the next one on is good.

    ``good_weeks`` are the flags of the `window` Sundays ending now (oldest first,
    missing weeks as False). 0 means the count is already met now.
    """
    past = np.asarray(good_weeks, dtype=bool)[-window:]
    past = np.concatenate([np.zeros(window - len(past), dtype=bool), past])
    for k in range(window + 1):
        if past[k:].sum() + k >= required:
            return k
    return window  # unreachable: k = window gives window >= required


def whatif(history: History, freelancer_id: str, rules: Rules, at: Any = None) -> dict[str, Any]:
    """The JSS, each window, the headroom, the earliest return and the earnings gap.

    ``at`` defaults to the history's as-of date. The badge figures are taken on the
    latest badge Sunday on or before ``at``; the JSS on the latest JSS evaluation
    date on or before it (as the rules' calendar says).
    """
    if not (history.contracts["freelancer_id"] == freelancer_id).any():
        known = history.freelancer_ids
        hint = ", ".join(map(str, known[:5])) + (" ..." if len(known) > 5 else "")
        raise InputError(
            [
                Problem(
                    "--freelancer",
                    None,
                    None,
                    freelancer_id,
                    f"is not a freelancer in {history.source} (some ids: {hint})",
                )
            ]
        )
    mine = history.select([freelancer_id])
    at = to_day(at if at is not None else history.as_of)
    room = headroom(mine, freelancer_id, at, rules)
    badges = rules.badges
    sunday = badge_dates(at - pd.Timedelta(days=7 * 2), at, rules)[-1]
    out: dict[str, Any] = {
        "freelancer_id": freelancer_id,
        "rules": rules.name,
        "at": _iso(at),
        "jss_date": _iso(room["eval_date"]),
        "jss": room["jss"],
        "scores": {k[len("score_") :]: v for k, v in room.items() if k.startswith("score_")},
        "jss_min": badges.jss_min,
        "negatives_to_drop_below": room["negatives_to_drop_below"],
        "positives_to_reach": room["positives_to_reach"],
        "week": _iso(sunday),
    }
    window = badges.good_weeks_window or 1
    grid = status_grid(
        mine,
        rules,
        start=sunday - pd.Timedelta(days=7 * (window - 1)),
        end=sunday,
        as_of=history.as_of,
    )
    now = grid[grid["week"] == sunday]
    if now.empty:  # first contract starts after `at`
        out.update(
            status=None,
            good_weeks=None,
            weeks_to_return=None,
            return_week=None,
            earnings_12m_usd=None,
            earnings_short_usd=None,
            failing=[],
        )
        return out
    row = now.iloc[0]
    out["status"] = str(row["status"])
    failing = [
        c[: -len("_ok")]
        for c in ("jss_ok", "earnings_ok", "tenure_ok", "profile_ok", "standing_ok", "active_ok")
        if row[c] is False or (pd.notna(row[c]) and not bool(row[c]))
    ]
    out["failing"] = failing
    earned = float(row["earnings_12m_usd"])
    out["earnings_12m_usd"] = round(earned, 2)
    minimum = badges.earnings_min_usd
    out["earnings_min_usd"] = minimum
    out["earnings_short_usd"] = None if minimum is None else round(max(0.0, minimum - earned), 2)
    if badges.model != "upwork":
        out.update(good_weeks=None, weeks_to_return=None, return_week=None)
        return out
    weeks = badge_dates(sunday - pd.Timedelta(days=7 * (window - 1)), sunday, rules)
    flags = grid.set_index("week")["jss_ok"].reindex(weeks)
    rising = grid.set_index("week")["status"].reindex(weeks) == "rising_talent"
    good = (flags.fillna(False).astype(bool) | rising.fillna(False)).tolist()
    out["good_weeks"] = int(row["good_weeks_16"])
    out["good_weeks_window"] = int(window)
    k = earliest_return(good, badges.good_weeks_required, window)
    out["weeks_to_return"] = k
    out["return_week"] = _iso(sunday + pd.Timedelta(days=7 * k))
    return out


def render_whatif(result: dict[str, Any]) -> str:
    """The what-if in plain words."""
    fid, jss_min = result["freelancer_id"], result["jss_min"]
    lines = [f"Freelancer {fid}, as of {result['at']} (rules {result['rules']})."]
    scores = ", ".join(
        f"{name} {'-' if v is None else f'{v:.1f}'}" for name, v in result["scores"].items()
    )
    if result["jss"] is None:
        lines.append(f"No JSS yet (JSS date {result['jss_date']}; window scores: {scores}).")
        if result["positives_to_reach"] is not None:
            lines.append(
                f"{result['positives_to_reach']} more positive outcome(s) from new clients "
                f"would give a JSS of at least {jss_min:g}."
            )
    else:
        lines.append(f"JSS {result['jss']} on {result['jss_date']} (window scores: {scores}).")
        if result["jss"] >= jss_min:
            n = result["negatives_to_drop_below"]
            lines.append(
                f"Headroom: {n} more negative outcome(s) ending now would take the JSS "
                f"below {jss_min:g}."
                if n is not None
                else "Headroom: not computable."
            )
        else:
            p = result["positives_to_reach"]
            lines.append(
                f"Below {jss_min:g}: {p} more positive outcome(s) ending now would lift it to "
                f"{jss_min:g}."
                if p is not None
                else f"Below {jss_min:g}: no number of positive outcomes would lift it there."
            )
    if result.get("status") is None:
        lines.append("No badge status yet: the first contract starts later.")
        return "\n".join(lines)
    lines.append(f"Badge status on {result['week']}: {result['status'].replace('_', ' ')}.")
    if result.get("good_weeks") is not None:
        lines.append(
            f"Good weeks: {result['good_weeks']} of the last {result['good_weeks_window']}."
        )
        if result["status"] in TOP_RATED_STATUSES:
            pass
        elif result["weeks_to_return"] == 0:
            lines.append("The good-weeks count is met now; the other criteria decide.")
        else:
            lines.append(
                f"If every week from now is good, the good-weeks count is met on "
                f"{result['return_week']} ({result['weeks_to_return']} week(s) from now)."
            )
    if result["failing"]:
        lines.append("Criteria failing now: " + ", ".join(result["failing"]) + ".")
    if result.get("earnings_short_usd") is not None:
        short = result["earnings_short_usd"]
        lines.append(
            f"Earnings in the last 12 months: ${result['earnings_12m_usd']:,.2f} "
            + (
                "(the minimum is met)."
                if short == 0
                else f"(${short:,.2f} short of the ${result['earnings_min_usd']:,.0f} minimum)."
            )
        )
    return "\n".join(lines)
