"""Pilot tests of section 6 (change-board sessions, snapshots, compare), export and import
from the UI and the palette, and a read-only store.

Every app starts on a copy of a small plan in ``tmp_path`` with a fixed ``as_of`` and
polling off; assertions look at what a fresh Repository reads back and at what is drawn.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Checkbox, DataTable, Input, Select, Static

from store.models import Governance, Plan
from store.repository import Repository
from tests.conftest import make_plan
from tui.app import IptApp, make_app
from tui.screens.action_form import ActionFormScreen
from tui.screens.actions import ActionsScreen
from tui.screens.compare import CompareScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.export_dialog import ExportDialog
from tui.screens.help import HelpScreen
from tui.screens.import_dialog import ImportDialog, ImportReportScreen
from tui.screens.record_form import RecordFormScreen
from tui.screens.review_session import ReviewSessionScreen
from tui.screens.reviews import ReviewsScreen

AS_OF = date(2019, 12, 2)
SIZE = (100, 32)
BOARD = "Children's [b]Change[/b] Board"


def board_plan() -> Plan:
    plan = make_plan(actions=6)
    return plan.model_copy(
        update={"governance": Governance(board=BOARD, chair="Director of Children's Services")}
    )


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "plans.json"
    Repository(path).add_plan(Plan.model_validate(board_plan().model_dump()), by="setup")
    return path


def app_on(path: Path) -> IptApp:
    return make_app(
        path, as_of=AS_OF, by="tester", poll_seconds=0, settings_path=path.parent / "settings.json"
    )


async def settle(app: IptApp, pilot: Pilot[None]) -> None:
    """Wait for workers and for the screens their results push (a chain of dialogs)."""
    for _ in range(4):
        await app.workers.wait_for_complete()
        await pilot.pause()


def top(app: IptApp) -> Any:
    return app.screen


def shown(screen: Any, selector: str) -> str:
    widget = screen.query_one(selector, Static)
    return str(widget.render()) if widget.display else ""


async def palette(app: IptApp, pilot: Pilot[None], words: str) -> None:
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*words)
    await pilot.pause(0.5)
    await pilot.press("enter")
    await settle(app, pilot)


async def start_session(app: IptApp, pilot: Pilot[None], attendees: str = "") -> ReviewSessionScreen:
    await pilot.press("6")
    await pilot.pause()
    await pilot.press("n")
    await pilot.pause()
    form = top(app)
    assert isinstance(form, RecordFormScreen)
    form.query_one("#field-attendees", Input).value = attendees
    await pilot.press("ctrl+s")
    await settle(app, pilot)
    screen = top(app)
    assert isinstance(screen, ReviewSessionScreen)
    return screen


async def test_section_6_is_in_keys_help_and_palette(store: Path) -> None:
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("6")
        await pilot.pause()
        assert isinstance(app.screen, ReviewsScreen)
        assert "No sessions yet" in shown(app.screen, "#reviews-note")
        assert "6 Reviews" in shown(app.screen, "#section-bar")
        await pilot.press("question_mark")
        await pilot.pause()
        help_screen = top(app)
        assert isinstance(help_screen, HelpScreen)
        described = {does for _, does, _ in help_screen.rows}
        assert {"New session", "Snapshot", "Compare", "Export pack"} <= described
        assert any("6 Reviews" in does for does in described)
        await pilot.press("escape", "1")
        await pilot.pause()
        await palette(app, pilot, "go to reviews")
        assert isinstance(app.screen, ReviewsScreen)


async def test_new_session_defaults_from_governance_and_opens_its_agenda(store: Path) -> None:
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("6", "n")
        await pilot.pause()
        form = top(app)
        assert isinstance(form, RecordFormScreen)
        values = form.values()
        assert values["held_on"] == "02/12/2019"
        assert values["board"] == BOARD and values["chair"] == "Director of Children's Services"
        form.query_one("#field-next_board_on", Input).value = "01/12/2019"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "after this one" in shown(form, "#problem-next_board_on")
        form.query_one("#field-next_board_on", Input).value = "06/01/2020"
        form.query_one("#field-attendees", Input).value = "Director, Finance partner , "
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        screen = top(app)
        assert isinstance(screen, ReviewSessionScreen)
        assert "Item 1 of" in shown(screen, "#item-position")
        heading = shown(screen, "#session-heading")
        assert BOARD in heading and "Director, Finance partner" in heading
        detail = shown(screen, "#item-detail")
        assert "WF-01" in detail and "Overdue" in detail
    session = Repository(store).plan("test-plan").reviews[0]
    assert (session.id, session.board, session.held_on) == ("R0001", BOARD, AS_OF)
    assert session.attendees == ["Director", "Finance partner"] and session.next_board_on == date(2020, 1, 6)
    assert session.items and session.items[0].subject == "WF-01"


async def test_walk_the_agenda_and_record_an_item_with_a_moved_due_date(store: Path) -> None:
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = await start_session(app, pilot)
        subjects = [item.subject for item in screen.session.items]
        await pilot.press("pagedown")
        await pilot.pause()
        assert screen.position == 1 and subjects[1] in shown(screen, "#item-detail")
        await pilot.press("pageup")
        await pilot.pause()
        assert screen.position == 0
        screen.query_one("#field-commentary", Input).value = "Recruitment has slipped [red]badly[/]"
        screen.query_one("#field-decision", Input).value = "Extend by a month"
        screen.query_one("#field-rag", Select).value = "red"
        screen.query_one("#field-due_on", Input).value = "31/01/2020"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "needs a reason" in shown(screen, "#problem-due_on")
        screen.query_one("#field-due_reason", Input).value = "Agency market closed over winter"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not shown(screen, "#problem-due_on")
        assert "RAG: – → red" in shown(screen, "#item-detail")  # "Changed at the board: RAG: – → red; …"
        await pilot.press("escape", "j")
        await pilot.pause()
        assert screen.position == 1
    plan = Repository(store).plan("test-plan")
    item = plan.reviews[0].items[0]
    assert item.commentary == "Recruitment has slipped [red]badly[/]" and item.decision == "Extend by a month"
    assert "due_on" in item.outcome
    action = plan.action("WF-01")
    assert action.due_on == date(2020, 1, 31) and action.rag is not None and action.rag.value == "red"
    assert action.due_history[-1].reason == "Agency market closed over winter"


async def test_leaving_an_item_with_unrecorded_notes_asks_first(store: Path) -> None:
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = await start_session(app, pilot)
        screen.query_one("#field-commentary", Input).value = "half written"
        await pilot.press("pagedown")
        await pilot.pause()
        assert isinstance(top(app), ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert screen.position == 0
        assert screen.query_one("#field-commentary", Input).value == "half written"


async def test_decision_close_and_export_the_pack(store: Path, tmp_path: Path) -> None:
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = await start_session(app, pilot)
        await pilot.press("escape", "d")
        await pilot.pause()
        top(app).query_one("#field-text", Input).value = "Approve the recovery plan"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "Approve the recovery plan" in shown(screen, "#session-decisions")
        assert screen.focused is screen.query_one("#field-commentary")  # back where typing goes
        await pilot.press("escape", "c")
        await pilot.pause()
        assert isinstance(top(app), ConfirmScreen)
        await pilot.press("y")
        await settle(app, pilot)
        dialog = top(app)
        assert isinstance(dialog, ExportDialog)
        assert "S0001" in shown(dialog, ".form-intro")
        path_box = dialog.query_one("#field-path", Input)
        assert path_box.value == str(tmp_path / "board-pack-2019-12-02.html")
        dialog.query_one("#field-format", Select).value = "md"
        await pilot.pause()
        assert path_box.value.endswith("board-pack-2019-12-02.md")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert top(app) is screen
        assert screen.closed and screen.query_one("#session-closed").display
    pack = tmp_path / "board-pack-2019-12-02.md"
    assert pack.exists() and "Test Improvement Plan" in pack.read_text()
    fresh = Repository(store)
    session = fresh.plan("test-plan").reviews[0]
    assert session.state.value == "closed" and session.snapshot_id == "S0001"
    assert session.decisions == ["Approve the recovery plan"]
    assert [header.id for header in fresh.snapshots.list("test-plan")] == ["S0001"]


async def test_a_closed_session_opens_read_only(store: Path) -> None:
    from store.reviews import close_review, open_review

    repo = Repository(store)
    session = open_review(repo, "test-plan", AS_OF, by="setup")
    close_review(
        repo, "test-plan", session.id, by="setup", at=__import__("datetime").datetime(2019, 12, 2, 12)
    )
    revision = Repository(store).revision
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("6")
        await pilot.pause()
        table = app.screen.query_one("#reviews-table", DataTable)
        assert [str(cell) for cell in table.get_row_at(0)][3:] == ["closed", str(len(session.items)), "S0001"]
        await pilot.press("enter")
        await pilot.pause()
        screen = top(app)
        assert isinstance(screen, ReviewSessionScreen)
        assert "closed — read-only record" in shown(screen, "#session-closed")
        assert not screen.query_one("#item-fields").display
        active = {binding.binding.action for binding in screen.active_bindings.values()}
        assert not {"record", "decide", "close"} & active
        assert {"step(1)", "export"} <= active
        await pilot.press("d", "c", "ctrl+s")
        await pilot.pause()
        assert top(app) is screen
    assert Repository(store).revision == revision


async def test_snapshots_are_taken_listed_and_compared(store: Path) -> None:
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("6", "s")
        await pilot.pause()
        form = top(app)
        assert isinstance(form, RecordFormScreen)
        assert form.values()["label"] == f"{BOARD} — December 2019"
        form.query_one("#field-label", Input).value = "Board [i]one[/i]"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.repo is not None
        app.repo.update_action("test-plan", "WF-02", {"status": "complete", "progress": 100, "rag": "blue",
                                                       "completed_on": AS_OF}, by="x", on=AS_OF)  # fmt: skip
        app.repo.update_action("test-plan", "WF-03", {"rag": "red"}, by="x", on=AS_OF)
        app.data_changed()
        await palette(app, pilot, "take snapshot")
        top(app).query_one("#field-label", Input).value = "Board two"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        table = app.screen.query_one("#snapshots-table", DataTable)
        assert [str(table.get_row_at(i)[1]) for i in range(table.row_count)] == [
            "Board two",
            "Board [i]one[/i]",
        ]
        await pilot.press("c")
        await settle(app, pilot)
        screen = top(app)
        assert isinstance(screen, CompareScreen)
        assert (
            screen.query_one("#compare-before", Select).value,
            screen.query_one("#compare-after", Select).value,
        ) == (
            "S0001",
            "S0002",
        )
        assert screen.comparison is not None
        assert [d.action.ref for d in screen.comparison.newly_complete] == ["WF-02"]
        svg = app.export_screenshot()
        assert "Newly&#160;complete&#160;(1)" in svg and "RAG&#160;" in svg
        screen.choose("S0002", "live")
        await settle(app, pilot)
        assert screen.comparison is not None and screen.comparison.is_empty
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ReviewsScreen)


def write_tracker(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["Ref", "Theme", "Action", "Due", "% complete"], *rows])
    return path


async def run_import(app: IptApp, pilot: Pilot[None], path: Path) -> Any:
    await palette(app, pilot, "import tracker")
    dialog = top(app)
    assert isinstance(dialog, ImportDialog)
    dialog.query_one("#field-path", Input).value = str(path)
    assert not dialog.query_one("#field-create-missing", Checkbox).value
    await pilot.press("ctrl+s")
    await settle(app, pilot)
    return top(app)


async def test_import_shows_what_would_change_then_imports_on_confirmation(
    store: Path, tmp_path: Path
) -> None:
    tracker = write_tracker(
        tmp_path / "tracker.csv",
        [["WF-01", "WF", "Action 1", "", "45"], ["QP-20", "QP", "New audit", "31/03/2020", "0"]],
    )
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        version = app.data_version
        report = await run_import(app, pilot, tracker)
        assert isinstance(report, ImportReportScreen)
        counts = shown(report, "#import-counts")
        assert "1 action updated, 1 added" in counts
        listed = report.query_one("#import-rows", DataTable)
        assert [str(key.value) for key in listed.rows] == ["WF-01", "QP-20"]
        assert app.focused is listed and report.ticked == {"WF-01", "QP-20"}
        assert "QP-20" not in [a.ref for a in Repository(store).plan("test-plan").actions]
        await pilot.click("#confirm")
        await settle(app, pilot)
        assert app.data_version > version
        assert "QP-20" in [a.ref for a in app.plan.actions]
    plan = Repository(store).plan("test-plan")
    assert plan.action("WF-01").progress == 45 and plan.action("QP-20").title == "New audit"


async def test_import_lists_every_problem_and_writes_nothing(store: Path, tmp_path: Path) -> None:
    tracker = write_tracker(
        tmp_path / "bad.csv",
        [["WF-01", "WF", "Action 1", "31/02/2020", "45"], ["WF-02", "ZZ", "x", "", "500"]],
    )
    revision = Repository(store).revision
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        report = await run_import(app, pilot, tracker)
        assert isinstance(report, ImportReportScreen)
        assert not report.query("#confirm")
        table = report.query_one("#import-problems", DataTable)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        assert any(row[0] == "2" and row[1] == "Due" and "31/02/2020" in row[2] for row in rows)
        assert any(row[0] == "3" for row in rows) and all(row[3] for row in rows)
        await pilot.press("escape")
        await pilot.pause()
    assert Repository(store).revision == revision


async def export_dialog(app: IptApp, pilot: Pilot[None], target: Path) -> ExportDialog:
    """The export dialog, opened from the palette, with ``target`` typed in as the file."""
    await settle(app, pilot)
    await palette(app, pilot, "export board pack")
    dialog = top(app)
    assert isinstance(dialog, ExportDialog)
    dialog.query_one("#field-path", Input).value = str(target)
    return dialog


async def test_palette_exports_the_board_pack(store: Path, tmp_path: Path) -> None:
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await export_dialog(app, pilot, tmp_path / "out" / "pack.json")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "no folder" in shown(dialog, "#problem-path")
        target = tmp_path / "pack.json"
        dialog.query_one("#field-path", Input).value = str(target)
        dialog.query_one("#field-format", Select).value = "json"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not isinstance(top(app), ExportDialog)
    assert target.exists() and '"test-plan"' in target.read_text()


async def test_export_asks_before_replacing_a_file(store: Path, tmp_path: Path) -> None:
    target = tmp_path / "pack.md"
    target.write_text("last month's pack", encoding="utf-8")
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await export_dialog(app, pilot, target)
        dialog.query_one("#field-format", Select).value = "md"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(top(app), ConfirmScreen)
        await pilot.press("n")
        await settle(app, pilot)
        assert top(app) is dialog, "keeping the file goes back to the dialog"
        assert target.read_text(encoding="utf-8") == "last month's pack"
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("y")
        await settle(app, pilot)
        assert not isinstance(top(app), ExportDialog | ConfirmScreen)
    assert target.read_text(encoding="utf-8").startswith("# ")


async def test_read_only_store_says_so_and_refuses_every_save(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from store.reviews import open_review

    open_review(Repository(store), "test-plan", AS_OF, by="setup")
    monkeypatch.setattr(Repository, "read_only", property(lambda self: True))
    revision = Repository(store).revision
    app = app_on(store)
    notes: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        monkeypatch.setattr(app, "notify", lambda message, **_: notes.append(str(message)))
        await settle(app, pilot)
        assert app.sub_title == "read-only"
        assert "read-only" in shown(app.screen, "#section-bar")
        attempts = [
            (("2", "n"), ActionsScreen),
            (("2", "N"), ActionsScreen),
            (("2", "x"), ActionsScreen),
            (("3", "e"), None),
            (("3", "n"), None),
            (("4", "s"), None),
            (("5", "r"), None),
            (("6", "n"), ReviewsScreen),
            (("6", "s"), ReviewsScreen),
            (("6", "enter", "ctrl+s"), ReviewSessionScreen),
            (("escape", "d"), ReviewSessionScreen),
            (("c",), ReviewSessionScreen),
        ]
        for keys, kind in attempts:
            notes.clear()
            await pilot.press(*keys)
            await pilot.pause()
            assert not isinstance(top(app), RecordFormScreen | ConfirmScreen), keys
            assert notes and "read-only" in notes[-1], keys
            if kind is not None:
                assert isinstance(top(app), kind)
        await pilot.press("escape")
        await pilot.pause()
        notes.clear()
        await palette(app, pilot, "import tracker")
        assert not isinstance(top(app), ImportDialog) and "read-only" in notes[-1]
        await app.open_action("WF-01")
        await pilot.pause()
        form = top(app)
        assert isinstance(form, ActionFormScreen) and form.query_one("#save", Button).disabled
        form.query_one("#field-owner", Input).value = "Someone"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "read-only" in shown(form, "#problem-_form")
    assert Repository(store).revision == revision


async def test_the_agenda_beside_the_item_marks_what_is_recorded(store: Path) -> None:
    from textual.widgets import OptionList

    app = app_on(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = await start_session(app, pilot)
        agenda = screen.query_one("#session-agenda", OptionList)
        count = len(screen.session.items)
        assert agenda.option_count == count >= 2
        assert agenda.region.width >= 16 and agenda.highlighted == 0
        assert str(agenda.border_title) == f"0/{count} recorded"
        assert isinstance(app.focused, Input) and app.focused.id == "field-commentary"
        await pilot.press(*"Noted")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert str(agenda.border_title) == f"1/{count} recorded"
        assert str(agenda.get_option_at_index(0).prompt).startswith("✔ ")
        assert str(agenda.get_option_at_index(1).prompt).startswith("○ ")
        assert f"1 of {count} recorded" in shown(screen, "#item-position")
        await pilot.press("pagedown")
        await pilot.pause()
        assert agenda.highlighted == 1
        assert isinstance(app.focused, Input) and app.focused.id == "field-commentary"
        await pilot.click("#session-agenda", offset=(4, 1))  # the first item, under the border
        await pilot.pause()
        assert screen.position == 0
