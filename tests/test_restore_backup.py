"""`ipt restore-backup`: refuses a healthy store without --force, never leaves no store,
keeps the file it replaces, and the undone save's audit lines never come back."""

from __future__ import annotations

import errno
import multiprocessing
import os
import signal
import time
from datetime import date
from pathlib import Path

import filelock
import orjson
import pytest

from store.backup import restore, undone_journal_path
from store.errors import StoreBusy
from store.journal import journal_path
from store.repository import Repository
from store.storage import backup_path
from tests.conftest import make_plan
from tui.cli.commands import main

ON = date(2019, 10, 3)
FORK = multiprocessing.get_context("fork")


def _store(tmp_path: Path) -> Path:
    """Revision 1: the plan added; revision 2: WF-01 at 40% with a note (the backup is revision 1)."""
    store = tmp_path / "plans.json"
    Repository(store).add_plan(make_plan(), by="pm")
    Repository(store).update_action(
        "test-plan", "WF-01", {"progress": 40}, by="kim", on=ON, note="the save to undo"
    )
    return store


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and p.suffix != ".lock"}


def _history(store: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    capsys.readouterr()
    assert main(["--db", str(store), "show", "WF-01", "--json"]) == 0
    history: list[dict[str, object]] = orjson.loads(capsys.readouterr().out)["history"]
    return history


def test_a_healthy_store_is_refused_naming_the_save_it_would_undo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = _store(tmp_path)
    repo = Repository(store)
    before = _files(tmp_path)
    assert main(["--db", str(store), "restore-backup"]) == 1
    message = " ".join(capsys.readouterr().err.split())
    assert f"revision 2 (commit {repo.token})" in message
    when = repo.audit()[-1].at.strftime("%Y-%m-%d %H:%M:%S UTC")
    assert f"saved {when} by kim (action WF-01: progress, updates)" in message
    assert "Restoring the backup (revision 1) would undo that save" in message
    assert "Nothing was changed" in message
    assert "restore-backup --force" in message
    assert _files(tmp_path) == before


def test_force_restores_a_healthy_store_and_keeps_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = _store(tmp_path)
    healthy, backup = store.read_bytes(), backup_path(store).read_bytes()
    token = Repository(store).token
    assert main(["--db", str(store), "restore-backup", "--force"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert f"to revision 1, undoing revision 2 (commit {token})" in out
    assert store.read_bytes() == backup
    assert backup_path(store).read_bytes() == backup
    (kept,) = tmp_path.glob("plans.json.undone-*")
    assert kept.read_bytes() == healthy
    assert str(kept) in out
    restored = Repository(store)
    assert restored.revision == 1
    assert restored.plan("test-plan").action("WF-01").progress == 0
    # The undone save's audit lines are set aside, not lost.
    undone = [orjson.loads(line) for line in undone_journal_path(store).read_bytes().splitlines()]
    assert {(line["revision"], line["txn"]) for line in undone} == {(2, token)}
    assert all(b'"revision":2' not in line for line in journal_path(store).read_bytes().splitlines())


def test_a_damaged_store_is_restored_and_the_damaged_file_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = _store(tmp_path)
    damaged = store.read_bytes()[:100]
    store.write_bytes(damaged)
    assert main(["--db", str(store), "restore-backup"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    (kept,) = tmp_path.glob("plans.json.damaged-*")
    assert kept.read_bytes() == damaged
    assert f"Restored {store} to revision 1; the damaged file is kept at {kept}" in out
    assert Repository(store).revision == 1


@pytest.mark.parametrize("backup", [None, b'{"meta": {"1": {"schema_versi', b"[]"])
def test_no_usable_backup_is_a_clear_failure_that_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], backup: bytes | None
) -> None:
    store = _store(tmp_path)
    store.write_bytes(store.read_bytes()[:100])
    if backup is None:
        backup_path(store).unlink()
    else:
        backup_path(store).write_bytes(backup)
    before = _files(tmp_path)
    assert main(["--db", str(store), "restore-backup", "--force"]) == 1
    message = " ".join(capsys.readouterr().err.split())
    assert f"{backup_path(store)}: there is no usable backup to restore" in message
    assert ("does not exist" if backup is None else "it is not a valid store") in message
    assert "Nothing was changed" in message
    assert _files(tmp_path) == before


def test_a_missing_store_is_restored_from_its_backup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = _store(tmp_path)
    store.unlink()
    assert main(["--db", str(store), "restore-backup"]) == 0
    assert "(there was no store)" in " ".join(capsys.readouterr().out.split())
    assert Repository(store).revision == 1


def test_restoring_twice_changes_nothing_the_second_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = _store(tmp_path)
    assert main(["--db", str(store), "restore-backup", "--force"]) == 0
    before = _files(tmp_path)
    assert main(["--db", str(store), "restore-backup"]) == 0
    assert "already holds the backup (revision 1); nothing was changed" in " ".join(
        capsys.readouterr().out.split()
    )
    assert _files(tmp_path) == before


def test_without_hard_links_the_store_is_kept_as_a_durable_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _store(tmp_path)
    damaged = store.read_bytes()[:100]
    store.write_bytes(damaged)

    def no_links(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EPERM, os.strerror(errno.EPERM))

    monkeypatch.setattr(os, "link", no_links)
    result = restore(store, stamp="20191003T120000")
    assert result.kept == tmp_path / "plans.json.damaged-20191003T120000"
    assert result.kept.read_bytes() == damaged
    assert Repository(store).revision == 1
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name]


def _hold_lock(store: str, ready_fd: int) -> None:
    """Hold the lock every save takes (``plans.json.lock``) until killed."""
    with filelock.FileLock(store + ".lock"):
        os.write(ready_fd, b"locked\n")
        time.sleep(600)


def test_restore_waits_for_the_lock_and_changes_nothing_while_it_is_held(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.write_bytes(store.read_bytes()[:100])
    before = _files(tmp_path)
    read_fd, write_fd = os.pipe()
    holder = FORK.Process(target=_hold_lock, args=(str(store), write_fd))
    holder.start()
    os.close(write_fd)
    try:
        assert os.read(read_fd, 16) == b"locked\n"
        with pytest.raises(StoreBusy):
            restore(store, stamp="busy", lock_timeout=0.2)
        assert _files(tmp_path) == before
    finally:
        os.kill(holder.pid, signal.SIGKILL)  # type: ignore[arg-type]
        holder.join()
    assert restore(store, stamp="free").changed


def test_after_a_restore_and_new_saves_the_undone_save_is_not_in_the_history(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = _store(tmp_path)
    assert main(["--db", str(store), "restore-backup", "--force"]) == 0
    repo = Repository(store)
    repo.update_action("test-plan", "WF-01", {"progress": 10}, by="pm", on=ON, note="revision 2 again")
    assert repo.revision == 2
    repo.update_action("test-plan", "WF-01", {"progress": 20}, by="pm", on=ON)
    history = _history(store, capsys)
    assert "the save to undo" not in str(history)
    assert [entry["new"] for entry in history if entry["field"] == "progress"] == [10, 20]


def _put_undone_lines_back(store: Path) -> None:
    """What a restore killed after replacing the store, before setting the lines aside, leaves."""
    with journal_path(store).open("ab") as journal:
        journal.write(undone_journal_path(store).read_bytes())
    undone_journal_path(store).unlink()


def test_the_token_rule_ignores_undone_lines_left_in_the_journal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = _store(tmp_path)
    restore(store, stamp="x", force=True)
    _put_undone_lines_back(store)
    repo = Repository(store)
    assert "the save to undo" not in str(_history(store, capsys))
    repo.update_action("test-plan", "WF-01", {"progress": 10}, by="pm", on=ON, note="revision 2 again")
    assert "the save to undo" not in str(_history(store, capsys))
    repo.update_action("test-plan", "WF-01", {"progress": 20}, by="pm", on=ON)
    history = _history(store, capsys)
    assert "the save to undo" not in str(history)
    assert [entry["new"] for entry in history if entry["field"] == "progress"] == [10, 20]


def test_a_save_with_no_audit_line_does_not_bring_the_undone_lines_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = _store(tmp_path)
    restore(store, stamp="x", force=True)
    repo = Repository(store)
    repo.update_action("test-plan", "WF-01", {"progress": 0}, by="pm", on=ON)  # changes nothing
    assert repo.revision == 2
    repo.update_action("test-plan", "WF-01", {"progress": 20}, by="pm", on=ON)
    assert "the save to undo" not in str(_history(store, capsys))


def test_running_restore_again_sets_aside_lines_a_killed_restore_left(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = _store(tmp_path)
    restore(store, stamp="x", force=True)
    _put_undone_lines_back(store)
    assert not restore(store, stamp="y").changed
    repo = Repository(store)
    repo.update_action("test-plan", "WF-01", {"progress": 0}, by="pm", on=ON)  # no audit line
    repo.update_action("test-plan", "WF-01", {"progress": 20}, by="pm", on=ON)
    assert "the save to undo" not in str(_history(store, capsys))


def test_undone_lines_left_by_a_killed_restore_are_superseded_by_a_save_with_no_audit_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = _store(tmp_path)
    restore(store, stamp="x", force=True)
    _put_undone_lines_back(store)
    repo = Repository(store)
    repo.update_action("test-plan", "WF-01", {"progress": 0}, by="pm", on=ON)  # no audit line
    repo.update_action("test-plan", "WF-01", {"progress": 20}, by="pm", on=ON)
    assert "the save to undo" not in str(_history(store, capsys))
