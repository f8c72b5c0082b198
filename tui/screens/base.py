"""What every section screen shares: the section bar on top, the footer, and redrawing
from the repository when the plan has changed since the section was last drawn."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from tui.presentation import literal
from tui.screens.keys import TypingGuard
from tui.widgets.footer import Footer

if TYPE_CHECKING:
    from store.first_look import PlanHeading
    from tui.app import IptApp

SECTIONS = {
    "dashboard": "Dashboard",
    "actions": "Actions",
    "recommendations": "Recommendations",
    "funding": "Funding",
    "scorecard": "Scorecard",
    "reviews": "Reviews",
}
"""Section name to title, in key order: 1 is the dashboard."""


AS_OF_REASONS = {"reported": "the plan's reported day", "today": "today", "chosen": "chosen"}
"""Why the header's "as of" day is that day (see :meth:`tui.app.IptApp.as_of_for`)."""
WIDE_BAR = 100
"""From this many columns the section bar names every section; below, only the current one."""


def section_bar_text(app: IptApp, current: str, width: int | None = None) -> Text:
    """``1 Dashboard  2 Actions …`` with the current one marked, then the day the plan is
    assessed as of and why, then the plan. A read-only store and the day are said before the
    plan's name, so a narrow terminal (``width``) never cuts them off: below
    :data:`WIDE_BAR` columns the other sections are shown by their number alone."""
    text = Text(no_wrap=True, overflow="ellipsis")
    wide = (width or app.size.width) >= WIDE_BAR
    if app.read_only:
        text.append(" read-only ", style="bold reverse yellow")
    for number, (name, title) in enumerate(SECTIONS.items(), 1):
        if name == current:
            text.append(f" {number} {title} ", style="reverse bold")
        else:
            text.append(f" {number} {title} " if wide else f" {number}")
    name = app.plan.name if app.has_plan else (app.heading.name if app.heading else "")
    if name:
        reason = AS_OF_REASONS.get(app.as_of_reason, app.as_of_reason)
        text.append(f"  as of {app.as_of.day} {app.as_of:%b %Y}", style="bold")
        text.append(f" ({reason})", style="dim")
        text.append("  ")
        text.append_text(literal(name, "bold"))
    return text


WORKING = "Working out the roll-ups …"
READING = "Reading the plan …"


class SectionBar(Static):
    """The top line: which section this is, the day the plan is assessed as of, which plan."""

    def on_resize(self) -> None:
        """Redraw for the new width: below :data:`WIDE_BAR` columns the bar is shortened."""
        screen = self.screen
        if isinstance(screen, SectionScreen) and (screen.ipt.has_plan or screen.ipt.heading):
            self.update(section_bar_text(screen.ipt, screen.SECTION, self.size.width))


class IptScreen(TypingGuard, Screen[None]):
    """Base for the app's screens: typed access to the app; a focused field's leftover
    printable keys reach no binding (see :class:`TypingGuard`)."""

    TAKES_TYPING: ClassVar[bool] = False
    """A screen for typing into (a board's session): ``q`` and the section digits do nothing here."""

    @property
    def ipt(self) -> IptApp:
        return cast("IptApp", self.app)


class SectionScreen(IptScreen):
    """A section (keys 1-6). Subclasses compose the body and draw it in :meth:`show`."""

    SECTION: ClassVar[str] = ""
    NEEDS_SUMMARY: ClassVar[bool] = True
    """Whether :meth:`show` uses the roll-ups (worked out in a thread for large plans)."""

    def __init__(self) -> None:
        super().__init__()
        self.shown_version = -1
        """The app's data version this screen last drew."""
        self._ready = False

    def compose(self) -> ComposeResult:
        yield SectionBar(id="section-bar")
        yield Static(Text(WORKING, style="italic"), id="working")
        yield from self.compose_body()
        yield Footer()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        self._ready = True
        self.refresh_data()

    def on_screen_resume(self) -> None:
        if self.shown_version != self.ipt.data_version:
            self.refresh_data()

    def refresh_data(self) -> None:
        """Redraw from the repository, if a plan is open and the screen is mounted."""
        if not self._ready:
            return
        heading = self.ipt.heading
        if not self.ipt.has_plan:
            if heading is not None:  # the store is still being read: say so under the heading
                self.query_one(SectionBar).update(section_bar_text(self.ipt, self.SECTION))
                self.query_one("#working", Static).update(Text(READING, style="italic"))
                self.show_reading(heading)
            return
        self.query_one(SectionBar).update(section_bar_text(self.ipt, self.SECTION))
        waiting = self.NEEDS_SUMMARY and self.ipt.summary_if_ready() is None
        working = self.query_one("#working", Static)
        working.display = waiting
        if waiting:
            working.update(Text(WORKING, style="italic"))
            return
        self.shown_version = self.ipt.data_version
        self.show()

    def show_reading(self, heading: PlanHeading) -> None:
        """Draw what can be drawn from the plan's heading alone, while the plan is read."""

    def show(self) -> None:
        """Draw the section from ``self.ipt.plan`` / ``self.ipt.summary``."""
