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

from store.errors import StoreError
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
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    commands.add_parser("samples", help="list the bundled sample plans")
    init = commands.add_parser("init", help="add a bundled sample plan to the store")
    init.add_argument("--sample", required=True, metavar="NAME")

    imported = commands.add_parser("import", help="add a plan from a native JSON plan file")
    imported.add_argument("file", type=Path)
    imported.add_argument("--dry-run", action="store_true", help="check only; write nothing")

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

    commands.add_parser("tui", help="open the tracker (the same as no command)")
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
    """Until the screens land: make sure there is a plan, then print its summary."""
    repo = _open(args)
    if repo.default_plan_id() is None:
        from sample_plans import load_sample

        plan_file = load_sample("oldham-2019")
        repo.add_plan(plan_file.plan, by=_by(args))
        console.print(f"The store was empty: added the sample plan {plan_file.plan.name!r}.", markup=False)
    args.as_of, args.json = None, False
    return cmd_summary(args, console)


COMMANDS: dict[str | None, Callable[[argparse.Namespace, Console], int]] = {
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
