"""The `toprated` command line: a thin shell over the library.

Every command reads its input completely and checks it before writing anything.
Bad input (a file that breaks the data contract, an export in an unknown format,
a malformed rules file) prints one line per problem to stderr and exits with
status 2; it never shows a traceback.
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
#: The bundled sample the reports run on when no history is given.
DEFAULT_HISTORY = config.SAMPLE


def _cmd_validate(args: argparse.Namespace) -> int:
    from analysis.io.load import read_history
    from analysis.io.summary import history_summary, render_summary

    history = read_history(args.history)
    print(render_summary(history_summary(history)))
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from analysis.io.importer import read_export, write_import
    from analysis.io.load import read_history

    result = read_export(Path(args.export), freelancer_id=args.freelancer)
    written = write_import(result, Path(args.out))
    read_history(Path(args.out))  # the output must keep the data contract
    skipped = ", ".join(f"{n} {kind}" for kind, n in sorted(result.skipped.items())) or "none"
    print(f"Read {result.rows_read} rows of {Path(args.export).name} ({result.format} format).")
    print(f"Found {len(result.contracts)} contracts and {len(result.payments)} earnings rows.")
    print(f"Skipped rows that are not earnings: {skipped}.")
    for name, path in written.items():
        print(f"Wrote {path} ({name})")
    print("Fill in public_rating, private_score and category in contracts.csv, and clear")
    print("end_date for contracts that are still open, to compute your JSS.")
    return 0


def _date(value: str | None, option: str):
    """A YYYY-MM-DD option value as a Timestamp, or a clear error naming the option."""
    import datetime as dt

    import pandas as pd

    from analysis.io.errors import Problem

    if value is None:
        return None
    try:
        return pd.Timestamp(dt.date.fromisoformat(value))
    except ValueError:
        raise InputError(
            [Problem(option, None, None, value, "is not a date in the form YYYY-MM-DD")]
        ) from None


def _engine_inputs(args: argparse.Namespace):
    from analysis.engine.ruleset import load_rules
    from analysis.io.load import read_history

    rules = load_rules(args.rules)  # a bad rules file is reported before reading data
    start, end = _date(args.start, "--from"), _date(args.end, "--to")
    as_of = _date(args.as_of, "--as-of")
    history = read_history(args.history)
    return history, rules, start, end, as_of


def _scale_out(args: argparse.Namespace, kind: str) -> int | None:
    """Run `kind` on Dask (`analysis.io.dataset`) when asked to; None = the pandas engine."""
    from analysis.io.errors import Problem

    events = getattr(args, "events", None)
    if args.engine != "dask":
        folder = args.out is not None and args.out.endswith(("/", "\\"))
        for given, option in ((args.scheduler, "--scheduler"), (args.partitioned, "--partitioned"),
                              (folder, "--out FOLDER/")):  # fmt: skip
            if given:
                raise InputError([Problem(option, None, None, None, "needs --engine dask")])
        return None
    if args.partitioned and args.out is None:
        raise InputError([Problem("--partitioned", None, None, None, "needs --out FOLDER")])
    from analysis.engine.dask import run_dask
    from analysis.engine.ruleset import load_rules

    rules = load_rules(args.rules)
    run_dask(
        kind,
        args.history,
        rules,
        start=_date(args.start, "--from"),
        end=_date(args.end, "--to"),
        as_of=_date(args.as_of, "--as-of"),
        out=args.out,
        events=events,
        partitioned=args.partitioned,
        scheduler=args.scheduler,
    )
    return 0


def _cmd_convert(args: argparse.Namespace) -> int:
    from analysis.io.dataset import convert

    parts = convert(args.history, args.out, parts=args.parts)
    print(f"Wrote {args.out}: a Parquet dataset in {parts} parts by freelancer_id.")
    return 0


def _cmd_jss(args: argparse.Namespace) -> int:
    from analysis.engine.jss import grid_columns, iter_jss_grid
    from analysis.io.output import write_frames

    if (done := _scale_out(args, "jss")) is not None:
        return done
    history, rules, start, end, as_of = _engine_inputs(args)
    grid = iter_jss_grid(history, rules, start=start, end=end, as_of=as_of)
    write_frames(grid, args.out, columns=grid_columns(rules))
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    import pandas as pd  # noqa: F401

    from analysis.engine.status import COLUMNS, EVENT_COLUMNS, iter_status_grid, status_events
    from analysis.io.output import write_frames

    if (done := _scale_out(args, "status")) is not None:
        return done
    history, rules, start, end, as_of = _engine_inputs(args)
    events: list[pd.DataFrame] = []

    def blocks():
        for block in iter_status_grid(history, rules, start=start, end=end, as_of=as_of):
            if args.events:
                events.append(status_events(block, rules))
            yield block

    write_frames(blocks(), args.out, columns=COLUMNS)
    if args.events:
        write_frames(events, args.events, columns=EVENT_COLUMNS)
    return 0


def _cmd_whatif(args: argparse.Namespace) -> int:
    import json

    from analysis.engine.ruleset import load_rules
    from analysis.engine.whatif import render_whatif, whatif
    from analysis.io.load import read_history

    rules = load_rules(args.rules)
    at = _date(args.at, "--at")
    history = read_history(args.history)
    result = whatif(history, args.freelancer, rules, at=at)
    print(json.dumps(result, indent=2) if args.json else render_whatif(result))
    return 0


def _cmd_profiles(args: argparse.Namespace) -> int:
    from analysis.engine.profiles import load_visibility, profiles
    from analysis.engine.ruleset import load_rules
    from analysis.io.load import read_history
    from analysis.io.output import write_frames
    from analysis.io.profiles import PROFILE_COLUMNS

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
    from analysis.simulate.generate import generate

    start, end = _date(args.start, "--start"), _date(args.end, "--end")
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
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from analysis.report.build import build_reports

    history = Path(args.history) if args.history else DEFAULT_HISTORY
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
    p.set_defaults(run=_cmd_validate)

    p = sub.add_parser("import", help="turn an Upwork money export into a history folder")
    p.add_argument("export", help="Transaction History or earnings-by-contract CSV from Upwork")
    p.add_argument("--out", required=True, help="folder to write payments.csv and contracts.csv")
    p.add_argument("--freelancer", default="me", help="freelancer id to use (default: me)")
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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `toprated` console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except InputError as err:
        print(err.render(), file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # e.g. `toprated jss ... | head`
        return 0
    except Exception as err:
        from analysis.report.build import ReportError

        if isinstance(err, ReportError):
            print(f"report build failed: {err}", file=sys.stderr)
            return EXIT_BUILD_FAILED
        raise


if __name__ == "__main__":
    sys.exit(main())
