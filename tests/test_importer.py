"""Tests for `analysis.io.importer`: real Upwork money exports -> payments.csv + contracts.csv.

Expected values are worked out by hand in each docstring (the sample's per-contract
totals were summed once with awk over the raw file, in integer cents, and written
here as literals).
"""

from __future__ import annotations

import csv
import io
import os
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.io import importer
from analysis.io.errors import InputError
from analysis.io.importer import (
    CONTRACT_COLUMNS,
    PAYMENT_COLUMNS,
    derived_contract_id,
    parse_cents,
    parse_dates,
    parse_export,
    read_export,
    write_import,
)

REPO = Path(__file__).resolve().parents[1]
# the bundled copy of ../shared/data/upwork-earnings-export-sample.csv (identical bytes,
# checked below when ../shared is beside the clone)
SAMPLE = REPO / "data" / "raw" / "upwork-earnings-export-sample.csv"
SHARED_SAMPLE = REPO.parent / "shared" / "data" / "upwork-earnings-export-sample.csv"


@pytest.mark.skipif(not SHARED_SAMPLE.exists(), reason="../shared is not beside this clone")
def test_bundled_sample_is_the_shared_one():
    assert SAMPLE.read_bytes() == SHARED_SAMPLE.read_bytes()


FIXTURES = Path(__file__).resolve().parent / "fixtures" / "exports"
OLD_EXPORT = FIXTURES / "transaction-history.csv"
NEW_EXPORT = FIXTURES / "transaction-history-v2.csv"

TH_HEADER = (
    '"Date","Ref ID","Type","Description","Agency","Freelancer","Team","Account Name","PO",'
    '"Amount","Amount in local currency","Currency","Balance"'
)
EBC_HEADER = '"Date","Contract","Hours","Amount","Payment type"'


def th_row(
    date: str, kind: str, description: str, amount: str, team: str = "", freelancer: str = ""
) -> str:
    """One Transaction History (older header) line with the columns the importer reads."""
    cells = [date, "1", kind, description, "", freelancer, team, "", "", amount, "", "", ""]
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n").writerow(cells)
    return out.getvalue()


def cents(amounts: pd.Series) -> list[int]:
    return [round(a * 100) for a in amounts]


def problems_of(excinfo: pytest.ExceptionInfo[InputError]) -> list[str]:
    return [str(p) for p in excinfo.value.problems]


# --------------------------------------------------------------------------- the real sample


@pytest.fixture(scope="module")
def sample() -> importer.ImportResult:
    return read_export(SAMPLE)


def test_sample_counts(sample: importer.ImportResult) -> None:
    """252 rows (253 lines with the header): 243 hourly, 7 Bonus, 2 Fixed Price Payment,
    11 distinct contract ids, nothing skipped (data/README.md)."""
    assert sample.format == "earnings-by-contract"
    assert sample.rows_read == 252
    assert sample.skipped == {}
    assert len(sample.payments) == 252
    assert sample.earnings["kind"].value_counts().to_dict() == {
        "hourly": 243,
        "bonus": 7,
        "fixed": 2,
    }
    assert len(sample.contracts) == 11
    assert list(sample.payments.columns) == PAYMENT_COLUMNS
    assert list(sample.contracts.columns) == CONTRACT_COLUMNS


def test_sample_total_equals_amount_column(sample: importer.ImportResult) -> None:
    """The Amount column summed exactly (Decimal, read with the csv module) is $5,189.58
    (awk: 518958 cents); the payments sum to the same cents."""
    with SAMPLE.open(newline="", encoding="utf-8") as f:
        column_total = sum(Decimal(row["Amount"]) for row in csv.DictReader(f))
    assert column_total == Decimal("5189.58")
    assert sum(cents(sample.payments["amount_usd"])) == 518958
    assert sum(cents(sample.contracts["earnings_usd"])) == 518958


def test_sample_per_contract_totals(sample: importer.ImportResult) -> None:
    """Hand sums per contract (awk over the raw file, integer cents; hours to 2 decimals):

    34848691  126.00   42.00 h  9 rows, all hourly      2023-09-16 .. 2023-12-11
    35559654   15.00    -       1 Fixed Price Payment   2023-12-01
    35695275 1805.00  120.33 h  49 hourly
    36473604  565.50  188.50 h  66 hourly
    36873991  181.66   17.17 h  11 hourly + Bonus 10
    37108658   13.42    1.17 h  1 hourly + Bonus 1.75
    37737695 1150.00   76.67 h  34 hourly
    38236294  190.00    9.67 h  4 hourly + Bonus 45
    39343332  100.00    -       1 Fixed Price Payment   2024-12-30
    39725429  953.00  139.67 h  67 hourly + 4 Bonus (20+30+25+40)  2025-02-11 .. 2025-07-16
    41054536   90.00    6.00 h  2 hourly
    """
    c = sample.contracts.set_index("contract_id")
    assert dict(zip(c.index, cents(c["earnings_usd"]), strict=True)) == {
        "34848691": 12600,
        "35559654": 1500,
        "35695275": 180500,
        "36473604": 56550,
        "36873991": 18166,
        "37108658": 1342,
        "37737695": 115000,
        "38236294": 19000,
        "39343332": 10000,
        "39725429": 95300,
        "41054536": 9000,
    }
    assert c["hours"].dropna().to_dict() == {
        "34848691": 42.00,
        "35695275": 120.33,
        "36473604": 188.50,
        "36873991": 17.17,
        "37108658": 1.17,
        "37737695": 76.67,
        "38236294": 9.67,
        "39725429": 139.67,
        "41054536": 6.00,
    }
    assert c.loc[["35559654", "39343332"], "contract_type"].tolist() == ["fixed", "fixed"]
    assert (c.drop(index=["35559654", "39343332"])["contract_type"] == "hourly").all()
    assert (c["client_id"] == c.index).all()  # no client id in the export: own client
    assert (c["freelancer_id"] == "me").all()
    assert c.loc["34848691", ["start_date", "end_date"]].tolist() == [
        pd.Timestamp("2023-09-16"),
        pd.Timestamp("2023-12-11"),
    ]
    assert c.loc["39725429", ["start_date", "end_date"]].tolist() == [
        pd.Timestamp("2025-02-11"),
        pd.Timestamp("2025-07-16"),
    ]
    assert c.loc["35695275", "title"] == "HTML Front End Dev"
    assert c["public_rating"].isna().all() and c["private_score"].isna().all()
    assert not c["disputed"].any() and not c["client_flagged"].any()


# --------------------------------------------------------------------------- Transaction History fixtures


def test_old_transaction_history() -> None:
    """tests/fixtures/exports/transaction-history.csv, 15 rows:

    earnings (7):  line 2  Hourly 12:30 h  $500.00    Logo Redesign (41000001), Acme Corp
                   line 6  Hourly  1:45 h  70.00      41000001
                   line 8  Fixed Price     $1,250.00  Landing Page Copy (41000002), Blue Fin Ltd
                   line 10 Bonus           +25.50     41000001
                   line 12 Refund          (200.00)   41000002 -> -200.00
                   line 13 Fixed Price     $300       "Website Audit", no id, no Team
                   line 16 Hourly 25:00 h  $1,000.00  41000001
    skipped (8):   Service Fee lines 3, 7, 9, 11, 14; Withdrawal 4; Withdrawal Fee 5;
                   Membership Fee 15.
    41000001: 500 + 70 + 25.50 + 1000 = 1595.50; 12.5 + 1.75 + 25 = 39.25 h; Aug 3 .. Sep 8.
    41000002: 1250 - 200 = 1050.00, fixed, Aug 20 .. Aug 28.
    Website Audit: 300.00, id derived from the title, its own client.
    """
    r = read_export(OLD_EXPORT, freelancer_id="ignored")
    assert r.format == "transaction-history"
    assert r.rows_read == 15
    assert r.skipped == {
        "Membership Fee": 1,
        "Service Fee": 5,
        "Withdrawal": 1,
        "Withdrawal Fee": 1,
    }
    assert r.rows_read == len(r.payments) + sum(r.skipped.values())
    audit = "t-website-audit-7963fc54"
    expected_payments = pd.DataFrame(
        {
            "freelancer_id": ["Ana Lima"] * 7,
            "contract_id": [
                "41000001",
                audit,
                "41000002",
                "41000001",
                "41000002",
                "41000001",
                "41000001",
            ],
            "paid_date": pd.to_datetime(
                [
                    "2026-08-03",
                    "2026-08-15",
                    "2026-08-20",
                    "2026-08-25",
                    "2026-08-28",
                    "2026-09-01",
                    "2026-09-08",
                ]
            ).astype("datetime64[s]"),
            "amount_usd": [1000.00, 300.00, -200.00, 25.50, 1250.00, 70.00, 500.00],
        }
    ).astype({"freelancer_id": "str", "contract_id": "str"})
    pd.testing.assert_frame_equal(r.payments, expected_payments)

    c = r.contracts.set_index("contract_id")
    assert list(c.index) == ["41000001", "41000002", audit]
    assert cents(c["earnings_usd"]) == [159550, 105000, 30000]
    assert c["hours"].tolist()[:1] == [39.25] and c["hours"].iloc[1:].isna().all()
    assert c["contract_type"].tolist() == ["hourly", "fixed", "fixed"]
    assert c["client_id"].tolist() == ["Acme Corp", "Blue Fin Ltd", audit]
    assert c["title"].tolist() == ["Logo Redesign", "Landing Page Copy", "Website Audit"]
    assert c.loc["41000001", "start_date"] == pd.Timestamp("2026-08-03")
    assert c.loc["41000001", "end_date"] == pd.Timestamp("2026-09-08")
    # the invoice period is kept in the detail, not in payments
    line2 = r.earnings.set_index("line").loc[2]
    assert (line2["period_start"], line2["period_end"]) == (
        pd.Timestamp("2026-08-31"),
        pd.Timestamp("2026-09-06"),
    )
    assert line2["hours"] == 12.5


def test_new_transaction_history_variant() -> None:
    """tests/fixtures/exports/transaction-history-v2.csv (BOM, CRLF, `Transaction Type`,
    `Amount $`, empty Freelancer column), 13 rows:

    earnings (6):  line 2  Hourly 10:15 h $563.75   API Integration (52000001), Delta Labs
                   line 6  Hourly  3:20 h 183.33    "API Integration" without id -> 52000001
                   line 8  Milestone      $2,400.00 "Milestone 1: Schema design - Data Cleanup (52000002)"
                   line 10 Fixed-price    $600.00   52000002
                   line 11 Refund         -$150.00  52000002
                   line 12 Bonus          $100      52000001
    skipped (7):   Service Fee 3, Withdrawal 1, Withdrawal Fee 1, Connects 1, Membership Fee 1.
    52000001: 563.75 + 183.33 + 100 = 847.08; 10.25 + 3.3333 = 13.58 h; Aug 18 .. Sep 8.
    52000002: 2400 + 600 - 150 = 2850.00; fixed; no Team -> client 52000002; title "Data
    Cleanup" (2 rows give it, 1 gives "Schema design - Data Cleanup").
    Dates in four spellings: September 8, 2026 / 2026-09-02 / 09/01/2026 / Aug 27, 2026.
    """
    r = read_export(NEW_EXPORT, freelancer_id="ben")
    assert r.format == "transaction-history-v2"
    assert r.rows_read == 13
    assert r.skipped == {
        "Connects": 1,
        "Membership Fee": 1,
        "Service Fee": 3,
        "Withdrawal": 1,
        "Withdrawal Fee": 1,
    }
    p = r.payments
    assert p["contract_id"].tolist() == [
        "52000001",
        "52000002",
        "52000002",
        "52000002",
        "52000001",
        "52000001",
    ]
    assert cents(p["amount_usd"]) == [10000, -15000, 60000, 240000, 18333, 56375]
    assert p["paid_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2026-08-18",
        "2026-08-18",
        "2026-08-20",
        "2026-08-27",
        "2026-09-01",
        "2026-09-08",
    ]
    assert (p["freelancer_id"] == "ben").all()

    c = r.contracts.set_index("contract_id")
    assert cents(c["earnings_usd"]) == [84708, 285000]
    assert c.loc["52000001", "hours"] == 13.58 and pd.isna(c.loc["52000002", "hours"])
    assert c["client_id"].tolist() == ["Delta Labs", "52000002"]
    assert c["contract_type"].tolist() == ["hourly", "fixed"]
    assert c["title"].tolist() == ["API Integration", "Data Cleanup"]
    assert c["end_date"].tolist() == [pd.Timestamp("2026-09-08"), pd.Timestamp("2026-08-27")]


def test_header_matched_ignoring_bom_spaces_case_and_order() -> None:
    """A BOM, padded and lower-cased names and swapped columns still read as
    earnings-by-contract; 2 rows of 10.00 and 5.50 -> 15.50 on contract 12345."""
    text = (
        "\ufeff  date , CONTRACT,Amount ,hours, payment TYPE \n"
        '"2024-01-01","A (12345)","10","2",""\n'
        '"2024-01-02","A (12345)","5.5","",Bonus\n'
    )
    r = parse_export(text.encode(), "x.csv")
    assert r.format == "earnings-by-contract"
    assert cents(r.contracts["earnings_usd"]) == [1550]
    assert r.contracts["hours"].tolist() == [2.0]


def test_refund_is_negative_whatever_its_sign() -> None:
    """A Refund of "$40.00" (positive in the file) is recorded as -40.00: 100 - 40 = 60."""
    text = (
        TH_HEADER
        + "\n"
        + th_row("Jan 5, 2025", "Fixed Price", "Fixed Price - Site (55555)", "$100.00")
        + th_row("Jan 9, 2025", "Refund", "Refund - Site (55555)", "$40.00")
    )
    r = parse_export(text.encode(), "x.csv")
    assert cents(r.payments["amount_usd"]) == [10000, -4000]
    assert cents(r.contracts["earnings_usd"]) == [6000]


def test_freelancer_column_wins_over_argument() -> None:
    """Freelancer "Ana" on the row -> freelancer_id "Ana"; the empty one -> the argument."""
    text = (
        TH_HEADER
        + "\n"
        + th_row("Jan 5, 2025", "Bonus", "Bonus - A (11111)", "1", freelancer="Ana")
        + th_row("Jan 5, 2025", "Bonus", "Bonus - B (22222)", "1")
    )
    r = parse_export(text.encode(), "x.csv", freelancer_id="zoe")
    assert r.contracts["freelancer_id"].tolist() == ["Ana", "zoe"]


def test_derived_contract_id_is_stable_and_collision_free() -> None:
    """Case and spacing do not change the id; "C++ dev" and "C# dev" slug alike ("c-dev")
    but hash apart."""
    assert derived_contract_id("Website Audit") == "t-website-audit-7963fc54"
    assert derived_contract_id("  website   AUDIT ") == "t-website-audit-7963fc54"
    a, b = derived_contract_id("C++ dev"), derived_contract_id("C# dev")
    assert a.startswith("t-c-dev-") and b.startswith("t-c-dev-") and a != b


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.5", 123450),
        ("$1,234.50", 123450),
        ("-$12.00", -1200),
        ("$-12.00", -1200),
        ("(12.00)", -1200),
        ("($1,000)", -100000),
        ("+25.5", 2550),
        (" 0.07 ", 7),
        (".5", 50),
        ("12.500", 1250),
        ("12.00 USD", 1200),
        ("US$3", 300),
        ("1,234,567.89", 123456789),
    ],
)
def test_parse_cents_accepts(text: str, expected: int) -> None:
    assert parse_cents(pd.Series([text])).iloc[0] == expected


@pytest.mark.parametrize(
    "text", ["", "abc", "12.345", "1,2.3", "--5", "-(5)", "€5", "1.234,50", "$", "-"]
)
def test_parse_cents_refuses(text: str) -> None:
    assert pd.isna(parse_cents(pd.Series([text])).iloc[0])


def test_parse_dates_accepts_four_spellings() -> None:
    """All of these are 8 September 2026; "Feb 30, 2026" and "31/12/2026" are not dates."""
    got = parse_dates(
        pd.Series(
            [
                "Sep 8, 2026",
                "Sept 8, 2026",
                "September 8, 2026",
                "2026-09-08",
                "09/08/2026",
                "9/8/2026",
            ]
        )
    )
    assert (got == pd.Timestamp("2026-09-08")).all()
    assert parse_dates(pd.Series(["Feb 30, 2026", "31/12/2026", ""])).isna().all()


# --------------------------------------------------------------------------- writing


def test_written_files_exact_and_deterministic(tmp_path: Path) -> None:
    """Two payments on one contract written twice give identical bytes, UTF-8 without BOM,
    '\\n' line ends, ISO dates, two decimals; 12.5 + 0.07 = 12.57; 1.5 h."""
    text = (
        EBC_HEADER
        + "\n"
        + '"2024-01-02","Shop, v2 (777777)","1.5","12.5",""\n"2024-01-01","Shop, v2 (777777)","","0.07","Bonus"\n'
    )
    r = parse_export(text.encode(), "x.csv", freelancer_id="me")
    first = write_import(r, tmp_path / "a")
    second = write_import(parse_export(text.encode(), "x.csv"), tmp_path / "b")
    for table in ("payments", "contracts"):
        assert first[table].read_bytes() == second[table].read_bytes()
    assert first["payments"].read_bytes() == (
        b"freelancer_id,contract_id,paid_date,amount_usd\n"
        b"me,777777,2024-01-01,0.07\n"
        b"me,777777,2024-01-02,12.50\n"
    )
    assert first["contracts"].read_bytes() == (
        b"freelancer_id,contract_id,client_id,start_date,end_date,earnings_usd,public_rating,"
        b"private_score,disputed,client_flagged,category,contract_type,hours,title\n"
        b'me,777777,777777,2024-01-01,2024-01-02,12.57,,,false,false,,hourly,1.50,"Shop, v2"\n'
    )


def test_fixture_import_is_deterministic(tmp_path: Path) -> None:
    for export in (OLD_EXPORT, NEW_EXPORT, SAMPLE):
        a = write_import(read_export(export), tmp_path / f"{export.stem}-1")
        b = write_import(read_export(export), tmp_path / f"{export.stem}-2")
        assert {t: p.read_bytes() for t, p in a.items()} == {
            t: p.read_bytes() for t, p in b.items()
        }
        assert b"\r" not in a["payments"].read_bytes()


def test_write_failure_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """If moving the files in fails, the target is not created and no temp folder is left."""
    r = read_export(OLD_EXPORT)

    def fail(*_args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(importer.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_import(r, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_write_into_existing_folder_keeps_other_files(tmp_path: Path) -> None:
    out = tmp_path / "history"
    out.mkdir()
    (out / "activity.csv").write_text("freelancer_id,week_start\n")
    (out / "payments.csv").write_text("old\n")
    paths = write_import(read_export(OLD_EXPORT), out)
    assert (out / "activity.csv").read_text() == "freelancer_id,week_start\n"
    assert (
        paths["payments"].read_text().startswith("freelancer_id,contract_id,paid_date,amount_usd\n")
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history"]


def test_write_onto_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.write_text("x")
    with pytest.raises(InputError) as excinfo:
        write_import(read_export(OLD_EXPORT), target)
    assert problems_of(excinfo) == [
        f"{target}: is a file; expected a folder to write the history into"
    ]


def test_written_folder_passes_the_loader(tmp_path: Path) -> None:
    load = pytest.importorskip("analysis.io.load")
    write_import(read_export(SAMPLE), tmp_path / "h")
    history = load.read_history(tmp_path / "h")
    assert len(history.contracts) == 11
    assert history.payments is not None and len(history.payments) == 252
    assert round(history.contracts["earnings_usd"].sum() * 100) == 518958


# --------------------------------------------------------------------------- bad exports

EXPECTED_HEADERS = (
    'expected the Transaction History header "Date","Ref ID","Type","Description","Agency",'
    '"Freelancer","Team","Account Name","PO","Amount","Amount in local currency","Currency",'
    '"Balance", its newer variant "Date","Ref ID","Transaction Type","Description","Agency",'
    '"Freelancer","Team","Account Name","PO","Amount $","Amount in local currency","Currency",'
    '"Balance", or the earnings-by-contract header "Date","Contract","Hours","Amount","Payment type"'
)


def refused(tmp_path: Path, content: bytes, name: str = "export.csv") -> list[str]:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as excinfo:
        read_export(path)
    return problems_of(excinfo)


def test_unknown_header(tmp_path: Path) -> None:
    got = refused(tmp_path, b"Date;Contract;Amount\n2024-01-01;A;5\n")
    assert got == [
        "export.csv line 1: 'Date;Contract;Amount' is not the header of a known Upwork export; "
        + EXPECTED_HEADERS
    ]


def test_bad_date_and_amount_all_reported(tmp_path: Path) -> None:
    """Three bad cells on lines 2 and 4 are all reported, in file order; the Withdrawal on
    line 3 (an unparseable amount, but not an earning) is not checked."""
    text = (
        TH_HEADER
        + "\n"
        + th_row("Sep 31, 2026", "Hourly", "Invoice - A (12345)", "$10.00")
        + th_row("Sep 1, 2026", "Withdrawal", "to bank", "lots")
        + th_row("2026-09-01", "Bonus", "Bonus - A (12345)", "12,34")
    )
    assert refused(tmp_path, text.encode()) == [
        "export.csv line 2, column Date: 'Sep 31, 2026' is not a date; expected e.g. Sep 8, 2026, "
        "September 8, 2026, 2026-09-08 or 09/08/2026 (month first)",
        "export.csv line 4, column Amount: '12,34' is not an amount in US dollars; "
        "expected e.g. 1234.5, $1,234.50, -$12.00 or (12.00)",
    ]


def test_bad_amount_in_new_variant_names_its_column(tmp_path: Path) -> None:
    header = NEW_EXPORT.read_text(encoding="utf-8-sig").splitlines()[0]
    row = '"Sep 8, 2026","1","Bonus","Bonus - A (12345)","","","","","","12.345","","",""'
    assert refused(tmp_path, f"{header}\n{row}\n".encode()) == [
        "export.csv line 2, column Amount $: '12.345' is not an amount in US dollars; "
        "expected e.g. 1234.5, $1,234.50, -$12.00 or (12.00)"
    ]


def test_line_numbers_count_physical_lines(tmp_path: Path) -> None:
    """A quoted newline makes the record on lines 3-4 two lines long, so the bad amount
    after it is on line 5 as an editor shows it."""
    text = (
        EBC_HEADER + "\n"
        '"2024-01-01","A (12345)","1","5",""\n'
        '"2024-01-02","Two\nlines (12345)","1","5",""\n'
        '"2024-01-03","A (12345)","1","oops",""\n'
    )
    assert refused(tmp_path, text.encode()) == [
        "export.csv line 5, column Amount: 'oops' is not an amount in US dollars; "
        "expected e.g. 1234.5, $1,234.50, -$12.00 or (12.00)"
    ]


def test_bad_hours_and_field_count(tmp_path: Path) -> None:
    text = (
        EBC_HEADER + "\n" + '"2024-01-01","A (12345)","-2","5",""\n"2024-01-02","A (12345)","5"\n'
    )
    assert refused(tmp_path, text.encode()) == [
        "export.csv line 2, column Hours: '-2' is not a number of hours; "
        "expected a decimal number >= 0, e.g. 5.5",
        "export.csv line 3: has 3 fields; expected 5 like the header",
    ]


def test_empty_file(tmp_path: Path) -> None:
    assert refused(tmp_path, b"") == [
        "export.csv: is empty; expected a CSV export from Upwork with its header line"
    ]
    assert refused(tmp_path, b"\xef\xbb\xbf\r\n  \n") == [
        "export.csv: is empty; expected a CSV export from Upwork with its header line"
    ]


def test_header_only(tmp_path: Path) -> None:
    assert refused(tmp_path, (EBC_HEADER + "\n\n").encode()) == [
        "export.csv: has a header but no rows; expected at least one transaction"
    ]


def test_binary_file(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"
    assert refused(tmp_path, png, "earnings.csv") == [
        "earnings.csv: is not a text file (it contains NUL bytes: binary, or UTF-16 text); "
        "expected a CSV export from Upwork"
    ]


def test_not_utf8(tmp_path: Path) -> None:
    text = EBC_HEADER + "\n" + '"2024-01-01","Caf\xe9 (12345)","","5","Bonus"\n'
    assert refused(tmp_path, text.encode("latin-1")) == [
        "export.csv line 2: is not UTF-8 text (byte 0xe9); expected a CSV export from Upwork "
        "as downloaded (or saved as 'CSV UTF-8')"
    ]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as excinfo:
        read_export(tmp_path / "nope.csv")
    assert problems_of(excinfo) == ["nope.csv: cannot be read (No such file or directory)"]


def test_no_earnings_rows(tmp_path: Path) -> None:
    text = TH_HEADER + "\n" + th_row("Sep 8, 2026", "Withdrawal", "to bank", "-$5") * 2
    assert refused(tmp_path, text.encode()) == [
        "export.csv: has no earnings rows (Hourly, Fixed Price, Bonus or Refund); found only: Withdrawal 2"
    ]


def test_row_naming_no_contract(tmp_path: Path) -> None:
    text = TH_HEADER + "\n" + th_row("Sep 8, 2026", "Bonus", "Bonus", "$5")
    assert refused(tmp_path, text.encode()) == [
        "export.csv line 2, column Description: 'Bonus' names no contract; expected a title or "
        "a contract id in parentheses (or a Team to group it by)"
    ]


def test_refunds_exceeding_payments(tmp_path: Path) -> None:
    """10.00 paid, 25.00 refunded: the contract would total -15.00, which contracts.csv forbids."""
    text = (
        EBC_HEADER + "\n"
        '"2024-01-01","A (12345)","","10","Fixed Price Payment"\n'
        '"2024-01-05","A (12345)","","25","Refund"\n'
    )
    assert refused(tmp_path, text.encode()) == [
        "export.csv column Amount: '-15.00' is the total of contract 12345 (lines 2, 3): refunds "
        "exceed payments, and a contract's earnings cannot be negative; expected the export to "
        "cover the contract's payments too"
    ]


# --------------------------------------------------------------------------- property


@st.composite
def dollar_text(draw: st.DrawFn, value: int) -> str:
    """``value`` cents written the way exports vary: $, thousands separators, sign styles,
    trailing decimals, padding."""
    units, frac = divmod(abs(value), 100)
    digits = f"{units:,}" if draw(st.booleans()) else str(units)
    shown = draw(st.sampled_from([0, 1, 2]))
    if frac == 0 and shown == 0:
        number = digits
    elif frac % 10 == 0 and shown <= 1:
        number = f"{digits}.{frac // 10}"
    else:
        number = f"{digits}.{frac:02d}"
    dollar = draw(st.booleans())
    body = f"${number}" if dollar else number
    if value < 0:
        style = draw(st.sampled_from(["minus", "after-dollar", "parens"]))
        if style == "parens":
            text = f"({body})"
        elif style == "after-dollar" and dollar:
            text = f"$-{number}"
        else:
            text = f"-{body}"
    else:
        text = ("+" if draw(st.booleans()) else "") + body
    return f" {text} " if draw(st.booleans()) else text


@st.composite
def earnings_rows(draw: st.DrawFn) -> tuple[list[int], list[str]]:
    values = draw(st.lists(st.integers(-(10**9), 10**9), min_size=1, max_size=30))
    if sum(values) < 0:  # keep the contract's total >= 0, as contracts.csv requires
        values.append(-sum(values))
    return values, [draw(dollar_text(v)) for v in values]


@settings(max_examples=100, deadline=None)
@given(
    earnings_rows(),
    st.sampled_from(["Sep 8, 2026", "September 8, 2026", "2026-09-08", "09/08/2026"]),
)
def test_sum_of_payments_is_sum_of_cents(rows: tuple[list[int], list[str]], date: str) -> None:
    """However the same cents are written, each payment and their sum come out exact."""
    values, texts = rows
    kinds = [
        "Hourly" if v < 0 else ["Hourly", "Fixed Price", "Bonus"][i % 3]
        for i, v in enumerate(values)
    ]
    text = (
        TH_HEADER
        + "\n"
        + "".join(
            th_row(date, k, "Work - Shop (424242)", t) for k, t in zip(kinds, texts, strict=True)
        )
    )
    r = parse_export(text.encode(), "prop.csv")
    assert cents(r.payments["amount_usd"]) == values  # one date, one contract: file order
    assert sum(cents(r.payments["amount_usd"])) == sum(values)
    assert cents(r.contracts["earnings_usd"]) == [sum(values)]
    assert (r.payments["paid_date"] == pd.Timestamp("2026-09-08")).all()
    assert r.rows_read == len(values) and r.skipped == {}


def test_no_temp_dirs_left_next_to_output(tmp_path: Path) -> None:
    write_import(read_export(OLD_EXPORT), tmp_path / "out")
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert sorted(os.listdir(tmp_path / "out")) == ["contracts.csv", "payments.csv"]
