"""The improvement plan as pydantic models.

Every model forbids unknown fields, so a typo in a plan file is reported rather than
dropped. Cross-references (an action's theme, recommendations, funding and measures;
a spend entry's allocation) are checked by :class:`Plan`. Derived facts (overdue,
variance, recommendation coverage) are never stored: see :mod:`store.rollups`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    SerializerFunctionWrapHandler,
    WithJsonSchema,
    field_validator,
    model_serializer,
    model_validator,
)

from store.money import money_text, parse_financial_year, parse_money
from store.schema import SCHEMA_VERSION as SCHEMA_VERSION
from store.vocabulary import RAG_WORDS as RAG_WORDS
from store.vocabulary import Rag as Rag
from store.vocabulary import Status as Status

Money = Annotated[
    Decimal,
    BeforeValidator(parse_money),
    PlainSerializer(money_text, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+(\.\d{1,2})?$"}),
]
"""Pounds, exact to the penny; serialised to JSON as a string."""

FinancialYear = Annotated[str, BeforeValidator(parse_financial_year)]
"""A UK financial year label, ``"2019/20"``: 1 April 2019 to 31 March 2020."""


_SEPARATORS = re.compile(r"[\s\-]+")


def _normalise_word(value: Any) -> Any:
    """Accept ``"Not started"``, ``"not-started"`` and ``"NOT_STARTED"`` alike."""
    if not isinstance(value, str) or (value.islower() and value.isidentifier()):
        return value  # not text, or already the stored form: nothing to do on every load
    return _SEPARATORS.sub("_", value.strip().lower())


_STORED_RAGS = frozenset(rag.value for rag in Rag)


def _normalise_rag(value: Any) -> Any:
    if (
        isinstance(value, str) and value in _STORED_RAGS
    ):  # the stored form: skip the string work on every load
        return value
    word = _normalise_word(value)
    if isinstance(word, str):
        found = RAG_WORDS.get(word)
        return found.value if found else word
    return word


StatusField = Annotated[Status, BeforeValidator(_normalise_word)]
RagField = Annotated[Rag, BeforeValidator(_normalise_rag)]


class Judgement(StrEnum):
    """Ofsted's four-point scale."""

    OUTSTANDING = "Outstanding"
    GOOD = "Good"
    REQUIRES_IMPROVEMENT = "Requires improvement to be good"
    INADEQUATE = "Inadequate"


_GRADES_BY_WORDING = {
    **{grade.value.lower(): grade.value for grade in Judgement},
    "requires improvement": Judgement.REQUIRES_IMPROVEMENT.value,
}


def _normalise_grade(value: Any) -> Any:
    """Every wording Ofsted has used for a grade, in any case: "Requires improvement" (SIF)
    is the same grade as "Requires improvement to be good" (ILACS)."""
    if isinstance(value, str):
        return _GRADES_BY_WORDING.get(" ".join(value.split()).lower(), value)
    return value


JudgementField = Annotated[Judgement, BeforeValidator(_normalise_grade)]


class Addressee(StrEnum):
    """Who an inspection recommendation is addressed to."""

    LOCAL_AUTHORITY = "local_authority"
    LSCB = "lscb"
    """The Local Safeguarding Children Board (SIF reports, to 2018)."""
    SAFEGUARDING_PARTNERSHIP = "safeguarding_partnership"
    """The safeguarding partnership that replaced the LSCB."""

    @property
    def label(self) -> str:
        return {"lscb": "LSCB"}.get(self.value, self.value.replace("_", " ").capitalize())


class RecommendationSource(StrEnum):
    """Where a recommendation comes from."""

    INSPECTION = "inspection"
    PEER_REVIEW = "peer_review"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


def _without_unset(handler: SerializerFunctionWrapHandler, model: BaseModel, names: tuple[str, ...]) -> Any:
    """The model's dump without ``names`` left at their empty default, so plan files and
    exports written before those fields existed are written the same."""
    dumped = handler(model)
    if isinstance(dumped, dict):
        for name in names:
            if dumped.get(name) in (None, ""):
                dumped.pop(name, None)
    return dumped


class Polarity(StrEnum):
    """Which way is better for an indicator."""

    LOWER_IS_BETTER = "lower_is_better"
    HIGHER_IS_BETTER = "higher_is_better"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class FundingSource(StrEnum):
    GROWTH_BID = "growth_bid"
    RESERVES = "reserves"
    GRANT = "grant"
    BASE_BUDGET_UPLIFT = "base_budget_uplift"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class FundingKind(StrEnum):
    REVENUE = "revenue"
    CAPITAL = "capital"


class FundingCategory(StrEnum):
    INVESTMENT = "investment"
    SPEND_PRESSURE = "spend_pressure"
    OTHER = "other"
    BUDGET_REDUCTION = "budget_reduction"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class SpendKind(StrEnum):
    ACTUAL = "actual"
    COMMITMENT = "commitment"


def _parse_measure(value: Any) -> Decimal:
    """A KPI value: exact decimal; floats are taken by their shortest decimal form."""
    if isinstance(value, bool):
        raise ValueError("a measure must be a number, not true/false")
    try:
        number = Decimal(str(value).strip().rstrip("%")) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return number


Measure = Annotated[
    Decimal,
    BeforeValidator(_parse_measure),
    PlainSerializer(lambda number: f"{number:f}", return_type=str, when_used="json"),
]

Text = Annotated[str, Field(max_length=20_000)]
Name = Annotated[str, Field(min_length=1, max_length=500)]


class Model(BaseModel):
    """Shared settings: unknown fields are errors; assignments are validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, str_strip_whitespace=True)


class CriterionJudgement(Model):
    criterion: Name
    """What was judged, e.g. "Overall effectiveness"."""
    judgement: JudgementField


class Inspection(Model):
    framework: Name
    """ILACS, SIF, focused visit, JTAI, …"""
    started_on: date | None = None
    ended_on: date | None = None
    published_on: date | None = None
    lead_inspector: str = ""
    """As the report names them; empty where not known."""
    judgements: list[CriterionJudgement] = []

    @model_serializer(mode="wrap")
    def _serialise(self, handler: SerializerFunctionWrapHandler) -> Any:
        return _without_unset(handler, self, ("lead_inspector",))

    @model_validator(mode="after")
    def _dates_in_order(self) -> Inspection:
        if self.started_on and self.ended_on and self.ended_on < self.started_on:
            raise ValueError("inspection ended_on is before started_on")
        return self


class Governance(Model):
    board: Name
    """The board that reviews the plan, e.g. "Children's Change Board"."""
    chair: str = ""
    cadence: str = ""
    """How often the board meets, e.g. "monthly"; empty where the source does not say."""


class ImpactSignOff(Model):
    """A manual sign-off that a recommendation's impact is evidenced, not just done."""

    on: date
    by: Name
    note: Text = ""


class Recommendation(Model):
    number: int = Field(ge=1, le=999)
    text: Text = ""
    """The inspectors' wording; empty where the source does not give it."""
    impact_evidenced: ImpactSignOff | None = None
    addressee: Annotated[Addressee, BeforeValidator(_normalise_word)] | None = None
    """Who it is addressed to; not set where the source does not say (the local authority)."""
    source: Annotated[RecommendationSource, BeforeValidator(_normalise_word)] | None = None
    """Where it comes from; not set where the source does not say (the inspection)."""

    @model_serializer(mode="wrap")
    def _serialise(self, handler: SerializerFunctionWrapHandler) -> Any:
        return _without_unset(handler, self, ("addressee", "source"))


class Theme(Model):
    key: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,15}$")]
    """Short code used in action references, e.g. "WF"."""
    name: Name
    aim: Text = ""
    lead: str = ""


class ActionUpdate(Model):
    """A dated progress note with the RAG the author gave at the time."""

    on: date
    author: Name
    text: Text
    rag: RagField | None = None


class DueDateChange(Model):
    """A moved deadline, kept so the board can see slippage."""

    on: date
    by: Name
    old_due_on: date
    new_due_on: date
    reason: Name


class Action(Model):
    ref: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-/]{0,31}$")]
    """Unique within the plan, e.g. "WF-03"."""
    theme: str
    """The key of the theme the action belongs to."""
    title: Name
    description: Text = ""
    outcome: Text = ""
    """What will be different when the action is done."""
    success_measure: Text = ""
    """How success is measured: the evidence that the outcome has been reached."""
    owner: str = ""
    start_on: date | None = None
    due_on: date | None = None
    completed_on: date | None = None
    status: StatusField = Status.NOT_STARTED
    rag: RagField | None = None
    progress: int = Field(default=0, ge=0, le=100)
    """Percent complete as the owner judges it, 0-100."""
    recommendations: list[int] = []
    funding: list[str] = []
    """Ids of the funding allocations that pay for this action."""
    measures: list[str] = []
    """Ids of the KPIs that show whether it worked."""
    updates: list[ActionUpdate] = []
    due_history: list[DueDateChange] = []

    @field_validator("recommendations")
    @classmethod
    def _unique_recommendations(cls, numbers: list[int]) -> list[int]:
        if len(set(numbers)) == len(numbers):
            return sorted(numbers)
        duplicates = sorted(n for n, count in Counter(numbers).items() if count > 1)
        if duplicates:
            raise ValueError(f"recommendation {duplicates[0]} is listed twice")
        return sorted(numbers)

    @model_validator(mode="after")
    def _dates_in_order(self) -> Action:
        if self.start_on and self.due_on and self.due_on < self.start_on:
            raise ValueError(f"due_on {self.due_on} is before start_on {self.start_on}")
        if self.completed_on and self.start_on and self.completed_on < self.start_on:
            raise ValueError(f"completed_on {self.completed_on} is before start_on {self.start_on}")
        if self.completed_on and self.status is not Status.COMPLETE:
            raise ValueError(f"completed_on is set but status is {self.status.label.lower()}")
        return self


class Allocation(Model):
    """Money set aside for the plan in one financial year."""

    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}$")]
    source: Annotated[FundingSource, BeforeValidator(_normalise_word)]
    kind: Annotated[FundingKind, BeforeValidator(_normalise_word)] = FundingKind.REVENUE
    category: Annotated[FundingCategory, BeforeValidator(_normalise_word)]
    financial_year: FinancialYear
    amount: Money
    """Pounds; negative for a budget reduction."""
    purpose: Text = ""
    theme: str | None = None
    approved_by: str = ""
    approved_on: date | None = None


class SpendEntry(Model):
    """Money spent or committed against an allocation."""

    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}$")]
    allocation: str
    financial_year: FinancialYear
    period: int | None = Field(default=None, ge=1, le=12)
    """Month of the financial year: 1 is April, 12 is March."""
    kind: Annotated[SpendKind, BeforeValidator(_normalise_word)] = SpendKind.ACTUAL
    amount: Money
    note: Text = ""


_MONITORING_PERIOD = re.compile(r"^Month ([1-9]|1[0-2]) (\d{4}/\d{2})$")


def _check_monitoring_period(value: Any) -> Any:
    if not isinstance(value, str) or not _MONITORING_PERIOD.match(value.strip()):
        raise ValueError(f'{value!r} is not a monitoring period; write it like "Month 3 2019/20"')
    from store.money import parse_financial_year

    parse_financial_year(value.strip().rsplit(" ", 1)[1])
    return value.strip()


MonitoringPeriod = Annotated[str, BeforeValidator(_check_monitoring_period)]


def monitoring_period_key(period: str) -> tuple[int, int]:
    """Sort key for "Month 3 2019/20": (2019, 3)."""
    match = _MONITORING_PERIOD.match(period)
    assert match is not None, period
    return int(match.group(2)[:4]), int(match.group(1))


class MonitoringLine(Model):
    """One service area's line in a budget monitoring report.

    Variance is derived: forecast less budget plus use of reserves (reserves drawn are
    negative), so a positive variance is an overspend after reserves.
    """

    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}$")]
    period: MonitoringPeriod
    service_area: Name
    group: str = ""
    """Heading the line rolls up to, e.g. "Children in Care"; empty for a top-level line."""
    budget: Money
    forecast: Money
    use_of_reserves: Money = Decimal("0.00")
    reason: Text = ""

    @property
    def variance(self) -> Decimal:
        return self.forecast + self.use_of_reserves - self.budget


class Reading(Model):
    on: date
    value: Measure
    label: str = ""
    """How the source named the reading, e.g. "Q1, 21-22"."""


class Target(Model):
    financial_year: FinancialYear
    value: Measure


class Comparator(Model):
    name: Name
    """E.g. "Statistical neighbours", "England"."""
    value: Measure
    on: date | None = None


class Kpi(Model):
    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}$")]
    name: Name
    unit: str = ""
    polarity: Annotated[Polarity, BeforeValidator(_normalise_word)]
    baseline: Reading | None = None
    readings: list[Reading] = []
    targets: list[Target] = []
    target_detail: Text = ""
    comparators: list[Comparator] = []
    tolerance: Measure = Decimal("0")
    """How far off target still counts as amber rather than red."""

    @field_validator("readings")
    @classmethod
    def _sorted_readings(cls, readings: list[Reading]) -> list[Reading]:
        return sorted(readings, key=lambda reading: reading.on)

    @field_validator("targets")
    @classmethod
    def _one_target_a_year(cls, targets: list[Target]) -> list[Target]:
        years = [target.financial_year for target in targets]
        duplicates = sorted(y for y, count in Counter(years).items() if count > 1)
        if duplicates:
            raise ValueError(f"two targets for {duplicates[0]}")
        return sorted(targets, key=lambda target: target.financial_year)

    @field_validator("tolerance")
    @classmethod
    def _non_negative(cls, tolerance: Decimal) -> Decimal:
        if tolerance < 0:
            raise ValueError("tolerance cannot be negative")
        return tolerance


class AgendaKind(StrEnum):
    """Why an item is on the change board's agenda."""

    RED = "red"
    OVERDUE = "overdue"
    RAG_CHANGED = "rag_changed"
    NEWLY_COMPLETE = "newly_complete"
    DUE_BEFORE_NEXT = "due_before_next"
    RAG_CONFLICT = "rag_conflict"
    UNCOVERED = "uncovered_recommendation"
    KPI_OFF_TARGET = "kpi_off_target"
    VARIANCE = "monitoring_variance"

    @property
    def label(self) -> str:
        return _AGENDA_LABELS[self.value]


_AGENDA_LABELS = {
    "red": "Red",
    "overdue": "Overdue",
    "rag_changed": "RAG changed",
    "newly_complete": "Newly complete",
    "due_before_next": "Due before next board",
    "rag_conflict": "RAG contradicts dates",
    "uncovered_recommendation": "Uncovered recommendation",
    "kpi_off_target": "KPI off target",
    "monitoring_variance": "Budget variance",
}


class ReviewItem(Model):
    """One agenda item of a change board, with what the board said and decided."""

    subject: str
    """What it is about: an action ref, "rec 3", a KPI id or a monitoring line id."""
    kinds: list[AgendaKind]
    title: Text
    why: Text
    commentary: Text = ""
    decision: Text = ""
    outcome: Text = ""
    """What was changed at the board, e.g. "RAG amber → red; due 2019-12-01 → 2020-01-31"."""


class ReviewState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ReviewSession(Model):
    """A change-board meeting: who met, the agenda walked, decisions, and its snapshot."""

    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}$")]
    held_on: date
    board: Name
    chair: str = ""
    attendees: list[str] = []
    next_board_on: date | None = None
    state: ReviewState = ReviewState.OPEN
    items: list[ReviewItem] = []
    decisions: list[Text] = []
    """Decisions not tied to one agenda item."""
    snapshot_id: str | None = None
    """The snapshot taken when the session was closed."""
    closed_at: datetime | None = None


class TrackerMapping(Model):
    """How the council's own tracker is read, confirmed once and kept with the plan.

    Next month's import of the same tracker reads it the same way with no options given."""

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_\-]{0,31}$")] = "tracker"
    columns: dict[str, str] = {}
    """A heading as the file writes it -> the action field it fills, or "" for "not imported"."""
    values: dict[str, dict[str, str]] = {}
    """Field -> {a word the file writes -> what it means}, e.g. rag: {"Parked": "amber"}."""
    sheet: str | None = None
    """The workbook's sheet holding the tracker; None: the sheet whose header matches best."""
    include_hidden: bool = False
    """Whether the workbook's hidden columns and rows are imported."""
    confirmed_on: date | None = None
    confirmed_by: str = ""

    @field_validator("columns", "values")
    @classmethod
    def _no_blank_headings(cls, found: dict[str, Any]) -> dict[str, Any]:
        if any(not key.strip() for key in found):
            raise ValueError("a heading or word cannot be blank")
        return found


class RequestedAction(Model):
    """An action as it stood when its owner was asked for a return: what the return is compared with."""

    ref: str
    status: StatusField = Status.NOT_STARTED
    rag: RagField | None = None
    progress: int = Field(default=0, ge=0, le=100)
    due_on: date | None = None
    updates: int = 0
    """How many updates the action had, so one added in ipt since the request is seen."""


class ReturnRequest(Model):
    """A monthly return asked of one action owner: when, of whom, for which actions, and when it came back."""

    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}$")]
    owner: Name
    sent_on: date
    sent_by: Name
    due_on: date | None = None
    """The day the return is asked for (the chase starts after it)."""
    file: str = ""
    """The workbook's file name, as written."""
    actions: list[RequestedAction] = []
    returned_on: date | None = None
    returned_by: str = ""
    returned_file: str = ""
    held_back: list[str] = []
    """Refs whose returned values conflicted with a change made in ipt and were not applied."""


class PlanHeader(Model):
    """Everything about a plan except its lists of entities."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9\-]{0,63}$")]
    """Short, stable identifier, e.g. "oldham-2019"."""
    name: Name
    authority: Name
    description: Text = ""
    starts_on: date
    ends_on: date
    inspection: Inspection | None = None
    governance: Governance | None = None
    reported_on: date | None = None
    """The day the plan's figures were reported (a sample's council paper). The tracker assesses
    a plan that has one as of that day unless told another; without one, as of today."""

    @model_validator(mode="after")
    def _period_in_order(self) -> PlanHeader:
        if self.ends_on < self.starts_on:
            raise ValueError(f"plan ends_on {self.ends_on} is before starts_on {self.starts_on}")
        return self


def _duplicates(values: Iterable[Any]) -> list[Any]:
    return sorted(value for value, count in Counter(values).items() if count > 1)


class PlanIndex:
    """The keys an entity may refer to, for checking one entity without the whole plan."""

    def __init__(
        self,
        theme_keys: Iterable[str],
        recommendation_numbers: Iterable[int],
        allocation_ids: Iterable[str],
        kpi_ids: Iterable[str],
    ) -> None:
        self.theme_keys = set(theme_keys)
        self.recommendation_numbers = set(recommendation_numbers)
        self.allocation_ids = set(allocation_ids)
        self.kpi_ids = set(kpi_ids)

    def action_problems(self, action: Action) -> list[str]:
        """What the action refers to that the plan lacks, one message each."""
        problems = []
        if action.theme not in self.theme_keys:
            problems.append(f"theme: {action.theme!r} is not a theme of this plan")
        for number in action.recommendations:
            if number not in self.recommendation_numbers:
                problems.append(f"recommendations: {number} is not a recommendation of this plan")
        for allocation_id in action.funding:
            if allocation_id not in self.allocation_ids:
                problems.append(f"funding: {allocation_id!r} is not a funding allocation of this plan")
        for kpi_id in action.measures:
            if kpi_id not in self.kpi_ids:
                problems.append(f"measures: {kpi_id!r} is not a KPI of this plan")
        return problems


class Plan(PlanHeader):
    """A whole plan with its entities, as held in a plan file."""

    themes: list[Theme] = []
    recommendations: list[Recommendation] = []
    actions: list[Action] = []
    allocations: list[Allocation] = []
    spend: list[SpendEntry] = []
    monitoring: list[MonitoringLine] = []
    kpis: list[Kpi] = []
    reviews: list[ReviewSession] = []
    mappings: list[TrackerMapping] = []
    """How the council's own tracker is read (at most one per name)."""
    requests: list[ReturnRequest] = []
    """The owners' monthly returns asked for, and which came back."""

    @property
    def header(self) -> PlanHeader:
        return PlanHeader.model_validate(self.model_dump(include=set(PlanHeader.model_fields)))

    def index(self) -> PlanIndex:
        return PlanIndex(
            (theme.key for theme in self.themes),
            (rec.number for rec in self.recommendations),
            (allocation.id for allocation in self.allocations),
            (kpi.id for kpi in self.kpis),
        )

    @model_validator(mode="after")
    def _references_hold(self) -> Plan:
        problems = []
        for label, keys in (
            ("themes: key", (theme.key for theme in self.themes)),
            ("recommendations: number", (rec.number for rec in self.recommendations)),
            ("actions: ref", (action.ref for action in self.actions)),
            ("allocations: id", (allocation.id for allocation in self.allocations)),
            ("spend: id", (entry.id for entry in self.spend)),
            ("monitoring: id", (line.id for line in self.monitoring)),
            ("kpis: id", (kpi.id for kpi in self.kpis)),
            ("reviews: id", (review.id for review in self.reviews)),
            ("mappings: name", (mapping.name for mapping in self.mappings)),
            ("requests: id", (request.id for request in self.requests)),
        ):
            for duplicate in _duplicates(keys):
                problems.append(f"{label} {duplicate!r} is used twice")
        index = self.index()
        for position, action in enumerate(self.actions):
            for problem in index.action_problems(action):
                problems.append(f"actions[{position}] ({action.ref}).{problem}")
        for position, allocation in enumerate(self.allocations):
            if allocation.theme is not None and allocation.theme not in index.theme_keys:
                problems.append(
                    f"allocations[{position}] ({allocation.id}).theme: {allocation.theme!r} "
                    "is not a theme of this plan"
                )
        for position, entry in enumerate(self.spend):
            if entry.allocation not in index.allocation_ids:
                problems.append(
                    f"spend[{position}] ({entry.id}).allocation: {entry.allocation!r} "
                    "is not a funding allocation of this plan"
                )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def action(self, ref: str) -> Action:
        for action in self.actions:
            if action.ref == ref:
                return action
        raise KeyError(ref)

    def theme(self, key: str) -> Theme:
        for theme in self.themes:
            if theme.key == key:
                return theme
        raise KeyError(key)


class PlanFile(Model):
    """The native plan file: one plan with a format marker and schema version."""

    format: Literal["ipt-plan"] = "ipt-plan"
    schema_version: int = SCHEMA_VERSION
    plan: Plan


class AuditEntry(Model):
    """Who changed what field of what, from what to what, and when."""

    at: datetime
    by: Name
    plan_id: str
    entity: str
    """Kind of thing changed: "plan", "action", "theme", "recommendation", …"""
    key: str
    """Which one: an action ref, a theme key, a recommendation number, …"""
    field: str
    old: Any = None
    new: Any = None
    revision: int = 0
