"""A dialog that asks for one file or folder, checks it is there, and returns a choice.

The tracker's import, the owners' returns and a new plan from a report all begin the same
way: a title, a line saying nothing is written before the preview, a path typed in (the
cursor there from the start, no letter typed reaching a command), a problem beside it when
the path is not there, and Check or Cancel. Each subclass says what it asks for and what it
returns; it may add widgets under the path (:meth:`PathDialog.compose_extra`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar, Generic, Literal, TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Static

from tui.presentation import literal
from tui.screens.keys import FIRST_FIELD, TypingGuard

T = TypeVar("T")


class PathDialog(TypingGuard, ModalScreen[T | None], Generic[T]):
    """Asks for a path; :meth:`chosen` turns one that is there into what the dialog returns."""

    AUTO_FOCUS = FIRST_FIELD
    HEADING: ClassVar[str] = ""
    INTRO: ClassVar[str] = ""
    LABEL: ClassVar[str] = "File"
    PLACEHOLDER: ClassVar[str] = ""
    FIELD: ClassVar[str] = "path"
    """The input's id is ``field-`` this; its problem's ``problem-`` this."""
    WANTS: ClassVar[Literal["file", "folder"]] = "file"
    MISSING: ClassVar[str] = "give the file's path"
    """What the problem says when nothing was typed."""
    CHECK: ClassVar[tuple[str, str]] = ("check", "Check (ctrl+s)")
    """The primary button's id and label; ctrl+s presses it."""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog import-dialog"):
            yield Static(Text(self.HEADING, style="bold"), classes="form-title")
            yield Static(Text(self.INTRO))
            with Horizontal(classes="form-row"):
                yield Label(self.LABEL, classes="form-label")
                yield Input(placeholder=self.PLACEHOLDER, id=f"field-{self.FIELD}")
            yield Static(id=f"problem-{self.FIELD}", classes="problem")
            yield from self.compose_extra()
            with Horizontal(classes="buttons"):
                yield Button(self.CHECK[1], id=self.CHECK[0], variant="primary")
                yield Button("Cancel", id="cancel")

    def compose_extra(self) -> Iterator[Widget]:
        """Widgets under the path (none by default)."""
        return iter(())

    def chosen(self, path: Path) -> T:
        """What the dialog returns for a path that is there."""
        raise NotImplementedError

    def on_mount(self) -> None:
        self.query_one(f"#problem-{self.FIELD}").display = False
        self.query_one(f"#field-{self.FIELD}", Input).focus()

    def action_check(self) -> None:
        text = self.query_one(f"#field-{self.FIELD}", Input).value.strip()
        path = Path(text).expanduser()
        there = path.is_dir() if self.WANTS == "folder" else path.is_file()
        if not text or not there:
            problem = self.query_one(f"#problem-{self.FIELD}", Static)
            problem.update(literal(f"there is no {self.WANTS} {text}" if text else self.MISSING, "bold red"))
            problem.display = True
            return
        self.dismiss(self.chosen(path))

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input.id == f"field-{self.FIELD}":
            self.action_check()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == self.CHECK[0]:
            self.action_check()
        elif event.button.id == "cancel":
            self.action_cancel()
