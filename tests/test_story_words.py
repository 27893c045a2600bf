"""The sentences the reports print, from literal frames: a missing estimate says
why, numbers are the ones given, thresholds come from the rules."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from analysis.stories import benefits, faq, pressure, worth


def _effects(**estimates) -> pd.DataFrame:
    rows = []
    for effect in benefits.EFFECT_LABELS:
        est = estimates.get(effect, np.nan)
        rows.append({
            "effect": effect, "estimate": est,
            "ci_low": est - 0.1 if np.isfinite(est) else np.nan,
            "ci_high": est + 0.1 if np.isfinite(est) else np.nan,
            "unit": "hours/week" if effect == "maintenance_hours" else "x",
            "n_obs": 100, "n_freelancers": 10, "truth": np.nan, "covered": pd.NA,
            "note": "" if np.isfinite(est) else "not estimated: activity.csv has no hours_worked values",
        })  # fmt: skip
    return pd.DataFrame(rows)


def _stage(effects, top_rated=(True, False)):
    panel = pd.DataFrame({"top_rated": list(top_rated)})
    return SimpleNamespace(effects=effects, panel=panel, activity=True)


def test_lift_text_by_hand():
    row = {"estimate": 1.2436, "ci_low": 1.1795, "ci_high": 1.3111, "unit": "x", "truth": 1.25}
    assert benefits.lift_text(row) == "1.24x [1.18, 1.31] (planted 1.25x)"
    assert benefits.lift_text(row, truth=False) == "1.24x [1.18, 1.31]"
    missing = {"estimate": np.nan, "note": "not estimated: no hires", "unit": "x"}
    assert benefits.lift_text(missing) == "not estimated (no hires)"


def test_why_no_value_names_the_missing_effect():
    full = _effects(invitation_lift=1.2, rate_premium=1.05, maintenance_hours=2.0)
    assert worth.why_no_value(_stage(full)) is None
    no_hours = _effects(invitation_lift=1.2, rate_premium=1.05)
    assert worth.why_no_value(_stage(no_hours)) == (
        "the effect on unbilled hours a week while Top Rated could not be estimated "
        "(activity.csv has no hours_worked values)"
    )
    assert "nobody in this history is ever Top Rated" in worth.why_no_value(
        _stage(full, top_rated=(False, False))
    )
    no_activity = SimpleNamespace(effects=full, panel=None, activity=False)
    assert "no activity.csv" in worth.why_no_value(no_activity)
    assert worth.worth(_stage(no_hours)) is None
    assert worth.worth_finding(None, "x").startswith("No value computed: x")
    real = SimpleNamespace(state=lambda text: f"Estimated on real data: {text}")
    assert (
        worth.worth_finding(None, "x", real) == "No value computed: x."
    )  # no world without a value


def test_lift_check_verdicts():
    row = {"estimate": 1.24, "ci_low": 1.18, "ci_high": 1.31, "n_freelancers": 120, "note": ""}
    check = faq.lift_check("4.", "more invitations", row, "Invitations", planted=1.25)
    assert check.verdict == faq.SUPPORTS
    assert check.number == (
        "Invitations 1.24x with the badge (95% CI 1.18-1.31, 120 freelancers); planted truth "
        "1.25x, inside the interval."
    )
    low = dict(row, estimate=0.8, ci_low=0.7, ci_high=0.9)
    assert faq.lift_check("4.", "c", low, "Invitations").verdict == faq.CONTRADICTS
    missing = {"estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan,
               "note": "not estimated: no hires"}  # fmt: skip
    check = faq.lift_check("3.", "c", missing, "Hires")
    assert (check.verdict, check.number) == (faq.UNDECIDED, "Hires: not estimated (no hires).")
    assert (
        str(check) == "Verdict: the data cannot decide the claim. Hires: not estimated (no hires)."
    )


def test_guarantee_and_regain_checks():
    changes = pd.DataFrame({"rose": [True] * 19 + [False]})
    check = faq.guarantee_check(changes)
    assert check.verdict == faq.UNDECIDED  # 95% of 20 rose: the interval straddles 95%
    assert check.number.startswith("1 of 20 freelancers (5%")
    assert faq.guarantee_check(changes.iloc[0:0]).verdict == faq.UNDECIDED
    regain = pd.DataFrame({"event": [1, 1, 0]})
    check = faq.regain_check(regain, "10 weeks")
    assert check.verdict == faq.SUPPORTS
    assert check.number.startswith("2 of 3 losses (67%")


def test_jss_bands_follow_the_rules_threshold():
    jss = pd.Series([None, 84, 85, 95, 96, 100])
    assert pressure.jss_bands(jss, 85).tolist() == ["no JSS", "<85", "85-95", "85-95",
                                                    "96-99", "100"]  # fmt: skip
    assert pressure.jss_bands(pd.Series([89, 90]), 90).tolist() == ["<90", "90-95"]


def test_headroom_title_and_finding():
    shares = pd.DataFrame({"headroom": ["1", "2"], "weeks": [3, 1], "share": [0.75, 0.25]})
    one, title = pressure.headroom_title(shares, 90)
    assert one == 0.75
    assert title == "75% of Top Rated weeks are one bad outcome from JSS < 90"
    nothing, no_title = pressure.headroom_title(shares.assign(weeks=0), 90)
    assert np.isnan(nothing) and no_title is None
    text = pressure.pressure_finding(0.75, None, None, float("nan"), None, 85)
    assert text == "75% of Top Rated weeks are one bad outcome from a JSS below 85."
    none = pressure.pressure_finding(float("nan"), None, None, float("nan"), None, 90)
    assert none == "This history has no Top Rated weeks: there is no badge to maintain."
