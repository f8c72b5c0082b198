"""Pilot tests: every form of the tracker reads dates the same way (03/10/2019 as well as
2019-10-03), and an amount of money that is not one is refused beside its field, never a crash."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static

from store.repository import Repository
from tests.conftest import make_plan
from tui.app import IptApp, make_app
from tui.screens.funding import FundingScreen
from tui.screens.recommendations import RecommendationsScreen
from tui.screens.record_form import RecordFormScreen
from tui.screens.scorecard import ScorecardScreen

AS_OF = date(2019, 12, 2)
SIZE = (100, 32)


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "plans.json"
    Repository(path).add_plan(make_plan(actions=4), by="setup")
    return path


def app_on(path: Path) -> IptApp:
    return make_app(
        path, as_of=AS_OF, by="tester", poll_seconds=0, settings_path=path.parent / "settings.json"
    )


async def settle(app: IptApp, pilot: Pilot[None]) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


def form_of(app: IptApp) -> RecordFormScreen:
    screen = app.screen
    assert isinstance(screen, RecordFormScreen), type(screen)
    return screen


def problem(form: RecordFormScreen, name: str) -> str:
    label = form.query_one(f"#problem-{name}", Static)
    return str(label.render()) if label.display else ""


async def test_kpi_reading_form_takes_a_uk_date(store: Path) -> None:
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("5", "r")
        await pilot.pause()
        form = form_of(app)
        form.query_one("#field-on", Input).value = "30/11/2019"
        form.query_one("#field-value", Input).value = "31"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ScorecardScreen), problem(form, "on")
    readings = Repository(store).plan("test-plan").kpis[0].readings
    assert (readings[-1].on, readings[-1].value) == (date(2019, 11, 30), Decimal("31"))


async def test_kpi_reading_form_refuses_a_day_that_does_not_exist(store: Path) -> None:
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("5", "r")
        await pilot.pause()
        form = form_of(app)
        form.query_one("#field-on", Input).value = "31/11/2019"
        form.query_one("#field-value", Input).value = "31"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        assert "'31/11/2019' is not a date; write 2019-10-03 or 03/10/2019" in problem(form, "on")
    assert len(Repository(store).plan("test-plan").kpis[0].readings) == 2


async def test_impact_evidenced_form_takes_a_uk_date(store: Path) -> None:
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("3")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        form = form_of(app)
        form.query_one("#field-on", Input).value = "30/11/2019"
        form.query_one("#field-note", Input).value = "Audit shows better plans"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, RecommendationsScreen), problem(form, "on")
    signed = Repository(store).plan("test-plan").recommendations[0].impact_evidenced
    assert signed is not None and signed.on == date(2019, 11, 30)


async def test_allocation_approved_on_takes_a_date_with_the_months_name(store: Path) -> None:
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("4", "a")
        await pilot.pause()
        form = form_of(app)
        form.query_one("#field-amount", Input).value = "25000"
        form.query_one("#field-source", Select).value = "grant"
        form.query_one("#field-category", Select).value = "investment"
        form.query_one("#field-kind", Select).value = "revenue"
        form.query_one("#field-approved_on", Input).value = "30 November 2019"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, FundingScreen), problem(form, "approved_on")
    assert Repository(store).plan("test-plan").allocations[-1].approved_on == date(2019, 11, 30)


NOT_MONEY = {
    "1e400": "not an amount",
    "inf": "not a finite amount",
    "-Infinity": "not a finite amount",
    "nan": "not a finite amount",
    "sNaN": "not a finite amount",
    "1e-400": "not an amount",
    "1e5": "not an amount",
    "12.345": "more than two decimal places",
    "99999999999999999999": "too large",
}


async def refuse_every_non_amount(app: IptApp, pilot: Pilot[None], form: RecordFormScreen) -> None:
    """Type each of :data:`NOT_MONEY` as the amount and save: refused beside the field, the app running."""
    for typed, reason in NOT_MONEY.items():
        form.query_one("#field-amount", Input).value = typed
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.is_running and app.screen is form, typed
        assert reason in problem(form, "amount"), (typed, problem(form, "amount"))


async def test_spend_amount_that_is_no_amount_is_refused_beside_the_field(store: Path) -> None:
    before = Repository(store).plan("test-plan").spend
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("4", "s")
        await pilot.pause()
        form = form_of(app)
        await refuse_every_non_amount(app, pilot, form)
        assert Repository(store).plan("test-plan").spend == before, "nothing saved"
        form.query_one("#field-amount", Input).value = "1,200.50"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, FundingScreen)
    assert Repository(store).plan("test-plan").spend[-1].amount == Decimal("1200.50")


async def test_allocation_amount_that_is_no_amount_is_refused_beside_the_field(store: Path) -> None:
    before = Repository(store).plan("test-plan").allocations
    app = app_on(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("4", "a")
        await pilot.pause()
        form = form_of(app)
        await refuse_every_non_amount(app, pilot, form)
        await pilot.press("escape")
        await pilot.pause()
    assert Repository(store).plan("test-plan").allocations == before
