"""Story 01 building blocks (`analysis.stories.mechanics`) on small literal frames, by hand.

Dates: 2021-01-03 is a JSS evaluation date (2020-01-05 + 26 * 14 days); contracts
that end after 2020-10-04 are in every window on that date (3m = 91 days).
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from histories import make_history, status_frame

from analysis.engine.jss import contract_outcomes, jss_grid
from analysis.engine.ruleset import load_rules
from analysis.stories import mechanics

RULES = load_rules("upwork-2025")
T = pd.Timestamp("2021-01-03")


def grid_frame(text: str) -> pd.DataFrame:
    """A JSS grid from CSV text (columns as `jss_grid`; empty = undefined)."""
    g = pd.read_csv(io.StringIO(text), parse_dates=["eval_date"])
    g["freelancer_id"] = g["freelancer_id"].astype("str")
    g["eval_date"] = g["eval_date"].astype("datetime64[s]")
    g["jss"] = g["jss"].astype("Int64")
    for col in ("score_24m", "score_12m", "score_6m", "score_3m", "score_trending"):
        g[col] = g[col].astype("float64")
    g["counted_24m"] = g.get("counted_24m", pd.Series(2, index=g.index)).astype("int64")
    return g


GRID = grid_frame(
    """freelancer_id,eval_date,jss,score_24m,score_12m,score_6m,score_3m,score_trending
f1,2021-01-03,96,92,88,94,98,96
f1,2021-01-17,100,100,100,100,100,100
f2,2021-01-03,85,80,85,,,
f2,2021-01-17,90,90,90,80,,
f3,2021-01-03,,,,,,
"""
)


def test_jss_distribution_keeps_every_date_and_each_latest():
    """f1 has 96 then 100, f2 85 then 90, f3 none: 4 date rows, latest 100 and 90."""
    out = mechanics.jss_distribution(GRID)
    every = out[out["scope"] == "every evaluation date"]
    latest = out[out["scope"] == "latest per freelancer"]
    assert every["jss"].tolist() == [96, 100, 85, 90]
    assert latest[["freelancer_id", "jss"]].values.tolist() == [["f1", 100], ["f2", 90]]
    assert list(out.columns) == ["scope", "freelancer_id", "eval_date", "jss"]


def test_window_scores_long_orders_windows_and_keeps_undefined_as_nan():
    out = mechanics.window_scores_long(GRID, RULES)
    assert list(out["window"].cat.categories) == ["24m", "12m", "6m", "3m", "trending"]
    assert len(out) == 4 * 5  # four dates with a JSS, five scores each
    f2 = out[(out["freelancer_id"] == "f2") & (out["eval_date"] == T)]
    assert f2.set_index("window")["score"].isna().tolist() == [False, False, True, True, True]


def test_displayed_window_names_the_maximum_ties_and_the_lift():
    """Upwork's example [S4]: 24m 92, 12m 88, 6m 94, Trending 96 -> Trending, +4 over 24m.
    All 100 -> tie at 100. f2: 24m 80, 12m 85 -> 12m, +5. 24m 90 = 12m 90 > 6m 80 -> tie below
    100, +0."""
    out = mechanics.displayed_window(GRID, RULES)
    assert out["displayed"].astype(str).tolist() == [
        "trending",
        mechanics.TIE_AT_100,
        "12m",
        mechanics.TIE_BELOW_100,
    ]
    assert out["lift_points"].tolist() == [4, 0, 5, 0]


def test_displayed_window_of_an_empty_grid_is_empty():
    out = mechanics.displayed_window(GRID.iloc[4:], RULES)  # only a row without a JSS
    assert out.empty and list(out.columns) == [
        "freelancer_id",
        "eval_date",
        "jss",
        "displayed",
        "lift_points",
    ]


def _strong_history():
    """f1: ten $100 jobs (weight 1), f2: two $2,000 jobs (weight 1.5), f3: 1 pos + 1 neg.

    All end between 2020-11-01 and 2021-01-03 (start = end), each from its own client."""
    rows = [
        {
            "freelancer_id": "f1",
            "start_date": d,
            "end_date": d,
            "earnings_usd": 100.0,
            "public_rating": 5.0,
        }
        for d in pd.date_range("2020-11-01", periods=10, freq="7D").strftime("%Y-%m-%d")
    ]
    rows += [
        {
            "freelancer_id": "f2",
            "start_date": d,
            "end_date": d,
            "earnings_usd": 2000.0,
            "public_rating": 5.0,
        }
        for d in ("2020-12-06", "2021-01-03")
    ]
    rows += [
        {
            "freelancer_id": "f3",
            "start_date": "2020-12-06",
            "end_date": "2020-12-06",
            "earnings_usd": 100.0,
            "public_rating": 5.0,
        },
        {
            "freelancer_id": "f3",
            "start_date": "2020-12-13",
            "end_date": "2020-12-13",
            "earnings_usd": 100.0,
            "public_rating": 2.0,
        },
    ]
    return make_history(rows)


def test_one_bad_contract_matches_the_arithmetic_by_hand():
    """On 2021-01-03 (the latest JSS date), every window holds all contracts.

    f1: P = T = 10 -> JSS 100. One negative of weight 1: 100 * (10 - 1) / (10 + 1) = 81.8
    -> 82, a drop of 18; its typical weight is 1 too.
    f2: P = T = 3 -> 100. Weight 1: 100 * (3 - 1) / 4 = 50 -> drop 50. Typical weight 1.5:
    100 * (3 - 1.5) / 4.5 = 33.3 -> 33, drop 67.
    f3: 100 * (1 - 1) / 2 = 0 < 95: left out.
    """
    history = _strong_history()
    out = mechanics.one_bad_contract(history, RULES)
    out = out.sort_values(["freelancer_id", "scenario"]).reset_index(drop=True)
    assert out["freelancer_id"].tolist() == ["f1", "f1", "f2", "f2"]
    assert (out["eval_date"] == T).all()
    assert out["scenario"].astype(str).tolist() == ["weight 1", "typical weight"] * 2
    assert out["weight_added"].tolist() == [1.0, 1.0, 1.0, 1.5]
    assert out["jss_before"].tolist() == [100] * 4
    assert out["jss_after"].tolist() == [82, 82, 50, 33]
    assert out["drop_points"].tolist() == [18, 18, 50, 67]
    assert out["below_threshold"].tolist() == [True, True, True, True]
    assert out["counted_24m"].tolist() == [10, 10, 2, 2]


def test_one_bad_contract_uses_the_given_grid_and_threshold():
    history = _strong_history()
    grid = jss_grid(history, RULES)
    none = mechanics.one_bad_contract(history, RULES, grid=grid, min_jss=101)
    assert none.empty and "drop_points" in none.columns
    f3 = mechanics.one_bad_contract(history, RULES, grid=grid, min_jss=0)
    assert set(f3["freelancer_id"]) == {"f1", "f2", "f3"}
    # f3 is at 0 already: one more negative cannot lower it
    assert f3.loc[f3["freelancer_id"] == "f3", "drop_points"].tolist() == [0, 0]


def test_as_contract_writes_each_weight_back_as_a_contract():
    """weight -> (earnings, days): 1 -> ($250, 0); 1.25 -> ($1,000, 0); 1.5 -> ($1,001,
    0); 2.25 = 1.25 + 1 -> ($1,000, 91); 3 = 1 + 2 -> ($250, 182); 8 (cap) = 1 + 7 ->
    ($250, 637). The engine gives each contract its weight back."""
    weights = np.array([1.0, 1.25, 1.5, 2.25, 3.0, 8.0])
    earnings, days = mechanics._as_contract(weights, RULES)
    assert earnings.tolist() == [250.0, 1000.0, 1001.0, 1000.0, 250.0, 250.0]
    assert days.tolist() == [0, 0, 0, 91, 182, 637]
    end = pd.Timestamp("2021-01-03")
    contracts = make_history(
        [
            {
                "start_date": end - pd.Timedelta(days=int(d)),
                "end_date": end,
                "earnings_usd": e,
                "public_rating": 5.0,
            }
            for e, d in zip(earnings, days, strict=True)
        ]
    ).contracts
    assert contract_outcomes(contracts, RULES)["weight"].tolist() == weights.tolist()


def test_drop_summary_per_scenario():
    drops = pd.DataFrame(
        {
            "scenario": pd.Categorical(["weight 1"] * 3, categories=["weight 1", "typical weight"]),
            "drop_points": [2, 10, 30],
            "below_threshold": [False, True, True],
        }
    )
    out = mechanics.drop_summary(drops)
    assert out.to_dict("records") == [
        {
            "scenario": "weight 1",
            "freelancers": 3,
            "median_drop": 10.0,
            "max_drop": 30,
            "share_10_plus": 2 / 3,
            "share_below_threshold": 2 / 3,
        }
    ]


def test_record_size_bands():
    out = mechanics.record_size_bands(pd.Series([1, 5, 6, 10, 11, 20, 21, 50, 51]))
    assert out.astype(str).tolist() == [
        "<=5",
        "<=5",
        "6-10",
        "6-10",
        "11-20",
        "11-20",
        "21-50",
        "21-50",
        ">50",
    ]


LAG = status_frame(
    """freelancer_id,week,status,jss_ok,good_weeks_16
f1,2021-01-03,none,False,0
f1,2021-01-10,none,True,1
f1,2021-01-17,none,True,2
f1,2021-01-24,top_rated,True,3
f1,2021-01-31,top_rated,True,4
f1,2021-02-07,none,True,5
f2,2021-01-03,none,False,0
f3,2021-01-03,top_rated_plus,True,14
f4,2021-01-03,none,False,0
f4,2021-01-10,none,True,1
"""
)


def test_badge_lag_from_first_qualifying_jss_to_the_badge():
    """f1: JSS ok from 01-10, badge 01-24 -> 2 weeks, no head start (1 good week = itself).
    f2: never ok -> no row. f3: badge on its first ok Sunday with 14 good weeks -> 0 weeks,
    13 already counted. f4: ok from 01-10, never badged -> not reached."""
    out = mechanics.badge_lag(LAG)
    assert out["freelancer_id"].tolist() == ["f1", "f3", "f4"]
    assert out["first_jss_ok"].dt.strftime("%Y-%m-%d").tolist() == [
        "2021-01-10",
        "2021-01-03",
        "2021-01-10",
    ]
    assert out["weeks_to_badge"].tolist()[:2] == [2.0, 0.0]
    assert np.isnan(out["weeks_to_badge"].iloc[2])
    assert out["head_start_weeks"].tolist() == [0.0, 13.0, 0.0]
    assert out["head_start"].astype(str).tolist() == ["none", "12 or more", "none"]
    assert out["reached"].tolist() == [True, True, False]


def test_stuck_weeks_tells_the_count_from_other_criteria():
    """JSS ok, no badge: 12 good weeks, all else fine -> the count only; 12 and earnings
    fail -> both; 16 and profile fails -> other only. Badged and not-ok rows are left out."""
    status = status_frame(
        """freelancer_id,week,status,jss_ok,good_weeks_16,earnings_ok,profile_ok
f1,2021-01-03,none,True,12,True,True
f2,2021-01-03,none,True,12,False,True
f3,2021-01-03,none,True,16,True,False
f4,2021-01-03,top_rated,True,16,True,True
f5,2021-01-03,none,False,0,True,True
"""
    )
    out = mechanics.stuck_weeks(status, RULES)
    assert out["freelancer_id"].tolist() == ["f1", "f2", "f3"]
    assert out["blocked_by"].astype(str).tolist() == [
        mechanics.GOOD_WEEKS_ONLY,
        mechanics.GOOD_WEEKS_AND_OTHER,
        mechanics.OTHER_ONLY,
    ]
    assert out["others_failing"].tolist() == ["", "earnings", "profile"]
    assert out["good_weeks_16"].tolist() == [12, 12, 16]


def test_stuck_weeks_and_badge_lag_of_an_empty_status_frame():
    empty = LAG.iloc[0:0]
    assert mechanics.stuck_weeks(empty, RULES).empty
    assert mechanics.badge_lag(empty).empty


def test_criteria_counts_and_share():
    counts = mechanics.criteria_counts(pd.Series(["jss;active", "jss", "", None]))
    assert counts.to_dict() == {"jss": 2, "active": 1}
    assert mechanics.share([]) == 0.0
    assert mechanics.share([True, False, False, True]) == 0.5
