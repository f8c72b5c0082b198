"""Pure roll-ups over a :class:`~store.models.Plan`: progress, RAG, deadlines, coverage, money, KPIs.

Nothing here reads a clock or a file: every function that depends on the day takes ``as_of``.
Results are frozen dataclasses. The rules, in one place:

- Cancelled actions are counted as cancelled and left out of every other count, percentage,
  RAG tally, deadline list, conflict check and coverage.
- Percentages are ``Decimal`` rounded half-up to one decimal place, ``None`` when the
  denominator is zero (or, for money, not positive).
- Money is ``Decimal`` pounds with two decimals; allocations with no theme are reported
  under :data:`UNASSIGNED`.
- Overdue means an open action due strictly before ``as_of``; due soon means due from
  ``as_of`` to ``as_of + N`` days inclusive.
"""

from store.rollups._common import CLOSED_STATUSES, UNASSIGNED, is_live, is_open, is_overdue, open_due_on
from store.rollups.actions import (
    ActionDeadline,
    ProgressCounts,
    RagConflict,
    RagConflictKind,
    RagCounts,
    ThemeRollup,
    due_soon_actions,
    overdue_actions,
    progress_counts,
    rag_conflicts,
    rag_counts,
    theme_rollups,
)
from store.rollups.coverage import (
    CoverageRollup,
    CoverageState,
    RecommendationCoverage,
    recommendation_coverage,
)
from store.rollups.funding import (
    DEFAULT_SPEND_AHEAD_POINTS,
    AllocationBreakdown,
    AllocationSpend,
    AllocationTotals,
    FundingGroup,
    FundingLine,
    FundingTable,
    SpendTotals,
    SpentAndCommitted,
    ThemeSpendProgress,
    allocation_breakdown,
    allocation_spend,
    allocation_totals,
    funding_by_year,
    spend_against_progress,
    spend_totals,
)
from store.rollups.kpis import (
    Direction,
    KpiRating,
    KpiStatus,
    current_target,
    direction_of_travel,
    kpi_status,
    kpi_statuses,
)
from store.rollups.monitoring import (
    MonitoringGroup,
    MonitoringReport,
    MonitoringTotals,
    budget_monitoring,
    monitoring_periods,
    monitoring_totals,
)
from store.rollups.summary import PlanSummary, plan_summary, summary_to_json

__all__ = [
    "CLOSED_STATUSES",
    "DEFAULT_SPEND_AHEAD_POINTS",
    "UNASSIGNED",
    "ActionDeadline",
    "AllocationBreakdown",
    "AllocationSpend",
    "AllocationTotals",
    "CoverageRollup",
    "CoverageState",
    "Direction",
    "FundingGroup",
    "FundingLine",
    "FundingTable",
    "KpiRating",
    "KpiStatus",
    "MonitoringGroup",
    "MonitoringReport",
    "MonitoringTotals",
    "PlanSummary",
    "ProgressCounts",
    "RagConflict",
    "RagConflictKind",
    "RagCounts",
    "RecommendationCoverage",
    "SpendTotals",
    "SpentAndCommitted",
    "ThemeRollup",
    "ThemeSpendProgress",
    "allocation_breakdown",
    "allocation_spend",
    "allocation_totals",
    "budget_monitoring",
    "current_target",
    "direction_of_travel",
    "due_soon_actions",
    "funding_by_year",
    "is_live",
    "is_open",
    "is_overdue",
    "kpi_status",
    "kpi_statuses",
    "monitoring_periods",
    "monitoring_totals",
    "open_due_on",
    "overdue_actions",
    "plan_summary",
    "progress_counts",
    "rag_conflicts",
    "rag_counts",
    "recommendation_coverage",
    "spend_against_progress",
    "spend_totals",
    "summary_to_json",
    "theme_rollups",
]
