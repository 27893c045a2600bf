"""Tests of the loader (`analysis.io.load`) on valid and edge inputs, and of its internals.

Malformed inputs with their exact messages live in ``tests/fixtures/bad/`` (tested
elsewhere); here every input is a tiny literal written to ``tmp_path`` and every
expected frame is written out by hand.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from analysis.io.errors import InputError
from analysis.io.load import (
    _Found,
    _may_quote_values,
    _parse,
    _read_csv_strings,
    _read_csv_typed,
    _sniff,
    _to_frame,
    history_from_frames,
    read_history,
    read_table,
)
from analysis.io.schema import TABLES

# --------------------------------------------------------------------------- helpers

CONTRACT_COLUMNS = [c.name for c in TABLES["contracts"].columns]


def write(path: Path, text: str, *, bom: bool = False, crlf: bool = False) -> Path:
    """Write ``text`` (lines joined by \\n) as UTF-8 bytes, exactly as given."""
    if crlf:
        text = text.replace("\n", "\r\n")
    data = text.encode("utf-8")
    if bom:
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)
    return path


def cat(values: list, categories: list[str]) -> pd.Series:
    """A categorical with text categories in the given order (the order of appearance)."""
    return pd.Series(pd.Categorical(values, categories=pd.Index(categories, dtype="str")))


def no_cats(n: int) -> pd.Series:
    return cat([None] * n, [])


def dates(*values: str | None) -> pd.Series:
    return pd.Series([pd.NaT if v is None else pd.Timestamp(v) for v in values]).astype(
        "datetime64[s]"
    )


def text(*values: str | None) -> pd.Series:
    return pd.Series(list(values), dtype="str")


def frame(columns: dict[str, pd.Series]) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    return pd.DataFrame(
        {k: v.reset_index(drop=True) for k, v in columns.items()}, index=pd.RangeIndex(n)
    )


def problems_of(path: Path) -> list[str]:
    with pytest.raises(InputError) as info:
        read_history(path)
    return [str(p) for p in info.value.problems]


# --------------------------------------------------------------------------- a full folder

CONTRACTS_CSV = """\
freelancer_id,contract_id,client_id,start_date,end_date,earnings_usd,public_rating,private_score,disputed,client_flagged,category,contract_type,hours
f1,c1,k1,2024-01-02,2024-02-15,1200.5,4.5,9,false,false,design,hourly,30
f1,c2,k2,2024-03-01,,250,,,TRUE,0,writing,Fixed,
f2,c3,k1,2023-12-31,2024-01-10,0,1.0,0,No,yes,design,fixed,0.5
"""
PAYMENTS_CSV = """\
freelancer_id,contract_id,paid_date,amount_usd
f1,c1,2024-01-09,600
f1,c1,2024-02-15,600.5
f2,c3,2024-01-10,-10
"""
ACTIVITY_CSV = """\
freelancer_id,week_start,invitations,proposals,interviews,hires,profile_views,hours_worked
f1,2024-03-04,1,2,,0,40,12.5
f2,2024-01-01,0,0,0,0,0,
"""
FREELANCERS_CSV = """\
freelancer_id,joined_date,category,country,hourly_rate_usd,profile_complete
f1,2020-05-05,design,US,40,yes
f2,,writing,,,
"""
EVENTS_CSV = """\
freelancer_id,event_date,event
f1,2024-02-01,hold_start
f1,2024-02-08,Hold_End
"""

EXPECTED_CONTRACTS = frame(
    {
        "freelancer_id": text("f1", "f1", "f2"),
        "contract_id": text("c1", "c2", "c3"),
        "client_id": text("k1", "k2", "k1"),
        "start_date": dates("2024-01-02", "2024-03-01", "2023-12-31"),
        "end_date": dates("2024-02-15", None, "2024-01-10"),
        "earnings_usd": pd.Series([1200.5, 250.0, 0.0]),
        "public_rating": pd.Series([4.5, np.nan, 1.0]),
        "private_score": pd.Series([9, None, 0], dtype="Int8"),
        "disputed": pd.Series([False, True, False]),
        "client_flagged": pd.Series([False, False, True]),
        "category": cat(["design", "writing", "design"], ["design", "writing"]),
        "contract_type": cat(["hourly", "fixed", "fixed"], ["hourly", "fixed"]),
        "hours": pd.Series([30.0, np.nan, 0.5]),
    }
)
EXPECTED_PAYMENTS = frame(
    {
        "freelancer_id": text("f1", "f1", "f2"),
        "contract_id": text("c1", "c1", "c3"),
        "paid_date": dates("2024-01-09", "2024-02-15", "2024-01-10"),
        "amount_usd": pd.Series([600.0, 600.5, -10.0]),
    }
)
EXPECTED_ACTIVITY = frame(
    {
        "freelancer_id": text("f1", "f2"),
        "week_start": dates("2024-03-04", "2024-01-01"),
        "invitations": pd.Series([1, 0], dtype="Int64"),
        "proposals": pd.Series([2, 0], dtype="Int64"),
        "interviews": pd.Series([None, 0], dtype="Int64"),
        "hires": pd.Series([0, 0], dtype="Int64"),
        "profile_views": pd.Series([40, 0], dtype="Int64"),
        "hours_worked": pd.Series([12.5, np.nan]),
        "status_shown": cat([None, None], []),  # optional column: absent from the file
    }
)
EXPECTED_FREELANCERS = frame(
    {
        "freelancer_id": text("f1", "f2"),
        "joined_date": dates("2020-05-05", None),
        "category": cat(["design", "writing"], ["design", "writing"]),
        "country": cat(["US", None], ["US"]),
        "hourly_rate_usd": pd.Series([40.0, np.nan]),
        "profile_complete": pd.Series([True, True]),  # empty -> the default, true
    }
)
EXPECTED_EVENTS = frame(
    {
        "freelancer_id": text("f1", "f1"),
        "event_date": dates("2024-02-01", "2024-02-08"),
        "event": cat(["hold_start", "hold_end"], ["hold_start", "hold_end"]),
    }
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write(tmp_path / "contracts.csv", CONTRACTS_CSV)
    write(tmp_path / "payments.csv", PAYMENTS_CSV)
    write(tmp_path / "activity.csv", ACTIVITY_CSV)
    write(tmp_path / "freelancers.csv", FREELANCERS_CSV)
    write(tmp_path / "account_events.csv", EVENTS_CSV)
    return tmp_path


def test_full_folder_loads_with_documented_dtypes(folder: Path):
    h = read_history(folder)
    assert h.contracts.dtypes.astype(str).to_dict() == {
        "freelancer_id": "str",
        "contract_id": "str",
        "client_id": "str",
        "start_date": "datetime64[s]",
        "end_date": "datetime64[s]",
        "earnings_usd": "float64",
        "public_rating": "float64",
        "private_score": "Int8",
        "disputed": "bool",
        "client_flagged": "bool",
        "category": "category",
        "contract_type": "category",
        "hours": "float64",
    }
    assert h.activity.dtypes.astype(str).to_dict() == {
        "freelancer_id": "str",
        "week_start": "datetime64[s]",
        **{c: "Int64" for c in ("invitations", "proposals", "interviews", "hires")},
        "profile_views": "Int64",
        "hours_worked": "float64",
        "status_shown": "category",  # optional: all missing when the file lacks it
    }
    assert h.activity["status_shown"].isna().all()
    assert str(h.freelancers["profile_complete"].dtype) == "bool"
    assert str(h.account_events["event"].dtype) == "category"
    assert h.files == {
        "contracts": "contracts.csv",
        "payments": "payments.csv",
        "activity": "activity.csv",
        "freelancers": "freelancers.csv",
        "account_events": "account_events.csv",
    }


def test_full_folder_values(folder: Path):
    h = read_history(folder)
    pd.testing.assert_frame_equal(h.contracts, EXPECTED_CONTRACTS)
    pd.testing.assert_frame_equal(h.payments, EXPECTED_PAYMENTS)
    pd.testing.assert_frame_equal(h.activity, EXPECTED_ACTIVITY)
    pd.testing.assert_frame_equal(h.freelancers, EXPECTED_FREELANCERS)
    pd.testing.assert_frame_equal(h.account_events, EXPECTED_EVENTS)


def test_as_of_is_the_end_of_the_latest_activity_week(folder: Path):
    # contracts reach 2024-03-01, payments 2024-02-15, events 2024-02-08; the activity
    # week starting Monday 2024-03-04 runs to Sunday 2024-03-10
    assert read_history(folder).as_of == pd.Timestamp("2024-03-10")


def test_as_of_from_each_table(tmp_path: Path):
    head = "freelancer_id,contract_id,client_id,start_date,end_date,earnings_usd\n"
    write(
        tmp_path / "contracts.csv",
        head + "f1,c1,k1,2024-01-02,,10\nf1,c2,k1,2023-05-01,2024-01-20,5\n",
    )
    assert read_history(tmp_path).as_of == pd.Timestamp("2024-01-20")  # an end_date
    write(
        tmp_path / "payments.csv",
        "freelancer_id,contract_id,paid_date,amount_usd\nf1,c1,2024-02-03,5\n",
    )
    assert read_history(tmp_path).as_of == pd.Timestamp("2024-02-03")
    write(
        tmp_path / "account_events.csv",
        "freelancer_id,event_date,event\nf1,2024-02-04,hold_start\n",
    )
    assert read_history(tmp_path).as_of == pd.Timestamp("2024-02-04")
    write(tmp_path / "freelancers.csv", "freelancer_id,joined_date\nf1,2024-02-05\n")
    assert read_history(tmp_path).as_of == pd.Timestamp("2024-02-05")
    # Monday 2024-01-29 + 6 days = Sunday 2024-02-04: earlier than the join date
    write(tmp_path / "activity.csv", "freelancer_id,week_start\nf1,2024-01-29\n")
    assert read_history(tmp_path).as_of == pd.Timestamp("2024-02-05")
    # Monday 2024-02-05 + 6 = Sunday 2024-02-11
    write(tmp_path / "activity.csv", "freelancer_id,week_start\nf1,2024-02-05\n")
    assert read_history(tmp_path).as_of == pd.Timestamp("2024-02-11")


def test_optional_files_absent_are_none(tmp_path: Path):
    write(tmp_path / "contracts.csv", CONTRACTS_CSV)
    h = read_history(tmp_path)
    assert h.payments is None
    assert h.activity is None
    assert h.freelancers is None
    assert h.account_events is None
    assert list(h.tables()) == ["contracts"]
    assert h.files == {"contracts": "contracts.csv"}
    pd.testing.assert_frame_equal(h.contracts, EXPECTED_CONTRACTS)


def test_optional_columns_absent_take_defaults(tmp_path: Path):
    write(
        tmp_path / "contracts.csv",
        "contract_id,earnings_usd,start_date,client_id,freelancer_id\n"
        "c1,10,2024-01-02,k1,f1\n"
        "c2,20.25,2024-01-03,k2,f1\n",
    )
    write(tmp_path / "freelancers.csv", "freelancer_id,country\nf1,DE\n")
    h = read_history(tmp_path)
    expected = frame(
        {
            "freelancer_id": text("f1", "f1"),
            "contract_id": text("c1", "c2"),
            "client_id": text("k1", "k2"),
            "start_date": dates("2024-01-02", "2024-01-03"),
            "end_date": dates(None, None),
            "earnings_usd": pd.Series([10.0, 20.25]),
            "public_rating": pd.Series([np.nan, np.nan]),
            "private_score": pd.Series([None, None], dtype="Int8"),
            "disputed": pd.Series([False, False]),
            "client_flagged": pd.Series([False, False]),
            "category": no_cats(2),
            "contract_type": no_cats(2),
            "hours": pd.Series([np.nan, np.nan]),
        }
    )
    pd.testing.assert_frame_equal(h.contracts, expected)
    expected_freelancers = frame(
        {
            "freelancer_id": text("f1"),
            "joined_date": dates(None),
            "category": no_cats(1),
            "country": cat(["DE"], ["DE"]),
            "hourly_rate_usd": pd.Series([np.nan]),
            "profile_complete": pd.Series([True]),
        }
    )
    pd.testing.assert_frame_equal(h.freelancers, expected_freelancers)


def test_empty_values_of_defaulted_booleans_take_the_default(tmp_path: Path):
    write(
        tmp_path / "contracts.csv",
        "freelancer_id,contract_id,client_id,start_date,earnings_usd,disputed,client_flagged\n"
        "f1,c1,k1,2024-01-02,1,,\n"
        "f1,c2,k1,2024-01-02,1,true,\n",
    )
    write(tmp_path / "freelancers.csv", "freelancer_id,profile_complete\nf1,\nf2,no\n")
    h = read_history(tmp_path)
    assert h.contracts["disputed"].tolist() == [False, True]
    assert h.contracts["client_flagged"].tolist() == [False, False]
    assert h.freelancers["profile_complete"].tolist() == [True, False]


def test_a_single_contracts_file_loads(tmp_path: Path):
    p = write(tmp_path / "my-export.csv", CONTRACTS_CSV)
    write(tmp_path / "payments.csv", PAYMENTS_CSV)  # a sibling file is not picked up
    h = read_history(p)
    pd.testing.assert_frame_equal(h.contracts, EXPECTED_CONTRACTS)
    assert h.payments is None
    assert h.files == {"contracts": "my-export.csv"}
    assert h.source == str(p)


def test_read_history_accepts_a_string_path(folder: Path):
    pd.testing.assert_frame_equal(read_history(str(folder)).contracts, EXPECTED_CONTRACTS)


# --------------------------------------------------------------------------- booleans

BOOL_HEAD = "freelancer_id,contract_id,client_id,start_date,earnings_usd,disputed,client_flagged\n"


def _bool_file(path: Path, words: list[tuple[str, str]]) -> Path:
    rows = [f"f1,c{i},k1,2024-01-02,1,{a},{b}" for i, (a, b) in enumerate(words)]
    return write(path, BOOL_HEAD + "\n".join(rows) + "\n")


# (disputed, client_flagged) per row; the expected value is the lower-case word's meaning
CANONICAL = [
    ("true", "false"),
    ("TRUE", "FALSE"),
    ("True", "False"),
    ("1", "0"),
    ("yes", "no"),
    ("YES", "NO"),
    ("Yes", "No"),
]
MIXED = [
    ("tRuE", "fAlSe"),
    ("TRUE", "FALSE"),
    ("trUE", "falsE"),
    ("1", "0"),
    ("yEs", "nO"),
    ("YES", "NO"),
    ("yES", "No"),
]


def test_booleans_in_every_casing(tmp_path: Path):
    fast = _bool_file(tmp_path / "fast.csv", CANONICAL)
    mixed = _bool_file(tmp_path / "mixed.csv", MIXED)
    spec = TABLES["contracts"]
    header = BOOL_HEAD.strip().split(",")
    # the canonical casings take the fast path; the odd ones must fall back to text
    assert _read_csv_typed(fast, spec, header) is not None
    assert _read_csv_typed(mixed, spec, header) is None
    a = read_history(fast).contracts
    b = read_history(mixed).contracts
    assert a["disputed"].tolist() == [True] * 7
    assert a["client_flagged"].tolist() == [False] * 7
    pd.testing.assert_frame_equal(a, b)


def test_boolean_values_with_surrounding_spaces(tmp_path: Path):
    p = _bool_file(tmp_path / "c.csv", [(" yes", "No "), ("\tFALSE", " 1 ")])
    h = read_history(p)
    assert h.contracts["disputed"].tolist() == [True, False]
    assert h.contracts["client_flagged"].tolist() == [False, True]


# --------------------------------------------------------------------------- encodings, files


def test_bom_and_crlf_give_the_same_frame(tmp_path: Path):
    plain = write(tmp_path / "plain.csv", CONTRACTS_CSV)
    bom = write(tmp_path / "bom.csv", CONTRACTS_CSV, bom=True)
    crlf = write(tmp_path / "crlf.csv", CONTRACTS_CSV, bom=True, crlf=True)
    assert crlf.read_bytes().startswith(b"\xef\xbb\xbffreelancer_id,")
    assert b"\r\n" in crlf.read_bytes()
    for p in (plain, bom, crlf):
        h = read_history(p)
        # the BOM must not stick to the first column's name
        assert h.contracts.columns[0] == "freelancer_id"
        pd.testing.assert_frame_equal(h.contracts, EXPECTED_CONTRACTS)


def test_bom_and_crlf_on_the_text_path(tmp_path: Path):
    # "yEs" sends the file down the text path, where the BOM and \r must not leak either
    body = CONTRACTS_CSV.replace(",No,yes,", ",nO,yEs,")
    p = write(tmp_path / "contracts.csv", body, bom=True, crlf=True)
    header = CONTRACTS_CSV.splitlines()[0].split(",")
    assert _read_csv_typed(p, TABLES["contracts"], header) is None
    pd.testing.assert_frame_equal(read_history(p).contracts, EXPECTED_CONTRACTS)


def test_gzip_files(tmp_path: Path):
    (tmp_path / "contracts.csv.gz").write_bytes(gzip.compress(CONTRACTS_CSV.encode()))
    (tmp_path / "payments.csv.gz").write_bytes(
        gzip.compress(b"\xef\xbb\xbf" + PAYMENTS_CSV.replace("\n", "\r\n").encode())
    )
    h = read_history(tmp_path)
    pd.testing.assert_frame_equal(h.contracts, EXPECTED_CONTRACTS)
    pd.testing.assert_frame_equal(h.payments, EXPECTED_PAYMENTS)
    assert h.files == {"contracts": "contracts.csv.gz", "payments": "payments.csv.gz"}


def test_gzip_single_file_bad_value_line(tmp_path: Path):
    p = tmp_path / "c.csv.gz"
    p.write_bytes(gzip.compress(CONTRACTS_CSV.replace(",250,", ",2x0,").encode()))
    assert problems_of(p) == ["c.csv.gz line 3, column earnings_usd: '2x0' is not a number >= 0"]


def test_parquet_with_typed_columns(folder: Path, tmp_path_factory):
    h = read_history(folder)
    out = tmp_path_factory.mktemp("pq")
    for name, df in h.tables().items():
        pq.write_table(pa.Table.from_pandas(df, preserve_index=False), out / f"{name}.parquet")
    schema = pq.read_schema(out / "contracts.parquet")
    assert pa.types.is_timestamp(schema.field("start_date").type)
    assert pa.types.is_int8(schema.field("private_score").type)
    assert pa.types.is_boolean(schema.field("disputed").type)
    assert pa.types.is_dictionary(schema.field("category").type)
    p = read_history(out)
    assert p.files["contracts"] == "contracts.parquet"
    for name, df in h.tables().items():
        pd.testing.assert_frame_equal(getattr(p, name), df)


def test_parquet_with_plain_arrow_types(tmp_path: Path):
    # date32, int64, float with nulls, bool with nulls (-> default false)
    t = pa.table(
        {
            "freelancer_id": pa.array(["f1", "f1"]),
            "contract_id": pa.array(["c1", "c2"]),
            "client_id": pa.array(["k1", "k2"]),
            "start_date": pa.array([dt.date(2024, 1, 2), dt.date(2024, 3, 1)], pa.date32()),
            "end_date": pa.array([dt.date(2024, 2, 15), None], pa.date32()),
            "earnings_usd": pa.array([1200.5, 250.0]),
            "private_score": pa.array([9, None], pa.int64()),
            "disputed": pa.array([None, True]),
            "hours": pa.array([30, None], pa.int32()),
        }
    )
    pq.write_table(t, tmp_path / "contracts.parquet")
    h = read_history(tmp_path)
    expected = frame(
        {
            "freelancer_id": text("f1", "f1"),
            "contract_id": text("c1", "c2"),
            "client_id": text("k1", "k2"),
            "start_date": dates("2024-01-02", "2024-03-01"),
            "end_date": dates("2024-02-15", None),
            "earnings_usd": pd.Series([1200.5, 250.0]),
            "public_rating": pd.Series([np.nan, np.nan]),
            "private_score": pd.Series([9, None], dtype="Int8"),
            "disputed": pd.Series([False, True]),
            "client_flagged": pd.Series([False, False]),
            "category": no_cats(2),
            "contract_type": no_cats(2),
            "hours": pd.Series([30.0, np.nan]),
        }
    )
    pd.testing.assert_frame_equal(h.contracts, expected)


def test_parquet_with_all_string_columns(tmp_path: Path):
    raw = pd.read_csv(io.StringIO(CONTRACTS_CSV), dtype=str, keep_default_na=False)
    pq.write_table(pa.Table.from_pandas(raw, preserve_index=False), tmp_path / "contracts.parquet")
    assert all(
        pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
        for f in pq.read_schema(tmp_path / "contracts.parquet")
    )
    pd.testing.assert_frame_equal(read_history(tmp_path).contracts, EXPECTED_CONTRACTS)


def test_parquet_bad_value_is_located_by_row(tmp_path: Path):
    raw = pd.read_csv(io.StringIO(CONTRACTS_CSV), dtype=str, keep_default_na=False)
    raw.loc[2, "private_score"] = "11"
    pq.write_table(pa.Table.from_pandas(raw, preserve_index=False), tmp_path / "contracts.parquet")
    assert problems_of(tmp_path) == [
        "contracts.parquet row 3, column private_score: '11' is not an integer from 0 to 10"
    ]


def test_csv_and_parquet_of_the_same_table_are_refused(tmp_path: Path):
    write(tmp_path / "contracts.csv", CONTRACTS_CSV)
    raw = pd.read_csv(io.StringIO(CONTRACTS_CSV), dtype=str, keep_default_na=False)
    pq.write_table(pa.Table.from_pandas(raw, preserve_index=False), tmp_path / "contracts.parquet")
    assert problems_of(tmp_path) == [
        "contracts.csv: is given more than once (contracts.csv, contracts.parquet); keep one"
    ]


def test_csv_and_gzip_of_an_optional_table_are_refused(tmp_path: Path):
    write(tmp_path / "contracts.csv", CONTRACTS_CSV)
    write(tmp_path / "payments.csv", PAYMENTS_CSV)
    (tmp_path / "payments.csv.gz").write_bytes(gzip.compress(PAYMENTS_CSV.encode()))
    assert problems_of(tmp_path) == [
        "payments.csv: is given more than once (payments.csv, payments.csv.gz); keep one"
    ]


def test_extra_columns_are_kept_as_text(tmp_path: Path):
    write(
        tmp_path / "contracts.csv",
        "notes,freelancer_id,contract_id,client_id,start_date,earnings_usd,budget,flag\n"
        '"hello, world",f1,c1,k1,2024-01-02,10,007,yes\n'
        ",f1,c2,k1,2024-01-02,20,1e3,maybe\n",
    )
    h = read_history(tmp_path)
    c = h.contracts
    # contract columns first in contract order, then the extras in file order
    assert list(c.columns) == CONTRACT_COLUMNS + ["notes", "budget", "flag"]
    pd.testing.assert_frame_equal(
        c[["notes", "budget", "flag"]],
        frame(
            {
                "notes": text("hello, world", None),
                "budget": text("007", "1e3"),  # not parsed as numbers
                "flag": text("yes", "maybe"),  # not parsed as booleans
            }
        ),
    )
    assert c["earnings_usd"].tolist() == [10.0, 20.0]


# --------------------------------------------------------------------------- from_frames


def _csv_tables(tmp: Path) -> dict[str, pd.DataFrame]:
    return {
        name: pd.read_csv(tmp / f"{name}.csv", dtype=str, keep_default_na=False)
        for name in ("contracts", "payments", "activity", "freelancers", "account_events")
    }


def test_from_frames_of_text_equals_reading_the_files(folder: Path):
    from_disk = read_history(folder)
    from_memory = history_from_frames(**_csv_tables(folder))
    for name in ("contracts", "payments", "activity", "freelancers", "account_events"):
        pd.testing.assert_frame_equal(getattr(from_memory, name), getattr(from_disk, name))


def test_from_frames_of_typed_frames_equals_writing_them_to_csv(tmp_path: Path):
    contracts = pd.DataFrame(
        {
            "freelancer_id": ["f1", "f2", "f2"],
            "contract_id": ["c1", "c2", "c3"],
            "client_id": ["k1", "k1", "k2"],
            "start_date": pd.to_datetime(["2024-01-02", "2024-02-01", "2024-02-03"]),
            "end_date": pd.to_datetime(["2024-01-30", None, "2024-02-03"]),
            "earnings_usd": [0.1 + 0.2, 1e-3, 123456.789],
            "public_rating": [5.0, None, 1.25],
            "private_score": pd.array([10, None, 0], dtype="Int64"),
            "disputed": [True, False, False],
            "category": ["design", None, "writing"],
            "contract_type": ["HOURLY", "fixed", None],
            "memo": ["a", None, "c"],
        }
    )
    activity = pd.DataFrame(
        {
            "freelancer_id": ["f1"],
            "week_start": [dt.date(2024, 1, 1)],
            "hires": [3],
            "hours_worked": [7.5],
        }
    )
    from_memory = history_from_frames(contracts, activity=activity)
    contracts.to_csv(tmp_path / "contracts.csv", index=False, date_format="%Y-%m-%d")
    activity.to_csv(tmp_path / "activity.csv", index=False)
    from_disk = read_history(tmp_path)
    pd.testing.assert_frame_equal(from_memory.contracts, from_disk.contracts)
    pd.testing.assert_frame_equal(from_memory.activity, from_disk.activity)
    assert from_memory.payments is None and from_disk.payments is None
    # and the values are the ones given
    assert from_memory.contracts["earnings_usd"].tolist() == [0.1 + 0.2, 1e-3, 123456.789]
    assert from_memory.contracts["private_score"].tolist() == [10, pd.NA, 0]
    assert from_memory.contracts["contract_type"].tolist()[:2] == ["hourly", "fixed"]
    assert from_memory.activity["hires"].dtype == "Int64"
    assert from_memory.as_of == pd.Timestamp("2024-02-03")


def test_from_frames_bad_value_raises_with_the_line_a_csv_would_have():
    contracts = pd.read_csv(io.StringIO(CONTRACTS_CSV), dtype=str, keep_default_na=False)
    contracts.loc[2, "private_score"] = "11"
    with pytest.raises(InputError) as info:
        history_from_frames(contracts)
    assert str(info.value) == (
        "contracts.csv line 4, column private_score: '11' is not an integer from 0 to 10"
    )


def test_from_frames_bad_value_in_an_optional_table():
    contracts = pd.read_csv(io.StringIO(CONTRACTS_CSV), dtype=str, keep_default_na=False)
    activity = pd.DataFrame(
        {"freelancer_id": ["f1", "f1"], "week_start": ["2024-03-04", "2024-03-05"]}
    )
    with pytest.raises(InputError) as info:
        history_from_frames(contracts, activity=activity)
    assert [str(p) for p in info.value.problems] == [
        "activity.csv line 3, column week_start: '2024-03-05' is not a Monday"
    ]


def test_from_frames_ignores_the_index():
    contracts = pd.read_csv(io.StringIO(CONTRACTS_CSV), dtype=str, keep_default_na=False)
    contracts.index = [10, 20, 30]
    pd.testing.assert_frame_equal(history_from_frames(contracts).contracts, EXPECTED_CONTRACTS)


# --------------------------------------------------------------------------- line numbers

HEAD = "freelancer_id,contract_id,client_id,start_date,earnings_usd,notes\n"


def test_line_after_a_quoted_newline(tmp_path: Path):
    p = write(
        tmp_path / "contracts.csv",
        HEAD
        + 'f1,c1,k1,2024-01-02,10,"two\nlines"\n'  # lines 2-3
        + "f1,c2,k1,2024-01-03,abc,\n",  # line 4
    )
    assert problems_of(p) == [
        "contracts.csv line 4, column earnings_usd: 'abc' is not a number >= 0"
    ]


def test_quoted_values_decide_how_arrow_cuts_blocks(tmp_path: Path):
    """Only a quote after the header can hold a newline in a value: a file with
    none (quotes in the header are fine) is cut into blocks the fast way; one with
    a quoted value, a gzip file or an empty one, the safe way."""
    plain = write(tmp_path / "a.csv", '"freelancer_id","notes"\nf1,x\nf2,\n')
    quoted = write(tmp_path / "b.csv", 'freelancer_id,notes\nf1,"two\nlines"\n')
    empty = write(tmp_path / "c.csv", "")
    packed = tmp_path / "d.csv.gz"
    packed.write_bytes(gzip.compress(b"freelancer_id,notes\nf1,x\n"))
    assert _may_quote_values(plain) is False
    assert [_may_quote_values(p) for p in (quoted, empty, packed)] == [True] * 3
    # no "\n" at all (old Mac "\r" line ends): the header's end is unknown, so safe
    old_mac = write(tmp_path / "e.csv", 'freelancer_id,notes\rf1,"a\rb"\r')
    assert _may_quote_values(old_mac) is True


def test_quoted_newline_kept_in_the_value_on_the_fast_path(tmp_path: Path):
    p = write(
        tmp_path / "contracts.csv",
        HEAD + 'f1,c1,k1,2024-01-02,10,"two\nlines"\n' + "f1,c2,k1,2024-01-03,5,plain\n",
    )
    frame, problems = read_table(p, "contracts")
    assert problems == []
    assert frame["notes"].tolist() == ["two\nlines", "plain"]
    assert frame["earnings_usd"].tolist() == [10.0, 5.0]


def test_line_after_a_blank_line(tmp_path: Path):
    p = write(
        tmp_path / "contracts.csv",
        HEAD + "f1,c1,k1,2024-01-02,10,\n\nf1,c2,k1,2024-01-03,-5,\n",  # blank line 3
    )
    assert problems_of(p) == [
        "contracts.csv line 4, column earnings_usd: '-5' is not a number >= 0"
    ]


def test_lines_with_quoted_crlf_blank_lines_and_bom(tmp_path: Path):
    body = (
        HEAD
        + 'f1,c1,k1,2024-01-02,10,"a\n\nb"\n'  # lines 2-4 (a blank line inside quotes)
        + "\n"  # line 5
        + "\n"  # line 6
        + "f1,c2,k1,2024-13-01,1,\n"  # line 7
        + 'f1,c3,k1,2024-01-02,1,"x\ny\nz"\n'  # lines 8-10
        + "f1,c4,k1,2024-01-02,1e999,\n"  # line 11
    )
    p = write(tmp_path / "contracts.csv", body, bom=True, crlf=True)
    assert problems_of(p) == [
        "contracts.csv line 7, column start_date: '2024-13-01' is not a date in the form YYYY-MM-DD",
        "contracts.csv line 11, column earnings_usd: '1e999' is not a number >= 0",
    ]


def test_duplicate_contract_names_both_lines_across_a_quoted_newline(tmp_path: Path):
    p = write(
        tmp_path / "contracts.csv",
        HEAD
        + 'f1,c1,k1,2024-01-02,10,"multi\nline"\n'  # lines 2-3
        + "\n"  # line 4
        + "f1,c2,k1,2024-01-02,10,\n"  # line 5
        + "f1,c1,k1,2024-01-02,10,\n",  # line 6
    )
    assert problems_of(p) == ["contracts.csv line 6, column contract_id: 'c1' repeats line 2"]


def test_end_before_start_line(tmp_path: Path):
    p = write(
        tmp_path / "contracts.csv",
        "freelancer_id,contract_id,client_id,start_date,end_date,earnings_usd\n"
        "f1,c1,k1,2024-01-02,2024-01-02,1\n"  # same day is fine
        "\n"
        "f1,c2,k1,2024-01-02,2024-01-01,1\n",  # line 4
    )
    assert problems_of(p) == [
        "contracts.csv line 4, column end_date: '2024-01-01' is before start_date '2024-01-02'"
    ]


# --------------------------------------------------------------------------- the problem cap


def test_a_hundred_bad_values_list_twenty_then_a_count(tmp_path: Path):
    rows = "".join(f"f1,c{i},k1,2024-01-02,x{i},\n" for i in range(100))
    p = write(tmp_path / "contracts.csv", HEAD + rows)
    got = problems_of(p)
    assert got[:20] == [
        f"contracts.csv line {i + 2}, column earnings_usd: 'x{i}' is not a number >= 0"
        for i in range(20)
    ]
    # the 80 rows not listed are not reported again (e.g. as empty required values)
    assert got[20:] == ["contracts.csv: 80 more problems of the same kinds not listed"]


def test_a_hundred_out_of_range_values_list_twenty_then_a_count(tmp_path: Path):
    head = "freelancer_id,contract_id,client_id,start_date,earnings_usd,private_score\n"
    rows = "".join(f"f1,c{i},k1,2024-01-02,1,{11 + i}\n" for i in range(100))
    got = problems_of(write(tmp_path / "contracts.csv", head + rows))
    assert len(got) == 21
    assert (
        got[0] == "contracts.csv line 2, column private_score: '11' is not an integer from 0 to 10"
    )
    assert (
        got[19]
        == "contracts.csv line 21, column private_score: '30' is not an integer from 0 to 10"
    )
    assert got[20] == "contracts.csv: 80 more problems of the same kinds not listed"


def test_a_hundred_bad_dates_in_a_required_column(tmp_path: Path):
    rows = "".join(f"f1,c{i},k1,2024-02-{30 + i % 2},1,\n" for i in range(100))
    got = problems_of(write(tmp_path / "contracts.csv", HEAD + rows))
    assert got[0] == (
        "contracts.csv line 2, column start_date: '2024-02-30' is not a date in the form YYYY-MM-DD"
    )
    assert got[1] == (
        "contracts.csv line 3, column start_date: '2024-02-31' is not a date in the form YYYY-MM-DD"
    )
    assert len(got) == 21
    assert got[20] == "contracts.csv: 80 more problems of the same kinds not listed"


def test_the_error_message_joins_every_problem(tmp_path: Path):
    rows = "".join(f"f1,c{i},k1,2024-01-02,x{i},\n" for i in range(100))
    write(tmp_path / "contracts.csv", HEAD + rows)
    with pytest.raises(InputError) as info:
        read_history(tmp_path)
    lines = str(info.value).splitlines()
    assert len(lines) == 21
    assert lines[-1] == "contracts.csv: 80 more problems of the same kinds not listed"


# --------------------------------------------------------------------------- fast path == text path

WORDS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
ID_CHARS = st.sampled_from(list("abcXYZ019 -_.é,\"'\n"))
ids = st.text(ID_CHARS, min_size=1, max_size=6)


@st.composite
def cased(draw, word: str) -> tuple[str, bool]:
    """``word`` in a random casing, and whether it is one the fast path knows."""
    how = draw(st.sampled_from(["lower", "upper", "title", "random"]))
    if how == "lower":
        return word, True
    if how == "upper":
        return word.upper(), True
    if how == "title":
        return word.capitalize(), True
    flips = draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
    out = "".join(c.upper() if f else c for c, f in zip(word, flips, strict=True))
    return out, out in (word, word.upper(), word.capitalize())


@st.composite
def number_text(draw, lo: float, hi: float) -> tuple[str, float]:
    x = draw(st.floats(lo, hi, allow_nan=False, allow_infinity=False))
    style = draw(st.sampled_from(["repr", "2dp", "exp", "int"]))
    s = {
        "repr": repr(x),
        "2dp": f"{x:.2f}",
        "exp": f"{x:.6e}",
        "int": str(int(x)),
    }[style]
    value = float(s)
    if not lo <= value <= hi:  # rounding pushed it out of range
        s, value = repr(x), x
    return s, value


def _unguarded(text: str) -> str:
    """What the loader reads for a text cell: the spreadsheet formula guard (a ``'``
    before ``=``, ``+``, ``-``, ``@``, tab or CR; `analysis.io.output.guard_formulas`)
    is removed."""
    return text[1:] if len(text) > 1 and text[0] == "'" and text[1] in "=+-@\t\r" else text


@st.composite
def contract_files(draw):
    """(column order, rows of text, rows of expected values, fast path expected to work)."""
    n = draw(st.integers(1, 6))
    cids = draw(st.lists(ids, min_size=n, max_size=n, unique_by=_unguarded))
    canonical = True
    text_rows, value_rows = [], []
    for i in range(n):
        start = draw(st.dates(dt.date(1990, 1, 1), dt.date(2060, 12, 31)))
        length = draw(st.none() | st.integers(0, 800))
        end = None if length is None else start + dt.timedelta(days=length)
        earn_s, earn = draw(number_text(0.0, 1e7))
        t: dict[str, str] = {
            "freelancer_id": draw(ids),
            "contract_id": cids[i],
            "client_id": draw(ids),
            "start_date": start.isoformat(),
            "end_date": "" if end is None else end.isoformat(),
            "earnings_usd": earn_s,
        }
        v: dict[str, object] = {
            **{k: _unguarded(t[k]) for k in ("freelancer_id", "contract_id", "client_id")},
            "start_date": pd.Timestamp(start),
            "end_date": pd.NaT if end is None else pd.Timestamp(end),
            "earnings_usd": earn,
        }
        if draw(st.booleans()):
            t["public_rating"], v["public_rating"] = draw(number_text(1.0, 5.0))
        else:
            t["public_rating"], v["public_rating"] = "", np.nan
        score = draw(st.none() | st.integers(0, 10))
        t["private_score"] = "" if score is None else str(score)
        v["private_score"] = pd.NA if score is None else score
        for name in ("disputed", "client_flagged"):
            word = draw(st.none() | st.sampled_from(sorted(WORDS)))
            if word is None:
                t[name], v[name] = "", False
            else:
                t[name], ok = draw(cased(word))
                v[name] = WORDS[word]
                canonical &= ok
        category = draw(st.none() | st.sampled_from(["design", "writing", "sales-marketing"]))
        t["category"], v["category"] = category or "", category
        kind = draw(st.none() | st.sampled_from(["hourly", "fixed"]))
        t["contract_type"] = "" if kind is None else draw(cased(kind))[0]
        v["contract_type"] = kind
        if draw(st.booleans()):
            t["hours"], v["hours"] = draw(number_text(0.0, 1e4))
        else:
            t["hours"], v["hours"] = "", np.nan
        note = draw(st.none() | ids)
        t["note"], v["note"] = note or "", None if note is None else _unguarded(note)
        text_rows.append(t)
        value_rows.append(v)
    required = ["freelancer_id", "contract_id", "client_id", "start_date", "earnings_usd"]
    optional = [c for c in CONTRACT_COLUMNS if c not in required] + ["note"]
    kept = [c for c in optional if draw(st.booleans())]
    columns = draw(st.permutations(required + kept))
    crlf = draw(st.booleans())
    bom = draw(st.booleans())
    return columns, text_rows, value_rows, canonical, crlf, bom


def _expected(columns: list[str], rows: list[dict]) -> pd.DataFrame:
    n = len(rows)

    def col(name):
        return [r[name] for r in rows]

    def categorical(name):
        if name not in columns:
            return no_cats(n)
        values = col(name)
        return cat(values, list(dict.fromkeys(v for v in values if v is not None)))

    def maybe(name, default, dtype):
        values = col(name) if name in columns else [default] * n
        return pd.Series(values, dtype=dtype)

    out = {
        "freelancer_id": text(*col("freelancer_id")),
        "contract_id": text(*col("contract_id")),
        "client_id": text(*col("client_id")),
        "start_date": pd.Series(col("start_date")).astype("datetime64[s]"),
        "end_date": (
            pd.Series(col("end_date"), dtype="datetime64[ns]").astype("datetime64[s]")
            if "end_date" in columns
            else dates(*[None] * n)
        ),
        "earnings_usd": pd.Series(col("earnings_usd"), dtype="float64"),
        "public_rating": maybe("public_rating", np.nan, "float64"),
        "private_score": maybe("private_score", pd.NA, "Int8"),
        "disputed": maybe("disputed", False, "bool"),
        "client_flagged": maybe("client_flagged", False, "bool"),
        "category": categorical("category"),
        "contract_type": categorical("contract_type"),
        "hours": maybe("hours", np.nan, "float64"),
    }
    if "note" in columns:
        out["note"] = text(*col("note"))
    return frame(out)


def _write_csv(path: Path, columns, rows, crlf: bool, bom: bool) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n" if crlf else "\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([r[c] for c in columns])
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode("utf-8"))


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(contract_files())
def test_fast_path_equals_text_path_and_round_trips(case):
    columns, text_rows, value_rows, canonical, crlf, bom = case
    spec = TABLES["contracts"]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "contracts.csv"
        _write_csv(path, columns, text_rows, crlf, bom)

        found = _Found("contracts.csv")
        header = _sniff(path, found)
        assert header == list(columns)
        raw, _ = _read_csv_strings(path, spec, header, found)
        assert raw is not None and not found
        text_frame = _to_frame(_parse(raw, spec, found), spec)
        assert not found, found.rows

        typed = _read_csv_typed(path, spec, header)
        event("fast path taken" if typed is not None else "text path only")
        if canonical:
            assert typed is not None  # nothing unusual: the fast path must take it
        if typed is not None:
            pd.testing.assert_frame_equal(_to_frame(typed, spec), text_frame)

        expected = _expected(list(columns), value_rows)
        pd.testing.assert_frame_equal(text_frame, expected)
        pd.testing.assert_frame_equal(read_history(path).contracts, expected)
        pd.testing.assert_frame_equal(read_history(Path(tmp)).contracts, expected)


def test_read_table_returns_the_frame_or_the_problems(tmp_path: Path):
    good = write(tmp_path / "p.csv", PAYMENTS_CSV)
    frame_, problems = read_table(good, "payments")
    assert problems == []
    pd.testing.assert_frame_equal(frame_, EXPECTED_PAYMENTS)
    bad = write(tmp_path / "q.csv", PAYMENTS_CSV.replace(",-10\n", ",ten\n"))
    frame_, problems = read_table(bad, "payments", label="payments.csv")
    assert frame_ is None
    assert [str(p) for p in problems] == [
        "payments.csv line 4, column amount_usd: 'ten' is not a number"
    ]


def test_ten_character_non_dates_are_problems_not_crashes(tmp_path: Path):
    # each is 10 characters long, the length of YYYY-MM-DD (this once raised ArrowInvalid)
    bad = ["2024-01-ab", "abcdefghij", "2024-01- 5", "2024-01-+5", "2024/01/05"]
    rows = "".join(f"f1,c{i},k1,{v},1,\n" for i, v in enumerate(bad))
    got = problems_of(write(tmp_path / "contracts.csv", HEAD + rows))
    assert got == [
        f"contracts.csv line {i + 2}, column start_date: '{v}' is not a date in the form YYYY-MM-DD"
        for i, v in enumerate(bad)
    ]
    with pytest.raises(InputError) as info:
        history_from_frames(
            pd.DataFrame(
                {
                    "freelancer_id": ["f1"],
                    "contract_id": ["c1"],
                    "client_id": ["k1"],
                    "start_date": ["2024-01-02"],
                    "end_date": ["2024-01-xx"],
                    "earnings_usd": [1],
                }
            )
        )
    assert str(info.value) == (
        "contracts.csv line 2, column end_date: '2024-01-xx' is not a date in the form YYYY-MM-DD"
    )
