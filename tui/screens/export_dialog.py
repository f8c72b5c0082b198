"""Export the board pack from the UI: choose a format and a path, write it in a worker.

What is exported follows ``ipt export``: the live plan on the app's day, compared with its
latest snapshot; or, after a board closes, the board's snapshot compared with the one
before it. The dialog only returns the choice; :func:`export_flow` writes the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from store.compare import Comparison, compare, compare_snapshots
from store.exports import FORMATS, export_pack
from store.repository import Repository
from tui.presentation import literal
from tui.screens.confirm import ConfirmScreen
from tui.screens.keys import FIRST_FIELD, TypingGuard
from tui.screens.working import Outcome, WorkingScreen

if TYPE_CHECKING:
    from tui.app import IptApp

FORMAT_NAMES = {
    "md": "Markdown (.md)",
    "html": "HTML with charts (.html)",
    "xlsx": "Excel workbook (.xlsx)",
    "csv": "CSV (.csv)",
    "json": "JSON (.json)",
}


@dataclass(frozen=True)
class ExportChoice:
    fmt: str
    path: Path


def default_pack_path(store_path: Path | None, day: date, fmt: str) -> Path:
    """``<store folder>/board-pack-<day>.<fmt>``; the working folder for a store in memory."""
    folder = store_path.parent if store_path is not None else Path.cwd()
    return folder / f"board-pack-{day.isoformat()}.{fmt}"


def write_pack(
    repo: Repository, plan_id: str, as_of: date, choice: ExportChoice, snapshot_id: str | None
) -> Path:
    """Build and write the pack (runs in a worker thread)."""
    snapshots = repo.snapshots
    comparison: Comparison | None = None
    label: str | None = None
    if snapshot_id is not None:
        snapshot = snapshots.get(snapshot_id)
        plan, as_of, label = snapshot.plan, snapshot.as_of, snapshot.label
        earlier = [header for header in snapshots.list(snapshot.plan_id) if header.id < snapshot.id]
        if earlier:
            comparison = compare_snapshots(snapshots.get(earlier[-1].id), snapshot)
    else:
        plan = repo.plan(plan_id)
        latest = snapshots.latest(plan_id, 1)
        if latest:
            comparison = compare(snapshots.get(latest[0].id), plan, as_of=as_of)
    return export_pack(
        plan, as_of=as_of, fmt=choice.fmt, out=choice.path, comparison=comparison, snapshot_label=label
    )


class ExportDialog(TypingGuard, ModalScreen[ExportChoice | None]):
    """Format and path; returns the choice, or None on cancel."""

    AUTO_FOCUS = FIRST_FIELD

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "export", "Export", id="export.run", priority=True),
        Binding("escape", "cancel", "Cancel", id="export.cancel"),
    ]

    def __init__(self, store_path: Path | None, day: date, *, intro: str = "", fmt: str = "html") -> None:
        super().__init__()
        self.store_path = store_path
        self.day = day
        self.intro = intro
        self.fmt = fmt

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog export-dialog"):
            yield Static(Text("Export the board pack", style="bold"), classes="form-title")
            if self.intro:
                yield Static(literal(self.intro), classes="form-intro")
            with Horizontal(classes="form-row"):
                yield Label("Format", classes="form-label")
                yield Select(
                    [(Text(FORMAT_NAMES.get(fmt, fmt)), fmt) for fmt in FORMATS],
                    value=self.fmt,
                    allow_blank=False,
                    id="field-format",
                )
            with Horizontal(classes="form-row"):
                yield Label("Write to", classes="form-label")
                yield Input(str(default_pack_path(self.store_path, self.day, self.fmt)), id="field-path")
            yield Static(id="problem-path", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button("Export (ctrl+s)", id="export", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#problem-path").display = False

    @on(Select.Changed, "#field-format")
    def _format_changed(self, event: Select.Changed) -> None:
        """Keep the file's suffix in step with the format."""
        if not isinstance(event.value, str):
            return
        box = self.query_one("#field-path", Input)
        path = Path(box.value.strip())
        if box.value.strip() and path.suffix.lstrip(".") in FORMATS:
            box.value = str(path.with_suffix(f".{event.value}"))
        self.fmt = event.value

    def action_export(self) -> None:
        text = self.query_one("#field-path", Input).value.strip()
        problem = self.query_one("#problem-path", Static)
        path = Path(text).expanduser() if text else None
        if path is None or path.is_dir():
            problem.update(Text("give a file to write, e.g. board-pack.html", style="bold red"))
            problem.display = True
            return
        if not path.parent.is_dir():
            problem.update(literal(f"there is no folder {path.parent}", "bold red"))
            problem.display = True
            return
        chosen = self.query_one("#field-format", Select).value
        choice = ExportChoice(chosen if isinstance(chosen, str) else self.fmt, path)
        if not path.exists():
            self.dismiss(choice)
            return

        def answered(replace: bool | None) -> None:
            if replace:
                self.dismiss(choice)

        # Last month's pack is often next to this month's: never write over one unasked.
        question = f"{path} already exists. Replace it with this board pack?"
        self.app.push_screen(ConfirmScreen(question, yes="Replace", no="Keep it"), answered)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#export")
    def _export(self) -> None:
        self.action_export()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.action_cancel()


def export_flow(
    app: IptApp, *, snapshot_id: str | None = None, day: date | None = None, intro: str = ""
) -> None:
    """Ask for a format and path, then write the pack with a loading indicator and say where."""
    if not app.has_plan:
        return
    repo, plan_id = app.repo, app.plan_id
    assert repo is not None and plan_id is not None
    as_of = app.as_of

    def written(outcome: Outcome | None) -> None:
        if outcome is None:
            return
        if outcome.ok:
            app.notify(f"Wrote the board pack to {outcome.value}", title="Exported", markup=False, timeout=10)
        else:
            app.notify(str(outcome.error), title="Not exported", severity="error", markup=False, timeout=10)

    def chosen(choice: ExportChoice | None) -> None:
        if choice is not None:
            job = partial(write_pack, repo, plan_id, as_of, choice, snapshot_id)
            app.push_screen(WorkingScreen(f"Writing the {choice.fmt} board pack …", job), written)

    beside = app.store_path if isinstance(app.store_path, Path) else None  # a database: the current folder
    app.push_screen(ExportDialog(beside, day or as_of, intro=intro), chosen)
