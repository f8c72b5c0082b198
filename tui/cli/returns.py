"""``ipt requests`` and ``ipt returns``: the owners' monthly returns, out and back."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from tui.cli.common import EXIT_FAILED, EXIT_OK, CommandFailed, by_name, open_store, plan_id_of


def _refs(text: str) -> set[str]:
    refs = {ref for ref in text.replace(",", " ").split() if ref}
    if not refs:
        raise argparse.ArgumentTypeError('give one or more action references, e.g. "WF-01, QP-02"')
    return refs


def add_returns_parsers(commands: Any, parse_date: Callable[[str], date]) -> None:
    """Register ``ipt requests`` and ``ipt returns``."""
    requests = commands.add_parser(
        "requests",
        help="write each action owner a workbook of their actions to fill in (--out), or list who has "
        "returned theirs (--status)",
    )
    requests.add_argument("--out", type=Path, metavar="DIR", help="folder to write the workbooks into")
    requests.add_argument(
        "--due", type=parse_date, default=None, metavar="DATE", help="the day to return them by"
    )
    requests.add_argument(
        "--owner",
        action="append",
        metavar="NAME",
        help="ask only this owner (repeat for more; default: every owner of an open action)",
    )
    requests.add_argument("--status", action="store_true", help="who has returned and who has not")
    requests.add_argument(
        "--on",
        type=parse_date,
        default=None,
        metavar="DATE",
        help="the day the requests are made, or the chase is judged (default: today)",
    )
    returns = commands.add_parser(
        "returns",
        help="read the owners' returned workbooks from a folder into the plan, showing every change",
    )
    returns.add_argument("folder", type=Path, metavar="DIR", help="folder holding the returned workbooks")
    returns.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    returns.add_argument(
        "--take",
        type=_refs,
        default=set(),
        metavar="REFS",
        help="for these actions, take the owner's values over a change made in ipt since the request",
    )
    returns.add_argument(
        "--keep",
        type=_refs,
        default=set(),
        metavar="REFS",
        help="for these actions, keep ipt's values where they conflict and apply the rest of the return",
    )
    returns.add_argument(
        "--on",
        type=parse_date,
        default=None,
        metavar="DATE",
        help="date the updates and due-date changes on DATE (default: today)",
    )


def cmd_requests(args: argparse.Namespace, console: Console) -> int:
    from store.returns import chase_list, make_requests, unowned
    from store.storage import write_atomically

    on = args.on or date.today()
    if args.status == (args.out is not None):
        raise CommandFailed("give --out DIR to write the requests, or --status to see who has returned")
    repo = open_store(args)
    plan_id = plan_id_of(args, repo)
    if args.status:
        lines = chase_list(repo.plan(plan_id), on)
        if not lines:
            console.print(f"no returns have been asked for in plan {plan_id}; ipt requests --out DIR asks")
            return EXIT_OK
        table = Table(title=f"Owners' returns, plan {plan_id}, as of {on:%d %b %Y}")
        for heading in ("Owner", "Request", "Asked", "Due", "Actions", "Returned"):
            table.add_column(heading, overflow="fold")
        for line in lines:
            request = line.request
            if line.state == "returned":
                assert request.returned_on is not None
                state = f"{request.returned_on:%d %b %Y}"
                if request.held_back:
                    state += f" (held back: {', '.join(request.held_back)})"
            elif line.state == "late":
                state = f"LATE, {line.days_late} day{'s' if line.days_late != 1 else ''}"
            else:
                state = line.state
            table.add_row(
                Text(request.owner),
                request.id,
                f"{request.sent_on:%d %b %Y}",
                f"{request.due_on:%d %b %Y}" if request.due_on else "–",
                str(len(request.actions)),
                Text(state),
            )
        console.print(table)
        waiting = sum(1 for line in lines if line.state != "returned")
        console.print(f"{len(lines) - waiting} of {len(lines)} returned; {waiting} to chase", markup=False)
        return EXIT_OK
    folder: Path = args.out
    if folder.exists() and not folder.is_dir():
        raise CommandFailed(f"{folder} is a file, not a folder")
    folder.mkdir(parents=True, exist_ok=True)

    def write(name: str, payload: bytes) -> None:
        write_atomically(folder / name, payload, what="request workbook")

    made = make_requests(repo, plan_id, by=by_name(args), on=on, due=args.due, write=write, owners=args.owner)
    if not made:
        console.print(f"plan {plan_id} has no open action with an owner; no request written", markup=False)
        return EXIT_OK
    for request in made:
        count = len(request.actions)
        actions = f"{count} action{'s' if count != 1 else ''}"
        console.print(
            f"{request.id} to {request.owner}: {actions} → {folder / request.file}",
            markup=False,
            soft_wrap=True,
        )
    due = f", to return by {args.due:%d %b %Y}" if args.due else ""
    console.print(
        f"{len(made)} request{'s' if len(made) != 1 else ''} written and recorded{due}", markup=False
    )
    missing = unowned(repo.plan(plan_id))
    if missing:
        console.print(
            f"open actions with no owner, not asked: {', '.join(missing)}", markup=False, soft_wrap=True
        )
    return EXIT_OK


def cmd_returns(args: argparse.Namespace, console: Console) -> int:
    from store.returns import apply_returns, read_returns, return_files
    from tui.cli.common import write_error

    try:
        files = return_files(args.folder)
    except (OSError, ValueError) as error:
        raise CommandFailed(str(error)) from None
    if not files:
        raise CommandFailed(f"{args.folder} holds no .xlsx workbook")
    both = args.take & args.keep
    if both:
        raise CommandFailed(f"{', '.join(sorted(both))}: give each action to --take or --keep, not both")
    repo = open_store(args)
    plan_id = plan_id_of(args, repo)
    found = read_returns(files, repo.plan(plan_id), take=args.take, keep=args.keep)
    on = args.on or date.today()
    apply_returns(repo, plan_id, found, by=by_name(args), on=on, dry_run=args.dry_run)
    refused = [one for one in found if one.refused]
    for one in found:
        if one.refused:
            continue
        assert one.request is not None and one.result is not None
        result = one.result
        head = f"{one.path.name}: {one.request.owner} ({one.request.id}): "
        head += f"{len(result.updated)} updated, {len(result.unchanged)} unchanged"
        if one.held_back:
            head += f", held back: {', '.join(one.held_back)}"
        console.print(head, markup=False, soft_wrap=True)
        for change in result.changes:
            console.print(f"  {change}", markup=False, soft_wrap=True)
        for conflict in one.conflicts:
            if conflict.ref in one.taken:
                how = "the owner's value taken (--take)"
            elif conflict.ref in one.kept:
                how = "ipt's value kept (--keep)"
            else:
                how = "held back"
            console.print(f"  conflict: {conflict}; {how}", markup=False, soft_wrap=True)
    for one in refused:
        for problem in one.problems:
            write_error(f"ipt: {one.path.name} refused: {problem}")
    read = len(found) - len(refused)
    summary = f"{read} return{'s' if read != 1 else ''} read"
    if refused:
        summary += f", {len(refused)} refused (nothing of them written)"
    held = sorted({ref for one in found if not one.refused for ref in one.held_back})
    if held:
        summary += (
            f"; held back for a conflict with a change made in ipt: {', '.join(held)} "
            "(--take REFS applies the owner's values, --keep REFS keeps ipt's and applies the rest)"
        )
    summary += "; nothing written (dry run)" if args.dry_run else ""
    console.print(summary, markup=False, soft_wrap=True)
    return EXIT_FAILED if refused else EXIT_OK


RETURN_COMMANDS: dict[str | None, Callable[[argparse.Namespace, Console], int]] = {
    "requests": cmd_requests,
    "returns": cmd_returns,
}
