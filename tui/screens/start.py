"""The first screen: shown while the store opens, and where an unopenable store is explained."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Center, Middle
from textual.screen import Screen
from textual.widgets import Static

from tui.presentation import literal
from tui.widgets.footer import Footer


class StartScreen(Screen[None]):
    """ "Opening the store…", or why it could not be opened."""

    def __init__(self, store_path: Path | str | None, *, error: str | None = None) -> None:
        super().__init__()
        self.store_path = store_path
        self.error = error

    def compose(self) -> ComposeResult:
        where = str(self.store_path) if self.store_path else "a store in memory"
        message = literal(self.error, "bold red") if self.error else literal(f"Opening {where} …")
        with Middle(), Center():
            yield Static(message, id="start-message")
        yield Footer()

    def show_error(self, error: str) -> None:
        self.query_one("#start-message", Static).update(literal(error, "bold red"))
