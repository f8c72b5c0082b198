"""The fault campaign: does the store keep its promises when things go wrong?

Run ``python -m tests.faults.campaign`` (``make faults``) for the full campaign, or add
``--quick`` for a smaller one. It prints one table and exits non-zero if any check failed.
``tests/test_fault_campaign.py`` runs the same functions with small counts in ``make test``.

1. kill -9 at random moments during saves, on a small store and on a 10,000-action store;
2. write errors injected into the save (ENOSPC on a write or fsync, on the journal, a refused
   ``os.replace``);
3. four processes saving to one store at once, and a stale writer;
4. a lock holder killed with kill -9;
5. a store the process may read but not write (really: the child drops to ``nobody``);
6. damaged stores: truncated, garbage appended, empty, a byte-order mark, not an object, a
   newer schema, a broken rule;
7. kill -9 at random moments during ``ipt restore-backup`` (a healthy store with ``--force``,
   or a damaged one);
8. kill -9 at random moments during ``ipt review close`` and ``ipt review note``
   (``tests/faults/board_kills.py``).

Workers are forked, so hundreds start in milliseconds; the small-store workers run the real
``ipt update`` entry point. Each worker reports on a pipe when an update starts (``s``), when
its save starts writing (``w``: the journal append, the first write of a save) and when it
returned (``d``), so the campaign knows which kills landed mid-save.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import functools
import hashlib
import io
import os
import random
import select
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import orjson

from store.backup import restore_backup
from store.errors import (
    ConflictError,
    DamagedStore,
    NewerSchema,
    ReadOnlyStore,
    SaveFailed,
    StoreBusy,
    StoreError,
)
from store.journal import AuditJournal, journal_path
from store.models import Status
from store.repository import Repository
from store.storage import TEMP_MARKER, backup_path, temp_prefix

ON = date(2019, 10, 3)
SMALL_PLAN = "test-plan"
SMALL_REF = "WF-01"
NOBODY = 65534


# Results ------------------------------------------------------------------------------


@dataclass
class Row:
    """One measured figure and whether it met what is required."""

    check: str
    value: str
    expected: str
    ok: bool


@dataclass
class Section:
    """The rows of one part of the campaign."""

    title: str
    rows: list[Row] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, check: str, value: object, expected: str, ok: bool) -> None:
        self.rows.append(Row(check, str(value), expected, ok))

    def equal(self, check: str, value: object, expected: object) -> None:
        self.add(check, value, f"= {expected}", value == expected)

    @property
    def ok(self) -> bool:
        return all(row.ok for row in self.rows)

    def failures(self) -> str:
        return "; ".join(f"{row.check}: {row.value} (want {row.expected})" for row in self.rows if not row.ok)


def render(sections: Sequence[Section]) -> str:
    """The results as a plain-text table."""
    width_check = max([len(row.check) for s in sections for row in s.rows] + [30])
    width_value = max([len(row.value) for s in sections for row in s.rows] + [8])
    width_expected = max([len(row.expected) for s in sections for row in s.rows] + [8])
    rule = "-" * (width_check + width_value + width_expected + 14)
    lines = [
        rule,
        f"{'check':<{width_check}}  {'result':>{width_value}}  {'required':<{width_expected}}  status",
        rule,
    ]
    for section in sections:
        lines.append(f"{section.title} ({section.seconds:.1f}s)")
        for row in section.rows:
            status = "ok" if row.ok else "FAIL"
            lines.append(
                f"  {row.check:<{width_check - 2}}  {row.value:>{width_value}}  "
                f"{row.expected:<{width_expected}}  {status}"
            )
    lines.append(rule)
    failed = sum(not row.ok for s in sections for row in s.rows)
    total = sum(len(s.rows) for s in sections)
    lines.append(f"{total - failed}/{total} checks passed" + (f"; {failed} FAILED" if failed else ""))
    return "\n".join(lines)


@contextlib.contextmanager
def timed(section: Section) -> Iterator[Section]:
    started = time.monotonic()
    try:
        yield section
    finally:
        section.seconds = time.monotonic() - started


# Helpers ------------------------------------------------------------------------------


def digest(path: Path) -> str:
    try:
        return hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
    except FileNotFoundError:
        return "missing"


def stray_temp_files(store: Path) -> list[Path]:
    """Temporary files a save of ``store`` left beside it."""
    prefix = temp_prefix(store)
    return sorted(p for p in store.parent.iterdir() if p.name.startswith(prefix))


def small_store(folder: Path) -> Path:
    """A store holding the tests' small plan (``tests/conftest.py``)."""
    from tests.conftest import make_plan

    folder.mkdir(parents=True, exist_ok=True)
    store = folder / "plans.json"
    Repository(store).add_plan(make_plan(), by="pm")
    return store


def large_store(folder: Path, actions: int = 10_000, history: int = 10_000) -> tuple[Path, str, str]:
    """A store built by ``benchmarks.generate``; returns (path, plan id, an editable action's ref)."""
    from benchmarks.generate import build_store, stress_plan

    folder.mkdir(parents=True, exist_ok=True)
    plan = stress_plan(actions=actions)
    built = build_store(folder / "plans.json", plan, audit_entries=history)
    ref = next(a.ref for a in plan.actions if a.status == Status.IN_PROGRESS)
    return built.path, built.plan_id, ref


def _quiet() -> None:
    """In a worker: send its output nowhere (pytest may have replaced ``sys.stdout``)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the worker


def _fork(child: Callable[[], None]) -> int:
    """Run ``child`` in a forked process that never returns into the caller's code."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 0
        try:
            child()
        except BaseException:
            code = 3
        os._exit(code)
    return pid


def _wait(pid: int) -> int:
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


class Events:
    """Lines a worker writes on a pipe: ``s<n>`` started, ``w<n>`` save writing, ``d<n>`` done."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.seen: list[str] = []
        self._partial = b""

    def _take(self, chunk: bytes) -> None:
        data = self._partial + chunk
        *lines, self._partial = data.split(b"\n")
        self.seen.extend(line.decode() for line in lines if line)

    def wait_for(self, marker: str, count: int, timeout: float) -> bool:
        """Block until ``count`` events starting with ``marker`` have arrived."""
        deadline = time.monotonic() + timeout
        while sum(e.startswith(marker) for e in self.seen) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                chunk = os.read(self.fd, 65536)
                if not chunk:
                    return False
                self._take(chunk)
        return True

    def drain(self) -> list[str]:
        """Everything written before the writer died; closes the pipe."""
        while True:
            chunk = os.read(self.fd, 65536)
            if not chunk:
                break
            self._take(chunk)
        os.close(self.fd)
        return self.seen


def _report_save_phase(write_fd: int, current: list[int]) -> None:
    """In a worker: say on the pipe when a save starts writing (its journal append)."""
    original = AuditJournal.append

    def append(self: AuditJournal, entries: Any, *, revision: int, token: str) -> None:
        os.write(write_fd, f"w{current[0]}\n".encode())
        original(self, entries, revision=revision, token=token)

    setattr(AuditJournal, "append", append)  # noqa: B010 - only in the forked worker


# 1. kill -9 during saves -------------------------------------------------------------


def _cli_updates_forever(store: Path, ref: str, prefix: str, first: int, write_fd: int) -> None:
    from tui.cli.commands import main

    _quiet()
    current = [first]
    _report_save_phase(write_fd, current)
    n = first
    while True:
        n += 1
        current[0] = n
        os.write(write_fd, f"s{n}\n".encode())
        argv = ["--db", str(store), "--by", "worker", "update", ref]
        argv += ["--progress", str(n % 101), "--note", f"{prefix}{n}", "--on", ON.isoformat()]
        if main(argv) != 0:
            os.write(write_fd, f"f{n}\n".encode())
            os._exit(4)
        os.write(write_fd, f"d{n}\n".encode())


def _repo_updates_forever(
    repo: Repository, plan_id: str, ref: str, prefix: str, first: int, write_fd: int
) -> None:
    """Save with the repository the worker inherited already loaded, as the app does."""
    assert repo.path is not None
    current = [first]
    _report_save_phase(write_fd, current)
    n = first
    while True:
        n += 1
        current[0] = n
        os.write(write_fd, f"s{n}\n".encode())
        try:
            repo.update_action(plan_id, ref, {"progress": n % 101}, by="worker", on=ON, note=f"{prefix}{n}")
        except Exception:
            os.write(write_fd, f"f{n}\n".encode())
            raise
        os.write(write_fd, f"d{n}\n".encode())


@dataclass
class _Seen:
    notes: list[str]
    progress: int
    revision: int


def _survivor(repo: Repository, plan_id: str, ref: str, prefix: str) -> _Seen:
    action = repo.plan(plan_id).action(ref)
    notes = [u.text for u in action.updates if u.text.startswith(prefix)]
    return _Seen(notes, action.progress, repo.revision)


def _audit_agrees(repo: Repository, plan_id: str, ref: str, prefix: str, seen: _Seen) -> bool:
    """The audit trail says what the store holds: the same notes, the same last progress."""
    entries = [e for e in repo.audit(plan_id, "action", ref) if e.revision > 1]
    notes = [e.new["text"] for e in entries if e.field == "updates" and str(e.new["text"]).startswith(prefix)]
    if notes != seen.notes:
        return False
    progress = [e.new for e in entries if e.field == "progress"]
    if progress and progress[-1] != seen.progress:
        return False
    return not entries or entries[-1].revision == seen.revision


def kill_campaign(
    store: Path,
    *,
    kills: int,
    seed: int,
    title: str,
    plan_id: str = SMALL_PLAN,
    ref: str = SMALL_REF,
    via_cli: bool = True,
    min_mid_save: int | None = None,
) -> Section:
    """Kill a saving worker ``kills`` times; after each kill the store must open and hold the
    state before or after the save in flight, and its audit trail must agree with it."""
    section = Section(title)
    with timed(section):
        rng = random.Random(seed)
        prefix = f"kill-{seed}-"
        repo = Repository(store)
        # How long a save takes here, so that most kills can be aimed inside one.
        durations = []
        for i in range(5):
            started = time.monotonic()
            repo.update_action(plan_id, ref, {"progress": i}, by="calibrate", on=ON, note=f"calibrate {i}")
            durations.append(time.monotonic() - started)
        save_time = statistics.median(durations)
        seen = _survivor(repo, plan_id, ref, prefix)
        known = digest(store)
        mid_save = unreadable = neither = audit_wrong = worker_failed = landed = killed = 0
        strays: set[str] = set()
        for cycle in range(kills):
            first = cycle * 1_000
            read_fd, write_fd = os.pipe()
            if via_cli:
                pid = _fork(functools.partial(_cli_updates_forever, store, ref, prefix, first, write_fd))
            else:
                pid = _fork(
                    functools.partial(_repo_updates_forever, repo, plan_id, ref, prefix, first, write_fd)
                )
            os.close(write_fd)
            events = Events(read_fd)
            if rng.random() < 0.8:  # aimed: inside the k-th save's write phase
                events.wait_for("w", rng.randint(1, 2), timeout=30)
                time.sleep(rng.uniform(0, 1.5 * save_time))
            else:  # anywhere: opening, validating, saving
                time.sleep(rng.uniform(0, 0.05 if via_cli else 4 * save_time))
            os.kill(pid, signal.SIGKILL)
            _wait(pid)
            killed += 1
            log = events.drain()
            started_n = [int(e[1:]) for e in log if e.startswith("s")]
            written = {int(e[1:]) for e in log if e.startswith("w")}
            done = [int(e[1:]) for e in log if e.startswith("d")]
            worker_failed += any(e.startswith("f") for e in log)
            in_flight = started_n[-1] if started_n and started_n[-1] not in done else None
            if in_flight is not None and in_flight in written:
                mid_save += 1
            strays.update(p.name for p in stray_temp_files(store))
            # The survivor must open: byte-identical to the state verified last time, or a
            # new file that parses and validates whole.
            now = digest(store)
            try:
                if now != known or via_cli:
                    repo.storage.forget()
                    repo.load()
            except StoreError:
                unreadable += 1
                break
            known = now
            after = _survivor(repo, plan_id, ref, prefix)
            base = seen.notes + [f"{prefix}{n}" for n in done]
            allowed = [base]
            if in_flight is not None and in_flight in written:
                allowed.append([*base, f"{prefix}{in_flight}"])
            if after.notes not in allowed:
                neither += 1
            elif after.notes != seen.notes:
                landed += 1
                if after.progress != int(after.notes[-1][len(prefix) :]) % 101:
                    neither += 1
            elif after.progress != seen.progress:
                neither += 1
            if not _audit_agrees(repo, plan_id, ref, prefix, after):
                audit_wrong += 1
            seen = after
        # The next save clears what the killed ones left behind.
        left_before_final = len(stray_temp_files(store))
        with contextlib.suppress(StoreError):
            repo.update_action(plan_id, ref, {"progress": 1}, by="pm", on=ON, note="after the kills")
        remaining = stray_temp_files(store)
        section.equal("kills", killed, kills)
        least = kills // 2 if min_mid_save is None else min_mid_save
        section.add("kills that landed mid-save", mid_save, f">= {least}", mid_save >= least)
        section.add("saves that landed before a kill", landed, "(info)", True)
        section.equal("unreadable store after a kill", unreadable, 0)
        section.equal("neither before nor after the save", neither, 0)
        section.equal("audit trail disagreeing with the store", audit_wrong, 0)
        section.equal("worker errors (not kills)", worker_failed, 0)
        section.add("stray temp files left by kills", len(strays), "(info)", True)
        section.equal(
            "  ...still there after the next save", sum((store.parent / name).exists() for name in strays), 0
        )
        section.add("  ...present just before that save", left_before_final, "(info)", True)
        section.equal(
            "temp files the next save itself left", len([p for p in remaining if p.name not in strays]), 0
        )
    return section


# 2. write errors -----------------------------------------------------------------------


def _enospc() -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


class Fault:
    """Inject one OS error into saves of ``store`` (patches ``os`` in this process while active).

    ``kind`` is one of ``temp-write`` (the ``nth`` write of the temporary file, written in
    small chunks so there are several), ``temp-fsync``, ``journal-write``, ``journal-partial``
    (the first audit line lands, then the disk is full), ``journal-fsync``,
    ``replace-eacces`` and ``replace-exdev``.
    """

    CHUNK = 512

    def __init__(self, store: Path, kind: str, nth: int = 1) -> None:
        self.store = store
        self.kind = kind
        self.nth = nth
        self.fds: dict[int, str] = {}
        self.writes = 0
        self.fired = 0
        self._saved: dict[str, Any] = {}

    def _role(self, path: Any) -> str | None:
        name = os.path.basename(os.fsdecode(path))
        if name.startswith(temp_prefix(self.store)) and f"{TEMP_MARKER}bak-" not in name:
            return "temp"
        if name == journal_path(self.store).name:
            return "journal"
        return None

    def __enter__(self) -> Fault:
        real = {name: getattr(os, name) for name in ("open", "write", "fsync", "replace", "close")}
        self._saved = real

        def fake_open(path: Any, flags: int, mode: int = 0o777, *args: Any, **kwargs: Any) -> int:
            fd: int = real["open"](path, flags, mode, *args, **kwargs)
            role = self._role(path)
            if role:
                self.fds[fd] = role
            return fd

        def fake_close(fd: int) -> None:
            self.fds.pop(fd, None)
            real["close"](fd)

        def fake_write(fd: int, data: Any) -> int:
            role = self.fds.get(fd)
            if role == "temp" and self.kind == "temp-write":
                self.writes += 1
                if self.writes == self.nth:
                    self.fired += 1
                    raise _enospc()
                written: int = real["write"](fd, bytes(data[: self.CHUNK]))
                return written
            if role == "journal" and self.kind == "journal-write":
                self.fired += 1
                raise _enospc()
            if role == "journal" and self.kind == "journal-partial":
                self.writes += 1
                if self.writes > 1:
                    self.fired += 1
                    raise _enospc()
                raw = bytes(data)  # the first line whole and half the next: an orphan and a torn line
                first_line = raw.index(b"\n", 1) + 1 if b"\n" in raw[1:] else len(raw)
                cut = first_line + (len(raw) - first_line) // 2
                partial: int = real["write"](fd, raw[:cut])
                return partial
            whole: int = real["write"](fd, data)
            return whole

        def fake_fsync(fd: int) -> None:
            role = self.fds.get(fd)
            if (role == "temp" and self.kind == "temp-fsync") or (
                role == "journal" and self.kind == "journal-fsync"
            ):
                self.fired += 1
                raise _enospc()
            real["fsync"](fd)

        def fake_replace(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
            if self.kind.startswith("replace-") and Path(os.fsdecode(dst)) == self.store:
                self.fired += 1
                code = errno.EACCES if self.kind == "replace-eacces" else errno.EXDEV
                raise OSError(code, os.strerror(code))
            real["replace"](src, dst, *args, **kwargs)

        fakes = {"open": fake_open, "close": fake_close, "write": fake_write}
        fakes.update(fsync=fake_fsync, replace=fake_replace)
        for name, function in fakes.items():
            setattr(os, name, function)
        return self

    def __exit__(self, *exc: object) -> None:
        for name, function in self._saved.items():
            setattr(os, name, function)


WRITE_FAULTS: tuple[tuple[str, int, str], ...] = (
    ("temp-write", 1, "ENOSPC on the 1st write of the temp file"),
    ("temp-write", 3, "ENOSPC on the 3rd write of the temp file"),
    ("temp-fsync", 1, "ENOSPC on fsync of the temp file"),
    ("journal-write", 1, "ENOSPC on the journal append"),
    ("journal-partial", 1, "ENOSPC after 1.5 journal lines"),
    ("journal-fsync", 1, "ENOSPC on fsync of the journal"),
    ("replace-eacces", 1, "os.replace refused (EACCES)"),
    ("replace-exdev", 1, "os.replace refused (EXDEV)"),
)


def write_error_campaign(folder: Path) -> Section:
    """Each fault: nothing changes on disk or in memory, and the next save is whole."""
    section = Section("2. write errors injected into a save")
    with timed(section):
        store = small_store(folder)
        repo = Repository(store)
        prefix = "fault-"
        repo.update_action(SMALL_PLAN, SMALL_REF, {"progress": 5}, by="pm", on=ON, note=f"{prefix}start")
        for number, (kind, nth, label) in enumerate(WRITE_FAULTS):
            problems = []
            before_bytes = store.read_bytes()
            before = repo.plan(SMALL_PLAN).action(SMALL_REF)
            before_revision = repo.revision
            error: Exception | None = None
            with Fault(store, kind, nth) as fault:
                try:
                    repo.update_action(
                        SMALL_PLAN, SMALL_REF, {"progress": 50 + number}, by="pm", on=ON, note=f"lost {kind}"
                    )
                except Exception as caught:
                    error = caught
            if not fault.fired:
                problems.append("fault never fired")
            if not isinstance(error, SaveFailed):
                problems.append(f"raised {type(error).__name__}: {error}")
            elif "not saved" not in str(error):
                problems.append(f"message lacks 'not saved': {error}")
            if store.read_bytes() != before_bytes:
                problems.append("store changed")
            if stray_temp_files(store):
                problems.append(f"temp left: {[p.name for p in stray_temp_files(store)]}")
            if repo.plan(SMALL_PLAN).action(SMALL_REF) != before or repo.revision != before_revision:
                problems.append("in-memory state changed")
            # The fault is lifted: the next save works and is audited exactly once.
            try:
                repo.update_action(
                    SMALL_PLAN,
                    SMALL_REF,
                    {"progress": 10 + number},
                    by="pm",
                    on=ON,
                    note=f"{prefix}{kind}{nth}",
                )
                fresh = Repository(store)
                action = fresh.plan(SMALL_PLAN).action(SMALL_REF)
                notes = [u.text for u in action.updates]
                if any(text.startswith("lost ") for text in notes) or notes[-1] != f"{prefix}{kind}{nth}":
                    problems.append(f"next save holds {notes[-2:]}")
                if fresh.revision != before_revision + 1 or action.progress != 10 + number:
                    problems.append(f"next save is revision {fresh.revision}")
                audit = fresh.audit(SMALL_PLAN, "action", SMALL_REF)
                audited = [e.new["text"] for e in audit if e.field == "updates"]
                if audited != notes or audit[-1].revision != fresh.revision:
                    problems.append("audit disagrees after the next save")
            except StoreError as caught:
                problems.append(f"next save failed: {caught}")
            section.add(label, "; ".join(problems) or "intact", "intact", not problems)
    return section


# 3. concurrent writers ------------------------------------------------------------------


def _note_writer(store: Path, worker: int, count: int, out: Path) -> None:
    from tui.cli.commands import main

    with out.open("w") as handle:
        os.dup2(handle.fileno(), 1)
        sys.stdout = handle
        for n in range(count):
            argv = ["--db", str(store), "--by", f"worker{worker}", "update", f"WF-0{1 + n % 3}"]
            code = main([*argv, "--note", f"w{worker} n{n}", "--on", ON.isoformat()])
            if code != 0:
                os._exit(10 + code)
        sys.stdout.flush()
    os._exit(0)


def concurrency_campaign(folder: Path, *, processes: int = 4, updates: int = 300) -> Section:
    """``processes`` x ``updates`` through ``ipt update`` at once; then a stale writer."""
    section = Section(f"3. {processes} processes x {updates} updates on one store")
    with timed(section):
        store = small_store(folder)
        stale = Repository(store)
        base = stale.revision
        outputs = [folder / f"worker{w}.out" for w in range(processes)]
        pids = [
            _fork(functools.partial(_note_writer, store, w, updates, outputs[w])) for w in range(processes)
        ]
        codes = [_wait(pid) for pid in pids]
        total = processes * updates
        section.equal("worker exit codes", codes, [0] * processes)
        repo = Repository(store)
        notes = [u.text for a in repo.plan(SMALL_PLAN).actions for u in a.updates]
        wanted = {f"w{w} n{n}" for w in range(processes) for n in range(updates)}
        section.equal("updates recorded", f"{len(set(notes) & wanted)}/{total}", f"{total}/{total}")
        reported = [
            int(line.rsplit("revision ", 1)[1].rstrip(")"))
            for out in outputs
            for line in out.read_text().splitlines()
            if "(revision " in line
        ]
        section.equal("revision numbers reported, unique", len(set(reported)), total)
        section.equal("store revision", repo.revision, base + total)
        audit = [e for e in repo.audit() if e.field == "updates"]
        section.equal("audit lines for the updates", len(audit), total)
        section.equal(
            "audit revisions = one per save",
            sorted(e.revision for e in audit) == list(range(base + 1, base + total + 1)),
            True,
        )
        seen = stale.plan(SMALL_PLAN).action(SMALL_REF)  # as a form opened before all of that
        stale.update_action(SMALL_PLAN, SMALL_REF, {"progress": 99}, by="stale", on=ON, base=seen)
        kept = Repository(store).plan(SMALL_PLAN).action(SMALL_REF)
        section.equal(
            "stale form edit after only appended notes: saved, every note kept",
            (kept.progress, len({u.text for u in kept.updates} & wanted)),
            (99, len({u.text for u in repo.plan(SMALL_PLAN).action(SMALL_REF).updates} & wanted)),
        )
        repo.update_action(SMALL_PLAN, SMALL_REF, {"owner": "Someone Else"}, by="other", on=ON)
        store_bytes, journal_bytes = store.read_bytes(), journal_path(store).read_bytes()
        try:
            stale.update_action(SMALL_PLAN, SMALL_REF, {"progress": 1}, by="stale", on=ON, base=seen)
            outcome = "saved!"
        except ConflictError as error:
            named = "nothing was saved" in str(error) and "owner" in str(error)
            outcome = "ConflictError" if named else f"unclear: {error}"
        section.equal("stale form edit after a field changed underneath gets", outcome, "ConflictError")
        unchanged = store.read_bytes() == store_bytes and journal_path(store).read_bytes() == journal_bytes
        section.equal("stale writer overwrote nothing", unchanged, True)
    return section


# 4. killed lock holder --------------------------------------------------------------------


def _hold_lock(store: Path, ready_fd: int) -> None:
    repo = Repository(store)
    with repo._locked():
        os.write(ready_fd, b"locked\n")
        time.sleep(600)


def _time_lock(store: Path, write_fd: int) -> None:
    repo = Repository(store, lock_timeout=5)
    started = time.monotonic()
    with repo._locked():
        waited = time.monotonic() - started
    repo.update_action(SMALL_PLAN, SMALL_REF, {"progress": 2}, by="next", on=ON)
    os.write(write_fd, f"{waited:.6f}\n".encode())


def lock_holder_campaign(folder: Path, *, rounds: int = 10) -> Section:
    """Kill -9 a process holding the lock; the next process must get it within its timeout."""
    section = Section(f"4. lock holder killed with kill -9 ({rounds} rounds)")
    with timed(section):
        store = small_store(folder)
        waits: list[float] = []
        busy_while_held = 0
        for _ in range(rounds):
            ready_r, ready_w = os.pipe()
            holder = _fork(functools.partial(_hold_lock, store, ready_w))
            os.close(ready_w)
            os.read(ready_r, 16)
            os.close(ready_r)
            try:
                Repository(store, lock_timeout=0.2).update_action(
                    SMALL_PLAN, SMALL_REF, {"progress": 1}, by="blocked", on=ON
                )
            except StoreBusy:
                busy_while_held += 1
            os.kill(holder, signal.SIGKILL)
            _wait(holder)
            result_r, result_w = os.pipe()
            nxt = _fork(functools.partial(_time_lock, store, result_w))
            os.close(result_w)
            code = _wait(nxt)
            text = os.read(result_r, 64).decode().strip()
            os.close(result_r)
            if code == 0 and text:
                waits.append(float(text))
        section.equal("saves refused (StoreBusy) while the lock is held", busy_while_held, rounds)
        section.equal("next process got the lock after the kill", len(waits), rounds)
        worst = max(waits) if waits else float("inf")
        section.add("longest wait for the lock after the kill", f"{worst * 1000:.1f} ms", "< 5 s", worst < 5)
    return section


# 5. read-only ---------------------------------------------------------------------------


def _read_only_child(store: Path, write_fd: int, as_root: bool) -> None:
    from tui.cli.commands import main

    _quiet()
    report: dict[str, Any] = {}
    try:
        # Load every module first: the Python install itself may not be readable by nobody.
        with contextlib.suppress(SystemExit):
            main(["--version"])
        main(["--db", str(store), "show", SMALL_REF])
        memory = Repository(None)
        from tests.conftest import make_plan

        memory.add_plan(make_plan(), by="warm-up")
        memory.update_action(SMALL_PLAN, SMALL_REF, {"progress": 1}, by="warm-up", on=ON, note="warm-up")
        if as_root:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
        report["uid"] = os.getuid()
        repo = Repository(store)
        report["opened"] = True
        report["read_only"] = repo.read_only
        try:
            repo.update_action(SMALL_PLAN, SMALL_REF, {"progress": 77}, by="nobody", on=ON, note="ro")
            report["update"] = "saved"
        except ReadOnlyStore as error:
            report["update"] = "ReadOnlyStore"
            report["message"] = str(error)
        except Exception as error:
            report["update"] = f"{type(error).__name__}: {error}"
        report["cli_exit"] = main(
            ["--db", str(store), "update", SMALL_REF, "--note", "ro", "--on", "2019-10-03"]
        )
    except Exception as error:
        report["crash"] = f"{type(error).__name__}: {error}"
    os.write(write_fd, orjson.dumps(report))


def read_only_campaign(base: Path | None = None) -> Section:
    """A store the process can read but not write: it opens, says so, and refuses to save.

    As root, the child really drops to ``nobody`` (root may write anything); otherwise
    the folder and file are made read-only with chmod.
    """
    as_root = os.geteuid() == 0
    how = "child runs as nobody" if as_root else "chmod, not root"
    section = Section(f"5. read-only store ({how})")
    with timed(section):
        top = Path(tempfile.mkdtemp(prefix="ipt-read-only-", dir=base))
        try:
            os.chmod(top, 0o755)
            store = small_store(top / "store")
            Repository(store).update_action(SMALL_PLAN, SMALL_REF, {"progress": 3}, by="pm", on=ON)
            cases = (("file 644, folder 755", 0o644, 0o755), ("file 666, folder 755", 0o666, 0o755))
            if not as_root:
                cases = (("file 444, folder 555", 0o444, 0o555), ("file 644, folder 555", 0o644, 0o555))
            for label, file_mode, folder_mode in cases:
                os.chmod(store, file_mode)
                os.chmod(store.parent, folder_mode)
                listing = sorted(os.listdir(store.parent))
                before = store.read_bytes()
                read_fd, write_fd = os.pipe()
                pid = _fork(functools.partial(_read_only_child, store, write_fd, as_root))
                os.close(write_fd)
                _wait(pid)
                chunks = []
                while chunk := os.read(read_fd, 65536):
                    chunks.append(chunk)
                os.close(read_fd)
                report = orjson.loads(b"".join(chunks) or b"{}")
                message = str(report.get("message", ""))
                problems = []
                if report.get("crash"):
                    problems.append(str(report["crash"]))
                if as_root and report.get("uid") != NOBODY:
                    problems.append(f"uid {report.get('uid')}")
                if not report.get("opened"):
                    problems.append("did not open")
                if report.get("read_only") is not True:
                    problems.append(f"read_only={report.get('read_only')}")
                if report.get("update") != "ReadOnlyStore":
                    problems.append(f"update: {report.get('update')}")
                elif "read-only" not in message or "nothing was saved" not in message:
                    problems.append(f"unclear message: {message}")
                if report.get("cli_exit") in (0, None):
                    problems.append(f"ipt update exit {report.get('cli_exit')}")
                if store.read_bytes() != before or sorted(os.listdir(store.parent)) != listing:
                    problems.append("store or folder changed")
                os.chmod(store.parent, 0o755)
                section.add(
                    label, "; ".join(problems) or "opens, read_only, refused", "refused", not problems
                )
            section.add("message", message.split(": ", 1)[-1] if message else "-", "(info)", True)
        finally:
            for path in (top, *top.rglob("*")):
                with contextlib.suppress(OSError):
                    os.chmod(path, 0o700 if path.is_dir() else 0o600)
            shutil.rmtree(top, ignore_errors=True)
    return section


# 6. damaged stores -----------------------------------------------------------------------


def _damages(good: bytes) -> list[tuple[str, bytes]]:
    meta_newer = orjson.loads(good)
    meta_newer["meta"]["1"]["schema_version"] = 999
    broken_rule = orjson.loads(good)
    first = next(iter(broken_rule["actions"]))
    broken_rule["actions"][first]["theme"] = 12345
    table_not_object = orjson.loads(good)
    table_not_object["actions"] = ["not", "documents"]
    return [
        ("garbage appended", good + b"\x00garbage\xff"),
        ("text appended", good + b'{"meta": {}}'),
        ("empty", b""),
        ("only whitespace", b" \n\t\n"),
        ("UTF-8 byte-order mark", b"\xef\xbb\xbf" + good),
        ("JSON array", b"[1, 2, 3]"),
        ("JSON string", b'"plans"'),
        ("JSON null", b"null"),
        ("a table that is not an object", orjson.dumps(table_not_object)),
        ("a broken rule (theme 12345)", orjson.dumps(broken_rule)),
        ("newer schema (999)", orjson.dumps(meta_newer)),
    ]


def damage_campaign(folder: Path, *, truncations: int = 200, seed: int = 5) -> Section:
    """Each damaged store: a clear error, the file untouched, the backup offered and restorable."""
    section = Section("6. damaged stores")
    with timed(section):
        store = small_store(folder)
        repo = Repository(store)
        repo.update_action(SMALL_PLAN, SMALL_REF, {"progress": 40}, by="pm", on=ON, note="good")
        good, good_backup = store.read_bytes(), backup_path(store).read_bytes()
        backup_revision = repo.revision - 1
        rng = random.Random(seed)
        offsets = sorted(rng.sample(range(len(good)), min(truncations, len(good))))
        cases = [(f"truncated at byte {offset}", good[:offset]) for offset in offsets] + _damages(good)
        section.title = f"6. damaged stores ({len(offsets)} truncations + {len(cases) - len(offsets)} others)"
        clear = untouched = offered = restored = damaged_cases = truncated_clear = 0
        for number, (label, damaged) in enumerate(cases):
            store.write_bytes(damaged)
            backup_path(store).write_bytes(good_backup)
            error: Exception | None = None
            try:
                Repository(store)
            except StoreError as caught:
                error = caught
            message = str(error) if error else ""
            if isinstance(error, NewerSchema):
                # Not damaged: a newer ipt wrote it. The answer is to upgrade ipt, not to go back.
                ok = "Upgrade ipt" in message and "left untouched" in message
                verdict = "NewerSchema: upgrade ipt" + (
                    "; backup offered" if "previous good" in message else ""
                )
            else:
                ok = isinstance(error, DamagedStore) and "left untouched" in message
                verdict = type(error).__name__ if error else "opened!"
            clear += ok
            untouched += store.read_bytes() == damaged
            if isinstance(error, DamagedStore):
                damaged_cases += 1
                offered += "previous good version" in message and "restore-backup" in message
                kept = restore_backup(store, stamp=f"case{number}")
                with contextlib.suppress(StoreError):
                    back = Repository(store)
                    restored += back.revision == backup_revision and kept.read_bytes() == damaged
                kept.unlink()
            if number < len(offsets):
                truncated_clear += ok
            else:
                section.add(label, verdict, "clear error", ok)
        section.equal(
            f"truncated at {len(offsets)} random offsets: clear error", truncated_clear, len(offsets)
        )
        section.equal("stores left byte-identical", untouched, len(cases))
        section.equal("damaged: previous good version offered", offered, damaged_cases)
        section.equal("damaged: restore-backup put it back", restored, damaged_cases)
        store.write_bytes(good)
    return section


# 7. kill -9 during restore-backup ------------------------------------------------------------


def _restore_child(store: Path, force: bool, write_fd: int) -> None:
    """In a worker: run the real ``ipt restore-backup``, saying on the pipe when it starts and ends."""
    from tui.cli.commands import main

    _quiet()
    argv = ["--db", str(store), "restore-backup", *(["--force"] if force else [])]
    os.write(write_fd, b"s\n")
    code = main(argv)
    os.write(write_fd, f"d{code}\n".encode())
    os._exit(code)


def _restore_template(folder: Path) -> tuple[Path, bytes, bytes]:
    """A store at revision 2 whose backup is revision 1; returns (store, its bytes, the backup's)."""
    store = small_store(folder)
    Repository(store).update_action(
        SMALL_PLAN, SMALL_REF, {"progress": 40}, by="pm", on=ON, note="the save a restore undoes"
    )
    return store, store.read_bytes(), backup_path(store).read_bytes()


def _reset(template: Path, work: Path) -> Path:
    """``work`` becomes a fresh copy of the template's store, backup and journal."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    for name in ("plans.json", "plans.json.bak", "plans.json.audit.jsonl"):
        shutil.copy2(template / name, work / name)
    return work / "plans.json"


def _plan_json(repo: Repository) -> bytes:
    return orjson.dumps(repo.plan(SMALL_PLAN).model_dump(mode="json"))


def journal_agrees(repo: Repository) -> bool:
    """The audit trail says what the store holds: no entry newer than the store, and each
    action field's latest audited value (each added update, for updates) is the stored one."""
    entries = repo.audit()
    if any(entry.revision > repo.revision for entry in entries):
        return False
    for action in repo.plan(SMALL_PLAN).actions:
        stored = action.model_dump(mode="json")
        audited = [e for e in entries if e.entity == "action" and e.key == action.ref]
        if [e.new for e in audited if e.field == "updates"] != stored["updates"]:
            return False
        latest = {e.field: e.new for e in audited if e.field != "updates"}
        if any(field in stored and stored[field] != value for field, value in latest.items()):
            return False
    return True


def restore_kill_campaign(
    folder: Path, *, kills: int, seed: int, title: str | None = None, min_mid_restore: int | None = None
) -> Section:
    """Kill ``ipt restore-backup`` with kill -9 at random moments, half the time restoring a
    healthy store with ``--force``, half the time a damaged one. After every kill the store
    must exist, open, and hold the state before the restore or after it; its audit trail
    must agree with it; the backup must be unchanged and the replaced file kept somewhere."""
    section = Section(title or f"7. kill -9 during restore-backup ({kills} kills)")
    import tui.cli.commands  # loaded once here, so that a forked worker spends its time restoring

    with timed(section):
        rng = random.Random(seed)
        template, good, backup = _restore_template(folder / "template")
        damaged = good[: len(good) // 2]
        before_plan = _plan_json(Repository(template))
        after_plan = _plan_json(Repository(template.with_name("plans.json.bak")))
        work = folder / "work"

        def start(force: bool) -> tuple[int, Events]:
            read_fd, write_fd = os.pipe()
            pid = _fork(functools.partial(_restore_child, store, force, write_fd))
            os.close(write_fd)
            return pid, Events(read_fd)

        # Once in this process, so that a forked worker finds every module it needs loaded.
        store = _reset(template.parent, work)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            tui.cli.commands.main(["--db", str(store), "restore-backup", "--force"])
        # How long a restore takes here, so that kills can be spread over one.
        durations: list[float] = []
        calibration_failed = 0
        for i in range(6):
            store = _reset(template.parent, work)
            force = i % 2 == 0
            if not force:
                store.write_bytes(damaged)
            pid, events = start(force)
            events.wait_for("s", 1, timeout=30)
            started = time.monotonic()
            code = _wait(pid)
            durations.append(time.monotonic() - started)
            events.drain()
            calibration_failed += code != 0 or store.read_bytes() != backup
        restore_time = statistics.median(durations)
        missing = unreadable = neither = audit_wrong = backup_changed = lost = mid_restore = 0
        finished = left_before = restored = not_started = not_finished = 0
        for _ in range(kills):
            store = _reset(template.parent, work)
            force = rng.random() < 0.5
            original = good if force else damaged
            if not force:
                store.write_bytes(damaged)
            pid, events = start(force)
            events.wait_for("s", 1, timeout=30)
            time.sleep(rng.uniform(0, 1.5 * restore_time))
            os.kill(pid, signal.SIGKILL)
            _wait(pid)
            log = events.drain()
            if any(e.startswith("d") for e in log):
                finished += 1
            elif "s" in log:
                mid_restore += 1
            else:
                not_started += 1
            # The file that was the store must survive somewhere: as the store or kept beside it.
            if not any(p.read_bytes() == original for p in work.iterdir() if p.name.startswith("plans.json")):
                lost += 1
            if backup_path(store).read_bytes() != backup:
                backup_changed += 1
            if not store.exists():
                missing += 1
            else:
                try:
                    repo: Repository | None = Repository(store)
                except StoreError:
                    repo = None
                    if force or store.read_bytes() != damaged:
                        unreadable += 1  # a damaged store left as it was is the state before
                if repo is not None:
                    state = _plan_json(repo)
                    if state == after_plan:
                        restored += 1
                    elif force and state == before_plan:
                        left_before += 1
                    else:
                        neither += 1
                    if not journal_agrees(repo):
                        audit_wrong += 1
            # Running it again (as the user would) finishes the job.
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                code = tui.cli.commands.main(["--db", str(store), "restore-backup", "--force"])
            try:
                finishes = code == 0 and store.read_bytes() == backup and journal_agrees(Repository(store))
            except StoreError:
                finishes = False
            not_finished += not finishes
        section.equal("calibration restores that failed", calibration_failed, 0)
        section.add("median restore", f"{restore_time * 1000:.1f} ms", "(info)", True)
        section.equal("kills", mid_restore + finished + not_started, kills)
        section.equal("workers that did not start", not_started, 0)
        least = kills // 3 if min_mid_restore is None else min_mid_restore
        section.add("kills that landed mid-restore", mid_restore, f">= {least}", mid_restore >= least)
        section.add("restores that finished before the kill", finished, "(info)", True)
        section.add("stores holding the backup after the kill", restored, "(info)", True)
        section.add("stores still as before (or still damaged)", kills - restored, "(info)", True)
        section.equal("no store file after a kill", missing, 0)
        section.equal("store that does not open (not the damaged one)", unreadable, 0)
        section.equal("neither before nor after the restore", neither, 0)
        section.equal("audit trail disagreeing with the store", audit_wrong, 0)
        section.equal("backup changed", backup_changed, 0)
        section.equal("replaced file lost", lost, 0)
        section.equal("restore-backup run again did not finish the job", not_finished, 0)
    return section


# The whole campaign ------------------------------------------------------------------------


def run(
    work: Path, *, quick: bool = False, seed: int = 20191003, log: Callable[[str], None] = print
) -> list[Section]:
    small_kills, large_kills = (50, 20) if quick else (500, 500)
    updates = 50 if quick else 300
    truncations = 50 if quick else 200
    sections: list[Section] = []

    def step(section: Section) -> None:
        sections.append(section)
        log(f"  {section.title}: {'ok' if section.ok else 'FAILED'} in {section.seconds:.1f}s")

    log(f"kill -9 on the small store ({small_kills} kills) ...")
    step(
        kill_campaign(
            small_store(work / "kill-small"), kills=small_kills, seed=seed, title="1a. kill -9, small store"
        )
    )
    log("building a 10,000-action store with benchmarks.generate ...")
    store, plan_id, ref = large_store(work / "kill-large")
    log(f"kill -9 on the 10,000-action store ({large_kills} kills) ...")
    step(
        kill_campaign(
            store,
            kills=large_kills,
            seed=seed + 1,
            title="1b. kill -9, 10,000-action store",
            plan_id=plan_id,
            ref=ref,
            via_cli=False,
        )
    )
    log("write errors ...")
    step(write_error_campaign(work / "write-errors"))
    log("concurrent writers ...")
    step(concurrency_campaign(work / "concurrent", processes=4, updates=updates))
    log("killed lock holder ...")
    step(lock_holder_campaign(work / "lock", rounds=5 if quick else 20))
    log("read-only ...")
    step(read_only_campaign())
    log("damaged stores ...")
    step(damage_campaign(work / "damaged", truncations=truncations, seed=seed))
    restore_kills = 40 if quick else 200
    log(f"kill -9 during restore-backup ({restore_kills} kills) ...")
    step(restore_kill_campaign(work / "restore", kills=restore_kills, seed=seed + 7))
    from tests.faults.board_kills import board_kill_sections  # it imports this module

    board_kills = 20 if quick else 100
    log(f"kill -9 during ipt review close and ipt review note ({board_kills} kills each) ...")
    for section in board_kill_sections(work / "board", kills=board_kills, seed=seed + 8):
        step(section)
    return sections


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.faults.campaign", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="smaller counts (about a minute)")
    parser.add_argument("--seed", type=int, default=20191003)
    parser.add_argument("--keep", action="store_true", help="keep the work folder for inspection")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="ipt-faults-"))
    started = time.monotonic()
    try:
        sections = run(work, quick=args.quick, seed=args.seed, log=lambda text: print(text, flush=True))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print()
    print(render(sections))
    print(
        f"campaign took {time.monotonic() - started:.0f}s (seed {args.seed}{', quick' if args.quick else ''})"
    )
    return 0 if all(section.ok for section in sections) else 1


if __name__ == "__main__":
    raise SystemExit(main())
