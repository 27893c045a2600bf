"""The computed stage: every table the reports share, computed once per input.

Every report notebook needs the same few expensive tables: the JSS grid (with the
headroom of every cell), the weekly badge status and its changes, the status under
the other bundled rule set (the seed article's against Upwork's), the weekly
panel, the effects table and the event-time coefficients. Computed in each
notebook they cost the build minutes, and worse, two reports could quote two
numbers for one quantity (one fitted with 100 comparison freelancers, another
with 200). Here they are computed once, with ONE setting of ``max_controls`` and
``seed``, into ``data/processed/<key>/`` (Parquet for the frames, JSON for the
settings and the effects), and every notebook reads them through
`analysis.report.notebook.open_stage`.

The key is a sha256 over what the tables depend on: the history's content
(`history_sha256`), the rules file's content, the settings (``as_of``, ``seed``,
``max_controls``), the package version and a hash of the package's own source
(so a changed estimator never serves stale numbers). Anything else changes
nothing; any of these changes gives a new folder (old ones can be deleted freely:
``data/processed/`` is ignored by git and rebuilt on demand).

Concurrency. `toprated report` runs notebooks in parallel kernels, so on a cold
build several processes ask for the same stage at once. The first takes an
exclusive file lock (``<key>.lock``), computes into a temporary folder and renames
it into place; the others wait on the lock and then read the finished folder. A
reader never sees a half-written stage: the folder appears whole (rename is
atomic) and holds ``stage.json`` only once everything else is written.
Both a cold and a warm open return the tables as read back from disk, so a report
cannot differ between the two.

Parts. What only one report needs and costs seconds (report 06's risk model,
`Stage.risk`) is a part of the stage computed on first use into ``<key>-risk/``,
with the same lock and rename: on a cold build it is computed in that report's
kernel while the others go on, on a warm build it is read.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from analysis import __version__, config
from analysis.engine.ruleset import Rules, bundled_rule_sets, load_rules
from analysis.io.history import History

#: Bump when what the stage holds changes shape (also covered by the source hash).
STAGE_FORMAT = 2
#: Comparison (never-badged) freelancers kept in every event-study fit of the reports.
MAX_CONTROLS = 100
#: Environment variable that moves the stage folder (tests, read-only checkouts).
PROCESSED_ENV = "TOPRATED_PROCESSED"
#: The frames of a stage, each one Parquet file.
FRAMES = (
    "grid", "status", "events", "other_status", "panel", "effects", "event_time", "drops",
)  # fmt: skip
#: The frames of the stage's risk part (`Stage.risk`), computed on first use.
RISK_FRAMES = ("risk_split", "risk_auc", "risk_roc", "risk_calibration", "risk_importance")


#: Histories and stages already read in this process (see `remember`), newest last.
_REMEMBERED: dict[tuple, Any] = {}
#: How many `remember` keeps (a build reads one history and one stage per kernel).
REMEMBER_AT_MOST = 4


def remember(key: tuple, read: Callable[[], Any]) -> Any:
    """``read()`` once per `key` in this process; the last `REMEMBER_AT_MOST` are kept.

    The keys are content hashes (a history's `history_sha256`, a stage's key), so a
    remembered value is the one a new read would give. Callers hand out shallow
    copies (`shallow_history`, `shallow_stage`), never the kept object itself.
    """
    if key in _REMEMBERED:
        _REMEMBERED[key] = _REMEMBERED.pop(key)  # now the newest
        return _REMEMBERED[key]
    value = read()
    _REMEMBERED[key] = value
    while len(_REMEMBERED) > REMEMBER_AT_MOST:
        del _REMEMBERED[next(iter(_REMEMBERED))]
    return value


def shallow_history(history: History) -> History:
    """The same history with shallow copies of its tables (no data copied; with
    pandas' copy-on-write, changing one copy's table never changes another's)."""
    return dataclasses.replace(
        history, **{name: frame.copy(deep=False) for name, frame in history.tables().items()}
    )


def processed_dir() -> Path:
    """Where stages live: ``$TOPRATED_PROCESSED`` or `analysis.config.PROCESSED`."""
    return Path(os.environ.get(PROCESSED_ENV) or config.PROCESSED)


def history_sha256(path: Path | str) -> str:
    """Content hash of a history folder (or a single file).

    sha256 over every file below ``path`` in order of its relative POSIX path; for
    each file: the path as UTF-8, a NUL byte, the byte count in decimal, a NUL byte,
    then its bytes. For a single file the relative path is its name. Renaming,
    adding, removing or editing any file changes the hash; mtimes do not.
    """
    path = Path(path)
    if path.is_file():
        files = [(path.name, path)]
    else:
        files = sorted((p.relative_to(path).as_posix(), p) for p in path.rglob("*") if p.is_file())
    digest = hashlib.sha256()
    for rel, file in files:
        size = file.stat().st_size
        digest.update(rel.encode("utf-8") + b"\0" + str(size).encode("ascii") + b"\0")
        with file.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def rules_sha256(rules: str | Path) -> str:
    """sha256 of a rule set's TOML text (bundled by name, or a file by path)."""
    if str(rules) in bundled_rule_sets():
        text = resources.files("analysis.engine.rules").joinpath(f"{rules}.toml").read_bytes()
    else:
        text = Path(rules).read_bytes()
    return hashlib.sha256(text).hexdigest()


@cache
def code_sha256() -> str:
    """sha256 of the package's Python and TOML sources (a changed estimator is a new stage)."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for file in sorted(root.rglob("*")):
        if file.suffix in (".py", ".toml") and "__pycache__" not in file.parts:
            digest.update(file.relative_to(root).as_posix().encode() + b"\0")
            digest.update(file.read_bytes())
    return digest.hexdigest()


def other_rules_name(rules: Rules) -> str:
    """The bundled rule set a report compares `rules` with: the seed article's against
    Upwork's model, Upwork's against anything else."""
    return "seed-article" if rules.badges.model == "upwork" else "upwork-2025"


def stage_inputs(
    history_path: Path | str,
    rules: str | Path,
    *,
    seed: int = 0,
    as_of: str | None = None,
    max_controls: int | None = MAX_CONTROLS,
) -> dict[str, Any]:
    """What the stage's key is computed from (also written to ``stage.json``)."""
    rules_obj = load_rules(rules)
    other = other_rules_name(rules_obj)
    return {
        "format": STAGE_FORMAT,
        "history_sha256": history_sha256(history_path),
        "rules_sha256": rules_sha256(rules),
        "other_rules": other,
        "other_rules_sha256": rules_sha256(other),
        "as_of": None if as_of is None else str(pd.Timestamp(as_of).date()),
        "seed": int(seed),
        "max_controls": max_controls,
        "version": __version__,
        "code_sha256": code_sha256(),
    }


def stage_key(inputs: dict[str, Any]) -> str:
    """The stage folder's name: the first 20 hex digits of sha256 over the inputs."""
    text = json.dumps(inputs, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


@dataclass(frozen=True)
class Stage:
    """One history's shared tables under one rule set and one setting.

    - ``grid``: the JSS grid (`analysis.engine.jss.jss_grid`) with the headroom of
      every cell (``negatives_to_drop_below``, `analysis.stories.pressure.headroom_grid`);
    - ``status``/``events``: the weekly badge status and its changes;
    - ``other_rules``/``other_status``: the same history under the other bundled
      rule set (`other_rules_name`), for the side-by-side comparisons;
    - ``panel``: the weekly panel (`analysis.estimate.effects.weekly_panel`), None
      without ``activity.csv`` holding invitations;
    - ``effects``: `analysis.estimate.effects.report_effects` (one row per effect;
      NaN estimate and a note when it cannot be made);
    - ``event_time``: invitations around the first gain and loss in 4-week bins
      (`analysis.estimate.value.event_time_lift`, column ``event``);
    - ``drops``: one more bad contract on every strong record (latest JSS of
      `analysis.stories.mechanics.STRONG_JSS` or more), report 01's scenarios
      (`analysis.stories.mechanics.one_bad_contract` on the grid);
    - ``truth``: ``truth.json`` of a simulated history (None otherwise).
    """

    source: Path
    history: History
    rules: Rules
    other_rules: Rules
    key: str
    folder: Path
    settings: dict[str, Any]
    truth: dict[str, Any] | None
    grid: pd.DataFrame
    status: pd.DataFrame
    events: pd.DataFrame
    other_status: pd.DataFrame
    panel: pd.DataFrame | None
    effects: pd.DataFrame
    event_time: pd.DataFrame
    drops: pd.DataFrame

    @property
    def activity(self) -> bool:
        """True when the history has weekly activity with invitations (a panel)."""
        return self.panel is not None

    @property
    def planted(self) -> dict[str, Any]:
        """The realised planted effects of a simulated history (empty otherwise)."""
        return (self.truth or {}).get("realised", {}) or {}

    @property
    def seed(self) -> int:
        return int(self.settings["seed"])

    def risk(self) -> dict[str, pd.DataFrame]:
        """Report 06's risk model of losing the badge, fitted and evaluated once:
        `RISK_FRAMES` (`analysis.stories.losing.risk_tables` on the weekly headroom
        of ``status`` and ``grid``).

        Only report 06 needs it, so it is a part of the stage computed on first use
        (into ``<key>-risk/`` next to the stage folder, with the same lock and
        rename): a cold build fits it in report 06's kernel while the other kernels
        run other reports, instead of every report waiting for it; a warm build
        reads it.
        """

        def compute() -> dict[str, pd.DataFrame | None]:
            from analysis.stories.losing import risk_tables
            from analysis.stories.pressure import weekly_headroom

            weekly = weekly_headroom(self.status, self.grid, self.rules)
            return risk_tables(weekly, self.history.contracts, self.rules, self.seed)

        key = f"{self.key}-risk"
        folder = self.folder.parent / key
        _materialise(folder, key, compute, {"key": key, "inputs": self.settings})
        return {
            name: frame for name, frame in _read(folder, RISK_FRAMES).items() if frame is not None
        }

    def effect(self, name: str) -> pd.Series:
        """One row of ``effects`` by effect name (KeyError names what there is)."""
        rows = self.effects[self.effects["effect"] == name]
        if rows.empty:
            raise KeyError(f"no effect {name!r}; there are {list(self.effects['effect'])}")
        return rows.iloc[0]


def _compute(
    history: History,
    source: Path,
    rules: Rules,
    other: Rules,
    settings: dict[str, Any],
) -> dict[str, pd.DataFrame | None]:
    """The stage's frames, computed (the slow part of a cold build)."""
    from analysis.engine.jss import jss_grid
    from analysis.engine.status import status_events, status_grid
    from analysis.estimate.effects import (
        REPORT_EFFECTS,
        read_truth,
        report_effects,
        score,
        weekly_panel,
    )
    from analysis.stories.faq import has_activity
    from analysis.stories.mechanics import one_bad_contract
    from analysis.stories.pressure import headroom_grid

    as_of = settings["as_of"] or history.as_of
    seed, max_controls = settings["seed"], settings["max_controls"]
    fitting = _fit_pool() if has_activity(history) else contextlib.nullcontext()
    with fitting as pool:  # started first: its imports overlap the grids
        grid = headroom_grid(history, rules, as_of=as_of)
        status = status_grid(
            history, rules, as_of=as_of, jss=grid[["freelancer_id", "eval_date", "jss"]]
        )
        events = status_events(status, rules)
        other_status = status_grid(
            history, other, as_of=as_of, jss=jss_grid(history, other, as_of=as_of)
        )
        panel = weekly_panel(history, rules, status=status) if has_activity(history) else None
        truth = read_truth(source)
        if panel is None or not panel["top_rated"].any():
            effects = report_effects(history, panel, truth, max_controls=max_controls, seed=seed)
            parts = []
        else:
            done = _run_shared(_fit_tasks(history, panel, max_controls, seed), pool)
            rows = [done[("effect", name)] for name in REPORT_EFFECTS]
            effects = score(pd.concat(rows, ignore_index=True), truth)
            parts = [done[("event_time", event)] for event in ("gain", "loss")]
            parts = [part for part in parts if part is not None]
    cols = ["event_time", "estimate", "ci_low", "ci_high", "event"]
    event_time = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame({c: pd.Series(dtype="float64") for c in cols}).astype({"event": str})
    )
    return {
        "grid": grid,
        "status": status,
        "events": events,
        "other_status": other_status,
        "panel": panel,
        "effects": effects,
        "event_time": event_time,
        "drops": one_bad_contract(history, rules, grid=grid),
    }


#: The stage's model fits, slowest first (measured on the bundled sample): the order
#: in which this process and the fit worker take them (`_run_shared`).
SLOW_FIRST = (
    ("event_time", "gain"), ("effect", "hire_rate_lift"), ("effect", "invitation_lift"),
    ("effect", "profile_view_lift"), ("effect", "hires_lift"),
    ("effect", "maintenance_hours"), ("event_time", "loss"),
    ("effect", "invitation_lift_losses"), ("effect", "net_value_usd_per_holder_year"),
    ("effect", "invitation_lift_naive"), ("effect", "profile_views_lift_naive"),
    ("effect", "rate_premium"),
)  # fmt: skip


def _fit_tasks(
    history: History, panel: pd.DataFrame, max_controls: int | None, seed: int
) -> list[tuple[tuple[str, str], Callable[..., Any], tuple, bool]]:
    """Every fit of the stage as ``(key, function, arguments, may run elsewhere)``:
    each effect row of `analysis.estimate.effects.REPORT_EFFECTS` and the event-time
    invitations around the first gain and loss, slowest first. Only the rate
    premium needs the history (the contracts), so it stays in this process."""
    from analysis.estimate.effects import REPORT_EFFECTS

    keys = [k for k in SLOW_FIRST if k[0] == "event_time" or k[1] in REPORT_EFFECTS]
    keys += [("effect", e) for e in REPORT_EFFECTS if ("effect", e) not in keys]
    tasks = []
    for kind, name in keys:
        if kind == "event_time":
            tasks.append(((kind, name), _event_time_task, (panel, name, max_controls, seed), True))
        else:
            here = name == "rate_premium"
            args = (history if here else None, panel, name, max_controls, seed)
            tasks.append(((kind, name), _effect_task, args, not here))
    return tasks


def _effect_task(
    history: History | None, panel: pd.DataFrame, name: str, max_controls: int | None, seed: int
) -> pd.DataFrame:
    """One unscored row of the effects table (`analysis.estimate.effects.effect_rows`)."""
    from analysis.estimate.effects import effect_rows

    return effect_rows(history, panel, [name], max_controls=max_controls, seed=seed)


def _event_time_task(
    panel: pd.DataFrame, event: str, max_controls: int | None, seed: int
) -> pd.DataFrame | None:
    """Invitations around the first `event` in 4-week bins, or None when the data
    cannot give them (a chart left out, not an error)."""
    from analysis.estimate import value

    try:
        coefs = value.event_time_lift(
            panel, "invitations", event, max_controls=max_controls, seed=seed
        )
    except Exception:  # noqa: BLE001 - a chart the data cannot give is left out
        return None
    return coefs.assign(event=event)


def _warm_worker() -> None:
    """The fit worker's first job: import the estimators while the grids are computed."""
    from analysis.estimate import effects, value  # noqa: F401

    effects.import_pyfixest()


@contextlib.contextmanager
def _fit_pool() -> Iterator[Any]:
    """One worker process for the stage's model fits when the machine has a second
    core, else None (every fit then runs here). Each fit runs on one thread (so it
    gives the same bits in every run: `analysis.estimate.effects.import_pyfixest`);
    the worker is how a cold stage still uses both cores. Started with ``spawn`` (a
    fresh interpreter: forking a process with live library thread pools is unsafe)
    and given its imports at once (`_warm_worker`).

    ``spawn`` imports the parent's main module again in the worker. That is safe
    when it was started as a module (``python -m``: the build's primer, a Jupyter
    kernel, pytest), whose main code is guarded; a script run by path may not guard
    it and would compute the stage again in the worker, waiting on this process's
    lock for ever. So the worker is used only in the first case.
    """
    import multiprocessing
    import sys
    from concurrent.futures import ProcessPoolExecutor

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    main = sys.modules.get("__main__")
    if (cores or 1) < 2 or getattr(main, "__spec__", None) is None:
        yield None
        return
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
    try:
        pool.submit(_warm_worker)
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _run_shared(
    tasks: list[tuple[Any, Callable[..., Any], tuple, bool]], pool: Any
) -> dict[Any, Any]:
    """Run every task once, here and in `pool`'s one worker: whichever is free takes
    the next task (in the given order; a task marked not to run elsewhere always
    runs here). Without a pool, or once the worker has failed, everything runs here.
    The results do not depend on where a task ran. Returns ``{key: result}``."""
    from concurrent.futures.process import BrokenProcessPool

    todo = list(tasks)
    out: dict[Any, Any] = {}
    running = None  # (key, future, function, args) of the worker's current task
    while todo or running is not None:
        if running is not None and (running[1].done() or not todo):
            key, future, fn, args = running
            running = None
            try:
                out[key] = future.result()
            except BrokenProcessPool:  # the worker died: do its task here, and the rest
                out[key], pool = fn(*args), None
        if running is None and pool is not None:
            ahead = next((t for t in todo if t[3]), None)
            if ahead is not None:
                key, fn, args, _ = ahead
                try:
                    future = pool.submit(fn, *args)
                except BrokenProcessPool:  # the worker died before this task
                    pool = None
                else:
                    todo.remove(ahead)
                    running = (key, future, fn, args)
        if todo:
            key, fn, args, _ = todo.pop(0)
            out[key] = fn(*args)
    return out


def _date_units(frames: dict[str, pd.DataFrame | None]) -> dict[str, dict[str, str]]:
    """The datetime columns' dtypes (Parquet may give another resolution back)."""
    return {
        name: {c: str(t) for c, t in frame.dtypes.items() if str(t).startswith("datetime64")}
        for name, frame in frames.items()
        if frame is not None
    }


def _write(folder: Path, frames: dict[str, pd.DataFrame | None], meta: dict[str, Any]) -> None:
    from analysis.estimate.effects import effects_json

    meta = meta | {"datetime_dtypes": _date_units(frames)}
    for name, frame in frames.items():
        if frame is not None:
            plain = frame.copy(deep=False)
            plain.attrs = {}  # the status grid's rules are restored on reading
            plain.to_parquet(folder / f"{name}.parquet", index=False)
    if "effects" in frames:
        (folder / "effects.json").write_text(effects_json(frames["effects"]) + "\n", "utf-8")
    # stage.json last: its presence marks a complete stage
    (folder / "stage.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n", "utf-8")


def _read(folder: Path, names: tuple[str, ...] = FRAMES) -> dict[str, pd.DataFrame | None]:
    dtypes = json.loads((folder / "stage.json").read_text("utf-8"))["datetime_dtypes"]
    out: dict[str, pd.DataFrame | None] = {}
    for name in names:
        path = folder / f"{name}.parquet"
        out[name] = pd.read_parquet(path).astype(dtypes[name]) if path.is_file() else None
    return out


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on `path` (created if needed) held for the block."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_stage(
    history_path: Path | str | None,
    rules: str | Path = "upwork-2025",
    *,
    seed: int = 0,
    as_of: str | None = None,
    max_controls: int | None = MAX_CONTROLS,
    history: History | None = None,
) -> Stage:
    """The stage of a history (None = the bundled sample): read it, or compute and
    store it first (see the module docstring for the key, the lock and the rename).

    `history` may be passed when already read (it must be the one at
    `history_path`). A stage read once is kept in the process (`remember`, by its
    folder, whose name is the content key) and handed out again as shallow copies
    (`shallow_stage`): a build's kernel runs several notebooks; a folder deleted
    since is computed again. Bad input (a malformed history or rules file) raises
    `analysis.io.errors.InputError` before anything is written.
    """
    from analysis.io.load import read_history

    source = Path(history_path) if history_path else config.SAMPLE
    rules_obj = load_rules(rules)
    other = load_rules(other_rules_name(rules_obj))
    inputs = stage_inputs(source, rules, seed=seed, as_of=as_of, max_controls=max_controls)
    key = stage_key(inputs)
    folder = processed_dir() / key
    remembered = ("stage", str(folder), str(source))
    if not (folder / "stage.json").is_file():
        _REMEMBERED.pop(remembered, None)

    def read() -> Stage:
        known = history if history is not None else read_history(source)
        return _open(folder, key, inputs, source, known, rules_obj, other)

    return shallow_stage(remember(remembered, read))


def shallow_stage(stage: Stage) -> Stage:
    """The same stage with shallow copies of its history and frames (see `shallow_history`)."""
    frames = {name: getattr(stage, name) for name in FRAMES}
    return dataclasses.replace(
        stage,
        history=shallow_history(stage.history),
        **{name: None if f is None else f.copy(deep=False) for name, f in frames.items()},
    )


def _materialise(
    folder: Path,
    key: str,
    compute: Callable[[], dict[str, pd.DataFrame | None]],
    meta: dict[str, Any],
) -> None:
    """Compute and store the frames of `folder` unless it is complete: under the
    lock ``.<key>.lock``, into a temporary folder renamed into place (see the
    module docstring)."""
    root = folder.parent
    if (folder / "stage.json").is_file():
        return
    root.mkdir(parents=True, exist_ok=True)
    with _locked(root / f".{key}.lock"):
        if (folder / "stage.json").is_file():  # somebody built it while we waited
            return
        work = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=root))
        try:
            _write(work, compute(), meta)
            work.chmod(0o755)  # mkdtemp makes it private; a stage is shared
            if folder.exists():  # a broken leftover without stage.json
                shutil.rmtree(folder)
            os.rename(work, folder)
        finally:
            shutil.rmtree(work, ignore_errors=True)


def _open(
    folder: Path,
    key: str,
    inputs: dict[str, Any],
    source: Path,
    history: History,
    rules_obj: Rules,
    other: Rules,
) -> Stage:
    """Read the stage in `folder`, computing and storing it first when it is missing."""
    from analysis.estimate.effects import read_truth

    _materialise(
        folder,
        key,
        lambda: _compute(history, source, rules_obj, other, inputs),
        {"key": key, "inputs": inputs, "source": str(source)},
    )
    frames = _read(folder)
    frames["status"].attrs["rules"] = rules_obj
    frames["other_status"].attrs["rules"] = other
    return Stage(
        source=source,
        history=history,
        rules=rules_obj,
        other_rules=other,
        key=key,
        folder=folder,
        settings=inputs,
        truth=read_truth(source),
        grid=frames["grid"],
        status=frames["status"],
        events=frames["events"],
        other_status=frames["other_status"],
        panel=frames["panel"],
        effects=frames["effects"],
        event_time=frames["event_time"],
        drops=frames["drops"],
    )


# ------------------------------------------------------------------ priming


def prime(
    history_path: Path | str | None,
    rules: str | Path = "upwork-2025",
    *,
    seed: int = 0,
    as_of: str | None = None,
    risk: bool = False,
) -> None:
    """Compute the stage (and, with `risk`, its risk part) unless stored already.

    What `toprated report` starts in the background before the first kernel is up
    (`prime_command`), so a cold build's stage is being computed while the kernels
    start and run the reports that do not need it. Same key, lock and rename as a
    notebook's `build_stage`: whichever process takes the lock first computes, the
    others read.
    """
    if stored(history_path, rules, seed=seed, as_of=as_of, risk=risk):
        return
    stage = build_stage(history_path, rules, seed=seed, as_of=as_of)
    if risk:
        stage.risk()


def stored(
    history_path: Path | str | None,
    rules: str | Path = "upwork-2025",
    *,
    seed: int = 0,
    as_of: str | None = None,
    risk: bool = False,
) -> bool:
    """True when the stage of these inputs (and, with `risk`, its risk part) is
    complete on disk: a warm build then needs no primer. Reads only the inputs'
    hashes, not the history."""
    source = Path(history_path) if history_path else config.SAMPLE
    key = stage_key(stage_inputs(source, rules, seed=seed, as_of=as_of))
    folders = [key] + ([f"{key}-risk"] if risk else [])
    return all((processed_dir() / name / "stage.json").is_file() for name in folders)


def prime_command(
    history_path: Path | str, rules: str | Path, *, seed: int, as_of: str | None, risk: bool
) -> list[str]:
    """The command line of a background `prime` in this interpreter."""
    import sys

    argv = [sys.executable, "-m", "analysis.report.stage", str(history_path), str(rules)]
    argv += ["--seed", str(int(seed))] + (["--as-of", as_of] if as_of else [])
    return argv + (["--risk"] if risk else [])


def _main(argv: list[str] | None = None) -> int:
    """``python -m analysis.report.stage HISTORY RULES [--seed N] [--as-of D] [--risk]``.

    Quiet by design: a failure here is the build's to report, and it will, since the
    notebook that opens the stage then computes it (and fails) itself. SIGTERM ends
    it like Ctrl-C, so a half-written temporary folder is removed.
    """
    import argparse
    import signal

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    parser = argparse.ArgumentParser(prog="python -m analysis.report.stage")
    parser.add_argument("history")
    parser.add_argument("rules")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--as-of", default=None)
    parser.add_argument("--risk", action="store_true")
    args = parser.parse_args(argv)
    try:
        prime(args.history, args.rules, seed=args.seed, as_of=args.as_of, risk=args.risk)
    except KeyboardInterrupt:
        return 130
    except Exception:  # noqa: BLE001 - reported by the notebook that opens the stage
        return 1
    finally:
        # done (or stopped): a SIGTERM from now on would interrupt the shutdown
        # (joining the fit worker's threads) with a KeyboardInterrupt nobody catches
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    return 0


if __name__ == "__main__":
    try:
        status = _main()
    except KeyboardInterrupt:  # a stop while an interrupted stage was being cleaned up
        status = 130
    raise SystemExit(status)
