"""Recommendation coverage: which inspection recommendations the plan's actions address."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from store.models import Action, ImpactSignOff, Plan, Status
from store.rollups._common import is_live


class CoverageState(StrEnum):
    """A recommendation's state, derived from the live actions that address it."""

    GAP = "gap"
    """No live action addresses it."""
    IN_PROGRESS = "in_progress"
    """At least one live action addresses it and not all of them are complete."""
    ACTIONS_COMPLETE = "actions_complete"
    """Every live action that addresses it is complete."""

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


@dataclass(frozen=True, slots=True)
class RecommendationCoverage:
    """One recommendation with the actions that address it and its derived state."""

    number: int
    text: str
    actions: tuple[Action, ...]
    """Live actions that list this recommendation, in plan order."""
    cancelled_actions: tuple[Action, ...]
    """Cancelled actions that list it: shown for the record, they cover nothing."""
    state: CoverageState
    impact_evidenced: ImpactSignOff | None
    """The manual sign-off, independent of the derived state."""


@dataclass(frozen=True, slots=True)
class CoverageRollup:
    """Coverage of every recommendation, with the headline counts."""

    recommendations: tuple[RecommendationCoverage, ...]
    """In recommendation-number order."""
    total: int
    covered: int
    """Recommendations with at least one live action (in progress or actions complete)."""
    actions_complete: int
    impact_evidenced: int
    uncovered_numbers: tuple[int, ...]
    """Numbers of the gaps, ascending."""


def _state(live_actions: tuple[Action, ...]) -> CoverageState:
    if not live_actions:
        return CoverageState.GAP
    if all(action.status is Status.COMPLETE for action in live_actions):
        return CoverageState.ACTIONS_COMPLETE
    return CoverageState.IN_PROGRESS


def recommendation_coverage(plan: Plan) -> CoverageRollup:
    """Trace each recommendation to its actions; a cancelled action never covers anything."""
    items = []
    by_number: dict[int, list[Action]] = {}
    for action in plan.actions:  # one pass: a big plan has thousands of actions and hundreds of recs
        for number in action.recommendations:
            by_number.setdefault(number, []).append(action)
    for recommendation in sorted(plan.recommendations, key=lambda rec: rec.number):
        linked = by_number.get(recommendation.number, [])
        live = tuple(action for action in linked if is_live(action))
        items.append(
            RecommendationCoverage(
                number=recommendation.number,
                text=recommendation.text,
                actions=live,
                cancelled_actions=tuple(action for action in linked if not is_live(action)),
                state=_state(live),
                impact_evidenced=recommendation.impact_evidenced,
            )
        )
    gaps = tuple(item.number for item in items if item.state is CoverageState.GAP)
    return CoverageRollup(
        recommendations=tuple(items),
        total=len(items),
        covered=len(items) - len(gaps),
        actions_complete=sum(1 for item in items if item.state is CoverageState.ACTIONS_COMPLETE),
        impact_evidenced=sum(1 for item in items if item.impact_evidenced is not None),
        uncovered_numbers=gaps,
    )
