"""config.toml: keys rebound by binding id, a theme and a plan; what is wrong in it is said,
naming the setting, and the tracker starts anyway with the defaults for it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from store.models import Plan
from store.repository import Repository
from tests.conftest import make_plan
from tui.app import IptApp, binding_ids, make_app
from tui.config import read_config
from tui.screens.action_form import ActionFormScreen
from tui.screens.actions import ActionsScreen

AS_OF = date(2019, 12, 2)
SIZE = (100, 32)


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "plans.json"
    repo = Repository(path)
    repo.add_plan(make_plan(actions=3), by="setup")
    second = make_plan(plan_id="second-plan", actions=1).model_copy(update={"name": "Second Plan"})
    repo.add_plan(Plan.model_validate(second.model_dump()), by="setup")
    return path


def app_with(store: Path, config: str) -> tuple[IptApp, list[str]]:
    config_path = store.parent / "config.toml"
    config_path.write_text(config, encoding="utf-8")
    app = make_app(
        store,
        as_of=AS_OF,
        by="tester",
        poll_seconds=0,
        settings_path=store.parent / "settings.json",
        config_path=config_path,
    )
    notes: list[str] = []
    original = app.notify

    def keep(message: str, **options: object) -> None:
        notes.append(message)
        original(message, **options)  # type: ignore[arg-type]

    app.notify = keep  # type: ignore[method-assign]
    return app, notes


async def test_keymap_theme_and_plan_from_config(store: Path) -> None:
    config = 'theme = "textual-light"\nplan = "second-plan"\n\n[keymap]\n"actions.new" = "a"\n'
    app, notes = app_with(store, config)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.theme == "textual-light" and app.plan_id == "second-plan"
        assert not notes
        await pilot.press("2", "n")
        await pilot.pause()
        assert isinstance(app.screen, ActionsScreen), "n is no longer New action"
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ActionFormScreen)


async def test_invalid_config_names_each_key_and_starts_with_defaults(store: Path) -> None:
    config = 'theme = "no-such-theme"\ncolour = "red"\nplan = 7\n\n[keymap]\n"actions.nwe" = "a"\n'
    config += '"actions.filter" = "ctrl+ f"\n"actions.history" = "y"\n'
    app, notes = app_with(store, config)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.has_plan and app.plan_id == "test-plan" and app.theme == "textual-dark"
        said = "\n".join(notes)
        assert "theme 'no-such-theme' is not a theme" in said
        assert "'colour' is not a setting" in said
        assert "plan should be a name in quotes" in said
        assert "keymap 'actions.nwe' is not a key binding of ipt; did you mean 'actions.new'?" in said
        assert "keymap 'actions.filter' should be keys in quotes" in said
        await pilot.press("2", "y")  # the one good entry of the keymap is used
        await pilot.pause()
        assert type(app.screen).__name__ == "HistoryScreen"


async def test_config_that_is_not_toml_is_said_and_ignored(store: Path) -> None:
    app, notes = app_with(store, "theme = \n[keymap\n")
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.has_plan
        assert any("config.toml is not valid TOML" in note and "using the defaults" in note for note in notes)


async def test_config_plan_missing_from_the_store_opens_the_default(store: Path) -> None:
    app, notes = app_with(store, 'plan = "gone-plan"\n')
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.has_plan
        assert any("plan 'gone-plan' is not in this store" in note for note in notes)


def test_binding_ids_cover_every_screen() -> None:
    ids = binding_ids()
    assert {"app.quit", "app.toggle_theme", "review.close", "actions.delete", "form.save"} <= ids


def test_no_config_file_is_an_empty_config(tmp_path: Path) -> None:
    config = read_config(tmp_path / "config.toml", lambda: ())
    assert config.keymap == {} and config.theme is None and config.problems == []
