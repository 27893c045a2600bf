"""The typed container every computation takes: one freelancer history.

A `History` holds the five tables of the data contract
(`../shared/spec/data-contract.md`) as DataFrames with fixed, efficient dtypes:

- ids and free text: pandas' Arrow-backed string dtype (``"str"``);
- dates: ``datetime64[s]`` (``NaT`` = missing, e.g. an open contract's end);
- money, ratings, hours: ``float64`` (``NaN`` = missing);
- ``private_score``: nullable ``Int8``; counts in activity: nullable ``Int64``;
- booleans with a default (``disputed``, ``client_flagged``, ``profile_complete``): ``bool``;
- ``category``, ``contract_type``, ``event``: ``category``.

Optional tables that were not given are ``None``; their defaults (every profile
complete, no account events, earnings spread evenly, no activity) are applied by
the rules engine. Columns beyond the contract are kept as they were read.

`analysis.io.load.history_from_frames` builds one from in-memory frames (tests,
notebooks, the simulator) through the same coercion and checks as files on disk.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

TABLES = ("contracts", "payments", "activity", "freelancers", "account_events")


@dataclass(frozen=True)
class History:
    """A validated freelancer history; see the module docstring for dtypes."""

    contracts: pd.DataFrame
    payments: pd.DataFrame | None = None
    activity: pd.DataFrame | None = None
    freelancers: pd.DataFrame | None = None
    account_events: pd.DataFrame | None = None
    source: str = field(default="<memory>", compare=False)
    #: The file each table was read from (table name -> file name), for summaries.
    files: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def as_of(self) -> pd.Timestamp:
        """The latest date that appears anywhere in the input (spec, "Money over time")."""
        dates = [self.contracts["start_date"].max(), self.contracts["end_date"].max()]
        if self.payments is not None:
            dates.append(self.payments["paid_date"].max())
        if self.activity is not None:
            # the week runs to the Sunday after week_start
            dates.append(self.activity["week_start"].max() + pd.Timedelta(days=6))
        if self.account_events is not None:
            dates.append(self.account_events["event_date"].max())
        if self.freelancers is not None and "joined_date" in self.freelancers:
            dates.append(self.freelancers["joined_date"].max())
        return max(d for d in dates if pd.notna(d))

    @property
    def freelancer_ids(self) -> pd.Index:
        """Every freelancer with at least one contract, sorted."""
        return pd.Index(self.contracts["freelancer_id"].unique()).sort_values()

    def select(self, freelancer_ids) -> History:
        """The same history restricted to some freelancers (every table filtered)."""
        ids = pd.Index(
            list(freelancer_ids) if not isinstance(freelancer_ids, str) else [freelancer_ids]
        )
        kept = {
            t: df[df["freelancer_id"].isin(ids)].reset_index(drop=True)
            for t, df in self.tables().items()
        }
        return History(**kept, source=self.source, files=self.files)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables that are present, by name."""
        return {t: getattr(self, t) for t in TABLES if getattr(self, t) is not None}


def to_day(value: str | dt.date | pd.Timestamp) -> pd.Timestamp:
    """A date given as text or date-like, as a midnight Timestamp (unit seconds)."""
    return pd.Timestamp(value).normalize().as_unit("s")
