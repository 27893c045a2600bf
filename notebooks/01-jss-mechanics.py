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
from analysis.report import format as fmt
from analysis.report import plots
from analysis.report.notebook import finding, open_stage
from analysis.stories import mechanics as mx

# %% tags=["parameters"]
history_path = None  # injected by `toprated report` (default: the bundled sample)
rules = "upwork-2025"
as_of = None
seed = 0

# %%
plots.set_theme()
stage = open_stage(history_path, rules, seed=seed, as_of=as_of)
threshold = stage.rules.badges.jss_min
scores = mx.jss_distribution(stage.grid)
latest = mx.latest_scores(scores)
print(
    f"History: {stage.source.name}, {len(stage.history.contracts):,} contracts, "
    f"{len(stage.history.freelancer_ids):,} freelancer(s), rules {stage.rules.name}; "
    f"{len(latest):,} freelancer(s) with a JSS on at least one of "
    f"{stage.grid['eval_date'].nunique():,} evaluation dates."
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
    print("No freelancer in this history has a JSS yet: no 24-month window holds two counted "
          "contracts from two clients.")  # fmt: skip
else:
    _ = plots.jss_histogram(scores, threshold=threshold, title=mx.scores_title(latest, threshold))
    print(mx.scores_line(latest))

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
windows = mx.window_scores_long(stage.grid, stage.rules)
title = mx.windows_title(windows)
if title is None:
    print("No window score is defined on any date of this history.")
else:
    _ = plots.window_score_boxes(windows, title=title)

# %% [markdown]
# A short window forgets old trouble sooner, so when it exists it tends to score
# higher; Trending rewards a recent good run. Which candidate ends up displayed
# (a "tie" means two or more candidates share the highest score):


# %%
shown = mx.displayed_window(stage.grid, stage.rules)
if shown.empty:
    print("No JSS on any date: nothing is displayed.")
else:
    title, line = mx.displayed_text(shown)
    _ = plots.displayed_window_bars(shown, title=title)
    print(line)

# %% [markdown]
# On a spotless record every defined window says 100 and the choice does not
# matter. Otherwise a recent bad outcome weighs more in a short window than in
# the long one, which dilutes it; an old one has already left the short windows.
# So the best-of rule shows the long window after recent trouble and a short one
# after old trouble. How many points it adds over the 24-month score:


# %%
title = None if shown.empty else mx.lift_title(shown)
if title is None:
    print("The best-of rule never lifts the JSS above the 24-month score here.")
else:
    _ = plots.lift_histogram(shown[shown["lift_points"] > 0], title=title)

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
print(mx.perfect_record_arithmetic(10))

# %%
drops = stage.drops
if drops.empty:
    print("No freelancer in this history has a latest JSS of 95 or more.")
else:
    summary, title, size_title, line = mx.drops_text(drops, threshold)
    _ = plots.drop_histogram(drops, title=title)
    fmt.show(fmt.readable(summary, mx.DROP_COLUMNS))

# %% [markdown]
# The drop is not a fixed penalty: it depends on how much weight the window
# already holds. The same bad contract barely moves a long record and wrecks a
# short one:


# %%
if not drops.empty:
    sized = drops.assign(record=mx.record_size_bands(drops["counted_24m"]))
    _ = plots.drop_by_record_size(sized, title=size_title)
    print(line)

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
has_good_weeks = stage.rules.badges.good_weeks_required is not None
lag = mx.badge_lag(stage.status) if has_good_weeks else None
title, text = mx.lag_text(lag, threshold, stage.rules.name)
if title is not None:
    _ = plots.badge_lag_histogram(lag[lag["reached"]], title=title)
print(text)

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
stuck = mx.stuck_weeks(stage.status, stage.rules) if has_good_weeks else None
title, text = mx.stuck_text(stuck, threshold, stage.rules.badges.good_weeks_required)
if title is not None:
    counting = stuck[stuck["blocked_by"] != mx.OTHER_ONLY]
    _ = plots.stuck_histogram(
        counting, required=stage.rules.badges.good_weeks_required, title=title
    )
print(text)

# %% [markdown]
# A freelancer left of the dotted line is still counting up to 13, however good
# the JSS is now; only time fixes that.


# %%
finding(mx.mechanics_finding(latest, drops, lag, threshold))
