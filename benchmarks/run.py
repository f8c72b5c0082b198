"""Time opening and editing stores of every size, each against a floor measured in the same run.

``make bench`` (or ``python -m benchmarks.run``) prints a table; ``--json PATH`` also writes
the figures, ``--quick`` skips the largest plan and ``--check`` exits 1 when a target is missed.

What is timed (``time.perf_counter``, median and 90th percentile of repeated runs):

- **open**: ``Repository(path)`` on a new object each run, so the whole store is read, parsed
  and validated. Floor: reading the same file and ``orjson.loads`` of its bytes.
- **edit**: one durable ``update_action`` (a progress change plus a new note, on a different
  action each run) on an open repository, after one untimed warm-up edit. Floor: ``orjson.dumps``
  of the same data, written to a temporary file, fsynced and ``os.replace``-d into place.
- **edit against audit history**: the main store copied and given each amount of history;
  the copies take turns edit by edit, so load from elsewhere falls on all of them alike.

Every store is timed in a fresh worker process of its own (:class:`Worker`) holding only that
store, as the app does, not in the bench process whose memory is full of generated plans.

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
from importlib import metadata
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import orjson

from benchmarks.generate import AS_OF, DEFAULT_SEED, BuiltStore, add_history, build_store, stress_plan
from store.journal import journal_path
from store.models import Plan
from store.repository import Repository

Figures = dict[str, Any]
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Target:
    """A limit on one figure, found in the figures dict by ``path``."""

    label: str
    path: tuple[str, ...]
    limit_ms: float


TARGETS: tuple[Target, ...] = (
    Target("update_action on the main store, median", ("main", "edit", "median_ms"), 50.0),
)
"""Targets printed next to the figures; ``--check`` fails the run when one is missed."""


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
    spend: int = 2_000
    """Spend entries in every generated plan (with the KPIs, the part that does not scale with actions)."""
    kpis: int = 100
    seed: int = DEFAULT_SEED

    def plan(self, actions: int) -> Plan:
        """The generated plan of ``actions`` actions that this configuration measures."""
        return stress_plan(actions=actions, spend=self.spend, kpis=self.kpis, seed=self.seed)

    @classmethod
    def quick(cls) -> Config:
        """The full bench without the 50,000-action plan."""
        return cls(sizes=(1_000, 10_000))

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
            spend=100,
            kpis=10,
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


def _serve(conn: Connection, path: str, plan_id: str, seed: int) -> None:
    """A worker process: run :class:`StoreTimer` methods as the bench asks, send back the seconds."""
    timer = StoreTimer(Path(path), plan_id, seed)
    while True:
        method, run = conn.recv()
        if method == "stop":
            timer.close()
            conn.send(None)
            return
        try:
            conn.send(("ok", getattr(timer, method)(run)))
        except Exception:  # reported by the bench; store errors do not survive pickling, so as text
            conn.send(("failed", traceback.format_exc()))


class Worker:
    """A :class:`StoreTimer` in a process of its own, started fresh (spawned, not forked).

    Each store is measured in a clean process rather than in the bench's own, whose memory is
    fragmented by generating and storing plans: that measurably slowed whichever store the
    bench process happened to load first. For the same reason opens and edits get a worker
    each: at 10,000 actions, edits in a process that had just opened the store 15 times were
    about 40% slower (``orjson.dumps`` of the store's data alone about 50%).
    """

    def __init__(self, store: BuiltStore, seed: int) -> None:
        self.path = store.path
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(child, str(store.path), store.plan_id, seed), daemon=True
        )
        self._process.start()
        child.close()

    def time(self, method: str, run: int) -> float:
        """Seconds for run ``run`` of the :class:`StoreTimer` method ``method``."""
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
def workers(stores: Sequence[BuiltStore], seed: int) -> Iterator[list[Worker]]:
    started: list[Worker] = []
    try:
        for store in stores:
            started.append(Worker(store, seed))
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

    The timers take turns in rotating order, so load from elsewhere that comes and goes falls
    on all of them alike and their figures can be compared. The first ``warm_up`` rounds are
    run but not kept.
    """
    samples: list[dict[str, list[float]]] = [{method: [] for method in methods} for _ in timers]
    for run in range(warm_up + runs):
        for turn in _turns(len(timers), run):
            for method in methods:
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
        say(f"opening {config.main_actions:,} actions")
        with workers(stores[-1:], config.seed) as timers:  # the main store: the one with the full history
            [opened] = measure_opens(timers, config.runs)
        histories = ", ".join(f"{step:,}" for step in steps)
        say(f"editing {config.main_actions:,} actions with {histories} audit entries")
        with workers(stores, config.seed) as timers:
            edits = measure_edits(timers, config.runs)
        growth = [{**store_sizes(store), "edit": edit} for store, edit in zip(stores, edits, strict=True)]
        main = {"actions": config.main_actions, **store_sizes(stores[-1]), "open": opened, "edit": edits[-1]}
        figures["main"] = main
        figures["audit_growth"] = [row for row in growth if row["audit_entries"] in config.audit_steps]
        first, last = figures["audit_growth"][0], figures["audit_growth"][-1]
        figures["audit_growth_ratio"] = last["edit"]["median_ms"] / first["edit"]["median_ms"]

        # The everyday case.
        name, small = everyday_plan(config)
        say(f"everyday plan: {name}")
        small_store = build_store(
            root / "everyday" / "plans.json", small, config.everyday_audit, seed=config.seed
        )
        timings = measure(small_store, open_runs=config.runs, edit_runs=config.runs, seed=config.seed)
        figures["everyday"] = {
            "plan": name,
            "actions": len(small.actions),
            **store_sizes(small_store),
            **timings,
        }

        # One row per plan size, each with the main store's history.
        rows = []
        for actions in config.sizes:
            if actions == config.main_actions:
                rows.append(
                    {key: main[key] for key in ("actions", "store_bytes", "audit_entries", "open", "edit")}
                )
                continue
            say(f"generating {actions:,} actions")
            sized_plan = config.plan(actions)
            sized = build_store(root / f"size-{actions}" / "plans.json", sized_plan, config.audit_entries)
            del sized_plan
            open_runs = config.large_open_runs if actions > config.large_actions else config.runs
            say(f"opening and editing {actions:,} actions")
            timings = measure(sized, open_runs=open_runs, edit_runs=config.runs, seed=config.seed)
            rows.append(
                {
                    "actions": actions,
                    "store_bytes": sized.path.stat().st_size,
                    "audit_entries": sized.history,
                    **timings,
                }
            )
        figures["sizes"] = rows
    figures["targets"] = [check_target(target, figures) for target in TARGETS]
    figures["seconds"] = time.perf_counter() - started
    figures["machine"]["load_average_after"] = load_average()
    return figures


def check_target(target: Target, figures: Figures) -> dict[str, Any]:
    value: Any = figures
    for key in target.path:
        value = value[key]
    return {**asdict(target), "measured_ms": value, "met": value <= target.limit_ms}


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


def _target_for(path: tuple[str, ...], figures: Figures) -> str:
    for target in figures["targets"]:
        if tuple(target["path"][:2]) == path:
            verdict = "met" if target["met"] else "MISSED"
            return f"<= {target['limit_ms']:g} ms: {verdict}"
    return ""


def render(figures: Figures) -> str:
    """The figures as the table ``make bench`` prints."""
    info = figures["machine"]
    out = [
        "ipt store benchmark",
        f"  Python {info['python']}, {info['cpus']} CPUs, orjson {info['orjson']}, "
        f"pydantic {info['pydantic']}, tinydb {info['tinydb']}; {info['platform']}",
        f"  one fsync on this disk: median {_ms(info['fsync']['median_ms'])}, "
        f"p90 {_ms(info['fsync']['p90_ms'])}",
        "  floors: open = read the file + orjson.loads;",
        "          edit = orjson.dumps + write temp file + fsync + os.replace",
    ]
    if info.get("load_average") is not None:
        after = info.get("load_average_after") or 0.0
        out.append(
            f"  load average before/after: {info['load_average']:.1f}/{after:.1f}"
            " (figures from a busy machine are slower and noisier)"
        )
    out.append("")
    main, everyday = figures["main"], figures["everyday"]
    heads = ("", "median", "p90", "min", "runs", "floor", "ratio", "target")
    for title, section, key in (
        (
            f"Main store: {main['actions']:,} actions, {main['audit_entries']:,} audit entries "
            f"(store {_mb(main['store_bytes'])}, journal {_mb(main['journal_bytes'])})",
            main,
            "main",
        ),
        (
            f"Everyday: {everyday['plan']}, {everyday['actions']:,} actions, "
            f"{everyday['audit_entries']:,} audit entries (store {_mb(everyday['store_bytes'])})",
            everyday,
            "everyday",
        ),
    ):
        table = _Table(heads)
        table.add("open + validate", *_timing_cells(section["open"]), _target_for((key, "open"), figures))
        table.add("update_action", *_timing_cells(section["edit"]), _target_for((key, "edit"), figures))
        out += [title, table.render(), ""]

    growth = _Table(("audit entries", "journal", "edit median", "p90", "floor", "ratio"))
    for row in figures["audit_growth"]:
        edit = row["edit"]
        growth.add(
            f"{row['audit_entries']:,}",
            _mb(row["journal_bytes"]),
            _ms(edit["median_ms"]),
            _ms(edit["p90_ms"]),
            _ms(edit["floor"]["median_ms"]),
            f"{edit['ratio']:.1f}x",
        )
    out += [
        f"Edit time against audit history ({main['actions']:,} actions)",
        growth.render(),
        f"  largest history / none: {figures['audit_growth_ratio']:.2f}x (flat is 1.0x)",
        "",
    ]

    sizes = _Table(("actions", "store", "open median", "p90", "runs", "ratio", "edit median", "p90", "ratio"))
    for row in figures["sizes"]:
        sizes.add(
            f"{row['actions']:,}",
            _mb(row["store_bytes"]),
            _ms(row["open"]["median_ms"]),
            _ms(row["open"]["p90_ms"]),
            str(row["open"]["runs"]),
            f"{row['open']['ratio']:.1f}x",
            _ms(row["edit"]["median_ms"]),
            _ms(row["edit"]["p90_ms"]),
            f"{row['edit']['ratio']:.1f}x",
        )
    audit = figures["sizes"][0]["audit_entries"] if figures["sizes"] else 0
    out += [f"By plan size ({audit:,} audit entries each; ratios to that store's floor)", sizes.render(), ""]

    out.append("Targets")
    for target in figures["targets"]:
        verdict = "met" if target["met"] else "MISSED"
        out.append(
            f"  {target['label']}: {_ms(target['measured_ms'])} (limit {target['limit_ms']:g} ms): {verdict}"
        )
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
