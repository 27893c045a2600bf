"""Every report notebook in ``notebooks/`` runs end to end on a small history, and the
built reports pass the browser checks, with hostile ids and categories in the data.

One build serves all tests (it is the slow part): a small simulated marketplace
(`analysis.simulate`, fixed seed) whose first two freelancers are renamed to
script-injection payloads and one category to an ``<img onerror>`` payload. The
reports must show them escaped and nothing may execute (``window.__xss`` unset).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.report.browsercheck import CHROMIUM, check_report_folder
from analysis.report.build import build_reports, discover_notebooks
from analysis.report.stage import PROCESSED_ENV, build_stage
from analysis.simulate.generate import generate

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
PAYLOAD_IDS = ["<script>window.__xss=1</script>", '<img src=x onerror="window.__xss=1">']
PAYLOAD_CATEGORY = "<img src=y onerror=window.__xss=1>"
#: The reports that quote the invitation lift.
SAME_LIFT = ["03", "05", "07"]

pytestmark = pytest.mark.slow


def _hostile(folder: Path) -> None:
    """Rename two freelancers and one category to payloads, in every file."""
    files = {p.stem: p for p in folder.glob("*.csv")}
    contracts = pd.read_csv(files["contracts"], dtype=str, keep_default_na=False)
    busiest = contracts["freelancer_id"].value_counts().index[:2]
    rename = dict(zip(busiest, PAYLOAD_IDS, strict=True))
    for path in files.values():
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame["freelancer_id"] = frame["freelancer_id"].replace(rename)
        if "category" in frame:
            frame["category"] = frame["category"].replace({"web-dev": PAYLOAD_CATEGORY})
        frame.to_csv(path, index=False, lineterminator="\n")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, list]:
    """A cold build (empty stage folder) of every notebook on the hostile history."""
    base = tmp_path_factory.mktemp("notebooks")
    history = base / "history"
    generate(history, freelancers=300, start="2021-01-01", end="2024-12-31", seed=7, progress=False)
    _hostile(history)
    out = base / "reports"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(PROCESSED_ENV, str(base / "processed"))
        reports = build_reports(history, out, NOTEBOOKS, progress=False)
        warm_out = base / "warm"
        warm = build_reports(history, warm_out, NOTEBOOKS, only=SAME_LIFT, progress=False)
        stage = build_stage(history, "upwork-2025")
    return out, reports, warm_out, warm, stage


def test_every_notebook_builds_a_report(built):
    out, reports, *_ = built
    names = [p.stem for p in discover_notebooks(NOTEBOOKS)]
    assert [r.name for r in reports] == names
    for r in reports:
        assert (out / r.file).is_file()
        assert r.finding, f"{r.name} states no finding"
    index = (out / "index.html").read_text("utf-8")
    assert all(r.file in index for r in reports)
    # issue 13 item 5: the verdict of report 05 says which world it holds in, on its
    # page and in the index (the test history is simulated: it carries truth.json)
    worth = next(r for r in reports if r.name.startswith("05"))
    qualifier = "In this simulated marketplace (scenario baseline), with these planted effects:"
    assert worth.finding.startswith(qualifier) or worth.finding.startswith("No value computed")
    assert worth.finding.split(":")[0] in index


def test_payloads_are_escaped_in_the_html(built):
    out, *_ = built
    for page in out.glob("*.html"):
        text = page.read_text("utf-8")
        assert "<script>window.__xss" not in text, page.name
        assert 'onerror="window.__xss' not in text, page.name
        assert "<img src=y onerror" not in text, page.name


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed (CI installs it)")
def test_reports_pass_the_browser_checks(built):
    out, *_ = built
    shots = ROOT / "tests" / "artifacts" / "screenshots" / "notebooks"
    assert check_report_folder(out, screenshot_dir=shots) == []


def test_03_05_07_print_the_same_invitation_lift(built):
    """One quantity, one number: the stage's invitation lift and its interval appear,
    as computed, in reports 03, 05 and 07 (and no other value is called that)."""
    out, reports, *_, stage = built
    lift = stage.effect("invitation_lift")
    assert lift["estimate"] == lift["estimate"], "the test history must give a lift"
    est = f"{lift['estimate']:.2f}x"
    ci = f"{lift['ci_low']:.2f}-{lift['ci_high']:.2f}"
    for r in reports:
        if r.name[:2] in SAME_LIFT:
            text = (out / r.file).read_text("utf-8")
            assert est in text and ci in text, r.name
    found = {r.name[:2]: r.finding for r in reports}
    assert f"brings {est} [{lift['ci_low']:.2f}, {lift['ci_high']:.2f}]" in found["03"]


def test_the_stage_risk_tables_are_the_direct_computation(built):
    """Report 06 reads its model from the stage: the stage's tables are the ones the
    estimators give when run step by step on the same weeks (as the report once did)."""
    from analysis.estimate import risk as rk
    from analysis.stories import losing
    from analysis.stories.pressure import weekly_headroom

    *_, stage = built
    weekly = weekly_headroom(stage.status, stage.grid, stage.rules)
    label = rk.loss_label(weekly)
    features = rk.build_features(weekly, stage.history.contracts, stage.rules, rk.HORIZON_WEEKS)
    keep = label.notna().to_numpy()
    data = features[keep].reset_index(drop=True)
    y = label[keep].to_numpy().astype(int)
    cutoff = rk.choose_cutoff(data["week"], train_share=0.7)
    train, test = rk.time_split(data["week"], cutoff, rk.HORIZON_WEEKS)
    risk = stage.risk()
    split = risk["risk_split"].iloc[0]
    assert (split["weeks"], split["losses"]) == (len(data), y.sum())
    assert (split["train_weeks"], split["test_weeks"]) == (train.sum(), test.sum())
    assert pd.Timestamp(split["cutoff"]) == pd.Timestamp(cutoff)
    assert split["enough"], "the test history must give enough losses to fit the model"
    cols = rk.feature_columns(data)
    model = rk.fit_model(data.loc[train, cols], y[train], stage.seed)
    p_test = model.predict_proba(data.loc[test, cols])[:, 1]
    scores = {"model": p_test, "headroom only": -data.loc[test, "headroom"].fillna(0).to_numpy()}
    groups = data.loc[test, "freelancer_id"].to_numpy()
    direct = {
        "risk_auc": rk.bootstrap_auc(y[test], scores, groups, stage.seed),
        "risk_roc": rk.roc_table(y[test], scores),
        "risk_calibration": rk.calibration_table(y[test], p_test, bins=10),
        "risk_importance": rk.importance_table(model, data.loc[test, cols], y[test], stage.seed),
    }
    for name, frame in direct.items():
        pd.testing.assert_frame_equal(risk[name], frame, check_dtype=False, obj=name)
    assert losing.split_text(risk["risk_split"], rk.HORIZON_WEEKS) == losing.split_line(
        y, train, test, cutoff, rk.HORIZON_WEEKS
    )


def test_the_stage_drops_are_one_bad_contract_on_the_grid(built):
    from analysis.stories.mechanics import one_bad_contract

    *_, stage = built
    direct = one_bad_contract(stage.history, stage.rules, grid=stage.grid)
    assert len(direct) > 0, "the test history must have strong records"
    pd.testing.assert_frame_equal(stage.drops, direct, check_dtype=False)


def test_a_warm_build_gives_the_same_findings(built):
    _, reports, warm_out, warm, _ = built
    cold = {r.name: r.finding for r in reports}
    assert [r.name[:2] for r in warm] == SAME_LIFT
    for r in warm:
        assert r.finding == cold[r.name]
        assert (warm_out / r.file).is_file()


DIRTY = """\
# %% [markdown]
# # Leaves a mess
#
# Defines a name, changes matplotlib's settings and a pandas option, leaves a figure open.

# %%
import matplotlib
import matplotlib.pyplot as plt
import pandas as pd

leak = 1
matplotlib.rcParams["lines.linewidth"] = 7
pd.set_option("display.precision", 2)
fig = plt.figure()
"""

CHECKS = """
# %%
import matplotlib
import matplotlib.pyplot as plt

assert "leak" not in globals() and "fig" not in globals()
assert matplotlib.rcParams["lines.linewidth"] != 7
print(f"execution count {get_ipython().execution_count}")
"""


@pytest.mark.slow
def test_a_reused_kernel_runs_a_notebook_as_a_new_one_would(tmp_path, processed):
    """A build runs several notebooks in one kernel (`build.RESET_CODE` in between):
    after a notebook that leaves names, settings and a figure behind, the next one
    sees none of them and its page (code and execution counts shown) is byte for byte
    the page a new kernel gives."""
    from test_report import BUILD_DATE, FIXTURES, write_history

    history = write_history(tmp_path / "history", ["f1", "f2"])
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    (nbs / "01-dirty.py").write_text(DIRTY, encoding="utf-8")
    again = (FIXTURES / "01-contracts.py").read_text(encoding="utf-8") + CHECKS
    (nbs / "02-contracts.py").write_text(again, encoding="utf-8")
    kw = {"progress": False, "build_date": BUILD_DATE, "with_code": True, "jobs": 1}

    build_reports(history, tmp_path / "reused", nbs, **kw)
    build_reports(history, tmp_path / "new", nbs, only=["02"], **kw)

    reused = (tmp_path / "reused" / "02-contracts.html").read_bytes()
    assert reused == (tmp_path / "new" / "02-contracts.html").read_bytes()
    assert b"execution count " in reused  # the checks ran
