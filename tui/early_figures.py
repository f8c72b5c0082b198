"""The dashboard's figures worked out by a sibling process while the tracker draws its first frame.

Before it can show a single figure, every process that reads a plan builds the pydantic models
(about 0.2 s), validates the store and rolls the plan up. The tracker's own interpreter is busy
drawing its first frame meanwhile, and a thread would only take turns with it. So, on Linux,
where ``fork`` is cheap and safe while the process has one thread, the tracker forks as it
starts: the child reads the store, rolls the plan up and sends back the board's answers, already
laid out as text, on a pipe; it never touches the terminal, and leaves with ``os._exit``. The
tracker shows them the moment they arrive, if they are of the very store it then looks at (the
same commit token, plan and "as of" day); the rest of the dashboard, and every other section,
waits for the tracker's own reading, as before.

Anything unexpected (no fork here, another thread running, a damaged store, a child that dies)
means no early figures, never an error: the tracker's own reading says what is wrong.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.text import Text

    from tui.screens.answers import Answer, ThemeRow

CHILD_SECONDS = 60
"""A child still working after this long is stopped by an alarm (a huge or damaged store)."""


@dataclass(frozen=True)
class EarlyFigures:
    """The board's first four answers, and the inspection's line, for one plan as of one day."""

    token: str | None
    """The commit token of the store they were worked out from."""
    plan_id: str
    as_of: date
    progress_headline: str
    theme_rows: tuple[ThemeRow, ...]
    """Each theme's progress, laid out for the panel's width when drawn (see ``themes_text``)."""
    money: Answer
    recommendations: Answer
    kpis: Answer
    judgements: Text | None


def can_fork() -> bool:
    """Whether a sibling may be forked here: Linux, and this process's only thread running
    (a child of a process with other threads could inherit a lock one of them held)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1


def work_out(
    path: Path, plan_id: str | None, configured: str | None, as_of_for: Callable[[date | None], date]
) -> EarlyFigures | None:
    """The figures of the plan the tracker will open (``plan_id``, else ``configured`` if the
    store holds it, else the latest to start), read and rolled up as the tracker does."""
    from store.repository import Repository
    from store.rollups import plan_summary
    from store.safe_files import check_store_path
    from tui.screens.answers import (
        judgements_line,
        kpis_answer,
        money_answer,
        progress_headline,
        recommendations_answer,
        theme_rows,
    )

    repo = Repository(check_store_path(path))
    ids = repo.plan_ids()
    chosen = plan_id or (configured if configured in ids else None) or repo.default_plan_id()
    if chosen is None or chosen not in ids:
        return None
    plan = repo.plan(chosen)
    as_of = as_of_for(plan.reported_on)
    summary = plan_summary(plan, as_of)
    return EarlyFigures(
        token=repo.token,
        plan_id=chosen,
        as_of=as_of,
        progress_headline=progress_headline(summary),
        theme_rows=theme_rows(summary),
        money=money_answer(summary, plan),
        recommendations=recommendations_answer(summary),
        kpis=kpis_answer(summary),
        judgements=judgements_line(plan) if plan.inspection is not None else None,
    )


class Sibling:
    """A forked child working out :class:`EarlyFigures`; :meth:`receive` them, or :meth:`abandon`."""

    def __init__(self, pid: int, reading: int) -> None:
        self.pid = pid
        self._reading: int | None = reading
        self._lock = threading.Lock()
        self._receiving = False
        self._reaped = False

    def receive(self) -> EarlyFigures | None:
        """Wait for the child (in a thread: the read releases the interpreter) and take what it
        sent; None if it sent nothing usable."""
        with self._lock:
            reading, self._receiving = self._reading, True
        if reading is None:
            return None
        chunks = []
        try:
            while chunk := os.read(reading, 1 << 16):
                chunks.append(chunk)
        except OSError:
            chunks = []
        finally:
            with self._lock:
                self._close()
                self._reap()
        import pickle

        try:
            figures = pickle.loads(b"".join(chunks)) if chunks else None  # our own child's
        except Exception:  # a child cut short: no early figures, never an error
            return None
        return figures if isinstance(figures, EarlyFigures) else None

    def abandon(self) -> None:
        """Stop the child if it is still working (the tracker is leaving, or read the store
        first). A thread in :meth:`receive` then reads the end of the pipe and tidies up."""
        with self._lock:
            if not self._reaped:
                with contextlib.suppress(OSError):
                    os.kill(self.pid, signal.SIGKILL)
            if not self._receiving:
                self._close()
                self._reap()

    def _close(self) -> None:
        reading, self._reading = self._reading, None
        if reading is not None:
            with contextlib.suppress(OSError):
                os.close(reading)

    def _reap(self) -> None:
        if not self._reaped:
            self._reaped = True
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(self.pid, 0)


def start(
    path: Path, plan_id: str | None, configured: str | None, as_of_for: Callable[[date | None], date]
) -> Sibling | None:
    """Fork a child working out the figures of the store at ``path``; None where none can be."""
    if not can_fork() or not path.is_file():
        return None
    reading, writing = os.pipe()
    pid = os.fork()
    if pid:
        os.close(writing)
        return Sibling(pid, reading)
    # The child: never returns, never writes to the terminal, never runs the parent's exit handlers.
    try:
        os.close(reading)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl+C in the terminal is the tracker's
        signal.alarm(CHILD_SECONDS)
        # A short life: no collections (it leaves before it could run short of memory), and no
        # scan of every installed package for pydantic plugins (ipt uses none).
        gc.disable()
        os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
        figures = work_out(path, plan_id, configured, as_of_for)
        if figures is not None:
            import pickle

            payload = memoryview(pickle.dumps(figures, protocol=pickle.HIGHEST_PROTOCOL))
            while payload:
                payload = payload[os.write(writing, payload) :]
    except BaseException:  # the tracker's own reading will say what is wrong
        pass
    finally:
        os._exit(0)
