"""Live, open and overdue are defined once (store.rollups) and every list agrees with them."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from store.models import Action, Plan, Status, Theme
from store.rollups import (
    CLOSED_STATUSES,
    is_live,
    is_open,
    is_overdue,
    open_due_on,
    overdue_actions,
    rag_conflicts,
)

AS_OF = date(2019, 12, 2)


def test_closed_means_complete_or_cancelled() -> None:
    assert frozenset({Status.COMPLETE, Status.CANCELLED}) == CLOSED_STATUSES


def test_due_today_is_not_late_and_a_closed_action_never_is() -> None:
    due_today = Action(ref="A-1", theme="WF", title="t", due_on=AS_OF)
    assert not is_overdue(due_today, AS_OF)
    assert is_overdue(due_today, date(2019, 12, 3))
    done = due_today.model_copy(update={"status": Status.COMPLETE})
    assert not is_open(done) and open_due_on(done) is None and not is_overdue(done, date(2020, 1, 1))
    cancelled = due_today.model_copy(update={"status": Status.CANCELLED})
    assert not is_live(cancelled) and not is_overdue(cancelled, date(2020, 1, 1))
    undated = Action(ref="A-2", theme="WF", title="t")
    assert is_open(undated) and not is_overdue(undated, AS_OF)


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    actions = [
        Action(
            ref=f"A-{n}",
            theme="WF",
            title="t",
            status=draw(st.sampled_from(Status)),
            rag=draw(st.sampled_from([None, "green", "amber"])),
            due_on=draw(st.none() | st.dates(min_value=date(2019, 11, 1), max_value=date(2020, 1, 31))),
        )
        for n in range(draw(st.integers(min_value=0, max_value=12)))
    ]
    return Plan(
        id="p",
        name="P",
        authority="A",
        starts_on=date(2019, 4, 1),
        ends_on=date(2021, 3, 31),
        themes=[Theme(key="WF", name="Workforce")],
        actions=[a.model_copy(update={"completed_on": None}) for a in actions],
    )


@given(plans())
def test_overdue_lists_follow_the_one_definition(plan: Plan) -> None:
    listed = {deadline.action.ref for deadline in overdue_actions(plan, AS_OF)}
    assert listed == {action.ref for action in plan.actions if is_overdue(action, AS_OF)}
    flagged = {c.action.ref for c in rag_conflicts(plan, AS_OF) if c.kind == "green_but_overdue"}
    assert flagged == {a.ref for a in plan.actions if a.rag == "green" and is_overdue(a, AS_OF)}
