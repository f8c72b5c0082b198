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
