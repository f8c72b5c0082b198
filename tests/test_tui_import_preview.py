"""The tracker's import preview: one ticked row per action the import adds or changes, with
its field changes; an unticked action is left exactly as stored. Also ``import_tracker(...,
only=...)`` and ``ipt import --only``, which it rests on.
"""

from __future__ import annotations

import csv
import os
from datetime import date
from pathlib import Path

import pytest
from textual.widgets import Button, DataTable, Input, Static

from store.importers import TrackerError, import_tracker, read_tracker
from store.models import Plan, Rag
from store.repository import Repository
from tests.conftest import make_plan
from tui.app import IptApp, make_app
from tui.cli.commands import main
from tui.screens.import_dialog import ImportDialog, ImportReportScreen

AS_OF = date(2019, 12, 2)
SIZE = (100, 32)
HEADER = ["Ref", "Theme", "Action", "Due", "% complete", "RAG", "Owner"]
ROWS = [
    ["WF-01", "WF", "Action 1", "", "45", "", ""],  # progress 0 -> 45; due and owner blank: kept
    ["WF-02", "QP", "Action 2", "-", "", "", ""],  # due cleared by '-'
    ["WF-03", "WF", "Action 3", "", "", "red", ""],  # rag – -> red
    ["WF-04", "QP", "Action 4", "", "", "", ""],  # unchanged
    ["QP-20", "QP", "New audit", "31/03/2020", "0", "amber", "Auditor"],  # added
]


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "plans.json"
    Repository(path).add_plan(Plan.model_validate(make_plan(actions=6).model_dump()), by="setup")
    return path


@pytest.fixture
def tracker(tmp_path: Path) -> Path:
    path = tmp_path / "tracker.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([HEADER, *ROWS])
    return path


def app_on(path: Path) -> IptApp:
    return make_app(
        path, as_of=AS_OF, by="tester", poll_seconds=0, settings_path=path.parent / "settings.json"
    )


async def settle(app: IptApp, pilot: object) -> None:
    for _ in range(4):
        await app.workers.wait_for_complete()
        await pilot.pause()  # type: ignore[attr-defined]


def audit_lines(store: Path, ref: str) -> int:
    return len(Repository(store).audit("test-plan", "action", ref))


async def test_the_preview_lists_each_action_and_imports_only_the_ticked(store: Path, tracker: Path) -> None:
    before = Repository(store).plan("test-plan").action("WF-02")
    wf02_audit = audit_lines(store, "WF-02")
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"import tracker")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, ImportDialog)
        assert app.focused is dialog.query_one("#field-path", Input)
        await pilot.press(*"xq")  # letters typed into the path go there, firing nothing
        assert isinstance(app.screen, ImportDialog)
        dialog.query_one("#field-path", Input).value = str(tracker)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        report = app.screen
        assert isinstance(report, ImportReportScreen)
        rows = report.query_one("#import-rows", DataTable)
        assert rows.has_focus
        order = [str(key.value) for key in rows.rows]
        assert order == ["WF-01", "WF-02", "WF-03", "QP-20"]
        assert report.ticked == set(order)
        prompts = {ref: str(rows.get_cell(ref, "action")) for ref in order}
        assert all(str(rows.get_cell(ref, "tick")) == "[x]" for ref in order)
        assert "Action 1" in prompts["WF-01"] and "Progress: 0 → 45" in prompts["WF-01"]
        assert "Due date: 2019-12-02 → (cleared by '-')" in prompts["WF-02"]
        assert "RAG: – → red" in prompts["WF-03"]
        assert "New audit" in prompts["QP-20"] and "new action" in prompts["QP-20"]
        summary = str(report.query_one("#import-counts", Static).render())
        assert "3 actions updated, 1 added, 1 unchanged" in summary
        assert "Updates dated 02 Dec 2019, the import day" in summary
        assert "blank cells kept the stored value" in summary
        assert Repository(store).plan("test-plan").action("WF-01").progress == 0  # nothing yet
        svg = app.export_screenshot()
        if os.environ.get("IPT_PREVIEW_SVG"):
            Path(os.environ["IPT_PREVIEW_SVG"]).write_text(svg, encoding="utf-8")
        await pilot.press("down", "space")
        await pilot.pause()
        assert report.ticked == {"WF-01", "WF-03", "QP-20"}
        assert str(rows.get_cell("WF-02", "tick")) == "[ ]"
        assert str(report.query_one("#confirm", Button).label) == "Import 3 of 4 actions"
        await pilot.click("#confirm")
        await settle(app, pilot)
        assert not isinstance(app.screen, ImportReportScreen)
    plan = Repository(store).plan("test-plan")
    assert plan.action("WF-01").progress == 45
    assert plan.action("WF-03").rag is Rag.RED
    assert plan.action("QP-20").title == "New audit"
    assert plan.action("WF-02") == before
    assert audit_lines(store, "WF-02") == wf02_audit


async def test_escape_closes_the_preview_writing_nothing(store: Path, tracker: Path) -> None:
    revision = Repository(store).revision
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"import tracker")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(app, pilot)
        app.screen.query_one("#field-path", Input).value = str(tracker)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ImportReportScreen)
        await pilot.press("escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, ImportReportScreen)
    assert Repository(store).revision == revision


def test_only_imports_just_those_refs_and_merges_a_change_made_meanwhile(store: Path, tracker: Path) -> None:
    repo = Repository(store)
    rows = read_tracker(tracker)
    preview = import_tracker(repo, "test-plan", rows, by="tester", dry_run=True, today=AS_OF)
    assert sorted(preview.updated) == ["WF-01", "WF-02", "WF-03"] and preview.added == ["QP-20"]
    other = Repository(store)  # someone else changes WF-01's owner after the preview
    other.update_action("test-plan", "WF-01", {"owner": "Bob"}, by="bob", on=AS_OF)
    untouched = repo.plan("test-plan").action("WF-02")
    result = import_tracker(
        repo, "test-plan", rows, by="tester", today=AS_OF, only={"WF-01", "WF-03", "QP-20"}
    )
    assert sorted(result.updated) == ["WF-01", "WF-03"] and result.added == ["QP-20"]
    assert {change.ref for change in result.changes} <= {"WF-01", "WF-03", "QP-20"}
    plan = Repository(store).plan("test-plan")
    assert plan.action("WF-01").owner == "Bob" and plan.action("WF-01").progress == 45
    assert plan.action("WF-02") == untouched
    with pytest.raises(TrackerError) as error:
        import_tracker(repo, "test-plan", rows, by="tester", only={"WF-09"})
    assert "'WF-09' is not a reference in the file" in str(error.value)


def test_cli_only(store: Path, tracker: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = Repository(store).plan("test-plan").action("WF-02")
    code = main(["--db", str(store), "import", str(tracker), "--only", "WF-01, QP-20"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "1 added; 1 updated" in out or "1 added, 1 updated" in out
    assert "only QP-20, WF-01" in out
    plan = Repository(store).plan("test-plan")
    assert plan.action("WF-01").progress == 45 and plan.action("QP-20").title == "New audit"
    assert plan.action("WF-02") == before and plan.action("WF-03").rag is None
    assert main(["--db", str(store), "import", str(tracker), "--only", "WF-09"]) == 1
    assert "WF-09" in capsys.readouterr().err
