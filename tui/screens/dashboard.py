"""Section 1: the plan at a glance, built from :func:`store.rollups.plan_summary`."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.widgets import Static

from store.first_look import PlanHeading
from store.money import ZERO
from store.vocabulary import Rag
from tui.presentation import (
    DIRECTION_SYMBOL,
    RAG_STYLE,
    RAG_SYMBOL,
    kpi_rating_text,
    lateness,
    literal,
    progress_bar,
    shown,
    sparkline,
    thousands,
)
from tui.screens.base import SectionScreen

if TYPE_CHECKING:
    from store.rollups import ActionDeadline, KpiStatus, PlanSummary

LIST_LIMIT = 6
"""Deadline lists show this many actions, then "… and N more"."""


def heading_text(heading: PlanHeading) -> Text:
    text = Text()
    text.append_text(literal(heading.name, "bold"))
    text.append(" — ")
    text.append_text(literal(heading.authority))
    if heading.has_inspection:
        text.append("\n")
        text.append_text(literal(heading.framework, "bold"))
        if heading.published_on:
            text.append(f" published {heading.published_on:%d %b %Y}")
        for criterion, judgement in heading.judgements:
            text.append("\n  ")
            text.append_text(literal(criterion))
            text.append(": ")
            text.append_text(literal(judgement, "bold red" if judgement == "Inadequate" else ""))
    if heading.board:
        text.append("\n")
        text.append_text(literal(heading.board))
        if heading.cadence:
            text.append(", ")
            text.append_text(literal(heading.cadence))
        if heading.chair:
            text.append(", chair ")
            text.append_text(literal(heading.chair))
    return text


def overall(summary: PlanSummary) -> Text:
    progress = summary.progress
    text = Text("Overall  ")
    text.append_text(progress_bar(progress.mean_progress, width=24))
    text.append(f"   {progress.complete} of {progress.live} actions complete")
    if progress.cancelled:
        text.append(f" ({progress.cancelled} cancelled)", style="dim")
    text.append("\nRAG      ")
    for rag in Rag:
        count = getattr(summary.rag, rag.value)
        text.append(f"{RAG_SYMBOL[rag]} {rag.label} {count}", style=RAG_STYLE[rag])
        text.append("   ")
    text.append(f"– none {summary.rag.unassessed}", style="dim")
    if summary.rag_conflicts:
        text.append(
            f"\n⚑ {len(summary.rag_conflicts)} RAG flagged against the dates or status", style="bold yellow"
        )
    return text


def deadline_list(title: str, items: Sequence[ActionDeadline], *, overdue: bool) -> RenderableType:
    table = Table(
        title=f"{title} ({len(items)})",
        title_justify="left",
        box=None,
        expand=True,
        show_header=False,
        padding=(0, 1),
    )
    table.add_column("ref", no_wrap=True, style="bold")
    table.add_column("title", ratio=1, no_wrap=True, overflow="ellipsis")
    table.add_column("when", no_wrap=True, justify="right")
    for item in items[:LIST_LIMIT]:
        when = lateness(item.days_overdue) if overdue else f"{item.due_on:%d %b}"
        table.add_row(
            literal(item.action.ref),
            literal(item.action.title),
            Text(when, style="bold red" if overdue else ""),
        )
    if not items:
        table.add_row("", Text("none", style="dim"), "")
    if len(items) > LIST_LIMIT:
        table.add_row("", Text(f"… and {len(items) - LIST_LIMIT} more", style="dim"), "")
    return table


def themes_table(summary: PlanSummary) -> Table:
    table = Table(title="Themes", title_justify="left", expand=True, box=None, padding=(0, 1))
    table.add_column("Theme", ratio=1, no_wrap=True, overflow="ellipsis")
    table.add_column("Progress", no_wrap=True)
    table.add_column("Done", justify="right", no_wrap=True)
    table.add_column("£000 alloc", justify="right", no_wrap=True)
    table.add_column("spent", justify="right", no_wrap=True)
    allocated = summary.allocations.by_theme
    spent = summary.spend.by_theme
    for theme in summary.themes:
        theme_spent = spent[theme.theme_key].actual if theme.theme_key in spent else ZERO
        table.add_row(
            literal(theme.theme_name),
            progress_bar(theme.progress.mean_progress, width=12),
            f"{theme.progress.complete}/{theme.progress.live}",
            thousands(allocated.get(theme.theme_key, ZERO)),
            thousands(theme_spent),
        )
    return table


def coverage_text(summary: PlanSummary) -> Text:
    coverage = summary.coverage
    text = Text("Recommendations  ", style="bold")
    text.append(
        f"{coverage.covered}/{coverage.total} covered by actions, "
        f"{coverage.actions_complete} with actions complete, "
        f"{coverage.impact_evidenced} impact evidenced"
    )
    if coverage.uncovered_numbers:
        text.append("\n")
        text.append(
            " ✖ Not covered: " + ", ".join(str(n) for n in coverage.uncovered_numbers) + " ",
            style="bold white on red",
        )
    return text


def kpi_tile(status: KpiStatus) -> Text:
    kpi = status.kpi
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append_text(literal(kpi.name, "bold"))
    text.append("\n")
    unit = shown(f" {kpi.unit}" if kpi.unit and kpi.unit != "%" else kpi.unit)
    if status.latest is not None:
        text.append(f"{status.latest.value}{unit}", style="bold")
    else:
        text.append("no reading", style="dim")
    if status.target is not None:
        text.append(f"  target {status.target.value}{unit}", style="dim")
    text.append("\n")
    text.append_text(kpi_rating_text(status.rating.value))
    if status.direction is not None:
        text.append(f"  {DIRECTION_SYMBOL[status.direction.value]}")
    values: list[Decimal] = [r.value for r in ([kpi.baseline] if kpi.baseline else []) + kpi.readings]
    text.append("\n")
    text.append(sparkline(values[-12:]), style="cyan")
    return text


class DashboardScreen(SectionScreen):
    """Plan, progress, RAG, deadlines, themes, coverage and KPI tiles on one scrolling page."""

    SECTION: ClassVar[str] = "dashboard"

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="dashboard"):
            yield Static(id="dash-heading")
            yield Static(id="dash-overall", classes="panel")
            with Horizontal(id="dash-deadlines"):
                yield Static(id="dash-overdue", classes="panel half")
                yield Static(id="dash-due-soon", classes="panel half")
            yield Static(id="dash-themes", classes="panel")
            yield Static(id="dash-coverage", classes="panel")
            yield Static(Text("Scorecard", style="bold"), id="dash-kpi-title")
            yield Grid(id="dash-kpis")

    def show_reading(self, heading: PlanHeading) -> None:
        self.query_one("#dash-heading", Static).update(heading_text(heading))
        self._show_figures(False)  # rather than empty panels

    def _show_figures(self, shown: bool) -> None:
        for widget in self.query_one("#dashboard").children:
            if widget.id != "dash-heading":
                widget.display = shown

    def show(self) -> None:
        plan, summary = self.ipt.plan, self.ipt.summary
        self.query_one("#dash-heading", Static).update(heading_text(PlanHeading.of(plan)))
        self._show_figures(True)
        self.query_one("#dash-overall", Static).update(overall(summary))
        self.query_one("#dash-overdue", Static).update(
            Group(deadline_list("Overdue", summary.overdue, overdue=True))
        )
        self.query_one("#dash-due-soon", Static).update(
            deadline_list(f"Due in {summary.due_within_days} days", summary.due_soon, overdue=False)
        )
        self.query_one("#dash-themes", Static).update(themes_table(summary))
        self.query_one("#dash-coverage", Static).update(coverage_text(summary))
        grid = self.query_one("#dash-kpis", Grid)
        grid.remove_children()
        grid.mount_all(Static(kpi_tile(status), classes="kpi-tile") for status in summary.kpis)
