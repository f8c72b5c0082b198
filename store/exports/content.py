"""The board pack's tables as plain text cells, shared by the Markdown and HTML renderers.

Every cell is unescaped user text or a formatted figure; each renderer escapes for its format.
Money is in £000 with brackets for negatives (:func:`store.money.format_thousands`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from store.compare import Comparison
from store.exports._common import (
    PackContext,
    action_row,
    measure_text,
    percent_text,
    rag_label,
    theme_name,
)
from store.models import Rag
from store.money import format_thousands
from store.rollups import CoverageState
from store.rollups._common import is_live


@dataclass(frozen=True, slots=True)
class Table:
    title: str
    columns: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]
    numeric: frozenset[int] = field(default_factory=frozenset)
    """Column positions to right-align."""
    empty: str = "None."


def _cell(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def judgements_table(ctx: PackContext) -> Table:
    inspection = ctx.plan.inspection
    rows = [(item.criterion, item.judgement.value) for item in inspection.judgements] if inspection else []
    title = f"Inspection judgements ({inspection.framework})" if inspection else "Inspection judgements"
    return Table(title, ("Criterion", "Judgement"), rows, empty="No inspection recorded.")


def themes_table(ctx: PackContext) -> Table:
    rows = []
    for theme in ctx.summary.themes:
        rag = theme.rag
        rows.append(
            (
                theme.theme_name,
                theme.lead,
                f"{theme.progress.complete}/{theme.progress.live}",
                percent_text(theme.progress.mean_progress),
                str(rag.red),
                str(rag.amber),
                str(rag.green),
                str(rag.blue),
                str(rag.unassessed),
            )
        )
    columns = ("Theme", "Lead", "Complete", "Progress", "✖ Red", "▲ Amber", "● Green", "✔ Complete", "None")
    return Table("Themes", columns, rows, frozenset(range(2, 9)))


def headline_table(ctx: PackContext) -> Table:
    summary = ctx.summary
    coverage = summary.coverage
    progress = summary.progress
    rows = [
        (
            "Actions complete",
            f"{progress.complete} of {progress.live} ({percent_text(progress.percent_complete)})",
        ),
        ("Mean progress", percent_text(progress.mean_progress)),
        ("Overdue actions", str(len(summary.overdue))),
        (f"Due in the next {summary.due_within_days} days", str(len(summary.due_soon))),
        ("Recommendations covered", f"{coverage.covered} of {coverage.total}"),
        ("Recommendations with all actions complete", str(coverage.actions_complete)),
        ("Recommendations with impact evidenced", str(coverage.impact_evidenced)),
        ("Gaps: recommendations with no live action", str(len(coverage.uncovered_numbers))),
        ("Gap numbers", ", ".join(str(n) for n in coverage.uncovered_numbers) or "none"),
        ("Allocated (£000)", format_thousands(summary.allocations.total)),
        ("Spent (£000)", format_thousands(summary.spend.total.actual)),
        ("Committed (£000)", format_thousands(summary.spend.total.committed)),
    ]
    return Table("The plan at a glance", ("Measure", "Value"), rows, frozenset({1}))


def kpi_table(ctx: PackContext) -> Table:
    rows = []
    for status in ctx.summary.kpis:
        kpi = status.kpi
        rows.append(
            (
                kpi.name,
                measure_text(status.latest.value if status.latest else None, kpi.unit),
                "" if status.latest is None else status.latest.on.isoformat(),
                "–"
                if status.target is None
                else f"{measure_text(status.target.value, kpi.unit)} ({status.target.financial_year})",
                kpi.polarity.label,
                status.direction.value.capitalize() if status.direction else "–",
                status.rating.label,
            )
        )
    columns = ("KPI", "Latest", "On", "Target", "Polarity", "Direction", "Rating")
    return Table("KPIs at a glance", columns, rows, empty="No KPIs.")


def exception_tables(ctx: PackContext) -> list[Table]:
    plan = ctx.plan
    red = [
        (a.ref, a.title, a.owner, "" if a.due_on is None else a.due_on.isoformat(), f"{a.progress}%")
        for a in plan.actions
        if a.rag is Rag.RED and is_live(a)
    ]
    overdue = [
        (
            d.action.ref,
            d.action.title,
            d.action.owner,
            d.due_on.isoformat(),
            str(d.days_overdue),
            rag_label(d.action.rag),
        )
        for d in ctx.summary.overdue
    ]
    conflicts = [(c.action.ref, c.action.title, c.reason) for c in ctx.summary.rag_conflicts]
    return [
        Table("Red actions", ("Ref", "Action", "Owner", "Due", "Progress"), red, frozenset({4})),
        Table(
            "Overdue actions", ("Ref", "Action", "Owner", "Due", "Days late", "RAG"), overdue, frozenset({4})
        ),
        Table("RAG contradictions", ("Ref", "Action", "Why flagged"), conflicts),
    ]


def changes_tables(comparison: Comparison) -> list[Table]:
    """One table per non-empty change category."""
    tables = []
    rows: list[tuple[str, ...]]
    if comparison.newly_complete:
        rows = [(c.action.ref, c.action.title, _cell(c.completed_on)) for c in comparison.newly_complete]
        tables.append(Table("Newly complete", ("Ref", "Action", "Completed"), rows))
    for title, moves in (
        ("RAG improved", comparison.rag_up),
        ("RAG worsened", comparison.rag_down),
        ("RAG first assessed or cleared", comparison.rag_other),
    ):
        if moves:
            rows = [(m.action.ref, m.action.title, rag_label(m.from_rag), rag_label(m.to_rag)) for m in moves]
            tables.append(Table(title, ("Ref", "Action", "Was", "Now"), rows))
    if comparison.newly_overdue:
        rows = [
            (o.action.ref, o.action.title, o.due_on.isoformat(), str(o.days_overdue))
            for o in comparison.newly_overdue
        ]
        tables.append(Table("Newly overdue", ("Ref", "Action", "Due", "Days late"), rows, frozenset({3})))
    if comparison.due_dates_moved:
        rows = [
            (
                d.action.ref,
                d.action.title,
                _cell(d.from_due),
                _cell(d.to_due),
                "–" if d.days is None else f"{d.days:+d}",
            )
            for d in comparison.due_dates_moved
        ]
        tables.append(Table("Due dates moved", ("Ref", "Action", "Was", "Now", "Days"), rows, frozenset({4})))
    if comparison.progress_moved:
        rows = [
            (p.action.ref, p.action.title, f"{p.from_progress}%", f"{p.to_progress}%", f"{p.points:+d}")
            for p in comparison.progress_moved
        ]
        tables.append(
            Table("Progress moved", ("Ref", "Action", "From", "To", "Change"), rows, frozenset({2, 3, 4}))
        )
    for title, briefs in (
        ("Actions added", comparison.actions_added),
        ("Actions removed", comparison.actions_removed),
        ("Newly cancelled", comparison.newly_cancelled),
        ("Reinstated", comparison.reinstated),
    ):
        if briefs:
            tables.append(
                Table(title, ("Ref", "Action", "Theme"), [(b.ref, b.title, b.theme) for b in briefs])
            )
    for title, spend_moves in (
        ("Spend moved by financial year (£000)", comparison.spend_by_financial_year),
        ("Spend moved by theme (£000)", comparison.spend_by_theme),
    ):
        if spend_moves:
            rows = [
                (
                    s.name,
                    format_thousands(s.actual_before),
                    format_thousands(s.actual_after),
                    format_thousands(s.actual_change),
                    format_thousands(s.committed_change),
                )
                for s in spend_moves
            ]
            columns = ("Year or theme", "Actual was", "Actual now", "Actual change", "Committed change")
            tables.append(Table(title, columns, rows, frozenset({1, 2, 3, 4})))
    if comparison.kpis_moved:
        rows = [
            (
                k.name,
                measure_text(k.from_reading.value if k.from_reading else None, k.unit),
                measure_text(k.to_reading.value if k.to_reading else None, k.unit),
                k.direction.value.capitalize() if k.direction else "–",
                ("New" if k.from_rating is None else k.from_rating.label) + " → " + k.to_rating.label,
            )
            for k in comparison.kpis_moved
        ]
        tables.append(Table("KPIs moved", ("KPI", "Was", "Now", "Direction", "Rating"), rows))
    for title, recs in (
        ("Recommendations newly covered", comparison.recommendations_newly_covered),
        (
            "Recommendations with all actions newly complete",
            comparison.recommendations_newly_actions_complete,
        ),
        ("Recommendations newly uncovered", comparison.recommendations_newly_uncovered),
    ):
        if recs:
            rows = [
                (
                    str(r.number),
                    r.text,
                    "Not in plan" if r.from_state is None else r.from_state.label,
                    r.to_state.label,
                )
                for r in recs
            ]
            tables.append(Table(title, ("No.", "Recommendation", "Was", "Now"), rows))
    return tables


def actions_table(ctx: PackContext) -> Table:
    rows = []
    for action in ctx.plan.actions:
        cells = [
            _cell(value) for value in action_row(ctx.plan, action, ctx.theme_names, outcomes=ctx.outcomes)
        ]
        cells[8] = rag_label(action.rag)
        cells[9] = f"{action.progress}%"
        rows.append(tuple(cells))
    return Table("Full action list", ctx.action_columns, rows, frozenset({9}))


def recommendations_table(ctx: PackContext) -> Table:
    rows = []
    for item in ctx.summary.coverage.recommendations:
        marker = (
            "✖ "
            if item.state is CoverageState.GAP
            else ("✔ " if item.state is CoverageState.ACTIONS_COMPLETE else "▲ ")
        )
        evidenced = (
            ""
            if item.impact_evidenced is None
            else f"{item.impact_evidenced.on.isoformat()} {item.impact_evidenced.by}"
        )
        rows.append(
            (
                str(item.number),
                item.text,
                ", ".join(a.ref for a in item.actions),
                marker + item.state.label,
                evidenced,
            )
        )
    columns = ("No.", "Recommendation", "Actions", "Coverage", "Impact evidenced")
    return Table("Recommendation coverage", columns, rows, frozenset({0}))


def funding_tables(ctx: PackContext) -> list[Table]:
    summary = ctx.summary
    year_table = summary.funding_by_year
    by_year = [
        (
            line.name,
            format_thousands(line.allocated),
            format_thousands(line.actual),
            format_thousands(line.committed),
        )
        for line in (*year_table.rows, year_table.total)
    ]
    by_source = [
        (source.label, format_thousands(amount)) for source, amount in summary.allocations.by_source.items()
    ]
    allocations = [
        (
            row.allocation.id,
            row.allocation.financial_year,
            row.allocation.source.label,
            row.allocation.category.label,
            theme_name(ctx.plan, row.allocation.theme) if row.allocation.theme else "",
            row.allocation.purpose,
            format_thousands(row.allocation.amount),
            format_thousands(row.actual),
            format_thousands(row.committed),
            format_thousands(row.remaining),
        )
        for row in summary.allocation_spend
    ]
    return [
        Table(
            "Allocated and spent by financial year (£000)",
            ("Year", "Allocated", "Spent", "Committed"),
            by_year,
            frozenset({1, 2, 3}),
        ),
        Table("Allocated by source (£000)", ("Source", "Allocated"), by_source, frozenset({1})),
        Table(
            "Funding allocations (£000)",
            (
                "Id",
                "Year",
                "Source",
                "Category",
                "Theme",
                "Purpose",
                "Allocated",
                "Spent",
                "Committed",
                "Remaining",
            ),
            allocations,
            frozenset({6, 7, 8, 9}),
        ),
    ]


def monitoring_table(ctx: PackContext) -> Table:
    report = ctx.summary.monitoring
    if report is None:
        return Table("Budget monitoring (£000)", ("Service area",), [], empty="No budget monitoring lines.")
    rows = [
        (
            line.group,
            line.service_area,
            format_thousands(line.budget),
            format_thousands(line.forecast),
            format_thousands(line.use_of_reserves),
            format_thousands(line.variance),
            line.reason,
        )
        for line in report.lines
    ]
    totals = report.totals
    rows.append(
        (
            "",
            "Total",
            format_thousands(totals.budget),
            format_thousands(totals.forecast),
            format_thousands(totals.use_of_reserves),
            format_thousands(totals.variance),
            "",
        )
    )
    columns = ("Group", "Service area", "Budget", "Forecast", "Use of reserves", "Variance", "Reason")
    return Table(f"Budget monitoring, {report.period} (£000)", columns, rows, frozenset({2, 3, 4, 5}))
