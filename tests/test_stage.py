"""The computed stage: one key per input, computed once, read back the same, safe
when several kernels open it at once (`analysis.report.stage`).

The histories here have no activity (so no model is fitted and each test takes a
second); that the effects in the stage are the ones reports 03, 05 and 07 print is
checked on built notebooks in `tests/test_notebooks.py`.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from analysis.report import stage as st

CONTRACTS = (
    "freelancer_id,contract_id,client_id,start_date,end_date,earnings_usd,public_rating,"
    "private_score,disputed,client_flagged,category,contract_type,hours\n"
    "f1,c1,k1,2023-01-08,2023-03-20,800.00,5.0,10,false,false,design,fixed,\n"
    "f1,c2,k2,2023-02-04,2023-05-10,1200.00,4.8,9,false,false,design,hourly,40\n"
    "f1,c3,k3,2023-06-04,2023-09-10,1500.00,5.0,10,false,false,design,fixed,\n"
    "f2,c4,k1,2023-03-01,,300.00,,,false,false,writing,fixed,\n"
)


@pytest.fixture
def history(tmp_path) -> Path:
    folder = tmp_path / "history"
    folder.mkdir()
    (folder / "contracts.csv").write_text(CONTRACTS, encoding="utf-8")
    return folder


def test_cold_then_warm_give_the_same_tables_and_compute_once(history, processed, monkeypatch):
    cold = st.build_stage(history, "upwork-2025")
    assert (processed / cold.key / "stage.json").is_file()
    assert cold.folder == processed / cold.key

    def fail(*args, **kwargs):
        raise AssertionError("a warm stage must not be recomputed")

    monkeypatch.setattr(st, "_compute", fail)
    warm = st.build_stage(history, "upwork-2025")
    assert warm.key == cold.key
    for name in ("grid", "status", "events", "other_status", "effects", "event_time"):
        pd.testing.assert_frame_equal(getattr(warm, name), getattr(cold, name))
    assert warm.panel is None and cold.panel is None
    assert warm.status.attrs["rules"].name == "upwork-2025"
    assert warm.other_rules.name == "seed-article"


def test_stage_holds_the_engine_grids(history, processed):
    from analysis.engine.jss import jss_grid
    from analysis.engine.status import status_grid
    from analysis.io.load import read_history

    stage = st.build_stage(history, "upwork-2025")
    h = read_history(history)
    grid = jss_grid(h, stage.rules, as_of=h.as_of)
    pd.testing.assert_series_equal(
        stage.grid["jss"].reset_index(drop=True), grid["jss"].reset_index(drop=True)
    )
    status = status_grid(h, stage.rules, as_of=h.as_of)
    assert stage.status["status"].astype(str).tolist() == status["status"].astype(str).tolist()
    assert stage.status["week"].dtype == status["week"].dtype


def test_without_activity_every_effect_says_why_and_none_is_a_number(history, processed):
    stage = st.build_stage(history, "upwork-2025")
    eff = stage.effects
    assert len(eff) == 10  # REPORT_EFFECTS: 8 + hires_lift + net value (issue 12)
    assert eff["estimate"].isna().all()
    assert eff["note"].str.contains("no activity.csv").all()
    assert not stage.activity
    with pytest.raises(KeyError, match="no effect 'nope'"):
        stage.effect("nope")


def test_without_enough_losses_the_risk_tables_are_empty_with_their_columns(history, processed):
    from analysis.stories.losing import RISK_TABLE_COLUMNS, SPLIT_COLUMNS

    stage = st.build_stage(history, "upwork-2025")
    split = stage.risk()["risk_split"]
    assert list(split.columns) == list(SPLIT_COLUMNS)
    assert len(split) == 1 and not split["enough"].iloc[0]
    for name, columns in RISK_TABLE_COLUMNS.items():
        table = stage.risk()[name]
        assert table.empty and list(table.columns) == list(columns), name


def test_the_risk_part_is_computed_on_first_use_then_read(history, processed, monkeypatch):
    from analysis.stories import losing

    stage = st.build_stage(history, "upwork-2025")
    assert not (processed / f"{stage.key}-risk").exists()  # only report 06 needs it
    first = stage.risk()
    assert (processed / f"{stage.key}-risk" / "stage.json").is_file()
    assert sorted(first) == sorted(st.RISK_FRAMES)

    def fail(*args, **kwargs):
        raise AssertionError("a stored risk part must not be recomputed")

    monkeypatch.setattr(losing, "risk_tables", fail)
    again = st.build_stage(history, "upwork-2025").risk()
    for name in st.RISK_FRAMES:
        pd.testing.assert_frame_equal(again[name], first[name])


def test_the_stage_drops_are_one_bad_contract_on_the_grid(history, processed):
    from analysis.io.load import read_history
    from analysis.stories.mechanics import one_bad_contract

    stage = st.build_stage(history, "upwork-2025")
    direct = one_bad_contract(read_history(history), stage.rules, grid=stage.grid)
    pd.testing.assert_frame_equal(stage.drops, direct, check_dtype=False)


def test_the_key_follows_the_inputs_and_nothing_else(history, processed):
    base = st.stage_inputs(history, "upwork-2025")
    key = st.stage_key(base)
    os.utime(history / "contracts.csv", (1, 1))  # mtimes do not matter
    assert st.stage_key(st.stage_inputs(history, "upwork-2025")) == key
    assert st.stage_key(st.stage_inputs(history, "seed-article")) != key
    assert st.stage_key(st.stage_inputs(history, "upwork-2025", seed=1)) != key
    assert st.stage_key(st.stage_inputs(history, "upwork-2025", max_controls=50)) != key
    assert st.stage_key(st.stage_inputs(history, "upwork-2025", as_of="2023-06-01")) != key
    with (history / "contracts.csv").open("a", encoding="utf-8") as f:
        f.write("f2,c5,k4,2023-03-01,,10.00,,,false,false,writing,fixed,\n")
    assert st.stage_key(st.stage_inputs(history, "upwork-2025")) != key


def test_rules_by_path_are_keyed_by_content(history, processed, tmp_path):
    from importlib import resources

    text = resources.files("analysis.engine.rules").joinpath("upwork-2025.toml").read_text()
    copy = tmp_path / "copy.toml"
    copy.write_text(text, encoding="utf-8")
    assert st.rules_sha256(copy) == st.rules_sha256("upwork-2025")
    copy.write_text(text.replace("jss_min = 90", "jss_min = 85"), encoding="utf-8")
    assert st.rules_sha256(copy) != st.rules_sha256("upwork-2025")


def test_a_half_written_leftover_is_rebuilt(history, processed):
    key = st.stage_key(st.stage_inputs(history, "upwork-2025"))
    (processed / key).mkdir(parents=True)
    (processed / key / "grid.parquet").write_bytes(b"half")
    stage = st.build_stage(history, "upwork-2025")
    assert (stage.folder / "stage.json").is_file()
    assert len(stage.grid) > 0


def _open(history: str, processed: str) -> tuple[str, int]:
    os.environ[st.PROCESSED_ENV] = processed
    stage = st.build_stage(history, "upwork-2025")
    return stage.key, len(stage.grid)


def test_concurrent_first_opens_build_one_stage(history, processed):
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=3, mp_context=ctx) as pool:
        results = list(pool.map(_open, [str(history)] * 3, [str(processed)] * 3))
    assert len(set(results)) == 1
    folders = [p for p in processed.iterdir() if p.is_dir()]
    assert [p.name for p in folders] == [results[0][0]]  # no temporary folder left behind


def _prime(history: Path, processed: Path, risk: bool) -> subprocess.CompletedProcess:
    argv = st.prime_command(history, "upwork-2025", seed=0, as_of=None, risk=risk)
    env = os.environ | {st.PROCESSED_ENV: str(processed)}
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)


def test_the_primer_computes_the_stage_and_its_risk_part_that_notebooks_then_read(
    history, processed, monkeypatch
):
    done = _prime(history, processed, risk=True)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    key = st.stage_key(st.stage_inputs(history, "upwork-2025"))
    assert sorted(p.name for p in processed.iterdir() if p.is_dir()) == [key, f"{key}-risk"]

    def fail(*args, **kwargs):
        raise AssertionError("a primed stage must not be computed again")

    monkeypatch.setattr(st, "_compute", fail)
    monkeypatch.setattr(st, "_materialise", lambda folder, *a: None)  # risk part: read only
    stage = st.build_stage(history, "upwork-2025")
    assert stage.key == key and len(stage.grid) > 0
    assert set(stage.risk()) == set(st.RISK_FRAMES)


def test_a_failing_primer_is_silent_and_writes_nothing(tmp_path, processed):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "contracts.csv").write_text("freelancer_id,contract_id\nf1,c1\n", encoding="utf-8")
    done = _prime(bad, processed, risk=False)
    assert (done.returncode, done.stdout, done.stderr) == (1, "", "")
    assert not processed.exists() or not any(p.is_dir() for p in processed.iterdir())


def test_a_primer_ended_by_sigterm_leaves_no_temporary_folder(processed):
    from analysis import config

    argv = st.prime_command(config.SAMPLE, "upwork-2025", seed=0, as_of=None, risk=False)
    env = os.environ | {st.PROCESSED_ENV: str(processed)}
    primer = subprocess.Popen(argv, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and primer.poll() is None:
        if processed.is_dir() and any(p.is_dir() for p in processed.iterdir()):
            break  # the temporary folder exists: the stage is being computed
        time.sleep(0.05)
    assert primer.poll() is None, "the sample's stage is computed in well over a second"
    primer.send_signal(signal.SIGTERM)
    assert primer.wait(timeout=60) == 130
    assert [p for p in processed.iterdir() if p.is_dir()] == []


def test_shared_fits_run_once_each_some_in_the_worker_and_the_pinned_ones_here():
    ctx = multiprocessing.get_context("spawn")
    tasks = [(("t", i), os.getpid, (), i != 3) for i in range(6)]  # task 3 stays here
    with ProcessPoolExecutor(1, mp_context=ctx) as pool:
        done = st._run_shared(tasks, pool)
    assert sorted(done) == [("t", i) for i in range(6)]
    assert done[("t", 0)] != os.getpid()  # the first task goes to the worker
    assert done[("t", 3)] == os.getpid()


def test_shared_fits_fall_back_to_this_process_when_the_worker_dies():
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    class Dead:
        def submit(self, fn, *args):
            future = Future()
            future.set_exception(BrokenProcessPool("worker died"))
            return future

    tasks = [(("t", i), os.getpid, (), True) for i in range(4)]
    assert st._run_shared(tasks, Dead()) == {("t", i): os.getpid() for i in range(4)}
    assert st._run_shared(tasks, None) == {("t", i): os.getpid() for i in range(4)}
