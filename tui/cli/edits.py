"""`ipt action|allocation|spend|kpi|theme|rec …`: every change the tracker's forms make, headless.

Each command is one transaction on the latest stored state (see :mod:`store.operations`):
an add whose id is not given takes the next free one under the store's lock; an edit sets
only the fields given on the entity as stored, so it never writes back anything from an
older copy. A refused value is reported naming its field, exit 1, nothing written; a saved
change prints one line with the store's new revision.

Nothing heavy is imported until a command runs: `ipt` with no command opens the tracker.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tui.cli.common import EXIT_OK, CommandFailed, by_name, open_store, plan_id_of

if TYPE_CHECKING:
    from rich.console import Console

    from store.repository import Repository

Command = Callable[[argparse.Namespace, "Console"], int]

SOURCES = "growth_bid, reserves, grant, base_budget_uplift, other"
CATEGORIES = "investment, spend_pressure, budget_reduction, other"


def _number(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a recommendation number") from None


def recommendation_numbers(text: str) -> list[int]:
    """``"2, 5"`` or ``"1-17"`` as the importer reads them; ``""`` or ``-`` for none."""
    from store.importers.values import parse_recommendations

    try:
        return parse_recommendations(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} {error}") from None


def add_action_fields(parser: argparse.ArgumentParser, parse_date: Callable[[str], date]) -> None:
    """The options that set an action's own fields, shared by `ipt action add` and `ipt update`."""
    parser.add_argument("--title", default=None)
    parser.add_argument("--theme", default=None, help="the theme's key, e.g. WF")
    parser.add_argument("--description", default=None)
    parser.add_argument("--outcome", default=None, help="what will be different when the action is done")
    parser.add_argument("--success-measure", default=None, help="how success is measured")
    parser.add_argument("--start", type=parse_date, default=None, help="start date")
    parser.add_argument(
        "--recs",
        type=recommendation_numbers,
        default=None,
        help='recommendations it addresses: "2, 5" or "1-17"',
    )


ACTION_FIELDS = {
    "title": "title",
    "theme": "theme",
    "description": "description",
    "outcome": "outcome",
    "success_measure": "success_measure",
    "start": "start_on",
    "recs": "recommendations",
}
"""Option to field, for :func:`add_action_fields`."""


def add_edit_parsers(commands: Any, parse_date: Callable[[str], date]) -> None:
    """Register `ipt action`, `allocation`, `spend`, `kpi`, `theme` and `rec` as subcommands."""
    action = commands.add_parser("action", help="add an action or remove one (`ipt update` changes one)")
    action_steps = action.add_subparsers(dest="action_step", metavar="STEP", required=True)
    action_add = action_steps.add_parser("add", help="add a task-and-finish action to the plan")
    action_add.add_argument("ref", metavar="REF", help="its reference, e.g. WF-07")
    add_action_fields(action_add, parse_date)
    action_add.add_argument("--owner", default=None)
    action_add.add_argument("--due", type=parse_date, default=None, help="due date")
    action_add.add_argument(
        "--status", default=None, help="not started, in progress, complete, blocked, cancelled"
    )
    action_add.add_argument("--rag", default=None, help="red, amber, green, blue (or R/A/G/B)")
    action_add.add_argument("--progress", default=None, help="percent complete, 0-100")
    action_add.add_argument("--note", default=None, help="a first dated update with this text")
    action_add.add_argument(
        "--on", type=parse_date, default=None, help="date of that update (default: today)"
    )
    action_remove = action_steps.add_parser(
        "remove", help="remove an action (the audit trail keeps a record of it)"
    )
    action_remove.add_argument("ref", metavar="REF")

    allocation = commands.add_parser("allocation", help="add, correct or remove a funding allocation")
    steps = allocation.add_subparsers(dest="allocation_step", metavar="STEP", required=True)
    add = steps.add_parser(
        "add", help="money set aside: a growth bid agreed, a grant, reserves (negative for a reduction)"
    )
    edit = steps.add_parser("edit", help="correct an allocation (its id stays: spend refers to it)")
    edit.add_argument("id")
    for parser, required in ((add, True), (edit, False)):
        parser.add_argument("--year", required=required, help='financial year, e.g. "2019/20"')
        parser.add_argument("--amount", required=required, help="pounds, e.g. 250000.00; negative for a cut")
        parser.add_argument("--source", required=required, help=SOURCES)
        parser.add_argument(
            "--kind", default=None, help="revenue or capital" + (" (default: revenue)" if required else "")
        )
        parser.add_argument("--category", required=required, help=CATEGORIES)
        parser.add_argument("--purpose", default=None)
        parser.add_argument("--theme", default=None, help='theme key it belongs to ("" for the whole plan)')
        parser.add_argument("--approved-by", default=None, help="e.g. Cabinet")
        parser.add_argument("--approved-on", type=parse_date, default=None)
    add.add_argument("--id", default=None, help="its id (default: the next free one, A1, A2, …)")
    remove = steps.add_parser(
        "remove", help="remove an allocation; refused while actions or spend refer to it"
    )
    remove.add_argument("id")

    spend = commands.add_parser("spend", help="record spend against an allocation")
    spend_steps = spend.add_subparsers(dest="spend_step", metavar="STEP", required=True)
    spend_add = spend_steps.add_parser("add", help="money spent or committed against an allocation")
    spend_add.add_argument("--allocation", required=True, help="the allocation's id")
    spend_add.add_argument("--year", required=True, help='financial year, e.g. "2019/20"')
    spend_add.add_argument("--amount", required=True, help="pounds, e.g. 1234.56")
    spend_add.add_argument("--period", default=None, help="month of the financial year, 1 (April) to 12")
    spend_add.add_argument("--kind", default=None, help="actual or commitment (default: actual)")
    spend_add.add_argument("--note", default=None)
    spend_add.add_argument("--id", default=None, help="its id (default: the next free one, S1, S2, …)")

    kpi = commands.add_parser("kpi", help="record a KPI reading")
    kpi_steps = kpi.add_subparsers(dest="kpi_step", metavar="STEP", required=True)
    reading = kpi_steps.add_parser("reading", help="add a reading (replacing one on the same day)")
    reading.add_argument("kpi_id", metavar="KPI_ID")
    reading.add_argument("value", metavar="VALUE")
    reading.add_argument("--on", type=parse_date, default=None, help="day of the reading (default: today)")
    reading.add_argument("--label", default=None, help='how the source names it, e.g. "Q2 2019-20"')

    theme = commands.add_parser("theme", help="add a theme or change its name, lead or aim")
    theme_steps = theme.add_subparsers(dest="theme_step", metavar="STEP", required=True)
    theme_add = theme_steps.add_parser("add", help="add a theme")
    theme_edit = theme_steps.add_parser("edit", help="change a theme's name, lead or aim (not its key)")
    theme_remove = theme_steps.add_parser("remove", help="remove a theme no action or allocation uses")
    theme_remove.add_argument("key", metavar="KEY")
    for parser, required in ((theme_add, True), (theme_edit, False)):
        parser.add_argument("key", metavar="KEY", help="short code, e.g. WF")
        parser.add_argument("--name", required=required)
        parser.add_argument("--lead", default=None, help="lead officer")
        parser.add_argument("--aim", default=None)

    rec = commands.add_parser("rec", help="add a recommendation, correct its wording, sign off its impact")
    rec_steps = rec.add_subparsers(dest="rec_step", metavar="STEP", required=True)
    rec_add = rec_steps.add_parser("add", help="add an inspection recommendation")
    rec_add.add_argument(
        "number", metavar="NUMBER", nargs="?", type=_number, help="(default: the next free number)"
    )
    rec_add.add_argument("--text", required=True, help="the inspectors' wording")
    rec_edit = rec_steps.add_parser("edit", help="correct a recommendation's wording")
    rec_edit.add_argument("number", metavar="NUMBER", type=_number)
    rec_edit.add_argument("--text", required=True)
    impact = rec_steps.add_parser("impact", help="sign off that a recommendation's impact is evidenced")
    impact.add_argument("number", metavar="NUMBER", type=_number)
    impact.add_argument("--on", type=parse_date, default=None, help="day of the sign-off (default: today)")
    impact.add_argument("--note", default="", help="what shows the impact")


# Commands --------------------------------------------------------------------------------


def _given(args: argparse.Namespace, names: dict[str, str]) -> dict[str, Any]:
    """The model fields whose options were given: ``names`` maps option to field."""
    given = {field: getattr(args, option, None) for option, field in names.items()}
    return {field: value for field, value in given.items() if value is not None}


def _say(console: Console, repo: Repository, message: str) -> int:
    console.print(f"{message} (revision {repo.revision})", markup=False, soft_wrap=True)
    return EXIT_OK


def _listed(entity: Any, fields: dict[str, Any]) -> str:
    """The given fields as stored: "amount £300,000.50, theme –"."""
    from enum import Enum

    from store.money import format_pounds

    def shown(value: Any) -> str:
        if value is None or value == "":
            return "–"
        if isinstance(value, Decimal):
            return format_pounds(value)
        return str(value.value) if isinstance(value, Enum) else str(value)

    return ", ".join(f"{name} {shown(getattr(entity, name))}" for name in fields)


ALLOCATION_OPTIONS = {
    "year": "financial_year",
    "amount": "amount",
    "source": "source",
    "kind": "kind",
    "category": "category",
    "purpose": "purpose",
    "theme": "theme",
    "approved_by": "approved_by",
    "approved_on": "approved_on",
}


def cmd_allocation(args: argparse.Namespace, console: Console) -> int:
    from store.models import Allocation
    from store.money import format_pounds
    from store.operations import add_numbered, set_fields
    from store.repository import validated

    fields = _given(args, ALLOCATION_OPTIONS)
    if "theme" in fields:
        fields["theme"] = fields["theme"].strip() or None
    repo = open_store(args)
    plan_id, by = plan_id_of(args, repo), by_name(args)
    if args.allocation_step == "add":
        made = add_numbered(
            repo,
            plan_id,
            Allocation,
            lambda key: validated(Allocation, {**fields, "id": key}, f"allocation {key}"),
            by=by,
            key=args.id,
        )
        return _say(
            console,
            repo,
            f"Added allocation {made.id}: {made.financial_year}, {format_pounds(made.amount)} "
            f"{made.source.label.lower()}, {made.kind.value}, {made.category.label.lower()}",
        )
    if args.allocation_step == "edit":
        if not fields:
            raise CommandFailed(
                "nothing to change: give --year, --amount, --source, --kind, --category, --purpose, "
                "--theme, --approved-by or --approved-on"
            )
        saved = set_fields(repo, plan_id, Allocation, args.id, fields, by=by)
        return _say(console, repo, f"Saved allocation {args.id}: {_listed(saved, fields)}")
    repo.delete(plan_id, Allocation, args.id, by=by)
    return _say(console, repo, f"Removed allocation {args.id}")


def cmd_spend(args: argparse.Namespace, console: Console) -> int:
    from store.models import SpendEntry
    from store.money import format_pounds
    from store.operations import add_numbered
    from store.repository import validated

    fields = _given(
        args,
        {
            "allocation": "allocation",
            "year": "financial_year",
            "amount": "amount",
            "period": "period",
            "kind": "kind",
            "note": "note",
        },
    )
    repo = open_store(args)
    plan_id = plan_id_of(args, repo)
    made = add_numbered(
        repo,
        plan_id,
        SpendEntry,
        lambda key: validated(SpendEntry, {**fields, "id": key}, f"spend {key}"),
        by=by_name(args),
        key=args.id,
    )
    month = f" month {made.period}" if made.period else ""
    return _say(
        console,
        repo,
        f"Added spend {made.id} against {made.allocation}: {made.financial_year}{month}, "
        f"{format_pounds(made.amount)} {made.kind.value}",
    )


def cmd_kpi(args: argparse.Namespace, console: Console) -> int:
    from store.models import Reading
    from store.repository import validated

    on = args.on or date.today()
    raw: dict[str, Any] = {"on": on, "value": args.value}
    if args.label is not None:
        raw["label"] = args.label
    reading = validated(Reading, raw, f"KPI {args.kpi_id} reading")
    repo = open_store(args)
    kpi = repo.add_reading(plan_id_of(args, repo), args.kpi_id, reading, by=by_name(args))
    unit = f" {kpi.unit}" if kpi.unit else ""
    return _say(console, repo, f"Recorded {kpi.id} ({kpi.name}): {reading.value:f}{unit} on {on:%d %b %Y}")


def cmd_action(args: argparse.Namespace, console: Console) -> int:
    from store.models import Action
    from store.repository import validated

    repo = open_store(args)
    plan_id, by = plan_id_of(args, repo), by_name(args)
    if args.action_step == "remove":
        from tui.cli.common import action_ref

        ref = action_ref(repo, plan_id, args.ref)
        repo.delete(plan_id, Action, ref, by=by)
        return _say(console, repo, f"Removed action {ref}")
    fields = _given(
        args,
        {
            **ACTION_FIELDS,
            "owner": "owner",
            "due": "due_on",
            "status": "status",
            "rag": "rag",
            "progress": "progress",
        },
    )
    missing = [f"--{option}" for option in ("title", "theme") if getattr(args, option) is None]
    if missing:
        raise CommandFailed(f"a new action needs {' and '.join(missing)}")
    action = validated(Action, {**fields, "ref": args.ref}, f"action {args.ref}")
    if args.note:
        on = args.on or date.today()
        update = {"on": on, "author": by, "text": args.note, "rag": action.rag}
        action = validated(Action, {**action.model_dump(), "updates": [update]}, f"action {args.ref}")
    repo.create(plan_id, action, by=by)
    return _say(console, repo, f"Added action {action.ref} ({action.theme}): {action.title}")


def cmd_theme(args: argparse.Namespace, console: Console) -> int:
    from store.models import Theme
    from store.operations import set_fields
    from store.repository import validated

    repo = open_store(args)
    plan_id, by = plan_id_of(args, repo), by_name(args)
    if args.theme_step == "remove":
        repo.delete(plan_id, Theme, args.key, by=by)
        return _say(console, repo, f"Removed theme {args.key}")
    fields = _given(args, {"name": "name", "lead": "lead", "aim": "aim"})
    if args.theme_step == "add":
        theme = validated(Theme, {**fields, "key": args.key}, f"theme {args.key}")
        repo.create(plan_id, theme, by=by)
        return _say(console, repo, f"Added theme {theme.key}: {theme.name}")
    if not fields:
        raise CommandFailed("nothing to change: give --name, --lead or --aim")
    saved = set_fields(repo, plan_id, Theme, args.key, fields, by=by)
    return _say(console, repo, f"Saved theme {args.key}: {_listed(saved, fields)}")


def cmd_rec(args: argparse.Namespace, console: Console) -> int:
    from store.models import Recommendation
    from store.operations import add_recommendation, set_fields

    repo = open_store(args)
    plan_id, by = plan_id_of(args, repo), by_name(args)
    if args.rec_step == "add":
        added = add_recommendation(repo, plan_id, args.text, by=by, number=args.number)
        return _say(console, repo, f"Added recommendation {added.number}")
    if args.rec_step == "edit":
        set_fields(repo, plan_id, Recommendation, args.number, {"text": args.text}, by=by)
        return _say(console, repo, f"Saved recommendation {args.number}'s wording")
    on = args.on or date.today()
    sign_off = {"on": on, "by": by, "note": args.note}
    set_fields(repo, plan_id, Recommendation, args.number, {"impact_evidenced": sign_off}, by=by)
    return _say(
        console, repo, f"Recorded recommendation {args.number}'s impact as evidenced on {on:%d %b %Y} by {by}"
    )


EDIT_COMMANDS: dict[str | None, Command] = {
    "action": cmd_action,
    "allocation": cmd_allocation,
    "spend": cmd_spend,
    "kpi": cmd_kpi,
    "theme": cmd_theme,
    "rec": cmd_rec,
}
"""The commands :func:`add_edit_parsers` registers, by name, for ``tui.cli.COMMANDS``."""
