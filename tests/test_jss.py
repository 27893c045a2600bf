"""Tests of the JSS engine (`analysis.engine.jss`) against `../shared/spec/rules-upwork-2025.md`.

Hand-worked cases use tiny literal histories; each expected value is derived in
the docstring or a comment. The most important test is the last group: a slow,
obviously correct per-date, per-contract transcription of the spec
(`reference_grid`) must agree exactly with the vectorised `jss_grid` on random,
boundary-heavy histories.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from histories import contracts_frame, histories, make_history
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.engine.jss import (
    combine_scores,
    contract_outcomes,
    grid_columns,
    headroom,
    iter_jss_grid,
    jss_dates,
    jss_grid,
    round_half_up,
)
from analysis.engine.ruleset import Rules, load_rules
from analysis.io.history import History

RULES = load_rules("upwork-2025")
T = pd.Timestamp("2022-01-02")  # a JSS evaluation date: 2020-01-05 + 52 * 14 days
PROPS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def day(offset: int, base: pd.Timestamp = T) -> str:
    """The date `offset` days after `base` (negative = before), as text."""
    return (base + pd.Timedelta(days=offset)).strftime("%Y-%m-%d")


def ended(end: int, length: int = 0, **kw) -> dict:
    """An ended contract ending `end` days after T, `length` days long.

    Defaults: $100 (tier 1.0), so with length < 91 its weight is exactly 1, and
    a public rating of 5.0 (positive). Each row gets its own client unless given.
    """
    row = {
        "start_date": day(end - length),
        "end_date": day(end),
        "earnings_usd": 100.0,
        "public_rating": 5.0,
    }
    return {**row, **kw}


def at(rows: list[dict], t: pd.Timestamp = T, rules: Rules = RULES) -> pd.Series:
    """The single grid row of freelancer f1 at evaluation date `t`."""
    grid = jss_grid(make_history(rows), rules, start=t, end=t)
    assert len(grid) == 1
    return grid.iloc[0]


def outcome_of(**row) -> str:
    return str(contract_outcomes(contracts_frame([row]), RULES)["outcome"].iloc[0])


# ---------------------------------------------------------------------------
# outcomes, in spec order
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        # rule 1 beats rule 2: flagged and disputed -> excluded
        ({"client_flagged": True, "disputed": True, "public_rating": 1.0}, "excluded"),
        # rule 2 beats rule 3: disputed without any feedback -> negative
        ({"disputed": True}, "negative"),
        # rule 2 beats rule 4: negative with $0 is still negative
        ({"public_rating": 2.0, "earnings_usd": 0.0}, "negative"),
        ({"private_score": 3, "earnings_usd": 0.0}, "negative"),
        # rule 3: no public rating and no private score -> excluded
        ({}, "excluded"),
        # rule 4: $0 with positive feedback -> excluded
        ({"public_rating": 5.0, "earnings_usd": 0.0}, "excluded"),
        # rule 5: public 4.5 and private empty -> positive
        ({"public_rating": 4.5}, "positive"),
        ({"public_rating": 4.4}, "neutral"),
        ({"public_rating": 4.0}, "neutral"),
        ({"public_rating": 3.9}, "negative"),
        ({"private_score": 6}, "negative"),
        ({"private_score": 7}, "neutral"),
        ({"private_score": 8}, "neutral"),
        ({"private_score": 9}, "positive"),
        ({"public_rating": 5.0, "private_score": 6}, "negative"),
        ({"public_rating": 5.0, "private_score": 8}, "neutral"),
        ({"public_rating": 4.5, "private_score": 9}, "positive"),
        ({"public_rating": 5.0, "disputed": True}, "negative"),
        ({"public_rating": 5.0, "client_flagged": True}, "excluded"),
    ],
)
def test_outcome_rules_in_spec_order(row: dict, expected: str) -> None:
    assert outcome_of(end_date="2021-06-01", **row) == expected


def test_outcome_is_that_once_ended_and_open_rows_have_no_weight() -> None:
    """A row without an end date still gets its would-be outcome; its weight is NaN."""
    out = contract_outcomes(contracts_frame([{"public_rating": 3.0}]), RULES)
    assert out["outcome"].iloc[0] == "negative"
    assert np.isnan(out["weight"].iloc[0])
    assert list(out.columns) == ["outcome", "tier_weight", "weight"]


@pytest.mark.parametrize(
    ("earnings", "tier"),
    [(0.0, 1.0), (250.0, 1.0), (250.01, 1.25), (1000.0, 1.25), (1000.01, 1.5), (1e6, 1.5)],
)
def test_earnings_tiers(earnings: float, tier: float) -> None:
    out = contract_outcomes(contracts_frame([{"earnings_usd": earnings}]), RULES)
    assert out["tier_weight"].iloc[0] == tier


@pytest.mark.parametrize(
    ("length", "earnings", "weight"),
    [
        (90, 100.0, 1.0),  # floor(90 / 91) = 0
        (91, 100.0, 2.0),  # + 1
        (181, 100.0, 2.0),
        (182, 100.0, 3.0),  # + 2
        (182, 2000.0, 3.5),  # 1.5 + 2
        (91 * 6, 2000.0, 7.5),  # 1.5 + 6
        (91 * 7, 2000.0, 8.0),  # 1.5 + 7 = 8.5, capped at 8
        (91 * 30, 100.0, 8.0),  # cap
    ],
)
def test_weight_length_steps_and_cap(length: int, earnings: float, weight: float) -> None:
    row = {"start_date": "2020-01-01", "earnings_usd": earnings}
    row["end_date"] = (pd.Timestamp("2020-01-01") + pd.Timedelta(days=length)).date()
    assert contract_outcomes(contracts_frame([row]), RULES)["weight"].iloc[0] == weight


def test_weight_reaches_the_window_score() -> None:
    """Positive of weight 1.25 + 2 = 3.25 (182 days, $500) and a negative of weight 1:
    S = 100 * (3.25 - 1) / 4.25 = 52.94..., every window -> JSS 53."""
    row = at([ended(0, length=182, earnings_usd=500.0), ended(-1, public_rating=1.0)])
    assert row["score_3m"] == pytest.approx(100 * 2.25 / 4.25)
    assert row["jss"] == 53


# ---------------------------------------------------------------------------
# open contracts
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "earnings", "flagged", "counted"),
    [
        (89, 500.0, False, False),  # open 89 days: not yet
        (90, 500.0, False, True),  # open 90 days: positive
        (90, 0.0, False, False),  # $0: not counted
        (200, 500.0, True, False),  # flagged: not counted
    ],
)
def test_open_contracts(age: int, earnings: float, flagged: bool, counted: bool) -> None:
    """With one ended positive (another client), the open one makes 2 contracts/2 clients."""
    open_row = {
        "start_date": day(-age),
        "earnings_usd": earnings,
        "client_flagged": flagged,
        "public_rating": 1.0,  # would be negative once ended; open it is positive
    }
    row = at([ended(-10), open_row])
    assert row["counted_24m"] == (2 if counted else 1)
    assert (row["jss"] == 100) if counted else pd.isna(row["jss"])


def test_open_contract_with_a_later_end_date_is_open_and_weighted_by_age() -> None:
    """Open 182 days at T (end 5 days later), $2000: weight 1.5 + 2 = 3.5, positive.
    With an ended negative of weight 1: S = 100 * 2.5 / 4.5 = 55.6 -> JSS 56.
    Five days later it has ended as a negative: 2 negatives -> 0."""
    rows = [
        {"start_date": day(-182), "end_date": day(5), "earnings_usd": 2000.0, "public_rating": 1.0},
        ended(-3, public_rating=1.0),
    ]
    row = at(rows)
    assert row["score_24m"] == pytest.approx(100 * 2.5 / 4.5)
    assert row["jss"] == 56
    assert at(rows, T + pd.Timedelta(days=14))["jss"] == 0


def test_open_contract_counts_in_every_window_and_steps_its_weight() -> None:
    """An open contract started 400 days ago is in the 3m window too, weight 1 + 4 = 5.
    With a negative of weight 1: S = 100 * 4 / 6 = 66.7 in every window."""
    rows = [{"start_date": day(-400), "earnings_usd": 100.0}, ended(0, public_rating=1.0)]
    row = at(rows)
    for name in ("24m", "12m", "6m", "3m"):
        assert row[f"score_{name}"] == pytest.approx(400 / 6)


# ---------------------------------------------------------------------------
# windows
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "length"), [("3m", 91), ("6m", 182), ("12m", 365), ("24m", 730)])
def test_window_edges(name: str, length: int) -> None:
    """Positive P ending on T (in every window) and negative N of weight 1 each.

    N ending exactly D days before T is out: the window has 1 contract -> undefined.
    N ending D - 1 days before T is in: S = 100 * (1 - 1) / 2 = 0.
    """
    out = at([ended(0), ended(-length, public_rating=1.0)])
    assert np.isnan(out[f"score_{name}"])
    inside = at([ended(0), ended(-length + 1, public_rating=1.0)])
    assert inside[f"score_{name}"] == 0.0


def test_contract_ending_after_t_has_not_ended() -> None:
    """A negative ending the day after T is an open 1-day contract at T: not counted."""
    row = at([ended(0), ended(1, length=1, public_rating=1.0)])
    assert row["counted_24m"] == 1


@pytest.mark.parametrize(
    ("clients", "defined"),
    [(["a", "a"], False), (["a", "b"], True), (["a", "a", "a"], False)],
)
def test_two_contracts_two_clients_minimum(clients: list[str], defined: bool) -> None:
    row = at([ended(-i, client_id=c) for i, c in enumerate(clients)])
    assert bool(np.isfinite(row["score_24m"])) == defined
    assert row["clients_24m"] == len(set(clients))
    assert row["counted_24m"] == len(clients)


def test_trending_needs_both_6m_and_3m() -> None:
    """Two positives ended 100 and 120 days ago: in 6m, not in 3m -> no trending.
    Add a positive and a neutral in 3m: 3m = 100 * 1 / 2 = 50, 6m = 100 * 3 / 4 = 75,
    trending = 62.5; JSS = max(24m 75, 12m 75, 6m 75, trending 62.5) = 75."""
    rows = [ended(-100), ended(-120)]
    row = at(rows)
    assert row["score_6m"] == 100.0
    assert np.isnan(row["score_3m"])
    assert np.isnan(row["score_trending"])
    row = at([*rows, ended(-1), ended(-2, public_rating=4.2)])
    assert (row["score_3m"], row["score_6m"], row["score_trending"]) == (50.0, 75.0, 62.5)
    assert row["jss"] == 75


def test_jss_is_the_largest_defined_candidate() -> None:
    """A negative ended 400 days ago is only in 24m: 24m = 100 * (2 - 1) / 3 = 33.3;
    12m = 6m = 3m = 100 -> JSS 100."""
    row = at([ended(-400, public_rating=1.0), ended(0), ended(-1)])
    assert row["score_24m"] == pytest.approx(100 / 3)
    assert row["score_12m"] == 100.0
    assert row["jss"] == 100


def test_no_24m_window_means_no_jss() -> None:
    """Windows nest, so data cannot define 3m without 24m; the combiner still refuses."""
    _, jss = combine_scores({"24m": np.nan, "12m": 95.0, "6m": 95.0, "3m": 95.0}, RULES)
    assert np.isnan(jss)
    row = at([ended(-800), ended(-900)])  # both older than 730 days
    assert pd.isna(row["jss"])
    assert row["counted_24m"] == 0


def test_upwork_published_example_combined() -> None:
    """24m 92, 12m 88, 6m 94, 3m 98 -> trending (94 + 98) / 2 = 96 -> JSS 96."""
    trending, jss = combine_scores({"24m": 92.0, "12m": 88.0, "6m": 94.0, "3m": 98.0}, RULES)
    assert (trending, jss) == (96.0, 96.0)


def test_upwork_published_example_from_a_history() -> None:
    """Weight-1 contracts, each its own client, all ending in the windows' bands:

    - 3m (ended 0..90 days ago): 49 positive, 1 neutral -> 100 * 49 / 50 = 98
    - 91..181 days: 45 positive, 5 neutral -> 6m: 94 / 100 = 94
    - 182..364 days: 82 positive, 18 neutral -> 12m: 176 / 200 = 88
    - 365..729 days: 100 positive -> 24m: 276 / 300 = 92
    Trending 96 -> JSS max(92, 88, 94, 96) = 96.
    """
    rows = []
    for lo, positive, neutral in [(0, 49, 1), (91, 45, 5), (182, 82, 18), (365, 100, 0)]:
        rows += [ended(-lo - i % 80) for i in range(positive)]
        rows += [ended(-lo - i % 80, public_rating=4.0) for i in range(neutral)]
    row = at(rows)
    scores = [row[f"score_{w}"] for w in ("24m", "12m", "6m", "3m", "trending")]
    assert scores == [92.0, 88.0, 94.0, 98.0, 96.0]
    assert row["jss"] == 96


@pytest.mark.parametrize(
    ("x", "expected"), [(89.5, 90), (89.4999, 89), (89.49999999999, 90), (0.0, 0), (100.0, 100)]
)
def test_round_half_up(x: float, expected: int) -> None:
    assert round_half_up(x) == expected


def test_rounding_at_half_from_a_history() -> None:
    """A positive of weight 1 + 6 = 7 (546 days, $100) and a neutral of weight 1:
    S = 100 * 7 / 8 = 87.5 -> JSS 88 (half up)."""
    row = at([ended(0, length=546), ended(-1, public_rating=4.0)])
    assert row["score_24m"] == 87.5
    assert row["jss"] == 88


def test_score_clipped_at_zero() -> None:
    """1 positive, 3 negatives (weight 1): 100 * (1 - 3) / 4 = -50 -> 0."""
    row = at([ended(0), *(ended(-i, public_rating=1.0) for i in (1, 2, 3))])
    assert row["score_24m"] == 0.0
    assert row["jss"] == 0


# ---------------------------------------------------------------------------
# calendar and grid shape
# ---------------------------------------------------------------------------


def test_jss_dates_every_14_days_aligned_to_2020_01_05() -> None:
    dates = jss_dates("2019-12-20", "2020-02-16", RULES)
    expected = ["2019-12-22", "2020-01-05", "2020-01-19", "2020-02-02", "2020-02-16"]
    assert list(dates.strftime("%Y-%m-%d")) == expected
    assert pd.Timestamp("2020-01-12") not in dates  # a Sunday, but not aligned
    assert len(jss_dates("2020-01-06", "2020-01-18", RULES)) == 0


def test_grid_rows_columns_and_dtypes() -> None:
    """f1 starts 2020-01-10, f2 2020-01-20; as_of = 2020-02-20 (latest end date).
    Grid dates from 2020-01-19: f1 gets 01-19, 02-02, 02-16; f2 gets 02-02, 02-16."""
    h = make_history(
        [
            {"freelancer_id": "f2", "start_date": "2020-01-20", "end_date": "2020-02-20"},
            {"freelancer_id": "f1", "start_date": "2020-01-10"},
        ]
    )
    grid = jss_grid(h, RULES)
    assert list(grid.columns) == grid_columns(RULES)
    assert list(grid.columns) == [
        "freelancer_id", "eval_date", "jss", "score_24m", "score_12m", "score_6m",
        "score_3m", "score_trending", "counted_24m", "clients_24m",
    ]  # fmt: skip
    assert list(grid["freelancer_id"]) == ["f1"] * 3 + ["f2"] * 2
    dates = ["01-19", "02-02", "02-16", "02-02", "02-16"]
    assert list(grid["eval_date"].dt.strftime("%m-%d")) == dates
    assert grid.dtypes.astype(str).to_dict() == {
        "freelancer_id": "str",
        "eval_date": "datetime64[s]",
        "jss": "Int64",
        **{f"score_{w}": "float64" for w in ("24m", "12m", "6m", "3m", "trending")},
        "counted_24m": "int64",
        "clients_24m": "int64",
    }
    assert grid["jss"].isna().all()


def test_empty_history_gives_an_empty_typed_grid() -> None:
    grid = jss_grid(make_history([]), RULES)
    assert grid.empty
    assert list(grid.columns) == grid_columns(RULES)
    assert str(grid["jss"].dtype) == "Int64"
    assert str(grid["freelancer_id"].dtype) == "str"


def test_as_of_and_freelancers_arguments() -> None:
    h = make_history(
        [
            {"freelancer_id": "f1", "start_date": "2020-01-05", "end_date": "2020-06-01"},
            {"freelancer_id": "f2", "start_date": "2020-01-05"},
        ]
    )
    grid = jss_grid(h, RULES, as_of="2020-02-02", freelancers=["f2"])
    assert list(grid["freelancer_id"]) == ["f2"] * 3  # 01-05, 01-19, 02-02
    assert grid["eval_date"].max() == pd.Timestamp("2020-02-02")


def test_iter_jss_grid_chunks_concatenate_to_the_grid() -> None:
    h = make_history(
        [
            {"freelancer_id": f"f{i}", "client_id": f"k{i % 2}", **ended(-i * 30, length=i)}
            for i in range(7)
        ]
    )
    whole = jss_grid(h, RULES)
    chunks = list(iter_jss_grid(h, RULES, chunk_size=3))
    assert len(chunks) == 3
    pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), whole)
    pd.testing.assert_frame_equal(jss_grid(h, RULES, chunk_size=2), whole)


# ---------------------------------------------------------------------------
# a changed rules file
# ---------------------------------------------------------------------------


def rules_with(tmp_path: Path, *changes: tuple[str, str]) -> Rules:
    """A copy of the bundled TOML with text replacements, loaded from tmp_path."""
    text = (Path(__file__).parents[1] / "src/analysis/engine/rules/upwork-2025.toml").read_text()
    for old, new in changes:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "changed.toml"
    path.write_text(text)
    return load_rules(path)


def test_changed_min_clients(tmp_path: Path) -> None:
    """min_clients = 3: 2 contracts from 2 clients no longer define a window; 3 do."""
    rules = rules_with(tmp_path, ("min_clients = 2", "min_clients = 3"))
    assert pd.isna(at([ended(0), ended(-1)], rules=rules)["jss"])
    assert at([ended(0), ended(-1), ended(-2)], rules=rules)["jss"] == 100
    rules = rules_with(tmp_path, ("min_clients = 2", "min_clients = 1"))
    assert at([ended(0, client_id="a"), ended(-1, client_id="a")], rules=rules)["jss"] == 100


def test_changed_tier_weights_and_cap(tmp_path: Path) -> None:
    """A $2000 positive and a $100 negative, both 0 days long, ended on T.

    Bundled tiers 1.5 / 1.0: 100 * (1.5 - 1) / 2.5 = 20 -> 20.
    Tiers 2 / 3 / 4: 100 * (4 - 2) / 6 = 33.3 -> 33.
    Tiers 2 / 3 / 4 with cap 2: both weigh 2: 100 * (2 - 2) / 4 = 0.
    """
    rows = [ended(0, earnings_usd=2000.0), ended(-1, public_rating=1.0)]
    assert at(rows)["jss"] == 20
    tiers = ("tier_weights = [1.0, 1.25, 1.5]", "tier_weights = [2, 3, 4]")
    assert at(rows, rules=rules_with(tmp_path, tiers))["jss"] == 33
    capped = rules_with(tmp_path, tiers, ("cap = 8.0", "cap = 2.0"))
    assert at(rows, rules=capped)["jss"] == 0


def test_decimal_weights_are_summed_exactly(tmp_path: Path) -> None:
    """Tier weights 1.1 / 1.2 / 1.3: three $100 positives and one $100 negative.

    100 * (3.3 - 1.1) / 4.4 = 50 exactly; naive float sums give 50.00000000000001
    (1.1 + 1.1 + 1.1 = 3.3000000000000003). The engine sums in units of 1/10.
    """
    tiers = ("tier_weights = [1.0, 1.25, 1.5]", "tier_weights = [1.1, 1.2, 1.3]")
    rows = [ended(0), ended(-1), ended(-2), ended(-3, public_rating=1.0)]
    row = at(rows, rules=rules_with(tmp_path, tiers))
    assert row["score_24m"] == 50.0


def test_changed_window_length_and_calendar(tmp_path: Path) -> None:
    """A 3m window of 30 days: a contract ended 40 days ago leaves it; every 7 days
    makes 2020-01-12 an evaluation date."""
    rules = rules_with(
        tmp_path, ('"3m" = 91', '"3m" = 30'), ("jss_every_days = 14", "jss_every_days = 7")
    )
    row = at([ended(0), ended(-40)], rules=rules)
    assert np.isnan(row["score_3m"]) and row["score_6m"] == 100.0
    assert pd.Timestamp("2020-01-12") in jss_dates("2020-01-01", "2020-01-31", rules)


# ---------------------------------------------------------------------------
# headroom (what-if)
# ---------------------------------------------------------------------------


def test_headroom_above_the_threshold() -> None:
    """40 positives of weight 1 (40 clients): JSS 100. k negatives: 100 * (40 - k) / (40 + k);
    k = 2 -> 90.48 -> 90 (still 90), k = 3 -> 86.05 -> 86 < 90: 3."""
    h = make_history([ended(-(i % 80)) for i in range(40)])
    out = headroom(h, "f1", T + pd.Timedelta(days=5), RULES)
    assert out["eval_date"] == T  # latest JSS date on or before T + 5
    assert out["jss"] == 100 and out["score_24m"] == 100.0
    assert out["negatives_to_drop_below"] == 3
    assert out["positives_to_reach"] == 0


def test_headroom_below_the_threshold() -> None:
    """3 positives, 1 negative: JSS 50, already below -> 0 negatives. k positives:
    100 * (2 + k) / (4 + k): k = 15 -> 89.47 -> 89, k = 16 -> 90: 16."""
    h = make_history([ended(0), ended(-1), ended(-2), ended(-3, public_rating=1.0)])
    out = headroom(h, "f1", T, RULES)
    assert out["jss"] == 50
    assert out["negatives_to_drop_below"] == 0
    assert out["positives_to_reach"] == 16


def test_headroom_without_a_jss() -> None:
    """One positive: no JSS, so no negatives count; 1 positive from a new client
    makes 2 contracts from 2 clients at 100."""
    out = headroom(make_history([ended(0)]), "f1", T, RULES)
    assert out["jss"] is None and out["score_trending"] is None
    assert out["negatives_to_drop_below"] is None
    assert out["positives_to_reach"] == 1


def test_headroom_out_of_reach() -> None:
    """1 positive (weight 1) and 250 negatives of weight 8 (N = 2000): k positives need
    (1 - 2000 + k) / (2001 + k) >= 0.895, k >= 36094 > 10000 -> None."""
    rows = [ended(0)] + [ended(-(i % 80), length=91 * 7, public_rating=1.0) for i in range(250)]
    out = headroom(make_history(rows), "f1", T, RULES)
    assert out["jss"] == 0
    assert out["positives_to_reach"] is None


def test_headroom_counts_window_definitions() -> None:
    """24m: one old positive (400 days ago) and one recent positive, both weight 1 -> 100.
    12m has only the recent one (undefined). One negative makes 12m defined at
    100 * (1 - 1) / 2 = 0 and 24m 100 * 1 / 3 = 33.3 -> JSS 33 < 90: 1."""
    h = make_history([ended(-400), ended(-1)])
    out = headroom(h, "f1", T, RULES)
    assert out["jss"] == 100 and out["score_12m"] is None
    assert out["negatives_to_drop_below"] == 1


def test_headroom_unknown_freelancer() -> None:
    with pytest.raises(ValueError, match="nobody"):
        headroom(make_history([ended(0)]), "nobody", T, RULES)


# ---------------------------------------------------------------------------
# the reference implementation and properties
# ---------------------------------------------------------------------------


def _missing(x) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))


def reference_outcome(c: dict, rules: Rules) -> str:
    """Spec, "Outcome of an ended contract", rule by rule."""
    o = rules.outcome
    public = None if _missing(c["public_rating"]) else float(c["public_rating"])
    private = None if _missing(c["private_score"]) else int(c["private_score"])
    if c["client_flagged"]:
        return "excluded"
    if (
        c["disputed"]
        or (public is not None and public < o.negative_public_below)
        or (private is not None and private <= o.negative_private_at_most)
    ):
        return "negative"
    if o.exclude_no_feedback and public is None and private is None:
        return "excluded"
    if o.exclude_zero_earnings and c["earnings_usd"] == 0:
        return "excluded"
    if (public is None or public >= o.positive_public_at_least) and (
        private is None or private >= o.positive_private_at_least
    ):
        return "positive"
    return "neutral"


def reference_tier(earnings: float, rules: Rules) -> float:
    for upper, weight in zip(rules.weight.tier_upper_usd, rules.weight.tier_weights, strict=False):
        if earnings <= upper:
            return weight
    return rules.weight.tier_weights[-1]


def reference_grid(history: History, rules: Rules, end: pd.Timestamp | None = None):
    """A slow, literal transcription of the spec: per freelancer, per date, per contract."""
    rows = history.contracts.to_dict("records")
    end = end if end is not None else history.as_of
    anchor = pd.Timestamp(rules.calendar.jss_anchor)
    step = rules.calendar.jss_every_days
    earliest = min(r["start_date"] for r in rows)
    t = anchor + pd.Timedelta(days=step * math.ceil((earliest - anchor).days / step))
    dates = []
    while t <= end:
        dates.append(t)
        t += pd.Timedelta(days=step)
    win = rules.windows
    out = []
    for fid in sorted({r["freelancer_id"] for r in rows}):
        mine = [r for r in rows if r["freelancer_id"] == fid]
        first = min(r["start_date"] for r in mine)
        for t in dates:
            if t < first:
                continue
            sums = {n: {"P": 0.0, "N": 0.0, "T": 0.0, "n": 0, "clients": set()} for n in win.days}
            for c in mine:
                start, stop = c["start_date"], c["end_date"]
                tier = reference_tier(c["earnings_usd"], rules)
                if start > t:
                    continue  # not started
                if not pd.isna(stop) and stop <= t:  # ended
                    outcome = reference_outcome(c, rules)
                    if outcome == "excluded":
                        continue
                    length = (stop - start).days
                    w = min(rules.weight.cap, tier + length // rules.weight.length_step_days)
                    in_windows = [n for n, d in win.days.items() if t - pd.Timedelta(days=d) < stop]
                else:  # open
                    age = (t - start).days
                    if c["client_flagged"] or not c["earnings_usd"] > 0:
                        continue
                    if age < rules.open_positive_after_days:
                        continue
                    outcome = "positive"
                    w = min(rules.weight.cap, tier + age // rules.weight.length_step_days)
                    in_windows = list(win.days)
                for n in in_windows:
                    s = sums[n]
                    s["P"] += w if outcome == "positive" else 0.0
                    s["N"] += w if outcome == "negative" else 0.0
                    s["T"] += w
                    s["n"] += 1
                    s["clients"].add(c["client_id"])
            scores = {}
            for n, s in sums.items():
                if s["n"] >= win.min_contracts and len(s["clients"]) >= win.min_clients:
                    scores[n] = min(100.0, max(0.0, 100 * (s["P"] - s["N"]) / s["T"]))
                else:
                    scores[n] = None
            parts = [scores[n] for n in win.trending]
            trending = None if None in parts else sum(parts) / len(parts)
            candidates = {**scores, "trending": trending}
            defined = [candidates[n] for n in win.candidates if candidates[n] is not None]
            jss = None
            if scores[win.required] is not None and defined:
                jss = math.floor(max(defined) + 0.5 + 1e-9)
            out.append(
                {
                    "freelancer_id": fid,
                    "eval_date": t,
                    "jss": jss,
                    **{f"score_{n}": scores[n] for n in win.days},
                    "score_trending": trending,
                    f"counted_{win.required}": sums[win.required]["n"],
                    f"clients_{win.required}": len(sums[win.required]["clients"]),
                }
            )
    frame = pd.DataFrame(out, columns=grid_columns(rules))
    return frame.astype(
        {
            "freelancer_id": "str",
            "eval_date": "datetime64[s]",
            "jss": "Int64",
            **{c: "float64" for c in grid_columns(rules) if c.startswith("score_")},
            f"counted_{win.required}": "int64",
            f"clients_{win.required}": "int64",
        }
    )


def _other_rules() -> Rules:
    """Every number changed (weights stay multiples of 1/4 so sums are exact)."""
    return replace(
        RULES,
        calendar=replace(RULES.calendar, jss_every_days=7),
        open_positive_after_days=60,
        weight=replace(
            RULES.weight,
            tier_upper_usd=(500.0, 5000.0),
            tier_weights=(0.5, 2.0, 3.25),
            length_step_days=30,
            cap=4.0,
        ),
        windows=replace(
            RULES.windows,
            days={"long": 400, "mid": 100, "short": 14},
            min_contracts=3,
            min_clients=1,
            required="mid",
            trending=("mid", "short"),
            candidates=("long", "trending"),
        ),
        outcome=replace(RULES.outcome, exclude_no_feedback=False, negative_private_at_most=4),
    )


@PROPS
@given(histories(max_freelancers=3, max_contracts=8))
def test_reference_agrees_exactly(history: History) -> None:
    expected = reference_grid(history, RULES)
    pd.testing.assert_frame_equal(jss_grid(history, RULES), expected, check_exact=True)
    pd.testing.assert_frame_equal(jss_grid(history, RULES, chunk_size=1), expected)


@settings(max_examples=20, deadline=None)
@given(histories(max_freelancers=2, max_contracts=8))
def test_reference_agrees_exactly_with_other_rules(history: History) -> None:
    rules = _other_rules()
    expected = reference_grid(history, rules)
    pd.testing.assert_frame_equal(jss_grid(history, rules), expected, check_exact=True)


@PROPS
@given(histories())
def test_scores_within_0_and_100(history: History) -> None:
    grid = jss_grid(history, RULES)
    jss = grid["jss"].dropna()
    assert ((jss >= 0) & (jss <= 100)).all()
    for col in [c for c in grid.columns if c.startswith("score_")]:
        values = grid[col].dropna()
        assert ((values >= 0) & (values <= 100)).all()
    # JSS present exactly where the 24m score is
    assert (grid["jss"].isna() == grid["score_24m"].isna()).all()


@PROPS
@given(histories(), st.randoms(use_true_random=False))
def test_row_order_never_matters(history: History, rnd) -> None:
    order = list(range(len(history.contracts)))
    rnd.shuffle(order)
    shuffled = History(contracts=history.contracts.iloc[order].reset_index(drop=True))
    pd.testing.assert_frame_equal(jss_grid(shuffled, RULES), jss_grid(history, RULES))


@PROPS
@given(histories())
def test_a_freelancer_alone_equals_their_rows_in_the_whole(history: History) -> None:
    whole = jss_grid(history, RULES)
    for fid in history.freelancer_ids:
        mine = whole[whole["freelancer_id"] == fid].reset_index(drop=True)
        pd.testing.assert_frame_equal(jss_grid(history, RULES, freelancers=[fid]), mine)
        alone = History(contracts=history.contracts[history.contracts["freelancer_id"] == fid])
        pd.testing.assert_frame_equal(jss_grid(alone, RULES, as_of=history.as_of), mine)


@PROPS
@given(
    histories(max_freelancers=1),
    st.integers(-800, 0),
    st.sampled_from([0, 90, 91, 400]),
    st.sampled_from([100.0, 250.01, 5000.0]),
)
def test_a_positive_outcome_never_lowers_a_defined_score(
    history: History, end: int, length: int, earnings: float
) -> None:
    extra = contracts_frame(
        [
            {
                "freelancer_id": "f0",
                "contract_id": "extra",
                "client_id": "new-client",
                "start_date": day(end - length, pd.Timestamp("2022-01-02")),
                "end_date": day(end, pd.Timestamp("2022-01-02")),
                "earnings_usd": earnings,
                "public_rating": 5.0,
            }
        ]
    )
    more = History(contracts=pd.concat([history.contracts, extra], ignore_index=True))
    span = {"start": "2018-01-01", "end": max(history.as_of, more.as_of)}
    before = jss_grid(history, RULES, **span).set_index("eval_date")
    after = jss_grid(more, RULES, **span).set_index("eval_date").loc[before.index]
    for col in [c for c in before.columns if c.startswith("score_")]:
        defined = before[col].notna()
        assert after.loc[defined, col].notna().all()
        assert (after.loc[defined, col] >= before.loc[defined, col]).all()


def test_reference_on_a_fixed_history() -> None:
    """A hand-made mixed history against the reference (a readable regression case)."""
    h = make_history(
        [
            {"freelancer_id": "b", "start_date": "2020-03-01", "end_date": "2020-09-01",
             "public_rating": 5.0, "client_id": "x", "earnings_usd": 1000.0},
            {"freelancer_id": "b", "start_date": "2020-05-01", "end_date": "2021-02-07",
             "private_score": 6, "client_id": "y", "earnings_usd": 250.01},
            {"freelancer_id": "b", "start_date": "2020-10-01", "earnings_usd": 5000.0,
             "client_id": "x"},
            {"freelancer_id": "a", "start_date": "2020-01-05", "end_date": "2020-01-05",
             "public_rating": 4.4, "client_id": "x"},
            {"freelancer_id": "a", "start_date": "2020-02-01", "end_date": "2021-12-31",
             "disputed": True, "client_id": "z", "earnings_usd": 0.0},
        ]
    )  # fmt: skip
    end = pd.Timestamp(dt.date(2022, 6, 1))
    pd.testing.assert_frame_equal(
        jss_grid(h, RULES, end=end), reference_grid(h, RULES, end=end), check_exact=True
    )
