"""Section 5: the KPI scorecard, the highlighted KPI's readings as a chart, add a reading."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import DataTable

from store.dates import parse_date
from store.errors import StoreError
from store.models import Reading
from store.rollups import KpiStatus
from tui.presentation import DIRECTION_SYMBOL, kpi_rating_text, literal
from tui.screens.base import SectionScreen
from tui.screens.record_form import Field, RecordFormScreen, problems_by_field
from tui.widgets.kpi_chart import KpiChart


def _value(reading: Reading | None) -> Text:
    return Text("–", style="dim") if reading is None else Text(str(reading.value))


class ScorecardScreen(SectionScreen):
    """KPIs with polarity, baseline, latest, this year's target, status and direction."""

    SECTION: ClassVar[str] = "scorecard"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "add_reading", "Add reading", id="scorecard.add_reading"),
    ]

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="scorecard"):
            yield DataTable[Text](cursor_type="row", zebra_stripes=True, id="kpi-table")
            yield KpiChart(id="kpi-chart")

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#kpi-table", DataTable)

    def show(self) -> None:
        table = self.table
        keep = self.current_id()
        table.clear(columns=True)
        # Narrow: the name keeps room to be read; which way is better and the baseline are in the
        # chart's heading below.
        narrow = self.size.width < 100
        columns = [
            ("polarity", "Better", 8),
            ("baseline", "Baseline", 9),
            ("latest", "Latest", 8),
            ("target", "Target", 16),
            ("status", "Status", 13),
            ("direction", "Direction", 10),
        ]
        if narrow:
            columns = [column for column in columns if column[0] not in {"polarity", "baseline"}]
        fixed = sum(width + 2 for _, _, width in columns) + 6
        table.add_column("KPI", key="name", width=max(16, self.size.width - fixed))
        for key, heading, width in columns:
            table.add_column(heading, key=key, width=width)
        keys = [key for key, _, _ in columns]
        for status in self.ipt.summary.kpis:
            kpi = status.kpi
            cells = {
                "polarity": Text("↓ lower" if kpi.polarity.value == "lower_is_better" else "↑ higher"),
                "baseline": _value(kpi.baseline),
                "latest": _value(status.latest),
                "target": Text("–", style="dim")
                if status.target is None
                else Text(f"{status.target.value} ({status.target.financial_year})"),
                "status": kpi_rating_text(status.rating.value),
                "direction": Text(DIRECTION_SYMBOL[status.direction.value] if status.direction else "–"),
            }
            table.add_row(literal(kpi.name), *(cells[key] for key in keys), key=kpi.id)
        if keep is not None:
            self.select_kpi(keep)
        self._draw_chart()

    def current_id(self) -> str | None:
        table = self.table
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return None if row_key.value is None else str(row_key.value)

    def current_status(self) -> KpiStatus | None:
        kpi_id, summary = self.current_id(), self.ipt.summary_if_ready()
        if summary is None:
            return None
        return next((s for s in summary.kpis if s.kpi.id == kpi_id), None)

    def select_kpi(self, kpi_id: str) -> None:
        table = self.table
        try:
            table.move_cursor(row=table.get_row_index(kpi_id))
        except Exception:
            return
        table.focus()
        self._draw_chart()

    @on(DataTable.RowHighlighted, "#kpi-table")
    def _draw_chart(self) -> None:
        self.query_one(KpiChart).show(self.current_status())

    def action_add_reading(self) -> None:
        if self.ipt.refuse_if_read_only():
            return
        status = self.current_status()
        if status is None:
            return
        kpi = status.kpi
        fields = [
            Field("on", "Date", self.ipt.as_of.isoformat()),
            Field("value", "Value", placeholder=f"in {kpi.unit}" if kpi.unit else ""),
            Field("label", "Label", placeholder="e.g. Q2 2019-20"),
        ]

        def submit(values: dict[str, str]) -> dict[str, str]:
            repo, plan_id = self.ipt.repo, self.ipt.plan_id
            assert repo is not None and plan_id is not None
            try:
                on_day = parse_date(values["on"])
            except ValueError as error:
                return {"on": str(error)}
            try:
                reading = Reading.model_validate({**values, "on": on_day})
                repo.add_reading(plan_id, kpi.id, reading, by=self.ipt.by)
            except (ValueError, StoreError) as error:
                return problems_by_field(error, list(values))
            self.ipt.saved()
            return {}

        self.app.push_screen(RecordFormScreen(f"Add a reading: {kpi.name}", fields, submit))
