"""Roll-ups over small hand-built plans: each rule, its edges, and properties that must always hold."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store.models import (
    Action,
    Allocation,
    FundingCategory,
    FundingKind,
    FundingSource,
    ImpactSignOff,
    Kpi,
    MonitoringLine,
    Plan,
    PlanFile,
    Polarity,
    Reading,
    Recommendation,
    SpendEntry,
    SpendKind,
    Status,
    Target,
    Theme,
)
from store.rollups import (
    UNASSIGNED,
    CoverageState,
    Direction,
    KpiRating,
    RagConflictKind,
    allocation_spend,
    allocation_totals,
    budget_monitoring,
    current_target,
    due_soon_actions,
    kpi_status,
    kpi_statuses,
    monitoring_periods,
    overdue_actions,
    plan_summary,
    progress_counts,
    rag_conflicts,
    rag_counts,
    recommendation_coverage,
    spend_against_progress,
    spend_totals,
    summary_to_json,
    theme_rollups,
)

AS_OF = date(2019, 10, 15)
SAMPLE = Path(__file__).resolve().parent.parent / "sample_plans" / "oldham-2019.json"


# --- builders --------------------------------------------------------------------------------


def make_plan(**parts: Any) -> Plan:
    """A valid plan with two themes (WF, QP) and whatever entities the test supplies."""
    fields: dict[str, Any] = {
        "id": "test-plan",
        "name": "Test Improvement Plan",
        "authority": "Testshire",
        "starts_on": date(2019, 4, 1),
        "ends_on": date(2021, 3, 31),
        "themes": [
            Theme(key="WF", name="Workforce", lead="Head of Workforce"),
            Theme(key="QP", name="Quality of Practice", lead="Principal Social Worker"),
        ],
    }
    fields.update(parts)
    return Plan(**fields)


def make_action(ref: str, theme: str = "WF", **fields: Any) -> Action:
    return Action(ref=ref, theme=theme, title=f"Action {ref}", **fields)


def pounds(amount: str | int) -> Decimal:
    return Decimal(amount).quantize(Decimal("0.01"))


def make_allocation(
    allocation_id: str,
    amount: str | int,
    *,
    source: FundingSource = FundingSource.BASE_BUDGET_UPLIFT,
    category: FundingCategory = FundingCategory.INVESTMENT,
    kind: FundingKind = FundingKind.REVENUE,
    financial_year: str = "2019/20",
    theme: str | None = None,
) -> Allocation:
    return Allocation(
        id=allocation_id,
        source=source,
        category=category,
        kind=kind,
        financial_year=financial_year,
        amount=pounds(amount),
        theme=theme,
    )


def make_spend(
    entry_id: str,
    allocation: str,
    amount: str | int,
    *,
    kind: SpendKind = SpendKind.ACTUAL,
    financial_year: str = "2019/20",
) -> SpendEntry:
    return SpendEntry(
        id=entry_id, allocation=allocation, amount=pounds(amount), kind=kind, financial_year=financial_year
    )


def make_line(
    line_id: str,
    budget: int,
    forecast: int,
    *,
    reserves: int = 0,
    group: str = "",
    period: str = "Month 3 2019/20",
) -> MonitoringLine:
    return MonitoringLine(
        id=line_id,
        period=period,
        service_area=f"Service {line_id}",
        group=group,
        budget=pounds(budget),
        forecast=pounds(forecast),
        use_of_reserves=pounds(reserves),
    )


def make_kpi(
    polarity: Polarity,
    readings: Sequence[tuple[date, str]] = (),
    *,
    baseline: tuple[date, str] | None = None,
    targets: dict[str, str] | None = None,
    tolerance: str = "0",
    kpi_id: str = "K1",
) -> Kpi:
    return Kpi(
        id=kpi_id,
        name="Re-referrals within 12 months",
        unit="%",
        polarity=polarity,
        baseline=Reading(on=baseline[0], value=Decimal(baseline[1])) if baseline else None,
        readings=[Reading(on=on, value=Decimal(value)) for on, value in readings],
        targets=[
            Target(financial_year=year, value=Decimal(value)) for year, value in (targets or {}).items()
        ],
        tolerance=Decimal(tolerance),
    )


def refs(items: Any) -> list[str]:
    return [item.action.ref for item in items]


# --- progress and RAG ---------------------------------------------------------------------------


def test_progress_leaves_cancelled_actions_out_of_every_denominator() -> None:
    actions = [
        make_action("A1", status=Status.COMPLETE, progress=100),
        make_action("A2", status=Status.IN_PROGRESS, progress=50),
        make_action("A3", status=Status.NOT_STARTED, progress=0),
        make_action("A4", status=Status.CANCELLED, progress=80),
    ]
    counts = progress_counts(actions)
    assert (counts.actions_total, counts.cancelled, counts.live, counts.complete) == (4, 1, 3, 1)
    assert counts.percent_complete == Decimal("33.3")
    assert counts.mean_progress == Decimal("50.0")


def test_percentages_round_half_up_to_one_place() -> None:
    actions = [make_action("C", status=Status.COMPLETE, progress=100)]
    actions += [make_action(f"N{n}", progress=0) for n in range(15)]
    counts = progress_counts(actions)
    assert counts.percent_complete == Decimal("6.3")  # 6.25 half-up; banker's rounding would give 6.2
    assert counts.mean_progress == Decimal("6.3")


def test_progress_of_nothing_live_has_no_percentages() -> None:
    counts = progress_counts([make_action("X", status=Status.CANCELLED, progress=40)])
    assert (counts.actions_total, counts.live, counts.complete) == (1, 0, 0)
    assert counts.percent_complete is None
    assert counts.mean_progress is None


def test_mean_progress_uses_stored_progress_even_when_complete() -> None:
    counts = progress_counts([make_action("A", status=Status.COMPLETE, progress=80)])
    assert counts.percent_complete == Decimal("100.0")
    assert counts.mean_progress == Decimal("80.0")


def test_rag_counts_cover_live_actions_and_unassessed() -> None:
    actions = [
        make_action("R", rag="red"),
        make_action("A", rag="amber"),
        make_action("G1", rag="green"),
        make_action("G2", rag="green"),
        make_action("B", rag="blue", status=Status.COMPLETE, progress=100),
        make_action("U"),
        make_action("X", rag="red", status=Status.CANCELLED),
    ]
    counts = rag_counts(actions)
    assert (counts.red, counts.amber, counts.green, counts.blue, counts.unassessed) == (1, 1, 2, 1, 1)
    assert counts.total == 6


def test_theme_rollups_follow_plan_order_and_name_the_lead() -> None:
    plan = make_plan(
        actions=[
            make_action("QP-01", "QP", status=Status.COMPLETE, progress=100, rag="blue"),
            make_action("QP-02", "QP", progress=20, rag="red"),
            make_action("QP-03", "QP", status=Status.CANCELLED, rag="green"),
        ]
    )
    workforce, practice = theme_rollups(plan)
    assert (workforce.theme_key, workforce.theme_name, workforce.lead) == (
        "WF",
        "Workforce",
        "Head of Workforce",
    )
    assert workforce.progress.actions_total == 0
    assert workforce.progress.mean_progress is None
    assert workforce.rag.total == 0
    assert practice.theme_key == "QP"
    assert (practice.progress.live, practice.progress.complete, practice.progress.cancelled) == (2, 1, 1)
    assert practice.progress.mean_progress == Decimal("60.0")
    assert (practice.rag.blue, practice.rag.red, practice.rag.green) == (1, 1, 0)


# --- deadlines ----------------------------------------------------------------------------------


def deadline_plan() -> Plan:
    return make_plan(
        actions=[
            make_action("LATE-2", due_on=AS_OF - timedelta(days=1), status=Status.BLOCKED),
            make_action("LATE-1", due_on=AS_OF - timedelta(days=40)),
            make_action("TODAY", due_on=AS_OF, status=Status.IN_PROGRESS),
            make_action("EDGE", due_on=AS_OF + timedelta(days=30)),
            make_action("BEYOND", due_on=AS_OF + timedelta(days=31)),
            make_action("SOON-B", due_on=AS_OF + timedelta(days=5)),
            make_action("SOON-A", due_on=AS_OF + timedelta(days=5)),
            make_action("DONE", due_on=AS_OF - timedelta(days=3), status=Status.COMPLETE, progress=100),
            make_action("DROPPED", due_on=AS_OF - timedelta(days=3), status=Status.CANCELLED),
            make_action("UNDATED"),
        ]
    )


def test_overdue_is_open_and_due_strictly_before_as_of() -> None:
    overdue = overdue_actions(deadline_plan(), AS_OF)
    assert refs(overdue) == ["LATE-1", "LATE-2"]
    assert [item.days_overdue for item in overdue] == [40, 1]
    assert [item.days_to_due for item in overdue] == [-40, -1]


def test_due_soon_window_is_inclusive_at_both_ends_and_sorted_by_date_then_ref() -> None:
    due_soon = due_soon_actions(deadline_plan(), AS_OF)
    assert refs(due_soon) == ["TODAY", "SOON-A", "SOON-B", "EDGE"]
    assert due_soon[0].days_to_due == 0
    assert due_soon[0].days_overdue == 0
    assert due_soon[-1].due_on == AS_OF + timedelta(days=30)


def test_due_soon_window_can_be_narrowed_and_refuses_negative() -> None:
    assert refs(due_soon_actions(deadline_plan(), AS_OF, within_days=0)) == ["TODAY"]
    assert refs(due_soon_actions(deadline_plan(), AS_OF, within_days=5)) == ["TODAY", "SOON-A", "SOON-B"]
    with pytest.raises(ValueError, match="within_days"):
        due_soon_actions(deadline_plan(), AS_OF, within_days=-1)


# --- RAG that contradicts the facts -------------------------------------------------------------


def test_green_but_overdue_is_flagged_and_amber_overdue_is_not() -> None:
    plan = make_plan(
        actions=[
            make_action("G-LATE", rag="green", due_on=date(2019, 10, 1)),
            make_action("G-TODAY", rag="green", due_on=AS_OF),
            make_action("A-LATE", rag="amber", due_on=date(2019, 10, 1)),
        ]
    )
    (conflict,) = rag_conflicts(plan, AS_OF)
    assert conflict.action.ref == "G-LATE"
    assert conflict.kind is RagConflictKind.GREEN_BUT_OVERDUE
    assert conflict.reason == "RAG is green but the action was due on 2019-10-01 and is 2 weeks overdue"


def test_one_day_overdue_reason_is_singular() -> None:
    plan = make_plan(actions=[make_action("G", rag="green", due_on=AS_OF - timedelta(days=1))])
    assert rag_conflicts(plan, AS_OF)[0].reason.endswith("is 1 day overdue")


def test_blue_needs_complete_status() -> None:
    plan = make_plan(
        actions=[
            make_action("B-OPEN", rag="blue", status=Status.IN_PROGRESS, progress=90),
            make_action("B-DONE", rag="blue", status=Status.COMPLETE, progress=100),
        ]
    )
    (conflict,) = rag_conflicts(plan, AS_OF)
    assert (conflict.action.ref, conflict.kind) == ("B-OPEN", RagConflictKind.BLUE_BUT_NOT_COMPLETE)
    assert conflict.reason == "RAG is blue (complete) but the status is in progress"


def test_complete_but_red_or_amber_and_complete_below_100() -> None:
    plan = make_plan(
        actions=[
            make_action("C-RED", rag="red", status=Status.COMPLETE, progress=100),
            make_action("C-AMBER-90", rag="amber", status=Status.COMPLETE, progress=90),
            make_action("C-GREEN", rag="green", status=Status.COMPLETE, progress=100),
        ]
    )
    found = [(item.action.ref, item.kind, item.reason) for item in rag_conflicts(plan, AS_OF)]
    assert found == [
        ("C-RED", RagConflictKind.COMPLETE_BUT_RED_OR_AMBER, "status is complete but RAG is red"),
        ("C-AMBER-90", RagConflictKind.COMPLETE_BUT_RED_OR_AMBER, "status is complete but RAG is amber"),
        ("C-AMBER-90", RagConflictKind.COMPLETE_BELOW_100, "status is complete but progress is 90%"),
    ]


def test_conflicts_skip_cancelled_actions_and_never_change_the_plan() -> None:
    plan = make_plan(
        actions=[
            make_action("X", rag="blue", status=Status.CANCELLED),
            make_action("G", rag="green", due_on=date(2019, 1, 1)),
        ]
    )
    before = plan.model_dump()
    assert refs(rag_conflicts(plan, AS_OF)) == ["G"]
    assert plan.model_dump() == before


# --- recommendation coverage --------------------------------------------------------------------


def test_recommendation_states_from_live_actions() -> None:
    signed = ImpactSignOff(on=date(2019, 9, 30), by="DCS", note="Audit shows sustained change")
    plan = make_plan(
        recommendations=[
            Recommendation(number=4),
            Recommendation(number=2),
            Recommendation(number=1, impact_evidenced=signed),
            Recommendation(number=3),
        ],
        actions=[
            make_action("A1", status=Status.COMPLETE, progress=100, recommendations=[1, 2]),
            make_action("A2", status=Status.IN_PROGRESS, recommendations=[2]),
            make_action("A3", status=Status.CANCELLED, recommendations=[1, 3]),
        ],
    )
    coverage = recommendation_coverage(plan)
    by_number = {item.number: item for item in coverage.recommendations}
    assert [item.number for item in coverage.recommendations] == [1, 2, 3, 4]
    assert by_number[1].state is CoverageState.ACTIONS_COMPLETE
    assert [action.ref for action in by_number[1].actions] == ["A1"]
    assert by_number[1].impact_evidenced == signed
    assert by_number[2].state is CoverageState.IN_PROGRESS
    assert [action.ref for action in by_number[2].actions] == ["A1", "A2"]
    assert by_number[3].state is CoverageState.GAP
    assert [action.ref for action in by_number[3].cancelled_actions] == ["A3"]
    assert by_number[4].state is CoverageState.GAP
    assert by_number[4].impact_evidenced is None
    assert (coverage.total, coverage.covered, coverage.actions_complete, coverage.impact_evidenced) == (
        4,
        2,
        1,
        1,
    )
    assert coverage.uncovered_numbers == (3, 4)


# --- funding ------------------------------------------------------------------------------------


def funding_plan() -> Plan:
    allocations = [
        make_allocation("BB-18", 8000, category=FundingCategory.SPEND_PRESSURE, financial_year="2018/19"),
        make_allocation("BB-19", 3000, category=FundingCategory.SPEND_PRESSURE, theme="QP"),
        make_allocation("BB-CUT", -175, category=FundingCategory.BUDGET_REDUCTION),
        make_allocation("INV", 1600, theme="WF"),
        make_allocation("RES-1", 924, source=FundingSource.RESERVES, financial_year="2018/19", theme="WF"),
        make_allocation("CAP", 591, source=FundingSource.OTHER, kind=FundingKind.CAPITAL),
    ]
    spend = [
        make_spend("S1", "INV", 400),
        make_spend("S2", "INV", 300, kind=SpendKind.COMMITMENT),
        make_spend("S3", "RES-1", "924.00", financial_year="2018/19"),
        make_spend("S4", "CAP", "100.50"),
        make_spend("S5", "BB-19", 1000, financial_year="2020/21"),
    ]
    return make_plan(allocations=allocations, spend=spend)


def test_allocation_totals_by_every_breakdown_with_negatives() -> None:
    totals = allocation_totals(funding_plan())
    assert totals.total == pounds(13940)
    assert totals.by_financial_year == {"2018/19": pounds(8924), "2019/20": pounds(5016)}
    assert list(totals.by_source.items()) == [
        (FundingSource.RESERVES, pounds(924)),
        (FundingSource.BASE_BUDGET_UPLIFT, pounds(12425)),
        (FundingSource.OTHER, pounds(591)),
    ]
    assert list(totals.by_category.items()) == [
        (FundingCategory.INVESTMENT, pounds(3115)),
        (FundingCategory.SPEND_PRESSURE, pounds(11000)),
        (FundingCategory.BUDGET_REDUCTION, pounds(-175)),
    ]
    assert totals.by_kind == {FundingKind.REVENUE: pounds(13349), FundingKind.CAPITAL: pounds(591)}
    assert list(totals.by_theme.items()) == [
        ("WF", pounds(2524)),
        ("QP", pounds(3000)),
        (UNASSIGNED, pounds(8416)),
    ]


def test_allocation_totals_filter_by_source_kind_and_year() -> None:
    plan = funding_plan()
    uplift = allocation_totals(plan, source=FundingSource.BASE_BUDGET_UPLIFT)
    assert uplift.total == pounds(12425)
    assert uplift.by_category[FundingCategory.BUDGET_REDUCTION] == pounds(-175)
    assert FundingSource.RESERVES not in uplift.by_source
    assert allocation_totals(plan, kind=FundingKind.CAPITAL).total == pounds(591)
    assert allocation_totals(plan, financial_year="2018/19").by_source == {
        FundingSource.RESERVES: pounds(924),
        FundingSource.BASE_BUDGET_UPLIFT: pounds(8000),
    }
    assert allocation_totals(plan, source=FundingSource.GRANT).total == pounds(0)


def test_spend_totals_split_actual_from_committed() -> None:
    spend = spend_totals(funding_plan())
    assert (spend.total.actual, spend.total.committed) == (pounds("2424.50"), pounds(300))
    assert spend.total.total == pounds("2724.50")
    assert list(spend.by_financial_year) == ["2018/19", "2019/20", "2020/21"]
    assert spend.by_financial_year["2019/20"].actual == pounds("500.50")
    assert spend.by_financial_year["2019/20"].committed == pounds(300)
    assert list(spend.by_allocation) == ["BB-19", "INV", "RES-1", "CAP"]
    assert spend.by_allocation["INV"].committed == pounds(300)
    assert list(spend.by_theme) == ["WF", "QP", UNASSIGNED]
    assert spend.by_theme["WF"].actual == pounds(1324)
    assert spend.by_theme[UNASSIGNED].actual == pounds("100.50")


def test_allocation_spend_percent_and_remaining() -> None:
    rows = {row.allocation.id: row for row in allocation_spend(funding_plan())}
    assert rows["INV"].actual == pounds(400)
    assert rows["INV"].remaining == pounds(900)
    assert rows["INV"].spent_percent == Decimal("25.0")
    assert rows["INV"].spent_or_committed_percent == Decimal("43.8")
    assert rows["RES-1"].spent_percent == Decimal("100.0")
    assert rows["CAP"].spent_percent == Decimal("17.0")
    assert rows["BB-18"].actual == pounds(0)
    assert rows["BB-18"].spent_percent == Decimal("0.0")
    assert rows["BB-CUT"].spent_percent is None
    assert rows["BB-CUT"].remaining == pounds(-175)


def test_spend_against_progress_flags_spend_running_ahead() -> None:
    plan = make_plan(
        themes=[
            Theme(key="WF", name="Workforce"),
            Theme(key="QP", name="Quality of Practice"),
            Theme(key="PA", name="Partnerships"),
            Theme(key="CO", name="Commissioning"),
        ],
        allocations=[
            make_allocation("WF-A", 1000, theme="WF"),
            make_allocation("QP-A", 1000, theme="QP"),
            make_allocation("CO-A", 1000, theme="CO"),
        ],
        spend=[
            make_spend("S1", "WF-A", 600),
            make_spend("S2", "QP-A", 500),
            make_spend("S3", "QP-A", 400, kind=SpendKind.COMMITMENT),
            make_spend("S4", "CO-A", 900),
        ],
        actions=[
            make_action("WF-1", "WF", progress=20),
            make_action("WF-2", "WF", progress=40),
            make_action("WF-3", "WF", progress=100, status=Status.CANCELLED),
            make_action("QP-1", "QP", progress=30),
            make_action("PA-1", "PA", progress=10),
        ],
    )
    rows = {row.theme_key: row for row in spend_against_progress(plan)}
    assert (rows["WF"].spent_percent, rows["WF"].mean_progress) == (Decimal("60.0"), Decimal("30.0"))
    assert rows["WF"].points_ahead == Decimal("30.0")
    assert rows["WF"].spend_ahead
    assert rows["QP"].points_ahead == Decimal("20.0")  # commitments are not spend; exactly 20 is not "more"
    assert not rows["QP"].spend_ahead
    assert rows["PA"].spent_percent is None
    assert not rows["PA"].spend_ahead
    assert rows["CO"].mean_progress is None
    assert not rows["CO"].spend_ahead
    assert not {row.theme_key: row for row in spend_against_progress(plan, 30)}["WF"].spend_ahead
    assert {row.theme_key: row for row in spend_against_progress(plan, 19)}["QP"].spend_ahead


# --- budget monitoring --------------------------------------------------------------------------


def monitoring_plan() -> Plan:
    return make_plan(
        monitoring=[
            make_line("OLD", 100, 90, period="Month 12 2018/19"),
            make_line("CIC-1", 1000, 1250, group="Children in Care"),
            make_line("CIC-2", 2000, 1700, group="Children in Care"),
            make_line("SAFE", 500, 500),
            make_line("FFS", 900, 1045, reserves=-30),
            make_line("LATER", 100, 100, period="Month 10 2019/20"),
        ]
    )


def test_monitoring_periods_sort_by_year_then_month() -> None:
    assert monitoring_periods(monitoring_plan()) == (
        "Month 12 2018/19",
        "Month 3 2019/20",
        "Month 10 2019/20",
    )


def test_budget_monitoring_defaults_to_the_latest_period() -> None:
    report = budget_monitoring(monitoring_plan())
    assert report is not None
    assert report.period == "Month 10 2019/20"
    assert [line.id for line in report.lines] == ["LATER"]


def test_budget_monitoring_totals_groups_and_tolerance() -> None:
    report = budget_monitoring(monitoring_plan(), "Month 3 2019/20", tolerance=Decimal("100"))
    assert report is not None
    assert [line.id for line in report.lines] == ["CIC-1", "CIC-2", "SAFE", "FFS"]
    totals = report.totals
    assert (totals.budget, totals.forecast, totals.use_of_reserves) == (
        pounds(4400),
        pounds(4495),
        pounds(-30),
    )
    assert totals.variance == pounds(65)
    (group,) = report.groups
    assert group.name == "Children in Care"
    assert [line.id for line in group.lines] == ["CIC-1", "CIC-2"]
    assert (group.totals.budget, group.totals.forecast, group.totals.variance) == (
        pounds(3000),
        pounds(2950),
        pounds(-50),
    )
    assert [line.id for line in report.over_tolerance] == ["CIC-1", "CIC-2", "FFS"]
    assert report.tolerance == pounds(100)
    strict = budget_monitoring(monitoring_plan(), "Month 3 2019/20", tolerance=Decimal("250"))
    assert strict is not None
    assert [line.id for line in strict.over_tolerance] == ["CIC-2"]  # 250 exactly is not over


def test_budget_monitoring_with_no_lines_or_an_unknown_period() -> None:
    assert budget_monitoring(make_plan()) is None
    with pytest.raises(ValueError, match="Month 4 2019/20"):
        budget_monitoring(monitoring_plan(), "Month 4 2019/20")
    with pytest.raises(ValueError, match="tolerance"):
        budget_monitoring(monitoring_plan(), tolerance=Decimal("-1"))


# --- KPIs ---------------------------------------------------------------------------------------

LOWER = Polarity.LOWER_IS_BETTER
HIGHER = Polarity.HIGHER_IS_BETTER


@pytest.mark.parametrize(
    ("as_of", "expected_year"),
    [
        (date(2020, 3, 31), "2019/20"),
        (date(2020, 4, 1), "2020/21"),
        (date(2019, 4, 1), "2019/20"),
        (date(2019, 3, 31), "2019/20"),  # 2018/19 has no target: nearest later one
        (date(2021, 4, 1), None),  # only past targets remain
    ],
)
def test_current_target_by_financial_year(as_of: date, expected_year: str | None) -> None:
    kpi = make_kpi(LOWER, targets={"2020/21": "20", "2019/20": "22"})
    target = current_target(kpi, as_of)
    assert (target.financial_year if target else None) == expected_year


def test_no_target_is_not_coloured_even_with_readings() -> None:
    status = kpi_status(make_kpi(LOWER, [(date(2019, 6, 30), "25")]), AS_OF)
    assert status.rating is KpiRating.NO_TARGET
    assert status.target is None
    assert status.latest is not None
    assert status.shortfall is None


def test_target_without_readings_or_baseline_is_no_data() -> None:
    status = kpi_status(make_kpi(LOWER, targets={"2019/20": "20"}), AS_OF)
    assert status.rating is KpiRating.NO_DATA
    assert (status.latest, status.previous, status.direction) == (None, None, None)


def test_baseline_stands_in_for_missing_readings_but_not_before_its_date() -> None:
    kpi = make_kpi(LOWER, baseline=(date(2019, 3, 31), "18"), targets={"2019/20": "20"})
    status = kpi_status(kpi, AS_OF)
    assert status.latest is not None
    assert status.latest.value == Decimal("18")
    assert status.rating is KpiRating.GREEN
    assert status.direction is None
    assert kpi_status(kpi, date(2019, 3, 30)).rating is KpiRating.NO_DATA


def test_latest_is_the_last_reading_on_or_before_as_of() -> None:
    kpi = make_kpi(
        LOWER,
        [(date(2019, 6, 30), "24"), (AS_OF, "21"), (AS_OF + timedelta(days=1), "99")],
        baseline=(date(2019, 3, 31), "25"),
        targets={"2019/20": "20"},
    )
    status = kpi_status(kpi, AS_OF)
    assert status.latest is not None
    assert status.previous is not None
    assert (status.latest.value, status.previous.value) == (Decimal("21"), Decimal("24"))
    assert status.direction is Direction.IMPROVING
    assert status.shortfall == Decimal("1")


@pytest.mark.parametrize(
    ("polarity", "previous", "latest", "direction"),
    [
        (LOWER, "30", "25", Direction.IMPROVING),
        (LOWER, "25", "30", Direction.WORSENING),
        (HIGHER, "30", "25", Direction.WORSENING),
        (HIGHER, "25", "30", Direction.IMPROVING),
        (HIGHER, "25", "25.0", Direction.STEADY),
    ],
)
def test_direction_of_travel_respects_polarity(
    polarity: Polarity, previous: str, latest: str, direction: Direction
) -> None:
    kpi = make_kpi(polarity, [(date(2019, 9, 30), latest)], baseline=(date(2019, 3, 31), previous))
    assert kpi_status(kpi, AS_OF).direction is direction


@pytest.mark.parametrize(
    ("polarity", "previous", "latest", "rating"),
    [
        (LOWER, "30", "20", KpiRating.GREEN),  # exactly on target
        (LOWER, "30", "19", KpiRating.GREEN),
        (HIGHER, "60", "70", KpiRating.GREEN),
        (LOWER, "20", "21", KpiRating.AMBER),  # worsening but within tolerance 2
        (LOWER, "20", "22", KpiRating.AMBER),  # exactly at tolerance is still amber
        (LOWER, "30", "25", KpiRating.AMBER),  # beyond tolerance but improving
        (LOWER, "21", "25", KpiRating.RED),  # beyond tolerance and worsening
        (LOWER, "25", "25", KpiRating.RED),  # beyond tolerance and steady
        (HIGHER, "65", "60", KpiRating.RED),  # target 70, 10 short and worsening
        (HIGHER, "50", "60", KpiRating.AMBER),  # 10 short but improving
    ],
)
def test_rating_from_polarity_tolerance_and_direction(
    polarity: Polarity, previous: str, latest: str, rating: KpiRating
) -> None:
    target = "20" if polarity is LOWER else "70"
    kpi = make_kpi(
        polarity,
        [(date(2019, 6, 30), previous), (date(2019, 9, 30), latest)],
        targets={"2019/20": target},
        tolerance="2",
    )
    assert kpi_status(kpi, AS_OF).rating is rating


def test_beyond_tolerance_with_a_single_reading_is_red() -> None:
    kpi = make_kpi(HIGHER, [(date(2019, 9, 30), "50")], targets={"2019/20": "70"}, tolerance="5")
    status = kpi_status(kpi, AS_OF)
    assert status.direction is None
    assert status.shortfall == Decimal("20")
    assert status.rating is KpiRating.RED


def test_kpi_statuses_in_plan_order() -> None:
    plan = make_plan(kpis=[make_kpi(LOWER, kpi_id="K2"), make_kpi(HIGHER, kpi_id="K1")])
    assert [status.kpi.id for status in kpi_statuses(plan, AS_OF)] == ["K2", "K1"]


# --- whole-plan summary and JSON ----------------------------------------------------------------


def busy_plan() -> Plan:
    funding = funding_plan()
    return make_plan(
        allocations=funding.allocations,
        spend=funding.spend,
        recommendations=[Recommendation(number=1), Recommendation(number=2)],
        actions=[
            make_action(
                "WF-01", "WF", rag="green", due_on=date(2019, 9, 1), progress=40, recommendations=[1]
            ),
            make_action("QP-01", "QP", rag="blue", status=Status.COMPLETE, progress=100),
            make_action("QP-02", "QP", due_on=AS_OF + timedelta(days=10)),
        ],
        monitoring=monitoring_plan().monitoring,
        kpis=[make_kpi(LOWER, [(date(2019, 9, 30), "21.5")], targets={"2019/20": "20"})],
    )


def test_plan_summary_gathers_every_roll_up() -> None:
    plan = busy_plan()
    summary = plan_summary(plan, AS_OF, due_within_days=7, variance_tolerance=Decimal("100"))
    assert (summary.plan_id, summary.authority, summary.as_of) == ("test-plan", "Testshire", AS_OF)
    assert summary.progress == progress_counts(plan.actions)
    assert summary.rag == rag_counts(plan.actions)
    assert summary.themes == theme_rollups(plan)
    assert refs(summary.overdue) == ["WF-01"]
    assert summary.due_soon == ()  # QP-02 is 10 days away, outside the 7-day window
    assert [item.kind for item in summary.rag_conflicts] == [RagConflictKind.GREEN_BUT_OVERDUE]
    assert summary.coverage.uncovered_numbers == (2,)
    assert summary.allocations == allocation_totals(plan)
    assert summary.spend == spend_totals(plan)
    assert summary.allocation_spend == allocation_spend(plan)
    assert summary.spend_against_progress == spend_against_progress(plan)
    assert summary.monitoring is not None
    assert summary.monitoring.period == "Month 10 2019/20"
    assert summary.monitoring_periods[0] == "Month 12 2018/19"
    assert [status.rating for status in summary.kpis] == [KpiRating.RED]


def _walk(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _walk(item)] + list(value.keys())
    if isinstance(value, list):
        return [leaf for item in value for leaf in _walk(item)]
    return [value]


def test_summary_json_uses_plain_types_and_exact_strings() -> None:
    data = summary_to_json(plan_summary(busy_plan(), AS_OF))
    assert json.loads(json.dumps(data)) == data
    assert {type(leaf) for leaf in _walk(data)} <= {str, int, bool, type(None)}  # no floats, no enums
    assert data["as_of"] == "2019-10-15"
    assert data["allocations"]["total"] == "13940.00"
    assert data["allocations"]["by_source"]["base_budget_uplift"] == "12425.00"
    assert data["allocations"]["by_category"]["budget_reduction"] == "-175.00"
    assert data["allocations"]["by_theme"][UNASSIGNED] == "8416.00"
    assert data["spend"]["total"] == {"actual": "2424.50", "committed": "300.00", "total": "2724.50"}
    assert data["progress"]["percent_complete"] == "33.3"
    assert data["rag"]["total"] == 3
    overdue = data["overdue"][0]
    assert overdue["action"]["ref"] == "WF-01"
    assert overdue["action"]["rag"] == "green"
    assert overdue["due_on"] == "2019-09-01"
    assert overdue["days_overdue"] == 44
    assert data["rag_conflicts"][0]["kind"] == "green_but_overdue"
    assert data["coverage"]["recommendations"][1]["state"] == "gap"
    assert data["monitoring"]["lines"][0]["variance"] == "0.00"
    assert data["kpis"][0]["rating"] == "red"
    assert data["kpis"][0]["latest"]["value"] == "21.5"
    assert data["kpis"][0]["kpi"]["polarity"] == "lower_is_better"


def test_empty_plan_summary() -> None:
    summary = plan_summary(make_plan(themes=[]), AS_OF)
    assert summary.progress.actions_total == 0
    assert summary.progress.percent_complete is None
    assert summary.rag.total == 0
    assert summary.themes == ()
    assert (summary.overdue, summary.due_soon, summary.rag_conflicts) == ((), (), ())
    assert (summary.coverage.total, summary.coverage.covered) == (0, 0)
    assert summary.allocations.total == pounds(0)
    assert summary.spend.total.actual == pounds(0)
    assert summary.monitoring is None
    assert summary.kpis == ()
    data = summary_to_json(summary)
    assert data["allocations"]["total"] == "0.00"
    assert data["monitoring"] is None
    assert data["progress"]["mean_progress"] is None


# --- properties ---------------------------------------------------------------------------------

THEME_KEYS = ["WF", "QP"]
YEARS = ["2018/19", "2019/20", "2020/21"]
amounts = st.integers(min_value=-(10**11), max_value=10**11).map(lambda pence: Decimal(pence) / 100)


@st.composite
def allocation_lists(draw: st.DrawFn) -> list[Allocation]:
    count = draw(st.integers(min_value=0, max_value=12))
    return [
        Allocation(
            id=f"AL-{n}",
            source=draw(st.sampled_from(FundingSource)),
            category=draw(st.sampled_from(FundingCategory)),
            kind=draw(st.sampled_from(FundingKind)),
            financial_year=draw(st.sampled_from(YEARS)),
            amount=draw(amounts),
            theme=draw(st.sampled_from([None, *THEME_KEYS])),
        )
        for n in range(count)
    ]


@given(allocation_lists())
def test_every_allocation_breakdown_sums_to_the_total_to_the_penny(allocations: list[Allocation]) -> None:
    totals = allocation_totals(make_plan(allocations=allocations))
    exact = sum((allocation.amount for allocation in allocations), Decimal(0))
    assert totals.total == exact
    for breakdown in (
        totals.by_financial_year,
        totals.by_source,
        totals.by_category,
        totals.by_kind,
        totals.by_theme,
    ):
        assert sum(breakdown.values(), Decimal(0)) == exact
    assert all(amount.as_tuple().exponent == -2 for amount in totals.by_source.values())


@given(allocation_lists(), st.data())
def test_spend_breakdowns_agree(allocations: list[Allocation], data: st.DataObject) -> None:
    ids = [allocation.id for allocation in allocations]
    entries = []
    if ids:
        for n in range(data.draw(st.integers(min_value=0, max_value=12))):
            entries.append(
                SpendEntry(
                    id=f"SP-{n}",
                    allocation=data.draw(st.sampled_from(ids)),
                    financial_year=data.draw(st.sampled_from(YEARS)),
                    kind=data.draw(st.sampled_from(SpendKind)),
                    amount=data.draw(amounts),
                )
            )
    spend = spend_totals(make_plan(allocations=allocations, spend=entries))
    for kind, pick in ((SpendKind.ACTUAL, "actual"), (SpendKind.COMMITMENT, "committed")):
        exact = sum((entry.amount for entry in entries if entry.kind is kind), Decimal(0))
        assert getattr(spend.total, pick) == exact
        for breakdown in (spend.by_financial_year, spend.by_allocation, spend.by_theme):
            assert sum((getattr(pair, pick) for pair in breakdown.values()), Decimal(0)) == exact


@st.composite
def action_lists(draw: st.DrawFn) -> list[Action]:
    count = draw(st.integers(min_value=0, max_value=15))
    return [
        Action(
            ref=f"A-{n}",
            theme=draw(st.sampled_from(THEME_KEYS)),
            title="Generated",
            status=draw(st.sampled_from(Status)),
            rag=draw(st.sampled_from([None, "red", "amber", "green", "blue"])),
            progress=draw(st.integers(min_value=0, max_value=100)),
            due_on=draw(st.none() | st.dates(min_value=date(2019, 8, 1), max_value=date(2019, 12, 31))),
        )
        for n in range(count)
    ]


@settings(max_examples=200)
@given(action_lists())
def test_action_counts_are_consistent(actions: list[Action]) -> None:
    plan = make_plan(actions=actions)
    live = [action for action in actions if action.status is not Status.CANCELLED]
    counts = progress_counts(actions)
    assert counts.live + counts.cancelled == counts.actions_total == len(actions)
    assert rag_counts(actions).total == len(live)
    assert sum(theme.rag.total for theme in theme_rollups(plan)) == len(live)
    assert sum(theme.progress.complete for theme in theme_rollups(plan)) == counts.complete
    for value in (counts.percent_complete, counts.mean_progress):
        assert value is None or Decimal(0) <= value <= Decimal(100)
    overdue = overdue_actions(plan, AS_OF)
    due_soon = due_soon_actions(plan, AS_OF)
    assert not set(refs(overdue)) & set(refs(due_soon))
    assert all(
        item.due_on < AS_OF and item.action.status not in (Status.COMPLETE, Status.CANCELLED)
        for item in overdue
    )
    assert [item.due_on for item in due_soon] == sorted(item.due_on for item in due_soon)
    flagged_green = {
        item.action.ref
        for item in rag_conflicts(plan, AS_OF)
        if item.kind is RagConflictKind.GREEN_BUT_OVERDUE
    }
    assert flagged_green == {item.action.ref for item in overdue if item.action.rag == "green"}


@st.composite
def monitoring_lists(draw: st.DrawFn) -> list[MonitoringLine]:
    count = draw(st.integers(min_value=1, max_value=10))
    return [
        MonitoringLine(
            id=f"M-{n}",
            period="Month 3 2019/20",
            service_area=f"Area {n}",
            group=draw(st.sampled_from(["", "Children in Care", "Fieldwork"])),
            budget=draw(amounts),
            forecast=draw(amounts),
            use_of_reserves=draw(amounts),
        )
        for n in range(count)
    ]


@given(monitoring_lists())
def test_monitoring_totals_are_the_sum_of_lines_and_groups(lines: list[MonitoringLine]) -> None:
    report = budget_monitoring(make_plan(monitoring=lines))
    assert report is not None
    assert report.totals.variance == sum((line.variance for line in lines), Decimal(0))
    top_level = [line for line in lines if not line.group]
    for field in ("budget", "forecast", "use_of_reserves", "variance"):
        grouped = sum((getattr(group.totals, field) for group in report.groups), Decimal(0))
        loose = sum((getattr(line, field) for line in top_level), Decimal(0))
        assert grouped + loose == getattr(report.totals, field)


values = st.integers(min_value=-1000, max_value=1000).map(Decimal)


@given(
    st.lists(values, min_size=0, max_size=4),
    values,
    st.integers(min_value=0, max_value=50).map(Decimal),
)
def test_kpi_rating_mirrors_under_flipped_polarity(
    readings: list[Decimal], target: Decimal, tolerance: Decimal
) -> None:
    def build(polarity: Polarity, sign: int) -> Kpi:
        return Kpi(
            id="K",
            name="Mirror",
            polarity=polarity,
            readings=[Reading(on=date(2019, 5, 1 + n), value=sign * v) for n, v in enumerate(readings)],
            targets=[Target(financial_year="2019/20", value=sign * target)],
            tolerance=tolerance,
        )

    lower = kpi_status(build(LOWER, 1), AS_OF)
    higher = kpi_status(build(HIGHER, -1), AS_OF)
    assert (lower.rating, lower.direction, lower.shortfall) == (
        higher.rating,
        higher.direction,
        higher.shortfall,
    )
    assert (lower.rating is KpiRating.GREEN) == (lower.shortfall == 0)


# --- the Oldham 2019 sample plan ----------------------------------------------------------------


@pytest.fixture(scope="module")
def oldham() -> Plan:
    return PlanFile.model_validate_json(SAMPLE.read_bytes()).plan


def test_oldham_base_budget_uplift_reproduces_the_investment_table(oldham: Plan) -> None:
    uplift = allocation_totals(oldham, source=FundingSource.BASE_BUDGET_UPLIFT)
    assert uplift.total == pounds(12_181_000)
    assert uplift.by_category == {
        FundingCategory.INVESTMENT: pounds(2_332_000),
        FundingCategory.SPEND_PRESSURE: pounds(11_063_000),
        FundingCategory.OTHER: pounds(621_000),
        FundingCategory.BUDGET_REDUCTION: pounds(-1_835_000),
    }
    assert uplift.by_financial_year == {
        "2018/19": pounds(8_352_000),
        "2019/20": pounds(4_818_000),
        "2020/21": pounds(-989_000),
    }


def test_oldham_totals_by_source_add_up_to_the_grand_total(oldham: Plan) -> None:
    totals = allocation_totals(oldham)
    assert totals.by_source == {
        FundingSource.BASE_BUDGET_UPLIFT: pounds(12_181_000),
        FundingSource.RESERVES: pounds(2_423_000),  # Phase 1 £924k, Phase 2 £499k, £1,000k contingency
        FundingSource.OTHER: pounds(591_000),  # the capital for the move to Metropolitan Place
    }
    assert totals.by_kind[FundingKind.CAPITAL] == pounds(591_000)
    assert totals.total == pounds(15_195_000)
    assert sum(totals.by_financial_year.values(), Decimal(0)) == totals.total
    assert allocation_totals(oldham, source=FundingSource.RESERVES, financial_year="2018/19").total == pounds(
        1_423_000
    )


def test_oldham_month_3_monitoring_totals(oldham: Plan) -> None:
    report = budget_monitoring(oldham, "Month 3 2019/20")
    assert report is not None
    assert report.totals.budget == pounds(35_657_000)
    assert report.totals.forecast == pounds(36_407_000)
    assert report.totals.use_of_reserves == pounds(-279_000)
    assert report.totals.variance == pounds(471_000)
    (children_in_care,) = report.groups
    assert children_in_care.name == "Children in Care"
    assert (children_in_care.totals.budget, children_in_care.totals.forecast) == (
        pounds(24_681_000),
        pounds(24_886_000),
    )
    assert children_in_care.totals.variance == pounds(205_000)


def test_oldham_summary_serialises(oldham: Plan) -> None:
    data = summary_to_json(plan_summary(oldham, date(2019, 10, 15)))
    assert json.loads(json.dumps(data)) == data
    assert data["allocations"]["by_source"]["base_budget_uplift"] == "12181000.00"
