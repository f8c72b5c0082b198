"""Small inspection-report PDFs, written line by line, for the report reader's layout rules.

Every line is placed where the test says (left edge, size, weight), so a rule such as "a
bullet that goes on over a page break is one recommendation" is tested on a page that has
exactly that, with running headers and footers like Ofsted's. The wording is made up for
the tests; only the headings follow the reports' layouts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

PAGE_BREAK = "\f"
"""In an item's lines: continue the item on the next page."""

LEFT = 20.0
INDENT = 8.0
LINE_HEIGHT = 6.0


class _Pdf(FPDF):
    header_text = ""
    footer_text = ""

    def header(self) -> None:
        if self.header_text and self.page_no() > 1:
            self.set_font("Helvetica", size=8)
            self.set_xy(LEFT, 8)
            self.cell(0, 4, self.header_text.replace("{page}", str(self.page_no())))

    def footer(self) -> None:
        if self.footer_text:
            self.set_font("Helvetica", size=8)
            self.set_xy(LEFT, -12)
            self.cell(0, 4, self.footer_text.replace("{page}", str(self.page_no())))


@dataclass
class ReportPdf:
    """A report being written: lines go one under another; pages are added as needed."""

    header: str = ""
    """Running header from page 2, "{page}" replaced by the page number."""
    footer: str = ""

    def __post_init__(self) -> None:
        self.pdf = _Pdf()
        self.pdf.header_text = self.header
        self.pdf.footer_text = self.footer
        self.pdf.core_fonts_encoding = "windows-1252"
        self.pdf.set_auto_page_break(False)
        self.pdf.add_page()
        self.y = 25.0

    def new_page(self) -> None:
        self.pdf.add_page()
        self.y = 25.0

    def _room(self, height: float) -> None:
        if self.y + height > self.pdf.h - 20:
            self.new_page()

    def line(self, text: str, *, x: float = LEFT, size: float = 11, bold: bool = False) -> None:
        self._room(LINE_HEIGHT)
        self.pdf.set_font("Helvetica", style="B" if bold else "", size=size)
        self.pdf.set_xy(x, self.y)
        self.pdf.cell(0, LINE_HEIGHT, text)
        self.y += LINE_HEIGHT * max(1.0, size / 11)

    def gap(self, height: float = 3) -> None:
        self.y += height

    def heading(self, text: str, *, size: float = 13) -> None:
        self.gap()
        for part in text.split("\n"):
            self.line(part, size=size, bold=True)

    def paragraph(self, *lines: str) -> None:
        for text in lines:
            self.line(text)
        self.gap()

    def item(
        self,
        marker: str,
        lines: Sequence[str],
        *,
        x: float = LEFT,
        superscript: str = "",
        bold_lines: Sequence[int] = (),
    ) -> None:
        """A bullet or numbered item: ``marker`` at ``x``, its lines at a hanging indent.
        ``superscript`` is set small and raised after the first line, like a footnote marker;
        the lines numbered in ``bold_lines`` are set in bold."""
        first = True
        for number, text in enumerate(lines):
            if text == PAGE_BREAK:
                self.new_page()
                continue
            self._room(LINE_HEIGHT)
            self.pdf.set_font("Helvetica", style="B" if number in bold_lines else "", size=11)
            if first:
                self.pdf.set_xy(x, self.y)
                self.pdf.cell(INDENT, LINE_HEIGHT, marker)
            self.pdf.set_xy(x + INDENT, self.y)
            self.pdf.cell(self.pdf.get_string_width(text) + 0.5, LINE_HEIGHT, text)
            if first and superscript:
                self.pdf.set_font("Helvetica", size=6)
                self.pdf.set_xy(self.pdf.get_x(), self.y - 1.5)
                self.pdf.cell(3, 4, superscript)
            first = False
            self.y += LINE_HEIGHT
        self.gap(2)

    def save(self, path: Path) -> Path:
        self.pdf.output(str(path))
        return path


ILACS_CRITERIA = (
    ("The impact of leaders on social work", "practice with children and families"),
    ("The experiences and progress of", "children who need help and protection"),
    ("The experiences and progress of", "children in care and care leavers"),
)
CARE_LEAVERS_CRITERIA = (
    *ILACS_CRITERIA[:2],
    ("The experiences and progress of", "children in care"),
    ("The experiences and progress of care", "leavers"),
)


def ilacs_opening(
    report: ReportPdf,
    *,
    authority: str = "Northwold",
    criteria: Sequence[tuple[str, str]] = ILACS_CRITERIA,
    grades: Sequence[str] = ("Good", "Requires improvement to be good", "Good"),
    overall: str = "Good",
    overall_first: bool = False,
    grades_after_criteria: bool = False,
) -> None:
    """The first page of an ILACS report down to its judgements table."""
    report.line(f"Inspection of {authority} local authority", size=18, bold=True)
    report.line("children\u2019s services", size=18, bold=True)
    report.gap()
    report.line("Inspection dates: 3 to 14 March 2025", bold=True)
    report.line("Lead inspector: Alex Sample, His Majesty\u2019s Inspector", bold=True)
    report.gap()
    report.line("Judgement Grade", bold=True)
    rows = [(list(criterion), grade) for criterion, grade in zip(criteria, grades, strict=True)]
    if overall_first:
        report.line(f"Overall effectiveness {overall}")
    row_tops = []
    for lines, grade in rows:
        row_tops.append(report.y)
        for text in lines:
            report.line(text)
        if not grades_after_criteria:
            report.line(grade, x=120)
        report.gap(2)
    if grades_after_criteria:  # the grade column written after the criteria, top-aligned in each row
        below = report.y
        for top, (_lines, grade) in zip(row_tops, rows, strict=True):
            report.y = top
            report.line(grade, x=120)
        report.y = below
    if not overall_first:
        report.line(f"Overall effectiveness {overall}")
    report.gap()
    report.paragraph(
        f"Children in {authority} are helped by leaders who know their services well.",
        "This summary is made up for the tests.",
    )


def ilacs_body(report: ReportPdf) -> None:
    report.heading("The experiences and progress of children who need help and\nprotection: good")
    report.item("1.", ["Children are seen promptly when they need help. This paragraph is", "made up."])
    report.item("2.", ["Another paragraph of findings, numbered as the reports number them."])


def sif_opening(
    report: ReportPdf,
    *,
    authority: str = "Eastmarch County Council",
    overall: str = "Children\u2019s services in Eastmarch require improvement",
) -> None:
    """The first page of a SIF report (with the LSCB review) down to its judgements."""
    report.line(authority, size=18, bold=True)
    report.line("Inspection of services for children in need of help and", size=14, bold=True)
    report.line("protection, children looked after and care leavers", size=14, bold=True)
    report.line("and", size=14, bold=True)
    report.line("Review of the effectiveness of the Local Safeguarding Children", size=14, bold=True)
    report.line("Board", size=14, bold=True)
    report.line("Inspection date: 2 June 2014 \u2013 25 June 2014", bold=True)
    report.line("Report published: 8 August 2014", bold=True)
    report.gap()
    report.line(overall, size=13, bold=True)
    report.line("1. Children who need help and protection Requires improvement")
    report.line("2. Children looked after and achieving")
    report.line("permanence")
    report.line("Good", x=150)
    report.line("2.1 Adoption performance Good")
    report.line("2.2 Experiences and progress of care leavers Requires improvement")
    report.line("3. Leadership, management and governance Requires improvement")
