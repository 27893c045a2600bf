"""The `toprated` command line: a thin shell over the library.

Every command reads its input completely and checks it before writing anything.
(``jss`` and ``status`` read a Parquet dataset given with ``--out FILE`` part by
part while computing, so no process holds the whole history; the output is
written under a temporary name and appears only once every part has passed.)
Bad input (a file that breaks the data contract, an export in an unknown format,
a malformed rules file) prints one line per problem to stderr and exits with
status 2; it never shows a traceback.

Outputs follow one policy (`analysis.io.paths`): every path a command will write
is checked against its inputs and its other outputs before any computation, and
refused with status 2 when writing it could destroy something it was not asked
to write. An I/O error while writing (a full disk) prints one line and exits
with status 1; Ctrl-C prints one line and exits with 130, SIGTERM with 143, and
either removes the temporary files of the output being written.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from analysis import __version__, config
from analysis.io.errors import InputError

EXIT_BAD_INPUT = 2
EXIT_BUILD_FAILED = 1
EXIT_IO_ERROR = 1
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143
#: The bundled sample the reports run on when no history is given.
DEFAULT_HISTORY = config.SAMPLE


def _cmd_validate(args: argparse.Namespace) -> int:
    from analysis.engine.jss import contract_outcomes
    from analysis.engine.ruleset import load_rules
    from analysis.io.load import read_history
    from analysis.io.summary import (
        history_summary,
        missing_feedback,
        render_missing_feedback,
        render_summary,
    )

    rules = load_rules(args.rules)
    history = read_history(args.history)
    print(render_summary(history_summary(history)))
    outcomes = contract_outcomes(history.contracts, rules)["outcome"]
    missing = missing_feedback(
        history.contracts,
        outcomes,
        history.as_of,
        rules.open_positive_after_days,
        rules.outcome.exclude_no_feedback,
    )
    print(render_missing_feedback(missing, history.as_of))
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from analysis.io.importer import describe_skipped, read_exports, write_import
    from analysis.io.paths import Output, apply_umask, check_outputs

    check_outputs(
        [Output("--out", args.out, folder=True, names=("payments.csv", "contracts.csv"))],
        list(args.exports),
    )
    order = "day" if args.day_first else "month" if args.month_first else None
    result = read_exports(args.exports, freelancer_id=args.freelancer, date_order=order)
    out = Path(args.out)
    _check_import_result(result, out)  # a bad file already in --out refuses before writing
    created = not out.exists()
    report = write_import(result, out)
    if created and out.exists():
        apply_umask(out, folder=True)
    names = ", ".join(Path(e).name for e in args.exports)
    print(f"Read {result.rows_read} rows of {names} ({result.format}).")
    for note in result.notes:
        print(f"  {note}")
    print(f"Skipped rows that are not earnings: {describe_skipped(result.skipped)}.")
    if result.duplicates:
        print(
            f"{result.duplicates} earnings rows were in more than one export (or twice in a "
            "pasted file) and count once."
        )
    print(f"Found {len(result.contracts)} contracts and {len(result.payments)} earnings rows.")
    if report.merged:
        print(
            f"Merged into the history in {args.out}: {report.payments_added} payments added, "
            f"{report.payments_present} already there; {report.contracts_added} contracts added, "
            f"{report.contracts_updated} updated with new payments; what you typed is kept on "
            f"{report.contracts_kept} contracts."
        )
    if not report.changed:
        print(f"Nothing new: {args.out} is unchanged.")
    else:
        for name, path in report.paths.items():
            print(f"Wrote {path} ({name})")
        if report.backup is not None:
            print(f"Previous files backed up in {report.backup}")
    print("Assumptions: exports carry no client id, so the client is the Team / Client team")
    print("column where given, else each contract is its own client; a contract's end_date is")
    print("its last payment. Fill in public_rating, private_score and category in contracts.csv,")
    print("set client_id where two contracts had one client, and clear end_date for contracts")
    print("that are still open; `toprated validate` lists what is still missing.")
    return 0


def _check_import_result(result, out: Path) -> None:
    """The folder ``out`` as it will be after the import must keep the data contract.

    The new ``payments.csv`` and ``contracts.csv`` are written to a scratch folder
    beside links to the other table files already in ``out`` (an ``activity.csv``,
    a stale Parquet copy), and that folder is read as a history, so a bad file
    already in ``out`` refuses the import before anything in ``out`` changes.
    """
    import tempfile

    from analysis.io.importer import write_import
    from analysis.io.load import read_history
    from analysis.io.paths import history_inputs

    with tempfile.TemporaryDirectory(prefix="toprated-import-") as scratch:
        trial = Path(scratch) / "history"
        write_import(result, trial)
        for existing in history_inputs(out) if out.is_dir() else []:
            if existing.name not in ("payments.csv", "contracts.csv"):
                (trial / existing.name).symlink_to(existing.resolve())
        try:
            read_history(trial)
        except InputError as err:
            from analysis.io.errors import Problem

            raise InputError(
                [
                    Problem(
                        f"{out}",
                        None,
                        None,
                        None,
                        "would not be a valid history after the import (nothing was written):",
                    ),
                    *err.problems,
                ]  # fmt: skip
            ) from None


def _date(value: str | None, option: str):
    """A YYYY-MM-DD option value as a Timestamp, or a clear error naming the option."""
    import datetime as dt

    from analysis.io.errors import Problem
    from analysis.io.limits import DATE_MAX, DATE_MIN, DATE_RANGE_EXPECTED

    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(
            [Problem(option, None, None, value, "is not a date in the form YYYY-MM-DD")]
        ) from None
    if not DATE_MIN <= day <= DATE_MAX:
        raise InputError([Problem(option, None, None, value, DATE_RANGE_EXPECTED)])
    import pandas as pd  # only once the arguments are known good: errors answer at once

    return pd.Timestamp(day)


def _ordered(start, end, first: str, last: str) -> None:
    """Refuse a first date after a last date (the result could only be empty)."""
    from analysis.io.errors import Problem

    if start is not None and end is not None and start > end:
        raise InputError(
            [
                Problem(
                    first,
                    None,
                    None,
                    start.date().isoformat(),
                    f"is after {last} {end.date().isoformat()}",
                )
            ]
        )


def _rules_input(rules: str) -> list[str]:
    """The rules file among a command's inputs (a bundled name is not a file)."""
    return [rules] if rules and Path(rules).exists() else []


def _check_engine_outputs(args: argparse.Namespace) -> None:
    """The output policy for jss/status: --out and --events against the inputs."""
    from analysis.io.paths import Output, check_outputs, history_inputs

    events = getattr(args, "events", None)
    outputs = []
    for option, path in (("--out", args.out), ("--events", events)):
        if path is None:
            continue
        folder = args.partitioned or path.endswith(("/", "\\"))
        outputs.append(Output(option, path, folder=folder))
    check_outputs(outputs, [*history_inputs(args.history), *_rules_input(args.rules)])


def _check_as_of(history, start, end, as_of, as_of_option: str = "--as-of", first=None) -> None:
    """An as-of date (or --to) before the first contract leaves nothing to compute
    (`first`: the first start, when there is no `history` in memory)."""
    from analysis.io.errors import Problem

    if first is None:
        contracts = history.contracts
        if not len(contracts):
            return
        first = contracts["start_date"].min()
    for option, day in ((as_of_option, as_of), ("--to", end)):
        if day is not None and day < first:
            raise InputError(
                [
                    Problem(
                        option,
                        None,
                        None,
                        day.date().isoformat(),
                        f"is before the first contract starts ({first.date().isoformat()}); "
                        "there is nothing to compute",
                    )
                ]
            )


def _engine_inputs(args: argparse.Namespace):
    """The histories to run the engine on, in freelancer order, the checked options
    and the engine's backend.

    One history read whole; or, for a Parquet dataset written to ``--out FILE``,
    its parts one after another (`analysis.io.dataset.iter_partitions`: no
    process holds the whole history, a bad part fails the run before the output
    file appears). The backend is chosen once for the whole input
    (`analysis.engine.backend.resolve_backend` on all its contracts): every part
    of a large dataset is small, but the process pays the kernels' start-up once
    for all of them."""
    from analysis.engine.backend import resolve_backend
    from analysis.engine.ruleset import load_rules

    rules = load_rules(args.rules)  # a bad rules file is reported before reading data
    start, end = _date(args.start, "--from"), _date(args.end, "--to")
    as_of = _date(args.as_of, "--as-of")
    _ordered(start, end, "--from", "--to")
    _ordered(start, as_of, "--from", "--as-of")
    if args.out is not None:  # a written file appears only once complete: stream a dataset
        from analysis.io.dataset import iter_partitions, streamable

        info = streamable(args.history)
        if info is not None:
            _check_as_of(None, start, end, as_of, first=info.first_start)
            # each part with the whole history's first start and as-of date (as on Dask)
            start = info.first_start if start is None else start
            as_of = info.as_of if as_of is None else as_of
            backend = resolve_backend("auto", info.contracts)
            return iter_partitions(info), rules, start, end, as_of, backend
    from analysis.io.load import read_history  # pandas: imported once the arguments are good

    history = read_history(args.history)
    _check_as_of(history, start, end, as_of)
    return [history], rules, start, end, as_of, resolve_backend("auto", len(history.contracts))


def _scale_out(args: argparse.Namespace, kind: str) -> int | None:
    """Run `kind` on Dask (`analysis.io.dataset`) when asked to; None = the pandas engine."""
    from analysis.io.errors import Problem

    events = getattr(args, "events", None)
    _check_engine_outputs(args)
    if args.engine != "dask":
        folder = args.out is not None and args.out.endswith(("/", "\\"))
        for given, option in ((args.scheduler, "--scheduler"), (args.partitioned, "--partitioned"),
                              (folder, "--out FOLDER/")):  # fmt: skip
            if given:
                raise InputError([Problem(option, None, None, None, "needs --engine dask")])
        return None
    if args.excel_safe:
        raise InputError([Problem("--excel-safe", None, None, None, "needs --engine pandas")])
    if args.partitioned and args.out is None:
        raise InputError([Problem("--partitioned", None, None, None, "needs --out FOLDER")])
    from analysis.engine.ruleset import load_rules

    rules = load_rules(args.rules)
    start, end = _date(args.start, "--from"), _date(args.end, "--to")
    as_of = _date(args.as_of, "--as-of")
    _ordered(start, end, "--from", "--to")
    _ordered(start, as_of, "--from", "--as-of")
    from analysis.engine.dask import run_dask

    run_dask(
        kind,
        args.history,
        rules,
        start=start,
        end=end,
        as_of=as_of,
        out=args.out,
        events=events,
        partitioned=args.partitioned,
        scheduler=args.scheduler,
    )
    return 0


def _cmd_convert(args: argparse.Namespace) -> int:
    from analysis.io.dataset import convert
    from analysis.io.paths import Output, check_outputs, history_inputs

    check_outputs([Output("--out", args.out, folder=True)], history_inputs(args.history))
    parts = convert(args.history, args.out, parts=args.parts)
    print(f"Wrote {args.out}: a Parquet dataset in {parts} parts by freelancer_id.")
    return 0


def _each_part(fn, histories, backend: str):
    """Everything ``fn(history)`` yields, history after history, in order.

    With the kernels, the parts of a dataset (a stream, not `_engine_inputs`'
    one-history list) are computed on the threads in turn, each part's results
    gathered on its thread (`analysis.engine.kernels.ordered_map`), so reading,
    the numpy steps and the Arrow conversion between the kernels use both cores
    while the writer writes; a part is small, so holding two is. One history read
    whole streams chunk by chunk and keeps the threads for its own kernels."""
    if backend == "numba" and not isinstance(histories, list):
        from analysis.engine.kernels import ordered_map

        for done in ordered_map(lambda history: list(fn(history)), histories):
            yield from done
    else:
        for history in histories:
            yield from fn(history)


def _cmd_jss(args: argparse.Namespace) -> int:
    if (done := _scale_out(args, "jss")) is not None:
        return done
    histories, rules, start, end, as_of, backend = _engine_inputs(args)
    from analysis.engine.jss import grid_columns, iter_jss_grid
    from analysis.io.output import write_frames

    def part(history):
        return iter_jss_grid(history, rules, start=start, end=end, as_of=as_of, backend=backend)

    grid = _each_part(part, histories, backend)
    write_frames(grid, args.out, columns=grid_columns(rules), excel_safe=args.excel_safe)
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    if (done := _scale_out(args, "status")) is not None:
        return done
    histories, rules, start, end, as_of, backend = _engine_inputs(args)
    from analysis.engine.status import COLUMNS, EVENT_COLUMNS, iter_status_grid, status_events
    from analysis.io.output import write_frames

    events: list = []

    def part(history):
        """One history's status blocks (and their events)."""
        for block in iter_status_grid(
            history, rules, start=start, end=end, as_of=as_of, backend=backend
        ):
            yield block, status_events(block, rules) if args.events else None

    def blocks():
        for block, block_events in _each_part(part, histories, backend):
            if block_events is not None:
                events.append(block_events)
            yield block

    write_frames(blocks(), args.out, columns=COLUMNS, excel_safe=args.excel_safe)
    if args.events:
        write_frames(events, args.events, columns=EVENT_COLUMNS, excel_safe=args.excel_safe)
    return 0


def _cmd_whatif(args: argparse.Namespace) -> int:
    import json

    from analysis.engine.ruleset import load_rules
    from analysis.engine.whatif import render_whatif, whatif
    from analysis.io.load import read_history

    rules = load_rules(args.rules)
    at = _date(args.at, "--at")
    history = read_history(args.history)
    _check_as_of(history, None, None, at, "--at")
    result = whatif(history, args.freelancer, rules, at=at)
    if args.json:
        print(json.dumps(_finite(result), indent=2, allow_nan=False))
    else:
        print(terminal_safe(render_whatif(result)))
    return 0


def _finite(value):
    """``value`` with every NaN or infinity as None: JSON has no such numbers."""
    import math

    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def terminal_safe(text: str) -> str:
    """``text`` with control characters (ESC, CR, BEL ...) shown as escapes, so ids
    from a file cannot move the cursor, recolour or rewrite the terminal."""
    out = []
    for ch in text:
        if ch == "\n" or ch.isprintable():
            out.append(ch)
        else:
            out.append(ch.encode("unicode_escape").decode("ascii"))
    return "".join(out)


def _cmd_profiles(args: argparse.Namespace) -> int:
    from analysis.engine.profiles import load_visibility, profiles
    from analysis.engine.ruleset import load_rules
    from analysis.io.load import read_history
    from analysis.io.output import write_frames
    from analysis.io.paths import Output, check_outputs, history_inputs
    from analysis.io.profiles import PROFILE_COLUMNS

    outputs = [Output("--out", args.out)] if args.out else []
    check_outputs(outputs, [*history_inputs(args.history), *_rules_input(args.rules)])
    rules = load_rules(args.rules)
    visibility = load_visibility(args.visibility)
    at = _date(args.at, "--at")
    history = read_history(args.history)
    table = profiles(history, at, rules, visibility)
    write_frames([table], args.out, columns=list(PROFILE_COLUMNS))
    return 0


def _cmd_worth(args: argparse.Namespace) -> int:
    from analysis.estimate.worth import command

    return command(args)


def _add_profiles_commands(sub) -> None:
    """The `profiles` and `worth` subcommands (issue 13)."""
    p = sub.add_parser(
        "profiles", help="what a talent search would show on a date: one row per visible profile"
    )
    p.add_argument("history", help="a history folder, or a single contracts file")
    p.add_argument("--at", required=True, metavar="DATE", help="the snapshot date (YYYY-MM-DD)")
    p.add_argument(
        "--out", help="output file: CSV, or Parquet if it ends in .parquet (default: stdout)"
    )
    p.add_argument("--rules", default="upwork-2025", help="rule set name or TOML file")
    p.add_argument(
        "--visibility",
        metavar="NAME|FILE",
        help="search visibility rule set (upwork-2020, the default, or upwork-2018) or a TOML file",
    )
    p.set_defaults(run=_cmd_profiles)

    p = sub.add_parser(
        "worth", help="is Top Rated worth it for one freelancer? net value of a year with it"
    )
    p.add_argument("history", help="a history folder, or a single contracts file")
    p.add_argument("--freelancer", required=True, help="the freelancer's id")
    p.add_argument(
        "--effects",
        metavar="FILE",
        help="effect sizes: the JSON of `toprated effects --json` on a population "
        "(default: the stated ranges of the assumptions table)",
    )
    p.add_argument(
        "--upkeep-hours",
        dest="upkeep_hours",
        type=float,
        metavar="H",
        help="hours a week spent keeping the badge (default: the assumptions table)",
    )
    p.add_argument("--rules", default="upwork-2025", help="rule set name or TOML file")
    p.add_argument("--seed", type=int, default=0, help="seed of the Monte Carlo draws (default 0)")
    p.add_argument("--json", action="store_true", help="print JSON instead of plain words")
    p.set_defaults(run=_cmd_worth)


def _cmd_effects(args: argparse.Namespace) -> int:
    from analysis.estimate.effects import command

    return command(args)


def _cmd_generate(args: argparse.Namespace) -> int:
    from analysis.io.errors import Problem
    from analysis.io.paths import Output, check_outputs
    from analysis.simulate.generate import FILES

    start, end = _date(args.start, "--start"), _date(args.end, "--end")
    _ordered(start, end, "--start", "--end")
    if args.freelancers < 1:
        raise InputError(
            [Problem("--freelancers", None, None, str(args.freelancers), "is not at least 1")]
        )
    suffix = ".csv.gz" if args.gzip else ".csv"
    check_outputs(
        [
            Output(
                "--out",
                args.out,
                folder=True,
                names=(*(f"{name}{suffix}" for name in FILES), "truth.json"),
            )
        ],
        _rules_input(args.scenario),
    )
    from analysis.simulate.generate import generate

    summary = generate(
        out=Path(args.out),
        freelancers=args.freelancers,
        start=start.date().isoformat(),
        end=end.date().isoformat(),
        seed=args.seed,
        scenario=args.scenario,
        overrides=args.set or None,
        gzip=args.gzip,
        progress=not args.quiet,
    )
    rows = ", ".join(f"{name} {n:,}" for name, n in summary["rows"].items())
    print(f"Wrote {summary['out']} ({summary['scenario']}, seed {summary['seed']}): {rows}")
    print(f"Planted truth: {Path(summary['out']) / 'truth.json'}")
    for old in summary.get("removed", []):
        print(f"Removed {old} (replaced by the new tables)")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from analysis.io.paths import Output, check_outputs, history_inputs
    from analysis.report.build import build_reports

    history = Path(args.history) if args.history else DEFAULT_HISTORY
    from analysis.report.build import INDEX_NAME, MANIFEST_NAME, discover_notebooks

    notebooks = discover_notebooks(args.notebooks)
    names = (*(f"{nb.stem}.html" for nb in notebooks), INDEX_NAME, MANIFEST_NAME)
    check_outputs(
        [Output("--out", args.out, folder=True, names=names)],
        [*history_inputs(history), *notebooks, *_rules_input(args.rules)],
    )
    reports = build_reports(
        history=history,
        out=Path(args.out),
        notebooks_dir=Path(args.notebooks),
        only=args.only or None,
        rules=args.rules,
        as_of=args.as_of,
        seed=args.seed,
        with_code=args.with_code,
        progress=not args.quiet,
    )
    for info in reports:
        print(f"{info.file}: {info.finding}")
    print(f"Index: {Path(args.out) / 'index.html'}")
    return 0


def _add_engine_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("history", help="a history folder, or a single contracts file")
    p.add_argument(
        "--rules",
        default="upwork-2025",
        help="bundled rule set (upwork-2025, seed-article) or a TOML file (default: upwork-2025)",
    )
    p.add_argument("--from", dest="start", metavar="DATE", help="first date (YYYY-MM-DD)")
    p.add_argument("--to", dest="end", metavar="DATE", help="last date (default: the as-of date)")
    p.add_argument(
        "--as-of",
        dest="as_of",
        metavar="DATE",
        help="the date the history runs to (default: the latest date in the input)",
    )
    p.add_argument(
        "--out", help="output file: CSV, or Parquet if it ends in .parquet (default: stdout)"
    )
    p.add_argument(
        "--excel-safe",
        action="store_true",
        help="prefix ' to text cells a spreadsheet would run as formulas (=, +, -, @, tab, CR)",
    )
    p.add_argument(
        "--engine",
        choices=("pandas", "dask"),
        default="pandas",
        help="pandas (one process, default) or dask (part by part on a Dask cluster)",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with --engine dask: a running scheduler, e.g. tcp://host:8786 "
        "(default: a local cluster, one worker per core)",
    )
    p.add_argument(
        "--partitioned",
        action="store_true",
        help="with --engine dask: write --out (and --events) as a folder of Parquet parts, "
        "one per input part (also when --out ends in /)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="toprated",
        description="Is Upwork's Top Rated status worth what it takes to keep? "
        "Rolling JSS, badge timelines and their costs and benefits.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "validate", help="check a history against the data contract and summarise it"
    )
    p.add_argument("history", help="a history folder, or a single contracts file")
    p.add_argument(
        "--rules",
        default="upwork-2025",
        help="rule set for how contracts without feedback count (default: upwork-2025)",
    )
    p.set_defaults(run=_cmd_validate)

    p = sub.add_parser(
        "import", help="turn Upwork money exports into a history folder (merging into one there)"
    )
    p.add_argument(
        "exports",
        nargs="+",
        metavar="EXPORT",
        help="Transaction History, transaction report or earnings-by-contract export "
        "(CSV or .xlsx); several exports make one history",
    )
    p.add_argument(
        "--out",
        required=True,
        help="folder to write payments.csv and contracts.csv (a history there is merged into)",
    )
    p.add_argument(
        "--freelancer",
        help="your freelancer id (default: me); with an agency statement naming several "
        "freelancers, the one whose rows to import (default: all, one id per name)",
    )
    order = p.add_mutually_exclusive_group()
    order.add_argument(
        "--day-first",
        action="store_true",
        help="read numeric dates such as 03/04/2020 day first (3 April), when the file does "
        "not settle it",
    )
    order.add_argument(
        "--month-first",
        action="store_true",
        help="read numeric dates such as 03/04/2020 month first (March 4), when the file does "
        "not settle it",
    )
    p.set_defaults(run=_cmd_import)

    p = sub.add_parser(
        "convert", help="write a history as a Parquet dataset partitioned by freelancer (for Dask)"
    )
    p.add_argument("history", help="a history folder, or a single contracts file")
    p.add_argument("--to", choices=("parquet",), default="parquet", help="format (parquet)")
    p.add_argument("--out", required=True, help="new folder: <table>/part-NNNNN.parquet")
    p.add_argument("--parts", type=int, help="number of parts (default: about 250,000 rows each)")
    p.set_defaults(run=_cmd_convert)

    p = sub.add_parser("jss", help="the JSS and its window scores on every JSS evaluation date")
    _add_engine_options(p)
    p.set_defaults(run=_cmd_jss)

    p = sub.add_parser("status", help="badge status and its criteria on every Sunday")
    _add_engine_options(p)
    p.add_argument("--events", metavar="FILE", help="also write every change of status here")
    p.set_defaults(run=_cmd_status)

    p = sub.add_parser(
        "whatif", help="headroom: how far one freelancer is from losing or regaining"
    )
    p.add_argument("history", help="a history folder, or a single contracts file")
    p.add_argument("--freelancer", required=True, help="the freelancer's id")
    p.add_argument("--at", metavar="DATE", help="the date to look from (default: the as-of date)")
    p.add_argument("--rules", default="upwork-2025", help="rule set name or TOML file")
    p.add_argument("--json", action="store_true", help="print JSON instead of plain words")
    p.set_defaults(run=_cmd_whatif)

    p = sub.add_parser(
        "effects", help="the badge's effects with 95%% intervals (and the planted truth)"
    )
    p.add_argument(
        "history", help="a history folder with activity.csv (truth.json is used if present)"
    )
    p.add_argument("--rules", default="upwork-2025", help="rule set name or TOML file")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(run=_cmd_effects)

    from analysis.simulate.defaults import (
        DEFAULT_END,
        DEFAULT_FREELANCERS,
        DEFAULT_SEED,
        DEFAULT_START,
    )

    p = sub.add_parser(
        "generate", help="simulate a marketplace with planted truth (history + truth.json)"
    )
    p.add_argument("--out", required=True, help="folder to write the history into")
    p.add_argument(
        "--freelancers",
        type=int,
        default=DEFAULT_FREELANCERS,
        help=f"number of freelancers (default {DEFAULT_FREELANCERS})",
    )
    p.add_argument("--start", default=DEFAULT_START, help=f"first day (default {DEFAULT_START})")
    p.add_argument("--end", default=DEFAULT_END, help=f"last day (default {DEFAULT_END})")
    p.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})"
    )
    p.add_argument(
        "--scenario",
        default="baseline",
        help="baseline, no-badge-effect, high-pressure, or a scenario TOML file",
    )
    p.add_argument(
        "--set",
        action="append",
        metavar="KNOB=VALUE",
        help="override one knob of the scenario (repeatable)",
    )
    p.add_argument("--gzip", action="store_true", help="write .csv.gz files")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=_cmd_generate)

    _add_profiles_commands(sub)

    p = sub.add_parser("report", help="run every report notebook and write self-contained HTML")
    p.add_argument("history", nargs="?", help="history folder (default: the bundled sample)")
    p.add_argument("--out", default="reports", help="output folder (default: reports/)")
    p.add_argument(
        "--only", nargs="+", metavar="NAME", help="only these notebooks (e.g. 01 02-status)"
    )
    p.add_argument("--rules", default="upwork-2025", help="rule set name or TOML file")
    p.add_argument("--as-of", dest="as_of", metavar="DATE", help="as-of date for the reports")
    p.add_argument("--seed", type=int, default=0, help="seed for every random step (default 0)")
    p.add_argument("--with-code", action="store_true", help="show the code cells in the HTML")
    p.add_argument("--notebooks", default=str(config.NOTEBOOKS), help=argparse.SUPPRESS)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=_cmd_report)
    return parser


class Terminated(BaseException):
    """Raised in the main thread by SIGTERM, so cleanup runs as it does for Ctrl-C."""


def _on_sigterm(signum, frame) -> None:
    raise Terminated()


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush cannot fail again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _io_message(err: OSError) -> str:
    """One line for an I/O error: what failed, on which file."""
    reason = err.strerror or str(err) or type(err).__name__
    if err.filename is not None:
        return f"toprated: cannot write or read {err.filename}: {reason}"
    return f"toprated: could not write the output: {reason}"


class _ClosedStdout:
    """Stands in for a closed standard output (``>&-``): writing is an I/O error."""

    closed = True

    def write(self, data) -> int:
        import errno

        raise OSError(errno.EBADF, "standard output is closed")

    def fileno(self) -> int:
        import errno

        raise OSError(errno.EBADF, "standard output is closed")

    def flush(self) -> None:
        pass

    @property
    def buffer(self) -> _ClosedStdout:
        return self


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `toprated` console script; returns the exit status."""
    import signal
    import threading

    if sys.stdout is None:
        sys.stdout = _ClosedStdout()  # type: ignore[assignment]
    args = build_parser().parse_args(argv)
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        status = args.run(args)
        sys.stdout.flush()  # a full disk on stdout shows here, not at exit
        return status
    except InputError as err:
        print(err.render(), file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # e.g. `toprated jss ... | head`
        _silence_stdout()
        return 0
    except KeyboardInterrupt:
        print("toprated: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Terminated:
        print("toprated: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    except OSError as err:
        stdout_failed = err.filename is None
        if stdout_failed:
            _silence_stdout()
        print(_io_message(err), file=sys.stderr)
        return EXIT_IO_ERROR
    except Exception as err:
        from analysis.report.build import ReportError

        if isinstance(err, ReportError):
            print(f"report build failed: {err}", file=sys.stderr)
            return EXIT_BUILD_FAILED
        raise
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
