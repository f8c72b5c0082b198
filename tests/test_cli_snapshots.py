"""`ipt snapshot`, `ipt snapshots` and `ipt compare`: messages, exit codes, literal user text."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from store.repository import Repository
from store.snapshots import SnapshotStore
from tests.conftest import make_plan
from tui.cli.commands import main

MARKUP_LABEL = "[bold red]Change Board[/] — October 2019"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "plans.json"
    Repository(path).add_plan(make_plan(), by="tester")
    return path


def run(capsys: pytest.CaptureFixture[str], db: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--db", str(db), "--by", "Programme Manager", *args])
    captured = capsys.readouterr()
    return code, captured.out, " ".join(captured.err.split())  # errors wrap at the terminal width


def test_snapshot_prints_id_and_label_literally(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    code, out, err = run(capsys, db, "snapshot", "--label", MARKUP_LABEL, "--as-of", "2019-10-03")
    assert (code, err) == (0, "")
    assert "S0001" in out and MARKUP_LABEL in out and "03 Oct 2019" in out
    header = SnapshotStore(db).list()[0]
    assert (header.label, header.taken_by, header.revision) == (MARKUP_LABEL, "Programme Manager", 1)


def test_snapshot_needs_a_label(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    with pytest.raises(SystemExit) as excinfo:
        run(capsys, db, "snapshot")
    assert excinfo.value.code == 2
    code, _, err = run(capsys, db, "snapshot", "--label", "  ")
    assert code == 1 and "label" in err
    assert SnapshotStore(db).list() == []


def test_snapshots_lists_oldest_first_with_literal_labels(
    capsys: pytest.CaptureFixture[str], db: Path
) -> None:
    code, out, _ = run(capsys, db, "snapshots")
    assert code == 0 and "No snapshots of plan test-plan yet" in out
    run(capsys, db, "snapshot", "--label", MARKUP_LABEL, "--as-of", "2019-10-03")
    run(capsys, db, "snapshot", "--label", "November board", "--as-of", "2019-11-07")
    code, out, _ = run(capsys, db, "snapshots")
    assert code == 0
    assert MARKUP_LABEL in out and "Programme Manager" in out
    assert out.index("S0001") < out.index("S0002")
    code, out, _ = run(capsys, db, "snapshots", "--all")
    assert code == 0 and "test-plan" in out and "November board" in out


def test_compare_needs_two_snapshots(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    code, out, err = run(capsys, db, "compare")
    assert code == 1 and out == ""
    assert "no snapshots" in err and "ipt snapshot --label" in err
    run(capsys, db, "snapshot", "--label", "October", "--as-of", "2019-10-03")
    code, _, err = run(capsys, db, "compare")
    assert code == 1 and "only one snapshot (S0001, October)" in err


def test_compare_latest_two_as_tables_and_json(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    run(capsys, db, "snapshot", "--label", MARKUP_LABEL, "--as-of", "2019-10-03")
    code, _, _ = run(
        capsys, db, "update", "WF-01", "--status", "complete", "--progress", "100", "--rag", "blue",
        "--completed", "2019-10-20", "--on", "2019-10-20",
    )  # fmt: skip
    assert code == 0
    run(capsys, db, "snapshot", "--label", "November board", "--as-of", "2019-12-03")
    code, out, err = run(capsys, db, "compare")
    assert (code, err) == (0, "")
    assert MARKUP_LABEL in out and "November board" in out
    assert "Newly complete (1)" in out and "WF-01" in out and "20 Oct 2019" in out
    assert "RAG first assessed or cleared (1)" in out
    assert "Progress moved (1)" in out and "+100" in out
    assert "Newly overdue (1)" in out and "WF-02" in out  # WF-03 is due on the day: not late yet
    assert "Spend moved" not in out and "No changes" not in out

    code, out, _ = run(capsys, db, "compare", "--json")
    assert code == 0
    data = orjson.loads(out)
    assert data["before"]["label"] == MARKUP_LABEL and data["after"]["id"] == "S0002"
    assert [item["action"]["ref"] for item in data["newly_complete"]] == ["WF-01"]
    assert data["is_empty"] is False


def test_compare_named_snapshots(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    for label in ("one", "two", "three"):
        run(capsys, db, "snapshot", "--label", label, "--as-of", "2019-10-03")
    code, out, _ = run(capsys, db, "compare", "S0001", "s3")
    assert code == 0 and "No changes" in out and "one" in out and "three" in out
    code, out, _ = run(capsys, db, "compare", "2")
    assert code == 0 and "from S0002" in out and "to S0003" in out
    code, _, err = run(capsys, db, "compare", "S0003")
    assert code == 1 and "S0003 is the latest snapshot" in err
    code, _, err = run(capsys, db, "compare", "S0001", "S0042")
    assert code == 1 and "no snapshot S0042" in err


def test_compare_refuses_snapshots_of_different_plans(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    Repository(db).add_plan(make_plan("other-plan"), by="tester")
    run(capsys, db, "--plan", "test-plan", "snapshot", "--label", "ours")
    run(capsys, db, "--plan", "other-plan", "snapshot", "--label", "theirs")
    code, _, err = run(capsys, db, "compare", "S0001", "S0002")
    assert code == 1 and "only snapshots of one plan can be compared" in err


def test_damaged_snapshot_is_reported_by_name(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    run(capsys, db, "snapshot", "--label", "one")
    run(capsys, db, "snapshot", "--label", "two")
    damaged = db.with_name("plans.json.snapshots") / "S0002.json"
    damaged.write_bytes(b"not json")
    code, out, _ = run(capsys, db, "snapshots")
    assert code == 0 and "two" in out
    code, _, err = run(capsys, db, "compare")
    assert code == 1 and "S0002.json" in err and "cannot read this snapshot" in err
