"""The demo own-history (report 08's default input) is rebuilt byte for byte."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.io.demo import OUT, build_demo_history, fill_demo_feedback


def test_demo_history_is_reproducible(tmp_path: Path):
    build_demo_history(out=tmp_path / "h")
    for name in ("contracts.csv", "payments.csv"):
        assert (tmp_path / "h" / name).read_bytes() == (OUT / name).read_bytes()


def test_fill_rules_hold():
    """Low public ratings come with a private 6; exactly one contract (the latest) is open."""
    contracts = pd.read_csv(OUT / "contracts.csv", dtype={"contract_id": str})
    low = contracts[contracts["public_rating"] < 4.5]
    assert (low["private_score"] == 6).all()
    assert contracts["end_date"].isna().sum() == 1
    assert (
        contracts.loc[contracts["end_date"].isna(), "start_date"].item()
        == contracts["start_date"].max()
    )
    assert set(contracts["category"]) == {"web-dev"}


def test_fill_is_seeded():
    contracts = pd.read_csv(OUT / "contracts.csv", dtype=str, keep_default_na=False)
    a = fill_demo_feedback(contracts, seed=7)
    b = fill_demo_feedback(contracts, seed=7)
    pd.testing.assert_frame_equal(a, b)
    assert not a["public_rating"].equals(fill_demo_feedback(contracts, seed=8)["public_rating"])
