"""A tracker import never loses what the file did not mean to change.

Blank cells keep the stored value and only ``-`` or ``clear`` clears it; a RAG given only as a
fill colour is read from the colour; hidden columns and rows are not imported; a column of
shares is read as shares; updates are dated by the file.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.styles import PatternFill

from store.importers import TrackerError, import_tracker, read_tracker
from store.models import Action, Rag, Status
from store.repository import Repository
from tests.conftest import make_plan
from tui.cli.commands import main

DUE = date(2020, 3, 31)
HEADER = ("Ref", "Theme", "Action", "Due", "RAG", "% complete")


def write_csv(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode())
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Actions"
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def stored_repo(**changes: Any) -> Repository:
    """A plan whose WF-01 has progress 50, RAG amber and is due 31 March 2020."""
    plan = make_plan()
    first = plan.action("WF-01").model_copy(
        update={"progress": 50, "rag": Rag.AMBER, "due_on": DUE, "status": Status.IN_PROGRESS, **changes}
    )
    plan = plan.model_copy(update={"actions": [first, *plan.actions[1:]]})
    repo = Repository(None)
    repo.add_plan(plan, by="setup")
    return repo


def imported(repo: Repository, path: Path, **options: Any) -> Action:
    hidden = options.pop("include_hidden", False)
    import_tracker(repo, "test-plan", read_tracker(path, include_hidden=hidden), by="tester", **options)
    return repo.plan("test-plan").action("WF-01")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def disk(tmp_path: Path) -> Path:
    plan = stored_repo().plan("test-plan")
    store = Repository(tmp_path / "plans.json")
    store.add_plan(plan, by="setup")
    assert store.path is not None
    return store.path


# Blank keeps, "-" and "clear" clear -------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
@pytest.mark.parametrize("due", ["", "TBC", "tba", "Ongoing", "n/a"])
def test_blank_rag_progress_and_tbc_due_keep_the_stored_values(tmp_path: Path, suffix: str, due: str) -> None:
    writer = write_csv if suffix == "csv" else write_xlsx
    path = writer(
        tmp_path / f"t.{suffix}",
        [
            HEADER,
            ("WF-01", "WF", "Action 1", due or None, None, None),
            ("WF-09", "WF", "New", None, None, None),
        ],
    )
    repo = stored_repo()
    action = imported(repo, path)
    assert (action.progress, action.rag, action.due_on) == (50, Rag.AMBER, DUE)
    new = repo.plan("test-plan").action("WF-09")  # a new action simply has no value for blank cells
    assert (new.progress, new.rag, new.due_on, new.owner) == (0, None, None, "")


@pytest.mark.parametrize("marker", ["-", "clear", "CLEAR", "Clear"])
def test_dash_or_clear_clears_and_progress_clears_to_zero(tmp_path: Path, marker: str) -> None:
    path = write_csv(tmp_path / "t.csv", [HEADER, ("WF-01", "WF", "Action 1", marker, marker, marker)])
    repo = stored_repo()
    action = imported(repo, path)
    assert (action.progress, action.rag, action.due_on) == (0, None, None)


def test_dry_run_lists_each_changed_field_clears_and_kept_blanks(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, disk: Path
) -> None:
    path = write_csv(
        tmp_path / "t.csv",
        [
            (*HEADER, "Lead"),
            ("WF-01", "WF", "Action 1", "-", "Red", "", ""),
            ("WF-02", "QP", "Action 2", "", "", "", "New lead"),
        ],
    )
    before = disk.read_bytes()
    code, out, _ = run(capsys, "--db", str(disk), "import", str(path), "--dry-run", "--on", "2019-11-05")
    assert code == 0
    lines = out.splitlines()
    assert "WF-01 Due date: 2020-03-31 → (cleared by '-')" in lines
    assert "WF-01 RAG: amber → red" in lines
    assert "WF-02 Owner: 'Service Manager' → 'New lead'" in lines
    assert not any("progress" in line for line in lines)
    assert "3 blank cells kept the stored value" in lines  # WF-01 progress and lead, WF-02 due
    assert "0 added; 2 updated; 0 unchanged; nothing written (dry run)" in lines[0]
    assert disk.read_bytes() == before


def test_the_result_carries_the_changes_as_data(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", [HEADER, ("WF-01", "WF", "Action 1", "clear", "G", "")])
    repo = stored_repo()
    result = import_tracker(repo, "test-plan", read_tracker(path), by="tester", dry_run=True)
    assert [(c.ref, c.field, c.old, c.new, c.why) for c in result.changes] == [
        ("WF-01", "due_on", DUE, None, "cleared by 'clear'"),
        ("WF-01", "rag", Rag.AMBER, Rag.GREEN, ""),
    ]
    assert result.blanks_kept == 1
    assert repo.plan("test-plan").action("WF-01").rag is Rag.AMBER


def test_reopening_drops_the_completed_date_but_a_blank_status_keeps_it(tmp_path: Path) -> None:
    done = {"status": Status.COMPLETE, "completed_on": date(2020, 1, 15), "rag": Rag.BLUE}
    header = ("Ref", "Theme", "Action", "Status", "Completed")
    kept = write_csv(tmp_path / "kept.csv", [header, ("WF-01", "WF", "Action 1", "", "")])
    repo = stored_repo(**done)
    assert imported(repo, kept).completed_on == date(2020, 1, 15)
    reopened = write_csv(tmp_path / "open.csv", [header, ("WF-01", "WF", "Action 1", "In progress", "")])
    result = import_tracker(repo, "test-plan", read_tracker(reopened), by="tester", dry_run=True)
    reopening = "WF-01 Completed date: 2020-01-15 → – (the status is no longer complete)"
    assert reopening in map(str, result.changes)
    action = imported(repo, reopened)
    assert (action.status, action.completed_on) == (Status.IN_PROGRESS, None)


FIELDS = ("owner", "start_on", "due_on", "rag", "progress", "recommendations")
COLUMN = {
    "owner": "Lead",
    "start_on": "Start",
    "due_on": "Due",
    "rag": "RAG",
    "progress": "% complete",
    "recommendations": "Recommendations",
}


def cell_for(name: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Rag):
        return value.value
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if name == "progress":
        return f"{value}%"
    return str(value)


stored_actions = st.fixed_dictionaries(
    {
        "owner": st.sampled_from(["", "Head of Service", "Team Manager"]),
        "start_on": st.none() | st.dates(date(2019, 1, 1), date(2019, 12, 31)),
        "due_on": st.none() | st.dates(date(2020, 1, 1), date(2021, 12, 31)),
        "rag": st.none() | st.sampled_from(list(Rag)),
        "progress": st.integers(0, 100),
        "recommendations": st.lists(st.integers(1, 3), unique=True, max_size=3).map(sorted),
    }
)
blank_words = st.sampled_from(["", " ", "TBC", "n/a", "Ongoing"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    stored=st.lists(stored_actions, min_size=1, max_size=3),
    written=st.lists(stored_actions, min_size=3, max_size=3),
    blank=st.lists(st.sets(st.sampled_from(FIELDS)), min_size=3, max_size=3),
    words=st.lists(blank_words, min_size=18, max_size=18),
    suffix=st.sampled_from(["csv", "xlsx"]),
)
def test_property_every_blank_cell_keeps_the_stored_value(
    stored: list[dict[str, Any]],
    written: list[dict[str, Any]],
    blank: list[set[str]],
    words: list[str],
    suffix: str,
) -> None:
    plan = make_plan(actions=len(stored))
    actions = [action.model_copy(update=values) for action, values in zip(plan.actions, stored, strict=True)]
    repo = Repository(None)
    repo.add_plan(plan.model_copy(update={"actions": actions}), by="setup")
    header = ("Ref", "Theme", "Action", *(COLUMN[name] for name in FIELDS))
    rows: list[tuple[object, ...]] = [header]
    for number, action in enumerate(actions):
        cells = []
        for position, name in enumerate(FIELDS):
            text = cell_for(name, written[number][name])
            if name in blank[number] or not text:
                text = words[number * len(FIELDS) + position]
                if name == "owner":  # a word in a text column is text: only blanks keep there
                    text = text if not text.strip() else ""
            cells.append(text)
        rows.append((action.ref, action.theme, action.title, *cells))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"t.{suffix}"
        (write_csv if suffix == "csv" else write_xlsx)(path, rows)
        tracker = read_tracker(path)
        import_tracker(repo, "test-plan", tracker, by="tester", on=date(2020, 1, 1))
    after = repo.plan("test-plan")
    for number, action in enumerate(actions):
        for position, name in enumerate(FIELDS):
            cell = rows[number + 1][3 + position]
            if isinstance(cell, str) and (not cell.strip() or cell in {"TBC", "n/a", "Ongoing"}):
                assert getattr(after.action(action.ref), name) == getattr(action, name), (name, cell)


# RAG from a cell's fill colour ------------------------------------------------------------------


def filled_tracker(path: Path, fills: Sequence[str | None], texts: Sequence[str | None] = ()) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    for number, colour in enumerate(fills, start=1):
        text = texts[number - 1] if number <= len(texts) else None
        sheet.append([f"WF-{number:02d}", "WF", f"Action {number}", None, text, None])
        if colour is not None:
            sheet.cell(row=number + 1, column=5).fill = PatternFill("solid", fgColor=colour)
    book.save(path)
    return path


def test_fill_only_rag_cells_read_as_the_nearest_rag(tmp_path: Path) -> None:
    fills = ["FF0000", "FFC000", "00B050", "0070C0", "E81010", "F5B800", "10A858", "2060B0"]
    fills += ["FFFFFF", "C0C0C0"]  # white and grey are no rating: the stored one is kept
    path = filled_tracker(tmp_path / "f.xlsx", fills)
    plan = make_plan(actions=len(fills))
    actions = [action.model_copy(update={"rag": Rag.AMBER}) for action in plan.actions]
    repo = Repository(None)
    repo.add_plan(plan.model_copy(update={"actions": actions}), by="setup")
    result = import_tracker(repo, "test-plan", read_tracker(path), by="tester", dry_run=True)
    assert "WF-01 RAG: amber → red (from the cell's fill colour)" in map(str, result.changes)
    import_tracker(repo, "test-plan", read_tracker(path), by="tester")
    rags = [action.rag for action in repo.plan("test-plan").actions]
    expected = [Rag.RED, Rag.AMBER, Rag.GREEN, Rag.BLUE] * 2 + [Rag.AMBER, Rag.AMBER]
    assert rags == expected


def test_indexed_and_theme_fill_colours_are_resolved(tmp_path: Path) -> None:
    from openpyxl.styles.colors import Color

    path = tmp_path / "f.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append(["WF-01", "WF", "Indexed red", None, None, None])
    sheet.append(["WF-02", "WF", "Theme accent 3 (green in the default theme)", None, None, None])
    sheet["E2"].fill = PatternFill("solid", fgColor=Color(indexed=10))
    sheet["E3"].fill = PatternFill("solid", fgColor=Color(theme=6, tint=0.2))
    book.save(path)
    repo = stored_repo()
    import_tracker(repo, "test-plan", read_tracker(path), by="tester")
    plan = repo.plan("test-plan")
    assert (plan.action("WF-01").rag, plan.action("WF-02").rag) == (Rag.RED, Rag.GREEN)


def test_a_key_sheet_with_unusual_colours_is_the_reference(tmp_path: Path) -> None:
    path = filled_tracker(tmp_path / "f.xlsx", ["7030A0", "00FFFF", "808000"])
    book = openpyxl.load_workbook(path)
    key = book.create_sheet("Key")
    for row, (word, colour) in enumerate(
        [("Red", "7030A0"), ("Amber", "00FFFF"), ("Green", "808000"), ("Complete", "FF00FF")], start=1
    ):
        key.cell(row=row, column=1, value=word).fill = PatternFill("solid", fgColor=colour)
    book.save(path)
    repo = stored_repo()
    rows = read_tracker(path)
    assert rows.rag_key
    import_tracker(repo, "test-plan", rows, by="tester")
    plan = repo.plan("test-plan")
    assert [plan.action(ref).rag for ref in ("WF-01", "WF-02", "WF-03")] == [Rag.RED, Rag.AMBER, Rag.GREEN]


def test_text_in_the_cell_beats_its_fill(tmp_path: Path) -> None:
    path = filled_tracker(tmp_path / "f.xlsx", ["FF0000", "FF0000"], ["n/a", "Green"])
    repo = stored_repo()
    import_tracker(repo, "test-plan", read_tracker(path), by="tester")
    plan = repo.plan("test-plan")
    assert plan.action("WF-01").rag is Rag.AMBER  # "n/a" says no value: the stored RAG, not the fill
    assert plan.action("WF-02").rag is Rag.GREEN


# Hidden columns and rows ------------------------------------------------------------------------


def hidden_tracker(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Ref", "Theme", "Action", "Due", "% complete", "RAG", "RAG – June 2017"])
    sheet.append(["WF-01", "WF", "Action 1", None, None, "Green", "Red"])
    sheet.append(["WF-02", "WF", "Action 2", None, None, "Green", "Amber"])
    sheet.append(["WF-03", "WF", "Hidden row", None, None, "Green", "Red"])
    sheet.append(["WF-09", "WF", "Hidden new action", None, None, "Green", "Red"])
    sheet.column_dimensions["F"].hidden = True
    sheet.row_dimensions[4].hidden = True
    sheet.row_dimensions[5].hidden = True
    book.save(path)
    return path


def test_hidden_stale_rag_column_and_hidden_rows_are_not_imported_and_are_listed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, disk: Path
) -> None:
    path = hidden_tracker(tmp_path / "h.xlsx")
    rows = read_tracker(path)
    assert rows.columns["rag"] == "RAG – June 2017"
    assert rows.hidden_columns == ["RAG (column F)"] and rows.hidden_rows == [4, 5]
    code, out, _ = run(capsys, "--db", str(disk), "import", str(path))
    assert code == 0
    lines = out.splitlines()
    assert "hidden columns not imported: RAG (column F)" in lines
    assert "hidden rows not imported: 4, 5" in lines
    plan = Repository(disk).plan("test-plan")
    assert (plan.action("WF-01").rag, plan.action("WF-02").rag, plan.action("WF-03").rag) == (
        Rag.RED,
        Rag.AMBER,
        None,
    )
    assert "WF-09" not in [action.ref for action in plan.actions]


def test_include_hidden_reads_them_and_two_rag_columns_are_an_error_naming_both(tmp_path: Path) -> None:
    path = hidden_tracker(tmp_path / "h.xlsx")
    with pytest.raises(TrackerError) as caught:
        read_tracker(path, include_hidden=True)
    assert [str(p) for p in caught.value.problems] == [
        "row 1, column RAG – June 2017: means the same as column 'RAG' (column F); keep one of them"
    ]
    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert sheet is not None
    sheet.delete_cols(7)
    book.save(path)
    rows = read_tracker(path, include_hidden=True)
    assert rows.columns["rag"] == "RAG" and rows.hidden_rows == []
    repo = stored_repo()
    import_tracker(repo, "test-plan", rows, by="tester")
    assert repo.plan("test-plan").action("WF-09").rag is Rag.GREEN


def test_dated_headings_are_recognised() -> None:
    from store.importers.tracker import match_heading

    assert match_heading("RAG – June 2017") == ("rag", date(2017, 6, 30))
    assert match_heading("Progress update - June 2017") == ("update", date(2017, 6, 30))
    assert match_heading("% complete (31/05/2017)") == ("progress", date(2017, 5, 31))
    assert match_heading("RAG – notes") == (None, None)


# Shares ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_a_share_column_is_read_as_shares_and_said_so(tmp_path: Path, suffix: str) -> None:
    writer = write_csv if suffix == "csv" else write_xlsx
    path = writer(
        tmp_path / f"s.{suffix}",
        [
            ("Ref", "Theme", "Action", "% complete"),
            ("WF-01", "WF", "a", 0.5),
            ("WF-02", "WF", "b", 1),
            ("WF-03", "WF", "c", 0.25),
        ],
    )
    rows = read_tracker(path)
    assert rows.share_columns == ["% complete"]
    repo = stored_repo()
    import_tracker(repo, "test-plan", rows, by="tester")
    assert [a.progress for a in repo.plan("test-plan").actions] == [50, 100, 25]


def test_a_percent_formatted_column_is_read_as_shares(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "p.xlsx",
        [("Ref", "Theme", "Action", "Progress"), ("WF-01", "WF", "a", 1), ("WF-02", "WF", "b", 0.4)],
    )
    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert sheet is not None
    for cell in ("D2", "D3"):
        sheet[cell].number_format = "0%"
    book.save(path)
    rows = read_tracker(path)
    assert rows.share_columns == ["Progress"]
    repo = stored_repo()
    import_tracker(repo, "test-plan", rows, by="tester")
    assert [a.progress for a in repo.plan("test-plan").actions[:2]] == [100, 40]


def test_whole_numbers_stay_percentages_and_a_mixed_column_is_an_error(tmp_path: Path) -> None:
    header = ("Ref", "Theme", "Action", "% complete")
    whole = write_csv(tmp_path / "w.csv", [header, ("WF-01", "WF", "a", 50), ("WF-02", "WF", "b", 100)])
    rows = read_tracker(whole)
    assert rows.share_columns == []
    repo = stored_repo()
    import_tracker(repo, "test-plan", rows, by="tester")
    assert [a.progress for a in repo.plan("test-plan").actions[:2]] == [50, 100]
    mixed = write_csv(tmp_path / "m.csv", [header, ("WF-01", "WF", "a", 0.5), ("WF-02", "WF", "b", 60)])
    with pytest.raises(TrackerError) as caught:
        import_tracker(stored_repo(), "test-plan", read_tracker(mixed), by="tester")
    (problem,) = caught.value.problems
    assert str(problem).startswith(
        "row 2, column % complete: '0.5' is a share (1 is 100%), but row 3 has '60'"
    )
    assert "column '% complete' mixes shares and percentages" in str(problem)


# Dated by the file -------------------------------------------------------------------------------


def dated_import(path: Path, **options: Any) -> tuple[Action, Any]:
    repo = stored_repo()
    result = import_tracker(
        repo, "test-plan", read_tracker(path), by="tester", today=date(2024, 2, 2), **options
    )
    return repo.plan("test-plan").action("WF-01"), result


def test_updates_are_dated_from_a_last_updated_line(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "d.xlsx",
        [
            ("Improvement plan tracker",),
            ("Last updated: 30 June 2017",),
            ("Ref", "Theme", "Action", "Due", "Update"),
            ("WF-01", "WF", "Action 1", "30/09/2020", "Panel booked"),
        ],
    )
    action, result = dated_import(path)
    assert [u.on for u in action.updates] == [date(2017, 6, 30)]
    assert [c.on for c in action.due_history] == [date(2017, 6, 30)]
    assert result.dated_why == "from 'Last updated: 30 June 2017' (row 2)"


def test_updates_are_dated_from_a_dated_heading(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, disk: Path
) -> None:
    path = write_csv(
        tmp_path / "d.csv",
        [
            ("Ref", "Theme", "Action", "Due", "Progress update – June 2017"),
            ("WF-01", "WF", "Action 1", "30/09/2020", "Panel booked"),
        ],
    )
    action, _ = dated_import(path)
    assert [u.on for u in action.updates] == [date(2017, 6, 30)]
    assert [c.on for c in action.due_history] == [date(2017, 6, 30)]
    code, out, _ = run(capsys, "--db", str(disk), "import", str(path))
    assert code == 0
    assert "updates dated 30 Jun 2017, from the heading 'Progress update – June 2017'" in out.splitlines()


def test_on_wins_over_the_file_and_the_import_day_is_last(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, disk: Path
) -> None:
    header = ("Ref", "Theme", "Action", "Due", "Progress update – June 2017")
    path = write_csv(tmp_path / "d.csv", [header, ("WF-01", "WF", "Action 1", "30/09/2020", "Panel booked")])
    action, _ = dated_import(path, on=date(2017, 7, 3))
    assert [u.on for u in action.updates] == [date(2017, 7, 3)]
    assert [c.on for c in action.due_history] == [date(2017, 7, 3)]
    code, out, _ = run(capsys, "--db", str(disk), "import", str(path), "--on", "03/07/2017")
    assert code == 0 and "updates dated 03 Jul 2017, from --on" in out.splitlines()
    assert [u.on for u in Repository(disk).plan("test-plan").action("WF-01").updates] == [date(2017, 7, 3)]
    plain = write_csv(
        tmp_path / "p.csv",
        [("Ref", "Theme", "Action", "Due", "Update"), ("WF-01", "WF", "Action 1", "30/09/2020", "Booked")],
    )
    action, result = dated_import(plain)
    assert [u.on for u in action.updates] == [date(2024, 2, 2)]
    assert [c.on for c in action.due_history] == [date(2024, 2, 2)]
    assert result.dated_why == "the import day"
