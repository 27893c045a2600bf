import dataclasses, numpy as np, pandas as pd, json, sys
from analysis.io.load import read_history
from analysis.estimate.effects import weekly_panel
from analysis.engine.ruleset import load_rules
for world in ("rules-shown", "today"):
  for seed in (2307, 2313, 2316, 2302):
    d = f"{__import__('os').environ.get('HX_CACHE', '/tmp/hx/cache')}/{world}-{seed}-1.25"
    h = read_history(d)
    p = weekly_panel(h, load_rules("upwork-2025"))
    e = p["event_time"].to_numpy(dtype=float, na_value=np.nan)
    first_e = pd.Series(e).groupby(p["freelancer_id"].to_numpy()).min()
    treated = first_e.dropna()
    tr = p[p.top_rated]
    cf = json.load(open(f"{d}/truth.json"))["realised"]
    print(world, seed, "holders", len(treated), "gain at first panel week", int((treated >= 0).sum()),
          "TR weeks", len(tr), "hires/TR week", round(tr.hires.mean(), 3), "non-TR hires/wk", round(p[~p.top_rated].hires.mean(), 3),
          "truth", round(cf["hires_lift"], 3), "cf", cf["counterfactual"]["hires"])
