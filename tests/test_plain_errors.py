"""Refusals in the user's words, all at once, beside their fields (the tracker's forms) or
on one line each (the command line); field names as labels in history and board text."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from store.labels import changes_in_words, field_label, in_words, value_in_words
from store.repository import Repository
from store.validation import allowed_characters
from tests.conftest import make_plan
from tui.app import make_app
from tui.cli.commands import main
from tui.screens.action_form import ActionFormScreen


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "plans.json"
    Repository(path).add_plan(make_plan(actions=3), by="setup")
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def problem(form: ActionFormScreen, name: str) -> str:
    widget = form.query_one(f"#problem-{name}", Static)
    return str(widget.render()) if widget.display else ""


async def test_action_form_says_every_problem_at_once_in_words(db: Path) -> None:
    app = make_app(db, as_of=date(2019, 12, 2), by="t", poll_seconds=0, settings_path=db.parent / "s.json")
    async with app.run_test(size=(100, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("2", "n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ActionFormScreen)
        form.query_one("#field-progress", Input).value = "150"
        form.query_one("#field-start_on", Input).value = "01/02/2020"
        form.query_one("#field-due_on", Input).value = "2020-01-01"
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert problem(form, "ref").startswith("cannot be empty: use letters, digits")
        assert "^" not in problem(form, "ref") and "[" not in problem(form, "ref")  # no pattern
        assert problem(form, "title") == "cannot be empty"
        assert problem(form, "progress") == "150 is not a percentage: give a whole number from 0 to 100"
        assert problem(form, "due_on") == "the due date is before the start date (01/02/2020)"
        assert not problem(form, "_form"), "nothing left over as '(top level)'"
        form.query_one("#field-ref", Input).focus()
        await pilot.press("W", "F")  # fixing a field clears its problem at once
        await pilot.pause()
        assert not problem(form, "ref") and problem(form, "title")


def test_cli_lists_statuses_as_people_type_them(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    code, _, err = run(capsys, "--db", str(db), "update", "WF-01", "--status", "done")
    assert code == 1
    assert "'done' is not one of 'not started', 'in progress', 'complete', 'blocked' or 'cancelled'" in err
    assert "not_started" not in err


def test_completed_without_status_complete_names_the_option(
    capsys: pytest.CaptureFixture[str], db: Path
) -> None:
    code, _, err = run(capsys, "--db", str(db), "update", "WF-01", "--completed", "30/11/2019")
    assert code == 1
    assert "--completed: a completed date needs the action complete" in err and "--status complete" in err
    assert ": :" not in err


def test_due_before_start_is_put_under_the_due_date(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    code, _, err = run(capsys, "--db", str(db), "update", "WF-01", "--start", "2030-01-01")
    assert code == 1
    assert "due_on: due date" in err and "is before start date 2030-01-01" in err and ": :" not in err


def test_global_options_after_the_command(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    code, out, err = run(capsys, "show", "WF-01", "--db", str(db), "--plan", "test-plan")
    assert code == 0, err
    assert out.startswith("Plan test-plan: ")  # ipt show names the plan it read
    code, out, err = run(capsys, "update", "wf-01", "--progress", "40", "--db", str(db), "--by", "alice")
    assert code == 0, err
    history = Repository(db).audit("test-plan", "action", "WF-01")
    assert history[-1].by == "alice" and history[-1].field == "progress"


def test_refs_match_ignoring_case_and_suggest_the_nearest(
    capsys: pytest.CaptureFixture[str], db: Path
) -> None:
    code, out, _ = run(capsys, "--db", str(db), "show", "wf01")
    assert code == 0 and "WF-01" in out
    code, _, err = run(capsys, "--db", str(db), "show", "WF-1")
    assert code == 1 and "no action 'WF-1' in plan test-plan; did you mean WF-01?" in err


def test_history_shows_labels_and_values_in_words(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    run(capsys, "--db", str(db), "update", "WF-01", "--due", "31/01/2020", "--due-reason", "winter")
    code, out, _ = run(capsys, "--db", str(db), "show", "WF-01")
    assert code == 0
    history = out[out.index("History") :]
    assert "Due date" in history and "due_on" not in history and "{" not in history


def test_labels() -> None:
    assert field_label("due_on") == "Due date" and field_label("lead_officer") == "Lead officer"
    assert in_words("due_on 2019-01-01 is before start_on 2019-02-01") == (
        "due date 2019-01-01 is before start date 2019-02-01"
    )
    assert changes_in_words("rag: amber → red; due_on: 2019-12-01 → 2020-01-31") == (
        "RAG: amber → red; Due date: 2019-12-01 → 2020-01-31"
    )
    assert value_in_words("in_progress") == "in progress"
    moved = {"on": "2019-12-02", "old_due_on": "2019-12-01", "new_due_on": "2020-01-31", "reason": "x"}
    assert value_in_words(moved) == "2019-12-01 → 2020-01-31: x"
    rule = allowed_characters(r"^[a-z0-9][a-z0-9\-]{0,63}$")
    assert rule.startswith("use lower-case letters, digits and -, starting with a letter or digit")
    assert rule.endswith("at most 64 characters (no spaces)")
