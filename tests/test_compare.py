"""Comparing two states of a plan: every change category, its boundaries, and the JSON form."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import orjson
import pytest

from store.compare import (
    ActionBrief,
    Comparison,
    compare,
    compare_plans,
    compare_snapshots,
    comparison_to_json,
)
from store.models import (
    Action,
    Allocation,
    Kpi,
    Plan,
    Rag,
    Reading,
    Recommendation,
    SpendEntry,
    Status,
    Target,
)
from store.rollups import CoverageState, Direction, KpiRating
from store.snapshots import SnapshotStore
from tests.conftest import make_plan

BOARD = date(2019, 10, 3)
NEXT_BOARD = date(2019, 11, 7)


def changed(plan: Plan, ref: str, **fields: Any) -> Plan:
    """``plan`` with one action's fields changed (validated, so a test cannot build nonsense)."""
    actions = [
        Action.model_validate({**action.model_dump(), **fields}) if action.ref == ref else action
        for action in plan.actions
    ]
    assert any(action.ref == ref for action in plan.actions), ref
    return plan.model_copy(update={"actions": actions})


def everywhere(plan: Plan, **fields: Any) -> Plan:
    for action in plan.actions:
        plan = changed(plan, action.ref, **fields)
    return plan


def refs(items: Any) -> list[str]:
    return [item.ref if isinstance(item, ActionBrief) else item.action.ref for item in items]


def diff(before: Plan, after: Plan, before_as_of: date = BOARD, after_as_of: date = NEXT_BOARD) -> Comparison:
    return compare_plans(before, before_as_of, after, after_as_of)


def test_identical_plans_on_one_day_are_empty() -> None:
    plan = make_plan()
    comparison = diff(plan, plan, BOARD, BOARD)
    assert comparison.is_empty
    for name in Comparison.CHANGE_FIELDS:
        assert getattr(comparison, name) == ()
    assert comparison_to_json(comparison)["is_empty"] is True


def test_different_plans_cannot_be_compared() -> None:
    with pytest.raises(ValueError, match="different plans"):
        diff(make_plan("one"), make_plan("two"))


# Actions ---------------------------------------------------------------------------------


def test_newly_complete() -> None:
    before = changed(make_plan(), "WF-02", status=Status.COMPLETE, progress=100)
    after = changed(before, "WF-01", status=Status.COMPLETE, completed_on=date(2019, 10, 20), progress=100)
    comparison = diff(before, after)
    assert refs(comparison.newly_complete) == ["WF-01"]  # WF-02 was already complete
    assert comparison.newly_complete[0].completed_on == date(2019, 10, 20)
    assert comparison.newly_complete[0].action == ActionBrief("WF-01", "Action 1", "WF")


def test_an_added_complete_action_is_added_and_newly_complete() -> None:
    before = make_plan(actions=2)
    after = make_plan(actions=3)
    after = changed(after, "WF-03", status=Status.COMPLETE)
    comparison = diff(before, after)
    assert refs(comparison.actions_added) == ["WF-03"]
    assert refs(comparison.newly_complete) == ["WF-03"]
    assert comparison.actions_removed == ()


def test_actions_added_and_removed() -> None:
    comparison = diff(make_plan(actions=3), make_plan(actions=2))
    assert refs(comparison.actions_removed) == ["WF-03"]
    assert comparison.actions_added == ()
    comparison = diff(make_plan(actions=1), make_plan(actions=3))
    assert refs(comparison.actions_added) == ["WF-02", "WF-03"]


def test_rag_moves_up_down_and_to_or_from_unassessed() -> None:
    before = everywhere(make_plan(), rag=Rag.AMBER)
    after = changed(before, "WF-01", rag=Rag.GREEN)
    after = changed(after, "WF-02", rag=Rag.RED)
    after = changed(after, "WF-03", rag=None)
    comparison = diff(before, after)
    assert [(m.action.ref, m.from_rag, m.to_rag) for m in comparison.rag_up] == [
        ("WF-01", Rag.AMBER, Rag.GREEN)
    ]
    assert [(m.action.ref, m.from_rag, m.to_rag) for m in comparison.rag_down] == [
        ("WF-02", Rag.AMBER, Rag.RED)
    ]
    assert [(m.action.ref, m.from_rag, m.to_rag) for m in comparison.rag_other] == [
        ("WF-03", Rag.AMBER, None)
    ]
    first_assessed = diff(make_plan(), changed(make_plan(), "WF-01", rag=Rag.RED))
    assert [(m.from_rag, m.to_rag) for m in first_assessed.rag_other] == [(None, Rag.RED)]
    assert first_assessed.rag_up == () and first_assessed.rag_down == ()


def test_complete_and_blue_counts_as_rag_up() -> None:
    before = changed(make_plan(), "WF-01", rag=Rag.GREEN)
    after = changed(before, "WF-01", rag=Rag.BLUE, status=Status.COMPLETE, progress=100)
    assert [(m.from_rag, m.to_rag) for m in diff(before, after).rag_up] == [(Rag.GREEN, Rag.BLUE)]


def test_newly_overdue_boundaries() -> None:
    plan = make_plan()  # WF-01 due 1 Dec, WF-02 due 2 Dec, WF-03 due 3 Dec 2019
    comparison = diff(plan, plan, date(2019, 12, 1), date(2019, 12, 3))
    # Due on the earlier day was not yet late then; due on the later day is not late now.
    assert [(o.action.ref, o.due_on, o.days_overdue) for o in comparison.newly_overdue] == [
        ("WF-01", date(2019, 12, 1), 2),
        ("WF-02", date(2019, 12, 2), 1),
    ]
    assert not comparison.is_empty  # the same plan, later: deadlines passed
    already = diff(plan, plan, date(2019, 12, 2), date(2019, 12, 3))
    assert refs(already.newly_overdue) == ["WF-02"]  # WF-01 was overdue already


def test_closed_actions_are_never_newly_overdue() -> None:
    after = changed(make_plan(), "WF-01", status=Status.COMPLETE, progress=100)
    after = changed(after, "WF-02", status=Status.CANCELLED)
    comparison = diff(make_plan(), after, date(2019, 11, 1), date(2020, 1, 1))
    assert refs(comparison.newly_overdue) == ["WF-03"]


def test_an_added_action_already_late_is_newly_overdue() -> None:
    comparison = diff(make_plan(actions=2), make_plan(actions=3), date(2019, 11, 1), date(2019, 12, 10))
    assert refs(comparison.newly_overdue) == ["WF-01", "WF-02", "WF-03"]


def test_due_dates_moved() -> None:
    before = changed(make_plan(), "WF-03", due_on=None)
    after = changed(before, "WF-01", due_on=date(2020, 1, 31))
    after = changed(after, "WF-02", due_on=date(2019, 11, 30))
    after = changed(after, "WF-03", due_on=date(2020, 3, 31))
    moved = diff(before, after).due_dates_moved
    assert [(m.action.ref, m.from_due, m.to_due, m.days) for m in moved] == [
        ("WF-01", date(2019, 12, 1), date(2020, 1, 31), 61),
        ("WF-02", date(2019, 12, 2), date(2019, 11, 30), -2),
        ("WF-03", None, date(2020, 3, 31), None),
    ]


def test_progress_moved_both_ways() -> None:
    before = changed(make_plan(), "WF-02", progress=50)
    after = changed(before, "WF-01", progress=40)
    after = changed(after, "WF-02", progress=20)
    moved = diff(before, after).progress_moved
    assert [(m.action.ref, m.from_progress, m.to_progress, m.points) for m in moved] == [
        ("WF-01", 0, 40, 40),
        ("WF-02", 50, 20, -30),
    ]


def test_cancelled_actions_are_listed_once_and_their_fields_ignored() -> None:
    before = everywhere(make_plan(), rag=Rag.AMBER)
    before = changed(before, "WF-03", status=Status.CANCELLED)
    # WF-01 is cancelled now, with its fields changed too; WF-03 stays cancelled, fields changed.
    after = changed(
        before, "WF-01", status=Status.CANCELLED, rag=Rag.RED, progress=10, due_on=date(2020, 1, 1)
    )
    after = changed(after, "WF-03", rag=Rag.RED, progress=90, due_on=date(2020, 1, 1))
    comparison = diff(before, after)
    assert refs(comparison.newly_cancelled) == ["WF-01"]
    assert comparison.reinstated == ()
    assert comparison.rag_down == () and comparison.progress_moved == () and comparison.due_dates_moved == ()
    reinstated = diff(after, changed(after, "WF-03", status=Status.IN_PROGRESS))
    assert refs(reinstated.reinstated) == ["WF-03"]
    assert reinstated.newly_cancelled == () and reinstated.progress_moved == ()


# Money ------------------------------------------------------------------------------------


def with_money(plan: Plan, *, allocations: list[Allocation] | None = None, spend: list[SpendEntry]) -> Plan:
    return Plan.model_validate(
        {
            **plan.model_dump(),
            "allocations": [a.model_dump() for a in [*plan.allocations, *(allocations or [])]],
            "spend": [s.model_dump() for s in spend],
        }
    )


def test_spend_moved_by_financial_year_and_theme() -> None:
    before = make_plan()  # S1: £250,000.50 actual, 2019/20, against A1 (theme WF)
    after = with_money(
        before,
        allocations=[
            Allocation(
                id="A2", source="grant", category="investment", financial_year="2020/21", amount="5000"
            )
        ],
        spend=[
            *before.spend,
            SpendEntry(id="S2", allocation="A1", financial_year="2019/20", kind="commitment", amount="100"),
            SpendEntry(id="S3", allocation="A1", financial_year="2020/21", amount="50.25"),
            SpendEntry(id="S4", allocation="A2", financial_year="2020/21", amount="-10.10"),
        ],
    )
    comparison = diff(before, after)
    by_year = {m.key: m for m in comparison.spend_by_financial_year}
    assert list(by_year) == ["2019/20", "2020/21"]
    assert (by_year["2019/20"].actual_change, by_year["2019/20"].committed_change) == (
        Decimal("0.00"),
        Decimal("100.00"),
    )
    assert by_year["2019/20"].committed_after == Decimal("100.00")
    assert (by_year["2020/21"].actual_before, by_year["2020/21"].actual_after) == (
        Decimal("0.00"),
        Decimal("40.15"),
    )
    by_theme = {m.key: m for m in comparison.spend_by_theme}
    assert list(by_theme) == ["WF", "unassigned"]
    assert by_theme["WF"].name == "Workforce"
    assert (by_theme["WF"].actual_change, by_theme["WF"].committed_change) == (
        Decimal("50.25"),
        Decimal("100.00"),
    )
    assert (by_theme["unassigned"].name, by_theme["unassigned"].actual_change) == (
        "Unassigned",
        Decimal("-10.10"),
    )


def test_spend_moved_between_years_nets_out_by_theme() -> None:
    before = make_plan()
    after = with_money(before, spend=[before.spend[0].model_copy(update={"financial_year": "2020/21"})])
    comparison = diff(before, after)
    assert [(m.key, m.actual_change) for m in comparison.spend_by_financial_year] == [
        ("2019/20", Decimal("-250000.50")),
        ("2020/21", Decimal("250000.50")),
    ]
    assert comparison.spend_by_theme == ()


def test_unchanged_spend_lists_nothing() -> None:
    before = make_plan()
    same = with_money(before, spend=list(before.spend))
    assert diff(before, same).spend_by_financial_year == ()
    assert diff(before, same).spend_by_theme == ()


# KPIs -------------------------------------------------------------------------------------


def with_kpis(plan: Plan, *kpis: Kpi) -> Plan:
    return plan.model_copy(update={"kpis": list(kpis)})


def add_reading(kpi: Kpi, on: date, value: str) -> Kpi:
    return Kpi.model_validate(
        {**kpi.model_dump(), "readings": [*kpi.model_dump()["readings"], {"on": on, "value": value}]}
    )


def test_kpi_moves_follow_polarity() -> None:
    plan = make_plan()  # K1 agency social workers, lower is better: 74 then 35; target 30
    k1 = plan.kpis[0]
    better = diff(plan, with_kpis(plan, add_reading(k1, date(2019, 11, 1), "30"))).kpis_moved
    assert len(better) == 1
    move = better[0]
    assert move.kpi_id == "K1" and move.direction is Direction.IMPROVING
    assert move.from_reading is not None and move.from_reading.value == Decimal("35")
    assert move.to_reading is not None and move.to_reading.value == Decimal("30")
    assert (move.from_rating, move.to_rating) == (KpiRating.AMBER, KpiRating.GREEN)
    worse = diff(plan, with_kpis(plan, add_reading(k1, date(2019, 11, 1), "41"))).kpis_moved
    assert worse[0].direction is Direction.WORSENING
    steady = diff(plan, with_kpis(plan, add_reading(k1, date(2019, 11, 1), "35"))).kpis_moved
    assert steady[0].direction is Direction.STEADY  # a new reading, the same value


def test_higher_is_better_kpi_and_new_kpi() -> None:
    plan = make_plan()
    visits = Kpi(
        id="K2",
        name="Visits on time",
        unit="%",
        polarity="higher_is_better",
        readings=[Reading(on=date(2019, 9, 1), value=80)],
        targets=[Target(financial_year="2019/20", value=90)],
    )
    before = with_kpis(plan, plan.kpis[0], visits)
    after = with_kpis(plan, plan.kpis[0], add_reading(visits, date(2019, 11, 1), "85"))
    assert [(m.kpi_id, m.direction) for m in diff(before, after).kpis_moved] == [("K2", Direction.IMPROVING)]
    new = diff(plan, before).kpis_moved
    assert [(m.kpi_id, m.from_reading, m.direction, m.from_rating) for m in new] == [("K2", None, None, None)]


def test_readings_after_the_later_day_do_not_count() -> None:
    plan = make_plan()
    after = with_kpis(plan, add_reading(plan.kpis[0], NEXT_BOARD.replace(day=8), "10"))
    assert diff(plan, after).kpis_moved == ()
    assert diff(plan, after, BOARD, date(2019, 11, 8)).kpis_moved[0].to_reading.value == 10  # type: ignore[union-attr]


def test_a_corrected_reading_is_a_move() -> None:
    plan = make_plan()
    corrected = Kpi.model_validate(
        {
            **plan.kpis[0].model_dump(),
            "readings": [{"on": date(2019, 2, 1), "value": 74}, {"on": date(2019, 8, 1), "value": 33}],
        }
    )
    moves = diff(plan, with_kpis(plan, corrected)).kpis_moved
    assert [(m.from_reading.value, m.to_reading.value) for m in moves] == [(35, 33)]  # type: ignore[union-attr]


# Recommendations --------------------------------------------------------------------------


def test_recommendations_newly_covered_complete_and_uncovered() -> None:
    before = make_plan()  # rec 1: WF-02; rec 2: WF-01, WF-03; rec 3: a gap
    after = changed(before, "WF-03", recommendations=[2, 3])
    after = changed(after, "WF-01", status=Status.COMPLETE, progress=100)
    comparison = diff(before, after)
    assert [(m.number, m.from_state, m.to_state) for m in comparison.recommendations_newly_covered] == [
        (3, CoverageState.GAP, CoverageState.IN_PROGRESS)
    ]
    assert comparison.recommendations_newly_actions_complete == ()  # WF-03 still open
    done = changed(after, "WF-03", status=Status.COMPLETE, progress=100)
    comparison = diff(after, done)
    assert [m.number for m in comparison.recommendations_newly_actions_complete] == [2, 3]
    assert comparison.recommendations_newly_covered == ()
    assert comparison.recommendations_newly_actions_complete[0].text == "Recommendation 2"


def test_cancelling_the_only_action_uncovers_a_recommendation() -> None:
    before = make_plan()
    after = changed(before, "WF-02", status=Status.CANCELLED)
    comparison = diff(before, after)
    assert [(m.number, m.from_state, m.to_state) for m in comparison.recommendations_newly_uncovered] == [
        (1, CoverageState.IN_PROGRESS, CoverageState.GAP)
    ]
    assert refs(comparison.newly_cancelled) == ["WF-02"]


def test_a_new_recommendation_is_covered_or_uncovered_by_its_state_now() -> None:
    before = make_plan()
    gap = before.model_copy(update={"recommendations": [*before.recommendations, Recommendation(number=4)]})
    comparison = diff(before, gap)
    assert [(m.number, m.from_state) for m in comparison.recommendations_newly_uncovered] == [(4, None)]
    covered = changed(gap, "WF-01", recommendations=[2, 4], status=Status.COMPLETE, progress=100)
    comparison = diff(before, covered)
    assert [m.number for m in comparison.recommendations_newly_covered] == [4]
    assert [m.number for m in comparison.recommendations_newly_actions_complete] == [4]
    assert comparison.recommendations_newly_uncovered == ()


# Snapshots and JSON -------------------------------------------------------------------------


def two_snapshots() -> tuple[SnapshotStore, Plan, Plan]:
    store = SnapshotStore(None)
    before = make_plan()
    after = changed(before, "WF-01", status=Status.COMPLETE, progress=100, rag=Rag.BLUE)
    after = with_money(
        after,
        spend=[*after.spend, SpendEntry(id="S2", allocation="A1", financial_year="2019/20", amount="-99.99")],
    )
    store.take(before, label="October [board]", as_of=BOARD, by="PM", revision=1)
    store.take(after, label="November", as_of=NEXT_BOARD, by="PM", revision=2)
    return store, before, after


def test_compare_snapshots_uses_each_snapshots_day_and_names_them() -> None:
    store, before, after = two_snapshots()
    comparison = compare_snapshots(store.get("S0001"), store.get("S0002"))
    assert comparison.before is not None and comparison.before.label == "October [board]"
    assert comparison.after is not None and comparison.after.id == "S0002"
    assert (comparison.before_as_of, comparison.after_as_of) == (BOARD, NEXT_BOARD)
    assert refs(comparison.newly_complete) == ["WF-01"]
    plain = compare_plans(before, BOARD, after, NEXT_BOARD)
    assert plain.newly_complete == comparison.newly_complete and plain.before is None


def test_compare_accepts_snapshots_or_plans() -> None:
    store, before, after = two_snapshots()
    assert compare(store.get("1"), store.get("2")).after is not None
    mixed = compare(store.get("1"), after, as_of=NEXT_BOARD)
    assert mixed.before is not None and mixed.after is None and refs(mixed.newly_complete) == ["WF-01"]
    with pytest.raises(ValueError, match="needs as_of"):
        compare(before, after)


def test_json_shape() -> None:
    store, _, _ = two_snapshots()
    data = comparison_to_json(compare_snapshots(store.get("S0001"), store.get("S0002")))
    orjson.dumps(data)  # plain JSON types only: a Decimal or date left over would fail here
    assert set(data) == {
        *Comparison.CHANGE_FIELDS,
        "plan_id",
        "before_as_of",
        "after_as_of",
        "before",
        "after",
        "is_empty",
    }
    assert data["is_empty"] is False
    assert (data["before_as_of"], data["after_as_of"]) == ("2019-10-03", "2019-11-07")
    assert data["before"]["id"] == "S0001" and data["before"]["as_of"] == "2019-10-03"
    assert data["newly_complete"] == [
        {"action": {"ref": "WF-01", "title": "Action 1", "theme": "WF"}, "completed_on": None}
    ]
    assert data["rag_other"] == [
        {"action": {"ref": "WF-01", "title": "Action 1", "theme": "WF"}, "from_rag": None, "to_rag": "blue"}
    ]
    assert data["spend_by_theme"] == [
        {
            "key": "WF",
            "name": "Workforce",
            "actual_before": "250000.50",
            "actual_after": "249900.51",
            "actual_change": "-99.99",
            "committed_before": "0.00",
            "committed_after": "0.00",
            "committed_change": "0.00",
        }
    ]
    assert data["rag_up"] == [] and data["kpis_moved"] == []


def test_json_of_kpi_and_recommendation_moves() -> None:
    plan = make_plan()
    after = with_kpis(plan, add_reading(plan.kpis[0], date(2019, 11, 1), "30.5"))
    after = changed(after, "WF-02", recommendations=[1, 3])
    data = comparison_to_json(diff(plan, after))
    assert data["before"] is None and data["after"] is None
    assert data["kpis_moved"] == [
        {
            "kpi_id": "K1",
            "name": "Agency social workers",
            "unit": "",
            "from_reading": {"on": "2019-08-01", "value": "35", "label": ""},
            "to_reading": {"on": "2019-11-01", "value": "30.5", "label": ""},
            "direction": "improving",
            "from_rating": "amber",
            "to_rating": "amber",
        }
    ]
    assert data["recommendations_newly_covered"] == [
        {"number": 3, "text": "Recommendation 3", "from_state": "gap", "to_state": "in_progress"}
    ]
