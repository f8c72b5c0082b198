"""The owners' monthly returns, round the whole cycle on the Oldham sample.

Requests go to every owner of an open action; a script fills some of them in (one late, one
proposing a new due date with its reason, one without, one in conflict with a change made in
ipt since, one sent back under another owner's name, one with another owner's action pasted
in); the returns are previewed, accepted, and the plan, the audit and the chase list checked.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from store.models import Action, Plan, Rag, Status
from store.repository import Repository
from store.returns import (
    ACTIONS_SHEET,
    EDITABLE,
    HEADER_ROW,
    HELP_SHEET,
    META_SHEET,
    READ_ONLY,
    apply_returns,
    chase_list,
    owners_of,
    read_returns,
)
from tui.cli.commands import main

PLAN = "oldham-2019"
ASKED = date(2019, 11, 1)
DUE = date(2019, 11, 15)
COLUMN = {name: len(READ_ONLY) + 1 + position for position, (_, _, name) in enumerate(EDITABLE)}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "store.json"
    assert main(["--db", str(path), "init", "--sample", PLAN]) == 0
    return path


def ipt(
    capsys: pytest.CaptureFixture[str], db: Path, *args: str, by: str = "Programme Office"
) -> tuple[int, str, str]:
    code = main(["--db", str(db), "--by", by, *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def ask(capsys: pytest.CaptureFixture[str], db: Path, out: Path) -> dict[str, Path]:
    code, _, err = ipt(capsys, db, "requests", "--out", str(out), "--due", "15/11/2019", "--on", "01/11/2019")
    assert code == 0, err
    plan = Repository(db).plan(PLAN)
    return {request.owner: out / request.file for request in plan.requests}


def fill(source: Path, target: Path, rows: dict[str, dict[str, object]]) -> Path:
    """Write into the owner's cells of the rows of ``rows`` (ref -> field -> value), as an owner would."""
    book = openpyxl.load_workbook(source)
    sheet = book[ACTIONS_SHEET]
    for row in range(HEADER_ROW + 1, sheet.max_row + 1):
        ref = sheet.cell(row, 1).value
        for name, value in rows.get(str(ref), {}).items():
            sheet.cell(row, COLUMN[name]).value = value
    book.save(target)
    return target


def test_a_request_workbook_is_locked_but_where_an_owner_writes(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = ask(capsys, db, tmp_path / "out")
    plan = Repository(db).plan(PLAN)
    owners = owners_of(plan)
    assert set(files) == set(owners)
    assert len(plan.requests) == len(owners) >= 10
    for request in plan.requests:
        assert request.sent_on == ASKED and request.due_on == DUE and request.sent_by == "Programme Office"
        assert [item.ref for item in request.actions] == [action.ref for action in owners[request.owner]]
    owner = "Head of Service, Fieldwork"
    book = openpyxl.load_workbook(files[owner])
    assert book.sheetnames == [ACTIONS_SHEET, HELP_SHEET, META_SHEET]
    assert book[META_SHEET].sheet_state == "veryHidden"
    sheet: Worksheet = book[ACTIONS_SHEET]
    assert sheet.protection.sheet
    refs = [sheet.cell(row, 1).value for row in range(HEADER_ROW + 1, HEADER_ROW + 1 + len(owners[owner]))]
    assert refs == [action.ref for action in owners[owner]]
    first = HEADER_ROW + 1
    for column in range(1, len(READ_ONLY) + 1):
        assert sheet.cell(first, column).protection.locked, f"column {column} should be locked"
    for column in COLUMN.values():
        assert not sheet.cell(first, column).protection.locked, f"column {column} should be open to write in"
    validations = {str(check.sqref): check for check in sheet.data_validations.dataValidation}
    letters = {name: sheet.cell(first, column).column_letter for name, column in COLUMN.items()}
    status_check = next(check for ref, check in validations.items() if ref.startswith(letters["status"]))
    assert status_check.type == "list" and "In progress" in str(status_check.formula1)
    rag_check = next(check for ref, check in validations.items() if ref.startswith(letters["rag"]))
    assert "Amber" in str(rag_check.formula1)
    action = owners[owner][0]
    assert sheet.cell(first, 5).value == action.status.label
    assert sheet.cell(first, 4).value.date() == action.due_on


def test_the_monthly_cycle(tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = ask(capsys, db, tmp_path / "out")
    back = tmp_path / "back"
    back.mkdir()
    plan = Repository(db).plan(PLAN)
    owners = owners_of(plan)
    fieldwork = [action.ref for action in owners["Head of Service, Fieldwork"]]
    psw = [action.ref for action in owners["Principal Social Worker"]]
    disabilities = [action.ref for action in owners["Service Manager, Children with Disabilities"]]
    before = {action.ref: action for action in plan.actions}

    # On time: a new RAG, progress and an update; blank cells elsewhere.
    fill(
        files["Head of Service, Fieldwork"],
        back / "fieldwork.xlsx",
        {
            fieldwork[0]: {"rag": "Red", "progress": 45, "update": "Caseloads still above 21 in two teams"},
            fieldwork[1]: {"due_on": date(2020, 6, 30), "due_reason": "Recruitment campaign moved to spring"},
        },
    )
    # A conflict: the programme office moves the RAG in ipt after the request went out.
    assert before[psw[0]].rag is not Rag.RED
    assert ipt(capsys, db, "update", psw[0], "--rag", "red", by="Programme Office")[0] == 0
    fill(
        files["Principal Social Worker"],
        back / "psw.xlsx",
        {psw[0]: {"rag": "Green", "update": "Practice standards relaunched"}, psw[1]: {"progress": 80}},
    )
    # A proposed due date with no reason: sent back.
    fill(
        files["Service Manager, Children with Disabilities"],
        back / "cwd.xlsx",
        {disabilities[0]: {"due_on": date(2020, 9, 30), "status": "In progress"}},
    )
    # Another owner's name on a workbook: refused.
    wrong = fill(files["Senior Finance Manager"], back / "finance.xlsx", {})
    book = openpyxl.load_workbook(wrong)
    book[META_SHEET]["B4"] = "Principal Social Worker"
    book.save(wrong)
    # Someone else's action pasted into a return: refused.
    pasted = fill(files["Service Manager, Leaving Care"], back / "leaving.xlsx", {})
    book = openpyxl.load_workbook(pasted)
    book[ACTIONS_SHEET].cell(HEADER_ROW + 1, 1).value = fieldwork[2]
    book[ACTIONS_SHEET].cell(HEADER_ROW + 1, COLUMN["rag"]).value = "Blue"
    book.save(pasted)
    # Not a request at all.
    assert ipt(capsys, db, "export", "--format", "xlsx", "--out", str(back / "pack.xlsx"))[0] == 0

    # Preview: every change and every refusal, nothing written.
    revision = Repository(db).revision
    code, out, err = ipt(capsys, db, "returns", str(back), "--dry-run", "--on", "18/11/2019")
    assert code == 1
    assert Repository(db).revision == revision
    old_rag = before[fieldwork[0]].rag
    assert old_rag is not None and f"{fieldwork[0]} RAG: {old_rag.value} → red" in out
    assert f"{fieldwork[1]} Due date: {before[fieldwork[1]].due_on} → 2020-06-30" in out
    asked_rag = before[psw[0]].rag
    assert asked_rag is not None and f"conflict: {psw[0]} RAG: was {asked_rag.label} when asked" in out
    assert "is now Red in ipt, the return says Green; held back" in out
    assert "cwd.xlsx refused" in err and "needs its reason" in err
    assert "finance.xlsx refused: it names 'Principal Social Worker' as the owner" in err
    assert (
        f"leaving.xlsx refused: row {HEADER_ROW + 1}: {fieldwork[2]} "
        "was not asked of Service Manager, Leaving Care" in err
    )
    assert "pack.xlsx refused: it is not a return workbook from ipt" in err
    assert "Traceback" not in err

    # Accept: the good returns are written; the conflict is held back; the refused write nothing.
    code, out, err = ipt(capsys, db, "returns", str(back), "--on", "18/11/2019", by="Programme Office")
    assert code == 1
    repo = Repository(db)
    after = {action.ref: action for action in repo.plan(PLAN).actions}
    assert after[fieldwork[0]].rag is Rag.RED and after[fieldwork[0]].progress == 45
    assert after[fieldwork[0]].updates[-1].text == "Caseloads still above 21 in two teams"
    assert after[fieldwork[0]].updates[-1].on == date(2019, 11, 18)
    assert after[fieldwork[1]].due_on == date(2020, 6, 30)
    moved = after[fieldwork[1]].due_history[-1]
    assert (
        moved.reason == "Recruitment campaign moved to spring"
        and moved.old_due_on == before[fieldwork[1]].due_on
    )
    assert after[fieldwork[2]] == before[fieldwork[2]]  # the pasted row changed nothing
    assert after[psw[0]].rag is Rag.RED  # held back: ipt's change stands
    assert after[psw[0]].updates == before[psw[0]].updates
    assert after[psw[1]].progress == 80  # the rest of that return is applied
    assert after[disabilities[0]] == before[disabilities[0]]
    for ref in set(before) - {fieldwork[0], fieldwork[1], psw[0], psw[1]}:
        assert after[ref].model_dump(exclude={"updates"}) == before[ref].model_dump(exclude={"updates"}), ref

    requests = {request.owner: request for request in repo.plan(PLAN).requests}
    assert requests["Head of Service, Fieldwork"].returned_on == date(2019, 11, 18)
    assert requests["Principal Social Worker"].held_back == [psw[0]]
    assert requests["Service Manager, Children with Disabilities"].returned_on is None
    assert requests["Senior Finance Manager"].returned_on is None
    audit = repo.audit(plan_id=PLAN)
    assert any(e.entity == "return request" and e.field == "returned_on" for e in audit)
    assert any(
        e.entity == "action" and e.key == fieldwork[0] and e.field == "rag" and e.new == "red" for e in audit
    )

    # Resolved: the owner's value is taken for the conflict, once.
    code, out, err = ipt(capsys, db, "returns", str(back), "--take", psw[0], "--on", "18/11/2019")
    repo = Repository(db)
    resolved = repo.plan(PLAN).action(psw[0])
    assert resolved.rag is Rag.GREEN
    assert [u.text for u in resolved.updates].count("Practice standards relaunched") == 1
    again = repo.plan(PLAN).action(fieldwork[0])
    assert [u.text for u in again.updates].count("Caseloads still above 21 in two teams") == 1

    # The chase: late ones first, then the returned.
    chase = chase_list(repo.plan(PLAN), date(2019, 11, 20))
    states = {line.request.owner: line.state for line in chase}
    assert states["Head of Service, Fieldwork"] == "returned"
    assert states["Principal Social Worker"] == "returned"
    assert states["Senior Finance Manager"] == "late"
    assert [line.state for line in chase][-2:] == ["returned", "returned"]
    code, out, _ = ipt(capsys, db, "requests", "--status", "--on", "20/11/2019")
    assert code == 0
    waiting = len(chase) - 2
    assert f"2 of {len(chase)} returned; {waiting} to chase" in out
    assert "LATE, 5 days" in out
    before_due = chase_list(repo.plan(PLAN), date(2019, 11, 10))
    assert {line.state for line in before_due} == {"not yet", "returned"}


def test_keep_applies_the_rest_of_a_conflicting_row(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = ask(capsys, db, tmp_path / "out")
    ref = owners_of(Repository(db).plan(PLAN))["Principal Social Worker"][0].ref
    assert ipt(capsys, db, "update", ref, "--rag", "red")[0] == 0
    back = tmp_path / "back"
    back.mkdir()
    fill(files["Principal Social Worker"], back / "psw.xlsx", {ref: {"rag": "Green", "progress": 90}})
    code, _, err = ipt(capsys, db, "returns", str(back), "--keep", ref)
    assert code == 0, err
    action = Repository(db).plan(PLAN).action(ref)
    assert action.rag is Rag.RED and action.progress == 90


def test_a_blank_return_changes_nothing_but_marks_it_returned(tmp_path: Path, db: Path) -> None:
    repo = Repository(db)
    written: dict[str, bytes] = {}
    from store.returns import make_requests

    made = make_requests(
        repo, PLAN, by="PO", on=ASKED, due=DUE, write=lambda name, data: written.__setitem__(name, data)
    )
    back = tmp_path / "back"
    back.mkdir()
    for name, data in written.items():
        (back / name).write_bytes(data)
    before = repo.plan(PLAN).actions
    found = read_returns(sorted(back.iterdir()), repo.plan(PLAN))
    assert not any(one.refused for one in found), [one.problems for one in found]
    apply_returns(repo, PLAN, found, by="PO", on=date(2019, 11, 12))
    assert repo.plan(PLAN).actions == before
    assert all(request.returned_on == date(2019, 11, 12) for request in repo.plan(PLAN).requests)
    assert len(made) == len(repo.plan(PLAN).requests)


def test_a_request_that_cannot_be_written_is_not_recorded(tmp_path: Path, db: Path) -> None:
    from store.returns import make_requests

    repo = Repository(db)

    def broken(name: str, data: bytes) -> None:
        raise OSError("disk full")

    with pytest.raises(OSError):
        make_requests(repo, PLAN, by="PO", on=ASKED, due=DUE, write=broken)
    assert Repository(db).plan(PLAN).requests == []


def test_text_never_becomes_a_formula(tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = Repository(db)
    ref = repo.plan(PLAN).actions[0].ref
    title = '=HYPERLINK("http://example.invalid","click")'
    assert ipt(capsys, db, "update", ref, "--owner", "=Owner+1", "--note", "@SUM(1)")[0] == 0
    from store.operations import set_fields

    set_fields(repo, PLAN, Action, ref, {"title": title}, by="t")
    files = ask(capsys, db, tmp_path / "out")
    book = openpyxl.load_workbook(files["=Owner+1"])
    sheet = book[ACTIONS_SHEET]
    row = HEADER_ROW + 1
    assert sheet.cell(row, 3).value == title and sheet.cell(row, 3).data_type == "s"
    assert sheet.cell(row, 8).data_type == "s"
    assert sheet["A2"].data_type == "s"


def test_asking_named_owners_only_and_refusing_unknown(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = ipt(
        capsys, db, "requests", "--out", str(tmp_path / "o"), "--owner", "principal social worker"
    )
    assert code == 0, err
    assert [r.owner for r in Repository(db).plan(PLAN).requests] == ["Principal Social Worker"]
    code, _, err = ipt(capsys, db, "requests", "--out", str(tmp_path / "o"), "--owner", "Nobody Here")
    assert code == 1 and "'nobody here' owns no open action" in err
    assert len(Repository(db).plan(PLAN).requests) == 1
    code, _, err = ipt(capsys, db, "requests")
    assert code == 1 and "--out DIR" in err


def test_status_is_complete_word(tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A status chosen from the drop-down is read back as the model's status."""
    files = ask(capsys, db, tmp_path / "out")
    owner = "Principal Social Worker"
    ref = owners_of(Repository(db).plan(PLAN))[owner][0].ref
    back = tmp_path / "back"
    back.mkdir()
    fill(files[owner], back / "r.xlsx", {ref: {"status": "Blocked"}})
    assert ipt(capsys, db, "returns", str(back))[0] == 0
    assert Repository(db).plan(PLAN).action(ref).status is Status.BLOCKED


def test_a_change_saved_after_the_return_was_read_is_still_a_conflict(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The check is made again under the lock: an edit saved between reading and writing is seen."""
    files = ask(capsys, db, tmp_path / "out")
    owner = "Principal Social Worker"
    ref = owners_of(Repository(db).plan(PLAN))[owner][0].ref
    back = tmp_path / "back"
    back.mkdir()
    fill(files[owner], back / "r.xlsx", {ref: {"rag": "Green", "progress": 95}})
    repo = Repository(db)
    found = read_returns(sorted(back.iterdir()), repo.plan(PLAN))
    assert not found[0].conflicts and not found[0].refused
    assert (
        ipt(capsys, db, "update", ref, "--rag", "red", "--progress", "10")[0] == 0
    )  # another officer, meanwhile
    apply_returns(repo, PLAN, found, by="PO", on=date(2019, 11, 12))
    action = Repository(db).plan(PLAN).action(ref)
    assert action.rag is Rag.RED and action.progress == 10
    assert found[0].held_back == [ref]
    assert {conflict.field for conflict in found[0].conflicts} == {"rag", "progress"}
    request = next(r for r in Repository(db).plan(PLAN).requests if r.owner == owner)
    assert request.held_back == [ref] and request.returned_on == date(2019, 11, 12)


def test_an_owner_changed_after_the_return_was_read_refuses_it(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = ask(capsys, db, tmp_path / "out")
    owner = "Principal Social Worker"
    ref = owners_of(Repository(db).plan(PLAN))[owner][0].ref
    back = tmp_path / "back"
    back.mkdir()
    fill(files[owner], back / "r.xlsx", {ref: {"progress": 95}})
    repo = Repository(db)
    found = read_returns(sorted(back.iterdir()), repo.plan(PLAN))
    assert ipt(capsys, db, "update", ref, "--owner", "New Owner")[0] == 0
    revision = Repository(db).revision
    apply_returns(repo, PLAN, found, by="PO", on=date(2019, 11, 12))
    assert found[0].refused and "is now owned by 'New Owner'" in found[0].problems[0]
    assert Repository(db).revision == revision


def test_a_change_saved_while_the_workbooks_are_built_is_in_them(
    tmp_path: Path, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workbooks are built before the store's lock is taken; an edit saved meanwhile makes
    them be built again under it, so the request records what the workbook shows."""
    from store import returns
    from store.operations import set_fields

    repo = Repository(db)
    owner = "Principal Social Worker"
    ref = owners_of(repo.plan(PLAN))[owner][0].ref
    built = returns._workbooks
    calls: list[int] = []

    def build_then_someone_edits(plan: Plan, drafts: list[returns.Draft]) -> list[bytes]:
        calls.append(len(drafts))
        books = built(plan, drafts)
        if len(calls) == 1:
            set_fields(Repository(db), PLAN, Action, ref, {"progress": 77}, by="someone else")
        return books

    monkeypatch.setattr(returns, "_workbooks", build_then_someone_edits)
    written: dict[str, bytes] = {}
    [request] = returns.make_requests(
        repo, PLAN, by="PO", on=ASKED, due=DUE, write=written.__setitem__, owners=[owner]
    )
    assert len(calls) == 2, "built again under the lock"
    assert next(item for item in request.actions if item.ref == ref).progress == 77
    book = openpyxl.load_workbook(io.BytesIO(written[request.file]))
    rows = {row[0]: row for row in book[ACTIONS_SHEET].iter_rows(min_row=HEADER_ROW + 1, values_only=True)}
    assert rows[ref][6] == 77  # % complete now, as recorded


def test_no_change_meanwhile_builds_once(tmp_path: Path, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from store import returns

    built = returns._workbooks
    calls: list[int] = []

    def counted(plan: Plan, drafts: list[returns.Draft]) -> list[bytes]:
        calls.append(len(drafts))
        return built(plan, drafts)

    monkeypatch.setattr(returns, "_workbooks", counted)
    made = returns.make_requests(Repository(db), PLAN, by="PO", on=ASKED, due=DUE, write=lambda n, d: None)
    assert len(calls) == 1 and calls[0] == len(made) >= 10
