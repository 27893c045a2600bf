"""What a report notebook calls: its inputs, its one-line finding.

Notebooks are thin: they state parameters, call `open_stage` (the shared,
computed-once tables of `analysis.report.stage`), call library functions and show
the results. `finding` records the sentence the index shows.
"""

from __future__ import annotations

import html
from pathlib import Path

from analysis import config
from analysis.io.load import read_history

#: Key of the notebook output metadata where `finding` stores its text.
FINDING_KEY = "toprated"


def finding(text: str) -> None:
    """State the notebook's one-line finding: show it and record it for the index.

    The text is displayed as escaped HTML (never interpreted as Markdown or HTML,
    so ids from the data are safe in it) and stored in the output's metadata under
    ``{"toprated": {"finding": text}}``, where `build_reports` reads it.
    """
    from IPython.display import display

    text = " ".join(str(text).split())
    shown = f'<p class="toprated-finding"><strong>Finding:</strong> {html.escape(text)}</p>'
    display(
        {"text/html": shown, "text/plain": f"Finding: {text}"},
        raw=True,
        metadata={FINDING_KEY: {"finding": text}},
    )


def open_stage(
    history_path: str | Path | None,
    rules: str | Path = "upwork-2025",
    *,
    seed: int = 0,
    as_of: str | None = None,
):
    """A report notebook's data: the `analysis.report.stage.Stage` of the history
    (None = the bundled sample) under `rules`, computed once and shared by every
    report (so one quantity has one number everywhere). A history without contracts
    is refused.
    """
    from analysis.report.stage import build_stage

    source, history, _ = open_history(history_path, rules)
    return build_stage(source, rules, seed=seed, as_of=as_of, history=history)


def open_history(history_path: str | Path | None, rules: str | Path = "upwork-2025"):
    """``(source path, History, Rules)`` for a report that needs the history itself
    rather than the computed stage (report 10's search snapshots); None = the bundled
    sample. A history without contracts is refused.

    A build's kernel runs several notebooks in turn, so the history read (and
    validated) is kept in the process by its path and content hash
    (`analysis.report.stage.history_sha256`): the next notebook on the same files
    gets it without reading again, an edited file is read anew. Each call returns
    its own `History` with shallow copies of the tables (copy-on-write in pandas 3:
    a notebook that changes a table changes only its own).
    """
    from analysis.engine.ruleset import load_rules
    from analysis.report.stage import history_sha256, remember, shallow_history

    source = Path(history_path) if history_path else config.SAMPLE
    key = ("history", str(source.resolve()), history_sha256(source))
    history = remember(key, lambda: read_history(source))
    assert len(history.contracts) > 0, f"{source} holds no contracts"
    return source, shallow_history(history), load_rules(rules)
