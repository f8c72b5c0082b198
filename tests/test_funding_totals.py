"""Every money table with a total adds up: the rows sum to the total in every column.

Plans are generated with allocations and spend across random financial years, including
years with spend but no allocation and negative allocations (budget reductions). The
roll-ups are checked as properties; one such plan is then rendered as the Markdown and HTML
packs and the text summary, and its spend-only year must appear as a row in each.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from store.exports import render_pack
from store.models import (
    Allocation,
    FundingCategory,
    FundingKind,
    FundingSource,
    MonitoringLine,
    Plan,
    SpendEntry,
    SpendKind,
    Theme,
)
from store.money import format_thousands
from store.rollups import (
    FundingLine,
    FundingTable,
    allocation_breakdown,
    funding_by_year,
    plan_summary,
)
from tui.cli.summary_view import render_summary

AS_OF = date(2020, 1, 15)
YEARS = ["2017/18", "2018/19", "2019/20", "2020/21", "2021/22"]
THEME_KEYS = ["WF", "QP"]
pounds = st.integers(min_value=-(10**11), max_value=10**11).map(lambda pence: Decimal(pence) / 100)
COLUMNS = ("allocated", "actual", "committed")


def plan_with(
    allocations: list[Allocation], spend: list[SpendEntry], monitoring: Iterable[MonitoringLine] = ()
) -> Plan:
    return Plan(
        id="money-plan",
        name="Money Plan",
        authority="Test Council",
        starts_on=date(2017, 4, 1),
        ends_on=date(2022, 3, 31),
        themes=[Theme(key="WF", name="Workforce"), Theme(key="QP", name="Quality")],
        allocations=allocations,
        spend=spend,
        monitoring=list(monitoring),
    )


@st.composite
def money_plans(draw: st.DrawFn) -> Plan:
    """Allocations in some years, spend in any year (often one with no allocation)."""
    allocation_years = draw(st.lists(st.sampled_from(YEARS), min_size=1, max_size=3, unique=True))
    allocations = [
        Allocation(
            id=f"A{n}",
            source=draw(st.sampled_from(FundingSource)),
            category=draw(st.sampled_from(FundingCategory)),
            kind=draw(st.sampled_from(FundingKind)),
            financial_year=draw(st.sampled_from(allocation_years)),
            amount=draw(pounds),
            theme=draw(st.sampled_from([None, *THEME_KEYS])),
        )
        for n in range(1, draw(st.integers(min_value=1, max_value=8)) + 1)
    ]
    spend = [
        SpendEntry(
            id=f"S{n}",
            allocation=draw(st.sampled_from([a.id for a in allocations])),
            financial_year=draw(st.sampled_from(YEARS)),
            kind=draw(st.sampled_from(SpendKind)),
            amount=draw(pounds),
        )
        for n in range(1, draw(st.integers(min_value=0, max_value=10)) + 1)
    ]
    periods = ["Month 3 2019/20", "Month 6 2019/20"]
    monitoring = [
        MonitoringLine(
            id=f"M{n}",
            period=draw(st.sampled_from(periods)),
            service_area=f"Area {n}",
            group=draw(st.sampled_from(["", "Children in Care", "Fieldwork"])),
            budget=draw(pounds),
            forecast=draw(pounds),
            use_of_reserves=draw(pounds),
        )
        for n in range(1, draw(st.integers(min_value=0, max_value=6)) + 1)
    ]
    return plan_with(allocations, spend, monitoring)


def column_sum(lines: Iterable[FundingLine], column: str) -> Decimal:
    return sum((getattr(line, column) for line in lines), Decimal(0))


def assert_adds_up(table: FundingTable) -> None:
    for column in COLUMNS:
        assert column_sum(table.rows, column) == getattr(table.total, column), column


@settings(max_examples=150, deadline=None)
@given(money_plans())
def test_every_money_table_with_a_total_adds_up(plan: Plan) -> None:
    summary = plan_summary(plan, AS_OF)

    by_year = summary.funding_by_year
    assert_adds_up(by_year)
    assert by_year == funding_by_year(summary.allocations, summary.spend)
    assert by_year.total.allocated == summary.allocations.total
    assert (by_year.total.actual, by_year.total.committed) == (
        summary.spend.total.actual,
        summary.spend.total.committed,
    )
    years = [line.name for line in by_year.rows]
    assert years == sorted(
        {a.financial_year for a in plan.allocations} | {s.financial_year for s in plan.spend}
    )

    allocations = summary.allocations
    for breakdown in (
        allocations.by_financial_year,
        allocations.by_source,
        allocations.by_category,
        allocations.by_kind,
        allocations.by_theme,
    ):
        assert sum(breakdown.values(), Decimal(0)) == allocations.total

    spend = summary.spend
    for breakdown_of_spend in (spend.by_financial_year, spend.by_allocation, spend.by_theme):
        for pick in ("actual", "committed"):
            parts = sum((getattr(pair, pick) for pair in breakdown_of_spend.values()), Decimal(0))
            assert parts == getattr(spend.total, pick)

    rows = summary.allocation_spend
    assert sum((row.allocation.amount for row in rows), Decimal(0)) == allocations.total
    assert sum((row.actual for row in rows), Decimal(0)) == spend.total.actual
    assert sum((row.committed for row in rows), Decimal(0)) == spend.total.committed

    grouped = allocation_breakdown(rows)
    assert [group.heading for group in grouped.groups] == ["Year", "Source", "Category", "Kind"]
    for group in grouped.groups:
        assert_adds_up(FundingTable(rows=group.rows, total=grouped.total))
    assert grouped.total == FundingLine("Total", allocations.total, spend.total.actual, spend.total.committed)

    report = summary.monitoring
    if report is not None:
        for field in ("budget", "forecast", "use_of_reserves", "variance"):
            assert sum((getattr(line, field) for line in report.lines), Decimal(0)) == getattr(
                report.totals, field
            )
            for subtotal in report.groups:
                members = sum((getattr(line, field) for line in subtotal.lines), Decimal(0))
                assert members == getattr(subtotal.totals, field)


def test_spend_only_year_is_a_row_of_its_own() -> None:
    plan = plan_with(
        [
            Allocation(
                id="A1", source="grant", category="investment", financial_year="2019/20", amount="500000"
            ),
            Allocation(
                id="A2",
                source="reserves",
                category="budget_reduction",
                financial_year="2019/20",
                amount="-100000",
            ),
        ],
        [
            SpendEntry(id="S1", allocation="A1", financial_year="2019/20", amount="120000"),
            SpendEntry(id="S2", allocation="A1", financial_year="2020/21", amount="80000"),
            SpendEntry(id="S3", allocation="A1", financial_year="2020/21", kind="commitment", amount="30000"),
        ],
    )
    table = plan_summary(plan, AS_OF).funding_by_year
    assert table.rows == (
        FundingLine("2019/20", Decimal("400000.00"), Decimal("120000.00"), Decimal("0.00")),
        FundingLine("2020/21", Decimal("0.00"), Decimal("80000.00"), Decimal("30000.00")),
    )
    assert table.total == FundingLine(
        "Total", Decimal("400000.00"), Decimal("200000.00"), Decimal("30000.00")
    )


def spend_only_plan() -> Plan:
    """2019/20 has allocations; 2021/22 has spend and nothing allocated."""
    return plan_with(
        [
            Allocation(
                id="A1", source="growth_bid", category="investment", financial_year="2019/20", amount="750000"
            ),
            Allocation(
                id="A2",
                source="other",
                category="budget_reduction",
                financial_year="2019/20",
                amount="-250000",
            ),
        ],
        [
            SpendEntry(id="S1", allocation="A1", financial_year="2019/20", amount="100000"),
            SpendEntry(id="S2", allocation="A1", financial_year="2021/22", amount="333000"),
            SpendEntry(id="S3", allocation="A1", financial_year="2021/22", kind="commitment", amount="44000"),
        ],
    )


def md_table(pack: str, title: str) -> list[list[str]]:
    """The body rows of the Markdown table under ``### title``."""
    section = pack.split(f"### {title}\n", 1)[1].split("\n\n", 1)[0].strip()
    rows = [line.strip("|").split("|") for line in section.splitlines()[2:]]
    return [[cell.strip().replace("\\", "") for cell in row] for row in rows]


def test_markdown_pack_shows_the_spend_only_year_and_its_rows_add_up() -> None:
    pack = render_pack(spend_only_plan(), as_of=AS_OF, fmt="md").decode()
    rows = md_table(pack, "Allocated and spent by financial year (£000)")
    assert rows == [
        ["2019/20", "500", "100", "-"],
        ["2021/22", "-", "333", "44"],
        ["Total", "500", "433", "44"],
    ]


def test_html_pack_shows_the_spend_only_year() -> None:
    pack = render_pack(spend_only_plan(), as_of=AS_OF, fmt="html").decode()
    table = pack.split("Allocated and spent by financial year (£000)</h3>", 1)[1].split("</table>", 1)[0]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", table)
    assert cells == ["2019/20", "500", "100", "-", "2021/22", "-", "333", "44", "Total", "500", "433", "44"]


def test_text_summary_shows_the_spend_only_year() -> None:
    plan = spend_only_plan()
    console = Console(record=True, width=120, color_system=None, file=io.StringIO())
    render_summary(console, plan, plan_summary(plan, AS_OF))
    text = console.export_text()
    funding = text.split("Funding by financial year (£000)", 1)[1]
    lines = [line for line in funding.splitlines() if re.search(r"\d{4}/\d{2}|Total", line)]
    cells = [re.findall(r"[\w/()\-,]+", line.replace("│", " ")) for line in lines[:3]]
    assert cells == [
        ["2019/20", "500", "100", "-"],
        ["2021/22", "-", "333", "44"],
        ["Total", "500", "433", "44"],
    ]


def test_rendered_year_rows_are_the_roll_up_rows() -> None:
    plan = spend_only_plan()
    table = plan_summary(plan, AS_OF).funding_by_year
    pack = render_pack(plan, as_of=AS_OF, fmt="md").decode()
    expected = [
        [line.name, *(format_thousands(getattr(line, column)) for column in COLUMNS)]
        for line in (*table.rows, table.total)
    ]
    assert md_table(pack, "Allocated and spent by financial year (£000)") == expected
