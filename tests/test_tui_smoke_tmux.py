"""The installed ``ipt`` in a real terminal: tmux at 120x40 on the Oldham sample.

Pilot tests drive the app inside the test process; this one runs the console script the
way a user does (its own process, a real pseudo-terminal, xterm-256color) and reads the
screen back with ``tmux capture-pane``. Each wait polls the pane until the text appears
or ~20 s pass. The tmux server has its own socket and is killed afterwards.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# The `ipt` beside this interpreter (the editable install `make` puts in .venv), unless IPT_BIN
# names another: `make install-check` points it at the wheel installed in a new venv.
IPT = Path(os.environ.get("IPT_BIN") or Path(sys.executable).parent / "ipt")
AS_OF = "2019-12-02"
WAIT_SECONDS = 20.0
WIDTH, HEIGHT = 120, 40

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Terminal:
    """One tmux server on a private socket with one window running a command."""

    def __init__(self, socket: str, env: dict[str, str]) -> None:
        self.socket = socket
        self.env = env

    def tmux(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args],
            capture_output=True,
            text=True,
            env=self.env,
            check=check,
            timeout=10,
        )

    def start(self, command: list[str]) -> None:
        self.tmux(
            "-f",
            os.devnull,
            "new-session",
            "-d",
            "-s",
            "smoke",
            "-x",
            str(WIDTH),
            "-y",
            str(HEIGHT),
            "--",
            *command,
        )
        self.tmux("set-option", "-t", "smoke", "remain-on-exit", "on")

    def screen(self) -> str:
        result = self.tmux("capture-pane", "-p", "-t", "smoke", check=False)
        return result.stdout if result.returncode == 0 else ""

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.tmux("send-keys", "-t", "smoke", *(["-l"] if literal else []), *keys)

    def wait_for(self, ok: Callable[[str], bool], what: str) -> str:
        deadline = time.monotonic() + WAIT_SECONDS
        text = self.screen()
        while not ok(text):
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting for {what}; the screen showed:\n{text}")
            time.sleep(0.1)
            text = self.screen()
        return text

    def wait_for_text(self, *needles: str) -> str:
        return self.wait_for(lambda text: all(n in text for n in needles), " and ".join(map(repr, needles)))

    def pane_dead(self) -> bool:
        result = self.tmux("list-panes", "-t", "smoke", "-F", "#{pane_dead}", check=False)
        return result.returncode != 0 or result.stdout.strip() == "1"

    def kill(self) -> None:
        self.tmux("kill-server", check=False)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    store = tmp_path / "plans.json"
    env = {
        **os.environ,
        "TERM": "xterm-256color",
        "IPT_DB": str(store),
        "IPT_CONFIG_DIR": str(tmp_path / "config"),
        "TMUX_TMPDIR": str(tmp_path),
    }
    for inherited in ("TMUX", "NO_COLOR", "LINES", "COLUMNS"):  # the pane's own size, not the runner's
        env.pop(inherited, None)
    subprocess.run(
        [str(IPT), "--db", str(store), "init", "--sample", "oldham-2019"],
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    term = Terminal(f"ipt-smoke-{uuid.uuid4().hex[:12]}", env)
    try:
        yield term
    finally:
        term.kill()


def test_installed_ipt_runs_in_a_real_terminal(terminal: Terminal, tmp_path: Path) -> None:
    assert IPT.exists(), f"{IPT} is not installed; run make (or set IPT_BIN to an installed ipt)"
    terminal.start([str(IPT), "--db", str(tmp_path / "plans.json"), "--as-of", AS_OF])
    # How late an action is depends on the day: 80 days (3 months) late as of 2 December 2019.
    dashboard = terminal.wait_for_text(
        "Children's Social Care Improvement Plan", "Scorecard", "3 months late"
    )
    assert "1 Dashboard" in dashboard and "QP-02" in dashboard

    terminal.keys("2")
    terminal.wait_for_text("WF-01", "QP-01", "rows 1–")
    terminal.keys("/")
    terminal.wait_for_text("theme:WF")  # the filter bar's placeholder
    terminal.keys("theme:WF", literal=True)
    terminal.keys("Enter")
    filtered = terminal.wait_for(
        lambda text: "WF-05" in text and "QP-01" not in text and "rows 1–5 of 5" in text,
        "only the five workforce actions",
    )
    assert all(f"WF-0{n}" in filtered for n in range(1, 6))

    terminal.keys("3")
    terminal.wait_for_text("Recommendation × theme")
    terminal.keys("4")
    terminal.wait_for_text("4 Funding", "Allocations")
    terminal.keys("5")
    terminal.wait_for_text("5 Scorecard", "Baseline")

    terminal.keys("q")
    terminal.wait_for(lambda _: terminal.pane_dead(), "ipt to exit")


def subject_of(screen: str) -> str:
    """The ref of the agenda item on screen: the first word under the item's rule (right of the
    agenda list, whose border is the last │ on a line)."""
    item_side = [line.rsplit("│", 1)[-1] for line in screen.splitlines()]
    rule = next(number for number, line in enumerate(item_side) if line.strip().startswith("────"))
    return item_side[rule + 1].split()[0]


def test_a_board_session_typed_as_a_chair_would(terminal: Terminal, tmp_path: Path) -> None:
    """A whole change board in a real terminal: open a session, type commentary holding q, c,
    e and t (each a command elsewhere) into two items, record them, close the session and
    leave the pack unexported. No letter typed may run a command."""
    store = tmp_path / "plans.json"
    terminal.start([str(IPT), "--db", str(store), "--as-of", AS_OF])
    terminal.wait_for_text("Children's Social Care Improvement Plan", "as of 2 Dec 2019")
    terminal.keys("6")
    terminal.wait_for_text("6 Reviews", "No sessions yet")
    terminal.keys("n")
    terminal.wait_for_text("Held on", "Attendees")
    terminal.keys("C-s")  # the board, chair and day as the plan's governance gives them
    screen = terminal.wait_for_text("Item 1 of", "Commentary")
    first = "The chair asked: quit waiting, escalate to the cabinet today."
    terminal.keys(first, literal=True)
    screen = terminal.wait_for_text(first)
    assert "Close R0001?" not in screen and "Export the board pack" not in screen
    terminal.keys("C-s")
    terminal.wait_for_text(f"Recorded {subject_of(screen)}.")
    terminal.keys("NPage")
    screen = terminal.wait_for_text("Item 2 of")
    second = "Quite content; expect the date to hold."
    terminal.keys(second, literal=True)  # the cursor is in item 2's Commentary already
    terminal.wait_for_text(second)
    terminal.keys("C-s")
    terminal.wait_for_text(f"Recorded {subject_of(screen)}.", "Item 2 of")
    terminal.keys("q")  # typed, not quitting
    time.sleep(0.3)
    assert not terminal.pane_dead()
    terminal.keys("BSpace", "Escape")  # leave the field: now the letters are commands
    time.sleep(0.5)  # an Escape followed at once by a letter reads as alt+letter
    terminal.keys("c")
    terminal.wait_for_text("Close R0001?")
    terminal.keys("y")
    terminal.wait_for_text("Export the board pack")
    terminal.keys("Escape")
    terminal.wait_for_text("closed — read-only record")
    time.sleep(0.5)
    terminal.keys("Escape")
    terminal.wait_for_text("Held on", "R0001")  # the list of sessions
    terminal.keys("q")
    terminal.wait_for(lambda _: terminal.pane_dead(), "ipt to exit")

    from store.repository import Repository

    session = Repository(store).plan("oldham-2019").reviews[0]
    assert session.state.value == "closed" and session.held_on.isoformat() == AS_OF
    assert [item.commentary for item in session.items[:2]] == [first, second]
