"""Dates as people type them: the one parser behind every form, command and tracker import.

Accepted everywhere:

- ISO: ``2019-10-03`` (and ``2019/10/03``, year first);
- UK, day first: ``03/10/2019``, ``3/10/2019``, ``3.10.2019`` and two-digit years ``3/10/19``
  (meaning 2019: the years of an improvement plan are this century);
- the day, the month's name and the year: ``31 March 2020``, ``31 Mar 2020``, ``31-Mar-2020``,
  ``1st April 2020``, as spreadsheets and papers write them.

A day written month first (``12/31/2019``) is refused with a message saying the day comes
first, rather than read as some other day. The tracker importer reads a little more
(Excel date cells, "March 2020" meaning the end of that month): see
:mod:`store.importers.values`, which uses this module for every date written as text.

Plain Python (no pydantic), so the command line can use it before anything heavy is loaded.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

FORMS = "2019-10-03 or 03/10/2019"
"""How the messages tell people to write a date."""

MONTHS = {
    name.lower(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
} | {"sept": 9}
"""Month names and abbreviations in lower case, "sept" too."""

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_YMD_SLASH = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})")
_DMY = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4}|\d{2})")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?[ \-]([A-Za-z]+)\.?,?[ \-](\d{4}|\d{2})")

NOT_A_DATE = "is not a date"
MONTH_FIRST = "is not a date (write dates day first: 31/03/2020)"


class DateError(ValueError):
    """Text that is not a date. ``str()`` is a whole sentence for a person; ``reason`` completes
    the sentence "'31/02/2020' …" for messages that name the place first (an import's row)."""

    def __init__(self, text: str, reason: str) -> None:
        self.text = text
        self.reason = reason
        if not text.strip():
            message = f"a date is needed; write {FORMS}"
        elif reason == NOT_A_DATE:
            message = f"{text!r} {reason}; write {FORMS}"
        else:
            message = f"{text!r} {reason}"
        super().__init__(message)


def _day(year: int, month: int, day: int) -> date:
    return date(year + 2000 if year < 100 else year, month, day)


def date_from_text(text: str) -> date | None:
    """The day ``text`` writes in one of the accepted forms; ``None`` when it is in none of them.

    Raises :class:`DateError` when it has the shape of a date but is no day (``31/02/2020``,
    ``2019-13-01``) or is written month first (``12/31/2019``).
    """
    value = text.strip()
    try:
        if match := _ISO.fullmatch(value) or _YMD_SLASH.fullmatch(value):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _DMY.fullmatch(value):
            if int(match[2]) > 12 >= int(match[1]):
                raise DateError(value, MONTH_FIRST)
            return _day(int(match[3]), int(match[2]), int(match[1]))
        if (match := _DAY_MONTH_YEAR.fullmatch(value)) and match[2].lower() in MONTHS:
            return _day(int(match[3]), MONTHS[match[2].lower()], int(match[1]))
    except DateError:
        raise
    except ValueError:
        raise DateError(value, NOT_A_DATE) from None
    return None


def parse_date(text: str) -> date:
    """A typed date (see the module's list of forms); :class:`DateError` (a ``ValueError``)
    with a message for the person who typed it otherwise, e.g.
    "'30/02/2020' is not a date; write 2019-10-03 or 03/10/2019"."""
    found = date_from_text(text)
    if found is None:
        raise DateError(text.strip(), NOT_A_DATE)
    return found


def parse_optional_date(text: str) -> date | None:
    """As :func:`parse_date`, except that blank text is no date (``None``)."""
    return None if not text.strip() else parse_date(text)


def duration_words(days: int) -> str:
    """A number of days as people say it: "3 days", "5 weeks", "7 months", "2 years"
    (lateness reads this way, never "2636d")."""
    if days < 14:
        amount, unit = days, "day"
    elif days < 61:
        amount, unit = days // 7, "week"
    elif days < 730:
        amount, unit = round(days / 30.44), "month"
    else:
        amount, unit = days // 365, "year"
    return f"{amount} {unit}{'' if amount == 1 else 's'}"


def assessed_on(chosen: date | None, reported_on: date | None, today: date) -> tuple[date, str]:
    """The day to assess a plan against, and why: the day asked for ("chosen"), else the day
    the plan's figures were reported ("reported", so a sample opens inside its own period
    rather than years late), else ``today`` ("today")."""
    if chosen is not None:
        return chosen, "chosen"
    if reported_on is not None:
        return reported_on, "reported"
    return today, "today"
