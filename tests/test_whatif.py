"""What-if headroom and the jss/status/whatif command lines, on hand-worked histories."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from histories import make_history

from analysis.cli import main
from analysis.engine.ruleset import load_rules
from analysis.engine.whatif import earliest_return, render_whatif, whatif

RULES = load_rules("upwork-2025")


@pytest.mark.parametrize(
    ("flags", "weeks"),
    [
        ([True] * 16, 0),  # already 16 of 16
        ([True] * 13 + [False] * 3, 0),  # exactly 13 now
        ([False] * 4 + [True] * 12, 1),  # 12 now; next week the oldest bad one ages out: 13
        ([False] * 3 + [True] * 10 + [False] * 3, 3),  # 10 -> 11 -> 12 -> 13
        ([False] * 16, 13),  # nothing good: 13 good weeks needed from scratch
        ([True] * 5, 8),  # only 5 Sundays of history (missing = not good): 5 + 8 = 13
    ],
)
def test_earliest_return_counts_weeks_until_13_of_16(flags, weeks):
    assert earliest_return(flags, 13, 16) == weeks


def twenty_positives(extra: list[dict] | None = None):
    """20 positive $100 contracts from 20 clients, each 30 days long, ending
    2024-06-02..2024-06-21 (all inside the 3-month window of the JSS date
    2024-06-23, which is 2020-01-05 + 1631 days = 116.5 x 14... see below).

    JSS dates fall every 14 days from 2020-01-05; 2024-06-23 is one of them
    ((2024-06-23 - 2020-01-05) = 1631 days = 116 x 14 + 7 -> not aligned), so the
    whatif date 2024-06-30 is used: 1638 days = 117 x 14 (aligned).
    Each weight = 1.0 (<= $250, 30 days < 91): P = T = 20, every window 100.
    k extra negatives: S = 100 (20 - k) / (20 + k); k = 1 -> 90.48 -> JSS 90 (not
    below 90); k = 2 -> 81.8 -> below. Headroom = 2.
    """
    rows = [
        {
            "contract_id": f"c{i}",
            "client_id": f"k{i}",
            "start_date": (pd.Timestamp("2024-05-03") + pd.Timedelta(days=i)).date().isoformat(),
            "end_date": (pd.Timestamp("2024-06-02") + pd.Timedelta(days=i)).date().isoformat(),
            "earnings_usd": 100.0,
            "public_rating": 5.0,
            "private_score": 10,
        }
        for i in range(20)
    ]
    return make_history(contracts=rows + (extra or []))


def test_whatif_headroom_two_negatives():
    result = whatif(twenty_positives(), "f1", RULES, at="2024-06-30")
    assert result["jss_date"] == "2024-06-30"
    assert result["jss"] == 100
    assert result["scores"]["24m"] == 100.0
    assert result["negatives_to_drop_below"] == 2
    assert result["positives_to_reach"] == 0


def test_whatif_below_threshold_counts_positives():
    """Add 3 negatives (weight 1 each): S = 100 (20 - 3) / 23 = 73.9 -> JSS 74.
    k positives: 100 (17 + k) / (23 + k) >= 89.5 (rounds to 90) -> 17 + k >= 0.895 (23 + k)
    -> 0.105 k >= 3.585 -> k >= 34.14 -> k = 35 (check: 52 / 58 = 89.66 -> 90; 51 / 57 =
    89.47 -> 89)."""
    negatives = [
        {
            "contract_id": f"n{i}",
            "client_id": f"bad{i}",
            "start_date": "2024-06-01",
            "end_date": "2024-06-20",
            "earnings_usd": 50.0,
            "public_rating": 2.0,
        }
        for i in range(3)
    ]
    result = whatif(twenty_positives(negatives), "f1", RULES, at="2024-06-30")
    assert result["jss"] == 74
    assert result["negatives_to_drop_below"] == 0
    assert result["positives_to_reach"] == 35
    assert "35 more positive outcome(s)" in render_whatif(result)


def test_whatif_earnings_short_and_good_weeks():
    """First contract started 2024-05-03, so on Sunday 2024-06-30 the freelancer has
    9 Sundays of history (2024-05-05 .. 2024-06-30); none before the JSS exists on
    2024-06-02's first JSS date... the engine decides good weeks; what is asserted
    here is the money: 20 x $100 = $2,000 earned in the last 12 months, so nothing
    is short of the $1,000 minimum, and tenure (58 days < 90) fails."""
    result = whatif(twenty_positives(), "f1", RULES, at="2024-06-30")
    assert result["earnings_12m_usd"] == 2000.0
    assert result["earnings_short_usd"] == 0.0
    assert "tenure" in result["failing"]
    assert result["status"] in ("none", "rising_talent")


def _write(history_rows: list[dict], folder: Path) -> Path:
    frame = pd.DataFrame(history_rows)
    frame.to_csv(folder / "contracts.csv", index=False)
    return folder


def test_cli_whatif_json_and_plain(tmp_path: Path, capsys):
    twenty_positives().contracts.to_csv(tmp_path / "contracts.csv", index=False)
    assert (
        main(["whatif", str(tmp_path), "--freelancer", "f1", "--at", "2024-06-30", "--json"]) == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["negatives_to_drop_below"] == 2
    assert main(["whatif", str(tmp_path), "--freelancer", "f1", "--at", "2024-06-30"]) == 0
    text = capsys.readouterr().out
    assert "Headroom: 2 more negative outcome(s) ending now would take the JSS below 90." in text


def test_cli_unknown_freelancer_and_bad_date_exit_2(tmp_path: Path, capsys):
    twenty_positives().contracts.to_csv(tmp_path / "contracts.csv", index=False)
    assert main(["whatif", str(tmp_path), "--freelancer", "nobody"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("--freelancer: 'nobody' is not a freelancer in ")
    assert main(["jss", str(tmp_path), "--from", "2024-13-01"]) == 2
    assert capsys.readouterr().err == "--from: '2024-13-01' is not a date in the form YYYY-MM-DD\n"
    assert main(["jss", str(tmp_path), "--rules", "no-such-rules"]) == 2
    assert "is neither a bundled rule set" in capsys.readouterr().err


def test_cli_jss_and_status_files(tmp_path: Path):
    twenty_positives().contracts.to_csv(tmp_path / "contracts.csv", index=False)
    jss_out, status_out, events_out = tmp_path / "j.csv", tmp_path / "s.parquet", tmp_path / "e.csv"
    assert main(["jss", str(tmp_path), "--out", str(jss_out), "--from", "2024-06-30"]) == 0
    jss = pd.read_csv(jss_out)
    assert list(jss.columns) == [
        "freelancer_id", "eval_date", "jss", "score_24m", "score_12m", "score_6m",
        "score_3m", "score_trending", "counted_24m", "clients_24m",
    ]  # fmt: skip
    # as-of = the latest date in the input, 2024-06-21: no JSS date in [2024-06-30, as-of]
    assert len(jss) == 0
    assert main(["jss", str(tmp_path), "--out", str(jss_out), "--to", "2024-06-30"]) == 0
    jss = pd.read_csv(jss_out)
    last = jss.iloc[-1]
    assert (last["eval_date"], last["jss"], last["counted_24m"], last["clients_24m"]) == (
        "2024-06-30",
        100,
        20,
        20,
    )
    assert main(
        ["status", str(tmp_path), "--to", "2024-06-30", "--out", str(status_out),
         "--events", str(events_out)]
    ) == 0  # fmt: skip
    status = pd.read_parquet(status_out)
    assert list(status.columns)[:4] == ["freelancer_id", "week", "status", "jss"]
    assert status["week"].min() == pd.Timestamp("2024-05-05").date()  # first Sunday >= start
    events = pd.read_csv(events_out)
    assert list(events.columns) == ["freelancer_id", "week", "from_status", "to_status", "reasons"]
