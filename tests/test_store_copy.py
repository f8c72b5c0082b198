"""``ipt store copy SRC DST``: a whole store between a file and a database, both ways, losslessly."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from store.repository import Repository
from tui.cli.commands import main

ON = date(2019, 11, 1)


def everything(where: Path | str) -> tuple[object, ...]:
    """What a copy must keep: the plans, the audit trail, the revision and the snapshot files."""
    repo = Repository(where)
    return (
        [repo.plan(plan_id).model_dump(mode="json") for plan_id in repo.plan_ids()],
        [entry.model_dump(mode="json") for entry in repo.audit()],
        repo.revision,
        repo.storage.snapshots().files(),
    )


@pytest.fixture
def worked_file(tmp_path: Path) -> Path:
    """A file store with a history: a sample plan, edits with notes, a moved due date, snapshots."""
    path = tmp_path / "plans.json"
    assert main(["--db", str(path), "init", "--sample", "oldham-2019"]) == 0
    repo = Repository(path)
    plan_id = repo.plan_ids()[0]
    first, second = (action.ref for action in repo.plan(plan_id).actions[:2])
    repo.take_snapshot(plan_id, label="Change Board — September 2019", as_of=date(2019, 9, 30), by="PM")
    repo.update_action(plan_id, first, {"progress": 40}, by="PM", on=ON, note="Recruitment under way")
    repo.update_action(
        plan_id,
        second,
        {"due_on": date(2020, 6, 30)},
        by="Lead",
        on=ON,
        due_reason="Waiting for the new IT system",
    )
    repo.take_snapshot(plan_id, label="Change Board — October 2019", as_of=date(2019, 10, 31), by="PM")
    return path


def test_file_to_database_to_file_keeps_plans_audit_and_snapshots(
    worked_file: Path, pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = everything(worked_file)
    assert len(before[1]) >= 4 and len(before[3]) == 3  # type: ignore[arg-type]

    assert main(["store", "copy", str(worked_file), pg_url]) == 0
    said = capsys.readouterr().out
    assert "Copied 1 plan" in said and "2 snapshots" in said and "to database postgres on" in said
    assert everything(pg_url) == before

    back = tmp_path / "back" / "plans.json"
    assert main(["store", "copy", pg_url, str(back)]) == 0
    assert everything(back) == before

    # The copy is a working store: the next change follows on from the copied revision.
    repo = Repository(pg_url)
    plan_id = repo.plan_ids()[0]
    repo.update_action(plan_id, repo.plan(plan_id).actions[0].ref, {"progress": 55}, by="PM", on=ON)
    assert repo.revision == before[2] + 1  # type: ignore[operator]
    assert len(repo.audit()) == len(before[1]) + 1  # type: ignore[arg-type]


def test_a_copy_never_overwrites_a_store(
    worked_file: Path, pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["store", "copy", str(worked_file), pg_url]) == 0
    capsys.readouterr()
    held = everything(pg_url)
    assert main(["store", "copy", str(worked_file), pg_url]) == 1
    assert "already holds a store; copy only into an empty one" in capsys.readouterr().err
    assert everything(pg_url) == held
    assert main(["store", "copy", pg_url, str(worked_file)]) == 1
    assert "Nothing was copied" in capsys.readouterr().err


def test_an_empty_source_has_nothing_to_copy(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["store", "copy", pg_url, str(tmp_path / "plans.json")]) == 1
    assert "holds no ipt store; there is nothing to copy" in capsys.readouterr().err
    assert not (tmp_path / "plans.json").exists()
