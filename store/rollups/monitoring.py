"""Budget monitoring: one period's service-area lines, their totals and group subtotals."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from store.models import MonitoringLine, Plan, monitoring_period_key
from store.money import PENNY, ZERO
from store.rollups._common import money_sum


@dataclass(frozen=True, slots=True)
class MonitoringTotals:
    """Budget, forecast, use of reserves and variance summed over some lines.

    Variance is forecast plus use of reserves less budget, so positive is an overspend.
    """

    budget: Decimal
    forecast: Decimal
    use_of_reserves: Decimal
    variance: Decimal


@dataclass(frozen=True, slots=True)
class MonitoringGroup:
    """The lines sharing one ``group`` heading, with their subtotal."""

    name: str
    lines: tuple[MonitoringLine, ...]
    totals: MonitoringTotals


@dataclass(frozen=True, slots=True)
class MonitoringReport:
    """One monitoring period: its lines in plan order, the total, group subtotals and exceptions."""

    period: str
    lines: tuple[MonitoringLine, ...]
    totals: MonitoringTotals
    groups: tuple[MonitoringGroup, ...]
    """Named groups in order of first appearance; top-level lines (empty group) are in none."""
    tolerance: Decimal
    over_tolerance: tuple[MonitoringLine, ...]
    """Lines whose variance, over or under, is strictly larger than ``tolerance``."""


def monitoring_totals(lines: Iterable[MonitoringLine]) -> MonitoringTotals:
    """Sum a set of monitoring lines; variance is derived from the sums, never stored."""
    chosen = list(lines)
    budget = money_sum(line.budget for line in chosen)
    forecast = money_sum(line.forecast for line in chosen)
    reserves = money_sum(line.use_of_reserves for line in chosen)
    return MonitoringTotals(
        budget=budget, forecast=forecast, use_of_reserves=reserves, variance=forecast + reserves - budget
    )


def monitoring_periods(plan: Plan) -> tuple[str, ...]:
    """The monitoring periods present in the plan, earliest first ("Month 2 2019/20" before "Month 10")."""
    return tuple(sorted({line.period for line in plan.monitoring}, key=monitoring_period_key))


def budget_monitoring(
    plan: Plan, period: str | None = None, *, tolerance: Decimal = ZERO
) -> MonitoringReport | None:
    """Roll up one monitoring period, the latest by default; ``None`` when the plan has none.

    Raises :class:`ValueError` for a period the plan does not hold or a negative tolerance.
    """
    if tolerance < 0:
        raise ValueError(f"tolerance must not be negative, not {tolerance}")
    periods = monitoring_periods(plan)
    if not periods:
        return None
    chosen = periods[-1] if period is None else period
    if chosen not in periods:
        raise ValueError(f"no monitoring lines for {chosen!r}; the plan has {', '.join(periods)}")
    lines = tuple(line for line in plan.monitoring if line.period == chosen)
    group_names = list(dict.fromkeys(line.group for line in lines if line.group))
    groups = []
    for name in group_names:
        members = tuple(line for line in lines if line.group == name)
        groups.append(MonitoringGroup(name=name, lines=members, totals=monitoring_totals(members)))
    return MonitoringReport(
        period=chosen,
        lines=lines,
        totals=monitoring_totals(lines),
        groups=tuple(groups),
        tolerance=tolerance.quantize(PENNY),
        over_tolerance=tuple(line for line in lines if abs(line.variance) > tolerance),
    )
