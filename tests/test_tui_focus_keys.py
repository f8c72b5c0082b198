"""Pilot tests that a meeting can type into the tracker: where the cursor is after each
step, the keys that must not fire while a field has it, and the palette's jumps.

Every app starts on a copy of a small plan in ``tmp_path`` with a fixed ``as_of`` and
polling off.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Select, SelectionList

from store.models import Governance, Plan
from store.repository import Repository
from tests.conftest import make_plan
from tui.app import IptApp, make_app
from tui.commands import folded, query_words, score
from tui.screens.action_form import ActionFormScreen
from tui.screens.actions import ActionsScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.export_dialog import ExportDialog
from tui.screens.import_dialog import ImportDialog
from tui.screens.record_form import RecordFormScreen
from tui.screens.review_session import ReviewSessionScreen
from tui.settings import DARK_THEME
from tui.widgets.action_table import ActionTable

AS_OF = date(2019, 12, 2)
SIZE = (100, 32)


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "plans.json"
    plan = make_plan(actions=6)
    plan = plan.model_copy(update={"governance": Governance(board="Change Board", chair="DCS")})
    Repository(path).add_plan(Plan.model_validate(plan.model_dump()), by="setup")
    return path


def app_on(path: Path) -> IptApp:
    return make_app(path, as_of=AS_OF, by="tester", poll_seconds=0, settings_path=path.parent / "s.json")


async def settle(app: IptApp, pilot: Pilot[None]) -> None:
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()


def top(app: IptApp) -> Any:
    return app.screen


def focused_id(app: IptApp) -> str | None:
    return None if app.focused is None else app.focused.id


async def open_session(app: IptApp, pilot: Pilot[None]) -> ReviewSessionScreen:
    await pilot.press("6", "n")
    await pilot.pause()
    assert isinstance(top(app), RecordFormScreen)
    await pilot.press("ctrl+s")
    await settle(app, pilot)
    screen = top(app)
    assert isinstance(screen, ReviewSessionScreen)
    return screen


async def test_forms_and_dialogs_open_on_their_first_field(store: Path) -> None:
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("2", "n")
        await pilot.pause()
        assert isinstance(top(app), ActionFormScreen) and focused_id(app) == "field-ref"
        await pilot.press(*"WF-99")
        assert top(app).query_one("#field-ref", Input).value == "WF-99"
        await pilot.press("escape")
        await pilot.pause()
        if isinstance(top(app), ConfirmScreen):
            await pilot.press("y")
            await pilot.pause()
        await app.open_action("WF-02")  # editing: the ref is fixed, so the theme comes first
        await pilot.pause()
        assert isinstance(top(app), ActionFormScreen) and focused_id(app) == "field-theme"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("6", "n")  # a new session's form
        await pilot.pause()
        form = top(app)
        assert isinstance(form, RecordFormScreen)
        assert focused_id(app) == f"field-{form.fields[0].name}"
        await pilot.press("escape", "e")  # the export dialog
        await pilot.pause()
        assert isinstance(top(app), ExportDialog) and isinstance(app.focused, Select)
        await pilot.press("escape", "4", "s")  # a spend entry
        await pilot.pause()
        form = top(app)
        assert isinstance(form, RecordFormScreen)
        assert focused_id(app) == f"field-{form.fields[0].name}"
        await pilot.press("escape")
        await pilot.pause()
        await app.run_action("app.command_palette")
        await pilot.pause()
        await pilot.press(*"import tracker", "enter")
        await settle(app, pilot)
        assert isinstance(top(app), ImportDialog) and focused_id(app) == "field-path"


async def test_review_session_keeps_the_cursor_in_the_commentary(store: Path) -> None:
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = await open_session(app, pilot)
        assert focused_id(app) == "field-commentary"
        await pilot.press(*"Agreed")
        await pilot.press("ctrl+s")  # Record item
        await settle(app, pilot)
        assert screen.session.items[0].commentary == "Agreed"
        assert focused_id(app) == "field-commentary"
        await pilot.press("pagedown")  # next item
        await pilot.pause()
        assert screen.position == 1 and focused_id(app) == "field-commentary"
        await pilot.press("pageup")
        await pilot.pause()
        assert screen.position == 0 and focused_id(app) == "field-commentary"


async def test_typing_a_commentary_runs_no_command(store: Path) -> None:
    """Measured before: 'c' opened the close-session question, 'e' the export dialog and 't'
    flipped and saved the theme; 'q' must not quit either."""
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = await open_session(app, pilot)
        words = "the chair quit; expect a decision next time? 1 2 6 [ ] j k"
        await pilot.press(*words)
        await pilot.pause()
        assert top(app) is screen and app.is_running and app.theme == DARK_THEME
        assert screen.query_one("#field-commentary", Input).value == words
        assert screen.position == 0
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        await pilot.press(*"cetq")  # after Record the cursor is back in the commentary
        await pilot.pause()
        assert top(app) is screen and app.is_running and app.theme == DARK_THEME
        # A drop-down with the cursor eats letters too: they never reach the session's keys.
        screen.query_one("#field-rag", Select).focus()
        await pilot.press(*"cedq")
        await pilot.pause()
        assert top(app) is screen and app.is_running and app.theme == DARK_THEME


async def test_letters_dim_in_a_field_and_work_after_escape(store: Path) -> None:
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = await open_session(app, pilot)
        assert screen.check_action("close", ()) is None  # shown dimmed: it types instead
        await pilot.press("escape")
        await pilot.pause()
        assert app.focused is None and screen.check_action("close", ()) is True
        await pilot.press("q")  # never quits from a session
        await pilot.pause()
        assert app.is_running
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(top(app), ConfirmScreen)  # closing asks first


async def test_leaving_a_session_with_unrecorded_typing_asks(store: Path) -> None:
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = await open_session(app, pilot)
        await pilot.press(*"half a thought", "escape", "escape")
        await pilot.pause()
        assert isinstance(top(app), ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert top(app) is screen and focused_id(app) == "field-commentary"


async def test_q_does_not_quit_from_a_dialog(store: Path) -> None:
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await app.open_action("WF-01")
        await pilot.pause()
        form = top(app)
        form.query_one("#field-recommendations", SelectionList).focus()
        await pilot.press("q", "1", "t")
        await pilot.pause()
        assert app.is_running and top(app) is form and app.theme == DARK_THEME
        form.query_one("#save").focus()
        await pilot.press("q", "2")
        await pilot.pause()
        assert app.is_running and top(app) is form


async def test_palette_jump_moves_the_table_cursor(store: Path) -> None:
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await pilot.pause()
        await app.run_action("app.command_palette")
        await pilot.pause()
        await pilot.press(*"wf05")  # case and punctuation ignored
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(app, pilot)
        form = top(app)
        assert isinstance(form, ActionFormScreen) and form.ref == "WF-05"
        await pilot.press("escape")
        await pilot.pause()
        screen = top(app)
        assert isinstance(screen, ActionsScreen)
        assert screen.query_one(ActionTable).current_ref == "WF-05"


async def test_palette_jump_from_another_section_moves_the_cursor(store: Path) -> None:
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await app.open_action("WF-04")
        await settle(app, pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert top(app).query_one(ActionTable).current_ref == "WF-04"


def test_palette_matching_ignores_case_and_punctuation() -> None:
    assert folded("WF-01 Recruit")[0] == "wf01recruit"
    assert query_words("wf01") == ["wf01"] and query_words(" - ") == []
    assert score("WF-01 Recruit social workers", "", ["wf01"]) == 1.0
    assert score("WF-01 Recruit social workers", "", ["wf"]) == 0.9
    assert score("WF-10 Other", "", ["wf01"]) is None
    # A plan is found by its authority and its id, as well as its name.
    help_line = "Oldham Council · oldham-2019"
    assert score("Switch plan: Improvement Plan", help_line, ["oldham"]) is not None
    assert score("Switch plan: Improvement Plan", help_line, ["oldham2019"]) == 1.0
    exact = score("WF-01 Recruit", "", ["wf01"])
    other = score("QP-02 Recruit wf01 later", "", ["wf01"])
    assert exact is not None and other is not None and exact > other


async def test_palette_finds_a_plan_by_authority(store: Path) -> None:
    other = make_plan(plan_id="second-plan", actions=1)
    other = other.model_copy(update={"authority": "Oldham Council", "name": "Second Plan"})
    Repository(store).add_plan(Plan.model_validate(other.model_dump()), by="setup")
    app = make_app(store, plan_id="test-plan", as_of=AS_OF, by="t", poll_seconds=0, settings_path=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await app.run_action("app.command_palette")
        await pilot.pause()
        await pilot.press(*"OLDHAM")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.plan_id == "second-plan"


async def test_help_is_written_for_people(store: Path) -> None:
    from tui.screens.help import HelpScreen

    app = app_on(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("2", "question_mark")
        await pilot.pause()
        help_screen = top(app)
        assert isinstance(help_screen, HelpScreen)
        rows = help_screen.rows
        groups = [where for _, _, where in rows]
        assert groups[0] == "Actions" and groups[-1] == "Everywhere"
        assert not any(name in where for where in groups for name in ("Screen", "Table", "App", "Grid"))
        pairs = [(where, does) for _, does, where in rows]
        assert len(pairs) == len(set(pairs)), "each thing is listed once"
        keys = {keys: does for keys, does, _ in rows}
        # Keys hidden from the footer are listed: a theme's edit, the sections, the theme.
        assert keys["T"] == "Edit theme" and keys["ctrl+t"] == "Light or dark theme"
        assert keys["1, 2, 3, 4, 5, 6"].startswith("Go to a section")
        assert keys["del, x"] == "Delete" and "ctrl+p" in keys
        assert all("^" not in key for key in keys)
        await pilot.press("escape", "6", "n", "ctrl+s")
        await settle(app, pilot)
        await pilot.press("question_mark")  # typed into the commentary
        await pilot.pause()
        assert isinstance(top(app), ReviewSessionScreen)
        await pilot.press("f1")  # help from inside a field
        await pilot.pause()
        help_screen = top(app)
        assert isinstance(help_screen, HelpScreen)
        after = {does for _, does, where in help_screen.rows if where.startswith("After Escape")}
        assert {"Close session", "Export pack", "Decision"} <= after


async def test_typing_survives_a_redraw_of_the_same_item(store: Path) -> None:
    """The plan redraws when it is saved (here or by another process); what the board is
    typing into the item stays, and so does the cursor."""
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = await open_session(app, pilot)
        await pilot.press(*"half a thought")
        app.data_changed()
        await pilot.pause()
        assert screen.query_one("#field-commentary", Input).value == "half a thought"
        assert focused_id(app) == "field-commentary"
