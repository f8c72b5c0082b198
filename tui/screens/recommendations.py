"""Section 3: each inspection recommendation, its coverage and actions, and a
recommendation × theme matrix. Enter drills to the actions that address one."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from store.dates import parse_date
from store.errors import StoreError
from store.ids import next_number
from store.models import ImpactSignOff, Recommendation
from store.rollups import CoverageState, RecommendationCoverage
from tui.presentation import literal
from tui.screens.base import SectionScreen
from tui.screens.record_form import Field, RecordFormScreen, problems_by_field

STATE_LOOK = {
    CoverageState.GAP: ("✖ Gap", "bold white on red"),
    CoverageState.IN_PROGRESS: ("▲ In progress", "yellow"),
    CoverageState.ACTIONS_COMPLETE: ("✔ Actions complete", "green"),
}


def fit_refs(refs: list[str], width: int) -> str:
    """As many whole refs as fit in ``width``, then how many more: ``"WF-03, QP-02 +2"``."""
    shown: list[str] = []
    for position, ref in enumerate(refs):
        rest = len(refs) - position - 1
        candidate = ", ".join([*shown, ref]) + (f" +{rest}" if rest else "")
        if len(candidate) > width and shown:
            return ", ".join(shown) + f" +{len(refs) - position}"
        shown.append(ref)
    return ", ".join(shown) or "–"


def state_text(item: RecommendationCoverage, *, short: bool = False) -> Text:
    label, style = STATE_LOOK[item.state]
    if short and item.state is CoverageState.ACTIONS_COMPLETE:
        label = "✔ Complete"
    text = Text(label, style=style)
    if item.impact_evidenced is not None:
        text.append(" ★ impact", style="bold green")
    return text


class RecommendationsScreen(SectionScreen):
    """Recommendations with coverage; the matrix below counts live actions per theme."""

    SECTION: ClassVar[str] = "recommendations"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "drill", "Actions for it", id="recommendations.drill", show=False),
        Binding("e", "impact", "Impact evidenced", id="recommendations.impact"),
        Binding("n", "new_recommendation", "New recommendation", id="recommendations.new"),
        Binding("w", "edit_text", "Edit wording", id="recommendations.edit_text", show=False),
    ]

    def compose_body(self) -> ComposeResult:
        with Vertical(id="recs-body"):
            yield Static(id="recs-headline")
            yield DataTable[Text](cursor_type="row", zebra_stripes=True, id="recs-table")
            yield Static(id="recs-detail")
            yield Static(Text("Recommendation × theme: live actions", style="bold"), id="matrix-title")
            yield DataTable[Text](cursor_type="none", id="recs-matrix")

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#recs-table", DataTable)

    def show(self) -> None:
        summary = self.ipt.summary
        coverage = summary.coverage
        headline = Text(
            f"{coverage.covered}/{coverage.total} covered, {coverage.actions_complete} with "
            f"actions complete, {coverage.impact_evidenced} impact evidenced"
        )
        if coverage.uncovered_numbers:
            headline.append(
                "   Not covered: " + ", ".join(map(str, coverage.uncovered_numbers)),
                style="bold white on red",
            )
        self.query_one("#recs-headline", Static).update(headline)
        table = self.table
        keep = self.current_number()
        table.clear(columns=True)
        narrow = self.size.width < 100
        state_width, refs_width = (13, 16) if narrow else (20, 26)
        width = max(20, self.size.width - 4 - 4 - state_width - refs_width - 8)
        table.add_column("No.", key="number", width=4)
        table.add_column("Recommendation", key="text", width=width)
        table.add_column("Coverage", key="state", width=state_width)
        table.add_column("Actions", key="actions", width=refs_width)
        for item in coverage.recommendations:
            table.add_row(
                Text(str(item.number), style="bold"),
                literal(item.text),
                state_text(item, short=narrow),
                literal(fit_refs([action.ref for action in item.actions], refs_width)),
                key=str(item.number),
            )
        if keep is not None:
            self.select_recommendation(keep)
        self._draw_matrix()
        self._draw_detail()

    def _draw_matrix(self) -> None:
        plan, coverage = self.ipt.plan, self.ipt.summary.coverage
        matrix = self.query_one("#recs-matrix", DataTable)
        matrix.clear(columns=True)
        matrix.add_column("No.", key="number")
        for theme in plan.themes:
            matrix.add_column(literal(theme.key), key=f"theme-{theme.key}")
        matrix.add_column("All", key="all")
        for item in coverage.recommendations:
            cells = [Text(str(item.number), style="bold")]
            for theme in plan.themes:
                count = sum(1 for action in item.actions if action.theme == theme.key)
                cells.append(
                    Text(str(count) if count else "·", style="" if count else "dim", justify="right")
                )
            total = len(item.actions)
            cells.append(
                Text(
                    str(total) if total else "0 ✖",
                    justify="right",
                    style="bold" if total else "bold white on red",
                )
            )
            matrix.add_row(*cells)

    def current_number(self) -> int | None:
        table = self.table
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return None if row_key.value is None else int(row_key.value)

    def select_recommendation(self, number: int) -> None:
        table = self.table
        try:
            table.move_cursor(row=table.get_row_index(str(number)))
        except Exception:
            return
        table.focus()

    def _item(self, number: int | None) -> RecommendationCoverage | None:
        summary = self.ipt.summary_if_ready()
        if summary is None:
            return None
        for item in summary.coverage.recommendations:
            if item.number == number:
                return item
        return None

    @on(DataTable.RowHighlighted, "#recs-table")
    def _draw_detail(self) -> None:
        item = self._item(self.current_number())
        detail = self.query_one("#recs-detail", Static)
        if item is None:
            detail.update("")
            return
        text = Text(f"{item.number}. ", style="bold")
        text.append_text(literal(item.text))
        for action in item.actions:
            text.append("\n  ")
            text.append_text(literal(action.ref, "bold"))
            text.append(" ")
            text.append_text(literal(action.title))
            text.append(f"  {action.status.label}, {action.progress}%", style="dim")
        if item.impact_evidenced is not None:
            sign_off = item.impact_evidenced
            text.append(f"\n  ★ Impact evidenced {sign_off.on:%d %b %Y} by ", style="green")
            text.append_text(literal(sign_off.by))
            if sign_off.note:
                text.append(": ")
                text.append_text(literal(sign_off.note))
        detail.update(text)

    @on(DataTable.RowSelected, "#recs-table")
    async def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        await self.action_drill()

    async def action_drill(self) -> None:
        number = self.current_number()
        if number is not None:
            await self.ipt.show_actions(f"rec:{number}")

    def _save(
        self, recommendation: Recommendation, *, base: Recommendation | None, fields: list[str]
    ) -> dict[str, str]:
        """Add ``recommendation`` (no ``base``) or save it as an edit of ``base``; problems by field."""
        repo, plan_id = self.ipt.repo, self.ipt.plan_id
        assert repo is not None and plan_id is not None
        try:
            repo.save(plan_id, recommendation, by=self.ipt.by, create=base is None, base=base)
        except StoreError as error:
            return problems_by_field(error, fields)
        self.ipt.saved()
        return {}

    def _editable_choice(self) -> Recommendation | None:
        """The recommendation under the cursor, unless there is none or nothing can be saved."""
        if self.ipt.refuse_if_read_only():
            return None
        number = self.current_number()
        return next((r for r in self.ipt.plan.recommendations if r.number == number), None)

    def action_impact(self) -> None:
        current = self._editable_choice()
        if current is None:
            return
        number = current.number
        sign_off = current.impact_evidenced
        fields = [
            Field("on", "Date", sign_off.on.isoformat() if sign_off else self.ipt.as_of.isoformat()),
            Field("note", "Evidence", sign_off.note if sign_off else "", placeholder="what shows the impact"),
        ]

        def submit(values: dict[str, str]) -> dict[str, str]:
            try:
                on_day = parse_date(values["on"])
            except ValueError as error:
                return {"on": str(error)}
            try:
                signed = ImpactSignOff(on=on_day, by=self.ipt.by, note=values["note"])
            except ValueError as error:
                return problems_by_field(error, ["note"])
            return self._save(
                current.model_copy(update={"impact_evidenced": signed}), base=current, fields=["note"]
            )

        self.app.push_screen(RecordFormScreen(f"Recommendation {number}: impact evidenced", fields, submit))

    def action_edit_text(self) -> None:
        """Correct the chosen recommendation's wording (its number is what actions refer to)."""
        current = self._editable_choice()
        if current is None:
            return

        def submit(values: dict[str, str]) -> dict[str, str]:
            try:
                edited = Recommendation.model_validate({**current.model_dump(), "text": values["text"]})
            except ValueError as error:
                return problems_by_field(error, ["text"])
            return self._save(edited, base=current, fields=["text"])

        fields = [Field("text", "Text", current.text)]
        self.app.push_screen(RecordFormScreen(f"Recommendation {current.number}", fields, submit))

    def action_new_recommendation(self) -> None:
        if self.ipt.refuse_if_read_only():
            return
        numbers = [r.number for r in self.ipt.plan.recommendations]
        fields = [Field("number", "Number", str(next_number(numbers))), Field("text", "Text")]

        def submit(values: dict[str, str]) -> dict[str, str]:
            try:
                recommendation = Recommendation.model_validate(values)
            except ValueError as error:
                return problems_by_field(error, list(values))
            return self._save(recommendation, base=None, fields=list(values))

        self.app.push_screen(RecordFormScreen("New recommendation", fields, submit))
