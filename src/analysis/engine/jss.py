"""The Job Success Score engine: exact, vectorised, every threshold from a `Rules` object.

The contract is `../shared/spec/rules-upwork-2025.md`. This module computes, for
every freelancer and every JSS evaluation date, the four window scores, Trending
and the JSS, without a Python loop over freelancers or dates.

Design. Days are integers (days since 1970-01-01) and evaluation dates form a
regular grid ``t_j = t_0 + j * step``. An *ended* contract's outcome and weight do
not depend on ``t``, and it is in window ``D`` exactly for ``end <= t < end + D``:
an interval of grid indices. A *counted open* contract (unflagged, money, open at
least ``open_positive_after_days``) is positive in every window for
``start + open_days <= t < end`` (``end`` empty = for ever), with a weight that is
piecewise constant in ``t`` and steps up at ``start + k * length_step_days`` (at
most ``cap`` steps, each its own interval). So every sum a score needs (P - N,
T, the number of counted contracts) is a sum of interval indicators: each
interval adds ``+v`` at its first cell and ``-v`` at its end in a *difference
array* (one `np.bincount`), and a cumulative sum gives the sums at every date.
Distinct clients per window are the same trick on the union of each
(freelancer, client) pair's intervals: sorted once by (pair, first cell), merged
with a running maximum (offset per pair, so one `np.maximum.accumulate` serves
all pairs), then counted with a difference array.

Cells are laid out ragged: each freelancer only has the dates from its first
contract's start on (the rows of the result), plus one sink cell, so the work
is proportional to the output. Freelancers are processed in chunks
(`DEFAULT_CHUNK_SIZE`), which bounds working memory; `jss_grid` writes each
chunk straight into the result's arrays and `iter_jss_grid` yields one frame per
chunk, so a million freelancers can stream to disk.

Exactness: weights are kept as integers in units of 1/q (q = 4 for the bundled
weights, see `_weight_unit`), so every sum is exact and independent of row order,
and ``100 * (P - N) / T`` is computed from exact operands -- the result equals a
per-date, per-contract transcription of the spec bit for bit (tested).

Two backends. The design above is the numpy reference (``backend="numpy"``).
The kernels (``backend="numba"``) hand each chunk's per-contract arrays (the
same `_contract_columns`, made in one compiled pass over the raw columns by
`kernels.contract_inputs`) to `analysis.engine.kernels.jss_chunk`, which walks
each freelancer's contracts once and keeps the same integer sums in arrays of
one freelancer's dates; it scores them with the same float operations, so both
backends give identical frames (`tests/test_kernels.py`). Client ids are
compared per freelancer on their Arrow bytes (`kernels.client_codes`). The
kernel writes the frame's columns as the frame holds them (dates in seconds,
the JSS as int64 and its NA mask), ids already in sorted order are grouped
without a factorize (`kernels.sorted_starts`), and the id column is the ids'
bytes repeated (`kernels.repeat_strings`), so building the frame copies nothing.
The default, ``backend="auto"``, takes the kernels for large histories and the
numpy reference for small ones, where it is faster than starting numba
(`analysis.engine.backend`).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from analysis.engine.backend import resolve_backend
from analysis.engine.ruleset import Rules
from analysis.io.history import History, to_day

#: Outcome labels, in the order of their integer codes.
OUTCOMES = ("positive", "negative", "neutral", "excluded")
POSITIVE, NEGATIVE, NEUTRAL, EXCLUDED = range(4)
OUTCOME_DTYPE = pd.CategoricalDtype(list(OUTCOMES))

#: Upper bound of the grid columns kept in memory at once: freelancers x dates.
DEFAULT_CHUNK_SIZE = 20_000

_DAY_S = 86_400
_OPEN_END = np.iinfo(np.int32).max  # "no end date" in day numbers
OPEN_END = _OPEN_END  # the same, for `contract_columns`' callers
_SECONDS = "datetime64[s]"


# ---------------------------------------------------------------------------
# small building blocks
# ---------------------------------------------------------------------------


def round_half_up(x: Any) -> Any:
    """Round half up as the spec says, ``floor(x + 0.5 + 1e-9)`` (NaN stays NaN).

    The ``1e-9`` makes a score that is mathematically ``x.5`` but a hair below it in
    floating point (e.g. ``89.49999999999999``) round up, as a person would.
    """
    return np.floor(np.asarray(x, dtype=float) + 0.5 + 1e-9)


def _days(values: pd.Series | np.ndarray) -> np.ndarray:
    """Dates (datetime64, NaT allowed) as int64 day numbers; NaT -> `_OPEN_END`."""
    arr = np.asarray(values).astype(_SECONDS)
    out = arr.view(np.int64) // _DAY_S
    return np.where(np.isnat(arr), _OPEN_END, out)


def _as_day_number(value: Any) -> int:
    return int(to_day(value).value // (_DAY_S * 10**9))


def _outcome_codes(
    public: np.ndarray,
    private: np.ndarray,
    disputed: np.ndarray,
    flagged: np.ndarray,
    earnings: np.ndarray,
    rules: Rules,
) -> np.ndarray:
    """Integer outcome code (`POSITIVE` ...) of each contract once ended.

    The spec's rules are applied from the last to the first, each overwriting the
    previous, so the first rule that applies wins. NaN compares false, so an
    empty field never triggers a rule.
    """
    o = rules.outcome
    no_public = np.isnan(public)
    no_private = np.isnan(private)
    positive = (no_public | (public >= o.positive_public_at_least)) & (
        no_private | (private >= o.positive_private_at_least)
    )
    code = np.where(positive, POSITIVE, NEUTRAL).astype(np.int8)  # rules 5, 6
    if o.exclude_zero_earnings:
        code[earnings == 0] = EXCLUDED  # rule 4
    if o.exclude_no_feedback:
        code[no_public & no_private] = EXCLUDED  # rule 3
    negative = (
        disputed
        | (public < o.negative_public_below)
        | (private <= o.negative_private_at_most)  # rule 2
    )
    code[negative] = NEGATIVE
    code[flagged] = EXCLUDED  # rule 1
    return code


def _tier_index(earnings: np.ndarray, rules: Rules) -> np.ndarray:
    """Index into ``rules.weight.tier_weights``: tier i while earnings <= tier_upper_usd[i]."""
    return np.searchsorted(np.asarray(rules.weight.tier_upper_usd), earnings, side="left").astype(
        np.int8
    )


def _contract_columns(contracts: pd.DataFrame, rules: Rules) -> dict[str, np.ndarray]:
    """The numeric arrays the engine needs from a contracts table (same row order)."""
    earnings = contracts["earnings_usd"].to_numpy(dtype=np.float64)
    flagged = contracts["client_flagged"].to_numpy(dtype=bool)
    code = _outcome_codes(
        contracts["public_rating"].to_numpy(dtype=np.float64, na_value=np.nan),
        contracts["private_score"].to_numpy(dtype=np.float64, na_value=np.nan),
        contracts["disputed"].to_numpy(dtype=bool),
        flagged,
        earnings,
        rules,
    )
    return {
        "start": _days(contracts["start_date"]),
        "end": _days(contracts["end_date"]),
        "code": code,
        "tier": _tier_index(earnings, rules),
        # an open contract may count as positive (spec, "Open contracts")
        "open_ok": ~flagged & (earnings > 0),
    }


def contract_outcomes(contracts: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Each contract's outcome once ended, its earnings tier and its weight once ended.

    Returns a frame with the index of `contracts` and the columns

    - ``outcome``: ``positive`` / ``negative`` / ``neutral`` / ``excluded``, the first
      of the spec's six rules that applies (a contract counts in the JSS only when
      not ``excluded``). It is the outcome *once the contract has ended*: a contract
      is negative at a date ``s`` when ``outcome == "negative"`` and
      ``end_date <= s``; an open contract is never negative.
    - ``tier_weight``: the earnings tier (1.0 / 1.25 / 1.5 with the bundled rules),
      by the recorded ``earnings_usd``.
    - ``weight``: ``min(cap, tier + floor((end_date - start_date) / 91))``, the
      weight of the ended contract (NaN while there is no end date).
    """
    cols = _contract_columns(contracts, rules)
    w = rules.weight
    tier = np.asarray(w.tier_weights)[cols["tier"]]
    ended = cols["end"] != _OPEN_END
    length = np.where(ended, cols["end"] - cols["start"], 0)
    weight = np.minimum(w.cap, tier + length // w.length_step_days)
    return pd.DataFrame(
        {
            "outcome": pd.Categorical.from_codes(cols["code"], dtype=OUTCOME_DTYPE),
            "tier_weight": tier,
            "weight": np.where(ended, weight, np.nan),
        },
        index=contracts.index,
    )


def jss_dates(
    start: str | dt.date | pd.Timestamp, end: str | dt.date | pd.Timestamp, rules: Rules
) -> pd.DatetimeIndex:
    """The JSS evaluation dates in [start, end], both inclusive.

    Dates ``d`` with ``(d - rules.calendar.jss_anchor) mod jss_every_days == 0``
    (Sundays aligned to 2020-01-05, every 14 days, with the bundled rules).
    """
    days = _grid_days(_as_day_number(start), _as_day_number(end), rules)
    return pd.DatetimeIndex((days * _DAY_S).astype(_SECONDS), name="eval_date")


def _grid_days(first: int, last: int, rules: Rules) -> np.ndarray:
    anchor = _as_day_number(rules.calendar.jss_anchor)
    step = rules.calendar.jss_every_days
    t0 = anchor + -((anchor - first) // step) * step  # first grid day >= first
    return np.arange(t0, last + 1, step, dtype=np.int64)


def _latest_jss_date(at: Any, rules: Rules) -> int:
    """Day number of the latest JSS evaluation date on or before `at`."""
    day = _as_day_number(at)
    anchor = _as_day_number(rules.calendar.jss_anchor)
    step = rules.calendar.jss_every_days
    return anchor + ((day - anchor) // step) * step


# ---------------------------------------------------------------------------
# window sums on the grid
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Sums:
    """Sums of one window at each cell: P - N and T in weight units, counts."""

    net: np.ndarray  # P - N, in units of 1 / unit
    total: np.ndarray  # T, in units of 1 / unit
    contracts: np.ndarray | None  # None: not needed (implied by clients)
    clients: np.ndarray
    unit: int


def _weight_unit(rules: Rules) -> int:
    """The smallest q (a power of 2 or of 10) making every weight ``x * q`` an integer.

    Sums are then kept as integers (in float64, exact below 2**53), so they do not
    depend on the order of summation; ``P - N`` and ``T`` in units give the same
    score as in weights, since the unit cancels. Weights with more than six
    decimals are used to six decimals.
    """
    values = (*rules.weight.tier_weights, rules.weight.cap)
    for q in (*(2**i for i in range(11)), 10, 100, 1000, 10_000, 100_000):
        if all(abs(v * q - round(v * q)) < 1e-9 for v in values):
            return q
    return 1_000_000


class _Cells:
    """The (freelancer, evaluation date) cells of a chunk, laid out ragged in 1-D.

    Freelancer ``r`` has the dates ``j_first[r] .. m-1`` (from its first start on)
    followed by one *sink* cell for ``j = m`` ("never"/"after the grid"). Every
    interval adds ``+v`` at its first cell and ``-v`` at its end cell of the same
    freelancer, so each freelancer's differences sum to zero and one 1-D
    cumulative sum over the whole chunk gives every running sum; it is exact
    because all values are integers.
    """

    def __init__(self, days: np.ndarray, j_first: np.ndarray):
        self.t0 = int(days[0])
        self.step = int(days[1] - days[0]) if len(days) > 1 else 1
        self.m = len(days)
        self.j_first = j_first
        self.n_cells = self.m - j_first  # dates per freelancer
        lengths = self.n_cells + 1  # plus the sink
        self.row_off = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        self.size = int(lengths.sum())
        self.keep = np.ones(self.size, dtype=bool)
        self.keep[self.row_off + self.n_cells] = False
        #: grid index of every cell (m at a sink)
        self.j = np.arange(self.size) - np.repeat(self.row_off - j_first, lengths)

    def index(self, day: np.ndarray) -> np.ndarray:
        """First grid index whose date is >= `day`, clipped to [0, m]."""
        return np.clip(-((self.t0 - day) // self.step), 0, self.m)

    def sums(self, lo: np.ndarray, hi: np.ndarray, value: np.ndarray | None) -> np.ndarray:
        """Running sums over all cells of `value` (float64; None = 1) on cells [lo, hi).

        Callers guarantee ``lo <= hi`` (an empty interval adds and removes at once).
        """
        if value is None:
            return np.cumsum(
                np.bincount(lo, minlength=self.size) - np.bincount(hi, minlength=self.size)
            )
        idx = np.concatenate([lo, hi])
        w = np.concatenate([value, -value])
        return np.cumsum(np.bincount(idx, weights=w, minlength=self.size))


def _client_groups(pair: np.ndarray, lo: np.ndarray, hi: np.ndarray):
    """Merge overlapping intervals per pair: the first and end cell of each union.

    Input is sorted by (pair, lo) and `pair` is a dense 0.. rank; cells are
    positions in the 1-D layout, so intervals of different freelancers never
    overlap. Offsetting each pair by ``pair * span`` lets one running maximum
    merge the intervals of all pairs at once: an interval starts a new group when
    it begins after everything before it (of its pair) has ended.
    """
    if len(lo) == 0:
        return lo, hi
    span = int(max(hi.max(), lo.max())) + 1
    off = pair * span
    reach = np.maximum.accumulate(off + np.maximum(hi, lo))
    starts = np.ones(len(lo), dtype=bool)
    starts[1:] = off[1:] + lo[1:] > reach[:-1]
    first = np.flatnonzero(starts)
    last = np.append(first[1:] - 1, len(lo) - 1)
    return lo[first], reach[last] - off[last]


def _chunk_sums(
    cols: Mapping[str, np.ndarray],
    days: np.ndarray,
    j_first: np.ndarray,
    rules: Rules,
    all_counts: bool = True,
) -> tuple[_Cells, dict[str, _Sums]]:
    """Window sums of one chunk of freelancers on the evaluation grid `days`.

    `cols` holds per-contract arrays of the chunk: ``row`` (0.. freelancer),
    ``client`` (int codes), ``start``, ``end``, ``code``, ``tier``, ``open_ok``;
    freelancer ``r`` gets cells from grid index ``j_first[r]`` on (its first
    contract's start). Returns the cell layout and ``{window name: _Sums}``.

    Without `all_counts`, a window other than the required one gets
    ``contracts=None`` when the client minimum implies the contract minimum
    (each counted contract has one client, so contracts >= clients).
    """
    cells = _Cells(days, j_first)
    w = rules.weight
    unit = _weight_unit(rules)
    tiers = np.round(np.asarray(w.tier_weights, dtype=np.float64) * unit).astype(np.int64)
    cap = round(w.cap * unit)
    step_len = w.length_step_days
    row = cols["row"].astype(np.int64)
    start = cols["start"].astype(np.int64)
    end = cols["end"].astype(np.int64)
    code = cols["code"]
    tier = tiers[cols["tier"]]

    # ended contracts that count: outcome and weight fixed from `end` on
    ended = (end != _OPEN_END) & (code != EXCLUDED)
    e_row, e_end, e_code = row[ended], end[ended], code[ended]
    e_w = np.minimum(cap, tier[ended] + (e_end - start[ended]) // step_len * unit)
    e_net = np.where(e_code == POSITIVE, e_w, np.where(e_code == NEGATIVE, -e_w, 0))
    e_w, e_net = e_w.astype(np.float64), e_net.astype(np.float64)
    e_base = cells.row_off[e_row] - cells.j_first[e_row]
    e_lo = e_base + cells.index(e_end)

    # open contracts that count: positive on [a, end) with a weight stepping up
    # at start + k * step_len (each step its own interval), capped
    # (every contract is open before it ends; keep those counted on some date)
    a = start + max(rules.open_positive_after_days, 0)
    opened = cols["open_ok"] & (cells.index(end) > cells.index(a))
    o_row, o_start, o_tier, a = row[opened], start[opened], tier[opened], a[opened]
    o_base = cells.row_off[o_row] - cells.j_first[o_row]
    o_lo, o_hi = o_base + cells.index(a), o_base + cells.index(end[opened])
    k_a = (a - o_start) // step_len
    p_lo, p_hi, p_val = [o_lo], [o_hi], [np.minimum(cap, o_tier + k_a * unit)]
    for step in range(1, int(np.ceil(w.cap - min(w.tier_weights))) + 2):
        k = k_a + step
        inc = np.minimum(cap, o_tier + k * unit) - np.minimum(cap, o_tier + (k - 1) * unit)
        lo_k = o_base + cells.index(o_start + k * step_len)
        keep = (inc > 0) & (lo_k < o_hi)
        if not keep.any():
            break
        p_lo.append(lo_k[keep])
        p_hi.append(o_hi[keep])
        p_val.append(inc[keep])
    p_lo, p_hi = np.concatenate(p_lo), np.concatenate(p_hi)
    p_val = np.concatenate(p_val).astype(np.float64)

    # client intervals, sorted once by (freelancer, client, first cell): the first
    # cell does not depend on the window, only the end does
    c_client = np.concatenate([cols["client"][ended], cols["client"][opened]]).astype(np.int64)
    c_row = np.concatenate([e_row, o_row])
    c_lo = np.concatenate([e_lo, o_lo])
    n_clients = int(c_client.max()) + 1 if len(c_client) else 1
    pair_key = c_row * n_clients + c_client
    if len(c_lo) and int(pair_key.max()) < 2**62 // (cells.size + 1):
        order = np.argsort(pair_key * (cells.size + 1) + c_lo)
    else:
        order = np.lexsort((c_lo, pair_key))
    pair_sorted = pair_key[order]
    pair_rank = np.cumsum(np.concatenate([[0], pair_sorted[1:] != pair_sorted[:-1]]))
    c_lo_sorted = c_lo[order]

    win = rules.windows
    implied = win.min_contracts <= win.min_clients
    lo = np.concatenate([e_lo, p_lo])
    net_value = np.concatenate([e_net, p_val])
    total_value = np.concatenate([e_w, p_val])
    out = {}
    for name, length in win.days.items():
        e_hi = np.maximum(e_base + cells.index(e_end + length), e_lo)
        hi = np.concatenate([e_hi, p_hi])
        c_hi = np.concatenate([e_hi, o_hi])
        g_lo, g_hi = _client_groups(pair_rank, c_lo_sorted, c_hi[order])
        counts = all_counts or name == win.required or not implied
        out[name] = _Sums(
            net=cells.sums(lo, hi, net_value),
            total=cells.sums(lo, hi, total_value),
            contracts=cells.sums(c_lo, c_hi, None) if counts else None,
            clients=cells.sums(g_lo, g_hi, None),
            unit=unit,
        )
    return cells, out


def window_score(net: Any, total: Any, contracts: Any, clients: Any, rules: Rules) -> np.ndarray:
    """``100 * (P - N) / T`` clipped to [0, 100]; NaN where the window is undefined.

    `net` is ``P - N`` and `total` is ``T`` (in any common unit). A window is
    defined with at least ``rules.windows.min_contracts`` counted contracts from
    at least ``rules.windows.min_clients`` distinct clients (and ``T > 0``).
    Works element-wise on arrays of any shape.
    """
    net, total = (np.asarray(x, dtype=np.float64) for x in (net, total))
    defined = (np.asarray(clients) >= rules.windows.min_clients) & (total > 0)
    if contracts is not None:  # None: implied by the client minimum (see _chunk_sums)
        defined &= np.asarray(contracts) >= rules.windows.min_contracts
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.clip(100 * net / total, 0, 100)
    return np.where(defined, score, np.nan)


def combine_scores(scores: Mapping[str, Any], rules: Rules) -> tuple[np.ndarray, np.ndarray]:
    """Trending and the JSS from the window scores (NaN = undefined).

    Trending is the mean of ``rules.windows.trending`` (6m and 3m) when all are
    defined. The JSS is the largest defined candidate (24m, 12m, 6m, Trending),
    rounded half up; NaN when the required window (24m) is undefined. Example
    (Upwork's): 24m 92, 12m 88, 6m 94, 3m 98 -> Trending 96 -> JSS 96.
    """
    win = rules.windows
    parts = [np.asarray(scores[name], dtype=np.float64) for name in win.trending]
    trending = functools.reduce(np.add, parts) / len(parts)
    values = {**{k: np.asarray(v, dtype=np.float64) for k, v in scores.items()}}
    values["trending"] = trending
    best = functools.reduce(np.fmax, [values[name] for name in win.candidates])
    required = np.asarray(scores[win.required], dtype=np.float64)
    jss = np.where(np.isnan(required), np.nan, round_half_up(best))
    return trending, jss


# ---------------------------------------------------------------------------
# the grid
# ---------------------------------------------------------------------------


#: The contract columns the JSS depends on.
_NEEDED = (
    "freelancer_id",
    "client_id",
    "start_date",
    "end_date",
    "earnings_usd",
    "public_rating",
    "private_score",
    "disputed",
    "client_flagged",
)


@dataclass(frozen=True)
class _Prepared:
    """Contracts grouped by freelancer (sorted ids), the evaluation grid and the
    output layout (freelancer i has rows ``out_off[i]:out_off[i+1]``, the dates
    from grid index ``j_first[i]``).

    Only the grouping is computed up front; each chunk's arrays are extracted when
    the chunk is processed, so memory stays near the size of the input.
    """

    ids: pa.Array  # sorted unique freelancer ids
    bounds: np.ndarray  # rows of freelancer i: order[bounds[i]:bounds[i+1]]
    order: np.ndarray | None  # row positions sorted by freelancer; None = already sorted
    table: pd.DataFrame  # the needed contract columns
    days: np.ndarray  # evaluation grid, day numbers
    j_first: np.ndarray  # per freelancer: grid index of the first date on or after its start
    out_off: np.ndarray  # per freelancer + 1: first output row
    #: `_contract_columns` of the whole `table` when the caller has them already
    #: (rows in table order; only with ``order`` None)
    columns: dict[str, np.ndarray] | None = None

    @functools.cached_property
    def raw(self) -> dict[str, Any]:
        """The kernel's inputs from `table`, once (`_raw_columns`)."""
        return _raw_columns(self.table)


def _raw_columns(table: pd.DataFrame) -> dict[str, Any]:
    """The contract columns as flat numpy arrays, without copies where the dtypes
    allow (dates as int64 seconds, NaT the smallest int64; ratings as float, NaN
    = empty), and the client ids' Arrow buffers (None: not plain strings)."""

    def seconds(col: str) -> np.ndarray:
        return np.asarray(table[col]).astype(_SECONDS, copy=False).view(np.int64)

    def floats(col: str) -> np.ndarray:
        return table[col].to_numpy(dtype=np.float64, na_value=np.nan)

    client = table["client_id"]
    return {
        "start_s": seconds("start_date"),
        "end_s": seconds("end_date"),
        "earnings": table["earnings_usd"].to_numpy(dtype=np.float64),
        "public": floats("public_rating"),
        "private": floats("private_score"),
        "disputed": table["disputed"].to_numpy(dtype=bool),
        "flagged": table["client_flagged"].to_numpy(dtype=bool),
        "client": _string_buffers(pa.array(client.array) if len(client) else None),
    }


def _prepare(
    history: History,
    rules: Rules,
    start: Any,
    end: Any,
    as_of: Any,
    freelancers: Iterable[str] | None,
    backend: str = "auto",
) -> _Prepared:
    """The grid's inputs, grouped by freelancer. With the kernels' `backend` (as
    `resolve_backend` reads it) ids already in sorted order are grouped by a
    kernel; the numpy path factorizes them and never imports numba."""
    contracts = history.contracts
    compiled = resolve_backend(backend, len(contracts)) == "numba"
    if freelancers is not None:
        wanted = pd.Index(list(freelancers), dtype="str")
        contracts = contracts[contracts["freelancer_id"].isin(wanted)]
    table = contracts[list(_NEEDED)]
    grouped = _sorted_groups(table["freelancer_id"]) if compiled else None
    if grouped is not None:  # already sorted by id (the usual file): no factorize
        id_array, bounds = grouped
        order = None
    else:
        codes, ids = pd.factorize(table["freelancer_id"], sort=True)
        if len(codes) and bool((codes[1:] >= codes[:-1]).all()):
            order, sorted_codes = None, codes
        else:
            order = np.argsort(codes, kind="stable")
            sorted_codes = codes[order]
        bounds = np.searchsorted(sorted_codes, np.arange(len(ids) + 1), side="left")
        id_array = pa.array(np.asarray(ids, dtype=object), type=pa.large_string())
        del codes, sorted_codes

    if end is not None:
        last = _as_day_number(end)
    elif as_of is not None:
        last = _as_day_number(as_of)
    elif len(history.contracts):
        last = _as_day_number(history.as_of)
    else:
        last = 0
    if start is not None:
        first = _as_day_number(start)
    elif len(table):
        first = _as_day_number(table["start_date"].min())
    else:
        first = last + 1
    days = _grid_days(first, last, rules)

    # each freelancer's rows: the dates on or after their first contract's start
    start_days = _days(table["start_date"])
    if order is not None:
        start_days = start_days[order]
    first_start = (
        np.minimum.reduceat(start_days, bounds[:-1]) if len(id_array) else np.zeros(0, np.int64)
    )
    del start_days
    t0 = int(days[0]) if len(days) else 0
    j_first = np.clip(-((t0 - first_start) // rules.calendar.jss_every_days), 0, len(days))
    out_off = np.concatenate([[0], np.cumsum(len(days) - j_first)])
    return _Prepared(
        ids=id_array,
        bounds=bounds,
        order=order,
        table=table,
        days=days,
        j_first=j_first,
        out_off=out_off,
    )


def _sorted_groups(ids: pd.Series) -> tuple[pa.Array, np.ndarray] | None:
    """The distinct ids (large_string) and each one's first row, plus the row
    count, when `ids` are plain strings already in sorted order; else None.

    The same ids and bounds as sorting ``pd.factorize`` would give: byte order
    of UTF-8 is the order of the code points (`kernels.sorted_starts`).
    """
    if len(ids) == 0:
        return None
    arr = pa.array(ids.array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    buffers = _string_buffers(arr)
    if buffers is None:
        return None
    from analysis.engine.kernels import sorted_starts

    ok, starts = sorted_starts(*buffers)
    if not ok:
        return None
    unique = arr.take(pa.array(starts)).cast(pa.large_string())
    return unique, np.append(starts, len(ids))


def _chunk_inputs(
    prep: _Prepared, f0: int, f1: int, rules: Rules, clients: bool = True
) -> dict[str, Any]:
    """Per-contract arrays of freelancers f0..f1-1 (``row`` numbers them from 0).

    ``client`` holds integer client codes; without `clients` the raw
    ``client_id`` column is passed instead (the kernel codes it itself).
    """
    r0, r1 = int(prep.bounds[f0]), int(prep.bounds[f1])
    rows = slice(r0, r1) if prep.order is None else prep.order[r0:r1]
    part = prep.table.iloc[rows]
    if prep.columns is not None and prep.order is None:
        cols = {k: v[rows] for k, v in prep.columns.items()}
    else:
        cols = _contract_columns(part, rules)
    if clients:
        cols["client"] = pd.factorize(part["client_id"])[0]
        cols["row"] = np.repeat(np.arange(f1 - f0), np.diff(prep.bounds[f0 : f1 + 1]))
    else:
        cols["client_id"] = part["client_id"]
    return cols


def _client_buffers(client_id: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """The client ids' Arrow offsets (int64) and bytes, for `kernels.client_codes`;
    None when they are not a plain Arrow string array without nulls."""
    return _string_buffers(pa.array(client_id.array) if len(client_id) else None)


def _string_buffers(arr: pa.Array | pa.ChunkedArray | None) -> tuple[np.ndarray, np.ndarray] | None:
    """An Arrow string array's offsets (int64) and bytes; None when it is not a
    plain (large) string array without nulls."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if (
        arr is None
        or arr.null_count
        or not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type))
    ):
        return None
    wide = pa.types.is_large_string(arr.type)
    _, off_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(off_buf, np.int64 if wide else np.int32)
    offsets = offsets[arr.offset : arr.offset + len(arr) + 1].astype(np.int64)
    data = np.frombuffer(data_buf, np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    return offsets, data


def contract_columns(contracts: pd.DataFrame, rules: Rules) -> dict[str, np.ndarray]:
    """Per contract (same row order): ``start``, ``end`` (day numbers, `OPEN_END`
    while open), the outcome ``code``, the earnings ``tier`` and ``open_ok``; pass
    them to `jss_matrix` to have them computed once."""
    return _contract_columns(contracts, rules)


def outcome_codes(contracts: pd.DataFrame, rules: Rules) -> np.ndarray:
    """Each contract's outcome once ended as an int8 code (`POSITIVE`, `NEGATIVE`,
    `NEUTRAL`, `EXCLUDED`): `contract_outcomes`' ``outcome`` without building a frame."""
    return _contract_columns(contracts, rules)["code"]


def jss_matrix(
    contracts: pd.DataFrame,
    bounds: np.ndarray,
    rules: Rules,
    first_day: int,
    last_day: int,
    backend: str = "auto",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    columns: dict[str, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The JSS as a dense ``(freelancers, dates)`` float array (NaN = no JSS).

    For callers that already hold the contracts grouped by freelancer (the status
    engine): freelancer ``f`` has rows ``bounds[f]:bounds[f+1]`` of `contracts`.
    Returns the JSS evaluation days in ``[first_day, last_day]`` (day numbers)
    and the ``jss`` column of `jss_grid` laid out on them: the same chunks and
    kernels, without building (and then unpicking) the grid's frame. Dates
    before a freelancer's first start are NaN, as they have no grid row.
    `columns`, when given, are ``_contract_columns(contracts, rules)`` (the
    caller needs them too), so they are not computed again.
    """
    compute = CHUNK_COLUMNS[resolve_backend(backend, len(contracts))]
    table = contracts[list(_NEEDED)]
    bounds = np.asarray(bounds, dtype=np.int64)
    n = len(bounds) - 1
    days = _grid_days(int(first_day), int(last_day), rules)
    dense = np.full((n, len(days)), np.nan)
    if n == 0 or len(days) == 0 or len(table) == 0:
        return days, dense
    start_days = _days(table["start_date"]) if columns is None else columns["start"]
    empty = bounds[1:] == bounds[:-1]
    first_start = np.minimum.reduceat(np.append(start_days, _OPEN_END), bounds[:-1])
    first_start = np.where(empty, _OPEN_END, first_start)
    t0 = int(days[0])
    step = rules.calendar.jss_every_days
    j_first = np.clip(-((t0 - first_start) // step), 0, len(days))
    prep = _Prepared(
        ids=pa.nulls(n, pa.large_string()),
        bounds=bounds,
        order=None,
        table=table,
        days=days,
        j_first=j_first,
        out_off=np.concatenate([[0], np.cumsum(len(days) - j_first)]),
        columns=columns,
    )
    for f0, f1 in _chunks(prep, chunk_size):
        out = _new_columns(rules, int(prep.out_off[f1] - prep.out_off[f0]))
        compute(prep, rules, f0, f1, out)
        jss = np.where(out["jss_na"], np.nan, out["jss"])
        dense[out["freelancer"], (out["eval_s"] // _DAY_S - t0) // step] = jss
    return days, dense


def _score_columns(rules: Rules) -> list[str]:
    return [f"score_{name}" for name in rules.windows.days] + ["score_trending"]


def grid_columns(rules: Rules) -> list[str]:
    """The columns of `jss_grid`, in order (window names come from the rules)."""
    req = rules.windows.required
    return [
        "freelancer_id",
        "eval_date",
        "jss",
        *_score_columns(rules),
        f"counted_{req}",
        f"clients_{req}",
    ]


def _new_columns(rules: Rules, n: int) -> dict[str, np.ndarray]:
    """Uninitialised output arrays for `n` rows (``freelancer`` = index into ids,
    ``eval_s`` = the date in seconds, ``jss`` with its NA mask ``jss_na``);
    ``scores`` holds the score columns as its rows (slice rows with ``[..., a:b]``)."""
    req = rules.windows.required
    out = {"freelancer": np.empty(n, np.int32), "eval_s": np.empty(n, np.int64)}
    # the JSS as the nullable Int64 column holds it: values (0 where none) and a mask
    out["jss"] = np.empty(n, np.int64)
    out["jss_na"] = np.empty(n, bool)
    # the score columns are the rows of one array, which the kernel fills in place
    names = _score_columns(rules)
    out["scores"] = np.empty((len(names), n))
    for i, col in enumerate(names):
        out[col] = out["scores"][i]
    out[f"counted_{req}"] = np.empty(n, np.int64)
    out[f"clients_{req}"] = np.empty(n, np.int64)
    return out


def _chunk_columns(
    prep: _Prepared, rules: Rules, f0: int, f1: int, out: dict[str, np.ndarray]
) -> None:
    """Compute freelancers f0..f1-1 and write their rows into the `out` arrays.

    `out` holds exactly their rows (``prep.out_off[f0]:prep.out_off[f1]``).
    """
    days = prep.days
    req = rules.windows.required
    cols = _chunk_inputs(prep, f0, f1, rules)
    cells, sums = _chunk_sums(cols, days, prep.j_first[f0:f1], rules, all_counts=False)
    keep = cells.keep
    scores = {
        name: window_score(s.net, s.total, s.contracts, s.clients, rules)
        for name, s in sums.items()
    }
    trending, jss = combine_scores(scores, rules)
    out["freelancer"][:] = np.repeat(np.arange(f0, f1, dtype=np.int32), cells.n_cells)
    out["eval_s"][:] = days[cells.j[keep]] * _DAY_S
    jss = jss[keep]
    missing = np.isnan(jss)
    out["jss_na"][:] = missing
    out["jss"][:] = np.where(missing, 0, jss).astype(np.int64)
    for name, score in scores.items():
        np.compress(keep, score, out=out[f"score_{name}"])
    np.compress(keep, trending, out=out["score_trending"])
    out[f"counted_{req}"][:] = sums[req].contracts[keep]
    out[f"clients_{req}"][:] = sums[req].clients[keep]


#: The raw columns `kernels.contract_inputs` reads, in its order.
_RAW_INPUTS = ("start_s", "end_s", "earnings", "public", "private", "disputed", "flagged")


def _kernel_columns(
    prep: _Prepared, rules: Rules, f0: int, f1: int, out: dict[str, np.ndarray]
) -> None:
    """`_chunk_columns` by the compiled kernel (`analysis.engine.kernels.jss_chunk`).

    Same inputs (`_contract_columns`, computed from the raw columns by
    `kernels.contract_inputs` unless the caller gave them), same outputs bit for
    bit: the kernel sums the same integer weight units and scores them with the
    same float operations. The chunk is cut into parts computed on
    `kernels.threads` threads, each preparing its contracts and writing its own
    freelancers' rows.
    """
    from analysis.engine.kernels import client_codes_into, contract_inputs, in_parts, jss_chunk

    bounds = (prep.bounds[f0 : f1 + 1] - prep.bounds[f0]).astype(np.int64)
    w, win = rules.weight, rules.windows
    unit = _weight_unit(rules)
    tiers = np.round(np.asarray(w.tier_weights, dtype=np.float64) * unit).astype(np.int64)
    names = list(win.days)
    slot = {name: i for i, name in enumerate(names)}
    slot["trending"] = len(names)
    days = prep.days
    n = int(bounds[-1])
    r0, r1 = int(prep.bounds[f0]), int(prep.bounds[f1])
    if prep.columns is not None:
        # the caller's `_contract_columns` (the status engine)
        cols = _chunk_inputs(prep, f0, f1, rules, clients=False)
        start = np.asarray(cols["start"], np.int64)
        end = np.asarray(cols["end"], np.int64)
        code, tier_units, open_ok = cols["code"], tiers[cols["tier"]], cols["open_ok"]
        raw = None
        buffers = _client_buffers(cols["client_id"])
        client_id = cols["client_id"]
    else:
        # the same columns by `kernels.contract_inputs`, each part on its thread
        rows = slice(r0, r1) if prep.order is None else prep.order[r0:r1]
        raw = {k: v[rows] for k, v in prep.raw.items() if k != "client"}
        start, end = np.empty(n, np.int64), np.empty(n, np.int64)
        code, tier_units, open_ok = np.empty(n, np.int8), np.empty(n, np.int64), np.empty(n, bool)
        if prep.order is None and prep.raw["client"] is not None:
            offsets, data = prep.raw["client"]
            buffers = offsets[r0 : r1 + 1], data
            client_id = None
        else:
            client_id = prep.table["client_id"].iloc[rows]
            buffers = _client_buffers(client_id)
    # client codes: computed by each part for its freelancers (on its thread)
    if buffers is None:
        client = pd.factorize(client_id)[0].astype(np.int64)
    else:
        client = np.empty(n, np.int64)
    o = rules.outcome
    tier_upper = np.asarray(w.tier_upper_usd, dtype=np.float64)
    j_first = prep.j_first[f0:f1].astype(np.int64)
    out_off = prep.out_off[f0 : f1 + 1] - prep.out_off[f0]
    window_days = np.asarray([win.days[name] for name in names], dtype=np.int64)
    trending = np.asarray([slot[name] for name in win.trending], dtype=np.int64)
    candidates = np.asarray([slot[name] for name in win.candidates], dtype=np.int64)
    req = win.required

    def part(a: int, b: int) -> None:
        r0, r1 = int(out_off[a]), int(out_off[b])
        if raw is not None:
            c0, c1 = int(bounds[a]), int(bounds[b])
            contract_inputs(
                *(raw[k][c0:c1] for k in _RAW_INPUTS),
                o.positive_public_at_least,
                o.positive_private_at_least,
                o.negative_public_below,
                o.negative_private_at_most,
                o.exclude_zero_earnings,
                o.exclude_no_feedback,
                tier_upper,
                tiers,
                _OPEN_END,
                start[c0:c1],
                end[c0:c1],
                code[c0:c1],
                tier_units[c0:c1],
                open_ok[c0:c1],
            )
        if buffers is not None:
            client_codes_into(bounds[a : b + 1], *buffers, client)
        jss_chunk(
            bounds[a : b + 1],
            start,
            end,
            code,
            tier_units,
            open_ok,
            client,
            j_first[a:b],
            int(days[0]),
            int(days[1] - days[0]) if len(days) > 1 else 1,
            len(days),
            _OPEN_END,
            window_days,
            round(w.cap * unit),
            w.length_step_days,
            rules.open_positive_after_days,
            unit,
            win.min_contracts,
            win.min_clients,
            trending,
            candidates,
            slot[req],
            out["freelancer"][r0:r1],
            out["eval_s"][r0:r1],
            out["scores"][:, r0:r1],
            out["jss"][r0:r1],
            out["jss_na"][r0:r1],
            out[f"counted_{req}"][r0:r1],
            out[f"clients_{req}"][r0:r1],
            f0 + a,
        )

    in_parts(bounds, part)


#: The ways to compute a chunk: the compiled kernel and the numpy reference.
CHUNK_COLUMNS = {"numba": _kernel_columns, "numpy": _chunk_columns}


def _backend(name: str, history: History) -> str:
    """The backend that computes `history`'s grid (`analysis.engine.backend`)."""
    return resolve_backend(name, len(history.contracts))


def _chunks(prep: _Prepared, chunk_size: int) -> Iterator[tuple[int, int]]:
    """Ranges of freelancers with at least one row, `chunk_size` at a time."""
    n_ids = len(prep.ids)
    if n_ids == 0 or len(prep.days) == 0:
        return
    size = max(int(chunk_size), 1)
    for f0 in range(0, n_ids, size):
        f1 = min(f0 + size, n_ids)
        if prep.out_off[f1] > prep.out_off[f0]:
            yield f0, f1


def _repeat_ids(
    ids: pa.Array, counts: np.ndarray, compiled: bool = True
) -> pd.api.extensions.ExtensionArray:
    """Id ``i`` repeated ``counts[i]`` times, as a pandas "str" array built straight
    into Arrow buffers (`kernels.repeat_strings`) instead of a ``take`` when
    `compiled` (the kernels' backend; the numpy path takes)."""
    buffers = _string_buffers(ids) if compiled else None
    if buffers is None or len(ids) == 0:
        index = np.repeat(np.arange(len(ids), dtype=np.int64), counts)
        return pd.array(ids.take(pa.array(index)), dtype="str")
    from analysis.engine.kernels import repeat_strings

    offsets, data = repeat_strings(*buffers, np.asarray(counts, dtype=np.int64))
    arr = pa.LargeStringArray.from_buffers(
        len(offsets) - 1, pa.py_buffer(offsets), pa.py_buffer(data)
    )
    return pd.array(arr, dtype="str")


def _frame(
    ids: pa.Array,
    counts: np.ndarray,
    arrays: Mapping[str, np.ndarray],
    rules: Rules,
    compiled: bool = True,
) -> pd.DataFrame:
    """The output frame from flat arrays, without copying them: id ``i`` of `ids`
    repeated ``counts[i]`` times (its rows are consecutive) is the id column."""
    data = {
        "freelancer_id": _repeat_ids(ids, counts, compiled),
        "eval_date": arrays["eval_s"].view(_SECONDS),
        "jss": pd.arrays.IntegerArray(arrays["jss"], arrays["jss_na"]),
    }
    for col in grid_columns(rules)[3:]:
        data[col] = arrays[col]
    return pd.DataFrame(data, copy=False)


def iter_jss_grid(
    history: History,
    rules: Rules,
    start: Any = None,
    end: Any = None,
    as_of: Any = None,
    freelancers: Iterable[str] | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    backend: str = "auto",
) -> Iterator[pd.DataFrame]:
    """`jss_grid`, as a stream of frames of up to `chunk_size` freelancers each.

    Concatenated, the frames equal `jss_grid` (same columns, dtypes and order); a
    chunk with no rows is skipped. Memory is bounded by the input plus a few dozen
    arrays of ``chunk_size x dates`` values, so a million freelancers can be
    streamed to disk.
    """
    backend = _backend(backend, history)
    compute, compiled = CHUNK_COLUMNS[backend], backend == "numba"
    prep = _prepare(history, rules, start, end, as_of, freelancers, backend)
    for f0, f1 in _chunks(prep, chunk_size):
        out = _new_columns(rules, int(prep.out_off[f1] - prep.out_off[f0]))
        compute(prep, rules, f0, f1, out)
        counts = np.diff(prep.out_off[f0 : f1 + 1])
        yield _frame(prep.ids[f0:f1], counts, out, rules, compiled)


def jss_grid(
    history: History,
    rules: Rules,
    start: Any = None,
    end: Any = None,
    as_of: Any = None,
    freelancers: Iterable[str] | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    backend: str = "auto",
) -> pd.DataFrame:
    """The JSS and its window scores for every freelancer and JSS evaluation date.

    One row per JSS evaluation date in [`start`, `end`] and per freelancer whose
    first contract started on or before that date, sorted by ``freelancer_id``,
    ``eval_date``. Columns (see `grid_columns`): ``freelancer_id``, ``eval_date``,
    ``jss`` (nullable Int64: NA when the 24m window is undefined), ``score_<window>``
    for each window of the rules and ``score_trending`` (float64, NaN =
    undefined), ``counted_24m`` and ``clients_24m`` (int64: counted contracts,
    open ones included, and their distinct clients in the required window).

    Defaults: `start` is the first evaluation date on or after the earliest
    ``start_date``; `end` is `as_of`, itself defaulting to ``history.as_of``.
    `freelancers` restricts the computation to those ids. `chunk_size`
    freelancers are computed at a time (it bounds the working memory, not the
    result); every chunk writes straight into the result's arrays.
    `backend` ``"numba"`` computes each chunk with the compiled single-pass
    kernel (`analysis.engine.kernels`), ``"numpy"`` with the vectorised
    reference this module describes, ``"auto"`` (default) with the faster of the
    two for the history's size (`analysis.engine.backend`). All give identical
    frames.
    """
    backend = _backend(backend, history)
    compute = CHUNK_COLUMNS[backend]
    prep = _prepare(history, rules, start, end, as_of, freelancers, backend)
    n_rows = int(prep.out_off[-1]) if len(prep.days) else 0
    out = _new_columns(rules, n_rows)
    for f0, f1 in _chunks(prep, chunk_size):
        r0, r1 = prep.out_off[f0], prep.out_off[f1]
        compute(prep, rules, f0, f1, {k: v[..., r0:r1] for k, v in out.items()})
    return _frame(prep.ids, np.diff(prep.out_off), out, rules, backend == "numba")


# ---------------------------------------------------------------------------
# what-if: how far from the threshold
# ---------------------------------------------------------------------------

#: The most extra outcomes `headroom` tries.
HEADROOM_LIMIT = 10_000


def _jss_with_extra(sums: Mapping[str, _Sums], k: np.ndarray, sign: int, rules: Rules):
    """JSS for each k in `k`: k extra outcomes of weight 1, from k new clients, in
    every window (sign +1: positive, -1: negative)."""
    scores = {
        name: window_score(
            s.net[0] + sign * k * s.unit,
            s.total[0] + k * s.unit,
            s.contracts[0] + k,
            s.clients[0] + k,
            rules,
        )
        for name, s in sums.items()
    }
    return combine_scores(scores, rules)[1]


def headroom(history: History, freelancer_id: str, at: Any, rules: Rules) -> dict[str, Any]:
    """How many outcomes stand between a freelancer and the JSS threshold at `at`.

    Evaluated on the latest JSS evaluation date ``eval_date`` on or before `at`.
    The hypothetical outcomes have weight 1, come from a new client each and end
    on ``eval_date``, so they are in every window; they can make an undefined
    window defined (the 2-contracts-2-clients minimum), which is why the JSS is
    recomputed from the window sums for each k rather than by a formula.

    Returns a dict: ``freelancer_id``, ``at``, ``eval_date``, ``jss`` (int or
    None), ``score_<window>`` and ``score_trending`` (float or None),
    ``jss_min``, ``negatives_to_drop_below`` (fewest extra negatives that take
    the JSS below ``rules.badges.jss_min``; 0 when already below; None without a
    JSS, or when no number can, e.g. ``jss_min <= 0``; every k is tried up to the
    point where all scores are 0, since a negative that makes a window defined
    can raise the JSS) and ``positives_to_reach`` (fewest extra positives that bring the JSS
    to ``jss_min``; 0 when already there, None when more than `HEADROOM_LIMIT`
    would be needed; also given when there is no JSS yet).
    """
    if not (history.contracts["freelancer_id"] == freelancer_id).any():
        raise ValueError(f"freelancer {freelancer_id!r} has no contracts in {history.source}")
    t = _latest_jss_date(at, rules)
    eval_date = pd.Timestamp(t * _DAY_S, unit="s")
    prep = _prepare(history, rules, eval_date, eval_date, None, [freelancer_id], "numpy")
    cols = _chunk_inputs(prep, 0, 1, rules)
    # one cell (the evaluation date) even if the first contract starts later
    _, sums = _chunk_sums(cols, prep.days, np.zeros(1, dtype=np.int64), rules)
    jss_now = _jss_with_extra(sums, np.zeros(1), 1, rules)[0]
    scores = {
        name: float(window_score(s.net[0], s.total[0], s.contracts[0], s.clients[0], rules))
        for name, s in sums.items()
    }
    trending, _ = combine_scores(scores, rules)
    target = rules.badges.jss_min

    negatives = None
    if not np.isnan(jss_now) and jss_now < target:
        negatives = 0
    elif not np.isnan(jss_now):
        # JSS(k) is not monotone in k (a negative can make a window defined), so
        # scan every k up to the point where each window's P - N - k < 0, i.e.
        # every score is 0: beyond it nothing changes.
        k_max = int(max(np.ceil(s.net[0] / s.unit) for s in sums.values())) + 1
        k = np.arange(1, max(k_max, 1) + 1, dtype=np.float64)
        below = np.flatnonzero(_jss_with_extra(sums, k, -1, rules) < target)
        negatives = int(k[below[0]]) if len(below) else None

    # positives only raise each window's score and only add defined candidates,
    # so JSS(k) is non-decreasing: the first k that reaches the target is the answer
    k = np.arange(0, HEADROOM_LIMIT + 1, dtype=np.float64)
    reached = np.flatnonzero(_jss_with_extra(sums, k, 1, rules) >= target)
    positives = int(k[reached[0]]) if len(reached) else None

    def _opt(x: float) -> float | None:
        return None if np.isnan(x) else float(x)

    return {
        "freelancer_id": freelancer_id,
        "at": to_day(at),
        "eval_date": eval_date,
        "jss": None if np.isnan(jss_now) else int(jss_now),
        **{f"score_{name}": _opt(v) for name, v in scores.items()},
        "score_trending": _opt(float(trending)),
        "jss_min": target,
        "negatives_to_drop_below": negatives,
        "positives_to_reach": positives,
    }
