"""The lines of an untrusted PDF, with where each starts and how it is set.

This is the only module that touches the PDF library (pypdfium2, PDFium's bindings: see
pyproject.toml for why). It gives each page as :class:`PdfLine` objects in reading order:
the text, the left edge and the top of its first character, its font size and whether it
is bold. Nothing here knows about Ofsted reports.

Limits, because the file is untrusted: at most :data:`MAX_FILE_BYTES` read, at most
:data:`MAX_PAGES` pages, at most :data:`MAX_CHARS_PER_PAGE` characters a page, and a
deadline checked before every page (:data:`TIME_LIMIT_SECONDS` by default). A file that
is not a PDF, is encrypted, is damaged or holds no text raises :class:`PdfTextError`
with one line saying which.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from store.safe_files import open_regular_file, read_fd

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_PAGES = 300
MAX_CHARS_PER_PAGE = 200_000
TIME_LIMIT_SECONDS = 20.0

_HYPHEN_JOIN = "\ufffe"
"""What PDFium puts where it joined a word broken by a hyphen at a line end."""
_SOFT_HYPHEN = "\u00ad"
_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl"})
"""Typographic ligatures are one glyph in print but their letters in the text."""
_FOOTNOTE_MARK = re.compile(r"(?<=[A-Za-z)’”.,;:]) ?(\d{1,2})(?=[\s,.;:)]|$)")


class PdfTextError(Exception):
    """The file cannot be read as a PDF with text; the message says why, in one line."""


@dataclass(frozen=True, slots=True)
class PdfLine:
    """One line of text as printed."""

    page: int
    """1-based page number."""
    text: str
    left: float
    """Left edge of the first character, in points from the page's left edge."""
    top: float
    """Top of the line, in points from the top of the page."""
    size: float
    """Font size of the first character, in points."""
    bold: bool
    page_height: float


def _read_bytes(path: Path, limit: int) -> bytes:
    try:
        fd, _stat = open_regular_file(path, what="report")
    except FileNotFoundError:
        raise PdfTextError(f"{path}: no such file") from None
    except OSError as error:
        raise PdfTextError(f"{path}: cannot be read ({error.strerror or error})") from None
    try:
        data = read_fd(fd, limit)
    finally:
        import os

        os.close(fd)
    if len(data) > limit:
        raise PdfTextError(f"{path}: larger than {limit:,} bytes; not read")
    return data


def read_pdf_lines(
    path: Path,
    *,
    max_bytes: int | None = None,
    max_pages: int | None = None,
    time_limit: float | None = None,
) -> list[list[PdfLine]]:
    """Every page's lines; raises :class:`PdfTextError` for anything that is not a readable PDF.
    The limits default to the module's :data:`MAX_FILE_BYTES`, :data:`MAX_PAGES` and
    :data:`TIME_LIMIT_SECONDS`."""
    started = time.monotonic()
    max_bytes = MAX_FILE_BYTES if max_bytes is None else max_bytes
    max_pages = MAX_PAGES if max_pages is None else max_pages
    time_limit = TIME_LIMIT_SECONDS if time_limit is None else time_limit
    data = _read_bytes(path, max_bytes)
    if b"%PDF-" not in data[:1024]:
        raise PdfTextError(f"{path}: not a PDF file")
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        message = str(error).lower()
        if "password" in message:
            raise PdfTextError(f"{path}: the PDF is encrypted (password protected); not read") from None
        raise PdfTextError(f"{path}: the PDF is damaged and cannot be read") from None
    try:
        count = len(document)
        if count == 0:
            raise PdfTextError(f"{path}: the PDF has no pages")
        if count > max_pages:
            raise PdfTextError(f"{path}: the PDF has {count} pages, more than {max_pages}; not read")
        pages = []
        for index in range(count):
            if time.monotonic() - started > time_limit:
                raise PdfTextError(f"{path}: reading the PDF took longer than {time_limit:g} s; stopped")
            pages.append(_page_lines(document, index))
    except pdfium.PdfiumError:
        raise PdfTextError(f"{path}: the PDF is damaged and cannot be read") from None
    finally:
        document.close()
    if not any(pages):
        raise PdfTextError(f"{path}: the PDF has no text (a scanned image?); nothing to read")
    return pages


def _page_lines(document: object, index: int) -> list[PdfLine]:
    import pypdfium2.raw as raw

    page = document[index]  # type: ignore[index]
    textpage = page.get_textpage()
    try:
        height = float(page.get_height())  # ok: page geometry in points, not money
        count = min(int(textpage.count_chars()), MAX_CHARS_PER_PAGE)
        if count <= 0:
            return []
        text = textpage.get_text_range(0, count)
        if len(text) != count:  # characters and text out of step: positions unknown
            return [
                PdfLine(index + 1, _clean(line, None), 0.0, 0.0, 0.0, False, height)
                for line in text.splitlines()
                if line.strip()
            ]
        lines: list[PdfLine] = []
        start = 0
        for raw_line in text.split("\n"):
            line_start = start
            start += len(raw_line) + 1
            line = raw_line.rstrip("\r")
            stripped = line.lstrip()
            if not stripped.strip():
                continue
            first = line_start + len(line) - len(stripped)
            left, _bottom, _right, top = textpage.get_charbox(first)
            size = float(raw.FPDFText_GetFontSize(textpage, first))  # ok: a font size, not money
            weight = int(raw.FPDFText_GetFontWeight(textpage, first))
            bold = weight >= 600 if weight > 0 else _bold_by_name(textpage, first)

            def is_small(offset: int, base: int = first, line_size: float = size) -> bool:
                size_here = raw.FPDFText_GetFontSize(textpage, base + offset)
                return float(size_here) < line_size * 0.8  # ok: a font size, not money

            line_top = round(height - float(top), 1)  # ok: page geometry, not money
            if _is_split_marker(stripped, size, line_top, lines[-1] if lines else None):
                continue
            lines.append(
                PdfLine(
                    page=index + 1,
                    text=_clean(stripped, is_small),
                    left=round(float(left), 1),  # ok: page geometry, not money
                    top=line_top,
                    size=round(size, 1),
                    bold=bold,
                    page_height=height,
                )
            )
        return lines
    finally:
        textpage.close()
        page.close()


def _is_split_marker(text: str, size: float, top: float, previous: PdfLine | None) -> bool:
    """A footnote marker that PDFium set on a line of its own: a number alone, set smaller
    than the line beside it and raised within that line's height."""
    if previous is None or not re.fullmatch(r"\d{1,2}", text.strip()):
        return False
    return 0 < size < previous.size * 0.8 and abs(top - previous.top) < previous.size


def _bold_by_name(textpage: object, index: int) -> bool:
    """Whether the font's name says bold ("Helvetica-Bold"), for fonts that give no weight."""
    import ctypes

    import pypdfium2.raw as raw

    length = int(raw.FPDFText_GetFontInfo(textpage, index, None, 0, None))
    if length <= 0 or length > 1024:
        return False
    buffer = ctypes.create_string_buffer(length)
    raw.FPDFText_GetFontInfo(textpage, index, buffer, length, None)
    name = buffer.value.decode("utf-8", "replace").lower()
    return any(word in name for word in ("bold", "black", "heavy"))


def _clean(text: str, is_small: object) -> str:
    """The line's text with PDFium's hyphen marker put back (a hyphen joined to the next word,
    except before "and"/"or": "short- and long-term"), soft hyphens dropped (the word is
    joined), and footnote markers (digits set smaller, just after a word) removed."""
    if callable(is_small):
        for match in reversed(list(_FOOTNOTE_MARK.finditer(text))):
            if all(is_small(at) for at in range(match.start(1), match.end(1))):
                text = text[: match.start()] + text[match.end() :]
    text = text.translate(_LIGATURES)
    text = text.replace(_SOFT_HYPHEN + _HYPHEN_JOIN, "")
    text = re.sub(_HYPHEN_JOIN + r"(?=(?:and|or)\b)", "- ", text).replace(_HYPHEN_JOIN, "-")
    return text.replace(_SOFT_HYPHEN, "").rstrip()
