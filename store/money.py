"""Exact money and UK financial years.

Money is a :class:`~decimal.Decimal` in pounds with at most two decimal places. It is
stored as a string (``"12181000.00"``) so no float ever touches it. Financial years
are written ``"2019/20"`` and run from 1 April to 31 March.

Plain Python: the UI formats figures with it before pydantic is loaded. The pydantic field
types built on it (``Money``, ``FinancialYear``) are in :mod:`store.models`.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

PENNY = Decimal("0.01")
ZERO = Decimal("0.00")
MONEY_LIMIT = Decimal(10) ** 15
"""Amounts are below a thousand million million pounds, so totals stay exact in Decimal's
28 digits and pence can always be shown."""


_AMOUNT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
"""Pounds as people write them once ``£``, commas and brackets are taken off: ``-1234.5``.
No exponent (``1e5``): it hides how many pence were meant and ``1e400`` is no sum of money."""


def _not_an_amount(value: str, text: str) -> str:
    """Why ``value`` (``text`` once cleaned) is refused: infinity and NaN are named as such."""
    try:
        special = not Decimal(text).is_finite()
    except InvalidOperation:
        special = False
    if special:
        return f"{value!r} is not a finite amount of money"
    return f"{value!r} is not an amount of money; write pounds and pence, such as 12500.00"


def parse_money(value: Any) -> Decimal:
    """Turn a stored or typed amount into an exact ``Decimal`` of pounds.

    Accepts ``Decimal``, ``int`` and strings such as ``"1,234.50"``, ``"£1,234.50"`` and
    ``"(329)"``; ``"£924k"`` is *not* accepted: units are the caller's business. Floats are
    refused because they cannot say whether ``0.1`` meant ten pence exactly; so are infinity,
    NaN, exponents (``1e400``), fractions of a penny and amounts of :data:`MONEY_LIMIT` or
    more. Every refusal is a ``ValueError`` whose message can be shown beside the field.
    """
    if isinstance(value, bool):
        raise ValueError("money must be an amount, not true/false")
    if isinstance(value, float):
        raise ValueError(
            f'money must be written as a string such as "{value:.2f}", not a float '
            "(floats cannot hold pence exactly)"
        )
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        amount = value
    elif isinstance(value, str):
        text = value.strip().replace(",", "").removeprefix("£")
        if text.startswith("(") and text.endswith(")"):
            text = "-" + text[1:-1]
        if _AMOUNT.fullmatch(text) is None:
            raise ValueError(_not_an_amount(value, text))
        amount = Decimal(text)
    else:
        raise ValueError(f"money must be a string or whole number, not {type(value).__name__}")
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not a finite amount of money")
    if abs(amount) >= MONEY_LIMIT:
        raise ValueError(
            f"{value!r} is too large an amount of money (amounts must be under £{MONEY_LIMIT:,})"
        )
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and amount != amount.quantize(PENNY):
        raise ValueError(f"{value!r} has more than two decimal places (pence are the smallest unit)")
    return amount.quantize(PENNY)


def money_text(amount: Decimal) -> str:
    """The stored form of an amount: plain pounds with exactly two decimals."""
    return f"{amount.quantize(PENNY):f}"


def to_pence(amount: Decimal) -> int:
    """Whole pence in ``amount``."""
    return int(amount.quantize(PENNY) * 100)


def format_thousands(amount: Decimal) -> str:
    """Council style £000: ``Decimal("-329000")`` -> ``"(329)"``; zero -> ``"-"``."""
    # Halves round up, as councils round: £2,500 shows as 3.
    thousands = (amount / 1000).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    if thousands == 0:
        return "-"
    text = f"{abs(thousands):,}"
    return f"({text})" if thousands < 0 else text


def format_pounds(amount: Decimal) -> str:
    """Full pounds for detail views: ``£1,234.50``; negatives in brackets."""
    text = f"£{abs(amount.quantize(PENNY)):,.2f}"
    return f"({text})" if amount < 0 else text


_FY_PATTERN = re.compile(r"^(\d{4})/(\d{2})$")


def parse_financial_year(value: Any) -> str:
    """Check a financial year label such as ``"2019/20"`` (consecutive years)."""
    if not isinstance(value, str):
        raise ValueError(f'a financial year is written like "2019/20", not {value!r}')
    match = _FY_PATTERN.match(value.strip())
    if match is None:
        raise ValueError(f'{value!r} is not a financial year; write it like "2019/20"')
    start, end = int(match.group(1)), int(match.group(2))
    if (start + 1) % 100 != end:
        raise ValueError(
            f"{value!r} is not a financial year: {start} must be followed by "
            f"{(start + 1) % 100:02d}, not {end:02d}"
        )
    return value.strip()


def financial_year_of(day: date) -> str:
    """The financial year containing ``day``: 31 March 2020 is in ``"2019/20"``."""
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def financial_year_bounds(label: str) -> tuple[date, date]:
    """First and last day of a financial year label."""
    start = int(parse_financial_year(label)[:4])
    return date(start, 4, 1), date(start + 1, 3, 31)
