"""Scorecard status: each KPI's latest reading against its target, by polarity and tolerance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from store.models import Kpi, Plan, Polarity, Reading, Target
from store.money import financial_year_of


class KpiRating(StrEnum):
    """A KPI's colour against target, or why it has none."""

    GREEN = "green"
    """At or better than target."""
    AMBER = "amber"
    """Worse than target but within tolerance, or beyond it and improving."""
    RED = "red"
    """Worse than target by more than the tolerance and not improving."""
    NO_TARGET = "no_target"
    """No target for the current or a later financial year."""
    NO_DATA = "no_data"
    """A target but no reading or baseline dated on or before the day in question."""

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Direction(StrEnum):
    """Direction of travel between the two latest readings, respecting polarity."""

    IMPROVING = "improving"
    WORSENING = "worsening"
    STEADY = "steady"


@dataclass(frozen=True, slots=True)
class KpiStatus:
    """One KPI's standing on a given day."""

    kpi: Kpi
    target: Target | None
    """The target for the financial year containing the day, else the nearest later one."""
    latest: Reading | None
    """The last reading on or before the day, falling back to the baseline."""
    previous: Reading | None
    """The reading before ``latest`` (possibly the baseline); ``None`` when there is none."""
    direction: Direction | None
    """``None`` without both ``latest`` and ``previous``."""
    shortfall: Decimal | None
    """How far ``latest`` is worse than the target (zero when at or better); ``None`` without both."""
    rating: KpiRating


def current_target(kpi: Kpi, as_of: date) -> Target | None:
    """The target for the financial year containing ``as_of``, else the nearest later one, else none.

    Targets for years already past are not used: a missed old target says nothing about now.
    """
    this_year = financial_year_of(as_of)
    later = [target for target in kpi.targets if target.financial_year >= this_year]
    return min(later, key=lambda target: target.financial_year, default=None)


def _series_to(kpi: Kpi, as_of: date) -> list[Reading]:
    """Baseline then readings, dated on or before ``as_of``, oldest first (baseline first on a tie)."""
    series = ([kpi.baseline] if kpi.baseline is not None else []) + list(kpi.readings)
    return sorted((reading for reading in series if reading.on <= as_of), key=lambda reading: reading.on)


def _better_by(polarity: Polarity, value: Decimal, than: Decimal) -> Decimal:
    """How much better ``value`` is than ``than`` (negative when worse)."""
    return than - value if polarity is Polarity.LOWER_IS_BETTER else value - than


def direction_of_travel(polarity: Polarity, previous: Reading, latest: Reading) -> Direction:
    """Improving, worsening or steady from ``previous`` to ``latest``, by polarity."""
    change = _better_by(polarity, latest.value, previous.value)
    if change > 0:
        return Direction.IMPROVING
    if change < 0:
        return Direction.WORSENING
    return Direction.STEADY


def kpi_status(kpi: Kpi, as_of: date) -> KpiStatus:
    """Rate ``kpi`` on ``as_of``: green on target; red when beyond tolerance and not improving;
    otherwise amber. Without a target it is "no target"; with one but no data, "no data"."""
    series = _series_to(kpi, as_of)
    latest = series[-1] if series else None
    previous = series[-2] if len(series) >= 2 else None
    direction = (
        direction_of_travel(kpi.polarity, previous, latest)
        if latest is not None and previous is not None
        else None
    )
    target = current_target(kpi, as_of)
    shortfall = (
        max(Decimal(0), -_better_by(kpi.polarity, latest.value, target.value))
        if latest is not None and target is not None
        else None
    )
    if target is None:
        rating = KpiRating.NO_TARGET
    elif shortfall is None:
        rating = KpiRating.NO_DATA
    elif shortfall == 0:
        rating = KpiRating.GREEN
    elif shortfall > kpi.tolerance and direction is not Direction.IMPROVING:
        rating = KpiRating.RED
    else:
        rating = KpiRating.AMBER
    return KpiStatus(
        kpi=kpi,
        target=target,
        latest=latest,
        previous=previous,
        direction=direction,
        shortfall=shortfall,
        rating=rating,
    )


def kpi_statuses(plan: Plan, as_of: date) -> tuple[KpiStatus, ...]:
    """Every KPI's status on ``as_of``, in plan order."""
    return tuple(kpi_status(kpi, as_of) for kpi in plan.kpis)
