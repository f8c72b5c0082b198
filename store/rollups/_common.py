"""Small helpers shared by the roll-up modules: money sums, percentages, and the one definition
of a live, an open and an overdue action (everything else, in store/ and tui/, asks these)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from store.models import Action, Status
from store.money import PENNY, ZERO

UNASSIGNED = "unassigned"
"""Theme key used in money breakdowns for allocations that name no theme."""

PERCENT_STEP = Decimal("0.1")
"""Percentages are rounded half-up to one decimal place: enough for a dashboard, stable in tests."""

CLOSED_STATUSES = frozenset({Status.COMPLETE, Status.CANCELLED})
"""Statuses whose due date no longer matters."""


def is_live(action: Action) -> bool:
    """A live action counts in the plan; a cancelled one is kept for the record only."""
    return action.status is not Status.CANCELLED


def is_open(action: Action) -> bool:
    """Still to be done: neither complete nor cancelled (see :data:`CLOSED_STATUSES`)."""
    return action.status not in CLOSED_STATUSES


def open_due_on(action: Action) -> date | None:
    """The due date of an action that is still open; ``None`` once it is closed or has none."""
    return action.due_on if action.status not in CLOSED_STATUSES else None


def is_overdue(action: Action, as_of: date) -> bool:
    """Open and due strictly before ``as_of``: an action due on ``as_of`` itself is not late."""
    due_on = open_due_on(action)
    return due_on is not None and due_on < as_of


def money_sum(amounts: Iterable[Decimal]) -> Decimal:
    """Exact sum of pounds, always with two decimals (``0.00`` when empty)."""
    return sum(amounts, ZERO).quantize(PENNY)


def percent(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """``part`` as a percentage of ``whole``, one decimal place; ``None`` when ``whole`` is zero."""
    if whole == 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(PERCENT_STEP, rounding=ROUND_HALF_UP)


def mean_percent(values: Iterable[int]) -> Decimal | None:
    """Mean of 0-100 values to one decimal place; ``None`` when there are none."""
    numbers = list(values)
    if not numbers:
        return None
    return (Decimal(sum(numbers)) / len(numbers)).quantize(PERCENT_STEP, rounding=ROUND_HALF_UP)
