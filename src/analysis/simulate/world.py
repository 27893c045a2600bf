"""The weekly marketplace of `analysis.simulate`: freelancers, demand, contracts, outcomes.

Everything is vectorised across freelancers; the only Python loop runs over weeks
(and, inside a week, over nothing per freelancer or per contract). Week ``k``
runs from Monday ``m_k`` to Sunday ``s_k``; behaviour in week ``k`` depends on the
badge status found on ``s_{k-1}`` by the rules engine (`BadgeTracker`), and the
week's new rows are added to the history before ``s_k`` is evaluated.

The model, per freelancer ``i`` and week ``k`` (knob names in ``code`` font, all
documented with their defaults and sources in ``scenarios/baseline.toml``):

- *Visibility* ``v_ik = alpha_i + gamma_k + f(JSS, tenure, recent earnings)`` with
  ``alpha_i`` the freelancer effect (quality, profile completeness, own noise),
  ``gamma_k`` the week effect (seasonality and noise, common to all) and ``f``
  smooth: linear in JSS (``jss_visibility_per_10_points``), in log tenure and
  in log recent earnings. It has no jump at JSS 90.
- *Invitations* ~ negative binomial with mean
  ``invitations_per_week * exp(v_ik) * invitation_lift ** top_rated_ik`` and
  *profile views* likewise with ``profile_view_lift``. So
  ``log E[invitations] = freelancer + week + f(...) + log(lift) * top_rated``.
- *Proposals* ~ Poisson(weekly budget x spare capacity); invitations are
  answered in proportion to spare capacity; neither during an account hold.
- *Hires*: each answered invitation / proposal becomes an offer with a
  probability rising with quality, JSS and track record (a first job is
  ``newcomer_hire_factor`` times as hard to win; the handicap fades smoothly
  over the first jobs), times ``hire_rate_lift`` while Top Rated. A Top Rated freelancer declines a share ``risky_decline_share`` of
  offers from difficult clients (their earnings are forgone).
- *Contracts* are decided in full when hired: client (repeat clients who were
  satisfied, or new ones, some difficult), category, hourly or fixed, hours
  (a share ``long_term_share`` are long-term hourly engagements),
  weekly intensity and so duration, rate (profile rate, which grows with time
  on the platform and jumps by ``rate_premium`` when the badge is first gained),
  weekly payments (hourly) or milestones (fixed), and the outcome: a candid
  private score from quality, effort and client difficulty, a public rating
  that is inflated (``dissatisfied_public_4plus`` of privately dissatisfied
  clients still give 4+ stars), no-feedback endings, early ends, disputes (the
  last payment withheld), flagged clients, cancelled $0 contracts.
- *Costs of the badge*: ``maintenance_hours_per_week`` unpaid hours while Top
  Rated (they take capacity and are counted in ``hours_worked``), the declined
  risky jobs, and ``pressure_churn_per_week`` extra weekly exit hazard while Top
  Rated with a JSS within ``pressure_jss_margin`` points of the threshold.
- *Churn*: a base weekly hazard, higher after half a year without a hire;
  account holds and Terms-of-Service violations are rare events.
- *Worlds that break the estimator's assumptions* (all 0 or today's shape in
  ``baseline``, so the baseline is the world without them; their draws have keys
  of their own, so switching one on leaves every other draw where it was):
  ``lift_heterogeneity_sd`` (freelancer ``i``'s invitation and view lifts are the
  knobs times ``exp(sd * z_i)``, ``z`` from ``default_rng([seed, 12])``),
  ``effect_ramp_weeks`` (in the ``w``-th week of a Top Rated spell every demand
  lift is raised to ``min(1, w / ramp)``), ``quality_drift_sd`` (a weekly random
  walk added to quality, in demand through ``quality_visibility`` and in hiring
  and satisfaction), ``rate_noise_sd`` (log-normal noise on each new contract's
  rate), ``confounding`` (the shape of ``f``: `visibility_terms`) and
  ``world_rules`` (the rule set the `BadgeTracker` awards badges by; chosen in
  `analysis.simulate.generate`).
- *The badge shown*: each activity row records the status found on the Sunday
  before (``status_shown``; ``none`` before a first contract).
- *Random numbers*: the freelancers and week effects come from
  ``default_rng(seed)`` before the loop; every draw inside the loop is keyed by
  purpose, freelancer, week and offer (`analysis.simulate.keyed`). `run_pair` runs
  the world and its twin without badge effects on the same numbers and
  `counterfactual_truth` turns the two into ``truth["realised"]`` (effects on the
  treated: invitations, views, hires per Top Rated week; rate premium; upkeep
  hours; net value per holder-year).

Every ``exp``/``log``/``pow`` comes from `analysis.simulate.stable` (results
rounded to 24 mantissa bits), so the same seed gives the same bytes on any CPU.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
from tqdm.auto import tqdm

from analysis.engine.ruleset import Rules
from analysis.simulate import stable
from analysis.simulate.badges import CONTRACT_COLUMNS, NOT_STARTED, PLUS, TOP, BadgeTracker
from analysis.simulate.keyed import Keyed
from analysis.simulate.tables import CATEGORIES, COUNTRIES, NO_DAY, Columns, IdFormat

# Category mix and per-category offsets (assumptions; web-dev and data-science are
# "other" categories for the Top Rated Plus large-contract threshold).
CATEGORY_SHARE = np.array([0.17, 0.15, 0.07, 0.12, 0.33, 0.16])
CATEGORY_LOG_RATE = np.array([0.0, -0.15, 0.25, -0.05, 0.05, 0.3])
CATEGORY_HOURLY_LOGIT = np.array([-0.6, -1.0, 0.0, 0.2, 0.6, 0.5])
CATEGORY_LOG_JOB_HOURS = np.array([-0.3, -0.5, 0.1, 0.0, 0.2, 0.2])
COUNTRY_SHARE = np.array([0.28, 0.17, 0.1, 0.07, 0.06, 0.05, 0.05, 0.04, 0.04, 0.04, 0.05, 0.05])
#: Clients remembered per freelancer for repeat hires.
RING = 6
#: Longest contract, in weeks.
MAX_WEEKS = 260


@dataclass
class Plan:
    """Calendar of one simulation (day numbers)."""

    first_monday: int
    n_weeks: int

    @property
    def last_sunday(self) -> int:
        return self.first_monday + 7 * self.n_weeks - 1

    def monday(self, k):
        return self.first_monday + 7 * k

    def week_of(self, day):
        return (np.asarray(day, dtype=np.int64) - self.first_monday) // 7


def plan_weeks(start_day: int, end_day: int) -> Plan:
    """Whole weeks (Monday to Sunday) from the first Monday on or after `start_day`
    to the last Sunday on or before `end_day`."""
    # 1970-01-01 was a Thursday: Monday is day number 4 (mod 7)
    first = start_day + (4 - start_day) % 7
    n = (end_day - first + 1) // 7
    if n < 1:
        raise ValueError("the period must hold at least one whole week (Monday to Sunday)")
    return Plan(first, int(n))


def _ramp(lift, share):
    """`lift` ** `share` (the part of a badge effect reached), exact when `share` is 1."""
    lift = np.asarray(lift, dtype=np.float64)
    return np.where(share >= 1.0, lift, stable.power(lift, share))


# ---------------------------------------------------------------------------
# freelancers
# ---------------------------------------------------------------------------


def draw_freelancers(rng: np.random.Generator, n: int, plan: Plan, kn) -> SimpleNamespace:
    """Static attributes of `n` freelancers (every draw in a fixed order)."""
    weeks = plan.n_weeks
    r = stable.log1p(kn.platform_growth_per_year) / 52.0
    u = rng.random(n)
    span = max(weeks - 4, 1)
    join = stable.log1p(u * stable.expm1(r * span)) / r if r > 0 else u * span
    join_week = np.minimum(join.astype(np.int64), span - 1).astype(np.int32)
    quality = rng.standard_normal(n)
    category = rng.choice(len(CATEGORIES), n, p=CATEGORY_SHARE).astype(np.int8)
    country = rng.choice(len(COUNTRIES), n, p=COUNTRY_SHARE / COUNTRY_SHARE.sum()).astype(np.int8)
    rho = kn.rate_quality_corr
    z = rng.standard_normal(n)
    log_rate = (
        stable.log(kn.rate_median_usd)
        + CATEGORY_LOG_RATE[category]
        + kn.rate_log_sd * (rho * quality + stable.sqrt(1 - rho * rho) * z)
    )
    base_rate = np.clip(stable.exp(log_rate), 5.0, 400.0)
    capacity = np.clip(kn.capacity_hours_median * stable.exp(0.6 * rng.standard_normal(n)), 4, 60)
    job_hours = kn.job_hours_median * stable.exp(
        CATEGORY_LOG_JOB_HOURS[category] + kn.job_hours_sd_between * rng.standard_normal(n)
    )
    budget = kn.proposals_per_week * stable.exp(kn.proposals_log_sd * rng.standard_normal(n))
    incomplete = rng.random(n) < kn.profile_incomplete_share * 2 * stable.logistic(-quality)
    own = kn.visibility_sd * rng.standard_normal(n)
    alpha = kn.quality_visibility * quality + own + np.where(incomplete, -0.7, 0.0)
    return SimpleNamespace(
        join_week=join_week,
        quality=quality,
        category=category,
        country=country,
        base_rate=base_rate,
        capacity=capacity,
        job_hours=job_hours,
        budget=budget,
        profile_complete=~incomplete,
        alpha=alpha,
    )


# ---------------------------------------------------------------------------
# contracts
# ---------------------------------------------------------------------------


def _public_totals(rng, klass, kn):
    """Sum of six 1-5 sub-ratings by private class (0 promoter, 1 passive, 2 detractor)."""
    n = len(klass)
    u = rng.random(n)
    v = rng.random(n)
    top = np.full(n, 30)
    high = 27 + (v * 3).astype(int)  # 4.5 .. 4.83
    mid = 24 + (v * 3).astype(int)  # 4.0 .. 4.33
    low = 6 + (v * 18).astype(int)  # 1.0 .. 3.83
    promoter = np.select([u < 0.97, u < 0.99], [top, high], mid)
    passive = np.select([u < 0.88, u < 0.96, u < 0.99], [top, high, mid], low)
    share = kn.dissatisfied_public_4plus
    detractor = np.select([u < share * 0.45, u < share * 0.75, u < share], [top, high, mid], low)
    return np.choose(klass, [promoter, passive, detractor])


def make_contracts(rng, owner, k, plan, fr, state, kn, next_client):
    """Offers accepted in week `k` by freelancers `owner` (index per offer).

    Returns the contract columns (final values), the payment schedule and the
    weekly hours schedule, plus per-offer flags used by the caller (difficult
    client, negative outcome, within-horizon earnings). `rng` is a
    `analysis.simulate.keyed.Draws` with one key per offer (freelancer, week,
    offer number), so an offer's contract is the same in the counterfactual run.
    """
    n = len(owner)
    m = plan.monday(k)
    q = fr.quality[owner] + state.drift[owner]
    tr = state.effect[owner]

    # client: a remembered satisfied client, or a new one
    filled = np.minimum(state.ring_n[owner], RING)
    p_repeat = kn.repeat_client_share * (1 - stable.exp(-filled / 2.0))
    repeat = rng.random(n) < p_repeat
    slot = (rng.random(n) * np.maximum(filled, 1)).astype(np.int64)
    new_client = next_client + np.arange(n, dtype=np.int64)
    client = np.where(repeat, state.ring_client[owner, slot], new_client)
    difficult = np.where(
        repeat, state.ring_difficult[owner, slot], rng.random(n) < kn.difficult_client_share
    )
    n_new = int((~repeat).sum())

    own_cat = fr.category[owner]
    category = np.where(rng.random(n) < 0.9, own_cat, rng.integers(0, len(CATEGORIES), n))
    hours_total = np.clip(
        fr.job_hours[owner] * stable.exp(kn.job_hours_sd_within * rng.standard_normal(n)), 1.0, 4000
    )
    p_hourly = stable.logistic(
        stable.log(kn.hourly_share / (1 - kn.hourly_share))
        + CATEGORY_HOURLY_LOGIT[category]
        + 0.4 * (stable.log(hours_total) - stable.log(40.0))
    )
    intensity = np.clip(fr.capacity[owner] * (0.25 + 0.6 * rng.random(n)), 2.0, None)
    # long-term engagements: hourly, half a year to two years at a steady pace
    long_term = rng.random(n) < kn.long_term_share
    steady = fr.capacity[owner] * (0.6 + 0.35 * rng.random(n))
    steady_weeks = rng.integers(13, 53, n)
    hours_total = np.where(long_term, steady * steady_weeks, hours_total)
    intensity = np.where(long_term, steady, intensity)
    hourly = (rng.random(n) < p_hourly) | long_term
    # a long-term engagement's length is drawn in weeks: ceil(steady * w / steady)
    # is w or w + 1 depending on the last bit of `steady`
    weeks = np.where(
        long_term, steady_weeks, np.clip(np.ceil(hours_total / intensity), 1, MAX_WEEKS)
    ).astype(np.int64)
    intensity = hours_total / weeks

    # outcome, decided now
    effort = 0.3 * rng.standard_normal(n) + kn.threshold_effort_logit * tr
    latent = (
        kn.satisfaction_quality * q
        + effort
        - kn.satisfaction_difficult * difficult
        + rng.standard_normal(n)
    )
    private = np.clip(np.round(kn.private_center + kn.private_scale * latent), 0, 10)
    klass = np.where(private >= 9, 0, np.where(private >= 7, 1, 2))
    detractor = klass == 2
    cancelled = rng.random(n) < kn.zero_pay_share * np.where(detractor, 3.0, 1.0)
    early = detractor & ~cancelled & (rng.random(n) < 0.5)
    weeks = np.where(early, np.maximum(1, np.ceil(weeks * (0.2 + 0.6 * rng.random(n)))), weeks)
    weeks = np.where(cancelled, 1, weeks).astype(np.int64)
    disputed = (
        detractor & (rng.random(n) < np.where(difficult, kn.dispute_share_difficult, 0.05))
    ) | (rng.random(n) < 0.002)
    flagged = (difficult & detractor & (rng.random(n) < kn.flag_share_difficult)) | (
        rng.random(n) < 0.003
    )
    no_feedback = rng.random(n) < np.where(cancelled, 0.7, kn.no_feedback_share)
    has_public = ~no_feedback & (rng.random(n) < 0.95)
    has_private = ~no_feedback & (~has_public | (rng.random(n) < kn.private_feedback_share))
    public = np.round(_public_totals(rng, klass, kn) / 6.0, 2)
    public = np.where(has_public, public, np.nan)
    private = np.where(has_private, private, -1).astype(np.int8)

    # dates
    start = m + rng.integers(0, 7, n)
    end = m + 7 * (weeks - 1) + rng.integers(0, 7, n)
    end = np.where(cancelled, start + rng.integers(0, 8, n), np.maximum(end, start))
    weeks = np.where(cancelled, plan.week_of(end) - k + 1, weeks)

    # rate: profile rate at hire (time on the platform, badge premium)
    years = (k - fr.join_week[owner]) / 52.0
    # drawn whatever the knob (exp(0 * z) is exactly 1), so the knob moves no other draw
    noise = stable.exp(kn.rate_noise_sd * rng.standard_normal(n))
    rate = np.round(
        fr.base_rate[owner]
        * stable.power(1 + kn.rate_growth_per_year, years)
        * state.rate_mult[owner]
        * noise,
        2,
    )
    price = hours_total * rate * stable.exp(0.25 * rng.standard_normal(n))

    # weekly schedule: one row per contract-week
    total = int(weeks.sum())
    row = np.repeat(np.arange(n), weeks)
    j = np.arange(total) - np.repeat(np.cumsum(weeks) - weeks, weeks)
    last = j == weeks[row] - 1
    week_hours = np.where(
        hourly[row],
        np.round(intensity[row] * stable.exp(0.15 * rng.take(row, j).standard_normal()), 2),
        intensity[row],
    )
    week_hours = np.where(cancelled[row], 0.0, week_hours)
    day = np.where(last, end[row], m + 7 * j + 6)
    n_milestones = 1 + (weeks >= 4) + (weeks >= 12)
    milestone = (
        (j + 1) * n_milestones[row] // weeks[row] != j * n_milestones[row] // weeks[row]
    ) | last
    amount = np.where(
        hourly[row],
        np.round(week_hours * rate[row], 2),
        np.where(milestone, np.round(price[row] / n_milestones[row], 2), 0.0),
    )
    amount = np.where(cancelled[row], 0.0, amount)
    week = k + j
    in_horizon = day <= plan.last_sunday
    ended = end <= plan.last_sunday
    withheld = last & disputed[row] & ended[row]
    paid = in_horizon & (amount > 0) & ~withheld
    earnings = np.round(np.bincount(row[paid], weights=amount[paid], minlength=n), 2)
    billed = np.round(np.bincount(row[paid], weights=week_hours[paid], minlength=n), 2)

    open_at_end = ~ended
    cols = {
        "fid": owner.astype(np.int32),
        "client": client,
        "start": start.astype(np.int32),
        "end": np.where(open_at_end, NO_DAY, end).astype(np.int32),
        "earnings": earnings,
        "public": np.where(open_at_end, np.nan, public),
        "private": np.where(open_at_end, -1, private).astype(np.int8),
        "disputed": disputed & ended,
        "flagged": flagged & ended,
        "category": category.astype(np.int8),
        "ctype": np.where(hourly, 0, 1).astype(np.int8),
        "hours": np.where(hourly, billed, np.nan),
    }
    pay = {"row": row[paid], "day": day[paid], "amount": amount[paid], "week": week[paid]}
    work = in_horizon & (week < plan.n_weeks)
    hours = {"row": row[work], "week": week[work], "hours": week_hours[work]}
    info = SimpleNamespace(
        difficult=difficult,
        negative=detractor | disputed | (public < 4.0),
        satisfied=~detractor & ~disputed,
        new_client=~repeat,
        n_new=n_new,
        rate=rate,
    )
    return cols, pay, hours, info


# ---------------------------------------------------------------------------
# the loop
# ---------------------------------------------------------------------------


class Truth:
    """Accumulators of the planted effects, as the simulator realised them."""

    def __init__(self):
        self.v = {
            "top_rated_weeks": 0,
            "invitations_expected_with_badge": 0.0,
            "invitations_expected_without_badge": 0.0,
            "profile_views_expected_with_badge": 0.0,
            "profile_views_expected_without_badge": 0.0,
            "hires_expected_with_badge": 0.0,
            "hires_expected_without_badge": 0.0,
            "maintenance_hours": 0.0,
            "risky_offers_while_top_rated": 0,
            "risky_offers_declined": 0,
            "forgone_earnings_usd": 0.0,
            "declined_would_be_negative": 0,
            "pressure_weeks": 0,
            "pressure_exit_hazard_sum": 0.0,
            "pressure_exits": 0,
            "exits": 0,
            "invitations_top_rated": 0,
            "invitations_other": 0,
            "weeks_other": 0,
        }

    def add(self, key, value):
        self.v[key] += value


def visibility_terms(kn, jss, jss_min, tenure, earn12):
    """``f(JSS, tenure, recent earnings)`` of the visibility index, in the shape of
    the knob ``confounding`` (the way the confounders drive demand).

    - ``loglinear`` (the default): ``b_j * (JSS - jss_min) / 10 + b_t * log1p(years)
      + b_e * log1p(earnings_12w / 1000)``; exactly the analyst's usual controls.
    - ``threshold``: steps instead of slopes: ``b_j`` times +1 at JSS 95 or above,
      -1 below 80 (0 between; steps away from 90, so they are not the badge);
      ``b_t * log1p(2)`` from half a year on the platform; ``b_e * log1p(5)`` from
      $2,000 earned in the 12 weeks. Same range of values as ``loglinear``.
    - ``saturating``: the terms flatten out: ``b_j * 1.5 * tanh((JSS - jss_min) / 15)``
      (the same slope as ``loglinear`` at 90), ``b_t * 2 * (1 - exp(-years))``,
      ``b_e * 3 * (1 - exp(-earnings_12w / 3000))``.

    Without a JSS the JSS term is ``no_jss_visibility`` in every shape. Linear or
    log controls fit ``threshold`` and ``saturating`` only approximately, so an
    estimator that relies on them is biased there (issue 12).
    """
    shape = getattr(kn, "confounding", "loglinear")
    no_jss = np.isnan(jss)
    if shape == "loglinear":
        g = np.where(no_jss, kn.no_jss_visibility, (jss - jss_min) / 10.0)
        return (
            kn.jss_visibility_per_10_points * g
            + kn.tenure_visibility * stable.log1p(tenure)
            + kn.earnings_visibility * stable.log1p(earn12 / 1000.0)
        )
    if shape == "threshold":
        step = np.where(jss >= 95.0, 1.0, np.where(jss < 80.0, -1.0, 0.0))
        g = np.where(no_jss, kn.no_jss_visibility, step)
        return (
            kn.jss_visibility_per_10_points * g
            + kn.tenure_visibility * stable.log1p(2.0) * (tenure >= 0.5)
            + kn.earnings_visibility * stable.log1p(5.0) * (earn12 >= 2000.0)
        )
    if shape == "saturating":
        x = (jss - jss_min) / 15.0
        e2 = stable.exp(-2.0 * np.abs(np.nan_to_num(x)))
        tanh = np.sign(x) * (1.0 - e2) / (1.0 + e2)
        g = np.where(no_jss, kn.no_jss_visibility, 1.5 * np.nan_to_num(tanh))
        return (
            kn.jss_visibility_per_10_points * g
            + kn.tenure_visibility * 2.0 * (1.0 - stable.exp(-tenure))
            + kn.earnings_visibility * 3.0 * (1.0 - stable.exp(-earn12 / 3000.0))
        )
    raise ValueError(f"unknown confounding shape {shape!r}")


class Pair:
    """What the counterfactual comparison needs from one run (see `run_pair`).

    ``watched[k]``: the freelancers Top Rated and on the platform in week ``k`` of
    the run as written (the treated freelancer-weeks); ``first_top_week``: the
    Sunday each freelancer first gained the badge (-1 never), so *holders* in week
    ``k`` are those with ``0 <= first_top_week < k``. The sums are over those
    freelancer-weeks, in whichever run collected them.
    """

    def __init__(self, n, weeks):
        self.watched = [np.zeros(0, dtype=np.int64)] * weeks
        self.first_top_week = np.full(n, -1, dtype=np.int64)
        self.invitations = 0
        self.profile_views = 0
        self.hires = 0
        self.treated_weeks = 0
        self.maintenance_hours = 0.0
        self.holder_earnings = 0.0
        self.holder_hours = 0.0
        self.holder_hours_value = 0.0
        self.rate_mult_sum = 0.0
        self.rate_contracts = 0


def run(config, kn: SimpleNamespace, rules: Rules, progress: bool = True, reference=None):
    """Simulate; returns (tables of numpy columns, truth dict, status panel array, plan,
    id format, `Pair`).

    `reference` is None for the world as written. For the counterfactual it is the
    `Pair` of that run: every badge effect is then switched off (the invitation,
    view and hire lifts, the rate premium, maintenance hours, declined risky
    offers, extra effort, pressure exits) while the badge is still computed, and
    the sums are taken over the written run's treated freelancer-weeks. Every
    random number in the weekly loop comes from `analysis.simulate.keyed`, keyed
    by freelancer, week and offer, so both runs draw the same numbers for the
    same decisions.
    """
    badge_on = reference is None
    rng = np.random.default_rng(config.seed)
    plan = plan_weeks(config.start_day, config.end_day)
    n, weeks = config.freelancers, plan.n_weeks
    fr = draw_freelancers(rng, n, plan, kn)
    gamma = kn.season_amplitude * stable.cos(
        2 * np.pi * (np.arange(weeks) * 7 + plan.first_monday + 3 - 10) / 365.25
    ) + kn.week_noise_sd * rng.standard_normal(weeks)
    budget_contracts = max(1000, int(n * weeks * 0.6))
    fmt = IdFormat(n, budget_contracts, budget_contracts)
    # the twin needs the JSS (demand, hiring) but no badge: it computes no status
    scope = config.status_scope if badge_on else "jss-only"
    tracker = BadgeTracker(rules, n, fmt, plan.first_monday, weeks, fr.profile_complete, scope)

    # the knobs that break the estimator's assumptions draw from a stream of their own
    extra = np.random.default_rng([config.seed, 12])
    log_lift = np.zeros(n)
    if kn.lift_heterogeneity_sd > 0:
        log_lift = kn.lift_heterogeneity_sd * extra.standard_normal(n)
    # the weekly loop's random numbers, keyed by purpose, freelancer, week (and offer)
    keyed_demand = Keyed(config.seed, 1)
    keyed_work = Keyed(config.seed, 2)
    keyed_life = Keyed(config.seed, 3)
    keyed_drift = Keyed(config.seed, 4)
    sums = Pair(n, weeks)
    pair = sums if badge_on else reference
    own_rate_growth = stable.log1p(kn.rate_growth_per_year)
    state = SimpleNamespace(
        drift=np.zeros(n),
        top_rated=np.zeros(n, dtype=bool),
        effect=np.zeros(n, dtype=bool),
        rate_mult=np.ones(n),
        ring_client=np.zeros((n, RING), dtype=np.int64),
        ring_difficult=np.zeros((n, RING), dtype=bool),
        ring_n=np.zeros(n, dtype=np.int64),
    )
    left = np.zeros(n, dtype=bool)
    last_hire_week = np.full(n, -(10**6), dtype=np.int64)
    jobs_done = np.zeros(n, dtype=np.int64)
    hold_until = np.full(n, -1, dtype=np.int64)
    ever_top = np.zeros(n, dtype=bool)
    first_top_week = np.full(n, -1, dtype=np.int64)
    spell_start = np.full(n, -1, dtype=np.int64)  # first week of the current Top Rated spell
    first_jss90_day = np.full(n, NO_DAY, dtype=np.int64)
    earn_sched = np.zeros((weeks + 1, n), dtype=np.float32)
    hours_sched = np.zeros((weeks + 1, n), dtype=np.float32)
    panel = np.full((weeks, n), NOT_STARTED, dtype=np.int8)
    watched_now = np.zeros(n, dtype=bool)

    contracts = Columns(CONTRACT_COLUMNS)
    payments = Columns({"fid": np.int32, "cid": np.int64, "day": np.int32, "amount": np.float64})
    activity = Columns(
        {
            "fid": np.int32, "week": np.int32, "invitations": np.int32, "proposals": np.int32,
            "interviews": np.int32, "hires": np.int32, "profile_views": np.int32,
            "hours": np.float64, "shown": np.int8,
        }
    )  # fmt: skip
    events = Columns({"fid": np.int32, "day": np.int32, "event": np.int8})
    truth = Truth()
    next_contract = 0
    next_client = 0
    lift_inv, lift_view, lift_hire = kn.invitation_lift, kn.profile_view_lift, kn.hire_rate_lift

    bar = tqdm(range(weeks), desc="simulating weeks", unit="week", disable=not progress)
    for k in bar:
        m = plan.monday(k)
        s = m + 6
        idx = np.flatnonzero((fr.join_week <= k) & ~left)
        n_a = len(idx)
        tr = state.top_rated[idx]
        tr_eff = tr & badge_on
        if badge_on:
            pair.watched[k] = idx[tr]
        watched_now[:] = False
        watched_now[pair.watched[k]] = True
        watched = watched_now[idx]
        if kn.quality_drift_sd > 0:
            state.drift[idx] += kn.quality_drift_sd * keyed_drift.at(idx, k).standard_normal()
        # share of the full badge effect: ramps up over a spell's first weeks
        share = np.ones(n_a)
        if kn.effect_ramp_weeks > 0:
            share = np.minimum(1.0, (k - spell_start[idx] + 1) / kn.effect_ramp_weeks)
        het = stable.exp(log_lift[idx])
        jss = tracker.jss_latest[idx]
        g = np.where(np.isnan(jss), kn.no_jss_visibility, (jss - rules.badges.jss_min) / 10.0)
        earn12 = earn_sched[max(0, k - 12) : k, idx].sum(axis=0, dtype=np.float64)
        tenure = (k - fr.join_week[idx]) / 52.0
        f = visibility_terms(kn, jss, rules.badges.jss_min, tenure, earn12)
        base = fr.alpha[idx] + kn.quality_visibility * state.drift[idx] + gamma[k] + f
        demand = stable.exp(base)
        inv_mean0 = kn.invitations_per_week * demand
        view_mean0 = kn.profile_views_per_week * demand
        inv_mean = inv_mean0 * np.where(tr_eff, _ramp(lift_inv * het, share), 1.0)
        view_mean = view_mean0 * np.where(tr_eff, _ramp(lift_view * het, share), 1.0)
        dd = keyed_demand.at(idx, k)
        invitations = dd.negative_binomial(inv_mean, kn.invitation_dispersion)
        views = dd.negative_binomial(view_mean, kn.invitation_dispersion)
        maint = np.where(tr_eff, kn.maintenance_hours_per_week * dd.gamma_int(4, 0.25), 0.0)

        capacity = fr.capacity[idx]
        committed = hours_sched[k, idx].astype(np.float64)
        spare = np.clip((capacity - maint - committed) / capacity, 0.0, 1.0)
        on_hold = hold_until[idx] >= m
        spare = np.where(on_hold, 0.0, spare)
        dw = keyed_work.at(idx, k)
        proposals = dw.poisson(fr.budget[idx] * spare)
        answered = dw.binomial(invitations, spare)
        q = fr.quality[idx] + state.drift[idx]
        record = kn.newcomer_hire_factor + (1 - kn.newcomer_hire_factor) * (
            1 - stable.exp(-jobs_done[idx] / 3.0)
        )
        p_inv0 = kn.invite_hire_prob * record * stable.exp(kn.quality_hire * q + 0.3 * g)
        p_prop0 = kn.proposal_hire_prob * record * stable.exp(kn.quality_hire * q + 0.4 * g)
        hire_lift = np.where(tr_eff, _ramp(np.full(n_a, lift_hire), share), 1.0)
        p_inv = np.clip(p_inv0 * hire_lift, 0.0, 0.9)
        p_prop = np.clip(p_prop0 * hire_lift, 0.0, 0.9)
        offers_inv = dw.binomial(answered, p_inv)
        offers_prop = dw.binomial(proposals, p_prop)
        offers = offers_inv + offers_prop
        interviews = offers + dw.binomial(answered - offers_inv + proposals - offers_prop, 0.1)

        if tr.any():
            truth.add("top_rated_weeks", int(tr.sum()))
            truth.add("invitations_expected_with_badge", float(inv_mean[tr].sum()))
            truth.add("invitations_expected_without_badge", float(inv_mean0[tr].sum()))
            truth.add("profile_views_expected_with_badge", float(view_mean[tr].sum()))
            truth.add("profile_views_expected_without_badge", float(view_mean0[tr].sum()))
            apps_i, apps_p = answered[tr], proposals[tr]
            with_badge = apps_i * p_inv[tr] + apps_p * p_prop[tr]
            without = apps_i * np.clip(p_inv0[tr], 0, 0.9) + apps_p * np.clip(p_prop0[tr], 0, 0.9)
            truth.add("hires_expected_with_badge", float(with_badge.sum()))
            truth.add("hires_expected_without_badge", float(without.sum()))
            truth.add("maintenance_hours", float(maint.sum()))
            truth.add("invitations_top_rated", int(invitations[tr].sum()))
        started = tracker.first_start[idx] <= s - 7
        other = ~tr & started
        truth.add("weeks_other", int(other.sum()))
        truth.add("invitations_other", int(invitations[other].sum()))

        # offers -> contracts
        owner = np.repeat(idx, offers).astype(np.int64)
        accepted_count = np.zeros(n_a, dtype=np.int64)
        if len(owner):
            pos = np.repeat(np.arange(n_a), offers)
            slot = np.arange(len(owner)) - np.repeat(np.cumsum(offers) - offers, offers)
            offer_draws = dw.take(pos, slot)
            cols, pay, hrs, info = make_contracts(
                offer_draws, owner, k, plan, fr, state, kn, next_client
            )
            next_client += info.n_new
            risky_tr = state.top_rated[owner] & info.difficult
            u_decline = offer_draws.random()
            declined = state.effect[owner] & info.difficult & (u_decline < kn.risky_decline_share)
            truth.add("risky_offers_while_top_rated", int(risky_tr.sum()))
            truth.add("risky_offers_declined", int(declined.sum()))
            truth.add("forgone_earnings_usd", float(cols["earnings"][declined].sum()))
            truth.add("declined_would_be_negative", int((info.negative & declined).sum()))
            take = ~declined
            new_index = np.cumsum(take) - 1
            n_take = int(take.sum())
            cid = next_contract + np.arange(n_take, dtype=np.int64)
            next_contract += n_take
            c_new = {key: v[take] for key, v in cols.items()}
            c_new["cid"] = cid
            contracts.append(**c_new)
            tracker.add_contracts(c_new)
            accepted = np.searchsorted(idx, owner[take])
            accepted_count = np.bincount(accepted, minlength=n_a).astype(np.int64)
            last_hire_week[owner[take]] = k
            np.add.at(jobs_done, owner[take], 1)
            in_watch = take & watched_now[owner]
            sums.rate_mult_sum += float(state.rate_mult[owner[in_watch]].sum())
            sums.rate_contracts += int(in_watch.sum())
            # payment schedule
            pk = take[pay["row"]]
            prow = new_index[pay["row"][pk]]
            p_fid = c_new["fid"][prow]
            p_cid = cid[prow]
            payments.append(fid=p_fid, cid=p_cid, day=pay["day"][pk], amount=pay["amount"][pk])
            tracker.add_payments(p_fid, p_cid, pay["day"][pk], pay["amount"][pk], pay["week"][pk])
            np.add.at(earn_sched, (pay["week"][pk], p_fid), pay["amount"][pk])
            hk = take[hrs["row"]]
            h_fid = c_new["fid"][new_index[hrs["row"][hk]]]
            np.add.at(hours_sched, (hrs["week"][hk], h_fid), hrs["hours"][hk])
            # satisfied clients are remembered for repeat hires
            good = take & info.satisfied
            g_owner = owner[good]
            pos = state.ring_n[g_owner] % RING
            state.ring_client[g_owner, pos] = cols["client"][good]
            state.ring_difficult[g_owner, pos] = info.difficult[good]
            np.add.at(state.ring_n, g_owner, 1)

        # the counterfactual sums: treated freelancer-weeks and holders (see `Pair`)
        sums.invitations += int(invitations[watched].sum())
        sums.profile_views += int(views[watched].sum())
        sums.hires += int(accepted_count[watched].sum())
        sums.treated_weeks += int(watched.sum())
        sums.maintenance_hours += float(maint[watched].sum())
        holders = np.flatnonzero((pair.first_top_week >= 0) & (pair.first_top_week < k))
        if len(holders):
            own_rate = fr.base_rate[holders] * stable.exp(
                own_rate_growth * np.maximum(k - fr.join_week[holders], 0) / 52.0
            )
            h_hours = hours_sched[k, holders].astype(np.float64)
            h_hours[np.searchsorted(holders, idx[tr_eff])] += maint[tr_eff]
            sums.holder_earnings += float(earn_sched[k, holders].sum(dtype=np.float64))
            sums.holder_hours += float(h_hours.sum())
            sums.holder_hours_value += float((h_hours * own_rate).sum())

        # the week's activity row; the badge shown is the one found on last Sunday
        hours_worked = np.round(hours_sched[k, idx].astype(np.float64) + maint, 2)
        shown = panel[k - 1, idx] if k > 0 else np.full(n_a, NOT_STARTED, dtype=np.int8)
        shown = np.where(shown == NOT_STARTED, 0, shown)  # no contract yet: no badge
        activity.append(
            fid=idx, week=np.full(n_a, k), invitations=invitations, proposals=proposals,
            interviews=interviews, hires=accepted_count, profile_views=views, hours=hours_worked,
            shown=shown,
        )  # fmt: skip
        tracker.add_proposals(k, idx[proposals > 0])

        # account holds and Terms-of-Service violations
        dl = keyed_life.at(idx, k)
        u_hold, u_tos, u_exit = dl.random(), dl.random(), dl.random()
        hold_day, tos_day, u_len = dl.integers(0, 7), dl.integers(0, 7), dl.random()
        can_hold = ~on_hold & (tracker.first_start[idx] <= s)
        hold = can_hold & (u_hold < kn.hold_rate_per_week)
        tos = (tracker.first_start[idx] <= s) & (u_tos < kn.tos_rate_per_week)
        if hold.any():
            who = idx[hold]
            h_start = m + hold_day[hold]
            p_end = 1.0 / kn.hold_weeks_mean
            if p_end >= 1.0:
                length = np.ones(len(who), dtype=np.int64)
            else:
                length = np.maximum(
                    1, np.ceil(stable.log(u_len[hold]) / stable.log1p(-p_end))
                ).astype(np.int64)
            h_end = h_start + 7 * length
            hold_until[who] = h_end
            ended = h_end <= plan.last_sunday
            fid = np.concatenate([who, who[ended]])
            day = np.concatenate([h_start, h_end[ended]])
            event = np.concatenate([np.zeros(len(who)), np.ones(int(ended.sum()))])
            events.append(fid=fid, day=day, event=event)
            tracker.add_events(fid.astype(np.int32), day.astype(np.int32), event.astype(np.int8))
        if tos.any():
            who = idx[tos]
            day = m + tos_day[tos]
            events.append(fid=who, day=day, event=np.full(len(who), 2))
            tracker.add_events(
                who.astype(np.int32), day.astype(np.int32), np.full(len(who), 2, dtype=np.int8)
            )

        # leaving the platform at the end of the week
        idle = (k - fr.join_week[idx] >= 26) & (k - last_hire_week[idx] >= 26)
        base_hazard = kn.base_churn_per_week * np.where(idle, kn.idle_churn_multiplier, 1.0)
        base_hazard = np.where(tos, np.maximum(base_hazard, 0.3), base_hazard)
        pressure = tr_eff & ~np.isnan(jss) & (jss < tracker.jss_min + kn.pressure_jss_margin)
        press_hazard = np.where(pressure, kn.pressure_churn_per_week, 0.0)
        exit_base = u_exit < base_hazard
        exit_press = ~exit_base & (u_exit < base_hazard + press_hazard)
        leaving = exit_base | exit_press
        truth.add("pressure_weeks", int(pressure.sum()))
        truth.add("pressure_exit_hazard_sum", float(press_hazard.sum()))
        truth.add("pressure_exits", int(exit_press.sum()))
        truth.add("exits", int(leaving.sum()))
        gone = idx[leaving]
        left[gone] = True
        tracker.left(gone)

        # Sunday: the rules engine decides the badge for next week
        if k % 4 == 3:
            tracker.trim(s)
        status = tracker.evaluate(k, s)
        panel[k] = status
        was_top = state.top_rated
        state.top_rated = (status == TOP) | (status == PLUS)
        state.effect = state.top_rated & badge_on
        spell_start[state.top_rated & ~was_top] = k + 1  # the badge shows from next week
        newly = state.top_rated & ~ever_top
        ever_top |= newly
        first_top_week[newly] = k
        if badge_on:
            pair.first_top_week[newly] = k
            state.rate_mult[newly] *= kn.rate_premium
        hit = (tracker.jss_latest >= tracker.jss_min) & (first_jss90_day == NO_DAY)
        first_jss90_day[hit] = s
        if progress and k % 13 == 0:
            bar.set_postfix(active=n_a, contracts=len(contracts))
    bar.close()

    years_final = (weeks - 1 - fr.join_week) / 52.0
    profile_rate = np.round(
        fr.base_rate
        * stable.power(1 + kn.rate_growth_per_year, np.maximum(years_final, 0))
        * state.rate_mult,
        2,
    )
    tables = {
        "contracts": contracts.compact(),
        "payments": payments.compact(),
        "activity": activity.compact(),
        "freelancers": {
            "fid": np.arange(n),
            "joined": plan.first_monday + 7 * fr.join_week.astype(np.int64),
            "category": fr.category,
            "country": fr.country,
            "rate": profile_rate,
            "profile_complete": fr.profile_complete,
        },
        "account_events": events.compact(),
    }
    tables["activity"]["week_start"] = plan.first_monday + 7 * tables["activity"].pop(
        "week"
    ).astype(np.int64)
    realised = _realised(truth.v, ever_top, first_top_week, first_jss90_day, plan, kn)
    realised["engine_calls"] = dict(tracker.calls)
    return tables, realised, panel, plan, fmt, sums


def run_pair(config, kn: SimpleNamespace, rules: Rules, progress: bool = True):
    """The world as written and its counterfactual twin; returns `run`'s first five
    results, with the counterfactual truths (`counterfactual_truth`) in ``realised``.

    The twin replays the same seed with every badge effect switched off (see
    `run`); with the same random numbers for the same decisions, the difference
    between the two on the written run's treated freelancer-weeks is the badge's
    effect, without sampling noise beyond what the badge itself changes.
    """
    tables, realised, panel, plan, fmt, written = run(config, kn, rules, progress)
    twin = run(config, kn, rules, progress, reference=written)[5]
    realised.update(counterfactual_truth(written, twin))
    return tables, realised, panel, plan, fmt


def counterfactual_truth(a: Pair, c: Pair) -> dict:
    """The effects on the treated that the pair (`a` as written, `c` counterfactual)
    reveals; ``None`` where a denominator is 0 (no Top Rated week).

    - ``invitation_lift``, ``profile_view_lift``, ``hires_lift``: invitations,
      profile views and accepted hires (contracts started, after declined risky
      offers) summed over the freelancer-weeks in which a freelancer was Top Rated
      in the written run, over the same sums in the counterfactual run (0 where the
      freelancer had left the platform there). ``hires_lift`` is the *total*
      effect on hires per week: more invitations, better odds per application,
      less capacity (maintenance), declined offers.
    - ``rate_premium``: mean over contracts hired in those weeks of the agreed
      rate over the rate the same offer would have had without the badge (the
      random parts of a rate are the same in both runs).
    - ``maintenance_hours``: unpaid hours per Top Rated week (0 in the twin).
    - ``net_value_usd_per_holder_year``: over every freelancer from the week after
      they first gained the badge to the end, earnings paid in the written run
      minus the twin's, minus the extra hours worked (billed and maintenance, at
      the freelancer's own rate: profile rate without the badge premium, grown with
      time on the platform), per year of Top Rated weeks (treated weeks / 52).
      More work at one's own rate nets out; a higher rate, upkeep hours and
      declined offers do not.
    """
    years = a.treated_weeks / 52.0
    rate_a = _ratio(a.rate_mult_sum, a.rate_contracts)
    rate_c = _ratio(c.rate_mult_sum, c.rate_contracts) or 1.0
    gained = a.holder_earnings - c.holder_earnings
    hours = a.holder_hours - c.holder_hours
    value = a.holder_hours_value - c.holder_hours_value
    return {
        "invitation_lift": _ratio(a.invitations, c.invitations),
        "profile_view_lift": _ratio(a.profile_views, c.profile_views),
        "hires_lift": _ratio(a.hires, c.hires),
        "rate_premium": None if rate_a is None else rate_a / rate_c,
        "maintenance_hours": _ratio(a.maintenance_hours - c.maintenance_hours, a.treated_weeks),
        "net_value_usd_per_holder_year": _ratio(gained - value, years),
        "earnings_gained_usd_per_holder_year": _ratio(gained, years),
        "extra_hours_per_holder_year": _ratio(hours, years),
        "counterfactual": {
            "treated_weeks": a.treated_weeks,
            "invitations": [a.invitations, c.invitations],
            "profile_views": [a.profile_views, c.profile_views],
            "hires": [a.hires, c.hires],
            "holder_earnings_usd": [round(a.holder_earnings, 2), round(c.holder_earnings, 2)],
            "holder_hours": [round(a.holder_hours, 2), round(c.holder_hours, 2)],
        },
    }


def _ratio(a, b):
    return float(a / b) if b else None


def _realised(v, ever_top, first_top_week, first_jss90_day, plan, kn) -> dict:
    """The true effects an estimator should recover, from the accumulators."""
    gained = ever_top & (first_jss90_day != NO_DAY)
    top_day = plan.first_monday + 7 * first_top_week[gained] + 6
    lag_weeks = (top_day - first_jss90_day[gained]) / 7.0
    naive = None
    if v["top_rated_weeks"] and v["weeks_other"] and v["invitations_other"]:
        naive = (v["invitations_top_rated"] / v["top_rated_weeks"]) / (
            v["invitations_other"] / v["weeks_other"]
        )
    tr_weeks = v["top_rated_weeks"]
    return {
        "invitation_lift_direct": _ratio(
            v["invitations_expected_with_badge"], v["invitations_expected_without_badge"]
        ),
        "profile_view_lift_direct": _ratio(
            v["profile_views_expected_with_badge"], v["profile_views_expected_without_badge"]
        ),
        "hire_rate_lift": _ratio(v["hires_expected_with_badge"], v["hires_expected_without_badge"]),
        "rate_premium": float(kn.rate_premium) if ever_top.any() else None,
        "maintenance_hours_per_top_rated_week": _ratio(v["maintenance_hours"], tr_weeks),
        "risky_offers_while_top_rated": v["risky_offers_while_top_rated"],
        "risky_offers_declined": v["risky_offers_declined"],
        "risky_decline_share": _ratio(
            v["risky_offers_declined"], v["risky_offers_while_top_rated"]
        ),
        "forgone_earnings_usd": round(v["forgone_earnings_usd"], 2),
        "declined_would_be_negative": v["declined_would_be_negative"],
        "pressure_weeks": v["pressure_weeks"],
        "pressure_exits": v["pressure_exits"],
        "pressure_exits_expected": v["pressure_exit_hazard_sum"],
        "exits": v["exits"],
        "top_rated_weeks": tr_weeks,
        "freelancers_ever_top_rated": int(ever_top.sum()),
        "naive_invitation_ratio_top_rated_vs_rest": naive,
        "badge_lag_after_jss90_weeks_median": (
            float(np.median(lag_weeks)) if len(lag_weeks) else None
        ),
        "badge_lag_after_jss90_share_4_weeks_or_more": (
            float((lag_weeks >= 4).mean()) if len(lag_weeks) else None
        ),
    }
