"""Rich renderings of a plan summary and of one action, for the headless command line."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from store.labels import field_label, value_in_words
from store.models import Action, AuditEntry, Plan, Rag
from store.rollups import PlanSummary
from tui.presentation import (
    DIRECTION_SYMBOL,
    kpi_rating_text,
    lateness,
    literal,
    monitoring_rows,
    progress_bar,
    rag_text,
    thousands,
)


def _heading(plan: Plan, summary: PlanSummary) -> Text:
    text = Text()
    text.append_text(literal(plan.name, "bold"))
    text.append_text(literal(f" — {plan.authority}\n"))
    if plan.inspection:
        inspection = plan.inspection
        judgements = "; ".join(f"{j.criterion}: {j.judgement.value}" for j in inspection.judgements)
        text.append_text(literal(inspection.framework, "bold"))
        if inspection.started_on and inspection.ended_on:
            text.append(f" {inspection.started_on:%d %b %Y} – {inspection.ended_on:%d %b %Y}")
        if judgements:
            text.append_text(literal(f" · {judgements}"))
        text.append("\n")
    if plan.governance:
        governance = plan.governance
        text.append_text(literal(f"{governance.board}, {governance.cadence}"))
        if governance.chair:
            text.append_text(literal(f", chaired by {governance.chair}"))
        text.append("\n")
    text.append(f"As of {summary.as_of:%d %B %Y}", style="dim")
    return text


def _themes_table(summary: PlanSummary) -> Table:
    table = Table(title="Progress by theme", title_justify="left", expand=False)
    table.add_column("Theme")
    table.add_column("Lead")
    table.add_column("Progress", no_wrap=True)
    table.add_column("Done", justify="right")
    for label in ("R", "A", "G", "B"):
        table.add_column(label, justify="right")
    for theme in summary.themes:
        rag = theme.rag
        table.add_row(
            literal(theme.theme_name),
            literal(theme.lead),
            progress_bar(theme.progress.mean_progress, 16),
            f"{theme.progress.complete}/{theme.progress.live}",
            str(rag.red),
            str(rag.amber),
            str(rag.green),
            str(rag.blue),
        )
    overall = summary.progress
    table.add_row(
        Text("All themes", style="bold"),
        "",
        progress_bar(overall.mean_progress, 16),
        f"{overall.complete}/{overall.live}",
        str(summary.rag.red),
        str(summary.rag.amber),
        str(summary.rag.green),
        str(summary.rag.blue),
        end_section=True,
    )
    return table


def _rag_line(summary: PlanSummary) -> Text:
    counts = summary.rag
    text = Text("RAG: ")
    for rag, count in (
        (Rag.RED, counts.red),
        (Rag.AMBER, counts.amber),
        (Rag.GREEN, counts.green),
        (Rag.BLUE, counts.blue),
    ):
        text.append_text(rag_text(rag))
        text.append(f" {count}   ")
    text.append(f"unassessed {counts.unassessed}", style="dim")
    return text


def _deadlines_table(summary: PlanSummary) -> Table:
    table = Table(
        title=f"Overdue ({len(summary.overdue)}) and due in {summary.due_within_days} days "
        f"({len(summary.due_soon)})",
        title_justify="left",
    )
    table.add_column("Ref", no_wrap=True)
    table.add_column("Action")
    table.add_column("Owner")
    table.add_column("Due", no_wrap=True)
    table.add_column("", no_wrap=True)
    for deadline in summary.overdue:
        action = deadline.action
        table.add_row(
            literal(action.ref),
            literal(action.title),
            literal(action.owner),
            f"{deadline.due_on:%d %b %Y}",
            Text(lateness(-deadline.days_to_due), style="bold red"),
        )
    for deadline in summary.due_soon:
        action = deadline.action
        table.add_row(
            literal(action.ref),
            literal(action.title),
            literal(action.owner),
            f"{deadline.due_on:%d %b %Y}",
            Text(f"in {deadline.days_to_due}d", style="yellow"),
        )
    return table


def _conflicts_table(summary: PlanSummary) -> Table:
    table = Table(
        title=f"RAG that contradicts the dates ({len(summary.rag_conflicts)})", title_justify="left"
    )
    table.add_column("Ref", no_wrap=True)
    table.add_column("RAG", no_wrap=True)
    table.add_column("Why it is flagged")
    for conflict in summary.rag_conflicts:
        table.add_row(literal(conflict.action.ref), rag_text(conflict.action.rag), literal(conflict.reason))
    return table


def _coverage_text(summary: PlanSummary) -> Text:
    coverage = summary.coverage
    text = Text(
        f"Recommendations: {coverage.covered}/{coverage.total} covered, "
        f"{coverage.actions_complete} with all actions complete, "
        f"{coverage.impact_evidenced} with impact evidenced"
    )
    if coverage.uncovered_numbers:
        text.append("   uncovered: ", style="bold")
        text.append(", ".join(str(n) for n in coverage.uncovered_numbers), style="bold red")
    return text


def _funding_table(summary: PlanSummary) -> Table:
    table = Table(title="Funding by financial year (£000)", title_justify="left")
    table.add_column("Year")
    table.add_column("Allocated", justify="right")
    table.add_column("Spent", justify="right")
    table.add_column("Committed", justify="right")
    by_year = summary.funding_by_year
    for line in by_year.rows:
        table.add_row(line.name, thousands(line.allocated), thousands(line.actual), thousands(line.committed))
    total = by_year.total
    table.add_row(
        Text(total.name, style="bold"),
        thousands(total.allocated),
        thousands(total.actual),
        thousands(total.committed),
        end_section=True,
    )
    return table


def _monitoring_table(summary: PlanSummary) -> Table | None:
    report = summary.monitoring
    if report is None:
        return None
    table = Table(title=f"Budget monitoring, {report.period} (£000)", title_justify="left")
    for column in ("Service area", "Budget", "Forecast", "Reserves", "Variance", "Reason"):
        table.add_column(
            column, justify="right" if column in {"Budget", "Forecast", "Reserves", "Variance"} else "left"
        )
    *lines, total = monitoring_rows(report, group_in_name=True)
    for row in lines:
        table.add_row(*row)
    table.add_row(*total, end_section=True)
    return table


def _kpi_table(summary: PlanSummary) -> Table:
    table = Table(title="Scorecard", title_justify="left")
    for column in ("KPI", "Polarity", "Latest", "Target", "Status", "Travel"):
        table.add_column(column)
    for status in summary.kpis:
        kpi = status.kpi
        latest = f"{status.latest.value:f}" if status.latest else "–"
        if status.latest and status.latest.label:
            latest += f" ({status.latest.label})"
        target = f"{status.target.value:f} ({status.target.financial_year})" if status.target else "–"
        direction = DIRECTION_SYMBOL.get(status.direction.value, "") if status.direction else "–"
        table.add_row(
            literal(kpi.name),
            kpi.polarity.label,
            literal(latest),
            target,
            kpi_rating_text(status.rating.value),
            direction,
        )
    return table


def render_summary(console: Console, plan: Plan, summary: PlanSummary) -> None:
    """Print the plan on a page: themes, RAG, deadlines, coverage, money, KPIs."""
    parts: list[object] = [
        Panel(_heading(plan, summary), expand=False),
        _themes_table(summary),
        _rag_line(summary),
        _coverage_text(summary),
    ]
    if summary.overdue or summary.due_soon:
        parts.append(_deadlines_table(summary))
    if summary.rag_conflicts:
        parts.append(_conflicts_table(summary))
    if summary.allocations.by_financial_year:
        parts.append(_funding_table(summary))
    monitoring = _monitoring_table(summary)
    if monitoring is not None:
        parts.append(monitoring)
    if summary.kpis:
        parts.append(_kpi_table(summary))
    console.print(Group(*parts))  # type: ignore[arg-type]


def render_action(console: Console, plan: Plan, action: Action, history: list[AuditEntry]) -> None:
    """One action in full, with its updates and audit history."""
    details = Table.grid(padding=(0, 2))
    details.add_column(style="bold")
    details.add_column()
    theme_name = next((t.name for t in plan.themes if t.key == action.theme), action.theme)
    rows: list[tuple[str, Text]] = [
        ("Title", literal(action.title)),
        ("Theme", literal(theme_name)),
        ("Owner", literal(action.owner or "–")),
        ("Start", Text(f"{action.start_on:%d %b %Y}" if action.start_on else "–")),
        ("Due", Text(f"{action.due_on:%d %b %Y}" if action.due_on else "–")),
        ("Completed", Text(f"{action.completed_on:%d %b %Y}" if action.completed_on else "–")),
        ("Status", Text(action.status.label)),
        ("RAG", rag_text(action.rag)),
        ("Progress", progress_bar(action.progress)),
        ("Recommendations", Text(", ".join(str(n) for n in action.recommendations) or "–")),
        ("Funding", literal(", ".join(action.funding) or "–")),
        ("Measures", literal(", ".join(action.measures) or "–")),
    ]
    described = [
        (label, literal(text))
        for label, text in (
            ("Description", action.description),
            ("Outcome", action.outcome),
            ("Success measure", action.success_measure),
        )
        if text
    ]
    rows[1:1] = described
    for label, value in rows:
        details.add_row(label, value)
    console.print(Panel(details, title=Text(action.ref), title_align="left", expand=False))
    if action.updates:
        updates = Table("Date", "Author", "RAG", "Update", title="Updates", title_justify="left")
        for update in action.updates:
            updates.add_row(
                f"{update.on:%d %b %Y}", literal(update.author), rag_text(update.rag), literal(update.text)
            )
        console.print(updates)
    if action.due_history:
        moves = Table("Date", "By", "From", "To", "Reason", title="Due date changes", title_justify="left")
        for move in action.due_history:
            moves.add_row(
                f"{move.on:%d %b %Y}",
                literal(move.by),
                f"{move.old_due_on:%d %b %Y}",
                f"{move.new_due_on:%d %b %Y}",
                literal(move.reason),
            )
        console.print(moves)
    audit = Table("When", "Who", "Field", "From", "To", title="History", title_justify="left")
    for entry in history:
        audit.add_row(
            f"{entry.at:%Y-%m-%d %H:%M}",
            literal(entry.by),
            literal(field_label(entry.field)),
            literal(_short(entry.old)),
            literal(_short(entry.new)),
        )
    console.print(audit if history else Text("No recorded changes yet.", style="dim"))


def _short(value: object) -> str:
    text = value_in_words(value)
    return text if len(text) <= 60 else text[:57] + "…"
