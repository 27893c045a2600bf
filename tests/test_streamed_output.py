"""Output written fast and streamed: Arrow conversion, Parquet settings, datasets part by part."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.cli import main
from analysis.io.dataset import iter_partitions, streamable
from analysis.io.errors import InputError
from analysis.io.load import read_history
from analysis.io.output import to_arrow

CATEGORIES = [
    pd.Categorical(["a", "b", None, "a"]),
    pd.Categorical([], categories=["x"]),
    pd.Categorical([None, None], categories=["x"]),
    pd.Categorical([]),
    pd.Categorical(["none", "top_rated"], categories=["none", "top_rated", "z"], ordered=True),
    pd.Categorical(["a", None], categories=pd.Index(["a"], dtype="str")),
    pd.Categorical([1, 2, None]),
    pd.Categorical([1.5, None]),
    pd.Categorical(pd.to_datetime(["2020-01-01", None])),
    pd.Categorical([True, False, None]),
]


@pytest.mark.parametrize("values", CATEGORIES, ids=range(len(CATEGORIES)))
def test_a_category_column_becomes_the_text_pandas_gives(values):
    s = pd.Series(values)
    expected = pa.array(s.astype("str"), from_pandas=True)
    got = to_arrow(pd.DataFrame({"x": s}))["x"].combine_chunks()
    assert got.type == expected.type
    assert got.equals(expected)


def test_a_long_category_column_converts_quickly_and_exactly():
    codes = np.random.default_rng(0).integers(-1, 3, 200_000)
    s = pd.Series(pd.Categorical.from_codes(codes, categories=["p", "q", "r"]))
    got = to_arrow(pd.DataFrame({"x": s}))["x"]
    assert got.to_pylist() == [None if c < 0 else "pqr"[c] for c in codes]


# --------------------------------------------------------------------------- datasets part by part

_scale = pytest.importorskip("test_scale")  # its random five-table history (and dask)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """A five-table CSV history, its dataset in 5 parts, and the outputs of the CSV."""
    root = tmp_path_factory.mktemp("stream")
    csv = root / "history"
    _scale._write_history(csv)
    dataset = root / "dataset"
    assert main(["convert", str(csv), "--out", str(dataset), "--parts", "5"]) == 0
    return {"root": root, "csv": csv, "dataset": dataset}


def _same_content(got, want) -> None:
    """Same bytes (CSV) or the same table (Parquet: its row groups follow the parts)."""
    if str(got).endswith(".parquet"):
        a, b = pq.read_table(got), pq.read_table(want)
        assert a.schema.equals(b.schema, check_metadata=True)
        assert a.num_rows > 0 and a.equals(b)
    else:
        assert got.read_bytes() == want.read_bytes()


def _run(kind: str, history, out, *extra: str) -> None:
    assert main([kind, str(history), "--out", str(out), *extra]) == 0


@pytest.mark.parametrize(
    "extra",
    [(), ("--from", "2022-03-01", "--to", "2024-07-31"), ("--rules", "seed-article")],
    ids=["defaults", "dates", "seed-rules"],
)
def test_a_dataset_streamed_part_by_part_writes_what_the_whole_history_writes(
    data, tmp_path, extra, monkeypatch
):
    from analysis.io import dataset

    seen = []
    parts = dataset.iter_partitions

    def counted(info):
        for history in parts(info):
            seen.append(len(history.contracts))
            yield history

    monkeypatch.setattr(dataset, "iter_partitions", counted)
    for kind, ext in (("jss", "parquet"), ("status", "parquet"), ("status", "csv")):
        want, got = tmp_path / f"want.{ext}", tmp_path / f"got.{ext}"
        events = ("--events", str(tmp_path / f"ev-want.{ext}")) if kind == "status" else ()
        _run(kind, data["csv"], want, *extra, *events)
        events = ("--events", str(tmp_path / f"ev-got.{ext}")) if kind == "status" else ()
        seen.clear()
        _run(kind, data["dataset"], got, *extra, *events)
        assert len(seen) == 5 and min(seen) > 0  # it did stream, one part at a time
        _same_content(got, want)
        if kind == "status":
            _same_content(tmp_path / f"ev-got.{ext}", tmp_path / f"ev-want.{ext}")


def test_parts_come_in_freelancer_order_with_the_whole_as_of(data):
    info = streamable(data["dataset"])
    assert info is not None
    whole = read_history(data["dataset"])
    assert info.as_of == whole.as_of
    assert info.first_start == whole.contracts["start_date"].min()
    parts = list(iter_partitions(info))
    assert len(parts) == len(info.parts) == 5
    ids = pd.concat([p.contracts["freelancer_id"] for p in parts], ignore_index=True)
    pd.testing.assert_series_equal(ids, whole.contracts["freelancer_id"])
    for name, frame in whole.tables().items():
        assert sum(len(p.tables()[name]) for p in parts) == len(frame), name


@pytest.mark.parametrize("kernels", [False, True], ids=["numpy", "kernels"])
def test_a_bad_part_fails_the_stream_as_reading_the_whole_fails_and_writes_nothing(
    data, tmp_path, capsys, monkeypatch, kernels
):
    """Also with the kernels, whose status job computes parts ahead on the threads."""
    if kernels:
        from analysis.engine import backend

        monkeypatch.setattr(backend, "AUTO_NUMBA_CONTRACTS", 1)
    bad = tmp_path / "bad"
    shutil.copytree(data["dataset"], bad)
    part = bad / "contracts" / "part-00003.parquet"  # a late part: output already computed
    table = pq.read_table(part)
    earnings = table["earnings_usd"].to_numpy().copy()
    earnings[4] = -5.0
    i = table.schema.get_field_index("earnings_usd")
    pq.write_table(table.set_column(i, "earnings_usd", pa.array(earnings)), part)
    with pytest.raises(InputError) as whole:
        read_history(bad)
    with pytest.raises(InputError) as streamed:
        list(iter_partitions(streamable(bad)))
    assert streamed.value.render() == whole.value.render()
    out = tmp_path / "out"
    out.mkdir()
    for kind in ("status", "jss"):
        assert main([kind, str(bad), "--out", str(out / "s.parquet")]) == 2
        assert "contracts/part-00003.parquet row 5, column earnings_usd" in capsys.readouterr().err
        assert list(out.iterdir()) == []  # no output, no temporary left


def test_a_payment_of_an_unknown_contract_fails_like_the_whole_history(data, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(data["dataset"], bad)
    part = bad / "payments" / "part-00002.parquet"
    table = pq.read_table(part)
    ids = table["contract_id"].to_pylist()
    ids[0] = "no-such-contract"
    i = table.schema.get_field_index("contract_id")
    pq.write_table(
        table.set_column(i, "contract_id", pa.array(ids, table["contract_id"].type)), part
    )
    with pytest.raises(InputError) as whole:
        read_history(bad)
    with pytest.raises(InputError) as streamed:
        list(iter_partitions(streamable(bad)))
    assert "no-such-contract" in whole.value.render()
    assert streamed.value.render() == whole.value.render()


def test_what_is_not_a_clean_dataset_is_read_whole(data, tmp_path):
    assert streamable(data["csv"]) is None
    mixed = tmp_path / "mixed"
    shutil.copytree(data["dataset"], mixed)
    shutil.rmtree(mixed / "payments")
    shutil.copy(data["csv"] / "payments.csv", mixed / "payments.csv")
    assert streamable(mixed) is None  # a table given as a file: read_history reads it too
    empty = tmp_path / "empty"
    shutil.copytree(data["dataset"], empty)
    shutil.rmtree(empty / "activity")
    (empty / "activity").mkdir()
    assert streamable(empty) is None  # a folder without parts, which read_history skips
    # both still give the whole history's output
    for history in (mixed, empty):
        _run("jss", history, tmp_path / "a.parquet")
        _run("jss", data["csv"], tmp_path / "b.parquet")
        _same_content(tmp_path / "a.parquet", tmp_path / "b.parquet")


def test_standard_output_reads_the_whole_history_first(data, monkeypatch, capsysbinary):
    """Nothing may reach stdout before every part is checked: no streaming there."""
    from analysis.io import dataset

    def refuse(info):
        raise AssertionError("streamed to standard output")

    monkeypatch.setattr(dataset, "iter_partitions", refuse)
    assert main(["jss", str(data["dataset"])]) == 0
    assert capsysbinary.readouterr().out.startswith(b'"freelancer_id","eval_date"')


def test_a_streamed_dataset_takes_the_backend_of_its_whole_size(data, tmp_path, monkeypatch):
    """Every part of a large dataset is small, but the process pays the kernels'
    start-up once: `auto` is decided on all the contracts, not part by part (it was
    part by part, so a million freelancers in 160 parts ran on the numpy path)."""
    from analysis.engine import backend, jss

    info = streamable(data["dataset"])
    largest = max(len(p.contracts) for p in iter_partitions(info))
    assert largest < info.contracts == len(read_history(data["dataset"]).contracts)
    # every part is below the threshold, the whole dataset is not
    monkeypatch.setattr(backend, "AUTO_NUMBA_CONTRACTS", info.contracts)
    used = []
    for name, compute in list(jss.CHUNK_COLUMNS.items()):
        monkeypatch.setitem(
            jss.CHUNK_COLUMNS, name, lambda *a, _n=name, _c=compute: used.append(_n) or _c(*a)
        )
    for kind in ("jss", "status"):
        used.clear()
        events = ("--events", str(tmp_path / "events.csv")) if kind == "status" else ()
        _run(kind, data["dataset"], tmp_path / f"{kind}.parquet", *events)
        assert used and set(used) == {"numba"}, kind
    # and a threshold above the whole dataset keeps the numpy reference: the same
    # rows and events (the kernels' parts computed on the threads, in order)
    monkeypatch.setattr(backend, "AUTO_NUMBA_CONTRACTS", info.contracts + 1)
    used.clear()
    _run("status", data["dataset"], tmp_path / "numpy.parquet", "--events",
         str(tmp_path / "numpy-events.csv"))  # fmt: skip
    assert used and set(used) == {"numpy"}
    _same_content(tmp_path / "numpy.parquet", tmp_path / "status.parquet")
    _same_content(tmp_path / "numpy-events.csv", tmp_path / "events.csv")


@pytest.mark.parametrize(
    "values",
    [
        pd.array([True, False, True], dtype="boolean"),
        pd.array([True, None, False], dtype="boolean"),
        pd.array([1, 2, 3], dtype="Int64"),
        pd.array([1, None, 3], dtype="Int64"),
        pd.array([1, 2], dtype="Int8"),
        pd.array([1.5, 2.5], dtype="Float64"),
        pd.array([1.5, None], dtype="Float64"),
        pd.array([], dtype="boolean"),
    ],
    ids=range(8),
)
def test_a_nullable_column_becomes_the_arrow_array_pandas_gives(values):
    """Nullable columns with nothing missing skip the validity bitmap: same values,
    same type, no nulls; with a missing value, the same nulls as pyarrow's own."""
    s = pd.Series(values)
    expected = pa.array(s, from_pandas=True)
    got = to_arrow(pd.DataFrame({"x": s}))["x"].combine_chunks()
    assert got.type == expected.type
    assert got.equals(expected)
    assert got.null_count == int(s.isna().sum())


def _arrow_by_pyarrow(s: pd.Series) -> pa.Array:
    """What `to_arrow` must equal: pyarrow's own conversion, timestamps as dates."""
    arr = pa.array(s, from_pandas=True)
    return arr.cast(pa.date32()) if pa.types.is_timestamp(arr.type) else arr


@st.composite
def _numeric_columns(draw):
    """Columns `to_arrow` converts by numpy: floats with NaN, nullable integers and
    floats with missing values, timestamps in every unit pandas keeps (before 1970,
    inside a day, NaT)."""
    kind = draw(st.sampled_from(["float64", "float32", "Int64", "Int8", "Float64", "M"]))
    n = draw(st.integers(0, 40))
    missing = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    if kind == "M":
        unit = draw(st.sampled_from(["s", "ms", "us", "ns"]))
        per_day = {"s": 86_400, "ms": 86_400_000, "us": 86_400_000_000, "ns": 86_400_000_000_000}
        whole = draw(st.lists(st.integers(-30_000, 30_000), min_size=n, max_size=n))
        part = draw(st.lists(st.sampled_from([0, 1, -1, per_day[unit] - 1, per_day[unit] // 2]),
                             min_size=n, max_size=n))  # fmt: skip
        ticks = np.array(
            [w * per_day[unit] + p for w, p in zip(whole, part, strict=True)], dtype=np.int64
        )
        stamps = ticks.view(f"datetime64[{unit}]").copy()
        stamps[np.array(missing, dtype=bool)] = np.datetime64("NaT")
        return pd.Series(stamps)
    if kind.startswith("float"):
        floats = st.floats(width=64 if kind == "float64" else 32)
        values = np.array(draw(st.lists(floats, min_size=n, max_size=n)), dtype=kind)
        values[np.array(missing, dtype=bool)] = np.nan
        return pd.Series(values)
    if kind == "Float64":
        values = draw(st.lists(st.floats(allow_nan=False, width=64), min_size=n, max_size=n))
    else:
        lo, hi = (-128, 127) if kind == "Int8" else (-(2**63), 2**63 - 1)
        values = draw(st.lists(st.integers(lo, hi), min_size=n, max_size=n))
    return pd.Series(
        pd.array([None if m else v for v, m in zip(values, missing, strict=True)], dtype=kind)
    )


@settings(max_examples=300, deadline=None)
@given(_numeric_columns())
def test_a_numeric_or_date_column_becomes_the_arrow_array_pyarrow_gives(s):
    """The numpy conversion of `to_arrow` (a packed validity bitmap, days by floor
    division) equals pyarrow's own, value for value, null for null, type for type."""
    got = to_arrow(pd.DataFrame({"x": s}))["x"].combine_chunks()
    expected = _arrow_by_pyarrow(s)
    assert got.type == expected.type
    assert got.null_count == expected.null_count
    assert got.equals(expected)


def test_a_timestamp_column_becomes_the_day_it_falls_on():
    """Worked by hand: one second before 1970 is 31 Dec 1969 (day -1), noon of 2 Jan
    1970 is day 1, and NaT is null."""
    s = pd.Series(np.array([-1, 86_400 + 43_200, "NaT"], dtype="datetime64[s]"))
    got = to_arrow(pd.DataFrame({"x": s}))["x"].combine_chunks()
    assert got.type == pa.date32()
    assert got.cast(pa.int32()).to_pylist() == [-1, 1, None]


def test_a_float_column_keeps_nan_as_missing_and_its_values_untouched():
    values = np.array([0.5, np.nan, -2.0, np.inf])
    got = to_arrow(pd.DataFrame({"x": values}))["x"].combine_chunks()
    assert got.to_pylist() == [0.5, None, -2.0, float("inf")]
    assert np.isnan(values[1])  # the frame's own array is not changed


def test_parquet_output_dictionary_encodes_only_the_columns_with_few_values(tmp_path):
    """Ids, dates, statuses and flags get a dictionary; a column of mostly distinct
    numbers does not (building one only to drop it cost CPU). The data read back
    is the data written."""
    from analysis.io.output import dictionary_columns, write_frames

    n = 5_000
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "freelancer_id": pd.array([f"f{i // 50:04d}" for i in range(n)], dtype="str"),
        "week": np.datetime64("2024-01-07", "s") + 7 * 86_400 * (np.arange(n) % 50),
        "status": pd.Categorical(rng.choice(["none", "top_rated"], n)),
        "jss": pd.array(rng.integers(80, 101, n), dtype="Int64"),
        "earnings_12m_usd": rng.uniform(0, 50_000, n),
        "ok": rng.random(n) < 0.5,
    })  # fmt: skip
    assert dictionary_columns(to_arrow(frame)) == ["freelancer_id", "week", "status", "jss", "ok"]
    out = tmp_path / "x.parquet"
    write_frames([frame.iloc[:2000], frame.iloc[2000:]], out)
    meta = pq.ParquetFile(out).metadata
    encodings = {
        meta.schema.column(i).name: meta.row_group(0).column(i).encodings
        for i in range(meta.num_columns)
    }
    assert "RLE_DICTIONARY" in encodings["freelancer_id"]
    assert "RLE_DICTIONARY" not in encodings["earnings_12m_usd"]
    assert pq.read_table(out).equals(to_arrow(frame))


def test_one_history_keeps_the_threads_and_a_dataset_spreads_its_parts(data, tmp_path, monkeypatch):
    """On the kernels' path, a history read whole (a CSV) is computed with the
    threads left to its own kernels, chunk after chunk; the parts of a dataset are
    each computed on one thread (`kernels.one_thread`), two at a time. The status
    job once ran a whole CSV inside one such thread: its kernels on one core."""
    from analysis.engine import backend, jss, kernels, status

    monkeypatch.setenv("TOPRATED_THREADS", "2")
    monkeypatch.setattr(backend, "AUTO_NUMBA_CONTRACTS", 1)
    seen = []

    def spy(module, name):
        real = getattr(module, name)

        def started(*args, **kwargs):
            seen.append((name, getattr(kernels._LOCAL, "serial", False)))
            yield from real(*args, **kwargs)

        monkeypatch.setattr(module, name, started)

    spy(jss, "iter_jss_grid")
    spy(status, "iter_status_grid")
    for kind, name in (("jss", "iter_jss_grid"), ("status", "iter_status_grid")):
        seen.clear()
        _run(kind, data["csv"], tmp_path / f"{kind}-csv.parquet")
        assert seen == [(name, False)], kind
        seen.clear()
        _run(kind, data["dataset"], tmp_path / f"{kind}-parts.parquet")
        assert seen == [(name, True)] * 5, kind
        _same_content(tmp_path / f"{kind}-parts.parquet", tmp_path / f"{kind}-csv.parquet")
