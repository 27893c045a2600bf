"""The rules engine on Dask: the same pandas engine run part by part.

The engine is independent per freelancer, so each part of a Parquet dataset
(`analysis.io.dataset`) is one Dask task that runs `analysis.engine.jss.jss_grid`
or `analysis.engine.status.status_grid` with the *whole* history's start and
as-of dates; results equal the pandas engine's row for row. Nothing here
re-implements a rule. See `analysis.io.dataset` for the layout and the steps.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from analysis.engine.jss import grid_columns, jss_grid
from analysis.engine.status import COLUMNS, EVENT_COLUMNS, status_events, status_grid
from analysis.io.dataset import (
    PART_FORMAT,
    dataset_info,
    default_parts,
    is_dataset,
    split_history,
)
from analysis.io.errors import InputError
from analysis.io.history import History
from analysis.io.load import read_history, read_partition
from analysis.io.output import to_arrow, write_frames
from analysis.io.paths import apply_umask

#: Parts computed ahead of the one being written (single-file output), per worker.
IN_FLIGHT_PER_WORKER = 2
#: Dask settings for the workers of the local cluster. The nanny normally sets
#: ``MALLOC_TRIM_THRESHOLD_`` in each worker, which also pins glibc's mmap
#: threshold at 128 KiB: every large numpy temporary is then mapped and faulted in
#: afresh, making the engine 2-3x slower. Leave glibc's adaptive default instead
#: (docs/cluster.md shows the same for workers started by hand). There is one
#: worker per core, so the kernels run on one thread in each (`TOPRATED_THREADS`).
WORKER_CONFIG = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    "distributed.nanny.pre-spawn-environ.TOPRATED_THREADS": "1",
}


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
    import analysis.engine.jss
    import analysis.engine.status  # noqa: F401


def warm_up(client) -> None:
    """Import the engine in every worker now (pandera, pandas, ...), not in the first task."""
    client.run(_import_engine)


def _engine(kind: str, history: History, rules, start, end, as_of) -> pd.DataFrame:
    """One partition's grid, on the kernels whatever the partition's size: a worker
    lives for many tasks, so it pays numba's start-up once (`analysis.engine.backend`)."""
    if kind == "jss":
        return jss_grid(history, rules, start=start, end=end, as_of=as_of, backend="numba")
    return status_grid(history, rules, start=start, end=end, as_of=as_of, backend="numba")


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """One frame to one Parquet file, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        pq.write_table(to_arrow(frame), tmp)
        apply_umask(tmp)
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
            write_frames(event_frames, events, columns=EVENT_COLUMNS)
    stats.seconds = time.perf_counter() - t_start
    return stats
