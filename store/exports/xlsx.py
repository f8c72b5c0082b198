"""The board pack as an Excel workbook: one sheet per table, typed money and dates.

Money cells are numbers in full pounds with a £ format; dates are real dates. Every sheet
has a frozen, bold header row and an auto filter. Text cells pass through
:func:`spreadsheet_text` (:func:`store.exports._common.neutralise`, and the characters XML
forbids dropped) and are written as text, so no cell can ever become a formula.

The SpreadsheetML parts are written here directly as XML text and zipped with
:mod:`zipfile`. openpyxl's pure-Python writer built and serialised an element per cell and
took about 5 s for 10,000 actions, five times the 1 s target; formatting the text costs a
small fraction of that. The workbook holds only what the pack needs: the sheets, one
stylesheet (bold headers, the £ and date formats), and the document properties.

- Text is written as inline strings (``t="inlineStr"``), as openpyxl wrote it. Excel also
  reads shared strings, but openpyxl, which reads an imported tracker, deletes ``x005F_``
  from every shared string, so inline strings are what gives the text back unchanged.
- An empty text, like ``None``, is no cell at all.
- A carriage return is written as ``&#13;``, so it reads back as itself, not as the line
  feed XML's end-of-line handling would make of it (finding F3 in
  ``tests/test_bad_input_campaign.py``).
- Numbers are written exactly: a ``Decimal`` in positional notation, never through a float,
  so a penny amount reads back to the penny.
- Dates are serial numbers in Excel's 1900 date system, formatted with :data:`DATE_FORMAT`.
- The same pack always gives the same bytes: the document is dated ``as_of`` (created and
  modified at midnight), and the zip's parts have a fixed order and a fixed timestamp.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from store.compare import Comparison
from store.exports._common import PackContext, action_row, neutralise, rag_word, theme_name

MONEY_FORMAT = '#,##0,;[Red](#,##0,);"–"'
"""Pounds shown in £000 (the trailing comma divides by 1,000), negatives in brackets, zero as a
dash; the cell keeps the exact value to the penny. Money headings say "£000"."""
DATE_FORMAT = "dd/mm/yyyy"
PERCENT_FORMAT = "0.0"


class Money(Decimal):
    """Marks a Decimal to be written with the £ format."""


Cell = str | int | Decimal | date | None


_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
"""Characters a spreadsheet cell cannot hold (XML 1.0 forbids them)."""

_MAX_CELL_TEXT = 32_767
"""The most characters Excel holds in a cell; longer text is cut there (as openpyxl did)."""


def _xml_text(value: str) -> str:
    """``value`` with a vertical tab (Word's manual line break) as a line break and the other
    characters XML forbids dropped."""
    if value.isprintable():  # the usual case, and no control character to look for
        return value
    return _NOT_IN_XML.sub("", value.replace("\x0b", "\n"))


def spreadsheet_text(value: str) -> str:
    """Text a workbook can hold: a vertical tab (Word's manual line break) becomes a line
    break and the other control characters XML forbids are dropped; then formula-neutralised."""
    return str(neutralise(_xml_text(value)))


def _escape(text: str) -> str:
    """``text`` as XML character data or an attribute value."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


# Styles: the index of each cell format in styles.xml's <cellXfs>.
_BOLD = 1
_MONEY = 2
_DATE = 3
_WRAP = 4
_BOLD_MONEY = 5
_HEADING = 6
WRAP_AT = 60
"""Widest a column is made for its text (in characters); longer text wraps within it."""

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
"""Every part's modification time: the earliest a zip can record, so the bytes never vary."""

_FONT = '<sz val="11"/><name val="Calibri"/><family val="2"/>'
_STYLES = (
    f'{_DECLARATION}<styleSheet xmlns="{_MAIN}">'
    f'<numFmts count="2"><numFmt numFmtId="164" formatCode="{_escape(MONEY_FORMAT)}"/>'
    f'<numFmt numFmtId="165" formatCode="{_escape(DATE_FORMAT)}"/></numFmts>'
    f'<fonts count="2"><font>{_FONT}</font><font><b/>{_FONT}</font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="7"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
    '<alignment vertical="top" wrapText="1"/></xf>'
    '<xf numFmtId="164" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">'
    '<alignment vertical="top" wrapText="1"/></xf></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_PACKAGE_RELS = (
    f'{_DECLARATION}<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">'
    f'<Relationship Id="rId1" Type="{_RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>'
    f'<Relationship Id="rId2" Type="{_PACKAGE_RELATIONSHIPS}/metadata/core-properties" '
    'Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{_RELATIONSHIPS}/extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>"
)
_APP_PROPERTIES = (
    f"{_DECLARATION}<Properties "
    'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Application>ipt</Application></Properties>"
)

_EXCEL_DAY_ZERO = date(1899, 12, 30).toordinal()
"""The day Excel's 1900 date system counts from for dates after its phantom 29 February 1900."""


@dataclass(frozen=True, slots=True)
class _Table:
    """One worksheet: its name, header and rows of typed cells, and a total row if it has money."""

    name: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    totals: Sequence[Cell] | None = None
    """A row under the table, in bold: "Total" and each money column's sum (outside the filter)."""


def _with_totals(name: str, columns: Sequence[str], rows: Sequence[Sequence[Cell]]) -> _Table:
    """The table with a total row summing each money column (the first cell says "Total")."""
    money = [
        position for position in range(len(columns)) if any(isinstance(row[position], Money) for row in rows)
    ]
    totals: list[Cell] = [None] * len(columns)
    totals[0] = "Total"
    for position in money:
        total = Decimal(0)
        for row in rows:
            value = row[position]
            if isinstance(value, Decimal):
                total += value
        totals[position] = Money(total)
    return _Table(name, columns, rows, totals)


def _shown_width(value: Cell) -> int:
    """About how many characters ``value`` takes as the sheet shows it (longest line of text)."""
    if isinstance(value, str):
        return max(map(len, value.splitlines())) if "\n" in value else len(value)
    if isinstance(value, Money):
        return len(f"{int(value) // 1000:,}") + 2
    if isinstance(value, date):
        return 10
    if value is None:
        return 0
    return len(str(value))


def _column_letter(number: int) -> str:
    """``1`` -> ``"A"``, ``27`` -> ``"AA"``."""
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _serial(day: date) -> int:
    """``day`` as an Excel serial number: days since 30 December 1899, one fewer before
    1 March 1900 (Excel counts a 29 February 1900 that never was)."""
    days = day.toordinal() - _EXCEL_DAY_ZERO
    return days - 1 if 0 < days <= 60 else days


def _decimal_text(value: Decimal) -> str:
    """``value`` exactly, in positional notation, without trailing zeros after the point (as
    Excel writes numbers: whole pounds read back as whole numbers)."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _inline_string(value: str) -> str:
    """The ``<is>`` element of a text cell holding ``value``; empty when no text is left."""
    text = spreadsheet_text(value)[:_MAX_CELL_TEXT]
    if not text:
        return ""
    space = ' xml:space="preserve"' if text != text.strip() else ""
    # A carriage return as a character reference: written as it is, XML's end-of-line
    # handling would read it back as a line feed.
    return f"<is><t{space}>{_escape(text).replace(chr(13), '&#13;')}</t></is>"


def _worksheet(table: _Table, texts: dict[str, str], *, selected: bool) -> str:
    """The worksheet XML of ``table``; ``texts`` caches each text's ``<is>`` element.

    Each column is as wide as its widest cell (up to :data:`WRAP_AT` characters); longer text
    wraps within it. A total row, if any, is under the rows and outside the auto filter."""
    letters = [_column_letter(position) for position in range(1, len(table.columns) + 1)]
    filtered = f"A1:{letters[-1]}{len(table.rows) + 1}"
    last = len(table.rows) + 1 + (table.totals is not None)
    view = ' tabSelected="1"' if selected else ""
    widths = [len(column) + 2 for column in table.columns]
    rows: list[str] = []
    append = rows.append
    for number, row in enumerate(table.rows, start=2):
        append(f'<row r="{number}">')
        opened, lines = len(rows) - 1, 1
        for position, (letter, value) in enumerate(zip(letters, row, strict=True)):
            if isinstance(value, str):
                text = texts.get(value)
                if text is None:
                    text = texts[value] = _inline_string(value)
                if text:
                    shown = max(map(len, value.splitlines())) if "\n" in value else len(value)
                    if shown > widths[position]:
                        widths[position] = shown
                    style = ""
                    if shown > WRAP_AT or "\n" in value:
                        style = f' s="{_WRAP}"'
                        wrapped = sum(-(-max(len(line), 1) // WRAP_AT) for line in value.splitlines())
                        lines = max(lines, wrapped)
                    append(f'<c r="{letter}{number}"{style} t="inlineStr">{text}</c>')
            elif value is None:
                continue
            elif isinstance(value, Money):
                widths[position] = max(widths[position], _shown_width(value))
                append(f'<c r="{letter}{number}" s="{_MONEY}"><v>{_decimal_text(value)}</v></c>')
            elif isinstance(value, date):
                widths[position] = max(widths[position], 10)
                append(f'<c r="{letter}{number}" s="{_DATE}"><v>{_serial(value)}</v></c>')
            elif isinstance(value, Decimal):
                widths[position] = max(widths[position], _shown_width(value))
                append(f'<c r="{letter}{number}"><v>{_decimal_text(value)}</v></c>')
            else:
                widths[position] = max(widths[position], _shown_width(value))
                append(f'<c r="{letter}{number}"><v>{value:d}</v></c>')
        if lines > 1:  # set, as a spreadsheet does not grow a row for text wrapped by the file
            rows[opened] = f'<row r="{number}" ht="{15 * min(lines, 20)}" customHeight="1">'
        append("</row>")
    if table.totals is not None:
        append(f'<row r="{last}">')
        for position, (letter, value) in enumerate(zip(letters, table.totals, strict=True)):
            if isinstance(value, Money):
                widths[position] = max(widths[position], _shown_width(value))
                append(f'<c r="{letter}{last}" s="{_BOLD_MONEY}"><v>{_decimal_text(value)}</v></c>')
            elif isinstance(value, str):
                append(f'<c r="{letter}{last}" s="{_BOLD}" t="inlineStr">{_inline_string(value)}</c>')
        append("</row>")
    parts = [
        f'{_DECLARATION}<worksheet xmlns="{_MAIN}"><sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>',
        f'<dimension ref="A1:{letters[-1]}{last}"/>',
        f'<sheetViews><sheetView{view} workbookViewId="0">',
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>',
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>',
        '<sheetFormatPr defaultRowHeight="15"/><cols>',
    ]
    for position, width in enumerate(widths, start=1):
        shown = max(8, min(WRAP_AT, width)) + 2
        parts.append(f'<col min="{position}" max="{position}" width="{shown}" customWidth="1"/>')
    parts.append('</cols><sheetData><row r="1">')
    for letter, column in zip(letters, table.columns, strict=True):
        parts.append(f'<c r="{letter}1" s="{_HEADING}" t="inlineStr">{_inline_string(column)}</c>')
    parts.append("</row>")
    parts.extend(rows)
    parts.append(
        f'</sheetData><autoFilter ref="{filtered}"/>'
        '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'
        '<pageSetup orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
        "</worksheet>"
    )
    return "".join(parts)


def _workbook(tables: Sequence[_Table]) -> str:
    """xl/workbook.xml: the sheets in order, each auto filter's hidden ``_FilterDatabase`` name."""
    sheets = "".join(
        f'<sheet name="{_escape(table.name)}" sheetId="{number}" r:id="rId{number}"/>'
        for number, table in enumerate(tables, start=1)
    )
    filters = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{index}" hidden="1">'
        f"'{_escape(table.name)}'!$A$1:${_column_letter(len(table.columns))}${len(table.rows) + 1}"
        "</definedName>"
        for index, table in enumerate(tables)
    )
    return (
        f'{_DECLARATION}<workbook xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}">'
        '<workbookPr/><bookViews><workbookView activeTab="0"/></bookViews>'
        f"<sheets>{sheets}</sheets><definedNames>{filters}</definedNames></workbook>"
    )


def _workbook_rels(sheet_count: int) -> str:
    sheets = "".join(
        f'<Relationship Id="rId{number}" Type="{_RELATIONSHIPS}/worksheet" '
        f'Target="worksheets/sheet{number}.xml"/>'
        for number in range(1, sheet_count + 1)
    )
    return (
        f'{_DECLARATION}<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">{sheets}'
        f'<Relationship Id="rId{sheet_count + 1}" Type="{_RELATIONSHIPS}/styles" Target="styles.xml"/>'
        "</Relationships>"
    )


def _content_types(sheet_count: int) -> str:
    spreadsheet = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{number}.xml" ContentType="{spreadsheet}.worksheet+xml"/>'
        for number in range(1, sheet_count + 1)
    )
    return (
        f'{_DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{spreadsheet}.sheet.main+xml"/>{sheets}'
        f'<Override PartName="/xl/styles.xml" ContentType="{spreadsheet}.styles+xml"/>'
        '<Override PartName="/docProps/core.xml" '
        'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        '<Override PartName="/docProps/app.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
        "</Types>"
    )


def _core_properties(title: str, as_of: date) -> str:
    """docProps/core.xml: creator ``ipt``, the title, created and modified at ``as_of`` midnight."""
    stamp = f"{as_of.isoformat()}T00:00:00Z"
    return (
        f"{_DECLARATION}<cp:coreProperties "
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:creator>ipt</dc:creator><dc:title>{_escape(_xml_text(title))}</dc:title>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
        "</cp:coreProperties>"
    )


def _package(ctx: PackContext, tables: Sequence[_Table]) -> bytes:
    """The .xlsx file: every part, deflated, in a fixed order with a fixed timestamp."""
    texts: dict[str, str] = {}
    parts = [
        ("[Content_Types].xml", _content_types(len(tables))),
        ("_rels/.rels", _PACKAGE_RELS),
        ("docProps/app.xml", _APP_PROPERTIES),
        ("docProps/core.xml", _core_properties(ctx.title, ctx.as_of)),
        ("xl/workbook.xml", _workbook(tables)),
        ("xl/_rels/workbook.xml.rels", _workbook_rels(len(tables))),
        ("xl/styles.xml", _STYLES),
        *(
            (f"xl/worksheets/sheet{number}.xml", _worksheet(table, texts, selected=number == 1))
            for number, table in enumerate(tables, start=1)
        ),
    ]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, xml in parts:
            entry = zipfile.ZipInfo(name, date_time=_ZIP_TIMESTAMP)
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, xml.encode("utf-8"))
    return buffer.getvalue()


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
        ("Allocated (£000)", Money(summary.allocations.total)),
        ("Spent (£000)", Money(summary.spend.total.actual)),
        ("Committed (£000)", Money(summary.spend.total.committed)),
    ]
    if plan.inspection:
        rows += [(f"Judgement: {j.criterion}", j.judgement.value) for j in plan.inspection.judgements]
    rows += [
        (f"Allocated {year} (£000)", Money(amount))
        for year, amount in summary.allocations.by_financial_year.items()
    ]
    rows += [
        (f"Allocated from {source.label.lower()} (£000)", Money(amount))
        for source, amount in summary.allocations.by_source.items()
    ]
    rows += [
        (f"Allocated as {category.label.lower()} (£000)", Money(amount))
        for category, amount in summary.allocations.by_category.items()
    ]
    return rows


def _changes_rows(comparison: Comparison | None) -> list[tuple[Cell, ...]]:
    """Every change since the snapshot before, one row each: dates as dates, days and
    percentages as numbers, money as money (the Markdown and HTML packs show the same as text)."""
    if comparison is None:
        return []
    rows: list[tuple[Cell, ...]] = []

    def add(
        change: str, item: Cell, detail: Cell = None, was: Cell = None, now: Cell = None, more: Cell = None
    ) -> None:
        rows.append((change, item, detail, was, now, more))

    for done in comparison.newly_complete:
        add("Newly complete", done.action.ref, done.action.title, None, done.completed_on)
    for title, moves in (
        ("RAG improved", comparison.rag_up),
        ("RAG worsened", comparison.rag_down),
        ("RAG first assessed or cleared", comparison.rag_other),
    ):
        for move in moves:
            add(title, move.action.ref, move.action.title, rag_word(move.from_rag), rag_word(move.to_rag))
    for late in comparison.newly_overdue:
        add("Newly overdue", late.action.ref, late.action.title, late.due_on, None, late.days_overdue)
    for moved in comparison.due_dates_moved:
        add("Due date moved", moved.action.ref, moved.action.title, moved.from_due, moved.to_due, moved.days)
    for progress in comparison.progress_moved:
        add(
            "Progress moved",
            progress.action.ref,
            progress.action.title,
            progress.from_progress,
            progress.to_progress,
            progress.points,
        )
    for title, briefs in (
        ("Action added", comparison.actions_added),
        ("Action removed", comparison.actions_removed),
        ("Newly cancelled", comparison.newly_cancelled),
        ("Reinstated", comparison.reinstated),
    ):
        for brief in briefs:
            add(title, brief.ref, brief.title, None, None, brief.theme)
    for title, spend_moves in (
        ("Spend moved by financial year", comparison.spend_by_financial_year),
        ("Spend moved by theme", comparison.spend_by_theme),
    ):
        for spend in spend_moves:
            add(
                f"{title} (£000)",
                spend.name,
                "actual",
                Money(spend.actual_before),
                Money(spend.actual_after),
                Money(spend.actual_change),
            )
            if spend.committed_change:
                add(
                    f"{title} (£000)",
                    spend.name,
                    "committed",
                    Money(spend.committed_before),
                    Money(spend.committed_after),
                    Money(spend.committed_change),
                )
    for kpi in comparison.kpis_moved:
        rating = ("New" if kpi.from_rating is None else kpi.from_rating.label) + " → " + kpi.to_rating.label
        add(
            "KPI moved",
            kpi.name,
            rating,
            kpi.from_reading.value if kpi.from_reading else None,
            kpi.to_reading.value if kpi.to_reading else None,
            kpi.direction.value.capitalize() if kpi.direction else "",
        )
    for title, recs in (
        ("Recommendation newly covered", comparison.recommendations_newly_covered),
        ("Recommendation with all actions newly complete", comparison.recommendations_newly_actions_complete),
        ("Recommendation newly uncovered", comparison.recommendations_newly_uncovered),
    ):
        for rec in recs:
            was = "Not in plan" if rec.from_state is None else rec.from_state.label
            add(title, rec.number, rec.text, was, rec.to_state.label)
    return rows


def render_xlsx(ctx: PackContext) -> bytes:
    plan, summary = ctx.plan, ctx.summary
    tables = [
        _Table("Summary", ("Item", "Value"), _summary_rows(ctx)),
        _Table(
            "Actions",
            ctx.action_columns,
            [action_row(plan, a, ctx.theme_names, outcomes=ctx.outcomes) for a in plan.actions],
        ),
        _Table(
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
        ),
        _with_totals(
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
                "Allocated £000",
                "Spent £000",
                "Committed £000",
                "Remaining £000",
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
        ),
        _with_totals(
            "Monitoring",
            (
                "Period",
                "Group",
                "Service area",
                "Budget £000",
                "Forecast £000",
                "Use of reserves £000",
                "Variance £000",
                "Reason",
            ),
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
        ),
        _Table(
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
        ),
        _Table(
            "Changes",
            ("Change", "Item", "Detail", "Was", "Now", "Days, points or more"),
            _changes_rows(ctx.comparison),
        ),
    ]
    return _package(ctx, tables)
