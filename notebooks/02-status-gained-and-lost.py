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

from IPython.display import display

from analysis.engine.jss import jss_grid
from analysis.engine.ruleset import load_rules
from analysis.engine.status import status_events, status_grid
from analysis.report import plots
from analysis.report.notebook import finding, open_inputs
from analysis.stories import mechanics, transitions

# %% tags=["parameters"]
history_path = None  # injected by `toprated report` (default: the bundled sample)
rules = "upwork-2025"
as_of = None
seed = 0

# %%
plots.set_theme()
source, history, rule_set = open_inputs(history_path, rules)
end = history.as_of if as_of is None else as_of
grid = jss_grid(history, rule_set, as_of=end)
status = status_grid(history, rule_set, as_of=end, jss=grid)
assert len(status) > 0, "no badge Sundays in this history"
events = status_events(status, rule_set)
churn = transitions.churn_dates(history, as_of=end)
spells = transitions.status_spells(status)
print(
    f"History: {source.name}, {len(history.freelancer_ids):,} freelancer(s), rules "
    f"{rule_set.name}, {status['week'].nunique():,} Sundays to {status['week'].max():%Y-%m-%d}; "
    f"{spells['freelancer_id'].nunique():,} freelancer(s) held the badge at some point, in "
    f"{len(spells):,} spell(s); {churn.notna().sum():,} freelancer(s) left (nothing seen in "
    f"the last {transitions.DEFAULT_CHURN_GAP_DAYS} days of the data)."
)

# %% [markdown]
# ## Gains and losses per month
#
# Each line counts the freelancers who gained or lost the badge in the month. A
# freelancer who stops working keeps the badge for a while and then loses it on
# the activity rule; those losses are counted apart ("lost after leaving": after
# the freelancer's last sign of life, when nothing follows it for 90 days).

# %%
monthly = transitions.monthly_changes(events, churn)
totals = monthly.groupby("change", observed=False)["freelancers"].sum()
if totals.sum() == 0:
    print("No freelancer gained or lost the badge in this history.")
else:
    losses = totals["lost"] + totals["lost after leaving"]
    _ = plots.monthly_changes_lines(
        monthly,
        title=f"{totals['gained']:,} gains, {losses:,} losses; "
        f"{totals['lost after leaving'] / max(losses, 1):.0%} of losses come after "
        f"the freelancer left",
    )

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
in_status = transitions.time_in_status(spells, churn)
if in_status.empty:
    print("No freelancer held the badge in this history, so there is no spell to follow.")
else:
    curve = transitions.km_curve(in_status)
    spell_median = transitions.km_median(in_status)
    ends = (
        f"Half of badge spells end within {transitions.median_text(*spell_median)}"
        if spell_median[0] == spell_median[0]
        else f"Over half of badge spells outlast the {in_status['duration_weeks'].max():.0f} "
        f"weeks observed"
    )
    _ = plots.km_plot(
        curve, title=ends, xlabel="Weeks with the badge", ylabel="Spells still running (%)"
    )

# %%
if not in_status.empty:
    why = in_status["censored_by"].value_counts()
    print(
        f"{len(in_status):,} spells: {why.get('lost', 0):,} ended in a loss, "
        f"{why.get('end of data', 0):,} were still running at the end of the data and "
        f"{why.get('churn', 0):,} were cut short by the freelancer leaving."
    )
    year = transitions.survival_at(curve, 52).dropna()
    if len(year):
        print(
            "Still holding the badge after 52 weeks: "
            + ", ".join(f"{g} {v:.0%}" for g, v in year.items())
            + "."
        )

# %% [markdown]
# ## How long until a lost badge comes back
#
# For every loss counted above (not the ones after leaving): the weeks until the
# next badge spell begins, censored at the end of the data or when the freelancer
# left. Losses are split by whether the JSS criterion failed on the Sunday the
# badge went: a JSS back above 90 still needs 13 good weeks out of 16, so those
# should take longer to repair than, say, a few weeks without activity.

# %%
regain = transitions.time_to_regain(spells, status, churn, events)
if regain.empty:
    print(
        "No freelancer lost the badge (while still active) in this history, "
        "so there is nothing to regain."
    )
else:
    regain_curve = transitions.km_curve(regain)
    regain_median = transitions.km_median(regain)
    title = (
        f"Half of lost badges come back within {regain_median[0]:.0f} weeks"
        if regain_median[0] == regain_median[0]
        else f"Fewer than half of lost badges come back within "
        f"{regain['duration_weeks'].max():.0f} weeks"
    )
    by_group = {
        group: transitions.km_median(rows)[0]
        for group, rows in regain.groupby("group", observed=True)
    }
    if len(by_group) > 1:
        title += "\n" + "; ".join(
            f"{group}: {'not reached' if m != m else f'{m:.0f} weeks'}"
            for group, m in by_group.items()
        )
    _ = plots.km_plot(
        regain_curve,
        title=title,
        xlabel="Weeks since the badge was lost",
        ylabel="Badges not yet regained (%)",
    )

# %%
if not regain.empty:
    for group, rows in regain.groupby("group", observed=True):
        print(
            f"{group}: {len(rows):,} losses, {rows['event'].sum():,} regained, median "
            f"{transitions.median_text(*transitions.km_median(rows))}."
        )

# %% [markdown]
# ## Week to week: the status transition matrix
#
# Each row is a status on one Sunday, each column the status the next Sunday;
# cells give the share of the row (colour on a log scale, so rare moves show).
# Rising Talent is for freelancers with no JSS yet; it ends when a JSS appears.

# %%
matrix = transitions.transition_matrix(status)
moves = matrix.groupby("from_status", observed=True)["moves"].sum()
if moves.sum() == 0:
    print("No freelancer has two consecutive Sundays in this history.")
else:
    held = matrix[matrix["from_status"].isin(mechanics.BADGE_STATUSES)]
    kept = held[held["to_status"].isin(mechanics.BADGE_STATUSES)]["moves"].sum()
    held_total = held["moves"].sum()
    title = (
        f"The badge is sticky: {kept / held_total:.1%} of badge weeks keep it next week"
        if held_total
        else "No freelancer held the badge: every move is below Top Rated"
    )
    _ = plots.transition_heatmap(matrix, title=title)

# %% [markdown]
# ## What fails when the badge is lost
#
# On the Sunday the badge goes, which criteria fail. One loss can list several.
# "Plus down to Top Rated" rows are freelancers who keep Top Rated but lose Plus.

# %%
reasons = transitions.loss_reasons(events, rule_set)
full_losses = reasons[reasons["kind"] == transitions.LOST_TOP_RATED]
top = full_losses.iloc[0] if len(full_losses) else None
if reasons.empty:
    print("No freelancer lost the badge in this history.")
else:
    title = (
        f"{top['reason']} is behind {top['share']:.0%} of badge losses"
        if top is not None
        else "No badge was lost outright; only Plus was"
    )
    _ = plots.loss_reason_bars(reasons, title=title)

# %% [markdown]
# A loss on the activity rule is often a freelancer who had stopped working (see
# the monthly chart). The losses of freelancers who were still working:

# %%
if top is not None:
    lost = transitions.badge_changes(events, churn)
    active_losses = lost[lost["change"] == "lost"]
    labels = transitions.reason_labels(rule_set)
    counts = mechanics.criteria_counts(active_losses["reasons"])
    if len(counts):
        print(
            f"{len(active_losses):,} losses by freelancers who were still working: "
            + ", ".join(
                f"{labels.get(k, k)} {v / len(active_losses):.0%}" for k, v in counts.items()
            )
            + "."
        )

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
if rule_set.badges.model == "upwork":
    upwork_rules, seed_rules = rule_set, load_rules("seed-article")
else:
    upwork_rules, seed_rules = load_rules("upwork-2025"), rule_set
names = (upwork_rules.name, seed_rules.name)
by_upwork = (
    status
    if upwork_rules is rule_set
    else status_grid(
        history, upwork_rules, as_of=end, jss=jss_grid(history, upwork_rules, as_of=end)
    )
)
by_seed = (
    status
    if seed_rules is rule_set
    else status_grid(history, seed_rules, as_of=end, jss=jss_grid(history, seed_rules, as_of=end))
)
compared = transitions.compare_rule_sets(
    by_upwork, by_seed, history, upwork_rules, seed_rules, churn
)
share = transitions.monthly_top_rated_share(compared, names)
if share.empty:
    print("No active freelancer-Sunday to compare.")
else:
    last = share[share["month"] == share["month"].max()].set_index("rules")["share"]
    _ = plots.rule_share_lines(
        share,
        title=f"In {share['month'].max():%b %Y}: {names[0]} badges {last[names[0]]:.0%} of "
        f"active freelancers, {names[1]} {last[names[1]]:.0%}",
    )

# %% [markdown]
# Who qualifies under each, over all active freelancer-Sundays (count and share):

# %%
if not share.empty:
    display(transitions.rule_set_crosstab(compared, names))

# %%
why = transitions.disagreement_reasons(compared, names)
if why.empty:
    print("The two rule sets agree on every active freelancer-Sunday.")
else:
    first = why.groupby("side").head(1)
    _ = plots.disagreement_bars(
        why,
        title="\n".join(
            f"{row['side'].capitalize()}: mostly {row['reason']} ({row['share']:.0%})"
            for _, row in first.iterrows()
        ),
    )

# %%
if not why.empty:
    sides = compared[compared["active"] & (compared["top_upwork"] != compared["top_seed"])]
    print(
        f"The rule sets disagree on {len(sides):,} active freelancer-Sundays: "
        f"{sides['top_upwork'].sum():,} badged only under {names[0]}, "
        f"{(~sides['top_upwork']).sum():,} only under {names[1]}."
    )
    for side, rows in why.groupby("side", sort=False):
        print(
            f"Badged {side}; the other rule set fails on: "
            + "; ".join(
                f"{r} ({v:.0%})" for r, v in zip(rows["reason"], rows["share"], strict=True)
            )
            + "."
        )

# %% [markdown]
# Where only the seed article's rules give the badge, Upwork's extra criteria
# hold it back; where only Upwork's rules give it, the article's job count or
# its feedback rule does (a mean public rating too low, one rating too low, or no
# rated contract in the last 12 months). Upwork's published criteria ask for no
# job count [S20-S23]; the "10 jobs" figure comes from the article alone [S32].

# %%
parts = []
if totals.sum() > 0:
    parts.append(f"{totals['gained']:,} badge gains and {losses:,} losses")
if not in_status.empty:
    parts.append(
        f"half of badge spells end within {spell_median[0]:.0f} weeks"
        if spell_median[0] == spell_median[0]
        else "more than half of badge spells outlast the data"
    )
if not regain.empty:
    parts.append(
        f"half of lost badges return within {regain_median[0]:.0f} weeks"
        if regain_median[0] == regain_median[0]
        else "fewer than half of lost badges return"
    )
if top is not None:
    parts.append(f"the commonest reason for a loss is {top['reason']} ({top['share']:.0%})")
if not share.empty:
    both = compared[compared["active"]]
    parts.append(
        f"the seed article's rules badge {both['top_seed'].mean():.0%} of active "
        f"freelancer-weeks against {both['top_upwork'].mean():.0%} under {names[0]}"
    )
text = "; ".join(parts) + "." if parts else "No freelancer held the badge in this history."
finding(text[0].upper() + text[1:])
