"""Reading an Ofsted inspection report of a local authority's children's services.

:func:`read_report` turns the PDF into a :class:`ReportReading`: the local authority, the
framework (SIF, ILACS or a focused visit), the inspection dates, the publication date and
the lead inspector where printed, a judgement per criterion as worded in the report, and
every recommendation verbatim with its number and who it is addressed to.

The reading works from the printed layout, not from any one report: running headers and
footers are recognised by repeating at the top or bottom of pages; headings by being bold
or larger than the body; a list item by its bullet glyph or number at the list's left
edge, and its continuation (across a page break too) by a hanging indent or an unfinished
sentence; sub-bullets by a deeper indent, folded into their item. Anything it cannot find
raises :class:`ReportError` naming the part that was missing; it never guesses.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from store.importers.pdf_text import PdfLine, PdfTextError, read_pdf_lines
from store.models import Judgement

LOCAL_AUTHORITY = "local authority"
LSCB = "LSCB"

SIF = "SIF"
ILACS = "ILACS"
FOCUSED_VISIT = "focused visit"


class ReportError(Exception):
    """The file is not a report that can be read; the message says which part was not found."""


@dataclass(frozen=True)
class ReportJudgement:
    criterion: str
    """As printed, without its table number ("2.1")."""
    grade: Judgement
    printed: str
    """The grade's wording as printed, e.g. "Requires improvement"."""


@dataclass(frozen=True)
class ReportRecommendation:
    number: int
    text: str
    addressee: str = LOCAL_AUTHORITY
    """:data:`LOCAL_AUTHORITY` or :data:`LSCB`."""


@dataclass(frozen=True)
class ReportReading:
    """What a report says, as printed."""

    local_authority: str
    framework: str
    """:data:`SIF`, :data:`ILACS` or :data:`FOCUSED_VISIT`."""
    title: str
    """The report's own title, e.g. "Re-inspection of services for children in need of …"."""
    started_on: date
    ended_on: date
    published_on: date | None
    lead_inspector: str
    overall: ReportJudgement | None
    judgements: tuple[ReportJudgement, ...]
    recommendations: tuple[ReportRecommendation, ...]
    pages: int
    seconds: float = field(default=0.0, compare=False)


# Words -------------------------------------------------------------------------------------

_MONTHS = {
    name: number
    for number, name in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        start=1,
    )
}
_MONTH = r"(January|February|March|April|May|June|July|August|September|October|November|December)"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_RANGE_SEPARATOR = r"\s*(?:to|until|and|[-–—─‒―])\s*"
_DATE_RANGE = re.compile(
    rf"{_DAY}(?:\s+{_MONTH})?(?:\s+(\d{{4}}))?{_RANGE_SEPARATOR}{_DAY}\s+{_MONTH},?\s+(\d{{4}})",
    re.IGNORECASE,
)
_ONE_DATE = re.compile(rf"{_DAY}\s+{_MONTH},?\s+(\d{{4}})", re.IGNORECASE)

_GRADE_TITLE = r"(Requires improvement to be good|Requires improvement|Outstanding|Good|Inadequate)"
_GRADE_ANY_CASE = r"(requires? improvement(?: to be good)?|outstanding|good|inadequate)"
_GRADE_AT_END = re.compile(rf"^(.*?)\s*\b{_GRADE_TITLE}\s*$")
_APOSTROPHE = "[’'`]"

_BULLET = re.compile(r"^([•◼■▪●◦○▫□‣⁃∙·➢➤►▶✓✔\-–—*o]|[\ue000-\uf8ff])\s*(.*)$")
_NUMBERED = re.compile(r"^(?:\((\d{1,3})\)|(\d{1,3})[.)])\s+(\S.*)$")
_SECTION_NUMBER = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s+(\S.*)$")
_TERMINAL = re.compile(r"[.;:!?)’”]$")

_REC_HEADING = re.compile(
    r"^(what (does|do|should) (the )?[\w ,’']+? (need|needs) to improve"
    r"|what needs to improve"
    r"|recommendations?\b"
    r"|areas? (for|of) (priority action|improvement|development)"
    r"|priority (and|for) immediate action"
    r"|(areas? for )?priority action"
    r"|immediate action)",
    re.IGNORECASE,
)
_BOARD = re.compile(r"safeguarding children[’']?s? board|\bLSCB\b|safeguarding partnership", re.IGNORECASE)


def grade_of(words: str) -> Judgement:
    """The grade a wording names, ignoring case and the verb ("requires", "is", "are")."""
    text = " ".join(words.lower().split())
    if "inadequate" in text:
        return Judgement.INADEQUATE
    if "outstanding" in text:
        return Judgement.OUTSTANDING
    if "improvement" in text:
        return Judgement.REQUIRES_IMPROVEMENT
    if "good" in text:
        return Judgement.GOOD
    raise ValueError(f"{words!r} is not a grade")


def _printed_grade(words: str) -> str:
    """A grade as it would stand in a table: "requires improvement" -> "Requires improvement"."""
    text = " ".join(words.split())
    text = re.sub(r"^require\b", "requires", text, flags=re.IGNORECASE)
    return text[:1].upper() + text[1:].lower()


def _normal(text: str) -> str:
    return " ".join(text.split())


def _parse_day(day: str, month: str, year: str) -> date:
    return date(int(year), _MONTHS[month.lower()], int(day))


def parse_date_range(text: str) -> tuple[date, date] | None:
    """The first "9 to 20 May 2022" / "26 October – 19 November 2015" range in ``text``."""
    match = _DATE_RANGE.search(text)
    if match:
        day1, month1, year1, day2, month2, year2 = match.groups()
        try:
            ended = _parse_day(day2, month2, year2)
            month_number = _MONTHS[(month1 or month2).lower()]
            year = int(year1) if year1 else ended.year - (1 if month_number > ended.month else 0)
            started = date(year, month_number, int(day1))
        except ValueError:
            return None
        return started, ended
    single = _ONE_DATE.search(text)
    if single:
        try:
            day = _parse_day(*single.groups())
        except ValueError:
            return None
        return day, day
    return None


# Layout ------------------------------------------------------------------------------------


def _digits_key(text: str) -> str:
    return re.sub(r"\d+", "#", _normal(text)).lower()


def _strip_running_lines(pages: Sequence[Sequence[PdfLine]]) -> list[list[PdfLine]]:
    """Pages without their running headers, footers and page numbers.

    A line in the top or bottom tenth of a page is running text when it is a bare page
    number, when the same words (numbers aside) stand in that band on other pages too, or
    when, after the first page, it begins as the report's title does.
    """

    def in_band(line: PdfLine) -> bool:
        height = line.page_height or 842.0
        return line.top < height * 0.1 or line.top > height * 0.9

    seen: Counter[str] = Counter()
    for page in pages:
        seen.update({_digits_key(line.text) for line in page if in_band(line)})
    titles = {" ".join(_digits_key(line.text).split()[:3]) for line in (pages[0] if pages else [])[:6]}
    result = []
    for number, page in enumerate(pages, start=1):
        kept = []
        for line in page:
            if in_band(line):
                key = _digits_key(line.text)
                if (
                    re.fullmatch(r"(page )?#( of #)?", key)
                    or (len(pages) > 1 and seen[key] >= 2)
                    or (number > 1 and len(key.split()) >= 3 and " ".join(key.split()[:3]) in titles)
                ):
                    continue
            kept.append(line)
        result.append(kept)
    return result


def _strip_contents(pages: list[list[PdfLine]]) -> None:
    """Drop a table of contents: its entries end with a page number."""
    for page in pages[:4]:
        for position, line in enumerate(page):
            if _normal(line.text).lower() in {"contents", "table of contents"}:
                page[position:] = [
                    other for other in page[position + 1 :] if not re.search(r"\s\d{1,3}$", other.text)
                ]
                break


@dataclass
class _Block:
    """Consecutive lines: a heading (several lines set alike) or one body line."""

    lines: list[PdfLine]
    heading: bool

    @property
    def text(self) -> str:
        return _join_lines(line.text for line in self.lines)

    @property
    def first(self) -> PdfLine:
        return self.lines[0]


def _join_lines(texts: Iterable[str]) -> str:
    """Lines of one paragraph as one line: a hyphen at a line end joins without a space
    (it is part of a compound, "multi-agency"), unless the next word is "and" or "or"
    ("short- and long-term")."""
    result = ""
    for raw in texts:
        text = raw.strip()
        if not text:
            continue
        if not result:
            result = text
        elif re.search(r"\w-$", result) and not re.match(r"(and|or|to)\b", text):
            result += text
        else:
            result += " " + text
    return _normal(result)


def _body_size(lines: Sequence[PdfLine]) -> float:
    sizes = Counter(line.size for line in lines if line.size > 0)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def _blocks(lines: Sequence[PdfLine]) -> list[_Block]:
    body = _body_size(lines)

    def is_heading(line: PdfLine) -> bool:
        if _item_start(_normal(line.text)) is not None:
            return False
        return line.bold or (body > 0 and line.size >= body + 1.5)

    blocks: list[_Block] = []
    for line in lines:
        heading = is_heading(line)
        last = blocks[-1] if blocks else None
        if (
            heading
            and last is not None
            and last.heading
            and last.first.page == line.page
            and abs(last.lines[-1].size - line.size) < 0.5
            and 0 < line.top - last.lines[-1].top < line.size * 2.2
            and not _TERMINAL.search(last.lines[-1].text)
        ):
            last.lines.append(line)
        else:
            blocks.append(_Block([line], heading))
    return blocks


# The report --------------------------------------------------------------------------------


def read_report(path: Path, *, time_limit: float | None = None) -> ReportReading:
    """Read the report at ``path``; raises :class:`ReportError` with a one-line reason."""
    started = time.perf_counter()
    try:
        pages = read_pdf_lines(path, time_limit=time_limit)
    except PdfTextError as error:
        raise ReportError(str(error)) from None
    reading = read_report_lines(pages, name=str(path))
    return ReportReading(**{**reading.__dict__, "seconds": time.perf_counter() - started})


def read_report_lines(raw_pages: Sequence[Sequence[PdfLine]], *, name: str = "report") -> ReportReading:
    """The reading of a report given as its pages' lines (see :func:`read_report`)."""
    pages = _strip_running_lines(raw_pages)
    _strip_contents(pages)
    first_page = next((page for page in pages if page), [])  # past a cover with no text
    title_page = first_page[0].page if first_page else 1
    first_lines = [_normal(line.text) for line in first_page]
    opening = " ".join(first_lines)
    framework, title = _framework(first_lines, name)
    local_authority = _local_authority(first_lines, framework, title, name)
    early_text = " ".join(
        _normal(line.text) for page in pages[title_page - 1 : title_page + 1] for line in page
    )
    started_on, ended_on = _dates(early_text, framework, name)
    published = re.search(r"(?:Report )?published:?\s*" + _ONE_DATE.pattern, early_text, re.IGNORECASE)
    published_on = _parse_day(*published.groups()) if published else None
    lead_inspector = _lead_inspector([_normal(line.text) for page in pages for line in page])
    all_lines = [line for page in pages for line in page]
    blocks = _blocks(all_lines)
    if framework == SIF:
        overall, judgements = _sif_judgements(first_page, opening, blocks, name)
    elif framework == ILACS:
        overall, judgements = _ilacs_judgements(first_page, name)
    else:
        overall, judgements = None, []
    recommendations = _recommendations(blocks, framework, overall, name, title_page=title_page)
    return ReportReading(
        local_authority=local_authority,
        framework=framework,
        title=title,
        started_on=started_on,
        ended_on=ended_on,
        published_on=published_on,
        lead_inspector=lead_inspector,
        overall=overall,
        judgements=tuple(judgements),
        recommendations=tuple(recommendations),
        pages=len(raw_pages),
    )


def _lead_inspector(lines: Sequence[str]) -> str:
    """The name after "Lead inspector:", without "HMI" or ", His Majesty's Inspector"."""
    for position, line in enumerate(lines):
        label = re.match(r"lead inspector:?\s*(.*)$", line, re.IGNORECASE)
        if label is None:
            continue
        rest = label.group(1) or (lines[position + 1] if position + 1 < len(lines) else "")
        rest = re.split(rf",|\s+HMI\b|\b(?:Her|His) Majesty{_APOSTROPHE}s\b", rest)[0]
        return _normal(rest)
    return ""


_CHILDRENS_SERVICES = rf"children{_APOSTROPHE}s (?:social care )?services"
_CHILDRENS_SERVICES_LINES = rf"children{_APOSTROPHE}s\s(?:social\scare\s)?services"


def _framework(first_lines: list[str], name: str) -> tuple[str, str]:
    head = " ".join(first_lines[:40])
    visit = re.search(rf"(Focused visit to .+?{_CHILDRENS_SERVICES})", head, re.IGNORECASE)
    if visit:
        return FOCUSED_VISIT, _normal(visit.group(1))
    sif = re.search(
        r"((?:Re-)?inspection of services for children in need of help and protection,?"
        r" children looked after and care leavers)",
        head,
        re.IGNORECASE,
    )
    if sif:
        return SIF, _normal(sif.group(1))
    title_lines = "\n".join(first_lines[:6])  # the title starts a line, near the top
    ilacs = re.search(
        rf"^(Inspection of\s(?:.{{1,100}}?\s)??{_CHILDRENS_SERVICES_LINES})",
        title_lines,
        re.MULTILINE | re.DOTALL,
    )
    if ilacs:
        return ILACS, _normal(ilacs.group(1))
    raise ReportError(
        f"{name}: not an Ofsted inspection report of children's services: no title "
        "'Inspection of … children's services' (or focused visit) on the first page"
    )


def _local_authority(first_lines: list[str], framework: str, title: str, name: str) -> str:
    named = re.match(
        rf"(?:Focused visit to|Inspection of)\s+(.+?)(?:\s+local authority)?\s+{_CHILDRENS_SERVICES}$",
        title,
        re.IGNORECASE,
    )
    if named:
        return re.sub(r"^the\s+", "", _normal(named.group(1)))
    before: list[str] = []
    title_start = title.split()[0].lower()
    for line in first_lines:
        if line.lower().startswith(title_start):
            break
        if re.fullmatch(r"\d+", line):
            continue
        before.append(line)
    authority = _normal(" ".join(before))
    if not authority or len(authority) > 120:
        raise ReportError(f"{name}: no local authority named above the title '{title}'")
    return authority


def _dates(text: str, framework: str, name: str) -> tuple[date, date]:
    labelled = re.search(r"Inspection dates?:?\s*(.{0,80})", text, re.IGNORECASE)
    found = parse_date_range(labelled.group(1)) if labelled else None
    if found is None and framework == FOCUSED_VISIT:
        visit = re.search(r"focused visit .{0,200}?\bon\s+(.{0,60})", text, re.IGNORECASE)
        found = parse_date_range(visit.group(1)) if visit else None
    if found is None:
        raise ReportError(f"{name}: no inspection dates ('Inspection dates: …') on the first pages")
    started, ended = found
    if ended < started:
        raise ReportError(f"{name}: the inspection dates run backwards ({started} to {ended})")
    return found


# Judgements --------------------------------------------------------------------------------


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
        match = _GRADE_AT_END.match(candidate)
        if match and match.group(1):
            rows.append((_normal(match.group(1)), match.group(2)))
            pending = ""
            continue
        overall_seen = any(row[0].lower() == "overall effectiveness" for row in rows)
        if not pending and overall_seen and len(rows) > MIN_CRITERIA:
            break
        pending = candidate
        if len(pending) > 200:  # not a table row: the table has ended
            break
    return rows


def _ilacs_judgements(
    first_page: Sequence[PdfLine], name: str
) -> tuple[ReportJudgement | None, list[ReportJudgement]]:
    lines = [_normal(line.text) for line in first_page]
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


_GRADE_ONLY = re.compile(rf"{_GRADE_TITLE}(?: to be good)?")


def _rows_by_position(lines: Sequence[PdfLine]) -> list[str]:
    """A judgements table's lines in reading order, rebuilt from where each line stands: each
    line of the criterion column goes with the grade cell nearest it vertically, and each
    row's grade follows its criterion. For tables whose cells come column by column."""
    grades = [line for line in lines if _GRADE_ONLY.fullmatch(_normal(line.text))]
    if not grades:
        return []
    column = min(line.left for line in grades) - 10
    bottom = max(line.top for line in grades) + 3 * max(line.size for line in grades)
    rows: dict[int, list[PdfLine]] = {id(grade): [] for grade in grades}
    extra: list[tuple[float, str]] = []
    for line in lines:
        if re.fullmatch(rf"overall effectiveness\s+{_GRADE_TITLE}", _normal(line.text), re.IGNORECASE):
            extra.append((line.top, _normal(line.text)))
            continue
        if line in grades or line.top > bottom:
            continue
        if (
            line.left < column
            and _GRADE_AT_END.match(_normal(line.text))
            and not any(abs(line.top - grade.top) < line.size for grade in grades)
        ):
            extra.append((line.top, _normal(line.text)))  # a whole row on one line
            continue
        if line.left < column:
            nearest = min(grades, key=lambda grade: abs(grade.top - line.top))
            rows[id(nearest)].append(line)
    ordered: list[tuple[float, str]] = list(extra)
    for grade in grades:
        cells = sorted(rows[id(grade)], key=lambda line: line.top)
        if cells:
            text = " ".join(_normal(cell.text) for cell in cells)
            ordered.append((cells[0].top, f"{text} {_normal(grade.text)}"))
    return [text for _top, text in sorted(ordered)]


def _sif_judgements(
    first_page: Sequence[PdfLine], opening: str, blocks: Sequence[_Block], name: str
) -> tuple[ReportJudgement | None, list[ReportJudgement]]:
    overall_match = re.search(
        rf"(?:overall judgement is(?: that)?|children{_APOSTROPHE}s services)(?:\s+in\s+.{{1,100}}?)?"
        rf"(?:\s+children{_APOSTROPHE}s services)?"
        rf"\s+(?:(?:are|is)\s+)?(?:judged to be\s+|judged\s+)?{_GRADE_ANY_CASE}\b",
        opening,
        re.IGNORECASE,
    )
    if overall_match is None:
        raise ReportError(
            f"{name}: no overall judgement ('Children's services in … are …') on the first page"
        )
    printed = _printed_grade(overall_match.group(1))
    overall = ReportJudgement("Overall effectiveness", grade_of(printed), printed)
    lines = [_normal(line.text) for line in first_page]
    start = next((i for i, line in enumerate(lines) if re.match(r"1\.\s+\S", line)), None)
    if start is None:
        raise ReportError(f"{name}: no numbered judgements ('1. Children who need help …') on the first page")
    judgements = []
    pending: list[str] = []
    for line in lines[start:]:
        numbered = _SECTION_NUMBER.match(line)
        complete = bool(pending) and _GRADE_AT_END.match(" ".join(pending)) is not None
        if numbered and (not pending or complete) and not re.fullmatch(r"\d+", line):
            if pending:
                judgements.append(_sif_row(pending))
            pending = [numbered.group(2)]
        elif pending and (not complete or re.match(r"to be good\b", line, re.IGNORECASE)):
            pending.append(line)
        else:
            break
    if pending and _GRADE_AT_END.match(" ".join(pending)):
        judgements.append(_sif_row(pending))
    if not judgements:
        raise ReportError(f"{name}: no numbered judgements with grades on the first page")
    board = _board_judgement(blocks)
    if board is not None:
        judgements.append(board)
    return overall, judgements


def _sif_row(parts: list[str]) -> ReportJudgement:
    match = _GRADE_AT_END.match(_normal(" ".join(parts)))
    assert match is not None
    return ReportJudgement(_normal(match.group(1)), grade_of(match.group(2)), match.group(2))


_BOARD_JUDGEMENT = re.compile(
    r"((?:The effectiveness of )?the (?:(?:Local|[A-Z]\w*(?: [A-Z]\w*)?) Safeguarding Children"
    rf"{_APOSTROPHE}?s? Board(?: \([A-Z]+\))?|LSCB))"
    rf"\s+(?:is\s+|are\s+)?(?:judged to be\s+)?{_GRADE_ANY_CASE}\b"
    r"(?P<end>\s*(?:$|[.;:]))?",
    re.IGNORECASE,
)


def _board_judgement(blocks: Sequence[_Block]) -> ReportJudgement | None:
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
        printed = _printed_grade(match.group(2))
        return ReportJudgement(criterion, grade_of(printed), printed)
    return None


# Recommendations ---------------------------------------------------------------------------


@dataclass
class _Item:
    number: int | None
    parts: list[str]
    left: float
    addressee: str


def _recommendations(
    blocks: Sequence[_Block],
    framework: str,
    overall: ReportJudgement | None,
    name: str,
    *,
    title_page: int = 1,
) -> list[ReportRecommendation]:
    items: list[_Item] = []
    sections = 0
    addressee = LOCAL_AUTHORITY
    position = 0
    while position < len(blocks):
        block = blocks[position]
        position += 1
        if not block.heading:
            continue
        text = block.text
        if block.first.page > title_page and _BOARD.search(text) and not _REC_HEADING.match(text):
            addressee = LSCB
        elif re.match(r"section 1\b", text, re.IGNORECASE):
            addressee = LOCAL_AUTHORITY
        if not _REC_HEADING.match(text) or (block.first.page == title_page and framework == SIF):
            continue
        here = addressee
        if re.search(r"\blocal authority\b", text, re.IGNORECASE):
            here = addressee = LOCAL_AUTHORITY
        elif _BOARD.search(text):
            here = addressee = LSCB
        sections += 1
        found, position = _read_list(blocks, position, here)
        items.extend(found)
    if sections == 0:
        if framework == ILACS and overall is not None and overall.grade is Judgement.OUTSTANDING:
            return []
        wanted = "Recommendations" if framework == SIF else "What needs to improve?"
        raise ReportError(f"{name}: no '{wanted}' section")
    if not items:
        if overall is not None and overall.grade is Judgement.OUTSTANDING:
            return []
        raise ReportError(f"{name}: no recommendations could be read under the recommendations heading")
    return _numbered(items, name)


def _numbered(items: list[_Item], name: str) -> list[ReportRecommendation]:
    result = []
    used: set[int] = set()
    next_number = 1
    for item in items:
        number = item.number if item.number is not None else next_number
        while item.number is None and number in used:
            number += 1
        if number in used:
            raise ReportError(f"{name}: recommendation {number} is numbered twice")
        used.add(number)
        next_number = number + 1
        text = _join_lines(item.parts)
        if not text:
            raise ReportError(f"{name}: recommendation {number} has no text")
        result.append(ReportRecommendation(number, text, item.addressee))
    return result


def _item_start(text: str) -> tuple[int | None, str] | None:
    numbered = _NUMBERED.match(text)
    if numbered:
        return int(numbered.group(1) or numbered.group(2)), numbered.group(3)
    bullet = _BULLET.match(text)
    if bullet and (bullet.group(1) not in "-–—*o" or text[1:2] == " "):
        return None, bullet.group(2)
    return None


def _read_list(blocks: Sequence[_Block], position: int, addressee: str) -> tuple[list[_Item], int]:
    """The items of the list that starts at ``blocks[position]``, and where reading stopped."""
    items: list[_Item] = []
    left: float | None = None
    size = 0.0
    indent = 6.0
    while position < len(blocks):
        block = blocks[position]
        if (
            block.heading
            and items
            and left is not None
            and all(line.left >= left + indent and abs(line.size - size) < 0.5 for line in block.lines)
        ):  # words set in bold inside an item, at its hanging indent: not a heading
            items[-1].parts.extend(line.text for line in block.lines)
            position += 1
            continue
        if block.heading:
            if _REC_HEADING.match(block.text) and not re.match(r"recommendations?\b", block.text, re.I):
                position += 1  # a sub-heading of the section: "Areas for improvement"
                continue
            break
        line = block.first
        start = _item_start(_normal(line.text))
        if start is not None and (left is None or line.left < left + indent):
            number, rest = start
            if left is None:
                left, size = line.left, line.size
            items.append(_Item(number, [rest], line.left, addressee))
        elif start is not None and items:  # a sub-bullet: folded into its item, without its glyph
            items[-1].parts.append(start[1])
        elif items and left is not None:
            last = items[-1]
            continued = line.left >= left + indent or not _TERMINAL.search(last.parts[-1])
            if not continued:
                break
            last.parts.append(line.text)
        position += 1
    return items, position
