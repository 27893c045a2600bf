"""Every report builds on every shape of history real users bring (issue 11, item 7).

`shapes.write_shapes` writes them small: an imported export without activity,
activity in which nobody is ever Top Rated, activity without invitations, activity
without proposals, hires and hours, the seed-article rules, all contracts open, one
freelancer with two contracts. Each shape is built once per test session (all
notebooks, parallel kernels, its own stage folder); the tests then read the
findings. Each shape's tests are one class, so under ``pytest -n 2 --dist
loadscope`` (``make test``) one worker runs them and builds the shape once. A
report that cannot answer says why; a missing estimate never reads as "no effect".
"""

from __future__ import annotations

from pathlib import Path

import pytest
from shapes import write_shapes

from analysis.report.build import build_reports, discover_notebooks
from analysis.report.stage import PROCESSED_ENV

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
_BUILT: dict[str, dict[str, str]] = {}


@pytest.fixture(scope="module")
def shapes(tmp_path_factory) -> dict[str, tuple[Path, str]]:
    return write_shapes(tmp_path_factory.mktemp("shapes"))


def _build(shapes, name: str, tmp_path_factory) -> dict[str, str]:
    """Findings by report number for one shape, built once per test session."""
    if name not in _BUILT:
        folder, rules = shapes[name]
        out = tmp_path_factory.mktemp(f"reports-{name}")
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv(PROCESSED_ENV, str(out / "processed"))
            reports = build_reports(folder, out / "html", NOTEBOOKS, rules=rules, progress=False)
        assert [r.name for r in reports] == [p.stem for p in discover_notebooks(NOTEBOOKS)]
        for r in reports:
            assert (out / "html" / r.file).is_file()
        _BUILT[name] = {r.name[:2]: r.finding or "" for r in reports}
    return _BUILT[name]


SHAPES = [
    "imported-export",
    "nobody-top-rated",
    "no-invitations",
    "no-proposals-hires-hours",
    "seed-article",
    "all-open",
    "two-contracts",
]


class _Shape:
    """The checks every shape gets; one subclass per shape, so ``--dist loadscope``
    (``make test``) runs each shape's tests on one worker and builds it once."""

    name = ""

    def findings(self, shapes, tmp_path_factory) -> dict[str, str]:
        return _build(shapes, self.name, tmp_path_factory)

    def test_every_report_builds_and_states_a_finding(self, shapes, tmp_path_factory):
        findings = self.findings(shapes, tmp_path_factory)
        assert all(findings.values()), findings
        words = " ".join(findings.values()).replace("(", " ").replace(")", " ").split()
        assert not {"nan", "NaN", "nan%", "nanx"} & set(words), findings


class _WithoutActivity(_Shape):
    def test_without_activity_the_effects_say_why(self, shapes, tmp_path_factory):
        findings = self.findings(shapes, tmp_path_factory)
        assert "no activity.csv with weekly invitations" in findings["03"]
        assert findings["05"].startswith("No value computed: ")
        assert "worth it" not in findings["05"]


class TestImportedExport(_WithoutActivity):
    name = "imported-export"


class TestTwoContracts(_WithoutActivity):
    name = "two-contracts"


class TestNoInvitations(_Shape):
    name = "no-invitations"

    def test_only_the_invitation_effects_are_missing(self, shapes, tmp_path_factory):
        findings = self.findings(shapes, tmp_path_factory)
        assert findings["03"].startswith(
            "The badge's effect on invitations is not estimated (activity.csv has no invitations"
        )
        assert findings["05"].startswith("No value computed: the effect on invitations")


class TestNobodyTopRated(_Shape):
    name = "nobody-top-rated"

    def test_says_so_and_never_no_effect(self, shapes, tmp_path_factory):
        findings = self.findings(shapes, tmp_path_factory)
        assert "nobody in this history is ever Top Rated" in findings["03"]
        assert "nobody in this history is ever Top Rated" in findings["05"]
        assert "1.00x" not in findings["03"] + findings["05"]
        assert "cannot decide" in findings["07"]


class TestNoProposalsHiresHours(_Shape):
    name = "no-proposals-hires-hours"

    def test_missing_hires_make_one_estimate_missing_not_all(self, shapes, tmp_path_factory):
        findings = self.findings(shapes, tmp_path_factory)
        assert "effect on invitations" in findings["03"] or "brings" in findings["03"]
        # the value needs the maintenance hours, which need hours_worked
        assert findings["05"].startswith("No value computed: the ")
        assert "could not be estimated" in findings["05"]


class TestSeedArticle(_Shape):
    name = "seed-article"


class TestAllOpen(_Shape):
    name = "all-open"


def test_every_shape_has_its_tests():
    """Each shape `write_shapes` writes is checked by one class above."""
    checked = {c.name for c in _Shape.__subclasses__() + _WithoutActivity.__subclasses__()}
    assert checked - {""} == set(SHAPES)
