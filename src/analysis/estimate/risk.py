"""Risk of losing Top Rated: labels, leak-free features, a time split, and scoring.

Building blocks of report ``06-risk-of-losing``. The unit is a Top Rated
freelancer-week (badge Sunday ``s``); the question is "will the badge be gone on
some Sunday of the next `HORIZON_WEEKS`?", asked with only what is known on ``s``.

- `loss_label`: the outcome, from the weekly status (needs the full horizon
  observed, so the last weeks of the data have no label).
- `build_features`: every feature looks backwards only (JSS-grid values of the
  latest evaluation date on or before ``s``, contracts that started or ended on
  or before ``s``, shifts of earlier rows), so changing anything after ``s``
  never changes the features at ``s`` (property-tested).
- `time_split`: train on earlier weeks, test on later ones, with a gap of one
  horizon so that no training label looks into the test period.
- `fit_model`, `bootstrap_auc`, `calibration_table`, `importance_table`: a seeded
  gradient-boosting model and its evaluation (cluster bootstrap by freelancer,
  since weeks of one freelancer are not independent).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis.engine import jss as engine
from analysis.engine.ruleset import Rules
from analysis.engine.status import TOP_RATED_STATUSES

#: Weeks ahead in which a loss counts.
HORIZON_WEEKS = 8
#: Window for recent outcomes (days).
RECENT_DAYS = 91


def _top(weekly: pd.DataFrame) -> np.ndarray:
    if "is_top_rated" in weekly:
        return weekly["is_top_rated"].to_numpy(dtype=bool)
    return weekly["status"].isin(TOP_RATED_STATUSES).to_numpy()


def loss_label(weekly: pd.DataFrame, horizon: int = HORIZON_WEEKS) -> pd.Series:
    """1.0 when a Top Rated week is followed by a week without the badge within `horizon` weeks.

    `weekly` has one row per freelancer and consecutive badge Sunday (as
    `analysis.engine.status.status_grid`), sorted by ``freelancer_id, week``. The label of
    row ``s`` is 1 when any of the rows ``s+1 .. s+horizon`` is not Top Rated (or
    Plus), 0 when all are; NaN for weeks that are not Top Rated and for weeks
    with fewer than `horizon` later rows (the outcome is not observed yet).
    """
    top = _top(weekly)
    lost = pd.Series((~top).astype(np.int64), index=weekly.index)
    csum = lost.groupby(weekly["freelancer_id"], observed=True).cumsum()
    ahead = csum.groupby(weekly["freelancer_id"], observed=True).shift(-horizon)
    label = (ahead - csum > 0).astype("float64")
    return label.where(ahead.notna() & top)


def _count_upto(
    ev_fid: np.ndarray, ev_day: np.ndarray, row_fid: np.ndarray, row_day: np.ndarray
) -> np.ndarray:
    """For each row, the number of events of the same freelancer on or before its day.

    Freelancers are integer codes and days integers >= 0; a (code, day) pair is one
    sortable int64 key, so one `searchsorted` answers every row.
    """
    span = np.int64(1) << 32
    keys = np.sort(ev_fid.astype(np.int64) * span + ev_day.astype(np.int64))
    upto = np.searchsorted(keys, row_fid.astype(np.int64) * span + row_day, side="right")
    first = np.searchsorted(keys, row_fid.astype(np.int64) * span, side="left")
    return (upto - first).astype(np.int64)


def _day(values: Any) -> np.ndarray:
    arr = np.asarray(values).astype("datetime64[D]")
    return np.where(np.isnat(arr), np.iinfo(np.int32).max, arr.view(np.int64))


def build_features(
    weekly: pd.DataFrame, contracts: pd.DataFrame, rules: Rules, horizon: int = HORIZON_WEEKS
) -> pd.DataFrame:
    """Features known on each badge Sunday, one row per row of `weekly` (same order).

    `weekly` is `analysis.stories.pressure.weekly_headroom` (status rows with the JSS-grid
    scores and ``negatives_to_drop_below`` of the latest evaluation date on or
    before the week), sorted by ``freelancer_id, week``; `contracts` the history's
    contracts. Columns: ``freelancer_id``, ``week``, then the features

    - ``headroom`` (fewest extra negatives to drop below the JSS minimum), ``jss``,
      ``score_<window>`` and ``score_trending``, ``jss_change_8w``;
    - ``good_weeks_16``, ``earnings_12m_usd`` and ``earnings_trend_8w`` (its change
      over `horizon` weeks), ``weeks_top_rated`` (Top Rated weeks so far),
      ``tenure_weeks`` (rows since the first);
    - ``open_contracts`` (started on or before ``s``, not ended by ``s``) and
      ``negatives_91d``, ``neutrals_91d``, ``positives_91d`` (counted contracts that
      ended in ``(s - 91, s]``, by outcome).

    Only earlier rows and contracts dated on or before ``s`` are used.
    """
    fid = weekly["freelancer_id"]
    by = fid.groupby(fid, observed=True)
    jss = pd.to_numeric(weekly["jss"], errors="coerce").astype("float64")
    earn = weekly["earnings_12m_usd"].astype("float64")
    top = pd.Series(_top(weekly).astype(np.int64), index=weekly.index)
    out = pd.DataFrame(
        {
            "freelancer_id": fid.to_numpy(),
            "week": weekly["week"].to_numpy(),
            "headroom": weekly["negatives_to_drop_below"].astype("float64").to_numpy(),
            "jss": jss.to_numpy(),
        }
    )
    for col in [c for c in weekly.columns if c.startswith("score_")]:
        out[col] = weekly[col].astype("float64").to_numpy()
    out["jss_change_8w"] = (jss - jss.groupby(fid, observed=True).shift(horizon)).to_numpy()
    out["good_weeks_16"] = weekly["good_weeks_16"].astype("float64").to_numpy()
    out["earnings_12m_usd"] = earn.to_numpy()
    out["earnings_trend_8w"] = (earn - earn.groupby(fid, observed=True).shift(horizon)).to_numpy()
    out["weeks_top_rated"] = top.groupby(fid, observed=True).cumsum().to_numpy()
    out["tenure_weeks"] = by.cumcount().to_numpy()

    codes = pd.Index(pd.unique(pd.concat([fid, contracts["freelancer_id"]]).astype(str)))
    row_f = codes.get_indexer(fid.astype(str))
    row_d = _day(weekly["week"])
    c_f = codes.get_indexer(contracts["freelancer_id"].astype(str))
    start, end = _day(contracts["start_date"]), _day(contracts["end_date"])
    outcome = engine.contract_outcomes(contracts, rules)["outcome"].to_numpy()
    ended = end < np.iinfo(np.int32).max
    out["open_contracts"] = _count_upto(c_f, start, row_f, row_d) - _count_upto(
        c_f[ended], end[ended], row_f, row_d
    )
    for name in ("negative", "neutral", "positive"):
        m = ended & (outcome == name)
        out[f"{name}s_91d"] = _count_upto(c_f[m], end[m], row_f, row_d) - _count_upto(
            c_f[m], end[m], row_f, row_d - RECENT_DAYS
        )
    return out


#: Columns of `build_features` that are not features.
ID_COLUMNS = ("freelancer_id", "week")


def feature_columns(features: pd.DataFrame) -> list[str]:
    """The feature columns of a `build_features` frame."""
    return [c for c in features.columns if c not in ID_COLUMNS]


def choose_cutoff(weeks: pd.Series, train_share: float = 0.7) -> pd.Timestamp:
    """The week at the `train_share` quantile of the labelled weeks: test starts there."""
    values = np.sort(weeks.to_numpy())
    return pd.Timestamp(values[min(int(len(values) * train_share), len(values) - 1)])


def time_split(
    weeks: pd.Series, cutoff: Any, horizon: int = HORIZON_WEEKS
) -> tuple[np.ndarray, np.ndarray]:
    """Boolean masks (train, test): test is ``week >= cutoff``; train ends `horizon` weeks before.

    A training row's label looks `horizon` weeks ahead, so training stops at
    ``cutoff - horizon weeks`` (exclusive): no label of the training set reaches a
    week of the test period, and every training week is earlier than every test
    week.
    """
    cut = pd.Timestamp(cutoff)
    w = pd.to_datetime(weeks)
    test = (w >= cut).to_numpy()
    train = (w < cut - pd.Timedelta(weeks=horizon)).to_numpy()
    return train, test


def fit_model(x: pd.DataFrame, y: np.ndarray, seed: int) -> Any:
    """A histogram gradient-boosting classifier (handles missing scores natively), seeded.

    Fitted on one thread: on a small shared machine OpenMP threads oversubscribe
    the cores and a sub-second fit takes tens of seconds.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits

    model = HistGradientBoostingClassifier(
        max_iter=100,
        learning_rate=0.05,
        max_leaf_nodes=15,
        l2_regularization=1.0,
        early_stopping=False,
        random_state=seed,
    )
    with threadpool_limits(1):
        return model.fit(x, y)


def predict_risk(model: Any, x: pd.DataFrame) -> np.ndarray:
    """The fitted model's probability of a loss for each row of `x`, on one thread
    (OpenMP's idle threads would spend about 20x the CPU of the prediction itself)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        return model.predict_proba(x)[:, 1]


#: Bootstrap replicates weighted at once in `bootstrap_auc` (memory: this many x rows).
REPLICATES_AT_ONCE = 25


def weighted_auc(y: np.ndarray, score: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """ROC AUC of `score` for labels `y` under each row of `weights` (replicates x rows).

    The area under the weighted ROC curve as sklearn's ``roc_auc_score`` with
    ``sample_weight`` draws it (ties between a positive and a negative count half):
    ``sum_k P_k (N_<k + N_k / 2) / (P N)`` over the distinct score values ``k``, with
    ``P_k``, ``N_k`` the positive and negative weight at value ``k``. One sort for all
    replicates instead of one per replicate. NaN where a replicate has no positive
    or no negative weight.
    """
    y = np.asarray(y).astype(bool)
    weights = np.atleast_2d(np.asarray(weights, dtype=np.float64))
    levels, level = np.unique(np.asarray(score, dtype=np.float64), return_inverse=True)
    k = len(levels)
    pos = np.zeros((len(weights), k))
    neg = np.zeros((len(weights), k))
    for row, w in enumerate(weights):
        pos[row] = np.bincount(level[y], weights=w[y], minlength=k)
        neg[row] = np.bincount(level[~y], weights=w[~y], minlength=k)
    below = np.cumsum(neg, axis=1) - neg  # negative weight strictly below each value
    total = pos.sum(axis=1) * neg.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        auc = (pos * (below + neg / 2)).sum(axis=1) / total
    return np.where(total > 0, auc, np.nan)


def bootstrap_auc(
    y: np.ndarray,
    scores: dict[str, np.ndarray],
    groups: np.ndarray,
    seed: int,
    n_boot: int = 200,
) -> pd.DataFrame:
    """ROC AUC of each score with a 95% cluster-bootstrap interval (clusters: `groups`).

    Each replicate draws the clusters with replacement (a multinomial count per
    cluster, used as row weights), so a freelancer's weeks stay together; a
    replicate without both labels is skipped. Returns ``score``, ``auc``, ``lo``,
    ``hi``; with two or more scores also a row ``"<first> - <second>"`` for the
    difference of the first two (paired, same replicates). The AUCs are
    `weighted_auc` (sklearn's, computed for all replicates at once).
    """
    rng = np.random.default_rng(seed)
    codes, uniq = pd.factorize(pd.Series(groups))
    y = np.asarray(y)
    names = list(scores)
    point = {n: float(weighted_auc(y, scores[n], np.ones(len(y)))[0]) for n in names}
    draws = np.array(
        [rng.multinomial(len(uniq), np.full(len(uniq), 1 / len(uniq))) for _ in range(n_boot)]
    ).reshape(n_boot, len(uniq))
    reps = {n: np.empty(0) for n in names}
    for start in range(0, n_boot, REPLICATES_AT_ONCE):  # bounded memory on long test sets
        w = draws[start : start + REPLICATES_AT_ONCE][:, codes]
        for n in names:
            reps[n] = np.concatenate([reps[n], weighted_auc(y, scores[n], w)])
    kept = np.isfinite(reps[names[0]])  # NaN: a replicate without both labels, skipped
    reps = {n: r[kept] for n, r in reps.items()}
    rows = [
        {
            "score": n,
            "auc": point[n],
            "lo": np.quantile(reps[n], 0.025),
            "hi": np.quantile(reps[n], 0.975),
        }
        for n in names
    ]
    if len(names) >= 2:
        d = reps[names[0]] - reps[names[1]]
        rows.append(
            {
                "score": f"{names[0]} - {names[1]}",
                "auc": point[names[0]] - point[names[1]],
                "lo": np.quantile(d, 0.025),
                "hi": np.quantile(d, 0.975),
            }
        )
    return pd.DataFrame(rows)


def calibration_table(y: np.ndarray, p: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Observed loss rate against mean predicted probability in quantile bins of `p`."""
    frame = pd.DataFrame({"y": y, "p": p})
    frame["bin"] = pd.qcut(frame["p"].rank(method="first"), q=min(bins, len(frame)), labels=False)
    out = frame.groupby("bin", as_index=False).agg(
        predicted=("p", "mean"), observed=("y", "mean"), weeks=("y", "size")
    )
    return out.drop(columns="bin")


def importance_table(model: Any, x: pd.DataFrame, y: np.ndarray, seed: int, repeats: int = 5):
    """Permutation importance on held-out rows: the drop in ROC AUC when a feature is shuffled."""
    from sklearn.inspection import permutation_importance
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        r = permutation_importance(
            model, x, y, scoring="roc_auc", n_repeats=repeats, random_state=seed, n_jobs=1
        )
    out = pd.DataFrame(
        {"feature": x.columns, "auc_drop": r.importances_mean, "sd": r.importances_std}
    )
    return out.sort_values("auc_drop", ascending=False).reset_index(drop=True)


def roc_table(y: np.ndarray, scores: dict[str, np.ndarray]) -> pd.DataFrame:
    """ROC curve points of each score (tidy: ``score``, ``fpr``, ``tpr``) for plotting."""
    from sklearn.metrics import roc_curve

    parts = []
    for name, s in scores.items():
        fpr, tpr, _ = roc_curve(y, s)
        parts.append(pd.DataFrame({"score": name, "fpr": fpr, "tpr": tpr}))
    return pd.concat(parts, ignore_index=True)
