"""Shared test helpers: small typed histories and a boundary-heavy hypothesis strategy.

Import from a test module as ``from histories import make_history, histories``
(pytest puts ``tests/`` on ``sys.path``).

Builders (exact `analysis.io.history.History` dtypes, defaults filled in, no loader
needed):

- ``contracts_frame(rows)``, ``payments_frame(rows)``, ``activity_frame(rows)``,
  ``freelancers_frame(rows)``, ``account_events_frame(rows)``: a list of dicts (any
  subset of the columns, dates as ``"YYYY-MM-DD"`` text or date-like) -> DataFrame;
- ``make_history(contracts=[...], payments=None, activity=None, freelancers=None,
  account_events=None)`` -> ``History`` (each argument a list of dicts or a frame);
- ``status_frame(csv_text)``: a weekly status grid with the engine's dtypes.

Contract defaults: ``freelancer_id="f1"``, ``contract_id="c<row>"``,
``client_id="k<row>"`` (every row its own client), ``start_date="2021-01-03"``,
``end_date=None`` (open), ``earnings_usd=500.0``, no ratings, not disputed, not
flagged, ``category="design"``, ``contract_type="fixed"``, ``hours=NaN``.

Strategy: ``histories(...)`` draws random histories whose dates sit on the edges
the rules care about: end dates exactly 0, 1, 90, 91, 182, 365, 730 ... days
before one of a few evaluation dates (JSS dates aligned to 2020-01-05 every 14
days, and the Sundays between them), contract lengths of 89/90/91/182/... days,
open contracts started 89/90/91 days before an evaluation date, earnings of exactly
0 / 250 / 250.01 / 1000 / 1000.01 / 5000 / 10000 / 20000, ratings 3.9 / 4.0 / 4.4 /
4.5, private scores 6 / 7 / 8 / 9, flagged and disputed rows, 1-3 clients per
freelancer. With ``optional_tables=True`` it adds payments, activity, freelancers
and account events, also clustered on those dates. ``EVAL_DATES`` are the dates the
strategy clusters around.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import strategies as st

from analysis.io.history import History

# ---------------------------------------------------------------------------
# column dtypes
# ---------------------------------------------------------------------------

CONTRACT_DTYPES: dict[str, Any] = {
    "freelancer_id": "str",
    "contract_id": "str",
    "client_id": "str",
    "start_date": "datetime64[s]",
    "end_date": "datetime64[s]",
    "earnings_usd": "float64",
    "public_rating": "float64",
    "private_score": "Int8",
    "disputed": "bool",
    "client_flagged": "bool",
    "category": "category",
    "contract_type": "category",
    "hours": "float64",
}
PAYMENT_DTYPES: dict[str, Any] = {
    "freelancer_id": "str",
    "contract_id": "str",
    "paid_date": "datetime64[s]",
    "amount_usd": "float64",
}
ACTIVITY_DTYPES: dict[str, Any] = {
    "freelancer_id": "str",
    "week_start": "datetime64[s]",
    "invitations": "Int64",
    "proposals": "Int64",
    "interviews": "Int64",
    "hires": "Int64",
    "profile_views": "Int64",
    "hours_worked": "float64",
}
FREELANCER_DTYPES: dict[str, Any] = {
    "freelancer_id": "str",
    "joined_date": "datetime64[s]",
    "category": "category",
    "country": "str",
    "hourly_rate_usd": "float64",
    "profile_complete": "bool",
}
ACCOUNT_EVENT_DTYPES: dict[str, Any] = {
    "freelancer_id": "str",
    "event_date": "datetime64[s]",
    "event": pd.CategoricalDtype(["hold_start", "hold_end", "tos_violation"]),
}

_CONTRACT_DEFAULTS: dict[str, Any] = {
    "freelancer_id": "f1",
    "start_date": "2021-01-03",
    "end_date": None,
    "earnings_usd": 500.0,
    "public_rating": np.nan,
    "private_score": pd.NA,
    "disputed": False,
    "client_flagged": False,
    "category": "design",
    "contract_type": "fixed",
    "hours": np.nan,
}
_ACTIVITY_DEFAULTS: dict[str, Any] = {
    "invitations": 0,
    "proposals": 0,
    "interviews": 0,
    "hires": 0,
    "profile_views": 0,
    "hours_worked": 0.0,
}
_FREELANCER_DEFAULTS: dict[str, Any] = {
    "joined_date": None,
    "category": "design",
    "country": "US",
    "hourly_rate_usd": 50.0,
    "profile_complete": True,
}


def _typed(
    rows: Sequence[dict[str, Any]] | pd.DataFrame, dtypes: dict[str, Any], defaults: dict
) -> pd.DataFrame:
    """Rows (dicts or a frame) with defaults filled, as a frame with exactly `dtypes`."""
    frame = rows.copy() if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
    for col, value in defaults.items():
        if col not in frame:
            frame[col] = [value] * len(frame)
    out = {}
    for col, dtype in dtypes.items():
        values = frame[col] if col in frame else pd.Series([None] * len(frame), dtype=object)
        if str(dtype).startswith("datetime64"):
            out[col] = pd.to_datetime(pd.Series(values, dtype=object)).astype(dtype)
        elif dtype == "Int8" or dtype == "Int64":
            out[col] = pd.array(
                [pd.NA if v is None or pd.isna(v) else int(v) for v in values], dtype=dtype
            )
        elif dtype == "bool":
            out[col] = pd.Series(values, dtype=object).fillna(False).astype(bool).to_numpy()
        elif dtype == "str":
            out[col] = pd.Series(values, dtype=object).astype("str").to_numpy()
        else:
            out[col] = pd.Series(values).astype(dtype).to_numpy()
    extra = [c for c in frame.columns if c not in dtypes]
    result = pd.DataFrame(out, index=pd.RangeIndex(len(frame)))
    for col in extra:
        result[col] = frame[col].to_numpy()
    # exact dtypes, even for an empty frame
    return result.astype({c: d for c, d in dtypes.items()})


def contracts_frame(rows: Sequence[dict[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    """A contracts table from dicts, defaults filled (see module docstring)."""
    rows = rows.to_dict("records") if isinstance(rows, pd.DataFrame) else list(rows)
    filled = []
    for i, row in enumerate(rows):
        row = {**_CONTRACT_DEFAULTS, **row}
        row.setdefault("contract_id", f"c{i}")
        row.setdefault("client_id", f"k{i}")
        filled.append(row)
    if not filled:
        return _typed(pd.DataFrame(columns=list(CONTRACT_DTYPES)), CONTRACT_DTYPES, {})
    return _typed(filled, CONTRACT_DTYPES, {})


def payments_frame(rows: Sequence[dict[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    """A payments table (``freelancer_id`` defaults to ``"f1"``)."""
    return _typed(_rows(rows, PAYMENT_DTYPES), PAYMENT_DTYPES, {"freelancer_id": "f1"})


def activity_frame(rows: Sequence[dict[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    """An activity table (counts default to 0, ``freelancer_id`` to ``"f1"``)."""
    return _typed(
        _rows(rows, ACTIVITY_DTYPES), ACTIVITY_DTYPES, {"freelancer_id": "f1", **_ACTIVITY_DEFAULTS}
    )


def freelancers_frame(rows: Sequence[dict[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    """A freelancers table (profile complete by default)."""
    return _typed(_rows(rows, FREELANCER_DTYPES), FREELANCER_DTYPES, _FREELANCER_DEFAULTS)


def account_events_frame(rows: Sequence[dict[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    """An account_events table (``freelancer_id`` defaults to ``"f1"``)."""
    return _typed(_rows(rows, ACCOUNT_EVENT_DTYPES), ACCOUNT_EVENT_DTYPES, {"freelancer_id": "f1"})


def _rows(rows: Sequence[dict[str, Any]] | pd.DataFrame, dtypes: dict) -> pd.DataFrame:
    if isinstance(rows, pd.DataFrame):
        return rows
    rows = list(rows)
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=list(dtypes))


def make_history(
    contracts: Sequence[dict[str, Any]] | pd.DataFrame = (),
    payments: Sequence[dict[str, Any]] | pd.DataFrame | None = None,
    activity: Sequence[dict[str, Any]] | pd.DataFrame | None = None,
    freelancers: Sequence[dict[str, Any]] | pd.DataFrame | None = None,
    account_events: Sequence[dict[str, Any]] | pd.DataFrame | None = None,
) -> History:
    """A `History` from lists of dicts (or frames), with exact dtypes; ``None`` = absent."""
    return History(
        contracts=contracts_frame(contracts),
        payments=None if payments is None else payments_frame(payments),
        activity=None if activity is None else activity_frame(activity),
        freelancers=None if freelancers is None else freelancers_frame(freelancers),
        account_events=None if account_events is None else account_events_frame(account_events),
        source="<test>",
    )


def status_frame(text: str) -> pd.DataFrame:
    """A status grid (`analysis.engine.status.status_grid` dtypes) from CSV text;
    omitted criteria columns are true, an omitted ``good_weeks_16`` is 16."""
    import io

    from analysis.engine.status import STATUS_DTYPE

    s = pd.read_csv(io.StringIO(text), parse_dates=["week"])
    s["freelancer_id"] = s["freelancer_id"].astype("str")
    s["week"] = s["week"].astype("datetime64[s]")
    s["status"] = s["status"].astype(STATUS_DTYPE)
    gw = s["good_weeks_16"] if "good_weeks_16" in s else pd.Series(16, index=s.index)
    s["good_weeks_16"] = gw.astype("Int64")
    for col in ("jss_ok", "earnings_ok", "tenure_ok", "profile_ok", "standing_ok", "active_ok"):
        s[col] = (s[col] if col in s else pd.Series(True, index=s.index)).astype("boolean")
    return s


# ---------------------------------------------------------------------------
# the boundary-heavy strategy
# ---------------------------------------------------------------------------

#: JSS evaluation dates (aligned to 2020-01-05, every 14 days) and the badge Sundays
#: between them, the dates the strategy clusters contract edges around.
EVAL_DATES: tuple[dt.date, ...] = (
    dt.date(2021, 6, 27),  # badge Sunday, not a JSS date
    dt.date(2021, 7, 4),  # JSS date
    dt.date(2022, 1, 2),  # JSS date
    dt.date(2022, 3, 27),  # JSS date
    dt.date(2022, 4, 3),  # badge Sunday, not a JSS date
)
#: Offsets (days before an evaluation date) that sit on window and rule edges.
BOUNDARY_OFFSETS: tuple[int, ...] = (
    0, 1, 6, 7, 13, 14, 89, 90, 91, 92, 104, 105, 181, 182, 183, 364, 365, 366, 729, 730, 731,
)  # fmt: skip
#: Contract lengths (days) on the weight steps and the open-contract threshold.
BOUNDARY_LENGTHS: tuple[int, ...] = (0, 1, 89, 90, 91, 92, 181, 182, 183, 272, 273, 364, 728, 729)
#: Open contracts started this many days before an evaluation date.
OPEN_AGES: tuple[int, ...] = (0, 89, 90, 91, 182, 364, 800)
BOUNDARY_EARNINGS: tuple[float, ...] = (
    0.0, 0.01, 250.0, 250.01, 999.99, 1000.0, 1000.01, 5000.0, 10000.0, 10000.01, 20000.0,
)  # fmt: skip
PUBLIC_RATINGS: tuple[float, ...] = (np.nan, 1.0, 3.9, 4.0, 4.4, 4.5, 5.0)
PRIVATE_SCORES: tuple[Any, ...] = (pd.NA, 0, 6, 7, 8, 9, 10)
CATEGORIES: tuple[str, ...] = ("design", "writing", "sales-marketing", "web-development")


def _near(draw, dates: Sequence[dt.date], offsets: Iterable[int], spread: int) -> dt.date:
    """A date `offset` days before one of `dates`, usually a boundary offset."""
    base = draw(st.sampled_from(list(dates)))
    offset = draw(st.one_of(st.sampled_from(list(offsets)), st.integers(-spread, spread)))
    return base - dt.timedelta(days=offset)


@st.composite
def contract_rows(
    draw,
    freelancer_id: str = "f1",
    max_contracts: int = 8,
    max_clients: int = 3,
    eval_dates: Sequence[dt.date] = EVAL_DATES,
    open_share: float = 0.25,
) -> list[dict[str, Any]]:
    """Rows (dicts) of one freelancer's random, boundary-heavy contracts (at least 1)."""
    n_clients = draw(st.integers(1, max_clients))
    n = draw(st.integers(1, max_contracts))
    rows = []
    for i in range(n):
        is_open = draw(st.floats(0, 1)) < open_share
        if is_open:
            start = _near(draw, eval_dates, OPEN_AGES, 400)
            end = None
        else:
            end = _near(draw, eval_dates, BOUNDARY_OFFSETS, 800)
            length = draw(st.one_of(st.sampled_from(BOUNDARY_LENGTHS), st.integers(0, 900)))
            start = end - dt.timedelta(days=length)
        rows.append(
            {
                "freelancer_id": freelancer_id,
                "contract_id": f"{freelancer_id}-c{i}",
                "client_id": f"{freelancer_id}-k{draw(st.integers(0, n_clients - 1))}",
                "start_date": start,
                "end_date": end,
                "earnings_usd": draw(
                    st.one_of(
                        st.sampled_from(BOUNDARY_EARNINGS),
                        st.integers(0, 30000).map(lambda c: c / 100),
                    )
                ),
                "public_rating": draw(st.sampled_from(PUBLIC_RATINGS)),
                "private_score": draw(st.sampled_from(PRIVATE_SCORES)),
                "disputed": draw(st.integers(0, 9)) == 0,
                "client_flagged": draw(st.integers(0, 9)) == 0,
                "category": draw(st.sampled_from(CATEGORIES)),
                "contract_type": draw(st.sampled_from(("hourly", "fixed"))),
                "hours": np.nan,
            }
        )
    return rows


@st.composite
def histories(
    draw,
    max_freelancers: int = 3,
    max_contracts: int = 8,
    max_clients: int = 3,
    eval_dates: Sequence[dt.date] = EVAL_DATES,
    optional_tables: bool = False,
) -> History:
    """A random History of 1..`max_freelancers` freelancers with boundary-heavy dates.

    Each freelancer has 1..`max_contracts` contracts from 1..`max_clients` clients
    (client ids are per freelancer). With `optional_tables`, payments (within each
    contract's days, amounts on the badge thresholds, sometimes a refund), weekly
    activity (Mondays), a freelancers table with a row per freelancer
    (profile complete or not; sometimes absent) and account
    events (holds and ToS violations near the evaluation dates) are drawn too.
    """
    n = draw(st.integers(1, max_freelancers))
    rows: list[dict[str, Any]] = []
    for f in range(n):
        rows += draw(contract_rows(f"f{f}", max_contracts, max_clients, eval_dates))
    contracts = contracts_frame(rows)
    if not optional_tables:
        return History(contracts=contracts, source="<hypothesis>")

    last = max(max(eval_dates), contracts["start_date"].max().date())
    payments, activity, freelancers, events = [], [], [], []
    for row in rows:
        start = row["start_date"]
        stop = row["end_date"] or last
        span = (stop - start).days
        for _ in range(draw(st.integers(0, 3))):
            day = start + dt.timedelta(days=draw(st.integers(0, max(span, 0))))
            amount = draw(
                st.one_of(
                    st.sampled_from(BOUNDARY_EARNINGS),
                    st.sampled_from((-100.0, -1000.0)),
                    st.integers(1, 1_000_000).map(lambda c: c / 100),
                )
            )
            payments.append(
                {
                    "freelancer_id": row["freelancer_id"],
                    "contract_id": row["contract_id"],
                    "paid_date": day,
                    "amount_usd": amount,
                }
            )
    with_freelancers = draw(st.booleans())
    for f in range(n):
        fid = f"f{f}"
        weeks = set()
        for _ in range(draw(st.integers(0, 4))):
            day = _near(draw, eval_dates, BOUNDARY_OFFSETS, 400)
            weeks.add(day - dt.timedelta(days=day.weekday()))  # the Monday of that week
        for monday in sorted(weeks):
            activity.append(
                {
                    "freelancer_id": fid,
                    "week_start": monday,
                    "proposals": draw(st.sampled_from((0, 0, 1, 5))),
                    "invitations": draw(st.integers(0, 3)),
                }
            )
        if with_freelancers:
            freelancers.append({"freelancer_id": fid, "profile_complete": draw(st.booleans())})
        for _ in range(draw(st.integers(0, 3))):
            events.append(
                {
                    "freelancer_id": fid,
                    "event_date": _near(draw, eval_dates, BOUNDARY_OFFSETS, 400),
                    "event": draw(st.sampled_from(("hold_start", "hold_end", "tos_violation"))),
                }
            )
    return History(
        contracts=contracts,
        payments=payments_frame(payments),
        activity=activity_frame(activity),
        freelancers=freelancers_frame(freelancers) if with_freelancers else None,
        account_events=account_events_frame(events),
        source="<hypothesis>",
    )
