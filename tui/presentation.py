"""How roll-up values look, shared by the Rich summary, the Textual screens and exports.

Colour is never the only signal: every RAG and status carries a symbol and a word, so a
colour-blind reader or a black-and-white print loses nothing. User text is always wrapped
in :class:`rich.text.Text`, never parsed as markup, and its control characters are shown
visibly (:func:`store.text.visible`): ESC as ``␛``, U+202E as ``\\u202e``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from rich.text import Text

from store.money import format_pounds, format_thousands
from store.text import visible
from store.vocabulary import Rag

if TYPE_CHECKING:
    from store.rollups import MonitoringReport

RAG_SYMBOL = {Rag.RED: "✖", Rag.AMBER: "▲", Rag.GREEN: "●", Rag.BLUE: "✔"}
RAG_STYLE = {Rag.RED: "bold red", Rag.AMBER: "bold yellow", Rag.GREEN: "bold green", Rag.BLUE: "bold blue"}

KPI_STYLE = {
    "green": "bold green",
    "amber": "bold yellow",
    "red": "bold red",
    "no_target": "dim",
    "no_data": "dim",
}
KPI_SYMBOL = {"green": "●", "amber": "▲", "red": "✖", "no_target": "○", "no_data": "·"}
DIRECTION_SYMBOL = {"improving": "↑ better", "worsening": "↓ worse", "steady": "→ steady"}

SPARK_BARS = "▁▂▃▄▅▆▇█"


def literal(text: str, style: str = "") -> Text:
    """User text exactly as typed: ``[bold]`` stays the six characters it is, and a control
    character shows as what it is (ESC as ``␛``) instead of acting on the terminal."""
    return Text(visible(text), style=style)


def shown(text: str) -> str:
    """User text for a plain string on screen (a notification, a text box, a drop-down):
    control characters visible, as :func:`literal` shows them."""
    return visible(text)


def edited(typed: str, stored: str) -> str:
    """What a text box that was filled with ``shown(stored)`` holds to save: ``stored``
    itself while the box still shows it unchanged, so opening and saving a form never
    rewrites a stored control character as its visible stand-in."""
    return stored if typed == visible(stored) else typed


def rag_text(rag: Rag | None, *, short: bool = False) -> Text:
    if rag is None:
        return Text("– none" if not short else "–", style="dim")
    label = rag.label if not short else rag.label[0]
    return Text(f"{RAG_SYMBOL[rag]} {label}", style=RAG_STYLE[rag])


def kpi_rating_text(rating: str) -> Text:
    label = rating.replace("_", " ").capitalize()
    return Text(f"{KPI_SYMBOL.get(rating, '?')} {label}", style=KPI_STYLE.get(rating, ""))


def progress_bar(percent: Decimal | int | None, width: int = 20) -> Text:
    """``███████░░░ 70%`` in text, so it survives copy-paste and printing."""
    if percent is None:
        return Text("░" * width + "   –", style="dim")
    value = max(Decimal(0), min(Decimal(100), Decimal(percent)))
    filled = int((value * width / 100).to_integral_value())
    bar = Text("█" * filled, style="green" if value >= 100 else "cyan")
    bar.append("░" * (width - filled), style="dim")
    bar.append(f" {value:>3.0f}%")
    return bar


def sparkline(values: list[Decimal]) -> str:
    """A tiny trend line: ``▂▃▅▇`` (empty for fewer than two values)."""
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    span = high - low
    if span == 0:
        return SPARK_BARS[3] * len(values)
    return "".join(SPARK_BARS[int((value - low) / span * (len(SPARK_BARS) - 1))] for value in values)


def thousands(amount: Decimal) -> Text:
    """£000 with bracketed negatives, red when negative."""
    return Text(format_thousands(amount), style="red" if amount < 0 else "")


def pounds(amount: Decimal) -> Text:
    return Text(format_pounds(amount), style="red" if amount < 0 else "")


def variance_text(variance: Decimal) -> Text:
    """A monitoring variance in £000: overspend red, underspend green."""
    style = "bold red" if variance > 0 else "green" if variance < 0 else ""
    return Text(format_thousands(variance), style=style)


def percent_text(value: Decimal | None) -> str:
    return "–" if value is None else f"{value:.0f}%"


def monitoring_rows(report: MonitoringReport, *, group_in_name: bool = False) -> list[list[Text]]:
    """Cells of a budget monitoring table in £000: one row per line, then the total."""
    rows = []
    for line in report.lines:
        name = f"{line.group} · {line.service_area}" if group_in_name and line.group else line.service_area
        rows.append(
            [
                literal(name),
                thousands(line.budget),
                thousands(line.forecast),
                thousands(line.use_of_reserves),
                variance_text(line.variance),
                literal(line.reason),
            ]
        )
    totals = report.totals
    rows.append(
        [
            Text("Total", style="bold"),
            thousands(totals.budget),
            thousands(totals.forecast),
            thousands(totals.use_of_reserves),
            variance_text(totals.variance),
            Text(""),
        ]
    )
    return rows


def lateness(days: int) -> str:
    """How late, as people say it: "3 days late", "7 months late" (never "2636d")."""
    from store.dates import duration_words

    return f"{duration_words(days)} late"
