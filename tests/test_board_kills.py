"""kill -9 during ``ipt review close`` and ``ipt review note`` (20 kills each; ``make faults`` runs 100).

The campaign is in ``tests/faults/board_kills.py``. The last test shows that its checks
catch the half-done states a board operation made of two saves used to leave.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from store.repository import Repository
from tests.faults import board_kills
from tests.faults.campaign import render


@pytest.mark.parametrize("operation", board_kills.OPERATIONS)
def test_a_killed_board_operation_leaves_before_or_after(operation: str, tmp_path: Path) -> None:
    section = board_kills.board_kill_campaign(
        operation, tmp_path, kills=20, seed=31, exec_every=10, calibrations=2
    )
    # Two of the kills are of a real `python -m tui.cli` process, the rest of forked workers.
    assert section.ok, f"{section.failures()}\n{render([section])}"


def test_the_checks_catch_a_half_done_close_and_a_half_done_note(tmp_path: Path) -> None:
    board = board_kills.prepare_board(tmp_path / "template")
    # A close that took its snapshot and was killed before the session's close was stored.
    store = board_kills.fresh_copy(board, tmp_path / "close")
    repo = Repository(store)
    repo.take_snapshot(board.plan_id, label="Board", as_of=date(2019, 10, 31), by="board")
    verdict = board_kills.judge_close(store, board)
    assert verdict.state == "neither"
    assert not verdict.retry_ok  # the retry takes a second snapshot
    # A note that changed the action and was killed before the board's commentary was stored.
    note = board_kills.Note(progress=77, text="Agreed")
    store = board_kills.fresh_copy(board, tmp_path / "note")
    Repository(store).update_action(
        board.plan_id, board.subject, {"progress": 77}, by="board", on=date(2019, 10, 31), note="Agreed"
    )
    verdict = board_kills.judge_note(store, board, note)
    assert verdict.state == "neither"
    assert verdict.why == [f"action {board.subject} changed but the board's commentary unchanged"]
    # And the untouched copy is the state before, the real command's result the state after.
    store = board_kills.fresh_copy(board, tmp_path / "clean")
    assert board_kills.judge_note(store, board, note).state == "before"
    code, _ = board_kills.cli(board_kills.note_argv(store, board, note))
    assert code == 0
    assert board_kills.judge_note(store, board, note).state == "after"
