"""Turning pydantic's errors into lines a person can act on: where, what, why."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError


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


def describe_errors(error: ValidationError, prefix: str = "") -> list[str]:
    """One line per problem: ``"plan.actions[3].due_on: Input should be a valid date (got 'soon')"``."""
    lines = []
    for detail in error.errors(include_url=False):
        where = location_text(tuple(detail["loc"]), prefix) or prefix or "(top level)"
        message = str(detail["msg"]).removeprefix("Value error, ")
        if detail["type"] in {"missing"}:
            lines.append(f"{where}: required field is missing")
        elif detail["type"] == "extra_forbidden":
            lines.append(f"{where}: unknown field (check its spelling)")
        elif detail["type"] == "string_too_long" and isinstance(detail.get("input"), str):
            limit = (detail.get("ctx") or {}).get("max_length")
            most = f"; at most {limit:,} are allowed" if isinstance(limit, int) else ""
            lines.append(f"{where}: {len(detail['input']):,} characters is too long{most}")
        elif "input" in detail and not isinstance(detail["input"], dict | list):
            lines.append(f"{where}: {message} (got {_short(detail['input'])})")
        else:
            lines.append(f"{where}: {message}")
    return lines
