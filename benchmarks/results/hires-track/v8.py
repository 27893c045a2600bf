"""hJ (the current hires_lift) against the same fit with the jackknife's moves for the
treated freelancers computed by exact refits (leave one holder out) instead of the
one Newton step that holds the shared fixed effects at the full fit."""
import math
import numpy as np
import pandas as pd
from analysis.estimate import effects as E


def _data(p):
    levels = tuple(c for c in E.LEVEL_CONTROLS if E._has_values(p, c) is None)
    p = p.assign(**{f"{c}_before": E.mean_before(p, c) for c in levels})
    controls = tuple(f"{c}_before" for c in levels)
    held = controls + tuple(c for c in E.HIRES_HELD if c in p)
    p = E.held_before_gain(p, held)
    s = E.event_sample(p, "gain", E.POOLED_WINDOW, 400, 0, True)
    fin = np.isfinite(s["hires"].to_numpy(dtype=np.float64))
    for c in controls:
        fin &= np.isfinite(s[c].to_numpy(dtype=np.float64, na_value=np.nan))
    s = s.loc[fin]
    data = E.model_frame(s, "hires").assign(
        **{f"log_{c}": np.log1p(s[c].to_numpy(dtype=np.float64)) for c in controls})
    extra = "".join(f" + log_{c}" for c in controls)
    return data, f"y ~ tr{extra} + {E.CONTROLS} | {E.HIRES_FIXED}"


def row(est, lo, hi):
    return pd.DataFrame([dict(estimate=est, ci_low=lo, ci_high=hi)])


def xjk(p, scale=1.0):
    data, fml = _data(p)
    fit = E.fit_model("poisson", fml, data)
    names = list(fit._coefnames)
    k = names.index("tr")
    b = float(fit.coef()["tr"])
    steps = E._moves_holding_fixed_effects(fit)  # what E._jackknife gave when this ran
    fids = pd.factorize(fit._cluster_df.iloc[:, 0].to_numpy())[1]
    moves = np.array(steps[:, k]) if steps is not None else np.zeros(len(fids))
    treated = set(data.loc[data["tr"] == 1, "fid"].unique())
    for i, g in enumerate(fids):
        if g in treated:
            try:
                fg = E.fit_model("poisson", fml, data.loc[data["fid"] != g])
                moves[i] = b - float(fg.coef()["tr"])
            except Exception:
                pass
    return interval(fit, b, moves)


def interval(fit, b, moves):
    """The 95% interval from the leave-one-out moves of the badge term (CV3, t with G*)."""
    G = len(moves)
    se = math.sqrt((G - 1) / G * float(np.sum(moves ** 2)))
    q = E.critical_value(fit, "tr")
    return row(math.exp(b), math.exp(b - q * se), math.exp(b + q * se))


def cur(p):
    return E.hires_lift(p)


VARIANTS = {"hJ": cur, "xjk": xjk}
