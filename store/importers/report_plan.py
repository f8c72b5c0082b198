"""A plan skeleton from the reading of an inspection report.

:func:`plan_from_reading` makes the plan that ``ipt new --from-report`` and the tracker's
"New plan from inspection report…" create: the authority, the inspection (framework, dates,
lead inspector, a judgement per criterion with "Overall effectiveness" last, as the sample
plans have it) and every recommendation with its number, addressee and source. Themes,
actions, funding and measures are the plan's to add. The period runs two years from the
report's publication (or the inspection's end where no publication date is printed).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from pydantic import ValidationError

from store.importers.ofsted_report import LSCB, ReportError, ReportReading, ReportRecommendation
from store.models import (
    Addressee,
    CriterionJudgement,
    Inspection,
    Plan,
    Recommendation,
    RecommendationSource,
)

PLAN_YEARS = 2

_PLAN_ID = re.compile(r"^[a-z0-9][a-z0-9\-]{0,63}$")


def default_plan_id(reading: ReportReading) -> str:
    """``"bury-2021"``: the authority's name in lower case with dashes, and the inspection's year."""
    words = re.sub(r"[^a-z0-9]+", "-", reading.local_authority.lower()).strip("-")
    words = re.sub(r"^(the-)", "", words)[:55].strip("-") or "plan"
    return f"{words}-{reading.ended_on.year}"


def check_plan_id(plan_id: str) -> str:
    """``plan_id`` if it is a valid plan id, else ValueError saying what one looks like."""
    if not _PLAN_ID.match(plan_id):
        raise ValueError(
            f"{plan_id!r} is not a plan id: use lower-case letters, digits and dashes, "
            "starting with a letter or digit, at most 64 characters (e.g. bury-2021)"
        )
    return plan_id


def framework_label(reading: ReportReading) -> str:
    """ "ILACS inspection", "SIF re-inspection", "focused visit"."""
    if reading.framework == "focused visit":
        return "focused visit"
    if reading.title.lower().startswith("re-inspection"):
        return f"{reading.framework} re-inspection"
    return f"{reading.framework} inspection"


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def plan_from_reading(reading: ReportReading, *, plan_id: str | None = None, source_name: str = "") -> Plan:
    """The plan skeleton; ``plan_id`` defaults to :func:`default_plan_id`. A reading that
    breaks the plan's rules (a recommendation numbered over 999, say) raises
    :class:`ReportError` naming the first problem."""
    try:
        return _plan(reading, plan_id, source_name)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ReportError(
            f"{source_name or 'the report'}: what was read does not make a plan: {where}: {first['msg']}"
        ) from None


def _recommendation(rec: ReportRecommendation, source_name: str) -> Recommendation:
    try:
        return Recommendation(
            number=rec.number,
            text=rec.text,
            addressee=Addressee.LSCB if rec.addressee == LSCB else Addressee.LOCAL_AUTHORITY,
            source=RecommendationSource.INSPECTION,
        )
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        source = source_name or "the report"
        raise ReportError(
            f"{source}: recommendation {rec.number} cannot be kept: {where}: {first['msg']}"
        ) from None


def _plan(reading: ReportReading, plan_id: str | None, source_name: str) -> Plan:
    starts_on = reading.published_on or reading.ended_on
    judgements = [CriterionJudgement(criterion=j.criterion, judgement=j.grade) for j in reading.judgements]
    if reading.overall is not None:
        overall = reading.overall.grade
        judgements.append(CriterionJudgement(criterion="Overall effectiveness", judgement=overall))
    label = framework_label(reading)
    described = f"Started from the Ofsted report of the {label} ({reading.title})"
    if source_name:
        described += f", file {source_name}"
    return Plan(
        id=check_plan_id(plan_id or default_plan_id(reading)),
        name=f"Improvement plan after the {label} of {reading.ended_on:%B %Y}",
        authority=reading.local_authority,
        description=described + ".",
        starts_on=starts_on,
        ends_on=_years_later(starts_on, PLAN_YEARS) - timedelta(days=1),
        inspection=Inspection(
            framework=reading.framework,
            started_on=reading.started_on,
            ended_on=reading.ended_on,
            published_on=reading.published_on,
            lead_inspector=reading.lead_inspector,
            judgements=judgements,
        ),
        recommendations=[_recommendation(rec, source_name) for rec in reading.recommendations],
    )
