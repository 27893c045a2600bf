# %% [markdown]
# # Status gained and lost: how long Top Rated lasts, and what ends it
#
# The Top Rated badge is re-checked every Sunday: JSS of at least 90, 13 good weeks
# of the last 16, $1,000 of earnings in 12 months, 90 days of tenure, a complete
# profile, good standing and activity in the last 90 days [S20-S24]. This report
# follows the badge week by week on the history: how many freelancers gain and
# lose it each month, how long it lasts (Kaplan-Meier curves), how long it takes
# to come back, how statuses move from one week to the next, which criterion
# fails when it is lost, and how the `upwork-2025` rules compare with the seed
# article's simpler claims (JSS 90+, 10 completed jobs, high feedback, good
# standing [S32]). "The badge" means Top Rated or Top Rated Plus.

# %%
from analysis.report import format as fmt
from analysis.report import plots
from analysis.report.notebook import finding, open_stage
from analysis.stories import transitions as tr

# %% tags=["parameters"]
history_path = None  # injected by `toprated report` (default: the bundled sample)
rules = "upwork-2025"
as_of = None
seed = 0

# %%
plots.set_theme()
stage = open_stage(history_path, rules, seed=seed, as_of=as_of)
life = tr.badges(stage)
print(
    f"History: {stage.source.name}, {len(stage.history.freelancer_ids):,} freelancer(s), rules "
    f"{stage.rules.name}, {stage.status['week'].nunique():,} Sundays; "
    f"{life.spells['freelancer_id'].nunique():,} freelancer(s) held the badge at some point, in "
    f"{len(life.spells):,} spell(s); {life.churn.notna().sum():,} freelancer(s) left (nothing "
    f"seen in the last {tr.DEFAULT_CHURN_GAP_DAYS} days of the data)."
)

# %% [markdown]
# ## Gains and losses per month
#
# Each line counts the freelancers who gained or lost the badge in the month. A
# freelancer who stops working keeps the badge for a while and then loses it on
# the activity rule; those losses are counted apart ("lost after leaving": after
# the freelancer's last sign of life, when nothing follows it for 90 days).


# %%
monthly = tr.monthly_changes(stage.events, life.churn)
title = tr.changes_title(monthly)
if title is None:
    print("No freelancer gained or lost the badge in this history.")
else:
    _ = plots.monthly_changes_lines(monthly, title=title)

# %% [markdown]
# ## How long the badge lasts
#
# A Kaplan-Meier curve gives the share of badge spells still running after a
# number of weeks. Spells still running at the end of the data are *censored*
# (we know they lasted at least that long), and so are the spells of freelancers
# who left: losing the badge after leaving says nothing about how hard it is to
# keep. The shaded bands are pointwise 95% confidence intervals. The first spell
# is compared with the spells of freelancers who lost the badge and won it back.


# %%
in_status = tr.time_in_status(life.spells, life.churn)
if in_status.empty:
    print("No freelancer held the badge in this history, so there is no spell to follow.")
else:
    curve = tr.km_curve(in_status)
    _ = plots.km_plot(
        curve, title=tr.spells_title(in_status), xlabel="Weeks with the badge",
        ylabel="Spells still running (%)",
    )  # fmt: skip
    print(tr.spells_lines(in_status, curve))

# %% [markdown]
# ## How long until a lost badge comes back
#
# For every loss counted above (not the ones after leaving): the weeks until the
# next badge spell begins, censored at the end of the data or when the freelancer
# left. Losses are split by whether the JSS criterion failed on the Sunday the
# badge went: a JSS back above 90 still needs 13 good weeks out of 16, so those
# should take longer to repair than, say, a few weeks without activity.


# %%
if life.regain.empty:
    print("No freelancer lost the badge (while still active) in this history, so there is "
          "nothing to regain.")  # fmt: skip
else:
    _ = plots.km_plot(
        tr.km_curve(life.regain), title=tr.regain_title(life.regain),
        xlabel="Weeks since the badge was lost", ylabel="Badges not yet regained (%)",
    )  # fmt: skip
    print(tr.regain_lines(life.regain))

# %% [markdown]
# ## Week to week: the status transition matrix
#
# Each row is a status on one Sunday, each column the status the next Sunday;
# cells give the share of the row (colour on a log scale, so rare moves show).
# Rising Talent is for freelancers with no JSS yet; it ends when a JSS appears.


# %%
matrix = tr.transition_matrix(stage.status)
title = tr.sticky_title(matrix)
if title is None:
    print("No freelancer has two consecutive Sundays in this history.")
else:
    _ = plots.transition_heatmap(matrix, title=title)

# %% [markdown]
# ## What fails when the badge is lost
#
# On the Sunday the badge goes, which criteria fail. One loss can list several.
# "Plus down to Top Rated" rows are freelancers who keep Top Rated but lose Plus.


# %%
reasons = tr.loss_reasons(stage.events, stage.rules)
if reasons.empty:
    print("No freelancer lost the badge in this history.")
else:
    _ = plots.loss_reason_bars(reasons, title=tr.loss_title(reasons))

# %% [markdown]
# A loss on the activity rule is often a freelancer who had stopped working (see
# the monthly chart). The losses of freelancers who were still working:


# %%
print(tr.active_losses_line(stage.events, life.churn, stage.rules))

# %% [markdown]
# ## Two rule sets side by side
#
# The seed article says Top Rated needs a JSS of 90, at least 10 completed jobs,
# consistently high feedback and good standing [S32]. Upwork's own criteria have
# no job count [S20-S23] but add earnings, tenure, a complete profile, activity
# and the 13-of-16 good weeks. Both are computed on the same history and the same
# JSS; the share is over active freelancers (first contract started, not yet
# left).


# %%
share = tr.monthly_top_rated_share(life.compared, life.names)
if share.empty:
    print("No active freelancer-Sunday to compare.")
else:
    _ = plots.rule_share_lines(share, title=tr.rule_share_title(share, life.names))

# %% [markdown]
# Who qualifies under each, over all active freelancer-Sundays (count and share):


# %%
if not share.empty:
    fmt.show(tr.rule_set_crosstab(life.compared, life.names).reset_index())

# %%
why = tr.disagreement_reasons(life.compared, life.names)
if why.empty:
    print("The two rule sets agree on every active freelancer-Sunday.")
else:
    _ = plots.disagreement_bars(why, title=tr.disagreement_title(why))
    print(tr.disagreement_lines(life.compared, why, life.names))

# %% [markdown]
# Where only the seed article's rules give the badge, Upwork's extra criteria
# hold it back; where only Upwork's rules give it, the article's job count or
# its feedback rule does (a mean public rating too low, one rating too low, or no
# rated contract in the last 12 months). Upwork's published criteria ask for no
# job count [S20-S23]; the "10 jobs" figure comes from the article alone [S32].


# %% [markdown]
# ## The rules as read against the badge the marketplace showed
#
# Where activity.csv records the badge the marketplace displayed each week
# (`status_shown`), the engine's reconstruction (the status on the Sunday before
# the week, under the rules above) can be checked against it: a low agreement says
# the marketplace awards badges by other rules than the ones read here. The effect
# estimates use the shown badge as the treatment wherever it is recorded.

# %%
agreement = tr.shown_agreement(stage.panel)
print(tr.agreement_line(agreement))
if len(agreement):
    fmt.show(agreement.round(3))

# %%
finding(tr.gained_lost_finding(life, monthly, in_status, reasons))
