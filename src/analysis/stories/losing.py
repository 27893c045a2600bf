"""Story 06: the risk of losing Top Rated in the next weeks, worded for readers.

The model and its evaluation live in `analysis.estimate.risk`; this module holds
what report 06 shows around them: `risk_tables` (the labelled weeks, the split,
the fit and its evaluation, computed once in the report stage,
`analysis.report.stage`), the tables' reader columns, the sentences and the
finding.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis.engine.ruleset import Rules
from analysis.estimate import risk as rk

#: The bootstrap AUC table (`analysis.estimate.risk.bootstrap_auc`) for readers.
AUC_COLUMNS = {
    "score": ("Ranking by", "text"),
    "auc": ("ROC AUC", "number"),
    "lo": ("95% interval, low", "number"),
    "hi": ("95% interval, high", "number"),
}
#: The calibration table (`analysis.estimate.risk.calibration_table`) for readers.
CALIBRATION_COLUMNS = {
    "predicted": ("Predicted chance of a loss", "percent"),
    "observed": ("Observed share lost", "percent"),
    "weeks": ("Test weeks", "count"),
}
#: Fewest losses in the training and test weeks, and non-losses in the test weeks.
MIN_TRAIN_LOSSES, MIN_TEST_LOSSES, MIN_TEST_KEPT = 20, 10, 10


def enough_losses(y: np.ndarray, train: np.ndarray, test: np.ndarray) -> bool:
    """True when the split has enough losses on both sides to fit and test a model."""
    return (
        int(y[train].sum()) >= MIN_TRAIN_LOSSES
        and int(y[test].sum()) >= MIN_TEST_LOSSES
        and int((y[test] == 0).sum()) >= MIN_TEST_KEPT
    )


def split_line(y: np.ndarray, train: np.ndarray, test: np.ndarray, cutoff: Any,
               horizon: int) -> str:  # fmt: skip
    """The train/test split in one sentence."""
    stop = pd.Timestamp(cutoff) - pd.Timedelta(weeks=horizon)
    return (
        f"Train: weeks before {stop:%Y-%m-%d}, {train.sum():,} weeks, {int(y[train].sum())} "
        f"followed by a loss ({y[train].mean():.1%}); test: from {pd.Timestamp(cutoff):%Y-%m-%d}, "
        f"{test.sum():,} weeks, {int(y[test].sum())} followed by a loss ({y[test].mean():.1%})"
    )


def risk_finding(aucs: pd.DataFrame | None, top_feature: str | None, horizon: int) -> str:
    """Report 06's finding: the model's held-out AUC against headroom alone, or why
    no model was fitted."""
    if aucs is None:
        return (
            f"Not enough losses of Top Rated in this history to fit or test a risk model "
            f"(it needs {MIN_TRAIN_LOSSES} in the training weeks and {MIN_TEST_LOSSES} in the "
            "test weeks)."
        )
    auc = aucs.set_index("score")
    m, h, gain = auc.loc["model"], auc.loc["headroom only"], aucs.iloc[2]
    return (
        f"A gradient-boosting model predicts losing Top Rated within {horizon} weeks with a "
        f"held-out AUC of {m['auc']:.2f} (95% CI {m['lo']:.2f}-{m['hi']:.2f}), against "
        f"{h['auc']:.2f} for the headroom-only rule (gain {gain['auc']:+.2f}, CI "
        f"{gain['lo']:+.2f} to {gain['hi']:+.2f}); the most important feature is {top_feature}."
    )


#: The one-row split table of `risk_tables` (``risk_split``): its columns.
SPLIT_COLUMNS = (
    "weeks", "freelancers", "losses", "enough", "cutoff",
    "train_weeks", "train_losses", "test_weeks", "test_losses",
)  # fmt: skip
#: The columns of each evaluation table of `risk_tables` (empty when no model is fitted).
RISK_TABLE_COLUMNS = {
    "risk_auc": {"score": "str", "auc": "float64", "lo": "float64", "hi": "float64"},
    "risk_roc": {"score": "str", "fpr": "float64", "tpr": "float64"},
    "risk_calibration": {"predicted": "float64", "observed": "float64", "weeks": "int64"},
    "risk_importance": {"feature": "str", "auc_drop": "float64", "sd": "float64"},
}


def risk_tables(
    weekly: pd.DataFrame,
    contracts: pd.DataFrame,
    rules: Rules,
    seed: int,
    horizon: int = rk.HORIZON_WEEKS,
) -> dict[str, pd.DataFrame]:
    """Everything report 06 shows, from the weekly headroom table
    (`analysis.stories.pressure.weekly_headroom`): the labelled Top Rated weeks, a
    time split (the latest 30% of weeks tested, a gap of one horizon), a seeded
    model fitted on the training weeks and its held-out evaluation.

    Returns ``risk_split`` (one row, `SPLIT_COLUMNS`: labelled weeks, freelancers
    and losses, ``enough`` = a model was fitted (`enough_losses`), the test
    ``cutoff`` and the training/test weeks and losses), and the tables of
    `RISK_TABLE_COLUMNS`: ``risk_auc`` (`analysis.estimate.risk.bootstrap_auc` of
    the model against headroom alone), ``risk_roc`` (`~analysis.estimate.risk.roc_table`),
    ``risk_calibration`` (10 bins) and ``risk_importance`` (permutation
    importance), empty when there are too few losses to fit a model.
    """
    label = rk.loss_label(weekly, horizon)
    features = rk.build_features(weekly, contracts, rules, horizon)
    keep = label.notna().to_numpy()
    data = features[keep].reset_index(drop=True)
    y = label[keep].to_numpy().astype(int)
    cols = rk.feature_columns(data)
    enough = len(data) > 0
    cutoff, train, test = pd.NaT, np.zeros(len(data), bool), np.zeros(len(data), bool)
    if enough:
        cutoff = rk.choose_cutoff(data["week"], train_share=0.7)
        train, test = rk.time_split(data["week"], cutoff, horizon)
        enough = enough_losses(y, train, test)
    split = pd.DataFrame(
        {
            "weeks": [len(data)],
            "freelancers": [data["freelancer_id"].nunique()],
            "losses": [int(y.sum())],
            "enough": [bool(enough)],
            "cutoff": pd.to_datetime([cutoff]),
            "train_weeks": [int(np.sum(train))],
            "train_losses": [int(y[train].sum())],
            "test_weeks": [int(np.sum(test))],
            "test_losses": [int(y[test].sum())],
        }
    )
    tables = {
        name: pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})
        for name, columns in RISK_TABLE_COLUMNS.items()
    }
    if enough:
        model = rk.fit_model(data.loc[train, cols], y[train], seed)
        p_test = rk.predict_risk(model, data.loc[test, cols])
        y_test = y[test]
        headroom_score = -data.loc[test, "headroom"].fillna(0).to_numpy()
        scores = {"model": p_test, "headroom only": headroom_score}
        groups = data.loc[test, "freelancer_id"].to_numpy()
        tables = {
            "risk_auc": rk.bootstrap_auc(y_test, scores, groups, seed),
            "risk_roc": rk.roc_table(y_test, scores),
            "risk_calibration": rk.calibration_table(y_test, p_test, bins=10),
            "risk_importance": rk.importance_table(model, data.loc[test, cols], y_test, seed),
        }
    return {"risk_split": split, **tables}


def weeks_line(split: pd.DataFrame, horizon: int) -> str:
    """The labelled weeks in one sentence (from ``risk_split`` of `risk_tables`)."""
    row = split.iloc[0]
    weeks, losses = int(row["weeks"]), int(row["losses"])
    return (
        f"{weeks:,} labelled Top Rated weeks of {int(row['freelancers']):,} freelancers; "
        f"{losses:,} ({losses / weeks if weeks else 0:.1%}) followed by a loss within "
        f"{horizon} weeks"
    )


def split_text(split: pd.DataFrame, horizon: int) -> str:
    """The train/test split in one sentence (from ``risk_split``; as `split_line`)."""
    row = split.iloc[0]
    stop = pd.Timestamp(row["cutoff"]) - pd.Timedelta(weeks=horizon)
    train, test = int(row["train_weeks"]), int(row["test_weeks"])
    train_losses, test_losses = int(row["train_losses"]), int(row["test_losses"])
    return (
        f"Train: weeks before {stop:%Y-%m-%d}, {train:,} weeks, {train_losses} "
        f"followed by a loss ({train_losses / train:.1%}); test: from "
        f"{pd.Timestamp(row['cutoff']):%Y-%m-%d}, {test:,} weeks, {test_losses} followed by a "
        f"loss ({test_losses / test:.1%})"
    )
