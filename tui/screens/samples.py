"""An empty store: choose a bundled sample plan to start from. Returns the sample's name."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option


def available_samples() -> list[tuple[str, str]]:
    """(name, title) of each bundled sample plan; empty if none are bundled."""
    try:
        from sample_plans import list_samples
    except ImportError:
        return []
    return [(str(name), str(title)) for name, title in list_samples()]


class SamplesScreen(ModalScreen[str | None]):
    """A list of sample plans; Enter picks one, escape picks none."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="samples.cancel"),
    ]

    def __init__(self, samples: list[tuple[str, str]]) -> None:
        super().__init__()
        self.samples = samples

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog wide"):
            yield Static(Text("This store has no plans yet. Add a sample plan to start from:"))
            yield OptionList(
                *(Option(Text(f"{title}  ({name})"), id=name) for name, title in self.samples),
                id="samples",
            )

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
