"""The headless `ipt` command: exit codes, messages and what lands in the store."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from store.plan_files import write_plan_file
from store.repository import Repository
from tests.conftest import make_plan
from tui.cli.commands import main


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "plans.json"


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    path = tmp_path / "plan.json"
    write_plan_file(make_plan(), path)
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as excinfo:
        main(["--version"])
    assert excinfo.value.code == 0
    assert capsys.readouterr().out.startswith("ipt ")
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "summary" in capsys.readouterr().out


def test_import_then_plans_and_summary(capsys: pytest.CaptureFixture[str], db: Path, plan_file: Path) -> None:
    code, out, _ = run(capsys, "--db", str(db), "import", str(plan_file))
    assert code == 0 and "Imported" in out
    code, out, _ = run(capsys, "--db", str(db), "plans")
    assert code == 0 and "test-plan" in out
    code, out, _ = run(capsys, "--db", str(db), "summary", "--as-of", "2019-12-02")
    assert code == 0
    assert "Progress by theme" in out and "Workforce" in out
    assert "Overdue (1)" in out  # WF-01 was due on 1 December


def test_summary_json_has_money_as_strings(
    capsys: pytest.CaptureFixture[str], db: Path, plan_file: Path
) -> None:
    run(capsys, "--db", str(db), "import", str(plan_file))
    code, out, _ = run(capsys, "--db", str(db), "summary", "--as-of", "2019-10-03", "--json")
    assert code == 0
    data = orjson.loads(out)
    assert data["as_of"] == "2019-10-03"
    assert data["allocations"]["total"] == "1000000.00"
    assert data["monitoring"]["totals"]["variance"] == "266000.00"


def test_import_dry_run_writes_nothing(capsys: pytest.CaptureFixture[str], db: Path, plan_file: Path) -> None:
    code, out, _ = run(capsys, "--db", str(db), "import", str(plan_file), "--dry-run")
    assert code == 0 and "dry run" in out
    assert not db.exists()


def test_invalid_plan_file_lists_every_error(
    capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    write_plan_file(make_plan(), bad)
    document = orjson.loads(bad.read_bytes())
    document["plan"]["actions"][0]["progress"] = 140
    document["plan"]["actions"][1]["due_on"] = "31/02/2020"
    document["plan"]["allocations"][0]["amount"] = 12.5
    document["plan"]["allocations"][0]["financial_year"] = "2019/21"
    bad.write_bytes(orjson.dumps(document))
    code, _, err = run(capsys, "--db", str(db), "import", str(bad))
    assert code == 1
    assert "4 problem(s)" in err
    assert "plan.actions[0].progress" in err
    assert "plan.actions[1].due_on" in err
    assert "plan.allocations[0].amount" in err and "not a float" in err
    assert "plan.allocations[0].financial_year" in err
    assert not db.exists()


def test_import_refuses_broken_json(capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "ipt-plan", "plan": {')
    code, _, err = run(capsys, "--db", str(db), "import", str(bad))
    assert code == 1 and "not valid JSON" in err


def test_update_is_durable_and_audited(capsys: pytest.CaptureFixture[str], db: Path, plan_file: Path) -> None:
    run(capsys, "--db", str(db), "import", str(plan_file))
    code, out, _ = run(
        capsys,
        "--db",
        str(db),
        "--by",
        "Head of Service",
        "update",
        "WF-02",
        "--status",
        "in progress",
        "--rag",
        "A",
        "--progress",
        "35",
        "--note",
        "Panel booked",
        "--on",
        "03/10/2019",
    )
    assert code == 0 and "Saved WF-02" in out
    action = Repository(db).plan("test-plan").action("WF-02")
    assert (action.status.value, action.rag.value if action.rag else None, action.progress) == (
        "in_progress",
        "amber",
        35,
    )
    assert action.updates[-1].author == "Head of Service"
    code, out, _ = run(capsys, "--db", str(db), "show", "WF-02")
    assert code == 0 and "Panel booked" in out and "History" in out
    code, out, _ = run(capsys, "--db", str(db), "show", "WF-02", "--json")
    history = orjson.loads(out)["history"]
    assert {entry["field"] for entry in history} >= {"status", "rag", "progress", "updates"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--progress", "150"], "progress: 150 is more than 100, the most allowed"),
        (["--status", "finished"], "'finished' is not one of 'not started', 'in progress', 'complete'"),
        (["--rag", "purple"], "rag"),
        (["--due", "2020-01-01"], "needs --due-reason"),
        ([], "nothing to change"),
    ],
)
def test_bad_updates_exit_1_and_write_nothing(
    capsys: pytest.CaptureFixture[str], db: Path, plan_file: Path, args: list[str], message: str
) -> None:
    run(capsys, "--db", str(db), "import", str(plan_file))
    before = db.read_bytes()
    code, _, err = run(capsys, "--db", str(db), "update", "WF-01", *args)
    assert code == 1
    assert message in err
    assert db.read_bytes() == before


def test_unknown_action_and_plan(capsys: pytest.CaptureFixture[str], db: Path, plan_file: Path) -> None:
    run(capsys, "--db", str(db), "import", str(plan_file))
    code, _, err = run(capsys, "--db", str(db), "show", "NOPE-1")
    assert code == 1 and "no action 'NOPE-1'" in err
    code, _, err = run(capsys, "--db", str(db), "--plan", "other", "summary")
    assert code == 1 and "no plan 'other'" in err


def test_empty_store_says_what_to_do(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    code, _, err = run(capsys, "--db", str(db), "summary")
    assert code == 1 and "ipt init --sample" in err


def test_validate_plan_file_and_store(capsys: pytest.CaptureFixture[str], db: Path, plan_file: Path) -> None:
    code, out, _ = run(capsys, "validate", str(plan_file))
    assert code == 0 and "valid plan file" in out
    run(capsys, "--db", str(db), "import", str(plan_file))
    code, out, _ = run(capsys, "validate", str(db))
    assert code == 0 and "valid store" in out
    db.write_bytes(db.read_bytes()[:100])
    code, _, err = run(capsys, "validate", str(db))
    assert code == 1 and "left untouched" in err


def test_ipt_db_environment_variable(
    capsys: pytest.CaptureFixture[str], db: Path, plan_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IPT_DB", str(db))
    code, _, _ = run(capsys, "import", str(plan_file))
    assert code == 0 and db.exists()


def test_user_text_is_printed_literally(capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path) -> None:
    plan = make_plan()
    tricky = "[bold]x[/] [@click=app.quit] =SUM(A1)"
    plan = plan.model_copy(
        update={"actions": [plan.actions[0].model_copy(update={"title": tricky}), *plan.actions[1:]]}
    )
    path = tmp_path / "tricky.json"
    write_plan_file(plan, path)
    run(capsys, "--db", str(db), "import", str(path))
    code, out, _ = run(capsys, "--db", str(db), "show", "WF-01")
    assert code == 0 and tricky in out
