"""Issue 12: the hires model's control for a freelancer's usual level of invitations
and proposals (`mean_before`, `hires_lift`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.estimate.effects import (
    HIRES_FIXED,
    POOLED_WINDOW,
    badge_lift,
    hires_lift,
    mean_before,
)


def test_mean_before_is_the_mean_of_the_earlier_weeks_with_a_value():
    """f1: 2, -, 4, 6 -> 0 (nothing before), 2, 2 (the missing week is skipped),
    (2 + 4) / 2 = 3; f2: -, 5 -> 0, 0 (no earlier value)."""
    panel = pd.DataFrame({
        "freelancer_id": ["f1", "f1", "f1", "f1", "f2", "f2"],
        "invitations": [2.0, np.nan, 4.0, 6.0, np.nan, 5.0],
    })  # fmt: skip
    assert mean_before(panel, "invitations").tolist() == [0.0, 2.0, 2.0, 3.0, 0.0, 0.0]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.one_of(st.none(), st.integers(0, 40))),
        min_size=1,
        max_size=40,
    )
)
def test_mean_before_agrees_with_a_loop_over_each_freelancers_weeks(rows):
    rows = sorted(rows, key=lambda r: r[0])  # the panel is sorted by freelancer
    panel = pd.DataFrame({
        "freelancer_id": [f"f{f}" for f, _ in rows],
        "x": [np.nan if v is None else float(v) for _, v in rows],
    })  # fmt: skip
    expected = []
    for i, (f, _) in enumerate(rows):
        earlier = [v for g, v in rows[:i] if g == f and v is not None]
        expected.append(sum(earlier) / len(earlier) if earlier else 0.0)
    assert mean_before(panel, "x") == pytest.approx(expected, rel=1e-12, abs=0)


def level_panel(seed=5):
    """A literal weekly panel with no badge effect at all: 60 freelancers x 40 weeks
    from 2024-01-01, all in the same state (JSS 95, $500 in 12 weeks, 2 years on
    the platform, one open contract, five earlier jobs, two recent hires). Each
    freelancer has a lasting level: 3 for the 12 badge holders (0-11) and 24 of
    the others (12-35), 0.6 for the rest (36-59); weekly hires are Poisson(level)
    and invitations Poisson(2 x level), whatever the badge. Holders 0-5 gain the
    badge in week 16, 6-11 in week 20; each holds it 10 weeks."""
    rng = np.random.default_rng(seed)
    n, weeks = 60, 40
    fid = np.repeat(np.arange(n), weeks)
    wk = np.tile(np.arange(weeks), n)
    level = np.where(fid < 36, 3.0, 0.6)
    treated = fid < 12
    event_time = np.where(treated, wk - np.where(fid < 6, 16, 20), np.nan)
    return pd.DataFrame({
        "freelancer_id": [f"f{i:02d}" for i in fid],
        "week_start": pd.Timestamp("2024-01-01") + pd.to_timedelta(7 * wk, unit="D"),
        "top_rated": treated & (event_time >= 0) & (event_time < 10),
        "event_time": pd.array(event_time, dtype="Float64"),
        "jss": 95.0, "earnings_12w_usd": 500.0, "tenure_years": 2.0, "open_contracts": 1,
        "jobs_before": 5, "hires_12w": 2.0,
        "hires": rng.poisson(level).astype(float),
        "invitations": rng.poisson(2 * level).astype(float),
    })  # fmt: skip


def test_hires_lift_sees_the_holders_usual_level_through_their_invitations():
    """The holders are all of the busy kind, the comparisons half busy and half
    quiet, in the same state bins: without the level the model takes the holders'
    busier weeks for the badge (interval above 1); with the mean invitations of the
    weeks before (held at the week before the gain) it covers the true 1.0."""
    panel = level_panel()
    without = badge_lift(panel, "hires", "gain", POOLED_WINDOW, fixed=HIRES_FIXED,
                         skip_lead=True, hold=()).iloc[0]  # fmt: skip
    row = hires_lift(panel).iloc[0]
    assert without["ci_low"] > 1.1
    assert row["ci_low"] <= 1.0 <= row["ci_high"]
    assert abs(np.log(row["estimate"])) < 0.15
    assert row["effect"] == "hires_lift"
    assert "log(1 + invitations_before) as controls" in row["method"]
    assert "invitations_before/jobs_before held at the week before the gain" in row["method"]


def test_hires_lift_holds_the_level_at_the_week_before_the_gain():
    """The badge raises invitations: 5 more a week in every holder's badge weeks,
    hires unchanged. Were the level read in the badge weeks too, it would absorb
    part of the badge's own effect; held at the week before the gain, the estimate
    is the same to 1e-9 as without the extra invitations."""
    panel = level_panel()
    boosted = panel.assign(invitations=panel["invitations"] + 5.0 * panel["top_rated"])
    a, b = hires_lift(panel).iloc[0], hires_lift(boosted).iloc[0]
    assert a["estimate"] == pytest.approx(b["estimate"], rel=1e-9)
    assert a["ci_high"] == pytest.approx(b["ci_high"], rel=1e-9)


def track_panel(seed=5, lift=2.5):
    """A literal weekly panel where the badge multiplies hires by `lift` and the new
    contracts move its holders up the track-record bins: 60 freelancers x 50 weeks
    from 2024-01-01, all in the same state but for ``jobs_before`` (contracts
    started before the week, from each freelancer's own hires). Holders 0-19 and
    new comparisons 20-39 hire Poisson(0.2) a week (a holder `lift` x that from its
    gain, in week 10 for 0-9 and 12 for 10-19, to the end); experienced comparisons
    40-59 start with 40 contracts and hire Poisson(1.2). Invitations are Poisson(4)
    for everyone. By the end the holders' badge hires have taken them past 15
    contracts, the experienced comparisons' bin, and the new comparisons never get
    there (at most 3 + 0.2 x 50 on average)."""
    rng = np.random.default_rng(seed)
    n, weeks = 60, 50
    fid = np.repeat(np.arange(n), weeks)
    wk = np.tile(np.arange(weeks), n)
    holder = fid < 20
    event_time = np.where(holder, wk - np.where(fid < 10, 10, 12), np.nan)
    top = holder & (event_time >= 0)
    hires = rng.poisson(np.where(fid >= 40, 1.2, 0.2) * np.where(top, lift, 1.0)).astype(float)
    base = np.where(fid >= 40, 40, np.where(fid >= 20, (fid - 20) % 4, 0))
    before = pd.Series(hires).groupby(fid).cumsum().to_numpy() - hires
    return pd.DataFrame({
        "freelancer_id": [f"f{i:02d}" for i in fid],
        "week_start": pd.Timestamp("2024-01-01") + pd.to_timedelta(7 * wk, unit="D"),
        "top_rated": top,
        "event_time": pd.array(event_time, dtype="Float64"),
        "jss": 95.0, "earnings_12w_usd": 500.0, "tenure_years": 2.0, "open_contracts": 1,
        "jobs_before": (base + before).astype(np.int64), "hires_12w": 2.0,
        "hires": hires,
        "invitations": rng.poisson(4.0, n * weeks).astype(float),
    })  # fmt: skip


def test_hires_lift_holds_the_track_record_the_badge_builds():
    """The badge's own hires lift its holders' contract count into the bin of the
    experienced comparisons, who hire 6x as often: compared there, the badge weeks
    look no better than usual (interval far below the true 2.5). Held at the week
    before the gain, the track record compares them with freelancers of their own
    record, and the interval covers 2.5."""
    panel = track_panel()
    assert panel.loc[panel["top_rated"], "jobs_before"].max() >= 15
    levels = panel.assign(invitations_before=mean_before(panel, "invitations"))
    unheld = badge_lift(levels, "hires", "gain", POOLED_WINDOW, fixed=HIRES_FIXED,
                        skip_lead=True, exposure=("invitations_before",),
                        hold=("invitations_before",)).iloc[0]  # fmt: skip
    row = hires_lift(panel).iloc[0]
    assert unheld["ci_high"] < 1.5
    assert row["ci_low"] <= 2.5 <= row["ci_high"]
    assert abs(np.log(row["estimate"] / 2.5)) < 0.15
    assert "invitations_before/jobs_before held at the week before the gain" in row["method"]
