"""The plan's saved way of reading the council's own tracker.

The first import of a tracker may need telling what a heading means (``--map "Whose=owner"``),
what a word in a cell means (``--value "rag:Parked=amber"``), which sheet to read, or that
hidden columns count. Once such an import is written, that reading is kept with the plan
(:class:`store.models.TrackerMapping`), so next month's import of the same tracker needs no
options. ``ipt import --mapping`` shows and edits it.

A dated heading is kept without its date: "Position – June 2017" is saved as "Position", so
next month's "Position – July 2017" is read the same way (and still dates the updates).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from store.importers import values
from store.importers.tracker import _DATED_HEADING, ALIASES, COLUMNS, header_key
from store.models import TrackerMapping
from store.repository import Repository

MAPPING_NAME = "tracker"
"""The name a plan's one tracker mapping is kept under."""
NOT_IMPORTED = ("-", "none", "ignore", "skip", "not imported")
"""What ``--map "Heading=-"`` may say for a column that is not to be imported."""
LABELS: dict[str, str] = {
    "ref": "Ref",
    "theme": "Theme",
    "title": "Action (title)",
    "description": "Description",
    "outcome": "Desired outcome",
    "success_measure": "Success measure",
    "owner": "Owner",
    "start_on": "Start date",
    "due_on": "Due date",
    "completed_on": "Completed date",
    "status": "Status",
    "rag": "RAG",
    "progress": "% complete",
    "recommendations": "Recommendations",
    "update": "Update",
}
"""Each field a tracker column can fill, as a user names it."""
TRANSLATABLE = ("status", "rag", "progress", "owner", "theme", "recommendations", "due_on", "start_on")
"""Fields whose cell words a mapping may translate."""


class MappingError(ValueError):
    """An option naming a mapping the plan cannot keep; the message says what to write."""


def mapping_key(heading: str) -> str:
    """The heading as a mapping keeps it: spacing and case folded, a trailing date dropped."""
    match = _DATED_HEADING.fullmatch(heading.strip())
    if match is not None:
        try:
            when = values.parse_date(match[2], datetime(1899, 12, 30))
        except ValueError:
            when = None
        if when is not None:
            return header_key(match[1])
    return header_key(heading)


def field_named(word: str) -> str:
    """``"owner"``, ``"Lead officer"``, ``"due date"`` -> the field; "" for not imported."""
    key = header_key(word)
    if key in NOT_IMPORTED:
        return ""
    if key.replace(" ", "_") in COLUMNS:
        return key.replace(" ", "_")
    for name, label in LABELS.items():
        if header_key(label) == key:
            return name
    if key in ALIASES:
        return ALIASES[key]
    known = ", ".join(LABELS.values())
    raise MappingError(
        f"{word!r} is not a field a tracker column can fill; use one of {known}, or - for none"
    )


def parse_map(text: str) -> tuple[str, str]:
    """``"Whose job=owner"`` -> ``("whose job", "owner")``."""
    heading, sep, word = text.rpartition("=")
    if not sep or not heading.strip() or not word.strip():
        raise MappingError(f'{text!r} is not HEADING=FIELD, e.g. "Whose job=owner" or "Notes=-"')
    return mapping_key(heading), field_named(word)


def parse_value(text: str) -> tuple[str, str, str]:
    """``"rag:Parked=amber"`` -> ``("rag", "parked", "amber")``, checked as the field would read it."""
    name, sep, rest = text.partition(":")
    written, eq, meaning = rest.rpartition("=")
    if not sep or not eq or not written.strip() or not meaning.strip():
        raise MappingError(f'{text!r} is not FIELD:WORD=MEANING, e.g. "rag:Parked=amber"')
    field = field_named(name)
    if field not in TRANSLATABLE:
        fields = ", ".join(LABELS[f] for f in TRANSLATABLE)
        raise MappingError(f"{name.strip()!r}: a word can be translated only in {fields}")
    _check_meaning(field, meaning.strip())
    return field, header_key(written), meaning.strip()


def _check_meaning(field: str, meaning: str) -> None:
    try:
        if field == "status":
            values.parse_status(meaning)
        elif field == "rag":
            values.parse_rag(meaning)
        elif field == "progress":
            values.parse_progress(meaning)
        elif field == "recommendations":
            values.parse_recommendations(meaning)
        elif field in {"due_on", "start_on"}:
            values.parse_date(meaning, datetime(1899, 12, 30))
    except ValueError as error:
        raise MappingError(f"{LABELS[field]}: {meaning!r} {error}") from None


@dataclass(frozen=True, slots=True)
class MappingChange:
    """What the user asked to change in the saved mapping."""

    columns: tuple[tuple[str, str], ...] = ()
    values: tuple[tuple[str, str, str], ...] = ()
    sheet: str | None = None
    include_hidden: bool | None = None
    forget: tuple[str, ...] = ()

    @classmethod
    def from_options(
        cls,
        maps: Iterable[str] | None,
        words: Iterable[str] | None,
        *,
        sheet: str | None = None,
        include_hidden: bool | None = None,
        forget: Iterable[str] | None = None,
    ) -> MappingChange:
        """Every option checked; :class:`MappingError` lists every one that is wrong."""
        problems: list[str] = []
        columns: list[tuple[str, str]] = []
        translations: list[tuple[str, str, str]] = []
        for text in maps or ():
            try:
                columns.append(parse_map(text))
            except MappingError as error:
                problems.append(f"--map {error}")
        for text in words or ():
            try:
                translations.append(parse_value(text))
            except MappingError as error:
                problems.append(f"--value {error}")
        if problems:
            raise MappingError("; ".join(problems))
        return cls(tuple(columns), tuple(translations), sheet, include_hidden, tuple(forget or ()))

    def __bool__(self) -> bool:
        return bool(
            self.columns or self.values or self.sheet or self.include_hidden is not None or self.forget
        )

    def applied(self, stored: TrackerMapping | None, *, by: str, on: date) -> TrackerMapping:
        """The stored mapping (or a new one) with this change made."""
        base = stored or TrackerMapping(name=MAPPING_NAME)
        columns = dict(base.columns)
        words = {name: dict(found) for name, found in base.values.items()}
        for heading in self.forget:
            key = mapping_key(heading)
            if key not in columns and not any(header_key(heading) in found for found in words.values()):
                raise MappingError(f"--forget: {heading!r} is not a heading or word in the saved mapping")
            columns.pop(key, None)
            for found in words.values():
                found.pop(header_key(heading), None)
        columns.update(self.columns)
        for field, written, meaning in self.values:
            words.setdefault(field, {})[written] = meaning
        return TrackerMapping(
            name=base.name,
            columns=columns,
            values={name: found for name, found in words.items() if found},
            sheet=self.sheet if self.sheet is not None else base.sheet,
            include_hidden=self.include_hidden if self.include_hidden is not None else base.include_hidden,
            confirmed_on=on,
            confirmed_by=by,
        )


def describe(mapping: TrackerMapping | None) -> list[str]:
    """The saved mapping as lines a user reads."""
    if mapping is None:
        return ["no saved mapping: headings are recognised by name (see the README's list)"]
    lines = []
    confirmed = f"confirmed {mapping.confirmed_on:%d %b %Y}" if mapping.confirmed_on else "saved"
    lines.append(f"{confirmed}{f' by {mapping.confirmed_by}' if mapping.confirmed_by else ''}")
    lines.append(f"sheet: {mapping.sheet or '(the one whose header matches best)'}")
    lines.append(f"hidden columns and rows: {'imported' if mapping.include_hidden else 'not imported'}")
    if mapping.columns:
        lines.append("columns:")
        for heading, field in sorted(mapping.columns.items()):
            lines.append(f"  {heading!r} → {LABELS.get(field, field) if field else 'not imported'}")
    if mapping.values:
        lines.append("words:")
        for field, found in sorted(mapping.values.items()):
            for written, meaning in sorted(found.items()):
                lines.append(f"  {LABELS.get(field, field)}: {written!r} means {meaning!r}")
    return lines


def saved_mapping(mappings: Iterable[TrackerMapping]) -> TrackerMapping | None:
    """The plan's tracker mapping, if it has one."""
    return next((mapping for mapping in mappings if mapping.name == MAPPING_NAME), None)


def keep_mapping(
    repo: Repository, plan_id: str, change: MappingChange, *, by: str, on: date
) -> TrackerMapping:
    """Make ``change`` to the plan's saved mapping, as stored when the lock is taken."""
    with repo.transaction(by=by) as txn:
        txn.plan_document(plan_id)
        stored = txn.stored(plan_id, TrackerMapping, MAPPING_NAME)
        current = None if stored is None else txn.get(plan_id, TrackerMapping, MAPPING_NAME)
        mapping = change.applied(current, by=by, on=on)
        if stored is None:
            txn.add(plan_id, mapping)
        else:
            txn.put(plan_id, mapping, stored)
    return mapping
