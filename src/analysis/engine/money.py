"""Earnings over time, vectorised over freelancers and evaluation dates.

Spec: ``../shared/spec/rules-upwork-2025.md``, "Money over time". Earnings in a
period come from ``payments`` (by ``paid_date``) when the history has them;
otherwise each contract's ``earnings_usd`` is spread evenly over the days from
``start_date`` to ``end_date`` inclusive, an open contract up to the as-of date, so
that a period ``(a, b]`` gets ``earnings_usd * overlap_days / span_days``.

Both sources are reduced to one form, `Flows`: an amount earned evenly over a
range of days ``first..last`` (inclusive) by one freelancer. A payment is a flow of
one day; a contract without payments is a flow over its days. On top of that:

- `cumulative_earnings`: ``E[f, j]`` = earnings of freelancer ``f`` on the days in
  ``(base, days[j]]`` for a whole increasing grid of days at once. Each flow adds
  its partial first and last bin directly (``amount * days / span``) and its
  rate to the fully covered bins through a difference array; two cumulative sums
  along the grid axis finish it. Sums run per freelancer row, so rounding error
  scales with one freelancer's money, not with the whole history's.
- `earnings_between`: earnings in periods ``(a_k, b_k]`` per freelancer.
- `earning_spells`: for each flow with money, the evaluation days ``s`` for which
  it "earned money in ``(s - window, s]``" (used for activity and the Top Rated
  Plus large contract).

Day numbers are integer days since 1970-01-01 (`day_numbers`). No Python loop
runs per freelancer or per date.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.engine.backend import resolve_backend
from analysis.io.history import History, to_day

#: Integer day number of a missing date (``NaT``).
NO_DAY = np.iinfo(np.int64).min


def day_numbers(values: pd.Series | pd.Index | np.ndarray) -> np.ndarray:
    """Dates as int64 days since 1970-01-01; missing dates become `NO_DAY`."""
    arr = np.asarray(values)
    if arr.dtype.kind != "M":
        arr = np.asarray(pd.to_datetime(values))
    return arr.astype("datetime64[D]").astype(np.int64)


def day_of(value: object) -> int:
    """One date (text, date, Timestamp) as a day number."""
    return int(np.datetime64(to_day(value).date(), "D").astype(np.int64))


@dataclass(frozen=True)
class Flows:
    """Money earned evenly over days ``first..last`` (inclusive), one row per flow.

    ``code`` is the freelancer's position in the freelancer index the flows were
    built for; ``contract`` the row position of the contract in
    ``history.contracts`` (``-1`` when a payment names no known contract).
    """

    code: np.ndarray
    contract: np.ndarray
    first: np.ndarray
    last: np.ndarray
    amount: np.ndarray

    def __len__(self) -> int:
        return len(self.code)

    def take(self, idx: np.ndarray | slice) -> Flows:
        """The flows at positions `idx`."""
        return Flows(
            self.code[idx], self.contract[idx], self.first[idx], self.last[idx], self.amount[idx]
        )


def positions_in(values: pd.Series | pd.Index, index: pd.Index) -> np.ndarray:
    """Position of each value in `index` (first match; int64, ``-1`` when absent).

    Used to number freelancers (and find a payment's contract) without building
    Python string objects: Arrow's ``index_in`` works on the string buffers.
    """
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    found = pc.index_in(
        pa.array(values, type=pa.large_string()),
        value_set=pa.array(index, type=pa.large_string()),
    )
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def money_flows(
    history: History, freelancer_ids: pd.Index | None = None, as_of: object = None
) -> Flows:
    """The history's money as `Flows`, coded by position in `freelancer_ids`.

    From ``payments`` when present (one one-day flow per payment, refunds
    negative); otherwise one flow per contract over ``start_date..end_date``, an
    open contract up to `as_of` (default ``history.as_of``; never before its
    start). Rows of freelancers not in `freelancer_ids` are dropped; a payment is
    linked to its contract only when that contract is the same freelancer's.
    """
    ids = history.freelancer_ids if freelancer_ids is None else pd.Index(freelancer_ids)
    contract_code = positions_in(history.contracts["freelancer_id"], ids)
    payment_code = (
        None if history.payments is None else positions_in(history.payments["freelancer_id"], ids)
    )
    as_of_day = day_of(history.as_of if as_of is None else as_of)
    return flows_from_tables(
        history.contracts, history.payments, contract_code, payment_code, as_of_day
    )


def flows_from_tables(
    contracts: pd.DataFrame,
    payments: pd.DataFrame | None,
    contract_code: np.ndarray,
    payment_code: np.ndarray | None,
    as_of_day: int,
) -> Flows:
    """`money_flows` from tables whose rows are already coded (``-1`` = dropped)."""
    if payments is not None:
        code = np.asarray(payment_code, dtype=np.int64)
        contract = positions_in(payments["contract_id"], pd.Index(contracts["contract_id"]))
        mine = contract >= 0
        mine[mine] = np.asarray(contract_code)[contract[mine]] == code[mine]
        contract = np.where(mine, contract, -1)
        day = day_numbers(payments["paid_date"])
        amount = payments["amount_usd"].to_numpy(dtype=np.float64)
        keep = code >= 0
        return Flows(code[keep], contract[keep], day[keep], day[keep], amount[keep])
    code = np.asarray(contract_code, dtype=np.int64)
    first = day_numbers(contracts["start_date"])
    last = day_numbers(contracts["end_date"])
    last = np.where(last == NO_DAY, np.maximum(as_of_day, first), last)
    amount = contracts["earnings_usd"].to_numpy(dtype=np.float64)
    keep = code >= 0
    (pos,) = np.nonzero(keep)
    return Flows(code[keep], pos.astype(np.int64), first[keep], last[keep], amount[keep])


def cumulative_earnings(
    flows: Flows,
    n_freelancers: int,
    days: np.ndarray,
    base: int,
    backend: str = "auto",
    between: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """``E[f, j]`` = earnings of freelancer ``f`` on the days in ``(base, days[j]]``.

    `days` must be strictly increasing day numbers, all ``> base``. A flow's
    amount is spread evenly over its own days ``first..last``; only the part after
    `base` counts. Returns a float64 array of shape ``(n_freelancers, len(days))``.
    ``backend="auto"`` (default) picks one of the two below by the number of flows
    (`analysis.engine.backend`).
    ``backend="numba"`` runs `analysis.engine.kernels.cumulative_earnings`, one
    pass over the flows and one over the cells with the same float operations
    in the same order as the numpy code below (the reference), so the results
    are identical. With ``between=(ia, ib)`` (grid positions) the result is
    ``E[:, ib] - E[:, ia]``, the earnings between those days, which the kernel
    computes without holding all of ``E``.
    """
    q = np.asarray(days, dtype=np.int64)
    n_days = len(q)
    width = n_days + 1  # bins 0..n_days-1 are (q[j-1], q[j]] (bin 0 from base); n_days overflows
    ia, ib = (None, None) if between is None else (np.asarray(x, np.int64) for x in between)
    out_shape = (n_freelancers, n_days if ib is None else len(ib))
    if n_days == 0 or n_freelancers == 0 or len(flows) == 0:
        return np.zeros(out_shape)
    if np.any(np.diff(q) <= 0) or q[0] <= base:
        raise ValueError("days must be strictly increasing and after base")
    if resolve_backend(backend, len(flows)) == "numba":
        from analysis.engine import kernels

        code = np.asarray(flows.code, np.int64)
        # group by freelancer, keeping each one's flows in order (stable), so every
        # sum is accumulated in the same order as below
        order = None if np.all(code[1:] >= code[:-1]) else np.argsort(code, kind="stable")
        cols = [code, flows.first, flows.last, flows.amount]
        cols = [np.asarray(x if order is None else x[order]) for x in cols]
        code, first, last = (x.astype(np.int64, copy=False) for x in cols[:3])
        amount = cols[3].astype(np.float64, copy=False)
        ia = np.zeros(0, np.int64) if ia is None else ia
        ib = np.zeros(0, np.int64) if ib is None else ib
        out = np.zeros(out_shape)
        base = int(base)
        # disjoint ranges of freelancers (each one's flows together) on threads
        bounds = np.searchsorted(code, np.arange(n_freelancers + 1), side="left")

        def part(a: int, b: int) -> None:
            r0, r1 = int(bounds[a]), int(bounds[b])
            sl = slice(r0, r1)
            kernels.earnings_into(code[sl], first[sl], last[sl], amount[sl], q, base, ia, ib, out)

        kernels.in_parts(bounds, part)
        return out
    span = (flows.last - flows.first + 1).astype(np.float64)
    first = np.maximum(flows.first, base + 1)
    keep = (flows.last >= first) & (flows.amount != 0)
    code, first, last = flows.code[keep], first[keep], flows.last[keep]
    amount, span = flows.amount[keep], span[keep]
    ja = np.searchsorted(q, first, side="left")
    je = np.searchsorted(q, last, side="left")
    inside = ja < n_days
    code, first, last, amount, span, ja, je = (
        x[inside] for x in (code, first, last, amount, span, ja, je)
    )
    row = code * width
    same = ja == je
    # a flow inside one bin: its days there, amount * days / span (exact for payments)
    head_days = np.where(same, last - first + 1, q[ja] - first + 1)
    parts = np.bincount(
        row + ja, weights=amount * head_days / span, minlength=n_freelancers * width
    )
    # the partial last bin of a flow over several bins (dropped when it overflows)
    tail = ~same & (je < n_days)
    je_t = je[tail]
    tail_days = last[tail] - q[je_t - 1]
    parts += np.bincount(
        row[tail] + je_t,
        weights=amount[tail] * tail_days / span[tail],
        minlength=n_freelancers * width,
    )
    # fully covered bins ja+1..je-1 earn the daily rate times the bin's length
    full = ~same & (je > ja + 1)
    rate = amount[full] / span[full]
    diff = np.bincount(row[full] + ja[full] + 1, weights=rate, minlength=n_freelancers * width)
    diff -= np.bincount(row[full] + je[full], weights=rate, minlength=n_freelancers * width)
    diff = diff.reshape(n_freelancers, width)[:, :n_days]
    np.cumsum(diff, axis=1, out=diff)
    lengths = np.diff(q, prepend=base).astype(np.float64)
    lengths[0] = 0.0  # bin 0 is only ever a first or last bin, never fully covered
    per_bin = parts.reshape(n_freelancers, width)[:, :n_days] + diff * lengths
    cum = np.cumsum(per_bin, axis=1)
    return cum if ib is None else cum[:, ib] - cum[:, ia]


def earnings_between(
    history: History,
    freelancer_ids: pd.Index | None,
    a: object,
    b: object,
    as_of: object = None,
) -> np.ndarray:
    """Earnings in each period ``(a[k], b[k]]`` for each freelancer: shape ``(F, K)``.

    `a` and `b` are equally long sequences of dates (or single dates);
    `freelancer_ids` defaults to every freelancer of the history (rows in that
    order). Payments when present, else contract earnings spread evenly.
    """
    ids = history.freelancer_ids if freelancer_ids is None else pd.Index(freelancer_ids)
    a_days = day_numbers(pd.DatetimeIndex(np.atleast_1d(pd.to_datetime(a))))
    b_days = day_numbers(pd.DatetimeIndex(np.atleast_1d(pd.to_datetime(b))))
    if a_days.shape != b_days.shape:
        raise ValueError("a and b must have the same length")
    flows = money_flows(history, ids, as_of)
    return earnings_in_periods(flows, len(ids), a_days, b_days)


def earnings_in_periods(
    flows: Flows, n_freelancers: int, a_days: np.ndarray, b_days: np.ndarray
) -> np.ndarray:
    """Earnings in ``(a_days[k], b_days[k]]`` per freelancer code: shape ``(n, K)``."""
    if len(a_days) == 0:
        return np.zeros((n_freelancers, 0))
    grid = np.unique(np.concatenate([a_days, b_days]))
    base = int(grid[0]) - 1
    between = (np.searchsorted(grid, a_days), np.searchsorted(grid, b_days))
    return cumulative_earnings(flows, n_freelancers, grid, base, between=between)


def earning_spells(flows: Flows, window_days: int) -> Flows:
    """For each flow with money (amount > 0): the days ``s`` with money in ``(s - window, s]``.

    A flow earns on every day ``first..last``, so it earned money in
    ``(s - window, s]`` exactly for ``first <= s <= last + window - 1``. The
    result reuses `Flows` with ``first``/``last`` replaced by that range of ``s``.
    """
    pos = flows.amount > 0
    return Flows(
        flows.code[pos],
        flows.contract[pos],
        flows.first[pos],
        flows.last[pos] + (window_days - 1),
        flows.amount[pos],
    )
