"""Reading an untrusted tracker file into rows of cells, refusing what is unsafe or unreadable.

Limits, checked before anything is parsed:

- the file may be at most :data:`MAX_FILE_BYTES` (20 MiB); larger files are refused unread;
- an XLSX workbook is checked from its zip directory before openpyxl opens it: at most
  :data:`MAX_MEMBERS` members, :data:`MAX_UNCOMPRESSED_BYTES` (200 MiB) uncompressed in all,
  and no member over 1 MiB may expand more than :data:`MAX_RATIO` (100:1) — a zip bomb;
  encrypted members, unusual compression and macros (``xl/vbaProject.bin``) are refused;
- XML is parsed through defusedxml (openpyxl uses it when installed; this is asserted), so a
  workbook whose XML declares entities (an entity-expansion bomb) is refused;
- rows beyond Excel's 1,048,576 and columns beyond :data:`MAX_COLUMNS` are not read.

``.xls``, ``.xlsm``, ``.xlsb`` and password-protected workbooks (an encrypted OLE container,
``D0 CF 11 E0``) are refused with a message saying what to do instead.

CSV text is decoded as UTF-8 with a byte-order mark, else UTF-8, else Windows-1252 (what
Excel writes in the UK). A byte that is in none of them, or a file that mixes UTF-8 with
another encoding, is an error naming the row, column and byte offset: characters are never
guessed at or replaced.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import warnings
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, NoReturn

from store.errors import UnsafePath
from store.importers.colours import (
    DEFAULT_REFERENCES,
    RGB,
    fill_colour,
    key_colours,
    nearest_rag,
    theme_palette,
)
from store.importers.problems import TrackerError, TrackerIssue
from store.safe_files import open_regular_file, read_fd

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 100
RATIO_CHECKED_ABOVE = 1024 * 1024
"""Members smaller than this uncompressed cannot do harm whatever their ratio."""
MAX_MEMBERS = 10_000
MAX_ROW_NUMBER = 1_048_576
MAX_COLUMNS = 256

OLE_MAGIC = b"\xd0\xcf\x11\xe0"
REFUSED_SUFFIXES = {
    ".xls": "is an Excel 97-2003 workbook (.xls); open it in Excel and save it as .xlsx or CSV",
    ".xlsm": "is a macro-enabled workbook (.xlsm), which is not accepted; save it as .xlsx or CSV",
    ".xlsb": "is a binary workbook (.xlsb), which is not accepted; save it as .xlsx or CSV",
    ".xltm": "is a macro-enabled template, which is not accepted; save it as .xlsx or CSV",
}
CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
_UTF8_MULTIBYTE = (
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
UTF8_MULTIBYTE = re.compile(_UTF8_MULTIBYTE)
NEXT_INVALID_UTF8 = re.compile(rb"(?:[\x00-\x7f]|" + _UTF8_MULTIBYTE + rb")*+(.)", re.DOTALL)
ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


@dataclass(frozen=True, slots=True)
class Unusable:
    """A cell whose value cannot be used (an Excel error, a formula never calculated)."""

    shown: str
    why: str


@dataclass(frozen=True, slots=True)
class Percent:
    """A number from a cell formatted as a percentage: 0.5 is shown as 50%."""

    fraction: float


Cell = str | int | float | bool | datetime | date | time | timedelta | Percent | Unusable | None


@dataclass(slots=True)
class Sheet:
    """The non-blank rows of one sheet, each with its row number as the spreadsheet shows it."""

    rows: list[tuple[int, list[Cell]]]
    source: str
    """What was read, e.g. "CSV (Windows-1252)" or "XLSX sheet 'Actions'"."""
    epoch: datetime = datetime(1899, 12, 30)
    """Day zero of the workbook's serial dates (XLSX only)."""
    hidden_columns: set[int] = field(default_factory=set)
    """Positions (0 is column A) of the columns hidden in the workbook (XLSX only)."""
    hidden_rows: set[int] = field(default_factory=set)
    """Numbers of the rows hidden in the workbook (XLSX only)."""
    fills: dict[tuple[int, int], str] = field(default_factory=dict)
    """(row number, position) -> the RAG ("red", …) a blank cell's fill colour is nearest to."""
    key: dict[str, RGB] = field(default_factory=dict)
    """The workbook's RAG key, {rag: colour}, when it has one; else the standard colours were used."""
    name: str | None = None
    """The worksheet's name (XLSX only)."""
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    """Merged ranges as (first row, first position, last row, last position) (XLSX only)."""
    filled: set[tuple[int, int]] = field(default_factory=set)
    """(row number, position) of the non-blank cells with a solid, non-white fill (XLSX only)."""


HeaderScore = Callable[[Sequence[tuple[int, Sequence[Cell]]]], int]
"""How well a sheet's first rows look like a tracker's header (higher is better)."""
PREVIEW_ROWS = 30
"""How many rows of each worksheet are looked at to choose the one holding the tracker."""


def fail(path: Path, why: str, row: int | None = None) -> NoReturn:
    raise TrackerError(path, [TrackerIssue(row, None, None, why)])


def is_blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def column_letter(position: int) -> str:
    """0 -> "A", 26 -> "AA"."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def read_sheet(path: Path, *, sheet: str | None = None, score: HeaderScore | None = None) -> Sheet:
    """The rows of a .csv or .xlsx tracker, after every safety check.

    For a workbook, ``sheet`` names the worksheet (any case); else the one whose first rows
    ``score`` best (ties: one named "Actions", else the first) is read."""
    suffix = path.suffix.lower()
    if suffix in REFUSED_SUFFIXES:
        fail(path, f"the file {REFUSED_SUFFIXES[suffix]}")
    if suffix not in {".csv", ".xlsx"}:
        fail(path, "only .xlsx workbooks and .csv files can be imported as trackers")
    raw = read_bounded(path)
    if suffix == ".csv":
        if sheet is not None:
            fail(path, "is a CSV file, which has no sheets; --sheet is only for .xlsx workbooks")
        return read_csv(path, raw)
    return read_xlsx(path, raw, sheet, score)


def read_bounded(path: Path) -> bytes:
    """The file's bytes, refusing anything but a regular file of at most MAX_FILE_BYTES.

    The file is opened without blocking and checked on the open descriptor, so a FIFO (or
    a file swapped for one after a check) is refused, never waited on."""
    try:
        fd, info = open_regular_file(path, what="tracker")
    except UnsafePath:
        fail(path, "is not a regular file")
    except OSError as error:
        fail(path, f"cannot be read: {error.strerror or error}")
    try:
        if info.st_size > MAX_FILE_BYTES:
            fail(path, f"the file is {info.st_size:,} bytes; trackers may be at most {MAX_FILE_BYTES:,}")
        raw = read_fd(fd, MAX_FILE_BYTES)
    except OSError as error:
        fail(path, f"cannot be read: {error.strerror or error}")
    finally:
        os.close(fd)
    if len(raw) > MAX_FILE_BYTES:
        fail(path, f"the file grew past {MAX_FILE_BYTES:,} bytes while it was read")
    return raw


# CSV ---------------------------------------------------------------------------------------


def invalid_utf8_offsets(raw: bytes, start: int = 0) -> list[int]:
    """Offsets of the bytes that are not part of a well-formed UTF-8 character."""
    offsets, position = [], start
    while (found := NEXT_INVALID_UTF8.match(raw, position)) is not None:
        offsets.append(found.start(1))
        position = found.end()
    return offsets


def decode_csv(raw: bytes) -> tuple[str, str, list[int], str]:
    """(text, encoding label, offsets of bad bytes, why they are bad).

    Bad bytes are kept in the text as lone surrogates (``surrogateescape``), one per byte,
    so each can be traced to its row and column.
    """
    if raw.startswith(codecs.BOM_UTF8):
        bad = invalid_utf8_offsets(raw, 3)
        why = "is not valid UTF-8, though the file starts with a UTF-8 byte-order mark"
        return raw[3:].decode("utf-8", "surrogateescape"), "UTF-8 with BOM", bad, why
    try:
        return raw.decode("utf-8"), "UTF-8", [], ""
    except UnicodeDecodeError:
        pass
    if UTF8_MULTIBYTE.search(raw):
        why = "is not valid UTF-8, but other characters in the file are: it mixes encodings"
        return raw.decode("utf-8", "surrogateescape"), "UTF-8", invalid_utf8_offsets(raw), why
    bad = [found.start() for found in CP1252_UNDEFINED.finditer(raw)]
    why = "is not a character in UTF-8 or in Windows-1252"
    return raw.decode("cp1252", "surrogateescape"), "Windows-1252", bad, why


def sniff_delimiter(text: str) -> str:
    """Comma unless the header line has more semicolons or tabs (as some locales write)."""
    first = text.split("\n", 1)[0]
    return max((",", ";", "\t"), key=lambda mark: (first.count(mark), mark == ","))


def read_csv(path: Path, raw: bytes) -> Sheet:
    if raw.startswith((OLE_MAGIC, b"PK\x03\x04")):
        fail(path, "looks like an Excel workbook, not CSV text; save it as .xlsx or as CSV")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        fail(path, "is UTF-16 text (Excel's 'Unicode Text'); save it as 'CSV UTF-8' instead")
    text, encoding, bad, why = decode_csv(raw)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    rows: list[tuple[int, list[Cell]]] = []
    problems: list[TrackerIssue] = []
    header: list[str] | None = None
    number = 0
    try:
        for record in reader:
            number += 1
            if number > MAX_ROW_NUMBER:
                fail(path, f"has more than {MAX_ROW_NUMBER:,} rows", number)
            if bad and len(problems) < len(bad):
                for position, cell in enumerate(record):
                    for _ in ESCAPED_BYTE.finditer(cell):
                        offset = bad[len(problems)]
                        label = header[position] if header and position < len(header) else None
                        column = (label or "").strip() or column_letter(position)
                        problems.append(
                            TrackerIssue(
                                number, column, None, f"byte 0x{raw[offset]:02X} at offset {offset} {why}"
                            )
                        )
            if any(cell.strip() for cell in record):
                header = header or record
                rows.append((number, list(record)))
    except csv.Error as error:
        fail(path, f"is not readable as CSV: {error}", number + 1)
    if problems:
        raise TrackerError(path, problems)
    return Sheet(rows, f"CSV ({encoding})")


# XLSX --------------------------------------------------------------------------------------


def check_zip(path: Path, raw: bytes) -> None:
    """Refuse a workbook whose zip directory promises too much, before any of it is inflated."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        fail(path, f"is not a readable .xlsx workbook ({error})")
    with archive:
        members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        fail(path, f"the workbook has {len(members):,} parts; at most {MAX_MEMBERS:,} are accepted")
    total = 0
    for member in members:
        total += member.file_size
        if member.flag_bits & 0x1:
            fail(path, f"part {member.filename!r} is encrypted; remove the workbook's password")
        if member.compress_type not in {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}:
            fail(path, f"part {member.filename!r} uses an unusual compression; save the workbook again")
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_CHECKED_ABOVE and ratio > MAX_RATIO:
            fail(
                path,
                f"part {member.filename!r} would expand {ratio:,.0f} times (to {member.file_size:,} "
                f"bytes); at most {MAX_RATIO}:1 is accepted (a zip bomb?)",
            )
        if member.filename.lower() == "xl/vbaproject.bin":
            fail(path, "the workbook contains macros, which are not accepted; save it as a plain .xlsx")
    if total > MAX_UNCOMPRESSED_BYTES:
        fail(
            path,
            f"the workbook would expand to {total:,} bytes; at most {MAX_UNCOMPRESSED_BYTES:,} "
            "are accepted (a zip bomb?)",
        )


def read_xlsx(path: Path, raw: bytes, name: str | None = None, score: HeaderScore | None = None) -> Sheet:
    if raw.startswith(OLE_MAGIC):
        fail(
            path,
            "is a password-protected (encrypted) workbook or an old .xls renamed; remove the "
            "password (File > Info > Protect Workbook) and save it as .xlsx",
        )
    if not raw.startswith(b"PK"):
        fail(path, "is not an .xlsx workbook (it is not a zip archive)")
    check_zip(path, raw)
    import openpyxl
    from defusedxml import DefusedXmlException

    if not openpyxl.DEFUSEDXML:
        fail(path, "XLSX files are read only with defusedxml protection (is OPENPYXL_DEFUSEDXML off?)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _load(path, raw, name, score)
    except TrackerError:
        raise
    except Exception as error:  # openpyxl raises many kinds on a malformed file, and wraps some
        cause: BaseException | None = error
        while cause is not None:
            if isinstance(cause, DefusedXmlException):
                fail(path, "the workbook's XML declares entities, which are refused (an XML bomb?)")
            cause = cause.__cause__ or cause.__context__
        first = str(error).split("\n", 1)[0]
        fail(path, f"is not a readable .xlsx workbook ({type(error).__name__}: {first})")


RAG_OF = {"red": "red", "r": "red", "amber": "amber", "a": "amber", "green": "green", "g": "green"}
RAG_OF |= {"blue": "blue", "b": "blue", "complete": "blue", "completed": "blue", "c": "blue"}
"""What a key sheet's cell text may say, -> the RAG it names."""


def _choose(path: Path, sheets: list[Any], name: str | None, score: HeaderScore | None) -> Any:
    """The worksheet named ``name``, else the one whose first rows score best."""
    if name is not None:
        wanted = " ".join(name.split()).casefold()
        for sheet in sheets:
            if " ".join(sheet.title.split()).casefold() == wanted:
                return sheet
        listed = ", ".join(repr(sheet.title) for sheet in sheets)
        fail(path, f"the workbook has no sheet {name!r} (its sheets: {listed})")
    named = next((s for s in sheets if s.title.strip().lower() == "actions"), sheets[0])
    if score is None or len(sheets) == 1:
        return named
    scores: dict[int, int] = {}
    for position, sheet in enumerate(sheets):
        sheet.reset_dimensions()
        preview: list[tuple[int, list[Cell]]] = []
        for number, row in enumerate(sheet.iter_rows(max_row=PREVIEW_ROWS, max_col=MAX_COLUMNS), start=1):
            cells = [_cell(item) for item in row]
            if any(not is_blank(cell) for cell in cells):
                preview.append((number, cells))
        scores[position] = score(preview)
    best = max(scores.values())
    if scores[sheets.index(named)] == best:
        return named
    return sheets[min(position for position, found in scores.items() if found == best)]


def _load(path: Path, raw: bytes, name: str | None = None, score: HeaderScore | None = None) -> Sheet:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True, keep_links=False)
    try:
        sheets = book.worksheets
        if not sheets:
            fail(path, "the workbook has no worksheets")
        sheet = _choose(path, sheets, name, score)
        scan = _scan_sheet(book, sheet)
        palette = theme_palette(getattr(book, "loaded_theme", None))
        key = key_colours(book, sheet, palette, RAG_OF)
        references = {rag: (colour,) for rag, colour in key.items()} if key else DEFAULT_REFERENCES
        sheet.reset_dimensions()  # a forged dimension must not make us pad millions of cells
        rows: list[tuple[int, list[Cell]]] = []
        fills: dict[tuple[int, int], str] = {}
        filled: set[tuple[int, int]] = set()
        for number, row in enumerate(sheet.iter_rows(max_col=max(1, min(scan.widest, MAX_COLUMNS))), start=1):
            if number > MAX_ROW_NUMBER:
                fail(path, f"the sheet has more than {MAX_ROW_NUMBER:,} rows", number)
            cells = [_cell(item) for item in row]
            for column, formula in scan.uncalculated.get(number, {}).items():
                if column <= len(cells) and cells[column - 1] is None:
                    cells[column - 1] = Unusable(
                        formula,
                        "is a formula with no saved value; open the file in Excel, let it "
                        "calculate, and save it",
                    )
            for position, item in enumerate(row):
                if not getattr(item, "has_style", False):
                    continue
                colour = fill_colour(item, palette)
                if not is_blank(cells[position]):
                    if colour is not None and min(colour) < 240:
                        filled.add((number, position))
                    continue
                rag = None if colour is None else nearest_rag(colour, references)
                if rag is not None:
                    fills[number, position] = rag
            while cells and is_blank(cells[-1]):
                cells.pop()
            if cells:
                rows.append((number, cells))
        return Sheet(
            rows,
            f"XLSX sheet {sheet.title!r}",
            book.epoch,
            hidden_columns={column - 1 for column in scan.hidden_columns if column <= MAX_COLUMNS},
            hidden_rows=scan.hidden_rows,
            fills=fills,
            key=key,
            name=sheet.title,
            merges=[
                (top, left - 1, bottom, right - 1)
                for top, left, bottom, right in scan.merges
                if left <= MAX_COLUMNS and top <= MAX_ROW_NUMBER
            ],
            filled=filled,
        )
    finally:
        book.close()


def _cell(item: Any) -> Cell:
    value = getattr(item, "value", None)
    if value is None:
        return None
    if getattr(item, "data_type", None) == "e":
        return Unusable(str(value), "is an Excel error value")
    if isinstance(value, int | float) and not isinstance(value, bool) and "%" in item.number_format:
        return Percent(float(value))  # ok: a progress share from a % cell, not money
    if isinstance(value, str | int | float | bool | datetime | date | time | timedelta):
        return value
    return Unusable(str(value), "is not a value ipt can read")


@dataclass(slots=True)
class _Scan:
    uncalculated: dict[int, dict[int, str]] = field(default_factory=dict)
    """{row: {column: formula}} for formula cells with no saved value."""
    widest: int = 0
    """The widest column used (1 is column A)."""
    hidden_columns: set[int] = field(default_factory=set)
    """Hidden columns, 1 is column A."""
    hidden_rows: set[int] = field(default_factory=set)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    """Merged ranges (first row, first column, last row, last column), 1 is column A."""


MAX_MERGES = 100_000


def _scan_sheet(book: Any, sheet: Any) -> _Scan:
    """What openpyxl's read-only mode does not give: uncalculated formulas, hidden columns and rows.

    openpyxl shows both a blank cell and an uncalculated formula as None, so the sheet's
    XML is scanned (through defusedxml) for ``<c>`` elements with an ``<f>`` but no ``<v>``
    (or an empty one that is not a saved empty text), for ``<col hidden="1">`` and for
    ``<row hidden="1">``.
    """
    from defusedxml.ElementTree import iterparse

    namespace = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    row_tag, cell_tag, col_tag = f"{namespace}row", f"{namespace}c", f"{namespace}col"
    merge_tag = f"{namespace}mergeCell"
    scan = _Scan()
    row_number, column = 0, 0
    data: Any = None
    with book._archive.open(sheet._worksheet_path) as source:
        for event, element in iterparse(source, events=("start", "end")):
            if event == "start":
                if element.tag == f"{namespace}sheetData":
                    data = element
                elif element.tag == row_tag:
                    given = element.get("r")
                    row_number = int(given) if given and given.isdigit() else row_number + 1
                    column = 0
                    if _true(element.get("hidden")) and row_number <= MAX_ROW_NUMBER:
                        scan.hidden_rows.add(row_number)
                elif element.tag == col_tag and _true(element.get("hidden")):
                    low, high = element.get("min", ""), element.get("max", "")
                    if low.isdigit() and high.isdigit():
                        scan.hidden_columns.update(range(int(low), min(int(high), MAX_COLUMNS) + 1))
                elif element.tag == merge_tag and len(scan.merges) < MAX_MERGES:
                    merged = _range(element.get("ref") or "")
                    if merged is not None:
                        scan.merges.append(merged)
                continue
            if element.tag == cell_tag:
                reference = element.get("r")
                column = _column_number(reference) if reference else column + 1
                scan.widest = max(scan.widest, column)
                formula = element.find(f"{namespace}f")
                cached = element.find(f"{namespace}v")
                text_type = element.get("t") in {"str", "s", "inlineStr"}  # a saved empty text is a value
                if formula is not None and (cached is None or (not cached.text and not text_type)):
                    scan.uncalculated.setdefault(row_number, {})[column] = "=" + (formula.text or "")
            elif element.tag == row_tag and data is not None:
                del data[:]  # finished rows are not kept: memory stays flat however long the sheet
    return scan


def _true(value: str | None) -> bool:
    return value is not None and value.strip().lower() in {"1", "true"}


_RANGE_REF = re.compile(r"([A-Za-z]{1,3})(\d{1,7}):([A-Za-z]{1,3})(\d{1,7})")


def _range(reference: str) -> tuple[int, int, int, int] | None:
    """``"A3:B4"`` -> (3, 1, 4, 2); None if it is not a range."""
    match = _RANGE_REF.fullmatch(reference.strip())
    if match is None:
        return None
    top, bottom = int(match[2]), int(match[4])
    left, right = _column_number(match[1]), _column_number(match[3])
    return (min(top, bottom), min(left, right), max(top, bottom), max(left, right))


def _column_number(reference: str) -> int:
    number = 0
    for char in reference:
        if not char.isalpha():
            break
        number = number * 26 + ord(char.upper()) - 64
    return number
