"""The dashboard's figures worked out by a sibling process while the first frame is drawn.

The figures the sibling sends must be the very figures the tracker draws once it has read the
plan itself; they are shown only for the state of the store the tracker looked at; a child
that fails, is cut short or is no longer wanted leaves no process behind and no message.

Forking is only done with one thread running, which the test process (with its workers'
threads) is not, so the fork itself is tried in a fresh interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from sample_plans import load_sample
from store.repository import Repository
from store.rollups import plan_summary
from tui.app import IptApp, make_app
from tui.early_figures import EarlyFigures, work_out
from tui.screens import answers
from tui.screens.dashboard import DashboardScreen

ROOT = Path(__file__).resolve().parents[1]
REPORTED = date(2019, 10, 1)
"""The Oldham sample's reported day, which the tracker assesses it as of unless told another."""


@pytest.fixture
def oldham(tmp_path: Path) -> Path:
    path = tmp_path / "plans.json"
    Repository(path).add_plan(load_sample("oldham-2019").plan, by="test")
    return path


def own_day(reported_on: date | None) -> date:
    assert reported_on is not None
    return reported_on


def figures_of(path: Path) -> EarlyFigures:
    figures = work_out(path, None, None, own_day)
    assert figures is not None
    return figures


def test_the_sibling_works_out_what_the_dashboard_draws_from_the_plan(oldham: Path) -> None:
    figures = figures_of(oldham)
    repo = Repository(oldham)
    plan = repo.plan("oldham-2019")
    summary = plan_summary(plan, REPORTED)
    assert (figures.plan_id, figures.as_of, figures.token) == ("oldham-2019", REPORTED, repo.token)
    for width in (24, 40, 60):
        assert answers.themes_text(
            figures.progress_headline, figures.theme_rows, width
        ) == answers.themes_answer(summary, width)
    assert figures.money == answers.money_answer(summary, plan)
    assert figures.recommendations == answers.recommendations_answer(summary)
    assert figures.kpis == answers.kpis_answer(summary)
    assert figures.judgements == answers.judgements_line(plan)
    assert figures.progress_headline.startswith("Progress 42% · 3 of 30 done")


def test_the_plan_asked_for_and_the_day_asked_for_are_the_ones_worked_out(oldham: Path) -> None:
    repo = Repository(oldham)
    other = load_sample("oldham-2019").plan.model_copy(update={"id": "second", "name": "Second plan"})
    repo.add_plan(other, by="test")
    asked = work_out(oldham, "second", None, lambda reported: date(2020, 1, 31))
    configured = work_out(oldham, None, "second", own_day)
    not_there = work_out(oldham, None, "no-such-plan", own_day)
    assert asked is not None and (asked.plan_id, asked.as_of) == ("second", date(2020, 1, 31))
    assert configured is not None and configured.plan_id == "second"
    assert not_there is not None and not_there.plan_id == repo.default_plan_id()
    assert work_out(oldham, "no-such-plan", None, own_day) is None


FORKED = r"""
import json, os, sys, time
from datetime import date
from pathlib import Path
from tui import early_figures

path, what = Path(sys.argv[1]), sys.argv[2]
def own_day(reported):
    return reported
sibling = early_figures.start(path, None, None, own_day)
said = {"forked": sibling is not None}
if sibling is not None:
    if what == "abandon":
        sibling.abandon()
        figures = sibling.receive()
    else:
        figures = sibling.receive()
    said["figures"] = None if figures is None else {
        "plan": figures.plan_id, "as_of": figures.as_of.isoformat(), "token": figures.token,
        "money": figures.money[0], "kpis": figures.kpis[0], "themes": len(figures.theme_rows),
    }
    try:
        os.waitpid(sibling.pid, os.WNOHANG)
        said["child"] = "not reaped"
    except ChildProcessError:
        said["child"] = "reaped"
    said["alive"] = os.path.exists(f"/proc/{sibling.pid}")
print(json.dumps(said))
"""


def forked(path: Path, what: str = "receive") -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", FORKED, str(path), what],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stderr == ""  # the child never writes to the terminal, whatever happens to it
    lines = done.stdout.splitlines()
    assert len(lines) == 1, done.stdout  # nor to the tracker's output
    said: dict[str, Any] = json.loads(lines[0])
    return said


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sibling is forked on Linux only")
def test_a_forked_sibling_sends_the_figures_and_is_reaped(oldham: Path) -> None:
    said = forked(oldham)
    expected = figures_of(oldham)
    assert said["forked"] is True
    assert said["figures"] == {
        "plan": "oldham-2019",
        "as_of": "2019-10-01",
        "token": expected.token,
        "money": expected.money[0],
        "kpis": expected.kpis[0],
        "themes": len(expected.theme_rows),
    }
    assert (said["child"], said["alive"]) == ("reaped", False)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sibling is forked on Linux only")
def test_a_sibling_no_longer_wanted_is_stopped_and_reaped(oldham: Path) -> None:
    said = forked(oldham, "abandon")
    assert said["forked"] is True and said["figures"] is None
    assert (said["child"], said["alive"]) == ("reaped", False)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sibling is forked on Linux only")
def test_a_damaged_store_gives_no_figures_and_no_message(oldham: Path) -> None:
    document = json.loads(oldham.read_text())
    next(iter(document["actions"].values()))["progress"] = 150
    oldham.write_text(json.dumps(document))
    said = forked(oldham)
    assert said["forked"] is True and said["figures"] is None
    assert (said["child"], said["alive"]) == ("reaped", False)
    missing = forked(oldham.with_name("nothing-here.json"))
    assert missing == {"forked": False}


RUN = r"""
import asyncio
import sys
from textual import work
from datetime import date
from pathlib import Path
import tui.app as A
from tui.screens.dashboard import DashboardScreen

seen = {}

class Probe(A.IptApp):
    CSS_PATH = str(Path(A.__file__).with_name("app.tcss"))

    @work(exclusive=True, group="store")
    async def open_store(self, storage):
        # The tracker's own reading starts late, as a large store's finishes late, so the
        # sibling's figures come first however loaded the machine is.
        await asyncio.sleep(1.5)
        await A.IptApp.open_store.__wrapped__(self, storage)

    def on_mount(self):
        self.probe = self.set_interval(0.002, self.check)

    def panels(self, screen):
        return [(str(p.border_title), str(p.render())) for p in screen.query(".answer")][:4]

    def check(self):
        screen = self.screen
        if not isinstance(screen, DashboardScreen) or not screen.is_mounted:
            return
        if screen.early_shown and not self.has_plan and "early" not in seen:
            seen["early"] = self.panels(screen)
        if self.has_plan and screen.shown_version == self.data_version:
            self.probe.stop()
            seen["read here"] = self.panels(screen)
            self.exit()

app = Probe(Path(sys.argv[1]), as_of=None, by="test", poll_seconds=0,
            settings_path=Path(sys.argv[1]).with_name("settings.json"))
app.run(headless=True, size=(120, 40))
import json
print(json.dumps(seen))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sibling is forked on Linux only")
def test_the_tracker_draws_the_siblings_figures_before_its_own_reading_and_they_agree(oldham: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", RUN, str(oldham)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert "early" in seen, "the sibling's figures were never drawn before the tracker's own"
    assert seen["early"] == seen["read here"]
    assert seen["early"][0][0].startswith("Progress 42% · 3 of 30 done")


async def test_figures_of_another_state_of_the_store_are_not_shown(
    oldham: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never_read(self: IptApp, storage: object) -> None:
        return None  # the store is still being read: only the sibling's figures may come

    monkeypatch.setattr(IptApp, "open_store", never_read)
    figures = figures_of(oldham)
    app = make_app(oldham, as_of=None, by="test", poll_seconds=0, settings_path=oldham.with_name("s.json"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        themes = screen.query_one("#answer-themes", Static)
        for stale in (
            EarlyFigures(**{**figures.__dict__, "token": "0123456789abcdef"}),
            EarlyFigures(**{**figures.__dict__, "as_of": date(2020, 3, 31)}),
            EarlyFigures(**{**figures.__dict__, "plan_id": "another-plan"}),
        ):
            app.post_message(IptApp.EarlyFiguresReady(stale, None))
            await pilot.pause()
            assert not screen.early_shown and app.early is None
            assert not screen.query_one("#dash-answers").display
        app.post_message(IptApp.EarlyFiguresReady(figures, None))
        await pilot.pause()
        assert screen.early_shown and screen.figures_on_screen
        assert str(themes.border_title) == figures.progress_headline
        assert screen.query_one("#dash-answers").display
        assert not screen.query_one("#dash-overall").display  # the rest waits for the reading here
        assert "Reading the plan for the lists below" in str(screen.query_one("#working", Static).render())


class FakeSibling:
    """Stands in for the forked child: answers after ``seconds`` with ``figures``."""

    def __init__(self, seconds: float, figures: EarlyFigures | None) -> None:
        import threading

        self.seconds, self.figures = seconds, figures
        self.abandoned = threading.Event()

    def receive(self) -> EarlyFigures | None:
        self.abandoned.wait(self.seconds)
        return self.figures

    def abandon(self) -> None:
        self.abandoned.set()


@pytest.mark.parametrize(
    ("seconds", "sends"), [(0.0, False), (0.0, True), (5.0, True)], ids=["none sent", "sent", "slow"]
)
async def test_the_tracker_reads_the_store_itself_after_the_sibling_or_without_waiting_long(
    oldham: Path, seconds: float, sends: bool
) -> None:
    import time

    app = make_app(oldham, as_of=None, by="test", poll_seconds=0, settings_path=oldham.with_name("s.json"))
    sibling = FakeSibling(seconds, figures_of(oldham) if sends else None)
    app._sibling = sibling  # type: ignore[assignment]  # as run() would have forked one
    async with app.run_test(size=(120, 40)) as pilot:
        began = time.perf_counter()
        while not app.has_plan and time.perf_counter() - began < 4.0:
            await pilot.pause(0.05)
        assert app.has_plan, "the tracker never read the store itself"
        # A sibling still at work is not waited for: the tracker reads after EARLY_WAIT.
        assert time.perf_counter() - began < 3.0
        assert sibling.abandoned.is_set() or seconds == 0.0  # stopped once no longer wanted
        screen = app.screen
        assert isinstance(screen, DashboardScreen) and screen.figures_on_screen
