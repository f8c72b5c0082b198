"""The day the tracker judges a plan against: ``--as-of``, the palette's "Assess as of…", a
sample's reported day, today; the header always says which, and lateness reads in words."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from sample_plans import SAMPLES, load_sample
from store.repository import Repository
from tests.conftest import make_plan
from tui.app import IptApp, make_app
from tui.cli.commands import build_parser
from tui.presentation import lateness
from tui.screens.record_form import RecordFormScreen


def store_of(tmp_path: Path, sample: str | None = "oldham-2019") -> Path:
    path = tmp_path / "plans.json"
    plan = load_sample(sample).plan if sample else make_plan(actions=3)
    Repository(path).add_plan(plan, by="setup")
    return path


def app_on(path: Path, as_of: date | None = None) -> IptApp:
    return make_app(path, as_of=as_of, by="t", poll_seconds=0, settings_path=path.parent / "s.json")


async def settle(app: IptApp, pilot: Pilot[None]) -> None:
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()


def bar(app: IptApp) -> str:
    return str(app.screen.query_one("#section-bar", Static).render())


def test_every_sample_carries_a_reported_day_inside_its_period() -> None:
    for name in SAMPLES:
        plan = load_sample(name).plan
        assert plan.reported_on is not None, name
        assert plan.starts_on <= plan.reported_on <= plan.ends_on, name


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_a_sample_opens_as_of_its_reported_day_and_says_so(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    app = app_on(store_of(tmp_path))
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        assert app.as_of == date(2019, 10, 1) and app.as_of_reason == "reported"
        assert "as of 1 Oct 2019 (the plan's reported day)" in bar(app)
        # Not years late: as of its own day, most of Oldham's actions are not yet due.
        assert len(app.summary.overdue) < 10
        await pilot.press("2")
        await pilot.pause()
        assert "as of 1 Oct 2019" in bar(app)


async def test_as_of_asked_for_wins_and_the_header_says_chosen(tmp_path: Path) -> None:
    app = app_on(store_of(tmp_path), as_of=date(2019, 11, 20))
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)
        assert app.as_of == date(2019, 11, 20)
        assert "as of 20 Nov 2019 (chosen)" in bar(app)


async def test_a_plan_with_no_reported_day_is_assessed_as_of_today(tmp_path: Path) -> None:
    app = app_on(store_of(tmp_path, None))
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)
        assert app.as_of == date.today() and "(today)" in bar(app)


async def test_palette_assess_as_of_moves_every_roll_up(tmp_path: Path) -> None:
    app = app_on(store_of(tmp_path))
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)
        overdue_before = len(app.summary.overdue)
        await app.run_action("app.command_palette")
        await pilot.pause()
        await pilot.press(*"assess as of")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, RecordFormScreen) and app.focused is form.query_one("#field-day", Input)
        await pilot.press(*"31/13/2020", "ctrl+s")
        await pilot.pause()
        assert app.screen is form and app.as_of == date(2019, 10, 1)  # refused beside the field
        form.query_one("#field-day", Input).value = "31/12/2020"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.as_of == date(2020, 12, 31) and app.as_of_reason == "chosen"
        assert "as of 31 Dec 2020 (chosen)" in bar(app)
        assert len(app.summary.overdue) > overdue_before
        await app.run_action("app.command_palette")
        await pilot.pause()
        await pilot.press(*"assess as of")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(app, pilot)
        app.screen.query_one("#field-day", Input).value = ""  # blank: back to the plan's own day
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.as_of == date(2019, 10, 1) and app.as_of_reason == "reported"


def test_as_of_on_the_command_line_before_or_after_tui() -> None:
    parser = build_parser()
    assert parser.parse_args(["--as-of", "20/11/2019"]).tui_as_of == date(2019, 11, 20)
    assert parser.parse_args(["tui", "--as-of", "2019-11-20"]).tui_as_of == date(2019, 11, 20)
    assert parser.parse_args([]).tui_as_of is None
    assert "--as-of" in parser.format_help()


def test_lateness_reads_in_words() -> None:
    assert lateness(1) == "1 day late"
    assert lateness(10) == "10 days late"
    assert lateness(20) == "2 weeks late"
    assert lateness(80) == "3 months late"
    assert lateness(213) == "7 months late"
    assert lateness(2636) == "7 years late"
