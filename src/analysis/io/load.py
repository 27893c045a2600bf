"""Load a freelancer history from disk, refusing bad input as a whole.

`read_history(path)` reads a folder of the contract's files (``contracts.csv``
required; ``payments``, ``activity``, ``freelancers``, ``account_events``
optional; each as ``.csv``, ``.csv.gz`` or ``.parquet``) or a single contracts
file, and returns a typed `History`. Any breach of the data contract raises
`InputError` listing every problem with file, line, column, value and what was
expected; nothing is returned half-read.

Why it is built this way: text is read by Arrow's CSV reader with every column
as a string (fast, and it keeps the raw text that messages must quote), types
are parsed with vectorised Arrow kernels, and ranges are checked by the pandera
schemas of `analysis.io.schema`. Exact line numbers are only worked out when there
is something to report (a second, slower pass that handles quoted newlines and
blank lines the way an editor counts them).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import mmap
import os
import stat
import zlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.errors
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from analysis.io.errors import InputError, Problem
from analysis.io.history import TABLES as TABLE_ORDER
from analysis.io.history import History
from analysis.io.schema import (
    DATE_MAX,
    DATE_MIN,
    DATE_RANGE_EXPECTED,
    END_BEFORE_START,
    FALSE_WORDS,
    KIND_EXPECTED,
    SCHEMAS,
    TABLES,
    TRUE_WORDS,
    Table,
)

SUFFIXES = (".csv", ".csv.gz", ".parquet")
# the line-counting pass reads with Python's csv module, whose default field limit
# (128 KiB) would fail on a long cell that Arrow reads fine
csv.field_size_limit(1 << 30)
_NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
_INTEGER = r"^[+-]?\d+(\.0*)?$"
_DATE = r"^\d{4}-\d{2}-\d{2}$"
#: Problems of one kind in one column beyond this are counted, not listed.
_PER_COLUMN = 20


class _Found:
    """Problems found in one file, located by row index until lines are known."""

    def __init__(self, label: str, line_label: str = "line"):
        self.label = label
        self.line_label = line_label
        self.rows: list[
            tuple[int, str | None, str | None, str]
        ] = []  # row, column, value, expected
        self.whole: list[Problem] = []
        self.hidden = 0
        #: Every row flagged per column, listed or not (so later checks skip them all).
        self.flagged: dict[str | None, list[np.ndarray]] = {}

    def file(
        self,
        expected: str,
        column: str | None = None,
        line: int | None = None,
        value: str | None = None,
    ) -> None:
        self.whole.append(Problem(self.label, line, column, value, expected, self.line_label))

    def cells(
        self, idx: np.ndarray, column: str | None, values: list[str | None] | None, expected: str
    ) -> None:
        self.flagged.setdefault(column, []).append(np.asarray(idx, dtype=np.int64))
        shown = idx[:_PER_COLUMN]
        for k, i in enumerate(shown):
            self.rows.append((int(i), column, None if values is None else values[k], expected))
        self.hidden += max(0, len(idx) - _PER_COLUMN)

    def __bool__(self) -> bool:
        return bool(self.rows or self.whole or self.hidden)

    def problems(self, line_of: Callable[[np.ndarray], np.ndarray]) -> list[Problem]:
        out = list(self.whole)
        if self.rows:
            lines = line_of(np.array([r[0] for r in self.rows], dtype=np.int64))
            out += [
                Problem(self.label, int(line), col, val, exp, self.line_label)
                for line, (_, col, val, exp) in zip(lines, self.rows, strict=True)
            ]
        out.sort(key=lambda p: (p.line or 0, p.column or ""))
        if self.hidden:
            out.append(
                Problem(
                    self.label,
                    None,
                    None,
                    None,
                    f"{self.hidden} more problems of the same kinds not listed",
                )
            )
        return out


# --------------------------------------------------------------------------- reading text


def _open_bytes(path: Path):
    return gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb")


def _sniff(path: Path, found: _Found) -> list[str] | None:
    """Check the file is comma-separated UTF-8 text with a header; return the header."""
    try:
        with _open_bytes(path) as fh:
            head = fh.read(1 << 16)
            # a header longer than the first read: read on to its end (at most 16 MiB)
            while b"\n" not in head and len(head) < (1 << 24):
                more = fh.read(1 << 16)
                if not more:
                    break
                head += more
    except (EOFError, gzip.BadGzipFile, zlib.error):
        found.file("is not a readable gzip-compressed CSV file")
        return None
    except OSError as exc:
        if path.name.endswith(".gz") and not isinstance(exc, PermissionError | IsADirectoryError):
            found.file("is not a readable gzip-compressed CSV file")
        else:
            found.file(f"could not be read ({exc.strerror or exc})")
        return None
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if not head.strip():
        found.file("is empty (expected a header line naming the columns, then rows)")
        return None
    if b"\x00" in head:
        found.file("is not a CSV text file (it contains binary data)")
        return None
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the chunk's end
            line = head[: exc.start].count(b"\n") + 1
            found.file(f"is not UTF-8 text (byte 0x{head[exc.start]:02x})", line=line)
            return None
        text = head[: exc.start].decode("utf-8")
    first = text.splitlines()[0] if text.splitlines() else ""
    header = [h.strip() for h in next(csv.reader([first]), [])]
    if len(header) == 1:
        for sep, name in ((";", "';'"), ("\t", "tabs"), ("|", "'|'")):
            if sep in header[0]:
                found.file(
                    f"is not comma-separated (the header looks separated by {name})",
                    line=1,
                    value=first[:120],
                )
                return None
    seen: set[str] = set()
    for h in header:
        if h in seen:
            found.file("appears twice in the header", line=1, column=h)
        seen.add(h)
    if any(not h for h in header):
        found.file("has an empty column name in the header", line=1, value=first[:120])
    return header


def _record_lines(path: Path, ncols: int) -> tuple[np.ndarray, list[tuple[int, int, str]]]:
    """Where each data record starts, as an editor counts lines (header = line 1).

    Returns the start line of every well-formed record (the ones Arrow keeps) and
    the (line, field count, text) of every record with the wrong number of fields.
    Blank lines are skipped, as Arrow skips them.
    """
    starts: list[int] = []
    ragged: list[tuple[int, int, str]] = []
    with _open_bytes(path) as fh:
        text = io.TextIOWrapper(fh, encoding="utf-8-sig", errors="replace", newline="")
        reader = csv.reader(text)
        next(reader, None)
        prev_end = reader.line_num
        for rec in reader:
            start = prev_end + 1
            prev_end = reader.line_num
            if not rec:
                continue
            if len(rec) != ncols:
                ragged.append((start, len(rec), ",".join(rec)[:120]))
            else:
                starts.append(start)
    return np.asarray(starts, dtype=np.int64), ragged


def _read_csv_strings(
    path: Path, spec: Table, header: list[str] | None, found: _Found
) -> tuple[pa.Table | None, Callable]:
    plain_lines = lambda idx: idx + 2  # noqa: E731  (no quoted newlines, no blank lines)
    if header is None or found:
        return None, plain_lines
    missing = [c for c in spec.required_columns if c not in header]
    for col in missing:
        found.file(f"required column is missing (columns found: {', '.join(header)})", column=col)
    if missing:
        return None, plain_lines
    ragged = 0

    def on_invalid(_row) -> str:
        nonlocal ragged
        ragged += 1
        return "skip"

    try:
        table = pcsv.read_csv(
            path,
            read_options=pcsv.ReadOptions(
                use_threads=True,
                block_size=1 << 24,
                # the names as `_sniff` read them, stripped of surrounding spaces
                column_names=header,
                skip_rows=1,
            ),
            parse_options=pcsv.ParseOptions(
                newlines_in_values=True, invalid_row_handler=on_invalid
            ),
            convert_options=pcsv.ConvertOptions(
                column_types={h: pa.string() for h in header},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, OSError, UnicodeDecodeError) as exc:
        msg = str(exc)
        if "UTF8" in msg or "utf-8" in msg.lower():
            found.file("is not UTF-8 text")
        else:
            found.file(f"could not be read as CSV ({msg.splitlines()[0][:200]})")
        return None, plain_lines

    cache: dict[str, object] = {}

    def exact_lines(idx: np.ndarray) -> np.ndarray:
        if "starts" not in cache:
            cache["starts"], cache["ragged"] = _record_lines(path, len(header))
        return cache["starts"][idx]

    if ragged:
        _, bad = exact_lines(np.zeros(0, dtype=np.int64)), cache["ragged"]
        for line, n, text in bad[:_PER_COLUMN]:
            found.file(
                f"has {n} fields, expected {len(header)} as in the header", line=line, value=text
            )
        found.hidden += max(0, len(bad) - _PER_COLUMN)
    if table.num_rows == 0 and not ragged:
        found.file("has a header but no rows")
    return table, exact_lines


def _read_parquet_strings(path: Path, spec: Table, found: _Found) -> pa.Table | None:
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        found.file(f"is not a readable Parquet file ({str(exc).splitlines()[0][:200]})")
        return None
    missing = [c for c in spec.required_columns if c not in table.column_names]
    for col in missing:
        found.file(
            f"required column is missing (columns found: {', '.join(table.column_names)})",
            column=col,
        )
    if missing:
        return None
    if table.num_rows == 0:
        found.file("has no rows")
        return None
    cols = []
    for name in table.column_names:
        col = _parquet_text(table[name], name, found)
        if col is not None:
            cols.append(pc.fill_null(col, ""))
    if found:
        return None
    return pa.table(cols, names=table.column_names)


def _parquet_text(col: pa.ChunkedArray, name: str, found: _Found) -> pa.ChunkedArray | None:
    """A Parquet column as text, or None (and a problem) when its type has no text form.

    Text, numbers, booleans, dates and timestamps are accepted (as are
    dictionary-encoded ones); binary must be UTF-8. Lists, structs, maps and
    other nested types are refused by name instead of failing inside Arrow.
    """
    t = col.type
    if pa.types.is_dictionary(t):
        t = t.value_type
        col = col.cast(t)
    if pa.types.is_timestamp(t) or pa.types.is_date(t):
        try:
            return pc.strftime(col, format="%Y-%m-%d")
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            found.file(f"has dates that cannot be read ({str(exc).splitlines()[0][:120]})", name)
            return None
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return col
    plain = (
        pa.types.is_integer(t)
        or pa.types.is_floating(t)
        or pa.types.is_boolean(t)
        or pa.types.is_decimal(t)
        or pa.types.is_null(t)
    )
    if plain:
        return col.cast(pa.string())
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        try:
            return col.cast(pa.string())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            found.file("holds binary data that is not UTF-8 text", name)
            return None
    found.file(f"has Parquet type {t}, expected text, numbers, booleans or dates", name)
    return None


def strings_from_frame(frame: pd.DataFrame) -> pa.Table:
    """A frame as the all-text Arrow table a CSV file of it would give (missing = "")."""
    cols = {}
    for name in frame.columns:
        s = frame[name]
        if pd.api.types.is_datetime64_any_dtype(s):
            text = s.dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_bool_dtype(s) and not isinstance(s.dtype, pd.BooleanDtype):
            text = s.map({True: "true", False: "false"})
        else:
            text = s.astype("str")
        cols[str(name)] = pa.array(text.fillna("").to_numpy(dtype=object), type=pa.string())
    return pa.table(cols)


# --------------------------------------------------------------------------- parsing types


def _to_float(text: pa.Array, empty: pa.Array, pattern: str) -> tuple[pa.Array, pa.Array]:
    """Numbers from text, and where the text was a number (finite, plain notation).

    The common case (every value valid) takes one cast; only a column with a bad
    value pays for the regular expression that finds which.
    """
    try:
        value = pc.cast(pc.if_else(empty, None, text), pa.float64())
        ok = pc.fill_null(pc.is_finite(value), False)
        if pattern == _INTEGER:
            ok = pc.and_(ok, pc.fill_null(pc.equal(pc.floor(value), value), False))
        return pc.if_else(ok, value, None), ok
    except pa.ArrowInvalid:
        pass
    ok = pc.match_substring_regex(text, pattern)
    return pc.cast(pc.if_else(ok, text, None), pa.float64()), ok


_DATE_LOW = pa.scalar(dt.datetime.combine(DATE_MIN, dt.time()), pa.timestamp("s"))
_DATE_HIGH = pa.scalar(dt.datetime.combine(DATE_MAX, dt.time()), pa.timestamp("s"))


def _in_date_range(values: pa.Array) -> pa.Array:
    """Whether each date (timestamp[s]) lies in `DATE_MIN`..`DATE_MAX`; missing = True."""
    inside = pc.and_(pc.greater_equal(values, _DATE_LOW), pc.less_equal(values, _DATE_HIGH))
    return pc.fill_null(inside, True)


def _unguard(text: pa.Array) -> pa.Array:
    """Text cells with the spreadsheet formula guard removed: ``'=x`` reads as ``=x``.

    `analysis.io.output.guard_formulas` prefixes ``'`` to cells a spreadsheet would
    run as formulas (the ``contracts.csv`` that ``toprated import`` writes); a
    history read back gets the values as they were.
    """
    if not _may_start_with_quote(text):
        return text
    guarded = pc.fill_null(pc.match_substring_regex(text, r"^'[=+\-@\t\r]"), False)
    if not pc.any(guarded).as_py():
        return text
    return pc.if_else(guarded, pc.utf8_slice_codeunits(text, 1), text)


def _may_start_with_quote(text: pa.Array | pa.ChunkedArray) -> bool:
    """Whether some cell may start with ``'`` (the first byte of every non-empty
    cell, read off the Arrow buffers: far cheaper than a regex over every cell).
    True when unsure (a type without plain offsets)."""
    chunks = text.chunks if isinstance(text, pa.ChunkedArray) else [text]
    for chunk in chunks:
        t = chunk.type
        if not (pa.types.is_string(t) or pa.types.is_large_string(t)):
            return True
        if len(chunk) == 0:
            continue
        _, off_buf, data_buf = chunk.buffers()
        if data_buf is None:
            continue
        offsets = np.frombuffer(off_buf, np.int64 if pa.types.is_large_string(t) else np.int32)
        offsets = offsets[chunk.offset : chunk.offset + len(chunk) + 1]
        data = np.frombuffer(data_buf, np.uint8)
        first = offsets[:-1][offsets[1:] > offsets[:-1]]
        if np.any(data[first] == ord("'")):
            return True
    return False


def _is_empty(text: pa.Array) -> pa.Array:
    return pc.equal(pc.binary_length(text), 0)


def _raw_values(col: pa.ChunkedArray, idx: np.ndarray) -> list[str]:
    return [str(v) for v in col.take(pa.array(idx[:_PER_COLUMN])).to_pylist()]


def _parse(table: pa.Table, spec: Table, found: _Found) -> dict[str, pa.Array]:
    """Typed Arrow columns from an all-text table; a bad cell becomes missing + a problem."""
    out: dict[str, pa.Array] = {}
    for name in table.column_names:
        raw = table[name].combine_chunks() if table[name].num_chunks != 1 else table[name].chunk(0)
        col = _spec_column(spec, name)
        if col is None or col.kind in ("text", "choice"):
            out[name] = _unguard(pc.if_else(_is_empty(raw), None, raw))
            continue
        text = pc.ascii_trim_whitespace(raw)
        empty = _is_empty(text)
        if col.kind == "date":
            parsed = pc.strptime(text, format="%Y-%m-%d", unit="s", error_is_null=True)
            # strptime takes 2024-1-5 and rolls 2024-02-30 over to March: insist on the
            # YYYY-MM-DD shape and on the day reading back unchanged
            shaped = pc.match_substring_regex(text, _DATE)  # also keeps the cast below safe
            day = pc.cast(
                pc.utf8_slice_codeunits(pc.if_else(shaped, text, "0000-00-00"), 8, 10),
                pa.int64(),
                safe=False,
            )
            ok = pc.fill_null(pc.and_(shaped, pc.equal(pc.day(parsed), day)), False)
            # a real date the engine cannot represent (9999-12-31): its own message
            far = pc.and_(ok, pc.invert(_in_date_range(parsed)))
            if pc.any(far).as_py():
                idx = np.flatnonzero(far.to_numpy(zero_copy_only=False))
                found.cells(idx, name, _raw_values(raw, idx), DATE_RANGE_EXPECTED)
                ok = pc.and_(ok, pc.invert(far))
                empty = pc.or_(empty, far)  # reported already
            value = pc.if_else(ok, parsed, None)
        elif col.kind in ("number", "integer"):
            value, ok = _to_float(text, empty, _NUMBER if col.kind == "number" else _INTEGER)
            if col.kind == "integer":
                ok = pc.and_(ok, pc.fill_null(pc.less_equal(pc.abs(value), 2.0**53), False))
                value = pc.cast(pc.if_else(ok, value, None), pa.int64())
        else:  # boolean
            lower = pc.utf8_lower(text)
            is_true = pc.is_in(lower, pa.array(TRUE_WORDS))
            ok = pc.or_(is_true, pc.is_in(lower, pa.array(FALSE_WORDS)))
            value = pc.if_else(ok, is_true, None)
        out[name] = value
        bad = pc.and_(pc.invert(empty), pc.invert(ok))
        if pc.any(bad).as_py():
            idx = np.flatnonzero(bad.to_numpy(zero_copy_only=False))
            expected = col.range_expected if col.min is not None else KIND_EXPECTED[col.kind]
            found.cells(idx, name, _raw_values(raw, idx), expected)
    return out


def _spec_column(spec: Table, name: str):
    return next((c for c in spec.columns if c.name == name), None)


def _arrow_types(spec: Table, header: list[str]) -> dict[str, pa.DataType]:
    """Column types for the fast path: Arrow parses and types in one pass."""
    kinds = {
        "date": pa.date32(),
        "number": pa.float64(),
        "integer": pa.int64(),
        "boolean": pa.bool_(),
    }
    # text as large_string: the storage of pandas' "str" dtype, so no cast later
    return {
        h: kinds.get(getattr(_spec_column(spec, h), "kind", "text"), pa.large_string())
        for h in header
    }


def _may_quote_values(path: Path) -> bool:
    """Whether any quote character follows the header line: only then can a value
    hold a newline, which makes Arrow's reader cut the file into blocks the slow
    way (``newlines_in_values``). One ``memchr``-speed scan of the mapped file;
    True (the safe answer) for compressed or unmappable files."""
    if path.name.endswith(".gz"):
        return True
    try:
        with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            line_end = mm.find(b"\n")  # none: a single line, or old Mac "\r" endings
            return line_end < 0 or mm.find(b'"', line_end) >= 0
    except (OSError, ValueError):
        return True


def _read_csv_typed(path: Path, spec: Table, header: list[str]) -> dict[str, pa.Array] | None:
    """Typed columns straight from Arrow's CSV reader, or None when any value needs a look.

    Accepts a strict subset of what the text path accepts (booleans in three
    common casings, non-negative-zero finite numbers), so both paths give the same
    frame; anything unusual falls back to the text path, which also words the
    messages.
    """
    words_true = [w for t in TRUE_WORDS for w in {t, t.upper(), t.capitalize()}]
    words_false = [w for f in FALSE_WORDS for w in {f, f.upper(), f.capitalize()}]
    try:
        table = pcsv.read_csv(
            path,
            read_options=pcsv.ReadOptions(
                use_threads=True,
                block_size=1 << 24,
                # the names as `_sniff` read them, stripped of surrounding spaces
                column_names=header,
                skip_rows=1,
            ),
            parse_options=pcsv.ParseOptions(newlines_in_values=_may_quote_values(path)),
            convert_options=pcsv.ConvertOptions(
                column_types=_arrow_types(spec, header),
                null_values=[""],
                true_values=words_true,
                false_values=words_false,
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, OSError, UnicodeDecodeError):
        return None
    if table.num_rows == 0:
        return None
    out: dict[str, pa.Array] = {}
    for name in table.column_names:
        arr = table[name]
        if pa.types.is_large_string(arr.type):  # text stays in its chunks (no copy)
            out[name] = _unguard(arr)
            continue
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
        if pa.types.is_floating(arr.type) and pc.any(pc.invert(pc.is_finite(arr))).as_py():
            return None
        if pa.types.is_date(arr.type):
            arr = arr.cast(pa.timestamp("s"))
            if not pc.all(_in_date_range(arr)).as_py():
                return None
        if pa.types.is_string(arr.type):
            arr = _unguard(arr)
        out[name] = arr
    return out


#: Categories are always text, even when a column is absent or has no values.
_NO_CATEGORIES = pd.CategoricalDtype(pd.Index([], dtype="str"))


def _categorical(arr: pa.Array | pa.ChunkedArray) -> pd.Series:
    s = arr.dictionary_encode().to_pandas()  # chunks: one dictionary, first appearance
    return s.astype(_NO_CATEGORIES) if len(s.cat.categories) == 0 else s


def _lower_categorical(arr: pa.Array | pa.ChunkedArray) -> pd.Series:
    """`_categorical` of the lower-cased text, lowering only the distinct values:
    the categories in order of first appearance, as ``_categorical(utf8_lower(arr))``."""
    encoded = arr.dictionary_encode()
    if isinstance(encoded, pa.ChunkedArray):  # one dictionary (first appearance kept)
        encoded = encoded.unify_dictionaries()
        dictionary = encoded.chunk(0).dictionary if encoded.num_chunks else pa.array([], "str")
        indices = pa.chunked_array([c.indices for c in encoded.chunks], pa.int32())
    else:
        dictionary, indices = encoded.dictionary, encoded.indices
    lowered = pc.utf8_lower(dictionary).to_numpy(zero_copy_only=False)
    codes, categories = pd.factorize(lowered)  # first appearance in the dictionary
    if len(categories) == 0:
        return pd.Series(pd.Categorical.from_codes(np.full(len(arr), -1), dtype=_NO_CATEGORIES))
    index = pc.fill_null(indices, -1).to_numpy(zero_copy_only=False)
    mapped = np.append(codes, -1)[index]  # -1 (missing) stays -1
    dtype = pd.CategoricalDtype(pd.Index(categories, dtype="str"))
    return pd.Series(pd.Categorical.from_codes(mapped, dtype=dtype))


def _integers(arr: pa.Array | pa.ChunkedArray, dtype: str) -> pd.arrays.IntegerArray:
    """An integer column as a nullable pandas array of `dtype` (e.g. ``Int8``), built
    from the values and the null mask. Values that do not fit `dtype` keep int64,
    so the schema's range check (always inside the dtype) reports them."""
    values = pc.fill_null(arr, 0).to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    mask = np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    kind = np.dtype(dtype.lower())
    info = np.iinfo(kind)
    if len(values) and (values.min() < info.min or values.max() > info.max):
        kind = np.dtype(np.int64)
    return pd.arrays.IntegerArray(values.astype(kind), mask)


def _to_frame(columns: dict[str, pa.Array], spec: Table) -> pd.DataFrame:
    """The pandas frame of typed Arrow columns, with the contract's dtypes and defaults."""
    n = len(next(iter(columns.values())))
    out: dict[str, object] = {}
    for name, arr in columns.items():
        col = _spec_column(spec, name)
        if col is None:
            out[name] = pd.Series(arr.to_pandas(), dtype="str")
        elif col.kind == "choice":
            out[name] = _lower_categorical(arr)
        elif col.pandas_dtype == "category":
            out[name] = _categorical(arr)
        elif col.kind == "text":
            out[name] = pd.Series(arr.to_pandas(), dtype="str")
        elif col.kind == "date":
            out[name] = pd.Series(arr.to_numpy(zero_copy_only=False), dtype="datetime64[s]")
        elif col.kind == "number":
            out[name] = pd.Series(arr.to_numpy(zero_copy_only=False), dtype="float64")
        elif col.kind == "integer":
            out[name] = pd.Series(_integers(arr, col.pandas_dtype))
        elif col.default is not None:  # boolean with a default
            out[name] = pd.Series(
                pc.fill_null(arr, col.default).to_numpy(zero_copy_only=False), dtype="bool"
            )
        else:
            out[name] = pd.Series(arr.to_pandas(types_mapper=pd.ArrowDtype)).astype("boolean")
    for col in spec.columns:  # absent optional columns take the contract's default
        if col.name not in out:
            dtype = _NO_CATEGORIES if col.pandas_dtype == "category" else col.pandas_dtype
            out[col.name] = pd.Series(col.default, index=pd.RangeIndex(n), dtype=dtype)
    order = [c.name for c in spec.columns] + [c for c in columns if _spec_column(spec, c) is None]
    # copy=False: no consolidation of same-typed columns into 2-D blocks (a copy)
    return pd.DataFrame({k: out[k] for k in order}, index=pd.RangeIndex(n), copy=False)


def _surely_unique(columns: dict[str, pa.Array], key: tuple[str, ...]) -> bool:
    """A cheap hash count that settles the usual case: a one-column key with no repeats
    (a key already in strictly increasing order needs no hashing)."""
    if len(key) != 1:
        return False
    col = columns[key[0]]
    if len(col) > 1 and col.null_count == 0:
        try:
            if not pc.any(pc.less_equal(col[1:], col[:-1])).as_py():
                return True
        except pa.ArrowNotImplementedError:  # pragma: no cover - a type without order
            pass
    return len(pc.unique(col)) == len(col)


def _schema_holds(columns: dict[str, pa.Array], spec: Table) -> bool:
    """Whether the typed columns surely keep every rule of the table's pandera schema
    (`analysis.io.schema.pandera_schema`: missing values, choices, ranges, limits,
    finite numbers, Mondays, ``end_date >= start_date``), checked on the Arrow
    arrays with whole-column reductions (min/max, counts) instead of pandera's
    copies of the frame.

    The fast path's verdict only: True means the schema would report nothing;
    False (including "not sure") sends the file down the text path, where the
    pandera schema itself words every message.
    """
    for col in spec.columns:
        arr = columns.get(col.name)
        if arr is None:
            if not col.nullable and col.default is None:
                return False
            continue
        if col.kind == "boolean":
            if col.default is None and not col.nullable and arr.null_count:
                return False
            continue  # a boolean with a default is filled with it
        monday = col.name in spec.monday_columns
        if (not col.nullable or monday) and arr.null_count:
            return False
        if len(arr) == arr.null_count:
            continue
        if monday:
            if not pc.all(pc.equal(pc.day_of_week(arr), 0)).as_py():
                return False
            continue  # the Monday column's only check
        if col.choices:
            values = pc.utf8_lower(arr) if col.kind == "choice" else arr
            inside = pc.is_in(values, value_set=pa.array(col.choices, values.type))
            if pc.sum(inside).as_py() != len(arr) - arr.null_count:
                return False
        if col.kind in ("number", "integer"):
            if col.kind == "number" and pc.any(pc.is_nan(arr)).as_py():
                return False
            low, high = (v.as_py() for v in pc.min_max(arr).values())
            if col.kind == "number" and not (np.isfinite(low) and np.isfinite(high)):
                return False
            if col.min is not None and low < col.min:
                return False
            if col.max is not None and high > col.max:
                return False
            if col.limit is not None and (high > col.limit or low < -col.limit):
                return False
    ends = columns.get("end_date") if spec.name == "contracts" else None
    return ends is None or not pc.any(pc.less(ends, columns["start_date"])).as_py()


def _keys_unique(frame: pd.DataFrame, spec: Table, unique: Future | None) -> bool:
    """No key repeats (`_surely_unique`'s verdict when it has one, else pandas)."""
    if not spec.key:
        return True
    if unique is not None and unique.result():
        return True
    return not frame.duplicated(list(spec.key)).any()


def _check_schema(
    frame: pd.DataFrame,
    spec: Table,
    typed: dict[str, pa.Array],
    raw: pa.Table | None,
    found: _Found,
    bad_cells: dict[str, np.ndarray],
    unique: Future | None = None,
) -> None:
    """Ranges, required values and cross-column rules (pandera), then duplicate keys.

    ``unique``, when given, is the already-started `_surely_unique` of the key
    (the fast path runs it on the second core while this checks ranges).

    ``raw`` (the text as read) words the messages; without it (the fast path) the
    problems only signal that the text path must run.
    """

    def values(column: str, idx: np.ndarray) -> list[str]:
        return ["?"] * min(len(idx), _PER_COLUMN) if raw is None else _raw_values(raw[column], idx)

    try:
        SCHEMAS[spec.name].validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as err:
        fc = err.failure_cases
        wide = fc["check"] == END_BEFORE_START
        if wide.any():
            idx = np.unique(fc.loc[wide, "index"].dropna().astype(np.int64).to_numpy())
            idx = idx[~np.isin(idx, bad_cells.get("end_date", []))]
            ends = values("end_date", idx)
            starts = values("start_date", idx)
            for k, i in enumerate(idx[:_PER_COLUMN]):
                found.rows.append(
                    (int(i), "end_date", ends[k], f"{END_BEFORE_START} {starts[k]!r}")
                )
            found.hidden += max(0, len(idx) - _PER_COLUMN)
        for (column, check), group in fc[~wide].groupby(
            ["column", "check"], dropna=False, sort=False
        ):
            idx = group["index"].dropna().astype(np.int64).to_numpy()
            if column is None or pd.isna(column):
                found.file(str(check))
                continue
            idx = idx[~np.isin(idx, bad_cells.get(column, []))]
            if not len(idx):
                continue
            if check == "not_nullable":
                found.cells(idx, column, None, "is empty, but a value is required")
            else:
                found.cells(idx, column, values(column, idx), str(check))
    surely_unique = (
        unique.result()
        if unique is not None
        else (bool(spec.key) and _surely_unique(typed, spec.key))
    )
    if spec.key and not surely_unique:
        key = list(spec.key)
        dup = frame.duplicated(key, keep=False).to_numpy()
        if dup.any():
            idx = np.flatnonzero(dup)
            sub = frame.iloc[idx][key]
            first = (
                pd.Series(idx, index=sub.index)
                .groupby([sub[k] for k in key], sort=False, observed=True)
                .transform("min")
                .to_numpy()
            )
            later = idx != first
            column = ", ".join(key)
            values = [
                ", ".join(str(v) for v in row)
                for row in sub[later].astype(str).itertuples(index=False)
            ][:_PER_COLUMN]
            # name both lines: the first occurrence's line is resolved with the rest
            for k, (i, j) in enumerate(
                zip(idx[later][:_PER_COLUMN], first[later][:_PER_COLUMN], strict=True)
            ):
                found.rows.append((int(i), column, values[k], f"repeats line @{int(j)}"))
            found.hidden += max(0, int(later.sum()) - _PER_COLUMN)


# --------------------------------------------------------------------------- public API


def _finish(found: _Found, line_of: Callable[[np.ndarray], np.ndarray]) -> list[Problem]:
    """Resolve row indices (including the '@row' references of duplicates) to lines."""
    refs = [int(e.split("@")[1]) for _, _, _, e in found.rows if "@" in e]
    ref_lines = (
        dict(zip(refs, line_of(np.array(refs, dtype=np.int64)), strict=True)) if refs else {}
    )
    found.rows = [
        (r, c, v, e.split("@")[0] + str(int(ref_lines[int(e.split("@")[1])])) if "@" in e else e)
        for r, c, v, e in found.rows
    ]
    return found.problems(line_of)


def _bad_rows(found: _Found) -> dict[str, np.ndarray]:
    """Rows already reported per column, so a range check does not report them twice.

    Includes the rows beyond the listed ones (counted in ``found.hidden``).
    """
    rows: dict[str, list[np.ndarray]] = {c: list(v) for c, v in found.flagged.items()}
    for r, col, _, _ in found.rows:
        rows.setdefault(col, []).append(np.array([r], dtype=np.int64))
    return {c: np.unique(np.concatenate(v)) for c, v in rows.items()}


def read_table(
    path: Path, table: str, label: str | None = None
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read and check one file of the contract; returns the frame or the problems.

    CSV files first try the fast path (Arrow types the columns while reading); a
    file with anything to report, or anything unusual, is read again as text so
    every message can quote the value as written.
    """
    if path.is_dir():  # a Parquet dataset's table: a folder of part files
        return read_table_parts(path, table)
    spec = TABLES[table]
    label = label or path.name
    if path.name.endswith(".parquet"):
        found = _Found(label, "row")
        raw = _read_parquet_strings(path, spec, found)
        line_of = lambda idx: idx + 1  # noqa: E731
    else:
        found = _Found(label)
        header = _sniff(path, found)
        if header is not None and not found and all(c in header for c in spec.required_columns):
            typed = _read_csv_typed(path, spec, header)
            if typed is not None:
                # the schema's reductions and the key's hash count (Arrow, no GIL)
                # overlap the pandas conversion
                with ThreadPoolExecutor(max_workers=1) as pool:
                    holds = pool.submit(_schema_holds, typed, spec)
                    unique = pool.submit(_surely_unique, typed, spec.key) if spec.key else None
                    frame = _to_frame(typed, spec)
                    ok = holds.result() and _keys_unique(frame, spec, unique)
                if ok:
                    return frame, []
        raw, line_of = _read_csv_strings(path, spec, header, found)
    if raw is None or (found and raw.num_rows == 0):
        return None, _finish(found, line_of)
    typed = _parse(raw, spec, found)
    frame = _to_frame(typed, spec)
    _check_schema(frame, spec, typed, raw, found, _bad_rows(found))
    if found:
        return None, _finish(found, line_of)
    return frame, []


def _not_regular(path: Path) -> str | None:
    """Why ``path`` (which exists as a name) cannot be read as a file, or None if it can."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:  # a symlink loop, a dangling link, no permission
        if path.is_symlink():
            return f"is a symbolic link that cannot be followed ({exc.strerror or exc})"
        return f"could not be read ({exc.strerror or exc})"
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    if not stat.S_ISREG(mode):
        return "is not a regular file (a FIFO, device or socket)"
    if not os.access(path, os.R_OK):
        return "could not be read (permission denied)"
    return None


def _locate(folder: Path, table: str, problems: list[Problem]) -> Path | None:
    for suffix in SUFFIXES:
        candidate = folder / f"{table}{suffix}"
        if os.path.lexists(candidate) and (why := _not_regular(candidate)):
            problems.append(Problem(candidate.name, None, None, None, why))
            return None
    hits = [folder / f"{table}{s}" for s in SUFFIXES if (folder / f"{table}{s}").is_file()]
    if (folder / table).is_dir() and any((folder / table).glob("*.parquet")):
        hits.append(folder / table)  # a Parquet dataset (`toprated convert`)
    if len(hits) > 1:
        problems.append(
            Problem(
                hits[0].name,
                None,
                None,
                None,
                f"is given more than once ({', '.join(h.name for h in hits)}); keep one",
            )
        )
        return None
    return hits[0] if hits else None


def read_history(path: str | Path) -> History:
    """Load and validate a history folder (or a single contracts file).

    Raises `InputError` with every problem found across all files; returns a
    `History` only when the whole input keeps the contract.
    """
    path = Path(path)
    problems: list[Problem] = []
    files: dict[str, Path] = {}
    if os.path.lexists(path) and not path.is_dir() and (why := _not_regular(path)):
        problems.append(Problem(str(path), None, None, None, why))
    elif path.is_file():
        files["contracts"] = path
    elif path.is_dir():
        for table in TABLE_ORDER:
            hit = _locate(path, table, problems)
            if hit is not None:
                files[table] = hit
        if "contracts" not in files and not problems:
            found = sorted(p.name for p in path.iterdir())
            problems.append(
                Problem(
                    "contracts.csv",
                    None,
                    None,
                    None,
                    f"is missing from {path} (files found: "
                    f"{', '.join(found) if found else 'none'})",
                )
            )
    else:
        problems.append(Problem(str(path), None, None, None, "does not exist"))
    frames: dict[str, pd.DataFrame] = {}
    for table, file in files.items():
        frame, found = read_table(file, table)
        problems += found
        if frame is not None:
            frames[table] = frame
    if not problems and "payments" in frames:
        problems += unknown_contracts(frames["payments"], frames["contracts"], files["payments"])
    if problems:
        raise InputError(problems)
    return History(**frames, source=str(path), files={t: files[t].name for t in frames})


def unknown_contracts(payments: pd.DataFrame, contracts: pd.DataFrame, file: Path) -> list[Problem]:
    """Payments must belong to a contract of the history (same freelancer and id):
    money for a contract the history does not have would count as earnings for
    nothing the JSS can see."""
    key = ["freelancer_id", "contract_id"]
    known = pd.MultiIndex.from_frame(contracts[key].astype(str))
    given = pd.MultiIndex.from_frame(payments[key].astype(str))
    bad = np.flatnonzero(~given.isin(known))
    if not len(bad):
        return []
    if file.is_dir():
        label, line_of = f"{file.name}/", lambda idx: idx + 1
        line_label = "row"
    elif file.name.endswith(".parquet"):
        label, line_of, line_label = file.name, lambda idx: idx + 1, "row"
    else:
        label, line_label = file.name, "line"
        starts, _ = _record_lines(file, len(_sniff(file, _Found(file.name)) or []))
        line_of = lambda idx: starts[idx]  # noqa: E731
    lines = line_of(bad[:_PER_COLUMN])
    out = [
        Problem(
            label,
            int(line),
            "contract_id",
            str(payments["contract_id"].iloc[i]),
            f"is not a contract of freelancer {payments['freelancer_id'].iloc[i]!r} in the contracts file",
            line_label,
        )
        for line, i in zip(lines, bad[:_PER_COLUMN], strict=True)
    ]
    if len(bad) > _PER_COLUMN:
        out.append(
            Problem(label, None, None, None, f"{len(bad) - _PER_COLUMN} more payments like these")
        )
    return out


def history_from_frames(
    contracts: pd.DataFrame,
    payments: pd.DataFrame | None = None,
    activity: pd.DataFrame | None = None,
    freelancers: pd.DataFrame | None = None,
    account_events: pd.DataFrame | None = None,
    source: str = "<memory>",
) -> History:
    """Build a History from frames, coercing and checking them like files on disk.

    Values may be given as text (``"2024-01-31"``, ``"yes"``) or already typed.
    Bad values raise `analysis.io.errors.InputError`, naming ``contracts`` etc. as
    the file and the row's position + 2 as the line (as if written to CSV).
    """
    frames = {
        "contracts": contracts,
        "payments": payments,
        "activity": activity,
        "freelancers": freelancers,
        "account_events": account_events,
    }
    problems: list[Problem] = []
    typed: dict[str, pd.DataFrame] = {}
    for table in TABLE_ORDER:
        frame = frames.get(table)
        if frame is None:
            continue
        spec = TABLES[table]
        found = _Found(spec.filename)
        missing = [c for c in spec.required_columns if c not in frame.columns]
        for col in missing:
            found.file(
                f"required column is missing (columns found: {', '.join(map(str, frame.columns))})",
                column=col,
            )
        if not missing:
            if len(frame) == 0:
                found.file("has a header but no rows")
            else:
                raw = strings_from_frame(frame.reset_index(drop=True))
                columns = _parse(raw, spec, found)
                typed_frame = _to_frame(columns, spec)
                _check_schema(typed_frame, spec, columns, raw, found, _bad_rows(found))
                if not found:
                    typed[table] = typed_frame
        problems += _finish(found, lambda idx: idx + 2)
    if "contracts" not in typed and not problems:
        problems.append(Problem("contracts.csv", None, None, None, "is required"))
    if problems:
        raise InputError(problems)
    return History(**typed, source=source)


# --------------------------------------------------------------------------- Parquet datasets
# A table given as a folder of part files (written by `analysis.io.dataset.write_dataset`).

_ARROW_KINDS = {
    "date": pa.timestamp("s"),
    "number": pa.float64(),
    "integer": pa.int64(),
    "boolean": pa.bool_(),
}


def _typed_columns(table: pa.Table, spec) -> dict[str, pa.Array] | None:
    """A part's columns as the loader's typed Arrow arrays, or None if anything is unusual."""

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
            empty = pc.equal(pc.binary_length(arr), 0)
            if pc.any(empty).as_py():  # empty text is missing (a copy only when there is some)
                arr = pc.if_else(empty, None, arr)
        elif kind == "date":
            if not pa.types.is_date32(t):
                return None
            arr = arr.cast(pa.timestamp("s"))
            if not pc.all(_in_date_range(arr)).as_py():
                return None
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


def read_part(
    path: str | Path, table: str, label: str | None = None, use_threads: bool = True
) -> pd.DataFrame:
    """One part file of a table as a typed, checked frame (rows allowed to be none).

    Parts written by `write_dataset` are typed already, so they are read straight
    and checked with the contract's schema; anything else (or anything to report)
    goes through `analysis.io.load.read_table`, whose messages name the part file and
    row. Raises `InputError`.
    """

    path = Path(path)
    spec = TABLES[table]
    label = label or f"{path.parent.name}/{path.name}"
    try:
        raw = pq.read_table(path, use_threads=use_threads)
    except (pa.ArrowException, OSError):
        raw = None
    if raw is not None and all(c in raw.column_names for c in spec.required_columns):
        typed = _typed_columns(raw, spec)
        if typed is not None:
            frame = _to_frame(typed, spec)
            unique = Future()
            unique.set_result(bool(spec.key) and _surely_unique(typed, spec.key))
            if _schema_holds(typed, spec) and _keys_unique(frame, spec, unique):
                return frame
    frame, problems = read_table(path, table, label)
    if problems:
        raise InputError(problems)
    return frame


def _empty_table(table: str) -> pd.DataFrame:
    """A frame with no rows, typed exactly as the loader types the table."""

    spec = TABLES[table]
    cols = {
        c.name: pa.array([], type=_ARROW_KINDS.get(c.kind, pa.string()))
        for c in spec.columns
        if c.required
    }
    return _to_frame(cols, spec)


def read_partition(
    path: str | Path, part: str, tables: list[str] | None = None, use_threads: bool = True
) -> History:
    """Part `part` (a file name) of every table of a dataset, as a History
    (`use_threads=False`: each file decoded on the calling thread only, for a
    reader that runs beside a computation already using the cores)."""
    path = Path(path)
    if tables is None:
        tables = [t for t in TABLE_ORDER if (path / t).is_dir()]
    frames = {}
    for t in tables:
        file = path / t / part
        frames[t] = (
            read_part(file, t, use_threads=use_threads) if file.is_file() else _empty_table(t)
        )
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
    """A table given as a folder of part files (`analysis.io.load.read_table` calls this).

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
