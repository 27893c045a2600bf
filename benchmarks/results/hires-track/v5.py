from analysis.estimate import effects as E
import numpy as np, pandas as pd
def held_at(p, cols, ref):
    """cols held, from the gain on, at their value in event week max(ref, first week)."""
    e = p["event_time"].to_numpy(dtype=np.float64, na_value=np.nan)
    ids = p["freelancer_id"].to_numpy()
    df = pd.DataFrame({"id": ids, "e": e})
    first = df.groupby("id", sort=False)["e"].transform("min").to_numpy()
    target = np.maximum(ref, first)
    at = np.isfinite(e) & (e == target)
    out = {}
    for c in cols:
        v = pd.Series(p[c].to_numpy(dtype=np.float64)[at], index=ids[at])
        v = v[~v.index.duplicated()]
        val = pd.Series(ids).map(v).to_numpy(dtype=np.float64)
        own = p[c].to_numpy(dtype=np.float64)
        out[c] = np.where((e >= 0) & np.isfinite(val), val, own)
    return p.assign(**out)
def mk(hires_ref=None, levels_ref=-1, quality=False):
    def f(p):
        levels = tuple(c for c in E.LEVEL_CONTROLS if E._has_values(p, c) is None)
        if hires_ref is not None: levels = levels + ("hires",)
        p = p.assign(**{f"{c}_before": E.mean_before(p, c) for c in levels})
        controls = tuple(f"{c}_before" for c in levels)
        base = tuple(c for c in controls if c != "hires_before")
        if levels_ref != -1:
            p = held_at(p, base, levels_ref); hold = ("jobs_before",)
        else:
            hold = base + ("jobs_before",)
        if hires_ref is not None:
            if hires_ref == -1: hold = hold + ("hires_before",)
            else: p = held_at(p, ("hires_before",), hires_ref)
        return E.badge_lift(p, "hires", "gain", E.POOLED_WINDOW, 400, 0, exposure=controls,
            fixed=E.HIRES_FIXED, skip_lead=True, hold=hold, name="hires_lift")
    return f
VARIANTS = {'hJ': mk(), 'H1': mk(hires_ref=-1), 'H13': mk(hires_ref=-13), 'H13L13': mk(hires_ref=-13, levels_ref=-13)}
