"""What the report figures draw: the data in the artists, from literal frames.

A plot test that checks only the title it passed in proves nothing; these read back
the bar heights, line coordinates, marker offsets and reference lines and compare
them with the frame they were drawn from.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from analysis.engine.status import STATUS_DTYPE  # noqa: E402
from analysis.report import plots  # noqa: E402


def _bar_heights(ax) -> list[float]:
    return [round(p.get_height(), 9) for p in ax.patches]


def test_headroom_bars_draw_each_share_and_name_the_threshold():
    shares = pd.DataFrame({"headroom": ["1", "2", "3+"], "weeks": [6, 3, 1],
                           "share": [0.6, 0.3, 0.1]})  # fmt: skip
    ax = plots.headroom_bars(shares, title="t", threshold=85)
    assert _bar_heights(ax) == [0.6, 0.3, 0.1]
    assert [t.get_text() for t in ax.texts] == ["60%", "30%", "10%"]
    assert ax.get_xlabel() == "Extra negative outcomes until JSS < 85"


def test_jss_bunching_colours_by_side_of_the_threshold():
    hist = pd.DataFrame({"jss": [88, 89, 90, 91], "count": [5, 4, 9, 8]})
    ax = plots.jss_bunching(hist, threshold=90, title="t")
    drawn = sorted((round(p.get_x() + p.get_width() / 2), p.get_height()) for p in ax.patches
                   if p.get_height() > 0)  # fmt: skip
    assert drawn == [(0, 5), (1, 4), (2, 9), (3, 8)]


def test_lift_intervals_draw_estimates_intervals_and_truth():
    lifts = pd.DataFrame({"label": ["naive", "model"], "estimate": [5.0, 1.2],
                          "ci_low": [4.0, 1.1], "ci_high": [6.0, 1.3],
                          "truth": [1.25, 1.25]})  # fmt: skip
    ax = plots.lift_intervals(lifts, title="t")
    line = ax.lines[0]  # the errorbar's markers: top row first
    assert list(line.get_xdata()) == [5.0, 1.2]
    assert list(line.get_ydata()) == [1, 0]
    segments = ax.collections[0].get_segments()  # the interval bars
    assert sorted((s[0][0], s[1][0]) for s in segments) == [(1.1, 1.3), (4.0, 6.0)]
    truth = [c for c in ax.collections if c.get_label() == "planted truth"][0]
    assert truth.get_offsets().tolist() == [[1.25, 1.0], [1.25, 0.0]]
    ticks = dict(zip(ax.get_yticks(), [t.get_text() for t in ax.get_yticklabels()], strict=True))
    assert ticks == {1: "naive", 0: "model"}  # each label at its own row


def test_change_histogram_counts_every_freelancer_and_clips():
    changes = pd.DataFrame({"change": [-1.0, 0.5, 2.0, 30.0]})
    ax = plots.change_histogram(changes, x="change", title="t", xlabel="x", clip=10)
    assert sum(_bar_heights(ax)) == 4
    right = max(p.get_x() + p.get_width() for p in ax.patches if p.get_height() > 0)
    assert right == pytest.approx(10.0)  # 30 drawn at the +10 edge
    assert ax.lines[0].get_xdata()[0] == 0  # the no-change line


def test_earnings_line_and_minimum_with_readable_dates():
    weeks = pd.date_range("2022-01-02", periods=120, freq="7D")
    status = pd.DataFrame({"week": weeks, "earnings_12m_usd": np.linspace(0, 2000, 120)})
    ax = plots.earnings_vs_minimum(status, minimum=1000, title="t")
    y = ax.lines[0].get_ydata()
    assert y[0] == 0 and y[-1] == pytest.approx(2000)
    assert ax.lines[1].get_ydata()[0] == 1000  # the minimum
    assert isinstance(ax.xaxis.get_major_formatter(), mdates.ConciseDateFormatter)
    ax.figure.canvas.draw()
    assert 3 <= len([t for t in ax.get_xticklabels() if t.get_text()]) <= 9


def test_badge_timeline_steps_through_the_levels():
    status = pd.DataFrame({
        "week": pd.date_range("2024-01-07", periods=4, freq="7D"),
        "status": pd.Categorical(["none", "top_rated", "top_rated", "none"],
                                 dtype=STATUS_DTYPE),
    })  # fmt: skip
    ax = plots.badge_timeline(status, title="t")
    assert list(ax.lines[0].get_ydata()) == [0, 2, 2, 0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "none",
        "rising talent",
        "top rated",
        "top rated plus",
    ]
    assert isinstance(ax.xaxis.get_major_formatter(), mdates.ConciseDateFormatter)


def test_break_even_bars_and_the_estimate():
    data = pd.DataFrame({"segment": ["$0-15/h", "$15-30/h"], "break_even_lift": [1.4, 2.1]})
    ax = plots.break_even_lifts(data, estimate=1.24, ci=(1.18, 1.31), title="t")
    widths = sorted(round(p.get_width(), 9) for p in ax.patches if p.get_height() < 1)
    assert widths == [1.4, 2.1]
    assert ax.lines[0].get_xdata()[0] == 1.24


def test_importance_bars_carry_drops_and_errors():
    table = pd.DataFrame({"feature": ["headroom", "jss"], "auc_drop": [0.05, 0.01],
                          "sd": [0.01, 0.002]})  # fmt: skip
    ax = plots.importance_bars(table, title="t")
    assert sorted(round(p.get_width(), 9) for p in ax.patches) == [0.01, 0.05]
    segments = ax.collections[-1].get_segments()
    assert sorted(round(s[1][0] - s[0][0], 9) for s in segments) == [0.004, 0.02]


def test_a_seaborn_grid_is_laid_out_once_and_seaborn_is_left_as_it_was(monkeypatch):
    """A FacetGrid lays itself out on creation and after each map (a full draw each);
    the report figures lay it out once, in `finish`."""
    from matplotlib.figure import Figure
    from seaborn.axisgrid import Grid

    layouts = []
    real = Figure.tight_layout
    monkeypatch.setattr(Figure, "tight_layout", lambda fig, **kw: layouts.append(real(fig, **kw)))
    means = pd.DataFrame(
        {
            "event_time": [-1, 0, 1] * 2,
            "variable": ["a"] * 3 + ["b"] * 3,
            "mean": [1.0, 2.0, 3.0, 2.0, 2.0, 1.0],
            "sem": [0.1] * 6,
        }
    )
    grid = plots.event_time_panels(means, title="t")
    assert len(layouts) == 1
    assert [len(line.get_xdata()) for ax in grid.axes.flat for line in ax.lines[:1]] == [3, 3]
    seaborn_layout = Grid.tight_layout

    @plots.one_layout
    def broken() -> None:
        raise ValueError("drawing failed")

    with pytest.raises(ValueError, match="drawing failed"):
        broken()
    assert Grid.tight_layout is seaborn_layout
    grid.tight_layout()  # seaborn's own layout works again outside the report figures
    assert len(layouts) == 2
