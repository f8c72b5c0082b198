"""The action form: every field of one action, checked by the model and the repository.

Problems appear beside the field they are about. ctrl+s saves through the repository with
the revision the form opened on, so a save after someone else's is refused as a conflict
rather than silently overwriting it; ctrl+r then reloads, keeping what was typed here.
Escape with unsaved edits asks first. The form returns the saved ref, or None.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar, cast

from pydantic import ValidationError
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, SelectionList, Static

from store.dates import parse_optional_date
from store.errors import ConflictError, StoreError
from store.models import Action, ActionUpdate, Plan, Rag, Status
from tui.presentation import edited, literal, rag_text, shown
from tui.screens.confirm import ConfirmScreen
from tui.screens.history import HistoryScreen
from tui.screens.keys import FIRST_FIELD, TypingGuard
from tui.screens.record_form import GENERAL, problems_by_field

TEXT_FIELDS = (
    "ref",
    "title",
    "owner",
    "description",
    "outcome",
    "success_measure",
    "start_on",
    "due_on",
    "completed_on",
    "progress",
    "due_reason",
    "note",
)
FIELDS = (*TEXT_FIELDS, "theme", "status", "rag", "recommendations", "funding", "measures")
LINKS = ("recommendations", "funding", "measures")
"""Fields chosen from a list of the plan's own: recommendations, funding allocations, KPIs."""
LABELS = {
    "ref": "Ref",
    "theme": "Theme",
    "title": "Title",
    "owner": "Owner",
    "description": "Description",
    "outcome": "Outcome",
    "success_measure": "Success measure",
    "start_on": "Start",
    "due_on": "Due",
    "completed_on": "Completed",
    "status": "Status",
    "rag": "RAG",
    "progress": "Progress %",
    "recommendations": "Addresses",
    "funding": "Paid for by",
    "measures": "KPIs",
    "due_reason": "Why due moved",
    "note": "Add update",
}
ORDER = (
    "ref",
    "theme",
    "title",
    "owner",
    "description",
    "outcome",
    "success_measure",
    "status",
    "rag",
    "progress",
    "start_on",
    "due_on",
    "due_reason",
    "completed_on",
    "recommendations",
    "funding",
    "measures",
    "note",
)
NO_RAG = "none"
FieldChanged = Input.Changed | Select.Changed | SelectionList.SelectedChanged[int]

if TYPE_CHECKING:
    from tui.app import IptApp


def parse_day(text: str) -> date | None:
    """A date as every form reads it (:func:`store.dates.parse_date`); empty is no date.
    Raises ValueError with a message for beside the field otherwise."""
    return parse_optional_date(text)


def day_text(day: date | None) -> str:
    return "" if day is None else f"{day:%d/%m/%Y}"


def raw_of(action: Action | None, default_theme: str | None) -> dict[str, Any]:
    """What the form's widgets hold for ``action`` (or a blank new one)."""
    if action is None:
        return {name: "" for name in TEXT_FIELDS} | {
            "progress": "0",
            "theme": default_theme or "",
            "status": Status.NOT_STARTED.value,
            "rag": NO_RAG,
            "recommendations": [],
            "funding": [],
            "measures": [],
        }
    return {
        "ref": action.ref,
        "title": action.title,
        "owner": action.owner,
        "description": action.description,
        "outcome": action.outcome,
        "success_measure": action.success_measure,
        "start_on": day_text(action.start_on),
        "due_on": day_text(action.due_on),
        "completed_on": day_text(action.completed_on),
        "progress": str(action.progress),
        "due_reason": "",
        "note": "",
        "theme": action.theme,
        "status": action.status.value,
        "rag": action.rag.value if action.rag else NO_RAG,
        "recommendations": list(action.recommendations),
        "funding": list(action.funding),
        "measures": list(action.measures),
    }


def parse_raw(raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Typed action fields from the widgets' values, and the problems found on the way."""
    values: dict[str, Any] = {
        name: raw[name]
        for name in ("ref", "title", "owner", "description", "outcome", "success_measure", "theme", "status")
    }
    problems: dict[str, str] = {}
    for name in ("start_on", "due_on", "completed_on"):
        try:
            values[name] = parse_day(raw[name])
        except ValueError as error:
            problems[name] = str(error)
    start_on, due_on, completed_on = (values.get(name) for name in ("start_on", "due_on", "completed_on"))
    if start_on and due_on and due_on < start_on:
        problems["due_on"] = f"the due date is before the start date ({day_text(start_on)})"
    if start_on and completed_on and completed_on < start_on:
        problems["completed_on"] = f"the completed date is before the start date ({day_text(start_on)})"
    text = raw["progress"].strip().rstrip("%")
    if text.lstrip("-").isdigit() and not 0 <= int(text) <= 100:
        problems["progress"] = f"{int(text)} is not a percentage: give a whole number from 0 to 100"
    elif text.lstrip("-").isdigit():
        values["progress"] = int(text)
    else:
        problems["progress"] = f"{raw['progress']!r} is not a whole number from 0 to 100"
    values["rag"] = None if raw["rag"] == NO_RAG else raw["rag"]
    values["recommendations"] = sorted(raw["recommendations"])
    values["funding"] = list(raw["funding"])
    values["measures"] = list(raw["measures"])
    return values, problems


class ActionFormScreen(TypingGuard, ModalScreen[str | None]):
    """Edit one action (``ref``) or create one (``ref=None``)."""

    AUTO_FOCUS = FIRST_FIELD

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="action_form.save", priority=True),
        Binding("escape", "cancel", "Close", id="action_form.cancel"),
        Binding("f2", "history", "History", id="action_form.history"),
        Binding("ctrl+r", "reload", "Reload", id="action_form.reload"),
    ]

    def __init__(self, ref: str | None, *, default_theme: str | None = None) -> None:
        super().__init__()
        self.ref = ref
        self.default_theme = default_theme
        self.base_revision = 0
        self.loaded: dict[str, Any] = {}
        self.original: Action | None = None
        self._saving = False
        self._checked: dict[str, Any] = {}
        """The fields' values when their problems were last shown."""

    @property
    def ipt(self) -> IptApp:
        return cast("IptApp", self.app)

    def compose(self) -> ComposeResult:
        plan = self.ipt.plan
        with Vertical(id="dialog", classes="dialog form action-form"):
            yield Static(id="form-title", classes="form-title")
            with VerticalScroll(classes="form-fields"):
                for name in ORDER:
                    with Horizontal(classes="form-row"):
                        yield Label(LABELS[name], classes="form-label")
                        yield from self._widget(name, plan)
                    yield Static(id=f"problem-{name}", classes="problem")
                yield Static(id="updates", classes="updates")
            yield Static(id=f"problem-{GENERAL}", classes="problem")
            with Horizontal(classes="buttons"):
                saving = Static(Text("Saving…", style="bold"), id="saving")
                saving.display = False
                yield saving
                yield Button("Save (ctrl+s)", id="save", variant="primary")
                yield Button("History (F2)", id="history")
                yield Button("Reload (ctrl+r)", id="reload", variant="warning")
                yield Button("Close", id="cancel")

    def _widget(self, name: str, plan: Plan) -> ComposeResult:
        if name == "theme":
            yield Select(
                [(literal(f"{t.key} {t.name}"), t.key) for t in plan.themes],
                id="field-theme",
                allow_blank=False,
                compact=True,
            )
        elif name == "status":
            yield Select(
                [(Text(s.label), s.value) for s in Status], id="field-status", allow_blank=False, compact=True
            )
        elif name == "rag":
            yield Select(
                [(Text("– none"), NO_RAG)] + [(rag_text(r), r.value) for r in Rag],
                id="field-rag",
                allow_blank=False,
                compact=True,
            )
        elif name == "recommendations":
            yield SelectionList[int](
                *((literal(f"{r.number}  {r.text}"[:70]), r.number) for r in plan.recommendations),
                id="field-recommendations",
            )
        elif name == "funding":
            yield SelectionList[str](
                *(
                    (literal(f"{a.id}  {a.financial_year}  £{a.amount:,.0f}  {a.purpose}"[:70]), a.id)
                    for a in plan.allocations
                ),
                id="field-funding",
            )
        elif name == "measures":
            yield SelectionList[str](
                *((literal(f"{k.id}  {k.name}"[:70]), k.id) for k in plan.kpis), id="field-measures"
            )
        else:
            hint = {
                "start_on": "dd/mm/yyyy",
                "due_on": "dd/mm/yyyy",
                "completed_on": "dd/mm/yyyy",
                "due_reason": "needed when the due date moves",
                "note": "a dated progress note",
                "outcome": "what will be different when it is done",
                "success_measure": "how success is measured",
            }
            yield Input(id=f"field-{name}", placeholder=hint.get(name, ""), compact=True)

    def on_mount(self) -> None:
        self.load_action()

    def load_action(self) -> None:
        """Fill the fields from the stored action and remember the revision they came from."""
        repo = self.ipt.repo
        assert repo is not None
        self.base_revision = repo.revision
        plan = self.ipt.plan
        self.original = plan.action(self.ref) if self.ref else None
        self.loaded = raw_of(self.original, self.default_theme)
        self.set_raw(self.loaded)
        self.query_one("#field-ref", Input).disabled = self.ref is not None
        title = Text("New action" if self.ref is None else "Action ", style="bold")
        if self.original is not None:
            title.append_text(literal(self.original.ref, "bold"))
            title.append(f"   revision {self.base_revision}", style="dim")
        self.query_one("#form-title", Static).update(title)
        self.query_one("#updates", Static).update(self._updates_text())
        self.query_one("#reload", Button).display = False
        self.query_one("#save", Button).disabled = self.ipt.read_only
        self.show_problems({})

    def _updates_text(self) -> Text:
        text = Text("Updates", style="bold")
        updates = self.original.updates if self.original else []
        if not updates:
            text.append("  none yet", style="dim")
        for update in reversed(updates[-5:]):
            text.append(f"\n{update.on:%d %b %Y} ")
            text.append_text(literal(update.author, "italic"))
            text.append(" ")
            text.append_text(rag_text(update.rag, short=True))
            text.append(" ")
            text.append_text(literal(update.text))
        return text

    def set_raw(self, raw: dict[str, Any]) -> None:
        for name, value in raw.items():
            widget = self.query_one(f"#field-{name}")
            if isinstance(widget, Input):
                widget.value = shown(value)
            elif isinstance(widget, Select):
                widget.value = value
            elif isinstance(widget, SelectionList):
                widget.deselect_all()
                for chosen in value:
                    widget.select(chosen)

    def raw(self) -> dict[str, Any]:
        raw: dict[str, Any] = {}
        for name in FIELDS:
            widget = self.query_one(f"#field-{name}")
            if isinstance(widget, Input):
                stored = self.loaded.get(name)
                raw[name] = widget.value if not isinstance(stored, str) else edited(widget.value, stored)
            elif isinstance(widget, Select):
                raw[name] = "" if widget.is_blank() else str(widget.value)
            elif isinstance(widget, SelectionList):
                # Those kept in their stored order, then those added in the list's (the plan's)
                # order: an untouched list is no change.
                chosen = set(widget.selected)
                kept = [value for value in self.loaded.get(name, []) if value in chosen]
                listed = [widget.get_option_at_index(i).value for i in range(widget.option_count)]
                raw[name] = kept + [value for value in listed if value in chosen and value not in kept]
        return raw

    def edits(self) -> dict[str, Any]:
        """Fields the user has changed since the form was filled."""
        return {name: value for name, value in self.raw().items() if value != self.loaded.get(name)}

    @on(Input.Changed)
    @on(Select.Changed)
    @on(SelectionList.SelectedChanged)
    def _clear_problem(self, event: FieldChanged) -> None:
        """A field's problem goes as soon as the field is changed; saving checks it again."""
        name = (event.control.id or "").removeprefix("field-")
        if name in ORDER and self._checked.get(name) != self.raw().get(name):
            self.query_one(f"#problem-{name}", Static).display = False

    def show_problems(self, problems: dict[str, str]) -> None:
        self._checked = self.raw()
        for name in (*ORDER, GENERAL):
            label = self.query_one(f"#problem-{name}", Static)
            label.update(literal(problems.get(name, ""), "bold red"))
            label.display = name in problems

    class Saved(Message):
        """The save worker wrote the action (``ref``) to the store."""

        def __init__(self, ref: str) -> None:
            super().__init__()
            self.ref = ref

    class SaveRefused(Message):
        """The store refused the save; ``problems`` go beside the fields."""

        def __init__(self, problems: dict[str, str], *, conflict: bool) -> None:
            super().__init__()
            self.problems = problems
            self.conflict = conflict

    @property
    def saving(self) -> bool:
        return self._saving

    def action_save(self) -> None:
        """Check the fields here, then write through the repository in a thread worker.

        Writing a 10,000-action store takes a tenth of a second or more (lock, fsync, replace),
        so it never runs on the UI thread; the form says "Saving…" until the answer arrives.
        """
        if self._saving:
            return
        if self.ipt.read_only:
            self.show_problems({GENERAL: "The store is read-only here: nothing can be saved."})
            self.ipt.refuse_if_read_only()
            return
        prepared = self.prepare()
        if isinstance(prepared, dict):
            self.show_problems(prepared)
            return
        self.show_problems({})
        ref, write = prepared
        if write is None:
            self.dismiss(ref)
            return
        self._set_saving(True)
        self.write_in_thread(ref, write)

    def _set_saving(self, saving: bool) -> None:
        self._saving = saving
        self.query_one("#saving", Static).display = saving
        self.query_one("#save", Button).disabled = saving

    @work(thread=True, exclusive=True, group="action-form-save", description="save the action")
    def write_in_thread(self, ref: str, write: Callable[[], None]) -> None:
        """Run the repository call and post what happened; never touches a widget."""
        try:
            write()
        except ConflictError as error:
            message = f"{error} Press ctrl+r to reload; what you typed here is kept."
            self.post_message(self.SaveRefused({GENERAL: message}, conflict=True))
        except StoreError as error:
            self.post_message(self.SaveRefused(problems_by_field(error, FIELDS), conflict=False))
        else:
            self.post_message(self.Saved(ref))

    @on(Saved)
    def _saved(self, message: Saved) -> None:
        self._set_saving(False)
        self.ipt.saved(actions=[message.ref])
        self.dismiss(message.ref)

    @on(SaveRefused)
    def _refused(self, message: SaveRefused) -> None:
        self._set_saving(False)
        if message.conflict:
            self.query_one("#reload", Button).display = True
        self.show_problems(message.problems)

    def prepare(self) -> dict[str, str] | tuple[str, Callable[[], None] | None]:
        """Check the fields; return the problems, or the ref and the repository call to make
        (None when nothing changed)."""
        repo, plan_id = self.ipt.repo, self.ipt.plan_id
        assert repo is not None and plan_id is not None
        raw = self.raw()
        values, problems = parse_raw(raw)
        note, reason = raw["note"].strip(), raw["due_reason"].strip()
        if (
            self.original is not None
            and values.get("due_on", self.original.due_on) != self.original.due_on
            and self.original.due_on is not None
            and not reason
        ):
            problems["due_reason"] = "say why the due date moved; it is kept in the action's history"
        base = self.original.model_dump() if self.original else {}
        try:
            candidate = Action.model_validate({**base, **values})
        except ValidationError as error:
            # Every problem at once: what the model refuses too, beside fields not yet refused.
            return problems_by_field(error, FIELDS) | problems
        if problems:
            return problems
        by, on_day = self.ipt.by, self.ipt.as_of
        original = self.original
        if original is None:
            updates = [ActionUpdate(on=on_day, author=by, text=note, rag=candidate.rag)]
            new = candidate.model_copy(update={"updates": updates if note else []})

            def create() -> None:
                repo.create(plan_id, new, by=by)

            return new.ref, create
        changes = {k: v for k, v in values.items() if getattr(original, k) != v}
        if not changes and not note:
            return original.ref, None

        def update() -> None:
            repo.update_action(
                plan_id,
                original.ref,
                changes,
                by=by,
                on=on_day,
                note=note or None,
                due_reason=reason or None,
                base=original,
            )

        return original.ref, update

    def action_reload(self) -> None:
        """Re-read the store, refill from the latest action, then re-apply this form's edits."""
        if self._saving:
            return
        repo = self.ipt.repo
        assert repo is not None
        edits = self.edits()
        try:
            repo.load()
        except StoreError as error:
            self.show_problems({GENERAL: str(error)})
            return
        self.ipt.data_changed()
        if self.ref is not None and self.ref not in {a.ref for a in self.ipt.plan.actions}:
            self.show_problems({GENERAL: f"Action {self.ref} has been deleted by someone else."})
            return
        self.load_action()
        self.set_raw(edits)
        self.notify("Reloaded the latest; your edits are kept. Check them and save again.")

    def action_cancel(self) -> None:
        if self._saving:
            return
        if not self.edits():
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmScreen("Discard your unsaved changes to this action?", yes="Discard", no="Keep editing"),
            answered,
        )

    def action_history(self) -> None:
        if self.ref is not None:
            self.app.push_screen(HistoryScreen("action", self.ref))

    @on(Button.Pressed)
    def _button(self, event: Button.Pressed) -> None:
        actions = {
            "save": self.action_save,
            "history": self.action_history,
            "reload": self.action_reload,
            "cancel": self.action_cancel,
        }
        handler = actions.get(event.button.id or "")
        if handler is not None:
            handler()
