"""kill -9 during the change board's two writing steps: ``ipt review close`` and ``ipt review note``.

Each is one store transaction, so a kill at any moment must leave the state before it or the
state after it, never a mix:

- ``ipt review close R0001``: before, the session is open and no new snapshot can be seen
  (``Repository.snapshots``, ``ipt snapshots``); after, the session is closed, its
  ``snapshot_id`` names a snapshot that opens, and exactly one new snapshot can be seen. The
  audit trail has the session's ``state`` change exactly when it is closed. A close that was
  killed before it landed is then run again and must leave exactly one snapshot; one that
  landed must refuse a second close.
- ``ipt review note R0001 REF --progress N --commentary T``: before, the action and the
  session are as they were; after, the action's progress is N, it has one new update reading
  T, and the agenda item's commentary is T, all stored by one save. The audit trail says the
  same.

Every attempt starts from a fresh copy of one prepared store (a sample plan with a session
started on its board day). The command is killed at a random moment, drawn from 0 to 1.2
times its measured run time, in one of three ways:

- a real ``python -m tui.cli`` process (``exec``): the delay covers the whole command,
  starting the interpreter and importing included, as a user's kill would;
- a worker forked from this process with every module already loaded, running the same
  ``tui.cli.commands.main`` entry point, the delay counted from ``main()`` (``fork``) or from the
  command's first write (``aimed``: the snapshot file for a close, the audit journal for a
  note), so that many kills land inside the transaction.

Run alone with ``python -m tests.faults.board_kills [--kills N]``; ``make faults`` runs it as
part of ``tests.faults.campaign``; ``tests/test_board_kills.py`` runs 20 kills of each in
``make test``.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from store.errors import StoreError
from store.journal import journal_path
from store.models import ReviewState
from store.repository import Repository
from store.snapshots import snapshots_folder
from tests.faults.campaign import Events, Section, _fork, _quiet, _wait, render, timed

SAMPLE = "oldham-2019"
HELD_ON = "2019-10-31"
BY = "board"
REPO_ROOT = Path(__file__).resolve().parents[2]
CLI = (sys.executable, "-m", "tui.cli")
"""The real command line, as a user runs it."""
STRETCH = 1.2
"""Kill delays are drawn from 0 to this many times the command's measured run time."""
_SNAPSHOT_ID = re.compile(r"\bS\d{4,}\b")
_SNAPSHOT_FILE = re.compile(r"^S\d+\.json$")


# The prepared store ---------------------------------------------------------------------------


def cli(argv: Sequence[str]) -> tuple[int, str]:
    """Run ``tui.cli.commands.main`` in this process; its exit code and what it printed."""
    from tui.cli.commands import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main(list(argv))
    return code, out.getvalue()


@dataclass(frozen=True)
class Board:
    """The prepared store every attempt copies: a sample plan with session ``review_id`` open."""

    folder: Path
    plan_id: str
    review_id: str
    subject: str
    """An agenda item of the session that is an action, so ``--progress`` applies to it."""
    revision: int
    action: dict[str, Any]
    session: dict[str, Any]
    audit: list[dict[str, Any]]
    snapshots: list[str]
    """Ids of the snapshots visible before (none for a fresh sample)."""
    journal_size: int

    @property
    def store(self) -> Path:
        return self.folder / "plans.json"


def prepare_board(folder: Path, sample: str = SAMPLE) -> Board:
    """``ipt init --sample`` then ``ipt review start --date`` in ``folder``; pick an action item."""
    folder.mkdir(parents=True, exist_ok=True)
    store = folder / "plans.json"
    for argv in (["init", "--sample", sample], ["review", "start", "--date", HELD_ON]):
        code, out = cli(["--db", str(store), "--by", BY, *argv])
        if code != 0:
            raise RuntimeError(f"ipt {' '.join(argv)} failed: {out}")
    repo = Repository(store)
    plan_id = repo.default_plan_id()
    assert plan_id is not None
    plan = repo.plan(plan_id)
    session = plan.reviews[-1]
    refs = {action.ref for action in plan.actions}
    subject = next(item.subject for item in session.items if item.subject in refs)
    code, shown = cli(["--db", str(store), "review", "show", session.id])
    if code != 0 or subject not in shown:
        raise RuntimeError(f"ipt review show does not list {subject}: {shown}")
    return Board(
        folder=folder,
        plan_id=plan_id,
        review_id=session.id,
        subject=subject,
        revision=repo.revision,
        action=plan.action(subject).model_dump(mode="json"),
        session=session.model_dump(mode="json"),
        audit=[entry.model_dump(mode="json") for entry in repo.audit()],
        snapshots=[header.id for header in repo.snapshots.list(plan_id)],
        journal_size=journal_path(store).stat().st_size,
    )


def fresh_copy(board: Board, work: Path) -> Path:
    """``work`` becomes a copy of the prepared store and everything beside it; returns the store."""
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(board.folder, work)
    return work / "plans.json"


# Running and killing the command ----------------------------------------------------------------


def _forked_command(argv: Sequence[str], write_fd: int) -> None:
    """In a worker: the real entry point, saying on the pipe when it starts (``s``), when it
    starts writing (``w``: a snapshot file or the audit journal, whichever comes first) and ends."""
    import store.snapshots
    from store.journal import AuditJournal
    from tui.cli.commands import main

    _quiet()
    said: list[bool] = []

    def announcing(original: Callable[..., Any]) -> Callable[..., Any]:
        def first_write(*args: Any, **kwargs: Any) -> Any:
            if not said:
                said.append(True)
                os.write(write_fd, b"w\n")
            return original(*args, **kwargs)

        return first_write

    # Only in this worker's memory: the parent and other workers keep the originals.
    snapshots_module = vars(store.snapshots)
    snapshots_module["write_atomically"] = announcing(snapshots_module["write_atomically"])
    setattr(AuditJournal, "append", announcing(AuditJournal.append))  # noqa: B010
    os.write(write_fd, b"s\n")
    code = main(list(argv))
    os.write(write_fd, f"d{code}\n".encode())
    os._exit(code)


@dataclass
class Run:
    """One command started by :func:`launch`: kill it, or wait for it."""

    how: str
    pid: int
    started: float
    """When the command started: the process was created (exec) or entered ``main`` (fork)."""
    process: subprocess.Popen[bytes] | None = None
    events: Events | None = None

    def writing(self) -> float:
        """When a forked worker said it started writing (now, if it never did in 30 s)."""
        assert self.events is not None
        self.events.wait_for("w", 1, timeout=30)
        return time.monotonic()

    @property
    def log(self) -> list[str]:
        return self.events.seen if self.events is not None else []

    def finish(self, *, kill: bool) -> int:
        """Its exit code (``-9`` if the kill landed first); kills it first when ``kill``."""
        if self.process is not None:
            if kill and self.process.poll() is None:
                self.process.send_signal(signal.SIGKILL)
            return self.process.wait()
        if kill:
            os.kill(self.pid, signal.SIGKILL)  # a zombie until waited for, so never another process
        code = _wait(self.pid)
        assert self.events is not None
        self.events.drain()
        return code


def launch(how: str, argv: Sequence[str], command: Sequence[str] = CLI) -> Run:
    """Start ``ipt argv``: ``exec``, ``command`` as a new process; otherwise a forked worker."""
    if how == "exec":
        started = time.monotonic()
        process = subprocess.Popen(
            [*command, *argv],
            cwd=REPO_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return Run(how, process.pid, started, process=process)
    read_fd, write_fd = os.pipe()
    pid = _fork(functools.partial(_forked_command, argv, write_fd))
    os.close(write_fd)
    events = Events(read_fd)
    events.wait_for("s", 1, timeout=30)
    return Run(how, pid, time.monotonic(), events=events)


# Judging what a kill left -----------------------------------------------------------------------


@dataclass
class Verdict:
    """What one kill left: ``state`` is before, after, or what went wrong."""

    state: str
    audit_ok: bool = True
    mid: bool = False
    """Traces on disk show the command had started writing (snapshot file, journal lines)."""
    retry_ok: bool = True
    one_save: bool = True
    why: list[str] = field(default_factory=list)


def _open(store: Path) -> Repository | Verdict:
    if not store.exists():
        return Verdict("missing", why=["the store file is gone"])
    try:
        return Repository(store)
    except StoreError as error:
        return Verdict("unreadable", why=[str(error)[:200]])


def _new_audit(repo: Repository, board: Board) -> tuple[list[dict[str, Any]], bool]:
    """Audit entries the command added, and whether the old ones are still exactly there."""
    entries = [entry.model_dump(mode="json") for entry in repo.audit()]
    return entries[len(board.audit) :], entries[: len(board.audit)] == board.audit


def _journal_grew(store: Path, board: Board) -> bool:
    path = journal_path(store)
    return path.exists() and path.stat().st_size > board.journal_size


def _listed_snapshots(store: Path, board: Board) -> list[str] | None:
    """New snapshot ids ``ipt snapshots`` lists; None if it fails."""
    code, out = cli(["--db", str(store), "snapshots"])
    if code != 0:
        return None
    return [found for found in _SNAPSHOT_ID.findall(out) if found not in board.snapshots]


def _session(repo: Repository, board: Board) -> dict[str, Any]:
    found = next(s for s in repo.plan(board.plan_id).reviews if s.id == board.review_id)
    return found.model_dump(mode="json")


def _close_state(store: Path, repo: Repository, board: Board) -> tuple[str, list[str]]:
    """``before``, ``after`` or ``neither`` for a close, with what was wrong."""
    session = _session(repo, board)
    new = [h.id for h in repo.snapshots.list(board.plan_id) if h.id not in board.snapshots]
    listed = _listed_snapshots(store, board)
    if session["state"] == ReviewState.OPEN.value:
        why = [f"session open but {len(new)} new snapshot(s) visible: {new}"] if new else []
        if listed:
            why.append(f"session open but `ipt snapshots` lists {listed}")
        if session != board.session:
            why.append("session open but changed")
        return ("neither" if why else "before"), why
    why = []
    snapshot_id = session["snapshot_id"]
    try:
        snapshot = repo.snapshots.get(snapshot_id)
        if snapshot.revision != board.revision:
            why.append(f"snapshot {snapshot_id} froze revision {snapshot.revision}, not {board.revision}")
    except StoreError as error:
        why.append(f"session closed but its snapshot {snapshot_id} does not open: {error}")
    if new != [snapshot_id]:
        why.append(f"session closed with {snapshot_id} but visible new snapshots are {new}")
    if listed != [snapshot_id]:
        why.append(f"session closed with {snapshot_id} but `ipt snapshots` lists {listed}")
    return ("neither" if why else "after"), why


def judge_close(store: Path, board: Board) -> Verdict:
    """After a killed ``ipt review close``: before or after, the audit agrees, a retry works."""
    opened = _open(store)
    if isinstance(opened, Verdict):
        return opened
    repo = opened
    state, why = _close_state(store, repo, board)
    closed = _session(repo, board)["state"] == ReviewState.CLOSED.value
    added, kept = _new_audit(repo, board)
    state_changes = [
        e
        for e in added
        if e["entity"] == "review session" and e["key"] == board.review_id and e["field"] == "state"
    ]
    audit_ok = kept and (
        [e["new"] for e in state_changes] == [ReviewState.CLOSED.value] if closed else not added
    )
    if not audit_ok:
        why.append(f"audit: {len(added)} new entries, state changes {[e['new'] for e in state_changes]}")
    folder = snapshots_folder(store)
    files = [p.name for p in folder.iterdir() if _SNAPSHOT_FILE.match(p.name)] if folder.exists() else []
    mid = state == "before" and (bool(files) or _journal_grew(store, board))
    verdict = Verdict(state, audit_ok=audit_ok, mid=mid, why=why)
    # A close that did not land is run again; one that did must refuse a second one.
    code, out = cli(["--db", str(store), "--by", BY, "review", "close", board.review_id])
    again = Repository(store)
    if closed:
        new = [h.id for h in again.snapshots.list(board.plan_id) if h.id not in board.snapshots]
        verdict.retry_ok = code != 0 and len(new) == 1
        if not verdict.retry_ok:
            why.append(f"a second close gave exit {code} and {len(new)} visible new snapshots")
    else:
        retried, retry_why = _close_state(store, again, board)
        verdict.retry_ok = code == 0 and retried == "after"
        if not verdict.retry_ok:
            why.append(f"retry gave exit {code}: {'; '.join(retry_why) or out.strip()[:200]}")
    return verdict


@dataclass(frozen=True)
class Note:
    """What one ``ipt review note`` attempt sets."""

    progress: int
    text: str


def note_argv(store: Path, board: Board, note: Note) -> list[str]:
    return [
        "--db",
        str(store),
        "--by",
        BY,
        "review",
        "note",
        board.review_id,
        board.subject,
        "--progress",
        str(note.progress),
        "--commentary",
        note.text,
    ]


def judge_note(store: Path, board: Board, note: Note) -> Verdict:
    """After a killed ``ipt review note``: the action and the board's record moved together."""
    opened = _open(store)
    if isinstance(opened, Verdict):
        return opened
    repo = opened
    action = repo.plan(board.plan_id).action(board.subject).model_dump(mode="json")
    session = _session(repo, board)
    old_updates = board.action["updates"]
    action_before = action == board.action
    action_after = (
        action["progress"] == note.progress
        and action["updates"][: len(old_updates)] == old_updates
        and [u["text"] for u in action["updates"][len(old_updates) :]] == [note.text]
        and {k: v for k, v in action.items() if k not in ("progress", "updates")}
        == {k: v for k, v in board.action.items() if k not in ("progress", "updates")}
    )
    position = next(i for i, item in enumerate(board.session["items"]) if item["subject"] == board.subject)
    old_item = board.session["items"][position]
    same_length = len(session["items"]) == len(board.session["items"])
    item = session["items"][position] if same_length else {}
    others_kept = (
        same_length
        and {k: v for k, v in session.items() if k != "items"}
        == {k: v for k, v in board.session.items() if k != "items"}
        and all(
            s == b
            for i, (s, b) in enumerate(zip(session["items"], board.session["items"], strict=True))
            if i != position
        )
    )
    record_before = session == board.session
    record_after = (
        others_kept
        and item.get("commentary") == note.text
        and {k: v for k, v in item.items() if k not in ("commentary", "outcome")}
        == {k: v for k, v in old_item.items() if k not in ("commentary", "outcome")}
    )
    why: list[str] = []
    if action_before and record_before:
        state = "before"
    elif action_after and record_after:
        state = "after"
    else:
        state = "neither"
        action_says = "unchanged" if action_before else "changed" if action_after else "mangled"
        record_says = "unchanged" if record_before else "recorded" if record_after else "mangled"
        why.append(f"action {board.subject} {action_says} but the board's commentary {record_says}")
    added, kept = _new_audit(repo, board)
    audited = {(e["entity"], e["key"], e["field"]) for e in added}
    wanted = {
        ("action", board.subject, "progress"),
        ("action", board.subject, "updates"),
        ("review session", board.review_id, "items"),
    }
    action_audited = {("action", board.subject, "progress"), ("action", board.subject, "updates")} & audited
    record_audited = ("review session", board.review_id, "items") in audited
    audit_ok = (
        kept
        and audited <= wanted
        and all(e["revision"] <= repo.revision for e in added)
        and bool(action_audited) == (not action_before)
        and record_audited == (not record_before)
        and all(e["new"] == note.progress for e in added if e["field"] == "progress")
        and all(e["new"]["text"] == note.text for e in added if e["field"] == "updates")
    )
    if not audit_ok:
        why.append(f"audit disagrees: new entries for {sorted(audited)}")
    one_save = len({e["revision"] for e in added}) <= 1
    if not one_save:
        why.append(f"stored by {len({e['revision'] for e in added})} saves")
    mid = state == "before" and _journal_grew(store, board)
    return Verdict(state, audit_ok=audit_ok, mid=mid, one_save=one_save, why=why)


# The campaign ----------------------------------------------------------------------------------


OPERATIONS = ("close", "note")


def _attempt(
    operation: str, board: Board, store: Path, number: int, seed: int
) -> tuple[list[str], Callable[[], Verdict]]:
    """The command line of one attempt and how to judge what it left."""
    if operation == "close":
        argv = ["--db", str(store), "--by", BY, "review", "close", board.review_id]
        return argv, functools.partial(judge_close, store, board)
    progress = 1 + (board.action["progress"] + 1 + number) % 99
    note = Note(progress=progress, text=f"Board commentary {seed}-{number}: agreed, progress {progress}%")
    return note_argv(store, board, note), functools.partial(judge_note, store, board, note)


def _kind(number: int, exec_every: int) -> str:
    """How the ``number``-th kill is made: ``exec``, ``fork`` or ``aimed`` (see below)."""
    if exec_every > 0 and number % exec_every == 0:
        return "exec"
    return "aimed" if number % 2 else "fork"


def board_kill_campaign(
    operation: str,
    folder: Path,
    *,
    kills: int,
    seed: int,
    exec_every: int = 3,
    command: Sequence[str] = CLI,
    title: str | None = None,
    sample: str = SAMPLE,
    calibrations: int = 3,
) -> Section:
    """Kill ``ipt review <operation>`` ``kills`` times, each on a fresh copy of one prepared store.

    Every ``exec_every``-th kill (0: none) is of a real ``command`` process, its delay spread
    over the whole command; the others are of forked workers, half with the delay spread over
    the command's own work (``fork``), half counted from its first write (``aimed``: the
    snapshot file for a close, the audit journal for a note), spread over the rest of its run.
    Run times are medians of ``calibrations`` uninterrupted runs each way. ``command`` is the
    real CLI unless a caller wants to try another build."""
    if operation not in OPERATIONS:
        raise ValueError(f"operation must be one of {OPERATIONS}, not {operation!r}")
    section = Section(title or f"kill -9 during ipt review {operation} ({kills} kills)")
    with timed(section):
        rng = random.Random(seed)
        board = prepare_board(folder / "template", sample)
        work = folder / "work"
        uses_exec = exec_every > 0
        # Once in this process, so that a forked worker finds every module it needs loaded.
        argv, judge = _attempt(operation, board, fresh_copy(board, work), -1, seed)
        cli(argv)
        # How long the command takes here, each way, so that kills can be spread over one run.
        durations: dict[str, list[float]] = {"exec": [], "fork": [], "aimed": []}
        calibration_failed = 0
        for number in range(calibrations):
            for how in ("exec", "fork") if uses_exec else ("fork",):
                argv, judge = _attempt(operation, board, fresh_copy(board, work), -2 - number, seed)
                run = launch(how, argv, command)
                writing = run.writing() if how == "fork" else 0.0
                code = run.finish(kill=False)
                ended = time.monotonic()
                durations[how].append(ended - run.started)
                if how == "fork":
                    durations["aimed"].append(ended - writing)
                calibration_failed += code != 0 or judge().state != "after"
        took = {how: statistics.median(times) for how, times in durations.items() if times}
        counts = dict.fromkeys(("before", "after", "neither", "missing", "unreadable"), 0)
        launched = {"exec": 0, "fork": 0, "aimed": 0}
        finished = mid = traces = audit_wrong = retry_failed = split = worker_failed = 0
        examples: list[str] = []
        for number in range(kills):
            how = _kind(number, exec_every)
            launched[how] += 1
            argv, judge = _attempt(operation, board, fresh_copy(board, work), number, seed)
            run = launch(how, argv, command)
            started = run.writing() if how == "aimed" else run.started
            delay = rng.uniform(0, STRETCH * took[how])
            time.sleep(max(0.0, started + delay - time.monotonic()))
            code = run.finish(kill=True)
            if code == 0:
                finished += 1
            elif code != -signal.SIGKILL:
                worker_failed += 1
            mid += "w" in run.log and not any(event.startswith("d") for event in run.log)
            verdict = judge()
            counts[verdict.state] += 1
            traces += verdict.mid
            audit_wrong += not verdict.audit_ok
            retry_failed += not verdict.retry_ok
            split += not verdict.one_save
            if verdict.why and len(examples) < 3:
                said = f"kill {number} ({how}, {delay * 1000:.0f} ms): {'; '.join(verdict.why)}"
                examples.append(said if len(said) <= 100 else said[:99] + "…")
        section.equal("calibration runs that failed", calibration_failed, 0)
        labels = {
            "exec": "python -m tui.cli process, whole run",
            "fork": "forked worker, from main()",
            "aimed": "forked worker, from its first write",
        }
        for how, seconds in took.items():
            section.add(f"median run: {labels[how]}", f"{seconds * 1000:.0f} ms", "(info)", True)
        section.equal("kills", sum(counts.values()), kills)
        for how, label in labels.items():
            section.add(f"  {label}", launched[how], "(info)", True)
        section.add("killed after its first write, before it finished", mid, "(info)", True)
        section.add("finished before the kill", finished, "(info)", True)
        section.add("stores left as after", counts["after"], "(info)", True)
        section.add("stores left as before", counts["before"], "(info)", True)
        section.add("  ...with traces of a write on disk", traces, "(info)", True)
        section.equal("store missing after a kill", counts["missing"], 0)
        section.equal("store that does not open", counts["unreadable"], 0)
        section.equal("neither before nor after", counts["neither"], 0)
        section.equal("audit trail disagreeing with the store", audit_wrong, 0)
        if operation == "close":
            section.equal("retry not leaving exactly one snapshot", retry_failed, 0)
        else:
            section.equal("after, stored by more than one save", split, 0)
        section.equal("command errors (not kills)", worker_failed, 0)
        for example in examples:
            section.add("  e.g.", example, "(info)", True)
    return section


def board_kill_sections(
    folder: Path,
    *,
    kills: int,
    seed: int,
    exec_every: int = 3,
    number: str = "8",
    operations: Sequence[str] = OPERATIONS,
) -> Iterator[Section]:
    """Both campaigns, one section each, as :mod:`tests.faults.campaign` runs them."""
    for letter, operation in zip("ab", OPERATIONS, strict=True):
        if operation not in operations:
            continue
        yield board_kill_campaign(
            operation,
            folder / operation,
            kills=kills,
            seed=seed + (letter == "b"),
            exec_every=exec_every,
            title=f"{number}{letter}. kill -9 during ipt review {operation} ({kills} kills)",
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.faults.board_kills", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--kills", type=int, default=100, help="kills of each command (default 100)")
    parser.add_argument("--exec-every", type=int, default=3, help="every n-th kill is of a new process")
    parser.add_argument("--seed", type=int, default=20191011, help="default: the seed make faults uses")
    parser.add_argument("--only", choices=OPERATIONS, help="one of the two commands")
    parser.add_argument("--keep", action="store_true", help="keep the work folder for inspection")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="ipt-board-kills-"))
    started = time.monotonic()
    sections = []
    try:
        for section in board_kill_sections(
            work,
            kills=args.kills,
            seed=args.seed,
            exec_every=args.exec_every,
            operations=[args.only] if args.only else OPERATIONS,
        ):
            print(
                f"  {section.title}: {'ok' if section.ok else 'FAILED'} in {section.seconds:.1f}s", flush=True
            )
            sections.append(section)
    finally:
        if args.keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print()
    print(render(sections))
    print(f"took {time.monotonic() - started:.0f}s (seed {args.seed})")
    return 0 if all(section.ok for section in sections) else 1


if __name__ == "__main__":
    raise SystemExit(main())
