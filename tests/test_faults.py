"""Survival: kill -9 during saves, concurrent writers, a killed lock holder.

Workers are forked from the test process so that hundreds of them start in
milliseconds; each runs the real ``ipt`` command-line entry point.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from store.repository import Repository
from tests.conftest import make_plan
from tui.cli.commands import main

FORK = multiprocessing.get_context("fork")


def _updates_forever(store: str, write_fd: int) -> None:
    """Run `ipt update` over and over, reporting each start and finish on a pipe."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    n = int(time.time_ns() % 1_000_000) * 100
    while True:
        n += 1
        os.write(write_fd, f"s{n}\n".encode())
        main(
            [
                "--db",
                store,
                "--by",
                "worker",
                "update",
                "WF-01",
                "--progress",
                str(n % 101),
                "--note",
                f"note {n}",
                "--on",
                "2019-10-03",
            ]
        )
        os.write(write_fd, f"d{n}\n".encode())


def _read_all(fd: int) -> str:
    os.set_blocking(fd, False)
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode()


def _kill_during_saves(store: Path, kills: int, seed: int) -> tuple[int, int]:
    """Kill workers at random moments; return (kills that hit mid-update, kills total)."""
    rng = random.Random(seed)
    mid_update = 0
    for _ in range(kills):
        before = Repository(store).plan("test-plan").action("WF-01")
        read_fd, write_fd = os.pipe()
        worker = FORK.Process(target=_updates_forever, args=(str(store), write_fd))
        worker.start()
        os.close(write_fd)
        time.sleep(rng.uniform(0.0, 0.04))
        os.kill(worker.pid, signal.SIGKILL)  # type: ignore[arg-type]
        worker.join()
        events = _read_all(read_fd).split()
        os.close(read_fd)
        survivor = Repository(store).plan("test-plan").action("WF-01")  # must load, every time
        done = [e for e in events if e.startswith("d")]
        started = [e for e in events if e.startswith("s")]
        notes = [u.text for u in survivor.updates]
        if started and len(started) > len(done):
            mid_update += 1
            in_flight = f"note {started[-1][1:]}"
            last_done = f"note {done[-1][1:]}" if done else None
            expected = {
                last_done if last_done else (before.updates[-1].text if before.updates else None),
                in_flight,
            }
            assert (notes[-1] if notes else None) in expected
        elif done:
            assert notes[-1] == f"note {done[-1][1:]}"
        # the audit trail agrees with the store: one updates entry per note, no orphans
        audit_notes = [
            e.new["text"]
            for e in Repository(store).audit("test-plan", "action", "WF-01")
            if e.field == "updates"
        ]
        assert audit_notes == notes
    return mid_update, kills


def test_kill_9_during_ipt_update_never_breaks_the_store(tmp_path: Path) -> None:
    store = tmp_path / "plans.json"
    Repository(store).add_plan(make_plan(), by="pm")
    mid_update, total = _kill_during_saves(store, kills=200, seed=20191003)
    assert total == 200
    assert mid_update >= 100, f"only {mid_update} kills landed during an update"


def _note_writer(store: str, worker: int, count: int) -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    for n in range(count):
        code = main(
            [
                "--db",
                store,
                "--by",
                f"worker{worker}",
                "update",
                f"WF-0{1 + n % 3}",
                "--note",
                f"w{worker} n{n}",
                "--on",
                "2019-10-03",
            ]
        )
        if code != 0:
            os._exit(10 + code)
    os._exit(0)


def _run_workers(target: Callable[..., None], args_list: list[tuple[object, ...]]) -> list[int | None]:
    workers = [FORK.Process(target=target, args=args) for args in args_list]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    return [worker.exitcode for worker in workers]


def test_four_processes_never_lose_each_others_notes(tmp_path: Path) -> None:
    store = tmp_path / "plans.json"
    Repository(store).add_plan(make_plan(), by="pm")
    codes = _run_workers(_note_writer, [(str(store), w, 50) for w in range(4)])
    assert codes == [0, 0, 0, 0]
    repo = Repository(store)
    notes = [u.text for a in repo.plan("test-plan").actions for u in a.updates]
    assert len(notes) == 200
    assert set(notes) == {f"w{w} n{n}" for w in range(4) for n in range(50)}
    assert repo.revision == 201
    revisions = [e.revision for e in repo.audit() if e.field == "updates"]
    assert sorted(revisions) == list(range(2, 202))


def _hold_lock_forever(store: str, ready_fd: int) -> None:
    repo = Repository(Path(store))
    with repo._locked():
        os.write(ready_fd, b"locked\n")
        time.sleep(600)


def test_a_killed_lock_holder_does_not_block_the_next_save(tmp_path: Path) -> None:
    store = tmp_path / "plans.json"
    Repository(store).add_plan(make_plan(), by="pm")
    read_fd, write_fd = os.pipe()
    holder = FORK.Process(target=_hold_lock_forever, args=(str(store), write_fd))
    holder.start()
    assert os.read(read_fd, 16) == b"locked\n"
    blocked = Repository(store, lock_timeout=0.3)
    with pytest.raises(Exception, match=r"did not finish within 0\.3s"):
        blocked.update_action("test-plan", "WF-01", {"progress": 1}, by="pm", on=date(2019, 10, 3))
    os.kill(holder.pid, signal.SIGKILL)  # type: ignore[arg-type]
    holder.join()
    started = time.monotonic()
    Repository(store, lock_timeout=5).update_action(
        "test-plan", "WF-01", {"progress": 2}, by="pm", on=date(2019, 10, 3)
    )
    assert time.monotonic() - started < 5
    assert Repository(store).plan("test-plan").action("WF-01").progress == 2


def test_kill_9_during_restore_backup_always_leaves_a_store(tmp_path: Path) -> None:
    """20 kills of `ipt restore-backup` (the full campaign, `make faults`, runs 200)."""
    from tests.faults import campaign

    section = campaign.restore_kill_campaign(tmp_path, kills=20, seed=11, min_mid_restore=3)
    assert section.ok, f"{section.failures()}\n{campaign.render([section])}"
