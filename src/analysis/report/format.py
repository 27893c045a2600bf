"""Tables for readers: one formatter every report uses.

A report table is read by a freelancer, not by pandas: human column names with
units, money as ``$1,234``, ratios as ``1.24x``, intervals as ``1.18-1.31``,
shares as ``12%``, no index, and never ``NaN`` (a missing estimate says "not
estimated" and, in the note beside it, why). `readable` turns a frame into such a
table of strings (tested on literal frames); `show` displays it in a notebook
with the index hidden.

Column kinds (`Col.kind`): ``text``, ``count`` (``1,234``), ``number`` (fixed
decimals), ``money`` (``$1,234``, ``-$56``), ``ratio`` (``1.24x``), ``percent``
(a share 0-1 shown as ``12%``), ``hours`` (``2.0 h``), ``date`` (``2024-05-05``),
``bool`` (``yes``/``no``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

#: What a reader sees where an estimate could not be made.
NOT_ESTIMATED = "not estimated"
#: What a reader sees for any other missing value.
NOT_AVAILABLE = "-"

KINDS = ("text", "count", "number", "money", "ratio", "percent", "hours", "date", "bool")


def _missing(x: Any) -> bool:
    if x is None or x is pd.NA or x is pd.NaT:
        return True
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def money(x: Any, digits: int = 0) -> str:
    """Dollars with the sign in front and thousands separators: ``-$1,500``."""
    if _missing(x):
        return NOT_AVAILABLE
    x = float(x)
    text = f"${abs(x):,.{digits}f}"
    return f"-{text}" if x < 0 and text.strip("$0.,") else text


def ratio(x: Any, digits: int = 2) -> str:
    """A multiplicative effect: ``1.24x``."""
    return (
        NOT_AVAILABLE if _missing(x) or not math.isfinite(float(x)) else f"{float(x):.{digits}f}x"
    )


def percent(x: Any, digits: int = 0) -> str:
    """A share from 0 to 1 as a percentage: ``12%``."""
    return NOT_AVAILABLE if _missing(x) else f"{100 * float(x):.{digits}f}%"


def number(x: Any, digits: int = 2) -> str:
    """A number with fixed decimals and thousands separators."""
    return NOT_AVAILABLE if _missing(x) else f"{float(x):,.{digits}f}"


def interval(low: Any, high: Any, kind: str = "ratio", digits: int = 2) -> str:
    """An interval ``1.18-1.31`` (money ``$10-$20``; a negative end in brackets:
    ``(-0.50)-1.20`` so the dash stays readable); "-" when either end is missing."""
    if _missing(low) or _missing(high):
        return NOT_AVAILABLE
    ends = []
    for x in (low, high):
        if kind == "money":
            text = money(x, digits if digits != 2 else 0)
        elif kind == "percent":
            text = percent(x, digits if digits != 2 else 0)
        else:
            text = f"{float(x):,.{digits}f}"
        ends.append(f"({text})" if text.startswith("-") else text)
    return "-".join(ends)


@dataclass(frozen=True)
class Col:
    """How one column reads: its header (with the unit), its kind, its decimals and
    what a missing value says."""

    label: str
    kind: str = "text"
    digits: int | None = None
    missing: str = NOT_AVAILABLE

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {self.kind!r}")

    def render(self, x: Any) -> str:
        if _missing(x) or (isinstance(x, float) and not math.isfinite(x)):
            return self.missing
        d = self.digits
        match self.kind:
            case "count":
                return f"{int(round(float(x))):,}"
            case "number":
                return number(x, 2 if d is None else d)
            case "money":
                return money(x, 0 if d is None else d)
            case "ratio":
                return ratio(x, 2 if d is None else d)
            case "percent":
                return percent(x, 0 if d is None else d)
            case "hours":
                return f"{float(x):,.{1 if d is None else d}f} h"
            case "date":
                return pd.Timestamp(x).strftime("%Y-%m-%d")
            case "bool":
                return "yes" if bool(x) else "no"
        return " ".join(str(x).split())


@dataclass(frozen=True)
class Interval:
    """A column made of two: ``low``-``high`` under one header."""

    low: str
    high: str
    label: str = "95% interval"
    kind: str = "ratio"
    digits: int = 2
    missing: str = NOT_AVAILABLE


def readable(
    frame: pd.DataFrame, columns: Mapping[str, Col | Interval | str | tuple[str, str]]
) -> pd.DataFrame:
    """The table a reader sees: only `columns`, in their order, renamed to their
    labels and rendered as strings (a plain string spec is a ``text`` column's
    label; a ``(label, kind)`` pair is ``Col(label, kind)``, which is how the story
    modules, below this package, state their tables). The index is dropped. No cell is ever ``NaN``: each column says what
    a missing value means (`Col.missing`). A column of the spec that the frame
    does not have is left out (optional columns such as the planted truth).

    >>> readable(pd.DataFrame({"x": [1.2345, None]}), {"x": Col("Lift", "ratio", missing="not estimated")})
                Lift
    0          1.23x
    1  not estimated
    """
    out: dict[str, list[str]] = {}
    for name, spec in columns.items():
        needed = (spec.low, spec.high) if isinstance(spec, Interval) else (name,)
        if not set(needed) <= set(frame.columns):
            continue
        if isinstance(spec, str):
            spec = Col(spec)
        elif isinstance(spec, tuple):
            spec = Col(*spec)
        if isinstance(spec, Interval):
            lows, highs = frame[spec.low].tolist(), frame[spec.high].tolist()
            cells = [
                interval(lo, hi, spec.kind, spec.digits) for lo, hi in zip(lows, highs, strict=True)
            ]
            out[spec.label] = [spec.missing if c == NOT_AVAILABLE else c for c in cells]
        else:
            out[spec.label] = [spec.render(x) for x in frame[name].tolist()]
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)), dtype=object)


def show(table: pd.DataFrame) -> None:
    """Display a `readable` table in a notebook, without its index.

    Every cell and header is HTML-escaped: ids and categories come from the user's
    data, and a pandas Styler would otherwise put them into the page as markup.
    """
    from IPython.display import display

    display(
        table.style.hide(axis="index")
        .format(escape="html")
        .format_index(escape="html", axis="columns")
    )


#: Report 05's verdicts (`analysis.estimate.value.segment_verdicts` rows).
VERDICT_COLUMNS: dict[str, Col | Interval | str] = {
    "by": Col("Segment by"),
    "segment": Col("Segment"),
    "freelancers": Col("Badge holders", "count"),
    "net_usd": Col("Net value a year (USD)", "money"),
    "interval": Interval("net_low_usd", "net_high_usd", "90% interval (USD)", "money"),
    "p_worth_it": Col("Chance it pays", "percent"),
    "net_at_truth_usd": Col("Net value at the planted truth (USD)", "money"),
}


def effects_table(effects: pd.DataFrame, labels: Mapping[str, str]) -> pd.DataFrame:
    """The effects as a reader's table: a plain label per effect, the estimate with
    its unit (``1.24x`` or ``2.0 h/week``), the 95% interval, the planted truth when
    there is one, and the note that says why an estimate is missing.
    """
    rows = []
    for r in effects.to_dict(orient="records"):
        unit_ratio = r["unit"] == "x"
        fmt = ratio if unit_ratio else (lambda x: f"{float(x):.2f} h/week")
        est = r["estimate"]
        ok = not _missing(est) and math.isfinite(float(est))
        truth = r.get("truth")
        rows.append(
            {
                "Effect of the badge": labels.get(r["effect"], r["effect"].replace("_", " ")),
                "Estimate": fmt(est) if ok else NOT_ESTIMATED,
                "95% interval": interval(r["ci_low"], r["ci_high"]) if ok else NOT_AVAILABLE,
                "Planted truth": fmt(truth) if not _missing(truth) else "none known",
                "Freelancer-weeks or contracts": (
                    f"{int(r['n_obs']):,}" if ok and not _missing(r["n_obs"]) else NOT_AVAILABLE
                ),
                "Note": " ".join(str(r.get("note") or "").split()) or NOT_AVAILABLE,
            }
        )
    cols = ["Effect of the badge", "Estimate", "95% interval", "Planted truth",
            "Freelancer-weeks or contracts", "Note"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols, dtype=object)
