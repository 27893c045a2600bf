"""Tests of `analysis.estimate.effects`: the weekly panel, the estimators and ``toprated effects``.

The estimators are checked on a small simulated panel built here (seeded numpy),
whose truth is known: freelancer effects correlated with the badge, a JSS that
drives visibility and must stay at 90+ for 13 of 16 weeks before the badge comes
(staggered adoption, and losses when it dips), calendar effects, and a planted
multiplicative invitation lift.
"""

from __future__ import annotations

import dataclasses
import io
import json
import math

import numpy as np
import pandas as pd
import pytest
from histories import make_history
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from analysis.cli import main
from analysis.engine.status import STATUS_DTYPE
from analysis.estimate.effects import (
    EFFECT_COLUMNS,
    badge_lift,
    effects_json,
    event_study,
    maintenance_hours,
    naive_lift,
    rate_premium,
    render_effects,
    score,
    weekly_panel,
)
from analysis.io.errors import InputError

# ---------------------------------------------------------------------------
# a simulated panel with a planted lift
# ---------------------------------------------------------------------------


def _rolling_sum(x: np.ndarray, width: int) -> np.ndarray:
    c = np.cumsum(np.pad(x.astype(np.int64), ((0, 0), (1, 0))), axis=1)
    lagged = np.concatenate([np.zeros((x.shape[0], width), np.int64), c[:, :-width]], axis=1)
    return (c - lagged[:, : c.shape[1]])[:, 1:]


def simulated_panel(lift: float, n: int = 700, weeks: int = 150, seed: int = 0) -> pd.DataFrame:
    """A `weekly_panel`-shaped frame with ``log E[invitations] = alpha_i + gamma_t
    + 0.35 (JSS - 90) / 10 + log(lift) * top_rated``.

    Quality ``q`` raises the freelancer effect ``alpha`` and the JSS drift, so good
    freelancers both get the badge and get invited more (the naive ratio is far
    above `lift`). The badge is shown once the JSS was 90+ on 13 of the last 16
    weeks, so the JSS (and visibility) rises for weeks before the badge arrives;
    it is lost when the JSS dips. Maintenance: 2 unbilled hours a Top Rated week.
    """
    rng = np.random.default_rng(seed)
    q = rng.standard_normal(n)
    alpha = 0.6 * q + 0.4 * rng.standard_normal(n)
    t = np.arange(weeks)
    gamma = 0.15 * np.cos(2 * np.pi * t / 52) + 0.05 * rng.standard_normal(weeks)
    start = 80 + 4 * q + 3 * rng.standard_normal(n)
    drift = 0.08 + 0.06 * q + 0.03 * rng.standard_normal(n)
    steps = drift[:, None] + 0.8 * rng.standard_normal((n, weeks))
    jss = np.clip(np.round(start[:, None] + np.cumsum(steps, axis=1)), 0, 100)
    top = _rolling_sum(jss >= 90, 16) >= 13
    top[:, :16] = False
    ever = top.any(axis=1)
    first = np.where(ever, top.argmax(axis=1), -1)
    after_gain = ever[:, None] & (t[None, :] > first[:, None])
    off_after = after_gain & ~top
    lost = off_after.any(axis=1)
    first_loss = np.where(lost, off_after.argmax(axis=1), -1)
    log_mu = np.log(0.6) + alpha[:, None] + gamma[None, :] + 0.35 * (jss - 90) / 10
    invitations = rng.poisson(np.exp(log_mu + np.log(lift) * top))
    billed = rng.gamma(2.0, 5.0, (n, weeks))
    hours = billed + 2.0 * top + rng.normal(0, 1.0, (n, weeks))
    earnings = np.exp(7 + alpha[:, None] + 0.3 * rng.standard_normal((n, weeks)))
    week_start = pd.Timestamp("2022-01-03") + pd.to_timedelta(7 * t, unit="D")
    fid = np.repeat([f"f{i:04d}" for i in range(n)], weeks)

    def rel(event: np.ndarray) -> pd.arrays.IntegerArray:
        e = (t[None, :] - event[:, None]).ravel()
        return pd.arrays.IntegerArray(e, np.repeat(event < 0, weeks))

    return pd.DataFrame(
        {
            "freelancer_id": fid,
            "week_start": np.tile(week_start.to_numpy(), n),
            "invitations": invitations.ravel().astype(float),
            "hours_worked": hours.ravel(),
            "top_rated": top.ravel(),
            "jss": jss.ravel(),
            "earnings_12w_usd": earnings.ravel(),
            "tenure_years": np.tile(1 + t / 52, n),
            "billed_hours": billed.ravel(),
            "unbilled_contract_open": np.zeros(n * weeks, dtype=bool),
            "event_time": rel(first),
            "event_time_loss": rel(first_loss),
        }
    )


@pytest.fixture(scope="module")
def panel_lift_13() -> pd.DataFrame:
    return simulated_panel(1.3, seed=1)


def test_simulated_panel_has_staggered_adoption_and_losses(panel_lift_13):
    first = panel_lift_13.loc[panel_lift_13["event_time"] == 0, "week_start"]
    assert first.nunique() > 30  # many cohorts
    assert panel_lift_13["event_time_loss"].notna().any()
    assert 0.05 < panel_lift_13["top_rated"].mean() < 0.5


def test_event_study_covers_planted_lift_and_naive_is_biased_up(panel_lift_13):
    es = event_study(panel_lift_13, "invitations", window=(-12, 16))
    pooled = es.pooled.iloc[0]
    assert list(es.pooled.columns) == list(EFFECT_COLUMNS)
    assert pooled["ci_low"] <= 1.3 <= pooled["ci_high"]
    naive = naive_lift(panel_lift_13).iloc[0]
    assert naive["estimate"] > 1.5 * 1.3  # quality drives badge and invitations
    assert naive["ci_low"] > pooled["ci_high"]
    # event-time path: -1 is the reference; flat before, up after
    coefs = es.coefs.set_index("event_time")
    assert list(coefs.index) == list(range(-12, 17))
    assert coefs.loc[-1, "estimate"] == 1.0
    pre = coefs.loc[-12:-2, "estimate"]
    post = coefs.loc[0:16, "estimate"]
    assert abs(np.log(pre).mean()) < 0.1
    assert np.log(post).mean() > np.log(1.15)


def test_event_study_without_jss_controls_credits_jss_to_the_badge(panel_lift_13):
    with_controls = event_study(panel_lift_13, dynamic=False).pooled.iloc[0]["estimate"]
    without = event_study(panel_lift_13, dynamic=False, controls=False).pooled.iloc[0]["estimate"]
    assert without > with_controls


def test_event_study_with_no_effect_covers_one():
    panel = simulated_panel(1.0, seed=2)
    pooled = event_study(panel, dynamic=False).pooled.iloc[0]
    assert pooled["ci_low"] <= 1.0 <= pooled["ci_high"]
    assert naive_lift(panel).iloc[0]["ci_low"] > 1.5


def test_loss_event_study_recovers_the_lift(panel_lift_13):
    pooled = event_study(panel_lift_13, event="loss", dynamic=False).pooled.iloc[0]
    assert pooled["effect"] == "invitation_lift_losses"
    assert pooled["ci_low"] <= 1.3 <= pooled["ci_high"]


def test_maintenance_hours_covers_planted_hours(panel_lift_13):
    row = maintenance_hours(panel_lift_13).iloc[0]
    assert row["unit"] == "hours/week"
    assert row["ci_low"] <= 2.0 <= row["ci_high"]


def test_no_treated_freelancer_gives_a_note_not_an_error(panel_lift_13):
    never = panel_lift_13.assign(
        top_rated=False,
        event_time=pd.array([pd.NA] * len(panel_lift_13), dtype="Int64"),
        event_time_loss=pd.array([pd.NA] * len(panel_lift_13), dtype="Int64"),
    )
    es = event_study(never.iloc[:3000], dynamic=False)
    assert math.isnan(es.pooled.iloc[0]["estimate"])
    assert "no freelancer" in es.pooled.iloc[0]["note"]
    naive = naive_lift(never.iloc[:3000]).iloc[0]
    assert math.isnan(naive["estimate"]) and naive["note"]


def test_naive_lift_by_hand():
    """Two freelancers; Top Rated weeks 2, 5 (A) and 2 (B): mean 3; other weeks 1 (A)
    and 1, 2, 0 (B): mean 1. Ratio 3. Deviations by freelancer: Top Rated A +1, B -1,
    other 0 and 0, so the clustered variance of log(3) is
    c * ((1/9)^2 + (1/9)^2) with c = 2/1 * 6/5 = 2.4: 4.8/81, SE 0.2434322."""
    panel = pd.DataFrame(
        {
            "freelancer_id": ["A", "A", "A", "B", "B", "B", "B"],
            "top_rated": [True, True, False, True, False, False, False],
            "invitations": [2, 5, 1, 2, 1, 2, 0],
        }
    )
    row = naive_lift(panel).iloc[0]
    assert row["estimate"] == pytest.approx(3.0, rel=1e-12)
    se = math.sqrt(4.8 / 81)
    assert row["ci_low"] == pytest.approx(3 * math.exp(-1.959963984540054 * se), rel=1e-9)
    assert row["ci_high"] == pytest.approx(3 * math.exp(1.959963984540054 * se), rel=1e-9)
    assert (row["n_obs"], row["n_freelancers"]) == (7, 2)
    none_when_badged = panel.assign(invitations=[0, 0, 1, 0, 1, 2, 0])
    assert "no invitations in Top Rated weeks" in naive_lift(none_when_badged).iloc[0]["note"]


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(20, 400),
    groups=st.integers(2, 40),
    share=st.floats(0.05, 0.95),
)
def test_naive_lift_is_the_clustered_poisson_glm(seed, n, groups, share):
    import statsmodels.api as sm

    rng = np.random.default_rng(seed)
    g = rng.integers(0, groups, n)
    x = rng.random(n) < share
    y = rng.poisson(np.exp(0.5 + 0.4 * x + 0.5 * rng.standard_normal(groups)[g]))
    assume(0 < x.sum() < n and y[x].sum() > 0 and y[~x].sum() > 0 and len(np.unique(g)) > 1)
    panel = pd.DataFrame({"freelancer_id": g.astype(str), "top_rated": x, "invitations": y})
    row = naive_lift(panel).iloc[0]
    fit = sm.GLM(y.astype(float), sm.add_constant(x.astype(float)), family=sm.families.Poisson())
    fit = fit.fit(cov_type="cluster", cov_kwds={"groups": g})
    assert math.log(row["estimate"]) == pytest.approx(fit.params[1], rel=1e-7, abs=1e-9)
    se = math.log(row["ci_high"] / row["estimate"]) / 1.959963984540054
    # abs: with two freelancers the clustered error can be zero in exact arithmetic
    # (seed 236, n 21, groups 2: 1e-16 here, 9e-9 in statsmodels), both float noise
    assert se == pytest.approx(fit.bse[1], rel=1e-6, abs=1e-7)


def test_rate_premium_within_freelancer():
    """Rates grow 4% a year for everyone (start-week effects absorb it) and jump by
    10% for contracts started after the freelancer's first gain."""
    rng = np.random.default_rng(3)
    n, k = 120, 12
    fid = np.repeat([f"f{i}" for i in range(n)], k)
    start = pd.Timestamp("2022-01-03") + pd.to_timedelta(rng.integers(0, 150, n * k) * 7, unit="D")
    years = (start - pd.Timestamp("2022-01-03")).days.to_numpy() / 365.25
    gain = np.repeat(rng.integers(30, 200, n) * 7, k)  # days after the first Monday
    after = (start - pd.Timestamp("2022-01-03")).days.to_numpy() >= gain
    base = np.repeat(rng.lognormal(3.2, 0.6, n), k)
    rate = base * 1.04**years * np.where(after, 1.10, 1.0) * rng.lognormal(0, 0.02, n * k)
    rates = pd.DataFrame(
        {"freelancer_id": fid, "start_date": start, "rate_usd": rate, "after_gain": after}
    )
    row = rate_premium(rates).iloc[0]
    assert row["ci_low"] <= 1.10 <= row["ci_high"]
    assert row["ci_high"] - row["ci_low"] < 0.05


# ---------------------------------------------------------------------------
# the weekly panel on a tiny literal history
# ---------------------------------------------------------------------------

STATUS_CSV = """\
freelancer_id,week,status,jss
f1,2024-01-07,none,88
f1,2024-01-14,top_rated,91
f1,2024-01-21,top_rated,92
f1,2024-01-28,none,89
"""


def tiny_history():
    return make_history(
        contracts=[
            {
                "contract_id": "c1",
                "start_date": "2023-10-16",
                "end_date": "2024-01-10",
                "earnings_usd": 150.0,
                "contract_type": "hourly",
                "hours": 5.0,
            },
            {
                "contract_id": "c2",
                "start_date": "2024-01-16",
                "end_date": "2024-01-20",
                "earnings_usd": 200.0,
                "contract_type": "fixed",
            },
        ],
        payments=[
            {"contract_id": "c1", "paid_date": "2023-10-16", "amount_usd": 50.0},
            {"contract_id": "c1", "paid_date": "2024-01-10", "amount_usd": 100.0},
        ],
        activity=[
            {"week_start": "2024-01-08", "invitations": 1, "hours_worked": 5.0},
            {"week_start": "2024-01-15", "invitations": 2, "hours_worked": 6.0},
            {"week_start": "2024-01-22", "invitations": 3, "hours_worked": 2.0},
            {"week_start": "2024-01-29", "invitations": 0, "hours_worked": 0.0},
        ],
        freelancers=[{"freelancer_id": "f1", "joined_date": "2023-01-09", "hourly_rate_usd": 40.0}],
    )


def test_weekly_panel_maps_each_week_to_its_sundays():
    """Hand-worked, week by week (Monday -> Sunday before it / Sunday ending it):

    - 01-08: shown = 01-07 (none, JSS 88), week end = 01-14 (top_rated). Earnings of
      the 12 weeks before, 2023-10-16..2024-01-07: the 50 paid on 10-16. Billed:
      100 paid on 01-10 x 5 h / 150 USD = 3.3333 h. c1 started before: 1 job.
    - 01-15: shown = 01-14 (top_rated, 91) -> the first week shown (cohort 01-15,
      event time 0); end = 01-21 (top_rated). Earnings 10-23..01-14: the 100.
      The fixed-price c2 (01-16..01-20) is open.
    - 01-22: shown = 01-21 (top_rated, 92); end = 01-28 (none). c2 started: 2 jobs.
    - 01-29: shown = 01-28 (none, 89) -> the first week without the badge (loss
      week 01-29, loss event time 0); end = 02-04 (no row: none).
    Tenure from joined 2023-01-09: 364, 371, 378, 385 days / 365.25.
    """
    status = pd.read_csv(io.StringIO(STATUS_CSV), parse_dates=["week"])
    panel = weekly_panel(tiny_history(), "upwork-2025", status=status)
    expected = pd.read_csv(
        io.StringIO(
            """\
week_start,status_shown,status_week_end,top_rated,jss,earnings_12w_usd,billed_hours,unbilled_contract_open,jobs_before,event_time,event_time_loss
2024-01-08,none,top_rated,False,88.0,50.0,3.333333,False,1,-1,-3
2024-01-15,top_rated,top_rated,True,91.0,100.0,0.0,True,1,0,-2
2024-01-22,top_rated,none,True,92.0,100.0,0.0,False,2,1,-1
2024-01-29,none,none,False,89.0,100.0,0.0,False,2,2,0
"""
        ),
        parse_dates=["week_start"],
    ).astype(
        {
            "week_start": "datetime64[s]",
            "status_shown": STATUS_DTYPE,
            "status_week_end": STATUS_DTYPE,
            "event_time": "Int64",
            "event_time_loss": "Int64",
        }
    )
    got = panel[list(expected.columns)].astype({"jobs_before": "int64"})
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-6)
    assert (panel["cohort_week"] == pd.Timestamp("2024-01-15")).all()
    assert (panel["first_loss_week"] == pd.Timestamp("2024-01-29")).all()
    assert (panel["hourly_rate_usd"] == 40.0).all()
    np.testing.assert_allclose(panel["tenure_years"], np.array([364, 371, 378, 385]) / 365.25)
    assert panel["invitations"].tolist() == [1.0, 2.0, 3.0, 0.0]


def test_weekly_panel_runs_the_rules_engine_when_no_status_is_given():
    panel = weekly_panel(tiny_history(), "upwork-2025")
    assert len(panel) == 4
    assert not panel["top_rated"].any()  # one contract is no Top Rated
    assert panel["event_time"].isna().all()


def test_weekly_panel_without_activity_is_refused():
    history = make_history(contracts=[{"contract_id": "c1"}])
    with pytest.raises(InputError, match="need activity.csv with weekly invitations"):
        weekly_panel(history)


# ---------------------------------------------------------------------------
# scoring, rendering and the command
# ---------------------------------------------------------------------------


def test_score_fills_truth_and_coverage():
    effects = pd.DataFrame(
        {
            "effect": ["invitation_lift", "invitation_lift_naive", "rate_premium", "other"],
            "estimate": [1.2, 3.0, np.nan, 1.0],
            "ci_low": [1.1, 2.5, np.nan, 0.9],
            "ci_high": [1.3, 3.5, np.nan, 1.1],
        }
    )
    truth = {"realised": {"invitation_lift": 1.25, "rate_premium": 1.08}}
    got = score(effects, truth)
    assert got["truth"].tolist()[:3] == [1.25, 1.25, 1.08]
    assert math.isnan(got["truth"].iloc[3])
    assert got["covered"].tolist() == [True, False, pd.NA, pd.NA]
    assert score(effects, None)["covered"].isna().all()


def test_render_and_json_show_estimates_truth_and_gaps():
    effects = score(
        pd.DataFrame(
            {
                "effect": ["invitation_lift", "maintenance_hours", "rate_premium"],
                "estimate": [1.2, 2.04, np.nan],
                "ci_low": [1.1, 1.9, np.nan],
                "ci_high": [1.3, 2.2, np.nan],
                "unit": ["x", "hours/week", "x"],
                "method": ["m1", "m2", "m3"],
                "note": ["", "", "no hourly contracts after a gain"],
            }
        ),
        {"realised": {"invitation_lift": 1.25, "maintenance_hours_per_top_rated_week": 3.0}},
    )
    text = render_effects(effects)
    assert "1.200x  [1.100, 1.300]   truth 1.250: covered" in text
    assert "2.04 hours/week  [1.90, 2.20]   truth 3.00: NOT covered" in text
    assert "not estimated: no hourly contracts after a gain" in text
    records = json.loads(effects_json(effects))
    assert records[0]["covered"] is True
    assert records[2]["estimate"] is None and records[2]["covered"] is None


def test_cli_effects_without_activity_exits_2_with_message(tmp_path, capsys):
    (tmp_path / "contracts.csv").write_text(
        "freelancer_id,contract_id,client_id,start_date,end_date,earnings_usd\n"
        "f1,c1,k1,2024-01-02,2024-02-01,500\n"
    )
    assert main(["effects", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "activity.csv" in err and "need activity.csv with weekly invitations" in err
    assert "Traceback" not in err


def test_cli_effects_on_a_simulated_history(tmp_path, capsys):
    """End to end on a small simulated marketplace: every effect is printed, with
    the truth of ``truth.json`` beside it; ``--json`` gives the same rows."""
    from analysis.simulate.generate import generate

    generate(
        tmp_path, freelancers=500, start="2020-01-01", end="2023-12-31", seed=5, progress=False
    )
    assert main(["effects", str(tmp_path), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    by_effect = {r["effect"]: r for r in rows}
    names = ("invitation_lift", "invitation_lift_naive", "hire_rate_lift", "rate_premium")
    assert set(names) | {"maintenance_hours"} <= set(by_effect)
    lift = by_effect["invitation_lift"]
    truth = json.loads((tmp_path / "truth.json").read_text())["realised"]
    assert lift["truth"] == pytest.approx(truth["invitation_lift"])
    assert lift["estimate"] is None or lift["ci_low"] < lift["estimate"] < lift["ci_high"]


def test_guarded_turns_an_unidentified_model_into_a_reason():
    import numpy as np

    from analysis.estimate.effects import EFFECT_COLUMNS, guarded

    def singular():
        raise np.linalg.LinAlgError("Singular matrix")

    row = guarded("invitation_lift", "x", "event study", singular)
    assert list(row.columns) == list(EFFECT_COLUMNS)
    assert row["estimate"].isna().all()
    assert row["note"].iloc[0] == (
        "not estimated: the model cannot be fitted on this history (LinAlgError: Singular matrix)"
    )


def test_report_effects_without_a_badge_say_why_for_every_row():
    from analysis.estimate.effects import REPORT_EFFECTS, report_effects

    history = make_history([{"freelancer_id": "f1"}])
    panel = pd.DataFrame({"top_rated": [False, False]})
    out = report_effects(history, panel)
    assert out["effect"].tolist() == list(REPORT_EFFECTS)
    assert out["estimate"].isna().all()
    assert out["note"].str.contains("nobody in this history is ever Top Rated").all()
    none = report_effects(history, None)
    assert none["note"].str.contains("no activity.csv").all()


def test_importing_pyfixest_leaves_the_logging_setup_alone():
    """pyfixest calls logging.basicConfig(level=INFO) on import; through
    `import_pyfixest` a process's root logger keeps its level and handlers (else INFO
    records of other libraries print into reports)."""
    import subprocess
    import sys

    code = (
        "import logging\n"
        "from analysis.estimate.effects import import_pyfixest\n"
        "pf = import_pyfixest()\n"
        "assert pf.feols\n"
        "root = logging.getLogger()\n"
        "print(root.level, len(root.handlers))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str(logging_warning()), "0"]


def logging_warning() -> int:
    import logging

    return logging.WARNING


def test_recent_hires_count_the_twelve_calendar_weeks_before_each_week():
    """Hand-worked ``hires_12w`` with a gap in the activity weeks: the 12 weeks
    before 2024-01-08 start on 2023-10-16, so they hold 2 (10-16) + 4 (01-01) = 6,
    not the 1 hire of 10-09; before 2024-01-01: 1 + 2 = 3; before 10-16: 1; before
    10-09: none. Without a hires column the count is unknown (NaN), never 0."""
    base = tiny_history()
    weeks = ["2023-10-09", "2023-10-16", "2024-01-01", "2024-01-08"]
    rows = [
        {"week_start": w, "invitations": 1, "hires": h}
        for w, h in zip(weeks, [1, 2, 4, 0], strict=True)
    ]
    history = make_history(contracts=base.contracts.to_dict("records"), activity=rows)
    panel = weekly_panel(history, "upwork-2025")
    assert panel["hires_12w"].tolist() == [0.0, 1.0, 3.0, 6.0]
    without = dataclasses.replace(history, activity=history.activity.drop(columns=["hires"]))
    no_hires = weekly_panel(without, "upwork-2025")
    assert no_hires["hires_12w"].isna().all()


_FIT_TWICE = """
import sys
sys.path.insert(0, {tests!r})
from test_effects import simulated_panel
from analysis.estimate.effects import badge_lift
panel = simulated_panel(1.3, seed=1)
for _ in range(2):
    row = badge_lift(panel, "invitations", "gain", (-12, 16), max_controls=None).iloc[0]
    print(repr((row["estimate"], row["ci_low"], row["ci_high"])))
"""


def test_a_fit_gives_the_same_bits_in_every_run():
    """Same seed, same bytes: pyfixest's fixed-effect order must not follow Python's
    per-process string hashing, nor its solver's thread timing (`import_pyfixest`).
    Two processes with different hash seeds, each fitting twice, print one result."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = _FIT_TWICE.format(tests=str(Path(__file__).parent))
    outputs = []
    for hash_seed in ("1", "2"):
        env = {k: v for k, v in os.environ.items() if k != "RAYON_NUM_THREADS"}
        env["PYTHONHASHSEED"] = hash_seed
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
        outputs += done.stdout.split("\n")[:2]
    assert len(outputs) == 4 and len(set(outputs)) == 1, outputs


def test_the_poisson_stopping_tolerance_moves_no_estimate_in_its_sixth_digit(
    panel_lift_13, monkeypatch
):
    """`IWLS_TOL` (1e-6, looser than pyfixest's 1e-8, to save iterations) gives the
    pooled lift and its interval of a fit run to 1e-10, to a relative 1e-6."""
    from analysis.estimate import effects

    quick = badge_lift(panel_lift_13, max_controls=200).iloc[0]
    monkeypatch.setattr(effects, "IWLS_TOL", 1e-10)
    tight = badge_lift(panel_lift_13, max_controls=200).iloc[0]
    for col in ("estimate", "ci_low", "ci_high"):
        assert quick[col] == pytest.approx(tight[col], rel=1e-6), col


def test_an_unbounded_event_time_coefficient_is_a_missing_row_not_a_failure(
    panel_lift_13, monkeypatch
):
    """An event-time dummy whose interval passes exp(700) (one badge holder reaches
    it, say) is NaN like a dummy the fit dropped; the other weeks and the pooled
    lift are still given (it used to raise and lose the whole event study)."""
    import analysis.estimate.effects as effects

    real = effects.standard_errors

    def huge_at_week_5(fit, terms):
        out = real(fit, terms)
        return {t: (1e4 if t == effects._et_name(5) else v) for t, v in out.items()}

    monkeypatch.setattr(effects, "standard_errors", huge_at_week_5)
    es = event_study(panel_lift_13, "invitations", window=(-12, 16))
    coefs = es.coefs.set_index("event_time")
    assert coefs.loc[5].isna().all()
    assert coefs.drop(index=5)["estimate"].notna().all()
    assert np.isfinite(es.pooled.iloc[0]["estimate"])
