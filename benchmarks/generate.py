"""Seeded stress plans and stores for the benchmarks.

:func:`stress_plan` builds a large plan that looks like a real one (refs such as ``T07-0123``,
owners, dates inside the plan period, a mix of statuses, RAG and progress, dated updates,
links to recommendations, funding and KPIs) and validates as :class:`~store.models.Plan`.
The same arguments and seed always give the same plan.

:func:`build_store` writes a plan to a new store through :meth:`Repository.add_plan` and then
fills the audit journal with history. History lines are written with
:meth:`AuditJournal.append` in the journal's own format, tagged with revision 1 and the
commit token of revision 1 (the save that created the plan). The journal honours a
revision below the store's current one under the last token written for it, so these lines
stay valid history however many saves come after; :func:`add_history` can therefore top a
store's history up later too.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from store.journal import AuditJournal, journal_path
from store.models import AuditEntry, Plan
from store.repository import Repository

DEFAULT_SEED = 2019
PLAN_STARTS = date(2019, 4, 1)
PLAN_ENDS = date(2022, 3, 31)
AS_OF = date(2021, 6, 30)
"""The day the generated plan "stands at": updates, completions and spend happen before it."""
FINANCIAL_YEARS = ("2019/20", "2020/21", "2021/22")
CREATED_AT = datetime(2019, 3, 29, 16, 30, tzinfo=UTC)
"""When the generated plan was added to its store: before any of its history."""
HISTORY_BATCH = 10_000
"""Audit entries written per journal append when filling history."""

_THEME_NAMES = (
    "Workforce stability",
    "Quality of practice",
    "Front door and MASH",
    "Children in care",
    "Care leavers",
    "Leadership and governance",
    "Partnership working",
    "Early help",
    "Edge of care",
    "Permanence planning",
    "Placement sufficiency",
    "Performance management",
    "Voice of the child",
    "Corporate parenting",
    "Exploitation and missing",
    "Disabled children",
    "Domestic abuse",
    "Private fostering",
    "Adolescents at risk",
    "Health of children in care",
)
_FIRST = (
    "Amira",
    "Ben",
    "Chloe",
    "David",
    "Elaine",
    "Farah",
    "Gareth",
    "Hannah",
    "Imran",
    "Jo",
    "Karen",
    "Liam",
    "Maya",
    "Nadia",
    "Owen",
    "Priya",
    "Rachel",
    "Sam",
    "Tom",
    "Yasmin",
)
_LAST = ("Ahmed", "Brown", "Clarke", "Davies", "Evans", "Hussain", "Jones", "Khan", "Patel", "Walsh")
_ROLES = (
    "Head of Service, Fieldwork",
    "Head of Service, Children in Care",
    "Service Manager, MASH",
    "Principal Social Worker",
    "Head of Quality Assurance",
    "Workforce Development Lead",
    "Service Manager, Care Leavers",
    "Head of Early Help",
    "Performance Manager",
    "Assistant Director, Safeguarding",
    "Commissioning Manager",
    "IRO Service Manager",
)
_VERBS = (
    "Review",
    "Embed",
    "Introduce",
    "Audit",
    "Refresh",
    "Recruit to",
    "Train staff in",
    "Launch",
    "Strengthen",
    "Publish",
    "Implement",
    "Evaluate",
)
_OBJECTS = (
    "the supervision policy",
    "the MASH threshold document",
    "permanence tracking meetings",
    "return home interviews",
    "the pathway plan template",
    "the social work academy",
    "the case file audit programme",
    "the practice model",
    "the sufficiency strategy",
    "the performance scorecard",
    "the participation strategy",
    "management oversight recording",
    "the quality assurance framework",
    "the placement panel",
    "the exploitation screening tool",
    "caseload monitoring",
    "the corporate parenting pledge",
    "the early help assessment",
)
_UPDATE_TEXTS = (
    "Draft circulated to heads of service for comment.",
    "Agreed at the improvement board; roll-out planned for next quarter.",
    "Recruitment campaign launched; {n} candidates shortlisted.",
    "Audit of {n} case files completed; findings reported to DMT.",
    "Delayed by staffing pressures in the team; recovery plan agreed.",
    "Training delivered to {n} practitioners; evaluation forms returned.",
    "Policy signed off and published on the intranet.",
    "Awaiting data from the performance team before the next step.",
    "Pilot running in two locality teams; early feedback positive.",
    "Partner agencies consulted; responses due by month end.",
)
_REASONS = (
    "Staffing capacity in the service",
    "Awaiting partner sign-off",
    "Aligned with the new practice model",
    "Procurement took longer than planned",
    "Pandemic restrictions",
)
_KPI_NAMES = (
    ("Agency social workers", "%", "lower_is_better"),
    ("Re-referrals within 12 months", "%", "lower_is_better"),
    ("Assessments completed within 45 days", "%", "higher_is_better"),
    ("Children seen within timescale", "%", "higher_is_better"),
    ("Average caseload per social worker", "", "lower_is_better"),
    ("Care leavers in education, employment or training", "%", "higher_is_better"),
    ("Placement moves (3+ in a year)", "%", "lower_is_better"),
    ("Days from entering care to adoption", "days", "lower_is_better"),
)
_SERVICE_AREAS = (
    ("Fieldwork", "Safeguarding"),
    ("MASH", "Safeguarding"),
    ("Residential care", "Children in Care"),
    ("Fostering", "Children in Care"),
    ("Care leavers", "Children in Care"),
    ("Early help", ""),
    ("Workforce", ""),
    ("Legal costs", ""),
)


@dataclass(frozen=True)
class BuiltStore:
    """A store written by :func:`build_store`."""

    path: Path
    plan_id: str
    history_token: str
    """Commit token of revision 1; history lines tagged with it are honoured."""
    history: int
    """History entries written so far (the plan's creation entry not counted)."""


def _day(rng: random.Random, first: date, last: date) -> date:
    if last <= first:
        return first
    return first + timedelta(days=rng.randint(0, (last - first).days))


def _money(rng: random.Random, low: int, high: int) -> str:
    return f"{rng.randint(low, high)}.{rng.choice((0, 0, 0, 50, rng.randint(1, 99))):02d}"


def _person(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"


def _fy_bounds(label: str) -> tuple[date, date]:
    start = int(label[:4])
    return date(start, 4, 1), date(start + 1, 3, 31)


def _updates(rng: random.Random, start: date, last: date, count: int, owner: str) -> list[dict[str, Any]]:
    days = sorted(_day(rng, start, last) for _ in range(count))
    return [
        {
            "on": day.isoformat(),
            "author": owner if rng.random() < 0.8 else _person(rng),
            "text": rng.choice(_UPDATE_TEXTS).format(n=rng.randint(3, 60)),
            "rag": rng.choice(("red", "amber", "green", "green", None)),
        }
        for day in days
    ]


def _action(
    rng: random.Random,
    ref: str,
    theme: str,
    recommendations: int,
    allocation_ids: list[str],
    kpi_ids: list[str],
) -> dict[str, Any]:
    owner = f"{_person(rng)}, {rng.choice(_ROLES)}"
    start = _day(rng, PLAN_STARTS, PLAN_STARTS + timedelta(days=700))
    due = min(start + timedelta(days=rng.randint(30, 540)), PLAN_ENDS)
    status = rng.choices(
        ("complete", "in_progress", "not_started", "blocked", "cancelled"), weights=(30, 40, 14, 6, 10)
    )[0]
    if start > AS_OF and status != "cancelled":
        status = "not_started"
    completed_on = None
    if status == "complete":
        completed_on = _day(rng, start, min(due + timedelta(days=60), AS_OF)).isoformat()
        progress, rag = 100, rng.choice(("blue", "blue", "blue", "green"))
    elif status == "in_progress":
        progress, rag = (
            rng.randrange(5, 96, 5),
            rng.choices(("green", "amber", "red"), weights=(50, 35, 15))[0],
        )
    elif status == "blocked":
        progress, rag = rng.randrange(10, 71, 5), rng.choice(("red", "red", "amber"))
    elif status == "cancelled":
        progress, rag = rng.randrange(0, 61, 5), None
    else:
        progress, rag = 0, rng.choice((None, None, "green", "amber"))
    n_updates = 0 if start > AS_OF else rng.choices(range(7), weights=(10, 20, 25, 20, 12, 8, 5))[0]
    if status == "not_started":
        n_updates = min(n_updates, 1)
    action: dict[str, Any] = {
        "ref": ref,
        "theme": theme,
        "title": f"{rng.choice(_VERBS)} {rng.choice(_OBJECTS)}",
        "description": (
            f"{rng.choice(_VERBS)} {rng.choice(_OBJECTS)} so that practice improves across the service; "
            f"evidence reviewed by {rng.choice(_ROLES).lower()}."
        ),
        "owner": owner,
        "start_on": start.isoformat(),
        "due_on": due.isoformat(),
        "completed_on": completed_on,
        "status": status,
        "rag": rag,
        "progress": progress,
        "recommendations": rng.sample(
            range(1, recommendations + 1), k=min(recommendations, rng.randint(1, 3))
        ),
        "funding": rng.sample(allocation_ids, k=min(len(allocation_ids), rng.randint(1, 2)))
        if allocation_ids and rng.random() < 0.3
        else [],
        "measures": rng.sample(kpi_ids, k=min(len(kpi_ids), rng.randint(1, 2)))
        if kpi_ids and rng.random() < 0.4
        else [],
        "updates": _updates(rng, start, min(AS_OF, PLAN_ENDS), n_updates, owner.split(",")[0]),
        "due_history": [],
    }
    if rng.random() < 0.12 and due - timedelta(days=30) >= start:
        old_due = _day(rng, start, due - timedelta(days=30))
        action["due_history"] = [
            {
                "on": _day(rng, start, min(old_due, AS_OF)).isoformat(),
                "by": owner.split(",")[0],
                "old_due_on": old_due.isoformat(),
                "new_due_on": due.isoformat(),
                "reason": rng.choice(_REASONS),
            }
        ]
    return action


def _allocation(rng: random.Random, number: int, theme_keys: list[str]) -> dict[str, Any]:
    category = rng.choices(
        ("investment", "spend_pressure", "other", "budget_reduction"), weights=(60, 25, 10, 5)
    )[0]
    year = rng.choice(FINANCIAL_YEARS)
    first, _ = _fy_bounds(year)
    amount = _money(rng, 20_000, 2_500_000)
    return {
        "id": f"AL-{number:03d}",
        "source": rng.choice(("growth_bid", "reserves", "grant", "base_budget_uplift", "other")),
        "kind": "revenue" if rng.random() < 0.85 else "capital",
        "category": category,
        "financial_year": year,
        "amount": f"-{amount}" if category == "budget_reduction" else amount,
        "purpose": f"{rng.choice(_VERBS)} {rng.choice(_OBJECTS)}",
        "theme": rng.choice(theme_keys) if theme_keys and rng.random() < 0.8 else None,
        "approved_by": rng.choice(("Cabinet", "Director of Children's Services", "Section 151 officer")),
        "approved_on": _day(rng, first - timedelta(days=60), first).isoformat(),
    }


def _kpi(rng: random.Random, number: int, readings: int) -> dict[str, Any]:
    name, unit, polarity = _KPI_NAMES[number % len(_KPI_NAMES)]
    level = rng.uniform(10, 80)
    step = rng.uniform(-1.0, 1.0)
    values = []
    for month in range(readings):
        level = max(0.0, level + step + rng.uniform(-2.0, 2.0))
        on = date(
            PLAN_STARTS.year + (PLAN_STARTS.month - 1 + month) // 12,
            (PLAN_STARTS.month - 1 + month) % 12 + 1,
            1,
        )
        values.append({"on": on.isoformat(), "value": f"{level:.1f}", "label": on.strftime("%b %Y")})
    return {
        "id": f"K{number:03d}",
        "name": f"{name} ({number})",
        "unit": unit,
        "polarity": polarity,
        "baseline": {
            "on": (PLAN_STARTS - timedelta(days=31)).isoformat(),
            "value": f"{rng.uniform(10, 80):.1f}",
        },
        "readings": values,
        "targets": [
            {"financial_year": year, "value": f"{rng.uniform(10, 80):.1f}"} for year in FINANCIAL_YEARS
        ],
        "target_detail": "Stretch target agreed with the improvement board.",
        "comparators": [
            {"name": "Statistical neighbours", "value": f"{rng.uniform(10, 80):.1f}", "on": "2019-03-31"},
            {"name": "England", "value": f"{rng.uniform(10, 80):.1f}", "on": "2019-03-31"},
        ],
        "tolerance": rng.choice(("0", "1", "2.5", "5")),
    }


def stress_plan(
    actions: int = 10_000,
    themes: int = 40,
    recommendations: int = 200,
    allocations: int = 120,
    spend: int = 2_000,
    kpis: int = 100,
    readings: int = 36,
    monitoring: int = 96,
    seed: int = DEFAULT_SEED,
) -> Plan:
    """A valid plan of the given size; the same arguments always give the same plan.

    Action refs are ``T<theme>-<n>`` (``T07-0123``), numbered within their theme.
    """
    if themes < 1 or recommendations < 1 or actions < 0:
        raise ValueError("a stress plan needs at least one theme and one recommendation")
    if themes > 99 or recommendations > 999 or actions > 99 * 9_999:
        raise ValueError("too large: refs allow 99 themes, 9,999 actions a theme and 999 recommendations")
    rng = random.Random(seed)
    theme_keys = [f"T{number:02d}" for number in range(1, themes + 1)]
    theme_docs = [
        {
            "key": key,
            "name": _THEME_NAMES[i % len(_THEME_NAMES)] + ("" if i < len(_THEME_NAMES) else f" ({i + 1})"),
            "aim": "Children receive consistently good help and protection.",
            "lead": f"{_person(rng)}, {rng.choice(_ROLES)}",
        }
        for i, key in enumerate(theme_keys)
    ]
    recommendation_docs: list[dict[str, Any]] = [
        {
            "number": number,
            "text": f"Ensure that {rng.choice(_OBJECTS)} is consistently effective ({number}).",
        }
        for number in range(1, recommendations + 1)
    ]
    for doc in recommendation_docs[: recommendations // 10]:
        doc["impact_evidenced"] = {"on": _day(rng, PLAN_STARTS, AS_OF).isoformat(), "by": _person(rng)}
    allocation_docs = [_allocation(rng, number, theme_keys) for number in range(1, allocations + 1)]
    allocation_ids = [doc["id"] for doc in allocation_docs]
    spendable = [doc for doc in allocation_docs if doc["category"] != "budget_reduction"] or allocation_docs
    spend_docs = []
    for number in range(1, spend + 1 if allocation_docs else 1):
        allocation = rng.choice(spendable)
        spend_docs.append(
            {
                "id": f"SP-{number:05d}",
                "allocation": allocation["id"],
                "financial_year": allocation["financial_year"],
                "period": rng.randint(1, 12),
                "kind": "actual" if rng.random() < 0.8 else "commitment",
                "amount": _money(rng, 100, 90_000),
                "note": f"Invoice {rng.randint(100_000, 999_999)}",
            }
        )
    monitoring_docs = []
    for number in range(1, monitoring + 1):
        area, group = _SERVICE_AREAS[number % len(_SERVICE_AREAS)]
        month = (number - 1) // len(_SERVICE_AREAS) % 12 + 1
        year = FINANCIAL_YEARS[(number - 1) // (len(_SERVICE_AREAS) * 12) % len(FINANCIAL_YEARS)]
        budget = rng.randint(500_000, 12_000_000)
        monitoring_docs.append(
            {
                "id": f"MON-{number:04d}",
                "period": f"Month {month} {year}",
                "service_area": area,
                "group": group,
                "budget": f"{budget}.00",
                "forecast": f"{budget + rng.randint(-400_000, 900_000)}.00",
                "use_of_reserves": f"-{rng.randint(0, 300_000)}.00",
                "reason": "Placement costs and agency staffing.",
            }
        )
    kpi_docs = [_kpi(rng, number, readings) for number in range(1, kpis + 1)]
    kpi_ids = [doc["id"] for doc in kpi_docs]
    per_theme = [0] * themes
    action_docs = []
    for _ in range(actions):
        theme = rng.randrange(themes)
        while per_theme[theme] >= 9_999:
            theme = (theme + 1) % themes
        per_theme[theme] += 1
        ref = f"{theme_keys[theme]}-{per_theme[theme]:04d}"
        action_docs.append(_action(rng, ref, theme_keys[theme], recommendations, allocation_ids, kpi_ids))
    return Plan.model_validate(
        {
            "id": f"stress-{actions}",
            "name": f"Stress improvement plan ({actions:,} actions)",
            "authority": "Benchmark Borough Council",
            "description": f"Generated by benchmarks.generate with seed {seed}; not a real plan.",
            "starts_on": PLAN_STARTS.isoformat(),
            "ends_on": PLAN_ENDS.isoformat(),
            "inspection": {
                "framework": "ILACS",
                "started_on": "2019-01-14",
                "ended_on": "2019-01-25",
                "published_on": "2019-03-08",
                "judgements": [{"criterion": "Overall effectiveness", "judgement": "Inadequate"}],
            },
            "governance": {
                "board": "Children's Improvement Board",
                "chair": _person(rng),
                "cadence": "monthly",
            },
            "themes": theme_docs,
            "recommendations": recommendation_docs,
            "actions": action_docs,
            "allocations": allocation_docs,
            "spend": spend_docs,
            "monitoring": monitoring_docs,
            "kpis": kpi_docs,
        }
    )


_HISTORY_POOL = 4_096


def history_entries(
    plan: Plan, count: int, *, start: int = 0, seed: int = DEFAULT_SEED, revision: int = 1
) -> Iterator[AuditEntry]:
    """``count`` realistic audit entries about ``plan``'s actions, numbered from ``start``.

    Entry ``i`` depends only on ``i`` and the seed, so history written in batches (or topped
    up later) is the same as history written at once. It is stamped ``i * 613`` seconds after
    the plan started (about two years for 100,000 entries), so it reads back in time order.
    """
    rng = random.Random(seed)
    changes = [(_person(rng), *_history_change(rng)) for _ in range(_HISTORY_POOL)]
    refs = [action.ref for action in plan.actions] or [plan.id]
    entity = "action" if plan.actions else "plan"
    began = datetime(PLAN_STARTS.year, PLAN_STARTS.month, PLAN_STARTS.day, 9, tzinfo=UTC)
    span = int((datetime(PLAN_ENDS.year, PLAN_ENDS.month, PLAN_ENDS.day, tzinfo=UTC) - began).total_seconds())
    for number in range(start, start + count):
        at = began + timedelta(seconds=(number * 613) % span)
        by, field, old, new = changes[(number * 2_654_435_761 + seed) % _HISTORY_POOL]
        if field == "updates":
            new = {**new, "on": at.date().isoformat(), "author": by}
        yield AuditEntry.model_construct(
            at=at,
            by=by,
            plan_id=plan.id,
            entity=entity,
            key=refs[(number * 1_000_003 + seed) % len(refs)],
            field=field,
            old=old,
            new=new,
            revision=revision,
        )


def _history_change(rng: random.Random) -> tuple[str, Any, Any]:
    kind = rng.random()
    if kind < 0.4:
        old = rng.randrange(0, 96, 5)
        return "progress", old, min(100, old + rng.randrange(5, 30, 5))
    if kind < 0.75:
        text = rng.choice(_UPDATE_TEXTS).format(n=rng.randint(3, 60))
        return (
            "updates",
            None,
            {"on": None, "author": None, "text": text, "rag": rng.choice(("red", "amber", "green"))},
        )
    if kind < 0.88:
        return "rag", rng.choice(("red", "amber", None)), rng.choice(("amber", "green"))
    if kind < 0.96:
        return "status", "not_started", "in_progress"
    old_due = _day(rng, PLAN_STARTS, PLAN_ENDS - timedelta(days=120))
    return "due_on", old_due.isoformat(), (old_due + timedelta(days=rng.randint(14, 90))).isoformat()


def add_history(store: BuiltStore, plan: Plan, count: int, *, seed: int = DEFAULT_SEED) -> BuiltStore:
    """Append ``count`` more history entries to ``store``'s journal as valid revision-1 history."""
    journal = AuditJournal(journal_path(store.path))
    written = 0
    while written < count:
        batch = list(
            history_entries(
                plan, min(HISTORY_BATCH, count - written), start=store.history + written, seed=seed
            )
        )
        journal.append(batch, revision=1, token=store.history_token)
        written += len(batch)
    return replace(store, history=store.history + count)


def build_store(
    path: Path, plan: Plan, audit_entries: int = 100_000, *, seed: int = DEFAULT_SEED, by: str = "bench"
) -> BuiltStore:
    """Write ``plan`` to a new store at ``path`` and give it ``audit_entries`` of history.

    ``repo.audit()`` on the result returns the history entries plus the plan's creation entry.
    """
    repo = Repository(path, clock=lambda: CREATED_AT)
    if repo.revision != 0:
        raise ValueError(f"{path} already holds a store; build_store needs a new one")
    repo.add_plan(plan, by=by)
    if repo.revision != 1 or repo.token is None:
        raise RuntimeError("adding the plan should have made revision 1 with a commit token")
    store = BuiltStore(path=path, plan_id=plan.id, history_token=repo.token, history=0)
    return add_history(store, plan, audit_entries, seed=seed)
