"""Pilot tests of the tracker: navigation, filtering, editing, conflicts, polling, safety.

Every app starts on a copy of a small plan in ``tmp_path`` with a fixed ``as_of`` and
polling off; assertions look at the app's state and at what a fresh Repository reads back.
"""

from __future__ import annotations

import gc
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Button, DataTable, Input, OptionList, Select, Static
from textual.widgets._footer import FooterKey

from store.models import Action, Plan, PlanFile, Status
from store.repository import Repository
from tests.conftest import make_plan
from tui.app import IptApp, make_app
from tui.screens.action_form import ActionFormScreen
from tui.screens.actions import ActionsScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.dashboard import DashboardScreen
from tui.screens.funding import FundingScreen
from tui.screens.help import HelpScreen
from tui.screens.recommendations import RecommendationsScreen
from tui.screens.record_form import RecordFormScreen
from tui.screens.samples import SamplesScreen
from tui.screens.scorecard import ScorecardScreen
from tui.settings import LIGHT_THEME, load_settings
from tui.widgets.action_table import _NOWHERE, ActionTable

AS_OF = date(2019, 12, 2)
SIZE = (100, 32)
MARKUP = "[bold]x[/] [@click=app.quit]"


def store_with(path: Path, plan: Plan) -> Path:
    Repository(path).add_plan(plan, by="setup")
    return path


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return store_with(tmp_path / "plans.json", make_plan(actions=6))


def app_on(path: Path, tmp_path: Path | None = None) -> IptApp:
    settings = (tmp_path or path.parent) / "settings.json"
    return make_app(path, as_of=AS_OF, by="tester", poll_seconds=0, settings_path=settings)


async def settle(app: IptApp, pilot: Pilot[None]) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


def top(app: IptApp) -> Screen[Any]:
    """The screen on top, typed loosely so one test can check it several times."""
    return app.screen


def table_refs(app: IptApp) -> list[str]:
    return [action.ref for action in app.screen.query_one(ActionTable).actions]


async def open_form(app: IptApp, pilot: Pilot[None], ref: str) -> ActionFormScreen:
    await app.open_action(ref)
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, ActionFormScreen)
    return screen


def set_input(screen: ActionFormScreen, name: str, value: str) -> None:
    screen.query_one(f"#field-{name}", Input).value = value


def problem(screen: ActionFormScreen, name: str) -> str:
    label = screen.query_one(f"#problem-{name}", Static)
    return str(label.render()) if label.display else ""


async def test_number_keys_switch_sections(store: Path) -> None:
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, DashboardScreen)
        for key, kind in (
            ("2", ActionsScreen),
            ("3", RecommendationsScreen),
            ("4", FundingScreen),
            ("5", ScorecardScreen),
            ("1", DashboardScreen),
        ):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, kind), key
        assert app.plan_id == "test-plan"


async def test_filter_bar_narrows_the_actions(store: Path) -> None:
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await pilot.pause()
        assert table_refs(app) == [f"WF-{n:02d}" for n in range(1, 7)]
        await pilot.press("slash", *"theme:wf overdue")
        await pilot.pause()
        assert table_refs(app) == ["WF-01"]
        app.screen.query_one("#filter-input", Input).value = "rec:1"
        await pilot.pause()
        assert table_refs(app) == ["WF-02", "WF-04", "WF-06"]
        app.screen.query_one("#filter-input", Input).value = "status:nonsense"
        await pilot.pause()
        assert "not a status" in str(app.screen.query_one("#filter-problems", Static).render())


async def test_column_sort_reverses(store: Path) -> None:
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await pilot.pause()
        app.screen.query_one(ActionTable).sort_by("due")
        app.screen.query_one(ActionTable).sort_by("due")
        await pilot.pause()
        assert table_refs(app)[0] == "WF-06"


async def test_edit_and_ctrl_s_lands_on_disk_and_in_the_audit(store: Path) -> None:
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        form = await open_form(app, pilot, "WF-01")
        set_input(form, "owner", "Jo Bloggs")
        set_input(form, "progress", "40")
        form.query_one("#field-status", Select).value = Status.IN_PROGRESS.value
        set_input(form, "note", "Recruitment campaign launched")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ActionsScreen)
    fresh = Repository(store)
    action = fresh.plan("test-plan").action("WF-01")
    assert (action.owner, action.progress, action.status) == ("Jo Bloggs", 40, Status.IN_PROGRESS)
    assert action.updates[-1].text == "Recruitment campaign launched"
    assert action.updates[-1].on == AS_OF and action.updates[-1].author == "tester"
    fields = {entry.field for entry in fresh.audit("test-plan", "action", "WF-01") if entry.by == "tester"}
    assert {"owner", "progress", "status", "updates"} <= fields


async def test_invalid_values_show_beside_the_field_and_save_nothing(store: Path) -> None:
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        revision = app.repo.revision if app.repo else -1
        form = await open_form(app, pilot, "WF-01")
        set_input(form, "progress", "150")
        set_input(form, "start_on", "31/02/2019")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "not a date" in problem(form, "start_on")
        set_input(form, "start_on", "01/05/2019")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "100" in problem(form, "progress")
        set_input(form, "progress", "10")
        set_input(form, "due_on", "01/04/2019")
        set_input(form, "due_reason", "re-planned")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "the due date is before the start date (01/05/2019)" in problem(form, "due_on")
        set_input(form, "title", "")
        set_input(form, "due_on", "01/12/2019")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert problem(form, "title")
        assert app.screen is form
    assert Repository(store).revision == revision


async def test_moving_a_due_date_needs_a_reason_kept_in_history(store: Path) -> None:
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        form = await open_form(app, pilot, "WF-02")
        set_input(form, "due_on", "2020-01-31")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "why" in problem(form, "due_reason")
        set_input(form, "due_reason", "Recruitment delayed")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    action = Repository(store).plan("test-plan").action("WF-02")
    assert action.due_on == date(2020, 1, 31)
    assert action.due_history[-1].reason == "Recruitment delayed"


async def test_escape_with_unsaved_changes_asks_first(store: Path) -> None:
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        form = await open_form(app, pilot, "WF-01")
        await pilot.press("escape")  # nothing changed: closes at once
        await pilot.pause()
        assert isinstance(app.screen, ActionsScreen)
        form = await open_form(app, pilot, "WF-01")
        set_input(form, "title", "Changed title")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert top(app) is form
        assert form.query_one("#field-title", Input).value == "Changed title"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, ActionsScreen)
    assert Repository(store).plan("test-plan").action("WF-01").title == "Action 1"


async def test_new_action_and_delete_with_confirmation(store: Path) -> None:
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ActionFormScreen)
        set_input(form, "ref", "QP-09")
        set_input(form, "title", "Audit case files")
        set_input(form, "due_on", "31/01/2020")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ActionsScreen)
        assert "QP-09" in table_refs(app)
        assert app.screen.query_one(ActionTable).current_ref == "QP-09"
        await pilot.press("delete")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert "QP-09" not in table_refs(app)
    refs = [a.ref for a in Repository(store).plan("test-plan").actions]
    assert "QP-09" not in refs and len(refs) == 6


async def test_conflict_is_reported_and_reload_keeps_the_edit(store: Path) -> None:
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        form = await open_form(app, pilot, "WF-01")
        set_input(form, "owner", "Mine")
        Repository(store).update_action("test-plan", "WF-01", {"progress": 55}, by="someone", on=AS_OF)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "changed by someone at" in problem(form, "_form")
        assert form.query_one("#reload", Button).display
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert form.query_one("#field-owner", Input).value == "Mine"
        assert form.query_one("#field-progress", Input).value == "55"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ActionsScreen)
    action = Repository(store).plan("test-plan").action("WF-01")
    assert (action.owner, action.progress) == ("Mine", 55)


async def test_history_lists_the_audit(store: Path) -> None:
    Repository(store).update_action("test-plan", "WF-01", {"owner": "Sam"}, by="someone", on=AS_OF)
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await open_form(app, pilot, "WF-01")
        await pilot.press("f2")
        await pilot.pause()
        from textual.widgets import DataTable

        table = app.screen.query_one("#history-table", DataTable)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        assert any(row[1] == "someone" and row[2] == "Owner" and row[4] == "Sam" for row in rows)


async def test_external_change_is_picked_up(store: Path) -> None:
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await pilot.pause()
        app.check_for_changes()
        await settle(app, pilot)
        version = app.data_version
        other = Repository(store)
        other.update_action("test-plan", "WF-03", {"title": "Renamed elsewhere"}, by="x", on=AS_OF)
        app.check_for_changes()
        await settle(app, pilot)
        assert app.data_version > version
        assert app.plan.action("WF-03").title == "Renamed elsewhere"
        table = app.screen.query_one(ActionTable)
        assert any(a.title == "Renamed elsewhere" for a in table.actions)


async def test_palette_jumps_to_an_action(store: Path) -> None:
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"WF-04")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ActionFormScreen)
        assert app.screen.ref == "WF-04"


async def test_palette_switches_section(store: Path) -> None:
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"go to funding")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, FundingScreen)


async def test_recommendation_drills_to_its_actions(store: Path) -> None:
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("3")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RecommendationsScreen)
        screen.select_recommendation(2)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ActionsScreen)
        assert table_refs(app) == ["WF-01", "WF-03", "WF-05"]
        assert app.screen.query_one("#filter-input", Input).value == "rec:2"


async def test_impact_evidenced_is_saved_with_a_note(store: Path) -> None:
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("3")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#field-note", Input).value = "Audit shows better plans"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, RecommendationsScreen)
    rec = Repository(store).plan("test-plan").recommendations[0]
    assert rec.impact_evidenced is not None and rec.impact_evidenced.note == "Audit shows better plans"


async def test_edit_a_theme_and_a_recommendations_text(store: Path) -> None:
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await pilot.pause()
        await pilot.press("T")  # "All" is chosen: nothing to edit yet
        await pilot.pause()
        assert isinstance(app.screen, ActionsScreen)
        themes = app.screen.query_one("#theme-list", OptionList)
        themes.highlighted = themes.get_option_index("QP")
        await pilot.pause()
        await pilot.press("T")
        await pilot.pause()
        form = top(app)
        assert isinstance(form, RecordFormScreen) and form.values()["name"] == "Quality"
        assert not form.query("#field-key"), "the key is what actions refer to: not editable"
        form.query_one("#field-name", Input).value = ""
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert top(app) is form and str(form.query_one("#problem-name", Static).render())
        form.query_one("#field-name", Input).value = f"Practice {MARKUP}"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ActionsScreen)
        await pilot.press("3")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RecommendationsScreen)
        screen.select_recommendation(2)
        await pilot.press("w")
        await pilot.pause()
        form = top(app)
        assert isinstance(form, RecordFormScreen)
        form.query_one("#field-text", Input).value = "Strengthen management oversight"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, RecommendationsScreen)
    repo = Repository(store)
    plan = repo.plan("test-plan")
    assert plan.theme("QP").name == f"Practice {MARKUP}"
    assert [r.text for r in plan.recommendations if r.number == 2] == ["Strengthen management oversight"]
    changed = {(entry.entity, entry.key) for entry in repo.audit("test-plan")}
    assert {("theme", "QP"), ("recommendation", "2")} <= changed


async def test_add_spend_and_reading(store: Path) -> None:
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("4", "s")
        await pilot.pause()
        app.screen.query_one("#field-amount", Input).value = "not money"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "not an amount" in str(app.screen.query_one("#problem-amount", Static).render())
        app.screen.query_one("#field-amount", Input).value = "1200.50"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, FundingScreen)
        await pilot.press("5", "r")
        await pilot.pause()
        app.screen.query_one("#field-value", Input).value = "28"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ScorecardScreen)
    plan = Repository(store).plan("test-plan")
    assert str(plan.spend[-1].amount) == "1200.50"
    assert plan.kpis[0].readings[-1].on == AS_OF and str(plan.kpis[0].readings[-1].value) == "28"


async def test_add_allocation_refuses_bad_values_beside_their_fields_then_saves(store: Path) -> None:
    before = Repository(store).plan("test-plan").allocations
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("4", "a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, RecordFormScreen)
        form.query_one("#field-financial_year", Input).value = "2019/21"
        form.query_one("#field-amount", Input).value = "lots"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "2019/21" in str(form.query_one("#problem-financial_year", Static).render())
        assert "not an amount" in str(form.query_one("#problem-amount", Static).render())
        form.query_one("#field-financial_year", Input).value = "2019/20"
        form.query_one("#field-amount", Input).value = "-50000"
        form.query_one("#field-approved_on", Input).value = "31/02/2020"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "not a date" in str(form.query_one("#problem-approved_on", Static).render())
        assert Repository(store).plan("test-plan").allocations == before, "nothing saved yet"
        form.query_one("#field-approved_on", Input).value = "03/10/2019"
        form.query_one("#field-purpose", Input).value = MARKUP
        form.query_one("#field-category", Select).value = "budget_reduction"
        form.query_one("#field-theme", Select).value = "QP"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, FundingScreen)
    repo = Repository(store)
    added = repo.plan("test-plan").allocations[-1]
    assert len(repo.plan("test-plan").allocations) == len(before) + 1
    assert (added.amount, added.approved_on, added.theme, added.purpose) == (
        Decimal("-50000.00"),
        date(2019, 10, 3),
        "QP",
        MARKUP,
    )
    assert added.category.value == "budget_reduction" and added.financial_year == "2019/20"
    assert any(entry.entity == "allocation" and entry.key == added.id for entry in repo.audit("test-plan"))


async def choose(app: IptApp, pilot: Pilot[None], key: str) -> None:
    """Pick ``key`` in the choice dialog on top, as Enter on its line would."""
    options = app.screen.query_one(OptionList)
    options.highlighted = options.get_option_index(key)
    options.action_select()
    await pilot.pause()


async def test_edit_allocation_keeps_its_id_and_its_spend(store: Path) -> None:
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("4", "e")
        await pilot.pause()
        await choose(app, pilot, "A1")
        form = app.screen
        assert isinstance(form, RecordFormScreen)
        assert not form.query("#field-id"), "an allocation's id cannot change: spend refers to it"
        assert form.query_one("#field-amount", Input).value == "1000000.00"
        assert form.query_one("#field-theme", Select).value == "WF"
        form.query_one("#field-amount", Input).value = "1,250,000"
        form.query_one("#field-purpose", Input).value = "Two more teams"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, FundingScreen)
    repo = Repository(store)
    plan = repo.plan("test-plan")
    [allocation] = plan.allocations
    assert (allocation.id, allocation.amount, allocation.purpose) == (
        "A1",
        Decimal("1250000.00"),
        "Two more teams",
    )
    assert [entry.allocation for entry in plan.spend] == ["A1"]
    changed = {entry.field for entry in repo.audit("test-plan", "allocation", "A1") if entry.by == "tester"}
    assert {"amount", "purpose"} <= changed


async def test_allocation_choice_shows_its_purpose_literally(store: Path) -> None:
    repo = Repository(store)
    stored = repo.plan("test-plan").allocations[0]
    repo.save("test-plan", stored.model_copy(update={"purpose": MARKUP}), by="setup", base=stored)
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("4", "e")
        await pilot.pause()
        shown = app.export_screenshot().replace("&#160;", " ")
        assert "[bold]x[/] [@click=app.quit]" in shown, "shown as typed, not styled"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, FundingScreen) and app.is_running


async def test_remove_allocation_asks_and_is_refused_while_spend_uses_it(store: Path) -> None:
    repo = Repository(store)
    spare = (
        repo.plan("test-plan").allocations[0].model_copy(update={"id": "A2", "amount": Decimal("5000.00")})
    )
    repo.save("test-plan", spare, by="setup", create=True)
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("4", "x")
        await pilot.pause()
        await choose(app, pilot, "A1")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(app, pilot)
        assert [a.id for a in Repository(store).plan("test-plan").allocations] == ["A1", "A2"], "S1 uses A1"
        await pilot.press("x")
        await pilot.pause()
        await choose(app, pilot, "A2")
        await pilot.press("n")
        await settle(app, pilot)
        assert [a.id for a in Repository(store).plan("test-plan").allocations] == ["A1", "A2"], "answered no"
        await pilot.press("x")
        await pilot.pause()
        await choose(app, pilot, "A2")
        await pilot.press("y")
        await settle(app, pilot)
        assert isinstance(app.screen, FundingScreen)
    after = Repository(store)
    assert [a.id for a in after.plan("test-plan").allocations] == ["A1"]
    assert any(entry.key == "A2" and entry.by == "tester" for entry in after.audit("test-plan", "allocation"))


async def test_markup_in_user_text_is_shown_literally(tmp_path: Path) -> None:
    plan = make_plan(actions=2)
    first = plan.actions[0].model_copy(update={"title": MARKUP, "owner": "[red]Owner"})
    plan = plan.model_copy(update={"actions": [first, plan.actions[1]], "name": "Plan [b]one[/b]"})
    store = store_with(tmp_path / "plans.json", Plan.model_validate(plan.model_dump()))
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.screen.query_one("#dash-overdue").scroll_visible(animate=False)  # below the answers
        await pilot.pause()
        dashboard_svg = app.export_screenshot()
        await pilot.press("2")
        await pilot.pause()
        table = app.screen.query_one(ActionTable).grid
        assert str(table.get_row("WF-01")[1]) == MARKUP
        await pilot.click(table, offset=(20, 1))
        await pilot.press("enter")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ActionFormScreen)
        assert form.query_one("#field-title", Input).value == MARKUP
        await pilot.press("ctrl+p", *"bold")
        await pilot.pause(0.5)
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running
    assert "[bold]x[/] [@click=app.qui" in dashboard_svg.replace("&#160;", " ")  # cut by the width
    assert "Plan&#160;[b]one[/b]" in dashboard_svg or "Plan [b]one[/b]" in dashboard_svg


async def test_help_is_generated_from_bindings(store: Path) -> None:
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("2", "question_mark")
        await pilot.pause()
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        described = {does for _, does, _ in help_screen.rows}
        assert {"Filter", "New action"} <= described
        assert any(does.startswith("Quit") for does in described)


async def test_theme_toggle_is_remembered(store: Path, tmp_path: Path) -> None:
    app = app_on(store, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert app.theme == LIGHT_THEME
    assert load_settings(tmp_path / "settings.json").theme == LIGHT_THEME
    again = app_on(store, tmp_path)
    async with again.run_test(size=SIZE) as pilot:
        await settle(again, pilot)
        assert again.theme == LIGHT_THEME


async def test_quit_key(store: Path) -> None:
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_empty_store_offers_samples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sample_plans
    import tui.screens.samples

    monkeypatch.setattr(tui.screens.samples, "available_samples", lambda: [("tiny", "A tiny plan")])
    monkeypatch.setattr(sample_plans, "load_sample", lambda name: PlanFile(plan=make_plan()), raising=False)
    path = tmp_path / "empty.json"
    app = app_on(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, SamplesScreen)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, DashboardScreen)
    assert Repository(path).plan_ids() == ["test-plan"]


def store_of_many_actions(tmp_path: Path, count: int, title: str = "Action {n}") -> Path:
    """A store whose plan has ``count`` actions WF-0001... titled from ``title``."""
    plan = make_plan(actions=1)
    template = plan.actions[0]
    actions = [
        template.model_copy(update={"ref": f"WF-{n:04d}", "title": title.format(n=n)})
        for n in range(1, count + 1)
    ]
    plan = Plan.model_validate({**plan.model_dump(), "actions": [a.model_dump() for a in actions]})
    return store_with(tmp_path / "big.json", plan)


async def test_paging_keeps_the_table_small(tmp_path: Path) -> None:
    app = app_on(store_of_many_actions(tmp_path, 450))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await pilot.pause()
        table = app.screen.query_one(ActionTable)
        assert table.grid.row_count == 200
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert "rows 201–400 of 450" in str(table.query_one("#page-label", Static).render())
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert table.grid.row_count == 50
        table.grid.move_cursor(row=0)
        await pilot.press("pageup")
        await pilot.pause()
        assert table.page == 1


async def test_scrolled_table_draws_the_cursor_on_the_right_row(tmp_path: Path) -> None:
    """The actions table caches rows away from the cursor; each line it draws after moving and
    scrolling must still be exactly what Textual's own DataTable draws for the same state."""
    app = app_on(store_of_many_actions(tmp_path, 120, "Action {n} [b]x[/b]"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await pilot.pause()
        grid = app.screen.query_one(ActionTable).grid
        grid.focus()
        for _ in range(45):
            await pilot.press("down")
        await pilot.press("up", "up")
        await pilot.pause()
        assert grid.cursor_row == 43
        assert grid.scroll_offset.y > 0, "the table should have scrolled"
        style = grid.rich_style
        scroll_x, scroll_y = grid.scroll_offset
        for y in range(1, grid.size.height):
            ours = grid.render_line(y)
            theirs = DataTable._render_line(grid, y + scroll_y, scroll_x, scroll_x + grid.size.width, style)
            assert list(ours) == list(theirs), f"line {y} differs"
        cursor_line = grid.render_line(grid.cursor_row - scroll_y + 1).text
        assert "WF-0044" in cursor_line
        # Drawn ahead while idle: the row the next down key lands on, with the cursor on it,
        # and this row without it, are in the cache already; that key's frame draws no row.
        here = grid.cursor_coordinate

        def drawn_again(*args: object, **kwargs: object) -> None:
            raise AssertionError("a row drawn ahead was drawn again")

        grid._render_line_in_row = drawn_again  # type: ignore[assignment,method-assign]
        ahead = grid._render_line(1 + 44, scroll_x, scroll_x + grid.size.width, style, here.down())
        left = grid._render_line(1 + 43, scroll_x, scroll_x + grid.size.width, style, _NOWHERE)
        assert "WF-0045" in ahead.text and "WF-0044" in left.text
        del grid._render_line_in_row
        await pilot.press("down")
        await pilot.pause()
        assert list(grid.render_line(grid.cursor_row - grid.scroll_offset.y + 1)) == list(
            DataTable._render_line(
                grid, grid.cursor_row + 1, scroll_x, scroll_x + grid.size.width, grid.rich_style
            )
        )


async def test_moving_between_sections_does_not_keep_dead_footer_keys(store: Path) -> None:
    """Textual's footer keeps every key it ever composed (textual#6666); ours lets them go."""

    def live_footer_keys() -> int:
        gc.collect()
        return sum(isinstance(item, FooterKey) for item in gc.get_objects())

    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)

        async def switch(times: int) -> None:
            for turn in range(times):
                await pilot.press("2" if turn % 2 else "1")
                await pilot.pause()

        await switch(6)
        settled = live_footer_keys()
        await switch(20)
        assert live_footer_keys() <= settled


async def test_changes_do_not_grow_what_the_collector_never_frees(store: Path) -> None:
    """The plan read from the store is frozen out of the collector's way; a change must not
    freeze anything more, or the garbage frozen with it would never be freed."""
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)

        async def changes(times: int) -> None:
            for _ in range(times):
                app.data_changed()
                await settle(app, pilot)

        await changes(3)
        frozen = gc.get_freeze_count()
        await changes(10)
        assert gc.get_freeze_count() <= frozen


def test_action_model_is_what_the_form_checks() -> None:
    """The form's checks come from the model, not a second copy of the rules."""
    with pytest.raises(ValueError, match="progress"):
        Action(ref="X-1", theme="WF", title="t", progress=101)


async def test_save_runs_in_a_worker_and_patches_only_the_saved_row(store: Path) -> None:
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await pilot.pause()
        table = app.screen.query_one(ActionTable)
        form = await open_form(app, pilot, "WF-03")
        rows_before = table.actions
        set_input(form, "progress", "65")
        form.action_save()
        assert form.saving and form.query_one("#saving", Static).display
        assert form.query_one("#save", Button).disabled
        await settle(app, pilot)
        assert isinstance(app.screen, ActionsScreen)
        assert table.actions is rows_before, "one edited action should not rebuild the table"
        saved = next(action for action in table.actions if action.ref == "WF-03")
        assert saved.progress == 65 and table.current_ref == "WF-03"
        assert str(table.grid.get_cell("WF-03", "progress")) == "65%"
        # A change that moves the action in the sort order rebuilds the table.
        table.sort_by("progress")
        await pilot.pause()
        form = await open_form(app, pilot, "WF-01")
        rows_before = table.actions
        set_input(form, "progress", "90")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert table.actions is not rows_before
        assert table.actions[-1].ref == "WF-01" and table.current_ref == "WF-01"
    assert Repository(store).plan("test-plan").action("WF-03").progress == 65
