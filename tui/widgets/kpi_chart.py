"""One KPI's readings against its targets, drawn in text: a bar per reading with the
target for that reading's financial year marked ``┃``, and the targets listed by year."""

from __future__ import annotations

from decimal import Decimal

from rich.text import Text
from textual.widgets import Static

from store.models import Kpi, Polarity, Reading
from store.money import financial_year_of
from store.rollups import KpiStatus
from tui.presentation import DIRECTION_SYMBOL, kpi_rating_text, literal, shown, sparkline

BAR_WIDTH = 36
MAX_ROWS = 12


def _target_for(kpi: Kpi, reading: Reading) -> Decimal | None:
    year = financial_year_of(reading.on)
    return next((target.value for target in kpi.targets if target.financial_year == year), None)


def _meets(kpi: Kpi, value: Decimal, target: Decimal) -> bool:
    return value <= target if kpi.polarity is Polarity.LOWER_IS_BETTER else value >= target


def kpi_chart_text(status: KpiStatus, *, width: int = BAR_WIDTH) -> Text:
    kpi = status.kpi
    text = Text()
    text.append_text(literal(kpi.name, "bold"))
    unit = kpi.unit
    text.append(f"   {kpi.polarity.label.lower()}", style="dim")
    if unit:
        text.append(", unit ", style="dim")
        text.append_text(literal(unit, "dim"))
    text.append("\n")
    text.append_text(kpi_rating_text(status.rating.value))
    if status.direction is not None:
        text.append(f"  {DIRECTION_SYMBOL[status.direction.value]}")
    series = ([kpi.baseline] if kpi.baseline else []) + list(kpi.readings)
    values = [reading.value for reading in series] + [target.value for target in kpi.targets]
    if not series:
        text.append("\nNo readings yet.", style="dim")
        return text
    text.append("   trend ")
    text.append(sparkline([reading.value for reading in series]), style="cyan")
    largest = max([abs(v) for v in values] + [Decimal(1)])
    for index, reading in enumerate(series[-MAX_ROWS:]):
        target = _target_for(kpi, reading)
        length = int(abs(reading.value) / largest * width)
        bar = ["█"] * length + [" "] * (width - length)
        if target is not None:
            mark = min(width - 1, int(abs(target) / largest * width))
            bar[mark] = "┃"
        style = "cyan" if target is None else ("green" if _meets(kpi, reading.value, target) else "red")
        label = shown(reading.label) or f"{reading.on:%b %Y}"
        is_baseline = kpi.baseline is not None and reading is kpi.baseline and index == 0
        text.append(f"\n{label[:12]:>12} ", style="dim" if is_baseline else "")
        text.append("".join(bar), style=style)
        text.append(f" {reading.value}")
        if target is not None:
            text.append(f" (target {target})", style="dim")
    if kpi.targets:
        text.append("\nTargets: ", style="bold")
        text.append("  ".join(f"{t.financial_year} {t.value}" for t in kpi.targets))
    if kpi.target_detail:
        text.append("\n")
        text.append_text(literal(kpi.target_detail, "italic"))
    for comparator in kpi.comparators:
        text.append("\n")
        text.append_text(literal(comparator.name, "dim"))
        text.append(f" {comparator.value}", style="dim")
    return text


class KpiChart(Static):
    """The chart for the KPI highlighted in the scorecard."""

    def show(self, status: KpiStatus | None) -> None:
        if status is None:
            self.update(Text("Choose a KPI to see its readings.", style="dim"))
        else:
            self.update(kpi_chart_text(status))
