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
# towards "worth it" by that much. The effects come from the event-study models
# of report 03 (with at most `max_controls` comparison freelancers, seeded); their
# uncertainty is carried by `n_draws` seeded Monte Carlo draws from each
# estimate's sampling distribution.

# %%

import numpy as np
import pandas as pd
from IPython.display import display

from analysis.engine.status import status_grid
from analysis.estimate import value
from analysis.estimate.effects import (
    contract_rates,
    maintenance_hours,
    rate_premium,
    read_truth,
    weekly_panel,
)
from analysis.io.world import world_of
from analysis.report import plots
from analysis.report.notebook import finding, open_inputs
from analysis.stories import faq

# %% tags=["parameters"]
history_path = None  # injected by `toprated report` (default: the bundled sample)
rules = "upwork-2025"
as_of = None
seed = 0
max_controls = 100  # never-badged comparison freelancers kept in the model fits
n_draws = 1000  # Monte Carlo draws of the effects
weeks_per_year = 52


# %%
def usd(x: float) -> str:
    """Dollars with the sign in front: -$1,500."""
    return f"-${-x:,.0f}" if x < 0 else f"${x:,.0f}"


# %%
plots.set_theme()
source, history, rule_set = open_inputs(history_path, rules)
end = history.as_of if as_of is None else as_of
truth = read_truth(source)
planted = (truth or {}).get("realised", {}) or {}
activity = faq.has_activity(history)
if activity:
    status = status_grid(history, rule_set, as_of=end)
    panel = weekly_panel(history, rule_set, status=status)
    assert panel["top_rated"].any(), "no Top Rated weeks in this history"
print(
    f"History: {source.name}, {len(history.freelancer_ids):,} freelancer(s), rules {rule_set.name}. "
    + ("" if activity else "No activity.csv with weekly invitations: the badge's effects, and "
       "so its value, need activity.csv; nothing below can be estimated on this history.")
)  # fmt: skip

# %% [markdown]
# ## The effects that enter the value
#
# Invitation lift (event study around gains), rate premium on new contracts and
# maintenance hours per week while Top Rated, each with its 95% interval (and the
# planted truth on a simulated history).

# %%
if activity:
    effects = pd.concat(
        [
            faq.badge_lift(panel, "invitations", max_controls=max_controls, seed=seed),
            rate_premium(contract_rates(history, panel)),
            maintenance_hours(panel),
        ],
        ignore_index=True,
    )
    truth_keys = {
        "invitation_lift": "invitation_lift",
        "rate_premium": "rate_premium",
        "maintenance_hours": "maintenance_hours_per_top_rated_week",
    }
    effects = effects.assign(
        truth=[float(planted.get(truth_keys[e], np.nan)) for e in effects["effect"]]
    )
    display(effects[["effect", "estimate", "ci_low", "ci_high", "unit", "truth", "note"]].round(3))
    inputs = value.value_inputs(panel, history.contracts, history.freelancers)
    print(
        f"{len(inputs):,} badge holders; median inputs: "
        f"{inputs['invitations_per_week'].median():.2f} invitations/week without the badge, "
        f"{inputs['hires_per_application'].median():.3f} hires per application, "
        f"${inputs['contract_value_usd'].median():,.0f} per contract, "
        f"${inputs['hourly_rate_usd'].median():,.0f}/hour, "
        f"{inputs['billed_hours_per_week'].median():.1f} billed hours/week; "
        f"chance of losing the badge within a year {inputs['p_loss_per_year'].iloc[0]:.0%}, "
        f"{inputs['weeks_off_after_loss'].iloc[0]:.0f} weeks without it after a loss on average."
    )

# %% [markdown]
# ## Net value by segment
#
# Mean net value per freelancer-year in each segment, with the 90% interval over
# the draws of the effects, and the probability that it is positive. A segment
# is "worth it" when that probability is at least 80%, "not worth it" when at
# most 20%, "unclear" in between.

# %%
if activity and len(inputs):
    draws = value.net_value_draws(inputs, effects, n_draws, seed, weeks_per_year)
    segs = {"rate_band": "hourly rate", "tenure_band": "tenure", "category": "category"}
    verdicts = pd.concat(
        [value.segment_verdicts(draws, by).assign(by=name) for by, name in segs.items()],
        ignore_index=True,
    )
    if truth:
        planted_effects = effects.assign(
            estimate=effects["truth"], ci_low=effects["truth"], ci_high=effects["truth"]
        )
        at_truth = value.net_value_draws(inputs, planted_effects, 1, seed, weeks_per_year)
        verdicts["net_at_truth_usd"] = pd.concat(
            [
                at_truth.groupby(by, observed=True)["net_usd"].mean().reset_index(drop=True)
                for by in segs
            ],
            ignore_index=True,
        )
    overall = draws.groupby("draw")["net_usd"].mean()
    p_all = float((overall > 0).mean())
    best = verdicts.loc[verdicts["p_worth_it"].idxmax()]
    _ = plots.net_value_intervals(
        verdicts,
        title=f"A year with the badge nets {usd(overall.median())} per holder on average; "
        f"best: {best['segment']} (p={best['p_worth_it']:.0%})",
    )
    display(verdicts.drop(columns=["verdict"]).round(2))

# %% [markdown]
# ## Break-even and sensitivity
#
# How large would the invitation lift have to be for a year with the badge to pay,
# with the other effects at their estimates? The bars are each segment's median
# break-even lift; the green line and band are the estimated lift and its 95%
# interval. The lines show how the mean net value per segment moves with the
# assumed lift.

# %%
if activity and len(inputs):
    inv = effects.set_index("effect").loc["invitation_lift"]
    be = value.break_even(inputs, effects, weeks_per_year)
    be_rate = (
        be.replace([np.inf], np.nan)
        .groupby("rate_band", observed=True)["break_even_lift"]
        .median()
        .rename_axis("segment")
        .reset_index()
    )
    share_pays = float((be["break_even_lift"] <= inv["estimate"]).mean())
    _ = plots.break_even_lifts(
        be_rate,
        estimate=float(inv["estimate"]),
        ci=(float(inv["ci_low"]), float(inv["ci_high"])),
        title=f"The estimated lift pays for {share_pays:.0%} of badge holders",
    )
    sens = value.sensitivity(inputs, effects, np.linspace(1.0, 2.5, 7), "rate_band", weeks_per_year)
    cross = sens[sens["net_usd"] > 0].groupby("segment", observed=True)["lift"].min()
    _ = plots.sensitivity_lines(
        sens,
        estimate=float(inv["estimate"]),
        title=(
            f"The first rate band to break even needs a {cross.min():.2f}x lift"
            if len(cross)
            else "No rate band breaks even for lifts up to 2.5x"
        ),
    )

# %% [markdown]
# ## Verdict
#
# In plain words, per segment (computed from the draws above):

# %%
if activity and len(inputs):
    for r in verdicts.itertuples(index=False):
        print(f"{r.by} {r.segment}: {r.verdict}; mean net {usd(r.net_usd)} a year "
              f"[{usd(r.net_low_usd)}, {usd(r.net_high_usd)}]")  # fmt: skip
    parts = [
        f"{(verdicts['p_worth_it'] >= 0.8).sum()} of {len(verdicts)} segments worth it, "
        f"{(verdicts['p_worth_it'] <= 0.2).sum()} not"
    ]
    text = (
        f"Over a year, the badge nets {usd(overall.median())} per holder "
        f"(90% interval {usd(overall.quantile(0.05))} to {usd(overall.quantile(0.95))}); "
        f"worth it with probability {p_all:.0%}; {parts[0]}."
    )
else:
    text = (
        "No value computed: this history has no activity.csv with weekly invitations, "
        "which the badge's effects need."
    )
finding(world_of(source).state(text))
