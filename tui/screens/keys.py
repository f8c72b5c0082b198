"""Keeping typing out of the commands: where a form's cursor starts, and which keys a field eats.

A change board types into the tracker while it runs. Every form and dialog opens with the
cursor in its first editable field (:data:`FIRST_FIELD`, a screen's ``AUTO_FOCUS``), and while
a field of a form has focus a printable key it did not use itself never reaches a
single-letter binding (:class:`TypingGuard`): a commentary with a ``c`` in it must not close
the session, nor a ``q`` quit the tracker.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual import events
    from textual.widget import Widget

FIRST_FIELD = "Input, TextArea, Select, SelectionList, Checkbox, RadioSet, Switch, OptionList, Button"
"""``AUTO_FOCUS`` of forms and dialogs: the first of these that can take focus, in the order
they are laid out; never the scrolling container around them."""


@functools.cache
def entry_widgets() -> tuple[type[Widget], ...]:
    """Widgets a user types or chooses a value in (imported at the first key, not before the
    first frame: the text area alone takes some 15 ms to import)."""
    from textual.widgets import Checkbox, Input, RadioSet, Select, SelectionList, Switch, TextArea

    return (Input, TextArea, Select, SelectionList, Checkbox, RadioSet, Switch)


def in_a_field(focused: Widget | None) -> bool:
    """Whether ``focused`` is a field of a form (or inside one, as a drop-down's list is)."""
    if focused is None:
        return False
    return any(isinstance(node, entry_widgets()) for node in (focused, *focused.ancestors))


def swallow_typing(focused: Widget | None, event: events.Key) -> None:
    """Stop a printable key the focused field did not use from reaching any binding.

    A text box uses every printable key itself; a drop-down, a check box or a list of choices
    uses only some, and the rest would otherwise bubble up to the screen's and the app's
    single-letter bindings. Space is left alone: those widgets bind it themselves.
    """
    if event.is_printable and event.key != "space" and in_a_field(focused):
        event.stop()
        event.prevent_default()


class TypingGuard:
    """Mixed into a screen: printable keys left over by a focused field go nowhere."""

    def on_key(self, event: events.Key) -> None:
        swallow_typing(getattr(self, "focused", None), event)
