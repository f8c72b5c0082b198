"""The next free identifier of a kind: ``S31`` after ``S30``, ``R0004`` after ``R0003``.

One rule for every id the application suggests (spend entries, allocations, review
sessions, recommendation numbers): one more than the largest number already used with that
prefix, so an id that was removed is never handed out again while a later one exists, and
ids written by hand in another style (``BBU-1920-INV``) are simply left out of the count.
"""

from __future__ import annotations

from collections.abc import Iterable


def next_number(numbers: Iterable[int]) -> int:
    """One more than the largest of ``numbers``; 1 when there are none."""
    return max(numbers, default=0) + 1


def next_id(prefix: str, existing: Iterable[str], width: int = 1) -> str:
    """``prefix`` and one more than the largest number after ``prefix`` among ``existing``,
    zero-padded to ``width`` digits: ``next_id("S", ["S1", "S7", "A9"])`` is ``"S8"``."""
    numbers = (
        int(rest)
        for identifier in existing
        if identifier.startswith(prefix) and (rest := identifier[len(prefix) :]).isascii() and rest.isdigit()
    )
    return f"{prefix}{next_number(numbers):0{width}d}"
