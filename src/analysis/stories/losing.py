"""Story 06: the risk of losing Top Rated in the next weeks, worded for readers.

The model and its evaluation live in `analysis.estimate.risk`; this module holds
what report 06 shows around them: the tables' reader columns, the test-split
sentence and the finding.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

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
