"""The audit trail of one thing (an action, a recommendation, …): who changed what, when."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from store.labels import field_label, value_in_words
from tui.presentation import literal

if TYPE_CHECKING:
    from tui.app import IptApp


def value_text(value: Any) -> Text:
    """An audited value, short and literal, in words (:func:`store.labels.value_in_words`)."""
    if value is None:
        return Text("–", style="dim")
    text = value_in_words(value)
    return literal(text if len(text) <= 60 else text[:59] + "…")


class HistoryScreen(ModalScreen[None]):
    """A table of audit entries, newest first."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="history.close"),
    ]

    def __init__(self, entity: str, key: str) -> None:
        super().__init__()
        self.entity = entity
        self.key = key

    def compose(self) -> ComposeResult:
        app = cast("IptApp", self.app)
        assert app.repo is not None
        entries = app.repo.audit(app.plan_id, self.entity, self.key)
        with Vertical(id="dialog", classes="dialog wide"):
            title = Text(f"History of {self.entity} ", style="bold")
            title.append_text(literal(self.key, "bold"))
            title.append(f"  ({len(entries)} changes)", style="dim")
            yield Static(title)
            table: DataTable[Text] = DataTable(cursor_type="row", zebra_stripes=True, id="history-table")
            table.add_columns("When", "Who", "Field", "From", "To")
            for entry in reversed(entries):
                table.add_row(
                    Text(f"{entry.at:%d %b %Y %H:%M}"),
                    literal(entry.by),
                    literal(field_label(entry.field)),
                    value_text(entry.old),
                    value_text(entry.new),
                )
            yield table
            yield Static(Text("Escape closes.", style="dim"))

    def action_close(self) -> None:
        self.dismiss(None)
