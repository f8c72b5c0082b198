"""One date parser: forms, commands and the tracker importer read typed dates alike."""

from __future__ import annotations

import argparse
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from store.dates import DateError, date_from_text, parse_date, parse_optional_date
from store.importers import values
from tui.cli import common as cli_common
from tui.screens.action_form import parse_day

EPOCH = datetime(1899, 12, 30)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


def written(day: date) -> list[str]:
    """Every way the README and the importer promise a day may be written."""
    return [
        day.isoformat(),
        f"{day:%d/%m/%Y}",
        f"{day.day}/{day.month}/{day.year}",
        f"{day:%d/%m/%y}",
        f"{day.day} {day:%B %Y}",
        f"{day.day} {day:%b %Y}",
        f"{day:%d-%b-%Y}",
    ]


@given(days)
def test_every_form_of_a_day_reads_back_as_that_day_everywhere(day: date) -> None:
    for text in written(day):
        assert parse_date(text) == day, text
        assert parse_day(text) == day, text
        assert cli_common.parse_date(text) == day, text
        assert values.parse_date(text, EPOCH) == day, text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019-10-03", date(2019, 10, 3)),
        ("03/10/2019", date(2019, 10, 3)),
        ("3/10/2019", date(2019, 10, 3)),
        ("30/11/2019", date(2019, 11, 30)),
        ("  30/11/2019 ", date(2019, 11, 30)),
        ("3.10.2019", date(2019, 10, 3)),
        ("3/10/19", date(2019, 10, 3)),
        ("2019/10/03", date(2019, 10, 3)),
        ("31 March 2020", date(2020, 3, 31)),
        ("31 Mar 2020", date(2020, 3, 31)),
        ("1st April 2020", date(2020, 4, 1)),
        ("31-Mar-2020", date(2020, 3, 31)),
        ("29/02/2020", date(2020, 2, 29)),
    ],
)
def test_accepted_forms(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("31/02/2020", "'31/02/2020' is not a date; write 2019-10-03 or 03/10/2019"),
        ("29/02/2019", "'29/02/2019' is not a date; write 2019-10-03 or 03/10/2019"),
        ("2019-13-01", "'2019-13-01' is not a date; write 2019-10-03 or 03/10/2019"),
        ("12/31/2019", "'12/31/2019' is not a date (write dates day first: 31/03/2020)"),
        ("soon", "'soon' is not a date; write 2019-10-03 or 03/10/2019"),
        ("31 Smarch 2020", "'31 Smarch 2020' is not a date; write 2019-10-03 or 03/10/2019"),
        ("3/10", "'3/10' is not a date; write 2019-10-03 or 03/10/2019"),
        ("20191003", "'20191003' is not a date; write 2019-10-03 or 03/10/2019"),
        ("", "a date is needed; write 2019-10-03 or 03/10/2019"),
        ("  ", "a date is needed; write 2019-10-03 or 03/10/2019"),
    ],
)
def test_refusals_say_why_and_how_to_write_it(text: str, message: str) -> None:
    with pytest.raises(DateError) as caught:
        parse_date(text)
    assert str(caught.value) == message
    assert isinstance(caught.value, ValueError)
    with pytest.raises(argparse.ArgumentTypeError) as refused:
        cli_common.parse_date(text)
    assert str(refused.value) == message


def test_blank_is_no_date_only_where_a_date_is_optional() -> None:
    assert parse_optional_date("") is None
    assert parse_optional_date("   ") is None
    assert parse_day("") is None
    with pytest.raises(ValueError, match="write 2019-10-03 or 03/10/2019"):
        parse_day("31/02/2020")


def test_shapes_that_are_no_date_are_none_for_the_importer_to_try_further() -> None:
    assert date_from_text("March 2020") is None
    assert parse_optional_date("12 March 2020") == date(2020, 3, 12)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("31/02/2020", "is not a date"),
        ("03/31/2020", "is not a date (write dates day first: 31/03/2020)"),
        ("soon", "is not a date"),
        ("Smarch 2020", "is not a date"),
        ("45", "is not a date (a number; write dates as 31/03/2020)"),
    ],
)
def test_the_importer_keeps_its_sentence_completing_reasons(text: str, reason: str) -> None:
    with pytest.raises(ValueError) as caught:
        values.parse_date(text, EPOCH)
    assert str(caught.value) == reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("March 2020", date(2020, 3, 31)),
        ("Feb 2020", date(2020, 2, 29)),
        ("2020-03-31T10:15:00", date(2020, 3, 31)),
        ("2020-03-31 00:00", date(2020, 3, 31)),
        ("31/03/2020 00:00", date(2020, 3, 31)),
        ("31/03/2020 0:00:00", date(2020, 3, 31)),
        ("TBC", None),
    ],
)
def test_the_importer_reads_a_little_more(text: str, expected: date | None) -> None:
    assert values.parse_date(text, EPOCH) == expected
