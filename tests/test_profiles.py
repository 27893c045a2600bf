"""Profiles snapshots: `analysis.engine.profiles`, the real-file loader and `toprated profiles`.

The literal history (`_history`), snapshot on Wednesday 2024-01-10, rule set
``upwork-2020`` (hidden after more than 730 days without earnings; never-earned
profiles hidden from 90 days after joining). No payments, so money is spread
evenly over each contract's days; the history's as-of date is 2024-01-31 (g's end).

- a: joined 2023-12-01, no contracts: never earned, 40 days < 90 -> visible, with
  0 jobs, $0, 0 hours, badge none, no JSS, its listed rate/category/country.
- b: joined 2023-01-01, no contracts: 374 days -> hidden.
- c: one contract 2021-01-01..2021-12-31: last earning 740 days before -> hidden.
- d: one contract on 2022-01-10 ($100): exactly 730 days before -> visible; badge
  none (no activity in the last 90 days, so not Rising Talent), no JSS, 1 job.
- e: one contract on 2022-01-09: 731 days -> hidden.
- f: design 2023-01-02..2023-02-01 ($1,500, 30 h, client k1, 5 stars), writing
  2023-03-01..2023-03-31 ($200, 10 h, k2, 5 stars), writing open from 2023-12-01
  ($310, 31 h; spread over 2023-12-01..2024-01-31 = 62 days: $5 and 0.5 h a day;
  41 days to 2024-01-10 -> $205, 20.5 h). Total $1,905.00, 60.5 h, 3 jobs. JSS on
  2023-12-31 (the JSS date before the badge Sunday 2024-01-07): both ended
  contracts positive, 2 clients -> 100. Top Rated on 2024-01-07 (JSS 100 on all
  16 Sundays back to 2023-09-24; earnings in the last 365 days > $1,000; a contract
  started in the last 90 days). Category: not listed -> the most frequent of its
  contracts, writing. Rate $40, country DE from freelancers.csv.
- g: one contract 2023-06-01..2024-01-31 ($245 over 245 days: $1 a day, 224 days to
  2024-01-10 -> $224.00), open at the date and more than 90 days old: a counted
  positive, but one contract -> no JSS; active, no negative -> Rising Talent.
- h: joined 2024-01-20: not yet on the platform -> never listed.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from histories import EVAL_DATES, histories, make_history
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.cli import main
from analysis.engine.jss import jss_grid
from analysis.engine.profiles import load_visibility, profiles, visibility_rule_sets
from analysis.engine.ruleset import load_rules
from analysis.io.errors import InputError
from analysis.io.profiles import PROFILE_COLUMNS, read_real_profiles

RULES = load_rules("upwork-2025")
AT = "2024-01-10"


def _history():
    c = [
        dict(freelancer_id="c", start_date="2021-01-01", end_date="2021-12-31", earnings_usd=365.0),
        dict(freelancer_id="d", start_date="2022-01-10", end_date="2022-01-10", earnings_usd=100.0),
        dict(freelancer_id="e", start_date="2022-01-09", end_date="2022-01-09", earnings_usd=100.0),
        dict(freelancer_id="f", client_id="k1", start_date="2023-01-02", end_date="2023-02-01",
             earnings_usd=1500.0, public_rating=5.0, hours=30.0, category="design"),
        dict(freelancer_id="f", client_id="k2", start_date="2023-03-01", end_date="2023-03-31",
             earnings_usd=200.0, public_rating=5.0, hours=10.0, category="writing"),
        dict(freelancer_id="f", client_id="k3", start_date="2023-12-01", end_date=None,
             earnings_usd=310.0, hours=31.0, category="writing"),
        dict(freelancer_id="g", start_date="2023-06-01", end_date="2024-01-31", earnings_usd=245.0),
    ]  # fmt: skip
    freelancers = [
        dict(freelancer_id="a", joined_date="2023-12-01", category="design", country="PK",
             hourly_rate_usd=10.0),
        dict(freelancer_id="b", joined_date="2023-01-01"),
        dict(freelancer_id="f", joined_date=None, category=None, country="DE",
             hourly_rate_usd=40.0),
        dict(freelancer_id="h", joined_date="2024-01-20"),
    ]  # fmt: skip
    return make_history(contracts=c, freelancers=freelancers)


def test_snapshot_each_column_by_hand():
    got = profiles(_history(), AT, RULES, load_visibility("upwork-2020"))
    expected = pd.read_csv(
        io.StringIO(
            "freelancer_id,badge,jss,hourly_rate_usd,total_earnings_usd,total_jobs,total_hours,category,country\n"
            "a,none,,10.0,0.0,0,0.0,design,PK\n"
            "d,none,,,100.0,1,0.0,design,\n"
            "f,top_rated,100,40.0,1905.0,3,60.5,writing,DE\n"
            "g,rising_talent,,,224.0,1,0.0,design,\n"
        ),
        dtype={"freelancer_id": "str", "category": "str", "country": "str"},
    )
    assert list(got.columns) == list(PROFILE_COLUMNS)
    assert (got["snapshot_date"] == pd.Timestamp(AT)).all()
    assert list(got["freelancer_id"]) == list(expected["freelancer_id"])
    assert list(got["badge"].astype(str)) == list(expected["badge"])
    assert got["jss"].tolist() == [pd.NA, pd.NA, 100, pd.NA]
    for col in ("hourly_rate_usd", "total_earnings_usd", "total_hours"):
        np.testing.assert_allclose(got[col], expected[col], rtol=0, atol=1e-9, err_msg=col)
    assert got["total_jobs"].tolist() == [0, 1, 3, 1]
    assert got["category"].tolist() == ["design", "design", "writing", "design"]
    assert got["country"].tolist()[::2] == ["PK", "DE"]
    assert got["country"].isna().tolist() == [False, True, False, True]


def test_visibility_flags_and_joined():
    """Every freelancer who had joined, with the visibility flag (h had not joined)."""
    got = profiles(_history(), AT, RULES, load_visibility("upwork-2020"), only_visible=False)
    flags = dict(zip(got["freelancer_id"], got["visible"], strict=True))
    assert flags == {"a": True, "b": False, "c": False, "d": True, "e": False, "f": True,
                     "g": True}  # fmt: skip


def test_older_rule_and_several_dates():
    """upwork-2018: hidden after 30 days without earnings, new profiles after 50 days.

    On 2024-01-10: a (40 < 50 days) visible; d (last earning 730 days ago) hidden;
    f and g earn every day -> visible. On 2023-03-15: a and h not joined; b joined
    73 days before (>= 50) -> hidden; f earns (contract 2) -> visible, g has not
    started -> not joined (joining = first contract start 2023-06-01).
    """
    got = profiles(_history(), ["2024-01-10", "2023-03-15"], RULES, load_visibility("upwork-2018"))
    by_date = got.groupby("snapshot_date")["freelancer_id"].agg(list).to_dict()
    assert by_date == {
        pd.Timestamp("2023-03-15"): ["f"],
        pd.Timestamp("2024-01-10"): ["a", "f", "g"],
    }
    f_march = got[(got["freelancer_id"] == "f") & (got["snapshot_date"] == "2023-03-15")].iloc[0]
    # 2023-03-12 badge Sunday; JSS date 2023-03-12? (2023-03-12 - 2020-01-05) = 1162 = 83 * 14
    # -> only contract 1 ended: 1 contract, undefined window -> no JSS
    assert pd.isna(f_march["jss"])
    # $1,500 + contract 2 spread over 31 days, 15 of them (03-01..03-15) -> 200 * 15 / 31
    assert f_march["total_earnings_usd"] == pytest.approx(round(1500 + 200 * 15 / 31, 2))
    assert f_march["total_jobs"] == 2
    # categories of the two contracts started by then: design and writing, one each ->
    # the first in name order
    assert f_march["category"] == "design"


def test_empty_history_gives_empty_frame():
    h = make_history(contracts=[dict(start_date="2024-02-01", end_date="2024-02-01")])
    got = profiles(h, "2024-01-10", RULES)
    assert got.empty and list(got.columns) == list(PROFILE_COLUMNS)


def test_visibility_rule_sets_and_bad_name():
    assert visibility_rule_sets() == ["upwork-2018", "upwork-2020"]
    assert load_visibility().name == "upwork-2020"
    rule = load_visibility("upwork-2020")
    assert (rule.established_no_earnings_days, rule.new_no_earnings_days) == (730, 90)
    assert rule.source.startswith("https://community.upwork.com/")
    with pytest.raises(InputError, match="neither a visibility rule set"):
        load_visibility("nope")


REAL_CSV = (
    "snapshot,key,country,search_term,rate_usd,jss,earnings_floor_usd,hours,hourly_jobs,fp_jobs\n"
    "2023-07-24b,k1,Pakistan,data entry,5.0,95.0,30000.0,,,\n"
    "2023-07-24b,k2,India,data analyst,25.0,,0.0,,,\n"
    "2025-09-09,k1,Pakistan,data entry,8.0,100.0,100000.0,1200.0,10.0,5.0\n"
)


def test_real_file_mapping(tmp_path):
    path = tmp_path / "real.csv"
    path.write_text(REAL_CSV)
    got = read_real_profiles(path)
    assert list(got.columns) == [*PROFILE_COLUMNS, "snapshot", "total_earnings_is_floor"]
    assert got["freelancer_id"].tolist() == ["k1", "k2", "k1"]
    assert got["snapshot"].tolist() == ["2023-07-24b", "2023-07-24b", "2025-09-09"]
    assert got["snapshot_date"].tolist() == [pd.Timestamp("2023-07-24")] * 2 + [
        pd.Timestamp("2025-09-09")
    ]
    assert got["hourly_rate_usd"].tolist() == [5.0, 25.0, 8.0]
    assert got["jss"].tolist() == [95, pd.NA, 100]
    assert got["total_earnings_usd"].tolist() == [30000.0, 0.0, 100000.0]
    assert got["total_earnings_is_floor"].all()
    assert got["total_jobs"].tolist() == [pd.NA, pd.NA, 15]
    assert got["total_hours"].isna().tolist() == [True, True, False]
    assert got["total_hours"].iloc[2] == 1200.0
    assert got["category"].tolist() == ["data entry", "data analyst", "data entry"]
    assert got["country"].tolist() == ["Pakistan", "India", "Pakistan"]
    assert got["badge"].isna().all()


def test_real_file_bad_values_name_line_and_column(tmp_path):
    path = tmp_path / "real.csv"
    path.write_text(
        REAL_CSV.replace("5.0,95.0", "5.0,101.0").replace("2025-09-09", "2025-9-9")
        + "2023-07-24b,k1,Pakistan,data entry,x,90,0,,,\n"
    )
    with pytest.raises(InputError) as err:
        read_real_profiles(path)
    assert err.value.render().splitlines() == [
        "real.csv line 2, column jss: '101.0' is not a number from 0 to 100",
        "real.csv line 4, column snapshot: '2025-9-9' is not a date YYYY-MM-DD, "
        "optionally followed by one letter",
        "real.csv line 5, column key: 'k1' repeats line 2 in the same snapshot",
        "real.csv line 5, column rate_usd: 'x' is not a number >= 0",
    ]


def test_real_file_missing_column(tmp_path):
    path = tmp_path / "real.csv"
    path.write_text("snapshot,key\n2023-07-24,k1\n")
    with pytest.raises(InputError, match="column country: required column is missing"):
        read_real_profiles(path)


def test_bundled_real_file_matches_its_readme():
    from analysis import config

    got = read_real_profiles(config.REAL / "upwork-profiles-datajobs-2023-2025.csv")
    assert got.groupby("snapshot").size().tolist() == [393, 792, 791, 287]
    assert (config.REAL / "LICENSE-upwork-profiles-datajobs.txt").is_file()


def test_cli_profiles_writes_only_out(tmp_path, capsys):
    folder = tmp_path / "h"
    folder.mkdir()
    h = _history()
    h.contracts.to_csv(folder / "contracts.csv", index=False, date_format="%Y-%m-%d")
    h.freelancers.to_csv(folder / "freelancers.csv", index=False, date_format="%Y-%m-%d")
    out = tmp_path / "p.csv"
    assert main(["profiles", str(folder), "--at", AT, "--out", str(out)]) == 0
    got = pd.read_csv(out, dtype={"freelancer_id": "str"})
    assert list(got.columns) == list(PROFILE_COLUMNS)
    assert got["freelancer_id"].tolist() == ["a", "d", "f", "g"]
    assert got.loc[2, "total_earnings_usd"] == 1905.0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h", "p.csv"]
    assert main(["profiles", str(folder), "--at", "2024-02-30"]) == 2
    assert "--at: '2024-02-30' is not a date" in capsys.readouterr().err


# ---------------------------------------------------------------- properties


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(h=histories(optional_tables=True), at=st.sampled_from(EVAL_DATES), shift=st.integers(0, 6))
def test_properties_on_random_histories(h, at, shift):
    """On any history and date: the stricter 2018 rule shows a subset of what the 2020
    rule shows; total_jobs is the number of contracts started by the date; the JSS is
    `jss_grid`'s on the latest JSS date on or before it; every visible row had joined."""
    t = pd.Timestamp(at) + pd.Timedelta(days=shift)
    loose = profiles(h, t, RULES, load_visibility("upwork-2020"), only_visible=False)
    strict = profiles(h, t, RULES, load_visibility("upwork-2018"))
    shown = set(loose.loc[loose["visible"], "freelancer_id"])
    assert set(strict["freelancer_id"]) <= shown
    c = h.contracts
    for row in loose.itertuples(index=False):  # the brute-force reference, per row
        mine = c[c["freelancer_id"] == row.freelancer_id]
        assert row.total_jobs == int((mine["start_date"] <= t).sum())
    grid = jss_grid(h, RULES, end=t)
    # the row of the latest JSS date (not groupby.last(), which skips NA values)
    last = (
        grid[grid["eval_date"] <= t]
        .sort_values("eval_date")
        .drop_duplicates("freelancer_id", keep="last")
        .set_index("freelancer_id")
    )
    want = last["jss"].reindex(loose["freelancer_id"]).astype("Int64")
    pd.testing.assert_series_equal(
        loose["jss"].reset_index(drop=True), want.reset_index(drop=True), check_names=False
    )
    assert (loose["total_earnings_usd"].fillna(0) >= -1e6).all()
