# %% [markdown]
# # JSS mechanics: how the score is built, and why one bad job hurts
#
# The Job Success Score (JSS) is computed from the outcomes of a freelancer's
# contracts, `100 * (positive - negative) / all`, each contract weighted by its
# size and length [S1, S11]. Upwork computes it over four windows (24, 12 and 6
# months, and Trending, the mean of the 6- and 3-month scores) and shows the
# highest [S4]. This report shows how that plays out on the history: which scores
# freelancers have, which window is shown, what one bad contract does to a strong
# record (the forum question "how can one bad job drop me 11 points?"), and why
# the Top Rated badge lags behind the score ("stuck at 12/16"). The rules are the
# rule set named below (`upwork-2025` by default, see
# `../shared/spec/rules-upwork-2025.md`).

# %%

from IPython.display import display

from analysis.report import plots
from analysis.report.notebook import finding, open_stage
from analysis.stories import mechanics

# %% tags=["parameters"]
history_path = None  # injected by `toprated report` (default: the bundled sample)
rules = "upwork-2025"
as_of = None
seed = 0

# %%
plots.set_theme()
stage = open_stage(history_path, rules, seed=seed, as_of=as_of)
source, history, rule_set = stage.source, stage.history, stage.rules
threshold = rule_set.badges.jss_min
grid, status = stage.grid, stage.status
scores = mechanics.jss_distribution(grid)
latest = scores[scores["scope"] == "latest per freelancer"]
print(
    f"History: {source.name}, {len(history.contracts):,} contracts, "
    f"{len(history.freelancer_ids):,} freelancer(s), rules {rule_set.name}; "
    f"{len(latest):,} freelancer(s) with a JSS on at least one of "
    f"{grid['eval_date'].nunique():,} evaluation dates."
)

# %% [markdown]
# ## Which scores freelancers have
#
# A freelancer has a JSS once the 24-month window holds at least two counted
# contracts from two clients [S3]. The histogram shows the JSS on every evaluation
# date (every two weeks [S2]) and each freelancer's latest score. The dotted line is
# the Top Rated threshold.

# %%
if latest.empty:
    print(
        "No freelancer in this history has a JSS yet: no 24-month window holds "
        "two counted contracts from two clients."
    )
else:
    _ = plots.jss_histogram(
        scores,
        threshold=threshold,
        title=f"Median latest JSS {latest['jss'].median():.0f}; "
        f"{mechanics.share(latest['jss'] >= threshold):.0%} of freelancers "
        f"at {threshold:g} or more",
    )

# %%
if not latest.empty:
    print(
        f"{mechanics.share(latest['jss'] == 100):.0%} of freelancers' latest JSS is a "
        f"perfect 100; {mechanics.share(latest['jss'] < 75):.0%} are below 75, where "
        f"Upwork warns that winning clients may be hard [S10]."
    )

# %% [markdown]
# A window with no negative or neutral outcome scores 100, and the best window is
# the one shown, so perfect scores are common. Below the top the spread is wide:
# most records are short, and in a short record one neutral or negative outcome
# weighs a lot (see the section on one bad contract).

# %% [markdown]
# ## Four windows, one score
#
# Each box is one window's score on the evaluation dates that have a JSS; under
# its name, the share of those dates on which the window is defined at all (it
# needs two counted contracts from two clients, so the short windows often are
# not).

# %%
windows = mechanics.window_scores_long(grid, rule_set)
if windows["score"].notna().any():
    med = windows.groupby("window", observed=True)["score"].median()
    defined = windows.groupby("window", observed=True)["score"].apply(lambda s: s.notna().mean())
    longest, shortest = med.index[0], med.index[-2]  # the last one is Trending
    move = "rises" if med[shortest] > med[longest] else "does not rise"
    _ = plots.window_score_boxes(
        windows,
        title=f"Median score {move} from {med[longest]:.0f} ({longest}) to "
        f"{med[shortest]:.0f} ({shortest}); {shortest} exists on {defined[shortest]:.0%}",
    )
else:
    print("No window score is defined on any date of this history.")

# %% [markdown]
# A short window forgets old trouble sooner, so when it exists it tends to score
# higher; Trending rewards a recent good run. Which candidate ends up displayed
# (a "tie" means two or more candidates share the highest score):

# %%
shown = mechanics.displayed_window(grid, rule_set)
if shown.empty:
    print("No JSS on any date: nothing is displayed.")
else:
    counts = shown["displayed"].value_counts(normalize=True)
    single = counts.drop([mechanics.TIE_AT_100, mechanics.TIE_BELOW_100])
    _ = plots.displayed_window_bars(
        shown,
        title=f"Windows tie at 100 on {counts[mechanics.TIE_AT_100]:.0%} of dates; alone, "
        f"{single.idxmax()} is shown most ({single.max():.0%})",
    )

# %%
if not shown.empty:
    differ = single.sum()
    listed = ", ".join(
        f"{k} {v / differ:.0%}" for k, v in single.sort_values(ascending=False).items()
    )
    print(
        f"On the {differ:.0%} of dates where one candidate alone is highest, the one shown "
        f"is: {listed}."
    )

# %% [markdown]
# On a spotless record every defined window says 100 and the choice does not
# matter. Otherwise a recent bad outcome weighs more in a short window than in
# the long one, which dilutes it; an old one has already left the short windows.
# So the best-of rule shows the long window after recent trouble and a short one
# after old trouble. How many points it adds over the 24-month score:

# %%
if not shown.empty:
    lifted = shown[shown["lift_points"] > 0]
    if lifted.empty:
        print("The best-of rule never lifts the JSS above the 24-month score here.")
    else:
        _ = plots.lift_histogram(
            lifted,
            title=f"Best-of lifts the JSS above the 24-month score on "
            f"{len(lifted) / len(shown):.0%} of dates, by a median "
            f"{lifted['lift_points'].median():.0f} points",
        )

# %% [markdown]
# ## One bad contract on a strong record
#
# The forum question: "how can one bad job drop me 11 points?" For every freelancer
# whose latest JSS is at least 95, we add one more contract to their real history,
# disputed (so negative), from a new client, ending on that evaluation date, and
# recompute the JSS with the same engine: once with the smallest weight (a short
# job of at most $250) and once with the freelancer's typical weight (the median
# weight of the contracts in their 24-month window; weight grows with money and
# length, up to a cap [S1]). On a perfect record whose windows hold a total
# weight `T`, one negative of weight 1 gives `100 * (T - 1) / (T + 1)`:

# %%
ten = 100 * (10 - 1) / (10 + 1)
eleven_points = 200 / 11 - 1  # 100 - 100 * (T - 1) / (T + 1) = 11  <=>  T = 200 / 11 - 1
print(
    f"Ten jobs of weight 1, then one bad one: 100 * 9 / 11 = {ten:.1f}, a drop of "
    f"{100 - ten:.0f} points. An 11-point drop is what it does to a perfect record of "
    f"total weight {eleven_points:.1f}."
)

# %%
drops = mechanics.one_bad_contract(history, rule_set, grid=grid, min_jss=95)
if drops.empty:
    print("No freelancer in this history has a latest JSS of 95 or more.")
else:
    summary = mechanics.drop_summary(drops)
    small = summary.set_index("scenario").loc[mechanics.SMALLEST]
    typical = summary.set_index("scenario").loc[mechanics.TYPICAL]
    _ = plots.drop_histogram(
        drops,
        title=f"One bad contract costs a median {small['median_drop']:.0f} points "
        f"({typical['median_drop']:.0f} at typical weight)",
    )

# %%
if not drops.empty:
    below = f"share falling below {threshold:g}"
    display(
        summary.rename(
            columns={
                "scenario": "bad contract",
                "freelancers": "freelancers (JSS 95+)",
                "median_drop": "median drop (points)",
                "max_drop": "largest drop (points)",
                "share_10_plus": "share dropping 10+ points",
                "share_below_threshold": below,
            }
        )
        .style.format(precision=0)
        .format("{:.0%}", subset=["share dropping 10+ points", below])
        .hide(axis="index")
    )

# %% [markdown]
# The drop is not a fixed penalty: it depends on how much weight the window
# already holds. The same bad contract barely moves a long record and wrecks a
# short one:

# %%
if not drops.empty:
    by_size = drops.assign(record=mechanics.record_size_bands(drops["counted_24m"]))
    med_size = (
        by_size[by_size["scenario"] == mechanics.SMALLEST]
        .groupby("record", observed=True)["drop_points"]
        .median()
    )
    _ = plots.drop_by_record_size(
        by_size,
        title=f"Thin records fall hardest: {med_size.iloc[0]:.0f} points at "
        f"{med_size.index[0]} contracts, {med_size.iloc[-1]:.0f} at {med_size.index[-1]}",
    )

# %%
if not drops.empty:
    print(
        f"{small['share_below_threshold']:.0%} of the {small['freelancers']:,.0f} strong "
        f"records fall below {threshold:g} after one bad contract of weight 1, "
        f"{typical['share_below_threshold']:.0%} after one of typical weight; the median "
        f"strong record counts {drops['counted_24m'].median():.0f} contracts in 24 months."
    )

# %% [markdown]
# Nothing removes the worst outcome automatically: the only removal is the Top
# Rated feedback-removal perk, on request, for public feedback only [S17].

# %% [markdown]
# ## Why the badge lags the score ("stuck at 12/16")
#
# Top Rated needs a JSS of at least 90 *and* 13 good weeks out of the last 16
# (a good week: JSS at least 90, or Rising Talent) [S21, S23, S24], besides
# earnings, tenure, profile, standing and activity. Weeks that did not qualify
# have to age out of the 16 first. For each freelancer whose JSS ever reached the
# threshold: the weeks from that first Sunday to the badge, split by how many
# good weeks were already on the clock (Rising Talent weeks count).

# %%
has_good_weeks = rule_set.badges.good_weeks_required is not None
lag = mechanics.badge_lag(status) if has_good_weeks else None
reached = None
if lag is None:
    print(f"The rule set {rule_set.name} has no good-weeks rule, so nothing lags.")
elif lag.empty:
    print(f"No freelancer's JSS reached {threshold:g} in this history.")
elif not lag["reached"].any():
    print(f"{len(lag)} freelancer(s) reached a JSS of {threshold:g}; none got the badge.")
else:
    reached = lag[lag["reached"]]
    at_once = mechanics.share(reached["weeks_to_badge"] == 0)
    cold = reached.loc[reached["head_start"] == "none", "weeks_to_badge"]
    cold_text = f"from zero, a median {cold.median():.0f} weeks" if len(cold) else "none from zero"
    _ = plots.badge_lag_histogram(
        reached,
        title=f"{at_once:.0%} get the badge at once; {cold_text}",
    )

# %%
if reached is not None:
    print(
        f"{len(reached):,} of {len(lag):,} freelancers whose JSS reached {threshold:g} got "
        f"the badge; for {at_once:.0%} it came the same week, thanks to good weeks already "
        f"counted."
    )
    if len(cold):
        print(
            f"Starting from zero good weeks the wait was {cold.median():.0f} weeks (median), "
            f"never less than {cold.min():.0f}."
        )

# %% [markdown]
# With no head start the badge cannot come before the 13th good week, twelve
# weeks after the JSS first qualifies; a longer wait means another criterion is
# still missing. Rising Talent weeks are good weeks, so a newcomer who held
# Rising Talent can get the badge the week the first JSS reaches 90.
#
# Among the Sundays on which the JSS qualified but there was no badge, those still
# short of 13 good weeks show the "stuck at 12/16" pattern (counts often move in
# pairs, because the JSS is recomputed every two weeks [S2]):

# %%
stuck = mechanics.stuck_weeks(status, rule_set) if has_good_weeks else None
if stuck is None or stuck.empty:
    print("No Sunday with a qualifying JSS and no badge in this history.")
else:
    counting = stuck[stuck["blocked_by"] != mechanics.OTHER_ONLY]
    only_count = mechanics.share(stuck["blocked_by"] == mechanics.GOOD_WEEKS_ONLY)
    if counting.empty:
        print("Every such Sunday already had enough good weeks; other criteria held the badge.")
    else:
        _ = plots.stuck_histogram(
            counting,
            required=rule_set.badges.good_weeks_required,
            title=f"{len(counting) / len(stuck):.0%} of JSS-qualified weeks without the badge "
            f"are short of 13/16",
        )

# %%
if stuck is not None and not stuck.empty:
    print(
        f"Of the {len(stuck):,} Sundays with a JSS of {threshold:g}+ and no badge, "
        f"{only_count:.0%} wait only on the good-week count, "
        f"{mechanics.share(stuck['blocked_by'] == mechanics.GOOD_WEEKS_AND_OTHER):.0%} on the "
        f"count and another criterion, and "
        f"{mechanics.share(stuck['blocked_by'] == mechanics.OTHER_ONLY):.0%} have the count "
        f"but miss another criterion."
    )
    others = mechanics.criteria_counts(stuck["others_failing"])
    if len(others):
        listed = ", ".join(f"{k} ({v / len(stuck):.0%})" for k, v in others.items())
        print(f"The other criteria that fail on these Sundays, most frequent first: {listed}.")

# %% [markdown]
# A freelancer left of the dotted line is still counting up to 13, however good
# the JSS is now; only time fixes that.

# %%
parts = []
if not latest.empty:
    parts.append(
        f"Median latest JSS {latest['jss'].median():.0f}, "
        f"{mechanics.share(latest['jss'] >= threshold):.0%} at {threshold:g}+"
    )
if not drops.empty:
    parts.append(
        f"one bad contract costs a JSS-95+ record a median "
        f"{small['median_drop']:.0f} points and takes {small['share_below_threshold']:.0%} "
        f"below {threshold:g}"
    )
if reached is not None:
    waited = reached.loc[reached["weeks_to_badge"] > 0, "weeks_to_badge"]
    parts.append(
        f"{at_once:.0%} get the badge the week the JSS qualifies"
        + (f", the rest wait a median {waited.median():.0f} weeks" if len(waited) else "")
    )
finding(
    "; ".join(parts) + "."
    if parts
    else "No freelancer in this history has a JSS yet, so there is nothing to dissect."
)
