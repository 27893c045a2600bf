"""Profiles snapshots: the table a talent search shows, and the real scrape that has it.

The data contract (``../shared/spec/data-contract.md``, "Profiles snapshot") defines
one row per freelancer visible in search on ``snapshot_date``, with `PROFILE_COLUMNS`.
`analysis.engine.profiles` derives that table from a full history; this module reads
the bundled real scrape (`data/real/upwork-profiles-datajobs-2023-2025.csv`, MIT,
provenance in `data/real/README.md`) into the same table, so real and simulated
profiles are compared like with like.

Mapping of the real file (`REAL_MAPPING`):

- ``key`` -> ``freelancer_id`` (a hash of name and country; links the same profile
  across snapshots);
- ``snapshot`` (``2023-07-24a``, ``2023-07-24b``, ``2023-08-19``, ``2025-09-09``) ->
  ``snapshot_date`` (the date part: the scrape happened on or before it); the label
  itself is kept as ``snapshot`` because two scrapes share a date;
- ``rate_usd`` -> ``hourly_rate_usd``; ``jss`` -> ``jss`` (empty when not shown);
- ``earnings_floor_usd`` -> ``total_earnings_usd``: the profile shows a bucket
  ("$10K+"), so this is a **lower bound** of the total earnings; the column
  ``total_earnings_is_floor`` says so on every row (true here);
- ``hours`` -> ``total_hours``; ``hourly_jobs + fp_jobs`` -> ``total_jobs`` (both
  only in the 2025 scrape; empty before);
- ``search_term`` -> ``category`` (the keyword searched: "data entry", ...);
- ``country`` -> ``country``; ``badge`` is empty: the scrape has no badge column.

Bad input raises `InputError` naming the file, the line (header = line 1), the
column and the value, like every other loader of the project.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.io.errors import InputError, Problem

#: The profiles snapshot's columns, in order (data contract, "Profiles snapshot").
PROFILE_COLUMNS = (
    "freelancer_id",
    "snapshot_date",
    "badge",
    "jss",
    "hourly_rate_usd",
    "total_earnings_usd",
    "total_jobs",
    "total_hours",
    "category",
    "country",
)
#: Badge values, as in ``status_shown`` of the data contract.
BADGES = ("none", "rising_talent", "top_rated", "top_rated_plus")
BADGE_DTYPE = pd.CategoricalDtype(list(BADGES), ordered=True)
#: Real file column -> profiles snapshot column (see the module docstring).
REAL_MAPPING = {
    "key": "freelancer_id",
    "snapshot": "snapshot_date",
    "rate_usd": "hourly_rate_usd",
    "jss": "jss",
    "earnings_floor_usd": "total_earnings_usd",
    "hours": "total_hours",
    "hourly_jobs + fp_jobs": "total_jobs",
    "search_term": "category",
    "country": "country",
}
REAL_REQUIRED = ("snapshot", "key", "country", "search_term", "rate_usd", "jss",
                 "earnings_floor_usd")  # fmt: skip
REAL_OPTIONAL_NUMBERS = ("hours", "hourly_jobs", "fp_jobs")


def _numbers(
    raw: pd.DataFrame, column: str, name: str, problems: list[Problem], lo: float, hi: float
) -> pd.Series:
    """`column` as float64 (empty -> NaN); a bad value adds a Problem."""
    text = raw[column]
    values = pd.to_numeric(text, errors="coerce")
    bad = text.notna() & (values.isna() | (values < lo) | (values > hi))
    what = (
        f"is not a number from {lo:g} to {hi:g}"
        if np.isfinite(hi)
        else f"is not a number >= {lo:g}"
    )
    for i in np.flatnonzero(bad.to_numpy())[:50]:
        problems.append(Problem(name, int(i) + 2, column, str(text.iloc[i]), what))
    return values.astype("float64")


def read_real_profiles(path: str | Path) -> pd.DataFrame:
    """The real scrape at `path` as a profiles snapshot table.

    Returns `PROFILE_COLUMNS` plus ``snapshot`` (the scrape's label) and
    ``total_earnings_is_floor`` (bool, true: the earnings are the profile's
    bucket, a lower bound), sorted by ``snapshot, freelancer_id``. Dtypes as
    `analysis.engine.profiles.profiles` returns them (``jss``/``total_jobs``
    Int64, dates datetime64[s], ``badge`` the badge category, all NA here).
    """
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise InputError([Problem(str(path), None, None, None, "is not a file")])
    try:
        raw = pd.read_csv(path, dtype="str", keep_default_na=False, na_values=[""])
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError([Problem(name, None, None, None, f"is not a CSV file ({exc})")]) from None
    missing = [c for c in REAL_REQUIRED if c not in raw.columns]
    if missing:
        found = ", ".join(raw.columns)
        raise InputError(
            [
                Problem(name, None, c, None, f"required column is missing (columns found: {found})")
                for c in missing
            ]  # fmt: skip
        )
    if raw.empty:
        raise InputError([Problem(name, None, None, None, "has a header and no rows")])
    problems: list[Problem] = []
    label = raw["snapshot"].str.strip()
    dates = pd.to_datetime(label.str[:10], format="%Y-%m-%d", errors="coerce")
    bad = dates.isna() | ~label.str.fullmatch(r"\d{4}-\d{2}-\d{2}[a-z]?", na=False)
    for i in np.flatnonzero(bad.to_numpy())[:50]:
        problems.append(
            Problem(
                name,
                int(i) + 2,
                "snapshot",
                str(raw["snapshot"].iloc[i]),
                "is not a date YYYY-MM-DD, optionally followed by one letter",
            )  # fmt: skip
        )
    for col in ("key", "search_term"):
        for i in np.flatnonzero(raw[col].isna().to_numpy())[:50]:
            problems.append(Problem(name, int(i) + 2, col, "", "must not be empty"))
    rate = _numbers(raw, "rate_usd", name, problems, 0.0, np.inf)
    jss = _numbers(raw, "jss", name, problems, 0.0, 100.0)
    for i in np.flatnonzero((jss.notna() & (jss % 1 != 0)).to_numpy())[:50]:
        problems.append(
            Problem(name, int(i) + 2, "jss", str(raw["jss"].iloc[i]), "is not a whole number")
        )
    earn = _numbers(raw, "earnings_floor_usd", name, problems, 0.0, np.inf)
    extra = {
        c: _numbers(raw, c, name, problems, 0.0, np.inf)
        if c in raw
        else pd.Series(np.nan, index=raw.index)
        for c in REAL_OPTIONAL_NUMBERS
    }
    dup = raw.duplicated(["snapshot", "key"], keep="first")
    for i in np.flatnonzero(dup.to_numpy())[:50]:
        first = raw.index[
            (raw["snapshot"] == raw["snapshot"].iloc[i]) & (raw["key"] == raw["key"].iloc[i])
        ][0]
        problems.append(
            Problem(
                name,
                int(i) + 2,
                "key",
                str(raw["key"].iloc[i]),
                f"repeats line {int(first) + 2} in the same snapshot",
            )  # fmt: skip
        )
    if problems:
        raise InputError(sorted(problems))
    jobs = extra["hourly_jobs"] + extra["fp_jobs"]
    out = pd.DataFrame(
        {
            "freelancer_id": raw["key"].astype("str"),
            "snapshot_date": dates.astype("datetime64[s]"),
            "badge": pd.Series(pd.NA, index=raw.index, dtype=BADGE_DTYPE),
            "jss": jss.astype("Int64"),
            "hourly_rate_usd": rate,
            "total_earnings_usd": earn,
            "total_jobs": jobs.round().astype("Int64"),
            "total_hours": extra["hours"].astype("float64"),
            "category": raw["search_term"].astype("str"),
            "country": raw["country"].astype("str"),
            "snapshot": label.astype("str"),
            "total_earnings_is_floor": np.ones(len(raw), dtype=bool),
        }
    )
    return out.sort_values(["snapshot", "freelancer_id"], ignore_index=True)


__all__ = [
    "BADGES",
    "BADGE_DTYPE",
    "PROFILE_COLUMNS",
    "REAL_MAPPING",
    "read_real_profiles",
]
