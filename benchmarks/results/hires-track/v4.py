from analysis.estimate import effects as E
import numpy as np
def mk(extra=("jobs_before",), window=E.POOLED_WINDOW, noloss=False):
    def f(p):
        levels = tuple(c for c in E.LEVEL_CONTROLS if E._has_values(p, c) is None)
        p = p.assign(**{f"{c}_before": E.mean_before(p, c) for c in levels})
        if noloss:
            e = p["event_time"].to_numpy(dtype=np.float64, na_value=np.nan)
            p = p.loc[~((e >= 0) & ~p["top_rated"].to_numpy(dtype=bool))]
        controls = tuple(f"{c}_before" for c in levels)
        return E.badge_lift(p, "hires", "gain", window, 400, 0, exposure=controls,
            fixed=E.HIRES_FIXED, skip_lead=True, hold=controls + extra, name="hires_lift")
    return f
VARIANTS = {'hJ': mk(), 'noloss': mk(noloss=True), 'lead26': mk(window=(-26, 104)), 'both': mk(window=(-26, 104), noloss=True)}
