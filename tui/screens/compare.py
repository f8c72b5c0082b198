"""Compare two snapshots (or a snapshot with the live plan): what moved, grouped as a board
walks it. By default the latest snapshot against the one before it.

Snapshots are read and compared in a thread worker; the screen draws the
:class:`~store.compare.Comparison` it is handed. User text is always literal.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Label, Select, Static

from store.compare import Comparison, compare
from store.errors import StoreError
from store.repository import Repository
from store.snapshots import SnapshotHeader
from tui.cli.comparison_view import comparison_groups
from tui.presentation import literal
from tui.screens.base import SectionScreen

LIVE = "live"
"""The "after" choice that means the plan as it stands now."""


def one_line(text: str) -> Text:
    """User text for a drop-down: literal, on one line, cut with an ellipsis."""
    shown = literal(text)
    shown.no_wrap, shown.overflow = True, "ellipsis"
    return shown


def compare_job(repo: Repository, plan_id: str, before_id: str, after_id: str, as_of: date) -> Comparison:
    """Read the chosen snapshots (or the live plan for :data:`LIVE`) and compare them."""
    before = repo.snapshots.get(before_id)
    after = repo.plan(plan_id) if after_id == LIVE else repo.snapshots.get(after_id)
    return compare(before, after, as_of=as_of)


class CompareScreen(SectionScreen):
    """Pick two snapshots; see what changed between them."""

    SECTION: ClassVar[str] = "reviews"
    NEEDS_SUMMARY: ClassVar[bool] = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="compare.back"),
    ]

    class Compared(Message):
        """The worker compared the pair ``chosen`` (or failed, saying why in ``error``)."""

        def __init__(self, chosen: tuple[str, str], comparison: Comparison | None, error: str = "") -> None:
            super().__init__()
            self.chosen = chosen
            self.comparison = comparison
            self.error = error

    def __init__(self) -> None:
        super().__init__()
        self.headers: list[SnapshotHeader] = []
        self.comparison: Comparison | None = None
        """What is drawn (None before the first comparison or after an error)."""
        self._filling = False
        self._wanted: tuple[str, str] | None = None
        """The pair last asked for; a Select echoing a value set in code does not ask again."""

    def compose_body(self) -> ComposeResult:
        for word, name in (("From", "before"), ("To", "after")):
            with Horizontal(classes="compare-pick"):
                yield Label(word, classes="compare-label")
                yield Select[str]([], id=f"compare-{name}", allow_blank=True, prompt="snapshot", compact=True)
        with VerticalScroll(id="compare-body"):
            yield Static(id="compare-changes")

    def show(self) -> None:
        repo, plan_id = self.ipt.repo, self.ipt.plan_id
        assert repo is not None and plan_id is not None
        try:
            self.headers = repo.snapshots.list(plan_id)
        except StoreError as error:
            self._say(literal(str(error), "bold red"))
            return
        if not self.headers:
            self._say(Text("No snapshots of this plan yet: press s in Reviews to take one.", style="dim"))
            return
        options = [
            (one_line(f"{h.id}  {h.label}  ({h.as_of:%d %b %Y})"), h.id) for h in reversed(self.headers)
        ]
        live = [(one_line(f"Now: the live plan as of {self.ipt.as_of:%d %b %Y}"), LIVE)]
        before = self.query_one("#compare-before", Select)
        after = self.query_one("#compare-after", Select)
        chosen = (before.value, after.value)
        self._filling = True
        before.set_options(options)
        after.set_options(live + options)
        ids = {h.id for h in self.headers}
        if chosen[0] in ids and (chosen[1] in ids or chosen[1] == LIVE):
            before.value, after.value = chosen
        elif len(self.headers) >= 2:
            before.value, after.value = self.headers[-2].id, self.headers[-1].id
        else:
            before.value, after.value = self.headers[-1].id, LIVE
        self._filling = False
        self.run_compare(again=True)

    def choose(self, before_id: str, after_id: str) -> None:
        """Compare two given snapshots (``after_id`` may be :data:`LIVE`)."""
        self._filling = True
        self.query_one("#compare-before", Select).value = before_id
        self.query_one("#compare-after", Select).value = after_id
        self._filling = False
        self.run_compare()

    @on(Select.Changed)
    def _picked(self) -> None:
        if not self._filling:
            self.run_compare()

    def run_compare(self, *, again: bool = False) -> None:
        before = self.query_one("#compare-before", Select).value
        after = self.query_one("#compare-after", Select).value
        if not isinstance(before, str) or not isinstance(after, str):
            return
        if (before, after) == self._wanted and not again:
            return
        self._wanted = (before, after)
        if before == after:
            self._say(Text("Choose two different snapshots.", style="dim"))
            self._wanted, self.comparison = None, None
            return
        repo, plan_id = self.ipt.repo, self.ipt.plan_id
        assert repo is not None and plan_id is not None
        self._say(Text("Comparing …", style="italic"))
        self.compare_in_thread(repo, plan_id, before, after, self.ipt.as_of)

    @work(thread=True, group="compare", description="compare")
    def compare_in_thread(self, repo: Repository, plan_id: str, before: str, after: str, as_of: date) -> None:
        try:
            self.post_message(
                self.Compared((before, after), compare_job(repo, plan_id, before, after, as_of))
            )
        except StoreError as error:
            self.post_message(self.Compared((before, after), None, str(error)))

    @on(Compared)
    def _compared(self, message: Compared) -> None:
        if message.chosen != self._wanted:
            return
        comparison = message.comparison
        if comparison is None:
            self._say(literal(message.error, "bold red"))
        elif comparison.is_empty:
            self._say(Text("Nothing changed between these two.", style="bold"))
        else:
            spaced: list[RenderableType] = []
            for table in comparison_groups(comparison):
                spaced += [table, Text("")]
            self._say(Group(*spaced))
        self.comparison = comparison

    def _say(self, renderable: RenderableType) -> None:
        self.query_one("#compare-changes", Static).update(renderable)

    def action_back(self) -> None:
        self.dismiss()
