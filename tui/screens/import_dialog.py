"""Import an action tracker (XLSX or CSV) from the UI, checked whole before anything is written.

:func:`import_flow` asks for the file, reads it and runs a dry import in a worker, then
shows what would change (one ticked row per action added or changed, with its field
changes) or every problem (row, column, value, why). Only after the user confirms does the
real import run, for the ticked actions only; nothing is written when there is any problem.
"""

from __future__ import annotations

from collections.abc import Iterator
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
from textual.widget import Widget
from textual.widgets import Button, Checkbox, DataTable, Static

from store.importers import (
    FieldChange,
    ImportResult,
    TrackerError,
    TrackerIssue,
    TrackerRows,
    import_tracker,
    read_tracker,
)
from store.importers.mapping import saved_mapping
from store.repository import Repository
from tui.presentation import literal
from tui.screens.keys import FIRST_FIELD, TypingGuard
from tui.screens.path_dialog import PathDialog
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
    titles: dict[str, str]
    """Ref -> the action's title after the import, for each ref in the file, in its order."""


class ImportDialog(PathDialog[ImportChoice]):
    """The tracker's path and whether to create missing themes; returns the choice."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "check", "Check", id="import.check", priority=True),
        Binding("escape", "cancel", "Cancel", id="import.cancel"),
    ]
    HEADING = "Import an action tracker (.xlsx or .csv)"
    INTRO = "The file is checked first; nothing is written until you confirm."
    PLACEHOLDER = "path to tracker.xlsx or tracker.csv"
    MISSING = "give the tracker's path"

    def compose_extra(self) -> Iterator[Widget]:
        yield Checkbox("Add themes and recommendations the plan lacks", id="field-create-missing")

    def chosen(self, path: Path) -> ImportChoice:
        return ImportChoice(path, self.query_one("#field-create-missing", Checkbox).value)


def summary_text(result: ImportResult) -> Text:
    """What the import would do, in counts, and how its updates are dated, above the rows."""
    text = Text()
    text.append("The import would make these changes:\n", style="bold")
    parts = [
        f"{len(result.updated)} action{'s' if len(result.updated) != 1 else ''} updated",
        f"{len(result.added)} added",
        f"{len(result.unchanged)} unchanged",
    ]
    text.append("  " + ", ".join(parts) + "\n")
    if result.themes_created:
        text.append("  Themes created: ", style="dim")
        text.append_text(
            literal(
                ", ".join(f"{key} {result.theme_names.get(key, '')}".strip() for key in result.themes_created)
            )
        )
        text.append("\n")
    if result.recommendations_created:
        text.append("  Recommendations created: ", style="dim")
        text.append_text(literal(", ".join(map(str, result.recommendations_created))))
        text.append("\n")
    if result.dated_on is not None and (result.added or result.updated):
        text.append_text(literal(f"  Updates dated {result.dated_on:%d %b %Y}, {result.dated_why}"))
        text.append("\n")
    if result.blanks_kept:
        count = result.blanks_kept
        text.append(f"  {count} blank cell{'s' if count != 1 else ''} kept the stored value\n", style="dim")
    text.append(
        "Space leaves the highlighted action out or puts it back; unticked ones stay as stored.", style="dim"
    )
    return text


def row_prompt(ref: str, title: str, changes: list[FieldChange], added: bool) -> Text:
    """One action in the preview: its ref and title, then each field it changes on a line."""
    text = Text()
    text.append_text(literal(ref, "bold"))
    text.append("  ")
    text.append_text(literal(title[:70] + ("…" if len(title) > 70 else "")))
    if added:
        text.append("  (new action)", style="green")
    for change in changes:
        text.append("\n    ")
        text.append_text(literal(str(change).removeprefix(f"{change.ref} ")))
    return text


TICKED = Text("[x]", style="bold green")
LEFT_OUT = Text("[ ]", style="dim")


class ImportReportScreen(TypingGuard, ModalScreen[set[str] | None]):
    """What a dry run found: one ticked row per action it adds or changes, with its field
    changes, and Import/Cancel; or every problem with Close only. Returns the refs ticked when
    Import is pressed, or None (nothing to write)."""

    AUTO_FOCUS = FIRST_FIELD

    DEFAULT_CSS = """
    #import-rows {
        height: 1fr;
        min-height: 5;
    }
    .import-report #import-counts {
        margin: 0 0 1 0;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="import_report.close"),
        Binding("space", "toggle_row", "Leave out / put back", id="import_report.toggle"),
    ]

    def __init__(
        self,
        path: Path,
        *,
        result: ImportResult | None = None,
        issues: list[TrackerIssue] | None = None,
        titles: dict[str, str] | None = None,
    ):
        super().__init__()
        self.path = path
        self.result = result
        self.issues = issues or []
        self.titles = titles or {}
        self.ticked: set[str] = set(self.refs)
        """The actions the import will write; all of them until the user leaves some out."""

    @property
    def refs(self) -> list[str]:
        """The actions the import would add or change, in the file's order."""
        if self.result is None:
            return []
        order = {ref: n for n, ref in enumerate(self.titles)}
        listed = [*self.result.updated, *self.result.added]
        return sorted(listed, key=lambda ref: order.get(ref, len(order)))

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
                yield Static(summary_text(self.result), id="import-counts")
                changes: dict[str, list[FieldChange]] = {}
                for change in self.result.changes:
                    changes.setdefault(change.ref, []).append(change)
                added = set(self.result.added)
                rows: DataTable[Text] = DataTable(cursor_type="row", zebra_stripes=True, id="import-rows")
                rows.add_column(Text("Import"), key="tick")
                rows.add_column(Text("Action and what the import changes"), key="action")
                for ref in self.refs:
                    listed = changes.get(ref, [])
                    prompt = row_prompt(ref, self.titles.get(ref, ""), listed, ref in added)
                    rows.add_row(TICKED, prompt, key=ref, height=1 + len(listed))
                yield rows
            with Horizontal(classes="buttons"):
                if self.result is not None and self.refs:
                    yield Button(self._import_label(), id="confirm", variant="primary")
                yield Button("Close" if self.result is None else "Cancel", id="close")

    def on_mount(self) -> None:
        for selector in ("#import-rows", "#import-problems"):
            if self.query(selector):
                self.query_one(selector).focus()

    def _import_label(self) -> str:
        total = len(self.refs)
        return f"Import {len(self.ticked)} of {total} action{'s' if total != 1 else ''}"

    def action_toggle_row(self) -> None:
        """Leave the highlighted action out of the import, or put it back."""
        if not self.query("#import-rows"):
            return
        table = self.query_one("#import-rows", DataTable)
        if not table.row_count:
            return
        ref = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        self.ticked.symmetric_difference_update({ref})
        table.update_cell(ref, "tick", TICKED if ref in self.ticked else LEFT_OUT)
        button = self.query_one("#confirm", Button)
        button.label = self._import_label()
        button.disabled = not self.ticked

    @on(DataTable.RowSelected, "#import-rows")
    def _selected(self) -> None:
        self.action_toggle_row()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(set(self.ticked) or None if event.button.id == "confirm" else None)

    def action_close(self) -> None:
        self.dismiss(None)


def dry_run(repo: Repository, plan_id: str, choice: ImportChoice, by: str, on_day: date) -> DryRun:
    rows = read_tracker(choice.path, mapping=saved_mapping(repo.plan(plan_id).mappings))
    result = import_tracker(
        repo, plan_id, rows, by=by, create_missing=choice.create_missing, dry_run=True, today=on_day
    )
    stored = {action.ref: action.title for action in repo.plan(plan_id).actions}
    titles: dict[str, str] = {}
    for row in rows.rows:
        ref = row.values.get("ref")
        if isinstance(ref, str):
            titles[ref] = str(row.values.get("title") or stored.get(ref, ""))
    return DryRun(rows, result, titles)


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

        def confirmed(ticked: set[str] | None) -> None:
            if not ticked:
                return

            def job() -> ImportResult:
                # Prepared again under the store's lock: a change saved meanwhile is merged.
                return import_tracker(
                    repo,
                    plan_id,
                    found.rows,
                    by=by,
                    create_missing=choice.create_missing,
                    today=on_day,
                    only=ticked,
                )

            app.push_screen(WorkingScreen("Importing the tracker …", job), imported)

        app.push_screen(ImportReportScreen(choice.path, result=found.result, titles=found.titles), confirmed)

    def chosen(choice: ImportChoice | None) -> None:
        if choice is None:
            return

        def job() -> DryRun:
            return dry_run(repo, plan_id, choice, by, on_day)

        app.push_screen(
            WorkingScreen("Checking the tracker …", job), lambda outcome: checked(choice, outcome)
        )

    app.push_screen(ImportDialog(), chosen)
