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
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from store.importers.pdf_text import PdfLine, PdfTextError, read_pdf_lines
from store.importers.report_judgements import ilacs_judgements, sif_judgements
from store.importers.report_layout import (
    Block,
    item_start,
    join_lines,
    make_blocks,
    strip_contents,
    strip_running_lines,
)
from store.importers.report_words import (
    APOSTROPHE,
    BOARD,
    FOCUSED_VISIT,
    ILACS,
    LOCAL_AUTHORITY,
    LSCB,
    ONE_DATE,
    REC_HEADING,
    SIF,
    TERMINAL,
    ReportError,
    ReportJudgement,
    ReportReading,
    ReportRecommendation,
    grade_of,
    normal,
    parse_date_range,
    parse_day,
)
from store.models import Judgement

__all__ = [
    "FOCUSED_VISIT",
    "ILACS",
    "LOCAL_AUTHORITY",
    "LSCB",
    "SIF",
    "ReportError",
    "ReportJudgement",
    "ReportReading",
    "ReportRecommendation",
    "grade_of",
    "parse_date_range",
    "read_report",
    "read_report_lines",
]


def read_report(path: Path, *, time_limit: float | None = None) -> ReportReading:
    """Read the report at ``path``; raises :class:`ReportError` with a one-line reason."""
    started = time.perf_counter()
    try:
        pages = read_pdf_lines(path, time_limit=time_limit)
    except PdfTextError as error:
        raise ReportError(str(error)) from None
    reading = read_report_lines(pages, name=str(path))
    return replace(reading, seconds=time.perf_counter() - started)


def read_report_lines(raw_pages: Sequence[Sequence[PdfLine]], *, name: str = "report") -> ReportReading:
    """The reading of a report given as its pages' lines (see :func:`read_report`)."""
    pages = strip_running_lines(raw_pages)
    strip_contents(pages)
    first_page = next((page for page in pages if page), [])  # past a cover with no text
    title_page = first_page[0].page if first_page else 1
    first_lines = [normal(line.text) for line in first_page]
    opening = " ".join(first_lines)
    framework, title = _framework(first_lines, name)
    local_authority = _local_authority(first_lines, framework, title, name)
    early_text = " ".join(
        normal(line.text) for page in pages[title_page - 1 : title_page + 1] for line in page
    )
    started_on, ended_on = _dates(early_text, framework, name)
    published = re.search(r"(?:Report )?published:?\s*" + ONE_DATE.pattern, early_text, re.IGNORECASE)
    published_on = parse_day(*published.groups()) if published else None
    lead_inspector = _lead_inspector([normal(line.text) for page in pages for line in page])
    all_lines = [line for page in pages for line in page]
    blocks = make_blocks(all_lines)
    if framework == SIF:
        overall, judgements = sif_judgements(first_page, opening, blocks, name)
    elif framework == ILACS:
        overall, judgements = ilacs_judgements(first_page, name)
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
        rest = re.split(rf",|\s+HMI\b|\b(?:Her|His) Majesty{APOSTROPHE}s\b", rest)[0]
        return normal(rest)
    return ""


_CHILDRENS_SERVICES = rf"children{APOSTROPHE}s (?:social care )?services"
_CHILDRENS_SERVICES_LINES = rf"children{APOSTROPHE}s\s(?:social\scare\s)?services"


def _framework(first_lines: list[str], name: str) -> tuple[str, str]:
    head = " ".join(first_lines[:40])
    visit = re.search(rf"(Focused visit to .+?{_CHILDRENS_SERVICES})", head, re.IGNORECASE)
    if visit:
        return FOCUSED_VISIT, normal(visit.group(1))
    sif = re.search(
        r"((?:Re-)?inspection of services for children in need of help and protection,?"
        r" children looked after and care leavers)",
        head,
        re.IGNORECASE,
    )
    if sif:
        return SIF, normal(sif.group(1))
    title_lines = "\n".join(first_lines[:6])  # the title starts a line, near the top
    ilacs = re.search(
        rf"^(Inspection of\s(?:.{{1,100}}?\s)??{_CHILDRENS_SERVICES_LINES})",
        title_lines,
        re.MULTILINE | re.DOTALL,
    )
    if ilacs:
        return ILACS, normal(ilacs.group(1))
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
        return re.sub(r"^the\s+", "", normal(named.group(1)))
    before: list[str] = []
    title_start = title.split()[0].lower()
    for line in first_lines:
        if line.lower().startswith(title_start):
            break
        if re.fullmatch(r"\d+", line):
            continue
        before.append(line)
    authority = normal(" ".join(before))
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


# Recommendations ---------------------------------------------------------------------------


@dataclass
class _Item:
    number: int | None
    parts: list[str]
    left: float
    addressee: str


def _recommendations(
    blocks: Sequence[Block],
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
        if block.first.page > title_page and BOARD.search(text) and not REC_HEADING.match(text):
            addressee = LSCB
        elif re.match(r"section 1\b", text, re.IGNORECASE):
            addressee = LOCAL_AUTHORITY
        if not REC_HEADING.match(text) or (block.first.page == title_page and framework == SIF):
            continue
        here = addressee
        if re.search(r"\blocal authority\b", text, re.IGNORECASE):
            here = addressee = LOCAL_AUTHORITY
        elif BOARD.search(text):
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
        text = join_lines(item.parts)
        if not text:
            raise ReportError(f"{name}: recommendation {number} has no text")
        result.append(ReportRecommendation(number, text, item.addressee))
    return result


def _read_list(blocks: Sequence[Block], position: int, addressee: str) -> tuple[list[_Item], int]:
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
            if REC_HEADING.match(block.text) and not re.match(r"recommendations?\b", block.text, re.I):
                position += 1  # a sub-heading of the section: "Areas for improvement"
                continue
            break
        line = block.first
        start = item_start(normal(line.text))
        if start is not None and (left is None or line.left < left + indent):
            number, rest = start
            if left is None:
                left, size = line.left, line.size
            items.append(_Item(number, [rest], line.left, addressee))
        elif start is not None and items:  # a sub-bullet: folded into its item, without its glyph
            items[-1].parts.append(start[1])
        elif items and left is not None:
            last = items[-1]
            continued = line.left >= left + indent or not TERMINAL.search(last.parts[-1])
            if not continued:
                break
            last.parts.append(line.text)
        position += 1
    return items, position
