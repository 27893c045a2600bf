"""Built reports load cleanly in a real browser (headless system Chromium).

The checks live in `analysis.report.browsercheck.check_report_folder`, so an end-to-end
test can point them at the real ``reports/`` folder. Screenshots go to
``tests/artifacts/screenshots/`` (git-ignored). Never runs ``playwright install``:
without ``/usr/bin/chromium`` the module is skipped.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.report.browsercheck import CHROMIUM, check_report_folder

pytestmark = [
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"{CHROMIUM} not found: install the system Chromium (apt-get install chromium)",
    ),
    pytest.mark.slow,
]

SCREENSHOTS = Path(__file__).parent / "artifacts" / "screenshots"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    from test_report import sample_build

    return sample_build(tmp_path_factory)


def test_sample_reports_load_without_problems(sample):
    """Both reports and the index: no errors, images shown, links good, no XSS."""
    problems = check_report_folder(sample.out, screenshot_dir=SCREENSHOTS / "sample")
    assert problems == []
    assert {p.name for p in (SCREENSHOTS / "sample").glob("*.png")} >= {
        "01-contracts.png",
        "02-clients.png",
        "index.png",
    }


def test_the_checker_reports_each_kind_of_problem(tmp_path):
    """A deliberately broken folder, so a silent checker cannot pass the test above."""
    (tmp_path / "index.html").write_text(
        '<a href="01-ok.html">ok</a> <a href="02-missing.html">missing</a>'
        '<a href="https://example.com/">away</a>',
        encoding="utf-8",
    )
    (tmp_path / "01-ok.html").write_text("<p>fine</p>", encoding="utf-8")
    (tmp_path / "03-bad.html").write_text(
        '<img src=x onerror="window.__xss=1">'
        '<script src="https://example.invalid/lib.js"></script>'
        "<script>throw new Error('boom')</script>"
        "<pre>Traceback (most recent call last)</pre>",
        encoding="utf-8",
    )
    problems = "\n".join(check_report_folder(tmp_path))
    assert "02-missing.html does not exist" in problems
    assert "'https://example.com/' leaves the report folder" in problems
    assert "03-bad.html: requests https://example.invalid/lib.js" in problems
    assert "03-bad.html: page error" in problems
    assert "03-bad.html: image did not load" in problems
    assert "03-bad.html: shows 'Traceback'" in problems
    assert "03-bad.html: injected script ran" in problems
    assert "01-ok.html" not in problems
