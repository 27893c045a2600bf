"""The demo "own history": the bundled Upwork export with made-up feedback.

Upwork exports carry money, not feedback, so `toprated import` leaves the rating
columns empty. To show a freelancer's own JSS timeline (report `08-my-history`)
on real-format data, this script fills them in with *made-up* values, drawn with
a fixed seed from a distribution shaped like the research figures in
`../shared/data/README.md` (public ratings inflated: most are 5 stars; private
scores more candid). It is a demonstration, not anyone's real feedback.

Rules of the fill (per contract, in contract-id order, one seeded draw each):

- public rating: 5.0 with probability 0.85, else 4.8, 4.5, 4.2 or 3.5 (equally);
- private score: 10 or 9 when the public rating is 5.0 (0.85), else 8, 7 or 6;
  a public 4.2/3.5 goes with a private 6 (a negative outcome);
- category: ``web-dev`` for every contract (front-end work; not one of the
  named Top Rated Plus categories, so the $20,000 large-contract threshold);
- the latest contract is left open (its ``end_date`` cleared), as a freelancer
  whose last client is still active would do.

The seed (3) was picked among the first few so that the demo shows the situation
the project studies: a Top Rated freelancer one bad outcome away from losing the
badge (seeds 1 and 2025 give a JSS near 50; seed 2 a JSS of 100 without the badge
yet). Run ``python -m analysis.io.demo`` to rebuild ``data/raw/my-history/`` (same seed,
same bytes). The folder is rebuilt from the export alone, never merged into (an ordinary
`toprated import` into it would merge and keep its made-up feedback instead).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import config
from analysis.io.importer import read_export, write_import

EXPORT = config.EXPORT_SAMPLE
OUT = config.DEMO
SEED = 3


def fill_demo_feedback(contracts: pd.DataFrame, seed: int = SEED) -> pd.DataFrame:
    """A copy of an imported contracts table with made-up feedback (see module doc)."""
    rng = np.random.default_rng(seed)
    out = contracts.sort_values("contract_id").reset_index(drop=True).copy()
    n = len(out)
    five = rng.random(n) < 0.85
    other = rng.choice([4.8, 4.5, 4.2, 3.5], size=n)
    public = np.where(five, 5.0, other)
    high_private = rng.random(n) < 0.85
    private = np.where(
        five,
        np.where(high_private, rng.choice([10, 9], size=n), rng.choice([8, 7], size=n)),
        np.where(public >= 4.5, rng.choice([8, 7], size=n), 6),
    )
    out["public_rating"] = public
    out["private_score"] = private.astype(int)
    out["category"] = "web-dev"
    latest = out["start_date"].astype(str).idxmax()
    out.loc[latest, "end_date"] = ""
    return out


def build_demo_history(export: Path = EXPORT, out: Path = OUT, seed: int = SEED) -> Path:
    """Import the export afresh, fill in the made-up feedback, and put both files in ``out``."""
    result = read_export(export, freelancer_id="me")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        fresh = Path(tmp) / "history"
        write_import(result, fresh)
        contracts = pd.read_csv(fresh / "contracts.csv", dtype=str, keep_default_na=False)
        filled = fill_demo_feedback(contracts, seed)
        filled.to_csv(fresh / "contracts.csv", index=False, lineterminator="\n")
        for name in ("payments.csv", "contracts.csv"):
            shutil.move(fresh / name, out / name)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--export", type=Path, default=EXPORT)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    print(build_demo_history(args.export, args.out, args.seed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
