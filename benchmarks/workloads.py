"""The board-pack exports, the tracker import, snapshots and the UI, timed for ``make bench``.

Each timer has the shape :class:`benchmarks.run.Worker` runs in a process of its own: built
from ``(store path, plan id, seed, *extra)``, one method call per timed run returning seconds.

- :class:`ExportTimer`: :func:`store.exports.export_pack` of the store's plan in one format
  (rendered and written atomically, as ``ipt export`` does), and the floor: ``orjson.dumps``
  of the same plan's JSON data, already in memory.
- :class:`ImportTimer`: a tracker XLSX made by the export itself (:func:`tracker_store`) read
  with :func:`read_tracker`, checked with a dry run, and imported for real into a fresh copy
  of a store whose plan has the themes and recommendations but no actions yet. Floor:
  ``openpyxl.load_workbook(read_only=True)`` iterating the same sheet's rows.
- :func:`take_snapshots`: ``repo.take_snapshot`` repeated on a built store.
- :func:`ui_figures`: :func:`benchmarks.tui_bench.tui_figures` in a fresh process.
"""

from __future__ import annotations

import concurrent.futures
import gc
import multiprocessing
import shutil
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson

from benchmarks.generate import AS_OF, BuiltStore, build_store
from store.exports import FORMATS, export_pack
from store.importers import TrackerRows, import_tracker, read_tracker
from store.models import Plan
from store.repository import Repository

TRACKER_NAME = "tracker.xlsx"
"""The tracker file :func:`tracker_store` writes beside the store it builds."""
EXPORT_FLOOR = "orjson.dumps of the plan's JSON data"
IMPORT_FLOOR = "openpyxl load_workbook(read_only=True), iterate the rows"
EXPORT_FORMATS: tuple[str, ...] = FORMATS


class ExportTimer:
    """Times the board pack of one store's plan in each format, one run per call."""

    def __init__(self, path: Path, plan_id: str, seed: int, as_of: str = AS_OF.isoformat()) -> None:
        self.path = path
        self.plan_id = plan_id
        self.as_of = date.fromisoformat(as_of)
        self.folder = path.with_name("bench-exports")
        self._plan: Plan | None = None
        self._data: Any = None

    def _loaded(self) -> Plan:
        if self._plan is None:
            self._plan = Repository(self.path).plan(self.plan_id)
            self._data = self._plan.model_dump(mode="json")
            self.folder.mkdir(exist_ok=True)
        return self._plan

    def export_once(self, run: int, fmt: str) -> float:
        """``export_pack`` in ``fmt``: the pack built in memory, then written atomically."""
        plan = self._loaded()
        out = self.folder / f"pack-{run}.{fmt}"
        gc.collect()  # the previous run's garbage is freed here, not inside this timing
        started = time.perf_counter()
        export_pack(plan, as_of=self.as_of, fmt=fmt, out=out)
        elapsed = time.perf_counter() - started
        out.unlink()
        return elapsed

    def dump_floor_once(self, run: int) -> float:
        """``orjson.dumps`` of the plan's JSON data (the least work any export of it needs)."""
        self._loaded()
        gc.collect()
        started = time.perf_counter()
        orjson.dumps(self._data)
        return time.perf_counter() - started

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def tracker_store(folder: Path, plan: Plan, *, seed: int) -> BuiltStore:
    """A tracker XLSX of ``plan``'s actions and a store to import it into, both in ``folder``.

    The tracker is ``plan``'s own XLSX board pack (its Actions sheet has the export's action
    columns, which the importer reads back). The store holds ``plan`` without its actions, so
    a real import adds every row as a new action.
    """
    folder.mkdir(parents=True, exist_ok=True)
    export_pack(plan, as_of=AS_OF, fmt="xlsx", out=folder / TRACKER_NAME)
    empty = plan.model_copy(update={"actions": []})
    return build_store(folder / "plans.json", empty, audit_entries=0, seed=seed)


class ImportTimer:
    """Times reading, dry-running and importing the tracker beside a :func:`tracker_store`."""

    def __init__(self, path: Path, plan_id: str, seed: int) -> None:
        self.path = path
        self.plan_id = plan_id
        self.tracker = path.with_name(TRACKER_NAME)
        self._rows: TrackerRows | None = None
        self._repo: Repository | None = None

    def _read(self) -> TrackerRows:
        if self._rows is None:
            self._rows = read_tracker(self.tracker)
        return self._rows

    def read_once(self, run: int) -> float:
        """``read_tracker``: the file checked, parsed and every row's values checked."""
        gc.collect()
        started = time.perf_counter()
        rows = read_tracker(self.tracker)
        elapsed = time.perf_counter() - started
        if rows.problems:
            raise RuntimeError(f"the tracker has problems: {rows.problems[:3]}")
        self._rows = rows
        return elapsed

    def dry_run_once(self, run: int) -> float:
        """``import_tracker(dry_run=True)`` of rows already read, against the open store."""
        rows = self._read()
        if self._repo is None:
            self._repo = Repository(self.path)
        gc.collect()
        started = time.perf_counter()
        result = import_tracker(self._repo, self.plan_id, rows, by="bench", dry_run=True, on=AS_OF)
        elapsed = time.perf_counter() - started
        self._check(len(result.added), len(rows.rows))
        return elapsed

    def import_once(self, run: int) -> float:
        """A real ``import_tracker`` of rows already read, into a fresh copy of the store."""
        rows = self._read()
        copy = self.path.parent.with_name(f"{self.path.parent.name}-import-{run}")
        shutil.copytree(self.path.parent, copy)
        try:
            repo = Repository(copy / self.path.name)
            gc.collect()
            started = time.perf_counter()
            result = import_tracker(repo, self.plan_id, rows, by="bench", on=AS_OF)
            elapsed = time.perf_counter() - started
            self._check(len(result.added), len(rows.rows))
            del repo
        finally:
            shutil.rmtree(copy)
        return elapsed

    def floor_once(self, run: int) -> float:
        """``load_workbook(read_only=True)`` and every row of the Actions sheet, as values."""
        from openpyxl import load_workbook

        gc.collect()
        started = time.perf_counter()
        book = load_workbook(self.tracker, read_only=True)
        try:
            for _ in book["Actions"].iter_rows(values_only=True):
                pass
        finally:
            book.close()
        return time.perf_counter() - started

    @staticmethod
    def _check(added: int, rows: int) -> None:
        if added != rows:
            raise RuntimeError(f"the import added {added} actions from {rows} rows")

    def close(self) -> None:
        self._repo = None


def take_snapshots(store: BuiltStore, count: int) -> list[float]:
    """Take ``count`` snapshots of ``store``'s plan with ``repo.take_snapshot``; seconds each.

    One a month backwards from the plan's as-of day, as a monthly board would have taken them.
    """
    repo = Repository(store.path)
    seconds = []
    for number in range(count):
        on = AS_OF - timedelta(days=30 * (count - 1 - number))
        started = time.perf_counter()
        repo.take_snapshot(store.plan_id, label=f"Board {number + 1}", as_of=on, by="bench")
        seconds.append(time.perf_counter() - started)
    return seconds


def folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def ui_figures(*, actions: int, runs: int | None = None, presses: int | None = None) -> list[dict[str, Any]]:
    """:func:`benchmarks.tui_bench.tui_figures` at ``actions`` actions, in a fresh process."""
    from benchmarks.tui_bench import tui_figures

    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        future = pool.submit(tui_figures, False, actions=actions, runs=runs, presses=presses)
        figures: list[dict[str, Any]] = future.result()
    return figures
