"""Story 05: is a year with the badge worth it? The value model, worded.

Takes the effects estimated once in the computed stage (the same invitation lift
reports 03 and 07 quote) and the value model of `analysis.estimate.value`, and
returns what report 05 shows: the inputs, the net value by segment with its
uncertainty, the break-even lift and the sensitivity, and the finding. When an
effect the value needs could not be estimated, there is no value: `why_no_value`
says which effect and why, and nothing is drawn as "no effect".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.estimate import value
from analysis.stories.benefits import EFFECT_LABELS, estimated, unanswerable

#: Segmentations of the verdicts: column of `value.value_inputs` -> reader's name.
SEGMENTS = {"rate_band": "hourly rate", "tenure_band": "tenure", "category": "category"}
#: Assumed invitation lifts of the sensitivity chart.
SENSITIVITY_LIFTS = np.linspace(1.0, 2.5, 7)


def usd(x: float) -> str:
    """Dollars with the sign in front: ``-$1,500``."""
    return f"-${-x:,.0f}" if x < 0 else f"${x:,.0f}"


def value_effects(effects: pd.DataFrame) -> pd.DataFrame:
    """The rows of `effects` the value model uses (`value.VALUE_EFFECTS`), in order."""
    by = effects.set_index("effect")
    return by.loc[[e for e in value.VALUE_EFFECTS if e in by.index]].reset_index()


def why_no_value(stage: Any) -> str | None:
    """Why no value can be computed on this history (None when it can): no effects at
    all, or one effect the value needs that could not be estimated (named, with why)."""
    why = unanswerable(stage)
    if why:
        return why
    eff = value_effects(stage.effects)
    for row in eff.to_dict("records"):
        if not estimated(row):
            note = str(row["note"] or "").removeprefix("not estimated: ")
            return f"the effect on {EFFECT_LABELS[row['effect']]} could not be estimated ({note})"
    if len(eff) < len(value.VALUE_EFFECTS):
        return "an effect the value needs is missing"
    return None


@dataclass(frozen=True)
class Worth:
    """Everything report 05 shows (see `worth`)."""

    effects: pd.DataFrame
    inputs: pd.DataFrame
    verdicts: pd.DataFrame
    overall: pd.Series
    break_even: pd.DataFrame
    break_even_by_rate: pd.DataFrame
    sensitivity: pd.DataFrame

    @property
    def p_worth_it(self) -> float:
        return float((self.overall > 0).mean())

    @property
    def share_pays(self) -> float:
        """Share of badge holders whose break-even lift is at most the estimated lift."""
        lift = float(self.effects.set_index("effect").loc["invitation_lift", "estimate"])
        return float((self.break_even["break_even_lift"] <= lift).mean())


def worth(stage: Any, n_draws: int = 1000, weeks_per_year: float = 52.0) -> Worth | None:
    """Net value of a year with the badge for every badge holder of the stage's
    history, by segment, with the uncertainty of the effects carried by `n_draws`
    seeded draws (the stage's seed). None when `why_no_value` says it cannot be
    computed, or when nobody held the badge long enough to have inputs.
    """
    if why_no_value(stage):
        return None
    effects = value_effects(stage.effects)
    history = stage.history
    inputs = value.value_inputs(stage.panel, history.contracts, history.freelancers)
    if inputs.empty:
        return None
    draws = value.net_value_draws(inputs, effects, n_draws, stage.seed, weeks_per_year)
    verdicts = pd.concat(
        [value.segment_verdicts(draws, by).assign(by=name) for by, name in SEGMENTS.items()],
        ignore_index=True,
    )
    if effects["truth"].notna().all():
        planted = effects.assign(
            estimate=effects["truth"], ci_low=effects["truth"], ci_high=effects["truth"]
        )
        at_truth = value.net_value_draws(inputs, planted, 1, stage.seed, weeks_per_year)
        verdicts["net_at_truth_usd"] = pd.concat(
            [at_truth.groupby(by, observed=True)["net_usd"].mean().reset_index(drop=True)
             for by in SEGMENTS],
            ignore_index=True,
        )  # fmt: skip
    be = value.break_even(inputs, effects, weeks_per_year)
    be_rate = (
        be.replace([np.inf], np.nan)
        .groupby("rate_band", observed=True)["break_even_lift"]
        .median()
        .rename_axis("segment")
        .reset_index()
    )
    sens = value.sensitivity(inputs, effects, SENSITIVITY_LIFTS, "rate_band", weeks_per_year)
    return Worth(
        effects=effects,
        inputs=inputs,
        verdicts=verdicts,
        overall=draws.groupby("draw")["net_usd"].mean(),
        break_even=be,
        break_even_by_rate=be_rate,
        sensitivity=sens,
    )


def inputs_text(inputs: pd.DataFrame) -> str:
    """The median inputs of the value formula, in one sentence."""
    return (
        f"{len(inputs):,} badge holders; median inputs: "
        f"{inputs['invitations_per_week'].median():.2f} invitations/week without the badge, "
        f"{inputs['hires_per_application'].median():.3f} hires per application, "
        f"${inputs['contract_value_usd'].median():,.0f} per contract, "
        f"${inputs['hourly_rate_usd'].median():,.0f}/hour, "
        f"{inputs['billed_hours_per_week'].median():.1f} billed hours/week; "
        f"chance of losing the badge within a year {inputs['p_loss_per_year'].iloc[0]:.0%}, "
        f"{inputs['weeks_off_after_loss'].iloc[0]:.0f} weeks without it after a loss on average."
    )


def value_title(w: Worth) -> str:
    best = w.verdicts.loc[w.verdicts["p_worth_it"].idxmax()]
    return (
        f"A year with the badge nets {usd(w.overall.median())} per holder on average; "
        f"best: {best['segment']} (p={best['p_worth_it']:.0%})"
    )


def sensitivity_title(w: Worth) -> str:
    cross = w.sensitivity[w.sensitivity["net_usd"] > 0].groupby("segment", observed=True)["lift"]
    first = cross.min()
    return (
        f"The first rate band to break even needs a {first.min():.2f}x lift"
        if len(first)
        else f"No rate band breaks even for lifts up to {SENSITIVITY_LIFTS[-1]:.1f}x"
    )


def verdict_lines(w: Worth) -> list[str]:
    """One plain-words line per segment."""
    return [
        f"{r.by} {r.segment}: {r.verdict}; mean net {usd(r.net_usd)} a year "
        f"[{usd(r.net_low_usd)}, {usd(r.net_high_usd)}]"
        for r in w.verdicts.itertuples(index=False)
    ]


def worth_finding(w: Worth | None, why: str | None, world: Any = None) -> str:
    """Report 05's finding: the net value with its interval and the verdict counts,
    or why there is none. A verdict is stated in its `world` (an
    `analysis.io.world.World`: simulated with planted effects, or estimated on real
    data); a missing value needs no world."""
    if w is None:
        return (
            f"No value computed: {why or 'no freelancer held the badge with the inputs it needs'}."
        )
    v = w.verdicts
    text = (
        f"Over a year, the badge nets {usd(w.overall.median())} per holder "
        f"(90% interval {usd(w.overall.quantile(0.05))} to {usd(w.overall.quantile(0.95))}); "
        f"worth it with probability {w.p_worth_it:.0%}; "
        f"{(v['p_worth_it'] >= 0.8).sum()} of {len(v)} segments worth it, "
        f"{(v['p_worth_it'] <= 0.2).sum()} not."
    )
    return world.state(text) if world is not None else text
