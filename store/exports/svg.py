"""Inline SVG charts for the HTML pack: no scripts, no fonts fetched, every label escaped.

Colour is never the only signal: segments carry their counts as text and a ``<title>``,
and the legends name each colour with its symbol.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from html import escape

from store.models import Kpi
from store.money import financial_year_bounds, format_thousands
from store.rollups import KpiStatus, PlanSummary

RAG_COLOURS = (
    ("red", "✖ Red", "#c62828"),
    ("amber", "▲ Amber", "#ef8f00"),
    ("green", "● Green", "#2e7d32"),
    ("blue", "✔ Complete", "#1565c0"),
    ("unassessed", "– Not assessed", "#9e9e9e"),
)


def e(text: object) -> str:
    return escape(str(text), quote=True)


def _num(value: float) -> str:
    return f"{value:.1f}"


def _legend(items: list[tuple[str, str]], y: int) -> str:
    parts = []
    x = 10
    for label, colour in items:
        parts.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 16}" y="{y + 10}" font-size="11">{e(label)}</text>')
        x += 22 + 7 * len(label)
    return "".join(parts)


def rag_by_theme_chart(summary: PlanSummary) -> str:
    themes = summary.themes
    row, left, width = 26, 190, 480
    height = 40 + row * len(themes)
    top = max([t.rag.total for t in themes] + [1])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {left + width + 20} {height}" '
        f'width="100%" aria-labelledby="rag-title"><title id="rag-title">RAG by theme</title>'
    ]
    for index, theme in enumerate(themes):
        y = 8 + index * row
        parts.append(
            f'<text x="{left - 8}" y="{y + 15}" font-size="12" text-anchor="end">'
            f"{e(theme.theme_name[:30])}</text>"
        )
        x = float(left)  # ok: pixel geometry, not money
        for key, label, colour in RAG_COLOURS:
            count = int(getattr(theme.rag, key))
            if not count:
                continue
            span = width * count / top
            parts.append(
                f'<rect x="{_num(x)}" y="{y}" width="{_num(span)}" height="20" fill="{colour}" stroke="#fff">'
                f"<title>{e(theme.theme_name)}: {e(label)} {count}</title></rect>"
            )
            parts.append(
                f'<text x="{_num(x + span / 2)}" y="{y + 15}" font-size="11" fill="#fff" '
                f'text-anchor="middle">{count}</text>'
            )
            x += span
    parts.append(_legend([(label, colour) for _, label, colour in RAG_COLOURS], height - 22))
    parts.append("</svg>")
    return "".join(parts)


def spend_by_year_chart(summary: PlanSummary) -> str:
    zero = Decimal(0)
    bars = [(line.name, line.allocated, line.actual, line.committed) for line in summary.funding_by_year.rows]
    top = max([max(a, s + c) for _, a, s, c in bars] + [Decimal(1)])
    chart_h, base, group = 180, 210, 150
    width = 60 + group * max(1, len(bars))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} 260" width="100%" '
        'aria-labelledby="spend-title"><title id="spend-title">Spend against allocation by financial year, '
        "£000</title>",
        f'<line x1="40" y1="{base}" x2="{width - 10}" y2="{base}" stroke="#333"/>',
    ]
    for index, (year, allocated, actual, committed) in enumerate(bars):
        x = 50 + index * group

        def height(amount: Decimal) -> float:
            return float(max(amount, zero) / top) * chart_h  # ok: pixels, not money

        h = height(allocated)
        parts.append(
            f'<rect x="{x}" y="{_num(base - h)}" width="50" height="{_num(h)}" fill="#90a4ae">'
            f"<title>{e(year)} allocated £{e(format_thousands(allocated))}k</title></rect>"
            f'<text x="{x + 25}" y="{_num(base - h - 4)}" font-size="10" text-anchor="middle">'
            f"{e(format_thousands(allocated))}</text>"
        )
        ha, hc = height(actual), height(committed)
        parts.append(
            f'<rect x="{x + 55}" y="{_num(base - ha)}" width="50" height="{_num(ha)}" fill="#37474f">'
            f"<title>{e(year)} spent £{e(format_thousands(actual))}k</title></rect>"
            f'<rect x="{x + 55}" y="{_num(base - ha - hc)}" width="50" height="{_num(hc)}" fill="#fff" '
            f'stroke="#37474f" stroke-dasharray="4 2"><title>{e(year)} committed '
            f"£{e(format_thousands(committed))}k</title></rect>"
            f'<text x="{x + 80}" y="{_num(base - ha - hc - 4)}" font-size="10" text-anchor="middle">'
            f"{e(format_thousands(actual))}</text>"
            f'<text x="{x + 52}" y="{base + 16}" font-size="12" text-anchor="middle">{e(year)}</text>'
        )
    parts.append(
        _legend(
            [("Allocated", "#90a4ae"), ("Spent", "#37474f"), ("Committed (dashed outline)", "#ffffff")], 236
        )
    )
    parts.append("</svg>")
    return "".join(parts)


def kpi_chart(status: KpiStatus, as_of: date) -> str:
    """A small line chart of a KPI's readings with its yearly targets as dashed steps."""
    kpi: Kpi = status.kpi
    series = ([kpi.baseline] if kpi.baseline else []) + [r for r in kpi.readings]
    series = sorted((r for r in series if r.on <= as_of), key=lambda r: r.on)
    targets = [(financial_year_bounds(t.financial_year), t.value) for t in kpi.targets]
    days = [r.on for r in series] + [d for (bounds, _) in targets for d in bounds]
    values = [r.value for r in series] + [v for _, v in targets]
    w, h, pad = 300, 120, 30
    title = f"{kpi.name}: readings against targets"
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {w} {h}" width="300" height="120">'
        f"<title>{e(title)}</title>"
    )
    if not series:
        return head + f'<text x="10" y="60" font-size="11">{e("No readings yet")}</text></svg>'
    first, last = min(days), max(days)
    span_days = max(1, (last - first).days)
    low, high = min(values), max(values)
    if low == high:
        low, high = low - 1, high + 1

    def px(on: date) -> float:
        return pad + (w - 2 * pad) * (on - first).days / span_days

    def py(value: Decimal) -> float:
        return h - pad + 10 - float((value - low) / (high - low)) * (h - 2 * pad)  # ok: pixels

    parts = [head, f'<line x1="{pad}" y1="{h - pad + 10}" x2="{w - pad}" y2="{h - pad + 10}" stroke="#999"/>']
    for (start, end), value in targets:
        parts.append(
            f'<line x1="{_num(px(start))}" y1="{_num(py(value))}" x2="{_num(px(end))}" '
            f'y2="{_num(py(value))}" stroke="#2e7d32" stroke-dasharray="5 3">'
            f"<title>Target {e(f'{value:f}')} {e(kpi.unit)}</title></line>"
        )
    points = " ".join(f"{_num(px(r.on))},{_num(py(r.value))}" for r in series)
    parts.append(f'<polyline points="{points}" fill="none" stroke="#1a237e" stroke-width="2"/>')
    for reading in series:
        parts.append(
            f'<circle cx="{_num(px(reading.on))}" cy="{_num(py(reading.value))}" r="3" fill="#1a237e">'
            f"<title>{e(reading.on.isoformat())}: {e(f'{reading.value:f}')} {e(kpi.unit)}</title></circle>"
        )
    parts.append(
        f'<text x="{pad}" y="{h - 4}" font-size="10">{e(first.isoformat())}</text>'
        f'<text x="{w - pad}" y="{h - 4}" font-size="10" text-anchor="end">{e(last.isoformat())}</text>'
        f'<text x="2" y="12" font-size="10">{e(f"{high:f}")}</text>'
        '<text x="150" y="12" font-size="10">— reading  - - target</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
