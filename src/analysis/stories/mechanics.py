"""How the Job Success Score is built on a history: the building blocks of story 01.

Each function takes the engine's output (`analysis.engine.jss.jss_grid`,
`analysis.engine.status.status_grid`) or a `History`, and returns a new tidy frame for the
plots module; nothing loops over freelancers or dates.

- `jss_distribution`: the JSS on every evaluation date and each freelancer's latest.
- `window_scores_long`: the four window scores and Trending behind every JSS.
- `displayed_window`: which candidate the best-of rule displays, and how many
  points it adds over the 24-month score.
- `one_bad_contract`: what one extra negative outcome does to a strong record,
  computed by the engine itself on a history with that contract added.
- `badge_lag`: weeks from the first JSS at or above the threshold to the badge.
- `stuck_weeks`: the good-week count of weeks with a qualifying JSS but no badge.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis.engine.jss import contract_outcomes, jss_grid, round_half_up
from analysis.engine.ruleset import Rules
from analysis.engine.status import TOP_RATED_STATUSES
from analysis.io.history import History

#: Labels of `displayed_window` besides the candidate names.
TIE_AT_100 = "tie at 100"
TIE_BELOW_100 = "tie below 100"
#: Scenario labels of `one_bad_contract`.
SMALLEST = "weight 1"
TYPICAL = "typical weight"
#: The client of the hypothetical bad contract (new to every freelancer).
NEW_CLIENT = "__one_bad_contract_client__"
#: `stuck_weeks` categories.
GOOD_WEEKS_ONLY = "only the 13-of-16 count"
GOOD_WEEKS_AND_OTHER = "the count and another criterion"
OTHER_ONLY = "another criterion only"
#: `badge_lag` head-start bands (good weeks counted before the JSS qualified).
HEAD_STARTS = ("none", "1-11", "12 or more")

_CRITERIA = ("earnings_ok", "tenure_ok", "profile_ok", "standing_ok", "active_ok")


def _with_jss(grid: pd.DataFrame) -> pd.DataFrame:
    """Grid rows that have a JSS, with ``jss`` as plain int64."""
    rows = grid[grid["jss"].notna()]
    return rows.assign(jss=rows["jss"].astype("int64"))


def jss_distribution(grid: pd.DataFrame) -> pd.DataFrame:
    """The JSS in two scopes, tidy: every evaluation date, and each freelancer's latest.

    Returns ``scope`` (``"every evaluation date"`` / ``"latest per freelancer"``),
    ``freelancer_id``, ``eval_date``, ``jss`` (int). Rows without a JSS are left
    out; "latest" is each freelancer's last evaluation date that has a JSS. Why two
    scopes: a freelancer with a long history weighs more in the first; the second
    is what a client browsing profiles today would see.
    """
    rows = _with_jss(grid)[["freelancer_id", "eval_date", "jss"]]
    latest = rows.sort_values(["freelancer_id", "eval_date"]).groupby("freelancer_id").tail(1)
    return pd.concat(
        [
            rows.assign(scope="every evaluation date"),
            latest.assign(scope="latest per freelancer"),
        ],
        ignore_index=True,
    )[["scope", "freelancer_id", "eval_date", "jss"]]


def window_scores_long(grid: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Every window score and Trending behind each JSS, tidy, NaN when undefined.

    Returns ``freelancer_id``, ``eval_date``, ``window`` (ordered categorical: the
    rule set's windows longest first, then ``trending``), ``score`` (float, NaN when
    the window is undefined). Only dates with a JSS are kept, so the comparison is
    between the scores the best-of rule actually chooses from.
    """
    windows = [*sorted(rules.windows.days, key=rules.windows.days.get, reverse=True), "trending"]
    rows = _with_jss(grid)
    long = rows.melt(
        id_vars=["freelancer_id", "eval_date"],
        value_vars=[f"score_{w}" for w in windows],
        var_name="window",
        value_name="score",
    )
    long["window"] = pd.Categorical(
        long["window"].str.removeprefix("score_"), categories=windows, ordered=True
    )
    return long


def displayed_window(grid: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Which candidate score the JSS displays on each date, and its lift over 24 months.

    The JSS is the largest defined candidate (24m, 12m, 6m, Trending) [S4]. For
    every grid row with a JSS this returns ``freelancer_id``, ``eval_date``,
    ``jss``, ``displayed`` and ``lift_points``:

    - ``displayed``: the candidate that is the unique maximum, or ``"tie at 100"``
      / ``"tie below 100"`` when two or more defined candidates share it (equal
      within 1e-9 points; a spotless record ties every window at 100);
    - ``lift_points``: ``jss`` minus the rounded required-window (24m) score,
      the points the best-of rule adds (never negative).
    """
    rows = _with_jss(grid).reset_index(drop=True)
    candidates = list(rules.windows.candidates)
    values = np.column_stack([rows[f"score_{c}"].to_numpy(dtype=float) for c in candidates])
    best = np.nanmax(values, axis=1) if len(rows) else np.zeros(0)
    at_max = np.abs(values - best[:, None]) <= 1e-9  # NaN compares False
    n_max = at_max.sum(axis=1)
    unique = np.asarray(candidates, dtype=object)[at_max.argmax(axis=1)] if len(rows) else []
    tie = np.where(best >= 100 - 1e-9, TIE_AT_100, TIE_BELOW_100)
    labels = np.where(n_max > 1, tie, unique)
    order = [*candidates, TIE_AT_100, TIE_BELOW_100]
    required = rows[f"score_{rules.windows.required}"].to_numpy(dtype=float)
    return pd.DataFrame(
        {
            "freelancer_id": rows["freelancer_id"],
            "eval_date": rows["eval_date"],
            "jss": rows["jss"],
            "displayed": pd.Categorical(labels, categories=order),
            "lift_points": rows["jss"].to_numpy() - round_half_up(required).astype("int64"),
        }
    )


# ---------------------------------------------------------------------------
# one bad contract
# ---------------------------------------------------------------------------


def _counted_weights(history: History, at: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Weight of every contract counted in the required window at each freelancer's date.

    `at` has ``freelancer_id, eval_date``. Ended contracts count when not excluded
    and ``eval_date - D < end_date <= eval_date``; open ones when unflagged, with
    money, and open at least ``open_positive_after_days``. The weight is the
    spec's ``min(cap, tier + floor(length_days / step))`` at ``eval_date``.
    """
    c = history.contracts
    outcomes = contract_outcomes(c, rules)
    frame = pd.DataFrame(
        {
            "freelancer_id": c["freelancer_id"],
            "start_date": c["start_date"],
            "end_date": c["end_date"],
            "counted_once_ended": (outcomes["outcome"] != "excluded").to_numpy(),
            "open_ok": (~c["client_flagged"] & (c["earnings_usd"] > 0)).to_numpy(),
            "tier_weight": outcomes["tier_weight"].to_numpy(),
        }
    ).merge(at[["freelancer_id", "eval_date"]], on="freelancer_id")
    t = frame["eval_date"]
    span = rules.windows.days[rules.windows.required]
    ended = frame["end_date"].notna() & (frame["end_date"] <= t)
    in_window = ended & (frame["end_date"] > t - pd.Timedelta(days=span))
    open_days = (t - frame["start_date"]).dt.days
    is_open = (frame["start_date"] <= t) & ~ended
    counted = (in_window & frame["counted_once_ended"]) | (
        is_open & frame["open_ok"] & (open_days >= rules.open_positive_after_days)
    )
    length = (frame["end_date"].where(ended, t) - frame["start_date"]).dt.days
    w = rules.weight
    weight = np.minimum(w.cap, frame["tier_weight"] + length // w.length_step_days)
    return frame.assign(weight=weight)[counted.to_numpy()][["freelancer_id", "weight"]]


def _as_contract(weight: np.ndarray, rules: Rules) -> tuple[np.ndarray, np.ndarray]:
    """Earnings and length (days) of a contract whose weight is `weight`.

    Every weight the engine gives is ``min(cap, tier + k)`` for a tier and a
    whole k, so it can be written back as a contract: the earnings put it in that
    tier (the tier's upper limit, or just above the last limit) and it lasts
    ``k * length_step_days`` days. A weight that is no such sum (not one the
    engine gives) is rounded up to the next one.
    """
    w = rules.weight
    tiers = np.asarray(w.tier_weights, dtype=float)
    amounts = np.append(np.asarray(w.tier_upper_usd, dtype=float), w.tier_upper_usd[-1] + 1.0)
    weight = np.minimum(np.asarray(weight, dtype=float), w.cap)
    steps = np.ceil(weight[:, None] - tiers[None, :] - 1e-9).clip(min=0)
    made = np.minimum(w.cap, tiers[None, :] + steps)
    # the smallest weight at or above the wanted one; among equals, the lowest tier
    excess = np.where(made >= weight[:, None] - 1e-9, made - weight[:, None], np.inf)
    tier = np.argmin(excess, axis=1)
    k = steps[np.arange(len(weight)), tier]
    return amounts[tier], (k * w.length_step_days).astype("int64")


#: The records `one_bad_contract` tests in report 01: a latest JSS of this or more.
STRONG_JSS = 95


def one_bad_contract(
    history: History,
    rules: Rules,
    grid: pd.DataFrame | None = None,
    min_jss: float = STRONG_JSS,
) -> pd.DataFrame:
    """What one more negative outcome does to the JSS of every strong record.

    Takes each freelancer's latest evaluation date with a JSS; keeps those whose
    JSS is at least `min_jss`; adds to their history one disputed (so negative)
    contract from a new client, ending on that date, and recomputes the JSS with
    the engine (`jss_grid` on the modified history, all freelancers at once). Two
    scenarios:

    - ``"weight 1"``: the smallest weight (a short job in the lowest earnings tier);
    - ``"typical weight"``: the median (lower median, so an actual value) weight of
      the freelancer's contracts counted in the 24-month window on that date.

    Returns ``freelancer_id``, ``eval_date``, ``scenario``, ``weight_added``,
    ``counted_24m`` (contracts counted before the addition), ``jss_before``,
    ``jss_after``, ``drop_points`` (before - after) and ``below_threshold``
    (``jss_after < rules.badges.jss_min``). Why the engine and not a formula: the
    new contract enters every window and the best-of rule may switch window,
    which the engine accounts for exactly.
    """
    grid = jss_grid(history, rules) if grid is None else grid
    req = rules.windows.required
    rows = _with_jss(grid).sort_values(["freelancer_id", "eval_date"])
    latest = rows.groupby("freelancer_id").tail(1)
    strong = latest[latest["jss"] >= min_jss][
        ["freelancer_id", "eval_date", "jss", f"counted_{req}"]
    ].reset_index(drop=True)
    columns = [
        "freelancer_id",
        "eval_date",
        "scenario",
        "weight_added",
        "counted_24m",
        "jss_before",
        "jss_after",
        "drop_points",
        "below_threshold",
    ]
    if strong.empty:
        return pd.DataFrame({c: [] for c in columns})

    typical = (
        _counted_weights(history, strong, rules)
        .groupby("freelancer_id")["weight"]
        .quantile(0.5, interpolation="lower")
    )
    smallest = min(rules.weight.tier_weights)
    weights = {
        SMALLEST: np.full(len(strong), smallest),
        TYPICAL: strong["freelancer_id"].map(typical).fillna(smallest).to_numpy(dtype=float),
    }
    base = history.contracts[history.contracts["freelancer_id"].isin(strong["freelancer_id"])]
    parts = []
    for scenario, weight in weights.items():  # two scenarios, not a loop over freelancers
        earnings, length = _as_contract(weight, rules)
        end = strong["eval_date"].to_numpy()
        extra = pd.DataFrame(
            {
                "freelancer_id": strong["freelancer_id"].astype("str"),
                "contract_id": "__bad__" + strong["freelancer_id"].astype("str"),
                "client_id": NEW_CLIENT,
                "start_date": end - length.astype("timedelta64[D]"),
                "end_date": end,
                "earnings_usd": earnings,
                "public_rating": np.nan,
                "private_score": pd.array([pd.NA] * len(strong), dtype="Int8"),
                "disputed": True,
                "client_flagged": False,
            }
        )
        extra["start_date"] = extra["start_date"].astype("datetime64[s]")
        extra["end_date"] = extra["end_date"].astype("datetime64[s]")
        keep = list(extra.columns)
        modified = History(contracts=pd.concat([base[keep], extra], ignore_index=True))
        after = jss_grid(
            modified,
            rules,
            start=strong["eval_date"].min(),
            end=strong["eval_date"].max(),
            freelancers=strong["freelancer_id"],
        )[["freelancer_id", "eval_date", "jss"]].rename(columns={"jss": "jss_after"})
        part = strong.merge(after, on=["freelancer_id", "eval_date"], how="left")
        parts.append(part.assign(scenario=scenario, weight_added=weight))
    out = pd.concat(parts, ignore_index=True).rename(
        columns={"jss": "jss_before", f"counted_{req}": "counted_24m"}
    )
    out["jss_after"] = out["jss_after"].astype("int64")
    out["jss_before"] = out["jss_before"].astype("int64")
    out["drop_points"] = out["jss_before"] - out["jss_after"]
    out["below_threshold"] = out["jss_after"] < rules.badges.jss_min
    out["scenario"] = pd.Categorical(out["scenario"], categories=[SMALLEST, TYPICAL])
    return out[columns]


def drop_summary(drops: pd.DataFrame) -> pd.DataFrame:
    """Per scenario of `one_bad_contract`: freelancers, median and largest drop,
    share of drops of at least 10 points, share falling below the threshold."""
    grouped = drops.groupby("scenario", observed=True)
    return pd.DataFrame(
        {
            "freelancers": grouped.size(),
            "median_drop": grouped["drop_points"].median(),
            "max_drop": grouped["drop_points"].max(),
            "share_10_plus": grouped["drop_points"].apply(lambda d: float((d >= 10).mean())),
            "share_below_threshold": grouped["below_threshold"].mean().astype(float),
        }
    ).reset_index()


def record_size_bands(counted: pd.Series, edges: tuple[int, ...] = (5, 10, 20, 50)) -> pd.Series:
    """Counted contracts binned into readable bands (``"<=5"``, ``"6-10"``, ... ``">50"``)."""
    labels = [f"<={edges[0]}"]
    labels += [f"{a + 1}-{b}" for a, b in zip(edges[:-1], edges[1:], strict=True)]
    labels.append(f">{edges[-1]}")
    bins = [-np.inf, *edges, np.inf]
    return pd.cut(counted, bins=bins, labels=labels, right=True)


# ---------------------------------------------------------------------------
# why eligible weeks lag
# ---------------------------------------------------------------------------


def badge_lag(status: pd.DataFrame) -> pd.DataFrame:
    """Weeks from a freelancer's first Sunday with a qualifying JSS to the badge.

    From a `status_grid` frame (upwork model). One row per freelancer whose
    ``jss_ok`` ever holds: ``first_jss_ok`` (first such Sunday), ``first_badge``
    (first Top Rated or Plus Sunday on or after it, NaT when never),
    ``weeks_to_badge`` (float, NaN when never), ``head_start_weeks`` (good weeks
    already counted in the 16 before that Sunday, e.g. Rising Talent weeks),
    ``head_start`` (`HEAD_STARTS`: none, 1-11, 12 or more) and ``reached`` (bool). Why: the badge needs 13 good weeks of the last 16
    [S21, S24], so without a head start it comes 12 weeks after the JSS at the
    earliest.
    """
    s = status[["freelancer_id", "week", "status", "jss_ok", "good_weeks_16"]]
    ok = s[s["jss_ok"].fillna(False).to_numpy(dtype=bool)]
    first = ok.sort_values(["freelancer_id", "week"]).groupby("freelancer_id").head(1)
    first = first.rename(columns={"week": "first_jss_ok"})
    badge = s[s["status"].isin(TOP_RATED_STATUSES).to_numpy()][["freelancer_id", "week"]]
    later = badge.merge(first[["freelancer_id", "first_jss_ok"]], on="freelancer_id")
    later = later[later["week"] >= later["first_jss_ok"]]
    first_badge = later.groupby("freelancer_id")["week"].min().rename("first_badge")
    out = first.merge(first_badge, on="freelancer_id", how="left")
    weeks = (out["first_badge"] - out["first_jss_ok"]).dt.days / 7
    head = out["good_weeks_16"].astype("Float64").to_numpy(dtype=float, na_value=np.nan) - 1
    return pd.DataFrame(
        {
            "freelancer_id": out["freelancer_id"],
            "first_jss_ok": out["first_jss_ok"],
            "first_badge": out["first_badge"],
            "weeks_to_badge": weeks.astype(float),
            "head_start_weeks": head,
            "head_start": pd.cut(head, bins=[-np.inf, 0, 11, np.inf], labels=list(HEAD_STARTS)),
            "reached": out["first_badge"].notna(),
        }
    ).reset_index(drop=True)


def stuck_weeks(status: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Sundays with a qualifying JSS but no badge, and what holds the badge back.

    From a `status_grid` frame (upwork model). Returns ``freelancer_id``, ``week``,
    ``good_weeks_16`` (int), ``blocked_by``: ``"only the 13-of-16 count"`` when
    every other criterion holds, ``"the count and another criterion"``, or
    ``"another criterion only"`` (the count is enough); and ``others_failing``:
    the other criteria that fail (``earnings``, ``tenure``, ``profile``,
    ``standing``, ``active``), joined by ``;`` (empty when none). This is the
    forum's "stuck at 12/16" [S24]: weeks lost before the JSS qualified must age
    out of the 16.
    """
    required = rules.badges.good_weeks_required or 0
    jss_ok = status["jss_ok"].fillna(False).to_numpy(dtype=bool)
    no_badge = ~status["status"].isin(TOP_RATED_STATUSES).to_numpy()
    rows = status[jss_ok & no_badge]
    failing = np.full(len(rows), "", dtype=object)
    for col in _CRITERIA:
        bad = ~rows[col].fillna(True).to_numpy(dtype=bool)
        name = col.removesuffix("_ok")
        failing = np.where(bad, np.where(failing == "", name, failing + ";" + name), failing)
    others_ok = failing == ""
    good = rows["good_weeks_16"].astype("Int64").fillna(0).to_numpy(dtype="int64")
    short = good < required
    blocked = np.where(
        short & others_ok, GOOD_WEEKS_ONLY, np.where(short, GOOD_WEEKS_AND_OTHER, OTHER_ONLY)
    )
    return pd.DataFrame(
        {
            "freelancer_id": rows["freelancer_id"].to_numpy(),
            "week": rows["week"].to_numpy(),
            "good_weeks_16": good,
            "blocked_by": pd.Categorical(
                blocked, categories=[GOOD_WEEKS_ONLY, GOOD_WEEKS_AND_OTHER, OTHER_ONLY]
            ),
            "others_failing": pd.array(failing.astype(str), dtype="str"),
        }
    )


def criteria_counts(joined: pd.Series, sep: str = ";") -> pd.Series:
    """How often each name occurs in a column of ``sep``-joined names (empty = none),
    most frequent first."""
    names = joined[joined.fillna("") != ""].str.split(sep).explode()
    return names.value_counts()


def share(mask: Any) -> float:
    """Share of true values (0.0 for an empty input), as a plain float."""
    arr = np.asarray(mask, dtype=bool)
    return float(arr.mean()) if arr.size else 0.0


# ---------------------------------------------------------------------------
# report 01 in words: titles and sentences computed from the frames above
# ---------------------------------------------------------------------------

#: The one-bad-contract summary for readers (`analysis.report.format.readable`).
DROP_COLUMNS = {
    "scenario": ("Bad contract", "text"),
    "freelancers": ("Freelancers (JSS 95+)", "count"),
    "median_drop": ("Median drop (points)", "count"),
    "max_drop": ("Largest drop (points)", "count"),
    "share_10_plus": ("Share dropping 10+ points", "percent"),
    "share_below_threshold": ("Share falling below the threshold", "percent"),
}


def latest_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """The ``latest per freelancer`` rows of `jss_distribution`."""
    return scores[scores["scope"] == "latest per freelancer"]


def scores_title(latest: pd.DataFrame, threshold: float) -> str:
    return (
        f"Median latest JSS {latest['jss'].median():.0f}; "
        f"{share(latest['jss'] >= threshold):.0%} of freelancers at {threshold:g} or more"
    )


def scores_line(latest: pd.DataFrame) -> str:
    return (
        f"{share(latest['jss'] == 100):.0%} of freelancers' latest JSS is a perfect 100; "
        f"{share(latest['jss'] < 75):.0%} are below 75, where Upwork warns that winning "
        "clients may be hard [S10]."
    )


def windows_title(windows: pd.DataFrame) -> str | None:
    """Title of the window-score boxes (None when no window score is defined)."""
    if not windows["score"].notna().any():
        return None
    med = windows.groupby("window", observed=True)["score"].median()
    defined = windows.groupby("window", observed=True)["score"].agg(lambda s: s.notna().mean())
    longest, shortest = med.index[0], med.index[-2]  # the last one is Trending
    move = "rises" if med[shortest] > med[longest] else "does not rise"
    return (
        f"Median score {move} from {med[longest]:.0f} ({longest}) to {med[shortest]:.0f} "
        f"({shortest}); {shortest} exists on {defined[shortest]:.0%}"
    )


def displayed_text(shown: pd.DataFrame) -> tuple[str, str]:
    """(chart title, sentence) for the displayed-window bars."""
    counts = shown["displayed"].value_counts(normalize=True)
    single = counts.drop([TIE_AT_100, TIE_BELOW_100])
    title = (
        f"Windows tie at 100 on {counts[TIE_AT_100]:.0%} of dates; alone, "
        f"{single.idxmax()} is shown most ({single.max():.0%})"
    )
    differ = single.sum()
    listed = ", ".join(
        f"{k} {v / differ:.0%}" for k, v in single.sort_values(ascending=False).items()
    ) if differ else "none"  # fmt: skip
    line = (
        f"On the {differ:.0%} of dates where one candidate alone is highest, the one shown "
        f"is: {listed}."
    )
    return title, line


def lift_title(shown: pd.DataFrame) -> str | None:
    lifted = shown[shown["lift_points"] > 0]
    if lifted.empty:
        return None
    return (
        f"Best-of lifts the JSS above the 24-month score on {len(lifted) / len(shown):.0%} of "
        f"dates, by a median {lifted['lift_points'].median():.0f} points"
    )


def perfect_record_arithmetic(jobs: int = 10) -> str:
    """The hand-worked drop of one bad job of weight 1 on a perfect record of `jobs`."""
    after = 100 * (jobs - 1) / (jobs + 1)
    eleven = 200 / 11 - 1  # 100 - 100 * (T - 1) / (T + 1) = 11  <=>  T = 200 / 11 - 1
    return (
        f"{jobs} jobs of weight 1, then one bad one: 100 * {jobs - 1} / {jobs + 1} = {after:.1f}, "
        f"a drop of {100 - after:.0f} points. An 11-point drop is what it does to a perfect "
        f"record of total weight {eleven:.1f}."
    )


def drops_text(drops: pd.DataFrame, threshold: float) -> tuple[pd.DataFrame, str, str, str]:
    """(summary, histogram title, record-size title, sentence) for one bad contract."""
    summary = drop_summary(drops)
    by = summary.set_index("scenario")
    small, typical = by.loc[SMALLEST], by.loc[TYPICAL]
    title = (
        f"One bad contract costs a median {small['median_drop']:.0f} points "
        f"({typical['median_drop']:.0f} at typical weight)"
    )
    sized = drops[drops["scenario"] == SMALLEST].assign(
        record=record_size_bands(drops["counted_24m"])
    )
    med = sized.groupby("record", observed=True)["drop_points"].median()
    size_title = (
        f"Thin records fall hardest: {med.iloc[0]:.0f} points at {med.index[0]} contracts, "
        f"{med.iloc[-1]:.0f} at {med.index[-1]}"
    )
    line = (
        f"{small['share_below_threshold']:.0%} of the {small['freelancers']:,.0f} strong "
        f"records fall below {threshold:g} after one bad contract of weight 1, "
        f"{typical['share_below_threshold']:.0%} after one of typical weight; the median "
        f"strong record counts {drops['counted_24m'].median():.0f} contracts in 24 months."
    )
    return summary, title, size_title, line


def lag_text(lag: pd.DataFrame | None, threshold: float, rules_name: str) -> tuple[str | None, str]:
    """(histogram title or None, sentences) for the badge's lag behind the JSS."""
    if lag is None:
        return None, f"The rule set {rules_name} has no good-weeks rule, so nothing lags."
    if lag.empty:
        return None, f"No freelancer's JSS reached {threshold:g} in this history."
    reached = lag[lag["reached"]]
    if reached.empty:
        return None, f"{len(lag)} freelancer(s) reached a JSS of {threshold:g}; none got the badge."
    at_once = share(reached["weeks_to_badge"] == 0)
    cold = reached.loc[reached["head_start"] == "none", "weeks_to_badge"]
    cold_text = f"from zero, a median {cold.median():.0f} weeks" if len(cold) else "none from zero"
    text = (
        f"{len(reached):,} of {len(lag):,} freelancers whose JSS reached {threshold:g} got "
        f"the badge; for {at_once:.0%} it came the same week, thanks to good weeks already counted."
    )
    if len(cold):
        text += (
            f"\nStarting from zero good weeks the wait was {cold.median():.0f} weeks (median), "
            f"never less than {cold.min():.0f}."
        )
    return f"{at_once:.0%} get the badge at once; {cold_text}", text


def stuck_text(
    stuck: pd.DataFrame | None, threshold: float, required: int | None
) -> tuple[str | None, str]:
    """(histogram title or None, sentences) for the Sundays "stuck at 12/16"."""
    if stuck is None or stuck.empty:
        return None, "No Sunday with a qualifying JSS and no badge in this history."
    counting = stuck[stuck["blocked_by"] != OTHER_ONLY]
    text = (
        f"Of the {len(stuck):,} Sundays with a JSS of {threshold:g}+ and no badge, "
        f"{share(stuck['blocked_by'] == GOOD_WEEKS_ONLY):.0%} wait only on the good-week count, "
        f"{share(stuck['blocked_by'] == GOOD_WEEKS_AND_OTHER):.0%} on the count and another "
        f"criterion, and {share(stuck['blocked_by'] == OTHER_ONLY):.0%} have the count but miss "
        "another criterion."
    )
    others = criteria_counts(stuck["others_failing"])
    if len(others):
        text += "\nThe other criteria that fail on these Sundays, most frequent first: " + ", ".join(
            f"{k} ({v / len(stuck):.0%})" for k, v in others.items()
        ) + "."  # fmt: skip
    if counting.empty:
        return None, text
    return (
        f"{len(counting) / len(stuck):.0%} of JSS-qualified weeks without the badge are short "
        f"of {required}/16"
    ), text


def mechanics_finding(latest: pd.DataFrame, drops: pd.DataFrame, lag: pd.DataFrame | None,
                      threshold: float) -> str:  # fmt: skip
    """Report 01's finding from what this history shows."""
    parts = []
    if not latest.empty:
        parts.append(
            f"Median latest JSS {latest['jss'].median():.0f}, "
            f"{share(latest['jss'] >= threshold):.0%} at {threshold:g}+"
        )
    if not drops.empty:
        small = drop_summary(drops).set_index("scenario").loc[SMALLEST]
        parts.append(
            f"one bad contract costs a JSS-95+ record a median {small['median_drop']:.0f} points "
            f"and takes {small['share_below_threshold']:.0%} below {threshold:g}"
        )
    reached = None if lag is None else lag[lag["reached"]]
    if reached is not None and len(reached):
        waited = reached.loc[reached["weeks_to_badge"] > 0, "weeks_to_badge"]
        parts.append(
            f"{share(reached['weeks_to_badge'] == 0):.0%} get the badge the week the JSS "
            "qualifies"
            + (f", the rest wait a median {waited.median():.0f} weeks" if len(waited) else "")
        )
    if not parts:
        return "No freelancer in this history has a JSS yet, so there is nothing to dissect."
    return "; ".join(parts) + "."
