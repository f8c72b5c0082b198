"""Action roll-ups: progress, RAG counts, deadlines and RAG that contradicts the facts.

Cancelled actions are kept in the plan for the record but leave every denominator:
they are counted in ``actions_total`` and ``cancelled`` and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from store.dates import duration_words
from store.models import Action, Plan, Rag, Status
from store.rollups._common import is_live, is_overdue, mean_percent, open_due_on, percent


@dataclass(frozen=True, slots=True)
class ProgressCounts:
    """How far a set of actions has got; cancelled actions are outside every denominator."""

    actions_total: int
    """Every action, cancelled ones included."""
    cancelled: int
    live: int
    """Actions that are not cancelled: the denominator for both percentages."""
    complete: int
    percent_complete: Decimal | None
    """Complete live actions as a percentage of live actions; ``None`` when there are none."""
    mean_progress: Decimal | None
    """Mean of the owners' 0-100 progress over live actions, as stored (not forced to 100 when
    complete; that contradiction is flagged instead); ``None`` when there are no live actions."""


@dataclass(frozen=True, slots=True)
class RagCounts:
    """How many live actions carry each RAG; ``unassessed`` have none yet."""

    red: int = 0
    amber: int = 0
    green: int = 0
    blue: int = 0
    unassessed: int = 0

    @property
    def total(self) -> int:
        return self.red + self.amber + self.green + self.blue + self.unassessed


@dataclass(frozen=True, slots=True)
class ThemeRollup:
    """One theme's progress and RAG counts, with what a dashboard tile needs to name it."""

    theme_key: str
    theme_name: str
    lead: str
    progress: ProgressCounts
    rag: RagCounts


@dataclass(frozen=True, slots=True)
class ActionDeadline:
    """An open action with its due date; ``days_to_due`` is negative once it is overdue."""

    action: Action
    due_on: date
    days_to_due: int

    @property
    def days_overdue(self) -> int:
        """Whole days past the due date; zero for an action not yet late."""
        return max(0, -self.days_to_due)


class RagConflictKind(StrEnum):
    """Ways an owner's RAG can disagree with the dates, status or progress."""

    GREEN_BUT_OVERDUE = "green_but_overdue"
    BLUE_BUT_NOT_COMPLETE = "blue_but_not_complete"
    COMPLETE_BUT_RED_OR_AMBER = "complete_but_red_or_amber"
    COMPLETE_BELOW_100 = "complete_below_100"


@dataclass(frozen=True, slots=True)
class RagConflict:
    """An action whose RAG or progress contradicts its facts, with a sentence saying why.

    These are flags for the board; the action itself is never changed.
    """

    action: Action
    kind: RagConflictKind
    reason: str


def progress_counts(actions: Iterable[Action]) -> ProgressCounts:
    """Count and average progress over ``actions``, leaving cancelled ones out of the averages."""
    everything = list(actions)
    live = [action for action in everything if is_live(action)]
    complete = sum(1 for action in live if action.status is Status.COMPLETE)
    return ProgressCounts(
        actions_total=len(everything),
        cancelled=len(everything) - len(live),
        live=len(live),
        complete=complete,
        percent_complete=percent(complete, len(live)),
        mean_progress=mean_percent(action.progress for action in live),
    )


def rag_counts(actions: Iterable[Action]) -> RagCounts:
    """Count live actions by RAG; cancelled actions are not counted at all."""
    tally = dict.fromkeys(Rag, 0)
    unassessed = 0
    for action in actions:
        if not is_live(action):
            continue
        if action.rag is None:
            unassessed += 1
        else:
            tally[action.rag] += 1
    return RagCounts(
        red=tally[Rag.RED],
        amber=tally[Rag.AMBER],
        green=tally[Rag.GREEN],
        blue=tally[Rag.BLUE],
        unassessed=unassessed,
    )


def theme_rollups(plan: Plan) -> tuple[ThemeRollup, ...]:
    """Progress and RAG counts for each theme, in the plan's theme order."""
    rollups = []
    by_theme: dict[str, list[Action]] = {}
    for action in plan.actions:
        by_theme.setdefault(action.theme, []).append(action)
    for theme in plan.themes:
        actions = by_theme.get(theme.key, [])
        rollups.append(
            ThemeRollup(
                theme_key=theme.key,
                theme_name=theme.name,
                lead=theme.lead,
                progress=progress_counts(actions),
                rag=rag_counts(actions),
            )
        )
    return tuple(rollups)


def _deadline(action: Action, due_on: date, as_of: date) -> ActionDeadline:
    return ActionDeadline(action=action, due_on=due_on, days_to_due=(due_on - as_of).days)


def _by_due_date(deadlines: Iterable[ActionDeadline]) -> tuple[ActionDeadline, ...]:
    return tuple(sorted(deadlines, key=lambda item: (item.due_on, item.action.ref)))


def overdue_actions(plan: Plan, as_of: date) -> tuple[ActionDeadline, ...]:
    """Open actions due before ``as_of``, earliest first; an action due on ``as_of`` is not late."""
    return _by_due_date(
        _deadline(action, action.due_on, as_of)
        for action in plan.actions
        if is_overdue(action, as_of) and action.due_on is not None
    )


def due_soon_actions(plan: Plan, as_of: date, within_days: int = 30) -> tuple[ActionDeadline, ...]:
    """Open actions due from ``as_of`` to ``as_of + within_days`` inclusive, earliest first."""
    if within_days < 0:
        raise ValueError(f"within_days must not be negative, not {within_days}")
    # Near the end of the calendar the window stops at its last day rather than overflowing.
    last_day = as_of + timedelta(days=within_days) if (date.max - as_of).days >= within_days else date.max
    return _by_due_date(
        _deadline(action, due_on, as_of)
        for action in plan.actions
        if (due_on := open_due_on(action)) is not None and as_of <= due_on <= last_day
    )


def _conflicts_of(action: Action, as_of: date) -> list[RagConflict]:
    found = []

    def flag(kind: RagConflictKind, reason: str) -> None:
        found.append(RagConflict(action=action, kind=kind, reason=reason))

    if action.rag is Rag.GREEN and is_overdue(action, as_of) and action.due_on is not None:
        due_on = action.due_on
        days = (as_of - due_on).days
        flag(
            RagConflictKind.GREEN_BUT_OVERDUE,
            f"RAG is green but the action was due on {due_on.isoformat()} "
            f"and is {duration_words(days)} overdue",
        )
    if action.rag is Rag.BLUE and action.status is not Status.COMPLETE:
        flag(
            RagConflictKind.BLUE_BUT_NOT_COMPLETE,
            f"RAG is blue (complete) but the status is {action.status.label.lower()}",
        )
    if action.status is Status.COMPLETE and action.rag is not None and action.rag.rank <= Rag.AMBER.rank:
        flag(
            RagConflictKind.COMPLETE_BUT_RED_OR_AMBER,
            f"status is complete but RAG is {action.rag.value}",
        )
    if action.status is Status.COMPLETE and action.progress < 100:
        flag(
            RagConflictKind.COMPLETE_BELOW_100,
            f"status is complete but progress is {action.progress}%",
        )
    return found


def rag_conflicts(plan: Plan, as_of: date) -> tuple[RagConflict, ...]:
    """Live actions whose RAG, status or progress contradict each other or the dates.

    Four rules: green but overdue; blue but not complete; complete but red or amber;
    complete with progress under 100. Amber on an overdue action is an honest "at risk"
    and is not flagged. Cancelled actions are out of the plan and never flagged. Results
    follow the plan's action order, then the rule order above.
    """
    return tuple(
        conflict for action in plan.actions if is_live(action) for conflict in _conflicts_of(action, as_of)
    )
