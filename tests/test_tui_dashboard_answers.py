"""The dashboard answers the board's five questions above the fold, at 80x24 and up.

Each answer is a panel whose border carries its headline figure; at 80x24 all five headlines
are on the screen without scrolling. On the Oldham sample as of 20 November 2019, after a
snapshot at the October board and two changes since.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from textual.widgets import Static

from store.repository import Repository
from tests.conftest import make_plan
from tui.app import make_app
from tui.cli.commands import main as ipt
from tui.screens.answers import short_criterion, short_grade
from tui.screens.dashboard import ANSWERS

AS_OF = date(2019, 11, 20)


@pytest.fixture
def oldham(tmp_path: Path) -> Path:
    db = tmp_path / "plans.json"
    assert ipt(["--db", str(db), "init", "--sample", "oldham-2019"]) == 0
    assert ipt(["--db", str(db), "snapshot", "--label", "October board", "--as-of", "2019-10-03"]) == 0
    assert ipt(["--db", str(db), "--by", "PO", "update", "WF-02", "--rag", "red"]) == 0
    assert (
        ipt(
            [
                "--db",
                str(db),
                "--by",
                "PO",
                "update",
                "WF-01",
                "--status",
                "complete",
                "--completed",
                "2019-11-10",
            ]
        )
        == 0
    )
    return db


async def settle(app: object, pilot: object) -> None:
    for _ in range(5):
        await app.workers.wait_for_complete()  # type: ignore[attr-defined]
        await pilot.pause()  # type: ignore[attr-defined]


def headline(app: object, name: str) -> str:
    panel = app.screen.query_one(f"#answer-{name}", Static)  # type: ignore[attr-defined]
    return str(panel.border_title)


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (160, 48)])
async def test_five_headlines_above_the_fold(oldham: Path, size: tuple[int, int]) -> None:
    app = make_app(oldham, as_of=AS_OF, by="t", poll_seconds=0, settings_path=oldham.parent / "s.json")
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        for name in ANSWERS:
            panel = app.screen.query_one(f"#answer-{name}", Static)
            region = panel.region
            assert region.height >= 3, name
            assert region.y + 1 <= size[1] - 2, f"{name}'s headline is below the fold at {size}"
            assert region.right <= size[0], name
        assert headline(app, "themes").startswith("Progress ")
        assert "of 30 done" in headline(app, "themes")
        assert headline(app, "money") == "£000: 2,458 spent of 15,195"
        assert headline(app, "recommendations") == "0 of 7 recs not covered"
        assert headline(app, "kpis").endswith("KPIs off target")
        assert headline(app, "changes").startswith("3 changes since October board")
        money = str(app.screen.query_one("#answer-money", Static).render())
        assert "variance 471 over" in money


async def test_judgements_are_one_line_and_open_in_full(oldham: Path) -> None:
    app = make_app(oldham, as_of=AS_OF, by="t", poll_seconds=0, settings_path=oldham.parent / "s.json")
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)
        line = app.screen.query_one("#dash-judgements", Static)
        assert str(line.render()).startswith("ILACS")
        assert "Leaders RI" in str(line.render())
        await pilot.press("i")
        await pilot.pause()
        full = str(line.render())
        assert "The impact of leaders on social work practice" in full
        assert "RI requires improvement" in full  # the legend
        await pilot.press("i")
        await pilot.pause()
        assert "The impact of leaders" not in str(line.render())


async def test_no_snapshot_says_how_to_take_one(tmp_path: Path) -> None:
    db = tmp_path / "plans.json"
    Repository(db).add_plan(make_plan(), by="setup")
    app = make_app(db, as_of=AS_OF, by="t", poll_seconds=0, settings_path=tmp_path / "s.json")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert headline(app, "changes") == "Since the last board: no snapshot yet"
        assert "Take one in Reviews" in str(app.screen.query_one("#answer-changes", Static).render())
        assert headline(app, "recommendations") == "1 of 3 recs not covered"
        assert "✖  3 Recommendation 3" in str(
            app.screen.query_one("#answer-recommendations", Static).render()
        )


def test_criteria_and_grades_are_abbreviated() -> None:
    assert (
        short_criterion("The impact of leaders on social work practice with children and families")
        == "Leaders"
    )
    assert short_criterion("The experiences and progress of children who need help and protection") == (
        "Help & protection"
    )
    assert short_criterion("The experiences and progress of children in care and care leavers") == "In care"
    assert short_criterion("The experiences and progress of care leavers") == "Care leavers"
    assert short_criterion("Overall effectiveness") == "Overall"
    assert short_grade("Requires improvement to be good") == "RI"
    assert short_grade("inadequate") == "Inad"
