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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

from store.importers import values
from store.importers.problems import TrackerError, TrackerIssue
from store.importers.sources import Cell, Percent, Sheet, column_letter, is_blank, read_sheet
from store.models import Rag, TrackerMapping

MAX_DATA_ROWS = 100_000
NO_MAPPING: Mapping[str, str] = {}

COLUMNS: dict[str, tuple[str, ...]] = {
    "ref": ("Ref", "Reference", "ID", "Action ref", "Action reference", "Action ID", "Ref no", "Action no"),
    "theme": ("Theme", "Workstream", "Work stream", "Strand", "Theme name", "Priority area"),
    "title": ("Action", "Title", "Task", "Action title", "Action required", "Actions required", "Actions"),
    "description": ("Description", "Action description"),
    "outcome": (
        "Desired outcome",
        "Outcome",
        "Outcomes",
        "Intended outcome",
        "Expected outcome",
        "Desired outcomes",
    ),
    "success_measure": (
        "How success is measured",
        "How success will be measured",
        "Success measure",
        "Success measures",
        "Success measure(s)",
        "Measure of success",
        "Measures of success",
        "Success criteria",
        "Evidence of impact",
    ),
    "owner": (
        "Lead",
        "Owner",
        "Responsible officer",
        "Action owner",
        "Lead officer",
        "Responsible council officer",
        "Responsible officers",
        "Lead officers",
        "Responsibility",
        "Accountable officer",
    ),
    "start_on": ("Start", "Start date"),
    "due_on": (
        "Due",
        "Deadline",
        "Due date",
        "Target date",
        "Expected timescale",
        "Timescale",
        "Timescales",
        "By when",
        "Target completion date",
        "Proposed new due date",
        "New due date",
        "Revised due date",
        "Revised date",
    ),
    "due_reason": (
        "Reason for new due date",
        "Reason for the new due date",
        "Reason for change of date",
        "Reason for delay",
        "Reason for slippage",
        "Why the date moved",
    ),
    "status": ("Status",),
    "rag": ("RAG", "RAG rating", "RAG status", "R/A/G", "BRAG", "R/A/G status"),
    "progress": ("% complete", "Progress", "Percent complete", "Percentage complete", "Progress %"),
    "recommendations": (
        "Recommendations",
        "Recommendation",
        "Recs",
        "Recommendations addressed",
        "Ofsted rec(s)",
        "Ofsted recs",
        "Ofsted recommendation",
        "Ofsted recommendations",
        "Ofsted recommendation(s)",
        "Rec no",
        "Rec(s)",
    ),
    "update": (
        "Update",
        "Commentary",
        "Latest update",
        "Comments",
        "Progress update",
        "Progress commentary",
        "Update on progress",
    ),
    "completed_on": ("Completed", "Completed date", "Date completed", "Completed on"),
}
NO_FIELD: dict[str, str] = {
    "Evidence": "evidence",
    "Impact": "an impact",
    "Ofsted para no": "an Ofsted report paragraph",
    "Ofsted para": "an Ofsted report paragraph",
    "Para no": "an Ofsted report paragraph",
    "Paragraph": "an Ofsted report paragraph",
}
"""Headings councils use for what an action has no field for: listed as not imported, and why."""
REQUIRED = ("ref", "theme", "title")


def header_key(text: str) -> str:
    """``" Due_Date: "`` -> ``"due date"``; ``"%Complete"`` -> ``"% complete"``."""
    spaced = text.replace("_", " ").replace("%", " % ")
    return " ".join(spaced.split()).lower().rstrip(":*. ")


ALIASES = {header_key(alias): name for name, aliases in COLUMNS.items() for alias in aliases}
NO_FIELD_BY_KEY = {header_key(heading): why for heading, why in NO_FIELD.items()}
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


def match_heading(text: str, mapped: Mapping[str, str] = NO_MAPPING) -> tuple[str | None, date | None]:
    """(field, date) for a heading: ``"RAG – June 2017"`` -> ``("rag", 30 June 2017)``.

    ``mapped`` (heading key -> field, or "" for none) is the plan's saved mapping: it comes first."""
    key = header_key(text)
    if key in mapped:
        return mapped[key] or None, None
    if key in ALIASES:
        return ALIASES[key], None
    match = _DATED_HEADING.fullmatch(text.strip())
    if match is None:
        return None, None
    base = header_key(match[1])
    found = mapped[base] or None if base in mapped else ALIASES.get(base)
    if found is None:
        return None, None
    try:
        when = values.parse_date(match[2], datetime(1899, 12, 30))
    except ValueError:
        return None, None
    return (found, when) if when is not None else (None, None)


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
    substeps: list[str] = field(default_factory=list)
    """Sub-actions written on rows with no reference below this one, as description lines."""
    notes: list[str] = field(default_factory=list)
    """What a RAG or status cell said beyond its value ("RAG written 'Amber/Green'"), for the update."""


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
    update_columns: list[str] = field(default_factory=list)
    """Progress columns of narrative text, read as the update rather than a percentage."""
    dated_on: date | None = None
    """The day the file says its updates were written, if it says."""
    dated_why: str = ""
    """Where :attr:`dated_on` comes from, e.g. "from the heading 'Progress update – June 2017'"."""
    rag_key: bool = False
    """Whether fill colours were read against the workbook's own RAG key."""
    sheet: str | None = None
    """The worksheet read (XLSX only)."""
    no_field: list[str] = field(default_factory=list)
    """Known headings the plan has no field for, as "Desired Outcome (an outcome)"."""
    sections: list[tuple[int, str]] = field(default_factory=list)
    """(row, text) of each section row naming the theme of the actions below it."""
    substeps: list[tuple[int, str]] = field(default_factory=list)
    """(row, the action's reference) of each sub-action row kept with the action above it."""
    summary_rows: list[int] = field(default_factory=list)
    """Summary rows ("Total", "Overall plan RAG") skipped."""
    blank_rows: list[int] = field(default_factory=list)
    """Rows inside the table with nothing to import, skipped."""
    mapped: list[str] = field(default_factory=list)
    """Headings read by the plan's saved mapping rather than recognised by name."""
    translations: dict[str, dict[str, str]] = field(default_factory=dict)
    """Field -> {word key -> meaning}: the saved mapping's value translations."""
    translated: list[tuple[int, str, str, str]] = field(default_factory=list)
    """(row, heading, written, meaning) of each cell read through a value translation."""

    def header(self, name: str) -> str:
        return self.columns.get(name, COLUMNS[name][0] if name in COLUMNS else name)

    @property
    def remarks(self) -> list[str]:
        """How columns were read that a reader would not expect: "column 'Progress' read as update text"."""
        return [f"column {heading!r} read as update text" for heading in self.update_columns]

    @property
    def where(self) -> str:
        """``"sheet 'Action Plan', header row 4"`` (a CSV file has no sheet)."""
        where = f"header row {self.header_row}"
        return f"sheet {self.sheet!r}, {where}" if self.sheet is not None else where


def read_tracker(
    path: Path,
    *,
    include_hidden: bool | None = None,
    sheet_name: str | None = None,
    mapping: TrackerMapping | None = None,
    required: Sequence[str] = REQUIRED,
    fills: bool = True,
) -> TrackerRows:
    """Read and check a tracker; raise :class:`TrackerError` if it cannot be read at all.

    ``sheet_name`` picks a workbook's sheet; else the sheet whose header matches best is read.
    ``mapping`` is the plan's saved way of reading its tracker: its headings come before the
    known ones, its words are translated before a cell is read, and its sheet and hidden
    choice hold unless ``sheet_name`` or ``include_hidden`` is given. ``required``: the fields
    without which the file is refused; ``fills``: whether a blank RAG cell is read from its fill
    (not in a workbook ipt wrote, where shading marks the cells to write in)."""
    mapped = {} if mapping is None else {header_key(k): v for k, v in mapping.columns.items()}
    if sheet_name is None and mapping is not None:
        sheet_name = mapping.sheet
    if include_hidden is None:
        include_hidden = mapping is not None and mapping.include_hidden
    sheet = read_sheet(path, sheet=sheet_name, score=partial(header_score, mapped=mapped))
    if not fills:
        sheet.fills = {}
    if not sheet.rows:
        raise TrackerError(
            path, [TrackerIssue(None, None, None, "the file has no rows")], _where(sheet, None)
        )
    header_row, header = _find_header(sheet, mapped)
    where = _where(sheet, header_row)
    hidden = set() if include_hidden else sheet.hidden_columns
    columns, positions, ignored, problems, dated = _map_columns(header_row, header, hidden, mapped)
    data = [(number, cells) for number, cells in sheet.rows if number > header_row]
    as_update, not_read = _narrative_progress(data, columns, positions, dated)
    sections = _section_rows(sheet, data, positions, header)
    for name in required:
        if name not in columns and not (name == "theme" and sections):
            also = ", ".join(COLUMNS[name][1:4])
            problems.append(
                TrackerIssue(header_row, None, None, f"there is no {COLUMNS[name][0]} column (or {also})")
            )
    if problems:
        raise TrackerError(path, problems, where)
    rows = TrackerRows(path, sheet.source, header_row, columns, [], rag_key=bool(sheet.key), sheet=sheet.name)
    rows.mapped = sorted({heading for heading in columns.values() if header_key(heading) in mapped})
    if mapping is not None:
        rows.translations = {
            name: {header_key(word): meaning for word, meaning in words.items()}
            for name, words in mapping.values.items()
        }
    if as_update is not None:
        rows.update_columns.append(as_update)
    if not_read is not None:
        update = columns["update"]
        rows.ignored.append(f"{not_read} (text, not percentages; the update is read from {update!r})")
    for name in ignored:
        reason = NO_FIELD_BY_KEY.get(header_key(name))
        if reason is None:
            rows.ignored.append(name)
        else:
            rows.no_field.append(f"{name} (the plan has no field for {reason})")
    rows.hidden_columns = [
        f"{header[position]} (column {column_letter(position)})"
        if position < len(header) and header[position]
        else f"column {column_letter(position)}"
        for position in sorted(hidden)
        if position < len(header) or any(position < len(cells) for _, cells in sheet.rows)
    ]
    if not include_hidden:
        rows.hidden_rows = [number for number, _ in data if number in sheet.hidden_rows]
        data = [(number, cells) for number, cells in data if number not in sheet.hidden_rows]
    if len(data) > MAX_DATA_ROWS:
        raise TrackerError(
            path,
            [TrackerIssue(None, None, None, f"it has {len(data):,} rows; at most {MAX_DATA_ROWS:,}")],
            where,
        )
    _date_the_file(rows, sheet, header_row, header, dated, positions)
    sections = {number: text for number, text in sections.items() if number not in sheet.hidden_rows}
    data = [(number, cells) for number, cells in data if number not in sections]
    shares = _progress_shares(rows, data, positions)
    seen: dict[str, int] = {}
    theme: str | None = None
    parent: TrackerRow | None = None
    last = data[-1][0] if data else header_row
    present = {number for number, _ in data} | set(sections) | set(rows.hidden_rows)
    rows.blank_rows = [number for number in range(header_row + 1, last) if number not in present]
    by_number = dict(data)
    for number in range(header_row + 1, last + 1):
        if number in sections:
            theme = sections[number]
            rows.sections.append((number, theme))
            continue
        if number not in by_number:
            continue
        cells = by_number[number]
        if all(position >= len(cells) or is_blank(cells[position]) for position in positions.values()):
            rows.blank_rows.append(number)  # only notes in columns ipt does not import
            continue
        if _is_summary(cells, positions):
            rows.summary_rows.append(number)
            continue
        if parent is not None and _is_substep(cells, positions):
            parent.substeps.append(_substep(cells, positions))
            rows.substeps.append((number, parent.values.get("ref") or parent.cells.get("ref", "")))
            continue
        row = _read_row(rows, number, cells, positions, sheet, shares, theme)
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
        parent = row
    rows.blank_rows.sort()
    _numeric_refs(rows, data, positions)
    return rows


def _where(sheet: Sheet, header_row: int | None) -> str:
    parts = [] if sheet.name is None else [f"sheet {sheet.name!r}"]
    if header_row is not None:
        parts.append(f"header row {header_row}")
    return ", ".join(parts)


SUMMARY = re.compile(r"(?:overall|total|totals|sub-?total|grand total|summary)\b", re.I)
_THEME_PREFIX = re.compile(
    r"(?:theme|priority|priority area|workstream|work stream|strand|section|area|objective)"
    r"\s*(?:\d+[a-z]?|[ivx]+|[a-z])?\s*(?:[:.)\-–—]\s*|\s+(?=\S))",
    re.I,
)


def _text_cells(cells: list[Cell]) -> list[tuple[int, Cell]]:
    return [(position, cell) for position, cell in enumerate(cells) if not is_blank(cell)]


def _section_rows(
    sheet: Sheet, data: list[tuple[int, list[Cell]]], positions: dict[str, int], header: list[str]
) -> dict[int, str]:
    """{row: theme text} for rows naming a theme above its actions.

    A section row has one cell of text and nothing else, and that cell is merged across
    columns, filled, starts "Theme 1:" (or Priority, Workstream, Strand, Section), or stands
    in the Ref column with a space in it (a reference has none)."""
    spans = {(top, left) for top, left, _bottom, right in sheet.merges if right > left}
    found: dict[int, str] = {}
    for number, cells in data:
        written = _text_cells(cells)
        if len(written) != 1 or not isinstance(written[0][1], str):
            continue
        position, cell = written[0]
        text = values.as_text(cell).strip()
        if (
            (number, position) in spans
            or (number, position) in sheet.filled
            or _THEME_PREFIX.match(text)
            or (position == positions.get("ref") and " " in text)
        ) and not SUMMARY.match(text):
            found[number] = " ".join(text.split())
    return found


def _is_summary(cells: list[Cell], positions: dict[str, int]) -> bool:
    """A row totalling or rating the whole plan: "Total", "Overall plan RAG"."""
    ref = positions.get("ref")
    ref_text = values.as_text(cells[ref]).strip() if ref is not None and ref < len(cells) else ""
    written = _text_cells(cells)
    first = values.as_text(written[0][1]).strip() if written else ""
    return bool(SUMMARY.match(first)) and (not ref_text or SUMMARY.match(ref_text) is not None)


def _is_substep(cells: list[Cell], positions: dict[str, int]) -> bool:
    """A row with no reference and no theme but some text of its own: a step of the action above."""

    def blank(name: str) -> bool:
        return name not in positions or positions[name] >= len(cells) or is_blank(cells[positions[name]])

    return blank("ref") and blank("theme") and not (blank("title") and blank("description"))


def _substep(cells: list[Cell], positions: dict[str, int]) -> str:
    """``"- Recruit ten social workers (lead: HR Manager; due: 31/03/2020)"``."""

    def cell(name: str) -> str:
        if name not in positions or positions[name] >= len(cells):
            return ""
        return " ".join(values.as_text(cells[positions[name]]).split())

    text = "; ".join(part for part in (cell("title"), cell("description")) if part)
    details = [f"{label}: {cell(name)}" for name, label in SUBSTEP_DETAILS if cell(name)]
    return f"- {text}" + (f" ({'; '.join(details)})" if details else "")


SUBSTEP_DETAILS = (
    ("owner", "lead"),
    ("due_on", "due"),
    ("rag", "RAG"),
    ("status", "status"),
    ("update", "update"),
)


def _numeric_refs(rows: TrackerRows, data: list[tuple[int, list[Cell]]], positions: dict[str, int]) -> None:
    """A ref Excel keeps as a number has lost any trailing zero (1.10 is 1.1): when one repeats,
    or comes after a higher one of the same whole number (1.9 then 1.1), it is an error naming
    the row, not silently merged with another action."""
    if "ref" not in positions:
        return
    position = positions["ref"]
    highest: dict[int, float] = {}
    broken = set()
    for number, cells in data:
        cell = cells[position] if position < len(cells) else None
        if not isinstance(cell, float) or cell.is_integer():
            continue
        whole = int(cell)
        if cell <= highest.get(whole, -1.0):
            rows.problems.append(
                TrackerIssue(
                    number,
                    rows.header("ref"),
                    values.as_text(cell),
                    f"is a number in the workbook and comes after {values.as_text(highest[whole])}: "
                    "Excel drops a trailing zero (1.10 becomes 1.1); format the Ref column as Text "
                    "and type the references again",
                )
            )
            broken.add(number)
        highest[whole] = max(cell, highest.get(whole, cell))
    for row in rows.rows:
        if row.number in broken:
            row.broken = True


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


def _narrative_progress(
    data: list[tuple[int, list[Cell]]],
    columns: dict[str, str],
    positions: dict[str, int],
    dated: dict[str, date],
) -> tuple[str | None, str | None]:
    """A progress column of narrative text read as the update: (its heading if so, its heading
    if it is not read because the update has a column of its own).

    It is narrative when most of its cells that give a value ("On track; two posts filled") are
    words that are not a percentage; a column of numbers stays progress (a stray word in it is
    then a problem, as before)."""
    if not _is_narrative(data, positions):
        return None, None
    heading, position = columns.pop("progress"), positions.pop("progress")
    when = dated.pop("progress", None)
    if "update" in positions:
        return None, heading
    columns["update"], positions["update"] = heading, position
    if when is not None:
        dated["update"] = when
    return heading, None


def _is_narrative(data: list[tuple[int, list[Cell]]], positions: dict[str, int]) -> bool:
    if "progress" not in positions:
        return False
    position = positions["progress"]
    given = [
        cells[position]
        for _, cells in data
        if position < len(cells) and values.intent("progress", cells[position]) == "value"
    ]
    words = sum(1 for cell in given if isinstance(cell, str) and not values.looks_numeric(cell))
    return words * 2 > len(given)


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


HEADER_SEARCH = 30
"""How many non-blank rows at the top of a sheet are looked at for the header."""


def _fields(names: list[str], mapped: Mapping[str, str]) -> set[str]:
    return {name for name, _ in (match_heading(text, mapped) for text in names) if name is not None}


def _score(names: list[str], mapped: Mapping[str, str]) -> int:
    found = _fields(names, mapped)
    return 100 * len(found & set(REQUIRED)) + len(found) if len(found) >= 2 else 0


def _combine(upper: str, lower: str, mapped: Mapping[str, str]) -> str:
    """One heading from a two-row header: the lower cell, else the group heading above it."""
    if not lower:
        return upper
    if not upper or match_heading(lower, mapped)[0] is not None:
        return lower
    for joined in (f"{upper} {lower}", f"{upper} – {lower}"):
        if match_heading(joined, mapped)[0] is not None:
            return joined
    return lower


def _header_candidates(
    rows: Sequence[tuple[int, Sequence[Cell]]],
    merges: list[tuple[int, int, int, int]],
    mapped: Mapping[str, str] = NO_MAPPING,
) -> list[tuple[int, int, list[str]]]:
    """(score, row, headings) for each row near the top, alone and with the row above it."""
    window = list(rows[:HEADER_SEARCH])
    last = window[-1][0] if window else 0
    spread: dict[tuple[int, int], tuple[int, int]] = {}
    for top, left, bottom, right in merges:
        for number in range(top, min(bottom, last) + 1):
            for position in range(left, min(right, 255) + 1):
                spread[number, position] = (top, left)
    by_number = {number: [values.as_text(cell).strip() for cell in cells] for number, cells in window}

    def named(number: int, position: int) -> str:
        cells = by_number.get(number, [])
        own = cells[position] if position < len(cells) else ""
        if own or (number, position) not in spread:
            return own
        top, left = spread[number, position]
        source = by_number.get(top, [])
        return source[left] if left < len(source) else ""

    candidates: list[tuple[int, int, list[str]]] = []
    for number, cells in window:
        width = max(len(cells), 1 + max((p for r, p in spread if r == number), default=-1))
        names = [named(number, position) for position in range(width)]
        candidates.append((_score(names, mapped), number, names))
        if number - 1 in by_number and len(_fields(names, mapped)) >= 2:
            above = len(by_number[number - 1])
            width = max(width, above)
            names = [named(number, position) for position in range(width)]
            combined = [
                _combine(named(number - 1, position), names[position], mapped) for position in range(width)
            ]
            candidates.append((_score(combined, mapped), number, combined))
    return candidates


def header_score(rows: Sequence[tuple[int, Sequence[Cell]]], mapped: Mapping[str, str] = NO_MAPPING) -> int:
    """How well the best header candidate among a sheet's first rows matches a tracker's columns."""
    return max((score for score, _, _ in _header_candidates(rows, [], mapped)), default=0)


def _find_header(sheet: Sheet, mapped: Mapping[str, str]) -> tuple[int, list[str]]:
    """The header: the row (or two rows, a group heading above) naming the most tracker columns."""
    best: tuple[int, int, list[str]] | None = None
    for candidate in _header_candidates(sheet.rows, sheet.merges, mapped):
        if candidate[0] > 0 and (best is None or candidate[0] > best[0]):
            best = candidate
    if best is not None:
        return best[1], best[2]
    number, cells = sheet.rows[0]
    return number, [values.as_text(cell).strip() for cell in cells]


def _map_columns(
    header_row: int, header: list[str], hidden: set[int], mapped: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, int], list[str], list[TrackerIssue], dict[str, date]]:
    columns: dict[str, str] = {}
    positions: dict[str, int] = {}
    ignored: list[str] = []
    problems: list[TrackerIssue] = []
    dated: dict[str, date] = {}
    for position, name in enumerate(header):
        if position in hidden:
            continue
        field_name, when = match_heading(name, mapped)
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


def _blank_at(cells: list[Cell], position: int) -> bool:
    return position >= len(cells) or is_blank(cells[position])


PARSERS: dict[str, Callable[[Cell, datetime], Any]] = {
    "ref": lambda cell, _: values.text(cell),
    "theme": lambda cell, _: values.text(cell),
    "title": lambda cell, _: values.text(cell),
    "description": lambda cell, _: values.text(cell),
    "outcome": lambda cell, _: values.text(cell),
    "success_measure": lambda cell, _: values.text(cell),
    "due_reason": lambda cell, _: values.text(cell),
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
    section: str | None = None,
) -> TrackerRow:
    row = TrackerRow(number, {}, {})
    if section is not None and ("theme" not in positions or _blank_at(cells, positions["theme"])):
        row.values["theme"] = row.cells["theme"] = section
    for name, position in positions.items():
        cell = cells[position] if position < len(cells) else None
        if name == "theme" and section is not None and is_blank(cell):
            continue
        row.cells[name] = values.as_text(cell)
        words = rows.translations.get(name)
        if words and (meaning := words.get(header_key(row.cells[name]))) is not None:
            rows.translated.append((number, rows.header(name), row.cells[name].strip(), meaning))
            row.why[name] = f"{row.cells[name].strip()!r} means {meaning!r} by the saved mapping"
            cell = meaning
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
            if name in {"rag", "status"} and (note := values.noted(name, cell)) is not None:
                row.notes.append(note)
        except ValueError as error:
            rows.problems.append(TrackerIssue(number, rows.header(name), row.cells[name], str(error)))
            row.broken = True
    return row
