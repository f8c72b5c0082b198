"""The board pack as Markdown tables, safe to paste into a wiki or an email.

User text is escaped so it can never become markup: backslash, ``|``, ``<``, ``>``, ``[``,
``]`` and backticks are backslash-escaped wherever they occur, and a cell starting with
``#``, ``-``, ``*``, ``+`` or ``=`` has that first character escaped too. A newline inside
a cell becomes a single space (tables cannot hold line breaks portably).
"""

from __future__ import annotations

import re

from store.exports._common import PackContext
from store.exports.content import (
    Table,
    actions_table,
    changes_tables,
    exception_tables,
    funding_tables,
    headline_table,
    judgements_table,
    kpi_table,
    monitoring_table,
    recommendations_table,
    themes_table,
)

_ANYWHERE = re.compile(r"([\\|<>\[\]`])")
_LEADING = ("#", "-", "*", "+", "=")
_CHANGED = re.compile(r"[\\|<>\[\]`\r\n]")
"""Any character :func:`md_escape` changes; text without one (nor a leading one) passes as it is."""


def md_escape(text: str) -> str:
    """User text as inert Markdown on one line."""
    if not text.startswith(_LEADING) and _CHANGED.search(text) is None:
        return text  # the common case: nothing to copy or substitute
    flat = " ".join(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    escaped = _ANYWHERE.sub(r"\\\1", flat)
    if escaped.startswith(_LEADING):
        escaped = "\\" + escaped
    return escaped


def _table(table: Table, level: int = 3) -> list[str]:
    lines = [f"{'#' * level} {md_escape(table.title)}", ""]
    if not table.rows:
        return [*lines, md_escape(table.empty), ""]
    lines.append("| " + " | ".join(md_escape(column) for column in table.columns) + " |")
    lines.append(
        "|" + "|".join("---:" if i in table.numeric else "---" for i in range(len(table.columns))) + "|"
    )
    for row in table.rows:
        lines.append("| " + " | ".join(md_escape(cell) for cell in row) + " |")
    return [*lines, ""]


def render_markdown(ctx: PackContext) -> bytes:
    plan = ctx.plan
    lines = [f"# {md_escape(plan.name)}", ""]
    lines.append(f"**{md_escape(plan.authority)}** — board pack as of {ctx.as_of:%d %B %Y}")
    if ctx.snapshot_label:
        lines.append(f"Snapshot: {md_escape(ctx.snapshot_label)}")
    if plan.governance:
        lines.append(f"Board: {md_escape(plan.governance.board)}")
    lines += ["", "Money is in £000; negatives are in brackets.", "", "## The plan on a page", ""]
    for table in (judgements_table(ctx), headline_table(ctx), themes_table(ctx), kpi_table(ctx)):
        lines += _table(table)
    lines += ["## Exceptions", ""]
    for table in exception_tables(ctx):
        lines += _table(table)
    lines += ["## Changes since the last board", ""]
    if ctx.comparison is None:
        lines += ["No earlier snapshot to compare with.", ""]
    else:
        comparison = ctx.comparison
        since = comparison.before.label if comparison.before else comparison.before_as_of.isoformat()
        lines += [f"Since {md_escape(since)} (as of {comparison.before_as_of.isoformat()}).", ""]
        changes = changes_tables(comparison)
        if not changes:
            lines += ["No changes.", ""]
        for table in changes:
            lines += _table(table)
    lines += ["## Actions", "", *_table(actions_table(ctx))]
    lines += ["## Recommendations", "", *_table(recommendations_table(ctx))]
    lines += ["## Funding", ""]
    for table in funding_tables(ctx):
        lines += _table(table)
    lines += ["## Budget monitoring", "", *_table(monitoring_table(ctx))]
    return ("\n".join(lines).rstrip("\n") + "\n").encode("utf-8")
