"""Shared fixtures: small hand-built plans and stores in memory and on disk."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

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

if TYPE_CHECKING:
    from tests.pg_server import ThrowawayServer


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


@pytest.fixture(scope="session")
def pg_throwaway() -> Iterator[ThrowawayServer | None]:
    """The throwaway PostgreSQL server this session started (:mod:`tests.pg_server`), or None
    when ``$IPT_TEST_PG`` names one to use instead; the tests that need a server are skipped,
    naming what is missing, if neither can be had."""
    if os.environ.get("IPT_TEST_PG"):
        yield None
        return
    from tests.pg_server import NoServer, throwaway_server

    with contextlib.ExitStack() as stack:
        try:
            server = stack.enter_context(throwaway_server())
        except NoServer as error:
            pytest.skip(str(error))
        yield server


@pytest.fixture(scope="session")
def pg_server(pg_throwaway: ThrowawayServer | None) -> str:
    """A URL of a PostgreSQL database where schemas may be created: ``$IPT_TEST_PG`` when set,
    else the session's throwaway server."""
    return pg_throwaway.dsn() if pg_throwaway is not None else os.environ["IPT_TEST_PG"]


@pytest.fixture
def pg_empty_url(pg_server: str) -> Iterator[str]:
    """A database with no ipt tables yet: a new schema on the test server, dropped afterwards.

    The URL selects the schema through libpq's ``options`` (``search_path``), as a council
    keeping ipt in a schema of its own would."""
    import psycopg

    schema = f"t_{secrets.token_hex(6)}"
    label = f"ipt-test-{schema}"
    with psycopg.connect(pg_server, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    joiner = "&" if "?" in pg_server else "?"
    url = f"{pg_server}{joiner}options={quote(f'-csearch_path={schema}')}&application_name={label}"
    yield url
    with psycopg.connect(pg_server, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s", (label,)
        )
        admin.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def pg_url(pg_empty_url: str) -> str:
    """A fresh, empty ipt store on the test server (its tables made, as by ``ipt store init``)."""
    from store.postgres import PostgresStorage

    setup = PostgresStorage(pg_empty_url)
    setup.migrate()
    setup.close()
    return pg_empty_url


BACKENDS = ["memory", "file", "postgres"]
"""Every backend behind store.backend.Storage: the repository's tests run on each."""


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path | None:
    """Where a store lives, on each backend: None (memory), a file, a PostgreSQL URL."""
    if request.param == "memory":
        return None
    if request.param == "file":
        return tmp_path / "plans.json"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def repo(backend: str | Path | None) -> Iterator[Repository]:
    """The same repository behaviour in memory, on a real file and in PostgreSQL, as TinyDB's
    own tests run on memory and a file."""
    yield Repository(backend)


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "plans.json"
