"""The bad-input campaign of issue #5, part 4: Rich/Textual markup in every text field, through the UI.

A store holds two plans with a markup payload in every free-text field (see
:func:`tests.payloads.hostile_plan`). Pilot walks every section (keys 1 to the last), the small
forms each section opens, the action form, the help screen and the command palette (discovery
and search). At every stop the screen's rendered text must show the payload literally, no
rendered cell may carry a click action or a link that came from the payload, and the app must
still be running with no return code: nothing crashed, nothing fired.

The default suite runs all payloads at once in one string (a parser that reads any of it as
markup changes it or raises); ``IPT_CAMPAIGN_EXAMPLES=1000`` (``make faults``) adds one run per
payload.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from store.repository import Repository
from tests.payloads import FULL, MARKUP_ALL, MARKUP_PAYLOADS, hostile_plan, record, text_fields
from tui.app import IptApp, make_app
from tui.screens.base import SECTIONS

SIZE = (200, 50)
PAYLOADS = [MARKUP_ALL, *(MARKUP_PAYLOADS if FULL else ())]


def screen_text(app: IptApp) -> str:
    """What the terminal shows now, line by line (the compositor's strips)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def live_cells(app: IptApp) -> list[str]:
    """Rendered cells that would do something when clicked: payload actions or payload links."""
    found = []
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            style = segment.style
            if style is None:
                continue
            click = str(style.meta.get("@click", ""))
            if "quit" in click or "https://x" in str(style.link or ""):
                found.append(f"{segment.text!r}: click={click!r} link={style.link!r}")
    return found


async def settle(app: IptApp, pilot: Pilot[None]) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


class Walk:
    """Checks at each stop, and what they found."""

    def __init__(self, app: IptApp, payload: str) -> None:
        self.app = app
        self.payload = payload
        self.stops: list[str] = []
        self.missing: list[str] = []
        self.live: list[str] = []

    def check(self, where: str, *, shows_user_text: bool = True) -> None:
        app = self.app
        assert app.is_running and app.return_code is None, where
        self.stops.append(where)
        if shows_user_text and self.payload not in screen_text(app):
            self.missing.append(where)
        self.live += [f"{where}: {cell}" for cell in live_cells(app)]


@pytest.mark.parametrize("payload", PAYLOADS)
async def test_markup_in_every_field_is_shown_literally_everywhere(tmp_path: Path, payload: str) -> None:
    path = tmp_path / "plans.json"
    repo = Repository(path)
    repo.add_plan(hostile_plan(payload, tagged=False), by="setup")
    repo.add_plan(hostile_plan(payload, tagged=False).model_copy(update={"id": "hostile-two"}), by="setup")
    app = make_app(
        path,
        plan_id="hostile",
        as_of=None,
        by="tester",
        poll_seconds=0,
        settings_path=tmp_path / "settings.json",
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        walk = Walk(app, payload)
        for number, name in enumerate(SECTIONS, 1):
            await pilot.press(str(number))
            await settle(app, pilot)
            assert app.current_mode == name
            walk.check(f"section {number} ({name})")
        await pilot.press("question_mark")
        await pilot.pause()
        walk.check("help screen", shows_user_text=False)
        await pilot.press("escape")
        await pilot.pause()
        for section, key, form in (
            ("recommendations", "e", "impact sign-off"),
            ("funding", "s", "add spend"),
            ("scorecard", "r", "add reading"),
        ):
            await pilot.press(str(list(SECTIONS).index(section) + 1))
            await settle(app, pilot)
            await pilot.press(key)
            await pilot.pause()
            walk.check(f"{section}: {form} form", shows_user_text=form != "impact sign-off")
            await pilot.press("escape")
            await pilot.pause()
        await app.open_action("WF-01")
        await settle(app, pilot)
        walk.check("action form")
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        walk.check("command palette (discovery)")
        await pilot.press(*payload.split()[0][:6])
        await pilot.pause(0.5)
        walk.check("command palette (search)")
        await pilot.press("escape")
        await pilot.pause()
        walk.check("after the palette", shows_user_text=False)
    assert walk.missing == [], f"not shown literally at: {walk.missing}"
    assert walk.live == []
    assert app.return_code is None
    record(
        "markup payloads x text fields through every UI stop",
        len(text_fields()) * len(walk.stops),
        payload=payload,
        stops=len(walk.stops),
    )
