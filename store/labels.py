"""Field names as people say them: ``due_on`` is "Due date", ``completed_on`` "Completed date".

Used wherever a field is named to a person: refusals, the history of a record, what a board
changed. Stored names (audit entries, a review item's outcome) keep the code's names; they are
put into words when shown.
"""

from __future__ import annotations

import re

FIELD_LABELS = {
    "ref": "Ref",
    "theme": "Theme",
    "title": "Title",
    "owner": "Owner",
    "description": "Description",
    "outcome": "Outcome",
    "success_measure": "Success measure",
    "start_on": "Start date",
    "due_on": "Due date",
    "completed_on": "Completed date",
    "status": "Status",
    "rag": "RAG",
    "progress": "Progress",
    "recommendations": "Recommendations",
    "funding": "Funding",
    "measures": "Measures of success",
    "updates": "Updates",
    "due_history": "Due date changes",
    "due_reason": "Why the due date moved",
    "impact_evidenced": "Impact evidenced",
    "impact_note": "Impact note",
    "financial_year": "Financial year",
    "allocation_id": "Allocation",
    "spent_on": "Spent on",
    "held_on": "Held on",
    "starts_on": "Start date",
    "ends_on": "End date",
    "started_on": "Start date",
    "ended_on": "End date",
    "published_on": "Published date",
    "approved_on": "Approved on",
    "approved_by": "Approved by",
    "next_board_on": "Next board",
    "target_detail": "Target detail",
    "kpi_id": "KPI",
}
"""Field name -> label; a name not listed reads with its underscores as spaces, capitalised."""

_NAMES = re.compile(r"\b(" + "|".join(sorted(FIELD_LABELS, key=len, reverse=True)) + r")\b")


def field_label(name: str) -> str:
    """``"due_on"`` -> ``"Due date"``; an unknown ``"lead_officer"`` -> ``"Lead officer"``."""
    label = FIELD_LABELS.get(name)
    if label is not None:
        return label
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def in_words(text: str) -> str:
    """``text`` with every field name with an underscore put as its label in lower case
    (``"due_on 2019-01-01 is before start_on"`` -> ``"due date 2019-01-01 is before start date"``);
    plain words such as "status" or "title" are left as they are."""

    def label(match: re.Match[str]) -> str:
        name = match.group(1)
        return FIELD_LABELS[name].lower() if "_" in name else name

    return _NAMES.sub(label, text)


def changes_in_words(text: str) -> str:
    """A stored list of changes such as ``"rag: amber → red; due_on: 2019-12-01 → 2020-01-31"``
    with each field's label: ``"RAG: amber → red; Due date: 2019-12-01 → 2020-01-31"``."""
    parts = []
    for part in text.split("; "):
        name, colon, rest = part.partition(": ")
        known = colon and (name in FIELD_LABELS or re.fullmatch(r"[a-z]+(?:_[a-z]+)+", name))
        parts.append(f"{field_label(name)}: {rest}" if known else part)
    return "; ".join(parts)


def value_in_words(value: object) -> str:
    """An audited value as a person reads it: an update by its text, a moved due date as
    "old → new: reason", a status as typed ("in progress"), a list joined; never a dict."""
    if value is None:
        return "–"
    if isinstance(value, dict):
        if "text" in value:
            return str(value["text"])
        if "new_due_on" in value:
            return f"{value.get('old_due_on')} → {value.get('new_due_on')}: {value.get('reason', '')}".strip(
                ": "
            )
        return "; ".join(f"{field_label(str(key))} {value_in_words(item)}" for key, item in value.items())
    if isinstance(value, list):
        return ", ".join(value_in_words(item) for item in value)
    text = str(value)
    return text.replace("_", " ") if re.fullmatch(r"[a-z]+(?:_[a-z]+)+", text) else text
