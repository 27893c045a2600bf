"""Validation covers what the engine needs (issue 14): inputs `validate` used to
accept but the engine could not handle, and causes that were misnamed.

The corpus cases 41-47 in ``tests/fixtures/bad/`` hold the single-file cases
(out-of-range dates, 1e308, unknown contracts, a BOM-only file, a folder named
payments.csv, a Parquet list column); these tests cover the rest.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analysis.cli import main
from analysis.engine.ruleset import check_values, load_rules
from analysis.io.errors import InputError
from analysis.io.load import read_history

HEADER = "freelancer_id,contract_id,client_id,start_date,end_date,earnings_usd"
ROWS = "f1,c1,k1,2024-01-01,2024-02-01,100\nf1,c2,k2,2024-01-05,2024-03-01,300\n"
RULES = Path(__file__).parents[1] / "src/analysis/engine/rules/upwork-2025.toml"


def problems(path: Path) -> list[str]:
    with pytest.raises(InputError) as info:
        read_history(path)
    return [str(p) for p in info.value.problems]


def test_header_names_are_stripped_of_surrounding_spaces(tmp_path):
    spaced = "freelancer_id, contract_id ,client_id,  start_date,end_date ,earnings_usd"
    (tmp_path / "contracts.csv").write_text(f"{spaced}\n{ROWS}", encoding="utf-8")
    history = read_history(tmp_path)
    assert list(history.contracts["contract_id"]) == ["c1", "c2"]
    assert history.contracts["end_date"].max() == dt.datetime(2024, 3, 1)
    assert main(["jss", str(tmp_path / "contracts.csv")]) == 0


def test_spaced_header_with_a_bad_value_still_names_the_column(tmp_path):
    spaced = HEADER.replace(",", ", ")
    (tmp_path / "contracts.csv").write_text(
        f"{spaced}\nf1,c1,k1,2024-01-01,2024-02-01,abc\n", encoding="utf-8"
    )
    assert problems(tmp_path) == [
        "contracts.csv line 2, column earnings_usd: 'abc' is not a number >= 0"
    ]


def test_a_header_longer_than_the_first_read_is_read_whole(tmp_path):
    extra = ",".join(f"extra_{i:05d}_{'x' * 20}" for i in range(3000))  # about 90 KiB
    body = "".join(line + "," + ",".join([""] * 3000) + "\n" for line in ROWS.splitlines())
    (tmp_path / "contracts.csv").write_text(f"{extra},{HEADER}\n" + "".join(
        ",".join([""] * 3000) + "," + line + "\n" for line in ROWS.splitlines()
    ), encoding="utf-8")  # fmt: skip
    assert body  # the rows carry as many fields as the header
    assert list(read_history(tmp_path).contracts["contract_id"]) == ["c1", "c2"]


def test_dates_out_of_range_in_the_fast_path_and_in_parquet(tmp_path):
    (tmp_path / "contracts.csv").write_text(
        f"{HEADER}\nf1,c1,k1,2024-01-01,2262-04-12,100\n", encoding="utf-8"
    )
    assert problems(tmp_path) == [
        "contracts.csv line 2, column end_date: '2262-04-12' is outside the dates this "
        "project handles (1900-01-01 to 2199-12-31)"
    ]
    pq_dir = tmp_path / "pq"
    pq_dir.mkdir()
    table = pa.table(
        {
            "freelancer_id": ["f1", "f1"],
            "contract_id": ["c1", "c2"],
            "client_id": ["k1", "k2"],
            "start_date": [dt.date(2024, 1, 1), dt.date(1, 1, 1)],
            "end_date": [dt.date(9999, 12, 31), None],
            "earnings_usd": [1.0, 2.0],
        }
    )
    pq.write_table(table, pq_dir / "contracts.parquet")
    assert problems(pq_dir) == [
        "contracts.parquet row 1, column end_date: '9999-12-31' is outside the dates this "
        "project handles (1900-01-01 to 2199-12-31)",
        "contracts.parquet row 2, column start_date: '0001-01-01' is outside the dates this "
        "project handles (1900-01-01 to 2199-12-31)",
    ]


def test_a_huge_amount_never_reaches_the_engine(tmp_path, capsys):
    (tmp_path / "contracts.csv").write_text(f"{HEADER}\n{ROWS}", encoding="utf-8")
    (tmp_path / "payments.csv").write_text(
        "freelancer_id,contract_id,paid_date,amount_usd\nf1,c1,2024-01-10,1e308\n"
        "f1,c1,2024-01-11,1e308\n",
        encoding="utf-8",
    )
    assert main(["whatif", str(tmp_path), "--freelancer", "f1", "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("is too large") == 2


@pytest.mark.parametrize(
    "column, values, message",
    [
        ("tags", pa.array([{"x": 1}, {"x": 2}]),
         "contracts.parquet column tags: has Parquet type struct<x: int64>, "
         "expected text, numbers, booleans or dates"),
        ("client_id", pa.array([b"\xff\xfe", b"k2"], pa.binary()),
         "contracts.parquet column client_id: holds binary data that is not UTF-8 text"),
        ("category", pa.array([{"a": "b"}, {"a": "c"}], pa.map_(pa.string(), pa.string())),
         "contracts.parquet column category: has Parquet type map<string, string ('category')>, "
         "expected text, numbers, booleans or dates"),
    ],
)  # fmt: skip
def test_parquet_column_types_are_checked_before_casting(tmp_path, column, values, message):
    cols = {
        "freelancer_id": ["f1", "f1"],
        "contract_id": ["c1", "c2"],
        "client_id": ["k1", "k2"],
        "start_date": [dt.date(2024, 1, 1)] * 2,
        "end_date": [None, None],
        "earnings_usd": [1.0, 2.0],
    }
    cols[column] = values
    pq.write_table(pa.table(cols), tmp_path / "contracts.parquet")
    assert problems(tmp_path) == [message]


def test_binary_utf8_parquet_text_is_read(tmp_path):
    cols = {
        "freelancer_id": pa.array([b"f1"], pa.binary()),
        "contract_id": ["c1"],
        "client_id": ["k1"],
        "start_date": [dt.date(2024, 1, 1)],
        "earnings_usd": [1.0],
    }
    pq.write_table(pa.table(cols), tmp_path / "contracts.parquet")
    assert list(read_history(tmp_path).contracts["freelancer_id"]) == ["f1"]


@pytest.mark.parametrize("kind", ["fifo", "loop", "dangling"])
def test_an_optional_file_that_cannot_be_read_is_reported(tmp_path, kind):
    (tmp_path / "contracts.csv").write_text(f"{HEADER}\n{ROWS}", encoding="utf-8")
    target = tmp_path / "activity.csv"
    if kind == "fifo":
        os.mkfifo(target)
        expected = "activity.csv: is not a regular file (a FIFO, device or socket)"
    elif kind == "loop":
        target.symlink_to(target)
        expected = (
            "activity.csv: is a symbolic link that cannot be followed "
            "(Too many levels of symbolic links)"
        )
    else:
        target.symlink_to(tmp_path / "gone.csv")
        expected = (
            "activity.csv: is a symbolic link that cannot be followed (No such file or directory)"
        )
    assert problems(tmp_path) == [expected]


def test_a_fifo_given_as_the_history_is_refused_not_opened(tmp_path):
    os.mkfifo(tmp_path / "c.csv")
    assert problems(tmp_path / "c.csv") == [
        f"{tmp_path / 'c.csv'}: is not a regular file (a FIFO, device or socket)"
    ]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_plain_csv_is_not_called_a_bad_gzip(tmp_path):
    f = tmp_path / "contracts.csv"
    f.write_text(f"{HEADER}\n{ROWS}", encoding="utf-8")
    f.chmod(0)
    assert problems(tmp_path) == ["contracts.csv: could not be read (permission denied)"]


def test_a_corrupt_gzip_is_still_called_a_bad_gzip(tmp_path):
    (tmp_path / "contracts.csv.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    assert problems(tmp_path) == ["contracts.csv.gz: is not a readable gzip-compressed CSV file"]


# ------------------------------------------------------------------------ rules files


def rules_with(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    text = RULES.read_text("utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("jss_every_days = 14", "jss_every_days = 0",
         "key calendar.jss_every_days: '0' is not a whole number of days from 1 to 3653"),
        ("badge_every_days = 7", "badge_every_days = -7",
         "key calendar.badge_every_days: '-7' is not a whole number of days from 1 to 3653"),
        ("jss_min = 90", "jss_min = -5", "key badges.jss_min: '-5' is not a number from 0 to 100"),
        ("jss_min = 90", "jss_min = nan", "key badges.jss_min: 'nan' is not a number from 0 to 100"),
        ("jss_min = 90", "jss_min = 1e400",
         "key badges.jss_min: 'inf' is not a number from 0 to 100"),
        ("length_step_days = 91", "length_step_days = 0",
         "key weight.length_step_days: '0' is not a whole number of days from 1 to 3653"),
        ("min_contracts = 2", "min_contracts = -1",
         "key windows.min_contracts: '-1' is not a whole number from 0 to 1e+06"),
        ('"24m" = 730', '"24m" = 100000000000',
         "key windows.days.24m: '100000000000' is not a whole number of days from 1 to 3653"),
        ("tier_upper_usd = [250.0, 1000.0]", "tier_upper_usd = [1000.0, 250.0]",
         "key weight.tier_upper_usd: '[1000.0, 250.0]' does not rise strictly "
         "(each limit above the one before)"),
        ("earnings_window_days = 365", "earnings_window_days = 36.5",
         "key badges.earnings_window_days: '36.5' is not a whole number of days from 1 to 3653"),
        ("exclude_no_feedback = true", 'exclude_no_feedback = "false"',
         "key outcome.exclude_no_feedback: 'false' is not true or false"),
        ("positive_public_at_least = 4.5", "positive_public_at_least = 45",
         "key outcome.positive_public_at_least: '45' is not a number from 0 to 5"),
    ],
)  # fmt: skip
def test_rules_with_nonsense_values_are_refused_naming_file_key_and_value(
    tmp_path, capsys, old, new, message
):
    path = rules_with(tmp_path, (old, new))
    with pytest.raises(InputError) as info:
        load_rules(path)
    assert [str(p) for p in info.value.problems] == [f"{path} {message}"]
    assert main(["status", "no-such-history", "--rules", str(path)]) == 2
    assert capsys.readouterr().err == f"{path} {message}\n"


def test_a_rules_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "r.toml"
    path.write_bytes(b'name = "caf\xe9"\n')
    with pytest.raises(InputError, match=r"r\.toml: is not UTF-8 text \(byte 12\)"):
        load_rules(path)


def test_the_bundled_rule_sets_pass_every_check():
    import tomllib

    for name in ("upwork-2025", "seed-article"):
        load_rules(name)
    assert check_values(tomllib.loads(RULES.read_text("utf-8")), "x") == []


def test_a_cell_longer_than_pythons_csv_limit_is_located(tmp_path):
    (tmp_path / "contracts.csv").write_text(
        f"{HEADER}\nf1,c1,k1,2024-01-01,,x\nf1,c2,{'k' * 300_000},2024-01-01,,5\n",
        encoding="utf-8",
    )
    assert problems(tmp_path) == [
        "contracts.csv line 2, column earnings_usd: 'x' is not a number >= 0"
    ]


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b'name = "caf\xe9"\n', "is not UTF-8 text (byte 12)"),
        (b"name = [\n", "is not valid TOML"),
    ],
)
@pytest.mark.parametrize(
    "command",
    [
        ["generate", "--out", "{out}", "--scenario", "{path}"],
        ["profiles", "no-such-history", "--at", "2024-01-07", "--visibility", "{path}"],
        ["jss", "no-such-history", "--rules", "{path}"],
    ],
    ids=["scenario", "visibility", "rules"],
)
def test_a_settings_file_that_cannot_be_read_is_named_with_exit_2(
    tmp_path, capsys, command, content, says
):
    """Scenario, visibility and rule files share one reader: a file that is not
    UTF-8 or not TOML is refused by name, with no traceback and no output."""
    path = tmp_path / "mine.toml"
    path.write_bytes(content)
    out = tmp_path / "out"
    args = [a.format(path=path, out=out) for a in command]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{path}: {says}") or err.startswith(f"{path} {says}"), err
    assert "Traceback" not in err
    assert not out.exists()


def test_a_settings_path_that_is_a_folder_is_not_read(tmp_path):
    from analysis.io.tomlfile import bundled_or_file, read_toml_file

    with pytest.raises(InputError, match="could not be read"):
        read_toml_file(tmp_path)
    with pytest.raises(InputError, match=r"is neither a bundled scenario \(baseline, "):
        bundled_or_file(tmp_path, package="analysis.simulate.scenarios", kind="scenario")


def test_an_integer_too_big_for_its_dtype_is_a_range_problem(tmp_path):
    # private_score is Int8: 300 does not fit, and used to crash the conversion
    (tmp_path / "contracts.csv").write_text(
        f"{HEADER},private_score\nf1,c1,k1,2024-01-01,2024-02-01,100,300\n"
        "f1,c2,k2,2024-01-05,2024-03-01,300,5\n",
        encoding="utf-8",
    )
    assert problems(tmp_path) == [
        "contracts.csv line 2, column private_score: '300' is not an integer from 0 to 10"
    ]
    assert main(["validate", str(tmp_path)]) == 2
