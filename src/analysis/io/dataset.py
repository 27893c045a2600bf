"""Parquet datasets partitioned by freelancer: the input format of the Dask engine.

The rules engine is independent per freelancer, so a history that outgrows one
machine is split by ``freelancer_id`` and the *same* pandas engine
(`analysis.engine.jss.jss_grid`, `analysis.engine.status.status_grid`) runs on each part as a
Dask task. Nothing here re-implements a rule.

Dataset layout (written by `write_dataset` / ``toprated convert``)::

    DIR/contracts/part-00000.parquet   DIR/payments/part-00000.parquet   ...
    DIR/contracts/part-00001.parquet   DIR/payments/part-00001.parquet   ...

Part ``k`` of every table holds the same freelancers: the ids are sorted and cut
into contiguous ranges of about `ROWS_PER_PART` rows (all tables counted), so
part 0 has the smallest ids and concatenating per-part results in part order is
globally sorted by ``freelancer_id``. Within a part rows are sorted by
freelancer (original order kept within a freelancer). Every part file exists for
every table (possibly with no rows), typed as the contract says (dates as
``date32``, categories as text). `analysis.io.load.read_history` reads such a
folder too.

The Dask engine that runs on such datasets is `analysis.engine.dask`.

It works as follows (`analysis.engine.dask.run_dask`):

- global facts first, cheaply: the as-of date of the *whole* history and its
  earliest contract start come from the Parquet footers (column statistics), and
  the part ranges are checked to be sorted and disjoint;
- one `dask.delayed` task per part: read that part of every table (workers read
  their own files; no process ever holds the whole history), run the pandas
  engine with the global start/as-of, then either return the frame (written by
  the client to one CSV/Parquet file in part order, a bounded number of parts in
  flight) or write ``OUT/part-NNNNN.parquet`` itself (partitioned output);
- a CSV history (not a dataset) is read and checked by the client, cut the same
  way and scattered to the workers, so small inputs need no conversion.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from analysis.io.errors import InputError, Problem
from analysis.io.history import TABLES as TABLE_ORDER
from analysis.io.history import History
from analysis.io.load import SUFFIXES, read_history, read_partition, unknown_contracts
from analysis.io.output import to_arrow
from analysis.io.paths import apply_umask

#: Target rows per part (all tables together); sets the default number of parts.
ROWS_PER_PART = 250_000
PART_FORMAT = "part-{:05d}.parquet"
# --------------------------------------------------------------------------- partitioning


def default_parts(rows: int) -> int:
    """The number of parts for a history of `rows` rows (all tables): ~`ROWS_PER_PART` each."""
    return max(1, math.ceil(rows / ROWS_PER_PART))


def _freelancer_ids(history: History) -> pd.Index:
    """Every freelancer id in any table, sorted."""
    uniques = [pd.Index(df["freelancer_id"].unique()) for df in history.tables().values()]
    ids = uniques[0]
    for more in uniques[1:]:
        ids = ids.append(more)
    return pd.Index(ids.unique(), dtype="str").sort_values()


@dataclass(frozen=True)
class _Split:
    """Where each table's rows go: rows sorted by freelancer, cut at part bounds."""

    parts: int
    order: dict[str, np.ndarray | None]  # table -> row order (None: already sorted)
    bounds: dict[str, np.ndarray]  # table -> parts + 1 row offsets into the order


def _split(history: History, parts: int | None) -> _Split:
    """Cut the sorted freelancer ids into contiguous ranges of about equal rows."""
    ids = _freelancer_ids(history)
    tables = history.tables()
    codes = {t: ids.get_indexer(df["freelancer_id"]) for t, df in tables.items()}
    weight = np.zeros(len(ids), dtype=np.int64)
    for c in codes.values():
        weight += np.bincount(c, minlength=len(ids))
    total = int(weight.sum())
    n = default_parts(total) if parts is None else int(parts)
    if n < 1:
        raise ValueError("the number of parts must be at least 1")
    n = min(n, max(len(ids), 1))
    before = np.cumsum(weight) - weight  # rows of smaller ids
    part_of_id = np.minimum(before * n // max(total, 1), n - 1)
    order: dict[str, np.ndarray | None] = {}
    bounds: dict[str, np.ndarray] = {}
    for t, c in codes.items():
        if len(c) < 2 or bool((c[1:] >= c[:-1]).all()):
            order[t], sorted_codes = None, c
        else:
            order[t] = np.argsort(c, kind="stable")
            sorted_codes = c[order[t]]
        bounds[t] = np.searchsorted(part_of_id[sorted_codes], np.arange(n + 1), side="left")
    return _Split(n, order, bounds)


def split_history(history: History, parts: int | None = None) -> list[History]:
    """The history cut into `parts` histories of contiguous, sorted freelancer-id ranges.

    Every table of the input is in every part (possibly with no rows), so each
    part means what the whole means for its freelancers.
    """
    split = _split(history, parts)
    out = []
    for k in range(split.parts):
        frames = {}
        for t, df in history.tables().items():
            a, b = split.bounds[t][k], split.bounds[t][k + 1]
            rows = np.arange(a, b) if split.order[t] is None else split.order[t][a:b]
            frames[t] = df.take(rows).reset_index(drop=True)
        out.append(History(**frames, source=f"{history.source} part {k}"))
    return out


def write_dataset(history: History, out: str | Path, parts: int | None = None) -> int:
    """Write `history` as a Parquet dataset partitioned for the engine; returns the parts.

    ``out`` must not exist or be an empty folder. The dataset appears only when
    complete (written to a sibling temporary folder, then renamed). The same
    history and number of parts give the same files.
    """
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(
            [Problem(str(out), None, None, None, "already exists; give a new or empty folder")]
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    split = _split(history, parts)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for t, df in history.tables().items():
            table = to_arrow(df)
            if split.order[t] is not None:
                table = table.take(pa.array(split.order[t]))
            folder = tmp / t
            folder.mkdir()
            b = split.bounds[t]
            for k in range(split.parts):
                pq.write_table(
                    table.slice(b[k], b[k + 1] - b[k]),
                    folder / PART_FORMAT.format(k),
                    compression="zstd",
                )
            del table
        for folder in (tmp, *tmp.rglob("*")):
            apply_umask(folder, folder=folder.is_dir())
        if out.exists():
            out.rmdir()
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return split.parts


def convert(history: str | Path, out: str | Path, parts: int | None = None) -> int:
    """``toprated convert``: read and check a history, write it as a Parquet dataset."""
    if parts is not None and parts < 1:
        raise InputError([Problem("--parts", None, None, str(parts), "is not at least 1")])
    return write_dataset(read_history(history), out, parts)


# --------------------------------------------------------------------------- reading a dataset


def is_dataset(path: str | Path) -> bool:
    """Whether `path` is a Parquet dataset (a ``contracts/`` folder of part files)."""
    folder = Path(path) / "contracts"
    return folder.is_dir() and any(folder.glob("*.parquet"))


@dataclass(frozen=True)
class DatasetInfo:
    """What the engine needs to know about a dataset before any task runs."""

    path: Path
    parts: list[str]  # part file names, in freelancer order
    tables: list[str]  # the tables present
    as_of: pd.Timestamp  # the latest date anywhere in the history
    first_start: pd.Timestamp  # the earliest contract start
    rows: int  # rows of all tables
    contracts: int  # rows of the contracts table (what the engine's cost grows with)


def _column_range(files: list[Path], column: str) -> list[tuple[Any, Any] | None]:
    """Per file: (min, max) of a column from the footers (a column read if no statistics)."""
    out: list[tuple[Any, Any] | None] = []
    for f in files:
        meta = pq.ParquetFile(f).metadata
        names = [meta.schema.column(i).name for i in range(meta.num_columns)]
        if column not in names:
            out.append(None)
            continue
        idx = names.index(column)
        lo = hi = None
        for g in range(meta.num_row_groups):
            chunk = meta.row_group(g).column(idx)
            st = chunk.statistics
            if st is not None and st.has_min_max:
                lo = st.min if lo is None else min(lo, st.min)
                hi = st.max if hi is None else max(hi, st.max)
            elif st is None or st.null_count != chunk.num_values:  # no statistics: read it
                mm = pc.min_max(pq.read_table(f, columns=[column])[column]).as_py()
                lo, hi = mm["min"], mm["max"]
                break
        out.append(None if lo is None else (lo, hi))
    return out


def _as_timestamp(value: Any) -> pd.Timestamp:
    return pd.Timestamp(value).normalize().as_unit("s")


#: The date columns that set the as-of date, and the days each adds (a week runs 6 more).
_AS_OF_COLUMNS = {
    "contracts": (("start_date", 0), ("end_date", 0)),
    "payments": (("paid_date", 0),),
    "activity": (("week_start", 6),),
    "account_events": (("event_date", 0),),
    "freelancers": (("joined_date", 0),),
}


def dataset_info(path: str | Path) -> DatasetInfo:
    """Parts, tables, as-of date and earliest start of a dataset, from its footers.

    Checks that every part holds a contiguous, sorted range of freelancer ids,
    disjoint from the other parts' across all tables (what `write_dataset` makes).
    """
    path = Path(path)
    if not is_dataset(path):
        raise InputError(
            [Problem(str(path), None, None, None, "is not a Parquet dataset (no contracts/ parts)")]
        )
    parts = sorted(p.name for p in (path / "contracts").glob("*.parquet"))
    tables = [t for t in TABLE_ORDER if (path / t).is_dir()]
    problems: list[Problem] = []
    for t in tables:
        extra = sorted({p.name for p in (path / t).glob("*.parquet")} - set(parts))
        if extra:
            problems.append(
                Problem(f"{t}/{extra[0]}", None, None, None, "has no matching contracts part")
            )
    if problems:
        raise InputError(problems)
    dates: list[pd.Timestamp] = []
    first = None
    ranges: list[list[tuple[Any, Any]]] = [[] for _ in parts]
    rows = contracts = 0
    for t in tables:
        files = [path / t / p for p in parts if (path / t / p).is_file()]
        index = [k for k, p in enumerate(parts) if (path / t / p).is_file()]
        try:
            n = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
            rows += n
            contracts += n if t == "contracts" else 0
            for column, extra_days in _AS_OF_COLUMNS[t]:
                found = [r for r in _column_range(files, column) if r is not None]
                if found:
                    dates.append(
                        _as_timestamp(max(r[1] for r in found)) + pd.Timedelta(extra_days, "D")
                    )
                    if (t, column) == ("contracts", "start_date"):
                        first = _as_timestamp(min(r[0] for r in found))
            for k, r in zip(index, _column_range(files, "freelancer_id"), strict=True):
                if r is not None:
                    ranges[k].append(r)
        except (pa.ArrowInvalid, OSError) as exc:
            msg = str(exc).splitlines()[0][:200]
            raise InputError(
                [Problem(str(path / t), None, None, None, f"has an unreadable part ({msg})")]
            ) from None
    if first is None or not dates:
        raise InputError([Problem(f"{path}/contracts", None, None, None, "has no rows")])
    prev = None
    for k, rs in enumerate(ranges):
        if not rs:
            continue
        lo, hi = min(r[0] for r in rs), max(r[1] for r in rs)
        if prev is not None and lo <= prev[1]:
            raise InputError(
                [
                    Problem(
                        str(path),
                        None,
                        None,
                        None,
                        f"is not partitioned by sorted freelancer ranges ({prev[0]} and "
                        f"{parts[k]} overlap); write it with `toprated convert`",
                    )
                ]
            )
        prev = (parts[k], hi)
    return DatasetInfo(path, parts, tables, max(dates), first, rows, contracts)


# --------------------------------------------------------------------------- streaming a dataset


def streamable(path: str | Path) -> DatasetInfo | None:
    """The `dataset_info` of a history that `iter_partitions` can stream, else None.

    That is a dataset of sorted, disjoint freelancer ranges (what `write_dataset`
    makes) whose every table is a folder of part files, so that reading it part
    by part reads what `read_history` reads. Anything else (a table also given as
    a file, a folder without parts, an unusable dataset) is None: read it whole.
    """
    path = Path(path)
    if not is_dataset(path):
        return None
    for table in TABLE_ORDER:
        folder = path / table
        if any(os.path.lexists(path / f"{table}{s}") for s in SUFFIXES):
            return None
        if os.path.lexists(folder) and not (folder.is_dir() and any(folder.glob("*.parquet"))):
            return None
    try:
        return dataset_info(path)
    except InputError:
        return None


def iter_partitions(info: DatasetInfo) -> Iterator[History]:
    """Every part of a dataset (`dataset_info`) as a checked History, in freelancer order.

    What the pandas engine streams so that no process holds the whole history:
    each part is read and checked as `read_history` checks a dataset (every table
    part by `analysis.io.load.read_part`; payments against the contracts of their
    part, which holds all of their freelancer's contracts since the parts are
    disjoint ranges of ids), the next part on a second thread while the caller
    works on this one. Bad input raises the `InputError` that `read_history`
    raises for the whole dataset (every problem, in its order), so the stream
    fails as reading the whole history would have, just later.
    """

    def read(part: str) -> History:
        history = read_partition(info.path, part, info.tables, use_threads=False)
        if history.payments is not None and len(history.payments):
            file = info.path / "payments"
            if problems := unknown_contracts(history.payments, history.contracts, file):
                raise InputError(problems)  # reported as read_history reports it (below)
        return history

    rows = dict.fromkeys(info.tables, 0)
    with ThreadPoolExecutor(1, thread_name_prefix="dataset-reader") as pool:
        ahead = pool.submit(read, info.parts[0]) if info.parts else None
        for k in range(len(info.parts)):
            try:
                history = ahead.result()
            except InputError as err:
                _whole_dataset_problems(info, err)
            ahead = pool.submit(read, info.parts[k + 1]) if k + 1 < len(info.parts) else None
            for t, df in history.tables().items():
                rows[t] += len(df)
            yield history
            del history
    if empty := [t for t, n in rows.items() if n == 0]:  # a table with no rows at all
        _whole_dataset_problems(
            info, InputError([Problem(f"{empty[0]}/", None, None, None, "has no rows")])
        )


def _whole_dataset_problems(info: DatasetInfo, err: InputError) -> None:
    """Raise what `read_history` raises for the whole dataset (else `err`)."""
    read_history(info.path)
    raise err
