"""Time the store, the exports, the tracker import and the UI, each against a floor timed in the same run.

``make bench`` (or ``python -m benchmarks.run``) prints a table; ``--json PATH`` also writes
the figures, ``--quick`` skips the largest plan and the UI, and ``--check`` exits 1 when a
target is missed. ``docs/PERFORMANCE.md`` has the figures and what bounds them.

The stores are issue #5's: 10,000 actions in 40 themes, 200 recommendations, 1,000 funding
allocations and 4,000 spend entries, 100 KPIs of 36 readings, 100,000 audit entries and 24
snapshots (the main store), plus the Oldham sample (the everyday case) and a row per plan size.
What is timed (``time.perf_counter``, median and 90th percentile of repeated runs):

- **open**: ``Repository(path)`` on a new object each run, so the whole store is read, parsed
  and validated. Floor: reading the same file and ``orjson.loads`` of its bytes.
- **edit**: one durable ``update_action`` (a progress change plus a new note, on a different
  action each run) on an open repository, after one untimed warm-up edit. Floor: ``orjson.dumps``
  of the same data, written to a temporary file, fsynced and ``os.replace``-d into place.
- **edit against audit history and snapshots**: copies of the main store with 0, 10,000 and
  100,000 audit entries, and with 0 and 24 snapshots, take turns edit by edit, so load from
  elsewhere falls on all of them alike.
- **export**: ``export_pack`` in each format (md, html, xlsx, csv, json), built and written.
  Floor: ``orjson.dumps`` of the plan's JSON data (:mod:`benchmarks.workloads`).
- **import**: a 5,000-row tracker XLSX (the export's own Actions sheet) read, dry-run and
  imported into a copy of a store. Floor: ``openpyxl`` read-only load iterating its rows.
- **UI**: :func:`benchmarks.tui_bench.tui_figures`, whole-process first frame against a bare
  Textual app and the down key to the next frame, in a fresh process.

Every store is timed in a fresh worker process of its own (:class:`Worker`) holding only that
store, as the app does, not in the bench process whose memory is full of generated plans.
Within a worker the figures and their floor take turns in an order rotated each round.

Ratios are median over floor median: they say how much the store adds to the least work the
same bytes need on this machine, so they travel between machines better than milliseconds.
Every store lives in a temporary folder that is removed at the end.

To add a figure for a later issue: add a field to :class:`Config` (and to :meth:`Config.tiny`),
measure it in :func:`collect` into the figures dict, print it in :func:`render`, and add a
:class:`Target` to :data:`TARGETS` if it has a limit.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import multiprocessing
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from importlib import metadata
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import orjson

from benchmarks.generate import AS_OF, DEFAULT_SEED, BuiltStore, add_history, build_store, stress_plan
from benchmarks.tui_bench import OLDHAM_AS_OF
from benchmarks.workloads import (
    EXPORT_FLOOR,
    EXPORT_FORMATS,
    IMPORT_FLOOR,
    MESSY_FLOOR,
    MESSY_TRACKER_NAME,
    REQUESTS_FLOOR,
    ExportTimer,
    ImportTimer,
    MessyImportTimer,
    RequestsTimer,
    folder_bytes,
    messy_tracker_store,
    owners_store,
    take_snapshots,
    tracker_store,
    ui_figures,
)
from store.journal import journal_path
from store.models import Plan
from store.repository import Repository
from store.snapshots import snapshots_folder

Figures = dict[str, Any]
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Target:
    """A limit on one figure, found in the figures dict by ``path``; ``unit`` is ``ms`` or ``x``."""

    label: str
    path: tuple[str, ...]
    limit: float
    unit: str = "ms"


FLAT = 1.25
"""Largest "does not grow" ratio: edit time with the most history or snapshots over none.

Edits take turns with each other, so load falls on all alike, but single edits still vary by
10-20% run to run on a shared machine; 1.25x is flat within that noise."""

TARGETS: tuple[Target, ...] = (
    Target("update_action on the main store, median", ("main", "edit", "median_ms"), 50.0),
    Target("update_action, most audit history / none", ("audit_growth_ratio",), FLAT, "x"),
    Target("update_action, most snapshots / none", ("snapshot_growth_ratio",), FLAT, "x"),
    *(
        Target(f"export {fmt} of the main store, median", ("main", "exports", fmt, "median_ms"), 1000.0)
        for fmt in EXPORT_FORMATS
    ),
)
"""Targets printed next to the figures; ``--check`` fails the run when one is missed.

The UI's targets come with its figures (:func:`benchmarks.tui_bench.tui_figures`) and are
checked with these when the UI part runs."""


@dataclass(frozen=True)
class Config:
    """What to measure. The defaults are the full ``make bench``."""

    main_actions: int = 10_000
    """Size of the main store: the one the targets are about."""
    audit_entries: int = 100_000
    """History in the main store and in every store of the size table."""
    audit_steps: tuple[int, ...] = (0, 10_000, 100_000)
    """History sizes at which the main store's edit time is measured."""
    sizes: tuple[int, ...] = (1_000, 10_000, 50_000)
    """Plan sizes (actions) for the size table."""
    runs: int = 15
    """Timed runs per figure."""
    large_actions: int = 20_000
    """Plans above this many actions are opened only ``large_open_runs`` times (each open takes seconds)."""
    large_open_runs: int = 5
    everyday_sample: str = "oldham-2019"
    """Sample plan for the everyday case; a generated 30-action plan if it is not available."""
    everyday_audit: int = 1_000
    allocations: int = 1_000
    spend: int = 4_000
    """Funding lines and spend entries in every generated plan: 5,000 together, as issue #5 asks
    (with the KPIs, the part that does not scale with actions)."""
    kpis: int = 100
    snapshots: int = 24
    """Snapshots taken of the main store (with ``repo.take_snapshot``) before it is timed."""
    export_runs: int = 5
    """Timed runs of each export format (each takes up to seconds at 10,000 actions)."""
    large_export_runs: int = 2
    """Runs of each export for plans above ``large_actions``."""
    import_actions: int = 5_000
    """Rows in the tracker XLSX that is imported."""
    import_runs: int = 5
    messy_rows: int = 5_000
    """Actions in the messy council tracker that is read (with its section and sub-action rows)."""
    request_owners: int = 50
    """Owners asked for their monthly return, each with a workbook of their open actions."""
    request_actions: int = 1_000
    """Actions in the plan the owners' requests are written from."""
    ui: bool = True
    """Time the UI (start-up and keystrokes, :mod:`benchmarks.tui_bench`) at ``main_actions``."""
    seed: int = DEFAULT_SEED

    def plan(self, actions: int) -> Plan:
        """The generated plan of ``actions`` actions that this configuration measures."""
        return stress_plan(
            actions=actions, allocations=self.allocations, spend=self.spend, kpis=self.kpis, seed=self.seed
        )

    @classmethod
    def quick(cls) -> Config:
        """The full bench without the 50,000-action plan and the UI."""
        return cls(sizes=(1_000, 10_000), ui=False)

    @classmethod
    def tiny(cls) -> Config:
        """Seconds, not minutes: for tests that the harness works, not for figures."""
        return cls(
            main_actions=200,
            audit_entries=1_000,
            audit_steps=(0, 100, 1_000),
            sizes=(50, 200),
            runs=3,
            large_actions=40,
            large_open_runs=2,
            everyday_audit=100,
            allocations=10,
            spend=100,
            kpis=10,
            snapshots=2,
            export_runs=2,
            large_export_runs=2,
            import_actions=60,
            import_runs=2,
            messy_rows=60,
            request_owners=5,
            request_actions=40,
            ui=False,
        )


# Timing -------------------------------------------------------------------------------


def summary(samples: Sequence[float]) -> dict[str, float | int]:
    """Median, 90th percentile and best of ``samples`` (seconds) in milliseconds."""
    ordered = sorted(samples)
    p90 = statistics.quantiles(ordered, n=10, method="inclusive")[8] if len(ordered) > 1 else ordered[0]
    return {
        "median_ms": statistics.median(ordered) * 1000,
        "p90_ms": p90 * 1000,
        "min_ms": ordered[0] * 1000,
        "runs": len(ordered),
    }


def with_floor(samples: Sequence[float], floor: Sequence[float], floor_label: str) -> dict[str, Any]:
    figures: dict[str, Any] = summary(samples)
    floor_figures = summary(floor)
    figures["floor"] = {"what": floor_label, **floor_figures}
    figures["ratio"] = figures["median_ms"] / floor_figures["median_ms"]
    return figures


class StoreTimer:
    """Times one store, one run per call: open and edit, and the floor of each."""

    def __init__(self, path: Path, plan_id: str, seed: int) -> None:
        self.path = path
        self.plan_id = plan_id
        self.seed = seed
        self._repo: Repository | None = None
        self._positions: list[int] = []
        self._data: Any = None

    def open_once(self, run: int) -> float:
        """``Repository(path)`` on a new object: read, parse and validate the whole store."""
        gc.collect()  # the previous run's plan is freed here, not inside this timing
        started = time.perf_counter()
        repo = Repository(self.path)
        elapsed = time.perf_counter() - started
        del repo
        return elapsed

    def parse_floor_once(self, run: int) -> float:
        """Read the store file and ``orjson.loads`` its bytes."""
        gc.collect()
        started = time.perf_counter()
        orjson.loads(self.path.read_bytes())
        return time.perf_counter() - started

    def edit_once(self, run: int) -> float:
        """One durable ``update_action``: a progress change and a note, on a different action each run."""
        if self._repo is None:
            self._repo = Repository(self.path)
            count = len(self._repo.plan(self.plan_id).actions)
            self._positions = random.Random(self.seed).sample(range(count), k=count)
            gc.collect()
        action = self._repo.plan(self.plan_id).actions[self._positions[run % len(self._positions)]]
        progress = action.progress + 5 if action.progress <= 95 else action.progress - 5
        note = f"Benchmark edit {run}: progress moved to {progress}% after the monthly review."
        started = time.perf_counter()
        self._repo.update_action(
            self.plan_id, action.ref, {"progress": progress}, by="bench", on=AS_OF, note=note
        )
        return time.perf_counter() - started

    def write_floor_once(self, run: int) -> float:
        """``orjson.dumps`` the store's data, write it to a temporary file, fsync, ``os.replace``."""
        if self._data is None:
            self._data = orjson.loads(self.path.read_bytes())
        temp = self.path.with_name(f".floor.json.tmp-{run}")
        started = time.perf_counter()
        payload = orjson.dumps(self._data)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            view = memoryview(payload)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, self.path.with_name("floor.json"))
        return time.perf_counter() - started

    def close(self) -> None:
        self.path.with_name("floor.json").unlink(missing_ok=True)


def _serve(
    conn: Connection, timer_class: Any, path: str, plan_id: str, seed: int, extra: tuple[Any, ...]
) -> None:
    """A worker process: run timer methods as the bench asks, send back the seconds.

    ``"export_once:md"`` calls ``timer.export_once(run, "md")``.
    """
    timer = timer_class(Path(path), plan_id, seed, *extra)
    while True:
        method, run = conn.recv()
        if method == "stop":
            timer.close()
            conn.send(None)
            return
        name, _, argument = method.partition(":")
        try:
            call = getattr(timer, name)
            conn.send(("ok", call(run, argument) if argument else call(run)))
        except Exception:  # reported by the bench; store errors do not survive pickling, so as text
            conn.send(("failed", traceback.format_exc()))


class Worker:
    """A timer (by default a :class:`StoreTimer`) in a process of its own, started fresh (spawned).

    Each store is measured in a clean process rather than in the bench's own, whose memory is
    fragmented by generating and storing plans: that measurably slowed whichever store the
    bench process happened to load first. For the same reason opens and edits get a worker
    each: at 10,000 actions, edits in a process that had just opened the store 15 times were
    about 40% slower (``orjson.dumps`` of the store's data alone about 50%).
    """

    def __init__(
        self, store: BuiltStore, seed: int, timer: type[Any] = StoreTimer, extra: tuple[Any, ...] = ()
    ) -> None:
        self.path = store.path
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(child, timer, str(store.path), store.plan_id, seed, extra), daemon=True
        )
        self._process.start()
        child.close()

    def time(self, method: str, run: int) -> float:
        """Seconds for run ``run`` of the timer's method ``method`` (``"name:argument"`` passes one)."""
        self._conn.send((method, run))
        outcome, answer = self._conn.recv()
        if outcome != "ok":
            raise RuntimeError(f"{method} on {self.path} failed in its worker process:\n{answer}")
        return float(answer)

    def close(self) -> None:
        if self._process.is_alive():
            with contextlib.suppress(OSError, EOFError):
                self._conn.send(("stop", 0))
                self._conn.recv()
        self._process.join(timeout=30)
        if self._process.is_alive():
            self._process.kill()
        self._conn.close()


@contextlib.contextmanager
def workers(
    stores: Sequence[BuiltStore], seed: int, timer: type[Any] = StoreTimer, extra: tuple[Any, ...] = ()
) -> Iterator[list[Worker]]:
    started: list[Worker] = []
    try:
        for store in stores:
            started.append(Worker(store, seed, timer, extra))
        yield started
    finally:
        for worker in started:
            worker.close()


def _turns(count: int, run: int) -> list[int]:
    """The order in which ``count`` stores take their turn in round ``run``: rotated each round."""
    return [(run + offset) % count for offset in range(count)]


def time_rounds(
    timers: Sequence[Worker], methods: Sequence[str], runs: int, *, warm_up: int = 0
) -> list[dict[str, list[float]]]:
    """Seconds per timer and method: each round, every timer runs every method once.

    The timers take turns in rotating order, and so do the methods, so load from elsewhere
    that comes and goes falls on all of them alike and their figures can be compared. The
    first ``warm_up`` rounds are run but not kept.
    """
    samples: list[dict[str, list[float]]] = [{method: [] for method in methods} for _ in timers]
    for run in range(warm_up + runs):
        for turn in _turns(len(timers), run):
            for method in (methods[index] for index in _turns(len(methods), run)):
                elapsed = timers[turn].time(method, run)
                if run >= warm_up:
                    samples[turn][method].append(elapsed)
    return samples


OPEN_FLOOR = "read + orjson.loads"
EDIT_FLOOR = "orjson.dumps + write + fsync + os.replace"


def measure_opens(timers: Sequence[Worker], runs: int) -> list[dict[str, Any]]:
    """Open figures for each worker's store, the stores taking turns."""
    opens = time_rounds(timers, ("open_once", "parse_floor_once"), runs)
    return [with_floor(series["open_once"], series["parse_floor_once"], OPEN_FLOOR) for series in opens]


def measure_edits(timers: Sequence[Worker], runs: int) -> list[dict[str, Any]]:
    """Edit figures for each worker's store, the stores taking turns.

    Edits come after one untimed warm-up edit, so they are of an open repository, as in the app.
    """
    edits = time_rounds(timers, ("edit_once",), runs, warm_up=1)
    floors = time_rounds(timers, ("write_floor_once",), runs)
    return [
        with_floor(edit["edit_once"], floor["write_floor_once"], EDIT_FLOOR)
        for edit, floor in zip(edits, floors, strict=True)
    ]


def measure(store: BuiltStore, *, open_runs: int, edit_runs: int, seed: int) -> dict[str, Any]:
    """Open and edit figures for one store, each from a fresh worker (see :class:`Worker`)."""
    with workers([store], seed) as timers:
        [opened] = measure_opens(timers, open_runs)
    with workers([store], seed) as timers:
        [edited] = measure_edits(timers, edit_runs)
    return {"open": opened, "edit": edited}


def time_fsync(folder: Path, runs: int) -> list[float]:
    """Seconds to append one short line to a file and fsync it: the price of any durable save."""
    target = folder / "fsync-probe"
    samples = []
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for _ in range(runs):
            started = time.perf_counter()
            os.write(fd, b'{"probe": true}\n')
            os.fsync(fd)
            samples.append(time.perf_counter() - started)
    finally:
        os.close(fd)
        target.unlink()
    return samples


# Measuring stores --------------------------------------------------------------------


def store_sizes(store: BuiltStore) -> dict[str, int]:
    journal = journal_path(store.path)
    return {
        "store_bytes": store.path.stat().st_size,
        "journal_bytes": journal.stat().st_size if journal.exists() else 0,
        "audit_entries": store.history,
    }


def everyday_plan(config: Config) -> tuple[str, Plan]:
    """The everyday plan: the sample plan if it is there, else a small generated one."""
    try:
        from sample_plans import load_sample

        return config.everyday_sample, load_sample(config.everyday_sample).plan
    except (ImportError, KeyError, OSError):
        plan = stress_plan(
            actions=30, themes=5, recommendations=8, allocations=6, spend=40, kpis=6, readings=12,
            monitoring=16, seed=config.seed,
        )  # fmt: skip
        return "generated, 30 actions", plan


def machine() -> dict[str, Any]:
    versions = {}
    for package in ("orjson", "pydantic", "pydantic-core", "tinydb"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "?"
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average": load_average(),
        **versions,
    }


def load_average() -> float | None:
    """The one-minute load average: figures taken on a busy machine are noisier and slower."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else None


def measure_exports(store: BuiltStore, runs: int, seed: int, as_of: date = AS_OF) -> dict[str, Any]:
    """Export figures in every format for one store, from one fresh worker holding its plan.

    The formats and the floor take turns, in an order rotated each round.
    """
    methods = [*(f"export_once:{fmt}" for fmt in EXPORT_FORMATS), "dump_floor_once"]
    with workers([store], seed, ExportTimer, (as_of.isoformat(),)) as timers:
        [series] = time_rounds(timers, methods, runs)
    floor = series["dump_floor_once"]
    return {fmt: with_floor(series[f"export_once:{fmt}"], floor, EXPORT_FLOOR) for fmt in EXPORT_FORMATS}


def measure_import(folder: Path, config: Config) -> dict[str, Any]:
    """Read, dry-run and import a tracker XLSX of ``config.import_actions`` rows (:class:`ImportTimer`)."""
    plan = config.plan(config.import_actions)
    store = tracker_store(folder, plan, seed=config.seed)
    del plan
    methods = ("read_once", "dry_run_once", "import_once", "floor_once")
    with workers([store], config.seed, ImportTimer) as timers:
        [series] = time_rounds(timers, methods, config.import_runs)
    floor = series["floor_once"]
    tracker = store.path.with_name("tracker.xlsx")
    return {
        "rows": config.import_actions,
        "file_bytes": tracker.stat().st_size,
        "read": with_floor(series["read_once"], floor, IMPORT_FLOOR),
        "dry_run": with_floor(series["dry_run_once"], floor, IMPORT_FLOOR),
        "import": with_floor(series["import_once"], floor, IMPORT_FLOOR),
    }


def measure_messy_import(folder: Path, config: Config) -> dict[str, Any]:
    """Read and dry-run a council tracker of ``config.messy_rows`` actions laid out as councils do."""
    plan = config.plan(config.messy_rows)
    store = messy_tracker_store(folder, plan, seed=config.seed)
    del plan
    with workers([store], config.seed, MessyImportTimer) as timers:
        [series] = time_rounds(timers, ("read_once", "dry_run_once", "floor_once"), config.import_runs)
    floor = series["floor_once"]
    return {
        "rows": config.messy_rows,
        "file_bytes": store.path.with_name(MESSY_TRACKER_NAME).stat().st_size,
        "read": with_floor(series["read_once"], floor, MESSY_FLOOR),
        "dry_run": with_floor(series["dry_run_once"], floor, MESSY_FLOOR),
    }


def measure_requests(folder: Path, config: Config) -> dict[str, Any]:
    """Write (and record) every owner's request workbook for a plan shared among ``request_owners``."""
    plan = config.plan(config.request_actions)
    store = owners_store(folder, plan, owners=config.request_owners, seed=config.seed)
    del plan
    with workers([store], config.seed, RequestsTimer) as timers:
        [series] = time_rounds(timers, ("write_once", "floor_once"), config.import_runs)
    return {
        "owners": config.request_owners,
        "actions": config.request_actions,
        "write": with_floor(series["write_once"], series["floor_once"], REQUESTS_FLOOR),
    }


def per_thousand(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Median milliseconds per 1,000 actions, per size, for open, edit and every export.

    Flat down the column is linear growth; rising is worse than linear. Small plans cost a
    little more per 1,000 actions than linear because the KPIs, funding and spend do not
    scale with actions.
    """
    out = []
    for row in rows:
        thousands = row["actions"] / 1000
        cost = {"open": row["open"]["median_ms"] / thousands, "edit": row["edit"]["median_ms"] / thousands}
        for fmt, timing in row.get("exports", {}).items():
            cost[fmt] = timing["median_ms"] / thousands
        out.append({"actions": row["actions"], "ms_per_1000": cost})
    return out


def collect(config: Config, progress: Progress | None = None) -> Figures:
    """Build every store in a temporary folder, time it and return the figures."""
    say = progress or (lambda message: None)
    started = time.perf_counter()
    figures: Figures = {"config": asdict(config), "machine": machine()}
    with tempfile.TemporaryDirectory(prefix="ipt-bench-") as tmp:
        root = Path(tmp)
        figures["machine"]["fsync"] = summary(time_fsync(root, config.runs))

        # The main store with each amount of history: copies of one store, topped up.
        say(f"generating {config.main_actions:,} actions")
        plan = config.plan(config.main_actions)
        base = build_store(root / "history-0" / "plans.json", plan, audit_entries=0, seed=config.seed)
        steps = sorted({*(s for s in config.audit_steps if s <= config.audit_entries), config.audit_entries})
        stores = []
        for step in steps:
            folder = root / f"history-{step}"
            if not folder.exists():
                shutil.copytree(base.path.parent, folder)
            copy = replace(base, path=folder / base.path.name)
            stores.append(add_history(copy, plan, step - copy.history, seed=config.seed))
        del plan
        # The main store is the one with the full history and the snapshots; a copy taken
        # before the snapshots is the same store without them.
        unsnapped = stores[-1]
        main_folder = root / "main"
        shutil.copytree(unsnapped.path.parent, main_folder)
        main_store = replace(unsnapped, path=main_folder / unsnapped.path.name)
        say(f"taking {config.snapshots} snapshots of {config.main_actions:,} actions")
        snapshot_seconds = take_snapshots(main_store, config.snapshots)
        snapshots = snapshots_folder(main_store.path)
        say(f"opening {config.main_actions:,} actions")
        with workers([main_store], config.seed) as timers:
            [opened] = measure_opens(timers, config.runs)
        histories = ", ".join(f"{step:,}" for step in steps)
        say(
            f"editing {config.main_actions:,} actions with {histories} audit entries, "
            f"and with {config.snapshots} snapshots"
        )
        with workers([*stores, main_store], config.seed) as timers:
            *edits, main_edit = measure_edits(timers, config.runs)
        growth = [{**store_sizes(store), "edit": edit} for store, edit in zip(stores, edits, strict=True)]
        say(f"exporting {config.main_actions:,} actions in {', '.join(EXPORT_FORMATS)}")
        exports = measure_exports(main_store, config.export_runs, config.seed)
        main = {
            "actions": config.main_actions,
            **store_sizes(main_store),
            "snapshots": {
                "count": config.snapshots,
                "folder_bytes": folder_bytes(snapshots) if snapshots.exists() else 0,
                "take": summary(snapshot_seconds) if snapshot_seconds else None,
            },
            "open": opened,
            "edit": main_edit,
            "exports": exports,
        }
        figures["main"] = main
        figures["audit_growth"] = [row for row in growth if row["audit_entries"] in config.audit_steps]
        first, last = figures["audit_growth"][0], figures["audit_growth"][-1]
        figures["audit_growth_ratio"] = last["edit"]["median_ms"] / first["edit"]["median_ms"]
        figures["snapshot_growth"] = [
            {"snapshots": 0, "audit_entries": unsnapped.history, "edit": edits[-1]},
            {"snapshots": config.snapshots, "audit_entries": main_store.history, "edit": main_edit},
        ]
        figures["snapshot_growth_ratio"] = main_edit["median_ms"] / edits[-1]["median_ms"]
        for store in stores:
            shutil.rmtree(store.path.parent)  # the copies are done with: keep the disk cache for the rest

        # The everyday case.
        name, small = everyday_plan(config)
        say(f"everyday plan: {name}")
        small_store = build_store(
            root / "everyday" / "plans.json", small, config.everyday_audit, seed=config.seed
        )
        timings = measure(small_store, open_runs=config.runs, edit_runs=config.runs, seed=config.seed)
        small_as_of = OLDHAM_AS_OF if name == config.everyday_sample else AS_OF
        figures["everyday"] = {
            "plan": name,
            "actions": len(small.actions),
            **store_sizes(small_store),
            **timings,
            "exports": measure_exports(small_store, config.runs, config.seed, small_as_of),
        }

        # Importing a tracker.
        say(f"importing a {config.import_actions:,}-row tracker")
        figures["import"] = measure_import(root / "import", config)
        say(f"reading a {config.messy_rows:,}-row council tracker as laid out")
        figures["messy_import"] = measure_messy_import(root / "messy", config)
        say(f"writing {config.request_owners} owners' request workbooks")
        figures["requests"] = measure_requests(root / "requests", config)

        # One row per plan size, each with the main store's history.
        rows = []
        for actions in config.sizes:
            if actions == config.main_actions:
                keys = ("actions", "store_bytes", "audit_entries", "open", "edit", "exports")
                rows.append({key: main[key] for key in keys})
                continue
            say(f"generating {actions:,} actions")
            sized_plan = config.plan(actions)
            sized = build_store(root / f"size-{actions}" / "plans.json", sized_plan, config.audit_entries)
            del sized_plan
            large = actions > config.large_actions
            open_runs = config.large_open_runs if large else config.runs
            say(f"opening, editing and exporting {actions:,} actions")
            timings = measure(sized, open_runs=open_runs, edit_runs=config.runs, seed=config.seed)
            export_runs = config.large_export_runs if large else config.export_runs
            rows.append(
                {
                    "actions": actions,
                    "store_bytes": sized.path.stat().st_size,
                    "audit_entries": sized.history,
                    **timings,
                    "exports": measure_exports(sized, export_runs, config.seed),
                }
            )
            shutil.rmtree(sized.path.parent)
        figures["sizes"] = rows
        figures["per_thousand"] = per_thousand(rows)

    if config.ui:
        say(f"timing the UI: start-up against a bare Textual app, keys at {config.main_actions:,} actions")
        figures["ui"] = ui_figures(actions=config.main_actions)
    else:
        figures["ui"] = None
    figures["targets"] = [check_target(target, figures) for target in TARGETS] + ui_targets(figures["ui"])
    figures["seconds"] = time.perf_counter() - started
    figures["machine"]["load_average_after"] = load_average()
    return figures


def ui_targets(ui: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The UI figures that have a target, in the form of :func:`check_target`."""
    targets = []
    for row in ui or []:
        if row["met"] is None:
            continue
        unit = row["unit"]
        targets.append(
            {
                "label": row["figure"],
                "path": ["ui"],
                "limit": row["target"],
                "unit": unit,
                "measured": row["median"],
                "met": bool(row["met"]),
            }
        )
    return targets


def check_target(target: Target, figures: Figures) -> dict[str, Any]:
    value: Any = figures
    for key in target.path:
        value = value[key]
    return {**asdict(target), "measured": value, "met": value <= target.limit}


# Printing ------------------------------------------------------------------------------


def _ms(value: float) -> str:
    return f"{value:,.1f} ms" if value < 100 else f"{value:,.0f} ms"


def _mb(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB" if size >= 1_000_000 else f"{size / 1_000:,.0f} kB"


@dataclass
class _Table:
    headings: Sequence[str]
    rows: list[Sequence[str]] = field(default_factory=list)

    def add(self, *cells: str) -> None:
        self.rows.append(cells)

    def render(self) -> str:
        widths = [max(len(row[i]) for row in [self.headings, *self.rows]) for i in range(len(self.headings))]
        lines = []
        for number, row in enumerate([self.headings, *self.rows]):
            cells = [cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)]
            lines.append("  " + "  ".join(cells).rstrip())
            if number == 0:
                lines.append("  " + "  ".join("-" * width for width in widths))
        return "\n".join(lines)


def _timing_cells(timing: dict[str, Any]) -> list[str]:
    return [
        _ms(timing["median_ms"]),
        _ms(timing["p90_ms"]),
        _ms(timing["min_ms"]),
        str(timing["runs"]),
        _ms(timing["floor"]["median_ms"]),
        f"{timing['ratio']:.1f}x",
    ]


def _edit_cells(edit: dict[str, Any]) -> list[str]:
    """Median, p90, floor and ratio of one edit timing, for the growth tables."""
    return [
        _ms(edit["median_ms"]),
        _ms(edit["p90_ms"]),
        _ms(edit["floor"]["median_ms"]),
        f"{edit['ratio']:.1f}x",
    ]


def _limit(target: dict[str, Any]) -> str:
    if isinstance(target["limit"], str):
        return target["limit"]
    return (
        f"<= {target['limit']:g} {target['unit']}" if target["unit"] == "ms" else f"<= {target['limit']:g}x"
    )


def _measured(target: dict[str, Any]) -> str:
    return _ms(target["measured"]) if target["unit"] == "ms" else f"{target['measured']:.2f}x"


def _target_for(path: tuple[str, ...], figures: Figures) -> str:
    for target in figures["targets"]:
        if tuple(target["path"]) == path:
            verdict = "met" if target["met"] else "MISSED"
            return f"{_limit(target)}: {verdict}"
    return ""


def _section_table(key: str, section: dict[str, Any], figures: Figures) -> _Table:
    heads = ("", "median", "p90", "min", "runs", "floor", "ratio", "target")
    table = _Table(heads)
    table.add(
        "open + validate", *_timing_cells(section["open"]), _target_for((key, "open", "median_ms"), figures)
    )
    table.add(
        "update_action", *_timing_cells(section["edit"]), _target_for((key, "edit", "median_ms"), figures)
    )
    for fmt, timing in section.get("exports", {}).items():
        target = _target_for((key, "exports", fmt, "median_ms"), figures)
        table.add(f"export {fmt}", *_timing_cells(timing), target)
    take = (section.get("snapshots") or {}).get("take")
    if take:
        table.add(
            "take_snapshot",
            _ms(take["median_ms"]),
            _ms(take["p90_ms"]),
            _ms(take["min_ms"]),
            str(take["runs"]),
            "",
            "",
            "(no floor)",
        )
    return table


def render(figures: Figures) -> str:
    """The figures as the table ``make bench`` prints."""
    info = figures["machine"]
    out = [
        "ipt benchmark: median and p90 of repeated runs, each against a floor timed in the same run",
        f"  Python {info['python']}, {info['cpus']} CPUs, orjson {info['orjson']}, "
        f"pydantic {info['pydantic']}, tinydb {info['tinydb']}; {info['platform']}",
        f"  one fsync on this disk: median {_ms(info['fsync']['median_ms'])}, "
        f"p90 {_ms(info['fsync']['p90_ms'])}",
        "  floors: open = read the file + orjson.loads;",
        "          edit = orjson.dumps + write temp file + fsync + os.replace;",
        f"          export = {EXPORT_FLOOR};",
        f"          import = {IMPORT_FLOOR}",
    ]
    if info.get("load_average") is not None:
        after = info.get("load_average_after") or 0.0
        out.append(
            f"  load average before/after: {info['load_average']:.1f}/{after:.1f}"
            " (figures from a busy machine are slower and noisier)"
        )
    out.append("")
    main, everyday = figures["main"], figures["everyday"]
    snapshots = main.get("snapshots") or {}
    out += [
        f"Main store: {main['actions']:,} actions, {main['audit_entries']:,} audit entries, "
        f"{snapshots.get('count', 0)} snapshots (store {_mb(main['store_bytes'])}, "
        f"journal {_mb(main['journal_bytes'])}, snapshots {_mb(snapshots.get('folder_bytes', 0))})",
        _section_table("main", main, figures).render(),
        "",
        f"Everyday: {everyday['plan']}, {everyday['actions']:,} actions, "
        f"{everyday['audit_entries']:,} audit entries (store {_mb(everyday['store_bytes'])})",
        _section_table("everyday", everyday, figures).render(),
        "",
    ]

    growth = _Table(("audit entries", "journal", "edit median", "p90", "floor", "ratio"))
    for row in figures["audit_growth"]:
        growth.add(f"{row['audit_entries']:,}", _mb(row["journal_bytes"]), *_edit_cells(row["edit"]))
    out += [
        f"Edit time against audit history ({main['actions']:,} actions, no snapshots)",
        growth.render(),
        f"  largest history / none: {figures['audit_growth_ratio']:.2f}x (flat is 1.0x)",
        "",
    ]
    snapped = _Table(("snapshots", "audit entries", "edit median", "p90", "floor", "ratio"))
    for row in figures["snapshot_growth"]:
        snapped.add(str(row["snapshots"]), f"{row['audit_entries']:,}", *_edit_cells(row["edit"]))
    out += [
        f"Edit time against snapshots ({main['actions']:,} actions)",
        snapped.render(),
        f"  most snapshots / none: {figures['snapshot_growth_ratio']:.2f}x (flat is 1.0x)",
        "",
    ]

    tracker = figures["import"]
    imports = _Table(("", "median", "p90", "min", "runs", "floor", "ratio"))
    for label, key in (
        ("read_tracker", "read"),
        ("dry run (rows read)", "dry_run"),
        ("import into a copy (rows read)", "import"),
    ):
        imports.add(label, *_timing_cells(tracker[key]))
    out += [
        f"Tracker import: {tracker['rows']:,}-row XLSX made by the export ({_mb(tracker['file_bytes'])}), "
        "into a store with the plan's themes but no actions",
        imports.render(),
        "",
    ]

    messy = figures.get("messy_import")
    if messy is not None:
        table = _Table(("", "median", "p90", "min", "runs", "floor", "ratio"))
        table.add("read_tracker", *_timing_cells(messy["read"]))
        table.add("dry run (rows read)", *_timing_cells(messy["dry_run"]))
        out += [
            f"Council tracker: {messy['rows']:,} actions laid out as councils do "
            f"({_mb(messy['file_bytes'])}): title rows, merged two-row header, section rows,",
            "  fill-only RAG, a hidden column, quarters, shares",
            table.render(),
            f"  floor = {MESSY_FLOOR}",
            "",
        ]
    requests = figures.get("requests")
    if requests is not None:
        table = _Table(("", "median", "p90", "min", "runs", "floor", "ratio"))
        table.add("requests --out", *_timing_cells(requests["write"]))
        out += [
            f"Owners' request workbooks: {requests['owners']} owners of {requests['actions']:,} actions, "
            "written and recorded",
            table.render(),
            f"  floor = {REQUESTS_FLOOR}",
            "",
        ]

    exports = list(EXPORT_FORMATS)
    sizes = _Table(
        (
            "actions",
            "store",
            "open",
            "p90",
            "ratio",
            "edit",
            "p90",
            "ratio",
            *(f"{fmt}" for fmt in exports),
            "runs",
        )
    )
    for row in figures["sizes"]:
        row_exports = row.get("exports", {})
        sizes.add(
            f"{row['actions']:,}",
            _mb(row["store_bytes"]),
            _ms(row["open"]["median_ms"]),
            _ms(row["open"]["p90_ms"]),
            f"{row['open']['ratio']:.1f}x",
            _ms(row["edit"]["median_ms"]),
            _ms(row["edit"]["p90_ms"]),
            f"{row['edit']['ratio']:.1f}x",
            *(_ms(row_exports[fmt]["median_ms"]) if fmt in row_exports else "" for fmt in exports),
            f"{row['open']['runs']}/{row['edit']['runs']}/"
            + str(next(iter(row_exports.values()))["runs"] if row_exports else "-"),
        )
    audit = figures["sizes"][0]["audit_entries"] if figures["sizes"] else 0
    out += [
        f"By plan size ({audit:,} audit entries each): medians; open and edit with p90 and ratio to floor",
        "  (runs: open/edit/export)",
        sizes.render(),
        "",
    ]
    cost = _Table(("actions", "open", "edit", *exports))
    for row in figures.get("per_thousand", []):
        per = row["ms_per_1000"]
        cost.add(
            f"{row['actions']:,}",
            *(_ms(per[key]) if key in per else "" for key in ("open", "edit", *exports)),
        )
    out += [
        "Cost per 1,000 actions (median / thousands of actions): flat is linear, rising is worse than linear",
        cost.render(),
        "",
    ]
    ratios = _Table(("actions", "open", "edit", *exports))
    for row in figures["sizes"]:
        timings = {"open": row["open"], "edit": row["edit"], **row.get("exports", {})}
        ratios.add(
            f"{row['actions']:,}",
            *(
                f"{timings[key]['ratio']:.1f}x" if key in timings else ""
                for key in ("open", "edit", *exports)
            ),
        )
    out += [
        "Ratio to each size's own floor (timed alongside, so steadier under load than milliseconds):",
        "  the floors grow linearly, so a rising ratio is worse-than-linear growth",
        ratios.render(),
        "",
    ]

    if figures.get("ui"):
        ui = _Table(("", "median", "p90", "runs", "target"))
        for row in figures["ui"]:
            if row["unit"] == "x":
                median, p90 = f"{row['median']:.2f}x", ""
            else:
                median, p90 = _ms(row["median"]), "" if row["p90"] is None else _ms(row["p90"])
            verdict = "" if row["met"] is None else (": met" if row["met"] else ": MISSED")
            ui.add(
                row["figure"],
                median,
                p90,
                str(row["runs"]),
                f"{row['target']}{verdict}" if row["target"] else "",
            )
        out += [
            "UI (benchmarks.tui_bench): whole-process first interactive frame against a bare Textual app,",
            "  and the down key to the next frame in the actions table",
            ui.render(),
            "",
        ]
    else:
        out += ["UI: not timed (--quick or --tiny); python -m benchmarks.tui_bench times it alone", ""]

    out.append("Targets")
    for target in figures["targets"]:
        verdict = "met" if target["met"] else "MISSED"
        out.append(f"  {target['label']}: {_measured(target)} ({_limit(target)}): {verdict}")
    out.append(f"\nTook {figures['seconds']:.0f} s.")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the 50,000-action plan")
    parser.add_argument("--tiny", action="store_true", help="tiny stores: checks the harness in seconds")
    parser.add_argument("--runs", type=int, help="timed runs per figure (default 15)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures to PATH as JSON")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)
    config = Config.tiny() if args.tiny else Config.quick() if args.quick else Config()
    if args.runs:
        if args.runs < 2:
            parser.error("--runs must be at least 2")
        config = replace(config, runs=args.runs)
    figures = collect(config, progress=lambda message: print(f"... {message}", file=sys.stderr, flush=True))
    print(render(figures))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_bytes(orjson.dumps(figures, option=orjson.OPT_INDENT_2) + b"\n")
        print(f"Figures written to {args.json}")
    missed = [target for target in figures["targets"] if not target["met"]]
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
