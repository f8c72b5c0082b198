"""The ``?`` screen: every key that works where you are, generated from the bindings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

if TYPE_CHECKING:
    from textual.app import App

HelpRow = tuple[str, str, str]
"""(key as shown, what it does, where it applies)."""


def binding_rows(app: App[Any]) -> list[HelpRow]:
    """The bindings active on the current screen (focused widget up to the app), de-duplicated."""
    rows: list[HelpRow] = []
    seen: set[str] = set()
    for key, active in app.screen.active_bindings.items():
        binding = active.binding
        if not binding.description or key in seen:
            continue
        seen.add(key)
        where = "everywhere" if active.node is app else type(active.node).__name__
        rows.append((app.get_key_display(binding), binding.description, where))
    rows.append(
        ("ctrl+p", "Command palette: jump to an action, recommendation, KPI, plan or section", "everywhere")
    )
    return rows


class HelpScreen(ModalScreen[None]):
    """Keys and what they do."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close", id="help.close"),
    ]

    def __init__(self, rows: list[HelpRow]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog wide"):
            yield Static(Text("Keys", style="bold"))
            table: DataTable[Text] = DataTable(cursor_type="none", zebra_stripes=True, id="help-keys")
            table.add_columns("Key", "Does", "Where")
            for key, does, where in self.rows:
                table.add_row(Text(key, style="bold"), Text(does), Text(where, style="dim"))
            yield table
            yield Static(Text("Escape closes this list.", style="dim"))

    def action_close(self) -> None:
        self.dismiss(None)
