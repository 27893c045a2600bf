"""A person-readable summary of a history: what `toprated validate` prints."""

from __future__ import annotations

import pandas as pd

from analysis.io.history import History


def history_summary(history: History) -> dict[str, object]:
    """Counts and dates that tell whether a history was read as intended."""
    c = history.contracts
    first = c["start_date"].min()
    return {
        "source": history.source,
        "freelancers": int(c["freelancer_id"].nunique()),
        "contracts": len(c),
        "open_contracts": int(c["end_date"].isna().sum()),
        "clients": int(c["client_id"].nunique()),
        "first_date": first.date().isoformat() if pd.notna(first) else None,
        "as_of": history.as_of.date().isoformat(),
        "earnings_usd": round(float(c["earnings_usd"].sum()), 2),
        "rows": {history.files.get(t, f"{t}.csv"): len(df) for t, df in history.tables().items()},
    }


def render_summary(summary: dict[str, object]) -> str:
    """The summary as aligned text lines."""
    rows = summary["rows"]
    assert isinstance(rows, dict)
    lines = [
        f"{summary['source']}: valid history",
        f"  freelancers     {summary['freelancers']:,}",
        f"  contracts       {summary['contracts']:,} ({summary['open_contracts']:,} open, "
        f"{summary['clients']:,} clients)",
        f"  dates           {summary['first_date']} to {summary['as_of']} (as-of date)",
        f"  earnings        ${summary['earnings_usd']:,.2f}",
        "  rows per file   " + ", ".join(f"{name} {n:,}" for name, n in rows.items()),
    ]
    return "\n".join(lines)
