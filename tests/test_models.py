"""Every model rule of the plan, each shown to refuse what it should."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from store.models import Action, Allocation, Kpi, MonitoringLine, Plan, Rag, Status
from store.money import (
    financial_year_bounds,
    financial_year_of,
    format_thousands,
    parse_money,
)
from tests.conftest import make_plan


def _errors(excinfo: pytest.ExceptionInfo[ValidationError]) -> str:
    return str(excinfo.value)


def test_refs_are_unique_per_plan() -> None:
    plan = make_plan()
    raw = plan.model_dump()
    raw["actions"].append(dict(raw["actions"][0]))
    with pytest.raises(ValidationError) as excinfo:
        Plan.model_validate(raw)
    assert "actions: ref 'WF-01' is used twice" in _errors(excinfo)


def test_recommendation_numbers_are_unique_per_plan() -> None:
    raw = make_plan().model_dump()
    raw["recommendations"].append({"number": 2, "text": "again"})
    with pytest.raises(ValidationError) as excinfo:
        Plan.model_validate(raw)
    assert "recommendations: number 2 is used twice" in _errors(excinfo)


def test_same_ref_in_two_plans_is_fine() -> None:
    assert make_plan("one").actions[0].ref == make_plan("two").actions[0].ref


def test_action_theme_must_exist() -> None:
    raw = make_plan().model_dump()
    raw["actions"][1]["theme"] = "XX"
    with pytest.raises(ValidationError) as excinfo:
        Plan.model_validate(raw)
    assert "actions[1] (WF-02).theme: 'XX' is not a theme of this plan" in _errors(excinfo)


def test_action_recommendations_must_exist() -> None:
    raw = make_plan().model_dump()
    raw["actions"][0]["recommendations"] = [1, 9]
    with pytest.raises(ValidationError) as excinfo:
        Plan.model_validate(raw)
    assert "recommendations: 9 is not a recommendation of this plan" in _errors(excinfo)


def test_action_funding_and_measures_must_exist() -> None:
    raw = make_plan().model_dump()
    raw["actions"][0]["funding"] = ["NOPE"]
    raw["actions"][0]["measures"] = ["K9"]
    with pytest.raises(ValidationError) as excinfo:
        Plan.model_validate(raw)
    assert "'NOPE' is not a funding allocation" in _errors(excinfo)
    assert "'K9' is not a KPI" in _errors(excinfo)


def test_spend_must_name_a_real_allocation() -> None:
    raw = make_plan().model_dump()
    raw["spend"][0]["allocation"] = "A9"
    with pytest.raises(ValidationError, match="'A9' is not a funding allocation"):
        Plan.model_validate(raw)


def test_due_must_not_be_before_start() -> None:
    with pytest.raises(ValidationError, match="before start_on"):
        Action(ref="X-1", theme="WF", title="t", start_on=date(2020, 1, 2), due_on=date(2020, 1, 1))
    assert Action(ref="X-1", theme="WF", title="t", start_on=date(2020, 1, 1), due_on=date(2020, 1, 1))


@pytest.mark.parametrize("progress", [-1, 101, 250])
def test_progress_is_0_to_100(progress: int) -> None:
    with pytest.raises(ValidationError, match="progress"):
        Action(ref="X-1", theme="WF", title="t", progress=progress)


def test_completed_date_needs_complete_status() -> None:
    with pytest.raises(ValidationError, match="completed_on is set but status is in progress"):
        Action(ref="X-1", theme="WF", title="t", status="in progress", completed_on=date(2020, 1, 1))


def test_status_and_rag_accept_spreadsheet_words() -> None:
    action = Action(ref="X-1", theme="WF", title="t", status="Not Started", rag="A")
    assert action.status is Status.NOT_STARTED
    assert action.rag is Rag.AMBER
    with pytest.raises(ValidationError, match="rag"):
        Action(ref="X-1", theme="WF", title="t", rag="purple")


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("NaN", "not a finite"),
        ("Infinity", "not a finite"),
        ("-inf", "not a finite"),
        ("1.005", "more than two decimal places"),
        ("12.3456", "more than two decimal places"),
        (1.5, "not a float"),
        ("twelve", "not an amount"),
        (True, "not true/false"),
    ],
)
def test_money_refuses_inexact_values(raw: object, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        parse_money(raw)


def test_money_accepts_exact_forms() -> None:
    assert parse_money("1,234.50") == Decimal("1234.50")
    assert parse_money("(329)") == Decimal("-329.00")
    assert parse_money(12181000) == Decimal("12181000.00")
    assert parse_money("1.500") == Decimal("1.50")  # trailing zero is not a third decimal


def test_money_is_stored_as_a_string_without_float() -> None:
    allocation = Allocation(
        id="A", source="grant", category="investment", financial_year="2019/20", amount="0.10"
    )
    dumped = allocation.model_dump(mode="json")
    assert dumped["amount"] == "0.10"
    assert isinstance(dumped["amount"], str)


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_money_round_trips_every_penny(pence: int) -> None:
    amount = Decimal(pence) / 100
    allocation = Allocation(
        id="A", source="grant", category="other", financial_year="2020/21", amount=f"{amount:.2f}"
    )
    again = Allocation.model_validate_json(allocation.model_dump_json())
    assert again.amount == amount


@pytest.mark.parametrize("label", ["2019/21", "2019-20", "19/20", "2019/2020", "2099/01", "", "2019/ 20"])
def test_financial_years_must_be_consecutive_and_well_formed(label: str) -> None:
    with pytest.raises(ValidationError, match="financial year"):
        Allocation(id="A", source="grant", category="other", financial_year=label, amount="1")


def test_century_financial_year() -> None:
    assert Allocation(id="A", source="grant", category="other", financial_year="2099/00", amount="1")
    assert financial_year_bounds("2099/00") == (date(2099, 4, 1), date(2100, 3, 31))


@pytest.mark.parametrize(
    ("day", "year"),
    [(date(2020, 3, 31), "2019/20"), (date(2020, 4, 1), "2020/21"), (date(2019, 12, 25), "2019/20")],
)
def test_financial_year_of(day: date, year: str) -> None:
    assert financial_year_of(day) == year


def test_variance_is_computed_not_typed() -> None:
    line = MonitoringLine(
        id="M",
        period="Month 3 2019/20",
        service_area="Fieldwork",
        budget="9500",
        forecast="10045",
        use_of_reserves="(279)",
    )
    assert line.variance == Decimal("266.00")
    assert "variance" not in line.model_dump()
    with pytest.raises(ValidationError, match="variance"):
        MonitoringLine.model_validate({**line.model_dump(), "variance": "1"})


def test_monitoring_period_is_checked() -> None:
    with pytest.raises(ValidationError, match="monitoring period"):
        MonitoringLine(id="M", period="Q3 2019", service_area="x", budget="1", forecast="1")
    with pytest.raises(ValidationError, match="Month 13"):
        MonitoringLine(id="M", period="Month 13 2019/20", service_area="x", budget="1", forecast="1")


def test_kpi_targets_one_per_year_and_tolerance_not_negative() -> None:
    with pytest.raises(ValidationError, match="two targets for 2021/22"):
        Kpi(
            id="K",
            name="k",
            polarity="lower is better",
            targets=[{"financial_year": "2021/22", "value": 1}, {"financial_year": "2021/22", "value": 2}],
        )
    with pytest.raises(ValidationError, match="tolerance cannot be negative"):
        Kpi(id="K", name="k", polarity="higher_is_better", tolerance=-1)


def test_unknown_fields_are_errors_not_dropped() -> None:
    with pytest.raises(ValidationError, match="owenr"):
        Action.model_validate({"ref": "X-1", "theme": "WF", "title": "t", "owenr": "typo"})


def test_council_thousands_format() -> None:
    assert format_thousands(Decimal("-329000")) == "(329)"
    assert format_thousands(Decimal("12181000")) == "12,181"
    assert format_thousands(Decimal("0")) == "-"


def test_thousands_round_halves_up_as_councils_do() -> None:
    assert format_thousands(Decimal("2500")) == "3"
    assert format_thousands(Decimal("3500")) == "4"
    assert format_thousands(Decimal("-2500")) == "(3)"
