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
- :class:`MessyImportTimer`: a tracker laid out as councils lay theirs out (:func:`messy_tracker`)
  read and dry-run; floor: ``openpyxl.load_workbook()`` of it (with styles: fills are styles).
- :class:`RequestsTimer`: the owners' monthly request workbooks, 50 owners, written and recorded;
  floor: openpyxl writing the same cells into as many unstyled workbooks.
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


MESSY_TRACKER_NAME = "messy-tracker.xlsx"
MESSY_FLOOR = "openpyxl load_workbook() (styles read, as fills need), iterate the rows"
REQUESTS_FLOOR = "openpyxl writes the same cells into as many plain workbooks"
FILLS = {"red": "FF0000", "amber": "FFC000", "green": "00B050", "blue": "0070C0"}


def messy_tracker(path: Path, plan: Plan) -> None:
    """``plan``'s actions as a council lays its tracker out, every rule of the importer in play.

    A title, a "Last updated" line and a note above a two-row header under merged group
    headings; council headings ("Action Required", "Lead Officer", "By When", "Ofsted Rec(s)",
    "Progress Update – June 2017"); a theme section row (merged, filled) above each theme's
    actions and no Theme column; the RAG given only by the cell's fill; a hidden stale "RAG"
    column; due dates as quarters of financial years or months; progress as shares; a
    sub-action row under every tenth action; a summary row at the end.
    """
    from openpyxl import Workbook
    from openpyxl.styles import PatternFill

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Action plan"
    sheet.append(["Children's Services Improvement Plan"])
    sheet.append(["Last updated: 30 June 2017"])
    sheet.append(["Please update the progress column monthly"])
    sheet.append(["Action", None, None, "Ownership", "Timescale", "Progress", None, None, "Stale"])
    sheet.append(
        ["Ref", "Action Required", "Ofsted Rec(s)", "Lead Officer", "By When", "R/A/G", "% complete",
         "Progress Update – June 2017", "RAG"]
    )  # fmt: skip
    sheet.merge_cells("A4:C4")
    sheet.merge_cells("F4:H4")
    sheet.column_dimensions["I"].hidden = True
    fills = {rag: PatternFill("solid", fgColor=colour) for rag, colour in FILLS.items()}
    section = PatternFill("solid", fgColor="D9D9D9")
    themes = {theme.key: theme.name for theme in plan.themes}
    by_theme: dict[str, list[Any]] = {}
    for action in plan.actions:
        by_theme.setdefault(action.theme, []).append(action)
    row = sheet.max_row
    for key, actions in by_theme.items():
        row += 1
        sheet.cell(row, 1, f"Theme {list(themes).index(key) + 1}: {themes[key]}").fill = section
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=8)
        for number, action in enumerate(actions):
            row += 1
            due = action.due_on or AS_OF
            if number % 2:
                quarter = (due.month - 4) % 12 // 3 + 1
                start = due.year if due.month >= 4 else due.year - 1
                when = f"Q{quarter} {start}/{(start + 1) % 100:02d}"
            else:
                when = due.strftime("%b-%y")
            recs = " & ".join(str(n) for n in action.recommendations)
            values = [action.ref, action.title, f"Recs {recs}" if recs else "", action.owner, when, None,
                      action.progress / 100, f"Update on {action.ref}", "Green"]  # fmt: skip
            for column, value in enumerate(values, start=1):
                sheet.cell(row, column, value)
            if action.rag is not None:
                sheet.cell(row, 6).fill = fills[action.rag.value]
            if number % 10 == 9:
                row += 1
                sheet.cell(row, 2, f"Sub-step of {action.ref}")
    sheet.cell(row + 1, 1, "Overall plan RAG")
    book.save(path)


class MessyImportTimer:
    """Times reading and dry-running :func:`messy_tracker`'s workbook; floor: openpyxl's own read."""

    def __init__(self, path: Path, plan_id: str, seed: int) -> None:
        self.path = path
        self.plan_id = plan_id
        self.tracker = path.with_name(MESSY_TRACKER_NAME)
        self._rows: TrackerRows | None = None

    def read_once(self, run: int) -> float:
        """``read_tracker``: header found, sections, fills, hidden column, quarters and shares read."""
        gc.collect()
        started = time.perf_counter()
        rows = read_tracker(self.tracker)
        elapsed = time.perf_counter() - started
        if rows.problems or not rows.sections or not rows.hidden_columns:
            raise RuntimeError(f"the messy tracker was not read as laid out: {rows.problems[:3]}")
        self._rows = rows
        return elapsed

    def dry_run_once(self, run: int) -> float:
        """``import_tracker(dry_run=True)`` of the rows read, against the store's plan."""
        if self._rows is None:
            self._rows = read_tracker(self.tracker)
        repo = Repository(self.path)
        gc.collect()
        started = time.perf_counter()
        result = import_tracker(repo, self.plan_id, self._rows, by="bench", dry_run=True, on=AS_OF)
        elapsed = time.perf_counter() - started
        if len(result.added) != len(self._rows.rows):
            raise RuntimeError(
                f"the import added {len(result.added)} actions from {len(self._rows.rows)} rows"
            )
        return elapsed

    def floor_once(self, run: int) -> float:
        """``load_workbook()`` (not read-only: a fill is a style) and every row, as values."""
        from openpyxl import load_workbook

        gc.collect()
        started = time.perf_counter()
        book = load_workbook(self.tracker)
        for _ in book.active.iter_rows(values_only=True):  # type: ignore[union-attr]
            pass
        return time.perf_counter() - started

    def close(self) -> None:
        self._rows = None


def messy_tracker_store(folder: Path, plan: Plan, *, seed: int) -> BuiltStore:
    """:func:`messy_tracker` of ``plan`` and a store of ``plan`` without its actions, in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    messy_tracker(folder / MESSY_TRACKER_NAME, plan)
    empty = plan.model_copy(update={"actions": []})
    return build_store(folder / "plans.json", empty, audit_entries=0, seed=seed)


def owners_store(folder: Path, plan: Plan, *, owners: int, seed: int) -> BuiltStore:
    """``plan`` with its open actions shared among ``owners`` owners, for timing their requests."""
    from store.rollups._common import is_open

    names = [f"Owner {number:02d}, Children's Services" for number in range(owners)]
    actions = [
        action.model_copy(update={"owner": names[n % owners]}) if is_open(action) else action
        for n, action in enumerate(plan.actions)
    ]
    return build_store(folder / "plans.json", plan.model_copy(update={"actions": actions}), 0, seed=seed)


class RequestsTimer:
    """Times :func:`store.returns.make_requests` for every owner; floor: the same cells, plain."""

    def __init__(self, path: Path, plan_id: str, seed: int) -> None:
        self.path = path
        self.plan_id = plan_id
        self.out = path.with_name("requests-out")

    def write_once(self, run: int) -> float:
        """Every owner's workbook built and written, and the requests recorded, in a fresh store copy."""
        from store.returns import make_requests
        from store.storage import write_atomically

        copy = self.path.parent.with_name(f"{self.path.parent.name}-requests-{run}")
        shutil.copytree(self.path.parent, copy)
        folder = self.out / str(run)
        folder.mkdir(parents=True)
        try:
            repo = Repository(copy / self.path.name)
            gc.collect()
            started = time.perf_counter()
            made = make_requests(
                repo,
                self.plan_id,
                by="bench",
                on=AS_OF,
                due=AS_OF + timedelta(days=14),
                write=lambda name, data: write_atomically(folder / name, data),
            )
            elapsed = time.perf_counter() - started
            self.cells = sum(len(request.actions) for request in made) * 14
            self.books = len(made)
        finally:
            shutil.rmtree(copy)
            shutil.rmtree(folder)
        return elapsed

    def floor_once(self, run: int) -> float:
        """openpyxl writing as many workbooks, the same number of cells in all, no styles."""
        from openpyxl import Workbook

        books = getattr(self, "books", 50)
        per_book = max(getattr(self, "cells", 50 * 140) // max(books, 1), 1)
        folder = self.out / f"floor-{run}"
        folder.mkdir(parents=True)
        gc.collect()
        started = time.perf_counter()
        for number in range(books):
            book = Workbook()
            sheet = book.active
            assert sheet is not None
            for cell in range(per_book):
                sheet.cell(cell // 14 + 1, cell % 14 + 1, f"cell {cell}")
            book.save(folder / f"{number}.xlsx")
        elapsed = time.perf_counter() - started
        shutil.rmtree(folder)
        return elapsed

    def close(self) -> None:
        shutil.rmtree(self.out, ignore_errors=True)


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
