"""`ipt allocation|spend|kpi|theme|rec`: the tracker's changes from the command line, each a
one-line report with the revision, or a refusal naming the field with nothing written."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from store.models import Plan
from store.repository import Repository
from tests.conftest import make_plan
from tui.cli.commands import main

PLAN = "test-plan"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "plans.json"
    Repository(path).add_plan(make_plan(), by="setup")
    return path


def ipt(capsys: pytest.CaptureFixture[str], db: Path, *args: str) -> tuple[int, str, str]:
    try:
        code = main(["--db", str(db), "--by", "Jo", *args])
    except SystemExit as usage:  # argparse refuses a value it converts itself (a date, a number)
        code = int(str(usage.code))
    captured = capsys.readouterr()
    return code, captured.out.strip(), captured.err.strip()


def plan(db: Path) -> Plan:
    return Repository(db).plan(PLAN)


def refused(capsys: pytest.CaptureFixture[str], db: Path, *args: str) -> str:
    """Run a command that must be refused: exit 1, nothing written; its message."""
    before = Repository(db).revision
    code, out, err = ipt(capsys, db, *args)
    assert (code, out) == (1, ""), (code, out, err)
    assert Repository(db).revision == before
    return " ".join(err.split())


def test_allocation_add_edit_remove(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    code, out, _ = ipt(
        capsys,
        db,
        *("allocation", "add", "--year", "2019/20", "--amount", "250000.10", "--source", "Growth bid"),
        *("--category", "investment", "--purpose", "Extra social workers", "--approved-on", "03/10/2019"),
    )
    assert code == 0
    assert out == ("Added allocation A2: 2019/20, £250,000.10 growth bid, revenue, investment (revision 2)")
    added = next(a for a in plan(db).allocations if a.id == "A2")
    assert added.amount == Decimal("250000.10") and added.approved_on == date(2019, 10, 3)
    assert added.purpose == "Extra social workers" and added.theme is None

    code, out, _ = ipt(capsys, db, "allocation", "edit", "A2", "--amount", "-5000", "--theme", "WF")
    assert (code, out) == (0, "Saved allocation A2: amount (£5,000.00), theme WF (revision 3)")
    edited = next(a for a in plan(db).allocations if a.id == "A2")
    assert (edited.amount, edited.theme, edited.purpose) == (Decimal("-5000"), "WF", "Extra social workers")

    assert "still used by spend entry S1" in refused(capsys, db, "allocation", "remove", "A1")
    code, out, _ = ipt(capsys, db, "allocation", "remove", "A2")
    assert (code, out) == (0, "Removed allocation A2 (revision 4)")
    assert [a.id for a in plan(db).allocations] == ["A1"]
    fields = [(e.key, e.field) for e in Repository(db).audit(PLAN, "allocation") if e.by == "Jo"]
    assert fields == [("A2", "created"), ("A2", "amount"), ("A2", "theme"), ("A2", "deleted")]


def test_allocation_refusals_name_the_field(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    message = refused(
        capsys,
        db,
        *("allocation", "add", "--id", "A9", "--year", "2019/21", "--amount", "1.001"),
        *("--source", "lottery", "--category", "investment"),
    )
    assert "allocation A9: source:" in message and "'lottery'" in message
    assert "allocation A9: financial_year:" in message and "allocation A9: amount:" in message
    assert "already exists" in refused(
        capsys,
        db,
        *("allocation", "add", "--id", "A1", "--year", "2019/20", "--amount", "1"),
        *("--source", "grant", "--category", "investment"),
    )
    assert "A1.theme: 'XX' is not a theme" in refused(capsys, db, "allocation", "edit", "A1", "--theme", "XX")
    assert "no allocation 'A7'" in refused(capsys, db, "allocation", "edit", "A7", "--amount", "1")
    assert "nothing to change" in refused(capsys, db, "allocation", "edit", "A1")


def test_spend_add(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    code, out, _ = ipt(
        capsys,
        db,
        *("spend", "add", "--allocation", "A1", "--year", "2019/20", "--amount", "1234.56"),
        *("--period", "3", "--kind", "commitment", "--note", "Agency cover"),
    )
    assert (code, out) == (0, "Added spend S2 against A1: 2019/20 month 3, £1,234.56 commitment (revision 2)")
    entry = next(s for s in plan(db).spend if s.id == "S2")
    assert (entry.amount, entry.note) == (Decimal("1234.56"), "Agency cover")
    message = refused(
        capsys,
        db,
        *("spend", "add", "--allocation", "A1", "--year", "2019/20", "--amount", "1"),
        *("--period", "13", "--id", "S9"),
    )
    assert "spend S9: period:" in message
    message = refused(capsys, db, "spend", "add", "--allocation", "NO", "--year", "2019/20", "--amount", "1")
    assert "allocation: 'NO' is not a funding allocation" in message


def test_kpi_reading(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    code, out, _ = ipt(capsys, db, "kpi", "reading", "K1", "31.5", "--on", "30/09/2019", "--label", "Q2")
    assert (code, out) == (0, "Recorded K1 (Agency social workers): 31.5 on 30 Sep 2019 (revision 2)")
    reading = plan(db).kpis[0].readings[-1]
    assert (reading.on, reading.value, reading.label) == (date(2019, 9, 30), Decimal("31.5"), "Q2")
    assert "reading: value: 'lots' is not a number" in refused(capsys, db, "kpi", "reading", "K1", "lots")
    assert "no KPI 'K9'" in refused(capsys, db, "kpi", "reading", "K9", "3")
    code, _, err = ipt(capsys, db, "kpi", "reading", "K1", "3", "--on", "31/02/2020")
    assert code == 2 and "'31/02/2020' is not a date" in err


def test_theme_add_and_edit_only_the_fields_given(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    code, out, _ = ipt(capsys, db, "theme", "add", "LA", "--name", "Leadership", "--lead", "DCS")
    assert (code, out) == (0, "Added theme LA: Leadership (revision 2)")
    code, out, _ = ipt(capsys, db, "theme", "edit", "WF", "--aim", "A stable workforce")
    assert (code, out) == (0, "Saved theme WF: aim A stable workforce (revision 3)")
    theme = next(t for t in plan(db).themes if t.key == "WF")
    assert (theme.name, theme.lead, theme.aim) == ("Workforce", "Head of Workforce", "A stable workforce")
    assert "theme WF: name:" in refused(capsys, db, "theme", "edit", "WF", "--name", "")
    assert "theme a b: key:" in refused(capsys, db, "theme", "add", "a b", "--name", "X")
    assert "already exists" in refused(capsys, db, "theme", "add", "WF", "--name", "X")
    assert "nothing to change" in refused(capsys, db, "theme", "edit", "WF")


def test_recommendations(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    code, out, _ = ipt(capsys, db, "rec", "add", "--text", "Improve supervision")
    assert (code, out) == (0, "Added recommendation 4 (revision 2)")
    code, out, _ = ipt(capsys, db, "rec", "add", "9", "--text", "Ninth")
    assert (code, out) == (0, "Added recommendation 9 (revision 3)")
    code, out, _ = ipt(capsys, db, "rec", "edit", "1", "--text", "Reworded")
    assert (code, out) == (0, "Saved recommendation 1's wording (revision 4)")
    code, out, _ = ipt(capsys, db, "rec", "impact", "1", "--on", "2019-11-01", "--note", "Audit shows it")
    assert (code, out) == (
        0,
        "Recorded recommendation 1's impact as evidenced on 01 Nov 2019 by Jo (revision 5)",
    )
    rec = next(r for r in plan(db).recommendations if r.number == 1)
    assert rec.text == "Reworded" and rec.impact_evidenced is not None
    assert (rec.impact_evidenced.on, rec.impact_evidenced.by) == (date(2019, 11, 1), "Jo")
    assert rec.impact_evidenced.note == "Audit shows it"
    assert "recommendation 0: number:" in refused(capsys, db, "rec", "add", "0", "--text", "x")
    assert "already exists" in refused(capsys, db, "rec", "add", "9", "--text", "x")
    assert "no recommendation 99" in refused(capsys, db, "rec", "impact", "99")
    code, _, err = ipt(capsys, db, "rec", "edit", "one", "--text", "x")
    assert code == 2 and "'one' is not a recommendation number" in err


def test_action_add_update_remove(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    code, out, _ = ipt(
        capsys,
        db,
        *("action", "add", "WF-09", "--theme", "WF", "--title", "Recruit 10 social workers"),
        *("--recs", "1, 3", "--due", "31/03/2020", "--note", "Agreed at the board", "--on", "2019-10-03"),
    )
    assert (code, out) == (0, "Added action WF-09 (WF): Recruit 10 social workers (revision 2)")
    added = plan(db).action("WF-09")
    assert (added.recommendations, added.due_on) == ([1, 3], date(2020, 3, 31))
    assert [(u.on, u.author, u.text) for u in added.updates] == [
        (date(2019, 10, 3), "Jo", "Agreed at the board")
    ]
    code, _, _ = ipt(capsys, db, "update", "WF-09", "--title", "Recruit 12", "--recs", "1-2", "--theme", "QP")
    assert code == 0
    changed = plan(db).action("WF-09")
    assert (changed.title, changed.recommendations, changed.theme) == ("Recruit 12", [1, 2], "QP")
    assert changed.updates == added.updates, "an edit of other fields keeps the updates"
    code, out, _ = ipt(capsys, db, "action", "remove", "WF-09")
    assert (code, out) == (0, "Removed action WF-09 (revision 4)")
    assert "WF-09" not in {a.ref for a in plan(db).actions}
    assert Repository(db).audit(PLAN, "action", "WF-09")[-1].field == "deleted"


def test_action_add_refusals_name_what_is_wrong(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    assert "a new action needs --theme" in refused(capsys, db, "action", "add", "WF-09", "--title", "x")
    assert "already exists" in refused(capsys, db, "action", "add", "WF-01", "--title", "x", "--theme", "WF")
    assert "'ZZ' is not a theme" in refused(
        capsys, db, "action", "add", "WF-09", "--title", "x", "--theme", "ZZ"
    )
    assert "progress" in refused(
        capsys, db, "action", "add", "WF-09", "--title", "x", "--theme", "WF", "--progress", "140"
    )
    assert "note: text" in refused(capsys, db, "update", "WF-01", "--note", "x" * 20_001)
    code, _, err = ipt(capsys, db, "update", "WF-01", "--recs", "2, x")
    assert code == 2 and "'2, x' is not a list of recommendation numbers" in err
