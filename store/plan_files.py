"""Reading and writing native plan files (``{"format": "ipt-plan", ...}``).

A plan file is validated whole before anything is written anywhere; every problem is
reported with its path inside the file, e.g. ``plan.actions[3].due_on``.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import NoReturn

import orjson
from pydantic import ValidationError

from store.models import SCHEMA_VERSION, Plan, PlanFile
from store.safe_files import open_regular_file, read_regular_file
from store.storage import write_atomically
from store.validation import describe_errors

MAX_PLAN_FILE_BYTES = 200 * 1024 * 1024
"""Larger files are refused before they are read (a 10,000-action plan is about 6 MB)."""


class PlanFileError(Exception):
    """A plan file that cannot be used, with every problem listed."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        listed = "\n".join(f"  - {problem}" for problem in problems[:100])
        more = f"\n  … and {len(problems) - 100} more" if len(problems) > 100 else ""
        super().__init__(f"{path}: not a valid plan file ({len(problems)} problem(s)):\n{listed}{more}")
        self.path = path
        self.problems = problems


def looks_like_plan_file(path: Path) -> bool:
    """Whether ``path`` announces itself as a plan file in its first bytes.

    Something there that is not a regular file (a folder, a FIFO, a device) is refused with
    :class:`~store.errors.UnsafePath` rather than read, so a pipe never blocks."""
    try:
        fd, _ = open_regular_file(path, what="file")
    except OSError:
        return False
    try:
        head = os.read(fd, 4096)
    except OSError:
        return False
    finally:
        os.close(fd)
    return b'"ipt-plan"' in head or b'"format"' in head


def parse_plan_file(path: Path, raw: bytes) -> PlanFile:
    """Validate the bytes of a plan file, raising :class:`PlanFileError` with every problem."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        document = _with_huge_numbers_as_text(raw, error)
        if document is None:
            raise PlanFileError(path, [f"not valid JSON: {error}"]) from None
    if not isinstance(document, dict):
        raise PlanFileError(path, [f"the top level must be an object, not a {type(document).__name__}"])
    if document.get("format") != "ipt-plan":
        raise PlanFileError(path, ['format: must be "ipt-plan" (is this an ipt plan file?)'])
    version = document.get("schema_version")
    if isinstance(version, int) and version > SCHEMA_VERSION:
        raise PlanFileError(
            path, [f"schema_version: {version} is newer than this ipt understands ({SCHEMA_VERSION})"]
        )
    try:
        return PlanFile.model_validate(document)
    except ValidationError as error:
        raise PlanFileError(path, describe_errors(error)) from None


def _with_huge_numbers_as_text(raw: bytes, error: orjson.JSONDecodeError) -> object | None:
    """The document again when orjson refused it only for a number too large for a float
    (``1e400``), with each such number kept as its text, so validation names the field it
    is in; None for any other fault."""
    if "number is infinity" not in str(error):
        return None

    def number(text: str) -> float | str:
        value = float(text)  # ok: as orjson reads a JSON number; the model refuses a float as money
        return value if math.isfinite(value) else text

    def constant(text: str) -> NoReturn:
        raise ValueError(f"{text} is not JSON")

    try:
        document = json.loads(raw, parse_float=number, parse_constant=constant)
        orjson.dumps(document)  # what orjson would refuse besides (a lone surrogate) is refused
    except (ValueError, RecursionError, TypeError, orjson.JSONEncodeError):
        return None
    return document  # type: ignore[no-any-return]


def read_plan_file(path: Path) -> PlanFile:
    """Read and validate a plan file. Anything but a regular file of at most
    :data:`MAX_PLAN_FILE_BYTES` is refused (:class:`~store.errors.UnsafePath`) unread."""
    try:
        raw = read_regular_file(path, limit=MAX_PLAN_FILE_BYTES, what="plan file")
    except OSError as error:
        raise PlanFileError(path, [error.strerror or str(error)]) from None
    return parse_plan_file(path, raw)


def plan_file_bytes(plan: Plan) -> bytes:
    """A plan as native plan-file JSON (indented, stable key order, trailing newline)."""
    document = PlanFile(plan=plan).model_dump(mode="json")
    return orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"


def write_plan_file(plan: Plan, path: Path) -> None:
    write_atomically(path, plan_file_bytes(plan))
