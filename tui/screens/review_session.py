"""One change-board session, walked one agenda item at a time.

Each item shows its subject, title and every reason it is on the agenda. The board's
commentary and decision, and for an action a new RAG, status, progress or due date (with
the reason a moved date needs), are recorded with ctrl+s through
:func:`store.reviews.record_item` in a worker; the store's complaints appear beside the
field they name. ``d`` adds a general decision, ``c`` closes the session (taking its
snapshot) and then offers to export the pack. A closed session is a read-only record.

The board types as it talks: the cursor is in the item's Commentary when the session opens,
after an item is recorded and after moving to another item, and no letter typed into a field
reaches a command (``q`` does not quit here at all). Escape leaves a field, then the session,
asking first if what was typed is not recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from store.errors import StoreError
from store.labels import changes_in_words
from store.models import Rag, ReviewItem, ReviewSession, ReviewState, Status
from store.reviews import add_decision, close_review, record_item
from tui.presentation import edited, literal, rag_text, shown
from tui.screens.action_form import day_text, parse_day
from tui.screens.base import SectionScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.export_dialog import export_flow
from tui.screens.keys import in_a_field
from tui.screens.record_form import GENERAL, Field, RecordFormScreen, problems_by_field
from tui.screens.working import Outcome, WorkingScreen

KEEP = "keep"
"""The drop-down choice that leaves a field as it is."""
CHANGE_FIELDS = ("rag", "status", "progress", "due_on", "due_reason")
FIELDS = ("commentary", "decision", *CHANGE_FIELDS)
LABELS = {
    "commentary": "Commentary", "decision": "Decision", "rag": "New RAG", "status": "New status",
    "progress": "Progress %", "due_on": "New due date", "due_reason": "Why it moved",
}  # fmt: skip
EDITING = frozenset({"record", "decide", "close"})
LETTER_ACTIONS = frozenset({"decide", "close", "export"})
"""Actions bound to a single letter, which a field with the cursor types instead."""


def is_recorded(item: ReviewItem) -> bool:
    """Whether the board has said anything of an agenda item: commentary, a decision or a change."""
    return bool(item.commentary or item.decision or item.outcome)


class ReviewSessionScreen(SectionScreen):
    """Walk a session's agenda; closed sessions are shown read-only."""

    SECTION: ClassVar[str] = "reviews"
    NEEDS_SUMMARY: ClassVar[bool] = False
    TAKES_TYPING: ClassVar[bool] = True
    AUTO_FOCUS = "#field-commentary"
    BINDINGS: ClassVar[list[BindingType]] = [
        # Page keys move between items from anywhere, the Commentary included; ] and [ (and j, k)
        # only when no field has the cursor.
        Binding("pagedown", "step(1)", "Next item", id="review.next", key_display="PgDn", priority=True),
        Binding(
            "pageup", "step(-1)", "Previous item", id="review.previous", key_display="PgUp", priority=True
        ),
        Binding("right_square_bracket,j", "step(1)", "Next item", id="review.next_key", show=False),
        Binding("left_square_bracket,k", "step(-1)", "Previous item", id="review.previous_key", show=False),
        Binding("ctrl+s", "record", "Record item", id="review.record", priority=True),
        Binding("d", "decide", "Decision", id="review.decide"),
        Binding("c", "close", "Close session", id="review.close"),
        Binding("e", "export", "Export pack", id="review.export"),
        Binding("escape", "back", "Back", id="review.back"),
    ]

    class Recorded(Message):
        """The worker recorded the item ``subject``; ``changed`` says whether its action changed."""

        def __init__(self, subject: str, changed: bool) -> None:
            super().__init__()
            self.subject = subject
            self.changed = changed

    class Refused(Message):
        """The store refused the record; ``problems`` go beside the fields."""

        def __init__(self, problems: dict[str, str]) -> None:
            super().__init__()
            self.problems = problems

    def __init__(self, review_id: str) -> None:
        super().__init__()
        self.review_id = review_id
        self.position = 0
        self.loaded: dict[str, str] = {}
        self._checked: dict[str, str] = {}
        """The fields' values when their problems were last shown."""
        self._drawn_subject: str | None = None
        """The agenda item the fields were last filled for."""
        self.saving = False

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="session-columns"):
            agenda = OptionList(id="session-agenda")
            agenda.can_focus = False  # the cursor stays in the Commentary; a click still moves
            yield agenda
            yield from self._item_column()

    def _item_column(self) -> ComposeResult:
        with VerticalScroll(id="session-body"):
            yield Static(id="session-heading")
            yield Static(Text(" closed — read-only record ", style="bold reverse"), id="session-closed")
            yield Static(id="item-position")
            yield Static(id="item-detail")
            with Vertical(id="item-fields"):
                for name in FIELDS:
                    with Horizontal(classes="form-row", id=f"row-{name}"):
                        yield Label(LABELS[name], classes="form-label")
                        yield self._widget(name)
                    yield Static(id=f"problem-{name}", classes="problem")
            yield Static(id=f"problem-{GENERAL}", classes="problem")
            yield Static(Text("Recording …", style="bold"), id="saving")
            yield Static(id="session-decisions")

    def _widget(self, name: str) -> Input | Select[str]:
        if name == "rag":
            options = [(Text("– keep as is"), KEEP)] + [(rag_text(r), r.value) for r in Rag]
            return Select(options, value=KEEP, allow_blank=False, id="field-rag", compact=True)
        if name == "status":
            options = [(Text("– keep as is"), KEEP)] + [(Text(s.label), s.value) for s in Status]
            return Select(options, value=KEEP, allow_blank=False, id="field-status", compact=True)
        hints = {"due_on": "dd/mm/yyyy", "due_reason": "needed when the due date moves"}
        return Input(id=f"field-{name}", placeholder=hints.get(name, ""), compact=True)

    def on_mount(self) -> None:
        self.call_after_refresh(self.focus_commentary)

    def focus_commentary(self) -> None:
        """Put the cursor in the current item's Commentary, where the board's words go next."""
        box = self.query_one("#field-commentary", Input)
        if box.focusable and box.visible:
            box.focus()
            box.cursor_position = len(box.value)

    # Drawing -----------------------------------------------------------------------------

    @property
    def session(self) -> ReviewSession:
        return next(r for r in self.ipt.plan.reviews if r.id == self.review_id)

    @property
    def closed(self) -> bool:
        return self.session.state is ReviewState.CLOSED

    @property
    def item(self) -> ReviewItem | None:
        items = self.session.items
        return items[self.position] if 0 <= self.position < len(items) else None

    def show(self) -> None:
        if not any(r.id == self.review_id for r in self.ipt.plan.reviews):
            self.query_one("#session-heading", Static).update(Text("This session is no longer in the plan."))
            return
        session = self.session
        heading = Text(f"{session.id} · ", style="bold")
        heading.append_text(literal(session.board, "bold"))
        heading.append(f" · {session.held_on:%d %b %Y} · {session.state.value}", style="bold")
        heading.append("\nChair: ", style="dim")
        heading.append_text(literal(session.chair or "–"))
        heading.append("   Attendees: ", style="dim")
        heading.append_text(literal(", ".join(session.attendees) or "–"))
        if session.next_board_on:
            heading.append(f"   Next board: {session.next_board_on:%d %b %Y}", style="dim")
        if session.snapshot_id:
            heading.append(f"   Snapshot: {session.snapshot_id}", style="dim")
        self.query_one("#session-heading", Static).update(heading)
        self.query_one("#session-closed").display = self.closed
        decisions = Text("General decisions", style="bold")
        if not session.decisions:
            decisions.append(
                "  none yet" + ("" if self.closed else " (Escape, then d adds one)"), style="dim"
            )
        for number, decision in enumerate(session.decisions, 1):
            decisions.append(f"\n{number}. ")
            decisions.append_text(literal(decision))
        self.query_one("#session-decisions", Static).update(decisions)
        self.position = max(0, min(self.position, len(session.items) - 1))
        self.draw_item()
        self.refresh_bindings()

    def draw_agenda(self) -> None:
        """The agenda beside the item: each item marked recorded (✔) or not yet (○), the current one
        highlighted, and how many are recorded above it."""
        session = self.session
        agenda = self.query_one("#session-agenda", OptionList)
        recorded = sum(1 for item in session.items if is_recorded(item))
        agenda.border_title = f"{recorded}/{len(session.items)} recorded"
        options = []
        for number, item in enumerate(session.items):
            label = Text("✔ " if is_recorded(item) else "○ ", style="green" if is_recorded(item) else "dim")
            label.append_text(literal(item.subject, "bold"))
            label.append(" ")
            label.append(item.kinds[0].label if item.kinds else "", style="dim")
            options.append(Option(label, id=str(number)))
        agenda.clear_options()
        agenda.add_options(options)
        if session.items:
            agenda.highlighted = self.position

    @on(OptionList.OptionSelected, "#session-agenda")
    def _agenda_chosen(self, event: OptionList.OptionSelected) -> None:
        """A click on an agenda item goes to it (asking first if typing would be lost)."""
        if event.option.id is not None:
            self.action_step(int(event.option.id) - self.position)

    def draw_item(self) -> None:
        """Show the current item and fill its fields from what is recorded."""
        session, item = self.session, self.item
        count = len(session.items)
        self.draw_agenda()
        recorded = sum(1 for one in session.items if is_recorded(one))
        position = Text(
            f"Item {self.position + 1} of {count} · {recorded} of {count} recorded"
            if item
            else "No exceptions: the agenda is empty."
        )
        if count > 1:
            position.append("   PgDn next  PgUp previous", style="dim")
        self.query_one("#item-position", Static).update(position)
        self.query_one("#item-fields").display = item is not None
        self.query_one("#saving").display = self.saving
        if item is None:
            self.query_one("#item-detail", Static).update("")
            return
        detail = literal(item.subject, "bold")
        detail.append("  ")
        detail.append_text(literal(item.title))
        detail.append("\nOn the agenda: ", style="dim")
        detail.append(" · ".join(kind.label for kind in item.kinds), style="bold yellow")
        detail.append("\n")
        detail.append_text(literal(item.why, "italic"))
        action = next((a for a in self.ipt.plan.actions if a.ref == item.subject), None)
        if action is not None:
            detail.append("\nNow: ", style="dim")
            detail.append_text(rag_text(action.rag))
            detail.append(
                f"  {action.status.label}  {action.progress}%  due {day_text(action.due_on) or '–'}"
            )
        if item.outcome:
            detail.append("\nChanged at the board: ", style="dim")
            detail.append_text(literal(changes_in_words(item.outcome)))
        if self.closed:
            for label, text in (("Commentary", item.commentary), ("Decision", item.decision)):
                detail.append(f"\n{label}: ", style="bold")
                detail.append_text(literal(text or "–"))
        self.query_one("#item-detail", Static).update(detail)
        self.query_one("#item-fields").display = not self.closed
        for name in CHANGE_FIELDS:
            self.query_one(f"#row-{name}").display = action is not None
        # Redrawing the same item (the plan saved here or elsewhere) keeps what is being typed.
        typed = self.raw() if item.subject == self._drawn_subject and self.loaded else {}
        before, self._drawn_subject = self.loaded, item.subject
        self.loaded = {"commentary": item.commentary, "decision": item.decision, "rag": KEEP, "status": KEEP,
                       "progress": "", "due_on": "", "due_reason": ""}  # fmt: skip
        for name, value in self.loaded.items():
            if name in typed and typed[name] != before.get(name):
                continue
            widget = self.query_one(f"#field-{name}")
            if isinstance(widget, Input | Select):
                widget.value = shown(value) if isinstance(widget, Input) else value
        if action is not None:
            self.query_one("#field-progress", Input).placeholder = f"now {action.progress}"
            self.query_one("#field-due_on", Input).placeholder = f"now {day_text(action.due_on) or 'none'}"
        for widget in self.query("#item-fields Input, #item-fields Select"):
            widget.disabled = self.closed
        self.show_problems({})

    @on(Input.Changed)
    @on(Select.Changed)
    def _clear_problem(self, event: Input.Changed | Select.Changed) -> None:
        """A field's problem goes as soon as the field is changed; recording checks it again."""
        name = (event.control.id or "").removeprefix("field-")
        if name in FIELDS and self._checked.get(name) != self.raw().get(name):
            self.query_one(f"#problem-{name}", Static).display = False

    def show_problems(self, problems: dict[str, str]) -> None:
        self._checked = self.raw() if self._ready and self.item is not None else {}
        for name in (*FIELDS, GENERAL):
            label = self.query_one(f"#problem-{name}", Static)
            label.update(literal(problems.get(name, ""), "bold red"))
            label.display = name in problems

    def raw(self) -> dict[str, str]:
        raw: dict[str, str] = {}
        for name in FIELDS:
            widget = self.query_one(f"#field-{name}")
            if isinstance(widget, Input):
                raw[name] = edited(widget.value, self.loaded.get(name, ""))
            elif isinstance(widget, Select):
                raw[name] = KEEP if widget.is_blank() else str(widget.value)
        return raw

    def has_edits(self) -> bool:
        return bool(self.loaded) and self.raw() != self.loaded

    # Bindings ----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A closed session is a record: its editing keys are not offered at all. While a field
        has the cursor the letter keys are shown dimmed: they type, and Escape leaves the field."""
        if action in EDITING and self.ipt.has_plan and self._ready and self.closed:
            return False
        if action in LETTER_ACTIONS and in_a_field(self.focused):
            return None
        return True

    def action_step(self, by: int) -> None:
        count = len(self.session.items)
        target = max(0, min(self.position + by, count - 1))
        if target == self.position:
            return

        def go(discard: bool | None = True) -> None:
            if discard:
                self.position = target
                self.draw_item()
            self.focus_commentary()

        if not self.closed and self.has_edits():
            self.app.push_screen(
                ConfirmScreen("Leave this item without recording what you typed?", yes="Leave", no="Stay"), go
            )
        else:
            go()

    def action_back(self) -> None:
        if isinstance(self.focused, Input | Select):
            self.set_focus(None)
            return

        def leave(yes: bool | None) -> None:
            if yes:
                self.dismiss()
            else:
                self.focus_commentary()

        if not self.closed and self.has_edits():
            question = "Leave the session without recording what you typed for this item?"
            self.app.push_screen(ConfirmScreen(question, yes="Leave", no="Stay"), leave)
        else:
            self.dismiss()

    def action_record(self) -> None:
        item = self.item
        if self.saving or item is None or self.closed or self.ipt.refuse_if_read_only():
            return
        raw = self.raw()
        changes: dict[str, Any] = {}
        problems: dict[str, str] = {}
        for name in ("rag", "status"):
            if raw[name] != KEEP:
                changes[name] = raw[name]
        progress = raw["progress"].strip().rstrip("%")
        if progress:
            if progress.isdigit():
                changes["progress"] = int(progress)
            else:
                problems["progress"] = f"{raw['progress']!r} is not a whole number from 0 to 100"
        try:
            due_on = parse_day(raw["due_on"])
        except ValueError as error:
            problems["due_on"] = str(error)
        else:
            if due_on is not None:
                changes["due_on"] = due_on
        if problems:
            self.show_problems(problems)
            return
        self.show_problems({})
        self._set_saving(True)
        repo, plan_id, by, on_day = self.ipt.repo, self.ipt.plan_id, self.ipt.by, self.session.held_on
        assert repo is not None and plan_id is not None

        def write() -> None:
            record_item(repo, plan_id, self.review_id, item.subject, by=by, on=on_day,
                        commentary=raw["commentary"].strip(), decision=raw["decision"].strip(),
                        changes=changes or None, due_reason=raw["due_reason"].strip() or None)  # fmt: skip

        self.record_in_thread(item.subject, bool(changes), write)

    def _set_saving(self, saving: bool) -> None:
        self.saving = saving
        self.query_one("#saving").display = saving

    @work(thread=True, exclusive=True, group="review-record", description="record the item")
    def record_in_thread(self, subject: str, changed: bool, write: Callable[[], None]) -> None:
        try:
            write()
        except StoreError as error:
            self.post_message(self.Refused(problems_by_field(error, FIELDS)))
        else:
            self.post_message(self.Recorded(subject, changed))

    @on(Recorded)
    def _recorded(self, message: Recorded) -> None:
        self._set_saving(False)
        self._drawn_subject = None  # recorded: refill every field from what is now stored
        self.ipt.saved([message.subject] if message.changed else [])
        self.focus_commentary()
        self.notify(f"Recorded {message.subject}.", markup=False)

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self._set_saving(False)
        self.show_problems(message.problems)

    def _run(self, doing: str, job: Callable[[], Any], done: Callable[[Any], None]) -> None:
        def finished(outcome: Outcome | None) -> None:
            if outcome is not None and outcome.ok:
                self.ipt.saved([])
                done(outcome.value)
            elif outcome is not None:
                self.notify(str(outcome.error), title="Not saved", severity="error", markup=False, timeout=10)

        self.app.push_screen(WorkingScreen(doing, job), finished)

    def action_decide(self) -> None:
        if self.closed or self.ipt.refuse_if_read_only():
            return
        repo, plan_id, by = self.ipt.repo, self.ipt.plan_id, self.ipt.by
        assert repo is not None and plan_id is not None
        texts: list[str] = []

        def submit(values: dict[str, str]) -> dict[str, str]:
            if not values["text"].strip():
                return {"text": "write the decision"}
            texts.append(values["text"].strip())
            return {}

        def filled(ok: bool | None) -> None:
            if ok and texts:

                def job() -> ReviewSession:
                    return add_decision(repo, plan_id, self.review_id, texts[-1], by=by)

                self._run("Recording the decision …", job, lambda _: None)

        self.app.push_screen(
            RecordFormScreen("A decision of the board", [Field("text", "Decision")], submit), filled
        )

    def action_close(self) -> None:
        if self.closed or self.ipt.refuse_if_read_only():
            return
        repo, plan_id, by = self.ipt.repo, self.ipt.plan_id, self.ipt.by
        assert repo is not None and plan_id is not None

        def closed(session: ReviewSession) -> None:
            intro = (
                f"Session {session.id} is closed; snapshot {session.snapshot_id} was taken. Export its pack?"
            )
            export_flow(self.ipt, snapshot_id=session.snapshot_id, day=session.held_on, intro=intro)

        def answered(yes: bool | None) -> None:
            if yes:
                at = datetime.now(UTC).replace(microsecond=0)

                def job() -> ReviewSession:
                    return close_review(repo, plan_id, self.review_id, by=by, at=at)

                self._run("Closing the session and taking its snapshot …", job, closed)

        question = (
            f"Close {self.review_id}? Its snapshot is taken and the session becomes a read-only record."
        )
        self.app.push_screen(ConfirmScreen(question, yes="Close session", no="Not yet"), answered)

    def action_export(self) -> None:
        session = self.session
        if session.snapshot_id:
            export_flow(self.ipt, snapshot_id=session.snapshot_id, day=session.held_on)
        else:
            export_flow(self.ipt)
