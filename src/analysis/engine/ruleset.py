"""Rule sets: every JSS and badge threshold, read from a TOML file.

The engine (`analysis.engine.jss`, `analysis.engine.status`) contains no threshold of its own;
it reads them from a `Rules` object. Bundled rule sets live in
`src/analysis/rules/*.toml` and are named by their stem (`upwork-2025`,
`seed-article`); any other TOML file with the same tables can be passed by path,
so an analyst can copy a file, change a number and rerun everything.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analysis.io.errors import InputError, Problem
from analysis.io.limits import DATE_MAX, DATE_MIN, DATE_RANGE_EXPECTED, MAX_RULE_DAYS, MAX_USD
from analysis.io.tomlfile import bundled_names, bundled_or_file

DEFAULT_RULES = "upwork-2025"


@dataclass(frozen=True)
class Calendar:
    jss_anchor: dt.date
    jss_every_days: int
    badge_every_days: int


@dataclass(frozen=True)
class OutcomeRules:
    negative_public_below: float
    negative_private_at_most: float
    positive_public_at_least: float
    positive_private_at_least: float
    exclude_no_feedback: bool
    exclude_zero_earnings: bool


@dataclass(frozen=True)
class WeightRules:
    tier_upper_usd: tuple[float, ...]
    tier_weights: tuple[float, ...]
    length_step_days: int
    cap: float


@dataclass(frozen=True)
class WindowRules:
    days: dict[str, int]
    min_contracts: int
    min_clients: int
    required: str
    trending: tuple[str, ...]
    candidates: tuple[str, ...]


@dataclass(frozen=True)
class TopRatedPlusRules:
    earnings_above_usd: float
    large_contract_default_usd: float
    large_contract_usd: dict[str, float]


@dataclass(frozen=True)
class SeedArticleRules:
    min_completed_jobs: int
    feedback_window_days: int
    mean_public_rating_min: float
    min_public_rating: float


@dataclass(frozen=True)
class BadgeRules:
    model: str  # "upwork" or "seed-article"
    jss_min: float
    hold_lookback_days: int
    tos_lookback_days: int
    earnings_window_days: int | None = None
    earnings_min_usd: float | None = None
    tenure_min_days: int | None = None
    active_lookback_days: int | None = None
    good_weeks_required: int | None = None
    good_weeks_window: int | None = None
    top_rated_plus: TopRatedPlusRules | None = None
    seed_article: SeedArticleRules | None = None


@dataclass(frozen=True)
class Rules:
    """A complete rule set; `source` is the file it was read from."""

    name: str
    description: str
    calendar: Calendar
    outcome: OutcomeRules
    open_positive_after_days: int
    weight: WeightRules
    windows: WindowRules
    badges: BadgeRules
    source: str = field(default="", compare=False)


def bundled_rule_sets() -> list[str]:
    """Names of the rule sets shipped with the package."""
    return bundled_names("analysis.engine.rules")


def load_rules(name_or_path: str | Path | None = None) -> Rules:
    """Read a rule set by bundled name (``upwork-2025``) or by path to a TOML file.

    A malformed file raises `InputError` naming the file and the key at fault.
    """
    raw, label = bundled_or_file(
        name_or_path or DEFAULT_RULES, package="analysis.engine.rules", kind="rule set"
    )
    if problems := check_values(raw, label):
        raise InputError(problems)
    try:
        return _build(raw, label)
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(
            [Problem(label, None, None, None, f"is not a valid rule set: {exc}")]
        ) from None


_DAYS = MAX_RULE_DAYS
#: Every number a rules file sets: (key, kind, lowest, highest). Kinds: "days" and
#: "count" are whole numbers, "number" any finite number, "usd" a finite amount,
#: "bool" true/false; a "... table" or "... list" holds values of that kind;
#: "rising usd list" must also increase strictly.
RULE_VALUES: tuple[tuple[str, str, float, float], ...] = (
    ("calendar.jss_every_days", "days", 1, _DAYS),
    ("calendar.badge_every_days", "days", 1, _DAYS),
    ("outcome.negative_public_below", "number", 0, 5),
    ("outcome.negative_private_at_most", "number", -1, 10),
    ("outcome.positive_public_at_least", "number", 0, 5),
    ("outcome.positive_private_at_least", "number", 0, 10),
    ("outcome.exclude_no_feedback", "bool", 0, 0),
    ("outcome.exclude_zero_earnings", "bool", 0, 0),
    ("open_contracts.positive_after_days", "days", 0, _DAYS),
    ("weight.tier_upper_usd", "rising usd list", 0, MAX_USD),
    ("weight.tier_weights", "number list", 0, 1e6),
    ("weight.length_step_days", "days", 1, _DAYS),
    ("weight.cap", "number", 0, 1e6),
    ("windows.days", "days table", 1, _DAYS),
    ("windows.min_contracts", "count", 0, 1e6),
    ("windows.min_clients", "count", 0, 1e6),
    ("badges.jss_min", "number", 0, 100),
    ("badges.hold_lookback_days", "days", 0, _DAYS),
    ("badges.tos_lookback_days", "days", 0, _DAYS),
    ("badges.earnings_window_days", "days", 1, _DAYS),
    ("badges.earnings_min_usd", "usd", 0, MAX_USD),
    ("badges.tenure_min_days", "days", 0, _DAYS),
    ("badges.active_lookback_days", "days", 1, _DAYS),
    ("badges.good_weeks_required", "count", 0, 520),
    ("badges.good_weeks_window", "count", 1, 520),
    ("badges.top_rated_plus.earnings_above_usd", "usd", 0, MAX_USD),
    ("badges.top_rated_plus.large_contract_default_usd", "usd", 0, MAX_USD),
    ("badges.top_rated_plus.large_contract_usd", "usd table", 0, MAX_USD),
    ("badges.seed_article.min_completed_jobs", "count", 0, 1e6),
    ("badges.seed_article.feedback_window_days", "days", 1, _DAYS),
    ("badges.seed_article.mean_public_rating_min", "number", 0, 5),
    ("badges.seed_article.min_public_rating", "number", 0, 5),
)


def _value_problem(value: Any, kind: str, low: float, high: float) -> str | None:
    """Why one value breaks its rule, or None."""
    if kind == "bool":
        return None if isinstance(value, bool) else "is not true or false"
    whole = kind in ("days", "count")
    noun = {"days": "a whole number of days", "count": "a whole number", "usd": "an amount"}.get(
        kind, "a number"
    )
    expected = f"is not {noun} from {low:g} to {high:g}"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return expected
    if not math.isfinite(value) or not low <= value <= high:
        return expected
    if whole and value != int(value):
        return expected
    return None


def check_values(raw: dict[str, Any], label: str) -> list[Problem]:
    """Every value of a rules file that makes no sense, naming file, key and value.

    Thresholds outside their scale (a JSS minimum of -5, a rating of 7), NaN and
    infinities, windows and steps that are not at least a day (or absurdly long:
    more than `MAX_RULE_DAYS`), negative counts, booleans that are not booleans,
    tier limits that do not rise. Keys that are absent are left to the reader,
    which names the missing key.
    """
    problems: list[Problem] = []

    def add(key: str, value: Any, expected: str) -> None:
        problems.append(Problem(f"{label} key {key}", None, None, str(value), expected))

    for key, kind, low, high in RULE_VALUES:
        node: Any = raw
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            continue
        base = kind.split()[-2] if kind.endswith(("list", "table")) else kind
        if kind.endswith("table"):
            if not isinstance(node, dict):
                add(key, node, "is not a table of names and values")
                continue
            items = [(f"{key}.{k}", v) for k, v in node.items()]
        elif kind.endswith("list"):
            if not isinstance(node, list):
                add(key, node, "is not a list")
                continue
            items = [(f"{key}[{i}]", v) for i, v in enumerate(node)]
        else:
            items = [(key, node)]
        for name, value in items:
            if why := _value_problem(value, base, low, high):
                add(name, value, why)
        if (
            kind.startswith("rising")
            and all(not _value_problem(v, base, low, high) for _, v in items)
            and any(b <= a for a, b in zip(node, node[1:], strict=False))
        ):
            add(key, node, "does not rise strictly (each limit above the one before)")
    anchor = (
        raw.get("calendar", {}).get("jss_anchor") if isinstance(raw.get("calendar"), dict) else None
    )
    if isinstance(anchor, dt.date) and not DATE_MIN <= anchor <= DATE_MAX:
        add("calendar.jss_anchor", anchor, DATE_RANGE_EXPECTED)
    return problems


def _need(table: dict[str, Any], key: str, where: str) -> Any:
    if key not in table:
        raise KeyError(f"missing key {where}.{key}" if where else f"missing key {key}")
    return table[key]


def _build(raw: dict[str, Any], label: str) -> Rules:
    cal = _need(raw, "calendar", "")
    anchor = _need(cal, "jss_anchor", "calendar")
    if not isinstance(anchor, dt.date) or isinstance(anchor, dt.datetime):
        raise ValueError("calendar.jss_anchor must be a date like 2020-01-05")
    if anchor.weekday() != 6:
        raise ValueError("calendar.jss_anchor must be a Sunday")
    out = _need(raw, "outcome", "")
    wt = _need(raw, "weight", "")
    win = _need(raw, "windows", "")
    bad = _need(raw, "badges", "")
    tiers_upper = tuple(float(x) for x in _need(wt, "tier_upper_usd", "weight"))
    tier_weights = tuple(float(x) for x in _need(wt, "tier_weights", "weight"))
    if len(tier_weights) != len(tiers_upper) + 1:
        raise ValueError("weight.tier_weights must have one more entry than weight.tier_upper_usd")
    days = {str(k): int(v) for k, v in _need(win, "days", "windows").items()}
    required = str(_need(win, "required", "windows"))
    trending = tuple(str(x) for x in _need(win, "trending", "windows"))
    candidates = tuple(str(x) for x in _need(win, "candidates", "windows"))
    for w in (required, *trending):
        if w not in days:
            raise ValueError(f"windows: unknown window {w!r} (known: {', '.join(days)})")
    for w in candidates:
        if w not in days and w != "trending":
            raise ValueError(f"windows.candidates: unknown window {w!r}")
    model = str(_need(bad, "model", "badges"))
    if model not in ("upwork", "seed-article"):
        raise ValueError("badges.model must be 'upwork' or 'seed-article'")
    badge_kwargs: dict[str, Any] = {
        "model": model,
        "jss_min": float(_need(bad, "jss_min", "badges")),
        "hold_lookback_days": int(_need(bad, "hold_lookback_days", "badges")),
        "tos_lookback_days": int(_need(bad, "tos_lookback_days", "badges")),
    }
    if model == "upwork":
        for key in (
            "earnings_window_days",
            "tenure_min_days",
            "active_lookback_days",
            "good_weeks_required",
            "good_weeks_window",
        ):
            badge_kwargs[key] = int(_need(bad, key, "badges"))
        badge_kwargs["earnings_min_usd"] = float(_need(bad, "earnings_min_usd", "badges"))
        trp = _need(bad, "top_rated_plus", "badges")
        badge_kwargs["top_rated_plus"] = TopRatedPlusRules(
            earnings_above_usd=float(_need(trp, "earnings_above_usd", "badges.top_rated_plus")),
            large_contract_default_usd=float(
                _need(trp, "large_contract_default_usd", "badges.top_rated_plus")
            ),
            large_contract_usd={
                str(k): float(v)
                for k, v in _need(trp, "large_contract_usd", "badges.top_rated_plus").items()
            },
        )
        if badge_kwargs["good_weeks_required"] > badge_kwargs["good_weeks_window"]:
            raise ValueError("badges.good_weeks_required cannot exceed badges.good_weeks_window")
    else:
        sa = _need(bad, "seed_article", "badges")
        badge_kwargs["seed_article"] = SeedArticleRules(
            min_completed_jobs=int(_need(sa, "min_completed_jobs", "badges.seed_article")),
            feedback_window_days=int(_need(sa, "feedback_window_days", "badges.seed_article")),
            mean_public_rating_min=float(
                _need(sa, "mean_public_rating_min", "badges.seed_article")
            ),
            min_public_rating=float(_need(sa, "min_public_rating", "badges.seed_article")),
        )
    return Rules(
        name=str(_need(raw, "name", "")),
        description=str(raw.get("description", "")),
        calendar=Calendar(
            jss_anchor=anchor,
            jss_every_days=int(_need(cal, "jss_every_days", "calendar")),
            badge_every_days=int(_need(cal, "badge_every_days", "calendar")),
        ),
        outcome=OutcomeRules(
            negative_public_below=float(_need(out, "negative_public_below", "outcome")),
            negative_private_at_most=float(_need(out, "negative_private_at_most", "outcome")),
            positive_public_at_least=float(_need(out, "positive_public_at_least", "outcome")),
            positive_private_at_least=float(_need(out, "positive_private_at_least", "outcome")),
            exclude_no_feedback=bool(_need(out, "exclude_no_feedback", "outcome")),
            exclude_zero_earnings=bool(_need(out, "exclude_zero_earnings", "outcome")),
        ),
        open_positive_after_days=int(
            _need(_need(raw, "open_contracts", ""), "positive_after_days", "open_contracts")
        ),
        weight=WeightRules(
            tier_upper_usd=tiers_upper,
            tier_weights=tier_weights,
            length_step_days=int(_need(wt, "length_step_days", "weight")),
            cap=float(_need(wt, "cap", "weight")),
        ),
        windows=WindowRules(
            days=days,
            min_contracts=int(_need(win, "min_contracts", "windows")),
            min_clients=int(_need(win, "min_clients", "windows")),
            required=required,
            trending=trending,
            candidates=candidates,
        ),
        badges=BadgeRules(**badge_kwargs),
        source=label,
    )
