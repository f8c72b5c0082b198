"""`ipt review` and `ipt reviews`: a whole change board from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from store.models import ReviewState
from store.repository import Repository
from tui.cli.commands import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_board_from_start_to_close(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = str(tmp_path / "plans.json")
    assert run(capsys, "--db", db, "init", "--sample", "oldham-2019")[0] == 0
    code, out, _ = run(
        capsys,
        "--db",
        db,
        "--by",
        "Clerk",
        "review",
        "start",
        "--date",
        "2019-10-03",
        "--attendees",
        "Director, Finance partner",
        "--next",
        "2019-11-07",
    )
    assert code == 0 and "R0001" in out and "QP-02" in out and "M3-SIU" in out
    assert "M3-MISC" not in out  # an 18k variance is under the default £100k tolerance
    code, out, err = run(
        capsys,
        "--db",
        db,
        "--by",
        "Clerk",
        "review",
        "note",
        "R0001",
        "QP-02",
        "--commentary",
        "Standard drafted; sign-off at practice board",
        "--decision",
        "Move to 31 October",
        "--due",
        "2019-10-31",
        "--due-reason",
        "Practice board date",
        "--rag",
        "amber",
    )
    assert code == 0, err
    code, _, err = run(capsys, "--db", db, "review", "note", "R0001", "QP-02", "--due", "2019-11-30")
    assert code == 1 and "needs a reason" in err
    assert run(capsys, "--db", db, "review", "decide", "R0001", "Agency reduction report in November")[0] == 0
    code, out, _ = run(capsys, "--db", db, "review", "close", "R0001")
    assert code == 0 and "snapshot S0001" in out
    code, out, _ = run(capsys, "--db", db, "reviews")
    assert code == 0 and "closed" in out and "S0001" in out
    code, out, _ = run(capsys, "--db", db, "review", "show", "R0001")
    assert "Move to 31 October" in out and "Agency reduction report" in out
    code, _, err = run(capsys, "--db", db, "review", "decide", "R0001", "too late")
    assert code == 1 and "closed" in err

    repo = Repository(Path(db))
    session = repo.plan("oldham-2019").reviews[0]
    assert session.state is ReviewState.CLOSED
    action = repo.plan("oldham-2019").action("QP-02")
    assert action.due_history[-1].reason == "Practice board date"
    assert repo.snapshots.get("S0001").plan.action("QP-02").rag == "amber"


def test_review_start_names_its_board_in_one_save(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = str(tmp_path / "plans.json")
    assert run(capsys, "--db", db, "init", "--sample", "oldham-2019")[0] == 0
    revision = Repository(Path(db)).revision
    code, _, err = run(
        capsys, "--db", db, "review", "start", "--date", "2019-10-03", "--board", "Extraordinary board"
    )
    assert code == 0, err
    repo = Repository(Path(db))
    assert repo.plan("oldham-2019").reviews[0].board == "Extraordinary board"
    assert repo.revision == revision + 1
