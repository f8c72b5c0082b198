"""PostgreSQL store figures beside the file store's, all from one run on one machine.

- **edit**: one durable ``update_action`` (a progress change and a note, a different action each
  run) on an open repository, at 1,000 / 10,000 / 50,000 actions, on PostgreSQL and on a file.
  On PostgreSQL an edit writes one row, so it should stay flat: 50,000 / 1,000 at most 1.2x.
  The PostgreSQL edits take turns across the sizes (100 each), so the disk's drift is shared.
- **open**: ``Repository(store)`` on a new object (read and validate every plan) at 10,000
  actions, PostgreSQL as a ratio to the file; and the tracker, from its start to the
  dashboard's figures drawn, the same way.
- **throughput**: 8 forked writers adding notes at once on PostgreSQL: edits per second and the
  90th percentile of one edit's time.
- **notify**: from a save's return to another repository's listener hearing of it (LISTEN/NOTIFY),
  median and 90th percentile.

The server is ``$IPT_TEST_PG`` when set, else a throwaway one (:mod:`tests.pg_server`), set for
durability as a real one is (fsync on). Run it with ``make bench-pg`` (``ARGS=--quick`` leaves
out 50,000 actions).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import multiprocessing
import os
import random
import secrets
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from benchmarks.run import Config
from store.collector import collector_paused
from store.models import Plan
from store.repository import Repository

AS_OF = date(2020, 1, 15)
EDITS = 15
PG_EDITS = 100
DASHBOARD_RUNS = 5
"""Edits per size on PostgreSQL: each is ms, not the file's tenths of a second, and its commit
waits on a disk flush whose time varies, so more are needed for a steady median."""
WRITERS = 8
WRITES_EACH = 25
FLAT_TARGET = 1.2
"""One edit at the largest size, as a multiple of one at the smallest, at most."""
FORK = multiprocessing.get_context("fork")


@contextlib.contextmanager
def database() -> Iterator[str]:
    """A URL of a database where schemas may be made: ``$IPT_TEST_PG`` or a throwaway server."""
    preset = os.environ.get("IPT_TEST_PG")
    if preset:
        yield preset
        return
    from tests import pg_server

    with pg_server.throwaway_server(durable=True) as server:
        yield server.dsn()


def fresh_store(server: str) -> str:
    """A new schema with ipt's tables; the URL that selects it."""
    import psycopg

    from store.postgres import PostgresStorage

    schema = f"bench_{secrets.token_hex(4)}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    joiner = "&" if "?" in server else "?"
    url = f"{server}{joiner}options={quote(f'-csearch_path={schema}')}"
    PostgresStorage(url).migrate()
    return url


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def p90_ms(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))] * 1000


def time_edits(where: Path | str, plan: Plan, runs: int) -> list[float]:
    """As the tracker edits: on a repository read with its objects kept out of the collector."""
    return time_edits_in_turns({0: (where, plan)}, runs)[0]


def time_edits_in_turns(stores: dict[int, tuple[Path | str, Plan]], runs: int) -> dict[int, list[float]]:
    """:func:`time_edits` on every size at once, one edit on each in turn, in an order that
    rotates every round: a commit waits for the disk to flush the server's log, whose time
    drifts over a run, so the sizes share the drift instead of each meeting its own."""
    gc.collect()
    repos = {}
    for size, (url, _) in stores.items():
        with collector_paused(freeze_after=True):
            repos[size] = Repository(url)
    orders = {
        size: random.Random(7).sample([a.ref for a in plan.actions], k=min(len(plan.actions), runs + 1))
        for size, (_, plan) in stores.items()
    }
    sizes = list(stores)
    samples: dict[int, list[float]] = {size: [] for size in sizes}
    for run in range(min(len(order) for order in orders.values())):
        shift = run % len(sizes)
        for size in sizes[shift:] + sizes[:shift]:
            plan = stores[size][1]
            started = time.perf_counter()
            repos[size].update_action(
                plan.id, orders[size][run], {"progress": 55}, by="bench", on=AS_OF, note=f"Bench edit {run}"
            )
            if run:  # the first round is a warm-up
                samples[size].append(time.perf_counter() - started)
    return samples


def dashboard_figures(path: Path, url: str, runs: int) -> tuple[float, float]:
    """Median ms from starting the tracker (a fresh process, headless) to the dashboard's
    figures drawn, on the file and on the database, taking turns (see benchmarks.tui_bench)."""
    from benchmarks.tui_bench import compile_project, start_up_once

    compile_project()
    times: dict[str, list[float]] = {"file": [], "postgres": []}
    for run in range(runs):
        order: list[tuple[str, Path | str]] = [("file", path), ("postgres", url)]
        for name, where in order if run % 2 == 0 else order[::-1]:
            times[name].append(start_up_once("figures", where, AS_OF))
    return median_ms(times["file"]), median_ms(times["postgres"])


def time_opens(where: Path | str, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        Repository(where)
        samples.append(time.perf_counter() - started)
    return samples


def _writer(url: Path | str, plan_id: str, refs: list[str], worker: int, out: str, go: Any) -> None:
    repo = Repository(url, lock_timeout=60)
    go.wait()
    timings = []
    for n in range(WRITES_EACH):
        started = time.perf_counter()
        repo.update_action(
            plan_id, refs[(worker * 7 + n) % len(refs)], {}, by=f"w{worker}", on=AS_OF, note=f"n{n}"
        )
        timings.append(time.perf_counter() - started)
    Path(out).write_text("\n".join(str(t) for t in timings))
    os._exit(0)


def throughput(url: Path | str, plan: Plan, folder: Path) -> dict[str, float]:
    refs = [action.ref for action in plan.actions]
    go = FORK.Event()
    outs = [folder / f"writer-{secrets.token_hex(4)}-{w}.txt" for w in range(WRITERS)]
    processes = [
        FORK.Process(target=_writer, args=(url, plan.id, refs, w, str(outs[w]), go)) for w in range(WRITERS)
    ]
    for process in processes:
        process.start()
    time.sleep(1.0)  # every writer has opened the store
    started = time.perf_counter()
    go.set()
    for process in processes:
        process.join(timeout=300)
    seconds = time.perf_counter() - started
    timings = [float(line) for out in outs for line in out.read_text().split()]
    return {
        "writers": WRITERS,
        "edits": len(timings),
        "edits_per_second": len(timings) / seconds,
        "p90_ms": p90_ms(timings),
        "median_ms": median_ms(timings),
    }


def notify_delays(url: str, plan: Plan, runs: int = 20) -> list[float]:
    heard_at: list[float] = []
    heard = threading.Event()

    def changed() -> None:
        heard_at.append(time.perf_counter())
        heard.set()

    stop = Repository(url).storage.watch(changed)
    assert stop is not None
    writer = Repository(url)
    time.sleep(0.5)
    delays = []
    try:
        for run in range(runs):
            heard.clear()
            writer.update_action(plan.id, plan.actions[run].ref, {"progress": 60}, by="bench", on=AS_OF)
            saved = time.perf_counter()
            if heard.wait(2.0):
                # Heard before the save's own call returned counts as no delay at all.
                delays.append(max(0.0, heard_at[-1] - saved))
    finally:
        stop()
    return delays


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pg_bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="leave out the 50,000-action plan")
    parser.add_argument("--sizes", default=None, help="plan sizes to edit, e.g. 1000,10000")
    args = parser.parse_args(argv)
    sizes: tuple[int, ...] = (1_000, 10_000) if args.quick else (1_000, 10_000, 50_000)
    if args.sizes:
        sizes = tuple(int(size) for size in args.sizes.split(","))
    config = Config()
    figures: dict[str, Any] = {"edit_ms": {}, "open_ms": {}}
    with tempfile.TemporaryDirectory(prefix="ipt-pg-bench-") as temp, database() as server:
        folder = Path(temp)
        urls = {}
        stores: dict[int, tuple[Path | str, Plan]] = {}
        for size in sizes:
            plan = config.plan(size)
            path = folder / f"plans-{size}.json"
            Repository(path).add_plan(plan, by="bench")
            url = urls[size] = fresh_store(server)
            started = time.perf_counter()
            Repository(url).add_plan(plan, by="bench")
            added = time.perf_counter() - started
            stores[size] = (url, plan)
            file_edits = time_edits(path, plan, EDITS)
            figures["edit_ms"][size] = {"file": median_ms(file_edits)}
            print(
                f"{size:>6,} actions: edit median {median_ms(file_edits):6.1f} ms on a file "
                f"(adding the plan to the database: {added:.1f} s)",
                flush=True,
            )
            if size == 10_000:
                file_open, pg_open = median_ms(time_opens(path, 3)), median_ms(time_opens(url, 3))
                figures["open_ms"] = {"file": file_open, "postgres": pg_open}
                print(f"open at 10,000 actions: {pg_open:.0f} ms on PostgreSQL, {file_open:.0f} ms on a file "
                      f"({pg_open / file_open:.2f}x)", flush=True)  # fmt: skip
                file_figures, pg_figures = dashboard_figures(path, url, DASHBOARD_RUNS)
                figures["dashboard_ms"] = {"file": file_figures, "postgres": pg_figures}
                print(f"tracker started to dashboard figures drawn at 10,000 actions: {pg_figures:.0f} ms on "
                      f"PostgreSQL, {file_figures:.0f} ms on a file ({pg_figures / file_figures:.2f}x)",
                      flush=True)  # fmt: skip
        for size, pg_edits in time_edits_in_turns(stores, PG_EDITS).items():
            figures["edit_ms"][size]["postgres"] = median_ms(pg_edits)
            print(
                f"{size:>6,} actions: edit median {median_ms(pg_edits):6.1f} ms on PostgreSQL, "
                f"p90 {p90_ms(pg_edits):6.1f} ms (sizes taking turns, {len(pg_edits)} edits each)",
                flush=True,
            )
        flat = figures["edit_ms"][sizes[-1]]["postgres"] / figures["edit_ms"][sizes[0]]["postgres"]
        verdict = "met" if flat <= FLAT_TARGET else "MISSED"
        print(
            f"PostgreSQL edit, {sizes[-1]:,} / {sizes[0]:,} actions: {flat:.2f}x "
            f"(target <= {FLAT_TARGET}x: {verdict})"
        )
        small = config.plan(1_000)
        busy = fresh_store(server)
        Repository(busy).add_plan(small, by="bench")
        busy_file = folder / "busy.json"
        Repository(busy_file).add_plan(small, by="bench")
        for name, where in (("PostgreSQL", busy), ("a file", busy_file)):
            result = throughput(where, small, folder)
            print(
                f"{WRITERS} writers at once on {name}: {result['edits_per_second']:.1f} edits/s, one "
                f"edit median {result['median_ms']:.0f} ms, p90 {result['p90_ms']:.0f} ms "
                f"({result['edits']:.0f} edits)",
                flush=True,
            )
        delays = notify_delays(busy, small)
        print(
            f"save to another listener hearing it (NOTIFY): median {median_ms(delays):.1f} ms, "
            f"p90 {p90_ms(delays):.1f} ms ({len(delays)} of 20 heard)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
