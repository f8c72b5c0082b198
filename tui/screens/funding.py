"""Section 4: allocations every way, spend against them, budget monitoring for a chosen
period, spend against progress, and allocation against spend by year. Tables in £000."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Select, Static

from store.errors import StoreError
from store.ids import next_id
from store.models import Allocation, FundingCategory, FundingKind, FundingSource, SpendEntry, SpendKind
from store.money import financial_year_of, format_thousands, money_text
from store.operations import ID_PREFIXES, add_numbered
from store.repository import KINDS
from store.rollups import PlanSummary, allocation_breakdown, budget_monitoring
from tui.presentation import literal, monitoring_rows, percent_text, thousands
from tui.screens.action_form import day_text, parse_day
from tui.screens.base import SectionScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.record_form import Field, RecordFormScreen, problems_by_field
from tui.screens.samples import ChoiceScreen

BAR_WIDTH = 28


def _table(title: str) -> Table:
    return Table(title=title, title_justify="left", box=None, padding=(0, 1), title_style="bold")


def breakdown(summary: PlanSummary) -> Table:
    """Allocated and actually spent, by year, source, category and revenue/capital.

    "spent" is what was spent against the allocations of each row, in whatever year it was
    spent: unlike :func:`year_chart`, which puts spend in the year it happened."""
    table = _table("Allocations (£000)")
    table.caption = "spent: against these allocations, in any year"
    table.caption_justify = "left"
    table.add_column("By", no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column("allocated", justify="right")
    table.add_column("spent", justify="right")
    rollup = allocation_breakdown(summary.allocation_spend)
    for group in rollup.groups:
        for index, line in enumerate(group.rows):
            table.add_row(
                group.heading if index == 0 else "",
                line.name,
                thousands(line.allocated),
                thousands(line.actual),
            )
    table.add_row(
        Text(rollup.total.name, style="bold"),
        "",
        thousands(rollup.total.allocated),
        thousands(rollup.total.actual),
    )
    return table


def allocation_rows(summary: PlanSummary) -> Table:
    table = _table("Each allocation (£000)")
    for name, justify in (
        ("Id", "left"),
        ("Year", "left"),
        ("Source", "left"),
        ("Theme", "left"),
        ("Alloc", "right"),
        ("Spent", "right"),
        ("Commit", "right"),
        ("Left", "right"),
        ("Spent %", "right"),
    ):
        table.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for row in summary.allocation_spend:
        allocation = row.allocation
        table.add_row(
            literal(allocation.id),
            allocation.financial_year,
            allocation.source.label,
            literal(allocation.theme or "–"),
            thousands(allocation.amount),
            thousands(row.actual),
            thousands(row.committed),
            thousands(row.remaining),
            percent_text(row.spent_percent),
        )
    return table


def year_chart(summary: PlanSummary) -> Text:
    """Allocation against actual spend per financial year, as text bars."""
    pairs = [(line.name, line.allocated, line.actual) for line in summary.funding_by_year.rows]
    largest = max([abs(value) for _, a, s in pairs for value in (a, s)] + [Decimal(1)])
    text = Text("Allocated ", style="bold")
    text.append("█", style="cyan")
    text.append(" against spent ", style="bold")
    text.append("█", style="magenta")
    text.append(" in each financial year (£000)", style="bold")
    for year, allocated, actual in pairs:
        for label, value, style in ((year, allocated, "cyan"), ("", actual, "magenta")):
            length = int(abs(value) / largest * BAR_WIDTH)
            text.append(f"\n{label:>8} ")
            text.append("█" * length, style=style)
            text.append(" ")
            text.append_text(thousands(value))
    return text


def spend_progress(summary: PlanSummary) -> Table:
    ahead = f"{summary.spend_ahead_points:.0f}"
    table = _table(f"Spend against progress (flagged when spend is over {ahead} points ahead)")
    for name in ("Theme", "Allocated", "Spent", "Spent %", "Progress %", ""):
        table.add_column(name, justify="left" if name in ("Theme", "") else "right", no_wrap=True)
    for row in summary.spend_against_progress:
        flag = Text("⚑ spend ahead", style="bold yellow") if row.spend_ahead else Text("")
        table.add_row(
            literal(row.theme_name),
            thousands(row.allocated),
            thousands(row.spent),
            percent_text(row.spent_percent),
            percent_text(row.mean_progress),
            flag,
        )
    return table


class FundingScreen(SectionScreen):
    """Money for the plan; ``s`` records spend against an allocation; ``a``, ``e`` and ``x`` add,
    edit and remove an allocation."""

    SECTION: ClassVar[str] = "funding"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "add_spend", "Add spend", id="funding.add_spend"),
        Binding("a", "add_allocation", "Add allocation", id="funding.add_allocation"),
        Binding("e", "edit_allocation", "Edit allocation", id="funding.edit_allocation", show=False),
        Binding("x", "remove_allocation", "Remove allocation", id="funding.remove_allocation", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.period: str | None = None

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="funding"):
            yield Static(id="funding-headline")
            yield Static(id="funding-breakdown", classes="panel")
            yield Static(id="funding-chart", classes="panel")
            yield Static(id="funding-allocations", classes="panel")
            yield Static(id="funding-progress", classes="panel")
            yield Select[str]([], prompt="Monitoring period", id="period", allow_blank=True)
            yield Static(id="funding-monitoring", classes="panel")

    def show(self) -> None:
        summary = self.ipt.summary
        headline = Text("Allocated ", style="bold")
        headline.append_text(thousands(summary.allocations.total))
        headline.append("   Spent ", style="bold")
        headline.append_text(thousands(summary.spend.total.actual))
        headline.append("   Committed ", style="bold")
        headline.append_text(thousands(summary.spend.total.committed))
        headline.append("   (£000)", style="dim")
        self.query_one("#funding-headline", Static).update(headline)
        self.query_one("#funding-breakdown", Static).update(breakdown(summary))
        self.query_one("#funding-chart", Static).update(year_chart(summary))
        self.query_one("#funding-allocations", Static).update(allocation_rows(summary))
        self.query_one("#funding-progress", Static).update(spend_progress(summary))
        periods = summary.monitoring_periods
        select = self.query_one("#period", Select)
        select.set_options([(Text(p), p) for p in periods])
        if self.period not in periods:
            self.period = periods[-1] if periods else None
        if self.period is not None:
            select.value = self.period
        self._draw_monitoring()

    @on(Select.Changed, "#period")
    def _period(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value != self.period:
            self.period = event.value
            self._draw_monitoring()

    def _draw_monitoring(self) -> None:
        target = self.query_one("#funding-monitoring", Static)
        if self.period is None:
            target.update(Text("No budget monitoring lines in this plan.", style="dim"))
            return
        report = budget_monitoring(self.ipt.plan, self.period)
        if report is None:
            target.update("")
            return
        table = _table(f"Budget monitoring, {report.period} (£000; variance + is overspend)")
        for name in ("Service area", "Budget", "Forecast", "Reserves", "Variance", "Reason"):
            table.add_column(
                name,
                justify="right" if name not in ("Service area", "Reason") else "left",
                no_wrap=name != "Reason",
                overflow="fold",
            )
        *lines, total = monitoring_rows(report)
        for row in lines:
            table.add_row(*row)
        table.add_row(*total)
        target.update(Group(table))

    def action_add_spend(self) -> None:
        if self.ipt.refuse_if_read_only():
            return
        plan = self.ipt.plan
        if not plan.allocations:
            self.notify("The plan has no funding allocations to spend against.", severity="warning")
            return
        fields = [
            Field("id", "Id", next_id("S", (entry.id for entry in plan.spend))),
            Field(
                "allocation",
                "Allocation",
                options=[(f"{a.id} {a.financial_year} {a.purpose}"[:50], a.id) for a in plan.allocations],
            ),
            Field("financial_year", "Financial year", financial_year_of(self.ipt.as_of)),
            Field("period", "Month (1=Apr)", "", placeholder="1-12, optional"),
            Field(
                "kind",
                "Kind",
                SpendKind.ACTUAL.value,
                options=[(k.value.capitalize(), k.value) for k in SpendKind],
            ),
            Field("amount", "Amount £", "", placeholder="e.g. 12500.00"),
            Field("note", "Note"),
        ]

        def submit(values: dict[str, str]) -> dict[str, str]:
            return self._save_record(SpendEntry, {**values, "period": values["period"] or None}, list(values))

        self.app.push_screen(RecordFormScreen("Add spend", fields, submit))

    def action_add_allocation(self) -> None:
        """Money newly set aside: a growth bid agreed, a grant, reserves; negative for a cut."""
        if not self.ipt.refuse_if_read_only():
            self._allocation_form(None)

    def action_edit_allocation(self) -> None:
        """Correct an allocation (its id stays: spend refers to it)."""
        if not self.ipt.refuse_if_read_only():
            self._choose_allocation("Edit which allocation?", self._allocation_form)

    def action_remove_allocation(self) -> None:
        """Remove an allocation, after asking; refused while spend is recorded against it."""
        if not self.ipt.refuse_if_read_only():
            self._choose_allocation("Remove which allocation?", self._confirm_removal)

    def _choose_allocation(self, question: str, then: Callable[[Allocation], None]) -> None:
        allocations = {a.id: a for a in self.ipt.plan.allocations}
        if not allocations:
            self.notify("The plan has no funding allocations.", severity="warning")
            return
        choices = [
            (a.id, f"{a.id}  {a.financial_year}  £{format_thousands(a.amount)}k  {a.purpose}")
            for a in allocations.values()
        ]

        def chosen(key: str | None) -> None:
            if key is not None and key in allocations:
                then(allocations[key])

        self.app.push_screen(ChoiceScreen(question, choices), chosen)

    def _allocation_form(self, allocation: Allocation | None) -> None:
        """The allocation form: blank with the next free id for a new one, else filled in."""
        plan, a, repo = self.ipt.plan, allocation, self.ipt.repo
        assert repo is not None
        fields = [] if a else [Field("id", "Id", next_id("A", (x.id for x in plan.allocations)))]
        fields += [
            Field(
                "financial_year",
                "Financial year",
                a.financial_year if a else financial_year_of(self.ipt.as_of),
            ),
            Field(
                "source",
                "Source",
                a.source.value if a else "",
                options=[(s.label, s.value) for s in FundingSource],
            ),
            Field(
                "kind",
                "Revenue/capital",
                a.kind.value if a else "",
                options=[(k.value.capitalize(), k.value) for k in FundingKind],
            ),
            Field(
                "category",
                "Category",
                a.category.value if a else "",
                options=[(c.label, c.value) for c in FundingCategory],
            ),
            Field(
                "amount",
                "Amount £",
                money_text(a.amount) if a else "",
                placeholder="e.g. 250000.00; negative for a reduction",
            ),
            Field("purpose", "Purpose", a.purpose if a else ""),
            Field(
                "theme",
                "Theme",
                (a.theme or "") if a else "",
                options=[("(whole plan)", ""), *((f"{t.key} {t.name}"[:50], t.key) for t in plan.themes)],
            ),
            Field("approved_by", "Approved by", a.approved_by if a else "", placeholder="e.g. Cabinet"),
            Field(
                "approved_on",
                "Approved on",
                day_text(a.approved_on) if a else "",
                placeholder="2019-10-03 or 03/10/2019, optional",
            ),
        ]

        def submit(values: dict[str, str]) -> dict[str, str]:
            try:
                approved_on = parse_day(values["approved_on"])
            except ValueError as error:
                return {"approved_on": str(error)}
            data: dict[str, object] = {**values, "theme": values["theme"] or None, "approved_on": approved_on}
            if a is None:
                return self._save_record(Allocation, data, list(values))
            return self._save_record(Allocation, {**data, "id": a.id}, list(values), base=a)

        title = "Add allocation" if a is None else f"Edit allocation {a.id}"
        self.app.push_screen(RecordFormScreen(title, fields, submit))

    def _confirm_removal(self, allocation: Allocation) -> None:
        question = (
            f"Remove allocation {allocation.id} ({allocation.financial_year}, "
            f"£{format_thousands(allocation.amount)}k)? The audit trail keeps a record of it."
        )

        def answered(yes: bool | None) -> None:
            repo, plan_id = self.ipt.repo, self.ipt.plan_id
            if not yes or repo is None or plan_id is None:
                return
            try:
                repo.delete(plan_id, Allocation, allocation.id, by=self.ipt.by, base=allocation)
            except StoreError as error:
                self.notify(str(error), title="Not removed", severity="error", markup=False, timeout=10)
                return
            self.ipt.saved()
            self.notify(f"Allocation {allocation.id} removed.", markup=False)

        self.app.push_screen(ConfirmScreen(question, yes="Remove"), answered)

    def _save_record(
        self,
        model: type[Allocation] | type[SpendEntry],
        data: dict[str, object],
        fields: list[str],
        *,
        base: Allocation | None = None,
    ) -> dict[str, str]:
        """Validate a record and save it through the repository: a new one, unless
        ``base`` (the allocation as the edit loaded it) is given. Its problems by field."""
        repo, plan_id = self.ipt.repo, self.ipt.plan_id
        assert repo is not None and plan_id is not None
        try:
            record = model.model_validate(data)
            if base is not None:
                repo.save(plan_id, record, by=self.ipt.by, base=base)
            else:
                # The suggested id is taken afresh under the lock, so two people adding at once
                # both get theirs; an id typed by hand is kept (and refused if it is in use).
                suggested = next_id(
                    ID_PREFIXES[model], (x.id for x in getattr(self.ipt.plan, KINDS[model].table))
                )
                typed = None if record.id == suggested else record.id
                add_numbered(
                    repo,
                    plan_id,
                    model,
                    lambda key: model.model_validate({**data, "id": key}),
                    by=self.ipt.by,
                    key=typed,
                )
        except (ValueError, StoreError) as error:
            return problems_by_field(error, fields)
        self.ipt.saved()
        return {}
