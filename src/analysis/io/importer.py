"""Import a freelancer's real Upwork money exports into a history folder.

Upwork lets a freelancer download their money records. This module turns one or
several such exports into the two tables of the data contract
(`../shared/spec/data-contract.md`, "Real exports"): ``payments.csv`` (the money
ledger) and ``contracts.csv`` (one row per contract, rating columns left empty for
the freelancer to fill in), and merges them into a history already in the folder.

Formats, recognised by their column names
    Column names are compared after folding case, spacing and punctuation
    (``Amount $`` = ``amount``), in any order; columns the import does not read
    may be renamed, added or missing. The import reads:

    - ``transaction-history`` (the classic 13-column statement): ``Date``,
      ``Type``, ``Description``, ``Amount`` (required), ``Ref ID``,
      ``Freelancer``, ``Team`` (optional);
    - ``transaction-report`` (the 19-column current download): ``Date``,
      ``Transaction type``, ``Amount $`` (required), ``Transaction ID``, ``Ref
      ID``, ``Transaction summary``, ``Transaction summary details``,
      ``Description 1..3``, ``Freelancer``, ``Client team`` (optional);
    - ``earnings-by-contract``: ``Date``, ``Contract``, ``Amount``, ``Payment
      type`` (required), ``Hours`` (optional).

    A header that fits none is refused with, for each format, the columns it
    needs and which of them are missing. A row that repeats a header starts a new
    export (two statements pasted into one file are read as two).

Which rows are earnings
    ``Hourly``; ``Fixed Price``, ``Fixed-price``, ``Fixed Price Payment``,
    ``Milestone``; ``Bonus``; ``Refund`` and ``Refund to client`` (money returned
    to the client, recorded negative whatever sign the file gives it); in
    earnings-by-contract an empty ``Payment type`` is hourly. Every other row
    (service fees and their refunds, withdrawals and their fees, VAT/GST,
    membership fees, Connects, ``Payment``, unknown types) is not an earning and is
    counted by its type as written in `ImportResult.skipped`; no row is dropped
    silently: ``rows_read == earning rows + duplicates + sum(skipped.values())``.

Files as people hold them
    UTF-8 (with or without BOM), UTF-16 or Windows-1252 text; separators ``,``,
    ``;``, tab or ``|`` (found from the header); ``.xlsx`` workbooks are read
    directly (the first sheet with a known header). Amounts are US dollars with at
    most two decimals, signs before or after, ``$``/``USD``, thousands separators,
    accounting negatives ``(12.00)``; a decimal comma (``1.234,50``) is detected
    per file from values that settle it (a comma followed by one or two digits),
    or from a ``;`` separator when no value does. Dates may read ``Jun 7, 2024``,
    ``June 7 2024``, ``7 Jun 2024``, ``28-Feb-20``, ISO ``2024-06-07`` (a time
    part is ignored), or numeric ``2/28/2020``, ``28/02/2020``, ``28.02.2020``,
    ``28-02-20``. The day/month order of numeric dates is decided per file from
    the values that settle it (a first number above 12 means day first, a second
    one above 12 month first); when none does, the import refuses and names the
    options ``--day-first`` / ``--month-first``. It never guesses.

Contracts
    An id in parentheses (five or more digits) in the description, or at the end
    of ``Contract``, names the contract. Transaction History rows without one are
    grouped: hourly rows by freelancer, client (``Team``), hourly rate (``@
    $30.00/hr``) and contract title where the row has one; fixed-price rows by
    freelancer, client and title; a bonus or refund without a contract id goes to
    that client's contract of the same title, else the one whose payments span its
    date (else the latest before it, else the first), and only without any contract
    of that client to one of its own. The freelancer's username after an hourly
    rate (``/hr (ana_l)``) and ``Ref ID 123`` are never titles. Derived ids are
    ``t-<slug>-<8 hex of SHA-1>`` (`derived_contract_id`), stable across imports.
    The client is ``Team`` / ``Client team`` when given, else each contract is its
    own client (``client_id = contract_id``). The freelancer is the ``Freelancer``
    value when given, else the ``freelancer_id`` argument (default ``me``); with
    an agency statement, ``freelancer_id`` naming one of its freelancers keeps only
    that freelancer's rows. ``start_date``/``end_date`` are the first/last
    payment, ``earnings_usd`` their exact sum (negative totals are refused),
    ``hours`` the hours billed, ``contract_type`` hourly if any row is.

Several exports, and folders that already hold a history (`write_import`)
    A transaction in two exports (or twice in a pasted file) counts once: matched
    by ``Ref ID`` / ``Transaction ID`` where the format has one, else by the whole
    row (date, amount, type, contract, hours), as a multiset (two equal payments
    in one export stay two). Importing into a folder with ``payments.csv`` and
    ``contracts.csv`` merges: payments already there are kept, new ones added,
    contracts recomputed from the merged payments, and everything the freelancer
    typed into ``contracts.csv`` (ratings, scores, disputed/flagged, category,
    client ids, titles, a cleared or edited start/end date, extra columns) is kept.
    Changed files are first copied to ``DIR/.backup-<UTC timestamp>/``; an import
    that changes nothing writes nothing (same bytes).

Bad input raises `analysis.io.errors.InputError` with one `Problem` per problem,
located as an editor shows it (header = line 1; ``row`` in a workbook).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.io.errors import InputError, Problem
from analysis.io.output import guard_formulas, unguard_formulas

# --------------------------------------------------------------------------- formats


@dataclass(frozen=True)
class ExportFormat:
    """One Upwork export: the columns it is read by, per role, and its earning types."""

    name: str
    label: str
    #: role -> accepted column names (the first is the one messages use)
    columns: Mapping[str, tuple[str, ...]]
    required: tuple[str, ...]
    #: folded type text -> earnings kind (hourly, fixed, bonus, refund)
    kinds: Mapping[str, str]


_EARNING_TYPES = {
    "hourly": "hourly",
    "fixed price": "fixed",
    "fixed price payment": "fixed",
    "milestone": "fixed",
    "bonus": "bonus",
    "refund": "refund",
    "refund to client": "refund",
    # spellings seen in other downloads of the same reports
    "hourly payment": "hourly",
    "fixed price milestone": "fixed",
    "milestone payment": "fixed",
    "bonus payment": "bonus",
}

FORMATS: Mapping[str, ExportFormat] = {
    "transaction-history": ExportFormat(
        "transaction-history",
        "Transaction History",
        {
            "date": ("Date",),
            "ref": ("Ref ID", "RefID", "Reference ID"),
            "type": ("Type",),
            "description": ("Description",),
            "freelancer": ("Freelancer",),
            "team": ("Team", "Client team"),
            "amount": ("Amount", "Amount USD"),
        },
        ("date", "type", "description", "amount"),
        _EARNING_TYPES,
    ),
    "transaction-report": ExportFormat(
        "transaction-report",
        "transaction report",
        {
            "date": ("Date",),
            "ref": ("Transaction ID",),
            "ref2": ("Ref ID", "RefID"),
            "type": ("Transaction type",),
            "summary": ("Transaction summary",),
            "details": ("Transaction summary details",),
            "description": ("Description 1", "Description"),
            "description2": ("Description 2",),
            "description3": ("Description 3",),
            "freelancer": ("Freelancer",),
            "team": ("Client team", "Team"),
            "amount": ("Amount $", "Amount USD"),
        },
        ("date", "type", "amount"),
        _EARNING_TYPES,
    ),
    "earnings-by-contract": ExportFormat(
        "earnings-by-contract",
        "earnings by contract",
        {
            "date": ("Date",),
            "contract": ("Contract",),
            "hours": ("Hours",),
            "amount": ("Amount", "Amount USD"),
            "type": ("Payment type",),
        },
        ("date", "contract", "amount", "type"),
        {**_EARNING_TYPES, "": "hourly"},
    ),
}

#: The columns of the contract's ``payments.csv``, then what merging needs:
#: ``kind`` (hourly, fixed, bonus, refund), ``hours`` billed, ``ref`` (the export's id).
PAYMENT_COLUMNS = [
    "freelancer_id",
    "contract_id",
    "paid_date",
    "amount_usd",
    "kind",
    "hours",
    "ref",
]
CONTRACT_COLUMNS = [
    "freelancer_id", "contract_id", "client_id", "start_date", "end_date", "earnings_usd",
    "public_rating", "private_score", "disputed", "client_flagged", "category",
    "contract_type", "hours", "title",
]  # fmt: skip
#: Columns of an existing contracts.csv that are the freelancer's to edit: kept on merge.
TYPED_COLUMNS = (
    "client_id", "public_rating", "private_score", "disputed", "client_flagged", "category",
    "contract_type", "title",
)  # fmt: skip
#: The text columns of the files ``import`` writes: cells a spreadsheet would run as
#: formulas get a leading ``'`` there (`analysis.io.output.guard_formulas`), which the
#: loader and the merge remove on reading.
IMPORT_TEXT = (
    "freelancer_id", "contract_id", "client_id", "category", "contract_type", "title", "kind",
    "ref",
)  # fmt: skip

_DAY = r"\d{1,2}/\d{1,2}/\d{4}"
_PERIOD_RE = re.compile(rf"(?P<start>{_DAY})\s*-\s*(?P<end>{_DAY})")
_HOURS_RE = re.compile(
    r"(?:(?P<h>\d+):(?P<m>[0-5]\d)|(?P<dec>\d+(?:\.\d+)?))\s*hrs?\b", re.IGNORECASE
)
_RATE_RE = re.compile(r"@\s*(?:US)?\$?\s*(?P<rate>\d[\d,]*(?:\.\d+)?|\.\d+)\s*/\s*hr\b", re.I)
_ID_IN_TEXT_RE = re.compile(r".*\((?P<id>\d{5,})\)", re.DOTALL)
_CONTRACT_ID_RE = re.compile(r"\bcontract\s*(?:id|#|no\.?)?\s*[:#]?\s*(?P<id>\d{5,})\b", re.I)
_TITLE_AND_ID_RE = re.compile(r"^(?P<title>.*?)\s*\((?P<id>\d+)\)\s*$", re.DOTALL)
#: Pieces of a description that are not the contract title.
_NOT_TITLE = [
    r"\(\d{5,}\)",
    r"\bref(?:erence)?\.?\s*id\b[\s:#]*\d+",
    r"\bcontract\s*(?:id|#|no\.?)?\s*[:#]?\s*\d{5,}\b",
    rf"invoice\s+for\s+{_DAY}\s*-\s*{_DAY}",
    rf"{_DAY}\s*-\s*{_DAY}",
    # hours, rate and the freelancer's username after it: "10:00 hrs @ $30.00/hr (ana_l)"
    r"\d+(?::\d{2}|\.\d+)?\s*hrs?\b(?:\s*@\s*(?:US)?\$?\s*[\d,]*(?:\.\d*)?\s*/\s*hr\b"
    r"(?:\s*\([^()]*\))?)?",
]
_LABEL_RE = (
    r"^(?:invoice\s+for|fixed[\s-]*price(?:\s+payment)?|milestone(?:\s+\d+)?|bonus"
    r"|refund(?:\s+to\s+client)?(?:\s+for)?|payment(?:\s+for)?|hourly)\b"
)
_SEPARATORS = r"[\s\-\u2013\u2014:|]"


def column_key(name: str) -> str:
    """A column name folded for matching: case, spacing and punctuation ignored."""
    text = unicodedata.normalize("NFKC", str(name)).replace("\ufeff", "").casefold()
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


def _type_key(text: str) -> str:
    return column_key(text)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, eq=False)
class ImportResult:
    """What one or several exports hold, ready to be written (`write_import`).

    ``payments`` has `PAYMENT_COLUMNS`, sorted by ``paid_date``, ``freelancer_id``,
    ``contract_id``, then file order; ``contracts`` has `CONTRACT_COLUMNS`, one
    row per contract sorted by ``contract_id``. ``skipped`` counts the rows that
    are not earnings by their type as written (``"(empty)"`` for none).
    ``rows_read`` counts data rows (headers, repeated headers and blank lines
    excluded); ``duplicates`` the earning rows dropped because another export (or
    an earlier part of a pasted file) holds the same transaction. ``earnings`` is
    the detail behind ``payments`` (``source``, ``line``, ``kind``, ``hours``,
    ``rate_cents``, the hourly invoice's ``period_start``/``period_end``,
    ``title``, ``client_id``, ``grouped``), for checking by eye. ``notes`` say how
    each file was read (separator, decimal comma, date order) and which
    assumptions were applied.
    """

    format: str
    payments: pd.DataFrame
    contracts: pd.DataFrame
    skipped: dict[str, int]
    rows_read: int
    earnings: pd.DataFrame = field(repr=False)
    source: str = ""
    duplicates: int = 0
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Parsed:
    """One file's earning rows (before contracts are formed) and what else it held."""

    name: str
    formats: tuple[str, ...]
    earnings: pd.DataFrame
    skipped: dict[str, int]
    rows_read: int
    sections: int
    notes: tuple[str, ...]


# --------------------------------------------------------------------------- entry points


def read_export(
    path: str | os.PathLike[str], freelancer_id: str | None = None, date_order: str | None = None
) -> ImportResult:
    """Read one Upwork money export (any known format) into a history's tables.

    ``freelancer_id`` names the freelancer where the export has no ``Freelancer``
    value (default ``me``), or selects one freelancer of an agency statement.
    ``date_order`` is ``"day"`` or ``"month"`` for files whose numeric dates do
    not settle it (the CLI's ``--day-first`` / ``--month-first``).
    """
    return read_exports([path], freelancer_id=freelancer_id, date_order=date_order)


def read_exports(
    paths: Sequence[str | os.PathLike[str]],
    freelancer_id: str | None = None,
    date_order: str | None = None,
) -> ImportResult:
    """Read several exports into one history: a transaction in two of them counts once."""
    sources = []
    for p in paths:
        path = Path(p)
        try:
            sources.append((path.read_bytes(), path.name))
        except OSError as exc:
            reason = exc.strerror or exc.__class__.__name__
            raise InputError([_whole_file(path.name, f"cannot be read ({reason})")]) from None
    return combine_exports(sources, freelancer_id=freelancer_id, date_order=date_order)


def parse_export(
    data: bytes | str,
    name: str = "<export>",
    freelancer_id: str | None = None,
    date_order: str | None = None,
) -> ImportResult:
    """`read_export` on an export's content; ``name`` is the file name used in problems."""
    return combine_exports([(data, name)], freelancer_id=freelancer_id, date_order=date_order)


def combine_exports(
    sources: Sequence[tuple[bytes | str, str]],
    freelancer_id: str | None = None,
    date_order: str | None = None,
) -> ImportResult:
    """Exports' contents (data, name) -> one `ImportResult`; every file's problems together."""
    if date_order not in (None, "day", "month"):
        raise ValueError(f"date_order must be 'day', 'month' or None, not {date_order!r}")
    parsed: list[_Parsed] = []
    problems: list[Problem] = []
    for data, name in sources:
        try:
            parsed.append(_parse_file(data, name, freelancer_id, date_order))
        except InputError as err:
            problems += err.problems
    if problems:
        raise InputError(problems)
    earnings = pd.concat([p.earnings for p in parsed], ignore_index=True)
    earnings, duplicates = _drop_duplicates(earnings)
    earnings, notes = _assign_contracts(earnings)
    contracts, problems = _contracts(earnings)
    if problems:
        raise InputError(problems)
    earnings = earnings.sort_values(
        ["paid_date", "freelancer_id", "contract_id", "order"], kind="mergesort", ignore_index=True
    )
    payments = pd.DataFrame(
        {
            "freelancer_id": earnings["freelancer_id"].astype("str"),
            "contract_id": earnings["contract_id"].astype("str"),
            "paid_date": earnings["paid_date"],
            "amount_usd": earnings["cents"].astype("int64") / 100,
            "kind": earnings["kind"].astype("str"),
            "hours": earnings["hours"].astype("float64"),
            "ref": earnings["ref"].astype("str"),
        }
    )
    skipped: dict[str, int] = {}
    for p in parsed:
        for kind, n in p.skipped.items():
            skipped[kind] = skipped.get(kind, 0) + n
    formats = sorted({f for p in parsed for f in p.formats})
    all_notes = [n for p in parsed for n in p.notes] + notes + _overlap_notes(earnings)
    return ImportResult(
        format=", ".join(formats),
        payments=payments,
        contracts=contracts,
        skipped=dict(sorted(skipped.items())),
        rows_read=sum(p.rows_read for p in parsed),
        earnings=earnings.drop(columns=["cents", "order", "key"]).assign(
            amount_usd=payments["amount_usd"]
        ),
        source=", ".join(p.name for p in parsed),
        duplicates=duplicates,
        notes=tuple(all_notes),
    )


def _overlap_notes(earnings: pd.DataFrame) -> list[str]:
    """A warning when exports of different formats cover the same dates: rows of
    different formats cannot be matched, so the same payment would count twice."""
    spans = earnings.groupby("format")["paid_date"].agg(["min", "max"]).sort_index()
    notes = []
    for i, a in enumerate(spans.index):
        for b in spans.index[i + 1 :]:
            lo = max(spans.at[a, "min"], spans.at[b, "min"])
            hi = min(spans.at[a, "max"], spans.at[b, "max"])
            if lo <= hi:
                notes.append(
                    f"WARNING: {a} and {b} exports both cover {lo.date()} to {hi.date()}; "
                    "payments cannot be matched across formats, so a payment in both counts "
                    "twice: import one kind of export per period"
                )
    return notes


# --------------------------------------------------------------------------- reading files


def _whole_file(name: str, expected: str) -> Problem:
    """A problem about a whole file (no line, column or value)."""
    return Problem(name, None, None, None, expected)


_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SEPARATOR_NAMES = {",": "','", ";": "';'", "\t": "tab", "|": "'|'"}


@dataclass(frozen=True)
class _Rows:
    """A file's rows as cells, each with the line (or workbook row) it starts on."""

    rows: list[tuple[int, list[str]]]
    separator: str | None  # None for a workbook
    line_label: str = "line"
    problems: tuple[Problem, ...] = ()


def _read_rows(data: bytes | str, name: str) -> _Rows:
    if isinstance(data, bytes):
        if data.startswith(_XLSX_MAGIC):
            return _xlsx_rows(data, name)
        if data.startswith(_XLS_MAGIC):
            xls = (
                "is an Excel 97-2003 workbook (.xls), which the import does not read; "
                "open it and save it as .xlsx or CSV"
            )
            raise InputError([_whole_file(name, xls)])
    text = _decode(data, name)
    return _csv_rows(text, name)


def _decode(data: bytes | str, name: str) -> str:
    """The file as text: UTF-8 (BOM or not), UTF-16 with a BOM, else Windows-1252."""
    if isinstance(data, str):
        text = data.removeprefix("\ufeff")
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError([_whole_file(name, "is not valid UTF-16 text")]) from None
    elif b"\x00" in data:
        binary = (
            "is not a text file (it holds NUL bytes) and not an Excel workbook; "
            "expected a CSV export from Upwork or an .xlsx workbook"
        )
        raise InputError([_whole_file(name, binary)])
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            # a spreadsheet's "CSV" on Windows is saved in the ANSI code page
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError as exc:
                line = data[: exc.start].count(b"\n") + 1
                not_text = (
                    f"is not UTF-8 or Windows-1252 text (byte 0x{data[exc.start]:02x}); "
                    "expected a CSV export from Upwork"
                )
                raise InputError([Problem(name, line, None, None, not_text)]) from None
    if not text.strip():
        empty = "is empty; expected a CSV export from Upwork with its header line"
        raise InputError([_whole_file(name, empty)])
    return text


def _csv_rows(text: str, name: str) -> _Rows:
    separator = _find_separator(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, skipinitialspace=True)
    rows: list[tuple[int, list[str]]] = []
    problems: list[Problem] = []
    previous_end = 0
    while True:
        start = previous_end + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Problem(name, start, None, None, f"cannot be read as CSV ({exc})"))
            break
        previous_end = reader.line_num
        if any(c.strip() for c in cells):
            rows.append((start, cells))
    return _Rows(rows, separator, "line", tuple(problems))


def _find_separator(text: str) -> str:
    """The separator that makes one of the first lines a known header, else the commonest."""
    head = [line for line in text.splitlines()[:30] if line.strip()]
    best, best_score = ",", (-1, -1)
    for sep in (",", ";", "\t", "|"):
        try:
            rows = list(csv.reader(io.StringIO("\n".join(head)), delimiter=sep))
        except csv.Error:
            continue
        known = any(_detect_format(r) is not None for r in rows[:20])
        score = (int(known), len(rows[0]) if rows else 0)
        if score > best_score:
            best, best_score = sep, score
    return best


def _xlsx_rows(data: bytes, name: str) -> _Rows:
    """A workbook's first sheet with a known header (else its first sheet) as text cells."""
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - openpyxl is a dependency
        excel = "is an Excel workbook; save it as CSV (openpyxl is not installed to read it)"
        raise InputError([_whole_file(name, excel)]) from None
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # a zip that is no workbook, or a damaged one
        bad = (
            "is a zip archive but not a readable Excel workbook "
            f"({exc.__class__.__name__}); expected an .xlsx workbook or a CSV export"
        )
        raise InputError([_whole_file(name, bad)]) from None
    chosen: list[tuple[int, list[str]]] | None = None
    for sheet in book.worksheets:
        rows = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            if any(c.strip() for c in cells):
                rows.append((number, cells))
        if chosen is None:
            chosen = rows
        if any(_detect_format(cells) is not None for _, cells in rows[:20]):
            chosen = rows
            break
    book.close()
    return _Rows(chosen or [], None, "row")


def _cell_text(value: object) -> str:
    """A workbook cell as the text a CSV would hold (dates ISO, numbers shortest)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        # 12 significant digits: cents of any real amount, without binary noise (16.499999…)
        return repr(int(value)) if value.is_integer() else format(value, ".12g")
    return str(value)


def _detect_format(cells: Sequence[str]) -> str | None:
    """The format whose required columns are all in this header (most roles found wins)."""
    best: tuple[int, str] | None = None
    for fmt in FORMATS.values():
        found = _roles(cells, fmt)
        if all(r in found for r in fmt.required) and (best is None or len(found) > best[0]):
            best = (len(found), fmt.name)
    return best[1] if best else None


def _roles(cells: Sequence[str], fmt: ExportFormat) -> dict[str, int]:
    """Role -> column index in this header, for the roles the header has."""
    keys = [column_key(c) for c in cells]
    found: dict[str, int] = {}
    for role, names in fmt.columns.items():
        for spelling in names:
            k = column_key(spelling)
            if k in keys:
                found[role] = keys.index(k)
                break
    return found


def _unknown_header(name: str, rows: _Rows) -> Problem:
    line, cells = rows.rows[0]
    shown = rows.separator.join(cells) if rows.separator else " | ".join(cells)
    needs = []
    for fmt in sorted(
        FORMATS.values(),
        key=lambda f: (sum(r not in _roles(cells, f) for r in f.required), -len(_roles(cells, f))),
    ):
        found = _roles(cells, fmt)
        required = [fmt.columns[r][0] for r in fmt.required]
        missing = [fmt.columns[r][0] for r in fmt.required if r not in found]
        needs.append(f"{fmt.label} needs {', '.join(required)} (missing: {', '.join(missing)})")
    how = (
        f"read as {len(cells)} columns separated by {_SEPARATOR_NAMES[rows.separator]}"
        if rows.separator
        else f"read as {len(cells)} workbook columns"
    )
    return Problem(
        name, line, None, shown,
        f"is not the header of a known Upwork export ({how}): " + "; ".join(needs),
        rows.line_label,
    )  # fmt: skip


@dataclass
class _Section:
    fmt: ExportFormat
    roles: dict[str, int]
    width: int
    records: list[tuple[int, list[str]]] = field(default_factory=list)


def _sections(rows: _Rows, name: str) -> tuple[list[_Section], list[Problem]]:
    """Split rows at each header: a file holding two pasted exports is read as two."""
    problems = list(rows.problems)
    first = next(
        (i for i, (_, cells) in enumerate(rows.rows[:20]) if _detect_format(cells) is not None),
        None,
    )
    if first is None:
        raise InputError([_unknown_header(name, rows)])
    sections: list[_Section] = []
    for line, cells in rows.rows[first:]:
        fmt_name = _detect_format(cells)
        if fmt_name is not None:
            fmt = FORMATS[fmt_name]
            width = len(_trim_trailing_empty([c.strip() for c in cells]))
            sections.append(_Section(fmt, _roles(cells, fmt), width))
            continue
        section = sections[-1]
        if len(cells) > section.width and any(c.strip() for c in cells[section.width :]):
            problems.append(
                Problem(name, line, None, None,
                        f"has {len(cells)} fields; expected {section.width} like the header",
                        rows.line_label)
            )  # fmt: skip
            continue
        section.records.append((line, cells + [""] * (section.width - len(cells))))
    return sections, problems


def _trim_trailing_empty(cells: list[str]) -> list[str]:
    while cells and not cells[-1]:
        cells = cells[:-1]
    return cells


_RAW_ROLES = (
    "date", "type", "amount", "ref", "ref2", "description", "description2", "description3",
    "summary", "details", "freelancer", "team", "contract", "hours",
)  # fmt: skip


def _raw_frame(sections: list[_Section]) -> pd.DataFrame:
    """All data rows as text columns named by role, with ``line``, ``section``, ``format``."""
    frames = []
    for number, section in enumerate(sections):
        recs = section.records
        cols: dict[str, object] = {
            "line": np.array([line for line, _ in recs], dtype="int64"),
            "section": number,
            "format": section.fmt.name,
        }
        for role in _RAW_ROLES:
            i = section.roles.get(role)
            cols[role] = [cells[i].strip() for _, cells in recs] if i is not None else ""
        frames.append(pd.DataFrame(cols, index=pd.RangeIndex(len(recs))))
    raw = pd.concat(frames, ignore_index=True)
    return raw.astype({r: "str" for r in (*_RAW_ROLES, "format")})


# --------------------------------------------------------------------------- one file


def _parse_file(
    data: bytes | str, name: str, freelancer_id: str | None, date_order: str | None
) -> _Parsed:
    rows = _read_rows(data, name)
    if not rows.rows:
        raise InputError([_whole_file(name, "holds no rows; expected an Upwork export")])
    sections, problems = _sections(rows, name)
    label = rows.line_label
    if not any(s.records for s in sections):
        no_rows = "has a header but no rows; expected at least one transaction"
        raise InputError(problems or [_whole_file(name, no_rows)])
    raw = _raw_frame(sections)
    column_of = {  # the header name of each role, for messages (first section that has it)
        role: FORMATS[f].columns[role][0]
        for f in reversed(raw["format"].unique().tolist())
        for role in FORMATS[f].columns
    }
    kind = pd.Series(pd.NA, index=raw.index, dtype="object")
    for fmt_name, idx in raw.groupby("format").groups.items():
        kind.loc[idx] = raw.loc[idx, "type"].map(_type_key).map(FORMATS[fmt_name].kinds)
    notes: list[str] = []
    rows_read = len(raw)

    # an agency statement: keep one freelancer's rows when asked to
    raw, kind, other, who = _select_freelancer(raw, kind, freelancer_id, name)
    if who:
        notes.append(who)
    is_earning = kind.notna()
    skipped = raw.loc[~is_earning, "type"].replace("", "(empty)").value_counts()
    skipped_d = {str(t): int(n) for t, n in skipped.items()}
    if other:
        skipped_d["(rows of other freelancers)"] = other

    separator = rows.separator
    decimal, dec_problem = _decimal_mark(raw["amount"], raw["line"], separator, name, label)
    if dec_problem:
        raise InputError([dec_problem])
    if decimal == ",":
        notes.append(f"{name}: amounts read with a decimal comma")
    notes += _positive_skipped(raw.loc[~is_earning], decimal, name)
    if separator and separator != ",":
        notes.append(f"{name}: fields separated by {_SEPARATOR_NAMES[separator]}")
    order, order_problem, order_note = _date_order(
        raw.loc[is_earning, "date"], raw.loc[is_earning, "line"], date_order, name, label,
        column_of.get("date", "Date"),
    )  # fmt: skip
    if order_problem:
        raise InputError([*problems, order_problem])
    if order_note:
        notes.append(order_note)

    if not is_earning.any():
        found = ", ".join(f"{t} {n}" for t, n in sorted(skipped_d.items())) or "nothing"
        none = f"has no earnings rows (Hourly, Fixed Price, Bonus or Refund); found only: {found}"
        raise InputError([*problems, _whole_file(name, none)])
    earn = raw.loc[is_earning]
    earnings, cell_problems = _earnings(earn, kind[is_earning], name, label, order, decimal)
    earnings["freelancer_id"] = earn["freelancer"].where(
        earn["freelancer"] != "", freelancer_id or "me"
    )
    problems += cell_problems
    if problems:
        raise InputError(sorted(problems, key=lambda p: p.line or 0))
    earnings["source"] = name
    earnings, ref_note = _trusted_refs(earnings, name)
    if ref_note:
        notes.append(ref_note)
    # within a file, a pasted second export duplicates the first where they overlap
    earnings["order"] = np.arange(len(earnings))
    if len(sections) > 1:
        notes.append(f"{name}: holds {len(sections)} exports one after another (repeated header)")
    return _Parsed(
        name,
        tuple(sorted(raw["format"].unique())),
        earnings,
        skipped_d,
        rows_read,
        len(sections),
        tuple(notes),
    )


def _positive_skipped(skipped: pd.DataFrame, decimal: str, name: str) -> list[str]:
    """Notes on skipped types that bring money in (e.g. ``Payment``): not counted as
    earnings, said so the freelancer can check that nothing of theirs is missing."""
    cents = parse_cents(skipped["amount"], decimal)
    totals = cents.groupby(skipped["type"].replace("", "(empty)")).sum(min_count=1)
    return [
        f"{name}: {kind!r} rows add up to +{format_cents(pd.Series([int(c)])).iloc[0]} and are "
        "not counted as earnings (only Hourly, Fixed Price, Bonus and Refund rows are)"
        for kind, c in totals.items()
        if pd.notna(c) and c > 0
    ]


def _trusted_refs(earnings: pd.DataFrame, name: str) -> tuple[pd.DataFrame, str | None]:
    """Drop the ids of a part of a file where they cannot identify a transaction.

    A spreadsheet can turn long ids into ``9.01E+08``, making different rows look
    alike; ids repeated within one export are no ids either. Rows of such a part
    are then matched by their whole content instead.
    """
    ref = earnings["ref"]
    rounded = ref.str.fullmatch(r"[\d.,]+e[+-]?\d+", case=False)
    repeated = (ref != "") & earnings.duplicated(["section", "ref"], keep=False)
    bad = earnings.loc[rounded | repeated, "section"].unique()
    if len(bad) == 0:
        return earnings, None
    earnings = earnings.assign(ref=ref.where(~earnings["section"].isin(bad), ""))
    note = (
        f"{name}: its transaction ids repeat or were rounded by a spreadsheet (e.g. "
        f"{ref[rounded | repeated].iloc[0]!r}), so its rows are matched by their whole content"
    )
    return earnings, note


def _select_freelancer(
    raw: pd.DataFrame, kind: pd.Series, freelancer_id: str | None, name: str
) -> tuple[pd.DataFrame, pd.Series, int, str | None]:
    """The freelancers of a file, and the rows of the one asked for in an agency statement.

    A file whose earnings name one freelancer (or none) is that freelancer's own
    record: its rows take ``freelancer_id`` (default ``me``), so that it merges with
    exports that carry no name. An agency statement (two or more names) keeps one
    freelancer per name, or, with ``freelancer_id`` naming one of them, only that
    one's rows (the others' earnings are counted as skipped). Returns the rows, their
    kinds, how many earning rows were left out, and a note.
    """
    named = raw["freelancer"].loc[kind.notna() & (raw["freelancer"] != "")]
    values = sorted(named.unique())
    if len(values) <= 1:
        note = None
        if values:
            note = f"{name}: the Freelancer column names only {values[0]!r}: imported as " + repr(
                freelancer_id or "me"
            )
        return raw.assign(freelancer=""), kind, 0, note
    if freelancer_id is None:
        note = f"{name}: an agency statement with {len(values)} freelancers, one id per name"
        return raw, kind, 0, note
    want = column_key(freelancer_id)
    if not any(column_key(v) == want for v in values):
        none = (
            f"is an agency statement with the freelancers {', '.join(repr(v) for v in values)}; "
            f"--freelancer {freelancer_id!r} is none of them"
        )
        raise InputError([_whole_file(name, none)])
    mine = raw["freelancer"].map(column_key).eq(want)
    keep = (raw["freelancer"] == "") | mine | kind.isna()
    other = int((~keep).sum())
    chosen = raw.loc[mine, "freelancer"].iloc[0]
    note = f"{name}: an agency statement; only {chosen!r}'s rows imported"
    return raw.loc[keep], kind.loc[keep], other, note


# --------------------------------------------------------------------------- values


_DECIMAL_COMMA_RE = r"\d,\d{1,2}\s*(?:[^\d,.\s]*)\s*\)?\s*[-+]?$"
_DECIMAL_POINT_RE = r"\d\.\d{1,2}\s*(?:[^\d,.\s]*)\s*\)?\s*[-+]?$"


def _decimal_mark(
    amount: pd.Series, line: pd.Series, separator: str | None, name: str, label: str
) -> tuple[str, Problem | None]:
    """``"."`` or ``","``: what the file's amounts settle, else the separator's custom."""
    text = amount.str.strip()
    comma = text.str.contains(_DECIMAL_COMMA_RE, regex=True)
    point = text.str.contains(_DECIMAL_POINT_RE, regex=True)
    if comma.any() and point.any():
        c, p = comma.idxmax(), point.idxmax()
        mixed = (
            f"mixes decimal commas (line {line[c]}: {text[c]!r}) and decimal points "
            f"(line {line[p]}: {text[p]!r}) in its amounts; expected one convention per file"
        )
        return ".", Problem(name, None, None, None, mixed.replace("line", label))
    if comma.any():
        return ",", None
    if point.any():
        return ".", None
    return ("," if separator == ";" else "."), None


def parse_cents(raw: pd.Series, decimal: str = ".") -> pd.Series:
    """Dollar amounts as text -> integer cents (nullable ``Int64``; NA where unparseable).

    Accepts a sign before or after ``$``/``US$``/``USD`` (or at the end), thousands
    separators (``,`` or spaces; ``.`` with ``decimal=","``), at most two decimals
    (more only if zeros), accounting negatives in parentheses. Integer cents keep
    sums exact.
    """
    text = (
        raw.fillna("")
        .astype("str")
        .str.strip()
        .str.replace("\u2212", "-", regex=False)
        .str.replace(r"(?<=\d)[\s'\u00a0\u2009\u202f](?=\d{3}(?!\d))", "", regex=True)
    )
    if decimal == ",":
        text = text.str.replace(r"(?<=\d)\.(?=\d{3}(?!\d))", "", regex=True)
        text = text.str.replace(",", ".", regex=False)
    paren = text.str.fullmatch(r"\(.*\)")
    inner = text.where(~paren, text.str.slice(1, -1).str.strip())
    parts = inner.str.extract(_AMOUNT_RE)
    units = parts["units"].fillna("").str.replace(",", "", regex=False)
    cents = parts["cents"].fillna("")
    signs = [parts[s].fillna("") for s in ("sign1", "sign2", "sign3")]
    n_signs = sum((s != "").astype(int) for s in signs)
    valid = (
        parts["all"].notna()
        & ((units != "") | (cents != ""))
        & (n_signs <= 1)
        & ~(paren & (n_signs > 0))
        & (units.str.len() <= 13)
    )
    whole = units.where(valid & (units != ""), "0").astype("int64")
    part = cents.str.pad(2, side="right", fillchar="0").where(valid, "00").astype("int64")
    negative = paren | (signs[0] == "-") | (signs[1] == "-") | (signs[2] == "-")
    value = (whole * 100 + part) * np.where(negative, -1, 1)
    return value.astype("Int64").where(valid)


_AMOUNT_RE = re.compile(
    r"""^(?P<all>
        (?P<sign1>[-+])?\s*
        (?:US\$|\$|USD)?\s*
        (?P<sign2>[-+])?\s*
        (?P<units>\d{1,3}(?:,\d{3})+|\d+)?
        (?:\.(?P<cents>\d{0,2})0*)?
        \s*(?:USD|US\$|\$)?\s*
        (?P<sign3>[-+])?
    )$""",
    re.IGNORECASE | re.VERBOSE,
)

_MONTHS = {
    **{m: i for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )},
    **{m: i for i, m in enumerate(
        ["january", "february", "march", "april", "may", "june", "july", "august",
         "september", "october", "november", "december"], 1
    )},
    "sept": 9,
}  # fmt: skip
_TIME_PART = (
    r"(?:[ t]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:am|pm)?\s*(?:z|utc|[+-]\d{2}:?\d{2})?)$"
)
_ISO_RE = r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})$"
_NUMERIC_RE = r"^(?P<a>\d{1,2})(?P<sep>[/.\-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})\.?$"
_MDY_RE = (
    r"^(?P<mon>[a-z]{3,9})\.?[\s\-/.]*(?P<d>\d{1,2})(?:st|nd|rd|th)?,?[\s\-/.,]*"
    r"(?P<y>\d{4}|\d{2})$"
)
_DMY_RE = (
    r"^(?P<d>\d{1,2})(?:st|nd|rd|th)?[\s\-/.]*(?P<mon>[a-z]{3,9})\.?,?[\s\-/.,]*"
    r"(?P<y>\d{4}|\d{2})$"
)


#: Spreadsheet serial day numbers read as dates: 1990-01-01 .. 2099-12-31.
_SERIAL_FIRST, _SERIAL_LAST = 32874, 73050


def _date_text(raw: pd.Series) -> pd.Series:
    text = raw.fillna("").astype("str").str.strip().str.casefold()
    text = text.str.replace(r"\s+", " ", regex=True).str.replace(_TIME_PART, "", regex=True)
    return text.str.strip()


def _numeric_parts(text: pd.Series) -> pd.DataFrame:
    parts = text.str.extract(_NUMERIC_RE)
    return pd.DataFrame(
        {"a": pd.to_numeric(parts["a"]), "b": pd.to_numeric(parts["b"]), "y": parts["y"]},
        index=text.index,
    )


def parse_dates(raw: pd.Series, order: str | None = None) -> pd.Series:
    """Dates as text -> ``datetime64[s]`` (NaT where unparseable).

    ``order`` (``"day"`` / ``"month"``) says how to read numeric dates such as
    ``02/03/2020``; without it only those that settle themselves (a number above
    12) are read. Named months, ISO dates and two-digit years (20xx) always are.
    """
    text = _date_text(raw)
    y = pd.Series(np.nan, index=text.index)
    m = y.copy()
    d = y.copy()

    def fill(mask: pd.Series, yy: pd.Series, mm: pd.Series, dd: pd.Series) -> None:
        take = mask & y.isna()
        y[take], m[take], d[take] = yy[take], mm[take], dd[take]

    iso = text.str.extract(_ISO_RE)
    fill(iso["y"].notna(), pd.to_numeric(iso["y"]), pd.to_numeric(iso["m"]),
         pd.to_numeric(iso["d"]))  # fmt: skip
    for pattern in (_MDY_RE, _DMY_RE):
        named = text.str.extract(pattern)
        month = named["mon"].map(_MONTHS)
        fill(month.notna(), pd.to_numeric(named["y"]), month, pd.to_numeric(named["d"]))
    num = _numeric_parts(text)
    year = pd.to_numeric(num["y"])
    a, b = num["a"], num["b"]
    both_small = (a <= 12) & (b <= 12)
    day_first = ((a > 12) & (b <= 12)) | (both_small & (order == "day"))
    month_first = ((b > 12) & (a <= 12)) | (both_small & (order == "month"))
    fill(day_first, year, b, a)
    fill(month_first, year, a, b)
    y = y.where(y >= 100, y + 2000)
    # a date cell a spreadsheet wrote as its serial number (days since 1899-12-30)
    serial = pd.to_numeric(text.where(text.str.fullmatch(r"\d{5}"), None), errors="coerce")
    serial = serial.where(serial.between(_SERIAL_FIRST, _SERIAL_LAST))
    from_serial = pd.Timestamp("1899-12-30") + pd.to_timedelta(serial, unit="D")
    fill(serial.notna(), from_serial.dt.year, from_serial.dt.month, from_serial.dt.day)
    ok = y.notna() & m.between(1, 12) & d.between(1, 31)
    iso_text = pd.Series("", index=text.index, dtype="str")
    iso_text[ok] = (
        y[ok].astype(int).astype(str).str.zfill(4)
        + "-"
        + m[ok].astype(int).astype(str).str.zfill(2)
        + "-"
        + d[ok].astype(int).astype(str).str.zfill(2)
    )
    return pd.to_datetime(iso_text, format="%Y-%m-%d", errors="coerce").astype("datetime64[s]")


def _date_order(
    dates: pd.Series,
    lines: pd.Series,
    asked: str | None,
    name: str,
    label: str,
    column: str,
) -> tuple[str | None, Problem | None, str | None]:
    """The day/month order of a file's numeric dates: settled by its values or asked for."""
    num = _numeric_parts(_date_text(dates))
    numeric = num["a"].notna()
    if not numeric.any():
        return asked, None, None
    day = numeric & (num["a"] > 12) & (num["b"] <= 12)
    month = numeric & (num["b"] > 12) & (num["a"] <= 12)
    if day.any() and month.any():
        i, j = day.idxmax(), month.idxmax()
        both = (
            f"has dates in both orders: {label} {lines[i]} {dates[i]!r} is day first, "
            f"{label} {lines[j]} {dates[j]!r} month first; expected one order per file"
        )
        return None, Problem(name, None, column, None, both), None
    settled = "day" if day.any() else "month" if month.any() else None
    if settled is not None:
        i = (day if settled == "day" else month).idxmax()
        note = f"{name}: numeric dates read {settled} first ({label} {lines[i]}: {dates[i]!r})"
        return settled, None, note
    if asked is not None:
        return asked, None, f"{name}: numeric dates read {asked} first (as asked)"
    i = numeric.idxmax()
    ambiguous = (
        f"{int(numeric.sum())} dates like {dates[i]!r} ({label} {lines[i]}) could be day/month "
        "or month/day and no date in the file settles it (no number above 12); run again "
        "with --day-first (e.g. 28/02/2020 = 28 February) or --month-first "
        "(e.g. 02/28/2020 = 28 February)"
    )
    return None, Problem(name, None, column, None, "holds " + ambiguous), None


def _hours_from_text(text: pd.Series) -> pd.Series:
    """Hours billed, from ``12:30 hrs`` (H:MM) or ``12.5 hrs`` in a description; NaN if none."""
    parts = text.str.extract(_HOURS_RE)
    hm = pd.to_numeric(parts["h"]) + pd.to_numeric(parts["m"]) / 60
    return hm.where(parts["h"].notna(), pd.to_numeric(parts["dec"])).astype("float64")


def _rate_cents(text: pd.Series) -> pd.Series:
    """The hourly rate of ``@ $30.00/hr`` in cents (NA if none)."""
    rate = text.str.extract(_RATE_RE)["rate"]
    return parse_cents(rate.fillna(""))


def _periods(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The invoice period ``MM/DD/YYYY-MM/DD/YYYY`` of hourly descriptions (NaT if none)."""
    parts = text.str.extract(_PERIOD_RE)
    start = pd.to_datetime(parts["start"], format="%m/%d/%Y", errors="coerce")
    end = pd.to_datetime(parts["end"], format="%m/%d/%Y", errors="coerce")
    return start.astype("datetime64[s]"), end.astype("datetime64[s]")


def contract_titles(description: pd.Series) -> pd.Series:
    """The contract title left in a description once invoice period, hours, rate,
    username, contract id and a leading payment label are removed."""
    title = description.fillna("").astype("str")
    for pattern in _NOT_TITLE:
        title = title.str.replace(pattern, " ", regex=True, flags=re.IGNORECASE)
    strip_separators = rf"^{_SEPARATORS}+|{_SEPARATORS}+$"
    title = title.str.replace(strip_separators, "", regex=True)
    for _ in range(3):  # "Invoice for Milestone 2 - ..." carries two labels
        title = title.str.replace(_LABEL_RE, "", regex=True, flags=re.IGNORECASE)
        title = title.str.replace(strip_separators, "", regex=True)
    title = title.str.replace(
        rf"\s+[-\u2013\u2014:|](?:{_SEPARATORS}*[-\u2013\u2014:|])+\s+", " - ", regex=True
    )
    title = title.str.replace(strip_separators, "", regex=True)
    return title.str.replace(r"\s+", " ", regex=True)


def derived_contract_id(title: str, salt: str = "") -> str:
    """A stable contract id for a title without one: ``t-<slug>-<8 hex of SHA-1>``.

    The hash is of the casefolded, space-collapsed title (and ``salt``, which
    tells apart groups that share a title, e.g. two clients), so spelling the
    title with other case or spacing gives the same id, and titles that slug
    alike (``C++ dev`` and ``C# dev``) do not collide.
    """
    key = _fold(title)
    digest = hashlib.sha1((key + ("\x1f" + _fold(salt) if salt else "")).encode()).hexdigest()[:8]
    ascii_key = unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_key).strip("-")[:40].rstrip("-")
    return f"t-{slug}-{digest}" if slug else f"t-{digest}"


def _fold(text: str) -> str:
    return " ".join(str(text).casefold().split())


def _earnings(
    raw: pd.DataFrame,
    kinds: pd.Series,
    name: str,
    label: str,
    order: str | None,
    decimal: str,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Parse the earning rows: date, cents, hours, rate, ref, text; problems per cell."""
    found: list[tuple[int, int, Problem]] = []

    def report(mask: pd.Series, role: str, rank: int, expected: str) -> None:
        for line, value, fmt in zip(
            raw.loc[mask, "line"], raw.loc[mask, role], raw.loc[mask, "format"], strict=True
        ):
            column = FORMATS[fmt].columns[role][0]
            found.append(
                (int(line), rank, Problem(name, int(line), column, str(value), expected, label))
            )

    paid = parse_dates(raw["date"], order)
    report(paid.isna(), "date", 0, _date_expected(order))
    cents = parse_cents(raw["amount"], decimal)
    amount_expected = "is not an amount in US dollars; expected e.g. " + (
        "1234,5, 1.234,50 or -12,00" if decimal == "," else "1234.5, $1,234.50 or (12.00)"
    )
    report(cents.isna(), "amount", 2, amount_expected)
    cents = cents.where(kinds != "refund", -cents.abs())

    ebc = raw["format"] == "earnings-by-contract"
    # text the contract id, title, hours and rate are read from
    text = raw["description"].where(~ebc, raw["contract"])
    report_text = (
        raw[["summary", "details", "description", "description2", "description3"]]
        .agg(" | ".join, axis=1)
        .str.strip(" |")
    )
    is_report = raw["format"] == "transaction-report"
    text = text.where(~is_report, report_text)

    hours_col = raw["hours"].str.replace(",", ".", regex=False) if decimal == "," else raw["hours"]
    col_hours = pd.to_numeric(hours_col.replace("", np.nan), errors="coerce").astype("float64")
    report(ebc & (raw["hours"] != "") & ~(col_hours >= 0), "hours", 1,
           "is not a number of hours; expected a decimal number >= 0, e.g. 5.5")  # fmt: skip
    hours = col_hours.where(ebc, _hours_from_text(text).where(kinds == "hourly"))

    # contract id and title
    ebc_parts = raw["contract"].str.extract(_TITLE_AND_ID_RE)
    ebc_title = (
        ebc_parts["title"]
        .where(ebc_parts["title"].notna(), raw["contract"])
        .str.replace(r"\s+", " ", regex=True)
        .str.strip()
    )
    # the freelancer's username follows the rate in hourly invoices ("/hr (ana_l)"); the
    # same "(ana_l)" on a bonus or fixed-price row is no title either
    usernames = sorted(set(text.str.extract(r"/\s*hr\s*\((?P<u>[^()]+)\)")["u"].dropna()))
    first_title = pd.Series("", index=raw.index, dtype="str")
    for role in ("summary", "details", "description", "description2", "description3"):
        cell = raw[role]
        for user in usernames:
            cell = cell.str.replace(rf"\(\s*{re.escape(user)}\s*\)", " ", regex=True)
        t = contract_titles(cell)
        first_title = first_title.where(first_title != "", t)
    in_text = text.str.extract(_ID_IN_TEXT_RE)["id"]
    in_text = in_text.fillna(text.str.extract(_CONTRACT_ID_RE)["id"])
    contract_id = in_text.where(~ebc, ebc_parts["id"])
    title = first_title.where(~ebc, ebc_title)
    period_start, period_end = _periods(text)
    ref = raw["ref"].where(raw["ref"] != "", raw["ref2"]).where(~ebc, "")
    team = raw["team"].where(~ebc, "")
    no_contract = contract_id.isna() & (title == "") & (team == "")
    report(no_contract & ~ebc, "description" , 1,
           "names no contract; expected a title or a contract id in parentheses "
           "(or a Team to group it by)")  # fmt: skip
    report(no_contract & ebc, "contract", 1,
           "names no contract; expected a title and the contract id in parentheses")  # fmt: skip

    earnings = pd.DataFrame(
        {
            "line": raw["line"].astype("int64"),
            "section": raw["section"],
            "format": raw["format"],
            "kind": kinds.astype("str"),
            "paid_date": paid,
            "cents": cents,  # Int64, NA where the amount is a problem
            "hours": hours.round(6),
            "rate_cents": _rate_cents(text),
            "period_start": period_start,
            "period_end": period_end,
            "explicit_id": contract_id.astype("object"),
            "title": title.astype("str"),
            "team": team.astype("str"),
            "ref": ref.astype("str"),
            "text": text.astype("str"),
        }
    )
    return earnings, [p for _, _, p in sorted(found, key=lambda t: t[:2])]


def _date_expected(order: str | None) -> str:
    numeric = {
        "day": "28/02/2020 (day first, as asked)",
        "month": "02/28/2020 (month first, as asked)",
        None: "28/02/2020",
    }[order]
    return f"is not a date; expected e.g. Feb 28, 2020, 2020-02-28, 28-Feb-20 or {numeric}"


# --------------------------------------------------------------------------- duplicates


def _row_keys(earnings: pd.DataFrame) -> pd.Series:
    """What identifies a transaction: its export id, else the whole row as read."""
    whole = (
        "row|"
        + earnings["format"]
        + "|"
        + earnings["freelancer_id"].map(_fold)
        + "|"
        + earnings["paid_date"].dt.strftime("%Y-%m-%d")
        + "|"
        + earnings["cents"].astype("str")
        + "|"
        + earnings["kind"]
        + "|"
        + earnings["text"].map(_fold)
        + "|"
        + earnings["hours"].round(4).astype("str").fillna("")
    )
    by_ref = "ref|" + earnings["format"].str.slice(0, 11) + "|" + earnings["ref"]
    return by_ref.where(earnings["ref"] != "", whole).fillna("")


def _drop_duplicates(earnings: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The multiset union of the exports (and of the parts of a pasted file).

    A row whose key another part also holds counts once; k equal rows in one part
    and j in another count max(k, j) times.
    """
    earnings = earnings.assign(key=_row_keys(earnings))
    part = earnings["source"] + "\x1f" + earnings["section"].astype("str")
    occurrence = earnings.groupby([part, earnings["key"]], sort=False).cumcount()
    keep = ~pd.DataFrame({"k": earnings["key"], "o": occurrence}).duplicated()
    out = earnings.loc[keep].reset_index(drop=True)
    out["order"] = np.arange(len(out))
    return out, int((~keep).sum())


# --------------------------------------------------------------------------- contracts


def _assign_contracts(earnings: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Give every earning row a contract id, title and client (see module docstring)."""
    e = earnings.copy()
    f = e["freelancer_id"].map(_fold)
    team = e["team"].map(_fold)
    title_key = e["title"].map(_fold)
    cid = e["explicit_id"].copy()
    grouped = pd.Series("", index=e.index, dtype="str")

    # a title that one row gives with an id names the same contract in other rows
    known = pd.DataFrame({"f": f, "team": team, "t": title_key, "id": cid})
    known = known[(known["t"] != "") & known["id"].notna()].drop_duplicates()
    unique = known.groupby(["f", "team", "t"])["id"].agg(
        lambda s: s.iloc[0] if len(s) == 1 else None
    )
    unique = unique.dropna()
    lookup = pd.MultiIndex.from_arrays([f, team, title_key])
    by_title = pd.Series(unique.reindex(lookup).to_numpy(), index=e.index)
    cid = cid.where(cid.notna(), by_title)

    # bonuses and refunds go to a contract the other rows make (below)
    is_attachable = e["kind"].isin(["bonus", "refund"])
    rate = e["rate_cents"].astype("Float64")
    missing = cid.isna() & ~is_attachable
    hourly = missing & (e["kind"] == "hourly")
    rate_text = (rate / 100).map(lambda r: "" if pd.isna(r) else f"${r:,.2f}/hr")
    salt = f + "\x1f" + team
    for mask, kind_label in ((hourly, "hourly"), (missing & ~hourly, "fixed")):
        if not mask.any():
            continue
        if kind_label == "hourly":
            label = (
                e["title"].where(e["title"] != "", "Hourly work")
                + ((" for " + e["team"]).where(e["team"] != "", ""))
                + (" at " + rate_text).where(rate_text != "", "")
            )
            ids = [
                derived_contract_id(lbl, s + "\x1f" + r)
                for lbl, s, r in zip(label[mask], salt[mask], rate_text[mask], strict=True)
            ]
            grouped[mask] = "hourly rows grouped by client, freelancer and rate"
        else:
            label = e["title"].where(e["title"] != "", "Fixed-price work for " + e["team"])
            ids = [
                derived_contract_id(lbl, s) for lbl, s in zip(label[mask], salt[mask], strict=True)
            ]
            grouped[mask] = "grouped by client, freelancer and title"
        cid[mask] = ids
        e.loc[mask & (e["title"] == ""), "title"] = label[mask & (e["title"] == "")]

    # a bonus or refund without a contract id: the client's contract of that title, else
    # the client's contract active on its date, else a contract of its own
    attach = cid.isna() & is_attachable
    attached = 0
    if attach.any():
        made = pd.DataFrame({"f": f, "team": team, "t": title_key, "id": cid})
        made = made.loc[cid.notna() & ~attach]
        titled = made.loc[made["t"] != ""].drop_duplicates().groupby(["f", "team", "t"])["id"]
        title_ids = titled.agg(lambda s: s.iloc[0] if len(s) == 1 else None).dropna().to_dict()
        spans = (
            pd.DataFrame({"f": f, "team": team, "id": cid, "d": e["paid_date"]})
            .loc[cid.notna() & ~attach & (team != "")]
            .groupby(["f", "team", "id"])["d"]
            .agg(["min", "max"])
            .reset_index()
        )
        for i in e.index[attach]:
            by_name = title_ids.get((f[i], team[i], title_key[i])) if title_key[i] else None
            cands = spans[(spans["f"] == f[i]) & (spans["team"] == team[i])]
            if by_name is not None:
                cid[i] = by_name
            elif not cands.empty:
                d = e.at[i, "paid_date"]
                inside = cands[(cands["min"] <= d) & (cands["max"] >= d)]
                before = cands[cands["max"] <= d]
                if not inside.empty:
                    pick = inside.sort_values(["min", "id"]).iloc[-1]
                elif not before.empty:
                    pick = before.sort_values(["max", "id"]).iloc[-1]
                else:
                    pick = cands.sort_values(["min", "id"]).iloc[0]
                cid[i] = pick["id"]
                grouped[i] = "attached to the client's contract"
                attached += 1
            else:
                label = e.at[i, "title"] or (
                    ("Bonus" if e.at[i, "kind"] == "bonus" else "Refund")
                    + (f" from {e.at[i, 'team']}" if e.at[i, "team"] else "")
                )
                cid[i] = derived_contract_id(label, salt[i])
                e.at[i, "title"] = label
    e["contract_id"] = cid.astype("str")
    e["client_id"] = e["team"].where(e["team"] != "", e["contract_id"])
    e["grouped"] = grouped
    notes = []
    n_hourly = e.loc[hourly, "contract_id"].nunique()
    if n_hourly:
        notes.append(
            f"{int(hourly.sum())} hourly rows without a contract id were grouped into "
            f"{n_hourly} contracts by client, freelancer and hourly rate (and title where given)"
        )
    n_fixed = e.loc[missing & ~hourly, "contract_id"].nunique()
    if n_fixed:
        notes.append(
            f"{int((missing & ~hourly).sum())} fixed-price rows without a contract id were "
            f"grouped into {n_fixed} contracts by client, freelancer and title"
        )
    if attached:
        notes.append(
            f"{attached} bonus/refund rows without a contract were attached to that client's "
            "contract active on their date"
        )
    return e.drop(columns=["explicit_id", "team"]), notes


def _contracts(earnings: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    """One row per contract from its earning rows; problems for negative totals."""
    by_order = earnings.sort_values("order", kind="mergesort")
    titled = by_order.loc[by_order["title"] != ""]
    # the title most rows give (a milestone's name often precedes it), ties to the first
    title = (
        titled.groupby(["contract_id", "title"], sort=False)["order"]
        .agg(["size", "min"])
        .reset_index()
        .sort_values(
            ["contract_id", "size", "min"], ascending=[True, False, True], kind="mergesort"
        )
        .drop_duplicates("contract_id")
        .set_index("contract_id")["title"]
    )
    agg = by_order.groupby("contract_id", sort=True).agg(
        freelancer_id=("freelancer_id", "first"),
        client_id=("client_id", "first"),
        start_date=("paid_date", "min"),
        end_date=("paid_date", "max"),
        cents=("cents", "sum"),
        hours=("hours", sum_hours),
        any_hourly=("kind", lambda k: bool((k == "hourly").any())),
        sources=("source", lambda s: sorted(set(s))),
        lines=("line", list),
    )
    problems = [
        Problem(
            ", ".join(row.sources),
            None,
            "Amount",
            format_cents(pd.Series([int(row.cents)])).iloc[0],
            f"is the total of contract {cid} (lines {', '.join(map(str, sorted(row.lines)))}): "
            "refunds exceed payments, and a contract's earnings cannot be negative; "
            "expected the exports to cover the contract's payments too",
        )
        for cid, row in agg.loc[agg["cents"] < 0].iterrows()
    ]
    return _contract_frame(agg, title), problems


def sum_hours(hours: pd.Series) -> float:
    """Hours summed exactly in millionths of an hour (NaN if none), rounded to 2 decimals.

    Integer sums do not depend on the order of the rows, so a contract's hours are
    the same bytes whether computed from an export or from the merged payments.
    """
    h = pd.to_numeric(hours, errors="coerce").dropna()
    if h.empty:
        return float("nan")
    micro = int((h.astype("float64") * 1_000_000).round().astype("int64").sum())
    return round(micro / 1_000_000, 2)


def _contract_frame(agg: pd.DataFrame, title: pd.Series) -> pd.DataFrame:
    n = len(agg)
    contracts = pd.DataFrame(
        {
            "freelancer_id": agg["freelancer_id"].astype("str"),
            "contract_id": agg.index.astype("str"),
            "client_id": agg["client_id"].astype("str"),
            "start_date": agg["start_date"].astype("datetime64[s]"),
            "end_date": agg["end_date"].astype("datetime64[s]"),
            "earnings_usd": agg["cents"].astype("int64") / 100,
            "public_rating": np.full(n, np.nan),
            "private_score": pd.array([pd.NA] * n, dtype="Int8"),
            "disputed": False,
            "client_flagged": False,
            "category": pd.Series([pd.NA] * n, index=agg.index, dtype="str"),
            "contract_type": np.where(agg["any_hourly"].astype(bool), "hourly", "fixed"),
            "hours": agg["hours"].astype("float64").round(2),
            "title": title.reindex(agg.index).fillna("").astype("str"),
        }
    ).reset_index(drop=True)
    return contracts.astype({"contract_type": "str"})[CONTRACT_COLUMNS]


# --------------------------------------------------------------------------- writing


@dataclass(frozen=True)
class WriteReport:
    """What `write_import` did to the history folder."""

    paths: dict[str, Path]
    #: payments new to the folder / already in it (from an earlier import)
    payments_added: int
    payments_present: int
    contracts_added: int
    contracts_updated: int
    #: contracts of the folder whose typed values (ratings, dates, ...) were kept
    contracts_kept: int
    changed: bool
    backup: Path | None
    merged: bool


def write_import(
    result: ImportResult, out_dir: str | os.PathLike[str], stamp: str | None = None
) -> WriteReport:
    """Write (or merge) ``payments.csv`` and ``contracts.csv`` into ``out_dir``.

    A folder without a history gets the import as it is. A folder with one gets
    the merge described in the module docstring: its files are checked against the
    data contract first, changed files are copied to ``.backup-<stamp>/``
    (``stamp`` defaults to the UTC time) and an import that changes nothing leaves
    the folder as it was. Output is deterministic: UTF-8, ``\\n`` line ends, ISO
    dates, two decimals, no timestamps. Files are moved in only once complete.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        is_file = "is a file; expected a folder to write the history into"
        raise InputError([_whole_file(str(out), is_file)])
    new_payments = _sort_payments(_payments_text_frame(result.payments))
    new_contracts = _contracts_text_frame(result.contracts)
    has_history = (out / "contracts.csv").is_file() or (out / "payments.csv").is_file()
    if has_history:
        merged = _merge(out, new_payments, new_contracts)
        payments, contracts, counts = merged
    else:
        payments, contracts = new_payments, new_contracts
        counts = {
            "payments_added": len(payments),
            "payments_present": 0,
            "contracts_added": len(contracts),
            "contracts_updated": 0,
            "contracts_kept": 0,
        }
    paths, changed, backup = write_tables(
        out, {"payments": payments, "contracts": contracts}, stamp=stamp
    )
    return WriteReport(paths=paths, changed=changed, backup=backup, merged=has_history, **counts)


def write_tables(
    out: Path, frames: Mapping[str, pd.DataFrame], stamp: str | None = None
) -> tuple[dict[str, Path], bool, Path | None]:
    """The one place the import's files are written: text frames -> ``<table>.csv``.

    Every value is already text. Files whose bytes would not change are left
    alone; the others are first written to a temporary folder next to ``out``,
    checked against the data contract there, then any previous version is copied
    to ``out/.backup-<stamp>/`` and the new files are moved in. Returns the paths,
    whether anything changed, and the backup folder (None if none was needed).
    """
    texts = {
        table: _csv_text(guard_formulas(frame, [c for c in IMPORT_TEXT if c in frame.columns]))
        for table, frame in frames.items()
    }
    paths = {table: out / f"{table}.csv" for table in texts}
    changed = {
        t: text
        for t, text in texts.items()
        if not (paths[t].is_file() and paths[t].read_bytes() == text.encode("utf-8"))
    }
    if not changed:
        return paths, False, None
    parent = out.parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.import-", dir=parent))
    backup = None
    try:
        for table, text in texts.items():
            (tmp / f"{table}.csv").write_bytes(text.encode("utf-8"))
        from analysis.io.load import read_history

        read_history(tmp)  # the result must keep the data contract
        if not out.exists():
            os.replace(tmp, out)
            return paths, True, None
        previous = [t for t in changed if paths[t].is_file()]
        if previous:
            stamp = stamp or dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
            backup = out / f".backup-{stamp}"
            backup.mkdir(exist_ok=True)
            for table in previous:
                shutil.copy2(paths[table], backup / paths[table].name)
        for table in changed:
            os.replace(tmp / f"{table}.csv", paths[table])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return paths, True, backup


def format_cents(cents: pd.Series) -> pd.Series:
    """Integer cents -> text with exactly two decimals (``-12.05``), exact for any size."""
    c = cents.astype("int64")
    magnitude = c.abs()
    sign = pd.Series(np.where(c < 0, "-", ""), index=c.index, dtype="str")
    return (
        sign + (magnitude // 100).astype("str") + "." + (magnitude % 100).astype("str").str.zfill(2)
    )


def _dollars_to_cents(amount: pd.Series) -> pd.Series:
    return (amount.astype("float64") * 100).round().astype("int64")


def _iso(dates: pd.Series) -> pd.Series:
    return dates.dt.strftime("%Y-%m-%d").fillna("").astype("str")


def _hours_text(hours: pd.Series, decimals: int) -> pd.Series:
    def one(h: float) -> str:
        text = f"{h:.{decimals}f}"
        return text.rstrip("0").rstrip(".") if decimals > 2 else text

    text = hours.astype("float64").map(one, na_action="ignore").astype(object)
    return text.where(text.notna(), "").astype("str")


def _payments_text_frame(payments: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "freelancer_id": payments["freelancer_id"].astype("str"),
            "contract_id": payments["contract_id"].astype("str"),
            "paid_date": _iso(payments["paid_date"]),
            "amount_usd": format_cents(_dollars_to_cents(payments["amount_usd"])),
            "kind": payments["kind"].astype("str"),
            "hours": _hours_text(payments["hours"], 6),
            "ref": payments["ref"].astype("str"),
        }
    ).reset_index(drop=True)


def _contracts_text_frame(contracts: pd.DataFrame) -> pd.DataFrame:
    def text_or_empty(col: pd.Series) -> pd.Series:
        return col.astype("str").where(col.notna(), "").astype("str")

    return pd.DataFrame(
        {
            "freelancer_id": contracts["freelancer_id"].astype("str"),
            "contract_id": contracts["contract_id"].astype("str"),
            "client_id": contracts["client_id"].astype("str"),
            "start_date": _iso(contracts["start_date"]),
            "end_date": _iso(contracts["end_date"]),
            "earnings_usd": format_cents(_dollars_to_cents(contracts["earnings_usd"])),
            "public_rating": text_or_empty(contracts["public_rating"]),
            "private_score": text_or_empty(contracts["private_score"]),
            "disputed": np.where(contracts["disputed"], "true", "false"),
            "client_flagged": np.where(contracts["client_flagged"], "true", "false"),
            "category": text_or_empty(contracts["category"]),
            "contract_type": contracts["contract_type"].astype("str"),
            "hours": _hours_text(contracts["hours"], 2),
            "title": contracts["title"].astype("str"),
        }
    ).reset_index(drop=True)[CONTRACT_COLUMNS]


def _csv_text(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, lineterminator="\n")


# --------------------------------------------------------------------------- merging


def _read_text_table(path: Path) -> pd.DataFrame:
    """A table the import wrote (maybe edited since), as text, formula guards removed."""
    frame = pd.read_csv(path, dtype="str", keep_default_na=False, encoding="utf-8-sig")
    for col in IMPORT_TEXT:
        if col in frame.columns:
            frame[col] = unguard_formulas(frame[col])
    return frame


def _merge(
    out: Path, new_payments: pd.DataFrame, new_contracts: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """The folder's history merged with an import, all as text frames, and the counts."""
    from analysis.io.load import read_history

    try:
        read_history(out)
    except InputError as err:
        held = (
            "already holds a history that breaks the data contract, so the import cannot "
            "merge into it; fix the problems below or import into another folder"
        )
        raise InputError([_whole_file(str(out), held), *err.problems]) from None
    old_contracts = _read_text_table(out / "contracts.csv")
    has_old_payments = (out / "payments.csv").is_file()
    old_payments = (
        _read_text_table(out / "payments.csv")
        if has_old_payments
        else pd.DataFrame({c: pd.Series([], dtype="str") for c in PAYMENT_COLUMNS})
    )
    for col in ("kind", "hours", "ref"):
        if col not in old_payments:
            old_payments[col] = ""

    # payments: the multiset union, by ref where both rows have one, else by the whole row
    use_kind = bool((old_payments["kind"] != "").all())
    old_whole, new_whole = _whole_keys(old_payments, use_kind), _whole_keys(new_payments, use_kind)
    old_has, new_has = old_payments["ref"] != "", new_payments["ref"] != ""
    seen_new, seen_old = _pair(
        "ref|" + new_payments["ref"], "ref|" + old_payments["ref"], new_has, old_has
    )
    # a row without a ref on either side is matched by its content (an older import, an
    # export without ids, ids a spreadsheet rounded away)
    for new_side, old_side in (
        (~new_has, pd.Series(True, index=old_has.index)),
        (new_has, ~old_has),
    ):
        more_new, more_old = _pair(new_whole, old_whole, new_side & ~seen_new, old_side & ~seen_old)
        seen_new, seen_old = seen_new | more_new, seen_old | more_old
    is_new = ~seen_new
    extra_payment_cols = [c for c in old_payments.columns if c not in PAYMENT_COLUMNS]
    added = new_payments.loc[is_new]
    payments = pd.concat([old_payments, added], ignore_index=True).fillna("")
    payments = payments[PAYMENT_COLUMNS + extra_payment_cols]
    payments = _sort_payments(payments)

    # contracts: money from the merged payments, typed values from the folder
    computed = _contracts_from_payments(payments)
    old_computed = _contracts_from_payments(old_payments) if has_old_payments else None
    old = old_contracts.set_index("contract_id", drop=False)
    new = new_contracts.set_index("contract_id", drop=False)
    extra_cols = [c for c in old_contracts.columns if c not in CONTRACT_COLUMNS]
    rows = []
    added_contracts = updated = kept = 0
    for cid in sorted(set(old.index) | set(computed.index)):
        if cid in old.index:
            row = {c: old.at[cid, c] for c in old_contracts.columns}
            for c in CONTRACT_COLUMNS:
                row.setdefault(c, "")
            if cid in computed.index:
                comp = computed.loc[cid]
                before = (
                    old_computed.loc[cid]
                    if (old_computed is not None and cid in old_computed.index)
                    else None
                )
                for col in ("start_date", "end_date"):
                    typed = before is None or row[col] != before[col]
                    if not typed:
                        row[col] = comp[col]
                money_changed = row["earnings_usd"] != comp["earnings_usd"]
                row["earnings_usd"] = comp["earnings_usd"]
                if comp["hours"] != "":
                    row["hours"] = comp["hours"]
                if row.get("contract_type", "") == "":
                    row["contract_type"] = comp["contract_type"]
                updated += int(money_changed)
            if _typed_anything(row, old_computed, cid):
                kept += 1
        else:
            comp = computed.loc[cid]
            base = new.loc[cid] if cid in new.index else None
            row = {
                **{c: "" for c in extra_cols},
                "freelancer_id": comp["freelancer_id"],
                "contract_id": cid,
                "client_id": base["client_id"] if base is not None else cid,
                "start_date": comp["start_date"],
                "end_date": comp["end_date"],
                "earnings_usd": comp["earnings_usd"],
                "public_rating": "",
                "private_score": "",
                "disputed": "false",
                "client_flagged": "false",
                "category": "",
                "contract_type": comp["contract_type"],
                "hours": comp["hours"],
                "title": base["title"] if base is not None else "",
            }
            added_contracts += 1
        rows.append(row)
    contracts = pd.DataFrame(rows, columns=CONTRACT_COLUMNS + extra_cols).fillna("")
    negative = contracts["earnings_usd"].str.startswith("-")
    if negative.any():
        problems = [
            Problem(str(out / "payments.csv"), None, "amount_usd", total,
                    f"is the merged total of contract {cid}: refunds exceed payments")
            for cid, total in zip(contracts.loc[negative, "contract_id"],
                                  contracts.loc[negative, "earnings_usd"], strict=True)
        ]  # fmt: skip
        raise InputError(problems)
    counts = {
        "payments_added": int(is_new.sum()),
        "payments_present": int((~is_new).sum()),
        "contracts_added": added_contracts,
        "contracts_updated": updated,
        "contracts_kept": kept,
    }
    return payments, contracts, counts


def _whole_keys(payments: pd.DataFrame, use_kind: bool) -> pd.Series:
    """A payment row's content as one key: freelancer, contract, date, cents (and kind)."""
    cents = parse_cents(payments["amount_usd"]).astype("str").fillna("")
    date = parse_dates(payments["paid_date"]).dt.strftime("%Y-%m-%d").fillna("")
    key = payments["freelancer_id"] + "|" + payments["contract_id"] + "|" + date + "|" + cents
    return key + "|" + payments["kind"] if use_kind else key


def _pair(
    new_key: pd.Series, old_key: pd.Series, new_ok: pd.Series, old_ok: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """Match rows as multisets: the k-th new row with a key pairs with the k-th old one.

    Only rows where ``new_ok`` / ``old_ok`` take part. Returns which new and which old
    rows were paired.
    """
    n_key, o_key = new_key[new_ok], old_key[old_ok]
    n_occ = n_key.groupby(n_key, sort=False).cumcount()
    o_occ = o_key.groupby(o_key, sort=False).cumcount()
    n_pairs = pd.Series(list(zip(n_key, n_occ, strict=True)), index=n_key.index, dtype="object")
    o_pairs = pd.Series(list(zip(o_key, o_occ, strict=True)), index=o_key.index, dtype="object")
    n_hit = n_pairs.isin(set(o_pairs))
    o_hit = o_pairs.isin(set(n_pairs))
    return (
        n_hit.reindex(new_key.index, fill_value=False).astype(bool),
        o_hit.reindex(old_key.index, fill_value=False).astype(bool),
    )


def _typed_anything(row: dict[str, str], old_computed: pd.DataFrame | None, cid: str) -> bool:
    """Whether the freelancer has filled in or changed something on this contract."""
    filled = any(row.get(c, "") not in ("", "false") for c in ("public_rating", "private_score",
                                                               "category", "disputed",
                                                               "client_flagged"))  # fmt: skip
    if row.get("end_date", "x") == "":
        filled = True
    return filled


def _sort_payments(payments: pd.DataFrame) -> pd.DataFrame:
    key = pd.DataFrame(
        {
            "d": parse_dates(payments["paid_date"]),
            "f": payments["freelancer_id"],
            "c": payments["contract_id"],
            "a": parse_cents(payments["amount_usd"]),
            "k": payments["kind"],
            "r": payments["ref"],
            "h": payments["hours"],
        }
    )
    order = key.sort_values(list(key.columns), kind="mergesort").index
    return payments.loc[order].reset_index(drop=True)


def _contracts_from_payments(payments: pd.DataFrame) -> pd.DataFrame:
    """Per contract, as text: freelancer, first/last payment, earnings, hours, type."""
    p = pd.DataFrame(
        {
            "freelancer_id": payments["freelancer_id"],
            "contract_id": payments["contract_id"],
            "d": parse_dates(payments["paid_date"]),
            "cents": parse_cents(payments["amount_usd"]).astype("int64"),
            "hours": pd.to_numeric(payments["hours"].replace("", np.nan)),
            "hourly": payments["kind"] == "hourly",
            "client_id": payments["contract_id"],
        }
    )
    agg = p.groupby("contract_id", sort=True).agg(
        freelancer_id=("freelancer_id", "first"),
        client_id=("client_id", "first"),
        start=("d", "min"),
        end=("d", "max"),
        cents=("cents", "sum"),
        hours=("hours", sum_hours),
        hourly=("hourly", "any"),
        typed=("hourly", "size"),
    )
    known_kind = payments.groupby("contract_id")["kind"].agg(lambda k: bool((k != "").all()))
    return pd.DataFrame(
        {
            "freelancer_id": agg["freelancer_id"],
            "client_id": agg["client_id"],
            "start_date": _iso(agg["start"]),
            "end_date": _iso(agg["end"]),
            "earnings_usd": format_cents(agg["cents"]),
            "hours": _hours_text(agg["hours"], 2),
            "contract_type": pd.Series(
                np.where(agg["hourly"], "hourly", "fixed"), index=agg.index
            ).where(known_kind.reindex(agg.index, fill_value=False), ""),
        },
        index=agg.index,
    )


def describe_skipped(skipped: Mapping[str, int]) -> str:
    """``Service Fee 5, Withdrawal 1`` (or ``none``)."""
    return ", ".join(f"{kind} {n}" for kind, n in sorted(skipped.items())) or "none"
