"""A tracker is read as the council laid it out.

Title rows, a "Last updated" line and notes above the header; two-row headers under merged
group headings; the sheet whose header matches; theme section rows; sub-action, summary and
blank rows; the headings councils use.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.styles import PatternFill

from store.importers import TrackerError, import_tracker, read_tracker
from store.models import Rag
from store.repository import Repository
from tests.conftest import make_plan
from tui.cli.commands import main

Row = Sequence[object]


def workbook(path: Path, sheets: dict[str, list[Row]], merges: dict[str, list[str]] | None = None) -> Path:
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
        for merged in (merges or {}).get(title, []):
            sheet.merge_cells(merged)
    book.save(path)
    return path


def repo() -> Repository:
    store = Repository(None)
    store.add_plan(make_plan(), by="setup")
    return store


def imported(store: Repository, path: Path, **options: Any) -> None:
    sheet = options.pop("sheet_name", None)
    import_tracker(store, "test-plan", read_tracker(path, sheet_name=sheet), by="tester", **options)


def problems_of(path: Path, store: Repository | None = None) -> list[str]:
    with pytest.raises(TrackerError) as raised:
        imported(store or repo(), path)
    return [str(problem) for problem in raised.value.problems]


# A tracker laid out as Leicestershire's 2017 continuous improvement plan is: a title, a
# "Last updated" line, group headings merged over a two-row header, council headings.
LAID_OUT: list[Row] = [
    ("Children and Family Services – Continuous Improvement Plan",),
    ("Last updated: 30 June 2017",),
    (),
    ("Action", None, "Ownership", None, "Progress"),
    (
        "Ref",
        "Action Required",
        "Responsible Council Officer",
        "Expected Timescale",
        "R/A/G",
        "Progress Update – June 2017",
        "Ofsted Rec(s)",
        "Desired Outcome",
        "How success is measured",
    ),
    ("Theme 1: Workforce",),
    (
        "WF-01",
        "Recruit permanent social workers",
        "Head of Service",
        "31/03/2020",
        "Amber",
        "Six appointed",
        "2",
    ),
    ("WF-09", "Reduce agency use", "HR Lead", "30/09/2020", "Red", "Agency use addresses recs 2, 5", "1"),
    (None, "Agree a market supplement", "HR Lead", "31/12/2019"),
    (None, "Run a recruitment campaign"),
    ("Theme 2 – Quality",),
    ("WF-10", "Audit case files monthly", "Principal Social Worker", "31/03/2020", "Green", "", "3"),
    (),
    ("Overall plan RAG", None, None, None, "Amber"),
]
MERGES = ["A1:I1", "A4:B4", "C4:D4", "E4:F4", "A6:I6", "A11:I11"]


@pytest.fixture
def laid_out(tmp_path: Path) -> Path:
    return workbook(tmp_path / "plan.xlsx", {"Action Plan": LAID_OUT}, {"Action Plan": MERGES})


def test_the_header_is_found_under_titles_a_dated_line_and_merged_group_headings(laid_out: Path) -> None:
    rows = read_tracker(laid_out)
    assert (rows.sheet, rows.header_row, rows.where) == (
        "Action Plan",
        5,
        "sheet 'Action Plan', header row 5",
    )
    assert rows.columns == {
        "ref": "Ref",
        "title": "Action Required",
        "owner": "Responsible Council Officer",
        "due_on": "Expected Timescale",
        "rag": "R/A/G",
        "update": "Progress Update – June 2017",
        "recommendations": "Ofsted Rec(s)",
        "outcome": "Desired Outcome",
        "success_measure": "How success is measured",
    }
    assert rows.dated_on == date(2017, 6, 30)
    assert rows.ignored == []
    assert rows.no_field == []


def test_section_rows_give_the_theme_by_name_without_create_missing(laid_out: Path) -> None:
    store = repo()
    imported(store, laid_out)
    plan = store.plan("test-plan")
    assert [plan.action(ref).theme for ref in ("WF-01", "WF-09", "WF-10")] == ["WF", "WF", "QP"]
    assert [theme.key for theme in plan.themes] == ["WF", "QP"]  # none created
    rows = read_tracker(laid_out)
    assert rows.sections == [(6, "Theme 1: Workforce"), (11, "Theme 2 – Quality")]


def test_sub_action_summary_and_blank_rows_are_kept_or_skipped_and_listed(laid_out: Path) -> None:
    rows = read_tracker(laid_out)
    assert rows.substeps == [(9, "WF-09"), (10, "WF-09")]
    assert rows.summary_rows == [14]
    assert rows.blank_rows == [13]
    store = repo()
    imported(store, laid_out)
    action = store.plan("test-plan").action("WF-09")
    assert action.description == (
        "- Agree a market supplement (lead: HR Lead; due: 31/12/2019)\n- Run a recruitment campaign"
    )
    assert (action.rag, action.due_on, action.owner) == (Rag.RED, date(2020, 9, 30), "HR Lead")
    assert [update.text for update in action.updates] == ["Agency use addresses recs 2, 5"]
    assert action.updates[0].on == date(2017, 6, 30)
    imported(store, laid_out)  # again: the sub-steps are not added twice
    assert store.plan("test-plan").action("WF-09").description == action.description


def test_the_sheet_whose_header_matches_is_chosen_or_the_one_named(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "two.xlsx",
        {
            "Cover": [("Improvement plan",), ("Prepared for the Improvement Board",), ("Date", "June 2017")],
            "Action Plan": [("Ref", "Theme", "Action"), ("WF-09", "WF", "Reduce agency use")],
        },
    )
    assert read_tracker(path).sheet == "Action Plan"
    assert read_tracker(path, sheet_name="action plan").sheet == "Action Plan"
    with pytest.raises(TrackerError) as raised:
        read_tracker(path, sheet_name="Actions")
    assert "has no sheet 'Actions' (its sheets: 'Cover', 'Action Plan')" in str(raised.value)
    with pytest.raises(TrackerError) as raised:
        read_tracker(path, sheet_name="Cover")
    assert (
        str(raised.value)
        .splitlines()[0]
        .endswith("(sheet 'Cover', header row 1): not imported; nothing was written (3 problems):")
    )


def test_every_message_names_the_sheet_and_header_row(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, laid_out: Path
) -> None:
    store = Repository(tmp_path / "plans.json")
    store.add_plan(make_plan(), by="setup")
    code = main(["--db", str(tmp_path / "plans.json"), "import", str(laid_out), "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0
    assert "(XLSX sheet 'Action Plan', header row 5) into plan test-plan" in out
    assert "sub-actions added to their action's description: row 9 (under WF-09), row 10 (under WF-09)" in out
    assert "summary rows skipped: 14" in out and "blank rows skipped: 13" in out
    assert "themes from section rows: 'Theme 1: Workforce' (row 6), 'Theme 2 – Quality' (row 11)" in out
    assert "Columns not imported" not in out  # Desired Outcome and How success is measured are read
    bad = workbook(
        tmp_path / "bad.xlsx",
        {
            "Cover": [("Notes",)],
            "Action Plan": [("Title",), ("Ref", "Theme", "Action", "Due"), ("WF-01", "WF", "A", "x")],
        },
    )
    code = main(["--db", str(tmp_path / "plans.json"), "import", str(bad), "--sheet", "Action Plan"])
    err = capsys.readouterr().err
    assert code != 0
    assert "(sheet 'Action Plan', header row 2): not imported" in err
    assert "row 3, column Due: 'x' is not a date" in err


def test_a_filled_section_row_and_a_theme_column_in_the_plans_own_words(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Tracker"
    for row in [
        ("Ref", "Theme", "Action", "Lead Officer", "By When"),
        ("Workforce",),
        ("WF-01", None, "Recruit", "HoS", "31/03/2020"),
        ("WF-02", "theme 2 -  QUALITY.", "Audit", "PSW", "31/03/2020"),
    ]:
        sheet.append(list(row))
    sheet["A2"].fill = PatternFill("solid", fgColor="FFD9D9D9")
    book.save(tmp_path / "t.xlsx")
    store = repo()
    imported(store, tmp_path / "t.xlsx")
    plan = store.plan("test-plan")
    assert (plan.action("WF-01").theme, plan.action("WF-02").theme) == ("WF", "QP")
    assert plan.action("WF-01").owner == "HoS" and plan.action("WF-01").due_on == date(2020, 3, 31)


def test_a_row_with_a_theme_but_no_ref_is_still_an_error(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "t.xlsx",
        {"Actions": [("Ref", "Theme", "Action"), ("WF-01", "WF", "One"), (None, "WF", "No ref")]},
    )
    assert problems_of(path) == ["row 3, column Ref: is blank; every action needs a reference"]


def test_excel_numeric_refs_that_lost_a_trailing_zero_are_an_error_naming_the_row(tmp_path: Path) -> None:
    rows: list[Row] = [("Ref", "Theme", "Action")]
    rows += [(1 + n / 10, "WF", f"Step {n}") for n in range(1, 10)]
    rows.append((1.1, "WF", "Step 10"))  # typed 1.10, kept by Excel as 1.1
    path = workbook(tmp_path / "t.xlsx", {"Actions": rows})
    problems = problems_of(path)
    assert problems[-1].startswith(
        "row 11, column Ref: '1.1' is a number in the workbook and comes after 1.9"
    )
    assert all(problem.startswith(("row 11,", "row 11 ")) for problem in problems)


# Values in the forms councils write -------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "day"),
    [
        ("Q3 2019/20", date(2019, 12, 31)),
        ("Q4 2019/20", date(2020, 3, 31)),
        ("Q1 2020-21", date(2020, 6, 30)),
        ("2020/21", date(2021, 3, 31)),
        ("Mar-20", date(2020, 3, 31)),
        ("Sept-20", date(2020, 9, 30)),
        ("End of March 2020", date(2020, 3, 31)),
        ("end of Q2 2020/21", date(2020, 9, 30)),
    ],
)
def test_council_deadlines_are_read_as_the_period_end(written: str, day: date) -> None:
    from datetime import datetime

    from store.importers.values import parse_date

    assert parse_date(written, datetime(1899, 12, 30)) == day


def test_council_recommendations_rag_and_status_words_are_read(tmp_path: Path) -> None:
    from store.importers.values import parse_recommendations

    assert [parse_recommendations(text) for text in ("Recs 1, 3 & 5", "R2/R4", "Rec 7")] == [
        [1, 3, 5],
        [2, 4],
        [7],
    ]
    path = workbook(
        tmp_path / "t.xlsx",
        {
            "Actions": [
                ("Ref", "Theme", "Action", "By When", "RAG", "Status", "Ofsted Rec(s)", "Progress update"),
                (
                    "WF-01",
                    "WF",
                    "One",
                    "Q3 2019/20",
                    "Amber/Green",
                    "Delayed",
                    "Recs 1 & 3",
                    "Two posts filled",
                ),
                ("WF-02", "QP", "Two", "2020/21", None, "BAU", "R2/R3", None),
                ("WF-03", "WF", "Three", "End of March 2020", "Green", "On track", "Rec 3", None),
            ]
        },
    )
    store = repo()
    imported(store, path, on=date(2020, 1, 6))
    plan = store.plan("test-plan")
    one, two, three = (plan.action(ref) for ref in ("WF-01", "WF-02", "WF-03"))
    assert (one.due_on, one.rag, one.status.value, one.recommendations) == (
        date(2019, 12, 31),
        Rag.AMBER,
        "in_progress",
        [1, 3],
    )
    assert one.updates[-1].text == "Two posts filled (RAG written 'Amber/Green'; status written 'Delayed')"
    assert (two.due_on, two.status.value, two.recommendations) == (date(2021, 3, 31), "complete", [2, 3])
    assert two.updates[-1].text == "(status written 'BAU')"
    assert (three.due_on, three.status.value, three.updates) == (date(2020, 3, 31), "in_progress", [])
