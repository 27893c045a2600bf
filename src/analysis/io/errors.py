"""Problems with input data, collected and reported together.

A history that breaks the data contract is refused as a whole. Every check adds
`Problem`s to a list; the caller raises `InputError` with all of them, and the CLI
prints one line per problem and exits with status 2 (never a traceback).
"""

from __future__ import annotations

from dataclasses import dataclass

#: How many problems are printed before the rest are summarised in one line.
MAX_PROBLEMS_SHOWN = 50


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one input file, located as an editor shows it.

    ``line`` counts the header as line 1; ``None`` means the problem is about the
    whole file (or a whole column). ``value`` is the text found in the file.
    """

    file: str
    line: int | None
    column: str | None
    value: str | None
    expected: str
    #: "line" for text files; "row" for Parquet, which has no lines (row 1 = first row).
    line_label: str = "line"

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f" {self.line_label} {self.line}"
        if self.column is not None:
            where += (
                f", column {self.column}" if self.line is not None else f" column {self.column}"
            )
        if self.value is not None:
            return f"{where}: {self.value!r} {self.expected}"
        return f"{where}: {self.expected}"


class InputError(Exception):
    """Input that breaks the data contract; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__(self.render())

    def render(self, limit: int = MAX_PROBLEMS_SHOWN) -> str:
        lines = [str(p) for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"... and {len(self.problems) - limit} more problems")
        return "\n".join(lines)
