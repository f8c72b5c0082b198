"""Choosing one of a list: a bundled sample plan for an empty store, an allocation to edit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.presentation import literal
from tui.screens.keys import FIRST_FIELD, TypingGuard


def available_samples() -> list[tuple[str, str]]:
    """(name, title) of each bundled sample plan; empty if none are bundled."""
    try:
        from sample_plans import list_samples
    except ImportError:
        return []
    return [(str(name), str(title)) for name, title in list_samples()]


class ChoiceScreen(TypingGuard, ModalScreen[str | None]):
    """A question over a list; Enter picks one (its id is returned), escape picks none."""

    AUTO_FOCUS = FIRST_FIELD

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="choice.cancel"),
    ]

    def __init__(
        self, question: str, choices: Sequence[tuple[str, str]], *, list_id: str = "choices"
    ) -> None:
        """``choices``: (id, what is shown) pairs; what is shown is never read as markup."""
        super().__init__()
        self.question = question
        self.choices = list(choices)
        self.list_id = list_id

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog wide"):
            yield Static(literal(self.question))
            yield OptionList(
                *(Option(literal(shown), id=key) for key, shown in self.choices), id=self.list_id
            )

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class SamplesScreen(ChoiceScreen):
    """A list of sample plans to start an empty store from; returns the sample's name."""

    def __init__(self, samples: list[tuple[str, str]], *, more: Sequence[tuple[str, str]] = ()) -> None:
        """``more``: other ways to start, (id, what is shown), listed after the samples."""
        super().__init__(
            "This store has no plans yet. Add a sample plan to start from"
            + (", or start your own:" if more else ":"),
            [*((name, f"{title}  ({name})") for name, title in samples), *more],
            list_id="samples",
        )
