"""Which world a verdict holds in: a simulated marketplace with planted effects, or real data.

A history made by `toprated generate` carries ``truth.json`` (the knobs, the seed,
the scenario and the realised effects). Figures computed on it check the *method*
against a truth the project planted; they say nothing about Upwork. Figures on a
history without it (a freelancer's own export, a platform's data) are estimates.
Every report that states a verdict says which of the two it is, with `world_of`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

#: The file a simulated history carries.
TRUTH_FILE = "truth.json"


@dataclass(frozen=True)
class World:
    """Where a history comes from, in words a reader of a verdict needs."""

    simulated: bool
    #: The scenario name of a simulated history (None for real data).
    scenario: str | None = None

    @property
    def label(self) -> str:
        """A short label: ``simulated (baseline)`` or ``real data``."""
        return f"simulated ({self.scenario})" if self.simulated else "real data"

    @property
    def qualifier(self) -> str:
        """The words to put before a verdict."""
        if self.simulated:
            return (
                f"In this simulated marketplace (scenario {self.scenario}), with these planted "
                "effects:"
            )
        return "Estimated on real data:"

    def state(self, verdict: str) -> str:
        """The verdict with the world it holds in in front of it."""
        return f"{self.qualifier} {verdict}"


def world_of(history_path: str | Path) -> World:
    """The world of the history at `history_path` (a folder, or a file in one).

    Simulated when the folder holds ``truth.json``; its ``scenario`` names the
    scenario ("unknown" when the file has none or cannot be read: the file's
    presence is what marks a simulation). Real otherwise.
    """
    path = Path(history_path)
    folder = path if path.is_dir() else path.parent
    truth = folder / TRUTH_FILE
    if not truth.is_file():
        return World(simulated=False)
    try:
        scenario = json.loads(truth.read_text("utf-8")).get("scenario")
    except (OSError, ValueError, AttributeError):
        scenario = None
    return World(simulated=True, scenario=str(scenario) if scenario else "unknown")


__all__ = ["TRUTH_FILE", "World", "world_of"]
