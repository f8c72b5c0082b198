"""The board pack: one plan on one day, with the changes since the last board, in five formats.

:func:`export_pack` builds the whole file in memory and then writes it atomically, so a
failed export never leaves half a pack behind.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from store.collector import collector_paused
from store.compare import Comparison
from store.exports._common import FORMULA_TRIGGERS, PackContext, make_context, neutralise
from store.exports.csv_file import render_csv
from store.exports.html import render_html
from store.exports.json_pack import LoadedPack, PackError, load_pack_json, render_json
from store.exports.markdown import md_escape, render_markdown
from store.models import Plan
from store.storage import write_atomically


def render_xlsx(context: PackContext) -> bytes:
    """The XLSX pack; its writer (and zipfile) is imported only when a workbook is asked for."""
    from store.exports.xlsx import render_xlsx as render

    return render(context)


RENDERERS: dict[str, Callable[[PackContext], bytes]] = {
    "md": render_markdown,
    "html": render_html,
    "xlsx": render_xlsx,
    "csv": render_csv,
    "json": render_json,
}
FORMATS = tuple(RENDERERS)


def render_pack(
    plan: Plan,
    *,
    as_of: date,
    fmt: str,
    comparison: Comparison | None = None,
    snapshot_label: str | None = None,
) -> bytes:
    """The pack's bytes in ``fmt`` (one of :data:`FORMATS`)."""
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"{fmt!r} is not an export format; use one of {', '.join(FORMATS)}") from None
    with collector_paused():  # a pack is ~a million short-lived objects and no cycles
        return renderer(make_context(plan, as_of, comparison, snapshot_label))


def export_pack(
    plan: Plan,
    *,
    as_of: date,
    fmt: str,
    out: Path,
    comparison: Comparison | None = None,
    snapshot_label: str | None = None,
) -> Path:
    """Write the board pack to ``out`` atomically and return the path."""
    payload = render_pack(plan, as_of=as_of, fmt=fmt, comparison=comparison, snapshot_label=snapshot_label)
    write_atomically(out, payload)
    return out


__all__ = [
    "FORMATS",
    "FORMULA_TRIGGERS",
    "LoadedPack",
    "PackError",
    "export_pack",
    "load_pack_json",
    "md_escape",
    "neutralise",
    "render_pack",
]
