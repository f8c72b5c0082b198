"""A report's judgements: the ILACS table (criterion and grade, in any row order, or cell by
cell by position), the SIF numbered list with its overall sentence, and the LSCB's grade.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from store.importers.pdf_text import PdfLine
from store.importers.report_layout import Block
from store.importers.report_words import (
    APOSTROPHE,
    GRADE_ANY_CASE,
    GRADE_AT_END,
    GRADE_TITLE,
    SECTION_NUMBER,
    ReportError,
    ReportJudgement,
    grade_of,
    normal,
    printed_grade,
)

MIN_CRITERIA = 3
"""Every graded framework judges at least three criteria besides overall effectiveness."""


def _table_rows(lines: Sequence[str]) -> list[tuple[str, str]]:
    """(criterion, grade) rows of a judgement table given as its lines after the header.

    A row's criterion may wrap over lines and its grade stand at the end of the last line or
    on a line of its own; the table ends at the first line after a complete row that neither
    starts a criterion nor finishes the grade ("to be good"), once overall effectiveness and
    at least :data:`MIN_CRITERIA` others are read (overall effectiveness may come first)."""
    rows: list[tuple[str, str]] = []
    pending = ""
    for line in lines:
        if rows and not pending and re.match(r"to be good\b", line, re.IGNORECASE):
            criterion, grade = rows[-1]
            rows[-1] = (criterion, f"{grade} to be good")
            continue
        candidate = f"{pending} {line}".strip()
        match = GRADE_AT_END.match(candidate)
        if match and match.group(1):
            rows.append((normal(match.group(1)), match.group(2)))
            pending = ""
            continue
        overall_seen = any(row[0].lower() == "overall effectiveness" for row in rows)
        if not pending and overall_seen and len(rows) > MIN_CRITERIA:
            break
        pending = candidate
        if len(pending) > 200:  # not a table row: the table has ended
            break
    return rows


def ilacs_judgements(
    first_page: Sequence[PdfLine], name: str
) -> tuple[ReportJudgement | None, list[ReportJudgement]]:
    lines = [normal(line.text) for line in first_page]
    header = None
    for position, line in enumerate(lines):
        if re.fullmatch(r"judgements?\s+grades?", line, re.IGNORECASE):
            header = position + 1
            break
        following = lines[position + 1] if position + 1 < len(lines) else ""
        if re.fullmatch(r"judgements?", line, re.IGNORECASE) and re.fullmatch(r"grades?", following, re.I):
            header = position + 2
            break
    if header is None:
        raise ReportError(f"{name}: no judgements table ('Judgement', 'Grade') on the first page")
    rows = _table_rows(lines[header:])
    if not _complete_table(rows):  # the cells may come column by column: place them by position
        rows = _table_rows(_rows_by_position(first_page[header:])) or rows
    overall = None
    judgements = []
    for criterion, printed in rows:
        judgement = ReportJudgement(criterion, grade_of(printed), printed)
        if criterion.lower() == "overall effectiveness":
            overall = judgement
        else:
            judgements.append(judgement)
    if overall is None:
        raise ReportError(f"{name}: no 'Overall effectiveness' grade in the judgements table")
    if not judgements:
        raise ReportError(f"{name}: no judgement besides overall effectiveness in the judgements table")
    return overall, judgements


def _complete_table(rows: Sequence[tuple[str, str]]) -> bool:
    criteria = [criterion.lower() for criterion, _grade in rows]
    return "overall effectiveness" in criteria and len(criteria) > MIN_CRITERIA


_GRADE_ONLY = re.compile(rf"{GRADE_TITLE}(?: to be good)?")


def _rows_by_position(lines: Sequence[PdfLine]) -> list[str]:
    """A judgements table's lines in reading order, rebuilt from where each line stands: each
    line of the criterion column goes with the grade cell nearest it vertically, and each
    row's grade follows its criterion. For tables whose cells come column by column."""
    grades = [line for line in lines if _GRADE_ONLY.fullmatch(normal(line.text))]
    if not grades:
        return []
    column = min(line.left for line in grades) - 10
    bottom = max(line.top for line in grades) + 3 * max(line.size for line in grades)
    rows: dict[int, list[PdfLine]] = {id(grade): [] for grade in grades}
    extra: list[tuple[float, str]] = []
    for line in lines:
        if re.fullmatch(rf"overall effectiveness\s+{GRADE_TITLE}", normal(line.text), re.IGNORECASE):
            extra.append((line.top, normal(line.text)))
            continue
        if line in grades or line.top > bottom:
            continue
        if (
            line.left < column
            and GRADE_AT_END.match(normal(line.text))
            and not any(abs(line.top - grade.top) < line.size for grade in grades)
        ):
            extra.append((line.top, normal(line.text)))  # a whole row on one line
            continue
        if line.left < column:
            nearest = min(grades, key=lambda grade: abs(grade.top - line.top))
            rows[id(nearest)].append(line)
    ordered: list[tuple[float, str]] = list(extra)
    for grade in grades:
        cells = sorted(rows[id(grade)], key=lambda line: line.top)
        if cells:
            text = " ".join(normal(cell.text) for cell in cells)
            ordered.append((cells[0].top, f"{text} {normal(grade.text)}"))
    return [text for _top, text in sorted(ordered)]


def sif_judgements(
    first_page: Sequence[PdfLine], opening: str, blocks: Sequence[Block], name: str
) -> tuple[ReportJudgement | None, list[ReportJudgement]]:
    overall_match = re.search(
        rf"(?:overall judgement is(?: that)?|children{APOSTROPHE}s services)(?:\s+in\s+.{{1,100}}?)?"
        rf"(?:\s+children{APOSTROPHE}s services)?"
        rf"\s+(?:(?:are|is)\s+)?(?:judged to be\s+|judged\s+)?{GRADE_ANY_CASE}\b",
        opening,
        re.IGNORECASE,
    )
    if overall_match is None:
        raise ReportError(
            f"{name}: no overall judgement ('Children's services in … are …') on the first page"
        )
    printed = printed_grade(overall_match.group(1))
    overall = ReportJudgement("Overall effectiveness", grade_of(printed), printed)
    lines = [normal(line.text) for line in first_page]
    start = next((i for i, line in enumerate(lines) if re.match(r"1\.\s+\S", line)), None)
    if start is None:
        raise ReportError(f"{name}: no numbered judgements ('1. Children who need help …') on the first page")
    judgements = []
    pending: list[str] = []
    for line in lines[start:]:
        numbered = SECTION_NUMBER.match(line)
        complete = bool(pending) and GRADE_AT_END.match(" ".join(pending)) is not None
        if numbered and (not pending or complete) and not re.fullmatch(r"\d+", line):
            if pending:
                judgements.append(_sif_row(pending))
            pending = [numbered.group(2)]
        elif pending and (not complete or re.match(r"to be good\b", line, re.IGNORECASE)):
            pending.append(line)
        else:
            break
    if pending and GRADE_AT_END.match(" ".join(pending)):
        judgements.append(_sif_row(pending))
    if not judgements:
        raise ReportError(f"{name}: no numbered judgements with grades on the first page")
    board = _board_judgement(blocks)
    if board is not None:
        judgements.append(board)
    return overall, judgements


def _sif_row(parts: list[str]) -> ReportJudgement:
    match = GRADE_AT_END.match(normal(" ".join(parts)))
    assert match is not None
    return ReportJudgement(normal(match.group(1)), grade_of(match.group(2)), match.group(2))


_BOARD_JUDGEMENT = re.compile(
    r"((?:The effectiveness of )?the (?:(?:Local|[A-Z]\w*(?: [A-Z]\w*)?) Safeguarding Children"
    rf"{APOSTROPHE}?s? Board(?: \([A-Z]+\))?|LSCB))"
    rf"\s+(?:is\s+|are\s+)?(?:judged to be\s+)?{GRADE_ANY_CASE}\b"
    r"(?P<end>\s*(?:$|[.;:]))?",
    re.IGNORECASE,
)


def _board_judgement(blocks: Sequence[Block]) -> ReportJudgement | None:
    """The LSCB's grade, from the first statement of it: in a heading, else in a sentence of
    the text that ends with the grade ("… the LSCB is good.", not "… is good at …")."""
    body = " ".join(block.text for block in blocks if not block.heading)
    for text, whole_sentence in ((block.text, False) for block in blocks if block.heading):
        found = _board_grade(text, whole_sentence)
        if found is not None:
            return found
    return _board_grade(body, whole_sentence=True)


def _board_grade(text: str, whole_sentence: bool) -> ReportJudgement | None:
    for match in _BOARD_JUDGEMENT.finditer(text):
        if whole_sentence and match.group("end") is None:
            continue
        criterion = match.group(1)
        criterion = criterion[:1].upper() + criterion[1:]
        printed = printed_grade(match.group(2))
        return ReportJudgement(criterion, grade_of(printed), printed)
    return None
