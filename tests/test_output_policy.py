"""Hostile and careless uses of the command line (issue 14): one output policy.

Every command checks the paths it will write against its inputs and its other
outputs before computing anything; refusals exit 2 and leave every file as it
was. I/O errors, Ctrl-C and SIGTERM end with one line, no traceback and no
temporary files left behind.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from analysis.cli import main, terminal_safe
from analysis.io.errors import InputError
from analysis.io.paths import Output, check_outputs

CONTRACTS = (
    "freelancer_id,contract_id,client_id,start_date,end_date,earnings_usd,"
    "public_rating,private_score\n"
    "f1,c1,k1,2024-01-01,2024-02-01,100,5,10\n"
    "f1,c2,k2,2024-01-05,2024-03-01,300,4.8,9\n"
)


@pytest.fixture
def history(tmp_path: Path) -> Path:
    folder = tmp_path / "x"
    folder.mkdir()
    (folder / "contracts.csv").write_text(CONTRACTS, encoding="utf-8")
    (folder / "payments.csv").write_text(
        "freelancer_id,contract_id,paid_date,amount_usd\nf1,c1,2024-01-20,100\n",
        encoding="utf-8",
    )
    return folder


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


# ------------------------------------------------------------- outputs vs inputs


@pytest.mark.parametrize("name", ["contracts.csv", "payments.csv"])
def test_out_naming_an_input_is_refused_and_the_input_survives(history, capsys, name):
    before = snapshot(history)
    status, out, err = run(["jss", str(history), "--out", str(history / name)], capsys)
    assert status == 2
    assert err == (
        f"--out {history / name}: is {history / name}, an input of this command; "
        "refusing to overwrite it\n"
    )
    assert out == ""
    assert snapshot(history) == before


def test_a_hard_link_or_symlink_to_the_input_is_the_input(history, tmp_path, capsys):
    os.link(history / "contracts.csv", tmp_path / "hard.csv")
    (tmp_path / "soft.csv").symlink_to(history / "contracts.csv")
    before = snapshot(history)
    for name in ("hard.csv", "soft.csv"):
        status, _, err = run(["status", str(history), "--out", str(tmp_path / name)], capsys)
        assert status == 2 and "an input of this command" in err
    assert snapshot(history) == before


def test_the_rules_file_is_an_input_too(history, tmp_path, capsys):
    rules = tmp_path / "my-rules.toml"
    rules.write_text(Path("src/analysis/engine/rules/upwork-2025.toml").read_text("utf-8"), "utf-8")
    before = rules.read_bytes()
    status, _, err = run(["jss", str(history), "--rules", str(rules), "--out", str(rules)], capsys)
    assert status == 2 and "an input of this command" in err
    assert rules.read_bytes() == before


def test_a_device_node_is_never_replaced(history, capsys):
    status, _, err = run(["jss", str(history), "--out", "/dev/null"], capsys)
    assert status == 2
    assert err == (
        "--out /dev/null: is not a regular file (a device, FIFO or socket); "
        "refusing to replace it\n"
    )
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_fifo_is_refused(history, tmp_path, capsys):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    status, _, err = run(["status", str(history), "--events", str(fifo)], capsys)
    assert status == 2 and "is not a regular file" in err
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_symlink_is_written_through_and_stays_a_link(history, tmp_path, capsys):
    target = tmp_path / "real.csv"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    status, _, err = run(["jss", str(history), "--out", str(link)], capsys)
    assert (status, err) == (0, "")
    assert link.is_symlink()
    assert target.read_text(encoding="utf-8").startswith('"freelancer_id","eval_date"')
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # the replaced file's mode is kept


def test_a_dangling_symlink_is_refused(history, tmp_path, capsys):
    link = tmp_path / "dangling.csv"
    link.symlink_to(tmp_path / "nowhere" / "x.csv")
    status, _, err = run(["jss", str(history), "--out", str(link)], capsys)
    assert status == 2 and "points nowhere" in err


def test_out_and_events_naming_one_file_is_refused(history, tmp_path, capsys):
    f = tmp_path / "f.csv"
    status, _, err = run(["status", str(history), "--out", str(f), "--events", str(f)], capsys)
    assert status == 2
    assert err == f"--events {f}: is given as both --out and --events; give two different files\n"
    assert not f.exists()


def test_out_a_folder_or_under_a_file_is_refused(history, tmp_path, capsys):
    (tmp_path / "d").mkdir()
    (tmp_path / "file").write_text("x", encoding="utf-8")
    status, _, err = run(["jss", str(history), "--out", str(tmp_path / "d")], capsys)
    assert status == 2 and err.endswith("is a folder; give a file name\n")
    status, _, err = run(["jss", str(history), "--out", str(tmp_path / "file" / "o.csv")], capsys)
    assert status == 2 and err.endswith(f"is under {tmp_path / 'file'}, which is a file\n")
    assert (tmp_path / "file").read_text(encoding="utf-8") == "x"


def test_refusal_comes_before_any_computation(history, monkeypatch, capsys):
    import analysis.io.load as load

    def boom(*a, **k):
        raise AssertionError("the history was read")

    monkeypatch.setattr(load, "read_history", boom)
    status, _, _ = run(["jss", str(history), "--out", str(history / "contracts.csv")], capsys)
    assert status == 2


def test_import_into_the_folder_of_the_export_it_reads_is_refused(tmp_path, capsys):
    export = tmp_path / "d" / "payments.csv"
    export.parent.mkdir()
    export.write_text("Date,Contract,Hours,Amount,Payment type\n", encoding="utf-8")
    before = export.read_bytes()
    status, _, err = run(["import", str(export), "--out", str(export.parent)], capsys)
    assert status == 2 and "an input of this command" in err
    assert export.read_bytes() == before


def test_check_outputs_names_every_problem_at_once(tmp_path):
    (tmp_path / "in.csv").write_text("x", encoding="utf-8")
    with pytest.raises(InputError) as info:
        check_outputs(
            [
                Output("--out", tmp_path / "in.csv"),
                Output("--events", "/dev/null"),
                Output("--dir", tmp_path / "in.csv", folder=True),
            ],
            [tmp_path / "in.csv"],
        )
    assert len(info.value.problems) == 3


def test_convert_and_report_refuse_an_out_folder_holding_their_input(history, tmp_path, capsys):
    status, _, err = run(["convert", str(history), "--out", str(history)], capsys)
    assert status == 2 and "an input of this command" in err
    nbs = tmp_path / "nb"
    nbs.mkdir()
    (nbs / "01-x.py").write_text("# %%\n", encoding="utf-8")
    (history / "01-x.html").symlink_to(history / "contracts.csv")
    status, _, err = run(
        ["report", str(history), "--out", str(history), "--notebooks", str(nbs), "--quiet"],
        capsys,
    )
    assert status == 2 and err.startswith(f"--out {history / '01-x.html'}: is ")
    assert (history / "contracts.csv").read_text(encoding="utf-8") == CONTRACTS


# ---------------------------------------------------------------- modes, errors


def test_outputs_get_the_users_umask(history, tmp_path, capsys):
    old = os.umask(0o027)
    try:
        status, _, _ = run(["jss", str(history), "--out", str(tmp_path / "o.csv")], capsys)
        status2, _, _ = run(["status", str(history), "--out", str(tmp_path / "s.parquet")], capsys)
    finally:
        os.umask(old)
    assert status == status2 == 0
    assert stat.S_IMODE((tmp_path / "o.csv").stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "s.parquet").stat().st_mode) == 0o640


def cli(*args: str, stdout=subprocess.PIPE, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analysis.cli", *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
        **kw,
    )


@pytest.mark.parametrize("command", [["jss"], ["whatif", "--freelancer", "f1"], ["validate"]])
def test_a_full_disk_on_stdout_is_one_line_and_non_zero(history, command):
    with open("/dev/full", "w") as full:
        proc = cli(command[0], str(history), *command[1:], stdout=full)
    assert proc.returncode == 1
    assert proc.stderr == "toprated: could not write the output: No space left on device\n"


def test_a_full_disk_under_out_leaves_no_file(history, tmp_path):
    """A small tmpfs when this user may mount one; skipped otherwise."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8k", "tmpfs", str(mnt)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        (mnt / "filler").write_bytes(b"x" * 4096)
        big = tmp_path / "big"
        big.mkdir()
        rows = [CONTRACTS.splitlines()[0]] + [
            f"f{i},c{i},k{i},2024-01-01,2024-02-01,100,5,10" for i in range(400)
        ]
        (big / "contracts.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
        proc = cli("jss", str(big), "--out", str(mnt / "jss.csv"))
        assert proc.returncode == 1
        assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1
        assert sorted(p.name for p in mnt.iterdir()) == ["filler"]
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


SLOW_JSS = textwrap.dedent(
    """
    import signal, sys, time
    import analysis.engine.jss as jss
    from analysis.cli import main

    # SIGINT as a foreground job gets it: a test run started in the background by
    # a non-interactive shell (`(cmd &)`) hands every process SIGINT ignored, and
    # Python keeps an inherited SIG_IGN (the child then ran its full 60 s)
    signal.signal(signal.SIGINT, signal.default_int_handler)

    real = jss.iter_jss_grid

    def slow(*a, **k):
        for frame in real(*a, **k):
            yield frame
        print("writing", flush=True)
        time.sleep(60)

    jss.iter_jss_grid = slow
    sys.exit(main(sys.argv[1:]))
    """
)


@pytest.mark.parametrize("sig, code, word", [(signal.SIGTERM, 143, "terminated"),
                                             (signal.SIGINT, 130, "interrupted")])  # fmt: skip
def test_a_signal_removes_the_temporary_and_ends_in_one_line(history, tmp_path, sig, code, word):
    out = tmp_path / "out" / "jss.csv"
    out.parent.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_JSS, "jss", str(history), "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline() == "writing\n"
    assert any(p.name.startswith(".jss.csv.") for p in out.parent.iterdir())
    time.sleep(0.2)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code
    assert err == f"toprated: {word}\n"
    assert list(out.parent.iterdir()) == []


# ---------------------------------------------------------------- arguments


@pytest.mark.parametrize(
    "argv, message",
    [
        (["jss", "{h}", "--from", "2024-05-01", "--to", "2024-01-01"],
         "--from: '2024-05-01' is after --to 2024-01-01"),
        (["status", "{h}", "--as-of", "2020-01-01"],
         "--as-of: '2020-01-01' is before the first contract starts (2024-01-01); "
         "there is nothing to compute"),
        (["jss", "{h}", "--to", "9999-12-31"],
         "--to: '9999-12-31' is outside the dates this project handles "
         "(1900-01-01 to 2199-12-31)"),
        (["whatif", "{h}", "--freelancer", "f1", "--at", "1600-01-01"],
         "--at: '1600-01-01' is outside the dates this project handles "
         "(1900-01-01 to 2199-12-31)"),
        (["generate", "--out", "{t}/g", "--freelancers", "0"], "--freelancers: '0' is not at least 1"),
        (["generate", "--out", "{t}/g", "--start", "2025-01-01", "--end", "2024-01-01"],
         "--start: '2025-01-01' is after --end 2024-01-01"),
        (["generate", "--out", "{t}/g", "--end", "9999-12-31"],
         "--end: '9999-12-31' is outside the dates this project handles "
         "(1900-01-01 to 2199-12-31)"),
    ],
)  # fmt: skip
def test_impossible_arguments_exit_2(history, tmp_path, capsys, argv, message):
    argv = [a.replace("{h}", str(history)).replace("{t}", str(tmp_path)) for a in argv]
    status, out, err = run(argv, capsys)
    assert (status, out, err) == (2, "", message + "\n")
    assert not (tmp_path / "g").exists()


def test_terminal_output_escapes_control_characters():
    assert terminal_safe("id \x1b[31mred\x1b[0m\rX\x07\n") == "id \\x1b[31mred\\x1b[0m\\rX\\x07\n"
    assert terminal_safe("José, 東京") == "José, 東京"


def test_whatif_prints_an_escape_sequence_in_an_id_as_text(tmp_path, capsys):
    folder = tmp_path / "h"
    folder.mkdir()
    evil = "\x1b]0;pwned\x07me"
    (folder / "contracts.csv").write_text(CONTRACTS.replace("f1", evil), encoding="utf-8")
    status, out, _ = run(["whatif", str(folder), "--freelancer", evil], capsys)
    assert status == 0
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b]0;pwned\\x07me" in out


# ------------------------------------------------------------ spreadsheet safety


def test_guard_formulas_touches_only_risky_text_cells():
    import pandas as pd

    from analysis.io.output import guard_formulas, unguard_formulas

    frame = pd.DataFrame(
        {
            "id": pd.Series(["=1+1", "+x", "-y", "@z", "\tt", "\rr", "ok", None], dtype="str"),
            "n": [-5.0, 1.0, -2.5, 0.0, 1.0, 2.0, 3.0, 4.0],
        }
    )
    guarded = guard_formulas(frame)
    assert guarded["id"].tolist()[:7] == ["'=1+1", "'+x", "'-y", "'@z", "'\tt", "'\rr", "ok"]
    assert pd.isna(guarded["id"].iloc[7])
    assert guarded["n"].tolist() == frame["n"].tolist()  # -5 is a number, not a formula
    assert unguard_formulas(guarded["id"]).tolist()[:7] == frame["id"].tolist()[:7]


def test_a_formula_leading_contract_title_is_guarded_and_read_back(tmp_path, capsys):
    from analysis.io.load import read_history

    export = tmp_path / "earnings.csv"
    export.write_text(
        '"Date","Contract","Hours","Amount","Payment type"\n'
        '"2026-08-03","=HYPERLINK(""http://evil"",""x"") (41000001)","2","100",""\n'
        '"2026-08-04","@SUM(A1) (41000002)","1","50",""\n'
        '"2026-08-05","@SUM(A1) (41000002)","","-10",""\n',
        encoding="utf-8",
    )
    status, _, err = run(["import", str(export), "--out", str(tmp_path / "h")], capsys)
    assert (status, err) == (0, "")
    text = (tmp_path / "h" / "contracts.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text and "'@SUM(A1)" in text
    assert ",=" not in text and ",@" not in text and ',"=' not in text
    payments = (tmp_path / "h" / "payments.csv").read_text(encoding="utf-8")
    assert "-10.00" in payments and "'-10.00" not in payments  # numbers stay numbers
    titles = sorted(read_history(tmp_path / "h").contracts["title"])
    assert titles == ['=HYPERLINK("http://evil","x")', "@SUM(A1)"]


def test_excel_safe_guards_analysis_outputs_on_request(tmp_path, capsys):
    folder = tmp_path / "h"
    folder.mkdir()
    (folder / "contracts.csv").write_text(CONTRACTS.replace("f1", "=cmd"), encoding="utf-8")
    plain, safe = tmp_path / "plain.csv", tmp_path / "safe.csv"
    assert run(["jss", str(folder), "--out", str(plain)], capsys)[0] == 0
    assert run(["jss", str(folder), "--out", str(safe), "--excel-safe"], capsys)[0] == 0
    assert '\n"=cmd",' in plain.read_text(encoding="utf-8")  # verbatim by default
    assert '\n"\'=cmd",' in safe.read_text(encoding="utf-8")
    assert '=cmd",' not in safe.read_text(encoding="utf-8").replace("'=cmd", "")


# ----------------------------------------------------------------- generate


def test_generate_writes_all_tables_or_none(tmp_path, monkeypatch):
    """A failure while writing (a full disk) leaves the folder exactly as it was."""
    import pandas as pd

    import analysis.simulate.generate as gen

    out = tmp_path / "g"
    out.mkdir()
    (out / "contracts.csv").write_text("old", encoding="utf-8")
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    calls = []

    def failing(frame):
        calls.append(1)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return b"a,b\n1,2\n"

    monkeypatch.setattr(gen, "csv_bytes", failing)
    frames = {"contracts": pd.DataFrame({"a": [1]}), "payments": pd.DataFrame({"a": [1]})}
    with pytest.raises(OSError):
        gen.write_history(frames, {"seed": 1}, out)
    assert snapshot(out) == {"contracts.csv": b"old", "notes.txt": b"mine"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g"]  # no temporary left


def test_generate_keeps_other_files_and_replaces_other_copies_of_its_tables(tmp_path, monkeypatch):
    import pandas as pd

    import analysis.simulate.generate as gen

    out = tmp_path / "g"
    out.mkdir()
    (out / "contracts.parquet").write_bytes(b"an older copy")
    (out / "account_events.csv").write_text("old", encoding="utf-8")
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    monkeypatch.setattr(gen, "csv_bytes", lambda frame: b"a\n1\n")
    frames = {"contracts": pd.DataFrame({"a": [1]})}
    written = gen.write_history(frames, {"seed": 1}, out)
    assert sorted(p.name for p in out.iterdir()) == ["contracts.csv", "notes.txt", "truth.json"]
    assert set(written) == {"contracts", "truth"}
    old = os.umask(0o022)
    os.umask(old)
    assert stat.S_IMODE((out / "contracts.csv").stat().st_mode) == 0o666 & ~old


@pytest.mark.parametrize("command", [["jss"], ["whatif", "--freelancer", "f1"]])
def test_a_closed_stdout_is_one_line_and_non_zero(history, command):
    proc = subprocess.run(
        ["sh", "-c", 'exec "$@" >&-', "sh", sys.executable, "-m", "analysis.cli",
         command[0], str(history), *command[1:]],
        capture_output=False, stderr=subprocess.PIPE, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 1
    assert proc.stderr == "toprated: could not write the output: standard output is closed\n"


def test_whatif_at_before_all_data_names_at(history, capsys):
    status, out, err = run(
        ["whatif", str(history), "--freelancer", "f1", "--at", "2020-01-01"], capsys
    )
    assert (status, out) == (2, "")
    assert err.startswith("--at: '2020-01-01' is before the first contract starts (2024-01-01)")
