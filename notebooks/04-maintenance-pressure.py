# %% [markdown]
# # Maintenance pressure: how close Top Rated freelancers live to losing the badge
#
# Keeping Top Rated means keeping the Job Success Score at 90 or more, week after
# week. This report measures what that costs: the *headroom* (the fewest extra bad
# outcomes that would take the JSS below 90) on every Top Rated week, the hours
# and jobs around gaining the badge, whether scores bunch just above 90, and what
# happens to freelancers after they lose it.

# %%
from analysis.report import format as fmt
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
threshold = stage.rules.badges.jss_min
weekly = pr.weekly_headroom(stage.status, stage.grid, stage.rules)
print(
    f"History: {len(stage.history.freelancer_ids):,} freelancers, "
    f"{len(stage.history.contracts):,} contracts, {len(stage.status):,} freelancer-weeks, "
    f"{int(weekly['is_top_rated'].sum()):,} of them Top Rated (or Plus); rules {stage.rules.name}"
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
one_away, title = pr.headroom_title(shares, threshold)
if title is None:
    print("No Top Rated week with a JSS in this history: nothing to measure.")
else:
    _ = plots.headroom_bars(shares, title=title, threshold=threshold)
    fmt.show(fmt.readable(shares, pr.SHARE_COLUMNS))

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
    _ = plots.headroom_over_time(
        by_quarter[by_quarter["weeks"] >= 20], title=pr.quarter_title(by_quarter)
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
up = pr.upkeep(stage.history, stage.events, stage.rules)
if up is None:
    print(
        f"No activity table, or fewer than {pr.MIN_EVENTS} freelancers who gained Top Rated: "
        "hours and selectivity cannot be measured in this history."
    )
else:
    _ = plots.event_time_panels(
        up.means,
        title=f"Gaining the badge adds {up.unbilled_hours:.1f} unbilled hours a week",
        labels=up.labels(),
    )
    fmt.show(fmt.readable(pr.selectivity_table(up), pr.SELECTIVITY_COLUMNS))

# %% [markdown]
# Reading the table: invitations jump with the badge and hires per invitation fall
# (more invitations than a freelancer can take, and some declined). Billed hours
# rise with the extra work, so the *unbilled* step, not the total, is the upkeep.
# Risky contracts are rare, so 13 weeks either side are too few to show
# selectivity; the next table pools every week of the freelancers who were ever
# Top Rated and compares weeks with the badge to weeks without, within JSS bands.


# %%
risky = pr.risky_share_by_status(pr.weekly_contract_starts(stage.history, stage.rules), weekly,
                                 stage.rules)  # fmt: skip
pooled = pr.risky_comparison(risky)
if pooled is None:
    print("Too few contracts in weeks with and without the badge to compare risky shares.")
else:
    fmt.show(fmt.readable(pr.risky_table(risky), pr.RISKY_COLUMNS))
    print(f"Risky share of new contracts: {pooled[False]:.1%} in weeks without the badge, "
          f"{pooled[True]:.1%} with it")  # fmt: skip

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
hist = pr.jss_histogram(stage.status["jss"], lo=80, hi=99)
ratio = pr.bunching_ratio(hist, int(threshold)) if hist["count"].sum() >= 50 else float("nan")
if ratio != ratio:
    print("Fewer than 50 weeks with a JSS between 80 and 99: too few to look for bunching.")
else:
    _ = plots.jss_bunching(
        hist,
        threshold=threshold,
        title=f"Scores {'bunch' if ratio > 1.2 else 'do not bunch'} at {threshold:g}-"
        f"{threshold + 1:g}: {ratio:.2f}x the neighbouring values",
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
losses = pr.first_events(stage.events, "loss")
fate = None
if len(losses) < pr.MIN_EVENTS:
    print(f"Only {len(losses)} loss(es) of Top Rated in this history: too few to describe.")
else:
    fate = pr.after_loss(stage.status, pr.weekly_activity(stage.history), losses, horizon=26)
    print(pr.after_loss_line(fate, threshold))
if fate is not None and up is not None:
    around = pr.event_time_means(up.panel, losses, [c for c in pr.AROUND_LOSS if c in up.panel])
    inv = pr.before_after(around, weeks=13).set_index("variable").loc["invitations"]
    _ = plots.event_time_panels(
        around,
        title=f"After a loss invitations fall from {inv['before']:.1f} to {inv['after']:.1f} a week",
        labels=pr.AROUND_LOSS,
    )

# %% [markdown]
# Part of the fall after a loss is not caused by the loss: freelancers who lose the
# badge are often winding down already (fewer contracts, no activity), which is
# also why many never come back. The causal effect of the badge is estimated in
# report 03; this chart shows what a freelancer who loses it lives through.


# %%
finding(pr.pressure_finding(one_away, up, pooled, ratio, fate, threshold))
