"""Scale-out (`analysis.io.dataset`): Parquet datasets and the engine on Dask.

The Dask engine must give exactly the pandas engine's rows (same order, same
values), for the JSS grid and the status grid with its events, on a local
cluster of two worker processes and on a scheduler and workers started by hand
(`dask scheduler` / `dask worker` subprocesses on loopback).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from histories import histories
from hypothesis import HealthCheck, given, settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from synthetic import synthetic_history  # noqa: E402

from analysis.cli import main  # noqa: E402
from analysis.engine.dask import run_dask  # noqa: E402
from analysis.engine.jss import grid_columns, iter_jss_grid  # noqa: E402
from analysis.engine.ruleset import load_rules  # noqa: E402
from analysis.engine.status import (  # noqa: E402
    COLUMNS,
    EVENT_COLUMNS,
    iter_status_grid,
    status_events,
)
from analysis.io.dataset import convert, dataset_info, split_history  # noqa: E402
from analysis.io.errors import InputError  # noqa: E402
from analysis.io.load import (
    read_history,  # noqa: E402
    read_partition,  # noqa: E402
)
from analysis.io.output import write_frames  # noqa: E402

distributed = pytest.importorskip("distributed")

PARTS = 5
#: A date later than everything else, in the last freelancer's account events: the
#: global as-of date, which every part must use (not its own latest date).
LATE = "2026-02-15"


def _write_history(folder: Path, n: int = 300, seed: int = 7) -> None:
    """A random CSV history with all five tables (synthetic contracts + numpy extras)."""
    rng = np.random.default_rng(seed)
    c = synthetic_history(n, seed).contracts
    ids = pd.Index(c["freelancer_id"].unique()).sort_values()
    ended = c[c["end_date"].notna()].sample(frac=0.4, random_state=seed)
    span = (ended["end_date"] - ended["start_date"]).dt.days.to_numpy()
    payments = pd.DataFrame(
        {
            "freelancer_id": ended["freelancer_id"].to_numpy(),
            "contract_id": ended["contract_id"].to_numpy(),
            "paid_date": ended["start_date"].to_numpy()
            + (rng.random(len(ended)) * (span + 1)).astype("timedelta64[D]"),
            "amount_usd": np.round(ended["earnings_usd"].to_numpy() * rng.random(len(ended)), 2),
        }
    )
    monday = np.datetime64("2021-01-04", "D")
    owners = rng.choice(ids.to_numpy(), 2000)
    activity = pd.DataFrame(
        {
            "freelancer_id": owners,
            "week_start": monday + 7 * rng.integers(0, 250, len(owners)).astype("timedelta64[D]"),
            "proposals": rng.integers(0, 4, len(owners)),
            "invitations": rng.integers(0, 3, len(owners)),
        }
    ).drop_duplicates(["freelancer_id", "week_start"])
    freelancers = pd.DataFrame(
        {
            "freelancer_id": ids.to_numpy(),
            "profile_complete": rng.random(len(ids)) < 0.85,
            "country": rng.choice(["de", "in", "us"], len(ids)),
        }
    )
    held = rng.choice(ids.to_numpy(), 60, replace=False)
    day = np.datetime64("2021-06-01", "D") + rng.integers(0, 1400, len(held)).astype(
        "timedelta64[D]"
    )
    events = pd.DataFrame(
        {
            "freelancer_id": np.concatenate([held, held[:40], held[40:], [ids[-1]]]),
            "event_date": np.concatenate(
                [day, day[:40] + np.timedelta64(30, "D"), day[40:], [np.datetime64(LATE)]]
            ),
            "event": ["hold_start"] * 60
            + ["hold_end"] * 40
            + ["tos_violation"] * 20
            + ["hold_end"],
        }
    )
    folder.mkdir(parents=True)
    tables = {
        "contracts": c,
        "payments": payments,
        "activity": activity,
        "freelancers": freelancers,
        "account_events": events,
    }
    for name, frame in tables.items():
        write_frames([frame], folder / f"{name}.csv")


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> dict[str, Path]:
    """The CSV history, its Parquet dataset and the pandas engine's outputs."""
    root = tmp_path_factory.mktemp("scale")
    csv = root / "history"
    _write_history(csv)
    dataset = root / "dataset"
    assert (
        main(["convert", str(csv), "--to", "parquet", "--out", str(dataset), "--parts", "5"]) == 0
    )
    ref = {
        "jss": root / "pandas-jss.parquet",
        "status": root / "pandas-status.parquet",
        "events": root / "pandas-events.parquet",
        "status_csv": root / "pandas-status.csv",
        "events_csv": root / "pandas-events.csv",
    }
    assert main(["jss", str(csv), "--out", str(ref["jss"])]) == 0
    assert (
        main(["status", str(csv), "--out", str(ref["status"]), "--events", str(ref["events"])]) == 0
    )
    assert (
        main(
            [
                "status",
                str(csv),
                "--out",
                str(ref["status_csv"]),
                "--events",
                str(ref["events_csv"]),
            ]
        )
        == 0
    )
    return {"root": root, "csv": csv, "dataset": dataset, **ref}


@pytest.fixture(scope="module")
def client():
    """A local cluster of two single-threaded worker processes."""
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2,
            processes=True,
            threads_per_worker=1,
            dashboard_address=None,
            memory_limit="2GiB",
        ) as cluster,
        Client(cluster) as c,
    ):
        yield c


def _same(left: Path, right: Path) -> None:
    pd.testing.assert_frame_equal(pd.read_parquet(left), pd.read_parquet(right))


# --------------------------------------------------------------------------- convert


def test_convert_round_trip(data):
    """read_history(dataset) equals the CSV history, rows sorted by freelancer."""
    original = read_history(data["csv"])
    converted = read_history(data["dataset"])
    assert set(converted.tables()) == set(original.tables())
    for name, frame in original.tables().items():
        want = frame.sort_values("freelancer_id", kind="stable").reset_index(drop=True)
        got = converted.tables()[name]
        for col in want.columns:
            if isinstance(want[col].dtype, pd.CategoricalDtype):
                assert isinstance(got[col].dtype, pd.CategoricalDtype), (name, col)
                want[col], got[col] = want[col].astype("str"), got[col].astype("str")
        pd.testing.assert_frame_equal(got, want, obj=name)
    assert original.as_of == pd.Timestamp(LATE)
    info = dataset_info(data["dataset"])
    assert info.as_of == original.as_of
    assert info.first_start == original.contracts["start_date"].min()
    assert len(info.parts) == PARTS


def test_convert_layout_is_by_sorted_freelancer_ranges(data):
    """Part k holds the same freelancers in every table; ids ascend across parts."""
    info = dataset_info(data["dataset"])
    last = None
    for part in info.parts:
        h = read_partition(data["dataset"], part)
        own = set(h.contracts["freelancer_id"])
        for name, frame in h.tables().items():
            ids = frame["freelancer_id"]
            assert ids.is_monotonic_increasing, (name, part)
            assert set(ids) <= own, (name, part)  # every freelancer here has contracts
            if len(ids) and last is not None:
                assert ids.iloc[0] > last
        last = max(frame["freelancer_id"].max() for frame in h.tables().values() if len(frame))
    # no freelancer is in two parts, in any table
    seen: dict[str, str] = {}
    for part in info.parts:
        for frame in read_partition(data["dataset"], part).tables().values():
            for fid in frame["freelancer_id"].unique():
                assert seen.setdefault(fid, part) == part


def test_convert_is_deterministic(data, tmp_path):
    again = tmp_path / "again"
    convert(data["csv"], again, parts=PARTS)
    files = sorted(p.relative_to(data["dataset"]) for p in data["dataset"].rglob("*.parquet"))
    assert files == sorted(p.relative_to(again) for p in again.rglob("*.parquet"))
    for rel in files:
        assert (data["dataset"] / rel).read_bytes() == (again / rel).read_bytes(), rel


def test_convert_refuses_a_folder_in_use(data, capsys):
    assert main(["convert", str(data["csv"]), "--out", str(data["dataset"])]) == 2
    assert "already exists" in capsys.readouterr().err


def test_bad_part_names_part_file_and_row(data, tmp_path):
    """A part that breaks the contract is refused, naming the part file and row."""
    bad = tmp_path / "bad"
    convert(data["csv"], bad, parts=3)
    part = bad / "contracts" / "part-00001.parquet"
    table = pq.read_table(part)
    earnings = table["earnings_usd"].to_numpy().copy()
    earnings[4] = -5.0
    table = table.set_column(
        table.schema.get_field_index("earnings_usd"), "earnings_usd", pa.array(earnings)
    )
    pq.write_table(table, part)
    with pytest.raises(InputError) as err:
        read_history(bad)
    text = err.value.render()
    assert "contracts/part-00001.parquet row 5, column earnings_usd: '-5' is not" in text, text


def test_split_history_keeps_every_table(data):
    history = read_history(data["csv"])
    pieces = split_history(history, 4)
    assert len(pieces) == 4
    for name, frame in history.tables().items():
        assert sum(len(p.tables()[name]) for p in pieces) == len(frame)


def test_overlapping_parts_are_refused(data, tmp_path):
    odd = tmp_path / "odd"
    convert(data["csv"], odd, parts=2)
    a, b = (odd / "freelancers" / f"part-0000{k}.parquet" for k in (0, 1))
    first, second = pq.read_table(a), pq.read_table(b)
    pq.write_table(pa.concat_tables([first, second.slice(0, 1)]), a)
    pq.write_table(second.slice(1), b)
    with pytest.raises(InputError, match="not partitioned by sorted freelancer ranges"):
        dataset_info(odd)


# --------------------------------------------------------------------------- the Dask engine


def test_dask_jss_equals_pandas(data, client, tmp_path):
    rules = load_rules("upwork-2025")
    out = tmp_path / "jss.parquet"
    stats = run_dask("jss", data["dataset"], rules, out=str(out), client=client)
    assert stats.parts == PARTS
    _same(out, data["jss"])
    # partitioned output: one part per input part, in freelancer order
    folder = tmp_path / "jss-parts"
    run_dask("jss", data["dataset"], rules, out=f"{folder}/", client=client)
    parts = sorted(folder.glob("part-*.parquet"))
    assert [p.name for p in parts] == dataset_info(data["dataset"]).parts
    joined = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
    pd.testing.assert_frame_equal(joined, pd.read_parquet(data["jss"]))


def test_dask_status_and_events_equal_pandas(data, client, tmp_path):
    rules = load_rules("upwork-2025")
    out, events = tmp_path / "status.parquet", tmp_path / "events.parquet"
    stats = run_dask(
        "status", data["dataset"], rules, out=str(out), events=str(events), client=client
    )
    assert stats.event_rows > 0
    _same(out, data["status"])
    _same(events, data["events"])
    # partitioned, both outputs: one part per input part each
    folders = tmp_path / "status", tmp_path / "events"
    run_dask(
        "status",
        data["dataset"],
        rules,
        out=str(folders[0]),
        events=str(folders[1]),
        partitioned=True,
        client=client,
    )
    for folder, ref in zip(folders, (data["status"], data["events"]), strict=True):
        parts = sorted(folder.glob("part-*.parquet"))
        assert len(parts) == PARTS
        joined = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
        pd.testing.assert_frame_equal(joined, pd.read_parquet(ref))


def test_dask_on_a_csv_history_writes_the_same_bytes(data, client, tmp_path):
    """A CSV history (scattered from the client) gives byte-identical CSV output."""
    rules = load_rules("upwork-2025")
    out, events = tmp_path / "status.csv", tmp_path / "events.csv"
    stats = run_dask(
        "status", data["csv"], rules, out=str(out), events=str(events), client=client, parts=7
    )
    assert stats.parts == 7
    assert out.read_bytes() == data["status_csv"].read_bytes()
    assert events.read_bytes() == data["events_csv"].read_bytes()


def _pandas_engine(history, rules, folder: Path) -> None:
    """What `toprated jss` and `toprated status --events` write, for an in-memory history."""
    write_frames(
        iter_jss_grid(history, rules), folder / "ref-jss.parquet", columns=grid_columns(rules)
    )
    events = []

    def blocks():
        for block in iter_status_grid(history, rules):
            events.append(status_events(block, rules))
            yield block

    write_frames(blocks(), folder / "ref-status.parquet", columns=COLUMNS)
    write_frames(events, folder / "ref-events.parquet", columns=EVENT_COLUMNS)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=histories(max_freelancers=6, optional_tables=True))
def test_dask_equals_pandas_on_boundary_histories(client, history):
    """Boundary-heavy histories with every table, cut into three parts."""
    rules = load_rules("upwork-2025")
    with tempfile.TemporaryDirectory() as tmp:
        out = {k: Path(tmp) / f"{k}.parquet" for k in ("jss", "status", "events")}
        run_dask("jss", history, rules, out=str(out["jss"]), client=client, parts=3)
        run_dask(
            "status",
            history,
            rules,
            out=str(out["status"]),
            events=str(out["events"]),
            client=client,
            parts=3,
        )
        _pandas_engine(history, rules, Path(tmp))
        for kind in out:
            _same(out[kind], Path(tmp) / f"ref-{kind}.parquet")


def test_dask_with_dates_and_seed_rules(data, client, tmp_path):
    """--from/--to/--as-of and another rule set go through to every part."""
    rules = load_rules("seed-article")
    kw = dict(start=pd.Timestamp("2022-03-01"), end=pd.Timestamp("2024-06-30"))
    ref = tmp_path / "ref.parquet"
    code = main(
        ["status", str(data["csv"]), "--rules", "seed-article", "--from", "2022-03-01",
         "--to", "2024-06-30", "--out", str(ref)]
    )  # fmt: skip
    assert code == 0
    out = tmp_path / "status.parquet"
    run_dask("status", data["dataset"], rules, out=str(out), client=client, **kw)
    _same(out, ref)


def test_dask_bad_part_is_reported_like_the_loader(data, client, tmp_path):
    bad = tmp_path / "bad"
    convert(data["csv"], bad, parts=3)
    part = bad / "activity" / "part-00002.parquet"
    table = pq.read_table(part)
    weeks = table["week_start"].to_pylist()
    weeks[0] = weeks[0] + pd.Timedelta(days=1).to_pytimedelta()  # a Tuesday
    pq.write_table(table.set_column(1, "week_start", pa.array(weeks, pa.date32())), part)
    with pytest.raises(InputError, match=r"activity/part-00002.parquet row 1, column week_start"):
        run_dask(
            "status", bad, load_rules("upwork-2025"), out=str(tmp_path / "x.csv"), client=client
        )


def test_engine_options_need_dask(data, capsys):
    assert main(["jss", str(data["csv"]), "--partitioned", "--out", "x/"]) == 2
    assert "--partitioned: needs --engine dask" in capsys.readouterr().err
    assert main(["jss", str(data["csv"]), "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert main(["jss", str(data["csv"]), "--engine", "dask", "--partitioned"]) == 2


def test_pandas_engine_reads_a_dataset(data, tmp_path):
    out = tmp_path / "jss.parquet"
    assert main(["jss", str(data["dataset"]), "--out", str(out)]) == 0
    _same(out, data["jss"])


# --------------------------------------------------------------------------- a cluster by hand


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(procs: list[subprocess.Popen]) -> None:
    for p in reversed(procs):
        if p.poll() is None:
            p.terminate()
    for p in reversed(procs):
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=10)


def test_cli_on_a_scheduler_and_two_workers(data, tmp_path):
    """`dask scheduler` + two `dask worker` processes on loopback, driven by the CLI."""
    from distributed import Client

    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = [sys.executable, "-m", "dask"]
    log = open(tmp_path / "cluster.log", "wb")  # noqa: SIM115
    procs: list[subprocess.Popen] = []
    scheduler = [*dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"]
    worker = [*dask, "worker", address, "--nthreads", "1", "--host", "127.0.0.1",
              "--no-dashboard", "--no-nanny", "--memory-limit", "2GiB"]  # fmt: skip
    try:
        procs.append(
            subprocess.Popen(scheduler, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
        )
        for k in range(2):
            cmd = [*worker, "--name", f"w{k}", "--local-directory", str(tmp_path / f"w{k}")]
            procs.append(subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path))
        deadline = time.monotonic() + 60
        with Client(address, timeout=60) as c:
            c.wait_for_workers(2, timeout=max(1.0, deadline - time.monotonic()))
        out = tmp_path / "jss.parquet"
        code = main(
            ["jss", str(data["dataset"]), "--engine", "dask", "--scheduler", address,
             "--out", str(out)]
        )  # fmt: skip
        assert code == 0
        _same(out, data["jss"])
        assert all(p.poll() is None for p in procs), (tmp_path / "cluster.log").read_text()
    finally:
        _stop(procs)
        log.close()
    assert all(p.returncode is not None for p in procs)
