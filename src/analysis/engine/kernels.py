"""Compiled single-pass kernels for the JSS and status grids (numba, cached).

The numpy engine in `analysis.engine.jss`, `analysis.engine.status` and
`analysis.engine.money` turns every rule into interval sums over one big ragged
array of cells: exact and loop-free in Python, but it streams a dozen
``freelancers x dates`` temporaries through memory. The kernels here compute the
same numbers with one pass over each freelancer's contracts (sorted by
freelancer) and a few arrays of one freelancer's dates that stay in cache.

They are the path for large histories (``backend="auto"``, the default, takes
them from `analysis.engine.backend.AUTO_NUMBA_CONTRACTS` contracts up, or
``backend="numba"``); the numpy engine stays as the reference (``backend=
"numpy"``), and `tests/test_kernels.py` asserts both give identical frames, bit
for bit, on random boundary-heavy histories. Exactness is by construction:

- JSS window sums are integers in units of ``1 / unit`` (`jss._weight_unit`),
  so their order of summation does not matter; the score is then computed with
  the same floating-point operations in the same order as the numpy path
  (``100 * net / total``, clip, the trending mean, ``fmax`` over candidates,
  ``floor(x + 0.5 + 1e-9)``).
- Earnings over time (`cumulative_earnings`) are floating-point sums, so the
  kernel repeats the numpy path's operations in its order: per (freelancer, bin)
  head parts then tail parts accumulated in flow order, the difference array of
  daily rates, the two cumulative sums along the dates.

No threshold lives here: every number arrives as an argument taken from the
`Rules` object by the calling module. Importing this module imports numba (about
0.3 s), so the engine modules import it inside the functions that use it.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import TypeVar

import numpy as np
from numba import njit

#: Environment variable: how many threads the kernels may use (default: the cores).
THREADS_ENV = "TOPRATED_THREADS"


def threads() -> int:
    """Threads for the kernels: ``$TOPRATED_THREADS``, else the number of cores.

    The grid kernels are independent per freelancer and release the GIL
    (``nogil``), so a chunk is cut into this many parts of about equal contracts,
    computed on as many threads, each part writing its own rows: the result does
    not depend on the number of threads.
    """
    value = os.environ.get(THREADS_ENV, "")
    if value.strip():
        return max(1, int(value))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


_LOCAL = threading.local()
_NONE = object()  # no item (`ordered_map`)
T = TypeVar("T")
R = TypeVar("R")


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Within it, `in_parts` on this thread calls once, on this thread: for work that
    is already spread over the threads at a coarser grain (`run_blocks`)."""
    before = getattr(_LOCAL, "serial", False)
    _LOCAL.serial = True
    try:
        yield
    finally:
        _LOCAL.serial = before


def run_blocks(calls: Sequence[Callable[[], None]]) -> None:
    """Run independent `calls` on `threads` threads, each call's own `in_parts` on its
    thread (`ordered_map`): the Python and numpy steps between the kernels then use
    every core too. Raises the first failure (in the order of `calls`)."""
    for _ in ordered_map(lambda call: call(), calls):
        pass


def ordered_map(fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
    """``map(fn, items)`` with up to `threads` calls running at once, each with its
    `in_parts` on its own thread (`one_thread`), results in the order of `items`.
    For a stream of independent pieces of work (the parts of a dataset) whose
    Python and numpy steps would otherwise leave a core idle. Items are drawn
    only as a thread frees up, so at most `threads` results are held. A lone
    item runs on the caller's thread with its `in_parts` threads: spread one
    call at a time, it would leave every core but one idle."""
    k = threads()
    if k <= 1 or getattr(_LOCAL, "serial", False):
        yield from map(fn, items)
        return
    items = iter(items)
    first = next(items, _NONE)
    second = next(items, _NONE) if first is not _NONE else _NONE
    if second is _NONE:
        if first is not _NONE:
            yield fn(first)
        return
    items = itertools.chain((first, second), items)

    def serial(item: T) -> R:
        with one_thread():
            return fn(item)

    pool = _block_pool(k)
    pending: collections.deque[Future[R]] = collections.deque()
    try:
        for item in items:
            pending.append(pool.submit(serial, item))
            if len(pending) >= k:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:  # stopped early (an error, a closed generator): let the others end
        for future in pending:
            future.cancel()
        wait(pending)


def in_parts(bounds: np.ndarray, call) -> None:
    """Call ``call(a, b)`` on consecutive ranges of ``len(bounds) - 1`` freelancers,
    cut at about equal numbers of rows (``bounds``: cumulative rows, from
    ``bounds[0]``), on `threads` threads; ranges may be empty."""
    n = len(bounds) - 1
    k = 1 if getattr(_LOCAL, "serial", False) else min(threads(), max(n, 1))
    if k <= 1 or bounds[-1] - bounds[0] < 2 * k:
        call(0, n)
        return
    goal = bounds[0] + (bounds[-1] - bounds[0]) * np.arange(1, k) / k
    cuts = [0, *np.searchsorted(bounds, goal, side="left").tolist(), n]
    pool = _pool(k)
    for done in [pool.submit(call, a, b) for a, b in zip(cuts[:-1], cuts[1:], strict=True)]:
        done.result()


_POOLS: dict[int, ThreadPoolExecutor] = {}
_BLOCK_POOLS: dict[int, ThreadPoolExecutor] = {}


def _block_pool(k: int) -> ThreadPoolExecutor:
    """`ordered_map`'s threads: a pool of their own, so a block's `in_parts` never
    waits on a thread that is itself running a block."""
    if k not in _BLOCK_POOLS:
        _BLOCK_POOLS[k] = ThreadPoolExecutor(k, thread_name_prefix="toprated-block")
    return _BLOCK_POOLS[k]


def _pool(k: int) -> ThreadPoolExecutor:
    """A pool of `k` threads kept for the process (starting threads for every
    chunk costs more than some of the kernels it runs)."""
    if k not in _POOLS:
        _POOLS[k] = ThreadPoolExecutor(k, thread_name_prefix="toprated-kernel")
    return _POOLS[k]


# outcome codes, as in analysis.engine.jss.OUTCOMES
_POSITIVE = 0
_NEGATIVE = 1
_NEUTRAL = 2
_EXCLUDED = 3


@njit(cache=True, error_model="numpy")
def client_codes(bounds, offsets, data):
    """Each contract's client as a small code, distinct per freelancer (0, 1, ...).

    ``offsets``/``data`` are the Arrow buffers of the client ids (row ``r`` is
    ``data[offsets[r]:offsets[r+1]]``), grouped by freelancer by ``bounds``. Only
    equality within a freelancer matters to the JSS, so a 64-bit FNV-1a hash of
    each id finds the candidates and the bytes decide: exact, with no Python
    string objects and no global hash table.
    """
    codes = np.empty(len(offsets) - 1, np.int64)
    client_codes_into(bounds, offsets, data, codes)
    return codes


@njit(cache=True, error_model="numpy", nogil=True)
def client_codes_into(bounds, offsets, data, codes):
    """`client_codes` of the rows ``bounds[0]:bounds[-1]`` only, written into
    `codes` (so disjoint ranges of freelancers can run on threads)."""
    if len(bounds) == 0:
        return
    r_lo, r_hi = bounds[0], bounds[len(bounds) - 1]
    n = len(offsets) - 1
    hashes = np.empty(n, np.uint64)
    for r in range(r_lo, r_hi):
        h = np.uint64(14695981039346656037)
        for i in range(offsets[r], offsets[r + 1]):
            h = (h ^ np.uint64(data[i])) * np.uint64(1099511628211)
        hashes[r] = h
    # per freelancer, an open-addressing table of its distinct clients (codes in
    # the order they first appear), sized to twice its contracts: O(contracts)
    most = 1
    for f in range(len(bounds) - 1):
        most = max(most, bounds[f + 1] - bounds[f])
    size = 2
    while size < 2 * most:
        size *= 2
    table = np.full(size, -1, np.int64)  # slot -> code, -1 = free
    first_row = np.empty(most, np.int64)  # code -> its first row
    slot_of = np.empty(most, np.int64)  # code -> its slot
    for f in range(len(bounds) - 1):
        n_f = bounds[f + 1] - bounds[f]
        mask = 1
        while mask < 2 * n_f:
            mask *= 2
        mask -= 1
        k = 0
        for r in range(bounds[f], bounds[f + 1]):
            h = hashes[r]
            slot = np.int64((h ^ (h >> np.uint64(29))) & np.uint64(mask))  # high bits mixed in
            while True:
                c = table[slot]
                if c < 0:
                    table[slot] = k
                    first_row[k] = r
                    slot_of[k] = slot
                    codes[r] = k
                    k += 1
                    break
                q = first_row[c]
                if hashes[q] == h and _same_bytes(offsets, data, q, r):
                    codes[r] = c
                    break
                slot = (slot + 1) & mask
        for c in range(k):
            table[slot_of[c]] = -1


@njit(cache=True, error_model="numpy", nogil=True, inline="always")
def _same_bytes(offsets, data, q, r):
    """Whether strings ``q`` and ``r`` of the Arrow buffers are equal."""
    a0, a1, b0 = offsets[q], offsets[q + 1], offsets[r]
    if a1 - a0 != offsets[r + 1] - b0:
        return False
    for i in range(a1 - a0):  # noqa: SIM110 - a generator in all() is slow under numba
        if data[a0 + i] != data[b0 + i]:
            return False
    return True


@njit(cache=True, error_model="numpy", nogil=True)
def sorted_starts(offsets, data):
    """Whether the strings ``data[offsets[r]:offsets[r+1]]`` are in non-decreasing
    byte order (for UTF-8, the order of the code points, i.e. of Python's
    ``sorted``), and if so the first row of each run of equal strings."""
    n = len(offsets) - 1
    starts = np.empty(max(n, 1), np.int64)
    k = 0
    for r in range(n):
        if r == 0:
            starts[0] = 0
            k = 1
            continue
        a0, b0 = offsets[r - 1], offsets[r]
        la, lb = b0 - a0, offsets[r + 1] - b0
        c = 0
        for i in range(min(la, lb)):
            x, y = data[a0 + i], data[b0 + i]
            if x != y:
                c = -1 if x < y else 1
                break
        if c == 0 and la != lb:
            c = -1 if la < lb else 1
        if c > 0:
            return False, starts[:0]
        if c < 0:
            starts[k] = r
            k += 1
    return True, starts[:k]


@njit(cache=True, error_model="numpy", nogil=True)
def contract_inputs(
    start_s,
    end_s,
    earnings,
    public,
    private,
    disputed,
    flagged,
    positive_public,
    positive_private,
    negative_public,
    negative_private,
    exclude_zero,
    exclude_no_feedback,
    tier_upper,
    tier_units,
    open_end,
    out_start,
    out_end,
    out_code,
    out_tier,
    out_open,
):
    """`jss._contract_columns` in one pass, from the raw contract columns.

    ``start_s``/``end_s`` are dates in seconds since 1970 (``datetime64[s]`` as
    int64, NaT = the smallest int64), ``public``/``private`` floats (NaN =
    empty). Writes the day numbers (``open_end`` for NaT), the outcome code
    once ended (the spec's rules, the first that applies wins, as
    `jss._outcome_codes`), the tier weight in units (``tier_units[i]`` while
    earnings <= ``tier_upper[i]``, as its ``searchsorted``) and ``open_ok``.
    """
    nat = np.iinfo(np.int64).min
    n_up = len(tier_upper)
    for r in range(len(start_s)):
        s = start_s[r]
        e = end_s[r]
        out_start[r] = open_end if s == nat else s // 86_400
        out_end[r] = open_end if e == nat else e // 86_400
        pub = public[r]
        pri = private[r]
        money = earnings[r]
        no_pub = np.isnan(pub)
        no_pri = np.isnan(pri)
        if flagged[r]:
            code = _EXCLUDED
        elif disputed[r] or pub < negative_public or pri <= negative_private:
            code = _NEGATIVE
        elif (exclude_no_feedback and no_pub and no_pri) or (exclude_zero and money == 0):
            code = _EXCLUDED
        elif (no_pub or pub >= positive_public) and (no_pri or pri >= positive_private):
            code = _POSITIVE
        else:
            code = _NEUTRAL
        out_code[r] = code
        t = 0
        if np.isnan(money):
            t = n_up
        else:
            while t < n_up and tier_upper[t] < money:
                t += 1
        out_tier[r] = tier_units[t]
        out_open[r] = not flagged[r] and money > 0


def repeat_strings(offsets, data, counts):
    """Arrow string buffers of string ``i`` (``data[offsets[i]:offsets[i+1]]``)
    repeated ``counts[i]`` times, in order: the new int64 offsets and bytes. The
    strings are cut into parts of about equal rows, copied on `threads` threads."""
    counts = np.asarray(counts, dtype=np.int64)
    offsets = np.asarray(offsets, dtype=np.int64)
    rows = np.zeros(len(counts) + 1, np.int64)
    np.cumsum(counts, out=rows[1:])
    sizes = np.zeros(len(counts) + 1, np.int64)
    np.cumsum(counts * np.diff(offsets[: len(counts) + 1]), out=sizes[1:])
    new_offsets = np.empty(int(rows[-1]) + 1, np.int64)
    new_offsets[0] = 0
    new_data = np.empty(int(sizes[-1]), np.uint8)
    in_parts(
        rows,
        lambda a, b: repeat_strings_into(
            offsets, data, counts, rows, sizes, a, b, new_offsets, new_data
        ),
    )
    return new_offsets, new_data


@njit(cache=True, error_model="numpy", nogil=True)
def repeat_strings_into(offsets, data, counts, rows, sizes, a, b, new_offsets, new_data):
    """Strings ``a..b-1`` of `repeat_strings`, written from row ``rows[a]`` and byte
    ``sizes[a]`` of the output buffers (so disjoint ranges run on threads)."""
    row = rows[a]
    pos = sizes[a]
    for i in range(a, b):
        lo = offsets[i]
        length = offsets[i + 1] - lo
        for _ in range(counts[i]):
            for k in range(length):
                new_data[pos + k] = data[lo + k]
            pos += length
            row += 1
            new_offsets[row] = pos


@njit(cache=True, error_model="numpy", nogil=True)
def jss_chunk(
    bounds,
    start,
    end,
    outcome,
    tier_units,
    open_ok,
    client,
    j_first,
    t0,
    step,
    m,
    open_end,
    window_days,
    cap_units,
    length_step,
    open_days,
    unit,
    min_contracts,
    min_clients,
    trending,
    candidates,
    required,
    out_freelancer,
    out_seconds,
    out_scores,
    out_jss,
    out_jss_na,
    out_counted,
    out_clients,
    f_offset,
):
    """JSS grid rows of one chunk of freelancers, written into the ``out_*`` arrays.

    Contracts are sorted by freelancer: freelancer ``f`` has rows
    ``bounds[f]:bounds[f+1]`` of ``start``/``end`` (day numbers, ``open_end`` =
    open), ``outcome`` (code once ended), ``tier_units`` (tier weight x unit),
    ``open_ok`` and ``client`` (int codes). Its output rows are the grid dates
    ``j_first[f] .. m-1`` (grid ``t0 + j * step``), consecutive in ``f`` order.
    ``out_scores`` has one row per window (order of ``window_days``) and a last
    one for Trending; ``candidates`` index those rows (Trending = its last row).
    The output columns are written as the frame holds them: ``out_seconds`` the
    evaluation date in seconds since 1970 (a ``datetime64[s]`` view), ``out_jss``
    the JSS as an integer with ``out_jss_na`` True where there is none.
    """
    n_f = len(bounds) - 1
    n_w = len(window_days)
    day_seconds = 86_400
    width = m + 1  # grid cells plus the sink
    d_net = np.zeros((width, n_w), np.int64)  # difference arrays, cell-major
    d_tot = np.zeros((width, n_w), np.int64)
    d_cnt = np.zeros((width, n_w), np.int64)
    d_cli = np.zeros((width, n_w), np.int64)
    o_val = np.zeros(width, np.int64)  # open contracts' weight at each cell (every window)
    o_cnt = np.zeros(width, np.int64)  # difference array of open contracts counted
    max_rows = 0
    for f in range(n_f):
        max_rows = max(max_rows, bounds[f + 1] - bounds[f])
    # one freelancer's client intervals (an ended and an open one per contract at
    # most): first cell, client, end cell in each window
    n_max = 2 * max_rows
    key = np.empty(n_max, np.int64)
    iv_lo = np.empty(n_max, np.int64)
    iv_client = np.empty(n_max, np.int64)
    iv_hi = np.empty((n_max, n_w), np.int64)
    n_clients = 0
    for r in range(bounds[0], bounds[n_f]):  # this part's rows only (others may be unset)
        n_clients = max(n_clients, client[r] + 1)
    reach = np.zeros((max(n_clients, 1), n_w), np.int64)  # each client's union's end
    # the grid index of a day (first date on or after it, clipped to [0, m], as
    # `jss._Cells.index`) from a table: day t0 + i has grid_of[min(max(i, 0), span)]
    span = max((m - 1) * step + 1, 0)
    grid_of = np.empty(span + 1, np.int64)
    for i in range(span + 1):
        grid_of[i] = min(-((-i) // step), m)
    # floor(length / length_step) of the lengths below n_len, from a table too
    n_len = length_step * (max(cap_units // max(unit, 1), 0) + 2)
    steps_of = np.empty(n_len, np.int64)
    for i in range(n_len):
        steps_of[i] = i // length_step
    row = 0
    for f in range(n_f):
        jf = j_first[f]
        if jf >= m:
            continue
        n_iv = 0
        for r in range(bounds[f], bounds[f + 1]):
            s, e, oc = start[r], end[r], outcome[r]
            tier = tier_units[r]
            if e != open_end and oc != _EXCLUDED:
                length = e - s
                k_len = steps_of[length] if 0 <= length < n_len else length // length_step
                w = min(cap_units, tier + k_len * unit)
                net = w if oc == _POSITIVE else (-w if oc == _NEGATIVE else 0)
                lo = grid_of[min(max(e - t0, 0), span)]
                for d in range(n_w):
                    hi = max(grid_of[min(max(e + window_days[d] - t0, 0), span)], lo)
                    d_net[lo, d] += net
                    d_net[hi, d] -= net
                    d_tot[lo, d] += w
                    d_tot[hi, d] -= w
                    d_cnt[lo, d] += 1
                    d_cnt[hi, d] -= 1
                    iv_hi[n_iv, d] = hi
                key[n_iv] = (lo << 32) + n_iv
                iv_lo[n_iv] = lo
                iv_client[n_iv] = client[r]
                n_iv += 1
            a = s + max(open_days, 0)
            # (open on some date only if e > a: the grid index is non-decreasing)
            if open_ok[r] and e > a:
                lo = grid_of[min(max(a - t0, 0), span)]
                hi = grid_of[min(max(e - t0, 0), span)]
                if hi > lo:
                    for g in range(lo, hi):
                        length = t0 + g * step - s
                        k = steps_of[length] if 0 <= length < n_len else length // length_step
                        o_val[g] += min(cap_units, tier + k * unit)
                    o_cnt[lo] += 1
                    o_cnt[hi] -= 1
                    for d in range(n_w):
                        iv_hi[n_iv, d] = hi
                    key[n_iv] = (lo << 32) + n_iv
                    iv_lo[n_iv] = lo
                    iv_client[n_iv] = client[r]
                    n_iv += 1
        # intervals by first cell (insertion sort of keys first cell << 32 | interval:
        # few, nearly sorted)
        for i in range(1, n_iv):
            k0 = key[i]
            j = i - 1
            while j >= 0 and key[j] > k0:
                key[j + 1] = key[j]
                j -= 1
            key[j + 1] = k0
        # distinct clients: swept by first cell, each interval adds to the count
        # the cells its client's union gains ([max(lo, reach), max(hi, reach)),
        # empty when already covered), so no branch decides
        for q in range(n_iv):
            i = key[q] & 0xFFFFFFFF
            lo = iv_lo[i]
            c = iv_client[i]
            for d in range(n_w):
                rc = reach[c, d]
                p = max(lo, rc)
                h = max(iv_hi[i, d], rc)
                d_cli[p, d] += 1
                d_cli[h, d] -= 1
                reach[c, d] = h
        for q in range(n_iv):
            for d in range(n_w):
                reach[iv_client[q], d] = 0
        # per window along the dates: running sums in registers, each score
        # straight into its row, each cell's differences zeroed as they are read
        # (the cells are then clean for the next freelancer)
        n_rows = m - jf
        n_tr = len(trending)
        for d in range(n_w):
            rn = 0
            rt = 0
            rc = 0
            rl = 0
            orun = 0
            for g in range(jf, m):
                orun += o_cnt[g]
                ov = o_val[g]
                rn += d_net[g, d]
                rt += d_tot[g, d]
                rc += d_cnt[g, d]
                rl += d_cli[g, d]
                d_net[g, d] = 0
                d_tot[g, d] = 0
                d_cnt[g, d] = 0
                d_cli[g, d] = 0
                tot = float(rt + ov)
                i = row + g - jf
                if rl >= min_clients and tot > 0 and rc + orun >= min_contracts:
                    x = 100 * float(rn + ov) / tot
                    out_scores[d, i] = min(max(x, 0.0), 100.0)
                else:
                    out_scores[d, i] = np.nan
                if d == required:
                    out_counted[i] = rc + orun
                    out_clients[i] = rl
        sec = (t0 + jf * step) * day_seconds
        for i in range(row, row + n_rows):
            tr = out_scores[trending[0], i]
            for t in range(1, n_tr):
                tr = tr + out_scores[trending[t], i]
            out_scores[n_w, i] = tr / n_tr
            best = out_scores[candidates[0], i]
            for t in range(1, len(candidates)):
                v = out_scores[candidates[t], i]
                if np.isnan(best) or v > best:
                    best = v
            if np.isnan(out_scores[required, i]):
                out_jss[i] = 0
                out_jss_na[i] = True
            else:
                out_jss[i] = np.int64(np.floor(best + 0.5 + 1e-9))
                out_jss_na[i] = False
            out_freelancer[i] = f_offset + f
            out_seconds[i] = sec
            sec += step * day_seconds
        row += n_rows
        # the open contracts' cells, and the sink (windows that end after the last date)
        for g in range(jf, width):
            o_val[g] = 0
            o_cnt[g] = 0
        for d in range(n_w):
            d_net[m, d] = 0
            d_tot[m, d] = 0
            d_cnt[m, d] = 0
            d_cli[m, d] = 0
    return row


@njit(cache=True, error_model="numpy")
def spell_counts(code, lo, hi, weight, n, weeks):
    """``(n, len(weeks))``: number (or summed weight) of spells ``lo <= s <= hi`` over each Sunday.

    As `status._Spells.counts`; ``weight`` of length 0 means every spell counts 1.
    Counts are exact; weighted sums are exact when the weights are integers
    (the only use), so the order of the additions does not matter.
    """
    n_w = len(weeks)
    diff = np.zeros((n, n_w + 1))
    weighted = len(weight) > 0
    for i in range(len(code)):
        c = code[i]
        if c < 0:
            continue
        i0 = np.searchsorted(weeks, lo[i], side="left")
        i1 = np.searchsorted(weeks, hi[i], side="right")
        if i0 >= i1:
            continue
        v = weight[i] if weighted else 1.0
        diff[c, i0] += v
        diff[c, i1] -= v
    out = np.empty((n, n_w))
    for c in range(n):
        run = 0.0
        for j in range(n_w):
            run += diff[c, j]
            out[c, j] = run
    return out


@njit(cache=True, error_model="numpy")
def _covered(diff, n, n_w):
    """``(n, n_w)`` booleans from a difference array of spell starts and ends:
    the running sum is positive where some spell covers the Sunday."""
    out = np.empty((n, n_w), np.bool_)
    for c in range(n):
        run = 0
        for j in range(n_w):
            run += diff[c, j]
            out[c, j] = run > 0
    return out


@njit(cache=True, error_model="numpy")
def spell_any(code, lo, hi, n, weeks):
    """``(n, len(weeks))`` booleans: some spell ``lo <= s <= hi`` covers the Sunday."""
    n_w = len(weeks)
    diff = np.zeros((n, n_w + 1), np.int32)
    for i in range(len(code)):
        c = code[i]
        if c < 0:
            continue
        i0 = np.searchsorted(weeks, lo[i], side="left")
        i1 = np.searchsorted(weeks, hi[i], side="right")
        if i0 >= i1:
            continue
        diff[c, i0] += 1
        diff[c, i1] -= 1
    return _covered(diff, n, n_w)


@njit(cache=True, error_model="numpy")
def spell_any_even(code, lo, hi, n, first, step, n_w):
    """`spell_any` on the evenly spaced Sundays ``first + j * step`` (j < n_w).

    The first Sunday on or after ``lo`` and the last on or before ``hi`` come from
    one floor division each instead of two binary searches: the same cells.
    """
    diff = np.zeros((n, n_w + 1), np.int32)
    for i in range(len(code)):
        c = code[i]
        if c < 0:
            continue
        i0 = min(max(-((first - lo[i]) // step), 0), n_w)  # first j with day >= lo
        i1 = min(max((hi[i] - first) // step + 1, 0), n_w)  # first j with day > hi
        if i0 >= i1:
            continue
        diff[c, i0] += 1
        diff[c, i1] -= 1
    return _covered(diff, n, n_w)


@njit(cache=True, error_model="numpy", nogil=True)
def _one_freelancer(code, first, last, amount, i, days, base, head, tail, d_plus, d_minus, cum):
    """Fill ``cum`` with the cumulative earnings of the freelancer of flow ``i``
    (its flows are ``i, i+1, ...`` while ``code`` is the same); return the next flow."""
    n_days = len(days)
    n_flows = len(code)
    c = code[i]
    j0 = n_days  # the first date any flow reaches: before it every sum is 0
    while i < n_flows and code[i] == c:
        a = amount[i]
        span = float(last[i] - first[i] + 1)
        f0 = max(first[i], base + 1)
        la = last[i]
        i += 1
        if a == 0 or la < f0:
            continue
        ja = np.searchsorted(days, f0, side="left")
        if ja >= n_days:
            continue
        j0 = min(j0, ja)
        je = np.searchsorted(days, la, side="left")
        if ja == je:
            head[ja] += a * float(la - f0 + 1) / span
        else:
            head[ja] += a * float(days[ja] - f0 + 1) / span
            if je < n_days:
                tail[je] += a * float(la - days[je - 1]) / span
            if je > ja + 1:
                rate = a / span
                d_plus[ja + 1] += rate
                d_minus[je] += rate
    # the running sums start at j0: before it they add zeros to zero (the same bits)
    run_rate = 0.0
    total = 0.0
    for j in range(j0):
        cum[j] = 0.0
    for j in range(j0, n_days):
        run_rate += d_plus[j] - d_minus[j]
        length = 0.0 if j == 0 else float(days[j] - days[j - 1])
        total += (head[j] + tail[j]) + run_rate * length
        cum[j] = total
    for j in range(j0, n_days + 1):
        head[j] = 0.0
        tail[j] = 0.0
        d_plus[j] = 0.0
        d_minus[j] = 0.0
    return i


@njit(cache=True, error_model="numpy")
def cumulative_earnings(code, first, last, amount, n, days, base, ia, ib):
    """``E[f, j]`` = earnings of freelancer ``f`` on the days in ``(base, days[j]]``.

    The same floating-point operations, in the same order, as
    `analysis.engine.money.cumulative_earnings` (which validates the arguments):
    per (freelancer, bin) the head parts are accumulated in flow order, then the
    tail parts, then the daily rates' difference array; two cumulative sums run
    along the dates. So the result equals the numpy path bit for bit. Flows must
    be grouped by ``code`` (in their original order within a code, e.g. by a
    stable sort), so one freelancer's bins stay in a few arrays of one row.

    With ``ib`` non-empty, returns instead ``E[f, ib[k]] - E[f, ia[k]]`` for each
    k (earnings between two grid days), without keeping the whole ``E``.
    """
    out = np.zeros((n, len(ib) if len(ib) > 0 else len(days)))
    earnings_into(code, first, last, amount, days, base, ia, ib, out)
    return out


@njit(cache=True, error_model="numpy", nogil=True)
def earnings_into(code, first, last, amount, days, base, ia, ib, out):
    """`cumulative_earnings` writing row ``code`` of `out` (zeros, shaped as its
    result) for each freelancer among the flows; other rows are left alone, so
    disjoint ranges of freelancers can be computed on threads into one array."""
    n_days = len(days)
    width = n_days + 1
    head = np.zeros(width)
    tail = np.zeros(width)
    d_plus = np.zeros(width)
    d_minus = np.zeros(width)
    cum = np.zeros(n_days)
    pairs = len(ib) > 0
    i = 0
    while i < len(code):
        c = code[i]
        i = _one_freelancer(
            code, first, last, amount, i, days, base, head, tail, d_plus, d_minus, cum
        )
        if pairs:
            for k in range(len(ib)):
                out[c, k] = cum[ib[k]] - cum[ia[k]]
        else:
            for j in range(n_days):
                out[c, j] = cum[j]


@njit(cache=True, error_model="numpy", nogil=True)
def status_rows(
    ext,
    lookback,
    first_start,
    first_negative,
    profile,
    jss,
    jss_col,
    earn,
    standing,
    active,
    large_ok,
    jss_min,
    earnings_min,
    tenure_min,
    good_required,
    plus_above,
    out_row,
    out_day,
    out_status,
    out_jss,
    out_jss_na,
    out_earn,
    out_good,
    out_flags,
):
    """The status grid's rows of one block, one pass per freelancer (upwork model).

    Inputs are the block's criteria on the Sundays ``ext`` (the output Sundays
    preceded by ``lookback`` earlier ones, for the good-week count): ``jss``
    on the JSS dates (NaN = none; Sunday ``i`` reads column ``jss_col[i]``),
    ``earn`` (earnings in the window), ``standing`` and
    ``active`` as ``(n, len(ext))`` arrays, ``large_ok`` on the output Sundays
    only, and per freelancer its first start, first negative end and profile
    flag. The same comparisons as `analysis.engine.status` (thresholds arrive
    with their tolerances applied), so the rows equal the numpy path's. A row is
    written for every output Sunday on or after the freelancer's first start, in
    freelancer then Sunday order; ``out_flags`` rows are ``jss_ok, earnings_ok,
    tenure_ok, profile_ok, standing_ok, active_ok``. Returns the number of rows.
    """
    n = len(first_start)
    n_ext = len(ext)
    good = np.zeros(n_ext, np.int64)
    row = 0
    for c in range(n):
        fs = first_start[c]
        fneg = first_negative[c]
        prof = profile[c]
        run = 0
        for i in range(n_ext):
            s = ext[i]
            started = s >= fs
            jv = jss[c, jss_col[i]]
            jok = jv >= jss_min
            ok_s = standing[c, i]
            ok_a = active[c, i]
            rising = np.isnan(jv) and prof and ok_s and ok_a and not (s >= fneg)
            g = 1 if (jok or rising) and started else 0
            good[i] = g
            run += g
            if i > lookback:
                run -= good[i - lookback - 1]
            if i < lookback or not started:
                continue
            w = i - lookback
            e = earn[c, i]
            eok = e >= earnings_min
            tok = s - fs >= tenure_min
            top = jok and eok and tok and prof and ok_s and ok_a and run >= good_required
            if top and e > plus_above and large_ok[c, w]:
                status = 3
            elif top:
                status = 2
            elif rising:
                status = 1
            else:
                status = 0
            out_row[row] = c
            out_day[row] = s
            out_status[row] = status
            if np.isnan(jv):
                out_jss[row] = 0
                out_jss_na[row] = True
            else:
                out_jss[row] = np.int64(jv)
                out_jss_na[row] = False
            out_earn[row] = e
            out_good[row] = run
            out_flags[0, row] = jok
            out_flags[1, row] = eok
            out_flags[2, row] = tok
            out_flags[3, row] = prof
            out_flags[4, row] = ok_s
            out_flags[5, row] = ok_a
            row += 1
    return row
