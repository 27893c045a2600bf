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
import pandas as pd
from IPython.display import display

from analysis.engine.ruleset import load_rules
from analysis.io.load import read_history
from analysis.report import plots
from analysis.report.notebook import finding
from analysis.stories.freelancer import (
    freelancer_timeline,
    headroom_table,
    own_history_path,
    pick_freelancer,
    window_scores_long,
)

# %% tags=["parameters"]
history_path = None  # injected by `toprated report`
rules = "upwork-2025"
as_of = None
seed = 0
my_history_path = None  # this report: a freelancer's own history folder
freelancer_id = None  # default: the freelancer with the most contracts

# %%
plots.set_theme()
source = own_history_path(history_path, my_history_path)
history = read_history(source)
rule_set = load_rules(rules)
who = pick_freelancer(history, freelancer_id)
assert who in set(history.contracts["freelancer_id"]), f"{who} is not in {source}"
jss, status = freelancer_timeline(history, who, rule_set, as_of=as_of)
assert len(status) > 0, "no badge Sundays in this history"
threshold = rule_set.badges.jss_min
print(
    f"History: {source.name}, freelancer {who}, rules {rule_set.name}, "
    f"{len(history.select([who]).contracts)} contracts"
)

# %% [markdown]
# ## The JSS and the windows behind it
#
# Upwork computes four scores (24, 12 and 6 months, and Trending, the mean of the
# 6- and 3-month scores) and shows the highest [S4]. A window needs at least two
# counted contracts from two clients, so early on, and after quiet spells, some
# lines are missing. The dotted line is the Top Rated threshold.

# %%
scores = window_scores_long(jss)
last = jss.dropna(subset=["jss"]).tail(1)
latest = None if last.empty else int(last["jss"].iloc[0])
title = (
    f"JSS now {latest}: the best window carries it"
    if latest is not None
    else "No JSS yet: no 24-month window with 2 contracts from 2 clients"
)
_ = plots.jss_windows_timeline(scores, threshold=threshold, title=title)

# %%
display(jss.tail(8).reset_index(drop=True))

# %% [markdown]
# ## The badge, week by week
#
# Top Rated needs every criterion on the Sunday *and* 13 good weeks out of the
# last 16, so the badge arrives weeks after the JSS crosses the threshold and can
# outlast a short dip.

# %%
weeks_top = int(status["status"].isin(["top_rated", "top_rated_plus"]).sum())
_ = plots.badge_timeline(status, title=f"Top Rated (or Plus) in {weeks_top} of {len(status)} weeks")

# %% [markdown]
# ## Headroom: how many bad outcomes until the badge is at risk
#
# At each of the last few JSS dates: the JSS, the fewest extra negative outcomes
# (weight 1, ending that day, from new clients) that would take it below the
# threshold, or below it the fewest positive ones to climb back; the good-week
# count and the earnings gap.

# %%
dates = list(jss["eval_date"].tail(6))
table = headroom_table(history, who, rule_set, dates)
display(table)

# %% [markdown]
# ## Earnings against the 12-month minimum

# %%
minimum = rule_set.badges.earnings_min_usd or 0.0
short_weeks = int((status["earnings_12m_usd"] < minimum).sum())
_ = plots.earnings_vs_minimum(
    status,
    minimum=minimum,
    title=f"Below the ${minimum:,.0f} minimum in {short_weeks} of {len(status)} weeks",
)

# %%
now = table.iloc[-1]
if now["jss"] is pd.NA or pd.isna(now["jss"]):
    text = (
        f"Freelancer {who} has no JSS yet on {now['date']}; "
        f"{now['positives_to_reach']} positive outcome(s) would give one of at least {threshold:g}."
    )
elif now["jss"] >= threshold:
    text = (
        f"Freelancer {who}: JSS {now['jss']} on {now['date']}, status "
        f"{str(now['status']).replace('_', ' ')}; {now['negatives_to_drop_below']} more bad "
        f"outcome(s) would take it below {threshold:g}."
    )
else:
    text = (
        f"Freelancer {who}: JSS {now['jss']} on {now['date']}, below {threshold:g}; "
        f"{now['positives_to_reach']} positive outcome(s) would lift it back."
    )
finding(text)
