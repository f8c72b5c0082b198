"""Shared fixtures: small hand-built plans and stores in memory and on disk."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from store.models import (
    Action,
    Allocation,
    Kpi,
    MonitoringLine,
    Plan,
    Reading,
    Recommendation,
    SpendEntry,
    Target,
    Theme,
)
from store.repository import Repository


def make_plan(plan_id: str = "test-plan", actions: int = 3) -> Plan:
    """A small valid plan: two themes, three recommendations, funding, a KPI."""
    return Plan(
        id=plan_id,
        name="Test Improvement Plan 2019-2021",
        authority="Test Council",
        starts_on=date(2019, 4, 1),
        ends_on=date(2021, 3, 31),
        themes=[Theme(key="WF", name="Workforce", lead="Head of Workforce"), Theme(key="QP", name="Quality")],
        recommendations=[Recommendation(number=n, text=f"Recommendation {n}") for n in (1, 2, 3)],
        actions=[
            Action(
                ref=f"WF-{n:02d}",
                theme="WF" if n % 2 else "QP",
                title=f"Action {n}",
                owner="Service Manager",
                start_on=date(2019, 5, 1),
                due_on=date(2019, 12, n),
                recommendations=[1 + n % 2],
            )
            for n in range(1, actions + 1)
        ],
        allocations=[
            Allocation(
                id="A1",
                source="growth_bid",
                category="investment",
                financial_year="2019/20",
                amount="1000000.00",
                theme="WF",
            )
        ],
        spend=[SpendEntry(id="S1", allocation="A1", financial_year="2019/20", period=3, amount="250000.50")],
        monitoring=[
            MonitoringLine(
                id="M1",
                period="Month 3 2019/20",
                service_area="Fieldwork",
                budget="9500000",
                forecast="10045000",
                use_of_reserves="-279000",
                reason="Staffing",
            )
        ],
        kpis=[
            Kpi(
                id="K1",
                name="Agency social workers",
                polarity="lower_is_better",
                readings=[Reading(on=date(2019, 2, 1), value=74), Reading(on=date(2019, 8, 1), value=35)],
                targets=[Target(financial_year="2019/20", value=30)],
            )
        ],
    )


@pytest.fixture
def plan() -> Plan:
    return make_plan()


@pytest.fixture(params=["memory", "file"])
def repo(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Repository]:
    """The same repository behaviour in memory and on a real file, as TinyDB's own tests do."""
    path = None if request.param == "memory" else tmp_path / "plans.json"
    yield Repository(path)


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "plans.json"
