"""An action tracker (XLSX or CSV with a header row) read into checked rows.

Columns are found by their header, ignoring case and spacing; each accepts the names in
:data:`COLUMNS` (the first is the name used in messages when the column is missing). The
headers ipt's own CSV/XLSX export writes are among them, so an export imports back.
Ref, Theme and Action are required; other columns are optional, and columns ipt does not
know are listed in :attr:`TrackerRows.ignored` and otherwise left alone. "Description"
names the action when there is no Action/Title/Task column, else it fills the description.

A heading may also be a known name followed by a dash, en dash or colon and a date or month
("RAG – June 2017", "Progress update - June 2017"); the date may date the updates (below).

The header row is the first of the first ten non-blank rows that names at least two known
columns (so a title row above the table is skipped). Blank rows are skipped. Rows are
numbered as the spreadsheet shows them. Rows blank in every imported column are skipped too
(e.g. a row with only a note in a column ipt does not know).

A blank cell gives no value: an existing action keeps what it has. So do "no value" words
(TBC, n/a, Ongoing …) in a date, RAG, progress or recommendations column, where ``-`` or
``clear`` clears the field; text such as the owner is taken as written (see
:func:`store.importers.values.intent`). Which cells were blank or cleared is on each
:class:`TrackerRow`.

XLSX only: hidden columns and rows are not imported unless ``include_hidden`` (they are
listed in :attr:`TrackerRows.hidden_columns` and :attr:`TrackerRows.hidden_rows`); a blank
RAG cell with a solid fill is read from its colour (:mod:`store.importers.colours`).

The date updates and due-date changes are given on (:attr:`TrackerRows.dated_on`) comes from
a "Last updated: 30 June 2017" (or "Updated on", "As at") cell above the header, else from a
dated heading, the Update column's first ("Progress update – June 2017" is 30 June 2017).

Value problems are collected in :attr:`TrackerRows.problems`, one per cell, and raised all
together by :func:`store.importers.import_tracker` with those it finds against the plan.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from store.importers import values
from store.importers.problems import TrackerError, TrackerIssue
from store.importers.sources import Cell, Percent, Sheet, column_letter, is_blank, read_sheet
from store.models import Rag

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
_DATED_HEADING = re.compile(r"(.+?)\s*(?:[-–—:]\s*|\(\s*)(.+?)\s*\)?")
_AS_AT = re.compile(
    r"\b(?:last\s+updated|updated\s+on|updated|as\s+at|as\s+of)\b\s*(?:on\b)?\s*[:\-–—]?\s*(.*)", re.I
)
CLEARED: dict[str, Any] = {
    "start_on": None,
    "due_on": None,
    "completed_on": None,
    "rag": None,
    "progress": 0,
    "recommendations": [],
}
"""What a cleared cell sets its field to (progress has no "none": clearing it sets 0%)."""
FROM_FILL = "from the cell's fill colour"


def match_heading(text: str) -> tuple[str | None, date | None]:
    """(field, date) for a heading: ``"RAG – June 2017"`` -> ``("rag", 30 June 2017)``."""
    key = header_key(text)
    if key in ALIASES:
        return ALIASES[key], None
    match = _DATED_HEADING.fullmatch(text.strip())
    if match is None or header_key(match[1]) not in ALIASES:
        return None, None
    try:
        when = values.parse_date(match[2], datetime(1899, 12, 30))
    except ValueError:
        return None, None
    return (ALIASES[header_key(match[1])], when) if when is not None else (None, None)


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
    blank: list[str] = field(default_factory=list)
    """Fields whose cells were blank (or said "no value"): an existing action keeps them."""
    cleared: dict[str, str] = field(default_factory=dict)
    """Field name -> the marker that cleared it (``-`` or ``clear``)."""
    why: dict[str, str] = field(default_factory=dict)
    """Field name -> how its value was read, when not from the cell's text (a fill colour)."""


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
    hidden_columns: list[str] = field(default_factory=list)
    """Hidden columns not imported, as "RAG (column F)"."""
    hidden_rows: list[int] = field(default_factory=list)
    """Hidden rows not imported."""
    share_columns: list[str] = field(default_factory=list)
    """Progress columns read as shares (1 is 100%)."""
    dated_on: date | None = None
    """The day the file says its updates were written, if it says."""
    dated_why: str = ""
    """Where :attr:`dated_on` comes from, e.g. "from the heading 'Progress update – June 2017'"."""
    rag_key: bool = False
    """Whether fill colours were read against the workbook's own RAG key."""

    def header(self, name: str) -> str:
        return self.columns.get(name, COLUMNS[name][0] if name in COLUMNS else name)


def read_tracker(path: Path, *, include_hidden: bool = False) -> TrackerRows:
    """Read and check a tracker; raise :class:`TrackerError` if it cannot be read at all."""
    sheet = read_sheet(path)
    if not sheet.rows:
        raise TrackerError(path, [TrackerIssue(None, None, None, "the file has no rows")])
    header_row, header = _find_header(sheet)
    hidden = set() if include_hidden else sheet.hidden_columns
    columns, positions, ignored, problems, dated = _map_columns(header_row, header, hidden)
    for name in REQUIRED:
        if name not in columns:
            also = ", ".join(COLUMNS[name][1:4])
            problems.append(
                TrackerIssue(header_row, None, None, f"there is no {COLUMNS[name][0]} column (or {also})")
            )
    if problems:
        raise TrackerError(path, problems)
    rows = TrackerRows(path, sheet.source, header_row, columns, ignored, rag_key=bool(sheet.key))
    rows.hidden_columns = [
        f"{header[position]} (column {column_letter(position)})"
        if position < len(header) and header[position]
        else f"column {column_letter(position)}"
        for position in sorted(hidden)
        if position < len(header) or any(position < len(cells) for _, cells in sheet.rows)
    ]
    data = [(number, cells) for number, cells in sheet.rows if number > header_row]
    if not include_hidden:
        rows.hidden_rows = [number for number, _ in data if number in sheet.hidden_rows]
        data = [(number, cells) for number, cells in data if number not in sheet.hidden_rows]
    if len(data) > MAX_DATA_ROWS:
        raise TrackerError(
            path, [TrackerIssue(None, None, None, f"it has {len(data):,} rows; at most {MAX_DATA_ROWS:,}")]
        )
    _date_the_file(rows, sheet, header_row, header, dated, positions)
    shares = _progress_shares(rows, data, positions)
    seen: dict[str, int] = {}
    for number, cells in data:
        if all(position >= len(cells) or is_blank(cells[position]) for position in positions.values()):
            continue  # only notes in columns ipt does not import
        row = _read_row(rows, number, cells, positions, sheet, shares)
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


def _date_the_file(
    rows: TrackerRows,
    sheet: Sheet,
    header_row: int,
    header: list[str],
    dated: dict[str, date],
    positions: dict[str, int],
) -> None:
    """Find the day the file's updates were written: an "As at" line, else a dated heading."""
    for number, cells in sheet.rows:
        if number >= header_row:
            break
        for position, cell in enumerate(cells):
            match = _AS_AT.search(values.as_text(cell)) if isinstance(cell, str) else None
            if match is None:
                continue
            given: Cell = match[1].strip() or next(
                (other for other in cells[position + 1 :] if not is_blank(other)), None
            )
            try:
                when = values.parse_date(given, sheet.epoch)
            except ValueError:
                continue
            if when is not None:
                rows.dated_on = when
                rows.dated_why = f"from {values.as_text(cell).strip()!r} (row {number})"
                return
    by_position = sorted(dated, key=lambda name: positions.get(name, 0))
    order = ["update", *(name for name in by_position if name != "update")]
    for name in order:
        if name in dated and name in positions:
            rows.dated_on = dated[name]
            rows.dated_why = f"from the heading {header[positions[name]]!r}"
            return


def _progress_shares(
    rows: TrackerRows, data: list[tuple[int, list[Cell]]], positions: dict[str, int]
) -> bool:
    """Whether the progress column's plain numbers are shares; a column mixing them is a problem."""
    if "progress" not in positions:
        return False
    position = positions["progress"]
    cells = [(number, cells[position] if position < len(cells) else None) for number, cells in data]
    shares, mixed = values.progress_shares(cells)
    heading = rows.header("progress")
    if mixed is not None:
        fraction, above = mixed
        shown_cells = dict(cells)
        rows.problems.append(
            TrackerIssue(
                fraction,
                heading,
                values.as_text(shown_cells[fraction]),
                f"is a share (1 is 100%), but row {above} has "
                f"{values.as_text(shown_cells[above])!r}, a percentage: column {heading!r} mixes "
                "shares and percentages; write them all one way (50% or 0.5)",
            )
        )
    if shares or any(isinstance(cell, Percent) for _, cell in cells):
        rows.share_columns.append(heading)
    return shares


def _find_header(sheet: Sheet) -> tuple[int, list[str]]:
    for number, cells in sheet.rows[:10]:
        names = [values.as_text(cell).strip() for cell in cells]
        if len({field for field, _ in map(match_heading, names) if field is not None}) >= 2:
            return number, names
    number, cells = sheet.rows[0]
    return number, [values.as_text(cell).strip() for cell in cells]


def _map_columns(
    header_row: int, header: list[str], hidden: set[int]
) -> tuple[dict[str, str], dict[str, int], list[str], list[TrackerIssue], dict[str, date]]:
    columns: dict[str, str] = {}
    positions: dict[str, int] = {}
    ignored: list[str] = []
    problems: list[TrackerIssue] = []
    dated: dict[str, date] = {}
    for position, name in enumerate(header):
        if position in hidden:
            continue
        field_name, when = match_heading(name)
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
        if when is not None:
            dated[field_name] = when
    if "title" not in positions and "description" in positions:
        columns["title"], positions["title"] = columns.pop("description"), positions.pop("description")
    return columns, positions, ignored, problems, dated


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
    rows: TrackerRows,
    number: int,
    cells: list[Cell],
    positions: dict[str, int],
    sheet: Sheet,
    shares: bool,
) -> TrackerRow:
    row = TrackerRow(number, {}, {})
    for name, position in positions.items():
        cell = cells[position] if position < len(cells) else None
        row.cells[name] = values.as_text(cell)
        if name in REQUIRED_WHY:
            if is_blank(cell):
                rows.problems.append(TrackerIssue(number, rows.header(name), None, REQUIRED_WHY[name]))
                row.broken = True
                continue
        elif name == "rag" and is_blank(cell) and (number, position) in sheet.fills:
            row.values[name] = Rag(sheet.fills[number, position])
            row.why[name] = FROM_FILL
            continue
        else:
            intent = values.intent(name, cell)
            if intent == "keep":
                row.blank.append(name)
                continue
            if intent == "clear":
                row.values[name] = CLEARED[name]
                row.cleared[name] = row.cells[name].strip()
                continue
        try:
            if name == "progress":
                row.values[name] = values.parse_progress(cell, shares)
            else:
                row.values[name] = PARSERS[name](cell, sheet.epoch)
        except ValueError as error:
            rows.problems.append(TrackerIssue(number, rows.header(name), row.cells[name], str(error)))
            row.broken = True
    return row
