"""What is wrong with a tracker file, one problem per cell, and the error that lists them all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from store.errors import StoreError

MAX_LISTED = 1000
"""At most this many problems are spelled out in the error's message (all are in ``problems``)."""


def shown(value: object, width: int = 60) -> str:
    """A cell's value quoted for a message, cut to ``width`` characters."""
    text = repr(value) if isinstance(value, str) else repr(str(value))
    return text if len(text) <= width else text[: width - 2] + "…" + text[0]


@dataclass(frozen=True, slots=True)
class TrackerIssue:
    """One problem: the row as the spreadsheet numbers it, the column header, the value, why."""

    row: int | None
    column: str | None
    value: str | None
    why: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        what = self.why if self.value is None else f"{shown(self.value)} {self.why}"
        return f"{', '.join(where)}: {what}" if where else what


class TrackerError(StoreError):
    """A tracker file that cannot be imported, with every problem found; nothing was written."""

    def __init__(self, path: Path, problems: Sequence[TrackerIssue], where: str = "") -> None:
        self.path = path
        self.problems = list(problems)
        self.where = where
        """Which sheet and header row were read, e.g. "sheet 'Action Plan', header row 4"."""
        lines = [str(problem) for problem in self.problems[:MAX_LISTED]]
        if len(self.problems) > MAX_LISTED:
            lines.append(f"… and {len(self.problems) - MAX_LISTED} more")
        count = len(self.problems)
        named = f"{path} ({where})" if where else str(path)
        super().__init__(
            f"{named}: not imported; nothing was written ({count} problem{'s' if count != 1 else ''}):\n"
            + "\n".join(lines)
        )
