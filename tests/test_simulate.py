"""The synthetic marketplace (`analysis.simulate`): determinism, validity, the badge
in the loop against the rules engine, planted truth, knobs, calibration, sample.

Small runs (a few hundred freelancers over a few years) are shared per module;
the calibration and sample checks use the bundled sample in ``data/raw/sample``.
"""

from __future__ import annotations

import ast
import gzip
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from analysis.engine.status import status_grid
from analysis.io.errors import InputError
from analysis.io.history import History
from analysis.io.load import read_history
from analysis.simulate import stable
from analysis.simulate.generate import (
    BADGE_KNOBS,
    SimConfig,
    bundled_scenarios,
    calibration_table,
    generate,
    knob_table,
    load_scenario,
    parse_overrides,
    simulate,
    status_panel,
    write_history,
)
from analysis.simulate.tables import csv_bytes

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "raw" / "sample"
SMALL = {"freelancers": 300, "start": "2020-01-01", "end": "2023-12-31", "seed": 11}


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A small baseline run, written as plain CSV: (frames, truth, folder)."""
    frames, truth = simulate(SimConfig(**SMALL, status_scope="all"), progress=False)
    out = tmp_path_factory.mktemp("small")
    write_history(frames, truth, out)
    return frames, truth, out


def _statuses(history: History, truth: dict) -> pd.DataFrame:
    grid = status_grid(history, truth["rules"])
    return grid[["freelancer_id", "week", "status"]].reset_index(drop=True)


# ---------------------------------------------------------------------------
# the data contract and determinism
# ---------------------------------------------------------------------------


def test_output_keeps_the_data_contract(small):
    frames, truth, out = small
    history = read_history(out)
    assert set(history.tables()) == {
        "contracts",
        "payments",
        "activity",
        "freelancers",
        "account_events",
    }
    for name, frame in frames.items():
        got = getattr(history, name)
        assert list(got.columns) == list(frame.columns), name
        assert len(got) == len(frame) == truth["rows"][name]
        for col in frame.columns:
            a, b = frame[col], got[col]
            if isinstance(a.dtype, pd.CategoricalDtype):
                a, b = a.astype("str"), b.astype("str")
            pd.testing.assert_series_equal(
                a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False
            )
    c = history.contracts
    assert c["contract_id"].is_unique
    assert (c["end_date"].isna() | (c["end_date"] >= c["start_date"])).all()
    # earnings_usd is the sum of the contract's payments (to the as-of date if open)
    paid = history.payments.groupby("contract_id")["amount_usd"].sum()
    total = paid.reindex(c["contract_id"]).fillna(0.0).to_numpy()
    np.testing.assert_allclose(total, c["earnings_usd"].to_numpy(), atol=0.011)
    assert history.as_of == pd.Timestamp(truth["last_sunday"])
    assert (history.activity["week_start"].dt.day_of_week == 0).all()


def test_same_seed_same_bytes_and_gzip(tmp_path):
    config = {**SMALL, "freelancers": 120, "end": "2021-12-31"}
    a = generate(tmp_path / "a", **config, gzip=True, progress=False)
    b = generate(tmp_path / "b", **config, gzip=True, progress=False)
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    tables = [t for t, n in a["rows"].items() if n]
    assert names == sorted([f"{t}.csv.gz" for t in tables] + ["truth.json"])
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    truth = json.loads((tmp_path / "a" / "truth.json").read_text())
    for table in tables:
        text = gzip.decompress((tmp_path / "a" / f"{table}.csv.gz").read_bytes())
        assert hashlib.sha256(text).hexdigest() == truth["files"][f"{table}.csv"]
    read_history(tmp_path / "a")  # gzip output loads
    c = generate(tmp_path / "c", **{**config, "seed": 12}, progress=False)
    assert (tmp_path / "c" / "contracts.csv").read_bytes() != gzip.decompress(
        (tmp_path / "a" / "contracts.csv.gz").read_bytes()
    )
    assert c["seed"] == 12 and b["seed"] == a["seed"]


# ---------------------------------------------------------------------------
# the same bytes on every CPU
# ---------------------------------------------------------------------------

SIMULATE = Path(stable.__file__).parent
#: Functions whose float results may differ in the last bit between CPUs.
TRANSCENDENTAL = {
    "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "power", "pow", "float_power",
    "sin", "cos", "tan", "arcsin", "arccos", "arctan", "arctan2", "sinh", "cosh", "tanh",
    "cbrt", "logaddexp", "hypot", "asin", "acos", "atan", "atan2", "lgamma", "gamma", "erf",
}  # fmt: skip


def unstable_math(path: Path) -> list[str]:
    """``file:line what`` for each transcendental call on numpy or math, and each float
    ``**``, in `path` (the simulator takes all of them from `analysis.simulate.stable`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    hits = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in {"np", "numpy", "math"}
            and node.attr in TRANSCENDENTAL
        ):
            hits.append(f"{path.name}:{node.lineno} {node.value.id}.{node.attr}")
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            ints = [
                isinstance(x, ast.Constant) and type(x.value) is int
                for x in (node.left, node.right)
            ]
            if not any(ints):
                hits.append(f"{path.name}:{node.lineno} **")
    return hits


def test_the_simulator_takes_its_transcendental_math_from_stable(tmp_path):
    files = sorted(p for p in SIMULATE.glob("*.py") if p.name != "stable.py")
    assert [hit for f in files for hit in unstable_math(f)] == []
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import math\nimport numpy as np\nx = np.exp(1) + math.log(2) + 1.5 ** x\ny = 10**6\n"
    )
    assert sorted(unstable_math(bad)) == ["bad.py:3 **", "bad.py:3 math.log", "bad.py:3 np.exp"]


def test_quantise_rounds_the_mantissa():
    assert stable.KEEP_BITS == 24
    step = 2.0**-24
    assert stable.quantise(1.0) == 1.0
    assert stable.quantise(1.0 + 2.0**-30) == 1.0
    assert stable.quantise(1.0 - 2.0**-30) == 1.0
    assert stable.quantise(1.0 + step) == 1.0 + step
    assert stable.quantise(1.0 + step / 2) == 1.0 + step  # half away from zero
    assert stable.quantise(1.0 + step / 2 - 2.0**-52) == 1.0
    assert stable.quantise(-(1.0 + step / 2)) == -(1.0 + step)
    assert stable.quantise(3.0 * 2.0**100 + 1e10) == 3.0 * 2.0**100
    assert isinstance(stable.quantise(2.5), float)
    got = stable.quantise(np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 5e-320]))
    assert got[:4].tolist() == [0.0, -0.0, np.inf, -np.inf] and np.isnan(got[4])
    assert stable.exp(0.0) == 1.0 and stable.log1p(0.0) == 0.0
    x = np.linspace(-5, 5, 1001)
    assert np.abs(stable.exp(x) / np.exp(x) - 1).max() <= 2.0**-24


def _bytes_of(frames) -> dict[str, str]:
    return {name: hashlib.sha256(csv_bytes(f)).hexdigest() for name, f in frames.items()}


def _nudged(direction: float, quantised: bool = True):
    """`stable.raw` with every result moved by one ulp towards `direction`."""

    def nudge(f):
        return lambda *args: np.nextafter(f(*args), direction)

    return SimpleNamespace(**{name: nudge(f) for name, f in vars(stable.raw).items()})


def test_one_ulp_in_the_math_does_not_move_a_byte(small, monkeypatch):
    """A CPU whose exp/log/pow differ in the last bit gives the same history: every
    result of the simulator's transcendental math is moved by one ulp up, then down."""
    frames, _, _ = small
    expected = _bytes_of(frames)
    config = SimConfig(**SMALL, status_scope="all")
    for direction in (np.inf, -np.inf):
        with monkeypatch.context() as m:
            m.setattr(stable, "raw", _nudged(direction))
            assert stable.exp(0.5) == stable.quantise(np.exp(0.5))
            nudged, _ = simulate(config, progress=False)
        assert _bytes_of(nudged) == expected, direction
    # the check can fail: without the rounding, the same one-ulp nudge moves the history
    with monkeypatch.context() as m:
        m.setattr(stable, "raw", _nudged(np.inf))
        m.setattr(stable, "quantise", lambda x: x if np.ndim(x) else float(x))
        unrounded, _ = simulate(config, progress=False)
    assert _bytes_of(unrounded) != expected


# ---------------------------------------------------------------------------
# the badge in the loop is the rules engine's
# ---------------------------------------------------------------------------


def test_in_loop_statuses_equal_status_grid_of_the_files(small):
    _, truth, out = small
    recomputed = _statuses(read_history(out), truth)
    lived = status_panel(truth)
    assert len(lived) == len(recomputed)
    pd.testing.assert_frame_equal(lived, recomputed, check_categorical=False)
    counts = lived["status"].value_counts()
    assert counts["top_rated"] + counts["top_rated_plus"] > 100
    assert counts["rising_talent"] > 0


def test_top_rated_scope_is_exact_for_the_badge():
    frames, truth = simulate(SimConfig(**SMALL, status_scope="top-rated"), progress=False)
    assert truth["status_scope"] == "top-rated"
    recomputed = _statuses(History(**frames), truth)
    lived = status_panel(truth)
    assert (lived["freelancer_id"] == recomputed["freelancer_id"]).all()
    assert (lived["week"] == recomputed["week"]).all()
    badge = ["top_rated", "top_rated_plus"]
    assert (lived["status"].isin(badge) == recomputed["status"].isin(badge)).all()
    known = lived["status"].notna()
    assert known.mean() < 1.0
    assert (lived["status"][known].astype(str) == recomputed["status"][known].astype(str)).all()
    # the same world as scope "all": behaviour only depends on the badge
    full, _ = simulate(SimConfig(**SMALL, status_scope="all"), progress=False)
    pd.testing.assert_frame_equal(full["contracts"], frames["contracts"])


# ---------------------------------------------------------------------------
# planted truth
# ---------------------------------------------------------------------------


def test_planted_truth_baseline_and_no_effect(small):
    _, truth, _ = small
    r, k = truth["realised"], truth["knobs"]
    assert r["top_rated_weeks"] > 0
    assert r["invitation_lift_direct"] == pytest.approx(k["invitation_lift"])
    assert r["profile_view_lift_direct"] == pytest.approx(k["profile_view_lift"])
    assert r["invitation_lift"] > 1  # the counterfactual truth: tests/test_simulate_truth.py
    assert 1.0 < r["hire_rate_lift"] <= k["hire_rate_lift"] + 1e-9
    assert r["rate_premium"] == pytest.approx(k["rate_premium"])
    assert r["maintenance_hours_per_top_rated_week"] == pytest.approx(
        k["maintenance_hours_per_week"], rel=0.1
    )
    assert r["risky_offers_declined"] > 0 and r["forgone_earnings_usd"] > 0
    # quality drives both JSS and demand: the naive comparison is biased upward
    assert r["naive_invitation_ratio_top_rated_vs_rest"] > 1.5 * r["invitation_lift_direct"]
    assert set(truth["knobs"]) == set(knob_table()["knob"])

    frames, none = simulate(SimConfig(**SMALL, scenario="no-badge-effect"), progress=False)
    r0 = none["realised"]
    assert none["scenario"] == "no-badge-effect"
    for key in ("invitation_lift_direct", "profile_view_lift_direct", "hire_rate_lift"):
        assert r0[key] == pytest.approx(1.0), key
    for key in ("invitation_lift", "profile_view_lift", "hires_lift", "rate_premium"):
        assert r0[key] == 1.0, key
    assert r0["maintenance_hours_per_top_rated_week"] == 0.0
    assert r0["risky_offers_declined"] == 0 and r0["forgone_earnings_usd"] == 0.0
    assert r0["pressure_exits"] == 0
    assert r0["naive_invitation_ratio_top_rated_vs_rest"] > 1.5


def test_truth_json_records_knobs_and_seed(small):
    _, truth, out = small
    record = json.loads((out / "truth.json").read_text())
    assert record["seed"] == SMALL["seed"]
    assert record["knobs"] == pytest.approx(truth["knobs"])
    assert "_panel" not in record and "simulation_seconds" not in record
    assert record["realised"]["invitation_lift_direct"] == pytest.approx(1.25)
    assert set(record["files"]) == {f"{t}.csv" for t, n in truth["rows"].items() if n}


# ---------------------------------------------------------------------------
# scenarios and knobs
# ---------------------------------------------------------------------------


def test_scenarios():
    assert {"baseline", "no-badge-effect", "high-pressure"} <= set(bundled_scenarios())
    base = load_scenario("baseline")
    none = load_scenario("no-badge-effect")
    high = load_scenario("high-pressure")
    table = knob_table().set_index("knob")
    assert base.knobs == table["default"].to_dict()
    assert table["source"].str.len().min() > 5
    assert set(BADGE_KNOBS) <= set(table.index)
    for knob in BADGE_KNOBS:
        assert none.knobs[knob] in (0.0, 1.0) or knob == "pressure_jss_margin"
    assert high.knobs["maintenance_hours_per_week"] > base.knobs["maintenance_hours_per_week"]
    assert high.knobs["invitation_lift"] == base.knobs["invitation_lift"]
    with pytest.raises(InputError, match="neither a bundled scenario"):
        load_scenario("no-such-scenario")


def test_scenario_file_extends_baseline(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('name = "mine"\nextends = "high-pressure"\n[knobs]\ninvitation_lift = 2.0\n')
    mine = load_scenario(path)
    assert mine.name == "mine"
    assert mine.knobs["invitation_lift"] == 2.0
    assert mine.knobs["maintenance_hours_per_week"] == 5.0
    path.write_text("[knobs]\ninvitaton_lift = 2.0\n")
    with pytest.raises(InputError, match="did you mean invitation_lift"):
        load_scenario(path)


def test_parse_overrides():
    assert parse_overrides(["invitation_lift=1.5", " rate_premium = 1 "]) == {
        "invitation_lift": 1.5,
        "rate_premium": 1.0,
    }
    assert parse_overrides(None) == {}
    cases = {
        "invitaton_lift=1.5": "--set invitaton_lift: 'invitaton_lift' is not a knob; did you mean invitation_lift?",
        "invitation_lift=abc": "--set invitation_lift: 'abc' is not a number from 0.01 to 100",
        "risky_decline_share=1.5": "--set risky_decline_share: '1.5' is not a number from 0 to 1",
        "invitation_lift=nan": "is not a number",
        "invitation_lift": "--set invitation_lift: is not of the form KNOB=VALUE",
        "=3": "is not of the form KNOB=VALUE",
    }
    for item, message in cases.items():
        with pytest.raises(InputError) as err:
            parse_overrides([item])
        assert message in str(err.value), item
        assert len(err.value.problems) == 1


def test_overrides_reach_the_simulation():
    config = {**SMALL, "freelancers": 100, "end": "2021-06-30"}
    _, truth = simulate(SimConfig(**config, overrides={"invitation_lift": 2.0}), progress=False)
    assert truth["knobs"]["invitation_lift"] == 2.0
    assert truth["overrides"] == {"invitation_lift": 2.0}
    with pytest.raises(InputError, match="not a knob"):
        generate("unused", **config, overrides=["nope=1"], progress=False)


# ---------------------------------------------------------------------------
# the bundled sample and calibration
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample():
    if not (SAMPLE / "truth.json").exists():
        pytest.skip("the bundled sample has not been generated")
    return read_history(SAMPLE), json.loads((SAMPLE / "truth.json").read_text())


def _other_cpu_env() -> dict[str, str]:
    """The environment of a Python whose numpy uses none of the SIMD kernels it would
    pick on this CPU (AVX-512, AVX2, ...): its exp/log/pow differ in the last bit from
    this process's, as on another machine. Empty when this CPU has none to disable."""
    try:
        from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
    except ImportError:  # pragma: no cover - another numpy layout
        return {}
    targets = [t for t in __cpu_dispatch__ if __cpu_features__.get(t)]
    return {"NPY_DISABLE_CPU_FEATURES": " ".join(targets)} if targets else {}


EXP_DIGEST = (
    "import hashlib, numpy as np;"
    "print(hashlib.sha256(np.exp(np.linspace(-20, 20, 100001)).tobytes()).hexdigest())"
)


def test_bundled_sample_is_a_fresh_generation(sample, tmp_path):
    """The committed sample is regenerated byte for byte by a Python whose numpy math
    is that of another CPU (see `_other_cpu_env`): same seed, same bytes anywhere."""
    history, truth = sample
    sizes = sum(p.stat().st_size for p in SAMPLE.iterdir())
    assert sizes < 20 * 2**20
    for table in truth["files"]:
        text = gzip.decompress((SAMPLE / f"{table}.gz").read_bytes())
        assert hashlib.sha256(text).hexdigest() == truth["files"][table], table
    env = {**os.environ, **_other_cpu_env()}
    other = subprocess.run(
        [sys.executable, "-c", EXP_DIGEST], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    here = subprocess.run(
        [sys.executable, "-c", EXP_DIGEST], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert (other != here) == bool(_other_cpu_env())  # the other math really differs
    args = [
        truth["freelancers"],
        truth["start"],
        truth["end"],
        truth["seed"],
        truth["scenario"],
        truth["overrides"],
    ]
    code = (
        "import json, sys; from analysis.simulate.generate import generate;"
        "a = json.loads(sys.argv[1]);"
        "print(json.dumps(generate(sys.argv[2], *a, gzip=True, progress=False)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, json.dumps(args), str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(done.stdout)["seed"] == truth["seed"]
    for name in [*truth["files"], "truth.json"]:
        name = name if name.endswith(".json") else f"{name}.gz"
        assert (tmp_path / name).read_bytes() == (SAMPLE / name).read_bytes(), name
    assert history.freelancer_ids.size > 1000


def test_calibration_of_the_bundled_sample(sample):
    history, _ = sample
    table = calibration_table(history)
    assert list(table.columns) == ["figure", "target", "simulated", "tolerance", "within_tolerance"]
    required = table[~table["figure"].str.startswith("lifetime hours")]
    assert required["within_tolerance"].all(), required[~required["within_tolerance"]]


# ---------------------------------------------------------------------------
# worlds that break the estimator's assumptions (issue 12)
# ---------------------------------------------------------------------------

TINY = {"freelancers": 150, "start": "2020-01-01", "end": "2022-12-31", "seed": 5}
NEW_KNOBS = ("lift_heterogeneity_sd", "effect_ramp_weeks", "quality_drift_sd", "rate_noise_sd")


@pytest.fixture(scope="module")
def tiny():
    return simulate(SimConfig(**TINY), progress=False)


def _tiny(**knobs):
    return simulate(SimConfig(**TINY, overrides=knobs), progress=False)


def _hourly_rates(frames) -> pd.Series:
    c = frames["contracts"]
    c = c[(c["contract_type"].astype(str) == "hourly") & (c["hours"] > 5)]
    return np.log(c["earnings_usd"] / c["hours"]).groupby(c["freelancer_id"]).std().dropna()


def test_the_new_knobs_are_off_in_the_baseline_and_on_in_misspecified():
    base, worse = load_scenario("baseline"), load_scenario("misspecified")
    assert all(base.knobs[k] == 0.0 for k in NEW_KNOBS)
    assert all(worse.knobs[k] > 0.0 for k in NEW_KNOBS)
    assert worse.knobs["invitation_lift"] == base.knobs["invitation_lift"]
    assert parse_overrides(["effect_ramp_weeks=8"]) == {"effect_ramp_weeks": 8.0}


def test_lift_heterogeneity_spreads_the_lift_and_touches_nothing_static(tiny):
    frames, truth = tiny
    het_frames, het = _tiny(lift_heterogeneity_sd=0.8)
    assert truth["realised"]["invitation_lift_direct"] == pytest.approx(1.25)
    # the effect on the treated is a mean of freelancer lifts 1.25 * exp(0.8 z): not 1.25
    assert abs(het["realised"]["invitation_lift_direct"] - 1.25) > 0.01
    static = ["freelancer_id", "joined_date", "category", "country", "profile_complete"]
    pd.testing.assert_frame_equal(het_frames["freelancers"][static], frames["freelancers"][static])


def test_effect_ramp_shrinks_the_realised_lift(tiny):
    _, ramp = _tiny(effect_ramp_weeks=52)
    lift = ramp["realised"]["invitation_lift_direct"]
    assert 1.0 < lift < 1.25 - 0.02  # most Top Rated weeks are in a spell's first year
    assert 1.0 < ramp["realised"]["hire_rate_lift"] < tiny[1]["realised"]["hire_rate_lift"]


def test_quality_drift_moves_outcomes_not_the_planted_lift(tiny):
    frames, _ = tiny
    drift_frames, drift = _tiny(quality_drift_sd=0.2)
    assert drift["realised"]["invitation_lift_direct"] == pytest.approx(1.25)
    assert not frames["contracts"]["private_score"].equals(
        drift_frames["contracts"]["private_score"]
    )


def test_rate_noise_spreads_contract_rates_within_a_freelancer(tiny):
    frames, _ = tiny
    noisy, _ = _tiny(rate_noise_sd=0.5)
    calm, loud = _hourly_rates(frames).median(), _hourly_rates(noisy).median()
    assert calm < 0.2 < loud  # within-freelancer sd of log(earnings per hour)
