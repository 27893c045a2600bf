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


# ---------------------------------------------------------------------------
# Story 07 (the seed article's FAQ) and 08 (my history)
# ---------------------------------------------------------------------------


def jss_windows_timeline(scores: Any, *, threshold: float, title: str) -> Any:
    """Every window score and the displayed JSS over time (tidy: eval_date, score, value)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, ax = plt.subplots()
    sns.lineplot(data=scores, x="eval_date", y="value", hue="score", style="score",
                 drawstyle="steps-post", ax=ax)
    ax.axhline(threshold, color="0.3", linestyle=":", linewidth=1)
    ax.set_ylim(-2, 102)
    ax.legend(title=None, loc="lower left", ncols=3)
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
    return finish(ax, title=title, xlabel="Week (Sunday)", ylabel="Status")


def earnings_vs_minimum(status: Any, *, minimum: float, title: str) -> Any:
    """Earnings over the trailing 12 months against the badge minimum."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, ax = plt.subplots()
    sns.lineplot(data=status, x="week", y="earnings_12m_usd", ax=ax)
    ax.axhline(minimum, color="0.3", linestyle=":", linewidth=1)
    ax.annotate(f"minimum ${minimum:,.0f}", (status["week"].min(), minimum),
                textcoords="offset points", xytext=(4, 4), fontsize="small")
    return finish(ax, title=title, xlabel="Week (Sunday)", ylabel="Earnings, last 12 months (USD)")
