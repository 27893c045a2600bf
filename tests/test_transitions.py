"""Story 02 building blocks (`analysis.stories.transitions`) on small literal frames, by hand.

Weeks are Sundays: W1 = 2021-01-03, W2 = 2021-01-10, ... W6 = 2021-02-07.
"""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
import pytest
from histories import make_history, status_frame

from analysis.engine.ruleset import load_rules
from analysis.engine.status import STATUS_DTYPE
from analysis.stories import transitions

UPWORK = load_rules("upwork-2025")
SEED = load_rules("seed-article")
W = {i: pd.Timestamp("2021-01-03") + pd.Timedelta(days=7 * (i - 1)) for i in range(1, 9)}


def events_frame(text: str) -> pd.DataFrame:
    e = pd.read_csv(io.StringIO(text), parse_dates=["week"], keep_default_na=False)
    e["freelancer_id"] = e["freelancer_id"].astype("str")
    e["week"] = e["week"].astype("datetime64[s]")
    for col in ("from_status", "to_status"):
        e[col] = e[col].astype(STATUS_DTYPE)
    e["reasons"] = e["reasons"].astype("str")
    return e


#: f1: none, TR, TR, none, TR+, TR+; f2: TR for three weeks; f3: never.
SIX_WEEKS = status_frame(
    """freelancer_id,week,status
f1,2021-01-03,none
f1,2021-01-10,top_rated
f1,2021-01-17,top_rated
f1,2021-01-24,none
f1,2021-01-31,top_rated_plus
f1,2021-02-07,top_rated_plus
f2,2021-01-03,top_rated
f2,2021-01-10,top_rated
f2,2021-01-17,top_rated
f3,2021-01-03,none
f3,2021-01-10,none
"""
)


def test_status_spells_of_a_six_week_frame():
    """f1: W2-W3 (2 weeks, out on W4), then W5-W6 (2 weeks, to the end: no exit);
    f2: W1-W3 (3 weeks, to its last row); f3: none."""
    out = transitions.status_spells(SIX_WEEKS)
    expected = pd.DataFrame(
        {
            "freelancer_id": pd.array(["f1", "f1", "f2"], dtype="str"),
            "spell": [1, 2, 1],
            "first_week": pd.Series([W[2], W[5], W[1]], dtype="datetime64[s]"),
            "last_week": pd.Series([W[3], W[6], W[3]], dtype="datetime64[s]"),
            "weeks": [2, 2, 3],
            "exit_week": pd.Series([W[4], pd.NaT, pd.NaT], dtype="datetime64[s]"),
        }
    )
    pd.testing.assert_frame_equal(out, expected)


def test_status_spells_of_a_frame_without_the_badge_is_empty():
    out = transitions.status_spells(SIX_WEEKS[SIX_WEEKS["freelancer_id"] == "f3"])
    assert out.empty and list(out.columns) == [
        "freelancer_id",
        "spell",
        "first_week",
        "last_week",
        "weeks",
        "exit_week",
    ]


def test_time_in_status_censors_at_the_end_of_data():
    """f1 spell 1: lost after 2 weeks (event); f1 spell 2 and f2: run to the end of the
    data, censored after 2 and 3 weeks."""
    out = transitions.time_in_status(transitions.status_spells(SIX_WEEKS))
    assert out["duration_weeks"].tolist() == [2.0, 2.0, 3.0]
    assert out["event"].tolist() == [1, 0, 0]
    assert out["censored_by"].astype(str).tolist() == ["lost", "end of data", "end of data"]
    assert out["group"].astype(str).tolist() == ["first spell", "after a regain", "first spell"]


def test_time_in_status_censors_at_churn():
    """f1 left on W3 (before losing the badge on W4): spell 1 is censored at W3, after
    (W3 - W2) / 7 = 1 week. f2 left 3 days after W2: censored at 10 / 7 weeks."""
    churn = pd.Series(
        [W[3], W[2] + pd.Timedelta(days=3)], index=pd.Index(["f1", "f2"], dtype="str")
    )
    out = transitions.time_in_status(transitions.status_spells(SIX_WEEKS), churn)
    assert out["event"].tolist() == [0, 0, 0]
    assert out["censored_by"].astype(str).tolist() == ["churn", "churn", "churn"]
    assert out["duration_weeks"].tolist() == pytest.approx([1.0, 0.0, 10 / 7])


def test_time_to_regain_from_loss_to_next_spell():
    """f1 lost the badge on W4 and regained it on W5: 1 week, event. f9 lost it on W2 and
    never regained it; its last row is W4, so it is censored at W5: 3 weeks."""
    status = pd.concat(
        [
            SIX_WEEKS,
            status_frame(
                """freelancer_id,week,status
f9,2021-01-03,top_rated
f9,2021-01-10,none
f9,2021-01-17,none
f9,2021-01-24,none
"""
            ),
        ],
        ignore_index=True,
    )
    events = events_frame(
        """freelancer_id,week,from_status,to_status,reasons
f1,2021-01-24,top_rated,none,active
f9,2021-01-10,top_rated,none,jss;good_weeks
"""
    )
    spells = transitions.status_spells(status)
    out = transitions.time_to_regain(spells, status, events=events)
    assert out["freelancer_id"].tolist() == ["f1", "f9"]
    assert out["lost_week"].tolist() == [W[4], W[2]]
    assert out["regained_week"].iloc[0] == W[5] and pd.isna(out["regained_week"].iloc[1])
    assert out["duration_weeks"].tolist() == [1.0, 3.0]
    assert out["event"].tolist() == [1, 0]
    assert out["group"].astype(str).tolist() == ["lost on another criterion", "lost on JSS"]
    plain = transitions.time_to_regain(spells, status)
    assert plain["group"].astype(str).tolist() == ["all losses", "all losses"]


def test_km_curve_by_hand():
    """Durations 1, 2, 2+, 3, 5+ (+ = censored). At 1: 5 at risk, 1 event -> 4/5 = 0.8;
    at 2: 4 at risk, 1 event -> 0.8 * 3/4 = 0.6; at 3: 2 at risk -> 0.6 * 1/2 = 0.3.
    Greenwood at 1: se = 0.8 * sqrt(1 / (5 * 4)); log-log band:
    exp(-exp(log(-log S) +- 1.96 * se / (S * |log S|)))."""
    data = pd.DataFrame(
        {"duration_weeks": [1.0, 2.0, 2.0, 3.0, 5.0], "event": [1, 1, 0, 1, 0], "group": "g"}
    )
    out = transitions.km_curve(data)
    assert out["weeks"].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert out["survival"].tolist() == pytest.approx([1.0, 0.8, 0.6, 0.3])
    assert out["at_risk"].tolist() == [5, 5, 4, 2]
    se = 0.8 * math.sqrt(1 / 20)
    theta, width = math.log(-math.log(0.8)), 1.959964 * se / (0.8 * abs(math.log(0.8)))
    assert out["ci_lower"].iloc[1] == pytest.approx(math.exp(-math.exp(theta + width)), rel=1e-5)
    assert out["ci_upper"].iloc[1] == pytest.approx(math.exp(-math.exp(theta - width)), rel=1e-5)
    assert (out["ci_lower"] <= out["survival"]).all() and (out["survival"] <= out["ci_upper"]).all()
    assert out["observed_weeks"].unique().tolist() == [5.0]
    assert transitions.km_median(data)[0] == 3.0  # first time S <= 0.5
    assert transitions.survival_at(out, 2.5).tolist() == pytest.approx([0.6])
    assert np.isnan(transitions.survival_at(out, 6).iloc[0])  # beyond what was observed


def test_km_curve_without_events_is_flat_and_empty_input_is_empty():
    flat = transitions.km_curve(pd.DataFrame({"duration_weeks": [2.0], "event": [0], "group": "g"}))
    assert flat[["weeks", "survival", "ci_lower", "ci_upper"]].values.tolist() == [[0, 1, 1, 1]]
    assert np.isnan(transitions.km_median(pd.DataFrame({"duration_weeks": [2.0], "event": [0]}))[0])
    empty = transitions.km_curve(pd.DataFrame({"duration_weeks": [], "event": [], "group": []}))
    assert empty.empty


def test_median_text():
    assert transitions.median_text(78, 60, 100) == "78 weeks (95% CI 60-100)"
    assert transitions.median_text(56, 24, np.inf) == "56 weeks (95% CI 24 or more)"
    assert transitions.median_text(np.nan) == "not reached"


def test_transition_matrix_of_a_literal_frame():
    """Moves: f1 none->TR, TR->TR, TR->none, none->TR+, TR+->TR+; f2 TR->TR twice; f3
    none->none. Rows: none: 1 none, 1 TR, 1 TR+ (1/3 each); TR: 3 TR, 1 none (3/4, 1/4);
    TR+: 1 TR+ (1); Rising Talent: never held (NaN)."""
    out = transitions.transition_matrix(SIX_WEEKS).set_index(["from_status", "to_status"])
    assert out["moves"].sum() == 8
    assert out.loc[("none", "top_rated"), "share"] == pytest.approx(1 / 3)
    assert out.loc[("none", "none"), "share"] == pytest.approx(1 / 3)
    assert out.loc[("top_rated", "top_rated"), "share"] == pytest.approx(3 / 4)
    assert out.loc[("top_rated", "none"), "share"] == pytest.approx(1 / 4)
    assert out.loc[("top_rated_plus", "top_rated_plus"), "share"] == 1.0
    assert out.loc["rising_talent", "share"].isna().all()
    assert len(out) == 16


EVENTS = events_frame(
    """freelancer_id,week,from_status,to_status,reasons
f1,2021-01-10,none,top_rated,
f1,2021-01-24,top_rated,none,jss;good_weeks
f1,2021-01-31,none,top_rated_plus,
f1,2021-03-07,top_rated_plus,top_rated,large_contract
f2,2021-03-14,top_rated,none,active
f3,2021-03-14,rising_talent,none,jss
"""
)


def test_badge_changes_and_monthly_counts():
    """Gains: f1 in Jan twice. Losses: f1 in Jan; f2 in Mar, after leaving on 2021-03-01.
    TR+ -> TR and Rising Talent changes are not badge changes. February has none."""
    churn = pd.Series([pd.Timestamp("2021-03-01")], index=pd.Index(["f2"], dtype="str"))
    changes = transitions.badge_changes(EVENTS, churn)
    assert changes["change"].astype(str).tolist() == [
        "gained",
        "lost",
        "gained",
        "lost after leaving",
    ]
    out = transitions.monthly_changes(EVENTS, churn)
    wide = out.pivot(index="month", columns="change", values="freelancers")
    assert wide.index.strftime("%Y-%m").tolist() == ["2021-01", "2021-02", "2021-03"]
    assert wide["gained"].tolist() == [2, 0, 0]
    assert wide["lost"].tolist() == [1, 0, 0]
    assert wide["lost after leaving"].tolist() == [0, 0, 1]
    plain = transitions.monthly_changes(EVENTS)
    assert set(plain["change"].astype(str)) == {"gained", "lost"}
    assert transitions.monthly_changes(EVENTS.iloc[0:0]).empty


def test_loss_reasons_counts_each_listed_criterion():
    """Two losses of Top Rated: f1 (jss, good weeks) and f2 (active) -> jss 1/2, good weeks
    1/2, active 1/2; one Plus -> TR move: large contract 1/1."""
    out = transitions.loss_reasons(EVENTS, UPWORK)
    got = {(k, r): (n, s) for k, r, n, s in out[["kind", "reason", "losses", "share"]].values}
    assert got == {
        ("lost Top Rated", "JSS below 90"): (1, 0.5),
        ("lost Top Rated", "fewer than 13 good weeks of 16"): (1, 0.5),
        ("lost Top Rated", "no activity in 90 days"): (1, 0.5),
        ("Plus down to Top Rated", "no large contract (Plus)"): (1, 1.0),
    }
    assert transitions.loss_reasons(EVENTS.iloc[0:1], UPWORK).empty


def test_reason_labels_come_from_the_rules():
    up, seed = transitions.reason_labels(UPWORK), transitions.reason_labels(SEED)
    assert up["earnings"] == "12-month earnings below $1,000"
    assert up["good_weeks"] == "fewer than 13 good weeks of 16"
    assert seed["jobs"] == "fewer than 10 completed jobs"
    assert "good_weeks" not in seed


def test_last_seen_and_churn_dates():
    """f1: last contract ended 2021-01-01, an activity week starting Monday 2021-03-01
    (its Sunday: 03-07) -> last seen 03-07, gone by 2021-12-31 -> churned 03-07.
    f2: an open contract -> seen on the as-of date -> still there."""
    history = make_history(
        [
            {"freelancer_id": "f1", "start_date": "2020-12-01", "end_date": "2021-01-01"},
            {"freelancer_id": "f2", "start_date": "2021-06-01"},
        ],
        activity=[{"freelancer_id": "f1", "week_start": "2021-03-01"}],
    )
    seen = transitions.last_seen(history, as_of="2021-12-31")
    assert seen.to_dict() == {"f1": pd.Timestamp("2021-03-07"), "f2": pd.Timestamp("2021-12-31")}
    churn = transitions.churn_dates(history, as_of="2021-12-31")
    assert churn["f1"] == pd.Timestamp("2021-03-07") and pd.isna(churn["f2"])
    # with a gap longer than the silence, nobody has left
    assert transitions.churn_dates(history, as_of="2021-12-31", gap_days=400).isna().all()


def test_completed_jobs_counts_ends_on_or_before_each_sunday():
    """Ends: W1 ($100), W2 ($0: not a completed job), W3 ($100). On W1: 1 (an end on the
    Sunday counts), W2: 1, W3: 2; f2 has none."""
    history = make_history(
        [
            {"start_date": "2020-12-01", "end_date": W[1], "earnings_usd": 100.0},
            {"start_date": "2020-12-01", "end_date": W[2], "earnings_usd": 0.0},
            {"start_date": "2020-12-01", "end_date": W[3], "earnings_usd": 100.0},
        ]
    )
    weeks = pd.DataFrame(
        {"freelancer_id": ["f1", "f1", "f1", "f2"], "week": [W[3], W[1], W[2], W[1]]},
        index=[10, 11, 12, 13],
    )
    out = transitions.completed_jobs(history, weeks)
    assert out.to_dict() == {10: 2, 11: 1, 12: 1, 13: 0}


def _side_by_side():
    """Four freelancers on W3 (f1 with 10 completed jobs, the others with 3):
    f1 both badged; f2 seed only, 12 good weeks and an incomplete profile; f3 upwork only,
    3 jobs; f4 upwork only with 10 jobs -> the seed's feedback rule."""
    upwork = status_frame(
        """freelancer_id,week,status,good_weeks_16,profile_ok
f1,2021-01-17,top_rated,16,True
f2,2021-01-17,none,12,False
f3,2021-01-17,top_rated,16,True
f4,2021-01-17,top_rated_plus,16,True
"""
    )
    seed = status_frame(
        """freelancer_id,week,status
f1,2021-01-17,top_rated
f2,2021-01-17,top_rated
f3,2021-01-17,none
f4,2021-01-17,none
"""
    )
    jobs = {"f1": 10, "f2": 3, "f3": 3, "f4": 10}
    rows = [
        {
            "freelancer_id": f,
            "start_date": "2020-01-01",
            "end_date": "2020-06-01",
            "earnings_usd": 50.0,
        }
        for f, n in jobs.items()
        for _ in range(n)
    ]
    return upwork, seed, make_history(rows)


def test_compare_rule_sets_says_why_they_differ():
    upwork, seed, history = _side_by_side()
    out = transitions.compare_rule_sets(upwork, seed, history, UPWORK, SEED)
    assert out["top_upwork"].tolist() == [True, False, True, True]
    assert out["top_seed"].tolist() == [True, True, False, False]
    assert out["completed_jobs"].tolist() == [10, 3, 3, 10]
    assert out["why"].tolist() == [
        "",
        "fewer than 13 good weeks of 16; profile incomplete",
        "fewer than 10 completed jobs",
        "feedback: mean < 4.5, a rating < 4, or none",
    ]
    assert out["active"].all()


def test_side_by_side_summaries():
    """Active rows: f1 both, f2 seed only, f3 and f4 upwork only; f4 left before W3 and is
    not active. Upwork badges 2 of 3 active rows, seed 2 of 3."""
    upwork, seed, history = _side_by_side()
    churn = pd.Series([pd.Timestamp("2021-01-01")], index=pd.Index(["f4"], dtype="str"))
    compared = transitions.compare_rule_sets(upwork, seed, history, UPWORK, SEED, churn)
    assert compared["active"].tolist() == [True, True, True, False]
    share = transitions.monthly_top_rated_share(compared)
    assert share.set_index("rules")["share"].to_dict() == pytest.approx(
        {"upwork-2025": 2 / 3, "seed-article": 2 / 3}
    )
    table = transitions.rule_set_crosstab(compared)
    assert table.loc["Top Rated", "Top Rated"] == "1 (33.3%)"
    assert table.loc["no badge", "no badge"] == "0 (0.0%)"
    why = transitions.disagreement_reasons(compared)
    assert why[["side", "reason", "weeks", "share"]].values.tolist() == [
        ["only seed-article", "fewer than 13 good weeks of 16", 1, 1.0],
        ["only seed-article", "profile incomplete", 1, 1.0],
        ["only upwork-2025", "fewer than 10 completed jobs", 1, 1.0],
    ]
    agree = compared.assign(top_seed=compared["top_upwork"])
    assert transitions.disagreement_reasons(agree).empty
