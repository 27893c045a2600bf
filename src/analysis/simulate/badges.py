"""The badge inside the simulation loop: the project's own rules engine, each Sunday.

The simulator decides every attribute of a contract when it is hired (dates,
earnings, hours, ratings, private score, dispute, flag, payment schedule) and
never changes a row afterwards, so the history is append-only. On each simulated
Sunday ``s`` `BadgeTracker.evaluate` builds the history *as it stands on s*
(contracts started on or before ``s`` with their final values, payments dated on
or before ``s``, proposals of weeks that have ended, account events up to ``s``)
and calls `analysis.engine.jss.jss_grid` and `analysis.engine.status.status_grid` for that
Sunday alone. The engine ignores end dates and ratings after ``s`` (such a
contract is open at ``s``), so the statuses found in the loop are exactly those
`status_grid` recomputes later from the written files.

Only rows and freelancers that can matter are passed (all of this is exact):

- contracts that ended more than `keep_days` before ``s`` (the longest JSS
  window + the 16-Sunday good-weeks lookback + a JSS step) are out of every
  window the engine looks at and are dropped, except each freelancer's first
  contract (tenure, "started") and every contract with a negative outcome
  ("no negative outcome so far" for Rising Talent);
- payments older than the earnings window, and proposals older than the
  activity lookback plus the good-weeks lookback, likewise;
- a freelancer with no contract start, payment or proposal in the last
  ``active_lookback_days`` fails ``active_ok``, so has status ``none``; once such a
  freelancer has left the platform and has nothing scheduled, that holds for
  good (*dormant*) and they are dropped for ever;
- the JSS is computed on JSS evaluation dates only, for every freelancer who is
  not dormant, and cached; `status_grid` gets the cache (its ``jss`` argument)
  instead of recomputing 9 JSS dates every Sunday.

With ``scope="top-rated"`` the weekly `status_grid` call is further limited to
freelancers whose latest JSS is at least ``badges.jss_min``: only they can be Top
Rated (or Plus), so the statuses that drive behaviour are still exact, but the
others are recorded as "none or rising_talent" (code `UNKNOWN`). ``scope="all"``
evaluates every freelancer who is not dormant. ``scope="jss-only"`` keeps the JSS
and computes no status at all (every started freelancer is ``none``): the
counterfactual twin of `analysis.simulate.world.run`, in which the badge has no
effect, needs the JSS (it drives demand and hiring) but not the badge.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.engine.jss import jss_grid
from analysis.engine.money import day_of
from analysis.engine.ruleset import Rules
from analysis.engine.status import STATUSES, status_grid
from analysis.io.history import History
from analysis.simulate.tables import (
    NO_DAY,
    Columns,
    IdFormat,
    activity_frame,
    contracts_frame,
    dates,
    events_frame,
    freelancers_frame,
    payments_frame,
)

NONE, RISING, TOP, PLUS = range(4)
#: Status code of a freelancer whose first contract has not started.
NOT_STARTED = -2
#: Status code "none or rising_talent, not computed" (scope ``top-rated``).
UNKNOWN = -1
SCOPES = ("all", "top-rated", "jss-only")

CONTRACT_COLUMNS = {
    "fid": np.int32,
    "cid": np.int64,
    "client": np.int64,
    "start": np.int32,
    "end": np.int32,
    "earnings": np.float64,
    "public": np.float64,
    "private": np.int8,
    "disputed": bool,
    "flagged": bool,
    "category": np.int8,
    "ctype": np.int8,
    "hours": np.float64,
}
_NEVER = np.iinfo(np.int64).max // 4
_LONG_AGO = -_NEVER


def _codes(id_column: pd.Series) -> np.ndarray:
    """Freelancer codes from ids ``f<digits>``."""
    arr = pa.array(id_column.array)
    return pc.cast(pc.utf8_slice_codeunits(arr, 1), pa.int64()).to_numpy()


class BadgeTracker:
    """The history so far, trimmed to what the engine can look at, and its statuses."""

    def __init__(
        self,
        rules: Rules,
        n_freelancers: int,
        fmt: IdFormat,
        first_monday: int,
        n_weeks: int,
        profile_complete: np.ndarray,
        scope: str = "all",
    ):
        if rules.badges.model != "upwork":
            raise ValueError("the simulator needs a rule set with badges.model = 'upwork'")
        if scope not in SCOPES:
            raise ValueError(f"scope must be one of {SCOPES}")
        self.rules = rules
        self.n = n_freelancers
        self.fmt = fmt
        self.m0 = first_monday
        self.scope = scope
        b = rules.badges
        step = rules.calendar.badge_every_days
        self.lookback_span = (b.good_weeks_window - 1) * step
        self.keep_days = (
            max(rules.windows.days.values()) + self.lookback_span + rules.calendar.jss_every_days
        )
        self.active_days = b.active_lookback_days
        self.earnings_days = b.earnings_window_days
        self.jss_min = b.jss_min
        self.anchor = day_of(rules.calendar.jss_anchor)
        self.jss_every = rules.calendar.jss_every_days
        o = rules.outcome
        self._neg = (o.negative_public_below, o.negative_private_at_most)

        self.contracts = Columns(CONTRACT_COLUMNS)
        self.first_start = np.full(n_freelancers, NO_DAY, dtype=np.int64)
        self.last_active = np.full(n_freelancers, _LONG_AGO, dtype=np.int64)
        self.final_active = np.full(n_freelancers, _LONG_AGO, dtype=np.int64)
        self.dormant_from = np.full(n_freelancers, _NEVER, dtype=np.int64)
        self.profile = np.asarray(profile_complete, dtype=bool)
        self.pay: list[list[dict]] = [[] for _ in range(n_weeks)]
        self.proposals: list[np.ndarray] = [np.zeros(0, np.int32) for _ in range(n_weeks)]
        self.events = Columns({"fid": np.int32, "day": np.int32, "event": np.int8})
        self.jss_cache: deque[tuple[int, np.ndarray, np.ndarray]] = deque()
        self.jss_latest = np.full(n_freelancers, np.nan)
        self.calls = {"jss": 0, "status": 0, "status_rows": 0}

    # ------------------------------------------------------------------ input

    def add_contracts(self, cols: dict[str, np.ndarray]) -> None:
        """Contracts that started this week, with their final values."""
        self.contracts.append(**cols)
        fid, start = cols["fid"].astype(np.int64), cols["start"].astype(np.int64)
        np.minimum.at(self.first_start, fid, start)
        np.maximum.at(self.last_active, fid, start)
        np.maximum.at(self.final_active, fid, start)

    def add_payments(self, fid, cid, day, amount, week) -> None:
        """Scheduled payments (any future date); `week` is each one's week index."""
        if len(fid) == 0:
            return
        order = np.argsort(week, kind="stable")
        week = week[order]
        cuts = np.flatnonzero(np.diff(week)) + 1
        starts = np.concatenate([[0], cuts])
        ends = np.concatenate([cuts, [len(week)]])
        parts = {"fid": fid[order], "cid": cid[order], "day": day[order], "amount": amount[order]}
        for a, b in zip(starts, ends, strict=True):
            self.pay[int(week[a])].append({k: v[a:b] for k, v in parts.items()})
        paid = amount > 0
        np.maximum.at(self.final_active, fid[paid].astype(np.int64), day[paid].astype(np.int64))

    def add_proposals(self, week: int, fid: np.ndarray) -> None:
        """Freelancers who sent proposals in simulated week `week`."""
        self.proposals[week] = np.asarray(fid, dtype=np.int32)
        monday = self.m0 + 7 * week
        self.last_active[fid] = np.maximum(self.last_active[fid], monday)
        self.final_active[fid] = np.maximum(self.final_active[fid], monday)

    def add_events(self, fid, day, event) -> None:
        self.events.append(fid=fid, day=day, event=event)

    def left(self, fid: np.ndarray) -> None:
        """Freelancers who left the platform this week: nothing new will be scheduled."""
        fid = np.asarray(fid, dtype=np.int64)
        self.dormant_from[fid] = self.final_active[fid] + self.active_days

    # ------------------------------------------------------------------ helpers

    def _negative(self, c: dict[str, np.ndarray]) -> np.ndarray:
        public_below, private_at_most = self._neg
        with np.errstate(invalid="ignore"):
            return (
                c["disputed"]
                | (c["public"] < public_below)
                | ((c["private"] >= 0) & (c["private"] <= private_at_most))
            )

    def trim(self, s: int) -> None:
        """Drop contract rows the engine can no longer look at (see the module doc)."""
        c = self.contracts.compact()
        if not len(c["fid"]):
            return
        fid = c["fid"]
        keep = (c["end"] == NO_DAY) | (c["end"].astype(np.int64) > s - self.keep_days)
        keep |= c["start"] == self.first_start[fid]
        keep |= self._negative(c)
        keep &= self.dormant_from[fid] > s
        self.contracts.keep(keep)

    def _payments(self, week: int, s: int, mask: np.ndarray) -> dict[str, np.ndarray]:
        lo = max(0, week - self.earnings_days // 7 - 1)
        parts = [p for w in range(lo, week + 1) for p in self.pay[w]]
        if not parts:
            return {k: np.zeros(0) for k in ("fid", "cid", "day", "amount")}
        cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
        keep = mask[cols["fid"]] & (cols["day"] > s - self.earnings_days)
        return {k: v[keep] for k, v in cols.items()}

    def _proposals(self, week: int, mask: np.ndarray) -> dict[str, np.ndarray]:
        lo = max(0, week - (self.active_days + self.lookback_span) // 7 - 1)
        fids, days = [], []
        for w in range(lo, week + 1):
            f = self.proposals[w]
            f = f[mask[f]]
            fids.append(f)
            days.append(np.full(len(f), self.m0 + 7 * w, dtype=np.int64))
        fid = np.concatenate(fids)
        return {"fid": fid, "week_start": np.concatenate(days), "proposals": np.ones(len(fid))}

    def _jss_frame(self, mask: np.ndarray) -> pd.DataFrame:
        codes, days, values = [], [], []
        for day, code, value in self.jss_cache:
            keep = mask[code]
            codes.append(code[keep])
            values.append(value[keep])
            days.append(np.full(int(keep.sum()), day, dtype=np.int64))
        code = np.concatenate(codes) if codes else np.zeros(0, np.int64)
        value = np.concatenate(values) if values else np.zeros(0)
        day = np.concatenate(days) if days else np.zeros(0, np.int64)
        missing = np.isnan(value)
        return pd.DataFrame(
            {
                "freelancer_id": self.fmt.freelancers(code),
                "eval_date": dates(day),
                "jss": pd.arrays.IntegerArray(
                    np.where(missing, 0, value).astype(np.int64), missing
                ),
            }
        )

    def _contracts(self, mask: np.ndarray) -> pd.DataFrame:
        c = self.contracts.compact()
        keep = mask[c["fid"]]
        return contracts_frame({k: v[keep] for k, v in c.items()}, self.fmt)

    # ------------------------------------------------------------------ each Sunday

    def evaluate(self, week: int, s: int) -> np.ndarray:
        """Status codes of every freelancer on Sunday `s`, the end of simulated `week`.

        ``NOT_STARTED`` before the first contract, else the index into
        `analysis.engine.status.STATUSES`, or ``UNKNOWN`` (scope ``top-rated``: a freelancer
        who cannot be Top Rated this Sunday).
        """
        parts = self.pay[week]
        if len(parts) > 1:  # no payment can be scheduled into this week any more
            self.pay[week] = [{k: np.concatenate([p[k] for p in parts]) for k in parts[0]}]
        for p in self.pay[week]:
            paid = p["amount"] > 0
            np.maximum.at(self.last_active, p["fid"][paid].astype(np.int64), p["day"][paid])
        started = self.first_start <= s
        live = started & (self.dormant_from > s)
        if (s - self.anchor) % self.jss_every == 0:
            self._update_jss(s, live)
        if self.scope == "jss-only":
            return np.where(started, NONE, NOT_STARTED).astype(np.int8)
        if self.scope == "all":
            todo = live & (s - self.last_active < self.active_days)
            out = np.where(started, NONE, NOT_STARTED).astype(np.int8)
        else:
            todo = live & (self.jss_latest >= self.jss_min)
            todo &= s - self.last_active < self.active_days
            out = np.where(started, UNKNOWN, NOT_STARTED).astype(np.int8)
            out[started & ~live] = NONE
            out[live & (s - self.last_active >= self.active_days)] = NONE
        if todo.any():
            out[todo] = self._status(week, s, todo)
        return out

    def _update_jss(self, s: int, live: np.ndarray) -> None:
        self.jss_latest[:] = np.nan
        if live.any():
            grid = jss_grid(
                History(contracts=self._contracts(live)),
                self.rules,
                start=dates([s])[0],
                end=dates([s])[0],
            )
            self.calls["jss"] += 1
            code = _codes(grid["freelancer_id"])
            value = grid["jss"].astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
            self.jss_latest[code] = value
            self.jss_cache.append((s, code, value))
        oldest = s - self.lookback_span - self.jss_every
        while self.jss_cache and self.jss_cache[0][0] < oldest:
            self.jss_cache.popleft()

    def _status(self, week: int, s: int, todo: np.ndarray) -> np.ndarray:
        who = np.flatnonzero(todo)
        ev = self.events.compact()
        keep = todo[ev["fid"]] & (ev["day"] <= s)
        history = History(
            contracts=self._contracts(todo),
            payments=payments_frame(self._payments(week, s, todo), self.fmt),
            activity=activity_frame(self._proposals(week, todo), self.fmt),
            freelancers=freelancers_frame(
                {"fid": who, "profile_complete": self.profile[who]}, self.fmt
            ),
            account_events=events_frame({k: v[keep] for k, v in ev.items()}, self.fmt),
        )
        day = dates([s])[0]
        grid = status_grid(
            history, self.rules, start=day, end=day, as_of=day, jss=self._jss_frame(todo)
        )
        self.calls["status"] += 1
        self.calls["status_rows"] += len(grid)
        code = _codes(grid["freelancer_id"])
        if len(code) != len(who) or not np.array_equal(code, who):
            raise AssertionError("status_grid did not return one row per evaluated freelancer")
        return grid["status"].cat.codes.to_numpy().astype(np.int8)


__all__ = ["NONE", "NOT_STARTED", "PLUS", "RISING", "SCOPES", "STATUSES", "TOP", "UNKNOWN"]
