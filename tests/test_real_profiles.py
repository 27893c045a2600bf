"""Report 10's blocks (`analysis.stories.profiles`) and `analysis.io.world`, on literal frames."""

from __future__ import annotations

import io
import json

import matplotlib
import numpy as np
import pandas as pd
import pytest
from histories import make_history

from analysis.engine.ruleset import load_rules
from analysis.io.world import world_of
from analysis.report import plots
from analysis.stories import profiles as sp

matplotlib.use("Agg")


def _table(text: str) -> pd.DataFrame:
    t = pd.read_csv(io.StringIO(text), dtype={"freelancer_id": "str", "snapshot": "str"})
    return t.assign(jss=t["jss"].astype("Int64"))


# Two snapshots of four profiles. In "s1" p1 90, p2 89, p3 100, p4 no JSS; in "s2"
# p1 89 (crossed below), p2 90 (crossed above), p3 100 (no change), p4 95 (no JSS
# before: not in the panel), p5 new.
PANEL = _table(
    "snapshot,freelancer_id,jss,hourly_rate_usd,total_earnings_usd,badge\n"
    "s1,p1,90,10,1000,\n"
    "s1,p2,89,20,0,\n"
    "s1,p3,100,30,20000,\n"
    "s1,p4,,40,500,\n"
    "s2,p1,89,10,1000,\n"
    "s2,p2,90,20,100,\n"
    "s2,p3,100,30,20000,\n"
    "s2,p4,95,40,500,\n"
    "s2,p5,100,50,100000,\n"
)


def test_jss_churn_by_hand():
    got = sp.jss_churn(PANEL, panels=(("next", "s1", "s2"),), line=90).iloc[0]
    assert got["profiles"] == 3  # p1, p2, p3 show a JSS both times
    assert got["share_changed"] == pytest.approx(2 / 3)
    assert got["mean_abs_change"] == pytest.approx((1 + 1 + 0) / 3)
    assert got["crossed_below"] == pytest.approx(1 / 3)
    assert got["crossed_above"] == pytest.approx(1 / 3)
    assert got["crossed"] == pytest.approx(2 / 3)


def test_jss_churn_without_overlap_is_nan():
    got = sp.jss_churn(PANEL, panels=(("none", "s1", "s3"),)).iloc[0]
    assert got["profiles"] == 0 and np.isnan(got["crossed"])


def test_jss_summary_by_hand():
    got = sp.jss_summary(PANEL, line=90).set_index("snapshot")
    # s1: 4 profiles, 3 show a JSS (90, 89, 100): 2 of 3 at 90+, 1 of 3 at 100, median 90
    assert got.loc["s1", "profiles"] == 4
    assert got.loc["s1", "share_with_jss"] == pytest.approx(0.75)
    assert got.loc["s1", "share_jss_at_least_line"] == pytest.approx(2 / 3)
    assert got.loc["s1", "share_jss_100"] == pytest.approx(1 / 3)
    assert got.loc["s1", "median_jss"] == 90
    # s2: 89, 90, 100, 95, 100 -> 4 of 5 at 90+, 2 of 5 at 100, median 95
    assert got.loc["s2", "share_jss_at_least_line"] == pytest.approx(0.8)
    assert got.loc["s2", "share_jss_100"] == pytest.approx(0.4)
    assert got.loc["s2", "median_jss"] == 95


def test_money_summary_and_gap():
    money = sp.money_summary(PANEL).set_index("snapshot")
    assert money.loc["s1", "rate_median_usd"] == 25.0
    # earnings shown > 0 in s1: 1000, 20000, 500 -> median 1000
    assert money.loc["s1", "earnings_median_usd"] == 1000.0
    gap = sp.calibration_gap(PANEL, PANEL.assign(jss=PANEL["jss"].fillna(100)), line=90)
    row = gap.set_index("figure").loc["share of JSS at 90+"]
    # real pooled: 7 of 8 shown JSS at 90+; filled: p4 in s1 becomes 100 -> 8 of 9
    assert row["real"] == pytest.approx(6 / 8)
    assert row["simulated"] == pytest.approx(7 / 9)
    assert row["gap"] == pytest.approx(7 / 9 - 6 / 8)


def test_earnings_shown_bucket_floors():
    got = sp.earnings_shown([0.0, 42.7, 99.99, 100.0, 224.0, 1905.0, 10_000.0, 23_400.0, 1.5e6])
    assert got.tolist() == [0, 42, 99, 100, 200, 1000, 10_000, 20_000, 1_000_000]


def test_bundled_real_figures_match_the_readme():
    """The README's orientation figures: 82-84% at 90+ in 2023, 92% in 2025; median
    rate $25; 445 and 64 profiles in the panels."""
    real = sp.real_profiles()
    s = sp.jss_summary(real).set_index("snapshot")["share_jss_at_least_line"]
    assert 0.82 <= s["2023-08-19"] <= 0.845 and 0.915 <= s["2025-09-09"] <= 0.93
    assert real["hourly_rate_usd"].median() == 25.0
    panel = real[real["snapshot"].isin(["2023-07-24b", "2023-08-19"])]
    assert panel["freelancer_id"].duplicated().sum() == 445
    churn = sp.jss_churn(real).set_index("horizon")
    assert churn.loc["four weeks", "profiles"] == 415


def test_simulated_dates_and_profiles():
    real = pd.DataFrame(
        {
            "snapshot": ["a1", "a2", "b", "c"],
            "snapshot_date": pd.to_datetime(
                ["2023-07-24", "2023-07-24", "2023-08-19", "2025-09-09"]
            ),
        }
    )
    dates = sp.simulated_dates("2025-12-28", real)
    assert dates["snapshot"].tolist() == ["a2", "b", "c"]
    gaps = (pd.Timestamp("2025-12-28") - dates["snapshot_date"]).dt.days.tolist()
    # 2023-08-19 -> 2025-09-09: 366 (leap 2024) + 365 + 21 = 752 days; 2023-07-24 is 26 more
    assert gaps == [778, 752, 0]
    h = make_history(
        contracts=[dict(start_date="2025-12-01", end_date="2025-12-10", earnings_usd=1905.0)]
    )
    sim = sp.simulated_profiles(h, load_rules(), dates)
    assert sim["snapshot"].tolist() == ["c"]  # joined 2025-12-01: only the last date
    assert sim["total_earnings_usd"].tolist() == [1000.0]
    assert sim["total_earnings_is_floor"].all()


def test_world_of(tmp_path):
    assert not world_of(tmp_path).simulated
    assert world_of(tmp_path).state("x") == "Estimated on real data: x"
    (tmp_path / "truth.json").write_text(json.dumps({"scenario": "baseline"}))
    w = world_of(tmp_path / "contracts.csv")
    assert w.simulated and w.label == "simulated (baseline)"
    assert w.state("x").startswith("In this simulated marketplace (scenario baseline), with")
    (tmp_path / "truth.json").write_text("not json")
    assert world_of(tmp_path).label == "simulated (unknown)"


def test_plots_draw_both_sources():
    import matplotlib.pyplot as plt

    tidy = sp.side_by_side(PANEL, PANEL, "jss").astype({"jss": float})
    ax = plots.profiles_jss_histogram(tidy, threshold=90, title="t")
    assert ax.get_title() == "t" and len(ax.get_legend().get_texts()) == 2
    churn = sp.jss_churn(PANEL, panels=(("next", "s1", "s2"),)).assign(source="real")
    bars = churn.melt(id_vars=["horizon", "source"], value_vars=["crossed_below"],
                      var_name="measure", value_name="share")  # fmt: skip
    g = plots.churn_bars(bars, title="c")
    assert len(g.axes.flat) == 1
    shares = pd.DataFrame(
        {"snapshot": ["s"] * 2, "badge": ["top_rated", "none"], "share": [0.2, 0.8]}
    )
    ax = plots.badge_share_bars(shares, title="b")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["none", "top_rated"]
    plt.close("all")


def test_the_finding_says_not_measurable_instead_of_nan():
    from analysis.stories import profiles as sp

    churn = pd.DataFrame(
        {
            "horizon": ["four weeks", "four weeks"],
            "source": ["real search pages", "simulated marketplace"],
            "crossed": [0.0434, float("nan")],
        }
    )
    text = sp.profiles_finding(0.84, float("nan"), churn, 90, "simulated")
    assert text == (
        "84% of real search-visible profiles with a JSS are at 90+ vs not measurable in the "
        "simulated marketplace; 4.3% of real profiles crossed 90 within four weeks vs "
        "not measurable simulated."
    )
    assert sp.share_text(None) == "not measurable" and sp.share_text(0.125, 1) == "12.5%"
