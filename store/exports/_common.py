"""What every board-pack format shares: the context, the action rows, cell neutralising, labels.

Formula injection: a text cell that a spreadsheet would read as a formula (it starts with
``=``, ``+``, ``-``, ``@``, tab, carriage return or line feed) is neutralised by a leading
single quote, as OWASP advises. Only strings are touched; numbers and dates stay typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property

from store.compare import Comparison
from store.models import Action, Plan, Rag
from store.rollups import PlanSummary, plan_summary

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
"""First characters that make a spreadsheet treat a cell as a formula (or a DDE command)."""


def neutralise(value: object) -> object:
    """A cell value safe for CSV and XLSX: risky text gets a leading ``'``; other types pass."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


RAG_SYMBOL = {Rag.RED: "✖", Rag.AMBER: "▲", Rag.GREEN: "●", Rag.BLUE: "✔"}
"""A shape for each RAG, so colour is never the only signal."""


def rag_label(rag: Rag | None) -> str:
    """Symbol and word: ``"▲ Amber"``; ``"– Not assessed"`` without a RAG."""
    if rag is None:
        return "– Not assessed"
    return f"{RAG_SYMBOL[rag]} {'Complete' if rag is Rag.BLUE else rag.label}"


def rag_word(rag: Rag | None) -> str:
    return "Not assessed" if rag is None else rag.label


@dataclass(frozen=True)
class PackContext:
    """Everything a format needs, each part computed once, when a format first asks for it."""

    plan: Plan
    as_of: date
    comparison: Comparison | None
    snapshot_label: str | None

    @cached_property
    def summary(self) -> PlanSummary:
        """The plan's roll-ups on ``as_of`` (the CSV, which has only the action list, never asks)."""
        return plan_summary(self.plan, self.as_of)

    @cached_property
    def theme_names(self) -> dict[str, str]:
        """Theme key -> name for :func:`action_row` (the first theme of a key wins, as in ``plan.theme``)."""
        names: dict[str, str] = {}
        for theme in self.plan.themes:
            names.setdefault(theme.key, theme.name)
        return names

    @cached_property
    def outcomes(self) -> bool:
        """Whether any action has an outcome or a success measure: the action list then has
        columns for them (a plan without any keeps the list it always had)."""
        return any(action.outcome or action.success_measure for action in self.plan.actions)

    @property
    def action_columns(self) -> tuple[str, ...]:
        """The action list's headings: :data:`ACTION_COLUMNS`, and :data:`OUTCOME_COLUMNS` if used."""
        return ACTION_COLUMNS + OUTCOME_COLUMNS if self.outcomes else ACTION_COLUMNS

    @property
    def title(self) -> str:
        return f"{self.plan.name} — board pack, {self.as_of:%d %B %Y}"


def make_context(
    plan: Plan, as_of: date, comparison: Comparison | None, snapshot_label: str | None
) -> PackContext:
    return PackContext(plan, as_of, comparison, snapshot_label)


ACTION_COLUMNS = (
    "Ref",
    "Theme",
    "Title",
    "Owner",
    "Start",
    "Due",
    "Completed",
    "Status",
    "RAG",
    "Progress",
    "Recommendations",
    "Latest update",
)
OUTCOME_COLUMNS = ("Outcome", "Success measure")
"""Added after :data:`ACTION_COLUMNS` when an action of the plan has an outcome or success measure."""

ActionCell = str | int | date | None


def latest_update(action: Action) -> str:
    """``"2019-09-26 Author: text"`` for the most recent update; empty without one.

    An author that would make that ambiguous (with a colon or a line break, or starting with
    a double quote) is written in double quotes, each of its own doubled, as in CSV:
    ``2019-09-26 "Smith: Head of Service": text``. The tracker import reads both forms."""
    if not action.updates:
        return ""
    update = max(action.updates, key=lambda item: item.on)
    author = update.author
    if ":" in author or "\n" in author or "\r" in author or author.startswith('"'):
        author = '"' + author.replace('"', '""') + '"'
    return f"{update.on.isoformat()} {author}: {update.text}"


def action_row(
    plan: Plan, action: Action, theme_names: Mapping[str, str] | None = None, *, outcomes: bool = False
) -> tuple[ActionCell, ...]:
    """One action as typed cells in :data:`ACTION_COLUMNS` order (dates stay dates), then its
    outcome and success measure if ``outcomes`` (:attr:`PackContext.outcomes`).

    ``theme_names`` (:attr:`PackContext.theme_names`) saves looking each theme up in the plan.
    """
    if theme_names is not None:
        theme = theme_names.get(action.theme, action.theme)
    else:
        try:
            theme = plan.theme(action.theme).name
        except KeyError:
            theme = action.theme
    row: tuple[ActionCell, ...] = (
        action.ref,
        theme,
        action.title,
        action.owner,
        action.start_on,
        action.due_on,
        action.completed_on,
        action.status.label,
        rag_word(action.rag),
        action.progress,
        "; ".join(str(number) for number in action.recommendations),
        latest_update(action),
    )
    return (*row, action.outcome, action.success_measure) if outcomes else row


def theme_name(plan: Plan, key: str) -> str:
    try:
        return plan.theme(key).name
    except KeyError:
        return "No theme" if key == "unassigned" else key


def day(value: date | None) -> str:
    return "" if value is None else value.isoformat()


def percent_text(value: Decimal | None) -> str:
    return "–" if value is None else f"{value:f}%"


def measure_text(value: Decimal | None, unit: str = "") -> str:
    if value is None:
        return "–"
    suffix = "" if not unit else (unit if unit.startswith("%") else f" {unit}")
    return f"{value:f}{suffix}"
