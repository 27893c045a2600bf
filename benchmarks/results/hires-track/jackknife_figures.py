"""The figures of ../coverage-hires-jackknife.md and the hires lift's docstring that no
benchmark prints: interval widths of the three jackknives history by history, the
spread of the errors over the interval's half-width before and after, and what the
stepped jackknife and a refit cost on the bundled sample.

    python benchmarks/results/hires-track/jackknife_figures.py   (from the repository root)
"""

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
RESULTS = HERE.parent
sys.path.insert(0, str(HERE))

rows = pd.concat([pd.read_json(HERE / f) for f in ("r10a.json", "r10b.json", "r11a.json", "r11b.json")])
rows = rows.drop_duplicates(["variant", "world", "seed", "lift"])
rows["w"] = np.log(rows.hi / rows.lo)
w = rows.pivot_table(index=["world", "seed", "lift"], columns="variant", values="w")
for a, b in (("xjk", "hJ"), ("fjk", "xjk")):
    r = w[a] / w[b]
    print(f"log width {a}/{b} over {len(r)} histories: median {r.median():.2f}, "
          f"range {r.min():.2f}-{r.max():.2f}")

for label, csv in (("before", "coverage-hires-track-20261130T113207.csv"),
                   ("after", "coverage-hires-jackknife-20261130T133432.csv")):
    d = pd.read_csv(RESULTS / csv)
    d = d[(d.effect == "hires_lift") & d.estimated]
    half = np.log(d.ci_high / d.ci_low) / 2
    z = np.log(d.estimate / d.truth) / (half / 1.96)
    print(f"hires lift {label}: SD of log error over half-width/1.96 = {z.std():.2f} "
          f"({len(d)} runs, seeds 2001-2028)")

from v8 import _data  # noqa: E402

from analysis.engine.ruleset import load_rules  # noqa: E402
from analysis.estimate import effects as E  # noqa: E402
from analysis.io.load import read_history  # noqa: E402

panel = E.weekly_panel(read_history("data/raw/sample"), load_rules("upwork-2025"))
data, fml = _data(panel)
E.fit_model("poisson", fml, data)  # warm
t0 = time.perf_counter()
fit = E.fit_model("poisson", fml, data)
t_fit = time.perf_counter() - t0
t0 = time.perf_counter()
E._moves_with_fixed_effects(fit)
t_moves = time.perf_counter() - t0
holders = data.loc[data["tr"] == 1, "fid"].nunique()
print(f"bundled sample: {data['fid'].nunique()} freelancers, {holders} holders; one fit "
      f"{t_fit:.1f} s, so refits without each holder about {holders * t_fit / 60:.0f} min; "
      f"the stepped moves {t_moves:.2f} s")
