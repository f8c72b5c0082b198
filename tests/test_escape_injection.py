"""Terminal escape injection: stored text never reaches a terminal as a control sequence.

A note holding ``ESC ]0;title BEL`` would set the window title when shown, ``ESC ]52;c;…``
would write the clipboard, ``CSI 2J`` would clear the screen and U+202E would reverse what
follows it. The store keeps such text as imported; every output shows it visibly instead
(:func:`store.text.visible`). Checked here: the function itself (with Hypothesis), every
`ipt` command that prints user text (as a subprocess, with its output on a pipe and on a
pseudo-terminal, plain and in colour), the JSON output (still the same values), and every
stop of the tracker that shows user text (its rendered cells), with the forms keeping a
stored value that was only looked at.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, OptionList

from store.models import Plan
from store.repository import Repository
from store.text import UNSAFE, is_visible, json_for_terminal, visible
from tests.payloads import hostile_plan, text_fields
from tui.app import IptApp, make_app
from tui.screens.action_form import ActionFormScreen
from tui.screens.base import SECTIONS
from tui.screens.record_form import RecordFormScreen
from tui.screens.review_session import ReviewSessionScreen

ROOT = Path(__file__).parents[1]

TITLE = "\x1b]0;pwned\x07"
CLIPBOARD = "\x1b]52;c;cHduZWQ=\x07"
PAYLOAD = f"{TITLE}{CLIPBOARD}\x1b[2J\x9b31m\u202eevil\u2066\x7f\x00\x08\x0b\x0c\r"
"""Window title, clipboard, clear screen, a C1 CSI, right-to-left override, isolate, DEL,
NUL, backspace, vertical tab, form feed and carriage return, in the middle of the text."""

SHOWN_TITLE = "␛]0;pwned␇"
"""How the title sequence is shown."""
SHOWN_RTL = "\\u202e"

AS_OF = date(2019, 10, 3)
DANGEROUS = frozenset(UNSAFE - {"\n", "\t"})
SGR = re.compile(r"\x1b\[[0-9;]*m")


def found_unsafe(text: str) -> list[str]:
    return sorted({repr(char) for char in text if char in DANGEROUS})


# visible() ----------------------------------------------------------------------------------------


def test_visible_shows_each_kind_of_control_character() -> None:
    assert visible(TITLE) == SHOWN_TITLE
    assert visible("\x00\x08\x7f\r") == "␀␈␡␍"
    assert visible("a\x9bb") == "a\\u009bb"
    assert visible("\u202e\u2066\u2069\u200e\u200f\u061c") == ("\\u202e\\u2066\\u2069\\u200e\\u200f\\u061c")
    assert visible("line one\nline two\tend") == "line one\nline two\tend"
    assert visible("Windows\r\nline") == "Windows\nline"


def test_plain_text_comes_back_as_the_same_object() -> None:
    for text in ("", "Workforce", "Children's [b]Change[/b] Board", "£1,234 – café ✔ 日本", "a\nb\tc"):
        assert visible(text) is text
        assert is_visible(text)


@given(st.text())
def test_visible_never_emits_a_control_character(text: str) -> None:
    shown = visible(text)
    assert not any(char in UNSAFE - {"\n", "\t"} for char in shown)
    assert is_visible(shown)
    assert visible(shown) == shown
    if is_visible(text):
        assert shown is text


@given(st.text(alphabet=st.sampled_from([*sorted(UNSAFE), "a", "é", " ", "\\", "u"])))
def test_visible_on_text_made_of_control_characters(text: str) -> None:
    shown = visible(text)
    assert found_unsafe(shown) == []
    assert visible(shown) == shown


@given(st.recursive(st.text(), lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner)))
def test_json_for_terminal_keeps_the_value(value: Any) -> None:
    text = json_for_terminal(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode())
    assert found_unsafe(text) == []
    assert orjson.loads(text) == value


def test_visible_is_quick_on_plain_text() -> None:
    import timeit

    titles = [f"Recruit and retain social workers, wave {n}" for n in range(10_000)]
    seconds = min(timeit.repeat(lambda: [visible(t) for t in titles], number=1, repeat=5))
    assert seconds < 0.05, f"{seconds * 1000:.1f} ms for 10,000 titles"


# A store full of it -------------------------------------------------------------------------------


def hostile(tagged: bool = True) -> Plan:
    return hostile_plan(PAYLOAD, tagged=tagged)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A hostile plan with two snapshots (labelled with the payload) and a change between them."""
    root = tmp_path_factory.mktemp("escape")
    path = root / "plans.json"
    repo = Repository(path)
    repo.add_plan(hostile(), by=PAYLOAD)
    repo.take_snapshot("hostile", label=f"{PAYLOAD} before", as_of=AS_OF, by=PAYLOAD)
    repo.update_action(
        "hostile",
        "WF-01",
        {"rag": "red", "progress": 60},
        by=PAYLOAD,
        on=AS_OF,
        note=f"{PAYLOAD} note",
    )
    repo.take_snapshot("hostile", label=f"{PAYLOAD} after", as_of=AS_OF, by=PAYLOAD)
    return path


# The command line ---------------------------------------------------------------------------------

COMMANDS: list[list[str]] = [
    ["show", "WF-01"],
    ["summary", "--as-of", "2019-10-03"],
    ["plans"],
    ["reviews"],
    ["review", "show"],
    ["snapshots"],
    ["snapshots", "--all"],
    ["compare"],
]
"""Commands that print stored user text (their output has the shown payload in it)."""

ARGUMENT = PAYLOAD.replace("\x00", "")
"""The payload as a command-line argument can carry it (every character but NUL)."""

WRITING = [["review", "start", "--date", "2019-10-03", "--board", f"{ARGUMENT} board", "--chair", ARGUMENT]]
"""Commands that store text from the command line, then print it."""

FAILING: list[list[str]] = [
    ["show", f"WF-01{TITLE}"],
    ["--plan", f"hostile{TITLE}", "show", "WF-01"],
    ["show", "WF-01", f"--bogus{TITLE}"],
    [f"nonsense{TITLE}"],
    ["summary", "--as-of", f"2019{TITLE}"],
    ["compare", f"S0001{TITLE}"],
]
"""Errors that quote what was typed: on standard error, exit 1 or 2."""


def ipt(db: Path, args: list[str], **env: str) -> subprocess.CompletedProcess[bytes]:
    environment = {k: v for k, v in os.environ.items() if k not in {"FORCE_COLOR", "NO_COLOR", "TERM"}}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", "--db", str(db), *args],
        capture_output=True,
        cwd=ROOT,
        env=environment,
        timeout=60,
        check=False,
    )


def copy_of(store: Path, tmp_path: Path) -> Path:
    """A private copy for a command that writes (the snapshots live beside the store)."""
    import shutil

    target = tmp_path / "copy"
    shutil.copytree(store.parent, target)
    return target / store.name


@pytest.mark.parametrize("args", COMMANDS + WRITING, ids=lambda args: visible(" ".join(args[:2])))
def test_commands_print_no_control_character_from_user_text(
    store: Path, tmp_path: Path, args: list[str]
) -> None:
    db = copy_of(store, tmp_path) if args in WRITING else store
    result = ipt(db, args, NO_COLOR="1")
    out, err = result.stdout.decode(), result.stderr.decode()
    assert result.returncode == 0, err
    assert "\x1b" not in out + err, "with NO_COLOR on a pipe ipt writes no escape at all"
    assert found_unsafe(out + err) == []
    assert SHOWN_TITLE in out  # tables may cut a long cell short with "…"
    if args[0] in {"show", "summary"}:
        assert SHOWN_RTL in out and "\\u009b" in out and "␀" in out


@pytest.mark.parametrize("args", [*COMMANDS[:3], ["compare"]], ids=lambda args: visible(" ".join(args[:2])))
def test_in_colour_only_ipts_own_colour_codes_are_escapes(store: Path, args: list[str]) -> None:
    result = ipt(store, args, FORCE_COLOR="1", TERM="xterm-256color")
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr.decode()
    assert SGR.search(out), "colour was asked for"
    assert found_unsafe(SGR.sub("", out)) == []
    assert SHOWN_TITLE in SGR.sub("", out)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
@pytest.mark.parametrize("args", [["show", "WF-01"], ["summary", "--as-of", "2019-10-03"]])
def test_on_a_terminal_too(store: Path, args: list[str]) -> None:
    import pty

    main_fd, terminal_fd = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if k not in {"NO_COLOR", "FORCE_COLOR"}}
    environment.update(TERM="xterm-256color", COLUMNS="160", LINES="50")
    process = subprocess.Popen(
        [sys.executable, "-m", "tui.cli", "--db", str(store), *args],
        stdin=terminal_fd,
        stdout=terminal_fd,
        stderr=terminal_fd,
        cwd=ROOT,
        env=environment,
    )
    os.close(terminal_fd)
    chunks = []
    while True:
        try:
            chunk = os.read(main_fd, 65536)
        except OSError:  # the terminal closed when the process ended
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main_fd)
    assert process.wait(timeout=60) == 0
    out = b"".join(chunks).decode().replace("\r\n", "\n")
    assert SGR.search(out), "a terminal gets colour"
    assert found_unsafe(SGR.sub("", out)) == []
    assert SHOWN_TITLE in out


@pytest.mark.parametrize("args", FAILING, ids=lambda args: visible(" ".join(args[:2])))
def test_error_messages_quoting_what_was_typed(store: Path, args: list[str]) -> None:
    result = ipt(store, args, NO_COLOR="1")
    out, err = result.stdout.decode(), result.stderr.decode()
    assert result.returncode in (1, 2), (out, err)
    assert err.strip(), "an error is said"
    assert found_unsafe(out + err) == []


def test_a_tracker_import_error_quoting_a_cell(store: Path, tmp_path: Path) -> None:
    tracker = tmp_path / "tracker.csv"
    tracker.write_text(f"Ref,Theme,Action,Due\nWF-09,WF,{PAYLOAD},31/02{TITLE}\n", encoding="utf-8")
    result = ipt(copy_of(store, tmp_path), ["import", str(tracker), "--dry-run"], NO_COLOR="1")
    assert result.returncode == 1
    assert found_unsafe(result.stdout.decode() + result.stderr.decode()) == []


@pytest.mark.parametrize("args", [["show", "WF-01", "--json"], ["summary", "--json"], ["compare", "--json"]])
def test_json_output_escapes_them_and_keeps_the_values(store: Path, args: list[str]) -> None:
    result = ipt(store, args, NO_COLOR="1")
    assert result.returncode == 0, result.stderr.decode()
    out = result.stdout.decode()
    assert found_unsafe(out) == []
    value = orjson.loads(out)
    strings: list[str] = []

    def collect(node: Any) -> None:
        if isinstance(node, str):
            strings.append(node)
        elif isinstance(node, dict):
            for item in node.values():
                collect(item)
        elif isinstance(node, list):
            for item in node:
                collect(item)

    collect(value)
    assert any(PAYLOAD in text for text in strings), "the JSON holds the stored text itself"
    if args[0] == "show":
        assert value["action"]["title"] == Repository(store).plan("hostile").action("WF-01").title


# The tracker --------------------------------------------------------------------------------------

SIZE = (200, 50)


def rendered(app: IptApp) -> tuple[str, list[str]]:
    """What the terminal would show now, and the control characters in any rendered cell."""
    strips = app.screen._compositor.render_strips()
    text = "\n".join(strip.text for strip in strips)
    return text, found_unsafe("".join(segment.text for strip in strips for segment in strip))


async def settle(app: IptApp, pilot: Pilot[None]) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


class Walk:
    def __init__(self, app: IptApp) -> None:
        self.app = app
        self.stops: list[str] = []
        self.unsafe: list[str] = []
        self.not_shown: list[str] = []

    def check(self, where: str, *, shows_user_text: bool = True) -> None:
        assert self.app.is_running and self.app.return_code is None, where
        text, unsafe = rendered(self.app)
        self.stops.append(where)
        if unsafe:
            self.unsafe.append(f"{where}: {unsafe}")
        if shows_user_text and SHOWN_TITLE not in text:
            self.not_shown.append(where)


def choose_theme(app: IptApp, key: str) -> None:
    themes = app.screen.query_one("#theme-list", OptionList)
    themes.highlighted = themes.get_option_index(key)


def tracker_on(path: Path, tmp_path: Path) -> IptApp:
    return make_app(
        path, plan_id="hostile", as_of=AS_OF, by="tester", poll_seconds=0, settings_path=tmp_path / "s.json"
    )


async def test_every_tracker_stop_shows_control_characters_visibly(store: Path, tmp_path: Path) -> None:
    path = copy_of(store, tmp_path)
    repo = Repository(path)
    repo.add_plan(hostile().model_copy(update={"id": "hostile-two"}), by="setup")
    app = tracker_on(path, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        walk = Walk(app)
        for number, name in enumerate(SECTIONS, 1):
            await pilot.press(str(number))
            await settle(app, pilot)
            assert app.current_mode == name
            walk.check(f"section {number} ({name})")
        for section, keys, form in (
            ("actions", ("T",), "theme form"),
            ("recommendations", ("w",), "recommendation wording"),
            ("recommendations", ("e",), "impact sign-off"),
            ("funding", ("s",), "add spend"),
            ("funding", ("e",), "choose an allocation"),
            ("funding", ("e", "enter"), "allocation form"),
            ("scorecard", ("r",), "add reading"),
            ("reviews", ("s",), "snapshot label"),
        ):
            await pilot.press(str(list(SECTIONS).index(section) + 1))
            await settle(app, pilot)
            if section == "actions":
                choose_theme(app, "WF")
                await pilot.pause()
            for key in keys:
                await pilot.press(key)
                await settle(app, pilot)
            assert app.screen.is_modal, form
            walk.check(f"{section}: {form}")
            while app.screen.is_modal:
                await pilot.press("escape")
                await pilot.pause()
        await app.open_action("WF-01")
        await settle(app, pilot)
        walk.check("action form")
        await pilot.press("f2")
        await settle(app, pilot)
        walk.check("action history")
        await pilot.press("escape", "escape")
        await pilot.pause()
        await pilot.press("6")
        await settle(app, pilot)
        app.screen.query_one("#reviews-table", DataTable).focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ReviewSessionScreen)
        walk.check("review session")
        await pilot.press("escape", "escape")
        await pilot.pause()
        await pilot.press("6", "c")
        await settle(app, pilot)
        walk.check("compare")
        await pilot.press("escape")
        await pilot.pause()
        app.notify(f"Snapshot taken: {PAYLOAD}", title=PAYLOAD, markup=False)
        await pilot.pause()
        walk.check("notification")
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        walk.check("command palette (discovery)")
        await pilot.press(*"evil")
        await pilot.pause(0.5)
        walk.check("command palette (search)")
        await pilot.press("escape")
        await pilot.pause()
    assert walk.unsafe == [], "control characters reached the terminal"
    assert walk.not_shown == [], "user text not shown visibly"
    assert len(walk.stops) >= 20


async def test_a_form_opened_and_saved_keeps_the_stored_text(store: Path, tmp_path: Path) -> None:
    path = copy_of(store, tmp_path)
    before = Repository(path).plan("hostile")
    original = before.action("WF-01")
    assert "\x1b" in original.title and "\x1b" in original.owner
    app = tracker_on(path, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await app.open_action("WF-01")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, ActionFormScreen)
        title = form.query_one("#field-title", Input)
        assert title.value == visible(original.title) and found_unsafe(title.value) == []
        assert form.edits() == {}, "only looking is not an edit"
        form.query_one("#field-progress", Input).value = "65"
        form.query_one("#field-owner", Input).value = "New owner"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, ActionFormScreen)
        await pilot.press("2")
        await settle(app, pilot)
        choose_theme(app, "WF")
        await pilot.pause()
        await pilot.press("T")
        await settle(app, pilot)
        theme_form = app.screen
        assert isinstance(theme_form, RecordFormScreen)
        assert theme_form.values()["name"] == before.themes[0].name
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    after = Repository(path).plan("hostile")
    saved = after.action("WF-01")
    assert (saved.progress, saved.owner) == (65, "New owner")
    assert saved.title == original.title and saved.description == original.description
    assert after.themes[0].name == before.themes[0].name and after.themes[0].aim == before.themes[0].aim


def test_every_text_field_is_attacked() -> None:
    """The hostile plan carries the payload in every free-text field the models have."""
    data = orjson.dumps(hostile().model_dump(mode="json")).decode()
    assert data.count("\\u001b]0;pwned") >= len(text_fields())
