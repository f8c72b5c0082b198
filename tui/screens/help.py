"""The ``?`` screen: every key that works where you are, grouped by what it acts on, in words.

It is built from the bindings active on the screen underneath (the focused widget up to the
app), so a key a user has remapped in ``config.toml`` shows as remapped. Keys hidden from the
footer are listed too; a key bound twice (``delete`` and ``x``) is one line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Static, TextArea

if TYPE_CHECKING:
    from textual.app import App
    from textual.dom import DOMNode

HelpRow = tuple[str, str, str]
"""(keys as shown, what they do, the group they are listed under)."""

EVERYWHERE = "Everywhere"
TYPING = "Typing in a field"
PALETTE = ("ctrl+p", "Command palette: jump to an action, recommendation, KPI, plan or section")

WIDGET_GROUPS = {
    "ActionGrid": "The table",
    "ActionTable": "The table",
    "DataTable": "The table",
    "OptionList": "The list",
    "SelectionList": "The list of choices",
    "Select": "A drop-down",
    "FilterBar": "The filter",
    "VerticalScroll": "Scrolling",
    "ScrollableContainer": "Scrolling",
}
"""Where a widget's keys are listed, by the widget's kind; the first that matches its classes."""

MOVING = "Moving around"
PLAIN: dict[str, tuple[str, str | None]] = {
    "focus_next": ("Next panel or field", MOVING),
    "focus_previous": ("Previous panel or field", MOVING),
    "cursor_up": ("Move the cursor", None),
    "cursor_down": ("Move the cursor", None),
    "cursor_left": ("Move the cursor", None),
    "cursor_right": ("Move the cursor", None),
    "scroll_home": ("Start or end", None),
    "scroll_end": ("Start or end", None),
    "scroll_top": ("First or last row", None),
    "scroll_bottom": ("First or last row", None),
    "page_up": ("Page up or down", None),
    "page_down": ("Page up or down", None),
    "page_left": ("Page left or right", None),
    "page_right": ("Page left or right", None),
    "select_cursor": ("Open the row with the cursor", None),
    "copy": ("Copy the selected text", EVERYWHERE),
    "copy_text": ("Copy the selected text", EVERYWHERE),
    "command_palette": (PALETTE[1], EVERYWHERE),
    "quit": ("Quit the tracker (q does nothing in a dialog or a board session)", EVERYWHERE),
    "help": ("This list of keys", EVERYWHERE),
}
"""Textual's own words for its keys, and keys bound once per section, put as a person would:
(what it does, the group it belongs in, None for where it is bound)."""

SCREEN_GROUPS = {
    "DashboardScreen": "Dashboard",
    "ActionsScreen": "Actions",
    "RecommendationsScreen": "Recommendations",
    "FundingScreen": "Funding",
    "ScorecardScreen": "Scorecard",
    "ReviewsScreen": "Reviews",
    "ReviewSessionScreen": "This board session",
    "CompareScreen": "Comparing snapshots",
}


def group_of(node: DOMNode, app: App[Any]) -> str:
    """The group a binding of ``node`` is listed under, in words."""
    if node is app:
        return EVERYWHERE
    kinds = [kind.__name__ for kind in type(node).__mro__]
    for kind in kinds:
        if kind in SCREEN_GROUPS:
            return SCREEN_GROUPS[kind]
        if kind in WIDGET_GROUPS:
            return WIDGET_GROUPS[kind]
        if kind in ("ModalScreen", "Screen"):
            return "This dialog" if kind == "ModalScreen" else "This screen"
    return "Where the cursor is"


def key_text(display: str) -> str:
    """A key as people write it: ``ctrl+t``, not ``^t``."""
    return display.replace("^", "ctrl+") if len(display) > 1 else display


AFTER_ESCAPE = "After Escape (with no field chosen)"


def after_escape(app: App[Any], active: set[str]) -> dict[tuple[str, str], list[str]]:
    """The screen's single keys that a field with the cursor types instead of running."""
    rows: dict[tuple[str, str], list[str]] = {}
    screen_bindings = getattr(app.screen, "_bindings", None)  # the screen's keys, keymap applied
    for key, bindings in getattr(screen_bindings, "key_to_bindings", {}).items():
        for binding in bindings:
            if key in active or not binding.description:
                continue
            if app.screen.check_action(binding.action, ()) is False:
                continue
            keys = rows.setdefault((AFTER_ESCAPE, binding.description), [])
            shown = key_text(app.get_key_display(binding))
            if shown not in keys:
                keys.append(shown)
    return rows


def binding_rows(app: App[Any]) -> list[HelpRow]:
    """The bindings active on the current screen, one row per thing they do, grouped: the
    screen's own keys first, then those of the widget with the cursor, then everywhere."""
    rows: dict[tuple[str, str], list[str]] = {}
    for active in app.screen.active_bindings.values():
        binding = active.binding
        action = binding.action.removeprefix("app.").removeprefix("screen.")
        if isinstance(active.node, Input | TextArea):
            continue  # a text box's many editing keys are summed up in one line below
        if action.startswith("section("):
            does, group = "Go to a section (1 Dashboard … 6 Reviews)", EVERYWHERE
        elif action in PLAIN:
            does, fixed = PLAIN[action]
            group = fixed or group_of(active.node, app)
        elif binding.description:
            does, group = binding.description, group_of(active.node, app)
        else:
            continue
        keys = rows.setdefault((group, does), [])
        shown = key_text(app.get_key_display(binding))
        if shown not in keys:
            keys.append(shown)
    if isinstance(app.focused, Input | TextArea):
        rows.update(after_escape(app, set(app.screen.active_bindings)))
        rows[(TYPING, "Letters, digits and ? go into the field; Escape leaves it")] = ["Esc"]
        rows[(TYPING, "Edit as usual: word left/right, start, end, cut, paste")] = [
            "ctrl+← →, home, end, ctrl+x, ctrl+v"
        ]
    if not any(PALETTE[0] in keys for keys in rows.values()):
        rows[(EVERYWHERE, PALETTE[1])] = [PALETTE[0]]
    screens = {*SCREEN_GROUPS.values(), "This dialog", "This screen"}

    def rank(group: str) -> int:
        return 0 if group in screens else 3 if group == EVERYWHERE else 2 if group == MOVING else 1

    ordered = sorted(rows.items(), key=lambda item: rank(item[0][0]))
    return [(", ".join(keys), does, group) for (group, does), keys in ordered]


def help_text(rows: list[HelpRow]) -> Group:
    """The rows under their group headings, keys in one column and what they do wrapping in
    the other, so nothing is cut off however narrow the terminal."""
    parts: list[Text | Table] = []
    groups = dict.fromkeys(where for _, _, where in rows)
    width = min(max((len(keys) for keys, _, _ in rows), default=4), 24)
    for group in groups:
        parts.append(Text(group, style="bold underline"))
        table = Table(show_header=False, box=None, padding=(0, 1, 0, 2), expand=True)
        table.add_column(style="bold", width=width, overflow="fold")
        table.add_column(ratio=1, overflow="fold")
        for keys, does, where in rows:
            if where == group:
                table.add_row(Text(keys), Text(does))
        parts.append(table)
    return Group(*parts)


class HelpScreen(ModalScreen[None]):
    """Keys and what they do."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close", id="help.close"),
    ]

    def __init__(self, rows: list[HelpRow], *, config_note: str = "") -> None:
        super().__init__()
        self.rows = rows
        self.config_note = config_note

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog wide help"):
            yield Static(Text("Keys here", style="bold"))
            with VerticalScroll(id="help-keys"):
                yield Static(help_text(self.rows), id="help-text")
            note = "Escape closes this list."
            if self.config_note:
                note += " " + self.config_note
            yield Static(Text(note, style="dim"), id="help-note")

    def action_close(self) -> None:
        self.dismiss(None)
