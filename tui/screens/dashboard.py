"""Section 1: the plan at a glance, built from :func:`store.rollups.plan_summary`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Static

from store.errors import StoreError
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
from tui.screens.answers import (
    Answer,
    changes_answer,
    judgements_detail,
    judgements_line,
    kpis_answer,
    money_answer,
    recommendations_answer,
    themes_answer,
    themes_text,
)
from tui.screens.base import SectionScreen

if TYPE_CHECKING:
    from store.compare import Comparison
    from store.models import Plan
    from store.returns import ChaseLine
    from store.rollups import ActionDeadline, KpiStatus, PlanSummary
    from store.snapshots import Snapshot

READING_REST = "Reading the plan for the lists below …"

ANSWERS = ("themes", "money", "recommendations", "kpis", "changes")
"""The board's five questions, in the order the dashboard answers them."""
LIST_LIMIT = 6
"""Deadline lists show this many actions, then "… and N more"."""


def heading_text(heading: PlanHeading, *, judgements: bool = True) -> Text:
    """The plan's name and authority; with ``judgements``, the inspection and board too."""
    text = Text(no_wrap=not judgements, overflow="ellipsis")
    text.append_text(literal(heading.name, "bold"))
    text.append(" — ")
    text.append_text(literal(heading.authority))
    if heading.has_inspection and judgements:
        text.append("\n")
        text.append_text(literal(heading.framework, "bold"))
        if heading.published_on:
            text.append(f" published {heading.published_on:%d %b %Y}")
        for criterion, judgement in heading.judgements:
            text.append("\n  ")
            text.append_text(literal(criterion))
            text.append(": ")
            text.append_text(literal(judgement, "bold red" if judgement == "Inadequate" else ""))
    if heading.board and judgements:
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


def returns_text(lines: Sequence[ChaseLine]) -> Text:
    """Who has sent back their monthly return, and who to chase (the late first)."""
    waiting = [line for line in lines if line.state != "returned"]
    text = Text("Owners' returns  ", style="bold")
    text.append(f"{len(lines) - len(waiting)} of {len(lines)} returned")
    if not waiting:
        return text
    late = [line for line in waiting if line.state == "late"]
    text.append(f"; {len(late)} late" if late else "; none late yet", style="bold red" if late else "dim")
    for line in waiting[:LIST_LIMIT]:
        text.append("\n  ")
        text.append_text(literal(line.request.owner))
        if line.state == "late":
            text.append(f"  {line.days_late} day{'s' if line.days_late != 1 else ''} late", style="red")
        elif line.request.due_on is not None:
            text.append(f"  due {line.request.due_on:%d %b}", style="dim")
    if len(waiting) > LIST_LIMIT:
        text.append(f"\n  … and {len(waiting) - LIST_LIMIT} more", style="dim")
    return text


class DashboardScreen(SectionScreen):
    """Plan, progress, RAG, deadlines, themes, coverage and KPI tiles on one scrolling page."""

    SECTION: ClassVar[str] = "dashboard"
    judgements_open = False
    early_shown = False
    """Whether the sibling process's figures have been drawn (see :mod:`tui.early_figures`)."""
    _snapshot: Snapshot | None = None
    """The latest snapshot, kept once read (see :meth:`read_changes`)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("i", "toggle_judgements", "Judgements", id="dashboard.judgements"),
    ]

    class ChangesRead(Message):
        """What moved since the latest snapshot, read in a thread (None: no snapshot)."""

        def __init__(self, version: int, comparison: Comparison | None, label: str | None) -> None:
            super().__init__()
            self.version = version
            self.comparison = comparison
            self.label = label

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="dashboard"):
            yield Static(id="dash-heading")
            yield Static(id="dash-judgements")
            with Grid(id="dash-answers"):
                for name in ANSWERS:
                    yield Static(id=f"answer-{name}", classes="answer")
            yield Static(id="dash-overall", classes="panel")
            with Horizontal(id="dash-deadlines"):
                yield Static(id="dash-overdue", classes="panel half")
                yield Static(id="dash-due-soon", classes="panel half")
            yield Static(id="dash-themes", classes="panel")
            yield Static(id="dash-coverage", classes="panel")
            yield Static(id="dash-returns", classes="panel")
            yield Static(Text("Scorecard", style="bold"), id="dash-kpi-title")
            yield Grid(id="dash-kpis")

    def show_reading(self, heading: PlanHeading) -> None:
        self.query_one("#dash-heading", Static).update(heading_text(heading, judgements=False))
        self._show_figures(False)  # rather than empty panels
        early = self.ipt.early
        if early is not None:  # the answers, from the sibling process, while the plan is read here
            self.query_one("#working", Static).update(Text(READING_REST, style="italic"))
            self.query_one("#dash-answers").display = True
            themes = themes_text(early.progress_headline, early.theme_rows, self._answer_width())
            self._draw_answers(themes, early.money, early.recommendations, early.kpis, early.judgements)
            self._answer("changes", ("Since the last board: reading…", Text("")))
            self.early_shown = True

    @property
    def figures_on_screen(self) -> bool:
        """Whether the board's answers are drawn: from the plan read here, or from the sibling's."""
        drawn_here = self.ipt.has_plan and self.shown_version == self.ipt.data_version
        return drawn_here or (self.early_shown and self.ipt.early is not None)

    def _answer_width(self) -> int:
        """The width inside one answer panel: 3 columns from 150 columns wide, else 2."""
        columns = 3 if self.size.width >= 150 else 2
        return max(24, (self.size.width - 2 - (columns - 1)) // columns - 4)

    def _show_figures(self, shown: bool) -> None:
        for widget in self.query_one("#dashboard").children:
            if widget.id not in {"dash-heading", "dash-judgements"}:
                widget.display = shown

    def _answer(self, name: str, answer: Answer) -> None:
        headline, lines = answer
        panel = self.query_one(f"#answer-{name}", Static)
        panel.border_title = literal(headline)  # a snapshot label in it is user text
        panel.update(lines)

    def _draw_answers(
        self, themes: Answer, money: Answer, recommendations: Answer, kpis: Answer, judgements: Text | None
    ) -> None:
        """The first four answers, and the inspection's judgements (None: the plan has none)."""
        for name, answer in (
            ("themes", themes),
            ("money", money),
            ("recommendations", recommendations),
            ("kpis", kpis),
        ):
            self._answer(name, answer)
        panel = self.query_one("#dash-judgements", Static)
        panel.display = judgements is not None
        if judgements is not None:
            panel.update(judgements)

    def _show_answers(self) -> None:
        plan, summary = self.ipt.plan, self.ipt.summary
        judgements = None
        if plan.inspection is not None:
            judgements = judgements_detail(plan) if self.judgements_open else judgements_line(plan)
        self._draw_answers(
            themes_answer(summary, self._answer_width()),
            money_answer(summary, plan),
            recommendations_answer(summary),
            kpis_answer(summary),
            judgements,
        )
        if not self.query_one("#answer-changes", Static).border_title:
            self._answer("changes", ("Since the last board: reading…", Text("")))
        self.read_changes(self.ipt.data_version, plan, self.ipt.as_of)

    @work(thread=True, exclusive=True, group="dash-changes", description="changes since the last board")
    def read_changes(self, version: int, plan: Plan, as_of: date) -> None:
        from store.compare import compare_plans

        repo = self.ipt.repo
        comparison, label = None, None
        try:
            if repo is not None:
                latest = repo.snapshots.latest(plan.id, 1)
                if latest:
                    # A snapshot never changes: read once, then only the comparison is redone
                    # after each save.
                    if self._snapshot is None or self._snapshot.id != latest[-1].id:
                        self._snapshot = repo.snapshots.get(latest[-1].id)
                    snapshot = self._snapshot
                    comparison = compare_plans(snapshot.plan, snapshot.as_of, plan, as_of)
                    label = latest[-1].label
        except StoreError:
            comparison = None
        self.post_message(self.ChangesRead(version, comparison, label))

    @on(ChangesRead)
    def _changes_read(self, message: ChangesRead) -> None:
        if message.version == self.ipt.data_version:
            self._answer("changes", changes_answer(message.comparison, message.label))

    def action_toggle_judgements(self) -> None:
        """Show every inspection judgement in full, or the one line again."""
        self.judgements_open = not self.judgements_open
        self.query_one("#dash-judgements").set_class(self.judgements_open, "-open")
        if self.ipt.has_plan:
            plan = self.ipt.plan
            self.query_one("#dash-judgements", Static).update(
                judgements_detail(plan) if self.judgements_open else judgements_line(plan)
            )

    def show(self) -> None:
        plan, summary = self.ipt.plan, self.ipt.summary
        self.query_one("#dash-heading", Static).update(heading_text(PlanHeading.of(plan), judgements=False))
        self._show_figures(True)
        self._show_answers()
        self.query_one("#dash-overall", Static).update(overall(summary))
        self.query_one("#dash-overdue", Static).update(
            Group(deadline_list("Overdue", summary.overdue, overdue=True))
        )
        self.query_one("#dash-due-soon", Static).update(
            deadline_list(f"Due in {summary.due_within_days} days", summary.due_soon, overdue=False)
        )
        self.query_one("#dash-themes", Static).update(themes_table(summary))
        self.query_one("#dash-coverage", Static).update(coverage_text(summary))
        returns = self.query_one("#dash-returns", Static)
        returns.display = bool(plan.requests)
        if plan.requests:  # the returns module (and the importer under it) only when there are some
            from store.returns import chase_list

            returns.update(returns_text(chase_list(plan, self.ipt.as_of)))
        grid = self.query_one("#dash-kpis", Grid)
        grid.remove_children()
        grid.mount_all(Static(kpi_tile(status), classes="kpi-tile") for status in summary.kpis)
