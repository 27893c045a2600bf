"""hJ against the jackknife with the fixed effects in the one Newton step (fjk):
each freelancer's leave-one-out move of every coefficient and every fixed-effect
level, from the full fit, instead of holding the fixed effects at the full fit."""
import numpy as np
import pandas as pd
from analysis.estimate import effects as E
from v8 import _data, interval


def full_moves(fit):
    """(clusters x k): b - b_(g) for the slopes, fixed effects stepped too."""
    w = np.asarray(fit._irls_weights, dtype=np.float64).ravel()
    xt = np.asarray(fit._X, dtype=np.float64) / np.sqrt(w)[:, None]  # demeaned X
    r = np.asarray(fit._u_hat_response, dtype=np.float64).ravel()
    fe = np.asarray(fit._fe)
    k = xt.shape[1]
    # dummies of every level, first level of every dimension after the first dropped
    blocks = []
    for j in range(fe.shape[1]):
        codes = pd.factorize(fe[:, j])[0]
        n = int(codes.max()) + 1
        blocks.append((codes, n, j > 0))
    p = k + sum(n - (1 if drop else 0) for _, n, drop in blocks)
    groups = pd.factorize(fit._cluster_df.iloc[:, 0].to_numpy())[0]
    n_g = int(groups.max()) + 1
    z = np.zeros((len(w), p))
    z[:, :k] = xt
    off = k
    for codes, n, drop in blocks:
        c = codes - (1 if drop else 0)
        ok = c >= 0
        z[np.flatnonzero(ok), off + c[ok]] = 1.0
        off += n - (1 if drop else 0)
    zw = z * w[:, None]
    h = z.T @ zw
    order = np.argsort(groups, kind="stable")
    bounds = np.searchsorted(groups[order], np.arange(n_g + 1))
    out = np.zeros((n_g, k))
    for g in range(n_g):
        rows = order[bounds[g]:bounds[g + 1]]
        zg = z[rows]
        hg = zg.T @ zw[rows]
        sg = zg.T @ r[rows]
        step = np.linalg.lstsq(h - hg, sg, rcond=None)[0]
        out[g] = step[:k]
    return out


def fjk(p):
    data, fml = _data(p)
    fit = E.fit_model("poisson", fml, data)
    k = list(fit._coefnames).index("tr")
    b = float(fit.coef()["tr"])
    return interval(fit, b, full_moves(fit)[:, k])


def cur(p):
    return E.hires_lift(p)


VARIANTS = {"hJ": cur, "fjk": fjk}
