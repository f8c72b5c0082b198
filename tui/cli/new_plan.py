"""``ipt new --from-report REPORT.pdf``: a plan skeleton from an Ofsted inspection report."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from tui.cli.common import EXIT_FAILED, EXIT_OK, CommandFailed, by_name, open_store, write_error, write_json

if TYPE_CHECKING:
    from store.importers.ofsted_report import ReportReading
    from store.models import Plan


def add_new_parser(commands: Any) -> None:
    new = commands.add_parser(
        "new",
        help="start a plan from an Ofsted inspection report (PDF): judgements, dates, recommendations",
    )
    new.add_argument(
        "--from-report",
        dest="report",
        type=Path,
        required=True,
        metavar="REPORT.pdf",
        help="the inspection report as published by Ofsted",
    )
    new.add_argument(
        "--id", dest="plan_id", default=None, metavar="ID", help="the new plan's id (default: e.g. bury-2021)"
    )
    new.add_argument("--dry-run", action="store_true", help="show what would be created; write nothing")
    new.add_argument(
        "--json",
        action="store_true",
        help="print the plan as a plan file (to edit, then `ipt import`); write nothing",
    )


def long_date(day: date) -> str:
    """``"5 November 2021"``."""
    return f"{day.day} {day:%B %Y}"


def describe_reading(reading: ReportReading) -> list[str]:
    """The reading as lines of text: what the preview and ``--dry-run`` show."""
    from store.importers.report_plan import framework_label

    dates = f"{long_date(reading.started_on)} to {long_date(reading.ended_on)}"
    lines = [f"{reading.local_authority}: {framework_label(reading)}, {dates}"]
    if reading.published_on:
        lines.append(f"Published {long_date(reading.published_on)}")
    if reading.lead_inspector:
        lines.append(f"Lead inspector: {reading.lead_inspector}")
    judged = [*reading.judgements, *([reading.overall] if reading.overall else [])]
    if judged:
        lines.append("Judgements:")
        lines.extend(f"  {judgement.criterion}: {judgement.printed}" for judgement in judged)
    else:
        lines.append("Judgements: none (a focused visit is not graded)")
    lines.append(f"Recommendations ({len(reading.recommendations)}):")
    for rec in reading.recommendations:
        to = "" if rec.addressee == "local authority" else f" [{rec.addressee}]"
        lines.append(f"  {rec.number}.{to} {rec.text}")
    return lines


def read_report_plan(report: Path, plan_id: str | None) -> tuple[ReportReading, Plan]:
    """The reading and the plan it makes; ReportError or CommandFailed with one line."""
    from store.importers.ofsted_report import read_report
    from store.importers.report_plan import check_plan_id, plan_from_reading

    if plan_id is not None:
        try:
            check_plan_id(plan_id)
        except ValueError as error:
            raise CommandFailed(str(error)) from None
    reading = read_report(report)
    return reading, plan_from_reading(reading, plan_id=plan_id, source_name=report.name)


def cmd_new(args: argparse.Namespace, console: Console) -> int:
    from store.importers.ofsted_report import ReportError

    try:
        reading, plan = read_report_plan(args.report, args.plan_id)
    except ReportError as error:
        write_error(f"ipt: {error}")
        return EXIT_FAILED
    if args.json:
        from store.models import PlanFile

        write_json(PlanFile(plan=plan).model_dump(mode="json"))
        return EXIT_OK
    repo = None if args.dry_run else open_store(args)
    if repo is not None and plan.id in repo.plan_ids():
        raise CommandFailed(f"a plan with id {plan.id!r} is already in the store; give another with --id")
    for line in describe_reading(reading):
        console.print(line, markup=False, soft_wrap=True)
    if repo is None:
        period = f"{long_date(plan.starts_on)} to {long_date(plan.ends_on)}"
        message = f"Would add plan {plan.id!r} ({plan.name}, {period}); nothing written (dry run)"
        console.print(message, markup=False, soft_wrap=True)
        return EXIT_OK
    repo.add_plan(plan, by=by_name(args))
    count = len(plan.recommendations)
    message = f"Added plan {plan.id!r} ({plan.name}) with {count} recommendations to {repo.where}"
    console.print(message, markup=False, soft_wrap=True)
    return EXIT_OK
