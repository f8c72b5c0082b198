"""Themes a tracker names: matched by key or folded name, near-misses refused with the theme
meant, new ones created (with --create-missing) once each under a short key that does not clash."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from store.importers import TrackerError, import_tracker, read_tracker, theme_key_for
from store.importers.apply import ImportResult
from store.models import Theme
from store.repository import Repository
from tests.conftest import make_plan

THEMES = [
    Theme(key="WF", name="Workforce"),
    Theme(key="QP", name="Quality of Practice"),
    Theme(key="PA", name="Partnerships"),
    Theme(key="SSAQ", name="Something Else"),
]


def repo() -> Repository:
    store = Repository(None)
    store.add_plan(make_plan().model_copy(update={"themes": THEMES}), by="setup")
    return store


def tracker(tmp_path: Path, *themes: str) -> Path:
    path = tmp_path / "tracker.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["Ref", "Theme", "Action"])
        for number, theme in enumerate(themes, start=1):
            writer.writerow([f"NEW-{number:02d}", theme, f"Action {number}"])
    return path


def imported(store: Repository, path: Path, **options: Any) -> ImportResult:
    return import_tracker(store, "test-plan", read_tracker(path), by="tester", **options)


def problems(store: Repository, path: Path, **options: Any) -> list[str]:
    with pytest.raises(TrackerError) as raised:
        imported(store, path, **options)
    return [str(problem) for problem in raised.value.problems]


@pytest.mark.parametrize("create_missing", [False, True])
@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("Quality of practise", "QP Quality of Practice"),
        ("Workforce development", "WF Workforce"),
        ("Theme 3 – Partnership", "PA Partnerships"),
    ],
)
def test_a_near_duplicate_theme_is_refused_naming_the_theme_meant(
    tmp_path: Path, written: str, meant: str, create_missing: bool
) -> None:
    store = repo()
    path = tracker(tmp_path, "Workforce", written)
    assert problems(store, path, create_missing=create_missing) == [
        f"row 3, column Theme: {written!r} is not a theme of this plan; did you mean {meant}?"
    ]
    assert [theme.key for theme in store.plan("test-plan").themes] == ["WF", "QP", "PA", "SSAQ"]


def test_every_close_theme_is_listed(tmp_path: Path) -> None:
    store = Repository(None)
    themes = [*THEMES[:2], Theme(key="WD", name="Workforce Development")]
    store.add_plan(make_plan().model_copy(update={"themes": themes}), by="setup")
    assert problems(store, tracker(tmp_path, "Workforce development plan"), create_missing=True) == [
        "row 2, column Theme: 'Workforce development plan' is not a theme of this plan; "
        "did you mean WF Workforce or WD Workforce Development?"
    ]


def test_a_name_that_folds_to_a_theme_needs_no_flag(tmp_path: Path) -> None:
    store = repo()
    path = tracker(
        tmp_path, "QUALITY OF PRACTICE", "Theme 1:Workforce", "2. Partnerships", "quality-of-practice"
    )
    result = imported(store, path)
    assert result.themes_created == []
    plan = store.plan("test-plan")
    assert [plan.action(f"NEW-{n:02d}").theme for n in (1, 2, 3, 4)] == ["QP", "WF", "PA", "QP"]


def test_a_new_theme_gets_a_short_key_that_does_not_clash(tmp_path: Path) -> None:
    store = repo()
    path = tracker(tmp_path, "Signs of Safety Assurance and Quality Improvement Board")
    result = imported(store, path, create_missing=True)
    assert result.themes_created == ["SSAQ2"]
    theme = store.plan("test-plan").theme("SSAQ2")
    assert theme.name == "Signs of Safety Assurance and Quality Improvement Board"
    assert theme_key_for("Children's Services Early Help Assurance Panel", set()) == "CSEH"
    assert theme_key_for("Children's Services Early Help Assurance Panel", {"cseh"}) == "CSEH2"


def test_two_spellings_of_one_new_theme_make_one_theme(tmp_path: Path) -> None:
    store = repo()
    path = tracker(tmp_path, "Theme 5:Signs of Safety", "signs of safety", "Theme 5 – Signs-of-Safety")
    result = imported(store, path, create_missing=True)
    assert result.themes_created == ["SS"]
    plan = store.plan("test-plan")
    assert plan.theme("SS").name == "Signs of Safety"
    assert {plan.action(f"NEW-{n:02d}").theme for n in (1, 2, 3)} == {"SS"}


def test_a_near_duplicate_of_a_theme_created_earlier_in_the_file_is_refused(tmp_path: Path) -> None:
    store = repo()
    path = tracker(tmp_path, "Signs of Safety", "Signs of Saftey")
    assert problems(store, path, create_missing=True) == [
        "row 3, column Theme: 'Signs of Saftey' is not a theme of this plan; did you mean SS Signs of Safety?"
    ]


def test_names_of_symbols_alone_are_matched_exactly_not_folded_together(tmp_path: Path) -> None:
    """Folding drops punctuation, so "'" and "\ud7fc" both fold to nothing: they are matched as
    written (found by the XLSX round-trip property), never reported as one ambiguous name."""
    store = Repository(None)
    themes = [Theme(key="WF", name="\ud7fc"), Theme(key="QP", name="'")]
    store.add_plan(make_plan().model_copy(update={"themes": themes}), by="setup")
    imported(store, tracker(tmp_path, "\ud7fc", "'"))
    assert {a.ref: a.theme for a in store.plan("test-plan").actions if a.ref.startswith("NEW")} == {
        "NEW-01": "WF",
        "NEW-02": "QP",
    }
