"""A new plan from an Ofsted inspection report, from the UI: read, previewed, then accepted.

:func:`new_plan_from_report_flow` asks for the report's path, reads it in a worker, then
shows what would be created (the judgements table and the numbered recommendations) with
the plan's id to edit. Nothing is written until the user accepts; a report that cannot be
read is refused with the reader's one-line reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.box import SIMPLE_HEAD
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from store.importers.ofsted_report import LOCAL_AUTHORITY, ReportError, ReportReading, read_report
from store.importers.report_plan import check_plan_id, framework_label, plan_from_reading
from store.models import Plan
from tui.presentation import literal
from tui.screens.path_dialog import PathDialog
from tui.screens.working import Outcome, WorkingScreen

if TYPE_CHECKING:
    from tui.app import IptApp

TITLE = "New plan from inspection report…"


class ReportPathDialog(PathDialog[Path]):
    """The report's path; returns it, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "check", "Read", id="report_path.read", priority=True),
        Binding("escape", "cancel", "Cancel", id="report_path.cancel"),
    ]
    HEADING = "New plan from an Ofsted inspection report"
    INTRO = "The report is read and shown first; nothing is written until you accept."
    LABEL = "Report"
    PLACEHOLDER = "path to the report .pdf"
    FIELD = "report"
    MISSING = "give the report's path"
    CHECK = ("read", "Read (ctrl+s)")

    def chosen(self, path: Path) -> Path:
        return path


@dataclass(frozen=True)
class ReportPlan:
    reading: ReportReading
    plan: Plan


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def heading_text(reading: ReportReading) -> Text:
    """Who, what and when, above the tables."""
    text = literal(reading.local_authority, "bold")
    text.append_text(literal(f": {framework_label(reading)}, {_day(reading.started_on)}"))
    text.append_text(literal(f" to {_day(reading.ended_on)}"))
    if reading.published_on:
        text.append_text(literal(f", published {_day(reading.published_on)}"))
    if reading.lead_inspector:
        text.append_text(literal(f"\nLead inspector: {reading.lead_inspector}"))
    return text


class ReportPreviewScreen(ModalScreen[str | None]):
    """What the plan would hold: its judgements and numbered recommendations, with the plan's
    id to edit. Returns the id when accepted, None when cancelled."""

    DEFAULT_CSS = """
    #report-judgements { height: auto; }
    #report-recommendations { height: 1fr; min-height: 5; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "accept", "Create plan", id="report_preview.accept", priority=True),
        Binding("escape", "cancel", "Cancel", id="report_preview.cancel"),
    ]

    def __init__(self, reading: ReportReading, plan_id: str, taken: set[str]) -> None:
        super().__init__()
        self.reading = reading
        self.plan_id = plan_id
        self.taken = taken
        self.judgement_rows = [
            (judgement.criterion, judgement.printed)
            for judgement in [*reading.judgements, *([reading.overall] if reading.overall else [])]
        ]
        """(criterion, grade as printed) for each row of the judgements table, overall last."""

    def compose(self) -> ComposeResult:
        reading = self.reading
        with Vertical(id="dialog", classes="dialog wide import-report"):
            yield Static(heading_text(reading), classes="form-title")
            table = Table(expand=True, box=SIMPLE_HEAD, pad_edge=False)
            table.add_column("Criterion", ratio=1)
            table.add_column("Grade", no_wrap=True)
            for criterion, grade in self.judgement_rows:
                table.add_row(literal(criterion), literal(grade))
            if not self.judgement_rows:
                table.add_row(Text("No graded judgements (a focused visit)", style="dim"), Text(""))
            yield Static(table, id="report-judgements")
            count = len(reading.recommendations)
            yield Static(Text(f"{count} recommendation{'s' if count != 1 else ''}", style="bold"))
            with VerticalScroll(id="report-recommendations"):
                for rec in reading.recommendations:
                    line = Text(f"{rec.number}. ", style="bold")
                    if rec.addressee != LOCAL_AUTHORITY:
                        line.append_text(literal(f"[{rec.addressee}] ", "italic"))
                    line.append_text(literal(rec.text))
                    yield Static(line, classes="report-recommendation")
            with Horizontal(classes="form-row"):
                yield Label("Plan id", classes="form-label")
                yield Input(self.plan_id, id="field-plan-id")
            yield Static(id="problem-plan-id", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button("Create plan (ctrl+s)", id="accept", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#problem-plan-id").display = False
        self.query_one("#field-plan-id", Input).focus()

    def action_accept(self) -> None:
        plan_id = self.query_one("#field-plan-id", Input).value.strip()
        try:
            check_plan_id(plan_id)
            if plan_id in self.taken:
                raise ValueError(f"a plan with id {plan_id!r} is already in the store")
        except ValueError as error:
            problem = self.query_one("#problem-plan-id", Static)
            problem.update(literal(str(error), "bold red"))
            problem.display = True
            return
        self.dismiss(plan_id)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted, "#field-plan-id")
    @on(Button.Pressed, "#accept")
    def _accept(self) -> None:
        self.action_accept()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.action_cancel()


def read_report_plan(path: Path) -> ReportPlan:
    """The job run in a worker: the reading and its plan; ValueError with the reader's reason."""
    try:
        reading = read_report(path)
        return ReportPlan(reading, plan_from_reading(reading, source_name=path.name))
    except ReportError as error:
        raise ValueError(str(error)) from None


def new_plan_from_report_flow(app: IptApp, *, done: Callable[[str | None], None] | None = None) -> None:
    """Ask for a report, preview what it gives, and add the plan only when accepted.

    ``done`` is called with the new plan's id, or None when nothing was created; without it
    the tracker switches to the new plan."""
    repo = app.repo
    if repo is None or app.refuse_if_read_only():
        return
    by = app.by

    def finish(plan_id: str | None) -> None:
        if done is not None:
            done(plan_id)
        elif plan_id is not None:
            app.data_changed()
            app.switch_plan(plan_id)

    def created(plan: Plan, outcome: Outcome | None) -> None:
        if outcome is None or not outcome.ok:
            if outcome is not None:
                app.notify(str(outcome.error), title="Plan not created", severity="error", markup=False)
            finish(None)
            return
        count = len(plan.recommendations)
        app.notify(
            f"Plan {plan.id} created with {count} recommendation{'s' if count != 1 else ''}.",
            title="New plan",
            markup=False,
        )
        finish(plan.id)

    def read(path: Path, outcome: Outcome | None) -> None:
        if outcome is None or not outcome.ok:
            if outcome is not None:
                why = str(outcome.error)
                app.notify(why, title="Report not read", severity="error", markup=False, timeout=10)
            finish(None)
            return
        found: ReportPlan = outcome.value

        def accepted(plan_id: str | None) -> None:
            if plan_id is None:
                finish(None)
                return
            plan = found.plan.model_copy(update={"id": plan_id})

            def job() -> None:
                repo.add_plan(plan, by=by)

            app.push_screen(WorkingScreen("Creating the plan …", job), lambda result: created(plan, result))

        app.push_screen(ReportPreviewScreen(found.reading, found.plan.id, set(repo.plan_ids())), accepted)

    def chosen(path: Path | None) -> None:
        if path is None:
            finish(None)
            return
        app.push_screen(
            WorkingScreen("Reading the report …", lambda: read_report_plan(path)),
            lambda outcome: read(path, outcome),
        )

    app.push_screen(ReportPathDialog(), chosen)
