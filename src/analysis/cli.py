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

from analysis import __version__
from analysis.errors import InputError

EXIT_BAD_INPUT = 2


def _cmd_validate(args: argparse.Namespace) -> int:
    from analysis.load import read_history
    from analysis.summary import history_summary, render_summary

    history = read_history(args.history)
    print(render_summary(history_summary(history)))
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from analysis.importer import read_export, write_import
    from analysis.load import read_history

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


if __name__ == "__main__":
    sys.exit(main())
