"""The layout of a report's pages: running headers and footers, the table of contents,
headings told from body text, list items, and lines joined back into paragraphs.

Headings are bold or larger than the body; running lines repeat at the top or bottom of
pages; a list item starts with a bullet glyph or a number.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from store.importers.pdf_text import PdfLine
from store.importers.report_words import BULLET, NUMBERED, TERMINAL, normal


def _digits_key(text: str) -> str:
    return re.sub(r"\d+", "#", normal(text)).lower()


def strip_running_lines(pages: Sequence[Sequence[PdfLine]]) -> list[list[PdfLine]]:
    """Pages without their running headers, footers and page numbers.

    A line in the top or bottom tenth of a page is running text when it is a bare page
    number, when the same words (numbers aside) stand in that band on other pages too, or
    when, after the first page, it begins as the report's title does.
    """

    def in_band(line: PdfLine) -> bool:
        height = line.page_height or 842.0
        return line.top < height * 0.1 or line.top > height * 0.9

    seen: Counter[str] = Counter()
    for page in pages:
        seen.update({_digits_key(line.text) for line in page if in_band(line)})
    titles = {" ".join(_digits_key(line.text).split()[:3]) for line in (pages[0] if pages else [])[:6]}
    result = []
    for number, page in enumerate(pages, start=1):
        kept = []
        for line in page:
            if in_band(line):
                key = _digits_key(line.text)
                if (
                    re.fullmatch(r"(page )?#( of #)?", key)
                    or (len(pages) > 1 and seen[key] >= 2)
                    or (number > 1 and len(key.split()) >= 3 and " ".join(key.split()[:3]) in titles)
                ):
                    continue
            kept.append(line)
        result.append(kept)
    return result


def strip_contents(pages: list[list[PdfLine]]) -> None:
    """Drop a table of contents: its entries end with a page number."""
    for page in pages[:4]:
        for position, line in enumerate(page):
            if normal(line.text).lower() in {"contents", "table of contents"}:
                page[position:] = [
                    other for other in page[position + 1 :] if not re.search(r"\s\d{1,3}$", other.text)
                ]
                break


@dataclass
class Block:
    """Consecutive lines: a heading (several lines set alike) or one body line."""

    lines: list[PdfLine]
    heading: bool

    @property
    def text(self) -> str:
        return join_lines(line.text for line in self.lines)

    @property
    def first(self) -> PdfLine:
        return self.lines[0]


def join_lines(texts: Iterable[str]) -> str:
    """Lines of one paragraph as one line: a hyphen at a line end joins without a space
    (it is part of a compound, "multi-agency"), unless the next word is "and" or "or"
    ("short- and long-term")."""
    result = ""
    for raw in texts:
        text = raw.strip()
        if not text:
            continue
        if not result:
            result = text
        elif re.search(r"\w-$", result) and not re.match(r"(and|or|to)\b", text):
            result += text
        else:
            result += " " + text
    return normal(result)


def _body_size(lines: Sequence[PdfLine]) -> float:
    sizes = Counter(line.size for line in lines if line.size > 0)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def make_blocks(lines: Sequence[PdfLine]) -> list[Block]:
    body = _body_size(lines)

    def is_heading(line: PdfLine) -> bool:
        if item_start(normal(line.text)) is not None:
            return False
        return line.bold or (body > 0 and line.size >= body + 1.5)

    blocks: list[Block] = []
    for line in lines:
        heading = is_heading(line)
        last = blocks[-1] if blocks else None
        if (
            heading
            and last is not None
            and last.heading
            and last.first.page == line.page
            and abs(last.lines[-1].size - line.size) < 0.5
            and 0 < line.top - last.lines[-1].top < line.size * 2.2
            and not TERMINAL.search(last.lines[-1].text)
        ):
            last.lines.append(line)
        else:
            blocks.append(Block([line], heading))
    return blocks


def item_start(text: str) -> tuple[int | None, str] | None:
    numbered = NUMBERED.match(text)
    if numbered:
        return int(numbered.group(1) or numbered.group(2)), numbered.group(3)
    bullet = BULLET.match(text)
    if bullet and (bullet.group(1) not in "-–—*o" or text[1:2] == " "):
        return None, bullet.group(2)
    return None
