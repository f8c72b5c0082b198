"""The change board: agenda from exceptions, recording the meeting, closing with a snapshot."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from sample_plans import load_sample
from store.errors import RuleBroken
from store.models import Action, AgendaKind, Plan, Reading, ReviewState
from store.repository import Repository
from store.reviews import LastBoard, build_agenda, close_review, open_review, record_item
from tests.conftest import make_plan

BOARD = date(2019, 12, 2)
CLOSE_AT = datetime(2019, 12, 2, 11, 30, tzinfo=UTC)


def _with(action: Action, **changes: object) -> Action:
    """A validated copy (model_copy would skip the string-to-enum conversion)."""
    return Action.model_validate({**action.model_dump(), **changes})


def _plan() -> Plan:
    plan = make_plan(actions=4)
    actions = list(plan.actions)
    actions[0] = _with(actions[0], rag="red")  # WF-01, due 1 Dec: overdue on 2 Dec
    actions[1] = _with(actions[1], rag="green")  # WF-02, due 2 Dec: due before next
    actions[2] = _with(actions[2], rag="green", due_on=date(2019, 11, 1))
    return plan.model_copy(update={"actions": actions})


def _subjects(plan: Plan, **kwargs: object) -> dict[str, list[AgendaKind]]:
    return {item.subject: item.kinds for item in build_agenda(plan, BOARD, **kwargs)}  # type: ignore[arg-type]


def test_agenda_lists_each_exception_once_with_every_reason() -> None:
    agenda = _subjects(_plan(), next_board_on=date(2020, 1, 6))
    assert agenda["WF-01"] == [AgendaKind.RED, AgendaKind.OVERDUE]
    assert agenda["WF-02"] == [AgendaKind.DUE_BEFORE_NEXT]
    assert agenda["WF-03"] == [AgendaKind.OVERDUE, AgendaKind.RAG_CONFLICT]  # green but overdue
    assert "WF-04" in agenda  # due 4 Dec, before the next board on 6 Jan


def test_due_before_next_board_uses_the_next_board_date() -> None:
    agenda = _subjects(_plan(), next_board_on=date(2019, 12, 3))
    assert "WF-02" in agenda and "WF-04" not in agenda


def test_uncovered_recommendations_and_off_target_kpis_and_variances() -> None:
    plan = _plan()
    agenda = _subjects(plan)
    assert agenda["rec 3"] == [AgendaKind.UNCOVERED]  # no action addresses recommendation 3
    assert agenda["K1"] == [AgendaKind.KPI_OFF_TARGET]  # 35 against a target of 30, lower is better
    assert agenda["M1"] == [AgendaKind.VARIANCE]  # 266k over in Month 3
    assert "M1" not in _subjects(plan, variance_tolerance=Decimal(300_000))


def test_changes_since_the_last_board() -> None:
    before = _plan()
    after_actions = list(before.actions)
    after_actions[1] = _with(after_actions[1], rag="amber")
    after_actions[3] = _with(
        after_actions[3], status="complete", rag="blue", progress=100, completed_on=date(2019, 11, 20)
    )
    after = before.model_copy(update={"actions": after_actions})
    agenda = {
        i.subject: i for i in build_agenda(after, BOARD, last_board=LastBoard(before, date(2019, 11, 4)))
    }
    assert AgendaKind.RAG_CHANGED in agenda["WF-02"].kinds
    assert "Green → Amber" in agenda["WF-02"].why
    assert agenda["WF-04"].kinds == [AgendaKind.NEWLY_COMPLETE]


def test_oldham_board_in_october_2019() -> None:
    plan = load_sample("oldham-2019").plan
    agenda = {item.subject: item.kinds for item in build_agenda(plan, date(2019, 10, 3))}
    assert AgendaKind.OVERDUE in agenda["QP-02"]
    assert AgendaKind.RAG_CONFLICT in agenda["DL-03"]


def test_running_a_session_end_to_end(repo: Repository) -> None:
    repo.add_plan(_plan(), by="pm")
    session = open_review(
        repo,
        "test-plan",
        BOARD,
        by="clerk",
        chair="Deputy Chief Executive",
        attendees=["Director", "Finance partner"],
        next_board_on=date(2020, 1, 6),
    )
    assert session.id == "R0001"
    assert repo.plan("test-plan").reviews[0].attendees == ["Director", "Finance partner"]
    record_item(
        repo,
        "test-plan",
        "R0001",
        "WF-01",
        by="clerk",
        on=BOARD,
        commentary="Recruitment delayed by the pay review",
        decision="Extend to end of January",
        changes={"due_on": date(2020, 1, 31), "rag": "amber"},
        due_reason="Pay review",
    )
    action = repo.plan("test-plan").action("WF-01")
    assert (action.due_on, action.rag) == (date(2020, 1, 31), "amber")
    assert action.due_history[-1].reason == "Pay review"
    assert action.updates[-1].text == "Recruitment delayed by the pay review"
    item = repo.plan("test-plan").reviews[0].items[0]
    assert item.decision == "Extend to end of January"
    assert "due_on: 2019-12-01 → 2020-01-31" in item.outcome
    assert {e.field for e in repo.audit("test-plan", "action", "WF-01")} >= {"due_on", "rag", "due_history"}

    done = close_review(repo, "test-plan", "R0001", by="clerk", at=CLOSE_AT)
    assert done.state is ReviewState.CLOSED
    assert done.snapshot_id is not None
    snapshot = repo.snapshots.get(done.snapshot_id)
    assert snapshot.as_of == BOARD and snapshot.plan.action("WF-01").due_on == date(2020, 1, 31)
    with pytest.raises(RuleBroken, match="closed"):
        record_item(repo, "test-plan", "R0001", "WF-01", by="clerk", on=BOARD, commentary="late")
    with pytest.raises(RuleBroken, match="closed"):
        repo.save("test-plan", done.model_copy(update={"chair": "someone else"}), by="x", base=done)

    second = open_review(repo, "test-plan", date(2020, 1, 6), by="clerk")
    assert second.id == "R0002"
    kinds = {item.subject: item.kinds for item in second.items}
    assert AgendaKind.RAG_CHANGED not in kinds.get("WF-01", [])  # compared with the closing snapshot


def test_a_due_date_change_needs_a_reason(repo: Repository) -> None:
    repo.add_plan(_plan(), by="pm")
    open_review(repo, "test-plan", BOARD, by="clerk")
    with pytest.raises(RuleBroken, match="needs a reason"):
        record_item(
            repo, "test-plan", "R0001", "WF-01", by="clerk", on=BOARD, changes={"due_on": date(2020, 1, 31)}
        )
    assert repo.plan("test-plan").action("WF-01").due_on == date(2019, 12, 1)


def test_changes_only_apply_to_actions(repo: Repository) -> None:
    plan = _plan()
    kpi = plan.kpis[0].model_copy(update={"readings": [Reading(on=date(2019, 8, 1), value=35)]})
    repo.add_plan(plan.model_copy(update={"kpis": [kpi]}), by="pm")
    open_review(repo, "test-plan", BOARD, by="clerk")
    with pytest.raises(RuleBroken, match="not an action"):
        record_item(repo, "test-plan", "R0001", "rec 3", by="clerk", on=BOARD, changes={"rag": "red"})
    record_item(
        repo, "test-plan", "R0001", "rec 3", by="clerk", on=BOARD, decision="Add an action in January"
    )
    item = next(i for i in repo.plan("test-plan").reviews[0].items if i.subject == "rec 3")
    assert (item.decision, item.outcome) == ("Add an action in January", "")
