"""Tests of `analysis.estimate.risk`: the loss label, leak-free features, the time split, scoring.

Small literal frames with hand-worked answers, and a hypothesis property: changing
anything after a week never changes the features of that week.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from histories import contracts_frame
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.engine.ruleset import load_rules
from analysis.estimate import risk as rk

RULES = load_rules("upwork-2025")
W0 = pd.Timestamp("2022-01-02")  # a Sunday


def _weekly(statuses: dict[str, str], **cols) -> pd.DataFrame:
    """One row per freelancer and consecutive Sunday from W0; status letters T (top
    rated), P (plus), N (none)."""
    names = {"T": "top_rated", "P": "top_rated_plus", "N": "none"}
    rows = []
    for fid, letters in statuses.items():
        for i, s in enumerate(letters):
            rows.append(
                {"freelancer_id": fid, "week": W0 + pd.Timedelta(weeks=i), "status": names[s]}
            )
    frame = pd.DataFrame(rows)
    n = len(frame)
    defaults = {
        "jss": 95.0,
        "score_24m": 95.0,
        "score_trending": np.nan,
        "negatives_to_drop_below": 1.0,
        "good_weeks_16": 16,
        "earnings_12m_usd": 1000.0,
    }
    return frame.assign(**{k: cols.get(k, [v] * n) for k, v in defaults.items()})


def test_loss_label() -> None:
    """Horizon 2. f1: T T N T P P -> week 0: weeks 1-2 hold an N -> 1; week 1: N at 2 -> 1;
    week 2 is not Top Rated -> NaN; week 3: 4-5 are P P -> 0; weeks 4, 5: fewer than 2
    weeks ahead -> NaN. f2: T T T -> week 0: 0; weeks 1, 2: NaN."""
    weekly = _weekly({"f1": "TTNTPP", "f2": "TTT"})
    got = rk.loss_label(weekly, horizon=2)
    np.testing.assert_array_equal(got, [1, 1, np.nan, 0, np.nan, np.nan, 0, np.nan, np.nan])


def test_loss_label_empty() -> None:
    """No rows in, no rows out."""
    empty = _weekly({"f1": "T"}).iloc[:0]
    assert len(rk.loss_label(empty, horizon=2)) == 0


def test_time_split_never_trains_on_later_weeks() -> None:
    """Weeks 0..19, cutoff week 12, horizon 3: train weeks 0..8 (< 12 - 3), test 12..19;
    weeks 9-11 are the gap (their labels would look into the test period)."""
    weeks = pd.Series([W0 + pd.Timedelta(weeks=i) for i in range(20)] * 2)
    cutoff = W0 + pd.Timedelta(weeks=12)
    train, test = rk.time_split(weeks, cutoff, horizon=3)
    assert weeks[train].max() == W0 + pd.Timedelta(weeks=8)
    assert weeks[test].min() == cutoff
    assert weeks[train].max() + pd.Timedelta(weeks=3) < weeks[test].min()
    assert not (train & test).any()


def test_choose_cutoff() -> None:
    """10 distinct weeks, 70% -> the 8th (index 7)."""
    weeks = pd.Series([W0 + pd.Timedelta(weeks=i) for i in range(10)])
    assert rk.choose_cutoff(weeks, 0.7) == W0 + pd.Timedelta(weeks=7)


def test_build_features_counts_contracts() -> None:
    """Week W0 + 2 weeks (2022-01-16), f1's contracts:
    - c0 started 2021-12-01, open: open.
    - c1 started 2021-12-01, ended 2022-01-10, rated 2 (negative, in the last 91 days).
    - c2 ended 2022-01-20 (after the week): still open at 01-16, its rating unseen.
    - c3 ended 2021-09-01, rated 3 ... 137 days before: not recent, negative.
    - c4 ended 2022-01-16 rated 4.6 with private 8 (neutral), on the week itself: counted.
    So at 01-16: open 2 (c0, c2), negatives_91d 1, neutrals_91d 1, positives_91d 0."""
    contracts = contracts_frame(
        pd.read_csv(
            io.StringIO(
                "contract_id,start_date,end_date,public_rating,private_score\n"
                "c0,2021-12-01,,,\n"
                "c1,2021-12-01,2022-01-10,2.0,\n"
                "c2,2021-12-20,2022-01-20,5.0,\n"
                "c3,2021-06-01,2021-09-01,3.0,\n"
                "c4,2022-01-02,2022-01-16,4.6,8\n"
            ),
            dtype=str,
        )
        .fillna(np.nan)
        .replace({np.nan: None})
        .to_dict("records")
    )
    weekly = _weekly({"f1": "TTTT"})
    feats = rk.build_features(weekly, contracts, RULES, horizon=2)
    row = feats.iloc[2]
    assert row["week"] == pd.Timestamp("2022-01-16")
    assert (
        row["open_contracts"],
        row["negatives_91d"],
        row["neutrals_91d"],
        row["positives_91d"],
    ) == (2, 1, 1, 0)
    assert feats["tenure_weeks"].tolist() == [0, 1, 2, 3]
    assert feats["weeks_top_rated"].tolist() == [1, 2, 3, 4]
    # the 8-week trend needs `horizon` earlier rows: NaN for the first two
    assert feats["earnings_trend_8w"].isna().tolist() == [True, True, False, False]


DAYS = st.integers(min_value=-60, max_value=120)


@st.composite
def _case(draw):
    """A weekly frame of 1-2 freelancers x 6-12 weeks, 0-6 contracts, a cut week, and a
    perturbed copy: everything dated after the cut changed at random."""
    n_weeks = draw(st.integers(6, 12))
    fids = ["f1", "f2"][: draw(st.integers(1, 2))]
    letters = {
        f: "".join(draw(st.lists(st.sampled_from("TPN"), min_size=n_weeks, max_size=n_weeks)))
        for f in fids
    }
    n = n_weeks * len(fids)
    num = st.lists(st.floats(0, 100), min_size=n, max_size=n)
    weekly = _weekly(
        letters,
        jss=draw(num),
        score_24m=draw(num),
        negatives_to_drop_below=[
            float(v) for v in draw(st.lists(st.integers(0, 5), min_size=n, max_size=n))
        ],
        earnings_12m_usd=draw(num),
    )
    rows = []
    for i in range(draw(st.integers(0, 6))):
        start = draw(DAYS)
        end = draw(st.one_of(st.none(), st.integers(start, 130)))
        rows.append(
            {
                "contract_id": f"c{i}",
                "freelancer_id": draw(st.sampled_from(fids)),
                "start_date": W0 + pd.Timedelta(days=start),
                "end_date": None if end is None else W0 + pd.Timedelta(days=end),
                "public_rating": draw(st.sampled_from([None, 2.0, 4.2, 5.0])),
            }
        )
    cut = W0 + pd.Timedelta(weeks=draw(st.integers(0, n_weeks - 1)))

    # the perturbed copy: rows after the cut redrawn
    later = (weekly["week"] > cut).to_numpy()
    changed = weekly.copy()
    k = int(later.sum())
    for col in ("jss", "score_24m", "earnings_12m_usd", "negatives_to_drop_below"):
        changed.loc[later, col] = draw(st.lists(st.floats(0, 100), min_size=k, max_size=k))
    changed.loc[later, "status"] = draw(
        st.lists(st.sampled_from(["none", "top_rated", "top_rated_plus"]), min_size=k, max_size=k)
    )
    after = (cut - W0).days + 1  # first day after the cut, relative to W0
    rows2 = []
    for r in rows:
        r2 = dict(r)
        start = (r["start_date"] - W0).days
        if start >= after:  # not started by the cut: anything about it may change
            s2 = draw(st.integers(after, 140))
            r2["start_date"] = W0 + pd.Timedelta(days=s2)
            e2 = draw(st.one_of(st.none(), st.integers(s2, 150)))
            r2["end_date"] = None if e2 is None else W0 + pd.Timedelta(days=e2)
            r2["public_rating"] = draw(st.sampled_from([None, 2.0, 4.2, 5.0]))
        elif r["end_date"] is None or (r["end_date"] - W0).days >= after:
            e2 = draw(st.one_of(st.none(), st.integers(after, 150)))  # still open at the cut
            r2["end_date"] = None if e2 is None else W0 + pd.Timedelta(days=e2)
            r2["public_rating"] = draw(st.sampled_from([None, 2.0, 4.2, 5.0]))
        rows2.append(r2)
    # plus a contract that starts after the cut
    rows2.append(
        {
            "contract_id": "new",
            "freelancer_id": fids[0],
            "start_date": cut + pd.Timedelta(days=1),
            "end_date": None,
        }
    )
    return weekly, contracts_frame(rows), changed, contracts_frame(rows2), cut


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_case())
def test_features_use_no_future_data(case) -> None:
    """Changing weekly rows after week w, or contracts after w, never changes the features
    of any week <= w."""
    weekly, contracts, changed, contracts2, cut = case
    a = rk.build_features(weekly, contracts, RULES, horizon=2)
    b = rk.build_features(changed, contracts2, RULES, horizon=2)
    upto = (a["week"] <= cut).to_numpy()
    pd.testing.assert_frame_equal(a[upto], b[upto])


def test_bootstrap_auc_is_seeded_and_exact_on_a_perfect_score() -> None:
    """A score equal to the label has AUC 1 in every replicate; the same seed gives the
    same intervals; the difference row is first minus second."""
    y = np.array([0, 1, 0, 1, 0, 1, 0, 0])
    groups = np.array(["a", "a", "b", "b", "c", "c", "d", "d"])
    scores = {"perfect": y.astype(float), "flat": np.zeros(8)}
    one = rk.bootstrap_auc(y, scores, groups, seed=3, n_boot=50)
    two = rk.bootstrap_auc(y, scores, groups, seed=3, n_boot=50)
    pd.testing.assert_frame_equal(one, two)
    assert one["score"].tolist() == ["perfect", "flat", "perfect - flat"]
    assert one["auc"].tolist() == [1.0, 0.5, 0.5]
    assert one.loc[0, "lo"] == 1.0


def test_calibration_table() -> None:
    """Two bins of 2: predicted 0.1, 0.2 (observed 0, 0) and 0.8, 0.9 (observed 1, 0)."""
    out = rk.calibration_table(np.array([0, 0, 1, 0]), np.array([0.1, 0.2, 0.8, 0.9]), bins=2)
    np.testing.assert_allclose(out["predicted"], [0.15, 0.85])
    np.testing.assert_allclose(out["observed"], [0.0, 0.5])


def test_weighted_auc_by_hand() -> None:
    """Scores 0.1 (neg, w 2), 0.5 (pos, w 1), 0.5 (neg, w 1), 0.9 (pos, w 3). P = 4,
    N = 3. The positive at 0.5 beats weight 2 and ties weight 1: 1 * (2 + 0.5); the one
    at 0.9 beats all 3: 3 * 3. AUC = (2.5 + 9) / 12 = 0.958333..."""
    y = np.array([0, 1, 0, 1])
    score = np.array([0.1, 0.5, 0.5, 0.9])
    auc = rk.weighted_auc(y, score, np.array([[2, 1, 1, 3], [1, 0, 0, 0]]))
    assert auc[0] == pytest.approx(11.5 / 12)
    assert np.isnan(auc[1])  # no positive weight: no AUC


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(2, 300),
    levels=st.integers(1, 20),
)
def test_weighted_auc_is_sklearns(seed, n, levels) -> None:
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    score = rng.integers(0, levels, n) / levels  # many ties
    w = rng.integers(0, 4, (3, n)).astype(float)
    got = rk.weighted_auc(y, score, w)
    for row, value in zip(w, got, strict=True):
        if row[y == 1].sum() > 0 and row[y == 0].sum() > 0:
            assert value == pytest.approx(roc_auc_score(y, score, sample_weight=row), abs=1e-12)
        else:
            assert np.isnan(value)
