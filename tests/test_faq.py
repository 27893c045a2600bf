"""Tests of `analysis.stories.faq`: small literal frames, answers worked out by hand."""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
import pytest

from analysis.stories import faq


def _csv(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), skipinitialspace=True)


# ---------------------------------------------------------------- verdict


@pytest.mark.parametrize(
    ("est", "lo", "hi", "claim", "null", "expected"),
    [
        (1.25, 1.1, 1.4, "above", 1.0, "supports"),  # whole interval above 1
        (0.8, 0.7, 0.9, "above", 1.0, "contradicts"),  # whole interval below 1
        (1.05, 0.9, 1.2, "above", 1.0, "cannot decide"),  # straddles 1
        (1.1, 1.0, 1.2, "above", 1.0, "cannot decide"),  # touches 1
        (0.02, 0.01, 0.03, "below", 0.05, "supports"),
        (0.34, 0.33, 0.35, "below", 0.05, "contradicts"),
        (math.nan, 0.9, 1.2, "above", 1.0, "cannot decide"),
        (None, None, None, "above", 1.0, "cannot decide"),
    ],
)
def test_verdict(est, lo, hi, claim, null, expected):
    assert faq.verdict(est, lo, hi, claim, null) == expected


def test_verdict_rejects_unknown_claim():
    with pytest.raises(ValueError):
        faq.verdict(1.0, 0.9, 1.1, claim="equal")


def test_share_ci():
    """5 of 10: Wilson centre 0.5, half-width 1.96*sqrt(.025+.0096)/1.384 = 0.2659."""
    p, lo, hi = faq.share_ci(5, 10)
    assert p == 0.5
    assert lo == pytest.approx(0.2366, abs=1e-4)
    assert hi == pytest.approx(0.7634, abs=1e-4)
    assert faq.share_ci(0, 10)[1] == 0.0  # clipped at 0
    assert all(math.isnan(v) for v in faq.share_ci(0, 0))


# ---------------------------------------------------------------- criteria


def test_qualification_crosstab():
    """Rows in both grids: (f1, w1) top/top, (f1, w2) plus/none, (f2, w1) none/top.
    (f2, w2) is only in `a` and does not count. So 1, 1, 1, 0 of 3."""
    a = _csv(
        """freelancer_id, week, status
        f1, 2024-01-07, top_rated
        f1, 2024-01-14, top_rated_plus
        f2, 2024-01-07, rising_talent
        f2, 2024-01-14, top_rated"""
    )
    b = _csv(
        """freelancer_id, week, status
        f1, 2024-01-07, top_rated
        f1, 2024-01-14, none
        f2, 2024-01-07, top_rated"""
    )
    got = faq.qualification_crosstab(a, b, names=("up", "seed"))
    expected = pd.DataFrame(
        {
            "top_up": [True, True, False, False],
            "top_seed": [True, False, True, False],
            "weeks": pd.Series([1, 1, 1, 0], dtype="int64"),
            "share": [1 / 3, 1 / 3, 1 / 3, 0.0],
        }
    )
    pd.testing.assert_frame_equal(got, expected)


def test_qualification_crosstab_empty():
    empty = pd.DataFrame({"freelancer_id": [], "week": [], "status": []})
    got = faq.qualification_crosstab(empty, empty)
    assert got["weeks"].sum() == 0 and (got["share"] == 0).all()


def test_few_jobs_share():
    """Active Upwork-badge rows: f1 (3 jobs), f1 (12), f2 (15); the inactive f3 row and
    the no-badge row do not count: 1 of 3 weeks, 1 of 2 freelancers."""
    compared = _csv(
        """freelancer_id, active, top_upwork, completed_jobs
        f1, True, True, 3
        f1, True, True, 12
        f2, True, True, 15
        f2, True, False, 1
        f3, False, True, 2"""
    )
    got = faq.few_jobs_share(compared, 10)
    assert got["weeks"] == 3 and got["few_jobs_weeks"] == 1
    assert got["share"] == pytest.approx(1 / 3)
    assert got["freelancers"] == 2 and got["few_jobs_freelancers"] == 1
    assert got["ci_low"] < 1 / 3 < got["ci_high"]


# ---------------------------------------------------------------- the panel


PANEL = """freelancer_id, event_time, event_time_loss, invitations
    a, -2, , 1
    a, -1, , 3
    a, 0, , 4
    a, 1, , 6
    b, -1, , 2
    b, 0, , 2
    c, , , 9
    d, 0, , 5
    e, -1, -3, 4
    e, 0, 0, 1"""


def test_per_freelancer_change():
    """a: before (1+3)/2 = 2, after (4+6)/2 = 5, +3, rose; b: 2 -> 2, not rose;
    c never gained; d has no week before; e: 4 -> 1, -3."""
    panel = _csv(PANEL)
    got = faq.per_freelancer_change(panel, "invitations", before=(-2, -1), after=(0, 1))
    expected = pd.DataFrame(
        {
            "freelancer_id": ["a", "b", "e"],
            "weeks_before": pd.Series([2, 1, 1], dtype="int64"),
            "weeks_after": pd.Series([2, 1, 1], dtype="int64"),
            "mean_before": [2.0, 2.0, 4.0],
            "mean_after": [5.0, 2.0, 1.0],
            "change": [3.0, 0.0, -3.0],
            "rose": [True, False, False],
        }
    )
    pd.testing.assert_frame_equal(got, expected)


def test_per_freelancer_change_loss_and_empty():
    panel = _csv(PANEL)
    got = faq.per_freelancer_change(panel, "invitations", (-3, -1), (0, 0), event="loss")
    assert list(got["freelancer_id"]) == ["e"] and got["change"].iloc[0] == -3.0
    none = faq.per_freelancer_change(panel.iloc[:0], "invitations")
    assert none.empty and list(none.columns)[-1] == "rose"
    with pytest.raises(ValueError):
        faq.per_freelancer_change(panel, "invitations", event="other")


def test_event_time_means():
    """Event time -1: a 3, b 2, e 4 -> mean 3, sem 1/sqrt(3); 0: 4, 2, 5, 1 -> 3."""
    panel = _csv(PANEL)
    got = faq.event_time_means(panel, ("invitations",), window=(-1, 0))
    assert list(got["event_time"]) == [-1, 0]
    assert list(got["mean"]) == [3.0, 3.0]
    assert got["sem"].iloc[0] == pytest.approx(1 / math.sqrt(3))
    assert list(got["n"]) == [3, 4]


def test_hire_rates():
    """Ever-badged (cohort set) rows only: Top Rated 2 hires / (6 + 4) = 0.2;
    no badge 1 / (3 + 7) = 0.1; the never-badged row (9 hires) is left out."""
    panel = _csv(
        """freelancer_id, cohort_week, top_rated, hires, invitations, proposals
        a, 2024-01-01, True, 2, 6, 4
        a, 2024-01-01, False, 1, 3, 7
        b, , False, 9, 1, 1"""
    )
    got = faq.hire_rates(panel)
    assert list(got["badge"]) == ["Top Rated", "no badge"]
    assert list(got["hire_rate"]) == pytest.approx([0.2, 0.1])
    assert list(got["weeks"]) == [1, 1]


def test_badge_lift_recovers_a_planted_effect():
    """Seeded Poisson panel: 40 freelancers, 30 weeks, half gain the badge at week 15,
    which multiplies their rate by 1.5; the estimate's interval must contain 1.5."""
    rng = np.random.default_rng(3)
    n, weeks = 40, 30
    fid = np.repeat([f"f{i:02d}" for i in range(n)], weeks)
    week = np.tile(np.arange(weeks), n)
    treated = np.repeat(np.arange(n) < n // 2, weeks)
    top = treated & (week >= 15)
    base = np.repeat(rng.uniform(1, 4, n), weeks)
    y = rng.poisson(base * np.where(top, 1.5, 1.0) * 3)
    event = np.where(treated, week - 15, np.nan)
    panel = pd.DataFrame(
        {
            "freelancer_id": fid,
            "week_start": pd.Timestamp("2024-01-01") + pd.to_timedelta(week * 7, unit="D"),
            "invitations": y.astype(float),
            "top_rated": top,
            "jss": 95.0,
            "earnings_12w_usd": 1000.0,
            "tenure_years": 1.0,
            "event_time": pd.array(np.where(treated, event, np.nan)).astype("Int64"),
            "event_time_loss": pd.array([pd.NA] * len(fid), dtype="Int64"),
        }
    )
    got = faq.badge_lift(panel, "invitations", window=(-12, 16), max_controls=None)
    row = got.iloc[0]
    assert row["effect"] == "invitation_lift"
    assert row["ci_low"] < 1.5 < row["ci_high"]
    none = faq.badge_lift(panel.assign(top_rated=False), "invitations", window=(-12, 16))
    assert math.isnan(none["estimate"].iloc[0]) and none["note"].iloc[0]
