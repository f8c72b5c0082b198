"""An action's outcome and success measure: what will be different when it is done, and how
success is measured. Councils' trackers carry both; the import reads them, the form and
`ipt update` edit them, `ipt show` and the packs show them; a narrative Progress column is
read as the update rather than refused as a bad percentage."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from store.exports import load_pack_json, render_pack
from store.importers import import_tracker, read_tracker
from store.models import Action, Plan, Theme
from store.repository import Repository
from tests.conftest import make_plan
from tests.test_tui_app import SIZE, app_on, open_form, set_input, settle, store_with
from tui.cli.commands import main

PLAN = "test-plan"
AS_OF = date(2019, 12, 2)
OUTCOME = "Caseloads are at or below 18 per social worker"
MEASURE = "Monthly caseload report; agency rate under 10%"


def write_csv(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode())
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def repo_with(**changes: Any) -> Repository:
    plan = make_plan()
    first = plan.action("WF-01").model_copy(update=changes)
    repo = Repository(None)
    repo.add_plan(plan.model_copy(update={"actions": [first, *plan.actions[1:]]}), by="setup")
    return repo


def imported(repo: Repository, path: Path) -> Action:
    import_tracker(repo, PLAN, read_tracker(path), by="tester", on=date(2020, 1, 2))
    return repo.plan(PLAN).action("WF-01")


def ipt(capsys: pytest.CaptureFixture[str], db: Path, *args: str) -> tuple[int, str]:
    code = main(["--db", str(db), "--by", "Jo", *args])
    return code, capsys.readouterr().out


# Import ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome_heading", "measure_heading"),
    [
        ("Desired Outcome", "How success is measured"),
        ("Outcome", "Success measure(s)"),
        ("Intended outcome", "Measure of success"),
        ("Expected outcome", "Success criteria"),
        ("Outcomes", "Evidence of impact"),
    ],
)
@pytest.mark.parametrize("writer", [write_csv, write_xlsx])
def test_tracker_outcome_and_success_columns_fill_the_fields(
    tmp_path: Path, writer: Any, outcome_heading: str, measure_heading: str
) -> None:
    path = writer(
        tmp_path / ("t.csv" if writer is write_csv else "t.xlsx"),
        [
            ("Ref", "Theme", "Action", outcome_heading, measure_heading, "Evidence"),
            ("WF-01", "WF", "Action 1", OUTCOME, MEASURE, "Minutes of the board"),
        ],
    )
    rows = read_tracker(path)
    assert rows.columns["outcome"] == outcome_heading
    assert rows.columns["success_measure"] == measure_heading
    assert rows.no_field == ["Evidence (the plan has no field for evidence)"]
    action = imported(repo_with(), path)
    assert (action.outcome, action.success_measure) == (OUTCOME, MEASURE)


def test_blank_outcome_cells_keep_the_stored_text_and_a_dry_run_lists_a_change(tmp_path: Path) -> None:
    header = ("Ref", "Theme", "Action", "Desired Outcome", "How success is measured")
    repo = repo_with(outcome=OUTCOME, success_measure=MEASURE)
    blank = write_csv(tmp_path / "blank.csv", [header, ("WF-01", "WF", "Action 1", "", "")])
    action = imported(repo, blank)
    assert (action.outcome, action.success_measure) == (OUTCOME, MEASURE)

    changed = write_csv(tmp_path / "changed.csv", [header, ("WF-01", "WF", "Action 1", "Fewer moves", "")])
    rows = read_tracker(changed)
    result = import_tracker(repo, PLAN, rows, by="tester", dry_run=True)
    assert [str(change) for change in result.changes] == [f"WF-01 Outcome: {OUTCOME!r} → 'Fewer moves'"]
    assert result.blanks_kept == 1
    action = imported(repo, changed)
    assert (action.outcome, action.success_measure) == ("Fewer moves", MEASURE)


def test_narrative_progress_column_is_read_as_the_update(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "t.csv",
        [
            ("Ref", "Theme", "Action", "Progress"),
            ("WF-01", "WF", "Action 1", "Two posts filled; the third advertised"),
            ("WF-02", "WF", "Action 2", "Complete"),
            ("QP-01", "QP", "Action 3", "50%"),
        ],
    )
    rows = read_tracker(path)
    assert rows.problems == []
    assert rows.columns["update"] == "Progress" and "progress" not in rows.columns
    assert rows.remarks == ["column 'Progress' read as update text"]
    repo = repo_with(progress=30)
    action = imported(repo, path)
    assert action.progress == 30  # the percentage is kept: the column did not give one
    assert action.updates[-1].text == "Two posts filled; the third advertised"
    assert repo.plan(PLAN).action("QP-01").updates[-1].text == "50%"


def test_narrative_progress_beside_an_update_column_is_listed_not_refused(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "t.csv",
        [
            ("Ref", "Theme", "Action", "Progress", "Commentary"),
            ("WF-01", "WF", "Action 1", "On track", "Recruitment under way"),
        ],
    )
    rows = read_tracker(path)
    assert rows.problems == [] and rows.remarks == []
    assert rows.ignored == ["Progress (text, not percentages; the update is read from 'Commentary')"]
    assert imported(repo_with(), path).updates[-1].text == "Recruitment under way"


def test_a_column_of_numbers_stays_progress(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "t.csv",
        [
            ("Ref", "Theme", "Action", "Progress"),
            ("WF-01", "WF", "Action 1", "40%"),
            ("WF-02", "WF", "Action 2", "60"),
            ("QP-01", "QP", "Action 3", "nearly there"),
        ],
    )
    rows = read_tracker(path)
    assert rows.columns["progress"] == "Progress" and rows.remarks == []
    assert [str(problem) for problem in rows.problems] == [
        "row 4, column Progress: 'nearly there' is not a percentage (write 50%, 50 or 0.5)"
    ]


# The form, `ipt update` and `ipt show` ---------------------------------------------------------


async def test_the_form_edits_outcome_and_success_measure(tmp_path: Path) -> None:
    db = store_with(tmp_path / "plans.json", make_plan(actions=6))
    app = app_on(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        form = await open_form(app, pilot, "WF-01")
        set_input(form, "outcome", OUTCOME)
        set_input(form, "success_measure", MEASURE)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    action = Repository(db).plan(PLAN).action("WF-01")
    assert (action.outcome, action.success_measure) == (OUTCOME, MEASURE)

    async with app_on(db).run_test(size=SIZE) as pilot:
        app = pilot.app  # type: ignore[assignment]
        await settle(app, pilot)
        form = await open_form(app, pilot, "WF-01")
        assert form.raw()["outcome"] == OUTCOME and form.raw()["success_measure"] == MEASURE
        assert form.edits() == {}


def test_ipt_update_sets_them_and_ipt_show_shows_them(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = store_with(tmp_path / "plans.json", make_plan())
    code, out = ipt(capsys, db, "show", "WF-01")
    assert code == 0 and "Outcome" not in out and "Success measure" not in out
    code, _ = ipt(capsys, db, "update", "WF-01", "--outcome", OUTCOME, "--success-measure", MEASURE)
    assert code == 0
    action = Repository(db).plan(PLAN).action("WF-01")
    assert (action.outcome, action.success_measure) == (OUTCOME, MEASURE)
    code, out = ipt(capsys, db, "show", "WF-01")
    assert code == 0
    flat = " ".join(out.split())
    assert f"Outcome {OUTCOME}" in flat and "Success measure Monthly caseload report" in flat
    code, _ = ipt(
        capsys, db, "action", "add", "WF-09", "--theme", "WF", "--title", "New", "--outcome", "Less"
    )
    assert code == 0 and Repository(db).plan(PLAN).action("WF-09").outcome == "Less"


# Exports ---------------------------------------------------------------------------------------


def outcome_plan() -> Plan:
    actions = [
        Action(
            ref="WF-01", theme="WF", title="One", outcome=OUTCOME, success_measure="=1+1 is not a formula"
        ),
        Action(ref="WF-02", theme="WF", title="Two", success_measure=MEASURE),
        Action(ref="WF-03", theme="WF", title="Three"),
    ]
    return Plan(
        id="outcomes",
        name="Outcomes",
        authority="Council",
        starts_on=date(2019, 4, 1),
        ends_on=date(2021, 3, 31),
        themes=[Theme(key="WF", name="Workforce")],
        actions=actions,
    )


def import_back(plan: Plan, out: Path) -> list[Action]:
    target = Repository(None)
    target.add_plan(plan.model_copy(update={"actions": []}), by="setup")
    rows = read_tracker(out)
    assert rows.ignored == [] and rows.no_field == []
    import_tracker(target, plan.id, rows, by="importer", on=date(2020, 1, 2))
    return target.plan(plan.id).actions


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_csv_and_xlsx_action_lists_carry_them_and_import_back(tmp_path: Path, fmt: str) -> None:
    plan = outcome_plan()
    out = tmp_path / f"pack.{fmt}"
    out.write_bytes(render_pack(plan, as_of=AS_OF, fmt=fmt))
    assert import_back(plan, out) == plan.actions


def test_a_plan_without_them_keeps_the_action_list_it_had(tmp_path: Path) -> None:
    raw = render_pack(make_plan(), as_of=AS_OF, fmt="csv").decode("utf-8-sig")
    assert "Outcome" not in raw.splitlines()[0]
    with_outcome = render_pack(outcome_plan(), as_of=AS_OF, fmt="csv").decode("utf-8-sig")
    assert with_outcome.splitlines()[0].endswith('"Latest update","Outcome","Success measure"')


def test_json_pack_round_trips_them_and_leaves_empty_ones_out(tmp_path: Path) -> None:
    plan = outcome_plan()
    out = tmp_path / "pack.json"
    out.write_bytes(render_pack(plan, as_of=AS_OF, fmt="json"))
    assert load_pack_json(out).plan == plan
    text = out.read_text()
    assert text.count('"outcome"') == 1 and text.count('"success_measure"') == 2


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_md_and_html_packs_list_them(fmt: str) -> None:
    text = render_pack(outcome_plan(), as_of=AS_OF, fmt=fmt).decode()
    assert OUTCOME in text and "Success measure" in text and MEASURE in text


def test_ipt_import_says_a_progress_column_was_read_as_update_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "plans.json"
    Repository(store).add_plan(make_plan(), by="setup")
    path = write_csv(
        tmp_path / "t.csv",
        [("Ref", "Theme", "Action", "Progress"), ("WF-01", "WF", "Action 1", "Two posts filled")],
    )
    assert main(["--db", str(store), "import", str(path), "--dry-run"]) == 0
    assert "column 'Progress' read as update text" in capsys.readouterr().out
