"""What changed between two states of a plan: the change board's "since last time".

:func:`compare_plans` is pure: it takes two plans, each with the day it was assessed on,
and returns a frozen :class:`Comparison`. It reuses the roll-ups' rules rather than
restating them, so "overdue", "covered" and "improving" mean here what they mean on the
dashboard. The rules specific to comparing:

- Newly complete and newly overdue compare derived states; an action absent before counts
  as neither complete nor overdue then, so an added action can appear in them too.
- RAG, due-date and progress moves are reported only for actions present and live (not
  cancelled) in both; a cancelled action's fields are out of the plan. Actions that became
  cancelled, or came back from cancelled, are listed as such.
- A recommendation absent before is in neither state: it is newly covered or newly
  uncovered according to its state after.
- Spend moves list only financial years and themes whose actual or committed total changed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any, ClassVar

from store.models import Action, Kpi, Plan, Rag, Reading, Status
from store.money import ZERO
from store.rollups._common import UNASSIGNED, is_live
from store.rollups.actions import overdue_actions
from store.rollups.coverage import CoverageState, recommendation_coverage
from store.rollups.funding import SpendTotals, SpentAndCommitted, spend_totals
from store.rollups.kpis import Direction, KpiRating, direction_of_travel, kpi_status
from store.snapshots import Snapshot, SnapshotHeader


@dataclass(frozen=True, slots=True)
class ActionBrief:
    """Which action a change is about, as the board names it."""

    ref: str
    title: str
    theme: str


@dataclass(frozen=True, slots=True)
class CompletedAction:
    action: ActionBrief
    completed_on: date | None


@dataclass(frozen=True, slots=True)
class RagMove:
    """A change of the owner's RAG; ``None`` is unassessed."""

    action: ActionBrief
    from_rag: Rag | None
    to_rag: Rag | None


@dataclass(frozen=True, slots=True)
class OverdueAction:
    action: ActionBrief
    due_on: date
    days_overdue: int
    """Whole days late on the later snapshot's day."""


@dataclass(frozen=True, slots=True)
class DueDateMove:
    action: ActionBrief
    from_due: date | None
    to_due: date | None
    days: int | None
    """Positive when the deadline slipped later; ``None`` when either date is missing."""


@dataclass(frozen=True, slots=True)
class ProgressMove:
    action: ActionBrief
    from_progress: int
    to_progress: int
    points: int
    """``to_progress - from_progress``: negative when progress went backwards."""


@dataclass(frozen=True, slots=True)
class SpendMove:
    """Actual and committed spend of one financial year or theme, before and after."""

    key: str
    """The financial year ("2019/20"), or the theme key (:data:`UNASSIGNED` for no theme)."""
    name: str
    """The financial year again, or the theme's name."""
    actual_before: Decimal
    actual_after: Decimal
    actual_change: Decimal
    committed_before: Decimal
    committed_after: Decimal
    committed_change: Decimal


@dataclass(frozen=True, slots=True)
class KpiMove:
    """A KPI whose latest reading changed (a new reading, or a corrected one)."""

    kpi_id: str
    name: str
    unit: str
    from_reading: Reading | None
    to_reading: Reading | None
    direction: Direction | None
    """By polarity; ``None`` without both readings."""
    from_rating: KpiRating | None
    """``None`` when the KPI did not exist before."""
    to_rating: KpiRating


@dataclass(frozen=True, slots=True)
class RecommendationMove:
    number: int
    text: str
    from_state: CoverageState | None
    """``None`` when the recommendation was not in the plan before."""
    to_state: CoverageState


@dataclass(frozen=True, slots=True)
class Comparison:
    """Every change between two states of one plan, each list in the plan's order."""

    plan_id: str
    before_as_of: date
    after_as_of: date
    newly_complete: tuple[CompletedAction, ...]
    rag_up: tuple[RagMove, ...]
    rag_down: tuple[RagMove, ...]
    rag_other: tuple[RagMove, ...]
    """RAG first assessed or cleared: to or from unassessed, so neither up nor down."""
    newly_overdue: tuple[OverdueAction, ...]
    due_dates_moved: tuple[DueDateMove, ...]
    progress_moved: tuple[ProgressMove, ...]
    actions_added: tuple[ActionBrief, ...]
    actions_removed: tuple[ActionBrief, ...]
    newly_cancelled: tuple[ActionBrief, ...]
    reinstated: tuple[ActionBrief, ...]
    """Cancelled before, live again after."""
    spend_by_financial_year: tuple[SpendMove, ...]
    spend_by_theme: tuple[SpendMove, ...]
    kpis_moved: tuple[KpiMove, ...]
    recommendations_newly_covered: tuple[RecommendationMove, ...]
    recommendations_newly_actions_complete: tuple[RecommendationMove, ...]
    recommendations_newly_uncovered: tuple[RecommendationMove, ...]
    before: SnapshotHeader | None = None
    """The snapshot compared from, when the comparison is of snapshots."""
    after: SnapshotHeader | None = None

    CHANGE_FIELDS: ClassVar[tuple[str, ...]] = (
        "newly_complete",
        "rag_up",
        "rag_down",
        "rag_other",
        "newly_overdue",
        "due_dates_moved",
        "progress_moved",
        "actions_added",
        "actions_removed",
        "newly_cancelled",
        "reinstated",
        "spend_by_financial_year",
        "spend_by_theme",
        "kpis_moved",
        "recommendations_newly_covered",
        "recommendations_newly_actions_complete",
        "recommendations_newly_uncovered",
    )
    """The change categories, in the order a board walks them."""

    @property
    def is_empty(self) -> bool:
        """Nothing changed in any category."""
        return not any(getattr(self, name) for name in self.CHANGE_FIELDS)


def _brief(action: Action) -> ActionBrief:
    return ActionBrief(ref=action.ref, title=action.title, theme=action.theme)


def _action_changes(before: Plan, after: Plan) -> dict[str, list[Any]]:
    old = {action.ref: action for action in before.actions}
    changes: dict[str, list[Any]] = {
        name: []
        for name in (
            "newly_complete",
            "rag_up",
            "rag_down",
            "rag_other",
            "due_dates_moved",
            "progress_moved",
            "actions_added",
            "newly_cancelled",
            "reinstated",
        )
    }
    for action in after.actions:
        brief = _brief(action)
        previous = old.get(action.ref)
        if previous is None:
            changes["actions_added"].append(brief)
        if action.status is Status.COMPLETE and (previous is None or previous.status is not Status.COMPLETE):
            changes["newly_complete"].append(CompletedAction(brief, action.completed_on))
        if previous is None:
            continue
        if is_live(previous) and not is_live(action):
            changes["newly_cancelled"].append(brief)
        elif not is_live(previous) and is_live(action):
            changes["reinstated"].append(brief)
        if not (is_live(previous) and is_live(action)):
            continue
        if previous.rag != action.rag:
            move = RagMove(brief, previous.rag, action.rag)
            if previous.rag is None or action.rag is None:
                changes["rag_other"].append(move)
            else:
                changes["rag_up" if action.rag.rank > previous.rag.rank else "rag_down"].append(move)
        if previous.due_on != action.due_on:
            days = (
                (action.due_on - previous.due_on).days
                if previous.due_on is not None and action.due_on is not None
                else None
            )
            changes["due_dates_moved"].append(DueDateMove(brief, previous.due_on, action.due_on, days))
        if previous.progress != action.progress:
            changes["progress_moved"].append(
                ProgressMove(brief, previous.progress, action.progress, action.progress - previous.progress)
            )
    return changes


def _newly_overdue(before: Plan, before_as_of: date, after: Plan, after_as_of: date) -> list[OverdueAction]:
    was_overdue = {deadline.action.ref for deadline in overdue_actions(before, before_as_of)}
    late_now = {deadline.action.ref: deadline for deadline in overdue_actions(after, after_as_of)}
    return [
        OverdueAction(_brief(action), deadline.due_on, deadline.days_overdue)
        for action in after.actions
        if (deadline := late_now.get(action.ref)) is not None and action.ref not in was_overdue
    ]


def _spend_moves(
    keys: Iterable[str],
    names: dict[str, str],
    before: dict[str, SpentAndCommitted],
    after: dict[str, SpentAndCommitted],
) -> list[SpendMove]:
    nothing = SpentAndCommitted(ZERO, ZERO)
    moves = []
    for key in keys:
        old, new = before.get(key, nothing), after.get(key, nothing)
        if old.actual == new.actual and old.committed == new.committed:
            continue
        moves.append(
            SpendMove(
                key=key,
                name=names.get(key, key),
                actual_before=old.actual,
                actual_after=new.actual,
                actual_change=new.actual - old.actual,
                committed_before=old.committed,
                committed_after=new.committed,
                committed_change=new.committed - old.committed,
            )
        )
    return moves


def _ordered_union(*key_lists: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for keys in key_lists:
        seen.update(dict.fromkeys(keys))
    return list(seen)


def _spend_changes(before: Plan, after: Plan) -> tuple[list[SpendMove], list[SpendMove]]:
    old: SpendTotals = spend_totals(before)
    new: SpendTotals = spend_totals(after)
    years = sorted(set(old.by_financial_year) | set(new.by_financial_year))
    by_year = _spend_moves(years, {}, dict(old.by_financial_year), dict(new.by_financial_year))
    theme_names = {theme.key: theme.name for theme in before.themes}
    theme_names.update({theme.key: theme.name for theme in after.themes})
    theme_names[UNASSIGNED] = "Unassigned"
    themes = _ordered_union((t.key for t in after.themes), (t.key for t in before.themes), [UNASSIGNED])
    by_theme = _spend_moves(themes, theme_names, dict(old.by_theme), dict(new.by_theme))
    return by_year, by_theme


def _same_reading(first: Reading | None, second: Reading | None) -> bool:
    if first is None or second is None:
        return first is second
    return (first.on, first.value) == (second.on, second.value)


def _kpi_moves(before: Plan, before_as_of: date, after: Plan, after_as_of: date) -> list[KpiMove]:
    old: dict[str, Kpi] = {kpi.id: kpi for kpi in before.kpis}
    moves = []
    for kpi in after.kpis:
        now = kpi_status(kpi, after_as_of)
        then = kpi_status(old[kpi.id], before_as_of) if kpi.id in old else None
        from_reading = then.latest if then is not None else None
        if _same_reading(from_reading, now.latest):
            continue
        direction = (
            direction_of_travel(kpi.polarity, from_reading, now.latest)
            if from_reading is not None and now.latest is not None
            else None
        )
        moves.append(
            KpiMove(
                kpi_id=kpi.id,
                name=kpi.name,
                unit=kpi.unit,
                from_reading=from_reading,
                to_reading=now.latest,
                direction=direction,
                from_rating=then.rating if then is not None else None,
                to_rating=now.rating,
            )
        )
    return moves


def _recommendation_changes(before: Plan, after: Plan) -> dict[str, list[RecommendationMove]]:
    old = {item.number: item.state for item in recommendation_coverage(before).recommendations}
    changes: dict[str, list[RecommendationMove]] = {"covered": [], "complete": [], "uncovered": []}
    for item in recommendation_coverage(after).recommendations:
        previous = old.get(item.number)
        if previous is item.state:
            continue
        move = RecommendationMove(item.number, item.text, previous, item.state)
        if item.state is CoverageState.GAP:
            changes["uncovered"].append(move)
        elif previous is None or previous is CoverageState.GAP:
            changes["covered"].append(move)
        if item.state is CoverageState.ACTIONS_COMPLETE:
            changes["complete"].append(move)
    return changes


def compare_plans(before: Plan, before_as_of: date, after: Plan, after_as_of: date) -> Comparison:
    """Everything that changed from ``before`` (assessed on ``before_as_of``) to ``after``.

    Both must be the same plan (the same id); dates may be equal or in either order.
    """
    if before.id != after.id:
        raise ValueError(f"cannot compare different plans: {before.id!r} and {after.id!r}")
    actions = _action_changes(before, after)
    new_refs = {action.ref for action in after.actions}
    by_year, by_theme = _spend_changes(before, after)
    recommendations = _recommendation_changes(before, after)
    return Comparison(
        plan_id=after.id,
        before_as_of=before_as_of,
        after_as_of=after_as_of,
        newly_complete=tuple(actions["newly_complete"]),
        rag_up=tuple(actions["rag_up"]),
        rag_down=tuple(actions["rag_down"]),
        rag_other=tuple(actions["rag_other"]),
        newly_overdue=tuple(_newly_overdue(before, before_as_of, after, after_as_of)),
        due_dates_moved=tuple(actions["due_dates_moved"]),
        progress_moved=tuple(actions["progress_moved"]),
        actions_added=tuple(actions["actions_added"]),
        actions_removed=tuple(_brief(action) for action in before.actions if action.ref not in new_refs),
        newly_cancelled=tuple(actions["newly_cancelled"]),
        reinstated=tuple(actions["reinstated"]),
        spend_by_financial_year=tuple(by_year),
        spend_by_theme=tuple(by_theme),
        kpis_moved=tuple(_kpi_moves(before, before_as_of, after, after_as_of)),
        recommendations_newly_covered=tuple(recommendations["covered"]),
        recommendations_newly_actions_complete=tuple(recommendations["complete"]),
        recommendations_newly_uncovered=tuple(recommendations["uncovered"]),
    )


def compare_snapshots(before: Snapshot, after: Snapshot) -> Comparison:
    """:func:`compare_plans` of two snapshots, each on its own ``as_of``, naming both."""
    comparison = compare_plans(before.plan, before.as_of, after.plan, after.as_of)
    return dataclasses.replace(comparison, before=before.header, after=after.header)


def compare(before: Snapshot | Plan, after: Snapshot | Plan, *, as_of: date | None = None) -> Comparison:
    """Compare snapshots or plans; a bare plan is assessed on ``as_of`` (required for one)."""

    def state(item: Snapshot | Plan) -> tuple[Plan, date]:
        if isinstance(item, Snapshot):
            return item.plan, item.as_of
        if as_of is None:
            raise ValueError("comparing a plan (not a snapshot) needs as_of")
        return item, as_of

    if isinstance(before, Snapshot) and isinstance(after, Snapshot):
        return compare_snapshots(before, after)
    comparison = compare_plans(*state(before), *state(after))
    return dataclasses.replace(
        comparison,
        before=before.header if isinstance(before, Snapshot) else None,
        after=after.header if isinstance(after, Snapshot) else None,
    )


def _json(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    if isinstance(value, Reading):
        return {"on": value.on.isoformat(), "value": f"{value.value:f}", "label": value.label}
    if isinstance(value, SnapshotHeader):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: _json(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_json(item) for item in value]
    raise TypeError(f"no JSON form for {type(value).__name__}")


def comparison_to_json(comparison: Comparison) -> dict[str, Any]:
    """The comparison as plain JSON types: money and KPI values as strings, dates ISO.

    Money keeps two decimals (``"-1250.00"``); every change category is present, as an
    empty list when nothing moved, plus ``is_empty``.
    """
    result = _json(comparison)
    assert isinstance(result, dict)
    result["is_empty"] = comparison.is_empty
    return result
