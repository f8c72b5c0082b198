"""User text made safe to show on a terminal: control characters become visible.

A stored note may hold terminal control sequences (``ESC ]0;title BEL`` sets a window's
title, ``ESC ]52;c;… BEL`` writes the clipboard, ``ESC [2J`` clears the screen) or
characters that reorder what follows them (U+202E RIGHT-TO-LEFT OVERRIDE). The store keeps
text as it was imported or typed; everything that shows it on a terminal passes it through
:func:`visible` first, so none of those characters ever reaches the terminal as itself:

* C0 controls and DEL become their Control Pictures: ESC is ``␛`` (U+241B), BEL ``␇``,
  a lone carriage return ``␍``, NUL ``␀``, DEL ``␡``;
* C1 controls (U+0080 to U+009F) and the bidirectional formatting characters (U+061C,
  U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069) become the six characters of their
  escape, e.g. ``\\u202e``.

Line feed and tab are kept: they cannot hide or rewrite other text, and the layouts that
show notes use them (a multi-line update stays on several lines; Rich and Textual expand a
tab to spaces). A carriage return just before a line feed, a Windows line ending, is part
of that line break and is dropped rather than shown.

Pure standard library: this module never imports Rich or Textual.
"""

from __future__ import annotations

import re
from typing import Final

_BIDI: Final = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))

_TABLE: Final[dict[int, str]] = {
    **{code: chr(0x2400 + code) for code in range(0x20) if code not in (0x09, 0x0A)},
    0x7F: "\u2421",
    **{code: f"\\u{code:04x}" for code in range(0x80, 0xA0)},
    **{code: f"\\u{code:04x}" for code in _BIDI},
}
"""Each character that must not reach a terminal, and what is shown instead."""

UNSAFE: Final = frozenset(chr(code) for code in _TABLE)
"""The characters :func:`visible` replaces."""

_UNSAFE_RE: Final = re.compile("[" + "".join(re.escape(char) for char in sorted(UNSAFE)) + "]")
_JSON_RAW_RE: Final = re.compile("[\x7f-\x9f" + "".join(chr(code) for code in _BIDI) + "]")


def visible(text: str) -> str:
    """``text`` with every control and bidi-override character shown as a visible stand-in.

    Returns ``text`` itself (the same object) when there is nothing to replace, which is
    almost always; the result never contains a character of :data:`UNSAFE`, and
    ``visible(visible(t)) == visible(t)``.
    """
    if text.isprintable() or _UNSAFE_RE.search(text) is None:
        return text
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    return text.translate(_TABLE)


def is_visible(text: str) -> bool:
    """True when ``text`` holds nothing :func:`visible` would replace."""
    return text.isprintable() or _UNSAFE_RE.search(text) is None


def json_for_terminal(text: str) -> str:
    """JSON text with DEL, C1 and bidi characters written as ``\\uXXXX`` escapes.

    The JSON value is unchanged (a string escape means the character itself), but a
    terminal showing the text never receives those characters. C0 controls are escaped by
    every JSON encoder already. Only string contents can hold such characters, and inside a
    JSON string ``\\uXXXX`` is always a valid escape.
    """
    if text.isascii() and "\x7f" not in text:
        return text
    return _JSON_RAW_RE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
