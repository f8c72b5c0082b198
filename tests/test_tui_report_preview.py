"""The tracker's "New plan from inspection report…": on an empty store and from the palette,
the report is read and previewed (judgements, numbered recommendations, an editable plan id)
and nothing is written until the user accepts."""

from __future__ import annotations

import html
import re
from datetime import date
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from store.repository import Repository
from tests.conftest import make_plan
from tests.report_pdfs import ReportPdf, ilacs_body, ilacs_opening
from tui.app import IptApp, make_app
from tui.screens.dashboard import DashboardScreen
from tui.screens.report_dialog import ReportPathDialog, ReportPreviewScreen
from tui.screens.samples import SamplesScreen

AS_OF = date(2025, 4, 1)
SIZE = (110, 40)


@pytest.fixture
def report(tmp_path: Path) -> Path:
    pdf = ReportPdf()
    ilacs_opening(pdf, authority="Northwold", overall="Requires improvement to be good")
    pdf.heading("What needs to improve?")
    pdf.item("\u2022", ["The timeliness of [bold]assessments[/bold]."])
    pdf.item("\u2022", ["Manageable caseloads."])
    ilacs_body(pdf)
    return pdf.save(tmp_path / "northwold.pdf")


def app_on(path: Path) -> IptApp:
    return make_app(
        path, as_of=AS_OF, by="tester", poll_seconds=0, settings_path=path.parent / "settings.json"
    )


async def settle(app: IptApp, pilot: object) -> None:
    for _ in range(4):
        await app.workers.wait_for_complete()
        await pilot.pause()  # type: ignore[attr-defined]


async def read_into_preview(app: IptApp, pilot: object, report: Path) -> ReportPreviewScreen:
    assert isinstance(app.screen, ReportPathDialog)
    app.screen.query_one("#field-report", Input).value = str(report)
    await pilot.press("enter")  # type: ignore[attr-defined]
    await settle(app, pilot)
    preview = app.screen
    assert isinstance(preview, ReportPreviewScreen)
    return preview


async def test_an_empty_store_starts_a_plan_from_a_report_after_the_preview(
    tmp_path: Path, report: Path
) -> None:
    store = tmp_path / "plans.json"
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, SamplesScreen)
        await pilot.press("end", "enter")
        await settle(app, pilot)
        preview = await read_into_preview(app, pilot, report)
        rows = preview.judgement_rows
        assert rows[0] == ("The impact of leaders on social work practice with children and families", "Good")
        assert rows[-1] == ("Overall effectiveness", "Requires improvement to be good")
        drawn = html.unescape(re.sub(r"<[^>]+>", "", app.export_screenshot())).replace("\xa0", " ")
        assert "Requires improvement to be good" in drawn  # the grade is not cut off
        shown = [str(static.render()) for static in preview.query(".report-recommendation").results(Static)]
        assert shown == ["1. The timeliness of [bold]assessments[/bold].", "2. Manageable caseloads."]
        assert not store.exists() or Repository(store).plan_ids() == []  # nothing written yet
        plan_id = preview.query_one("#field-plan-id", Input)
        assert plan_id.value == "northwold-2025"
        plan_id.value = "northwold-plan"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert app.plan_id == "northwold-plan"
    plan = Repository(store).plan("northwold-plan")
    assert plan.authority == "Northwold"
    assert plan.recommendations[0].text == "The timeliness of [bold]assessments[/bold]."


async def test_the_palette_offers_it_and_cancel_or_a_taken_id_writes_nothing(
    tmp_path: Path, report: Path
) -> None:
    store = tmp_path / "plans.json"
    Repository(store).add_plan(make_plan(), by="setup")
    before = store.read_bytes()
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"new plan from")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(app, pilot)
        preview = await read_into_preview(app, pilot, report)
        preview.query_one("#field-plan-id", Input).value = "test-plan"
        await pilot.press("ctrl+s")
        await pilot.pause()
        problem = preview.query_one("#problem-plan-id", Static)
        assert problem.display and "already in the store" in str(problem.render())
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, DashboardScreen)
    assert store.read_bytes() == before


async def test_a_report_that_cannot_be_read_says_why_and_writes_nothing(tmp_path: Path) -> None:
    store = tmp_path / "plans.json"
    Repository(store).add_plan(make_plan(), by="setup")
    before = store.read_bytes()
    not_a_report = tmp_path / "notes.pdf"
    not_a_report.write_text("just some notes", encoding="utf-8")
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        from tui.commands import open_new_from_report

        open_new_from_report(app)
        await settle(app, pilot)
        assert isinstance(app.screen, ReportPathDialog)
        app.screen.query_one("#field-report", Input).value = str(not_a_report)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert any("not a PDF file" in str(n.message) for n in app._notifications)
    assert store.read_bytes() == before
