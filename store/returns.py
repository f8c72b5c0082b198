"""The owners' monthly returns: a workbook of each owner's actions out, their answers back in.

:func:`make_requests` writes one workbook per action owner, listing their open actions as
they stand (status, RAG, progress, due date, latest update) with cells to write in only
where an owner should: a new status and RAG (from drop-downs), progress, an update, and a
proposed new due date with its reason. Everything else is locked. A sheet says how to fill
it in; a hidden sheet names the plan, the request and the owner. Each request is recorded
with the plan (:class:`store.models.ReturnRequest`): when, to whom, for which actions and
how each stood, in one transaction with choosing its id.

:func:`read_returns` reads returned workbooks through the tracker importer (a blank cell is
no change, the same preview of every field changed). A return is refused whole when it is not
one of ipt's request workbooks, is for a request the plan does not have, names another
owner, or lists an action that was not asked of that owner (or is now someone else's);
a proposed due date with no reason is refused too. A return that changes a field someone
changed in ipt since the request is a conflict: that action's row is held back, unless the
user takes the owner's values (``take``) or keeps ipt's and applies the rest (``keep``).
:func:`apply_returns` writes each accepted return in one transaction with marking its
request returned.

:func:`chase_list` says, as of a given day, who has returned and who has not.

The workbooks are written with openpyxl (already the importer's reader): they are small
(an owner has a handful of actions), and it writes the data validation, cell protection and
hidden sheet a request needs. Every text cell is written as text, never as a formula.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from store.errors import RuleBroken
from store.ids import next_id
from store.importers import TrackerError, TrackerIssue, TrackerRow, TrackerRows, import_tracker, read_tracker
from store.importers.apply import FieldChange, ImportResult
from store.labels import field_label
from store.models import Action, Plan, Rag, RequestedAction, ReturnRequest, Status, TrackerMapping
from store.repository import Repository, Transaction
from store.rollups._common import is_open

ACTIONS_SHEET = "Your actions"
HELP_SHEET = "How to fill this in"
META_SHEET = "ipt request"
META_FORMAT = "ipt-return-request"
HEADER_ROW = 5
READ_ONLY = (
    ("Ref", 10),
    ("Theme", 18),
    ("Action", 44),
    ("Due date now", 13),
    ("Status now", 13),
    ("RAG now", 11),
    ("% complete now", 14),
    ("Latest update", 44),
)
EDITABLE = (
    ("New status", 14, "status"),
    ("New RAG", 12, "rag"),
    ("New % complete", 14, "progress"),
    ("Update for this month", 48, "update"),
    ("Proposed new due date", 14, "due_on"),
    ("Reason for new due date", 36, "due_reason"),
)
RETURN_MAPPING = TrackerMapping(
    name="return",
    columns={
        "ref": "ref",
        **{heading.lower(): "" for heading, _ in READ_ONLY[1:]},
        **{heading.lower(): name for heading, _, name in EDITABLE},
    },
    sheet=ACTIONS_SHEET,
)
"""How a returned workbook is read: only the owner's columns, by their exact headings."""
COMPARED = ("status", "rag", "progress", "due_on")
"""The fields a return may change that ipt may also have changed since the request."""
MAX_RETURN_FILES = 500
WRITE_HERE = "FFF8E5"
"""A pale cream shading the cells an owner writes in: too near grey to be read as a RAG fill."""


# Asking -----------------------------------------------------------------------------------------


def owners_of(plan: Plan) -> dict[str, list[Action]]:
    """Each owner's open actions, in plan order; owners in name order."""
    found: dict[str, list[Action]] = {}
    for action in plan.actions:
        if is_open(action) and action.owner.strip():
            found.setdefault(action.owner.strip(), []).append(action)
    return dict(sorted(found.items(), key=lambda item: item[0].casefold()))


def unowned(plan: Plan) -> list[str]:
    """Refs of open actions with no owner: nobody can be asked for their return."""
    return [action.ref for action in plan.actions if is_open(action) and not action.owner.strip()]


def file_name(request: ReturnRequest) -> str:
    """``"RQ-004 Head of Service.xlsx"``: the id keeps names unique whatever the owner is called."""
    safe = re.sub(r"[^\w\- .,&()']+", " ", request.owner, flags=re.UNICODE)
    safe = " ".join(safe.split()).strip(" .")[:60] or "owner"
    return f"{request.id} {safe}.xlsx"


def requested(action: Action) -> RequestedAction:
    return RequestedAction(
        ref=action.ref,
        status=action.status,
        rag=action.rag,
        progress=action.progress,
        due_on=action.due_on,
        updates=len(action.updates),
    )


Draft = tuple[ReturnRequest, list[Action]]
"""A request to record and the actions its workbook shows."""


def _drafts(
    plan: Plan, taken: Iterable[str], *, by: str, on: date, due: date | None, wanted: set[str] | None
) -> list[Draft]:
    """The requests to make of ``plan``'s owners (all, or the ``wanted`` ones), with fresh ids."""
    by_owner = owners_of(plan)
    if wanted is not None:
        known = {owner.casefold() for owner in by_owner}
        missing = sorted(name for name in wanted if name not in known)
        if missing:
            raise RuleBroken([f"{name!r} owns no open action in plan {plan.id}" for name in missing])
        by_owner = {owner: actions for owner, actions in by_owner.items() if owner.casefold() in wanted}
    ids = list(taken)
    drafts: list[Draft] = []
    for owner, actions in by_owner.items():
        request = ReturnRequest(
            id=next_id("RQ-", ids, width=3),
            owner=owner,
            sent_on=on,
            sent_by=by,
            due_on=due,
            actions=[requested(action) for action in actions],
        )
        ids.append(request.id)
        drafts.append((request.model_copy(update={"file": file_name(request)}), actions))
    return drafts


def _workbooks(plan: Plan, drafts: list[Draft]) -> list[bytes]:
    return [request_workbook(plan, request, actions) for request, actions in drafts]


def make_requests(
    repo: Repository,
    plan_id: str,
    *,
    by: str,
    on: date,
    due: date | None,
    write: Callable[[str, bytes], None],
    owners: Iterable[str] | None = None,
) -> list[ReturnRequest]:
    """Ask every owner of open actions (or just ``owners``) for their return, in one transaction.

    The workbooks are built first, from the plan as read, without the store's lock (about 80 ms
    each, seconds for a directorate). Under the lock the requests are drafted again from the plan
    as stored; if anything they show changed meanwhile (an id taken, an owner's actions edited),
    the workbooks are built again there. ``write(file name, workbook bytes)`` is called for each
    inside the transaction, so a workbook that cannot be written records no request."""
    wanted = None if owners is None else {name.strip().casefold() for name in owners}
    repo.reload_if_changed()
    seen = repo.plan(plan_id)
    drafts = _drafts(seen, [r.id for r in seen.requests], by=by, on=on, due=due, wanted=wanted)
    books = _workbooks(seen, drafts)
    shown = (seen.name, seen.themes)
    with repo.transaction(by=by) as txn:
        plan = repo.plan(plan_id)
        current = _drafts(plan, txn.keys(plan_id, ReturnRequest), by=by, on=on, due=due, wanted=wanted)
        if current != drafts or (plan.name, plan.themes) != shown:
            drafts, books = current, _workbooks(plan, current)
        for (request, _), book in zip(drafts, books, strict=True):
            txn.add(plan_id, request)
            write(request.file, book)
    return [request for request, _ in drafts]


def _text(cell: Any, value: str) -> None:
    """Text that stays text: a cell starting ``=`` is not a formula."""
    cell.value = value
    cell.data_type = "s"


def request_workbook(plan: Plan, request: ReturnRequest, actions: Sequence[Action]) -> bytes:
    """The workbook asking ``request.owner`` for the return on ``actions``."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = ACTIONS_SHEET
    themes = {theme.key: theme.name for theme in plan.themes}
    _text(sheet.cell(1, 1), f"{plan.name}: monthly return")
    sheet.cell(1, 1).font = Font(bold=True, size=14)
    _text(sheet.cell(2, 1), f"For: {request.owner}")
    due = f"; please return by {request.due_on:%d/%m/%Y}" if request.due_on else ""
    _text(sheet.cell(3, 1), f"Asked on {request.sent_on:%d/%m/%Y} ({request.id}){due}")
    bold = Font(bold=True)
    write_here = PatternFill("solid", fgColor=WRITE_HERE)
    unlocked = Protection(locked=False)
    headings = [(heading, width) for heading, width in READ_ONLY] + [(h, w) for h, w, _ in EDITABLE]
    for column, (heading, width) in enumerate(headings, start=1):
        cell = sheet.cell(HEADER_ROW, column)
        _text(cell, heading)
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if column > len(READ_ONLY):
            cell.fill = write_here
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = width
    for offset, action in enumerate(actions, start=1):
        row = HEADER_ROW + offset
        latest = max(action.updates, key=lambda update: update.on, default=None)
        shown: list[Any] = [
            action.ref,
            themes.get(action.theme, action.theme),
            action.title,
            action.due_on,
            action.status.label,
            action.rag.label if action.rag else "Not assessed",
            action.progress,
            f"{latest.on:%d/%m/%Y} {latest.author}: {latest.text}" if latest else "",
        ]
        for column, value in enumerate(shown, start=1):
            cell = sheet.cell(row, column)
            if isinstance(value, str):
                _text(cell, value)
            else:
                cell.value = value
                if isinstance(value, date):
                    cell.number_format = "dd/mm/yyyy"
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for column in range(len(READ_ONLY) + 1, len(headings) + 1):
            cell = sheet.cell(row, column)
            cell.protection = unlocked
            cell.fill = write_here
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if EDITABLE[column - len(READ_ONLY) - 1][2] == "due_on":
                cell.number_format = "dd/mm/yyyy"
    last = HEADER_ROW + max(len(actions), 1)
    first_editable = len(READ_ONLY) + 1
    widths = [width for _, width in headings]
    for row in range(HEADER_ROW, last + 1):
        # Set, not left to the program: a spreadsheet does not grow a row for wrapped text it did not type.
        lines = max(
            _lines(sheet.cell(row, column).value, widths[column - 1]) for column in range(1, len(widths) + 1)
        )
        sheet.row_dimensions[row].height = 15 * max(lines, 2 if row > HEADER_ROW else 1) + 2
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"

    def column_range(name: str) -> str:
        position = first_editable + [n for _, _, n in EDITABLE].index(name)
        letter = sheet.cell(HEADER_ROW, position).column_letter
        return f"{letter}{HEADER_ROW + 1}:{letter}{last}"

    statuses = ",".join(status.label for status in Status)
    rags = ",".join(rag.label for rag in Rag)
    checks = [
        (DataValidation(type="list", formula1=f'"{statuses}"', allow_blank=True), "status", "a status"),
        (DataValidation(type="list", formula1=f'"{rags}"', allow_blank=True), "rag", "a RAG"),
        (
            DataValidation(type="whole", operator="between", formula1="0", formula2="100", allow_blank=True),
            "progress",
            "a whole number from 0 to 100",
        ),
        (
            DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True),
            "due_on",
            "a date",
        ),
    ]
    for check, name, what in checks:
        check.error = f"Please choose {what}, or leave the cell blank for no change."
        check.errorTitle = "Not accepted"
        check.showErrorMessage = True
        sheet.add_data_validation(check)
        check.add(column_range(name))
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 2)
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False  # an owner may still widen a column or a row
    sheet.protection.formatRows = False

    help_sheet = book.create_sheet(HELP_SHEET)
    help_sheet.column_dimensions["A"].width = 80
    for number, line in enumerate(_help_lines(request), start=1):
        _text(help_sheet.cell(number, 1), line)
        help_sheet.cell(number, 1).alignment = Alignment(wrap_text=True, vertical="top")
        help_sheet.row_dimensions[number].height = 16 * _lines(line, 80) + 4
    help_sheet.page_setup.fitToWidth = 1
    help_sheet.page_setup.fitToHeight = 0
    help_sheet.sheet_properties.pageSetUpPr.fitToPage = True
    help_sheet.cell(1, 1).font = Font(bold=True, size=14)
    help_sheet.protection.sheet = True

    meta = book.create_sheet(META_SHEET)
    for number, (key, value) in enumerate(
        (
            ("format", META_FORMAT),
            ("plan", plan.id),
            ("request", request.id),
            ("owner", request.owner),
            ("asked on", request.sent_on.isoformat()),
        ),
        start=1,
    ):
        _text(meta.cell(number, 1), key)
        _text(meta.cell(number, 2), value)
    meta.sheet_state = "veryHidden"
    meta.protection.sheet = True
    book.active = 0
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _lines(value: object, width: int) -> int:
    """About how many lines ``value`` wraps to in a column ``width`` characters wide."""
    if not isinstance(value, str) or not value:
        return 1
    return sum(max(1, -(-len(part) // max(width - 2, 1))) for part in value.splitlines() or [""])


def _help_lines(request: ReturnRequest) -> list[str]:
    due = f" by {request.due_on:%d %B %Y}" if request.due_on else ""
    return [
        "How to fill in your monthly return",
        f"The sheet '{ACTIONS_SHEET}' lists the actions you own as they stand in the improvement plan.",
        "Write only in the shaded columns; the others are locked.",
        "Leave a cell blank for no change: a blank cell never erases anything.",
        "New status and New RAG: choose from the drop-down list.",
        "New % complete: a whole number from 0 to 100.",
        "Update for this month: what has happened since the last return, in a sentence or two.",
        "Proposed new due date: only if the action cannot be finished by its due date; "
        "write the reason beside it, or the return is sent back.",
        f"Save the workbook under the same name and send it back{due}. Do not add or remove rows.",
    ]


# Reading ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Conflict:
    """A field a return changes that was also changed in ipt since the request."""

    ref: str
    field: str
    asked: Any
    """What the field was when the request was made."""
    now: Any
    """What it is in ipt now."""
    returned: Any
    """What the owner wrote."""

    def __str__(self) -> str:
        return (
            f"{self.ref} {field_label(self.field)}: was {shown(self.asked)} when asked, "
            f"is now {shown(self.now)} in ipt, the return says {shown(self.returned)}"
        )


def shown(value: Any) -> str:
    """A compared value as a person reads it: a RAG or status by its label, a date as 31/03/2020."""
    if value is None:
        return "–"
    if isinstance(value, Rag | Status):
        return value.label
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    return str(value)


@dataclass(slots=True)
class Return:
    """One returned workbook, read and checked against its request and the plan as stored."""

    path: Path
    request: ReturnRequest | None = None
    rows: TrackerRows | None = None
    problems: list[str] = field(default_factory=list)
    """Why the whole return is refused (nothing of it is written)."""
    conflicts: list[Conflict] = field(default_factory=list)
    held_back: list[str] = field(default_factory=list)
    """Refs not applied: conflicts the user has not resolved."""
    kept: list[str] = field(default_factory=list)
    """Refs whose conflicting fields keep ipt's value (the rest of the row applied)."""
    taken: list[str] = field(default_factory=list)
    """Refs whose conflicting fields take the owner's value."""
    result: ImportResult | None = None
    request_id: str = ""
    """The request the workbook says it answers."""
    owner: str = ""
    """The owner the workbook says it is from."""
    take: set[str] = field(default_factory=set)
    keep: set[str] = field(default_factory=set)

    @property
    def refused(self) -> bool:
        return bool(self.problems)

    @property
    def changes(self) -> list[FieldChange]:
        return [] if self.result is None else self.result.changes


def _meta(path: Path) -> dict[str, str] | None:
    """The request sheet's key -> value, or None when the workbook has none."""
    from openpyxl import load_workbook

    from store.importers.sources import check_zip, read_bounded

    raw = read_bounded(path)
    check_zip(path, raw)  # a zip bomb is refused before any of it is unpacked
    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception:  # any unreadable workbook is reported by the importer's own read
        return None
    try:
        if META_SHEET not in book.sheetnames:
            return None
        found: dict[str, str] = {}
        for row in book[META_SHEET].iter_rows(min_row=1, max_row=20, max_col=2, values_only=True):
            if row and isinstance(row[0], str) and row[1] is not None:
                found[row[0]] = str(row[1])
        return found if found.get("format") == META_FORMAT else None
    finally:
        book.close()


def return_files(folder: Path) -> list[Path]:
    """The workbooks in ``folder`` (not Excel's ``~$`` lock files), in name order."""
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder")
    files = sorted(
        path
        for path in folder.iterdir()
        if path.suffix.lower() == ".xlsx" and not path.name.startswith(("~$", ".")) and path.is_file()
    )
    if len(files) > MAX_RETURN_FILES:
        raise ValueError(
            f"{folder} holds {len(files)} workbooks; at most {MAX_RETURN_FILES} are read at once"
        )
    return files


def read_return(path: Path, plan: Plan, *, take: Collection[str] = (), keep: Collection[str] = ()) -> Return:
    """Read one returned workbook and check it against its request and ``plan`` as stored now.

    :func:`apply_returns` checks it again under the store's lock, against the plan as it is then."""
    found = Return(path, take=set(take), keep=set(keep))
    try:
        meta = _meta(path)
    except TrackerError as error:
        found.problems.extend(problem.why for problem in error.problems)
        return found
    if meta is None:
        found.problems.append(f"it is not a return workbook from ipt (it has no '{META_SHEET}' sheet)")
        return found
    if meta.get("plan") != plan.id:
        found.problems.append(f"it is a return for plan {meta.get('plan')!r}, not {plan.id!r}")
        return found
    found.request_id, found.owner = meta.get("request", ""), meta.get("owner", "")
    try:
        found.rows = read_tracker(path, mapping=RETURN_MAPPING, required=("ref",), fills=False)
    except TrackerError as error:
        found.problems.extend(str(problem) for problem in error.problems)
        return found
    check_return(found, plan)
    return found


def check_return(found: Return, plan: Plan) -> TrackerRows:
    """Check a read return against ``plan``: who it is from, which actions, reasons, conflicts.

    Sets the return's problems, conflicts and held-back refs afresh, and gives the rows to
    import: without the held-back rows, and without the conflicting fields of ``keep`` rows."""
    assert found.rows is not None
    found.problems = [str(problem) for problem in found.rows.problems]
    found.conflicts, found.held_back, found.kept, found.taken = [], [], [], []
    request = next((r for r in plan.requests if r.id == found.request_id), None)
    found.request = request
    if request is None:
        found.problems.append(f"plan {plan.id} has no request {found.request_id!r}")
        return found.rows
    if found.owner != request.owner:
        found.problems.append(
            f"it names {found.owner!r} as the owner, but {request.id} was sent to {request.owner!r}"
        )
        return found.rows
    asked = {item.ref: item for item in request.actions}
    actions = {action.ref: action for action in plan.actions}
    kept_rows: list[TrackerRow] = []
    for row in found.rows.rows:
        ref = row.values.get("ref")
        if not isinstance(ref, str):
            continue
        where = f"row {row.number}: {ref}"
        if ref not in asked:
            found.problems.append(f"{where} was not asked of {request.owner} in {request.id}")
            continue
        action = actions.get(ref)
        if action is None:
            found.problems.append(f"{where} is no longer in the plan")
            continue
        if action.owner.strip() != request.owner:
            found.problems.append(
                f"{where} is now owned by {action.owner or 'nobody'!r}, not {request.owner!r}; "
                "its return is theirs to make"
            )
            continue
        due = row.values.get("due_on")
        if due is not None and due != action.due_on and not row.values.get("due_reason"):
            found.problems.append(
                f"{where}: a proposed new due date ({due:%d/%m/%Y}) needs its reason "
                "in 'Reason for new due date'"
            )
        resolved = _resolved(found, row, asked[ref], action)
        if resolved is not None:
            kept_rows.append(resolved)
    return replace(found.rows, rows=kept_rows)


def _resolved(found: Return, row: TrackerRow, asked: RequestedAction, action: Action) -> TrackerRow | None:
    """The row to import: as returned, without ipt's conflicting fields (keep), or None (held back)."""
    ref = action.ref
    conflicts = []
    for name in COMPARED:
        if name not in row.values:
            continue
        then, now, returned = getattr(asked, name), getattr(action, name), row.values[name]
        if now != then and returned != now:
            conflicts.append(Conflict(ref, name, then, now, returned))
    if not conflicts:
        return row
    found.conflicts.extend(conflicts)
    if ref in found.take:
        found.taken.append(ref)
        return row
    if ref in found.keep:
        found.kept.append(ref)
        values = {
            name: value for name, value in row.values.items() if name not in {c.field for c in conflicts}
        }
        return replace(row, values=values)
    found.held_back.append(ref)
    return None


def read_returns(
    paths: Iterable[Path], plan: Plan, *, take: Collection[str] = (), keep: Collection[str] = ()
) -> list[Return]:
    """Read every returned workbook; a second workbook for one request is refused."""
    found: list[Return] = []
    seen: dict[str, Path] = {}
    for path in paths:
        one = read_return(path, plan, take=take, keep=keep)
        if one.request is not None and not one.refused:
            if one.request.id in seen:
                one.problems.append(f"{seen[one.request.id].name} is already the return for {one.request.id}")
            else:
                seen[one.request.id] = path
        found.append(one)
    return found


def apply_returns(
    repo: Repository, plan_id: str, returns: Sequence[Return], *, by: str, on: date, dry_run: bool = False
) -> None:
    """Write each accepted return (and mark its request returned) in a transaction of its own.

    Under the store's lock each return is checked again against the plan as stored then, so a
    change saved since it was read is a conflict too, never overwritten. Held-back rows are
    left out; a refused return writes nothing. On a dry run nothing is written."""
    for one in returns:
        if one.refused or one.rows is None:
            continue

        def recheck(plan: Plan, rows: TrackerRows, one: Return = one) -> TrackerRows:
            checked = check_return(one, plan)
            if one.refused:
                raise TrackerError(one.path, [TrackerIssue(None, None, None, why) for why in one.problems])
            return checked

        def mark(txn: Transaction, _: ImportResult, one: Return = one) -> None:
            assert one.request is not None
            txn.modify(
                plan_id,
                ReturnRequest,
                one.request.id,
                lambda stored: stored.model_copy(
                    update={
                        "returned_on": stored.returned_on or on,
                        "returned_by": by,
                        "returned_file": one.path.name,
                        "held_back": sorted(one.held_back),
                    }
                ),
            )

        try:
            one.result = import_tracker(
                repo,
                plan_id,
                one.rows,
                by=by,
                on=on,
                on_why="the day the return was read",
                dry_run=dry_run,
                also=None if dry_run else mark,
                recheck=recheck,
            )
        except TrackerError as error:
            if not one.problems:  # a cell the plan refuses (an unknown status, a bad date order)
                one.problems.extend(str(problem) for problem in error.problems)


# Chasing ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChaseLine:
    """One owner's latest request and whether it came back."""

    request: ReturnRequest
    state: str
    """"returned", "not yet" (before the day asked for), "late" or "not returned"."""
    days_late: int = 0


def chase_list(plan: Plan, as_of: date) -> list[ChaseLine]:
    """Each owner's latest request, as of ``as_of``: the ones not returned first, latest-due first."""
    latest: dict[str, ReturnRequest] = {}
    for request in plan.requests:
        held = latest.get(request.owner)
        if held is None or (request.sent_on, request.id) > (held.sent_on, held.id):
            latest[request.owner] = request
    lines = []
    for request in latest.values():
        if request.returned_on is not None:
            lines.append(ChaseLine(request, "returned"))
        elif request.due_on is not None and request.due_on < as_of:
            lines.append(ChaseLine(request, "late", (as_of - request.due_on).days))
        elif request.due_on is None:
            lines.append(ChaseLine(request, "not returned"))
        else:
            lines.append(ChaseLine(request, "not yet"))
    order = {"late": 0, "not returned": 1, "not yet": 2, "returned": 3}
    return sorted(lines, key=lambda line: (order[line.state], -line.days_late, line.request.owner.casefold()))


def problems_as_issues(one: Return) -> TrackerError:
    """A refused return as the importer's error, for one message naming the file."""
    return TrackerError(one.path, [TrackerIssue(None, None, None, problem) for problem in one.problems])
