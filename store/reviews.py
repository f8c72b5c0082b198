"""The monthly change board: its agenda of exceptions, and closing a session with a snapshot.

:func:`build_agenda` is pure. It walks the plan as it stands on the board's day and lists
each action, recommendation, KPI or budget line that needs the board's attention, once,
with every reason it is there: red, overdue, RAG changed or newly complete since the last
snapshot, due before the next board, RAG that contradicts the dates, uncovered
recommendations, KPIs off target, and monitoring variances beyond a tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from store.compare import compare_plans
from store.dates import duration_words
from store.errors import NotFound, RuleBroken
from store.ids import next_id
from store.models import Action, AgendaKind, Plan, Rag, ReviewItem, ReviewSession, ReviewState
from store.money import ZERO, format_thousands
from store.repository import Repository, Transaction
from store.rollups import (
    budget_monitoring,
    kpi_statuses,
    overdue_actions,
    rag_conflicts,
    recommendation_coverage,
)
from store.rollups._common import is_live, open_due_on
from store.rollups.kpis import KpiRating

DEFAULT_WINDOW_DAYS = 30
"""Without a next board date, "due before the next board" means within this many days."""


@dataclass(frozen=True, slots=True)
class LastBoard:
    """The state the board saw last time: a snapshot's plan and its day."""

    plan: Plan
    as_of: date


class _Agenda:
    """Collects reasons per subject so each subject is one item, in first-seen order."""

    def __init__(self) -> None:
        self.items: dict[str, ReviewItem] = {}

    def add(self, subject: str, kind: AgendaKind, title: str, why: str) -> None:
        item = self.items.get(subject)
        if item is None:
            self.items[subject] = ReviewItem(subject=subject, kinds=[kind], title=title, why=why)
        elif kind not in item.kinds:
            self.items[subject] = item.model_copy(
                update={"kinds": [*item.kinds, kind], "why": f"{item.why}; {why}"}
            )


def build_agenda(
    plan: Plan,
    held_on: date,
    *,
    next_board_on: date | None = None,
    last_board: LastBoard | None = None,
    variance_tolerance: Decimal = ZERO,
) -> list[ReviewItem]:
    """The exceptions the board should walk through on ``held_on``, most pressing first."""
    agenda = _Agenda()
    horizon = next_board_on or (
        held_on + timedelta(days=DEFAULT_WINDOW_DAYS)
        if (date.max - held_on).days >= DEFAULT_WINDOW_DAYS
        else date.max
    )
    live = [action for action in plan.actions if is_live(action)]
    for action in live:
        if action.rag is Rag.RED:
            agenda.add(action.ref, AgendaKind.RED, action.title, "rated red by its owner")
    for deadline in overdue_actions(plan, held_on):
        action = deadline.action
        agenda.add(
            action.ref,
            AgendaKind.OVERDUE,
            action.title,
            f"{duration_words(-deadline.days_to_due)} overdue (due {deadline.due_on:%d %b %Y})",
        )
    if last_board is not None:
        changes = compare_plans(last_board.plan, last_board.as_of, plan, held_on)
        completed = {done.action.ref for done in changes.newly_complete}
        for done in changes.newly_complete:
            agenda.add(
                done.action.ref,
                AgendaKind.NEWLY_COMPLETE,
                done.action.title,
                "completed since the last board",
            )
        for move in (*changes.rag_down, *changes.rag_up, *changes.rag_other):
            if move.action.ref in completed and move.to_rag is Rag.BLUE:
                continue  # turning blue is what completing means; one reason is enough
            before = move.from_rag.label if move.from_rag else "unassessed"
            after = move.to_rag.label if move.to_rag else "unassessed"
            agenda.add(
                move.action.ref,
                AgendaKind.RAG_CHANGED,
                move.action.title,
                f"RAG {before} → {after} since the last board",
            )
    for action in live:
        due_on = open_due_on(action)
        if due_on is not None and held_on <= due_on <= horizon:
            agenda.add(
                action.ref,
                AgendaKind.DUE_BEFORE_NEXT,
                action.title,
                f"due {action.due_on:%d %b %Y}, before the next board",
            )
    for conflict in rag_conflicts(plan, held_on):
        agenda.add(conflict.action.ref, AgendaKind.RAG_CONFLICT, conflict.action.title, conflict.reason)
    coverage = recommendation_coverage(plan)
    for number in coverage.uncovered_numbers:
        text = next((rec.text for rec in plan.recommendations if rec.number == number), "")
        agenda.add(
            f"rec {number}",
            AgendaKind.UNCOVERED,
            text or f"Recommendation {number}",
            "no live action addresses it",
        )
    for status in kpi_statuses(plan, held_on):
        if status.rating in (KpiRating.RED, KpiRating.AMBER) and status.latest and status.target:
            agenda.add(
                status.kpi.id,
                AgendaKind.KPI_OFF_TARGET,
                status.kpi.name,
                f"{status.rating.value}: latest {status.latest.value:f} against target "
                f"{status.target.value:f} ({status.target.financial_year})",
            )
    report = budget_monitoring(plan, tolerance=variance_tolerance)
    if report is not None:
        for line in report.over_tolerance:
            agenda.add(
                line.id,
                AgendaKind.VARIANCE,
                line.service_area,
                f"{report.period}: variance {format_thousands(line.variance)} £000"
                + (f" ({line.reason})" if line.reason else ""),
            )
    return list(agenda.items.values())


def next_review_id(plan: Plan) -> str:
    """``R0001``, ``R0002``, … in the order sessions were started."""
    return next_id("R", (review.id for review in plan.reviews), 4)


def start_session(
    plan: Plan,
    held_on: date,
    *,
    board: str | None = None,
    chair: str | None = None,
    attendees: list[str] | None = None,
    next_board_on: date | None = None,
    last_board: LastBoard | None = None,
    variance_tolerance: Decimal = ZERO,
) -> ReviewSession:
    """A new open session with its agenda built from the plan's exceptions."""
    governance = plan.governance
    return ReviewSession(
        id=next_review_id(plan),
        held_on=held_on,
        board=board or (governance.board if governance else "Change board"),
        chair=chair if chair is not None else (governance.chair if governance else ""),
        attendees=attendees or [],
        next_board_on=next_board_on,
        items=build_agenda(
            plan,
            held_on,
            next_board_on=next_board_on,
            last_board=last_board,
            variance_tolerance=variance_tolerance,
        ),
    )


def closed(session: ReviewSession, *, snapshot_id: str, at: datetime) -> ReviewSession:
    """The session marked closed with its snapshot; closing twice is refused."""
    if session.state is ReviewState.CLOSED:
        raise ValueError(f"review session {session.id} is already closed")
    return session.model_copy(
        update={
            "state": ReviewState.CLOSED,
            "snapshot_id": snapshot_id,
            "closed_at": at,
        }
    )


# Running a session against the store ------------------------------------------------------


def last_board(repo: Repository, plan_id: str) -> LastBoard | None:
    """What the board saw last time: the plan's latest snapshot, if any."""
    latest = repo.snapshots.latest(plan_id, 1)
    if not latest:
        return None
    snapshot = repo.snapshots.get(latest[-1].id)
    return LastBoard(plan=snapshot.plan, as_of=snapshot.as_of)


def open_review(
    repo: Repository,
    plan_id: str,
    held_on: date,
    *,
    by: str,
    board: str | None = None,
    chair: str | None = None,
    attendees: list[str] | None = None,
    next_board_on: date | None = None,
    variance_tolerance: Decimal = ZERO,
) -> ReviewSession:
    """Start and save a session whose agenda compares the plan with the last snapshot.

    The agenda and the session's id come from the plan as stored when the lock is taken, so
    two sessions started at once get different ids. ``board`` defaults to the plan's board."""
    previous = last_board(repo, plan_id)
    with repo.transaction(by=by) as txn:
        session = start_session(
            repo.plan(plan_id),
            held_on,
            board=board,
            chair=chair,
            attendees=attendees,
            next_board_on=next_board_on,
            last_board=previous,
            variance_tolerance=variance_tolerance,
        )
        txn.add(plan_id, session)
    return session


def review(repo: Repository, plan_id: str, review_id: str) -> ReviewSession:
    for session in repo.plan(plan_id).reviews:
        if session.id == review_id:
            return session
    raise NotFound(f"no review session {review_id!r} in plan {plan_id}")


def describe_changes(changes: dict[str, Any], before: dict[str, Any]) -> str:
    """ "rag: amber → red; due_on: 2019-12-01 → 2020-01-31" for the item's outcome."""
    return "; ".join(f"{name}: {before.get(name) or '–'} → {value}" for name, value in changes.items())


def _open_session(txn: Transaction, plan_id: str, review_id: str) -> ReviewSession:
    """The latest stored session, refused once it is closed."""
    session = txn.get(plan_id, ReviewSession, review_id)
    if session.state is ReviewState.CLOSED:
        raise RuleBroken([f"review session {review_id} is closed and kept as a record; it cannot change"])
    return session


def record_item(
    repo: Repository,
    plan_id: str,
    review_id: str,
    subject: str,
    *,
    by: str,
    on: date,
    commentary: str | None = None,
    decision: str | None = None,
    changes: dict[str, Any] | None = None,
    due_reason: str | None = None,
) -> ReviewSession:
    """Record what the board said about one agenda item, and apply any change to its action.

    One transaction: the action's change (RAG, status, progress, due date with its reason,
    audited like any update, with the board's commentary as its note) and the board's record
    are stored together or not at all. Both apply to the latest stored state, so two people
    recording different items at once keep both."""
    with repo.transaction(by=by) as txn:
        session = _open_session(txn, plan_id, review_id)
        position = next((i for i, item in enumerate(session.items) if item.subject == subject), None)
        if position is None:
            raise NotFound(f"no agenda item {subject!r} in review session {review_id}")
        item = session.items[position]
        outcome = item.outcome
        if changes:
            before = txn.stored(plan_id, Action, subject)
            if before is None:
                raise RuleBroken([f"agenda item {subject!r} is not an action, so it has no fields to change"])
            updated = repo.apply_action_change(
                txn,
                plan_id,
                subject,
                changes,
                on=on,
                note=commentary or decision or None,
                due_reason=due_reason,
            )
            after = updated.model_dump(mode="json")
            moved = {name: after[name] for name in changes if after.get(name) != before.get(name)}
            outcome = "; ".join(part for part in (outcome, describe_changes(moved, before)) if part)
        items = list(session.items)
        items[position] = item.model_copy(
            update={
                "commentary": commentary if commentary is not None else item.commentary,
                "decision": decision if decision is not None else item.decision,
                "outcome": outcome,
            }
        )
        return txn.modify(
            plan_id, ReviewSession, review_id, lambda stored: stored.model_copy(update={"items": items})
        )


def add_decision(repo: Repository, plan_id: str, review_id: str, text: str, *, by: str) -> ReviewSession:
    """Record a decision not tied to one agenda item, after those already stored."""
    with repo.transaction(by=by) as txn:
        session = _open_session(txn, plan_id, review_id)
        return txn.modify(
            plan_id,
            ReviewSession,
            review_id,
            lambda stored: stored.model_copy(update={"decisions": [*session.decisions, text]}),
        )


def close_review(
    repo: Repository, plan_id: str, review_id: str, *, by: str, at: datetime, label: str | None = None
) -> ReviewSession:
    """Take the session's snapshot and keep the session closed and read-only, as one step.

    The snapshot is written first, marked with the session, and counts only once the
    session's close is stored (see :meth:`Repository.take_snapshot`): a close killed in
    between leaves the session open and no snapshot to be seen, and a retry takes it again."""
    with repo.transaction(by=by) as txn:
        session = txn.get(plan_id, ReviewSession, review_id)
        if session.state is ReviewState.CLOSED:
            raise RuleBroken([f"review session {review_id} is already closed"])
        header = repo.take_snapshot(
            plan_id,
            label=label or f"{session.board} — {session.held_on:%B %Y}",
            as_of=session.held_on,
            by=by,
            review_id=review_id,
        )
        return txn.modify(
            plan_id, ReviewSession, review_id, lambda stored: closed(stored, snapshot_id=header.id, at=at)
        )
