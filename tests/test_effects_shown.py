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
    assert text.endswith("are not identified.")
    # a fresh-seed run that falls short is named; one that does not says so
    both = method.method_finding(table, fresh=table)
    assert both.endswith("not identified; on fresh seeds 1 of 2 world-effect pairs the design "
                         "should identify fall short of 90% coverage (worst: invitation_lift in "
                         "'ramp', 60%).")  # fmt: skip
    fine = table.assign(coverage=0.95)
    assert method.method_finding(table, fresh=fine).endswith(
        "; on fresh seeds too, every identified world reaches 90%."
    )
    assert method.method_finding(table, fresh=method.coverage_table(None)) == text
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


def lead_panel(hires_in_lead=0.0, surplus_after=0.0, seed=3):
    """A literal weekly panel: 40 freelancers x 30 weeks from 2024-01-01, all in the
    same state (JSS 95, $500 in 12 weeks, 2 years on the platform, one open contract,
    five earlier jobs, two recent hires), own rate $20. Freelancers 0-4 gain the badge
    in week 13, freelancers 5-9 in week 17, each holds it 5 weeks and then loses it;
    the others never gain it. Hires are Poisson(1) draws of `seed`, except the
    treated freelancers' 12 weeks before their gain (the lead: event time -12..-1,
    overlapping the other cohort's badge weeks), which are `hires_in_lead`. Weekly surplus (earnings minus 10 hours x $20) is a freelancer
    level plus a week level, plus `surplus_after` in every week from the gain on."""
    rng = np.random.default_rng(seed)
    n, weeks = 40, 30
    fid = np.repeat(np.arange(n), weeks)
    wk = np.tile(np.arange(weeks), n)
    treated = fid < 10
    event_time = np.where(treated, wk - np.where(fid < 5, 13, 17), np.nan)
    lead = treated & (event_time >= -12) & (event_time < 0)
    after = treated & (event_time >= 0)
    hires = np.where(lead, hires_in_lead, rng.poisson(1.0, n * weeks)).astype(float)
    surplus = 30.0 * (fid % 7) + 5.0 * (wk % 4) + surplus_after * after
    return pd.DataFrame({
        "freelancer_id": [f"f{i:02d}" for i in fid],
        "week_start": pd.Timestamp("2024-01-01") + pd.to_timedelta(7 * wk, unit="D"),
        "top_rated": after & (event_time < 5),
        "event_time": pd.array(event_time, dtype="Float64"),
        "jss": 95.0, "earnings_12w_usd": 500.0, "tenure_years": 2.0, "open_contracts": 1,
        "jobs_before": 5, "hires_12w": 2.0, "hires": hires,
        "hours_worked": 10.0, "hourly_rate_usd": 20.0, "earnings_usd": surplus + 200.0,
    })  # fmt: skip


def test_event_sample_skip_lead_leaves_out_the_treated_weeks_before_the_gain():
    """Window (-12, 4): the first cohort (gain in week 13) keeps event times -13..4
    (18 weeks), the second (week 17) -17..4 (22 weeks); with `skip_lead` the 12
    weeks -12..-1 go (6 and 10 left); never-treated freelancers keep all 30 weeks."""
    from analysis.estimate.effects import event_sample

    panel = lead_panel()
    plain = event_sample(panel, "gain", (-12, 4))
    skipped = event_sample(panel, "gain", (-12, 4), skip_lead=True)
    e = skipped["event_time"].to_numpy(dtype=float, na_value=np.nan)
    assert len(plain) == 5 * 18 + 5 * 22 + 30 * 30
    assert len(skipped) == 5 * 6 + 5 * 10 + 30 * 30
    assert sorted(set(e[np.isfinite(e)].astype(int))) == [-17, -16, -15, -14, -13, 0, 1, 2, 3, 4]


def test_hires_lift_does_not_see_the_run_of_hires_before_the_gain():
    """Whatever the treated freelancers' hires in the 12 weeks before their gain (0 or
    9 a week), `hires_lift` is the same; `badge_lift` on the same sample with those
    weeks (the old model) is not, and is pulled down by a busy lead."""
    from analysis.estimate.effects import HIRES_FIXED, hires_lift

    quiet, busy = lead_panel(hires_in_lead=0.0), lead_panel(hires_in_lead=9.0)
    a, b = hires_lift(quiet).iloc[0], hires_lift(busy).iloc[0]
    assert a["estimate"] == pytest.approx(b["estimate"], rel=1e-9)
    assert a["ci_low"] == pytest.approx(b["ci_low"], rel=1e-9)
    old_quiet = badge_lift(quiet, "hires", window=POOLED_WINDOW, fixed=HIRES_FIXED).iloc[0]
    old_busy = badge_lift(busy, "hires", window=POOLED_WINDOW, fixed=HIRES_FIXED).iloc[0]
    assert old_busy["estimate"] < a["estimate"] < old_quiet["estimate"]


def test_net_value_is_the_surplus_gained_after_the_gain_per_year_held():
    """Surplus $10 a week higher in every week from the gain on (17 and 13 weeks for
    the two cohorts, 5 of them held): per holder-year that is 52 x $10 x (5 x 17 +
    5 x 13) / (10 x 5) = $1,560."""
    from analysis.estimate.effects import net_value

    row = net_value(lead_panel(surplus_after=10.0)).iloc[0]
    assert row["estimate"] == pytest.approx(1560.0, rel=1e-6)
    # an exact fit: a zero-width interval, its ends equal to 1560 up to the last bit
    assert row["ci_low"] - 1e-6 <= 1560.0 <= row["ci_high"] + 1e-6
    none = net_value(lead_panel(surplus_after=0.0)).iloc[0]
    assert none["estimate"] == pytest.approx(0.0, abs=1e-6)


def test_hire_rate_lift_without_applications_is_refused_by_name():
    """Hires per application needs the week's invitations and proposals: a panel
    without them gets an input error naming the column, not a KeyError."""
    from analysis.estimate.effects import hire_rate_lift
    from analysis.io.errors import InputError

    with pytest.raises(InputError, match="invitations"):
        hire_rate_lift(lead_panel())
