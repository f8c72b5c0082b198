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
        await pilot.pause(0.2)  # the pane follows once the cursor rests
        detail = app.screen.query_one("#action-detail", Static)
        assert detail.display and str(detail.render()).startswith("WF-01  Action 1")
        await pilot.press("down")
        await pilot.pause(0.2)
        shown = str(detail.render())
        assert shown.startswith("WF-02  Action 2") and "Owner Service Manager" in shown
    async with app_on(store).run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("2")
        await pilot.pause()
        assert not pilot.app.screen.query_one("#action-detail", Static).display  # 24 rows: the table's


def test_refs_are_never_cut_mid_ref() -> None:
    from tui.screens.recommendations import fit_refs

    refs = ["WF-03", "WF-05", "QP-02", "QP-10"]
    assert fit_refs(refs, 40) == "WF-03, WF-05, QP-02, QP-10"
    assert fit_refs(refs, 16) == "WF-03, WF-05 +2"
    assert fit_refs(refs, 4) == "WF-03 +3"
    assert fit_refs([], 10) == "–"


async def test_recommendations_and_scorecard_show_their_rows_at_80x24(tmp_path: Path) -> None:
    from textual.coordinate import Coordinate
    from textual.widgets import DataTable

    db = tmp_path / "plans.json"
    assert main(["--db", str(db), "init", "--sample", "oldham-2019"]) == 0
    app = app_on(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("3")
        await settle(app, pilot)
        table = app.screen.query_one("#recs-table", DataTable)
        assert table.size.height - 1 >= 7  # every one of Oldham's seven, not three
        assert not app.screen.query_one("#recs-matrix").display
        for row in range(table.row_count):
            refs = str(table.get_cell_at(Coordinate(row, 3)))
            assert all(part.startswith(("WF-", "QP-", "PA-", "DL-", "CM-", "AS-", "+")) for part in
                       refs.replace(",", " ").split()), refs  # fmt: skip
        await pilot.press("5")
        await settle(app, pilot)
        kpis = app.screen.query_one("#kpi-table", DataTable)
        assert kpis.size.height - 1 >= kpis.row_count
        assert kpis.columns[next(iter(kpis.columns))].width >= 18  # the KPI name has room (14 before)


async def test_the_action_form_edits_funding_and_kpi_links(store: Path) -> None:
    from textual.widgets import SelectionList

    from tests.test_tui_app import open_form

    repo = Repository(store)
    before = repo.plan(PLAN).action("WF-01")
    assert before.funding == [] and before.measures == []
    kpi = repo.plan(PLAN).kpis[0].id
    app = app_on(store)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)
        form = await open_form(app, pilot, "WF-01")
        assert form.edits() == {}, "an untouched form changes nothing"
        form.query_one("#field-funding", SelectionList).select("A1")
        form.query_one("#field-measures", SelectionList).select(kpi)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    after = Repository(store).plan(PLAN).action("WF-01")
    assert after.funding == ["A1"] and after.measures == [kpi]
    audited = {e.field for e in Repository(store).audit(PLAN, "action", "WF-01")}
    assert {"funding", "measures"} <= audited


def test_cli_summary_of_a_sample_is_judged_on_its_reported_day(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "plans.json"
    assert main(["--db", str(db), "init", "--sample", "oldham-2019"]) == 0
    capsys.readouterr()
    assert main(["--db", str(db), "summary", "--json"]) == 0
    import json

    summary = json.loads(capsys.readouterr().out)
    reported = Repository(db).plan("oldham-2019").reported_on
    assert reported is not None and summary["as_of"] == reported.isoformat()
    assert len(summary["overdue"]) < 10  # not years late: every open action overdue
