"""The board's five questions, each as a panel: a headline (the most important figure first)
for the panel's border, and the lines under it.

Pure functions of the plan's roll-ups (and, for the last, of a comparison with the latest
snapshot), so the dashboard draws them the moment the summary is ready.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from rich.text import Text

from store.money import format_thousands
from store.vocabulary import Rag
from tui.presentation import DIRECTION_SYMBOL, RAG_STYLE, RAG_SYMBOL, literal, progress_bar

if TYPE_CHECKING:  # the first frame is drawn before pydantic and the roll-ups are imported
    from store.compare import Comparison
    from store.models import Plan
    from store.rollups import PlanSummary

Answer = tuple[str, Text]
"""(headline for the panel's border, the panel's lines)."""

OFF_TARGET = frozenset({"red", "amber"})
"""The KPI ratings that are off target (by value: the roll-ups are not imported here)."""
GRADE_SHORT = {
    "inadequate": "Inad",
    "requires improvement to be good": "RI",
    "requires improvement": "RI",
    "good": "Good",
    "outstanding": "Outst",
}
CRITERION_SHORT = (
    ("overall", "Overall"),
    ("leader", "Leaders"),
    ("need help and protection", "Help & protection"),
    ("help and protection", "Help & protection"),
    ("in care", "In care"),
    ("care leaver", "Care leavers"),
    ("adoption", "Adoption"),
    ("safeguarding children board", "LSCB"),
    ("lscb", "LSCB"),
)


def short_criterion(criterion: str) -> str:
    """``"The impact of leaders on social work practice …"`` -> ``"Leaders"``."""
    lowered = criterion.lower()
    for phrase, short in CRITERION_SHORT:
        if phrase in lowered:
            return short
    words = re.findall(r"[\w'’]+", criterion)
    return " ".join(words[:3]) or criterion


def short_grade(grade: str) -> str:
    return GRADE_SHORT.get(grade.strip().lower(), grade)


def judgements_line(plan: Plan) -> Text:
    """One line: framework, month, each criterion's grade abbreviated (legend in the detail)."""
    inspection = plan.inspection
    text = Text()
    if inspection is None:
        return text
    text.append_text(literal(inspection.framework, "bold"))
    when = inspection.published_on or inspection.ended_on
    if when is not None:
        text.append(f" {when:%b %Y}")
    for judgement in inspection.judgements:
        grade = judgement.judgement.value
        text.append("  ")
        text.append_text(literal(short_criterion(judgement.criterion)))
        text.append(" ")
        text.append(short_grade(grade), style="bold red" if grade == "Inadequate" else "bold")
    return text


def judgements_detail(plan: Plan) -> Text:
    """Every criterion as worded, its grade in full, and the abbreviations' legend."""
    inspection = plan.inspection
    text = Text()
    if inspection is None:
        return text
    for judgement in inspection.judgements:
        text.append_text(literal(judgement.criterion))
        text.append(": ")
        text.append(judgement.judgement.value, style="bold")
        text.append("\n")
    text.append("Inad inadequate · RI requires improvement (to be good) · Outst outstanding", style="dim")
    return text


ThemeRow = tuple[str, "Decimal | None", int, int, tuple[tuple[Rag, int], ...]]
"""One theme's line: (name, mean progress, actions done, live actions, (RAG, count) of each RAG held)."""


def progress_headline(summary: PlanSummary) -> str:
    progress = summary.progress
    mean = "–" if progress.mean_progress is None else f"{progress.mean_progress:.0f}%"
    return f"Progress {mean} · {progress.complete} of {progress.live} done"


def theme_rows(summary: PlanSummary) -> tuple[ThemeRow, ...]:
    """Each theme's figures, for :func:`themes_text` to lay out at the panel's width."""
    return tuple(
        (
            theme.theme_name,
            theme.progress.mean_progress,
            theme.progress.complete,
            theme.progress.live,
            tuple((rag, count) for rag in Rag if (count := getattr(theme.rag, rag.value))),
        )
        for theme in summary.themes
    )


def themes_text(headline: str, rows: Sequence[ThemeRow], width: int) -> Answer:
    """1. How far each theme has got: progress, done of total, the RAG mix (``width``: the panel's)."""
    text = Text(no_wrap=True, overflow="ellipsis")
    bar = width >= 48
    name_width = max(8, min(28, width - (30 if bar else 20)))
    for number, (name, mean_here, complete, live, rags) in enumerate(rows):
        if number:
            text.append("\n")
        name = name if len(name) <= name_width else name[: name_width - 1] + "…"
        text.append_text(literal(name.ljust(name_width)))
        if bar:
            text.append(" ")
            text.append_text(progress_bar(mean_here, width=8))
        else:
            text.append(" –  " if mean_here is None else f" {mean_here:3.0f}%", style="cyan")
        text.append(f" {complete}/{live} ")
        for rag, count in rags:
            text.append(f"{RAG_SYMBOL[rag]}{count}", style=RAG_STYLE[rag])
    if not rows:
        text.append("No themes yet.", style="dim")
    return headline, text


def themes_answer(summary: PlanSummary, width: int) -> Answer:
    """1. How far each theme has got (see :func:`themes_text`)."""
    return themes_text(progress_headline(summary), theme_rows(summary), width)


def money_answer(summary: PlanSummary, plan: Plan) -> Answer:
    """2. Money in £000: allocated, spent, committed, the monitoring variance, by theme where themed."""
    allocated = summary.allocations.total
    spent, committed = summary.spend.total.actual, summary.spend.total.committed
    headline = f"£000: {format_thousands(spent)} spent of {format_thousands(allocated)}"
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"Allocated {format_thousands(allocated)}  Committed {format_thousands(committed)}")
    text.append(f"\nRemaining {format_thousands(allocated - spent - committed)}")
    monitoring = summary.monitoring
    if monitoring is not None:
        variance = monitoring.totals.variance
        text.append("\n")
        text.append_text(literal(monitoring.period))
        text.append(" variance ")
        word = "over" if variance > 0 else "under" if variance < 0 else "on"
        text.append(
            f"{format_thousands(abs(variance))} {word}",
            style="bold red" if variance > 0 else "green" if variance < 0 else "",
        )
    names = {theme.key: theme.name for theme in plan.themes}
    for key, amount in summary.allocations.by_theme.items():
        if not key or key not in names:
            continue
        spent_here = summary.spend.by_theme.get(key)
        text.append("\n")
        text.append_text(literal(names[key]))
        text.append(f": {format_thousands(spent_here.actual if spent_here else Decimal(0))}")
        text.append(f" of {format_thousands(amount)}")
    return headline, text


def recommendations_answer(summary: PlanSummary) -> Answer:
    """3. Recommendations with no live action, by number with the start of their wording."""
    coverage = summary.coverage
    uncovered = [item for item in coverage.recommendations if item.number in set(coverage.uncovered_numbers)]
    headline = f"{len(uncovered)} of {coverage.total} recs not covered"
    text = Text(no_wrap=True, overflow="ellipsis")
    if not uncovered:
        text.append("✔ each has a live action", style="green")
        text.append(f"\n{coverage.actions_complete} all actions complete")
        text.append(f"\n{coverage.impact_evidenced} impact evidenced")
        return headline, text
    for number, item in enumerate(uncovered):
        if number:
            text.append("\n")
        text.append(f"✖ {item.number:>2} ", style="bold red")
        text.append_text(literal(" ".join(item.text.split()) or "(no wording recorded)"))
    return headline, text


def kpis_answer(summary: PlanSummary) -> Answer:
    """4. KPIs off target: how many, and each with its direction of travel."""
    off = [status for status in summary.kpis if status.rating.value in OFF_TARGET]
    headline = f"{len(off)} of {len(summary.kpis)} KPIs off target"
    text = Text(no_wrap=True, overflow="ellipsis")
    if not summary.kpis:
        text.append("No KPIs in this plan.", style="dim")
    elif not off:
        text.append("✔ none off target", style="green")
    for number, status in enumerate(off):
        if number:
            text.append("\n")
        red = status.rating.value == "red"
        text.append("✖ " if red else "▲ ", style="bold red" if red else "bold yellow")
        if status.direction is not None:
            text.append(f"{DIRECTION_SYMBOL[status.direction.value]} ")
        text.append_text(literal(status.kpi.name))
        if status.latest is not None and status.target is not None:
            text.append(f"  {status.latest.value} (target {status.target.value})", style="dim")
    return headline, text


def changes_answer(comparison: Comparison | None, label: str | None) -> Answer:
    """5. What changed since the last board, from the latest snapshot; how to take one if none."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if comparison is None:
        text.append("Take one in Reviews (s) to see what moves.", style="dim")
        return "Since the last board: no snapshot yet", text
    parts: list[tuple[str, int]] = [
        ("newly complete", len(comparison.newly_complete)),
        ("RAG worse", len(comparison.rag_down)),
        ("RAG better", len(comparison.rag_up)),
        ("newly overdue", len(comparison.newly_overdue)),
        ("due dates moved", len(comparison.due_dates_moved)),
        ("spend moved", len(comparison.spend_by_financial_year)),
        ("KPIs moved", len(comparison.kpis_moved)),
    ]
    moved = [(name, count) for name, count in parts if count]
    total = sum(count for _, count in moved)
    since = f" since {label}" if label else ""
    headline = f"{total} change{'s' if total != 1 else ''}{since}"
    if not moved:
        text.append("Nothing has moved.", style="dim")
        return headline, text
    text.append(" · ".join(f"{count} {name}" for name, count in moved))
    for move in comparison.rag_down[:3]:
        text.append("\n")
        text.append_text(literal(move.action.ref, "bold"))
        text.append(" RAG ")
        text.append_text(_rag(move.from_rag))
        text.append(" → ")
        text.append_text(_rag(move.to_rag))
    for late in comparison.newly_overdue[:3]:
        text.append("\n")
        text.append_text(literal(late.action.ref, "bold"))
        text.append(" newly overdue", style="red")
    for done in comparison.newly_complete[:3]:
        text.append("\n")
        text.append_text(literal(done.action.ref, "bold"))
        text.append(" complete", style="green")
    return headline, text


def _rag(rag: Rag | None) -> Text:
    if rag is None:
        return Text("–", style="dim")
    return Text(rag.label, style=RAG_STYLE[rag])


def panel_lines(answers: Sequence[Answer]) -> int:
    """The most lines any answer has (for sizing the grid's rows)."""
    return max((text.plain.count("\n") + 1 for _, text in answers), default=1)
