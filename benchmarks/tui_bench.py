"""How quickly the tracker's UI starts and answers keys, against a bare Textual app.

Two figures, each with its target:

* **Time to first interactive frame**, whole process: a fresh interpreter imports the app,
  opens the store and exits as soon as the first frame of the dashboard has been drawn and
  keys are being read. That frame has the plan's heading, from a first look at the store
  without pydantic, over "Reading the plan …" while the models are built and the store
  validated in a thread (see :mod:`store.first_look`). Headless (``App.run(headless=True)``),
  so the figure is Python and Textual, not the terminal. Measured for (a) a bare Textual app
  with a header, a 20-row DataTable and a footer (the floor), (b) ipt on the Oldham sample
  and (c) ipt on a 10,000-action store, with the ratios b/a (target <= 1.25) and c/a (target
  <= 2). Also (d), the bare app that imports ``store.models`` and nothing else of ipt: d/a is
  what building the pydantic models costs any process that reads a plan; and, with no
  target, (e) and (f): b and c timed until the dashboard's figures are drawn (the plan read,
  validated and rolled up). All take turns, in an order rotated every round, so the
  machine's drift spreads over all.
* **Keystroke to next frame** moving down the actions table at 10,000 actions, inside
  ``run_test``, 100 presses at a held key's repeat rate (30 a second); targets median <= 20 ms
  and p90 <= 33 ms. The key goes to the driver's queue as a real key would and the clock stops
  at the first frame the compositor hands to the display that shows the cursor moved. Between
  keys the tracker has what idle time a held key leaves it (the table draws ahead then).
  (Timing ``pilot.press`` + ``pilot.pause`` instead measures the Pilot: each waits for 20 ms
  of idleness, a floor of 60 ms a key.) The floor beside it: the same keys on Textual's own
  DataTable holding a page of 200 rows like the actions', with nothing else on screen.

``tui_figures(quick)`` returns the figures as dicts for ``make bench``; ``main()`` prints them.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks.generate import AS_OF as STRESS_AS_OF
from benchmarks.generate import build_store, stress_plan
from store.repository import Repository

ROOT = Path(__file__).resolve().parents[1]
OLDHAM_AS_OF = date(2019, 12, 2)
STARTUP_TARGETS = {"oldham": 1.25, "stress": 2.0, "oldham figures": 1.6}
"""Largest allowed ratio of ipt's start-up time to the bare app's."""
KEY_MEDIAN_TARGET_MS = 20.0
KEY_P90_TARGET_MS = 33.0
KEY_REPEAT_HZ = 30
"""How often a held key repeats (terminals and desktops default to 25-33 a second): the
keystroke figure presses ``down`` at this rate, as a user holding it down does."""

_CHILD = r"""
import sys
import time
from datetime import date
from pathlib import Path

kind, store, as_of = sys.argv[1], sys.argv[2], sys.argv[3]
drawn_at = []


def leave(app) -> None:
    # The frame is on screen: stop the clock (CLOCK_MONOTONIC, shared with the parent), leave.
    drawn_at.append(time.perf_counter())
    app.exit()

if kind in ("bare", "models"):
    from textual.app import App
    from textual.widgets import DataTable, Footer, Header

    class Bare(App[None]):
        def compose(self):
            yield Header()
            yield DataTable()
            yield Footer()

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            table.add_columns("Ref", "Title", "Owner", "Due", "Status", "RAG")
            for n in range(20):
                table.add_row(f"WF-{n:02d}", f"Action {n}", "Service manager", "02/12/19", "In progress", "G")
            self.call_after_refresh(leave, self)

    if kind == "models":
        import store.models  # the pydantic models every ipt process builds before it reads a plan

    Bare().run(headless=True, size=(120, 40))
else:
    from tui.app import IptApp
    from tui.screens.dashboard import DashboardScreen

    class Probe(IptApp):
        # The tracker, leaving as soon as the dashboard's first frame is drawn ("ipt") or
        # as soon as the dashboard's figures are drawn ("figures").

        CSS_PATH = str(Path(sys.modules[IptApp.__module__].__file__).with_name("app.tcss"))
        reached = False

        def on_mount(self) -> None:
            # Textual calls IptApp.on_mount itself, before this: calling it again here would
            # open the store twice.
            self.probe = self.set_interval(0.002, self.check)

        def drawn(self, screen) -> bool:
            if kind == "ipt":
                return True
            return screen.figures_on_screen

        def check(self) -> None:
            screen = self.screen
            if isinstance(screen, DashboardScreen) and screen.is_mounted and self.drawn(screen):
                self.probe.stop()
                self.reached = True
                self.call_after_refresh(leave, self)

    database = "://" in store  # a PostgreSQL URL (see benchmarks/pg_bench.py)
    app = Probe(store if database else Path(store), as_of=date.fromisoformat(as_of), by="bench",
                poll_seconds=0, settings_path=None if database else Path(store).with_name("settings.json"))
    app.run(headless=True, size=(120, 40))
    if not app.reached:
        raise SystemExit("the dashboard was never drawn")
print("drawn at", drawn_at[0], flush=True)
if kind not in ("bare", "models"):
    from tui.app import leave_if_still_reading

    leave_if_still_reading(0)  # as `ipt` does after its tracker closes
"""


def _percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def start_up_once(kind: str, store: Path | str | None, as_of: date) -> float:
    """Wall-clock seconds from starting a fresh process to its first interactive frame.

    The clock stops at the frame, not when the process has gone: the time a process takes
    to leave is no part of how soon its user can start work (and the tracker's leaves behind
    the thread still reading the store)."""
    began = time.perf_counter()
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, kind, str(store or ""), as_of.isoformat()],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    said = child.stdout.strip().splitlines()
    if not said or not said[-1].startswith("drawn at "):
        raise RuntimeError(f"the {kind} start-up said {child.stdout!r}")
    return float(said[-1].removeprefix("drawn at ")) - began


StartUp = tuple[str, Path | None, date]
"""(child kind, store, as_of) of one start-up to time."""


def start_up_seconds(start_ups: dict[str, StartUp], runs: int) -> dict[str, list[float]]:
    """``runs`` start-ups of each, taking turns in an order that rotates every round.

    The machine's speed drifts over the seconds a batch takes (on a shared VM by a third
    or more), so timing all the bare apps first and all the ipt ones after would put the drift
    into the ratios; taking turns spreads it over all of them alike.
    """
    names = list(start_ups)
    times: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(runs):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            times[name].append(start_up_once(*start_ups[name]))
    return times


async def _time_keys(app: Any, grid: Any, presses: int) -> list[float]:
    """Press ``down`` ``presses`` times at :data:`KEY_REPEAT_HZ`; seconds from each key to the
    first frame that shows ``grid``'s cursor moved."""
    from textual import events  # isort: skip
    from textual.screen import Screen  # isort: skip

    latencies = []
    drawn = asyncio.Event()
    row_before = [grid.cursor_row]
    shown_at = [0.0]
    display = app._display

    def timed_display(screen: Screen[Any], renderable: Any) -> None:
        display(screen, renderable)
        if renderable is not None and grid.cursor_row != row_before[0] and not drawn.is_set():
            # The clock stops here, as the frame is handed over, not when this coroutine next
            # runs: whatever else the loop does first (drawing ahead) is not the key's wait.
            shown_at[0] = time.perf_counter()
            drawn.set()

    app._display = timed_display
    driver = app._driver
    assert driver is not None
    for _ in range(presses):
        row_before[0] = grid.cursor_row
        drawn.clear()
        began = time.perf_counter()
        driver.send_message(events.Key("down", None))
        await asyncio.wait_for(drawn.wait(), timeout=10)
        latencies.append(shown_at[0] - began)
        # The next key comes as a held key's would: KEY_REPEAT_HZ a second, or at once if
        # this one's frame took longer than that.
        await asyncio.sleep(max(0.0, began + 1 / KEY_REPEAT_HZ - time.perf_counter()))
    app._display = display
    return latencies


async def _key_latencies(store: Path, as_of: date, presses: int) -> list[float]:
    from tui.app import make_app  # first, as in `ipt`: the tui package sets Textual's frame rate
    from tui.screens.actions import ActionsScreen

    app = make_app(
        store, as_of=as_of, by="bench", poll_seconds=0, settings_path=store.with_name("settings.json")
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("2")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ActionsScreen)
        return await _time_keys(app, screen.table.grid, presses)


async def _bare_key_latencies(presses: int) -> list[float]:
    """The floor: Textual's own DataTable, a page of rows like the actions table's, nothing else."""
    import tui  # noqa: F401 the same frame rate as ipt's

    from rich.text import Text  # isort: skip
    from textual.app import App, ComposeResult  # isort: skip
    from textual.widgets import DataTable, Footer, Header  # isort: skip

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Header()
            yield DataTable(cursor_type="row", zebra_stripes=True)
            yield Footer()

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            for heading in ("Ref", "Title", "Owner", "Due", "Status", "RAG", "%", "Recs"):
                table.add_column(heading)
            for n in range(200):
                table.add_row(
                    Text(f"WF-{n:03d}", style="bold"),
                    Text(f"Action {n} with a title as long as a council's"),
                    Text("Head of Service, Fieldwork"),
                    Text("02/12/19"),
                    Text("In progress"),
                    Text("● G", style="green"),
                    Text(f"{n % 100}"),
                    Text("1,2"),
                )

    app = Bare()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        return await _time_keys(app, app.query_one(DataTable), presses)


def key_latencies(store: Path, as_of: date, presses: int) -> list[float]:
    """Seconds from each ``down`` on the actions table to the frame after it."""
    return asyncio.run(_key_latencies(store, as_of, presses))


def bare_key_latencies(presses: int) -> list[float]:
    """The same on a bare Textual DataTable of 200 rows: what Textual itself takes."""
    return asyncio.run(_bare_key_latencies(presses))


def _figure(name: str, seconds: Sequence[float], target: str = "", met: bool | None = None) -> dict[str, Any]:
    return {
        "figure": name,
        "unit": "ms",
        "median": statistics.median(seconds) * 1000,
        "p90": _percentile(seconds, 0.9) * 1000,
        "runs": len(seconds),
        "target": target,
        "met": met,
    }


def compile_project() -> None:
    """Byte-compile ipt's own modules first, as installing the wheel does: an editable checkout
    run with PYTHONDONTWRITEBYTECODE set would otherwise compile every module from source on
    every start-up, a cost no installed ipt pays (the bare app's Textual is compiled already)."""
    import compileall

    for package in ("store", "tui", "sample_plans"):
        compileall.compile_dir(ROOT / package, quiet=1)


def tui_figures(
    quick: bool, *, actions: int | None = None, runs: int | None = None, presses: int | None = None
) -> list[dict[str, Any]]:
    """Start-up and keystroke figures; ``quick`` uses a 2,000-action store and fewer runs.

    ``actions``, ``runs`` and ``presses`` override the sizes (a test uses 200 actions, 1 run).
    """
    actions = actions or (2_000 if quick else 10_000)
    runs = runs or (3 if quick else 7)
    presses = presses or (30 if quick else 100)
    compile_project()
    from sample_plans import load_sample

    with tempfile.TemporaryDirectory(prefix="ipt-tui-bench-") as folder:
        oldham = Path(folder) / "oldham" / "plans.json"
        oldham.parent.mkdir()
        Repository(oldham).add_plan(load_sample("oldham-2019").plan, by="bench")
        stress = Path(folder) / "stress" / "plans.json"
        stress.parent.mkdir()
        build_store(stress, stress_plan(actions=actions), audit_entries=0)

        timed = start_up_seconds(
            {
                "bare": ("bare", None, OLDHAM_AS_OF),
                "models": ("models", None, OLDHAM_AS_OF),
                "oldham": ("ipt", oldham, OLDHAM_AS_OF),
                "stress": ("ipt", stress, STRESS_AS_OF),
                "oldham figures": ("figures", oldham, OLDHAM_AS_OF),
                "stress figures": ("figures", stress, STRESS_AS_OF),
            },
            runs,
        )
        bare, models, on_oldham, on_stress = (timed[k] for k in ("bare", "models", "oldham", "stress"))
        keys = key_latencies(stress, STRESS_AS_OF, presses)
        bare_keys = bare_key_latencies(presses)

    figures = [
        _figure("start-up: bare Textual app", bare),
        _figure("start-up: bare app + ipt's models", models),
        _figure("start-up: ipt, Oldham sample", on_oldham),
        _figure(f"start-up: ipt, {actions:,} actions", on_stress),
        _figure("figures drawn: ipt, Oldham sample", timed["oldham figures"]),
        _figure(f"figures drawn: ipt, {actions:,} actions", timed["stress figures"]),
    ]
    floor = statistics.median(bare)
    figures.append(
        {
            "figure": "start-up ratio: bare + models / bare",
            "unit": "x",
            "median": statistics.median(models) / floor,
            "p90": None,
            "runs": runs,
            "target": "(what pydantic alone adds)",
            "met": None,
        }
    )
    for label, key, seconds in (
        ("Oldham", "oldham", on_oldham),
        (f"{actions:,} actions", "stress", on_stress),
        ("Oldham figures", "oldham figures", timed["oldham figures"]),
        (f"{actions:,} figures", "stress figures", timed["stress figures"]),
    ):
        ratio = statistics.median(seconds) / floor
        limit = STARTUP_TARGETS.get(key)
        figures.append(
            {
                "figure": f"start-up ratio: {label} / bare",
                "unit": "x",
                "median": ratio,
                "p90": None,
                "runs": runs,
                "target": f"<= {limit}" if limit else "(no target: the whole plan on screen)",
                "met": None if limit is None else ratio <= limit,
            }
        )
    key_figure = _figure(
        f"down key to next frame, {actions:,} actions",
        keys,
        f"median <= {KEY_MEDIAN_TARGET_MS:.0f}, p90 <= {KEY_P90_TARGET_MS:.0f}",
    )
    key_figure["met"] = (
        key_figure["median"] <= KEY_MEDIAN_TARGET_MS and key_figure["p90"] <= KEY_P90_TARGET_MS
    )
    bare_figure = _figure("down key to next frame, bare DataTable", bare_keys, "(the floor: Textual's own)")
    figures.append(bare_figure)
    figures.append(key_figure)
    figures.append(
        {
            "figure": "down key ratio: ipt / bare DataTable",
            "unit": "x",
            "median": key_figure["median"] / bare_figure["median"],
            "p90": None,
            "runs": presses,
            "target": "(no target: how much of a key is ipt's own)",
            "met": None,
        }
    )
    return figures


def format_table(figures: Sequence[dict[str, Any]]) -> str:
    lines = [f"{'figure':44} {'median':>9} {'p90':>9} {'runs':>5}  target"]
    for row in figures:
        unit = row["unit"]
        median = f"{row['median']:.2f}x" if unit == "x" else f"{row['median']:.1f}ms"
        p90 = "" if row["p90"] is None else f"{row['p90']:.1f}ms"
        met = "" if row["met"] is None else ("  ok" if row["met"] else "  MISSED")
        lines.append(f"{row['figure']:44} {median:>9} {p90:>9} {row['runs']:>5}  {row['target']}{met}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    print(format_table(tui_figures(quick="--quick" in args)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
