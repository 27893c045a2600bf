"""The shapes of history real users bring, built small for the report tests.

Issue 11 lists them: (a) one freelancer's imported export with no activity,
(b) activity in which nobody is ever Top Rated, (c) an activity file without
invitations, or without proposals, hires and hours, (d) the ``seed-article``
rules, (e) every contract still open, (f) one freelancer with two contracts.
`write_shapes` writes each into a folder (from one tiny simulated marketplace and
the bundled demo export) and returns ``{name: (history folder, rules)}``; every
report must build on every one of them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from analysis import config
from analysis.simulate.generate import generate

#: The tiny marketplace every derived shape starts from (seconds to simulate).
BASE = {"freelancers": 60, "start": "2022-01-01", "end": "2024-06-30", "seed": 11}


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _write(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n")


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    (dst / "truth.json").unlink(missing_ok=True)  # a user's file has no planted truth
    return dst


def write_shapes(base: Path) -> dict[str, tuple[Path, str]]:
    """Write every shape under `base`; returns ``{name: (folder, rules)}``."""
    market = base / "marketplace"
    generate(market, progress=False, **BASE)
    shapes: dict[str, tuple[Path, str]] = {}

    # (a) an imported export: contracts and payments, no activity
    shapes["imported-export"] = (_copy(config.DEMO, base / "imported-export"), "upwork-2025")

    # (b) activity, but every contract ends badly: nobody is ever Top Rated
    folder = _copy(market, base / "nobody-top-rated")
    c = _read(folder / "contracts.csv")
    # each contract ends on its first day: a contract open for longer than the rules'
    # open_contracts.positive_after_days counts as good while it runs
    c["end_date"] = c["start_date"]
    c["public_rating"] = "1.0"
    c["private_score"] = "0"
    c["disputed"] = "true"
    _write(c, folder / "contracts.csv")
    a = _read(folder / "activity.csv")
    if "status_shown" in a:  # the badge shown must agree: no badge, ever
        a["status_shown"] = "none"
        _write(a, folder / "activity.csv")
    shapes["nobody-top-rated"] = (folder, "upwork-2025")

    # (c) activity without invitations; activity without proposals, hires and hours
    folder = _copy(market, base / "no-invitations")
    a = _read(folder / "activity.csv")
    _write(a.drop(columns=["invitations"]), folder / "activity.csv")
    shapes["no-invitations"] = (folder, "upwork-2025")
    folder = _copy(market, base / "no-proposals-hires-hours")
    _write(a.drop(columns=["proposals", "hires", "hours_worked"]), folder / "activity.csv")
    shapes["no-proposals-hires-hours"] = (folder, "upwork-2025")

    # (d) the seed article's rules
    shapes["seed-article"] = (_copy(market, base / "seed-article"), "seed-article")

    # (e) every contract still open (so no feedback yet either)
    folder = _copy(market, base / "all-open")
    c = _read(folder / "contracts.csv")
    for col in ("end_date", "public_rating", "private_score"):
        c[col] = ""
    c["disputed"] = "false"
    _write(c, folder / "contracts.csv")
    shapes["all-open"] = (folder, "upwork-2025")

    # (f) one freelancer, two contracts from two clients
    folder = base / "two-contracts"
    folder.mkdir()
    (folder / "contracts.csv").write_text(
        "freelancer_id,contract_id,client_id,start_date,end_date,earnings_usd,public_rating,"
        "private_score,disputed,client_flagged,category,contract_type,hours\n"
        "me,c1,k1,2024-01-08,2024-02-20,800.00,5.0,10,false,false,design,fixed,\n"
        "me,c2,k2,2024-03-04,2024-05-10,1200.00,4.8,9,false,false,design,hourly,40\n",
        encoding="utf-8",
    )
    shapes["two-contracts"] = (folder, "upwork-2025")
    return shapes
