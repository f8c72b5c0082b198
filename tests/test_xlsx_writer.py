"""The XLSX pack's own writer: a valid, reproducible package whose cells read back exactly.

Read back both with openpyxl (as a user's tools would) and with the tracker importer's reader.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.utils.datetime import to_excel

from store.exports import render_pack
from store.exports.xlsx import DATE_FORMAT, MONEY_FORMAT, WRAP_AT, _serial
from store.importers.sources import read_sheet
from store.models import Action, Allocation, Plan
from tests.conftest import make_plan

AS_OF = date(2019, 10, 3)
PARTS = [
    "[Content_Types].xml",
    "_rels/.rels",
    "docProps/app.xml",
    "docProps/core.xml",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/styles.xml",
    *(f"xl/worksheets/sheet{number}.xml" for number in range(1, 8)),
]
SHEETS = ["Summary", "Actions", "Recommendations", "Funding", "Monitoring", "KPIs", "Changes"]


def workbook(plan: Plan, snapshot_label: str | None = None) -> bytes:
    return render_pack(plan, as_of=AS_OF, fmt="xlsx", snapshot_label=snapshot_label)


def part(book: bytes, name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(book)) as archive:
        return archive.read(name).decode("utf-8")


def sheet_xml(book: bytes, title: str) -> str:
    return part(book, f"xl/worksheets/sheet{SHEETS.index(title) + 1}.xml")


def test_the_same_pack_is_the_same_bytes_and_a_sound_zip() -> None:
    first, second = workbook(make_plan()), workbook(make_plan())
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == PARTS
        for entry in archive.infolist():
            assert entry.date_time == (1980, 1, 1, 0, 0, 0), entry.filename
            assert entry.compress_type == zipfile.ZIP_DEFLATED, entry.filename
    properties = load_workbook(io.BytesIO(first)).properties
    assert (properties.creator, properties.created, properties.modified) == (
        "ipt",
        datetime(2019, 10, 3),
        datetime(2019, 10, 3),
    )
    assert properties.title == "Test Improvement Plan 2019-2021 — board pack, 03 October 2019"


def test_every_part_is_declared_and_every_sheet_has_a_hidden_filter_name() -> None:
    book = workbook(make_plan())
    types = part(book, "[Content_Types].xml")
    assert '<Default Extension="rels" ' in types
    for name in PARTS:
        if name.endswith(".xml") and name != "[Content_Types].xml":
            assert f'PartName="/{name}"' in types, name
    names = re.findall(
        r'<definedName name="_xlnm._FilterDatabase" localSheetId="(\d)" hidden="1">([^<]*)<',
        part(book, "xl/workbook.xml"),
    )
    assert [int(index) for index, _ in names] == list(range(7))
    assert names[1][1] == "'Actions'!$A$1:$L$4"  # three actions and the header, twelve columns


def test_every_sheet_has_a_bold_frozen_filtered_header_and_sized_columns() -> None:
    book = load_workbook(io.BytesIO(workbook(make_plan())))
    assert book.sheetnames == SHEETS
    for sheet in book.worksheets:
        header = [cell for cell in sheet[1] if cell.value is not None]
        last = header[-1].column_letter
        assert sheet.freeze_panes == "A2", sheet.title
        totalled = sheet.cell(sheet.max_row, 1).value == "Total"
        assert sheet.auto_filter.ref == f"A1:{last}{max(sheet.max_row - totalled, 1)}", sheet.title
        for cell in header:
            assert cell.font.b, (sheet.title, cell.coordinate)
            width = sheet.column_dimensions[cell.column_letter].width
            widest = max(
                [len(str(cell.value)) + 2]
                + [shown(below) for below in sheet[cell.column_letter][1 : len(sheet[cell.column_letter])]]
            )
            assert width == max(8, min(WRAP_AT, widest)) + 2, (sheet.title, cell.value)


def shown(cell: Any) -> int:
    """How wide a cell shows: a date 10, money in £000 with brackets, text its longest line."""
    value = cell.value
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 10
    if cell.number_format == MONEY_FORMAT:
        return len(f"{int(value) // 1000:,}") + 2
    return max(len(line) for line in str(value).splitlines()) if str(value) else 0


def test_money_in_thousands_with_brackets_and_a_total_row() -> None:
    allocations = [
        Allocation(
            id="A1", source="growth_bid", category="investment", financial_year="2019/20", amount="1500000.50"
        ),
        Allocation(
            id="A2",
            source="reserves",
            category="budget_reduction",
            financial_year="2019/20",
            amount="-250000",
        ),
    ]
    book = workbook(make_plan().model_copy(update={"allocations": allocations, "spend": []}))
    sheet = load_workbook(io.BytesIO(book))["Funding"]
    assert sheet["J1"].value == "Allocated £000"
    assert [sheet.cell(row, 10).value for row in (2, 3)] == [Decimal("1500000.5"), -250000]
    assert sheet["J2"].number_format == MONEY_FORMAT == '#,##0,;[Red](#,##0,);"–"'
    total = sheet.cell(4, 10)
    assert sheet["A4"].value == "Total" and sheet["A4"].font.b
    assert total.value == Decimal("1250000.5") and total.font.b and total.number_format == MONEY_FORMAT
    assert sheet.auto_filter.ref == "A1:M3"  # the total row stays put when the table is filtered
    monitoring = load_workbook(io.BytesIO(book))["Monitoring"]
    last = monitoring.max_row
    assert monitoring.cell(last, 1).value == "Total"
    budgets = [monitoring.cell(row, 4).value for row in range(2, last)]
    assert monitoring.cell(last, 4).value == sum(budgets)


def test_long_text_wraps_in_a_column_no_wider_than_the_limit() -> None:
    title = "Recruit and retain experienced social workers " * 4
    plan = make_plan()
    plan = plan.model_copy(update={"actions": [plan.actions[0].model_copy(update={"title": title.strip()})]})
    sheet = load_workbook(io.BytesIO(workbook(plan)))["Actions"]
    assert sheet["C2"].alignment.wrap_text
    assert sheet.column_dimensions["C"].width == WRAP_AT + 2
    assert not sheet["A2"].alignment.wrap_text


def test_changes_are_typed_dates_numbers_and_money(tmp_path: Path) -> None:
    from store.compare import compare_plans

    before = make_plan()
    after = before.model_copy(
        update={
            "actions": [
                before.actions[0].model_copy(update={"progress": 60, "due_on": date(2020, 1, 31)}),
                *before.actions[1:],
            ]
        }
    )
    comparison = compare_plans(before, date(2019, 11, 1), after, date(2019, 12, 20))
    book = render_pack(after, as_of=date(2019, 12, 20), fmt="xlsx", comparison=comparison)
    sheet = load_workbook(io.BytesIO(book))["Changes"]
    rows = {(row[0], row[1]): row for row in sheet.iter_rows(min_row=2, values_only=True)}
    moved = rows["Due date moved", before.actions[0].ref]
    assert moved[3].date() == before.actions[0].due_on and moved[4].date() == date(2020, 1, 31)
    assert isinstance(moved[5], int)
    progress = rows["Progress moved", before.actions[0].ref]
    assert progress[3:] == (0, 60, 60)
    overdue = [row for key, row in rows.items() if key[0] == "Newly overdue"]
    assert overdue and all(isinstance(row[5], int) and row[5] > 0 for row in overdue)


TEXT = '  Café £1,000 — it’s “done” & <ok> "quoted" 🎉\nsecond line\twith a tab  '


def test_text_reads_back_exactly_with_its_spaces_and_line_breaks() -> None:
    book = workbook(make_plan(), snapshot_label=TEXT)
    summary = {
        row[0]: row[1] for row in load_workbook(io.BytesIO(book))["Summary"].iter_rows(values_only=True)
    }
    assert summary["Snapshot"] == TEXT
    assert '<t xml:space="preserve">  Café' in sheet_xml(book, "Summary")


def test_text_in_the_actions_sheet_reaches_the_importer_unchanged(tmp_path: Path) -> None:
    # openpyxl deletes "x005F_" from shared strings; inline strings keep it
    titles = ["Fix the x005F_ export", "Tom & Jerry <Ltd> “quoted”", "Line one\nline two", "🎉 £5 it’s"]
    plan = make_plan()
    plan = plan.model_copy(
        update={
            "actions": [
                Action(ref=f"WF-{n}", theme="WF", title=title, owner="Owner")
                for n, title in enumerate(titles, start=1)
            ]
        }
    )
    path = tmp_path / "pack.xlsx"
    path.write_bytes(workbook(plan))
    rows = read_sheet(path).rows
    assert [cells[2] for _, cells in rows[1:]] == titles


def test_empty_text_is_no_cell() -> None:
    book = workbook(make_plan(), snapshot_label=None)
    assert '<c r="B5"' not in sheet_xml(book, "Summary")
    assert load_workbook(io.BytesIO(book))["Summary"]["B5"].value is None


def test_money_is_exact_to_the_penny() -> None:
    amounts = {
        "1234567.89": "1234567.89",
        "123456789012345.67": "123456789012345.67",
        "8063000.00": "8063000",
    }
    allocations = [
        Allocation(
            id=f"A{n}", source="growth_bid", category="investment", financial_year="2019/20", amount=amount
        )
        for n, amount in enumerate(amounts, start=1)
    ]
    book = workbook(make_plan().model_copy(update={"allocations": allocations, "spend": []}))
    funding = sheet_xml(book, "Funding")
    for row, written in enumerate(amounts.values(), start=2):
        assert f'<c r="J{row}" s="2"><v>{written}</v></c>' in funding  # never through a float
    sheet = load_workbook(io.BytesIO(book))["Funding"]
    allocated = [sheet.cell(row=row, column=10) for row in range(2, 5)]
    assert [cell.number_format for cell in allocated] == [MONEY_FORMAT] * 3
    assert Decimal(str(allocated[0].value)) == Decimal("1234567.89")
    assert allocated[2].value == 8063000 and isinstance(allocated[2].value, int)


def test_dates_are_dates() -> None:
    plan = make_plan()
    book = workbook(plan)
    assert '<c r="B4" s="3"><v>43741</v></c>' in sheet_xml(book, "Summary")  # As of: 3 October 2019
    actions = load_workbook(io.BytesIO(book))["Actions"]
    due = actions["F2"]
    assert isinstance(due.value, datetime) and due.value.date() == plan.actions[0].due_on
    assert due.is_date and due.number_format == DATE_FORMAT


@pytest.mark.parametrize(
    "day", [date(1899, 12, 30), date(1900, 1, 1), date(1900, 2, 28), date(1900, 3, 1), date(2019, 10, 3)]
)
def test_date_serials_follow_excels_1900_system(day: date) -> None:
    assert _serial(day) == to_excel(day)


@pytest.mark.parametrize("payload", ["=1+1", "@SUM(A1)", "+cmd|' /C calc'!A0", "-2+3", "\t=1", "\n=1"])
def test_no_cell_is_ever_a_formula(payload: str) -> None:
    plan = make_plan()
    plan = plan.model_copy(
        update={
            "name": "Plan " + payload,
            "actions": [Action(ref="WF-1", theme="WF", title=payload, owner=payload)],
        }
    )
    book = workbook(plan, snapshot_label=payload)
    for title in SHEETS:
        assert not re.search(r"<(?:\w+:)?f[\s>/]", sheet_xml(book, title)), title
    loaded = load_workbook(io.BytesIO(book))
    strings = []
    for sheet in loaded.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)
                if isinstance(cell.value, str):
                    strings.append(cell.value)
    assert "'" + payload in strings  # the snapshot label, neutralised and otherwise whole
    assert loaded["Actions"]["C2"].value == "'" + payload.strip()  # the model strips titles


def test_characters_xml_forbids_never_break_the_workbook() -> None:
    plan = make_plan()
    plan = plan.model_copy(update={"name": "Plan\x01 one\x0btwo\uffff"})
    book = load_workbook(io.BytesIO(workbook(plan, snapshot_label="a\x00b\x1fc")))
    assert book.properties.title == "Plan one\ntwo — board pack, 03 October 2019"
    summary = book["Summary"]
    assert (summary["B2"].value, summary["B5"].value) == ("Plan one\ntwo", "abc")
