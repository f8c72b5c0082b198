"""Section 6: the change board's sessions and the plan's snapshots.

``n`` starts a session (its agenda is built by the store from the plan's exceptions),
Enter opens one, ``s`` takes a snapshot, ``c`` compares two, ``e`` exports the board pack.
Every store call runs in a worker behind :class:`~tui.screens.working.WorkingScreen`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from store.errors import StoreError
from store.models import ReviewSession, ReviewState
from store.repository import Repository
from store.reviews import open_review
from store.snapshots import SnapshotHeader
from tui.presentation import literal
from tui.screens.action_form import parse_day
from tui.screens.base import SectionScreen
from tui.screens.compare import CompareScreen
from tui.screens.export_dialog import export_flow
from tui.screens.record_form import Field, RecordFormScreen
from tui.screens.review_session import ReviewSessionScreen
from tui.screens.working import Outcome, WorkingScreen

if TYPE_CHECKING:
    from tui.app import IptApp

DEFAULT_TOLERANCE = "100000"
"""Budget lines whose variance exceeds this many pounds go on the agenda (as ``ipt review start``)."""


@dataclass(frozen=True)
class NewSession:
    held_on: date
    board: str
    chair: str
    attendees: list[str]
    next_board_on: date | None
    variance_tolerance: Decimal


def parse_new_session(values: dict[str, str]) -> NewSession | dict[str, str]:
    """The typed session from the form's text, or the problems beside their fields."""
    problems: dict[str, str] = {}
    days: dict[str, date | None] = {}
    for name in ("held_on", "next_board_on"):
        try:
            days[name] = parse_day(values[name])
        except ValueError as error:
            problems[name] = str(error)
    if "held_on" not in problems and days["held_on"] is None:
        problems["held_on"] = "give the day of the board"
    held_on, next_on = days.get("held_on"), days.get("next_board_on")
    if held_on and next_on and next_on <= held_on:
        problems["next_board_on"] = "the next board must be after this one"
    if not values["board"].strip():
        problems["board"] = "name the board, e.g. Children's Change Board"
    try:
        tolerance = Decimal(values["variance_tolerance"].replace(",", "").replace("£", "") or "0")
        if tolerance < 0:
            raise InvalidOperation
    except InvalidOperation:
        problems["variance_tolerance"] = f"{values['variance_tolerance']!r} is not an amount in pounds"
        tolerance = Decimal(0)
    if problems:
        return problems
    assert held_on is not None
    attendees = [name.strip() for name in values["attendees"].split(",") if name.strip()]
    return NewSession(
        held_on, values["board"].strip(), values["chair"].strip(), attendees, next_on, tolerance
    )


def start(repo: Repository, plan_id: str, wanted: NewSession, by: str) -> ReviewSession:
    """Open the session in the store, in one save; the board is kept as typed."""
    return open_review(
        repo,
        plan_id,
        wanted.held_on,
        by=by,
        board=wanted.board,
        chair=wanted.chair,
        attendees=wanted.attendees,
        next_board_on=wanted.next_board_on,
        variance_tolerance=wanted.variance_tolerance,
    )


def take_snapshot_flow(app: IptApp) -> None:
    """Ask for a label, then freeze the plan as it stands on the app's day."""
    if not app.has_plan or app.refuse_if_read_only():
        return
    repo, plan_id = app.repo, app.plan_id
    assert repo is not None and plan_id is not None
    governance = app.plan.governance
    board = governance.board if governance else "Change board"
    label: list[str] = []

    def submit(values: dict[str, str]) -> dict[str, str]:
        text = values["label"].strip()
        if not text or len(text) > 200:
            return {"label": "give a label of 1 to 200 characters, e.g. Change Board — October 2019"}
        label.append(text)
        return {}

    def taken(outcome: Outcome | None) -> None:
        if outcome is None:
            return
        if not outcome.ok:
            app.notify(str(outcome.error), title="No snapshot taken", severity="error", markup=False)
            return
        header: SnapshotHeader = outcome.value
        app.notify(f"Snapshot {header.id} taken: {header.label}", title="Snapshot", markup=False)
        app.data_changed([])

    def filled(ok: bool | None) -> None:
        if ok and label:

            def job() -> SnapshotHeader:
                return repo.take_snapshot(plan_id, label=label[-1], as_of=app.as_of, by=app.by)

            app.push_screen(WorkingScreen("Taking the snapshot …", job), taken)

    fields = [Field("label", "Label", f"{board} — {app.as_of:%B %Y}")]
    intro = f"Freezes the plan and its roll-ups as they stand on {app.as_of:%d %b %Y}."
    app.push_screen(RecordFormScreen("Take a snapshot", fields, submit, intro=intro), filled)


class ReviewsScreen(SectionScreen):
    """Change-board sessions and snapshots."""

    SECTION: ClassVar[str] = "reviews"
    NEEDS_SUMMARY: ClassVar[bool] = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new_session", "New session", id="reviews.new"),
        Binding("o", "open_session", "Open session", id="reviews.open"),
        Binding("s", "snapshot", "Snapshot", id="reviews.snapshot"),
        Binding("c", "compare", "Compare", id="reviews.compare"),
        Binding("e", "export", "Export pack", id="reviews.export"),
    ]

    def compose_body(self) -> ComposeResult:
        with Vertical(id="reviews-body"):
            yield Static(Text("Change-board sessions", style="bold"), classes="reviews-title")
            sessions: DataTable[Text] = DataTable(cursor_type="row", zebra_stripes=True, id="reviews-table")
            sessions.add_columns("Id", "Held on", "Board", "State", "Items", "Snapshot")
            yield sessions
            yield Static(Text("Snapshots", style="bold"), classes="reviews-title")
            snapshots: DataTable[Text] = DataTable(
                cursor_type="row", zebra_stripes=True, id="snapshots-table"
            )
            snapshots.add_columns("Id", "Label", "As of", "Taken by")
            yield snapshots
            yield Static(id="reviews-note")

    def show(self) -> None:
        plan = self.ipt.plan
        table = self.query_one("#reviews-table", DataTable)
        chosen = self.current_review_id()
        table.clear()
        for session in reversed(plan.reviews):
            state = Text(
                session.state.value, style="bold green" if session.state is ReviewState.OPEN else "dim"
            )
            table.add_row(
                Text(session.id),
                Text(f"{session.held_on:%d %b %Y}"),
                literal(session.board),
                state,
                Text(str(len(session.items))),
                Text(session.snapshot_id or "–"),
                key=session.id,
            )
        if chosen is not None and chosen in {s.id for s in plan.reviews}:
            table.move_cursor(row=table.get_row_index(chosen))
        note = Text(
            "No sessions yet: press n to start the first board." if not plan.reviews else "", style="dim"
        )
        snapshots = self.query_one("#snapshots-table", DataTable)
        snapshots.clear()
        repo = self.ipt.repo
        assert repo is not None
        try:
            headers = repo.snapshots.list(plan.id)
        except StoreError as error:
            note = literal(str(error), "bold red")
            headers = []
        for header in reversed(headers):
            snapshots.add_row(
                Text(header.id),
                literal(header.label),
                Text(f"{header.as_of:%d %b %Y}"),
                literal(header.taken_by),
                key=header.id,
            )
        self.query_one("#reviews-note", Static).update(note)
        if self.focused is None:
            table.focus()

    def current_review_id(self) -> str | None:
        table = self.query_one("#reviews-table", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return str(key.value) if key.value is not None else None

    @on(DataTable.RowSelected, "#reviews-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_session()

    def action_open_session(self) -> None:
        review_id = self.current_review_id()
        if review_id is not None:
            self.open_session(review_id)

    def open_session(self, review_id: str) -> None:
        self.app.push_screen(ReviewSessionScreen(review_id))

    def action_new_session(self) -> None:
        if self.ipt.refuse_if_read_only():
            return
        governance = self.ipt.plan.governance
        fields = [
            Field("held_on", "Held on", f"{self.ipt.as_of:%d/%m/%Y}", placeholder="dd/mm/yyyy"),
            Field("board", "Board", governance.board if governance else "Change board"),
            Field("chair", "Chair", governance.chair if governance else ""),
            Field("attendees", "Attendees", placeholder="comma-separated, e.g. Director, Finance partner"),
            Field("next_board_on", "Next board", placeholder="dd/mm/yyyy, optional"),
            Field("variance_tolerance", "Variance £", DEFAULT_TOLERANCE),
        ]
        wanted: list[NewSession] = []

        def submit(values: dict[str, str]) -> dict[str, str]:
            parsed = parse_new_session(values)
            if isinstance(parsed, dict):
                return parsed
            wanted.append(parsed)
            return {}

        def opened(outcome: Outcome | None) -> None:
            if outcome is None:
                return
            if not outcome.ok:
                self.notify(
                    str(outcome.error), title="Not started", severity="error", markup=False, timeout=10
                )
                return
            session: ReviewSession = outcome.value
            self.ipt.saved([])
            self.open_session(session.id)

        def filled(ok: bool | None) -> None:
            repo, plan_id, by = self.ipt.repo, self.ipt.plan_id, self.ipt.by
            if ok and wanted and repo is not None and plan_id is not None:

                def job() -> ReviewSession:
                    return start(repo, plan_id, wanted[-1], by)

                self.app.push_screen(WorkingScreen("Building the agenda …", job), opened)

        intro = (
            "The agenda lists the plan's exceptions: red, overdue, changed since the last snapshot, due soon."
        )
        self.app.push_screen(
            RecordFormScreen("Start a change-board session", fields, submit, intro=intro), filled
        )

    def action_snapshot(self) -> None:
        take_snapshot_flow(self.ipt)

    def action_compare(self) -> None:
        self.app.push_screen(CompareScreen())

    def action_export(self) -> None:
        export_flow(self.ipt)
