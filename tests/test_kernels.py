"""The compiled kernels (`analysis.engine.kernels`) equal the numpy engine.

The numpy engine is the reference: `tests/test_jss.py` and `tests/test_status.py`
check it against per-date transcriptions of the spec (small histories take the
numpy path by default, `analysis.engine.backend`). Here every column of the
kernel path (``backend="numba"``) must equal the numpy path
exactly, on random boundary-heavy histories, with the bundled rule sets and with
a rule set where every number differs; plus a few literal cases where the answer
is worked by hand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from histories import histories, make_history
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_jss import _other_rules

from analysis.engine.jss import iter_jss_grid, jss_dates, jss_grid
from analysis.engine.money import Flows, cumulative_earnings
from analysis.engine.ruleset import load_rules
from analysis.engine.status import status_grid
from analysis.io.history import History

RULES = load_rules("upwork-2025")
SEED = load_rules("seed-article")
K = "numba"  # the kernels, asked for by name (small histories default to numpy)
PROPS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_same(kernel: pd.DataFrame, reference: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(kernel, reference, check_exact=True)
    # NaN where NaN, and every other float bit for bit (not only within a tolerance)
    for col in kernel.columns:
        if kernel[col].dtype == np.float64:
            a, b = kernel[col].to_numpy(), reference[col].to_numpy()
            assert np.array_equal(a, b, equal_nan=True), col


@PROPS
@given(histories(max_freelancers=4, max_contracts=10), st.integers(1, 3))
def test_jss_kernel_equals_numpy(history: History, chunk: int) -> None:
    reference = jss_grid(history, RULES, backend="numpy")
    assert_same(jss_grid(history, RULES, backend=K), reference)
    assert_same(jss_grid(history, RULES, chunk_size=chunk, backend=K), reference)


@settings(max_examples=40, deadline=None)
@given(histories(max_freelancers=3, max_contracts=10))
def test_jss_kernel_equals_numpy_with_other_rules(history: History) -> None:
    rules = _other_rules()
    assert_same(jss_grid(history, rules, backend=K), jss_grid(history, rules, backend="numpy"))


@PROPS
@given(histories(max_freelancers=3, max_contracts=8), st.sampled_from([-200, 0, 100]))
def test_jss_kernel_equals_numpy_on_a_later_window_of_dates(history: History, shift: int) -> None:
    """A grid that starts after (or before) the first contract: cells clipped at 0."""
    start = history.contracts["start_date"].min() + pd.Timedelta(days=shift)
    end = history.as_of - pd.Timedelta(days=30)
    for rules in (RULES, _other_rules()):
        assert_same(
            jss_grid(history, rules, start=start, end=end, backend=K),
            jss_grid(history, rules, start=start, end=end, backend="numpy"),
        )


@PROPS
@given(histories(optional_tables=True), st.booleans(), st.integers(1, 3))
def test_status_kernels_equal_numpy(history: History, seed: bool, chunk: int) -> None:
    rules = SEED if seed else RULES
    reference = status_grid(history, rules, backend="numpy")
    assert_same(status_grid(history, rules, backend=K), reference)
    assert_same(status_grid(history, rules, chunk_size=chunk, backend=K), reference)


@PROPS
@given(histories(max_freelancers=2, max_contracts=14, optional_tables=True))
def test_status_kernels_equal_numpy_with_payments_dropped(history: History) -> None:
    """Without payments, earnings are the contracts' spread: the other float path."""
    spread = History(
        contracts=history.contracts,
        activity=history.activity,
        freelancers=history.freelancers,
        account_events=history.account_events,
    )
    assert_same(status_grid(spread, RULES, backend=K), status_grid(spread, RULES, backend="numpy"))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 2),  # freelancer
            st.integers(0, 60),  # first day
            st.integers(0, 60),  # length in days
            st.sampled_from([0.0, 0.01, 1.0, 100.0, 333.33, 1e6, -50.0, 0.1]),
        ),
        max_size=12,
    ),
    st.lists(st.integers(1, 80), min_size=1, max_size=8, unique=True),
    st.integers(-5, 10),
)
def test_cumulative_earnings_kernel_equals_numpy(flows, days, base) -> None:
    days = np.sort(np.asarray(days, dtype=np.int64))
    base = min(base, int(days[0]) - 1)
    code = np.asarray([f[0] for f in flows], dtype=np.int64)
    first = np.asarray([f[1] for f in flows], dtype=np.int64)
    last = first + np.asarray([f[2] for f in flows], dtype=np.int64)
    amount = np.asarray([f[3] for f in flows], dtype=np.float64)
    fl = Flows(code, np.arange(len(code)), first, last, amount)
    kernel = cumulative_earnings(fl, 3, days, base, backend=K)
    reference = cumulative_earnings(fl, 3, days, base, backend="numpy")
    assert np.array_equal(kernel, reference)
    # earnings between grid days, as the status grid asks for them
    between = (np.arange(len(days))[::-1], np.arange(len(days)))
    kernel = cumulative_earnings(fl, 3, days, base, backend=K, between=between)
    reference = cumulative_earnings(fl, 3, days, base, backend="numpy", between=between)
    assert np.array_equal(kernel, reference)
    full = cumulative_earnings(fl, 3, days, base)
    assert np.array_equal(kernel, full[:, between[1]] - full[:, between[0]])


def test_cumulative_earnings_by_hand() -> None:
    """$70 over days 1..7 ($10 a day) and $5 paid on day 9; E on (0, d] for d = 3, 7, 10."""
    fl = Flows(
        np.array([0, 0]),
        np.array([0, 1]),
        np.array([1, 9]),
        np.array([7, 9]),
        np.array([70.0, 5.0]),
    )
    for backend in ("numba", "numpy"):
        out = cumulative_earnings(fl, 1, np.array([3, 7, 10]), 0, backend=backend)
        assert out.tolist() == [[30.0, 70.0, 75.0]]


def test_jss_kernel_by_hand() -> None:
    """Two $100 contracts (weight 1 each) from two clients, ended 10 and 20 days
    before 2022-01-02: one positive (5.0), one negative (3.0) -> every window
    holds both, P - N = 0, score 0, JSS 0; a third, positive, ended the same day
    makes it 100 * (2 - 1) / 3 = 33.33.., JSS 33."""
    money = {"earnings_usd": 100.0}
    rows = [
        {"start_date": "2021-12-13", "end_date": "2021-12-23", "public_rating": 5.0, **money},
        {"start_date": "2021-12-03", "end_date": "2021-12-13", "public_rating": 3.0, **money},
    ]
    day = {"start": "2022-01-02", "end": "2022-01-02"}
    for backend in ("numba", "numpy", "auto"):
        grid = jss_grid(make_history(rows[:2]), RULES, backend=backend, **day)
        assert grid["jss"].tolist() == [0]
        assert grid["clients_24m"].tolist() == [2]
    rows.append(
        {"start_date": "2021-12-23", "end_date": "2022-01-02", "public_rating": 5.0, **money}
    )
    for backend in ("numba", "numpy", "auto"):
        grid = jss_grid(make_history(rows), RULES, backend=backend, **day)
        assert grid["score_3m"].tolist() == [pytest.approx(100 / 3)]
        assert grid["jss"].tolist() == [33]
        assert grid["counted_24m"].tolist() == [3]


def test_iter_jss_grid_kernel_chunks_concatenate() -> None:
    rows = [
        {"freelancer_id": f"f{i}", "start_date": "2021-01-03", "end_date": "2021-06-01",
         "public_rating": 5.0, "client_id": f"k{i % 2}"}
        for i in range(5)
    ]  # fmt: skip
    history = make_history(rows)
    parts = list(iter_jss_grid(history, RULES, chunk_size=2, backend=K))
    assert len(parts) == 3
    assert_same(pd.concat(parts, ignore_index=True), jss_grid(history, RULES, backend="numpy"))


def test_unknown_backend_is_refused() -> None:
    history = make_history([{"end_date": "2021-06-01"}])
    with pytest.raises(ValueError, match="backend"):
        jss_grid(history, RULES, backend="fortran")
    with pytest.raises(ValueError, match="backend"):
        status_grid(history, RULES, backend="fortran")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(-1, 2), st.integers(-30, 120), st.integers(-5, 60)),
        max_size=12,
    ),
    st.integers(-10, 10),
    st.integers(1, 9),
    st.integers(1, 12),
)
def test_spell_any_even_equals_spell_any(spells, first, step, n_w) -> None:
    """On evenly spaced Sundays, the division-based kernel marks the cells the
    binary-search one does (spells of unknown freelancers, -1, ignored)."""
    from analysis.engine.kernels import spell_any, spell_any_even

    code = np.asarray([s[0] for s in spells], dtype=np.int64)
    lo = np.asarray([s[1] for s in spells], dtype=np.int64)
    hi = lo + np.asarray([s[2] for s in spells], dtype=np.int64)
    weeks = first + step * np.arange(n_w, dtype=np.int64)
    expected = spell_any(code, lo, hi, 3, weeks)
    assert np.array_equal(spell_any_even(code, lo, hi, 3, first, step, n_w), expected)


def test_spell_any_even_by_hand() -> None:
    """Sundays 0, 7, 14, 21: a spell over days 1..14 covers 7 and 14 only; one over
    days -3..0 covers day 0; one ending before the grid covers nothing."""
    from analysis.engine.kernels import spell_any_even

    out = spell_any_even(
        np.array([0, 1, 1]), np.array([1, -3, -9]), np.array([14, 0, -1]), 2, 0, 7, 4
    )
    assert out.tolist() == [[False, True, True, False], [True, False, False, False]]


@PROPS
@given(histories(max_freelancers=4, max_contracts=10), st.sampled_from([-200, 0, 100]))
def test_jss_matrix_is_the_grid_laid_out(history: History, shift: int) -> None:
    """`jss_matrix` (the status engine's path) holds the grid's ``jss``, NaN
    where the grid has no row or no JSS."""
    from analysis.engine.jss import jss_matrix

    c = history.contracts.sort_values("freelancer_id", kind="stable").reset_index(drop=True)
    ids, code = np.unique(c["freelancer_id"].astype(str).to_numpy(), return_inverse=True)
    bounds = np.searchsorted(code, np.arange(len(ids) + 1))
    first = int(c["start_date"].min().to_datetime64().astype("datetime64[D]").astype(np.int64))
    last = int(np.datetime64(history.as_of.date(), "D").astype(np.int64))
    days, dense = jss_matrix(c, bounds, RULES, first + shift, last, backend=K)
    grid = jss_grid(history, RULES, start=np.datetime64(first + shift, "D"), end=history.as_of)
    expected = np.full(dense.shape, np.nan)
    row = np.searchsorted(ids, grid["freelancer_id"].astype(str).to_numpy())
    col = np.searchsorted(
        days, grid["eval_date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    )
    expected[row, col] = grid["jss"].astype("Float64").to_numpy(np.float64, na_value=np.nan)
    assert np.array_equal(dense, expected, equal_nan=True)
    dates = jss_dates(np.datetime64(first + shift, "D"), np.datetime64(last, "D"), RULES)
    assert days.tolist() == dates.to_numpy().astype("datetime64[D]").astype(np.int64).tolist()


def _uneven_history(n: int = 12, seed: int = 15) -> History:
    """`n` freelancers with 1 to 8 contracts each (some open), a few clients each."""
    rng = np.random.default_rng(seed)
    rows = []
    for f in range(n):
        for i in range(int(rng.integers(1, 9))):
            start = np.datetime64("2020-03-01") + int(rng.integers(0, 900))
            rows.append({
                "freelancer_id": f"f{f:02d}",
                "client_id": f"k{int(rng.integers(0, 3))}",
                "start_date": str(start),
                "end_date": None if i % 4 == 3 else str(start + int(rng.integers(0, 200))),
                "public_rating": float(rng.choice([3.0, 4.5, 5.0])),
                "earnings_usd": float(rng.choice([0.0, 300.0, 2000.0, 12000.0])),
            })  # fmt: skip
    return make_history(rows)


def test_grids_do_not_depend_on_the_number_of_threads(monkeypatch) -> None:
    """Chunks cut into 1, 2 or 5 parts on as many threads give the same frames,
    equal to the numpy reference (12 freelancers, uneven contract counts)."""
    history = _uneven_history()
    jss_ref = jss_grid(history, RULES, backend="numpy")
    status_ref = status_grid(history, RULES, backend="numpy")
    for n in ("1", "2", "5"):
        monkeypatch.setenv("TOPRATED_THREADS", n)
        assert_same(jss_grid(history, RULES, backend=K), jss_ref)
        assert_same(jss_grid(history, RULES, chunk_size=5, backend=K), jss_ref)
        assert_same(status_grid(history, RULES, backend=K), status_ref)
        assert_same(status_grid(history, RULES, chunk_size=7, backend=K), status_ref)
        # more blocks than threads: the blocks themselves run on the threads
        assert_same(status_grid(history, RULES, chunk_size=2, backend=K), status_ref)


def test_the_status_kernels_compute_every_block_s_jss_with_the_kernels(monkeypatch) -> None:
    """A block's JSS follows the history's backend, not the block's size (a block
    of a large history is small enough for `auto` to pick numpy on its own)."""
    from analysis.engine import jss

    history = _uneven_history(30, seed=3)
    reference = status_grid(history, RULES, backend="numpy")

    def refuse(*args):
        raise AssertionError("the numpy JSS path ran inside the kernel path")

    monkeypatch.setitem(jss.CHUNK_COLUMNS, "numpy", refuse)
    assert_same(status_grid(history, RULES, chunk_size=3, backend=K), reference)


def test_run_blocks_runs_every_call_with_serial_parts_and_raises_a_failure(monkeypatch) -> None:
    from analysis.engine import kernels

    monkeypatch.setenv("TOPRATED_THREADS", "2")
    seen: list[tuple[int, list]] = []

    def call(i: int):
        def run() -> None:
            parts: list = []
            kernels.in_parts(np.arange(0, 101, 10), lambda a, b: parts.append((a, b)))
            seen.append((i, parts))

        return run

    kernels.run_blocks([call(i) for i in range(5)])
    # every call ran once, and inside a block `in_parts` made one call on its thread
    assert sorted(i for i, _ in seen) == list(range(5))
    assert all(parts == [(0, 10)] for _, parts in seen)
    # outside a block it cuts the work again
    parts: list = []
    kernels.in_parts(np.arange(0, 101, 10), lambda a, b: parts.append((a, b)))
    assert len(parts) == 2

    def fail() -> None:
        raise ValueError("block 3")

    with pytest.raises(ValueError, match="block 3"):
        kernels.run_blocks([call(0), fail, call(1)])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="aAbé€😀", max_size=3), max_size=12))
def test_sorted_starts_is_python_sorted_order(ids) -> None:
    """Ids in Python's sorted order (code points) are in byte order as UTF-8: the
    kernel accepts them and finds each run's first row; any other order is refused."""
    import pyarrow as pa

    from analysis.engine.jss import _string_buffers
    from analysis.engine.kernels import repeat_strings, sorted_starts

    buffers = _string_buffers(pa.array(ids, pa.large_string()))
    ok, starts = sorted_starts(*buffers)
    assert ok == (ids == sorted(ids))
    if ok:
        firsts = [i for i in range(len(ids)) if i == 0 or ids[i] != ids[i - 1]]
        assert starts.tolist() == firsts
    counts = np.arange(len(ids), dtype=np.int64) % 3
    offsets, data = repeat_strings(*buffers, counts)
    repeated = pa.LargeStringArray.from_buffers(
        len(offsets) - 1, pa.py_buffer(offsets), pa.py_buffer(data)
    )
    assert repeated.to_pylist() == [s for s, k in zip(ids, counts, strict=True) for _ in range(k)]


def test_auto_takes_numpy_for_small_inputs_and_the_kernels_for_large() -> None:
    from analysis.engine.backend import AUTO_NUMBA_CONTRACTS, resolve_backend

    assert resolve_backend("auto", 0) == "numpy"
    assert resolve_backend("auto", AUTO_NUMBA_CONTRACTS - 1) == "numpy"
    assert resolve_backend("auto", AUTO_NUMBA_CONTRACTS) == "numba"
    assert resolve_backend("numba", 1) == "numba"
    assert resolve_backend("numpy", 10**9) == "numpy"
    with pytest.raises(ValueError, match="fortran"):
        resolve_backend("fortran", 1)


def test_auto_on_a_large_history_runs_the_kernels(monkeypatch) -> None:
    """Above the threshold ``"auto"`` is the kernels: with the threshold lowered to
    one contract, a spy on the kernel sees the call, and the grid is the numpy one."""
    import analysis.engine.backend as backend
    import analysis.engine.jss as jss

    history = make_history([{"end_date": "2021-06-01"}, {"end_date": "2021-07-01"}])
    calls = []
    kernel = jss.CHUNK_COLUMNS["numba"]
    monkeypatch.setitem(jss.CHUNK_COLUMNS, "numba", lambda *a: calls.append(1) or kernel(*a))
    monkeypatch.setattr(backend, "AUTO_NUMBA_CONTRACTS", 1)
    grid = jss_grid(history, RULES)
    assert calls
    assert_same(grid, jss_grid(history, RULES, backend="numpy"))
    monkeypatch.setattr(backend, "AUTO_NUMBA_CONTRACTS", 3)
    calls.clear()
    jss_grid(history, RULES)
    assert not calls


def test_the_bundled_sample_never_imports_numba() -> None:
    """A report build's engine work on the bundled sample (the stage's grids under
    both rule sets, the headroom grid, report 01's scenarios) takes the numpy
    path, so a fresh clone compiles no kernel and no report process imports numba."""
    import subprocess
    import sys

    code = """
import sys
from analysis import config
from analysis.engine.jss import jss_grid
from analysis.engine.ruleset import load_rules
from analysis.engine.status import status_grid
from analysis.io.load import read_history
from analysis.stories.mechanics import one_bad_contract
from analysis.stories.pressure import headroom_grid
history = read_history(config.SAMPLE)
grid = headroom_grid(history, load_rules("upwork-2025"), as_of=history.as_of)
one_bad_contract(history, load_rules("upwork-2025"), grid=grid)
for name in ("upwork-2025", "seed-article"):
    rules = load_rules(name)
    jss = jss_grid(history, rules, as_of=history.as_of)
    status_grid(history, rules, as_of=history.as_of, jss=jss[["freelancer_id", "eval_date", "jss"]])
print(len(history.contracts), "numba" in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    contracts, imported = out.stdout.split()
    assert int(contracts) > 0 and imported == "False"


def test_ordered_map_keeps_the_order_holds_few_results_and_raises_in_order(monkeypatch) -> None:
    import threading
    import time

    from analysis.engine import kernels

    monkeypatch.setenv("TOPRATED_THREADS", "2")
    drawn: list[int] = []

    def items():
        for i in range(8):
            drawn.append(i)
            yield i

    def slow_square(i: int) -> tuple[int, bool]:
        time.sleep(0.02 * (i % 3))  # finish out of order
        parts: list = []
        kernels.in_parts(np.arange(0, 101, 10), lambda a, b: parts.append((a, b)))
        return i * i, len(parts) == 1 and threading.current_thread().name.startswith(
            "toprated-block"
        )

    got = []
    for value in kernels.ordered_map(slow_square, items()):
        got.append(value)
        assert len(drawn) <= len(got) + 2  # never more than the threads ahead
    assert [v for v, _ in got] == [i * i for i in range(8)]
    assert all(serial for _, serial in got)  # each call's in_parts on its own thread

    def fail_at_3(i: int) -> int:
        if i == 3:
            raise ValueError("part 3")
        return i

    seen = []
    with pytest.raises(ValueError, match="part 3"):
        for value in kernels.ordered_map(fail_at_3, range(6)):
            seen.append(value)
    assert seen == [0, 1, 2]


def test_ordered_map_runs_a_lone_item_on_the_callers_threads(monkeypatch) -> None:
    """One item (a status grid of one block, one history) runs on the caller's
    thread with its `in_parts` cut in two, not on one block thread alone; no item
    gives nothing. The status grid of one block had run on one core."""
    import threading

    from analysis.engine import kernels

    monkeypatch.setenv("TOPRATED_THREADS", "2")

    def where(_: int) -> tuple[str, int]:
        parts: list = []
        kernels.in_parts(np.arange(0, 101, 10), lambda a, b: parts.append((a, b)))
        return threading.current_thread().name, len(parts)

    assert list(kernels.ordered_map(where, [7])) == [(threading.current_thread().name, 2)]
    assert list(kernels.ordered_map(where, iter([]))) == []


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(["a", "b", "ab", "ba", "é", "k10", "k01", "", "a" * 40]),
                 max_size=40),
        min_size=1, max_size=6,
    )
)  # fmt: skip
def test_client_codes_number_each_freelancers_clients_in_order_of_appearance(groups) -> None:
    """Each freelancer's clients get 0, 1, 2, ... in the order they first appear,
    whatever collides in the hash table (ids that differ by one byte or by order,
    the empty id, long ids, freelancers with up to 40 contracts)."""
    import pyarrow as pa

    from analysis.engine.jss import _string_buffers
    from analysis.engine.kernels import client_codes

    flat = [c for g in groups for c in g]
    bounds = np.concatenate([[0], np.cumsum([len(g) for g in groups])]).astype(np.int64)
    codes = client_codes(bounds, *_string_buffers(pa.array(flat, pa.large_string())))
    expected = [code for g in groups for code in pd.factorize(pd.Series(g, dtype=object))[0]]
    assert codes.tolist() == expected


@pytest.mark.parametrize("threads", ["1", "2", "3"])
def test_repeat_strings_cut_into_parts_equal_the_strings_repeated(monkeypatch, threads) -> None:
    """On any number of threads, each id is repeated its count, in order (parts
    cut mid-way through the ids, ids repeated zero times at a cut)."""
    import pyarrow as pa

    from analysis.engine.jss import _string_buffers
    from analysis.engine.kernels import repeat_strings

    monkeypatch.setenv("TOPRATED_THREADS", threads)
    rng = np.random.default_rng(7)
    ids = [f"f{i:0{int(rng.integers(1, 6))}d}é" for i in range(300)]
    counts = rng.integers(0, 5, len(ids)).astype(np.int64)
    counts[150:160] = 0
    offsets, data = repeat_strings(*_string_buffers(pa.array(ids, pa.large_string())), counts)
    repeated = pa.LargeStringArray.from_buffers(
        len(offsets) - 1, pa.py_buffer(offsets), pa.py_buffer(data)
    )
    assert repeated.to_pylist() == [s for s, k in zip(ids, counts, strict=True) for _ in range(k)]
