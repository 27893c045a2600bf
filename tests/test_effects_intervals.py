"""The 95% intervals of the effect estimates: Student's t with the effective
number of clusters (`analysis.estimate.effects.effective_clusters`), not 1.96.

Hand-worked: OLS through the origin of y = [1, 3, 2, 3] on x = [1, 2, 1, 2] with
freelancers a, a, b, b. beta = sum(xy) / sum(x^2) = 15 / 10 = 1.5; residuals
[-0.5, 0, 0.5, 0]; scores x*u = [-0.5, 0, 0.5, 0]; each freelancer's influence
on beta is their summed score over sum(x^2): a -0.05, b +0.05. Two equal
contributions: G* = 2, and the multiplier is t(1)'s 97.5% quantile, 12.706.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.estimate.effects import (
    Z95,
    cluster_influence,
    critical_value,
    effective_clusters,
    fit_model,
)


@pytest.fixture(scope="module")
def tiny_fit():
    data = pd.DataFrame({"y": [1.0, 3.0, 2.0, 3.0], "x": [1.0, 2.0, 1.0, 2.0], "fid": [0, 0, 1, 1]})
    return fit_model("ols", "y ~ -1 + x", data)


def test_each_freelancers_influence_is_their_score_over_the_information(tiny_fit):
    assert float(tiny_fit.coef()["x"]) == pytest.approx(1.5)
    assert cluster_influence(tiny_fit, "x") == pytest.approx([-0.05, 0.05])


def test_two_equal_contributions_make_two_effective_clusters(tiny_fit):
    assert effective_clusters(cluster_influence(tiny_fit, "x")) == pytest.approx(2.0)
    assert critical_value(tiny_fit, "x") == pytest.approx(12.7062047, rel=1e-6)


@pytest.mark.parametrize(
    ("influence", "g_star"),
    [
        ([1.0, 1.0, 1.0, 1.0], 4.0),  # equal shares: all four count
        ([3.0, 0.0, 0.0], 1.0),  # one freelancer carries everything
        ([2.0, 1.0, 1.0], 2.0),  # squares 4, 1, 1: 6^2 / (16 + 1 + 1)
        ([-2.0, 1.0, -1.0], 2.0),  # the sign of an influence does not matter
        ([0.0, 0.0], 1.0),  # nothing to share: one
    ],
)
def test_effective_clusters_by_hand(influence, g_star):
    assert effective_clusters(np.array(influence)) == pytest.approx(g_star)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=1, max_size=40),
    st.floats(1e-3, 1e3),
)
def test_effective_clusters_lie_between_one_and_the_clusters_and_ignore_scale(values, scale):
    infl = np.array(values)
    if not (np.abs(infl) > 1e-6).any():
        return
    g = effective_clusters(infl)
    assert 1.0 - 1e-9 <= g <= len(infl) + 1e-9
    assert effective_clusters(infl * scale) == pytest.approx(g, rel=1e-9)


def test_the_multiplier_falls_to_196_only_with_many_equal_clusters():
    """Many freelancers sharing the information equally: t with G* - 1 degrees of
    freedom approaches the normal 1.96, from above. The contributions are estimated
    (squared influences), so G* also counts their tails: for independent normal x
    and errors, E[(xu)^4] / E[(xu)^2]^2 = 3 * 3 = 9, so G* is about n / 9."""
    n = 4000
    rng = np.random.default_rng(3)
    x = rng.standard_normal(n)
    data = pd.DataFrame({"y": 0.5 * x + rng.standard_normal(n), "x": x, "fid": np.arange(n)})
    fit = fit_model("ols", "y ~ x", data)
    q = critical_value(fit, "x")
    assert Z95 < q < Z95 * 1.01
    assert math.isclose(effective_clusters(cluster_influence(fit, "x")), n / 9, rel_tol=0.25)


def _two_freelancer_panel(surplus_b: list[float]) -> pd.DataFrame:
    """A never-badged freelancer A and a freelancer B shown the badge in weeks 3
    and 4; the same state every week; own rate $20, 1 hour a week, so earnings are
    the surplus + 20."""
    weeks = pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-15", "2024-01-22"])
    a = [10.0, 20.0, 10.0, 20.0]
    rows = []
    for fid, surplus, top in (("A", a, [0, 0, 0, 0]), ("B", surplus_b, [0, 0, 1, 1])):
        for k, week in enumerate(weeks):
            rows.append(
                {"freelancer_id": fid, "week_start": week, "earnings_usd": surplus[k] + 20.0,
                 "hours_worked": 1.0, "hourly_rate_usd": 20.0, "top_rated": bool(top[k]),
                 "event_time": (k - 2) if fid == "B" else None, "jss": 95.0,
                 "earnings_12w_usd": 1000.0, "tenure_years": 1.2, "open_contracts": 1,
                 "jobs_before": 3}
            )  # fmt: skip
    panel = pd.DataFrame(rows)
    panel["event_time"] = panel["event_time"].astype("Int64")
    return panel


def test_net_value_is_52_weeks_of_the_surplus_difference_in_differences():
    """Hand-worked: B's surplus 10, 20, 40, 50 against A's 10, 20, 10, 20: with
    freelancer and week effects the badge adds ((40 - 10) + (50 - 20)) / 2 = 30 a
    week over A's weeks, so 52 x 30 = $1,560 a holder-year. The hours at the own
    rate net out: doubling both hours and earnings' hourly part changes nothing."""
    from analysis.estimate.effects import net_value

    row = net_value(_two_freelancer_panel([10.0, 20.0, 40.0, 50.0])).iloc[0]
    assert row["estimate"] == pytest.approx(1560.0)
    # an exact fit: a zero-width interval, its ends equal to 1560 up to the last bit
    assert row["ci_low"] - 1e-6 <= 1560.0 <= row["ci_high"] + 1e-6
    more_work = _two_freelancer_panel([10.0, 20.0, 40.0, 50.0])
    more_work["hours_worked"] = 2.0
    more_work["earnings_usd"] += 20.0
    assert net_value(more_work).iloc[0]["estimate"] == pytest.approx(1560.0)


def test_net_value_without_hours_worked_is_not_estimated():
    from analysis.estimate.effects import net_value

    panel = _two_freelancer_panel([10.0, 20.0, 40.0, 50.0]).drop(columns=["hours_worked"])
    row = net_value(panel).iloc[0]
    assert math.isnan(row["estimate"]) and "hours_worked" in row["note"]


def test_the_multipliers_of_several_terms_at_once_are_each_terms_own():
    from analysis.estimate.effects import critical_values

    rng = np.random.default_rng(5)
    n = 60
    data = pd.DataFrame({"x1": rng.standard_normal(n), "x2": rng.standard_normal(n),
                         "fid": np.repeat(np.arange(12), 5)})  # fmt: skip
    data["y"] = data["x1"] - 0.5 * data["x2"] + rng.standard_normal(n)
    fit = fit_model("ols", "y ~ x1 + x2", data)
    both = critical_values(fit, ["x1", "x2"])
    one_by_one = {"x1": critical_value(fit, "x1"), "x2": critical_value(fit, "x2")}
    assert both == pytest.approx(one_by_one, rel=1e-12)  # same up to the order of sums


# --------------------------------------------------------------------------- CV3


def test_the_jackknife_error_of_the_tiny_fit_by_hand(tiny_fit):
    """Without a, beta is (1*2 + 2*3) / (1 + 4) = 1.6; without b, (1*1 + 2*3) / 5 =
    1.4. Their mean is 1.5, so CV3 = (2 - 1) / 2 * (0.1^2 + 0.1^2) = 0.01: 0.1."""
    from analysis.estimate.effects import standard_errors

    assert standard_errors(tiny_fit, ["x"]) == pytest.approx({"x": 0.1})


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(3, 12))
def test_the_jackknife_error_is_the_spread_of_the_leave_one_out_fits(seed, clusters):
    """For OLS without fixed effects the one-step leave-one-out estimate is exact:
    the CV3 error equals the spread of real refits without each freelancer, with
    heteroskedastic errors and unequal freelancers (where it differs from CV1)."""
    from analysis.estimate.effects import standard_errors

    rng = np.random.default_rng(seed)
    n = 8 * clusters
    fid = np.concatenate([np.arange(clusters), rng.integers(0, clusters, n - clusters)])
    x = rng.standard_normal((n, 2)) * rng.uniform(0.2, 3.0, clusters)[fid, None]
    y = 0.5 + x[:, 0] + rng.standard_normal(n) * (1 + x[:, 0] ** 2)
    data = pd.DataFrame({"y": y, "x1": x[:, 0], "x2": x[:, 1], "fid": fid})
    design = np.column_stack([np.ones(n), x])
    refits = []
    for g in range(clusters):
        keep = fid != g
        if np.linalg.matrix_rank(design[keep]) < 3:
            return  # a freelancer alone identifies a term: tested below
        refits.append(np.linalg.lstsq(design[keep], y[keep], rcond=None)[0][1:])
    full = np.linalg.lstsq(design, y, rcond=None)[0][1:]
    spread = np.array(refits) - full  # around the estimate (MNW's CV3, not CV3J)
    expected = np.sqrt((clusters - 1) / clusters * np.square(spread).sum(axis=0))
    got = standard_errors(fit_model("ols", "y ~ x1 + x2", data), ["x1", "x2"])
    assert [got["x1"], got["x2"]] == pytest.approx(expected, rel=1e-7)


@pytest.mark.parametrize("fixed", ["", " | fid"])
def test_the_jackknife_error_is_pyfixests_crv3_up_to_its_small_sample_factor(fixed):
    """pyfixest computes CRV3 for OLS by refitting without each freelancer, and
    scales it by its CV1 factor ``G / (G - 1) * (N - 1) / (N - k)`` where MNW's
    CV3 has ``(G - 1) / G``: with that factor swapped, the two agree, freelancer
    fixed effects or not (they are nested in the clusters, so the one-step
    leave-one-out is exact)."""
    from analysis.estimate.effects import import_pyfixest, standard_errors

    pf = import_pyfixest()
    rng = np.random.default_rng(11)
    n, g = 240, 16
    data = pd.DataFrame({"x1": rng.standard_normal(n), "x2": rng.standard_normal(n),
                         "fid": np.arange(n) % g})  # fmt: skip
    data["y"] = data["x1"] + rng.standard_normal(n) * (1 + data["x1"] ** 2) + 0.1 * data["fid"]
    fml = f"y ~ x1 + x2{fixed}"
    ours = standard_errors(fit_model("ols", fml, data), ["x1", "x2"])
    theirs = pf.feols(fml, data=data, vcov={"CRV3": "fid"}).se()
    k = 3  # two slopes and the intercept (or the freelancer effects nested in the clusters)
    factor = math.sqrt(g / (g - 1) * (n - 1) / (n - k) / ((g - 1) / g))
    assert ours["x1"] * factor == pytest.approx(float(theirs["x1"]), rel=1e-6)
    assert ours["x2"] * factor == pytest.approx(float(theirs["x2"]), rel=1e-6)


def test_a_term_one_freelancer_carries_keeps_the_cv1_error():
    """x is non-zero for freelancer 0 only: without them x is not identified, so
    the leave-one-out spread does not exist and the fit's CV1 error is kept."""
    from analysis.estimate.effects import standard_errors

    data = pd.DataFrame({"y": [1.0, 2.0, 0.5, 0.7, 0.2, 0.9], "x": [1.0, 2.0, 0, 0, 0, 0],
                         "fid": [0, 0, 1, 1, 2, 2]})  # fmt: skip
    fit = fit_model("ols", "y ~ x", data)
    assert standard_errors(fit, ["x"])["x"] == pytest.approx(float(fit.se()["x"]))


def test_an_interval_beyond_the_float_range_is_not_estimated():
    """A log-scale standard error of 9,000 (the bench's seed 2005 gave one for the
    invitation lift from losses) used to overflow ``exp`` and take every other
    effect of the history down; now that effect alone is not estimated."""
    from analysis.estimate.effects import _ci, guarded

    assert _ci(0.5, 0.1, "log", 2.0) == pytest.approx((math.exp(0.5), math.exp(0.3), math.exp(0.7)))
    with pytest.raises(ValueError, match="not identified"):
        _ci(-0.8, 8975.0, "log", 2.49)
    row = guarded("invitation_lift_losses", "x", "", lambda: _ci(-0.8, 8975.0, "log", 2.49))
    assert math.isnan(row.iloc[0]["estimate"])
    assert (
        row.iloc[0]["note"].startswith("not estimated:") and "not identified" in row.iloc[0]["note"]
    )


def _dummies(codes: np.ndarray) -> np.ndarray:
    return (codes[:, None] == np.unique(codes)[None, :]).astype(np.float64)


def _shared_fe_data(seed: int, clusters: int) -> pd.DataFrame:
    """A panel with two fixed-effect dimensions shared across freelancers (a week
    and a state bin) and no freelancer effect: the hires model's layout."""
    rng = np.random.default_rng(seed)
    rows = rng.integers(3, 9, clusters)
    fid = np.repeat(np.arange(clusters), rows)
    n = len(fid)
    wk = rng.integers(0, 4, n)
    bin_ = np.minimum(rng.integers(0, 3, n) + (fid % 3 == 0), 3)  # some bins thin
    x = rng.standard_normal(n) + 0.5 * bin_ + (fid % 2)
    y = 0.7 * x + 0.3 * wk - 0.4 * bin_ + rng.standard_normal(n) * (1 + np.abs(x))
    return pd.DataFrame({"y": y, "x": x, "fid": fid, "wk": wk, "sbin": bin_})


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(4, 10))
def test_the_jackknife_steps_shared_fixed_effects_exactly_for_least_squares(seed, clusters):
    """Without a freelancer effect every fixed effect is shared, and leaving a
    freelancer out moves them: the error steps each level too, which for OLS is
    the exact refit (levels only that freelancer fills drop out with them)."""
    from analysis.estimate.effects import standard_errors

    data = _shared_fe_data(seed, clusters)
    n = len(data)
    fid = data["fid"].to_numpy()
    design = np.column_stack([data["x"], _dummies(data["wk"].to_numpy()),
                              _dummies(data["sbin"].to_numpy())])  # fmt: skip
    y = data["y"].to_numpy()

    def slope(keep: np.ndarray) -> float | None:
        d = design[keep]
        d = d[:, d.any(axis=0)]  # levels no one left fills
        if np.linalg.matrix_rank(d) == np.linalg.matrix_rank(d[:, 1:]):
            return None  # x not identified without this freelancer
        return float(np.linalg.lstsq(d, y[keep], rcond=None)[0][0])

    full = slope(np.ones(n, bool))
    refits = [slope(fid != g) for g in range(clusters)]
    if full is None or any(r is None for r in refits):
        return
    expected = math.sqrt((clusters - 1) / clusters * sum((r - full) ** 2 for r in refits))
    fit = fit_model("ols", "y ~ x | wk + sbin", data)
    assert float(fit.coef()["x"]) == pytest.approx(full, rel=1e-8, abs=1e-10)
    assert standard_errors(fit, ["x"])["x"] == pytest.approx(expected, rel=1e-6)


def test_a_freelancer_alone_in_a_bin_leaves_with_it():
    """Freelancer 0 alone fills state bin 9: without them the bin is gone (the
    refit has one level fewer), and their move is the refit's, not undefined."""
    from analysis.estimate.effects import _jackknife

    data = _shared_fe_data(5, 6)
    data.loc[data["fid"] == 0, "sbin"] = 9
    fit = fit_model("ols", "y ~ x | wk + sbin", data)
    rest = data.loc[data["fid"] != 0]
    refit = fit_model("ols", "y ~ x | wk + sbin", rest)
    moves = _jackknife(fit)
    b = float(fit.coef()["x"])
    assert moves[0, 0] == pytest.approx(b - float(refit.coef()["x"]), rel=1e-7)


def test_stepping_the_shared_fixed_effects_tracks_poisson_refits_better_than_holding():
    """Poisson, three freelancers with the treatment crowded in a thin bin: the
    leave-one-out moves that step the bins come close to real refits (within a
    quarter of the largest move), holding the bins at the full fit misses
    them by more, and the stepped error is not below the refits' spread."""
    from analysis.estimate.effects import _moves_holding_fixed_effects, _moves_with_fixed_effects

    rng = np.random.default_rng(3)
    clusters, weeks = 24, 12
    fid = np.repeat(np.arange(clusters), weeks)
    wk = np.tile(np.arange(weeks), clusters)
    treated = fid < 4
    tr = (treated & (wk >= 6)).astype(np.float64)
    sbin = np.where(treated & (wk >= 4), 2, rng.integers(0, 2, len(fid)))
    sbin[(fid == 5) & (wk >= 6)] = 2  # one comparison shares the thin bin
    base = np.exp(rng.normal(0, 0.5, clusters))[fid]
    mu = base * np.exp(0.4 * tr + 0.3 * (sbin == 2) + 0.05 * wk)
    data = pd.DataFrame({"y": rng.poisson(mu).astype(np.float64), "tr": tr, "fid": fid,
                         "wk": wk, "sbin": sbin})  # fmt: skip
    fml = "y ~ tr | wk + sbin"
    fit = fit_model("poisson", fml, data)
    b = float(fit.coef()["tr"])
    exact = np.array([
        b - float(fit_model("poisson", fml, data.loc[data["fid"] != g]).coef()["tr"])
        for g in range(clusters)
    ])  # fmt: skip
    stepped = _moves_with_fixed_effects(fit)[:, 0]
    held = _moves_holding_fixed_effects(fit)[:, 0]
    scale = np.abs(exact).max()
    assert np.abs(stepped - exact).max() < 0.25 * scale
    assert np.abs(stepped - exact).sum() < np.abs(held - exact).sum()
    assert np.square(stepped).sum() >= 0.95 * np.square(exact).sum()
