"""Story 03 (what the badge brings) and the effects every report quotes.

The effects themselves are estimated once per history in the computed stage
(`analysis.estimate.effects.report_effects`, one setting of ``max_controls`` and
``seed``); this module words them for readers: labels, "1.24x [1.18, 1.31]"
sentences that say "not estimated" and why instead of inventing a number, the
reason a history cannot answer the question at all, and the report's finding.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

#: Reader's names of the effects (rows of `analysis.estimate.effects.report_effects`).
EFFECT_LABELS = {
    "invitation_lift_naive": "invitations, naive",
    "invitation_lift": "invitations, around gains",
    "invitation_lift_losses": "invitations, around losses",
    "profile_views_lift_naive": "profile views, naive",
    "profile_view_lift": "profile views, around gains",
    "hire_rate_lift": "hires per application",
    "rate_premium": "hourly rate of new contracts",
    "maintenance_hours": "unbilled hours a week while Top Rated",
}
#: Event-time panel names (`Stage.event_time` column ``event``).
EVENT_NAMES = {"gain": "around the first gain", "loss": "around the first loss"}


def estimated(row: Mapping[str, Any]) -> bool:
    """True when an effects row holds a number (not a "not estimated" row)."""
    x = row["estimate"]
    return x is not None and x is not pd.NA and math.isfinite(float(x))


def lift_text(row: Mapping[str, Any], *, truth: bool = True) -> str:
    """``1.24x [1.18, 1.31] (planted 1.25x)``, or ``not estimated (why)``.

    Hours read as ``2.02 hours/week [...]``. A missing estimate never becomes a
    number: it says what is missing.
    """
    if not estimated(row):
        note = str(row.get("note") or "").removeprefix("not estimated: ")
        return f"not estimated ({note})" if note else "not estimated"
    unit = "x" if row.get("unit", "x") == "x" else f" {row['unit']}"
    text = f"{row['estimate']:.2f}{unit} [{row['ci_low']:.2f}, {row['ci_high']:.2f}]"
    t = row.get("truth")
    if truth and t is not None and t is not pd.NA and np.isfinite(float(t)):
        text += f" (planted {float(t):.2f}{unit})"
    return text


def unanswerable(stage: Any) -> str | None:
    """Why the badge's effects cannot be estimated on this history, or None.

    No weekly activity with invitations, or nobody ever Top Rated: the effects
    compare weeks with and without the badge, so both must exist.
    """
    if not stage.activity:
        return (
            "this history has no activity.csv with weekly invitations, which every effect "
            "of the badge needs"
        )
    if not stage.panel["top_rated"].any():
        return "nobody in this history is ever Top Rated, so there is nothing to compare"
    return None


def effects_shown(stage: Any) -> pd.DataFrame:
    """The stage's effects for the chart: only those estimated, with a ``label``; the
    naive profile-view ratio is scored against the planted profile-view lift."""
    eff = stage.effects.assign(label=stage.effects["effect"].map(EFFECT_LABELS))
    eff = eff[eff["unit"] == "x"]
    return eff[[estimated(r) for r in eff.to_dict("records")]].reset_index(drop=True)


def naive_and_model(stage: Any) -> pd.DataFrame:
    """The naive invitation ratio and the model's invitation lift, when both are
    estimated (else empty), for the side-by-side chart of report 07."""
    shown = effects_shown(stage)
    both = shown[shown["effect"].isin(["invitation_lift_naive", "invitation_lift"])]
    return both.reset_index(drop=True) if len(both) == 2 else both.iloc[0:0]


def event_time_panels(stage: Any) -> pd.DataFrame:
    """The stage's event-time coefficients with reader's panel names."""
    return stage.event_time.assign(event=stage.event_time["event"].map(EVENT_NAMES))


def after_event_means(coefs: pd.DataFrame) -> dict[str, float]:
    """Mean multiplicative effect over the bins from week 0 on, per event (``gain``,
    ``loss``); events without bins are left out."""
    after = coefs[coefs["event_time"] >= 0]
    return {str(k): float(v) for k, v in after.groupby("event")["estimate"].mean().items()}


def missed_truth(stage: Any) -> list[str]:
    """Labels of the effects whose 95% interval misses the planted truth."""
    eff = stage.effects
    missed = eff[eff["covered"].eq(False).fillna(False).to_numpy(dtype=bool)]
    return [EFFECT_LABELS.get(e, e) for e in missed["effect"]]


def benefits_finding(stage: Any) -> str:
    """Report 03's one-line finding, from the stage's effects (or why there is none)."""
    why = unanswerable(stage)
    if why:
        return f"No effects estimated: {why}."
    by = {r["effect"]: r for r in stage.effects.to_dict("records")}
    inv = by["invitation_lift"]
    if estimated(inv):
        text = (
            f"Top Rated weeks have {lift_text(by['invitation_lift_naive'])} the invitations of "
            f"other weeks, but within freelancers the badge itself brings {lift_text(inv)}"
        )
    else:
        text = f"The badge's effect on invitations is {lift_text(inv)}"
    if estimated(by["profile_view_lift"]):
        text += f"; profile views {lift_text(by['profile_view_lift'])}"
    if estimated(by["rate_premium"]):
        text += f"; hourly rate of new contracts {lift_text(by['rate_premium'])}"
    return text + "."
