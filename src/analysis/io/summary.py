"""A person-readable summary of a history: what `toprated validate` prints."""

from __future__ import annotations

import numpy as np
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


#: How many contracts without feedback `render_missing_feedback` lists by name.
MAX_LISTED = 50


def missing_feedback(
    contracts: pd.DataFrame,
    outcome: pd.Series,
    as_of: pd.Timestamp,
    open_positive_after_days: int,
    exclude_no_feedback: bool = True,
) -> pd.DataFrame:
    """The contracts with neither a public rating nor a private score, and how the JSS
    counts each meanwhile.

    ``outcome`` is each contract's outcome once ended, as the rules engine gives it
    (`analysis.engine.jss.contract_outcomes`), so the rule set decides: with the
    bundled rules an ended contract without feedback is excluded (no-feedback rule),
    a disputed one negative, a client-flagged one excluded. An open contract counts
    as positive once open ``open_positive_after_days`` days with money and no
    client flag (rules spec, "Open contracts"), else not at all. Returns
    ``contract_id, client_id, start_date, end_date, earnings_usd, counts_as``
    sorted by start date, then contract id.
    """
    c = contracts
    m = c.loc[c["public_rating"].isna() & c["private_score"].isna()]
    out = outcome.loc[m.index].astype("str")
    flagged = m["client_flagged"].astype(bool)
    no_money = ~(m["earnings_usd"] > 0)
    is_open = m["end_date"].isna() | (m["end_date"] > as_of)
    days_open = (as_of - m["start_date"]).dt.days.astype("int64")
    long_term = is_open & ~flagged & ~no_money & (days_open >= open_positive_after_days)
    counts_as = pd.Series("", index=m.index, dtype="str")

    def put(mask: pd.Series, text: pd.Series | str) -> None:
        counts_as[mask] = text[mask] if isinstance(text, pd.Series) else text

    days = days_open.astype("str")
    put(long_term, "positive (open " + days + " days: a long-term contract counts as positive)")
    put(is_open & flagged, "not counted (client flagged)")
    put(is_open & ~flagged & no_money, "not counted while open (no money paid yet)")
    put(
        is_open & ~flagged & ~no_money & ~long_term,
        "not counted until open "
        + str(open_positive_after_days)
        + " days (open "
        + days
        + " so far), then positive",
    )
    ended = ~is_open
    excluded_why = np.where(
        flagged,
        "excluded (client flagged)",
        np.where(
            exclude_no_feedback,
            "excluded (ended without feedback: not in the JSS)",
            "excluded ($0 contract)",
        ),
    )
    readable = pd.Series(excluded_why, index=m.index, dtype="str").where(
        out == "excluded", out.map({"negative": "negative (disputed)"}).fillna(out)
    )
    put(ended, readable)
    table = pd.DataFrame(
        {
            "contract_id": m["contract_id"].astype("str"),
            "client_id": m["client_id"].astype("str"),
            "start_date": m["start_date"],
            "end_date": m["end_date"],
            "earnings_usd": m["earnings_usd"],
            "counts_as": counts_as,
        }
    )
    return table.sort_values(["start_date", "contract_id"], kind="mergesort").reset_index(drop=True)


def render_missing_feedback(table: pd.DataFrame, as_of: pd.Timestamp) -> str:
    """The contracts still lacking feedback, one line each (at most `MAX_LISTED`)."""
    if table.empty:
        return "Feedback: every contract has a public rating or a private score."
    lines = [
        f"Feedback to fill in: {len(table):,} contracts have neither public_rating nor "
        f"private_score. Until you add them, the JSS (as of {as_of.date().isoformat()}) "
        "counts them as:"
    ]
    for row in table.head(MAX_LISTED).itertuples(index=False):
        end = row.end_date.date().isoformat() if pd.notna(row.end_date) else "open"
        lines.append(
            f"  {row.contract_id}  client {row.client_id}  {row.start_date.date().isoformat()}"
            f" to {end}  ${row.earnings_usd:,.2f}: {row.counts_as}"
        )
    if len(table) > MAX_LISTED:
        lines.append(f"  ... and {len(table) - MAX_LISTED:,} more")
    return "\n".join(lines)
