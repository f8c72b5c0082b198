"""Importing a council's Excel action tracker (XLSX or CSV): values, errors, safety, round trip."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store.exports import export_pack
from store.importers import (
    MAX_FILE_BYTES,
    TrackerError,
    TrackerRows,
    import_tracker,
    read_tracker,
    sources,
    theme_key_for,
)
from store.importers.values import (
    parse_date,
    parse_progress,
    parse_rag,
    parse_recommendations,
    parse_status,
    unescape,
)
from store.models import Action, ActionUpdate, Plan, Rag, Recommendation, Status, Theme
from store.repository import Repository
from tests.conftest import make_plan
from tui.cli.commands import main

EPOCH = datetime(1899, 12, 30)
HEADER = ("Ref", "Theme", "Action", "Lead", "Start", "Due", "Status", "RAG", "% complete", "Recommendations")


def csv_bytes(rows: Sequence[Sequence[object]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def write_csv(path: Path, rows: Sequence[Sequence[object]], encoding: str = "utf-8") -> Path:
    path.write_bytes(csv_bytes(rows, encoding))
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[object]], title: str = "Tracker") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def rewrite_member(path: Path, member: str, change: Any) -> None:
    """Replace one part of an XLSX (zip) with ``change(old_bytes)``."""
    with zipfile.ZipFile(path) as old:
        parts = {info.filename: old.read(info.filename) for info in old.infolist()}
    parts[member] = change(parts[member])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for name, data in parts.items():
            new.writestr(name, data)


@pytest.fixture
def repo() -> Repository:
    memory = Repository(None)
    memory.add_plan(make_plan(), by="setup")
    return memory


@pytest.fixture
def disk(tmp_path: Path) -> Repository:
    stored = Repository(tmp_path / "plans.json")
    stored.add_plan(make_plan(), by="setup")
    return stored


def problems_of(path: Path, repo: Repository, **options: Any) -> list[str]:
    with pytest.raises(TrackerError) as caught:
        import_tracker(repo, "test-plan", read_tracker(path), by="tester", **options)
    return [str(problem) for problem in caught.value.problems]


def file_problems(path: Path) -> list[str]:
    with pytest.raises(TrackerError) as caught:
        read_tracker(path)
    return [str(problem) for problem in caught.value.problems]


# Values --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("31/03/2020", date(2020, 3, 31)),
        ("1/4/20", date(2020, 4, 1)),
        ("2020-03-31", date(2020, 3, 31)),
        ("2020-03-31 00:00:00", date(2020, 3, 31)),
        ("31 March 2020", date(2020, 3, 31)),
        ("31-Mar-2020", date(2020, 3, 31)),
        ("1st April 2020", date(2020, 4, 1)),
        ("March 2020", date(2020, 3, 31)),
        ("Feb 2020", date(2020, 2, 29)),
        ("Sept 2019", date(2019, 9, 30)),
        ("", None),
        ("TBC", None),
        ("n/a", None),
        (datetime(2020, 3, 31, 0, 0), date(2020, 3, 31)),
        (43921, date(2020, 3, 31)),
    ],
)
def test_dates_as_councils_write_them(written: Any, expected: date | None) -> None:
    assert parse_date(written, EPOCH) == expected


@pytest.mark.parametrize(
    ("written", "why"),
    [
        ("31/02/2020", "is not a date"),
        ("03/31/2020", "day first"),
        ("43921", "a number"),
        ("soon", "is not a date"),
        ("Smarch 2020", "is not a date"),
    ],
)
def test_bad_dates_say_why(written: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        parse_date(written, EPOCH)


def test_rag_status_progress_and_recommendations() -> None:
    assert [parse_rag(word) for word in ("R", "amber", " Green ", "B", "Complete", "", "Not assessed")] == [
        Rag.RED,
        Rag.AMBER,
        Rag.GREEN,
        Rag.BLUE,
        Rag.BLUE,
        None,
        None,
    ]
    assert parse_status("In progress") is Status.IN_PROGRESS
    assert parse_status("NOT-STARTED") is Status.NOT_STARTED
    assert parse_status("Done") is Status.COMPLETE
    assert parse_status("on hold") is Status.BLOCKED
    assert parse_status("") is None
    assert [parse_progress(v) for v in ("50%", "50", "0.5", "1.0", "1", "", 75, 0.25, "33.5%")] == [
        50,
        50,
        50,
        100,
        1,
        0,
        75,
        25,
        34,
    ]
    assert parse_progress(sources.Percent(0.5)) == 50
    assert parse_recommendations("2, 5") == [2, 5]
    assert parse_recommendations("2;5") == [2, 5]
    assert parse_recommendations("5 2") == [2, 5]
    assert parse_recommendations("1-4, 7") == [1, 2, 3, 4, 7]
    assert parse_recommendations("1 – 3") == [1, 2, 3]
    assert parse_recommendations(3) == [3]
    assert parse_recommendations("") == []
    assert parse_recommendations("Rec 2 and 5") == [2, 5]
    assert parse_recommendations("1 AND 3") == [1, 3]
    for bad in ("5-2", "2, 2", "1-5000", 2.5):
        with pytest.raises(ValueError):
            parse_recommendations(bad)
    for bad_progress in ("150", "-5", "half", "nan"):
        with pytest.raises(ValueError):
            parse_progress(bad_progress)
    with pytest.raises(ValueError):
        parse_rag("purple")
    with pytest.raises(ValueError):
        parse_status("asleep")


def test_unescape_undoes_exactly_the_exports_neutralising() -> None:
    assert unescape("'=SUM(A1:A3)") == "=SUM(A1:A3)"
    assert unescape("'-£5.00 saving") == "-£5.00 saving"
    assert unescape("'@risk") == "@risk"
    assert unescape("'Signs of Safety' roll-out") == "'Signs of Safety' roll-out"
    assert unescape("''=x") == "''=x"


def test_theme_keys_from_names_are_initials_and_unique() -> None:
    taken = {"qp"}
    assert theme_key_for("Quality of Practice", taken) == "QP2"
    assert theme_key_for("Workforce", taken) == "WOR"
    assert theme_key_for("Partnerships and Delivery", taken) == "PD"
    assert theme_key_for("Équipe sociale", taken) == "ES"
    assert theme_key_for("£££", taken) == "T"


# Reading files -------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_the_three_encodings_keep_pound_apostrophe_and_dash(
    tmp_path: Path, repo: Repository, encoding: str
) -> None:
    title = "Recruit £5k – Ofsted’s ‘social work’ academy"
    path = write_csv(
        tmp_path / "t.csv",
        [HEADER, ["WF-09", "Workforce", title, "Jo Bloggs – HoS", "", "March 2020"]],
        encoding,
    )
    rows = read_tracker(path)
    assert (
        rows.source
        == {"utf-8": "CSV (UTF-8)", "utf-8-sig": "CSV (UTF-8 with BOM)", "cp1252": "CSV (Windows-1252)"}[
            encoding
        ]
    )
    result = import_tracker(repo, "test-plan", rows, by="tester")
    assert result.added == ["WF-09"]
    action = repo.plan("test-plan").action("WF-09")
    assert action.title == title
    assert action.owner == "Jo Bloggs – HoS"
    assert action.due_on == date(2020, 3, 31)


def test_undefined_windows_1252_bytes_name_row_column_and_offset(tmp_path: Path) -> None:
    good = csv_bytes([HEADER[:3], ["WF-09", "Workforce", "Fine £"]], "cp1252")
    path = tmp_path / "t.csv"
    path.write_bytes(good + b"WF-10,Workforce,Bad \x81 and \x9d\r\n")
    offset = len(good) + len(b"WF-10,Workforce,Bad ")
    why = "is not a character in UTF-8 or in Windows-1252"
    assert file_problems(path) == [
        f"row 3, column Action: byte 0x81 at offset {offset} {why}",
        f"row 3, column Action: byte 0x9D at offset {offset + 6} {why}",
    ]


def test_a_file_mixing_utf8_and_windows_1252_is_refused_not_mangled(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    head = "Ref,Theme,Action\r\nWF-09,Workforce,£5k\r\n".encode()
    path.write_bytes(head + b"WF-10,Workforce,Smith\x92s\r\n")
    (problem,) = file_problems(path)
    assert problem.startswith(
        f"row 3, column Action: byte 0x92 at offset {len(head) + 21} is not valid UTF-8"
    )
    assert "mixes encodings" in problem


def test_oversize_files_are_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)
    (problem,) = file_problems(path)
    assert f"{MAX_FILE_BYTES + 1:,} bytes" in problem and "at most" in problem


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("t.xls", "Excel 97-2003"),
        ("t.xlsm", "macro-enabled"),
        ("t.xlsb", "binary workbook"),
        ("t.ods", "only"),
    ],
)
def test_other_workbook_kinds_are_refused(tmp_path: Path, name: str, says: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100))
    (problem,) = file_problems(path)
    assert says in problem


def test_encrypted_workbooks_and_renamed_macro_workbooks_are_refused(tmp_path: Path) -> None:
    locked = tmp_path / "locked.xlsx"
    locked.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    assert "password-protected" in file_problems(locked)[0]
    macros = write_xlsx(tmp_path / "macros.xlsx", [HEADER[:3]])
    with zipfile.ZipFile(macros, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\x00" * 10)
    assert "contains macros" in file_problems(macros)[0]
    not_zip = tmp_path / "text.xlsx"
    not_zip.write_text("Ref,Theme,Action\n")
    assert "not a zip archive" in file_problems(not_zip)[0]


def test_zip_bombs_are_refused_from_the_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = write_xlsx(tmp_path / "bomb.xlsx", [HEADER[:3], ["WF-09", "Workforce", "x"]])
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", bytes(4 * 1024 * 1024))
    (problem,) = file_problems(bomb)
    assert "xl/media/padding.bin" in problem and "zip bomb" in problem
    plain = write_xlsx(tmp_path / "plain.xlsx", [HEADER[:3], ["WF-09", "Workforce", "x"]])
    monkeypatch.setattr(sources, "MAX_UNCOMPRESSED_BYTES", 1000)
    (problem,) = file_problems(plain)
    assert "would expand to" in problem and "zip bomb" in problem


def test_entity_expansion_in_sheet_xml_is_refused(tmp_path: Path) -> None:
    assert openpyxl.DEFUSEDXML, "openpyxl must parse XML through defusedxml"
    path = write_xlsx(tmp_path / "laughs.xlsx", [HEADER[:3], ["WF-09", "Workforce", "x"]])
    payload = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )

    def poison(xml: bytes) -> bytes:
        body = xml.split(b"?>", 1)[-1]
        return payload + body.replace(b"<v>", b"<v>&lol2;", 1)

    rewrite_member(path, "xl/worksheets/sheet1.xml", poison)
    (problem,) = file_problems(path)
    assert "declares entities" in problem


def test_formulas_use_their_saved_value_or_are_reported(tmp_path: Path, repo: Repository) -> None:
    path = write_xlsx(
        tmp_path / "f.xlsx",
        [
            HEADER[:6],
            ["WF-09", "Workforce", "Cached", "", "", "=DATE(2020,3,31)"],
            ["WF-10", "QP", "Never", "", "", "=TODAY()"],
        ],
    )

    def cache_first(xml: bytes) -> bytes:  # as Excel saves it: the formula and its last value
        return xml.replace(b"<f>DATE(2020,3,31)</f><v />", b"<f>DATE(2020,3,31)</f><v>43921</v>")

    rewrite_member(path, "xl/worksheets/sheet1.xml", cache_first)
    assert b"<v>43921</v>" in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    assert read_tracker(path).rows[0].values["due_on"] == date(2020, 3, 31)
    assert problems_of(path, repo) == [
        "row 3, column Due: '=TODAY()' is a formula with no saved value; open the file in Excel, "
        "let it calculate, and save it"
    ]


def test_xlsx_cells_dates_serials_percentages_and_numbers(tmp_path: Path, repo: Repository) -> None:
    path = tmp_path / "typed.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Action tracker, October 2019"])  # a title row above the header is skipped
    sheet.append([])
    sheet.append(["Ref", "Workstream", "Task", "Start date", "Target date", "% Complete", "Recs", "Notes"])
    sheet.append(["1.1", "workforce", "Typed cells", datetime(2019, 10, 1), 43921, 0.5, 2, "not imported"])
    sheet["F4"].number_format = "0%"
    sheet.append(["1.2", "QP", "A fraction", "01/10/2019", "31/03/2020", 0.25, "1-3"])
    book.save(path)
    rows = read_tracker(path)
    assert rows.header_row == 3 and rows.ignored == ["Notes"]
    import_tracker(repo, "test-plan", rows, by="tester")
    first, second = repo.plan("test-plan").action("1.1"), repo.plan("test-plan").action("1.2")
    assert (first.theme, first.start_on, first.due_on, first.progress, first.recommendations) == (
        "WF",
        date(2019, 10, 1),
        date(2020, 3, 31),
        50,
        [2],
    )
    assert (second.theme, second.progress, second.recommendations) == ("QP", 25, [1, 2, 3])


# Checking against the plan ------------------------------------------------------------------


def test_every_problem_is_listed_by_row_and_column(tmp_path: Path, repo: Repository) -> None:
    path = write_csv(
        tmp_path / "t.csv",
        [
            HEADER,
            ["WF-09", "Nope", "Bad date", "", "", "31/02/2020", "", "", "", ""],
            ["WF-10", "WF", "Bad RAG", "", "", "", "", "purple", "", ""],
            ["WF-11", "WF", "Bad status", "", "", "", "sleeping", "", "", ""],
            ["WF-12", "WF", "Bad progress", "", "", "", "", "", "150%", ""],
            ["WF-13", "WF", "Unknown rec", "", "", "", "", "", "", "2, 9"],
            ["WF-09", "WF", "Duplicate", "", "", "", "", "", "", ""],
            ["", "WF", "No ref", "", "", "", "", "", "", ""],
            ["WF-14", "WF", "Backwards", "", "01/04/2020", "01/03/2020", "", "", "", ""],
        ],
    )
    assert problems_of(path, repo) == [
        "row 2, column Theme: 'Nope' is not a theme of plan test-plan (themes: WF Workforce; QP Quality)",
        "row 2, column Due: '31/02/2020' is not a date",
        "row 3, column RAG: 'purple' is not a RAG rating (use Red, Amber, Green or Blue, or R, A, G, B)",
        "row 4, column Status: 'sleeping' is not a status (use Not started, In progress, Complete, "
        "Blocked or Cancelled)",
        "row 5, column % complete: '150%' is not between 0% and 100%",
        "row 6, column Recommendations: '2, 9' names recommendation(s) 9, which plan test-plan does not have",
        "row 7, column Ref: 'WF-09' is also the reference on row 2",
        "row 8, column Ref: is blank; every action needs a reference",
        "row 9, column Due: '01/03/2020' is before the start, 01/04/2020",
    ]


def test_missing_and_doubled_columns_are_reported(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", [["Reference", "Due date", "Deadline"], ["WF-01", "", ""]])
    assert file_problems(path) == [
        "row 1, column Deadline: means the same as column 'Due date' (column B); keep one of them",
        "row 1: there is no Theme column (or Workstream, Work stream, Strand)",
        "row 1: there is no Action column (or Title, Task, Action title)",
    ]


def test_completed_date_and_status_must_agree(tmp_path: Path, repo: Repository) -> None:
    path = write_csv(
        tmp_path / "t.csv",
        [
            ("Ref", "Theme", "Action", "Status", "Completed date"),
            ("WF-09", "WF", "Done, status blank", "", "15/01/2020"),
            ("WF-10", "WF", "Contradiction", "In progress", "15/01/2020"),
        ],
    )
    assert problems_of(path, repo) == [
        "row 3, column Completed date: '15/01/2020' is a completed date, but the status is in progress"
    ]
    path.write_bytes(path.read_bytes().replace(b"In progress", b"Complete"))
    import_tracker(repo, "test-plan", read_tracker(path), by="tester")
    assert repo.plan("test-plan").action("WF-09").status is Status.COMPLETE


def test_a_failing_import_leaves_the_store_byte_for_byte(tmp_path: Path, disk: Repository) -> None:
    assert disk.path is not None
    before = disk.path.read_bytes()
    journal = sorted(p.name for p in tmp_path.iterdir())
    path = write_csv(
        tmp_path / "t.csv",
        [
            HEADER,
            ["WF-01", "WF", "Fine update", "", "", "", "", "G", "", ""],
            ["WF-09", "WF", "Bad", "", "", "x"],
        ],
    )
    problems_of(path, disk)
    problems_of(path, disk, create_missing=True)
    assert disk.path.read_bytes() == before
    assert sorted(
        p.name for p in tmp_path.iterdir() if p.name != "t.csv" and not p.name.endswith(".lock")
    ) == [name for name in journal if not name.endswith(".lock")]
    assert Repository(disk.path).plan("test-plan").action("WF-01").rag is None


def test_dry_run_writes_nothing(tmp_path: Path, disk: Repository) -> None:
    assert disk.path is not None
    before = disk.path.read_bytes()
    path = write_csv(
        tmp_path / "t.csv", [HEADER[:3], ["WF-09", "Workforce", "New"], ["WF-01", "WF", "Renamed"]]
    )
    result = import_tracker(disk, "test-plan", read_tracker(path), by="tester", dry_run=True)
    assert (result.added, result.updated, result.dry_run, result.revision) == (
        ["WF-09"],
        ["WF-01"],
        True,
        None,
    )
    assert disk.path.read_bytes() == before


def test_create_missing_adds_themes_and_recommendations_with_audit(tmp_path: Path, disk: Repository) -> None:
    path = write_csv(
        tmp_path / "t.csv",
        [
            HEADER,
            ["PA-01", "Partnerships and Assurance", "New theme", "", "", "", "", "", "", "3-5"],
            ["PA-02", "partnerships and  assurance", "Same theme", "", "", "", "", "", "", "4"],
            ["FAM-01", "Wider Family", "Initials clash with WF", "", "", "", "", "", "", ""],
        ],
    )
    assert problems_of(path, disk)[0].startswith(
        "row 2, column Theme: 'Partnerships and Assurance' is not a theme"
    )
    result = import_tracker(disk, "test-plan", read_tracker(path), by="tester", create_missing=True)
    assert result.themes_created == ["PA", "WF2"]
    assert result.recommendations_created == [4, 5]
    assert disk.path is not None
    fresh = Repository(disk.path).plan("test-plan")
    assert fresh.theme("PA").name == "Partnerships and Assurance"
    assert fresh.action("PA-02").theme == "PA"
    assert [rec.number for rec in fresh.recommendations] == [1, 2, 3, 4, 5]
    created = [
        (e.entity, e.key) for e in disk.audit("test-plan") if e.field == "created" and e.by == "tester"
    ]
    assert created == [
        ("theme", "PA"),
        ("theme", "WF2"),
        ("recommendation", "4"),
        ("recommendation", "5"),
        ("action", "PA-01"),
        ("action", "PA-02"),
        ("action", "FAM-01"),
    ]


def test_updates_existing_actions_with_field_audit_history_and_commentary(
    tmp_path: Path, disk: Repository
) -> None:
    path = write_csv(
        tmp_path / "t.csv",
        [
            ("ref", "THEME", "title", "Owner", "Due Date", "RAG Rating", "Progress", "Commentary"),
            ("WF-01", "WF", "Action 1", "New owner", "31/01/2020", "A", "40", "Recruitment panel booked"),
        ],
    )
    result = import_tracker(disk, "test-plan", read_tracker(path), by="tester", on=date(2019, 11, 5))
    assert result.updated == ["WF-01"]
    action = disk.plan("test-plan").action("WF-01")
    assert (action.owner, action.due_on, action.rag, action.progress) == (
        "New owner",
        date(2020, 1, 31),
        Rag.AMBER,
        40,
    )
    assert action.recommendations == [2]  # no Recommendations column: kept
    assert action.updates == [
        ActionUpdate(on=date(2019, 11, 5), author="tester", text="Recruitment panel booked", rag=Rag.AMBER)
    ]
    assert [(c.old_due_on, c.new_due_on) for c in action.due_history] == [
        (date(2019, 12, 1), date(2020, 1, 31))
    ]
    fields = {e.field: (e.old, e.new) for e in disk.audit("test-plan", "action", "WF-01")}
    assert fields["owner"] == ("Service Manager", "New owner")
    assert fields["rag"] == (None, "amber")
    revision = disk.revision
    assert disk.path is not None
    before = disk.path.read_bytes()
    again = import_tracker(disk, "test-plan", read_tracker(path), by="tester", on=date(2019, 11, 6))
    assert (again.unchanged, again.revision) == (["WF-01"], None)
    assert disk.revision == revision and disk.path.read_bytes() == before


def test_a_plan_that_does_not_exist_is_an_error(tmp_path: Path, repo: Repository) -> None:
    path = write_csv(tmp_path / "t.csv", [HEADER[:3], ["WF-09", "WF", "x"]])
    with pytest.raises(KeyError, match="no plan 'other'"):
        import_tracker(repo, "other", read_tracker(path), by="tester")


# Round trip ------------------------------------------------------------------------------------

THEMES = [Theme(key="WF", name="Workforce"), Theme(key="QP", name="Quality of Practice")]
TEXT_ALPHABET = st.characters(blacklist_categories=("Cs", "Cc", "Cn"), blacklist_characters="\r")
PREFIX = st.sampled_from(["", "=", "+", "-", "@", "=SUM(A1:A2)", "-£", "@risk ", "'"])


def _clean(text: str) -> str:
    return text.strip()


money = st.decimals(min_value=-10_000_000, max_value=10_000_000, places=2).map(lambda d: f"£{d:,.2f}")
words = st.text(TEXT_ALPHABET, min_size=1, max_size=30)
title = (
    st.tuples(PREFIX, st.one_of(words, money, st.tuples(words, money).map(" ".join))).map("".join).map(_clean)
)
title = title.filter(lambda t: 0 < len(t) <= 500 and not (t.startswith("'") and t[1:2] in "=+-@\t\n"))
dates = st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def actions(draw: st.DrawFn, ref: str) -> Action:
    start = draw(st.none() | dates)
    due = draw(st.none() | dates.filter(lambda d: start is None or d >= start))
    status = draw(st.sampled_from(list(Status)))
    completed = None
    if status is Status.COMPLETE:
        completed = draw(st.none() | dates.filter(lambda d: start is None or d >= start))
    rag = draw(st.none() | st.sampled_from(list(Rag)))
    updates = []
    if draw(st.booleans()):
        author = draw(st.text(TEXT_ALPHABET.filter(lambda c: c != ":"), min_size=1, max_size=20).map(_clean))
        text = draw(title)
        if author:
            updates = [ActionUpdate(on=draw(dates), author=author, text=text, rag=rag)]
    return Action(
        ref=ref,
        theme=draw(st.sampled_from(["WF", "QP"])),
        title=draw(title),
        owner=draw(st.one_of(st.just(""), title)),
        start_on=start,
        due_on=due,
        completed_on=completed,
        status=status,
        rag=rag,
        progress=draw(st.integers(0, 100)),
        recommendations=sorted(draw(st.sets(st.integers(1, 5), max_size=5))),
        updates=updates,
    )


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    refs = draw(
        st.lists(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.\-/]{0,31}", fullmatch=True), unique=True, max_size=6)
    )
    return Plan(
        id="round-trip",
        name="Round trip",
        authority="Test Council",
        starts_on=date(2019, 4, 1),
        ends_on=date(2021, 3, 31),
        themes=THEMES,
        recommendations=[Recommendation(number=n) for n in range(1, 6)],
        actions=[draw(actions(ref)) for ref in refs],
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=plans())
def test_export_then_import_gives_the_same_actions(tmp_path: Path, fmt: str, plan: Plan) -> None:
    out = export_pack(plan, as_of=date(2020, 1, 1), fmt=fmt, out=tmp_path / f"pack.{fmt}")
    target = Repository(None)
    target.add_plan(plan.model_copy(update={"actions": []}), by="setup")
    rows: TrackerRows = read_tracker(out)
    assert rows.ignored == []
    result = import_tracker(target, plan.id, rows, by="importer", on=date(2020, 1, 2))
    assert result.added == [action.ref for action in plan.actions]
    assert target.plan(plan.id).actions == plan.actions
    again = import_tracker(target, plan.id, read_tracker(out), by="importer", on=date(2020, 1, 3))
    assert again.unchanged == result.added and again.revision is None


def test_round_trip_of_formula_like_text_and_pennies(tmp_path: Path) -> None:
    plan = make_plan()
    tricky = [
        '=HYPERLINK("http://x")',
        "+44 20 7946 0000",
        "-£1,234.56 saving",
        "@SUM(1)",
        "'quoted' text",
        "£0.01",
    ]
    plan = plan.model_copy(
        update={
            "actions": [
                Action(ref=f"X-{n}", theme="WF", title=text, owner=text)
                for n, text in enumerate(tricky, start=1)
            ]
        }
    )
    for fmt in ("csv", "xlsx"):
        out = export_pack(plan, as_of=date(2020, 1, 1), fmt=fmt, out=tmp_path / f"pack.{fmt}")
        target = Repository(None)
        target.add_plan(plan.model_copy(update={"actions": []}), by="setup")
        import_tracker(target, plan.id, read_tracker(out), by="importer")
        assert [a.title for a in target.plan(plan.id).actions] == tricky
        assert [a.owner for a in target.plan(plan.id).actions] == tricky


# Command line -----------------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Exit code, stdout with Rich's wrapping undone, and stderr as printed."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, " ".join(captured.out.split()), captured.err


def test_cli_imports_a_tracker_and_prints_every_error_on_its_own_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, disk: Repository
) -> None:
    assert disk.path is not None
    db = str(disk.path)
    bad = write_csv(
        tmp_path / "bad.csv",
        [HEADER[:6], ["WF-09", "WF", "x", "", "", "31/02/2020"], ["WF-10", "Nope", "y", "", "", ""]],
    )
    before = disk.path.read_bytes()
    code, _, err = run(capsys, "--db", db, "import", str(bad), "--plan", "test-plan")
    assert code == 1
    lines = err.splitlines()
    assert "row 2, column Due: '31/02/2020' is not a date" in lines
    assert any(line.startswith("row 3, column Theme: 'Nope' is not a theme") for line in lines)
    assert disk.path.read_bytes() == before

    good = write_xlsx(tmp_path / "good.xlsx", [HEADER[:6], ["WF-09", "Workforce", "x", "", "", "March 2020"]])
    code, out, _ = run(capsys, "--db", db, "import", str(good), "--dry-run")
    assert code == 0 and "1 added" in out and "dry run" in out
    assert disk.path.read_bytes() == before
    code, out, _ = run(
        capsys, "--db", db, "--by", "Programme Manager", "import", str(good), "--plan", "test-plan"
    )
    assert code == 0 and "1 added" in out
    assert Repository(disk.path).plan("test-plan").action("WF-09").due_on == date(2020, 3, 31)
    assert {entry.by for entry in Repository(disk.path).audit("test-plan", "action", "WF-09")} == {
        "Programme Manager"
    }

    new_theme = write_csv(tmp_path / "new.csv", [HEADER[:3], ["SF-01", "Strong Families", "z"]])
    code, _, err = run(capsys, "--db", db, "import", str(new_theme))
    assert code == 1 and "is not a theme" in err
    code, out, _ = run(capsys, "--db", db, "import", str(new_theme), "--create-missing")
    assert code == 0 and "themes created: SF Strong Families" in out

    code, _, err = run(capsys, "--db", db, "import", str(good), "--plan", "no-such-plan")
    assert code == 1 and "no plan 'no-such-plan'" in err
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0" + bytes(10))
    code, _, err = run(capsys, "--db", db, "import", str(xls))
    assert code == 1 and ".xls" in err
