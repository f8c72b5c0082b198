"""Turning pydantic's errors into lines a person can act on: where, what, why."""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from store.labels import in_words


def location_text(loc: tuple[int | str, ...], prefix: str = "") -> str:
    """``("actions", 3, "due_on")`` -> ``"actions[3].due_on"``."""
    text = prefix
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text and not text.endswith(" ") else str(part)
    return text


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


DATE_HINT = "write it as 30/11/2019 or 2019-11-30"


def allowed_characters(pattern: str) -> str:
    """What a ref or id pattern such as ``^[A-Za-z0-9][A-Za-z0-9_.\\-/]{0,31}$`` allows, in words."""
    letters = "letters" if "A-Z" in pattern else "lower-case letters"
    marks = [mark for mark in "-_./" if mark in pattern.replace("\\-", "-")]
    longest = re.search(r"\{0,(\d+)\}\$$", pattern)
    most = f", at most {int(longest.group(1)) + 1} characters" if longest else ""
    others = f", digits and {' '.join(marks)}" if marks else " and digits"
    return f"use {letters}{others}, starting with a letter or digit{most} (no spaces)"


def plain_message(detail: Any) -> str:
    """One pydantic error put as a person would say it, with how to put it right."""
    kind = detail["type"]
    given = detail.get("input")
    context = detail.get("ctx") or {}
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field (check its spelling)"
    if kind == "string_too_long" and isinstance(given, str):
        limit = context.get("max_length")
        most = f"; at most {limit:,} are allowed" if isinstance(limit, int) else ""
        return f"{len(given):,} characters is too long{most}"
    if kind in ("string_too_short", "too_short") and given in ("", [], None):
        return "cannot be empty"
    if kind == "string_pattern_mismatch":
        rule = allowed_characters(str(context.get("pattern", "")))
        return (
            f"cannot be empty: {rule}" if not str(given).strip() else f"{_short(given)} will not do: {rule}"
        )
    if kind == "enum":
        expected = str(context.get("expected", "")).replace("_", " ")
        return f"{_short(given)} is not one of {expected}"
    if kind in ("less_than_equal", "less_than"):
        return f"{given} is more than {context.get('le', context.get('lt'))}, the most allowed"
    if kind in ("greater_than_equal", "greater_than"):
        return f"{given} is less than {context.get('ge', context.get('gt'))}, the least allowed"
    if kind.startswith("date"):
        return f"{_short(given)} is not a date: {DATE_HINT}"
    if kind.startswith("int"):
        return f"{_short(given)} is not a whole number"
    if kind.startswith(("decimal", "float")):
        return f"{_short(given)} is not a number"
    message = in_words(str(detail["msg"]).removeprefix("Value error, "))
    if "input" in detail and not isinstance(given, dict | list) and detail["loc"] != ():
        return f"{message} (got {_short(given)})"
    return message


def describe_errors(error: ValidationError, prefix: str = "") -> list[str]:
    """One line per problem, in plain words with how to fix it, e.g.
    ``"plan.actions[3].progress: 150 is more than 100, the most allowed"``. A rule over several
    fields (a due date before the start) is put under the first field it names:
    ``"due_on: due date 2019-01-01 is before start date 2019-02-01"``."""
    lines = []
    for detail in error.errors(include_url=False):
        loc = tuple(detail["loc"])
        message = str(detail["msg"]).removeprefix("Value error, ")
        named = re.match(r"(?:\w+ )?([a-z]+_[a-z_]+)\b", message) if not loc else None
        if named is not None:
            loc = (named.group(1),)
        where = location_text(loc, prefix) or prefix or "(top level)"
        lines.append(f"{where}: {plain_message(detail)}")
    return lines
