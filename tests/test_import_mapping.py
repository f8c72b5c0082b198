"""A tracker's reading, confirmed once, is kept with the plan: next month needs no options.

A council tracker with headings ipt does not know ("Whose job", "Position – June 2017") and
words of its own ("Parked") is imported once with ``--map`` and ``--value``; the import keeps
that reading with the plan, and July's tracker (its dated heading moved on a month) imports
with no options at all. ``ipt import --mapping`` shows and edits the saved mapping.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from store.importers import import_tracker, read_tracker
from store.importers.mapping import MappingChange, MappingError, keep_mapping, mapping_key, saved_mapping
from store.models import Rag, Status
from store.repository import Repository
from tests.conftest import make_plan
from tui.cli.commands import main

PLAN = "test-plan"


def workbook(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Plan"
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def tracker(path: Path, month: str, rag: str, progress: str) -> Path:
    return workbook(
        path,
        [
            ("Improvement plan tracker",),
            ("Ref", "Theme", "Action", "Whose job", f"Position – {month} 2017", "Notes"),
            ("WF-01", "WF", "Action 1", "Jo Bloggs", rag, progress),
            ("WF-02", "QP", "Action 2", "Sam Patel", "Green", ""),
        ],
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "store.json"
    repo = Repository(path)
    repo.add_plan(make_plan(), by="setup")
    return path


def ipt(capsys: pytest.CaptureFixture[str], db: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--db", str(db), "--by", "Jo", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_first_import_needs_the_mapping_and_keeps_it(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    june = tracker(tmp_path / "june.xlsx", "June", "Parked", "")
    code, out, _ = ipt(capsys, db, "import", str(june), "--dry-run")
    assert code == 0
    assert "Whose job" in out and "Position – June 2017" in out  # listed as not imported
    before = Repository(db).plan(PLAN).action("WF-01")

    code, out, err = ipt(
        capsys,
        db,
        "import",
        str(june),
        "--map",
        "Whose job=owner",
        "--map",
        "Position – June 2017=RAG",
        "--map",
        "Notes=-",
        "--value",
        "rag:Parked=amber",
    )
    assert code == 0, err
    assert "saved with the plan" in out
    plan = Repository(db).plan(PLAN)
    action = plan.action("WF-01")
    assert action.owner == "Jo Bloggs" != before.owner
    assert action.rag is Rag.AMBER  # "Parked", by the word given
    assert plan.action("WF-02").owner == "Sam Patel"
    mapping = saved_mapping(plan.mappings)
    assert mapping is not None
    assert mapping.columns == {"whose job": "owner", "position": "rag", "notes": ""}  # dated heading: no date
    assert mapping.values == {"rag": {"parked": "amber"}}
    assert mapping.confirmed_by == "Jo"


def test_next_month_imports_with_no_options(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    june = tracker(tmp_path / "june.xlsx", "June", "Parked", "")
    options = ["--map", "Whose job=owner", "--map", "Position – June 2017=rag", "--value", "rag:Parked=amber"]
    assert ipt(capsys, db, "import", str(june), *options)[0] == 0
    july = tracker(tmp_path / "july.xlsx", "July", "Red", "")
    code, out, err = ipt(capsys, db, "import", str(july))
    assert code == 0, err
    assert "read by the saved mapping" in out and "Position – July 2017" in out
    assert "updates dated 31 Jul 2017" in out  # the moved-on heading still dates the update
    action = Repository(db).plan(PLAN).action("WF-01")
    assert action.rag is Rag.RED
    assert action.owner == "Jo Bloggs"


def test_blank_cell_under_a_mapped_heading_keeps_the_stored_value(tmp_path: Path, db: Path) -> None:
    repo = Repository(db)
    keep_mapping(
        repo,
        PLAN,
        MappingChange.from_options(["Whose job=owner", "Position=rag"], None),
        by="Jo",
        on=date(2017, 7, 1),
    )
    first = tracker(tmp_path / "june.xlsx", "June", "Green", "")
    mapping = saved_mapping(repo.plan(PLAN).mappings)
    import_tracker(repo, PLAN, read_tracker(first, mapping=mapping), by="Jo", on=date(2017, 6, 30))
    assert repo.plan(PLAN).action("WF-01").rag is Rag.GREEN
    blank = tracker(tmp_path / "july.xlsx", "July", "", "")
    result = import_tracker(repo, PLAN, read_tracker(blank, mapping=mapping), by="Jo", on=date(2017, 7, 31))
    assert repo.plan(PLAN).action("WF-01").rag is Rag.GREEN
    assert result.blanks_kept >= 1


def test_a_word_translation_is_shown_as_why_in_the_dry_run(tmp_path: Path, db: Path) -> None:
    repo = Repository(db)
    keep_mapping(
        repo,
        PLAN,
        MappingChange.from_options(None, ["status:Parked=blocked"]),
        by="Jo",
        on=date(2017, 7, 1),
    )
    path = workbook(
        tmp_path / "t.xlsx", [("Ref", "Theme", "Action", "Status"), ("WF-01", "WF", "Action 1", "Parked")]
    )
    rows = read_tracker(path, mapping=saved_mapping(repo.plan(PLAN).mappings))
    result = import_tracker(repo, PLAN, rows, by="Jo", dry_run=True, on=date(2017, 7, 1))
    [change] = [change for change in result.changes if change.field == "status"]
    assert change.new is Status.BLOCKED
    assert "'Parked' means 'blocked' by the saved mapping" in str(change)


def test_mapping_shows_and_edits(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = ipt(capsys, db, "import", "--mapping")
    assert code == 0 and "no saved mapping" in out
    code, out, err = ipt(
        capsys, db, "import", "--mapping", "--map", "Whose job=Lead officer", "--value", "RAG:Blue/Green=blue"
    )
    assert code == 0, err
    assert "'whose job' → Owner" in out
    assert "RAG: 'blue/green' means 'blue'" in out
    code, out, err = ipt(capsys, db, "import", "--mapping", "--forget", "Whose job", "--sheet", "Actions")
    assert code == 0, err
    mapping = saved_mapping(Repository(db).plan(PLAN).mappings)
    assert mapping is not None
    assert mapping.columns == {} and mapping.sheet == "Actions"
    assert mapping.values == {"rag": {"blue/green": "blue"}}
    audit = Repository(db).audit(plan_id=PLAN)
    assert any(entry.entity == "tracker mapping" for entry in audit)


def test_bad_options_are_all_named_and_nothing_is_saved(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = ipt(
        capsys,
        db,
        "import",
        "--mapping",
        "--map",
        "Whose job=boss",
        "--map",
        "nothing here",
        "--value",
        "rag:Parked=purple",
        "--value",
        "title:x=y",
    )
    assert code == 1
    assert "'boss' is not a field" in err
    assert "'nothing here' is not HEADING=FIELD" in err
    assert "'purple'" in err
    assert "a word can be translated only in" in err
    assert "Traceback" not in err
    assert saved_mapping(Repository(db).plan(PLAN).mappings) is None
    code, _, err = ipt(capsys, db, "import", "--mapping", "--forget", "Nope")
    assert code == 1 and "'Nope' is not a heading or word in the saved mapping" in err


def test_dry_run_does_not_save_the_mapping(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    june = tracker(tmp_path / "june.xlsx", "June", "Green", "")
    code, out, _ = ipt(capsys, db, "import", str(june), "--dry-run", "--map", "Whose job=owner")
    assert code == 0
    assert "saved with the plan when the import is written" in out
    assert saved_mapping(Repository(db).plan(PLAN).mappings) is None


def test_a_mapped_heading_finds_a_header_of_unknown_words(tmp_path: Path, db: Path) -> None:
    """A header the names alone would not find (only Ref is known) is found with the mapping."""
    path = workbook(
        tmp_path / "odd.xlsx",
        [
            ("Council tracker",),
            ("Ref", "Workstrand", "What we will do", "Whose job"),
            ("WF-01", "WF", "Action 1", "Ann Other"),
        ],
    )
    repo = Repository(db)
    change = MappingChange.from_options(
        ["Workstrand=theme", "What we will do=title", "Whose job=owner"], None
    )
    keep_mapping(repo, PLAN, change, by="Jo", on=date(2017, 7, 1))
    rows = read_tracker(path, mapping=saved_mapping(repo.plan(PLAN).mappings))
    assert rows.header_row == 2
    import_tracker(repo, PLAN, rows, by="Jo", on=date(2017, 7, 1))
    assert repo.plan(PLAN).action("WF-01").owner == "Ann Other"


def test_mapping_key_drops_a_date_only() -> None:
    assert mapping_key("Position – June 2017") == "position"
    assert mapping_key("RAG (Q3 2019/20)") == "rag"
    assert mapping_key("Lead – Children's Services") == "lead – children's services"
    with pytest.raises(MappingError):
        MappingChange.from_options(["=owner"], None)
