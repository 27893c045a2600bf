# %% [markdown]
# # My history: one freelancer's JSS, badge and headroom
#
# What a freelancer sees when they load their own Upwork export: the JSS on every
# evaluation date with each window behind it, the badge week by week, how many
# bad outcomes stand between them and losing it, and their earnings against the
# 12-month minimum. By default this runs on the demo history: the real-format
# sample export bundled with the project, with **made-up feedback** filled in by
# `python -m analysis.io.demo` (exports carry no ratings; see that module for the
# rules of the fill). Point it at your own with
# `toprated report my-history --only 08`.

# %%
from analysis.report import format as fmt
from analysis.report import plots
from analysis.report.notebook import finding, open_stage
from analysis.stories import freelancer as fl

# %% tags=["parameters"]
history_path = None  # injected by `toprated report`
rules = "upwork-2025"
as_of = None
seed = 0
my_history_path = None  # this report: a freelancer's own history folder
freelancer_id = None  # default: the freelancer with the most contracts

# %%
plots.set_theme()
stage = open_stage(
    fl.own_history_path(history_path, my_history_path), rules, seed=seed, as_of=as_of
)
who = fl.pick_freelancer(stage.history, freelancer_id)
jss, status = fl.own_timeline(stage, who)
threshold = stage.rules.badges.jss_min
print(
    f"History: {stage.source.name}, freelancer {who}, rules {stage.rules.name}, "
    f"{len(stage.history.select([who]).contracts)} contracts"
)

# %% [markdown]
# ## The JSS and the windows behind it
#
# Upwork computes four scores (24, 12 and 6 months, and Trending, the mean of the
# 6- and 3-month scores) and shows the highest [S4]. A window needs at least two
# counted contracts from two clients, so early on, and after quiet spells, some
# lines are missing. The dotted line is the Top Rated threshold.


# %%
last = jss.dropna(subset=["jss"]).tail(1)
_ = plots.jss_windows_timeline(
    fl.window_scores_long(jss),
    threshold=threshold,
    title=f"JSS now {int(last['jss'].iloc[0])}: the best window carries it"
    if len(last)
    else "No JSS yet: no 24-month window with 2 contracts from 2 clients",
)

# %%
fmt.show(fmt.readable(jss.tail(8), fl.grid_columns(stage.rules)))

# %% [markdown]
# ## The badge, week by week
#
# Top Rated needs every criterion on the Sunday *and* 13 good weeks out of the
# last 16, so the badge arrives weeks after the JSS crosses the threshold and can
# outlast a short dip.


# %%
_ = plots.badge_timeline(
    status, title=f"Top Rated (or Plus) in {fl.badge_weeks(status)} of {len(status)} weeks"
)

# %% [markdown]
# ## Headroom: how many bad outcomes until the badge is at risk
#
# At each of the last few JSS dates: the JSS, the fewest extra negative outcomes
# (weight 1, ending that day, from new clients) that would take it below the
# threshold, or below it the fewest positive ones to climb back; the good-week
# count and the earnings gap.


# %%
table = fl.headroom_table(stage.history, who, stage.rules, list(jss["eval_date"].tail(6)))
fmt.show(fmt.readable(table, fl.HEADROOM_COLUMNS))

# %% [markdown]
# ## Earnings against the 12-month minimum


# %%
minimum = stage.rules.badges.earnings_min_usd or 0.0
_ = plots.earnings_vs_minimum(
    status,
    minimum=minimum,
    title=f"Below the ${minimum:,.0f} minimum in {int((status['earnings_12m_usd'] < minimum).sum())} "
    f"of {len(status)} weeks",
)

# %% [markdown]
# ## Is it worth it for me?
#
# The net value of a year with the badge for this freelancer, from their own record
# (rate, billed hours, contract values, new work or invitations, the risk of losing
# the badge from their headroom) and the badge's effects, which no public data
# measures: by default the stated ranges of `src/analysis/estimate/worth.toml`, each
# with its sources (`toprated worth --effects` takes estimates instead). The chart
# shows the net value over the invitation lift (rows) and the weekly upkeep hours
# (columns), the rate premium at its central value: red cells lose money, blue ones
# pay. The same answer on the command line: `toprated worth HISTORY --freelancer ID`.

# %%
answer, grid, why = fl.own_worth(stage.history, who, stage.rules, seed=seed)
print(fl.worth_verdict(answer, why))
if answer is not None:
    _ = plots.worth_heatmap(grid, title=fl.worth_title(answer))

# %%
finding(fl.freelancer_finding(who, table, threshold))
