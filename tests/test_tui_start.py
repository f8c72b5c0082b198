"""How the tracker starts: the plan's heading first, the plan itself once it is read.

The first frame is drawn from a first look at the store (no pydantic); the store is then
validated in a daemon thread. These tests hold that thread at a gate to see the app between
the two, as a user on a large store does.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest
from textual.widgets import Static

from store.repository import Repository
from tests.conftest import make_plan
from tui.app import IptApp, in_daemon_thread, make_app
from tui.screens.actions import ActionsScreen
from tui.screens.dashboard import DashboardScreen
from tui.screens.start import StartScreen

AS_OF = date(2019, 12, 2)
MARKUP = "[bold]x[/] [@click=app.quit]"


def shown(screen: Any, selector: str) -> str:
    widget = screen.query_one(selector, Static)
    return str(widget.render()) if widget.display else ""


def app_on(path: Path) -> IptApp:
    return make_app(path, as_of=AS_OF, by="tester", poll_seconds=0, settings_path=path.with_name("s.json"))


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Holds every store read (in the reading thread) until the test opens the gate."""
    opened = threading.Event()
    load = Repository.load

    def held(self: Repository) -> None:
        assert opened.wait(30), "the test never opened the gate"
        load(self)

    monkeypatch.setattr(Repository, "load", held)
    yield opened
    opened.set()


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "plans.json"
    plan = make_plan(actions=4).model_copy(update={"name": f"Plan {MARKUP}"})
    Repository(path).add_plan(plan, by="setup")
    return path


async def test_heading_is_drawn_before_the_store_is_read(store: Path, gate: threading.Event) -> None:
    app = app_on(store)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause(0.05)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        assert not app.has_plan, "the gate is shut, so the plan cannot have been read"
        assert f"Plan {MARKUP}" in shown(screen, "#dash-heading"), "user text shown literally"
        assert "Reading the plan" in shown(screen, "#working")
        assert shown(screen, "#dash-overall") == "", "no empty panels while the plan is read"
        assert f"Plan {MARKUP}" in shown(screen, "#section-bar")
        await pilot.press("2")  # asked for while reading: remembered
        await pilot.pause(0.05)
        assert isinstance(app.screen, DashboardScreen)
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.has_plan
        assert isinstance(app.screen, ActionsScreen), "the section asked for opens once the plan is read"
        await pilot.press("1")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "Reading the plan" not in shown(app.screen, "#working")
        assert "Overall" in shown(app.screen, "#dash-overall")


async def test_quitting_while_the_store_is_read_does_not_wait_for_it(
    store: Path, gate: threading.Event
) -> None:
    app = app_on(store)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause(0.05)
        await pilot.press("q")
        await pilot.pause()
    assert not app.is_running
    assert app.repo is None, "the read was still held at the gate"


async def test_a_store_the_models_refuse_after_the_first_look_says_why(tmp_path: Path) -> None:
    path = tmp_path / "plans.json"
    Repository(path).add_plan(make_plan(actions=3), by="setup")
    data = orjson.loads(path.read_bytes())
    first = next(iter(data["actions"].values()))
    first["status"] = "nearly done"
    path.write_bytes(orjson.dumps(data))
    app = app_on(path)
    async with app.run_test(size=(100, 32)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, StartScreen)
        message = shown(screen, "#start-message")
        assert "actions[0].status" in message and "nearly_done" in message, message
        assert not app.has_plan
        await pilot.press("2")  # nothing to go to
        await pilot.pause()
        assert isinstance(app.screen, StartScreen)


async def test_a_plan_asked_for_that_is_not_there_is_said_on_the_start_screen(store: Path) -> None:
    app = make_app(
        store,
        plan_id="no-such-plan",
        as_of=AS_OF,
        by="tester",
        poll_seconds=0,
        settings_path=store.with_name("s.json"),
    )
    async with app.run_test(size=(100, 32)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, StartScreen)
        assert "no-such-plan" in shown(app.screen, "#start-message")


async def test_in_daemon_thread_returns_and_raises_what_the_function_does() -> None:
    names: list[str] = []

    def where() -> str:
        thread = threading.current_thread()
        names.append(thread.name)
        return "daemon" if thread.daemon else "not a daemon"

    assert await in_daemon_thread(where) == "daemon"
    assert names and names[0] != threading.main_thread().name

    def broken() -> None:
        raise LookupError("the store said no")

    with pytest.raises(LookupError, match="the store said no"):
        await in_daemon_thread(broken)


async def test_palette_help_and_theme_work_while_the_store_is_read(
    store: Path, gate: threading.Event
) -> None:
    from textual.command import CommandPalette

    from tui.screens.help import HelpScreen

    app = app_on(store)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause(0.05)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"action")
        await pilot.pause(0.1)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        before = app.theme
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert app.theme != before
        assert not app.has_plan, "all of this happened before the plan was read"
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen) and app.has_plan


def test_heading_text_leaves_out_what_the_plan_does_not_say() -> None:
    from store.first_look import PlanHeading
    from tui.screens.dashboard import heading_text

    bare = PlanHeading(
        plan_id="p", name="Plan", authority="Council", board="Improvement Board", chair="Leader"
    )
    assert heading_text(bare).plain == "Plan — Council\nImprovement Board, chair Leader"
    full = PlanHeading(
        plan_id="p",
        name="Plan",
        authority="Council",
        framework="ILACS",
        published_on=date(2019, 3, 14),
        judgements=(("Overall effectiveness", "Inadequate"),),
        board="Improvement Board",
        cadence="monthly",
    )
    text = heading_text(full)
    assert text.plain == (
        "Plan — Council\nILACS published 14 Mar 2019\n  Overall effectiveness: Inadequate\n"
        "Improvement Board, monthly"
    )
    inadequate = text.plain.index("Inadequate")
    assert any(span.style == "bold red" and span.start <= inadequate < span.end for span in text.spans)


LEAVE_WHILE_READING = r"""
import sys, threading, time
from tui import app as A

started = threading.Event()

async def read_on():
    def slow():
        started.set()
        time.sleep(30)  # a large store still being read
    await A.in_daemon_thread(slow)

import asyncio

async def main():
    asyncio.ensure_future(read_on())
    while not started.is_set():
        await asyncio.sleep(0.01)

asyncio.run(main())
print("tracker closed", flush=True)
A.leave_if_still_reading(0)
print("not reached")
"""


def test_leaving_while_the_store_is_still_read_ends_the_process_at_once_and_cleanly() -> None:
    import subprocess
    import sys
    import time

    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", LEAVE_WHILE_READING],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "tracker closed\n", "")
    assert time.perf_counter() - began < 20  # not waiting for the reading thread's 30 s
