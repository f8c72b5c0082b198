"""Bringing checked tracker rows into a plan: all of them in one transaction, or none.

Rows are matched to the plan's actions by reference: a new reference adds an action, a
known one updates it. For an update, each cell that gives a value sets its field. A blank
cell (or TBC, n/a, Ongoing … where a date, RAG, progress or recommendations belong) never
erases: the action keeps what it has. Only a cell saying ``-`` or ``clear`` clears a date,
RAG, progress or recommendations (no date, RAG not assessed, no recommendations; progress,
which has no "none", becomes 0%); the owner, description, outcome and success measure are
kept unless given.
Fields the tracker has no column for (funding, measures, the history) are kept. A blank
Status with a Completed date means complete; a Status other than complete with a blank
Completed cell drops the stored completed date, as the action is no longer complete.

Every field an update changes is in :attr:`ImportResult.changes`, with why when the value
did not come from the cell's text (a clear marker, a fill colour).

The Update column becomes a dated update on the action: the export's form
"2019-09-26 Author: text" keeps its date and author; other text is dated ``on`` and signed
``by``. Either is added only if the action does not already have it. A moved due date is
recorded in the action's due-date history, dated ``on``. ``on`` is, first, what the caller
gives; else the day the file says it was updated (:attr:`TrackerRows.dated_on`); else
``today`` (the import day).

Themes are found by key (first) or by name, recommendations by number, both against the target
plan. A theme name is compared ignoring case, spacing, punctuation and a leading "Theme 1:";
one close to a theme's name without being it ("Quality of practise", "Workforce development")
is an error naming the theme(s) meant, with or without ``create_missing``. Other themes and
recommendations the plan lacks are errors unless ``create_missing``, when they are added (a
theme's key is made from its name's initials, e.g. "Quality of Practice" -> "QP").
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from pydantic import ValidationError

from store.importers.problems import TrackerError, TrackerIssue
from store.importers.tracker import COLUMNS, TrackerRow, TrackerRows
from store.importers.values import parse_exported_update
from store.labels import field_label
from store.models import (
    Action,
    ActionUpdate,
    DueDateChange,
    Plan,
    Rag,
    Recommendation,
    Status,
    Theme,
    TrackerMapping,
)
from store.repository import Repository, Transaction

STOP_WORDS = frozenset({"of", "and", "the", "for", "in", "to", "a", "an", "with", "on"})
COMPARED = (
    "title",
    "theme",
    "description",
    "outcome",
    "success_measure",
    "owner",
    "start_on",
    "due_on",
    "completed_on",
    "status",
    "rag",
    "progress",
    "recommendations",
)
"""The fields a tracker sets, in the order their changes are listed."""
EMPTY: tuple[Any, ...] = (None, "", 0, [])
NO_LONGER_COMPLETE = "the status is no longer complete"


def _shown(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Rag | Status):
        return value.value
    text = str(value)
    return repr(text if len(text) <= 60 else text[:59] + "…") if isinstance(value, str) else text


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field an import changes on one action: ``WF-03 rag: amber → red``."""

    ref: str
    field: str
    old: Any
    new: Any
    why: str = ""
    """How the new value was read when not from the cell's text ("cleared by '-'", a fill)."""

    def __str__(self) -> str:
        if self.field == "update":
            return f"{self.ref} update added: {_shown(self.new)}"
        label = field_label(self.field)
        if self.why.startswith("cleared by"):
            return f"{self.ref} {label}: {_shown(self.old)} → ({self.why})"
        line = f"{self.ref} {label}: {_shown(self.old)} → {_shown(self.new)}"
        return f"{line} ({self.why})" if self.why else line


@dataclass(slots=True)
class ImportResult:
    """What an import did (or, for a dry run, would do)."""

    plan_id: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    themes_created: list[str] = field(default_factory=list)
    theme_names: dict[str, str] = field(default_factory=dict)
    """The name of each theme created, by key, so a preview can say what each key stands for."""
    recommendations_created: list[int] = field(default_factory=list)
    dry_run: bool = False
    revision: int | None = None
    """The store's revision after the import; None when nothing was written."""
    changes: list[FieldChange] = field(default_factory=list)
    """Each field changed on an existing action (and fill-read values on new ones), in row order."""
    blanks_kept: int = 0
    """Blank (or "no value") cells on existing actions whose stored value was kept."""
    dated_on: date | None = None
    """The day updates and due-date changes are dated."""
    dated_why: str = ""
    """Why that day: "given", "from the heading 'Progress update – June 2017'", "the import day"."""
    mapping_saved: bool = False
    """Whether the import kept its way of reading the tracker with the plan."""


@dataclass(slots=True)
class _Prepared:
    result: ImportResult
    themes: list[Theme]
    recommendations: list[Recommendation]
    actions: list[tuple[Action, Action | None]]
    """(new action, the stored one it replaces or None), for added and updated actions only."""


class _NothingToWrite(Exception):
    pass


def import_tracker(
    repo: Repository,
    plan_id: str,
    rows: TrackerRows,
    *,
    by: str,
    create_missing: bool = False,
    dry_run: bool = False,
    on: date | None = None,
    on_why: str = "given",
    today: date | None = None,
    only: set[str] | None = None,
    mapping: TrackerMapping | None = None,
    also: Callable[[Transaction, ImportResult], None] | None = None,
    recheck: Callable[[Plan, TrackerRows], TrackerRows] | None = None,
) -> ImportResult:
    """Add and update the plan's actions from ``rows``; raise :class:`TrackerError` listing every
    problem (the file's and the plan's) with nothing written.

    Updates and due-date changes are dated ``on`` (``on_why`` says where it came from), else
    the day the file gives, else ``today`` (default: the system's date).

    ``only``: the references whose rows are imported; every other row is skipped entirely (its
    action is left as stored, and themes or recommendations only it needs are not created).
    A reference the file does not have is a problem.

    ``mapping``: the plan's way of reading this tracker, confirmed by this import and kept with
    the plan in the same transaction (not on a dry run).

    ``also``: more to write in the same transaction (a return marks its request returned);
    with it, the transaction is committed even when no action changes.

    ``recheck``: run under the lock on the plan as stored, before the rows are prepared; it
    returns the rows to import (a return leaves out what conflicts with a change made since)
    or raises :class:`TrackerError`."""
    if only is not None:
        rows = _only(rows, only)
    if on is not None:
        dated = (on, on_why)
    elif rows.dated_on is not None:
        dated = (rows.dated_on, rows.dated_why)
    else:
        dated = (today or date.today(), "the import day")
    on = dated[0]
    repo.reload_if_changed()
    repo.plan(plan_id)  # a tracker never creates a plan: NotFound if there is none
    if dry_run:
        plan = repo.plan(plan_id)
        prepared = _prepare(
            plan, recheck(plan, rows) if recheck else rows, create_missing=create_missing, by=by, on=on
        )
        prepared.result.dry_run = True
        prepared.result.dated_on, prepared.result.dated_why = dated
        return prepared.result
    try:
        with repo.transaction(by=by) as txn:
            plan = repo.plan(plan_id)  # current: the transaction reloads what another process saved
            checked = recheck(plan, rows) if recheck else rows
            prepared = _prepare(plan, checked, create_missing=create_missing, by=by, on=on)
            prepared.result.dated_on, prepared.result.dated_why = dated
            saving = mapping is not None and mapping not in plan.mappings
            if not (prepared.themes or prepared.recommendations or prepared.actions or saving or also):
                raise _NothingToWrite
            _write(txn, plan, prepared)
            if mapping is not None and saving:
                stored = txn.stored(plan_id, TrackerMapping, mapping.name)
                if stored is None:
                    txn.add(plan_id, mapping)
                else:
                    txn.put(plan_id, mapping, stored)
                prepared.result.mapping_saved = True
            if also is not None:
                also(txn, prepared.result)
    except _NothingToWrite:
        return prepared.result
    prepared.result.revision = repo.revision
    return prepared.result


def _only(rows: TrackerRows, refs: set[str]) -> TrackerRows:
    """``rows`` with just the rows of ``refs``; a reference the file lacks is a problem."""
    in_file = {row.values.get("ref") for row in rows.rows}
    missing = sorted(ref for ref in refs if ref not in in_file)
    if missing:
        why = "is not a reference in the file"
        raise TrackerError(
            rows.path, [TrackerIssue(None, rows.header("ref"), ref, why) for ref in missing], rows.where
        )
    return replace(rows, rows=[row for row in rows.rows if row.values.get("ref") in refs])


def _write(txn: Transaction, plan: Plan, prepared: _Prepared) -> None:
    plan_id = plan.id
    for theme in prepared.themes:
        txn.add(plan_id, theme)
    for recommendation in prepared.recommendations:
        txn.add(plan_id, recommendation)
    stored = {document["ref"]: document for document in txn.documents.select("actions", plan_id)}
    inserts: list[dict[str, Any]] = []
    replacements: dict[str, dict[str, Any]] = {}
    for action, old in prepared.actions:
        new_doc = {**action.model_dump(mode="json"), "plan_id": plan_id}
        if old is None:
            inserts.append(new_doc)
            txn.audit.append(txn.entry(plan_id, "action", action.ref, "created", None, action.ref))
        else:
            txn.audit_changes(plan_id, "action", action.ref, stored[action.ref], new_doc)
            replacements[action.ref] = new_doc
    txn.documents.insert("actions", inserts)
    txn.documents.replace("actions", plan_id, "ref", replacements)  # one pass, not one per action
    by_ref = {action.ref: action for action, _ in prepared.actions}
    actions = [by_ref.pop(action.ref, action) for action in plan.actions] + list(by_ref.values())
    updated = plan.model_copy(
        update={
            "themes": [*plan.themes, *prepared.themes],
            "recommendations": [*plan.recommendations, *prepared.recommendations],
            "actions": actions,
        }
    )
    txn.changed(plan_id, None, plan_id, updated)


def theme_key_for(name: str, taken: set[str]) -> str:
    """A short unique key from a theme's name: the initials of its first (at most four)
    significant words, or a single word's first three letters; a number is added on a clash
    ("QP2"). Never more than four letters, however long the name."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    all_words = re.findall(r"[A-Za-z0-9]+", ascii_name.replace("'", ""))  # "Children's": one word
    significant = [word for word in all_words if word.lower() not in STOP_WORDS] or all_words
    if len(significant) >= 2:
        base = "".join(word[0] for word in significant[:4]).upper()
    elif significant:
        base = significant[0][:3].upper()
    else:
        base = "T"
    key, number = base, 1
    while key.lower() in taken:
        number += 1
        key = f"{base}{number}"
    taken.add(key.lower())
    return key


def _prepare(plan: Plan, rows: TrackerRows, *, create_missing: bool, by: str, on: date) -> _Prepared:
    problems = list(rows.problems)
    result = ImportResult(plan.id)
    themes = _ThemeFinder(plan, create_missing)
    new_recommendations: dict[int, Recommendation] = {}
    known_numbers = {rec.number for rec in plan.recommendations}
    existing = {action.ref: action for action in plan.actions}
    prepared: list[tuple[Action, Action | None]] = []
    for row in rows.rows:
        theme_key = None
        stored = existing.get(row.values.get("ref", ""))
        if "theme" in row.values:
            theme_key = themes.resolve(row.values["theme"])
            if theme_key is None:
                problems.append(
                    TrackerIssue(row.number, rows.header("theme"), row.cells["theme"], themes.why)
                )
        elif stored is not None:
            theme_key = stored.theme  # a file with no Theme column (an owner's return) keeps it
        elif not row.broken:
            problems.append(
                TrackerIssue(
                    row.number,
                    rows.header("ref"),
                    row.cells.get("ref"),
                    f"is not an action of plan {plan.id}, and the file gives no theme to add it under",
                )
            )
        unknown = [n for n in row.values.get("recommendations", []) if n not in known_numbers]
        if unknown and create_missing:
            for number in unknown:
                new_recommendations.setdefault(number, Recommendation(number=number))
        elif unknown:
            listed = ", ".join(str(n) for n in unknown)
            problems.append(
                TrackerIssue(
                    row.number,
                    rows.header("recommendations"),
                    row.cells["recommendations"],
                    f"names recommendation(s) {listed}, which plan {plan.id} does not have",
                )
            )
            continue
        if row.broken or theme_key is None:
            continue
        old = existing.get(row.values["ref"])
        action = _action(rows, row, theme_key, old, by=by, on=on, problems=problems)
        if action is None:
            continue
        if old is None:
            result.added.append(action.ref)
            prepared.append((action, None))
            result.changes.extend(
                FieldChange(action.ref, name, None, getattr(action, name), why)
                for name, why in row.why.items()
            )
            continue
        result.blanks_kept += sum(1 for name in row.blank if getattr(old, name, None) not in EMPTY)
        if action == old:
            result.unchanged.append(action.ref)
        else:
            result.updated.append(action.ref)
            prepared.append((action, old))
            result.changes.extend(_changes(row, old, action))
    if problems:
        order = {header: position for position, header in enumerate(rows.columns.values())}
        problems.sort(key=lambda p: (p.row or 0, order.get(p.column or "", -1)))
        raise TrackerError(rows.path, problems, rows.where)
    result.themes_created = [theme.key for theme in themes.created]
    result.theme_names = {theme.key: theme.name for theme in themes.created}
    result.recommendations_created = sorted(new_recommendations)
    recs = [new_recommendations[n] for n in sorted(new_recommendations)]
    return _Prepared(result, themes.created, recs, prepared)


class _ThemeFinder:
    """Theme keys by key or by name, case-insensitively; creates missing ones if allowed."""

    def __init__(self, plan: Plan, create_missing: bool) -> None:
        self.plan = plan
        self.create_missing = create_missing
        self.by_key = {theme.key.lower(): theme.key for theme in plan.themes}
        self.by_exact_name: dict[str, list[str]] = {}
        self.by_name: dict[str, list[str]] = {}
        for theme in plan.themes:
            self.by_exact_name.setdefault(theme.name.strip(), []).append(theme.key)
            if _fold(theme.name):  # a name of punctuation or symbols alone is matched exactly only
                self.by_name.setdefault(_fold(theme.name), []).append(theme.key)
        self.taken = set(self.by_key)
        self.created: list[Theme] = []
        self.why = ""

    def resolve(self, written: str) -> str | None:
        bare = _THEME_NUMBER.sub("", written.strip(), count=1).strip() or written.strip()
        for key in (written.strip().lower(), bare.lower()):
            if key in self.by_key:
                return self.by_key[key]
        exact = self.by_exact_name.get(written.strip(), [])
        if len(exact) == 1:
            return exact[0]
        folded = _fold(written)
        keys = self.by_name.get(folded, []) if folded else exact
        if len(keys) == 1:
            return keys[0]
        if len(keys) > 1:
            self.why = f"is the name of more than one theme ({', '.join(keys)}); use the theme's key"
            return None
        close = [
            theme
            for theme in (*self.plan.themes, *self.created)
            if folded and _fold(theme.name) and _near(folded, _fold(theme.name))
        ]
        if close:
            named = " or ".join(f"{theme.key} {theme.name}" for theme in close)
            self.why = f"is not a theme of this plan; did you mean {named}?"
            return None
        if not self.create_missing:
            known = "; ".join(f"{theme.key} {theme.name}" for theme in self.plan.themes) or "none"
            self.why = f"is not a theme of plan {self.plan.id} (themes: {known})"
            return None
        try:
            theme = Theme(key=theme_key_for(bare, self.taken), name=bare)
        except ValidationError:
            self.why = "cannot be made a theme (a theme's name is at most 500 characters)"
            return None
        self.created.append(theme)
        self.by_exact_name[written.strip()] = [theme.key]
        if folded:
            self.by_name[folded] = [theme.key]
        return theme.key


_THEME_NUMBER = re.compile(
    r"^(?:(?:theme|priority|priority area|workstream|work stream|strand|section|area)\s*"
    r"(?:\d+(?:\.\d+)*[a-z]?|[ivx]+)\b|\d+(?:\.\d+)*[a-z]?)(?:\s*[:.)\-–—]\s*|\s+)",
    re.I,
)
"""A leading "Theme 1:", "Theme 1 –", "Priority 2." or "1." before a theme's name."""


def _fold(name: str) -> str:
    """A theme name compared ignoring case, spacing, punctuation and a leading "Theme 1:"."""
    bare = _THEME_NUMBER.sub("", name.strip(), count=1)
    return " ".join(re.sub(r"[^\w\s]|_", " ", bare).split()).casefold()


NEAR_RATIO = 0.8
"""How alike (difflib's ratio) two folded theme names must be to count as one misspelt."""


def _near(written: str, name: str) -> bool:
    """Whether a folded theme name is close to another without being it: alike by difflib's
    ratio ("quality of practise", "quality of practice"; "partnership", "partnerships"), or
    one's significant words all among the other's ("workforce development", "workforce")."""
    if written == name:
        return False
    if difflib.SequenceMatcher(None, written, name).ratio() >= NEAR_RATIO:
        return True
    words = {word for word in written.split() if word not in STOP_WORDS}
    others = {word for word in name.split() if word not in STOP_WORDS}
    return bool(words and others) and (words <= others or others <= words)


def _action(
    rows: TrackerRows,
    row: TrackerRow,
    theme_key: str,
    old: Action | None,
    *,
    by: str,
    on: date,
    problems: list[TrackerIssue],
) -> Action | None:
    fields: dict[str, Any] = old.model_dump() if old is not None else {}
    given = row.values
    for name in (
        "ref",
        "title",
        "description",
        "outcome",
        "success_measure",
        "owner",
        "start_on",
        "due_on",
        "completed_on",
        "rag",
    ):
        if name in given:
            fields[name] = given[name]
    fields["theme"] = theme_key
    if row.substeps:
        fields["description"] = _with_substeps(fields.get("description") or "", row.substeps)
    if "progress" in given:
        fields["progress"] = given["progress"]
    if "recommendations" in given:
        fields["recommendations"] = given["recommendations"]
    status = given.get("status")
    if status is None and given.get("completed_on") is not None:
        status = Status.COMPLETE
    if status is not None:
        fields["status"] = status
    if (
        old is not None
        and old.completed_on is not None
        and "completed_on" in row.blank
        and fields.get("status") is not Status.COMPLETE
    ):
        fields["completed_on"] = None  # reopened: the stored completed date no longer holds
    before = len(problems)
    start, due, done = fields.get("start_on"), fields.get("due_on"), fields.get("completed_on")
    if start and due and due < start:
        problems.append(
            TrackerIssue(
                row.number,
                rows.header("due_on"),
                row.cells["due_on"],
                f"is before the start, {start:%d/%m/%Y}",
            )
        )
    if start and done and done < start:
        problems.append(
            TrackerIssue(
                row.number,
                rows.header("completed_on"),
                row.cells["completed_on"],
                f"is before the start, {start:%d/%m/%Y}",
            )
        )
    if done and fields.get("status", Status.NOT_STARTED) is not Status.COMPLETE:
        label = Status(fields["status"]).label.lower()
        problems.append(
            TrackerIssue(
                row.number,
                rows.header("completed_on"),
                row.cells["completed_on"],
                f"is a completed date, but the status is {label}",
            )
        )
    if len(problems) > before:
        return None
    if old is not None and old.due_on and fields.get("due_on") and fields["due_on"] != old.due_on:
        reason = (given.get("due_reason") or f"changed by importing {rows.path.name}")[:500]
        change = DueDateChange(
            on=on, by=by, old_due_on=old.due_on, new_due_on=fields["due_on"], reason=reason
        )
        fields["due_history"] = [*fields.get("due_history", []), change.model_dump()]
    try:
        written = " ".join(part for part in (given.get("update") or "", _notes(row)) if part)
        if written:
            _add_update(fields, written, by=by, on=on)
    except ValidationError as error:
        why = "; ".join(str(d["msg"]) for d in error.errors(include_url=False))
        problems.append(
            TrackerIssue(row.number, rows.header("update"), row.cells["update"], f"is not accepted: {why}")
        )
        return None
    try:
        return Action.model_validate(fields)
    except ValidationError as error:
        for detail in error.errors(include_url=False):
            name = str(detail["loc"][0]) if detail["loc"] else ""
            column = rows.header(name) if name in COLUMNS else rows.header("ref")
            message = str(detail["msg"]).removeprefix("Value error, ")
            if name == "ref" and detail["type"] == "string_pattern_mismatch":
                message = "letters, digits and . _ - / only, starting with a letter or digit, at most 32"
            problems.append(
                TrackerIssue(row.number, column, row.cells.get(name), f"is not accepted: {message}")
            )
        return None


def _notes(row: TrackerRow) -> str:
    """``"(RAG written 'Amber/Green'; status written 'Delayed')"``, or "" when there is nothing to keep."""
    return f"({'; '.join(row.notes)})" if row.notes else ""


def _with_substeps(description: str, substeps: list[str]) -> str:
    """The description with each sub-step it does not already hold added as a line of its own."""
    held = {line.strip() for line in description.splitlines()}
    added = [step for step in substeps if step.strip() not in held]
    return "\n".join(part for part in (description.rstrip(), *added) if part)


def _changes(row: TrackerRow, old: Action, new: Action) -> list[FieldChange]:
    changes: list[FieldChange] = []
    for name in COMPARED:
        before, after = getattr(old, name), getattr(new, name)
        if before == after:
            continue
        why = f"cleared by {row.cleared[name]!r}" if name in row.cleared else row.why.get(name, "")
        if name == "completed_on" and name in row.blank:
            why = NO_LONGER_COMPLETE
        changes.append(FieldChange(new.ref, name, before, after, why))
    known = {(u.on, u.author, u.text) for u in old.updates}
    for update in new.updates:
        if (update.on, update.author, update.text) not in known:
            changes.append(FieldChange(new.ref, "update", None, update.text))
    return changes


def _add_update(fields: dict[str, Any], written: str, *, by: str, on: date) -> None:
    updates: list[dict[str, Any]] = list(fields.get("updates", []))
    exported = parse_exported_update(written)
    if exported is not None:
        when, author, text = exported
        if any((u["on"], u["author"], u["text"]) == exported for u in updates):
            return
    else:
        when, author, text = on, by, written
        latest = max(updates, key=lambda u: u["on"], default=None)
        if latest is not None and latest["text"] == written:
            return
    update = ActionUpdate(on=when, author=author, text=text, rag=fields.get("rag"))
    fields["updates"] = [*updates, update.model_dump()]
