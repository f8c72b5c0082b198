"""The whole-plan summary the dashboard, command line and exports share, and its JSON form."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

from pydantic import BaseModel

from store.models import Action, Kpi, MonitoringLine, Plan
from store.money import ZERO, money_text
from store.rollups.actions import (
    ActionDeadline,
    ProgressCounts,
    RagConflict,
    RagCounts,
    ThemeRollup,
    due_soon_actions,
    overdue_actions,
    progress_counts,
    rag_conflicts,
    rag_counts,
    theme_rollups,
)
from store.rollups.coverage import CoverageRollup, recommendation_coverage
from store.rollups.funding import (
    DEFAULT_SPEND_AHEAD_POINTS,
    AllocationSpend,
    AllocationTotals,
    FundingTable,
    SpendTotals,
    SpentAndCommitted,
    ThemeSpendProgress,
    allocation_spend,
    allocation_totals,
    funding_by_year,
    spend_against_progress,
    spend_totals,
)
from store.rollups.kpis import KpiStatus, kpi_statuses
from store.rollups.monitoring import MonitoringReport, budget_monitoring, monitoring_periods


@dataclass(frozen=True, slots=True)
class PlanSummary:
    """Every roll-up of one plan on one day, computed once and shared by all the views."""

    plan_id: str
    plan_name: str
    authority: str
    as_of: date
    progress: ProgressCounts
    rag: RagCounts
    themes: tuple[ThemeRollup, ...]
    overdue: tuple[ActionDeadline, ...]
    due_within_days: int
    due_soon: tuple[ActionDeadline, ...]
    rag_conflicts: tuple[RagConflict, ...]
    coverage: CoverageRollup
    allocations: AllocationTotals
    spend: SpendTotals
    allocation_spend: tuple[AllocationSpend, ...]
    spend_ahead_points: Decimal
    spend_against_progress: tuple[ThemeSpendProgress, ...]
    monitoring_periods: tuple[str, ...]
    monitoring: MonitoringReport | None
    """The latest monitoring period; ``None`` when the plan has no monitoring lines."""
    kpis: tuple[KpiStatus, ...]

    @property
    def funding_by_year(self) -> FundingTable:
        """Allocated, spent and committed by financial year, every year with either, and the total.

        Derived from ``allocations`` and ``spend`` (a handful of years), so the JSON form, which
        carries both, is unchanged."""
        return funding_by_year(self.allocations, self.spend)


def plan_summary(
    plan: Plan,
    as_of: date,
    *,
    due_within_days: int = 30,
    spend_ahead_points: Decimal | int = DEFAULT_SPEND_AHEAD_POINTS,
    variance_tolerance: Decimal = ZERO,
) -> PlanSummary:
    """Gather every roll-up of ``plan`` as it stands on ``as_of``."""
    return PlanSummary(
        plan_id=plan.id,
        plan_name=plan.name,
        authority=plan.authority,
        as_of=as_of,
        progress=progress_counts(plan.actions),
        rag=rag_counts(plan.actions),
        themes=theme_rollups(plan),
        overdue=overdue_actions(plan, as_of),
        due_within_days=due_within_days,
        due_soon=due_soon_actions(plan, as_of, due_within_days),
        rag_conflicts=rag_conflicts(plan, as_of),
        coverage=recommendation_coverage(plan),
        allocations=allocation_totals(plan),
        spend=spend_totals(plan),
        allocation_spend=allocation_spend(plan),
        spend_ahead_points=Decimal(spend_ahead_points),
        spend_against_progress=spend_against_progress(plan, spend_ahead_points),
        monitoring_periods=monitoring_periods(plan),
        monitoring=budget_monitoring(plan, tolerance=variance_tolerance),
        kpis=kpi_statuses(plan, as_of),
    )


_DERIVED_FIELDS: dict[type, tuple[str, ...]] = {
    RagCounts: ("total",),
    SpentAndCommitted: ("total",),
    ActionDeadline: ("days_overdue",),
}
"""Properties worth writing out beside a dataclass's fields."""


def _action_json(action: Action) -> dict[str, Any]:
    """The parts of an action a summary reader needs; the full record lives in the plan file."""
    # Built by hand, in the model's field order: actions recur in many lists of a summary and
    # pydantic's serialiser is the slowest step of a 10,000-action JSON pack.
    return {
        "ref": action.ref,
        "theme": action.theme,
        "title": action.title,
        "owner": action.owner,
        "due_on": action.due_on.isoformat() if action.due_on else None,
        "completed_on": action.completed_on.isoformat() if action.completed_on else None,
        "status": action.status._value_,  # not .value: a Python property, slow 20,000 times over
        "rag": action.rag._value_ if action.rag else None,
        "progress": action.progress,
    }


def _kpi_json(kpi: Kpi) -> dict[str, Any]:
    return kpi.model_dump(mode="json", include={"id", "name", "unit", "polarity", "tolerance"})


Handler = Callable[["_JsonWriter", Any], Any]


def _handler(kind: type) -> Handler:
    """How to write one type of value; looked up once per type (a summary holds ~50,000)."""
    if issubclass(kind, Enum):  # before str: a StrEnum is a str but not a plain one
        return lambda _, value: value._value_  # not .value: a Python property, slow when so many
    if kind is type(None) or issubclass(kind, bool | int | str):
        return lambda _, value: value
    if issubclass(kind, Decimal):
        return lambda _, value: f"{value:f}"
    if issubclass(kind, date):
        return lambda _, value: value.isoformat()
    if issubclass(kind, Action):
        return lambda writer, value: writer.action(value)
    if issubclass(kind, Kpi):
        return lambda _, value: _kpi_json(value)
    if issubclass(kind, MonitoringLine):
        return lambda _, value: {**value.model_dump(mode="json"), "variance": money_text(value.variance)}
    if issubclass(kind, BaseModel):
        return lambda _, value: value.model_dump(mode="json")
    if dataclasses.is_dataclass(kind):
        names = (*(field.name for field in dataclasses.fields(kind)), *_DERIVED_FIELDS.get(kind, ()))
        return lambda writer, value: {name: writer.write(getattr(value, name)) for name in names}
    if issubclass(kind, Mapping):
        return lambda writer, value: {writer.write(key): writer.write(item) for key, item in value.items()}
    if issubclass(kind, tuple | list):
        return lambda writer, value: [writer.write(item) for item in value]
    raise TypeError(f"no JSON form for {kind.__name__}")


_HANDLERS: dict[type, Handler] = {}


class _JsonWriter:
    """Writes one summary; an action listed several times (overdue, due soon, by theme…) is
    written once and its dict shared."""

    def __init__(self) -> None:
        self.actions: dict[int, dict[str, Any]] = {}

    def write(self, value: Any) -> Any:
        kind = type(value)
        handler = _HANDLERS.get(kind)
        if handler is None:
            handler = _HANDLERS[kind] = _handler(kind)
        return handler(self, value)

    def action(self, action: Action) -> dict[str, Any]:
        written = self.actions.get(id(action))
        if written is None:
            written = self.actions[id(action)] = _action_json(action)
        return written


def summary_to_json(summary: PlanSummary) -> dict[str, Any]:
    """The summary as plain JSON types, for exports and the command line.

    Every ``Decimal`` becomes a string so no float ever appears: money in pounds with two
    decimals (``"12181000.00"``), percentages with one (``"45.5"``), KPI values as entered.
    Dates are ISO strings, enums their values; actions and KPIs are cut to their headline
    fields, and monitoring lines gain their derived ``variance``.
    """
    result = _JsonWriter().write(summary)
    assert isinstance(result, dict)
    return result
