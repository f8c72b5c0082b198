"""Import an action tracker (XLSX or CSV) from the UI, checked whole before anything is written.

:func:`import_flow` asks for the file, reads it and runs a dry import in a worker, then
shows what would change (counts) or every problem (row, column, value, why). Only after
the user confirms does the real import run; nothing is written when there is any problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, DataTable, Input, Label, Static

from store.importers import (
    ImportResult,
    TrackerError,
    TrackerIssue,
    TrackerRows,
    import_tracker,
    read_tracker,
)
from store.repository import Repository
from tui.presentation import literal
from tui.screens.working import Outcome, WorkingScreen

if TYPE_CHECKING:
    from tui.app import IptApp


@dataclass(frozen=True)
class ImportChoice:
    path: Path
    create_missing: bool


@dataclass(frozen=True)
class DryRun:
    rows: TrackerRows
    result: ImportResult


class ImportDialog(ModalScreen[ImportChoice | None]):
    """The tracker's path and whether to create missing themes; returns the choice."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "check", "Check", id="import.check", priority=True),
        Binding("escape", "cancel", "Cancel", id="import.cancel"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog import-dialog"):
            yield Static(Text("Import an action tracker (.xlsx or .csv)", style="bold"), classes="form-title")
            yield Static(Text("The file is checked first; nothing is written until you confirm."))
            with Horizontal(classes="form-row"):
                yield Label("File", classes="form-label")
                yield Input(placeholder="path to tracker.xlsx or tracker.csv", id="field-path")
            yield Static(id="problem-path", classes="problem")
            yield Checkbox("Add themes and recommendations the plan lacks", id="field-create-missing")
            with Horizontal(classes="buttons"):
                yield Button("Check (ctrl+s)", id="check", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#problem-path").display = False
        self.query_one("#field-path", Input).focus()

    def action_check(self) -> None:
        text = self.query_one("#field-path", Input).value.strip()
        path = Path(text).expanduser()
        if not text or not path.is_file():
            problem = self.query_one("#problem-path", Static)
            problem.update(
                literal(f"there is no file {text}" if text else "give the tracker's path", "bold red")
            )
            problem.display = True
            return
        self.dismiss(ImportChoice(path, self.query_one("#field-create-missing", Checkbox).value))

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted, "#field-path")
    @on(Button.Pressed, "#check")
    def _check(self) -> None:
        self.action_check()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.action_cancel()


MAX_CHANGES_SHOWN = 20
"""At most this many field changes are listed in the confirmation (the command line lists all)."""


def counts_text(result: ImportResult) -> Text:
    """ "3 actions added, 2 updated, 10 unchanged …" for the confirmation."""
    text = Text()
    text.append("The import would make these changes:\n", style="bold")
    lines = [
        ("Actions added", len(result.added)),
        ("Actions updated", len(result.updated)),
        ("Actions unchanged", len(result.unchanged)),
        ("Themes created", len(result.themes_created)),
        ("Recommendations created", len(result.recommendations_created)),
    ]
    for label, count in lines:
        text.append(f"  {label:<26}{count:>6}\n")
    for label, refs in (("Added", result.added), ("Updated", result.updated)):
        if refs:
            shown = ", ".join(refs[:12]) + (f" and {len(refs) - 12} more" if len(refs) > 12 else "")
            text.append(f"{label}: ", style="dim")
            text.append_text(literal(shown))
            text.append("\n")
    for change in result.changes[:MAX_CHANGES_SHOWN]:
        text.append_text(literal(f"  {change}"))
        text.append("\n")
    if len(result.changes) > MAX_CHANGES_SHOWN:
        text.append(f"  … and {len(result.changes) - MAX_CHANGES_SHOWN} more changes\n", style="dim")
    if result.blanks_kept:
        text.append(f"{result.blanks_kept} blank cells kept the stored value\n", style="dim")
    if result.dated_on is not None and (result.added or result.updated):
        text.append_text(literal(f"Updates dated {result.dated_on:%d %b %Y}, {result.dated_why}"))
        text.append("\n")
    return text


class ImportReportScreen(ModalScreen[bool]):
    """What a dry run found: counts with Import/Cancel, or every problem with Close only."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close(False)", "Close", id="import_report.close"),
    ]

    def __init__(
        self, path: Path, *, result: ImportResult | None = None, issues: list[TrackerIssue] | None = None
    ):
        super().__init__()
        self.path = path
        self.result = result
        self.issues = issues or []

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog wide import-report"):
            title = Text("Tracker ", style="bold")
            title.append_text(literal(str(self.path), "bold"))
            yield Static(title, classes="form-title")
            if self.result is None:
                count = len(self.issues)
                yield Static(
                    Text(
                        f"Not imported; nothing was written. {count} problem{'s' if count != 1 else ''}:",
                        style="bold red",
                    )
                )
                table: DataTable[Text] = DataTable(
                    cursor_type="row", zebra_stripes=True, id="import-problems"
                )
                table.add_columns("Row", "Column", "Value", "Why")
                for issue in self.issues:
                    table.add_row(
                        Text("–" if issue.row is None else str(issue.row)),
                        literal(issue.column or "–"),
                        literal("" if issue.value is None else issue.value[:40]),
                        literal(issue.why),
                    )
                yield table
            else:
                yield Static(counts_text(self.result), id="import-counts")
            with Horizontal(classes="buttons"):
                if self.result is not None and (
                    self.result.added or self.result.updated or self.result.themes_created
                ):
                    yield Button("Import", id="confirm", variant="primary")
                yield Button("Close" if self.result is None else "Cancel", id="close")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm")

    def action_close(self, answer: bool) -> None:
        self.dismiss(answer)


def dry_run(repo: Repository, plan_id: str, choice: ImportChoice, by: str, on_day: date) -> DryRun:
    rows = read_tracker(choice.path)
    result = import_tracker(
        repo, plan_id, rows, by=by, create_missing=choice.create_missing, dry_run=True, today=on_day
    )
    return DryRun(rows, result)


def import_flow(app: IptApp) -> None:
    """Ask for a tracker, show what a dry run finds, and import only on confirmation."""
    if not app.has_plan or app.refuse_if_read_only():
        return
    repo, plan_id, by, on_day = app.repo, app.plan_id, app.by, app.as_of
    assert repo is not None and plan_id is not None

    def imported(outcome: Outcome | None) -> None:
        if outcome is None:
            return
        if not outcome.ok:
            failed(outcome.error)
            return
        result: ImportResult = outcome.value
        app.data_changed()
        app.notify(
            f"Imported: {len(result.added)} added, {len(result.updated)} updated, "
            f"{len(result.unchanged)} unchanged.",
            title="Tracker imported",
            markup=False,
        )

    def failed(error: Exception | None) -> None:
        if isinstance(error, TrackerError):
            app.push_screen(ImportReportScreen(error.path, issues=error.problems))
        else:
            app.notify(str(error), title="Not imported", severity="error", markup=False, timeout=10)

    def checked(choice: ImportChoice, outcome: Outcome | None) -> None:
        if outcome is None:
            return
        if not outcome.ok:
            failed(outcome.error)
            return
        found: DryRun = outcome.value

        def confirmed(go: bool | None) -> None:
            if go:

                def job() -> ImportResult:
                    return import_tracker(
                        repo,
                        plan_id,
                        found.rows,
                        by=by,
                        create_missing=choice.create_missing,
                        today=on_day,
                    )

                app.push_screen(WorkingScreen("Importing the tracker …", job), imported)

        app.push_screen(ImportReportScreen(choice.path, result=found.result), confirmed)

    def chosen(choice: ImportChoice | None) -> None:
        if choice is None:
            return

        def job() -> DryRun:
            return dry_run(repo, plan_id, choice, by, on_day)

        app.push_screen(
            WorkingScreen("Checking the tracker …", job), lambda outcome: checked(choice, outcome)
        )

    app.push_screen(ImportDialog(), chosen)
