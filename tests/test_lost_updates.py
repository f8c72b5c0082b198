"""No write path loses another's change: four processes write at once to one store, then
every acknowledged change is counted, exactly, in the store and in the audit journal.

Store-level races call the repository (and :mod:`store.operations`, :mod:`store.reviews`,
:mod:`store.importers`) from 4 forked processes x 25 writes, each process keeping one
:class:`Repository` as the tracker does, so its cached view is usually stale.

Command-line races run the real ``ipt`` entry point (:func:`tui.cli.commands.main`, argument parsing
included) in 4 forked processes x 6 writes in `make test` (x 25 in `make faults`, through
``IPT_CLI_RACE_WRITES``): fewer there, because each command opens and checks the store
afresh, 2-3 times the cost of a store-level write. A new interpreter per
command would cost another 0.5-0.8 s of CPU each (24 of them took 37 s for one path on two
busy cores), so only :func:`test_separate_ipt_processes_never_share_an_allocation_id`
starts real ``python -m tui.cli`` processes, 4 at once.

Every race checks that the processes' writes interleaved (the writer changes from one saved
change to the next), so a race that ran one process after another fails rather than passes.
Acknowledged means the call returned (exit 0 for ``ipt``). A refusal is recorded with its
message and must be one the race expects (a taken ref); anything else fails the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import itertools
import multiprocessing
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from store import reviews
from store.errors import ConflictError, StoreError
from store.importers import import_tracker, read_tracker
from store.models import (
    Action,
    AuditEntry,
    Plan,
    Reading,
    Recommendation,
    ReviewSession,
    SpendEntry,
    Theme,
)
from store.operations import add_numbered, set_fields
from store.repository import Repository
from tests.conftest import make_plan
from tui.cli.commands import main

FORK = multiprocessing.get_context("fork")
PLAN = "test-plan"
DAY = date(2019, 12, 2)
WORKERS = 4
STORE_WRITES = 25
CLI_WRITES = int(os.environ.get("IPT_CLI_RACE_WRITES", "6"))
"""Writes per process in a command-line race: 6 in `make test`, 25 in `make faults`."""
"""Per process; see the module's docstring for why the command line writes fewer."""


# The race --------------------------------------------------------------------------------


class Refused(Exception):
    """A write the store (or ``ipt``, exit 1) turned down; nothing was written."""


@dataclass
class Race:
    """What the processes were told: acknowledged (worker, n, what) and refused (worker, n, why)."""

    acked: list[tuple[int, int, str]] = field(default_factory=list)
    refused: list[tuple[int, int, str]] = field(default_factory=list)
    seconds: float = 0.0

    def texts(self) -> list[str]:
        return sorted(text for _, _, text in self.acked)

    def of(self, worker: int) -> list[str]:
        """One worker's acknowledged writes, in the order it made them."""
        return [text for w, _, text in sorted(self.acked) if w == worker]


Where = Path | str
"""A store file, or a ``postgresql://`` URL (see tests/test_pg_lost_updates.py)."""

Write = Callable[[Where, int, int], str]
"""One write by process ``w``, its ``n``-th: returns what was acknowledged, raises :class:`Refused`."""

_repos: dict[Where, Repository] = {}


def repo_of(store: Where) -> Repository:
    """The process's own long-lived repository on ``store`` (opened in the child after fork)."""
    if store not in _repos:
        _repos[store] = Repository(store)
    return _repos[store]


def _worker(store: Where, write: Write, worker: int, writes: int, out: Path, go: Any) -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    _repos.clear()
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    pause = random.Random(worker)
    go.wait()
    for n in range(writes):
        try:
            what, outcome = write(store, worker, n), "ok"
        except (Refused, StoreError) as error:
            what, outcome = str(error).replace("\n", " "), "refused"
        os.write(fd, f"{outcome}\t{n}\t{what}\n".encode())
        # A process waiting for the store's lock looks for it every 50 ms; without a pause the
        # one that holds it takes it straight back and the four write in turn, not at once.
        time.sleep(pause.uniform(0.0, 0.02))
    os._exit(0)


def race(
    store: Where, write: Write, *, writes: int, workers: int = WORKERS, folder: Path | None = None
) -> Race:
    """``workers`` forked processes making ``writes`` writes each, all released at once; each
    reports into a file in ``folder`` (default: the store file's own)."""
    go = FORK.Event()
    made = folder is None and not isinstance(store, Path)
    if folder is None:
        folder = store.parent if isinstance(store, Path) else Path(tempfile.mkdtemp(prefix="ipt-race-"))
    outs = [folder / f"race-{worker}.txt" for worker in range(workers)]
    for out in outs:
        out.unlink(missing_ok=True)
    processes = [
        FORK.Process(target=_worker, args=(store, write, worker, writes, outs[worker], go))
        for worker in range(workers)
    ]
    for process in processes:
        process.start()
    started = time.perf_counter()
    go.set()
    for process in processes:
        process.join(timeout=120)
        if process.is_alive():
            process.kill()
            process.join()
    result = Race(seconds=time.perf_counter() - started)
    assert [process.exitcode for process in processes] == [0] * workers
    for worker, out in enumerate(outs):
        for line in out.read_text().splitlines():
            outcome, n, what = line.split("\t", 2)
            (result.acked if outcome == "ok" else result.refused).append((worker, int(n), what))
    if made:
        shutil.rmtree(folder, ignore_errors=True)
    return result


def turns(store: Where) -> int:
    """How often the writer changed from one saved change to the next: 3 if the four processes
    had written one after another, so more shows that their writes really interleaved."""
    writers = [entry.by for entry in sorted(Repository(store).audit(PLAN), key=lambda e: e.revision or 0)]
    writers = [by for by in writers if by.startswith("w")]
    return sum(before != after for before, after in itertools.pairwise(writers))


def report(name: str, result: Race, kept: int, store: Where, *, min_turns: int = WORKERS) -> None:
    """One line per race for ``pytest -s`` (acknowledged, kept, how long), after checking that
    the processes' writes interleaved rather than ran one after another (``min_turns`` changes
    of writer among the saved changes)."""
    changes = turns(store)
    print(
        f"\n{name}: {len(result.acked)} acknowledged, {len(result.refused)} refused, "
        f"{kept} kept, {changes} changes of writer, {result.seconds:.1f} s"
    )
    assert changes >= min_turns, "the processes wrote one after another: no race was run"


def ipt(store: Where, worker: int, *argv: str) -> str:
    """Run ``ipt --db STORE --by wN ARGV…`` in this process; its output, or :class:`Refused`."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--db", str(store), "--by", f"w{worker}", *argv])
    if code != 0:
        raise Refused(err.getvalue().strip() or f"exit {code}")
    return out.getvalue().strip()


def audit(
    store: Where, entity: str, key: str | None = None, field_name: str | None = None
) -> list[AuditEntry]:
    entries = Repository(store).audit(PLAN, entity, key)
    return [entry for entry in entries if field_name is None or entry.field == field_name]


def audited(store: Where, entity: str) -> int:
    """How many changes the processes made to ``entity`` kinds are in the audit journal."""
    return sum(entry.by.startswith("w") for entry in audit(store, entity))


def stored(store: Where) -> Plan:
    return Repository(store).plan(PLAN)


def text(worker: int, n: int) -> str:
    return f"w{worker} n{n}"


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "plans.json"
    Repository(path).add_plan(race_plan(), by="setup")
    return path


def race_plan() -> Plan:
    """The plan every race starts from: six actions, and a theme and a recommendation per process."""
    plan = make_plan(actions=6)
    plan = plan.model_copy(
        update={
            "themes": [*plan.themes, *(Theme(key=f"T{w}", name=f"Theme {w}") for w in range(WORKERS))],
            "recommendations": [
                *plan.recommendations,
                *(Recommendation(number=n) for n in range(4, WORKERS + 1)),
            ],
        }
    )
    return Plan.model_validate(plan.model_dump())


def assert_chain(entries: list[AuditEntry]) -> None:
    """Each change was made to the value the one before left: none was applied to a stale copy."""
    for before, after in itertools.pairwise(entries):
        assert after.old == before.new, (before, after)


# Action updates ---------------------------------------------------------------------------


def _check_notes(store: Where, result: Race, name: str) -> None:
    notes = sorted(update.text for action in stored(store).actions for update in action.updates)
    audited = sorted(entry.new["text"] for entry in audit(store, "action", field_name="updates"))
    report(name, result, len(notes), store)
    assert not result.refused
    assert notes == audited == result.texts()
    assert len(set(notes)) == len(notes)


def test_store_level_action_updates(store: Path) -> None:
    def write(path: Where, w: int, n: int) -> str:
        note = text(w, n)
        repo_of(path).update_action(PLAN, f"WF-0{1 + n % 3}", {}, by=f"w{w}", on=DAY, note=note)
        return note

    result = race(store, write, writes=STORE_WRITES)
    assert len(result.acked) == WORKERS * STORE_WRITES
    _check_notes(store, result, "store: action update note")


def test_cli_action_updates(store: Path) -> None:
    def write(path: Where, w: int, n: int) -> str:
        ipt(path, w, "update", f"WF-0{1 + n % 3}", "--note", text(w, n), "--on", "2019-12-02")
        return text(w, n)

    result = race(store, write, writes=CLI_WRITES)
    assert len(result.acked) == WORKERS * CLI_WRITES
    _check_notes(store, result, "ipt update --note")


# The change board ----------------------------------------------------------------------------


def _session(store: Path) -> ReviewSession:
    return reviews.open_review(Repository(store), PLAN, DAY, by="chair")


def _check_decisions(store: Path, session_id: str, result: Race, name: str) -> None:
    decisions = next(s for s in stored(store).reviews if s.id == session_id).decisions
    entries = audit(store, "review session", session_id, "decisions")
    report(name, result, len(decisions), store)
    assert not result.refused
    added = []
    for entry in entries:  # each line adds one decision to what was stored before it
        assert entry.new[: len(entry.old or [])] == (entry.old or [])
        assert len(entry.new) == len(entry.old or []) + 1
        added.append(entry.new[-1])
    assert sorted(decisions) == sorted(added) == result.texts()
    assert entries[-1].new == decisions


def test_store_level_board_decisions(store: Path) -> None:
    session = _session(store)

    def write(path: Where, w: int, n: int) -> str:
        reviews.add_decision(repo_of(path), PLAN, session.id, text(w, n), by=f"w{w}")
        return text(w, n)

    result = race(store, write, writes=STORE_WRITES)
    _check_decisions(store, session.id, result, "store: board decision")


def test_cli_board_decisions(store: Path) -> None:
    session = _session(store)

    def write(path: Where, w: int, n: int) -> str:
        ipt(path, w, "review", "decide", session.id, text(w, n))
        return text(w, n)

    result = race(store, write, writes=CLI_WRITES)
    _check_decisions(store, session.id, result, "ipt review decide")


def _commentaries(entry: AuditEntry) -> list[tuple[str, str]]:
    """(subject, new commentary) of each agenda item an audit line of ``items`` changed."""
    old = {item["subject"]: item for item in entry.old or []}
    return [(item["subject"], item["commentary"]) for item in entry.new if old.get(item["subject"]) != item]


def _check_item_notes(store: Path, session_id: str, subjects: list[str], result: Race, name: str) -> None:
    session = next(s for s in stored(store).reviews if s.id == session_id)
    final = {item.subject: item.commentary for item in session.items}
    entries = audit(store, "review session", session_id, "items")
    changes = [_commentaries(entry) for entry in entries]
    assert all(len(change) == 1 for change in changes), "a board note changed another item"
    audited = [change[0] for change in changes]
    report(name, result, len(audited), store)
    assert not result.refused
    acked = sorted((subjects[w], note) for w, _, note in result.acked)
    assert sorted(audited) == acked
    for subject in set(subjects):  # last acknowledged wins; each note was made on the one before
        mine = [(entry, note) for entry, (s, note) in zip(entries, audited, strict=True) if s == subject]
        assert final[subject] == mine[-1][1]
        for (_, before), (entry, _) in itertools.pairwise(mine):
            assert next(i["commentary"] for i in entry.old if i["subject"] == subject) == before
    for w in range(WORKERS):  # each worker's own notes landed in the order it made them
        assert [note for _, note in audited if note.startswith(f"w{w} ")] == result.of(w)


def _item_race(store: Path, same_item: bool, writes: int, *, cli: bool) -> tuple[str, list[str], Race]:
    session = _session(store)
    assert len(session.items) >= WORKERS, session.items
    subjects = [session.items[0 if same_item else w].subject for w in range(WORKERS)]

    def write(path: Where, w: int, n: int) -> str:
        if cli:
            ipt(path, w, "review", "note", session.id, subjects[w], "--commentary", text(w, n))
        else:
            reviews.record_item(
                repo_of(path), PLAN, session.id, subjects[w], by=f"w{w}", on=DAY, commentary=text(w, n)
            )
        return text(w, n)

    return session.id, subjects, race(store, write, writes=writes)


def test_store_level_board_notes_on_different_items(store: Path) -> None:
    session_id, subjects, result = _item_race(store, False, STORE_WRITES, cli=False)
    _check_item_notes(store, session_id, subjects, result, "store: review note, different items")


def test_cli_board_notes_on_different_items(store: Path) -> None:
    session_id, subjects, result = _item_race(store, False, CLI_WRITES, cli=True)
    _check_item_notes(store, session_id, subjects, result, "ipt review note, different items")


def test_cli_board_notes_on_the_same_item(store: Path) -> None:
    session_id, subjects, result = _item_race(store, True, CLI_WRITES, cli=True)
    _check_item_notes(store, session_id, subjects, result, "ipt review note, same item")


# KPI readings ----------------------------------------------------------------------------------


def _reading_day(w: int, n: int) -> date:
    return date(2019, 9, 1) + timedelta(days=w * STORE_WRITES + n)


def _check_readings(store: Path, result: Race, name: str) -> None:
    kpi = next(k for k in stored(store).kpis if k.id == "K1")
    kept = sorted(f"{r.on} {r.value:f}" for r in kpi.readings if r.on >= date(2019, 9, 1))
    audited = sorted(f"{e.new['on']} {e.new['value']}" for e in audit(store, "KPI", "K1", "readings"))
    report(name, result, len(kept), store)
    assert not result.refused
    assert kept == audited == result.texts()


def test_store_level_kpi_readings(store: Path) -> None:
    def write(path: Where, w: int, n: int) -> str:
        reading = Reading(on=_reading_day(w, n), value=Decimal(w * 100 + n))
        repo_of(path).add_reading(PLAN, "K1", reading, by=f"w{w}")
        return f"{reading.on} {w * 100 + n}"

    result = race(store, write, writes=STORE_WRITES)
    _check_readings(store, result, "store: KPI reading")


def test_cli_kpi_readings(store: Path) -> None:
    def write(path: Where, w: int, n: int) -> str:
        day = _reading_day(w, n)
        said = ipt(path, w, "kpi", "reading", "K1", f"{w * 100 + n}.5", "--on", f"{day:%d/%m/%Y}")
        assert said.startswith("Recorded K1") and "(revision " in said, said
        return f"{day} {w * 100 + n}.5"

    result = race(store, write, writes=CLI_WRITES)
    _check_readings(store, result, "ipt kpi reading")


# Themes ----------------------------------------------------------------------------------------

THEME_FIELDS = ("name", "lead", "aim", "lead")
"""What each process edits on theme WF: three fields apart, and two processes on the lead."""


def _check_theme_fields(store: Path, result: Race, name: str) -> None:
    theme = next(t for t in stored(store).themes if t.key == "WF")
    report(name, result, audited(store, "theme"), store)
    assert not result.refused
    for field_name in set(THEME_FIELDS):
        entries = audit(store, "theme", "WF", field_name)
        assert_chain(entries)
        acked = sorted(t for w, _, t in result.acked if THEME_FIELDS[w] == field_name)
        assert sorted(str(e.new) for e in entries) == acked
        assert getattr(theme, field_name) == entries[-1].new  # the last acknowledged wins
        for w in range(WORKERS):
            if THEME_FIELDS[w] == field_name:
                assert [e.new for e in entries if e.by == f"w{w}"] == result.of(w)


def test_store_level_theme_field_edits(store: Path) -> None:
    def write(path: Where, w: int, n: int) -> str:
        set_fields(repo_of(path), PLAN, Theme, "WF", {THEME_FIELDS[w]: text(w, n)}, by=f"w{w}")
        return text(w, n)

    result = race(store, write, writes=STORE_WRITES)
    _check_theme_fields(store, result, "store: theme fields (set_fields)")


def test_cli_theme_field_edits(store: Path) -> None:
    def write(path: Where, w: int, n: int) -> str:
        said = ipt(path, w, "theme", "edit", "WF", f"--{THEME_FIELDS[w]}", text(w, n))
        assert said.startswith(f"Saved theme WF: {THEME_FIELDS[w]} {text(w, n)} (revision "), said
        return text(w, n)

    result = race(store, write, writes=CLI_WRITES)
    _check_theme_fields(store, result, "ipt theme edit")


def test_store_level_form_edits_of_different_themes_never_conflict(store: Path) -> None:
    """The tracker's theme form: each edit carries the theme as the form loaded it (``base``),
    from a view other processes have since moved on from; a change to another theme is no conflict."""
    fields = ("name", "lead", "aim")

    def write(path: Where, w: int, n: int) -> str:
        repo = repo_of(path)
        base = next(t for t in repo.plan(PLAN).themes if t.key == f"T{w}")
        edited = base.model_copy(update={fields[n % 3]: text(w, n)})
        try:
            repo.edit(PLAN, edited, by=f"w{w}", base=base)
        except ConflictError as error:
            raise Refused(f"conflict: {error}") from None
        return text(w, n)

    result = race(store, write, writes=STORE_WRITES)
    report("store: theme form edits, different themes", result, audited(store, "theme"), store)
    assert not result.refused
    plan = stored(store)
    for w in range(WORKERS):
        theme = next(t for t in plan.themes if t.key == f"T{w}")
        entries = [e for e in audit(store, "theme", f"T{w}") if e.field in fields]
        assert [e.new for e in entries] == result.of(w)
        for i, field_name in enumerate(fields):
            assert getattr(theme, field_name) == text(w, max(n for n in range(STORE_WRITES) if n % 3 == i))


# Recommendations ---------------------------------------------------------------------------------


def test_store_level_form_edits_of_recommendation_wording(store: Path) -> None:
    def write(path: Where, w: int, n: int) -> str:
        repo = repo_of(path)
        base = next(r for r in repo.plan(PLAN).recommendations if r.number == w + 1)
        try:
            repo.edit(PLAN, base.model_copy(update={"text": text(w, n)}), by=f"w{w}", base=base)
        except ConflictError as error:
            raise Refused(f"conflict: {error}") from None
        return text(w, n)

    result = race(store, write, writes=STORE_WRITES)
    report("store: recommendation wording form edits", result, audited(store, "recommendation"), store)
    assert not result.refused
    plan = stored(store)
    for w in range(WORKERS):
        entries = audit(store, "recommendation", str(w + 1), "text")
        assert_chain(entries)
        assert [e.new for e in entries] == result.of(w)
        assert next(r for r in plan.recommendations if r.number == w + 1).text == result.of(w)[-1]


def test_cli_recommendation_wording_on_one_recommendation(store: Path) -> None:
    def write(path: Where, w: int, n: int) -> str:
        said = ipt(path, w, "rec", "edit", "1", "--text", text(w, n))
        assert said.startswith("Saved recommendation 1's wording (revision "), said
        return text(w, n)

    result = race(store, write, writes=CLI_WRITES)
    entries = audit(store, "recommendation", "1", "text")
    report("ipt rec edit, one recommendation", result, len(entries), store)
    assert not result.refused
    assert_chain(entries)
    assert sorted(e.new for e in entries) == result.texts()
    assert next(r for r in stored(store).recommendations if r.number == 1).text == entries[-1].new


def _check_impact(store: Path, result: Race, name: str) -> None:
    plan = stored(store)
    report(name, result, audited(store, "recommendation"), store)
    assert not result.refused
    for w in range(WORKERS):
        entries = audit(store, "recommendation", str(w + 1), "impact_evidenced")
        assert [e.new["note"] for e in entries] == result.of(w)
        assert all(e.new["by"] == f"w{w}" for e in entries)
        sign_off = next(r for r in plan.recommendations if r.number == w + 1).impact_evidenced
        assert sign_off is not None and sign_off.note == result.of(w)[-1]


def test_store_level_impact_evidenced(store: Path) -> None:
    """As the recommendations screen saves it: the recommendation as loaded is the ``base``."""

    def write(path: Where, w: int, n: int) -> str:
        repo = repo_of(path)
        base = next(r for r in repo.plan(PLAN).recommendations if r.number == w + 1)
        signed = {"on": DAY + timedelta(days=n), "by": f"w{w}", "note": text(w, n)}
        try:
            repo.edit(PLAN, base.model_copy(update={"impact_evidenced": signed}), by=f"w{w}", base=base)
        except ConflictError as error:
            raise Refused(f"conflict: {error}") from None
        return text(w, n)

    _check_impact(store, race(store, write, writes=STORE_WRITES), "store: impact evidenced")


def test_cli_impact_evidenced(store: Path) -> None:
    def write(path: Where, w: int, n: int) -> str:
        on = f"{DAY + timedelta(days=n):%Y-%m-%d}"
        ipt(path, w, "rec", "impact", str(w + 1), "--on", on, "--note", text(w, n))
        return text(w, n)

    _check_impact(store, race(store, write, writes=CLI_WRITES), "ipt rec impact")


# Money ---------------------------------------------------------------------------------------------


def _check_added(store: Path, result: Race, table: str, existing: set[str], name: str) -> None:
    """Each acknowledged add has its own id, is stored with what it was given, and is audited."""
    plan = stored(store)
    entities = {e.id: e for e in getattr(plan, table) if e.id not in existing}
    noun = "allocation" if table == "allocations" else "spend entry"
    created = [e.key for e in audit(store, noun) if e.field == "created"]
    ids = [what.split(" ", 1)[0] for _, _, what in result.acked]
    report(name, result, len(entities), store)
    assert not result.refused
    assert len(set(ids)) == len(ids), "two adds were given one id"
    assert sorted(ids) == sorted(entities) == sorted(created)
    for _, _, what in result.acked:
        key, label = what.split(" ", 1)
        entity = entities[key]
        assert (entity.purpose if table == "allocations" else entity.note) == label
    assert sum(e.amount for e in entities.values()) == sum(
        Decimal(f"{w * 1000 + n}.01") for w, n, _ in result.acked
    )


def test_store_level_allocation_adds_never_share_an_id(store: Path) -> None:
    from store.models import Allocation

    def write(path: Where, w: int, n: int) -> str:
        def make(key: str) -> Allocation:
            return Allocation.model_validate(
                {
                    "id": key,
                    "source": "grant",
                    "category": "investment",
                    "financial_year": "2019/20",
                    "amount": f"{w * 1000 + n}.01",
                    "purpose": text(w, n),
                }
            )

        made = add_numbered(repo_of(path), PLAN, Allocation, make, by=f"w{w}")
        return f"{made.id} {text(w, n)}"

    result = race(store, write, writes=STORE_WRITES)
    _check_added(store, result, "allocations", {"A1"}, "store: allocation add")


def test_cli_allocation_adds_never_share_an_id(store: Path) -> None:
    def write(path: Where, w: int, n: int) -> str:
        said = ipt(
            path,
            w,
            *("allocation", "add", "--year", "2019/20", "--amount", f"{w * 1000 + n}.01"),
            *("--source", "grant", "--category", "investment", "--purpose", text(w, n)),
        )
        assert said.startswith("Added allocation A") and "(revision " in said, said
        return f"{said.split()[2].rstrip(':')} {text(w, n)}"

    result = race(store, write, writes=CLI_WRITES)
    _check_added(store, result, "allocations", {"A1"}, "ipt allocation add")


def test_store_level_spend_adds_never_share_an_id(store: Path) -> None:
    def write(path: Where, w: int, n: int) -> str:
        def make(key: str) -> SpendEntry:
            return SpendEntry(
                id=key,
                allocation="A1",
                financial_year="2019/20",
                period=1 + n % 12,
                amount=Decimal(f"{w * 1000 + n}.01"),
                note=text(w, n),
            )

        made = add_numbered(repo_of(path), PLAN, SpendEntry, make, by=f"w{w}")
        return f"{made.id} {text(w, n)}"

    result = race(store, write, writes=STORE_WRITES)
    _check_added(store, result, "spend", {"S1"}, "store: spend add")


def test_cli_spend_adds_never_share_an_id(store: Path) -> None:
    def write(path: Where, w: int, n: int) -> str:
        said = ipt(
            path,
            w,
            *("spend", "add", "--allocation", "A1", "--year", "2019/20", "--period", str(1 + n % 12)),
            *("--amount", f"{w * 1000 + n}.01", "--note", text(w, n)),
        )
        assert said.startswith("Added spend S") and "(revision " in said, said
        return f"{said.split()[2]} {text(w, n)}"

    result = race(store, write, writes=CLI_WRITES)
    _check_added(store, result, "spend", {"S1"}, "ipt spend add")


def test_separate_ipt_processes_never_share_an_allocation_id(store: Path) -> None:
    """Real ``python -m tui.cli`` processes, each a fresh interpreter, 4 at once (see the docstring)."""
    writes = 1
    said: list[str] = []
    failures: list[str] = []

    def stream(w: int) -> None:
        for n in range(writes):
            done = subprocess.run(
                [
                    *(sys.executable, "-m", "tui.cli", "--db", str(store), "--by", f"w{w}"),
                    *("allocation", "add", "--year", "2019/20", "--amount", f"{w * 1000 + n}.01"),
                    *("--source", "grant", "--category", "investment", "--purpose", text(w, n)),
                ],
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            (said if done.returncode == 0 else failures).append(done.stdout.strip() or done.stderr)

    started = time.perf_counter()
    threads = [threading.Thread(target=stream, args=(w,)) for w in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    ids = sorted(line.split()[2].rstrip(":") for line in said)
    allocations = [a for a in stored(store).allocations if a.id != "A1"]
    print(
        f"\npython -m tui.cli allocation add: {len(said)} acknowledged, {len(allocations)} kept, "
        f"{time.perf_counter() - started:.1f} s"
    )
    assert len(ids) == len(set(ids)) == WORKERS * writes
    assert ids == sorted(a.id for a in allocations)


# Actions -----------------------------------------------------------------------------------------


def test_store_level_action_creates_on_the_same_refs(store: Path) -> None:
    """All four processes try to add N-00 … N-24, each starting at a different one: each ref is
    added once, by whichever process came first, and the others are refused."""

    def write(path: Where, w: int, n: int) -> str:
        ref = f"N-{(n + w * 6) % STORE_WRITES:02d}"
        repo_of(path).create(PLAN, Action(ref=ref, theme="WF", title=text(w, n)), by=f"w{w}")
        return f"{ref} {text(w, n)}"

    result = race(store, write, writes=STORE_WRITES)
    plan = stored(store)
    titles = {a.ref: a.title for a in plan.actions if a.ref.startswith("N-")}
    created = [e.key for e in audit(store, "action") if e.field == "created"]
    # Only the first attempt at each ref is saved: run one after another, the first process
    # would save all 25 and the writer would never change; two changes show they raced.
    report("store: action create, same refs", result, len(titles), store, min_turns=2)
    assert all("already exists" in why for _, _, why in result.refused)
    assert len(result.acked) == STORE_WRITES and len(result.refused) == (WORKERS - 1) * STORE_WRITES
    assert dict(what.split(" ", 1) for _, _, what in result.acked) == titles
    assert sorted(created) == sorted(titles)


# Importing a tracker ------------------------------------------------------------------------------


def _tracker_files(store: Path, writes: int) -> dict[tuple[int, int], Path]:
    folder = store.parent / "trackers"
    folder.mkdir()
    files = {}
    for w in range(WORKERS):
        for n in range(writes):
            path = folder / f"w{w}n{n}.csv"
            path.write_text(
                "Ref,Theme,Action,Lead,Due,Status,% complete,Update\r\n"
                f"I{w}-{n:02d},WF,{text(w, n)},Lead {w},31/03/2020,In progress,{n},{text(w, n)}\r\n",
                encoding="utf-8",
            )
            files[w, n] = path
    return files


def _check_imports(store: Path, result: Race, name: str) -> None:
    plan = stored(store)
    imported = {a.ref: a for a in plan.actions if a.ref.startswith("I")}
    created = [e.key for e in audit(store, "action") if e.field == "created"]
    report(name, result, len(imported), store)
    assert not result.refused
    assert sorted(imported) == sorted(created) == result.texts()
    for ref, action in imported.items():
        w, n = int(ref[1]), int(ref[3:])
        assert action.title == text(w, n) and [u.text for u in action.updates] == [text(w, n)]


def test_store_level_tracker_imports(store: Path) -> None:
    files = _tracker_files(store, STORE_WRITES)

    def write(path: Where, w: int, n: int) -> str:
        result = import_tracker(repo_of(path), PLAN, read_tracker(files[w, n]), by=f"w{w}", on=DAY)
        assert result.added == [f"I{w}-{n:02d}"], result
        return f"I{w}-{n:02d}"

    _check_imports(store, race(store, write, writes=STORE_WRITES), "store: tracker import")


def test_cli_tracker_imports(store: Path) -> None:
    files = _tracker_files(store, CLI_WRITES)

    def write(path: Where, w: int, n: int) -> str:
        said = ipt(path, w, "import", str(files[w, n]), "--plan", PLAN)
        assert "1 added" in said, said
        return f"I{w}-{n:02d}"

    _check_imports(store, race(store, write, writes=CLI_WRITES), "ipt import tracker.csv")


# Two trackers on one store ---------------------------------------------------------------------------


class Tracker:
    """One tracker running in a task of its own, so that Textual's current app (a context
    variable every screen reads) is this one while its steps run."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.steps: asyncio.Queue[tuple[Step, asyncio.Future[Any]] | None] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Tracker:
        started: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.task = asyncio.create_task(self._run(started))
        await started
        return self

    async def _run(self, started: asyncio.Future[None]) -> None:
        from tests.test_tui_app import SIZE, settle

        try:
            async with self.app.run_test(size=SIZE) as pilot:
                await settle(self.app, pilot)
                started.set_result(None)
                while (item := await self.steps.get()) is not None:
                    step, done = item
                    try:
                        done.set_result(await step(self.app, pilot))
                    except Exception as error:
                        done.set_exception(error)
        except Exception as error:
            if not started.done():
                started.set_exception(error)
            raise

    async def do(self, step: Step) -> Any:
        done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        await self.steps.put((step, done))
        return await done

    async def __aexit__(self, *exc: object) -> None:
        await self.steps.put(None)
        assert self.task is not None
        await self.task


Step = Callable[[Any, Any], Awaitable[Any]]


async def test_two_trackers_edit_different_then_the_same_action(store: Path, tmp_path: Path) -> None:
    """A's form on WF-01 is no conflict with B's save of WF-02; when both edit WF-03, the second
    save names the other change, and after ctrl+r it saves with both changes kept."""
    from textual.widgets import Input

    from tests.test_tui_app import AS_OF, open_form, problem, set_input, settle
    from tui.app import make_app
    from tui.screens.actions import ActionsScreen

    def tracker(by: str) -> Tracker:
        settings = tmp_path / f"{by}.json"
        return Tracker(make_app(store, as_of=AS_OF, by=by, poll_seconds=0, settings_path=settings))

    def edit(ref: str, name: str, value: str) -> Step:
        async def step(app: Any, pilot: Any) -> None:
            set_input(await open_form(app, pilot, ref), name, value)

        return step

    async def save(app: Any, pilot: Any) -> str:
        """ctrl+s: the form's message if it stayed open (refused), else ""."""
        form = app.screen
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        return "" if isinstance(app.screen, ActionsScreen) else problem(form, "_form")

    async def reload(app: Any, pilot: Any) -> tuple[str, str]:
        await pilot.press("ctrl+r")
        await pilot.pause()
        return app.screen.query_one("#field-owner", Input).value, app.screen.query_one(
            "#field-progress", Input
        ).value

    async with tracker("alice") as a, tracker("bob") as b:
        await a.do(edit("WF-01", "owner", "Alice"))
        await b.do(edit("WF-02", "owner", "Bob"))
        assert await b.do(save) == ""
        assert await a.do(save) == "", "another action's save is no conflict"

        await a.do(edit("WF-03", "owner", "Alice"))
        await b.do(edit("WF-03", "progress", "70"))
        assert await b.do(save) == ""
        message = await a.do(save)
        assert "changed by bob at" in message and "progress: 0 → 70" in message, message
        assert await a.do(reload) == ("Alice", "70")
        assert await a.do(save) == ""
    plan = stored(store)
    owners = {action.ref: (action.owner, action.progress) for action in plan.actions}
    assert owners["WF-01"] == ("Alice", 0) and owners["WF-02"] == ("Bob", 0)
    assert owners["WF-03"] == ("Alice", 70)
    by = Counter((e.key, e.field, e.by) for e in audit(store, "action"))
    assert by[("WF-03", "owner", "alice")] == 1 and by[("WF-03", "progress", "bob")] == 1


# Owners' returns -------------------------------------------------------------------------------

RETURN_WRITES = 10


def _check_requests(store: Path, result: Race, name: str) -> None:
    requests = [r for r in stored(store).requests if r.sent_by.startswith("w")]
    created = [e.key for e in audit(store, "return request") if e.field == "created" and e.by.startswith("w")]
    report(name, result, len(requests), store, min_turns=2)
    assert not result.refused
    ids = sorted(r.id for r in requests)
    assert ids == sorted(created) == result.texts()
    assert len(set(ids)) == len(ids)


def test_store_level_requests_never_share_an_id(store: Path) -> None:
    from store.returns import make_requests

    def write(path: Where, w: int, n: int) -> str:
        made = make_requests(repo_of(path), PLAN, by=f"w{w}", on=DAY, due=None, write=lambda name, data: None)
        assert len(made) == 1, made
        return made[0].id

    _check_requests(store, race(store, write, writes=RETURN_WRITES), "store: return requests")


def test_cli_requests_never_share_an_id(store: Path) -> None:
    import re

    def write(path: Where, w: int, n: int) -> str:
        said = ipt(
            path, w, "requests", "--out", str(Path(path).parent / "out" / f"w{w}n{n}"), "--on", "02/12/2019"
        )
        found: list[str] = re.findall(r"^(RQ-\d+) to ", said, re.M)
        assert len(found) == 1, said
        return found[0]

    _check_requests(store, race(store, write, writes=CLI_WRITES), "ipt requests --out")


def _return_folders(store: Path, writes: int) -> dict[tuple[int, int], Path]:
    """A returned workbook per write, each answering a request of its own with one update."""
    import openpyxl

    from store.returns import ACTIONS_SHEET, EDITABLE, HEADER_ROW, READ_ONLY, make_requests

    update_column = len(READ_ONLY) + 1 + [name for _, _, name in EDITABLE].index("update")
    repo = Repository(store)
    folders = {}
    for w in range(WORKERS):
        for n in range(writes):
            folder = store.parent / "returns" / f"w{w}n{n}"
            folder.mkdir(parents=True)
            written: dict[str, bytes] = {}
            [request] = make_requests(repo, PLAN, by="setup", on=DAY, due=None, write=written.__setitem__)
            path = folder / request.file
            path.write_bytes(written[request.file])
            book = openpyxl.load_workbook(path)
            sheet = book[ACTIONS_SHEET]
            for row in range(HEADER_ROW + 1, sheet.max_row + 1):
                if sheet.cell(row, 1).value == f"WF-{w + 1:02d}":
                    sheet.cell(row, update_column).value = text(w, n)
            book.save(path)
            folders[w, n] = folder
    return folders


def _check_returns(store: Path, result: Race, name: str) -> None:
    plan = stored(store)
    notes = sorted(u.text for a in plan.actions for u in a.updates if u.author.startswith("w"))
    audited = sorted(
        e.new["text"] for e in audit(store, "action", field_name="updates") if e.by.startswith("w")
    )
    returned = [r for r in plan.requests if r.returned_by.startswith("w")]
    report(name, result, len(notes), store, min_turns=2)
    assert not result.refused
    assert notes == audited == result.texts()
    assert len(returned) == len(result.acked)
    for w in range(WORKERS):
        mine = [u.text for u in plan.action(f"WF-{w + 1:02d}").updates if u.author.startswith("w")]
        assert sorted(mine) == sorted(result.of(w))


def test_store_level_returns(store: Path) -> None:
    from store.returns import apply_returns, read_returns, return_files

    folders = _return_folders(store, RETURN_WRITES)

    def write(path: Where, w: int, n: int) -> str:
        repo = repo_of(path)
        found = read_returns(return_files(folders[w, n]), repo.plan(PLAN))
        apply_returns(repo, PLAN, found, by=f"w{w}", on=DAY)
        assert not any(one.refused for one in found), [one.problems for one in found]
        return text(w, n)

    _check_returns(store, race(store, write, writes=RETURN_WRITES), "store: owners' returns")


def test_cli_returns(store: Path) -> None:
    folders = _return_folders(store, CLI_WRITES)

    def write(path: Where, w: int, n: int) -> str:
        said = ipt(path, w, "returns", str(folders[w, n]), "--on", "02/12/2019")
        assert "1 return read" in said, said
        return text(w, n)

    _check_returns(store, race(store, write, writes=CLI_WRITES), "ipt returns DIR")
