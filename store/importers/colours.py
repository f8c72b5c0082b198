"""A RAG rating given only as a cell's fill colour, read as the nearest red, amber, green or blue.

A cell's solid fill is resolved to an RGB colour (an RGB colour as written; an indexed
colour from Excel's standard palette; a theme colour from the workbook's theme, with its
tint). Greys, white and black are no rating. Otherwise the fill is the RAG whose reference
colour is nearest (Euclidean distance in RGB), if it is within :data:`MAX_DISTANCE`.

The reference colours are Excel's standard red, amber, green and blue and the lighter
"Bad", "Neutral" and "Good" cell-style fills, unless the workbook has a key: another sheet
with cells whose text is a RAG (Red, Amber, Green, Blue, R, A, G, B, Complete) and whose
fill is a colour. Then only the key's colours are the reference.
"""

from __future__ import annotations

import colorsys
import re
from collections.abc import Mapping
from typing import Any

RGB = tuple[int, int, int]


def _colours(*written: str) -> tuple[RGB, ...]:
    return tuple((int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)) for text in written)


DEFAULT_REFERENCES: dict[str, tuple[RGB, ...]] = {
    "red": _colours("FF0000", "C00000", "FFC7CE"),
    "amber": _colours("FFC000", "FFBF00", "FFA500", "FFFF00", "FFEB9C"),
    "green": _colours("00B050", "00FF00", "92D050", "C6EFCE", "008000"),
    "blue": _colours("0070C0", "0000FF", "5B9BD5", "BDD7EE", "4472C4"),
}
MAX_DISTANCE = 130.0
"""A fill further than this from every reference colour is no rating."""
MIN_SPREAD = 40
"""A fill whose channels differ by less than this (grey, white, black) is no rating."""
KEY_ROWS, KEY_COLUMNS, KEY_SHEETS = 200, 30, 20
"""How much of the workbook's other sheets is searched for a key."""

THEME_ORDER = ("lt1", "dk1", "lt2", "dk2", "accent1", "accent2", "accent3", "accent4", "accent5", "accent6")
"""Theme colour index -> the colour scheme's element (Excel swaps light and dark 0-3)."""


def nearest_rag(colour: RGB, references: Mapping[str, tuple[RGB, ...]]) -> str | None:
    """``"red"`` etc. for a fill colour, or None if it is grey or near no reference colour."""
    if max(colour) - min(colour) < MIN_SPREAD:
        return None
    best, best_distance = None, MAX_DISTANCE
    for rag, colours in references.items():
        for reference in colours:
            distance = sum((a - b) ** 2 for a, b in zip(colour, reference, strict=True)) ** 0.5
            if distance <= best_distance:
                best, best_distance = rag, distance
    return best


def theme_palette(theme_xml: bytes | None) -> list[RGB]:
    """The workbook theme's ten colours in theme-index order; [] if there is none."""
    if not theme_xml:
        return []
    try:
        from defusedxml.ElementTree import fromstring

        root = fromstring(theme_xml)
    except Exception:  # a malformed theme only means theme colours are not read
        return []
    namespace = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
    scheme = root.find(f".//{namespace}clrScheme")
    if scheme is None:
        return []
    palette: list[RGB] = []
    for name in THEME_ORDER:
        element = scheme.find(f"{namespace}{name}")
        if element is None or len(element) == 0:
            return []
        child = element[0]
        value = child.get("val") if child.tag.endswith("srgbClr") else child.get("lastClr")
        rgb = _hex(value or "")
        if rgb is None:
            return []
        palette.append(rgb)
    return palette


def _hex(text: str) -> RGB | None:
    if not re.fullmatch(r"(?:[0-9A-Fa-f]{2})?[0-9A-Fa-f]{6}", text):
        return None
    text = text[-6:]
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


def _tinted(rgb: RGB, tint: float) -> RGB:
    if not tint:
        return rgb
    hue, light, saturation = colorsys.rgb_to_hls(*(channel / 255 for channel in rgb))
    light = light * (1 + tint) if tint < 0 else light * (1 - tint) + tint
    red, green, blue = colorsys.hls_to_rgb(hue, min(max(light, 0.0), 1.0), saturation)
    return round(red * 255), round(green * 255), round(blue * 255)


def fill_colour(cell: Any, palette: list[RGB]) -> RGB | None:
    """The RGB colour of a cell's solid fill, or None (no fill, a pattern, an unknown colour)."""
    fill = getattr(cell, "fill", None)
    if fill is None or getattr(fill, "fill_type", None) != "solid":
        return None
    colour = getattr(fill, "fgColor", None)
    if colour is None:
        return None
    kind = getattr(colour, "type", None)
    if kind == "rgb":
        value = colour.rgb if isinstance(colour.rgb, str) else ""
        if value.upper() == "00000000":  # openpyxl's "no colour"
            return None
        return _hex(value)
    if kind == "indexed":
        from openpyxl.styles.colors import COLOR_INDEX

        index = colour.indexed
        if isinstance(index, int) and 0 <= index < 64 and index < len(COLOR_INDEX):
            return _hex(COLOR_INDEX[index])
        return None
    if kind == "theme":
        index = colour.theme
        if isinstance(index, int) and 0 <= index < len(palette):
            return _tinted(palette[index], float(colour.tint or 0.0))  # ok: a colour tint, not money
    return None


def key_colours(
    book: Any, tracker_sheet: Any, palette: list[RGB], rag_of: Mapping[str, str]
) -> dict[str, RGB]:
    """{rag: colour} from the first other sheet whose RAG-word cells have fills (at least two RAGs)."""
    for sheet in book.worksheets[:KEY_SHEETS]:
        if sheet is tracker_sheet:
            continue
        found: dict[str, RGB] = {}
        for row in sheet.iter_rows(max_row=KEY_ROWS, max_col=KEY_COLUMNS):
            for cell in row:
                value = getattr(cell, "value", None)
                if not isinstance(value, str):
                    continue
                rag = rag_of.get(" ".join(value.strip().lower().split()))
                if rag is None or rag in found:
                    continue
                colour = fill_colour(cell, palette)
                if colour is not None:
                    found[rag] = colour
        if len(found) >= 2:
            return found
    return {}
