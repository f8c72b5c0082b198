"""Theme keys are one whatever their case; an empty theme can be deleted (CLI and tracker)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import OptionList

from store.errors import RuleBroken
from store.models import Theme
from store.repository import Repository
from tests.conftest import make_plan
from tests.test_tui_app import app_on, settle, top
from tui.cli.commands import main
from tui.screens.actions import ActionsScreen
from tui.screens.confirm import ConfirmScreen

PLAN = "test-plan"


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "plans.json"
    Repository(path).add_plan(make_plan(actions=2), by="setup")
    return path


def test_a_key_in_another_case_is_refused(store: Path) -> None:
    repo = Repository(store)
    with pytest.raises(RuleBroken, match="theme WF's key in another case"):
        repo.create(PLAN, Theme(key="wf", name="Work force"), by="t")
    assert [t.key for t in Repository(store).plan(PLAN).themes] == ["WF", "QP"]


def test_ipt_theme_remove(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", str(store), "theme", "add", "EM", "--name", "Empty"]) == 0
    assert main(["--db", str(store), "theme", "remove", "EM"]) == 0
    assert "EM" not in {t.key for t in Repository(store).plan(PLAN).themes}
    assert main(["--db", str(store), "theme", "remove", "WF"]) == 1
    assert "still used by action WF-01" in capsys.readouterr().err
    assert any(e.field == "deleted" and e.key == "EM" for e in Repository(store).audit(PLAN, "theme"))


async def test_tracker_deletes_an_empty_theme_after_asking(store: Path) -> None:
    Repository(store).create(PLAN, Theme(key="EM", name="Empty theme"), by="t")
    app = app_on(store)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        assert isinstance(app.screen, ActionsScreen)
        themes = app.screen.query_one("#theme-list", OptionList)
        themes.highlighted = themes.get_option_index("WF")
        await pilot.pause()
        await pilot.press("D")  # WF has actions: refused, nothing asked
        await pilot.pause()
        assert isinstance(top(app), ActionsScreen)
        themes.highlighted = themes.get_option_index("EM")
        await pilot.pause()
        await pilot.press("D")
        await pilot.pause()
        assert isinstance(top(app), ConfirmScreen)
        await pilot.press("y")
        await settle(app, pilot)
    assert "EM" not in {t.key for t in Repository(store).plan(PLAN).themes}
    assert "WF" in {t.key for t in Repository(store).plan(PLAN).themes}


def test_title_and_owner_share_the_room() -> None:
    from tui.widgets.action_table import layout

    owners = ["Head of Service, Children in Care"] * 3
    narrow = dict((key, width) for key, _, width in layout(78, owners))
    assert "recs" not in narrow and "status" not in narrow
    assert narrow["title"] >= 24 and narrow["owner"] >= 14
    wide = dict((key, width) for key, _, width in layout(140, owners))
    assert wide["owner"] == len(owners[0]) and wide["title"] > wide["owner"]
    assert {"recs", "status"} <= set(wide)
    assert sum(width + 2 for width in wide.values()) <= 140


async def test_the_detail_pane_follows_the_cursor(store: Path) -> None:
    from textual.widgets import Static

    app = app_on(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        detail = app.screen.query_one("#action-detail", Static)
        assert detail.display and str(detail.render()).startswith("WF-01  Action 1")
        await pilot.press("down")
        await pilot.pause()
        shown = str(detail.render())
        assert shown.startswith("WF-02  Action 2") and "Owner Service Manager" in shown
    async with app_on(store).run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("2")
        await pilot.pause()
        assert not pilot.app.screen.query_one("#action-detail", Static).display  # 24 rows: the table's
