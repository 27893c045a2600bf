"""Issue 12: the observed badge as treatment, the workload and weekly earnings of the
panel, the engine-vs-shown agreement of report 02, report 09's coverage table, and
the acceptance checks on small simulated worlds."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
from histories import make_history

from analysis.estimate.effects import POOLED_WINDOW, badge_lift, estimate_effects, weekly_panel
from analysis.stories import method
from analysis.stories.transitions import agreement_line, shown_agreement


def shown_history(shown):
    """One freelancer, one hourly contract (2023-10-16 .. 2024-01-10, $150 paid
    $50 on 2023-10-16 and $100 on 2024-01-10) and a fixed-price one starting
    2024-01-16; four activity weeks whose ``status_shown`` is `shown`."""
    weeks = ["2024-01-08", "2024-01-15", "2024-01-22", "2024-01-29"]
    return make_history(
        contracts=[
            {"contract_id": "c1", "start_date": "2023-10-16", "end_date": "2024-01-10",
             "earnings_usd": 150.0, "contract_type": "hourly", "hours": 5.0},
            {"contract_id": "c2", "start_date": "2024-01-16", "end_date": "2024-01-20",
             "earnings_usd": 200.0, "contract_type": "fixed"},
        ],
        payments=[
            {"contract_id": "c1", "paid_date": "2023-10-16", "amount_usd": 50.0},
            {"contract_id": "c1", "paid_date": "2024-01-10", "amount_usd": 100.0},
        ],
        activity=[
            {"week_start": w, "invitations": i, "status_shown": s}
            for w, i, s in zip(weeks, [1, 2, 3, 0], shown, strict=True)
        ],
    )  # fmt: skip


SHOWN = ["rising_talent", "top_rated", "top_rated", "rising_talent"]


def test_observed_status_shown_is_the_treatment_and_sets_gain_and_loss():
    """Shown rising_talent, top_rated, top_rated, rising_talent: the engine (a new
    freelancer) gives Rising Talent only, but the observed badge is the treatment;
    the gain is the week of 2024-01-15 (event time 0), the first loss 2024-01-29."""
    panel = weekly_panel(shown_history(SHOWN))
    assert panel["top_rated"].tolist() == [False, True, True, False]
    assert panel["status_observed"].all()
    assert (panel["status_engine"].astype(str) == "rising_talent").all()
    assert panel["event_time"].tolist() == [-1, 0, 1, 2]
    assert panel["event_time_loss"].tolist() == [-3, -2, -1, 0]
    assert str(panel["cohort_week"].iloc[0].date()) == "2024-01-15"


def test_missing_status_shown_falls_back_to_the_engine():
    """Empty ``status_shown`` cells are not observed: the engine's status is used."""
    panel = weekly_panel(shown_history(["", "", "", ""]))
    assert not panel["status_observed"].any()
    assert not panel["top_rated"].any()
    assert panel["event_time"].isna().all()


def test_weekly_earnings_and_open_contracts_by_hand():
    """Payments land on their days: $100 on Wed 2024-01-10 is the week of 01-08.
    Open on the Sunday before each week: 01-07 c1; 01-14 none (c1 ended 01-10,
    c2 starts 01-16); 01-21 none (c2 ended 01-20); 01-28 none."""
    panel = weekly_panel(shown_history(["none"] * 4))
    assert panel["earnings_usd"].iloc[0] == pytest.approx(100.0)
    assert panel["earnings_usd"].iloc[3] == pytest.approx(0.0)
    assert panel["open_contracts"].tolist() == [1, 0, 0, 0]


def test_shown_agreement_counts_weeks_by_hand():
    """Shown: rising_talent, top_rated, top_rated, rising_talent; engine:
    rising_talent everywhere -> rising_talent 2 of 2 agree, top_rated 0 of 2, all 2
    of 4 (50.0%)."""
    panel = weekly_panel(shown_history(SHOWN))
    table = shown_agreement(panel).set_index("status_shown")
    assert table.loc["rising_talent", "weeks"] == 2 and table.loc["rising_talent", "agree"] == 2
    assert table.loc["top_rated", "agree"] == 0
    assert table.loc["all", "share"] == pytest.approx(0.5)
    assert "50.0% of 4 freelancer-weeks" in agreement_line(shown_agreement(panel))
    assert "does not record" in agreement_line(shown_agreement(None))


def test_coverage_table_and_finding_from_a_summary(tmp_path):
    summary = {
        "results": {
            "today": {"invitation_lift": {"runs": 10, "estimated": 10, "coverage": 0.9,
                                          "mean_bias": 0.01, "mean_truth": 1.25,
                                          "mean_estimate": 1.26, "median_width": 0.4}},
            "ramp": {"invitation_lift": {"runs": 10, "estimated": 10, "coverage": 0.6,
                                         "mean_bias": -0.2, "mean_truth": 1.4,
                                         "mean_estimate": 1.2}},
            "drift": {"invitation_lift": {"runs": 10, "estimated": 10, "coverage": 0.1,
                                          "mean_bias": 0.3, "mean_truth": 1.25,
                                          "mean_estimate": 1.55}},
        }
    }  # fmt: skip
    path = tmp_path / "coverage.json"
    path.write_text(json.dumps(summary))
    table = method.coverage_table(method.read_coverage(path))
    assert table["identified"].tolist() == [True, True, False]
    # the width where the summary has one (older summaries do not): NaN, not 0
    assert table["median_width"].iloc[0] == 0.4 and table["median_width"].iloc[1:].isna().all()
    short = method.short_of_target(table)
    assert short["world"].tolist() == ["ramp"]
    text = method.method_finding(table)
    assert "1 of 2 world-effect pairs" in text and "'ramp', 60%" in text
    assert method.read_coverage(tmp_path / "absent.json") is None
    assert "No coverage summary" in method.method_finding(method.coverage_table(None))


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    from analysis.io.load import read_history
    from analysis.simulate.generate import generate

    def make(name, **knobs):
        folder = tmp_path_factory.mktemp(name)
        generate(folder, freelancers=800, start="2021-01-01", end="2023-12-31", seed=7,
                 overrides=knobs, progress=False)  # fmt: skip
        truth = json.loads((folder / "truth.json").read_text())
        return read_history(folder), truth

    return make


def test_hires_lift_covers_one_with_every_hire_side_mechanism_off(simulated):
    """Acceptance (issue 12): no badge effect on invitations, views or hires, no
    declined offers, no upkeep: the hires-lift interval covers 1.0. (With a
    freelancer fixed effect it did not, upper bound 0.984: the badge arrives after a
    busy stretch and hires fall back from it; `hires_lift` compares weeks in the
    same state instead.)"""
    history, _ = simulated(
        "hires-off", invitation_lift=1.0, profile_view_lift=1.0, hire_rate_lift=1.0,
        risky_decline_share=0.0, maintenance_hours_per_week=0.0,
    )  # fmt: skip
    row = estimate_effects(history).set_index("effect").loc["hires_lift"]
    assert row["ci_low"] <= 1.0 <= row["ci_high"]


def test_invitation_lift_covers_the_counterfactual_truth_when_heterogeneous_and_ramping(
    simulated,
):
    """Acceptance (issue 12): effects spread across freelancers and building up
    over 8 weeks; the interval covers truth.json's counterfactual invitation lift.
    With the normal 1.96 multiplier it did not (up to 1.593 against a truth of
    1.671): few freelancers carry the information, which the t multiplier of
    `effective_clusters` accounts for."""
    history, truth = simulated(
        "het-ramp", invitation_lift=1.5, lift_heterogeneity_sd=0.3, effect_ramp_weeks=8.0
    )
    panel = weekly_panel(history)
    row = badge_lift(panel, "invitations", window=POOLED_WINDOW).iloc[0]
    assert row["ci_low"] <= truth["realised"]["invitation_lift"] <= row["ci_high"]


def test_dropping_status_shown_changes_nothing_when_the_rules_are_the_same(simulated):
    """Under the analyst's own rules the engine reconstructs the shown badge: with
    and without the column the treatment agrees in at least 99% of weeks."""
    history, _ = simulated("same-rules")
    with_shown = weekly_panel(history)
    without = weekly_panel(
        dataclasses.replace(history, activity=history.activity.drop(columns=["status_shown"]))
    )
    agree = np.mean(with_shown["top_rated"].to_numpy() == without["top_rated"].to_numpy())
    assert with_shown["status_observed"].all() and agree >= 0.99
    assert isinstance(shown_agreement(with_shown), pd.DataFrame)


def test_no_summary_gives_an_empty_table_nothing_short_and_a_plain_finding():
    table = method.coverage_table(None)
    assert list(table.columns) == list(method.TABLE_COLUMNS) and len(table) == 0
    assert len(method.short_of_target(table)) == 0
