"""Build the HTML reports: run every story notebook on a history, export it, index it.

Notebooks are jupytext percent-format ``.py`` files named ``NN-name.py`` in
``notebooks/`` (no ``.ipynb`` is committed). `build_reports` runs each one with
papermill and exports it with nbconvert to one self-contained HTML file per
notebook, plus ``index.html`` listing every report with its title, its one-line
finding and the provenance of the build. It is the library side of::

    toprated report [HISTORY] [--out reports/] [--only NAME ...] [--rules NAME|FILE] [--with-code]

A notebook's contract
---------------------
- Its first Markdown heading is the report's title.
- A cell tagged ``parameters`` (``# %% tags=["parameters"]``) declares defaults for
  ``history_path`` (str), ``rules`` (str: a bundled rule set name or a path to a
  TOML file), ``as_of`` (``"YYYY-MM-DD"`` or ``None``) and ``seed`` (int); the build
  injects the actual values after it.
- It states its finding once with ``analysis.report.notebook.finding("...")``; the text is
  shown in the report (escaped) and copied to the index.
- Any exception fails the whole build with a `ReportError` naming the notebook and
  the cell; the previous reports are left as they were.

Self-contained HTML
-------------------
Reports use nbconvert's ``lab`` template with every block that would fetch from the
network (require.js, MathJax, mermaid, widget manager) emptied, JavaScript outputs
dropped, and a Content-Security-Policy that forbids scripts and every fetch other
than ``data:`` images. Figures are inline PNGs (``analysis.report.plots.set_theme``), so
they are already base64 in the notebook. LaTeX in Markdown is therefore shown as
typed (no MathJax). Code cells are hidden unless ``with_code``.

The kernel
----------
Notebooks run in the interpreter that runs the build (``sys.executable``): the
build writes its own kernelspec into the temporary build folder and hands papermill
a kernel manager that only knows that folder, so neither a user's nor the system's
kernelspecs are consulted and nothing is installed outside the build folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from analysis import __version__
from analysis.io.errors import InputError, Problem
from analysis.report.notebook import FINDING_KEY
from analysis.report.stage import history_sha256

#: Notebook files that are reports: ``01-jss-mechanics.py``.
NOTEBOOK_PATTERN = re.compile(r"^(\d{2})-[A-Za-z0-9][A-Za-z0-9_-]*\.py$")
#: The HTML file a report notebook becomes (the only report files a build ever deletes).
REPORT_FILE_PATTERN = re.compile(r"^(\d{2})-[A-Za-z0-9][A-Za-z0-9_-]*\.html$")
#: Name of the kernelspec the build writes into its temporary folder.
KERNEL_NAME = "toprated-python"
#: Written into ``out`` next to the reports; lets ``--only`` rebuild the index.
MANIFEST_NAME = "manifest.json"
INDEX_NAME = "index.html"

#: No scripts, no fetches: only inline styles and ``data:`` images.
CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "font-src data:; base-uri 'none'; form-action 'none'"
)

_REPORT_TEMPLATE = (
    "{%- extends 'index.html.j2' -%}\n"
    "{%- block html_head_js -%}\n"
    f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
    '<meta name="generator" content="toprated-analysis {{ resources.toprated_version }}">\n'
    "{%- endblock html_head_js -%}\n"
    "{% block jupyter_widgets %}{% endblock jupyter_widgets %}\n"
    "{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}\n"
    "{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}\n"
    "{%- block data_javascript -%}{%- endblock data_javascript -%}\n"
    "{%- block data_widget_view -%}{%- endblock data_widget_view -%}\n"
)


class ReportError(Exception):
    """A report notebook failed; the message names the notebook and the cell.

    Not bad input: the history was accepted, the analysis broke. The CLI prints
    ``str(err)`` (no traceback) and exits non-zero.
    """

    def __init__(
        self,
        notebook: Path | str,
        message: str,
        *,
        cell: int | None = None,
        line: int | None = None,
    ):
        self.notebook = str(notebook)
        self.cell = cell
        self.line = line
        super().__init__(message)


@dataclass(frozen=True)
class ReportInfo:
    """One built report as the index lists it."""

    name: str  #: notebook stem, ``01-jss-mechanics``
    file: str  #: HTML file name inside ``out``
    title: str
    finding: str | None
    notebook: str  #: the source ``.py`` it was built from
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def number(self) -> str:
        return self.name[:2]


# ------------------------------------------------------------------ discovery


def discover_notebooks(folder: Path | str) -> list[Path]:
    """The report notebooks in ``folder`` (``NN-name.py``), ordered by name."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and NOTEBOOK_PATTERN.match(p.name))


def select_notebooks(notebooks: Sequence[Path], only: Iterable[str] | None) -> list[Path]:
    """Pick notebooks by stem (``01-jss-mechanics``), file name or number (``01``).

    An unknown name raises `InputError` listing the names that exist.
    """
    if not only:
        return list(notebooks)
    chosen: list[Path] = []
    problems = []
    for wanted in only:
        key = wanted.strip().removesuffix(".py")
        hits = [nb for nb in notebooks if key in (nb.stem, nb.stem[:2])]
        if not hits:
            problems.append(
                Problem(
                    wanted,
                    None,
                    None,
                    None,
                    "is not a report notebook; choose from "
                    + (", ".join(nb.stem for nb in notebooks) or "(none found)"),
                )
            )
        chosen.extend(h for h in hits if h not in chosen)
    if problems:
        raise InputError(problems)
    return sorted(chosen)


# ----------------------------------------------------------------- provenance


def rules_parameter(rules: str | Path) -> tuple[str, str | None]:
    """(value passed to notebooks, sha256 of the file or None for a bundled set)."""
    from analysis.engine.ruleset import bundled_rule_sets, load_rules

    load_rules(rules)  # malformed or unknown rules are bad input: InputError
    if str(rules) in bundled_rule_sets():
        return str(rules), None
    file = Path(rules).resolve()
    return str(file), hashlib.sha256(file.read_bytes()).hexdigest()


# ------------------------------------------------------------------ the build


def build_reports(
    history: Path | str,
    out: Path | str,
    notebooks_dir: Path | str,
    only: Sequence[str] | None = None,
    rules: str | Path = "upwork-2025",
    as_of: dt.date | str | None = None,
    seed: int = 0,
    with_code: bool = False,
    progress: bool = True,
    build_date: dt.date | None = None,
    jobs: int | None = None,
) -> list[ReportInfo]:
    """Run the report notebooks on ``history`` and write HTML reports into ``out``.

    - ``history``: a history folder (or one contracts file); checked with
      `analysis.io.load.read_history` first, so bad input raises `InputError` before
      any notebook runs.
    - ``notebooks_dir``: where the ``NN-name.py`` notebooks are; ``only`` picks some
      by stem or number (``["01"]``); then the other reports already in ``out`` are
      kept and the index lists them all.
    - ``rules``: bundled rule set name or path to a TOML file (passed on as an
      absolute path; its sha256 goes into the provenance).
    - ``as_of``, ``seed``: passed to every notebook (``as_of`` as ``"YYYY-MM-DD"``).
    - ``with_code``: keep the code cells in the HTML (hidden by default).
    - ``build_date``: the date shown in the index (today if None).
    - ``jobs``: notebooks run at once, each in its own kernel (default: the
      number of cores, at most 4).

    Everything is built in a temporary folder next to ``out``; only when every
    notebook succeeded are the new files moved in (and, after a full build, the
    reports of notebooks that no longer exist removed). A failing notebook raises
    `ReportError` and leaves ``out`` untouched. Returns the reports built now, in
    order.
    """

    from analysis.io.load import read_history

    history = Path(history)
    out = Path(out).resolve()
    notebooks_dir = Path(notebooks_dir).resolve()  # papermill chdirs (process-wide) per kernel
    available = discover_notebooks(notebooks_dir)
    if not available:
        raise InputError(
            [Problem(str(notebooks_dir), None, None, None, "holds no report notebooks NN-name.py")]
        )
    selected = select_notebooks(available, only)
    rules_value, rules_sha = rules_parameter(rules)
    as_of_text = _as_of_text(as_of)
    parameters = {
        "history_path": str(history.resolve()),
        "rules": rules_value,
        "as_of": as_of_text,
        "seed": int(seed),
    }
    # the primer starts before the history is checked here: the check (imports and
    # a full read) takes seconds of the primer's head start, and on bad input the
    # primer stops on the same check without writing anything
    primer = _start_prime(selected, parameters) if history.exists() else None
    build = None
    try:
        read_history(history)
        provenance = {
            "history": str(history),
            "history_sha256": history_sha256(history),
            "rules": str(rules),
            "rules_sha256": rules_sha,
            "version": __version__,
            "build_date": (build_date or dt.date.today()).isoformat(),
            "seed": int(seed),
            "as_of": as_of_text,
        }
        if out.exists() and not out.is_dir():
            raise InputError([Problem(str(out), None, None, None, "exists and is not a folder")])
        out.parent.mkdir(parents=True, exist_ok=True)
        build = Path(tempfile.mkdtemp(prefix=f".{out.name}.build-", dir=out.parent))
        kernels = _write_kernelspec(build / "kernels")
        papermill_log = logging.getLogger("papermill")
        papermill_log.addFilter(_quiet_unknown_parameters)
        cwd = os.getcwd()
        try:
            built = _run_all(
                selected, build, kernels, parameters, provenance, with_code, jobs, progress
            )
        finally:
            papermill_log.removeFilter(_quiet_unknown_parameters)
            # papermill chdirs into the notebooks folder per kernel; with parallel kernels
            # the process-wide restores interleave and can leave the process there
            os.chdir(cwd)
        _publish(build, out, built, full=not only, provenance=provenance)
    finally:
        _stop(primer)  # once the notebooks are done, or something failed
        if build is not None:
            shutil.rmtree(build, ignore_errors=True)
    return built


def _run_all(
    selected: Sequence[Path],
    build: Path,
    kernels: Path,
    parameters: dict[str, Any],
    provenance: dict[str, Any],
    with_code: bool,
    jobs: int | None,
    progress: bool,
) -> list[ReportInfo]:
    """Run the notebooks on `jobs` kernels, each kernel running one notebook after another.

    A kernel process costs seconds to start and more to import pandas, seaborn,
    statsmodels and the stage (measured: that was most of a warm build), so each
    worker thread starts ONE kernel and runs its next notebook in it after wiping
    the previous one's state (`RESET_CODE`): a notebook sees the same fresh
    namespace, matplotlib settings and execution counts as in a new kernel, only the
    imported modules (and the stage `analysis.report.notebook` keeps) are warm.
    Notebooks are taken in notebook order, except that those that do not open the
    stage (`opens_stage`) go first: on a cold build they run while the background
    primer (`_start_prime`) computes it, instead of a kernel waiting for it.

    Results keep the notebooks' order. The first failure (in notebook order among
    those that failed) is raised once every running notebook has stopped; no
    notebook is started after a failure or after Ctrl-C/SIGTERM.
    """
    import queue

    from tqdm.auto import tqdm

    jobs = max(1, min(jobs or default_jobs(), len(selected)))
    todo: queue.SimpleQueue[Path] = queue.SimpleQueue()
    for notebook in sorted(selected, key=opens_stage):  # stable: notebook order otherwise
        todo.put(notebook)
    done: queue.SimpleQueue[Path | None] = queue.SimpleQueue()
    stop = threading.Event()
    results: dict[Path, ReportInfo] = {}
    errors: dict[Path, BaseException] = {}

    def work() -> None:
        km = None
        try:
            while not stop.is_set():
                try:
                    notebook = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    if km is None:
                        km = _kernel_manager_class(kernels)(kernel_name=KERNEL_NAME)
                    results[notebook] = _build_one(
                        notebook, build, kernels, parameters, provenance,
                        with_code=with_code, km=km,
                    )  # fmt: skip
                except BaseException as err:  # re-raised below, in notebook order
                    errors[notebook] = err
                    stop.set()
                done.put(notebook)
        finally:
            if km is not None:
                _shutdown(km)
            done.put(None)

    workers = [
        threading.Thread(target=work, name=f"toprated-kernel-{i}", daemon=True) for i in range(jobs)
    ]
    with tqdm(total=len(selected), desc="reports", unit="notebook", disable=not progress) as bar:
        try:
            for worker in workers:
                worker.start()
            running = len(workers)
            while running:
                notebook = done.get()
                if notebook is None:
                    running -= 1
                    continue
                bar.set_postfix_str(notebook.stem)
                bar.update()
        except BaseException:  # Ctrl-C or SIGTERM: start no more notebooks
            stop.set()
            for worker in workers:
                worker.join()
            raise
    for notebook in selected:
        if notebook in errors:
            raise errors[notebook]
    return [results[nb] for nb in selected if nb in results]


def opens_stage(notebook: Path) -> bool:
    """True when the notebook's source calls ``open_stage(`` (it needs the computed stage)."""
    return "open_stage(" in notebook.read_text(encoding="utf-8")


def _start_prime(selected: Sequence[Path], parameters: dict[str, Any]) -> Any:
    """Start computing the stage in the background when a selected notebook opens it.

    A kernel takes seconds to start and import its libraries, and the notebooks
    that do not open the stage run first (`_run_all`); meanwhile a separate
    process (`analysis.report.stage.prime`) computes the stage, and its risk part
    when a selected notebook uses it (``.risk()``), so a cold build's notebooks wait
    for it less. It computes nothing a notebook would not (same key, same lock); a
    warm build, whose stage is stored already (`analysis.report.stage.stored`),
    starts none. A failure there is left to the notebook, which then computes the
    stage itself and reports the error.
    """
    import subprocess

    from analysis.report.stage import prime_command, stored

    if not any(opens_stage(nb) for nb in selected):
        return None
    risk = any(".risk()" in nb.read_text(encoding="utf-8") for nb in selected)
    settings = {"seed": parameters["seed"], "as_of": parameters["as_of"], "risk": risk}
    if stored(parameters["history_path"], parameters["rules"], **settings):
        return None  # a warm build: nothing to compute
    argv = prime_command(
        parameters["history_path"], parameters["rules"],
        seed=parameters["seed"], as_of=parameters["as_of"], risk=risk,
    )  # fmt: skip
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stop(primer: Any) -> None:
    """End the background primer (SIGTERM: it removes its temporary folder) if it is
    still running once the notebooks are done, or failed, or were interrupted."""
    import subprocess

    if primer is None:
        return
    if primer.poll() is None:
        primer.terminate()
    try:
        primer.wait(timeout=30)
    except subprocess.TimeoutExpired:
        primer.kill()
        primer.wait()


def default_jobs() -> int:
    """Kernels run at once by default: one per core (at most 4).

    Each kernel runs several notebooks in turn, so more kernels than cores only
    adds kernel start-ups and imports that compete for the same cores.
    """
    return min(
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 4
    )


#: Run first in a kernel before each notebook (as a cell the report does not keep):
#: closes the previous notebook's figures, restores matplotlib's defaults, deletes
#: every name it defined and restarts the execution count in a new history session
#: (the same line numbers again would clash in IPython's history), so the notebook runs as
#: in a new kernel (its own `plots.set_theme()` sets the report style again).
RESET_CODE = """\
import sys as _sys
if "matplotlib.pyplot" in _sys.modules:
    _sys.modules["matplotlib.pyplot"].close("all")
if "matplotlib" in _sys.modules:
    _sys.modules["matplotlib"].rcdefaults()
get_ipython().reset(new_session=True)
get_ipython().execution_count = 0
"""
#: Metadata key marking the reset cell in the notebook sent to the kernel.
RESET_KEY = "toprated_reset"


def _shutdown(km: Any) -> None:
    """Shut a worker's kernel down (in the worker thread's event loop, where it started)."""
    from jupyter_core.utils import run_sync

    if km.has_kernel:
        try:
            run_sync(km.shutdown_kernel)(now=False)
        except Exception:  # noqa: BLE001 - the build's result does not depend on it
            run_sync(km.shutdown_kernel)(now=True)


def _quiet_unknown_parameters(record: logging.LogRecord) -> bool:
    """Every notebook is offered every parameter; one that needs fewer is fine."""
    return not record.getMessage().startswith("Passed unknown parameter")


def _as_of_text(as_of: dt.date | str | None) -> str | None:
    if as_of is None:
        return None
    from analysis.io.limits import DATE_MAX, DATE_MIN, DATE_RANGE_EXPECTED

    try:
        day = dt.date.fromisoformat(str(as_of))
    except ValueError:
        raise InputError(
            [Problem(str(as_of), None, None, None, "is not a date as YYYY-MM-DD (--as-of)")]
        ) from None
    if not DATE_MIN <= day <= DATE_MAX:
        raise InputError([Problem("--as-of", None, None, str(as_of), DATE_RANGE_EXPECTED)])
    return day.isoformat()


def _write_kernelspec(folder: Path) -> Path:
    """A kernelspec that starts ipykernel in this very interpreter."""
    spec = folder / KERNEL_NAME
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python (toprated build)",
                "language": "python",
                "metadata": {"debugger": False, "supported_encryption": ["curve"]},
            },
            indent=1,
        ),
        encoding="utf-8",
    )
    return folder


def _kernel_manager_class(kernels: Path) -> type:
    """A kernel manager that knows only the build's kernelspec.

    Handed to papermill as ``kernel_manager_class``, so nbclient owns (and shuts
    down) each kernel; CurveZMQ transport encryption is used when pyzmq has it.
    """
    import zmq
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class BuildKernelManager(AsyncKernelManager):
        @default("kernel_spec_manager")
        def _only_the_build_kernel(self) -> KernelSpecManager:
            return KernelSpecManager(kernel_dirs=[str(kernels)], ensure_native_kernel=False)

        @default("transport_encryption")
        def _encrypt_if_possible(self) -> str:
            return "auto" if zmq.has("curve") else "disabled"

        def client(self, **kwargs: Any) -> Any:
            # nbclient leaves the client of a kernel it does not own running; the
            # build stops it after each notebook (`close_clients`)
            made = super().client(**kwargs)
            self.__dict__.setdefault("made_clients", []).append(made)
            return made

        def close_clients(self) -> None:
            """Stop the channels of every client made for this kernel so far."""
            for made in self.__dict__.pop("made_clients", []):
                if made.channels_running:
                    made.stop_channels()

        async def _async_interrupt_kernel(self) -> None:
            # jupyter_client interrupts (SIGINT) every kernel it shuts down, and
            # ipykernel logs that as "[IPKernelApp] ERROR | KeyboardInterrupt caught
            # in kernel"; a build's kernel is idle when shut down, so the shutdown
            # request alone ends it (SIGTERM, then SIGKILL still follow if it hangs)
            if self.shutting_down:
                return
            await super()._async_interrupt_kernel()

    return BuildKernelManager


def _build_one(
    notebook: Path,
    build: Path,
    kernels: Path,
    parameters: dict[str, Any],
    provenance: dict[str, Any],
    *,
    with_code: bool,
    km: Any = None,
) -> ReportInfo:
    """Run one notebook (in the kernel of `km` when given, else in a new one) and export it."""
    import jupytext
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    nb = jupytext.read(notebook, fmt="py:percent")
    for number, cell in enumerate(nb.cells, start=1):
        cell.metadata[FINDING_KEY] = {"cell": number}
    nb.metadata["kernelspec"] = {
        "name": KERNEL_NAME,
        "display_name": "Python (toprated build)",
        "language": "python",
    }
    nb.metadata.setdefault("language_info", {"name": "python"})
    if km is not None:
        reset = nbformat.v4.new_code_cell(RESET_CODE, metadata={RESET_KEY: True})
        nb.cells.insert(0, reset)
    source = build / f"{notebook.stem}.ipynb"
    executed = build / f"{notebook.stem}.executed.ipynb"
    nbformat.write(nb, source)
    started = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(source),
            str(executed),
            parameters=parameters,
            kernel_name=KERNEL_NAME,
            language="python",
            progress_bar=False,
            # papermill would otherwise write the whole notebook (figures included)
            # before and after every cell: most of the build process's own CPU time;
            # it still writes it once at the end, and on a failure before raising
            request_save_on_cell_execute=False,
            cwd=str(notebook.parent.resolve()),
            **({"km": km} if km is not None else {}),
            kernel_manager_class=_kernel_manager_class(kernels),
        )
    except PapermillExecutionError as err:
        raise _cell_error(notebook, executed, err) from None
    except Exception as err:  # the kernel died, could not start, timed out ...
        raise ReportError(
            notebook, f"{notebook}: could not run: {type(err).__name__}: {err}"
        ) from None
    finally:
        if km is not None:
            km.close_clients()

    done = nbformat.read(executed, as_version=4)
    done.cells = [c for c in done.cells if not c.metadata.get(RESET_KEY)]
    _stable_ids(done)
    title = _title(done) or notebook.stem
    done.metadata["title"] = title
    ran = time.perf_counter()
    html_text = _export_html(done, notebook.stem, with_code=with_code)
    file = f"{notebook.stem}.html"
    (build / file).write_text(html_text, encoding="utf-8")
    _log_timing(notebook, done, run_s=ran - started, html_s=time.perf_counter() - ran)
    return ReportInfo(
        name=notebook.stem,
        file=file,
        title=title,
        finding=_finding(done),
        notebook=str(notebook),
        provenance=dict(provenance),
    )


#: Logger of the build's timings (DEBUG records, see `_log_timing`).
log = logging.getLogger(__name__)
#: Attribute of a timing log record holding its figures.
TIMING_KEY = "toprated_timing"


def _log_timing(notebook: Path, done: Any, *, run_s: float, html_s: float) -> None:
    """One DEBUG record per notebook: seconds to run it (kernel start on a new
    kernel, the reset, every cell) and to export it, and each code cell's seconds
    as papermill measured them (``benchmarks/bench_report.py --profile`` reads them)."""
    cells = [
        {
            "cell": cell.metadata.get(FINDING_KEY, {}).get("cell"),
            "seconds": round(float(cell.metadata.get("papermill", {}).get("duration") or 0), 3),
            "first_line": next((ln for ln in cell.source.splitlines() if ln.strip()), ""),
        }
        for cell in done.cells
        if cell.cell_type == "code"
    ]
    timing = {"notebook": notebook.stem, "run_s": run_s, "html_s": html_s, "cells": cells}
    log.debug(
        "%s: ran in %.1f s, exported in %.1f s", notebook.stem, run_s, html_s,
        extra={TIMING_KEY: timing},
    )  # fmt: skip


def _cell_error(notebook: Path, executed: Path, err: Any) -> ReportError:
    """Name the failing cell as the author numbers it (1 = first cell of the .py)."""
    import nbformat

    number = None
    source = err.source or ""
    if executed.exists():
        cells = nbformat.read(executed, as_version=4).cells
        for cell in cells:
            if cell.get("metadata", {}).get("papermill", {}).get("exception"):
                number = cell.metadata.get(FINDING_KEY, {}).get("cell")
                source = cell.source
                break
    first = next((ln.strip() for ln in source.splitlines() if ln.strip()), "")
    line = _cell_line(notebook, number, first) if number else None
    where = f"cell {number}" if number else f"cell at index {err.cell_index}"
    if line:
        where += f" (line {line})"
    evalue = _strip_ansi(str(err.evalue)).strip()
    message = f"{notebook}: {where} `{first}` raised {err.ename}" + (
        f": {evalue}" if evalue else ""
    )
    return ReportError(notebook, message, cell=number, line=line)


def _cell_line(notebook: Path, number: int, first: str) -> int | None:
    """Line in the ``.py`` of ``first`` (the failing cell's first source line).

    Found after the ``# %%`` marker of cell ``number``; None when the cells cannot
    be matched to markers (a first cell without one).
    """
    import jupytext

    lines = notebook.read_text(encoding="utf-8").splitlines()
    markers = [i for i, ln in enumerate(lines) if ln.startswith("# %%")]
    cells = len(jupytext.read(notebook, fmt="py:percent").cells)
    if len(markers) != cells or not 1 <= number <= len(markers):
        return None
    start = markers[number - 1]
    end = markers[number] if number < len(markers) else len(lines)
    for i in range(start + 1, end):
        if first and lines[i].strip() == first:
            return i + 1
    return start + 1


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)


def _title(nb: Any) -> str | None:
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            match = re.match(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", line)
            if match:
                return match.group(1)
    return None


def _finding(nb: Any) -> str | None:
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            found = output.get("metadata", {}).get(FINDING_KEY, {}).get("finding")
            if found:
                return str(found)
    return None


#: Each build thread's HTML exporters, by ``with_code`` (see `_export_html`).
_EXPORTERS = threading.local()


def _export_html(nb: Any, name: str, *, with_code: bool) -> str:
    """The report's HTML. One exporter per thread and setting is kept: its first
    export compiles the templates (seconds), later ones reuse them.

    Consecutive outputs of one stream are merged first (nbconvert's
    ``CoalesceStreamsPreprocessor``): the kernel sends what a cell prints in
    pieces as its buffer flushes, so one ``print`` can arrive as its text and its
    newline, and the page would otherwise depend on that timing (a test caught
    ``execution count 8`` and its newline as two outputs in one run of 40)."""
    exporters = _EXPORTERS.__dict__.setdefault("by_code", {})
    exporter = exporters.get(with_code)
    if exporter is None:
        from nbconvert import HTMLExporter
        from traitlets.config import Config

        exporter = exporters[with_code] = HTMLExporter(
            config=Config({"CoalesceStreamsPreprocessor": {"enabled": True}}),
            template_name="lab",
            raw_template=_REPORT_TEMPLATE,
            embed_images=True,
            exclude_input=not with_code,
            exclude_input_prompt=not with_code,
            exclude_output_prompt=True,
            exclude_anchor_links=True,
        )
    body, _ = exporter.from_notebook_node(
        nb, resources={"metadata": {"name": name}, "toprated_version": __version__}
    )
    return _stable_styler_ids(body)


def _stable_ids(nb: Any) -> None:
    """Number the cells (``cell-001`` ...) in place of nbformat's random cell ids,
    which the HTML shows as element ids: the same notebook gives the same bytes."""
    for number, cell in enumerate(nb.cells, start=1):
        cell["id"] = f"cell-{number:03d}"


#: A pandas Styler table id: ``T_`` and 5 random hex digits (``uuid4``), also used
#: as the prefix of every cell id and CSS selector of that table.
_STYLER_ID = re.compile(r"(?<![A-Za-z0-9_])T_[0-9a-f]{5}(?![0-9a-f])")


def _stable_styler_ids(text: str) -> str:
    """Styled tables numbered in order of appearance (``T_s0001``) instead of random."""
    seen: dict[str, str] = {}

    def number(match: re.Match[str]) -> str:
        return seen.setdefault(match.group(0), f"T_s{len(seen) + 1:04d}")

    return _STYLER_ID.sub(number, text)


# ---------------------------------------------------------------- publishing


def _publish(
    build: Path,
    out: Path,
    built: list[ReportInfo],
    *,
    full: bool,
    provenance: dict[str, Any],
) -> None:
    """Move the new reports into ``out``, then write the index and the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    previous = _read_manifest(out)
    new = {r.name: r for r in built}
    if full:
        reports = list(built)
        stale = [r.file for r in previous if r.name not in new and r.file not in _files(built)]
    else:
        kept = [r for r in previous if r.name not in new and (out / r.file).is_file()]
        reports = sorted([*kept, *built], key=lambda r: r.name)
        stale = []
    for report in built:
        os.replace(build / report.file, out / report.file)
    _write_atomic(out / MANIFEST_NAME, _manifest_json(reports), build)
    _write_atomic(out / INDEX_NAME, render_index(reports, provenance), build)
    for file in stale:
        target = _own_report_path(out, file)
        if target is not None and target.is_file() and not target.is_symlink():
            target.unlink()


def _own_report_path(out: Path, file: str) -> Path | None:
    """``out / file`` when ``file`` names a report this project builds, else None.

    A manifest is a file in the output folder, so anyone who can put a folder in
    front of the build (a clone, a zip, a pull request) chooses what it lists. A
    build therefore only ever deletes a bare file name (no folder part, no
    absolute path) that matches the report naming rule (``NN-name.html``) and
    lies directly inside ``out``; anything else listed is ignored.
    """
    if not isinstance(file, str) or file != Path(file).name or "\\" in file:
        return None
    if not REPORT_FILE_PATTERN.match(file):
        return None
    target = out / file
    try:
        if target.resolve().parent != out.resolve():
            return None
    except OSError:
        return None
    return target


def _files(reports: Iterable[ReportInfo]) -> set[str]:
    return {r.file for r in reports}


def _write_atomic(target: Path, text: str, build: Path) -> None:
    tmp = build / f"{target.name}.tmp"
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)


def _manifest_json(reports: list[ReportInfo]) -> str:
    return json.dumps({"reports": [asdict(r) for r in reports]}, indent=2, ensure_ascii=False)


def _read_manifest(out: Path) -> list[ReportInfo]:
    path = out / MANIFEST_NAME
    if not path.is_file():
        return []
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))["reports"]
        reports = [ReportInfo(**row) for row in rows]
    except (ValueError, KeyError, TypeError, OSError):
        return []  # a damaged manifest only costs the list of older reports
    # only entries that name a report by the project's own rule are believed
    return [
        r
        for r in reports
        if isinstance(r.name, str)
        and isinstance(r.file, str)
        and r.file == f"{r.name}.html"
        and _own_report_path(out, r.file) is not None
    ]


_PROVENANCE_LABELS = [
    ("history", "Data"),
    ("history_sha256", "Data sha256"),
    ("rules", "Rules"),
    ("rules_sha256", "Rules file sha256"),
    ("version", "toprated-analysis version"),
    ("build_date", "Built on"),
    ("seed", "Seed"),
    ("as_of", "As of"),
]

_INDEX_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
p.lead { color: #555; margin-top: 0; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0 2rem; }
th, td { text-align: left; vertical-align: top; padding: 0.45rem 0.6rem;
         border-bottom: 1px solid #ddd; }
th { background: #f4f4f4; font-weight: 600; }
td.num { color: #777; width: 2.5rem; }
a { color: #1f5fa8; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.3rem 1rem; }
dt { font-weight: 600; }
dd { margin: 0; font-family: ui-monospace, SFMono-Regular, Menlo, monospace;
     font-size: 0.9rem; overflow-wrap: anywhere; }
.note { color: #8a5300; font-size: 0.85rem; }
"""


def render_index(reports: Sequence[ReportInfo], provenance: dict[str, Any]) -> str:
    """``index.html``: every report with its finding, and how the build was made.

    Self-contained (inline CSS, no scripts, a CSP forbidding both); every string
    from data or parameters is HTML-escaped.
    """
    e = html.escape
    rows = []
    for r in reports:
        href = e(urllib.parse.quote(r.file), quote=True)
        note = ""
        differs = [
            label
            for key, label in _PROVENANCE_LABELS
            if key not in ("build_date", "version")
            and r.provenance
            and r.provenance.get(key) != provenance.get(key)
        ]
        if differs:
            note = (
                f'<br><span class="note">built on {e(str(r.provenance.get("build_date")))} '
                f"with a different {e(', '.join(differs))}</span>"
            )
        finding_text = e(r.finding) if r.finding else "<em>(no finding stated)</em>"
        rows.append(
            f'<tr><td class="num">{e(r.number)}</td>'
            f'<td><a href="{href}">{e(r.title)}</a>{note}</td>'
            f"<td>{finding_text}</td></tr>"
        )
    facts = []
    for key, label in _PROVENANCE_LABELS:
        value = provenance.get(key)
        if key == "rules_sha256" and value is None:
            continue
        if key == "as_of" and value is None:
            value = "not set (each notebook's default)"
        facts.append(f"<dt>{e(label)}</dt><dd>{e(str(value))}</dd>")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>Top Rated analysis: reports</title>\n"
        f"<style>{_INDEX_CSS}</style>\n</head>\n<body>\n"
        "<h1>Top Rated analysis: reports</h1>\n"
        '<p class="lead">Is Upwork\'s Top Rated status worth what it takes to keep? '
        "One report per question; each states its finding.</p>\n"
        "<table>\n<thead><tr><th>#</th><th>Report</th><th>Finding</th></tr></thead>\n"
        "<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>\n"
        "<h2>Provenance</h2>\n<dl>\n" + "\n".join(facts) + "\n</dl>\n"
        "</body>\n</html>\n"
    )
