"""A synthetic Upwork-like marketplace whose truth is known: `toprated generate`.

No public data set follows freelancers over time with their JSS and badges, so
the project makes one. `simulate` runs a weekly marketplace (the model:
`analysis.simulate.world`) in which the badge that drives behaviour is decided
every Sunday by the project's own rules engine (`analysis.simulate.badges`), so
`analysis.engine.status.status_grid` on the written files finds exactly the statuses
the simulated freelancers lived with. The badge's effects are *planted* through
knobs (invitation, view and hire-rate lifts, rate premium, unpaid maintenance
hours, declined risky jobs, pressure exits), and `truth.json` records every knob,
the seed and the effects as realised, for estimators to be scored against.
Each world is run twice, the second time with every badge effect off and the same
random numbers (`analysis.simulate.world.run_pair`), and ``truth.json``
``realised`` holds the effects on the treated that the pair reveals
(`analysis.simulate.world.counterfactual_truth`). ``activity.csv`` has the badge
shown each week (``status_shown``). Knobs are numbers, except ``confounding``
(a shape) and ``world_rules`` (the rule set the world awards badges by;
`load_world_rules`).

Public API:

- `SimConfig` and `simulate(config) -> (frames, truth)`: frames are the five
  tables of the data contract with the dtypes of `analysis.io.history.History`
  (``History(**frames)`` works), sorted; truth is a JSON-ready dict (plus
  ``truth["_panel"]``, see `status_panel`).
- `write_history(frames, truth, out_dir, gzip=False)`: the five CSV files and
  ``truth.json``, byte for byte the same for the same seed (sorted rows, fixed
  columns, no timestamps; gzip with mtime 0).
- `generate(out, freelancers, start, end, seed, scenario, overrides, gzip,
  progress)`: both, for the ``toprated generate`` command.
- `load_scenario(name_or_path)`, `parse_overrides(["knob=value", ...])`,
  `knob_table()`: the scenarios in ``analysis/simulate/scenarios/*.toml`` and their knobs.
- `status_panel(truth)`: the statuses found in the loop, one row per freelancer
  and Sunday (what `status_grid` must reproduce).
- `calibration_table(history)`: simulated figures next to the real ones.

Reading the output (what an estimator must line up): the activity row of the
week starting Monday ``m`` was driven by the badge status and the JSS as of the
Sunday ``m - 1`` (``status_grid`` row ``week = m - 1``); its invitations have
``log E = freelancer effect + week effect + 0.35 * (JSS - 90) / 10 (0 without
a JSS) + 0.15 * log(1 + years since joined_date) + 0.15 * log(1 + earnings paid
in the 12 weeks before m / 1000) + log(invitation_lift) * top_rated`` (defaults
shown; knobs in ``scenarios/baseline.toml``), with negative-binomial noise.
Activity rows exist for the weeks a freelancer is on the platform (from the
week of ``joined_date`` to the week they leave); contracts and payments may go
on after that, as they finish their work. On the bundled sample the planted
within-week lift is 1.25 (``realised.invitation_lift_direct``), the effect on the
treated against the counterfactual twin 1.31 (``realised.invitation_lift``: it also
carries what the badge's extra earnings do to later visibility), and the naive
Top-Rated-vs-rest ratio 5.3 (``truth.json``).
"""

from __future__ import annotations

import difflib
import gzip as gzip_module
import hashlib
import json
import math
import os
import shutil
import tempfile
import time
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from analysis.engine.money import day_of
from analysis.engine.ruleset import load_rules
from analysis.engine.status import STATUSES
from analysis.io.errors import InputError, Problem
from analysis.io.history import History
from analysis.simulate.badges import NOT_STARTED, UNKNOWN
from analysis.simulate.defaults import (
    DEFAULT_END,
    DEFAULT_FREELANCERS,
    DEFAULT_SCENARIO,
    DEFAULT_SEED,
    DEFAULT_START,
)
from analysis.simulate.tables import (
    activity_frame,
    contracts_frame,
    csv_bytes,
    dates,
    events_frame,
    freelancers_frame,
    payments_frame,
)

#: Up to this many freelancers, every status is computed in the loop (scope "all");
#: above it only freelancers who can be Top Rated are (scope "top-rated").
FULL_SCOPE_LIMIT = 250_000
FILES = ("contracts", "payments", "activity", "freelancers", "account_events")
#: The planted badge effects (the knobs a "no effect" world sets to 1.0 or 0).
BADGE_KNOBS = (
    "invitation_lift",
    "profile_view_lift",
    "hire_rate_lift",
    "rate_premium",
    "maintenance_hours_per_week",
    "risky_decline_share",
    "pressure_churn_per_week",
    "pressure_jss_margin",
    "threshold_effort_logit",
)


# ---------------------------------------------------------------------------
# scenarios and knobs
# ---------------------------------------------------------------------------


#: Kinds of knob: a number in a range, one word of a list, or a rule set.
KNOB_KINDS = ("number", "choice", "rules")


@dataclass(frozen=True)
class Knob:
    """One knob of the baseline scenario: default, allowed values, meaning, source.

    ``kind`` is ``number`` (a float from `low` to `high`), ``choice`` (one of
    `choices`) or ``rules`` (a bundled rule set name or a rules TOML path, checked
    by loading it); the last two are string-valued and have NaN bounds.
    """

    name: str
    default: float | str
    low: float
    high: float
    meaning: str
    source: str
    kind: str = "number"
    choices: tuple[str, ...] = ()

    @property
    def allowed(self) -> str:
        """The allowed values, said to a person."""
        if self.kind == "choice":
            return ", ".join(self.choices)
        if self.kind == "rules":
            return "a bundled rule set or a rules TOML file"
        return f"{self.low:g} to {self.high:g}"


@dataclass(frozen=True)
class Scenario:
    """A named set of knob values (`knobs`), the baseline's `Knob` specs and its file."""

    name: str
    description: str
    knobs: dict[str, float]
    source: str


def bundled_scenarios() -> list[str]:
    """Names of the scenarios shipped in ``analysis/scenarios``."""
    folder = resources.files("analysis.simulate.scenarios")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def _read_toml(name_or_path: str | Path) -> tuple[dict[str, Any], str]:
    spec = str(name_or_path)
    if spec in bundled_scenarios():
        text = (
            resources.files("analysis.simulate.scenarios")
            .joinpath(f"{spec}.toml")
            .read_text("utf-8")
        )
        label = f"{spec}.toml"
    elif Path(spec).is_file():
        text, label = Path(spec).read_text("utf-8"), spec
    else:
        raise InputError(
            [
                Problem(
                    spec,
                    None,
                    None,
                    None,
                    "is neither a bundled scenario ("
                    + ", ".join(bundled_scenarios())
                    + ") nor a TOML file",
                )
            ]
        )
    try:
        return tomllib.loads(text), label
    except tomllib.TOMLDecodeError as exc:
        raise InputError([Problem(label, None, None, None, f"is not valid TOML: {exc}")]) from None


def knob_specs() -> dict[str, Knob]:
    """Every knob, as documented in ``baseline.toml`` (in file order)."""
    raw, label = _read_toml(DEFAULT_SCENARIO)
    out = {}
    for name, spec in raw["knobs"].items():
        kind = spec.get("kind", "choice" if "choices" in spec else "number")
        if kind == "number":
            low, high = spec["range"]
            out[name] = Knob(
                name, float(spec["value"]), float(low), float(high), spec["meaning"], spec["source"]
            )
        else:
            out[name] = Knob(
                name,
                str(spec["value"]),
                math.nan,
                math.nan,
                spec["meaning"],
                spec["source"],
                kind,
                tuple(spec.get("choices", ())),
            )
    return out


def knob_table() -> pd.DataFrame:
    """The knobs as a table: name, default, range, meaning, source."""
    rows = [
        {
            "knob": k.name,
            "default": k.default,
            "range": k.allowed,
            "planted_badge_effect": k.name in BADGE_KNOBS,
            "meaning": k.meaning,
            "source": k.source,
        }
        for k in knob_specs().values()
    ]
    return pd.DataFrame(rows)


def _check_knob(name: str, value: object, where: str, specs: Mapping[str, Knob]) -> float | str:
    if name not in specs:
        close = difflib.get_close_matches(name, list(specs), n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise InputError(
            [Problem(where, None, None, None, f"{name!r} is not a knob{hint} (see knob_table())")]
        )
    spec = specs[name]
    if spec.kind == "choice":
        word = value.strip() if isinstance(value, str) else None
        if word not in spec.choices:
            raise InputError(
                [
                    Problem(
                        where, None, None, str(value), f"is not one of {spec.allowed} (knob {name})"
                    )
                ]
            )
        return word
    if spec.kind == "rules":
        return _check_rules_knob(name, value, where)
    expected = f"is not a number from {spec.low:g} to {spec.high:g} (knob {name})"
    if isinstance(value, bool):
        raise InputError([Problem(where, None, None, str(value), expected)])
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError([Problem(where, None, None, str(value), expected)]) from None
    if not math.isfinite(number) or not spec.low <= number <= spec.high:
        raise InputError([Problem(where, None, None, str(value), expected)])
    return number


def world_rule_sets() -> list[str]:
    """Names of the rule sets a simulated world can use: the engine's bundled ones
    and the simulator's own (``analysis/simulate/worldrules``: ``upwork-strict``)."""
    from analysis.engine.ruleset import bundled_rule_sets

    return sorted({*bundled_rule_sets(), *_own_world_rules()})


def _own_world_rules() -> list[str]:
    folder = resources.files("analysis.simulate.worldrules")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def load_world_rules(name_or_path: str):
    """The `Rules` a world awards badges by (knob ``world_rules``)."""
    spec = str(name_or_path)
    if spec in _own_world_rules():
        spec = str(resources.files("analysis.simulate.worldrules").joinpath(f"{spec}.toml"))
    return load_rules(spec)


def _check_rules_knob(name: str, value: object, where: str) -> str:
    """A rule set knob: a bundled name or a TOML path that `load_rules` reads, with
    the ``upwork`` badge model (the simulator's `BadgeTracker` needs it)."""
    text = value.strip() if isinstance(value, str) else ""
    expected = (
        "is neither a bundled rule set (" + ", ".join(world_rule_sets()) + ") nor a rules "
        f"TOML file (knob {name})"
    )
    if not text or (text not in world_rule_sets() and not Path(text).is_file()):
        raise InputError([Problem(where, None, None, str(value), expected)])
    try:
        rules = load_world_rules(text)
    except InputError as exc:
        detail = "; ".join(p.expected for p in exc.problems)
        raise InputError(
            [Problem(where, None, None, text, f"is not a valid rules file (knob {name}): {detail}")]
        ) from None
    if rules.badges.model != "upwork":
        raise InputError(
            [
                Problem(
                    where,
                    None,
                    None,
                    text,
                    f"has badges.model {rules.badges.model!r}; a simulated marketplace needs "
                    f"an 'upwork' model rule set (knob {name})",
                )
            ]
        )
    return text


def load_scenario(name_or_path: str | Path = DEFAULT_SCENARIO) -> Scenario:
    """A bundled scenario by name (``baseline``, ``no-badge-effect``, ``high-pressure``)
    or a TOML file by path; every knob not set falls back to its baseline default."""
    specs = knob_specs()
    raw, label = _read_toml(name_or_path)
    knobs = {name: k.default for name, k in specs.items()}
    parent = raw.get("extends")
    if parent is not None and str(parent) != DEFAULT_SCENARIO:
        knobs.update(load_scenario(str(parent)).knobs)
    for name, value in raw.get("knobs", {}).items():
        if isinstance(value, dict):
            value = value.get("value")
        knobs[name] = _check_knob(name, value, label, specs)
    return Scenario(
        str(raw.get("name", Path(label).stem)), raw.get("description", ""), knobs, label
    )


def parse_overrides(
    items: Iterable[str] | Mapping[str, object] | None,
) -> dict[str, float | str]:
    """``["knob=value", ...]`` (the ``--set`` options) as ``{knob: value}``: a float
    for number knobs, a string for ``confounding`` and ``world_rules``.

    Refuses an unknown knob (suggesting the closest name), a value that is not a
    number, or one outside the knob's range, a word not among a choice knob's
    values and a rule set that is neither bundled nor a readable rules file, with
    `InputError` naming the knob.
    """
    if not items:
        return {}
    specs = knob_specs()
    pairs: list[tuple[str, object, str]] = []
    if isinstance(items, Mapping):
        pairs = [(str(k), v, f"--set {k}") for k, v in items.items()]
    else:
        for item in items:
            name, sep, value = str(item).partition("=")
            name = name.strip()
            if not sep or not name:
                raise InputError(
                    [Problem(f"--set {item}", None, None, None, "is not of the form KNOB=VALUE")]
                )
            pairs.append((name, value.strip(), f"--set {name}"))
    return {name: _check_knob(name, value, where, specs) for name, value, where in pairs}


# ---------------------------------------------------------------------------
# configuration
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SimConfig:
    """What to simulate. `scenario` is a bundled name or a TOML path; `overrides`
    maps knob names to values (applied on top of the scenario); `status_scope` is
    ``"all"``, ``"top-rated"`` or ``"auto"`` (all up to `FULL_SCOPE_LIMIT`
    freelancers; see `analysis.simulate.badges`)."""

    freelancers: int = DEFAULT_FREELANCERS
    start: str = DEFAULT_START
    end: str = DEFAULT_END
    seed: int = DEFAULT_SEED
    scenario: str = DEFAULT_SCENARIO
    overrides: Mapping[str, float | str] = field(default_factory=dict)
    rules: str | None = None
    status_scope: str = "auto"

    @property
    def start_day(self) -> int:
        return day_of(self.start)

    @property
    def end_day(self) -> int:
        return day_of(self.end)

    @property
    def scope(self) -> str:
        if self.status_scope != "auto":
            return self.status_scope
        return "all" if self.freelancers <= FULL_SCOPE_LIMIT else "top-rated"


def _config(config: SimConfig | Mapping[str, Any] | None) -> SimConfig:
    if config is None:
        return SimConfig()
    if isinstance(config, SimConfig):
        return config
    return SimConfig(**dict(config))


# ---------------------------------------------------------------------------
# simulate
# ---------------------------------------------------------------------------


def _sort(cols: dict[str, np.ndarray], keys: Sequence[str]) -> dict[str, np.ndarray]:
    order = np.lexsort([cols[k] for k in reversed(keys)])
    return {k: v[order] for k, v in cols.items()}


def simulate(
    config: SimConfig | Mapping[str, Any] | None = None, progress: bool = True
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Run the marketplace; returns (frames, truth).

    ``frames``: ``contracts, payments, activity, freelancers, account_events`` with
    the dtypes of `analysis.io.history` (``History(**frames)``), rows sorted by
    freelancer then date. ``truth``: the configuration, every knob, the seed, the
    realised effects (``truth["realised"]``) and ``truth["_panel"]`` (in-loop
    statuses, for `status_panel`; not written to ``truth.json``).
    """
    from analysis.simulate.world import run_pair

    config = _config(config)
    if config.freelancers < 1:
        raise ValueError("freelancers must be at least 1")
    scenario = load_scenario(config.scenario)
    overrides = parse_overrides(dict(config.overrides))
    knobs = {**scenario.knobs, **overrides}
    if config.rules is not None and "world_rules" not in overrides:
        knobs["world_rules"] = config.rules  # the older way to name the world's rules
    rules = load_world_rules(str(knobs["world_rules"]))
    kn = SimpleNamespace(**knobs)
    sim = SimpleNamespace(
        seed=int(config.seed),
        start_day=config.start_day,
        end_day=config.end_day,
        freelancers=int(config.freelancers),
        status_scope=config.scope,
    )
    t0 = time.perf_counter()
    tables, realised, panel, plan, fmt = run_pair(sim, kn, rules, progress)
    seconds = time.perf_counter() - t0
    if len(tables["contracts"]["cid"]) >= 10**fmt.contract:
        raise RuntimeError("more contracts than the id width allows")  # pragma: no cover

    c = _sort(tables["contracts"], ["fid", "start", "cid"])
    p = _sort(tables["payments"], ["fid", "day", "cid"])
    a = _sort(tables["activity"], ["fid", "week_start"])
    e = _sort(tables["account_events"], ["fid", "day", "event"])
    frames = {
        "contracts": contracts_frame(c, fmt),
        "payments": payments_frame(p, fmt),
        "activity": activity_frame(a, fmt),
        "freelancers": freelancers_frame(tables["freelancers"], fmt),
        "account_events": events_frame(e, fmt),
    }
    codes = panel[panel != NOT_STARTED]
    counts = {
        name: int((codes == i).sum()) for i, name in enumerate(STATUSES) if (codes == i).any()
    }
    if (codes == UNKNOWN).any():
        counts["none_or_rising_talent"] = int((codes == UNKNOWN).sum())
    truth: dict[str, Any] = {
        "generator": "analysis.simulate",
        "seed": int(config.seed),
        "scenario": scenario.name,
        "scenario_source": scenario.source,
        "overrides": dict(sorted(overrides.items())),
        "freelancers": int(config.freelancers),
        "start": str(pd.Timestamp(config.start).date()),
        "end": str(pd.Timestamp(config.end).date()),
        "first_week_start": str(dates([plan.first_monday])[0])[:10],
        "last_sunday": str(dates([plan.last_sunday])[0])[:10],
        "weeks": plan.n_weeks,
        "rules": rules.name,
        "status_scope": config.scope,
        "knobs": dict(knobs),
        "realised": realised,
        "status_weeks": counts,
        "rows": {name: len(f) for name, f in frames.items()},
        "simulation_seconds": round(seconds, 1),
        "_panel": (panel, plan.first_monday, fmt),
    }
    return frames, truth


def status_panel(truth: Mapping[str, Any]) -> pd.DataFrame:
    """The statuses the simulated freelancers lived with: one row per freelancer and
    Sunday from their first contract on, sorted like `status_grid`. ``status`` is
    a category of `analysis.engine.status.STATUSES`, NA where the loop only knew "none or
    rising_talent" (scope ``top-rated``)."""
    panel, first_monday, fmt = truth["_panel"]
    week, fid = np.nonzero(panel != NOT_STARTED)
    order = np.lexsort((week, fid))
    week, fid = week[order], fid[order]
    codes = panel[week, fid].astype(np.int8)
    return pd.DataFrame(
        {
            "freelancer_id": fmt.freelancers(fid),
            "week": dates(first_monday + 7 * week.astype(np.int64) + 6),
            "status": pd.Categorical.from_codes(
                np.where(codes == UNKNOWN, -1, codes), categories=list(STATUSES), ordered=True
            ),
        }
    )


# ---------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------


def _json_ready(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _json_ready(v) for k, v in obj.items() if not str(k).startswith("_")}
    if isinstance(obj, list | tuple):
        return [_json_ready(v) for v in obj]
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        x = float(obj)
        return None if not math.isfinite(x) else float(f"{x:.10g}")
    return obj


def write_history(
    frames: Mapping[str, pd.DataFrame],
    truth: Mapping[str, Any],
    out_dir: str | Path,
    gzip: bool = False,
) -> dict[str, Path]:
    """Write the five tables (``<table>.csv`` or ``.csv.gz``) and ``truth.json``.

    A table with no rows (e.g. no account events in a small run) is not written,
    since the data contract refuses a file with a header and no rows.

    Same input, same bytes: columns in the contract's order, rows as given
    (`simulate` sorts them), floats as rounded by the simulator, gzip with no
    file name and mtime 0. ``truth.json`` gains ``files``: the SHA-256 of each
    table's CSV text (uncompressed), so a copy can be checked against a fresh run.
    ``simulation_seconds`` is left out so the bytes do not depend on the machine.
    """
    if frames.get("contracts") is None or len(frames["contracts"]) == 0:
        raise InputError(
            [
                Problem(
                    "simulation",
                    None,
                    None,
                    None,
                    "produced no contracts; simulate more freelancers or a longer period",
                )
            ]
        )
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    # every file is written into a temporary folder next to `out` and moved in only
    # when all are complete: a failure (a full disk) leaves `out` as it was
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.generate-", dir=out.parent))
    written: dict[str, Path] = {}
    hashes: dict[str, str] = {}
    try:
        for name in FILES:
            frame = frames.get(name)
            if frame is None or len(frame) == 0:  # the contract refuses a file with no rows
                continue
            text = csv_bytes(frame)
            hashes[f"{name}.csv"] = hashlib.sha256(text).hexdigest()
            path = tmp / (f"{name}.csv.gz" if gzip else f"{name}.csv")
            if gzip:
                with (
                    open(path, "wb") as fh,
                    gzip_module.GzipFile(filename="", mode="wb", fileobj=fh, mtime=0) as gz,
                ):
                    gz.write(text)
            else:
                path.write_bytes(text)
            written[name] = path
        record = {k: v for k, v in truth.items() if k != "simulation_seconds"}
        record["files"] = hashes
        (tmp / "truth.json").write_text(
            json.dumps(_json_ready(record), indent=2, sort_keys=True) + "\n"
        )
        written["truth"] = tmp / "truth.json"
        out.mkdir(exist_ok=True)
        stale = stale_files(out, set(p.name for p in written.values()))
        for name, path in written.items():
            os.replace(path, out / path.name)
            written[name] = out / path.name
        for old in stale:  # other formats of the tables: the new files replace them
            old.unlink(missing_ok=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return written


def stale_files(out: str | Path, keep: set[str]) -> list[Path]:
    """Table files in ``out`` (any of ``.csv``, ``.csv.gz``, ``.parquet``) other than
    the names in ``keep``: a run that writes ``keep`` replaces them, since two copies
    of one table make a history ambiguous and an old table would not match the new
    ones. ``toprated generate`` says which it removed."""
    out = Path(out)
    found = [out / f"{n}{s}" for n in FILES for s in (".csv", ".csv.gz", ".parquet")]
    return [p for p in found if p.name not in keep and p.is_file()]


def generate(
    out: str | Path,
    freelancers: int = DEFAULT_FREELANCERS,
    start: str = DEFAULT_START,
    end: str = DEFAULT_END,
    seed: int = DEFAULT_SEED,
    scenario: str = DEFAULT_SCENARIO,
    overrides: Iterable[str] | Mapping[str, object] | None = None,
    gzip: bool = False,
    progress: bool = True,
) -> dict[str, Any]:
    """``toprated generate``: simulate and write a history folder; returns a summary
    (``out``, ``files``, ``rows``, ``seconds``, ``scenario``, ``seed``,
    ``realised``). Bad knobs or scenarios raise `InputError` before anything runs."""
    t0 = time.perf_counter()
    config = SimConfig(
        freelancers=int(freelancers),
        start=str(start),
        end=str(end),
        seed=int(seed),
        scenario=str(scenario),
        overrides=parse_overrides(overrides),
    )
    load_scenario(config.scenario)  # refuse a bad scenario before simulating
    frames, truth = simulate(config, progress=progress)
    before = stale_files(out, set())
    files = write_history(frames, truth, out, gzip=gzip)
    return {
        "out": str(out),
        "removed": [str(p) for p in before if not p.exists()],
        "files": {k: str(v) for k, v in files.items()},
        "rows": truth["rows"],
        "seconds": round(time.perf_counter() - t0, 1),
        "scenario": truth["scenario"],
        "seed": truth["seed"],
        "realised": _json_ready(truth["realised"]),
    }


# ---------------------------------------------------------------------------
# calibration
# ---------------------------------------------------------------------------

#: Quantiles of freelancers with at least 200 hours billed [shared/data/README.md].
REAL_QUANTILES = {
    "hourly rate, USD": (15, 22, 35, 60, 89),
    "lifetime jobs": (3, 8, 24, 58, 130),
    "lifetime hours": (253, 358, 691, 1722, 3930),
}
QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)


def calibration_table(
    history: History, last_years: float = 2.0, rules: str = "upwork-2025"
) -> pd.DataFrame:
    """Simulated figures next to the real ones they were calibrated to.

    Columns ``figure, target, simulated, tolerance, within_tolerance``:

    - hourly rate, lifetime jobs and lifetime hours quantiles (p10..p90) among
      freelancers with at least 200 hours billed (``hours`` of hourly contracts),
      against the 2018 scrape in ``shared/data/README.md``; tolerance 25%;
    - the share of active freelancers who are Top Rated or Plus, averaged over
      the Sundays of the last `last_years` years (Upwork: the top 10%; accepted
      6% to 15%; *active* as in `_badge_shares`);
    - the share of active freelancers with a JSS who are at 90 or above on those
      Sundays (target: most, i.e. above one half);
    - the public 5-star share minus the private 9-10 share, per contract with
      that feedback (target: far above, at least 10 points), the mean public
      rating (4.8 in Filippas, Horton & Golden 2022; within 0.15 stars) and the
      share of privately dissatisfied clients (private score 6 or less) who still
      gave 4+ stars publicly (24% in the same paper; within 6 points).
    """
    from analysis.engine.status import status_grid

    c = history.contracts
    rows: list[dict[str, Any]] = []
    hourly = c["contract_type"].astype("str") == "hourly"
    billed = c["hours"].where(hourly, 0.0).fillna(0.0).groupby(c["freelancer_id"]).sum()
    jobs = c.groupby("freelancer_id").size()
    heavy = billed.index[billed >= 200]
    rate = None
    if history.freelancers is not None and "hourly_rate_usd" in history.freelancers:
        fr = history.freelancers.set_index("freelancer_id")["hourly_rate_usd"]
        rate = fr.reindex(heavy).dropna()
    values = {
        "hourly rate, USD": rate,
        "lifetime jobs": jobs.reindex(heavy),
        "lifetime hours": billed.reindex(heavy),
    }
    for figure, target in REAL_QUANTILES.items():
        series = values[figure]
        for q, t in zip(QUANTILES, target, strict=True):
            sim = float(series.quantile(q)) if series is not None and len(series) else math.nan
            rows.append(
                {
                    "figure": f"{figure} p{round(q * 100)} (>= 200 h billed)",
                    "target": float(t),
                    "simulated": sim,
                    "tolerance": "25%",
                    "within_tolerance": bool(abs(sim - t) <= 0.25 * t),
                }
            )

    as_of = history.as_of
    start = as_of - pd.Timedelta(days=round(365.25 * last_years))
    grid = status_grid(history, rules, start=start, end=as_of)
    share_top, share_high = _badge_shares(history, grid, load_rules(rules))
    rows.append(
        {
            "figure": f"Top Rated (or Plus) share of active freelancers, last {last_years:g} years",
            "target": 0.10,
            "simulated": share_top,
            "tolerance": "0.06 to 0.15",
            "within_tolerance": bool(0.06 <= share_top <= 0.15),
        }
    )
    rows.append(
        {
            "figure": f"share of active freelancers with a JSS at 90 or above, last {last_years:g} years",
            "target": 0.5,
            "simulated": share_high,
            "tolerance": "above 0.5 (most)",
            "within_tolerance": bool(share_high > 0.5),
        }
    )
    public = c["public_rating"].dropna()
    private = c["private_score"].dropna()
    gap = float((public >= 5.0).mean() - (private >= 9).mean())
    rows.append(
        {
            "figure": "public 5-star share minus private 9-10 share (per contract)",
            "target": 0.10,
            "simulated": gap,
            "tolerance": "at least 0.10 (far above)",
            "within_tolerance": bool(gap >= 0.10),
        }
    )
    mean_public = float(public.mean())
    rows.append(
        {
            "figure": "mean public rating, stars",
            "target": 4.8,
            "simulated": mean_public,
            "tolerance": "within 0.15",
            "within_tolerance": bool(abs(mean_public - 4.8) <= 0.15),
        }
    )
    sad = c[(c["private_score"] <= 6).fillna(False).to_numpy(dtype=bool)]["public_rating"].dropna()
    share_4 = float((sad >= 4.0).mean()) if len(sad) else math.nan
    rows.append(
        {
            "figure": "privately dissatisfied (private <= 6) giving 4+ public stars",
            "target": 0.24,
            "simulated": share_4,
            "tolerance": "within 0.06",
            "within_tolerance": bool(abs(share_4 - 0.24) <= 0.06),
        }
    )
    return pd.DataFrame(rows)


def _badge_shares(history: History, grid: pd.DataFrame, rules) -> tuple[float, float]:
    """Mean over the grid's Sundays of (Top Rated or Plus / active freelancers) and of
    (JSS >= jss_min / active freelancers with a JSS).

    *Active* on a Sunday ``s`` is the rules' ``active_ok`` (a contract start,
    earnings or proposals in ``(s - active_lookback_days, s]``), extended to
    freelancers with no contract yet who sent proposals in that period (they have
    no row in the status grid but are on the platform looking for work).
    """
    weeks = np.sort(grid["week"].unique())
    if len(weeks) == 0:
        return math.nan, math.nan
    look = rules.badges.active_lookback_days
    ids = pd.Index(grid["freelancer_id"].unique())
    act = history.activity
    seekers = None
    if act is not None and "proposals" in act:
        sent = act[(act["proposals"].fillna(0) > 0).to_numpy(dtype=bool)]
        sent = sent[~sent["freelancer_id"].isin(ids)]
        code, uniques = pd.factorize(sent["freelancer_id"])
        if len(uniques):
            ws = sent["week_start"].to_numpy()
            lo = np.searchsorted(weeks, ws, side="left")
            hi = np.searchsorted(weeks, ws + np.timedelta64(look - 1, "D"), side="right")
            width = len(weeks) + 1
            diff = np.bincount(code * width + lo, minlength=len(uniques) * width)
            diff -= np.bincount(code * width + hi, minlength=len(uniques) * width)
            covered = np.cumsum(diff.reshape(len(uniques), width)[:, :-1], axis=1) > 0
            seekers = covered.sum(axis=0)
    ok = grid["active_ok"].fillna(False).to_numpy(dtype=bool)
    week = grid["week"].to_numpy()
    top = grid["status"].isin(["top_rated", "top_rated_plus"]).to_numpy() & ok
    pos = np.searchsorted(weeks, week)
    n_active = np.bincount(pos[ok], minlength=len(weeks)).astype(float)
    if seekers is not None:
        n_active += seekers
    n_top = np.bincount(pos[top], minlength=len(weeks))
    jss = grid["jss"].astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
    scored = ok & ~np.isnan(jss)
    n_scored = np.bincount(pos[scored], minlength=len(weeks))
    n_high = np.bincount(pos[scored & (jss >= rules.badges.jss_min)], minlength=len(weeks))
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(np.nanmean(n_top / n_active)), float(np.nanmean(n_high / n_scored))


__all__ = [
    "BADGE_KNOBS",
    "Knob",
    "Scenario",
    "SimConfig",
    "bundled_scenarios",
    "calibration_table",
    "generate",
    "knob_specs",
    "knob_table",
    "load_scenario",
    "load_world_rules",
    "parse_overrides",
    "simulate",
    "status_panel",
    "world_rule_sets",
    "write_history",
]
