"""Every figure of the reports, in one module, seaborn-gallery style.

Conventions (see seaborn's ``examples/grouped_barplot.py`` and ``doc/matplotlibrc``):

- Call `set_theme()` once at the top of a notebook; no figure sets its own style.
- Each figure is a function that takes tidy data (one row per observation, columns
  named as in the data contract: ``earnings_usd``, ``eval_date``, ...) and returns
  the ``Axes`` or ``FacetGrid`` it drew, so a notebook can adjust it and tests can
  inspect it. It draws with ``data=`` and named encodings (``x=``, ``y=``,
  ``hue=``), never loops over groups by hand.
- Axis labels carry units (``"Earnings (USD)"``, ``"JSS (%)"``, ``"Weeks"``).
- The title states the finding, not the chart type: "Top Rated freelancers earn
  1.8x more per contract", not "Earnings by status".
- Figures are embedded as PNG (never SVG: an SVG carries the data's text as markup
  inside the HTML report).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

#: rc for report PNGs: 8 x 4.5 inches at 100 dpi -> 800 x 450 px.
REPORT_RC: dict[str, Any] = {
    "figure.figsize": (8.0, 4.5),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "savefig.format": "png",
    "svg.fonttype": "path",
    "axes.titlesize": "large",
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
}


def set_theme(**rc: Any) -> None:
    """Set the seaborn theme and the report rc once; make inline figures PNG.

    Extra keyword arguments override entries of `REPORT_RC`. Inside an IPython
    kernel it also selects the inline backend with PNG output, so figures land in
    the notebook (and in the HTML report) as base64 PNG.
    """
    import seaborn as sns

    _use_inline_png()
    sns.set_theme(context="notebook", style="whitegrid", palette="colorblind", rc=REPORT_RC | rc)


def _use_inline_png() -> None:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        return
    shell.run_line_magic("matplotlib", "inline")
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    set_matplotlib_formats("png")


def one_layout(draw: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a figure function that builds a seaborn grid: lay it out once.

    A seaborn ``FacetGrid`` (and ``catplot``) runs a tight layout, which draws the
    whole figure to measure its text, when it is created, after every ``map`` and
    in ``catplot``; `finish` lays the finished figure out once more. Only that last
    layout counts, so while `draw` runs the grid's own layouts are skipped: the
    same figure for a quarter of the drawing (most of a report kernel's plotting
    time).
    """

    @functools.wraps(draw)
    def drawn(*args: Any, **kwargs: Any) -> Any:
        from seaborn.axisgrid import Grid

        grid_layout = Grid.tight_layout
        Grid.tight_layout = lambda self, *a, **k: self  # type: ignore[method-assign]
        try:
            return draw(*args, **kwargs)
        finally:
            Grid.tight_layout = grid_layout  # type: ignore[method-assign]

    return drawn


def finish(ax: Any, *, title: str, xlabel: str | None = None, ylabel: str | None = None) -> Any:
    """Put the finding in the title and units on the axes; return ``ax``.

    Works for an ``Axes`` and for a seaborn ``FacetGrid`` (title above the grid).
    """
    if hasattr(ax, "figure") and hasattr(ax, "axes") and hasattr(ax, "set_axis_labels"):
        ax.set_axis_labels(xlabel or "", ylabel or "")
        ax.figure.suptitle(title, x=0.01, ha="left", fontweight="bold")
        ax.figure.tight_layout()
        return ax
    ax.set_title(title)
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    return ax


# ---------------------------------------------------------------------------
# Story 01 (JSS mechanics) and 02 (status gained and lost)
# ---------------------------------------------------------------------------


def date_axis(axis: Any) -> Any:
    """Readable dates on `axis` (e.g. ``ax.xaxis``): a locator that picks few enough
    ticks for the span and a concise formatter (years once, then months), so labels
    never run into each other. Returns the axis."""
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    axis.set_major_locator(locator)
    axis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    return axis


def _percent_axis(axis: Any, xmax: float = 1.0) -> None:
    from matplotlib.ticker import PercentFormatter

    axis.set_major_formatter(PercentFormatter(xmax=xmax, decimals=0))


def jss_histogram(data: Any, *, threshold: float, title: str) -> Any:
    """JSS distribution per ``scope`` (tidy: scope, jss), each scope normalised to 100%."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, ax = plt.subplots()
    sns.histplot(
        data=data,
        x="jss",
        hue="scope",
        stat="percent",
        common_norm=False,
        binwidth=2,
        binrange=(0, 102),
        element="step",
        ax=ax,
    )
    ax.axvline(threshold, color="0.3", linestyle=":", linewidth=1)
    ax.annotate(
        f"Top Rated needs {threshold:g}",
        (threshold, 1),
        xycoords=("data", "axes fraction"),
        xytext=(-4, -4),
        textcoords="offset points",
        ha="right",
        va="top",
        fontsize="small",
    )
    sns.move_legend(ax, "upper left", title=None)
    return finish(ax, title=title, xlabel="JSS (%)", ylabel="Share of each scope (%)")


def window_score_boxes(data: Any, *, title: str) -> Any:
    """Each window's score on the dates with a JSS (tidy: window, score; NaN = undefined),
    with the share of dates on which the window is defined under its name."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    defined = data.groupby("window", observed=True)["score"].apply(lambda s: s.notna().mean())
    labelled = data.dropna(subset=["score"]).assign(
        window=lambda d: d["window"].cat.rename_categories(
            {w: f"{w}\n{defined.get(w, 0):.0%}" for w in d["window"].cat.categories}
        )
    )
    fig, ax = plt.subplots()
    sns.boxplot(
        data=labelled,
        x="window",
        y="score",
        color="C0",
        fill=False,
        showfliers=False,
        width=0.5,
        ax=ax,
    )
    ax.set_ylim(-2, 102)
    return finish(
        ax,
        title=title,
        xlabel="Window (share of JSS dates on which it is defined)",
        ylabel="Window score (%)",
    )


def displayed_window_bars(data: Any, *, title: str) -> Any:
    """Share of evaluation dates by the candidate the JSS displays (tidy: displayed)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, ax = plt.subplots()
    sns.countplot(data=data, y="displayed", stat="percent", color="C0", ax=ax)
    for bars in ax.containers:
        ax.bar_label(bars, fmt="%.0f%%", padding=3, fontsize="small")
    ax.set_xlim(0, ax.get_xlim()[1] * 1.1)
    return finish(
        ax, title=title, xlabel="Share of JSS evaluation dates (%)", ylabel="Score displayed"
    )


def lift_histogram(data: Any, *, title: str) -> Any:
    """Points the best-of rule adds over the 24-month score, where it adds any
    (tidy: lift_points > 0)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, ax = plt.subplots()
    upper = max(float(data["lift_points"].quantile(0.99)), 5.0) if len(data) else 5.0
    sns.histplot(
        data=data[data["lift_points"] <= upper],
        x="lift_points",
        discrete=True,
        stat="percent",
        color="C0",
        ax=ax,
    )
    return finish(
        ax,
        title=title,
        xlabel="JSS minus the 24-month score (points)",
        ylabel="Share of lifted dates (%)",
    )


def drop_histogram(data: Any, *, title: str) -> Any:
    """Distribution of the JSS drop from one bad contract, per scenario
    (tidy: scenario, drop_points), each scenario normalised to 100%."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    top = float(data["drop_points"].max()) if len(data) else 10.0
    fig, ax = plt.subplots()
    sns.histplot(
        data=data,
        x="drop_points",
        hue="scenario",
        stat="percent",
        common_norm=False,
        binwidth=2,
        binrange=(0, top + 2),
        element="step",
        ax=ax,
    )
    sns.move_legend(ax, "upper right", title=None)
    return finish(
        ax,
        title=title,
        xlabel="JSS drop from one bad contract (points)",
        ylabel="Share of freelancers (%)",
    )


def drop_by_record_size(data: Any, *, title: str) -> Any:
    """The drop by how many contracts the 24-month window counted
    (tidy: record, drop_points, scenario)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, ax = plt.subplots()
    sns.boxplot(data=data, x="record", y="drop_points", hue="scenario", showfliers=False, ax=ax)
    sns.move_legend(ax, "upper right", title=None)
    return finish(
        ax,
        title=title,
        xlabel="Contracts counted in the 24-month window",
        ylabel="JSS drop (points)",
    )


def badge_lag_histogram(data: Any, *, title: str, max_weeks: int = 52) -> Any:
    """Weeks from the first qualifying JSS to the badge, stacked by head start
    (tidy: weeks_to_badge, head_start); longer waits are drawn at `max_weeks`."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    shown = data.assign(weeks_to_badge=data["weeks_to_badge"].clip(upper=max_weeks))
    fig, ax = plt.subplots()
    sns.histplot(
        data=shown, x="weeks_to_badge", hue="head_start", multiple="stack", discrete=True, ax=ax
    )
    sns.move_legend(ax, "upper right", title="Good weeks already counted")
    ax.set_xlim(-1, max_weeks + 1)
    return finish(
        ax,
        title=title,
        xlabel=f"Weeks from first JSS ≥ 90 to the badge ({max_weeks}+ at the end)",
        ylabel="Freelancers",
    )


def stuck_histogram(data: Any, *, required: int, title: str) -> Any:
    """Good weeks of the last 16 on Sundays with a qualifying JSS but no badge,
    stacked by what else holds the badge back (tidy: good_weeks_16, blocked_by); the
    dotted line marks the `required` count."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    shown = data
    if hasattr(data["blocked_by"], "cat"):
        shown = data.assign(blocked_by=data["blocked_by"].cat.remove_unused_categories())
    fig, ax = plt.subplots()
    sns.histplot(
        data=shown, x="good_weeks_16", hue="blocked_by", multiple="stack", discrete=True, ax=ax
    )
    ax.axvline(required - 0.5, color="0.3", linestyle=":", linewidth=1)
    ax.annotate(
        f"{required} needed",
        (required - 0.5, 1),
        xycoords=("data", "axes fraction"),
        xytext=(4, -4),
        textcoords="offset points",
        va="top",
        fontsize="small",
    )
    sns.move_legend(
        ax, "upper center", bbox_to_anchor=(0.5, -0.16), ncols=3, title="Badge held back by"
    )
    ax.set_xlim(-0.5, 16.5)
    ax.set_xticks(range(0, 17, 2))
    return finish(ax, title=title, xlabel="Good weeks in the last 16", ylabel="Freelancer-Sundays")


def monthly_changes_lines(data: Any, *, title: str) -> Any:
    """Badge gains and losses per month (tidy: month, change, freelancers)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, ax = plt.subplots()
    sns.lineplot(
        data=data,
        x="month",
        y="freelancers",
        hue="change",
        style="change",
        drawstyle="steps-post",
        ax=ax,
    )
    sns.move_legend(ax, "upper left", title=None)
    date_axis(ax.xaxis)
    return finish(ax, title=title, xlabel="Month", ylabel="Freelancers per month")


def km_plot(curve: Any, *, title: str, xlabel: str, ylabel: str) -> Any:
    """Kaplan-Meier curves with their 95% bands (tidy: group, weeks, survival,
    ci_lower, ci_upper), one colour per group."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, ax = plt.subplots()
    sns.lineplot(
        data=curve,
        x="weeks",
        y="survival",
        hue="group",
        drawstyle="steps-post",
        errorbar=None,
        ax=ax,
    )
    colors = {
        t.get_text(): h.get_color()
        for t, h in zip(ax.get_legend().texts, ax.get_legend().legend_handles, strict=True)
    }
    for name, band in curve.groupby("group", observed=True):  # the bands only
        ax.fill_between(
            band["weeks"],
            band["ci_lower"],
            band["ci_upper"],
            step="post",
            alpha=0.2,
            color=colors.get(str(name), "C0"),
            linewidth=0,
        )
    ax.set_ylim(0, 1.02)
    _percent_axis(ax.yaxis)
    sns.move_legend(ax, "upper right", title=None)
    return finish(ax, title=title, xlabel=xlabel, ylabel=ylabel)


def transition_heatmap(data: Any, *, title: str) -> Any:
    """Week-to-week status moves, row-normalised (tidy: from_status, to_status, share);
    colour on a log scale so rare moves show."""
    import matplotlib.pyplot as plt
    import numpy as np
    import seaborn as sns
    from matplotlib.colors import LogNorm

    names = {
        "none": "none",
        "rising_talent": "Rising Talent",
        "top_rated": "Top Rated",
        "top_rated_plus": "Top Rated Plus",
    }
    table = data.pivot(index="from_status", columns="to_status", values="share")
    table = table.rename(index=names, columns=names)
    labels = table.map(lambda v: "" if np.isnan(v) else (f"{v:.0%}" if v >= 0.1 else f"{v:.2%}"))
    fig, ax = plt.subplots(figsize=(8, 5))
    sns.heatmap(
        table.where(table > 0),
        annot=labels,
        fmt="",
        cmap="mako_r",
        norm=LogNorm(vmin=1e-4, vmax=1),
        cbar_kws={"label": "Share of the row (log)"},
        linewidths=0.5,
        ax=ax,
    )
    ax.tick_params(axis="y", rotation=0)
    return finish(ax, title=title, xlabel="Status the next Sunday", ylabel="Status this Sunday")


@one_layout
def _share_bars(data: Any, *, row: str, title: str, xlabel: str, ylabel: str) -> Any:
    """Horizontal bars of ``share`` by ``reason``, one panel per value of `row`, each
    panel sized to its number of bars and labelled with the percentages."""
    import seaborn as sns

    groups = list(data[row].drop_duplicates())
    sizes = [max(int((data[row] == g).sum()), 1) for g in groups]
    height = (1.4 + 0.45 * sum(sizes) + 0.5 * len(groups)) / max(len(groups), 1)
    grid = sns.catplot(
        data=data,
        y="reason",
        x="share",
        row=row,
        row_order=groups,
        hue=row,
        hue_order=groups,
        kind="bar",
        dodge=False,
        sharey=False,
        legend=False,
        height=height,
        aspect=8.0 / height,
        facet_kws={"gridspec_kws": {"height_ratios": sizes}},
    )
    for ax in grid.axes.flat:
        for bars in ax.containers:
            ax.bar_label(
                bars, labels=[f"{b.get_width():.0%}" for b in bars], padding=3, fontsize="small"
            )
        _percent_axis(ax.xaxis)
    grid.set(xlim=(0, min(1.15, float(data["share"].max()) * 1.15 + 0.02)))
    grid.set_titles(row_template="{row_name}", loc="left", fontweight="normal", size="medium")
    return finish(grid, title=title, xlabel=xlabel, ylabel=ylabel)


def loss_reason_bars(data: Any, *, title: str) -> Any:
    """Share of downgrades listing each failed criterion, one panel per kind of
    downgrade (tidy: kind, reason, share); returns the FacetGrid."""
    return _share_bars(
        data, row="kind", title=title, xlabel="Share of downgrades of that kind (%)", ylabel=""
    )


def rule_share_lines(data: Any, *, title: str) -> Any:
    """Share of active freelancers with the badge per month under each rule set
    (tidy: month, rules, share)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, ax = plt.subplots()
    sns.lineplot(data=data, x="month", y="share", hue="rules", style="rules", ax=ax)
    _percent_axis(ax.yaxis)
    sns.move_legend(ax, "lower right", title="Rule set")
    date_axis(ax.xaxis)
    return finish(ax, title=title, xlabel="Month", ylabel="Active freelancers Top Rated (%)")


def disagreement_bars(data: Any, *, title: str) -> Any:
    """Why the rule sets disagree: share of one-sided freelancer-Sundays failing each
    criterion of the other rule set, one panel per side (tidy: side, reason, share);
    returns the FacetGrid."""
    return _share_bars(
        data, row="side", title=title, xlabel="Share of those freelancer-Sundays (%)", ylabel=""
    )


# ---------------------------------------------------------------------------
# Story 07 (the seed article's FAQ) and 08 (my history)
# ---------------------------------------------------------------------------


def change_histogram(
    data: Any, *, x: str, title: str, xlabel: str, clip: float | None = None
) -> Any:
    """Per-freelancer changes (tidy: one row per freelancer, column `x`), with a
    dotted line at 0 (no change); values beyond +-`clip` are drawn at the edge."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    shown = data if clip is None else data.assign(**{x: data[x].clip(-clip, clip)})
    fig, ax = plt.subplots()
    sns.histplot(data=shown, x=x, bins=40, color="C0", ax=ax)
    ax.axvline(0, color="0.3", linestyle=":", linewidth=1)
    return finish(ax, title=title, xlabel=xlabel, ylabel="Freelancers")


def lift_intervals(data: Any, *, title: str) -> Any:
    """Estimates with 95% intervals, one line each (tidy: label, estimate, ci_low,
    ci_high; optional ``truth``, drawn as a diamond); dotted line at 1 (no effect)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8.0, 0.6 * len(data) + 1.6))
    y = list(range(len(data)))[::-1]
    ax.errorbar(
        data["estimate"],
        y,
        xerr=[data["estimate"] - data["ci_low"], data["ci_high"] - data["estimate"]],
        fmt="o",
        color="C0",
        capsize=4,
        label="estimate, 95% interval",
    )
    if "truth" in data and data["truth"].notna().any():
        ax.scatter(data["truth"], y, marker="D", color="C3", zorder=3, label="planted truth")
    ax.axvline(1, color="0.3", linestyle=":", linewidth=1)
    ax.set_yticks(y, data["label"])
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(plt.matplotlib.ticker.FormatStrFormatter("%.2gx"))
    ax.xaxis.set_minor_formatter(plt.matplotlib.ticker.NullFormatter())
    ax.set_ylim(-0.6, len(data) - 0.4)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), ncols=2, fontsize="small")
    finish(ax, title=title, xlabel="Multiplicative effect (log scale)", ylabel="")
    fig.tight_layout()
    return ax


def jss_windows_timeline(scores: Any, *, threshold: float, title: str) -> Any:
    """Every window score and the displayed JSS over time (tidy: eval_date, score, value)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, ax = plt.subplots()
    sns.lineplot(
        data=scores,
        x="eval_date",
        y="value",
        hue="score",
        style="score",
        drawstyle="steps-post",
        ax=ax,
    )
    ax.axhline(threshold, color="0.3", linestyle=":", linewidth=1)
    ax.set_ylim(-2, 102)
    ax.legend(title=None, loc="lower left", ncols=3)
    date_axis(ax.xaxis)
    return finish(ax, title=title, xlabel="JSS evaluation date", ylabel="Score (%)")


def badge_timeline(status: Any, *, title: str) -> Any:
    """The weekly badge status as a step line over the four levels."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    levels = list(status["status"].cat.categories)
    data = status.assign(level=status["status"].cat.codes)
    fig, ax = plt.subplots(figsize=(8, 2.8))
    sns.lineplot(data=data, x="week", y="level", drawstyle="steps-post", ax=ax)
    ax.set_yticks(range(len(levels)), [lv.replace("_", " ") for lv in levels])
    ax.set_ylim(-0.3, len(levels) - 0.7)
    date_axis(ax.xaxis)
    return finish(ax, title=title, xlabel="Week (Sunday)", ylabel="Status")


def earnings_vs_minimum(status: Any, *, minimum: float, title: str) -> Any:
    """Earnings over the trailing 12 months against the badge minimum."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, ax = plt.subplots()
    sns.lineplot(data=status, x="week", y="earnings_12m_usd", ax=ax)
    ax.axhline(minimum, color="0.3", linestyle=":", linewidth=1)
    ax.annotate(
        f"minimum ${minimum:,.0f}",
        (status["week"].min(), minimum),
        textcoords="offset points",
        xytext=(4, 4),
        fontsize="small",
    )
    date_axis(ax.xaxis)
    return finish(ax, title=title, xlabel="Week (Sunday)", ylabel="Earnings, last 12 months (USD)")


# ---------------------------------------------------------------------------
# Story 04 (maintenance pressure) and 06 (risk of losing)
# ---------------------------------------------------------------------------


def headroom_bars(shares: Any, *, title: str, threshold: float) -> Any:
    """Share of Top Rated weeks by headroom (tidy: headroom label, share); `threshold`
    is the rules' JSS minimum the headroom counts down to."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, ax = plt.subplots(figsize=(8, 3.6))
    sns.barplot(data=shares, x="headroom", y="share", color="C0", ax=ax)
    for patch, share in zip(ax.patches, shares["share"], strict=False):
        ax.annotate(
            f"{share:.0%}",
            (patch.get_x() + patch.get_width() / 2, patch.get_height()),
            ha="center",
            va="bottom",
            fontsize="small",
        )
    ax.yaxis.set_major_formatter(plt.matplotlib.ticker.PercentFormatter(1.0))
    return finish(
        ax,
        title=title,
        xlabel=f"Extra negative outcomes until JSS < {threshold:g}",
        ylabel="Share of Top Rated weeks",
    )


def headroom_over_time(data: Any, *, title: str) -> Any:
    """Share of Top Rated weeks in each headroom band per quarter (tidy: quarter, band, share)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, ax = plt.subplots()
    sns.lineplot(data=data, x="quarter", y="share", hue="band", marker="o", ax=ax)
    ax.yaxis.set_major_formatter(plt.matplotlib.ticker.PercentFormatter(1.0))
    ax.set_ylim(0, 1)
    ax.legend(title="Headroom", loc="center left", bbox_to_anchor=(1.0, 0.5))
    return finish(ax, title=title, xlabel="Quarter", ylabel="Share of Top Rated weeks")


@one_layout
def event_time_panels(means: Any, *, title: str, labels: dict[str, str] | None = None) -> Any:
    """Event-time means with a +-2 s.e. band, one panel per variable (tidy: event_time,
    variable, mean, sem); week 0 is the first week with the new status."""
    import seaborn as sns

    data = means.assign(lo=means["mean"] - 2 * means["sem"], hi=means["mean"] + 2 * means["sem"])
    if labels:
        data = data[data["variable"].isin(labels)].assign(
            variable=lambda d: d["variable"].map(labels)
        )
    g = sns.FacetGrid(data, col="variable", col_wrap=3, sharey=False, height=2.6, aspect=1.3)
    g.map_dataframe(sns.lineplot, x="event_time", y="mean")

    def _band(data: Any, **kw: Any) -> None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
        ax.fill_between(data["event_time"], data["lo"], data["hi"], alpha=0.2, color="C0")
        ax.axvline(-0.5, color="0.3", linestyle=":", linewidth=1)

    g.map_dataframe(_band)
    g.set_titles("{col_name}")
    g.figure.subplots_adjust(bottom=0.2)
    return finish(g, title=title, xlabel="Weeks from the event", ylabel="Mean per week")


def jss_bunching(hist: Any, *, threshold: float, title: str) -> Any:
    """Counts of badge weeks at each integer JSS (tidy: jss, count), the threshold marked."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    data = hist.assign(side=["at or above" if j >= threshold else "below" for j in hist["jss"]])
    fig, ax = plt.subplots()
    sns.barplot(
        data=data,
        x="jss",
        y="count",
        hue="side",
        palette=["C3", "C0"],
        hue_order=["below", "at or above"],
        dodge=False,
        ax=ax,
    )
    ax.legend(title=f"JSS vs {threshold:g}", loc="upper left")
    return finish(ax, title=title, xlabel="JSS (%)", ylabel="Freelancer-weeks")


def roc_curves(roc: Any, *, title: str) -> Any:
    """ROC curves of several scores (tidy: score, fpr, tpr) with the chance diagonal."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, ax = plt.subplots(figsize=(6, 5))
    # straight segments between the vertices: tied scores (a coarse rule) give a
    # diagonal segment, the expected ROC of breaking the tie at random
    sns.lineplot(data=roc, x="fpr", y="tpr", hue="score", estimator=None, sort=False, ax=ax)
    ax.plot([0, 1], [0, 1], color="0.6", linestyle=":", linewidth=1)
    ax.legend(title=None, loc="lower right")
    return finish(ax, title=title, xlabel="False-positive rate", ylabel="True-positive rate")


def calibration_plot(table: Any, *, title: str) -> Any:
    """Observed against predicted probability per bin (tidy: predicted, observed)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, ax = plt.subplots(figsize=(6, 5))
    top = float(max(table["predicted"].max(), table["observed"].max())) * 1.05
    ax.plot([0, top], [0, top], color="0.6", linestyle=":", linewidth=1)
    sns.lineplot(data=table, x="predicted", y="observed", marker="o", ax=ax)
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    return finish(
        ax,
        title=title,
        xlabel="Predicted probability of a loss within 8 weeks",
        ylabel="Observed share lost",
    )


def importance_bars(table: Any, *, title: str) -> Any:
    """Permutation importance (tidy: feature, auc_drop, sd), largest first."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, ax = plt.subplots(figsize=(8, 0.3 * len(table) + 1.2))
    sns.barplot(data=table, y="feature", x="auc_drop", color="C0", ax=ax)
    ax.errorbar(table["auc_drop"], range(len(table)), xerr=table["sd"], fmt="none", color="0.3")
    return finish(ax, title=title, xlabel="Drop in held-out ROC AUC when shuffled", ylabel=None)


# ---------------------------------------------------------------------------
# Story 03 (benefits) and 05 (is it worth it)
# ---------------------------------------------------------------------------


@one_layout
def event_time_effects(coefs: Any, *, title: str, truth: float | None = None) -> Any:
    """Event-time effects with 95% bands, one panel per event (tidy: event,
    event_time, estimate, ci_low, ci_high); dotted line at 1 (no change), dashed
    line at the planted `truth` of the lift when given."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    g = sns.FacetGrid(coefs, col="event", height=3.4, aspect=1.15, sharey=True)
    g.map_dataframe(sns.lineplot, x="event_time", y="estimate", marker="o")

    def _band(data: Any, **kw: Any) -> None:
        ax = plt.gca()
        ax.fill_between(data["event_time"], data["ci_low"], data["ci_high"], alpha=0.2, color="C0")
        ax.axhline(1, color="0.3", linestyle=":", linewidth=1)
        ax.axvline(-0.5, color="0.3", linestyle=":", linewidth=1)

    g.map_dataframe(_band)
    if truth is not None:
        for ax, name in zip(g.axes.flat, g.col_names, strict=True):
            level = truth if "gain" in str(name) else 1.0 / truth
            ax.axhline(level, color="C3", linestyle="--", linewidth=1, label="planted truth")
        g.axes.flat[0].legend(loc="upper left", fontsize="small")
    g.set_titles("{col_name}")
    g.figure.subplots_adjust(bottom=0.2)
    return finish(
        g,
        title=title,
        xlabel="Weeks from the event (bins)",
        ylabel="Effect vs the weeks just before (x)",
    )


def net_value_intervals(verdicts: Any, *, title: str) -> Any:
    """Mean net value per freelancer-year by segment with its 90% interval, one
    panel per segmentation (tidy: by, segment, net_usd, net_low_usd, net_high_usd,
    p_worth_it); dotted line at 0 (break-even)."""
    import matplotlib.pyplot as plt

    groups = list(dict.fromkeys(verdicts["by"]))
    sizes = [int((verdicts["by"] == b).sum()) for b in groups]
    fig, axes = plt.subplots(
        len(groups),
        1,
        figsize=(8, 0.45 * sum(sizes) + 1.2 * len(groups)),
        gridspec_kw={"height_ratios": sizes},
        sharex=True,
        squeeze=False,
    )
    for ax, b in zip(axes[:, 0], groups, strict=True):
        d = verdicts[verdicts["by"] == b]
        y = list(range(len(d)))[::-1]
        ax.errorbar(
            d["net_usd"],
            y,
            xerr=[d["net_usd"] - d["net_low_usd"], d["net_high_usd"] - d["net_usd"]],
            fmt="o",
            color="C0",
            capsize=4,
        )
        ax.axvline(0, color="0.3", linestyle=":", linewidth=1)
        ax.set_yticks(
            y, [f"{s}  (p={p:.0%})" for s, p in zip(d["segment"], d["p_worth_it"], strict=True)]
        )
        ax.set_ylabel(str(b).replace("_", " "))
        ax.set_ylim(-0.6, len(d) - 0.4)
    axes[-1, 0].set_xlabel("Net value of a year with the badge (USD per freelancer)")
    axes[0, 0].set_title(title)
    fig.tight_layout()
    return axes[0, 0]


def break_even_lifts(data: Any, *, estimate: float, ci: tuple[float, float], title: str) -> Any:
    """Median break-even invitation lift by segment (tidy: segment, break_even_lift)
    against the estimated lift (line) and its 95% interval (band)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, ax = plt.subplots(figsize=(8, 0.4 * len(data) + 1.6))
    ax.axvspan(ci[0], ci[1], color="C2", alpha=0.2)
    ax.axvline(estimate, color="C2", linewidth=1.5, label=f"estimated lift {estimate:.2f}x")
    sns.barplot(data=data, y="segment", x="break_even_lift", color="C0", ax=ax)
    ax.legend(loc="lower right", fontsize="small")
    return finish(
        ax, title=title, xlabel="Invitation lift needed to break even (x, median)", ylabel=""
    )


def sensitivity_lines(data: Any, *, title: str, estimate: float | None = None) -> Any:
    """Mean net value per freelancer-year against the assumed invitation lift, one
    line per segment (tidy: segment, lift, net_usd); dotted line at 0."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, ax = plt.subplots()
    sns.lineplot(data=data, x="lift", y="net_usd", hue="segment", marker="o", ax=ax)
    ax.axhline(0, color="0.3", linestyle=":", linewidth=1)
    if estimate is not None:
        ax.axvline(estimate, color="C2", linewidth=1)
    ax.legend(title=None, loc="upper left", fontsize="small")
    return finish(
        ax, title=title, xlabel="Assumed invitation lift (x)", ylabel="Net value per year (USD)"
    )


# ---------------------------------------------------------------- report 10: real profiles


def profiles_jss_histogram(data: Any, *, threshold: float, title: str) -> Any:
    """Distribution of the JSS shown on profiles, one step line per source (tidy:
    source, jss), each normalised to its own profiles; dotted line at `threshold`."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, ax = plt.subplots()
    sns.histplot(
        data=data, x="jss", hue="source", stat="percent", common_norm=False, element="step",
        binwidth=2, binrange=(50, 102), fill=False, ax=ax,
    )  # fmt: skip
    ax.axvline(threshold, color="0.3", linestyle=":", linewidth=1)
    ax.set_xlim(50, 102)
    return finish(
        ax, title=title, xlabel="JSS shown (%; below 50 not drawn)", ylabel="Profiles (%)"
    )


def profiles_ecdf(data: Any, *, x: str, title: str, xlabel: str) -> Any:
    """Cumulative share of profiles by `x` (rate or earnings, log scale), one line per
    source (tidy: source, `x`)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, ax = plt.subplots()
    sns.ecdfplot(data=data[data[x] > 0], x=x, hue="source", log_scale=True, ax=ax)
    return finish(ax, title=title, xlabel=xlabel, ylabel="Share of profiles at or below")


@one_layout
def churn_bars(data: Any, *, title: str) -> Any:
    """Share of the same profiles whose JSS crossed the threshold between two snapshots,
    by horizon and direction, real beside simulated (tidy: horizon, measure, source,
    share)."""
    import seaborn as sns

    g = sns.catplot(
        data=data, kind="bar", x="measure", y="share", hue="source", col="horizon",
        height=4.0, aspect=1.0, sharey=False,
    )  # fmt: skip
    g.set_titles("{col_name}")
    g.figure.subplots_adjust(bottom=0.2)
    for ax in g.axes.flat:
        ax.yaxis.set_major_formatter("{x:.0%}")
    return finish(g, title=title, xlabel="", ylabel="Share of profiles")


def badge_share_bars(data: Any, *, title: str) -> Any:
    """Share of each badge among visible profiles, by snapshot (tidy: snapshot, badge,
    share)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, ax = plt.subplots()
    order = [b for b in ("none", "rising_talent", "top_rated", "top_rated_plus")
             if b in set(data["badge"])]  # fmt: skip
    sns.barplot(data=data, y="badge", x="share", hue="snapshot", order=order, ax=ax)
    ax.xaxis.set_major_formatter("{x:.0%}")
    ax.legend(title="snapshot (simulated date mirrors it)", fontsize="small")
    return finish(ax, title=title, xlabel="Share of visible profiles", ylabel="")


def worth_heatmap(data: Any, *, title: str) -> Any:
    """Net value of a year with the badge over invitation lift (rows) and weekly upkeep
    hours (columns) (tidy: lift, upkeep_hours, net_usd); diverging colours around 0."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    table = data.pivot(index="lift", columns="upkeep_hours", values="net_usd").sort_index(
        ascending=False
    )
    fig, ax = plt.subplots()
    sns.heatmap(
        table, center=0, cmap="RdBu", annot=True, fmt=",.0f", annot_kws={"fontsize": 7},
        cbar_kws={"label": "Net value per year (USD)"}, ax=ax,
    )  # fmt: skip
    ax.set_xticklabels([f"{float(t.get_text()):g}" for t in ax.get_xticklabels()])
    ax.set_yticklabels([f"{float(t.get_text()):.2f}x" for t in ax.get_yticklabels()], rotation=0)
    return finish(ax, title=title, xlabel="Upkeep (hours a week)", ylabel="Invitation lift")


def coverage_bars(data: Any, *, title: str, target: float = 0.9) -> Any:
    """Coverage of the 95% intervals per world (rows) and effect (bar colour), tidy
    (``world, effect, coverage, identified``); worlds the design cannot identify
    are marked "(not identified)"; dashed line at `target`."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    d = data.assign(
        world=[
            w if ok else f"{w} (not identified)"
            for w, ok in zip(data["world"], data["identified"], strict=True)
        ]
    )
    fig, ax = plt.subplots(
        figsize=(8.0, 0.45 * d["world"].nunique() * max(d["effect"].nunique(), 1) / 2 + 2)
    )
    sns.barplot(d, x="coverage", y="world", hue="effect", ax=ax, orient="h")
    ax.axvline(target, color="0.3", linestyle="--", linewidth=1)
    _percent_axis(ax.xaxis)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncols=3, fontsize="small")
    finish(ax, title=title, xlabel="Share of 95% intervals covering the truth", ylabel="")
    fig.tight_layout()
    return ax
