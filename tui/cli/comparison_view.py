"""The change board's "what moved" as Rich tables: one small table per non-empty category.

Shared by `ipt compare` and the tracker's compare screen, so both show the same thing.
User text is always literal.
"""

from __future__ import annotations

from datetime import date

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from store.compare import ActionBrief, Comparison
from store.models import Reading
from tui.presentation import DIRECTION_SYMBOL, kpi_rating_text, lateness, literal, pounds, rag_text


def day_text(day: date | None) -> str:
    return "–" if day is None else f"{day:%d %b %Y}"


def _signed(number: int | None) -> str:
    return "–" if number is None else f"{number:+d}"


def _reading(reading: Reading | None, unit: str) -> str:
    if reading is None:
        return "–"
    return f"{reading.value:f}{unit if unit.startswith('%') or not unit else ' ' + unit}"


def _group(title: str, rows: list[list[RenderableType]]) -> Table:
    """One category: a bold title with its count, then rows without borders or a header."""
    table = Table(
        title=Text(f"{title} ({len(rows)})", style="bold"),
        title_justify="left",
        box=None,
        show_header=False,
        padding=(0, 1),
        expand=True,
    )
    for index in range(len(rows[0])):
        table.add_column(no_wrap=index != 1, ratio=1 if index == 1 else None, overflow="fold")
    for row in rows:
        table.add_row(*row)
    return table


def _action_row(action: ActionBrief, detail: RenderableType) -> list[RenderableType]:
    """One moved action: its ref and title as typed, then what moved."""
    return [literal(action.ref), literal(action.title), detail]


def comparison_groups(comparison: Comparison) -> list[Table]:
    """The non-empty change categories in the board's order, each as a small table."""
    groups: list[Table] = []

    def add(title: str, rows: list[list[RenderableType]]) -> None:
        if rows:
            groups.append(_group(title, rows))

    add(
        "Newly complete",
        [_action_row(d.action, f"done {day_text(d.completed_on)}") for d in comparison.newly_complete],
    )
    for title, moves in (
        ("RAG up", comparison.rag_up),
        ("RAG down", comparison.rag_down),
        ("RAG first assessed or cleared", comparison.rag_other),
    ):
        rows: list[list[RenderableType]] = []
        for move in moves:
            change = rag_text(move.from_rag, short=True)
            change.append(" → ")
            change.append_text(rag_text(move.to_rag, short=True))
            rows.append(_action_row(move.action, change))
        add(title, rows)
    add(
        "Newly overdue",
        [
            _action_row(o.action, f"due {day_text(o.due_on)}, {lateness(o.days_overdue)}")
            for o in comparison.newly_overdue
        ],
    )
    add(
        "Due dates moved",
        [
            _action_row(m.action, f"{day_text(m.from_due)} → {day_text(m.to_due)} ({_signed(m.days)} days)")
            for m in comparison.due_dates_moved
        ],
    )
    add(
        "Progress moved",
        [
            _action_row(p.action, f"{p.from_progress}% → {p.to_progress}% ({_signed(p.points)})")
            for p in comparison.progress_moved
        ],
    )
    for title, briefs in (
        ("Actions added", comparison.actions_added),
        ("Actions removed", comparison.actions_removed),
        ("Newly cancelled", comparison.newly_cancelled),
        ("Reinstated from cancelled", comparison.reinstated),
    ):
        add(title, [[literal(b.ref), literal(b.title), literal(b.theme)] for b in briefs])
    for title, spend in (
        ("Spend moved by financial year", comparison.spend_by_financial_year),
        ("Spend moved by theme", comparison.spend_by_theme),
    ):
        rows = []
        for money in spend:
            actual = Text("actual ")
            actual.append_text(pounds(money.actual_change))
            actual.append("  committed ")
            actual.append_text(pounds(money.committed_change))
            rows.append([literal(money.key), literal(money.name), actual])
        add(title, rows)
    rows = []
    for kpi in comparison.kpis_moved:
        rating = kpi_rating_text(kpi.from_rating.value) if kpi.from_rating is not None else Text("new")
        rating.append(" → ")
        rating.append_text(kpi_rating_text(kpi.to_rating.value))
        direction = DIRECTION_SYMBOL[kpi.direction.value] if kpi.direction is not None else "–"
        moved = literal(
            f"{_reading(kpi.from_reading, kpi.unit)} → {_reading(kpi.to_reading, kpi.unit)} {direction}  "
        )
        moved.append_text(rating)
        rows.append([literal(kpi.kpi_id), literal(kpi.name), moved])
    add("KPIs moved", rows)
    for title, recommendations in (
        ("Recommendations newly covered", comparison.recommendations_newly_covered),
        (
            "Recommendations with every action newly complete",
            comparison.recommendations_newly_actions_complete,
        ),
        ("Recommendations newly uncovered", comparison.recommendations_newly_uncovered),
    ):
        add(
            title,
            [
                [
                    str(r.number),
                    literal(r.text),
                    f"{r.from_state.label if r.from_state else 'not in plan'} → {r.to_state.label}",
                ]
                for r in recommendations
            ],
        )
    return groups
