# %% [markdown]
# # What the badge brings: invitations, profile views, hires and rates
#
# The naive comparison (weeks with the Top Rated badge against all other weeks)
# beside a within-freelancer event study around gaining and around losing the
# badge: Poisson models with freelancer and calendar-week fixed effects, JSS,
# recent-earnings and tenure controls, never- and not-yet-treated freelancers as
# the comparison, standard errors clustered by freelancer (`analysis.estimate.effects`).
# The estimates come from the computed stage (`analysis.report.stage`): fitted once
# per history with one setting (at most `MAX_CONTROLS` never-badged comparison
# freelancers, a draw seeded by `seed`), so reports 03, 05 and 07 quote the same
# numbers; the event-time chart groups weeks in 4-week bins
# (`analysis.estimate.value.event_time_lift`); the full fit is `toprated effects`. On the bundled sample (a simulated marketplace) the planted
# truth from `truth.json` is shown beside each estimate.

# %%
from analysis.report import format as fmt
from analysis.report import plots
from analysis.report.notebook import finding, open_stage
from analysis.stories import benefits, faq, method

# %% tags=["parameters"]
history_path = None  # injected by `toprated report` (default: the bundled sample)
rules = "upwork-2025"
as_of = None
seed = 0

# %%
plots.set_theme()
stage = open_stage(history_path, rules, seed=seed, as_of=as_of)
why = benefits.unanswerable(stage)
print(
    f"History: {stage.source.name}, {len(stage.history.freelancer_ids):,} freelancer(s), "
    f"rules {stage.rules.name}."
    + (f" Nothing below can be estimated: {why}." if why else "")
    + (" Simulated, with planted truth (truth.json)." if stage.truth else "")
)

# %% [markdown]
# ## Naive comparison against the event study
#
# The naive number divides mean weekly invitations in Top Rated weeks by the mean
# in every other week. The event-study number compares each freelancer with
# themselves before and after the badge appears (or disappears), against
# freelancers whose badge has not appeared (yet) in the same calendar week,
# holding the JSS, recent earnings and tenure fixed. Hires are modelled per
# application (invitations, proposals and track record as exposure) and per week
# (the total effect: weeks in the same state of workload, track record and recent
# hires; both leave out the 12 weeks before each gain, the run of work that earned
# the badge); the rate premium is the within-freelancer change in the hourly rate
# of new contracts.
# A row the data cannot give says "not estimated" and why.

# %%
shown = benefits.effects_shown(stage)
if len(shown):
    by = stage.effects.set_index("effect")
    _ = plots.lift_intervals(
        shown,
        title=f"Naive: {benefits.lift_text(by.loc['invitation_lift_naive'], truth=False)} more "
        f"invitations; within-freelancer: {benefits.lift_text(by.loc['invitation_lift'], truth=False)}",
    )
fmt.show(fmt.effects_table(stage.effects, benefits.EFFECT_LABELS))
if stage.truth:
    missed = benefits.missed_truth(stage)
    print(
        "Intervals that miss the planted truth: " + (", ".join(missed) if missed else "none")
        + ". (Hires per application counts accepted hires: offers a Top Rated freelancer "
        "turns down and invitations left unanswered lower it; see "
        "analysis.estimate.effects.hire_rate_lift.)"
    )  # fmt: skip

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
means = faq.event_time_means(stage.panel, ("jss", "invitations")) if not why else None
if means is not None and len(means):
    _ = plots.event_time_panels(
        means,
        labels={"jss": "JSS shown (%)", "invitations": "Invitations per week"},
        title=f"The JSS is already {faq.mean_before(means, 'jss'):.0f} on average in the 12 "
        "weeks before the badge appears",
    )
else:
    print(f"No chart: {why or 'no freelancer gained the badge'}.")

# %% [markdown]
# ## Event time: invitations around gaining and losing the badge
#
# Each point is the multiplicative change in weekly invitations in a 4-week bin
# against the 4 weeks just before the event (1 by construction), with the 95%
# band; the dashed line is the planted lift (its inverse after a loss). Flat
# points before week 0 mean the comparison group tracks the badge holders before
# the badge; the jump at week 0 is the badge.

# %%
after = benefits.after_event_means(stage.event_time)
if {"gain", "loss"} <= set(after):
    _ = plots.event_time_effects(
        benefits.event_time_panels(stage),
        title=f"Invitations {after['gain']:.2f}x after a gain, {after['loss']:.2f}x after a "
        "loss (mean of post-event bins)",
        truth=stage.planted.get("invitation_lift"),
    )
else:
    print(f"No event-time chart: {why or 'too few gains or losses of the badge'}.")

# %% [markdown]
# ## Where these estimates hold

# %%
print(method.CAVEAT)

# %%
finding(benefits.benefits_finding(stage))
