"""The owners' returns in the tracker: the palette's "Read owners' returns…", its preview with
a conflict to take or hold back, and the dashboard's chase panel."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest
from textual.widgets import Button, DataTable, Input, Static

from store.models import Plan, Rag
from store.repository import Repository
from store.returns import ACTIONS_SHEET, EDITABLE, HEADER_ROW, READ_ONLY, make_requests
from tests.conftest import make_plan
from tests.test_tui_reviews import app_on, settle
from tui.screens.returns_dialog import ReturnsDialog, ReturnsReportScreen

AS_OF = date(2019, 12, 2)
SIZE = (100, 32)
PLAN = "test-plan"
COLUMN = {name: len(READ_ONLY) + 1 + position for position, (_, _, name) in enumerate(EDITABLE)}


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "plans.json"
    plan = make_plan(actions=4)
    actions = [a.model_copy(update={"owner": "Ann" if n < 2 else "Bo"}) for n, a in enumerate(plan.actions)]
    Repository(path).add_plan(Plan.model_validate({**plan.model_dump(), "actions": actions}), by="setup")
    return path


def returned(store: Path, folder: Path) -> None:
    """Requests to Ann and Bo; Ann returns WF-01 red, Bo returns WF-03 green after ipt made it amber."""
    repo = Repository(store)
    written: dict[str, bytes] = {}
    made = make_requests(
        repo, PLAN, by="po", on=date(2019, 11, 1), due=date(2019, 11, 15), write=written.__setitem__
    )
    folder.mkdir()
    answers: dict[str, dict[str, dict[str, object]]] = {
        "Ann": {"WF-01": {"rag": "Red"}},
        "Bo": {"WF-03": {"rag": "Green", "progress": 70}},
    }
    for request in made:
        path = folder / request.file
        path.write_bytes(written[request.file])
        book = openpyxl.load_workbook(path)
        sheet = book[ACTIONS_SHEET]
        for row in range(HEADER_ROW + 1, sheet.max_row + 1):
            for name, value in answers[request.owner].get(str(sheet.cell(row, 1).value), {}).items():
                sheet.cell(row, COLUMN[name]).value = value
        book.save(path)
    from store.models import Action
    from store.operations import set_fields

    set_fields(repo, PLAN, Action, "WF-03", {"rag": "amber"}, by="someone")


async def test_returns_preview_holds_back_a_conflict_until_taken(store: Path, tmp_path: Path) -> None:
    folder = tmp_path / "back"
    returned(store, folder)
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        panel = app.screen.query_one("#dash-returns", Static)
        assert panel.display
        assert "0 of 2 returned; 2 late" in str(panel.render())
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"owners returns")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, ReturnsDialog)
        assert app.focused is dialog.query_one("#field-folder", Input)
        dialog.query_one("#field-folder", Input).value = str(folder)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        report = app.screen
        assert isinstance(report, ReturnsReportScreen)
        rows = report.query_one("#returns-rows", DataTable)
        assert rows.has_focus
        keys = [str(key.value) for key in rows.rows]
        assert keys == ["file:0", "file:1", "take:WF-03"]
        assert Repository(store).plan(PLAN).action("WF-01").rag is not Rag.RED  # nothing written yet
        rows.move_cursor(row=2)
        await pilot.press("space")  # take Bo's values for WF-03
        await pilot.pause()
        assert report.take == {"WF-03"}
        report.query_one("#confirm", Button).press()
        await settle(app, pilot)
        plan = Repository(store).plan(PLAN)
        assert plan.action("WF-01").rag is Rag.RED
        assert plan.action("WF-03").rag is Rag.GREEN and plan.action("WF-03").progress == 70
        assert all(request.returned_on == AS_OF for request in plan.requests)
        assert "2 of 2 returned" in str(app.screen.query_one("#dash-returns", Static).render())


async def test_a_conflict_left_unticked_is_held_back(store: Path, tmp_path: Path) -> None:
    folder = tmp_path / "back"
    returned(store, folder)
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        from tui.screens.returns_dialog import returns_flow

        returns_flow(app)
        await settle(app, pilot)
        app.screen.query_one("#field-folder", Input).value = str(folder)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        app.screen.query_one("#confirm", Button).press()
        await settle(app, pilot)
    plan = Repository(store).plan(PLAN)
    assert plan.action("WF-01").rag is Rag.RED
    assert plan.action("WF-03").rag is Rag.AMBER  # ipt's change stands
    bo = next(request for request in plan.requests if request.owner == "Bo")
    assert bo.held_back == ["WF-03"]


async def test_no_requests_no_panel(store: Path) -> None:
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert not app.screen.query_one("#dash-returns", Static).display
