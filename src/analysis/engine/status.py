"""Weekly badge status (Rising Talent, Top Rated, Top Rated Plus), exact and vectorised.

Contract: ``../shared/spec/rules-upwork-2025.md``, "Calendar", "Money over time",
"Badge criteria on a Sunday" and the ``seed-article`` rule set. Every threshold,
window and calendar step comes from the `Rules` object (`analysis.engine.ruleset`).

How it works. Freelancers are numbered by their position in the sorted id index
and processed in blocks (`iter_status_grid`); within a block every criterion is a
dense ``(freelancers, Sundays)`` array. Most criteria are "some event happened in
``(s - L, s]``", i.e. each event covers a *spell* of Sundays ``lo <= s <= hi``; the
spells are turned into counts with one difference array (``bincount``) and a
cumulative sum along the Sunday axis. Earnings come from `analysis.engine.money`. The
Sundays are extended ``good_weeks_window - 1`` steps before ``start`` so the
good-week count of the first output Sunday is exact. Nothing loops per freelancer
or per date in Python.

Backends: with ``backend="numba"`` the JSS grid, the earnings
(`analysis.engine.money.cumulative_earnings`) and the spell counts run as
compiled single-pass kernels (`analysis.engine.kernels`); ``backend="numpy"``
runs the vectorised reference described here. Both give identical frames
(`tests/test_kernels.py`). The default, ``"auto"``, takes the kernels for large
histories and numpy for small ones (`analysis.engine.backend`).

Reading of the spec where it leaves a choice (all documented in the columns):

- Money is compared with a tolerance of `MONEY_TOLERANCE_USD` (a millionth of a
  dollar): ``earnings_ok`` is ``earnings >= min - tol`` and the Top Rated Plus
  test ``earnings > above + tol``, so an amount that is exactly on a threshold is
  treated as exactly on it whatever the rounding of the spread arithmetic.
- "Earnings were made" (activity) and "a contract that earned money" (Top Rated
  Plus) mean: a payment with ``amount_usd > 0`` in the period (with payments), or
  a contract with ``earnings_usd > 0`` whose days overlap the period (spread).
- A hold runs from ``hold_start`` to the first ``hold_end`` of the same freelancer
  on or after it (both days included); a ``hold_end`` with no open hold is ignored.
- ``profile_ok`` is true when the freelancers table or its ``profile_complete``
  column is absent, or the freelancer is not listed.
- Seed-article mean ratings are compared exactly, on ratings rounded to 1e-6 stars.

Output columns (`COLUMNS`): ``jss`` (Int64, NA = no JSS), ``earnings_12m_usd``
(float64, earnings in ``(s - earnings_window_days, s]``), ``good_weeks_16`` (Int64)
and the six criteria as nullable ``boolean``. For the ``seed-article`` model the
columns that rule set does not use are NA: ``earnings_ok``, ``tenure_ok``,
``profile_ok``, ``active_ok`` and ``good_weeks_16``; ``jss``, ``jss_ok`` and
``standing_ok`` are filled, and ``earnings_12m_usd`` uses the rule set's
``earnings_window_days`` if it has one, else its feedback window (365 days).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.engine.backend import resolve_backend
from analysis.engine.money import (
    NO_DAY,
    cumulative_earnings,
    day_numbers,
    day_of,
    earning_spells,
    flows_from_tables,
    positions_in,
)
from analysis.engine.ruleset import Rules, load_rules
from analysis.io.history import History

STATUSES = ("none", "rising_talent", "top_rated", "top_rated_plus")
#: The statuses that carry the Top Rated badge (the one definition; import it).
TOP_RATED_STATUSES = ("top_rated", "top_rated_plus")
STATUS_DTYPE = pd.CategoricalDtype(list(STATUSES), ordered=True)
COLUMNS = (
    "freelancer_id",
    "week",
    "status",
    "jss",
    "earnings_12m_usd",
    "good_weeks_16",
    "jss_ok",
    "earnings_ok",
    "tenure_ok",
    "profile_ok",
    "standing_ok",
    "active_ok",
)
EVENT_COLUMNS = ("freelancer_id", "week", "from_status", "to_status", "reasons")
#: Order of the reasons listed for a downgrade (`status_events`).
REASONS = (
    "jss",
    "earnings",
    "tenure",
    "profile",
    "standing",
    "active",
    "good_weeks",
    "earnings_plus",
    "large_contract",
    "negative_outcome",
    "jobs_or_feedback",
)
#: Money within this many dollars of a threshold counts as on it.
MONEY_TOLERANCE_USD = 1e-6
#: Seed-article ratings are summed as integers of this many units per star.
RATING_UNITS = 1_000_000
#: Default freelancers per block: keeps a block's arrays to a few hundred MB.
CHUNK_SIZE = 10_000

_NEVER = np.iinfo(np.int32).max  # a day number after every date ("no end")
_NONE, _RISING, _TOP, _PLUS = range(4)


# ---------------------------------------------------------------------------
# calendar
# ---------------------------------------------------------------------------


def _rules(rules: Rules | str | Path | None) -> Rules:
    return rules if isinstance(rules, Rules) else load_rules(rules)


def _aligned(day: int, anchor: int, step: int, up: bool) -> int:
    """The calendar date (anchor + k*step) on or after (`up`) / on or before `day`."""
    k = -((anchor - day) // step) if up else (day - anchor) // step
    return anchor + k * step


def badge_dates(
    start: object, end: object, rules: Rules | str | Path | None = None
) -> pd.DatetimeIndex:
    """Badge evaluation Sundays in ``[start, end]``: every ``calendar.badge_every_days``
    days, aligned to ``calendar.jss_anchor`` (``datetime64[s]``, named ``week``)."""
    rules = _rules(rules)
    days = _badge_days(day_of(start), day_of(end), rules)
    return pd.DatetimeIndex(_to_datetime(days), name="week")


def _badge_days(start: int, end: int, rules: Rules) -> np.ndarray:
    anchor = day_of(rules.calendar.jss_anchor)
    step = rules.calendar.badge_every_days
    first = _aligned(start, anchor, step, up=True)
    return np.arange(first, end + 1, step, dtype=np.int64)


def _to_datetime(days: np.ndarray) -> np.ndarray:
    return np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[s]")


# ---------------------------------------------------------------------------
# spells: "an event covers the Sundays lo <= s <= hi"
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Spells:
    """Spells of Sundays ``lo <= s <= hi`` per freelancer row ``code`` (optional weight)."""

    code: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    weight: np.ndarray | None = None

    @classmethod
    def make(cls, code, lo, hi, weight=None) -> _Spells:
        return cls(
            np.asarray(code, dtype=np.int64),
            np.asarray(lo, dtype=np.int64),
            np.asarray(hi, dtype=np.int64),
            None if weight is None else np.asarray(weight, dtype=np.float64),
        )

    def counts(self, n: int, weeks: np.ndarray, backend: str = "numba") -> np.ndarray:
        """``(n, len(weeks))``: number (or summed weight) of spells covering each Sunday.

        ``backend="numba"`` runs `analysis.engine.kernels.spell_counts` (one pass
        over the spells, one over the cells); ``"numpy"`` the difference array
        below. Counts are int64 either way, weighted sums float64 (exact: every
        weight used is an integer number of units).
        """
        if backend == "numba":
            from analysis.engine.kernels import spell_counts

            weight = np.zeros(0) if self.weight is None else self.weight
            out = spell_counts(
                self.code, self.lo, self.hi, weight, n, np.ascontiguousarray(weeks, np.int64)
            )
            return out if self.weight is not None else out.astype(np.int64)
        width = len(weeks) + 1
        i0 = np.searchsorted(weeks, self.lo, side="left")
        i1 = np.searchsorted(weeks, self.hi, side="right")
        k = (i0 < i1) & (self.code >= 0)
        row = self.code[k] * width
        w = None if self.weight is None else self.weight[k]
        size = n * width
        diff = np.bincount(row + i0[k], w, minlength=size) - np.bincount(
            row + i1[k], w, minlength=size
        )
        return np.cumsum(diff.reshape(n, width)[:, :-1], axis=1)

    def any(self, n: int, weeks: np.ndarray, backend: str = "numba") -> np.ndarray:
        """``(n, len(weeks))`` booleans: some spell covers the Sunday."""
        if backend == "numba":
            from analysis.engine.kernels import spell_any

            weeks = np.ascontiguousarray(weeks, np.int64)
            return spell_any(self.code, self.lo, self.hi, n, weeks)
        return self.counts(n, weeks, backend) > 0


# ---------------------------------------------------------------------------
# blocks of freelancers
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    """What the whole call shares: the freelancers and, per table, rows by freelancer."""

    rules: Rules
    ids: pd.Index
    as_of: int
    weeks: np.ndarray
    rows: dict[str, tuple[np.ndarray, np.ndarray]]  # table -> (sorted codes, row positions)
    tables: dict[str, pd.DataFrame]
    backend: str = "numba"  # the kernels (numba) or the numpy reference


def _plan(
    history: History, rules: Rules, as_of: int, weeks: np.ndarray, jss, backend: str
) -> _Plan:
    ids = history.freelancer_ids
    tables = dict(history.tables())
    if jss is not None:
        tables["jss"] = jss
    rows = {}
    for name, table in tables.items():
        if "freelancer_id" not in table:
            continue
        code = positions_in(table["freelancer_id"], ids).astype(np.int32)
        order = np.argsort(code, kind="stable").astype(np.int32 if len(code) < 2**31 else np.int64)
        rows[name] = (code[order], order)  # int32: 8 bytes a row for a million freelancers
    return _Plan(rules, ids, as_of, weeks, rows, tables, backend)


@dataclass(frozen=True)
class _Block:
    """The tables of freelancers ``a <= code < b``, each with its rows' codes (0-based)."""

    a: int
    b: int
    tables: dict[str, pd.DataFrame]
    codes: dict[str, np.ndarray]

    @property
    def n(self) -> int:
        return self.b - self.a

    def history(self) -> History:
        parts = {k: v for k, v in self.tables.items() if k != "jss"}
        return History(**parts, source="<block>")


def _ascending(rows: np.ndarray) -> bool:
    """Whether `rows` (distinct positions) are strictly increasing."""
    return bool(np.all(rows[1:] > rows[:-1]))


def _take_block(plan: _Plan, a: int, b: int) -> _Block:
    tables, codes = {}, {}
    for name, table in plan.tables.items():
        if name not in plan.rows:  # a table without freelancer_id is shared as is
            tables[name] = table
            codes[name] = np.zeros(len(table), dtype=np.int64)
            continue
        sorted_codes, order = plan.rows[name]
        i, j = np.searchsorted(sorted_codes, [a, b])
        rows = order[i:j]
        if len(rows) and rows[-1] - rows[0] == len(rows) - 1 and _ascending(rows):
            # the table is already grouped by freelancer here: a slice, no copy
            tables[name] = table.iloc[int(rows[0]) : int(rows[-1]) + 1].reset_index(drop=True)
        else:
            tables[name] = table.take(rows).reset_index(drop=True)
        codes[name] = sorted_codes[i:j].astype(np.int64) - a
    return _Block(a, b, tables, codes)


def _jss_on(block: _Block, plan: _Plan, weeks: np.ndarray) -> np.ndarray:
    """JSS (float, NaN = none) of the latest JSS date on or before each Sunday."""
    rules = plan.rules
    anchor = day_of(rules.calendar.jss_anchor)
    every = rules.calendar.jss_every_days
    k = (weeks - anchor) // every
    k0 = int(k[0])
    width = int(k[-1]) - k0 + 1
    if "jss" in block.tables:
        grid, code = block.tables["jss"], block.codes["jss"]
    else:
        from analysis.engine.jss import jss_grid

        grid = jss_grid(
            block.history(),
            rules,
            start=_to_datetime(np.array([anchor + k0 * every]))[0],
            end=_to_datetime(weeks[-1:])[0],
            as_of=_to_datetime(np.array([plan.as_of]))[0],
            backend=plan.backend,
        )
        code = positions_in(grid["freelancer_id"], plan.ids[block.a : block.b])
    day = day_numbers(grid["eval_date"])
    value = grid["jss"].astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
    kk = (day - anchor) // every - k0
    ok = (code >= 0) & ((day - anchor) % every == 0) & (kk >= 0) & (kk < width)
    dense = np.full((block.n, width), np.nan)
    dense[code[ok], kk[ok]] = value[ok]
    return dense[:, k - k0]


def _standing_spells(block: _Block, rules: Rules) -> tuple[_Spells, _Spells]:
    """Sundays under a hold (overlapping (s - 90, s]) and near a ToS violation."""
    badges = rules.badges
    ev = block.tables.get("account_events")
    if ev is None or len(ev) == 0:
        empty = _Spells.make([], [], [])
        return empty, empty
    code = block.codes["account_events"]
    day = day_numbers(ev["event_date"])
    kind = ev["event"]
    starts, ends, viol = (
        (kind == k).to_numpy(dtype=bool) for k in ("hold_start", "hold_end", "tos_violation")
    )
    # the first hold_end on or after each hold_start, same freelancer: key = (code, day)
    rel = day - day.min()  # >= 0, so (code, day) packs into one sortable int64
    end_key = np.sort(code[ends] * (1 << 32) + rel[ends])
    start_key = code[starts] * (1 << 32) + rel[starts]
    pos = np.searchsorted(end_key, start_key, side="left")
    nxt = np.append(end_key, -1)[pos]
    found = (nxt >= 0) & ((nxt >> 32) == code[starts])
    hold_end = (nxt & ((1 << 32) - 1)) + day.min()
    hold_hi = np.where(found, hold_end + badges.hold_lookback_days - 1, _NEVER)
    hold = _Spells.make(code[starts], day[starts], hold_hi)
    tos = _Spells.make(code[viol], day[viol], day[viol] + badges.tos_lookback_days - 1)
    return hold, tos


def _frame(
    block: _Block,
    plan: _Plan,
    present: np.ndarray,
    status: np.ndarray,
    jss: np.ndarray,
    earn: np.ndarray,
    good_weeks: np.ndarray | None,
    flags: dict[str, np.ndarray | None],
) -> pd.DataFrame:
    """The output rows (``present`` cells), columns `COLUMNS`; arrays are (n, weeks)."""
    # cells in row-major order: one flat mask selects from every (n, weeks) array
    flat = np.ascontiguousarray(present).reshape(-1)
    size = int(np.count_nonzero(flat))
    row = np.repeat(np.arange(present.shape[0]), np.count_nonzero(present, axis=1))
    col = np.flatnonzero(flat) % present.shape[1]
    no = np.zeros(size, dtype=bool)
    yes = np.ones(size, dtype=bool)

    def pick(x: np.ndarray) -> np.ndarray:
        return np.compress(flat, x.reshape(-1))

    def flag(x: np.ndarray | None) -> pd.arrays.BooleanArray:
        if x is None:
            return pd.arrays.BooleanArray(no, yes)
        return pd.arrays.BooleanArray(pick(x), no)

    jss_cells = pick(jss)
    jss_na = np.isnan(jss_cells)
    if good_weeks is None:
        good = pd.arrays.IntegerArray(np.zeros(size, np.int64), yes)
    else:
        good = pd.arrays.IntegerArray(pick(good_weeks).astype(np.int64), no)
    data = {
        "freelancer_id": plan.ids[block.a : block.b].take(row).array,
        "week": _to_datetime(plan.weeks[col]),
        "status": pd.Categorical.from_codes(pick(status), dtype=STATUS_DTYPE),
        "jss": pd.arrays.IntegerArray(np.where(jss_na, 0, jss_cells).astype(np.int64), jss_na),
        "earnings_12m_usd": pick(earn),
        "good_weeks_16": good,
        **{name: flag(flags[name]) for name in COLUMNS[6:]},
    }
    return pd.DataFrame(data, copy=False)


def _large_thresholds(contracts: pd.DataFrame, by_category: dict, default: float) -> np.ndarray:
    """Each contract's large-contract threshold (USD) from its category (default otherwise)."""
    if "category" not in contracts:
        return np.full(len(contracts), default)
    category = contracts["category"]
    if not isinstance(category.dtype, pd.CategoricalDtype):
        category = category.astype("category")
    per_category = [by_category.get(str(x), default) for x in category.cat.categories]
    return np.append(np.asarray(per_category, dtype=np.float64), default)[category.cat.codes]


def _large_contract_spells(c, earnings, negative, end, flows, badges) -> _Spells:
    """Top Rated Plus: the spells in which a large contract earned money within the
    earnings window, cut short the day before it ends badly (both engine paths)."""
    trp = badges.top_rated_plus
    threshold = _large_thresholds(c, trp.large_contract_usd, trp.large_contract_default_usd)
    is_large = earnings >= threshold
    spells = earning_spells(flows, badges.earnings_window_days)
    cpos = spells.contract
    pick = cpos >= 0
    pick[pick] = is_large[cpos[pick]]
    cpos = cpos[pick]
    hi = np.where(negative[cpos], np.minimum(spells.last[pick], end[cpos] - 1), spells.last[pick])
    return _Spells.make(spells.code[pick], spells.first[pick], hi)


def _jss_dense(
    block: _Block, plan: _Plan, weeks: np.ndarray, columns: dict | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """`_jss_on` by the kernels straight into a dense layout (`jss.jss_matrix`):
    the block's contracts are already grouped by freelancer, so no grid frame is
    built and no ids are matched again. Returns the JSS on the JSS dates and,
    per Sunday of `weeks`, its column (the latest JSS date on or before it)."""
    from analysis.engine.jss import jss_matrix

    if "jss" in block.tables:
        return np.ascontiguousarray(_jss_on(block, plan, weeks)), np.arange(len(weeks))
    rules = plan.rules
    anchor = day_of(rules.calendar.jss_anchor)
    every = rules.calendar.jss_every_days
    k = (weeks - anchor) // every
    k0 = int(k[0])
    code = block.codes["contracts"]
    bounds = np.searchsorted(code, np.arange(block.n + 1), side="left")
    _, dense = jss_matrix(
        block.tables["contracts"],
        bounds,
        rules,
        anchor + k0 * every,
        int(weeks[-1]),
        backend=plan.backend,  # the whole history's choice, not the block's size
        columns=columns,
    )
    return dense, k - k0


def _first_by_code(code: np.ndarray, value: np.ndarray, n: int) -> np.ndarray:
    """Per code 0..n-1 the smallest value (`_NEVER` without one); `code` sorted."""
    out = np.full(n, _NEVER, dtype=np.int64)
    if len(code):
        bounds = np.searchsorted(code, np.arange(n + 1), side="left")
        has = bounds[1:] > bounds[:-1]
        low = np.minimum.reduceat(np.append(value, _NEVER), bounds[:-1])
        out[has] = low[has]
    return out


def _status_block_kernel(
    block: _Block, plan: _Plan, into: _RowArrays | None = None
) -> pd.DataFrame | None:
    """`_status_block` for the upwork model by the kernels: the criteria that need
    the history (JSS, earnings, spells) are computed as dense arrays as there,
    then `kernels.status_rows` combines them and writes the output rows in one
    pass per freelancer, with no ``(freelancers, Sundays)`` temporaries for the
    combinations and no masked copies of each column. With `into`, the rows are
    written into its next rows and nothing is returned."""
    from analysis.engine.jss import NEGATIVE, OPEN_END, contract_columns
    from analysis.engine.kernels import in_parts, spell_any_even, status_rows

    rules, weeks, n = plan.rules, plan.weeks, block.n
    badges = rules.badges
    lookback = badges.good_weeks_window - 1
    step = rules.calendar.badge_every_days
    ext = np.concatenate([weeks[0] - step * np.arange(lookback, 0, -1), weeks])

    c = block.tables["contracts"]
    code = block.codes["contracts"]
    cols = contract_columns(c, rules)  # shared with the JSS kernel (computed once)
    start = cols["start"]  # start_date is never missing
    ended = cols["end"] != OPEN_END
    end = np.where(ended, cols["end"], NO_DAY)
    earnings = c["earnings_usd"].to_numpy(dtype=np.float64)
    first_start = _first_by_code(code, start, n)

    jss, jss_col = _jss_dense(block, plan, ext, cols)

    pay = block.tables.get("payments")
    flows = flows_from_tables(c, pay, code, block.codes.get("payments"), plan.as_of)
    window = badges.earnings_window_days
    grid = np.unique(np.concatenate([ext, ext - window]))
    between = (np.searchsorted(grid, ext - window), np.searchsorted(grid, ext))
    earn = cumulative_earnings(flows, n, grid, int(grid[0]) - 1, "numba", between)

    def any_of(*spells: _Spells, on: np.ndarray = ext) -> np.ndarray:
        """Some spell of any of `spells` covers the Sunday (one kernel call; the
        Sundays are evenly spaced, `step` days apart)."""
        return spell_any_even(
            np.concatenate([x.code for x in spells]),
            np.concatenate([x.lo for x in spells]),
            np.concatenate([x.hi for x in spells]),
            n,
            int(on[0]),
            step,
            len(on),
        )

    hold, tos = _standing_spells(block, rules)
    standing_ok = ~any_of(hold, tos)

    negative = (cols["code"] == NEGATIVE) & ended
    first_negative = np.full(n, _NEVER, dtype=np.int64)
    np.minimum.at(first_negative, code[negative], end[negative])

    profile = np.ones(n, dtype=bool)
    fr = block.tables.get("freelancers")
    if fr is not None and "profile_complete" in fr:
        value = fr["profile_complete"].astype("boolean").fillna(True).to_numpy(dtype=bool)
        profile[block.codes["freelancers"]] = value

    look = badges.active_lookback_days
    spells = earning_spells(flows, look)
    active = [
        _Spells.make(code, start, start + look - 1),
        _Spells.make(spells.code, spells.first, spells.last),
    ]
    act = block.tables.get("activity")
    if act is not None and "proposals" in act and len(act):
        sent = act["proposals"].astype("Int64").fillna(0).to_numpy(dtype=np.int64) > 0
        week = day_numbers(act["week_start"])[sent]
        active.append(_Spells.make(block.codes["activity"][sent], week, week + look - 1))
    active_ok = any_of(*active)

    trp = badges.top_rated_plus
    large = _large_contract_spells(c, earnings, negative, end, flows, badges)
    large_ok = any_of(large, on=weeks)

    rows = len(weeks) - np.searchsorted(weeks, first_start, side="left")
    off = np.concatenate([[0], np.cumsum(rows)])
    size = int(off[-1])
    out = _RowArrays.empty(size) if into is None else into.take(size)

    def part(a: int, b: int) -> None:
        r0, r1 = int(off[a]), int(off[b])
        status_rows(
            ext,
            lookback,
            first_start[a:b],
            first_negative[a:b],
            profile[a:b],
            jss[a:b],
            jss_col,
            earn[a:b],
            standing_ok[a:b],
            active_ok[a:b],
            large_ok[a:b],
            float(badges.jss_min),
            badges.earnings_min_usd - MONEY_TOLERANCE_USD,
            badges.tenure_min_days,
            badges.good_weeks_required,
            trp.earnings_above_usd + MONEY_TOLERANCE_USD,
            out.row[r0:r1],
            out.day[r0:r1],
            out.status[r0:r1],
            out.jss[r0:r1],
            out.jss_na[r0:r1],
            out.earn[r0:r1],
            out.good[r0:r1],
            out.flags[:, r0:r1],
        )
        out.row[r0:r1] += block.a + a  # positions in plan.ids

    in_parts(off, part)
    return None if into is not None else out.frame(plan.ids)


@dataclass
class _RowArrays:
    """The output rows of the kernel path as flat arrays (``row``: position of
    the freelancer in the plan's ids, ``day``: the Sunday's day number).

    `take` hands out the next rows of preallocated arrays, so the blocks of
    `status_grid` write straight into the arrays of one frame, without a
    `pd.concat` of the blocks' frames."""

    row: np.ndarray
    day: np.ndarray
    status: np.ndarray
    jss: np.ndarray
    jss_na: np.ndarray
    earn: np.ndarray
    good: np.ndarray
    flags: np.ndarray  # (6, rows): jss_ok ... active_ok
    used: int = 0

    @classmethod
    def empty(cls, size: int) -> _RowArrays:
        return cls(
            np.empty(size, np.int64),
            np.empty(size, np.int64),
            np.empty(size, np.int8),
            np.empty(size, np.int64),
            np.empty(size, np.bool_),
            np.empty(size),
            np.empty(size, np.int64),
            np.empty((6, size), np.bool_),
        )

    def take(self, size: int) -> _RowArrays:
        """Views of the next `size` rows."""
        a, b = self.used, self.used + size
        if b > len(self.row):
            raise ValueError("more status rows than counted")  # pragma: no cover
        self.used = b
        return _RowArrays(*(x[..., a:b] for x in self.arrays()))

    def arrays(self) -> tuple[np.ndarray, ...]:
        return (self.row, self.day, self.status, self.jss, self.jss_na, self.earn, self.good,
                self.flags)  # fmt: skip

    def frame(self, ids: pd.Index) -> pd.DataFrame:
        """The rows as a status frame (columns `COLUMNS`); takes over the arrays."""
        size = len(self.row)
        no = np.zeros(size, dtype=bool)
        self.day *= 86_400  # day numbers to seconds, in place
        data = {
            "freelancer_id": ids.take(self.row).array,
            "week": self.day.view("datetime64[s]"),
            "status": pd.Categorical.from_codes(self.status, dtype=STATUS_DTYPE),
            "jss": pd.arrays.IntegerArray(self.jss, self.jss_na),
            "earnings_12m_usd": self.earn,
            "good_weeks_16": pd.arrays.IntegerArray(self.good, no),
            **{
                name: pd.arrays.BooleanArray(self.flags[i], no)
                for i, name in enumerate(COLUMNS[6:])
            },
        }
        return pd.DataFrame(data, copy=False)


def _row_offsets(plan: _Plan) -> np.ndarray:
    """Where each freelancer's rows of the whole status grid start (and, last, how
    many rows there are): per freelancer, the Sundays on or after its first start
    (what the kernel path writes)."""
    sorted_codes, order = plan.rows["contracts"]
    start = day_numbers(plan.tables["contracts"]["start_date"])
    first_start = _first_by_code(sorted_codes, start[order], len(plan.ids))
    rows = len(plan.weeks) - np.searchsorted(plan.weeks, first_start, side="left")
    return np.concatenate([[0], np.cumsum(rows)])


def _status_block(block: _Block, plan: _Plan) -> pd.DataFrame:
    rules, weeks, n, be = plan.rules, plan.weeks, block.n, plan.backend
    badges = rules.badges
    upwork = badges.model == "upwork"
    if upwork and be == "numba":
        return _status_block_kernel(block, plan)
    lookback = badges.good_weeks_window - 1 if upwork else 0
    step = rules.calendar.badge_every_days
    ext = np.concatenate([weeks[0] - step * np.arange(lookback, 0, -1), weeks])
    out = slice(lookback, None)

    c = block.tables["contracts"]
    code = block.codes["contracts"]
    start = day_numbers(c["start_date"])
    end = day_numbers(c["end_date"])
    ended = end != NO_DAY
    earnings = c["earnings_usd"].to_numpy(dtype=np.float64)
    first_start = np.full(n, _NEVER, dtype=np.int64)
    np.minimum.at(first_start, code, start)
    first_start = first_start[:, None]
    started = ext[None, :] >= first_start

    jss = _jss_on(block, plan, ext)
    jss_ok = jss >= badges.jss_min  # NaN compares False

    pay = block.tables.get("payments")
    flows = flows_from_tables(c, pay, code, block.codes.get("payments"), plan.as_of)
    window = badges.earnings_window_days
    if window is None:
        window = badges.seed_article.feedback_window_days
    grid = np.unique(np.concatenate([ext, ext - window]))
    between = (np.searchsorted(grid, ext - window), np.searchsorted(grid, ext))
    earn = cumulative_earnings(flows, n, grid, int(grid[0]) - 1, be, between)

    hold, tos = _standing_spells(block, rules)
    standing_ok = ~hold.any(n, ext, be) & ~tos.any(n, ext, be)

    if not upwork:
        seed = badges.seed_article
        done = ended & (earnings > 0)
        jobs = _Spells.make(code[done], end[done], np.full(done.sum(), _NEVER)).counts(n, ext, be)
        rating = c["public_rating"].to_numpy(dtype=np.float64, na_value=np.nan)
        has = ended & ~np.isnan(rating)
        hi = end + seed.feedback_window_days - 1
        units = np.round(rating[has] * RATING_UNITS)  # ratings summed exactly as integers
        total = _Spells.make(code[has], end[has], hi[has], units).counts(n, ext, be)
        rated = _Spells.make(code[has], end[has], hi[has]).counts(n, ext, be)
        low = has & (rating < seed.min_public_rating)
        n_low = _Spells.make(code[low], end[low], hi[low]).counts(n, ext, be)
        need = np.round(seed.mean_public_rating_min * RATING_UNITS)
        feedback = (rated > 0) & (total >= rated * need) & (n_low == 0)
        top = jss_ok & (jobs >= seed.min_completed_jobs) & feedback & standing_ok
        status = np.where(top, _TOP, _NONE)
        flags = dict.fromkeys(COLUMNS[6:])
        flags.update(jss_ok=jss_ok, standing_ok=standing_ok)
        return _frame(block, plan, started, status, jss, earn, None, flags)

    from analysis.engine.jss import contract_outcomes

    outcome = contract_outcomes(c, rules)
    if isinstance(outcome, pd.DataFrame):
        outcome = outcome["outcome"]
    negative = (outcome == "negative").to_numpy(dtype=bool) & ended
    first_negative = np.full(n, _NEVER, dtype=np.int64)
    np.minimum.at(first_negative, code[negative], end[negative])
    any_negative = ext[None, :] >= first_negative[:, None]

    earnings_ok = earn >= badges.earnings_min_usd - MONEY_TOLERANCE_USD
    tenure_ok = ext[None, :] - first_start >= badges.tenure_min_days

    profile = np.ones(n, dtype=bool)
    fr = block.tables.get("freelancers")
    if fr is not None and "profile_complete" in fr:
        value = fr["profile_complete"].astype("boolean").fillna(True).to_numpy(dtype=bool)
        profile[block.codes["freelancers"]] = value
    profile_ok = np.broadcast_to(profile[:, None], (n, len(ext)))

    look = badges.active_lookback_days
    active_ok = _Spells.make(code, start, start + look - 1).any(n, ext, be)
    spells = earning_spells(flows, look)
    active_ok |= _Spells.make(spells.code, spells.first, spells.last).any(n, ext, be)
    act = block.tables.get("activity")
    if act is not None and "proposals" in act and len(act):
        sent = act["proposals"].astype("Int64").fillna(0).to_numpy(dtype=np.int64) > 0
        week = day_numbers(act["week_start"])[sent]
        acode = block.codes["activity"][sent]
        active_ok |= _Spells.make(acode, week, week + look - 1).any(n, ext, be)

    rising = np.isnan(jss) & profile_ok & standing_ok & active_ok & ~any_negative
    good = (jss_ok | rising) & started
    cs = np.cumsum(good, axis=1)
    good_weeks = cs[:, out] - np.pad(cs, ((0, 0), (1, 0)))[:, : len(weeks)]
    six = jss_ok & earnings_ok & tenure_ok & profile_ok & standing_ok & active_ok
    top = six[:, out] & (good_weeks >= badges.good_weeks_required)

    # Top Rated Plus: a large contract that earned money in (s - 365, s], not negative at s
    trp = badges.top_rated_plus
    large_ok = _large_contract_spells(c, earnings, negative, end, flows, badges).any(n, weeks, be)
    plus = top & (earn[:, out] > trp.earnings_above_usd + MONEY_TOLERANCE_USD) & large_ok

    status = np.where(plus, _PLUS, np.where(top, _TOP, np.where(rising[:, out], _RISING, _NONE)))
    flags = {
        "jss_ok": jss_ok[:, out],
        "earnings_ok": earnings_ok[:, out],
        "tenure_ok": tenure_ok[:, out],
        "profile_ok": profile_ok[:, out],
        "standing_ok": standing_ok[:, out],
        "active_ok": active_ok[:, out],
    }
    return _frame(
        block, plan, started[:, out], status, jss[:, out], earn[:, out], good_weeks, flags
    )


# ---------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------


def _empty() -> pd.DataFrame:
    none = np.zeros(0, dtype=bool)
    return pd.DataFrame(
        {
            "freelancer_id": pd.array([], dtype="str"),
            "week": np.array([], dtype="datetime64[s]"),
            "status": pd.Categorical.from_codes([], dtype=STATUS_DTYPE),
            "jss": pd.array([], dtype="Int64"),
            "earnings_12m_usd": np.array([], dtype=np.float64),
            "good_weeks_16": pd.array([], dtype="Int64"),
            **{c: pd.arrays.BooleanArray(none, none) for c in COLUMNS[6:]},
        }
    )


def iter_status_grid(
    history: History,
    rules: Rules | str | Path | None = None,
    start: object = None,
    end: object = None,
    as_of: object = None,
    jss: pd.DataFrame | None = None,
    chunk_size: int = CHUNK_SIZE,
    backend: str = "auto",
) -> Iterator[pd.DataFrame]:
    """`status_grid` in blocks of `chunk_size` freelancers (in id order).

    Each yielded frame holds every row of its freelancers; concatenated, the
    blocks equal `status_grid`. Memory grows with `chunk_size`, not with the
    number of freelancers, beyond the history itself.
    """
    rules = _rules(rules)
    plan = _setup(history, rules, start, end, as_of, jss, chunk_size, backend)
    if plan is None:
        return
    for block in _blocks(plan, chunk_size):
        frame = _status_block(block, plan)
        del block
        if len(frame):
            frame.attrs["rules"] = rules
            yield frame


def _setup(history, rules, start, end, as_of, jss, chunk_size, backend) -> _Plan | None:
    """The checks and the `_Plan` of `iter_status_grid` (None: no rows)."""
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    backend = resolve_backend(backend, len(history.contracts))
    contracts = history.contracts
    if len(contracts) == 0:
        return None
    as_of_day = day_of(history.as_of if as_of is None else as_of)
    start_day = day_numbers(contracts["start_date"]).min() if start is None else day_of(start)
    end_day = as_of_day if end is None else day_of(end)
    weeks = _badge_days(int(start_day), end_day, rules)
    if len(weeks) == 0:
        return None
    return _plan(history, rules, as_of_day, weeks, jss, backend)


def _block_ranges(plan: _Plan, chunk_size: int) -> list[tuple[int, int]]:
    """The freelancer ranges ``[a, b)`` of the blocks, `chunk_size` at a time."""
    n = len(plan.ids)
    return [(a, min(a + chunk_size, n)) for a in range(0, n, chunk_size)]


def _blocks(plan: _Plan, chunk_size: int) -> Iterator[_Block]:
    for a, b in _block_ranges(plan, chunk_size):
        yield _take_block(plan, a, b)


def status_grid(
    history: History,
    rules: Rules | str | Path | None = None,
    start: object = None,
    end: object = None,
    as_of: object = None,
    jss: pd.DataFrame | None = None,
    chunk_size: int = CHUNK_SIZE,
    backend: str = "auto",
) -> pd.DataFrame:
    """Badge status and criteria of every freelancer on every badge Sunday.

    One row per Sunday ``s`` in ``[start, end]`` (default: the first Sunday on or
    after the earliest contract start, to `as_of`, default ``history.as_of``) and
    per freelancer whose first contract started on or before ``s``; sorted by
    ``freelancer_id, week``; columns `COLUMNS` (see the module docstring for
    dtypes). `rules` is a `Rules` object, a bundled name or a TOML path (default
    ``upwork-2025``). `jss` is a JSS grid as returned by ``analysis.engine.jss.jss_grid``
    (``freelancer_id, eval_date, jss``); when ``None`` it is computed.
    `backend` ``"numba"`` runs the compiled kernels of `analysis.engine.kernels`
    for the JSS grid, the earnings and the spell counts, ``"numpy"`` the
    vectorised reference, ``"auto"`` (default) the faster of the two for the
    history's size (`analysis.engine.backend`). All give identical frames.
    """
    rules = _rules(rules)
    backend = resolve_backend(backend, len(history.contracts))
    if rules.badges.model == "upwork" and backend == "numba":
        # the kernel path: every block writes its rows into one set of arrays
        plan = _setup(history, rules, start, end, as_of, jss, chunk_size, backend)
        row_offsets = None if plan is None else _row_offsets(plan)
        rows = None if plan is None else _RowArrays.empty(int(row_offsets[-1]))
        if rows is None or len(rows.row) == 0:
            frame = _empty()
        else:
            from analysis.engine.kernels import run_blocks

            def one(a: int, b: int, into: _RowArrays) -> Callable[[], None]:
                return lambda: _status_block_kernel(_take_block(plan, a, b), plan, into=into)

            calls = [
                one(a, b, rows.take(int(row_offsets[b] - row_offsets[a])))
                for a, b in _block_ranges(plan, chunk_size)
            ]
            run_blocks(calls)
            frame = rows.frame(plan.ids)
        frame.attrs["rules"] = rules
        return frame
    blocks = list(iter_status_grid(history, rules, start, end, as_of, jss, chunk_size, backend))
    if not blocks:
        frame = _empty()
    elif len(blocks) == 1:
        frame = blocks[0]
    else:
        frame = pd.concat(blocks, ignore_index=True)
    frame.attrs["rules"] = rules
    return frame


def status_events(
    status_frame: pd.DataFrame, rules: Rules | str | Path | None = None
) -> pd.DataFrame:
    """Every change of status between consecutive rows (Sundays) of a freelancer.

    Columns `EVENT_COLUMNS`. A freelancer's first row counts as a change from
    ``none`` when its status is not ``none`` (a freelancer who starts with no badge
    has no event). ``reasons`` is empty for an upgrade; for a downgrade it lists the
    criteria of the lost status that fail on the new Sunday, joined by ``;`` in the
    order of `REASONS`:

    - losing Top Rated (or Plus): ``jss, earnings, tenure, profile, standing,
      active, good_weeks`` (those whose column is false or, for good weeks, below
      ``good_weeks_required``); a Top Rated Plus row adds ``earnings_plus`` when
      ``earnings_12m_usd`` is not above the Plus threshold, and ``large_contract``
      when Top Rated still holds and ``earnings_plus`` does not fail (the frame has
      no large-contract column, so that is the only case it can be told);
    - losing Rising Talent: ``jss`` (a JSS exists), ``profile``, ``standing``,
      ``active``, else ``negative_outcome`` (the one criterion with no column);
    - seed-article model: ``jss``, ``standing``, else ``jobs_or_feedback``.

    `rules` defaults to the rule set `status_grid` recorded in ``attrs["rules"]``,
    else ``upwork-2025``.
    """
    if rules is None:
        rules = status_frame.attrs.get("rules")
    rules = _rules(rules)
    frame = status_frame.sort_values(["freelancer_id", "week"], kind="stable").reset_index(
        drop=True
    )
    fid = frame["freelancer_id"]
    cur = frame["status"].astype(STATUS_DTYPE).cat.codes.to_numpy()
    first = (fid != fid.shift()).to_numpy()
    prev = np.concatenate([[_NONE], cur[:-1]]) if len(cur) else cur
    prev = np.where(first, _NONE, prev)
    change = np.nonzero(prev != cur)[0]
    sub = frame.iloc[change]
    p, c = prev[change], cur[change]
    down = c < p

    def fails(col: str) -> np.ndarray:
        return (~sub[col].astype("boolean")).fillna(False).to_numpy(dtype=bool)

    badges = rules.badges
    lost_top = down & (p >= _TOP)
    lost_rising = down & (p == _RISING)
    checks: dict[str, np.ndarray] = {}
    if badges.model == "upwork":
        gw = sub["good_weeks_16"].astype("Int64").fillna(badges.good_weeks_window).to_numpy()
        earn = sub["earnings_12m_usd"].to_numpy(dtype=np.float64)
        plus_fails = ~(earn > badges.top_rated_plus.earnings_above_usd + MONEY_TOLERANCE_USD)
        lost_plus = down & (p == _PLUS)
        has_jss = sub["jss"].notna().to_numpy()
        checks["jss"] = (lost_top & fails("jss_ok")) | (lost_rising & has_jss)
        checks["earnings"] = lost_top & fails("earnings_ok")
        checks["tenure"] = lost_top & fails("tenure_ok")
        for name in ("profile", "standing", "active"):
            checks[name] = (lost_top | lost_rising) & fails(f"{name}_ok")
        checks["good_weeks"] = lost_top & (gw < badges.good_weeks_required)
        checks["earnings_plus"] = lost_plus & plus_fails
        checks["large_contract"] = lost_plus & (c == _TOP) & ~plus_fails
        named = np.any(np.stack([checks[k] for k in ("jss", "profile", "standing", "active")]), 0)
        checks["negative_outcome"] = lost_rising & ~named
    else:
        checks["jss"] = lost_top & fails("jss_ok")
        checks["standing"] = lost_top & fails("standing_ok")
        checks["jobs_or_feedback"] = lost_top & ~checks["jss"] & ~checks["standing"]
    reasons = np.full(len(sub), "", dtype=object)
    for name in REASONS:
        if name in checks:
            reasons = np.where(checks[name], reasons + name + ";", reasons)
    reasons = pd.array([r[:-1] for r in reasons], dtype="str")
    return pd.DataFrame(
        {
            "freelancer_id": sub["freelancer_id"].array,
            "week": sub["week"].to_numpy(),
            "from_status": pd.Categorical.from_codes(p, dtype=STATUS_DTYPE),
            "to_status": pd.Categorical.from_codes(c, dtype=STATUS_DTYPE),
            "reasons": reasons,
        }
    )
