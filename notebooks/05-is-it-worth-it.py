# %% [markdown]
# # Is the badge worth it? Net value of a year with Top Rated
#
# For each freelancer who held the badge, the value of one year with it
# (`analysis.estimate.value`): the extra invitations the badge brings times their own hires
# per application times their own mean contract value, plus the rate premium on
# their billed hours; minus the maintenance hours at their own hourly rate and
# the expected cost of losing it (the chance of a loss within the year times the
# benefit missed until it comes back). Forgone risky jobs are not in the files
# (declined offers are not recorded), so they count as zero: the verdicts lean
# towards "worth it" by that much. The effects are report 03's, read from the
# computed stage (`analysis.report.stage`: one fit per history, one setting), so
# both reports quote the same lift; their uncertainty is carried by `n_draws`
# seeded Monte Carlo draws from each estimate's sampling distribution. When an
# effect the value needs could not be estimated, no value is computed and the
# page says why: a missing effect is never taken as "no effect".

# %%
from analysis.io.world import world_of
from analysis.report import format as fmt
from analysis.report import plots
from analysis.report.notebook import finding, open_stage
from analysis.stories import benefits, method, worth

# %% tags=["parameters"]
history_path = None  # injected by `toprated report` (default: the bundled sample)
rules = "upwork-2025"
as_of = None
seed = 0
n_draws = 1000  # Monte Carlo draws of the effects
weeks_per_year = 52

# %%
plots.set_theme()
stage = open_stage(history_path, rules, seed=seed, as_of=as_of)
why = worth.why_no_value(stage)
result = worth.worth(stage, n_draws, weeks_per_year)
print(
    f"History: {stage.source.name}, {len(stage.history.freelancer_ids):,} freelancer(s), "
    f"rules {stage.rules.name}." + (f" No value can be computed: {why}." if why else "")
)

# %% [markdown]
# ## The effects that enter the value
#
# Invitation lift (event study around gains), rate premium on new contracts and
# maintenance hours per week while Top Rated, each with its 95% interval (and the
# planted truth on a simulated history).

# %%
fmt.show(fmt.effects_table(worth.value_effects(stage.effects), benefits.EFFECT_LABELS))
if result is not None:
    print(worth.inputs_text(result.inputs))

# %% [markdown]
# ## Net value by segment
#
# Mean net value per freelancer-year in each segment, with the 90% interval over
# the draws of the effects, and the probability that it is positive. A segment
# is "worth it" when that probability is at least 80%, "not worth it" when at
# most 20%, "unclear" in between.

# %%
if result is None:
    print(f"Not computed: {why or 'no badge holder has the inputs the value needs'}.")
else:
    _ = plots.net_value_intervals(result.verdicts, title=worth.value_title(result))
    fmt.show(fmt.readable(result.verdicts, fmt.VERDICT_COLUMNS))

# %% [markdown]
# ## Break-even and sensitivity
#
# How large would the invitation lift have to be for a year with the badge to pay,
# with the other effects at their estimates? The bars are each segment's median
# break-even lift; the green line and band are the estimated lift and its 95%
# interval. The lines show how the mean net value per segment moves with the
# assumed lift.

# %%
if result is not None:
    inv = stage.effect("invitation_lift")
    _ = plots.break_even_lifts(
        result.break_even_by_rate,
        estimate=float(inv["estimate"]),
        ci=(float(inv["ci_low"]), float(inv["ci_high"])),
        title=f"The estimated lift pays for {result.share_pays:.0%} of badge holders",
    )
    _ = plots.sensitivity_lines(
        result.sensitivity, estimate=float(inv["estimate"]), title=worth.sensitivity_title(result)
    )

# %% [markdown]
# ## Where these estimates hold

# %%
print(method.CAVEAT)

# %% [markdown]
# ## Verdict
#
# In plain words, per segment (computed from the draws above):

# %%
if result is not None:
    print("\n".join(worth.verdict_lines(result)))
finding(worth.worth_finding(result, why, world_of(stage.source)))
