"""Writing result frames: CSV (stdout or file) or Parquet, streamed and atomic.

Grids can be far larger than memory (a million freelancers), so writers take an
iterable of frames and write them one after another. A file appears only when it
is complete (written under a temporary name, then renamed), so a failure never
leaves partial output; it gets the mode ``open()`` would give (the umask), and a
symlink is written through (`analysis.io.paths` holds the whole policy). CSV conventions, shared by every command: dates as
``YYYY-MM-DD``, booleans ``true``/``false``, missing values empty.
"""

from __future__ import annotations

import errno
import os
import sys
import tempfile
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
from pandas.arrays import BooleanArray, FloatingArray, IntegerArray

from analysis.io.paths import apply_umask, write_target


def to_arrow(frame: pd.DataFrame) -> pa.Table:
    """A frame as an Arrow table with calendar dates as ``date32`` and categories as text.

    Equal, type and values, to ``pa.array(column, from_pandas=True)`` column by
    column (timestamps then cast to ``date32``), but a float column's missing
    values (NaN) become a validity bitmap packed from a vectorised mask
    (`_float_arrow`), where pyarrow's own conversion tests every value in turn:
    a third of the time for the JSS grid's five score columns
    (``benchmarks/bench_output.py``)."""
    cols = {}
    for name in frame.columns:
        s = frame[name]
        if isinstance(s.dtype, pd.CategoricalDtype):
            if s.cat.categories.inferred_type in ("string", "empty"):
                cols[str(name)] = _category_text(s)
                continue
            s = s.astype("str")
        if isinstance(s.dtype, np.dtype) and s.dtype.kind == "f":
            cols[str(name)] = _float_arrow(s.to_numpy())
            continue
        if (
            isinstance(s.array, BooleanArray | IntegerArray | FloatingArray)
            and not s.array.isna().any()
        ):
            # a nullable column with nothing missing (the status flags): its values
            # as they are, without building a validity bitmap of all ones
            arr = pa.array(s.array.to_numpy(dtype=s.dtype.numpy_dtype))
        else:
            arr = pa.array(s, from_pandas=True)
        if pa.types.is_timestamp(arr.type):
            arr = arr.cast(pa.date32())
        cols[str(name)] = arr
    return pa.table(cols)


def _float_arrow(values: np.ndarray) -> pa.Array:
    """A float array as Arrow, NaN as missing (as pandas reads it); the values are
    not copied, and there is no validity bitmap when nothing is missing."""
    values = np.ascontiguousarray(values)
    missing = np.isnan(values)
    nulls = int(np.count_nonzero(missing))
    if not nulls:
        return pa.array(values)
    valid = np.packbits(~missing, bitorder="little")
    kind = pa.from_numpy_dtype(values.dtype)
    return pa.Array.from_buffers(
        kind, len(values), [pa.py_buffer(valid), pa.py_buffer(values)], null_count=nulls
    )


def _category_text(s: pd.Series) -> pa.Array:
    """A categorical column of text categories as Arrow text, equal to
    ``pa.array(s.astype("str"))``: the categories are taken by code in Arrow (a
    missing code gives null) instead of a cast of every row through pandas."""
    text = pa.array(s.cat.categories.astype("str"), from_pandas=True)
    if not pa.types.is_large_string(text.type):
        text = text.cast(pa.large_string())
    codes = s.cat.codes.to_numpy()
    return text.take(pa.array(codes, mask=codes < 0))


#: What a spreadsheet takes as the start of a formula (OWASP, "CSV injection").
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
#: The guard a cell gets: a leading apostrophe, which spreadsheets show as text.
FORMULA_GUARD = "'"


def guard_formulas(frame: pd.DataFrame, columns: Iterable[str] | None = None) -> pd.DataFrame:
    """``frame`` with every text cell that a spreadsheet would run as a formula
    prefixed by ``'`` (OWASP's rule for CSV files opened in Excel, LibreOffice, Sheets).

    Only text columns are touched (``columns``, or every text and category column
    when None): a number like ``-5`` in a numeric column is a number, not a
    formula. `unguard_formulas` undoes it; the loader does so on reading.
    """
    out = frame.copy()
    names = (
        list(columns) if columns is not None else [c for c in frame.columns if _is_text(frame[c])]
    )
    for name in names:
        s = out[name]
        if isinstance(s.dtype, pd.CategoricalDtype):
            s = s.astype("str")
        text = s.astype("str")
        risky = s.notna() & text.str.startswith(FORMULA_LEADS)
        if risky.any():
            out[name] = s.astype("object").where(~risky, FORMULA_GUARD + text)
    return out


def unguard_formulas(values: pd.Series) -> pd.Series:
    """Text with the guard of `guard_formulas` removed (``'=x`` back to ``=x``)."""
    text = values.astype("str")
    guarded = values.notna() & text.str.match(r"^'[=+\-@\t\r]")
    return values.where(~guarded, text.str.slice(1))


def _is_text(s: pd.Series) -> bool:
    return (
        pd.api.types.is_string_dtype(s.dtype)
        or isinstance(s.dtype, pd.CategoricalDtype)
        or s.dtype == object
    )


def write_frames(
    frames: Iterable[pd.DataFrame],
    out: str | Path | None,
    columns: Iterable[str] = (),
    excel_safe: bool = False,
) -> int:
    """Write frames (same columns) to ``out``: CSV, or Parquet when it ends in ``.parquet``.

    ``out`` None writes CSV to standard output. ``columns`` names the header to
    write when there are no frames at all (an empty result still has its header).
    ``excel_safe`` guards text cells that a spreadsheet would run as formulas
    (`guard_formulas`; CSV only). Returns the number of rows written.
    """
    frames = _at_least_one(frames, list(columns))
    if excel_safe and not str(out).endswith(".parquet"):
        frames = (guard_formulas(f) for f in frames)
    if out is None:
        sink = sys.stdout.buffer
        if getattr(sink, "closed", False):
            raise OSError(errno.EBADF, "standard output is closed")
        return _write_csv(frames, sink)
    parquet = str(out).endswith(".parquet")
    out = write_target(out)  # a symlink is written through (`analysis.io.paths`)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    os.close(fd)
    try:
        if parquet:
            rows = _write_parquet(frames, Path(tmp))
        else:
            with open(tmp, "wb") as fh:
                rows = _write_csv(frames, fh)
        apply_umask(tmp, like=out)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return rows


def _at_least_one(frames: Iterable[pd.DataFrame], columns: list[str]):
    empty = True
    for frame in frames:
        empty = False
        yield frame
    if empty:
        yield pd.DataFrame({c: pd.Series([], dtype="str") for c in columns})


def _write_csv(frames: Iterable[pd.DataFrame], sink) -> int:
    rows = 0
    header = True
    for frame in frames:
        table = to_arrow(frame)
        if header or table.num_rows:
            pcsv.write_csv(
                table,
                sink,
                write_options=pcsv.WriteOptions(include_header=header, quoting_style="needed"),
            )
        header = False
        rows += table.num_rows
    sink.flush()
    return rows


#: A column whose first rows are more than this share distinct values is written
#: without dictionary encoding (`dictionary_columns`).
DICTIONARY_MAX_DISTINCT = 0.3
#: How many of the first table's rows `dictionary_columns` looks at.
DICTIONARY_SAMPLE_ROWS = 100_000


def dictionary_columns(table: pa.Table) -> list[str]:
    """The columns worth Parquet's dictionary encoding, judged on the first rows of
    the first table written: those with few distinct values (ids, dates, statuses,
    scores, flags). A column of mostly distinct values (the status grid's
    12-month earnings) would build a dictionary only to drop it at the page
    limit, which cost a third of the writer's CPU for nothing. The choice sets how
    the file is encoded, never what it holds."""
    head = table.slice(0, DICTIONARY_SAMPLE_ROWS)
    if head.num_rows == 0:
        return list(table.column_names)
    return [
        name
        for name in table.column_names
        if pc.count_distinct(head[name], mode="all").as_py()
        <= DICTIONARY_MAX_DISTINCT * head.num_rows
    ]


def _write_parquet(frames: Iterable[pd.DataFrame], path: Path) -> int:
    """Write the frames in order; each is written on a second thread while the next
    is computed (Arrow's writer releases the GIL), at most one write in flight."""
    rows = 0
    writer = None
    pending: Future | None = None
    with ThreadPoolExecutor(1, thread_name_prefix="parquet-writer") as pool:
        try:
            for frame in frames:
                table = to_arrow(frame)
                if writer is None:
                    writer = pq.ParquetWriter(
                        path, table.schema, use_dictionary=dictionary_columns(table)
                    )
                if pending is not None:
                    pending.result()
                pending = pool.submit(writer.write_table, table)
                rows += table.num_rows
            if pending is not None:
                pending.result()
        finally:
            if pending is not None:
                wait([pending])
            if writer is not None:
                writer.close()
    return rows
