"""Import a freelancer's real Upwork money export into a history folder.

Upwork lets a freelancer download their money records as CSV. This module turns
such an export into the two tables of the data contract
(`../shared/spec/data-contract.md`, "Real exports"): ``payments.csv`` (the money
ledger) and ``contracts.csv`` (one row per contract, rating columns left empty for
the freelancer to fill in), so a freelancer can study their own record.

Three formats are recognised by their header line (never by the file name);
headers are matched ignoring a byte-order mark, surrounding spaces, case and column
order, but only these three are accepted:

- ``transaction-history``: ``Date, Ref ID, Type, Description, Agency, Freelancer,
  Team, Account Name, PO, Amount, Amount in local currency, Currency, Balance``;
- ``transaction-history-v2``: the same with ``Transaction Type`` and ``Amount $``
  instead of ``Type`` and ``Amount``;
- ``earnings-by-contract``: ``Date, Contract, Hours, Amount, Payment type``.

Which rows are earnings
    ``Hourly``, ``Fixed Price`` (also ``Fixed-price``, ``Fixed Price Payment``,
    ``Milestone``), ``Bonus`` and ``Refund``; in earnings-by-contract an empty
    ``Payment type`` means hourly. Every other row (``Service Fee``,
    ``Withdrawal``, ``Withdrawal Fee``, ``Membership Fee``, Connects purchases,
    unknown types) is not an earning: it is counted by its type, as written, in
    `ImportResult.skipped` and its values are not checked. No row is dropped
    silently: ``rows_read == len(payments) + sum(skipped.values())``.

Amounts and dates
    Amounts are US dollars with at most two decimals (further zeros allowed):
    ``1234.5``, ``$1,234.50``, ``-$12.00``, ``$-12.00``, ``+25``, ``(12.00)``
    (accounting negative), ``12.00 USD``. They are parsed to integer cents, so
    sums are exact. A ``Refund`` is money returned to the client and is recorded
    as negative whatever sign the export gives it. Dates may read ``Sep 8, 2026``,
    ``September 8, 2026``, ``2026-09-08`` or ``09/08/2026`` (always month first).

Contract ids (Transaction History)
    The contract id is the last parenthesised number of five or more digits in
    ``Description`` (``... - Logo Redesign (41000001)``). Without one, the
    contract *title* is what remains of the description once the invoice period
    (``Invoice for 08/31/2026-09/06/2026``), the hours and rate
    (``12:30 hrs @ $40.00/hr``), a leading payment label (``Fixed Price``,
    ``Milestone 2``, ``Bonus``, ``Refund``, ...) and separators are removed. If
    another row gives that same title (ignoring case and spacing) with exactly
    one id, that id is used; otherwise the id is derived from the title as
    ``t-<slug of the title, at most 40 characters>-<first 8 hex digits of the
    SHA-1 of the casefolded, space-collapsed title>``, e.g. ``Website Audit`` ->
    ``t-website-audit-7963fc54``: stable across imports, and two titles that
    slug alike still get different ids. A row whose description leaves no title
    takes the title ``Untitled contract with <Team>``; with no Team either it is
    reported as a problem. In earnings-by-contract the id is the number in
    parentheses at the end of ``Contract`` (the same title rule applies if it is
    missing).

Client ids
    Exports carry no client id. In Transaction History the client is the
    ``Team`` column when it is non-empty; otherwise (and always in
    earnings-by-contract) each contract is assumed to be its own client, i.e.
    ``client_id = contract_id``. This matters: the JSS needs at least two
    distinct clients, and a freelancer who worked twice for one client should
    set the same ``client_id`` on both contracts by hand.

Freelancer id
    The ``Freelancer`` column when it is non-empty, else the ``freelancer_id``
    argument (the CLI's ``--freelancer``). A contract takes the freelancer of its
    first row (in file order) and its payments follow it, so the two tables agree.

Contracts
    ``start_date`` / ``end_date`` are the first / last payment dates: an export
    cannot tell a finished contract from one still running, so the freelancer
    should clear ``end_date`` for contracts that are still open.
    ``earnings_usd`` is the exact sum of the contract's payments (refunds
    included); a contract whose refunds exceed its payments is reported as a
    problem (the contract forbids negative earnings; the export is probably cut
    off before the contract's first payments). ``title`` is the title most of
    its rows give. ``hours`` sums the hours billed
    (H:MM in Transaction History hourly descriptions, the ``Hours`` column in
    earnings-by-contract), empty if none. ``contract_type`` is ``hourly`` if any
    row is hourly, else ``fixed``. ``public_rating``, ``private_score`` and
    ``category`` are left empty; ``disputed`` and ``client_flagged`` are false.

Bad input (unreadable, empty, binary or non-UTF-8 file; unknown header; header
without rows; a row with the wrong number of fields; an unparseable date, amount
or hours value on an earnings row; a contract with negative earnings) raises
`analysis.io.errors.InputError` with one `Problem` per problem found, located as an
editor shows it (header = line 1).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.io.errors import InputError, Problem
from analysis.io.output import guard_formulas

# --------------------------------------------------------------------------- formats

#: The header of each recognised export, exactly as Upwork writes it.
HEADERS: Mapping[str, tuple[str, ...]] = {
    "transaction-history": (
        "Date",
        "Ref ID",
        "Type",
        "Description",
        "Agency",
        "Freelancer",
        "Team",
        "Account Name",
        "PO",
        "Amount",
        "Amount in local currency",
        "Currency",
        "Balance",
    ),  # fmt: skip
    "transaction-history-v2": (
        "Date",
        "Ref ID",
        "Transaction Type",
        "Description",
        "Agency",
        "Freelancer",
        "Team",
        "Account Name",
        "PO",
        "Amount $",
        "Amount in local currency",
        "Currency",
        "Balance",
    ),  # fmt: skip
    "earnings-by-contract": ("Date", "Contract", "Hours", "Amount", "Payment type"),
}

#: Which header column plays which role, per format (roles absent are empty).
_ROLES: Mapping[str, Mapping[str, str]] = {
    "transaction-history": {
        "date": "Date",
        "type": "Type",
        "description": "Description",
        "freelancer": "Freelancer",
        "team": "Team",
        "amount": "Amount",
    },  # fmt: skip
    "transaction-history-v2": {
        "date": "Date",
        "type": "Transaction Type",
        "description": "Description",
        "freelancer": "Freelancer",
        "team": "Team",
        "amount": "Amount $",
    },  # fmt: skip
    "earnings-by-contract": {
        "date": "Date",
        "type": "Payment type",
        "description": "Contract",
        "hours": "Hours",
        "amount": "Amount",
    },  # fmt: skip
}

#: Row types that are earnings, by casefolded, space-collapsed type text.
_KINDS: Mapping[str, str] = {
    "hourly": "hourly",
    "fixed price": "fixed",
    "fixed-price": "fixed",
    "fixed price payment": "fixed",
    "milestone": "fixed",
    "bonus": "bonus",
    "refund": "refund",
}

PAYMENT_COLUMNS = ["freelancer_id", "contract_id", "paid_date", "amount_usd"]
CONTRACT_COLUMNS = [
    "freelancer_id", "contract_id", "client_id", "start_date", "end_date", "earnings_usd",
    "public_rating", "private_score", "disputed", "client_flagged", "category",
    "contract_type", "hours", "title",
]  # fmt: skip

#: The text columns of the files ``import`` writes (the formula guard's columns).
IMPORT_TEXT = ["freelancer_id", "contract_id", "client_id", "category", "contract_type", "title"]

_DATE_FORMATS = ("%b %d, %Y", "%B %d, %Y", "%Y-%m-%d", "%m/%d/%Y")
_DATE_EXPECTED = (
    "is not a date; expected e.g. Sep 8, 2026, September 8, 2026, 2026-09-08 "
    "or 09/08/2026 (month first)"
)
_AMOUNT_EXPECTED = (
    "is not an amount in US dollars; expected e.g. 1234.5, $1,234.50, -$12.00 or (12.00)"
)
_HOURS_EXPECTED = "is not a number of hours; expected a decimal number >= 0, e.g. 5.5"

_AMOUNT_RE = re.compile(
    r"""^(?P<all>
        (?P<sign1>[-+])?\s*
        (?:US\$|\$|USD)?\s*
        (?P<sign2>[-+])?\s*
        (?P<units>\d{1,3}(?:,\d{3})+|\d+)?
        (?:\.(?P<cents>\d{0,2})0*)?
        \s*(?:USD)?
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_DAY = r"\d{1,2}/\d{1,2}/\d{4}"
_PERIOD_RE = re.compile(rf"(?P<start>{_DAY})\s*-\s*(?P<end>{_DAY})")
_HOURS_RE = re.compile(
    r"(?:(?P<h>\d+):(?P<m>[0-5]\d)|(?P<dec>\d+(?:\.\d+)?))\s*hrs?\b", re.IGNORECASE
)
_ID_IN_DESCRIPTION_RE = re.compile(r".*\((?P<id>\d{5,})\)", re.DOTALL)
_TITLE_AND_ID_RE = re.compile(r"^(?P<title>.*?)\s*\((?P<id>\d+)\)\s*$", re.DOTALL)
#: Pieces of a Transaction History description that are not the contract title.
_NOT_TITLE = [
    r"\(\d{5,}\)",
    rf"invoice\s+for\s+{_DAY}\s*-\s*{_DAY}",
    rf"{_DAY}\s*-\s*{_DAY}",
    r"\d+(?::\d{2}|\.\d+)?\s*hrs?\b(?:\s*@\s*(?:US)?\$?\s*[\d,]*(?:\.\d*)?\s*/\s*hr\b)?",
]
_LABEL_RE = (
    r"^(?:invoice\s+for|fixed[\s-]*price(?:\s+payment)?|milestone(?:\s+\d+)?|bonus"
    r"|refund(?:\s+for)?|payment(?:\s+for)?)\b"
)
_SEPARATORS = r"[\s\-\u2013\u2014:|]"


@dataclass(frozen=True, eq=False)
class ImportResult:
    """What `read_export` found in one export.

    ``payments`` has exactly the columns of ``payments.csv`` (`PAYMENT_COLUMNS`),
    sorted by ``paid_date``, ``contract_id``, then file order; ``contracts`` has
    `CONTRACT_COLUMNS`, one row per contract sorted by ``contract_id`` (as text).
    ``skipped`` counts the rows that are not earnings, by their type as written
    (``"(empty)"`` for a row without a type). ``rows_read`` counts the data rows
    (header and blank lines excluded). ``earnings`` is the detail behind
    ``payments`` (source ``line``, ``kind``, ``hours``, the hourly invoice's
    ``period_start``/``period_end``, ``title``, ``client_id``), in the same order,
    for checking an import by eye; it is not written.
    """

    format: str
    payments: pd.DataFrame
    contracts: pd.DataFrame
    skipped: dict[str, int]
    rows_read: int
    earnings: pd.DataFrame = field(repr=False)
    source: str = ""


# --------------------------------------------------------------------------- entry points


def read_export(path: str | os.PathLike[str], freelancer_id: str = "me") -> ImportResult:
    """Read an Upwork money export (any of the three formats) into a history's tables.

    ``freelancer_id`` names the freelancer when the export has no non-empty
    ``Freelancer`` column. Raises `InputError` listing every problem found; see
    the module docstring for the rules applied.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise InputError([_whole_file(path.name, f"cannot be read ({reason})")]) from None
    return parse_export(data, path.name, freelancer_id=freelancer_id)


def parse_export(
    data: bytes | str, name: str = "<export>", freelancer_id: str = "me"
) -> ImportResult:
    """`read_export` on an export's content; ``name`` is the file name used in problems.

    Separate from `read_export` so that tests and callers holding the text in
    memory need no file.
    """
    text = _decode(data, name)
    header, first_line, records, problems = _split_records(text, name)
    fmt = _detect_format(header)
    if fmt is None:
        raise InputError([_unknown_header(name, first_line)])
    if not records:
        no_rows = "has a header but no rows; expected at least one transaction"
        raise InputError(problems or [_whole_file(name, no_rows)])

    raw = _frame(records, header, fmt)
    kinds = (
        raw["type"].str.casefold().str.replace(r"\s+", " ", regex=True).map(_earnings_kinds(fmt))
    )
    is_earning = kinds.notna()
    skipped = _count_skipped(raw.loc[~is_earning, "type"])
    if not is_earning.any():
        found = ", ".join(f"{t} {n}" for t, n in skipped.items())
        no_earnings = (
            f"has no earnings rows (Hourly, Fixed Price, Bonus or Refund); found only: {found}"
        )
        raise InputError([*problems, _whole_file(name, no_earnings)])

    earnings, value_problems = _earnings(
        raw.loc[is_earning], kinds[is_earning], fmt, name, freelancer_id
    )
    if problems or value_problems:
        # field-count problems (whole rows) and cell problems, in the order of the file
        raise InputError(sorted(problems + value_problems, key=lambda p: p.line or 0))
    contracts, problems = _contracts(earnings, name, _ROLES[fmt]["amount"])
    if problems:
        raise InputError(problems)

    earnings = earnings.assign(
        freelancer_id=earnings["contract_id"].map(
            contracts.set_index("contract_id")["freelancer_id"]
        )
    ).sort_values(["paid_date", "contract_id", "line"], kind="mergesort", ignore_index=True)
    payments = earnings.assign(amount_usd=earnings["cents"].astype("int64") / 100)[PAYMENT_COLUMNS]
    return ImportResult(
        format=fmt,
        payments=payments,
        contracts=contracts,
        skipped=skipped,
        rows_read=len(raw),
        earnings=earnings.drop(columns="cents").assign(amount_usd=payments["amount_usd"]),
        source=name,
    )


def write_import(result: ImportResult, out_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """Write ``payments.csv`` and ``contracts.csv`` into ``out_dir`` (created if needed).

    Output is deterministic: UTF-8 without BOM, ``\\n`` line ends, ISO dates,
    amounts with exactly two decimals, hours with two, no timestamps, so the
    same export always gives the same bytes. Both files are first written to a
    temporary folder next to ``out_dir`` and only moved in once both are
    complete, so a failure leaves ``out_dir`` untouched. Other files already in
    ``out_dir`` (e.g. an ``activity.csv``, or stale Parquet copies) are left as
    they are. Returns the paths written, by table name.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        is_file = "is a file; expected a folder to write the history into"
        raise InputError([_whole_file(str(out), is_file)])
    # cells a spreadsheet would run as formulas get a leading ' (the loader removes it)
    texts = {
        "payments": _csv_text(guard_formulas(_payments_for_csv(result.payments), IMPORT_TEXT[:2])),
        "contracts": _csv_text(guard_formulas(_contracts_for_csv(result.contracts), IMPORT_TEXT)),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.import-", dir=out.parent))
    try:
        for table, text in texts.items():
            (tmp / f"{table}.csv").write_bytes(text.encode("utf-8"))
        if out.exists():
            for table in texts:
                os.replace(tmp / f"{table}.csv", out / f"{table}.csv")
        else:
            os.replace(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {table: out / f"{table}.csv" for table in texts}


# --------------------------------------------------------------------------- reading


def _decode(data: bytes | str, name: str) -> str:
    """The export as text, refusing empty, binary and non-UTF-8 content."""
    if isinstance(data, str):
        text = data.removeprefix("\ufeff")
    else:
        if b"\x00" in data:
            binary = (
                "is not a text file (it contains NUL bytes: binary, or UTF-16 text); "
                "expected a CSV export from Upwork"
            )
            raise InputError([_whole_file(name, binary)])
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            not_utf8 = (
                f"is not UTF-8 text (byte 0x{data[exc.start]:02x}); expected a CSV export "
                "from Upwork as downloaded (or saved as 'CSV UTF-8')"
            )
            raise InputError([Problem(name, line, None, None, not_utf8)]) from None
    if not text.strip():
        empty = "is empty; expected a CSV export from Upwork with its header line"
        raise InputError([_whole_file(name, empty)])
    return text


def _whole_file(name: str, expected: str) -> Problem:
    """A problem about a whole file (no line, column or value)."""
    return Problem(name, None, None, None, expected)


def _split_records(
    text: str, name: str
) -> tuple[list[str], str, list[tuple[int, list[str]]], list[Problem]]:
    """Header cells, the header's first line, and each data record with its first line.

    Records may span several physical lines (a quoted newline); the line given is
    the one the record starts on, as an editor numbers it. Blank lines are not
    records. Rows with a field count other than the header's are problems
    (trailing empty fields are tolerated).
    """
    lines = io.StringIO(text, newline="")
    reader = csv.reader(lines, skipinitialspace=True)
    records: list[tuple[int, list[str]]] = []
    problems: list[Problem] = []
    header: list[str] | None = None
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
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = _trim_trailing_empty([c.replace("\ufeff", "").strip() for c in cells])
            continue
        if len(cells) > len(header) and not any(c.strip() for c in cells[len(header) :]):
            cells = cells[: len(header)]
        if len(cells) != len(header):
            problems.append(
                Problem(name, start, None, None,
                        f"has {len(cells)} fields; expected {len(header)} like the header")
            )  # fmt: skip
            continue
        records.append((start, cells))
    first_line = text.lstrip("\r\n").splitlines()[0] if text.strip() else ""
    return header or [], first_line.strip(), records, problems


def _trim_trailing_empty(cells: list[str]) -> list[str]:
    while cells and not cells[-1]:
        cells = cells[:-1]
    return cells


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _detect_format(header: list[str]) -> str | None:
    """The format whose header matches (ignoring case, spaces and column order), if any."""
    found = sorted(_fold(c) for c in header)
    for fmt, expected in HEADERS.items():
        if found == sorted(_fold(c) for c in expected):
            return fmt
    return None


def _unknown_header(name: str, first_line: str) -> Problem:
    def quoted(cols: tuple[str, ...]) -> str:
        return ",".join(f'"{c}"' for c in cols)

    return Problem(
        name, 1, None, first_line,
        "is not the header of a known Upwork export; expected the Transaction History header "
        f"{quoted(HEADERS['transaction-history'])}, its newer variant "
        f"{quoted(HEADERS['transaction-history-v2'])}, or the earnings-by-contract header "
        f"{quoted(HEADERS['earnings-by-contract'])}",
    )  # fmt: skip


def _frame(records: list[tuple[int, list[str]]], header: list[str], fmt: str) -> pd.DataFrame:
    """The records as text columns named by role (``date``, ``amount``, ...), plus ``line``.

    Cells keep their raw text (for messages) except for surrounding spaces;
    roles a format lacks are empty strings.
    """
    position = {_fold(c): i for i, c in enumerate(header)}
    columns: dict[str, object] = {"line": np.array([line for line, _ in records], dtype="int64")}
    for role in ("date", "type", "description", "freelancer", "team", "hours", "amount"):
        column = _ROLES[fmt].get(role)
        if column is None:
            columns[role] = [""] * len(records)
        else:
            i = position[_fold(column)]
            columns[role] = [cells[i].strip() for _, cells in records]
    return pd.DataFrame(columns).astype({r: "str" for r in columns if r != "line"})


def _earnings_kinds(fmt: str) -> Mapping[str, str]:
    """Type text -> earnings kind; in earnings-by-contract an empty type is hourly."""
    if fmt == "earnings-by-contract":
        return {**_KINDS, "": "hourly"}
    return _KINDS


def _count_skipped(types: pd.Series) -> dict[str, int]:
    """Rows that are not earnings, counted by their type as written, sorted by type."""
    counts = types.replace("", "(empty)").value_counts()
    return {str(t): int(counts[t]) for t in sorted(counts.index)}


# --------------------------------------------------------------------------- parsing values


def parse_cents(raw: pd.Series) -> pd.Series:
    """Dollar amounts as text -> integer cents (nullable ``Int64``; NA where unparseable).

    Accepts an optional sign (before or after ``$``/``US$``/``USD``), thousands
    separators, at most two decimals (more only if zeros), accounting negatives in
    parentheses and a ``USD`` suffix. Integer cents keep sums exact.
    """
    text = raw.fillna("").astype("str").str.strip().str.replace("\u2212", "-", regex=False)
    paren = text.str.fullmatch(r"\(.*\)")
    inner = text.where(~paren, text.str.slice(1, -1).str.strip())
    parts = inner.str.extract(_AMOUNT_RE)
    units = parts["units"].fillna("").str.replace(",", "", regex=False)
    cents = parts["cents"].fillna("")
    sign1, sign2 = parts["sign1"].fillna(""), parts["sign2"].fillna("")
    valid = (
        parts["all"].notna()
        & ((units != "") | (cents != ""))
        & ~((sign1 != "") & (sign2 != ""))
        & ~(paren & ((sign1 != "") | (sign2 != "")))
        & (units.str.len() <= 13)
    )
    whole = units.where(valid & (units != ""), "0").astype("int64")
    part = cents.str.pad(2, side="right", fillchar="0").where(valid, "00").astype("int64")
    negative = paren | (sign1 == "-") | (sign2 == "-")
    value = (whole * 100 + part) * np.where(negative, -1, 1)
    return value.astype("Int64").where(valid)


def parse_dates(raw: pd.Series) -> pd.Series:
    """Dates as text in any accepted format -> ``datetime64[s]`` (NaT where unparseable)."""
    text = (
        raw.fillna("")
        .astype("str")
        .str.strip()
        .str.replace(r"\s+", " ", regex=True)
        .str.replace(r"(?i)^sept\b", "Sep", regex=True)
    )
    out = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[s]")
    for fmt in _DATE_FORMATS:
        parsed = pd.to_datetime(text, format=fmt, errors="coerce").astype("datetime64[s]")
        out = out.where(out.notna(), parsed)
    return out


def _hours_from_descriptions(description: pd.Series) -> pd.Series:
    """Hours billed, from ``12:30 hrs`` (H:MM) or ``12.5 hrs`` in a description; NaN if none."""
    parts = description.str.extract(_HOURS_RE)
    hm = pd.to_numeric(parts["h"]) + pd.to_numeric(parts["m"]) / 60
    return hm.where(parts["h"].notna(), pd.to_numeric(parts["dec"])).astype("float64")


def _periods(description: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The invoice period ``MM/DD/YYYY-MM/DD/YYYY`` of hourly descriptions (NaT if none).

    Only for the record: an unparseable period is left empty, not reported.
    """
    parts = description.str.extract(_PERIOD_RE)
    start = pd.to_datetime(parts["start"], format="%m/%d/%Y", errors="coerce")
    end = pd.to_datetime(parts["end"], format="%m/%d/%Y", errors="coerce")
    return start.astype("datetime64[s]"), end.astype("datetime64[s]")


def contract_titles(description: pd.Series) -> pd.Series:
    """The contract title left in a Transaction History description (see module docstring)."""
    title = description.fillna("").astype("str")
    for pattern in _NOT_TITLE:
        title = title.str.replace(pattern, " ", regex=True, flags=re.IGNORECASE)
    strip_separators = rf"^{_SEPARATORS}+|{_SEPARATORS}+$"
    title = title.str.replace(strip_separators, "", regex=True)
    title = title.str.replace(_LABEL_RE, "", regex=True, flags=re.IGNORECASE)
    title = title.str.replace(
        rf"\s+[-\u2013\u2014:|](?:{_SEPARATORS}*[-\u2013\u2014:|])+\s+", " - ", regex=True
    )
    title = title.str.replace(strip_separators, "", regex=True)
    return title.str.replace(r"\s+", " ", regex=True)


def derived_contract_id(title: str) -> str:
    """A stable contract id for a title without one: ``t-<slug>-<8 hex of SHA-1>``.

    The hash is of the casefolded, space-collapsed title, so spelling the title
    with other case or spacing gives the same id, and titles that slug alike
    (``C++ dev`` and ``C# dev``) do not collide.
    """
    key = _fold(title)
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:8]
    ascii_key = unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_key).strip("-")[:40].rstrip("-")
    return f"t-{slug}-{digest}" if slug else f"t-{digest}"


# --------------------------------------------------------------------------- earnings


def _earnings(
    raw: pd.DataFrame, kinds: pd.Series, fmt: str, name: str, freelancer_id: str
) -> tuple[pd.DataFrame, list[Problem]]:
    """Parse the earnings rows: date, cents, hours, contract, client; problems per cell."""
    roles = _ROLES[fmt]
    found: list[tuple[int, int, Problem]] = []

    def report(mask: pd.Series, role: str, order: int, expected: str) -> None:
        for line, value in zip(raw.loc[mask, "line"], raw.loc[mask, role], strict=True):
            found.append(
                (int(line), order, Problem(name, int(line), roles[role], str(value), expected))
            )

    paid = parse_dates(raw["date"])
    report(paid.isna(), "date", 0, _DATE_EXPECTED)
    cents = parse_cents(raw["amount"])
    report(cents.isna(), "amount", 2, _AMOUNT_EXPECTED)
    cents = cents.where(kinds != "refund", -cents.abs())

    if fmt == "earnings-by-contract":
        hours = pd.to_numeric(raw["hours"].replace("", np.nan), errors="coerce").astype("float64")
        bad_hours = (raw["hours"] != "") & ~(hours >= 0)
        report(bad_hours, "hours", 1, _HOURS_EXPECTED)
        parts = raw["description"].str.extract(_TITLE_AND_ID_RE)
        titled = parts["title"].notna()
        title = (
            parts["title"]
            .where(titled, raw["description"])
            .str.replace(r"\s+", " ", regex=True)
            .str.strip()
        )
        contract_id = parts["id"]
        period_start = period_end = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[s]")
        team = pd.Series("", index=raw.index, dtype="str")
        freelancer = pd.Series(freelancer_id, index=raw.index, dtype="str")
    else:
        hours = _hours_from_descriptions(raw["description"]).where(kinds == "hourly")
        period_start, period_end = _periods(raw["description"])
        contract_id = raw["description"].str.extract(_ID_IN_DESCRIPTION_RE)["id"]
        title = contract_titles(raw["description"])
        team = raw["team"]
        freelancer = raw["freelancer"].where(raw["freelancer"] != "", freelancer_id)

    title = title.where(title != "", ("Untitled contract with " + team).where(team != "", ""))
    no_contract = contract_id.isna() & (title == "")
    report(
        no_contract, "description", 1,
        "names no contract; expected a title or a contract id in parentheses "
        "(or a Team to group it by)",
    )  # fmt: skip
    contract_id = _fill_contract_ids(contract_id, title)
    earnings = pd.DataFrame(
        {
            "line": raw["line"],
            "kind": kinds,
            "paid_date": paid,
            "cents": cents,  # Int64, NA where the amount is a problem
            "hours": hours,
            "period_start": period_start,
            "period_end": period_end,
            "contract_id": contract_id.astype("str"),
            "title": title.astype("str"),
            "client_id": team.where(team != "", contract_id).astype("str"),
            "freelancer_id": freelancer.astype("str"),
        }
    )
    return earnings, [p for _, _, p in sorted(found, key=lambda t: t[:2])]


def _fill_contract_ids(contract_id: pd.Series, title: pd.Series) -> pd.Series:
    """Ids for rows without one: the unique id given elsewhere for the same title, else derived."""
    key = title.map(_fold)
    known = pd.DataFrame({"key": key, "id": contract_id}).dropna().drop_duplicates()
    unique = (
        known.groupby("key")["id"].agg(lambda ids: ids.iloc[0] if len(ids) == 1 else None).dropna()
    )
    filled = contract_id.where(contract_id.notna(), key.map(unique))
    missing = filled.isna() & (title != "")
    derived = {t: derived_contract_id(t) for t in title[missing].unique()}
    return filled.where(~missing, title.map(derived))


# --------------------------------------------------------------------------- contracts


def _contracts(
    earnings: pd.DataFrame, name: str, amount_column: str
) -> tuple[pd.DataFrame, list[Problem]]:
    """One row per contract (see module docstring); problems for negative totals."""
    by_line = earnings.sort_values("line", kind="mergesort")
    grouped = by_line.groupby("contract_id", sort=True)
    titled = by_line.loc[by_line["title"] != ""]
    # the title most rows give (a milestone's name often precedes it), ties to the first in the file
    title = (
        titled.groupby(["contract_id", "title"], sort=False)["line"]
        .agg(["size", "min"])
        .reset_index()
        .sort_values(
            ["contract_id", "size", "min"], ascending=[True, False, True], kind="mergesort"
        )
        .drop_duplicates("contract_id")
        .set_index("contract_id")["title"]
    )
    agg = grouped.agg(
        freelancer_id=("freelancer_id", "first"),
        client_id=("client_id", "first"),
        start_date=("paid_date", "min"),
        end_date=("paid_date", "max"),
        cents=("cents", "sum"),
        hours=("hours", lambda h: h.sum(min_count=1)),
        any_hourly=("kind", lambda k: bool((k == "hourly").any())),
        lines=("line", list),
    )
    problems = [
        Problem(
            name,
            None,
            amount_column,
            _format_cents_one(int(row.cents)),
            f"is the total of contract {cid} (lines {', '.join(map(str, sorted(row.lines)))}): "
            "refunds exceed payments, and a contract's earnings cannot be negative; "
            "expected the export to cover the contract's payments too",
        )
        for cid, row in agg.loc[agg["cents"] < 0].iterrows()
    ]
    contracts = pd.DataFrame(
        {
            "freelancer_id": agg["freelancer_id"].astype("str"),
            "contract_id": agg.index.astype("str"),
            "client_id": agg["client_id"].astype("str"),
            "start_date": agg["start_date"].astype("datetime64[s]"),
            "end_date": agg["end_date"].astype("datetime64[s]"),
            "earnings_usd": agg["cents"].astype("int64") / 100,
            "public_rating": np.nan,
            "private_score": pd.array([pd.NA] * len(agg), dtype="Int8"),
            "disputed": False,
            "client_flagged": False,
            "category": pd.Series([pd.NA] * len(agg), index=agg.index, dtype="str"),
            "contract_type": np.where(agg["any_hourly"].astype(bool), "hourly", "fixed"),
            "hours": agg["hours"].astype("float64").round(2),
            "title": title.reindex(agg.index).fillna("").astype("str"),
        }
    ).reset_index(drop=True)
    contracts = contracts.astype({"contract_type": "str", "public_rating": "float64"})
    return contracts[CONTRACT_COLUMNS], problems


# --------------------------------------------------------------------------- writing


def format_cents(cents: pd.Series) -> pd.Series:
    """Integer cents -> text with exactly two decimals (``-12.05``), exact for any size."""
    c = cents.astype("int64")
    magnitude = c.abs()
    sign = pd.Series(np.where(c < 0, "-", ""), index=c.index, dtype="str")
    return (
        sign + (magnitude // 100).astype("str") + "." + (magnitude % 100).astype("str").str.zfill(2)
    )


def _format_cents_one(cents: int) -> str:
    return format_cents(pd.Series([cents])).iloc[0]


def _dollars_to_cents(amount: pd.Series) -> pd.Series:
    return (amount.astype("float64") * 100).round().astype("int64")


def _iso(dates: pd.Series) -> pd.Series:
    return dates.dt.strftime("%Y-%m-%d").fillna("").astype("str")


def _payments_for_csv(payments: pd.DataFrame) -> pd.DataFrame:
    return payments.assign(
        paid_date=_iso(payments["paid_date"]),
        amount_usd=format_cents(_dollars_to_cents(payments["amount_usd"])),
    )[PAYMENT_COLUMNS]


def _contracts_for_csv(contracts: pd.DataFrame) -> pd.DataFrame:
    def text_or_empty(col: pd.Series) -> pd.Series:
        return col.astype("str").where(col.notna(), "")

    hours = contracts["hours"]
    return contracts.assign(
        start_date=_iso(contracts["start_date"]),
        end_date=_iso(contracts["end_date"]),
        earnings_usd=format_cents(_dollars_to_cents(contracts["earnings_usd"])),
        public_rating=text_or_empty(contracts["public_rating"]),
        private_score=text_or_empty(contracts["private_score"]),
        disputed=np.where(contracts["disputed"], "true", "false"),
        client_flagged=np.where(contracts["client_flagged"], "true", "false"),
        category=text_or_empty(contracts["category"]),
        hours=hours.map(lambda h: f"{h:.2f}", na_action="ignore").fillna("").astype("str"),
    )[CONTRACT_COLUMNS]


def _csv_text(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, lineterminator="\n")
