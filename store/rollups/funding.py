"""Funding roll-ups: allocations broken down every way, spend against them, spend against progress.

Every amount is an exact ``Decimal`` of pounds with two decimals. Breakdowns list only keys
that occur: financial years in date order, enum members in declaration order, themes in the
plan's order with :data:`UNASSIGNED` last. Every table with a total adds up: its rows sum to
the total in every column (a year with spend but nothing allocated is a row of its own).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import TypeVar

from store.models import (
    Allocation,
    FundingCategory,
    FundingKind,
    FundingSource,
    Plan,
    SpendEntry,
    SpendKind,
)
from store.money import ZERO
from store.rollups._common import UNASSIGNED, is_live, mean_percent, money_sum, percent

E = TypeVar("E", bound=Enum)

DEFAULT_SPEND_AHEAD_POINTS = Decimal("20")
"""Spend may run this many percentage points ahead of progress before a theme is flagged."""


@dataclass(frozen=True, slots=True)
class AllocationTotals:
    """Allocated money summed by year, source, category, kind and theme; each sums to ``total``."""

    total: Decimal
    by_financial_year: Mapping[str, Decimal]
    by_source: Mapping[FundingSource, Decimal]
    by_category: Mapping[FundingCategory, Decimal]
    by_kind: Mapping[FundingKind, Decimal]
    by_theme: Mapping[str, Decimal]
    """Theme key, or :data:`UNASSIGNED` for allocations with no theme."""


@dataclass(frozen=True, slots=True)
class SpentAndCommitted:
    """Actual spend and commitments side by side."""

    actual: Decimal
    committed: Decimal

    @property
    def total(self) -> Decimal:
        return self.actual + self.committed


@dataclass(frozen=True, slots=True)
class SpendTotals:
    """Spend entries summed overall, by year, by allocation and by the allocation's theme."""

    total: SpentAndCommitted
    by_financial_year: Mapping[str, SpentAndCommitted]
    """The spend entry's own financial year."""
    by_allocation: Mapping[str, SpentAndCommitted]
    """Allocation id, in plan order; allocations with no spend are left out."""
    by_theme: Mapping[str, SpentAndCommitted]
    """The theme of the allocation spent against, or :data:`UNASSIGNED`."""


@dataclass(frozen=True, slots=True)
class AllocationSpend:
    """One allocation with what has been spent and committed against it."""

    allocation: Allocation
    actual: Decimal
    committed: Decimal
    remaining: Decimal
    """Allocated less actual less committed; negative when over-committed."""
    spent_percent: Decimal | None
    """Actual spend as a percentage of the allocation; ``None`` unless the allocation is positive."""
    spent_or_committed_percent: Decimal | None


@dataclass(frozen=True, slots=True)
class ThemeSpendProgress:
    """A theme's spend rate beside its delivery progress, flagged when spend runs ahead."""

    theme_key: str
    theme_name: str
    allocated: Decimal
    """Net of budget reductions, every year and source."""
    spent: Decimal
    """Actual spend only; commitments are not yet money out of the door."""
    spent_percent: Decimal | None
    """``None`` unless ``allocated`` is positive."""
    mean_progress: Decimal | None
    """Mean progress of the theme's live actions; ``None`` when it has none."""
    points_ahead: Decimal | None
    """``spent_percent - mean_progress``; ``None`` when either is missing."""
    spend_ahead: bool
    """``points_ahead`` exceeds the threshold."""


@dataclass(frozen=True, slots=True)
class FundingLine:
    """One row of a money table: what was allocated, actually spent and committed."""

    name: str
    allocated: Decimal
    actual: Decimal
    committed: Decimal


@dataclass(frozen=True, slots=True)
class FundingTable:
    """Rows of money with their total; the rows add up to ``total`` in every column."""

    rows: tuple[FundingLine, ...]
    total: FundingLine


@dataclass(frozen=True, slots=True)
class FundingGroup:
    """Allocations grouped one way ("Year", "Source", "Category", "Kind"), with spend against them."""

    heading: str
    rows: tuple[FundingLine, ...]


@dataclass(frozen=True, slots=True)
class AllocationBreakdown:
    """Allocations and the spend against them grouped four ways; each group adds up to ``total``."""

    groups: tuple[FundingGroup, ...]
    total: FundingLine


TOTAL = "Total"
"""The name of a table's total line."""


def _in_enum_order(enum: type[E], sums: Mapping[E, Decimal]) -> dict[E, Decimal]:
    return {member: sums[member] for member in enum if member in sums}


def _theme_order(plan: Plan, keys: Iterable[str]) -> list[str]:
    present = set(keys)
    ordered = [theme.key for theme in plan.themes if theme.key in present]
    return ordered + ([UNASSIGNED] if UNASSIGNED in present and UNASSIGNED not in ordered else [])


def _theme_of(allocation: Allocation) -> str:
    return allocation.theme if allocation.theme is not None else UNASSIGNED


def allocation_totals(
    plan: Plan,
    *,
    source: FundingSource | None = None,
    kind: FundingKind | None = None,
    financial_year: str | None = None,
) -> AllocationTotals:
    """Sum the plan's allocations, optionally only those of one source, kind or financial year."""
    chosen = [
        allocation
        for allocation in plan.allocations
        if (source is None or allocation.source is source)
        and (kind is None or allocation.kind is kind)
        and (financial_year is None or allocation.financial_year == financial_year)
    ]
    by_year: dict[str, Decimal] = defaultdict(lambda: ZERO)
    by_source: dict[FundingSource, Decimal] = defaultdict(lambda: ZERO)
    by_category: dict[FundingCategory, Decimal] = defaultdict(lambda: ZERO)
    by_kind: dict[FundingKind, Decimal] = defaultdict(lambda: ZERO)
    by_theme: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for allocation in chosen:
        by_year[allocation.financial_year] += allocation.amount
        by_source[allocation.source] += allocation.amount
        by_category[allocation.category] += allocation.amount
        by_kind[allocation.kind] += allocation.amount
        by_theme[_theme_of(allocation)] += allocation.amount
    return AllocationTotals(
        total=money_sum(allocation.amount for allocation in chosen),
        by_financial_year={year: by_year[year] for year in sorted(by_year)},
        by_source=_in_enum_order(FundingSource, by_source),
        by_category=_in_enum_order(FundingCategory, by_category),
        by_kind=_in_enum_order(FundingKind, by_kind),
        by_theme={key: by_theme[key] for key in _theme_order(plan, by_theme)},
    )


def _pair(entries: Iterable[SpendEntry]) -> SpentAndCommitted:
    chosen = list(entries)
    return SpentAndCommitted(
        actual=money_sum(entry.amount for entry in chosen if entry.kind is SpendKind.ACTUAL),
        committed=money_sum(entry.amount for entry in chosen if entry.kind is SpendKind.COMMITMENT),
    )


def spend_totals(plan: Plan) -> SpendTotals:
    """Sum actual spend and commitments overall, by year, by allocation and by theme."""
    theme_of_allocation = {allocation.id: _theme_of(allocation) for allocation in plan.allocations}
    by_year: dict[str, list[SpendEntry]] = defaultdict(list)
    by_allocation: dict[str, list[SpendEntry]] = defaultdict(list)
    by_theme: dict[str, list[SpendEntry]] = defaultdict(list)
    for entry in plan.spend:
        by_year[entry.financial_year].append(entry)
        by_allocation[entry.allocation].append(entry)
        by_theme[theme_of_allocation[entry.allocation]].append(entry)
    return SpendTotals(
        total=_pair(plan.spend),
        by_financial_year={year: _pair(by_year[year]) for year in sorted(by_year)},
        by_allocation={
            allocation.id: _pair(by_allocation[allocation.id])
            for allocation in plan.allocations
            if allocation.id in by_allocation
        },
        by_theme={key: _pair(by_theme[key]) for key in _theme_order(plan, by_theme)},
    )


def _positive_percent(part: Decimal, whole: Decimal) -> Decimal | None:
    return percent(part, whole) if whole > 0 else None


def allocation_spend(plan: Plan) -> tuple[AllocationSpend, ...]:
    """Every allocation, in plan order, with its spend, commitments and spend percentage."""
    totals = spend_totals(plan).by_allocation
    rows = []
    for allocation in plan.allocations:
        spent = totals.get(allocation.id, SpentAndCommitted(ZERO, ZERO))
        rows.append(
            AllocationSpend(
                allocation=allocation,
                actual=spent.actual,
                committed=spent.committed,
                remaining=allocation.amount - spent.total,
                spent_percent=_positive_percent(spent.actual, allocation.amount),
                spent_or_committed_percent=_positive_percent(spent.total, allocation.amount),
            )
        )
    return tuple(rows)


def spend_against_progress(
    plan: Plan, threshold_points: Decimal | int = DEFAULT_SPEND_AHEAD_POINTS
) -> tuple[ThemeSpendProgress, ...]:
    """Per theme, actual spend as a share of allocation beside mean progress of live actions.

    A theme is flagged when its spend percentage is more than ``threshold_points`` above its
    progress: money going out faster than the work is getting done.
    """
    allocated = allocation_totals(plan).by_theme
    spent = spend_totals(plan).by_theme
    live_progress: dict[str, list[int]] = {}
    for action in plan.actions:
        if is_live(action):
            live_progress.setdefault(action.theme, []).append(action.progress)
    rows = []
    for theme in plan.themes:
        theme_allocated = allocated.get(theme.key, ZERO)
        theme_spent = spent[theme.key].actual if theme.key in spent else ZERO
        spent_percent = _positive_percent(theme_spent, theme_allocated)
        progress = mean_percent(live_progress.get(theme.key, []))
        ahead = None if spent_percent is None or progress is None else spent_percent - progress
        rows.append(
            ThemeSpendProgress(
                theme_key=theme.key,
                theme_name=theme.name,
                allocated=theme_allocated,
                spent=theme_spent,
                spent_percent=spent_percent,
                mean_progress=progress,
                points_ahead=ahead,
                spend_ahead=ahead is not None and ahead > Decimal(threshold_points),
            )
        )
    return tuple(rows)


def funding_by_year(allocations: AllocationTotals, spend: SpendTotals) -> FundingTable:
    """Allocated, actually spent and committed in each financial year, with the total.

    Spend counts in the year it was spent, whatever year its allocation belongs to, so a year
    can have spend and nothing allocated: it is still a row (allocated zero), and every year
    that holds either appears, earliest first. The rows add up to the total in each column.
    """
    years = sorted(set(allocations.by_financial_year) | set(spend.by_financial_year))
    nothing = SpentAndCommitted(ZERO, ZERO)
    rows = []
    for year in years:
        spent = spend.by_financial_year.get(year, nothing)
        rows.append(
            FundingLine(
                name=year,
                allocated=allocations.by_financial_year.get(year, ZERO),
                actual=spent.actual,
                committed=spent.committed,
            )
        )
    total = FundingLine(TOTAL, allocations.total, spend.total.actual, spend.total.committed)
    return FundingTable(rows=tuple(rows), total=total)


_BREAKDOWN_KEYS: tuple[tuple[str, Callable[[Allocation], str]], ...] = (
    ("Year", lambda allocation: allocation.financial_year),
    ("Source", lambda allocation: allocation.source.label),
    ("Category", lambda allocation: allocation.category.label),
    ("Kind", lambda allocation: allocation.kind.value.capitalize()),
)


def _line(name: str, rows: Iterable[AllocationSpend]) -> FundingLine:
    chosen = list(rows)
    return FundingLine(
        name=name,
        allocated=money_sum(row.allocation.amount for row in chosen),
        actual=money_sum(row.actual for row in chosen),
        committed=money_sum(row.committed for row in chosen),
    )


def allocation_breakdown(rows: Iterable[AllocationSpend]) -> AllocationBreakdown:
    """Allocations by year, source, category and revenue/capital, each with the spend against them.

    Unlike :func:`funding_by_year`, spend here belongs to the allocation it was spent against,
    in whatever year it was spent. Years are in date order; the other groups in order of first
    appearance. Each group's rows add up to ``total``.
    """
    chosen = list(rows)
    groups = []
    for heading, key in _BREAKDOWN_KEYS:
        members: dict[str, list[AllocationSpend]] = {}
        for row in chosen:
            members.setdefault(key(row.allocation), []).append(row)
        names = sorted(members) if heading == "Year" else list(members)
        groups.append(FundingGroup(heading, tuple(_line(name, members[name]) for name in names)))
    return AllocationBreakdown(groups=tuple(groups), total=_line(TOTAL, chosen))
