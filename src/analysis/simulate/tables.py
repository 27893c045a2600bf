"""Columnar tables of the simulator and their exact `History` frames and CSV text.

The simulator keeps every table as plain numpy columns (integer codes for ids and
categories, day numbers for dates) and turns them into the typed frames of
`analysis.io.history` only when the rules engine or a writer needs them:

- `ids`: fixed-width text ids (``f00042``) straight into Arrow buffers, so a million
  ids cost no Python strings and sort like their numbers;
- `Columns`: a growing set of equally long numpy columns (append in blocks, take,
  concatenate once);
- ``*_frame`` builders: the five tables with the dtypes listed in
  `analysis.io.history` (what `read_history` returns), from the columns;
- `csv_bytes`: a frame as deterministic CSV text (fixed column order, plain
  header, dates ``YYYY-MM-DD``, booleans ``true/false``, floats already rounded
  by the simulator and written in their shortest exact form, empty = missing).
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from analysis.io.history import TABLES
from analysis.io.schema import SHOWN_STATUSES

CATEGORIES = (
    "design",
    "writing",
    "engineering-architecture",
    "sales-marketing",
    "web-dev",
    "data-science",
)
CONTRACT_TYPES = ("hourly", "fixed")
COUNTRIES = ("US", "IN", "PH", "PK", "UA", "GB", "BD", "NG", "EG", "CA", "DE", "RS")
EVENTS = ("hold_start", "hold_end", "tos_violation")
#: Day number (days since 1970-01-01) meaning "no date" in int columns.
NO_DAY = np.iinfo(np.int32).max
_EVENT_DTYPE = pd.CategoricalDtype(list(EVENTS))


def ids(prefix: str, numbers: np.ndarray, width: int) -> pd.api.extensions.ExtensionArray:
    """``prefix`` + zero-padded `numbers` as a pandas ``str`` array, without Python strings."""
    numbers = np.asarray(numbers, dtype=np.int64)
    n = len(numbers)
    head = np.frombuffer(prefix.encode(), dtype=np.uint8)
    chars = np.empty((n, len(head) + width), dtype=np.uint8)
    chars[:, : len(head)] = head
    x = numbers.copy()
    for i in range(len(head) + width - 1, len(head) - 1, -1):
        chars[:, i] = 48 + x % 10
        x //= 10
    offsets = np.arange(n + 1, dtype=np.int64) * chars.shape[1]
    arr = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(chars))
    return pd.array(arr, dtype="str")


def id_width(largest: int) -> int:
    """Digits of the widest id number (at least 4)."""
    return max(4, len(str(max(int(largest), 0))))


def dates(days: np.ndarray) -> np.ndarray:
    """Day numbers as ``datetime64[s]`` (`NO_DAY` -> NaT)."""
    days = np.asarray(days, dtype=np.int64)
    out = days.astype("datetime64[D]").astype("datetime64[s]")
    out[days == NO_DAY] = np.datetime64("NaT")
    return out


class Columns:
    """Equally long numpy columns that grow by appended blocks (kept until `compact`)."""

    def __init__(self, dtypes: dict[str, np.dtype | type]):
        self.dtypes = {k: np.dtype(v) for k, v in dtypes.items()}
        self._parts: dict[str, list[np.ndarray]] = {k: [] for k in dtypes}
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def append(self, **cols: np.ndarray) -> None:
        n = len(next(iter(cols.values())))
        if n == 0:
            return
        for k, dtype in self.dtypes.items():
            self._parts[k].append(np.asarray(cols[k], dtype=dtype))
        self._n += n

    def compact(self) -> dict[str, np.ndarray]:
        """All rows so far as one array per column (the blocks are merged in place)."""
        out = {}
        for k, parts in self._parts.items():
            if len(parts) != 1:
                merged = np.concatenate(parts) if parts else np.zeros(0, self.dtypes[k])
                parts[:] = [merged]
            out[k] = parts[0] if parts else np.zeros(0, self.dtypes[k])
        return out

    def keep(self, mask: np.ndarray) -> None:
        """Drop the rows where `mask` is false."""
        cols = self.compact()
        for k in self._parts:
            self._parts[k] = [cols[k][mask]]
        self._n = int(mask.sum())


# ---------------------------------------------------------------------------
# typed frames (the dtypes of analysis.io.history / read_history)
# ---------------------------------------------------------------------------


class IdFormat:
    """Widths of the three kinds of text id, fixed for one simulation."""

    def __init__(self, freelancers: int, contracts: int, clients: int):
        self.freelancer = id_width(freelancers - 1)
        self.contract = id_width(contracts)
        self.client = id_width(clients)

    def freelancers(self, code: np.ndarray):
        return ids("f", code, self.freelancer)

    def contracts(self, code: np.ndarray):
        return ids("c", code, self.contract)

    def clients(self, code: np.ndarray):
        return ids("k", code, self.client)


def _choice(codes: np.ndarray, labels: tuple[str, ...]) -> pd.Categorical:
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int8), categories=list(labels))


def contracts_frame(c: dict[str, np.ndarray], fmt: IdFormat) -> pd.DataFrame:
    """The contracts table: columns ``fid, cid, client, start, end, earnings, public,
    private (-1 = empty), disputed, flagged, category, ctype, hours``."""
    private = np.asarray(c["private"], dtype=np.int8)
    return pd.DataFrame(
        {
            "freelancer_id": fmt.freelancers(c["fid"]),
            "contract_id": fmt.contracts(c["cid"]),
            "client_id": fmt.clients(c["client"]),
            "start_date": dates(c["start"]),
            "end_date": dates(c["end"]),
            "earnings_usd": np.asarray(c["earnings"], dtype=np.float64),
            "public_rating": np.asarray(c["public"], dtype=np.float64),
            "private_score": pd.arrays.IntegerArray(np.maximum(private, 0), private < 0),
            "disputed": np.asarray(c["disputed"], dtype=bool),
            "client_flagged": np.asarray(c["flagged"], dtype=bool),
            "category": _choice(c["category"], CATEGORIES),
            "contract_type": _choice(c["ctype"], CONTRACT_TYPES),
            "hours": np.asarray(c["hours"], dtype=np.float64),
        },
        copy=False,
    )


def payments_frame(p: dict[str, np.ndarray], fmt: IdFormat) -> pd.DataFrame:
    """The payments table: columns ``fid, cid, day, amount``."""
    return pd.DataFrame(
        {
            "freelancer_id": fmt.freelancers(p["fid"]),
            "contract_id": fmt.contracts(p["cid"]),
            "paid_date": dates(p["day"]),
            "amount_usd": np.asarray(p["amount"], dtype=np.float64),
        },
        copy=False,
    )


_COUNTS = ("invitations", "proposals", "interviews", "hires", "profile_views")


def activity_frame(a: dict[str, np.ndarray], fmt: IdFormat) -> pd.DataFrame:
    """The activity table: columns ``fid, week_start`` (day), the counts, ``hours``,
    ``shown`` (the badge displayed that week, as ``status_shown``)."""
    data = {
        "freelancer_id": fmt.freelancers(a["fid"]),
        "week_start": dates(a["week_start"]),
    }
    for name in _COUNTS:
        if name in a:
            data[name] = pd.arrays.IntegerArray(
                np.asarray(a[name], dtype=np.int64), np.zeros(len(a[name]), dtype=bool)
            )
    if "hours" in a:
        data["hours_worked"] = np.asarray(a["hours"], dtype=np.float64)
    if "shown" in a:  # codes into SHOWN_STATUSES, -1 unknown
        data["status_shown"] = pd.Categorical.from_codes(
            np.asarray(a["shown"], dtype=np.int64), categories=list(SHOWN_STATUSES)
        )
    return pd.DataFrame(data, copy=False)


def freelancers_frame(f: dict[str, np.ndarray], fmt: IdFormat) -> pd.DataFrame:
    """The freelancers table: ``fid`` and any of ``joined, category, country, rate,
    profile_complete``."""
    data: dict[str, object] = {"freelancer_id": fmt.freelancers(f["fid"])}
    if "joined" in f:
        data["joined_date"] = dates(f["joined"])
    if "category" in f:
        data["category"] = _choice(f["category"], CATEGORIES)
    if "country" in f:
        data["country"] = _choice(f["country"], COUNTRIES)
    if "rate" in f:
        data["hourly_rate_usd"] = np.asarray(f["rate"], dtype=np.float64)
    data["profile_complete"] = np.asarray(f["profile_complete"], dtype=bool)
    return pd.DataFrame(data, copy=False)


def events_frame(e: dict[str, np.ndarray], fmt: IdFormat) -> pd.DataFrame:
    """The account events table: columns ``fid, day, event`` (code into `EVENTS`)."""
    return pd.DataFrame(
        {
            "freelancer_id": fmt.freelancers(e["fid"]),
            "event_date": dates(e["day"]),
            "event": pd.Categorical.from_codes(
                np.asarray(e["event"], dtype=np.int8), dtype=_EVENT_DTYPE
            ),
        },
        copy=False,
    )


# ---------------------------------------------------------------------------
# deterministic CSV text
# ---------------------------------------------------------------------------


def _arrow_column(s: pd.Series) -> pa.Array:
    if isinstance(s.dtype, pd.CategoricalDtype):
        labels = np.asarray(s.cat.categories.astype("str"), dtype=object)
        codes = s.cat.codes.to_numpy()
        return pa.array(labels[np.maximum(codes, 0)], type=pa.string(), mask=codes < 0)
    if pd.api.types.is_datetime64_any_dtype(s):
        values = s.to_numpy().astype("datetime64[D]")
        return pa.array(values, type=pa.date32(), mask=np.isnat(values))
    if isinstance(s.dtype, pd.BooleanDtype):
        return pa.array(s.to_numpy(dtype=object, na_value=None), type=pa.bool_())
    if pd.api.types.is_float_dtype(s):
        values = s.to_numpy(dtype=np.float64)
        return pa.array(values, type=pa.float64(), mask=np.isnan(values))
    return pa.array(s.array)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """`frame` as CSV text: a plain header, then rows exactly as `read_history` reads them."""
    table = pa.table({str(c): _arrow_column(frame[c]) for c in frame.columns})
    buf = io.BytesIO()
    buf.write((",".join(map(str, frame.columns)) + "\n").encode())
    if len(frame):
        pacsv.write_csv(
            table,
            buf,
            pacsv.WriteOptions(include_header=False, quoting_style="none", batch_size=1 << 16),
        )
    return buf.getvalue()


__all__ = [
    "CATEGORIES",
    "CONTRACT_TYPES",
    "COUNTRIES",
    "EVENTS",
    "NO_DAY",
    "TABLES",
    "Columns",
    "IdFormat",
    "activity_frame",
    "contracts_frame",
    "csv_bytes",
    "dates",
    "events_frame",
    "freelancers_frame",
    "ids",
    "payments_frame",
]
