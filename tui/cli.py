"""The ``ipt`` command: the Textual app with no command, headless commands otherwise."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console

from store.compare import Comparison
from store.errors import StoreError
from store.models import Reading
from store.repository import Repository, default_store_path

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class CommandFailed(Exception):
    """A user-facing failure: the message is printed and ipt exits 1."""


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("improvement-plan-tracker")
    except PackageNotFoundError:  # running from a source tree without installing
        return "0+unknown"


def parse_date(text: str) -> date:
    """ISO (2019-10-03) or UK (03/10/2019) dates from the command line."""
    text = text.strip()
    try:
        if "/" in text:
            day, month, year = (int(part) for part in text.split("/"))
            return date(year, month, day)
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; use 2019-10-03 or 03/10/2019") from None


def default_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ipt",
        description="Improvement Plan Tracker: run a children's-services improvement plan. "
        "With no command, opens the tracker.",
    )
    parser.add_argument("--version", action="version", version=f"ipt {_version()}")
    parser.add_argument(
        "--db",
        type=Path,
        default=None,
        help="store file (default: $IPT_DB, else plans.json in your data folder)",
    )
    parser.add_argument("--plan", default=None, help="plan id (default: the only or latest plan)")
    parser.add_argument("--by", default=None, help="who is making the change (default: your login name)")
    parser.add_argument("--as-of", dest="tui_as_of", type=parse_date, default=None, help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    commands.add_parser("samples", help="list the bundled sample plans")
    init = commands.add_parser("init", help="add a bundled sample plan to the store")
    init.add_argument("--sample", required=True, metavar="NAME")

    imported = commands.add_parser(
        "import",
        help="add a plan from a native JSON plan file, or bring an action tracker (.xlsx or .csv) "
        "into a plan",
    )
    imported.add_argument("file", type=Path)
    imported.add_argument("--dry-run", action="store_true", help="check only; write nothing")
    imported.add_argument(
        "--plan",
        default=argparse.SUPPRESS,
        help="plan a tracker goes into (default: the only or latest plan)",
    )
    imported.add_argument(
        "--create-missing",
        action="store_true",
        help="add themes and recommendations a tracker names but the plan lacks (default: an error)",
    )

    validate = commands.add_parser("validate", help="check a plan file or a store file")
    validate.add_argument("file", type=Path)

    commands.add_parser("plans", help="list the plans in the store")

    summary = commands.add_parser("summary", help="progress, RAG, deadlines, coverage, money and KPIs")
    summary.add_argument(
        "--as-of", type=parse_date, default=None, help="date to assess against (default: today)"
    )
    summary.add_argument("--json", action="store_true", help="the same roll-ups as JSON")

    show = commands.add_parser("show", help="one action with its updates and history")
    show.add_argument("ref")
    show.add_argument("--json", action="store_true")

    update = commands.add_parser("update", help="change an action (saved durably, audited)")
    update.add_argument("ref")
    update.add_argument("--status", help="not started, in progress, complete, blocked, cancelled")
    update.add_argument("--rag", help="red, amber, green, blue (or R/A/G/B)")
    update.add_argument("--progress", help="percent complete, 0-100")
    update.add_argument("--due", type=parse_date, help="new due date")
    update.add_argument("--due-reason", help="why the due date moved (kept in the action's history)")
    update.add_argument("--completed", type=parse_date, help="date completed")
    update.add_argument("--owner")
    update.add_argument("--note", help="add a dated update with this text")
    update.add_argument("--on", type=parse_date, default=None, help="date of the update (default: today)")

    snapshot = commands.add_parser("snapshot", help="freeze the plan and its roll-ups under a label")
    snapshot.add_argument("--label", required=True, help='what it is, e.g. "Change Board — October 2019"')
    snapshot.add_argument(
        "--as-of", type=parse_date, default=None, help="date to assess against (default: today)"
    )

    snapshots = commands.add_parser("snapshots", help="list the plan's snapshots, oldest first")
    snapshots.add_argument("--all", action="store_true", help="list every plan's snapshots")

    compared = commands.add_parser(
        "compare", help="what changed between two snapshots (default: the latest two)"
    )
    compared.add_argument(
        "before", nargs="?", metavar="A", help="earlier snapshot id, e.g. S0001 (default: the one before B)"
    )
    compared.add_argument("after", nargs="?", metavar="B", help="later snapshot id (default: the latest)")
    compared.add_argument("--json", action="store_true", help="the changes as JSON")

    exported = commands.add_parser(
        "export", help="write the board pack (md, html, xlsx, csv or json) with changes since the last board"
    )
    exported.add_argument("--format", required=True, choices=("md", "html", "xlsx", "csv", "json"))
    exported.add_argument("--out", required=True, type=Path, help="file to write (replaced atomically)")
    exported.add_argument(
        "--snapshot", default=None, metavar="ID", help="export this snapshot (default: the live plan)"
    )
    exported.add_argument(
        "--as-of",
        type=parse_date,
        default=None,
        help="date to assess against (default: today, or the snapshot's)",
    )

    commands.add_parser(
        "restore-backup", help="put back the previous good version of a damaged store (the damaged file is kept)"
    )
    from tui.cli_reviews import add_review_parser

    add_review_parser(commands, parse_date)
    tui = commands.add_parser("tui", help="open the tracker (the same as no command)")
    # Hidden: fixes the day the tracker assesses the plan against (see cmd_tui); for tests and demos.
    tui.add_argument("--as-of", dest="tui_as_of", type=parse_date, default=argparse.SUPPRESS,
                     help=argparse.SUPPRESS)
    return parser


# Commands --------------------------------------------------------------------------------


def _store_path(args: argparse.Namespace) -> Path:
    return Path(args.db).expanduser() if args.db else default_store_path()


def _open(args: argparse.Namespace) -> Repository:
    return Repository(_store_path(args))


def _plan_id(args: argparse.Namespace, repo: Repository) -> str:
    if args.plan:
        repo.plan(args.plan)
        return str(args.plan)
    plan_id = repo.default_plan_id()
    if plan_id is None:
        raise CommandFailed(
            f"the store {repo.path} has no plans yet; add one with `ipt init --sample oldham-2019` "
            "or `ipt import FILE`"
        )
    return plan_id


def _by(args: argparse.Namespace) -> str:
    return str(args.by or default_user())


# Snapshots and comparison -----------------------------------------------------------------


def _day(day: date | None) -> str:
    return "–" if day is None else f"{day:%d %b %Y}"


def _signed(number: int | None) -> str:
    return "–" if number is None else f"{number:+d}"


def cmd_snapshot(args: argparse.Namespace, console: Console) -> int:
    """Freeze the selected plan and its roll-ups under a label, for a later board to compare."""
    repo = _open(args)
    plan_id = _plan_id(args, repo)
    header = repo.take_snapshot(plan_id, label=args.label, as_of=args.as_of or date.today(), by=_by(args))
    console.print(
        f"Took snapshot {header.id}: {header.label} "
        f"({plan_id}, as of {_day(header.as_of)}, revision {header.revision})",
        markup=False,
    )
    return EXIT_OK


def cmd_snapshots(args: argparse.Namespace, console: Console) -> int:
    """List the selected plan's snapshots (or every plan's with --all), oldest first."""
    from rich.table import Table
    from rich.text import Text

    from tui.presentation import literal

    repo = _open(args)
    plan_id = None if args.all else _plan_id(args, repo)
    headers = repo.snapshots.list(plan_id)
    whose = f"of plan {plan_id}" if plan_id is not None else f"in {repo.path}"
    if not headers:
        console.print(f"No snapshots {whose} yet; take one with `ipt snapshot --label TEXT`.", markup=False)
        return EXIT_OK
    table = Table(title=Text(f"Snapshots {whose}"), title_justify="left")
    table.add_column("id", no_wrap=True)
    if plan_id is None:
        table.add_column("plan")
    for column in ("label", "as of", "taken", "by"):
        table.add_column(column)
    table.add_column("revision", justify="right")
    for header in headers:
        table.add_row(
            header.id,
            *([literal(header.plan_id)] if plan_id is None else []),
            literal(header.label),
            _day(header.as_of),
            f"{header.taken_at.astimezone():%d %b %Y %H:%M}",
            literal(header.taken_by),
            str(header.revision),
        )
    console.print(table)
    return EXIT_OK


def cmd_compare(args: argparse.Namespace, console: Console) -> int:
    """What changed between two snapshots: by default the latest and the one before it."""
    from store.compare import compare_snapshots, comparison_to_json

    repo = _open(args)
    snapshots = repo.snapshots
    take_one = "take one at each board with `ipt snapshot --label TEXT`"
    if args.before is not None and args.after is not None:
        before, after = snapshots.get(args.before), snapshots.get(args.after)
        if before.plan_id != after.plan_id:
            raise CommandFailed(
                f"{before.id} is of plan {before.plan_id} but {after.id} is of plan {after.plan_id}; "
                "only snapshots of one plan can be compared"
            )
    elif args.before is not None:
        before = snapshots.get(args.before)
        latest = snapshots.latest(before.plan_id, 1)[0]
        if latest.id == before.id:
            raise CommandFailed(
                f"{before.id} is the latest snapshot of plan {before.plan_id}; "
                "give an earlier one, or two ids"
            )
        after = snapshots.get(latest.id)
    else:
        plan_id = _plan_id(args, repo)
        headers = snapshots.latest(plan_id, 2)
        if len(headers) < 2:
            having = f"only one snapshot ({headers[0].id}, {headers[0].label})" if headers else "no snapshots"
            raise CommandFailed(f"plan {plan_id} has {having}; comparing needs two: {take_one}")
        before, after = snapshots.get(headers[0].id), snapshots.get(headers[1].id)
    comparison = compare_snapshots(before, after)
    if args.json:
        payload = orjson.dumps(comparison_to_json(comparison), option=orjson.OPT_INDENT_2)
        sys.stdout.write(payload.decode() + "\n")
        return EXIT_OK
    _render_comparison(console, comparison, after.plan.name)
    return EXIT_OK


def _render_comparison(console: Console, comparison: Comparison, plan_name: str) -> None:
    """A heading naming both snapshots, then one table per kind of change that has any."""
    from rich.text import Text

    heading = Text()
    heading.append(f"Changes to {plan_name}\n", style="bold")
    for word, header in (("from", comparison.before), ("to", comparison.after)):
        if header is not None:
            heading.append(f"{word} {header.id} ", style="bold")
            heading.append(header.label)
            heading.append(f" (as of {_day(header.as_of)})\n", style="dim")
    console.print(heading)
    if comparison.is_empty:
        console.print("No changes.", markup=False)
        return
    for table in _comparison_tables(comparison):
        console.print(table)
        console.print()


def _comparison_tables(comparison: Comparison) -> list[Any]:
    """One Rich table per non-empty change category, in the order a board walks them."""
    from rich.table import Table
    from rich.text import Text

    from tui.presentation import DIRECTION_SYMBOL, kpi_rating_text, literal, pounds, rag_text

    def table(title: str, count: int, *columns: str) -> Table:
        made = Table(title=Text(f"{title} ({count})"), title_justify="left")
        for column in columns:
            numeric = column in {"Days", "Change", "From", "To"} or column.startswith(("Actual", "Committed"))
            made.add_column(column, justify="right" if numeric else "left")
        return made

    def reading(value: Reading | None, unit: str) -> str:
        if value is None:
            return "–"
        suffix = unit if unit.startswith("%") or not unit else f" {unit}"
        return f"{value.value:f}{suffix} ({_day(value.on)})"

    def cut(text: str, width: int = 100) -> Text:
        return literal(text if len(text) <= width else text[: width - 1] + "…")

    tables: list[Any] = []
    if comparison.newly_complete:
        made = table("Newly complete", len(comparison.newly_complete), "Ref", "Action", "Theme", "Completed")
        for done in comparison.newly_complete:
            brief = done.action
            made.add_row(
                literal(brief.ref), literal(brief.title), literal(brief.theme), _day(done.completed_on)
            )
        tables.append(made)
    for title, moves in (
        ("RAG improved", comparison.rag_up),
        ("RAG worsened", comparison.rag_down),
        ("RAG first assessed or cleared", comparison.rag_other),
    ):
        if moves:
            made = table(title, len(moves), "Ref", "Action", "Was", "Now")
            for move in moves:
                made.add_row(
                    literal(move.action.ref),
                    literal(move.action.title),
                    rag_text(move.from_rag),
                    rag_text(move.to_rag),
                )
            tables.append(made)
    if comparison.newly_overdue:
        made = table("Newly overdue", len(comparison.newly_overdue), "Ref", "Action", "Due", "Days")
        for late in comparison.newly_overdue:
            made.add_row(
                literal(late.action.ref),
                literal(late.action.title),
                _day(late.due_on),
                str(late.days_overdue),
            )
        tables.append(made)
    if comparison.due_dates_moved:
        made = table(
            "Due dates moved", len(comparison.due_dates_moved), "Ref", "Action", "Was", "Now", "Days"
        )
        for due in comparison.due_dates_moved:
            made.add_row(
                literal(due.action.ref),
                literal(due.action.title),
                _day(due.from_due),
                _day(due.to_due),
                _signed(due.days),
            )
        tables.append(made)
    if comparison.progress_moved:
        made = table(
            "Progress moved", len(comparison.progress_moved), "Ref", "Action", "From", "To", "Change"
        )
        for step in comparison.progress_moved:
            made.add_row(
                literal(step.action.ref),
                literal(step.action.title),
                f"{step.from_progress}%",
                f"{step.to_progress}%",
                _signed(step.points),
            )
        tables.append(made)
    for title, briefs in (
        ("Actions added", comparison.actions_added),
        ("Actions removed", comparison.actions_removed),
        ("Newly cancelled", comparison.newly_cancelled),
        ("Reinstated from cancelled", comparison.reinstated),
    ):
        if briefs:
            made = table(title, len(briefs), "Ref", "Action", "Theme")
            for brief in briefs:
                made.add_row(literal(brief.ref), literal(brief.title), literal(brief.theme))
            tables.append(made)
    for title, first, spend_moves in (
        ("Spend moved by financial year", "Year", comparison.spend_by_financial_year),
        ("Spend moved by theme", "Theme", comparison.spend_by_theme),
    ):
        if spend_moves:
            made = table(
                title,
                len(spend_moves),
                first,
                "Actual was",
                "Actual now",
                "Actual change",
                "Committed was",
                "Committed now",
                "Committed change",
            )
            for money in spend_moves:
                made.add_row(
                    literal(money.name),
                    pounds(money.actual_before),
                    pounds(money.actual_after),
                    pounds(money.actual_change),
                    pounds(money.committed_before),
                    pounds(money.committed_after),
                    pounds(money.committed_change),
                )
            tables.append(made)
    if comparison.kpis_moved:
        made = table("KPIs moved", len(comparison.kpis_moved), "KPI", "Was", "Now", "Direction", "Rating")
        for kpi in comparison.kpis_moved:
            rating = kpi_rating_text(kpi.from_rating.value) if kpi.from_rating is not None else Text("new")
            rating.append(" → ")
            rating.append_text(kpi_rating_text(kpi.to_rating.value))
            made.add_row(
                literal(kpi.name),
                reading(kpi.from_reading, kpi.unit),
                reading(kpi.to_reading, kpi.unit),
                DIRECTION_SYMBOL[kpi.direction.value] if kpi.direction is not None else "–",
                rating,
            )
        tables.append(made)
    for title, recommendation_moves in (
        ("Recommendations newly covered", comparison.recommendations_newly_covered),
        (
            "Recommendations with all actions newly complete",
            comparison.recommendations_newly_actions_complete,
        ),
        ("Recommendations newly uncovered", comparison.recommendations_newly_uncovered),
    ):
        if recommendation_moves:
            made = table(title, len(recommendation_moves), "No.", "Recommendation", "Was", "Now")
            for rec in recommendation_moves:
                made.add_row(
                    str(rec.number),
                    cut(rec.text),
                    rec.from_state.label if rec.from_state is not None else "not in plan",
                    rec.to_state.label,
                )
            tables.append(made)
    return tables


def cmd_export(args: argparse.Namespace, console: Console) -> int:
    """Write the board pack: the live plan compared with its latest snapshot, or a snapshot
    compared with the one before it."""
    from store.compare import compare, compare_snapshots
    from store.exports import export_pack

    repo = _open(args)
    snapshots = repo.snapshots
    comparison: Comparison | None = None
    label: str | None = None
    if args.snapshot is not None:
        snapshot = snapshots.get(args.snapshot)
        plan, as_of, label = snapshot.plan, args.as_of or snapshot.as_of, snapshot.label
        earlier = [h for h in snapshots.list(snapshot.plan_id) if h.id < snapshot.id]
        if earlier:
            comparison = compare_snapshots(snapshots.get(earlier[-1].id), snapshot)
    else:
        plan = repo.plan(_plan_id(args, repo))
        as_of = args.as_of or date.today()
        latest = snapshots.latest(plan.id, 1)
        if latest:
            comparison = compare(snapshots.get(latest[0].id), plan, as_of=as_of)
    try:
        out = export_pack(
            plan, as_of=as_of, fmt=args.format, out=args.out, comparison=comparison, snapshot_label=label
        )
    except ValueError as error:
        raise CommandFailed(str(error)) from None
    since = f", with changes since {comparison.before.id}" if comparison and comparison.before else ""
    console.print(
        f"Wrote the {args.format} board pack for {plan.id} as of {_day(as_of)} to {out}{since}", markup=False
    )
    return EXIT_OK


def cmd_samples(args: argparse.Namespace, console: Console) -> int:
    from rich.table import Table

    from sample_plans import list_samples

    table = Table("sample", "plan", title="Bundled sample plans")
    for name, title in list_samples():
        table.add_row(name, title)
    console.print(table)
    return EXIT_OK


def cmd_init(args: argparse.Namespace, console: Console) -> int:
    from sample_plans import load_sample

    try:
        plan_file = load_sample(args.sample)
    except KeyError as error:
        raise CommandFailed(str(error.args[0])) from None
    repo = _open(args)
    repo.add_plan(plan_file.plan, by=_by(args))
    console.print(f"Added {plan_file.plan.name!r} ({plan_file.plan.id}) to {repo.path}", markup=False)
    return EXIT_OK


def cmd_import(args: argparse.Namespace, console: Console) -> int:
    """A native JSON plan file adds a plan; an .xlsx or .csv action tracker updates one.

    A tracker's problems are printed one per line ("row 7, column Due: '31/02/2020' is not
    a date") and nothing is written.
    """
    if Path(args.file).suffix.lower() in {".xlsx", ".csv", ".xls", ".xlsm", ".xlsb"}:
        from store.importers import TrackerError, import_tracker, read_tracker

        try:
            rows = read_tracker(args.file)
            repo = _open(args)
            plan_id = _plan_id(args, repo)
            result = import_tracker(
                repo, plan_id, rows, by=_by(args), create_missing=args.create_missing, dry_run=args.dry_run
            )
        except TrackerError as error:  # unwrapped, so each problem stays on one line however long
            sys.stderr.write(f"ipt: {error}\n")
            return EXIT_FAILED
        parts = [f"{len(result.added)} added", f"{len(result.updated)} updated"]
        parts.append(f"{len(result.unchanged)} unchanged")
        if result.themes_created:
            parts.append(f"themes created: {', '.join(result.themes_created)}")
        if result.recommendations_created:
            parts.append(f"recommendations created: {', '.join(map(str, result.recommendations_created))}")
        if args.dry_run:
            parts.append("nothing written (dry run)")
        else:
            parts.append("nothing to change" if result.revision is None else f"revision {result.revision}")
        console.print(f"{args.file} ({rows.source}) into plan {plan_id}: {'; '.join(parts)}", markup=False)
        if rows.ignored:
            console.print(f"Columns not imported: {', '.join(rows.ignored)}", markup=False)
        return EXIT_OK
    from store.plan_files import PlanFileError, read_plan_file

    try:
        plan_file = read_plan_file(args.file)
    except PlanFileError as error:
        raise CommandFailed(str(error)) from None
    plan = plan_file.plan
    if args.dry_run:
        console.print(
            f"{args.file}: valid plan {plan.id!r} with {len(plan.actions)} actions; "
            "nothing written (dry run)",
            markup=False,
        )
        return EXIT_OK
    repo = _open(args)
    repo.add_plan(plan, by=_by(args))
    console.print(
        f"Imported {plan.name!r} ({plan.id}) with {len(plan.actions)} actions into {repo.path}", markup=False
    )
    return EXIT_OK


def cmd_validate(args: argparse.Namespace, console: Console) -> int:
    from store.plan_files import PlanFileError, looks_like_plan_file, read_plan_file

    path: Path = args.file
    if looks_like_plan_file(path):
        try:
            plan_file = read_plan_file(path)
        except PlanFileError as error:
            raise CommandFailed(str(error)) from None
        console.print(
            f"{path}: valid plan file ({plan_file.plan.id}, {len(plan_file.plan.actions)} actions)",
            markup=False,
        )
        return EXIT_OK
    if not path.exists():
        raise CommandFailed(f"{path}: no such file")
    repo = Repository(path)
    console.print(
        f"{path}: valid store, revision {repo.revision}, plans: {', '.join(repo.plan_ids()) or 'none'}",
        markup=False,
    )
    return EXIT_OK


def cmd_plans(args: argparse.Namespace, console: Console) -> int:
    from rich.table import Table

    repo = _open(args)
    default = repo.default_plan_id()
    table = Table("id", "plan", "authority", "period", "actions", title=f"Plans in {repo.path}")
    for header in repo.plans():
        plan = repo.plan(header.id)
        marker = " (default)" if header.id == default else ""
        table.add_row(
            header.id + marker,
            header.name,
            header.authority,
            f"{header.starts_on:%b %Y} – {header.ends_on:%b %Y}",
            str(len(plan.actions)),
        )
    console.print(table)
    return EXIT_OK


def cmd_summary(args: argparse.Namespace, console: Console) -> int:
    from store.rollups import plan_summary, summary_to_json
    from tui.summary_view import render_summary

    repo = _open(args)
    plan = repo.plan(_plan_id(args, repo))
    summary = plan_summary(plan, args.as_of or date.today())
    if args.json:
        sys.stdout.write(orjson.dumps(summary_to_json(summary), option=orjson.OPT_INDENT_2).decode() + "\n")
        return EXIT_OK
    render_summary(console, plan, summary)
    return EXIT_OK


def cmd_show(args: argparse.Namespace, console: Console) -> int:
    from tui.summary_view import render_action

    repo = _open(args)
    plan_id = _plan_id(args, repo)
    plan = repo.plan(plan_id)
    try:
        action = plan.action(args.ref)
    except KeyError:
        raise CommandFailed(f"no action {args.ref!r} in plan {plan_id}") from None
    history = repo.audit(plan_id, "action", action.ref)
    if args.json:
        payload = {
            "action": action.model_dump(mode="json"),
            "history": [entry.model_dump(mode="json") for entry in history],
        }
        sys.stdout.write(orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode() + "\n")
        return EXIT_OK
    render_action(console, plan, action, history)
    return EXIT_OK


def cmd_update(args: argparse.Namespace, console: Console) -> int:
    changes: dict[str, Any] = {}
    for option, field_name in (
        ("status", "status"),
        ("rag", "rag"),
        ("progress", "progress"),
        ("owner", "owner"),
    ):
        value = getattr(args, option)
        if value is not None:
            changes[field_name] = value
    if args.due is not None:
        changes["due_on"] = args.due
    if args.completed is not None:
        changes["completed_on"] = args.completed
    if not changes and not args.note:
        raise CommandFailed("nothing to change: give --status, --rag, --progress, --due, --owner or --note")
    if args.due is not None and not args.due_reason:
        raise CommandFailed("moving a due date needs --due-reason, which is kept in the action's history")
    repo = _open(args)
    plan_id = _plan_id(args, repo)
    action = repo.update_action(
        plan_id,
        args.ref,
        changes,
        by=_by(args),
        on=args.on or date.today(),
        note=args.note,
        due_reason=args.due_reason,
    )
    console.print(
        f"Saved {action.ref}: {action.status.label}, RAG {action.rag.label if action.rag else '-'}, "
        f"{action.progress}% (revision {repo.revision})",
        markup=False,
    )
    return EXIT_OK


def cmd_tui(args: argparse.Namespace, console: Console) -> int:
    """Open the tracker on the store; an empty store offers the bundled sample plans.

    ``--as-of DATE`` (hidden from ``--help``; before or after ``tui``) assesses the plan as on
    that day instead of today, so a demo or a terminal test sees the same overdue actions on
    any day. Display settings live in ``$IPT_CONFIG_DIR/settings.json`` when that is set.
    """
    from tui.app import make_app
    from tui.settings import default_settings_path

    app = make_app(
        _store_path(args), plan_id=args.plan, as_of=getattr(args, "tui_as_of", None) or date.today(),
        by=_by(args), settings_path=default_settings_path(),
    )
    app.run()
    return EXIT_OK


def cmd_restore_backup(args: argparse.Namespace, console: Console) -> int:
    from datetime import datetime

    from store.repository import restore_backup

    path = _store_path(args)
    kept = restore_backup(path, stamp=datetime.now().strftime("%Y%m%dT%H%M%S"))
    repo = Repository(path)
    console.print(
        f"Restored {path} to revision {repo.revision}; the damaged file is kept at {kept}.", markup=False
    )
    return EXIT_OK


def cmd_review(args: argparse.Namespace, console: Console) -> int:
    from tui.cli_reviews import run_review

    repo = _open(args)
    return run_review(args, console, repo, _plan_id(args, repo), _by(args))


def cmd_reviews(args: argparse.Namespace, console: Console) -> int:
    from tui.cli_reviews import list_reviews

    repo = _open(args)
    return list_reviews(console, repo.plan(_plan_id(args, repo)).reviews)


COMMANDS: dict[str | None, Callable[[argparse.Namespace, Console], int]] = {
    "review": cmd_review,
    "restore-backup": cmd_restore_backup,
    "reviews": cmd_reviews,
    None: cmd_tui,
    "tui": cmd_tui,
    "samples": cmd_samples,
    "init": cmd_init,
    "import": cmd_import,
    "validate": cmd_validate,
    "plans": cmd_plans,
    "summary": cmd_summary,
    "show": cmd_show,
    "update": cmd_update,
    "snapshot": cmd_snapshot,
    "snapshots": cmd_snapshots,
    "compare": cmd_compare,
    "export": cmd_export,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    console = Console(highlight=False, soft_wrap=False, width=None if os.isatty(1) else 120)
    errors = Console(stderr=True, highlight=False)
    try:
        return COMMANDS[args.command](args, console)
    except (CommandFailed, StoreError) as error:
        errors.print(f"ipt: {error}", markup=False)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
