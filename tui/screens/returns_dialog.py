"""The owners' monthly returns in the tracker: read a folder of them, see every change, accept.

:func:`returns_flow` asks for the folder, reads and checks the workbooks in a worker (a dry
run: nothing written), and shows one row per return with the changes it makes, each return
refused and why, and each conflict with a change made in ipt since the request. A conflict is
held back unless its row is ticked to take the owner's values. Accepting writes each return
in a transaction of its own, checked again under the store's lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Static

from store.labels import field_label
from store.returns import Return, apply_returns, read_returns, return_files, shown
from tui.presentation import literal
from tui.screens.keys import TypingGuard
from tui.screens.path_dialog import PathDialog
from tui.screens.working import Outcome, WorkingScreen

if TYPE_CHECKING:
    from tui.app import IptApp


class ReturnsDialog(PathDialog[Path]):
    """The folder the returned workbooks are in; returns it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "check", "Check", id="returns.check", priority=True),
        Binding("escape", "cancel", "Cancel", id="returns.cancel"),
    ]
    HEADING = "Read the owners' returns"
    INTRO = "Every workbook in the folder is checked first; nothing is written until you confirm."
    LABEL = "Folder"
    PLACEHOLDER = "the folder holding the returned workbooks"
    FIELD = "folder"
    WANTS = "folder"
    MISSING = "give the folder"

    def chosen(self, path: Path) -> Path:
        return path


@dataclass(frozen=True)
class Checked:
    folder: Path
    returns: list[Return]


TAKE = Text("[x]", style="bold green")
HOLD = Text("[ ]", style="dim")
NO_TICK = Text("")


def return_text(one: Return) -> Text:
    """One return: its file and owner, then each change, or why it is refused."""
    text = Text()
    text.append_text(literal(one.path.name, "bold"))
    if one.refused:
        text.append("  refused, nothing of it written:", style="bold red")
        for problem in one.problems:
            text.append("\n    ")
            text.append_text(literal(problem))
        return text
    assert one.request is not None
    text.append("  ")
    text.append_text(literal(f"{one.request.owner} ({one.request.id})"))
    changes = one.changes
    if not changes:
        text.append("\n    no change", style="dim")
    for change in changes:
        text.append("\n    ")
        text.append_text(literal(str(change)))
    return text


def conflict_text(one: Return, ref: str) -> Text:
    """A conflict, short enough for 80 columns: the action, then each field three ways."""
    text = Text()
    text.append("Conflict ", style="bold yellow")
    text.append_text(literal(ref, "bold"))
    text.append(": take the owner's values?", style="yellow")
    for conflict in one.conflicts:
        if conflict.ref == ref:
            text.append("\n    ")
            text.append_text(
                literal(
                    f"{field_label(conflict.field)}: {shown(conflict.asked)} when asked, "
                    f"{shown(conflict.now)} in ipt now, {shown(conflict.returned)} returned"
                )
            )
    return text


class ReturnsReportScreen(TypingGuard, ModalScreen[set[str] | None]):
    """What the returns would change; returns the conflicting refs to take, or None to cancel."""

    AUTO_FOCUS = "#returns-rows"

    DEFAULT_CSS = """
    #returns-rows {
        height: 1fr;
        min-height: 5;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="returns_report.close"),
        Binding("space", "toggle_row", "Take / hold back", id="returns_report.toggle"),
    ]

    def __init__(self, checked: Checked) -> None:
        super().__init__()
        self.checked = checked
        self.take: set[str] = set()

    @property
    def writable(self) -> list[Return]:
        return [one for one in self.checked.returns if not one.refused]

    def compose(self) -> ComposeResult:
        returns = self.checked.returns
        refused = sum(one.refused for one in returns)
        with Vertical(id="dialog", classes="dialog wide import-report"):
            title = Text("Returns in ", style="bold")
            title.append_text(literal(str(self.checked.folder), "bold"))
            yield Static(title, classes="form-title")
            counts = f"{len(returns) - refused} of {len(returns)} returns can be written"
            if refused:
                counts += f"; {refused} refused"
            held = sorted({ref for one in self.writable for ref in one.held_back})
            if held:
                counts += f"; conflicts with changes made in ipt: {', '.join(held)}"
            yield Static(literal(counts), id="returns-counts")
            if held:
                yield Static(
                    Text(
                        "Space on a conflict takes the owner's values; left unticked, it is held back.",
                        style="dim",
                    )
                )
            rows: DataTable[Text] = DataTable(cursor_type="row", zebra_stripes=True, id="returns-rows")
            rows.add_column(Text("Take"), key="tick")
            rows.add_column(Text("Return and what it changes"), key="what")
            for number, one in enumerate(returns):
                shown = return_text(one)
                rows.add_row(NO_TICK, shown, key=f"file:{number}", height=shown.plain.count("\n") + 1)
                if not one.refused:
                    for ref in one.held_back:
                        conflict = conflict_text(one, ref)
                        rows.add_row(HOLD, conflict, key=f"take:{ref}", height=conflict.plain.count("\n") + 1)
            yield rows
            with Horizontal(classes="buttons"):
                if self.writable:
                    yield Button(self._label(), id="confirm", variant="primary")
                yield Button("Cancel", id="close")

    def _label(self) -> str:
        count = len(self.writable)
        return f"Write {count} return{'s' if count != 1 else ''}"

    def on_mount(self) -> None:
        self.query_one("#returns-rows").focus()

    def action_toggle_row(self) -> None:
        """Take the owner's values for the highlighted conflict, or hold it back again."""
        table = self.query_one("#returns-rows", DataTable)
        if not table.row_count:
            return
        key = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        if not key.startswith("take:"):
            return
        ref = key.removeprefix("take:")
        self.take.symmetric_difference_update({ref})
        table.update_cell(key, "tick", TAKE if ref in self.take else HOLD)

    @on(DataTable.RowSelected, "#returns-rows")
    def _selected(self) -> None:
        self.action_toggle_row()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(set(self.take) if event.button.id == "confirm" else None)

    def action_close(self) -> None:
        self.dismiss(None)


def returns_flow(app: IptApp) -> None:
    """Ask for the folder, show what the returns would change, and write them on confirmation."""
    if not app.has_plan or app.refuse_if_read_only():
        return
    repo, plan_id, by, on_day = app.repo, app.plan_id, app.by, app.as_of
    assert repo is not None and plan_id is not None

    def written(outcome: Outcome | None) -> None:
        if outcome is None:
            return
        if not outcome.ok:
            app.notify(str(outcome.error), title="Returns not written", severity="error", markup=False)
            return
        done: list[Return] = outcome.value
        app.data_changed()
        ok = [one for one in done if not one.refused]
        held = sorted({ref for one in ok for ref in one.held_back})
        message = f"{len(ok)} return{'s' if len(ok) != 1 else ''} written"
        if held:
            message += f"; held back: {', '.join(held)}"
        app.notify(message, title="Owners' returns", markup=False)

    def checked(outcome: Outcome | None) -> None:
        if outcome is None:
            return
        if not outcome.ok:
            app.notify(
                str(outcome.error), title="Returns not read", severity="error", markup=False, timeout=10
            )
            return
        found: Checked = outcome.value

        def confirmed(take: set[str] | None) -> None:
            if take is None:
                return

            def job() -> list[Return]:
                files = [one.path for one in found.returns if not one.refused]
                again = read_returns(files, repo.plan(plan_id), take=take)
                apply_returns(repo, plan_id, again, by=by, on=on_day)
                return again

            app.push_screen(WorkingScreen("Writing the returns …", job), written)

        app.push_screen(ReturnsReportScreen(found), confirmed)

    def chosen(folder: Path | None) -> None:
        if folder is None:
            return

        def job() -> Checked:
            files = return_files(folder)
            if not files:
                raise ValueError(f"{folder} holds no .xlsx workbook")
            found = read_returns(files, repo.plan(plan_id))
            apply_returns(repo, plan_id, found, by=by, on=on_day, dry_run=True)
            return Checked(folder, found)

        app.push_screen(WorkingScreen("Checking the returns …", job), checked)

    app.push_screen(ReturnsDialog(), chosen)
