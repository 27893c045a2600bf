"""Real search profiles beside the simulated marketplace's: the blocks of report 10.

The real evidence is a scrape of Upwork talent-search pages
(`analysis.io.profiles.read_real_profiles`, `data/real/README.md`); the simulated
side is what a search would show in a simulated history on comparable dates
(`analysis.engine.profiles.profiles`). Each function here reduces either table to
the same figures, so the report puts them side by side: JSS levels, rates,
earnings (as the profile shows them: a bucket floor), the churn of the JSS across
90 between two snapshots of the same profiles, and badge shares where the data
has badges. `calibration_gap` lines the figures up as real, simulated, gap.

Selection, stated once: a real search page is ranked by relevance and only holds
profiles that are visible (earned recently enough); the simulated snapshot holds
*every* visible profile, unranked. Shares among the most relevant profiles may
differ from shares among all visible ones.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis import config
from analysis.engine.profiles import Visibility, load_visibility, profiles
from analysis.engine.ruleset import Rules
from analysis.io.history import History, to_day
from analysis.io.profiles import read_real_profiles

#: The bundled real scrape.
REAL_FILE = "upwork-profiles-datajobs-2023-2025.csv"
#: The real panel: (label, first snapshot, second snapshot) of the same profiles.
REAL_PANELS = (
    ("four weeks", "2023-07-24b", "2023-08-19"),
    ("two years", "2023-08-19", "2025-09-09"),
)
#: The JSS threshold of Top Rated whose crossings are counted (rules' `jss_min`
#: is passed in by callers; this is only the default for real data).
JSS_LINE = 90

#: Published figures to read beside the data (cited, not computed: they are the
#: papers' numbers). Source: the list in `../shared/data/real/README.md`.
PUBLISHED = (
    ("Filippas, Horton & Golden, \"Reputation Inflation\", Marketing Science 2022 (oDesk/Upwork)",
     "mean public rating rose from about 3.7 to about 4.8 of 5; 24% of privately "
     "dissatisfied employers still gave 4+ stars; at least 35-50% of the rise is inflation",
     "high scores are the norm, so a JSS of 90+ is common, not rare"),
    ("Pallais, \"Inefficient Hiring in Entry-Level Labor Markets\", AER 2014",
     "hiring 952 newcomers at random and giving them detailed public evaluations raised "
     "their later employment and earnings substantially",
     "a public signal of quality has real value where track records are short"),
    ("Barach, Golden & Horton, \"Steering in Online Markets\", Management Science 2020",
     "a platform's recommendation or guarantee moves buyers to flagged sellers without "
     "raising total sales",
     "a badge may shift demand between freelancers rather than create it"),
    ("Elfenbein, Fisman & McManus, AEJ Micro 2015 (eBay Top Rated Seller)",
     "a certificate is worth more where it is rare and where track records are short",
     "the badge's value falls as more profiles hold it"),
    ("Hui, Jin & Liu (eBay badges)",
     "sellers bunch just above badge thresholds",
     "expect bunching of the JSS just above 90"),
    ("Upwork (talent badges pages)",
     "Top Rated is described as the top 10% of talent; Expert-Vetted as the top 1%",
     "a badge share far above 10% among visible profiles would contradict it"),
)  # fmt: skip


def real_profiles() -> pd.DataFrame:
    """The bundled real scrape as a profiles snapshot table (`read_real_profiles`)."""
    return read_real_profiles(config.REAL / REAL_FILE)


def earnings_shown(values: Any) -> np.ndarray:
    """Total earnings as a profile shows them: whole dollars below $100, above that
    the bucket floor with one significant digit ($1,905 -> $1,000, "$1K+";
    $23,400 -> $20,000). The real file's ``earnings_floor_usd`` takes exactly these
    values, so simulated earnings pass through this to be compared like with like."""
    x = np.asarray(values, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = 10.0 ** np.floor(np.log10(np.where(x >= 100, x, 100.0)))
        floored = np.floor(x / scale + 1e-9) * scale
    return np.where(x >= 100, floored, np.floor(x + 1e-9))


def simulated_dates(end: Any, real: pd.DataFrame | None = None) -> pd.DataFrame:
    """Snapshot dates for the simulated history that mirror the real ones: the last
    real snapshot's date moved to `end`, and the others at the same gaps before it
    (one per distinct real date; two scrapes of one day map to one, labelled by
    the later label).

    Returns ``snapshot`` (the real label) and ``snapshot_date`` (the simulated
    date). Why: the churn over "four weeks" and "two years" must span the same
    number of days on both sides.
    """
    real = real_profiles() if real is None else real
    dates = real.groupby("snapshot", sort=True)["snapshot_date"].first()
    dates = dates[~dates.duplicated(keep="last")]  # 2023-07-24a and b: one date, keep b
    shift = to_day(end) - dates.max()
    return pd.DataFrame(
        {"snapshot": dates.index.astype("str"), "snapshot_date": (dates + shift).to_numpy()}
    )


def simulated_profiles(
    history: History,
    rules: Rules,
    dates: pd.DataFrame,
    visibility: Visibility | None = None,
) -> pd.DataFrame:
    """`profiles` of a history on each of `dates` (`simulated_dates`), labelled with
    the real snapshot each mirrors (``snapshot``), with the shown earnings
    bucket (``total_earnings_usd`` floored as a profile shows it) and
    ``total_earnings_is_floor`` true, as in the real table."""
    snap = profiles(history, dates["snapshot_date"], rules, visibility or load_visibility())
    out = snap.merge(dates, on="snapshot_date", how="left")
    return out.assign(
        total_earnings_usd=earnings_shown(out["total_earnings_usd"]),
        total_earnings_is_floor=True,
    ).sort_values(["snapshot", "freelancer_id"], ignore_index=True)


def jss_summary(table: pd.DataFrame, line: float = JSS_LINE) -> pd.DataFrame:
    """Per snapshot: profiles, share showing a JSS, and among those the share at
    `line` or above, the share at exactly 100 and the median JSS."""
    jss = table["jss"].astype("Float64")
    shown = jss.notna()
    frame = pd.DataFrame(
        {
            "snapshot": table["snapshot"],
            "shown": shown.astype(float),
            "at_line": (jss >= line).where(shown).astype("Float64"),
            "at_100": (jss == 100).where(shown).astype("Float64"),
            "jss": jss,
        }
    )
    g = frame.groupby("snapshot", sort=True)
    return pd.DataFrame(
        {
            "profiles": g.size(),
            "share_with_jss": g["shown"].mean(),
            "share_jss_at_least_line": g["at_line"].mean().astype(float),
            "share_jss_100": g["at_100"].mean().astype(float),
            "median_jss": g["jss"].median().astype(float),
        }
    ).reset_index()


def money_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per snapshot: the 10th, 50th and 90th percentile of the hourly rate, and the
    median shown earnings (a bucket floor) among profiles that show any."""
    g = table.groupby("snapshot", sort=True)
    shown = table[table["total_earnings_usd"] > 0].groupby("snapshot", sort=True)
    return pd.DataFrame(
        {
            "rate_p10_usd": g["hourly_rate_usd"].quantile(0.1),
            "rate_median_usd": g["hourly_rate_usd"].median(),
            "rate_p90_usd": g["hourly_rate_usd"].quantile(0.9),
            "earnings_median_usd": shown["total_earnings_usd"].median(),
        }
    ).reset_index()


def jss_churn(table: pd.DataFrame, panels=REAL_PANELS, line: float = JSS_LINE) -> pd.DataFrame:
    """How the JSS of the same profiles moved between two snapshots.

    For each panel ``(horizon, first, second)``: the profiles in both snapshots
    with a JSS both times (``profiles``), the share whose JSS changed, the mean
    absolute change (points), the share that crossed from `line` or above to below
    (``crossed_below``), from below to `line` or above (``crossed_above``) and
    either (``crossed``).
    """
    rows = []
    for horizon, first, second in panels:  # two fixed panels, not a loop over data
        a = table.loc[table["snapshot"] == first, ["freelancer_id", "jss"]]
        b = table.loc[table["snapshot"] == second, ["freelancer_id", "jss"]]
        m = a.merge(b, on="freelancer_id", suffixes=("_a", "_b")).dropna()
        ja = m["jss_a"].to_numpy(dtype=float)
        jb = m["jss_b"].to_numpy(dtype=float)
        n = len(m)
        below = float(((ja >= line) & (jb < line)).mean()) if n else np.nan
        above = float(((ja < line) & (jb >= line)).mean()) if n else np.nan
        rows.append(
            {
                "horizon": horizon,
                "first": first,
                "second": second,
                "profiles": n,
                "share_changed": float((ja != jb).mean()) if n else np.nan,
                "mean_abs_change": float(np.abs(jb - ja).mean()) if n else np.nan,
                "crossed_below": below,
                "crossed_above": above,
                "crossed": below + above,
            }
        )
    return pd.DataFrame(rows)


def badge_shares(table: pd.DataFrame) -> pd.DataFrame:
    """Share of each badge per snapshot (rows only where the data has badges)."""
    known = table[table["badge"].notna()]
    if known.empty:
        return pd.DataFrame(columns=["snapshot", "badge", "share"])
    out = (
        known.groupby("snapshot", sort=True)["badge"]
        .value_counts(normalize=True)
        .rename("share")
        .reset_index()
    )
    return out.assign(badge=out["badge"].astype("str"))


def side_by_side(real: pd.DataFrame, simulated: pd.DataFrame, column: str) -> pd.DataFrame:
    """Tidy ``source, snapshot, <column>`` rows of both tables (for the plots)."""
    return pd.concat(
        [
            real[["snapshot", column]].assign(source="real search pages"),
            simulated[["snapshot", column]].assign(source="simulated marketplace"),
        ],
        ignore_index=True,
    ).dropna(subset=[column])


def calibration_gap(
    real: pd.DataFrame, simulated: pd.DataFrame, line: float = JSS_LINE
) -> pd.DataFrame:
    """The figures a calibration must match, real beside simulated, with the gap.

    Rows: share of JSS-showing profiles at `line`+ and at 100, median JSS (all
    snapshots pooled), four-week and two-year share crossing `line`, median and
    90th percentile rate, median shown earnings. ``gap`` = simulated - real.
    """

    def pooled(t: pd.DataFrame) -> dict[str, float]:
        jss = t["jss"].dropna().astype(float)
        churn = jss_churn(t, line=line).set_index("horizon")["crossed"]
        earned = t.loc[t["total_earnings_usd"] > 0, "total_earnings_usd"]
        return {
            f"share of JSS at {line:g}+": float((jss >= line).mean()),
            "share of JSS at 100": float((jss == 100).mean()),
            "median JSS": float(jss.median()),
            f"crossing {line:g} within four weeks": float(churn.get("four weeks", np.nan)),
            f"crossing {line:g} within two years": float(churn.get("two years", np.nan)),
            "median rate (USD/hour)": float(t["hourly_rate_usd"].median()),
            "90th percentile rate (USD/hour)": float(t["hourly_rate_usd"].quantile(0.9)),
            "median shown earnings (USD)": float(earned.median()),
        }

    r, s = pooled(real), pooled(simulated)
    return pd.DataFrame(
        {"figure": list(r), "real": list(r.values()), "simulated": [s[k] for k in r]}
    ).assign(gap=lambda d: d["simulated"] - d["real"])


def published_table() -> pd.DataFrame:
    """The published figures with their citations (`PUBLISHED`)."""
    return pd.DataFrame(PUBLISHED, columns=["source", "finding", "what it means here"])


__all__ = [
    "JSS_LINE",
    "PUBLISHED",
    "REAL_PANELS",
    "badge_shares",
    "calibration_gap",
    "earnings_shown",
    "jss_churn",
    "jss_summary",
    "money_summary",
    "published_table",
    "real_profiles",
    "side_by_side",
    "simulated_dates",
    "simulated_profiles",
]


def share_text(value: float, digits: int = 0) -> str:
    """A share as a reader sees it: ``45%``, or ``not measurable`` when the data had
    nothing to count (no visible profile with a JSS, no profile seen twice)."""
    if value is None or not np.isfinite(value):
        return "not measurable"
    return f"{value:.{digits}%}"


def profiles_finding(
    share_real: float, share_sim: float, churn: pd.DataFrame, line: float, label: str
) -> str:
    """Report 10's one-line finding: the share at `line`+ and the four-week churn
    across it, real beside simulated, in words (never ``nan%``)."""
    crossed = churn.set_index(["horizon", "source"])["crossed"]
    real4 = crossed.get(("four weeks", "real search pages"), np.nan)
    sim4 = crossed.get(("four weeks", "simulated marketplace"), np.nan)
    return (
        f"{share_text(share_real)} of real search-visible profiles with a JSS are at "
        f"{line:g}+ vs {share_text(share_sim)} in the {label} marketplace; "
        f"{share_text(real4, 1)} of real profiles crossed {line:g} within four weeks vs "
        f"{share_text(sim4, 1)} simulated."
    )
