"""The actions filter bar: an input that posts the parsed filter as you type."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from tui.filters import ActionFilter, parse_filter

PLACEHOLDER = "words  theme:WF  owner:smith  status:blocked  rag:red  overdue  due:30  rec:7"


class FilterBar(Vertical):
    """Opened with ``/``; escape closes it and keeps the filter, enter goes back to the table."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close filter", id="filter.close"),
    ]

    class Changed(Message):
        """The filter text changed; ``action_filter`` is what it means."""

        def __init__(self, text: str, action_filter: ActionFilter) -> None:
            super().__init__()
            self.text = text
            self.action_filter = action_filter

    class Closed(Message):
        """The user left the filter bar."""

    def compose(self) -> ComposeResult:
        yield Input(placeholder=PLACEHOLDER, id="filter-input")
        yield Static(id="filter-problems")

    @property
    def text(self) -> str:
        return self.query_one(Input).value

    def set_text(self, text: str) -> None:
        """Replace the filter text (posts :class:`Changed` like typing does)."""
        self.query_one(Input).value = text

    def open(self) -> None:
        self.display = True
        self.query_one(Input).focus()

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        parsed = parse_filter(event.value)
        problems = self.query_one("#filter-problems", Static)
        problems.update(Text("; ".join(parsed.problems), style="bold red"))
        problems.display = bool(parsed.problems)
        self.post_message(self.Changed(event.value, parsed))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Closed())

    def action_close(self) -> None:
        if not self.text:
            self.display = False
        self.post_message(self.Closed())
