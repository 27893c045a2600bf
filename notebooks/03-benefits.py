# %% [markdown]
# # What the badge brings: invitations, profile views, hires and rates
#
# The naive comparison (weeks with the Top Rated badge against all other weeks)
# beside a within-freelancer event study around gaining and around losing the
# badge: Poisson models with freelancer and calendar-week fixed effects, JSS,
# recent-earnings and tenure controls, never- and not-yet-treated freelancers as
# the comparison, standard errors clustered by freelancer (`analysis.estimate.effects`).
# To run in seconds, the models here keep at most `max_controls` never-badged
# comparison freelancers (a seeded random draw) and the event-time chart groups
# weeks in 4-week bins (`analysis.estimate.value.event_time_lift`); the full fit is
# `toprated effects`. On the bundled sample (a simulated marketplace) the planted
# truth from `truth.json` is shown beside each estimate.

# %%

import numpy as np
import pandas as pd
from IPython.display import display

from analysis.engine.status import status_grid
from analysis.estimate import value
from analysis.estimate.effects import (
    contract_rates,
    naive_lift,
    rate_premium,
    read_truth,
    score,
    weekly_panel,
)
from analysis.report import plots
from analysis.report.notebook import finding, open_inputs
from analysis.stories import faq

# %% tags=["parameters"]
history_path = None  # injected by `toprated report` (default: the bundled sample)
rules = "upwork-2025"
as_of = None
seed = 0
max_controls = 100  # never-badged comparison freelancers kept in the model fits

# %%
plots.set_theme()
source, history, rule_set = open_inputs(history_path, rules)
end = history.as_of if as_of is None else as_of
truth = read_truth(source)
planted = (truth or {}).get("realised", {}) or {}
activity = faq.has_activity(history)
panel = None
if activity:
    status = status_grid(history, rule_set, as_of=end)
    panel = weekly_panel(history, rule_set, status=status)
    assert panel["top_rated"].any(), "no Top Rated weeks in this history"
print(
    f"History: {source.name}, {len(history.freelancer_ids):,} freelancer(s), rules {rule_set.name}. "
    + (f"{len(panel):,} freelancer-weeks, {panel['cohort_week'].notna().groupby(panel['freelancer_id']).any().sum():,} "
       "freelancers ever Top Rated." if activity else
       "No activity.csv with weekly invitations: the badge's effects need activity.csv, "
       "so nothing below can be estimated on this history.")
    + (" Simulated, with planted truth (truth.json)." if truth else "")
)  # fmt: skip

# %% [markdown]
# ## Naive comparison against the event study
#
# The naive number divides mean weekly invitations in Top Rated weeks by the mean
# in every other week. The event-study number compares each freelancer with
# themselves before and after the badge appears (or disappears), against
# freelancers whose badge has not appeared (yet) in the same calendar week,
# holding the JSS, recent earnings and tenure fixed. Hires are modelled per
# application (invitations, proposals and track record as exposure); the rate
# premium is the within-freelancer change in the hourly rate of new contracts.

# %%
if activity:
    kw = {"max_controls": max_controls, "seed": seed}
    rows = [
        naive_lift(panel, "invitations"),
        faq.badge_lift(panel, "invitations", **kw),
        faq.badge_lift(panel, "invitations", "loss", **kw),
        rate_premium(contract_rates(history, panel)),
    ]
    if np.isfinite(panel["profile_views"].to_numpy()).any():
        rows += [naive_lift(panel, "profile_views"), faq.badge_lift(panel, "profile_views", **kw)]
    if (
        np.isfinite(panel["hires"].to_numpy()).any()
        and np.isfinite(panel["proposals"].to_numpy()).any()
    ):
        exposure = ("invitations", "proposals", "jobs_before")
        rows.append(faq.badge_lift(panel, "hires", exposure=exposure, **kw))
    estimates = score(pd.concat(rows, ignore_index=True), truth)
    labels = {
        "invitation_lift_naive": "invitations, naive",
        "invitation_lift": "invitations, around gains",
        "invitation_lift_losses": "invitations, around losses",
        "profile_views_lift_naive": "profile views, naive",
        "profile_view_lift": "profile views, around gains",
        "hire_rate_lift": "hires per application",
        "rate_premium": "hourly rate of new contracts",
    }
    estimates = estimates.assign(label=estimates["effect"].map(labels))
    if "profile_views_lift_naive" in set(estimates["effect"]):
        estimates.loc[estimates["effect"] == "profile_views_lift_naive", "truth"] = planted.get(
            "profile_view_lift", np.nan)  # fmt: skip
    shown = estimates.dropna(subset=["estimate"])
    naive = estimates.set_index("effect").loc["invitation_lift_naive"]
    causal = estimates.set_index("effect").loc["invitation_lift"]
    _ = plots.lift_intervals(
        shown,
        title=f"Naive: {naive['estimate']:.2f}x more invitations; within-freelancer: "
        f"{causal['estimate']:.2f}x",
    )
    display(
        estimates[["label", "estimate", "ci_low", "ci_high", "truth", "covered", "n_obs", "note"]]
        .round(3)
        .reset_index(drop=True)
    )
    missed = estimates[estimates["covered"].eq(False).fillna(False)]
    if truth:
        print(
            "Intervals that miss the planted truth: "
            + (", ".join(missed["label"]) if len(missed) else "none")
            + ". (Hires per application counts accepted hires: offers a Top Rated freelancer "
            "turns down and invitations left unanswered lower it; see "
            "analysis.estimate.effects.hire_rate_lift.)"
        )
else:
    print("Not estimated: the effects need activity.csv with weekly invitations.")

# %% [markdown]
# ### Why the naive number misleads
#
# The badge is not handed out at random. Freelancers who are better at their
# work get better feedback, so a higher JSS, more earnings and more invitations
# *and* the badge: quality drives both, and the Top-Rated-versus-the-rest ratio
# credits the badge with the whole gap between good and average freelancers.
# Timing adds to it: the badge needs a JSS of 90 or more on 13 of the last 16
# Sundays, so the JSS (which clients see on its own) rises weeks *before* the
# badge appears, and invitations rise with it. The chart shows both, raw means
# around the first week with the badge: the JSS is already high before week 0.
# The event study removes the first part with freelancer fixed effects and the
# second with the JSS controls; the planted truth, where there is one, says how
# well that works.

# %%
if activity:
    means = faq.event_time_means(panel, ("jss", "invitations"))
    pre = means[(means["variable"] == "jss") & (means["event_time"].between(-12, -1))]
    _ = plots.event_time_panels(
        means,
        labels={"jss": "JSS shown (%)", "invitations": "Invitations per week"},
        title=f"The JSS is already {pre['mean'].mean():.0f} on average in the 12 weeks "
        "before the badge appears",
    )

# %% [markdown]
# ## Event time: invitations around gaining and losing the badge
#
# Each point is the multiplicative change in weekly invitations in a 4-week bin
# against the 4 weeks just before the event (1 by construction), with the 95%
# band; the dashed line is the planted lift (its inverse after a loss). Flat
# points before week 0 mean the comparison group tracks the badge holders before
# the badge; the jump at week 0 is the badge.

# %%
if activity:
    coefs = pd.concat(
        [
            value.event_time_lift(
                panel, "invitations", ev, max_controls=max_controls, seed=seed
            ).assign(event=label)
            for ev, label in (("gain", "around the first gain"), ("loss", "around the first loss"))
        ],
        ignore_index=True,
    )
    after_gain = coefs[(coefs["event"] == "around the first gain") & (coefs["event_time"] >= 0)]
    after_loss = coefs[(coefs["event"] == "around the first loss") & (coefs["event_time"] >= 0)]
    if len(after_gain) and len(after_loss):
        title = (
            f"Invitations {after_gain['estimate'].mean():.2f}x after a gain, "
            f"{after_loss['estimate'].mean():.2f}x after a loss (mean of post-event bins)"
        )
        _ = plots.event_time_effects(coefs, title=title, truth=planted.get("invitation_lift"))
        display(coefs.round(3))
    else:
        print("Too few gains or losses of the badge for an event-time chart.")

# %%
if activity:

    def _fmt(r):
        t = "" if not np.isfinite(r["truth"]) else f" (planted {r['truth']:.2f}x)"
        return f"{r['estimate']:.2f}x [{r['ci_low']:.2f}, {r['ci_high']:.2f}]{t}"

    by = estimates.set_index("effect")
    text = (
        f"Top Rated weeks have {_fmt(by.loc['invitation_lift_naive'])} the invitations of other "
        f"weeks, but within freelancers the badge itself brings {_fmt(by.loc['invitation_lift'])}; "
        f"profile views {_fmt(by.loc['profile_view_lift'])}, hourly rate of new contracts "
        f"{_fmt(by.loc['rate_premium'])}."
        if "profile_view_lift" in by.index
        else f"Top Rated weeks have {_fmt(by.loc['invitation_lift_naive'])} the invitations of "
        f"other weeks, but within freelancers the badge brings {_fmt(by.loc['invitation_lift'])}."
    )
else:
    text = (
        "No effects estimated: this history has no activity.csv with weekly invitations, "
        "which the badge's effects need."
    )
finding(text)
