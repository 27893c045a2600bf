# %% [markdown]
# # Maintenance pressure: how close Top Rated freelancers live to losing the badge
#
# Keeping Top Rated means keeping the Job Success Score at 90 or more, week after
# week. This report measures what that costs: the *headroom* (the fewest extra bad
# outcomes that would take the JSS below 90) on every Top Rated week, the hours
# and jobs around gaining the badge, whether scores bunch just above 90, and what
# happens to freelancers after they lose it.

# %%
import numpy as np
from IPython.display import display

from analysis.report import plots
from analysis.report.notebook import finding, open_stage
from analysis.stories import pressure as pr

# %% tags=["parameters"]
history_path = None  # injected by `toprated report`
rules = "upwork-2025"
as_of = None
seed = 0

# %%
plots.set_theme()
stage = open_stage(history_path, rules, seed=seed, as_of=as_of)
history, rule_set, status, events = stage.history, stage.rules, stage.status, stage.events
threshold = rule_set.badges.jss_min
weekly = pr.weekly_headroom(status, stage.grid, rule_set)
top_weeks = int(weekly["is_top_rated"].sum())
print(
    f"History: {len(history.freelancer_ids):,} freelancers, {len(history.contracts):,} contracts, "
    f"{len(status):,} freelancer-weeks, {top_weeks:,} of them Top Rated (or Plus); rules {rule_set.name}"
)

# %% [markdown]
# ## Headroom: how many bad outcomes from the threshold
#
# For every freelancer and every JSS evaluation date the library adds k negative
# outcomes (weight 1, each from a new client, ending that day, so they are in every
# window) and finds the smallest k that takes the JSS below 90. It is the same
# question `toprated whatif` answers for one freelancer, computed for every cell of
# the grid at once (and checked against it). Each badge Sunday uses the JSS of the
# latest evaluation date on or before it. A real bad outcome weighs at least 1, so
# this is the most bad outcomes a freelancer can afford.

# %%
shares = pr.headroom_shares(weekly)
if shares["weeks"].sum() == 0:
    one_away = float("nan")
    print("No Top Rated week with a JSS in this history: nothing to measure.")
else:
    one_away = float(shares.loc[shares["headroom"] == "1", "share"].sum())
    _ = plots.headroom_bars(
        shares,
        title=f"{one_away:.0%} of Top Rated weeks are one bad outcome from JSS < {threshold:g}",
    )
    display(shares)

# %% [markdown]
# Why so thin? A JSS is a weighted share of good outcomes over few contracts. With
# twenty equally weighted positives one negative leaves 19/21 = 90.5% (still 90),
# a second 18/22 = 81.8%; with ten, the first negative already gives 9/11 = 81.8%.
# Most freelancers on the marketplace have a short record, so a single unhappy
# client is enough. (Losing the JSS is not losing the badge on the spot: Top Rated
# also needs 13 good weeks out of 16, so the badge goes a few weeks later unless
# the score recovers.)

# %%
by_quarter = pr.headroom_by_quarter(weekly)
if len(by_quarter) >= 2:
    recent = by_quarter[by_quarter["quarter"] == by_quarter["quarter"].max()]
    last_one = float(recent.loc[recent["band"] == "1", "share"].sum())
    _ = plots.headroom_over_time(
        by_quarter[by_quarter["weeks"] >= 20],
        title=f"The margin stays thin: {last_one:.0%} of Top Rated weeks one outcome away in the last quarter",
    )
else:
    print("Too few quarters with Top Rated weeks to show headroom over time.")

# %% [markdown]
# Quarters with fewer than 20 Top Rated weeks are left out (their shares are noise).

# %% [markdown]
# ## Hours and jobs before and after gaining the badge
#
# Event time 0 is each freelancer's first week as Top Rated; the lines are means
# over the freelancers active in that week, with a band of two standard errors.
# The activity table records `hours_worked` (all hours, paid or not); billed hours
# are hourly contracts' payments converted to hours at the contract's rate; the
# difference is *unbilled* hours: fixed-price work and anything else, such as the
# upkeep the badge demands. The step in unbilled hours at week 0 estimates the
# hours spent keeping the badge. Selectivity shows in hires per invitation and in
# the share of new contracts that turn out risky (flagged by the client or
# negative): a freelancer protecting a score turns away difficult clients.

# %%
activity = pr.weekly_activity(history)
gains = pr.first_events(events, "gain")
has_activity = len(activity) > 0 and len(gains) >= 5
if not has_activity:
    print(
        "No activity table, or fewer than 5 freelancers who gained Top Rated: "
        "hours and selectivity cannot be measured in this history."
    )
else:
    starts = pr.weekly_contract_starts(history, rule_set)
    panel = (
        activity.merge(starts, on=["freelancer_id", "week"], how="left")
        .fillna({"new_contracts": 0, "risky_contracts": 0})
        .assign(unbilled_hours=lambda d: d["hours_worked"] - d["billed_hours"])
    )
    cols = [
        "hours_worked",
        "billed_hours",
        "unbilled_hours",
        "invitations",
        "hires",
        "new_contracts",
        "risky_contracts",
        "earnings_usd",
    ]
    around_gain = pr.event_time_means(panel, gains, cols, weeks=26)
    change = pr.before_after(around_gain, weeks=13).set_index("variable")
    maint = change.loc["unbilled_hours", "change"]
    _ = plots.event_time_panels(
        around_gain,
        title=f"Gaining the badge adds {maint:.1f} unbilled hours a week",
        labels={
            "hours_worked": "Hours worked",
            "billed_hours": "Billed hours",
            "unbilled_hours": "Unbilled hours",
            "invitations": "Invitations",
            "hires": "Hires",
            "earnings_usd": "Earnings (USD)",
        },
    )

# %%
if has_activity:
    sel = change.T
    sel["hires_per_invitation"] = sel["hires"] / sel["invitations"]
    sel["risky_share"] = sel["risky_contracts"] / sel["new_contracts"]
    sel.loc["change"] = sel.loc["after"] - sel.loc["before"]
    display(
        sel.T.loc[
            [
                "hours_worked",
                "billed_hours",
                "unbilled_hours",
                "invitations",
                "hires",
                "hires_per_invitation",
                "new_contracts",
                "risky_share",
            ]
        ].round(3)
    )
    print(
        f"13 weeks before vs the first 13 weeks with the badge ({len(gains)} freelancers): "
        f"unbilled hours {change.loc['unbilled_hours', 'before']:.1f} -> "
        f"{change.loc['unbilled_hours', 'after']:.1f} a week"
    )

# %% [markdown]
# Reading the table: invitations jump with the badge and hires per invitation fall
# (more invitations than a freelancer can take, and some declined). Billed hours
# rise with the extra work, so the *unbilled* step, not the total, is the upkeep.
# Risky contracts are rare, so 13 weeks either side are too few to show
# selectivity; the next table pools every week of the freelancers who were ever
# Top Rated and compares weeks with the badge to weeks without, within JSS bands.

# %%
risky = pr.risky_share_by_status(pr.weekly_contract_starts(history, rule_set), weekly, rule_set)
pooled = risky[risky["jss_band"] == "all"].set_index("is_top_rated")["risky_share"]
if {True, False} <= set(pooled.index) and risky["new_contracts"].sum() >= 100:
    display(
        risky.pivot(index="jss_band", columns="is_top_rated", values="risky_share")
        .rename(columns={True: "Top Rated weeks", False: "other weeks"})
        .round(4)
    )
    print(
        f"Risky share of new contracts: {pooled[False]:.1%} in weeks without the badge, "
        f"{pooled[True]:.1%} with it ({pooled[True] / pooled[False]:.2f}x)"
    )
else:
    print("Too few contracts in weeks with and without the badge to compare risky shares.")

# %% [markdown]
# Fewer risky contracts while Top Rated, at every JSS level, is what declining
# difficult clients looks like in the data: the declined offers themselves are not
# recorded, only the contracts that were taken. The earnings from declined jobs are
# a cost of the badge that report 05 prices.

# %% [markdown]
# ## Do scores bunch just above 90?
#
# If freelancers work to stay at 90 (extra effort, declined risky jobs, refunds to
# avoid a bad review), weeks should pile up at 90-91 and thin out at 88-89. The
# chart counts freelancer-weeks at each JSS from 80 to 99 (100 is left out: most
# short records sit there and would flatten the chart).

# %%
hist = pr.jss_histogram(status["jss"], lo=80, hi=99)
if hist["count"].sum() < 50:
    print("Fewer than 50 weeks with a JSS between 80 and 99: too few to look for bunching.")
    ratio = float("nan")
else:
    ratio = pr.bunching_ratio(hist, int(threshold))
    verdict = "bunch" if ratio > 1.2 else "do not bunch"
    _ = plots.jss_bunching(
        hist,
        threshold=threshold,
        title=f"Scores {verdict} at {threshold:g}-{threshold + 1:g}: {ratio:.2f}x the neighbouring values",
    )

# %% [markdown]
# The ratio compares the mean count at 90-91 with the mean at 88-89 and 92-93; 1
# means no pile-up. Every 14 days the JSS is recomputed from outcomes that are
# mostly already fixed, so any bunching needs effort aimed at the threshold.

# %% [markdown]
# ## After a loss
#
# Around each freelancer's first loss of Top Rated: invitations, hours and earnings,
# and, within 26 weeks, how many win the badge back and how many leave the
# marketplace (no activity from 26 weeks after the loss on).

# %%
losses = pr.first_events(events, "loss")
fate = pr.after_loss(status, activity, losses, horizon=26)
if len(losses) < 5:
    print(f"Only {len(losses)} loss(es) of Top Rated in this history: too few to describe.")
else:
    print(
        f"{fate['losses']:.0f} first losses with 26 weeks of follow-up: "
        f"{fate['regained_share']:.0%} regained the badge within 26 weeks, "
        f"{fate['churned_share']:.0%} left the marketplace, "
        f"{fate['jss_below_share']:.0%} lost it with a JSS below {threshold:g}."
    )
    if has_activity:
        around_loss = pr.event_time_means(
            panel, losses, ["invitations", "hours_worked", "earnings_usd"], weeks=26
        )
        drop = pr.before_after(around_loss, weeks=13).set_index("variable")
        inv = drop.loc["invitations"]
        _ = plots.event_time_panels(
            around_loss,
            title=f"After a loss invitations fall from {inv['before']:.1f} to {inv['after']:.1f} a week",
            labels={
                "invitations": "Invitations",
                "hours_worked": "Hours worked",
                "earnings_usd": "Earnings (USD)",
            },
        )

# %% [markdown]
# Part of the fall after a loss is not caused by the loss: freelancers who lose the
# badge are often winding down already (fewer contracts, no activity), which is
# also why many never come back. The causal effect of the badge is estimated in
# report 03; this chart shows what a freelancer who loses it lives through.

# %%
parts = []
if not np.isnan(one_away):
    parts.append(
        f"{one_away:.0%} of Top Rated weeks are one bad outcome from a JSS below {threshold:g}"
    )
if has_activity:
    parts.append(f"gaining the badge comes with {maint:.1f} more unbilled hours a week")
if {True, False} <= set(pooled.index) and pooled[False] > 0:
    parts.append(f"risky contracts fall from {pooled[False]:.1%} to {pooled[True]:.1%} of new ones")
if not np.isnan(ratio):
    parts.append(
        f"scores {'bunch' if ratio > 1.2 else 'do not bunch'} just above {threshold:g} "
        f"(ratio {ratio:.2f})"
    )
if len(losses) >= 5:
    parts.append(f"after a loss {fate['regained_share']:.0%} regain it within 26 weeks")
text = "; ".join(parts)
finding(
    text[:1].upper() + text[1:] + "."
    if parts
    else "This history has no Top Rated weeks: there is no badge to maintain."
)
