"""The actions filter language, without any UI."""

from __future__ import annotations

from datetime import date

from store.models import Action, Rag, Status
from tests.conftest import make_plan
from tui.filters import ActionFilter, filter_actions, natural_key, parse_filter, sort_actions

AS_OF = date(2019, 12, 2)


def _actions() -> list[Action]:
    plan = make_plan(actions=4)
    first, second, third, fourth = plan.actions
    return [
        first.model_copy(update={"rag": Rag.RED, "status": Status.IN_PROGRESS, "owner": "Jo Bloggs"}),
        second.model_copy(update={"rag": Rag.GREEN, "title": "Recruit social workers"}),
        third.model_copy(update={"status": Status.COMPLETE, "rag": Rag.BLUE, "progress": 100}),
        fourth.model_copy(update={"status": Status.BLOCKED, "recommendations": [1, 3]}),
    ]


THEMES = {"WF": "Workforce", "QP": "Quality"}


def _refs(text: str) -> list[str]:
    return [a.ref for a in filter_actions(_actions(), parse_filter(text), AS_OF, THEMES)]


def test_empty_filter_keeps_everything() -> None:
    assert parse_filter("  ").is_empty
    assert _refs("") == ["WF-01", "WF-02", "WF-03", "WF-04"]


def test_free_words_must_all_appear_case_insensitively() -> None:
    assert _refs("recruit") == ["WF-02"]
    assert _refs("RECRUIT workers") == ["WF-02"]
    assert _refs("recruit nobody") == []
    assert _refs("wf-03") == ["WF-03"]


def test_theme_by_key_or_name_start() -> None:
    assert _refs("theme:wf") == ["WF-01", "WF-03"]
    assert _refs("theme:qual") == ["WF-02", "WF-04"]
    assert _refs("theme:WF,QP") == ["WF-01", "WF-02", "WF-03", "WF-04"]


def test_owner_status_rag() -> None:
    assert _refs('owner:"jo bloggs"') == ["WF-01"]
    assert _refs("status:in") == ["WF-01"]
    assert _refs("status:in-progress") == ["WF-01"]
    assert _refs("status:blocked,complete") == ["WF-03", "WF-04"]
    assert _refs("rag:r") == ["WF-01"]
    assert _refs("rag:green,blue") == ["WF-02", "WF-03"]
    assert _refs("rag:none") == ["WF-04"]


def test_overdue_and_due_within_days_ignore_closed_actions() -> None:
    # Due 1, 2, 3, 4 December 2019; on 2 December only WF-01 is late; WF-03 is complete.
    assert _refs("overdue") == ["WF-01"]
    assert _refs("due:1") == ["WF-02"]
    assert _refs("due:30") == ["WF-02", "WF-04"]


def test_recommendation() -> None:
    assert _refs("rec:3") == ["WF-04"]
    assert _refs("rec:2") == ["WF-01", "WF-03"]
    assert _refs("rec:1 rec:2") == ["WF-01", "WF-02", "WF-03", "WF-04"]


def test_keys_combine_with_and() -> None:
    assert _refs("theme:wf rag:red overdue") == ["WF-01"]
    assert _refs("theme:qp rec:2") == []


def test_bad_values_become_problems_not_errors() -> None:
    parsed = parse_filter("status:sideways rag:purple due:soon rec: rec:x")
    assert len(parsed.problems) == 5
    assert "status:sideways" in parsed.problems[0]
    assert parsed.statuses == () and parsed.rags == ()
    assert parse_filter('owner:"unclosed').owners == ("unclosed",)


def test_unknown_key_is_a_word() -> None:
    assert parse_filter("colour:red") == ActionFilter(words=("colour:red",))


def test_sort_by_columns_puts_missing_values_last() -> None:
    actions = _actions()
    assert [a.ref for a in sort_actions(actions, "rag")] == ["WF-01", "WF-02", "WF-03", "WF-04"]
    assert [a.ref for a in sort_actions(actions, "rag", reverse=True)] == ["WF-03", "WF-02", "WF-01", "WF-04"]
    assert sort_actions(actions, "due", reverse=True)[0].ref == "WF-04"
    assert sort_actions(actions, "title")[0].ref == "WF-01"


def test_natural_key_orders_numbers_numerically() -> None:
    assert sorted(["WF-10", "WF-2", "QP-1"], key=natural_key) == ["QP-1", "WF-2", "WF-10"]
