"""`toprated report` says nothing alarming when it succeeds: no ``ERROR`` line on stderr.

jupyter_client interrupts (SIGINT) every kernel it shuts down, and ipykernel logs
the signal as ``[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel``; the
build's kernel manager shuts its (idle) kernels down without the interrupt
(`analysis.report.build`). The build runs in a child process so that the
kernels' own stderr, which they inherit, is captured too.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"

BUILD = """
import sys
from analysis.report.build import build_reports
reports = build_reports(sys.argv[1], sys.argv[2], sys.argv[3], progress=False, jobs=2)
print(len(reports))
"""


@pytest.mark.slow
def test_a_successful_build_prints_no_error_lines(tmp_path):
    history = tmp_path / "history"
    history.mkdir()
    (history / "contracts.csv").write_text(
        "freelancer_id,contract_id,client_id,start_date,end_date,earnings_usd\n"
        "f1,c1,k1,2024-01-01,2024-02-01,100\n"
        "f2,c2,k2,2024-01-05,,250.5\n"
        "f1,c3,k1,2024-03-01,2024-04-01,40\n",
        encoding="utf-8",
    )
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for name in ("01-contracts", "02-clients"):
        shutil.copy(FIXTURES / f"{name}.py", notebooks / f"{name}.py")
    done = subprocess.run(
        [sys.executable, "-c", BUILD, str(history), str(tmp_path / "out"), str(notebooks)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "2"
    assert (tmp_path / "out" / "index.html").is_file()
    errors = [line for line in done.stderr.splitlines() if "ERROR" in line]
    assert errors == []
