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
