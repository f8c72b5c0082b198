"""The bundled sample plans: valid files, and the council papers' figures reproduced from the raw data.

Sums here add the model's ``Decimal`` fields directly, without the roll-up module, so a
wrong figure in a sample file fails here whatever the roll-ups do.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sample_plans import SAMPLES, list_samples, load_sample, sample_path
from store.models import (
    Action,
    Allocation,
    FundingCategory,
    FundingKind,
    FundingSource,
    Judgement,
    Kpi,
    MonitoringLine,
    Plan,
    Polarity,
    Rag,
    Status,
)

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_plans"
NAMES = sorted(SAMPLES)


def k(thousands: int) -> Decimal:
    """A council £000 figure in pounds."""
    return Decimal(thousands * 1000)


def total(amounts: Iterable[Decimal]) -> Decimal:
    return sum(amounts, Decimal(0))


def variance(lines: Iterable[MonitoringLine]) -> Decimal:
    return total(line.forecast + line.use_of_reserves - line.budget for line in lines)


def kpi(plan: Plan, kpi_id: str) -> Kpi:
    return next(item for item in plan.kpis if item.id == kpi_id)


def line(plan: Plan, line_id: str) -> MonitoringLine:
    return next(item for item in plan.monitoring if item.id == line_id)


def allocation(plan: Plan, allocation_id: str) -> Allocation:
    return next(item for item in plan.allocations if item.id == allocation_id)


def is_open(action: Action) -> bool:
    return action.status not in (Status.COMPLETE, Status.CANCELLED)


def overdue(plan: Plan, as_of: date) -> list[str]:
    return [a.ref for a in plan.actions if is_open(a) and a.due_on is not None and a.due_on < as_of]


def covered(plan: Plan) -> set[int]:
    return {number for action in plan.actions for number in action.recommendations}


def walk(value: Any) -> Iterator[Any]:
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    return {name: load_sample(name).plan for name in NAMES}


# --- every sample -------------------------------------------------------------------------------


def test_the_registry_lists_exactly_the_files_in_the_package() -> None:
    assert {path.stem for path in SAMPLE_DIR.glob("*.json")} == set(SAMPLES)
    assert set(SAMPLES) == {
        "oldham-2019",
        "leicestershire-2017",
        "middlesbrough-2021",
        "dorset-2017",
        "lewisham-2018",
    }


@pytest.mark.parametrize("name", NAMES)
def test_sample_validates_and_its_plan_id_is_the_file_stem(name: str) -> None:
    plan_file = load_sample(name)
    assert plan_file.format == "ipt-plan"
    assert plan_file.schema_version == 1
    assert plan_file.plan.id == name
    assert sample_path(name) == SAMPLE_DIR / f"{name}.json"


@pytest.mark.parametrize("name", NAMES)
def test_sample_file_is_pretty_printed_utf8_with_a_trailing_newline(name: str) -> None:
    text = sample_path(name).read_bytes().decode("utf-8")
    data = json.loads(text)
    assert text == json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    assert data["format"] == "ipt-plan"
    assert data["schema_version"] == 1


@pytest.mark.parametrize("name", NAMES)
def test_sample_holds_no_floats(name: str) -> None:
    data = json.loads(sample_path(name).read_text(encoding="utf-8"))
    assert [value for value in walk(data) if isinstance(value, float)] == []


@pytest.mark.parametrize("name", NAMES)
def test_action_and_update_dates_fall_inside_the_plan_period(name: str, plans: dict[str, Plan]) -> None:
    plan = plans[name]
    outside = []
    for action in plan.actions:
        days = [action.start_on, action.due_on, action.completed_on]
        days += [update.on for update in action.updates]
        days += [day for change in action.due_history for day in (change.on, change.old_due_on)]
        outside += [
            (action.ref, day) for day in days if day is not None and not plan.starts_on <= day <= plan.ends_on
        ]
    assert outside == []


@pytest.mark.parametrize("name", NAMES)
def test_finished_actions_look_finished(name: str, plans: dict[str, Plan]) -> None:
    for action in plans[name].actions:
        if action.status is Status.COMPLETE:
            assert action.completed_on is not None, action.ref
            assert action.rag is Rag.BLUE, action.ref
            assert action.progress == 100, action.ref
        else:
            assert action.rag is not Rag.BLUE, action.ref
            assert action.progress < 100, action.ref


@pytest.mark.parametrize("name", NAMES)
def test_every_theme_has_actions_and_every_action_ref_starts_with_its_theme(
    name: str, plans: dict[str, Plan]
) -> None:
    plan = plans[name]
    assert {action.theme for action in plan.actions} == {theme.key for theme in plan.themes}
    for action in plan.actions:
        assert action.ref.startswith(action.theme + "-") or action.ref.startswith("CIP-"), action.ref


@pytest.mark.parametrize("name", NAMES)
def test_descriptions_say_what_is_illustrative(name: str, plans: dict[str, Plan]) -> None:
    assert "Illustrative, not from the paper" in plans[name].description


def test_list_samples_names_each_plan() -> None:
    listed = dict(list_samples())
    assert list(listed) == list(SAMPLES)
    assert listed["oldham-2019"] == "Children's Social Care Improvement Plan 2019-2021"


def test_an_unknown_sample_is_a_key_error_naming_the_available_ones() -> None:
    with pytest.raises(KeyError) as caught:
        load_sample("oldham-2020")
    message = str(caught.value.args[0])
    assert "oldham-2020" in message
    assert all(name in message for name in SAMPLES)
    with pytest.raises(KeyError):
        sample_path("../store/models")


# --- Oldham 2019 --------------------------------------------------------------------------------

OLDHAM_AS_OF = date(2019, 10, 3)


@pytest.fixture(scope="module")
def oldham(plans: dict[str, Plan]) -> Plan:
    return plans["oldham-2019"]


def test_oldham_header_inspection_and_governance(oldham: Plan) -> None:
    assert oldham.name == "Children's Social Care Improvement Plan 2019-2021"
    assert oldham.authority == "Oldham Council"
    assert (oldham.starts_on, oldham.ends_on) == (date(2019, 8, 1), date(2021, 7, 31))
    inspection = oldham.inspection
    assert inspection is not None
    assert inspection.framework == "ILACS"
    assert (inspection.started_on, inspection.ended_on) == (date(2019, 1, 21), date(2019, 2, 1))
    assert inspection.published_on is None  # the paper gives only "March"
    assert len(inspection.judgements) == 4
    assert {j.judgement for j in inspection.judgements} == {Judgement.REQUIRES_IMPROVEMENT}
    assert "Overall effectiveness" in {j.criterion for j in inspection.judgements}
    governance = oldham.governance
    assert governance is not None
    assert governance.board == "Children's Change Board"
    assert governance.chair == "Deputy Chief Executive (People and Place)"
    assert governance.cadence == "monthly"


def test_oldham_themes_and_recommendations(oldham: Plan) -> None:
    assert [(t.key, t.name) for t in oldham.themes] == [
        ("WF", "Workforce"),
        ("QP", "Quality of Practice"),
        ("PA", "Partnerships"),
        ("DL", "Delivery"),
        ("CM", "Commissioning"),
        ("AS", "Assurance"),
    ]
    assert all(theme.aim and theme.lead for theme in oldham.themes)
    assert [r.number for r in oldham.recommendations] == [1, 2, 3, 4, 5, 6, 7]
    assert all(r.text for r in oldham.recommendations)


def test_oldham_every_recommendation_is_addressed(oldham: Plan) -> None:
    assert covered(oldham) == {1, 2, 3, 4, 5, 6, 7}


def test_oldham_actions_per_theme(oldham: Plan) -> None:
    per_theme = {theme.key: sum(a.theme == theme.key for a in oldham.actions) for theme in oldham.themes}
    assert per_theme == {"WF": 5, "QP": 5, "PA": 4, "DL": 5, "CM": 6, "AS": 5}
    assert len(oldham.actions) == 30


def test_oldham_base_budget_allocations_reproduce_the_investment_table(oldham: Plan) -> None:
    base = [a for a in oldham.allocations if a.source is FundingSource.BASE_BUDGET_UPLIFT]
    assert total(a.amount for a in base) == k(12_181)
    by_year = {
        year: total(a.amount for a in base if a.financial_year == year)
        for year in ("2018/19", "2019/20", "2020/21")
    }
    assert by_year == {"2018/19": k(8_352), "2019/20": k(4_818), "2020/21": k(-989)}
    by_category = {c: total(a.amount for a in base if a.category is c) for c in FundingCategory}
    assert by_category == {
        FundingCategory.SPEND_PRESSURE: k(11_063),
        FundingCategory.OTHER: k(621),
        FundingCategory.INVESTMENT: k(2_332),
        FundingCategory.BUDGET_REDUCTION: k(-1_835),
    }
    cells = {
        (a.financial_year, a.category): total(
            b.amount for b in base if (b.financial_year, b.category) == (a.financial_year, a.category)
        )
        for a in base
    }
    assert cells == {
        ("2018/19", FundingCategory.SPEND_PRESSURE): k(8_063),
        ("2018/19", FundingCategory.OTHER): k(289),
        ("2019/20", FundingCategory.SPEND_PRESSURE): k(3_000),
        ("2019/20", FundingCategory.OTHER): k(332),
        ("2019/20", FundingCategory.INVESTMENT): k(1_661),
        ("2019/20", FundingCategory.BUDGET_REDUCTION): k(-175),
        ("2020/21", FundingCategory.INVESTMENT): k(671),
        ("2020/21", FundingCategory.BUDGET_REDUCTION): k(-1_660),
    }
    # 2019/20 spend pressures: £2,859k to placements, £141k to everything else.
    assert allocation(oldham, "BBU-1920-SP-PL").amount == k(2_859)
    assert allocation(oldham, "BBU-1920-SP-OT").amount == k(141)
    assert all(a.kind is FundingKind.REVENUE for a in base)


def test_oldham_reserves_and_capital_sit_outside_the_table(oldham: Plan) -> None:
    phase_1, phase_2 = allocation(oldham, "RES-P1"), allocation(oldham, "RES-P2")
    for phase, amount in ((phase_1, k(924)), (phase_2, k(499))):
        assert phase.amount == amount
        assert phase.source is FundingSource.RESERVES
        assert phase.category is FundingCategory.INVESTMENT
        assert phase.financial_year == "2018/19"
    capital = [a for a in oldham.allocations if a.kind is FundingKind.CAPITAL]
    assert [(a.id, a.amount, a.financial_year) for a in capital] == [("CAP-MP", k(591), "2019/20")]
    assert allocation(oldham, "RES-CONT").amount == k(1_000)
    assert total(a.amount for a in oldham.allocations) == k(12_181 + 924 + 499 + 1_000 + 591)


def test_oldham_spend_never_exceeds_its_allocation(oldham: Plan) -> None:
    assert oldham.spend
    for item in oldham.allocations:
        spent = total(entry.amount for entry in oldham.spend if entry.allocation == item.id)
        assert spent <= max(item.amount, Decimal(0)), item.id
    assert total(e.amount for e in oldham.spend if e.allocation == "CAP-MP") == k(565)


def test_oldham_month_3_monitoring_reproduces_the_paper(oldham: Plan) -> None:
    lines = [m for m in oldham.monitoring if m.period == "Month 3 2019/20"]
    assert len(lines) == len(oldham.monitoring) == 9
    assert total(m.budget for m in lines) == k(35_657)
    assert total(m.forecast for m in lines) == k(36_407)
    assert total(m.use_of_reserves for m in lines) == k(-279)
    assert variance(lines) == k(471)
    in_care = [m for m in lines if m.group == "Children in Care"]
    assert len(in_care) == 7
    assert (total(m.budget for m in in_care), total(m.forecast for m in in_care)) == (k(24_681), k(24_886))
    assert variance(in_care) == k(205)
    expected = {
        "Semi-Independence Units": 244,
        "Children with Disabilities Short Breaks": 229,
        "Children with additional needs respite": 198,
        "Adoption": 99,
        "Miscellaneous": 18,
        "Childrens Residential homes": -254,
        "Children social care placements": -329,
        "Childrens Safeguarding": 0,
        "Fieldwork & Family Support": 266,
    }
    assert {m.service_area: m.variance for m in lines} == {area: k(v) for area, v in expected.items()}
    fieldwork = line(oldham, "M3-FFS")
    assert (fieldwork.budget, fieldwork.forecast, fieldwork.use_of_reserves) == (k(9_500), k(10_045), k(-279))


def test_oldham_kpis_hold_the_papers_readings(oldham: Plan) -> None:
    def values(kpi_id: str) -> list[tuple[date, Decimal]]:
        item = kpi(oldham, kpi_id)
        series = ([item.baseline] if item.baseline else []) + item.readings
        return [(r.on, r.value) for r in series]

    assert values("REFERRALS") == [(date(2019, 10, 3), Decimal(324))]
    assert values("CPP") == [(date(2018, 8, 31), Decimal(541)), (date(2019, 8, 31), Decimal(306))]
    assert values("CLA") == [(date(2018, 8, 31), Decimal(585)), (date(2019, 10, 3), Decimal(520))]
    assert values("CASELOAD") == [(date(2019, 10, 3), Decimal(17))]
    assert values("AGENCY") == [(date(2019, 2, 28), Decimal(74)), (date(2019, 8, 31), Decimal(35))]
    assert {item.polarity for item in oldham.kpis} == {Polarity.LOWER_IS_BETTER}
    assert all(item.targets == [] for item in oldham.kpis)  # the paper sets none


def test_oldham_exercises_overdue_and_rag_flags(oldham: Plan) -> None:
    late = overdue(oldham, OLDHAM_AS_OF)
    assert late == ["QP-02", "QP-03", "DL-03"]
    assert [ref for ref in late if oldham.action(ref).rag is Rag.GREEN] == ["DL-03"]
    statuses = {action.status for action in oldham.actions}
    assert {Status.NOT_STARTED, Status.IN_PROGRESS, Status.COMPLETE, Status.BLOCKED} <= statuses
    complete = [a for a in oldham.actions if a.status is Status.COMPLETE]
    assert all(a.completed_on is not None and a.completed_on <= OLDHAM_AS_OF for a in complete)
    assert oldham.action("QP-02").due_history[0].new_due_on == date(2019, 9, 13)
    assert all(update.on <= OLDHAM_AS_OF for action in oldham.actions for update in action.updates)


def test_oldham_links_actions_to_funding_and_measures(oldham: Plan) -> None:
    assert oldham.action("DL-02").funding == ["CAP-MP"]
    assert oldham.action("WF-04").measures == ["AGENCY"]
    funded = {allocation_id for action in oldham.actions for allocation_id in action.funding}
    assert {"BBU-1920-INV", "RES-P2", "CAP-MP", "BBU-1920-SP-PL"} <= funded
    measured = {kpi_id for action in oldham.actions for kpi_id in action.measures}
    assert measured == {item.id for item in oldham.kpis}


# --- Leicestershire 2017 ------------------------------------------------------------------------

ALL_17 = list(range(1, 18))
# Progress items a-n and the recommendations the Cabinet paper says each addresses. Item h "addresses
# all ... but specifically 17": only 17 is linked. Item i addresses "all": 1-17 are linked.
LEICESTERSHIRE_LINKS = {
    "CIP-A": [2, 5],
    "CIP-B": ALL_17,
    "CIP-C": [1, 4, 6],
    "CIP-D": [2, 3, 4, 5, 7, 11, 12, 13, 15, 16],
    "CIP-E": [3, 4, 6, 7, 8, 11, 12, 13, 14, 17],
    "CIP-F": [3, 12],
    "CIP-G": [7],
    "CIP-H": [17],
    "CIP-I": ALL_17,
    "CIP-J": [17],
    "CIP-K": [11, 13],
    "CIP-L": [1],
    "CIP-M": [9],
    "CIP-N": [10],
}


@pytest.fixture(scope="module")
def leicestershire(plans: dict[str, Plan]) -> Plan:
    return plans["leicestershire-2017"]


def test_leicestershire_inspection_and_governance(leicestershire: Plan) -> None:
    inspection = leicestershire.inspection
    assert inspection is not None
    assert inspection.framework == "SIF"
    assert (inspection.started_on, inspection.ended_on, inspection.published_on) == (None, None, None)
    assert [(j.criterion, j.judgement) for j in inspection.judgements] == [
        ("Overall effectiveness", Judgement.REQUIRES_IMPROVEMENT)
    ]
    governance = leicestershire.governance
    assert governance is not None
    assert governance.chair == "Assistant Director, Children's Social Care"
    assert governance.cadence == "monthly"
    assert "37" in leicestershire.description


def test_leicestershire_has_17_recommendations_without_wording(leicestershire: Plan) -> None:
    assert [r.number for r in leicestershire.recommendations] == ALL_17
    assert all(r.text == "" for r in leicestershire.recommendations)
    signed = [r.number for r in leicestershire.recommendations if r.impact_evidenced is not None]
    assert signed == [9]


def test_leicestershire_progress_items_link_the_papers_recommendations(leicestershire: Plan) -> None:
    items = {a.ref: a.recommendations for a in leicestershire.actions if a.ref.startswith("CIP-")}
    assert items == LEICESTERSHIRE_LINKS
    assert covered(leicestershire) == set(ALL_17)
    # Without the two "all recommendations" items, 1-17 are still each named by some item.
    specific = {
        n for ref, numbers in LEICESTERSHIRE_LINKS.items() if ref not in ("CIP-B", "CIP-I") for n in numbers
    }
    assert specific == set(ALL_17)


def test_leicestershire_growth_bid(leicestershire: Plan) -> None:
    # The £2.5m bid "includes £0.5m already agreed" in the 2017/18 budget, so it is modelled as
    # £0.5m growth in 2017/18 plus £2.0m further growth in 2018/19.
    growth = [a for a in leicestershire.allocations if a.source is FundingSource.GROWTH_BID]
    assert total(a.amount for a in growth) == k(2_500)
    assert {a.financial_year: a.amount for a in growth} == {"2017/18": k(500), "2018/19": k(2_000)}
    assert allocation(leicestershire, "GB-1718").approved_on == date(2017, 2, 22)
    assert "37" in allocation(leicestershire, "GB-1819").purpose


def test_leicestershire_caseload_figures(leicestershire: Plan) -> None:
    july = {item.id: [(r.on, r.value) for r in item.readings] for item in leicestershire.kpis}
    assert july == {
        "OPEN-CASES": [(date(2017, 7, 31), Decimal(2800))],
        "CIC": [(date(2017, 7, 31), Decimal(533))],
        "CPP": [(date(2017, 7, 31), Decimal(521))],
    }


# --- Middlesbrough 2021 -------------------------------------------------------------------------

# id, polarity, baseline, Jun-21, targets 2021/22, 2022/23, 2023/24 - the scorecard as the paper prints it.
MIDDLESBROUGH_SCORECARD = [
    ("AGENCY-SW", Polarity.LOWER_IS_BETTER, "64", "50", ("48", "30", "23")),
    ("CIC", Polarity.LOWER_IS_BETTER, "670", "545", ("502", "459", "416")),
    ("EXT-RES", Polarity.LOWER_IS_BETTER, "74", "58", ("47", "37", "35")),
    ("INH-RES", Polarity.HIGHER_IS_BETTER, "9", "19", ("21", "22", "23")),
    ("INH-FOST", Polarity.HIGHER_IS_BETTER, "160", "170", ("169", "175", "185")),
    ("IFA", Polarity.LOWER_IS_BETTER, "168", "164", ("159", "143", "121")),
    ("MOVES-LOWER-COST", Polarity.HIGHER_IS_BETTER, "64.6", "66.7", ("68.8", "70.9", "73.0")),
]


@pytest.fixture(scope="module")
def middlesbrough(plans: dict[str, Plan]) -> Plan:
    return plans["middlesbrough-2021"]


def test_middlesbrough_scorecard_is_the_papers(middlesbrough: Plan) -> None:
    assert [item.id for item in middlesbrough.kpis[:7]] == [row[0] for row in MIDDLESBROUGH_SCORECARD]
    for kpi_id, polarity, baseline, latest, targets in MIDDLESBROUGH_SCORECARD:
        item = kpi(middlesbrough, kpi_id)
        assert item.polarity is polarity, kpi_id
        assert item.baseline is not None
        assert item.baseline.value == Decimal(baseline), kpi_id
        # "June 2020" baselines, except the agency one which the paper dates January 2021.
        expected_on = date(2021, 1, 31) if kpi_id == "AGENCY-SW" else date(2020, 6, 30)
        assert item.baseline.on == expected_on, kpi_id
        assert [(r.on, r.value) for r in item.readings] == [(date(2021, 6, 30), Decimal(latest))], kpi_id
        assert [(t.financial_year, t.value) for t in item.targets] == list(
            zip(("2021/22", "2022/23", "2023/24"), map(Decimal, targets), strict=True)
        ), kpi_id
        assert item.target_detail, kpi_id
    assert "15%" in kpi(middlesbrough, "AGENCY-SW").target_detail


def test_middlesbrough_children_in_care_rates_ride_in_the_labels(middlesbrough: Plan) -> None:
    children = kpi(middlesbrough, "CIC")
    assert children.baseline is not None
    assert "202.2" in children.baseline.label
    assert "164.5" in children.readings[0].label
    assert "125.5" in children.target_detail
    moves = kpi(middlesbrough, "MOVES-LOWER-COST")
    assert moves.unit == "%"
    assert moves.baseline is not None
    assert (moves.baseline.label, moves.readings[0].label) == ("Q1, 20-21", "Q1, 21-22")
    assert str(moves.targets[-1].value) == "73.0"


def test_middlesbrough_placement_numbers(middlesbrough: Plan) -> None:
    placements = [item for item in middlesbrough.kpis if item.id.startswith("PL-")]
    march = {item.id: item.baseline.value for item in placements if item.baseline is not None}
    latest = {item.id: item.readings[-1].value for item in placements}
    assert latest == {"PL-EXT-RES": 57, "PL-INT-RES": 19, "PL-IFA": 158, "PL-INT-FOST": 173, "PL-FAF": 393}
    assert march == {"PL-EXT-RES": 65, "PL-INT-RES": 11, "PL-IFA": 163, "PL-INT-FOST": 164, "PL-FAF": 373}
    assert total(latest.values()) == 800
    assert total(march.values()) == 776
    changes = {key: latest[key] - march[key] for key in latest}
    assert changes == {"PL-EXT-RES": -8, "PL-INT-RES": 8, "PL-IFA": -5, "PL-INT-FOST": 9, "PL-FAF": 20}
    assert total(changes.values()) == 24
    for figure in ("£12,141,042", "£2,692,500", "£6,417,860", "£2,692,882", "£3,453,310", "£18,002"):
        assert figure in middlesbrough.description


def test_middlesbrough_salary_lines_to_august(middlesbrough: Plan) -> None:
    lines = middlesbrough.monitoring
    assert {m.period for m in lines} == {"Month 5 2020/21"}
    assert total(m.forecast for m in lines) == Decimal("8503506")
    # The paper's totals (budget £9,470,417, variance £966,911) are £1 above the sum of its lines: the
    # lines are rounded to the pound. The lines are kept as printed.
    assert total(m.budget for m in lines) == Decimal("9470416")
    assert variance(lines) == Decimal("-966910")
    assert {m.service_area: -m.variance for m in lines} == {
        "Prevention & Partnerships": Decimal("280857"),
        "Children's Care": Decimal("686053"),
    }


# --- Dorset 2017 --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dorset(plans: dict[str, Plan]) -> Plan:
    return plans["dorset-2017"]


def test_dorset_four_themes(dorset: Plan) -> None:
    assert [t.name for t in dorset.themes] == [
        "Prevention",
        "Protection",
        "Looked After Children",
        "Business Continuity",
    ]
    assert dorset.recommendations == []


def test_dorset_budget_history_matches_table_1(dorset: Plan) -> None:
    # (period, budget, actual/forecast, overspend as printed) in £000.
    table_1 = [
        ("Month 12 2013/14", 9_999, 13_379, 3_379),
        ("Month 12 2014/15", 10_628, 13_332, 2_704),
        ("Month 12 2015/16", 10_770, 16_771, 6_000),
        ("Month 8 2016/17", 12_520, 19_122, 6_603),
    ]
    assert [(m.period, m.budget, m.forecast) for m in dorset.monitoring] == [
        (period, k(budget), k(actual)) for period, budget, actual, _ in table_1
    ]
    for item, (_, _, _, printed) in zip(dorset.monitoring, table_1, strict=True):
        # The paper rounds each column to £000 separately, so its overspend can be £1k off.
        assert abs(item.variance - k(printed)) <= k(1), item.period


def test_dorset_funding(dorset: Plan) -> None:
    one_off = [a for a in dorset.allocations if a.id.startswith("ONE-")]
    assert total(a.amount for a in one_off) == k(5_000)
    assert {a.financial_year: a.amount for a in one_off} == {"2016/17": k(4_000), "2017/18": k(1_000)}
    assert allocation(dorset, "BBU-1617-LAC").amount == k(3_000)
    assert allocation(dorset, "AGY-1718").amount == k(732)


def test_dorset_scenarios_are_recorded_with_their_shortfalls(dorset: Plan) -> None:
    budgets = {"2016/17": 16_672, "2017/18": 13_672, "2018/19": 12_672}
    best = {"2016/17": 18_673, "2017/18": 14_822, "2018/19": 13_597}
    middle = {"2016/17": 18_781, "2017/18": 16_053, "2018/19": 14_641}
    shortfalls = {
        year: (best[year] - budgets[year], middle[year] - budgets[year], 18_981 - budgets[year])
        for year in budgets
    }
    assert shortfalls == {
        "2016/17": (2_001, 2_109, 2_309),
        "2017/18": (1_150, 2_381, 5_309),
        "2018/19": (925, 1_969, 6_309),
    }
    for figures in (budgets, best, middle):
        for value in figures.values():
            assert f"{value:,}" in dorset.description


def test_dorset_children_in_care_target(dorset: Plan) -> None:
    looked_after = kpi(dorset, "LAC")
    assert [r.value for r in looked_after.readings] == [347, 393, 486, 499]
    assert [(t.financial_year, t.value) for t in looked_after.targets] == [("2017/18", Decimal(400))]
    assert kpi(dorset, "AGENCY-STAFF").readings[0].value == 51
    assert kpi(dorset, "INH-CARERS").readings[0].value == 255
    assert "280" in kpi(dorset, "INH-CARERS").target_detail


# --- Lewisham 2018 ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lewisham(plans: dict[str, Plan]) -> Plan:
    return plans["lewisham-2018"]


def test_lewisham_five_priorities_and_board(lewisham: Plan) -> None:
    assert [t.key for t in lewisham.themes] == ["PR", "RM", "CP", "EH", "TR"]
    governance = lewisham.governance
    assert governance is not None
    assert (governance.board, governance.chair, governance.cadence) == (
        "CSC Improvement Board",
        "Lead Cabinet Member",
        "",
    )
    assert lewisham.action("CP-02").completed_on == date(2018, 8, 20)


def test_lewisham_overspend_by_area_of_spend(lewisham: Plan) -> None:
    lines = lewisham.monitoring
    assert {m.period for m in lines} == {"Month 6 2018/19"}
    overspend = {m.service_area: m.variance for m in lines}
    millions = Decimal(1_000_000)
    assert overspend == {
        "Staffing": Decimal("4.1") * millions,
        "Children's placements": Decimal("8.7") * millions,
        "Specialist Support": Decimal("0.1") * millions,
        "Other Support": Decimal("0.4") * millions,
        "Other Costs": Decimal("-0.4") * millions,
    }
    assert variance(lines) == Decimal("12.9") * millions
    # The paper prints a £41.6m total over budgets that add to £41.4m (each rounded to £0.1m).
    assert total(m.budget for m in lines) == Decimal("41.4") * millions
    assert line(lewisham, "CSC-PLACE").budget == Decimal("22.6") * millions


def test_lewisham_funding(lewisham: Plan) -> None:
    grant = allocation(lewisham, "NAAS-1819")
    assert (grant.source, grant.amount) == (FundingSource.GRANT, Decimal("144200"))
    assert lewisham.action("PR-07").funding == ["NAAS-1819"]
    assert allocation(lewisham, "SAV-1819").amount == Decimal("-700000")


def test_lewisham_benchmarks(lewisham: Plan) -> None:
    def comparators(kpi_id: str) -> dict[str, Decimal]:
        return {c.name: c.value for c in kpi(lewisham, kpi_id).comparators}

    assert kpi(lewisham, "LAC-RATE").readings[0].value == Decimal("71.8")
    assert comparators("LAC-RATE") == {"Statistical neighbours": Decimal("63.8"), "England": Decimal("62.0")}
    assert comparators("CPP") == {"Statistical neighbours": 263, "England": 296}
    assert comparators("S47-RATE") == {"Statistical neighbours": 139, "England": 142}
    assert comparators("UC-RES") == {"Statistical neighbours": 3438, "England": 3446}
    assert kpi(lewisham, "AGENCY-PCT").readings[0].value == Decimal("31.7")
    history = kpi(lewisham, "LAC").readings
    assert [(r.on, int(r.value)) for r in history] == [
        (date(2013, 8, 31), 506),
        (date(2014, 8, 31), 516),
        (date(2015, 8, 31), 489),
        (date(2016, 8, 31), 440),
        (date(2017, 8, 31), 467),
        (date(2018, 8, 31), 494),
    ]
    caseload = kpi(lewisham, "CASELOAD-RA")
    assert [(t.financial_year, t.value) for t in caseload.targets] == [("2018/19", Decimal(17))]
    assert caseload.readings[0].value == 15
