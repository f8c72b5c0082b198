"""A small modal form for simple records (a theme, a recommendation, a spend entry, a KPI
reading, an impact sign-off), and the helper that puts the store's complaints beside the
field they are about.

The form does not know about the store: it hands the typed values to ``submit``, which
saves them and returns ``{field: problem}``; an empty answer closes the form with True.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from pydantic import ValidationError
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from store.errors import RuleBroken
from store.validation import describe_errors
from tui.presentation import edited, literal, shown
from tui.screens.keys import FIRST_FIELD, TypingGuard

GENERAL = "_form"
"""Key for a problem that names no field."""


@dataclass(frozen=True)
class Field:
    """One input: a text box, or a drop-down when ``options`` are given."""

    name: str
    label: str
    value: str = ""
    options: Sequence[tuple[str, str]] = ()
    """(shown, value) pairs for a drop-down."""
    placeholder: str = ""


def _problem_lines(error: Exception | str) -> list[str]:
    if isinstance(error, ValidationError):
        return describe_errors(error)
    if isinstance(error, RuleBroken):
        return list(error.problems)
    return [str(error)]


def problems_by_field(error: Exception | str, fields: Sequence[str]) -> dict[str, str]:
    """Sort each complaint to the field it names (the first one mentioned), else to :data:`GENERAL`.

    ``"action WF-01.theme: 'X' is not a theme"`` goes beside ``theme`` as
    ``"'X' is not a theme"``; ``"due_on 2019-01-01 is before start_on"`` beside ``due_on``.
    """
    found: dict[str, list[str]] = {}
    for line in _problem_lines(error):
        best: tuple[int, str, int] | None = None
        for name in fields:
            match = re.search(rf"(?:^|[\s.:(]){re.escape(name)}(?=$|[\s:\[.)])", line)
            if match and (best is None or match.start() < best[0]):
                best = (match.start(), name, match.end())
        if best is None:
            found.setdefault(GENERAL, []).append(line)
            continue
        rest = line[best[2] :]
        message = rest.lstrip(" :").strip() if rest.lstrip().startswith(":") else line
        message = re.sub(r"^\[\d+\]:\s*", "", message)
        found.setdefault(best[1], []).append(message or line)
    return {name: "; ".join(lines) for name, lines in found.items()}


class RecordFormScreen(TypingGuard, ModalScreen[bool]):
    """Fields, one problem line under each, Save and Cancel. ctrl+s saves, escape cancels."""

    AUTO_FOCUS = FIRST_FIELD

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="form.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
    ]

    def __init__(
        self,
        title: str,
        fields: Sequence[Field],
        submit: Callable[[dict[str, str]], dict[str, str]],
        *,
        intro: str = "",
    ) -> None:
        super().__init__()
        self.form_title = title
        self.fields = list(fields)
        self.submit = submit
        self.intro = intro
        self._checked: dict[str, str] = {}
        """The fields' values when their problems were last shown."""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog form"):
            yield Static(literal(self.form_title, "bold"), classes="form-title")
            if self.intro:
                yield Static(literal(self.intro), classes="form-intro")
            with VerticalScroll(classes="form-fields"):
                for spec in self.fields:
                    with Horizontal(classes="form-row"):
                        yield Label(spec.label, classes="form-label")
                        if spec.options:
                            select: Select[str] = Select(
                                [(literal(text), value) for text, value in spec.options],
                                id=f"field-{spec.name}",
                                allow_blank=False,
                                value=spec.value or spec.options[0][1],
                            )
                            yield select
                        else:
                            yield Input(
                                shown(spec.value),
                                placeholder=shown(spec.placeholder),
                                id=f"field-{spec.name}",
                            )
                    yield Static(id=f"problem-{spec.name}", classes="problem")
            yield Static(id=f"problem-{GENERAL}", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button("Save (ctrl+s)", id="save", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        for problem in self.query(".problem"):
            problem.display = False

    def values(self) -> dict[str, str]:
        result: dict[str, str] = {}
        for spec in self.fields:
            widget = self.query_one(f"#field-{spec.name}")
            if isinstance(widget, Select):
                result[spec.name] = "" if widget.is_blank() else str(widget.value)
            elif isinstance(widget, Input):
                result[spec.name] = edited(widget.value, spec.value).strip()
        return result

    @on(Input.Changed)
    @on(Select.Changed)
    def _clear_problem(self, event: Input.Changed | Select.Changed) -> None:
        """A field's problem goes as soon as the field is changed; saving checks it again."""
        name = (event.control.id or "").removeprefix("field-")
        if any(spec.name == name for spec in self.fields) and self._checked.get(name) != self.values().get(
            name
        ):
            self.query_one(f"#problem-{name}", Static).display = False

    def show_problems(self, problems: dict[str, str]) -> None:
        self._checked = self.values()
        for spec in [*(f.name for f in self.fields), GENERAL]:
            label = self.query_one(f"#problem-{spec}", Static)
            message = problems.get(spec, "")
            label.update(literal(message, "bold red"))
            label.display = bool(message)

    def action_save(self) -> None:
        problems = self.submit(self.values())
        if problems:
            self.show_problems(problems)
        else:
            self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.action_cancel()
