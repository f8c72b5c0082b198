"""The board pack as an Excel workbook: one sheet per table, typed money and dates.

Money cells are numbers in full pounds with a £ format; dates are real dates. Every sheet
has a frozen header row and an auto filter. Text cells pass through
:func:`store.exports._common.neutralise` and are forced to the string type, so no cell
can ever become a formula.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from store.compare import Comparison
from store.exports._common import ACTION_COLUMNS, PackContext, action_row, neutralise, theme_name
from store.exports.content import changes_tables

MONEY_FORMAT = "£#,##0.00;[Red]-£#,##0.00"
DATE_FORMAT = "dd/mm/yyyy"
PERCENT_FORMAT = "0.0"


class Money(Decimal):
    """Marks a Decimal to be written with the £ format."""


Cell = str | int | Decimal | date | None


_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
"""Characters a spreadsheet cell cannot hold (XML 1.0 forbids them)."""


def spreadsheet_text(value: str) -> str:
    """Text a workbook can hold: a vertical tab (Word's manual line break) becomes a line
    break and the other control characters XML forbids are dropped; then formula-neutralised."""
    return str(neutralise(_NOT_IN_XML.sub("", value.replace("\x0b", "\n"))))


def _sheet(book: Workbook, title: str, columns: Sequence[str], rows: Sequence[Sequence[Cell]]) -> Worksheet:
    sheet = book.create_sheet(title)
    for position, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=position, value=spreadsheet_text(column))
        cell.data_type = "s"
        cell.font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(position)].width = max(10, min(50, len(column) + 4))
    for row_number, row in enumerate(rows, start=2):
        for position, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_number, column=position)
            if isinstance(value, str):
                cell.value = spreadsheet_text(value)
                cell.data_type = "s"
            elif isinstance(value, Money):
                cell.value = Decimal(value)
                cell.number_format = MONEY_FORMAT
            elif isinstance(value, date):
                cell.value = value
                cell.number_format = DATE_FORMAT
            else:
                cell.value = value
    sheet.freeze_panes = "A2"
    last = get_column_letter(max(1, len(columns)))
    sheet.auto_filter.ref = f"A1:{last}{max(1, len(rows) + 1)}"
    return sheet


def _summary_rows(ctx: PackContext) -> list[tuple[Cell, Cell]]:
    summary, plan = ctx.summary, ctx.plan
    rows: list[tuple[Cell, Cell]] = [
        ("Plan", plan.name),
        ("Authority", plan.authority),
        ("As of", ctx.as_of),
        ("Snapshot", ctx.snapshot_label or ""),
        ("Actions (live)", summary.progress.live),
        ("Actions complete", summary.progress.complete),
        ("Mean progress %", summary.progress.mean_progress),
        ("Overdue actions", len(summary.overdue)),
        ("RAG contradictions", len(summary.rag_conflicts)),
        ("Red", summary.rag.red),
        ("Amber", summary.rag.amber),
        ("Green", summary.rag.green),
        ("Complete (blue)", summary.rag.blue),
        ("Recommendations", summary.coverage.total),
        ("Recommendations covered", summary.coverage.covered),
        ("Allocated", Money(summary.allocations.total)),
        ("Spent", Money(summary.spend.total.actual)),
        ("Committed", Money(summary.spend.total.committed)),
    ]
    if plan.inspection:
        rows += [(f"Judgement: {j.criterion}", j.judgement.value) for j in plan.inspection.judgements]
    rows += [
        (f"Allocated {year}", Money(amount)) for year, amount in summary.allocations.by_financial_year.items()
    ]
    rows += [
        (f"Allocated from {source.label.lower()}", Money(amount))
        for source, amount in summary.allocations.by_source.items()
    ]
    rows += [
        (f"Allocated as {category.label.lower()}", Money(amount))
        for category, amount in summary.allocations.by_category.items()
    ]
    return rows


def _changes_rows(comparison: Comparison | None) -> list[tuple[Cell, ...]]:
    if comparison is None:
        return []
    rows: list[tuple[Cell, ...]] = []
    for table in changes_tables(comparison):
        for row in table.rows:
            padded = (*row, "", "", "", "", "")[:5]
            rows.append((table.title, *padded))
    return rows


def render_xlsx(ctx: PackContext) -> bytes:
    plan, summary = ctx.plan, ctx.summary
    book = Workbook()
    book.remove(book.active)
    fixed = datetime(ctx.as_of.year, ctx.as_of.month, ctx.as_of.day)
    book.properties.created = fixed
    book.properties.modified = fixed
    book.properties.creator = "ipt"
    book.properties.title = ctx.title
    _sheet(book, "Summary", ("Item", "Value"), _summary_rows(ctx))
    _sheet(book, "Actions", ACTION_COLUMNS, [action_row(plan, a, ctx.theme_names) for a in plan.actions])
    _sheet(
        book,
        "Recommendations",
        ("No.", "Recommendation", "Actions", "Coverage", "Impact evidenced on", "Evidenced by"),
        [
            (
                item.number,
                item.text,
                ", ".join(a.ref for a in item.actions),
                item.state.label,
                item.impact_evidenced.on if item.impact_evidenced else None,
                item.impact_evidenced.by if item.impact_evidenced else "",
            )
            for item in summary.coverage.recommendations
        ],
    )
    _sheet(
        book,
        "Funding",
        (
            "Id",
            "Year",
            "Source",
            "Kind",
            "Category",
            "Theme",
            "Purpose",
            "Approved by",
            "Approved on",
            "Allocated",
            "Spent",
            "Committed",
            "Remaining",
        ),
        [
            (
                r.allocation.id,
                r.allocation.financial_year,
                r.allocation.source.label,
                r.allocation.kind.value.capitalize(),
                r.allocation.category.label,
                theme_name(plan, r.allocation.theme) if r.allocation.theme else "",
                r.allocation.purpose,
                r.allocation.approved_by,
                r.allocation.approved_on,
                Money(r.allocation.amount),
                Money(r.actual),
                Money(r.committed),
                Money(r.remaining),
            )
            for r in summary.allocation_spend
        ],
    )
    _sheet(
        book,
        "Monitoring",
        ("Period", "Group", "Service area", "Budget", "Forecast", "Use of reserves", "Variance", "Reason"),
        [
            (
                line.period,
                line.group,
                line.service_area,
                Money(line.budget),
                Money(line.forecast),
                Money(line.use_of_reserves),
                Money(line.variance),
                line.reason,
            )
            for line in plan.monitoring
        ],
    )
    _sheet(
        book,
        "KPIs",
        (
            "Id",
            "KPI",
            "Unit",
            "Polarity",
            "Latest",
            "Latest on",
            "Target",
            "Target year",
            "Direction",
            "Rating",
        ),
        [
            (
                s.kpi.id,
                s.kpi.name,
                s.kpi.unit,
                s.kpi.polarity.label,
                s.latest.value if s.latest else None,
                s.latest.on if s.latest else None,
                s.target.value if s.target else None,
                s.target.financial_year if s.target else "",
                s.direction.value.capitalize() if s.direction else "",
                s.rating.label,
            )
            for s in summary.kpis
        ],
    )
    _sheet(book, "Changes", ("Change", "Item", "Detail", "Was", "Now", "More"), _changes_rows(ctx.comparison))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
