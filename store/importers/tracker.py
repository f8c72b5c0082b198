"""An action tracker (XLSX or CSV with a header row) read into checked rows.

Columns are found by their header, ignoring case and spacing; each accepts the names in
:data:`COLUMNS` (the first is the name used in messages when the column is missing). The
headers ipt's own CSV/XLSX export writes are among them, so an export imports back.
Ref, Theme and Action are required; other columns are optional, and columns ipt does not
know are listed in :attr:`TrackerRows.ignored` and otherwise left alone. "Description"
names the action when there is no Action/Title/Task column, else it fills the description.

The header row is the first of the first ten non-blank rows that names at least two known
columns (so a title row above the table is skipped). Blank rows are skipped. Rows are
numbered as the spreadsheet shows them. Rows blank in every imported column are skipped too
(e.g. a row with only a note in a column ipt does not know).

Value problems are collected in :attr:`TrackerRows.problems`, one per cell, and raised all
together by :func:`store.importers.import_tracker` with those it finds against the plan.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from store.importers import values
from store.importers.problems import TrackerError, TrackerIssue
from store.importers.sources import Cell, Sheet, column_letter, is_blank, read_sheet

MAX_DATA_ROWS = 100_000

COLUMNS: dict[str, tuple[str, ...]] = {
    "ref": ("Ref", "Reference", "ID", "Action ref", "Action reference", "Action ID", "Ref no"),
    "theme": ("Theme", "Workstream", "Work stream", "Strand", "Theme name"),
    "title": ("Action", "Title", "Task", "Action title"),
    "description": ("Description", "Action description"),
    "owner": ("Lead", "Owner", "Responsible officer", "Action owner", "Lead officer"),
    "start_on": ("Start", "Start date"),
    "due_on": ("Due", "Deadline", "Due date", "Target date"),
    "status": ("Status",),
    "rag": ("RAG", "RAG rating", "RAG status"),
    "progress": ("% complete", "Progress", "Percent complete", "Percentage complete", "Progress %"),
    "recommendations": ("Recommendations", "Recommendation", "Recs", "Recommendations addressed"),
    "update": ("Update", "Commentary", "Latest update", "Comments", "Progress update"),
    "completed_on": ("Completed", "Completed date", "Date completed", "Completed on"),
}
REQUIRED = ("ref", "theme", "title")


def header_key(text: str) -> str:
    """``" Due_Date: "`` -> ``"due date"``; ``"%Complete"`` -> ``"% complete"``."""
    spaced = text.replace("_", " ").replace("%", " % ")
    return " ".join(spaced.split()).lower().rstrip(":*. ")


ALIASES = {header_key(alias): name for name, aliases in COLUMNS.items() for alias in aliases}


@dataclass(slots=True)
class TrackerRow:
    """One action row: the fields its cells gave, parsed, and the cells as written."""

    number: int
    values: dict[str, Any]
    """Field name -> parsed value, for each present column whose cell parsed."""
    cells: dict[str, str]
    """Field name -> the cell as text, for messages."""
    broken: bool = False
    """Whether any cell of the row had a problem (the row is then not checked as an action)."""


@dataclass(slots=True)
class TrackerRows:
    """What :func:`read_tracker` read: the columns found, the rows, and any value problems."""

    path: Path
    source: str
    header_row: int
    columns: dict[str, str]
    """Field name -> the header as written in the file."""
    ignored: list[str]
    rows: list[TrackerRow] = field(default_factory=list)
    problems: list[TrackerIssue] = field(default_factory=list)

    def header(self, name: str) -> str:
        return self.columns.get(name, COLUMNS[name][0] if name in COLUMNS else name)


def read_tracker(path: Path) -> TrackerRows:
    """Read and check a tracker; raise :class:`TrackerError` if it cannot be read at all."""
    sheet = read_sheet(path)
    if not sheet.rows:
        raise TrackerError(path, [TrackerIssue(None, None, None, "the file has no rows")])
    header_row, header = _find_header(sheet)
    columns, positions, ignored, problems = _map_columns(header_row, header)
    for name in REQUIRED:
        if name not in columns:
            also = ", ".join(COLUMNS[name][1:4])
            problems.append(
                TrackerIssue(header_row, None, None, f"there is no {COLUMNS[name][0]} column (or {also})")
            )
    if problems:
        raise TrackerError(path, problems)
    rows = TrackerRows(path, sheet.source, header_row, columns, ignored)
    data = [(number, cells) for number, cells in sheet.rows if number > header_row]
    if len(data) > MAX_DATA_ROWS:
        raise TrackerError(
            path, [TrackerIssue(None, None, None, f"it has {len(data):,} rows; at most {MAX_DATA_ROWS:,}")]
        )
    seen: dict[str, int] = {}
    for number, cells in data:
        if all(position >= len(cells) or is_blank(cells[position]) for position in positions.values()):
            continue  # only notes in columns ipt does not import
        row = _read_row(rows, number, cells, positions, sheet.epoch)
        ref = row.values.get("ref")
        if ref:
            if ref in seen:
                rows.problems.append(
                    TrackerIssue(number, rows.header("ref"), ref, f"is also the reference on row {seen[ref]}")
                )
                row.broken = True
            else:
                seen[ref] = number
        rows.rows.append(row)
    return rows


def _find_header(sheet: Sheet) -> tuple[int, list[str]]:
    for number, cells in sheet.rows[:10]:
        names = [values.as_text(cell).strip() for cell in cells]
        if len({ALIASES[header_key(name)] for name in names if header_key(name) in ALIASES}) >= 2:
            return number, names
    number, cells = sheet.rows[0]
    return number, [values.as_text(cell).strip() for cell in cells]


def _map_columns(
    header_row: int, header: list[str]
) -> tuple[dict[str, str], dict[str, int], list[str], list[TrackerIssue]]:
    columns: dict[str, str] = {}
    positions: dict[str, int] = {}
    ignored: list[str] = []
    problems: list[TrackerIssue] = []
    for position, name in enumerate(header):
        field_name = ALIASES.get(header_key(name))
        if field_name is None:
            if name:
                ignored.append(name)
            continue
        if field_name in positions:
            first = columns[field_name]
            problems.append(
                TrackerIssue(
                    header_row,
                    name or column_letter(position),
                    None,
                    f"means the same as column {first!r} (column {column_letter(positions[field_name])}); "
                    "keep one of them",
                )
            )
            continue
        columns[field_name], positions[field_name] = name, position
    if "title" not in positions and "description" in positions:
        columns["title"], positions["title"] = columns.pop("description"), positions.pop("description")
    return columns, positions, ignored, problems


PARSERS: dict[str, Callable[[Cell, datetime], Any]] = {
    "ref": lambda cell, _: values.text(cell),
    "theme": lambda cell, _: values.text(cell),
    "title": lambda cell, _: values.text(cell),
    "description": lambda cell, _: values.text(cell),
    "owner": lambda cell, _: values.text(cell),
    "update": lambda cell, _: values.text(cell),
    "start_on": values.parse_date,
    "due_on": values.parse_date,
    "completed_on": values.parse_date,
    "status": lambda cell, _: values.parse_status(cell),
    "rag": lambda cell, _: values.parse_rag(cell),
    "progress": lambda cell, _: values.parse_progress(cell),
    "recommendations": lambda cell, _: values.parse_recommendations(cell),
}
REQUIRED_WHY = {
    "ref": "is blank; every action needs a reference",
    "theme": "is blank; every action needs a theme",
    "title": "is blank; every action needs a title",
}


def _read_row(
    rows: TrackerRows, number: int, cells: list[Cell], positions: dict[str, int], epoch: datetime
) -> TrackerRow:
    row = TrackerRow(number, {}, {})
    for name, position in positions.items():
        cell = cells[position] if position < len(cells) else None
        row.cells[name] = values.as_text(cell)
        if name in REQUIRED_WHY and is_blank(cell):
            rows.problems.append(TrackerIssue(number, rows.header(name), None, REQUIRED_WHY[name]))
            row.broken = True
            continue
        try:
            row.values[name] = PARSERS[name](cell, epoch)
        except ValueError as error:
            rows.problems.append(TrackerIssue(number, rows.header(name), row.cells[name], str(error)))
            row.broken = True
    return row
