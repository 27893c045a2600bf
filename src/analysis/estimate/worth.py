"""Is Top Rated worth it *for me*? The net value of a year with the badge, for one freelancer.

`toprated worth HISTORY --freelancer ID [--effects FILE] [--upkeep-hours H] [--json]`.

The value formula is the one of report 05 (`analysis.estimate.value`, one row)::

    net = k * ((L - 1) * inv0 * conv * value * W + (R - 1) * rate * billed * W)
          - M * rate * W - forgone,          k = 1 - p_loss * weeks_off / W

with the effect sizes ``L`` (invitation lift), ``R`` (rate premium) and ``M``
(upkeep hours a week) from ``--effects`` (the JSON of ``toprated effects`` on a
population: each effect's estimate and 95% interval) or, by default, from the
stated ranges of `worth.toml` (each read as a 95% interval, with its sources);
``--upkeep-hours H`` fixes ``M``. The freelancer's own inputs come from their
record as of its as-of date ``t``, over the 12 months ``(t - 365, t]``:

- ``inv0``, ``conv``: invitations per week and hires per application from
  activity.csv when the freelancer has weeks there; without them, new contracts
  per week (contracts started in the 12 months / 52) and ``conv = 1``: the lift
  then applies to all new work, an upper bound (work won by one's own proposals
  gains less from a badge);
- ``value``: mean ``earnings_usd`` of the contracts started on or before ``t``
  with money;
- ``rate``: freelancers.csv ``hourly_rate_usd`` when listed, else the hourly
  contracts' earnings per hour billed in the 12 months (earnings and hours both
  spread evenly over each contract's days, `analysis.engine.money`);
- ``billed``: hours of the hourly contracts in the 12 months (spread) / 52;
- ``p_loss``: the chance of at least ``h`` negative outcomes within a year, where
  ``h`` is the headroom (`analysis.engine.jss.headroom`: negatives that would take
  the JSS below 90; 1 when there is no JSS or it is below already) and negatives
  arrive as a Poisson process: ``new contracts a year x p_neg``, ``p_neg`` the
  record's own share of negatives among its ended counted contracts, shrunk to a
  stated prior (`worth.toml`, ``[record]``). An approximation: outcomes also age
  out of the windows;
- ``weeks_off``: weeks without the badge after a loss (`worth.toml`).

Answers: the net value's median and 90% interval over seeded Monte Carlo draws of
the effects, the probability it is positive, the invitation lift at which it
breaks even and the upkeep hours a week at which it stops paying (other effects at
their central values). Alongside, gaps of the bundled real cross-section
(`data/real/`: profiles at JSS 90+ against the rest) are shown as upper bounds on
the badge's own effects: they mix the badge with who holds it.
"""

from __future__ import annotations

import json
import math
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis import config
from analysis.engine.jss import NEGATIVE, contract_outcomes
from analysis.engine.money import earnings_between
from analysis.engine.profiles import hours_as_money
from analysis.engine.ruleset import Rules
from analysis.engine.whatif import whatif
from analysis.estimate.value import VALUE_EFFECTS, break_even, net_value_draws
from analysis.io.errors import InputError, Problem
from analysis.io.history import History, to_day
from analysis.io.profiles import read_real_profiles
from analysis.io.tomlfile import parse_toml, read_toml_file

#: Monte Carlo draws of the effects.
N_DRAWS = 4000
#: The real scrape whose cross-section gives upper bounds.
REAL_FILE = "upwork-profiles-datajobs-2023-2025.csv"
_EFFECT_FIELDS = ("effect", "estimate", "ci_low", "ci_high", "unit")


def load_assumptions(path: str | Path | None = None) -> dict[str, Any]:
    """The assumptions table: the bundled `worth.toml`, or a TOML file at `path`."""
    if path is None:
        label = "worth.toml"
        text = resources.files("analysis.estimate").joinpath(label).read_text("utf-8")
        raw = parse_toml(text, label)
    else:
        label, raw = str(path), read_toml_file(path)
    try:
        for name in VALUE_EFFECTS:
            e = raw["effects"][name]
            float(e["low"]), float(e["high"]), str(e["unit"])  # noqa: B018
        for key in ("weeks_off_after_loss", "negative_share_prior",
                    "negative_share_prior_contracts", "weeks_per_year"):  # fmt: skip
            float(raw["record"][key])
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(
            [Problem(label, None, None, None, f"is not a valid assumptions table: {exc}")]
        ) from None
    return raw


def effects_from_assumptions(assumptions: dict[str, Any]) -> pd.DataFrame:
    """The assumption ranges as an effects frame: each range is the 95% interval;
    the central value is the geometric mean of an "x" range, the midpoint of hours."""
    rows = []
    for name in VALUE_EFFECTS:
        e = assumptions["effects"][name]
        lo, hi, unit = float(e["low"]), float(e["high"]), str(e["unit"])
        mid = math.sqrt(lo * hi) if unit == "x" else (lo + hi) / 2
        rows.append((name, mid, lo, hi, unit, "assumption (worth.toml)"))
    return pd.DataFrame(rows, columns=[*_EFFECT_FIELDS, "source"])


def read_effects(path: str | Path, assumptions: dict[str, Any]) -> pd.DataFrame:
    """Effects from the JSON of ``toprated effects --json``; an effect the file does
    not estimate (missing, or null) is taken from the assumptions, and says so."""
    path = Path(path)
    try:
        records = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError([Problem(str(path), None, None, None, f"is not JSON ({exc})")]) from None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise InputError(
            [
                Problem(
                    str(path),
                    None,
                    None,
                    None,
                    "is not the JSON of `toprated effects --json` (a list of objects)",
                )
            ]  # fmt: skip
        )
    fallback = effects_from_assumptions(assumptions).set_index("effect")
    rows = []
    for name in VALUE_EFFECTS:
        rec = next((r for r in records if r.get("effect") == name), None)
        values = [rec.get(k) for k in ("estimate", "ci_low", "ci_high")] if rec else [None] * 3
        if rec is None or any(not isinstance(v, int | float) for v in values):
            rows.append((name, *fallback.loc[name, ["estimate", "ci_low", "ci_high", "unit"]],
                         "assumption (worth.toml): not estimated in the effects file"))  # fmt: skip
            continue
        rows.append((name, *map(float, values), str(rec.get("unit", fallback.loc[name, "unit"])),
                     f"estimated ({path.name})"))  # fmt: skip
    return pd.DataFrame(rows, columns=[*_EFFECT_FIELDS, "source"])


def with_upkeep(effects: pd.DataFrame, hours: float | None) -> pd.DataFrame:
    """`effects` with the upkeep hours fixed at `hours` (no uncertainty), if given."""
    if hours is None:
        return effects
    if not math.isfinite(hours) or hours < 0:
        raise InputError(
            [Problem("--upkeep-hours", None, None, str(hours), "is not a number >= 0")]
        )
    out = effects.copy()
    row = out["effect"] == "maintenance_hours"
    out.loc[row, ["estimate", "ci_low", "ci_high"]] = float(hours)
    out.loc[row, "source"] = "given (--upkeep-hours)"
    return out


def own_inputs(
    history: History, freelancer_id: str, rules: Rules, assumptions: dict[str, Any], at: Any = None
) -> dict[str, Any]:
    """The freelancer's own inputs to the value formula (module docstring), as of `at`
    (default: the history's as-of date), with what each came from."""
    room = whatif(history, freelancer_id, rules, at=at)  # InputError for an unknown id
    mine = history.select([freelancer_id])
    t = to_day(at if at is not None else history.as_of)
    w = float(assumptions["record"]["weeks_per_year"])
    start = t - pd.Timedelta(days=365)
    c = mine.contracts
    ids = pd.Index([freelancer_id])
    new = int(((c["start_date"] > start) & (c["start_date"] <= t)).sum())
    valued = c[(c["start_date"] <= t) & (c["earnings_usd"] > 0)]
    value = float(valued["earnings_usd"].mean()) if len(valued) else 0.0

    hourly = c[(c.get("contract_type") == "hourly") & c["hours"].notna()] if "hours" in c else c[:0]
    h_hist = History(contracts=hourly)
    earned = (
        float(earnings_between(h_hist, ids, start, t, as_of=history.as_of)[0, 0])
        if len(hourly)
        else 0.0
    )
    hours = float(earnings_between(hours_as_money(h_hist), ids, start, t, as_of=history.as_of)[0, 0]) if len(hourly) else 0.0  # fmt: skip
    listed = None
    f = mine.freelancers
    if f is not None and "hourly_rate_usd" in f and f["hourly_rate_usd"].notna().any():
        listed = float(f["hourly_rate_usd"].dropna().iloc[0])
    if listed is not None:
        rate, rate_from = listed, "freelancers.csv hourly_rate_usd"
    elif hours > 0:
        rate, rate_from = (
            earned / hours,
            "hourly contracts' earnings per hour in the last 12 months",
        )
    else:
        raise InputError(
            [
                Problem(
                    history.source,
                    None,
                    "hourly_rate_usd",
                    None,
                    f"no hourly rate for {freelancer_id}: list it in freelancers.csv or give "
                    "hours on hourly contracts of the last 12 months",
                )
            ]  # fmt: skip
        )

    act = mine.activity
    weeks = (
        act[(act["week_start"] > start - pd.Timedelta(days=6)) & (act["week_start"] <= t)]
        if act is not None and "invitations" in act
        else None
    )
    if weeks is not None and len(weeks):
        inv = weeks["invitations"].astype("Float64").fillna(0).to_numpy(dtype=float)
        apps = inv + (weeks["proposals"].astype("Float64").fillna(0).to_numpy(dtype=float)
                      if "proposals" in weeks else 0.0)  # fmt: skip
        hires = weeks["hires"].astype("Float64").fillna(0).sum() if "hires" in weeks else 0
        inv0, conv = float(inv.mean()), float(hires / apps.sum()) if apps.sum() > 0 else 0.0
        inv_from = f"activity.csv: {len(weeks)} weeks of invitations"
    else:
        inv0, conv = new / w, 1.0
        inv_from = (
            "no invitations recorded: new contracts per week (the lift applies to all new work)"
        )

    ended = c[c["end_date"].notna() & (c["end_date"] <= t)]
    outcome = contract_outcomes(ended, rules)["outcome"].cat.codes.to_numpy()
    counted = int((outcome != 3).sum())  # 3 = excluded
    negatives = int((outcome == NEGATIVE).sum())
    rec = assumptions["record"]
    p0, n0 = float(rec["negative_share_prior"]), float(rec["negative_share_prior_contracts"])
    p_neg = (negatives + p0 * n0) / (counted + n0)
    headroom = room["negatives_to_drop_below"]
    h = int(headroom) if headroom else 1
    lam = new * p_neg  # negatives expected in a year: new contracts x share negative
    p_loss = float(1.0 - np.exp(-lam) * sum(lam**j / math.factorial(j) for j in range(h)))
    return {
        "freelancer_id": freelancer_id,
        "at": t.date().isoformat(),
        "status": room.get("status"),
        "jss": room["jss"],
        "headroom": headroom,
        "invitations_per_week": inv0,
        "hires_per_application": conv,
        "invitations_from": inv_from,
        "new_contracts_12m": new,
        "contract_value_usd": value,
        "hourly_rate_usd": rate,
        "rate_from": rate_from,
        "hourly_earnings_12m_usd": earned,
        "billed_hours_12m": hours,
        "billed_hours_per_week": hours / w,
        "counted_contracts": counted,
        "negative_contracts": negatives,
        "negative_share": p_neg,
        "p_loss_per_year": p_loss,
        "weeks_off_after_loss": float(rec["weeks_off_after_loss"]),
        "forgone_usd_per_year": 0.0,
    }


def upkeep_break_even(inputs: dict[str, Any], effects: pd.DataFrame, weeks: float) -> float:
    """Weekly upkeep hours at which the year nets zero, lift and premium at their
    central values: ``M* = (k * (b_inv + b_rate) - forgone) / (rate * W)`` (inf when
    the rate is 0); negative means it does not pay even with no upkeep."""
    e = effects.set_index("effect")["estimate"]
    w = weeks
    k = 1.0 - inputs["p_loss_per_year"] * inputs["weeks_off_after_loss"] / w
    b = (e["invitation_lift"] - 1.0) * inputs["invitations_per_week"] * inputs[
        "hires_per_application"
    ] * inputs["contract_value_usd"] * w + (e["rate_premium"] - 1.0) * inputs[
        "hourly_rate_usd"
    ] * inputs["billed_hours_per_week"] * w
    cost_rate = inputs["hourly_rate_usd"] * w
    return (
        float((k * b - inputs["forgone_usd_per_year"]) / cost_rate) if cost_rate > 0 else math.inf
    )


def net_over_lift_and_upkeep(
    inputs: dict[str, Any], effects: pd.DataFrame, lifts: Any, hours: Any, weeks: float = 52.0
) -> pd.DataFrame:
    """Net value of a year with the badge on a grid of invitation lifts and weekly
    upkeep hours (rate premium at its central value): ``lift, upkeep_hours, net_usd``.

    One vectorised evaluation of the formula (no draws). Why: shows a freelancer
    where they stand whatever the true lift and their own upkeep turn out to be.
    """
    e = effects.set_index("effect")["estimate"]
    lift = np.asarray(lifts, dtype=np.float64)[:, None]
    m = np.asarray(hours, dtype=np.float64)[None, :]
    w = weeks
    k = 1.0 - inputs["p_loss_per_year"] * inputs["weeks_off_after_loss"] / w
    b_inv = (
        (lift - 1.0)
        * inputs["invitations_per_week"]
        * inputs["hires_per_application"]
        * (inputs["contract_value_usd"] * w)
    )
    b_rate = (
        (e["rate_premium"] - 1.0) * inputs["hourly_rate_usd"] * inputs["billed_hours_per_week"] * w
    )
    net = k * (b_inv + b_rate) - m * inputs["hourly_rate_usd"] * w - inputs["forgone_usd_per_year"]
    return pd.DataFrame(
        {
            "lift": np.repeat(lift.ravel(), m.size),
            "upkeep_hours": np.tile(m.ravel(), lift.size),
            "net_usd": net.ravel(),
        }
    )


def real_cross_section(path: str | Path | None = None) -> dict[str, Any] | None:
    """Gaps between real search profiles at JSS 90+ and the others showing a JSS:
    rate ratio (geometric means) and median shown earnings ratio. Upper bounds on
    the badge's own effects, not estimates. None when the real file is absent."""
    path = Path(path) if path else config.REAL / REAL_FILE
    if not path.is_file():
        return None
    real = read_real_profiles(path)
    shown = real[real["jss"].notna()]
    hi = shown["jss"] >= 90
    rate = shown["hourly_rate_usd"]
    ok = rate > 0
    earn = shown["total_earnings_usd"]
    return {
        "profiles_90_plus": int(hi.sum()),
        "profiles_below_90": int((~hi).sum()),
        "rate_ratio_upper_bound": float(
            np.exp(np.log(rate[hi & ok]).mean() - np.log(rate[~hi & ok]).mean())
        ),
        "earnings_ratio_upper_bound": float(
            earn[hi & (earn > 0)].median() / earn[~hi & (earn > 0)].median()
        ),
        "source": f"data/real/{path.name} (Upwork search pages, MIT)",
    }


def worth(
    history: History,
    freelancer_id: str,
    rules: Rules,
    effects: pd.DataFrame | None = None,
    upkeep_hours: float | None = None,
    seed: int = 0,
    n_draws: int = N_DRAWS,
    assumptions: dict[str, Any] | None = None,
    at: Any = None,
) -> dict[str, Any]:
    """The whole answer for one freelancer as a JSON-ready dict (module docstring)."""
    assumptions = assumptions or load_assumptions()
    effects = effects_from_assumptions(assumptions) if effects is None else effects
    effects = with_upkeep(effects, upkeep_hours)
    inputs = own_inputs(history, freelancer_id, rules, assumptions, at=at)
    w = float(assumptions["record"]["weeks_per_year"])
    frame = pd.DataFrame([inputs])
    draws = net_value_draws(frame, effects, n_draws, seed, w)
    net = draws["net_usd"].to_numpy()
    central = net_value_draws(
        frame, effects.assign(ci_low=effects["estimate"], ci_high=effects["estimate"]), 1, seed, w
    ).iloc[0]
    lift = float(break_even(frame, effects, w)["break_even_lift"].iloc[0])
    return {
        "inputs": inputs,
        "effects": effects.to_dict(orient="records"),
        "weeks_per_year": w,
        "draws": int(n_draws),
        "seed": int(seed),
        "net_usd_central": float(central["net_usd"]),
        "benefit_invitations_usd": float(central["benefit_invitations_usd"]),
        "benefit_rate_usd": float(central["benefit_rate_usd"]),
        "cost_upkeep_usd": float(central["cost_maintenance_usd"]),
        "cost_loss_usd": float(central["cost_loss_usd"]),
        "net_usd_median": float(np.median(net)),
        "net_usd_low": float(np.quantile(net, 0.05)),
        "net_usd_high": float(np.quantile(net, 0.95)),
        "p_worth_it": float((net > 0).mean()),
        "break_even_lift": lift,
        "break_even_upkeep_hours": upkeep_break_even(inputs, effects, w),
        "real_cross_section": real_cross_section(),
    }


def _usd(x: float) -> str:
    return f"-${-x:,.0f}" if x < 0 else f"${x:,.0f}"


def render_worth(r: dict[str, Any]) -> str:
    """The answer in plain words."""
    i = r["inputs"]
    eff = {e["effect"]: e for e in r["effects"]}
    inv, rp, up = eff["invitation_lift"], eff["rate_premium"], eff["maintenance_hours"]
    jss = "no JSS" if i["jss"] is None else f"JSS {i['jss']}"
    head = "-" if i["headroom"] is None else str(i["headroom"])
    lines = [
        f"Freelancer {i['freelancer_id']}, as of {i['at']}: {jss}, status "
        f"{str(i['status']).replace('_', ' ')}; headroom {head} negative outcome(s).",
        f"Your record (last 12 months): {i['new_contracts_12m']} new contract(s), "
        f"{_usd(i['contract_value_usd'])} per contract on average, {i['billed_hours_per_week']:.1f} "
        f"billed hours a week at ${i['hourly_rate_usd']:,.2f}/hour ({i['rate_from']}); "
        f"{i['invitations_from']}.",
        f"Chance of losing the badge within a year: {i['p_loss_per_year']:.0%} "
        f"({i['negative_contracts']} negative of {i['counted_contracts']} counted contracts, "
        f"{i['weeks_off_after_loss']:.0f} weeks without it after a loss).",
        f"Effects: invitation lift {inv['estimate']:.2f}x ({inv['ci_low']:.2f}-{inv['ci_high']:.2f}, "
        f"{inv['source']}); rate premium {rp['estimate']:.2f}x ({rp['ci_low']:.2f}-"
        f"{rp['ci_high']:.2f}, {rp['source']}); upkeep {up['estimate']:.1f} h/week "
        f"({up['ci_low']:.1f}-{up['ci_high']:.1f}, {up['source']}).",
        f"A year with the badge nets you {_usd(r['net_usd_median'])} (90% interval "
        f"{_usd(r['net_usd_low'])} to {_usd(r['net_usd_high'])}; it pays in "
        f"{r['p_worth_it']:.0%} of {r['draws']:,} draws): +{_usd(r['benefit_invitations_usd'])} "
        f"from more work, +{_usd(r['benefit_rate_usd'])} from a higher rate, "
        f"-{_usd(r['cost_upkeep_usd'])} of upkeep, -{_usd(r['cost_loss_usd'])} for the risk "
        "of losing it (at the central effects).",
    ]
    lift, hours = r["break_even_lift"], r["break_even_upkeep_hours"]
    lines.append(
        f"It breaks even if the badge lifts your work by {lift:.2f}x (with "
        f"{up['estimate']:.1f} upkeep hours a week)."
        if math.isfinite(lift)
        else "No invitation lift makes it break even: the record shows no new work to lift."
    )
    lines.append(
        f"It stops paying above {hours:.1f} upkeep hours a week (at a {inv['estimate']:.2f}x lift)."
        if hours > 0
        else "It does not pay even with no upkeep at the central lift and premium."
    )
    cs = r.get("real_cross_section")
    if cs:
        lines.append(
            f"For scale, real search profiles at JSS 90+ charge {cs['rate_ratio_upper_bound']:.2f}x "
            f"and show {cs['earnings_ratio_upper_bound']:.1f}x the earnings of those below 90: "
            "upper bounds on what the badge itself does, not estimates of it."
        )
    return "\n".join(lines)


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def command(args: Any) -> int:
    """``toprated worth``: read the rules, the effects (if given) and the history,
    print the answer (plain words, or JSON with ``--json``)."""
    from analysis.engine.ruleset import load_rules
    from analysis.io.load import read_history

    rules = load_rules(args.rules)
    assumptions = load_assumptions()
    effects = read_effects(args.effects, assumptions) if args.effects else None
    with_upkeep(effects_from_assumptions(assumptions), args.upkeep_hours)  # check it first
    history = read_history(args.history)
    result = worth(history, args.freelancer, rules, effects, args.upkeep_hours, seed=args.seed)
    print(json.dumps(_jsonable(result), indent=2) if args.json else render_worth(result))
    return 0


__all__ = [
    "N_DRAWS",
    "command",
    "effects_from_assumptions",
    "load_assumptions",
    "net_over_lift_and_upkeep",
    "own_inputs",
    "read_effects",
    "real_cross_section",
    "render_worth",
    "upkeep_break_even",
    "with_upkeep",
    "worth",
]
