"""What a talent search shows: profile snapshots computed from a full history.

Real public data about Upwork freelancers are scrapes of talent-search pages
(`data/real/README.md`): one row per profile a search showed on a date, with its
JSS, rate and earnings. To compare a simulated (or any) history with them like
with like, `profiles` derives the same table from a history: the profiles
snapshot of the data contract (``../shared/spec/data-contract.md``, "Profiles
snapshot")::

    freelancer_id, snapshot_date, badge, jss, hourly_rate_usd,
    total_earnings_usd, total_jobs, total_hours, category, country

one row per freelancer *visible in search* on ``snapshot_date``.

Visibility follows Upwork's stated rule, a parameter file (`profiles.toml`, with
its sources): a freelancer who has earned before is hidden when the last earning
is more than ``established_no_earnings_days`` days before the date; one who has
never earned is hidden from ``new_no_earnings_days`` days after joining. Exactly:

- *joined*: ``joined_date`` of freelancers.csv, else the first contract's start;
  a freelancer who joined after the date (or whose joining is unknown) is not
  shown;
- *earned in (a, b]*: money earned on the days ``a+1..b`` is positive (payments
  when the history has them, else each contract's earnings spread evenly over its
  days: the engine's "Money over time", `analysis.engine.money`);
- visible on day ``t`` when earned in ``(t - E - 1, t]`` (the last earning at most
  ``E`` days ago), or, having never earned up to ``t``, ``t - joined < N``.

Columns, each as of the snapshot date ``t`` (nothing after ``t`` is used, apart from
the spread of an open contract's recorded earnings, as in the engine):

- ``badge``: the engine's status (`analysis.engine.status.status_grid`) on the
  latest badge Sunday on or before ``t``; ``none`` before the first contract
  (values as in ``status_shown``);
- ``jss``: the JSS on that Sunday (the latest JSS evaluation date on or before
  it, so on or before ``t``); NA when there is none;
- ``hourly_rate_usd``, ``country``: from freelancers.csv (the profile's one
  recorded value), NA without it;
- ``total_earnings_usd``: money earned on or before ``t`` (cents);
- ``total_jobs``: contracts started on or before ``t`` (open ones included);
- ``total_hours``: contract ``hours`` spread evenly over each contract's days like
  money, summed to ``t`` (NA when contracts have no ``hours`` column; a contract
  without hours adds 0);
- ``category``: freelancers.csv's category, else the most frequent category of
  the contracts started on or before ``t`` (ties: the first in name order).

Not modelled: the search's relevance ranking and its page limit (a real scrape
holds the first pages of a keyword search, a subset of the visible profiles),
Freelancer Plus members (never hidden), profiles set back to public on request.
Everything is vectorised over freelancers and snapshot dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.engine.money import day_numbers, earnings_between
from analysis.engine.ruleset import Rules
from analysis.engine.status import badge_dates, status_grid
from analysis.io.errors import InputError, Problem
from analysis.io.history import History, to_day
from analysis.io.profiles import BADGE_DTYPE, PROFILE_COLUMNS
from analysis.io.tomlfile import parse_toml, read_toml_file

#: Earnings within this many dollars of zero count as none (spread arithmetic).
EARNED_TOLERANCE_USD = 1e-6


@dataclass(frozen=True)
class Visibility:
    """One visibility rule set of `profiles.toml` (see the module docstring)."""

    name: str
    established_no_earnings_days: int
    new_no_earnings_days: int
    description: str = ""
    source: str = ""


def visibility_rule_sets() -> list[str]:
    """Names of the visibility rule sets in the bundled `profiles.toml`."""
    return sorted(_bundled()["rule-sets"])


def _bundled() -> dict[str, Any]:
    text = resources.files("analysis.engine").joinpath("profiles.toml").read_text("utf-8")
    return parse_toml(text, "profiles.toml")


def load_visibility(name_or_path: str | Path | None = None) -> Visibility:
    """A visibility rule set by name (`visibility_rule_sets`, default: the file's
    ``default``) or from a TOML file holding one ``[rule-sets.NAME]`` table and a
    ``default``. A bad name or file raises `InputError`."""
    raw = _bundled()
    label = "profiles.toml"
    spec = None if name_or_path is None else str(name_or_path)
    if spec is not None and spec not in raw["rule-sets"]:
        path = Path(spec)
        if not path.is_file():
            names = ", ".join(sorted(raw["rule-sets"]))
            raise InputError(
                [
                    Problem(
                        spec,
                        None,
                        None,
                        None,
                        f"is neither a visibility rule set ({names}) nor a TOML file",
                    )
                ]  # fmt: skip
            )
        raw = read_toml_file(path)
        label, spec = spec, None
    try:
        name = spec or raw["default"]
        table = raw["rule-sets"][name]
        rule = Visibility(
            name=name,
            established_no_earnings_days=int(table["established_no_earnings_days"]),
            new_no_earnings_days=int(table["new_no_earnings_days"]),
            description=str(table.get("description", "")),
            source=str(table.get("source", "")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(
            [Problem(label, None, None, None, f"is not a valid visibility rule set: missing {exc}")]
        ) from None
    if rule.established_no_earnings_days < 0 or rule.new_no_earnings_days < 0:
        raise InputError([Problem(label, None, None, None, "has a negative number of days")])
    return rule


def _ids(history: History) -> pd.Index:
    ids = history.contracts["freelancer_id"].astype("str")
    if history.freelancers is not None:
        ids = pd.concat([ids, history.freelancers["freelancer_id"].astype("str")])
    return pd.Index(ids.unique()).sort_values()


def _per_freelancer(history: History, ids: pd.Index, column: str) -> pd.Series:
    """A freelancers.csv column aligned to `ids` (NA when absent)."""
    f = history.freelancers
    if f is None or column not in f:
        return pd.Series(pd.NA, index=ids, dtype="object")
    return (
        f.assign(freelancer_id=f["freelancer_id"].astype("str"))
        .set_index("freelancer_id")[column]
        .reindex(ids)
    )


def _joined_days(history: History, ids: pd.Index) -> np.ndarray:
    """Day number each freelancer joined: joined_date, else first contract start."""
    c = history.contracts
    first = c.groupby(c["freelancer_id"].astype("str"))["start_date"].min().reindex(ids)
    joined = _per_freelancer(history, ids, "joined_date")
    joined = pd.to_datetime(joined).fillna(first) if joined.notna().any() else first
    days = day_numbers(pd.DatetimeIndex(joined))
    return days


def hours_as_money(history: History) -> History:
    """The contracts with ``hours`` in place of earnings and no payments.

    Spreading these with the money engine (`analysis.engine.money.earnings_between`)
    spreads each contract's hours evenly over its days exactly as its money would
    be without payments, so "hours billed in a period" needs no second engine."""
    c = history.contracts
    return History(contracts=c.assign(earnings_usd=c["hours"].fillna(0.0).astype("float64")))


def _categories(history: History, ids: pd.Index, at_days: np.ndarray) -> np.ndarray:
    """(freelancers, dates) array: freelancers.csv category, else the most frequent
    category of the contracts started on or before each date (ties: name order)."""
    out = np.full((len(ids), len(at_days)), None, dtype=object)
    listed = _per_freelancer(history, ids, "category")
    c = history.contracts
    if "category" in c:
        code = ids.get_indexer(c["freelancer_id"].astype("str"))
        started = day_numbers(c["start_date"])[:, None] <= at_days[None, :]
        row, k = np.nonzero(started & c["category"].notna().to_numpy()[:, None])
        if len(row):
            long = pd.DataFrame(
                {"code": code[row], "k": k, "category": c["category"].astype("str").to_numpy()[row]}
            )
            counts = long.groupby(["code", "k", "category"], sort=True).size().reset_index(name="n")
            best = counts.sort_values(["code", "k", "n", "category"],
                                      ascending=[True, True, False, True]).drop_duplicates(["code", "k"])  # fmt: skip
            out[best["code"].to_numpy(), best["k"].to_numpy()] = best["category"].to_numpy()
    has = listed.notna().to_numpy()
    out[has, :] = listed.astype("object").to_numpy()[has, None]
    return out


def profiles(
    history: History,
    dates: Any,
    rules: Rules,
    visibility: Visibility | None = None,
    only_visible: bool = True,
) -> pd.DataFrame:
    """The profiles snapshot on each of `dates` (one date or several): see the module
    docstring for every column and the visibility rule.

    Returns `PROFILE_COLUMNS`, sorted by ``snapshot_date, freelancer_id``; one row
    per freelancer visible on the date. With ``only_visible=False`` every
    freelancer who had joined by the date is listed, with a boolean ``visible``
    column. Dtypes: ``snapshot_date`` datetime64[s], ``badge`` the status
    category, ``jss`` and ``total_jobs`` Int64, money and hours float64 (rounded
    to 2 decimals), ``category`` and ``country`` str.
    """
    visibility = visibility or load_visibility()
    at = pd.DatetimeIndex(
        sorted({to_day(d) for d in np.atleast_1d(np.asarray(dates, dtype=object))})
    )
    at_days = day_numbers(at)
    ids = _ids(history)
    n, k = len(ids), len(at)
    if n == 0 or k == 0:
        return _empty(only_visible)
    c = history.contracts
    starts = [day_numbers(c["start_date"]).min()]
    if history.payments is not None and len(history.payments):
        starts.append(day_numbers(history.payments["paid_date"]).min())
    base = pd.Timestamp(int(min(starts)) - 1, unit="D")
    as_of = history.as_of

    def periods(lo: pd.DatetimeIndex | pd.Timestamp, src: History = history) -> np.ndarray:
        lo = pd.DatetimeIndex([lo] * k) if isinstance(lo, pd.Timestamp) else lo
        return earnings_between(src, ids, lo, at, as_of=as_of)

    lifetime = periods(base)
    recent = periods(at - pd.Timedelta(days=visibility.established_no_earnings_days + 1))
    joined = _joined_days(history, ids)[:, None]
    ever = lifetime > EARNED_TOLERANCE_USD
    has_joined = (joined != np.iinfo(np.int64).min) & (joined <= at_days[None, :])
    new_ok = (at_days[None, :] - joined) < visibility.new_no_earnings_days
    visible = has_joined & np.where(ever, recent > EARNED_TOLERANCE_USD, new_ok)

    hours = periods(base, hours_as_money(history)) if "hours" in c else np.full((n, k), np.nan)
    code = ids.get_indexer(c["freelancer_id"].astype("str"))
    started = day_numbers(c["start_date"])[:, None] <= at_days[None, :]
    jobs = np.zeros((n, k), dtype=np.int64)
    np.add.at(jobs, code, started.astype(np.int64))

    # the latest badge Sunday on or before each date, from the rules' calendar
    step = pd.Timedelta(days=rules.calendar.badge_every_days)
    every = badge_dates(at.min() - step, at.max(), rules)
    sundays = every[np.searchsorted(every, at, side="right") - 1]
    grid = status_grid(history, rules, start=sundays.min(), end=sundays.max(), as_of=as_of)
    grid = grid.loc[grid["week"].isin(sundays), ["freelancer_id", "week", "status", "jss"]]

    frame = pd.DataFrame(
        {
            "freelancer_id": np.repeat(ids.to_numpy(dtype=object), k),
            "snapshot_date": np.tile(at.to_numpy(dtype="datetime64[s]"), n),
            "week": np.tile(sundays.to_numpy(dtype="datetime64[s]"), n),
            "hourly_rate_usd": np.repeat(
                pd.to_numeric(_per_freelancer(history, ids, "hourly_rate_usd")).to_numpy(
                    dtype=np.float64, na_value=np.nan
                ),
                k,
            ),
            "total_earnings_usd": np.round(lifetime.ravel() + 0.0, 2),
            "total_jobs": jobs.ravel(),
            "total_hours": np.round(hours.ravel() + 0.0, 2),
            "category": _categories(history, ids, at_days).ravel(),
            "country": np.repeat(
                _per_freelancer(history, ids, "country").astype("object").to_numpy(), k
            ),
            "visible": visible.ravel(),
            "joined": has_joined.ravel(),
        }
    )
    frame = frame[frame["joined"]]
    if only_visible:
        frame = frame[frame["visible"]]
    frame = frame.merge(
        grid.assign(freelancer_id=grid["freelancer_id"].astype("str").astype(object),
                    week=grid["week"].astype("datetime64[s]")),
        on=["freelancer_id", "week"], how="left",
    )  # fmt: skip
    out = pd.DataFrame(
        {
            "freelancer_id": frame["freelancer_id"].astype("str"),
            "snapshot_date": frame["snapshot_date"].astype("datetime64[s]"),
            "badge": frame["status"].astype(BADGE_DTYPE).fillna("none"),
            "jss": frame["jss"].astype("Int64"),
            "hourly_rate_usd": frame["hourly_rate_usd"].astype("float64"),
            "total_earnings_usd": frame["total_earnings_usd"].astype("float64"),
            "total_jobs": frame["total_jobs"].astype("Int64"),
            "total_hours": frame["total_hours"].astype("float64"),
            "category": frame["category"].astype("str"),
            "country": frame["country"].astype("str"),
        }
    )
    if not only_visible:
        out["visible"] = frame["visible"].to_numpy(dtype=bool)
    return out.sort_values(["snapshot_date", "freelancer_id"], ignore_index=True)


def _empty(only_visible: bool) -> pd.DataFrame:
    cols = {
        "freelancer_id": pd.Series(dtype="str"),
        "snapshot_date": pd.Series(dtype="datetime64[s]"),
        "badge": pd.Series(dtype=BADGE_DTYPE),
        "jss": pd.Series(dtype="Int64"),
        "hourly_rate_usd": pd.Series(dtype="float64"),
        "total_earnings_usd": pd.Series(dtype="float64"),
        "total_jobs": pd.Series(dtype="Int64"),
        "total_hours": pd.Series(dtype="float64"),
        "category": pd.Series(dtype="str"),
        "country": pd.Series(dtype="str"),
    }
    if not only_visible:
        cols["visible"] = pd.Series(dtype="bool")
    return pd.DataFrame(cols)


__all__ = [
    "PROFILE_COLUMNS",
    "Visibility",
    "hours_as_money",
    "load_visibility",
    "profiles",
    "visibility_rule_sets",
]
