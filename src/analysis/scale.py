"""Scale-out: Parquet datasets partitioned by freelancer, and the engine on Dask.

The rules engine is independent per freelancer, so a history that outgrows one
machine is split by ``freelancer_id`` and the *same* pandas engine
(`analysis.jss.jss_grid`, `analysis.status.status_grid`) runs on each part as a
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
``date32``, categories as text). `analysis.load.read_history` reads such a
folder too.

The Dask engine (`run_dask`):

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

import contextlib
import logging
import math
import os
import shutil
import tempfile
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from analysis.errors import InputError, Problem
from analysis.history import TABLES as TABLE_ORDER
from analysis.history import History
from analysis.output import to_arrow, write_frames

#: Target rows per part (all tables together); sets the default number of parts.
ROWS_PER_PART = 250_000
PART_FORMAT = "part-{:05d}.parquet"
#: Parts computed ahead of the one being written (single-file output), per worker.
IN_FLIGHT_PER_WORKER = 2
#: Dask settings for the workers of the local cluster. The nanny normally sets
#: ``MALLOC_TRIM_THRESHOLD_`` in each worker, which also pins glibc's mmap
#: threshold at 128 KiB: every large numpy temporary is then mapped and faulted in
#: afresh, making the engine 2-3x slower. Leave glibc's adaptive default instead
#: (docs/cluster.md shows the same for workers started by hand).
WORKER_CONFIG = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}

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
        if out.exists():
            out.rmdir()
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return split.parts


def convert(history: str | Path, out: str | Path, parts: int | None = None) -> int:
    """``toprated convert``: read and check a history, write it as a Parquet dataset."""
    from analysis.load import read_history

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
    rows = 0
    for t in tables:
        files = [path / t / p for p in parts if (path / t / p).is_file()]
        index = [k for k, p in enumerate(parts) if (path / t / p).is_file()]
        try:
            rows += sum(pq.ParquetFile(f).metadata.num_rows for f in files)
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
    return DatasetInfo(path, parts, tables, max(dates), first, rows)


_ARROW_KINDS = {
    "date": pa.timestamp("s"),
    "number": pa.float64(),
    "integer": pa.int64(),
    "boolean": pa.bool_(),
}


def _typed_columns(table: pa.Table, spec) -> dict[str, pa.Array] | None:
    """A part's columns as the loader's typed Arrow arrays, or None if anything is unusual."""
    from analysis.load import _spec_column

    out: dict[str, pa.Array] = {}
    for name in table.column_names:
        arr = table[name].combine_chunks() if table[name].num_chunks != 1 else table[name].chunk(0)
        if pa.types.is_dictionary(arr.type):
            arr = arr.dictionary_decode()
        col = _spec_column(spec, name)
        kind = "text" if col is None or col.kind == "choice" else col.kind
        t = arr.type
        if kind == "text":
            if not (pa.types.is_string(t) or pa.types.is_large_string(t)):
                return None
            arr = pc.if_else(pc.equal(pc.binary_length(arr), 0), None, arr)
        elif kind == "date":
            if not pa.types.is_date32(t):
                return None
            arr = arr.cast(pa.timestamp("s"))
        elif kind == "number":
            if not (pa.types.is_floating(t) or pa.types.is_integer(t)):
                return None
            arr = arr.cast(pa.float64())
            if pc.any(pc.invert(pc.is_finite(arr))).as_py():
                return None
        elif kind == "integer":
            if not pa.types.is_integer(t):
                return None
            arr = arr.cast(pa.int64())
        elif not pa.types.is_boolean(t):
            return None
        out[name] = arr
    return out


def read_part(path: str | Path, table: str, label: str | None = None) -> pd.DataFrame:
    """One part file of a table as a typed, checked frame (rows allowed to be none).

    Parts written by `write_dataset` are typed already, so they are read straight
    and checked with the contract's schema; anything else (or anything to report)
    goes through `analysis.load.read_table`, whose messages name the part file and
    row. Raises `InputError`.
    """
    from analysis.load import _check_schema, _Found, _to_frame, read_table
    from analysis.schema import TABLES

    path = Path(path)
    spec = TABLES[table]
    label = label or f"{path.parent.name}/{path.name}"
    try:
        raw = pq.read_table(path)
    except (pa.ArrowInvalid, OSError):
        raw = None
    if raw is not None and all(c in raw.column_names for c in spec.required_columns):
        typed = _typed_columns(raw, spec)
        if typed is not None:
            frame = _to_frame(typed, spec)
            quick = _Found(label, "row")
            _check_schema(frame, spec, typed, None, quick, {})
            if not quick:
                return frame
    frame, problems = read_table(path, table, label)
    if problems:
        raise InputError(problems)
    return frame


def _empty_table(table: str) -> pd.DataFrame:
    """A frame with no rows, typed exactly as the loader types the table."""
    from analysis.load import _to_frame
    from analysis.schema import TABLES

    spec = TABLES[table]
    cols = {
        c.name: pa.array([], type=_ARROW_KINDS.get(c.kind, pa.string()))
        for c in spec.columns
        if c.required
    }
    return _to_frame(cols, spec)


def read_partition(path: str | Path, part: str, tables: list[str] | None = None) -> History:
    """Part `part` (a file name) of every table of a dataset, as a History."""
    path = Path(path)
    if tables is None:
        tables = [t for t in TABLE_ORDER if (path / t).is_dir()]
    frames = {}
    for t in tables:
        file = path / t / part
        frames[t] = read_part(file, t) if file.is_file() else _empty_table(t)
    return History(**frames, source=f"{path} {part}")


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Frames of one table stacked, column by column (the parts' columns are let go as
    each is joined, so memory peaks near one copy); categories unified, first seen first.
    Text columns are Arrow-backed, so they are joined without copying the text."""
    if len(frames) == 1:
        return frames[0]
    names = list(frames[0].columns)
    parts = [{c: f[c] for c in names} for f in frames]
    frames.clear()
    out: dict[str, pd.Series] = {}
    for name in names:
        pieces = [p.pop(name) for p in parts]
        if isinstance(pieces[0].dtype, pd.CategoricalDtype):
            cats = pd.unique(np.concatenate([s.cat.categories.to_numpy() for s in pieces]))
            categories = pd.Index(cats, dtype="str")
            pieces = [s.cat.set_categories(categories) for s in pieces]
        out[name] = pd.concat(pieces, ignore_index=True)
        del pieces
    return pd.DataFrame(out, copy=False)


def read_table_parts(folder: Path, table: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """A table given as a folder of part files (`analysis.load.read_table` calls this).

    Every part is read and checked (`read_part`); problems name the part file and
    row. Returns the parts concatenated in file-name order, or the problems.
    """
    frames: list[pd.DataFrame] = []
    problems: list[Problem] = []
    for file in sorted(Path(folder).glob("*.parquet")):
        try:
            frame = read_part(file, table, f"{Path(folder).name}/{file.name}")
        except InputError as err:
            problems += err.problems
            continue
        if len(frame):
            frames.append(frame)
    if not frames and not problems:
        problems.append(Problem(f"{Path(folder).name}/", None, None, None, "has no rows"))
    if problems:
        return None, problems
    return _concat(frames), []


# --------------------------------------------------------------------------- the Dask engine


def machine_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


@contextlib.contextmanager
def dask_client(scheduler: str | None = None, n_workers: int | None = None):
    """A `distributed.Client`: to `scheduler`, or to a local cluster sized to the machine.

    The local cluster has one single-threaded worker process per core (the engine
    is numpy/pandas code that holds the GIL) and splits the memory evenly.
    """
    from distributed import Client, LocalCluster

    if scheduler:
        client = Client(scheduler)
        try:
            yield client
        finally:
            client.close()
        return
    import dask
    import psutil

    n = n_workers or machine_cores()
    with dask.config.set(WORKER_CONFIG):
        cluster = LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            memory_limit=psutil.virtual_memory().total // n,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
    client = Client(cluster)
    try:
        warm_up(client)
        yield client
    finally:
        client.close()
        cluster.close()


def _import_engine() -> None:
    import analysis.jss
    import analysis.load
    import analysis.status  # noqa: F401


def warm_up(client) -> None:
    """Import the engine in every worker now (pandera, pandas, ...), not in the first task."""
    client.run(_import_engine)


def _engine(kind: str, history: History, rules, start, end, as_of) -> pd.DataFrame:
    if kind == "jss":
        from analysis.jss import jss_grid

        return jss_grid(history, rules, start=start, end=end, as_of=as_of)
    from analysis.status import status_grid

    return status_grid(history, rules, start=start, end=end, as_of=as_of)


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """One frame to one Parquet file, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        pq.write_table(to_arrow(frame), tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def run_part(
    source: History | tuple[str, str, list[str]],
    kind: str,
    rules,
    start,
    end,
    as_of,
    events: bool,
    out_part: str | None = None,
    events_part: str | None = None,
) -> dict[str, Any]:
    """One Dask task: read one part, run the pandas engine, return or write the result.

    `source` is a History or ``(dataset, part name, tables)``. Returns a dict with
    the row count, timings (``read_s``, ``compute_s``, ``write_s``) and, unless
    written to ``out_part``/``events_part``, the ``frame`` and ``events``. Bad
    input is returned as ``problems`` (an `InputError` does not pickle).
    """
    t0 = time.perf_counter()
    try:
        history = source if isinstance(source, History) else read_partition(*source)
    except InputError as err:
        return {"problems": err.problems}
    t1 = time.perf_counter()
    frame = _engine(kind, history, rules, start, end, as_of)
    del history
    ev = None
    if events:
        from analysis.status import status_events

        ev = status_events(frame, rules)
    t2 = time.perf_counter()
    result: dict[str, Any] = {"rows": len(frame), "pid": os.getpid()}
    if out_part is not None:
        _write_parquet(frame, Path(out_part))
    else:
        result["frame"] = frame
    if ev is not None:
        if events_part is not None:
            _write_parquet(ev, Path(events_part))
        else:
            result["events"] = ev
    result.update(read_s=t1 - t0, compute_s=t2 - t1, write_s=time.perf_counter() - t2)
    return result


def _is_folder(out: str | None, partitioned: bool) -> bool:
    return out is not None and (partitioned or out.endswith(("/", os.sep)))


def _prepare_folder(out: str) -> Path:
    """An output folder for part files; part files of an earlier run are removed."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("part-*.parquet"):
        old.unlink()
    return folder


@dataclass
class RunStats:
    """What `run_dask` did: parts, rows, wall time and the tasks' summed timings."""

    parts: int = 0
    rows: int = 0
    event_rows: int = 0
    seconds: float = 0.0
    read_s: float = 0.0
    compute_s: float = 0.0
    write_s: float = 0.0
    workers: int = 0


def run_dask(
    kind: str,
    history: str | Path | History,
    rules,
    start: Any = None,
    end: Any = None,
    as_of: Any = None,
    out: str | None = None,
    events: str | None = None,
    partitioned: bool = False,
    scheduler: str | None = None,
    client=None,
    parts: int | None = None,
) -> RunStats:
    """``toprated jss|status --engine dask``: the engine run part by part on Dask.

    `kind` is ``"jss"`` or ``"status"``. `history` is a dataset folder (read by
    the workers), a CSV history folder or file (read here, then scattered), or a
    `History`. Results equal the pandas engine's row for row. `out` is a file
    (CSV, or Parquet if it ends in ``.parquet``; None = standard output) written
    in freelancer order, or a folder of ``part-NNNNN.parquet`` when it ends in
    ``/`` or `partitioned` is set; `events` (status only) likewise. `client` is
    a `distributed.Client` to use; else one to `scheduler`, else a local cluster.
    """
    import dask

    if kind not in ("jss", "status"):
        raise ValueError(f"unknown kind {kind!r}")
    if events is not None and kind != "status":
        raise ValueError("events are only for status")
    t_start = time.perf_counter()
    stats = RunStats()
    info = None
    if isinstance(history, History):
        hist = history
    elif is_dataset(history):
        info = dataset_info(history)
        hist = None
    else:
        from analysis.load import read_history

        hist = read_history(history)
    if hist is not None:
        if as_of is None:
            as_of = hist.as_of
        if start is None:
            start = hist.contracts["start_date"].min()
    else:
        as_of = info.as_of if as_of is None else as_of
        start = info.first_start if start is None else start

    with contextlib.ExitStack() as stack:
        if client is None:
            client = stack.enter_context(dask_client(scheduler))
        stats.workers = max(1, len(client.scheduler_info().get("workers", {})))
        if hist is not None:
            n = parts or max(
                default_parts(sum(len(t) for t in hist.tables().values())), 2 * stats.workers
            )
            pieces = split_history(hist, n)
            del hist
            names = [PART_FORMAT.format(k) for k in range(len(pieces))]
            sources = client.scatter(pieces, hash=False)  # equal parts stay distinct
            del pieces
        else:
            names = info.parts
            # the JSS needs only the contracts; the as-of date is global already
            tables = ["contracts"] if kind == "jss" else info.tables
            sources = [(str(info.path.resolve()), p, tables) for p in names]
        stats.parts = len(names)

        out_dir = _prepare_folder(out) if _is_folder(out, partitioned) else None
        ev_dir = _prepare_folder(events) if _is_folder(events, partitioned) else None
        task = dask.delayed(run_part, pure=False)

        def make(k: int):
            return task(
                sources[k],
                kind,
                rules,
                start,
                end,
                as_of,
                events is not None,
                None if out_dir is None else str((out_dir / names[k]).resolve()),
                None if ev_dir is None else str((ev_dir / names[k]).resolve()),
            )

        event_frames: list[pd.DataFrame] = []

        def account(res: dict[str, Any]) -> dict[str, Any]:
            if "problems" in res:
                raise InputError(res["problems"])
            stats.rows += res["rows"]
            stats.read_s += res["read_s"]
            stats.compute_s += res["compute_s"]
            stats.write_s += res["write_s"]
            ev = res.pop("events", None)
            if ev is not None:
                stats.event_rows += len(ev)
                if res["rows"]:  # as the pandas engine: one (maybe empty) frame per block
                    event_frames.append(ev)
            return res

        if out_dir is not None:
            futures = client.compute([make(k) for k in range(len(names))])
            for fut in futures:
                account(fut.result())
                fut.release()
        else:
            from analysis.jss import grid_columns
            from analysis.status import COLUMNS

            def frames() -> Iterator[pd.DataFrame]:
                window = IN_FLIGHT_PER_WORKER * stats.workers + 1
                pending: deque = deque()
                nxt = 0
                while nxt < len(names) or pending:
                    while nxt < len(names) and len(pending) < window:
                        pending.append(client.compute(make(nxt), priority=-nxt))
                        nxt += 1
                    fut = pending.popleft()
                    res = account(fut.result())
                    fut.release()
                    frame = res.pop("frame")
                    if len(frame):
                        yield frame

            columns = grid_columns(rules) if kind == "jss" else COLUMNS
            write_frames(frames(), out, columns=columns)
        if events is not None and ev_dir is None:
            from analysis.status import EVENT_COLUMNS

            write_frames(event_frames, events, columns=EVENT_COLUMNS)
    stats.seconds = time.perf_counter() - t_start
    return stats
