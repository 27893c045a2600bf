"""Tests of analysis.estimate.value: the net-value formula on hand-worked numbers."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from analysis.estimate import value


def _inputs() -> pd.DataFrame:
    """One freelancer: $40/h, 2 invitations/week, 0.2 hires per application, $500 a
    contract, no billed hours (so no rate benefit), no risk of losing the badge."""
    return pd.read_csv(
        io.StringIO(
            "freelancer_id,invitations_per_week,hires_per_application,contract_value_usd,"
            "hourly_rate_usd,billed_hours_per_week,p_loss_per_year,weeks_off_after_loss,"
            "forgone_usd_per_year,rate_band,tenure_band,category\n"
            "f1,2,0.2,500,40,0,0,0,0,$30-60,1-3 years,writing\n"
        )
    )


def _effects(lift=(1.25, 1.25, 1.25), hours=(2.0, 2.0, 2.0), premium=(1.0, 1.0, 1.0)):
    rows = [
        ("invitation_lift", *lift, "x"),
        ("rate_premium", *premium, "x"),
        ("maintenance_hours", *hours, "hours/week"),
    ]
    return pd.DataFrame(rows, columns=["effect", "estimate", "ci_low", "ci_high", "unit"])


def test_hand_worked_net_value():
    """benefit = (1.25 - 1) x 2 x 0.2 x 500 x 50 = 2,500; cost = 2 x 40 x 50 = 4,000;
    net = -1,500, in every draw (zero uncertainty)."""
    d = value.net_value_draws(_inputs(), _effects(), n_draws=5, seed=1, weeks_per_year=50)
    assert len(d) == 5
    np.testing.assert_allclose(d["benefit_invitations_usd"], 2500.0)
    np.testing.assert_allclose(d["cost_maintenance_usd"], 4000.0)
    np.testing.assert_allclose(d["benefit_rate_usd"], 0.0)
    np.testing.assert_allclose(d["net_usd"], -1500.0)


def test_rate_premium_and_loss_cost():
    """10 billed hours at $40 with a 1.1x premium: 0.1 x 40 x 10 x 50 = 2,000 more;
    benefit 4,500; a 50% chance of loss and 10 weeks off cost 0.5 x 10 x 4,500 / 50
    = 450; net = 4,500 - 4,000 - 450 = 50."""
    inputs = _inputs().assign(
        billed_hours_per_week=10, p_loss_per_year=0.5, weeks_off_after_loss=10
    )
    d = value.net_value_draws(inputs, _effects(premium=(1.1, 1.1, 1.1)), 1, 0, 50)
    np.testing.assert_allclose(d["benefit_rate_usd"], 2000.0)
    np.testing.assert_allclose(d["cost_loss_usd"], 450.0)
    np.testing.assert_allclose(d["net_usd"], 50.0)


def test_draws_seeded():
    eff = _effects(lift=(1.25, 1.1, 1.4), hours=(2.0, 1.0, 3.0))
    a = value.net_value_draws(_inputs(), eff, 200, seed=3)
    b = value.net_value_draws(_inputs(), eff, 200, seed=3)
    c = value.net_value_draws(_inputs(), eff, 200, seed=4)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["net_usd"], c["net_usd"])
    # the draws spread around the point value
    assert a["net_usd"].std() > 0
    lifts = value.effect_draws(eff, 20000, 0)["invitation_lift"]
    assert abs(np.median(lifts) - 1.25) < 0.01


def test_verdicts_and_break_even():
    """Break-even lift: cost 4,000 / (2 x 0.2 x 500 x 50 = 10,000) + 1 = 1.4."""
    inputs = pd.concat([_inputs(), _inputs().assign(freelancer_id="f2", hourly_rate_usd=10)])
    d = value.net_value_draws(inputs, _effects(), 3, 0, 50)
    v = value.segment_verdicts(d, "freelancer_id").set_index("segment")
    assert v.loc["f1", "p_worth_it"] == 0.0
    assert v.loc["f1", "verdict"].startswith("not worth it")
    # f2: cost 2 x 10 x 50 = 1,000 < 2,500
    assert v.loc["f2", "p_worth_it"] == 1.0
    assert v.loc["f2", "verdict"].startswith("worth it")
    be = value.break_even(inputs, _effects(), 50)
    np.testing.assert_allclose(be["break_even_lift"], [1.4, 1.1])


def test_sensitivity_at_no_effect():
    """At a lift of 1 only the maintenance cost is left: -4,000."""
    s = value.sensitivity(_inputs(), _effects(), [1.0, 1.4], "category", 50)
    np.testing.assert_allclose(s["net_usd"], [-4000.0, 0.0], atol=1e-9)


def test_value_inputs_small_panel():
    """Two freelancers, three weeks each; only f1 ever holds the badge (week 3)."""
    panel = pd.read_csv(
        io.StringIO(
            "freelancer_id,week_start,invitations,proposals,hires,top_rated,hourly_rate_usd,"
            "billed_hours,tenure_years,cohort_week,event_time\n"
            "f1,2024-01-01,2,8,1,False,40,5,2.0,2024-01-15,-2\n"
            "f1,2024-01-08,4,6,1,False,40,5,2.0,2024-01-15,-1\n"
            "f1,2024-01-15,6,4,0,True,40,5,2.0,2024-01-15,0\n"
            "f2,2024-01-01,1,1,0,False,20,0,0.5,,\n"
            "f2,2024-01-08,1,1,0,False,20,0,0.5,,\n"
            "f2,2024-01-15,1,1,0,False,20,0,0.5,,\n"
        ),
        parse_dates=["week_start", "cohort_week"],
    ).astype({"event_time": "Int64"})
    contracts = pd.DataFrame({"freelancer_id": ["f1", "f1"], "earnings_usd": [300.0, 500.0]})
    out = value.value_inputs(panel, contracts, min_applications=20)
    assert list(out["freelancer_id"]) == ["f1"]
    row = out.iloc[0]
    assert row["invitations_per_week"] == 3.0  # weeks without the badge: (2 + 4) / 2
    assert row["hires_per_application"] == pytest.approx(2 / 30)  # 2 hires / 30 applications
    assert row["contract_value_usd"] == 400.0
    assert row["billed_hours_per_week"] == 5.0
    assert row["rate_band"] == "$30-60"
    assert list(out.columns) == list(value.INPUT_COLUMNS)


def test_a_missing_effect_is_never_drawn_as_no_effect():
    """An effect without an estimate stops the value (named), instead of a 1x lift."""
    effects = pd.DataFrame(
        {
            "effect": ["invitation_lift", "rate_premium", "maintenance_hours"],
            "estimate": [float("nan"), 1.05, 2.0],
            "ci_low": [float("nan"), 1.0, 1.5],
            "ci_high": [float("nan"), 1.1, 2.5],
            "unit": ["x", "x", "hours/week"],
            "note": ["not estimated: nobody is ever Top Rated", "", ""],
        }
    )
    with pytest.raises(ValueError, match="invitation_lift was not estimated .*nobody"):
        value.effect_draws(effects, 10, 0)
    with pytest.raises(ValueError, match="maintenance_hours was not estimated"):
        value.effect_draws(effects[effects["effect"] != "maintenance_hours"].fillna(1.2), 10, 0)
