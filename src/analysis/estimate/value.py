"""Is the badge worth keeping? Net value per freelancer-year, with uncertainty.

The value of holding Top Rated for one year (``W`` weeks, 52 by default), for one
freelancer ``i`` and one draw ``d`` of the estimated effects::

    benefit_inv  = (L_d - 1) * inv0_i * conv_i * value_i * W
    benefit_rate = (R_d - 1) * rate_i * billed_i * W
    cost_maint   = M_d * rate_i * W
    cost_loss    = p_loss_i * weeks_off * (benefit_inv + benefit_rate) / W
    net          = benefit_inv + benefit_rate - cost_maint - cost_loss - forgone_i

where ``L`` is the invitation lift, ``R`` the rate premium (both multiplicative,
"x") and ``M`` the maintenance hours per week (from `analysis.estimate.effects`);
``inv0`` the freelancer's weekly invitations without the badge, ``conv`` their
hires per application, ``value`` their mean earnings per contract, ``rate`` their
hourly rate, ``billed`` their billed hours per week; ``p_loss`` the chance of
losing the badge within the year and ``weeks_off`` the mean weeks until it comes
back (the benefit missed meanwhile); ``forgone`` the earnings of risky jobs turned
down to protect the JSS (0 unless given: the files do not record declined offers).

Uncertainty: each effect is drawn from its sampling distribution (normal on the
log scale for "x" effects, normal for hours, the standard error read back from the
95% interval), seeded; the freelancer's own inputs are taken as known. Everything
is vectorised: one (freelancers x draws) array, no loop per freelancer.

Also here: `event_time_lift`, the event-time coefficients of the event study on a
seeded subsample of comparison freelancers, a fast stand-in for
`analysis.estimate.effects.event_study` in the reports.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis.estimate.effects import (
    CONTROLS,
    FIXED,
    WINDOW,
    Z95,
    critical_values,
    event_sample,
    fit_model,
    model_frame,
    standard_errors,
)

#: The effects the value model needs (rows of `analysis.estimate.effects.EFFECT_COLUMNS` frames).
VALUE_EFFECTS = ("invitation_lift", "rate_premium", "maintenance_hours")
RATE_BANDS = (0.0, 15.0, 30.0, 60.0, np.inf)
TENURE_BANDS = (0.0, 1.0, 3.0, np.inf)
INPUT_COLUMNS = (
    "freelancer_id",
    "invitations_per_week",
    "hires_per_application",
    "contract_value_usd",
    "hourly_rate_usd",
    "billed_hours_per_week",
    "p_loss_per_year",
    "weeks_off_after_loss",
    "forgone_usd_per_year",
    "rate_band",
    "tenure_band",
    "category",
)


def _band(values: np.ndarray, edges: tuple[float, ...], unit: str) -> pd.Categorical:
    labels = [
        f"{unit}{lo:g}+" if np.isinf(hi) else f"{unit}{lo:g}-{hi:g}"
        for lo, hi in zip(edges[:-1], edges[1:], strict=True)
    ]
    return pd.cut(values, list(edges), right=False, labels=labels)


def event_time_lift(
    panel: pd.DataFrame,
    outcome: str = "invitations",
    event: str = "gain",
    window: tuple[int, int] = WINDOW,
    bin_weeks: int = 4,
    max_controls: int | None = 100,
    seed: int = 0,
) -> pd.DataFrame:
    """Event-time effects of the badge on `outcome`, multiplicative, with 95% intervals.

    The specification of `analysis.estimate.effects.event_study` (Poisson, freelancer +
    calendar-week fixed effects, JSS bins as a fixed effect with a linear JSS
    slope, log recent earnings and log tenure, SEs clustered by freelancer, on the
    clean never/not-yet-treated sample), made fast in two ways: event time is
    grouped in `bin_weeks`-week bins (bin ``-1`` = the `bin_weeks` weeks before the
    event, the reference) and at most `max_controls` comparison freelancers are
    kept (a `seed`-ed draw). Why: the full fit takes minutes on a busy machine;
    the reports must run in seconds.

    Returns ``event_time`` (first week of each bin), ``estimate``, ``ci_low``,
    ``ci_high`` (the reference bin is 1 by construction); empty when there is no
    event to compare.
    """
    cols = ["event_time", "estimate", "ci_low", "ci_high"]
    col = "event_time" if event == "gain" else "event_time_loss"
    sample = event_sample(panel, event, window, max_controls, seed)
    sample = sample.loc[np.isfinite(sample[outcome].to_numpy(dtype=np.float64))]
    e = sample[col].to_numpy(dtype=np.float64, na_value=np.nan)
    if not np.isfinite(e).any() or sample["top_rated"].all():
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
    lo, hi = window
    b = np.floor(e / bin_weeks)
    b_lo, b_hi = int(np.floor(lo / bin_weeks)), int(np.floor(hi / bin_weeks))
    bins = [k for k in range(b_lo, b_hi + 1) if k != -1 and (b == k).any()]
    dummies = {f"b{k - b_lo}": (b == k).astype(np.float64) for k in bins}
    dummies["b_pre"] = (e < b_lo * bin_weeks).astype(np.float64)
    names = [k for k, v in dummies.items() if v.any()]
    data = model_frame(sample, outcome).assign(**dummies)
    fit = fit_model("poisson", f"y ~ {' + '.join(names)} + {CONTROLS} | {FIXED}", data)
    coef = fit.coef()
    se = standard_errors(fit, [nm for nm in names if nm in coef.index])
    q_all = critical_values(fit, [nm for nm in names if nm in coef.index])
    rows = [(-bin_weeks, 1.0, 1.0, 1.0)]
    for k in bins:
        nm = f"b{k - b_lo}"
        if nm in coef.index:
            beta, s = float(coef[nm]), float(se[nm])
            q = q_all[nm]
            rows.append((k * bin_weeks, np.exp(beta), np.exp(beta - q * s), np.exp(beta + q * s)))
    return pd.DataFrame(rows, columns=cols).sort_values("event_time", ignore_index=True)


def value_inputs(
    panel: pd.DataFrame,
    contracts: pd.DataFrame,
    freelancers: pd.DataFrame | None = None,
    min_applications: int = 20,
) -> pd.DataFrame:
    """Each badge holder's own inputs to the value formula (`INPUT_COLUMNS`).

    One row per freelancer who held the badge at some point in `panel` (a
    `analysis.estimate.effects.weekly_panel`): ``invitations_per_week`` in weeks without
    the badge (the baseline the lift multiplies), ``hires_per_application`` (hires /
    (invitations + proposals), the panel-wide ratio when the freelancer has fewer
    than `min_applications`), ``contract_value_usd`` (mean earnings per contract),
    ``hourly_rate_usd``, ``billed_hours_per_week`` (mean over their weeks),
    ``p_loss_per_year`` (1 - (1 - h)^52 with ``h`` the weekly loss hazard over all
    Top Rated weeks of the panel), ``weeks_off_after_loss`` (mean weeks without
    the badge after a loss, panel-wide), ``forgone_usd_per_year`` (0: declined
    risky offers are not in the files), and the segments ``rate_band``,
    ``tenure_band`` (at the last week) and ``category``.
    Why per freelancer: a badge is worth more to whoever has more invitations to
    multiply and a higher rate, so the verdict is by segment, not one number.
    """
    p = panel.sort_values(["freelancer_id", "week_start"])
    ever = p["cohort_week"].notna().to_numpy()
    tr = p["top_rated"].to_numpy(dtype=bool)
    fid = p["freelancer_id"].to_numpy()
    same_next = np.r_[fid[1:] == fid[:-1], False]
    next_tr = np.r_[tr[1:], False]
    losses = tr & same_next & ~next_tr
    h = losses.sum() / max(tr.sum(), 1)
    gains_back = ~tr & same_next & next_tr & ever & (p["event_time"].to_numpy(na_value=-1) > 0)
    off_weeks = (~tr & ever & (p["event_time"].to_numpy(na_value=-1) > 0)).sum()
    weeks_off = off_weeks / max(losses.sum(), 1) if gains_back.any() or losses.any() else 0.0
    inv = p["invitations"].to_numpy(dtype=np.float64)
    apps = inv + p["proposals"].to_numpy(dtype=np.float64)
    hires = p["hires"].to_numpy(dtype=np.float64)
    frame = pd.DataFrame(
        {
            "freelancer_id": fid,
            "inv_off": np.where(~tr, inv, np.nan),
            "inv_on": np.where(tr, inv, np.nan),
            "apps": apps,
            "hires": hires,
            "rate": p["hourly_rate_usd"].to_numpy(dtype=np.float64),
            "billed": p["billed_hours"].to_numpy(dtype=np.float64),
            "tenure": p["tenure_years"].to_numpy(dtype=np.float64),
        }
    )[ever]
    g = frame.groupby("freelancer_id", sort=True)
    agg = g.agg(
        inv_off=("inv_off", "mean"),
        apps=("apps", "sum"),
        hires=("hires", "sum"),
        rate=("rate", "last"),
        billed=("billed", "mean"),
        tenure=("tenure", "last"),
    )
    overall = np.nansum(hires) / max(np.nansum(apps), 1.0)
    conv = np.where(
        agg["apps"] >= min_applications, agg["hires"] / agg["apps"].clip(lower=1), overall
    )
    value = contracts.groupby("freelancer_id")["earnings_usd"].mean()
    cat = (
        freelancers.set_index("freelancer_id")["category"]
        if freelancers is not None and "category" in freelancers
        else pd.Series(dtype="str")
    )
    ids = agg.index
    rate = agg["rate"].to_numpy(dtype=np.float64)
    return pd.DataFrame(
        {
            "freelancer_id": ids.astype("str"),
            "invitations_per_week": agg["inv_off"].fillna(0.0).to_numpy(),
            "hires_per_application": conv,
            "contract_value_usd": value.reindex(ids).fillna(0.0).to_numpy(),
            "hourly_rate_usd": np.nan_to_num(rate),
            "billed_hours_per_week": agg["billed"].fillna(0.0).to_numpy(),
            "p_loss_per_year": 1.0 - (1.0 - h) ** 52,
            "weeks_off_after_loss": float(weeks_off),
            "forgone_usd_per_year": 0.0,
            "rate_band": _band(rate, RATE_BANDS, "$"),
            "tenure_band": _band(agg["tenure"].to_numpy(), TENURE_BANDS, "").rename_categories(
                lambda s: f"{s} years"
            ),
            "category": cat.reindex(ids).fillna("unknown").astype("str").to_numpy(),
        }
    )


def effect_draws(effects: pd.DataFrame, n_draws: int, seed: int) -> dict[str, np.ndarray]:
    """`n_draws` values of each of `VALUE_EFFECTS` from its sampling distribution.

    "x" effects: normal on the log scale, mean log(estimate), sd from the 95%
    interval (log(hi) - log(lo)) / (2 * 1.96); others: normal with sd
    (hi - lo) / (2 * 1.96). Why: the value depends on the effects through sums and
    products, so their uncertainty is carried by simulation rather than by formula.

    A missing (or unestimated, NaN) effect raises ValueError naming it: drawing it
    as "no effect" (1x or 0) would report a value the data never gave.
    """
    rng = np.random.default_rng(seed)
    by = effects.set_index("effect")
    out = {}
    for name in VALUE_EFFECTS:
        z = rng.standard_normal(n_draws)
        row = by.loc[name] if name in by.index else None
        if row is None or not np.isfinite(row["estimate"]):
            why = "" if row is None else f" ({row.get('note') or 'no estimate'})"
            raise ValueError(f"{name} was not estimated{why}: the value needs it")
        est, lo, hi = float(row["estimate"]), float(row["ci_low"]), float(row["ci_high"])
        if row["unit"] == "x":
            sd = (np.log(hi) - np.log(lo)) / (2 * Z95)
            out[name] = np.exp(np.log(est) + sd * z)
        else:
            out[name] = est + (hi - lo) / (2 * Z95) * z
    return out


def net_value_draws(
    inputs: pd.DataFrame,
    effects: pd.DataFrame,
    n_draws: int = 500,
    seed: int = 0,
    weeks_per_year: float = 52.0,
) -> pd.DataFrame:
    """Net value of a year with the badge, per freelancer and draw (USD).

    Long frame: ``draw``, the segment columns and ``freelancer_id`` of `inputs`,
    ``benefit_invitations_usd``, ``benefit_rate_usd``, ``cost_maintenance_usd``,
    ``cost_loss_usd``, ``net_usd`` (the module docstring's formula). Same `seed`,
    same draws. Computed as one (freelancers x draws) array.
    """
    d = effect_draws(effects, n_draws, seed)
    w = weeks_per_year

    def col(name: str) -> np.ndarray:
        return inputs[name].to_numpy(dtype=np.float64)[:, None]

    b_inv = (
        (d["invitation_lift"] - 1.0)
        * col("invitations_per_week")
        * col("hires_per_application")
        * col("contract_value_usd")
        * w
    )
    b_rate = (d["rate_premium"] - 1.0) * col("hourly_rate_usd") * col("billed_hours_per_week") * w
    c_maint = d["maintenance_hours"] * col("hourly_rate_usd") * w
    c_loss = col("p_loss_per_year") * col("weeks_off_after_loss") * (b_inv + b_rate) / w
    net = b_inv + b_rate - c_maint - c_loss - col("forgone_usd_per_year")
    n = len(inputs)
    keep = [c for c in ("freelancer_id", "rate_band", "tenure_band", "category") if c in inputs]
    base = inputs[keep].iloc[np.repeat(np.arange(n), n_draws)].reset_index(drop=True)
    return base.assign(
        draw=np.tile(np.arange(n_draws), n),
        benefit_invitations_usd=b_inv.ravel(),
        benefit_rate_usd=b_rate.ravel(),
        cost_maintenance_usd=c_maint.ravel(),
        cost_loss_usd=c_loss.ravel(),
        net_usd=net.ravel(),
    )


def segment_verdicts(draws: pd.DataFrame, by: str = "rate_band") -> pd.DataFrame:
    """Per segment: mean net value per freelancer-year with a 90% interval over the
    draws, the probability it is positive, and a plain-words verdict.

    The segment's value in a draw is the mean over its freelancers; ``p_worth_it``
    is the share of draws where that is above 0. Verdict: "worth it" (p >= 0.8),
    "not worth it" (p <= 0.2), "unclear" otherwise, each with the probability.
    Why: one number per segment, with how sure it is, is what a freelancer asks.
    """
    seg = (
        draws.groupby([by, "draw"], observed=True)
        .agg(net_usd=("net_usd", "mean"), freelancers=("net_usd", "size"))
        .reset_index()
    )
    out = seg.groupby(by, observed=True).agg(
        freelancers=("freelancers", "first"),
        net_usd=("net_usd", "median"),
        net_low_usd=("net_usd", lambda s: s.quantile(0.05)),
        net_high_usd=("net_usd", lambda s: s.quantile(0.95)),
        p_worth_it=("net_usd", lambda s: float((s > 0).mean())),
    )
    p = out["p_worth_it"].to_numpy()
    words = np.where(p >= 0.8, "worth it", np.where(p <= 0.2, "not worth it", "unclear"))
    out["verdict"] = [
        f"{w_} (probability {q:.0%} that it pays)" for w_, q in zip(words, p, strict=True)
    ]
    return out.reset_index().rename(columns={by: "segment"}).assign(by=by)


def break_even(
    inputs: pd.DataFrame, effects: pd.DataFrame, weeks_per_year: float = 52.0
) -> pd.DataFrame:
    """The invitation lift at which a year with the badge breaks even, per freelancer.

    Solving net = 0 for ``L`` with the point estimates of the rate premium and
    maintenance hours: with ``k = 1 - p_loss * weeks_off / W``, ``a = inv0 * conv
    * value * W``, ``r = (R - 1) * rate * billed * W``, ``C = M * rate * W + forgone``:
    ``L* = 1 + (C / k - r) / a`` (inf when ``a = 0``). Returns `inputs`' id and
    segment columns with ``break_even_lift``. Why: "how big must the badge's effect
    be for me" is answerable without trusting the estimate itself.
    """
    by = effects.set_index("effect")

    def point(name: str, default: float) -> float:
        if name in by.index and np.isfinite(by.loc[name, "estimate"]):
            return float(by.loc[name, "estimate"])
        return default

    w = weeks_per_year
    rate = inputs["hourly_rate_usd"].to_numpy(dtype=np.float64)
    k = 1.0 - inputs["p_loss_per_year"].to_numpy() * inputs["weeks_off_after_loss"].to_numpy() / w
    a = (
        inputs["invitations_per_week"].to_numpy()
        * inputs["hires_per_application"].to_numpy()
        * inputs["contract_value_usd"].to_numpy()
        * w
    )
    r = (point("rate_premium", 1.0) - 1.0) * rate * inputs["billed_hours_per_week"].to_numpy() * w
    c = point("maintenance_hours", 0.0) * rate * w + inputs["forgone_usd_per_year"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        lift = np.where(a > 0, 1.0 + (c / np.where(k > 0, k, np.nan) - r) / a, np.inf)
    keep = [c_ for c_ in ("freelancer_id", "rate_band", "tenure_band", "category") if c_ in inputs]
    return inputs[keep].assign(break_even_lift=lift)


def sensitivity(
    inputs: pd.DataFrame, effects: pd.DataFrame, lifts: Any, by: str = "rate_band",
    weeks_per_year: float = 52.0,
) -> pd.DataFrame:  # fmt: skip
    """Mean net value per freelancer-year by segment for each assumed invitation lift
    in `lifts` (other effects at their point estimates): ``segment, lift, net_usd``.
    Why: shows how the verdict moves if the true lift is smaller or larger."""
    rows = []
    base = effects.set_index("effect")
    for lift in np.asarray(lifts, dtype=np.float64):
        eff = base.copy()
        eff.loc["invitation_lift", ["estimate", "ci_low", "ci_high", "unit"]] = [
            lift,
            lift,
            lift,
            "x",
        ]
        for name, unit, val in (
            ("rate_premium", "x", 1.0),
            ("maintenance_hours", "hours/week", 0.0),
        ):
            if name not in eff.index:
                eff.loc[name, ["estimate", "ci_low", "ci_high", "unit"]] = [val, val, val, unit]
            else:
                e = eff.loc[name, "estimate"]
                eff.loc[name, ["ci_low", "ci_high"]] = [e, e]
        d = net_value_draws(inputs, eff.reset_index(), 1, 0, weeks_per_year)
        rows.append(d.groupby(by, observed=True)["net_usd"].mean().rename("net_usd").reset_index()
                    .assign(lift=lift))  # fmt: skip
    out = pd.concat(rows, ignore_index=True).rename(columns={by: "segment"})
    return out[["segment", "lift", "net_usd"]]


__all__ = [
    "INPUT_COLUMNS",
    "VALUE_EFFECTS",
    "break_even",
    "effect_draws",
    "event_time_lift",
    "net_value_draws",
    "segment_verdicts",
    "sensitivity",
    "value_inputs",
]
