"""`ipt new --from-report`: a plan from an inspection report, and every refusal (one line, exit 1,
nothing written)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from fpdf import FPDF

from store.importers import pdf_text
from store.repository import Repository
from tests.report_pdfs import ReportPdf, ilacs_body, ilacs_opening, sif_opening
from tui.cli.commands import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "plans.json"


@pytest.fixture
def report(tmp_path: Path) -> Path:
    pdf = ReportPdf()
    ilacs_opening(pdf, authority="Northwold")
    pdf.heading("What needs to improve?")
    pdf.item("\u2022", ["The timeliness of children’s assessments."])
    pdf.item("\u2022", ["Manageable caseloads."])
    pdf.new_page()
    ilacs_body(pdf)
    return pdf.save(tmp_path / "northwold.pdf")


def plain_pdf(path: Path, *lines: str) -> Path:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    for line in lines:
        pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def test_new_from_report_adds_the_plan_with_its_judgements_and_recommendations(
    capsys: pytest.CaptureFixture[str], db: Path, report: Path
) -> None:
    code, out, err = run(capsys, "--db", str(db), "new", "--from-report", str(report))
    assert (code, err) == (0, "")
    assert "Added plan 'northwold-2025'" in out and "2 recommendations" in out
    plan = Repository(db).plan("northwold-2025")
    assert plan.authority == "Northwold"
    assert plan.inspection is not None and plan.inspection.framework == "ILACS"
    assert plan.inspection.lead_inspector == "Alex Sample"
    assert [j.criterion for j in plan.inspection.judgements][-1] == "Overall effectiveness"
    assert [(rec.number, rec.text) for rec in plan.recommendations] == [
        (1, "The timeliness of children’s assessments."),
        (2, "Manageable caseloads."),
    ]
    marks = {(rec.addressee, rec.source) for rec in plan.recommendations}
    assert marks == {("local_authority", "inspection")}


def test_dry_run_shows_what_would_be_created_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], db: Path, report: Path
) -> None:
    args = ("new", "--from-report", str(report), "--dry-run", "--id", "nw")
    code, out, _ = run(capsys, "--db", str(db), *args)
    assert code == 0
    assert "Northwold: ILACS inspection, 3 March 2025 to 14 March 2025" in out
    assert "Overall effectiveness: Good" in out
    assert "  2. Manageable caseloads." in out
    assert "Would add plan 'nw'" in out and "nothing written (dry run)" in out
    assert not db.exists()


def test_json_prints_a_plan_file_that_ipt_import_takes(
    capsys: pytest.CaptureFixture[str], db: Path, report: Path, tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "--db", str(db), "new", "--from-report", str(report), "--json")
    assert code == 0 and not db.exists()
    document = orjson.loads(out)
    assert document["format"] == "ipt-plan" and document["plan"]["id"] == "northwold-2025"
    assert document["plan"]["recommendations"][0]["addressee"] == "local_authority"
    plan_file = tmp_path / "edited.json"
    plan_file.write_text(out, encoding="utf-8")
    code, _, err = run(capsys, "--db", str(db), "import", str(plan_file))
    assert (code, err) == (0, "")
    assert Repository(db).plan_ids() == ["northwold-2025"]


def test_a_sif_report_keeps_lscb_recommendations_marked(
    capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path
) -> None:
    pdf = ReportPdf()
    sif_opening(pdf)
    pdf.new_page()
    pdf.heading("Recommendations", size=14)
    pdf.item("1.", ["Improve assessments."])
    pdf.heading("The Local Safeguarding Children Board (LSCB)", size=14)
    pdf.heading("The Local Safeguarding Children Board is good", size=13)
    pdf.heading("Recommendations", size=14)
    pdf.item("70.", ["Evaluate training."])
    pdf.heading("Inspection findings", size=14)
    path = pdf.save(tmp_path / "sif.pdf")
    code, out, _ = run(capsys, "--db", str(db), "new", "--from-report", str(path), "--id", "eastmarch")
    assert code == 0, out
    plan = Repository(db).plan("eastmarch")
    assert [(rec.number, rec.addressee) for rec in plan.recommendations] == [
        (1, "local_authority"),
        (70, "lscb"),
    ]
    assert plan.inspection is not None and plan.inspection.published_on is not None


def refused(capsys: pytest.CaptureFixture[str], db: Path, path: Path, *extra: str) -> str:
    code, out, err = run(capsys, "--db", str(db), "new", "--from-report", str(path), *extra)
    assert code == 1
    assert out == ""
    assert err.startswith("ipt: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    assert not db.exists()
    return err


def test_a_file_that_is_not_a_pdf_is_refused(
    capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path
) -> None:
    path = tmp_path / "report.pdf"
    path.write_text("Inspection of Northwold local authority children's services\n", encoding="utf-8")
    assert "not a PDF file" in refused(capsys, db, path)


def test_a_missing_file_is_refused(capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path) -> None:
    assert "no such file" in refused(capsys, db, tmp_path / "absent.pdf")


def test_a_damaged_pdf_is_refused(capsys: pytest.CaptureFixture[str], db: Path, report: Path) -> None:
    report.write_bytes(report.read_bytes()[:400])
    assert "damaged" in refused(capsys, db, report)


def test_an_encrypted_pdf_is_refused(capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(0, 10, "Inspection of Northwold local authority children's services")
    pdf.set_encryption(owner_password="owner", user_password="user")
    path = tmp_path / "locked.pdf"
    pdf.output(str(path))
    assert "encrypted" in refused(capsys, db, path)


def test_a_scanned_report_with_no_text_is_refused(
    capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path
) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 50, style="F")
    path = tmp_path / "scan.pdf"
    pdf.output(str(path))
    assert "no text" in refused(capsys, db, path)


def test_a_pdf_that_is_not_an_inspection_report_is_refused(
    capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path
) -> None:
    path = plain_pdf(tmp_path / "minutes.pdf", "Minutes of the Children's Change Board", "Present: all")
    assert "not an Ofsted inspection report" in refused(capsys, db, path)


def test_an_unrecognised_layout_names_the_part_not_found(
    capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path
) -> None:
    pdf = ReportPdf()
    ilacs_opening(pdf)
    ilacs_body(pdf)
    err = refused(capsys, db, pdf.save(tmp_path / "r.pdf"))
    assert "no 'What needs to improve?' section" in err
    no_dates = plain_pdf(tmp_path / "d.pdf", "Inspection of Northwold local authority children's services")
    assert "no inspection dates" in refused(capsys, db, no_dates)


def test_size_page_and_time_limits(
    capsys: pytest.CaptureFixture[str], db: Path, report: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdf_text, "MAX_FILE_BYTES", 1000)
    assert "larger than 1,000 bytes" in refused(capsys, db, report)
    monkeypatch.undo()
    monkeypatch.setattr(pdf_text, "MAX_PAGES", 1)
    assert "more than 1" in refused(capsys, db, report)
    monkeypatch.undo()
    monkeypatch.setattr(pdf_text, "TIME_LIMIT_SECONDS", 0.0)
    assert "took longer than 0 s" in refused(capsys, db, report)


def test_a_bad_or_taken_plan_id_is_refused_before_anything_is_written(
    capsys: pytest.CaptureFixture[str], db: Path, report: Path
) -> None:
    assert "is not a plan id" in refused(capsys, db, report, "--id", "Not An Id")
    assert run(capsys, "--db", str(db), "new", "--from-report", str(report))[0] == 0
    before = db.read_bytes()
    code, out, err = run(capsys, "--db", str(db), "new", "--from-report", str(report))
    assert code == 1 and out == ""
    assert "already in the store" in err and "--id" in err
    assert db.read_bytes() == before
