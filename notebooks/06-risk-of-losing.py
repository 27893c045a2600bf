# %% [markdown]
# # Risk of losing Top Rated in the next 8 weeks
#
# Can a freelancer, on any Sunday, tell how likely they are to lose the badge soon,
# from what they know that day? This report fits a gradient-boosting model on
# Top Rated freelancer-weeks and compares it with the obvious rule of thumb: "the
# fewer bad outcomes I can afford (headroom), the more at risk I am".

# %%
from analysis.estimate import risk as rk
from analysis.report import format as fmt
from analysis.report import plots
from analysis.report.notebook import finding, open_stage
from analysis.stories import losing

# %% tags=["parameters"]
history_path = None  # injected by `toprated report`
rules = "upwork-2025"
as_of = None
seed = 0

# %%
plots.set_theme()
stage = open_stage(history_path, rules, seed=seed, as_of=as_of)
risk = stage.risk()
horizon = rk.HORIZON_WEEKS

# %% [markdown]
# ## The question, week by week
#
# Each row is a Top Rated (or Plus) freelancer on a badge Sunday. The label is 1
# when the badge is gone on at least one of the next 8 Sundays. The last 8 weeks
# of the data have no label yet and are dropped. The features use only what is
# known that Sunday: the headroom and every window score of the latest JSS
# evaluation date, the JSS change over 8 weeks, good weeks out of 16, earnings
# over 12 months and their 8-week trend, weeks held so far, tenure, open
# contracts, and outcomes (positive, neutral, negative) of the contracts that
# ended in the last 91 days. The library tests that changing anything after a
# week never changes its features.

# %%
print(losing.weeks_line(risk["risk_split"], horizon))

# %% [markdown]
# ## Train on the past, test on the future
#
# The split is by time, as the model would be used: the latest 30% of labelled
# weeks are the test set, and training stops 8 weeks before the test period
# begins, so no training label peeks into it.

# %%
enough = bool(risk["risk_split"]["enough"].iloc[0])
aucs = top = None
if not enough:
    print(f"{losing.risk_finding(None, None, horizon)} The sections below are skipped.")
else:
    print(losing.split_text(risk["risk_split"], horizon))

# %% [markdown]
# ## How well does it rank the weeks at risk?
#
# ROC AUC is the chance that a week followed by a loss gets a higher risk than one
# that is not. The 95% intervals come from a bootstrap over freelancers (their
# weeks are resampled together; seeded by the report's `seed`), and the last row
# is the model's gain over the headroom-only rule on the same resamples.

# %%
if enough:
    aucs = risk["risk_auc"]
    fmt.show(fmt.readable(aucs, losing.AUC_COLUMNS))
    a_m, a_h = aucs.set_index("score").loc[["model", "headroom only"], "auc"]
    _ = plots.roc_curves(
        risk["risk_roc"],
        title=f"The model ranks risk better: AUC {a_m:.2f} vs {a_h:.2f} for headroom alone",
    )

# %% [markdown]
# Headroom alone is informative (most losses come from a JSS drop), but it is
# coarse: most Top Rated weeks sit at a headroom of 1 or 2 (report 04), so it
# cannot tell most weeks apart. The model adds what drives the *next* outcomes: how many contracts
# are open (each may end badly or not), recent neutral outcomes, falling earnings.

# %% [markdown]
# ## Can the probabilities be taken at face value?
#
# Test weeks are grouped into ten bins of predicted risk; a calibrated model puts
# each point on the diagonal.

# %%
if enough:
    calib = risk["risk_calibration"]
    worst = calib.iloc[-1]
    _ = plots.calibration_plot(
        calib,
        title=f"Riskiest tenth: predicted {worst['predicted']:.0%}, observed {worst['observed']:.0%}",
    )
    fmt.show(fmt.readable(calib, losing.CALIBRATION_COLUMNS))

# %% [markdown]
# Points above the diagonal mean the model understates the risk in that bin, below
# it overstates it. Boosted trees fitted on a few thousand losses tend to be too
# sure in the extreme bins, and the test period is a later marketplace (see the
# base rates printed above). Read the probabilities as a ranking first; the AUC is
# what the comparison with the rule of thumb rests on.

# %% [markdown]
# ## What the model uses
#
# Permutation importance: how much the held-out AUC drops when one feature's
# values are shuffled (5 seeded repeats; bars show the mean, lines one standard
# deviation). Features that share information (the window scores) split the credit,
# so a small bar does not mean the feature is useless on its own.

# %%
if enough:
    imp = risk["risk_importance"]
    top = imp.iloc[0]
    _ = plots.importance_bars(
        imp, title=f"{top['feature']} matters most: shuffling it costs {top['auc_drop']:.3f} AUC"
    )

# %%
finding(losing.risk_finding(aucs, None if top is None else top["feature"], horizon))
