"""The Textual app: six sections over one plan, opened on a store by :func:`make_app`.

The app owns the state every screen shares: the repository, the chosen plan, the day the
plan is assessed against, who is editing, and a ``data_version`` that goes up whenever the
plan changes (a save here, or another process's save picked up by polling). Sections
redraw from the repository when they are shown and their version is stale. Loading and
reloading the store runs in threads that post messages; only handlers touch state.

Opening: the first frame is the dashboard with the plan's heading, taken from a first look at
the store file (:mod:`store.first_look`, no pydantic). On Linux a sibling process forked as the
tracker starts running sends the board's answers meanwhile (:mod:`tui.early_figures`), drawn
as they come. Then the models are built, the store validated and the roll-ups worked out in a
daemon thread, and the dashboard draws the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import getpass
import importlib
import os
import sys
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual import on, work
from textual._context import active_app
from textual.app import App
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.timer import Timer

from store.backend import is_database_url
from store.collector import collector_paused
from store.dates import assessed_on
from store.errors import StoreError
from store.first_look import PlanHeading, first_look
from store.text import visible
from tui import early_figures
from tui.screens.base import SECTIONS, SectionScreen
from tui.screens.start import StartScreen
from tui.settings import DARK_THEME, LIGHT_THEME, Settings, load_settings, save_settings

if TYPE_CHECKING:
    from textual.command import Provider

    from store.models import Plan
    from store.repository import Repository
    from store.rollups import PlanSummary
    from store.storage import AtomicJSONStorage
    from tui.early_figures import EarlyFigures, Sibling

# What the first frame needs is imported above; the pydantic models, the repository, the
# roll-ups and the command palette's providers are imported when first used, after it.

T = TypeVar("T")


@contextlib.contextmanager
def kept_out_of_gc(*, starting: bool = False) -> Iterator[None]:
    """Read a store without the cyclic garbage collector, then exempt what was read from it:
    a 10,000-action plan is some 250,000 long-lived objects, and every full collection that
    re-scanned them would stall the UI thread between two keys (see :mod:`store.collector`).
    Only for reading the store (on opening, and when another process saved): freezing on
    every change would also freeze, and so keep, whatever garbage the UI had made since.
    ``starting``: the first read, just after the first frame, when there is no garbage to
    speak of and a full collection first would only delay the figures."""
    with collector_paused(freeze_after=True, collect_first=not starting):
        yield


def section_screen(module: str, name: str) -> Callable[[], Screen[None]]:
    """Make a section's screen, importing its module only when the section is first opened.

    Start-up time is part of the product: the six sections and what they pull in (forms,
    charts, the exporters behind Reviews) would otherwise all be imported before the first
    frame, though the dashboard alone is drawn then.
    """

    def make() -> Screen[None]:
        screen: Screen[None] = getattr(importlib.import_module(f"tui.screens.{module}"), name)()
        # A new screen's styles are worked out when it mounts, from the stylesheet as it is
        # then. Textual 8 instead marks it stale, and re-parses every stylesheet from scratch
        # (twice) the first time each section is shown: ~50 ms a section, on the start-up
        # path for the dashboard. The screen is not stale, so say so.
        screen._css_update_count = active_app.get()._css_update_count
        return screen

    return make


KEEP_CHANGES = 64
"""How many recent changes :meth:`IptApp.changed_actions_since` can look back over."""
NEW_FROM_REPORT = ("new-from-report", "New plan from inspection report…")
"""The empty store's choice that starts a plan from an Ofsted report (see tui.screens.report_dialog)."""


def warm_sort_keys(repo: Repository) -> None:
    """Work out every action's natural sort key in the loading thread, not on the first keypress."""
    from tui.filters import natural_key

    for plan_id in repo.plan_ids():
        for action in repo.plan(plan_id).actions:
            natural_key(action.ref)


async def in_daemon_thread(function: Callable[[], T]) -> T:
    """Run ``function`` in a daemon thread and wait for its result without blocking the UI.

    Textual's thread workers run in the event loop's executor, whose threads the interpreter
    waits for on its way out: quitting while a large store was still being read would wait
    for the read, and so would every process that leaves early. A daemon thread is left
    behind instead; it only ever reads.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def succeed(result: T) -> None:
        if not future.done():
            future.set_result(result)

    def fail(error: BaseException) -> None:
        if not future.done():
            future.set_exception(error)

    def run() -> None:
        try:
            result = function()
        except BaseException as error:  # handed to the awaiting worker, which raises it
            outcome: Callable[[], None] = functools.partial(fail, error)
        else:
            outcome = functools.partial(succeed, result)
        with contextlib.suppress(RuntimeError):  # the app, and its loop, have already closed
            loop.call_soon_threadsafe(outcome)

    thread = threading.Thread(target=run, name=f"ipt {getattr(function, '__name__', 'reader')}", daemon=True)
    _readers.add(thread)
    thread.start()
    return await future


EARLY_WAIT = 0.5
"""Seconds from opening after which the tracker reads the store itself even if the sibling
has not sent the figures yet (it reads a large store as slowly as the tracker would)."""

_readers: weakref.WeakSet[threading.Thread] = weakref.WeakSet()
"""The daemon threads :func:`in_daemon_thread` started."""


def leave_if_still_reading(code: int) -> None:
    """After the tracker has closed: if a reading thread is still at work (the tracker was left
    while a large store was being read), leave the process now with ``code``.

    Left to finish, the interpreter would stop that thread on its way out, possibly inside
    pydantic's compiled validator, and a thread stopped there aborts the whole process
    (SIGABRT, a core dump instead of a clean exit). The thread only reads, so there is nothing
    to finish: the output is flushed and the process leaves."""
    if any(thread.is_alive() for thread in list(_readers)):
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)


def command_providers() -> type[Provider]:
    """ipt's command palette providers, imported when the palette is first opened."""
    from tui.commands import IptCommands

    return IptCommands


class IptApp(App[None]):
    """Improvement Plan Tracker."""

    CSS_PATH = "app.tcss"
    TITLE = "Improvement Plan Tracker"
    ENABLE_COMMAND_PALETTE = True
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (96, "-wide"), (150, "-huge")]  # noqa: RUF012
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]  # noqa: RUF012 - Textual's own type
    COMMANDS = App.COMMANDS | {command_providers}
    MODES: ClassVar[dict[str, str | Callable[[], Screen[None]]]] = {  # type: ignore[assignment]
        "dashboard": section_screen("dashboard", "DashboardScreen"),
        "actions": section_screen("actions", "ActionsScreen"),
        "recommendations": section_screen("recommendations", "RecommendationsScreen"),
        "funding": section_screen("funding", "FundingScreen"),
        "scorecard": section_screen("scorecard", "ScorecardScreen"),
        "reviews": section_screen("reviews", "ReviewsScreen"),
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(str(number), f"section('{name}')", title, id=f"section.{name}", show=False)
            for number, (name, title) in enumerate(SECTIONS.items(), 1)
        ),
        Binding("question_mark", "help", "Help", id="app.help", key_display="?"),
        Binding("f1", "help", "Help", id="app.help_f1", show=False),  # while typing, ? is typed
        Binding("ctrl+t", "toggle_theme", "Light or dark theme", id="app.toggle_theme", show=False),
        Binding("q", "quit", "Quit", id="app.quit"),
    ]

    class StoreLoaded(Message):
        """The store has been read (or re-read) in a worker."""

        def __init__(
            self, repo: Repository, *, reloaded: bool = False, summary: tuple[str, PlanSummary] | None = None
        ) -> None:
            super().__init__()
            self.repo = repo
            self.reloaded = reloaded
            self.summary = summary
            """(plan id, its roll-ups) when the reading thread worked them out too."""

    class StoreFailed(Message):
        """Opening, reloading or adding to the store failed; ``error`` says why."""

        def __init__(self, error: str) -> None:
            super().__init__()
            self.error = error

    def __init__(
        self,
        store_path: Path | str | None,
        *,
        plan_id: str | None = None,
        as_of: date | None,
        by: str,
        poll_seconds: float = 2.0,
        settings_path: Path | None = None,
        config_path: Path | None = None,
    ) -> None:
        super().__init__()
        from tui.config import read_config

        self.config_path = config_path
        self.config = read_config(config_path, binding_ids)
        """The user's config.toml; what in it could not be used is said once the app is up."""
        self.store_path = store_path
        self.requested_plan_id = plan_id
        self.chosen_as_of = as_of
        """The day asked for (``--as-of``, the palette's "Assess as of…"); None: the plan's own."""
        self.as_of, self.as_of_reason = self.as_of_for(None)
        """The day every roll-up is judged against, and why that day (see :meth:`as_of_for`)."""
        self.by = by
        self.poll_seconds = poll_seconds
        self.settings_path = settings_path
        self.settings: Settings = load_settings(settings_path)
        self.repo: Repository | None = None
        self.plan_id: str | None = None
        self.heading: PlanHeading | None = None
        """The opening plan's heading from a first look at the store, while it is validated."""
        self._pending_section: str | None = None
        """A section asked for (by its key) while the store was still being read."""
        self.data_version = 0
        """Goes up on every change to the plan; sections compare it with what they show."""
        self._summary: tuple[int, PlanSummary] | None = None
        self._summary_wanted = -1
        self._poll_timer: Timer | None = None
        self._stop_watching: Callable[[], None] | None = None
        """Stops the store telling the tracker of others' saves (a database's LISTEN)."""
        self._changes: list[tuple[int, frozenset[str] | None]] = []
        """(data version, refs of the actions that alone changed, or None for anything else)."""
        self._sibling: Sibling | None = None
        """A child process working out the dashboard's figures while the first frame is drawn."""
        self._look_token: str | None = None
        self._reading_started = False
        self._startup_pause = contextlib.ExitStack()
        """The collector's pause while the tracker opens (see :meth:`on_mount`)."""
        self.early: EarlyFigures | None = None
        """The dashboard's figures as the sibling worked them out, until the store is read here."""

    def run(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        """Run the tracker; on a store file, fork the sibling that works out the dashboard's
        figures first (see :mod:`tui.early_figures`; tests' ``run_test`` never forks)."""
        if isinstance(self.store_path, Path):
            self._sibling = early_figures.start(
                self.store_path,
                self.requested_plan_id,
                self.config.plan,
                lambda reported_on: self.as_of_for(reported_on)[0],
            )
        try:
            super().run(*args, **kwargs)
        finally:
            self._abandon_sibling()

    def _abandon_sibling(self) -> None:
        sibling, self._sibling = self._sibling, None
        if sibling is not None:
            sibling.abandon()

    async def _receive_early(self, sibling: Sibling, storage: AtomicJSONStorage | None) -> None:
        figures = None
        try:
            figures = await in_daemon_thread(sibling.receive)
        finally:
            self.post_message(self.EarlyFiguresReady(figures, storage))

    class EarlyFiguresReady(Message):
        """The sibling process has sent the dashboard's figures (None: it sent none)."""

        def __init__(self, figures: EarlyFigures | None, storage: AtomicJSONStorage | None) -> None:
            super().__init__()
            self.figures = figures
            self.storage = storage
            """The store file as the first look parsed it, for the tracker's own reading."""

    @on(EarlyFiguresReady)
    def _early_figures_ready(self, message: EarlyFiguresReady) -> None:
        figures, heading = message.figures, self.heading
        try:
            if figures is None or self.repo is not None or heading is None:
                return  # none sent, or the store has been read here already
            if (figures.plan_id, figures.token, figures.as_of) != (
                heading.plan_id,
                self._look_token,
                self.as_of,
            ):
                return  # of another state of the store than the one looked at: not to be shown
            self.early = figures
            for screen in self.screen_stack:
                if isinstance(screen, SectionScreen) and screen.is_current:
                    screen.refresh_data()
        finally:
            # The tracker's own reading starts once these are drawn: started before, it would
            # take turns with drawing them for the one interpreter.
            self.call_after_refresh(self._start_reading, message.storage)

    def _start_reading(self, storage: AtomicJSONStorage | None) -> None:
        """Read the store here, once: after the sibling's figures, or at the latest
        :data:`EARLY_WAIT` seconds after opening (a large store keeps the sibling longer)."""
        if not self._reading_started:
            self._reading_started = True
            self.open_store(storage)

    # Start-up ----------------------------------------------------------------------------

    def as_of_for(self, reported_on: date | None) -> tuple[date, str]:
        """The day to assess a plan reported on ``reported_on`` against, and why: the day asked
        for ("chosen"), else the plan's reported day ("reported", so a sample opens inside its
        own period rather than years late), else "today"."""
        return assessed_on(self.chosen_as_of, reported_on, date.today())

    def set_as_of(self, day: date | None) -> None:
        """Assess the plan as of ``day`` from now on (None: back to the plan's own day)."""
        self.chosen_as_of = day
        reported = self.plan.reported_on if self.has_plan else None
        self.as_of, self.as_of_reason = self.as_of_for(reported)
        self.data_changed()

    def get_default_screen(self) -> StartScreen:
        return StartScreen(self.store_path)

    def on_mount(self) -> None:
        self.theme = self.settings.theme
        self.apply_config()
        look = None
        if isinstance(self.store_path, Path):
            from store.safe_files import check_store_path

            try:
                self.store_path = check_store_path(self.store_path)
            except StoreError as error:
                self.post_message(self.StoreFailed(str(error)))
                return
            # Paused until the store has been read here: parsing makes a quarter of a million
            # objects at 10,000 actions, and a full collection of what starting up made (some
            # 60 ms) would otherwise fall on the frame that draws the figures.
            self._startup_pause.enter_context(collector_paused())
            look = first_look(self.store_path, self.requested_plan_id or self.config.plan)
        if look is None:
            self.open_store(None)
        else:
            # Draw the plan's heading now; build the models and validate the plan once that
            # frame is on screen, so the frame's time is its own (the reading thread and the
            # UI share one interpreter).
            self.heading = look.heading
            self._look_token = look.token
            self.as_of, self.as_of_reason = self.as_of_for(look.heading.reported_on)
            self.switch_mode("dashboard")
            if self._sibling is not None:
                self.run_worker(
                    self._receive_early(self._sibling, look.storage), group="early", exclusive=True
                )
                self.set_timer(EARLY_WAIT, functools.partial(self._start_reading, look.storage))
            else:
                self.call_after_refresh(self._start_reading, look.storage)
        if self.poll_seconds > 0:
            self._poll_timer = self.set_interval(self.poll_seconds, self.check_for_changes)

    def apply_config(self) -> None:
        """Use the keymap and theme of config.toml; say what in it was not used, and why."""
        config = self.config
        problems = list(config.problems)
        if config.keymap:
            self.set_keymap(config.keymap)
        if config.theme is not None:
            if config.theme in self.available_themes:
                self.theme = config.theme
            else:
                themes = ", ".join(sorted(self.available_themes))
                problems.append(
                    f"config.toml: theme {config.theme!r} is not a theme; the themes are {themes}"
                )
        if problems:
            self.notify(
                "\n".join(problems) + "\nEverything else starts as usual.",
                title="Config not fully used",
                severity="warning",
                markup=False,
                timeout=20,
            )

    def configured_plan(self, repo: Repository) -> str | None:
        """The plan config.toml names, if the store holds it."""
        plan = self.config.plan
        return plan if plan is not None and plan in repo.plan_ids() else None

    @work(exclusive=True, group="store", description="open the store")
    async def open_store(self, storage: AtomicJSONStorage | None) -> None:
        """Read and validate the whole store off the UI thread (large stores take a while).
        ``storage``: the file as the first look parsed it, so it is not parsed again."""

        def read() -> tuple[Repository, tuple[str, PlanSummary] | None]:
            from store.repository import Repository
            from store.rollups import plan_summary

            with kept_out_of_gc(starting=True):
                repo = Repository(self.store_path, storage=storage)
            plan_id = self.requested_plan_id or self.configured_plan(repo) or repo.default_plan_id()
            if plan_id is None or plan_id not in repo.plan_ids():
                return repo, None
            # The roll-ups too, while off the UI thread: the dashboard then goes from the
            # heading straight to its figures, with no frame and no thread in between.
            plan = repo.plan(plan_id)
            with collector_paused():
                summary = plan_summary(plan, self.as_of_for(plan.reported_on)[0])
                warm_sort_keys(repo)
            return repo, (plan_id, summary)

        try:
            repo, summary = await in_daemon_thread(read)
        except StoreError as error:
            self.post_message(self.StoreFailed(str(error)))
            return
        self.post_message(self.StoreLoaded(repo, summary=summary))

    @on(StoreLoaded)
    def _store_loaded(self, message: StoreLoaded) -> None:
        self._startup_pause.close()
        self.repo = message.repo
        self.early = None
        self._abandon_sibling()  # if it has not sent the figures yet, they are not wanted now
        if self._stop_watching is None and self.poll_seconds > 0:
            # A database says at once when anyone saves; a file is polled (check_for_changes).
            self._stop_watching = self.repo.storage.watch(self._changed_elsewhere)
        self.sub_title = "read-only" if self.read_only else ""
        if message.reloaded:
            if self.plan_id not in self.repo.plan_ids():
                self.plan_id = self.repo.default_plan_id()
            self.data_changed()
            self.notify("The plan was changed elsewhere; showing the latest.", title="Reloaded")
            return
        wanted = self.requested_plan_id
        if wanted and wanted not in self.repo.plan_ids():
            self._show_start_error(f"There is no plan {wanted!r} in this store.")
            return
        plan_id = wanted or self.configured_plan(self.repo) or self.repo.default_plan_id()
        if plan_id is None:
            self.offer_samples()
            return
        configured = self.config.plan
        if not wanted and configured and configured not in self.repo.plan_ids():
            self.notify(
                f"config.toml: plan {configured!r} is not in this store; opened {plan_id!r} instead.",
                title="Config",
                severity="warning",
                markup=False,
                timeout=15,
            )
        worked_out = message.summary
        self.open_plan(plan_id, summary=worked_out[1] if worked_out and worked_out[0] == plan_id else None)

    @on(StoreFailed)
    def _store_failed(self, message: StoreFailed) -> None:
        self._startup_pause.close()
        if self.plan_id is None:
            self._show_start_error(message.error)
        else:
            self.notify(message.error, title="Store problem", severity="error", markup=False, timeout=10)

    def _show_start_error(self, error: str) -> None:
        if self.heading is not None:  # the first look showed a plan the store then failed to give
            self.heading = None
            self._pending_section = None
            self.push_screen(StartScreen(self.store_path, error=error))
            return
        screen = self.screen
        if isinstance(screen, StartScreen):
            screen.show_error(error)

    def offer_samples(self) -> None:
        """An empty store: offer the bundled sample plans."""
        from tui.screens.samples import SamplesScreen, available_samples

        samples = available_samples()
        if not samples:
            self._show_start_error("The store has no plans and no sample plans are bundled.")
            return

        def chosen(name: str | None) -> None:
            if name is None:
                self._show_start_error("The store has no plans yet. Add one with `ipt import FILE`.")
            elif name == NEW_FROM_REPORT[0]:
                self.start_from_report()
            else:
                self.add_sample(name)

        self.push_screen(SamplesScreen(samples, more=[NEW_FROM_REPORT]), chosen)

    def start_from_report(self) -> None:
        """An empty store: a plan from an inspection report; back to the samples if none is made."""
        from tui.screens.report_dialog import new_plan_from_report_flow

        def done(plan_id: str | None) -> None:
            if plan_id is None:
                self.offer_samples()
            elif self.repo is not None:
                self.post_message(self.StoreLoaded(self.repo))

        new_plan_from_report_flow(self, done=done)

    @work(thread=True, exclusive=True, group="store", description="add a sample plan")
    def add_sample(self, name: str) -> None:
        from sample_plans import load_sample

        repo = self.repo
        assert repo is not None
        try:
            repo.add_plan(load_sample(name).plan, by=self.by)
        except (StoreError, KeyError) as error:
            self.post_message(self.StoreFailed(str(error)))
            return
        self.post_message(self.StoreLoaded(repo))

    # The plan ----------------------------------------------------------------------------

    @property
    def plan(self) -> Plan:
        assert self.repo is not None and self.plan_id is not None, "no plan is open"
        return self.repo.plan(self.plan_id)

    @property
    def has_plan(self) -> bool:
        return self.repo is not None and self.plan_id is not None

    @property
    def summary(self) -> PlanSummary:
        """Every roll-up of the plan, computed once per change (here, if no worker has yet)."""
        if self._summary is None or self._summary[0] != self.data_version:
            from store.rollups import plan_summary

            self._summary = (self.data_version, plan_summary(self.plan, self.as_of))
        return self._summary[1]

    def summary_if_ready(self) -> PlanSummary | None:
        """The roll-ups if they are up to date; otherwise start working them out in a thread.

        A 10,000-action plan takes a good part of a second to roll up, so sections that need
        the summary draw a placeholder and are redrawn when :class:`SummaryReady` arrives. The
        worker starts once the placeholder is on screen: started at once, it would hold the
        interpreter for half of the time the UI needs to draw that frame.
        """
        if self._summary is not None and self._summary[0] == self.data_version:
            return self._summary[1]
        if self._summary_wanted != self.data_version:
            self._summary_wanted = self.data_version
            self.call_after_refresh(self._start_summary, self.data_version)
        return None

    def _start_summary(self, version: int) -> None:
        if version == self.data_version and self.has_plan:
            self.compute_summary(version, self.plan)

    class SummaryReady(Message):
        """The roll-ups for one data version have been worked out."""

        def __init__(self, version: int, summary: PlanSummary) -> None:
            super().__init__()
            self.version = version
            self.summary = summary

    @work(thread=True, exclusive=True, group="summary", description="work out the roll-ups")
    def compute_summary(self, version: int, plan: Plan) -> None:
        from store.rollups import plan_summary

        with collector_paused():  # not frozen: a summary is small (~8,000 objects at 10,000 actions)
            summary = plan_summary(plan, self.as_of)
            if self.repo is not None:
                warm_sort_keys(self.repo)  # here, not before the first frame: Actions needs them
        self.post_message(self.SummaryReady(version, summary))

    @on(SummaryReady)
    def _summary_ready(self, message: SummaryReady) -> None:
        if message.version != self.data_version:
            return
        self._summary = (message.version, message.summary)
        for screen in self.screen_stack:
            if isinstance(screen, SectionScreen) and screen.is_current and screen.NEEDS_SUMMARY:
                screen.refresh_data()

    def open_plan(self, plan_id: str, *, summary: PlanSummary | None = None) -> None:
        """Show ``plan_id``; ``summary``: its roll-ups, if already worked out for it (as of the
        day :meth:`as_of_for` gives it)."""
        self.plan_id = plan_id
        self.as_of, self.as_of_reason = self.as_of_for(self.plan.reported_on)
        self.heading = None
        if summary is not None:  # for the data version data_changed() is about to start
            self._summary = (self.data_version + 1, summary)
        self.data_changed()
        pending, self._pending_section = self._pending_section, None
        if pending is not None and pending != self.current_mode:
            self.switch_mode(pending)
        elif self.current_mode not in self.MODES:
            self.switch_mode("dashboard")

    def data_changed(self, actions: Iterable[str] | None = None) -> None:
        """The plan changed: redraw the section on view; others redraw when next shown.

        ``actions`` names the only actions that changed (their refs), when that is all that
        did, so a section can patch what it shows instead of rebuilding it from 10,000 rows.
        """
        self.data_version += 1
        self._changes.append((self.data_version, None if actions is None else frozenset(actions)))
        del self._changes[:-KEEP_CHANGES]
        for screen in self.screen_stack:
            if isinstance(screen, SectionScreen) and screen.is_current:
                screen.refresh_data()

    @property
    def read_only(self) -> bool:
        """Whether this process cannot save to the store (shown in the section bar)."""
        return self.repo is not None and self.repo.read_only

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Textual's notification, with the control characters of any user text in it shown
        visibly (every screen's ``notify`` comes here)."""
        super().notify(
            visible(message), title=visible(title), severity=severity, timeout=timeout, markup=markup
        )

    def refuse_if_read_only(self) -> bool:
        """Say clearly that nothing can be saved, and return True, when the store is read-only."""
        if not self.read_only:
            return False
        where = self.store_path or "the store"
        self.notify(
            f"{where} is read-only here: nothing can be saved. Open a copy you can write to.",
            title="Read-only",
            severity="warning",
            markup=False,
            timeout=8,
        )
        return True

    def saved(self, actions: Iterable[str] | None = None) -> None:
        """Called by screens after a successful save through the repository (see :meth:`data_changed`)."""
        self.data_changed(actions)

    def changed_actions_since(self, version: int) -> frozenset[str] | None:
        """The refs of the only actions changed after ``version``; None if more than actions changed."""
        if version == self.data_version:
            return frozenset()
        later = [refs for number, refs in self._changes if number > version]
        if version < 0 or len(later) != self.data_version - version or any(r is None for r in later):
            return None
        return frozenset().union(*(r for r in later if r is not None))

    def _changed_elsewhere(self) -> None:
        """Called from the store's listening thread when anyone saves."""
        with contextlib.suppress(RuntimeError):  # the app has already stopped
            self.call_from_thread(self.check_for_changes)

    def on_unmount(self) -> None:
        self._startup_pause.close()
        self._abandon_sibling()
        if self._stop_watching is not None:
            self._stop_watching()
            self._stop_watching = None

    def check_for_changes(self) -> None:
        """Cheaply ask whether another process saved; if so, reload in a worker.

        A file is asked here (a read of its first bytes). A database is asked in a thread: over
        a network that has gone, the question waits for libpq's connect timeout, and the
        tracker must go on answering keys meanwhile."""
        if self.repo is None or self.plan_id is None:
            return
        if is_database_url(self.store_path):
            self._check_database()
            return
        try:
            changed = self.repo.changed_on_disk()
        except (OSError, StoreError):
            return
        if changed:
            self.reload_store()

    @work(thread=True, exclusive=True, group="check", description="ask the database for changes")
    def _check_database(self) -> None:
        repo = self.repo
        if repo is None:
            return
        try:
            changed = repo.changed_on_disk()
        except (OSError, StoreError):
            return  # unreachable for now: asked again at the next poll or notification
        if changed:
            with contextlib.suppress(RuntimeError):  # the app has already stopped
                self.call_from_thread(self.reload_store)

    @work(thread=True, exclusive=True, group="store", description="reload the store")
    def reload_store(self) -> None:
        repo = self.repo
        assert repo is not None
        try:
            with kept_out_of_gc():
                repo.load()
                warm_sort_keys(repo)
        except StoreError as error:
            self.post_message(self.StoreFailed(str(error)))
            return
        self.post_message(self.StoreLoaded(repo, reloaded=True))

    # Navigation --------------------------------------------------------------------------

    def action_section(self, name: str) -> None:
        if name not in self.MODES:
            return
        if self.has_plan:
            self.switch_mode(name)
        elif self.heading is not None:  # still reading the store: go there once it is read
            self._pending_section = name

    async def show_actions(self, filter_text: str = "") -> None:
        """Open the actions section with a filter, e.g. ``rec:7``."""
        if not self.has_plan:
            return
        from tui.screens.actions import ActionsScreen

        await self.switch_mode("actions")
        screen = self.screen
        if isinstance(screen, ActionsScreen):
            screen.set_filter(filter_text)

    async def open_action(self, ref: str) -> None:
        """Jump to one action: the table's cursor on it, and its form open."""
        if not self.has_plan:
            return
        from tui.screens.actions import ActionsScreen

        await self.switch_mode("actions")
        screen = self.screen
        if isinstance(screen, ActionsScreen):
            screen.set_filter("")
            screen.go_to_action(ref)  # so the next key (x, h) acts on the action jumped to
            screen.edit_action(ref)

    async def show_recommendation(self, number: int) -> None:
        if not self.has_plan:
            return
        from tui.screens.recommendations import RecommendationsScreen

        await self.switch_mode("recommendations")
        screen = self.screen
        if isinstance(screen, RecommendationsScreen):
            screen.select_recommendation(number)

    async def show_kpi(self, kpi_id: str) -> None:
        if not self.has_plan:
            return
        from tui.screens.scorecard import ScorecardScreen

        await self.switch_mode("scorecard")
        screen = self.screen
        if isinstance(screen, ScorecardScreen):
            screen.select_kpi(kpi_id)

    def switch_plan(self, plan_id: str) -> None:
        if self.repo is not None and plan_id in self.repo.plan_ids() and plan_id != self.plan_id:
            self.open_plan(plan_id)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``q`` never quits from a dialog or a screen that takes typing (ctrl+q still quits at
        once), and a section's digit never leaves a dialog."""
        if action in ("quit", "section"):
            from textual.screen import ModalScreen

            screen = self.screen
            if isinstance(screen, ModalScreen):
                return False
            if action == "quit" and getattr(screen, "TAKES_TYPING", False):
                return False
        return True

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen, binding_rows

        if isinstance(self.screen, HelpScreen):
            return
        note = (
            ""
            if self.config_path is None
            else f"Any key can be changed in {self.config_path} (see the README)."
        )
        self.push_screen(HelpScreen(binding_rows(self), config_note=note))

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT_THEME if self.theme == DARK_THEME else DARK_THEME
        self.settings.theme = self.theme
        save_settings(self.settings_path, self.settings)


def binding_ids() -> set[str]:
    """Every binding id a keymap may name: the app's, and those of every screen and widget
    (their modules are imported, so this is asked only when config.toml has a keymap)."""
    import pkgutil

    from textual.dom import DOMNode

    import tui.screens
    import tui.widgets

    classes: list[type] = [IptApp]
    for package in (tui.screens, tui.widgets):
        for module_info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{module_info.name}")
            classes += [value for value in vars(module).values() if isinstance(value, type)]
    ids: set[str] = set()
    for kind in classes:
        if issubclass(kind, DOMNode | App):
            ids.update(b.id for b in kind.__dict__.get("BINDINGS", []) if isinstance(b, Binding) and b.id)
    return ids


def make_app(
    store_path: Path | str | None,
    *,
    plan_id: str | None = None,
    as_of: date | None = None,
    by: str | None = None,
    poll_seconds: float = 2.0,
    settings_path: Path | None = None,
    config_path: Path | None = None,
) -> IptApp:
    """Build the app on a store file or a ``postgresql://`` URL. ``as_of``: the day to assess
    against (tests fix it; the command line passes ``--as-of``); None: the plan's reported day,
    else today. ``poll_seconds=0`` turns off watching for other saves."""
    if by is None:
        try:
            by = getpass.getuser()
        except (KeyError, OSError):
            by = "unknown"
    return IptApp(
        store_path,
        plan_id=plan_id,
        as_of=as_of,
        by=by,
        poll_seconds=poll_seconds,
        settings_path=settings_path,
        config_path=config_path,
    )
