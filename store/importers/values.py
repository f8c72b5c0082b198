"""Reading one tracker cell as the value an action field needs, the way councils write them.

Each parser takes a cell (text from CSV; typed values from XLSX) and returns the value or
raises ``ValueError`` whose message completes the sentence "'31/02/2020' …", e.g.
"is not a date".

- Dates: 31/03/2020, 31/3/20, 2020-03-31, 31 March 2020, 31-Mar-2020, Excel date cells and
  (XLSX only) serial numbers; "March 2020", "Mar 2020", "Mar-20" or "End of March 2020"
  means the end of that month; "Q3 2019/20" the end of that quarter of the financial year
  (31 December 2019) and "2020/21" the end of the financial year (31 March 2021).
  -, n/a, TBC and blank mean no date. Numbers in CSV are not dates.
  (A tracker row does not get this far with a blank or "no value" cell: see :func:`intent`.)
- RAG: Red, Amber, Green, Blue, Complete or R/A/G/B/C; blank, "-", "n/a" or "Not assessed" is none.
  Two ratings ("Amber/Green") are read as the worse; :func:`noted` keeps what was written.
- Status: Not started, In progress, Complete, Blocked, Cancelled and common words for them
  (see :data:`STATUS_WORDS`): Delayed, At risk, Off track and Slipped are in progress, BAU
  (business as usual) is complete; :func:`noted` keeps such a word for the update.
- Progress: 50%, 50, or a share 0.5 (a percentage-formatted XLSX cell is always read as
  the percentage it shows); rounded half up to a whole percent; blank is 0. Whether plain
  numbers are shares is decided for the whole column by :func:`progress_shares`; alone, a
  cell is a share when it is from 0 to 1 and written with a decimal point.
- Recommendations: integers and ranges separated by commas, semicolons, spaces, "&", "/" or
  "and", each may be after "Rec", "Recs", "Recommendation" or "R": "2, 5", "2;5", "1-17",
  "Recs 1, 3 & 5", "R2/R4", "1 and 3".
- Text: a leading apostrophe that the ipt export adds to neutralise a formula (``'=…``,
  ``'+…``, ``'-…``, ``'@…``, ``'<tab>…``, ``'<CR>…``, ``'<LF>…``) is removed, so export then
  import gives back the text exactly. (The one text that cannot round-trip is one that itself
  begins with an apostrophe followed by one of those characters.)
"""

from __future__ import annotations

import calendar
import re
from collections import Counter
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from store.dates import MONTHS, DateError, date_from_text
from store.exports import FORMULA_TRIGGERS
from store.importers.sources import Cell, Percent, Unusable
from store.models import RAG_WORDS, Rag, Status

BLANK_WORDS = frozenset({"", "-", "–", "—", "n/a", "na"})
CLEAR_WORDS = frozenset({"-", "–", "—", "clear"})
"""What a person types in a cell to clear the stored value (a blank cell keeps it)."""
NO_VALUE_WORDS = frozenset({"", "n/a", "na", "tbc", "tbd", "tba", "ongoing", "none", "unknown", "?"})
"""Cells that give no value for a date, RAG, progress or recommendations: the stored one is kept."""
TEXT_FIELDS = frozenset(
    {"owner", "description", "outcome", "success_measure", "title", "theme", "ref", "due_reason"}
)
KEEP_ONLY_FIELDS = frozenset({"status", "update"})
"""Fields that cannot be cleared: a clear marker there is as a blank cell."""
NO_DATE_WORDS = BLANK_WORDS | {"tbc", "tbd", "none"}
NO_RAG_WORDS = BLANK_WORDS | {"not assessed", "none"}
STATUS_WORDS = {
    Status.NOT_STARTED: ("not started", "not yet started", "planned", "to do", "todo"),
    Status.IN_PROGRESS: (
        "in progress",
        "started",
        "ongoing",
        "underway",
        "under way",
        "on track",
        "delayed",
        "at risk",
        "off track",
        "slipped",
        "slipping",
    ),
    Status.COMPLETE: ("complete", "completed", "done", "closed", "achieved", "bau", "business as usual"),
    Status.BLOCKED: ("blocked", "on hold", "stalled"),
    Status.CANCELLED: ("cancelled", "canceled", "withdrawn"),
}
STATUS_BY_WORD = {word: status for status, words in STATUS_WORDS.items() for word in words}
NOTED_STATUS_WORDS = frozenset(
    {"delayed", "at risk", "off track", "slipped", "slipping", "bau", "business as usual"}
)
"""Status words that say more than the status they are read as: the word is kept in the update."""
WORST_FIRST = (Rag.RED, Rag.AMBER, Rag.GREEN, Rag.BLUE)
_RAG_PARTS = re.compile(r"\s*(?:/|\\|&|\bto\b|\s)\s*")
_END_OF = re.compile(r"(?:by\s+)?(?:the\s+)?end\s+(?:of\s+)?", re.I)
_QUARTER = re.compile(r"q([1-4])\s*(?:fy\s*)?(\d{4}|\d{2})\s*[/\-–]\s*(\d{4}|\d{2})", re.I)
_FINANCIAL_YEAR = re.compile(r"(?:fy\s*)?(\d{4})\s*[/\-–]\s*(\d{4}|\d{2})", re.I)
_MONTH_SHORT_YEAR = re.compile(r"([A-Za-z]+)\.?[ \-']?(\d{2})")
_REC_WORDS = re.compile(
    r"\b(?:ofsted\s+)?(?:recommendations?|recs?|r)\b\.?\s*(?=\d)|\b(?:ofsted\s+)?(?:r)(?=\d)", re.I
)
_REC_JOINS = re.compile(r"\s*(?:[&+/]|\band\b)\s*", re.I)
"""Joins between recommendation numbers besides commas ("and" is refused: see the README)."""

_WITH_TIME = re.compile(
    r"(\d{4}-\d{1,2}-\d{1,2})[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
    r"|(\d{1,2}[/.]\d{1,2}[/.](?:\d{4}|\d{2})) 0?0:00(?::00)?"
)
"""A date followed by a time of day: any time after an ISO date, midnight after a UK one."""
_MONTH_YEAR = re.compile(r"([A-Za-z]+)\.?,?[ \-](\d{4})")
_RANGE = re.compile(r"(\d+)-(\d+)")
_SPACED_DASH = re.compile(r"\s*[-–]\s*")
_EXPORTED_UPDATE = re.compile(r'(\d{4}-\d{2}-\d{2}) (?:"((?:[^"]|"")*)"|([^:\n"][^:\n]*?)): (.*)', re.DOTALL)
"""An update as :func:`store.exports._common.latest_update` writes it: day, author (in double
quotes when it holds a colon or line break), text."""


def words(value: str) -> str:
    """Lower case with runs of spaces, underscores and hyphens made one space."""
    return " ".join(re.split(r"[\s_\-]+", value.strip().lower())).strip()


def unescape(text: str) -> str:
    """Undo the export's formula neutralising: ``'=SUM(1)`` -> ``=SUM(1)``; nothing else."""
    if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text


def as_text(cell: Cell) -> str:
    """Any cell as the text a person sees (numbers without a spurious ``.0``)."""
    if cell is None:
        return ""
    if isinstance(cell, Unusable):
        return cell.shown
    if isinstance(cell, Percent):
        return f"{_decimal(cell.fraction) * 100:f}%"
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else repr(cell)
    if isinstance(cell, datetime) and cell.time() == time(0):
        return cell.date().isoformat()
    if isinstance(cell, date | time):
        return cell.isoformat()
    if isinstance(cell, str):
        return unescape(cell)
    return str(cell)


WHITE_SPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000"
)
"""Unicode White_Space, which the models strip; Python's own strip() also takes \\x1c-\\x1f."""


def text(cell: Cell) -> str:
    """A text field: stripped as the models strip it, with the export's escaping undone."""
    _refuse_unusable(cell)
    return as_text(cell).strip(WHITE_SPACE)


def _refuse_unusable(cell: Cell) -> None:
    if isinstance(cell, Unusable):
        raise ValueError(cell.why)


def _decimal(number: float | int) -> Decimal:
    return Decimal(repr(number)) if isinstance(number, float) else Decimal(number)


def intent(name: str, cell: Cell) -> str:
    """``"keep"`` (a blank or no-value cell: no change), ``"clear"`` (a clear marker), else ``"value"``.

    Dates, RAG, progress and recommendations keep on a blank cell and on "no value" words
    such as TBC, n/a or Ongoing, and clear on ``-`` or ``clear``; "Not assessed" (as the export
    writes no RAG) clears a RAG. Text (owner, description) keeps on a blank cell and is
    otherwise taken as written, so an owner written "-" survives export and import; it cannot
    be cleared from a tracker. Status and the update cannot be cleared.
    """
    if cell is None or isinstance(cell, Unusable) or not isinstance(cell, str):
        return "keep" if cell is None else "value"
    word = " ".join(unescape(cell).split()).lower()
    if not word:
        return "keep"
    if name in TEXT_FIELDS:
        return "value"
    if name in KEEP_ONLY_FIELDS:
        return "keep" if word in CLEAR_WORDS or word in BLANK_WORDS else "value"
    if word in CLEAR_WORDS or (name == "rag" and word == "not assessed"):
        return "clear"
    if word in NO_VALUE_WORDS:
        return "keep"
    return "value"


def parse_date(cell: Cell, epoch: datetime) -> date | None:
    _refuse_unusable(cell)
    if cell is None:
        return None
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    if isinstance(cell, bool) or not isinstance(cell, int | float | str):
        raise ValueError("is not a date")
    if isinstance(cell, int | float):  # only XLSX gives numbers: an Excel serial date
        if not 1 <= cell < 2958466:
            raise ValueError("is not a date (as an Excel serial number it is out of range)")
        return (epoch + timedelta(days=int(cell))).date()
    value = cell.strip()
    if value.lower() in NO_DATE_WORDS:
        return None
    if match := _WITH_TIME.fullmatch(value):
        value = match[1] or match[2]  # a date and time as a spreadsheet may write it: the day is what counts
    try:
        found = date_from_text(value)
    except DateError as error:
        raise ValueError(error.reason) from None
    if found is not None:
        return found
    if (match := _MONTH_YEAR.fullmatch(value)) and match[1].lower() in MONTHS:
        year, month = int(match[2]), MONTHS[match[1].lower()]
        try:
            return date(year, month, calendar.monthrange(year, month)[1])
        except ValueError:
            raise ValueError("is not a date") from None
    council = _council_date(value, epoch)
    if council is not None:
        return council
    if re.fullmatch(r"\d+(\.\d+)?", value):
        raise ValueError("is not a date (a number; write dates as 31/03/2020)")
    raise ValueError("is not a date")


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _financial_year(first: str, second: str) -> int | None:
    """The starting year of "2019/20" or "2019/2020", or None if the two years do not follow."""
    start = int(first)
    end = int(second) if len(second) == 4 else (start // 100) * 100 + int(second)
    if len(first) == 2:
        start += 2000
        end = start + 1 if int(second) == (start + 1) % 100 else -1
    return start if end == start + 1 else None


def _council_date(value: str, epoch: datetime) -> date | None:
    """The forms councils write a deadline in: "End of March 2020", "Mar-20" and "Sept 2020"
    (month ends), "Q3 2019/20" (the quarter's end: Q1 ends in June, Q4 in March of the next
    year) and "2020/21" (the financial year's end, 31 March 2021)."""
    if (match := _END_OF.match(value)) and match.end() < len(value):
        try:
            return parse_date(value[match.end() :], epoch)
        except ValueError:
            return None
    if match := _QUARTER.fullmatch(value):
        start = _financial_year(match[2], match[3])
        if start is None:
            return None
        quarter = int(match[1])
        return _month_end(start + 1, 3) if quarter == 4 else _month_end(start, 3 + 3 * quarter)
    if match := _FINANCIAL_YEAR.fullmatch(value):
        start = _financial_year(match[1], match[2])
        return None if start is None else _month_end(start + 1, 3)
    if (match := _MONTH_SHORT_YEAR.fullmatch(value)) and match[1].lower() in MONTHS:
        return _month_end(2000 + int(match[2]), MONTHS[match[1].lower()])
    return None


def parse_rag(cell: Cell) -> Rag | None:
    _refuse_unusable(cell)
    word = words(as_text(cell))
    if word in NO_RAG_WORDS:
        return None
    if word in RAG_WORDS:
        return RAG_WORDS[word]
    parts = [part for part in _RAG_PARTS.split(word) if part]
    if len(parts) >= 2 and all(part in RAG_WORDS for part in parts):
        return min((RAG_WORDS[part] for part in parts), key=WORST_FIRST.index)  # "Amber/Green" is amber
    raise ValueError("is not a RAG rating (use Red, Amber, Green or Blue, or R, A, G, B)")


def noted(name: str, cell: Cell) -> str | None:
    """What a RAG or status cell said beyond the value it is read as, to keep in the update:
    ``"RAG written 'Amber/Green'"``, ``"status written 'Delayed'"``; else None."""
    written = " ".join(as_text(cell).split())
    if name == "rag" and words(written) not in RAG_WORDS and words(written) not in NO_RAG_WORDS:
        return f"RAG written {written!r}"
    if name == "status" and words(written) in NOTED_STATUS_WORDS:
        return f"status written {written!r}"
    return None


def parse_status(cell: Cell) -> Status | None:
    """The status, or None for a blank cell."""
    _refuse_unusable(cell)
    word = words(as_text(cell))
    if word in BLANK_WORDS:
        return None
    try:
        return STATUS_BY_WORD[word]
    except KeyError:
        raise ValueError(
            "is not a status (use Not started, In progress, Complete, Blocked or Cancelled)"
        ) from None


_NOT_PERCENT = "is not a percentage (write 50%, 50 or 0.5)"


def _plain_number(cell: Cell) -> tuple[Decimal, bool] | None:
    """(number, written as a fraction) for a progress cell that is a plain number; else None.

    None for a percentage (``50%`` or a %-formatted cell), a blank and anything not a number."""
    if isinstance(cell, bool | Percent | Unusable) or cell is None:
        return None
    if isinstance(cell, int | float):
        if isinstance(cell, float) and not cell.is_integer():
            return _decimal(cell), True
        return _decimal(cell), False
    if not isinstance(cell, str):
        return None
    value = as_text(cell).strip()
    if value.endswith("%") or value.lower() in BLANK_WORDS:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return (number, "." in value) if number.is_finite() else None


def progress_shares(cells: list[tuple[int, Cell]]) -> tuple[bool, tuple[int, int] | None]:
    """Whether a progress column's plain numbers are shares (1 is 100%), decided for the column.

    They are when one of them is written as a fraction (0.5, 1.0) from 0 to 1 and none is
    above 1. ``cells`` are (row number, cell); the second item is (row of a fraction, row of
    a number above 1) when the column mixes the two, which is an error."""
    fraction_row = above_row = None
    for number, cell in cells:
        found = _plain_number(cell)
        if found is None:
            continue
        value, pointed = found
        if pointed and 0 < value <= 1 and fraction_row is None:
            fraction_row = number
        elif value > 1 and above_row is None:
            above_row = number
    if fraction_row is None:
        return False, None
    if above_row is not None:
        return False, (fraction_row, above_row)
    return True, None


def looks_numeric(text: str) -> bool:
    """Whether text is a number, with or without a percent sign ("50%", "0.5", "150"), right or wrong."""
    try:
        return Decimal(text.strip().removesuffix("%").strip()).is_finite()
    except InvalidOperation:
        return False


def parse_progress(cell: Cell, shares: bool | None = None) -> int:
    """A percentage; ``shares`` says whether plain numbers are shares (None: decide from this cell)."""
    _refuse_unusable(cell)
    if isinstance(cell, bool | date | time | timedelta):
        raise ValueError(_NOT_PERCENT)
    if shares is None:
        shares = progress_shares([(0, cell)])[0]
    if isinstance(cell, Percent):
        number = _decimal(cell.fraction) * 100
    elif isinstance(cell, int | float):
        number = _decimal(cell) * (100 if shares else 1)
    else:
        value = as_text(cell).strip()
        if value.lower() in BLANK_WORDS:
            return 0
        try:
            number = Decimal(value.removesuffix("%").strip())
        except InvalidOperation:
            raise ValueError(_NOT_PERCENT) from None
        if not number.is_finite():
            raise ValueError(_NOT_PERCENT)
        if shares and not value.endswith("%"):
            number *= 100
    whole = int(number.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if not 0 <= whole <= 100:
        raise ValueError("is not between 0% and 100%")
    return whole


def parse_recommendations(cell: Cell) -> list[int]:
    _refuse_unusable(cell)
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        if isinstance(cell, float) and not cell.is_integer():
            raise ValueError("is not a list of recommendation numbers (write 2, 5 or 1-17)")
        cell = str(int(cell))
    value = as_text(cell).strip()
    if value.lower() in BLANK_WORDS:
        return []
    value = _REC_JOINS.sub(",", _REC_WORDS.sub("", value)).strip(" ,")
    numbers: list[int] = []
    for token in re.split(r"[,;\s]+", _SPACED_DASH.sub("-", value)):
        if not token:
            continue
        if token.isdigit():
            numbers.append(int(token))
        elif (match := _RANGE.fullmatch(token)) and int(match[1]) <= int(match[2]):
            if int(match[2]) > 999:
                raise ValueError(f"has a range {token} beyond recommendation 999")
            numbers.extend(range(int(match[1]), int(match[2]) + 1))
        else:
            raise ValueError("is not a list of recommendation numbers (write 2, 5 or 1-17)")
    repeated = sorted(n for n, count in Counter(numbers).items() if count > 1)
    if repeated:
        raise ValueError(f"lists recommendation {repeated[0]} twice")
    if any(not 1 <= n <= 999 for n in numbers):
        raise ValueError("has a recommendation number outside 1-999")
    return sorted(numbers)


def parse_exported_update(value: str) -> tuple[date, str, str] | None:
    """``"2019-09-26 Author: text"`` as the export writes an action's latest update, else None."""
    match = _EXPORTED_UPDATE.fullmatch(value)
    if match is None:
        return None
    quoted, plain, text = match[2], match[3], match[4]
    author = quoted.replace('""', '"') if quoted is not None else plain
    try:
        return date.fromisoformat(match[1]), author.strip(), text.strip()
    except ValueError:
        return None
