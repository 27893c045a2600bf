"""Tests of `analysis.stories.pressure`: headroom on the whole grid, event-time means, bunching.

Small literal frames with the answers worked out by hand in each docstring.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from histories import make_history

from analysis.engine.jss import headroom
from analysis.engine.ruleset import load_rules
from analysis.stories import pressure as pr

RULES = load_rules("upwork-2025")
T = pd.Timestamp("2022-01-02")  # a JSS evaluation date: 2020-01-05 + 52 * 14 days


def _sums(rows: list[dict]) -> pd.DataFrame:
    """Window sums with only the 24m window filled in (the others empty, so undefined)."""
    out = []
    for r in rows:
        row = {"freelancer_id": "f1", "eval_date": T}
        for w in RULES.windows.days:
            for part in ("net", "total", "contracts", "clients"):
                row[f"{part}_{w}"] = r.get(part, 0) if w == "24m" else 0
        out.append(row)
    return pd.DataFrame(out)


def test_headroom_from_window_sums() -> None:
    """Only 24m defined, all weights 1.

    - 20 positives: 1 negative -> 100 * 19 / 21 = 90.48 -> 90 (still 90); 2 ->
      100 * 18 / 22 = 81.8 < 90: headroom 2.
    - 10 positives: 1 negative -> 100 * 9 / 11 = 81.8: headroom 1.
    - 40 positives: k=2 -> 38/42 = 90.48 (90), k=3 -> 37/43 = 86.0: headroom 3.
    - 8 positives, 2 negatives (P - N = 6, T = 10): JSS 60, already below: 0.
    - one contract (undefined window): no JSS: NaN.
    """
    sums = _sums(
        [
            {"net": 20, "total": 20, "contracts": 20, "clients": 20},
            {"net": 10, "total": 10, "contracts": 10, "clients": 10},
            {"net": 40, "total": 40, "contracts": 40, "clients": 40},
            {"net": 6, "total": 10, "contracts": 10, "clients": 10},
            {"net": 1, "total": 1, "contracts": 1, "clients": 1},
        ]
    )
    got = pr.negatives_to_drop_below(sums, RULES)
    np.testing.assert_array_equal(got, [2, 1, 3, 0, np.nan])


def test_headroom_from_window_sums_empty() -> None:
    """No rows in, no rows out."""
    assert len(pr.negatives_to_drop_below(_sums([]), RULES)) == 0


def _ended(end: int, length: int = 0, **kw) -> dict:
    """An ended $100 contract (weight 1 below 91 days) ending `end` days after T, rated 5."""
    e = T + pd.Timedelta(days=end)
    return {
        "start_date": e - pd.Timedelta(days=length),
        "end_date": e,
        "earnings_usd": 100.0,
        "public_rating": 5.0,
        **kw,
    }


def test_headroom_grid_matches_the_one_cell_headroom() -> None:
    """The vectorised headroom equals `analysis.engine.jss.headroom` on every JSS date of a
    small history with positives, a negative, a long contract and a repeat client."""
    rows = [_ended(-(i * 37) % 700, length=(i * 53) % 200) for i in range(14)]
    rows += [_ended(-30, public_rating=2.0), _ended(-5, client_id="k0")]
    h = make_history(rows)
    grid = pr.headroom_grid(h, RULES, as_of=T)
    for _, row in grid.iterrows():
        want = headroom(h, "f1", row["eval_date"], RULES)["negatives_to_drop_below"]
        got = row["negatives_to_drop_below"]
        assert (want is None and np.isnan(got)) or want == got, row["eval_date"]


def test_latest_eval_date() -> None:
    """JSS dates every 14 days from 2020-01-05: 2022-01-02 is one; the Sunday after
    (01-09) uses 01-02; 01-16 is the next one."""
    weeks = pd.Series(pd.to_datetime(["2022-01-02", "2022-01-09", "2022-01-16"]))
    got = pr.latest_eval_date(weeks, RULES)
    assert list(got.dt.strftime("%Y-%m-%d")) == ["2022-01-02", "2022-01-02", "2022-01-16"]


def test_first_events() -> None:
    """f1 gains (none -> top_rated), loses, gains again: first gain week 2, first loss
    week 3. f2 only goes rising_talent -> none: no gain or loss of Top Rated."""
    events = pd.read_csv(
        io.StringIO(
            "freelancer_id,week,from_status,to_status\n"
            "f1,2022-01-09,none,top_rated\n"
            "f1,2022-01-16,top_rated,none\n"
            "f1,2022-02-06,none,top_rated_plus\n"
            "f2,2022-01-09,rising_talent,none\n"
        ),
        parse_dates=["week"],
    )
    gain = pr.first_events(events, "gain")
    loss = pr.first_events(events, "loss")
    assert gain.to_dict("records") == [
        {"freelancer_id": "f1", "event_week": pd.Timestamp("2022-01-09")}
    ]
    assert loss.to_dict("records") == [
        {"freelancer_id": "f1", "event_week": pd.Timestamp("2022-01-16")}
    ]


def test_event_time_means_and_before_after() -> None:
    """Two freelancers with an event on 2022-01-16. f1 has 2 then 4 hours, f2 4 then 8
    (weeks -1 and 0): means 3 (t=-1) and 6 (t=0); before/after with 1 week: 3 -> 6."""
    panel = pd.read_csv(
        io.StringIO(
            "freelancer_id,week,hours\n"
            "f1,2022-01-09,2\nf1,2022-01-16,4\nf2,2022-01-09,4\nf2,2022-01-16,8\n"
        ),
        parse_dates=["week"],
    )
    events = pd.DataFrame(
        {"freelancer_id": ["f1", "f2"], "event_week": pd.to_datetime(["2022-01-16"] * 2)}
    )
    means = pr.event_time_means(panel, events, ["hours"], weeks=1)
    assert means[["event_time", "mean", "n"]].to_dict("list") == {
        "event_time": [-1, 0],
        "mean": [3.0, 6.0],
        "n": [2, 2],
    }
    ba = pr.before_after(means, weeks=1)
    assert ba.iloc[0].to_dict() == {"variable": "hours", "before": 3.0, "after": 6.0, "change": 3.0}


def test_jss_histogram_and_bunching() -> None:
    """Counts 88:1, 89:1, 90:4, 91:4, 92:1, 93:1 -> bunching ratio 4 / 1 = 4."""
    values = pd.Series([88, 89, 90, 90, 90, 90, 91, 91, 91, 91, 92, 93, 70, None], dtype="Int64")
    hist = pr.jss_histogram(values, lo=85, hi=95)
    assert hist.set_index("jss")["count"].loc[88:93].tolist() == [1, 1, 4, 4, 1, 1]
    assert hist["count"].sum() == 12
    assert pr.bunching_ratio(hist, 90) == 4.0


def test_headroom_shares() -> None:
    """Top Rated weeks with headroom 1, 1, 2, 7 (and one not Top Rated): 50%, 25%, 25% at 5+."""
    weekly = pd.DataFrame(
        {
            "is_top_rated": [True, True, True, True, False],
            "negatives_to_drop_below": [1.0, 1.0, 2.0, 7.0, 0.0],
        }
    )
    out = pr.headroom_shares(weekly)
    assert out.set_index("headroom")["share"].to_dict() == {
        "1": 0.5,
        "2": 0.25,
        "3": 0.0,
        "4": 0.0,
        "5+": 0.25,
    }
