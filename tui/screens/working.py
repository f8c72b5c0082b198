"""A modal that runs one slow job (open a session, take a snapshot, write a pack, import a
tracker) in a thread worker with a loading indicator, then returns what happened.

The job never touches a widget: it returns a value or raises. The screen posts the result
as a message, and its handler dismisses with an :class:`Outcome`; the caller decides what
to say and what to redraw.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import LoadingIndicator, Static

from store.errors import StoreError


@dataclass(frozen=True)
class Outcome:
    """What a job returned, or the error that stopped it (then ``value`` is None)."""

    value: Any = None
    error: Exception | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


EXPECTED_ERRORS = (StoreError, OSError, ValueError)
"""Errors a job reports to the user; anything else is a bug and is left to crash loudly."""


class WorkingScreen(ModalScreen[Outcome]):
    """Say what is being done, with a spinner, until ``job`` has finished in a thread."""

    class Finished(Message):
        """The job came back (with a value or an error)."""

        def __init__(self, outcome: Outcome) -> None:
            super().__init__()
            self.outcome = outcome

    def __init__(self, doing: str, job: Callable[[], Any]) -> None:
        super().__init__()
        self.doing = doing
        self.job = job

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog working"):
            yield Static(Text(self.doing, style="bold"), id="working-what")
            yield LoadingIndicator(id="working-spinner")

    def on_mount(self) -> None:
        self.run_job()

    @work(thread=True, exclusive=True, group="working", description="working")
    def run_job(self) -> None:
        try:
            value = self.job()
        except EXPECTED_ERRORS as error:
            self.post_message(self.Finished(Outcome(error=error)))
        else:
            self.post_message(self.Finished(Outcome(value=value)))

    @on(Finished)
    def _finished(self, message: Finished) -> None:
        self.dismiss(message.outcome)
