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


EBC_HEADER = '"Date","Contract","Hours","Amount","Payment type"'


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


# --------------------------------------------------------------------------- builders

CLASSIC_COLUMNS = [
    "Date", "Ref ID", "Type", "Description", "Agency", "Freelancer", "Team", "Account Name",
    "PO", "Amount", "Amount in local currency", "Currency", "Balance",
]  # fmt: skip
REPORT_COLUMNS = [
    "Date", "Transaction ID", "Transaction type", "Transaction summary",
    "Transaction summary details", "Description 1", "Description 2", "Description 3",
    "Agency team", "Freelancer", "Client team", "Account name", "PO", "Ref ID", "Amount $",
    "Amount in local currency", "Currency", "Current balance $", "Payment method",
]  # fmt: skip
EBC_COLUMNS = ["Date", "Contract", "Hours", "Amount", "Payment type"]


def csv_text(columns: list[str], rows: list[dict[str, str]], sep: str = ",") -> str:
    """A quoted CSV with these columns; each row gives some of them (the rest empty)."""
    out = io.StringIO()
    w = csv.writer(out, delimiter=sep, quoting=csv.QUOTE_ALL, lineterminator="\n")
    w.writerow(columns)
    for row in rows:
        w.writerow([row.get(c, "") for c in columns])
    return out.getvalue()


def classic(date: str, ref: str, kind: str, desc: str, amount: str, team: str = "",
            freelancer: str = "Ana Lima") -> dict[str, str]:  # fmt: skip
    return {"Date": date, "Ref ID": ref, "Type": kind, "Description": desc, "Team": team,
            "Freelancer": freelancer, "Account Name": "Ana Lima", "Amount": amount}  # fmt: skip


def invoice(start: str, end: str, hours: str, rate: str) -> str:
    return f"Invoice for {start}-{end} - {hours} hrs @ ${rate}/hr (analima)"


#: A classic Transaction History of February 2020, as downloaded (lines 2-13).
CLASSIC_ROWS = [
    classic(
        "Feb 17, 2020",
        "1001",
        "Hourly",
        invoice("02/10/2020", "02/16/2020", "10:00", "30.00"),
        "$300.00",
        "Acme Corp",
    ),  # noqa: E501
    classic(
        "Feb 17, 2020",
        "1002",
        "Service Fee",
        "Service Fee for Hourly - Ref ID 1001",
        "-$60.00",
        "Acme Corp",
    ),  # noqa: E501
    classic(
        "Feb 24, 2020",
        "1003",
        "Hourly",
        invoice("02/17/2020", "02/23/2020", "5:30", "30.00"),
        "$165.00",
        "Acme Corp",
    ),  # noqa: E501
    classic(
        "Feb 24, 2020",
        "1004",
        "Hourly",
        invoice("02/17/2020", "02/23/2020", "2:00", "45.00"),
        "$90.00",
        "Blue Fin Ltd",
    ),  # noqa: E501
    classic("Feb 25, 2020", "1005", "Bonus", "Bonus", "$50.00", "Acme Corp"),
    classic(
        "Feb 26, 2020",
        "1006",
        "Fixed Price",
        "Fixed Price - Landing Page Copy",
        "$1,250.00",
        "Blue Fin Ltd",
    ),  # noqa: E501
    classic(
        "Feb 27, 2020", "1007", "Refund", "Refund - Landing Page Copy", "-$250.00", "Blue Fin Ltd"
    ),  # noqa: E501
    classic(
        "Feb 28, 2020", "1008", "Withdrawal", "Withdrawal to bank", "-$1,000.00", freelancer=""
    ),  # noqa: E501
    classic("Feb 28, 2020", "1009", "Withdrawal Fee", "Withdrawal Fee", "-$0.99", freelancer=""),
    classic("Feb 29, 2020", "1010", "Membership Fee", "Freelancer Plus", "-$14.99", freelancer=""),  # noqa: E501
    classic("Feb 29, 2020", "1011", "VAT", "VAT on fees", "-$3.20", freelancer=""),
    classic("Feb 29, 2020", "1012", "Connects", "Connects purchase", "-$1.50", freelancer=""),
]
ACME = "t-hourly-work-for-acme-corp-at-30-00-hr"
BLUE = "t-hourly-work-for-blue-fin-ltd-at-45-00-hr"
LANDING = "t-landing-page-copy"


def by_prefix(contracts: pd.DataFrame) -> dict[str, pd.Series]:
    """Contracts keyed by their derived id without the hash (``t-<slug>``)."""
    return {
        cid.rsplit("-", 1)[0]: row for cid, row in contracts.set_index("contract_id").iterrows()
    }


def check_classic(r: importer.ImportResult) -> None:
    """Hand-worked February 2020 statement (CLASSIC_ROWS):

    Acme Corp at $30/hr: 300.00 + 165.00 + the Bonus 50.00 (no title: attached to the
    client's contract active on Feb 25) = 515.00; 10:00 + 5:30 = 15.50 h; Feb 17 .. Feb 25.
    Blue Fin Ltd at $45/hr: 90.00, 2.00 h, Feb 24.
    Landing Page Copy (Blue Fin Ltd): 1,250.00 - 250.00 = 1,000.00, fixed, Feb 26 .. 27.
    Total 1,605.00. Skipped: Service Fee, Withdrawal, Withdrawal Fee, Membership Fee, VAT,
    Connects (one each).
    """
    assert r.rows_read == 12
    assert r.rows_read == len(r.payments) + r.duplicates + sum(r.skipped.values())
    assert r.skipped == {
        "Connects": 1, "Membership Fee": 1, "Service Fee": 1, "VAT": 1, "Withdrawal": 1,
        "Withdrawal Fee": 1,
    }  # fmt: skip
    c = by_prefix(r.contracts)
    assert sorted(c) == [ACME, BLUE, LANDING]
    assert round(c[ACME]["earnings_usd"] * 100) == 51500
    assert c[ACME]["hours"] == 15.5 and c[ACME]["contract_type"] == "hourly"
    assert (c[ACME]["start_date"], c[ACME]["end_date"]) == (
        pd.Timestamp("2020-02-17"),
        pd.Timestamp("2020-02-25"),
    )
    assert c[ACME]["client_id"] == "Acme Corp"
    assert c[ACME]["title"] == "Hourly work for Acme Corp at $30.00/hr"
    assert round(c[BLUE]["earnings_usd"] * 100) == 9000 and c[BLUE]["hours"] == 2.0
    assert round(c[LANDING]["earnings_usd"] * 100) == 100000
    assert c[LANDING]["contract_type"] == "fixed" and c[LANDING]["client_id"] == "Blue Fin Ltd"
    assert c[LANDING]["title"] == "Landing Page Copy"
    assert sum(cents(r.payments["amount_usd"])) == 160500
    # one freelancer named in the file: their own record, imported as "me" (or --freelancer)
    assert (r.payments["freelancer_id"] == "me").all()
    assert sorted(r.payments["ref"]) == ["1001", "1003", "1004", "1005", "1006", "1007"]


def test_classic_transaction_history_as_downloaded() -> None:
    r = parse_export(csv_text(CLASSIC_COLUMNS, CLASSIC_ROWS), "statement.csv")
    assert r.format == "transaction-history"
    check_classic(r)
    assert any("grouped into 2 contracts by client, freelancer and hourly rate" in n
               for n in r.notes)  # fmt: skip
    assert any("1 bonus/refund rows" in n for n in r.notes)


def resaved(row: dict[str, str]) -> dict[str, str]:
    """The row as a spreadsheet saves it: 17-Feb-20, no $ or trailing zeros."""
    date = pd.Timestamp(row["Date"]).strftime("%d-%b-%y")
    amount = row["Amount"].replace("$", "").replace(",", "")
    amount = amount.rstrip("0").rstrip(".") if "." in amount else amount
    return {**row, "Date": date, "Amount": amount}


def test_bonuses_and_milestones_without_contract_ids() -> None:
    """Acme Corp at $30/hr: 300.00 + Bonus '(analima)' 20.00 (the username is no title) +
    Bonus 'Thanks for the great work!' 10.00 (a comment, no contract of that title: the
    client's contract on Feb 18) = 330.00, one contract. 'Ref ID 123456789 - Milestone 1:
    Logo' and '... Milestone 2: Logo' are both the fixed-price contract 'Logo' of Blue Fin
    Ltd: 100.00 + 200.00 = 300.00. A Bonus from a client with no other work is its own
    contract (15.00)."""
    rows = [
        classic(
            "Feb 17, 2020",
            "1",
            "Hourly",
            invoice("02/10/2020", "02/16/2020", "10:00", "30.00"),
            "$300.00",
            "Acme Corp",
        ),  # noqa: E501
        classic("Feb 18, 2020", "2", "Bonus", "Bonus - (analima)", "$20.00", "Acme Corp"),
        classic(
            "Feb 18, 2020",
            "3",
            "Bonus",
            "Bonus - Thanks for the great work!",
            "$10.00",
            "Acme Corp",
        ),  # noqa: E501
        classic(
            "Feb 19, 2020",
            "4",
            "Fixed Price",
            "Fixed Price - Ref ID 123456789 - Milestone 1: Logo",
            "$100.00",
            "Blue Fin Ltd",
        ),  # noqa: E501
        classic(
            "Feb 20, 2020",
            "5",
            "Fixed Price",
            "Invoice for Milestone 2: Logo - Ref ID 123456790",
            "$200.00",
            "Blue Fin Ltd",
        ),  # noqa: E501
        classic("Feb 21, 2020", "6", "Bonus", "Bonus", "$15.00", "Cedar LLC"),
    ]
    r = parse_export(csv_text(CLASSIC_COLUMNS, rows), "b.csv")
    c = by_prefix(r.contracts)
    assert {k: round(v["earnings_usd"] * 100) for k, v in c.items()} == {
        ACME: 33000,
        "t-logo": 30000,
        "t-bonus-from-cedar-llc": 1500,
    }
    assert c["t-logo"]["title"] == "Logo" and c[ACME]["hours"] == 10.0


def test_classic_resaved_with_a_renamed_column() -> None:
    """The same statement re-saved in a spreadsheet (21-Feb-20 dates, 1250, -0.99), with
    ExchangeRate in place of 'Amount in local currency' and PO missing: same totals."""
    columns = [
        "ExchangeRate" if c == "Amount in local currency" else c
        for c in CLASSIC_COLUMNS
        if c != "PO"
    ]
    rows = [resaved(r) for r in CLASSIC_ROWS]
    assert rows[0]["Date"] == "17-Feb-20" and rows[5]["Amount"] == "1250"
    r = parse_export(csv_text(columns, rows), "resaved.csv")
    check_classic(r)


def test_classic_header_in_other_case_spacing_and_order() -> None:
    columns = ["  amount ", "DATE", "type", "description", "TEAM", "freelancer", "ref id"]
    rows = [
        {" amount ".strip(): ""} for _ in ()
    ]  # no rows of this shape: the header alone must be recognised
    text = (
        csv_text(columns, rows)
        + '"$10.00","Mar 2, 2020","Bonus","Bonus - Site (555555)","A","",""\n'
    )
    r = parse_export(text, "x.csv", freelancer_id="zoe")
    assert r.format == "transaction-history"
    assert cents(r.contracts["earnings_usd"]) == [1000]
    assert r.contracts["freelancer_id"].tolist() == ["zoe"]


def report_row(date: str, tid: str, kind: str, summary: str, amount: str, team: str = "",
               details: str = "") -> dict[str, str]:  # fmt: skip
    return {"Date": date, "Transaction ID": tid, "Transaction type": kind,
            "Transaction summary": summary, "Transaction summary details": details,
            "Client team": team, "Amount $": amount, "Freelancer": "",
            "Current balance $": "0.00", "Payment method": "Bank"}  # fmt: skip


REPORT_ROWS = [
    report_row(
        "Jun 3, 2024",
        "T1",
        "Hourly",
        "Data pipeline (40100001)",
        "400.00",
        "Delta Labs",
        invoice("05/27/2024", "06/02/2024", "8:00", "50.00"),
    ),  # fmt: skip
    report_row(
        "Jun 3, 2024", "T2", "Service Fee", "Service fee for hourly", "-40.00", "Delta Labs"
    ),
    report_row(
        "Jun 5, 2024",
        "T3",
        "Fixed-price",
        "Logo refresh (40100002)",
        "600.00",
        "Orbit Co",
        "Milestone 1",
    ),  # noqa: E501
    report_row(
        "Jun 6, 2024", "T4", "Refund to client", "Logo refresh (40100002)", "100.00", "Orbit Co"
    ),  # noqa: E501
    report_row("Jun 6, 2024", "T5", "Service fee refund", "Logo refresh", "10.00", "Orbit Co"),
    report_row("Jun 7, 2024", "T6", "Bonus", "Data pipeline (40100001)", "75.50", "Delta Labs"),
    report_row("Jun 8, 2024", "T7", "VAT", "VAT", "-2.40"),
    report_row("Jun 9, 2024", "T8", "Withdrawal", "Withdrawal to bank", "-900.00"),
    report_row("Jun 10, 2024", "T9", "Membership Fee", "Freelancer Plus", "-14.99"),
]


def test_transaction_report_19_columns() -> None:
    """40100001 Data pipeline: 400.00 + Bonus 75.50 = 475.50, 8.00 h, client Delta Labs;
    40100002 Logo refresh: 600.00 - 'Refund to client' 100.00 (positive in the file) = 500.00,
    fixed. Total 975.50. Service fee refund and VAT are not earnings."""
    r = parse_export(csv_text(REPORT_COLUMNS, REPORT_ROWS), "report.csv")
    assert r.format == "transaction-report"
    assert r.rows_read == 9
    assert r.skipped == {
        "Membership Fee": 1, "Service Fee": 1, "Service fee refund": 1, "VAT": 1,
        "Withdrawal": 1,
    }  # fmt: skip
    c = r.contracts.set_index("contract_id")
    assert cents(c["earnings_usd"]) == [47550, 50000]
    assert c["title"].tolist() == ["Data pipeline", "Logo refresh"]
    assert c["client_id"].tolist() == ["Delta Labs", "Orbit Co"]
    assert c["contract_type"].tolist() == ["hourly", "fixed"]
    assert c.loc["40100001", "hours"] == 8.0
    assert cents(r.payments["amount_usd"]) == [40000, 60000, -10000, 7550]
    assert r.payments["ref"].tolist() == ["T1", "T3", "T4", "T6"]
    assert (
        "report.csv: 'Service fee refund' rows add up to +10.00 and are not counted as "
        "earnings (only Hourly, Fixed Price, Bonus and Refund rows are)" in r.notes
    )


def test_titles_lose_labels_periods_rates_and_usernames() -> None:
    got = importer.contract_titles(
        pd.Series(
            [
                "Invoice for Milestone 2 - Data Cleanup",
                "Invoice for 02/10/2020-02/16/2020 - 10:00 hrs @ $30.00/hr (ana_l)",
                "Fixed Price - Logo (Phase 2)",
                "Bonus",
            ]
        )
    )
    assert got.tolist() == ["Data Cleanup", "", "Logo (Phase 2)", ""]
    ids = parse_export(
        csv_text(
            REPORT_COLUMNS,
            [report_row("Jun 3, 2024", "T1", "Bonus", "Site - Contract ID: 4567890", "5", "X")],
        ),  # noqa: E501
        "c.csv",
    ).contracts
    assert ids[["contract_id", "title"]].values.tolist() == [["4567890", "Site"]]


def test_exports_of_two_formats_over_the_same_dates_are_flagged() -> None:
    a = csv_text(EBC_COLUMNS, [ebc("2020-02-17", "A (123456)", "1", "10")])
    b = csv_text(CLASSIC_COLUMNS, CLASSIC_ROWS)
    r = importer.combine_exports([(a, "a.csv"), (b, "b.csv")])
    assert [n for n in r.notes if n.startswith("WARNING")] == [
        "WARNING: earnings-by-contract and transaction-history exports both cover 2020-02-17 "
        "to 2020-02-17; payments cannot be matched across formats, so a payment in both counts "
        "twice: import one kind of export per period"
    ]


def test_made_up_v2_header_is_no_format_of_its_own() -> None:
    """The 'transaction-history-v2' header of the old tests matches no real file: its
    `Transaction Type` + `Amount $` read as the transaction report, never as a v2 format."""
    assert "transaction-history-v2" not in importer.FORMATS
    columns = ["Date", "Ref ID", "Transaction Type", "Description", "Team", "Amount $"]
    text = csv_text(columns, [{"Date": "2024-01-02", "Ref ID": "9", "Transaction Type": "Bonus",
                               "Description": "Bonus - A (123456)", "Amount $": "5"}])  # fmt: skip
    assert parse_export(text, "v2.csv").format == "transaction-report"


def test_unknown_header_names_needed_and_missing_columns(tmp_path: Path) -> None:
    got = refused(tmp_path, b"Date,Contract,Amount\n2024-01-01,A,5\n")
    assert got == [
        "export.csv line 1: 'Date,Contract,Amount' is not the header of a known Upwork export "
        "(read as 3 columns separated by ','): earnings by contract needs Date, Contract, "
        "Amount, Payment type (missing: Payment type); transaction report needs Date, "
        "Transaction type, Amount $ (missing: Transaction type); Transaction History needs "
        "Date, Type, Description, Amount (missing: Type, Description)"
    ]


# --------------------------------------------------------------------------- dates


def ebc(date: str, contract: str, hours: str, amount: str, kind: str = "") -> dict[str, str]:
    return {"Date": date, "Contract": contract, "Hours": hours, "Amount": amount,
            "Payment type": kind}  # fmt: skip


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("28/02/2020", "03/03/2020"),  # day first, settled by 28
        ("2/28/2020", "3/3/2020"),  # month first, settled by 28
        ("28.02.2020", "03.03.2020"),
        ("28-02-20", "03-03-20"),
        ("Feb 28, 2020", "Mar 3, 2020"),
        ("28-Feb-20", "3-Mar-20"),
        ("2020-02-28", "2020-03-03 00:00:00"),
        ("28 February 2020", "3 March 2020"),
    ],
)
def test_dates_as_files_hold_them(first: str, second: str) -> None:
    """Both rows are 28 Feb 2020 and 3 Mar 2020 however written; 10.00 + 5.00."""
    text = csv_text(EBC_COLUMNS, [ebc(first, "A (123456)", "1", "10"),
                                  ebc(second, "A (123456)", "0.5", "5")])  # fmt: skip
    r = parse_export(text, "d.csv")
    assert r.payments["paid_date"].tolist() == [
        pd.Timestamp("2020-02-28"),
        pd.Timestamp("2020-03-03"),
    ]  # noqa: E501
    assert cents(r.contracts["earnings_usd"]) == [1500]


AMBIGUOUS = csv_text(EBC_COLUMNS, [ebc("03/04/2020", "A (123456)", "1", "10"),
                                   ebc("05/04/2020", "A (123456)", "1", "10")])  # fmt: skip


def test_ambiguous_dates_are_refused_naming_the_options() -> None:
    with pytest.raises(InputError) as excinfo:
        parse_export(AMBIGUOUS, "a.csv")
    assert problems_of(excinfo) == [
        "a.csv column Date: holds 2 dates like '03/04/2020' (line 2) could be day/month or "
        "month/day and no date in the file settles it (no number above 12); run again with "
        "--day-first (e.g. 28/02/2020 = 28 February) or --month-first (e.g. 02/28/2020 = 28 "
        "February)"
    ]


def test_ambiguous_dates_read_as_asked() -> None:
    day = parse_export(AMBIGUOUS, "a.csv", date_order="day")
    month = parse_export(AMBIGUOUS, "a.csv", date_order="month")
    assert day.payments["paid_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2020-04-03",
        "2020-04-05",
    ]  # noqa: E501
    assert month.payments["paid_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2020-03-04",
        "2020-05-04",
    ]  # noqa: E501


def test_dates_in_both_orders_are_refused() -> None:
    text = csv_text(EBC_COLUMNS, [ebc("28/02/2020", "A (123456)", "1", "10"),
                                  ebc("02/29/2020", "A (123456)", "1", "10")])  # fmt: skip
    with pytest.raises(InputError) as excinfo:
        parse_export(text, "b.csv")
    assert problems_of(excinfo) == [
        "b.csv column Date: has dates in both orders: line 2 '28/02/2020' is day first, line 3 "
        "'02/29/2020' month first; expected one order per file"
    ]


def test_cli_ambiguous_dates_exit_2_and_write_nothing(tmp_path: Path, capsys) -> None:
    from analysis.cli import main

    export = tmp_path / "a.csv"
    export.write_text(AMBIGUOUS)
    assert main(["import", str(export), "--out", str(tmp_path / "h")]) == 2
    assert "--day-first" in capsys.readouterr().err
    assert not (tmp_path / "h").exists()
    assert main(["import", str(export), "--out", str(tmp_path / "h"), "--day-first"]) == 0
    assert (tmp_path / "h" / "payments.csv").read_text().splitlines()[1:] == [
        "me,123456,2020-04-03,10.00,hourly,1,",
        "me,123456,2020-04-05,10.00,hourly,1,",
    ]


def test_spreadsheet_serial_dates() -> None:
    """43889 is 2020-02-28 in a spreadsheet's day numbers (days since 1899-12-30)."""
    got = parse_dates(pd.Series(["43889", "12345", "99999"]))
    assert got.iloc[0] == pd.Timestamp("2020-02-28") and got.iloc[1:].isna().all()


def test_parse_dates_spellings() -> None:
    got = parse_dates(pd.Series(["Sep 8, 2026", "Sept 8, 2026", "September 8, 2026",
                                 "2026-09-08", "8-Sep-26", "8 Sep 2026", "2026-09-08T00:00:00"]))  # fmt: skip
    assert (got == pd.Timestamp("2026-09-08")).all()
    assert parse_dates(pd.Series(["09/08/2026"]), order="month").iloc[0] == pd.Timestamp(
        "2026-09-08"
    )  # noqa: E501
    assert parse_dates(pd.Series(["09/08/2026"]), order="day").iloc[0] == pd.Timestamp("2026-08-09")  # noqa: E501
    assert parse_dates(pd.Series(["09/08/2026"])).isna().all()  # never guessed
    assert parse_dates(pd.Series(["Feb 30, 2026", "31/31/2026", "", "soon"])).isna().all()


# --------------------------------------------------------------------------- European files, workbooks


def test_semicolons_and_decimal_commas() -> None:
    """A European spreadsheet's CSV: ';', 28.02.2020 dates, 1.234,50 and 12,5 amounts,
    hours 1,5: 1234.50 + 12.50 = 1247.00 on one contract, 1.5 + 0.5 = 2.00 h."""
    text = csv_text(EBC_COLUMNS, [ebc("28.02.2020", "Shop (777777)", "1,5", "1.234,50"),
                                  ebc("02.03.2020", "Shop (777777)", "0,5", "12,5")], sep=";")  # fmt: skip
    r = parse_export(text.encode("cp1252"), "eu.csv")
    assert cents(r.contracts["earnings_usd"]) == [124700]
    assert r.contracts["hours"].tolist() == [2.0]
    assert r.payments["paid_date"].dt.strftime("%Y-%m-%d").tolist() == ["2020-02-28", "2020-03-02"]
    assert any("decimal comma" in n for n in r.notes) and any("';'" in n for n in r.notes)


def test_mixed_decimal_marks_are_refused() -> None:
    text = csv_text(EBC_COLUMNS, [ebc("2020-02-28", "Shop (777777)", "1", "12,50"),
                                  ebc("2020-03-02", "Shop (777777)", "1", "12.50")], sep=";")  # fmt: skip
    with pytest.raises(InputError) as excinfo:
        parse_export(text, "mix.csv")
    assert problems_of(excinfo) == [
        "mix.csv: mixes decimal commas (line 2: '12,50') and decimal points (line 3: '12.50') "
        "in its amounts; expected one convention per file"
    ]


def test_xlsx_is_read_directly(tmp_path: Path) -> None:
    """A workbook (saved under a .csv name, too) with real dates and numbers: 16.5 + 100."""
    openpyxl = pytest.importorskip("openpyxl")
    import datetime as dt

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(EBC_COLUMNS)
    sheet.append([dt.datetime(2023, 9, 16), "Bootstrap5 Expert (34848691)", 5.5, 16.5, None])
    sheet.append([dt.datetime(2023, 12, 1), "Fix (35559654)", None, 100, "Fixed Price Payment"])
    for name in ("earnings.xlsx", "renamed.csv"):
        book.save(tmp_path / name)
        r = read_export(tmp_path / name)
        assert cents(r.contracts["earnings_usd"]) == [1650, 10000]
        assert r.payments["paid_date"].tolist() == [
            pd.Timestamp("2023-09-16"),
            pd.Timestamp("2023-12-01"),
        ]  # noqa: E501


def test_zip_that_is_no_workbook(tmp_path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(tmp_path / "x.csv", "w") as z:
        z.writestr("a.txt", "hello")
    got = refused(tmp_path, (tmp_path / "x.csv").read_bytes(), "y.csv")
    assert got[0].startswith("y.csv: is a zip archive but not a readable Excel workbook (")
    assert "NUL" not in got[0]


def test_old_excel_workbook_is_named(tmp_path: Path) -> None:
    got = refused(tmp_path, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "old.csv")
    assert got == [
        "old.csv: is an Excel 97-2003 workbook (.xls), which the import does not read; open it "
        "and save it as .xlsx or CSV"
    ]


def test_windows_1252_and_utf16_text() -> None:
    text = csv_text(EBC_COLUMNS, [ebc("2024-01-01", "Café (123456)", "", "5", "Bonus")])
    for data in (text.encode("cp1252"), text.encode("utf-16")):
        r = parse_export(data, "w.csv")
        assert r.contracts["title"].tolist() == ["Café"]


# --------------------------------------------------------------------------- several exports


def test_pasted_exports_read_as_two() -> None:
    """Two statements in one file, the second header kept, Feb 17 and Feb 24 in both:
    300 + 165 + 90 once each, then Feb 25 Bonus 50 = 605.00, not 1,160.00; the repeated
    header is neither a row read nor a skipped type."""
    first = csv_text(CLASSIC_COLUMNS, CLASSIC_ROWS[:4])
    second = csv_text(CLASSIC_COLUMNS, CLASSIC_ROWS[:5])
    r = parse_export(first + second, "pasted.csv")
    assert r.rows_read == 9
    assert r.skipped == {"Service Fee": 2}
    assert r.rows_read == len(r.payments) + r.duplicates + sum(r.skipped.values())
    assert r.duplicates == 3
    assert sum(cents(r.payments["amount_usd"])) == 60500
    assert any("2 exports one after another" in n for n in r.notes)


def test_sample_pasted_as_two_overlapping_statements() -> None:
    """The sample's rows 1-150 and rows 100-252 pasted one after the other (the second
    header kept): 51 rows in both count once, so the total stays $5,189.58 (not
    $5,289.58-like double counting) and nothing is skipped."""
    lines = SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    pasted = "".join([lines[0], *lines[1:151], lines[0], *lines[100:]])
    r = parse_export(pasted, "pasted.csv")
    assert r.rows_read == 150 + 153 and r.duplicates == 51
    assert r.skipped == {}
    assert sum(cents(r.payments["amount_usd"])) == 518958
    assert len(r.contracts) == 11


def test_pasted_rows_without_ids_count_as_a_multiset() -> None:
    """Earnings by contract has no ids: rows match whole. Part 1 holds two equal 10.00 rows
    (two real payments) and a 5.00; part 2 the same two 10.00 rows and a 7.00:
    10 + 10 + 5 + 7 = 32.00."""
    a = csv_text(EBC_COLUMNS, [ebc("2024-01-01", "A (123456)", "1", "10")] * 2
                 + [ebc("2024-01-02", "A (123456)", "0.5", "5")])  # fmt: skip
    b = csv_text(EBC_COLUMNS, [ebc("2024-01-01", "A (123456)", "1", "10")] * 2
                 + [ebc("2024-01-03", "A (123456)", "0.7", "7")])  # fmt: skip
    r = parse_export(a + "\n" + b, "p.csv")
    assert cents(r.contracts["earnings_usd"]) == [3200]
    assert r.duplicates == 2


def test_ids_rounded_by_a_spreadsheet_are_not_trusted() -> None:
    """Ref IDs shown as 1.00E+03 make rows 1001..1007 look alike: rows are then matched
    whole, so the statement still totals 1,605.00 and a pasted copy still counts once."""
    rows = [{**r, "Ref ID": "1.00E+03"} for r in CLASSIC_ROWS]
    text = csv_text(CLASSIC_COLUMNS, rows)
    r = parse_export(text + text, "rounded.csv")
    assert sum(cents(r.payments["amount_usd"])) == 160500
    assert (r.payments["ref"] == "").all() and r.duplicates == 6
    assert any("rounded by a spreadsheet" in n for n in r.notes)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_two_overlapping_exports_give_the_total_once(tmp_path: Path) -> None:
    """January..February and February..March of one freelancer: earnings by contract
    (rows matched whole) and Transaction History (matched by Ref ID):
    EBC: 10 (Jan 5) + 20 (Feb 3) + 30 (Mar 2) = 60.00; TH: 300 + 165 + 90 + 50 + 1250 - 250
    = 1,605.00 (the statement split in two with Feb 24 in both)."""
    a = write(tmp_path / "a.csv", csv_text(EBC_COLUMNS, [ebc("2024-01-05", "A (123456)", "1", "10"),
                                                          ebc("2024-02-03", "A (123456)", "2", "20")]))  # fmt: skip
    b = write(tmp_path / "b.csv", csv_text(EBC_COLUMNS, [ebc("2024-02-03", "A (123456)", "2", "20"),
                                                          ebc("2024-03-02", "A (123456)", "3", "30")]))  # fmt: skip
    r = importer.read_exports([a, b])
    assert cents(r.contracts["earnings_usd"]) == [6000] and r.duplicates == 1
    assert r.contracts["hours"].tolist() == [6.0]
    c = write(tmp_path / "c.csv", csv_text(CLASSIC_COLUMNS, CLASSIC_ROWS[:4]))
    d = write(tmp_path / "d.csv", csv_text(CLASSIC_COLUMNS, CLASSIC_ROWS[2:]))
    check_classic_split = importer.read_exports([c, d])
    assert sum(cents(check_classic_split.payments["amount_usd"])) == 160500
    assert check_classic_split.duplicates == 2


def test_merge_keeps_typed_feedback_and_is_idempotent(tmp_path: Path) -> None:
    """Import January..February, type a rating, a score, a category and clear the end date of
    contract 123456; import February..March: the typed values survive, the Feb 3 payment
    counts once (10 + 20 + 30 = 60.00), the new contract 654321 (40.00) is added, and the
    previous files are in .backup-<stamp>/. Importing the second export again changes
    nothing, byte for byte, and makes no backup."""
    a = write(tmp_path / "a.csv", csv_text(EBC_COLUMNS, [ebc("2024-01-05", "A (123456)", "1", "10"),
                                                          ebc("2024-02-03", "A (123456)", "2", "20")]))  # fmt: skip
    b = write(tmp_path / "b.csv", csv_text(EBC_COLUMNS, [ebc("2024-02-03", "A (123456)", "2", "20"),
                                                          ebc("2024-03-02", "A (123456)", "3", "30"),
                                                          ebc("2024-03-04", "B (654321)", "", "40", "Fixed Price Payment")]))  # fmt: skip
    out = tmp_path / "h"
    first = write_import(read_export(a), out, stamp="one")
    assert first.payments_added == 2 and not first.merged
    contracts = pd.read_csv(out / "contracts.csv", dtype=str, keep_default_na=False)
    contracts.loc[0, ["public_rating", "private_score", "category", "end_date"]] = [
        "4.8",
        "9",
        "design",
        "",
    ]  # noqa: E501
    contracts["notes"] = "my note"
    contracts.to_csv(out / "contracts.csv", index=False, lineterminator="\n")
    typed = (out / "contracts.csv").read_bytes()

    second = write_import(read_export(b), out, stamp="two")
    assert (second.payments_added, second.payments_present) == (2, 1)
    assert (second.contracts_added, second.contracts_updated, second.contracts_kept) == (1, 1, 1)
    assert second.backup == out / ".backup-two"
    assert (out / ".backup-two" / "contracts.csv").read_bytes() == typed
    merged = pd.read_csv(out / "contracts.csv", dtype=str, keep_default_na=False)
    row = merged.set_index("contract_id").loc["123456"]
    assert (row["public_rating"], row["private_score"], row["category"], row["end_date"]) == (
        "4.8",
        "9",
        "design",
        "",
    )  # noqa: E501
    assert (row["earnings_usd"], row["start_date"], row["hours"], row["notes"]) == (
        "60.00",
        "2024-01-05",
        "6.00",
        "my note",
    )  # noqa: E501
    new = merged.set_index("contract_id").loc["654321"]
    assert (new["earnings_usd"], new["end_date"], new["notes"]) == ("40.00", "2024-03-04", "")
    payments = pd.read_csv(out / "payments.csv", dtype=str)
    assert payments["amount_usd"].tolist() == ["10.00", "20.00", "30.00", "40.00"]

    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    again = write_import(read_export(b), out, stamp="three")
    assert not again.changed and again.backup is None
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert not (out / ".backup-three").exists()
    load = pytest.importorskip("analysis.io.load")
    assert round(load.read_history(out).contracts["earnings_usd"].sum() * 100) == 10000


def test_same_export_twice_changes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "h"
    text = csv_text(CLASSIC_COLUMNS, CLASSIC_ROWS)
    write_import(parse_export(text, "s.csv"), out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    report = write_import(parse_export(text, "s.csv"), out)
    assert not report.changed and report.payments_present == 6
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_cli_imports_several_exports_then_merges(tmp_path: Path, capsys) -> None:
    """`toprated import a.csv b.csv --out h`: 60.00 once (the Feb 3 row is in both); a
    rating typed in, then `import c.csv` adds 40.00 and says what it added and kept."""
    from analysis.cli import main

    a = write(tmp_path / "a.csv", csv_text(EBC_COLUMNS, [ebc("2024-01-05", "A (123456)", "1", "10"),
                                                          ebc("2024-02-03", "A (123456)", "2", "20")]))  # fmt: skip
    b = write(tmp_path / "b.csv", csv_text(EBC_COLUMNS, [ebc("2024-02-03", "A (123456)", "2", "20"),
                                                          ebc("2024-03-02", "A (123456)", "3", "30")]))  # fmt: skip
    c = write(tmp_path / "c.csv", csv_text(EBC_COLUMNS, [ebc("2024-03-02", "A (123456)", "3", "30"),
                                                          ebc("2024-03-09", "A (123456)", "4", "40")]))  # fmt: skip
    out = tmp_path / "h"
    assert main(["import", str(a), str(b), "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "1 earnings rows were in more than one export" in said
    contracts = pd.read_csv(out / "contracts.csv", dtype=str, keep_default_na=False)
    assert contracts["earnings_usd"].tolist() == ["60.00"]
    contracts.loc[0, "public_rating"] = "5.0"
    contracts.to_csv(out / "contracts.csv", index=False, lineterminator="\n")
    assert main(["import", str(c), "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert (
        "1 payments added, 1 already there; 0 contracts added, 1 updated with new payments; "
        "what you typed is kept on 1 contracts." in said
    )
    assert "Previous files backed up in" in said
    contracts = pd.read_csv(out / "contracts.csv", dtype=str, keep_default_na=False)
    assert contracts[["earnings_usd", "public_rating"]].values.tolist() == [["100.00", "5.0"]]
    assert main(["import", str(c), "--out", str(out)]) == 0
    assert "Nothing new" in capsys.readouterr().out


def test_merge_into_a_history_written_without_refs(tmp_path: Path) -> None:
    """A folder imported by an older version (payments.csv with the four contract columns
    only) takes the statement's Ref ID rows by content: nothing counts twice (1,605.00),
    and a second copy whose ids a spreadsheet rounded away matches too."""
    out = tmp_path / "h"
    text = csv_text(CLASSIC_COLUMNS, CLASSIC_ROWS)
    write_import(parse_export(text, "s.csv"), out)
    old = pd.read_csv(out / "payments.csv", dtype=str, keep_default_na=False)
    old[["freelancer_id", "contract_id", "paid_date", "amount_usd"]].to_csv(
        out / "payments.csv", index=False, lineterminator="\n"
    )
    report = write_import(parse_export(text, "s.csv"), out, stamp="x")
    assert (report.payments_added, report.payments_present) == (0, 6)
    rounded = csv_text(CLASSIC_COLUMNS, [{**r, "Ref ID": "1.00E+03"} for r in CLASSIC_ROWS])
    again = write_import(parse_export(rounded, "r.csv"), out, stamp="y")
    assert (again.payments_added, again.payments_present) == (0, 6)
    total = pd.read_csv(out / "contracts.csv")["earnings_usd"].sum()
    assert round(total * 100) == 160500


def test_merge_into_a_broken_history_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "h"
    out.mkdir()
    (out / "contracts.csv").write_text("freelancer_id,contract_id\nme,1\n")
    with pytest.raises(InputError) as excinfo:
        write_import(parse_export(AMBIGUOUS, "a.csv", date_order="day"), out)
    assert problems_of(excinfo)[0].startswith(f"{out}: already holds a history that breaks")
    assert (out / "contracts.csv").read_text() == "freelancer_id,contract_id\nme,1\n"


# --------------------------------------------------------------------------- agencies


AGENCY_ROWS = [
    classic(
        "Mar 2, 2020",
        "1",
        "Hourly",
        invoice("02/24/2020", "03/01/2020", "4:00", "25.00"),
        "$100.00",
        "Acme Corp",
        "Ana Lima",
    ),  # noqa: E501
    classic(
        "Mar 2, 2020",
        "2",
        "Hourly",
        invoice("02/24/2020", "03/01/2020", "2:00", "40.00"),
        "$80.00",
        "Acme Corp",
        "Ben Ode",
    ),  # noqa: E501
    classic("Mar 3, 2020", "3", "Service Fee", "Service Fee", "-$18.00", "Acme Corp", "Ben Ode"),
]


def test_agency_statement_one_freelancer_per_value() -> None:
    """Ana 100.00 and Ben 80.00 with the same client and different rates: one contract each;
    --freelancer picks Ben's rows only (Ana's hourly row counted as another freelancer's)."""
    text = csv_text(CLASSIC_COLUMNS, AGENCY_ROWS)
    r = parse_export(text, "agency.csv")
    assert dict(
        zip(r.contracts["freelancer_id"], cents(r.contracts["earnings_usd"]), strict=True)
    ) == {"Ana Lima": 10000, "Ben Ode": 8000}  # noqa: E501
    ben = parse_export(text, "agency.csv", freelancer_id="ben ode")
    assert ben.contracts["freelancer_id"].tolist() == ["Ben Ode"]
    assert cents(ben.contracts["earnings_usd"]) == [8000]
    assert ben.skipped == {"(rows of other freelancers)": 1, "Service Fee": 1}
    assert ben.rows_read == len(ben.payments) + sum(ben.skipped.values()) == 3
    with pytest.raises(InputError) as excinfo:
        parse_export(text, "agency.csv", freelancer_id="Cy")
    assert problems_of(excinfo) == [
        "agency.csv: is an agency statement with the freelancers 'Ana Lima', 'Ben Ode'; "
        "--freelancer 'Cy' is none of them"
    ]


# --------------------------------------------------------------------------- validate


def test_validate_lists_contracts_without_feedback(tmp_path: Path, capsys) -> None:
    """As of 2024-06-30 (the last date): 123456 ended 2024-01-05 without feedback -> excluded;
    777777 open since 2024-01-10 (172 days, 90 needed) -> positive; 888888 open since
    2024-06-01 (29 days) -> not counted; 999999 has a rating, so it is not listed."""
    from analysis.cli import main

    h = tmp_path / "h"
    h.mkdir()
    (h / "contracts.csv").write_text(
        "freelancer_id,contract_id,client_id,start_date,end_date,earnings_usd,public_rating\n"
        "me,123456,a,2024-01-01,2024-01-05,100,\n"
        "me,777777,b,2024-01-10,,50,\n"
        "me,888888,c,2024-06-01,,50,\n"
        "me,999999,d,2024-02-01,2024-06-30,10,5\n"
    )
    assert main(["validate", str(h)]) == 0
    out = capsys.readouterr().out
    assert "Feedback to fill in: 3 contracts" in out
    lines = [
        line.strip()
        for line in out.splitlines()
        if line.startswith("  1") or line.startswith("  7") or line.startswith("  8")
    ]  # noqa: E501
    assert lines == [
        "123456  client a  2024-01-01 to 2024-01-05  $100.00: excluded (ended without feedback: not in the JSS)",  # noqa: E501
        "777777  client b  2024-01-10 to open  $50.00: positive (open 172 days: a long-term contract counts as positive)",  # noqa: E501
        "888888  client c  2024-06-01 to open  $50.00: not counted until open 90 days (open 29 so far), then positive",  # noqa: E501
    ]


def test_validate_names_why_a_contract_is_not_counted(tmp_path: Path, capsys) -> None:
    """Without feedback, as of 2024-06-30: a disputed ended contract is negative; a flagged
    open one is not counted; an open one without money is not counted; a flagged ended one
    is excluded."""
    from analysis.cli import main

    h = tmp_path / "h"
    h.mkdir()
    (h / "contracts.csv").write_text(
        "freelancer_id,contract_id,client_id,start_date,end_date,earnings_usd,disputed,"
        "client_flagged\n"
        "me,1,a,2024-01-01,2024-02-01,100,true,false\n"
        "me,2,b,2024-01-01,,100,false,true\n"
        "me,3,c,2024-01-01,,0,false,false\n"
        "me,4,d,2024-01-01,2024-06-30,10,false,true\n"
    )
    assert main(["validate", str(h)]) == 0
    out = capsys.readouterr().out
    got = [
        line.split(": ", 1)[1]
        for line in out.splitlines()
        if line.startswith("  ") and "client" in line and ":" in line and line.strip()[0].isdigit()
    ]  # noqa: E501
    assert got == [
        "negative (disputed)",
        "not counted (client flagged)",
        "not counted while open (no money paid yet)",
        "excluded (client flagged)",
    ]


# --------------------------------------------------------------------------- bad exports


def refused(tmp_path: Path, content: bytes, name: str = "export.csv") -> list[str]:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as excinfo:
        read_export(path)
    return problems_of(excinfo)


TH_ROWS_BAD = [
    classic("Sep 31, 2026", "1", "Hourly", "Invoice - A (12345)", "$10.00"),
    classic("Sep 1, 2026", "2", "Withdrawal", "to bank", "lots"),
    classic("2026-09-01", "3", "Bonus", "Bonus - A (12345)", "12.345"),
]


def test_bad_date_and_amount_all_reported(tmp_path: Path) -> None:
    """Bad cells on lines 2 and 4 are all reported in file order; the Withdrawal on line 3
    (an unparseable amount, but not an earning) is not checked."""
    assert refused(tmp_path, csv_text(CLASSIC_COLUMNS, TH_ROWS_BAD).encode()) == [
        "export.csv line 2, column Date: 'Sep 31, 2026' is not a date; expected e.g. "
        "Feb 28, 2020, 2020-02-28, 28-Feb-20 or 28/02/2020",
        "export.csv line 4, column Amount: '12.345' is not an amount in US dollars; "
        "expected e.g. 1234.5, $1,234.50 or (12.00)",
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
        "expected e.g. 1234.5, $1,234.50 or (12.00)"
    ]


def test_bad_hours_and_field_count(tmp_path: Path) -> None:
    text = (
        EBC_HEADER + "\n" + '"2024-01-01","A (12345)","-2","5",""\n'
        '"2024-01-02","A (12345)","5","1","","x"\n'
    )
    assert refused(tmp_path, text.encode()) == [
        "export.csv line 2, column Hours: '-2' is not a number of hours; "
        "expected a decimal number >= 0, e.g. 5.5",
        "export.csv line 3: has 6 fields; expected 5 like the header",
    ]


def test_short_rows_are_padded() -> None:
    """A spreadsheet that drops trailing empty cells: the missing Payment type is empty."""
    r = parse_export(EBC_HEADER + '\n"2024-01-01","A (12345)","1","5"\n', "s.csv")
    assert r.payments["kind"].tolist() == ["hourly"]


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
        "earnings.csv: is not a text file (it holds NUL bytes) and not an Excel workbook; "
        "expected a CSV export from Upwork or an .xlsx workbook"
    ]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as excinfo:
        read_export(tmp_path / "nope.csv")
    assert problems_of(excinfo) == ["nope.csv: cannot be read (No such file or directory)"]


def test_no_earnings_rows(tmp_path: Path) -> None:
    rows = [classic("Sep 8, 2026", "1", "Withdrawal", "to bank", "-$5")] * 2
    assert refused(tmp_path, csv_text(CLASSIC_COLUMNS, rows).encode()) == [
        "export.csv: has no earnings rows (Hourly, Fixed Price, Bonus or Refund); "
        "found only: Withdrawal 2"
    ]


def test_row_naming_no_contract(tmp_path: Path) -> None:
    rows = [classic("Sep 8, 2026", "1", "Fixed Price", "Fixed Price", "$5")]
    assert refused(tmp_path, csv_text(CLASSIC_COLUMNS, rows).encode()) == [
        "export.csv line 2, column Description: 'Fixed Price' names no contract; expected a "
        "title or a contract id in parentheses (or a Team to group it by)"
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
        "exceed payments, and a contract's earnings cannot be negative; expected the exports "
        "to cover the contract's payments too"
    ]


# --------------------------------------------------------------------------- writing


def test_written_files_exact_and_deterministic(tmp_path: Path) -> None:
    """Two payments on one contract give these bytes: UTF-8 without BOM, '\\n' line ends,
    ISO dates, two decimals; 12.5 + 0.07 = 12.57; 1.5 h."""
    text = (
        EBC_HEADER
        + "\n"
        + '"2024-01-02","Shop, v2 (777777)","1.5","12.5",""\n"2024-01-01","Shop, v2 (777777)","","0.07","Bonus"\n'
    )
    first = write_import(parse_export(text.encode(), "x.csv"), tmp_path / "a").paths
    second = write_import(parse_export(text.encode(), "x.csv"), tmp_path / "b").paths
    for table in ("payments", "contracts"):
        assert first[table].read_bytes() == second[table].read_bytes()
    assert first["payments"].read_bytes() == (
        b"freelancer_id,contract_id,paid_date,amount_usd,kind,hours,ref\n"
        b"me,777777,2024-01-01,0.07,bonus,,\n"
        b"me,777777,2024-01-02,12.50,hourly,1.5,\n"
    )
    assert first["contracts"].read_bytes() == (
        b"freelancer_id,contract_id,client_id,start_date,end_date,earnings_usd,public_rating,"
        b"private_score,disputed,client_flagged,category,contract_type,hours,title\n"
        b'me,777777,777777,2024-01-01,2024-01-02,12.57,,,false,false,,hourly,1.50,"Shop, v2"\n'
    )


def test_write_failure_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """If moving the files in fails, the target is not created and no temp folder is left."""
    r = read_export(SAMPLE)

    def fail(*_args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(importer.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_import(r, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_write_into_folder_without_history_keeps_other_files(tmp_path: Path) -> None:
    out = tmp_path / "history"
    out.mkdir()
    (out / "notes.txt").write_text("mine\n")
    write_import(read_export(SAMPLE), out)
    assert (out / "notes.txt").read_text() == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history"]
    assert sorted(os.listdir(out)) == ["contracts.csv", "notes.txt", "payments.csv"]


def test_write_onto_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.write_text("x")
    with pytest.raises(InputError) as excinfo:
        write_import(read_export(SAMPLE), target)
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


def test_derived_contract_id_is_stable_and_collision_free() -> None:
    """Case and spacing do not change the id; "C++ dev" and "C# dev" slug alike ("c-dev")
    but hash apart; a salt (the client) tells equal titles apart."""
    assert derived_contract_id("Website Audit") == "t-website-audit-7963fc54"
    assert derived_contract_id("  website   AUDIT ") == "t-website-audit-7963fc54"
    a, b = derived_contract_id("C++ dev"), derived_contract_id("C# dev")
    assert a.startswith("t-c-dev-") and b.startswith("t-c-dev-") and a != b
    assert derived_contract_id("Logo", "Acme") != derived_contract_id("Logo", "Blue")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.5", 123450),
        ("$1,234.50", 123450),
        ("-$12.00", -1200),
        ("$-12.00", -1200),
        ("12.00-", -1200),
        ("(12.00)", -1200),
        ("($1,000)", -100000),
        ("+25.5", 2550),
        (" 0.07 ", 7),
        (".5", 50),
        ("12.500", 1250),
        ("12.00 USD", 1200),
        ("US$3", 300),
        ("1,234,567.89", 123456789),
        ("1 234.50", 123450),
    ],
)
def test_parse_cents_accepts(text: str, expected: int) -> None:
    assert parse_cents(pd.Series([text])).iloc[0] == expected


@pytest.mark.parametrize(
    "text", ["", "abc", "12.345", "1,2.3", "--5", "-(5)", "€5", "1.234,50", "$", "-", "-5-"]
)
def test_parse_cents_refuses(text: str) -> None:
    assert pd.isna(parse_cents(pd.Series([text])).iloc[0])


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1.234,50", 123450), ("12,5", 1250), ("-0,99", -99), ("1234", 123400), ("1 234,5", 123450)],
)
def test_parse_cents_decimal_comma(text: str, expected: int) -> None:
    assert parse_cents(pd.Series([text]), decimal=",").iloc[0] == expected


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
    st.sampled_from(["Sep 8, 2026", "September 8, 2026", "2026-09-08", "8-Sep-26"]),
)
def test_sum_of_payments_is_sum_of_cents(rows: tuple[list[int], list[str]], date: str) -> None:
    """However the same cents are written, each payment and their sum come out exact."""
    values, texts = rows
    kinds = [
        "Hourly" if v < 0 else ["Hourly", "Fixed Price", "Bonus"][i % 3]
        for i, v in enumerate(values)
    ]
    text = csv_text(
        CLASSIC_COLUMNS,
        [
            classic(date, str(i), k, "Work - Shop (424242)", t)
            for i, (k, t) in enumerate(zip(kinds, texts, strict=True))
        ],
    )
    r = parse_export(text.encode(), "prop.csv", freelancer_id="me")
    assert cents(r.payments["amount_usd"]) == values  # one date, one contract: file order
    assert sum(cents(r.payments["amount_usd"])) == sum(values)
    assert cents(r.contracts["earnings_usd"]) == [sum(values)]
    assert (r.payments["paid_date"] == pd.Timestamp("2026-09-08")).all()
    assert r.rows_read == len(values) and r.skipped == {}


@st.composite
def period_exports(draw: st.DrawFn) -> tuple[list[dict[str, str]], str, str]:
    """Earnings-by-contract rows over ten days (equal rows allowed: real repeated
    payments) and two overlapping statement periods [day 1, d2] and [d1, day 10]."""
    n = draw(st.integers(1, 25))
    rows = [
        ebc(
            f"2024-03-{draw(st.integers(1, 10)):02d}",
            draw(st.sampled_from(["A (111111)", "B (222222)", "C (333333)"])),
            draw(st.sampled_from(["", "1", "2.5"])),
            f"{draw(st.integers(1, 50_000)) / 100:.2f}",
            draw(st.sampled_from(["", "", "Bonus"])),
        )
        for _ in range(n)
    ]
    d1 = draw(st.integers(1, 10))
    d2 = draw(st.integers(d1, 10))
    return rows, f"2024-03-{d1:02d}", f"2024-03-{d2:02d}"


@settings(max_examples=10, deadline=None)
@given(period_exports())
def test_overlapping_statements_merge_to_the_whole(
    case: tuple[list[dict[str, str]], str, str],
) -> None:
    """Two statements whose periods overlap, imported one after the other into one folder
    (or together), hold every payment exactly once: the same multiset of (contract, date,
    cents) as the rows, and the same total to the cent."""
    import tempfile

    rows, d1, d2 = case
    first = [r for r in rows if r["Date"] <= d2]
    second = [r for r in rows if r["Date"] >= d1]
    expected = sorted(
        (r["Contract"][-7:-1], r["Date"], round(float(r["Amount"]) * 100)) for r in rows
    )
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "h"
        for part in (first, second):
            if part:
                write_import(parse_export(csv_text(EBC_COLUMNS, part), "p.csv"), out)
        p = pd.read_csv(out / "payments.csv", dtype=str)
        got = sorted(
            zip(p["contract_id"], p["paid_date"], cents(p["amount_usd"].astype(float)), strict=True)
        )
        assert got == expected
        c = pd.read_csv(out / "contracts.csv", dtype={"contract_id": str})
        assert sum(cents(c["earnings_usd"])) == sum(e[2] for e in expected)
    both = importer.combine_exports(
        [
            (csv_text(EBC_COLUMNS, part), f"{i}.csv")
            for i, part in enumerate((first, second))
            if part
        ]
    )
    assert sum(cents(both.payments["amount_usd"])) == sum(e[2] for e in expected)
