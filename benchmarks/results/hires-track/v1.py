from analysis.estimate import effects as E
def cur(p): return E.hires_lift(p)
def holdall(p):
    levels = tuple(c for c in E.LEVEL_CONTROLS if E._has_values(p, c) is None)
    p = p.assign(**{f"{c}_before": E.mean_before(p, c) for c in levels})
    controls = tuple(f"{c}_before" for c in levels)
    return E.badge_lift(p, "hires", "gain", E.POOLED_WINDOW, 400, 0, exposure=controls,
        fixed=E.HIRES_FIXED, skip_lead=True, hold=controls + ("earnings_12w_usd", "open_contracts", "jobs_before", "hires_12w"), name="hires_lift")
VARIANTS = {'cur': cur, 'holdall': holdall}
