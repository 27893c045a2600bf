"""Earnings over time (`analysis.engine.money`): spread-evenly arithmetic and payments, by hand.

Spec: ``../shared/spec/rules-upwork-2025.md``, "Money over time": a period (a, b]
gets ``earnings_usd * overlap_days / span_days`` of each contract (days
start..end inclusive, an open contract up to the as-of date), or the payments
with ``a < paid_date <= b`` when the history has a payments table.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from histories import histories, make_history
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.engine.money import (
    NO_DAY,
    Flows,
    cumulative_earnings,
    day_numbers,
    day_of,
    earning_spells,
    earnings_between,
    money_flows,
    positions_in,
)


def test_day_numbers_and_missing_dates():
    days = day_numbers(
        pd.Series(pd.to_datetime(["1970-01-02", None, "2020-01-05"])).astype("M8[s]")
    )
    assert days[0] == 1 and days[1] == NO_DAY and days[2] == 18266
    assert day_of("2020-01-05") == 18266 and day_of(dt.date(1970, 1, 1)) == 0


def test_positions_in():
    ids = pd.Index(["a", "b", "c"], dtype="str")
    got = positions_in(pd.Series(["c", "x", "a", "c"], dtype="str"), ids)
    assert got.tolist() == [2, -1, 0, 2]
    assert positions_in(pd.Series([], dtype="str"), ids).tolist() == []


def test_ten_day_contract_spread_evenly():
    # 1000 USD over 2021-01-01 .. 2021-01-10 inclusive: span 10 days, 100 USD a day.
    #   (2020-12-31, 2021-01-01] -> 1 day   -> 100
    #   (2021-01-03, 2021-01-07] -> 4 days  -> 400
    #   (2021-01-09, 2021-02-01] -> 1 day (01-10) -> 100
    #   (2021-01-10, 2021-02-01] -> 0 days  -> 0
    #   (2020-01-01, 2022-01-01] -> all     -> 1000
    h = make_history(
        [{"start_date": "2021-01-01", "end_date": "2021-01-10", "earnings_usd": 1000.0}]
    )
    got = earnings_between(
        h,
        None,
        ["2020-12-31", "2021-01-03", "2021-01-09", "2021-01-10", "2020-01-01"],
        ["2021-01-01", "2021-01-07", "2021-02-01", "2021-02-01", "2022-01-01"],
    )
    np.testing.assert_allclose(got, [[100.0, 400.0, 100.0, 0.0, 1000.0]], atol=1e-9)


def test_one_day_contract_and_thirds():
    # 100 USD on a one-day contract (start == end): all on that day.
    # 100 USD over 3 days: 33.33... a day; two days -> 66.66...
    h = make_history(
        [
            {
                "freelancer_id": "a",
                "start_date": "2021-05-05",
                "end_date": "2021-05-05",
                "earnings_usd": 100.0,
            },
            {
                "freelancer_id": "b",
                "start_date": "2021-05-05",
                "end_date": "2021-05-07",
                "earnings_usd": 100.0,
            },
        ]
    )
    got = earnings_between(
        h, ["a", "b"], ["2021-05-04", "2021-05-05"], ["2021-05-05", "2021-05-07"]
    )
    np.testing.assert_allclose(got, [[100.0, 0.0], [100 / 3, 200 / 3]], rtol=1e-15)


def test_open_contract_spreads_up_to_as_of():
    # open since 2021-01-01, 310 USD, as_of 2021-01-31: 31 days, 10 USD a day.
    h = make_history([{"start_date": "2021-01-01", "earnings_usd": 310.0}])
    periods = (
        ["2021-01-10", "2021-01-30", "2021-01-31"],
        ["2021-01-20", "2021-02-28", "2021-03-31"],
    )
    got = earnings_between(h, None, *periods, as_of="2021-01-31")
    np.testing.assert_allclose(got, [[100.0, 10.0, 0.0]], atol=1e-9)
    # default as_of = the latest date in the input = the start date: all on day one
    np.testing.assert_allclose(earnings_between(h, None, "2020-12-31", "2021-01-01"), [[310.0]])


def test_payments_replace_the_spread_and_boundaries_are_half_open():
    h = make_history(
        [{"start_date": "2021-01-01", "end_date": "2021-12-31", "earnings_usd": 99999.0}],
        payments=[
            {"contract_id": "c0", "paid_date": "2021-03-01", "amount_usd": 500.0},
            {"contract_id": "c0", "paid_date": "2021-03-08", "amount_usd": 250.25},
            {"contract_id": "c0", "paid_date": "2021-03-09", "amount_usd": -50.0},  # refund
        ],
    )
    got = earnings_between(
        h,
        None,
        ["2021-03-01", "2021-02-28", "2021-02-28", "2021-03-08"],
        ["2021-03-08", "2021-03-01", "2021-12-31", "2021-03-09"],
    )
    # (03-01, 03-08]: 250.25 (03-01 is out, 03-08 in); (02-28, 03-01]: 500;
    # everything: 700.25; (03-08, 03-09]: the refund
    np.testing.assert_allclose(got, [[250.25, 500.0, 700.25, -50.0]], atol=1e-9)


def test_freelancers_rows_follow_the_given_ids():
    h = make_history(
        [
            {
                "freelancer_id": "x",
                "start_date": "2021-01-01",
                "end_date": "2021-01-01",
                "earnings_usd": 1.0,
            },
            {
                "freelancer_id": "y",
                "start_date": "2021-01-01",
                "end_date": "2021-01-01",
                "earnings_usd": 2.0,
            },
        ]
    )
    got = earnings_between(h, ["y", "nobody", "x"], "2020-12-31", "2021-01-01")
    assert got.tolist() == [[2.0], [0.0], [1.0]]


def test_cumulative_earnings_counts_only_after_base():
    # one flow of 70 USD over days 0..6 (10 a day); base = 2: days 3..6 count.
    flows = Flows(np.array([0]), np.array([0]), np.array([0]), np.array([6]), np.array([70.0]))
    got = cumulative_earnings(flows, 2, np.array([3, 5, 10]), base=2)
    np.testing.assert_allclose(got, [[10.0, 30.0, 40.0], [0.0, 0.0, 0.0]])
    with pytest.raises(ValueError):
        cumulative_earnings(flows, 1, np.array([2, 5]), base=2)


def test_payment_is_linked_only_to_the_same_freelancers_contract():
    h = make_history(
        [
            {"freelancer_id": "a", "contract_id": "ca", "start_date": "2021-01-01"},
            {"freelancer_id": "b", "contract_id": "cb", "start_date": "2021-01-01"},
        ],
        payments=[
            {
                "freelancer_id": "a",
                "contract_id": "ca",
                "paid_date": "2021-02-01",
                "amount_usd": 1.0,
            },
            {
                "freelancer_id": "a",
                "contract_id": "cb",
                "paid_date": "2021-02-01",
                "amount_usd": 2.0,
            },
            {
                "freelancer_id": "a",
                "contract_id": "bonus",
                "paid_date": "2021-02-01",
                "amount_usd": 3.0,
            },
        ],
    )
    flows = money_flows(h)
    assert flows.code.tolist() == [0, 0, 0]
    assert flows.contract.tolist() == [0, -1, -1]


def test_earning_spells():
    # window 365: a contract earning 2021-01-01 .. 2021-01-10 earned money in
    # (s - 365, s] for s in 2021-01-01 .. 2022-01-09 (2021-01-10 + 364).
    h = make_history(
        [
            {"start_date": "2021-01-01", "end_date": "2021-01-10", "earnings_usd": 5.0},
            {"start_date": "2021-01-01", "end_date": "2021-01-10", "earnings_usd": 0.0},
        ]
    )
    spells = earning_spells(money_flows(h), 365)
    assert spells.contract.tolist() == [0]
    assert spells.first.tolist() == [day_of("2021-01-01")]
    assert spells.last.tolist() == [day_of("2022-01-09")]


def _exact(h, fid, a: dt.date, b: dt.date, as_of: dt.date) -> Fraction:
    """Earnings of `fid` in (a, b], exactly, straight from the spec."""
    total = Fraction(0)
    if h.payments is not None:
        for p in h.payments.itertuples():
            if p.freelancer_id == fid and a < p.paid_date.date() <= b:
                total += Fraction(str(p.amount_usd))
        return total
    for c in h.contracts.itertuples():
        if c.freelancer_id != fid:
            continue
        start = c.start_date.date()
        end = max(as_of, start) if pd.isna(c.end_date) else c.end_date.date()
        span = (end - start).days + 1
        overlap = max(0, (min(end, b) - max(start, a + dt.timedelta(days=1))).days + 1)
        total += Fraction(str(c.earnings_usd)) * overlap / span
    return total


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    h=histories(optional_tables=True),
    use_payments=st.booleans(),
    periods=st.lists(
        st.tuples(st.integers(-900, 300), st.integers(0, 800)), min_size=1, max_size=6
    ),
)
def test_matches_the_spec_exactly(h, use_payments, periods):
    if not use_payments:
        h = make_history(h.contracts)
    origin = dt.date(2021, 6, 27)
    a = [origin + dt.timedelta(days=x) for x, _ in periods]
    b = [ai + dt.timedelta(days=n) for ai, (_, n) in zip(a, periods, strict=True)]
    as_of = h.as_of.date()
    got = earnings_between(h, None, a, b)
    for i, fid in enumerate(h.freelancer_ids):
        for k in range(len(a)):
            want = _exact(h, fid, a[k], b[k], as_of)
            assert got[i, k] == pytest.approx(float(want), abs=1e-7)
