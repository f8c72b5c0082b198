"""What an Ofsted report says, and the words it says it in: the reading's types, the grades
in every wording Ofsted has used, and the dates as reports print them.

Shared by the report reader's modules (:mod:`store.importers.ofsted_report` is the one to
call); nothing here reads a PDF.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

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
ONE_DATE = re.compile(rf"{_DAY}\s+{_MONTH},?\s+(\d{{4}})", re.IGNORECASE)

GRADE_TITLE = r"(Requires improvement to be good|Requires improvement|Outstanding|Good|Inadequate)"
GRADE_ANY_CASE = r"(requires? improvement(?: to be good)?|outstanding|good|inadequate)"
GRADE_AT_END = re.compile(rf"^(.*?)\s*\b{GRADE_TITLE}\s*$")
APOSTROPHE = "[’'`]"

BULLET = re.compile(r"^([•◼■▪●◦○▫□‣⁃∙·➢➤►▶✓✔\-–—*o]|[\ue000-\uf8ff])\s*(.*)$")
NUMBERED = re.compile(r"^(?:\((\d{1,3})\)|(\d{1,3})[.)])\s+(\S.*)$")
SECTION_NUMBER = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s+(\S.*)$")
TERMINAL = re.compile(r"[.;:!?)’”]$")

REC_HEADING = re.compile(
    r"^(what (does|do|should) (the )?[\w ,’']+? (need|needs) to improve"
    r"|what needs to improve"
    r"|recommendations?\b"
    r"|areas? (for|of) (priority action|improvement|development)"
    r"|priority (and|for) immediate action"
    r"|(areas? for )?priority action"
    r"|immediate action)",
    re.IGNORECASE,
)
BOARD = re.compile(r"safeguarding children[’']?s? board|\bLSCB\b|safeguarding partnership", re.IGNORECASE)


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


def printed_grade(words: str) -> str:
    """A grade as it would stand in a table: "requires improvement" -> "Requires improvement"."""
    text = " ".join(words.split())
    text = re.sub(r"^require\b", "requires", text, flags=re.IGNORECASE)
    return text[:1].upper() + text[1:].lower()


def normal(text: str) -> str:
    return " ".join(text.split())


def parse_day(day: str, month: str, year: str) -> date:
    return date(int(year), _MONTHS[month.lower()], int(day))


def parse_date_range(text: str) -> tuple[date, date] | None:
    """The first "9 to 20 May 2022" / "26 October – 19 November 2015" range in ``text``."""
    match = _DATE_RANGE.search(text)
    if match:
        day1, month1, year1, day2, month2, year2 = match.groups()
        try:
            ended = parse_day(day2, month2, year2)
            month_number = _MONTHS[(month1 or month2).lower()]
            year = int(year1) if year1 else ended.year - (1 if month_number > ended.month else 0)
            started = date(year, month_number, int(day1))
        except ValueError:
            return None
        return started, ended
    single = ONE_DATE.search(text)
    if single:
        try:
            day = parse_day(*single.groups())
        except ValueError:
            return None
        return day, day
    return None
