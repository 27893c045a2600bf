"""The report build: notebooks -> self-contained HTML + index, atomically.

Fixture notebooks live in ``tests/fixtures/notebooks/`` (jupytext percent .py):
``01-contracts`` plots earnings per freelancer and states the contract count and
the top earner; ``02-clients`` prints the kernel's interpreter and states the client
count; ``03-fails`` raises in its 3rd cell. Each test copies the ones it needs into
its own notebooks folder. Tests that execute notebooks are marked ``slow`` (a
kernel start and the imports take a few seconds each); one sample build is shared.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import html
import json
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pytest

from analysis import __version__
from analysis.io.errors import InputError
from analysis.report.build import (
    ReportError,
    ReportInfo,
    build_reports,
    discover_notebooks,
    history_sha256,
    render_index,
    select_notebooks,
)
from analysis.report.notebook import finding

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
XSS_IDS = ["<script>window.__xss=1</script>", '<img src=x onerror="window.__xss=1">']
BUILD_DATE = dt.date(2025, 3, 1)
RAW_PAYLOAD_TAG = re.compile(r"<(?:script|img)\b[^>]*(?:__xss|src=x)", re.IGNORECASE)
REMOTE_ATTR = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


def write_history(folder: Path, ids: list[str]) -> Path:
    """contracts.csv with 3 contracts: ids[0] has 2 (140 USD), ids[1] has 1 (250.5 USD)."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [
        [ids[0], "c1", "k1", "2024-01-01", "2024-02-01", "100"],
        [ids[1], "c2", "k2", "2024-01-05", "", "250.5"],
        [ids[0], "c3", "k1", "2024-03-01", "2024-04-01", "40"],
    ]
    with (folder / "contracts.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(
            ["freelancer_id", "contract_id", "client_id", "start_date", "end_date", "earnings_usd"]
        )
        writer.writerows(rows)
    return folder


def notebooks_folder(folder: Path, *names: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(FIXTURES / f"{name}.py", folder / f"{name}.py")
    return folder


def expected_hash(folder: Path) -> str:
    """The documented algorithm, written out again independently."""
    h = hashlib.sha256()
    for rel in sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()):
        data = (folder / rel).read_bytes()
        h.update(f"{rel}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


@dataclass
class Sample:
    history: Path
    notebooks: Path
    out: Path
    reports: list[ReportInfo]


_SAMPLE: Sample | None = None


def sample_build(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    """Notebooks 01 and 02 built once on the XSS history (shared with test_browser)."""
    global _SAMPLE
    if _SAMPLE is None:
        base = tmp_path_factory.mktemp("sample")
        history = write_history(base / "history", XSS_IDS)
        nbs = notebooks_folder(base / "notebooks", "01-contracts", "02-clients")
        out = base / "reports"
        reports = build_reports(
            history,
            out,
            nbs,
            as_of="2024-06-30",
            seed=7,
            progress=False,
            build_date=BUILD_DATE,
        )
        _SAMPLE = Sample(history, nbs, out, reports)
    return _SAMPLE


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    return sample_build(tmp_path_factory)


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


# ------------------------------------------------------------------ fast tests


def test_discover_notebooks_takes_numbered_py_files_in_name_order(tmp_path):
    for name in ["02-b.py", "01-a.py", "notes.py", "1-x.py", "03-c.ipynb", "10-j.py"]:
        (tmp_path / name).write_text("", encoding="utf-8")
    assert [p.name for p in discover_notebooks(tmp_path)] == ["01-a.py", "02-b.py", "10-j.py"]
    assert discover_notebooks(tmp_path / "missing") == []


def test_select_notebooks_by_stem_number_or_file_name(tmp_path):
    nbs = [tmp_path / "01-jss-mechanics.py", tmp_path / "02-costs.py"]
    assert select_notebooks(nbs, None) == nbs
    assert select_notebooks(nbs, ["02"]) == [nbs[1]]
    assert select_notebooks(nbs, ["02-costs", "01-jss-mechanics.py", "01"]) == nbs
    with pytest.raises(InputError, match="03-nope.*01-jss-mechanics, 02-costs"):
        select_notebooks(nbs, ["03-nope"])


def test_the_stage_is_primed_only_for_notebooks_that_open_it(tmp_path, monkeypatch, processed):
    import subprocess

    from analysis.report import build

    started = []
    monkeypatch.setattr(subprocess, "Popen", lambda argv, **kw: started.append(argv))
    plain = tmp_path / "01-plain.py"
    plain.write_text("print(1)\n", encoding="utf-8")
    opens = tmp_path / "02-stage.py"
    opens.write_text("stage = open_stage(history_path)\n", encoding="utf-8")
    risky = tmp_path / "03-risk.py"
    risky.write_text("stage = open_stage(history_path)\nrisk = stage.risk()\n", "utf-8")
    params = {"history_path": "/h", "rules": "upwork-2025", "as_of": "2025-06-01", "seed": 7}

    assert build._start_prime([plain], params) is None
    build._start_prime([plain, opens], params)
    build._start_prime([opens, risky], params)
    assert len(started) == 2
    assert started[0][1:] == [
        "-m", "analysis.report.stage", "/h", "upwork-2025", "--seed", "7", "--as-of", "2025-06-01",
    ]  # fmt: skip
    assert started[1][-1] == "--risk" and "--risk" not in started[0]


def test_a_stored_stage_is_not_primed_again(tmp_path, monkeypatch, processed):
    import subprocess

    from analysis.report import build
    from analysis.report.stage import build_stage

    history = tmp_path / "history"
    history.mkdir()
    (history / "contracts.csv").write_text(
        "freelancer_id,contract_id,client_id,start_date,end_date,earnings_usd,public_rating,"
        "private_score,disputed,client_flagged,category,contract_type,hours\n"
        "f1,c1,k1,2023-01-08,2023-03-20,800.00,5.0,10,false,false,design,fixed,\n",
        encoding="utf-8",
    )
    opens = tmp_path / "01-stage.py"
    opens.write_text("stage = open_stage(history_path)\n", encoding="utf-8")
    risky = tmp_path / "02-risk.py"
    risky.write_text("stage = open_stage(history_path)\nrisk = stage.risk()\n", "utf-8")
    params = {"history_path": str(history), "rules": "upwork-2025", "as_of": None, "seed": 0}
    started = []
    monkeypatch.setattr(subprocess, "Popen", lambda argv, **kw: started.append(argv))

    stage = build_stage(history, "upwork-2025")
    assert build._start_prime([opens], params) is None and started == []
    build._start_prime([opens, risky], params)  # the risk part is not stored yet
    assert len(started) == 1 and started[0][-1] == "--risk"
    stage.risk()
    assert build._start_prime([opens, risky], params) is None and len(started) == 1
    build._start_prime([opens], {**params, "seed": 1})  # another seed is another stage
    assert len(started) == 2


def test_history_sha256_covers_paths_and_bytes(tmp_path):
    folder = write_history(tmp_path / "h", ["f1", "f2"])
    (folder / "extra").mkdir()
    (folder / "extra" / "notes.txt").write_text("hello", encoding="utf-8")
    first = history_sha256(folder)
    assert first == expected_hash(folder)
    (folder / "extra" / "notes.txt").write_text("hellO", encoding="utf-8")
    assert history_sha256(folder) != first
    single = folder / "contracts.csv"
    assert (
        history_sha256(single)
        == hashlib.sha256(
            b"contracts.csv\0" + str(single.stat().st_size).encode() + b"\0" + single.read_bytes()
        ).hexdigest()
    )


def test_render_index_escapes_everything_from_data_and_parameters():
    evil = XSS_IDS[1]
    report = ReportInfo(
        name="01-x",
        file="01-x.html",
        title=f"Title {evil}",
        finding=f"Finding {XSS_IDS[0]}",
        notebook="nb/01-x.py",
    )
    provenance = {
        "history": f"/data/{evil}",
        "history_sha256": "ab" * 32,
        "rules": f"rules-{evil}.toml",
        "rules_sha256": "cd" * 32,
        "version": __version__,
        "build_date": "2025-03-01",
        "seed": 3,
        "as_of": None,
    }
    page = render_index([report], provenance)
    for raw in XSS_IDS:
        assert raw not in page
    assert html.escape(XSS_IDS[0]) in page
    assert "<script" not in page
    assert "cd" * 32 in page  # a custom rules file shows its hash
    assert 'href="01-x.html"' in page


def test_finding_shows_escaped_html_and_records_the_text(monkeypatch):
    shown = []
    monkeypatch.setattr(
        "IPython.display.display", lambda *objs, **kw: shown.append((objs, kw)), raising=True
    )
    finding(f"Top earner:   {XSS_IDS[1]}\n(3 contracts)")
    (data,), kw = shown[0]
    text = f"Top earner: {XSS_IDS[1]} (3 contracts)"
    assert kw["raw"] is True
    assert kw["metadata"] == {"toprated": {"finding": text}}
    assert html.escape(text) in data["text/html"]
    assert XSS_IDS[1] not in data["text/html"]


def test_set_theme_sizes_report_figures():
    from analysis.report.plots import set_theme

    set_theme()
    try:
        assert tuple(matplotlib.rcParams["figure.figsize"]) == (8.0, 4.5)
        assert matplotlib.rcParams["figure.dpi"] == 100
        assert matplotlib.rcParams["savefig.format"] == "png"
    finally:
        plt.close("all")
        matplotlib.rcdefaults()


def test_finish_puts_the_finding_in_the_title_and_units_on_the_axes():
    from analysis.report.plots import finish

    _, ax = plt.subplots()
    try:
        assert finish(ax, title="Fewer badges", xlabel="Weeks", ylabel="JSS (%)") is ax
        assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == (
            "Fewer badges",
            "Weeks",
            "JSS (%)",
        )
    finally:
        plt.close("all")


def test_a_custom_rules_file_is_passed_by_absolute_path_with_its_hash(tmp_path, monkeypatch):
    from importlib import resources

    from analysis.report.build import rules_parameter

    text = resources.files("analysis.engine.rules").joinpath("upwork-2025.toml").read_bytes()
    (tmp_path / "mine.toml").write_bytes(text)
    monkeypatch.chdir(tmp_path)
    assert rules_parameter("mine.toml") == (
        str((tmp_path / "mine.toml").resolve()),
        hashlib.sha256(text).hexdigest(),
    )
    assert rules_parameter("upwork-2025") == ("upwork-2025", None)


def test_bad_rules_and_unknown_names_fail_before_any_notebook_runs(tmp_path):
    history = write_history(tmp_path / "h", ["f1", "f2"])
    nbs = notebooks_folder(tmp_path / "nb", "03-fails")
    out = tmp_path / "out"
    with pytest.raises(InputError, match="no-such-rules"):
        build_reports(history, out, nbs, rules="no-such-rules", progress=False)
    with pytest.raises(InputError, match="99"):
        build_reports(history, out, nbs, only=["99"], progress=False)
    with pytest.raises(InputError, match="2024-13-01.*YYYY-MM-DD"):
        build_reports(history, out, nbs, as_of="2024-13-01", progress=False)
    with pytest.raises(InputError, match="holds no report notebooks"):
        build_reports(history, out, tmp_path / "empty", progress=False)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h", "nb"]  # no build folder left


def test_bad_history_stops_the_primer_and_writes_nothing(tmp_path, monkeypatch, processed):
    """The primer starts before the parent checks the history; on bad input the
    build raises the parent's `InputError` (file, line, column, value), the primer
    is stopped, and neither a stage nor a report nor a build folder is written."""
    from analysis.report import build

    history = write_history(tmp_path / "h", ["f1", "f2"])
    text = (history / "contracts.csv").read_text("utf-8")
    (history / "contracts.csv").write_text(text.replace("2024-02-01", "2024-02-31"), "utf-8")
    nbs = tmp_path / "nb"
    nbs.mkdir()
    (nbs / "01-stage.py").write_text("stage = open_stage(history_path)\n", "utf-8")
    primers = []
    start = build._start_prime

    def spy(selected, parameters):
        primers.append(start(selected, parameters))
        return primers[-1]

    monkeypatch.setattr(build, "_start_prime", spy)
    out = tmp_path / "out"
    with pytest.raises(InputError, match="contracts.csv.*2024-02-31"):
        build_reports(history, out, nbs, progress=False)
    assert len(primers) == 1 and primers[0] is not None
    assert primers[0].poll() is not None  # stopped (or done) before the error was raised
    assert not out.exists()
    assert not processed.exists() or list(processed.rglob("*")) == []
    assert {p.name for p in tmp_path.iterdir()} <= {"h", "nb", "processed"}  # no build folder


# ------------------------------------------------------------------ sample build


@pytest.mark.slow
def test_build_writes_a_report_per_notebook_and_an_index(sample):
    assert [r.name for r in sample.reports] == ["01-contracts", "02-clients"]
    assert sorted(p.name for p in sample.out.iterdir()) == [
        "01-contracts.html",
        "02-clients.html",
        "index.html",
        "manifest.json",
    ]
    assert [r.title for r in sample.reports] == [
        "Contracts per freelancer",
        "Clients in the history",
    ]
    leftovers = [p.name for p in sample.out.parent.iterdir() if ".build-" in p.name]
    assert leftovers == []


@pytest.mark.slow
def test_code_cells_are_hidden_by_default(sample):
    for report in sample.reports:
        page = read(sample.out / report.file)
        assert "CODE-MARKER" not in page
        assert "import pandas" not in page
        assert re.search(r'class="[^"]*jp-InputArea-editor', page) is None


@pytest.mark.slow
def test_figures_are_embedded_png_and_nothing_is_fetched(sample):
    page = read(sample.out / "01-contracts.html")
    assert re.search(r'<img[^>]+src="data:image/png;base64,[A-Za-z0-9+/]{1000,}', page)
    for path in sample.out.glob("*.html"):
        text = read(path)
        assert REMOTE_ATTR.search(text) is None, path.name
        assert "<script" not in text.lower(), path.name
        assert "Content-Security-Policy" in text, path.name
    assert 'src="data:image/svg' not in page  # PNG only: an SVG would carry data as markup


@pytest.mark.slow
def test_parameters_are_injected(sample):
    page = read(sample.out / "01-contracts.html")
    assert f"history_path={sample.history.resolve()}" in page
    assert "rules=upwork-2025 as_of=2024-06-30 seed=7" in page
    assert sample.reports[0].finding == f"The history holds 3 contracts; top earner: {XSS_IDS[1]}."
    assert sample.reports[1].finding == "2 distinct clients (seed 7)."


@pytest.mark.slow
def test_notebooks_run_in_this_interpreter(sample):
    assert f"kernel={html.escape(sys.executable)}" in read(sample.out / "02-clients.html")


@pytest.mark.slow
def test_index_lists_findings_and_provenance(sample):
    index = read(sample.out / "index.html")
    for report in sample.reports:
        assert f'href="{report.file}"' in index
        assert html.escape(report.title) in index
        assert html.escape(report.finding) in index
    assert expected_hash(sample.history) in index
    assert html.escape(str(sample.history)) in index
    for fact in ["upwork-2025", __version__, "2025-03-01", "2024-06-30", "<dd>7</dd>"]:
        assert fact in index
    assert "Rules file sha256" not in index  # a bundled rule set has no file hash
    manifest = json.loads(read(sample.out / "manifest.json"))
    assert [r["name"] for r in manifest["reports"]] == ["01-contracts", "02-clients"]


@pytest.mark.slow
def test_ids_from_the_data_are_escaped_everywhere(sample):
    for path in sample.out.glob("*.html"):
        text = read(path)
        for raw in XSS_IDS:
            assert raw not in text, path.name
        assert RAW_PAYLOAD_TAG.search(text) is None, path.name
    report = read(sample.out / "01-contracts.html")
    # nbconvert re-serialises outputs, so quotes in text come back unescaped (harmless)
    assert html.escape(XSS_IDS[0], quote=False) in report  # the DataFrame of ids
    assert html.escape(XSS_IDS[1], quote=False) in report  # the finding
    assert html.escape(XSS_IDS[1]) in read(sample.out / "index.html")


# ----------------------------------------------------------- other builds


@pytest.mark.slow
def test_failing_notebook_names_the_cell_and_leaves_reports_untouched(tmp_path):
    history = write_history(tmp_path / "h", ["f1", "f2"])
    nbs = notebooks_folder(tmp_path / "nb", "02-clients", "03-fails")
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.html").write_bytes(b"<p>previous index</p>\n")
    (out / "02-clients.html").write_bytes(b"<p>previous report</p>\n")
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    with pytest.raises(ReportError) as caught:
        build_reports(history, out, nbs, progress=False)

    message = str(caught.value)
    assert "03-fails.py" in message
    assert "cell 3 (line 8)" in message
    assert 'raise ValueError("boom in the third cell")' in message
    assert "ValueError: boom in the third cell" in message
    assert "Traceback" not in message and "\x1b[" not in message
    assert caught.value.cell == 3
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h", "nb", "out"]


@pytest.mark.slow
def test_only_rebuilds_the_named_report_and_keeps_the_others(sample, tmp_path):
    out = tmp_path / "reports"
    shutil.copytree(sample.out, out)
    kept = (out / "01-contracts.html").read_bytes()
    (out / "02-clients.html").write_text("stale", encoding="utf-8")

    built = build_reports(
        sample.history, out, sample.notebooks, only=["02"], seed=11, progress=False
    )

    assert [r.name for r in built] == ["02-clients"]
    assert (out / "01-contracts.html").read_bytes() == kept
    assert "2 distinct clients (seed 11)." in read(out / "02-clients.html")
    index = read(out / "index.html")
    assert "Contracts per freelancer" in index and "Clients in the history" in index
    assert html.escape(sample.reports[0].finding) in index
    assert "with a different Seed" in index  # 01 was built with seed 7, this build used 11


@pytest.mark.slow
def test_full_build_with_code_replaces_reports_and_drops_stale_ones(sample, tmp_path):
    out = tmp_path / "reports"
    shutil.copytree(sample.out, out)
    (out / "notes.html").write_text("not a report", encoding="utf-8")
    nbs = notebooks_folder(tmp_path / "nb", "02-clients")  # 01 was renamed away

    build_reports(sample.history, out, nbs, with_code=True, progress=False)

    assert sorted(p.name for p in out.iterdir()) == [
        "02-clients.html",
        "index.html",
        "manifest.json",
        "notes.html",
    ]
    page = read(out / "02-clients.html")
    assert "CODE-MARKER-02" in page
    assert re.search(r'class="[^"]*jp-InputArea-editor', page)
    assert REMOTE_ATTR.search(page) is None
    assert "Contracts per freelancer" not in read(out / "index.html")


# ------------------------------------------------------- publishing is confined


def fake_run_all(selected, build, kernels, parameters, provenance, with_code, jobs, progress):
    """Stands in for running the notebooks: writes one tiny page per notebook."""
    built = []
    for nb in selected:
        (build / f"{nb.stem}.html").write_text(f"<p>{nb.stem}</p>", encoding="utf-8")
        built.append(
            ReportInfo(nb.stem, f"{nb.stem}.html", nb.stem, "found", str(nb), dict(provenance))
        )
    return built


@pytest.mark.parametrize("victim_entry", ["relative", "absolute", "symlinked"])
def test_a_manifest_never_makes_the_build_delete_outside_out(tmp_path, monkeypatch, victim_entry):
    """A manifest listing ``../victim/07-thesis.docx`` or an absolute path is ignored."""
    import analysis.report.build as build_module

    monkeypatch.setattr(build_module, "_run_all", fake_run_all)
    victim = tmp_path / "victim"
    victim.mkdir()
    thesis = victim / "07-thesis.docx"
    thesis.write_bytes(b"years of work")
    report = victim / "05-kept.html"
    report.write_bytes(b"someone else's report")
    out = tmp_path / "reports"
    out.mkdir()
    (out / "04-notes.html").symlink_to(report)
    entries = {
        "relative": ["../victim/07-thesis.docx", "../victim/05-kept.html"],
        "absolute": [str(thesis), str(report)],
        "symlinked": ["04-notes.html"],
    }[victim_entry]
    manifest = {
        "reports": [
            {"name": Path(e).stem, "file": e, "title": "t", "finding": None, "notebook": "x"}
            for e in entries
        ]
        + [
            {
                "name": "03-old",
                "file": "03-old.html",
                "title": "old",
                "finding": None,
                "notebook": "x",
            }
        ]  # fmt: skip
    }
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (out / "03-old.html").write_text("a stale report of ours", encoding="utf-8")
    history = write_history(tmp_path / "history", ["f1", "f2"])
    nbs = notebooks_folder(tmp_path / "nb", "01-contracts")

    build_reports(history, out, nbs, progress=False)

    assert thesis.read_bytes() == b"years of work"
    assert report.read_bytes() == b"someone else's report"
    assert (out / "04-notes.html").is_symlink()
    assert not (out / "03-old.html").exists()  # a stale report we built is still dropped
    listed = json.loads(read(out / "manifest.json"))["reports"]
    assert [r["file"] for r in listed] == ["01-contracts.html"]


def test_an_only_build_does_not_list_foreign_manifest_entries(tmp_path, monkeypatch):
    import analysis.report.build as build_module

    monkeypatch.setattr(build_module, "_run_all", fake_run_all)
    out = tmp_path / "reports"
    out.mkdir()
    (tmp_path / "02-x.html").write_text("outside", encoding="utf-8")
    manifest = {
        "reports": [
            {
                "name": "02-x",
                "file": "../02-x.html",
                "title": "t",
                "finding": None,
                "notebook": "x",
            }  # fmt: skip
        ]
    }
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    history = write_history(tmp_path / "history", ["f1", "f2"])
    nbs = notebooks_folder(tmp_path / "nb", "01-contracts")

    build_reports(history, out, nbs, only=["01"], progress=False)

    assert "../02-x.html" not in read(out / "index.html")
    assert (tmp_path / "02-x.html").read_text(encoding="utf-8") == "outside"


@pytest.mark.slow
def test_identical_inputs_give_byte_identical_reports(tmp_path):
    """No random cell ids (nbformat), Styler table ids (pandas) or figure metadata."""
    history = write_history(tmp_path / "history", ["f1", "f2"])
    nbs = notebooks_folder(tmp_path / "nb", "01-contracts", "04-styled")
    for k in (1, 2):
        build_reports(history, tmp_path / f"r{k}", nbs, progress=False, build_date=BUILD_DATE)
    files = sorted(p.name for p in (tmp_path / "r1").iterdir())
    assert files == ["01-contracts.html", "04-styled.html", "index.html", "manifest.json"]
    for name in files:
        assert (tmp_path / "r1" / name).read_bytes() == (tmp_path / "r2" / name).read_bytes(), name
    page = read(tmp_path / "r1" / "04-styled.html")
    assert 'id="T_s0001"' in page and 'id="cell-id=cell-001"' in page
    assert re.search(r"T_[0-9a-f]{5}\b", page) is None


def test_a_print_split_by_the_kernels_flush_makes_the_same_page():
    """The kernel may send one ``print`` as its text and its newline in two stream
    outputs, depending on when its buffer flushes: the page is the same either way."""
    import nbformat

    from analysis.report.build import _export_html

    def page(*pieces: str) -> str:
        cell = nbformat.v4.new_code_cell("print('execution count 8')", execution_count=1)
        cell["id"] = "cell-001"
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=t) for t in pieces]
        nb = nbformat.v4.new_notebook(cells=[cell])
        return _export_html(nb, "split", with_code=True)

    whole = page("execution count 8\n")
    assert page("execution count 8", "\n") == whole
    assert whole.count("execution count 8") == 2  # the code and its one output
