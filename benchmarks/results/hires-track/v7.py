from analysis.estimate import effects as E
import numpy as np
TOP = ("top_rated", "top_rated_plus", "expert_vetted")
def mk(mode=None):
    def f(p):
        eng = p["status_engine"].astype(str).isin(TOP).to_numpy()
        if mode == "cleanpool":
            ever = p.assign(e=eng).groupby("freelancer_id")["e"].transform("any").to_numpy()
            treated = np.isfinite(p["event_time"].to_numpy(dtype=np.float64, na_value=np.nan))
            p = p.loc[treated | ~ever]
        levels = tuple(c for c in E.LEVEL_CONTROLS if E._has_values(p, c) is None)
        p = p.assign(**{f"{c}_before": E.mean_before(p, c) for c in levels})
        controls = tuple(f"{c}_before" for c in levels)
        fixed = E.HIRES_FIXED
        if mode == "engctl":
            p = p.assign(eng_bin=(p["status_engine"].astype(str).isin(TOP) & ~p["top_rated"]).astype(int))
            fixed = fixed + " + eng_bin"
        return E.badge_lift(p, "hires", "gain", E.POOLED_WINDOW, 400, 0, exposure=controls,
            fixed=fixed, skip_lead=True, hold=controls + ("jobs_before",), name="hires_lift")
    return f
VARIANTS = {'hJ': mk(), 'cleanpool': mk('cleanpool'), 'engctl': mk('engctl')}
