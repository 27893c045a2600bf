"""The reader's tables (`analysis.report.format`), on literal frames with the answers
written out by hand: money, ratios, intervals, shares, no index, never NaN."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.report import format as fmt


def test_money_ratio_percent_interval_by_hand():
    assert fmt.money(1234.4) == "$1,234"
    assert fmt.money(1234.5, 2) == "$1,234.50"
    assert fmt.money(-1500) == "-$1,500"
    assert fmt.money(-0.2) == "$0"  # no "-$0"
    assert fmt.money(np.nan) == fmt.NOT_AVAILABLE
    assert fmt.ratio(1.2449) == "1.24x"
    assert fmt.ratio(None) == fmt.NOT_AVAILABLE
    assert fmt.percent(0.125) == "12%"
    assert fmt.percent(0.125, 1) == "12.5%"
    assert fmt.interval(1.18, 1.3149) == "1.18-1.31"
    assert fmt.interval(-0.5, 1.2) == "(-0.50)-1.20"
    assert fmt.interval(10, 2500, "money") == "$10-$2,500"
    assert fmt.interval(np.nan, 1.2) == fmt.NOT_AVAILABLE


def test_readable_renames_renders_and_drops_the_index():
    frame = pd.DataFrame(
        {
            "segment": ["$0-15/h", "$15-30/h"],
            "net_usd": [1234.4, -56.0],
            "p": [0.8, np.nan],
            "lo": [1.1, np.nan],
            "hi": [1.3, 2.0],
            "n": [1200.0, 3.0],
            "when": pd.to_datetime(["2024-05-05", None]),
            "ok": [True, False],
        },
        index=[7, 9],
    )
    out = fmt.readable(
        frame,
        {
            "segment": "Segment",
            "net_usd": fmt.Col("Net value a year (USD)", "money"),
            "p": fmt.Col("Chance it pays", "percent", missing="not estimated"),
            "ci": fmt.Interval("lo", "hi", "95% interval"),
            "n": ("Freelancers", "count"),
            "when": ("First week", "date"),
            "ok": ("Covered", "bool"),
            "absent": ("Optional column", "number"),
        },
    )
    expected = pd.DataFrame(
        {
            "Segment": ["$0-15/h", "$15-30/h"],
            "Net value a year (USD)": ["$1,234", "-$56"],
            "Chance it pays": ["80%", "not estimated"],
            "95% interval": ["1.10-1.30", "-"],
            "Freelancers": ["1,200", "3"],
            "First week": ["2024-05-05", "-"],
            "Covered": ["yes", "no"],
        },
        dtype=object,
    )
    pd.testing.assert_frame_equal(out, expected)
    assert not out.isna().any().any()


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="kind must be one of"):
        fmt.Col("x", "furlongs")


def test_effects_table_says_not_estimated_and_why():
    effects = pd.DataFrame(
        {
            "effect": ["invitation_lift", "hire_rate_lift", "maintenance_hours"],
            "estimate": [1.2436, np.nan, 2.0212],
            "ci_low": [1.1795, np.nan, 1.9892],
            "ci_high": [1.3111, np.nan, 2.0533],
            "unit": ["x", "x", "hours/week"],
            "n_obs": pd.array([34500, 0, 2100], dtype="Int64"),
            "truth": [1.25, np.nan, np.nan],
            "note": ["", "not estimated: activity.csv has no hires values", ""],
        }
    )
    out = fmt.effects_table(effects, {"invitation_lift": "invitations, around gains"})
    assert out.to_dict("records") == [
        {
            "Effect of the badge": "invitations, around gains",
            "Estimate": "1.24x",
            "95% interval": "1.18-1.31",
            "Planted truth": "1.25x",
            "Freelancer-weeks or contracts": "34,500",
            "Note": "-",
        },
        {
            "Effect of the badge": "hire rate lift",
            "Estimate": "not estimated",
            "95% interval": "-",
            "Planted truth": "none known",
            "Freelancer-weeks or contracts": "-",
            "Note": "not estimated: activity.csv has no hires values",
        },
        {
            "Effect of the badge": "maintenance hours",
            "Estimate": "2.02 h/week",
            "95% interval": "1.99-2.05",
            "Planted truth": "none known",
            "Freelancer-weeks or contracts": "2,100",
            "Note": "-",
        },
    ]


def test_show_displays_the_escaped_table(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj.to_html()))
    fmt.show(pd.DataFrame({"<b>id</b>": ["<script>x</script>"]}, dtype=object))
    assert "<script>x</script>" not in shown[0] and "<b>id</b>" not in shown[0]
    assert "&lt;script&gt;x&lt;/script&gt;" in shown[0] and "&lt;b&gt;id&lt;/b&gt;" in shown[0]
