"""The figures of reports 01 (JSS mechanics) and 02 (status gained and lost) draw
the data they are given.

Each test hands a plot function a small literal frame whose bars, steps, lines or
cells are worked out by hand, and reads them back from the matplotlib artists: a
figure that drops a group, normalises the wrong way or mislabels a cell fails
here, whatever its title says.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from analysis.report import plots  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _bars(ax) -> dict[float, float]:
    """Height of the drawn bars by bar centre (stacked bars summed); empty bars left out."""
    out: dict[float, float] = {}
    for p in ax.patches:
        if type(p).__name__ != "Rectangle" or p.get_height() == 0:
            continue
        x = round(p.get_x() + p.get_width() / 2, 6)
        out[x] = out.get(x, 0.0) + float(p.get_height())
    return out


def _steps(collection) -> set[tuple[float, float]]:
    """The (x, height) corners of a step histogram's filled area above zero."""
    v = collection.get_paths()[0].vertices
    return {(float(x), float(y)) for x, y in v if y > 0}


def _lines(ax) -> list[tuple[list[float], list[float]]]:
    """Data lines (those carrying points), as lists of x and y."""
    return [
        (list(map(float, line.get_xdata())), list(map(float, line.get_ydata())))
        for line in ax.lines
        if len(line.get_xdata())
    ]


def test_jss_histogram_normalises_each_scope_and_marks_the_threshold():
    data = pd.DataFrame({"scope": ["A"] * 4 + ["B"], "jss": [95, 95, 80, 100, 50.0]})
    ax = plots.jss_histogram(data, threshold=90, title="t")
    steps = [_steps(c) for c in ax.collections]
    # scope A: 2 of 4 in [94, 96), 1 in [80, 82), 1 in [100, 102]; scope B: all in [50, 52)
    assert {(94.0, 50.0), (96.0, 50.0), (80.0, 25.0), (100.0, 25.0)} <= steps[1]
    assert steps[0] == {(50.0, 100.0), (52.0, 100.0)}
    assert ([90.0, 90.0], [0.0, 1.0]) in _lines(ax)
    assert [t.get_text() for t in ax.get_legend().texts] == ["A", "B"]


def test_window_score_boxes_name_the_share_of_dates_each_window_is_defined():
    data = pd.DataFrame(
        {
            "window": pd.Categorical(["24m", "24m", "12m", "12m"], categories=["24m", "12m"]),
            "score": [80, 100, np.nan, 90.0],
        }
    )
    ax = plots.window_score_boxes(data, title="t")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["24m\n100%", "12m\n50%"]
    # the 24m box runs from its quartiles 85 to 95 with the median at 90
    box = next(y for x, y in _lines(ax) if len(x) == 5)
    assert sorted(set(box)) == [85.0, 95.0]
    medians = [y for x, y in _lines(ax) if x == [-0.25, 0.25]]
    assert [90.0, 90.0] in medians


def test_displayed_window_bars_are_shares_of_dates():
    data = pd.DataFrame({"displayed": ["24m", "24m", "24m", "12m"]})
    ax = plots.displayed_window_bars(data, title="t")
    widths = {
        t.get_text(): p.get_width() for t, p in zip(ax.get_yticklabels(), ax.patches, strict=True)
    }
    assert widths == {"24m": 75.0, "12m": 25.0}
    assert [t.get_text() for t in ax.texts] == ["75%", "25%"]


def test_lift_histogram_shares_of_lifted_dates():
    ax = plots.lift_histogram(pd.DataFrame({"lift_points": [1, 1, 3.0]}), title="t")
    assert _bars(ax) == pytest.approx({1.0: 200 / 3, 3.0: 100 / 3})


def test_drop_histogram_normalises_each_scenario():
    data = pd.DataFrame({"scenario": ["x", "x", "y"], "drop_points": [1, 3, 5.0]})
    ax = plots.drop_histogram(data, title="t")
    tops = sorted(max(y for _, y in _steps(c)) for c in ax.collections)
    assert tops == [50.0, 100.0]  # x: two drops in two bins; y: one drop, all of it


def test_drop_by_record_size_draws_one_box_per_record_band():
    data = pd.DataFrame(
        {"record": ["a", "a", "b"], "drop_points": [1, 3, 5.0], "scenario": ["x"] * 3}
    )
    ax = plots.drop_by_record_size(data, title="t")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
    ys = [y for _, y in _lines(ax)]
    assert [2.0, 2.0] in ys  # band a: median of 1 and 3
    assert [5.0, 5.0] in ys  # band b: its one drop


def test_badge_lag_histogram_stacks_and_clips_long_waits():
    data = pd.DataFrame({"weeks_to_badge": [2, 2, 60], "head_start": ["0", "0", "3"]})
    ax = plots.badge_lag_histogram(data, title="t", max_weeks=52)
    assert _bars(ax) == {2.0: 2.0, 52.0: 1.0}


def test_stuck_histogram_stacks_reasons_and_marks_the_requirement():
    data = pd.DataFrame(
        {"good_weeks_16": [10, 10, 12], "blocked_by": ["earnings", "earnings", "good weeks"]}
    )
    ax = plots.stuck_histogram(data, required=13, title="t")
    assert _bars(ax) == {10.0: 2.0, 12.0: 1.0}
    assert ([12.5, 12.5], [0.0, 1.0]) in _lines(ax)
    assert [t.get_text() for t in ax.texts] == ["13 needed"]


MONTHS = list(pd.to_datetime(["2024-01-01", "2024-02-01"]))


def test_monthly_changes_lines_one_step_line_per_change():
    data = pd.DataFrame(
        {"month": MONTHS * 2, "change": ["gained"] * 2 + ["lost"] * 2, "freelancers": [3, 5, 1, 0]}
    )
    ax = plots.monthly_changes_lines(data, title="t")
    assert [y for _, y in _lines(ax)] == [[3.0, 5.0], [1.0, 0.0]]
    assert all(line.get_drawstyle() == "steps-post" for line in ax.lines if len(line.get_xdata()))


def test_km_plot_draws_the_curve_and_its_band():
    curve = pd.DataFrame(
        {
            "group": ["g"] * 3,
            "weeks": [0, 4, 8],
            "survival": [1, 0.5, 0.25],
            "ci_lower": [1, 0.3, 0.1],
            "ci_upper": [1, 0.7, 0.4],
        }
    )
    ax = plots.km_plot(curve, title="t", xlabel="w", ylabel="s")
    assert _lines(ax) == [([0.0, 4.0, 8.0], [1.0, 0.5, 0.25])]
    band = ax.collections[0].get_paths()[0].vertices
    assert band[:, 1].min() == pytest.approx(0.1) and band[:, 1].max() == pytest.approx(1.0)


def test_transition_heatmap_cells_and_labels():
    data = pd.DataFrame(
        {
            "from_status": ["none", "none", "top_rated", "top_rated"],
            "to_status": ["none", "top_rated", "none", "top_rated"],
            "share": [0.99, 0.01, 0.05, 0.95],
        }
    )
    ax = plots.transition_heatmap(data, title="t")
    assert np.asarray(ax.collections[0].get_array()).reshape(2, 2).tolist() == [
        [0.99, 0.01],
        [0.05, 0.95],
    ]
    assert [t.get_text() for t in ax.texts] == ["99%", "1.00%", "5.00%", "95%"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["none", "Top Rated"]


def test_rule_share_lines_one_line_per_rule_set():
    data = pd.DataFrame(
        {"month": MONTHS * 2, "rules": ["u"] * 2 + ["s"] * 2, "share": [0.1, 0.2, 0.3, 0.4]}
    )
    ax = plots.rule_share_lines(data, title="t")
    assert [y for _, y in _lines(ax)] == [[0.1, 0.2], [0.3, 0.4]]
    assert [t.get_text() for t in ax.get_legend().texts] == ["u", "s"]


@pytest.mark.parametrize("draw", [plots.loss_reason_bars, plots.disagreement_bars])
def test_share_bars_one_panel_per_group_with_its_own_reasons(draw):
    row = "kind" if draw is plots.loss_reason_bars else "side"
    data = pd.DataFrame(
        {row: ["lost", "lost", "down"], "reason": ["jss", "earn", "jss"], "share": [0.5, 0.25, 1.0]}
    )
    grid = draw(data, title="t")
    panels = {
        ax.get_title(loc="left"): {
            t.get_text(): round(p.get_width(), 6)
            for t, p in zip(ax.get_yticklabels(), ax.patches, strict=True)
        }
        for ax in grid.axes.flat
    }
    assert panels == {"lost": {"jss": 0.5, "earn": 0.25}, "down": {"jss": 1.0}}
    assert grid.figure.get_suptitle() == "t"
