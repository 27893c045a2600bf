"""The command line answers help, version and argument errors without importing pandas.

`toprated --help` must start at once (README "Speed"); importing pandas alone
takes seconds on a busy machine. Each case runs the CLI in a fresh interpreter
and reports which heavy modules were imported when it exited. (Times are
measured by `benchmarks/bench_kernels.py`, never here.)
"""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("pandas", "pandera", "pyarrow", "numba", "numpy")

PROBE = """
import sys
from analysis.cli import main
try:
    status = main(sys.argv[1:])
except SystemExit as exit:
    status = exit.code
heavy = sorted(m for m in {heavy!r} if m in sys.modules)
print("HEAVY=" + ",".join(heavy), file=sys.stderr)
sys.exit(status)
"""


def run_cli(*args: str) -> tuple[int, str, list[str]]:
    """Exit status, output and the heavy modules imported by ``toprated ARGS``."""
    proc = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    marker = [line for line in proc.stderr.splitlines() if line.startswith("HEAVY=")]
    assert marker, proc.stderr
    heavy = [m for m in marker[-1][len("HEAVY=") :].split(",") if m]
    return proc.returncode, proc.stdout + proc.stderr, heavy


@pytest.mark.parametrize(
    ("args", "status", "says"),
    [
        (("--help",), 0, "usage: toprated"),
        (("--version",), 0, "toprated"),
        (("jss",), 2, "the following arguments are required"),
        (("status",), 2, "the following arguments are required"),
        (("jss", "h", "--rules", "no-such-rules"), 2, "is neither a bundled rule set"),
        (("status", "h", "--from", "2020-13-01"), 2, "is not a date in the form YYYY-MM-DD"),
        (("jss", "h", "--engine", "dask", "--rules", "no-such-rules"), 2, "no-such-rules"),
        (("nonsense",), 2, "invalid choice"),
    ],
)
def test_answers_without_pandas(args: tuple[str, ...], status: int, says: str) -> None:
    code, text, heavy = run_cli(*args)
    assert code == status, text
    assert says in text
    assert "pandas" not in heavy and "numba" not in heavy, heavy


def test_a_real_command_does_import_pandas(tmp_path) -> None:
    """The probe can see pandas: a command that reads a history imports it."""
    code, text, heavy = run_cli("jss", str(tmp_path / "missing"), "--out", str(tmp_path / "o"))
    assert code == 2, text
    assert "pandas" in heavy
