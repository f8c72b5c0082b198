"""The board pack as one self-contained HTML file, printable on A4.

Inline CSS and inline SVG only: no scripts, no network, no web fonts. Every piece of user
text, in elements, attributes and SVG titles alike, goes through :func:`html.escape` with
``quote=True``. RAG is shown as symbol and word as well as colour.
"""

from __future__ import annotations

from store.exports._common import PackContext, percent_text
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
)
from store.exports.svg import RAG_COLOURS, e, kpi_chart, rag_by_theme_chart, spend_by_year_chart

NO_BREAK = 24
"""A cell of one word no longer than this (a ref, a date, a financial year) is never wrapped."""
WIDE = 8
"""A section whose tables have this many columns or more is printed on a landscape page."""

CSS = """
@page { size: A4; margin: 14mm 12mm; }
@page wide { size: A4 landscape; margin: 12mm 12mm; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Arial, sans-serif; font-size: 10.5pt;
  color: #1b1b1b; margin: 0 auto; max-width: 273mm; line-height: 1.35; }
p, .grid { max-width: 190mm; }
h1 { font-size: 18pt; margin: 0 0 2mm; } h2 { font-size: 14pt; border-bottom: 2px solid #1a237e;
  padding-bottom: 1mm; margin-top: 6mm; } h3 { font-size: 11.5pt; margin: 4mm 0 1.5mm; }
.meta { color: #444; margin: 0 0 3mm; }
table { border-collapse: collapse; width: 100%; margin-bottom: 3mm; font-size: 9pt; }
th, td { border: 1px solid #bbb; padding: 1mm 1.5mm; text-align: left; vertical-align: top;
  overflow-wrap: break-word; }
svg { max-width: 100%; height: auto; }
th { background: #e8eaf6; } td.num, th.num { text-align: right; white-space: nowrap; }
td.nb { white-space: nowrap; }
section.wide { page: wide; }
tr { page-break-inside: avoid; }
.grid { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 4mm; }
.theme { border: 1px solid #ccc; padding: 2mm; margin-bottom: 2mm; page-break-inside: avoid; }
.bar { background: #eee; height: 4mm; border: 1px solid #999; }
.bar span { display: block; height: 100%; background: #1a237e; }
.rag { white-space: nowrap; font-weight: 600; }
.rag-red { color: #b71c1c; } .rag-amber { color: #a15c00; } .rag-green { color: #1b5e20; }
.rag-blue { color: #0d47a1; } .rag-unassessed { color: #555; }
.kpis { display: flex; flex-wrap: wrap; gap: 3mm; }
.kpi { border: 1px solid #ccc; padding: 2mm; width: 88mm; page-break-inside: avoid; }
section { page-break-before: always; break-before: page; }
section.first { page-break-before: auto; break-before: auto; }
@media print { body { max-width: none; } a { color: inherit; text-decoration: none; } }
"""


def _table(table: Table, level: int = 3) -> str:
    head = f"<h{level}>{e(table.title)}</h{level}>"
    if not table.rows:
        return head + f"<p>{e(table.empty)}</p>"

    def cls(index: int) -> str:
        return ' class="num"' if index in table.numeric else ""

    def cell_cls(index: int, cell: str) -> str:
        if index in table.numeric:
            return ' class="num"'
        # A ref, a date or another short token never breaks at its hyphens.
        return ' class="nb"' if cell and len(cell) <= NO_BREAK and " " not in cell else ""

    header = "".join(f"<th{cls(i)}>{e(column)}</th>" for i, column in enumerate(table.columns))
    body = "".join(
        "<tr>" + "".join(f"<td{cell_cls(i, cell)}>{e(cell)}</td>" for i, cell in enumerate(row)) + "</tr>"
        for row in table.rows
    )
    return f"{head}<table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"


def _theme_cards(ctx: PackContext) -> str:
    cards = []
    for theme in ctx.summary.themes:
        progress = theme.progress.mean_progress
        width = 0 if progress is None else float(progress)  # ok: a bar width, not money
        counts = " · ".join(
            f'<span class="rag rag-{key}">{e(label)} {int(getattr(theme.rag, key))}</span>'
            for key, label, _ in RAG_COLOURS
            if getattr(theme.rag, key)
        )
        cards.append(
            f'<div class="theme"><strong>{e(theme.theme_name)}</strong>'
            f"{' — ' + e(theme.lead) if theme.lead else ''}"
            f'<div class="bar" role="img" aria-label="{e(f"progress {percent_text(progress)}")}">'
            f'<span style="width:{width:.1f}%"></span></div>'
            f"<div>Progress {e(percent_text(progress))}; {theme.progress.complete} of "
            f"{theme.progress.live} complete</div><div>{counts or e('No live actions')}</div></div>"
        )
    return "".join(cards)


def render_html(ctx: PackContext) -> bytes:
    plan = ctx.plan
    meta = [e(plan.authority), f"as of {ctx.as_of:%d %B %Y}"]
    if ctx.snapshot_label:
        meta.append("snapshot: " + e(ctx.snapshot_label))
    if plan.governance:
        meta.append(e(plan.governance.board))
    out = [
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(ctx.title)}</title><style>{CSS}</style></head><body>",
        '<section class="first">',
        f"<h1>{e(plan.name)}</h1>",
        f'<p class="meta">{" · ".join(meta)}. Money in £000; negatives in brackets.</p>',
        '<div class="grid"><div>',
        _table(judgements_table(ctx)),
        _table(headline_table(ctx)),
        "</div><div><h3>Themes</h3>",
        _theme_cards(ctx),
        "</div></div>",
        _table(kpi_table(ctx)),
        "</section>",
        "<section><h2>RAG by theme</h2>",
        rag_by_theme_chart(ctx.summary),
        "<h2>Spend against allocation by financial year (£000)</h2>",
        spend_by_year_chart(ctx.summary),
        "</section>",
        "<section><h2>KPI trajectories against targets</h2>",
        '<div class="kpis">',
    ]
    for status in ctx.summary.kpis:
        out.append(
            f'<div class="kpi"><strong>{e(status.kpi.name)}</strong> — {e(status.rating.label)}'
            f"{kpi_chart(status, ctx.as_of)}</div>"
        )
    if not ctx.summary.kpis:
        out.append("<p>No KPIs.</p>")
    out.append("</div></section><section><h2>Exceptions</h2>")
    out.extend(_table(table) for table in exception_tables(ctx))
    out.append("</section><section><h2>Changes since the last board</h2>")
    if ctx.comparison is None:
        out.append("<p>No earlier snapshot to compare with.</p>")
    else:
        comparison = ctx.comparison
        since = comparison.before.label if comparison.before else comparison.before_as_of.isoformat()
        out.append(f"<p>Since {e(since)} (as of {e(comparison.before_as_of.isoformat())}).</p>")
        changes = changes_tables(comparison)
        out.extend(_table(table) for table in changes)
        if not changes:
            out.append("<p>No changes.</p>")
    out.append("</section>")
    for heading, tables in (
        ("Actions", [actions_table(ctx)]),
        ("Recommendations", [recommendations_table(ctx)]),
        ("Funding and monitoring", [*funding_tables(ctx), monitoring_table(ctx)]),
    ):
        wide = any(len(table.columns) >= WIDE for table in tables)
        out.append(f'<section class="wide"><h2>{heading}</h2>' if wide else f"<section><h2>{heading}</h2>")
        out.extend(_table(table) for table in tables)
        out.append("</section>")
    out.append("</body></html>\n")
    return "".join(out).encode("utf-8")
