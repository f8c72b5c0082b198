"""The board pack export: golden files, typed XLSX, formula and markup injection, the CLI.

Golden files live in ``tests/golden/``; run ``UPDATE_GOLDEN=1 pytest tests/test_exports.py``
to rewrite them after a deliberate change, then read the diff before committing.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import orjson
import pytest
from openpyxl import load_workbook

from sample_plans import load_sample
from store.compare import Comparison, compare_plans
from store.exports import (
    FORMATS,
    FORMULA_TRIGGERS,
    PackError,
    export_pack,
    load_pack_json,
    md_escape,
    neutralise,
    render_pack,
)
from store.models import ActionUpdate, Plan, Rag
from tests.conftest import make_plan
from tui.cli.commands import main

GOLDEN = Path(__file__).parent / "golden"
AS_OF = date(2019, 10, 3)
BEFORE = date(2019, 9, 5)
PAYLOADS = (
    "=SUM(A1)",
    "+1",
    "-1+1",
    "@cmd",
    "\t=1",
    "\r=1",
    "<script>alert(1)</script>",
    '" onmouseover="x',
    "[link](javascript:alert(1))",
    "| pipe |",
)


def oldham() -> Plan:
    return load_sample("oldham-2019").plan


def oldham_comparison(plan: Plan) -> Comparison:
    """The previous board: two actions a little behind where they are now."""
    data = plan.model_dump()
    data["actions"][0]["progress"] = max(0, plan.actions[0].progress - 20)
    data["actions"][1]["rag"] = "red" if plan.actions[1].rag is not Rag.RED else "amber"
    return compare_plans(Plan.model_validate(data), BEFORE, plan, AS_OF)


def check_golden(name: str, payload: bytes) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(payload)
        return
    assert path.exists(), f"{path} is missing; run with UPDATE_GOLDEN=1 to create it"
    assert payload == path.read_bytes(), f"{name} differs from its golden file; UPDATE_GOLDEN=1 to accept"


@pytest.mark.parametrize("fmt", ["md", "csv", "json", "html"])
def test_golden_oldham_pack(fmt: str, tmp_path: Path) -> None:
    plan = oldham()
    out = export_pack(
        plan,
        as_of=AS_OF,
        fmt=fmt,
        out=tmp_path / f"pack.{fmt}",
        comparison=oldham_comparison(plan),
        snapshot_label="Change Board — October 2019",
    )
    check_golden(f"oldham-2019-pack.{fmt}", out.read_bytes())


def test_xlsx_is_typed_filtered_and_frozen(tmp_path: Path) -> None:
    plan = oldham()
    out = export_pack(
        plan, as_of=AS_OF, fmt="xlsx", out=tmp_path / "pack.xlsx", comparison=oldham_comparison(plan)
    )
    book = load_workbook(out)
    expected = ["Summary", "Actions", "Recommendations", "Funding", "Monitoring", "KPIs", "Changes"]
    assert book.sheetnames == expected
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), sheet.title
    funding = book["Funding"]
    headers = [cell.value for cell in funding[1]]
    amount = funding.cell(row=2, column=headers.index("Allocated £000") + 1)
    assert isinstance(amount.value, int | float) and amount.value == 8063000
    assert amount.number_format.startswith("#,##0,")  # shown as 8,063 (£000), kept to the penny
    actions = book["Actions"]
    due = actions.cell(row=2, column=[c.value for c in actions[1]].index("Due") + 1)
    assert isinstance(due.value, datetime) and due.value.date() == plan.actions[0].due_on
    assert due.is_date
    summary_values = [row[1] for row in book["Summary"].iter_rows(min_row=2, values_only=True)]
    assert 12181000 in summary_values  # base budget uplift total, the paper's £12,181k
    assert book["Changes"].max_row > 1


def test_xlsx_properties_fixed_by_as_of(tmp_path: Path) -> None:
    out = export_pack(oldham(), as_of=AS_OF, fmt="xlsx", out=tmp_path / "pack.xlsx")
    assert load_workbook(out).properties.created == datetime(2019, 10, 3)


def test_json_pack_loads_back(tmp_path: Path) -> None:
    plan = oldham()
    out = export_pack(
        plan, as_of=AS_OF, fmt="json", out=tmp_path / "pack.json", comparison=oldham_comparison(plan)
    )
    loaded = load_pack_json(out)
    assert loaded.plan == plan
    assert loaded.as_of == AS_OF
    assert loaded.summary["allocations"]["by_source"]["base_budget_uplift"] == "12181000.00"
    assert loaded.changes is not None and loaded.changes["is_empty"] is False
    plan_back, *_ = loaded
    assert plan_back.id == "oldham-2019"


def test_json_pack_without_changes_has_null(tmp_path: Path) -> None:
    out = export_pack(make_plan(), as_of=AS_OF, fmt="json", out=tmp_path / "pack.json")
    assert orjson.loads(out.read_bytes())["changes"] is None
    assert load_pack_json(out).changes is None


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(format="ipt-plan"), "not an ipt board pack"),
        (lambda d: d.update(schema_version=9), "schema_version"),
        (lambda d: d["plan"]["actions"][0].update(theme="NOPE"), "not a theme"),
    ],
)
def test_json_pack_loader_validates(tmp_path: Path, mutate: Any, message: str) -> None:
    out = export_pack(make_plan(), as_of=AS_OF, fmt="json", out=tmp_path / "pack.json")
    data = orjson.loads(out.read_bytes())
    mutate(data)
    out.write_bytes(orjson.dumps(data))
    with pytest.raises(PackError, match=message):
        load_pack_json(out)


def test_json_pack_loader_rejects_non_json(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    with pytest.raises(PackError, match="not JSON"):
        load_pack_json(path)


def test_unknown_format_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not an export format"):
        export_pack(make_plan(), as_of=AS_OF, fmt="pdf", out=tmp_path / "pack.pdf")
    assert list(tmp_path.iterdir()) == []


def test_csv_is_bom_crlf_with_recommendations_joined(tmp_path: Path) -> None:
    plan = oldham()
    raw = export_pack(plan, as_of=AS_OF, fmt="csv", out=tmp_path / "a.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0][:3] == ["Ref", "Theme", "Title"]
    assert len(rows) == len(plan.actions) + 1
    multi = next(a for a in plan.actions if len(a.recommendations) > 1)
    row = next(r for r in rows if r[0] == multi.ref)
    assert row[10] == "; ".join(str(n) for n in multi.recommendations)


# Injection ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+1", "'+1"),
        ("-1+1", "'-1+1"),
        ("@cmd", "'@cmd"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\n=1", "'\n=1"),
        ("plain", "plain"),
        ("", ""),
        (-5, -5),
        (date(2019, 1, 1), date(2019, 1, 1)),
        (None, None),
    ],
)
def test_neutralise(value: object, expected: object) -> None:
    assert neutralise(value) == expected


def test_md_escape() -> None:
    assert md_escape("| pipe |") == "\\| pipe \\|"
    assert md_escape("# head") == "\\# head"
    assert md_escape("- item") == "\\- item"
    assert md_escape("a\\b") == "a\\\\b"
    assert md_escape("two\nlines\r\nhere") == "two lines here"
    assert md_escape("[x](javascript:y)") == "\\[x\\](javascript:y)"
    assert md_escape("<b>") == "\\<b\\>"


def hostile_plan(payload: str) -> Plan:
    """``make_plan`` with ``payload`` in every free-text field the pack shows."""
    data = make_plan().model_dump()
    data["name"] = payload
    data["authority"] = payload
    for theme in data["themes"]:
        theme.update(name=payload, lead=payload)
    for recommendation in data["recommendations"]:
        recommendation["text"] = payload
    for action in data["actions"]:
        action.update(title=payload, owner=payload)
        action["updates"] = [ActionUpdate(on=date(2019, 9, 1), author=payload, text=payload).model_dump()]
    for allocation in data["allocations"]:
        allocation["purpose"] = payload
    for line in data["monitoring"]:
        line.update(reason=payload, service_area=payload, group=payload)
    for kpi in data["kpis"]:
        kpi.update(name=payload, unit=payload)
    return Plan.model_validate(data)


def hostile_pack(payload: str, fmt: str, tmp_path: Path) -> Path:
    plan = hostile_plan(payload)
    before = plan.model_dump()
    before["actions"][0]["rag"] = "red"
    comparison = compare_plans(Plan.model_validate(before), BEFORE, plan, AS_OF)
    return export_pack(
        plan,
        as_of=AS_OF,
        fmt=fmt,
        out=tmp_path / f"pack.{fmt}",
        comparison=comparison,
        snapshot_label=payload,
    )


@pytest.mark.parametrize("payload", PAYLOADS)
def test_xlsx_has_no_formula_cells(payload: str, tmp_path: Path) -> None:
    book = load_workbook(hostile_pack(payload, "xlsx", tmp_path))
    seen_payload = False
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA_TRIGGERS), (sheet.title, cell.coordinate)
                    seen_payload = seen_payload or payload.strip() in cell.value
    assert seen_payload


@pytest.mark.parametrize("payload", PAYLOADS)
def test_csv_cells_are_neutralised(payload: str, tmp_path: Path) -> None:
    raw = hostile_pack(payload, "csv", tmp_path).read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw, newline="")))
    for row in rows[1:]:
        assert len(row) == len(rows[0])
        for cell in row:
            assert not cell.startswith(FORMULA_TRIGGERS), cell
    assert any(payload.strip() in cell for row in rows for cell in row)


class TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_html_escapes_every_payload(payload: str, tmp_path: Path) -> None:
    text = hostile_pack(payload, "html", tmp_path).read_text(encoding="utf-8")
    parser = TagCollector()
    parser.feed(text)
    names = {tag for tag, _ in parser.tags}
    assert "script" not in names
    for tag, attrs in parser.tags:
        for name, value in attrs:
            assert not name.lower().startswith("on"), (tag, name)
            assert "javascript:" not in (value or "").lower(), (tag, name, value)
    escaped = (
        payload.strip().replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )
    assert escaped in text
    assert "<script>alert" not in text


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_rows_keep_their_columns(payload: str, tmp_path: Path) -> None:
    lines = hostile_pack(payload, "md", tmp_path).read_text(encoding="utf-8").splitlines()
    unescaped_pipe = re.compile(r"(?<!\\)\|")
    expected = None
    checked = 0
    for index, line in enumerate(lines):
        if not line.startswith("|"):
            expected = None
            continue
        count = len(unescaped_pipe.split(line)) - 2
        if expected is None:
            assert "---" in lines[index + 1], line
            expected = count
        assert count == expected, line
        checked += 1
    assert checked > 20
    text = "\n".join(lines)
    assert "<script>" not in text
    assert "[link](" not in text


# Command line ---------------------------------------------------------------------------


@pytest.fixture
def db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "plans.json"
    assert main(["--db", str(path), "init", "--sample", "oldham-2019"]) == 0
    assert main(["--db", str(path), "snapshot", "--label", "Board <Sept>", "--as-of", "2019-09-05"]) == 0
    capsys.readouterr()
    return path


@pytest.mark.parametrize("fmt", FORMATS)
def test_cli_export_live(fmt: str, db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / f"out.{fmt}"
    code = main(["--db", str(db), "export", "--format", fmt, "--out", str(out), "--as-of", "2019-10-03"])
    printed = capsys.readouterr().out
    assert code == 0
    assert out.stat().st_size > 0
    assert "with changes since S0001" in printed
    if fmt == "json":
        loaded = load_pack_json(out)
        assert loaded.as_of == AS_OF and loaded.changes is not None
        assert loaded.changes["before"]["label"] == "Board <Sept>"


def test_cli_export_snapshot_uses_its_date_and_the_one_before(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", str(db), "snapshot", "--label", "Board October", "--as-of", "2019-10-03"]) == 0
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    assert (
        main(["--db", str(db), "export", "--format", "json", "--out", str(first), "--snapshot", "S0001"]) == 0
    )
    assert (
        main(["--db", str(db), "export", "--format", "json", "--out", str(second), "--snapshot", "s2"]) == 0
    )
    one, two = load_pack_json(first), load_pack_json(second)
    assert (one.as_of, one.changes, one.snapshot_label) == (date(2019, 9, 5), None, "Board <Sept>")
    assert two.as_of == AS_OF and two.changes is not None
    assert two.changes["before"]["id"] == "S0001" and two.changes["after"]["id"] == "S0002"


def test_cli_export_unknown_snapshot_fails_cleanly(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.md"
    assert main(["--db", str(db), "export", "--format", "md", "--out", str(out), "--snapshot", "S0009"]) == 1
    assert "S0009" in capsys.readouterr().err
    assert not out.exists()


# Headless Chromium -------------------------------------------------------------------------


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="chromium is not installed")
def test_html_renders_and_prints_in_chromium(tmp_path: Path) -> None:
    plan = oldham()
    page = export_pack(
        plan, as_of=AS_OF, fmt="html", out=tmp_path / "pack.html", comparison=oldham_comparison(plan)
    )
    common = [
        shutil.which("chromium") or "/usr/bin/chromium",
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    png, pdf = tmp_path / "pack.png", tmp_path / "pack.pdf"
    url = page.resolve().as_uri()
    subprocess.run([*common, f"--screenshot={png}", "--window-size=1240,1754", url], timeout=120, check=False)
    subprocess.run([*common, f"--print-to-pdf={pdf}", url], timeout=120, check=False)
    assert png.exists() and png.stat().st_size > 0
    assert pdf.exists() and pdf.stat().st_size > 0
    assert pdf.read_bytes().startswith(b"%PDF")


def test_html_keeps_refs_and_dates_whole_and_prints_wide_tables_landscape() -> None:
    plan = oldham()
    from store.exports import render_pack

    html = render_pack(plan, as_of=date(2019, 11, 20), fmt="html").decode()
    ref, due = plan.actions[0].ref, plan.actions[0].due_on
    assert due is not None
    assert f'<td class="nb">{ref}</td>' in html
    assert f'<td class="nb">{due.isoformat()}</td>' in html
    assert "td.nb { white-space: nowrap; }" in html and "@page wide { size: A4 landscape;" in html
    assert '<section class="wide"><h2>Actions</h2>' in html
    assert "<section><h2>Recommendations</h2>" in html  # six columns fit a portrait page
    gaps = re.search(r"Gaps: recommendations with no live action</td><td[^>]*>(\d+)</td>", html)
    assert gaps is not None and gaps[1] == "0"
    assert re.search(r"Gap numbers</td><td[^>]*>none</td>", html)


@pytest.mark.parametrize("fmt", ["md", "csv", "json", "html", "xlsx"])
def test_a_pack_of_a_stored_plan_is_the_same_from_every_store(backend: str | Path | None, fmt: str) -> None:
    """Memory, a file and PostgreSQL give back the plan so exactly that its pack, comparison
    with the latest snapshot included, is byte for byte the pack of the plan as written."""
    from store.repository import Repository

    plan = oldham()
    repo = Repository(backend)
    repo.add_plan(plan, by="pm")
    header = repo.take_snapshot(plan.id, label="October board", as_of=BEFORE, by="pm")
    stored, snapshot = repo.plan(plan.id), repo.snapshots.get(header.id)
    assert stored == plan and snapshot.plan == plan
    comparison = compare_plans(snapshot.plan, snapshot.as_of, stored, AS_OF)
    expected = render_pack(plan, as_of=AS_OF, fmt=fmt, comparison=compare_plans(plan, BEFORE, plan, AS_OF))
    assert render_pack(stored, as_of=AS_OF, fmt=fmt, comparison=comparison) == expected
