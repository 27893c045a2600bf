"""The corpus of malformed histories: each must be refused with exit status 2 and
exactly the message in its ``expected.txt`` (checked by hand when it was written).

Each folder under ``tests/fixtures/bad/`` is one history; ``{dir}`` in the expected
text stands for the folder's path as given on the command line.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from analysis.cli import main

BAD = Path(__file__).parent / "fixtures" / "bad"
CASES = sorted(p for p in BAD.iterdir() if p.is_dir())


def test_corpus_is_large_enough():
    assert len(CASES) >= 25


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_history_gives_exit_2_and_exact_message(case: Path, capsys):
    status = main(["validate", str(case)])
    out, err = capsys.readouterr()
    expected = (case / "expected.txt").read_text("utf-8").replace("{dir}", str(case))
    assert status == 2
    assert err == expected
    assert out == ""


def test_valid_history_gives_exit_0(tmp_path: Path, capsys):
    (tmp_path / "contracts.csv").write_text(
        "freelancer_id,contract_id,client_id,start_date,end_date,earnings_usd\n"
        "f1,c1,k1,2024-01-01,2024-02-01,100\n"
        "f1,c2,k2,2024-01-05,,300\n"
    )
    assert main(["validate", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert "freelancers     1" in out
    assert "contracts       2 (1 open, 2 clients)" in out
    assert "2024-01-01 to 2024-02-01" in out


@pytest.mark.parametrize("name", ["26-binary-file", "21-several-problems", "29-not-utf8"])
def test_console_script_prints_no_traceback(name: str):
    """The installed command, run as a user runs it: exit 2, problems only, no traceback."""
    case = BAD / name
    proc = subprocess.run(
        [sys.executable, "-m", "analysis.cli", "validate", str(case)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr == (case / "expected.txt").read_text("utf-8")
    assert proc.stdout == ""
