"""`toprated worth` on the demo history (data/raw/my-history, freelancer `me`) against a
hand calculation, and its inputs on small literal histories.

The demo record as of its as-of date 2025-07-16 (12 months: 2024-07-17..2025-07-16;
no payments are used for hours or the hourly rate: both are spread evenly over each
contract's days):

- new contracts in the 12 months: 38236294 (2024-08-30), 39343332 (2024-12-30),
  39725429 (2025-02-11), 41054536 (2025-07-11) -> 4; no activity.csv, so the lift
  applies to 4 / 52 new contracts a week with conv = 1;
- mean contract value: all 11 contracts have money, $5,189.58 / 11;
- hourly contracts in the window: 36473604 (2024-02-26..07-29, 155 days, 13 in the
  window: $565.50 and 188.5 h x 13/155), 37737695 (2024-07-05..2025-01-18, 198 days,
  186 in: $1,150 and 76.67 h x 186/198), 38236294 ($190, 9.67 h), 39725429 ($953,
  139.67 h), 41054536 (open, spread to 2025-07-16: $90, 6 h) -> the rate is
  earnings / hours and billed hours a week are hours / 52;
- JSS 100 with headroom 1 (report 08); 10 ended counted contracts, none negative:
  p_neg = (0 + 0.1 x 10) / (10 + 10) = 0.05; negatives a year ~ Poisson(4 x 0.05):
  p_loss = 1 - exp(-0.2); 13 weeks off after a loss.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from histories import make_history

from analysis import config
from analysis.cli import main
from analysis.engine.ruleset import load_rules
from analysis.estimate.worth import (
    effects_from_assumptions,
    load_assumptions,
    own_inputs,
    read_effects,
    worth,
)
from analysis.io.load import read_history

RULES = load_rules("upwork-2025")
VALUE = 5189.58 / 11
EARNED = 565.5 * 13 / 155 + 1150 * 186 / 198 + 190 + 953 + 90
HOURS = 188.5 * 13 / 155 + 76.67 * 186 / 198 + 9.67 + 139.67 + 6
RATE = EARNED / HOURS
P_LOSS = 1 - math.exp(-4 * 0.05)


def _fixed_effects(tmp_path, lift=1.2, premium=1.05, hours=1.0):
    records = [
        {"effect": "invitation_lift", "estimate": lift, "ci_low": lift, "ci_high": lift, "unit": "x"},
        {"effect": "rate_premium", "estimate": premium, "ci_low": premium, "ci_high": premium,
         "unit": "x"},
        {"effect": "maintenance_hours", "estimate": hours, "ci_low": hours, "ci_high": hours,
         "unit": "hours/week"},
        {"effect": "profile_view_lift", "estimate": 2.0, "ci_low": 1.0, "ci_high": 3.0, "unit": "x"},
    ]  # fmt: skip
    path = tmp_path / "effects.json"
    path.write_text(json.dumps(records))
    return path


def test_demo_inputs_by_hand():
    got = own_inputs(read_history(config.DEMO), "me", RULES, load_assumptions())
    assert got["new_contracts_12m"] == 4
    assert got["invitations_per_week"] == pytest.approx(4 / 52)
    assert got["hires_per_application"] == 1.0
    assert got["contract_value_usd"] == pytest.approx(VALUE)
    assert got["hourly_earnings_12m_usd"] == pytest.approx(EARNED)
    assert got["billed_hours_12m"] == pytest.approx(HOURS)
    assert got["hourly_rate_usd"] == pytest.approx(RATE)
    assert (got["jss"], got["headroom"]) == (100, 1)
    assert (got["counted_contracts"], got["negative_contracts"]) == (10, 0)
    assert got["negative_share"] == pytest.approx(0.05)
    assert got["p_loss_per_year"] == pytest.approx(P_LOSS)


def test_demo_net_value_by_hand(tmp_path):
    """Lift 1.2, premium 1.05, upkeep 1 h/week, no uncertainty:
    b_inv = 0.2 x 4 x value; b_rate = 0.05 x EARNED (rate x billed x 52 = EARNED);
    upkeep = 1 x rate x 52; loss = p_loss x 13 x (b_inv + b_rate) / 52."""
    effects = read_effects(_fixed_effects(tmp_path), load_assumptions())
    got = worth(read_history(config.DEMO), "me", RULES, effects, n_draws=50)
    b_inv, b_rate, upkeep = 0.2 * 4 * VALUE, 0.05 * EARNED, RATE * 52
    loss = P_LOSS * 13 * (b_inv + b_rate) / 52
    net = b_inv + b_rate - upkeep - loss
    assert got["benefit_invitations_usd"] == pytest.approx(b_inv)
    assert got["benefit_rate_usd"] == pytest.approx(b_rate)
    assert got["cost_upkeep_usd"] == pytest.approx(upkeep)
    assert got["cost_loss_usd"] == pytest.approx(loss)
    assert got["net_usd_central"] == pytest.approx(net)
    assert got["net_usd_low"] == pytest.approx(net) and got["net_usd_high"] == pytest.approx(net)
    assert got["p_worth_it"] == float(net > 0)
    k = 1 - P_LOSS * 13 / 52
    assert got["break_even_lift"] == pytest.approx(1 + (upkeep / k - b_rate) / (4 * VALUE))
    assert got["break_even_upkeep_hours"] == pytest.approx(k * (b_inv + b_rate) / (RATE * 52))


def test_upkeep_option_overrides_and_interval_is_seeded():
    h = read_history(config.DEMO)
    a = worth(h, "me", RULES, upkeep_hours=3.0, seed=1, n_draws=500)
    b = worth(h, "me", RULES, upkeep_hours=3.0, seed=1, n_draws=500)
    assert a == b
    assert a["cost_upkeep_usd"] == pytest.approx(3.0 * RATE * 52)
    assert a["net_usd_low"] < a["net_usd_median"] < a["net_usd_high"]
    # more upkeep, less value: the break-even lift rises
    c = worth(h, "me", RULES, upkeep_hours=0.5, seed=1, n_draws=500)
    assert c["break_even_lift"] < a["break_even_lift"]
    assert a["real_cross_section"]["rate_ratio_upper_bound"] > 1


def test_assumption_ranges_are_central_values():
    eff = effects_from_assumptions(load_assumptions()).set_index("effect")
    assert eff.loc["invitation_lift", "estimate"] == pytest.approx(math.sqrt(1.0 * 1.5))
    assert eff.loc["maintenance_hours", "estimate"] == pytest.approx((0.5 + 4.0) / 2)


def test_effects_file_falls_back_for_missing_effects(tmp_path):
    path = tmp_path / "e.json"
    path.write_text(json.dumps([{"effect": "invitation_lift", "estimate": 1.3, "ci_low": 1.1,
                                 "ci_high": 1.5, "unit": "x"},
                                {"effect": "rate_premium", "estimate": None}]))  # fmt: skip
    got = read_effects(path, load_assumptions()).set_index("effect")
    assert got.loc["invitation_lift", "estimate"] == 1.3
    assert got.loc["invitation_lift", "source"] == "estimated (e.json)"
    assert got.loc["rate_premium", "source"].startswith("assumption")


def test_activity_and_listed_rate_and_headroom_two():
    """Freelancer f: 3 ended positive contracts from 3 clients (JSS 100); listed rate
    $40; activity: two weeks in the 12 months with 3 and 1 invitations, 6 proposals,
    1 hire -> inv0 = 2 a week, conv = 1 / (4 + 6). Headroom: one weight-1 negative
    with P=3 x 1.25 (each $500 is tier 1.25), T = 3.75 + 1 -> 100 x 2.75 / 4.75 = 57.9
    < 90 in every window -> 1. 3 new contracts in the 12 months, p_neg = 1 / 13."""
    h = make_history(
        contracts=[
            dict(contract_id=f"c{i}", client_id=f"k{i}", start_date=s, end_date=e,
                 public_rating=5.0)
            for i, (s, e) in enumerate([("2024-03-01", "2024-03-10"), ("2024-04-01", "2024-04-10"),
                                        ("2024-05-01", "2024-05-10")])
        ],
        activity=[dict(week_start="2024-04-01", invitations=3, proposals=4, hires=1),
                  dict(week_start="2024-05-06", invitations=1, proposals=2, hires=0)],
        freelancers=[dict(freelancer_id="f1", hourly_rate_usd=40.0)],
    )  # fmt: skip
    got = own_inputs(h, "f1", RULES, load_assumptions())
    assert got["hourly_rate_usd"] == 40.0 and got["rate_from"].startswith("freelancers.csv")
    assert got["invitations_per_week"] == 2.0
    assert got["hires_per_application"] == pytest.approx(1 / 10)
    assert got["headroom"] == 1
    assert got["negative_share"] == pytest.approx((0 + 1.0) / (3 + 10))
    lam = 3 / 13
    assert got["p_loss_per_year"] == pytest.approx(1 - np.exp(-lam))


def test_cli_worth_words_json_and_bad_input(tmp_path, capsys):
    assert main(["worth", str(config.DEMO), "--freelancer", "me", "--upkeep-hours", "2"]) == 0
    out = capsys.readouterr().out
    assert "A year with the badge nets you" in out and "stops paying above" in out
    assert main(["worth", str(config.DEMO), "--freelancer", "me", "--json",
                 "--effects", str(_fixed_effects(tmp_path))]) == 0  # fmt: skip
    data = json.loads(capsys.readouterr().out)
    assert data["inputs"]["new_contracts_12m"] == 4 and data["effects"][0]["estimate"] == 1.2
    assert main(["worth", str(config.DEMO), "--freelancer", "nobody"]) == 2
    assert "--freelancer: 'nobody' is not a freelancer" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    assert main(["worth", str(config.DEMO), "--freelancer", "me", "--effects", str(bad)]) == 2
    assert "is not JSON" in capsys.readouterr().err
    assert main(["worth", str(config.DEMO), "--freelancer", "me", "--upkeep-hours", "-1"]) == 2


def test_net_over_lift_and_upkeep_by_hand(tmp_path):
    """Same inputs as the demo hand calculation; premium 1.05 at every cell."""
    from analysis.estimate.worth import net_over_lift_and_upkeep

    inputs = own_inputs(read_history(config.DEMO), "me", RULES, load_assumptions())
    effects = read_effects(_fixed_effects(tmp_path), load_assumptions())
    grid = net_over_lift_and_upkeep(inputs, effects, [1.0, 1.5], [0.0, 2.0])
    k = 1 - P_LOSS * 13 / 52
    want = [k * (lift - 1) * 4 * VALUE + k * 0.05 * EARNED - h * RATE * 52
            for lift in (1.0, 1.5) for h in (0.0, 2.0)]  # fmt: skip
    assert grid["lift"].tolist() == [1.0, 1.0, 1.5, 1.5]
    assert grid["upkeep_hours"].tolist() == [0.0, 2.0, 0.0, 2.0]
    np.testing.assert_allclose(grid["net_usd"], want, rtol=1e-12)


def test_worth_heatmap_draws():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from analysis.report import plots

    data = pd.DataFrame({"lift": [1.0, 1.0, 1.5, 1.5], "upkeep_hours": [0.0, 2.0, 0.0, 2.0],
                         "net_usd": [10.0, -5.0, 50.0, 20.0]})  # fmt: skip
    ax = plots.worth_heatmap(data, title="w")
    assert ax.get_title() == "w"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1.50x", "1.00x"]
    plt.close("all")


# ---------------------------------------------------------------------------
# report 08's "is it worth it for me?" section (analysis.stories.freelancer)
# ---------------------------------------------------------------------------


def test_report_08_worth_grid_is_the_formula_on_the_demo_record(tmp_path):
    """The chart's cells by hand: net = k * ((L - 1) * 4 * VALUE + (R - 1) * EARNED)
    - M * RATE * 52, k = 1 - P_LOSS * 13 / 52, R the central rate premium of
    worth.toml (sqrt(1.0 * 1.15)); and the cell at the central lift and upkeep is
    the answer's own central net value."""
    import matplotlib

    matplotlib.use("Agg")
    from analysis.report import plots
    from analysis.stories import freelancer as fl

    h = read_history(config.DEMO)
    answer, grid, why = fl.own_worth(h, "me", RULES, lifts=[1.0, 1.5], upkeep_hours=[0.0, 2.0])
    assert why is None
    k = 1 - P_LOSS * 13 / 52
    premium = math.sqrt(1.0 * 1.15)

    def net(lift, hours):
        return k * ((lift - 1) * 4 * VALUE + (premium - 1) * EARNED) - hours * RATE * 52

    assert list(grid["lift"]) == [1.0, 1.0, 1.5, 1.5]
    assert list(grid["upkeep_hours"]) == [0.0, 2.0, 0.0, 2.0]
    expected = [net(1.0, 0.0), net(1.0, 2.0), net(1.5, 0.0), net(1.5, 2.0)]
    assert grid["net_usd"].to_numpy() == pytest.approx(expected)
    eff = {e["effect"]: e["estimate"] for e in answer["effects"]}
    central = fl.own_worth(h, "me", RULES, lifts=[eff["invitation_lift"]],
                           upkeep_hours=[eff["maintenance_hours"]])[1]  # fmt: skip
    assert central["net_usd"].iloc[0] == pytest.approx(answer["net_usd_central"])
    # what the heatmap draws: the same numbers, highest lift on top, hours left to right
    ax = plots.worth_heatmap(grid, title=fl.worth_title(answer))
    drawn = np.asarray(ax.collections[0].get_array()).reshape(2, 2)
    assert drawn == pytest.approx(np.array([expected[2:], expected[:2]]))
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1.50x", "1.00x"]


def test_report_08_worth_verdict_in_plain_words():
    from analysis.stories import freelancer as fl

    def answer(median, low, high, p, lift=1.54, hours=1.1):
        return {
            "inputs": {"freelancer_id": "me"},
            "effects": [{"effect": "invitation_lift", "estimate": 1.22,
                         "source": "assumption (worth.toml)"},
                        {"effect": "maintenance_hours", "estimate": 2.2,
                         "source": "assumption (worth.toml)"}],
            "net_usd_median": median, "net_usd_low": low, "net_usd_high": high,
            "p_worth_it": p, "break_even_lift": lift, "break_even_upkeep_hours": hours,
        }  # fmt: skip

    text = fl.worth_verdict(answer(-567, -1400, 258, 0.13))
    assert text.startswith(
        "Probably not worth it for freelancer me: a year with the badge nets -$567"
    )
    assert "(90% interval -$1,400 to $258; it pays in 13% of the draws)" in text
    assert "at a 1.22x lift and 2.2 upkeep hours a week" in text
    assert "It breaks even at a 1.54x lift in new work." in text
    assert "At a 1.22x lift it stops paying above 1.1 upkeep hours a week." in text
    assert text.endswith(
        "The badge's effects here are stated assumptions (the ranges of worth.toml, with "
        "their sources), not estimates."
    )
    assert fl.worth_verdict(answer(900, 100, 2000, 0.97)).startswith("Worth it for")
    assert "At a 1.22x lift it does not pay even with no upkeep." in fl.worth_verdict(
        answer(-900, -2000, -100, 0.0, hours=-0.5)
    )
    estimated = answer(10, -50, 90, 0.6)
    estimated["effects"] = [dict(e, source="estimated (e.json)") for e in estimated["effects"]]
    assert fl.worth_verdict(estimated).endswith("The badge's effects: estimated (e.json).")
    assert fl.worth_verdict(answer(10, -50, 90, 0.6)).startswith("Probably worth it")
    assert "No lift makes it pay" in fl.worth_verdict(answer(-5, -9, -1, 0.0, lift=math.inf))
    assert fl.worth_title(answer(-567, -1400, 258, 0.13)) == (
        "Pays above a 1.54x lift at 2.2 upkeep hours a week, or below 1.1 hours a week "
        "at a 1.22x lift"
    )
    assert fl.worth_verdict(None, "no hourly rate") == "Not computed: no hourly rate."


def test_report_08_worth_without_an_hourly_rate_says_why():
    """Fixed-price work only and no listed rate: no rate for the formula, so no answer
    and an empty grid, and a reason (report 08 still builds)."""
    from analysis.stories import freelancer as fl

    h = make_history(
        contracts=[
            dict(contract_id=f"c{i}", client_id=f"k{i}", start_date=s, end_date=e,
                 public_rating=5.0, contract_type="fixed", hours=None)
            for i, (s, e) in enumerate([("2024-03-01", "2024-03-10"), ("2024-04-01", "2024-04-10")])
        ],
    )  # fmt: skip
    answer, grid, why = fl.own_worth(h, "f1", RULES)
    assert answer is None and grid.empty
    assert why
